#include "core/host_id.h"

#include "core/error.h"
#include "core/files.h"
#include "core/text.h"

namespace tsp {

std::uint32_t host_id_of(const std::string& boot_id) {
    std::uint32_t h = 2166136261u;
    for (unsigned char c : trim(boot_id)) {
        h ^= c;
        h *= 16777619u;
    }
    return h ? h : 1;
}

std::uint32_t host_id(const std::string& boot_id_path) {
    const std::string id(trim(read_file(boot_id_path, 256)));
    if (id.empty()) throw Error(boot_id_path + " is empty: cannot tell this host's id");
    return host_id_of(id);
}

}  // namespace tsp

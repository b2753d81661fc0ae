#include "core/program_pins.h"

#include <bpf/bpf.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "core/error.h"
#include "core/files.h"

namespace tsp::pins {

UniqueFd obj_get(const std::string& path) {
    UniqueFd fd(bpf_obj_get(path.c_str()));
    if (!fd) throw Error(errno_message("cannot open pinned " + path, errno));
    return fd;
}

std::vector<std::string> link_names(const Paths& paths) {
    std::vector<std::string> names;
    for (auto& n : dir_entries(paths.links_dir()))
        if (n[0] != '.') names.push_back(std::move(n));
    return names;
}

void unpin_program(const Paths& paths) {
    for (auto* pin : {kProgPin, kPolicyPin, kStatsPin, kDecidedPin, kAcctPin, kMetaPin}) {
        ::unlink((paths.pin_dir() + "/" + pin).c_str());
        ::unlink((paths.pin_dir() + "/" + pin + "_new").c_str());  // a reload's leftover
    }
    ::rmdir(paths.links_dir().c_str());
    ::rmdir(paths.pin_dir().c_str());
}

}  // namespace tsp::pins

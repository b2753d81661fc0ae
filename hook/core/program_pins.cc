#include "core/program_pins.h"

#include <bpf/bpf.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include "core/error.h"

namespace tsp::pins {

bool exists(const std::string& path) {
    struct stat st;
    return ::lstat(path.c_str(), &st) == 0;
}

UniqueFd obj_get(const std::string& path) {
    UniqueFd fd(bpf_obj_get(path.c_str()));
    if (!fd) throw Error(errno_message("cannot open pinned " + path, errno));
    return fd;
}

std::vector<std::string> link_names(const Paths& paths) {
    std::vector<std::string> names;
    std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(paths.links_dir().c_str()), ::closedir);
    if (!d) return names;
    while (auto* e = ::readdir(d.get()))
        if (e->d_name[0] != '.') names.emplace_back(e->d_name);
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

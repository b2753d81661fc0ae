// Whether a cgroup id still names a cgroup: asked of the kernel through the
// id's kernfs file handle, so a dying cgroup (removed, not yet released)
// counts as gone and no tree walk bound can hide a live one.
#pragma once

#include <cstdint>
#include <string>

namespace tsp {

enum class CgroupState {
    kLive,     // a directory of the cgroup2 mount has this id
    kGone,     // none has (id 0: what a link reports once the kernel detached it)
    kUnknown,  // the kernel would not say (no CAP_DAC_READ_SEARCH, not cgroup2)
};

// `cgroup_mount` is the cgroup2 mount point (core/cgroup_tree.h cgroup2_mount()).
CgroupState cgroup_state(const std::string& cgroup_mount, std::uint64_t id);

}  // namespace tsp

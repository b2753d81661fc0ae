// Where a container's cgroup-v2 directory is, relative to the cgroup2 mount:
// from /proc/<pid>/cgroup (preferred: exact for every driver), or from
// linux.cgroupsPath in config.json (runc's systemd and cgroupfs forms).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace tsp {

// The "0::<path>" entry of a /proc/<pid>/cgroup text; nullopt when there is
// none or the cgroup was removed (" (deleted)").
std::optional<std::string> cgroup_from_proc(std::string_view proc_cgroup);

// runc's systemd slice expansion: "a-b-c.slice" -> "/a.slice/a-b.slice/a-b-c.slice",
// "-.slice" or "" -> "". Throws Error on a malformed name.
std::string expand_slice(std::string_view slice);

// cgroupsPath as runc resolves it: "slice:prefix:name" (systemd driver) or an
// absolute cgroupfs path. nullopt for relative cgroupfs paths, which runc
// resolves against its own cgroup (use the pid instead). Throws Error on a
// malformed systemd form.
std::optional<std::string> cgroup_from_cgroups_path(std::string_view cgroups_path);

// A container's cgroup-v2 directory under `cgroup_root` (the cgroup2 mount):
// from /proc/<pid>/cgroup while `pid` lives, else from its cgroupsPath
// (asked for only then). Never the root cgroup, which would apply a
// container's policy host-wide. Throws Error saying what to do.
std::string container_cgroup_dir(const std::string& cgroup_root, std::optional<int> pid,
                                 const std::function<std::string()>& cgroups_path);

}  // namespace tsp

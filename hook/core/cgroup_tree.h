// Cgroup ids (the inode numbers of cgroup2 directories) and the
// directories they name, by bounded walks of the cgroup2 tree.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <unordered_map>

namespace tsp {

// Where cgroup2 is mounted (the first cgroup2 entry of
// /proc/self/mountinfo), else @fallback.
std::string cgroup2_mount(const std::string& fallback = "/sys/fs/cgroup");

// The ids of @dir and of every cgroup below it. Throws Error when @dir
// cannot be read.
std::set<std::uint64_t> cgroup_subtree_ids(const std::string& dir);

// id -> directory of @root and every cgroup below it.
std::unordered_map<std::uint64_t, std::string> cgroup_dirs(const std::string& root);

}  // namespace tsp

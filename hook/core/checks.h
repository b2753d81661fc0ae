// Preconditions of attaching, each failing with an Error that says what to do.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "core/paths.h"

namespace tsp {

// First kernel whose SOCK_OPS programs may call kfuncs.
inline constexpr std::pair<int, int> kMinKernel{6, 15};

// "7.3.4+deb13-cloud-amd64" -> {7, 3}; nullopt when unparsable.
std::optional<std::pair<int, int>> parse_kernel_release(std::string_view release);

// Whether the filesystem at `path` has this statfs magic (linux/magic.h).
bool has_fs_magic(const std::string& path, long magic);

void require_root();
void require_kernel(std::string_view release);  // pass uname().release
std::string running_kernel_release();
void require_module(const Paths& paths);
void require_bpffs(const Paths& paths);
void require_cgroup2_dir(const std::string& path);

}  // namespace tsp

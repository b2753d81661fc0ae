// Network namespaces of a cgroup's processes, and running a step in one.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/fd.h"

namespace tsp {

// The network namespaces the processes of @cgroup_dir and its descendants
// are in (every process's when @cgroup_dir is empty), one fd each, without
// the calling thread's own. Processes that exit meanwhile are skipped.
std::vector<UniqueFd> netns_of_cgroup(const std::string& cgroup_dir);

// Runs @step with the calling thread in the network namespace @ns, then
// returns it to its own. False (and @step not run) when the namespace
// cannot be entered (no permission, a seccomp filter); throws only if the
// thread could not get back.
bool in_netns(int ns, const std::function<void()>& step);

// Runs @step with the calling thread in the network namespace at @path
// (/proc/PID/ns/net, /run/netns/NAME), then returns it to its own. Throws
// Error saying what to do when @path is not a network namespace or cannot
// be entered. Only for tcp-splice-ctl: the OCI hook's seccomp filter
// forbids setns.
void run_in_netns(const std::string& path, const std::function<void()>& step);

}  // namespace tsp

// Self-confinement for the hook, installed before it reads any input: one
// seccomp allow-list for the whole run, covering reading its input (the
// config file, the OCI state on stdin, the bundle's config.json and
// /proc/<pid>/cgroup) and what attaching, recording and logging need.
// Anything else fails with EPERM (reported like any other error) instead of
// killing the hook, so a fail-open hook still lets the container start.
#pragma once

namespace tsp {

enum class ConfineMode { kEnforce, kLog };

// Throws Error when the filter cannot be installed.
void confine_hook(ConfineMode mode = ConfineMode::kEnforce);

}  // namespace tsp

// Self-confinement for the hook once its input is parsed: a seccomp
// allow-list of what attaching, recording and logging need. Anything else
// fails with EPERM (reported like any other error) instead of killing the
// hook, so a fail-open hook still lets the container start.
#pragma once

namespace tsp {

enum class ConfineMode { kEnforce, kLog };

// Throws Error when the filter cannot be installed.
void confine_hook(ConfineMode mode = ConfineMode::kEnforce);

}  // namespace tsp

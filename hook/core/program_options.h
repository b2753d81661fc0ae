// How the program is loaded (ProgramOptions) and what a reload did
// (ReloadReport): shared by Program (program.h) and its parts.
#pragma once

#include <cstddef>
#include <string>

namespace tsp {

struct ProgramOptions {
    // Verify that loading bound bpf_tcp_splice_pair() from the loaded module
    // (its refcount rises). Off for host tests, which run without the module.
    bool require_module = true;
    // Prepare (and at the last detach, restore) listeners in every network
    // namespace of the cgroup's processes, not only the caller's: for
    // tcp-splice-ctl on running workloads. The OCI hook and the NRI plugin
    // attach before a container runs (it has no listeners yet) and detach
    // after it is gone, and the hook's seccomp filter has no setns.
    bool all_netns = false;
};

enum class ReloadOutcome {
    kNotLoaded,    // nothing pinned
    kCurrent,      // the pinned program is this version's
    kPinnedNewer,  // a newer tool pinned it: left in place
    kReplaced,     // replaced; every attachment moved over
};

struct ReloadReport {
    ReloadOutcome outcome = ReloadOutcome::kNotLoaded;
    std::string from;             // the pinned program's version ("" when older than 0.2.0)
    std::string to;               // this version
    std::size_t attachments = 0;  // links moved over
    bool counters_kept = false;   // program counters carried over
};

// Version order of "a.b.c" strings (numeric fields).
bool version_less(const std::string& a, const std::string& b);

}  // namespace tsp

// Whole-host lifecycle of tcp-splice's state: removing everything (package
// removal, `tcp-splice-ctl disable --all`) and removing what outlived its
// cgroup (`tcp-splice-ctl gc`). Both hold FileLock for their whole run, so
// no attach or detach interleaves with their decisions.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/busy_read_record.h"
#include "core/cgroup_handle.h"
#include "core/containers.h"
#include "core/paths.h"
#include "core/program.h"

namespace tsp {

struct GcPlan {
    // Their container is gone: the record and its attachment go.
    std::vector<ContainerRecord> records;
    // On a cgroup that is gone, named by no record of a gone container.
    std::vector<Attachment> attachments;
    // What looked stale but stays, each with why (never removed by guess).
    std::vector<std::string> kept;
};

// Which records and attachments are stale. An attachment is stale when its
// cgroup is gone (`cgroup_state` of its id). A record is stale when its
// cgroup directory is missing and its attachment (when there is one) is
// stale too: a record whose path is missing here (another mount namespace's
// path) but whose link is live is kept.
GcPlan plan_gc(const std::vector<ContainerRecord>& records,
               const std::vector<Attachment>& attachments,
               const std::function<bool(const std::string& dir)>& dir_exists,
               const std::function<CgroupState(std::uint64_t id)>& cgroup_state);

struct GcReport {
    GcPlan plan;                        // removed (or, dry run, what would be)
    std::vector<std::string> skipped;   // record files that are not records: left alone
    std::vector<std::string> problems;  // removals that failed, with what to do
    bool unloaded = false;              // the last attachment went: program and maps unpinned
};

// Removes stale records and attachments (nothing when `dry_run`).
GcReport gc(const Paths& paths, const ProgramOptions& opts, bool dry_run);

struct DisableAllReport {
    std::vector<std::string> attachments;  // link pins removed, by name
    std::vector<std::string> records;      // files removed from <state_dir>/containers
    bool unloaded = false;                 // program and map pins were there and are gone
    BusySysctlsRestore busy_sysctls;       // net.core.busy_read and net.core.busy_poll
    std::vector<std::string> problems;     // what could not be removed, with what to do
};

// Removes every attachment, every per-container record, the program and
// its maps, and restores net.core.busy_read and net.core.busy_poll. Idempotent; needs neither the
// module nor a BPF filesystem (then there are no pins to remove).
DisableAllReport disable_all(const Paths& paths, const ProgramOptions& opts);

}  // namespace tsp

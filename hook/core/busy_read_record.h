// What tcp-splice did to the busy-poll sysctls, so they can be put back:
// net.core.busy_read (blocking reads spin) and net.core.busy_poll
// (epoll/poll/select spin). <state_dir>/busy_read.json (its name from when
// it held busy_read alone) holds, for each, the value before our first
// change (never overwritten while the record exists) and the value we last
// wrote. busy_read stays at the top level, as older releases wrote and read
// it; busy_poll is an object beside it, absent in their records (then it
// has no record of its own and is recorded at the next enable). Every
// function here takes FileLock (re-entrant) around its read-modify-write.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/paths.h"

namespace tsp {

inline constexpr const char* kBusyReadSysctl = "net.core.busy_read";
inline constexpr const char* kBusyPollSysctl = "net.core.busy_poll";

struct SysctlRecord {
    unsigned original = 0;  // before any change of ours
    unsigned set = 0;       // what we last wrote
};

struct BusyReadRecord {
    SysctlRecord busy_read;
    std::optional<SysctlRecord> busy_poll;  // nullopt: a record of an older release
};

std::string busy_read_record_path(const Paths& paths);

// The record's text as a record; throws Error naming `path` when it is not one.
BusyReadRecord parse_busy_read_record(const std::string& text, const std::string& path);
std::string format_busy_read_record(const BusyReadRecord& r);

// nullopt when there is no record; throws Error when it is unreadable.
std::optional<BusyReadRecord> load_busy_read_record(const Paths& paths);

struct BusySysctlsSet {
    unsigned previous_busy_read = 0;  // the sysctls' values before this call
    unsigned previous_busy_poll = 0;
    std::optional<BusyReadRecord> before;          // the record before this call (nullopt: none)
    bool recorded_now() const { return !before; }  // this call created the record
};

// Writes `us` to net.core.busy_read and net.core.busy_poll, recording first
// (atomically) the original value of each that has no record yet. On
// failure both sysctls and the record are as they were.
BusySysctlsSet set_busy_sysctls(const Paths& paths, unsigned us);
// Undoes one set_busy_sysctls() (a failed enable): the previous values and
// the previous record back (none when that call created it). Best effort,
// never throws.
void undo_set_busy_sysctls(const Paths& paths, const BusySysctlsSet& change);

enum class SysctlOutcome {
    kNoRecord,      // we never changed it: nothing to do
    kRestored,      // it held our value: the original is back
    kChangedSince,  // someone changed it after us: left as it is
};

struct SysctlRestore {
    const char* name = "";  // kBusyReadSysctl or kBusyPollSysctl
    SysctlOutcome outcome = SysctlOutcome::kNoRecord;
    unsigned original = 0, set = 0, current = 0;
};

struct BusySysctlsRestore {
    SysctlRestore busy_read{kBusyReadSysctl};
    SysctlRestore busy_poll{kBusyPollSysctl};
    // A record was there (and is gone, unless a dry run).
    bool recorded() const {
        return busy_read.outcome != SysctlOutcome::kNoRecord ||
               busy_poll.outcome != SysctlOutcome::kNoRecord;
    }
};

// Decides what restoring one sysctl does, from its record and current value.
SysctlOutcome decide_sysctl_restore(const SysctlRecord& r, unsigned current);

// Puts each sysctl's original value back when it still holds ours, and
// leaves one someone changed since; then the record goes (we no longer own
// the settings). When a write fails, the other is still tried, the record
// stays and the first failure is thrown. Idempotent.
BusySysctlsRestore restore_busy_sysctls(const Paths& paths, bool dry_run = false);

// One line for operators ("" for kNoRecord).
std::string describe(const SysctlRestore& r);
// One line per sysctl with a record, busy_read first.
std::vector<std::string> describe(const BusySysctlsRestore& r);

}  // namespace tsp

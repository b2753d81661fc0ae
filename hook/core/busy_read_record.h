// What tcp-splice did to net.core.busy_read, so it can be put back:
// <state_dir>/busy_read.json holds the value before our first change (never
// overwritten while the record exists) and the value we last wrote. Every
// function here takes FileLock (re-entrant) around its read-modify-write.
#pragma once

#include <optional>
#include <string>

#include "core/paths.h"

namespace tsp {

struct BusyReadRecord {
    unsigned original = 0;  // before any change of ours
    unsigned set = 0;       // what we last wrote
};

std::string busy_read_record_path(const Paths& paths);

// The record's text as a record; throws Error naming `path` when it is not one.
BusyReadRecord parse_busy_read_record(const std::string& text, const std::string& path);
std::string format_busy_read_record(const BusyReadRecord& r);

// nullopt when there is no record; throws Error when it is unreadable.
std::optional<BusyReadRecord> load_busy_read_record(const Paths& paths);

struct BusyReadSet {
    unsigned previous = 0;      // the sysctl's value before this call
    bool recorded_now = false;  // this call created the record
};

// Writes `us` to net.core.busy_read, recording the original value first when
// no record exists (atomically). On failure the sysctl and the record are
// as they were.
BusyReadSet set_busy_read(const Paths& paths, unsigned us);
// Undoes one set_busy_read() (a failed enable): the previous value back, and
// the record gone when that call created it. Best effort, never throws.
void undo_set_busy_read(const Paths& paths, const BusyReadSet& change);

enum class BusyReadOutcome {
    kNoRecord,      // we never changed it: nothing to do
    kRestored,      // it held our value: the original is back
    kChangedSince,  // someone changed it after us: left as it is
};

struct BusyReadRestore {
    BusyReadOutcome outcome = BusyReadOutcome::kNoRecord;
    unsigned original = 0, set = 0, current = 0;
};

// Decides what restoring does, from the record and the current value.
BusyReadOutcome decide_busy_read_restore(const BusyReadRecord& r, unsigned current);

// Puts the original value back when the sysctl still holds ours; in either
// case the record goes (we no longer own the setting). Idempotent.
BusyReadRestore restore_busy_read(const Paths& paths, bool dry_run = false);

// One line for operators ("" for kNoRecord).
std::string describe(const BusyReadRestore& r);

}  // namespace tsp

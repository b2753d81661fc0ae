// Exclusive flock held for the lifetime of the object: serialises every
// change of the pins under <bpffs>/tcp_splice, the container records and the
// busy_read record, so concurrent ctl/hook/plugin invocations are safe.
// Taken on Paths::lock_path() and then, when that file exists, on
// Paths::legacy_lock_file (fixed order, so no two holders deadlock).
// Re-entrant within a thread: a FileLock constructed while the same thread
// already holds one for the same path takes nothing and releases nothing.
#pragma once

#include <string>

#include "core/fd.h"
#include "core/paths.h"

namespace tsp {

class FileLock {
public:
    explicit FileLock(const Paths& paths);
    ~FileLock();
    FileLock(const FileLock&) = delete;
    FileLock& operator=(const FileLock&) = delete;

    bool holds_legacy() const { return static_cast<bool>(legacy_); }

private:
    std::string path_;  // empty when nested (nothing taken)
    UniqueFd fd_;
    UniqueFd legacy_;
};

}  // namespace tsp

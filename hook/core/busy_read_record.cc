#include "core/busy_read_record.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/files.h"
#include "core/lock.h"
#include "core/params.h"

namespace tsp {
namespace {

using nlohmann::json;

unsigned member(const json& j, const char* name, const std::string& path) {
    auto it = j.find(name);
    if (it == j.end() || !it->is_number_unsigned() || it->get<unsigned long long>() > INT_MAX)
        throw Error(path + " is not a busy_read record: " + name + " missing or not a number 0.." +
                    std::to_string(INT_MAX) +
                    "; set net.core.busy_read yourself and remove the file");
    return static_cast<unsigned>(it->get<unsigned long long>());
}

}  // namespace

std::string busy_read_record_path(const Paths& paths) {
    return paths.state_dir + "/busy_read.json";
}

BusyReadRecord parse_busy_read_record(const std::string& text, const std::string& path) {
    const json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        throw Error(path +
                    " is not a busy_read record (not a JSON object); set net.core.busy_read "
                    "yourself and remove the file");
    return {member(j, "original", path), member(j, "set", path)};
}

std::string format_busy_read_record(const BusyReadRecord& r) {
    return json{{"original", r.original}, {"set", r.set}}.dump() + "\n";
}

std::optional<BusyReadRecord> load_busy_read_record(const Paths& paths) {
    const std::string path = busy_read_record_path(paths);
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) return std::nullopt;
    return parse_busy_read_record(read_file(path, 4096), path);
}

BusyReadSet set_busy_read(const Paths& paths, unsigned us) {
    validate_busy_poll_us(us);
    FileLock lock(paths);
    BusyReadSet out;
    out.previous = read_busy_read(paths);
    auto rec = load_busy_read_record(paths);
    const std::optional<BusyReadRecord> before = rec;
    if (!rec) rec = BusyReadRecord{out.previous, us};
    rec->set = us;
    ::mkdir(paths.state_dir.c_str(), 0755);
    write_file_atomic(busy_read_record_path(paths), format_busy_read_record(*rec), 0644);
    out.recorded_now = !before;
    try {
        write_busy_read(paths, us);
    } catch (...) {
        undo_set_busy_read(paths, out);
        if (before) {
            try {
                write_file_atomic(busy_read_record_path(paths), format_busy_read_record(*before),
                                  0644);
            } catch (const Error&) {
            }
        }
        throw;
    }
    return out;
}

void undo_set_busy_read(const Paths& paths, const BusyReadSet& change) {
    try {
        FileLock lock(paths);
        write_busy_read(paths, change.previous);
        if (change.recorded_now) ::unlink(busy_read_record_path(paths).c_str());
    } catch (const Error&) {
    }
}

BusyReadOutcome decide_busy_read_restore(const BusyReadRecord& r, unsigned current) {
    // Holding the original already (someone set it back) needs no write either.
    return current == r.set || current == r.original ? BusyReadOutcome::kRestored
                                                     : BusyReadOutcome::kChangedSince;
}

BusyReadRestore restore_busy_read(const Paths& paths, bool dry_run) {
    FileLock lock(paths);
    BusyReadRestore out;
    auto rec = load_busy_read_record(paths);
    if (!rec) return out;
    out.original = rec->original;
    out.set = rec->set;
    out.current = read_busy_read(paths);
    out.outcome = decide_busy_read_restore(*rec, out.current);
    if (dry_run) return out;
    if (out.outcome == BusyReadOutcome::kRestored && out.current != out.original)
        write_busy_read(paths, out.original);
    if (::unlink(busy_read_record_path(paths).c_str()) != 0 && errno != ENOENT)
        throw Error(errno_message("cannot remove " + busy_read_record_path(paths), errno));
    return out;
}

std::string describe(const BusyReadRestore& r) {
    switch (r.outcome) {
        case BusyReadOutcome::kNoRecord:
            return "";
        case BusyReadOutcome::kRestored:
            if (r.current == r.original && r.current != r.set)
                return "net.core.busy_read already back at " + std::to_string(r.original);
            return "net.core.busy_read restored to " + std::to_string(r.original) + " (was " +
                   std::to_string(r.set) + ", set by tcp-splice)";
        case BusyReadOutcome::kChangedSince:
            return "net.core.busy_read left at " + std::to_string(r.current) +
                   ": changed since tcp-splice set it to " + std::to_string(r.set) + " (it was " +
                   std::to_string(r.original) + " before)";
    }
    return "";
}

}  // namespace tsp

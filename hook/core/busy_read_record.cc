#include "core/busy_read_record.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <exception>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/files.h"
#include "core/lock.h"
#include "core/params.h"

namespace tsp {
namespace {

using nlohmann::json;

// What to do about a record that is not one.
const std::string kRecordFix = std::string("set ") + kBusyReadSysctl + " and " + kBusyPollSysctl +
                               " yourself and remove the file";

unsigned member(const json& j, const std::string& name, const std::string& path) {
    const std::string key = name.substr(name.rfind('.') + 1);  // "busy_poll.set": "set"
    auto it = j.find(key);
    if (it == j.end() || !it->is_number_unsigned() || it->get<unsigned long long>() > INT_MAX)
        throw Error(path + " is not a busy_read record: " + name + " missing or not a number 0.." +
                    std::to_string(INT_MAX) + "; " + kRecordFix);
    return static_cast<unsigned>(it->get<unsigned long long>());
}

SysctlRestore examine(const char* name, const SysctlRecord& r, unsigned current) {
    return {name, decide_sysctl_restore(r, current), r.original, r.set, current};
}

}  // namespace

std::string busy_read_record_path(const Paths& paths) {
    return paths.state_dir + "/busy_read.json";
}

BusyReadRecord parse_busy_read_record(const std::string& text, const std::string& path) {
    try {
        const json j = json::parse(text, nullptr, false);
        if (j.is_discarded() || !j.is_object())
            throw Error(path + " is not a busy_read record (not a JSON object); " + kRecordFix);
        BusyReadRecord r;
        r.busy_read = {member(j, "original", path), member(j, "set", path)};
        if (auto it = j.find("busy_poll"); it != j.end()) {
            if (!it->is_object())
                throw Error(path + " is not a busy_read record: busy_poll is not an object; " +
                            kRecordFix);
            r.busy_poll = SysctlRecord{member(*it, "busy_poll.original", path),
                                       member(*it, "busy_poll.set", path)};
        }
        return r;
    } catch (const json::exception& e) {
        throw Error(path + " is not a busy_read record (" + e.what() + "); " + kRecordFix);
    }
}

std::string format_busy_read_record(const BusyReadRecord& r) {
    json j{{"original", r.busy_read.original}, {"set", r.busy_read.set}};
    if (r.busy_poll)
        j["busy_poll"] = json{{"original", r.busy_poll->original}, {"set", r.busy_poll->set}};
    return j.dump() + "\n";
}

std::optional<BusyReadRecord> load_busy_read_record(const Paths& paths) {
    const std::string path = busy_read_record_path(paths);
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) return std::nullopt;
    return parse_busy_read_record(read_file(path, 4096), path);
}

BusySysctlsSet set_busy_sysctls(const Paths& paths, unsigned us) {
    validate_busy_poll_us(us);
    FileLock lock(paths);
    BusySysctlsSet out;
    // Both readable, and the record too, before anything changes.
    out.previous_busy_read = read_busy_read(paths);
    out.previous_busy_poll = read_busy_poll(paths);
    out.before = load_busy_read_record(paths);
    BusyReadRecord rec =
        out.before.value_or(BusyReadRecord{{out.previous_busy_read, us}, std::nullopt});
    rec.busy_read.set = us;
    // An older release's record has no busy_poll: its original is today's.
    if (!rec.busy_poll) rec.busy_poll = SysctlRecord{out.previous_busy_poll, us};
    rec.busy_poll->set = us;
    ::mkdir(paths.state_dir.c_str(), 0755);
    write_file_atomic(busy_read_record_path(paths), format_busy_read_record(rec), 0644);
    try {
        write_busy_read(paths, us);
        write_busy_poll(paths, us);
    } catch (...) {
        undo_set_busy_sysctls(paths, out);
        throw;
    }
    return out;
}

void undo_set_busy_sysctls(const Paths& paths, const BusySysctlsSet& change) {
    try {
        FileLock lock(paths);
        try {
            write_busy_read(paths, change.previous_busy_read);
        } catch (const Error&) {
        }
        try {
            write_busy_poll(paths, change.previous_busy_poll);
        } catch (const Error&) {
        }
        if (change.before)
            write_file_atomic(busy_read_record_path(paths), format_busy_read_record(*change.before),
                              0644);
        else
            ::unlink(busy_read_record_path(paths).c_str());
    } catch (const Error&) {
    }
}

SysctlOutcome decide_sysctl_restore(const SysctlRecord& r, unsigned current) {
    // Holding the original already (someone set it back) needs no write either.
    return current == r.set || current == r.original ? SysctlOutcome::kRestored
                                                     : SysctlOutcome::kChangedSince;
}

BusySysctlsRestore restore_busy_sysctls(const Paths& paths, bool dry_run) {
    FileLock lock(paths);
    BusySysctlsRestore out;
    auto rec = load_busy_read_record(paths);
    if (!rec) return out;
    out.busy_read = examine(kBusyReadSysctl, rec->busy_read, read_busy_read(paths));
    if (rec->busy_poll)
        out.busy_poll = examine(kBusyPollSysctl, *rec->busy_poll, read_busy_poll(paths));
    if (dry_run) return out;
    std::exception_ptr failed;
    auto put_back = [&failed](const SysctlRestore& r, auto write) {
        if (r.outcome != SysctlOutcome::kRestored || r.current == r.original) return;
        try {
            write(r.original);
        } catch (const Error&) {
            if (!failed) failed = std::current_exception();
        }
    };
    put_back(out.busy_read, [&paths](unsigned v) { write_busy_read(paths, v); });
    put_back(out.busy_poll, [&paths](unsigned v) { write_busy_poll(paths, v); });
    if (failed) std::rethrow_exception(failed);  // the record stays for another try
    if (::unlink(busy_read_record_path(paths).c_str()) != 0 && errno != ENOENT)
        throw Error(errno_message("cannot remove " + busy_read_record_path(paths), errno));
    return out;
}

std::string describe(const SysctlRestore& r) {
    const std::string name = r.name;
    switch (r.outcome) {
        case SysctlOutcome::kNoRecord:
            return "";
        case SysctlOutcome::kRestored:
            if (r.current == r.original && r.current != r.set)
                return name + " already back at " + std::to_string(r.original);
            return name + " restored to " + std::to_string(r.original) + " (was " +
                   std::to_string(r.set) + ", set by tcp-splice)";
        case SysctlOutcome::kChangedSince:
            return name + " left at " + std::to_string(r.current) +
                   ": changed since tcp-splice set it to " + std::to_string(r.set) + " (it was " +
                   std::to_string(r.original) + " before)";
    }
    return "";
}

std::vector<std::string> describe(const BusySysctlsRestore& r) {
    std::vector<std::string> out;
    for (const SysctlRestore* s : {&r.busy_read, &r.busy_poll})
        if (std::string line = describe(*s); !line.empty()) out.push_back(std::move(line));
    return out;
}

}  // namespace tsp

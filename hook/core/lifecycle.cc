#include "core/lifecycle.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <set>

#include "core/cgroup_tree.h"
#include "core/container_attach.h"
#include "core/error.h"
#include "core/files.h"
#include "core/lock.h"

namespace tsp {
namespace {

bool is_dir(const std::string& path) {
    struct stat st;
    return ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// Removes @path (a file, a pin or an empty directory); false with a problem
// line when it cannot.
bool remove_entry(const std::string& path, std::vector<std::string>& problems) {
    const int rc = is_dir(path) ? ::rmdir(path.c_str()) : ::unlink(path.c_str());
    if (rc == 0 || errno == ENOENT) return rc == 0;
    problems.push_back(errno_message("cannot remove " + path, errno) + ": remove it by hand");
    return false;
}

std::string id_text(std::uint64_t id) { return "cgroup id " + std::to_string(id); }

}  // namespace

GcPlan plan_gc(const std::vector<ContainerRecord>& records,
               const std::vector<Attachment>& attachments,
               const std::function<bool(const std::string& dir)>& dir_exists,
               const std::function<CgroupState(std::uint64_t id)>& cgroup_state) {
    GcPlan plan;
    std::map<std::string, const Attachment*> by_name;
    for (const auto& a : attachments) by_name[a.name] = &a;
    // Attachments already decided with their record: a stale record takes
    // its link with it, a kept one keeps it (and says why once).
    std::set<std::string> covered;
    for (const auto& r : records) {
        if (!r.cgroup.empty() && dir_exists(r.cgroup)) continue;
        const std::string what = "record of container " + short_id(r.id) + " (" +
                                 (r.cgroup.empty() ? "no cgroup recorded" : r.cgroup) + ")";
        if (auto it = by_name.find(r.attachment); it != by_name.end()) {
            covered.insert(r.attachment);
            const CgroupState s = cgroup_state(it->second->cgroup_id);
            if (s == CgroupState::kLive) {
                plan.kept.push_back(what + ": its cgroup directory is missing here but its " +
                                    "attachment " + r.attachment + " is live on " +
                                    id_text(it->second->cgroup_id));
                continue;
            }
            if (s == CgroupState::kUnknown) {
                plan.kept.push_back(what + ": cannot tell whether " +
                                    id_text(it->second->cgroup_id) + " of its attachment " +
                                    r.attachment + " still exists (run as root)");
                continue;
            }
        }
        plan.records.push_back(r);
        covered.insert(r.attachment);
    }
    for (const auto& a : attachments) {
        if (covered.count(a.name)) continue;
        switch (cgroup_state(a.cgroup_id)) {
            case CgroupState::kLive:
                break;
            case CgroupState::kGone:
                plan.attachments.push_back(a);
                break;
            case CgroupState::kUnknown:
                plan.kept.push_back("attachment " + a.name + ": cannot tell whether " +
                                    id_text(a.cgroup_id) + " still exists (run as root)");
                break;
        }
    }
    return plan;
}

GcReport gc(const Paths& paths, const ProgramOptions& opts, bool dry_run) {
    FileLock lock(paths);  // no attach or detach between the plan and the removals
    GcReport out;
    Program prog(paths, opts);
    const std::vector<Attachment> atts = prog.list();
    const auto records = ContainerRecords(paths.state_dir).all(&out.skipped);
    std::string mount;  // the cgroup2 mount, found once when cgroup_root is not one
    auto state = [&](std::uint64_t id) {
        CgroupState s = cgroup_state(paths.cgroup_root, id);
        if (s != CgroupState::kUnknown) return s;
        if (mount.empty()) mount = cgroup2_mount(paths.cgroup_root);
        return cgroup_state(mount, id);
    };
    out.plan = plan_gc(records, atts, path_exists, state);
    if (dry_run) {
        std::set<std::string> going;
        for (const auto& r : out.plan.records) going.insert(r.attachment);
        for (const auto& a : out.plan.attachments) going.insert(a.name);
        std::size_t left = 0;
        for (const auto& a : atts) left += going.count(a.name) ? 0 : 1;
        out.unloaded = prog.loaded() && left == 0;
        return out;
    }
    const bool was_loaded = prog.loaded();
    for (const auto& r : out.plan.records) {
        try {
            detach_container(paths, r.id);
        } catch (const Error& e) {
            out.problems.push_back("container " + short_id(r.id) + ": " + e.what());
        }
    }
    for (const auto& a : out.plan.attachments) {
        try {
            prog.detach(a.name);
        } catch (const Error& e) {
            out.problems.push_back("attachment " + a.name + ": " + e.what());
        }
    }
    try {
        prog.release_if_unused();  // also a program left pinned with no attachment
    } catch (const Error& e) {
        out.problems.push_back(e.what());
    }
    out.unloaded = was_loaded && !prog.loaded();
    return out;
}

DisableAllReport disable_all(const Paths& paths, const ProgramOptions& opts) {
    FileLock lock(paths);  // no attach interleaves: nothing is added while we remove
    DisableAllReport out;
    Program prog(paths, opts);
    const bool was_pinned = path_exists(paths.pin_dir());
    // Links first, records after: a record outlives its link (container_attach.h).
    for (const auto& name : dir_entries(paths.links_dir())) {
        try {
            if (Program::valid_name(name)) {
                if (prog.detach(name)) out.attachments.push_back(name);
            } else if (remove_entry(paths.links_dir() + "/" + name, out.problems)) {
                out.attachments.push_back(name);
            }
        } catch (const Error& e) {
            out.problems.push_back("attachment " + name + ": " + e.what());
        }
    }
    try {
        prog.release_if_unused();
    } catch (const Error& e) {
        out.problems.push_back(e.what());
    }
    // What is left (pins of another version, a half-made load) goes too.
    if (is_dir(paths.links_dir())) {
        for (const auto& name : dir_entries(paths.links_dir()))
            remove_entry(paths.links_dir() + "/" + name, out.problems);
    }
    for (const auto& name : dir_entries(paths.pin_dir()))
        remove_entry(paths.pin_dir() + "/" + name, out.problems);
    if (was_pinned) remove_entry(paths.pin_dir(), out.problems);
    out.unloaded = was_pinned && !path_exists(paths.pin_dir());

    const std::string records = ContainerRecords(paths.state_dir).dir();
    for (const auto& name : dir_entries(records))
        if (remove_entry(records + "/" + name, out.problems)) out.records.push_back(name);
    if (is_dir(records)) ::rmdir(records.c_str());

    try {
        out.busy_sysctls = restore_busy_sysctls(paths);
    } catch (const Error& e) {
        out.problems.push_back(e.what());
    }
    return out;
}

}  // namespace tsp

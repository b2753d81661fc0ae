#include "ctl/lifecycle_cmd.h"

#include <cstdio>
#include <iostream>

#include "core/checks.h"
#include "core/error.h"
#include "core/lifecycle.h"

namespace tsp::ctl {
namespace {

// Same as the ctl's own attachments: listeners are restored in every
// namespace of the cgroup's processes at the last detach.
const ProgramOptions kLifecycleProgram{.require_module = false, .all_netns = true};

Paths make_paths(const Options& o) {
    Paths p;
    p.bpffs = o.bpffs;
    return p;
}

int report_problems(const std::vector<std::string>& problems) {
    for (const auto& p : problems) std::fprintf(stderr, "tcp-splice-ctl: %s\n", p.c_str());
    return problems.empty() ? 0 : 1;
}

}  // namespace

void restore_busy_sysctls_and_say(const Paths& paths) {
    for (const auto& line : describe(restore_busy_sysctls(paths)))
        std::cout << "tcp_splice: " << line << "\n";
}

int run_disable_all(const Options& o) {
    require_root();
    const Paths paths = make_paths(o);
    const DisableAllReport r = disable_all(paths, kLifecycleProgram);
    for (const auto& a : r.attachments) std::cout << "removed attachment " << a << "\n";
    for (const auto& f : r.records) std::cout << "removed record " << f << "\n";
    if (r.unloaded) std::cout << "unpinned the program and its maps (" << paths.pin_dir() << ")\n";
    for (const auto& line : describe(r.busy_sysctls)) std::cout << line << "\n";
    if (r.attachments.empty() && r.records.empty() && !r.unloaded && !r.busy_sysctls.recorded())
        std::cout << "tcp_splice: nothing to remove\n";
    else
        std::cout << "tcp_splice: disabled everywhere\n";
    return report_problems(r.problems);
}

int run_gc(const Options& o) {
    require_root();
    const Paths paths = make_paths(o);
    const GcReport r = gc(paths, kLifecycleProgram, o.dry_run);
    const char* verb = o.dry_run ? "would remove" : "removed";
    for (const auto& rec : r.plan.records)
        std::cout << verb << " container " << short_id(rec.id) << " (attachment " << rec.attachment
                  << ", record; cgroup " << rec.cgroup << " is gone)\n";
    for (const auto& a : r.plan.attachments)
        std::cout << verb << " attachment " << a.name << " (cgroup id " << a.cgroup_id
                  << " is gone)\n";
    if (r.unloaded)
        std::cout << (o.dry_run ? "would unpin" : "unpinned")
                  << " the program and its maps (no attachment left)\n";
    for (const auto& k : r.plan.kept) std::cout << "kept " << k << "\n";
    for (const auto& s : r.skipped) std::cout << "skipped " << s << " (remove the file)\n";
    if (r.plan.records.empty() && r.plan.attachments.empty() && !r.unloaded)
        std::cout << "tcp_splice: nothing stale\n";
    return report_problems(r.problems);
}

}  // namespace tsp::ctl

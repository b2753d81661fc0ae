#include "ctl/runtime_cmd.h"

#include <unistd.h>

#include <filesystem>
#include <iostream>

#include "core/config_write.h"
#include "core/error.h"
#include "core/runtime_config.h"

namespace tsp::ctl {
namespace {

namespace fs = std::filesystem;

constexpr const char* kPodmanEtc = "/etc/containers/oci/hooks.d";
constexpr const char* kPodmanShare = "/usr/share/containers/oci/hooks.d";

struct Run {
    const Options& o;
    bool configure;
};

void report(const std::string& label, const std::string& path, Applied a, bool configure,
            const std::string& restart) {
    switch (a) {
        case Applied::kUnchanged:
            std::cout << label << ": " << (configure ? "already configured" : "not configured")
                      << " (" << path << ")\n";
            return;
        case Applied::kDryRun:
            std::cout << label << ": dry run, nothing written\n";
            return;
        case Applied::kRemoved:
            std::cout << label << ": removed " << path << "\n";
            break;
        case Applied::kWritten:
            std::cout << label << ": " << (configure ? "configured" : "unconfigured") << " ("
                      << path << ")";
            if (fs::exists(backup_path(path)))
                std::cout << "; the original is in " << backup_path(path);
            std::cout << "\n";
            break;
    }
    if (!restart.empty())
        std::cout << label << ": restart it to apply: systemctl restart " << restart << "\n";
}

int docker(const Run& r) {
    const std::string path =
        r.o.runtime_config.empty() ? "/etc/docker/daemon.json" : r.o.runtime_config;
    const Applied a = edit_config_file(
        "docker", path,
        [&](const std::string& text, const std::optional<std::string>& original) {
            return r.configure ? runtime::docker_configure(text, r.o.set_as_default)
                               : runtime::docker_unconfigure(text, original);
        },
        r.o.dry_run, std::cout);
    report("docker", path, a, r.configure, "docker");
    if (r.configure && !r.o.set_as_default)
        std::cout << "docker: run containers with --runtime=tcp-splice (or configure with "
                     "--set-as-default)\n";
    return 0;
}

int containerd(const Run& r) {
    const std::string path =
        r.o.runtime_config.empty() ? "/etc/containerd/config.toml" : r.o.runtime_config;
    const Applied a = edit_config_file(
        "containerd", path,
        [&](const std::string& text, const std::optional<std::string>& original) {
            return r.configure ? runtime::containerd_configure(text)
                               : runtime::containerd_unconfigure(text, original);
        },
        r.o.dry_run, std::cout);
    report("containerd", path, a, r.configure, "containerd");
    if (r.configure)
        std::cout << "containerd: tcp-splice-nri is the NRI plugin: systemctl enable --now "
                     "tcp-splice-nri\n";
    return 0;
}

int crio(const Run& r) {
    const std::string path = r.o.runtime_config.empty() ? "/etc/crio/crio.conf.d/50-tcp-splice.conf"
                                                        : r.o.runtime_config;
    // The drop-in is wholly ours: no backup (CRI-O would read one in that directory).
    FileChange c{
        .path = path, .before = read_optional(path), .after = std::nullopt, .backup = false};
    c.after = c.before;
    if (r.configure) {
        if (!c.before || !runtime::crio_dropin_enables_nri(*c.before))
            c.after = runtime::crio_dropin();
    } else if (c.before) {
        if (*c.before != runtime::crio_dropin() && !runtime::crio_dropin_enables_nri(*c.before))
            throw Error(path +
                        " is not the drop-in tcp-splice-ctl writes; remove it by hand if "
                        "you mean to");
        c.after.reset();
    }
    report("crio", path, apply_change(c, r.o.dry_run, std::cout), r.configure, "crio");
    if (r.configure)
        std::cout << "crio: tcp-splice-nri is the NRI plugin: systemctl enable --now "
                     "tcp-splice-nri\n";
    return 0;
}

// The installed hook: next to this ctl's prefix, then where `make install`
// puts it for this build, then the packaged path.
std::string find_hook() {
    std::vector<std::string> candidates;
    std::error_code ec;
    const fs::path self = fs::read_symlink("/proc/self/exe", ec);
    if (!ec)
        candidates.push_back(
            (self.parent_path().parent_path() / "libexec/tcp-splice/tcp-splice-hook").string());
    candidates.push_back(TSP_INSTALLED_HOOK_PATH);
    candidates.push_back("/usr/libexec/tcp-splice/tcp-splice-hook");
    for (const auto& c : candidates)
        if (::access(c.c_str(), X_OK) == 0) return c;
    throw Error("cannot find tcp-splice-hook (looked in " + candidates.front() + " and " +
                candidates.back() + "); install tcp-splice first (make install)");
}

int podman(const Run& r) {
    const std::string dir = r.o.runtime_config.empty() ? kPodmanEtc : r.o.runtime_config;
    std::string hook;
    for (auto stage : runtime::kHookStages) {
        const std::string name = runtime::oci_hook_file_name(stage);
        const std::string path = dir + "/" + name;
        FileChange c{
            .path = path, .before = read_optional(path), .after = std::nullopt, .backup = false};
        c.after = c.before;
        if (c.before && !runtime::is_tcp_splice_hook(*c.before))
            throw Error(path +
                        " is not a tcp-splice hook entry; move it away, then run this again");
        if (r.configure) {
            if (fs::exists(std::string(kPodmanShare) + "/" + name)) {
                std::cout << "podman: already configured (" << kPodmanShare << "/" << name
                          << " is installed)\n";
                continue;
            }
            if (hook.empty()) hook = find_hook();
            c.after = runtime::oci_hook_json(stage, hook);  // ours: brought up to date
        } else {
            c.after.reset();  // only ours reach here (checked above)
        }
        report("podman", path, apply_change(c, r.o.dry_run, std::cout), r.configure, "");
    }
    std::cout << "podman: no restart needed (hooks.d is read for each container)\n";
    return 0;
}

}  // namespace

int run_runtime(const Options& o) {
    const Run r{o, o.command == "runtime-configure"};
    if (o.set_as_default && o.runtime != "docker")
        throw Error("--set-as-default applies to --runtime docker only; drop it");
    if (o.runtime == "docker") return docker(r);
    if (o.runtime == "containerd") return containerd(r);
    if (o.runtime == "crio") return crio(r);
    if (o.runtime == "podman") return podman(r);
    throw Error("unknown runtime '" + o.runtime + "': use docker, containerd, crio or podman");
}

}  // namespace tsp::ctl

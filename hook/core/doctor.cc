// The verdicts of `tcp-splice-ctl doctor`, from facts gathered elsewhere
// (doctor_gather.cc).
#include "core/doctor.h"

#include <algorithm>

#include "core/checks.h"
#include "tsp_version.h"

namespace tsp::doctor {
namespace {

Check ok(std::string name, std::string detail) {
    return {std::move(name), Level::kOk, std::move(detail), ""};
}
Check info(std::string name, std::string detail, std::string fix = "") {
    return {std::move(name), Level::kInfo, std::move(detail), std::move(fix)};
}
Check warn(std::string name, std::string detail, std::string fix) {
    return {std::move(name), Level::kWarn, std::move(detail), std::move(fix)};
}
Check fail(std::string name, std::string detail, std::string fix) {
    return {std::move(name), Level::kFail, std::move(detail), std::move(fix)};
}

// What to do when a read failed: as root it can only be the host's.
std::string unless_root(const HostFacts& f, std::string as_root) {
    return f.root ? std::move(as_root) : "run as root";
}

Check kernel(const HostFacts& f) {
    const auto v = parse_kernel_release(f.kernel_release);
    if (!v)
        return warn("kernel", "cannot parse the release '" + f.kernel_release + "'",
                    "check that uname -r is 6.15 or newer");
    if (*v < kMinKernel)
        return fail("kernel", f.kernel_release + " is older than 6.15",
                    "boot a kernel >= 6.15 (sock_ops programs may call kfuncs from 6.15 on)");
    return ok("kernel", f.kernel_release + " (>= 6.15)");
}

Check kernel_btf(const HostFacts& f) {
    const std::string path = f.btf_dir + "/vmlinux";
    if (!f.vmlinux_btf)
        return fail("kernel BTF", "no " + path, "boot a kernel built with CONFIG_DEBUG_INFO_BTF=y");
    return ok("kernel BTF", path);
}

Check cgroup2(const HostFacts& f) {
    if (!f.cgroup2)
        return fail("cgroup2", f.cgroup_root + " is not a cgroup v2 mount",
                    "boot with systemd.unified_cgroup_hierarchy=1 (tcp-splice attaches to "
                    "cgroup-v2 directories)");
    return ok("cgroup2", "mounted at " + f.cgroup_root);
}

Check bpffs(const HostFacts& f) {
    if (!f.bpffs_mounted)
        return fail("bpffs", "no BPF filesystem at " + f.bpffs, "run: mount -t bpf bpf " + f.bpffs);
    return ok("bpffs", "mounted at " + f.bpffs);
}

Check module(const HostFacts& f) {
    if (!f.module_loaded)
        return fail("module", "not loaded",
                    "run: modprobe tcp_splice (install tcp-splice-dkms for this kernel)");
    const std::string reload =
        "; then, when nothing uses it (no attachment, no live pair): modprobe -r tcp_splice && "
        "modprobe tcp_splice";
    if (!f.module_version)
        return warn(
            "module",
            "loaded, without a version (older than these tools, " + std::string(TSP_VERSION) + ")",
            "install tcp-splice-dkms " + std::string(TSP_VERSION) + reload);
    if (*f.module_version != TSP_VERSION)
        return warn("module",
                    "loaded module is " + *f.module_version + ", these tools are " + TSP_VERSION,
                    "install the module (tcp-splice-dkms) and the tools of one version" + reload);
    return ok("module", "loaded, version " + *f.module_version);
}

Check kfunc(const HostFacts& f) {
    const std::string path = f.btf_dir + "/tcp_splice";
    if (!f.module_loaded) return info("kfunc", "not checked: the module is not loaded");
    if (!f.module_btf)
        return fail("kfunc", "the module has no BTF (" + path + "): its kfunc cannot be bound",
                    "reinstall tcp-splice-dkms for this kernel (the build needs pahole and "
                    "CONFIG_DEBUG_INFO_BTF_MODULES=y)");
    if (!f.kfunc_in_btf)
        return warn("kfunc", "cannot read " + path + ": " + f.btf_error,
                    unless_root(f, "reinstall tcp-splice-dkms for this kernel"));
    if (!*f.kfunc_in_btf)
        return fail("kfunc", path + " has no FUNC bpf_tcp_splice_pair",
                    "the loaded tcp_splice is not this project's: reinstall tcp-splice-dkms, "
                    "then modprobe -r tcp_splice && modprobe tcp_splice");
    return ok("kfunc", "bpf_tcp_splice_pair available (" + path + ")");
}

Check program(const HostFacts& f) {
    if (f.program == Seen::kDenied)
        return warn("program", "cannot look at " + f.program_pin + ": permission denied",
                    "run as root");
    if (f.program == Seen::kAbsent) return info("program", "not loaded (nothing enabled)");
    if (!f.program_version) return ok("program", "pinned at " + f.program_pin);
    if (*f.program_version != TSP_VERSION)
        return warn("program",
                    "pinned program is " + *f.program_version + ", these tools are " + TSP_VERSION,
                    "run tcp-splice-ctl reload to move live attachments to this version's "
                    "program");
    return ok("program", "pinned at " + f.program_pin + ", version " + *f.program_version);
}

Check attachments(const HostFacts& f) {
    if (!f.attachments)
        return warn("attachments", "cannot list them: " + f.attachments_error,
                    unless_root(f, "check " + f.bpffs + "/tcp_splice"));
    const auto& names = *f.attachments;
    if (names.empty()) return info("attachments", "none");
    std::string list;
    constexpr std::size_t kShown = 5;
    for (std::size_t i = 0; i < names.size() && i < kShown; ++i) list += (i ? ", " : "") + names[i];
    if (names.size() > kShown) list += ", ...";
    return ok("attachments", std::to_string(names.size()) + " (" + list + ")");
}

Check nri(const HostFacts& f) {
    if (f.nri_socket) return ok("nri", "containerd/CRI-O NRI enabled (" + f.nri_socket_path + ")");
    if (f.containerd)
        return warn("nri", "containerd is installed but " + f.nri_socket_path + " is no socket",
                    "run: tcp-splice-ctl runtime configure --runtime containerd && systemctl "
                    "restart containerd");
    return info("nri", "not used (no containerd, no NRI socket)");
}

Check nri_plugin(const HostFacts& f) {
    if (!f.nri_socket) return info("nri plugin", "not checked: NRI is not enabled");
    if (f.nri_plugin_pid)
        return ok("nri plugin",
                  "tcp-splice-nri running (pid " + std::to_string(*f.nri_plugin_pid) + ")");
    return warn("nri plugin", "no tcp-splice-nri process",
                std::string("run: systemctl enable --now tcp-splice-nri (or apply the "
                            "tcp-splice DaemonSet)") +
                    (f.root ? "" : "; run as root if /proc hides other users' processes"));
}

Check oci_hook(const HostFacts& f) {
    if (!f.oci_hook) return info("oci hook", "not installed in hooks.d (podman, CRI-O)");
    const HookEntry& h = *f.oci_hook;
    if (!h.error.empty())
        return fail("oci hook", h.file + ": " + h.error,
                    unless_root(f, "reinstall tcp-splice, or fix or remove " + h.file));
    if (h.hook_path.empty())
        return fail("oci hook", h.file + " names no hook.path",
                    "reinstall tcp-splice, or fix or remove " + h.file);
    if (!h.hook_executable)
        return fail("oci hook",
                    h.file + " runs " + h.hook_path +
                        ", which is missing or not "
                        "executable",
                    "install tcp-splice-hook there, or fix hook.path in " + h.file);
    return ok("oci hook", h.file + " runs " + h.hook_path);
}

Check docker(const HostFacts& f) {
    const std::string& path = f.docker_config_path;
    if (f.docker_config == Seen::kAbsent) return info("docker", "not configured (no " + path + ")");
    if (f.docker_config == Seen::kDenied)
        return warn("docker", "cannot read " + path + ": permission denied", "run as root");
    if (!f.docker_error.empty()) return warn("docker", path + ": " + f.docker_error, "fix " + path);
    if (!f.docker_runtime_path)
        return info("docker", "no runtime \"tcp-splice\" in " + path,
                    "to use tcp-splice with docker, add \"runtimes\": {\"tcp-splice\": {\"path\": "
                    "\"/usr/sbin/tcp-splice-runtime\"}} and restart docker");
    if (!f.docker_runtime_executable)
        return warn("docker",
                    "runtime \"tcp-splice\" runs '" + *f.docker_runtime_path +
                        "', which is missing or not executable",
                    "install tcp-splice-runtime there, or fix the path in " + path +
                        " and run: systemctl restart docker");
    return ok("docker", "runtime \"tcp-splice\" runs " + *f.docker_runtime_path);
}

// net.core.<name>: busy_read (blocking reads) or busy_poll (epoll/poll/select).
Check busy_sysctl(const std::string& name, const std::optional<unsigned>& us) {
    const std::string sysctl = "net.core." + name;
    if (!us) return info(name, sysctl + " unknown (cannot read it)");
    return info(name, sysctl + " = " + std::to_string(*us) + (*us ? " us" : " (busy polling off)"));
}

}  // namespace

std::vector<Check> evaluate(const HostFacts& f) {
    return {kernel(f),
            kernel_btf(f),
            cgroup2(f),
            bpffs(f),
            module(f),
            kfunc(f),
            program(f),
            attachments(f),
            nri(f),
            nri_plugin(f),
            oci_hook(f),
            docker(f),
            busy_sysctl("busy_read", f.busy_read_us),
            busy_sysctl("busy_poll", f.busy_poll_us)};
}

int exit_status(const std::vector<Check>& checks) {
    Level worst = Level::kOk;
    for (const auto& c : checks) worst = std::max(worst, c.level);
    return worst == Level::kFail ? 2 : worst == Level::kWarn ? 1 : 0;
}

const char* level_name(Level level) {
    switch (level) {
        case Level::kOk:
            return "ok";
        case Level::kInfo:
            return "info";
        case Level::kWarn:
            return "warn";
        case Level::kFail:
            return "fail";
    }
    return "?";
}

std::string format_line(const Check& c) {
    std::string label = level_name(c.level);
    if (c.level >= Level::kWarn)
        std::transform(label.begin(), label.end(), label.begin(),
                       [](unsigned char ch) { return static_cast<char>(ch - 'a' + 'A'); });
    label.resize(6, ' ');
    return label + c.name + ": " + c.detail + (c.fix.empty() ? "" : " -- " + c.fix);
}

nlohmann::json to_json(const std::vector<Check>& checks) {
    auto out = nlohmann::json::array();
    for (const auto& c : checks) {
        nlohmann::json j{{"name", c.name}, {"level", level_name(c.level)}, {"detail", c.detail}};
        if (!c.fix.empty()) j["fix"] = c.fix;
        out.push_back(std::move(j));
    }
    return out;
}

}  // namespace tsp::doctor

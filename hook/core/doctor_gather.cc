// The reads of `tcp-splice-ctl doctor`: each fact is looked at on its own,
// and a look that fails leaves the fact unknown rather than throwing.
#include <bpf/btf.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <memory>

#include "core/checks.h"
#include "core/doctor.h"
#include "core/error.h"
#include "core/files.h"
#include "core/params.h"
#include "core/program.h"

namespace tsp::doctor {
namespace {

constexpr const char* kKfunc = "bpf_tcp_splice_pair";
constexpr const char* kHookEntry = "50-tcp-splice-createruntime.json";
constexpr const char* kNriComm = "tcp-splice-nri";
constexpr std::size_t kMaxJson = 1 << 20;

Seen look(const std::string& path, struct stat* st = nullptr) {
    struct stat local;
    if (::stat(path.c_str(), st ? st : &local) == 0) return Seen::kPresent;
    return errno == EACCES || errno == EPERM ? Seen::kDenied : Seen::kAbsent;
}

bool executable_file(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
           ::access(path.c_str(), X_OK) == 0;
}

std::string trimmed(std::string s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
    return s;
}

using BtfPtr = std::unique_ptr<btf, void (*)(btf*)>;

// Whether the module's split BTF (over vmlinux's) has the kfunc's FUNC.
std::optional<bool> btf_has_kfunc(const std::string& vmlinux, const std::string& module,
                                  std::string& error) {
    BtfPtr base(btf__parse(vmlinux.c_str(), nullptr), btf__free);
    if (!base) {
        error = errno_message("cannot parse " + vmlinux, errno);
        return std::nullopt;
    }
    BtfPtr mod(btf__parse_split(module.c_str(), base.get()), btf__free);
    if (!mod) {
        error = errno_message("cannot parse " + module, errno);
        return std::nullopt;
    }
    return btf__find_by_name_kind(mod.get(), kKfunc, BTF_KIND_FUNC) > 0;
}

// The first process whose comm is `comm`.
std::optional<int> find_process(const std::string& proc_dir, const std::string& comm) {
    for (const long pid : pid_entries(proc_dir)) {
        try {
            if (trimmed(read_file(proc_dir + "/" + std::to_string(pid) + "/comm", 64)) == comm)
                return static_cast<int>(pid);
        } catch (const Error&) {
            // gone meanwhile, or hidden
        }
    }
    return std::nullopt;
}

// The first hooks.d entry of ours, in the directories' precedence order.
std::optional<HookEntry> find_hook_entry(const std::vector<std::string>& dirs) {
    for (const auto& d : dirs) {
        HookEntry h;
        h.file = d + "/" + kHookEntry;
        const Seen s = look(h.file);
        if (s == Seen::kAbsent) continue;
        try {
            const auto j = nlohmann::json::parse(read_file(h.file, kMaxJson));
            h.hook_path = j.at("hook").at("path").get<std::string>();
            h.hook_executable = executable_file(h.hook_path);
        } catch (const nlohmann::json::exception& e) {
            h.error = std::string("malformed: ") + e.what();
        } catch (const Error& e) {
            h.error = e.what();
        }
        return h;
    }
    return std::nullopt;
}

void gather_docker(const std::string& path, HostFacts& f) {
    f.docker_config_path = path;
    f.docker_config = look(path);
    if (f.docker_config != Seen::kPresent) return;
    if (::access(path.c_str(), R_OK) != 0 && errno == EACCES) {
        f.docker_config = Seen::kDenied;
        return;
    }
    try {
        const auto j = nlohmann::json::parse(read_file(path, kMaxJson));
        if (!j.is_object()) throw Error("not a JSON object");
        const auto rt = j.find("runtimes");
        if (rt == j.end() || !rt->is_object() || !rt->contains("tcp-splice")) return;
        const auto& ours = rt->at("tcp-splice");
        f.docker_runtime_path =
            ours.is_object() && ours.contains("path") && ours.at("path").is_string()
                ? ours.at("path").get<std::string>()
                : std::string();
        f.docker_runtime_executable = executable_file(*f.docker_runtime_path);
    } catch (const nlohmann::json::exception& e) {
        f.docker_error = std::string("malformed: ") + e.what();
    } catch (const Error& e) {
        f.docker_error = e.what();
    }
}

void gather_bpf(const Paths& p, HostFacts& f) {
    f.bpffs = p.bpffs;
    f.bpffs_mounted = has_fs_magic(p.bpffs, BPF_FS_MAGIC);
    f.program_pin = p.pin_dir() + "/prog";
    f.program = look(f.program_pin);
    if (f.program == Seen::kDenied) {
        f.attachments_error = "permission denied on " + p.pin_dir();
        return;
    }
    try {
        // "" (a program older than 0.2.0, which recorded none) reads as
        // a version that differs from ours.
        if (auto v = Program(p).pinned_version()) f.program_version = v->empty() ? "< 0.2.0" : *v;
        std::vector<std::string> names;
        for (const auto& a : Program(p).list()) names.push_back(a.name);
        f.attachments = std::move(names);
    } catch (const std::exception& e) {
        f.attachments_error = e.what();
    }
}

void gather_module(const Paths& p, HostFacts& f) {
    f.module_loaded = look(p.module_dir) == Seen::kPresent;
    if (!f.module_loaded) return;
    try {
        f.module_version = trimmed(read_file(p.module_dir + "/version", 256));
    } catch (const Error&) {
        // no MODULE_VERSION: an older module
    }
    const std::string mod_btf = p.btf_dir + "/tcp_splice";
    f.module_btf = look(mod_btf) == Seen::kPresent;
    if (f.module_btf) f.kfunc_in_btf = btf_has_kfunc(p.btf_dir + "/vmlinux", mod_btf, f.btf_error);
}

}  // namespace

HostFacts gather_facts(const Paths& p) {
    HostFacts f;
    f.root = ::geteuid() == 0;
    f.kernel_release = running_kernel_release();
    f.btf_dir = p.btf_dir;
    f.vmlinux_btf = look(p.btf_dir + "/vmlinux") == Seen::kPresent;
    f.cgroup_root = p.cgroup_root;
    f.cgroup2 = has_fs_magic(p.cgroup_root, CGROUP2_SUPER_MAGIC);
    gather_bpf(p, f);
    gather_module(p, f);

    f.nri_socket_path = p.nri_socket;
    struct stat st;
    f.nri_socket = look(p.nri_socket, &st) == Seen::kPresent && S_ISSOCK(st.st_mode);
    f.containerd =
        look(p.containerd_bin) == Seen::kPresent || look(p.containerd_config_dir) == Seen::kPresent;
    f.nri_plugin_pid = find_process(p.proc_dir, kNriComm);

    f.oci_hook = find_hook_entry(p.hooks_dirs);
    gather_docker(p.docker_daemon_json, f);
    try {
        f.busy_read_us = read_busy_read(p);
    } catch (const Error&) {
    }
    try {
        f.busy_poll_us = read_busy_poll(p);
    } catch (const Error&) {
    }
    return f;
}

}  // namespace tsp::doctor

// `tcp-splice-ctl doctor`: what this host has of what tcp-splice needs.
// gather_facts() does every read and never throws; evaluate() turns the
// facts into one check each, purely, so each verdict is testable.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/paths.h"

namespace tsp::doctor {

// What a look at a path found.
enum class Seen { kAbsent, kPresent, kDenied };

// The entry 50-tcp-splice-createruntime.json in a hooks.d directory.
struct HookEntry {
    std::string file;
    std::string hook_path;  // its hook.path
    bool hook_executable = false;
    std::string error;  // unreadable or malformed: what went wrong
};

struct HostFacts {
    bool root = false;
    std::string kernel_release;
    std::string btf_dir;
    bool vmlinux_btf = false;
    std::string cgroup_root;  // where, for the verdicts' text
    bool cgroup2 = false;
    std::string bpffs;
    bool bpffs_mounted = false;

    bool module_loaded = false;
    std::optional<std::string> module_version;  // nullopt: no version file
    bool module_btf = false;
    // bpf_tcp_splice_pair among the module BTF's FUNCs; nullopt when not
    // looked at (no module BTF) or unparsable (then btf_error).
    std::optional<bool> kfunc_in_btf;
    std::string btf_error;

    std::string program_pin;
    Seen program = Seen::kAbsent;
    std::optional<std::string> program_version;  // nullopt: not known
    // Attachment names; nullopt when they could not be listed (then why).
    std::optional<std::vector<std::string>> attachments;
    std::string attachments_error;

    std::string nri_socket_path;
    bool nri_socket = false;  // a unix socket there
    bool containerd = false;  // its binary or its config directory
    std::optional<int> nri_plugin_pid;

    std::optional<HookEntry> oci_hook;  // the first found, in precedence order

    std::string docker_config_path;
    Seen docker_config = Seen::kAbsent;
    std::string docker_error;                        // unreadable or malformed
    std::optional<std::string> docker_runtime_path;  // runtimes."tcp-splice".path
    bool docker_runtime_executable = false;

    std::optional<unsigned> busy_read_us;  // nullopt: unreadable
    std::optional<unsigned> busy_poll_us;
};

enum class Level { kOk, kInfo, kWarn, kFail };

struct Check {
    std::string name;
    Level level = Level::kOk;
    std::string detail;
    std::string fix;  // what to do; for warn and fail
};

HostFacts gather_facts(const Paths& paths);
std::vector<Check> evaluate(const HostFacts& facts);

// 0 when nothing is worse than info, 1 for a warning, 2 for a failure.
int exit_status(const std::vector<Check>& checks);
// "ok    kernel: 7.3.4 (>= 6.15)", "FAIL  module: not loaded -- run: ...".
std::string format_line(const Check& check);
const char* level_name(Level level);  // ok, info, warn, fail
nlohmann::json to_json(const std::vector<Check>& checks);

}  // namespace tsp::doctor

// tcp-splice-hook command line: the stage comes from argv (hooks.d and
// config.json pass it in `args`), the OCI state from stdin.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

namespace tsp::hook {

enum class Stage { kCreateRuntime, kPoststop };

struct Options {
    std::string stage_arg;
    Stage stage = Stage::kCreateRuntime;
    std::string bpffs = "/sys/fs/bpf";
    std::string cgroup_root = "/sys/fs/cgroup";
    std::string state_dir = "/run/tcp-splice";
    std::string config;  // empty: config_path()
    bool to_stderr = false;
};

std::unique_ptr<CLI::App> make_cli(Options& opts);

// createRuntime | prestart (treated as createRuntime) | poststop; throws
// CLI::ValidationError otherwise.
Stage parse_stage(const std::string& arg);

}  // namespace tsp::hook

#include "ocihook/cli.h"

#include "tsp_version.h"

namespace tsp::hook {

Stage parse_stage(const std::string& arg) {
    if (arg == "createRuntime" || arg == "prestart") return Stage::kCreateRuntime;
    if (arg == "poststop") return Stage::kPoststop;
    throw CLI::ValidationError("STAGE", "unknown stage '" + arg +
                                            "': install the hook for createRuntime (or "
                                            "prestart) and poststop");
}

std::unique_ptr<CLI::App> make_cli(Options& o) {
    auto app = std::make_unique<CLI::App>(
        "tcp-splice-hook: OCI runtime hook attaching tcp-splice to containers annotated "
        "io.tcp-splice/*; reads the OCI state on stdin");
    app->set_version_flag("--version", std::string("tcp-splice-hook ") + TSP_VERSION);
    app->add_option("stage", o.stage_arg, "createRuntime, prestart or poststop")->required();
    app->add_option("--bpffs", o.bpffs, "BPF filesystem mount")->capture_default_str();
    app->add_option("--cgroup-root", o.cgroup_root, "cgroup-v2 mount")->capture_default_str();
    app->add_option("--state-dir", o.state_dir, "where per-container records live")
        ->capture_default_str();
    app->add_option("--config", o.config,
                    "config file (default: $TCP_SPLICE_CONFIG or " +
                        std::string("/etc/tcp-splice/config.json)"));
    app->add_flag("--stderr", o.to_stderr, "also log to stderr");
    app->callback([&o] { o.stage = parse_stage(o.stage_arg); });
    return app;
}

}  // namespace tsp::hook

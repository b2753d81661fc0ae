#include "ctl/cli.h"

namespace tsp::ctl {

std::unique_ptr<CLI::App> make_cli(Options& o) {
    auto app = std::make_unique<CLI::App>(
        "tcp-splice-ctl: enable tcp-splice on a cgroup, disable it, show its status");
    app->require_subcommand(1);
    app->add_option("--bpffs", o.bpffs, "BPF filesystem mount (pins go to <bpffs>/tcp_splice)")
        ->capture_default_str();

    auto* en = app->add_subcommand("enable", "attach the sock_ops program to a cgroup");
    en->add_option("--cgroup", o.cgroup, "cgroup-v2 directory covering both ends")->required();
    en->add_flag("--loopback-only", o.loopback_only,
                 "only connections between 127.0.0.0/8, ::1 or ::ffff:127.0.0.0/104");
    en->add_option("--ports", o.ports,
                   "only connections where either end uses one of these ports (a,b,c)");
    en->add_option("--busy-poll-us", o.busy_poll_us, "set net.core.busy_read (microseconds)");
    en->add_option("--ring-kbytes", o.ring_kbytes,
                   "set the per-direction ring size in KiB (4..16384)");
    en->callback([&o] { o.command = "enable"; });

    app->add_subcommand("disable", "detach and unpin the program")->callback([&o] {
        o.command = "disable";
    });

    auto* st = app->add_subcommand("status", "show state, settings and counters");
    st->add_flag("--json", o.json, "print one JSON object");
    st->callback([&o] { o.command = "status"; });
    return app;
}

}  // namespace tsp::ctl

#include "ctl/cli.h"

#include "tsp_version.h"

namespace tsp::ctl {

std::unique_ptr<CLI::App> make_cli(Options& o) {
    auto app = std::make_unique<CLI::App>(
        "tcp-splice-ctl: enable tcp-splice on a cgroup, disable it, show its status");
    app->require_subcommand(1);
    app->set_version_flag("--version", std::string("tcp-splice-ctl ") + TSP_VERSION);
    app->add_option("--bpffs", o.bpffs, "BPF filesystem mount (pins go to <bpffs>/tcp_splice)")
        ->capture_default_str();

    auto* en = app->add_subcommand("enable", "attach the sock_ops program to a cgroup");
    en->add_option("--cgroup", o.cgroup, "cgroup-v2 directory covering both ends")->required();
    en->add_flag("--loopback-only", o.loopback_only,
                 "only connections between 127.0.0.0/8, ::1 or ::ffff:127.0.0.0/104");
    en->add_option("--ports", o.ports,
                   "only connections where either end uses one of these ports (a,b,c)");
    en->add_option("--busy-poll-us", o.busy_poll_us,
                   "set net.core.busy_read and net.core.busy_poll (microseconds)");
    en->add_option("--ring-kbytes", o.ring_kbytes,
                   "set the per-direction ring size in KiB (4..16384)");
    en->callback([&o] { o.command = "enable"; });

    auto* dis = app->add_subcommand("disable", "detach and unpin the program");
    dis->add_flag("--all", o.all,
                  "remove every attachment (host and containers), every container record, "
                  "the pins, and restore net.core.busy_read and net.core.busy_poll");
    dis->callback([&o] { o.command = "disable"; });

    auto* gc =
        app->add_subcommand("gc", "remove attachments and container records whose cgroup is gone");
    gc->add_flag("--dry-run", o.dry_run, "only print what would be removed");
    gc->callback([&o] { o.command = "gc"; });

    app->add_subcommand("reload",
                        "replace an older pinned program with this version's; attachments "
                        "move over without a gap")
        ->callback([&o] { o.command = "reload"; });

    auto* st = app->add_subcommand("status", "show state, settings and counters");
    st->add_flag("--json", o.json, "print one JSON object");
    st->callback([&o] { o.command = "status"; });

    auto* mx = app->add_subcommand("metrics", "print Prometheus metrics (text format 0.0.4)");
    mx->add_option("--output", o.output,
                   "write them to this file atomically (node-exporter's textfile collector)");
    mx->callback([&o] { o.command = "metrics"; });

    auto* ps = app->add_subcommand(
        "ps", "list attachments (host, containers, pods) with their connection counters");
    ps->add_flag("--json", o.json, "print one JSON array");
    ps->callback([&o] { o.command = "ps"; });

    // Which sockets: the options `sockets` and `explain` share.
    auto select = [&o](CLI::App* c, const char* what) {
        c->add_option("--port", o.port,
                      std::string("only ") + what + " with this port at either end")
            ->check(CLI::Range(0, 65535));
        c->add_option("--address", o.address,
                      std::string("only ") + what + " with this IPv4/IPv6 address at either end");
        auto* ns = c->add_option("--netns", o.netns,
                                 "the network namespace to look in (/proc/PID/ns/net, "
                                 "/run/netns/NAME)");
        c->add_option("--pid", o.pid, "look in the network namespace of this process")
            ->check(CLI::PositiveNumber)
            ->excludes(ns);
        c->add_flag("--json", o.json, "print one JSON array");
    };

    auto* so = app->add_subcommand(
        "sockets", "list TCP sockets with their tcp-splice state (ULP details, decision)");
    select(so, "sockets");
    so->add_option("--cgroup", o.cgroup, "only sockets in this cgroup-v2 directory or below it");
    so->add_flag("--all", o.all, "every TCP socket, not only those tcp-splice has seen");
    so->callback([&o] { o.command = "sockets"; });

    auto* ex = app->add_subcommand(
        "explain",
        "say which gate stopped each end of the matching connections, or that it is spliced");
    select(ex, "connections");
    ex->callback([&o] { o.command = "explain"; });

    auto* dr = app->add_subcommand(
        "doctor",
        "check this host for what tcp-splice needs, one line each (exit 0/1/2: ok/warn/fail)");
    dr->add_flag("--json", o.json, "print one JSON array");
    dr->callback([&o] { o.command = "doctor"; });

    auto* rt = app->add_subcommand("runtime", "make a container runtime use tcp-splice");
    rt->require_subcommand(1);
    for (const char* verb : {"configure", "unconfigure"}) {
        auto* c = rt->add_subcommand(verb, std::string(verb) + " a runtime's config file");
        c->add_option("--runtime", o.runtime, "docker, containerd, crio or podman")
            ->required()
            ->check(CLI::IsMember({"docker", "containerd", "crio", "podman"}));
        c->add_option("--config", o.runtime_config,
                      "the file to edit instead of the usual one (podman: the hooks directory)");
        c->add_flag("--dry-run", o.dry_run, "print the change as a diff and write nothing");
        if (std::string(verb) == "configure")
            c->add_flag("--set-as-default", o.set_as_default,
                        "docker: also make tcp-splice the default runtime");
        c->callback([&o, verb] { o.command = std::string("runtime-") + verb; });
    }
    return app;
}

}  // namespace tsp::ctl

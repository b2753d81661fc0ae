// tcp-splice-ctl: host-wide enable/disable/status over the core library.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "core/busy_read_record.h"
#include "core/checks.h"
#include "core/error.h"
#include "core/pairs.h"
#include "core/params.h"
#include "core/ports.h"
#include "core/program.h"
#include "ctl/cli.h"
#include "ctl/doctor_cmd.h"
#include "ctl/explain_cmd.h"
#include "ctl/lifecycle_cmd.h"
#include "ctl/metrics_cmd.h"
#include "ctl/ps_cmd.h"
#include "ctl/runtime_cmd.h"
#include "ctl/sockets_cmd.h"

namespace tsp::ctl {
namespace {

constexpr const char* kName = "host";  // the ctl's attachment
// The ctl attaches to cgroups whose processes already run, in their own
// network namespaces: their listeners are prepared where they are.
const ProgramOptions kCtlProgram{.require_module = true, .all_netns = true};

Paths make_paths(const Options& o) {
    Paths p;
    p.bpffs = o.bpffs;
    return p;
}

int enable(const Options& o) {
    Paths paths = make_paths(o);
    // Validate everything before changing anything.
    require_root();
    require_kernel(running_kernel_release());
    require_module(paths);
    require_bpffs(paths);
    require_cgroup2_dir(o.cgroup);
    Policy pol;
    pol.loopback_only = o.loopback_only;
    if (!o.ports.empty()) pol.ports = parse_ports(o.ports);
    if (o.ring_kbytes >= 0) validate_ring_kbytes(o.ring_kbytes);
    if (o.busy_poll_us >= 0) validate_busy_poll_us(o.busy_poll_us);
    const unsigned old_ring = read_ring_kbytes(paths);
    read_busy_read(paths);  // readable before anything changes
    read_busy_poll(paths);

    Program prog(paths, kCtlProgram);
    AttachResult res;
    try {
        res = prog.attach(kName, o.cgroup, pol);
    } catch (const ConflictError& e) {
        throw Error("already enabled on " + e.cgroup() + " (" + e.policy() +
                    ") with other options: run 'tcp-splice-ctl disable' first");
    }
    std::optional<BusySysctlsSet> busy;
    try {
        if (o.ring_kbytes >= 0) write_ring_kbytes(paths, static_cast<unsigned>(o.ring_kbytes));
        // busy_read and busy_poll, each recorded (the value before our first
        // change) for disable to restore.
        if (o.busy_poll_us >= 0)
            busy = set_busy_sysctls(paths, static_cast<unsigned>(o.busy_poll_us));
    } catch (...) {
        try {
            write_ring_kbytes(paths, old_ring);
        } catch (...) {
        }
        if (busy) undo_set_busy_sysctls(paths, *busy);
        if (res == AttachResult::kAttached) prog.detach(kName);
        throw;
    }
    std::cout << "tcp_splice: " << (res == AttachResult::kAttached ? "" : "already ") << "enabled ("
              << describe(pol) << ")\n";
    return 0;
}

int disable(const Options& o) {
    require_root();
    Paths paths = make_paths(o);
    require_bpffs(paths);
    bool found = Program(paths, kCtlProgram).detach(kName);
    std::cout << (found ? "tcp_splice: disabled\n" : "tcp_splice: not enabled\n");
    restore_busy_sysctls_and_say(paths);
    return 0;
}

int reload(const Options& o) {
    require_root();
    Paths paths = make_paths(o);
    require_bpffs(paths);
    const ReloadReport r = Program(paths, kCtlProgram).reload();
    const std::string from = r.from.empty() ? "older than 0.2.0" : r.from;
    switch (r.outcome) {
        case ReloadOutcome::kNotLoaded:
            std::cout << "tcp_splice: no program pinned; nothing to reload\n";
            break;
        case ReloadOutcome::kCurrent:
            std::cout << "tcp_splice: the pinned program is this version's (" << r.to << ")\n";
            break;
        case ReloadOutcome::kPinnedNewer:
            std::cout << "tcp_splice: the pinned program (" << r.from
                      << ") is newer than this tool (" << r.to << "): left in place\n";
            break;
        case ReloadOutcome::kReplaced:
            std::cout << "tcp_splice: program " << from << " -> " << r.to << ", " << r.attachments
                      << " attachment(s) moved over"
                      << (r.counters_kept ? "" : "; program counters restart at 0") << "\n";
            break;
    }
    return 0;
}

int status(const Options& o) {
    Paths paths = make_paths(o);
    require_root();
    Program prog(paths);
    auto atts = prog.list();
    const Attachment* host = nullptr;
    for (auto& a : atts)
        if (a.name == kName) host = &a;
    auto counters = read_module_counters(paths);
    bool module_loaded = module_refcnt(paths).has_value();
    const long long ring = module_loaded ? static_cast<long long>(read_ring_kbytes(paths)) : -1;
    const unsigned busy_read = read_busy_read(paths);
    const unsigned busy_poll = read_busy_poll(paths);
    auto st = prog.stats();
    const auto pairs = read_pairs(paths);
    const auto version = prog.pinned_version();

    if (o.json) {
        nlohmann::json j;
        j["enabled"] = host != nullptr;
        if (host) {
            j["cgroup"] = host->cgroup_path;
            j["loopback_only"] = host->policy.loopback_only;
            j["ports"] = host->policy.ports;
        }
        j["module_loaded"] = module_loaded;
        j["ring_kbytes"] = ring >= 0 ? nlohmann::json(ring) : nlohmann::json(nullptr);
        j["busy_read_us"] = busy_read;
        j["busy_poll_us"] = busy_poll;
        j["module_counters"] = counters;
        j["program_version"] = version ? nlohmann::json(*version) : nlohmann::json(nullptr);
        if (st) {
            j["program"] = nlohmann::json::object();
            for (const auto& [k, v] : stat_fields(*st)) j["program"][k] = v;
        }
        j["pairs"] = nlohmann::json::array();
        for (const auto& p : pairs) {
            nlohmann::json o;
            for (const auto& [k, v] : p) {
                const bool numeric =
                    !v.empty() && v.find_first_not_of("0123456789") == std::string::npos;
                o[k] = numeric ? nlohmann::json(std::stoull(v)) : nlohmann::json(v);
            }
            j["pairs"].push_back(std::move(o));
        }
        j["attachments"] = nlohmann::json::array();
        for (auto& a : atts)
            j["attachments"].push_back({{"name", a.name},
                                        {"cgroup", a.cgroup_path},
                                        {"cgroup_id", a.cgroup_id},
                                        {"loopback_only", a.policy.loopback_only},
                                        {"ports", a.policy.ports},
                                        {"enabled", a.policy.enabled}});
        std::cout << j.dump(2) << "\n";
        return 0;
    }
    if (host)
        std::cout << "tcp_splice: enabled (" << describe(host->policy) << ")\n"
                  << "cgroup: " << host->cgroup_path << "\n";
    else
        std::cout << "tcp_splice: disabled\n";
    std::cout << "ring_kbytes: " << (ring >= 0 ? std::to_string(ring) : "-") << "\n"
              << "busy_read_us: " << busy_read << "\n"
              << "busy_poll_us: " << busy_poll << "\n"
              << "module: " << (module_loaded ? "loaded" : "not loaded") << "\n";
    if (!counters.empty()) {
        std::cout << "module counters:";
        for (auto& [k, v] : counters)
            if (k != "ring_kbytes") std::cout << " " << k << "=" << v;
        std::cout << "\n";
    }
    if (version)
        std::cout << "program version: " << (version->empty() ? "older than 0.2.0" : *version)
                  << "\n";
    if (st) {
        std::cout << "program:";
        for (const auto& [k, v] : stat_fields(*st)) std::cout << " " << k << "=" << v;
        std::cout << "\n";
    }
    std::cout << "live pairs: " << pairs.size() << "\n";
    for (const auto& p : pairs) {
        auto f = [&p](const char* k) {
            auto it = p.find(k);
            return it == p.end() ? std::string("?") : it->second;
        };
        std::cout << "  " << f("a") << " <-> " << f("b") << " netns " << f("netns_a") << "/"
                  << f("netns_b") << " bytes " << f("bytes_ab") << "/" << f("bytes_ba") << " fill "
                  << f("fill_ab") << "/" << f("fill_ba") << " of " << f("size");
        if (f("nat") == "1")
            std::cout << " nat (a sees " << f("a_peer") << ", b sees " << f("b_peer") << ")";
        std::cout << "\n";
    }
    std::cout << "attachments: " << atts.size() << "\n";
    for (auto& a : atts)
        std::cout << "  " << a.name << " cgroup=" << a.cgroup_path
                  << " policy=" << describe(a.policy) << "\n";
    return 0;
}

}  // namespace
}  // namespace tsp::ctl

int main(int argc, char** argv) {
    tsp::ctl::Options opts;
    auto app = tsp::ctl::make_cli(opts);
    try {
        app->parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app->exit(e) == 0 ? 0 : 2;
    }
    try {
        if (opts.command == "enable") return tsp::ctl::enable(opts);
        if (opts.command == "disable")
            return opts.all ? tsp::ctl::run_disable_all(opts) : tsp::ctl::disable(opts);
        if (opts.command == "gc") return tsp::ctl::run_gc(opts);
        if (opts.command == "reload") return tsp::ctl::reload(opts);
        if (opts.command == "metrics") return tsp::ctl::run_metrics(opts);
        if (opts.command == "ps") return tsp::ctl::run_ps(opts);
        if (opts.command == "explain") return tsp::ctl::run_explain(opts);
        if (opts.command == "doctor") return tsp::ctl::run_doctor(opts);
        if (opts.command == "sockets") return tsp::ctl::run_sockets(opts);
        if (opts.command.starts_with("runtime-")) return tsp::ctl::run_runtime(opts);
        return tsp::ctl::status(opts);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tcp-splice-ctl: %s\n", e.what());
        return 1;
    }
}

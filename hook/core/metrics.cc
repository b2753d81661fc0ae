#include "core/metrics.h"

#include <sys/stat.h>

#include <cstdint>
#include <cstdio>
#include <exception>
#include <functional>

#include "core/files.h"
#include "core/params.h"
#include "core/program.h"

namespace tsp {
namespace {

constexpr const char* kPrefix = "tcp_splice_";

using Labels = std::vector<std::pair<std::string, std::string>>;

// Families in the order of their first sample, each with its samples.
class Exposition {
public:
    void add(const std::string& name, const char* type, const std::string& help,
             const Labels& labels, const std::string& value) {
        auto it = index_.find(name);
        if (it == index_.end()) {
            it = index_.emplace(name, families_.size()).first;
            families_.push_back({name, type, help, {}});
        }
        std::string line = name;
        if (!labels.empty()) {
            line += '{';
            for (std::size_t i = 0; i < labels.size(); ++i) {
                if (i) line += ',';
                line += labels[i].first + "=\"" + escape_label_value(labels[i].second) + '"';
            }
            line += '}';
        }
        families_[it->second].samples.push_back(line + ' ' + value + '\n');
    }
    void add(const std::string& name, const char* type, const std::string& help,
             const Labels& labels, std::uint64_t value) {
        add(name, type, help, labels, std::to_string(value));
    }

    std::string text() const {
        std::string out;
        for (const auto& f : families_) {
            out += "# HELP " + f.name + ' ' + escape_text(f.help, false) + '\n';
            out += "# TYPE " + f.name + ' ' + f.type + '\n';
            for (const auto& s : f.samples) out += s;
        }
        return out;
    }

private:
    struct Family {
        std::string name;
        std::string type;
        std::string help;
        std::vector<std::string> samples;
    };
    std::vector<Family> families_;
    std::map<std::string, std::size_t> index_;
};

std::string format_double(double v) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.6g", v);
    return buf;
}

// /proc/net/tcp_splice lines we know; refused_* lines are one family.
struct ModuleValue {
    const char* key;
    const char* name;  // without the prefix
    const char* type;
    const char* help;
    std::int64_t scale;  // the value times this is the metric
};

constexpr ModuleValue kModuleValues[] = {
    {"kfunc_calls", "kfunc_calls_total", "counter", "Calls of bpf_tcp_splice_pair().", 1},
    {"kfunc_accepted", "kfunc_accepted_total", "counter",
     "Calls of bpf_tcp_splice_pair() that offered the socket for pairing.", 1},
    {"pairs_total", "pairs_total", "counter", "Connections whose two ends were paired.", 1},
    {"pairs_nat", "pairs_nat_total", "counter",
     "Pairs whose ends see different addresses (NAT: Services, published ports).", 1},
    {"waited_unpaired", "waited_unpaired_total", "counter",
     "Ends that left the registry without pairing.", 1},
    {"ring_grow_limited", "ring_grow_limited_total", "counter",
     "Rings that kept their first 4 KiB buffer because growing would pass the ring limit or "
     "the network namespace's share.",
     1},
    {"bytes_ring", "ring_bytes_total", "counter", "Payload bytes moved through rings.", 1},
    {"bytes_direct", "direct_bytes_total", "counter",
     "Of the ring bytes, those a writer copied straight into a waiting reader's buffer.", 1},
    {"bytes_startup", "startup_bytes_total", "counter",
     "Bytes paired receivers read over TCP from before the switch to the ring.", 1},
    {"pairs_live", "pairs_live", "gauge", "Pairs that exist now.", 1},
    {"socks_live", "sockets_live", "gauge",
     "Sockets carrying the module's proto now (paired or waiting).", 1},
    {"waiting", "waiting", "gauge", "Ends waiting for their peer now.", 1},
    {"ring_reserved_kbytes", "ring_reserved_bytes", "gauge",
     "Ring memory engaged rings hold now, as reserved against the limit, in bytes.", 1024},
    {"ring_kbytes", "ring_size_bytes", "gauge",
     "Setting ring_kbytes: the per-direction ring size for new pairs, in bytes.", 1024},
    {"ring_limit_mbytes", "ring_limit_bytes", "gauge",
     "Setting ring_limit_mbytes: the ring memory all rings together may hold, in bytes.",
     1024 * 1024},
};

void add_module(Exposition& x, const MetricsSnapshot& s) {
    x.add(std::string(kPrefix) + "module_loaded", "gauge",
          "1 when the tcp_splice module is loaded, else 0.", {}, s.module_loaded ? 1u : 0u);
    if (!s.module_version.empty())
        x.add(std::string(kPrefix) + "module_info", "gauge",
              "The loaded tcp_splice module's version (always 1).", {{"version", s.module_version}},
              1u);
    const auto& c = s.module_counters;
    std::map<std::string, bool> known;
    for (const auto& v : kModuleValues) {
        known[v.key] = true;
        auto it = c.find(v.key);
        if (it == c.end()) continue;
        x.add(kPrefix + std::string(v.name), v.type, v.help, {},
              std::to_string(it->second * v.scale));
    }
    for (const auto& [k, val] : c)
        if (k.starts_with("refused_") && k.size() > 8)
            x.add(std::string(kPrefix) + "refused_total", "counter",
                  "Sockets bpf_tcp_splice_pair() refused, by reason.", {{"reason", k.substr(8)}},
                  std::to_string(val));
    if (auto it = c.find("ring_netns_share"); it != c.end())
        x.add(std::string(kPrefix) + "ring_netns_share_ratio", "gauge",
              "Setting ring_netns_share: the part of the ring limit one network namespace may "
              "hold (0..1).",
              {}, format_double(static_cast<double>(it->second) / 100.0));
    known["ring_netns_share"] = true;
    for (const auto& [k, val] : c) {
        if (known.count(k) || k.starts_with("refused_")) continue;
        x.add(std::string(kPrefix) + "module_value", "gauge",
              "Other /proc/net/tcp_splice values, by name (from a newer module).", {{"name", k}},
              std::to_string(val));
    }
}

void add_program(Exposition& x, const MetricsSnapshot& s) {
    x.add(std::string(kPrefix) + "program_loaded", "gauge",
          "1 when the shared sock_ops program is loaded (pinned), else 0.", {},
          s.program_loaded ? 1u : 0u);
    for (const auto& [k, v] : s.program_stats)
        x.add(std::string(kPrefix) + "program_" + k + "_total", "counter",
              "The sock_ops program's counter " + k + " (see tcp-splice-ctl status).", {}, v);
}

void add_attachments(Exposition& x, const MetricsSnapshot& s) {
    if (s.program_loaded || !s.attachments.empty())
        x.add(std::string(kPrefix) + "attachments", "gauge",
              "Attachments of the program (host, containers, pods).", {},
              static_cast<std::uint64_t>(s.attachments.size()));
    const std::string p = std::string(kPrefix) + "attachment_";
    for (const auto& a : s.attachments) {
        const Labels l = {{"attachment", a.attachment.name},
                          {"cgroup", a.attachment.cgroup_path},
                          {"container_id", a.container_id},
                          {"pod", a.pod},
                          {"namespace", a.pod_namespace}};
        if (a.stats) {
            const tsp_attach_stats& st = *a.stats;
            x.add(p + "connections_total", "counter",
                  "Established TCP sockets the attachment decided on.", l, st.seen);
            for (unsigned w = 0; w < TSP_WHY_MAX; ++w) {
                Labels lo = l;
                lo.emplace_back("outcome", why_name(w));
                x.add(p + "outcomes_total", "counter",
                      "Sockets the attachment decided on, by outcome (offered: handed to the "
                      "module for pairing).",
                      lo, st.why[w]);
            }
            x.add(p + "closed_total", "counter", "Offered sockets that closed.", l, st.closed);
            x.add(p + "paired_total", "counter", "Closed offered sockets that had been paired.", l,
                  st.paired);
            x.add(p + "unpaired_total", "counter",
                  "Closed offered sockets that never paired (the peer never arrived).", l,
                  st.unpaired);
            x.add(p + "ring_refused_total", "counter",
                  "Closed offered sockets whose sending ring was refused (memory).", l,
                  st.ring_refused);
            x.add(p + "ring_bytes_total", "counter",
                  "Bytes the attachment's sockets sent through rings (closed and live).", l,
                  st.bytes_ring + a.live_bytes);
            x.add(p + "startup_bytes_total", "counter",
                  "Bytes the attachment's closed paired sockets read over TCP from before the "
                  "switch.",
                  l, st.bytes_startup);
        }
        x.add(p + "live_ends", "gauge", "Paired ends now in the attachment's cgroup subtree.", l,
              a.live_ends);
    }
}

}  // namespace

std::string escape_text(const std::string& v, bool quotes) {
    std::string out;
    out.reserve(v.size());
    for (char c : v) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"' && quotes)
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

std::string escape_label_value(const std::string& v) { return escape_text(v, true); }

std::string render_metrics(const MetricsSnapshot& s) {
    Exposition x;
    add_module(x, s);
    add_program(x, s);
    add_attachments(x, s);
    for (const auto& f : s.failopen)
        x.add(std::string(kPrefix) + "failopen_total", "counter",
              "Containers that asked for tcp-splice and ran without it (not strict), by source "
              "and reason.",
              {{"source", f.source}, {"reason", f.reason}}, f.count);
    if (s.nri) {
        x.add(std::string(kPrefix) + "nri_up", "gauge",
              "1 when the NRI plugin is connected to the runtime, else 0.", {},
              s.nri->up ? 1u : 0u);
        x.add(std::string(kPrefix) + "nri_reconnects_total", "counter",
              "Connections of the NRI plugin to the runtime after its first one.", {},
              s.nri->reconnects);
    }
    x.add(std::string(kPrefix) + "scrape_errors", "gauge",
          "Sources that could not be read for this scrape (see the log or stderr).", {},
          static_cast<std::uint64_t>(s.errors.size()));
    return x.text();
}

MetricsSnapshot collect_metrics(const Paths& paths) {
    MetricsSnapshot s;
    auto attempt = [&s](const char* what, const std::function<void()>& f) {
        try {
            f();
        } catch (const std::exception& e) {
            s.errors.push_back(std::string(what) + ": " + e.what());
        } catch (...) {
            s.errors.push_back(std::string(what) + ": unknown error");
        }
    };
    attempt("module counters", [&] {
        s.module_counters = read_module_counters(paths);
        s.module_loaded = module_refcnt(paths).has_value() || !s.module_counters.empty();
    });
    attempt("module version", [&] {
        const std::string path = paths.module_dir + "/version";
        struct stat st;
        if (::stat(path.c_str(), &st) != 0) return;
        std::string v = read_file(path, 256);
        while (!v.empty() && (v.back() == '\n' || v.back() == ' ')) v.pop_back();
        s.module_version = v;
    });
    attempt("program", [&] {
        Program prog(paths);
        s.program_loaded = prog.loaded();
        if (auto st = prog.stats()) s.program_stats = stat_fields(*st);
    });
    attempt("attachments", [&] { s.attachments = collect_attachments(paths); });
    attempt("fail-open counters", [&] { s.failopen = read_failures(paths.state_dir); });
    return s;
}

}  // namespace tsp

#include "core/metrics.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

namespace tsp {
namespace {

// Every family the renderer knows, with a few samples each.
MetricsSnapshot full_snapshot() {
    MetricsSnapshot s;
    s.module_loaded = true;
    s.module_version = "0.1.0";
    s.module_counters = {{"kfunc_calls", 10},
                         {"kfunc_accepted", 9},
                         {"refused_sock", 1},
                         {"refused_kernel", 0},
                         {"refused_proto", 0},
                         {"refused_proof", 0},
                         {"refused_claim", 0},
                         {"refused_nomem", 0},
                         {"refused_ring", 2},
                         {"refused_limit", 0},
                         {"refused_op", 0},
                         {"pairs_total", 4},
                         {"pairs_nat", 1},
                         {"waited_unpaired", 1},
                         {"bytes_ring", 1000},
                         {"bytes_startup", 10},
                         {"ring_kbytes", 64},
                         {"ring_limit_mbytes", 512},
                         {"ring_netns_share", 50},
                         {"pairs_live", 2},
                         {"socks_live", 5},
                         {"waiting", 1},
                         {"ring_reserved_kbytes", 256},
                         {"some_new_value", 7}};
    s.module_counters["ring_grow_limited"] = 3;
    s.program_loaded = true;
    tsp_prog_stats ps{};
    ps.established = 12;
    s.program_stats = stat_fields(ps);
    AttachmentView a;
    a.attachment.name = "ctr-abc";
    a.attachment.cgroup_path = "/sys/fs/cgroup/kubepods/abc";
    a.container_id = "abc";
    a.pod = "web-0";
    a.pod_namespace = "shop";
    a.source = "nri";
    tsp_attach_stats st{};
    st.seen = 6;
    st.why[TSP_WHY_OFFERED] = 4;
    st.why[TSP_WHY_PEER_NO_TOKEN] = 2;
    st.closed = 2;
    st.paired = 2;
    st.bytes_ring = 100;
    a.stats = st;
    a.live_ends = 2;
    a.live_bytes = 50;
    s.attachments.push_back(a);
    AttachmentView host;
    host.attachment.name = "host";
    host.attachment.cgroup_path = "/sys/fs/cgroup";
    s.attachments.push_back(host);  // no stats: an older program
    s.failopen = {{"nri", "attach_failed", 1}, {"oci-hook", "module_missing", 3}};
    s.nri = NriMetrics{true, 2};
    s.errors = {"attachments: permission denied"};
    return s;
}

struct Parsed {
    std::map<std::string, std::string> type;  // family -> TYPE
    std::map<std::string, int> help_count, type_count;
    std::vector<std::string> sample_families;  // in order
    std::vector<std::string> problems;
};

// Reads the exposition back: the family of each sample (its name up to '{'
// or ' '), HELP/TYPE lines.
Parsed parse(const std::string& text) {
    Parsed p;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.starts_with("# HELP ")) {
            const std::string rest = line.substr(7);
            ++p.help_count[rest.substr(0, rest.find(' '))];
        } else if (line.starts_with("# TYPE ")) {
            std::istringstream l(line.substr(7));
            std::string name, type;
            l >> name >> type;
            ++p.type_count[name];
            p.type[name] = type;
        } else if (!line.empty()) {
            const std::string name = line.substr(0, line.find_first_of("{ "));
            if (!p.type.count(name)) p.problems.push_back("sample before its TYPE: " + line);
            p.sample_families.push_back(name);
        }
    }
    return p;
}

std::set<std::string> families(const std::string& text) {
    std::set<std::string> out;
    for (const auto& [name, t] : parse(text).type) out.insert(name);
    return out;
}

TEST(Metrics, SmallSnapshotExactly) {
    MetricsSnapshot s;
    s.module_loaded = true;
    s.module_counters = {{"kfunc_calls", 5}, {"refused_ring", 2}, {"ring_kbytes", 64}};
    s.failopen = {{"nri", "timeout", 3}};
    EXPECT_EQ(render_metrics(s),
              "# HELP tcp_splice_module_loaded 1 when the tcp_splice module is loaded, else 0.\n"
              "# TYPE tcp_splice_module_loaded gauge\n"
              "tcp_splice_module_loaded 1\n"
              "# HELP tcp_splice_kfunc_calls_total Calls of bpf_tcp_splice_pair().\n"
              "# TYPE tcp_splice_kfunc_calls_total counter\n"
              "tcp_splice_kfunc_calls_total 5\n"
              "# HELP tcp_splice_ring_size_bytes Setting ring_kbytes: the per-direction ring "
              "size for new pairs, in bytes.\n"
              "# TYPE tcp_splice_ring_size_bytes gauge\n"
              "tcp_splice_ring_size_bytes 65536\n"
              "# HELP tcp_splice_refused_total Sockets bpf_tcp_splice_pair() refused, by "
              "reason.\n"
              "# TYPE tcp_splice_refused_total counter\n"
              "tcp_splice_refused_total{reason=\"ring\"} 2\n"
              "# HELP tcp_splice_program_loaded 1 when the shared sock_ops program is loaded "
              "(pinned), else 0.\n"
              "# TYPE tcp_splice_program_loaded gauge\n"
              "tcp_splice_program_loaded 0\n"
              "# HELP tcp_splice_failopen_total Containers that asked for tcp-splice and ran "
              "without it (not strict), by source and reason.\n"
              "# TYPE tcp_splice_failopen_total counter\n"
              "tcp_splice_failopen_total{source=\"nri\",reason=\"timeout\"} 3\n"
              "# HELP tcp_splice_scrape_errors Sources that could not be read for this scrape "
              "(see the log or stderr).\n"
              "# TYPE tcp_splice_scrape_errors gauge\n"
              "tcp_splice_scrape_errors 0\n");
}

TEST(Metrics, NothingLoadedSaysSo) {
    const std::string text = render_metrics(MetricsSnapshot{});
    EXPECT_NE(text.find("\ntcp_splice_module_loaded 0\n"), std::string::npos) << text;
    EXPECT_NE(text.find("\ntcp_splice_program_loaded 0\n"), std::string::npos) << text;
    EXPECT_EQ(text.find("tcp_splice_nri_up"), std::string::npos) << "plugin-only";
}

TEST(Metrics, LabelValuesAreEscaped) {
    EXPECT_EQ(escape_label_value("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
    MetricsSnapshot s;
    AttachmentView a;
    a.attachment.name = "ctr-x";
    a.attachment.cgroup_path = "/sys/fs/cgroup/we\"ird\\path\nx";
    a.pod = "p";
    s.attachments.push_back(a);
    const std::string text = render_metrics(s);
    EXPECT_NE(text.find("cgroup=\"/sys/fs/cgroup/we\\\"ird\\\\path\\nx\""), std::string::npos)
        << text;
}

TEST(Metrics, EveryFamilyOnceWithHelpAndTypeAndItsSamplesTogether) {
    const std::string text = render_metrics(full_snapshot());
    const Parsed p = parse(text);
    EXPECT_TRUE(p.problems.empty()) << p.problems.front();
    for (const auto& [name, type] : p.type) {
        EXPECT_EQ(p.type_count.at(name), 1) << name;
        EXPECT_EQ(p.help_count.count(name) ? p.help_count.at(name) : 0, 1) << name;
        EXPECT_TRUE(type == "counter" || type == "gauge") << name;
        EXPECT_EQ(type == "counter", name.ends_with("_total")) << name;
        EXPECT_TRUE(name.starts_with("tcp_splice_")) << name;
    }
    std::set<std::string> done;
    std::string current;
    for (const auto& f : p.sample_families) {
        if (f == current) continue;
        EXPECT_FALSE(done.count(f)) << f << "'s samples are split";
        done.insert(f);
        current = f;
    }
    for (const char* want :
         {"tcp_splice_pairs_total 4\n", "tcp_splice_ring_limit_bytes 536870912\n",
          "tcp_splice_ring_netns_share_ratio 0.5\n", "tcp_splice_ring_reserved_bytes 262144\n",
          "tcp_splice_ring_grow_limited_total 3\n",
          "tcp_splice_module_value{name=\"some_new_value\"} 7\n",
          "tcp_splice_module_info{version=\"0.1.0\"} 1\n",
          "tcp_splice_program_established_total 12\n",
          "tcp_splice_refused_total{reason=\"sock\"} 1\n", "tcp_splice_nri_up 1\n",
          "tcp_splice_nri_reconnects_total 2\n", "tcp_splice_scrape_errors 1\n",
          "tcp_splice_attachments 2\n",
          "tcp_splice_failopen_total{source=\"oci-hook\",reason=\"module_missing\"} 3\n"})
        EXPECT_NE(text.find(want), std::string::npos) << want;
    const std::string l =
        "{attachment=\"ctr-abc\",cgroup=\"/sys/fs/cgroup/kubepods/abc\",container_id=\"abc\","
        "pod=\"web-0\",namespace=\"shop\"";
    for (const std::string& want :
         {"tcp_splice_attachment_connections_total" + l + "} 6\n",
          "tcp_splice_attachment_outcomes_total" + l + ",outcome=\"offered\"} 4\n",
          "tcp_splice_attachment_ring_bytes_total" + l + "} 150\n",
          "tcp_splice_attachment_paired_total" + l + "} 2\n",
          "tcp_splice_attachment_live_ends" + l + "} 2\n"})
        EXPECT_NE(text.find(want), std::string::npos) << want;
    // The attachment without counters has only its live ends.
    EXPECT_NE(text.find("tcp_splice_attachment_live_ends{attachment=\"host\""), std::string::npos);
    EXPECT_EQ(text.find("tcp_splice_attachment_connections_total{attachment=\"host\""),
              std::string::npos);
}

// promtool (Debian package prometheus) lints the exposition.
TEST(Metrics, PromtoolAcceptsIt) {
    if (::system("command -v promtool >/dev/null 2>&1") != 0)
        GTEST_SKIP() << "promtool not installed (apt-get install prometheus)";
    char tmpl[] = "/tmp/tsp-metrics-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    const std::string dir = tmpl;
    for (const auto& snap : {full_snapshot(), MetricsSnapshot{}}) {
        std::ofstream(dir + "/m.prom") << render_metrics(snap);
        const std::string cmd =
            "promtool check metrics < " + dir + "/m.prom > " + dir + "/out 2>&1";
        const int rc = ::system(cmd.c_str());
        std::ifstream out(dir + "/out");
        std::stringstream ss;
        ss << out.rdbuf();
        EXPECT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) == 0) << ss.str();
        EXPECT_EQ(ss.str(), "") << "promtool has remarks";
    }
    std::filesystem::remove_all(dir);
}

TEST(Metrics, CollectWithoutModuleOrProgramDoesNotThrow) {
    char tmpl[] = "/tmp/tsp-metrics-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    const std::string dir = tmpl;
    Paths p;
    p.bpffs = dir + "/bpffs";
    p.module_dir = dir + "/module";
    p.proc_counters = dir + "/proc_counters";
    p.proc_pairs = dir + "/proc_pairs";
    p.cgroup_root = dir + "/cgroup";
    p.state_dir = dir + "/state";
    p.lock_file = dir + "/lock";
    count_failure(p.state_dir, "nri", "timeout");
    MetricsSnapshot s;
    ASSERT_NO_THROW(s = collect_metrics(p));
    EXPECT_FALSE(s.module_loaded);
    EXPECT_FALSE(s.program_loaded);
    EXPECT_TRUE(s.attachments.empty());
    ASSERT_EQ(s.failopen.size(), 1u);
    EXPECT_EQ(s.failopen[0].count, 1u);
    std::ofstream(p.proc_counters) << "kfunc_calls 3\npairs_live 1\n";
    s = collect_metrics(p);
    EXPECT_TRUE(s.module_loaded);
    EXPECT_EQ(s.module_counters.at("kfunc_calls"), 3);
    std::filesystem::remove_all(dir);
}

// Every metric the dashboard's queries name is one the renderer emits.
TEST(Metrics, GrafanaDashboardUsesOnlyOurMetrics) {
    std::ifstream in(std::string(TSP_SOURCE_DIR) + "/config/grafana/tcp-splice-dashboard.json");
    ASSERT_TRUE(in) << "config/grafana/tcp-splice-dashboard.json missing";
    nlohmann::json dash;
    ASSERT_NO_THROW(dash = nlohmann::json::parse(in));
    ASSERT_TRUE(dash.contains("panels"));
    ASSERT_TRUE(dash["__inputs"].is_array());
    EXPECT_EQ(dash["__inputs"][0]["name"], "DS_PROMETHEUS");

    std::vector<std::string> exprs;
    std::function<void(const nlohmann::json&)> walk = [&](const nlohmann::json& j) {
        if (j.is_object()) {
            for (const auto& [k, v] : j.items()) {
                if ((k == "expr" || k == "query" || k == "definition") && v.is_string())
                    exprs.push_back(v.get<std::string>());
                walk(v);
            }
        } else if (j.is_array()) {
            for (const auto& v : j) walk(v);
        }
    };
    walk(dash);
    ASSERT_GE(exprs.size(), 10u);
    const std::set<std::string> ours = families(render_metrics(full_snapshot()));
    const std::regex name(R"(\btcp_splice_[a-zA-Z0-9_]+)");
    int refs = 0;
    for (const auto& e : exprs)
        for (std::sregex_iterator it(e.begin(), e.end(), name), end; it != end; ++it, ++refs)
            EXPECT_TRUE(ours.count(it->str())) << it->str() << " in " << e;
    EXPECT_GT(refs, 10);
    // Each panel asks the dashboard's data source.
    for (const auto& p : dash["panels"])
        EXPECT_EQ(p["datasource"]["uid"], "${DS_PROMETHEUS}") << p["title"];
}

}  // namespace
}  // namespace tsp

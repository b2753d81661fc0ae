#include "ctl/cli.h"

#include <gtest/gtest.h>

#include <vector>

#include "tsp_version.h"

namespace tsp::ctl {
namespace {

// Parses argv; returns false on a CLI11 parse error.
bool parse(std::vector<std::string> args, Options& o) {
    auto app = make_cli(o);
    std::vector<const char*> argv{"tcp-splice-ctl"};
    for (auto& a : args) argv.push_back(a.c_str());
    try {
        app->parse(static_cast<int>(argv.size()), const_cast<char**>(argv.data()));
        return true;
    } catch (const CLI::ParseError&) {
        return false;
    }
}

TEST(Cli, EnableWithEveryOption) {
    Options o;
    ASSERT_TRUE(parse({"enable", "--cgroup", "/sys/fs/cgroup/a", "--loopback-only", "--ports",
                       "6379,8080", "--busy-poll-us", "50", "--ring-kbytes", "256"},
                      o));
    EXPECT_EQ(o.command, "enable");
    EXPECT_EQ(o.cgroup, "/sys/fs/cgroup/a");
    EXPECT_TRUE(o.loopback_only);
    EXPECT_EQ(o.ports, "6379,8080");
    EXPECT_EQ(o.busy_poll_us, 50);
    EXPECT_EQ(o.ring_kbytes, 256);
}

TEST(Cli, EnableDefaults) {
    Options o;
    ASSERT_TRUE(parse({"enable", "--cgroup=/sys/fs/cgroup"}, o));
    EXPECT_FALSE(o.loopback_only);
    EXPECT_TRUE(o.ports.empty());
    EXPECT_EQ(o.busy_poll_us, -1);
    EXPECT_EQ(o.ring_kbytes, -1);
    EXPECT_EQ(o.bpffs, "/sys/fs/bpf");
}

TEST(Cli, Rejects) {
    Options o;
    EXPECT_FALSE(parse({}, o));                      // no subcommand
    EXPECT_FALSE(parse({"enable"}, o));              // --cgroup required
    EXPECT_FALSE(parse({"enable", "--cgroup"}, o));  // missing value
    EXPECT_FALSE(parse({"enable", "--cgroup", "x", "--ring-kbytes", "abc"}, o));
    EXPECT_FALSE(parse({"enable", "--cgroup", "x", "--bogus"}, o));
    EXPECT_FALSE(parse({"frobnicate"}, o));
    EXPECT_FALSE(parse({"status", "--cgroup", "x"}, o));
}

TEST(Cli, Version) {
    Options o;
    auto app = make_cli(o);
    const char* argv[] = {"tcp-splice-ctl", "--version"};
    try {
        app->parse(2, const_cast<char**>(argv));
        FAIL() << "--version did not stop the parse";
    } catch (const CLI::CallForVersion& e) {
        EXPECT_EQ(std::string(e.what()), std::string("tcp-splice-ctl ") + TSP_VERSION);
        EXPECT_EQ(e.get_exit_code(), 0);
    }
    EXPECT_TRUE(o.command.empty());
}

TEST(Cli, Doctor) {
    Options o;
    ASSERT_TRUE(parse({"doctor"}, o));
    EXPECT_EQ(o.command, "doctor");
    EXPECT_FALSE(o.json);
    Options j;
    ASSERT_TRUE(parse({"doctor", "--json"}, j));
    EXPECT_TRUE(j.json);
    EXPECT_FALSE(parse({"doctor", "--cgroup", "x"}, j));
}

TEST(Cli, OtherCommands) {
    Options o;
    ASSERT_TRUE(parse({"disable"}, o));
    EXPECT_EQ(o.command, "disable");
    Options s;
    ASSERT_TRUE(parse({"--bpffs", "/tmp/b", "status", "--json"}, s));
    EXPECT_EQ(s.command, "status");
    EXPECT_TRUE(s.json);
    EXPECT_EQ(s.bpffs, "/tmp/b");
}

TEST(Cli, Metrics) {
    Options o;
    ASSERT_TRUE(parse({"metrics"}, o));
    EXPECT_EQ(o.command, "metrics");
    EXPECT_EQ(o.output, "");
    Options f;
    ASSERT_TRUE(parse({"metrics", "--output", "/var/lib/node-exporter/tcp_splice.prom"}, f));
    EXPECT_EQ(f.output, "/var/lib/node-exporter/tcp_splice.prom");
    EXPECT_FALSE(parse({"metrics", "--output"}, f));
}

TEST(Cli, Sockets) {
    Options o;
    ASSERT_TRUE(parse({"sockets", "--port", "80", "--json"}, o));
    EXPECT_EQ(o.command, "sockets");
    EXPECT_EQ(o.port, 80);
    EXPECT_TRUE(o.json);
    EXPECT_FALSE(o.all);
    EXPECT_TRUE(o.address.empty());
    EXPECT_TRUE(o.netns.empty());
    EXPECT_EQ(o.pid, 0);

    Options d;
    ASSERT_TRUE(parse({"sockets"}, d));
    EXPECT_EQ(d.port, -1);

    Options a;
    ASSERT_TRUE(parse(
        {"sockets", "--address", "::1", "--cgroup", "/sys/fs/cgroup/x", "--pid", "42", "--all"},
        a));
    EXPECT_EQ(a.address, "::1");
    EXPECT_EQ(a.cgroup, "/sys/fs/cgroup/x");
    EXPECT_EQ(a.pid, 42);
    EXPECT_TRUE(a.all);
    Options n;
    ASSERT_TRUE(parse({"sockets", "--netns", "/run/netns/x"}, n));
    EXPECT_EQ(n.netns, "/run/netns/x");

    Options r;
    EXPECT_FALSE(parse({"sockets", "--port", "70000"}, r));
    EXPECT_FALSE(parse({"sockets", "--port", "http"}, r));
    EXPECT_FALSE(parse({"sockets", "--pid", "0"}, r));
    EXPECT_FALSE(parse({"sockets", "--pid", "1", "--netns", "/run/netns/x"}, r));
}

TEST(Cli, RuntimeConfigure) {
    Options o;
    ASSERT_TRUE(parse({"runtime", "configure", "--runtime", "docker", "--set-as-default",
                       "--dry-run", "--config", "/tmp/daemon.json"},
                      o));
    EXPECT_EQ(o.command, "runtime-configure");
    EXPECT_EQ(o.runtime, "docker");
    EXPECT_EQ(o.runtime_config, "/tmp/daemon.json");
    EXPECT_TRUE(o.dry_run);
    EXPECT_TRUE(o.set_as_default);

    Options d;
    ASSERT_TRUE(parse({"runtime", "configure", "--runtime=containerd"}, d));
    EXPECT_EQ(d.runtime, "containerd");
    EXPECT_TRUE(d.runtime_config.empty());
    EXPECT_FALSE(d.dry_run);
    EXPECT_FALSE(d.set_as_default);
}

TEST(Cli, RuntimeUnconfigure) {
    Options o;
    ASSERT_TRUE(parse({"runtime", "unconfigure", "--runtime", "podman", "--dry-run"}, o));
    EXPECT_EQ(o.command, "runtime-unconfigure");
    EXPECT_EQ(o.runtime, "podman");
    EXPECT_TRUE(o.dry_run);
    Options c;
    ASSERT_TRUE(parse({"runtime", "unconfigure", "--runtime", "crio"}, c));
    EXPECT_EQ(c.runtime, "crio");
}

TEST(Cli, RuntimeRejects) {
    Options o;
    EXPECT_FALSE(parse({"runtime"}, o));                                   // no verb
    EXPECT_FALSE(parse({"runtime", "configure"}, o));                      // --runtime required
    EXPECT_FALSE(parse({"runtime", "configure", "--runtime", "lxc"}, o));  // not one we know
    EXPECT_FALSE(parse({"runtime", "unconfigure", "--runtime", "docker", "--set-as-default"}, o));
    EXPECT_FALSE(parse({"runtime", "reconfigure", "--runtime", "docker"}, o));
}

TEST(Cli, DisableAllAndGc) {
    Options o;
    ASSERT_TRUE(parse({"disable"}, o));
    EXPECT_EQ(o.command, "disable");
    EXPECT_FALSE(o.all);
    Options a;
    ASSERT_TRUE(parse({"disable", "--all"}, a));
    EXPECT_TRUE(a.all);
    Options g;
    ASSERT_TRUE(parse({"gc"}, g));
    EXPECT_EQ(g.command, "gc");
    EXPECT_FALSE(g.dry_run);
    Options d;
    ASSERT_TRUE(parse({"gc", "--dry-run"}, d));
    EXPECT_TRUE(d.dry_run);
    Options bad;
    EXPECT_FALSE(parse({"gc", "--all"}, bad));
}

}  // namespace
}  // namespace tsp::ctl

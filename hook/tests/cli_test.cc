#include "ctl/cli.h"

#include <gtest/gtest.h>

#include <vector>

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

}  // namespace
}  // namespace tsp::ctl

#include "core/runtime_args.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace tsp {
namespace {

using A = std::vector<std::string>;

TEST(RuntimeArgs, ContainerdShimCreate) {
    auto inv = parse_runtime_args({"--root", "/run/containerd/runc/moby", "--log",
                                   "/run/x/log.json", "--log-format", "json", "--systemd-cgroup",
                                   "create", "--bundle", "/run/b", "--pid-file", "/run/b/init.pid",
                                   "--console-socket", "/tmp/s", "abc"});
    EXPECT_EQ(inv.command, "create");
    EXPECT_TRUE(inv.creates());
    EXPECT_EQ(inv.bundle, "/run/b");
    EXPECT_EQ(inv.container_id, "abc");
    EXPECT_EQ(inv.spec_path(), "/run/b/config.json");
}

TEST(RuntimeArgs, BundleFlagSpellings) {
    for (const A& a : {A{"create", "-b", "/p", "id"}, A{"create", "-b=/p", "id"},
                       A{"create", "--bundle=/p", "id"}, A{"create", "-bundle", "/p", "id"},
                       A{"create", "id", "--bundle", "/p"}, A{"run", "--bundle", "/p", "id"}}) {
        auto inv = parse_runtime_args(a);
        EXPECT_EQ(inv.bundle, "/p") << a[1];
        EXPECT_EQ(inv.container_id, "id") << a[1];
    }
}

TEST(RuntimeArgs, BundleDefaultsToTheWorkingDirectory) {
    auto inv = parse_runtime_args({"create", "id"});
    EXPECT_EQ(inv.bundle, "");
    EXPECT_EQ(inv.spec_path(), "config.json");
}

TEST(RuntimeArgs, ValuesNamedCreateAreNotTheCommand) {
    auto inv = parse_runtime_args({"--root", "create", "--log", "create", "start", "create"});
    EXPECT_EQ(inv.command, "start");
    EXPECT_FALSE(inv.creates());
    inv = parse_runtime_args({"create", "--bundle", "create", "id"});
    EXPECT_EQ(inv.bundle, "create");
    EXPECT_EQ(inv.container_id, "id");
    inv = parse_runtime_args({"--root=/r", "create", "--pid-file", "create", "-b", "/p", "id"});
    EXPECT_EQ(inv.bundle, "/p");
}

TEST(RuntimeArgs, OtherCommandsPassThrough) {
    for (const A& a : {A{"start", "id"}, A{"delete", "--force", "id"}, A{"state", "id"},
                       A{"features"}, A{"--version"}, A{}}) {
        auto inv = parse_runtime_args(a);
        EXPECT_FALSE(inv.creates());
    }
}

TEST(RuntimeArgs, MissingValuesAreErrors) {
    EXPECT_THROW(parse_runtime_args({"create", "id", "--bundle"}), Error);
    EXPECT_THROW(parse_runtime_args({"create", "-b"}), Error);
    EXPECT_THROW(parse_runtime_args({"--root"}), Error);
}

TEST(RuntimeArgs, VersionQuery) {
    EXPECT_TRUE(is_version_query({"--version"}));
    EXPECT_FALSE(is_version_query({}));
    EXPECT_FALSE(is_version_query({"-v"}));  // runc's alias stays runc's alone
    EXPECT_FALSE(is_version_query({"--version", "x"}));
    EXPECT_FALSE(is_version_query({"--root", "/r", "--version"}));
    EXPECT_FALSE(is_version_query({"state", "--version"}));
}

}  // namespace
}  // namespace tsp

#include <gtest/gtest.h>

#include "ocihook/cli.h"
#include "tsp_version.h"

namespace tsp::hook {
namespace {

Options parse(std::vector<std::string> args) {
    Options o;
    auto app = make_cli(o);
    std::vector<const char*> argv{"tcp-splice-hook"};
    for (auto& a : args) argv.push_back(a.c_str());
    app->parse(static_cast<int>(argv.size()), argv.data());
    return o;
}

TEST(HookCli, Stages) {
    EXPECT_EQ(parse({"createRuntime"}).stage, Stage::kCreateRuntime);
    EXPECT_EQ(parse({"prestart"}).stage, Stage::kCreateRuntime);
    EXPECT_EQ(parse({"poststop"}).stage, Stage::kPoststop);
    EXPECT_THROW(parse({"createContainer"}), CLI::ValidationError);
    EXPECT_THROW(parse({}), CLI::RequiredError);
}

TEST(HookCli, Overrides) {
    auto o = parse(
        {"--bpffs", "/b", "--state-dir", "/s", "--cgroup-root", "/c", "--stderr", "poststop"});
    EXPECT_EQ(o.bpffs, "/b");
    EXPECT_EQ(o.state_dir, "/s");
    EXPECT_EQ(o.cgroup_root, "/c");
    EXPECT_TRUE(o.to_stderr);
}

// Without a stage: --version needs none.
TEST(HookCli, Version) {
    try {
        parse({"--version"});
        FAIL() << "--version did not stop the parse";
    } catch (const CLI::CallForVersion& e) {
        EXPECT_EQ(std::string(e.what()), std::string("tcp-splice-hook ") + TSP_VERSION);
    }
}

}  // namespace
}  // namespace tsp::hook

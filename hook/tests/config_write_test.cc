#include "core/config_write.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "core/runtime_config.h"
#include "temp_dir.h"

namespace tsp {
namespace {

namespace fs = std::filesystem;

TEST(LineDiff, EqualIsEmpty) { EXPECT_EQ(line_diff("a\nb\n", "a\nb\n", "x", "y"), ""); }

TEST(LineDiff, OneChangeWithContext) {
    const std::string before = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
    const std::string after = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n";
    EXPECT_EQ(line_diff(before, after, "a/f", "b/f"),
              "--- a/f\n+++ b/f\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n");
}

TEST(LineDiff, FromNothingAndToNothing) {
    EXPECT_EQ(line_diff("", "x\ny\n", "/dev/null", "f"),
              "--- /dev/null\n+++ f\n@@ -0,0 +1,2 @@\n+x\n+y\n");
    EXPECT_EQ(line_diff("x\n", "", "f", "/dev/null"),
              "--- f\n+++ /dev/null\n@@ -1,1 +0,0 @@\n-x\n");
}

TEST(LineDiff, FarApartChangesMakeTwoHunks) {
    std::string before, after;
    for (int i = 1; i <= 30; ++i) {
        before += std::to_string(i) + "\n";
        after += (i == 3 || i == 25 ? "x" : std::to_string(i)) + "\n";
    }
    const std::string d = line_diff(before, after, "a", "b");
    EXPECT_NE(d.find("@@ -1,6 +1,6 @@"), std::string::npos) << d;
    EXPECT_NE(d.find("@@ -22,7 +22,7 @@"), std::string::npos) << d;
}

class ConfigWrite : public ::testing::Test {
protected:
    void SetUp() override { dir_ = tmp_.path(); }
    static std::string slurp(const std::string& p) {
        std::ifstream in(p, std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    }
    static void put(const std::string& p, const std::string& s) {
        std::ofstream(p, std::ios::binary) << s;
    }
    test::TempDir tmp_{"config-write"};
    std::string dir_;
};

TEST_F(ConfigWrite, BacksUpTheOldestOriginalOnceAndKeepsTheMode) {
    const std::string f = dir_ + "/daemon.json";
    put(f, "one\n");
    ASSERT_EQ(::chmod(f.c_str(), 0600), 0);
    std::ostringstream out;
    EXPECT_EQ(apply_change({.path = f, .before = "one\n", .after = "two\n"}, false, out),
              Applied::kWritten);
    EXPECT_EQ(slurp(f), "two\n");
    EXPECT_EQ(slurp(backup_path(f)), "one\n");
    struct stat st;
    ASSERT_EQ(::stat(f.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0600u);
    EXPECT_EQ(apply_change({.path = f, .before = "two\n", .after = "three\n"}, false, out),
              Applied::kWritten);
    EXPECT_EQ(slurp(f), "three\n");
    EXPECT_EQ(slurp(backup_path(f)), "one\n");  // still the first original
    EXPECT_FALSE(fs::exists(f + ".tcp-splice.tmp"));
    EXPECT_TRUE(out.str().empty());
}

TEST_F(ConfigWrite, DryRunWritesNothing) {
    const std::string f = dir_ + "/config.toml";
    put(f, "a\n");
    std::ostringstream out;
    EXPECT_EQ(apply_change({.path = f, .before = "a\n", .after = "b\n"}, true, out),
              Applied::kDryRun);
    EXPECT_EQ(slurp(f), "a\n");
    EXPECT_FALSE(fs::exists(backup_path(f)));
    EXPECT_EQ(out.str(), "--- " + f + "\n+++ " + f + "\n@@ -1,1 +1,1 @@\n-a\n+b\n");
    EXPECT_EQ(
        apply_change({.path = dir_ + "/new/x", .before = std::nullopt, .after = "y\n"}, true, out),
        Applied::kDryRun);
    EXPECT_FALSE(fs::exists(dir_ + "/new"));
}

TEST_F(ConfigWrite, UnchangedWritesNothing) {
    std::ostringstream out;
    const std::string f = dir_ + "/f";
    EXPECT_EQ(apply_change({.path = f, .before = "x", .after = "x"}, false, out),
              Applied::kUnchanged);
    EXPECT_EQ(apply_change({.path = f, .before = std::nullopt, .after = std::nullopt}, false, out),
              Applied::kUnchanged);
    EXPECT_FALSE(fs::exists(f));
}

TEST_F(ConfigWrite, CreatesDirectoriesAndRemoves) {
    std::ostringstream out;
    const std::string f = dir_ + "/crio.conf.d/50-tcp-splice.conf";
    EXPECT_EQ(apply_change({.path = f, .before = std::nullopt, .after = "x\n", .backup = false},
                           false, out),
              Applied::kWritten);
    EXPECT_EQ(slurp(f), "x\n");
    EXPECT_EQ(apply_change({.path = f, .before = "x\n", .after = std::nullopt, .backup = false},
                           false, out),
              Applied::kRemoved);
    EXPECT_FALSE(fs::exists(f));
    EXPECT_FALSE(fs::exists(backup_path(f)));
}

TEST_F(ConfigWrite, RefusesAnUnwritableDirectory) {
    if (::geteuid() == 0) GTEST_SKIP() << "root writes anywhere";
    const std::string ro = dir_ + "/ro";
    fs::create_directory(ro);
    ::chmod(ro.c_str(), 0555);
    std::ostringstream out;
    try {
        apply_change({.path = ro + "/f", .before = std::nullopt, .after = "x"}, false, out);
        ADD_FAILURE() << "no error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("--dry-run"), std::string::npos) << e.what();
    }
}

TEST_F(ConfigWrite, EditConfigFileRunsTheEditOnceThenIsANoOp) {
    const std::string f = dir_ + "/daemon.json";
    auto configure = [](const std::string& text, const std::optional<std::string>&) {
        return runtime::docker_configure(text, false);
    };
    std::ostringstream out;
    EXPECT_EQ(edit_config_file("docker", f, configure, false, out), Applied::kWritten);
    EXPECT_NE(slurp(f).find("tcp-splice-runtime"), std::string::npos);
    EXPECT_FALSE(fs::exists(backup_path(f)));  // there was no original
    EXPECT_EQ(edit_config_file("docker", f, configure, false, out), Applied::kUnchanged);

    // The backup reaches unconfigure: the original's default comes back.
    const std::string g = dir_ + "/other.json";
    put(g, "{\n  \"default-runtime\": \"crun\"\n}\n");
    EXPECT_EQ(edit_config_file(
                  "docker", g,
                  [](const std::string& t, const std::optional<std::string>&) {
                      return runtime::docker_configure(t, true);
                  },
                  false, out),
              Applied::kWritten);
    EXPECT_EQ(edit_config_file(
                  "docker", g,
                  [](const std::string& t, const std::optional<std::string>& orig) {
                      return runtime::docker_unconfigure(t, orig);
                  },
                  false, out),
              Applied::kWritten);
    EXPECT_EQ(slurp(g), "{\n  \"default-runtime\": \"crun\"\n}\n");
    EXPECT_NE(out.str().find("docker: default-runtime set back"), std::string::npos) << out.str();
}

TEST_F(ConfigWrite, EditConfigFileErrorWritesNothing) {
    const std::string f = dir_ + "/daemon.json";
    put(f, "{ not json");
    std::ostringstream out;
    EXPECT_THROW(edit_config_file(
                     "docker", f,
                     [](const std::string& t, const std::optional<std::string>&) {
                         return runtime::docker_configure(t, false);
                     },
                     false, out),
                 Error);
    EXPECT_EQ(slurp(f), "{ not json");
    EXPECT_FALSE(fs::exists(backup_path(f)));
}

}  // namespace
}  // namespace tsp

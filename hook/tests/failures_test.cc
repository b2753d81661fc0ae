#include "core/failures.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace tsp {
namespace {

struct Failures : ::testing::Test {
    void SetUp() override {
        char tmpl[] = "/tmp/tsp-failures-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        top = tmpl;
        state = top + "/state";
    }
    void TearDown() override { std::filesystem::remove_all(top); }
    std::string file(const std::string& name) {
        std::ifstream in(state + "/failures/" + name);
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    }
    std::string top, state;
};

TEST_F(Failures, CountsPerSourceAndReason) {
    EXPECT_TRUE(read_failures(state).empty());
    count_failure(state, kSourceHook, failopen::kModuleMissing);
    count_failure(state, kSourceHook, failopen::kModuleMissing);
    count_failure(state, kSourceNri, failopen::kTimeout);
    EXPECT_EQ(file("oci-hook.module_missing"), "2\n");
    const auto all = read_failures(state);
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].source, "nri");
    EXPECT_EQ(all[0].reason, "timeout");
    EXPECT_EQ(all[0].count, 1u);
    EXPECT_EQ(all[1].source, "oci-hook");
    EXPECT_EQ(all[1].reason, "module_missing");
    EXPECT_EQ(all[1].count, 2u);
}

TEST_F(Failures, CounterClassCountsItsSource) {
    FailOpenCounter c(state, kSourceNri);
    c.count(failopen::kAttachFailed);
    EXPECT_EQ(file("nri.attach_failed"), "1\n");
}

TEST_F(Failures, ConcurrentIncrementsFromTwoProcessesAllCount) {
    constexpr int kEach = 300;
    pid_t kids[2];
    for (pid_t& pid : kids) {
        pid = ::fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            for (int i = 0; i < kEach; ++i) count_failure(state, "nri", "attach_failed");
            _exit(0);
        }
    }
    for (pid_t pid : kids) {
        int status = 0;
        ASSERT_EQ(::waitpid(pid, &status, 0), pid);
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    EXPECT_EQ(file("nri.attach_failed"), std::to_string(2 * kEach) + "\n");
}

TEST_F(Failures, GrowsPastADigitAndKeepsTheFileTidy) {
    for (int i = 0; i < 10; ++i) count_failure(state, "nri", "timeout");
    EXPECT_EQ(file("nri.timeout"), "10\n");
}

TEST_F(Failures, NeverThrowsWhereItCannotWrite) {
    // The state "directory" is a regular file: nothing can be created.
    std::ofstream(top + "/file") << "x";
    EXPECT_NO_THROW(count_failure(top + "/file", "nri", "timeout"));
    EXPECT_NO_THROW(count_failure(top + "/file/deeper", "nri", "timeout"));
    EXPECT_NO_THROW(count_failure("", "nri", "timeout"));
    EXPECT_NO_THROW(count_failure(std::string(5000, 'a'), "nri", "timeout"));
    EXPECT_TRUE(read_failures(top + "/file").empty());
    if (::geteuid() != 0) {
        std::filesystem::create_directories(state);
        ::chmod(state.c_str(), 0500);
        EXPECT_NO_THROW(count_failure(state, "nri", "timeout"));
        EXPECT_TRUE(read_failures(state).empty());
        ::chmod(state.c_str(), 0700);
    }
}

TEST_F(Failures, OddNamesAreIgnored) {
    count_failure(state, "../x", "timeout");
    count_failure(state, "nri", "a/b");
    count_failure(state, "nri", "");
    count_failure(state, "NRI", "timeout");
    EXPECT_FALSE(std::filesystem::exists(state + "/failures"));
    // Files that are not counters are skipped when reading.
    std::filesystem::create_directories(state + "/failures/nri.dir");
    std::ofstream(state + "/failures/noreason") << "3\n";
    std::ofstream(state + "/failures/nri.junk") << "abc";
    const auto all = read_failures(state);
    ASSERT_EQ(all.size(), 1u);
    EXPECT_EQ(all[0].reason, "junk");
    EXPECT_EQ(all[0].count, 0u);
}

TEST(FailureReason, NamedOrFallback) {
    EXPECT_STREQ(failure_reason(ReasonError(failopen::kModuleMissing, "load it"), "x"),
                 "module_missing");
    EXPECT_STREQ(failure_reason(Error("other"), failopen::kAttachFailed), "attach_failed");
}

}  // namespace
}  // namespace tsp

// The OCI hook confines itself before it reads, let alone parses, a byte of
// its input: run the real tcp-splice-hook with its config file on a FIFO and
// look at its seccomp state while it waits there for the first byte.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>

#include "core/confine.h"

namespace tsp {
namespace {

// The number of seccomp filters on `pid` ("Seccomp_filters:", kernel 5.9+),
// else 1 for "Seccomp: 2" and 0 otherwise; nullopt when unreadable.
std::optional<int> seccomp_filters(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    std::optional<int> mode, filters;
    while (std::getline(in, line)) {
        if (line.starts_with("Seccomp:")) mode = std::stoi(line.substr(8));
        if (line.starts_with("Seccomp_filters:")) filters = std::stoi(line.substr(16));
    }
    if (filters) return filters;
    if (mode) return *mode == 2 ? 1 : 0;
    return std::nullopt;
}

// Whether this kernel lets us install the hook's filter at all.
bool can_confine() {
    pid_t pid = ::fork();
    if (pid == 0) {
        try {
            confine_hook();
        } catch (...) {
            _exit(1);
        }
        _exit(0);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

class HookConfine : public ::testing::Test {
protected:
    void SetUp() override {
        if (!can_confine()) GTEST_SKIP() << "seccomp filters unavailable here";
        self_ = seccomp_filters(::getpid());
        if (!self_) GTEST_SKIP() << "no seccomp state in /proc/self/status";
        char tmpl[] = "/tmp/tsp-hook-confine-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
        config_ = dir_ + "/config.json";
        ASSERT_EQ(::mkfifo(config_.c_str(), 0600), 0);
    }
    void TearDown() override {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
        if (!dir_.empty()) std::filesystem::remove_all(dir_);
    }

    // Starts the hook at createRuntime with `seccomp` as TCP_SPLICE_SECCOMP
    // (unset when empty); its stdin is a pipe we hold.
    void start(const std::string& seccomp) {
        int in[2];
        ASSERT_EQ(::pipe2(in, O_CLOEXEC), 0);
        pid_ = ::fork();
        ASSERT_GE(pid_, 0);
        if (pid_ == 0) {
            ::dup2(in[0], STDIN_FILENO);
            int null = ::open("/dev/null", O_WRONLY);
            ::dup2(null, STDOUT_FILENO);
            ::dup2(null, STDERR_FILENO);
            if (seccomp.empty())
                ::unsetenv("TCP_SPLICE_SECCOMP");
            else
                ::setenv("TCP_SPLICE_SECCOMP", seccomp.c_str(), 1);
            const std::string state = dir_ + "/state", bpffs = dir_ + "/bpffs",
                              cg = dir_ + "/cgroup";
            ::execl(TSP_HOOK_BINARY, "tcp-splice-hook", "--config", config_.c_str(), "--state-dir",
                    state.c_str(), "--bpffs", bpffs.c_str(), "--cgroup-root", cg.c_str(),
                    "createRuntime", static_cast<char*>(nullptr));
            _exit(127);
        }
        ::close(in[0]);
        stdin_ = in[1];
    }

    // Waits until the hook has opened its config file (the FIFO) and sits
    // in its first read: nothing of its input has reached it yet. Returns
    // the FIFO's write end.
    int wait_for_first_read() {
        const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (std::chrono::steady_clock::now() < end) {
            int fd = ::open(config_.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
            if (fd >= 0) return fd;  // a reader is there
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        return -1;
    }

    // Feeds both inputs, closes them and returns the hook's exit status.
    int finish(int config_fd, const std::string& st =
                                  R"({"ociVersion":"1.0.2","id":"t1","pid":1,"annotations":{}})") {
        const std::string cfg = "{}";
        EXPECT_EQ(::write(config_fd, cfg.data(), cfg.size()), static_cast<ssize_t>(cfg.size()));
        ::close(config_fd);
        EXPECT_EQ(::write(stdin_, st.data(), st.size()), static_cast<ssize_t>(st.size()));
        ::close(stdin_);
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }

    std::optional<int> self_;
    std::string dir_, config_;
    pid_t pid_ = -1;
    int stdin_ = -1;
};

TEST_F(HookConfine, FilterIsActiveBeforeAnyInputIsRead) {
    start("");
    int fd = wait_for_first_read();
    ASSERT_GE(fd, 0) << "the hook never opened its config file";
    auto filters = seccomp_filters(pid_);
    ASSERT_TRUE(filters);
    EXPECT_GT(*filters, *self_) << "the hook reads its input before confining itself";
    EXPECT_EQ(finish(fd), 0) << "and everything after runs under the filter";
}

TEST_F(HookConfine, LogModeInstallsTheFilterToo) {
    start("log");
    int fd = wait_for_first_read();
    ASSERT_GE(fd, 0);
    EXPECT_GT(*seccomp_filters(pid_), *self_);
    EXPECT_EQ(finish(fd), 0);
}

// Failing open counts the reason, under the filter.
TEST_F(HookConfine, FailOpenIsCountedUnderTheFilter) {
    start("");
    int fd = wait_for_first_read();
    ASSERT_GE(fd, 0);
    EXPECT_EQ(finish(fd, R"({"ociVersion":"1.0.2","id":"t1","pid":1,)"
                         R"("annotations":{"io.tcp-splice/ports":"nope"}})"),
              0);
    std::ifstream in(dir_ + "/state/failures/oci-hook.bad_annotation");
    std::string count;
    std::getline(in, count);
    EXPECT_EQ(count, "1");
}

TEST_F(HookConfine, OffRunsUnconfined) {
    start("off");
    int fd = wait_for_first_read();
    ASSERT_GE(fd, 0);
    EXPECT_EQ(*seccomp_filters(pid_), *self_);
    EXPECT_EQ(finish(fd), 0);
}

}  // namespace
}  // namespace tsp

#include "core/checks.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace tsp {
namespace {

TEST(KernelRelease, Parses) {
    using P = std::pair<int, int>;
    EXPECT_EQ(parse_kernel_release("7.3.4+deb13-cloud-amd64"), P(7, 3));
    EXPECT_EQ(parse_kernel_release("6.15.0-rc1"), P(6, 15));
    EXPECT_EQ(parse_kernel_release("6.1.0-27-amd64"), P(6, 1));
    EXPECT_EQ(parse_kernel_release("2.6.60-1"), P(2, 6));
    EXPECT_EQ(parse_kernel_release("6.18"), P(6, 18));
    EXPECT_FALSE(parse_kernel_release(""));
    EXPECT_FALSE(parse_kernel_release("abc"));
    EXPECT_FALSE(parse_kernel_release("6"));
    EXPECT_FALSE(parse_kernel_release("6."));
}

TEST(KernelRelease, RequiresSixFifteen) {
    EXPECT_NO_THROW(require_kernel("6.15.0"));
    EXPECT_NO_THROW(require_kernel("7.3.4+deb13-cloud-amd64"));
    EXPECT_NO_THROW(require_kernel("10.0.0"));
    for (const char* old : {"6.14.9", "6.1.0-27-amd64", "5.19.0", "2.6.60"}) {
        try {
            require_kernel(old);
            ADD_FAILURE() << old;
        } catch (const Error& e) {
            EXPECT_NE(std::string(e.what()).find("older than 6.15"), std::string::npos);
        }
    }
    EXPECT_THROW(require_kernel("garbage"), Error);
}

TEST(Preconditions, CgroupDirMustBeCgroup2) {
    try {
        require_cgroup2_dir("/tmp");
        ADD_FAILURE();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("not a cgroup-v2 directory"), std::string::npos);
    }
    EXPECT_THROW(require_cgroup2_dir("/nonexistent/x"), Error);
    EXPECT_THROW(require_cgroup2_dir(""), Error);
}

TEST(Preconditions, ModuleAndBpffs) {
    Paths p;
    p.module_dir = "/nonexistent/tcp_splice";
    p.bpffs = "/tmp";
    try {
        require_module(p);
        ADD_FAILURE();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("modprobe tcp_splice"), std::string::npos);
    }
    try {
        require_bpffs(p);
        ADD_FAILURE();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("mount -t bpf bpf /tmp"), std::string::npos);
    }
}

}  // namespace
}  // namespace tsp

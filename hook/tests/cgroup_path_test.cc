#include "core/cgroup_path.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "core/error.h"
#include "core/files.h"

namespace tsp {
namespace {

TEST(CgroupPath, FromProcPureV2) {
    EXPECT_EQ(cgroup_from_proc("0::/libpod_parent/libpod-abc\n"), "/libpod_parent/libpod-abc");
    EXPECT_EQ(cgroup_from_proc("0::/\n"), "/");
}

TEST(CgroupPath, FromProcHybridPicksTheV2Line) {
    EXPECT_EQ(cgroup_from_proc("12:memory:/docker/x\n1:name=systemd:/x\n0::/unified/x\n"),
              "/unified/x");
}

TEST(CgroupPath, FromProcGoneOrMissing) {
    EXPECT_FALSE(cgroup_from_proc("0::/a/b (deleted)\n"));
    EXPECT_FALSE(cgroup_from_proc("1:cpu:/a\n"));
    EXPECT_FALSE(cgroup_from_proc(""));
    EXPECT_FALSE(cgroup_from_proc("0::relative\n"));
}

TEST(CgroupPath, ExpandSlice) {
    EXPECT_EQ(expand_slice("system.slice"), "/system.slice");
    EXPECT_EQ(expand_slice("a-b-c.slice"), "/a.slice/a-b.slice/a-b-c.slice");
    EXPECT_EQ(expand_slice("-.slice"), "");
    EXPECT_EQ(expand_slice("-"), "");
    for (const char* bad : {"a", "a--b.slice", "-a.slice", "a-.slice", ".slice", "a/b.slice"})
        EXPECT_THROW(expand_slice(bad), Error) << bad;
}

TEST(CgroupPath, SystemdForms) {
    EXPECT_EQ(cgroup_from_cgroups_path("kubepods-besteffort-pod123.slice:cri-containerd:abc"),
              "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod123.slice/"
              "cri-containerd-abc.scope");
    EXPECT_EQ(cgroup_from_cgroups_path(":runc:abc"), "/system.slice/runc-abc.scope");
    EXPECT_EQ(cgroup_from_cgroups_path("-:p:n"), "/p-n.scope");
    EXPECT_EQ(cgroup_from_cgroups_path("user.slice::n"), "/user.slice/n.scope");
    EXPECT_EQ(cgroup_from_cgroups_path("machine.slice:p:my.slice"), "/machine.slice/my.slice");
}

TEST(CgroupPath, CgroupfsForms) {
    EXPECT_EQ(cgroup_from_cgroups_path("/nri-test/abc"), "/nri-test/abc");
    EXPECT_EQ(cgroup_from_cgroups_path("/a/b/"), "/a/b");
    EXPECT_FALSE(cgroup_from_cgroups_path("abc"));  // relative to runc's own cgroup
    EXPECT_FALSE(cgroup_from_cgroups_path(""));
}

TEST(CgroupPath, MalformedIsAnError) {
    for (const char* bad :
         {"a:b", "a:b:c:d", "system.slice:p:", "x.slice:p:..", "/a/../b", "bad:p:n"})
        EXPECT_THROW(cgroup_from_cgroups_path(bad), Error) << bad;
}

TEST(ContainerCgroupDir, FromCgroupsPathWhenNoPid) {
    EXPECT_EQ(container_cgroup_dir("/sys/fs/cgroup", std::nullopt,
                                   [] { return std::string("/kubepods/pod1/c1"); }),
              "/sys/fs/cgroup/kubepods/pod1/c1");
    EXPECT_EQ(container_cgroup_dir("/sys/fs/cgroup", std::nullopt,
                                   [] { return std::string("app.slice:cri-containerd:c1"); }),
              "/sys/fs/cgroup/app.slice/cri-containerd-c1.scope");
}

TEST(ContainerCgroupDir, FromThePidFirstAndCgroupsPathOnlyWhenNeeded) {
    bool asked = false;
    auto ask = [&] {
        asked = true;
        return std::string("/never");
    };
    auto mine = cgroup_from_proc(read_file("/proc/self/cgroup", 1 << 16));
    ASSERT_TRUE(mine);
    if (*mine == "/")  // a test run in the root cgroup: refused, not guessed
        EXPECT_THROW(container_cgroup_dir("/cg", getpid(), ask), Error);
    else
        EXPECT_EQ(container_cgroup_dir("/cg", getpid(), ask), "/cg" + *mine);
    EXPECT_FALSE(asked);
    // A pid that does not exist: falls back to the cgroupsPath.
    EXPECT_EQ(container_cgroup_dir("/cg", 0x3fffffff, [] { return std::string("/a/b"); }),
              "/cg/a/b");
}

TEST(ContainerCgroupDir, RefusesRootAndRelative) {
    try {
        container_cgroup_dir("/cg", std::nullopt, [] { return std::string("/"); });
        FAIL() << "root accepted";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("root cgroup"), std::string::npos);
    }
    try {
        container_cgroup_dir("/cg", std::nullopt, [] { return std::string("relative/c1"); });
        FAIL() << "relative accepted";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("cannot find the container's cgroup"),
                  std::string::npos);
    }
}

}  // namespace
}  // namespace tsp

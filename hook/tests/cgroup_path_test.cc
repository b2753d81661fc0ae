#include "core/cgroup_path.h"

#include <gtest/gtest.h>

#include "core/error.h"

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

}  // namespace
}  // namespace tsp

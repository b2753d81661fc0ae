#include "core/container_attach.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "temp_dir.h"

namespace tsp {
namespace {

bool exists(const std::string& p) {
    struct stat st;
    return ::lstat(p.c_str(), &st) == 0;
}

// No BPF here: detaching a container that has no link only touches its
// record, so private paths are enough.
struct DetachTest : ::testing::Test {
    void SetUp() override {
        top = tmp_.path();
        paths.bpffs = top + "/bpffs";
        paths.lock_file = top + "/lock";
        paths.state_dir = top + "/state";
        std::filesystem::create_directories(paths.state_dir + "/containers");
    }

    test::TempDir tmp_{"detach"};

    std::string top;
    Paths paths;
};

TEST_F(DetachTest, AMalformedRecordNeverWedgesTheContainer) {
    for (const char* junk : {R"({"id":5})", "[]", R"({"id":"c1")", ""}) {
        const std::string rec = paths.state_dir + "/containers/ctr-c1.json";
        std::ofstream(rec) << junk;
        ContainerDetach res;
        EXPECT_NO_THROW(res = detach_container(paths, "c1")) << junk;
        EXPECT_FALSE(exists(rec)) << junk;
        EXPECT_TRUE(res.found) << junk;
        EXPECT_NE(res.malformed.find(rec), std::string::npos) << res.malformed;
    }
}

TEST_F(DetachTest, AGoodRecordIsRemovedQuietly) {
    ContainerRecords(paths.state_dir)
        .save({"c1", "ctr-c1", "/sys/fs/cgroup/x", "ports=any", "nri"});
    auto res = detach_container(paths, "c1");
    EXPECT_TRUE(res.found);
    EXPECT_TRUE(res.malformed.empty());
    EXPECT_FALSE(detach_container(paths, "c1").found);
}

}  // namespace
}  // namespace tsp

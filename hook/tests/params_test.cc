#include "core/params.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "core/error.h"

namespace tsp {
namespace {

TEST(Params, RingBounds) {
    EXPECT_NO_THROW(validate_ring_kbytes(4));
    EXPECT_NO_THROW(validate_ring_kbytes(16384));
    EXPECT_NO_THROW(validate_ring_kbytes(100));
    for (long long bad : {0LL, 3LL, 16385LL, -1LL, 1LL << 40}) {
        try {
            validate_ring_kbytes(bad);
            ADD_FAILURE() << bad;
        } catch (const Error& e) {
            EXPECT_NE(std::string(e.what()).find("out of range 4..16384"), std::string::npos);
        }
    }
}

TEST(Params, BusyPollBounds) {
    EXPECT_NO_THROW(validate_busy_poll_us(0));
    EXPECT_NO_THROW(validate_busy_poll_us(50));
    EXPECT_THROW(validate_busy_poll_us(-1), Error);
    EXPECT_THROW(validate_busy_poll_us(1LL << 32), Error);
}

class ParamFiles : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/tsp-params-XXXXXX";
        dir_ = ::mkdtemp(tmpl);
        paths_.module_dir = dir_ + "/module";
        paths_.proc_counters = dir_ + "/counters";
        std::system(("mkdir -p " + paths_.module_dir + "/parameters").c_str());
    }
    void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
    void put(const std::string& path, const std::string& text) { std::ofstream(path) << text; }
    std::string dir_;
    Paths paths_;
};

TEST_F(ParamFiles, ReadsCountersAndRefcnt) {
    EXPECT_TRUE(read_module_counters(paths_).empty());
    put(paths_.proc_counters, "ring_kbytes 64\nkfunc_calls 2\nkfunc_accepted 1\n");
    auto c = read_module_counters(paths_);
    EXPECT_EQ(c.at("kfunc_calls"), 2);
    EXPECT_EQ(c.at("kfunc_accepted"), 1);
    EXPECT_FALSE(module_refcnt(paths_));
    put(paths_.module_dir + "/refcnt", "3\n");
    EXPECT_EQ(module_refcnt(paths_), 3);
}

TEST_F(ParamFiles, RingReadWrite) {
    put(paths_.ring_param(), "64\n");
    EXPECT_EQ(read_ring_kbytes(paths_), 64u);
    write_ring_kbytes(paths_, 256);
    EXPECT_EQ(read_ring_kbytes(paths_), 256u);
    EXPECT_THROW(write_ring_kbytes(paths_, 3), Error);
    EXPECT_EQ(read_ring_kbytes(paths_), 256u);  // rejected before writing
}

TEST_F(ParamFiles, BusySysctlsReadWrite) {
    paths_.busy_read = dir_ + "/busy_read";
    paths_.busy_poll = dir_ + "/busy_poll";
    EXPECT_THROW(read_busy_poll(paths_), Error);  // absent
    put(paths_.busy_read, "0\n");
    put(paths_.busy_poll, "0\n");
    write_busy_poll(paths_, 50);
    EXPECT_EQ(read_busy_poll(paths_), 50u);
    EXPECT_EQ(read_busy_read(paths_), 0u);  // each its own file
    write_busy_read(paths_, 20);
    EXPECT_EQ(read_busy_read(paths_), 20u);
    EXPECT_EQ(read_busy_poll(paths_), 50u);
}

}  // namespace
}  // namespace tsp

#include "core/pairs.h"

#include <gtest/gtest.h>

namespace tsp {
namespace {

TEST(Pairs, ParsesLines) {
    auto v = parse_pairs(
        " a=127.0.0.1:40000 b=127.0.0.1:7000 netns_a=4026531840 netns_b=4026531840 "
        "bytes_ab=10 bytes_ba=0 fill_ab=10 fill_ba=0 size=65536\n"
        " a=[::1]:1 b=[::1]:2 netns_a=1 netns_b=2 bytes_ab=0 bytes_ba=0 fill_ab=0 fill_ba=0 "
        "size=4096\n\n");
    ASSERT_EQ(v.size(), 2u);
    EXPECT_EQ(v[0].at("a"), "127.0.0.1:40000");
    EXPECT_EQ(v[0].at("fill_ab"), "10");
    EXPECT_EQ(v[1].at("b"), "[::1]:2");
}

TEST(Pairs, IgnoresJunk) {
    EXPECT_TRUE(parse_pairs("").empty());
    auto v = parse_pairs("garbage =x a=1\n");
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].size(), 1u);
}

TEST(Pairs, MissingFileIsEmpty) {
    Paths p;
    p.proc_pairs = "/nonexistent/tcp_splice_pairs";
    EXPECT_TRUE(read_pairs(p).empty());
}

}  // namespace
}  // namespace tsp

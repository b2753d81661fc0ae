#include "core/ports.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace tsp {
namespace {

using V = std::vector<std::uint16_t>;

TEST(Ports, ParsesSortsAndMerges) {
    EXPECT_EQ(parse_ports("6379"), V({6379}));
    EXPECT_EQ(parse_ports("8080,6379"), V({6379, 8080}));
    EXPECT_EQ(parse_ports(" 8080 , 6379 ,8080"), V({6379, 8080}));
    EXPECT_EQ(parse_ports("1,65535"), V({1, 65535}));
}

TEST(Ports, RejectsBadItemsNamingThem) {
    for (const char* bad : {"abc", "70000", "0", "1-2-3", "", " ", ",", "80,", ",80", "80,,81",
                            "-1", "+80", "0x50", "123456", "8 0"}) {
        try {
            parse_ports(bad);
            ADD_FAILURE() << "accepted '" << bad << "'";
        } catch (const Error& e) {
            std::string msg = e.what();
            EXPECT_NE(msg.find("port"), std::string::npos) << msg;
        }
    }
    try {
        parse_ports("80,70000");
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("'70000'"), std::string::npos);
    }
}

TEST(Ports, LimitsCount) {
    std::string list;
    for (int p = 1; p <= 64; p++) list += (p > 1 ? "," : "") + std::to_string(p);
    EXPECT_EQ(parse_ports(list).size(), 64u);
    EXPECT_THROW(parse_ports(list + ",65"), Error);
    EXPECT_EQ(parse_ports(list + ",64").size(), 64u);  // duplicates do not count
}

TEST(Ports, Formats) {
    EXPECT_EQ(format_ports({}), "any");
    EXPECT_EQ(format_ports({6379, 8080}), "6379,8080");
}

}  // namespace
}  // namespace tsp

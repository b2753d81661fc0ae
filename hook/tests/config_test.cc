#include "core/config.h"

#include <gtest/gtest.h>

#include <fstream>

#include "core/error.h"

namespace tsp {
namespace {

TEST(Config, Defaults) {
    auto c = parse_config("{}");
    EXPECT_FALSE(c.hook_strict);
    EXPECT_EQ(c.runtimes, (std::vector<std::string>{"runc", "crun"}));
    EXPECT_EQ(c.hook_path, kDefaultHookPath);
    EXPECT_EQ(c.nri_metrics_address, "");
    EXPECT_FALSE(load_config("/nonexistent/tcp-splice.json").hook_strict);
}

TEST(Config, AllMembers) {
    auto c = parse_config(R"({"hook":{"strict":true},"runtime":{"runtimes":["/usr/sbin/runc"],)"
                          R"("hook_path":"/opt/h"}})");
    EXPECT_TRUE(c.hook_strict);
    EXPECT_EQ(c.runtimes, std::vector<std::string>{"/usr/sbin/runc"});
    EXPECT_EQ(c.hook_path, "/opt/h");
    EXPECT_EQ(parse_config(R"({"nri":{"metrics_address":"127.0.0.1:9465"}})").nri_metrics_address,
              "127.0.0.1:9465");
}

TEST(Config, BadMembersNameTheFix) {
    for (const char* bad : {"[]", "{", R"({"hook":1})", R"({"hook":{"strict":"yes"}})",
                            R"({"runtime":{"runtimes":[]}})", R"({"runtime":{"runtimes":[1]}})",
                            R"({"runtime":{"hook_path":"relative"}})", R"({"nri":1})",
                            R"({"nri":{"metrics_address":9465}})"}) {
        EXPECT_THROW(parse_config(bad), Error) << bad;
    }
}

TEST(Config, OnlyOurErrorComesOut) {
    for (const char* text : {"5", "null", R"({"hook":{"strict":null}})", R"({"runtime":[]})",
                             R"({"runtime":{"runtimes":"runc"}})", R"({"runtime":{"hook_path":5}})",
                             "{\"hook\":\"\xff\"}"}) {
        try {
            parse_config(text);
        } catch (const Error&) {
        } catch (const std::exception& e) {
            ADD_FAILURE() << text << ": not our Error: " << e.what();
        }
    }
}

TEST(Config, LoadNamesTheFile) {
    const std::string path = "/tmp/tsp-config-test.json";
    std::ofstream(path) << R"({"hook":{"strict":2}})";
    try {
        load_config(path);
        ADD_FAILURE();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find(path), std::string::npos);
    }
    std::remove(path.c_str());
}

}  // namespace
}  // namespace tsp

#include "core/oci_state.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "core/error.h"
#include "core/files.h"

namespace tsp {
namespace {

std::string error_of(std::string_view json) {
    try {
        parse_state(json);
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

TEST(OciState, RuncCreateRuntime) {
    auto st = parse_state(R"({"ociVersion":"1.2.0","id":"abc","status":"creating","pid":4242,)"
                          R"("bundle":"/run/b","annotations":{"io.tcp-splice/ports":"6379"}})");
    EXPECT_EQ(st.id, "abc");
    EXPECT_EQ(st.pid, 4242);
    EXPECT_EQ(st.bundle, "/run/b");
    ASSERT_TRUE(st.annotations);
    EXPECT_EQ(st.annotations->at("io.tcp-splice/ports"), "6379");
}

TEST(OciState, CrunWithExtraFields) {
    auto st = parse_state(
        R"({"ociVersion":"1.0","id":"c1","status":"created","pid":7,"root":"/x",)"
        R"("bundle":"/b","extra":{"nested":[1,2,3]},"created":"2026-01-01T00:00:00Z"})");
    EXPECT_EQ(st.id, "c1");
    EXPECT_FALSE(st.annotations);  // absent: the hook reads config.json
}

TEST(OciState, PoststopHasNoPid) {
    auto st = parse_state(R"({"ociVersion":"1.2.0","id":"c1","status":"stopped","bundle":"/b"})");
    EXPECT_FALSE(st.pid);
}

TEST(OciState, EmptyAndNullAnnotations) {
    EXPECT_TRUE(parse_state(R"({"id":"a","annotations":{}})").annotations->empty());
    EXPECT_TRUE(parse_state(R"({"id":"a","annotations":null})").annotations->empty());
}

TEST(OciState, OddPidsAreIgnored) {
    for (const char* pid : {"0", "-5", "\"12\"", "1e3", "99999999999", "null", "true"})
        EXPECT_FALSE(parse_state(std::string(R"({"id":"a","pid":)") + pid + "}").pid) << pid;
}

TEST(OciState, MissingOrBadIdIsAClearError) {
    for (const char* bad : {R"({})", R"({"id":""})", R"({"id":5})", R"({"id":null})"})
        EXPECT_NE(error_of(bad).find("no container id"), std::string::npos) << bad;
}

TEST(OciState, NotJson) {
    EXPECT_NE(error_of("").find("not valid JSON"), std::string::npos);
    EXPECT_NE(error_of("{\"id\":").find("not valid JSON"), std::string::npos);
    EXPECT_NE(error_of("[1,2]").find("not a JSON object"), std::string::npos);
    EXPECT_NE(error_of("\"id\"").find("not a JSON object"), std::string::npos);
}

TEST(OciState, BadAnnotations) {
    EXPECT_NE(error_of(R"({"id":"a","annotations":[1]})").find("not an object"), std::string::npos);
    EXPECT_NE(error_of(R"({"id":"a","annotations":{"k":1}})").find("k is not a string"),
              std::string::npos);
}

TEST(OciState, HugeInputIsRefused) {
    std::string big = R"({"id":"a","pad":")" + std::string(kMaxStateBytes, 'x') + "\"}";
    EXPECT_NE(error_of(big).find("more than"), std::string::npos);
    EXPECT_NE(
        error_of(std::string(R"({"id":")") + std::string(2000, 'a') + "\"}").find("over 1024"),
        std::string::npos);
}

TEST(OciState, DeepNestingDoesNotCrash) {
    std::string deep =
        R"({"id":"a","x":)" + std::string(100000, '[') + std::string(100000, ']') + "}";
    EXPECT_EQ(parse_state(deep).id, "a");
}

TEST(OciState, BundleConfig) {
    auto c =
        parse_bundle_config(R"({"ociVersion":"1.2.0","annotations":{"io.tcp-splice/ports":"1"},)"
                            R"("linux":{"cgroupsPath":"system.slice:runc:x"}})");
    EXPECT_EQ(c.annotations.at("io.tcp-splice/ports"), "1");
    EXPECT_EQ(c.cgroups_path, "system.slice:runc:x");
    EXPECT_TRUE(parse_bundle_config("{}").annotations.empty());
}

// Whatever the input, nothing but our Error comes out (the hook catches
// only that before it knows the container).
TEST(OciState, OnlyOurErrorComesOut) {
    for (const char* text :
         {"5", "null", R"({"id":"a","pid":"7"})", R"({"id":"a","pid":1e99})",
          R"({"id":"a","pid":-1})", R"({"id":"a","bundle":[]})", R"({"id":"a","linux":5})",
          R"({"id":"a","linux":{"cgroupsPath":{}}})", R"({"id":"a","annotations":"x"})",
          R"({"id":"a","annotations":{"k":null}})", "{\"id\":\"\xff\"}"}) {
        for (auto* parse : {+[](std::string_view t) { parse_state(t); },
                            +[](std::string_view t) { parse_bundle_config(t); }}) {
            try {
                parse(text);
            } catch (const Error&) {
            } catch (const std::exception& e) {
                ADD_FAILURE() << text << ": not our Error: " << e.what();
            }
        }
    }
}

TEST(OciState, ReadAllStopsAtTheLimit) {
    int p[2];
    ASSERT_EQ(::pipe(p), 0);
    ASSERT_EQ(::write(p[1], "0123456789", 10), 10);
    ::close(p[1]);
    EXPECT_THROW(read_all(p[0], 5), Error);
    ::close(p[0]);
    EXPECT_THROW(read_file("/nonexistent/config.json", 10), Error);
}

}  // namespace
}  // namespace tsp

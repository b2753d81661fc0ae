#include "core/spec_hooks.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "core/error.h"
#include "core/files.h"
#include "core/oci_state.h"
#include "temp_dir.h"

namespace tsp {
namespace {

using nlohmann::ordered_json;

const char* kHook = "/usr/libexec/tcp-splice/tcp-splice-hook";

ordered_json spec_with(const char* annotations) {
    return ordered_json::parse(std::string(R"({"ociVersion":"1.2.0","zeta":{"keep":true},)") +
                               R"("annotations":)" + annotations +
                               R"(,"hooks":{"prestart":[{"path":"/other"}]},"alpha":1})");
}

TEST(SpecHooks, RequestDetection) {
    EXPECT_TRUE(spec_requests_splice(spec_with(R"({"io.tcp-splice/ports":"6379"})")));
    EXPECT_FALSE(spec_requests_splice(spec_with(R"({"other":"x"})")));
    EXPECT_FALSE(spec_requests_splice(ordered_json::parse(R"({"ociVersion":"1"})")));
    EXPECT_FALSE(spec_requests_splice(ordered_json::parse(R"({"annotations":[1]})")));
}

TEST(SpecHooks, AddsBothStagesKeepingEverythingElse) {
    auto spec = spec_with(R"({"io.tcp-splice/ports":"6379"})");
    ASSERT_TRUE(add_splice_hooks(spec, kHook));
    const auto& hooks = spec["hooks"];
    EXPECT_EQ(hooks["prestart"][0]["path"], "/other");
    EXPECT_EQ(hooks["createRuntime"][0]["path"], kHook);
    EXPECT_EQ(hooks["createRuntime"][0]["args"],
              ordered_json({"tcp-splice-hook", "createRuntime"}));
    EXPECT_EQ(hooks["poststop"][0]["args"], ordered_json({"tcp-splice-hook", "poststop"}));
    EXPECT_EQ(spec["zeta"]["keep"], true);
    // Member order is what the runtime wrote.
    std::vector<std::string> keys;
    for (auto it = spec.begin(); it != spec.end(); ++it) keys.push_back(it.key());
    EXPECT_EQ(keys,
              (std::vector<std::string>{"ociVersion", "zeta", "annotations", "hooks", "alpha"}));
}

TEST(SpecHooks, Idempotent) {
    auto spec = spec_with(R"({"io.tcp-splice/ports":"6379"})");
    ASSERT_TRUE(add_splice_hooks(spec, kHook));
    EXPECT_FALSE(add_splice_hooks(spec, kHook));
    EXPECT_EQ(spec["hooks"]["createRuntime"].size(), 1u);
}

TEST(SpecHooks, WrongShapesAreErrors) {
    auto a = ordered_json::parse(R"({"hooks":[]})");
    EXPECT_THROW(add_splice_hooks(a, kHook), Error);
    auto b = ordered_json::parse(R"({"hooks":{"poststop":{}}})");
    EXPECT_THROW(add_splice_hooks(b, kHook), Error);
}

class SpecFile : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = tmp_.path();
        path_ = dir_ + "/config.json";
    }
    void write(const std::string& s) {
        std::ofstream(path_) << s;
        ::chmod(path_.c_str(), 0640);
    }
    test::TempDir tmp_{"spec"};
    std::string dir_, path_;
};

TEST_F(SpecFile, RewritesInPlaceKeepingMode) {
    write(spec_with(R"({"io.tcp-splice/ports":"6379"})").dump(4));
    ASSERT_TRUE(add_splice_hooks_to_file(path_, kHook));
    auto back = ordered_json::parse(read_file(path_, 1 << 20));
    EXPECT_EQ(back["hooks"]["createRuntime"][0]["path"], kHook);
    struct stat st;
    ASSERT_EQ(::stat(path_.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0640u);
    EXPECT_FALSE(add_splice_hooks_to_file(path_, kHook));
}

TEST_F(SpecFile, UnannotatedIsLeftByteForByte) {
    const std::string text = "{ \"ociVersion\" : \"1.2.0\" }\n";
    write(text);
    EXPECT_FALSE(add_splice_hooks_to_file(path_, kHook));
    EXPECT_EQ(read_file(path_, 1 << 20), text);
}

TEST_F(SpecFile, BadFilesAreErrors) {
    write("{not json");
    EXPECT_THROW(add_splice_hooks_to_file(path_, kHook), Error);
    EXPECT_THROW(add_splice_hooks_to_file(dir_ + "/missing.json", kHook), Error);
}

// Entries of someone else's making that are not hooks at all: ours goes in
// next to them, and nothing but our Error ever comes out.
TEST_F(SpecFile, OddHookEntriesAreKeptNotFatal) {
    write(R"({"annotations":{"io.tcp-splice/ports":"1"},)"
          R"("hooks":{"createRuntime":[{"path":5},"x",{"args":[]}],"poststop":[]}})");
    ASSERT_NO_THROW(add_splice_hooks_to_file(path_, kHook));
    auto back = ordered_json::parse(read_file(path_, 1 << 20));
    EXPECT_EQ(back["hooks"]["createRuntime"].size(), 4u);
    EXPECT_EQ(back["hooks"]["createRuntime"][3]["path"], kHook);
    EXPECT_EQ(back["hooks"]["createRuntime"][0]["path"], 5);
    for (const char* bad : {"[]", R"("x")",
                            R"({"annotations":{"io.tcp-splice/ports":"1"},)"
                            R"("hooks":{"poststop":7}})"}) {
        write(bad);
        try {
            add_splice_hooks_to_file(path_, kHook);
        } catch (const Error&) {
        } catch (const std::exception& e) {
            ADD_FAILURE() << bad << ": not our Error: " << e.what();
        }
    }
}

}  // namespace
}  // namespace tsp

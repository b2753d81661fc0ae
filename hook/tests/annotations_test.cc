#include "core/annotations.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace tsp {
namespace {

using V = std::vector<std::uint16_t>;

TEST(Annotations, NoneOfOursIsNotARequest) {
    auto r = parse_annotations({{"org.opencontainers.image.ref.name", "x"}});
    EXPECT_FALSE(r.requested);
    EXPECT_TRUE(r.ok());
}

TEST(Annotations, PortsWithDefaults) {
    auto r = parse_annotations({{"io.tcp-splice/ports", " 8080, 6379 ,6379"}});
    EXPECT_TRUE(r.requested);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.policy.ports, V({6379, 8080}));
    EXPECT_TRUE(r.policy.enabled);
    EXPECT_FALSE(r.policy.loopback_only);  // containers talk over veth
    EXPECT_FALSE(r.strict);
}

TEST(Annotations, StarMeansAnyPort) {
    auto r = parse_annotations({{"io.tcp-splice/ports", " * "}});
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r.policy.ports.empty());
}

TEST(Annotations, BadPortsAreOneClearErrorEach) {
    for (const char* bad : {"abc", "70000", "1-2-3", "", "   ", "80,,81", "0"}) {
        auto r = parse_annotations({{"io.tcp-splice/ports", bad}});
        EXPECT_TRUE(r.requested) << bad;
        ASSERT_EQ(r.errors.size(), 1u) << bad;
        EXPECT_NE(r.errors[0].find("io.tcp-splice/ports"), std::string::npos) << r.errors[0];
        EXPECT_EQ(r.errors[0].find('\n'), std::string::npos);
    }
}

TEST(Annotations, Booleans) {
    auto r = parse_annotations({{"io.tcp-splice/ports", "6379"},
                                {"io.tcp-splice/loopback-only", " TRUE "},
                                {"io.tcp-splice/enabled", "False"},
                                {"io.tcp-splice/strict", "true"}});
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r.policy.loopback_only);
    EXPECT_FALSE(r.policy.enabled);
    EXPECT_TRUE(r.strict);
}

TEST(Annotations, BadBooleansNameKeyAndFix) {
    for (const char* bad : {"yes", "1", "", "truee", "on"}) {
        auto r = parse_annotations({{"io.tcp-splice/loopback-only", bad}});
        ASSERT_EQ(r.errors.size(), 1u) << bad;
        EXPECT_NE(r.errors[0].find("io.tcp-splice/loopback-only"), std::string::npos);
        EXPECT_NE(r.errors[0].find("true or false"), std::string::npos);
    }
}

TEST(Annotations, StrictDefaultFromConfigAndOverride) {
    EXPECT_TRUE(parse_annotations({{"io.tcp-splice/ports", "1"}}, true).strict);
    EXPECT_FALSE(
        parse_annotations({{"io.tcp-splice/ports", "1"}, {"io.tcp-splice/strict", "false"}}, true)
            .strict);
}

TEST(Annotations, UnknownKeyWarnsButAttaches) {
    auto r = parse_annotations({{"io.tcp-splice/port", "6379"}, {"io.tcp-splice/ports", "*"}});
    EXPECT_TRUE(r.requested);
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(action_of(r), RequestAction::kAttach);
    ASSERT_EQ(r.warnings.size(), 1u);
    EXPECT_NE(r.warnings[0].find("io.tcp-splice/port "), std::string::npos);
}

TEST(Annotations, HostileValuesAreShortenedAndPrintable) {
    std::string big(100000, 'x');
    big[3] = '\n';
    auto r = parse_annotations({{"io.tcp-splice/enabled", big}});
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_LT(r.errors[0].size(), 200u);
    EXPECT_EQ(r.errors[0].find('\n'), std::string::npos);
}

TEST(Annotations, ParseBool) {
    EXPECT_TRUE(parse_bool("k", "True"));
    EXPECT_FALSE(parse_bool("k", "\tfalse\n"));
    EXPECT_THROW(parse_bool("k", "0"), Error);
}

// What the hook and the NRI plugin do with a set of annotations, now that
// hooks.d passes every io.tcp-splice/ key to the hook.
TEST(Annotations, ActionOfEachKindOfSet) {
    EXPECT_EQ(action_of(parse_annotations({{"other", "x"}})), RequestAction::kNone);
    EXPECT_EQ(action_of(parse_annotations({{"io.tcp-splice/ports", "6379"}})),
              RequestAction::kAttach);
    EXPECT_EQ(action_of(parse_annotations({{"io.tcp-splice/loopback-only", "true"}})),
              RequestAction::kAttach);
    EXPECT_EQ(action_of(parse_annotations({{"io.tcp-splice/ports", "x"}})),
              RequestAction::kInvalid);
    EXPECT_EQ(action_of(parse_annotations(
                  {{"io.tcp-splice/ports", "6379"}, {"io.tcp-splice/enabled", "false"}})),
              RequestAction::kOptOut);
}

TEST(Annotations, OnlyEnabledFalseIsAnOptOutWithNoSplicing) {
    auto r = parse_annotations({{"io.tcp-splice/enabled", "false"}});
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r.warnings.empty());
    EXPECT_EQ(action_of(r), RequestAction::kOptOut);
    EXPECT_FALSE(r.policy.enabled);
    EXPECT_NE(describe(r.policy).find("disabled"), std::string::npos);
    EXPECT_EQ(action_of(parse_annotations({{"io.tcp-splice/enabled", "true"}})),
              RequestAction::kAttach);
}

TEST(Annotations, StrictOrUnknownKeysAloneAttachNothing) {
    for (const Annotations& a :
         {Annotations{{"io.tcp-splice/strict", "true"}}, Annotations{{"io.tcp-splice/port", "80"}},
          Annotations{{"io.tcp-splice/strict", "false"}, {"io.tcp-splice/x", "y"}}}) {
        auto r = parse_annotations(a);
        EXPECT_TRUE(r.requested);
        EXPECT_TRUE(r.ok());
        EXPECT_EQ(action_of(r), RequestAction::kNoPolicy);
        ASSERT_FALSE(r.warnings.empty());
        EXPECT_NE(r.warnings.back().find("not attached"), std::string::npos) << r.warnings.back();
    }
}

TEST(Annotations, ABadValueWithoutPortsIsInvalidNotIgnored) {
    auto r = parse_annotations({{"io.tcp-splice/enabled", "no"}});
    EXPECT_EQ(action_of(r), RequestAction::kInvalid);
    EXPECT_TRUE(r.warnings.empty());
}

}  // namespace
}  // namespace tsp

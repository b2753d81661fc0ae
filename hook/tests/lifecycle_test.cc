#include "core/lifecycle.h"

#include <gtest/gtest.h>

#include <set>

namespace tsp {
namespace {

ContainerRecord rec(const std::string& id, const std::string& cgroup) {
    return {id, attachment_name(id), cgroup, "", "oci-hook"};
}

Attachment att(const std::string& name, std::uint64_t id) {
    Attachment a;
    a.name = name;
    a.cgroup_id = id;
    return a;
}

struct World {
    std::set<std::string> dirs;
    std::set<std::uint64_t> live, unknown;

    GcPlan plan(const std::vector<ContainerRecord>& r, const std::vector<Attachment>& a) const {
        return plan_gc(
            r, a, [this](const std::string& d) { return dirs.count(d) > 0; },
            [this](std::uint64_t id) {
                if (unknown.count(id)) return CgroupState::kUnknown;
                return live.count(id) ? CgroupState::kLive : CgroupState::kGone;
            });
    }
};

std::vector<std::string> names(const std::vector<Attachment>& v) {
    std::vector<std::string> out;
    for (const auto& a : v) out.push_back(a.name);
    return out;
}

TEST(PlanGc, LiveOnesStay) {
    World w{{"/cg/a"}, {11, 12}, {}};
    auto p = w.plan({rec("a", "/cg/a")}, {att("ctr-a", 11), att("host", 12)});
    EXPECT_TRUE(p.records.empty());
    EXPECT_TRUE(p.attachments.empty());
    EXPECT_TRUE(p.kept.empty());
}

TEST(PlanGc, AGoneContainerTakesItsRecordAndLink) {
    World w{{"/cg/a"}, {11}, {}};
    auto p = w.plan({rec("a", "/cg/a"), rec("b", "/cg/b")}, {att("ctr-a", 11), att("ctr-b", 0)});
    ASSERT_EQ(p.records.size(), 1u);
    EXPECT_EQ(p.records[0].id, "b");
    EXPECT_TRUE(p.attachments.empty()) << "ctr-b goes with its record, not twice";
}

TEST(PlanGc, ALinkOnAGoneCgroupWithoutARecordGoes) {
    // id 0: the kernel detached it when the cgroup was released; 13: removed,
    // not yet released.
    World w{{}, {11}, {}};
    auto p = w.plan({}, {att("host", 11), att("ctr-x", 0), att("ctr-y", 13)});
    EXPECT_EQ(names(p.attachments), (std::vector<std::string>{"ctr-x", "ctr-y"}));
}

TEST(PlanGc, ARecordWithoutALinkGoesWhenItsCgroupDoes) {
    World w{{}, {}, {}};
    auto p = w.plan({rec("a", "/cg/a")}, {});
    ASSERT_EQ(p.records.size(), 1u);
}

TEST(PlanGc, ARecordWhosePathIsMissingHereButWhoseLinkIsLiveStays) {
    World w{{}, {11}, {}};
    auto p = w.plan({rec("a", "/elsewhere/a")}, {att("ctr-a", 11)});
    EXPECT_TRUE(p.records.empty());
    EXPECT_TRUE(p.attachments.empty());
    ASSERT_EQ(p.kept.size(), 1u);
    EXPECT_NE(p.kept[0].find("live"), std::string::npos);
}

TEST(PlanGc, WhatCannotBeToldStays) {
    World w{{}, {}, {11, 12}};
    auto p = w.plan({rec("a", "/cg/a")}, {att("ctr-a", 11), att("host", 12)});
    EXPECT_TRUE(p.records.empty());
    EXPECT_TRUE(p.attachments.empty());
    EXPECT_EQ(p.kept.size(), 2u);
}

}  // namespace
}  // namespace tsp

#include "core/containers.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "core/program.h"

namespace tsp {
namespace {

TEST(Containers, AttachmentNames) {
    EXPECT_EQ(attachment_name("abc123"), "ctr-abc123");
    const std::string long_id(200, 'a');
    for (const std::string& id : {long_id, std::string("a/b"), std::string("x+y")}) {
        auto n = attachment_name(id);
        EXPECT_TRUE(Program::valid_name(n)) << n;
        EXPECT_EQ(n.rfind("ctr-h", 0), 0u) << n;
    }
    EXPECT_NE(attachment_name("a/b"), attachment_name("a/c"));
}

TEST(Containers, RecordsRoundTrip) {
    char tmpl[] = "/tmp/tsp-records-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    ContainerRecords recs(std::string(tmpl) + "/state");
    EXPECT_FALSE(recs.load("c1"));
    recs.save({"c1", "ctr-c1", "/sys/fs/cgroup/x", "ports=6379", "oci-hook"});
    recs.save({"a/b", attachment_name("a/b"), "/sys/fs/cgroup/y", "ports=any", "nri"});
    auto r = recs.load("c1");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->cgroup, "/sys/fs/cgroup/x");
    EXPECT_EQ(r->source, "oci-hook");
    EXPECT_EQ(recs.load("a/b")->cgroup, "/sys/fs/cgroup/y");
    EXPECT_EQ(recs.all().size(), 2u);
    EXPECT_TRUE(recs.remove("c1"));
    EXPECT_FALSE(recs.remove("c1"));
    EXPECT_FALSE(recs.load("c1"));
    std::filesystem::remove_all(tmpl);
}

}  // namespace
}  // namespace tsp

#include "core/containers.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>

#include "core/error.h"
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

TEST(Containers, RecordsKeepTheirPod) {
    char tmpl[] = "/tmp/tsp-records-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    ContainerRecords recs(std::string(tmpl) + "/state");
    recs.save({"c1", "ctr-c1", "/sys/fs/cgroup/x", "ports=any", "nri", "web-0", "shop"});
    recs.save({"c2", "ctr-c2", "/sys/fs/cgroup/y", "ports=any", "oci-hook"});
    auto r = recs.load("c1");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->pod, "web-0");
    EXPECT_EQ(r->pod_namespace, "shop");
    auto r2 = recs.load("c2");
    ASSERT_TRUE(r2);
    EXPECT_EQ(r2->pod, "");
    EXPECT_EQ(r2->pod_namespace, "");
    // Records without a pod leave the members out.
    std::ifstream in(recs.dir() + "/ctr-c2.json");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(text.find("pod"), std::string::npos) << text;
    std::filesystem::remove_all(tmpl);
}

// A records directory with one good record next to every kind of junk a
// crash, a full disk or a careless operator can leave there.
struct JunkRecords : ::testing::Test {
    void SetUp() override {
        char tmpl[] = "/tmp/tsp-records-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        top = tmpl;
        recs.emplace(top + "/state");
        recs->save({"good", "ctr-good", "/sys/fs/cgroup/g", "ports=any", "nri"});
        const std::string dir = recs->dir();
        std::ofstream(dir + "/ctr-a.json") << R"({"id":5})";
        std::ofstream(dir + "/ctr-b.json") << "[]";
        std::ofstream(dir + "/ctr-c.json") << R"("x")";
        std::ofstream(dir + "/ctr-d.json") << R"({"id":"d","cgroup":"/sys/fs)";
        std::ofstream(dir + "/ctr-e.json") << R"({"id":"e","cgroup":7})";
        std::ofstream(dir + "/ctr-f.json") << "";
        std::ofstream(dir + "/ctr-g.json") << R"({"id":"someone-else"})";
        std::ofstream(dir + "/ctr-h.json")
            << R"({"id":"h","x":")" << std::string(1 << 20, 'x') << R"("})";
        std::filesystem::create_directory(dir + "/ctr-i.json");
    }
    void TearDown() override { std::filesystem::remove_all(top); }

    std::string top;
    std::optional<ContainerRecords> recs;
};

TEST_F(JunkRecords, AllSkipsThemAndKeepsTheGoodOne) {
    std::vector<ContainerRecord> got;
    ASSERT_NO_THROW(got = recs->all());
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].id, "good");
    EXPECT_EQ(got[0].cgroup, "/sys/fs/cgroup/g");
}

TEST_F(JunkRecords, EachSkippedOneIsReportedOnceByName) {
    std::vector<std::string> skipped;
    EXPECT_EQ(recs->all(&skipped).size(), 1u);
    ASSERT_EQ(skipped.size(), 9u);
    for (const char* id : {"a", "b", "c", "d", "e", "f", "g", "h", "i"}) {
        const std::string file = recs->dir() + "/ctr-" + id + ".json";
        int n = 0;
        for (const auto& line : skipped) n += line.find(file) != std::string::npos;
        EXPECT_EQ(n, 1) << file;
    }
}

TEST(Containers, ParseRecordSaysWhatIsWrong) {
    auto why = [](std::string_view text) -> std::string {
        try {
            parse_record(text, "/r/x.json");
            return "";
        } catch (const Error& e) {
            return e.what();
        }
    };
    EXPECT_EQ(why(R"({"id":5})"), "/r/x.json is not a container record: id is not a string");
    EXPECT_EQ(why("[]"), "/r/x.json is not a container record: not a JSON object");
    EXPECT_EQ(why(R"({"id":"c1")"), "/r/x.json is not a container record: not valid JSON");
    EXPECT_EQ(why(R"({"cgroup":"/x"})"), "/r/x.json is not a container record: no container id");
    EXPECT_NE(why(R"({"id":"c1","attachment":"ctr-c2"})").find("'ctr-c2' is not ctr-c1"),
              std::string::npos);
    EXPECT_NE(why(R"({"id":")" + std::string(2000, 'a') + R"("})").find("over 1024"),
              std::string::npos);
    EXPECT_EQ(why(R"({"id":"c1","pod":5})"),
              "/r/x.json is not a container record: pod is not a string");
    EXPECT_EQ(why(R"({"id":"c1","pod_namespace":["x"]})"),
              "/r/x.json is not a container record: pod_namespace is not a string");
    auto r = parse_record(R"({"id":"c1","source":"nri","extra":[1]})", "/r/x.json");
    EXPECT_EQ(r.attachment, "ctr-c1");  // older records may lack it
    EXPECT_EQ(r.source, "nri");
    EXPECT_EQ(r.pod, "");  // and the pod
    r = parse_record(R"({"id":"c1","pod":"web-0","pod_namespace":"shop"})", "/r/x.json");
    EXPECT_EQ(r.pod, "web-0");
    EXPECT_EQ(r.pod_namespace, "shop");
}

TEST_F(JunkRecords, LoadingOneThrowsOurErrorNamingTheFile) {
    for (const char* id : {"a", "b", "c", "d", "e", "f", "h", "i"}) {
        const std::string file = recs->dir() + "/ctr-" + id + ".json";
        try {
            recs->load(id);
            ADD_FAILURE() << id << ": loaded";
        } catch (const Error& e) {
            EXPECT_NE(std::string(e.what()).find(file), std::string::npos) << e.what();
        } catch (const std::exception& e) {
            ADD_FAILURE() << id << ": not our Error: " << e.what();
        }
    }
    EXPECT_EQ(recs->load("good")->source, "nri");
}

}  // namespace
}  // namespace tsp

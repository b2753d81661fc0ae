// The plugin over the real records (CoreBackend) behind the bounded
// backend, as tcp-splice-nri runs it: malformed record files next to good
// ones never stop reconciliation.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "backend.h"
#include "bounded_backend.h"
#include "core/containers.h"
#include "nri_api.pb.h"
#include "plugin.h"

namespace tsp::nri {
namespace {
namespace api = ::nri::pkg::api::v1alpha1;
using namespace std::chrono_literals;

bool exists(const std::string& p) {
    struct stat st;
    return ::lstat(p.c_str(), &st) == 0;
}

std::string make_top() {
    char tmpl[] = "/tmp/tsp-nri-records-XXXXXX";
    if (!::mkdtemp(tmpl)) throw Error("mkdtemp failed");
    return tmpl;
}

// Everything under a private directory: no module, no bpffs, no cgroups.
Paths paths_under(const std::string& top) {
    Paths p;
    p.bpffs = top + "/bpffs";
    p.lock_file = top + "/lock";
    p.state_dir = top + "/state";
    p.module_dir = top + "/no-module";
    p.cgroup_root = top + "/cgroup";
    return p;
}

struct RecordsResync : ::testing::Test {
    void TearDown() override { std::filesystem::remove_all(top); }

    std::string record(const std::string& id) const {
        return paths.state_dir + "/containers/" + attachment_name(id) + ".json";
    }
    // The plugin's view of one resync: containerd lists `live` containers.
    Reply synchronize(const std::vector<std::string>& live) {
        api::SynchronizeRequest s;
        auto* p = s.add_pods();
        p->set_id("p1");
        p->set_name("pod");
        for (const auto& id : live) {
            auto* c = s.add_containers();
            c->set_id(id);
            c->set_pod_sandbox_id("p1");
            c->set_name(id);
            c->set_state(api::CONTAINER_RUNNING);
        }
        std::string bytes;
        s.SerializeToString(&bytes);
        return plugin.handle(kPluginService, "Synchronize", bytes);
    }

    std::string top = make_top();
    Paths paths = paths_under(top);
    Log log{"tsp-nri-test", false};
    CoreBackend core{paths, log};
    BoundedBackend backend{core, log, 1000ms};
    Plugin plugin{backend, log, false};
};

TEST_F(RecordsResync, MalformedRecordsNeitherCrashNorStopReconciliation) {
    ContainerRecords records(paths.state_dir);
    records.save({"gone", attachment_name("gone"), "/sys/fs/cgroup/x", "ports=any", "nri"});
    records.save({"live", attachment_name("live"), "/sys/fs/cgroup/y", "ports=any", "nri"});
    const std::string dir = records.dir();
    std::ofstream(dir + "/ctr-a.json") << R"({"id":5})";
    std::ofstream(dir + "/ctr-b.json") << "[]";
    std::ofstream(dir + "/ctr-c.json") << R"("x")";
    std::ofstream(dir + "/ctr-d.json") << R"({"id":"d",)";
    std::ofstream(dir + "/ctr-e.json") << std::string(1 << 20, ' ');
    std::filesystem::create_directory(dir + "/ctr-f.json");

    for (int round = 0; round < 2; ++round) {  // every resync, not just the first
        Reply r = synchronize({"live"});
        EXPECT_EQ(r.code, Code::Ok) << r.message;
    }
    EXPECT_FALSE(exists(record("gone"))) << "the stale good record is reconciled";
    EXPECT_TRUE(exists(record("live")));
    for (const char* junk : {"a", "b", "c", "d", "e", "f"})
        EXPECT_TRUE(exists(dir + "/ctr-" + junk + ".json")) << "left for the operator";
}

}  // namespace
}  // namespace tsp::nri

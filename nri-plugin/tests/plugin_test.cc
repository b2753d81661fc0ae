#include "plugin.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <optional>

#include "core/failures.h"
#include "events.h"
#include "fake_backend.h"
#include "nri_api.pb.h"

namespace tsp::nri {
namespace {
namespace api = ::nri::pkg::api::v1alpha1;

api::PodSandbox pod(const std::string& id, std::map<std::string, std::string> ann) {
    api::PodSandbox p;
    p.set_id(id);
    p.set_name("pod-" + id);
    p.set_namespace_("default");
    for (auto& [k, v] : ann) (*p.mutable_annotations())[k] = v;
    return p;
}

api::Container ctr(const std::string& id, const std::string& pod_id, const std::string& name,
                   api::ContainerState st = api::CONTAINER_RUNNING) {
    api::Container c;
    c.set_id(id);
    c.set_pod_sandbox_id(pod_id);
    c.set_name(name);
    c.set_state(st);
    c.mutable_linux()->set_cgroups_path("/kubepods/" + id);
    return c;
}

template <typename M>
std::string bytes(const M& m) {
    std::string s;
    m.SerializeToString(&s);
    return s;
}

struct PluginTest : ::testing::Test {
    FakeBackend backend;
    Log log{"tsp-nri-test", false};
    Plugin plugin{backend, log, false};

    Reply call(const std::string& method, const std::string& payload) {
        return plugin.handle(kPluginService, method, payload);
    }
    Reply event(Event e, const api::PodSandbox& p, const api::Container* c = nullptr) {
        api::StateChangeEvent ev;
        ev.set_event(static_cast<api::Event>(static_cast<int>(e)));
        *ev.mutable_pod() = p;
        if (c) *ev.mutable_container() = *c;
        return call("StateChange", bytes(ev));
    }
};

TEST_F(PluginTest, ConfigureAnswersOurMask) {
    api::ConfigureRequest req;
    req.set_runtime_name("containerd");
    Reply r = call("Configure", bytes(req));
    ASSERT_EQ(r.code, Code::Ok);
    api::ConfigureResponse resp;
    ASSERT_TRUE(resp.ParseFromString(r.payload));
    EXPECT_EQ(static_cast<std::uint32_t>(resp.events()), kEventMask);
    EXPECT_TRUE(plugin.configured());
}

TEST_F(PluginTest, UnknownMethodsAndServicesAreUnimplemented) {
    EXPECT_EQ(call("PostStartContainer", "").code, Code::Unimplemented);
    EXPECT_EQ(call("StartContainer", "").code, Code::Unimplemented);
    EXPECT_EQ(call("RunPodSandbox", "").code, Code::Unimplemented);
    EXPECT_EQ(plugin.handle("some.Other", "Configure", "").code, Code::Unimplemented);
}

TEST_F(PluginTest, UndecodablePayloadIsInvalidArgument) {
    EXPECT_EQ(call("Configure", "\xff\xff\xff").code, Code::InvalidArgument);
    EXPECT_EQ(call("StateChange", "\x0a\xff").code, Code::InvalidArgument);
}

TEST_F(PluginTest, StartAttachesAnnotatedContainersOnly) {
    auto p = pod("p1", {{"io.tcp-splice/ports", "6379"}});
    auto c = ctr("c1", "p1", "redis");
    EXPECT_EQ(event(Event::StartContainer, p, &c).code, Code::Ok);
    EXPECT_EQ(backend.attached_on.at("c1"), "/sys/fs/cgroup/kubepods/c1");

    auto q = pod("p2", {});
    auto d = ctr("c2", "p2", "web");
    event(Event::StartContainer, q, &d);
    EXPECT_FALSE(backend.attached_on.count("c2"));
}

TEST_F(PluginTest, MalformedAnnotationNeverAttachesNorFails) {
    auto p = pod("p1", {{"io.tcp-splice/ports", "70000"}});
    auto c = ctr("c1", "p1", "app");
    api::CreateContainerRequest cr;
    *cr.mutable_pod() = p;
    *cr.mutable_container() = c;
    EXPECT_EQ(call("CreateContainer", bytes(cr)).code, Code::Ok);
    EXPECT_EQ(event(Event::StartContainer, p, &c).code, Code::Ok);
    EXPECT_TRUE(backend.attached_on.empty());
}

TEST_F(PluginTest, StrictMalformedAnnotationFailsCreation) {
    auto p = pod("p1", {{"io.tcp-splice/ports", "abc"}, {"io.tcp-splice/strict", "true"}});
    auto c = ctr("c1", "p1", "app");
    api::CreateContainerRequest cr;
    *cr.mutable_pod() = p;
    *cr.mutable_container() = c;
    Reply r = call("CreateContainer", bytes(cr));
    EXPECT_EQ(r.code, Code::FailedPrecondition);
    EXPECT_NE(r.message.find("default/pod-p1/app"), std::string::npos) << r.message;
}

TEST_F(PluginTest, AttachFailureIsLoggedNotReturned) {
    backend.fail_attach = "c1";
    auto p = pod("p1", {{"io.tcp-splice/ports", "*"}});
    auto c = ctr("c1", "p1", "app");
    EXPECT_EQ(event(Event::StartContainer, p, &c).code, Code::Ok);
    EXPECT_TRUE(backend.attached_on.empty());
}

TEST_F(PluginTest, StrictAttachFailureFailsTheStartWithOurReason) {
    backend.fail_attach = "c1";
    auto p = pod("p1", {{"io.tcp-splice/ports", "*"}, {"io.tcp-splice/strict", "true"}});
    auto c = ctr("c1", "p1", "app");
    Reply r = event(Event::StartContainer, p, &c);
    EXPECT_EQ(r.code, Code::FailedPrecondition);
    EXPECT_NE(r.message.find("tcp-splice: container default/pod-p1/app (c1)"), std::string::npos)
        << r.message;
    EXPECT_NE(r.message.find("module not loaded"), std::string::npos) << r.message;
    EXPECT_TRUE(backend.attached_on.empty());
}

TEST_F(PluginTest, StrictFromTheConfigFailsTheStartToo) {
    Plugin strict_plugin{backend, log, true};
    backend.fail_attach = "c1";
    auto p = pod("p1", {{"io.tcp-splice/ports", "*"}});
    auto c = ctr("c1", "p1", "app");
    api::StateChangeEvent ev;
    ev.set_event(static_cast<api::Event>(static_cast<int>(Event::StartContainer)));
    *ev.mutable_pod() = p;
    *ev.mutable_container() = c;
    EXPECT_EQ(strict_plugin.handle(kPluginService, "StateChange", bytes(ev)).code,
              Code::FailedPrecondition);
}

TEST_F(PluginTest, StrictMissingCgroupFailsTheStart) {
    auto p = pod("p1", {{"io.tcp-splice/ports", "*"}, {"io.tcp-splice/strict", "true"}});
    auto c = ctr("c1", "p1", "app");
    c.mutable_linux()->clear_cgroups_path();
    Reply r = event(Event::StartContainer, p, &c);
    EXPECT_EQ(r.code, Code::FailedPrecondition);
    EXPECT_NE(r.message.find("cannot find the container's cgroup"), std::string::npos) << r.message;
}

TEST_F(PluginTest, StrictAttachStillRunningAtTheDeadlineFailsTheStartAndIsUndone) {
    backend.defer_attach = "c1";
    auto p = pod("p1", {{"io.tcp-splice/ports", "*"}, {"io.tcp-splice/strict", "true"}});
    auto c = ctr("c1", "p1", "app");
    Reply r = event(Event::StartContainer, p, &c);
    EXPECT_EQ(r.code, Code::FailedPrecondition);
    EXPECT_NE(r.message.find("timed out"), std::string::npos) << r.message;
    EXPECT_NE(r.message.find("(c1)"), std::string::npos) << r.message;
    EXPECT_TRUE(backend.attached_on.empty()) << "the late attach must be undone";
}

TEST_F(PluginTest, NonStrictAttachStillRunningAtTheDeadlineStarts) {
    backend.defer_attach = "c1";
    auto p = pod("p1", {{"io.tcp-splice/ports", "*"}});
    auto c = ctr("c1", "p1", "app");
    EXPECT_EQ(event(Event::StartContainer, p, &c).code, Code::Ok);
    EXPECT_TRUE(backend.attached_on.count("c1")) << "it finishes in the background";
}

// Not our Error (a library's exception): fail-open still holds, strict
// still fails, and nothing escapes handle().
TEST(PluginForeignExceptions, AreThatRequestsErrorOnly) {
    struct Throwing : FakeBackend {
        bool attach(const std::string&, const std::string&, const Policy&, const PodRef&) override {
            throw std::logic_error("type must be string, but is number");
        }
        std::vector<std::string> attached() override { throw std::runtime_error("bad record"); }
    } backend;
    Log log{"tsp-nri-test", false};
    Plugin plugin{backend, log, false};
    auto start = [&](bool strict) {
        api::StateChangeEvent ev;
        ev.set_event(static_cast<api::Event>(static_cast<int>(Event::StartContainer)));
        *ev.mutable_pod() = pod("p1", {{"io.tcp-splice/ports", "*"},
                                       {"io.tcp-splice/strict", strict ? "true" : "false"}});
        *ev.mutable_container() = ctr("c1", "p1", "app");
        return plugin.handle(kPluginService, "StateChange", bytes(ev));
    };
    EXPECT_EQ(start(false).code, Code::Ok);
    Reply r = start(true);
    EXPECT_EQ(r.code, Code::FailedPrecondition);
    EXPECT_NE(r.message.find("type must be string"), std::string::npos) << r.message;
    api::SynchronizeRequest s;
    EXPECT_EQ(plugin.handle(kPluginService, "Synchronize", bytes(s)).code, Code::Ok);
}

TEST_F(PluginTest, StrictAttachFailureInSynchronizeFailsNothing) {
    backend.fail_attach = "c1";
    api::SynchronizeRequest s;
    *s.add_pods() = pod("p1", {{"io.tcp-splice/ports", "*"}, {"io.tcp-splice/strict", "true"}});
    *s.add_containers() = ctr("c1", "p1", "app");
    EXPECT_EQ(call("Synchronize", bytes(s)).code, Code::Ok);
}

TEST_F(PluginTest, StopAndRemoveDetach) {
    auto p = pod("p1", {{"io.tcp-splice/ports", "*"}});
    auto c = ctr("c1", "p1", "app");
    event(Event::StartContainer, p, &c);
    api::StopContainerRequest sr;
    *sr.mutable_pod() = p;
    *sr.mutable_container() = c;
    EXPECT_EQ(call("StopContainer", bytes(sr)).code, Code::Ok);
    EXPECT_TRUE(backend.attached_on.empty());
    EXPECT_EQ(event(Event::RemoveContainer, p, &c).code, Code::Ok);
    EXPECT_EQ(backend.detached, (std::vector<std::string>{"c1", "c1"}));
}

TEST_F(PluginTest, PodRemovalDetachesItsContainersOnly) {
    auto p = pod("p1", {{"io.tcp-splice/ports", "*"}});
    auto q = pod("p2", {{"io.tcp-splice/ports", "*"}});
    auto a = ctr("a", "p1", "x"), b = ctr("b", "p1", "y"), c = ctr("c", "p2", "z");
    for (auto* k : {&a, &b}) event(Event::StartContainer, p, k);
    event(Event::StartContainer, q, &c);
    event(Event::RemovePodSandbox, p);
    EXPECT_EQ(backend.attached(), (std::vector<std::string>{"c"}));
}

TEST_F(PluginTest, SynchronizeAttachesLiveAndRemovesStale) {
    backend.attached_on["gone"] = "/sys/fs/cgroup/old";
    api::SynchronizeRequest s;
    *s.add_pods() = pod("p1", {{"io.tcp-splice/ports.container.app", "80"}});
    *s.add_containers() = ctr("c1", "p1", "app");
    *s.add_containers() = ctr("c2", "p1", "other");
    *s.add_containers() = ctr("c3", "p1", "app", api::CONTAINER_STOPPED);
    Reply r = call("Synchronize", bytes(s));
    ASSERT_EQ(r.code, Code::Ok);
    api::SynchronizeResponse resp;
    ASSERT_TRUE(resp.ParseFromString(r.payload));
    EXPECT_FALSE(resp.more());
    EXPECT_EQ(backend.attached(), (std::vector<std::string>{"c1"}));
}

TEST_F(PluginTest, SplitSynchronizeWaitsForTheLastPart) {
    api::SynchronizeRequest a;
    *a.add_pods() = pod("p1", {{"io.tcp-splice/ports", "*"}});
    a.set_more(true);
    Reply r = call("Synchronize", bytes(a));
    api::SynchronizeResponse resp;
    ASSERT_TRUE(resp.ParseFromString(r.payload));
    EXPECT_TRUE(resp.more());
    EXPECT_TRUE(backend.attached_on.empty());
    api::SynchronizeRequest b;
    *b.add_containers() = ctr("c1", "p1", "app");
    r = call("Synchronize", bytes(b));
    ASSERT_TRUE(resp.ParseFromString(r.payload));
    EXPECT_FALSE(resp.more());
    EXPECT_EQ(backend.attached(), (std::vector<std::string>{"c1"}));
}

TEST_F(PluginTest, ShutdownIsNoted) {
    EXPECT_EQ(call("Shutdown", "").code, Code::Ok);
    EXPECT_TRUE(plugin.shutdown_requested());
}

}  // namespace
}  // namespace tsp::nri

namespace tsp::nri {
namespace {

TEST_F(PluginTest, AttachGetsThePodForTheRecord) {
    auto p = pod("p1", {{"io.tcp-splice/ports", "6379"}});
    auto c = ctr("c1", "p1", "redis");
    EXPECT_EQ(event(Event::StartContainer, p, &c).code, Code::Ok);
    ASSERT_TRUE(backend.pod_of.count("c1"));
    EXPECT_EQ(backend.pod_of.at("c1").name, "pod-p1");
    EXPECT_EQ(backend.pod_of.at("c1").pod_namespace, "default");
}

// Containers let run without the tcp-splice they asked for are counted by
// reason; strict ones that fail are not (they do not run).
struct FailOpenTest : PluginTest {
    void SetUp() override {
        char tmpl[] = "/tmp/tsp-nri-failopen-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir = tmpl;
        counter.emplace(dir, kSourceNri);
    }
    void TearDown() override { std::filesystem::remove_all(dir); }
    std::map<std::string, std::uint64_t> counts() {
        std::map<std::string, std::uint64_t> out;
        for (const auto& f : read_failures(dir)) out[f.source + "." + f.reason] = f.count;
        return out;
    }
    std::string dir;
    std::optional<FailOpenCounter> counter;
};

TEST_F(FailOpenTest, CountsEachReason) {
    Plugin counted{backend, log, false, &*counter};
    auto start = [&](const api::PodSandbox& p, const api::Container& c) {
        api::StateChangeEvent ev;
        ev.set_event(static_cast<api::Event>(static_cast<int>(Event::StartContainer)));
        *ev.mutable_pod() = p;
        *ev.mutable_container() = c;
        return counted.handle(kPluginService, "StateChange", bytes(ev)).code;
    };
    backend.fail_attach = "c1";
    EXPECT_EQ(start(pod("p1", {{"io.tcp-splice/ports", "*"}}), ctr("c1", "p1", "a")), Code::Ok);
    EXPECT_EQ(start(pod("p2", {{"io.tcp-splice/ports", "70000"}}), ctr("c2", "p2", "a")), Code::Ok);
    auto nocg = ctr("c3", "p3", "a");
    nocg.mutable_linux()->clear_cgroups_path();
    EXPECT_EQ(start(pod("p3", {{"io.tcp-splice/ports", "*"}}), nocg), Code::Ok);
    EXPECT_EQ(start(pod("p4", {}), ctr("c4", "p4", "a")), Code::Ok);  // not asked: not counted
    backend.fail_attach = "c5";
    EXPECT_EQ(start(pod("p5", {{"io.tcp-splice/ports", "*"}, {"io.tcp-splice/strict", "true"}}),
                    ctr("c5", "p5", "a")),
              Code::FailedPrecondition);
    EXPECT_EQ(counts(), (std::map<std::string, std::uint64_t>{{"nri.attach_failed", 1},
                                                              {"nri.bad_annotation", 1},
                                                              {"nri.cgroup_not_found", 1}}));
}

TEST_F(FailOpenTest, ReasonErrorsNameTheirReason) {
    struct NoModule : FakeBackend {
        bool attach(const std::string&, const std::string&, const Policy&, const PodRef&) override {
            throw ReasonError(failopen::kModuleMissing, "module not loaded: load tcp_splice.ko");
        }
    } nomod;
    Plugin counted{nomod, log, false, &*counter};
    api::StateChangeEvent ev;
    ev.set_event(static_cast<api::Event>(static_cast<int>(Event::StartContainer)));
    *ev.mutable_pod() = pod("p1", {{"io.tcp-splice/ports", "*"}});
    *ev.mutable_container() = ctr("c1", "p1", "a");
    EXPECT_EQ(counted.handle(kPluginService, "StateChange", bytes(ev)).code, Code::Ok);
    EXPECT_EQ(counts(), (std::map<std::string, std::uint64_t>{{"nri.module_missing", 1}}));
}

}  // namespace
}  // namespace tsp::nri

#include "bounded_backend.h"

#include <gtest/gtest.h>

#include <thread>

#include "events.h"
#include "fake_backend.h"
#include "nri_api.pb.h"

namespace tsp::nri {
namespace {

namespace api = ::nri::pkg::api::v1alpha1;
using namespace std::chrono_literals;

struct SlowBackend : FakeBackend {
    std::chrono::milliseconds delay{0};
    std::vector<std::string> order;
    bool attach(const std::string& id, const std::string& cg, const Policy& p,
                const PodRef& pod) override {
        std::this_thread::sleep_for(delay);
        order.push_back("attach " + id);
        return FakeBackend::attach(id, cg, p, pod);
    }
    bool detach(const std::string& id) override {
        order.push_back("detach " + id);
        return FakeBackend::detach(id);
    }
};

TEST(BoundedBackend, QuickWorkReturnsItsResult) {
    SlowBackend slow;
    Log log("tsp-nri-test", false);
    BoundedBackend b(slow, log, 1000ms);
    EXPECT_TRUE(b.attach("c1", "/cg/c1", {}, {}));
    EXPECT_FALSE(b.attach("c1", "/cg/c1", {}, {}));  // already
    EXPECT_EQ(b.attached(), (std::vector<std::string>{"c1"}));
    EXPECT_TRUE(b.detach("c1"));
}

TEST(BoundedBackend, ErrorsComeBack) {
    SlowBackend slow;
    slow.fail_attach = "bad";
    Log log("tsp-nri-test", false);
    BoundedBackend b(slow, log, 1000ms);
    EXPECT_THROW(b.attach("bad", "/cg/bad", {}, {}), Error);
}

// A malformed record used to throw nlohmann's type_error on the worker,
// which ended the plugin (std::terminate): any exception comes back as Error.
TEST(BoundedBackend, ForeignExceptionsComeBackAsError) {
    struct Throwing : FakeBackend {
        std::vector<std::string> attached() override {
            throw std::runtime_error("[json.exception.type_error.302] type must be string");
        }
        bool detach(const std::string&) override { throw 42; }
    } inner;
    Log log("tsp-nri-test", false);
    BoundedBackend b(inner, log, 1000ms);
    try {
        b.attached();
        ADD_FAILURE() << "no exception";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("type_error"), std::string::npos);
    }
    EXPECT_THROW(b.detach("c1"), Error);
    EXPECT_TRUE(b.attach("c1", "/cg/c1", {}, {})) << "the worker lives on";
}

TEST(BoundedBackend, DetachInBackgroundWaitsForNothingAndKeepsOrder) {
    SlowBackend slow;
    slow.delay = 300ms;
    Log log("tsp-nri-test", false);
    BoundedBackend b(slow, log, 50ms);
    EXPECT_THROW(b.attach("c1", "/cg/c1", {}, {}), Deferred);
    auto t0 = std::chrono::steady_clock::now();
    b.detach_in_background("c1");
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 100ms);
    std::this_thread::sleep_for(500ms);
    EXPECT_EQ(slow.order, (std::vector<std::string>{"attach c1", "detach c1"}));
    EXPECT_TRUE(slow.attached_on.empty());
}

TEST(BoundedBackend, SlowWorkIsDeferredAndFinishesInOrder) {
    SlowBackend slow;
    slow.delay = 300ms;
    Log log("tsp-nri-test", false);
    BoundedBackend b(slow, log, 50ms);
    auto t0 = std::chrono::steady_clock::now();
    EXPECT_THROW(b.attach("c1", "/cg/c1", {}, {}), Deferred);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 250ms);
    // Queued behind the attach, so it sees its record.
    slow.delay = 0ms;
    try {
        b.detach("c1");
    } catch (const Deferred&) {
    }
    std::this_thread::sleep_for(500ms);
    EXPECT_EQ(slow.order, (std::vector<std::string>{"attach c1", "detach c1"}));
    EXPECT_TRUE(slow.attached_on.empty());
}

// As tcp-splice-nri runs: a strict container whose attach is still running
// at the deadline is failed ("timed out") within the budget, never reported
// started with tcp-splice, and the late attach is undone once it finishes.
TEST(BoundedBackend, StrictStartStillAttachingAtTheDeadlineFailsAndIsUndone) {
    SlowBackend slow;
    slow.delay = 600ms;
    Log log("tsp-nri-test", false);
    BoundedBackend b(slow, log, 100ms);
    Plugin plugin(b, log, false);
    api::StateChangeEvent ev;
    ev.set_event(static_cast<api::Event>(static_cast<int>(Event::StartContainer)));
    ev.mutable_pod()->set_id("p1");
    ev.mutable_pod()->set_name("pod");
    (*ev.mutable_pod()->mutable_annotations())["io.tcp-splice/ports"] = "*";
    (*ev.mutable_pod()->mutable_annotations())["io.tcp-splice/strict"] = "true";
    ev.mutable_container()->set_id("c1");
    ev.mutable_container()->set_name("app");
    ev.mutable_container()->mutable_linux()->set_cgroups_path("/kubepods/c1");
    std::string payload;
    ev.SerializeToString(&payload);

    auto t0 = std::chrono::steady_clock::now();
    Reply r = plugin.handle(kPluginService, "StateChange", payload);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 400ms) << "answered within the budget";
    EXPECT_EQ(r.code, Code::FailedPrecondition);
    EXPECT_NE(r.message.find("timed out"), std::string::npos) << r.message;
    std::this_thread::sleep_for(1000ms);
    EXPECT_EQ(slow.order, (std::vector<std::string>{"attach c1", "detach c1"}));
    EXPECT_TRUE(slow.attached_on.empty());
}

}  // namespace
}  // namespace tsp::nri

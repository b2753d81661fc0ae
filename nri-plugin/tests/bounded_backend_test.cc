#include "bounded_backend.h"

#include <gtest/gtest.h>

#include <thread>

#include "fake_backend.h"

namespace tsp::nri {
namespace {

using namespace std::chrono_literals;

struct SlowBackend : FakeBackend {
    std::chrono::milliseconds delay{0};
    std::vector<std::string> order;
    bool attach(const std::string& id, const std::string& cg, const Policy& p) override {
        std::this_thread::sleep_for(delay);
        order.push_back("attach " + id);
        return FakeBackend::attach(id, cg, p);
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
    EXPECT_TRUE(b.attach("c1", "/cg/c1", {}));
    EXPECT_FALSE(b.attach("c1", "/cg/c1", {}));  // already
    EXPECT_EQ(b.attached(), (std::vector<std::string>{"c1"}));
    EXPECT_TRUE(b.detach("c1"));
}

TEST(BoundedBackend, ErrorsComeBack) {
    SlowBackend slow;
    slow.fail_attach = "bad";
    Log log("tsp-nri-test", false);
    BoundedBackend b(slow, log, 1000ms);
    EXPECT_THROW(b.attach("bad", "/cg/bad", {}), Error);
}

TEST(BoundedBackend, SlowWorkIsDeferredAndFinishesInOrder) {
    SlowBackend slow;
    slow.delay = 300ms;
    Log log("tsp-nri-test", false);
    BoundedBackend b(slow, log, 50ms);
    auto t0 = std::chrono::steady_clock::now();
    EXPECT_THROW(b.attach("c1", "/cg/c1", {}), Deferred);
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

}  // namespace
}  // namespace tsp::nri

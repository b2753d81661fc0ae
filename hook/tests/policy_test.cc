#include "core/policy.h"

#include <gtest/gtest.h>

#include <cstring>

namespace tsp {
namespace {

TEST(Policy, EncodesRecord) {
    Policy p{true, true, {6379, 8080}};
    tsp_policy rec = encode(p);
    EXPECT_EQ(rec.version, TSP_POLICY_VERSION);
    EXPECT_EQ(rec.flags, TSP_F_ENABLED | TSP_F_LOOPBACK_ONLY);
    EXPECT_EQ(rec.nports, 2u);
    EXPECT_EQ(rec.ports[0], 6379);
    EXPECT_EQ(rec.ports[1], 8080);
    EXPECT_EQ(rec.ports[2], 0);
}

TEST(Policy, RoundTrips) {
    for (const Policy& p :
         {Policy{true, false, {}}, Policy{true, true, {1, 65535}}, Policy{false, true, {80}}}) {
        EXPECT_EQ(decode(encode(p)), p);
    }
}

TEST(Policy, ZeroRecordIsDisabled) {
    tsp_policy rec;
    std::memset(&rec, 0, sizeof(rec));
    EXPECT_FALSE(decode(rec).enabled);
    rec.flags = TSP_F_ENABLED;  // no version: never written by us
    EXPECT_FALSE(decode(rec).enabled);
}

TEST(Policy, ClampsPortCount) {
    tsp_policy rec;
    std::memset(&rec, 0, sizeof(rec));
    rec.version = TSP_POLICY_VERSION;
    rec.nports = 1000;
    EXPECT_EQ(decode(rec).ports.size(), static_cast<std::size_t>(TSP_MAX_PORTS));
}

TEST(Policy, Describes) {
    EXPECT_EQ(describe(Policy{true, true, {6379}}), "loopback_only=1, ports=6379");
    EXPECT_EQ(describe(Policy{true, false, {}}), "loopback_only=0, ports=any");
    EXPECT_EQ(describe(Policy{false, false, {80, 81}}), "loopback_only=0, ports=80,81, disabled");
}

TEST(Policy, RecordLayoutIsStable) {
    // The BPF program reads this layout; a change needs a new version.
    EXPECT_EQ(sizeof(tsp_policy), 16u + 2u * TSP_MAX_PORTS);
    EXPECT_EQ(offsetof(tsp_policy, ports), 16u);
}

}  // namespace
}  // namespace tsp

// explain_socket(): which gate stopped an end, from what the kernel reports
// about it (its cgroup, the program's decision, the module's ULP details).
#include "core/explain.h"

#include <gtest/gtest.h>

namespace tsp {
namespace {

struct ExplainTest : ::testing::Test {
    std::vector<AttachmentView> atts;
    std::unordered_map<std::uint64_t, std::string> cgroups{
        {10, "/sys/fs/cgroup/pods"},
        {11, "/sys/fs/cgroup/pods/redis"},
        {12, "/sys/fs/cgroup/pods/redis/inner"},
        {20, "/sys/fs/cgroup/other"},
        {21, "/sys/fs/cgroup/podsx"},
    };

    ExplainTest() {
        AttachmentView host;
        host.attachment.name = "host";
        host.attachment.cgroup_path = "/sys/fs/cgroup/pods";
        AttachmentView ctr;
        ctr.attachment.name = "ctr-redis";
        ctr.attachment.cgroup_path = "/sys/fs/cgroup/pods/redis";
        ctr.attachment.policy.ports = {6379};
        atts = {host, ctr};
    }

    static SocketInfo sock(std::uint64_t cgroup, std::optional<unsigned> why) {
        SocketInfo s;
        s.local_port = 41000;
        s.remote_port = 6379;
        s.cgroup_id = cgroup;
        if (why) {
            tsp_sock_state st{};
            st.flags = ST_EST;
            st.why = static_cast<tsp_u8>(*why);
            s.decided = st;
        }
        return s;
    }

    static SocketInfo offered(std::uint8_t state, bool refused = false) {
        SocketInfo s = sock(11, TSP_WHY_OFFERED);
        s.ulp = "tcp_splice";
        UlpInfo u;
        u.state = state;
        u.tx_refused = refused;
        s.splice = u;
        return s;
    }
};

TEST_F(ExplainTest, OutsideEveryAttachedCgroup) {
    auto e = explain_socket(sock(20, std::nullopt), atts, cgroups);
    EXPECT_EQ(e.gate, "not_attached");
    EXPECT_EQ(e.cgroup, "/sys/fs/cgroup/other");
    EXPECT_EQ(e.attachment, "");
    EXPECT_NE(e.detail.find("tcp-splice-ctl enable"), std::string::npos);
}

TEST_F(ExplainTest, APrefixIsNotAParent) {
    // /sys/fs/cgroup/podsx is not below /sys/fs/cgroup/pods.
    EXPECT_EQ(explain_socket(sock(21, std::nullopt), atts, cgroups).gate, "not_attached");
}

TEST_F(ExplainTest, AttachedButNeverDecided) {
    auto e = explain_socket(sock(10, std::nullopt), atts, cgroups);
    EXPECT_EQ(e.gate, "undecided");
    EXPECT_EQ(e.attachment, "host");
}

TEST_F(ExplainTest, TheDeepestAttachmentDecides) {
    auto e = explain_socket(sock(12, TSP_WHY_PORT), atts, cgroups);
    EXPECT_EQ(e.gate, "port");
    EXPECT_EQ(e.attachment, "ctr-redis");
    EXPECT_NE(e.detail.find("41000 and 6379"), std::string::npos) << e.detail;
    EXPECT_NE(e.detail.find("ports=6379"), std::string::npos) << e.detail;
}

TEST_F(ExplainTest, EachPolicyAndPeerGate) {
    for (auto [why, gate] :
         std::vector<std::pair<unsigned, std::string>>{{TSP_WHY_DISABLED, "disabled"},
                                                       {TSP_WHY_LOOPBACK, "loopback"},
                                                       {TSP_WHY_NO_MODULE, "no_module"},
                                                       {TSP_WHY_PEER_NO_TOKEN, "peer_no_token"},
                                                       {TSP_WHY_LISTENER_EARLY, "listener_early"},
                                                       {TSP_WHY_REFUSED_SOCK, "refused_sock"},
                                                       {TSP_WHY_REFUSED_CLAIM, "refused_claim"},
                                                       {TSP_WHY_REFUSED_NOMEM, "refused_nomem"},
                                                       {TSP_WHY_REFUSED_OTHER, "refused_other"}}) {
        auto e = explain_socket(sock(11, why), atts, cgroups);
        EXPECT_EQ(e.gate, gate);
        EXPECT_FALSE(e.spliced);
        EXPECT_FALSE(e.detail.empty()) << gate;
    }
}

TEST_F(ExplainTest, OfferedEndsByModuleState) {
    auto paired = explain_socket(offered(TSP_END_PAIRED), atts, cgroups);
    EXPECT_EQ(paired.gate, "spliced");
    EXPECT_TRUE(paired.spliced);
    auto refused = explain_socket(offered(TSP_END_PAIRED, true), atts, cgroups);
    EXPECT_EQ(refused.gate, "ring_refused");
    EXPECT_TRUE(refused.spliced);  // its peer's direction may still use a ring
    EXPECT_EQ(explain_socket(offered(TSP_END_WAITING), atts, cgroups).gate, "waiting");
    EXPECT_EQ(explain_socket(offered(TSP_END_DETACHED), atts, cgroups).gate, "detached");
    EXPECT_EQ(explain_socket(offered(TSP_END_WITHDRAWN), atts, cgroups).gate, "withdrawn");
    SocketInfo gone = sock(11, TSP_WHY_OFFERED);  // its ULP state already released
    EXPECT_EQ(explain_socket(gone, atts, cgroups).gate, "withdrawn");
}

TEST_F(ExplainTest, WhyNamesCoverEveryOutcome) {
    for (unsigned i = 0; i < TSP_WHY_MAX; i++) EXPECT_STRNE(why_name(i), "unknown");
    EXPECT_STREQ(why_name(TSP_WHY_MAX), "unknown");
    tsp_attach_stats s{};
    s.why[TSP_WHY_OFFERED] = 7;
    s.bytes_ring = 5;
    auto f = attach_stat_fields(s);
    EXPECT_EQ(f.size(), 1u + TSP_WHY_MAX + 6u);
    EXPECT_EQ(f[1 + TSP_WHY_OFFERED], (std::pair<std::string, std::uint64_t>{"why_offered", 7}));
    EXPECT_EQ(f.back(), (std::pair<std::string, std::uint64_t>{"bytes_startup", 0}));
}

}  // namespace
}  // namespace tsp

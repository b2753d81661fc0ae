#include "session.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>

#include "fake_backend.h"
#include "nri_api.pb.h"
#include "ttrpc.pb.h"
#include "wire.h"

namespace tsp::nri {
namespace {
namespace api = ::nri::pkg::api::v1alpha1;

// The runtime's end of the connection, speaking the wire by hand.
struct Runtime {
    int fd;
    MuxDecoder mux;
    TtrpcDecoder conn1, conn2;
    std::vector<std::size_t> frame_sizes;

    Message next(std::uint32_t conn) {
        auto& dec = conn == kPluginConn ? conn1 : conn2;
        for (;;) {
            auto& q = conn == kPluginConn ? pending1 : pending2;
            if (!q.empty()) {
                Message m = std::move(q.front());
                q.erase(q.begin());
                return m;
            }
            char buf[65536];
            ssize_t n = ::read(fd, buf, sizeof(buf));
            if (n <= 0) throw Error("plugin closed the connection");
            for (auto& f : mux.feed({buf, static_cast<std::size_t>(n)})) {
                frame_sizes.push_back(f.payload.size() + kMuxHeader);
                auto& d = f.conn == kPluginConn ? conn1 : conn2;
                for (auto& m : d.feed(f.payload))
                    (f.conn == kPluginConn ? pending1 : pending2).push_back(std::move(m));
            }
            (void)dec;
        }
    }
    void send(std::uint32_t conn, std::uint32_t stream, MsgType t, const std::string& body) {
        std::string w = mux_encode(conn, ttrpc_encode(stream, t, body));
        ASSERT_EQ(::write(fd, w.data(), w.size()), static_cast<ssize_t>(w.size()));
    }
    ttrpc::Response call(std::uint32_t stream, const std::string& method,
                         const std::string& payload) {
        ttrpc::Request r;
        r.set_service("nri.pkg.api.v1alpha1.Plugin");
        r.set_method(method);
        r.set_payload(payload);
        std::string body;
        r.SerializeToString(&body);
        send(kPluginConn, stream, MsgType::Request, body);
        Message m = next(kPluginConn);
        EXPECT_EQ(m.type, MsgType::Response);
        EXPECT_EQ(m.stream, stream);
        ttrpc::Response resp;
        EXPECT_TRUE(resp.ParseFromString(m.payload));
        return resp;
    }
    std::vector<Message> pending1, pending2;
};

struct SessionTest : ::testing::Test {
    int sv[2];
    FakeBackend backend;
    Log log{"tsp-nri-test", false};
    Plugin plugin{backend, log, false};
    std::atomic<bool> stop{false};
    std::future<SessionEnd> served;
    Runtime rt{};

    void SetUp() override {
        ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
        rt.fd = sv[1];
        served = std::async(std::launch::async, [this] {
            return serve(sv[0], {"tcp-splice", "50"}, plugin, log, stop);
        });
    }
    void TearDown() override {
        stop = true;
        if (served.valid()) served.wait();
        ::close(sv[0]);
        ::close(sv[1]);
    }
    void accept_registration() {
        Message m = rt.next(kRuntimeConn);
        ASSERT_EQ(m.type, MsgType::Request);
        ASSERT_EQ(m.stream % 2, 1u);
        ttrpc::Request req;
        ASSERT_TRUE(req.ParseFromString(m.payload));
        EXPECT_EQ(req.service(), "nri.pkg.api.v1alpha1.Runtime");
        EXPECT_EQ(req.method(), "RegisterPlugin");
        api::RegisterPluginRequest reg;
        ASSERT_TRUE(reg.ParseFromString(req.payload()));
        EXPECT_EQ(reg.plugin_name(), "tcp-splice");
        EXPECT_EQ(reg.plugin_idx(), "50");
        ttrpc::Response ok;
        ok.mutable_status();
        std::string body;
        ok.SerializeToString(&body);
        rt.send(kRuntimeConn, m.stream, MsgType::Response, body);
    }
};

TEST_F(SessionTest, RegistersConfiguresAndShutsDown) {
    accept_registration();
    api::ConfigureRequest cfg;
    cfg.set_runtime_name("containerd");
    std::string p;
    cfg.SerializeToString(&p);
    auto resp = rt.call(1, "Configure", p);
    EXPECT_EQ(resp.status().code(), 0);
    api::ConfigureResponse cr;
    ASSERT_TRUE(cr.ParseFromString(resp.payload()));
    EXPECT_NE(cr.events(), 0);

    resp = rt.call(3, "PostStartContainer", "");
    EXPECT_EQ(resp.status().code(), 12);  // Unimplemented: newer runtimes fall back

    resp = rt.call(5, "Shutdown", "");
    EXPECT_EQ(resp.status().code(), 0);
    EXPECT_EQ(served.get(), SessionEnd::Shutdown);
    for (auto n : rt.frame_sizes) EXPECT_LE(n, kMaxFrameOut);
}

TEST_F(SessionTest, RejectedRegistrationEndsTheSession) {
    Message m = rt.next(kRuntimeConn);
    ttrpc::Response no;
    no.mutable_status()->set_code(3);
    no.mutable_status()->set_message("invalid plugin index");
    std::string body;
    no.SerializeToString(&body);
    rt.send(kRuntimeConn, m.stream, MsgType::Response, body);
    EXPECT_EQ(served.get(), SessionEnd::Rejected);
}

TEST_F(SessionTest, EvenOrReusedStreamIdsAreRefused) {
    accept_registration();
    EXPECT_EQ(rt.call(2, "Configure", "").status().code(), 3);
    EXPECT_EQ(rt.call(7, "UpdateContainer", "").status().code(), 0);
    EXPECT_EQ(rt.call(7, "UpdateContainer", "").status().code(), 3);
}

TEST_F(SessionTest, LargeRequestSplitAcrossFramesIsServed) {
    accept_registration();
    api::SynchronizeRequest s;
    for (int i = 0; i < 200; ++i) {
        auto* c = s.add_containers();
        c->set_id("container-" + std::to_string(i) + std::string(100, 'x'));
    }
    std::string p;
    s.SerializeToString(&p);
    ASSERT_GT(p.size(), 3 * kMaxFrameOut);
    EXPECT_EQ(rt.call(1, "Synchronize", p).status().code(), 0);
}

TEST_F(SessionTest, PeerCloseEndsTheSession) {
    accept_registration();
    ::shutdown(sv[1], SHUT_RDWR);
    EXPECT_EQ(served.get(), SessionEnd::Closed);
}

}  // namespace
}  // namespace tsp::nri

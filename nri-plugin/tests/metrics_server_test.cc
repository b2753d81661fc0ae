#include "metrics_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "core/error.h"
#include "core/metrics.h"

namespace tsp::nri {
namespace {

// One connection to 127.0.0.1:port: sends `req` (optionally closing our
// side), returns everything the server sends until it closes.
std::string exchange(std::uint16_t port, const std::string& req, bool half_close = true) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return "socket failed";
    timeval tv{10, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
        ::close(fd);
        return "connect failed";
    }
    std::size_t off = 0;
    while (off < req.size()) {
        ssize_t n = ::send(fd, req.data() + off, req.size() - off, MSG_NOSIGNAL);
        if (n <= 0) break;  // the server may close on an oversized request
        off += static_cast<std::size_t>(n);
    }
    if (half_close) ::shutdown(fd, SHUT_WR);
    std::string out;
    char buf[4096];
    for (;;) {
        ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
        if (n <= 0) break;
        out.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return out;
}

struct Server : ::testing::Test {
    void SetUp() override {
        server = std::make_unique<MetricsServer>(log, [this] {
            ++renders;
            return std::string(
                "# HELP tcp_splice_module_loaded x\n"
                "# TYPE tcp_splice_module_loaded gauge\n"
                "tcp_splice_module_loaded 0\n");
        });
        server->start("127.0.0.1:0");
        ASSERT_NE(server->port(), 0);
    }
    Log log{"tsp-nri-test", false};
    std::atomic<int> renders{0};
    std::unique_ptr<MetricsServer> server;
};

TEST_F(Server, MetricsAnswersTheText) {
    const std::string r = exchange(server->port(), "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_TRUE(r.starts_with("HTTP/1.1 200 OK\r\n")) << r;
    EXPECT_NE(r.find("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"),
              std::string::npos)
        << r;
    EXPECT_NE(r.find("Connection: close\r\n"), std::string::npos);
    EXPECT_TRUE(
        r.ends_with("\r\n\r\n# HELP tcp_splice_module_loaded x\n"
                    "# TYPE tcp_splice_module_loaded gauge\n"
                    "tcp_splice_module_loaded 0\n"))
        << r;
    EXPECT_EQ(renders.load(), 1);
}

TEST_F(Server, HealthzQueryStringsHead) {
    EXPECT_TRUE(exchange(server->port(), "GET /healthz HTTP/1.0\n\n").ends_with("\r\n\r\nok\n"));
    const std::string q = exchange(server->port(), "GET /metrics?x=1 HTTP/1.1\r\n\r\n");
    EXPECT_TRUE(q.starts_with("HTTP/1.1 200 OK")) << q;
    const std::string h = exchange(server->port(), "HEAD /metrics HTTP/1.1\r\n\r\n");
    EXPECT_TRUE(h.starts_with("HTTP/1.1 200 OK")) << h;
    EXPECT_TRUE(h.ends_with("\r\n\r\n")) << "no body for HEAD";
}

TEST_F(Server, OtherPathsAndMethods) {
    EXPECT_TRUE(exchange(server->port(), "GET /nope HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 404"));
    const std::string r = exchange(server->port(), "POST /metrics HTTP/1.1\r\n\r\n");
    EXPECT_TRUE(r.starts_with("HTTP/1.1 405")) << r;
    EXPECT_NE(r.find("Allow: GET, HEAD\r\n"), std::string::npos);
    EXPECT_EQ(renders.load(), 0);
}

TEST_F(Server, GarbageIsClosedAndTheServerLivesOn) {
    const std::string junk("\x00\xff\x16\x03\x01 garbage \r\n\r\n", 18);
    const std::string r = exchange(server->port(), junk);
    EXPECT_TRUE(r.empty() || r.starts_with("HTTP/1.1 400")) << r;
    EXPECT_EQ(exchange(server->port(), ""), "") << "closed without a request";
    EXPECT_TRUE(exchange(server->port(), "hello\r\n\r\n").starts_with("HTTP/1.1 400"));
    EXPECT_TRUE(
        exchange(server->port(), "GET metrics HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 400"));
    EXPECT_TRUE(exchange(server->port(), "GET /metrics\r\n\r\n").starts_with("HTTP/1.1 400"));
    EXPECT_TRUE(
        exchange(server->port(), "GET /metrics HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 200"));
}

TEST_F(Server, OversizedRequestIsRefused) {
    const std::string big = "GET /metrics HTTP/1.1\r\nX: " + std::string(20000, 'a') + "\r\n\r\n";
    const std::string r = exchange(server->port(), big, false);
    EXPECT_TRUE(r.starts_with("HTTP/1.1 431")) << r.substr(0, 100);
    EXPECT_EQ(renders.load(), 0);
    EXPECT_TRUE(
        exchange(server->port(), "GET /healthz HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 200"));
}

TEST_F(Server, SlowClientsDoNotBlockOthers) {
    // A client that never finishes its request holds one connection only.
    int idle = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(server->port());
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(idle, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    ASSERT_EQ(::send(idle, "GET /met", 8, MSG_NOSIGNAL), 8);
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_TRUE(
        exchange(server->port(), "GET /healthz HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 200"));
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
    ::close(idle);
}

TEST(MetricsServerStart, BindFailureIsAnErrorSayingWhat) {
    Log log{"tsp-nri-test", false};
    MetricsServer first(log, [] { return std::string(); });
    first.start("127.0.0.1:0");
    MetricsServer second(log, [] { return std::string(); });
    try {
        second.start("127.0.0.1:" + std::to_string(first.port()));
        ADD_FAILURE() << "bound a taken port";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("cannot listen for metrics on 127.0.0.1:"),
                  std::string::npos)
            << e.what();
    }
    for (const char* bad : {"9465", "host:", "host:port", "1.2.3.4:70000", "[::1", "::1:80"})
        EXPECT_THROW(MetricsServer(log, [] { return std::string(); }).start(bad), Error) << bad;
}

TEST(ParseHostPort, Forms) {
    EXPECT_EQ(parse_host_port("127.0.0.1:9465").host, "127.0.0.1");
    EXPECT_EQ(parse_host_port("127.0.0.1:9465").port, "9465");
    EXPECT_EQ(parse_host_port("[::1]:80").host, "::1");
    EXPECT_EQ(parse_host_port(":9465").host, "");
}

TEST(RouteRequest, RenderFailureIs500) {
    const HttpResponse r = route_request("GET /metrics HTTP/1.1\r\n\r\n",
                                         []() -> std::string { throw Error("boom"); });
    EXPECT_EQ(r.status, 500);
    EXPECT_NE(r.body.find("boom"), std::string::npos);
}

}  // namespace
}  // namespace tsp::nri

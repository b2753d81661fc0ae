// The plugin's optional HTTP endpoint (--metrics-address HOST:PORT): GET
// /metrics answers the Prometheus text of a render callback, GET /healthz
// "ok". HTTP/1.1, one request per connection (Connection: close), served
// from its own thread, one short-lived thread per connection (at most
// kMaxClients at once). Requests are bounded (kMaxRequestBytes, kTimeout);
// anything malformed gets a 4xx and the connection closed.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "core/fd.h"
#include "core/log.h"

namespace tsp::nri {

struct HttpResponse {
    int status = 200;
    std::string content_type = "text/plain; charset=utf-8";
    std::string body;
    bool head = false;   // a HEAD request: headers only
    bool allow = false;  // 405: send "Allow: GET, HEAD"
};

// The response to one request's bytes (the head, up to the blank line):
// the routing, without sockets. `metrics` is called for GET /metrics.
HttpResponse route_request(const std::string& head, const std::function<std::string()>& metrics);

// The response's bytes on the wire.
std::string serialize_response(const HttpResponse& r);

// "HOST:PORT", "[V6]:PORT" or ":PORT" (every address); throws Error saying
// what is wrong.
struct HostPort {
    std::string host;  // empty: every address
    std::string port;
};
HostPort parse_host_port(const std::string& address);

class MetricsServer {
public:
    static constexpr std::size_t kMaxRequestBytes = 8 << 10;
    static constexpr std::chrono::seconds kTimeout{5};
    static constexpr int kMaxClients = 8;

    MetricsServer(const Log& log, std::function<std::string()> render);
    ~MetricsServer();  // stops it and waits for its connections
    MetricsServer(const MetricsServer&) = delete;
    MetricsServer& operator=(const MetricsServer&) = delete;

    // Binds, listens and starts serving; throws Error naming the address
    // and what to do when it cannot.
    void start(const std::string& address);
    // The port it listens on (useful after binding port 0).
    std::uint16_t port() const { return port_; }

private:
    void accept_loop();
    void serve(int fd);

    const Log& log_;
    std::function<std::string()> render_;
    UniqueFd listen_fd_;
    UniqueFd wake_rd_, wake_wr_;  // a pipe: written to stop the loop
    std::uint16_t port_ = 0;
    std::thread thread_;
    std::mutex mu_;
    std::condition_variable cv_;
    int clients_ = 0;
    std::mutex render_mu_;
};

}  // namespace tsp::nri

#include "metrics_server.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <system_error>
#include <vector>

#include "core/error.h"
#include "core/metrics.h"

namespace tsp::nri {
namespace {

using Clock = std::chrono::steady_clock;

const char* reason_phrase(int status) {
    switch (status) {
        case 200:
            return "OK";
        case 400:
            return "Bad Request";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 408:
            return "Request Timeout";
        case 431:
            return "Request Header Fields Too Large";
        case 503:
            return "Service Unavailable";
        default:
            return "Internal Server Error";
    }
}

HttpResponse plain(int status, std::string body) {
    HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    return r;
}

int remaining_ms(Clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return left > 0 ? static_cast<int>(left) : 0;
}

// Waits for `events` on fd until the deadline; false on timeout or error.
bool wait_for(int fd, short events, Clock::time_point deadline) {
    for (;;) {
        pollfd p{fd, events, 0};
        const int n = ::poll(&p, 1, remaining_ms(deadline));
        if (n > 0) return true;
        if (n == 0) return false;
        if (errno != EINTR) return false;
    }
}

void send_all(int fd, const std::string& data, Clock::time_point deadline) {
    std::size_t off = 0;
    while (off < data.size()) {
        const ssize_t n =
            ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            off += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && wait_for(fd, POLLOUT, deadline))
            continue;
        return;  // the client is gone or too slow
    }
}

// The end of the request head ("\r\n\r\n" or "\n\n"), or npos.
std::size_t head_end(const std::string& buf) {
    const std::size_t crlf = buf.find("\r\n\r\n");
    const std::size_t lf = buf.find("\n\n");
    return std::min(crlf == std::string::npos ? crlf : crlf + 4,
                    lf == std::string::npos ? lf : lf + 2);
}

}  // namespace

HttpResponse route_request(const std::string& head, const std::function<std::string()>& metrics) {
    std::size_t eol = head.find('\n');
    std::string line = head.substr(0, eol);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    for (unsigned char c : line)
        if (c < 0x20 || c == 0x7f) return plain(400, "bad request line\n");
    const std::size_t sp1 = line.find(' ');
    const std::size_t sp2 = sp1 == std::string::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp1 == std::string::npos || sp2 == std::string::npos ||
        line.find(' ', sp2 + 1) != std::string::npos)
        return plain(400, "bad request line\n");
    const std::string method = line.substr(0, sp1);
    std::string target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    const std::string version = line.substr(sp2 + 1);
    if (method.empty() || target.empty() || target[0] != '/' || !version.starts_with("HTTP/1."))
        return plain(400, "bad request line\n");
    target = target.substr(0, target.find('?'));

    if (target != "/metrics" && target != "/healthz")
        return plain(404, "not found: try /metrics or /healthz\n");
    if (method != "GET" && method != "HEAD") {
        HttpResponse r = plain(405, "only GET and HEAD\n");
        r.allow = true;
        return r;
    }
    HttpResponse r;
    r.head = method == "HEAD";
    if (target == "/healthz") {
        r.body = "ok\n";
        return r;
    }
    try {
        r.body = metrics();
        r.content_type = kMetricsContentType;
    } catch (const std::exception& e) {
        return plain(500, std::string("cannot collect metrics: ") + e.what() + "\n");
    }
    return r;
}

std::string serialize_response(const HttpResponse& r) {
    std::string out = "HTTP/1.1 " + std::to_string(r.status) + " " + reason_phrase(r.status) +
                      "\r\nContent-Type: " + r.content_type +
                      "\r\nContent-Length: " + std::to_string(r.body.size()) +
                      "\r\nConnection: close\r\n";
    if (r.allow) out += "Allow: GET, HEAD\r\n";
    out += "\r\n";
    if (!r.head) out += r.body;
    return out;
}

HostPort parse_host_port(const std::string& a) {
    const std::string usage = "bad metrics address '" + a +
                              "': use HOST:PORT, [IPV6]:PORT or :PORT (every address), e.g. "
                              "127.0.0.1:9465";
    HostPort hp;
    std::size_t colon;
    if (a.starts_with("[")) {
        const std::size_t close = a.find(']');
        if (close == std::string::npos || close + 1 >= a.size() || a[close + 1] != ':')
            throw Error(usage);
        hp.host = a.substr(1, close - 1);
        colon = close + 1;
    } else {
        colon = a.rfind(':');
        if (colon == std::string::npos) throw Error(usage);
        hp.host = a.substr(0, colon);
        if (hp.host.find(':') != std::string::npos) throw Error(usage);
    }
    hp.port = a.substr(colon + 1);
    if (hp.port.empty() || hp.port.size() > 5 ||
        hp.port.find_first_not_of("0123456789") != std::string::npos || std::stoul(hp.port) > 65535)
        throw Error(usage);
    return hp;
}

MetricsServer::MetricsServer(const Log& log, std::function<std::string()> render)
    : log_(log), render_(std::move(render)) {}

MetricsServer::~MetricsServer() {
    if (thread_.joinable()) {
        const char b = 's';
        [[maybe_unused]] auto n = ::write(wake_wr_.get(), &b, 1);
        thread_.join();
    }
    std::unique_lock lk(mu_);
    cv_.wait(lk, [&] { return clients_ == 0; });
}

void MetricsServer::start(const std::string& address) {
    const HostPort hp = parse_host_port(address);
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* res = nullptr;
    if (int rc = ::getaddrinfo(hp.host.empty() ? nullptr : hp.host.c_str(), hp.port.c_str(), &hints,
                               &res);
        rc != 0)
        throw Error("metrics address " + address + ": " + ::gai_strerror(rc) +
                    "; use a numeric address such as 127.0.0.1:9465");
    std::unique_ptr<addrinfo, void (*)(addrinfo*)> guard(res, ::freeaddrinfo);
    // Every address: prefer the IPv6 wildcard taking IPv4 too.
    std::vector<addrinfo*> order;
    for (addrinfo* ai = res; ai; ai = ai->ai_next)
        if (hp.host.empty() && ai->ai_family == AF_INET6) order.push_back(ai);
    for (addrinfo* ai = res; ai; ai = ai->ai_next)
        if (!(hp.host.empty() && ai->ai_family == AF_INET6)) order.push_back(ai);
    std::string last = "no address";
    for (addrinfo* ai : order) {
        UniqueFd fd(::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol));
        if (!fd) {
            last = errno_message("socket", errno);
            continue;
        }
        const int one = 1, zero = 0;
        ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (ai->ai_family == AF_INET6 && hp.host.empty())
            ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
        if (::bind(fd.get(), ai->ai_addr, ai->ai_addrlen) != 0 || ::listen(fd.get(), 16) != 0) {
            last = errno_message("bind", errno);
            continue;
        }
        sockaddr_storage ss{};
        socklen_t len = sizeof(ss);
        if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&ss), &len) == 0)
            port_ = ntohs(ss.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                                                   : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
        listen_fd_ = std::move(fd);
        break;
    }
    if (!listen_fd_)
        throw Error("cannot listen for metrics on " + address + ": " + last +
                    " (is the port taken? choose another with --metrics-address)");
    int p[2];
    if (::pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0) {
        listen_fd_.reset();
        throw Error(errno_message("metrics server: pipe", errno));
    }
    wake_rd_.reset(p[0]);
    wake_wr_.reset(p[1]);
    thread_ = std::thread([this] { accept_loop(); });
}

void MetricsServer::accept_loop() {
    for (;;) {
        pollfd p[2] = {{listen_fd_.get(), POLLIN, 0}, {wake_rd_.get(), POLLIN, 0}};
        if (::poll(p, 2, -1) < 0) {
            if (errno == EINTR) continue;
            log_.error(errno_message("metrics server: poll", errno) + "; /metrics stops");
            return;
        }
        if (p[1].revents) return;
        if (!(p[0].revents & POLLIN)) continue;
        const int fd = ::accept4(listen_fd_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                // Out of descriptors or memory: back off instead of spinning.
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
            }
            continue;
        }
        {
            std::lock_guard lk(mu_);
            if (clients_ >= kMaxClients) {
                const std::string busy = serialize_response(plain(503, "busy\n"));
                [[maybe_unused]] auto n =
                    ::send(fd, busy.data(), busy.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
                ::close(fd);
                continue;
            }
            ++clients_;
        }
        try {
            std::thread([this, fd] {
                try {
                    serve(fd);
                } catch (...) {
                }
                ::close(fd);
                std::lock_guard lk(mu_);
                --clients_;
                cv_.notify_all();
            }).detach();
        } catch (const std::system_error&) {
            ::close(fd);
            std::lock_guard lk(mu_);
            --clients_;
            cv_.notify_all();
        }
    }
}

void MetricsServer::serve(int fd) {
    const auto deadline = Clock::now() + kTimeout;
    std::string buf;
    HttpResponse resp;
    bool have = false;
    char chunk[2048];
    while (!have) {
        const std::size_t end = head_end(buf);
        if (end != std::string::npos && end <= kMaxRequestBytes) {
            resp = route_request(buf.substr(0, end), [this] {
                std::lock_guard lk(render_mu_);  // one collection at a time
                return render_();
            });
            have = true;
            break;
        }
        if (buf.size() > kMaxRequestBytes) {
            resp = plain(431, "request over " + std::to_string(kMaxRequestBytes) + " bytes\n");
            have = true;
            break;
        }
        if (!wait_for(fd, POLLIN, deadline)) {
            resp = plain(
                408, "request not complete within " + std::to_string(kTimeout.count()) + " s\n");
            have = true;
            break;
        }
        const ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
        if (n == 0) return;  // closed before a whole request: nothing to answer
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
            return;
        }
        buf.append(chunk, static_cast<std::size_t>(n));
    }
    send_all(fd, serialize_response(resp), Clock::now() + kTimeout);
    // Lingering close: read what the client still sends (briefly) so the
    // close does not reset the connection before it has read the answer.
    ::shutdown(fd, SHUT_WR);
    const auto linger = Clock::now() + std::chrono::seconds(1);
    for (std::size_t drained = 0; drained < (64 << 10) && wait_for(fd, POLLIN, linger);) {
        const ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
        if (n <= 0) break;
        drained += static_cast<std::size_t>(n);
    }
}

}  // namespace tsp::nri

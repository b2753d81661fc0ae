// tsp-churn: connection churn against a server in the same process, to hunt
// pairing and teardown races (lost bytes, lost wake-ups, stalls).
//
//   tsp-churn echo  [--threads 64] [--conns 300] [--port P] [--timeout 3]
//       every thread opens --conns short connections one after another:
//       connect, send a 13-byte message, read its echo, close (the closing
//       side and a reset-close chosen at random), with the suite's narrow
//       ephemeral port range reusing 4-tuples heavily. An echo later than
//       --timeout is counted late; one that has not come 60 s later is lost.
//   tsp-churn mixed [--workers 64] [--seconds 60] [--port P] [--stall 20]
//       every worker runs random connections for --seconds: sizes 1 B to
//       256 KiB each way, half-closes, resets from either side, late
//       accepts, Fast Open, poll-driven or blocking I/O. Every byte is
//       checked; a side that makes no progress for --stall seconds is a
//       stall, reported with the module's pair line.
//
// Prints one summary line; exits 1 on any lost, wrong or stalled byte.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "net.h"

using namespace tsp::tools;

namespace {

struct Args {
    std::string mode;
    int threads = 64;
    int conns = 300;
    int workers = 64;
    double seconds = 60;
    int port = 7800;
    double timeout = 3;
    double stall = 20;
    std::string host = "127.0.0.1";
};

std::atomic<long> g_conns{0}, g_ok{0}, g_resets{0}, g_lost{0}, g_wrong{0}, g_stalls{0}, g_errors{0},
    g_bytes{0};
std::atomic<long> g_late{0}, g_late_max_ms{0};
std::atomic<bool> g_stop{false};
constexpr double kGraceSeconds = 60;
std::mutex g_log;

void report(const char* what, int port, const std::string& detail) {
    std::lock_guard<std::mutex> l(g_log);
    std::string pl = pair_line(port);
    std::fprintf(stderr, "%s: client port %d: %s%s%s\n%s", what, port, detail.c_str(),
                 pl.empty() ? "" : "; pairs: ", pl.c_str(), port ? ss_lines(port).c_str() : "");
}

int listener(const Args& a) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    int qlen = 256;
    ::setsockopt(fd, IPPROTO_TCP, TCP_FASTOPEN, &qlen, sizeof(qlen));
    sockaddr_in sa = addr4(a.host.c_str(), a.port);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0 || ::listen(fd, 4096) != 0) {
        std::perror("tsp-churn: listen");
        std::exit(2);
    }
    return fd;
}

int connect_to(const Args& a, const void* syn_data = nullptr, std::size_t syn_len = 0) {
    sockaddr_in sa = addr4(a.host.c_str(), a.port);
    for (int tries = 0; tries < 200; tries++) {
        int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        int r;
        if (syn_data)
            r = int(::sendto(fd, syn_data, syn_len, MSG_FASTOPEN | MSG_NOSIGNAL,
                             reinterpret_cast<sockaddr*>(&sa), sizeof(sa)));
        else
            r = ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa));
        if (r >= 0) return fd;
        int e = errno;
        ::close(fd);
        if (e != EADDRNOTAVAIL && e != EAGAIN && e != ECONNREFUSED && e != EINTR) {
            errno = e;
            return -1;
        }
        ::usleep(2000);  // ephemeral ports all in TIME_WAIT: let some expire
    }
    return -1;
}

// --- echo: 13 bytes there and back, heavy 4-tuple reuse ---------------------

// The server's view of the last connection from each client port, for the
// report of a lost one.
std::mutex g_seen_lock;
std::map<int, std::string> g_seen;

void server_saw(int c, const std::string& what) {
    sockaddr_in pa{};
    socklen_t l = sizeof(pa);
    ::getpeername(c, reinterpret_cast<sockaddr*>(&pa), &l);
    std::lock_guard<std::mutex> g(g_seen_lock);
    g_seen[ntohs(pa.sin_port)] = what + " at " + std::to_string(now_s());
}

std::string server_view(int port) {
    std::lock_guard<std::mutex> g(g_seen_lock);
    auto it = g_seen.find(port);
    return it == g_seen.end() ? "server never saw it" : "server: " + it->second;
}

void echo_server(int lfd, double timeout) {
    for (;;) {
        int c = ::accept(lfd, nullptr, nullptr);
        if (c < 0) {
            if (g_stop) return;
            continue;
        }
        set_timeouts(c, kGraceSeconds + timeout);
        server_saw(c, "accepted");
        char buf[13];
        std::size_t got = 0;
        while (got < sizeof(buf)) {
            ssize_t r = ::recv(c, buf + got, sizeof(buf) - got, 0);
            if (r <= 0) break;
            got += std::size_t(r);
        }
        const int rerr = errno;
        ssize_t sent = got == sizeof(buf) ? ::send(c, buf, sizeof(buf), MSG_NOSIGNAL) : -2;
        server_saw(c, "got " + std::to_string(got) + " (" + std::strerror(rerr) + "), echoed " +
                          std::to_string(sent) + " '" + std::string(buf, got) + "'");
        // Half the time the server closes first (TIME_WAIT on its side), and
        // now and then with a reset (no TIME_WAIT: the 4-tuple is free at once).
        unsigned r = unsigned(c) * 2654435761u ^ unsigned(got);
        if (r % 7 == 0) linger_reset(c);
        ::close(c);
    }
}

void echo_client(const Args& a, int id) {
    std::mt19937 rng(unsigned(id) * 7919u);
    for (int i = 0; i < a.conns; i++) {
        int fd = connect_to(a);
        g_conns++;
        if (fd < 0) {
            g_errors++;
            report("connect failed", 0, std::strerror(errno));
            continue;
        }
        set_timeouts(fd, a.timeout);
        char msg[32];
        std::snprintf(msg, sizeof(msg), "m%05u-%06u", unsigned(id) % 100000u,
                      unsigned(i) % 1000000u);
        int port = local_port(fd);
        std::size_t got = 0;
        char back[13];
        if (::send(fd, msg, 13, MSG_NOSIGNAL) != 13) {
            g_errors++;
            report("send failed", port, std::strerror(errno));
        } else {
            // A message later than --timeout is late (counted, not a
            // failure: TCG can starve a thread that long); one that never
            // comes within the grace period is lost.
            const double t0 = now_s();
            bool extended = false;
            while (got < 13) {
                ssize_t r = ::recv(fd, back + got, 13 - got, 0);
                if (r > 0) {
                    got += std::size_t(r);
                    continue;
                }
                if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && !extended) {
                    extended = true;
                    set_timeouts(fd, kGraceSeconds);
                    continue;
                }
                break;
            }
            const double took = now_s() - t0;
            if (got == 13 && extended) {
                g_late++;
                long ms = long(took * 1000);
                for (long m = g_late_max_ms;
                     ms > m && !g_late_max_ms.compare_exchange_weak(m, ms);) {
                }
            }
            if (got < 13) {
                g_lost++;
                const int e = errno;
                report("lost", port,
                       "echo of '" + std::string(msg, 13) + "': " + std::to_string(got) +
                           " of 13 bytes within " + std::to_string(took) + " s (" +
                           std::strerror(e) + ") at " + std::to_string(now_s()) + "; " +
                           server_view(port));
            } else if (std::memcmp(back, msg, 13) != 0) {
                g_wrong++;
                report("wrong bytes", port,
                       "sent '" + std::string(msg, 13) + "' got '" + std::string(back, 13) + "'");
            } else {
                g_ok++;
            }
        }
        if (rng() % 11 == 0) linger_reset(fd);
        ::close(fd);
    }
}

// --- mixed: random sizes, half-closes, resets, TFO, poll or blocking ---------

enum : std::uint32_t {
    kHalfClose = 1,    // the client shuts down its write side after `up`
    kServerReset = 2,  // the server resets after sending `cut` bytes of `down`
    kClientReset = 4,  // the client resets after sending `cut` bytes of `up`
    kLateAccept = 8,   // the server sleeps before reading
    kPoll = 16,        // the client uses non-blocking I/O and poll()
    kFastOpen = 32,    // the header rides in the SYN
    kMagic = 0x74737063,
};

struct Header {
    std::uint32_t magic, id, up, down, flags, cut;
};

std::size_t random_size(std::mt19937& rng) {
    switch (rng() % 4) {
        case 0:
            return 1 + rng() % 64;
        case 1:
            return 1 + rng() % 4096;
        case 2:
            return 1 + rng() % (64 << 10);
        default:
            return 1 + rng() % (256 << 10);
    }
}

void mixed_server_conn(int c, double stall) {
    set_timeouts(c, stall);
    Header h{};
    std::size_t got = 0;
    while (got < sizeof(h)) {
        ssize_t r = ::recv(c, reinterpret_cast<char*>(&h) + got, sizeof(h) - got, 0);
        if (r <= 0) break;
        got += std::size_t(r);
    }
    if (got < sizeof(h) || h.magic != kMagic) {
        ::close(c);  // a client reset before the header arrived, or garbage
        return;
    }
    if (h.flags & kLateAccept) ::usleep(1000 * (h.id % 40));
    int err = 0;
    std::uint64_t n = 0;
    long bad = -1;
    Io r = read_stream(c, h.id, 0, h.up, false, stall, &err, &n, &bad);
    int port = 0;
    {
        sockaddr_in pa{};
        socklen_t l = sizeof(pa);
        ::getpeername(c, reinterpret_cast<sockaddr*>(&pa), &l);
        port = ntohs(pa.sin_port);
    }
    if (bad >= 0) {
        g_wrong++;
        report("server read wrong bytes", port, "at offset " + std::to_string(bad));
    }
    const bool client_resets = h.flags & kClientReset;
    if (r == Io::kStall) {
        g_stalls++;
        report("server stalled reading", port,
               std::to_string(n) + " of " + std::to_string(h.up) + " bytes");
    } else if (r != Io::kDone && !client_resets) {
        g_lost++;
        report("server lost bytes", port,
               std::string(io_name(r)) + " after " + std::to_string(n) + " of " +
                   std::to_string(h.up) +
                   (err ? std::string(" (") + std::strerror(err) + ")" : ""));
    }
    if (r == Io::kDone && (h.flags & kHalfClose)) {
        char x;
        ssize_t e = ::recv(c, &x, 1, 0);
        if (e != 0 && !client_resets) {
            g_lost++;
            report("server: no EOF after the half-close", port, std::to_string(e));
        }
    }
    if (r == Io::kDone) {
        std::size_t down = h.down;
        if (h.flags & kServerReset) down = std::min<std::size_t>(down, h.cut);
        Io w = write_stream(c, h.id ^ 0x5a5a5a5a, 0, down, 16 << 10, false, stall, &err, &n);
        if (w == Io::kStall) {
            g_stalls++;
            report("server stalled writing", port,
                   std::to_string(n) + " of " + std::to_string(down) + " bytes");
        }
        if (h.flags & kServerReset) linger_reset(c);
    }
    ::close(c);
}

void mixed_server(int lfd, double stall) {
    for (;;) {
        int c = ::accept(lfd, nullptr, nullptr);
        if (c < 0) {
            if (g_stop) return;
            continue;
        }
        std::thread(mixed_server_conn, c, stall).detach();
    }
}

void mixed_client(const Args& a, int worker) {
    std::mt19937 rng(unsigned(worker) * 104729u + 1);
    std::uint32_t seq = 0;
    while (!g_stop) {
        Header h{kMagic, std::uint32_t(worker) << 20 | (seq++ & 0xFFFFF), 0, 0, 0, 0};
        h.up = std::uint32_t(random_size(rng));
        h.down = std::uint32_t(random_size(rng));
        unsigned dice = rng() % 100;
        if (dice < 25) h.flags |= kHalfClose;
        if (dice >= 25 && dice < 33) h.flags |= kServerReset;
        if (dice >= 33 && dice < 41) h.flags |= kClientReset;
        if (rng() % 5 == 0) h.flags |= kLateAccept;
        if (rng() % 2 == 0) h.flags |= kPoll;
        if (rng() % 5 == 0) h.flags |= kFastOpen;
        h.cut = std::uint32_t(rng() % (h.flags & kClientReset ? h.up + 1 : h.down + 1));
        int fd = (h.flags & kFastOpen) ? connect_to(a, &h, sizeof(h)) : connect_to(a);
        g_conns++;
        if (fd < 0) {
            g_errors++;
            report("connect failed", 0, std::strerror(errno));
            continue;
        }
        int port = local_port(fd);
        const bool nb = h.flags & kPoll;
        set_timeouts(fd, a.stall);
        int err = 0;
        std::uint64_t n = 0;
        long bad = -1;
        if (!(h.flags & kFastOpen)) {
            if (::send(fd, &h, sizeof(h), MSG_NOSIGNAL) != ssize_t(sizeof(h))) {
                g_errors++;
                report("header send failed", port, std::strerror(errno));
                ::close(fd);
                continue;
            }
        }
        if (nb) set_nonblocking(fd, true);
        std::size_t up = (h.flags & kClientReset) ? h.cut : h.up;
        Io w = write_stream(fd, h.id, 0, up, 1 + rng() % (64 << 10), nb, a.stall, &err, &n);
        if (w == Io::kStall) {
            g_stalls++;
            report("client stalled writing", port,
                   std::to_string(n) + " of " + std::to_string(up) + " bytes");
            ::close(fd);
            continue;
        }
        if (h.flags & kClientReset) {
            linger_reset(fd);
            ::close(fd);
            g_resets++;
            continue;
        }
        if (h.flags & kHalfClose) ::shutdown(fd, SHUT_WR);
        std::size_t down = (h.flags & kServerReset) ? std::min(h.down, h.cut) : h.down;
        Io r = read_stream(fd, h.id ^ 0x5a5a5a5a, 0, down, nb, a.stall, &err, &n, &bad);
        if (bad >= 0) {
            g_wrong++;
            report("client read wrong bytes", port, "at offset " + std::to_string(bad));
        }
        const bool reset_seen = r == Io::kError && err == ECONNRESET;
        if (r == Io::kStall) {
            g_stalls++;
            report("client stalled reading", port,
                   std::to_string(n) + " of " + std::to_string(down) + " bytes");
        } else if ((h.flags & kServerReset) && (reset_seen || r == Io::kEof)) {
            g_resets++;  // a prefix, then the server's reset: by design
        } else if (r != Io::kDone) {
            g_lost++;
            report("client lost bytes", port,
                   std::string(io_name(r)) + " after " + std::to_string(n) + " of " +
                       std::to_string(down) +
                       (err ? std::string(" (") + std::strerror(err) + ")" : ""));
        } else if (h.flags & kServerReset) {
            g_resets++;
        } else {
            // The server closes after writing: EOF must follow at once.
            if (nb) wait_fd(fd, POLLIN, a.stall);
            char x;
            ssize_t e = ::recv(fd, &x, 1, 0);
            if (e != 0) {
                g_lost++;
                report("client: no EOF after the reply", port,
                       e < 0 ? std::strerror(errno) : "extra byte");
            } else {
                g_ok++;
            }
        }
        g_bytes += long(up + down);
        ::close(fd);
    }
}

Args parse(int argc, char** argv) {
    Args a;
    if (argc < 2) {
        std::fprintf(stderr, "usage: tsp-churn echo|mixed [options] (see the source header)\n");
        std::exit(2);
    }
    a.mode = argv[1];
    for (int i = 2; i + 1 < argc; i += 2) {
        std::string k = argv[i];
        const char* v = argv[i + 1];
        if (k == "--threads")
            a.threads = std::atoi(v);
        else if (k == "--conns")
            a.conns = std::atoi(v);
        else if (k == "--workers")
            a.workers = std::atoi(v);
        else if (k == "--seconds")
            a.seconds = std::atof(v);
        else if (k == "--port")
            a.port = std::atoi(v);
        else if (k == "--timeout")
            a.timeout = std::atof(v);
        else if (k == "--stall")
            a.stall = std::atof(v);
        else if (k == "--host")
            a.host = v;
        else {
            std::fprintf(stderr, "tsp-churn: unknown option %s\n", k.c_str());
            std::exit(2);
        }
    }
    return a;
}

}  // namespace

int main(int argc, char** argv) {
    Args a = parse(argc, argv);
    ::signal(SIGPIPE, SIG_IGN);
    int lfd = listener(a);
    double t0 = now_s();
    std::vector<std::thread> clients;
    if (a.mode == "echo") {
        for (int i = 0; i < 64; i++) std::thread(echo_server, lfd, a.timeout).detach();
        for (int i = 0; i < a.threads; i++) clients.emplace_back(echo_client, std::cref(a), i);
    } else if (a.mode == "mixed") {
        std::thread(mixed_server, lfd, a.stall).detach();
        for (int i = 0; i < a.workers; i++) clients.emplace_back(mixed_client, std::cref(a), i);
        std::this_thread::sleep_for(std::chrono::duration<double>(a.seconds));
        g_stop = true;
    } else {
        std::fprintf(stderr, "tsp-churn: mode must be echo or mixed\n");
        return 2;
    }
    for (auto& t : clients) t.join();
    // Let server threads finish the last connections (their stalls count).
    std::this_thread::sleep_for(std::chrono::duration<double>(a.mode == "mixed" ? 1.0 : 0.2));
    std::printf(
        "tsp-churn %s: %ld connections in %.1f s: %ld ok (%ld of them later than %.0f s, the "
        "latest after %.1f s), %ld reset by design, %ld lost, %ld wrong, %ld stalled, %ld "
        "errors, %ld bytes checked\n",
        a.mode.c_str(), g_conns.load(), now_s() - t0, g_ok.load(), g_late.load(), a.timeout,
        double(g_late_max_ms.load()) / 1000, g_resets.load(), g_lost.load(), g_wrong.load(),
        g_stalls.load(), g_errors.load(), g_bytes.load());
    std::fflush(stdout);
    bool bad = g_lost || g_wrong || g_stalls || g_errors;
    _exit(bad ? 1 : 0);
}

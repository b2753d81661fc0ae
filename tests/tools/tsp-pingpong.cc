// tsp-pingpong: request/response and stream over a unix-domain or TCP
// stream socket, the benchmarks' AF_UNIX peer (Debian's netperf has no
// unix-domain tests) and a plain ping-pong whose pinning we choose.
//
//   tsp-pingpong server --unix PATH | --tcp ADDR:PORT [--cpu N]
//   tsp-pingpong client --unix PATH | --tcp HOST:PORT --mode rr|stream
//                       [--size 1] [--secs 5] [--cpu N]
//   --stats (either role): how each op was served, for finding out why a
//                       cell is slow: receive calls, voluntary (sleeps) and
//                       involuntary context switches per op, and the thread's
//                       migrations and sync and affine wake-ups over the
//                       connection (from /proc/thread-self/sched when the kernel
//                       has it; the wake-ups need kernel.sched_schedstats=1).
//                       The client adds them to its closing line; the server
//                       prints a "served" line per connection.
//
// The server serves every connection on its own thread until it is killed
// (SIGTERM/SIGINT remove its unix socket file). A client opens one
// connection, sends an 8-byte header ("TSPR" or "TSPS", then the size as a
// big-endian u32) and then, for --secs seconds:
//   rr:     writes SIZE bytes, reads until SIZE bytes came back (the server
//           echoes them), and checks them; one op is one such round trip;
//   stream: writes SIZE-byte sends (the server reads and discards them); one
//           op is one send.
// TCP sockets have TCP_NODELAY on both ends. --cpu pins the process (and so
// every thread) with sched_setaffinity; without it nothing is pinned.
// The client's closing line, for scripts:
//   tsp-pingpong: rr size=1024 secs=5.00 ops=12345 ops_per_s=2469.0 mbit_per_s=20.23
// mbit_per_s is the client's payload sent in 10^6 bits/s (netperf's unit).
// Exit status: 0 done, 1 a socket failed or stalled, 2 usage.
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "net.h"

using namespace tsp::tools;

namespace {

constexpr std::uint32_t kMaxSize = 16u << 20;
// How long a read or write may make no progress before the client gives up
// (beyond the measured time): a stopped or wedged server ends the run with
// an error instead of a hang.
constexpr double kStallS = 5;

[[noreturn]] void die(const std::string& what, int err = 0) {
    tsp::tools::die_as("tsp-pingpong", what, err);
}

[[noreturn]] void usage(const std::string& why) {
    std::fprintf(stderr,
                 "tsp-pingpong: %s\n"
                 "usage: tsp-pingpong server --unix PATH | --tcp ADDR:PORT [--cpu N] [--stats]\n"
                 "       tsp-pingpong client --unix PATH | --tcp HOST:PORT --mode rr|stream\n"
                 "                           [--size N] [--secs S] [--cpu N] [--stats]\n",
                 why.c_str());
    std::exit(2);
}

struct Options {
    bool server = false;
    std::string unix_path, tcp;
    std::string mode = "rr";
    std::uint32_t size = 1;
    double secs = 5;
    int cpu = -1;
    bool stats = false;
};

Options parse(int argc, char** argv) {
    if (argc < 2) usage("no role");
    Options o;
    std::string role = argv[1];
    if (role != "server" && role != "client") usage("role must be server or client: " + role);
    o.server = role == "server";
    for (int i = 2; i < argc; i++) {
        std::string k = argv[i];
        if (k == "--stats") {
            o.stats = true;
            continue;
        }
        if (i + 1 >= argc) usage(k + " needs a value");
        std::string v = argv[++i];
        char* end = nullptr;
        if (k == "--unix") {
            o.unix_path = v;
        } else if (k == "--tcp") {
            o.tcp = v;
        } else if (k == "--mode") {
            if (v != "rr" && v != "stream") usage("--mode must be rr or stream: " + v);
            o.mode = v;
        } else if (k == "--size") {
            unsigned long n = std::strtoul(v.c_str(), &end, 10);
            if (*end || n == 0 || n > kMaxSize)
                usage("--size must be 1.." + std::to_string(kMaxSize));
            o.size = std::uint32_t(n);
        } else if (k == "--secs") {
            o.secs = std::strtod(v.c_str(), &end);
            if (*end || !(o.secs > 0)) usage("--secs must be a positive number: " + v);
        } else if (k == "--cpu") {
            long n = std::strtol(v.c_str(), &end, 10);
            if (*end || n < 0 || n >= CPU_SETSIZE) usage("--cpu must be a CPU number: " + v);
            o.cpu = int(n);
        } else {
            usage("unknown option " + k);
        }
    }
    if (o.unix_path.empty() == o.tcp.empty()) usage("give one of --unix PATH or --tcp ADDR:PORT");
    return o;
}

void pin(int cpu) {
    if (cpu < 0) return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (::sched_setaffinity(0, sizeof(set), &set) != 0)
        die("sched_setaffinity CPU " + std::to_string(cpu), errno);
}

// An address to bind or connect: a unix path, or HOST:PORT ([v6]:PORT too).
struct Addr {
    sockaddr_storage ss{};
    socklen_t len = 0;
    std::string name;
};

Addr resolve(const Options& o, bool passive) {
    Addr a;
    if (!o.unix_path.empty()) {
        auto* un = reinterpret_cast<sockaddr_un*>(&a.ss);
        if (o.unix_path.size() >= sizeof(un->sun_path)) die("unix path too long: " + o.unix_path);
        un->sun_family = AF_UNIX;
        std::memcpy(un->sun_path, o.unix_path.c_str(), o.unix_path.size() + 1);
        a.len = socklen_t(sizeof(sa_family_t) + o.unix_path.size() + 1);
        a.name = "unix:" + o.unix_path;
        return a;
    }
    auto colon = o.tcp.rfind(':');
    if (colon == std::string::npos || colon + 1 == o.tcp.size())
        usage("--tcp wants ADDR:PORT: " + o.tcp);
    std::string host = o.tcp.substr(0, colon), port = o.tcp.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
    addrinfo* res = nullptr;
    if (int rc = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &res);
        rc != 0)
        die("cannot resolve " + o.tcp + ": " + ::gai_strerror(rc));
    std::memcpy(&a.ss, res->ai_addr, res->ai_addrlen);
    a.len = res->ai_addrlen;
    ::freeaddrinfo(res);
    a.name = "tcp:" + o.tcp;
    return a;
}

void nodelay(int fd) {
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

// This thread's receive calls (--stats).
thread_local std::uint64_t t_recvs = 0;

// Exactly @n bytes into/out of @p; false on EOF, error (errno set) or the
// socket's SO_*TIMEO (errno EAGAIN).
bool read_full(int fd, void* p, std::size_t n) {
    auto* b = static_cast<char*>(p);
    while (n) {
        ssize_t r = ::recv(fd, b, n, 0);
        t_recvs++;
        if (r > 0) {
            b += r;
            n -= std::size_t(r);
        } else if (r == 0) {
            errno = 0;
            return false;
        } else if (errno != EINTR) {
            return false;
        }
    }
    return true;
}

bool write_full(int fd, const void* p, std::size_t n) {
    auto* b = static_cast<const char*>(p);
    while (n) {
        ssize_t w = ::send(fd, b, n, MSG_NOSIGNAL);
        if (w > 0) {
            b += w;
            n -= std::size_t(w);
        } else if (w < 0 && errno != EINTR) {
            return false;
        }
    }
    return true;
}

// The failure text of a read_full/write_full that returned false.
std::string io_error(const char* what) {
    if (errno == 0) return std::string(what) + ": the peer closed the connection";
    if (errno == EAGAIN || errno == EWOULDBLOCK)
        return std::string(what) + ": no progress for " + std::to_string(int(kStallS)) + " s";
    return std::string(what) + ": " + std::strerror(errno);
}

// One field of /proc/thread-self/sched ("name  :  value"), or -1.
long long sched_field(const std::string& text, const std::string& name) {
    auto at = text.find("\n" + name + " ");
    if (at == std::string::npos) return -1;
    auto colon = text.find(':', at);
    return colon == std::string::npos ? -1 : std::atoll(text.c_str() + colon + 1);
}

// --stats for @ops ops of this thread: " recvs_per_op=... ...".
std::string thread_stats(std::uint64_t ops) {
    rusage ru{};
    ::getrusage(RUSAGE_THREAD, &ru);
    double n = ops ? double(ops) : 1;
    char b[256];
    std::snprintf(b, sizeof(b), " recvs_per_op=%.2f vcsw_per_op=%.2f ivcsw_per_op=%.2f",
                  double(t_recvs) / n, double(ru.ru_nvcsw) / n, double(ru.ru_nivcsw) / n);
    std::string out = b;
    std::string text = "\n";
    if (FILE* f = std::fopen("/proc/thread-self/sched", "r")) {
        char line[256];
        while (std::fgets(line, sizeof(line), f)) text += line;
        std::fclose(f);
    }
    const std::pair<const char*, const char*> fields[] = {
        {"se.nr_migrations", "migrations"},
        {"nr_wakeups_sync", "sync_wakeups"},
        {"nr_wakeups_affine", "affine_wakeups"},
    };
    for (const auto& [field, label] : fields) {
        long long v = sched_field(text, field);
        if (v >= 0) out += std::string(" ") + label + "=" + std::to_string(v);
    }
    return out;
}

struct Header {
    char magic[4];
    std::uint32_t size_be;
};
static_assert(sizeof(Header) == 8);

// One connection: the header, then echo (rr) or discard (stream) until EOF.
void serve(int fd, bool stats) {
    Header h{};
    if (!read_full(fd, &h, sizeof(h))) {
        ::close(fd);
        return;
    }
    std::uint32_t size = ntohl(h.size_be);
    bool rr = std::memcmp(h.magic, "TSPR", 4) == 0;
    if ((!rr && std::memcmp(h.magic, "TSPS", 4) != 0) || size == 0 || size > kMaxSize) {
        std::fprintf(stderr, "tsp-pingpong: server: bad header, connection closed\n");
        ::close(fd);
        return;
    }
    std::vector<char> buf(rr ? size : std::max<std::uint32_t>(size, 64u << 10));
    std::uint64_t ops = 0;
    if (rr) {
        while (read_full(fd, buf.data(), size) && write_full(fd, buf.data(), size)) ops++;
    } else {
        for (;;) {
            ssize_t r = ::recv(fd, buf.data(), buf.size(), 0);
            t_recvs++;
            if (r > 0) ops++;
            if (r == 0 || (r < 0 && errno != EINTR)) break;
        }
    }
    // Before the close: a stream client waits for it, so the line is out by then.
    if (stats) {
        std::printf("tsp-pingpong: served %s size=%u ops=%llu%s\n", rr ? "rr" : "stream", size,
                    static_cast<unsigned long long>(ops), thread_stats(ops).c_str());
        std::fflush(stdout);
    }
    ::close(fd);
}

std::string g_unlink_path;  // the server's socket file, removed on SIGTERM/SIGINT

extern "C" void on_term(int) {
    if (!g_unlink_path.empty()) ::unlink(g_unlink_path.c_str());
    ::_exit(0);
}

int run_server(const Options& o) {
    Addr a = resolve(o, true);
    int fd = ::socket(a.ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket", errno);
    if (a.ss.ss_family == AF_UNIX) {
        // A socket file left by an earlier server that was killed hard
        // would make bind fail; anything else at the path is not ours.
        struct stat st {};
        if (::lstat(o.unix_path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode))
            ::unlink(o.unix_path.c_str());
        g_unlink_path = o.unix_path;
    } else {
        int one = 1;
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    }
    struct sigaction sa {};
    sa.sa_handler = on_term;
    ::sigaction(SIGTERM, &sa, nullptr);
    ::sigaction(SIGINT, &sa, nullptr);
    ::signal(SIGPIPE, SIG_IGN);
    pin(o.cpu);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a.ss), a.len) != 0) die("bind " + a.name, errno);
    if (::listen(fd, 128) != 0) die("listen " + a.name, errno);
    std::printf("tsp-pingpong: listening on %s\n", a.name.c_str());
    std::fflush(stdout);
    for (;;) {
        int c = ::accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (c < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            die("accept on " + a.name, errno);
        }
        if (a.ss.ss_family != AF_UNIX) nodelay(c);
        std::thread(serve, c, o.stats).detach();
    }
}

int run_client(const Options& o) {
    ::signal(SIGPIPE, SIG_IGN);
    pin(o.cpu);
    Addr a = resolve(o, false);
    int fd = ::socket(a.ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket", errno);
    // Blocking I/O with SO_RCVTIMEO/SO_SNDTIMEO as the stall deadline rather
    // than a poll before every read: a poll would add a system call to each
    // transaction and skew the comparison with netperf's numbers.
    set_timeouts(fd, kStallS);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a.ss), a.len) != 0)
        die("connect to " + a.name, errno);
    if (a.ss.ss_family != AF_UNIX) nodelay(fd);
    bool rr = o.mode == "rr";
    Header h{};
    std::memcpy(h.magic, rr ? "TSPR" : "TSPS", 4);
    h.size_be = htonl(o.size);
    if (!write_full(fd, &h, sizeof(h))) die(io_error("send header"));

    std::vector<char> out(o.size), in(rr ? o.size : 0);
    for (std::size_t i = 0; i < out.size(); i++) out[i] = char(pattern_at(1, i));
    std::uint64_t ops = 0;
    double start = now_s(), deadline = start + o.secs, end = start;
    // The clock is read every 64 ops: cheap next to the system calls, and a
    // 1-byte round trip takes microseconds, so the overshoot is tiny.
    while (true) {
        if (!write_full(fd, out.data(), out.size())) die(io_error("send"));
        if (rr) {
            if (!read_full(fd, in.data(), in.size())) die(io_error("receive echo"));
            if (std::memcmp(in.data(), out.data(), in.size()) != 0)
                die("the echo differs from what was sent (op " + std::to_string(ops) + ")");
        }
        ops++;
        if (ops % 64 == 0 || o.size >= 4096) {
            end = now_s();
            if (end >= deadline) break;
        }
    }
    // Stream: the server must have read everything (its close after our
    // shutdown says so), else the rate would count bytes still in buffers.
    // That wait is not in the measured time, as netperf does not count it.
    if (!rr) {
        if (::shutdown(fd, SHUT_WR) != 0) die("shutdown", errno);
        char c;
        ssize_t r;
        while ((r = ::recv(fd, &c, 1, 0)) < 0 && errno == EINTR) {
        }
        if (r != 0) die(r < 0 ? io_error("wait for the server's close") : "unexpected data");
    }
    ::close(fd);
    double secs = end - start;
    std::printf("tsp-pingpong: %s size=%u secs=%.2f ops=%llu ops_per_s=%.1f mbit_per_s=%.2f%s\n",
                o.mode.c_str(), o.size, secs, static_cast<unsigned long long>(ops), ops / secs,
                double(ops) * o.size * 8 / 1e6 / secs, o.stats ? thread_stats(ops).c_str() : "");
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    Options o = parse(argc, argv);
    return o.server ? run_server(o) : run_client(o);
}

// Small socket helpers shared by the guest load tools: a position-dependent
// byte pattern (loss, duplication and reordering all show), exact reads and
// writes with a stall deadline, and a monotonic clock.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace tsp::tools {

// A tool's fatal error: "TOOL: WHAT[: strerror(ERR)]" on stderr, exit status 1.
[[noreturn]] inline void die_as(const char* tool, const std::string& what, int err = 0) {
    if (err)
        std::fprintf(stderr, "%s: %s: %s\n", tool, what.c_str(), std::strerror(err));
    else
        std::fprintf(stderr, "%s: %s\n", tool, what.c_str());
    std::exit(1);
}

inline double now_s() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// Byte @off of stream @seed.
inline std::uint8_t pattern_at(std::uint32_t seed, std::uint64_t off) {
    std::uint64_t x = (off + 1) * 0x9E3779B97F4A7C15ULL ^ (std::uint64_t(seed) << 17);
    return std::uint8_t(x >> 56);
}

inline void fill_pattern(std::uint32_t seed, std::uint64_t off, std::uint8_t* p, std::size_t n) {
    for (std::size_t i = 0; i < n; i++) p[i] = pattern_at(seed, off + i);
}

// Offset of the first byte of @p that is not stream @seed at @off, or -1.
inline long check_pattern(std::uint32_t seed, std::uint64_t off, const std::uint8_t* p,
                          std::size_t n) {
    for (std::size_t i = 0; i < n; i++)
        if (p[i] != pattern_at(seed, off + i)) return long(i);
    return -1;
}

// Outcome of an I/O loop: all done, the peer ended the stream, an error,
// or no progress for the stall deadline.
enum class Io { kDone, kEof, kError, kStall };

inline const char* io_name(Io r) {
    switch (r) {
        case Io::kDone:
            return "done";
        case Io::kEof:
            return "eof";
        case Io::kError:
            return "error";
        case Io::kStall:
            return "stall";
    }
    return "?";
}

// Waits for @events on @fd for up to @secs; false on timeout.
inline bool wait_fd(int fd, short events, double secs) {
    pollfd p{fd, events, 0};
    int ms = int(secs * 1000);
    for (;;) {
        int r = ::poll(&p, 1, ms);
        if (r > 0) return true;
        if (r == 0) return false;
        if (errno != EINTR) return true;
    }
}

// Writes @n bytes of stream @seed from @off. Blocking sockets rely on
// SO_SNDTIMEO (set by the caller) for the stall deadline; non-blocking ones
// poll for POLLOUT.
inline Io write_stream(int fd, std::uint32_t seed, std::uint64_t off, std::size_t n,
                       std::size_t chunk, bool nonblocking, double stall_s, int* err,
                       std::uint64_t* done_out) {
    std::vector<std::uint8_t> buf(chunk);
    std::size_t done = 0;
    while (done < n) {
        std::size_t k = std::min(chunk, n - done);
        fill_pattern(seed, off + done, buf.data(), k);
        std::size_t sent = 0;
        while (sent < k) {
            ssize_t w = ::send(fd, buf.data() + sent, k - sent, MSG_NOSIGNAL);
            if (w > 0) {
                sent += std::size_t(w);
                continue;
            }
            if (w < 0 && errno == EINTR) continue;
            if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                if (!nonblocking || !wait_fd(fd, POLLOUT, stall_s)) {
                    *done_out = done + sent;
                    return Io::kStall;
                }
                continue;
            }
            *err = errno;
            *done_out = done + sent;
            return Io::kError;
        }
        done += k;
    }
    *done_out = done;
    return Io::kDone;
}

// Reads exactly @n bytes of stream @seed from @off (fewer at EOF or error),
// checking each against the pattern. *bad is the first wrong offset or -1.
inline Io read_stream(int fd, std::uint32_t seed, std::uint64_t off, std::size_t n,
                      bool nonblocking, double stall_s, int* err, std::uint64_t* got, long* bad) {
    std::vector<std::uint8_t> buf(64 << 10);
    std::size_t done = 0;
    *bad = -1;
    while (done < n) {
        if (nonblocking && !wait_fd(fd, POLLIN, stall_s)) {
            *got = done;
            return Io::kStall;
        }
        ssize_t r = ::recv(fd, buf.data(), std::min(buf.size(), n - done), 0);
        if (r > 0) {
            long b = check_pattern(seed, off + done, buf.data(), std::size_t(r));
            if (b >= 0 && *bad < 0) *bad = long(done) + b;
            done += std::size_t(r);
            continue;
        }
        *got = done;
        if (r == 0) return Io::kEof;
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            if (nonblocking) continue;
            return Io::kStall;  // SO_RCVTIMEO expired
        }
        *err = errno;
        return Io::kError;
    }
    *got = done;
    return Io::kDone;
}

inline void set_timeouts(int fd, double secs) {
    timeval tv{long(secs), long((secs - long(secs)) * 1e6)};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

inline void set_nonblocking(int fd, bool on) {
    int fl = ::fcntl(fd, F_GETFL);
    ::fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
}

inline void linger_reset(int fd) {
    linger l{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
}

inline sockaddr_in addr4(const char* host, int port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(std::uint16_t(port));
    ::inet_pton(AF_INET, host, &a.sin_addr);
    return a;
}

inline int local_port(int fd) {
    sockaddr_in a{};
    socklen_t l = sizeof(a);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &l);
    return ntohs(a.sin_port);
}

// The module's lines for pairs with an end on local port @port.
inline std::string pair_line(int port) {
    FILE* f = std::fopen("/proc/1/net/tcp_splice_pairs", "r");
    if (!f) return "";
    char line[512];
    std::string needle = ":" + std::to_string(port) + " ";
    std::string out;
    while (std::fgets(line, sizeof(line), f))
        if (std::strstr(line, needle.c_str())) out += line;
    std::fclose(f);
    if (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
}

// What ss says of the sockets on port @port (state, queues, ULP), for reports.
inline std::string ss_lines(int port) {
    std::string cmd = "ss -tanie state all '( sport = :" + std::to_string(port) +
                      " or dport = :" + std::to_string(port) + " )' 2>&1";
    std::string out;
    if (FILE* p = ::popen(cmd.c_str(), "r")) {
        char buf[512];
        while (std::fgets(buf, sizeof(buf), p)) out += buf;
        ::pclose(p);
    }
    return out;
}

}  // namespace tsp::tools

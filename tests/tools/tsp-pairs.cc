// tsp-pairs: many connections to a server in the same process, some of them
// moving data and some idle, with every byte checked. Small on purpose (a
// few hundred KiB of memory), so it can run in a cgroup with a tight
// memory.max and leave the rest to the socket and ring memory under test.
//
//   tsp-pairs [--active 16] [--idle 48] [--bytes 1048576] [--host 127.0.0.1]
//             [--port 7900] [--ready FILE] [--hold-until FILE] [--stall 30]
//
// Opens --idle connections that never send, then --active ones that each
// stream --bytes each way (client to server, then back), all at once, from
// one thread with non-blocking I/O. With
// --ready it creates FILE once every connection is open; with --hold-until
// it keeps them all open after the transfers until FILE exists. Exit 0 when
// every byte arrived intact.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "net.h"

using namespace tsp::tools;

namespace {

void touch(const std::string& path) {
    if (FILE* f = std::fopen(path.c_str(), "w")) std::fclose(f);
}

bool exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

// One active pair moving its bytes: first client to server, then back.
struct Transfer {
    int c, s;
    std::uint32_t seed;
    int phase = 0;  // 0: client -> server, 1: server -> client, 2: done
    std::uint64_t wrote = 0, read = 0;

    int writer() const { return phase == 0 ? c : s; }
    int reader() const { return phase == 0 ? s : c; }
    std::uint32_t stream() const { return phase == 0 ? seed : ~seed; }
};

// Moves every transfer along with non-blocking I/O in this one thread (and
// one 16 KiB buffer), so the tool itself stays small. False on a wrong
// byte, an error, or no progress at all for @stall seconds.
bool run_all(std::vector<Transfer>& ts, std::size_t bytes, double stall) {
    static std::uint8_t buf[16 << 10];
    double last = now_s();
    for (;;) {
        std::vector<pollfd> pfds;
        std::vector<std::pair<std::size_t, bool>> who;  // transfer, is writer
        for (std::size_t i = 0; i < ts.size(); i++) {
            if (ts[i].phase == 2) continue;
            if (ts[i].wrote < bytes) {
                pfds.push_back({ts[i].writer(), POLLOUT, 0});
                who.push_back({i, true});
            }
            pfds.push_back({ts[i].reader(), POLLIN, 0});
            who.push_back({i, false});
        }
        if (pfds.empty()) return true;
        if (::poll(pfds.data(), pfds.size(), 1000) < 0 && errno != EINTR) return false;
        bool progress = false;
        for (std::size_t k = 0; k < pfds.size(); k++) {
            if (!pfds[k].revents) continue;
            Transfer& t = ts[who[k].first];
            if (who[k].second) {
                std::size_t n = std::min(sizeof(buf), bytes - std::size_t(t.wrote));
                fill_pattern(t.stream(), t.wrote, buf, n);
                ssize_t w = ::send(t.writer(), buf, n, MSG_DONTWAIT | MSG_NOSIGNAL);
                if (w > 0)
                    t.wrote += std::uint64_t(w), progress = true;
                else if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
                    std::fprintf(stderr, "pair %u: send: %s\n", t.seed, std::strerror(errno));
                    return false;
                }
            } else {
                ssize_t r = ::recv(t.reader(), buf, sizeof(buf), MSG_DONTWAIT);
                if (r > 0) {
                    if (check_pattern(t.stream(), t.read, buf, std::size_t(r)) >= 0) {
                        std::fprintf(stderr, "pair %u: wrong bytes near %lu\n", t.seed,
                                     (unsigned long)t.read);
                        return false;
                    }
                    t.read += std::uint64_t(r), progress = true;
                    if (t.read > bytes) return false;
                    if (t.read == bytes) {
                        t.phase++;
                        t.wrote = t.read = 0;
                    }
                } else if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
                    std::fprintf(stderr, "pair %u: recv: %s\n", t.seed,
                                 r == 0 ? "EOF" : std::strerror(errno));
                    return false;
                }
            }
        }
        if (progress)
            last = now_s();
        else if (now_s() - last > stall) {
            std::fprintf(stderr, "tsp-pairs: no progress for %.0f s\n", stall);
            return false;
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    int active = 16, idle = 48, port = 7900;
    std::size_t bytes = 1 << 20;
    double stall = 30;
    std::string host = "127.0.0.1", ready, hold;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string k = argv[i];
        const char* v = argv[i + 1];
        if (k == "--active")
            active = std::atoi(v);
        else if (k == "--idle")
            idle = std::atoi(v);
        else if (k == "--bytes")
            bytes = std::size_t(std::atoll(v));
        else if (k == "--host")
            host = v;
        else if (k == "--port")
            port = std::atoi(v);
        else if (k == "--ready")
            ready = v;
        else if (k == "--hold-until")
            hold = v;
        else if (k == "--stall")
            stall = std::atof(v);
        else {
            std::fprintf(stderr, "tsp-pairs: unknown option %s\n", k.c_str());
            return 2;
        }
    }
    ::signal(SIGPIPE, SIG_IGN);
    int lfd = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in sa = addr4(host.c_str(), port);
    if (::bind(lfd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0 ||
        ::listen(lfd, 1024) != 0) {
        std::perror("tsp-pairs: listen");
        return 2;
    }
    std::vector<std::pair<int, int>> conns;
    for (int i = 0; i < idle + active; i++) {
        int c = ::socket(AF_INET, SOCK_STREAM, 0);
        if (::connect(c, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0) {
            std::perror("tsp-pairs: connect");
            return 2;
        }
        int s = ::accept(lfd, nullptr, nullptr);
        set_timeouts(c, stall);
        set_timeouts(s, stall);
        conns.emplace_back(c, s);
    }
    if (!ready.empty()) touch(ready);
    std::vector<Transfer> ts;
    for (int i = idle; i < idle + active; i++)
        ts.push_back({conns[i].first, conns[i].second, std::uint32_t(i)});
    const bool ok = run_all(ts, bytes, stall);
    std::printf("tsp-pairs: %d idle and %d active connections, %zu bytes each way: %s\n", idle,
                active, bytes, ok ? "intact" : "FAILED");
    std::fflush(stdout);
    if (!hold.empty())
        while (!exists(hold)) ::usleep(50000);
    return ok ? 0 : 1;
}

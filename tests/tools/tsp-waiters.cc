// tsp-waiters: many ends waiting in the module's registry, and how fast
// other connections pair meanwhile.
//
//   tsp-waiters [--waiting 100000] [--fresh 1000] [--port 7950]
//               [--dsts 4] [--ready FILE] [--hold-until FILE]
//
// Opens --waiting connections to a TCP_DEFER_ACCEPT listener on
// 127.0.0.1..127.0.0.<dsts>: the server side has no child until data comes,
// so every client end waits in the registry for its peer. Then times
// --fresh ordinary connections (connect, accept, one byte each way, close)
// to a second listener, and prints both rates. With --ready it creates
// FILE once the waiting ends are open; with --hold-until it keeps them
// until FILE exists. Exit 0 when every fresh connection echoed its byte.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "net.h"

using namespace tsp::tools;

namespace {

int listen_on(int port, bool defer, int backlog) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (defer) {
        int secs = 600;
        ::setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &secs, sizeof(secs));
    }
    sockaddr_in sa = addr4("0.0.0.0", port);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0 ||
        ::listen(fd, backlog) != 0) {
        std::perror("tsp-waiters: listen");
        std::exit(2);
    }
    return fd;
}

}  // namespace

int main(int argc, char** argv) {
    long waiting = 100000, fresh = 1000;
    int port = 7950, dsts = 4;
    std::string ready, hold;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string k = argv[i];
        const char* v = argv[i + 1];
        if (k == "--waiting")
            waiting = std::atol(v);
        else if (k == "--fresh")
            fresh = std::atol(v);
        else if (k == "--port")
            port = std::atoi(v);
        else if (k == "--dsts")
            dsts = std::atoi(v);
        else if (k == "--ready")
            ready = v;
        else if (k == "--hold-until")
            hold = v;
        else {
            std::fprintf(stderr, "tsp-waiters: unknown option %s\n", k.c_str());
            return 2;
        }
    }
    ::signal(SIGPIPE, SIG_IGN);
    rlimit rl{rlim_t(waiting + fresh + 1024), rlim_t(waiting + fresh + 1024)};
    if (::setrlimit(RLIMIT_NOFILE, &rl) != 0) {
        std::perror("tsp-waiters: RLIMIT_NOFILE");
        return 2;
    }
    int deferred = listen_on(port, true, int(waiting + 1024));
    int plain = listen_on(port + 1, false, 4096);

    double t0 = now_s();
    std::vector<int> fds;
    fds.reserve(std::size_t(waiting));
    for (long i = 0; i < waiting; i++) {
        std::string dst = "127.0.0." + std::to_string(1 + i % dsts);
        sockaddr_in sa = addr4(dst.c_str(), port);
        int c = ::socket(AF_INET, SOCK_STREAM, 0);
        if (c < 0 || ::connect(c, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0) {
            std::fprintf(stderr, "tsp-waiters: connect %ld: %s\n", i, std::strerror(errno));
            return 2;
        }
        fds.push_back(c);
    }
    double t1 = now_s();
    std::printf("tsp-waiters: %ld waiting ends opened in %.1f s (%.0f/s)\n", waiting, t1 - t0,
                double(waiting) / (t1 - t0));
    std::fflush(stdout);
    if (!ready.empty())
        if (FILE* f = std::fopen(ready.c_str(), "w")) std::fclose(f);

    long bad = 0;
    double t2 = now_s();
    for (long i = 0; i < fresh; i++) {
        sockaddr_in sa = addr4("127.0.0.1", port + 1);
        int c = ::socket(AF_INET, SOCK_STREAM, 0);
        if (::connect(c, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0) {
            bad++;
            ::close(c);
            continue;
        }
        int s = ::accept(plain, nullptr, nullptr);
        set_timeouts(c, 10);
        set_timeouts(s, 10);
        char x = 'x', y = 0;
        if (::send(c, &x, 1, 0) != 1 || ::recv(s, &y, 1, 0) != 1 || y != 'x' ||
            ::send(s, &y, 1, 0) != 1 || ::recv(c, &x, 1, 0) != 1)
            bad++;
        ::close(c);
        ::close(s);
    }
    double t3 = now_s();
    std::printf(
        "tsp-waiters: %ld fresh connections (connect, accept, 1 B each way, close) in "
        "%.2f s: %.0f/s, %ld failed\n",
        fresh, t3 - t2, double(fresh) / (t3 - t2), bad);
    std::fflush(stdout);
    if (!hold.empty())
        while (::access(hold.c_str(), F_OK) != 0) ::usleep(50000);
    for (int fd : fds) ::close(fd);
    ::close(deferred);
    return bad ? 1 : 0;
}

// tcp-splice-nri: containerd NRI plugin. Attaches tcp-splice to containers
// whose pod or container carries io.tcp-splice/* annotations.
//
// Runs either pre-registered (the runtime starts it with the connection on
// fd NRI_PLUGIN_SOCKET) or as a service connecting to the runtime's socket,
// reconnecting with backoff when the runtime restarts.
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "backend.h"
#include "bounded_backend.h"
#include "core/config.h"
#include "core/error.h"
#include "core/log.h"
#include "session.h"

namespace {

std::atomic<bool> g_stop{false};

void on_signal(int) { g_stop.store(true); }

int connect_unix(const std::string& path) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw tsp::Error(tsp::errno_message("socket", errno));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof(addr.sun_path)) {
        ::close(fd);
        throw tsp::Error("NRI socket path too long: " + path);
    }
    std::copy(path.begin(), path.end(), addr.sun_path);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) < 0) {
        int err = errno;
        ::close(fd);
        throw tsp::Error(tsp::errno_message("connecting to " + path, err));
    }
    return fd;
}

void sleep_unless_stopped(std::chrono::milliseconds d) {
    auto end = std::chrono::steady_clock::now() + d;
    while (!g_stop.load() && std::chrono::steady_clock::now() < end)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

const char* env_or(const char* name, const char* def) {
    const char* v = std::getenv(name);
    return v && *v ? v : def;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"tcp-splice NRI plugin: attach tcp-splice to annotated pods and containers"};
    std::string socket_path = "/var/run/nri/nri.sock";
    std::string name = env_or("NRI_PLUGIN_NAME", "tcp-splice");
    std::string idx = env_or("NRI_PLUGIN_IDX", "50");
    bool to_stderr = false;
    app.add_option("--socket", socket_path, "the runtime's NRI socket")->capture_default_str();
    app.add_option("--name", name, "plugin name")->capture_default_str();
    app.add_option("--idx", idx, "plugin index, two digits (order among plugins)")
        ->capture_default_str()
        ->check([](const std::string& s) {
            return s.size() == 2 && std::isdigit(static_cast<unsigned char>(s[0])) &&
                           std::isdigit(static_cast<unsigned char>(s[1]))
                       ? std::string()
                       : std::string("must be two digits, e.g. 50");
        });
    app.add_flag("--stderr", to_stderr, "also log to stderr");
    CLI11_PARSE(app, argc, argv);

    tsp::Log log("tcp-splice-nri", to_stderr);
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    signal(SIGPIPE, SIG_IGN);

    bool strict = false;
    try {
        strict = tsp::load_config(tsp::config_path()).hook_strict;
    } catch (const tsp::Error& e) {
        log.error(std::string(e.what()) + "; using the defaults");
    }
    tsp::nri::CoreBackend core{tsp::Paths{}, log};
    // Answer within 1.5 s of the runtime's 2 s request timeout, whatever
    // loading the program costs; slower work finishes in the background.
    tsp::nri::BoundedBackend backend(core, log, std::chrono::milliseconds(1500));
    const tsp::nri::Identity who{name, idx};

    // Pre-registered: the runtime launched us with the connection on a fd.
    if (const char* fdenv = std::getenv("NRI_PLUGIN_SOCKET")) {
        tsp::nri::Plugin plugin(backend, log, strict);
        try {
            auto end = tsp::nri::serve(std::atoi(fdenv), who, plugin, log, g_stop);
            log.info(end == tsp::nri::SessionEnd::Shutdown ? "runtime shut down: exiting"
                                                           : "connection ended: exiting");
            return end == tsp::nri::SessionEnd::Rejected ? 1 : 0;
        } catch (const tsp::Error& e) {
            log.error(std::string(e.what()) + ": exiting");
            return 1;
        }
    }

    using namespace std::chrono_literals;
    auto backoff = 500ms;
    bool reported = false;
    while (!g_stop.load()) {
        int fd = -1;
        try {
            fd = connect_unix(socket_path);
        } catch (const tsp::Error& e) {
            if (!reported) log.warn(std::string(e.what()) + "; retrying until it is up");
            reported = true;
            sleep_unless_stopped(backoff);
            backoff = std::min(backoff * 2, std::chrono::milliseconds(10s));
            continue;
        }
        reported = false;
        backoff = 500ms;
        log.info("connected to " + socket_path);
        // A fresh Plugin per connection: the runtime synchronizes it anew.
        tsp::nri::Plugin plugin(backend, log, strict);
        tsp::nri::SessionEnd end = tsp::nri::SessionEnd::Closed;
        try {
            end = tsp::nri::serve(fd, who, plugin, log, g_stop);
        } catch (const tsp::Error& e) {
            log.error(std::string(e.what()) + "; reconnecting");
        }
        ::close(fd);
        if (end == tsp::nri::SessionEnd::Shutdown) {
            log.info("runtime shut down: exiting");
            return 0;
        }
        if (end == tsp::nri::SessionEnd::Closed)
            log.warn("runtime closed the connection; reconnecting");
        if (end == tsp::nri::SessionEnd::Rejected)
            sleep_unless_stopped(5s);
        else
            sleep_unless_stopped(backoff);
    }
    log.info("stopping on signal");
    return 0;
}

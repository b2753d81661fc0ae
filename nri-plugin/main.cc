// tcp-splice-nri: containerd NRI plugin. Attaches tcp-splice to containers
// whose pod or container carries io.tcp-splice/* annotations.
//
// Runs either pre-registered (the runtime starts it with the connection on
// fd NRI_PLUGIN_SOCKET) or as a service connecting to the runtime's socket,
// reconnecting with backoff when the runtime restarts. With
// --metrics-address it also serves Prometheus metrics (GET /metrics).
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <thread>

#include "backend.h"
#include "bounded_backend.h"
#include "core/config.h"
#include "core/error.h"
#include "core/failures.h"
#include "core/log.h"
#include "core/metrics.h"
#include "metrics_server.h"
#include "session.h"
#include "tsp_version.h"

namespace {

std::atomic<bool> g_stop{false};
// For the metrics: connected to the runtime, and connections after the first.
std::atomic<bool> g_up{false};
std::atomic<std::uint64_t> g_connections{0};

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
    std::string metrics_address;
    app.set_version_flag("--version", std::string("tcp-splice-nri ") + TSP_VERSION);
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
    app.add_option("--metrics-address", metrics_address,
                   "serve Prometheus metrics on HOST:PORT (GET /metrics, /healthz), e.g. "
                   "127.0.0.1:9465; off by default (also nri.metrics_address in the config)");
    CLI11_PARSE(app, argc, argv);

    tsp::Log log("tcp-splice-nri", to_stderr);
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    signal(SIGPIPE, SIG_IGN);

    tsp::Config cfg;
    try {
        cfg = tsp::load_config(tsp::config_path());
    } catch (const tsp::Error& e) {
        log.error(std::string(e.what()) + "; using the defaults");
    }
    const bool strict = cfg.hook_strict;
    if (metrics_address.empty()) metrics_address = cfg.nri_metrics_address;
    const tsp::Paths paths;
    const tsp::FailOpenCounter failopen(paths.state_dir, tsp::kSourceNri);
    tsp::nri::CoreBackend core{paths, log};
    // Answer within 1.5 s of the runtime's 2 s request timeout, whatever
    // loading the program costs; slower work finishes in the background.
    tsp::nri::BoundedBackend backend(core, log, std::chrono::milliseconds(1500), &failopen);
    const tsp::nri::Identity who{name, idx};

    // Metrics are optional: a server that cannot start is logged, and the
    // plugin goes on without it.
    std::unique_ptr<tsp::nri::MetricsServer> metrics;
    if (!metrics_address.empty()) {
        metrics = std::make_unique<tsp::nri::MetricsServer>(log, [&paths] {
            tsp::MetricsSnapshot s = tsp::collect_metrics(paths);
            const std::uint64_t n = g_connections.load();
            s.nri = tsp::NriMetrics{g_up.load(), n > 0 ? n - 1 : 0};
            return tsp::render_metrics(s);
        });
        try {
            metrics->start(metrics_address);
            log.info("serving metrics on " + metrics_address + " (GET /metrics)");
        } catch (const tsp::Error& e) {
            log.error(std::string(e.what()) + "; running without metrics");
            metrics.reset();
        }
    }

    // Pre-registered: the runtime launched us with the connection on a fd.
    if (const char* fdenv = std::getenv("NRI_PLUGIN_SOCKET")) {
        tsp::nri::Plugin plugin(backend, log, strict, &failopen);
        g_connections.fetch_add(1);
        g_up.store(true);
        try {
            auto end = tsp::nri::serve(std::atoi(fdenv), who, plugin, log, g_stop);
            g_up.store(false);
            log.info(end == tsp::nri::SessionEnd::Shutdown ? "runtime shut down: exiting"
                                                           : "connection ended: exiting");
            return end == tsp::nri::SessionEnd::Rejected ? 1 : 0;
        } catch (const tsp::Error& e) {
            g_up.store(false);
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
        tsp::nri::Plugin plugin(backend, log, strict, &failopen);
        tsp::nri::SessionEnd end = tsp::nri::SessionEnd::Closed;
        g_connections.fetch_add(1);
        g_up.store(true);
        try {
            end = tsp::nri::serve(fd, who, plugin, log, g_stop);
        } catch (const tsp::Error& e) {
            log.error(std::string(e.what()) + "; reconnecting");
        }
        g_up.store(false);
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

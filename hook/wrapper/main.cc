// tcp-splice-runtime: a runc-compatible wrapper for engines without hooks.d
// (Docker). On create/run it adds tcp-splice-hook to the bundle's
// config.json when the spec carries io.tcp-splice/* annotations, then execs
// the real runtime with the same arguments and environment. Every other
// command is passed through untouched; `--version` alone prints ours before
// the real runtime's (docker shows the lines it knows). Fail-open: an edit
// that fails is logged and the container is created without the hook.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/error.h"
#include "core/log.h"
#include "core/runtime_args.h"
#include "core/spec_hooks.h"
#include "tsp_version.h"

namespace {

bool same_file(const std::string& a, const std::string& b) {
    struct stat sa, sb;
    return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

bool executable(const std::string& p) { return ::access(p.c_str(), X_OK) == 0; }

// First candidate found (names via PATH) that is not this wrapper itself.
std::string find_runtime(const std::vector<std::string>& candidates) {
    const char* path_env = std::getenv("PATH");
    const std::string path = path_env && *path_env ? path_env : "/usr/sbin:/usr/bin:/sbin:/bin";
    for (const auto& c : candidates) {
        std::vector<std::string> tries;
        if (c.find('/') != std::string::npos) {
            tries.push_back(c);
        } else {
            std::size_t start = 0;
            for (;;) {
                auto colon = path.find(':', start);
                std::string dir = path.substr(start, colon - start);
                if (!dir.empty()) tries.push_back(dir + "/" + c);
                if (colon == std::string::npos) break;
                start = colon + 1;
            }
        }
        for (const auto& t : tries)
            if (executable(t) && !same_file(t, "/proc/self/exe")) return t;
    }
    return "";
}

}  // namespace

int main(int argc, char** argv) {
    tsp::Log log("tcp-splice-runtime", false);
    tsp::Config cfg;
    try {
        cfg = tsp::load_config(tsp::config_path());
    } catch (const tsp::Error& e) {
        log.error(std::string(e.what()) + "; using the defaults");
    }
    const std::vector<std::string> args(argv + 1, argv + argc);
    if (tsp::is_version_query(args)) {
        std::printf("tcp-splice-runtime %s\n", TSP_VERSION);
        std::fflush(stdout);  // before exec replaces the buffer
    }
    try {
        const auto inv = tsp::parse_runtime_args(args);
        if (inv.creates()) {
            const std::string spec = inv.spec_path();
            if (tsp::add_splice_hooks_to_file(spec, cfg.hook_path))
                log.info("container " + inv.container_id.substr(0, 12) + ": added " +
                         cfg.hook_path + " to " + spec);
        }
    } catch (const std::exception& e) {
        log.error(std::string("not adding the tcp-splice hook: ") + e.what());
    }

    const std::string real = find_runtime(cfg.runtimes);
    if (real.empty()) {
        std::string names;
        for (const auto& r : cfg.runtimes) names += (names.empty() ? "" : ", ") + r;
        std::fprintf(stderr,
                     "tcp-splice-runtime: no OCI runtime found (tried %s): install runc or set "
                     "runtime.runtimes in %s\n",
                     names.c_str(), tsp::config_path().c_str());
        return 127;
    }
    std::vector<char*> out;
    out.push_back(const_cast<char*>(real.c_str()));
    for (int i = 1; i < argc; ++i) out.push_back(argv[i]);
    out.push_back(nullptr);
    ::execv(real.c_str(), out.data());
    std::fprintf(stderr, "tcp-splice-runtime: cannot run %s: %s\n", real.c_str(),
                 std::strerror(errno));
    return 127;
}

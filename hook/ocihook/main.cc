// tcp-splice-hook: createRuntime attaches the shared sock_ops program on the
// container's cgroup with the policy its io.tcp-splice/* annotations give;
// poststop removes it. Fail-open: problems are logged and the container
// starts, unless strict (annotation or config) asks to fail it. The hook
// confines itself with seccomp before it reads any of its input.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <optional>

#include "core/annotations.h"
#include "core/cgroup_path.h"
#include "core/checks.h"
#include "core/config.h"
#include "core/confine.h"
#include "core/container_attach.h"
#include "core/error.h"
#include "core/files.h"
#include "core/log.h"
#include "core/oci_state.h"
#include "ocihook/cli.h"

namespace tsp::hook {
namespace {

constexpr int kFail = 1;
constexpr unsigned kWatchdogSeconds = 20;

// Read by the watchdog: whether running out of time fails the container.
volatile sig_atomic_t g_strict = 0;

void on_watchdog(int) {
    static const char fail_msg[] = "tcp-splice: hook timed out\n";
    if (g_strict) {
        [[maybe_unused]] auto n = ::write(STDERR_FILENO, fail_msg, sizeof(fail_msg) - 1);
        _exit(kFail);
    }
    _exit(0);
}

class Run {
public:
    explicit Run(const Options& o) : o_(o), log_("tcp-splice-hook", o.to_stderr) {
        paths_.bpffs = o.bpffs;
        paths_.cgroup_root = o.cgroup_root;
        paths_.state_dir = o.state_dir;
    }

    int main() {
        // Confined before a byte of input is read, so the config file, the
        // OCI state on stdin and the bundle's config.json are all parsed
        // under the filter; one allow-list serves the whole run. Whether
        // the container is strict is not known yet: fail open.
        try {
            confine();
        } catch (const Error& e) {
            return fail("", std::string("cannot confine the hook: ") + e.what() +
                                " (TCP_SPLICE_SECCOMP=off runs it unconfined)");
        }
        try {
            cfg_ = load_config(o_.config.empty() ? config_path() : o_.config);
        } catch (const Error& e) {
            log_.error(std::string(e.what()) + "; using the defaults");
        }
        strict_ = cfg_.hook_strict;
        g_strict = strict_;
        OciState st;
        try {
            st = parse_state(read_all(STDIN_FILENO, kMaxStateBytes));
        } catch (const Error& e) {
            return fail("", std::string("cannot read the OCI state: ") + e.what());
        }
        id_ = st.id;
        try {
            return o_.stage == Stage::kPoststop ? poststop() : create(st);
        } catch (const std::exception& e) {
            return fail(id_, e.what());
        }
    }

private:
    // One line for the operator; the runtime shows stderr when we fail.
    int fail(const std::string& id, const std::string& why) {
        const std::string line = (id.empty() ? "" : "container " + short_id(id) + ": ") + why +
                                 (strict_ ? "" : "; container started without tcp-splice");
        log_.error(line);
        if (!strict_) return 0;
        std::fprintf(stderr, "tcp-splice: %s\n", line.c_str());
        return kFail;
    }

    int create(const OciState& st) {
        std::optional<BundleConfig> bundle;
        auto bundle_config = [&]() -> const BundleConfig& {
            if (!bundle) {
                if (st.bundle.empty()) throw Error("the OCI state has no bundle");
                bundle = parse_bundle_config(read_file(st.bundle + "/config.json", 16 << 20));
            }
            return *bundle;
        };
        const Annotations ann = st.annotations ? *st.annotations : bundle_config().annotations;
        const ContainerRequest req = parse_annotations(ann, cfg_.hook_strict);
        strict_ = req.strict;
        g_strict = strict_;
        if (!req.requested) return 0;
        for (const auto& w : req.warnings) log_.warn("container " + short_id(id_) + ": " + w);
        if (!req.ok()) {
            std::string all;
            for (const auto& e : req.errors) all += (all.empty() ? "" : "; ") + e;
            return fail(id_, all);
        }

        const std::string cgroup = container_cgroup_dir(
            paths_.cgroup_root, st.pid, [&] { return bundle_config().cgroups_path; });
        require_module(paths_);
        require_bpffs(paths_);
        auto res = attach_container(paths_, {}, id_, cgroup, req.policy, "oci-hook");
        if (!res.replaced.empty())
            log_.warn("container " + short_id(id_) +
                      ": replaced a malformed record: " + res.replaced);
        log_.info("container " + short_id(id_) + ": " +
                  (res.already ? "already attached on " : "attached on ") + cgroup + " (" +
                  describe(req.policy) + ")");
        return 0;
    }

    int poststop() {
        const auto res = detach_container(paths_, id_);
        if (!res.malformed.empty())
            log_.warn("container " + short_id(id_) +
                      ": removed a malformed record: " + res.malformed);
        if (res.found) log_.info("container " + short_id(id_) + ": detached");
        return 0;
    }

    // The seccomp allow-list (core/confine.h); TCP_SPLICE_SECCOMP=log only
    // logs what it would deny, =off skips it.
    void confine() {
        const char* mode = std::getenv("TCP_SPLICE_SECCOMP");
        if (mode && std::string(mode) == "off") return;
        confine_hook(mode && std::string(mode) == "log" ? ConfineMode::kLog
                                                        : ConfineMode::kEnforce);
    }

    const Options& o_;
    Log log_;
    Paths paths_;
    Config cfg_;
    bool strict_ = false;
    std::string id_;
};

}  // namespace
}  // namespace tsp::hook

int main(int argc, char** argv) {
    tsp::hook::Options opts;
    auto app = tsp::hook::make_cli(opts);
    try {
        app->parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (app->exit(e) == 0) return 0;
        // A broken hook entry must not stop containers: log it and go on.
        tsp::Log log("tcp-splice-hook", false);
        log.error(std::string("bad hook arguments: ") + e.what() +
                  "; fix the hook entry (hooks.d or config.json)");
        return 0;
    }
    ::signal(SIGALRM, tsp::hook::on_watchdog);
    ::alarm(tsp::hook::kWatchdogSeconds);
    return tsp::hook::Run(opts).main();
}

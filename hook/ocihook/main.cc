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
#include "core/failures.h"
#include "core/files.h"
#include "core/log.h"
#include "core/oci_state.h"
#include "ocihook/cli.h"

namespace tsp::hook {
namespace {

constexpr int kFail = 1;
constexpr unsigned kWatchdogSeconds = 20;

// Read by the watchdog: whether running out of time fails the container,
// and whether it lets a container that asked for tcp-splice run without it
// (then it counts a fail-open "timeout" in the file prepared here).
volatile sig_atomic_t g_strict = 0;
volatile sig_atomic_t g_count_timeout = 0;
char g_timeout_state[1024], g_timeout_dir[1100], g_timeout_file[1200];  // NUL-terminated

void prepare_timeout_counter(const std::string& state_dir) {
    const std::string dir = state_dir + "/failures";
    const std::string file = dir + "/" + kSourceHook + "." + failopen::kTimeout;
    if (state_dir.size() >= sizeof(g_timeout_state)) return;  // then not counted
    std::snprintf(g_timeout_state, sizeof(g_timeout_state), "%s", state_dir.c_str());
    std::snprintf(g_timeout_dir, sizeof(g_timeout_dir), "%s", dir.c_str());
    std::snprintf(g_timeout_file, sizeof(g_timeout_file), "%s", file.c_str());
}

void on_watchdog(int) {
    static const char fail_msg[] = "tcp-splice: hook timed out\n";
    if (g_strict) {
        [[maybe_unused]] auto n = ::write(STDERR_FILENO, fail_msg, sizeof(fail_msg) - 1);
        _exit(kFail);
    }
    if (g_count_timeout && g_timeout_file[0])
        count_failure_at(g_timeout_state, g_timeout_dir, g_timeout_file);
    _exit(0);
}

// The pod of a Kubernetes container, from what CRI runtimes annotate:
// containerd's io.kubernetes.cri.sandbox-*, CRI-O's io.kubernetes.pod.*.
PodRef pod_of(const Annotations& ann) {
    auto get = [&ann](const char* a, const char* b) {
        if (auto it = ann.find(a); it != ann.end()) return it->second;
        if (auto it = ann.find(b); it != ann.end()) return it->second;
        return std::string();
    };
    return {get("io.kubernetes.cri.sandbox-name", "io.kubernetes.pod.name"),
            get("io.kubernetes.cri.sandbox-namespace", "io.kubernetes.pod.namespace")};
}

class Run {
public:
    explicit Run(const Options& o) : o_(o), log_("tcp-splice-hook", o.to_stderr) {
        paths_.bpffs = o.bpffs;
        paths_.cgroup_root = o.cgroup_root;
        paths_.state_dir = o.state_dir;
        prepare_timeout_counter(paths_.state_dir);
    }

    int main() {
        // Confined before a byte of input is read, so the config file, the
        // OCI state on stdin and the bundle's config.json are all parsed
        // under the filter; one allow-list serves the whole run. Whether
        // the container is strict is not known yet: fail open.
        try {
            confine();
        } catch (const Error& e) {
            return fail("", failopen::kConfineFailed,
                        std::string("cannot confine the hook: ") + e.what() +
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
            return fail("", failopen::kBadState,
                        std::string("cannot read the OCI state: ") + e.what());
        }
        id_ = st.id;
        LogScope scope({{"CONTAINER_ID", id_}});
        try {
            return o_.stage == Stage::kPoststop ? poststop() : create(st);
        } catch (const std::exception& e) {
            return fail(id_, failure_reason(e, step_), e.what());
        }
    }

private:
    // One line for the operator; the runtime shows stderr when we fail.
    // Failing open counts `reason` (core/failures.h).
    int fail(const std::string& id, const char* reason, const std::string& why) {
        const std::string line = (id.empty() ? "" : "container " + short_id(id) + ": ") + why +
                                 (strict_ ? "" : "; container started without tcp-splice");
        log_.error(line, pod_fields_);
        if (!strict_) {
            count_failure(paths_.state_dir, kSourceHook, reason);
            return 0;
        }
        std::fprintf(stderr, "tcp-splice: %s\n", line.c_str());
        return kFail;
    }

    int create(const OciState& st) {
        std::optional<BundleConfig> bundle;
        auto bundle_config = [&]() -> const BundleConfig& {
            if (!bundle) {
                const char* outer = step_;
                step_ = failopen::kBadBundle;
                if (st.bundle.empty()) throw Error("the OCI state has no bundle");
                bundle = parse_bundle_config(read_file(st.bundle + "/config.json", 16 << 20));
                step_ = outer;
            }
            return *bundle;
        };
        const Annotations ann = st.annotations ? *st.annotations : bundle_config().annotations;
        const ContainerRequest req = parse_annotations(ann, cfg_.hook_strict);
        strict_ = req.strict;
        g_strict = strict_;
        const RequestAction action = action_of(req);
        if (action == RequestAction::kNone) return 0;
        const PodRef pod = pod_of(ann);
        if (!pod.name.empty()) pod_fields_.emplace_back("POD_NAME", pod.name);
        if (!pod.pod_namespace.empty())
            pod_fields_.emplace_back("POD_NAMESPACE", pod.pod_namespace);
        LogScope scope(pod_fields_);
        for (const auto& w : req.warnings) log_.warn("container " + short_id(id_) + ": " + w);
        if (action == RequestAction::kInvalid) {
            std::string all;
            for (const auto& e : req.errors) all += (all.empty() ? "" : "; ") + e;
            return fail(id_, failopen::kBadAnnotation, all);
        }
        if (action == RequestAction::kNoPolicy) return 0;  // the warning above says why
        g_count_timeout = 1;

        step_ = failopen::kCgroupNotFound;
        const std::string cgroup = container_cgroup_dir(
            paths_.cgroup_root, st.pid, [&] { return bundle_config().cgroups_path; });
        step_ = failopen::kModuleMissing;
        require_module(paths_);
        step_ = failopen::kBpffsMissing;
        require_bpffs(paths_);
        step_ = failopen::kAttachFailed;
        auto res = attach_container(paths_, {}, id_, cgroup, req.policy, kSourceHook, pod);
        if (!res.replaced.empty())
            log_.warn("container " + short_id(id_) +
                      ": replaced a malformed record: " + res.replaced);
        log_.info("container " + short_id(id_) + ": " +
                  (res.already ? "already attached on " : "attached on ") + cgroup + " (" +
                  describe(req.policy) + ")" +
                  (action == RequestAction::kOptOut
                       ? ": opted out, none of its connections is spliced, even under a "
                         "host-wide enable"
                       : ""));
        return 0;
    }

    int poststop() {
        step_ = failopen::kDetachFailed;
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
    // What create() or poststop() was doing: the fail-open reason of an
    // exception that names none.
    const char* step_ = failopen::kInternal;
    LogFields pod_fields_;  // POD_NAME, POD_NAMESPACE when known
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
        tsp::count_failure(opts.state_dir.empty() ? tsp::Paths{}.state_dir : opts.state_dir,
                           tsp::kSourceHook, tsp::failopen::kBadArguments);
        return 0;
    }
    ::signal(SIGALRM, tsp::hook::on_watchdog);
    ::alarm(tsp::hook::kWatchdogSeconds);
    return tsp::hook::Run(opts).main();
}

// Fail-open events: each time the OCI hook or the NRI plugin lets a
// container run without tcp-splice (it asked for it, something went wrong,
// and it is not strict), one persistent counter per (source, reason) goes
// up: <state_dir>/failures/<source>.<reason>, a decimal number, updated
// under an flock of that file. The metrics report them as
// tcp_splice_failopen_total{source, reason}.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace tsp {

// Sources.
inline constexpr const char* kSourceHook = "oci-hook";
inline constexpr const char* kSourceNri = "nri";

// Reasons: short fixed identifiers.
namespace failopen {
inline constexpr const char* kConfineFailed = "confine_failed";  // seccomp filter not installed
inline constexpr const char* kBadArguments = "bad_arguments";    // the hook entry is broken
inline constexpr const char* kBadState = "bad_state";            // OCI state unreadable
inline constexpr const char* kBadBundle = "bad_bundle";          // bundle config.json unreadable
inline constexpr const char* kBadAnnotation = "bad_annotation";  // io.tcp-splice/* malformed
inline constexpr const char* kCgroupNotFound = "cgroup_not_found";
inline constexpr const char* kModuleMissing = "module_missing";  // tcp_splice.ko not loaded
inline constexpr const char* kBpffsMissing = "bpffs_missing";
inline constexpr const char* kAttachFailed = "attach_failed";  // loading or attaching failed
inline constexpr const char* kDetachFailed = "detach_failed";
inline constexpr const char* kTimeout = "timeout";  // ran out of time (hook watchdog, NRI budget)
inline constexpr const char* kInternal = "internal";
}  // namespace failopen

// An Error that names its fail-open reason, for the counters.
class ReasonError : public Error {
public:
    ReasonError(const char* reason, const std::string& what) : Error(what), reason_(reason) {}
    const char* reason() const { return reason_; }

private:
    const char* reason_;
};

// The reason a ReasonError names, else `fallback`.
const char* failure_reason(const std::exception& e, const char* fallback);

// Adds one to <state_dir>/failures/<source>.<reason>, creating what is
// missing. Never throws and never blocks for long (it gives up after about
// 250 ms of contention): a fail-open path must stay one. Silently does
// nothing for a source or reason outside [a-z0-9_-]{1,64}.
void count_failure(std::string_view state_dir, std::string_view source,
                   std::string_view reason) noexcept;

// The same, async-signal-safe (for the hook's watchdog): `dir` is
// <state_dir>/failures, `file` the full path of the counter in it; both
// NUL-terminated and prepared before the signal.
void count_failure_at(const char* state_dir, const char* dir, const char* file) noexcept;

struct FailureCount {
    std::string source;
    std::string reason;
    std::uint64_t count = 0;
};

// Every counter under <state_dir>/failures, sorted by source and reason;
// empty when there is none or the directory is unreadable. Entries that are
// not counters are skipped. Never throws Error.
std::vector<FailureCount> read_failures(const std::string& state_dir);

// A source's counter, for the places that fail open.
class FailOpenCounter {
public:
    FailOpenCounter(std::string state_dir, std::string source)
        : state_dir_(std::move(state_dir)), source_(std::move(source)) {}
    void count(const char* reason) const noexcept { count_failure(state_dir_, source_, reason); }

private:
    std::string state_dir_;
    std::string source_;
};

}  // namespace tsp

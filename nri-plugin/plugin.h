// The NRI plugin service: decodes each ttrpc request for
// nri.pkg.api.v1alpha1.Plugin, decides per container and answers. The
// attach/detach work goes through a Backend, so this logic is testable
// without a kernel; the real Backend uses the core library.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/annotations.h"
#include "core/containers.h"
#include "core/failures.h"
#include "core/log.h"
#include "core/policy.h"

namespace nri::pkg::api::v1alpha1 {
class Container;
class PodSandbox;
}  // namespace nri::pkg::api::v1alpha1

namespace tsp::nri {

inline constexpr std::string_view kPluginService = "nri.pkg.api.v1alpha1.Plugin";
inline constexpr std::string_view kRuntimeService = "nri.pkg.api.v1alpha1.Runtime";

// ttrpc status codes (google.rpc.Code) we answer with.
enum class Code : int {
    Ok = 0,
    InvalidArgument = 3,
    FailedPrecondition = 9,
    Unimplemented = 12,
    Internal = 13,
};

struct Reply {
    Code code = Code::Ok;
    std::string message;
    std::string payload;  // serialized response message
};

class Backend {
public:
    virtual ~Backend() = default;
    // Attach on `cgroup_dir` (the record names `pod`); returns false when it
    // was already attached so. Throws Error (a ReasonError when it knows the
    // fail-open reason).
    virtual bool attach(const std::string& id, const std::string& cgroup_dir, const Policy& policy,
                        const PodRef& pod) = 0;
    // Returns false when the container had no attachment.
    virtual bool detach(const std::string& id) = 0;
    // Undoes an attach the caller gave up waiting for (it answered
    // Deferred) once that attach has finished, without waiting for either.
    // Backends that never defer just detach.
    virtual void detach_in_background(const std::string& id) { detach(id); }
    // Containers attached by this plugin (records with source "nri").
    virtual std::vector<std::string> attached() = 0;
    // The cgroup-v2 directory of a container; throws Error.
    virtual std::string cgroup_dir(std::uint32_t pid, const std::string& cgroups_path) = 0;
};

class Plugin {
public:
    // `failopen`, when given, counts the containers that run without the
    // tcp-splice they asked for.
    Plugin(Backend& backend, const Log& log, bool strict_default,
           const FailOpenCounter* failopen = nullptr)
        : backend_(backend), log_(log), strict_default_(strict_default), failopen_(failopen) {}

    Reply handle(std::string_view service, std::string_view method, std::string_view payload);

    bool shutdown_requested() const { return shutdown_; }
    bool configured() const { return configured_; }

private:
    Reply configure(std::string_view payload);
    Reply synchronize(std::string_view payload);
    Reply create_container(std::string_view payload);
    Reply stop_container(std::string_view payload);
    Reply state_change(std::string_view payload);
    // What attach_one did with a container.
    struct Attached {
        bool ok = false;      // attached, or finishing in the background
        std::string failure;  // a requested attach that did not happen: why
        bool fatal = false;   // ... and it fails the container (strict, may_fail)
        std::string name;     // "ns/pod/container (id)"
    };
    Reply dispatch(std::string_view method, std::string_view payload);
    // At StartContainer (`may_fail`) a strict container that cannot be
    // attached is not logged here: the caller fails it with `failure`.
    Attached attach_one(const ::nri::pkg::api::v1alpha1::PodSandbox& pod,
                        const ::nri::pkg::api::v1alpha1::Container& c, bool may_fail);
    Reply start_container(const ::nri::pkg::api::v1alpha1::PodSandbox& pod,
                          const ::nri::pkg::api::v1alpha1::Container& c);
    void detach_one(const std::string& id, const char* why);
    void count_failopen(const char* reason) const {
        if (failopen_) failopen_->count(reason);
    }

    Backend& backend_;
    const Log& log_;
    bool strict_default_;
    const FailOpenCounter* failopen_;
    bool configured_ = false;
    bool shutdown_ = false;
    // Split Synchronize: the earlier parts' payloads, concatenated (parsing
    // concatenated messages appends their repeated fields).
    std::string sync_parts_;
    // Container id -> pod id of what we attached, for the pod's stop/remove.
    std::map<std::string, std::string> pod_of_;
};

}  // namespace tsp::nri

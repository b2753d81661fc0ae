#include "backend.h"

#include "core/cgroup_path.h"
#include "core/checks.h"
#include "core/container_attach.h"
#include "core/containers.h"
#include "core/failures.h"

namespace tsp::nri {

inline constexpr const char* kSource = "nri";

bool CoreBackend::attach(const std::string& id, const std::string& cgroup_dir, const Policy& policy,
                         const PodRef& pod) {
    try {
        require_module(paths_);
    } catch (const Error& e) {
        throw ReasonError(failopen::kModuleMissing, e.what());
    }
    try {
        require_bpffs(paths_);
    } catch (const Error& e) {
        throw ReasonError(failopen::kBpffsMissing, e.what());
    }
    const auto res = attach_container(paths_, {}, id, cgroup_dir, policy, kSource, pod);
    if (!res.replaced.empty())
        log_.warn("container " + short_id(id) + ": replaced a malformed record: " + res.replaced);
    return !res.already;
}

bool CoreBackend::detach(const std::string& id) {
    const auto res = detach_container(paths_, id);
    if (!res.malformed.empty())
        log_.warn("container " + short_id(id) + ": removed a malformed record: " + res.malformed);
    return res.found;
}

std::vector<std::string> CoreBackend::attached() {
    std::vector<std::string> ids, skipped;
    for (const auto& r : ContainerRecords(paths_.state_dir).all(&skipped))
        if (r.source == kSource) ids.push_back(r.id);
    for (const auto& why : skipped) log_.warn(why + "; skipped (remove the file)");
    return ids;
}

std::string CoreBackend::cgroup_dir(std::uint32_t pid, const std::string& cgroups_path) {
    std::optional<int> p;
    if (pid) p = static_cast<int>(pid);
    return container_cgroup_dir(paths_.cgroup_root, p, [&] { return cgroups_path; });
}

}  // namespace tsp::nri

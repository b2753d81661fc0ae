#include "backend.h"

#include "core/cgroup_path.h"
#include "core/checks.h"
#include "core/container_attach.h"
#include "core/containers.h"

namespace tsp::nri {

inline constexpr const char* kSource = "nri";

bool CoreBackend::attach(const std::string& id, const std::string& cgroup_dir,
                         const Policy& policy) {
    require_module(paths_);
    require_bpffs(paths_);
    return !attach_container(paths_, {}, id, cgroup_dir, policy, kSource).already;
}

bool CoreBackend::detach(const std::string& id) { return detach_container(paths_, id); }

std::vector<std::string> CoreBackend::attached() {
    std::vector<std::string> ids;
    for (const auto& r : ContainerRecords(paths_.state_dir).all())
        if (r.source == kSource) ids.push_back(r.id);
    return ids;
}

std::string CoreBackend::cgroup_dir(std::uint32_t pid, const std::string& cgroups_path) {
    std::optional<int> p;
    if (pid) p = static_cast<int>(pid);
    return container_cgroup_dir(paths_.cgroup_root, p, [&] { return cgroups_path; });
}

}  // namespace tsp::nri

// The plugin's Backend on the real system: the core library's shared
// program, per-container attachments and records (source "nri"). Malformed
// record files are logged (one line each) and skipped, never fatal.
#pragma once

#include <cstdint>

#include "core/log.h"
#include "core/paths.h"
#include "plugin.h"

namespace tsp::nri {

class CoreBackend : public Backend {
public:
    CoreBackend(Paths paths, const Log& log) : paths_(std::move(paths)), log_(log) {}

    bool attach(const std::string& id, const std::string& cgroup_dir, const Policy& policy,
                const PodRef& pod) override;
    bool detach(const std::string& id) override;
    std::vector<std::string> attached() override;
    std::string cgroup_dir(std::uint32_t pid, const std::string& cgroups_path) override;

private:
    Paths paths_;
    const Log& log_;
};

}  // namespace tsp::nri

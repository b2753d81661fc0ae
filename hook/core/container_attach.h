// Per-container attachments shared by the OCI hook and the NRI plugin: the
// record is written before the link and removed after it, so whatever runs
// at stop time (poststop, NRI StopContainer) always finds what to remove.
#pragma once

#include <string>

#include "core/containers.h"
#include "core/paths.h"
#include "core/policy.h"
#include "core/program.h"

namespace tsp {

struct ContainerAttach {
    std::string attachment;
    bool already = false;  // a retried start: nothing changed
};

// Attaches the shared program on `cgroup_dir` with `policy` for the
// container. A stale attachment left under the same id (its stop never
// ran) is replaced. Throws Error; on failure nothing is left behind.
ContainerAttach attach_container(const Paths& paths, const ProgramOptions& opts,
                                 const std::string& id, const std::string& cgroup_dir,
                                 const Policy& policy, const std::string& source);

// Removes the container's attachment and record; false when it had none.
bool detach_container(const Paths& paths, const std::string& id);

}  // namespace tsp

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
    std::string replaced;  // why the record found under this id was unreadable (it was replaced)
};

// Attaches the shared program on `cgroup_dir` with `policy` for the
// container (its record names `pod` when known). A stale attachment left
// under the same id (its stop never ran) is replaced, and so is a malformed
// record. Throws Error; on failure nothing is left behind.
ContainerAttach attach_container(const Paths& paths, const ProgramOptions& opts,
                                 const std::string& id, const std::string& cgroup_dir,
                                 const Policy& policy, const std::string& source,
                                 const PodRef& pod = {});

struct ContainerDetach {
    bool found = false;     // it had an attachment or a record
    std::string malformed;  // why its record was unreadable (removed all the same)
};

// Removes the container's attachment and record. A malformed record never
// stops this: the attachment is then found by the name derived from the id.
ContainerDetach detach_container(const Paths& paths, const std::string& id);

}  // namespace tsp

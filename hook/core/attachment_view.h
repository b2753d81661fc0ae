// Every attachment with what it has done: the program's per-CPU "acct"
// slot of each attachment (summed over CPUs), the container it belongs to
// (from the hook's and the NRI plugin's records) and the live pairs with an
// end in its cgroup subtree. Shared by `tcp-splice-ctl ps` and the metrics.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/paths.h"
#include "core/program.h"
#include "tcp_splice_abi.h"

namespace tsp {

struct AttachmentView {
    Attachment attachment;
    std::string container_id;   // empty for a host attachment
    std::string pod;            // pod name, when the NRI plugin knew it
    std::string pod_namespace;  // its Kubernetes namespace
    std::string source;         // "oci-hook", "nri", or "" (tcp-splice-ctl)
    // Counters of sockets it decided; nullopt when its slot is unreadable
    // (a program from before per-attachment accounting).
    std::optional<tsp_attach_stats> stats;
    std::uint64_t live_ends = 0;   // paired ends now in its cgroup subtree
    std::uint64_t live_bytes = 0;  // bytes those ends sent through rings so far
};

// Names of tsp_attach_stats' counters, in its order, with their values
// ("seen", "why_disabled", ..., "bytes_startup").
std::vector<std::pair<std::string, std::uint64_t>> attach_stat_fields(const tsp_attach_stats& s);
// The name of one tsp_why value ("none", "disabled", "port", ...).
const char* why_name(unsigned why);

// The attachment that decides for sockets in cgroup directory @path: the
// deepest one at or above it; nullptr when none covers it.
const AttachmentView* deciding_attachment(const std::vector<AttachmentView>& views,
                                          const std::string& path);

// Empty when the program is not loaded.
std::vector<AttachmentView> collect_attachments(const Paths& paths);

}  // namespace tsp

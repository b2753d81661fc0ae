// Why a connection is, or is not, spliced: the first gate that stopped each
// of its ends, from what the kernel reports about the socket (sock_diag:
// its cgroup, the module's ULP details, the program's per-socket decision)
// and the attachments.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "core/attachment_view.h"
#include "core/sockdiag.h"

namespace tsp {

struct Explanation {
    // "spliced", "not_attached", "undecided", a why_name() ("port",
    // "loopback", "peer_no_token", ...), "waiting", "withdrawn",
    // "detached", "ring_refused".
    std::string gate;
    bool spliced = false;    // payload goes (or went) through the rings
    std::string attachment;  // the deciding attachment; empty if none
    std::string cgroup;      // the socket's cgroup directory, if known
    std::string detail;      // one sentence: what stopped it, what to do
};

// @cgroups: id -> directory (cgroup_dirs()). @attachments: collect_attachments().
Explanation explain_socket(const SocketInfo& s, const std::vector<AttachmentView>& attachments,
                           const std::unordered_map<std::uint64_t, std::string>& cgroups);

}  // namespace tsp

#include "core/explain.h"

#include "core/policy.h"

namespace tsp {
namespace {

std::string ports_of(const SocketInfo& s) {
    return std::to_string(s.local_port) + " and " + std::to_string(s.remote_port);
}

void from_module(const SocketInfo& s, Explanation& e) {
    if (!s.splice) {
        e.gate = "withdrawn";
        e.detail = "offered to the module, which no longer holds it (it is closing)";
        return;
    }
    const UlpInfo& u = *s.splice;
    switch (u.state) {
        case TSP_END_PAIRED:
            e.spliced = true;
            if (u.tx_refused) {
                e.gate = "ring_refused";
                e.detail =
                    "paired, but no ring could be reserved for its sends (the ring memory "
                    "limit, its network namespace's share, or its memory cgroup): it sends "
                    "over TCP; raise ring_limit_mbytes / ring_netns_share or memory.max";
            } else {
                e.gate = "spliced";
                e.detail = "paired: its payload goes through the rings";
            }
            return;
        case TSP_END_WAITING:
            e.gate = "waiting";
            e.detail =
                "offered, but its peer end never arrived (the peer has not reached "
                "ESTABLISHED, or was not offered): TCP until it does";
            return;
        case TSP_END_DETACHED:
            e.gate = "detached";
            e.detail = "was paired, then disconnected (connect(AF_UNSPEC)): plain TCP since";
            return;
        case TSP_END_WITHDRAWN:
        default:
            e.gate = "withdrawn";
            e.detail =
                "offered, but left unpaired before its peer came (closed, or TCP_REPAIR): TCP";
            return;
    }
}

}  // namespace

Explanation explain_socket(const SocketInfo& s, const std::vector<AttachmentView>& atts,
                           const std::unordered_map<std::uint64_t, std::string>& cgroups) {
    Explanation e;
    if (auto it = cgroups.find(s.cgroup_id); it != cgroups.end()) e.cgroup = it->second;
    const AttachmentView* att = e.cgroup.empty() ? nullptr : deciding_attachment(atts, e.cgroup);
    if (att) e.attachment = att->attachment.name;
    const bool decided = s.decided && (s.decided->flags & ST_EST);
    if (!decided) {
        if (!att) {
            e.gate = "not_attached";
            e.detail = "not in an attached cgroup: no attachment covers " +
                       (e.cgroup.empty() ? std::string("its cgroup") : e.cgroup) +
                       "; enable tcp-splice there (tcp-splice-ctl enable --cgroup DIR, or an "
                       "io.tcp-splice/ annotation on the container)";
        } else {
            e.gate = "undecided";
            e.detail = "attachment " + att->attachment.name +
                       " covers it, but it was established before the attachment (or its "
                       "ESTABLISHED step was never seen): reconnect";
        }
        return e;
    }
    const std::string by = att ? "attachment " + att->attachment.name : "its attachment";
    const unsigned why = s.decided->why;
    e.gate = why_name(why);
    switch (why) {
        case TSP_WHY_DISABLED:
            e.detail = by + "'s policy is disabled (io.tcp-splice/enabled=false)";
            break;
        case TSP_WHY_PORT:
            e.detail = "port off policy: neither " + ports_of(s) + " is in " + by + "'s " +
                       (att ? describe(att->attachment.policy) : std::string("policy"));
            break;
        case TSP_WHY_LOOPBACK:
            e.detail = by + " is loopback-only and an end is not a loopback address";
            break;
        case TSP_WHY_NO_MODULE:
            e.detail = "the tcp_splice module was not loaded when it was established";
            break;
        case TSP_WHY_PEER_NO_TOKEN:
            e.detail =
                "its peer took no part (it sent no token): the peer is not in an attached "
                "cgroup, its policy said no, it is on another host, or the SYN had no room "
                "for the option (TCP Fast Open)";
            break;
        case TSP_WHY_LISTENER_EARLY:
            e.detail =
                "its listener was listening before the attachment and was not prepared: "
                "restart the server, or re-run tcp-splice-ctl enable (it prepares listeners)";
            break;
        case TSP_WHY_OFFERED:
            from_module(s, e);
            break;
        case TSP_WHY_REFUSED_SOCK:
            e.detail =
                "refused by the module: not a plain TCP socket (another ULP such as kTLS, "
                "sockmap, a kernel socket, or TCP_REPAIR)";
            break;
        case TSP_WHY_REFUSED_CLAIM:
            e.detail = "refused by the module: its handshake tokens were already claimed";
            break;
        case TSP_WHY_REFUSED_NOMEM:
            e.detail = "refused by the module: out of memory for its state";
            break;
        default:
            e.detail = "refused by the module";
            break;
    }
    return e;
}

}  // namespace tsp

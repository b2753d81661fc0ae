#include "ctl/ps_cmd.h"

#include <cstdint>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "core/attachment_view.h"
#include "core/checks.h"
#include "core/containers.h"
#include "core/policy.h"

namespace tsp::ctl {
namespace {

Paths make_paths(const Options& o) {
    Paths p;
    p.bpffs = o.bpffs;
    return p;
}

std::uint64_t sum_why(const tsp_attach_stats& s, std::initializer_list<unsigned> whys) {
    std::uint64_t n = 0;
    for (unsigned w : whys) n += s.why[w];
    return n;
}

nlohmann::json to_json(const AttachmentView& v) {
    nlohmann::json j{{"attachment", v.attachment.name},
                     {"cgroup", v.attachment.cgroup_path},
                     {"cgroup_id", v.attachment.cgroup_id},
                     {"policy", describe(v.attachment.policy)},
                     {"container_id", v.container_id},
                     {"pod", v.pod},
                     {"namespace", v.pod_namespace},
                     {"source", v.source},
                     {"live_ends", v.live_ends},
                     {"live_bytes", v.live_bytes}};
    if (v.stats) {
        nlohmann::json c = nlohmann::json::object();
        for (const auto& [k, n] : attach_stat_fields(*v.stats)) c[k] = n;
        j["counters"] = std::move(c);
    } else {
        j["counters"] = nullptr;
    }
    return j;
}

std::string column(std::string s, std::size_t width) {
    if (s.empty()) s = "-";
    if (s.size() > width) s = s.substr(0, width - 1) + "~";
    return s + std::string(width + 1 - s.size(), ' ');
}

}  // namespace

int run_ps(const Options& o) {
    require_root();
    const auto views = collect_attachments(make_paths(o));
    if (o.json) {
        nlohmann::json j = nlohmann::json::array();
        for (const auto& v : views) j.push_back(to_json(v));
        std::cout << j.dump(2) << "\n";
        return 0;
    }
    if (views.empty()) {
        std::cout << "no attachments (tcp-splice is not enabled anywhere)\n";
        return 0;
    }
    // SEEN: connection ends it decided; SPLICED: ends paired (closed or live);
    // OFF: its policy said no; NO-PEER: the other end took no part or never
    // came; REFUSED: the module refused; LIVE: paired ends now; BYTES: sent
    // through rings (closed and live ends).
    std::cout << column("ATTACHMENT", 20) << column("CONTAINER", 12) << column("POD", 24)
              << "    SEEN SPLICED     OFF NO-PEER REFUSED  LIVE        BYTES  CGROUP\n";
    for (const auto& v : views) {
        std::string pod = v.pod.empty() ? "" : v.pod_namespace + "/" + v.pod;
        std::cout << column(v.attachment.name, 20) << column(short_id(v.container_id), 12)
                  << column(pod, 24);
        char buf[160];
        if (v.stats) {
            const auto& s = *v.stats;
            std::snprintf(
                buf, sizeof(buf), "%8llu %7llu %7llu %7llu %7llu %5llu %12llu  ",
                static_cast<unsigned long long>(s.seen),
                static_cast<unsigned long long>(s.paired + v.live_ends),
                static_cast<unsigned long long>(
                    sum_why(s, {TSP_WHY_DISABLED, TSP_WHY_PORT, TSP_WHY_LOOPBACK})),
                static_cast<unsigned long long>(
                    sum_why(s, {TSP_WHY_PEER_NO_TOKEN, TSP_WHY_LISTENER_EARLY}) + s.unpaired),
                static_cast<unsigned long long>(
                    sum_why(s, {TSP_WHY_NO_MODULE, TSP_WHY_REFUSED_SOCK, TSP_WHY_REFUSED_CLAIM,
                                TSP_WHY_REFUSED_NOMEM, TSP_WHY_REFUSED_OTHER})),
                static_cast<unsigned long long>(v.live_ends),
                static_cast<unsigned long long>(s.bytes_ring + v.live_bytes));
        } else {
            std::snprintf(buf, sizeof(buf), "%8s %7s %7s %7s %7s %5llu %12s  ", "?", "?", "?", "?",
                          "?", static_cast<unsigned long long>(v.live_ends), "?");
        }
        std::cout << buf << (v.attachment.cgroup_path.empty() ? "(gone)" : v.attachment.cgroup_path)
                  << "\n";
    }
    return 0;
}

}  // namespace tsp::ctl

#include "core/attachment_view.h"

#include <map>
#include <string_view>

#include "core/cgroup_tree.h"
#include "core/containers.h"
#include "core/pairs.h"

namespace tsp {
namespace {

constexpr const char* kWhyNames[TSP_WHY_MAX] = {
    "none",           "disabled", "port",         "loopback",      "no_module",     "peer_no_token",
    "listener_early", "offered",  "refused_sock", "refused_claim", "refused_nomem", "refused_other",
};

bool within(std::string_view path, std::string_view dir) {
    return path == dir || (path.size() > dir.size() && path.substr(0, dir.size()) == dir &&
                           path[dir.size()] == '/');
}

std::uint64_t number(const PairInfo& p, const char* key) {
    auto it = p.find(key);
    if (it == p.end()) return 0;
    try {
        return std::stoull(it->second);
    } catch (const std::exception&) {
        return 0;
    }
}

}  // namespace

const AttachmentView* deciding_attachment(const std::vector<AttachmentView>& views,
                                          const std::string& path) {
    const AttachmentView* best = nullptr;
    for (const auto& v : views) {
        const auto& dir = v.attachment.cgroup_path;
        if (dir.empty() || !within(path, dir)) continue;
        if (!best || dir.size() > best->attachment.cgroup_path.size()) best = &v;
    }
    return best;
}

const char* why_name(unsigned why) { return why < TSP_WHY_MAX ? kWhyNames[why] : "unknown"; }

std::vector<std::pair<std::string, std::uint64_t>> attach_stat_fields(const tsp_attach_stats& s) {
    std::vector<std::pair<std::string, std::uint64_t>> out{{"seen", s.seen}};
    for (unsigned i = 0; i < TSP_WHY_MAX; i++)
        out.emplace_back(std::string("why_") + kWhyNames[i], s.why[i]);
    out.insert(out.end(), {{"closed", s.closed},
                           {"paired", s.paired},
                           {"unpaired", s.unpaired},
                           {"ring_refused", s.ring_refused},
                           {"bytes_ring", s.bytes_ring},
                           {"bytes_startup", s.bytes_startup}});
    return out;
}

std::vector<AttachmentView> collect_attachments(const Paths& paths) {
    std::vector<AttachmentView> views;
    Program prog(paths);
    if (!prog.loaded()) return views;
    std::map<std::string, ContainerRecord> records;
    for (auto& r : ContainerRecords(paths.state_dir).all()) records[r.attachment] = r;
    for (auto& a : prog.list()) {
        AttachmentView v;
        v.stats = prog.attach_stats(a.cgroup_id);
        if (auto it = records.find(a.name); it != records.end()) {
            v.container_id = it->second.id;
            v.pod = it->second.pod;
            v.pod_namespace = it->second.pod_namespace;
            v.source = it->second.source;
        }
        v.attachment = std::move(a);
        views.push_back(std::move(v));
    }
    const auto pairs = read_pairs(paths);
    if (pairs.empty()) return views;
    const auto by_id = cgroup_dirs(paths.cgroup_root);
    for (const auto& p : pairs) {
        for (const auto& [cg, bytes] :
             {std::pair{"cgroup_a", "bytes_ab"}, {"cgroup_b", "bytes_ba"}}) {
            auto it = by_id.find(number(p, cg));
            if (it == by_id.end()) continue;
            if (const AttachmentView* d = deciding_attachment(views, it->second)) {
                AttachmentView& v = views[static_cast<std::size_t>(d - views.data())];
                v.live_ends++;
                v.live_bytes += number(p, bytes);
            }
        }
    }
    return views;
}

}  // namespace tsp

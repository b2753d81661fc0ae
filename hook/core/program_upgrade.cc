#include "core/program_upgrade.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include "core/error.h"
#include "core/files.h"
#include "core/lock.h"
#include "core/program_pins.h"
#include "core/program_skeleton.h"
#include "tsp_version.h"

namespace tsp {
namespace {

using namespace pins;

// Whether the pinned map at @pin has the shape @want declares, so the new
// program can take it over with its contents.
bool same_shape(int pinned_fd, const bpf_map* want) {
    bpf_map_info info;
    std::memset(&info, 0, sizeof(info));
    __u32 len = sizeof(info);
    if (bpf_obj_get_info_by_fd(pinned_fd, &info, &len) != 0) return false;
    return info.type == static_cast<__u32>(bpf_map__type(want)) &&
           info.key_size == bpf_map__key_size(want) &&
           info.value_size == bpf_map__value_size(want) &&
           info.max_entries == bpf_map__max_entries(want) &&
           info.map_flags == bpf_map__map_flags(want);
}

// A pin staged beside its final name (bpffs refuses names with dots), then
// renamed over it: a reader finds the old object or the new one, never none.
// Unstaged on destruction unless committed.
class StagedPin {
public:
    StagedPin(int fd, std::string path) : path_(std::move(path)), tmp_(path_ + "_new") {
        ::unlink(tmp_.c_str());
        if (bpf_obj_pin(fd, tmp_.c_str()) != 0)
            throw Error(errno_message("pinning " + tmp_, errno));
    }
    StagedPin(const StagedPin&) = delete;
    StagedPin& operator=(const StagedPin&) = delete;
    ~StagedPin() {
        if (!done_) ::unlink(tmp_.c_str());
    }
    void commit() {
        if (::rename(tmp_.c_str(), path_.c_str()) != 0)
            throw Error(errno_message("renaming " + tmp_ + " to " + path_, errno));
        done_ = true;
    }

private:
    std::string path_, tmp_;
    bool done_ = false;
};

}  // namespace

std::optional<std::string> read_pinned_version(const Paths& paths) {
    const std::string dir = paths.pin_dir();
    if (!path_exists(dir + "/" + kProgPin)) return std::nullopt;
    if (!path_exists(dir + "/" + kMetaPin)) return std::string();
    UniqueFd map = obj_get(dir + "/" + kMetaPin);
    tsp_prog_meta meta;
    std::memset(&meta, 0, sizeof(meta));
    __u32 zero = 0;
    if (bpf_map_lookup_elem(map.get(), &zero, &meta) != 0) return std::string();
    meta.version[sizeof(meta.version) - 1] = '\0';
    return std::string(meta.version);
}

// Replaces an older pinned program with this version's: the new program
// takes over the pinned per-attachment and per-socket maps (policy, acct,
// decided; the kernel allows a link's program to change only between
// programs that share its cgroup storages), then every pinned link is
// switched to it atomically (bpf_link_update with BPF_F_REPLACE: a socket
// event runs the old program or the new one, never neither, and no
// attachment is detached in between), then the pins are renamed over.
// Counters (.bss) carry over when their layout is unchanged. Throws, with
// nothing changed, when the pinned maps have another layout. Caller holds
// the lock.
ReloadReport replace_pinned_program(const Paths& paths, const ProgramOptions& opts) {
    ReloadReport r;
    r.to = TSP_VERSION;
    auto pinned = read_pinned_version(paths);
    if (!pinned) {
        r.outcome = ReloadOutcome::kNotLoaded;
        return r;
    }
    r.from = *pinned;
    if (*pinned == TSP_VERSION) {
        r.outcome = ReloadOutcome::kCurrent;
        return r;
    }
    if (!pinned->empty() && version_less(TSP_VERSION, *pinned)) {
        r.outcome = ReloadOutcome::kPinnedNewer;
        return r;
    }
    const std::string dir = paths.pin_dir();
    UniqueFd old_prog = obj_get(dir + "/" + kProgPin);
    Skeleton skel = open_skeleton();
    std::vector<UniqueFd> keep;  // the reused maps' fds, open until loaded
    struct Take {
        const char* pin;
        bpf_map* map;
    };
    for (const Take& t : {Take{kPolicyPin, skel->maps.policy}, Take{kAcctPin, skel->maps.acct},
                          Take{kDecidedPin, skel->maps.decided}}) {
        UniqueFd fd = obj_get(dir + "/" + t.pin);
        if (!same_shape(fd.get(), t.map))
            throw Error("the pinned program (" +
                        (pinned->empty() ? std::string("< 0.2.0") : *pinned) + ") keeps its " +
                        t.pin +
                        " in another layout than this version's: it cannot be replaced in place; "
                        "run 'tcp-splice-ctl disable --all' and enable again (spliced "
                        "connections stay spliced)");
        if (int err = bpf_map__reuse_fd(t.map, fd.get()); err != 0)
            throw Error(errno_message(std::string("taking over ") + t.pin, -err));
        keep.push_back(std::move(fd));
    }
    bool stats_kept = false;
    if (path_exists(dir + "/" + kStatsPin)) {
        UniqueFd fd = obj_get(dir + "/" + kStatsPin);
        if (same_shape(fd.get(), skel->maps.bss) &&
            bpf_map__reuse_fd(skel->maps.bss, fd.get()) == 0) {
            stats_kept = true;
            keep.push_back(std::move(fd));
        }
    }
    load_skeleton(paths, opts, skel.get());
    const int new_prog = bpf_program__fd(skel->progs.tcp_splice_sockops);
    // Staged before any link moves, so that nothing after the moves but a
    // rename in one directory can fail.
    std::vector<std::unique_ptr<StagedPin>> staged;
    staged.push_back(std::make_unique<StagedPin>(new_prog, dir + "/" + kProgPin));
    staged.push_back(
        std::make_unique<StagedPin>(bpf_map__fd(skel->maps.meta), dir + "/" + kMetaPin));
    if (!stats_kept)
        staged.push_back(
            std::make_unique<StagedPin>(bpf_map__fd(skel->maps.bss), dir + "/" + kStatsPin));

    // Switch every link; on a failure, switch back the ones already moved.
    std::vector<UniqueFd> moved;
    for (const auto& name : link_names(paths)) {
        UniqueFd link = obj_get(paths.links_dir() + "/" + name);
        LIBBPF_OPTS(bpf_link_update_opts, uo, .flags = BPF_F_REPLACE,
                    .old_prog_fd = static_cast<__u32>(old_prog.get()));
        if (bpf_link_update(link.get(), new_prog, &uo) != 0) {
            int err = errno;
            for (auto& m : moved) {
                LIBBPF_OPTS(bpf_link_update_opts, back, .flags = BPF_F_REPLACE,
                            .old_prog_fd = static_cast<__u32>(new_prog));
                bpf_link_update(m.get(), old_prog.get(), &back);
            }
            throw Error(errno_message("moving attachment '" + name + "' to the new program", err));
        }
        moved.push_back(std::move(link));
    }
    r.attachments = moved.size();
    for (auto& p : staged) p->commit();
    r.counters_kept = stats_kept;
    r.outcome = ReloadOutcome::kReplaced;
    return r;
}

bool version_less(const std::string& a, const std::string& b) {
    // Numeric dot-separated fields; a missing field is 0; anything after
    // the digits of a field (a "-rc1") is ignored.
    auto field = [](const std::string& v, std::size_t& pos) {
        unsigned long n = 0;
        while (pos < v.size() && v[pos] >= '0' && v[pos] <= '9') n = n * 10 + (v[pos++] - '0');
        while (pos < v.size() && v[pos] != '.') pos++;
        if (pos < v.size()) pos++;
        return n;
    };
    std::size_t i = 0, j = 0;
    while (i < a.size() || j < b.size()) {
        unsigned long x = field(a, i), y = field(b, j);
        if (x != y) return x < y;
    }
    return false;
}

}  // namespace tsp

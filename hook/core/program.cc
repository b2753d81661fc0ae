#include "core/program.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <regex>
#include <thread>

#include "core/error.h"
#include "core/fd.h"
#include "core/files.h"
#include "core/lock.h"
#include "core/netns.h"
#include "core/params.h"
#include "core/program_pins.h"
#include "core/program_skeleton.h"
#include "core/program_upgrade.h"
#include "prepare.skel.h"
#include "tsp_version.h"

namespace tsp {
namespace {

using namespace pins;

std::uint64_t cgroup_id_of_fd(int fd) {
    struct stat st;
    if (::fstat(fd, &st) != 0) throw Error(errno_message("fstat cgroup", errno));
    return st.st_ino;  // on cgroup2 the inode number is the cgroup id
}

bpf_cgroup_storage_key storage_key(std::uint64_t cgroup_id) {
    bpf_cgroup_storage_key key;
    std::memset(&key, 0, sizeof(key));
    key.cgroup_inode_id = cgroup_id;
    key.attach_type = BPF_CGROUP_SOCK_OPS;
    return key;
}

std::uint64_t link_cgroup_id(int link_fd) {
    bpf_link_info info;
    std::memset(&info, 0, sizeof(info));
    __u32 len = sizeof(info);
    if (bpf_obj_get_info_by_fd(link_fd, &info, &len) != 0)
        throw Error(errno_message("reading link info", errno));
    return info.cgroup.cgroup_id;
}

std::optional<Policy> read_policy(int map_fd, std::uint64_t cgroup_id) {
    auto key = storage_key(cgroup_id);
    tsp_policy rec;
    if (bpf_map_lookup_elem(map_fd, &key, &rec) != 0) return std::nullopt;
    return decode(rec);
}

// Walks the cgroup2 tree for the directory whose inode is @id.
std::string resolve_cgroup(const std::string& root, std::uint64_t id) {
    static thread_local std::uint64_t want;
    static thread_local std::string found;
    want = id;
    found.clear();
    ::nftw(
        root.c_str(),
        [](const char* path, const struct stat* st, int type, struct FTW*) {
            if (type == FTW_D && st->st_ino == want) {
                found = path;
                return 1;
            }
            return 0;
        },
        16, FTW_PHYS | FTW_MOUNT);
    return found;
}

struct Loaded {
    UniqueFd prog;
    UniqueFd policy;
    bool loaded_now = false;
};

// Opens the pinned program, or loads and pins it. Caller holds the lock.
Loaded open_or_load(const Paths& paths, const ProgramOptions& opts) {
    Loaded l;
    const std::string dir = paths.pin_dir();
    if (path_exists(dir + "/" + kProgPin)) {
        // A newer tool takes over an older pinned program first, so that
        // what it attaches runs its own code; when it cannot (an
        // incompatible state layout), it drives the pinned one as is.
        try {
            replace_pinned_program(paths, opts);
        } catch (const Error&) {
        }
        l.prog = obj_get(dir + "/" + kProgPin);
        l.policy = obj_get(dir + "/" + kPolicyPin);
        return l;
    }
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
        throw Error(errno_message("cannot create " + dir, errno));

    Skeleton skel = open_skeleton();
    bpf_map__set_pin_path(skel->maps.policy, (dir + "/" + kPolicyPin).c_str());
    bpf_map__set_pin_path(skel->maps.bss, (dir + "/" + kStatsPin).c_str());
    bpf_map__set_pin_path(skel->maps.decided, (dir + "/" + kDecidedPin).c_str());
    bpf_map__set_pin_path(skel->maps.acct, (dir + "/" + kAcctPin).c_str());
    bpf_map__set_pin_path(skel->maps.meta, (dir + "/" + kMetaPin).c_str());
    try {
        load_skeleton(paths, opts, skel.get());
    } catch (const Error&) {
        unpin_program(paths);
        throw;
    }
    if (int err = bpf_program__pin(skel->progs.tcp_splice_sockops, (dir + "/" + kProgPin).c_str());
        err != 0) {
        unpin_program(paths);
        throw Error(errno_message("pinning the program failed", -err));
    }
    l.prog.reset(::dup(bpf_program__fd(skel->progs.tcp_splice_sockops)));
    l.policy.reset(::dup(bpf_map__fd(skel->maps.policy)));
    l.loaded_now = true;
    return l;
}

// Prepares the listeners older than an attachment on @cgroup_id (the
// directory @cgroup_dir), as the program's listen step prepares new ones
// (bpf/prepare.bpf.c), or with @undo takes back from every listener what
// was set on it: a TCP socket iterator, sharing the program's socket-state
// map. An iterator sees the sockets of the namespace it is created in, so
// it runs in ours and, with @all_netns, in every other the cgroup's
// processes are in (all processes' for @undo); a namespace we may not
// enter is skipped. Returns how many listeners it changed.
std::uint64_t prepare_listeners(const Paths& paths, std::uint64_t cgroup_id,
                                const std::string& cgroup_dir, bool all_netns, bool undo = false) {
    std::unique_ptr<prepare_bpf, void (*)(prepare_bpf*)> skel(prepare_bpf::open(),
                                                              prepare_bpf::destroy);
    if (!skel) throw Error(errno_message("cannot open the listener iterator", errno));
    skel->rodata->target_cgroup_id = cgroup_id;
    skel->rodata->undo = undo;
    UniqueFd state = obj_get(paths.pin_dir() + "/" + kDecidedPin);
    if (int err = bpf_map__reuse_fd(skel->maps.decided, state.get()); err != 0)
        throw Error(errno_message("sharing the socket-state map", -err));
    if (int err = prepare_bpf::load(skel.get()); err != 0)
        throw Error(errno_message("loading the listener iterator", -err));
    std::unique_ptr<bpf_link, int (*)(bpf_link*)> link(
        bpf_program__attach_iter(skel->progs.tcp_splice_prepare, nullptr), bpf_link__destroy);
    if (!link) throw Error(errno_message("attaching the listener iterator", errno));
    auto run = [&] {
        UniqueFd it(bpf_iter_create(bpf_link__fd(link.get())));
        if (!it) throw Error(errno_message("running the listener iterator", errno));
        char buf[256];
        while (::read(it.get(), buf, sizeof(buf)) > 0) {
        }
    };
    run();
    if (all_netns)
        for (const UniqueFd& ns : netns_of_cgroup(undo ? std::string() : cgroup_dir))
            in_netns(ns.get(), run);
    return skel->bss->prepared;
}

void wait_module_release(const Paths& paths) {
    using namespace std::chrono;
    auto deadline = steady_clock::now() + seconds(5);
    for (;;) {
        auto refs = module_refcnt(paths);
        if (!refs || *refs == 0 || steady_clock::now() > deadline) return;
        std::this_thread::sleep_for(milliseconds(20));
    }
}

}  // namespace

std::vector<std::pair<std::string, std::uint64_t>> stat_fields(const tsp_prog_stats& s) {
    return {{"established", s.established},         {"matched", s.matched},
            {"kfunc_called", s.kfunc_called},       {"kfunc_failed", s.kfunc_failed},
            {"syn_option", s.syn_option},           {"synack_option", s.synack_option},
            {"no_option_space", s.no_option_space}, {"peer_no_option", s.peer_no_option},
            {"other_host", s.other_host},           {"listener_early", s.listener_early}};
}

Program::Program(Paths paths, ProgramOptions opts) : paths_(std::move(paths)), opts_(opts) {}

bool Program::valid_name(const std::string& name) {
    static const std::regex re("[A-Za-z0-9_.-]{1,128}");
    return std::regex_match(name, re) && name != "." && name != "..";
}

bool Program::loaded() const { return path_exists(paths_.pin_dir() + "/" + kProgPin); }

AttachResult Program::attach(const std::string& name, const std::string& cgroup_dir,
                             const Policy& policy) {
    if (!valid_name(name))
        throw Error("bad attachment name '" + name + "': use 1-128 of [A-Za-z0-9_.-]");
    UniqueFd cg(::open(cgroup_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!cg) throw Error(errno_message("cannot open cgroup " + cgroup_dir, errno));
    const std::uint64_t cg_id = cgroup_id_of_fd(cg.get());

    FileLock lock(paths_);
    Loaded l = open_or_load(paths_, opts_);
    const std::string pin = paths_.links_dir() + "/" + name;
    auto undo_load = [&] {
        if (l.loaded_now && link_names(paths_).empty()) unpin_program(paths_);
    };

    if (path_exists(pin)) {
        UniqueFd link = obj_get(pin);
        const std::uint64_t have_id = link_cgroup_id(link.get());
        const auto have = read_policy(l.policy.get(), have_id);
        if (have_id == cg_id && have && *have == policy) return AttachResult::kAlreadyAttached;
        std::string where = resolve_cgroup(paths_.cgroup_root, have_id);
        throw ConflictError(where.empty() ? "cgroup id " + std::to_string(have_id) : where,
                            have ? describe(*have) : "no policy");
    }

    // One attachment per cgroup: they would share its one policy record.
    for (auto& other : link_names(paths_)) {
        UniqueFd o = obj_get(paths_.links_dir() + "/" + other);
        if (link_cgroup_id(o.get()) == cg_id)
            throw Error("the program is already attached to " + cgroup_dir + " as '" + other +
                        "': detach that attachment first");
    }
    UniqueFd link(bpf_link_create(l.prog.get(), cg.get(), BPF_CGROUP_SOCK_OPS, nullptr));
    if (!link) {
        int err = errno;
        undo_load();
        throw Error(errno_message("attaching to " + cgroup_dir + " failed", err));
    }
    auto key = storage_key(cg_id);
    auto rec = encode(policy);
    if (bpf_map_update_elem(l.policy.get(), &key, &rec, BPF_ANY) != 0) {
        int err = errno;
        link.reset();
        undo_load();
        throw Error(errno_message("writing the policy for " + cgroup_dir + " failed", err));
    }
    if (::mkdir(paths_.links_dir().c_str(), 0700) != 0 && errno != EEXIST) {
        int err = errno;
        link.reset();
        undo_load();
        throw Error(errno_message("cannot create " + paths_.links_dir(), err));
    }
    if (bpf_obj_pin(link.get(), pin.c_str()) != 0) {
        int err = errno;
        link.reset();
        undo_load();
        throw Error(errno_message("pinning the link at " + pin + " failed", err));
    }
    // Best effort: without it only listeners older than the attachment
    // stay unspliced (counted by the program as listener_early).
    try {
        prepare_listeners(paths_, cg_id, cgroup_dir, opts_.all_netns);
    } catch (const Error&) {
    }
    return AttachResult::kAttached;
}

bool Program::detach(const std::string& name) {
    if (!valid_name(name))
        throw Error("bad attachment name '" + name + "': use 1-128 of [A-Za-z0-9_.-]");
    bool found = false;
    {
        FileLock lock(paths_);
        const std::string pin = paths_.links_dir() + "/" + name;
        found = path_exists(pin);
        if (found && ::unlink(pin.c_str()) != 0)
            throw Error(errno_message("cannot remove " + pin, errno));
    }
    release_if_unused();
    return found;
}

bool Program::release_if_unused() {
    bool released = false;
    {
        FileLock lock(paths_);
        if (loaded() && link_names(paths_).empty()) {
            // Best effort: listeners keep only flags no program reads.
            try {
                prepare_listeners(paths_, 0, {}, opts_.all_netns, true);
            } catch (const Error&) {
            }
            unpin_program(paths_);
            released = true;
        }
    }
    if (released) wait_module_release(paths_);
    return released;
}

std::vector<Attachment> Program::list() const {
    std::vector<Attachment> out;
    if (!loaded()) return out;
    UniqueFd policy = obj_get(paths_.pin_dir() + "/" + kPolicyPin);
    for (auto& name : link_names(paths_)) {
        Attachment a;
        a.name = name;
        UniqueFd link = obj_get(paths_.links_dir() + "/" + name);
        a.cgroup_id = link_cgroup_id(link.get());
        a.cgroup_path = resolve_cgroup(paths_.cgroup_root, a.cgroup_id);
        if (auto p = read_policy(policy.get(), a.cgroup_id)) a.policy = *p;
        out.push_back(std::move(a));
    }
    return out;
}

namespace {

// The value of @key in the map pinned at @pin (every CPU's slot, each rounded
// up to 8 bytes, for a per-CPU map), or nullopt when the pin is absent, its
// values are smaller than @min_size (an older program's), or @key is not there.
std::optional<std::vector<unsigned char>> pinned_value(const std::string& pin, const void* key,
                                                       std::size_t min_size, bool per_cpu,
                                                       std::size_t* slot) {
    if (!path_exists(pin)) return std::nullopt;
    UniqueFd map = obj_get(pin);
    bpf_map_info info;
    std::memset(&info, 0, sizeof(info));
    __u32 len = sizeof(info);
    if (bpf_obj_get_info_by_fd(map.get(), &info, &len) != 0 || info.value_size < min_size)
        return std::nullopt;
    const int ncpu = per_cpu ? libbpf_num_possible_cpus() : 1;
    if (ncpu <= 0) return std::nullopt;
    *slot = per_cpu ? (info.value_size + 7) / 8 * 8 : info.value_size;
    std::vector<unsigned char> value(*slot * static_cast<std::size_t>(ncpu));
    if (bpf_map_lookup_elem(map.get(), key, value.data()) != 0) return std::nullopt;
    return value;
}

}  // namespace

std::optional<tsp_prog_stats> Program::stats() const {
    __u32 key = 0;
    std::size_t slot = 0;
    auto v = pinned_value(paths_.pin_dir() + "/" + kStatsPin, &key, sizeof(tsp_prog_stats), false,
                          &slot);
    if (!v) return std::nullopt;
    tsp_prog_stats s;
    std::memcpy(&s, v->data(), sizeof(s));  // stats is the first .bss variable
    return s;
}

std::optional<tsp_attach_stats> Program::attach_stats(std::uint64_t cgroup_id) const {
    auto key = storage_key(cgroup_id);
    std::size_t slot = 0;
    auto v = pinned_value(paths_.pin_dir() + "/" + kAcctPin, &key, sizeof(tsp_attach_stats), true,
                          &slot);
    if (!v) return std::nullopt;
    // Every counter summed over the CPUs' slots.
    constexpr std::size_t n = sizeof(tsp_attach_stats) / sizeof(std::uint64_t);
    std::uint64_t sum[n] = {};
    for (std::size_t off = 0; off + slot <= v->size(); off += slot) {
        std::uint64_t one[n];
        std::memcpy(one, v->data() + off, sizeof(one));
        for (std::size_t i = 0; i < n; i++) sum[i] += one[i];
    }
    tsp_attach_stats s;
    std::memcpy(&s, sum, sizeof(s));
    return s;
}

std::optional<std::string> Program::pinned_version() const { return read_pinned_version(paths_); }

ReloadReport Program::reload() {
    FileLock lock(paths_);
    return replace_pinned_program(paths_, opts_);
}

std::string Program::decided_map_pin() const { return paths_.pin_dir() + "/" + kDecidedPin; }

}  // namespace tsp

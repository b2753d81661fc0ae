// The one shared sock_ops program: loaded once and pinned under
// <bpffs>/tcp_splice/, attached per named attachment through a bpf_link
// pinned at <bpffs>/tcp_splice/links/<name>, with the attachment's policy in
// the program's cgroup storage. Every mutation holds FileLock (core/lock.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/paths.h"
#include "core/policy.h"
#include "core/program_options.h"
#include "tcp_splice_abi.h"

namespace tsp {

struct Attachment {
    std::string name;
    std::uint64_t cgroup_id = 0;
    std::string cgroup_path;  // empty when the id no longer resolves
    Policy policy;
};

enum class AttachResult { kAttached, kAlreadyAttached };

// Every counter of the program, by name, in the ABI's order.
std::vector<std::pair<std::string, std::uint64_t>> stat_fields(const tsp_prog_stats& s);

class Program {
public:
    explicit Program(Paths paths, ProgramOptions opts = {});

    // Idempotent for the same cgroup and policy; ConflictError otherwise.
    // On failure nothing is left behind.
    AttachResult attach(const std::string& name, const std::string& cgroup_dir,
                        const Policy& policy);
    // Removes the attachment; when none is left, unpins the program and its
    // maps and waits for the kernel to release the module. False when absent.
    bool detach(const std::string& name);
    // When no attachment is left but the program is pinned (a crash between
    // steps), unpins it and its maps as the last detach does. True when it did.
    bool release_if_unused();

    // Replaces an older pinned program with this version's, moving every
    // attachment over atomically (nothing is detached in between); leaves
    // the same or a newer version in place. attach() does it implicitly.
    // Throws, changing nothing, when the pinned state has another layout.
    ReloadReport reload();
    // The pinned program's version: nullopt when nothing is pinned, "" when
    // it is older than 0.2.0 (it recorded none).
    std::optional<std::string> pinned_version() const;

    std::vector<Attachment> list() const;
    std::optional<tsp_prog_stats> stats() const;
    // The attachment on `cgroup_id`'s counters, summed over CPUs; nullopt
    // when not loaded, not attached there, or pinned by an older version.
    std::optional<tsp_attach_stats> attach_stats(std::uint64_t cgroup_id) const;
    // Where the per-socket state map ("decided") is pinned.
    std::string decided_map_pin() const;
    bool loaded() const;

    static bool valid_name(const std::string& name);

private:
    Paths paths_;
    ProgramOptions opts_;
};

}  // namespace tsp

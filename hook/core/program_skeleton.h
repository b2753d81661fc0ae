// Internal to the Program implementation: this version's sock_ops program,
// opened and loaded (program.cc pins it; program_upgrade.cc puts it in the
// place of an older one).
#pragma once

#include <memory>

#include "core/paths.h"
#include "core/program_options.h"
// The skeleton names the ABI's types: their definitions first.
// clang-format off
#include "tcp_splice_abi.h"
#include "tcp_splice.skel.h"
// clang-format on

namespace tsp {

using Skeleton = std::unique_ptr<tcp_splice_bpf, void (*)(tcp_splice_bpf*)>;

// Opens this version's program with its read-only data set; the caller
// chooses pins or reuses maps, then calls load_skeleton().
Skeleton open_skeleton();
// Loads @skel, checks that it bound the module's kfuncs (with
// opts.require_module) and records this version in its "meta" map.
void load_skeleton(const Paths& paths, const ProgramOptions& opts, tcp_splice_bpf* skel);

}  // namespace tsp

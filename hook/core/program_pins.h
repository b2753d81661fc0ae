// Internal to the Program implementation (program*.cc): where the program,
// its maps and its links are pinned under <bpffs>/tcp_splice, and the small
// helpers every part of it uses.
#pragma once

#include <string>
#include <vector>

#include "core/fd.h"
#include "core/paths.h"

namespace tsp::pins {

constexpr const char* kProgPin = "prog";
constexpr const char* kPolicyPin = "map_policy";
constexpr const char* kStatsPin = "map_stats";
constexpr const char* kDecidedPin = "map_decided";
constexpr const char* kAcctPin = "map_acct";
constexpr const char* kMetaPin = "map_meta";

// bpf_obj_get(), or Error naming @path.
UniqueFd obj_get(const std::string& path);
// The attachment names pinned under links/.
std::vector<std::string> link_names(const Paths& paths);
// Removes the program and map pins; their kernel objects go when the last
// reference (a link, an fd) does.
void unpin_program(const Paths& paths);

}  // namespace tsp::pins

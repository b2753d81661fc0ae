// The module's live pair list, /proc/net/tcp_splice_pairs: one line per
// pair of "key=value" fields (a, b, netns_a, netns_b, bytes_ab, bytes_ba,
// fill_ab, fill_ba, size, nat, cgroup_a, cgroup_b, and a_peer, b_peer with nat=1).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/paths.h"

namespace tsp {

using PairInfo = std::map<std::string, std::string>;

std::vector<PairInfo> parse_pairs(std::string_view text);
// Empty when the module is not loaded.
std::vector<PairInfo> read_pairs(const Paths& paths);

}  // namespace tsp

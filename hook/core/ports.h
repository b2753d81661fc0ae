// Port lists as operators write them: "6379,8080".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tsp {

// Sorted, duplicate-free ports; throws Error naming the bad item.
std::vector<std::uint16_t> parse_ports(std::string_view list);

// "6379,8080", or "any" for an empty list.
std::string format_ports(const std::vector<std::uint16_t>& ports);

}  // namespace tsp

#include "core/ports.h"

#include <algorithm>
#include <cctype>

#include "core/error.h"
#include "core/text.h"
#include "tcp_splice_abi.h"

namespace tsp {
namespace {

std::uint16_t parse_port(std::string_view item) {
    const std::string shown(item);
    if (item.empty()) throw Error("bad port list: empty item (write ports as 6379,8080)");
    if (item.size() > 5 ||
        !std::all_of(item.begin(), item.end(), [](char c) { return c >= '0' && c <= '9'; }))
        throw Error("bad port '" + shown + "': ports are numbers 1-65535, comma-separated");
    unsigned long v = std::stoul(shown);
    if (v < 1 || v > 65535)
        throw Error("bad port '" + shown + "': ports are numbers 1-65535, comma-separated");
    return static_cast<std::uint16_t>(v);
}

}  // namespace

std::vector<std::uint16_t> parse_ports(std::string_view list) {
    if (trim(list).empty()) throw Error("bad port list: empty (write ports as 6379,8080)");
    std::vector<std::uint16_t> ports;
    for (;;) {
        auto comma = list.find(',');
        ports.push_back(parse_port(trim(list.substr(0, comma))));
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
    }
    std::sort(ports.begin(), ports.end());
    ports.erase(std::unique(ports.begin(), ports.end()), ports.end());
    if (ports.size() > TSP_MAX_PORTS)
        throw Error("bad port list: " + std::to_string(ports.size()) + " ports, at most " +
                    std::to_string(TSP_MAX_PORTS) + " are supported");
    return ports;
}

std::string format_ports(const std::vector<std::uint16_t>& ports) {
    if (ports.empty()) return "any";
    std::string s;
    for (auto p : ports) {
        if (!s.empty()) s += ',';
        s += std::to_string(p);
    }
    return s;
}

}  // namespace tsp

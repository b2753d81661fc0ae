// Per-attachment policy and its encoding into the program's cgroup storage
// record (struct tsp_policy, bpf/tcp_splice_abi.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tcp_splice_abi.h"

namespace tsp {

struct Policy {
    bool enabled = true;
    bool loopback_only = false;
    std::vector<std::uint16_t> ports;  // sorted, unique; empty = any port

    bool operator==(const Policy&) const = default;
};

tsp_policy encode(const Policy& p);
// A record the control plane never wrote (version 0) decodes as disabled.
Policy decode(const tsp_policy& rec);
// "loopback_only=1, ports=6379,8080" (ports=any when empty; ", disabled" when off).
std::string describe(const Policy& p);

}  // namespace tsp

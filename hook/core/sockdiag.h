// TCP sockets of the current network namespace through NETLINK_SOCK_DIAG,
// with what tcp-splice knows about each: the module's ULP details
// (INET_DIAG_ULP_INFO, kernel/tcp_splice_uapi.h) and the program's
// per-socket decision (its socket storage map "decided").
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "tcp_splice_abi.h"

namespace tsp {

// The module's TSP_INFO_* attributes of one socket.
struct UlpInfo {
    std::uint8_t state = 0;  // enum tsp_end_state; 0 when not reported
    std::uint8_t side = 0;   // this end's index in the pair
    bool active = false;     // the connecting end
    bool nat = false;        // addresses were translated between the ends
    std::uint32_t ring_size = 0;
    std::uint32_t tx_fill = 0;
    std::uint32_t rx_fill = 0;
    std::uint64_t tx_bytes = 0;
    std::uint64_t rx_bytes = 0;
    std::uint64_t startup_bytes = 0;
    bool tx_refused = false;
    std::uint32_t spin_ns = 0;                // its blocking reader's adaptive spin before sleeping
    std::uint32_t wake_ns = 0;                // its reader's mean measured wake-up latency
    std::optional<std::uint32_t> peer_netns;  // only for CAP_NET_ADMIN requesters
};

struct SocketInfo {
    int family = 0;      // AF_INET or AF_INET6
    unsigned state = 0;  // TCP state number (TCP_ESTABLISHED, ...)
    std::string local;   // address text, without port
    std::uint16_t local_port = 0;
    std::string remote;
    std::uint16_t remote_port = 0;
    std::uint64_t inode = 0;
    std::uint32_t uid = 0;
    std::uint64_t cgroup_id = 0;  // 0 when the kernel did not report one
    std::string ulp;              // the socket's ULP name, empty if none
    std::optional<UlpInfo> splice;
    std::optional<tsp_sock_state> decided;  // holds the token: never print it
};

// Applied after the dump; every set field must match.
struct SocketFilter {
    std::optional<std::uint16_t> port;  // either end
    // Either end; IPv4 or IPv6 text. ::ffff:a.b.c.d and a.b.c.d match each other.
    std::optional<std::string> address;
    std::optional<std::set<std::uint64_t>> cgroup_ids;  // the socket's cgroup is one of these
    bool established_only = false;
    // Only sockets with the tcp_splice ULP or a decided state.
    bool splice_only = false;
};

// Every TCP socket (AF_INET and AF_INET6) of the calling thread's network
// namespace that passes @filter. With @decided_map_fd >= 0 (the pinned
// "decided" map) also each socket's tsp_sock_state; when the kernel refuses
// that (no CAP_BPF, not a socket storage map), dumps without it and, with
// @storage_error, says why there. Throws Error on a bad filter address or a
// netlink failure.
std::vector<SocketInfo> dump_tcp_sockets(const SocketFilter& filter, int decided_map_fd,
                                         std::string* storage_error = nullptr);

// Decodes an INET_DIAG_ULP_INFO payload: the TSP_ULP_INFO attribute in it,
// nullopt when there is none. Malformed bytes are skipped, never read past
// @len.
std::optional<UlpInfo> parse_ulp_info(const unsigned char* data, std::size_t len);

// INET_ULP_INFO_NAME of an INET_DIAG_ULP_INFO payload; empty if none.
std::string parse_ulp_name(const unsigned char* data, std::size_t len);

// "waiting", "paired", "detached", "withdrawn"; "unknown" otherwise.
const char* end_state_name(unsigned state);

// The TCP state as ss names it ("ESTAB", "LISTEN", "TIME-WAIT", ...).
const char* tcp_state_name(unsigned state);

}  // namespace tsp

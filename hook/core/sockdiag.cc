#include "core/sockdiag.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <functional>

#include "core/error.h"
#include "core/fd.h"

namespace tsp {
namespace {

// Calls @fn(type, payload, payload_len) for every well-formed attribute in
// [data, data + len); stops at the first one that claims more than is left.
void for_each_attr(const unsigned char* data, std::size_t len,
                   const std::function<void(unsigned, const unsigned char*, std::size_t)>& fn) {
    while (data && len >= NLA_HDRLEN) {
        nlattr a;
        std::memcpy(&a, data, sizeof(a));
        if (a.nla_len < NLA_HDRLEN || a.nla_len > len) return;
        fn(a.nla_type & NLA_TYPE_MASK, data + NLA_HDRLEN, a.nla_len - NLA_HDRLEN);
        const std::size_t step = NLA_ALIGN(a.nla_len);
        if (step >= len) return;
        data += step;
        len -= step;
    }
}

// Reads an unsigned integer attribute of exactly sizeof(T) bytes.
template <class T>
bool get(const unsigned char* p, std::size_t n, T* out) {
    if (n != sizeof(T)) return false;
    std::memcpy(out, p, sizeof(T));
    return true;
}

void decode_tsp_info(const unsigned char* data, std::size_t len, UlpInfo* u) {
    for_each_attr(data, len, [u](unsigned type, const unsigned char* p, std::size_t n) {
        std::uint8_t b;
        std::uint32_t w;
        switch (type) {
            case TSP_INFO_STATE:
                get(p, n, &u->state);
                break;
            case TSP_INFO_SIDE:
                get(p, n, &u->side);
                break;
            case TSP_INFO_ACTIVE:
                if (get(p, n, &b)) u->active = b != 0;
                break;
            case TSP_INFO_NAT:
                if (get(p, n, &b)) u->nat = b != 0;
                break;
            case TSP_INFO_RING_SIZE:
                get(p, n, &u->ring_size);
                break;
            case TSP_INFO_TX_FILL:
                get(p, n, &u->tx_fill);
                break;
            case TSP_INFO_RX_FILL:
                get(p, n, &u->rx_fill);
                break;
            case TSP_INFO_TX_BYTES:
                get(p, n, &u->tx_bytes);
                break;
            case TSP_INFO_RX_BYTES:
                get(p, n, &u->rx_bytes);
                break;
            case TSP_INFO_STARTUP_BYTES:
                get(p, n, &u->startup_bytes);
                break;
            case TSP_INFO_TX_REFUSED:
                if (get(p, n, &b)) u->tx_refused = b != 0;
                break;
            case TSP_INFO_PEER_NETNS:
                if (get(p, n, &w)) u->peer_netns = w;
                break;
            case TSP_INFO_SPIN_NS:
                get(p, n, &u->spin_ns);
                break;
            case TSP_INFO_WAKE_NS:
                get(p, n, &u->wake_ns);
                break;
            default:  // TSP_INFO_PAD and attributes newer than us
                break;
        }
    });
}

// A filter address in binary: IPv4 (also for ::ffff:a.b.c.d) or IPv6.
struct Addr {
    int family = 0;
    unsigned char bytes[16] = {};
    bool operator==(const Addr& o) const {
        return family == o.family && std::memcmp(bytes, o.bytes, family == AF_INET ? 4 : 16) == 0;
    }
};

Addr normalized(int family, const void* raw) {
    Addr a;
    a.family = family;
    std::memcpy(a.bytes, raw, family == AF_INET ? 4 : 16);
    if (family == AF_INET6) {
        in6_addr v6;
        std::memcpy(&v6, raw, sizeof(v6));
        if (IN6_IS_ADDR_V4MAPPED(&v6)) {
            a.family = AF_INET;
            std::memcpy(a.bytes, &v6.s6_addr[12], 4);
        }
    }
    return a;
}

Addr parse_filter_address(const std::string& text) {
    unsigned char buf[16];
    if (::inet_pton(AF_INET, text.c_str(), buf) == 1) return normalized(AF_INET, buf);
    if (::inet_pton(AF_INET6, text.c_str(), buf) == 1) return normalized(AF_INET6, buf);
    throw Error("not an IPv4 or IPv6 address: '" + text +
                "': pass one like 127.0.0.1 or ::1 (no brackets, no port)");
}

std::string addr_text(int family, const void* raw) {
    char buf[INET6_ADDRSTRLEN] = {};
    if (!::inet_ntop(family, raw, buf, sizeof(buf))) return "?";
    return buf;
}

// The map id of @map_fd, 0 when unknown.
std::uint32_t map_id(int map_fd) {
    bpf_map_info info;
    std::memset(&info, 0, sizeof(info));
    __u32 len = sizeof(info);
    if (bpf_obj_get_info_by_fd(map_fd, &info, &len) != 0) return 0;
    return info.id;
}

// INET_DIAG_SK_BPF_STORAGES: the value stored by map @want_id (any map when 0).
std::optional<tsp_sock_state> decode_storages(const unsigned char* data, std::size_t len,
                                              std::uint32_t want_id) {
    std::optional<tsp_sock_state> out;
    for_each_attr(data, len, [&](unsigned type, const unsigned char* p, std::size_t n) {
        if (type != SK_DIAG_BPF_STORAGE) return;
        std::uint32_t id = 0;
        bool have_id = false;
        const unsigned char* value = nullptr;
        std::size_t value_len = 0;
        for_each_attr(p, n, [&](unsigned t, const unsigned char* q, std::size_t m) {
            if (t == SK_DIAG_BPF_STORAGE_MAP_ID) {
                have_id = get(q, m, &id);
            } else if (t == SK_DIAG_BPF_STORAGE_MAP_VALUE) {
                value = q;
                value_len = m;
            }
        });
        if (!value || value_len < sizeof(tsp_sock_state)) return;
        if (want_id != 0 && (!have_id || id != want_id)) return;
        tsp_sock_state st;
        std::memcpy(&st, value, sizeof(st));
        out = st;
    });
    return out;
}

struct DumpRequest {
    nlmsghdr nlh;
    inet_diag_req_v2 req;
    nlattr stgs;      // INET_DIAG_REQ_SK_BPF_STORAGES
    nlattr map_attr;  // SK_DIAG_BPF_STORAGE_REQ_MAP_FD
    std::uint32_t map_fd;
};

// The kernel refused or aborted a dump (an NLMSG_ERROR, or an error after NLMSG_DONE).
class DumpFailed : public Error {
public:
    using Error::Error;
};

// One SOCK_DIAG_BY_FAMILY message -> @out.
void decode_message(const nlmsghdr* h, std::uint32_t want_map_id, std::vector<SocketInfo>* out) {
    if (h->nlmsg_len < NLMSG_LENGTH(sizeof(inet_diag_msg))) return;
    inet_diag_msg m;
    std::memcpy(&m, NLMSG_DATA(h), sizeof(m));
    if (m.idiag_family != AF_INET && m.idiag_family != AF_INET6) return;
    SocketInfo s;
    s.family = m.idiag_family;
    s.state = m.idiag_state;
    s.local = addr_text(s.family, m.id.idiag_src);
    s.remote = addr_text(s.family, m.id.idiag_dst);
    s.local_port = ntohs(m.id.idiag_sport);
    s.remote_port = ntohs(m.id.idiag_dport);
    s.inode = m.idiag_inode;
    s.uid = m.idiag_uid;
    if (h->nlmsg_len >= NLMSG_LENGTH(NLMSG_ALIGN(sizeof(m)))) {
        const auto* attrs =
            static_cast<const unsigned char*>(NLMSG_DATA(h)) + NLMSG_ALIGN(sizeof(m));
        const std::size_t attrs_len = h->nlmsg_len - NLMSG_LENGTH(NLMSG_ALIGN(sizeof(m)));
        for_each_attr(attrs, attrs_len, [&](unsigned type, const unsigned char* p, std::size_t n) {
            switch (type) {
                case INET_DIAG_CGROUP_ID:
                    get(p, n, &s.cgroup_id);
                    break;
                case INET_DIAG_ULP_INFO:
                    s.ulp = parse_ulp_name(p, n);
                    s.splice = parse_ulp_info(p, n);
                    break;
                case INET_DIAG_SK_BPF_STORAGES:
                    s.decided = decode_storages(p, n, want_map_id);
                    break;
                default:
                    break;
            }
        });
    }
    out->push_back(std::move(s));
}

// One dump of @family's TCP sockets, appended to @out.
void dump_family(int family, std::uint32_t states, int map_fd, std::uint32_t want_map_id,
                 std::vector<SocketInfo>* out) {
    UniqueFd nl(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG));
    if (!nl) throw Error(errno_message("cannot open a NETLINK_SOCK_DIAG socket", errno));

    DumpRequest r;
    std::memset(&r, 0, sizeof(r));
    std::size_t len = offsetof(DumpRequest, stgs);
    r.req.sdiag_family = static_cast<std::uint8_t>(family);
    r.req.sdiag_protocol = IPPROTO_TCP;
    r.req.idiag_ext = 1U << (INET_DIAG_INFO - 1);
    r.req.idiag_states = states;
    if (map_fd >= 0) {
        r.stgs.nla_type = NLA_F_NESTED | INET_DIAG_REQ_SK_BPF_STORAGES;
        r.stgs.nla_len = NLA_HDRLEN + NLA_HDRLEN + sizeof(std::uint32_t);
        r.map_attr.nla_type = SK_DIAG_BPF_STORAGE_REQ_MAP_FD;
        r.map_attr.nla_len = NLA_HDRLEN + sizeof(std::uint32_t);
        r.map_fd = static_cast<std::uint32_t>(map_fd);
        len = sizeof(r);
    }
    static_assert(offsetof(DumpRequest, stgs) == NLMSG_LENGTH(sizeof(inet_diag_req_v2)));
    static_assert(sizeof(DumpRequest) == offsetof(DumpRequest, stgs) + 2 * NLA_HDRLEN + 4);
    const std::uint32_t seq = 1;
    r.nlh.nlmsg_len = static_cast<std::uint32_t>(len);
    r.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    r.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    r.nlh.nlmsg_seq = seq;

    sockaddr_nl kernel;
    std::memset(&kernel, 0, sizeof(kernel));
    kernel.nl_family = AF_NETLINK;
    if (::sendto(nl.get(), &r, len, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof(kernel)) < 0)
        throw Error(errno_message("cannot send a sock_diag request", errno));

    // Larger than any dump skb (the kernel caps them at 32 KiB); MSG_TRUNC tells if not.
    std::vector<unsigned char> storage(64 * 1024);
    unsigned char* buf = storage.data();
    for (;;) {
        iovec iov{buf, storage.size()};
        msghdr msg;
        std::memset(&msg, 0, sizeof(msg));
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        ssize_t n = ::recvmsg(nl.get(), &msg, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw Error(errno_message("cannot read the sock_diag reply", errno));
        }
        if (n == 0) throw Error("sock_diag reply ended early: try again");
        if (msg.msg_flags & MSG_TRUNC)
            throw Error("sock_diag reply did not fit 64 KiB: report this as a bug");
        std::size_t left = static_cast<std::size_t>(n);
        for (auto* h = reinterpret_cast<const nlmsghdr*>(buf); NLMSG_OK(h, left);
             h = NLMSG_NEXT(h, left)) {
            if (h->nlmsg_seq != seq) continue;
            if (h->nlmsg_type == NLMSG_DONE) {
                // A dump that fails midway reports its error after DONE.
                int err = 0;
                if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(int)))
                    std::memcpy(&err, NLMSG_DATA(h), sizeof(err));
                if (err < 0) throw DumpFailed(errno_message("sock_diag dump failed", -err));
                return;
            }
            if (h->nlmsg_type == NLMSG_ERROR) {
                nlmsgerr e;
                if (h->nlmsg_len < NLMSG_LENGTH(sizeof(e)))
                    throw Error("sock_diag sent a truncated error: try again");
                std::memcpy(&e, NLMSG_DATA(h), sizeof(e));
                if (e.error == 0) continue;
                throw DumpFailed(errno_message("sock_diag refused the dump", -e.error));
            }
            if (h->nlmsg_type == SOCK_DIAG_BY_FAMILY) decode_message(h, want_map_id, out);
        }
    }
}

bool passes(const SocketInfo& s, const SocketFilter& f, const std::optional<Addr>& addr) {
    if (f.established_only && s.state != TCP_ESTABLISHED) return false;
    if (f.port && s.local_port != *f.port && s.remote_port != *f.port) return false;
    if (f.cgroup_ids && !f.cgroup_ids->contains(s.cgroup_id)) return false;
    if (f.splice_only && s.ulp != "tcp_splice" && !s.decided) return false;
    if (addr) {
        auto matches = [&](const std::string& text) {
            unsigned char raw[16];
            return ::inet_pton(s.family, text.c_str(), raw) == 1 &&
                   normalized(s.family, raw) == *addr;
        };
        if (!matches(s.local) && !matches(s.remote)) return false;
    }
    return true;
}

}  // namespace

std::optional<UlpInfo> parse_ulp_info(const unsigned char* data, std::size_t len) {
    std::optional<UlpInfo> out;
    for_each_attr(data, len, [&](unsigned type, const unsigned char* p, std::size_t n) {
        if (type != TSP_ULP_INFO) return;
        UlpInfo u;
        decode_tsp_info(p, n, &u);
        out = u;
    });
    return out;
}

std::string parse_ulp_name(const unsigned char* data, std::size_t len) {
    std::string name;
    for_each_attr(data, len, [&](unsigned type, const unsigned char* p, std::size_t n) {
        if (type != INET_ULP_INFO_NAME) return;
        const void* nul = std::memchr(p, '\0', n);
        name.assign(reinterpret_cast<const char*>(p),
                    nul ? static_cast<const unsigned char*>(nul) - p : n);
    });
    return name;
}

const char* end_state_name(unsigned state) {
    switch (state) {
        case TSP_END_WAITING:
            return "waiting";
        case TSP_END_PAIRED:
            return "paired";
        case TSP_END_DETACHED:
            return "detached";
        case TSP_END_WITHDRAWN:
            return "withdrawn";
        default:
            return "unknown";
    }
}

const char* tcp_state_name(unsigned state) {
    static const char* const kNames[] = {
        "UNKNOWN", "ESTAB",      "SYN-SENT", "SYN-RECV", "FIN-WAIT-1", "FIN-WAIT-2",  "TIME-WAIT",
        "UNCONN",  "CLOSE-WAIT", "LAST-ACK", "LISTEN",   "CLOSING",    "NEW-SYN-RECV"};
    return state < std::size(kNames) ? kNames[state] : "UNKNOWN";
}

std::vector<SocketInfo> dump_tcp_sockets(const SocketFilter& filter, int decided_map_fd,
                                         std::string* storage_error) {
    std::optional<Addr> addr;
    if (filter.address) addr = parse_filter_address(*filter.address);
    const std::uint32_t states = filter.established_only ? 1U << TCP_ESTABLISHED : ~0U;
    const std::uint32_t want_map_id = decided_map_fd >= 0 ? map_id(decided_map_fd) : 0;

    std::vector<SocketInfo> all;
    auto dump_all = [&](int map_fd) {
        all.clear();
        dump_family(AF_INET, states, map_fd, want_map_id, &all);
        dump_family(AF_INET6, states, map_fd, want_map_id, &all);
    };
    if (decided_map_fd >= 0) {
        try {
            dump_all(decided_map_fd);
        } catch (const DumpFailed& e) {
            // Socket storage needs CAP_BPF and a socket storage map: do without.
            if (storage_error) *storage_error = e.what();
            dump_all(-1);
        }
    } else {
        dump_all(-1);
    }

    std::vector<SocketInfo> out;
    for (auto& s : all)
        if (passes(s, filter, addr)) out.push_back(std::move(s));
    return out;
}

}  // namespace tsp

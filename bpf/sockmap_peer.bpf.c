// SPDX-License-Identifier: GPL-2.0
/*
 * The benchmarks' sockmap peer: the well-known sk_msg redirect that
 * service meshes use to short-cut local TCP, measured beside tcp-splice.
 * Not part of the product; loaded by tests/tools/tsp-sockmap.
 *
 * A sock_ops program on a cgroup puts every established TCP socket whose
 * local or remote port is one of `ports` into a SOCKHASH, keyed by the
 * connection as that end sees it (local address and port, remote address
 * and port). An sk_msg program on that map then sends every message
 * straight into the receive queue of the other end, found under the
 * swapped key, without TCP. Where the other end is not in the map (not
 * yet established, outside the cgroup, or behind a DNAT whose tuples do not
 * mirror), the message goes through TCP as usual.
 */
#include <linux/bpf.h>

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define AF_INET 2
#define AF_INET6 10
#define TSP_PEER_PORTS 8

/* Set by the loader before load: the ports, host order, 0 = unused. */
const volatile __u16 ports[TSP_PEER_PORTS] = {};

/*
 * One end of a connection. Both programs build it the same way, so the
 * peer's key is this one with local and remote swapped. A loopback
 * connection cannot leave its network namespace, so its key carries the
 * namespace's cookie: identical loopback tuples in two namespaces stay
 * apart. Other addresses leave it 0, as the two ends of a veth or bridge
 * path sit in different namespaces.
 */
struct peer_key {
    __u32 local_ip[4];
    __u32 remote_ip[4];
    __u32 local_port; /* host order */
    __u32 remote_port;
    __u64 netns;
};

struct {
    __uint(type, BPF_MAP_TYPE_SOCKHASH);
    __uint(max_entries, 65536);
    __type(key, struct peer_key);
    __type(value, __u64);
} peers SEC(".maps");

/* Counters, per CPU so the message path shares no cache line. */
enum { CNT_INSERTED, CNT_INSERT_FAILED, CNT_REDIRECTED, CNT_PASSED, CNT_MAX };

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, CNT_MAX);
    __type(key, __u32);
    __type(value, __u64);
} counters SEC(".maps");

static __always_inline void count(__u32 which) {
    __u64* c = bpf_map_lookup_elem(&counters, &which);
    if (c) *c += 1;
}

static __always_inline int port_wanted(__u32 port) {
    for (int i = 0; i < TSP_PEER_PORTS; i++)
        if (ports[i] && ports[i] == port) return 1;
    return 0;
}

static __always_inline int is_loopback(const struct peer_key* k, __u32 family) {
    if (family == AF_INET) return (bpf_ntohl(k->local_ip[0]) >> 24) == 127;
    return !k->local_ip[0] && !k->local_ip[1] && !k->local_ip[2] && k->local_ip[3] == bpf_htonl(1);
}

/*
 * The key as this end sees it. sock_ops and sk_msg contexts have the same
 * fields with the same conventions: local_port in host order, remote_port
 * in network order in the upper half of the u32 (hence bpf_ntohl).
 */
#define FILL_KEY(k, ctx)                                                             \
    do {                                                                             \
        __builtin_memset(&(k), 0, sizeof(k));                                        \
        if ((ctx)->family == AF_INET) {                                              \
            (k).local_ip[0] = (ctx)->local_ip4;                                      \
            (k).remote_ip[0] = (ctx)->remote_ip4;                                    \
        } else {                                                                     \
            (k).local_ip[0] = (ctx)->local_ip6[0];                                   \
            (k).local_ip[1] = (ctx)->local_ip6[1];                                   \
            (k).local_ip[2] = (ctx)->local_ip6[2];                                   \
            (k).local_ip[3] = (ctx)->local_ip6[3];                                   \
            (k).remote_ip[0] = (ctx)->remote_ip6[0];                                 \
            (k).remote_ip[1] = (ctx)->remote_ip6[1];                                 \
            (k).remote_ip[2] = (ctx)->remote_ip6[2];                                 \
            (k).remote_ip[3] = (ctx)->remote_ip6[3];                                 \
        }                                                                            \
        (k).local_port = (ctx)->local_port;                                          \
        (k).remote_port = bpf_ntohl((ctx)->remote_port);                             \
        if (is_loopback(&(k), (ctx)->family)) (k).netns = bpf_get_netns_cookie(ctx); \
    } while (0)

SEC("sockops")
int sockmap_peer_sockops(struct bpf_sock_ops* skops) {
    struct peer_key k;

    if (skops->op != BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB &&
        skops->op != BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB)
        return 1;
    if (skops->family != AF_INET && skops->family != AF_INET6) return 1;
    FILL_KEY(k, skops);
    if (!port_wanted(k.local_port) && !port_wanted(k.remote_port)) return 1;
    if (bpf_sock_hash_update(skops, &peers, &k, BPF_ANY) == 0)
        count(CNT_INSERTED);
    else
        count(CNT_INSERT_FAILED);
    return 1;
}

SEC("sk_msg")
int sockmap_peer_msg(struct sk_msg_md* msg) {
    struct peer_key k, peer;

    FILL_KEY(k, msg);
    __builtin_memset(&peer, 0, sizeof(peer));
    __builtin_memcpy(peer.local_ip, k.remote_ip, sizeof(peer.local_ip));
    __builtin_memcpy(peer.remote_ip, k.local_ip, sizeof(peer.remote_ip));
    peer.local_port = k.remote_port;
    peer.remote_port = k.local_port;
    peer.netns = k.netns;
    /* No peer in the map: SK_DROP from the helper, but the message is not
     * ours to drop; it takes the TCP path. */
    if (bpf_msg_redirect_hash(msg, &peers, &peer, BPF_F_INGRESS) == SK_PASS) {
        count(CNT_REDIRECTED);
        return SK_PASS;
    }
    count(CNT_PASSED);
    return SK_PASS;
}

char LICENSE[] SEC("license") = "GPL";

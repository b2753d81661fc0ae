// SPDX-License-Identifier: GPL-2.0
/*
 * The one sock_ops program of tcp-splice.
 *
 * A connection is spliced only if both of its ends prove they took part in
 * its handshake: the active end puts a random token from the module in its
 * SYN (a TCP option, tcp_splice_abi.h), the passive end answers with a
 * token of its own in the SYN-ACK, and each end offers the pair of tokens
 * to bpf_tcp_splice_pair() from its ESTABLISHED callback. Addresses play
 * no part, so the proof survives NAT; an end whose peer sent no token (not
 * spliced, another host, no option room) is never offered.
 *
 *   listen()          the listener writes options on its SYN-ACKs and keeps
 *                     each SYN (TCP_SAVE_SYN) for its children
 *   connect()         a token for the SYN; the socket writes options
 *   SYN / SYN-ACK     the option, when the policy allows
 *   ESTABLISHED       each end offers both tokens; option writing stops
 *   TCP_CLOSE         an offered end's bytes go to its attachment's counters
 *
 * The same program may be attached at several levels of the cgroup tree
 * (host-wide and per container). Programs of the deepest cgroup run first;
 * the first attachment to see a socket at a step decides for it (marked in
 * the socket's storage, or in the callback's reply field for the SYN-ACK,
 * whose request socket has no storage), so a container's own policy
 * overrides a host-wide one.
 */
#include <linux/bpf.h>

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "sock_state.h"
#include "tcp_splice_abi.h"

#define AF_INET 2
#define AF_INET6 10
#define SOL_TCP 6
#define TCP_SAVE_SYN 27
#define TCPOPT_FASTOPEN 34
#define TCPHDR_SYN 0x02
#define TCPHDR_ACK 0x10
#define ENOENT 2
#define ENOMEM 12
#define EADDRINUSE 98
#define EPROTONOSUPPORT 93
#define ENOMSG 42
#define BPF_TCP_CLOSE_STATE 7

/*
 * A definition, not a forward declaration: libbpf checks the kfunc prototype
 * against the kernel's and a FWD never matches the kernel's STRUCT, which
 * would leave the weak extern silently unresolved.
 */
struct bpf_sock_ops_kern {};

extern void* bpf_cast_to_kern_ctx(void* obj) __ksym;
/* Weak: the program also loads (and does nothing) without the module. */
extern __u64 bpf_tcp_splice_token(void) __ksym __weak;
extern __u64 bpf_tcp_splice_synack_token(struct bpf_sock_ops_kern* skops,
                                         __u64 syn_token) __ksym __weak;
extern int bpf_tcp_splice_pair(struct bpf_sock_ops_kern* skops, __u64 syn_token,
                               __u64 synack_token) __ksym __weak;
/* Newer than the rest: without it, closes are not accounted. */
extern int bpf_tcp_splice_end_info(struct bpf_sock_ops_kern* skops, void* info,
                                   __u32 info__sz) __ksym __weak;

/* libbpf's bpf_ksym_exists(), which older libbpf headers lack. */
#define tsp_ksym_exists(sym) (!!(sym))

/* This host's id (from the boot id), set by the loader. */
const volatile __u32 tsp_host_id = 0;

struct {
    __uint(type, BPF_MAP_TYPE_CGROUP_STORAGE);
    __type(key, struct bpf_cgroup_storage_key);
    __type(value, struct tsp_policy);
} policy SEC(".maps");

/* Each attachment's counters (tcp_splice_abi.h), per CPU. */
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE);
    __type(key, struct bpf_cgroup_storage_key);
    __type(value, struct tsp_attach_stats);
} acct SEC(".maps");

/* Written by the loader (struct tsp_prog_meta); never read here. */
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct tsp_prog_meta);
} meta SEC(".maps");

struct tsp_prog_stats stats;

/*
 * Per CPU, but a socket's callback in process context may be interrupted
 * by another's in softirq on the same CPU: atomic adds keep counts exact.
 */
#define acct_add(field, n) __sync_fetch_and_add(&(field), (n))

/* skops->reply of the header-option callbacks: a program decided. */
#define TSP_REPLY_DECIDED 0x54535031

struct tsp_opt {
    __u8 kind;
    __u8 len;
    __be16 exid;
    __be32 host;
    __be64 token;
} __attribute__((packed));

static __always_inline int is_lo4(__u32 addr_be) { return (bpf_ntohl(addr_be) >> 24) == 127; }

static __always_inline int is_lo6(const __u32* a) {
    if (a[0] || a[1]) return 0;
    if (!a[2] && bpf_ntohl(a[3]) == 1) return 1;      /* ::1 */
    return bpf_ntohl(a[2]) == 0xffff && is_lo4(a[3]); /* ::ffff:127/104 */
}

static __always_inline int both_loopback(struct bpf_sock_ops* skops) {
    __u32 l6[4], r6[4];

    if (skops->family == AF_INET) return is_lo4(skops->local_ip4) && is_lo4(skops->remote_ip4);
    if (skops->family != AF_INET6) return 0;
    l6[0] = skops->local_ip6[0];
    l6[1] = skops->local_ip6[1];
    l6[2] = skops->local_ip6[2];
    l6[3] = skops->local_ip6[3];
    r6[0] = skops->remote_ip6[0];
    r6[1] = skops->remote_ip6[1];
    r6[2] = skops->remote_ip6[2];
    r6[3] = skops->remote_ip6[3];
    return is_lo6(l6) && is_lo6(r6);
}

static __always_inline int port_allowed(const struct tsp_policy* pol, __u16 lport, __u16 rport) {
    __u32 n = pol->nports;

    if (!n) return 1;
    for (__u32 i = 0; i < TSP_MAX_PORTS; i++) {
        if (i >= n) break;
        if (pol->ports[i] == lport || pol->ports[i] == rport) return 1;
    }
    return 0;
}

static __always_inline int module_loaded(void) {
    return tsp_ksym_exists(bpf_tcp_splice_pair) && tsp_ksym_exists(bpf_tcp_splice_token) &&
           tsp_ksym_exists(bpf_tcp_splice_synack_token);
}

static __always_inline struct tsp_policy* enabled_policy(void) {
    struct tsp_policy* pol = bpf_get_local_storage(&policy, 0);

    if (pol->version != TSP_POLICY_VERSION || !(pol->flags & TSP_F_ENABLED)) return 0;
    return pol;
}

/*
 * Why this attachment's policy does not splice the connection @skops is
 * about (a tsp_why), or 0 when it does.
 */
static __always_inline int policy_says_no(struct bpf_sock_ops* skops) {
    struct tsp_policy* pol = enabled_policy();

    if (!pol) return TSP_WHY_DISABLED;
    if ((pol->flags & TSP_F_LOOPBACK_ONLY) && !both_loopback(skops)) return TSP_WHY_LOOPBACK;
    if (!port_allowed(pol, (__u16)skops->local_port, (__u16)bpf_ntohl(skops->remote_port)))
        return TSP_WHY_PORT;
    return 0;
}

static __always_inline int policy_allows(struct bpf_sock_ops* skops) {
    return !policy_says_no(skops);
}

static __always_inline int set_cb_flags(struct bpf_sock_ops* skops, __u32 flags) {
    return bpf_sock_ops_cb_flags_set(skops, flags);
}

/*
 * The state of the full socket @skops is about, and whether this program
 * decides step @step (it is the first to see it): then it is marked.
 */
static __always_inline struct tsp_sock_state* step_state(struct bpf_sock_ops* skops, __u32 step) {
    struct bpf_sock* sk = skops->sk;
    struct tsp_sock_state* st;

    if (!sk) return 0;
    st = bpf_sk_storage_get(&decided, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
    if (!st || (st->flags & step)) return 0;
    st->flags |= step;
    return st;
}

/*
 * Our option in the SYN (@syn) or in the packet at hand, from this host:
 * its token in *@token. -ENOENT: no SYN to read (a listener from before
 * the attachment); -ENOMSG: no option from this host.
 */
static __always_inline int load_token(struct bpf_sock_ops* skops, int syn, __u64* token) {
    struct tsp_opt opt = {
        .kind = TSP_OPT_KIND,
        .len = 4, /* search by the 2-byte ExID */
        .exid = bpf_htons(TSP_OPT_EXID),
    };
    int n = bpf_load_hdr_opt(skops, &opt, sizeof(opt), syn ? BPF_LOAD_HDR_OPT_TCP_SYN : 0);

    if (n == -ENOENT && syn) return -ENOENT;
    if (n != sizeof(opt) || opt.len != TSP_OPT_LEN || !opt.token) return -ENOMSG;
    if (bpf_ntohl(opt.host) != tsp_host_id) {
        __sync_fetch_and_add(&stats.other_host, 1);
        return -ENOMSG;
    }
    *token = bpf_be64_to_cpu(opt.token);
    return 0;
}

/*
 * The active end's token from the SYN a passive socket was made from, or 0
 * with *@why saying why there is none.
 */
static __always_inline __u64 read_syn_token(struct bpf_sock_ops* skops, __u8* why) {
    __u8 tfo[4] = {TCPOPT_FASTOPEN, 0};
    __u64 t = 0;
    int err;

    *why = TSP_WHY_PEER_NO_TOKEN;
    /* A Fast Open child is made from the SYN itself, which is at hand. */
    err = load_token(skops, !(skops->skb_tcp_flags & TCPHDR_SYN), &t);
    if (err == -ENOENT) {
        __sync_fetch_and_add(&stats.listener_early, 1);
        *why = TSP_WHY_LISTENER_EARLY;
    }
    if (err) return 0;
    /*
     * A SYN asking for a Fast Open cookie gets it in the SYN-ACK, which
     * then has no room for our answer: the active end will not offer.
     */
    if (bpf_load_hdr_opt(skops, tfo, sizeof(tfo), BPF_LOAD_HDR_OPT_TCP_SYN) > 0) {
        __sync_fetch_and_add(&stats.no_option_space, 1);
        return 0;
    }
    return t;
}

/* Any attachment that splices prepares a listener; the SYN-ACK decides. */
static int on_listen(struct bpf_sock_ops* skops) {
    struct bpf_sock* sk = skops->sk;
    struct tsp_sock_state* st;
    int one = 1, save = 0;

    if (!sk || !enabled_policy() || !module_loaded()) return 1;
    st = bpf_sk_storage_get(&decided, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
    if (!st || (st->flags & ST_LISTEN)) return 1;
    if (!(skops->bpf_sock_ops_cb_flags & BPF_SOCK_OPS_WRITE_HDR_OPT_CB_FLAG)) {
        if (set_cb_flags(skops, skops->bpf_sock_ops_cb_flags | BPF_SOCK_OPS_WRITE_HDR_OPT_CB_FLAG))
            return 1;
        st->flags |= ST_OUR_FLAG;
    }
    st->flags |= ST_LISTEN;
    /* Children read the SYN's token at ESTABLISHED, from the saved SYN. */
    if (!bpf_getsockopt(skops, SOL_TCP, TCP_SAVE_SYN, &save, sizeof(save)) && !save &&
        !bpf_setsockopt(skops, SOL_TCP, TCP_SAVE_SYN, &one, sizeof(one)))
        st->flags |= ST_OUR_SAVE;
    return 1;
}

static int on_connect(struct bpf_sock_ops* skops) {
    struct tsp_sock_state* st = step_state(skops, ST_CONNECT);

    if (!st) return 1;
    st->why = policy_says_no(skops);
    if (st->why) return 1;
    st->flags |= ST_SPLICE;
    if (!module_loaded()) return 1;
    st->token = bpf_tcp_splice_token();
    if (!(skops->bpf_sock_ops_cb_flags & BPF_SOCK_OPS_WRITE_HDR_OPT_CB_FLAG)) {
        if (set_cb_flags(skops, skops->bpf_sock_ops_cb_flags | BPF_SOCK_OPS_WRITE_HDR_OPT_CB_FLAG))
            return 1;
        st->flags |= ST_OUR_FLAG;
    }
    return 1;
}

/* Stop our option writing on a socket past its handshake. */
static __always_inline void stop_writing(struct bpf_sock_ops* skops, struct tsp_sock_state* st) {
    if (st && (st->flags & ST_OUR_FLAG)) {
        st->flags &= ~ST_OUR_FLAG;
        set_cb_flags(skops, skops->bpf_sock_ops_cb_flags & ~BPF_SOCK_OPS_WRITE_HDR_OPT_CB_FLAG);
    }
}

/*
 * The token this packet should carry, or 0. @write: the option is being
 * written (else its room reserved). Decided once per packet, by the first
 * program in the chain.
 */
static __u64 packet_token(struct bpf_sock_ops* skops, int write) {
    __u8 fl = skops->skb_tcp_flags & (TCPHDR_SYN | TCPHDR_ACK);
    struct tsp_sock_state* st;
    struct bpf_sock* sk;
    __u64 syn;

    if (skops->reply == TSP_REPLY_DECIDED) return 0;
    skops->reply = TSP_REPLY_DECIDED;
    if (fl == (TCPHDR_SYN | TCPHDR_ACK)) {
        /* A SYN-ACK, from its request socket: answer a token. */
        if (!module_loaded() || !policy_allows(skops) || load_token(skops, 1, &syn)) return 0;
        return write ? bpf_tcp_splice_synack_token(bpf_cast_to_kern_ctx(skops), syn) : 1;
    }
    sk = skops->sk;
    if (!sk) return 0;
    st = bpf_sk_storage_get(&decided, sk, 0, 0);
    if (fl == TCPHDR_SYN) {
        if (st && (st->flags & ST_SPLICE)) return st->token;
        return 0;
    }
    /* Past the handshake (a Fast Open child, or left over): stop. */
    if (skops->args[0] != BPF_WRITE_HDR_TCP_CURRENT_MSS) stop_writing(skops, st);
    return 0;
}

static int on_hdr_len(struct bpf_sock_ops* skops) {
    if (!packet_token(skops, 0)) return 1;
    if (bpf_reserve_hdr_opt(skops, TSP_OPT_LEN, 0)) __sync_fetch_and_add(&stats.no_option_space, 1);
    return 1;
}

static int on_hdr_write(struct bpf_sock_ops* skops) {
    __u64 token = packet_token(skops, 1);
    struct tsp_opt opt = {
        .kind = TSP_OPT_KIND,
        .len = TSP_OPT_LEN,
        .exid = bpf_htons(TSP_OPT_EXID),
        .host = bpf_htonl(tsp_host_id),
    };

    if (!token) return 1;
    opt.token = bpf_cpu_to_be64(token);
    if (bpf_store_hdr_opt(skops, &opt, sizeof(opt), 0)) return 1;
    if (skops->skb_tcp_flags & TCPHDR_ACK)
        __sync_fetch_and_add(&stats.synack_option, 1);
    else
        __sync_fetch_and_add(&stats.syn_option, 1);
    return 1;
}

/* The outcome of offering a socket, from bpf_tcp_splice_pair()'s return. */
static __always_inline __u8 offer_outcome(int err) {
    switch (err) {
        case 0:
            return TSP_WHY_OFFERED;
        case -EPROTONOSUPPORT:
            return TSP_WHY_REFUSED_SOCK;
        case -EADDRINUSE:
            return TSP_WHY_REFUSED_CLAIM;
        case -ENOMEM:
            return TSP_WHY_REFUSED_NOMEM;
    }
    return TSP_WHY_REFUSED_OTHER;
}

/* Why @st's socket is not offered, or 0 to offer it with *@syn, *@synack. */
static __always_inline __u8 est_verdict(struct bpf_sock_ops* skops, struct tsp_sock_state* st,
                                        int active, __u64* syn, __u64* synack) {
    __u8 why;

    if (active) {
        /* The connect step decided; its SYN-ACK is at hand. */
        stop_writing(skops, st);
        if (!(st->flags & ST_SPLICE)) return st->why ? st->why : TSP_WHY_DISABLED;
    } else {
        /* A Fast Open child still has its SYN-ACK to write. */
        if (!(skops->skb_tcp_flags & TCPHDR_SYN)) stop_writing(skops, st);
        why = policy_says_no(skops);
        if (why) return why;
    }
    __sync_fetch_and_add(&stats.matched, 1);
    if (!module_loaded()) return TSP_WHY_NO_MODULE;
    why = TSP_WHY_PEER_NO_TOKEN;
    if (active) {
        *syn = st->token;
        load_token(skops, 0, synack);
    } else {
        *syn = read_syn_token(skops, &why);
    }
    if (!*syn || (active && !*synack)) {
        __sync_fetch_and_add(&stats.peer_no_option, 1);
        return why;
    }
    return 0;
}

static int on_established(struct bpf_sock_ops* skops) {
    struct tsp_sock_state* st = step_state(skops, ST_EST);
    struct tsp_attach_stats* acct_st = bpf_get_local_storage(&acct, 0);
    int active = skops->op == BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB;
    __u64 syn = 0, synack = 0;
    __u8 why;
    int err;

    if (!st) return 1; /* a deeper attachment decided already */
    __sync_fetch_and_add(&stats.established, 1);
    acct_add(acct_st->seen, 1);
    why = est_verdict(skops, st, active, &syn, &synack);
    if (!why) {
        __sync_fetch_and_add(&stats.kfunc_called, 1);
        err = bpf_tcp_splice_pair(bpf_cast_to_kern_ctx(skops), syn, synack);
        if (err) __sync_fetch_and_add(&stats.kfunc_failed, 1);
        why = offer_outcome(err);
        /* Its close is accounted to this attachment (on_state()). */
        if (why == TSP_WHY_OFFERED && tsp_ksym_exists(bpf_tcp_splice_end_info))
            set_cb_flags(skops, skops->bpf_sock_ops_cb_flags | BPF_SOCK_OPS_STATE_CB_FLAG);
    }
    st->why = why;
    if (why < TSP_WHY_MAX) acct_add(acct_st->why[why], 1);
    return 1;
}

/* An offered socket closes: what it did goes to the deciding attachment. */
static int on_state(struct bpf_sock_ops* skops) {
    struct tsp_attach_stats* acct_st;
    struct tsp_end_info info = {};
    struct tsp_sock_state* st;

    if (skops->args[1] != BPF_TCP_CLOSE_STATE || !tsp_ksym_exists(bpf_tcp_splice_end_info))
        return 1;
    st = step_state(skops, ST_CLOSED);
    if (!st) return 1;
    set_cb_flags(skops, skops->bpf_sock_ops_cb_flags & ~BPF_SOCK_OPS_STATE_CB_FLAG);
    if (st->why != TSP_WHY_OFFERED ||
        bpf_tcp_splice_end_info(bpf_cast_to_kern_ctx(skops), &info, sizeof(info)))
        return 1;
    acct_st = bpf_get_local_storage(&acct, 0);
    acct_add(acct_st->closed, 1);
    if (info.paired)
        acct_add(acct_st->paired, 1);
    else
        acct_add(acct_st->unpaired, 1);
    if (info.ring_refused) acct_add(acct_st->ring_refused, 1);
    acct_add(acct_st->bytes_ring, info.bytes_ring);
    acct_add(acct_st->bytes_startup, info.bytes_startup);
    return 1;
}

SEC("sockops")
int tcp_splice_sockops(struct bpf_sock_ops* skops) {
    if (skops->family != AF_INET && skops->family != AF_INET6) return 1;
    switch (skops->op) {
        case BPF_SOCK_OPS_TCP_LISTEN_CB:
            return on_listen(skops);
        case BPF_SOCK_OPS_TCP_CONNECT_CB:
            return on_connect(skops);
        case BPF_SOCK_OPS_HDR_OPT_LEN_CB:
            return on_hdr_len(skops);
        case BPF_SOCK_OPS_WRITE_HDR_OPT_CB:
            return on_hdr_write(skops);
        case BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB:
        case BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB:
            return on_established(skops);
        case BPF_SOCK_OPS_STATE_CB:
            return on_state(skops);
    }
    return 1;
}

char LICENSE[] SEC("license") = "GPL";

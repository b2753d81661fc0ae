// SPDX-License-Identifier: GPL-2.0
/*
 * Prepares the TCP listeners that existed before an attachment, as the
 * sock_ops program's listen step prepares new ones: they write options on
 * their SYN-ACKs (the answer of the handshake proof) and keep each SYN for
 * their children (which read the active end's token from it).
 *
 * A TCP socket iterator, run once by the control plane right after it
 * attaches the program on a cgroup (target_cgroup_id): every listener in
 * that cgroup or below it is prepared; nothing else is touched. Its socket
 * state is the sock_ops program's own (the map is shared): the listener's
 * children then stop writing options once established, as theirs do. Run
 * with undo set when the last attachment goes, it takes back from every
 * listener what was set on it, so nothing of ours outlives the program.
 */
#include <linux/bpf.h>

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "sock_state.h"

#define SOL_TCP 6
#define TCP_SAVE_SYN 27
#define TCP_BPF_SOCK_OPS_CB_FLAGS 1008
#define TCP_LISTEN 10
#define TSP_MAX_LEVEL 32

/* The kernel's types, as far as we read them (CO-RE relocates offsets). */
struct kernfs_node {
    __u64 id;
} __attribute__((preserve_access_index));

struct cgroup {
    int level;
    struct kernfs_node* kn;
    struct cgroup* ancestors[];
} __attribute__((preserve_access_index));

struct sock_cgroup_data {
    struct cgroup* cgroup;
} __attribute__((preserve_access_index));

struct sock_common {
    unsigned char skc_state;
} __attribute__((preserve_access_index));

struct sock {
    struct sock_cgroup_data sk_cgrp_data;
} __attribute__((preserve_access_index));

struct inet_sock {
    struct sock sk;
} __attribute__((preserve_access_index));

struct inet_connection_sock {
    struct inet_sock icsk_inet;
} __attribute__((preserve_access_index));

struct tcp_sock {
    struct inet_connection_sock inet_conn;
} __attribute__((preserve_access_index));

struct bpf_iter_meta;

struct bpf_iter__tcp {
    struct bpf_iter_meta* meta;
    struct sock_common* sk_common;
} __attribute__((preserve_access_index));

const volatile __u64 target_cgroup_id = 0;
/* Undo instead: every listener prepared by this program's map, anywhere. */
const volatile __u8 undo = 0;

__u64 prepared = 0;

/* Is @cg the target cgroup or below it? */
static __always_inline int in_target(struct cgroup* cg) {
    int level = BPF_CORE_READ(cg, level);

    for (int i = 0; i < TSP_MAX_LEVEL; i++) {
        struct cgroup* anc = 0;

        if (i > level) break;
        bpf_core_read(&anc, sizeof(anc), &cg->ancestors[i]);
        if (anc && BPF_CORE_READ(anc, kn, id) == target_cgroup_id) return 1;
    }
    return 0;
}

/* Undo what we set on a prepared listener (the last attachment goes). */
static __always_inline void unprepare(struct tcp_sock* tp, struct tsp_sock_state* st) {
    int flags = 0, zero = 0;

    if ((st->flags & ST_OUR_FLAG) &&
        !bpf_getsockopt(tp, SOL_TCP, TCP_BPF_SOCK_OPS_CB_FLAGS, &flags, sizeof(flags))) {
        flags &= ~BPF_SOCK_OPS_WRITE_HDR_OPT_CB_FLAG;
        bpf_setsockopt(tp, SOL_TCP, TCP_BPF_SOCK_OPS_CB_FLAGS, &flags, sizeof(flags));
    }
    if (st->flags & ST_OUR_SAVE) bpf_setsockopt(tp, SOL_TCP, TCP_SAVE_SYN, &zero, sizeof(zero));
    st->flags &= ~(ST_LISTEN | ST_OUR_FLAG | ST_OUR_SAVE);
    __sync_fetch_and_add(&prepared, 1);
}

SEC("iter/tcp")
int tcp_splice_prepare(struct bpf_iter__tcp* ctx) {
    struct sock_common* skc = ctx->sk_common;
    int flags = 0, save = 0, one = 1;
    struct tsp_sock_state* st;
    struct tcp_sock* tp;
    struct cgroup* cg;

    if (!skc || BPF_CORE_READ(skc, skc_state) != TCP_LISTEN) return 0;
    tp = bpf_skc_to_tcp_sock(skc);
    if (!tp) return 0;
    if (undo) {
        st = bpf_sk_storage_get(&decided, tp, 0, 0);
        if (st && (st->flags & ST_LISTEN)) unprepare(tp, st);
        return 0;
    }
    cg = BPF_CORE_READ(tp, inet_conn.icsk_inet.sk.sk_cgrp_data.cgroup);
    if (!cg || !in_target(cg)) return 0;
    st = bpf_sk_storage_get(&decided, tp, 0, BPF_SK_STORAGE_GET_F_CREATE);
    if (!st || (st->flags & ST_LISTEN)) return 0; /* prepared at listen(), or by an earlier run */
    if (bpf_getsockopt(tp, SOL_TCP, TCP_BPF_SOCK_OPS_CB_FLAGS, &flags, sizeof(flags))) return 0;
    st->flags |= ST_LISTEN;
    if (!(flags & BPF_SOCK_OPS_WRITE_HDR_OPT_CB_FLAG)) {
        flags |= BPF_SOCK_OPS_WRITE_HDR_OPT_CB_FLAG;
        if (bpf_setsockopt(tp, SOL_TCP, TCP_BPF_SOCK_OPS_CB_FLAGS, &flags, sizeof(flags))) return 0;
        st->flags |= ST_OUR_FLAG;
    }
    if (!bpf_getsockopt(tp, SOL_TCP, TCP_SAVE_SYN, &save, sizeof(save)) && !save &&
        !bpf_setsockopt(tp, SOL_TCP, TCP_SAVE_SYN, &one, sizeof(one)))
        st->flags |= ST_OUR_SAVE;
    __sync_fetch_and_add(&prepared, 1);
    return 0;
}

char LICENSE[] SEC("license") = "GPL";

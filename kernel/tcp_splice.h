/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcp_splice: private declarations shared by the module's parts.
 */
#ifndef _TCP_SPLICE_H
#define _TCP_SPLICE_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include "ring.h"

struct net;
struct proto;
struct sock;

/* ring_kbytes bounds, KiB; values are rounded up to a power of two. */
#define TSP_RING_KBYTES_MIN	4U
#define TSP_RING_KBYTES_MAX	16384U
#define TSP_RING_KBYTES_DEF	64U

/* ring_limit_mbytes bounds, MiB: all live pairs' rings together. */
#define TSP_RING_LIMIT_MBYTES_DEF	512U
#define TSP_RING_LIMIT_MBYTES_MAX	1048576U

enum tsp_counter {
	TSP_CNT_KFUNC_CALLS,	/* every call of bpf_tcp_splice_pair() */
	TSP_CNT_KFUNC_ACCEPTED,	/* calls whose argument passed validation */
	TSP_CNT_REFUSED_OP,	/* not called from an ESTABLISHED callback */
	TSP_CNT_REFUSED_SOCK,	/* not a full, established TCP socket */
	TSP_CNT_REFUSED_PROTO,	/* not plain TCP: ULP (kTLS, MPTCP), sockmap */
	TSP_CNT_REFUSED_NOMEM,	/* no memory for the socket's state */
	TSP_CNT_REFUSED_SEQ,	/* same 4-tuple, but not the other end */
	TSP_CNT_REFUSED_RING,	/* no memory for a ring: stays TCP */
	TSP_CNT_REFUSED_LIMIT,	/* ring_limit_mbytes reached: stays TCP */
	TSP_CNT_PAIRS_TOTAL,	/* pairs made */
	TSP_CNT_PAIRS_LIVE,	/* pairs not yet freed */
	TSP_CNT_SOCKS_LIVE,	/* sockets carrying our proto */
	TSP_CNT_BYTES_RING,	/* payload bytes moved through rings */
	TSP_CNT_BYTES_STARTUP,	/* bytes read over TCP by paired receivers */
	TSP_CNT_RING_RESERVED,	/* ring bytes reserved by live pairs */
	TSP_CNT_MAX,
};

extern atomic64_t tsp_counters[TSP_CNT_MAX];

static inline void tsp_count(enum tsp_counter c)
{
	atomic64_inc(&tsp_counters[c]);
}

static inline void tsp_count_add(enum tsp_counter c, s64 n)
{
	atomic64_add(n, &tsp_counters[c]);
}

/*
 * Direction-independent identity of a connection: both endpoints in a
 * canonical order (lower first). @net is set only for loopback
 * addresses, so routable pairs match across namespaces. Zero-filled
 * before use: compared and hashed as bytes.
 */
struct tsp_key {
	const struct net *net;
	__be32 addr[2][4];
	__be16 port[2];
	u16 family;		/* AF_INET also for v4-mapped IPv6 */
};

/* One end as it was when paired, for the live pair list. */
struct tsp_endpoint {
	__be32 addr[4];			/* IPv4 in addr[0] */
	__be16 port;
	u16 family;
	u32 netns;			/* network namespace inode */
};

/*
 * Two paired ends. ring[i] carries end i's payload to end 1 - i: end i
 * is its only producer, end 1 - i its only consumer.
 */
struct tsp_pair {
	struct list_head node;		/* tsp_pairs; tsp_pairs_lock */
	struct tsp_endpoint end[2];
	u64 bytes[2];			/* written by end i into ring[i] */
	refcount_t ref;			/* one per end */
	spinlock_t lock;		/* guards @sk */
	struct sock *sk[2];		/* NULL once that end is destroyed */
	u8 closed[2];			/* that end called close() */
	u8 want_space[2];		/* that end's sender waits for ring space */
	u32 ring_bytes;			/* ring_kbytes at pairing time */
	struct tsp_ring ring[2];
};

/*
 * Per-socket state, in inet_csk(sk)->icsk_ulp_data while our ULP ops
 * are installed (so kTLS and sockmap refuse the socket, and TCP's
 * destructor calls tsp_sock_release()).
 */
struct tsp_sock {
	struct sock *sk;
	struct proto *base;		/* the proto we replaced */
	struct tsp_pair *pair;		/* set once (release), by the pairer */
	u8 side;			/* our index in @pair */
	bool tx_refused;		/* ring allocation failed: TCP only */
	bool detached;			/* disconnected: @pair no longer used */
	bool hashed;			/* in the registry; registry lock */
	struct hlist_node node;
	struct tsp_key key;
	struct rcu_head rcu;
};

/* registry.c */
extern struct list_head tsp_pairs;
extern spinlock_t tsp_pairs_lock;
int tsp_offer(struct sock *sk);
void tsp_registry_remove(struct tsp_sock *ts);
void tsp_pair_put(struct tsp_pair *p);
void tsp_pair_wake(struct tsp_pair *p, int side, bool space);

/* proto.c */
void tsp_proto_init(void);
bool tsp_plain_tcp(const struct sock *sk);
struct tsp_sock *tsp_install(struct sock *sk);
bool tsp_installed(const struct sock *sk);
void tsp_ops_update(struct sock *sk);

/* Per-direction ring size in bytes, read once when a pair is set up. */
u32 tsp_ring_bytes(void);
u32 tsp_ring_limit_mbytes(void);
/* Reserve or return ring memory against ring_limit_mbytes. */
bool tsp_ring_reserve(u32 bytes);
void tsp_ring_unreserve(u32 bytes);

int tsp_kfunc_register(void);

int tsp_stats_init(void);
void tsp_stats_exit(void);

#endif /* _TCP_SPLICE_H */

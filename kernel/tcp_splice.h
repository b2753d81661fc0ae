/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcp_splice: private declarations shared by the module's parts.
 *
 *   main.c      module glue
 *   kfunc.c     the kfuncs the sock_ops program calls
 *   token.c     the handshake tokens that prove two ends are one connection
 *   registry.c  waiting ends, keyed by their tokens; pairing
 *   pair.c      a pair's lifetime, wake-ups (and a NAPI ID for epoll's busy
 *               polling) and the live pair list
 *   ring.c      the per-direction byte ring
 *   ringmem.c   ring sizes and memory: limits, per-netns shares, memcg
 *   proto.c     control: proto tables, install/restore, close/disconnect
 *   tx.c, rx.c  data: the send and the receive paths
 *   spin.c      how long a blocking reader spins: its measured wake-ups
 *   direct.c    one copy: a waiting reader's pages, filled by the writer
 *   stats.c     counters and /proc/net files
 *   diag.c      per-socket details for sock_diag (ss -tie)
 *
 * This header stays free of <net/sock.h>: with it in the same unit as the
 * /proc code, pahole's module BTF no longer deduplicates struct sock (and
 * with it struct bpf_sock_ops_kern) against vmlinux, and the verifier then
 * rejects the kfunc's argument. tsp_sock.h has what needs it.
 */
#ifndef _TCP_SPLICE_H
#define _TCP_SPLICE_H

#include <linux/fs.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/net.h>
#include <linux/percpu.h>
#include <linux/rhashtable-types.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include "ring.h"

struct bpf_sock_ops_kern;
struct proto;
struct sk_buff;
struct sock;

/* Events, per CPU; summed when read. */
enum tsp_event {
	TSP_EV_KFUNC_CALLS,	/* every call of bpf_tcp_splice_pair() */
	TSP_EV_KFUNC_ACCEPTED,	/* calls whose socket could be offered */
	TSP_EV_REFUSED_OP,	/* not called from an ESTABLISHED callback */
	TSP_EV_REFUSED_SOCK,	/* not a full, established TCP socket; repair */
	TSP_EV_REFUSED_KERNEL,	/* a kernel socket (NVMe/TCP, NFS, ...) */
	TSP_EV_REFUSED_PROTO,	/* not plain TCP: ULP (kTLS, MPTCP), sockmap */
	TSP_EV_REFUSED_PROOF,	/* no handshake tokens: the peer took no part */
	TSP_EV_REFUSED_CLAIM,	/* tokens already claimed by another end */
	TSP_EV_REFUSED_NOMEM,	/* no memory for the socket's state */
	TSP_EV_REFUSED_RING,	/* no memory for a ring: that direction TCP */
	TSP_EV_REFUSED_LIMIT,	/* ring memory limit or share reached */
	TSP_EV_GROW_LIMITED,	/* ... a ring kept its first buffer at it */
	TSP_EV_PAIRS_TOTAL,	/* pairs made */
	TSP_EV_PAIRS_NAT,	/* ... whose addresses were translated between */
	TSP_EV_WAITED_UNPAIRED,	/* ends that left the registry unpaired */
	TSP_EV_BYTES_RING,	/* payload bytes moved through rings */
	TSP_EV_BYTES_DIRECT,	/* ... of them, into a waiting reader's pages */
	TSP_EV_BYTES_STARTUP,	/* bytes read over TCP by paired receivers */
	TSP_EV_MAX,
};

/* Gauges: how many of something exist now. */
enum tsp_gauge {
	TSP_GA_PAIRS_LIVE,	/* pairs not yet freed */
	TSP_GA_SOCKS_LIVE,	/* sockets carrying our proto */
	TSP_GA_WAITING,		/* ends in the registry */
	TSP_GA_RING_RESERVED,	/* ring KiB reserved by engaged rings */
	TSP_GA_MAX,
};

struct tsp_events {
	u64 n[TSP_EV_MAX];
};

DECLARE_PER_CPU(struct tsp_events, tsp_events);
extern atomic_long_t tsp_gauges[TSP_GA_MAX];

static inline void tsp_event_add(enum tsp_event e, u64 n)
{
	this_cpu_add(tsp_events.n[e], n);
}

static inline void tsp_event(enum tsp_event e)
{
	tsp_event_add(e, 1);
}

static inline void tsp_gauge_add(enum tsp_gauge g, long n)
{
	atomic_long_add(n, &tsp_gauges[g]);
}

/*
 * What proves two sockets are the two ends of one connection: the random
 * token the active end put in its SYN, and the token the passive end
 * derived for its SYN-ACK (token.c). Nobody off the path saw both.
 */
struct tsp_key {
	u64 syn;
	u64 synack;
};

/* An address and port as one socket sees it (IPv4 in addr[0]). */
struct tsp_addr {
	__be32 addr[4];
	__be16 port;
	u16 family;
};

/*
 * One end as it was when paired, for the live pair list: its own address
 * and the one it sees for its peer (which differs from the peer's own
 * when NAT is between them).
 */
struct tsp_endpoint {
	struct tsp_addr local;
	struct tsp_addr peer;
	u32 netns;			/* network namespace inode */
	u64 cgroup;			/* the socket's cgroup v2 id */
};

/*
 * A blocking reader's destination, posted for the writer to fill in one
 * copy (direct.c). Large reads only: pinning costs more than a small copy.
 */
#define TSP_DIRECT_MIN		(16 * 1024)
#define TSP_DIRECT_MAX		(64 * 1024)
#define TSP_DIRECT_PAGES	(TSP_DIRECT_MAX / PAGE_SIZE + 1)

struct tsp_direct {
	atomic_t state;
	unsigned int offset;		/* into pages[0] */
	size_t len;
	size_t done;			/* filled by the writer that claimed */
	struct page **pages;		/* the reader's, pinned */
};

/*
 * Two paired ends. ring[i] carries end i's payload to end 1 - i: end i is
 * its only producer, end 1 - i its only consumer.
 *
 * @sk[i] is read under RCU to wake that end: our sockets are SOCK_RCU_FREE,
 * so one that TCP destroys (and whose pointer it cleared) stays memory for
 * a waker that loaded it before.
 */
struct tsp_pair {
	struct list_head node;		/* tsp_pairs; tsp_pairs_lock */
	struct tsp_endpoint end[2];
	u64 bytes[2];			/* written by end i into ring[i] */
	refcount_t ref;			/* one per end */
	struct sock *sk[2];		/* NULL once that end is destroyed; RCU */
	u8 closed[2];			/* that end left (close, disconnect) */
	/*
	 * End i's sender waits for room: 0, or 1 + the fill of ring[i] it
	 * needs to drop below before it is woken (its low-water mark).
	 */
	u32 want_space[2];
	u32 ring_bytes;			/* ring_kbytes at pairing time */
	bool nat;			/* addresses were translated between */
	struct rcu_head rcu;		/* sock_diag may still read it */
	struct tsp_ring ring[2];
	/* direct[i]: posted by ring[i]'s reader, filled by its writer. */
	struct tsp_direct direct[2] ____cacheline_aligned_in_smp;
};

/*
 * Per-socket state, in inet_csk(sk)->icsk_ulp_data while our ULP ops are
 * installed (so kTLS and sockmap refuse the socket, and TCP's destructor
 * calls tsp_sock_release()).
 *
 * @lock orders the registry against an end leaving: @pair is published
 * under it (by whichever end pairs second), and @gone is set under it, so
 * an end that left can never be paired afterwards.
 *
 * The ring fast paths serialise on @tx_mutex (our ring's writers) and
 * @rx_mutex (our peer's ring's readers) instead of the socket lock; the
 * locked paths take them too, inside the socket lock, around ring access
 * only, and never sleep holding them (tx.c, rx.c).
 */
struct tsp_sock {
	struct sock *sk;
	struct proto *base;		/* the proto we replaced */
	struct tsp_pair *pair;		/* set once, under @lock */
	spinlock_t lock;
	u8 side;			/* our index in @pair */
	bool active;			/* the connecting end */
	bool hashed;			/* waiting in the registry; @lock */
	bool gone;			/* withdrawn: never pairs; @lock */
	bool tx_refused;		/* no ring for us: TCP; socket lock */
	bool detached;			/* disconnected: @pair no longer used */
	struct rhash_head node;		/* registry, keyed by @key */
	struct tsp_key key;
	atomic64_t startup_bytes;	/* read over TCP while paired */
	struct mutex tx_mutex;		/* our ring's writers */
	struct mutex rx_mutex;		/* our peer's ring's readers */
	u32 spin_ns;			/* adaptive spin; @rx_mutex (diag) */
	u32 wake_ns;			/* mean wake-up latency; as @spin_ns */
	u32 last_read;			/* bytes the last read returned */
	bool sent;			/* sent since our last read (spin.c) */
	struct rcu_head rcu;
};

/* token.c */
void tsp_token_init(void);
u64 tsp_token_new(void);
u64 tsp_synack_token(u64 syn, u32 snt_isn);

/* registry.c */
int tsp_registry_init(void);
void tsp_registry_exit(void);
int tsp_offer(struct tsp_sock *ts);
struct tsp_pair *tsp_withdraw(struct tsp_sock *ts);

/* pair.c */
extern struct list_head tsp_pairs;
extern spinlock_t tsp_pairs_lock;
struct tsp_pair *tsp_pair_new(struct tsp_sock *a, struct tsp_sock *b);
void tsp_pair_put(struct tsp_pair *p);
void tsp_pair_wake(struct tsp_pair *p, int side, bool space);

/* The pair this end uses: NULL before pairing and after a disconnect. */
static inline struct tsp_pair *tsp_pair_of(const struct tsp_sock *ts)
{
	if (READ_ONCE(ts->detached))
		return NULL;
	/* Pairs with the release in tsp_pair_new(): the pair is initialised. */
	return smp_load_acquire(&ts->pair);
}

static inline bool tsp_peer_closed(const struct tsp_sock *ts,
				   const struct tsp_pair *p)
{
	return READ_ONCE(p->closed[!ts->side]);
}

/* ringmem.c */
int tsp_ringmem_init(void);
void tsp_ringmem_exit(void);
u32 tsp_ring_bytes(void);
u32 tsp_ring_limit_mbytes(void);
u32 tsp_ring_netns_share(void);
void *tsp_charged_alloc(size_t size, gfp_t gfp, struct sock *sk);
int tsp_ring_engage_mem(struct tsp_ring *r, u32 cap, size_t len,
			struct sock *sk);
void tsp_ring_grow(struct tsp_ring *r, struct sock *sk);
void tsp_ring_release_mem(struct tsp_ring *r);

/* proto.c */
void tsp_proto_init(void);
bool tsp_plain_tcp(const struct sock *sk);
struct tsp_sock *tsp_install(struct sock *sk);
bool tsp_installed(const struct sock *sk);
void tsp_ops_update(struct sock *sk);
void tsp_leave(struct tsp_sock *ts, struct tsp_pair *p);

/* tx.c */
int tsp_sendmsg(struct sock *sk, struct msghdr *msg, size_t size);
int tsp_sendmsg_locked(struct sock *sk, struct msghdr *msg, size_t size);
bool tsp_stream_memory_free(const struct sock *sk, int wake);
void tsp_space_freed(struct tsp_pair *p, int side);

/* rx.c */
int tsp_recvmsg(struct sock *sk, struct msghdr *msg, size_t len, int flags);
bool tsp_sock_is_readable(struct sock *sk);
int tsp_ioctl(struct sock *sk, int cmd, int *karg);
struct tsp_ring *tsp_rx_ring(const struct tsp_sock *ts);
bool tsp_rx_unread(const struct sock *sk, const struct tsp_sock *ts);
ssize_t tsp_splice_read(struct socket *sock, loff_t *ppos,
			struct pipe_inode_info *pipe, size_t len,
			unsigned int flags);
int tsp_read_sock(struct sock *sk, read_descriptor_t *desc,
		  sk_read_actor_t recv_actor);

/* direct.c */
int tsp_direct_post(struct tsp_direct *d, struct page **pages,
		    struct msghdr *msg, size_t len);
bool tsp_direct_done(const struct tsp_direct *d);
size_t tsp_direct_withdraw(struct tsp_direct *d, struct msghdr *msg);
ssize_t tsp_direct_fill(struct tsp_direct *d, const struct tsp_ring *r,
			struct msghdr *msg);

/* kfunc.c */
int tsp_kfunc_register(void);
u64 bpf_tcp_splice_token(void);
u64 bpf_tcp_splice_synack_token(struct bpf_sock_ops_kern *skops, u64 syn_token);
int bpf_tcp_splice_pair(struct bpf_sock_ops_kern *skops, u64 syn_token,
			u64 synack_token);
int bpf_tcp_splice_end_info(struct bpf_sock_ops_kern *skops, void *info,
			    u32 info__sz);

/* pair.c: NAPI */
int tsp_napi_init(void);
void tsp_napi_exit(void);

/* diag.c */
int tsp_diag_get_info(struct sock *sk, struct sk_buff *skb, bool net_admin);
size_t tsp_diag_get_info_size(const struct sock *sk, bool net_admin);

/* stats.c */
int tsp_stats_init(void);
void tsp_stats_exit(void);

#endif /* _TCP_SPLICE_H */

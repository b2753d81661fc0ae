// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_splice: the registry that pairs the two ends of a connection.
 *
 * An end offered by the kfunc waits in a hash table keyed by its
 * direction-independent 4-tuple until the other end is offered. The
 * second end pairs only after proving the two sockets are the two ends
 * of one connection: with sequence numbers frozen after the handshake,
 * each side's receive sequence lies within the other's unacknowledged
 * send window. Locking: tsp_reg_lock (bh) guards the table and
 * tsp_sock::hashed; a waiting end stays allocated while hashed, because
 * its release removes it under the same lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hashtable.h>
#include <linux/jhash.h>
#include <linux/slab.h>
#include <net/inet_sock.h>
#include <net/ipv6.h>
#include <net/tcp.h>

#include "tcp_splice.h"

static DEFINE_HASHTABLE(tsp_reg, 10);
static DEFINE_SPINLOCK(tsp_reg_lock);

/* Live pairs, for /proc/net/tcp_splice_pairs. */
LIST_HEAD(tsp_pairs);
DEFINE_SPINLOCK(tsp_pairs_lock);

static bool tsp_v4(const struct sock *sk)
{
#if IS_ENABLED(CONFIG_IPV6)
	if (sk->sk_family == AF_INET6)
		return ipv6_addr_v4mapped(&sk->sk_v6_daddr);
#endif
	return true;
}

static void tsp_key_of(const struct sock *sk, struct tsp_key *k)
{
	__be32 a[2][4] = {};
	__be16 p[2];
	bool loop;
	int lo;

	memset(k, 0, sizeof(*k));
	if (tsp_v4(sk)) {
		a[0][0] = sk->sk_rcv_saddr;
		a[1][0] = sk->sk_daddr;
		loop = ipv4_is_loopback(sk->sk_rcv_saddr);
		k->family = AF_INET;
	} else {
#if IS_ENABLED(CONFIG_IPV6)
		memcpy(a[0], &sk->sk_v6_rcv_saddr, sizeof(a[0]));
		memcpy(a[1], &sk->sk_v6_daddr, sizeof(a[1]));
		loop = ipv6_addr_loopback(&sk->sk_v6_rcv_saddr);
		k->family = AF_INET6;
#endif
	}
	p[0] = htons(sk->sk_num);
	p[1] = sk->sk_dport;
	lo = memcmp(a[0], a[1], sizeof(a[0])) ?: (int)ntohs(p[0]) - ntohs(p[1]);
	lo = lo > 0;
	memcpy(k->addr[0], a[lo], sizeof(a[0]));
	memcpy(k->addr[1], a[!lo], sizeof(a[0]));
	k->port[0] = p[lo];
	k->port[1] = p[!lo];
	if (loop)
		k->net = sock_net(sk);
}

static void tsp_endpoint_of(const struct sock *sk, struct tsp_endpoint *e)
{
	memset(e, 0, sizeof(*e));
	e->port = htons(sk->sk_num);
	e->netns = sock_net(sk)->ns.inum;
	if (tsp_v4(sk)) {
		e->family = AF_INET;
		e->addr[0] = sk->sk_rcv_saddr;
		return;
	}
#if IS_ENABLED(CONFIG_IPV6)
	e->family = AF_INET6;
	memcpy(e->addr, &sk->sk_v6_rcv_saddr, sizeof(e->addr));
#endif
}

static u32 tsp_key_hash(const struct tsp_key *k)
{
	return jhash(k, sizeof(*k), 0);
}

static bool tsp_seq_within(u32 seq, u32 lo, u32 hi)
{
	return !before(seq, lo) && !after(seq, hi);
}

/*
 * @a and @b face each other (a's local port is b's remote one) and each
 * one's rcv_nxt lies in the other's [snd_una, snd_nxt]: startup bytes may
 * be in flight, but a forged socket's random sequence numbers do not fit.
 */
static bool tsp_ends_match(const struct sock *a, const struct sock *b)
{
	const struct tcp_sock *ta = tcp_sk(a), *tb = tcp_sk(b);

	if (a == b || a->sk_num != ntohs(b->sk_dport) ||
	    b->sk_num != ntohs(a->sk_dport))
		return false;
	return tsp_seq_within(READ_ONCE(tb->rcv_nxt), READ_ONCE(ta->snd_una),
			      READ_ONCE(ta->snd_nxt)) &&
	       tsp_seq_within(READ_ONCE(ta->rcv_nxt), READ_ONCE(tb->snd_una),
			      READ_ONCE(tb->snd_nxt));
}

/* Wake end @side: a reader (data arrived) or a writer (@space freed). */
void tsp_pair_wake(struct tsp_pair *p, int side, bool space)
{
	struct sock *sk;

	spin_lock_bh(&p->lock);
	sk = p->sk[side];
	if (sk) {
		if (space)
			sk->sk_write_space(sk);
		else
			sk->sk_data_ready(sk);
	}
	spin_unlock_bh(&p->lock);
}

void tsp_pair_put(struct tsp_pair *p)
{
	if (!refcount_dec_and_test(&p->ref))
		return;
	spin_lock_bh(&tsp_pairs_lock);
	list_del(&p->node);
	spin_unlock_bh(&tsp_pairs_lock);
	tsp_ring_destroy(&p->ring[0]);
	tsp_ring_destroy(&p->ring[1]);
	tsp_ring_unreserve(2 * p->ring_bytes);
	atomic64_dec(&tsp_counters[TSP_CNT_PAIRS_LIVE]);
	kfree(p);
}

/*
 * Called by the kfunc with @sk's own lock held (bh). Installs our proto
 * on @sk, then pairs it with a waiting other end or leaves it waiting.
 * The ring is engaged later, by each end under its own lock.
 */
int tsp_offer(struct sock *sk)
{
	struct tsp_sock *ts, *other;
	struct tsp_pair *p;
	bool paired = false, found = false;
	u32 hash, ring_bytes;

	if (tsp_installed(sk))
		return -EALREADY;
	if (!tsp_plain_tcp(sk)) {
		tsp_count(TSP_CNT_REFUSED_PROTO);
		return -EPROTONOSUPPORT;
	}
	p = kzalloc_obj(*p, GFP_ATOMIC);
	ts = p ? tsp_install(sk) : NULL;
	if (!ts) {
		kfree(p);
		tsp_count(TSP_CNT_REFUSED_NOMEM);
		return -ENOMEM;
	}
	tsp_key_of(sk, &ts->key);
	hash = tsp_key_hash(&ts->key);
	ring_bytes = tsp_ring_bytes();

	spin_lock_bh(&tsp_reg_lock);
	hash_for_each_possible(tsp_reg, other, node, hash) {
		if (memcmp(&other->key, &ts->key, sizeof(ts->key)))
			continue;
		if (!tsp_ends_match(other->sk, sk)) {
			tsp_count(TSP_CNT_REFUSED_SEQ);
			continue;
		}
		hash_del(&other->node);
		other->hashed = false;
		found = true;
		if (!tsp_ring_reserve(2 * ring_bytes)) {
			/* Both ends stay plain TCP. */
			tsp_count(TSP_CNT_REFUSED_LIMIT);
			break;
		}
		refcount_set(&p->ref, 2);
		spin_lock_init(&p->lock);
		p->sk[0] = other->sk;
		p->sk[1] = sk;
		p->ring_bytes = ring_bytes;
		tsp_endpoint_of(other->sk, &p->end[0]);
		tsp_endpoint_of(sk, &p->end[1]);
		other->side = 0;
		ts->side = 1;
		/* Publish the initialised pair; see tsp_pair_of(). */
		smp_store_release(&ts->pair, p);
		/* Same for the waiting end, read without our lock. */
		smp_store_release(&other->pair, p);
		paired = true;
		break;
	}
	if (!found) {
		hash_add(tsp_reg, &ts->node, hash);
		ts->hashed = true;
	}
	spin_unlock_bh(&tsp_reg_lock);

	if (!paired) {
		kfree(p);
		return 0;
	}
	spin_lock_bh(&tsp_pairs_lock);
	list_add_tail(&p->node, &tsp_pairs);
	spin_unlock_bh(&tsp_pairs_lock);
	tsp_count(TSP_CNT_PAIRS_TOTAL);
	tsp_count(TSP_CNT_PAIRS_LIVE);
	return 0;
}

/* Takes a waiting end out of the registry; it can no longer be paired. */
void tsp_registry_remove(struct tsp_sock *ts)
{
	spin_lock_bh(&tsp_reg_lock);
	if (ts->hashed) {
		hash_del(&ts->node);
		ts->hashed = false;
	}
	spin_unlock_bh(&tsp_reg_lock);
}

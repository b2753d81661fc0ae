// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_splice: the registry that pairs the two ends of a connection.
 *
 * An end offered by the kfunc waits in a resizable hash table (random
 * seed, per-bucket locks, lock-free lookups) keyed by its connection's two
 * handshake tokens (token.c) until the other end comes. The second end
 * pairs only with an end of the other role (active with passive) whose
 * sequence numbers agree, as a last check; addresses play no part, so
 * NAT between the two ends does not matter.
 *
 * Locking: an end's tsp_sock::lock covers its @hashed, @gone and @pair.
 * The pairing end holds its own lock and takes the waiting end's nested
 * inside it; the waiting end was inserted by its own offer, which had
 * released its lock by then, so the two are never taken the other way
 * round. Table operations run inside these locks. A waiting end stays
 * allocated while hashed: it is freed only after tsp_withdraw() has
 * removed it (under its lock), an RCU grace period later.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/rhashtable.h>
#include <net/tcp.h>

#include "tcp_splice.h"

static struct rhashtable tsp_reg;

static const struct rhashtable_params tsp_reg_params = {
	.key_len		= sizeof(struct tsp_key),
	.key_offset		= offsetof(struct tsp_sock, key),
	.head_offset		= offsetof(struct tsp_sock, node),
	.automatic_shrinking	= true,
};

static bool tsp_seq_within(u32 seq, u32 lo, u32 hi)
{
	return !before(seq, lo) && !after(seq, hi);
}

/*
 * Each one's rcv_nxt lies in the other's [snd_una, snd_nxt]: startup bytes
 * may be in flight, but the ends of two connections do not fit.
 */
static bool tsp_seqs_agree(const struct sock *a, const struct sock *b)
{
	const struct tcp_sock *ta = tcp_sk(a), *tb = tcp_sk(b);

	return tsp_seq_within(READ_ONCE(tb->rcv_nxt), READ_ONCE(ta->snd_una),
			      READ_ONCE(ta->snd_nxt)) &&
	       tsp_seq_within(READ_ONCE(ta->rcv_nxt), READ_ONCE(tb->snd_una),
			      READ_ONCE(tb->snd_nxt));
}

/* Called with @ts->lock held: wait in the table, or pair with the end there. */
static int tsp_join(struct tsp_sock *ts)
{
	struct tsp_sock *other;
	int tries;

	for (tries = 0; tries < 4; tries++) {
		/* Closed, disconnected or in repair mode meanwhile. */
		if (ts->gone)
			return -ECONNABORTED;
		ts->hashed = true;
		other = rhashtable_lookup_get_insert_fast(&tsp_reg, &ts->node,
							  tsp_reg_params);
		if (!other) {
			tsp_gauge_add(TSP_GA_WAITING, 1);
			return 0;
		}
		ts->hashed = false;
		if (IS_ERR(other)) {
			tsp_event(TSP_EV_REFUSED_NOMEM);
			return PTR_ERR(other);
		}
		spin_lock_nested(&other->lock, SINGLE_DEPTH_NESTING);
		if (!other->hashed) {
			/* It is leaving and has left the table: look again. */
			spin_unlock(&other->lock);
			continue;
		}
		if (other->active == ts->active ||
		    !tsp_seqs_agree(other->sk, ts->sk)) {
			/* Not its other end: both tokens are taken already. */
			spin_unlock(&other->lock);
			tsp_event(TSP_EV_REFUSED_CLAIM);
			return -EADDRINUSE;
		}
		if (!tsp_pair_new(other, ts)) {
			spin_unlock(&other->lock);
			tsp_event(TSP_EV_REFUSED_NOMEM);
			return -ENOMEM;
		}
		rhashtable_remove_fast(&tsp_reg, &other->node, tsp_reg_params);
		other->hashed = false;
		tsp_gauge_add(TSP_GA_WAITING, -1);
		spin_unlock(&other->lock);
		return 0;
	}
	return -EAGAIN;
}

/*
 * Offer @ts, just installed on its socket by the kfunc (with the socket's
 * own lock held, bh): pair it with the waiting other end, or leave it
 * waiting. The rings are engaged later, by each end under its own lock.
 */
int tsp_offer(struct tsp_sock *ts)
{
	int err;

	rcu_read_lock();
	spin_lock_bh(&ts->lock);
	err = tsp_join(ts);
	spin_unlock_bh(&ts->lock);
	rcu_read_unlock();
	return err;
}

/*
 * An end leaves for good (close, disconnect, repair mode, destruction):
 * out of the table, never to pair. Returns its pair, if it has one; after
 * this, that answer cannot change.
 */
struct tsp_pair *tsp_withdraw(struct tsp_sock *ts)
{
	struct tsp_pair *p;

	spin_lock_bh(&ts->lock);
	ts->gone = true;
	if (ts->hashed) {
		rhashtable_remove_fast(&tsp_reg, &ts->node, tsp_reg_params);
		ts->hashed = false;
		tsp_gauge_add(TSP_GA_WAITING, -1);
		tsp_event(TSP_EV_WAITED_UNPAIRED);
	}
	p = ts->pair;
	spin_unlock_bh(&ts->lock);
	return p;
}

int __init tsp_registry_init(void)
{
	return rhashtable_init(&tsp_reg, &tsp_reg_params);
}

/* Every socket is gone by now (each held a module reference). */
void tsp_registry_exit(void)
{
	rhashtable_destroy(&tsp_reg);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_splice: a pair's lifetime, its wake-ups and the live pair list.
 *
 * A pair holds one reference per end; each end drops its own when TCP
 * destroys its socket (tsp_sock_release()), and the rings go with the
 * last. @lock guards the end pointers, which the other end uses to wake
 * a reader or a writer.
 */
#include <linux/cgroup.h>
#include <linux/slab.h>
#include <net/inet_sock.h>
#include <net/ipv6.h>
#include <net/sock.h>

#include "tcp_splice.h"

/* Live pairs, for /proc/net/tcp_splice_pairs. */
LIST_HEAD(tsp_pairs);
DEFINE_SPINLOCK(tsp_pairs_lock);

/* @sk's own address (@local) or its peer's, as @sk sees them. */
static void tsp_addr_of(const struct sock *sk, bool local, struct tsp_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->port = local ? htons(sk->sk_num) : sk->sk_dport;
	a->family = AF_INET;
#if IS_ENABLED(CONFIG_IPV6)
	if (sk->sk_family == AF_INET6) {
		const struct in6_addr *in6 = local ? &sk->sk_v6_rcv_saddr :
						     &sk->sk_v6_daddr;

		if (!ipv6_addr_v4mapped(in6)) {
			a->family = AF_INET6;
			memcpy(a->addr, in6, sizeof(a->addr));
		} else {
			a->addr[0] = in6->s6_addr32[3];
		}
		return;
	}
#endif
	a->addr[0] = local ? sk->sk_rcv_saddr : sk->sk_daddr;
}

static void tsp_endpoint_of(struct sock *sk, struct tsp_endpoint *e)
{
	tsp_addr_of(sk, true, &e->local);
	tsp_addr_of(sk, false, &e->peer);
	e->netns = sock_net(sk)->ns.inum;
	e->cgroup = cgroup_id(sock_cgroup_ptr(&sk->sk_cgrp_data));
}

/*
 * Pair waiting end @a (side 0) with @b (side 1), both their locks held;
 * publishes the pair to both. GFP_ATOMIC: called in softirq.
 */
struct tsp_pair *tsp_pair_new(struct tsp_sock *a, struct tsp_sock *b)
{
	struct tsp_pair *p = kzalloc_obj(*p, GFP_ATOMIC);

	if (!p)
		return NULL;
	refcount_set(&p->ref, 2);
	spin_lock_init(&p->lock);
	p->sk[0] = a->sk;
	p->sk[1] = b->sk;
	p->ring_bytes = tsp_ring_bytes();
	tsp_endpoint_of(a->sk, &p->end[0]);
	tsp_endpoint_of(b->sk, &p->end[1]);
	/* Each end sees the other's own address, unless NAT is between. */
	p->nat = memcmp(&p->end[0].local, &p->end[1].peer, sizeof(struct tsp_addr)) ||
		 memcmp(&p->end[1].local, &p->end[0].peer, sizeof(struct tsp_addr));
	a->side = 0;
	b->side = 1;
	/* Pairs with the acquire in tsp_pair_of(): publish it initialised. */
	smp_store_release(&a->pair, p);
	/* The same for the other end. */
	smp_store_release(&b->pair, p);

	spin_lock(&tsp_pairs_lock);
	list_add_tail(&p->node, &tsp_pairs);
	spin_unlock(&tsp_pairs_lock);
	tsp_event(TSP_EV_PAIRS_TOTAL);
	if (p->nat)
		tsp_event(TSP_EV_PAIRS_NAT);
	tsp_gauge_add(TSP_GA_PAIRS_LIVE, 1);
	return p;
}

void tsp_pair_put(struct tsp_pair *p)
{
	if (!refcount_dec_and_test(&p->ref))
		return;
	spin_lock_bh(&tsp_pairs_lock);
	list_del(&p->node);
	spin_unlock_bh(&tsp_pairs_lock);
	tsp_ring_release_mem(&p->ring[0]);
	tsp_ring_release_mem(&p->ring[1]);
	tsp_gauge_add(TSP_GA_PAIRS_LIVE, -1);
	/* sock_diag reads an end's pair under RCU (diag.c). */
	kfree_rcu(p, rcu);
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

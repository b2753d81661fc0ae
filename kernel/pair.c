// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_splice: a pair's lifetime, its wake-ups and the live pair list.
 *
 * A pair holds one reference per end; each end drops its own when TCP
 * destroys its socket (tsp_sock_release()), and the rings go with the
 * last. @lock guards the end pointers, which the other end uses to wake
 * a reader or a writer.
 */
#include <linux/slab.h>
#include <net/inet_sock.h>
#include <net/ipv6.h>
#include <net/sock.h>

#include "tcp_splice.h"

/* Live pairs, for /proc/net/tcp_splice_pairs. */
LIST_HEAD(tsp_pairs);
DEFINE_SPINLOCK(tsp_pairs_lock);

static void tsp_endpoint_of(const struct sock *sk, struct tsp_endpoint *e)
{
	memset(e, 0, sizeof(*e));
	e->port = htons(sk->sk_num);
	e->netns = sock_net(sk)->ns.inum;
#if IS_ENABLED(CONFIG_IPV6)
	if (sk->sk_family == AF_INET6 &&
	    !ipv6_addr_v4mapped(&sk->sk_v6_rcv_saddr)) {
		e->family = AF_INET6;
		memcpy(e->addr, &sk->sk_v6_rcv_saddr, sizeof(e->addr));
		return;
	}
	if (sk->sk_family == AF_INET6) {
		e->family = AF_INET;
		e->addr[0] = sk->sk_v6_rcv_saddr.s6_addr32[3];
		return;
	}
#endif
	e->family = AF_INET;
	e->addr[0] = sk->sk_rcv_saddr;
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
	kfree(p);
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

// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_splice: a pair's lifetime, its wake-ups and the live pair list.
 *
 * A pair holds one reference per end; each end drops its own when TCP
 * destroys its socket (tsp_sock_release()), and the rings go with the
 * last. The other end reads the end pointers under RCU to wake a reader or
 * a writer (see struct tsp_pair).
 *
 * The NAPI context here is for epoll's busy polling. epoll_wait() busy-polls
 * (net.core.busy_poll, or EPIOCSPARAMS per epoll instance) only on the NAPI
 * ID of a socket that woke it, and only while that ID names a registered
 * NAPI. Loopback and veth have none, and a ring has no device to poll. Ours
 * polls nothing: busy polling on it spins until a ring write makes an
 * epoll event ready, which is what a one-client request/response server
 * (redis) needs. Writers give their reader's socket this ID; TCP writes it
 * over with its own when a segment arrives, as it would. (It lives in this
 * unit: in a unit of its own, <linux/netdevice.h> keeps pahole from
 * deduplicating the module BTF against vmlinux.)
 */
#include <linux/cgroup.h>
#include <linux/netdevice.h>
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
 * publishes the pair to both. Called in softirq: the pair is charged to the
 * active end's memory cgroup (a passive end has none before accept()), with
 * no reclaim, no reserves, and no charge forced past the limit as
 * GFP_ATOMIC's would be.
 */
struct tsp_pair *tsp_pair_new(struct tsp_sock *a, struct tsp_sock *b)
{
	struct tsp_pair *p = tsp_charged_alloc(sizeof(*p), GFP_NOWAIT | __GFP_ZERO,
					       a->active ? a->sk : b->sk);

	if (!p)
		return NULL;
	refcount_set(&p->ref, 2);
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
	kvfree_rcu(p, rcu);
}

static struct net_device *tsp_napi_dev;
static struct napi_struct tsp_napi;

/* Nothing to receive: complete at once (the busy loop keeps calling). */
static int tsp_napi_poll(struct napi_struct *napi, int budget)
{
	napi_complete_done(napi, 0);
	return 0;
}

/* The ID, or 0 when there is none (no busy polling in this kernel). */
static unsigned int tsp_napi_id(void)
{
	return tsp_napi_dev ? READ_ONCE(tsp_napi.napi_id) : 0;
}

int tsp_napi_init(void)
{
	if (!IS_ENABLED(CONFIG_NET_RX_BUSY_POLL))
		return 0;
	tsp_napi_dev = alloc_netdev_dummy(0);
	if (!tsp_napi_dev)
		return -ENOMEM;
	netif_napi_add(tsp_napi_dev, &tsp_napi, tsp_napi_poll);
	napi_enable(&tsp_napi);
	return 0;
}

/* After every socket that carried the ID is gone. */
void tsp_napi_exit(void)
{
	if (!tsp_napi_dev)
		return;
	napi_disable(&tsp_napi);
	netif_napi_del(&tsp_napi);
	free_netdev(tsp_napi_dev);
	tsp_napi_dev = NULL;
}

/* The ID an epoll woken by @sk busy-polls on. */
static void tsp_mark_napi_id(struct sock *sk)
{
#ifdef CONFIG_NET_RX_BUSY_POLL
	unsigned int id = tsp_napi_id();

	if (id && READ_ONCE(sk->sk_napi_id) != id)
		WRITE_ONCE(sk->sk_napi_id, id);
#endif
}

/*
 * TCP calls sk_data_ready() with the socket's spinlock held, and an
 * in-kernel reader (strparser: KCM), which sets sk_user_data, relies on it
 * to order its reads against a lock_sock() holder's; the default callback
 * does not need it.
 */
static void tsp_data_ready(struct sock *sk)
{
	if (likely(!rcu_access_pointer(__sk_user_data(sk)))) {
		sk->sk_data_ready(sk);
		return;
	}
	local_bh_disable();
	bh_lock_sock(sk);
	sk->sk_data_ready(sk);
	bh_unlock_sock(sk);
	local_bh_enable();
}

/*
 * Wake end @side: a reader (data arrived) or a writer (@space freed). No
 * lock: once per write, and TCP's callbacks skip the wake-up when nobody
 * waits.
 */
void tsp_pair_wake(struct tsp_pair *p, int side, bool space)
{
	struct sock *sk;

	rcu_read_lock();
	sk = READ_ONCE(p->sk[side]);
	if (sk && space) {
		sk->sk_write_space(sk);
	} else if (sk) {
		tsp_mark_napi_id(sk);
		tsp_data_ready(sk);
	}
	rcu_read_unlock();
}

// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_splice: per-socket details for sock_diag, inside INET_DIAG_ULP_INFO
 * (ss -tie shows "tcp-ulp-tcp_splice"; tcp-splice-ctl sockets decodes
 * them): the end's state, its ring's size and fill each way, the bytes it
 * sent and received through rings, and those it read over TCP while paired.
 *
 * Called without the socket lock, as a dump goes: the socket's state and
 * its pair are read under RCU (both are freed an RCU grace period after the
 * socket leaves), and every field is a snapshot.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/user_namespace.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "tcp_splice_uapi.h"
#include "tsp_sock.h"

static u8 tsp_diag_state(const struct tsp_sock *ts,
			 const struct tsp_pair *p)
{
	if (p)
		return READ_ONCE(ts->detached) ? TSP_END_DETACHED :
						 TSP_END_PAIRED;
	/* @hashed and @gone change under @ts->lock: a snapshot will do. */
	if (data_race(ts->gone))
		return TSP_END_WITHDRAWN;
	return TSP_END_WAITING;
}

static int tsp_diag_put_pair(struct sk_buff *skb, const struct tsp_sock *ts,
			     const struct tsp_pair *p, bool net_admin)
{
	int me = ts->side, peer = !ts->side;

	if (nla_put_u8(skb, TSP_INFO_SIDE, me) ||
	    nla_put_u8(skb, TSP_INFO_NAT, p->nat) ||
	    nla_put_u32(skb, TSP_INFO_RING_SIZE, p->ring_bytes) ||
	    nla_put_u32(skb, TSP_INFO_TX_FILL, tsp_ring_fill(&p->ring[me])) ||
	    nla_put_u32(skb, TSP_INFO_RX_FILL, tsp_ring_fill(&p->ring[peer])) ||
	    nla_put_u64_64bit(skb, TSP_INFO_TX_BYTES, READ_ONCE(p->bytes[me]),
			      TSP_INFO_PAD) ||
	    nla_put_u64_64bit(skb, TSP_INFO_RX_BYTES,
			      READ_ONCE(p->bytes[peer]), TSP_INFO_PAD))
		return -EMSGSIZE;
	/*
	 * Where the other end lives is the host operator's business, as the
	 * pair list is (stats.c): @net_admin is CAP_NET_ADMIN over the dumped
	 * namespace, which a tenant has in its own user namespace, so the
	 * requester must hold it in the initial one too (its credentials, as
	 * inet_diag asks bpf_capable() for socket storage).
	 */
	if (net_admin && ns_capable_noaudit(&init_user_ns, CAP_NET_ADMIN) &&
	    nla_put_u32(skb, TSP_INFO_PEER_NETNS, p->end[peer].netns))
		return -EMSGSIZE;
	return 0;
}

int tsp_diag_get_info(struct sock *sk, struct sk_buff *skb, bool net_admin)
{
	const struct tsp_sock *ts;
	const struct tsp_pair *p;
	struct nlattr *nest;
	int err = -EMSGSIZE;

	rcu_read_lock();
	ts = rcu_dereference(inet_csk(sk)->icsk_ulp_data);
	if (!ts) {
		/* Leaving: TCP's destructor released it. */
		err = 0;
		goto out;
	}
	/* Pairs with the release in tsp_pair_new(). */
	p = smp_load_acquire(&ts->pair);
	nest = nla_nest_start(skb, TSP_ULP_INFO);
	if (!nest)
		goto out;
	if (nla_put_u8(skb, TSP_INFO_STATE, tsp_diag_state(ts, p)) ||
	    nla_put_u8(skb, TSP_INFO_ACTIVE, ts->active) ||
	    nla_put_u8(skb, TSP_INFO_TX_REFUSED, READ_ONCE(ts->tx_refused)) ||
	    nla_put_u64_64bit(skb, TSP_INFO_STARTUP_BYTES,
			      atomic64_read(&ts->startup_bytes), TSP_INFO_PAD) ||
	    nla_put_u32(skb, TSP_INFO_SPIN_NS, READ_ONCE(ts->spin_ns)) ||
	    nla_put_u32(skb, TSP_INFO_WAKE_NS, READ_ONCE(ts->wake_ns)))
		goto cancel;
	if (p && tsp_diag_put_pair(skb, ts, p, net_admin))
		goto cancel;
	nla_nest_end(skb, nest);
	err = 0;
	goto out;
cancel:
	nla_nest_cancel(skb, nest);
out:
	rcu_read_unlock();
	return err;
}

/* The most tsp_diag_get_info() puts, whatever the socket's state. */
size_t tsp_diag_get_info_size(const struct sock *sk, bool net_admin)
{
	return nla_total_size(0) +			/* TSP_ULP_INFO */
	       4 * nla_total_size(sizeof(u8)) +		/* state, side, ... */
	       nla_total_size(sizeof(u8)) +		/* nat */
	       3 * nla_total_size(sizeof(u32)) +	/* ring size, fills */
	       2 * nla_total_size(sizeof(u32)) +	/* spin, wake-up */
	       nla_total_size(sizeof(u32)) +		/* peer netns */
	       3 * nla_total_size_64bit(sizeof(u64));	/* bytes */
}

// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_splice: counters, exported as /proc/net/tcp_splice in the initial
 * network namespace ("name value" per line), and the live pair list.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <net/net_namespace.h>

#include "tcp_splice.h"

DEFINE_PER_CPU(struct tsp_events, tsp_events);
atomic_long_t tsp_gauges[TSP_GA_MAX];

static const char *const tsp_event_names[TSP_EV_MAX] = {
	[TSP_EV_KFUNC_CALLS]		= "kfunc_calls",
	[TSP_EV_KFUNC_ACCEPTED]		= "kfunc_accepted",
	[TSP_EV_REFUSED_OP]		= "refused_op",
	[TSP_EV_REFUSED_SOCK]		= "refused_sock",
	[TSP_EV_REFUSED_KERNEL]		= "refused_kernel",
	[TSP_EV_REFUSED_PROTO]		= "refused_proto",
	[TSP_EV_REFUSED_PROOF]		= "refused_proof",
	[TSP_EV_REFUSED_CLAIM]		= "refused_claim",
	[TSP_EV_REFUSED_NOMEM]		= "refused_nomem",
	[TSP_EV_REFUSED_RING]		= "refused_ring",
	[TSP_EV_REFUSED_LIMIT]		= "refused_limit",
	[TSP_EV_PAIRS_TOTAL]		= "pairs_total",
	[TSP_EV_PAIRS_NAT]		= "pairs_nat",
	[TSP_EV_WAITED_UNPAIRED]	= "waited_unpaired",
	[TSP_EV_BYTES_RING]		= "bytes_ring",
	[TSP_EV_BYTES_STARTUP]		= "bytes_startup",
};

static const char *const tsp_gauge_names[TSP_GA_MAX] = {
	[TSP_GA_PAIRS_LIVE]		= "pairs_live",
	[TSP_GA_SOCKS_LIVE]		= "socks_live",
	[TSP_GA_WAITING]		= "waiting",
	[TSP_GA_RING_RESERVED]		= "ring_reserved_kbytes",
};

static u64 tsp_event_sum(enum tsp_event e)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(&tsp_events, cpu)->n[e]);
	return sum;
}

static int tsp_stats_show(struct seq_file *seq, void *v)
{
	int i;

	seq_printf(seq, "ring_kbytes %u\n", tsp_ring_bytes() / 1024);
	seq_printf(seq, "ring_limit_mbytes %u\n", tsp_ring_limit_mbytes());
	seq_printf(seq, "ring_netns_share %u\n", tsp_ring_netns_share());
	for (i = 0; i < TSP_EV_MAX; i++)
		seq_printf(seq, "%s %llu\n", tsp_event_names[i],
			   tsp_event_sum(i));
	for (i = 0; i < TSP_GA_MAX; i++)
		seq_printf(seq, "%s %ld\n", tsp_gauge_names[i],
			   atomic_long_read(&tsp_gauges[i]));
	return 0;
}

static void tsp_show_addr(struct seq_file *seq, const char *name,
			  const struct tsp_addr *a)
{
	if (a->family == AF_INET)
		seq_printf(seq, " %s=%pI4:%u", name, &a->addr[0], ntohs(a->port));
	else
		seq_printf(seq, " %s=[%pI6c]:%u", name, a->addr, ntohs(a->port));
}

static u32 tsp_fill(const struct tsp_ring *r)
{
	return tsp_ring_ready(r) ? tsp_ring_used(r) : 0;
}

/*
 * One line per live pair, both ends as "a" and "b" (each end's local
 * address; the other's is its peer), their network namespaces, bytes
 * each way through the rings and each ring's fill/size, and "nat=1" when
 * addresses were translated between them, with the peer address each end
 * sees (a_peer, b_peer: a ClusterIP, a published port).
 */
static int tsp_pairs_show(struct seq_file *seq, void *v)
{
	struct tsp_pair *p;

	spin_lock_bh(&tsp_pairs_lock);
	list_for_each_entry(p, &tsp_pairs, node) {
		tsp_show_addr(seq, "a", &p->end[0].local);
		tsp_show_addr(seq, "b", &p->end[1].local);
		seq_printf(seq, " netns_a=%u netns_b=%u bytes_ab=%llu bytes_ba=%llu fill_ab=%u fill_ba=%u size=%u nat=%d",
			   p->end[0].netns, p->end[1].netns,
			   READ_ONCE(p->bytes[0]), READ_ONCE(p->bytes[1]),
			   tsp_fill(&p->ring[0]), tsp_fill(&p->ring[1]),
			   p->ring_bytes, p->nat);
		if (p->nat) {
			tsp_show_addr(seq, "a_peer", &p->end[0].peer);
			tsp_show_addr(seq, "b_peer", &p->end[1].peer);
		}
		seq_putc(seq, '\n');
	}
	spin_unlock_bh(&tsp_pairs_lock);
	return 0;
}

int __init tsp_stats_init(void)
{
	if (!proc_create_single("tcp_splice", 0444, init_net.proc_net,
				tsp_stats_show))
		return -ENOMEM;
	if (!proc_create_single("tcp_splice_pairs", 0400, init_net.proc_net,
				tsp_pairs_show)) {
		remove_proc_entry("tcp_splice", init_net.proc_net);
		return -ENOMEM;
	}
	return 0;
}

void tsp_stats_exit(void)
{
	remove_proc_entry("tcp_splice_pairs", init_net.proc_net);
	remove_proc_entry("tcp_splice", init_net.proc_net);
}

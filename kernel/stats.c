// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_splice: counters, as /proc/net/tcp_splice ("name value" per line),
 * and the live pair list, /proc/net/tcp_splice_pairs.
 *
 * Both files are in every network namespace, so a privileged pod without
 * hostNetwork reads them where it is; they describe the whole host, so
 * outside the initial namespace only a reader that opened them with
 * CAP_NET_ADMIN in the initial user namespace gets them (a tenant with
 * CAP_NET_ADMIN in its own user namespace learns nothing of the others).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/seq_file_net.h>
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
	[TSP_EV_GROW_LIMITED]		= "ring_grow_limited",
	[TSP_EV_PAIRS_TOTAL]		= "pairs_total",
	[TSP_EV_PAIRS_NAT]		= "pairs_nat",
	[TSP_EV_WAITED_UNPAIRED]	= "waited_unpaired",
	[TSP_EV_BYTES_RING]		= "bytes_ring",
	[TSP_EV_BYTES_DIRECT]		= "bytes_direct",
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

/* The host-wide view, to the opener of @seq (its credentials at open). */
static bool tsp_may_read(struct seq_file *seq, bool host_only)
{
	if (!host_only && net_eq(seq_file_single_net(seq), &init_net))
		return true;
	return file_ns_capable(seq->file, &init_user_ns, CAP_NET_ADMIN);
}

static int tsp_stats_show(struct seq_file *seq, void *v)
{
	int i;

	if (!tsp_may_read(seq, false))
		return -EPERM;
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

/*
 * One line per live pair, both ends as "a" and "b" (each end's local
 * address; the other's is its peer), their network namespaces, bytes
 * each way through the rings and each ring's fill/size, and "nat=1" when
 * addresses were translated between them, with the peer address each end
 * sees (a_peer, b_peer: a ClusterIP, a published port). Each end's cgroup
 * id (cgroup_a, cgroup_b) follows nat.
 */
static int tsp_pairs_show(struct seq_file *seq, void *v)
{
	struct tsp_pair *p;

	if (!tsp_may_read(seq, true))
		return -EPERM;
	spin_lock_bh(&tsp_pairs_lock);
	list_for_each_entry(p, &tsp_pairs, node) {
		tsp_show_addr(seq, "a", &p->end[0].local);
		tsp_show_addr(seq, "b", &p->end[1].local);
		seq_printf(seq, " netns_a=%u netns_b=%u bytes_ab=%llu bytes_ba=%llu fill_ab=%u fill_ba=%u size=%u nat=%d cgroup_a=%llu cgroup_b=%llu",
			   p->end[0].netns, p->end[1].netns,
			   READ_ONCE(p->bytes[0]), READ_ONCE(p->bytes[1]),
			   tsp_ring_fill(&p->ring[0]), tsp_ring_fill(&p->ring[1]),
			   p->ring_bytes, p->nat,
			   p->end[0].cgroup, p->end[1].cgroup);
		if (p->nat) {
			tsp_show_addr(seq, "a_peer", &p->end[0].peer);
			tsp_show_addr(seq, "b_peer", &p->end[1].peer);
		}
		seq_putc(seq, '\n');
	}
	spin_unlock_bh(&tsp_pairs_lock);
	return 0;
}

static int __net_init tsp_stats_net_init(struct net *net)
{
	if (!proc_create_net_single("tcp_splice", 0444, net->proc_net,
				    tsp_stats_show, NULL))
		return -ENOMEM;
	if (!proc_create_net_single("tcp_splice_pairs", 0400, net->proc_net,
				    tsp_pairs_show, NULL)) {
		remove_proc_entry("tcp_splice", net->proc_net);
		return -ENOMEM;
	}
	return 0;
}

static void __net_exit tsp_stats_net_exit(struct net *net)
{
	remove_proc_entry("tcp_splice_pairs", net->proc_net);
	remove_proc_entry("tcp_splice", net->proc_net);
}

static struct pernet_operations tsp_stats_net_ops = {
	.init = tsp_stats_net_init,
	.exit = tsp_stats_net_exit,
};

int __init tsp_stats_init(void)
{
	return register_pernet_subsys(&tsp_stats_net_ops);
}

void tsp_stats_exit(void)
{
	unregister_pernet_subsys(&tsp_stats_net_ops);
}

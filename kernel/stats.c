// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_splice: counters, exported as /proc/net/tcp_splice in the initial
 * network namespace ("name value" per line).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <net/net_namespace.h>

#include "tcp_splice.h"

atomic64_t tsp_counters[TSP_CNT_MAX];

static const char *const tsp_counter_names[TSP_CNT_MAX] = {
	[TSP_CNT_KFUNC_CALLS]		= "kfunc_calls",
	[TSP_CNT_KFUNC_ACCEPTED]	= "kfunc_accepted",
	[TSP_CNT_REFUSED_OP]		= "refused_op",
	[TSP_CNT_REFUSED_SOCK]		= "refused_sock",
	[TSP_CNT_REFUSED_PROTO]		= "refused_proto",
	[TSP_CNT_REFUSED_NOMEM]		= "refused_nomem",
	[TSP_CNT_REFUSED_SEQ]		= "refused_seq",
	[TSP_CNT_REFUSED_RING]		= "refused_ring",
	[TSP_CNT_PAIRS_TOTAL]		= "pairs_total",
	[TSP_CNT_PAIRS_LIVE]		= "pairs_live",
	[TSP_CNT_SOCKS_LIVE]		= "socks_live",
	[TSP_CNT_BYTES_RING]		= "bytes_ring",
	[TSP_CNT_BYTES_STARTUP]		= "bytes_startup",
};

static int tsp_stats_show(struct seq_file *seq, void *v)
{
	int i;

	seq_printf(seq, "ring_kbytes %u\n", tsp_ring_bytes() / 1024);
	for (i = 0; i < TSP_CNT_MAX; i++)
		seq_printf(seq, "%s %lld\n", tsp_counter_names[i],
			   (long long)atomic64_read(&tsp_counters[i]));
	return 0;
}

int tsp_stats_init(void)
{
	if (!proc_create_single("tcp_splice", 0444, init_net.proc_net,
				tsp_stats_show))
		return -ENOMEM;
	return 0;
}

void tsp_stats_exit(void)
{
	remove_proc_entry("tcp_splice", init_net.proc_net);
}

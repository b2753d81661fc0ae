/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcp_splice: private declarations shared by the module's parts.
 */
#ifndef _TCP_SPLICE_H
#define _TCP_SPLICE_H

#include <linux/atomic.h>
#include <linux/types.h>

/* ring_kbytes bounds, KiB; values are rounded up to a power of two. */
#define TSP_RING_KBYTES_MIN	4U
#define TSP_RING_KBYTES_MAX	16384U
#define TSP_RING_KBYTES_DEF	64U

enum tsp_counter {
	TSP_CNT_KFUNC_CALLS,	/* every call of bpf_tcp_splice_pair() */
	TSP_CNT_KFUNC_ACCEPTED,	/* calls whose argument passed validation */
	TSP_CNT_REFUSED_OP,	/* not called from an ESTABLISHED callback */
	TSP_CNT_REFUSED_SOCK,	/* not a full, established TCP socket */
	TSP_CNT_MAX,
};

extern atomic64_t tsp_counters[TSP_CNT_MAX];

static inline void tsp_count(enum tsp_counter c)
{
	atomic64_inc(&tsp_counters[c]);
}

/* Per-direction ring size in bytes, read once when a pair is set up. */
u32 tsp_ring_bytes(void);

int tsp_kfunc_register(void);

int tsp_stats_init(void);
void tsp_stats_exit(void);

#endif /* _TCP_SPLICE_H */

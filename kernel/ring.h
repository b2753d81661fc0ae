/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcp_splice: single-producer single-consumer byte ring, one per direction.
 *
 * The producer is the sending socket's owner (serialised by its socket
 * lock), the consumer the receiving socket's owner (serialised by its own
 * socket lock). They share nothing but @head and @tail, free-running u32
 * byte counters: the producer publishes data with a release store of @head,
 * the consumer frees space with a release store of @tail; each reads the
 * other's counter with an acquire load.
 */
#ifndef _TCP_SPLICE_RING_H
#define _TCP_SPLICE_RING_H

#include <linux/cache.h>
#include <linux/types.h>
#include <linux/uio.h>

struct tsp_netmem;

struct tsp_ring {
	u32 head ____cacheline_aligned_in_smp;	/* written by the producer */
	u32 tail ____cacheline_aligned_in_smp;	/* written by the consumer */
	u32 size ____cacheline_aligned_in_smp;	/* power of two */
	u8 *buf;
	/*
	 * The sender's write_seq when it moved to the ring: every TCP byte
	 * below it precedes every ring byte. Valid once @ready is set
	 * (release by the producer, after @buf, @size and @start_seq).
	 */
	u32 start_seq;
	u32 ready;
	/* The share @size was reserved against (ringmem.c); NULL if none. */
	struct tsp_netmem *charged;
};

/* Has this direction moved to the ring? */
static inline bool tsp_ring_ready(const struct tsp_ring *r)
{
	/* Pairs with the release in tsp_tx_engage(): @buf, @start_seq set. */
	return smp_load_acquire(&r->ready);
}

/* Bytes readable; exact for the consumer, a lower bound for others. */
static inline u32 tsp_ring_used(const struct tsp_ring *r)
{
	/* Pairs with the release of @head in tsp_ring_write(). */
	return smp_load_acquire(&r->head) - READ_ONCE(r->tail);
}

/* Bytes waiting, for reports: 0 before the direction moved to the ring. */
static inline u32 tsp_ring_fill(const struct tsp_ring *r)
{
	return tsp_ring_ready(r) ? tsp_ring_used(r) : 0;
}

/* Bytes writable; exact for the producer, a lower bound for others. */
static inline u32 tsp_ring_space(const struct tsp_ring *r)
{
	/* Pairs with the release of @tail in tsp_ring_read(). */
	return r->size - (READ_ONCE(r->head) - smp_load_acquire(&r->tail));
}

/* How a read treats the bytes it reaches. */
enum {
	TSP_RD_PEEK	= 1,	/* leave them in the ring */
	TSP_RD_DISCARD	= 2,	/* do not copy them (MSG_TRUNC) */
};

ssize_t tsp_ring_write(struct tsp_ring *r, struct iov_iter *from, size_t len);
ssize_t tsp_ring_read(struct tsp_ring *r, struct iov_iter *to, u32 skip,
		      size_t len, unsigned int how);
void tsp_ring_consume(struct tsp_ring *r, u32 n);

#endif /* _TCP_SPLICE_RING_H */

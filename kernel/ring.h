/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcp_splice: single-producer single-consumer byte ring, one per direction.
 *
 * The producer is the sending socket's owner (serialised by its tx mutex),
 * the consumer the receiving socket's owner (serialised by its rx mutex or
 * socket lock). They share nothing but @head and @tail, free-running u32
 * byte counters: the producer publishes data with a release store of @head,
 * the consumer frees space with a release store of @tail; each reads the
 * other's counter with an acquire load.
 *
 * A ring starts small (TSP_RING_FIRST) and grows once, to @cap, when a send
 * does not fit or finds bytes unread: connections that exchange small
 * messages, each read before the next, never zero, charge or hold a full
 * ring. The producer copies the unread bytes into the large buffer at the
 * same positions and publishes it with a release store of @cur; the
 * consumer loads @cur after the acquire of @head (the bytes it reads are in
 * whichever buffer it finds) and frees the small buffer itself at its next
 * read, when it can hold no pointer into it.
 */
#ifndef _TCP_SPLICE_RING_H
#define _TCP_SPLICE_RING_H

#include <linux/cache.h>
#include <linux/sizes.h>
#include <linux/types.h>
#include <linux/uio.h>

struct tsp_netmem;

/* The size of a new ring's first buffer (unless the first send needs more). */
#define TSP_RING_FIRST	SZ_4K

/* One buffer: never changed once published through @cur. */
struct tsp_ring_mem {
	u8 *buf;
	u32 size;	/* power of two */
};

struct tsp_ring {
	u32 head ____cacheline_aligned_in_smp;	/* written by the producer */
	u32 tail ____cacheline_aligned_in_smp;	/* written by the consumer */
	/* The buffer in use: &@mem[0], then &@mem[1] once grown. */
	const struct tsp_ring_mem *cur ____cacheline_aligned_in_smp;
	/* The size @cur may grow to; lowered to @cur's size if it cannot. */
	u32 cap;
	/*
	 * The sender's write_seq when it moved to the ring: every TCP byte
	 * below it precedes every ring byte. Valid once @ready is set
	 * (release by the producer, after @cur, @cap and @start_seq).
	 */
	u32 start_seq;
	u32 ready;
	/*
	 * [0] the first buffer (its @buf freed by the consumer once @cur
	 * moved on), [1] the grown one.
	 */
	struct tsp_ring_mem mem[2];
	/* The share @cur's size is reserved against; or NULL. */
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

/* The size of the buffer in use. */
static inline u32 tsp_ring_size(const struct tsp_ring *r)
{
	/* Written by the producer alone; the buffer it points at is fixed. */
	return READ_ONCE(r->cur)->size;
}

/* The most the ring can hold once grown: what a sender can always fill. */
static inline u32 tsp_ring_cap(const struct tsp_ring *r)
{
	return READ_ONCE(r->cap);
}

/* Bytes writable; exact for the producer, a lower bound for others. */
static inline u32 tsp_ring_space(const struct tsp_ring *r)
{
	u32 size = tsp_ring_size(r);

	/* Pairs with the release of @tail in tsp_ring_consume(). */
	return size - (READ_ONCE(r->head) - smp_load_acquire(&r->tail));
}

/*
 * Should a send of @len grow the ring first? When it does not fit, or
 * finds bytes unread (a stream, or pipelined requests): only a sender
 * whose every message was taken before the next stays small.
 */
static inline bool tsp_ring_wants_growth(const struct tsp_ring *r, size_t len)
{
	u32 size = tsp_ring_size(r), space;

	/* Grown (every send once it has): no look at the consumer's @tail. */
	if (size >= tsp_ring_cap(r))
		return false;
	space = tsp_ring_space(r);
	return len > space || space < size;
}

/* How a read treats the bytes it reaches. */
enum {
	TSP_RD_PEEK	= 1,	/* leave them in the ring */
	TSP_RD_DISCARD	= 2,	/* do not copy them (MSG_TRUNC) */
};

ssize_t tsp_ring_write(struct tsp_ring *r, struct iov_iter *from, size_t len);
void tsp_ring_move(struct tsp_ring *r, const struct tsp_ring_mem *to);
ssize_t tsp_ring_read(struct tsp_ring *r, struct iov_iter *to, u32 skip,
		      size_t len, unsigned int how);
void tsp_ring_consume(struct tsp_ring *r, u32 n);

#endif /* _TCP_SPLICE_RING_H */

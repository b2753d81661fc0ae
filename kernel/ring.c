// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_splice: the per-direction byte ring (see ring.h for the protocol).
 * Its memory is ringmem.c's.
 */
#include <linux/minmax.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uio.h>

#include "ring.h"

/*
 * Copy @want bytes between @iter and buffer @m starting at ring position
 * @pos, wrapping at its end: into it when @in, else out of it. Returns the
 * bytes copied; fewer than @want only on a fault.
 */
static size_t tsp_ring_copy(const struct tsp_ring_mem *m, u32 pos,
			    size_t want, struct iov_iter *iter, bool in)
{
	size_t done = 0;

	while (done < want) {
		u32 off = (pos + done) & (m->size - 1);
		size_t chunk = min_t(size_t, want - done, m->size - off);
		size_t n = in ? copy_from_iter(m->buf + off, chunk, iter) :
				copy_to_iter(m->buf + off, chunk, iter);

		done += n;
		if (n < chunk)
			break;
	}
	return done;
}

/*
 * Producer, growing: copy the unread bytes into @to at the same positions
 * and make it the buffer in use. The consumer may take bytes meanwhile (it
 * reads the old buffer, which nobody writes any more).
 */
void tsp_ring_move(struct tsp_ring *r, const struct tsp_ring_mem *to)
{
	const struct tsp_ring_mem *from = r->cur;
	/* Pairs with the release of @tail in tsp_ring_consume(). */
	u32 pos = smp_load_acquire(&r->tail);

	while (pos != r->head) {
		u32 off = pos & (from->size - 1), dst = pos & (to->size - 1);
		u32 n = min3(r->head - pos, from->size - off, to->size - dst);

		memcpy(to->buf + dst, from->buf + off, n);
		pos += n;
	}
	/* Pairs with the consumer's load of @cur after its acquire of @head. */
	smp_store_release(&r->cur, to);
}

/*
 * Copy up to @len bytes from @from. Returns the bytes copied, or -EFAULT
 * when none could be (a partial fault returns the part copied).
 */
ssize_t tsp_ring_write(struct tsp_ring *r, struct iov_iter *from, size_t len)
{
	size_t want = min_t(size_t, len, tsp_ring_space(r));
	size_t done = tsp_ring_copy(r->cur, r->head, want, from, true);

	if (!done)
		return want ? -EFAULT : 0;
	/* Pairs with the acquire of @head in tsp_ring_used(). */
	smp_store_release(&r->head, r->head + done);
	return done;
}

/* Consumer only: free @n bytes at the tail. */
void tsp_ring_consume(struct tsp_ring *r, u32 n)
{
	/* Pairs with the acquire of @tail in tsp_ring_space(). */
	smp_store_release(&r->tail, r->tail + n);
}

/*
 * Read up to @len bytes starting @skip bytes past the tail into @to (none
 * copied with TSP_RD_DISCARD). Without TSP_RD_PEEK the bytes are consumed,
 * and @skip must be 0. Returns the bytes read, 0 when none lie beyond
 * @skip, or -EFAULT when none could be copied.
 */
ssize_t tsp_ring_read(struct tsp_ring *r, struct iov_iter *to, u32 skip,
		      size_t len, unsigned int how)
{
	u32 used = tsp_ring_used(r);
	/* After the acquire of @head: the buffer holding what it counts. */
	const struct tsp_ring_mem *m = smp_load_acquire(&r->cur);
	size_t want, done;

	/* Grown: nothing of ours points into the first buffer any more. */
	if (unlikely(m != &r->mem[0] && r->mem[0].buf)) {
		kvfree(r->mem[0].buf);
		r->mem[0].buf = NULL;
	}
	if (used <= skip)
		return 0;
	want = min_t(size_t, len, used - skip);
	if (how & TSP_RD_DISCARD)
		done = want;
	else
		done = tsp_ring_copy(m, r->tail + skip, want, to, false);
	if (!done)
		return want ? -EFAULT : 0;
	if (!(how & TSP_RD_PEEK))
		tsp_ring_consume(r, done);
	return done;
}

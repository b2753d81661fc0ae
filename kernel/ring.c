// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_splice: the per-direction byte ring (see ring.h for the protocol).
 * Its memory is ringmem.c's.
 */
#include <linux/minmax.h>
#include <linux/uio.h>

#include "ring.h"

/*
 * Copy @want bytes between @iter and the ring starting at position @pos,
 * wrapping at the end: into the ring when @in, else out of it. Returns the
 * bytes copied; fewer than @want only on a fault.
 */
static size_t tsp_ring_copy(struct tsp_ring *r, u32 pos, size_t want,
			    struct iov_iter *iter, bool in)
{
	size_t done = 0;

	while (done < want) {
		u32 off = (pos + done) & (r->size - 1);
		size_t chunk = min_t(size_t, want - done, r->size - off);
		size_t n = in ? copy_from_iter(r->buf + off, chunk, iter) :
				copy_to_iter(r->buf + off, chunk, iter);

		done += n;
		if (n < chunk)
			break;
	}
	return done;
}

/*
 * Copy up to @len bytes from @from. Returns the bytes copied, or -EFAULT
 * when none could be (a partial fault returns the part copied).
 */
ssize_t tsp_ring_write(struct tsp_ring *r, struct iov_iter *from, size_t len)
{
	size_t want = min_t(size_t, len, tsp_ring_space(r));
	size_t done = tsp_ring_copy(r, r->head, want, from, true);

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
	size_t want, done;

	if (used <= skip)
		return 0;
	want = min_t(size_t, len, used - skip);
	if (how & TSP_RD_DISCARD)
		done = want;
	else
		done = tsp_ring_copy(r, r->tail + skip, want, to, false);
	if (!done)
		return want ? -EFAULT : 0;
	if (!(how & TSP_RD_PEEK))
		tsp_ring_consume(r, done);
	return done;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_splice: the per-direction byte ring (see ring.h for the protocol).
 */
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/slab.h>
#include <linux/uio.h>

#include "ring.h"

/* Allocated on behalf of the current task, so charged to its memcg. */
int tsp_ring_init(struct tsp_ring *r, u32 size)
{
	if (!is_power_of_2(size))
		return -EINVAL;
	r->buf = kvmalloc(size, GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!r->buf)
		return -ENOMEM;
	r->size = size;
	r->head = 0;
	r->tail = 0;
	return 0;
}

void tsp_ring_destroy(struct tsp_ring *r)
{
	kvfree(r->buf);
	r->buf = NULL;
}

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

/*
 * Copy up to @len bytes from the tail into @to. With @peek the bytes stay
 * in the ring. Returns the bytes copied, or -EFAULT when none could be.
 */
ssize_t tsp_ring_read(struct tsp_ring *r, struct iov_iter *to, size_t len,
		      bool peek)
{
	size_t want = min_t(size_t, len, tsp_ring_used(r));
	size_t done = tsp_ring_copy(r, r->tail, want, to, false);

	if (!done)
		return want ? -EFAULT : 0;
	if (!peek)
		/* Pairs with the acquire of @tail in tsp_ring_space(). */
		smp_store_release(&r->tail, r->tail + done);
	return done;
}

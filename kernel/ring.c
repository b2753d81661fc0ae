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
 * Copy up to @len bytes from @from. Returns the bytes copied, or -EFAULT
 * when none could be (a partial fault returns the part copied).
 */
ssize_t tsp_ring_write(struct tsp_ring *r, struct iov_iter *from, size_t len)
{
	u32 head = r->head, mask = r->size - 1;
	size_t want, done = 0;

	want = min_t(size_t, len, tsp_ring_space(r));
	while (done < want) {
		u32 off = (head + done) & mask;
		size_t chunk = min_t(size_t, want - done, r->size - off);
		size_t n = copy_from_iter(r->buf + off, chunk, from);

		done += n;
		if (n < chunk)
			break;
	}
	if (!done)
		return want ? -EFAULT : 0;
	/* Pairs with the acquire of @head in tsp_ring_used(). */
	smp_store_release(&r->head, head + done);
	return done;
}

/*
 * Copy up to @len bytes, starting @skip bytes past the tail, into @to. With
 * @peek the bytes stay in the ring. Returns the bytes copied, or -EFAULT
 * when none could be.
 */
ssize_t tsp_ring_read(struct tsp_ring *r, struct iov_iter *to, size_t len,
		      u32 skip, bool peek)
{
	u32 tail = r->tail, mask = r->size - 1, used = tsp_ring_used(r);
	size_t want, done = 0;

	if (skip >= used)
		return 0;
	want = min_t(size_t, len, used - skip);
	while (done < want) {
		u32 off = (tail + skip + done) & mask;
		size_t chunk = min_t(size_t, want - done, r->size - off);
		size_t n = copy_to_iter(r->buf + off, chunk, to);

		done += n;
		if (n < chunk)
			break;
	}
	if (!done)
		return want ? -EFAULT : 0;
	if (!peek)
		/* Pairs with the acquire of @tail in tsp_ring_space(). */
		smp_store_release(&r->tail, tail + done);
	return done;
}

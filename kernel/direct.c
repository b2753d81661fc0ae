// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_splice: one copy for large reads.
 *
 * A blocking reader that finds the ring empty, wants a large read and has
 * been getting large ones posts its destination in the pair: the user
 * pages, pinned. The writer's next large send, finding the post with the ring
 * still empty (so no ring byte can be overtaken), copies straight into
 * them: one copy where the ring takes two. It copies with page faults
 * disabled, so a claimed post completes in bounded time whatever the
 * writer's memory does (userfaultfd included); a fault ends its part
 * short, and the rest goes through the ring.
 *
 * A post moves IDLE -> SETUP -> POSTED (the reader), POSTED -> CLAIMED ->
 * DONE (a writer, under its tx mutex), and back to IDLE (the reader): from
 * POSTED when it withdraws first, from DONE once it took the bytes. Only
 * the reader that posted touches the pages outside CLAIMED, and it unpins
 * them only in IDLE or DONE.
 */
#include <linux/highmem.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/socket.h>
#include <linux/uio.h>

#include "tcp_splice.h"

enum {
	TSP_DIRECT_IDLE,
	TSP_DIRECT_SETUP,
	TSP_DIRECT_POSTED,
	TSP_DIRECT_CLAIMED,
	TSP_DIRECT_DONE,
};

/*
 * Post @msg's destination, up to @len bytes, in @d. Returns 0 when posted
 * (@pages holds TSP_DIRECT_PAGES pointers and must outlive the post),
 * -EAGAIN when another reader's post is there or nothing could be pinned.
 */
int tsp_direct_post(struct tsp_direct *d, struct page **pages,
		    struct msghdr *msg, size_t len)
{
	size_t off;
	ssize_t got;

	if (atomic_cmpxchg(&d->state, TSP_DIRECT_IDLE, TSP_DIRECT_SETUP) !=
	    TSP_DIRECT_IDLE)
		return -EAGAIN;
	got = iov_iter_extract_pages(&msg->msg_iter, &pages,
				     min_t(size_t, len, TSP_DIRECT_MAX),
				     TSP_DIRECT_PAGES, 0, &off);
	if (got <= 0) {
		atomic_set(&d->state, TSP_DIRECT_IDLE);
		return -EAGAIN;
	}
	d->pages = pages;
	d->offset = off;
	d->len = got;
	d->done = 0;
	/* Pairs with the acquire in tsp_direct_fill(): the fields are set. */
	atomic_set_release(&d->state, TSP_DIRECT_POSTED);
	return 0;
}

/* Has a writer filled the post? */
bool tsp_direct_done(const struct tsp_direct *d)
{
	return atomic_read_acquire(&d->state) == TSP_DIRECT_DONE;
}

/*
 * Take the post back: the bytes a writer placed (0 if none came), the
 * pages unpinned and @msg's iterator back past them only.
 */
size_t tsp_direct_withdraw(struct tsp_direct *d, struct msghdr *msg)
{
	/* Ours still: another reader may post again once we set IDLE. */
	unsigned long npages = DIV_ROUND_UP(d->offset + d->len, PAGE_SIZE);
	struct page **pages = d->pages;
	size_t done = 0, len = d->len;

	if (atomic_cmpxchg(&d->state, TSP_DIRECT_POSTED, TSP_DIRECT_IDLE) !=
	    TSP_DIRECT_POSTED) {
		/* Claimed: the copy cannot fault, so it ends soon. */
		while (!tsp_direct_done(d))
			cond_resched();
		done = d->done;
		atomic_set(&d->state, TSP_DIRECT_IDLE);
	}
	unpin_user_pages_dirty_lock(pages, npages, done);
	iov_iter_revert(&msg->msg_iter, len - done);
	return done;
}

/*
 * A writer, under its tx mutex, with the ring @r that @d's reader reads:
 * fill a post from @msg if there is one and @r is empty. Returns the bytes
 * copied, or -EAGAIN when there was nothing to fill; the reader must be
 * woken either way once it was filled.
 */
ssize_t tsp_direct_fill(struct tsp_direct *d, const struct tsp_ring *r,
			struct msghdr *msg)
{
	size_t want, done = 0, off;
	int i;

	/*
	 * Small sends go by the ring: they batch there, where one small send
	 * straight into a large read would end that read with it.
	 */
	if (msg_data_left(msg) < TSP_DIRECT_MIN ||
	    atomic_read(&d->state) != TSP_DIRECT_POSTED || tsp_ring_used(r))
		return -EAGAIN;
	/* Pairs with the release in tsp_direct_post(). */
	if (atomic_cmpxchg_acquire(&d->state, TSP_DIRECT_POSTED,
				   TSP_DIRECT_CLAIMED) != TSP_DIRECT_POSTED)
		return -EAGAIN;
	want = min(d->len, msg_data_left(msg));
	off = d->offset;
	pagefault_disable();
	for (i = 0; done < want; i++) {
		size_t chunk = min(want - done, PAGE_SIZE - off);
		void *to = kmap_local_page(d->pages[i]);
		size_t n = copy_from_iter(to + off, chunk, &msg->msg_iter);

		kunmap_local(to);
		flush_dcache_page(d->pages[i]);
		done += n;
		if (n < chunk)
			break;
		off = 0;
	}
	pagefault_enable();
	d->done = done;
	/* Pairs with the acquire in tsp_direct_done(): @done is set. */
	atomic_set_release(&d->state, TSP_DIRECT_DONE);
	return done;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_splice: how long a blocking ring reader spins before it sleeps.
 *
 * rx.c spins up to @ts->spin_ns, then sleeps on a struct tsp_wait; after
 * the sleep, tsp_spin_adapt() sets the next spin from what the wait and
 * the wake-up cost.
 */
#include <linux/minmax.h>
#include <linux/moduleparam.h>
#include <linux/sched/clock.h>
#include <linux/wait.h>

#include "tsp_sock.h"

/*
 * Adaptive spinning. A blocking reader whose waits have been short (a
 * request/response partner answering from another CPU) spins before it
 * sleeps, as a mutex spins on a running owner: a sleep and a wake-up cost
 * both ends more than such a wait. It spins only while it waits for an
 * answer, when its socket sent since its last read: a reader that only
 * receives (a stream) sleeps, so that bytes gather in the ring (or go
 * straight into its posted pages, direct.c) instead of being taken one
 * send at a time at the cost of the writer's cache lines.
 *
 * What a sleep costs here is measured: each sleeper notes when its waker
 * woke it and when it ran again, and a socket keeps a moving average of
 * that wake-up latency. A spin is worth
 * up to twice it (the peer's own wake-up and its answer), never more than
 * spin_max_us: spinning that long then sleeping costs at most about twice
 * what the best choice for that wait would have. The spin doubles after a
 * wait it would have covered and shrinks after one it would not (an idle
 * peer), so a reader that waits long stops spinning at once; it never
 * spins while another task wants the CPU.
 */
static unsigned int tsp_spin_max_us = 200;
module_param_named(spin_max_us, tsp_spin_max_us, uint, 0644);
MODULE_PARM_DESC(spin_max_us,
		 "Ceiling of a blocking reader's adaptive spin before it sleeps, in microseconds, 0..1000 (default 200; 0: never spin)");

#define TSP_SPIN_MIN_NS	1000

static u64 tsp_spin_max_ns(void)
{
	return min_t(u64, READ_ONCE(tsp_spin_max_us), 1000) * NSEC_PER_USEC;
}

/* Called by the waker, under the wait queue's lock. */
static int tsp_wait_wake(struct wait_queue_entry *wq, unsigned int mode,
			 int sync, void *key)
{
	struct tsp_wait *w = container_of(wq, struct tsp_wait, wq);

	if (!READ_ONCE(w->woken_at))
		WRITE_ONCE(w->woken_at, local_clock());
	return woken_wake_function(wq, mode, sync, key);
}

void tsp_wait_init(struct tsp_wait *w)
{
	init_wait_func(&w->wq, tsp_wait_wake);
	w->woken_at = 0;
	w->slept_at = local_clock();
}

/*
 * A sleep ended: note its wake-up latency, then spin longer next time if
 * the wait for the peer (the spin, and the sleep until the waker came)
 * fits the window, shorter if not.
 */
void tsp_spin_adapt(struct tsp_sock *ts, const struct tsp_wait *w)
{
	u64 max = tsp_spin_max_ns(), now = local_clock();
	u64 woken = READ_ONCE(w->woken_at), waited, lat;

	if (!max) {
		WRITE_ONCE(ts->spin_ns, 0);
		return;
	}
	waited = now - w->slept_at;
	/* local_clock() may differ a little between CPUs: keep it sane. */
	if (woken > w->slept_at && woken < now) {
		lat = min(now - woken, max);
		WRITE_ONCE(ts->wake_ns, ts->wake_ns ?
			   (7 * (u64)ts->wake_ns + lat) / 8 : lat);
		waited = woken - w->slept_at;
	}
	max = min(max, 2 * (u64)ts->wake_ns);
	if (waited + ts->spin_ns <= max)
		WRITE_ONCE(ts->spin_ns, clamp_t(u64, 2 * (u64)ts->spin_ns,
						TSP_SPIN_MIN_NS, max));
	else
		WRITE_ONCE(ts->spin_ns, ts->spin_ns / 4 >= TSP_SPIN_MIN_NS ?
			   ts->spin_ns / 4 : 0);
}

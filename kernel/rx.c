// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_splice: the receive path.
 *
 * The stream a receiver reads is the peer's TCP bytes below the ring's
 * start_seq (the startup window, e.g. Fast Open data), then the ring's.
 * While the peer has not engaged its ring, every byte is TCP's. Until both
 * ends are paired the wait loops are ours, so a reader blocked before the
 * pairing wakes for ring data too; whenever TCP holds what a read wants,
 * TCP serves it directly, at TCP's cost.
 *
 * MSG_PEEK honours SO_PEEK_OFF across both parts; MSG_TRUNC discards.
 *
 * A plain read of a ring that carries the rest of the stream takes the
 * fast path (tsp_recv_fast()): no socket lock, readers serialised by the
 * rx mutex, which they drop to sleep. An error, EOF or a disconnect, and
 * every other kind of read, take the locked path, which answers exactly.
 */
#include <asm/ioctls.h>
#include <linux/sched/clock.h>
#include <linux/sched/stat.h>
#include <linux/sizes.h>
#include <linux/skbuff.h>
#include <linux/splice.h>
#include <net/busy_poll.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "tsp_sock.h"

/* The ring we consume, once the peer has engaged it; else NULL. */
struct tsp_ring *tsp_rx_ring(const struct tsp_sock *ts)
{
	struct tsp_pair *p = tsp_pair_of(ts);
	struct tsp_ring *r;

	if (!p)
		return NULL;
	r = &p->ring[!ts->side];
	return tsp_ring_ready(r) ? r : NULL;
}

/* TCP bytes the peer sent before engaging its ring that we have not read. */
static u32 tsp_tcp_owed(const struct sock *sk, const struct tsp_ring *rx)
{
	s32 owed;

	if (!rx)
		return U32_MAX;
	owed = rx->start_seq - READ_ONCE(tcp_sk(sk)->copied_seq);
	return owed > 0 ? owed : 0;
}

/* TCP bytes (and the FIN) queued to be read. */
static u32 tsp_tcp_queued(const struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);

	return READ_ONCE(tp->rcv_nxt) - READ_ONCE(tp->copied_seq);
}

/* Is a byte at stream offset @off (from the next unread one) here? */
static bool tsp_rx_avail(const struct sock *sk, const struct tsp_sock *ts,
			 u32 off)
{
	struct tsp_ring *rx = tsp_rx_ring(ts);
	u32 owed = tsp_tcp_owed(sk, rx);

	if (off < owed)
		return tsp_tcp_queued(sk) > off;
	return tsp_ring_used(rx) > off - owed;
}

/* A receiver has something to act on: that byte, an error, or EOF. */
static bool tsp_rx_wakeup(const struct sock *sk, const struct tsp_sock *ts,
			  u32 off)
{
	return tsp_rx_avail(sk, ts, off) || READ_ONCE(sk->sk_err) ||
	       (READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN);
}

/* Unread ring bytes (close() with them resets, as with unread TCP data). */
bool tsp_rx_unread(const struct sock *sk, const struct tsp_sock *ts)
{
	struct tsp_ring *rx = tsp_rx_ring(ts);

	return rx && tsp_ring_used(rx);
}

/*
 * poll()'s EPOLLIN beyond TCP's queue: the ring holds at least SO_RCVLOWAT
 * bytes (at most the ring's cap, which the sender can always fill), and no
 * startup byte is still owed over TCP.
 */
bool tsp_sock_is_readable(struct sock *sk)
{
	struct tsp_ring *rx = tsp_rx_ring(tsp_sk(sk));
	u32 lowat;

	if (!rx || tsp_tcp_owed(sk, rx))
		return false;
	lowat = clamp_t(u32, READ_ONCE(sk->sk_rcvlowat), 1, tsp_ring_cap(rx));
	return tsp_ring_used(rx) >= lowat;
}

/*
 * SIOCINQ counts the ring's bytes with TCP's queue. The ring is the peer's
 * receive queue: bytes in it are delivered, as TCP's acknowledged bytes
 * are, so SIOCOUTQ/SIOCOUTQNSD stay TCP's.
 */
int tsp_ioctl(struct sock *sk, int cmd, int *karg)
{
	struct tsp_sock *ts = tsp_sk(sk);
	struct tsp_ring *r;
	int err;

	err = ts->base->ioctl(sk, cmd, karg);
	if (err || cmd != SIOCINQ)
		return err;
	r = tsp_rx_ring(ts);
	if (r)
		*karg += tsp_ring_used(r);
	return 0;
}

/*
 * How much of a read TCP can serve on its own, without our lock or wait:
 * what it already holds before any ring byte, when that is enough not to
 * wait. 0: our loop.
 */
static size_t tsp_tcp_direct(struct sock *sk, const struct tsp_sock *ts,
			     const struct tsp_ring *rx, size_t len, int flags)
{
	u32 owed = tsp_tcp_owed(sk, rx), queued, off;

	/* No startup byte left; or a peek, which may go on into the ring. */
	if (!owed || (rx && (flags & MSG_PEEK)))
		return 0;
	len = min_t(size_t, len, owed);
	if (flags & MSG_DONTWAIT)
		return len;
	queued = tsp_tcp_queued(sk);
	off = (flags & MSG_PEEK) ? max(sk_peek_offset(sk, flags), 0) : 0;
	if (queued > off &&
	    queued - off >= sock_rcvlowat(sk, flags & MSG_WAITALL, len))
		return len;
	return 0;
}

/* TCP bytes before the ring's, without waiting; drops our socket lock. */
static int tsp_recv_tcp(struct sock *sk, struct tsp_sock *ts,
			struct msghdr *msg, size_t len, int flags)
{
	int n;

	release_sock(sk);
	n = ts->base->recvmsg(sk, msg, len,
			      (flags | MSG_DONTWAIT) & ~MSG_WAITALL);
	lock_sock(sk);
	if (n > 0 && !(flags & MSG_PEEK)) {
		tsp_event_add(TSP_EV_BYTES_STARTUP, n);
		atomic64_add(n, &ts->startup_bytes);
	}
	return n;
}

/*
 * @n ring bytes were consumed: count them, and tell a waiting sender. The
 * pair itself, not tsp_pair_of(): the fast reader holds no socket lock, so
 * a disconnect may detach this end while it reads, and the pair (set once,
 * freed with the socket) stays its ring's owner meanwhile.
 */
static void tsp_rx_consumed(struct tsp_sock *ts, u32 n)
{
	/* Pairs with the release in tsp_pair_new(); set: we read its ring. */
	struct tsp_pair *p = smp_load_acquire(&ts->pair);

	tsp_event_add(TSP_EV_BYTES_RING, n);
	tsp_space_freed(p, !ts->side);
}

/* Ring bytes at @off past the startup ones; consumed unless peeking. */
static int tsp_recv_ring(struct sock *sk, struct tsp_sock *ts,
			 struct tsp_ring *rx, struct msghdr *msg, u32 off,
			 size_t len, int flags)
{
	unsigned int how = ((flags & MSG_PEEK) ? TSP_RD_PEEK : 0) |
			   ((flags & MSG_TRUNC) ? TSP_RD_DISCARD : 0);
	int n;

	mutex_lock(&ts->rx_mutex);
	n = tsp_ring_read(rx, &msg->msg_iter, off, len, how);
	if (n > 0 && (flags & MSG_PEEK)) {
		sk_peek_offset_fwd(sk, n);
	} else if (n > 0) {
		sk_peek_offset_bwd(sk, n);
		tsp_rx_consumed(ts, n);
	}
	mutex_unlock(&ts->rx_mutex);
	return n;
}

/*
 * Can the fast path serve this read? A plain read (no peek, no MSG_TRUNC,
 * no SO_PEEK_OFF to move) once no startup byte is owed over TCP.
 */
static bool tsp_rx_fast_ok(const struct sock *sk, const struct tsp_ring *rx,
			   int flags)
{
	return rx && !(flags & (MSG_PEEK | MSG_TRUNC)) &&
	       READ_ONCE(sk->sk_peek_off) < 0 && !tsp_tcp_owed(sk, rx);
}

/*
 * Something for the locked path: an error, EOF, a close, a disconnect. TCP
 * queues nothing but a FIN behind the ring, and advances rcv_nxt over it
 * before it sets RCV_SHUTDOWN: the socket lock orders the two.
 */
static bool tsp_rx_event(const struct sock *sk, const struct tsp_sock *ts)
{
	return READ_ONCE(sk->sk_err) || tsp_tcp_queued(sk) ||
	       (READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN) ||
	       READ_ONCE(sk->sk_state) == TCP_CLOSE ||
	       READ_ONCE(ts->detached);
}

/* The fast reader has something to act on: a ring byte, or an event. */
static bool tsp_rx_fast_wakeup(const struct sock *sk,
			       const struct tsp_sock *ts)
{
	return tsp_rx_wakeup(sk, ts, 0) || tsp_rx_event(sk, ts);
}

/*
 * Spin up to @ns for the byte at stream offset @off, or for a writer to
 * fill our post @d if there is one; true if it came. Ends
 * at a signal or when the scheduler wants the CPU. Timed by local_clock(),
 * not busy_loop_current_time()'s ktime_get(): where the clocksource is the
 * HPET (a VM whose TSC was found unstable), reading it would cost more
 * than the ring check it paces. The @adaptive spin (spin.c; the fast
 * reader, @off 0) also ends at an event for the locked path and whenever
 * another task could run: unlike busy polling, nobody asked for it.
 */
static bool tsp_spin_for(struct sock *sk, const struct tsp_sock *ts, u32 off,
			 const struct tsp_direct *d, u64 ns, bool adaptive)
{
	u64 end = local_clock() + ns;

	while (!tsp_rx_wakeup(sk, ts, off) && !(d && tsp_direct_done(d)) &&
	       !(adaptive && tsp_rx_event(sk, ts))) {
		if (need_resched() || signal_pending(current) ||
		    (adaptive && !single_task_running()) || local_clock() >= end)
			return false;
		cpu_relax();
	}
	return true;
}

/* How long a read busy-polls (net.core.busy_read or SO_BUSY_POLL). */
static u64 tsp_busy_ns(const struct sock *sk)
{
#ifdef CONFIG_NET_RX_BUSY_POLL
	return (u64)READ_ONCE(sk->sk_ll_usec) * NSEC_PER_USEC;
#else
	return 0;
#endif
}

/*
 * Busy-poll the ring before sleeping: loopback and veth have no NAPI to
 * poll, the ring is the queue.
 */
static void tsp_busy_wait(struct sock *sk, const struct tsp_sock *ts, u32 off)
{
	tsp_spin_for(sk, ts, off, NULL, tsp_busy_ns(sk), false);
}

/* The fast reader's busy poll, without the rx mutex. */
static void tsp_busy_wait_fast(struct sock *sk, struct tsp_sock *ts)
{
	mutex_unlock(&ts->rx_mutex);
	tsp_busy_wait(sk, ts, 0);
	mutex_lock(&ts->rx_mutex);
}

/*
 * Sleep until the ring has a byte or something else happens, without the
 * rx mutex. Returns the time left.
 */
static long tsp_recv_sleep(struct sock *sk, struct tsp_sock *ts,
			   struct tsp_wait *w, long timeo)
{
	add_wait_queue(sk_sleep(sk), &w->wq);
	/* Order our queueing before the ring check: see skwq_has_sleeper(). */
	smp_mb();
	mutex_unlock(&ts->rx_mutex);
	if (!tsp_rx_fast_wakeup(sk, ts))
		timeo = wait_woken(&w->wq, TASK_INTERRUPTIBLE, timeo);
	remove_wait_queue(sk_sleep(sk), &w->wq);
	mutex_lock(&ts->rx_mutex);
	return timeo;
}

/*
 * Would a wait for @len more bytes post its destination? When the read is
 * large and reads on this socket have been large: pinning costs more than
 * a small copy.
 */
static bool tsp_direct_wanted(const struct tsp_sock *ts,
			      const struct msghdr *msg, size_t len)
{
	return len >= TSP_DIRECT_MIN && ts->last_read >= TSP_DIRECT_MIN &&
	       user_backed_iter(&msg->msg_iter) && tsp_pair_of(ts);
}

/*
 * Wait with our destination posted for the writer to fill (direct.c), when
 * tsp_direct_wanted() and the read would wait anyway. A reader busy-polls
 * up to @busy_ns on its post first, then one awaiting an answer spins up
 * to @spin_ns on it: the answer then takes one copy and no sleep, and
 * *@spun_in says it came so (no wake-up to learn from). Returns the bytes
 * the writer placed, 0 when none came (the ring or an event has more to
 * say), or -EAGAIN when nothing was posted (then nothing was polled or
 * spun either). With the rx mutex, dropped while asleep.
 */
static int tsp_recv_direct(struct sock *sk, struct tsp_sock *ts,
			   struct msghdr *msg, size_t len, u64 busy_ns,
			   u64 spin_ns, struct tsp_wait *w, long *timeo,
			   bool *spun_in)
{
	struct page *pages[TSP_DIRECT_PAGES];
	struct tsp_pair *p = tsp_pair_of(ts);
	struct tsp_direct *d;
	struct tsp_ring *rx;

	if (!tsp_direct_wanted(ts, msg, len))
		return -EAGAIN;
	d = &p->direct[!ts->side];
	rx = &p->ring[!ts->side];
	if (tsp_direct_post(d, pages, msg, len))
		return -EAGAIN;
	if ((busy_ns && tsp_spin_for(sk, ts, 0, d, busy_ns, false)) ||
	    (spin_ns && tsp_spin_for(sk, ts, 0, d, spin_ns, true))) {
		*spun_in = true;
		return tsp_direct_withdraw(d, msg);
	}
	tsp_wait_init(w);
	add_wait_queue(sk_sleep(sk), &w->wq);
	/*
	 * Order the post before the ring check: a writer that wrote to the
	 * ring without seeing it has woken us, or we see its bytes.
	 */
	smp_mb();
	mutex_unlock(&ts->rx_mutex);
	while (!tsp_direct_done(d) && !tsp_ring_used(rx) &&
	       !tsp_rx_event(sk, ts) && *timeo && !signal_pending(current))
		*timeo = wait_woken(&w->wq, TASK_INTERRUPTIBLE, *timeo);
	remove_wait_queue(sk_sleep(sk), &w->wq);
	mutex_lock(&ts->rx_mutex);
	return tsp_direct_withdraw(d, msg);
}

/*
 * The fast path (see the top). Returns the bytes read or an error; *@more
 * says the locked path must go on from there.
 */
static int tsp_recv_fast(struct sock *sk, struct tsp_sock *ts,
			 struct tsp_ring *rx, struct msghdr *msg, size_t len,
			 int flags, bool *more)
{
	int target = sock_rcvlowat(sk, flags & MSG_WAITALL, len);
	long timeo = sock_rcvtimeo(sk, flags & MSG_DONTWAIT);
	int copied = 0, err = 0, n;
	bool polled = false, spun = false, spun_in;
	struct tsp_wait w;
	u64 busy, spin;

	*more = false;
	mutex_lock(&ts->rx_mutex);
	/* Pairs with the barrier in tsp_read_sock(). */
	smp_mb();
	if (rcu_access_pointer(__sk_user_data(sk))) {
		/* An in-kernel reader (strparser) shares the socket. */
		*more = true;
		goto out;
	}
	while (copied < len) {
		n = tsp_ring_read(rx, &msg->msg_iter, 0, len - copied, 0);
		if (n < 0) {
			err = n;
			break;
		}
		if (n) {
			copied += n;
			tsp_rx_consumed(ts, n);
			continue;
		}
		if (copied >= target)
			break;
		if (tsp_rx_event(sk, ts)) {
			*more = true;
			break;
		}
		err = tsp_wait_error(timeo);
		if (err)
			break;
		/*
		 * Busy polling comes on top of the adaptive spin, never instead
		 * of it: an answer that takes longer than busy_read must not
		 * cost a sleep the spin would have saved. A large read polls
		 * and spins with its destination posted, so the answer takes
		 * one copy.
		 */
		busy = 0;
		if (!polled && sk_can_busy_loop(sk)) {
			polled = true;
			if (!tsp_direct_wanted(ts, msg, len - copied)) {
				tsp_busy_wait_fast(sk, ts);
				continue;
			}
			busy = tsp_busy_ns(sk);
		}
		spin = 0;
		if (!spun && ts->spin_ns && READ_ONCE(ts->sent)) {
			spun = true;
			spin = ts->spin_ns;
		}
		spun_in = false;
		n = tsp_recv_direct(sk, ts, msg, len - copied, busy, spin, &w,
				    &timeo, &spun_in);
		if (n == -EAGAIN) {
			/* Nothing posted (no pages to pin): poll, spin plainly. */
			if (busy)
				tsp_busy_wait_fast(sk, ts);
			if ((busy || spin) &&
			    tsp_spin_for(sk, ts, 0, NULL, spin, true))
				continue;
			tsp_wait_init(&w);
			timeo = tsp_recv_sleep(sk, ts, &w, timeo);
		} else if (n > 0) {
			copied += n;
			tsp_event_add(TSP_EV_BYTES_RING, n);
			tsp_event_add(TSP_EV_BYTES_DIRECT, n);
		}
		if (!spun_in)
			tsp_spin_adapt(ts, &w);
	}
out:
	ts->last_read = copied;
	if (copied && READ_ONCE(ts->sent))
		WRITE_ONCE(ts->sent, false);
	mutex_unlock(&ts->rx_mutex);
	return copied ? copied : err;
}

static int tsp_recv_wait(struct sock *sk, struct tsp_sock *ts, long *timeo,
			 u32 off, bool *spun)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	int rc;

	if (!*spun && tsp_rx_ring(ts) && sk_can_busy_loop(sk)) {
		release_sock(sk);
		tsp_busy_wait(sk, ts, off);
		lock_sock(sk);
		*spun = true;
		return 0;
	}
	/* On the wait queue only while asleep: writers wake sleepers. */
	add_wait_queue(sk_sleep(sk), &wait);
	rc = sk_wait_event(sk, timeo, tsp_rx_wakeup(sk, ts, off), &wait);
	remove_wait_queue(sk_sleep(sk), &wait);
	return rc < 0 ? rc : 0;
}

static bool tsp_repair(const struct sock *sk)
{
	/* A bit field, read without the lock: it only picks TCP's own path. */
	return unlikely(data_race(!!tcp_sk(sk)->repair));
}

int tsp_recvmsg(struct sock *sk, struct msghdr *msg, size_t len, int flags)
{
	struct tsp_sock *ts = tsp_sk(sk);
	bool peek = flags & MSG_PEEK;
	int copied = 0, err = 0, target, n;
	struct tsp_ring *rx;
	bool spun = false, ring_came;
	u32 off0 = 0;
	size_t direct;
	long timeo;

	/* Urgent data, error queue, repair mode; an end that never pairs. */
	if ((flags & (MSG_ERRQUEUE | MSG_OOB)) || tsp_repair(sk) ||
	    (!tsp_pair_of(ts) && READ_ONCE(ts->gone)))
		return ts->base->recvmsg(sk, msg, len, flags);
	rx = tsp_rx_ring(ts);
	if (tsp_rx_fast_ok(sk, rx, flags)) {
		bool more;

		n = tsp_recv_fast(sk, ts, rx, msg, len, flags, &more);
		if (!more)
			return n;
		copied = n;
		goto locked;
	}
	direct = tsp_tcp_direct(sk, ts, rx, len, flags);
	if (direct) {
		/* Without waiting: TCP must not sleep where ring bytes wake us. */
		n = ts->base->recvmsg(sk, msg, direct, flags | MSG_DONTWAIT);
		if (n > 0 && !peek && tsp_pair_of(ts)) {
			tsp_event_add(TSP_EV_BYTES_STARTUP, n);
			atomic64_add(n, &ts->startup_bytes);
		}
		/*
		 * EOF is TCP's last word only if no ring came first: the peer
		 * may have engaged one, written to it and closed since we looked.
		 */
		ring_came = !n && !rx && tsp_rx_ring(ts);
		if (n == -EAGAIN && !(flags & MSG_DONTWAIT))
			n = 0;	/* another reader took them: our loop */
		else if (!ring_came &&
			 (n <= 0 || (flags & MSG_DONTWAIT) || peek ||
			  n >= sock_rcvlowat(sk, flags & MSG_WAITALL, len)))
			return n;
		copied = n;
	}

locked:
	lock_sock(sk);
	timeo = sock_rcvtimeo(sk, flags & MSG_DONTWAIT);
	target = sock_rcvlowat(sk, flags & MSG_WAITALL, len);
	if (peek)
		off0 = max(sk_peek_offset(sk, flags), 0);
	while (copied < len) {
		u32 owed, off = peek ? off0 + copied : 0;

		rx = tsp_rx_ring(ts);
		owed = tsp_tcp_owed(sk, rx);

		if (off < owed) {
			/* A peek reads TCP's part once: its own offset goes on. */
			if (tsp_tcp_queued(sk) > off && !(peek && copied)) {
				n = tsp_recv_tcp(sk, ts, msg,
						 min_t(size_t, len - copied,
						       owed - off), flags);
				if (n > 0) {
					copied += n;
					if (peek && off + n < owed)
						break;
					continue;
				}
				if (!n) {
					/* EOF, unless the peer engaged meanwhile. */
					if (!rx && tsp_rx_ring(ts))
						continue;
					break;
				}
				if (n != -EAGAIN) {
					err = n;
					break;
				}
			}
		} else {
			n = tsp_recv_ring(sk, ts, rx, msg, off - owed,
					  len - copied, flags);
			if (n < 0) {
				err = n;
				break;
			}
			copied += n;
			if (n && peek)
				break;
			if (n)
				continue;
		}

		if (copied >= target)
			break;
		if (sk->sk_err) {
			err = sock_error(sk);
			break;
		}
		if (READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN)
			break;
		if (sk->sk_state == TCP_CLOSE) {
			if (!sock_flag(sk, SOCK_DONE))
				err = -ENOTCONN;
			break;
		}
		err = tsp_wait_error(timeo);
		if (!err)
			err = tsp_recv_wait(sk, ts, &timeo, off, &spun);
		if (err)
			break;
	}
	release_sock(sk);
	return copied ? copied : err;
}

/*
 * TCP's splice_read takes skbs from the receive queue and never sees the
 * ring: read through our recvmsg into pages instead.
 */
ssize_t tsp_splice_read(struct socket *sock, loff_t *ppos,
			struct pipe_inode_info *pipe, size_t len,
			unsigned int flags)
{
	return copy_splice_read(sock->file, ppos, pipe, len, flags);
}

/*
 * read_sock() for in-kernel readers of a user's socket (strparser: KCM):
 * TCP's bytes first, then the ring's, handed over in skbs of our own. With
 * the socket lock held (or its spinlock, in softirq).
 */
int tsp_read_sock(struct sock *sk, read_descriptor_t *desc,
		  sk_read_actor_t recv_actor)
{
	struct tsp_sock *ts = tsp_sk_or_null(sk);
	struct tsp_ring *rx;
	int copied = 0;

	if (unlikely(!ts))
		return tcp_read_sock(sk, desc, recv_actor);
	rx = tsp_rx_ring(ts);

	/*
	 * A fast-path reader may still be at the ring since before the
	 * strparser took the socket; it sees sk_user_data, or we see it.
	 */
	smp_mb();
	if (rx && mutex_is_locked(&ts->rx_mutex))
		return 0;
	if (tsp_tcp_owed(sk, rx)) {
		copied = tcp_read_sock(sk, desc, recv_actor);
		if (copied < 0 || !rx || tsp_tcp_owed(sk, rx))
			return copied;
	}
	while (desc->count) {
		u32 n = min_t(u32, tsp_ring_used(rx), SZ_64K);
		struct sk_buff *skb;
		struct iov_iter to;
		struct kvec kv;
		int used;

		if (!n)
			break;
		skb = alloc_skb(n, sk_gfp_mask(sk, GFP_ATOMIC));
		if (!skb)
			break;
		kv.iov_base = skb_put(skb, n);
		kv.iov_len = n;
		iov_iter_kvec(&to, ITER_DEST, &kv, 1, n);
		n = tsp_ring_read(rx, &to, 0, n, TSP_RD_PEEK);
		used = recv_actor(desc, skb, 0, n);
		consume_skb(skb);
		if (used <= 0) {
			if (!copied)
				copied = used;
			break;
		}
		tsp_ring_consume(rx, used);
		tsp_event_add(TSP_EV_BYTES_RING, used);
		tsp_space_freed(tsp_pair_of(ts), !ts->side);
		copied += used;
		if ((u32)used < n)
			break;
	}
	return copied;
}

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
 */
#include <asm/ioctls.h>
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
 * Busy-poll the ring (net.core.busy_read or SO_BUSY_POLL) before
 * sleeping: loopback and veth have no NAPI to poll, the ring is the queue.
 */
static void tsp_busy_wait(struct sock *sk, const struct tsp_sock *ts, u32 off)
{
#ifdef CONFIG_NET_RX_BUSY_POLL
	unsigned long start = busy_loop_current_time();

	while (!tsp_rx_wakeup(sk, ts, off) && !signal_pending(current) &&
	       !need_resched() && !sk_busy_loop_timeout(sk, start))
		cpu_relax();
#endif
}

/*
 * poll()'s EPOLLIN beyond TCP's queue: the ring holds at least SO_RCVLOWAT
 * bytes (at most a ring's worth, which the sender can always fill), and no
 * startup byte is still owed over TCP.
 */
bool tsp_sock_is_readable(struct sock *sk)
{
	struct tsp_ring *rx = tsp_rx_ring(tsp_sk(sk));
	u32 lowat;

	if (!rx || tsp_tcp_owed(sk, rx))
		return false;
	lowat = clamp_t(u32, READ_ONCE(sk->sk_rcvlowat), 1, rx->size);
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

/* Ring bytes at @off past the startup ones; consumed unless peeking. */
static int tsp_recv_ring(struct sock *sk, struct tsp_sock *ts,
			 struct tsp_ring *rx, struct msghdr *msg, u32 off,
			 size_t len, int flags)
{
	unsigned int how = ((flags & MSG_PEEK) ? TSP_RD_PEEK : 0) |
			   ((flags & MSG_TRUNC) ? TSP_RD_DISCARD : 0);
	int n = tsp_ring_read(rx, &msg->msg_iter, off, len, how);

	if (n <= 0)
		return n;
	if (flags & MSG_PEEK) {
		sk_peek_offset_fwd(sk, n);
		return n;
	}
	sk_peek_offset_bwd(sk, n);
	tsp_event_add(TSP_EV_BYTES_RING, n);
	tsp_space_freed(tsp_pair_of(ts), !ts->side);
	return n;
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
	struct tsp_sock *ts = tsp_sk(sk);
	struct tsp_ring *rx = tsp_rx_ring(ts);
	int copied = 0;

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

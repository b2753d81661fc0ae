// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_splice: the send path.
 *
 * A sender engages its ring once, under its socket lock, at its first send
 * after pairing, recording its write_seq as the ring's start_seq; from then
 * on every byte it sends goes through the ring. A full ring blocks the
 * sender like a full send buffer. A sender whose peer left falls back to
 * TCP, which answers as it would (RST); one whose ring could not be had
 * stays on TCP for the connection's life.
 *
 * Writability follows TCP's: a writer that found the ring full is woken,
 * and poll() reports EPOLLOUT, once a third of the ring is free again and
 * fewer than TCP_NOTSENT_LOWAT bytes wait unread (TCP_NOTSENT_LOWAT counts
 * the bytes a reader has not taken yet: the ring is its receive queue).
 *
 * Once the ring is engaged, a send that finds room writes under our tx
 * mutex alone (tsp_send_fast()); a full ring, MSG_OOB, MSG_ZEROCOPY, an
 * error or the peer leaving take the socket lock, as does engaging.
 */
#include <linux/errqueue.h>
#include <linux/sizes.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "tsp_sock.h"

/* The fill at or below which end @sk may write into @r again. */
static u32 tsp_tx_fill_max(const struct sock *sk, const struct tsp_ring *r)
{
	u32 lowat = tcp_notsent_lowat(tcp_sk(sk));
	u32 cap = tsp_ring_cap(r);

	/* A ring that can still grow takes a send that does not fit. */
	return min_t(u32, cap - cap / 3, lowat ? lowat - 1 : 0);
}

/*
 * Our ring is above its low-water mark: ask its reader to wake us when it
 * drops to it; true if it did meanwhile. Pairs with the barrier in
 * tsp_space_freed(): either the reader sees our request or we see its tail.
 */
static bool tsp_want_space(struct tsp_pair *p, int side, u32 fill_max)
{
	WRITE_ONCE(p->want_space[side], fill_max + 1);
	/* Order the request before reading the tail; see above. */
	smp_mb();
	return tsp_ring_used(&p->ring[side]) <= fill_max;
}

/*
 * The reader of end @side's ring freed space: wake that sender if it asked
 * and the ring is down to its mark.
 */
void tsp_space_freed(struct tsp_pair *p, int side)
{
	u32 want;

	/* Order our tail store before reading the request. */
	smp_mb();
	want = READ_ONCE(p->want_space[side]);
	if (want && tsp_ring_used(&p->ring[side]) < want) {
		WRITE_ONCE(p->want_space[side], 0);
		tsp_pair_wake(p, side, true);
	}
}

static bool tsp_tx_writable(const struct sock *sk, struct tsp_pair *p, int side)
{
	const struct tsp_ring *r = &p->ring[side];
	u32 fill_max = tsp_tx_fill_max(sk, r);

	return tsp_ring_used(r) <= fill_max || tsp_want_space(p, side, fill_max);
}

/*
 * poll()'s EPOLLOUT and sk_stream_write_space(): once our ring carries the
 * data, its fill decides; above the mark it asks for a wake-up.
 */
bool tsp_stream_memory_free(const struct sock *sk, int wake)
{
	struct tsp_sock *ts = tsp_sk_or_null(sk);
	struct tsp_pair *p;

	/* TCP's own, for either family (tcp_prot and tcpv6_prot share it). */
	if (unlikely(!ts))
		return tcp_stream_memory_free(sk, wake);
	p = tsp_pair_of(ts);
	if (!p || READ_ONCE(ts->tx_refused) ||
	    !tsp_ring_ready(&p->ring[ts->side]) || tsp_peer_closed(ts, p))
		return ts->base->stream_memory_free(sk, wake);
	return tsp_tx_writable(sk, p, ts->side);
}

/*
 * Bytes queued but held back (TCP_CORK, MSG_MORE, Nagle) precede every
 * ring byte and the receiver waits for them: push them out, keeping the
 * socket's cork and Nagle settings. Drops and retakes the socket lock.
 */
static void tsp_push_held(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	u8 nonagle = tp->nonagle;

	tp->nonagle |= TCP_NAGLE_OFF;
	release_sock(sk);
	tcp_sock_set_cork(sk, false);
	lock_sock(sk);
	tp->nonagle = nonagle;
}

/*
 * Engage our ring, for a first send of @len bytes: from here on every byte
 * we send goes through it.
 */
static int tsp_tx_engage(struct sock *sk, struct tsp_sock *ts,
			 struct tsp_pair *p, size_t len)
{
	struct tsp_ring *r = &p->ring[ts->side];
	struct tcp_sock *tp = tcp_sk(sk);
	int err;

	if (tp->write_seq != tp->snd_nxt) {
		tsp_push_held(sk);
		/*
		 * Another sender on this socket may have engaged meanwhile, or
		 * sent urgent data or been refused a ring (tx_refused: its bytes
		 * went to TCP, and ours must follow them there).
		 */
		if (tsp_ring_ready(r))
			return 0;
		if (ts->tx_refused)
			return -EPIPE;
	}
	err = tsp_ring_engage_mem(r, p->ring_bytes, len, sk);
	if (err) {
		WRITE_ONCE(ts->tx_refused, true);
		return err;
	}
	r->start_seq = tp->write_seq;
	/* Pairs with the acquire in tsp_ring_ready(). */
	smp_store_release(&r->ready, 1);
	return 0;
}

/*
 * MSG_ZEROCOPY with SO_ZEROCOPY: the ring copies, so the send completes at
 * once and is reported as copied (SO_EE_CODE_ZEROCOPY_COPIED), as TCP
 * reports it over loopback. With the socket lock held (sk_zckey).
 */
static struct ubuf_info *tsp_zc_begin(struct sock *sk, struct msghdr *msg,
				      size_t size)
{
	struct ubuf_info *uarg;

	if (!(msg->msg_flags & MSG_ZEROCOPY) || !size || msg->msg_ubuf ||
	    !sock_flag(sk, SOCK_ZEROCOPY))
		return NULL;
	uarg = msg_zerocopy_realloc(sk, size, NULL, false);
	if (!uarg)
		return ERR_PTR(-ENOBUFS);
	uarg_to_msgzc(uarg)->zerocopy = 0;
	return uarg;
}

/* Queue the completion, or take back the id when nothing was sent. */
static void tsp_zc_end(struct ubuf_info *uarg, size_t copied)
{
	if (!uarg)
		return;
	if (copied)
		net_zcopy_put(uarg);
	else
		net_zcopy_put_abort(uarg, true);
}

/* Can a blocked sender go on: room, an error, or a reason to stop? */
static bool tsp_tx_wakeup(struct sock *sk, struct tsp_sock *ts,
			  struct tsp_pair *p)
{
	return tsp_ring_used(&p->ring[ts->side]) <=
		       tsp_tx_fill_max(sk, &p->ring[ts->side]) ||
	       READ_ONCE(sk->sk_err) ||
	       (READ_ONCE(sk->sk_shutdown) & SEND_SHUTDOWN) ||
	       tsp_peer_closed(ts, p) || READ_ONCE(ts->detached);
}

/*
 * A large send is published in chunks, each woken to the reader: it copies
 * the first out while we copy the next in, instead of after the whole send.
 */
#define TSP_TX_CHUNK	SZ_16K

/* The next part of @msg to write at once. */
static size_t tsp_tx_chunk(const struct msghdr *msg)
{
	return min_t(size_t, msg_data_left(msg), TSP_TX_CHUNK);
}

/* @n bytes reached our reader: count them and wake it. */
static void tsp_tx_published(struct tsp_sock *ts, struct tsp_pair *p, u32 n)
{
	/* Our next read waits for an answer (spin.c); read by the readers. */
	if (!READ_ONCE(ts->sent))
		WRITE_ONCE(ts->sent, true);
	WRITE_ONCE(p->bytes[ts->side], p->bytes[ts->side] + n);
	tsp_pair_wake(p, !ts->side, false);
}

/*
 * Under @ts->tx_mutex: the next part of @msg, straight into a reader's
 * posted pages (direct.c) or into the ring. Returns the bytes written, 0
 * when the ring is full, or -EFAULT.
 */
static ssize_t tsp_tx_put(struct tsp_sock *ts, struct tsp_pair *p,
			  struct msghdr *msg)
{
	struct tsp_ring *r = &p->ring[ts->side];
	ssize_t n = tsp_direct_fill(&p->direct[ts->side], r, msg);

	if (n == 0) {
		/* A fault in our memory: wake the reader, go on by the ring. */
		tsp_pair_wake(p, !ts->side, false);
	} else if (n > 0) {
		tsp_tx_published(ts, p, n);
		return n;
	}
	if (tsp_ring_wants_growth(r, msg_data_left(msg)))
		tsp_ring_grow(r, ts->sk);
	n = tsp_ring_write(r, &msg->msg_iter, tsp_tx_chunk(msg));
	if (n > 0)
		tsp_tx_published(ts, p, n);
	return n;
}

/* The locked path's write: returns bytes, 0 when full, or -EFAULT. */
static ssize_t tsp_tx_write(struct tsp_sock *ts, struct tsp_pair *p,
			    struct msghdr *msg)
{
	ssize_t n;

	mutex_lock(&ts->tx_mutex);
	n = tsp_tx_put(ts, p, msg);
	mutex_unlock(&ts->tx_mutex);
	return n;
}

/* With the socket lock held (also sendmsg_locked() of our proto_ops). */
int tsp_sendmsg_locked(struct sock *sk, struct msghdr *msg, size_t size)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	struct tsp_sock *ts = tsp_sk(sk);
	struct tsp_pair *p = tsp_pair_of(ts);
	struct ubuf_info *uarg;
	size_t copied = 0;
	struct tsp_ring *r;
	int err = 0, n;
	long timeo;

	/* Both sticky, set under this lock: no ring byte is ever sent. */
	if (!p || ts->tx_refused)
		return tcp_sendmsg_locked(sk, msg, size);
	r = &p->ring[ts->side];
	if (msg->msg_flags & MSG_OOB) {
		/* Urgent data cannot follow ring bytes; before any, stay TCP. */
		if (tsp_ring_ready(r))
			return -EOPNOTSUPP;
		WRITE_ONCE(ts->tx_refused, true);
		return tcp_sendmsg_locked(sk, msg, size);
	}
	if (!tsp_ring_ready(r) && tsp_tx_engage(sk, ts, p, size))
		return tcp_sendmsg_locked(sk, msg, size);
	uarg = tsp_zc_begin(sk, msg, size);
	if (IS_ERR(uarg))
		return PTR_ERR(uarg);
	timeo = sock_sndtimeo(sk, msg->msg_flags & MSG_DONTWAIT);
	while (msg_data_left(msg)) {
		/* Another thread's connect(AF_UNSPEC): the old ring is not ours. */
		if (READ_ONCE(ts->detached) || sk->sk_err ||
		    (READ_ONCE(sk->sk_shutdown) & SEND_SHUTDOWN)) {
			err = -EPIPE;
			break;
		}
		if (tsp_peer_closed(ts, p)) {
			/* Nobody reads our ring any more: TCP answers (RST). */
			tsp_zc_end(uarg, copied);
			n = tcp_sendmsg_locked(sk, msg, msg_data_left(msg));
			if (n > 0)
				return copied + n;
			return copied ? copied : n;
		}
		if (!tsp_ring_space(r) &&
		    !tsp_ring_wants_growth(r, msg_data_left(msg))) {
			if (sk->sk_socket)
				set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
			/* Also for EAGAIN: the reader's wake is our EPOLLOUT. */
			if (tsp_tx_writable(sk, p, ts->side))
				continue;
			err = tsp_wait_error(timeo);
			if (err)
				break;
			add_wait_queue(sk_sleep(sk), &wait);
			n = sk_wait_event(sk, &timeo, tsp_tx_wakeup(sk, ts, p),
					  &wait);
			remove_wait_queue(sk_sleep(sk), &wait);
			if (n < 0) {
				err = n;
				break;
			}
			continue;
		}
		n = tsp_tx_write(ts, p, msg);
		if (n < 0) {
			err = n;
			break;
		}
		copied += n;
	}
	tsp_zc_end(uarg, copied);
	if (copied)
		return copied;
	if (err == -EPIPE)
		err = sk_stream_error(sk, msg->msg_flags, err);
	return err;
}

/* Must the fast path leave this send to the locked one? */
static bool tsp_tx_slow(const struct sock *sk, const struct tsp_sock *ts,
			const struct tsp_pair *p)
{
	return READ_ONCE(ts->detached) || READ_ONCE(sk->sk_err) ||
	       (READ_ONCE(sk->sk_shutdown) & SEND_SHUTDOWN) ||
	       tsp_peer_closed(ts, p);
}

/*
 * The fast path: write what fits into an engaged ring, serialised with
 * other senders by the tx mutex alone. Returns the bytes written; the
 * locked path goes on with the rest (it blocks, or answers the error).
 */
static size_t tsp_send_fast(struct sock *sk, struct tsp_sock *ts,
			    struct tsp_pair *p, struct msghdr *msg)
{
	struct tsp_ring *r = &p->ring[ts->side];
	size_t copied = 0;
	ssize_t n;

	if ((msg->msg_flags & (MSG_OOB | MSG_ZEROCOPY)) ||
	    READ_ONCE(ts->tx_refused) || !tsp_ring_ready(r))
		return 0;
	mutex_lock(&ts->tx_mutex);
	while (msg_data_left(msg) && !tsp_tx_slow(sk, ts, p)) {
		n = tsp_tx_put(ts, p, msg);
		if (n <= 0)
			break;
		copied += n;
	}
	mutex_unlock(&ts->tx_mutex);
	return copied;
}

int tsp_sendmsg(struct sock *sk, struct msghdr *msg, size_t size)
{
	struct tsp_sock *ts = tsp_sk(sk);
	struct tsp_pair *p = tsp_pair_of(ts);
	size_t copied;
	int ret;

	if (!p)
		return ts->base->sendmsg(sk, msg, size);
	copied = tsp_send_fast(sk, ts, p, msg);
	if (copied && !msg_data_left(msg))
		return copied;
	/* Bytes went out: an error now is no SIGPIPE, as in TCP. */
	if (copied)
		msg->msg_flags |= MSG_NOSIGNAL;
	lock_sock(sk);
	ret = tsp_sendmsg_locked(sk, msg, msg_data_left(msg));
	release_sock(sk);
	if (!copied)
		return ret;
	return ret > 0 ? copied + ret : copied;
}

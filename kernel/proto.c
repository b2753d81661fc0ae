// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_splice: the per-socket proto whose sendmsg/recvmsg use the ring.
 *
 * The tables are copies of tcp_prot and tcpv6_prot with our operations
 * on top, installed per socket by tsp_install() and restored by
 * tsp_sock_release() when TCP destroys the socket. Until both ends are
 * paired and the peer has engaged its ring, every byte still travels
 * over TCP, but the wait loops are ours, so a reader blocked before the
 * pairing wakes for ring data too.
 *
 * Ordering: a sender engages its ring once, under its socket lock,
 * recording its write_seq as the ring's start_seq; the receiver reads
 * TCP bytes up to start_seq before any ring byte. FIN/RST travel over
 * TCP after the ring bytes written before them. An end that leaves (close,
 * disconnect) marks itself closed in the pair: the other end's sender
 * falls back to TCP, which answers as it would.
 *
 * The socket's proto_ops are swapped too (splice_read, which TCP serves
 * from its receive queue alone): from the kfunc for a connecting socket,
 * from release_cb for an accepted child, which has no socket before
 * accept() grafts one under the child's lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <asm/ioctls.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/net.h>
#include <linux/sched/signal.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/sockios.h>
#include <net/busy_poll.h>
#include <net/inet_common.h>
#include <net/inet_connection_sock.h>
#include <net/ipv6.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <net/transp_v6.h>

#include "tcp_splice.h"

enum { TSP_PROT_V4, TSP_PROT_V6, TSP_PROT_NUM };

static struct proto tsp_prots[TSP_PROT_NUM] __ro_after_init;
static struct proto_ops tsp_ops[TSP_PROT_NUM] __ro_after_init;
static const struct proto_ops *tsp_ops_base[TSP_PROT_NUM];

static void tsp_sock_release(struct sock *sk);

static struct tcp_ulp_ops tsp_ulp_ops = {
	.name		= "tcp_splice",
	.owner		= THIS_MODULE,
	.release	= tsp_sock_release,
};

static struct tsp_sock *tsp_sk(const struct sock *sk)
{
	return inet_csk(sk)->icsk_ulp_data;
}

bool tsp_installed(const struct sock *sk)
{
	return inet_csk(sk)->icsk_ulp_ops == &tsp_ulp_ops;
}

/* tcp_prot/tcpv6_prot itself: no ULP (kTLS, MPTCP), no sockmap, no psock. */
bool tsp_plain_tcp(const struct sock *sk)
{
	const struct proto *prot = READ_ONCE(sk->sk_prot);

	if (prot != &tcp_prot && prot != &tcpv6_prot)
		return false;
	return !inet_csk(sk)->icsk_ulp_ops && !rcu_access_pointer(sk->sk_user_data);
}

/* With @sk's lock held; GFP_ATOMIC as the kfunc runs in softirq. */
struct tsp_sock *tsp_install(struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct proto *prot;
	struct tsp_sock *ts;

	prot = sk->sk_prot == &tcp_prot ? &tsp_prots[TSP_PROT_V4] :
					  &tsp_prots[TSP_PROT_V6];
	ts = kzalloc_obj(*ts, GFP_ATOMIC);
	if (!ts)
		return NULL;
	/* Dropped by tcp_cleanup_ulp() after tsp_sock_release(). */
	if (!try_module_get(THIS_MODULE)) {
		kfree(ts);
		return NULL;
	}
	ts->sk = sk;
	ts->base = sk->sk_prot;
	icsk->icsk_ulp_data = ts;
	icsk->icsk_ulp_ops = &tsp_ulp_ops;
	WRITE_ONCE(sk->sk_prot, prot);
	tsp_ops_update(sk);
	tsp_count(TSP_CNT_SOCKS_LIVE);
	return ts;
}

/*
 * Point @sk's socket, if it has one yet, at our proto_ops; or back at the
 * base ones when @restore. With @sk's lock (or its spinlock) held.
 */
static void tsp_ops_set(struct sock *sk, bool restore)
{
	struct socket *sock = sk->sk_socket;
	const struct proto_ops *ops;
	int i;

	if (!sock)
		return;
	ops = READ_ONCE(sock->ops);
	for (i = 0; i < TSP_PROT_NUM; i++) {
		if (!restore && ops == tsp_ops_base[i])
			WRITE_ONCE(sock->ops, &tsp_ops[i]);
		else if (restore && ops == &tsp_ops[i])
			WRITE_ONCE(sock->ops, tsp_ops_base[i]);
	}
}

void tsp_ops_update(struct sock *sk)
{
	tsp_ops_set(sk, false);
}

static bool tsp_peer_closed(const struct tsp_sock *ts, const struct tsp_pair *p)
{
	return READ_ONCE(p->closed[!ts->side]);
}

/* This end leaves the pair: the peer's sender falls back to TCP. */
static void tsp_leave(struct tsp_sock *ts, struct tsp_pair *p)
{
	WRITE_ONCE(p->closed[ts->side], 1);
	tsp_pair_wake(p, !ts->side, true);
}

/* TCP's destructor (tcp_cleanup_ulp()); the socket is going away. */
static void tsp_sock_release(struct sock *sk)
{
	struct tsp_sock *ts = tsp_sk(sk);
	struct tsp_pair *p;

	tsp_registry_remove(ts);
	/* Pairs with the release in tsp_offer(); the registry lock orders it too. */
	p = smp_load_acquire(&ts->pair);
	if (p) {
		spin_lock_bh(&p->lock);
		p->sk[ts->side] = NULL;
		spin_unlock_bh(&p->lock);
		tsp_leave(ts, p);
		tsp_pair_put(p);
	}
	tsp_ops_set(sk, true);
	WRITE_ONCE(sk->sk_prot, ts->base);
	inet_csk(sk)->icsk_ulp_data = NULL;
	atomic64_dec(&tsp_counters[TSP_CNT_SOCKS_LIVE]);
	kfree_rcu(ts, rcu);
}

/* The pair this end uses: NULL before pairing and after a disconnect. */
static struct tsp_pair *tsp_pair_of(const struct tsp_sock *ts)
{
	if (READ_ONCE(ts->detached))
		return NULL;
	/* Pairs with the release in tsp_offer(): the pair is initialised. */
	return smp_load_acquire(&ts->pair);
}

/* The ring we consume, once the peer has engaged it; else NULL. */
static struct tsp_ring *tsp_rx_ring(const struct tsp_sock *ts)
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

/* Is the next byte of the stream here? TCP's while owed, else the ring's. */
static bool tsp_rx_avail(const struct sock *sk, const struct tsp_sock *ts)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	struct tsp_ring *rx = tsp_rx_ring(ts);

	if (tsp_tcp_owed(sk, rx))
		return READ_ONCE(tp->rcv_nxt) != READ_ONCE(tp->copied_seq);
	return tsp_ring_used(rx);
}

/* A receiver has something to act on: the next byte, an error, or EOF. */
static bool tsp_rx_wakeup(const struct sock *sk, const struct tsp_sock *ts)
{
	return tsp_rx_avail(sk, ts) || READ_ONCE(sk->sk_err) ||
	       (READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN);
}

/* Why a sender or receiver with nothing to do must not sleep, or 0. */
static int tsp_wait_error(long timeo)
{
	if (!timeo)
		return -EAGAIN;
	if (signal_pending(current))
		return sock_intr_errno(timeo);
	return 0;
}

/*
 * The consumer freed space in end @side's send ring: wake that sender if it
 * said it waits. Pairs with the barrier in tsp_want_space(): either the
 * sender sees our tail or we see its flag.
 */
static void tsp_space_freed(struct tsp_pair *p, int side)
{
	/* Order our tail store before reading the flag. */
	smp_mb();
	if (READ_ONCE(p->want_space[side])) {
		WRITE_ONCE(p->want_space[side], 0);
		tsp_pair_wake(p, side, true);
	}
}

/* Our send ring is full: ask the reader to wake us; true if space came. */
static bool tsp_want_space(struct tsp_pair *p, int side)
{
	WRITE_ONCE(p->want_space[side], 1);
	/* Pairs with the barrier in tsp_space_freed(). */
	smp_mb();
	return tsp_ring_space(&p->ring[side]);
}

/*
 * Busy-poll the ring (net.core.busy_read or SO_BUSY_POLL) before
 * sleeping: loopback and veth have no NAPI to poll, the ring is the queue.
 */
static void tsp_busy_wait(struct sock *sk, const struct tsp_sock *ts)
{
#ifdef CONFIG_NET_RX_BUSY_POLL
	unsigned long start = busy_loop_current_time();

	while (!tsp_rx_wakeup(sk, ts) && !signal_pending(current) &&
	       !need_resched() && !sk_busy_loop_timeout(sk, start))
		cpu_relax();
#endif
}

/*
 * poll()'s EPOLLIN beyond TCP's queue: the ring holds at least SO_RCVLOWAT
 * bytes (at most a ring's worth, which the sender can always fill), and no
 * startup byte is still owed over TCP.
 */
static bool tsp_sock_is_readable(struct sock *sk)
{
	struct tsp_ring *rx = tsp_rx_ring(tsp_sk(sk));
	u32 lowat;

	if (!rx || tsp_tcp_owed(sk, rx))
		return false;
	lowat = clamp_t(u32, READ_ONCE(sk->sk_rcvlowat), 1, rx->size);
	return tsp_ring_used(rx) >= lowat;
}

/*
 * poll()'s EPOLLOUT and sk_stream_write_space(): once our ring carries
 * the data, its free space decides; a full ring asks for a wake-up.
 */
static bool tsp_stream_memory_free(const struct sock *sk, int wake)
{
	struct tsp_sock *ts = tsp_sk(sk);
	struct tsp_pair *p = tsp_pair_of(ts);

	if (!p || ts->tx_refused || !tsp_ring_ready(&p->ring[ts->side]) ||
	    tsp_peer_closed(ts, p))
		return ts->base->stream_memory_free(sk, wake);
	return tsp_ring_space(&p->ring[ts->side]) ||
	       tsp_want_space(p, ts->side);
}

/*
 * TCP bytes up to the peer's start_seq, without waiting. With MSG_PEEK,
 * when all of them are here, the ring's bytes follow in the same call.
 */
static int tsp_recv_tcp(struct sock *sk, struct tsp_sock *ts,
			struct msghdr *msg, size_t len, u32 owed, int flags)
{
	struct tsp_ring *rx = tsp_rx_ring(ts);
	size_t want = min_t(size_t, len, owed);
	int n, more;

	release_sock(sk);
	n = ts->base->recvmsg(sk, msg, want,
			      (flags | MSG_DONTWAIT) & ~MSG_WAITALL);
	lock_sock(sk);
	if (n <= 0 || !rx)
		return n;
	if (!(flags & MSG_PEEK)) {
		tsp_count_add(TSP_CNT_BYTES_STARTUP, n);
		return n;
	}
	if ((u32)n < owed || (size_t)n == len)
		return n;
	more = tsp_ring_read(rx, &msg->msg_iter, len - n, true);
	return more > 0 ? n + more : n;
}

static int tsp_recvmsg(struct sock *sk, struct msghdr *msg, size_t len,
		       int flags)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	struct tsp_sock *ts = tsp_sk(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	bool peek = flags & MSG_PEEK;
	int copied = 0, err = 0, target;
	bool spun = false;
	long timeo;

	if (flags & (MSG_ERRQUEUE | MSG_OOB))
		return ts->base->recvmsg(sk, msg, len, flags);

	lock_sock(sk);
	timeo = sock_rcvtimeo(sk, flags & MSG_DONTWAIT);
	target = sock_rcvlowat(sk, flags & MSG_WAITALL, len);
	while (copied < len) {
		struct tsp_ring *rx = tsp_rx_ring(ts);
		u32 owed = tsp_tcp_owed(sk, rx);
		int n;

		if (owed && tp->rcv_nxt != tp->copied_seq) {
			n = tsp_recv_tcp(sk, ts, msg, len - copied, owed, flags);
			if (n > 0) {
				copied += n;
				if (peek)
					break;
				continue;
			}
			if (!n) {
				/* EOF, unless the peer engaged its ring meanwhile. */
				if (!rx && tsp_rx_ring(ts))
					continue;
				break;
			}
			if (n != -EAGAIN) {
				err = n;
				break;
			}
		} else if (!owed && tsp_ring_used(rx)) {
			n = tsp_ring_read(rx, &msg->msg_iter, len - copied, peek);
			if (n < 0) {
				err = n;
				break;
			}
			copied += n;
			if (peek)
				break;
			tsp_count_add(TSP_CNT_BYTES_RING, n);
			tsp_space_freed(tsp_pair_of(ts), !ts->side);
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
		if (err)
			break;
		if (!spun && tsp_rx_ring(ts) && sk_can_busy_loop(sk)) {
			release_sock(sk);
			tsp_busy_wait(sk, ts);
			lock_sock(sk);
			spun = true;
			continue;
		}
		/* On the wait queue only while asleep: writers wake sleepers. */
		add_wait_queue(sk_sleep(sk), &wait);
		sk_wait_event(sk, &timeo, tsp_rx_wakeup(sk, ts), &wait);
		remove_wait_queue(sk_sleep(sk), &wait);
	}
	release_sock(sk);
	return copied ? copied : err;
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

/* Engage our ring: from here on every byte we send goes through it. */
static int tsp_tx_engage(struct sock *sk, struct tsp_sock *ts,
			 struct tsp_pair *p)
{
	struct tsp_ring *r = &p->ring[ts->side];
	struct tcp_sock *tp = tcp_sk(sk);
	int err;

	if (tp->write_seq != tp->snd_nxt) {
		tsp_push_held(sk);
		/* Another sender on this socket may have engaged meanwhile. */
		if (tsp_ring_ready(r))
			return 0;
	}
	err = tsp_ring_init(r, p->ring_bytes);
	if (err) {
		ts->tx_refused = true;
		tsp_count(TSP_CNT_REFUSED_RING);
		return err;
	}
	r->start_seq = tp->write_seq;
	/* Pairs with the acquire in tsp_ring_ready(). */
	smp_store_release(&r->ready, 1);
	return 0;
}

/* Nobody reads our ring any more: let TCP answer as it would (RST). */
static int tsp_send_tcp(struct sock *sk, struct tsp_sock *ts,
			struct msghdr *msg, size_t copied)
{
	int n = ts->base->sendmsg(sk, msg, msg_data_left(msg));

	if (n > 0)
		return copied + n;
	return copied ? copied : n;
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

static int tsp_sendmsg(struct sock *sk, struct msghdr *msg, size_t size)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	struct tsp_sock *ts = tsp_sk(sk);
	struct ubuf_info *uarg;
	struct tsp_pair *p;
	size_t copied = 0;
	struct tsp_ring *r;
	int err = 0, n;
	long timeo;

	p = tsp_pair_of(ts);
	if (!p)
		return ts->base->sendmsg(sk, msg, size);
	lock_sock(sk);
	/* Both sticky, set under this lock: no ring byte is ever sent. */
	if (ts->tx_refused || READ_ONCE(ts->detached))
		goto tcp;
	r = &p->ring[ts->side];
	if (msg->msg_flags & MSG_OOB) {
		/* Urgent data cannot follow ring bytes; before any, stay TCP. */
		if (tsp_ring_ready(r)) {
			release_sock(sk);
			return -EOPNOTSUPP;
		}
		ts->tx_refused = true;
		goto tcp;
	}
	if (!tsp_ring_ready(r) && tsp_tx_engage(sk, ts, p))
		goto tcp;
	uarg = tsp_zc_begin(sk, msg, size);
	if (IS_ERR(uarg)) {
		release_sock(sk);
		return PTR_ERR(uarg);
	}
	timeo = sock_sndtimeo(sk, msg->msg_flags & MSG_DONTWAIT);
	while (msg_data_left(msg)) {
		if (sk->sk_err || (READ_ONCE(sk->sk_shutdown) & SEND_SHUTDOWN)) {
			err = -EPIPE;
			break;
		}
		if (tsp_peer_closed(ts, p)) {
			tsp_zc_end(uarg, copied);
			release_sock(sk);
			return tsp_send_tcp(sk, ts, msg, copied);
		}
		if (!tsp_ring_space(r)) {
			if (sk->sk_socket)
				set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
			/* Also for EAGAIN: the reader's wake is our EPOLLOUT. */
			if (tsp_want_space(p, ts->side))
				continue;
			err = tsp_wait_error(timeo);
			if (err)
				break;
			add_wait_queue(sk_sleep(sk), &wait);
			sk_wait_event(sk, &timeo,
				      tsp_ring_space(r) || READ_ONCE(sk->sk_err) ||
				      (READ_ONCE(sk->sk_shutdown) & SEND_SHUTDOWN) ||
				      tsp_peer_closed(ts, p),
				      &wait);
			remove_wait_queue(sk_sleep(sk), &wait);
			continue;
		}
		n = tsp_ring_write(r, &msg->msg_iter, msg_data_left(msg));
		if (n < 0) {
			err = n;
			break;
		}
		copied += n;
		WRITE_ONCE(p->bytes[ts->side], p->bytes[ts->side] + n);
		tsp_pair_wake(p, !ts->side, false);
	}
	tsp_zc_end(uarg, copied);
	release_sock(sk);
	if (copied)
		return copied;
	if (err == -EPIPE)
		err = sk_stream_error(sk, msg->msg_flags, err);
	return err;
tcp:
	release_sock(sk);
	return ts->base->sendmsg(sk, msg, size);
}

/*
 * SIOCINQ counts the ring's bytes with TCP's queue. The ring is the
 * peer's receive queue: bytes in it are delivered, as TCP's acknowledged
 * bytes are, so SIOCOUTQ/SIOCOUTQNSD stay TCP's.
 */
static int tsp_ioctl(struct sock *sk, int cmd, int *karg)
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

static void tsp_close(struct sock *sk, long timeout)
{
	struct tsp_sock *ts = tsp_sk(sk);
	struct tsp_pair *p = tsp_pair_of(ts);
	struct tsp_ring *rx = tsp_rx_ring(ts);
	struct proto *base = ts->base;

	/* First, so the peer's next write goes to TCP, which resets. */
	if (p)
		tsp_leave(ts, p);
	if (rx && tsp_ring_used(rx)) {
		/* Unread ring bytes are unread data: reset, as TCP does. */
		sock_set_flag(sk, SOCK_LINGER);
		WRITE_ONCE(sk->sk_lingertime, 0);
	}
	/* May destroy @sk and free @ts. */
	base->close(sk, timeout);
}

/*
 * connect(AF_UNSPEC), or an aborting close: the socket may connect again
 * and must not keep the old pair's rings. It stays plain TCP from now on;
 * the pair itself lives until the socket is destroyed.
 */
static int tsp_disconnect(struct sock *sk, int flags)
{
	struct tsp_sock *ts = tsp_sk(sk);
	struct tsp_pair *p = tsp_pair_of(ts);

	tsp_registry_remove(ts);
	WRITE_ONCE(ts->detached, true);
	if (p)
		tsp_leave(ts, p);
	return ts->base->disconnect(sk, flags);
}

/* Runs at every release_sock(); gives an accepted child our proto_ops. */
static void tsp_release_cb(struct sock *sk)
{
	struct socket *sock = sk->sk_socket;

	if (unlikely(sock && READ_ONCE(sock->ops) != &tsp_ops[TSP_PROT_V4] &&
		     READ_ONCE(sock->ops) != &tsp_ops[TSP_PROT_V6]))
		tsp_ops_update(sk);
	tsp_sk(sk)->base->release_cb(sk);
}

/*
 * TCP's splice_read takes skbs from the receive queue and never sees the
 * ring: read through our recvmsg into pages instead.
 */
static ssize_t tsp_splice_read(struct socket *sock, loff_t *ppos,
			       struct pipe_inode_info *pipe, size_t len,
			       unsigned int flags)
{
	struct sock *sk = sock->sk;
	int i = READ_ONCE(sock->ops) == &tsp_ops[TSP_PROT_V6];

	if (!tsp_installed(sk) || READ_ONCE(tsp_sk(sk)->detached))
		return tsp_ops_base[i]->splice_read(sock, ppos, pipe, len,
						    flags);
	return copy_splice_read(sock->file, ppos, pipe, len, flags);
}

static void tsp_build(int i, const struct proto *base,
		      const struct proto_ops *base_ops)
{
	struct proto *prot = &tsp_prots[i];

	*prot = *base;
	prot->close		= tsp_close;
	prot->disconnect	= tsp_disconnect;
	prot->sendmsg		= tsp_sendmsg;
	prot->recvmsg		= tsp_recvmsg;
	prot->ioctl		= tsp_ioctl;
	prot->release_cb	= tsp_release_cb;
	prot->sock_is_readable	= tsp_sock_is_readable;
	prot->stream_memory_free = tsp_stream_memory_free;

	tsp_ops_base[i] = base_ops;
	tsp_ops[i] = *base_ops;
	tsp_ops[i].splice_read	= tsp_splice_read;
}

void tsp_proto_init(void)
{
	tsp_build(TSP_PROT_V4, &tcp_prot, &inet_stream_ops);
#if IS_ENABLED(CONFIG_IPV6)
	tsp_build(TSP_PROT_V6, &tcpv6_prot, &inet6_stream_ops);
#endif
}

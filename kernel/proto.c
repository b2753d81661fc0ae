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
 * TCP after the ring bytes written before them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <asm/ioctls.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/sockios.h>
#include <net/busy_poll.h>
#include <net/inet_connection_sock.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <net/transp_v6.h>

#include "tcp_splice.h"

enum { TSP_PROT_V4, TSP_PROT_V6, TSP_PROT_NUM };

static struct proto tsp_prots[TSP_PROT_NUM];

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
	tsp_count(TSP_CNT_SOCKS_LIVE);
	return ts;
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
		WRITE_ONCE(p->closed[ts->side], 1);
		spin_lock_bh(&p->lock);
		p->sk[ts->side] = NULL;
		spin_unlock_bh(&p->lock);
		tsp_pair_wake(p, !ts->side, true);
		tsp_pair_put(p);
	}
	WRITE_ONCE(sk->sk_prot, ts->base);
	inet_csk(sk)->icsk_ulp_data = NULL;
	atomic64_dec(&tsp_counters[TSP_CNT_SOCKS_LIVE]);
	kfree_rcu(ts, rcu);
}

static struct tsp_pair *tsp_pair_of(const struct tsp_sock *ts)
{
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

static bool tsp_rx_avail(const struct sock *sk, const struct tsp_sock *ts)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	struct tsp_ring *rx;

	if (READ_ONCE(tp->rcv_nxt) != READ_ONCE(tp->copied_seq))
		return true;
	rx = tsp_rx_ring(ts);
	return rx && tsp_ring_used(rx);
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
 * said it waits. Pairs with the barrier in tsp_sendmsg() after it sets
 * @want_space: either it sees our tail or we see its flag.
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

/*
 * Busy-poll the ring (net.core.busy_read or SO_BUSY_POLL) before
 * sleeping: loopback and veth have no NAPI to poll, the ring is the queue.
 */
static void tsp_busy_wait(struct sock *sk, const struct tsp_sock *ts)
{
#ifdef CONFIG_NET_RX_BUSY_POLL
	unsigned long start = busy_loop_current_time();

	while (!tsp_rx_avail(sk, ts) && !READ_ONCE(sk->sk_err) &&
	       !(READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN) &&
	       !signal_pending(current) && !need_resched() &&
	       !sk_busy_loop_timeout(sk, start))
		cpu_relax();
#endif
}

static bool tsp_sock_is_readable(struct sock *sk)
{
	struct tsp_ring *rx = tsp_rx_ring(tsp_sk(sk));

	return rx && tsp_ring_used(rx) && !tsp_tcp_owed(sk, rx);
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
	add_wait_queue(sk_sleep(sk), &wait);
	while (copied < len) {
		struct tsp_ring *rx = tsp_rx_ring(ts);
		u32 owed = tsp_tcp_owed(sk, rx);
		int n;

		if (owed && tp->rcv_nxt != tp->copied_seq) {
			size_t want = min_t(size_t, len - copied, owed);

			release_sock(sk);
			n = ts->base->recvmsg(sk, msg, want,
					      (flags | MSG_DONTWAIT) & ~MSG_WAITALL);
			lock_sock(sk);
			if (n > 0) {
				copied += n;
				if (rx)
					tsp_count_add(TSP_CNT_BYTES_STARTUP, n);
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
			n = tsp_ring_read(rx, &msg->msg_iter, len - copied, 0,
					  peek);
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
		sk_wait_event(sk, &timeo,
			      tsp_rx_avail(sk, ts) || READ_ONCE(sk->sk_err) ||
			      (READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN),
			      &wait);
	}
	remove_wait_queue(sk_sleep(sk), &wait);
	release_sock(sk);
	return copied ? copied : err;
}

/* Engage our ring: from here on every byte we send goes through it. */
static int tsp_tx_engage(struct sock *sk, struct tsp_sock *ts,
			 struct tsp_pair *p)
{
	struct tsp_ring *r = &p->ring[ts->side];
	int err;

	err = tsp_ring_init(r, p->ring_bytes);
	if (err) {
		ts->tx_refused = true;
		tsp_count(TSP_CNT_REFUSED_RING);
		return err;
	}
	r->start_seq = tcp_sk(sk)->write_seq;
	/* Pairs with the acquire in tsp_ring_ready(). */
	smp_store_release(&r->ready, 1);
	return 0;
}

static bool tsp_peer_closed(const struct tsp_sock *ts, const struct tsp_pair *p)
{
	return READ_ONCE(p->closed[!ts->side]);
}

static int tsp_sendmsg(struct sock *sk, struct msghdr *msg, size_t size)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	struct tsp_sock *ts = tsp_sk(sk);
	struct tsp_pair *p = tsp_pair_of(ts);
	size_t copied = 0;
	struct tsp_ring *r;
	int err = 0, n;
	long timeo;

	if (!p || ts->tx_refused || (msg->msg_flags & MSG_OOB))
		return ts->base->sendmsg(sk, msg, size);

	lock_sock(sk);
	r = &p->ring[ts->side];
	if (!tsp_ring_ready(r) && tsp_tx_engage(sk, ts, p)) {
		release_sock(sk);
		return ts->base->sendmsg(sk, msg, size);
	}
	timeo = sock_sndtimeo(sk, msg->msg_flags & MSG_DONTWAIT);
	add_wait_queue(sk_sleep(sk), &wait);
	while (msg_data_left(msg)) {
		if (sk->sk_err || (READ_ONCE(sk->sk_shutdown) & SEND_SHUTDOWN)) {
			err = -EPIPE;
			break;
		}
		if (tsp_peer_closed(ts, p)) {
			/* Nobody reads the ring: let TCP answer as it would (RST). */
			remove_wait_queue(sk_sleep(sk), &wait);
			release_sock(sk);
			n = ts->base->sendmsg(sk, msg, msg_data_left(msg));
			if (n > 0)
				return copied + n;
			return copied ? copied : n;
		}
		if (!tsp_ring_space(r)) {
			if (sk->sk_socket)
				set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
			err = tsp_wait_error(timeo);
			if (err)
				break;
			WRITE_ONCE(p->want_space[ts->side], 1);
			/* Pairs with the barrier in tsp_space_freed(). */
			smp_mb();
			sk_wait_event(sk, &timeo,
				      tsp_ring_space(r) || READ_ONCE(sk->sk_err) ||
				      (READ_ONCE(sk->sk_shutdown) & SEND_SHUTDOWN) ||
				      tsp_peer_closed(ts, p),
				      &wait);
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
	remove_wait_queue(sk_sleep(sk), &wait);
	release_sock(sk);
	if (copied)
		return copied;
	if (err == -EPIPE)
		err = sk_stream_error(sk, msg->msg_flags, err);
	return err;
}

/* SIOCINQ and SIOCOUTQ count the ring bytes as TCP counts its queues. */
static int tsp_ioctl(struct sock *sk, int cmd, int *karg)
{
	struct tsp_sock *ts = tsp_sk(sk);
	struct tsp_pair *p = tsp_pair_of(ts);
	struct tsp_ring *r;
	int err;

	err = ts->base->ioctl(sk, cmd, karg);
	if (err || !p)
		return err;
	switch (cmd) {
	case SIOCINQ:
		r = tsp_rx_ring(ts);
		if (r)
			*karg += tsp_ring_used(r);
		break;
	case SIOCOUTQ:
	case SIOCOUTQNSD:
		r = &p->ring[ts->side];
		if (tsp_ring_ready(r))
			*karg += tsp_ring_used(r);
		break;
	}
	return 0;
}

static void tsp_close(struct sock *sk, long timeout)
{
	struct tsp_sock *ts = tsp_sk(sk);
	struct tsp_pair *p = tsp_pair_of(ts);
	struct proto *base = ts->base;

	if (p) {
		WRITE_ONCE(p->closed[ts->side], 1);
		tsp_pair_wake(p, !ts->side, true);
	}
	/* May destroy @sk and free @ts. */
	base->close(sk, timeout);
}

static void tsp_build(struct proto *prot, const struct proto *base)
{
	*prot = *base;
	prot->close		= tsp_close;
	prot->sendmsg		= tsp_sendmsg;
	prot->recvmsg		= tsp_recvmsg;
	prot->ioctl		= tsp_ioctl;
	prot->sock_is_readable	= tsp_sock_is_readable;
}

void tsp_proto_init(void)
{
	tsp_build(&tsp_prots[TSP_PROT_V4], &tcp_prot);
	tsp_build(&tsp_prots[TSP_PROT_V6], &tcpv6_prot);
}

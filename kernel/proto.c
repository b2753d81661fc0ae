// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_splice: control. The per-socket proto and proto_ops tables, their
 * installation and restoration, and the operations that end or change a
 * connection (close, disconnect, repair mode); the data path is tx.c and
 * rx.c.
 *
 * The tables are copies of tcp_prot/tcpv6_prot and inet(6)_stream_ops with
 * our operations on top, installed per socket by tsp_install() and restored
 * by tsp_sock_release() when TCP destroys the socket. The socket's
 * proto_ops are swapped too (splice_read, read_sock: TCP serves them from
 * its receive queue alone): from the kfunc for a connecting socket, from
 * release_cb for an accepted child, which has no socket before accept()
 * grafts one. Our proto_ops name this module as their owner, and the
 * socket layer drops that reference only after the last of our code on a
 * close has returned.
 *
 * An end that leaves (close, disconnect) first withdraws from the registry,
 * so it can never be paired afterwards, then marks itself closed in its
 * pair: the other end's sender falls back to TCP, which answers as it
 * would.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <net/inet_common.h>
#include <net/inet_connection_sock.h>
#include <net/ipv6.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <net/transp_v6.h>

#include "tsp_sock.h"

enum { TSP_PROT_V4, TSP_PROT_V6, TSP_PROT_NUM };

static struct proto tsp_prots[TSP_PROT_NUM] __ro_after_init;
static struct proto_ops tsp_ops[TSP_PROT_NUM] __ro_after_init;
static const struct proto_ops *tsp_ops_base[TSP_PROT_NUM];

static void tsp_sock_release(struct sock *sk);
static void tsp_clone(const struct request_sock *req, struct sock *newsk,
		      const gfp_t priority);

/*
 * Not registered by name, so setsockopt(TCP_ULP) cannot install it without
 * the rest of a socket's state: only the kfunc does.
 */
static struct tcp_ulp_ops tsp_ulp_ops = {
	.name		= "tcp_splice",
	.owner		= THIS_MODULE,
	.release	= tsp_sock_release,
	.clone		= tsp_clone,
	.get_info	= tsp_diag_get_info,
	.get_info_size	= tsp_diag_get_info_size,
};

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
	return !inet_csk(sk)->icsk_ulp_ops &&
	       !rcu_access_pointer(__sk_user_data(sk));
}

static bool tsp_ours(const struct proto_ops *ops)
{
	return ops == &tsp_ops[TSP_PROT_V4] || ops == &tsp_ops[TSP_PROT_V6];
}

/*
 * Point @sk's socket, if it has one yet, at our proto_ops, or back at the
 * base ones when @restore; with @sk's lock (or its spinlock) held. Our ops
 * hold a reference on this module while a socket uses them: the socket
 * layer drops it when it releases the socket.
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
		if (!restore && ops == tsp_ops_base[i]) {
			__module_get(THIS_MODULE);
			WRITE_ONCE(sock->ops, &tsp_ops[i]);
		} else if (restore && ops == &tsp_ops[i]) {
			WRITE_ONCE(sock->ops, tsp_ops_base[i]);
			module_put(THIS_MODULE);
		}
	}
}

void tsp_ops_update(struct sock *sk)
{
	tsp_ops_set(sk, false);
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
	spin_lock_init(&ts->lock);
	mutex_init(&ts->tx_mutex);
	mutex_init(&ts->rx_mutex);
	ts->sk = sk;
	ts->base = sk->sk_prot;
	rcu_assign_pointer(icsk->icsk_ulp_data, ts);
	icsk->icsk_ulp_ops = &tsp_ulp_ops;
	WRITE_ONCE(sk->sk_prot, prot);
	/* The peer wakes us through a pointer read under RCU (tsp_pair_wake). */
	sock_set_flag(sk, SOCK_RCU_FREE);
	tsp_ops_update(sk);
	tsp_gauge_add(TSP_GA_SOCKS_LIVE, 1);
	return ts;
}

/* This end leaves the pair: the peer's sender falls back to TCP. */
void tsp_leave(struct tsp_sock *ts, struct tsp_pair *p)
{
	WRITE_ONCE(p->closed[ts->side], 1);
	tsp_pair_wake(p, !ts->side, true);
}

/* TCP's destructor (tcp_cleanup_ulp()); the socket is going away. */
static void tsp_sock_release(struct sock *sk)
{
	struct tsp_sock *ts = tsp_sk(sk);
	struct tsp_pair *p = tsp_withdraw(ts);

	if (p) {
		/* Freed after a grace period (SOCK_RCU_FREE): wakers may hold it. */
		WRITE_ONCE(p->sk[ts->side], NULL);
		tsp_leave(ts, p);
		tsp_pair_put(p);
	}
	tsp_ops_set(sk, true);
	WRITE_ONCE(sk->sk_prot, ts->base);
	RCU_INIT_POINTER(inet_csk(sk)->icsk_ulp_data, NULL);
	tsp_gauge_add(TSP_GA_SOCKS_LIVE, -1);
	/* Registry lookups may still hold it (tsp_join()). */
	kfree_rcu(ts, rcu);
}

/*
 * A child of a listening socket that carries our proto (one that left its
 * connection and listens now): the child is plain TCP, with nothing of ours.
 */
static void tsp_clone(const struct request_sock *req, struct sock *newsk,
		      const gfp_t priority)
{
	struct inet_connection_sock *icsk = inet_csk(newsk);
	struct tsp_sock *listener = tsp_sk(newsk);

	icsk->icsk_ulp_ops = NULL;
	RCU_INIT_POINTER(icsk->icsk_ulp_data, NULL);
	WRITE_ONCE(newsk->sk_prot, listener->base);
}

static void tsp_close(struct sock *sk, long timeout)
{
	struct tsp_sock *ts = tsp_sk(sk);
	struct tsp_pair *p = tsp_withdraw(ts);

	if (p && !READ_ONCE(ts->detached)) {
		/* First, so the peer's next write goes to TCP, which resets. */
		tsp_leave(ts, p);
		/* Unread ring bytes are unread data: reset, as TCP does. */
		if (tsp_rx_unread(sk, ts)) {
			sock_set_flag(sk, SOCK_LINGER);
			WRITE_ONCE(sk->sk_lingertime, 0);
		}
	}
	/* May destroy @sk and free @ts. */
	ts->base->close(sk, timeout);
}

/*
 * connect(AF_UNSPEC), or an aborting close: the socket may connect again,
 * or listen, and must not keep the old pair's rings. It stays plain TCP
 * from now on; the pair itself lives until the socket is destroyed. A
 * sender or receiver blocked on it meanwhile sees the disconnect (rx.c,
 * tx.c).
 */
static int tsp_disconnect(struct sock *sk, int flags)
{
	struct tsp_sock *ts = tsp_sk(sk);
	struct tsp_pair *p = tsp_withdraw(ts);
	bool was_detached = READ_ONCE(ts->detached);

	WRITE_ONCE(ts->detached, true);
	if (p && !was_detached)
		tsp_leave(ts, p);
	return ts->base->disconnect(sk, flags);
}

/*
 * shutdown(SHUT_WR): TCP's FIN must follow every ring byte a send reported
 * sent, as TCP's own sends precede it under the socket lock. The fast
 * sender tests SEND_SHUTDOWN under its tx mutex alone; inet_shutdown() set
 * it before calling us, so waiting out that mutex lets a send in flight
 * publish first, and every later one sees the flag and goes the locked way.
 */
static void tsp_shutdown(struct sock *sk, int how)
{
	struct tsp_sock *ts = tsp_sk(sk);

	if ((how & SEND_SHUTDOWN) && tsp_pair_of(ts)) {
		mutex_lock(&ts->tx_mutex);
		mutex_unlock(&ts->tx_mutex);
	}
	ts->base->shutdown(sk, how);
}

/*
 * TCP_REPAIR (checkpoint/restore) dumps and restores the TCP queues, and a
 * paired socket's bytes are partly in the ring: refused with EBUSY. An end
 * still waiting for its peer withdraws first and stays plain TCP.
 */
static int tsp_setsockopt(struct sock *sk, int level, int optname,
			  sockptr_t optval, unsigned int optlen)
{
	struct tsp_sock *ts = tsp_sk(sk);

	if (level == SOL_TCP && optname == TCP_REPAIR) {
		int val;

		if (optlen < sizeof(int))
			return -EINVAL;
		if (copy_from_sockptr(&val, optval, sizeof(val)))
			return -EFAULT;
		if (val == TCP_REPAIR_ON && tsp_withdraw(ts) &&
		    !READ_ONCE(ts->detached))
			return -EBUSY;
	}
	return ts->base->setsockopt(sk, level, optname, optval, optlen);
}

/* Runs at every release_sock(); gives an accepted child our proto_ops. */
static void tsp_release_cb(struct sock *sk)
{
	struct socket *sock = sk->sk_socket;

	if (unlikely(sock && !tsp_ours(READ_ONCE(sock->ops))))
		tsp_ops_update(sk);
	tsp_sk(sk)->base->release_cb(sk);
}

/* TCP's own proto_ops for @sk's family. */
static const struct proto_ops *tsp_base_ops(const struct sock *sk)
{
	return tsp_ops_base[sk->sk_family == AF_INET6 ? TSP_PROT_V6 :
							TSP_PROT_V4];
}

/*
 * A socket uses our proto_ops while it carries our proto, and keeps them
 * when it stops (it left its pair, or it is a listener's plain child).
 * Our state while the socket may still use rings, else NULL.
 */
static struct tsp_sock *tsp_ring_capable(const struct sock *sk)
{
	struct tsp_sock *ts = tsp_sk_or_null(sk);

	return tsp_installed(sk) && ts && !READ_ONCE(ts->detached) ? ts : NULL;
}

static ssize_t tsp_ops_splice_read(struct socket *sock, loff_t *ppos,
				   struct pipe_inode_info *pipe, size_t len,
				   unsigned int flags)
{
	if (!tsp_ring_capable(sock->sk))
		return tsp_base_ops(sock->sk)->splice_read(sock, ppos, pipe,
							   len, flags);
	return tsp_splice_read(sock, ppos, pipe, len, flags);
}

static int tsp_ops_read_sock(struct sock *sk, read_descriptor_t *desc,
			     sk_read_actor_t recv_actor)
{
	if (!tsp_ring_capable(sk))
		return tcp_read_sock(sk, desc, recv_actor);
	return tsp_read_sock(sk, desc, recv_actor);
}

/*
 * read_skb() serves sockmap, which refuses sockets carrying a ULP such as
 * ours; a paired socket has no skbs for it.
 */
static int tsp_ops_read_skb(struct sock *sk, skb_read_actor_t recv_actor)
{
	struct tsp_sock *ts = tsp_ring_capable(sk);

	if (ts && tsp_pair_of(ts))
		return -EOPNOTSUPP;
	return tsp_base_ops(sk)->read_skb(sk, recv_actor);
}

static int tsp_ops_sendmsg_locked(struct sock *sk, struct msghdr *msg,
				  size_t size)
{
	if (!tsp_ring_capable(sk))
		return tcp_sendmsg_locked(sk, msg, size);
	return tsp_sendmsg_locked(sk, msg, size);
}

static void tsp_build(int i, const struct proto *base,
		      const struct proto_ops *base_ops)
{
	struct proto *prot = &tsp_prots[i];

	*prot = *base;
	prot->close		= tsp_close;
	prot->disconnect	= tsp_disconnect;
	prot->shutdown		= tsp_shutdown;
	prot->setsockopt	= tsp_setsockopt;
	prot->sendmsg		= tsp_sendmsg;
	prot->recvmsg		= tsp_recvmsg;
	prot->ioctl		= tsp_ioctl;
	prot->release_cb	= tsp_release_cb;
	prot->sock_is_readable	= tsp_sock_is_readable;
	prot->stream_memory_free = tsp_stream_memory_free;

	tsp_ops_base[i] = base_ops;
	tsp_ops[i] = *base_ops;
	tsp_ops[i].owner	= THIS_MODULE;
	tsp_ops[i].splice_read	= tsp_ops_splice_read;
	tsp_ops[i].read_sock	= tsp_ops_read_sock;
	tsp_ops[i].read_skb	= tsp_ops_read_skb;
	tsp_ops[i].sendmsg_locked = tsp_ops_sendmsg_locked;
}

void __init tsp_proto_init(void)
{
	tsp_build(TSP_PROT_V4, &tcp_prot, &inet_stream_ops);
#if IS_ENABLED(CONFIG_IPV6)
	tsp_build(TSP_PROT_V6, &tcpv6_prot, &inet6_stream_ops);
#endif
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcp_splice: our state in a socket, for the parts that work on sockets
 * (proto.c, tx.c, rx.c, spin.c).
 */
#ifndef _TCP_SPLICE_SOCK_H
#define _TCP_SPLICE_SOCK_H

#include <linux/sched/signal.h>
#include <net/inet_connection_sock.h>
#include <net/sock.h>

#include "tcp_splice.h"

static inline struct tsp_sock *tsp_sk(const struct sock *sk)
{
	/*
	 * RCU on icsk_ulp_data serves sock_diag only: our own paths run with
	 * the socket held, and the state lives as long as the socket.
	 */
	return (__force struct tsp_sock *)inet_csk(sk)->icsk_ulp_data;
}

/*
 * For what a peer's wake-up may run (sk_write_space(), an in-kernel
 * reader's read_sock()) while TCP destroys @sk on another CPU: NULL once
 * tsp_sock_release() took the state down. The waker holds
 * rcu_read_lock(), and the state is freed after a grace period.
 */
static inline struct tsp_sock *tsp_sk_or_null(const struct sock *sk)
{
	return rcu_dereference_raw(inet_csk(sk)->icsk_ulp_data);
}

/* A sleeper's wait entry, which notes when a waker woke it. */
struct tsp_wait {
	struct wait_queue_entry wq;
	u64 woken_at;			/* local_clock(); 0 until woken */
	u64 slept_at;
};

/* spin.c */
void tsp_wait_init(struct tsp_wait *w);
void tsp_spin_adapt(struct tsp_sock *ts, const struct tsp_wait *w);

/* Why a sender or receiver with nothing to do must not sleep, or 0. */
static inline int tsp_wait_error(long timeo)
{
	if (!timeo)
		return -EAGAIN;
	if (signal_pending(current))
		return sock_intr_errno(timeo);
	return 0;
}

#endif /* _TCP_SPLICE_SOCK_H */

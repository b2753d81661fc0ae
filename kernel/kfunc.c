// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_splice: the bpf_tcp_splice_pair() kfunc for BPF_PROG_TYPE_SOCK_OPS.
 *
 * SOCK_OPS shares the kernel's cgroup kfunc hook with the other cgroup
 * program types, so the set carries a filter that admits SOCK_OPS only.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/btf_ids.h>
#include <linux/filter.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "tcp_splice.h"

__bpf_kfunc_start_defs();

/**
 * bpf_tcp_splice_pair - offer an established TCP socket for splicing
 * @skops: kernel context of the calling sock_ops program
 *	   (from bpf_cast_to_kern_ctx())
 *
 * Must be called from BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB or
 * BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB on a full TCP socket.
 *
 * Return: 0 when the socket was offered for pairing (it pairs now or when
 * the other end is offered), -EINVAL when called from another callback,
 * -EPROTONOSUPPORT when the socket is not a plain, full TCP socket
 * completing its handshake (or is in TCP_REPAIR mode), -EALREADY when it
 * was offered before, -ENOMEM.
 */
__bpf_kfunc int bpf_tcp_splice_pair(struct bpf_sock_ops_kern *skops)
{
	struct sock *sk = skops->sk;
	int allowed;

	tsp_count(TSP_CNT_KFUNC_CALLS);

	if (skops->op != BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB &&
	    skops->op != BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB) {
		tsp_count(TSP_CNT_REFUSED_OP);
		return -EINVAL;
	}
	/*
	 * The passive callback runs just before the child socket leaves
	 * TCP_SYN_RECV (tcp_rcv_state_process(), tcp_fastopen_create_child()).
	 */
	allowed = skops->op == BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB ?
		  TCPF_ESTABLISHED : TCPF_ESTABLISHED | TCPF_SYN_RECV;
	if (!sk || !skops->is_fullsock || !sk_fullsock(sk) ||
	    sk->sk_type != SOCK_STREAM || sk->sk_protocol != IPPROTO_TCP ||
	    !((1 << sk->sk_state) & allowed)) {
		tsp_count(TSP_CNT_REFUSED_SOCK);
		return -EPROTONOSUPPORT;
	}
	/* TCP_REPAIR sets sequence numbers at will: they prove nothing. */
	if (tcp_sk(sk)->repair) {
		tsp_count(TSP_CNT_REFUSED_SOCK);
		return -EPROTONOSUPPORT;
	}

	tsp_count(TSP_CNT_KFUNC_ACCEPTED);
	return tsp_offer(sk);
}

__bpf_kfunc_end_defs();

BTF_KFUNCS_START(tsp_kfunc_ids)
BTF_ID_FLAGS(func, bpf_tcp_splice_pair)
BTF_KFUNCS_END(tsp_kfunc_ids)

/* Called for every kfunc of this module's set; refuse non-SOCK_OPS callers. */
static int tsp_kfunc_filter(const struct bpf_prog *prog, u32 kfunc_id)
{
	if (!btf_id_set8_contains(&tsp_kfunc_ids, kfunc_id))
		return 0;
	return prog->type == BPF_PROG_TYPE_SOCK_OPS ? 0 : -EACCES;
}

static const struct btf_kfunc_id_set tsp_kfunc_set = {
	.owner	= THIS_MODULE,
	.set	= &tsp_kfunc_ids,
	.filter	= tsp_kfunc_filter,
};

int tsp_kfunc_register(void)
{
	return register_btf_kfunc_id_set(BPF_PROG_TYPE_SOCK_OPS, &tsp_kfunc_set);
}

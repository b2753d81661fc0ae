// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_splice: the kfuncs for BPF_PROG_TYPE_SOCK_OPS.
 *
 * The sock_ops program puts bpf_tcp_splice_token() in the active end's SYN,
 * answers it with bpf_tcp_splice_synack_token() in the passive end's
 * SYN-ACK (both as a TCP option), and offers each end with both tokens
 * through bpf_tcp_splice_pair() from its ESTABLISHED callback.
 *
 * SOCK_OPS shares the kernel's cgroup kfunc hook with the other cgroup
 * program types, so the set carries a filter that admits SOCK_OPS only,
 * and only programs loaded with full privileges (no delegated BPF token):
 * the tokens a program passes are trusted.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/btf_ids.h>
#include <linux/filter.h>
#include <net/request_sock.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "tcp_splice.h"
#include "tcp_splice_uapi.h"
#include "tsp_sock.h"

__bpf_kfunc_start_defs();

/**
 * bpf_tcp_splice_token - a fresh token for an active end's SYN
 *
 * Return: 64 random bits, never 0.
 */
__bpf_kfunc u64 bpf_tcp_splice_token(void)
{
	return tsp_token_new();
}

/**
 * bpf_tcp_splice_synack_token - the token for the SYN-ACK being written
 * @skops: kernel context of the calling sock_ops program, in
 *	   BPF_SOCK_OPS_HDR_OPT_LEN_CB or BPF_SOCK_OPS_WRITE_HDR_OPT_CB of a
 *	   SYN-ACK (its socket is the request socket)
 * @syn_token: the token the SYN carried
 *
 * Return: the passive end's token, bound to @syn_token and to this
 * connection's initial sequence number; 0 when not called for a SYN-ACK.
 */
__bpf_kfunc u64 bpf_tcp_splice_synack_token(struct bpf_sock_ops_kern *skops,
					    u64 syn_token)
{
	struct sock *sk = skops->sk;

	if ((skops->op != BPF_SOCK_OPS_HDR_OPT_LEN_CB &&
	     skops->op != BPF_SOCK_OPS_WRITE_HDR_OPT_CB) ||
	    !sk || sk->sk_state != TCP_NEW_SYN_RECV || !syn_token)
		return 0;
	return tsp_synack_token(syn_token, tcp_rsk(inet_reqsk(sk))->snt_isn);
}

/**
 * bpf_tcp_splice_pair - offer an established TCP socket for splicing
 * @skops: kernel context of the calling sock_ops program
 *	   (from bpf_cast_to_kern_ctx())
 * @syn_token: the token of the connection's SYN
 * @synack_token: the token of its SYN-ACK, on the active end (the passive
 *	   end derives its own; pass 0)
 *
 * Must be called from BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB or
 * BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB on a full TCP socket.
 *
 * Installs the module's proto on the socket and offers it to the registry.
 *
 * Return: 0 when the socket was offered (it pairs now or when the other end
 * is offered), -EINVAL when called from another callback, -EPROTONOSUPPORT
 * when the socket is not a plain, full TCP socket completing its handshake
 * (or is in TCP_REPAIR mode, or a kernel socket), -ENOKEY without tokens,
 * -EADDRINUSE when another end holds these tokens, -EALREADY when it was
 * offered before, -ENOMEM.
 */
__bpf_kfunc int bpf_tcp_splice_pair(struct bpf_sock_ops_kern *skops,
				    u64 syn_token, u64 synack_token)
{
	struct sock *sk = skops->sk;
	struct tsp_sock *ts;
	struct tsp_key key;
	bool active;
	int allowed;

	tsp_event(TSP_EV_KFUNC_CALLS);

	if (skops->op != BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB &&
	    skops->op != BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB) {
		tsp_event(TSP_EV_REFUSED_OP);
		return -EINVAL;
	}
	active = skops->op == BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB;
	/*
	 * The passive callback runs just before the child socket leaves
	 * TCP_SYN_RECV (tcp_rcv_state_process(), tcp_fastopen_create_child()).
	 */
	allowed = active ? TCPF_ESTABLISHED : TCPF_ESTABLISHED | TCPF_SYN_RECV;
	if (!sk || !skops->is_fullsock || !sk_fullsock(sk) ||
	    sk->sk_type != SOCK_STREAM || sk->sk_protocol != IPPROTO_TCP ||
	    !((1 << sk->sk_state) & allowed) || tcp_sk(sk)->repair) {
		tsp_event(TSP_EV_REFUSED_SOCK);
		return -EPROTONOSUPPORT;
	}
	/*
	 * In-kernel users (NVMe/TCP, iSCSI, NFS, ...) read with read_sock and
	 * their own callbacks, and block the I/O of a disk when a byte is late.
	 */
	if (sk->sk_kern_sock) {
		tsp_event(TSP_EV_REFUSED_KERNEL);
		return -EPROTONOSUPPORT;
	}
	if (!syn_token || (active && !synack_token)) {
		tsp_event(TSP_EV_REFUSED_PROOF);
		return -ENOKEY;
	}
	key.syn = syn_token;
	/* The passive end's ISN: its SYN-ACK is all it has sent (snd_una - 1). */
	key.synack = active ? synack_token :
		     tsp_synack_token(syn_token, tcp_sk(sk)->snd_una - 1);

	tsp_event(TSP_EV_KFUNC_ACCEPTED);
	if (tsp_installed(sk))
		return -EALREADY;
	if (!tsp_plain_tcp(sk)) {
		tsp_event(TSP_EV_REFUSED_PROTO);
		return -EPROTONOSUPPORT;
	}
	ts = tsp_install(sk);
	if (!ts) {
		tsp_event(TSP_EV_REFUSED_NOMEM);
		return -ENOMEM;
	}
	ts->active = active;
	ts->key = key;
	return tsp_offer(ts);
}

/**
 * bpf_tcp_splice_end_info - what an offered socket did, at its close
 * @skops: kernel context of the calling sock_ops program, in
 *	   BPF_SOCK_OPS_STATE_CB (the program's per-attachment accounting)
 * @info: a struct tsp_end_info (tcp_splice_uapi.h) to fill
 * @info__sz: its size
 *
 * Return: 0 with @info filled, -ENOENT when the socket carries nothing of
 * ours (never offered, or already released), -EINVAL when called from
 * another callback or with a size other than struct tsp_end_info's.
 */
__bpf_kfunc int bpf_tcp_splice_end_info(struct bpf_sock_ops_kern *skops,
					void *info, u32 info__sz)
{
	struct tsp_end_info *out = info;
	struct sock *sk = skops->sk;
	const struct tsp_pair *p;
	const struct tsp_sock *ts;

	if (skops->op != BPF_SOCK_OPS_STATE_CB ||
	    info__sz != sizeof(*out))
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (!sk || !skops->is_fullsock || !tsp_installed(sk))
		return -ENOENT;
	ts = tsp_sk(sk);
	/* The pair lives as long as the socket (proto.c). */
	p = smp_load_acquire(&ts->pair);
	out->bytes_startup = atomic64_read(&ts->startup_bytes);
	out->ring_refused = READ_ONCE(ts->tx_refused);
	if (p) {
		out->paired = 1;
		out->bytes_ring = READ_ONCE(p->bytes[ts->side]);
	}
	return 0;
}

__bpf_kfunc_end_defs();

BTF_KFUNCS_START(tsp_kfunc_ids)
BTF_ID_FLAGS(func, bpf_tcp_splice_token)
BTF_ID_FLAGS(func, bpf_tcp_splice_synack_token)
BTF_ID_FLAGS(func, bpf_tcp_splice_pair)
BTF_ID_FLAGS(func, bpf_tcp_splice_end_info)
BTF_KFUNCS_END(tsp_kfunc_ids)

/* Called for every kfunc of this module's set. */
static int tsp_kfunc_filter(const struct bpf_prog *prog, u32 kfunc_id)
{
	if (!btf_id_set8_contains(&tsp_kfunc_ids, kfunc_id))
		return 0;
	if (prog->type != BPF_PROG_TYPE_SOCK_OPS || prog->aux->token)
		return -EACCES;
	return 0;
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

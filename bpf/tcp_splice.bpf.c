// SPDX-License-Identifier: GPL-2.0
/*
 * The one sock_ops program of tcp-splice. On both ESTABLISHED callbacks it
 * applies the policy of the cgroup it is attached to and, when that allows,
 * offers the socket to the tcp_splice module's bpf_tcp_splice_pair().
 *
 * The same program may be attached at several levels of the cgroup tree
 * (host-wide and per container). Programs of the deepest cgroup run first;
 * the first attachment to see a socket decides for it and marks it, so a
 * container's own policy overrides a host-wide one.
 */
#include <linux/bpf.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "tcp_splice_abi.h"

#define AF_INET 2
#define AF_INET6 10

/*
 * A definition, not a forward declaration: libbpf checks the kfunc prototype
 * against the kernel's and a FWD never matches the kernel's STRUCT, which
 * would leave the weak extern silently unresolved.
 */
struct bpf_sock_ops_kern {
};

extern void *bpf_cast_to_kern_ctx(void *obj) __ksym;
/* Weak: the program also loads (and does nothing) without the module. */
extern int bpf_tcp_splice_pair(struct bpf_sock_ops_kern *skops) __ksym __weak;

#define tsp_ksym_exists(sym) (!!(sym))

struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_STORAGE);
	__type(key, struct bpf_cgroup_storage_key);
	__type(value, struct tsp_policy);
} policy SEC(".maps");

/* Per-socket "an attachment already decided" mark. */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u8);
} decided SEC(".maps");

struct tsp_prog_stats stats;

static __always_inline int is_lo4(__u32 addr_be)
{
	return (bpf_ntohl(addr_be) >> 24) == 127;
}

static __always_inline int is_lo6(const __u32 *a)
{
	if (a[0] || a[1])
		return 0;
	if (!a[2] && bpf_ntohl(a[3]) == 1)
		return 1; /* ::1 */
	return bpf_ntohl(a[2]) == 0xffff && is_lo4(a[3]); /* ::ffff:127/104 */
}

static __always_inline int both_loopback(struct bpf_sock_ops *skops)
{
	__u32 l6[4], r6[4];

	if (skops->family == AF_INET)
		return is_lo4(skops->local_ip4) && is_lo4(skops->remote_ip4);
	if (skops->family != AF_INET6)
		return 0;
	l6[0] = skops->local_ip6[0];
	l6[1] = skops->local_ip6[1];
	l6[2] = skops->local_ip6[2];
	l6[3] = skops->local_ip6[3];
	r6[0] = skops->remote_ip6[0];
	r6[1] = skops->remote_ip6[1];
	r6[2] = skops->remote_ip6[2];
	r6[3] = skops->remote_ip6[3];
	return is_lo6(l6) && is_lo6(r6);
}

static __always_inline int port_allowed(const struct tsp_policy *pol,
					__u16 lport, __u16 rport)
{
	__u32 n = pol->nports;

	if (!n)
		return 1;
	for (__u32 i = 0; i < TSP_MAX_PORTS; i++) {
		if (i >= n)
			break;
		if (pol->ports[i] == lport || pol->ports[i] == rport)
			return 1;
	}
	return 0;
}

SEC("sockops")
int tcp_splice_sockops(struct bpf_sock_ops *skops)
{
	struct tsp_policy *pol;
	__u8 *mark;
	int err;

	if (skops->op != BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB &&
	    skops->op != BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB)
		return 1;
	if (skops->family != AF_INET && skops->family != AF_INET6)
		return 1;

	struct bpf_sock *sk = skops->sk;

	if (!sk)
		return 1;
	mark = bpf_sk_storage_get(&decided, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!mark || *mark)
		return 1; /* a deeper attachment decided already */
	*mark = 1;
	__sync_fetch_and_add(&stats.established, 1);

	pol = bpf_get_local_storage(&policy, 0);
	if (pol->version != TSP_POLICY_VERSION || !(pol->flags & TSP_F_ENABLED))
		return 1;
	if ((pol->flags & TSP_F_LOOPBACK_ONLY) && !both_loopback(skops))
		return 1;
	if (!port_allowed(pol, (__u16)skops->local_port,
			  (__u16)bpf_ntohl(skops->remote_port)))
		return 1;
	__sync_fetch_and_add(&stats.matched, 1);

	if (!tsp_ksym_exists(bpf_tcp_splice_pair))
		return 1;
	__sync_fetch_and_add(&stats.kfunc_called, 1);
	err = bpf_tcp_splice_pair(bpf_cast_to_kern_ctx(skops));
	if (err)
		__sync_fetch_and_add(&stats.kfunc_failed, 1);
	return 1;
}

char LICENSE[] SEC("license") = "GPL";

// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_splice: ring sizes and ring memory.
 *
 * A ring takes memory only when its sender engages it (its first send
 * after pairing): idle pairs hold none. It starts with a small buffer and
 * grows to its full size at the first send that does not fit or finds
 * bytes unread (ring.h).
 * What an engaged ring holds is reserved against the module-wide
 * ring_limit_mbytes and against the share of it the sender's network
 * namespace may hold (ring_netns_share percent), so one tenant cannot take
 * every other tenant's rings: its first buffer when it engages, the rest of
 * its full size when it grows. A reservation is never more than the memory
 * behind it, which the tenant's own memory cgroup pays for (below), so
 * reaching the limit costs that memory. Its buffers are allocated as the
 * sender's socket allocates (sk_allocation), charged to its memory cgroup,
 * only while that cgroup stays within half of its limit (its tasks and TCP
 * keep the rest), and may fail rather than reclaim hard or call the OOM
 * killer. A ring that cannot be had leaves that direction on TCP; one
 * that cannot grow (the limit, the share or the memory) keeps its small
 * buffer.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/log2.h>
#include <linux/memcontrol.h>
#include <linux/math.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sysfs.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <net/sock.h>

#include "tcp_splice.h"

/* A u32 parameter and its range; @pow2: stored rounded up to 2^n. */
struct tsp_param {
	u32 val;
	u32 min;
	u32 max;
	const char *unit;
	bool pow2;
};

static struct tsp_param ring_kbytes = {
	.val = 64, .min = 4, .max = 16384, .unit = "KiB", .pow2 = true,
};

static struct tsp_param ring_limit_mbytes = {
	.val = 512, .min = 1, .max = 1048576, .unit = "MiB",
};

static struct tsp_param ring_netns_share = {
	.val = 50, .min = 1, .max = 100, .unit = "percent",
};

u32 tsp_ring_bytes(void)
{
	return READ_ONCE(ring_kbytes.val) * 1024;
}

u32 tsp_ring_limit_mbytes(void)
{
	return READ_ONCE(ring_limit_mbytes.val);
}

u32 tsp_ring_netns_share(void)
{
	return READ_ONCE(ring_netns_share.val);
}

/* Out-of-range values are refused (ERANGE) and say why in the log. */
static int tsp_param_set(const char *val, const struct kernel_param *kp)
{
	struct tsp_param *p = kp->arg;
	u32 v;
	int err = kstrtou32(val, 0, &v);

	if (err)
		return err;
	if (v < p->min || v > p->max) {
		pr_err("%s=%u out of range [%u, %u] %s\n",
		       kp->name, v, p->min, p->max, p->unit);
		return -ERANGE;
	}
	WRITE_ONCE(p->val, p->pow2 ? roundup_pow_of_two(v) : v);
	return 0;
}

static int tsp_param_get(char *buf, const struct kernel_param *kp)
{
	const struct tsp_param *p = kp->arg;

	return sysfs_emit(buf, "%u\n", READ_ONCE(p->val));
}

static const struct kernel_param_ops tsp_param_ops = {
	.set	= tsp_param_set,
	.get	= tsp_param_get,
};

module_param_cb(ring_kbytes, &tsp_param_ops, &ring_kbytes, 0644);
MODULE_PARM_DESC(ring_kbytes,
		 "Per-direction ring size in KiB for new pairs, 4..16384, rounded up to a power of two (default 64)");
module_param_cb(ring_limit_mbytes, &tsp_param_ops, &ring_limit_mbytes, 0644);
MODULE_PARM_DESC(ring_limit_mbytes,
		 "Ring memory all engaged rings may hold in MiB, 1..1048576 (default 512); beyond it a direction stays plain TCP");
module_param_cb(ring_netns_share, &tsp_param_ops, &ring_netns_share, 0644);
MODULE_PARM_DESC(ring_netns_share,
		 "Percent of ring_limit_mbytes one network namespace's senders may hold, 1..100 (default 50)");

/*
 * A network namespace's ring reservation. Rings hold a reference, since
 * a ring may outlive its sender's namespace (its reader holds the pair).
 */
struct tsp_netmem {
	refcount_t ref;
	atomic_long_t kbytes;
};

static unsigned int tsp_net_id __read_mostly;

static struct tsp_netmem *tsp_netmem_of(const struct net *net)
{
	return *(struct tsp_netmem **)net_generic(net, tsp_net_id);
}

static void tsp_netmem_put(struct tsp_netmem *nm)
{
	if (refcount_dec_and_test(&nm->ref))
		kfree(nm);
}

static int __net_init tsp_net_init(struct net *net)
{
	struct tsp_netmem *nm = kzalloc_obj(*nm, GFP_KERNEL);

	if (!nm)
		return -ENOMEM;
	refcount_set(&nm->ref, 1);
	*(struct tsp_netmem **)net_generic(net, tsp_net_id) = nm;
	return 0;
}

static void __net_exit tsp_net_exit(struct net *net)
{
	tsp_netmem_put(tsp_netmem_of(net));
}

static struct pernet_operations tsp_net_ops = {
	.init	= tsp_net_init,
	.exit	= tsp_net_exit,
	.id	= &tsp_net_id,
	.size	= sizeof(struct tsp_netmem *),
};

/*
 * Would @bytes more keep every memory cgroup from @memcg up within half of
 * its limit? Rings cannot be reclaimed, and at the limit the cgroup's own
 * tasks, and TCP charging its socket buffers, meet the OOM killer: a ring
 * must never take the room they need, so rings only ever use the first
 * half. (Sockets of the root cgroup, which has no limit, carry no memcg.)
 */
static bool tsp_memcg_room(struct mem_cgroup *memcg, u32 bytes)
{
#ifdef CONFIG_MEMCG
	unsigned long need = DIV_ROUND_UP(bytes, PAGE_SIZE);

	for (; memcg; memcg = parent_mem_cgroup(memcg)) {
		unsigned long max = READ_ONCE(memcg->memory.max);

		if (max == PAGE_COUNTER_MAX)
			continue;
		if (page_counter_read(&memcg->memory) + need > max / 2)
			return false;
	}
#endif
	return true;
}

/* Take @kb from @v if that keeps it within @limit. */
static bool tsp_reserve(atomic_long_t *v, long kb, long limit)
{
	if (atomic_long_add_return(kb, v) <= limit)
		return true;
	atomic_long_sub(kb, v);
	return false;
}

/*
 * Reserve @kb for a ring of namespace @nm, within ring_limit_mbytes and
 * the namespace's share of it; false (counted as @ev) if either is reached.
 */
static bool tsp_ring_reserve(struct tsp_netmem *nm, long kb,
			     enum tsp_event ev)
{
	atomic_long_t *all = &tsp_gauges[TSP_GA_RING_RESERVED];
	long limit = (long)tsp_ring_limit_mbytes() * 1024;
	long share = limit * tsp_ring_netns_share() / 100;

	if (tsp_reserve(all, kb, limit)) {
		if (tsp_reserve(&nm->kbytes, kb, share))
			return true;
		atomic_long_sub(kb, all);
	}
	tsp_event(ev);
	return false;
}

static void tsp_ring_unreserve(struct tsp_netmem *nm, long kb)
{
	atomic_long_sub(kb, &tsp_gauges[TSP_GA_RING_RESERVED]);
	atomic_long_sub(kb, &nm->kbytes);
}

/*
 * @size bytes with @gfp, charged to @sk's memory cgroup while that stays
 * within half of its limit: how rings and pairs take their memory. NULL
 * without the room or the memory.
 */
void *tsp_charged_alloc(size_t size, gfp_t gfp, struct sock *sk)
{
	struct mem_cgroup *memcg = mem_cgroup_from_sk(sk), *old;
	void *p;

	if (!tsp_memcg_room(memcg, size))
		return NULL;
	old = set_active_memcg(memcg);
	p = kvmalloc(size, gfp | __GFP_ACCOUNT);
	set_active_memcg(old);
	return p;
}

/*
 * A buffer of @size bytes for the ring of sender @sk: charged as above, as
 * its socket allocates, never from the reserves or through the OOM killer.
 */
static u8 *tsp_ring_alloc(u32 size, struct sock *sk)
{
	gfp_t gfp = (READ_ONCE(sk->sk_allocation) & ~__GFP_MEMALLOC) |
		    __GFP_NORETRY | __GFP_NOWARN;

	return tsp_charged_alloc(size, gfp, sk);
}

/*
 * Allocate @r's first buffer for its sender @sk, in process context, and
 * reserve it: TSP_RING_FIRST bytes, or @cap when the first send of @len
 * bytes would not fit. -ENOSPC: the limit or the namespace's share is
 * reached; -ENOMEM: no memory (or the memory cgroup's limit). Either way
 * the direction stays TCP, counted.
 */
int tsp_ring_engage_mem(struct tsp_ring *r, u32 cap, size_t len,
			struct sock *sk)
{
	struct tsp_netmem *nm = tsp_netmem_of(sock_net(sk));
	u32 first = len > TSP_RING_FIRST ? cap : min(cap, TSP_RING_FIRST);
	long kb = first / 1024;

	if (!tsp_ring_reserve(nm, kb, TSP_EV_REFUSED_LIMIT))
		return -ENOSPC;
	r->mem[0].buf = tsp_ring_alloc(first, sk);
	if (!r->mem[0].buf) {
		tsp_ring_unreserve(nm, kb);
		tsp_event(TSP_EV_REFUSED_RING);
		return -ENOMEM;
	}
	refcount_inc(&nm->ref);
	r->charged = nm;
	r->mem[0].size = first;
	r->cur = &r->mem[0];
	r->cap = cap;
	r->head = 0;
	r->tail = 0;
	return 0;
}

/*
 * Producer, under its tx mutex: grow @r to its cap for sender @sk, and its
 * reservation with it (always the size of the buffer in use). Without the
 * room or the memory, the ring keeps its first buffer for good (its cap
 * drops to it), and the sender waits for room there as in a full ring.
 */
void tsp_ring_grow(struct tsp_ring *r, struct sock *sk)
{
	struct tsp_ring_mem *big = &r->mem[1];
	long kb = (r->cap - r->cur->size) / 1024;

	if (!tsp_ring_reserve(r->charged, kb, TSP_EV_GROW_LIMITED))
		goto keep;
	big->buf = tsp_ring_alloc(r->cap, sk);
	if (!big->buf) {
		tsp_ring_unreserve(r->charged, kb);
		goto keep;
	}
	big->size = r->cap;
	tsp_ring_move(r, big);
	return;
keep:
	WRITE_ONCE(r->cap, r->cur->size);
}

/* Free an engaged ring and return its reservation; no-op otherwise. */
void tsp_ring_release_mem(struct tsp_ring *r)
{
	if (!r->charged)
		return;
	kvfree(r->mem[0].buf);
	kvfree(r->mem[1].buf);
	r->mem[0].buf = NULL;
	r->mem[1].buf = NULL;
	tsp_ring_unreserve(r->charged, r->cur->size / 1024);
	tsp_netmem_put(r->charged);
	r->charged = NULL;
}

int __init tsp_ringmem_init(void)
{
	return register_pernet_subsys(&tsp_net_ops);
}

void tsp_ringmem_exit(void)
{
	unregister_pernet_subsys(&tsp_net_ops);
}

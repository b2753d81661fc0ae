// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_splice: module glue and parameters.
 *
 * Pairs the two ends of a co-located TCP connection, offered by a sock_ops
 * program through bpf_tcp_splice_pair(), and moves their payload through a
 * per-direction in-kernel ring.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "tcp_splice.h"

static u32 ring_kbytes = TSP_RING_KBYTES_DEF;

u32 tsp_ring_bytes(void)
{
	return READ_ONCE(ring_kbytes) * 1024;
}

/* Parse @val for parameter @kp into @out; out-of-range values are refused. */
static int tsp_param_u32(const char *val, const struct kernel_param *kp,
			 u32 min, u32 max, const char *unit, u32 *out)
{
	int err = kstrtou32(val, 0, out);

	if (err)
		return err;
	if (*out < min || *out > max) {
		pr_err("%s=%u out of range [%u, %u] %s\n",
		       kp->name, *out, min, max, unit);
		return -ERANGE;
	}
	return 0;
}

/* In-range values are stored rounded up to 2^n. */
static int ring_kbytes_set(const char *val, const struct kernel_param *kp)
{
	u32 kb;
	int err;

	err = tsp_param_u32(val, kp, TSP_RING_KBYTES_MIN, TSP_RING_KBYTES_MAX,
			    "KiB", &kb);
	if (err)
		return err;
	WRITE_ONCE(*(u32 *)kp->arg, roundup_pow_of_two(kb));
	return 0;
}

static const struct kernel_param_ops ring_kbytes_ops = {
	.set	= ring_kbytes_set,
	.get	= param_get_uint,
};

module_param_cb(ring_kbytes, &ring_kbytes_ops, &ring_kbytes, 0644);
MODULE_PARM_DESC(ring_kbytes,
		 "Per-direction ring size in KiB for new pairs, 4..16384, rounded up to a power of two (default 64)");

static u32 ring_limit_mbytes = TSP_RING_LIMIT_MBYTES_DEF;

u32 tsp_ring_limit_mbytes(void)
{
	return READ_ONCE(ring_limit_mbytes);
}

/*
 * Every pair reserves both of its rings when it is made, whether or not
 * they are allocated yet; a pair that would pass the limit is not made.
 * The reservation is counted in KiB (ring sizes are whole KiB).
 */
bool tsp_ring_reserve(u32 bytes)
{
	s64 limit = (s64)tsp_ring_limit_mbytes() * 1024;
	s64 kb = bytes / 1024;
	atomic64_t *v = &tsp_counters[TSP_CNT_RING_RESERVED];

	if (atomic64_add_return(kb, v) <= limit)
		return true;
	atomic64_sub(kb, v);
	return false;
}

void tsp_ring_unreserve(u32 bytes)
{
	atomic64_sub(bytes / 1024, &tsp_counters[TSP_CNT_RING_RESERVED]);
}

static int ring_limit_set(const char *val, const struct kernel_param *kp)
{
	u32 mb;
	int err;

	err = tsp_param_u32(val, kp, 1, TSP_RING_LIMIT_MBYTES_MAX, "MiB", &mb);
	if (err)
		return err;
	WRITE_ONCE(*(u32 *)kp->arg, mb);
	return 0;
}

static const struct kernel_param_ops ring_limit_ops = {
	.set	= ring_limit_set,
	.get	= param_get_uint,
};

module_param_cb(ring_limit_mbytes, &ring_limit_ops, &ring_limit_mbytes, 0644);
MODULE_PARM_DESC(ring_limit_mbytes,
		 "Total ring memory of all live pairs in MiB, 1..1048576 (default 512); pairs beyond it stay plain TCP");

static int __init tsp_init(void)
{
	int err;

#ifdef CONFIG_DEBUG_INFO_BTF_MODULES
	if (!THIS_MODULE->btf_data_size) {
		pr_err("module has no BTF, so its kfunc cannot be registered; rebuild it (kernel/gen_btf.sh adds BTF when the kernel headers lack vmlinux)\n");
		return -ENOEXEC;
	}
#else
	pr_err("kernel lacks CONFIG_DEBUG_INFO_BTF_MODULES; module kfuncs are unavailable\n");
	return -EOPNOTSUPP;
#endif

	tsp_proto_init();
	err = tsp_stats_init();
	if (err)
		return err;

	err = tsp_kfunc_register();
	if (err) {
		pr_err("registering bpf_tcp_splice_pair failed: %d\n", err);
		tsp_stats_exit();
		return err;
	}

	pr_info("loaded, bpf_tcp_splice_pair registered\n");
	return 0;
}

static void __exit tsp_exit(void)
{
	tsp_stats_exit();
	pr_info("unloaded\n");
}

module_init(tsp_init);
module_exit(tsp_exit);

MODULE_DESCRIPTION("Splice co-located TCP connections through an in-kernel ring");
MODULE_AUTHOR("The tcp-splice authors");
MODULE_LICENSE("GPL");

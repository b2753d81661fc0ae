// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_splice: module glue.
 *
 * Pairs the two ends of a co-located TCP connection, offered by a sock_ops
 * program through bpf_tcp_splice_pair(), and moves their payload through a
 * per-direction in-kernel ring.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/rcupdate.h>

#include "tcp_splice.h"

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

	tsp_token_init();
	tsp_proto_init();
	err = tsp_registry_init();
	if (err)
		return err;
	err = tsp_ringmem_init();
	if (err)
		goto out_registry;
	err = tsp_napi_init();
	if (err)
		goto out_ringmem;
	err = tsp_stats_init();
	if (err)
		goto out_napi;
	err = tsp_kfunc_register();
	if (err) {
		pr_err("registering bpf_tcp_splice_pair failed: %d\n", err);
		goto out_stats;
	}
	pr_info("loaded, bpf_tcp_splice_pair registered\n");
	return 0;

out_stats:
	tsp_stats_exit();
out_napi:
	tsp_napi_exit();
out_ringmem:
	tsp_ringmem_exit();
out_registry:
	tsp_registry_exit();
	return err;
}

/*
 * Every socket and program that used us is gone (each held a reference),
 * but the last of them may still be returning from our code after dropping
 * it, and RCU callbacks (kfree_rcu of socket state) may be pending.
 */
static void __exit tsp_exit(void)
{
	tsp_stats_exit();
	synchronize_rcu();
	rcu_barrier();
	tsp_napi_exit();
	tsp_ringmem_exit();
	tsp_registry_exit();
	pr_info("unloaded\n");
}

module_init(tsp_init);
module_exit(tsp_exit);

MODULE_DESCRIPTION("Splice co-located TCP connections through an in-kernel ring");
MODULE_AUTHOR("The tcp-splice authors");
MODULE_LICENSE("GPL");
MODULE_VERSION(TSP_VERSION);

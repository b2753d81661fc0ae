/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR BSD-2-Clause */
/*
 * tcp_splice's interface to user space and to its sock_ops program: what
 * bpf_tcp_splice_end_info() reports, and the per-socket details the module
 * adds to sock_diag (ss -tie). Included by the module, the BPF program and
 * the tools.
 */
#ifndef _TCP_SPLICE_UAPI_H
#define _TCP_SPLICE_UAPI_H

#include <linux/types.h>

/*
 * What bpf_tcp_splice_end_info() reports about a socket at its close.
 */
struct tsp_end_info {
	__u64 bytes_ring;    /* sent through its ring */
	__u64 bytes_startup; /* read over TCP while paired */
	__u32 paired;        /* it was paired */
	__u32 ring_refused;  /* its sending ring was refused */
};

/*
 * The module's per-socket details in sock_diag (ss -tie): inside
 * INET_DIAG_ULP_INFO, next to INET_ULP_INFO_NAME "tcp_splice", one nested
 * attribute of type TSP_ULP_INFO (far above the kernel's own
 * INET_ULP_INFO_* types) holding these.
 */
#define TSP_ULP_INFO 0x3153

enum {
	TSP_INFO_UNSPEC,
	TSP_INFO_STATE,        /* u8, tsp_end_state */
	TSP_INFO_SIDE,         /* u8, 0 or 1: this end's index in the pair */
	TSP_INFO_ACTIVE,       /* u8, 1 for the connecting end */
	TSP_INFO_NAT,          /* u8, 1 when addresses were translated between */
	TSP_INFO_RING_SIZE,    /* u32, bytes per direction */
	TSP_INFO_TX_FILL,      /* u32, bytes waiting in the ring this end fills */
	TSP_INFO_RX_FILL,      /* u32, bytes waiting in the ring this end drains */
	TSP_INFO_TX_BYTES,     /* u64, bytes this end sent through its ring */
	TSP_INFO_RX_BYTES,     /* u64, bytes this end received through a ring */
	TSP_INFO_STARTUP_BYTES, /* u64, bytes it read over TCP while paired */
	TSP_INFO_TX_REFUSED,   /* u8, 1: no ring for its sends (memory); TCP */
	TSP_INFO_PEER_NETNS,   /* u32, the peer's netns inode (CAP_NET_ADMIN only) */
	TSP_INFO_PAD,
	TSP_INFO_SPIN_NS,      /* u32, its blocking reader's spin before sleeping */
	TSP_INFO_WAKE_NS,      /* u32, its reader's mean measured wake-up latency */
	__TSP_INFO_MAX,
};

enum tsp_end_state {
	TSP_END_WAITING = 1, /* offered, its peer end not yet */
	TSP_END_PAIRED,      /* paired: payload through the rings */
	TSP_END_DETACHED,    /* disconnected after pairing: plain TCP again */
	TSP_END_WITHDRAWN,   /* left the registry unpaired (closing, repair) */
};

#endif /* _TCP_SPLICE_UAPI_H */

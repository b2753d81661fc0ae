/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * ABI shared by the sock_ops program and the control plane: the policy
 * record and the program counters.
 *
 * One policy record per attachment, in the program's cgroup storage: the program
 * reads the record of the cgroup it was attached to. A zeroed record (the
 * state right after attach, before the control plane writes it) splices
 * nothing.
 */
#ifndef TCP_SPLICE_ABI_H
#define TCP_SPLICE_ABI_H

#ifdef __cplusplus
#include <cstdint>
typedef std::uint16_t tsp_u16;
typedef std::uint32_t tsp_u32;
typedef std::uint64_t tsp_u64;
#else
typedef __u16 tsp_u16;
typedef __u32 tsp_u32;
typedef __u64 tsp_u64;
#endif

#define TSP_POLICY_VERSION 1
#define TSP_MAX_PORTS 64

/* tsp_policy.flags */
#define TSP_F_ENABLED (1U << 0)       /* splice matching connections */
#define TSP_F_LOOPBACK_ONLY (1U << 1) /* both ends in 127/8, ::1, ::ffff:127/104 */

struct tsp_policy {
    tsp_u32 version; /* TSP_POLICY_VERSION once written */
    tsp_u32 flags;
    tsp_u32 nports; /* 0: any port; else match either endpoint's port */
    tsp_u32 pad;
    tsp_u16 ports[TSP_MAX_PORTS]; /* host byte order, sorted, unique */
};

/*
 * The handshake option that proves a pairing (see kernel/token.c): TCP
 * option kind 253 (RFC 6994 experimental) with this 16-bit ExID, 16 bytes:
 * kind, length, ExID, the host id (both ends must be on one kernel), and a
 * 64-bit token, all big-endian. The SYN carries the active end's token,
 * the SYN-ACK the passive end's.
 */
#define TSP_OPT_KIND 253
#define TSP_OPT_EXID 0x5453 /* "TS" */
#define TSP_OPT_LEN 16

/* Program-wide counters (the program's .bss). */
struct tsp_prog_stats {
    tsp_u64 established;  /* ESTABLISHED callbacks seen */
    tsp_u64 matched;      /* ... that the deciding policy accepted */
    tsp_u64 kfunc_called; /* ... that reached bpf_tcp_splice_pair() */
    tsp_u64 kfunc_failed; /* ... for which it returned an error */
    /* Handshake proofs (the option above) */
    tsp_u64 syn_option;      /* SYNs that carried our token */
    tsp_u64 synack_option;   /* SYN-ACKs that answered one */
    tsp_u64 no_option_space; /* no room left in a SYN or SYN-ACK */
    tsp_u64 peer_no_option;  /* matched ends whose peer sent no token */
    tsp_u64 other_host;      /* ... whose peer is on another host */
    tsp_u64 listener_early;  /* passive ends of listeners from before
                                the attachment (no saved SYN) */
};

#endif /* TCP_SPLICE_ABI_H */

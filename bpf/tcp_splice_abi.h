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

/* The module's side of the ABI: its kfunc's report and its sock_diag info. */
#include "tcp_splice_uapi.h"

#ifdef __cplusplus
#include <cstdint>
typedef std::uint8_t tsp_u8;
typedef std::uint16_t tsp_u16;
typedef std::uint32_t tsp_u32;
typedef std::uint64_t tsp_u64;
#else
typedef __u8 tsp_u8;
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

/*
 * What the loader records about the program it pinned, in the one-entry
 * array "meta" (pinned as map_meta): a newer tool reads it to decide
 * whether to replace the pinned program (tcp-splice-ctl reload). The
 * program itself never reads it. A pinned program without it is older
 * than 0.2.0.
 */
#define TSP_VERSION_MAX 32
struct tsp_prog_meta {
    char version[TSP_VERSION_MAX]; /* NUL-terminated, e.g. "0.2.0" */
};

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

/*
 * Why a socket is or is not spliced, as the deciding attachment saw it at
 * ESTABLISHED: tsp_sock_state.why in the program's socket storage map
 * "decided" (readable for any socket through sock_diag's
 * INET_DIAG_REQ_SK_BPF_STORAGES).
 */
enum tsp_why {
    TSP_WHY_NONE = 0,       /* no attachment decided it (not in an attached cgroup) */
    TSP_WHY_DISABLED,       /* the attachment's policy is off */
    TSP_WHY_PORT,           /* neither port is in the policy's list */
    TSP_WHY_LOOPBACK,       /* loopback-only and an end is not loopback */
    TSP_WHY_NO_MODULE,      /* the module was not loaded */
    TSP_WHY_PEER_NO_TOKEN,  /* the peer sent no token: not spliced, another
                               host, no option room, or Fast Open */
    TSP_WHY_LISTENER_EARLY, /* its listener predates the attachment */
    TSP_WHY_OFFERED,        /* offered to the module (see the socket's ULP info) */
    TSP_WHY_REFUSED_SOCK,   /* refused: not a plain TCP socket (ULP, kernel
                               socket, repair mode) */
    TSP_WHY_REFUSED_CLAIM,  /* refused: its tokens were claimed by another end */
    TSP_WHY_REFUSED_NOMEM,  /* refused: no memory for its state */
    TSP_WHY_REFUSED_OTHER,  /* refused for another reason */
    TSP_WHY_MAX,
};

/* The steps of tsp_sock_state.flags. */
#define ST_LISTEN 0x01   /* a listener prepared for the proof */
#define ST_CONNECT 0x02  /* the connect step was decided */
#define ST_EST 0x04      /* the ESTABLISHED step was decided */
#define ST_OUR_FLAG 0x08 /* we turned on option writing */
#define ST_SPLICE 0x10   /* the connect step's policy said splice */
#define ST_OUR_SAVE 0x20 /* we turned on TCP_SAVE_SYN (a listener) */
#define ST_CLOSED 0x40   /* the close step was counted */

/* The value of the socket storage map "decided". */
struct tsp_sock_state {
    tsp_u32 flags; /* ST_* steps */
    tsp_u8 why;    /* enum tsp_why */
    tsp_u8 pad[3];
    tsp_u64 token; /* the active end's SYN token */
};

/*
 * Per-attachment counters, per CPU (the program's map "acct", a per-CPU
 * cgroup storage: one slot per attachment). Counted by the attachment that
 * decided the socket (the deepest one that saw it).
 */
struct tsp_attach_stats {
    tsp_u64 seen;             /* ESTABLISHED sockets it decided */
    tsp_u64 why[TSP_WHY_MAX]; /* ... by outcome (tsp_why) */
    /* At close (TCP_CLOSE) of each offered socket: */
    tsp_u64 closed;        /* offered sockets that closed */
    tsp_u64 paired;        /* ... that had been paired */
    tsp_u64 unpaired;      /* ... that never paired (peer never arrived) */
    tsp_u64 ring_refused;  /* ... whose sending ring was refused (memory) */
    tsp_u64 bytes_ring;    /* bytes they sent through rings */
    tsp_u64 bytes_startup; /* bytes they read over TCP while paired */
};

#endif /* TCP_SPLICE_ABI_H */

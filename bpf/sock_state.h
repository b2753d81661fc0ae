/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The per-socket state the sock_ops program keeps (and the listener
 * iterator sets up for listeners older than the attachment), in the
 * socket storage map "decided". Children start from a copy of their
 * listener's (BPF_F_CLONE).
 */
#ifndef TCP_SPLICE_SOCK_STATE_H
#define TCP_SPLICE_SOCK_STATE_H

#include "tcp_splice_abi.h"

#define ST_LISTEN 0x01   /* a listener prepared for the proof */
#define ST_CONNECT 0x02  /* the connect step was decided */
#define ST_EST 0x04      /* the ESTABLISHED step was decided */
#define ST_OUR_FLAG 0x08 /* we turned on option writing */
#define ST_SPLICE 0x10   /* the connect step's policy said splice */
#define ST_OUR_SAVE 0x20 /* we turned on TCP_SAVE_SYN (a listener) */
#define ST_CLOSED 0x40   /* the close step was counted */

/* struct tsp_sock_state is in tcp_splice_abi.h: tools read it too. */

struct {
    __uint(type, BPF_MAP_TYPE_SK_STORAGE);
    __uint(map_flags, BPF_F_NO_PREALLOC | BPF_F_CLONE);
    __type(key, int);
    __type(value, struct tsp_sock_state);
} decided SEC(".maps");

#endif /* TCP_SPLICE_SOCK_STATE_H */

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

/* struct tsp_sock_state and its ST_* flags are in tcp_splice_abi.h: tools read it too. */

struct {
    __uint(type, BPF_MAP_TYPE_SK_STORAGE);
    __uint(map_flags, BPF_F_NO_PREALLOC | BPF_F_CLONE);
    __type(key, int);
    __type(value, struct tsp_sock_state);
} decided SEC(".maps");

#endif /* TCP_SPLICE_SOCK_STATE_H */

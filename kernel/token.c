// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_splice: the handshake tokens that prove two sockets are the two ends
 * of one connection.
 *
 * The active end's SYN carries a random 64-bit token; the passive end's
 * SYN-ACK carries a second one, a keyed hash of the first and of the
 * passive end's initial sequence number under a secret of this module.
 * Both ends offer the pair of tokens; only the two ends that exchanged
 * that SYN and that SYN-ACK know both, whatever addresses the packets
 * carried on the way (NAT rewrites addresses and ports, not options):
 *
 * - another tenant who forges the 4-tuple, or presets sequence numbers
 *   with TCP_REPAIR and answers its own SYN from a TUN device, gets
 *   tokens of its own, never the victim's;
 * - one who sees only the SYN (a flooded frame) and replays it into its
 *   own listener gets a SYN-ACK token bound to its own listener's ISN;
 * - only a peer of both connections could relay one's tokens into the
 *   other, which joins its two connections as relaying bytes would.
 */
#include <linux/random.h>
#include <linux/siphash.h>

#include "tcp_splice.h"

static siphash_key_t tsp_secret __ro_after_init;

void __init tsp_token_init(void)
{
	get_random_bytes(&tsp_secret, sizeof(tsp_secret));
}

/* Never 0: a zero token means "none". */
u64 tsp_token_new(void)
{
	u64 t;

	do {
		t = get_random_u64();
	} while (!t);
	return t;
}

/* The passive end's token for a SYN that carried @syn. */
u64 tsp_synack_token(u64 syn, u32 snt_isn)
{
	return siphash_2u64(syn, snt_isn, &tsp_secret) ?: 1;
}

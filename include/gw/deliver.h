/* SPDX-License-Identifier: MIT */
/*
 * The outbox deliverer (deliver.c, DESIGN §1.2, §5, §6): one thread per configured peer, posting that
 * peer's due outbox messages over mutual TLS and recording the signed receipts.
 */
#ifndef GW_DELIVER_H
#define GW_DELIVER_H

#include <stdbool.h>
#include <stddef.h>

#include "gw/err.h"

struct gw_daemon;
struct gw_deliverer;

/* Start one thread per peer. d is borrowed and must outlive the deliverer. OUT: *out (gw_deliverer_stop).
 * Reasons: CONFIG (client certificate or key), NOMEM, IO. */
GW_MUST_CHECK enum gw_rc gw_deliverer_start(struct gw_daemon *d, struct gw_deliverer **out, struct gw_err *err);
/* Something was queued: wake the threads now rather than at their next due time. NULL-safe. */
void gw_deliverer_wake(struct gw_deliverer *dl);
/* Stop each thread after its current attempt, join them, free. NULL-safe. */
void gw_deliverer_stop(struct gw_deliverer *dl);
/*
 * Witness the checkpoint cp[0..cp_len) (borrowed; NULL: none) that peer (borrowed) sent with the receipt or
 * notification about message_id (borrowed) (gw_witness_observe, docs/audit.md 7). With fetch, a larger
 * checkpoint is checked with a consistency proof fetched from the peer over the deliveries' mutual TLS;
 * without (a request handler, which must not wait on the peer), it is left for the receipts the deliverer
 * reads. Never fails the caller: a checkpoint that cannot be checked is logged at WARN and not kept; a fork
 * is reported by gw_witness_observe.
 */
void gw_deliverer_witness(struct gw_deliverer *dl, const char *peer, const char *message_id,
                          const unsigned char *cp, size_t cp_len, bool fetch);

#endif

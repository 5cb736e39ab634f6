/* SPDX-License-Identifier: MIT */
/*
 * Counters of the daemon for GET /metrics (Prometheus text format 0.0.4): messages by type and outcome,
 * verification failures by reason, delivery attempts and a delivery latency histogram. Lock-free atomics;
 * queue depths are read from the store when the page is rendered.
 */
#ifndef GW_METRICS_H
#define GW_METRICS_H

#include <stdint.h>

#include "gw/buf.h"
#include "gw/err.h"
#include "gw/ids.h"
#include "gw/store.h"

enum gw_outcome {
    GW_OUTCOME_SUBMITTED, /* accepted for sending from the organisation's own system */
    GW_OUTCOME_ACCEPTED,  /* received from a peer and stored */
    GW_OUTCOME_DUPLICATE, /* received again, answered with the stored receipt */
    GW_OUTCOME_REJECTED,  /* received and rejected */
    GW_OUTCOME_DELIVERED, /* sent and receipted by the recipient */
    GW_OUTCOME_REFUSED,   /* sent and rejected by the recipient */
    GW_OUTCOME_FAILED,    /* given up */
};
#define GW_OUTCOME_COUNT 7

struct gw_metrics;

GW_MUST_CHECK enum gw_rc gw_metrics_new(struct gw_metrics **out, struct gw_err *err);
void gw_metrics_free(struct gw_metrics *m);

void gw_metrics_message(struct gw_metrics *m, enum gw_msg_type t, enum gw_outcome o);
void gw_metrics_rejection(struct gw_metrics *m, enum gw_reason r);
void gw_metrics_attempt(struct gw_metrics *m, bool ok);
void gw_metrics_latency(struct gw_metrics *m, double seconds);
void gw_metrics_http(struct gw_metrics *m, int status);
/* Name a peer (borrowed regno, copied) for gateway_checkpoint_forks_total, so that its count shows as 0
 * until a fork: at start only, before other threads use m (not thread-safe); at most GW_MAX_PEERS. */
void gw_metrics_peer(struct gw_metrics *m, const char *regno);
/* One checkpoint of peer regno (borrowed) contradicted the one held (docs/audit.md 7). A peer not named
 * with gw_metrics_peer counts as peer="other". */
void gw_metrics_fork(struct gw_metrics *m, const char *regno);

/* Render the page into b. */
GW_MUST_CHECK enum gw_rc gw_metrics_render(struct gw_metrics *m, struct gw_store *store, struct gw_buf *b,
                                           struct gw_err *err);

#endif

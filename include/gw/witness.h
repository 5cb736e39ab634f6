/* SPDX-License-Identifier: MIT */
/*
 * Cross-witnessing of peers' logs (docs/audit.md 7): every receipt and Delivered notification a peer sends
 * carries its latest signed checkpoint; the gateway that receives it checks it (signature with the trust
 * anchors, Origin = the peer), compares it with the last one it holds from that peer, keeps the newest good
 * one, and raises the alarm on a fork: two checkpoints of one size with different roots, a smaller log than
 * one the peer signed before, or a larger one that the peer cannot prove extends the held one. It does not
 * talk to the network itself: the caller gives the function that fetches a consistency proof from the peer.
 */
#ifndef GW_WITNESS_H
#define GW_WITNESS_H

#include <stddef.h>
#include <stdint.h>

#include "gw/buf.h"
#include "gw/err.h"
#include "gw/metrics.h"
#include "gw/pki.h"
#include "gw/schema.h"
#include "gw/store.h"

/*
 * Fetch from peer (borrowed regno) the text of the consistency proof (docs/audit.md 5.3) from its tree of
 * from entries to its tree of to entries, and append it to text. arg: the caller's. Reasons: IO (no answer,
 * or an HTTP status other than 200), LIMIT_SIZE, NOMEM.
 */
typedef enum gw_rc (*gw_witness_fetch_fn)(void *arg, const char *peer, uint64_t from, uint64_t to,
                                          struct gw_buf *text, struct gw_err *err);

/* What the gateway needs to witness: all borrowed for the call. */
struct gw_witness {
    struct gw_store *store;           /* where peers' checkpoints are held (peer_checkpoints) */
    struct gw_pki *pki;               /* trust anchors and CRLs the peer's signature is checked with */
    const struct gw_schemas *schemas; /* checkpoint-v1.xsd and the envelope's */
    struct gw_metrics *metrics;       /* gateway_checkpoint_forks_total */
    gw_witness_fetch_fn fetch;        /* NULL: a larger checkpoint is not checked now (GW_WITNESS_DEFERRED) */
    void *fetch_arg;
};

enum gw_witness_verdict {
    GW_WITNESS_FIRST,      /* nothing was held from this peer: kept */
    GW_WITNESS_SAME,       /* the one held: same size, same root */
    GW_WITNESS_OLDER,      /* smaller, signed before the held one: an earlier receipt arriving late */
    GW_WITNESS_GREW,       /* larger, and the peer's proof shows the held tree is its prefix: kept */
    GW_WITNESS_FORK,       /* contradicts the held one: kept as evidence, alarm raised */
    GW_WITNESS_FORK_KNOWN, /* the same contradicting checkpoint as the last one reported: no new alarm */
    GW_WITNESS_DEFERRED,   /* larger, and no fetch function: neither kept nor judged */
};
const char *gw_witness_verdict_name(enum gw_witness_verdict v);

/*
 * Witness the checkpoint cp[0..cp_len) (borrowed, hostile) that peer (borrowed regno) sent with the
 * receipt or notification about message_id (borrowed; may be NULL): check it with gw_checkpoint_check
 * (Origin must be peer), compare it with the newest good checkpoint held from peer, fetch and verify a
 * consistency proof when it is larger, and keep it or raise the alarm (metric, log line at ERROR, audit
 * event checkpoint_fork naming the peer and both sizes and roots, stored with the contradicting checkpoint
 * in one transaction). A fork is a finding, not a failure: it returns GW_OK. OUT: *verdict, untouched on
 * failure. Reasons: every gw_checkpoint_check reason (a checkpoint that does not verify proves nothing and
 * is not kept), those of the fetch function (the check is left for a later checkpoint), IO, NOMEM.
 */
GW_MUST_CHECK enum gw_rc gw_witness_observe(const struct gw_witness *w, const char *peer, const char *message_id,
                                            const unsigned char *cp, size_t cp_len,
                                            enum gw_witness_verdict *verdict, struct gw_err *err);

#endif

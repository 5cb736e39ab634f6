// SPDX-License-Identifier: MIT
/*
 * Witnessing peers' checkpoints (docs/audit.md 7, issue 9 item 3): the checkpoint a peer's receipt or
 * notification carries is checked with the full policy, compared with the newest good one held from that
 * peer, and kept when it is the first or provably extends it (RFC 9162 consistency proof, fetched from the
 * peer by the caller's function). Anything that contradicts the held checkpoint is a fork: kept as evidence
 * with a checkpoint_fork audit entry in one transaction, counted and logged. A fork never changes the verdict
 * of the receipt that carried it; this module only reports. It does not fetch anything itself, nor decide
 * what a fork means for the peer (an operator does).
 */
#include "gw/witness.h"

#include <openssl/crypto.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw/checkpoint.h"
#include "gw/ids.h"
#include "gw/limits.h"
#include "gw/log.h"
#include "gw/merkle.h"

static const char *const verdict_names[] = {"first", "same", "older", "grew", "fork", "fork (known)", "deferred"};

const char *
gw_witness_verdict_name(enum gw_witness_verdict v)
{
    return (unsigned)v < sizeof(verdict_names) / sizeof(verdict_names[0]) ? verdict_names[v] : "?";
}

/* What the fork alarm and its evidence name. */
struct finding {
    const char *peer;
    const char *message_id;
    const struct gw_checkpoint_row *held; /* the newest good one held */
    const struct gw_checkpoint *got;      /* the one received */
    const char *got_root;                 /* its root, hex */
    const char *why;                      /* how they contradict each other */
};

/* Raise the alarm and keep got (its bytes cp) as evidence, unless it is the contradicting checkpoint
 * reported last. Reasons: IO, NOMEM. */
static enum gw_rc
report_fork(const struct gw_witness *w, const struct finding *f, const unsigned char *cp, size_t cp_len,
            enum gw_witness_verdict *verdict, struct gw_err *err)
{
    enum gw_rc rc;
    struct gw_checkpoint_row last = {0};
    struct gw_checkpoint_row row = {.held = GW_CP_PEER_FORK};
    bool found = false;
    char digest[GW_SHA256_HEX_LEN + 1];
    char reason[GW_AUDIT_MAX_FIELD];
    struct gw_audit_event ev = {.event = "checkpoint_fork",
                                .message_id = f->message_id,
                                .peer = f->peer,
                                .outcome = "fork",
                                .reason = reason,
                                .sha256 = digest};

    GW_TRY(gw_store_latest_peer_checkpoint(w->store, f->peer, true, &last, &found, err));
    if (found && last.tree_size == f->got->tree_size && strcmp(last.root, f->got_root) == 0) {
        *verdict = GW_WITNESS_FORK_KNOWN; /* reported when it first came; every receipt repeats it */
        rc = GW_OK;
        goto out;
    }
    gw_ids_hash_sha256(cp, cp_len, digest); /* of the contradicting checkpoint, kept with the entry */
    snprintf(reason, sizeof(reason),
             "held %" PRIu64 " entries root %s (%s), received %" PRIu64 " entries root %s (%s): %s",
             f->held->tree_size, f->held->root, f->held->time, f->got->tree_size, f->got_root, f->got->time,
             f->why);
    memcpy(row.origin, f->got->origin, sizeof(row.origin));
    row.tree_size = f->got->tree_size;
    memcpy(row.root, f->got_root, sizeof(row.root));
    snprintf(row.time, sizeof(row.time), "%s", f->got->time);
    row.body = (unsigned char *)(uintptr_t)cp; /* borrowed for the call; not freed below */
    row.body_len = cp_len;
    GW_TRY(gw_store_put_checkpoint(w->store, &row, &ev, err));
    gw_metrics_fork(w->metrics, f->peer);
    gw_log(GW_LOG_ERROR, "checkpoint FORK of peer %s: %s", f->peer, reason);
    *verdict = GW_WITNESS_FORK;
    rc = GW_OK;
out:
    gw_checkpoint_row_cleanup(&last);
    return rc;
}

/* Does the peer's proof show that held is a prefix of got? False with why set when the proof it gave does not
 * parse, is about other trees, or fails (docs/audit.md 5.4); an error when no proof could be fetched.
 * Reasons: those of w->fetch, NOMEM. */
static enum gw_rc
extends(const struct gw_witness *w, const struct finding *f, bool *ok, char *why, size_t why_len,
        struct gw_err *err)
{
    enum gw_rc rc;
    struct gw_buf text;
    struct gw_merkle_proof *p = malloc(sizeof(*p));
    struct gw_err perr;
    char old_root[GW_SHA256_HEX_LEN + 1];
    char root[GW_SHA256_HEX_LEN + 1];

    gw_buf_init(&text, GW_MERKLE_MAX_PROOF_TEXT);
    gw_err_clear(&perr);
    GW_CHECK(p != NULL, GW_ENOMEM, GW_R_NOMEM, "proof");
    GW_TRY(w->fetch(w->fetch_arg, f->peer, f->held->tree_size, f->got->tree_size, &text, err));
    *ok = false;
    if (gw_merkle_proof_parse(text.data, text.len, p, &perr) != GW_OK) {
        snprintf(why, why_len, "its consistency proof does not read: %.200s", perr.msg);
    } else {
        gw_ids_encode_hex(p->old_root, sizeof(p->old_root), old_root);
        gw_ids_encode_hex(p->root, sizeof(p->root), root);
        if (p->kind != GW_MERKLE_CONSISTENCY || p->old_size != f->held->tree_size ||
            p->tree_size != f->got->tree_size) {
            snprintf(why, why_len, "its consistency proof is about other tree sizes");
        } else if (strcmp(old_root, f->held->root) != 0) {
            snprintf(why, why_len, "its log now has root %s for %" PRIu64 " entries", old_root,
                     f->held->tree_size);
        } else if (strcmp(root, f->got_root) != 0) {
            snprintf(why, why_len, "its consistency proof ends at root %s, not the checkpoint's", root);
        } else if (gw_merkle_proof_verify(p, &perr) != GW_OK) {
            snprintf(why, why_len, "its consistency proof fails: %.200s", perr.msg);
        } else {
            *ok = true;
        }
    }
    rc = GW_OK;
out:
    gw_buf_cleanup(&text);
    free(p);
    return rc;
}

enum gw_rc
gw_witness_observe(const struct gw_witness *w, const char *peer, const char *message_id, const unsigned char *cp,
                   size_t cp_len, enum gw_witness_verdict *verdict, struct gw_err *err)
{
    enum gw_rc rc;
    struct gw_checkpoint got;
    struct gw_checkpoint_row held = {0};
    struct gw_checkpoint_row keep = {.held = GW_CP_PEER};
    bool found = false;
    bool ok = false;
    char got_root[GW_SHA256_HEX_LEN + 1];
    char why[300] = "";
    struct finding f = {.peer = peer, .message_id = message_id, .held = &held, .got = &got, .got_root = got_root};
    enum gw_witness_verdict v = GW_WITNESS_FIRST;

    GW_TRY(gw_checkpoint_check(w->pki, w->schemas, cp, cp_len, "peer checkpoint", peer, &got, err));
    gw_ids_encode_hex(got.root, sizeof(got.root), got_root);
    GW_TRY(gw_store_latest_peer_checkpoint(w->store, peer, false, &held, &found, err));
    if (!found) {
        v = GW_WITNESS_FIRST;
    } else if (got.tree_size == held.tree_size) {
        /* docs/audit.md 7: one size, two roots: the peer signed two different logs */
        if (strcmp(got_root, held.root) == 0) {
            *verdict = GW_WITNESS_SAME;
            rc = GW_OK;
            goto out;
        }
        f.why = "two roots for one size";
        GW_TRY(report_fork(w, &f, cp, cp_len, verdict, err));
        rc = GW_OK;
        goto out;
    } else if (got.tree_size < held.tree_size) {
        /* a receipt made before the held checkpoint may arrive after it (a pool of connections, a retry);
         * a smaller log signed later than a larger one is a log that lost entries */
        if (strcmp(got.time, held.time) < 0) {
            *verdict = GW_WITNESS_OLDER;
            rc = GW_OK;
            goto out;
        }
        f.why = "the log is shorter than one the peer signed before (truncated or restored from a copy)";
        GW_TRY(report_fork(w, &f, cp, cp_len, verdict, err));
        rc = GW_OK;
        goto out;
    } else {
        if (w->fetch == NULL) {
            *verdict = GW_WITNESS_DEFERRED;
            rc = GW_OK;
            goto out;
        }
        GW_TRY(extends(w, &f, &ok, why, sizeof(why), err));
        if (!ok) {
            f.why = why;
            GW_TRY(report_fork(w, &f, cp, cp_len, verdict, err));
            rc = GW_OK;
            goto out;
        }
        v = GW_WITNESS_GREW;
    }
    memcpy(keep.origin, got.origin, sizeof(keep.origin));
    keep.tree_size = got.tree_size;
    memcpy(keep.root, got_root, sizeof(keep.root));
    snprintf(keep.time, sizeof(keep.time), "%s", got.time);
    keep.body = (unsigned char *)(uintptr_t)cp; /* borrowed for the call; not freed below */
    keep.body_len = cp_len;
    GW_TRY(gw_store_put_checkpoint(w->store, &keep, NULL, err));
    *verdict = v;
    rc = GW_OK;
out:
    gw_checkpoint_row_cleanup(&held);
    return rc;
}

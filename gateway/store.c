// SPDX-License-Identifier: MIT
/*
 * The back-end-neutral half of the store (DESIGN §6) and its only dispatcher: the gw_store_* calls check
 * what every back end would otherwise check (ids, states, bodies and their digests, the size of what a
 * refused sender gave us) and only then call through struct gw_store_ops (store_int.h). Also cleanup of the
 * row structs and state names (the body digest is gw_ids_hash_sha256). It holds no state and knows no back end;
 * store_sqlite.c implements the ops.
 */
#include "gw/store.h"

#include <stdlib.h>
#include <string.h>

#include "gw/audit.h"
#include "gw/ids.h"
#include "store_int.h"

_Static_assert(GW_OUT_FAILED + 1 == GW_OUT_STATE_COUNT, "GW_OUT_STATE_COUNT counts enum gw_out_state");

const char *
gw_out_state_name(enum gw_out_state s)
{
    /* These names are also what the SQLite back end stores: never rename one. */
    switch (s) {
    case GW_OUT_QUEUED:
        return "queued";
    case GW_OUT_DELIVERING:
        return "delivering";
    case GW_OUT_DELIVERED:
        return "delivered";
    case GW_OUT_REJECTED:
        return "rejected";
    case GW_OUT_FAILED:
        return "failed";
    }
    return "unknown";
}

void
gw_outbox_msg_cleanup(struct gw_outbox_msg *m)
{
    if (m == NULL) {
        return;
    }
    free(m->body);
    free(m->receipt);
    free(m->notice);
    memset(m, 0, sizeof(*m));
}

void
gw_inbox_msg_cleanup(struct gw_inbox_msg *m)
{
    if (m == NULL) {
        return;
    }
    free(m->body);
    free(m->receipt);
    memset(m, 0, sizeof(*m));
}

void
gw_checkpoint_row_cleanup(struct gw_checkpoint_row *c)
{
    if (c == NULL) {
        return;
    }
    free(c->body);
    memset(c, 0, sizeof(*c));
}

void
gw_store_close(struct gw_store *s)
{
    if (s == NULL) {
        return;
    }
    s->ops->close(s);
}

static bool
state_is_valid(enum gw_out_state s)
{
    return (unsigned)s < GW_OUT_STATE_COUNT;
}

enum gw_rc
gw_out_state_from_name(const char *name, enum gw_out_state *out, struct gw_err *err)
{
    enum gw_rc rc = GW_EIO;

    for (unsigned s = 0; s < GW_OUT_STATE_COUNT; s++) {
        if (strcmp(name, gw_out_state_name((enum gw_out_state)s)) == 0) {
            *out = (enum gw_out_state)s;
            return GW_OK;
        }
    }
    GW_CHECK(false, GW_EIO, GW_R_IO, "unknown outbox state '%s' in the store", name);
out:
    return rc;
}

/* The digest of a body to store, computed here, in the caller's thread, rather than in a back end's writer;
 * a given one must be the body's. */
static enum gw_rc
body_digest(const unsigned char *body, size_t len, const char *given, char out[GW_SHA256_HEX_LEN + 1],
            struct gw_err *err)
{
    enum gw_rc rc = GW_EINTERNAL;

    GW_CHECK(body != NULL && len > 0, GW_EINTERNAL, GW_R_INTERNAL, "no body to store");
    gw_ids_hash_sha256(body, len, out);
    GW_CHECK(given[0] == '\0' || strncmp(given, out, GW_SHA256_HEX_LEN + 1) == 0, GW_EINTERNAL, GW_R_INTERNAL,
             "sha256 given with the message is not the digest of its body");
    rc = GW_OK;
out:
    return rc;
}

/* Is ev's digest (ev NULL: no event) none or well-formed? */
static bool
event_digest_ok(const struct gw_audit_event *ev)
{
    return ev == NULL || ev->sha256 == NULL || ev->sha256[0] == '\0' || gw_ids_is_sha256_hex(ev->sha256);
}

/* The audit event of a write that stores bytes with digest `digest` ("" for none): a copy of ev (NULL: none)
 * that carries that digest, which the store, not the caller, vouches for. A digest the caller gave must be
 * the same. id (NULL: none) is the MessageId of the row the write creates: the event names it if the caller
 * named none. OUT: *out, copy or NULL. */
static enum gw_rc
event_digest(const struct gw_audit_event *ev, const char *digest, const char *id, struct gw_audit_event *copy,
             const struct gw_audit_event **out, struct gw_err *err)
{
    enum gw_rc rc = GW_EINTERNAL;

    *out = NULL;
    if (ev == NULL) {
        rc = GW_OK;
        goto out;
    }
    GW_CHECK(ev->sha256 == NULL || ev->sha256[0] == '\0' || strcmp(ev->sha256, digest) == 0, GW_EINTERNAL,
             GW_R_INTERNAL, "the sha256 of audit event %s is not the digest of the bytes stored with it",
             ev->event != NULL ? ev->event : "");
    *copy = *ev;
    copy->sha256 = digest;
    if (id != NULL && (ev->message_id == NULL || ev->message_id[0] == '\0')) {
        copy->message_id = id;
    }
    *out = copy;
    rc = GW_OK;
out:
    return rc;
}

/* The checks of a new outbox row. OUT: *row, a shallow copy of m that carries the digest (the buffers stay
 * borrowed). */
static enum gw_rc
outbox_row(const struct gw_outbox_msg *m, struct gw_outbox_msg *row, struct gw_err *err)
{
    enum gw_rc rc;

    GW_CHECK(m->id[0] != '\0' && state_is_valid(m->state), GW_EINTERNAL, GW_R_INTERNAL,
             "outbox row without id or state");
    *row = *m;
    GW_TRY(body_digest(m->body, m->body_len, m->sha256, row->sha256, err));
    rc = GW_OK;
out:
    return rc;
}

enum gw_rc
gw_store_put_outbox(struct gw_store *s, const struct gw_outbox_msg *m, const struct gw_audit_event *ev,
                    struct gw_err *err)
{
    enum gw_rc rc;
    struct gw_outbox_msg row;
    struct gw_audit_event copy;
    const struct gw_audit_event *e = NULL;

    GW_TRY(outbox_row(m, &row, err));
    GW_TRY(event_digest(ev, row.sha256, row.id, &copy, &e, err));
    rc = s->ops->put_outbox(s, &row, e, err);
out:
    return rc;
}

enum gw_rc
gw_store_get_outbox(struct gw_store *s, const char *id, struct gw_outbox_msg *m, struct gw_err *err)
{
    return s->ops->get_outbox(s, id, m, err);
}

enum gw_rc
gw_store_due_outbox(struct gw_store *s, int64_t now_ms, const char *recipient, size_t max,
                    struct gw_outbox_msg **list, size_t *n, struct gw_err *err)
{
    return s->ops->due_outbox(s, now_ms, recipient, NULL, 0, max, list, n, err);
}

enum gw_rc
gw_store_due_outbox_skip(struct gw_store *s, int64_t now_ms, const char *recipient, const char *const *skip,
                         size_t n_skip, size_t max, struct gw_outbox_msg **list, size_t *n, struct gw_err *err)
{
    return s->ops->due_outbox(s, now_ms, recipient, skip, n_skip, max, list, n, err);
}

enum gw_rc
gw_store_next_due(struct gw_store *s, const char *recipient, int64_t *when_ms, struct gw_err *err)
{
    return s->ops->next_due(s, recipient, INT64_MIN, when_ms, err);
}

enum gw_rc
gw_store_next_due_after(struct gw_store *s, const char *recipient, int64_t after_ms, int64_t *when_ms,
                        struct gw_err *err)
{
    return s->ops->next_due(s, recipient, after_ms, when_ms, err);
}

enum gw_rc
gw_store_update_outbox(struct gw_store *s, const struct gw_outbox_msg *m, const struct gw_audit_event *ev,
                       struct gw_err *err)
{
    enum gw_rc rc;
    char digest[GW_SHA256_HEX_LEN + 1] = "";
    struct gw_audit_event copy;
    const struct gw_audit_event *e = NULL;

    GW_CHECK(state_is_valid(m->state), GW_EINTERNAL, GW_R_INTERNAL, "outbox state %d", (int)m->state);
    if (m->receipt != NULL) {
        /* the event is about the receipt the row holds from now on */
        gw_ids_hash_sha256(m->receipt, m->receipt_len, digest);
        GW_TRY(event_digest(ev, digest, NULL, &copy, &e, err));
    } else {
        GW_CHECK(event_digest_ok(ev), GW_EINTERNAL, GW_R_INTERNAL, "audit event with a malformed sha256");
        e = ev;
    }
    rc = s->ops->update_outbox(s, m, e, err);
out:
    return rc;
}

enum gw_rc
gw_store_attach_notice(struct gw_store *s, const char *id, const unsigned char *notice, size_t len,
                       const struct gw_audit_event *ev, struct gw_err *err)
{
    enum gw_rc rc;
    char digest[GW_SHA256_HEX_LEN + 1];
    struct gw_audit_event copy;
    const struct gw_audit_event *e = NULL;

    GW_CHECK(notice != NULL, GW_EINTERNAL, GW_R_INTERNAL, "no notice to store");
    gw_ids_hash_sha256(notice, len, digest);
    GW_TRY(event_digest(ev, digest, NULL, &copy, &e, err));
    rc = s->ops->attach_notice(s, id, notice, len, e, err);
out:
    return rc;
}

enum gw_rc
gw_store_put_inbox(struct gw_store *s, const struct gw_inbox_msg *m, const struct gw_audit_event *ev,
                   bool *is_duplicate, struct gw_inbox_msg *existing, struct gw_err *err)
{
    enum gw_rc rc;
    struct gw_inbox_msg row = *m; /* as in gw_store_put_outbox */
    struct gw_audit_event copy;
    const struct gw_audit_event *e = NULL;

    GW_CHECK(m->id[0] != '\0' && m->sender[0] != '\0', GW_EINTERNAL, GW_R_INTERNAL,
             "inbox row without id or sender");
    GW_TRY(body_digest(m->body, m->body_len, m->sha256, row.sha256, err));
    GW_TRY(event_digest(ev, row.sha256, row.id, &copy, &e, err));
    rc = s->ops->put_inbox(s, &row, e, is_duplicate, existing, err);
out:
    return rc;
}

enum gw_rc
gw_store_get_inbox(struct gw_store *s, const char *id, const char *sender, struct gw_inbox_msg *m,
                   struct gw_err *err)
{
    return s->ops->get_inbox(s, id, sender, m, err);
}

enum gw_rc
gw_store_list_inbox(struct gw_store *s, int64_t after, size_t max, struct gw_inbox_msg **list, size_t *n,
                    struct gw_err *err)
{
    return s->ops->list_inbox(s, after, max, list, n, err);
}

enum gw_rc
gw_store_ack_inbox(struct gw_store *s, const char *id, const char *sender, const struct gw_outbox_msg *notice,
                   const struct gw_audit_event *notice_ev, const struct gw_audit_event *ev, bool *was_acked,
                   struct gw_err *err)
{
    enum gw_rc rc;
    struct gw_outbox_msg row;
    struct gw_audit_event copy;
    const struct gw_audit_event *ne = notice_ev;

    GW_CHECK(sender != NULL && sender[0] != '\0', GW_EINTERNAL, GW_R_INTERNAL, "ack without the message's sender");
    GW_CHECK(event_digest_ok(ev), GW_EINTERNAL, GW_R_INTERNAL, "audit event with a malformed sha256");
    if (notice != NULL) {
        GW_TRY(outbox_row(notice, &row, err));
        GW_TRY(event_digest(notice_ev, row.sha256, row.id, &copy, &ne, err));
    }
    rc = s->ops->ack_inbox(s, id, sender, notice != NULL ? &row : NULL, ne, ev, was_acked, err);
out:
    return rc;
}

enum gw_rc
gw_store_put_rejected(struct gw_store *s, const char *message_id, const char *sender, const unsigned char *body,
                      size_t body_len, const char *reason, const unsigned char *receipt, size_t receipt_len,
                      const struct gw_audit_event *ev, struct gw_err *err)
{
    /* These come from a message we refused: cut, like audit fields, so no size is left to the sender. */
    char id_cut[GW_AUDIT_MAX_FIELD + 1];
    char sender_cut[GW_AUDIT_MAX_FIELD + 1];
    char reason_cut[GW_AUDIT_MAX_FIELD + 1];
    char digest[GW_SHA256_HEX_LEN + 1] = ""; /* of the body kept; none for no body */
    struct gw_audit_event copy;
    const struct gw_audit_event *e = NULL;
    enum gw_rc rc;

    if (body != NULL && body_len > 0) {
        gw_ids_hash_sha256(body, body_len, digest);
    }
    gw_audit_field(message_id, id_cut);
    gw_audit_field(sender, sender_cut);
    gw_audit_field(reason, reason_cut);
    GW_TRY(event_digest(ev, digest, id_cut, &copy, &e, err));
    rc = s->ops->put_rejected(s, id_cut, sender_cut, body, body != NULL ? body_len : 0, reason_cut, receipt,
                              receipt != NULL ? receipt_len : 0, e, err);
out:
    return rc;
}

enum gw_rc
gw_store_audit(struct gw_store *s, const struct gw_audit_event *ev, struct gw_err *err)
{
    enum gw_rc rc;

    GW_CHECK(ev != NULL, GW_EINTERNAL, GW_R_INTERNAL, "no audit event");
    GW_CHECK(event_digest_ok(ev), GW_EINTERNAL, GW_R_INTERNAL, "audit event with a malformed sha256");
    rc = s->ops->audit(s, ev, err);
out:
    return rc;
}

enum gw_rc
gw_store_counts(struct gw_store *s, uint64_t out_by_state[GW_OUT_STATE_COUNT], uint64_t *inbox_unacked,
                struct gw_err *err)
{
    return s->ops->counts(s, out_by_state, inbox_unacked, err);
}

enum gw_rc
gw_store_tree_head(struct gw_store *s, uint64_t *size, unsigned char root[32], struct gw_err *err)
{
    return s->ops->tree_head(s, size, root, err);
}

enum gw_rc
gw_store_put_checkpoint(struct gw_store *s, const struct gw_checkpoint_row *c, const struct gw_audit_event *ev,
                        struct gw_err *err)
{
    enum gw_rc rc;

    GW_CHECK(c != NULL && gw_ids_is_regno(c->origin) && gw_ids_is_sha256_hex(c->root) && c->body != NULL &&
                 c->body_len > 0 && c->tree_size <= (uint64_t)INT64_MAX,
             GW_EINTERNAL, GW_R_INTERNAL, "checkpoint row malformed");
    GW_CHECK(ev == NULL || event_digest_ok(ev), GW_EINTERNAL, GW_R_INTERNAL,
             "audit event with a malformed sha256");
    rc = s->ops->put_checkpoint(s, c, ev, err);
out:
    return rc;
}

enum gw_rc
gw_store_latest_checkpoint(struct gw_store *s, const char *origin, struct gw_checkpoint_row *c, bool *found,
                           struct gw_err *err)
{
    enum gw_rc rc;

    GW_CHECK(origin != NULL && gw_ids_is_regno(origin), GW_EINTERNAL, GW_R_INTERNAL,
             "checkpoint origin malformed");
    rc = s->ops->latest_checkpoint(s, origin, GW_CP_OWN, c, found, err);
out:
    return rc;
}

enum gw_rc
gw_store_latest_peer_checkpoint(struct gw_store *s, const char *peer, bool fork, struct gw_checkpoint_row *c,
                                bool *found, struct gw_err *err)
{
    enum gw_rc rc;

    GW_CHECK(peer != NULL && gw_ids_is_regno(peer), GW_EINTERNAL, GW_R_INTERNAL, "checkpoint peer malformed");
    rc = s->ops->latest_checkpoint(s, peer, fork ? GW_CP_PEER_FORK : GW_CP_PEER, c, found, err);
out:
    return rc;
}

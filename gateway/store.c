// SPDX-License-Identifier: MIT
/*
 * The back-end-neutral half of the store (DESIGN §6): the gw_store_* calls that dispatch through struct
 * gw_store_ops, cleanup of the row structs and state names. It holds no state and knows no back end;
 * store_sqlite.c implements the ops. (The body digest is gw_ids_hash_sha256.)
 */
#include "gw/store.h"

#include <stdlib.h>
#include <string.h>

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
gw_store_close(struct gw_store *s)
{
    if (s == NULL) {
        return;
    }
    s->ops->close(s);
}

enum gw_rc
gw_store_put_outbox(struct gw_store *s, const struct gw_outbox_msg *m, const struct gw_audit_event *ev,
                    struct gw_err *err)
{
    return s->ops->put_outbox(s, m, ev, err);
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
    return s->ops->due_outbox(s, now_ms, recipient, max, list, n, err);
}

enum gw_rc
gw_store_next_due(struct gw_store *s, const char *recipient, int64_t *when_ms, struct gw_err *err)
{
    return s->ops->next_due(s, recipient, when_ms, err);
}

enum gw_rc
gw_store_update_outbox(struct gw_store *s, const struct gw_outbox_msg *m, const struct gw_audit_event *ev,
                       struct gw_err *err)
{
    return s->ops->update_outbox(s, m, ev, err);
}

enum gw_rc
gw_store_attach_notice(struct gw_store *s, const char *id, const unsigned char *notice, size_t len,
                       const struct gw_audit_event *ev, struct gw_err *err)
{
    return s->ops->attach_notice(s, id, notice, len, ev, err);
}

enum gw_rc
gw_store_put_inbox(struct gw_store *s, const struct gw_inbox_msg *m, const struct gw_audit_event *ev,
                   bool *is_duplicate, struct gw_inbox_msg *existing, struct gw_err *err)
{
    return s->ops->put_inbox(s, m, ev, is_duplicate, existing, err);
}

enum gw_rc
gw_store_get_inbox(struct gw_store *s, const char *id, struct gw_inbox_msg *m, struct gw_err *err)
{
    return s->ops->get_inbox(s, id, m, err);
}

enum gw_rc
gw_store_list_inbox(struct gw_store *s, int64_t after, size_t max, struct gw_inbox_msg **list, size_t *n,
                    struct gw_err *err)
{
    return s->ops->list_inbox(s, after, max, list, n, err);
}

enum gw_rc
gw_store_ack_inbox(struct gw_store *s, const char *id, const struct gw_audit_event *ev, bool *was_acked,
                   struct gw_err *err)
{
    return s->ops->ack_inbox(s, id, ev, was_acked, err);
}

enum gw_rc
gw_store_put_rejected(struct gw_store *s, const char *message_id, const char *sender, const unsigned char *body,
                      size_t body_len, const char *reason, const unsigned char *receipt, size_t receipt_len,
                      const struct gw_audit_event *ev, struct gw_err *err)
{
    return s->ops->put_rejected(s, message_id, sender, body, body_len, reason, receipt, receipt_len, ev, err);
}

enum gw_rc
gw_store_audit(struct gw_store *s, const struct gw_audit_event *ev, struct gw_err *err)
{
    return s->ops->audit(s, ev, err);
}

enum gw_rc
gw_store_counts(struct gw_store *s, uint64_t out_by_state[5], uint64_t *inbox_unacked, struct gw_err *err)
{
    return s->ops->counts(s, out_by_state, inbox_unacked, err);
}

/* SPDX-License-Identifier: MIT */
/*
 * The interface between store.c and the store's back ends (store_sqlite.c now, store_pg.c later), private to
 * them: nothing outside the store includes this header, and callers go through the gw_store_* calls of
 * include/gw/store.h, which check what every back end would otherwise have to check and then dispatch here.
 */
#ifndef GW_STORE_INT_H
#define GW_STORE_INT_H

#include "gw/store.h"

/*
 * One back end. Each op has the contract of the gw_store_* call of the same name in gw/store.h, and runs only
 * once that call has checked its arguments: when an op runs, every outbox or inbox row to insert has a
 * non-empty id, a non-empty body and in sha256 the body's digest (ack_inbox's notice too, when not NULL);
 * every inbox row and ack_inbox a non-empty sender; every outbox state is a valid enum gw_out_state;
 * attach_notice has a notice; put_rejected's strings are cut to GW_AUDIT_MAX_FIELD bytes and
 * never NULL, and a NULL body or receipt comes with length 0; audit has an event.
 */
struct gw_store_ops {
    void (*close)(struct gw_store *s);
    enum gw_rc (*put_outbox)(struct gw_store *s, const struct gw_outbox_msg *m, const struct gw_audit_event *ev,
                             struct gw_err *err);
    enum gw_rc (*get_outbox)(struct gw_store *s, const char *id, struct gw_outbox_msg *m, struct gw_err *err);
    enum gw_rc (*due_outbox)(struct gw_store *s, int64_t now_ms, const char *recipient, const char *const *skip,
                             size_t n_skip, size_t max, struct gw_outbox_msg **list, size_t *n,
                             struct gw_err *err);
    enum gw_rc (*next_due)(struct gw_store *s, const char *recipient, int64_t after_ms, int64_t *when_ms,
                           struct gw_err *err);
    enum gw_rc (*update_outbox)(struct gw_store *s, const struct gw_outbox_msg *m, const struct gw_audit_event *ev,
                                struct gw_err *err);
    enum gw_rc (*attach_notice)(struct gw_store *s, const char *id, const unsigned char *notice, size_t len,
                                const struct gw_audit_event *ev, struct gw_err *err);
    enum gw_rc (*put_inbox)(struct gw_store *s, const struct gw_inbox_msg *m, const struct gw_audit_event *ev,
                            bool *is_duplicate, struct gw_inbox_msg *existing, struct gw_err *err);
    enum gw_rc (*get_inbox)(struct gw_store *s, const char *id, const char *sender, struct gw_inbox_msg *m,
                            struct gw_err *err);
    enum gw_rc (*list_inbox)(struct gw_store *s, int64_t after, size_t max, struct gw_inbox_msg **list, size_t *n,
                             struct gw_err *err);
    enum gw_rc (*ack_inbox)(struct gw_store *s, const char *id, const char *sender,
                            const struct gw_outbox_msg *notice, const struct gw_audit_event *notice_ev,
                            const struct gw_audit_event *ev, bool *was_acked, struct gw_err *err);
    enum gw_rc (*put_rejected)(struct gw_store *s, const char *message_id, const char *sender,
                               const unsigned char *body, size_t body_len, const char *reason,
                               const unsigned char *receipt, size_t receipt_len, const struct gw_audit_event *ev,
                               struct gw_err *err);
    enum gw_rc (*audit)(struct gw_store *s, const struct gw_audit_event *ev, struct gw_err *err);
    enum gw_rc (*counts)(struct gw_store *s, uint64_t out_by_state[GW_OUT_STATE_COUNT], uint64_t *inbox_unacked,
                         struct gw_err *err);
    enum gw_rc (*tree_head)(struct gw_store *s, uint64_t *size, unsigned char root[32], struct gw_err *err);
    enum gw_rc (*put_checkpoint)(struct gw_store *s, const struct gw_checkpoint_row *c,
                                 const struct gw_audit_event *ev, struct gw_err *err);
    enum gw_rc (*latest_checkpoint)(struct gw_store *s, const char *origin, enum gw_cp_held held,
                                    struct gw_checkpoint_row *c, bool *found, struct gw_err *err);
};

/* The head of every back end's store struct, which embeds it first (a struct gw_store * is then a pointer to
 * the back end's struct). */
struct gw_store {
    const struct gw_store_ops *ops;
};

/* The state whose gw_out_state_name() is name, for back ends that store states by name. OUT: *out.
 * Reasons: IO (not a state name: the stored row is damaged or from a newer gateway). */
GW_MUST_CHECK enum gw_rc gw_out_state_from_name(const char *name, enum gw_out_state *out, struct gw_err *err);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * Durable storage of a gateway (DESIGN §6): the outbox of messages this organisation sends, the inbox of
 * messages it received, rejected messages kept for the audit trail, and the hash-chained audit log.
 * Callers use only the gw_store_* calls declared here; they check their arguments and dispatch to a back
 * end (SQLite now, PostgreSQL later), whose interface, struct gw_store_ops, is private to gateway/
 * (store_int.h). Every write returns only once it is durable, and carries the audit event that describes it,
 * written in the same transaction. Several concurrent writers share one commit (group commit). All
 * functions are thread-safe.
 */
#ifndef GW_STORE_H
#define GW_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gw/err.h"
#include "gw/ids.h"

enum gw_out_state {
    GW_OUT_QUEUED,     /* stored, not yet tried */
    GW_OUT_DELIVERING, /* tried at least once, will be tried again */
    GW_OUT_DELIVERED,  /* the recipient's signed Accepted receipt is verified and stored */
    GW_OUT_REJECTED,   /* the recipient answered with a signed Rejected receipt: permanent */
    GW_OUT_FAILED,     /* gave up: retry age exceeded */
};
#define GW_OUT_STATE_COUNT 5 /* the number of states above, which run from 0 */
const char *gw_out_state_name(enum gw_out_state s);

/* One outbox row. Buffers are owned (free()) by whoever holds the struct; gw_outbox_msg_cleanup frees. */
struct gw_outbox_msg {
    char id[GW_UUID_LEN + 1];
    char in_reply_to[GW_UUID_LEN + 1]; /* "" if none */
    char recipient[GW_REGNO_LEN + 1];
    char type[16];                      /* MessageType name */
    char sha256[GW_SHA256_HEX_LEN + 1]; /* of body */
    unsigned char *body;                /* the signed message, exactly as sent */
    size_t body_len;
    enum gw_out_state state;
    uint32_t attempts;
    int64_t created_ms;      /* unix time, milliseconds */
    int64_t next_attempt_ms; /* when the deliverer may try again */
    int64_t delivered_ms;    /* 0 until delivered */
    char last_error[256];    /* "" if none */
    unsigned char *receipt;  /* signed receipt from the recipient (Accepted or Rejected), or NULL */
    size_t receipt_len;
    unsigned char *notice; /* signed Delivered notification from the recipient, or NULL */
    size_t notice_len;
};
void gw_outbox_msg_cleanup(struct gw_outbox_msg *m);

/* One inbox row (a message received and accepted from a peer). */
struct gw_inbox_msg {
    int64_t seq; /* assigned by the store, increasing */
    char id[GW_UUID_LEN + 1];
    char sender[GW_REGNO_LEN + 1];
    char type[16];
    char sha256[GW_SHA256_HEX_LEN + 1]; /* of body */
    unsigned char *body;                /* the signed message exactly as received */
    size_t body_len;
    unsigned char *receipt; /* the signed Accepted receipt we answered with */
    size_t receipt_len;
    int64_t received_ms;
    bool acked; /* the intake pipeline acknowledged it */
    int64_t acked_ms;
};
void gw_inbox_msg_cleanup(struct gw_inbox_msg *m);

/* Whose a stored checkpoint is: this gateway's own (table checkpoints), or a peer's held as its witness
 * (table peer_checkpoints, docs/audit.md 7), good or contradicting the one held before it. */
enum gw_cp_held {
    GW_CP_OWN,       /* signed by this gateway: origin = its organisation */
    GW_CP_PEER,      /* a peer's, checked, extending the one held before (or the first) */
    GW_CP_PEER_FORK, /* a peer's, checked, contradicting the one held: evidence of a fork */
};

/* One stored signed checkpoint (docs/audit.md 6): the fields it states, read from the verified document,
 * and the document exactly as made or received. body is owned (free()); gw_checkpoint_row_cleanup frees. */
struct gw_checkpoint_row {
    enum gw_cp_held held;             /* which table; GW_CP_OWN (0) unless set */
    char origin[GW_REGNO_LEN + 1];    /* whose log: the signer's organisation */
    uint64_t tree_size;               /* entries the tree covers */
    char root[GW_SHA256_HEX_LEN + 1]; /* root hash, lowercase hex */
    char time[32];                    /* Timestamp as signed: "2025-03-01T10:20:30.123Z" */
    unsigned char *body;              /* the signed Checkpoint envelope */
    size_t body_len;
};
void gw_checkpoint_row_cleanup(struct gw_checkpoint_row *c);

/* One audit event. All strings borrowed; NULL is stored as "". time is set by the store. */
struct gw_audit_event {
    const char *event; /* "submitted", "received", "rejected", "delivery_attempt", "delivered", ... */
    const char *message_id;
    const char *peer;    /* registration number of the other side, or a client's subject */
    const char *outcome; /* "ok", "rejected", "error", "retry" ... */
    const char *reason;  /* GW_R_* code name or free detail */
    const char *sha256;  /* of the exact bytes the event concerns (64 lowercase hex), NULL or "" for none. The
                          * store sets it itself for a write that stores bytes (the body, receipt or notice it
                          * writes); given there, it must be their digest. */
};

/* An open store: opaque to callers, who reach it only through the gw_store_* calls below. The back ends
 * (gateway/store_sqlite.c) implement struct gw_store_ops of the private gateway/store_int.h. */
struct gw_store;

/*
 * The calls callers make. Each checks its arguments (below: "INTERNAL if"), then dispatches to the back end.
 * Writes return GW_OK only after the transaction holding them (and ev, if not NULL, appended to the audit log
 * in that same transaction) has committed durably; a failed write leaves nothing behind, its audit event
 * included. Every call can also fail with IO and NOMEM. INTERNAL marks a caller's mistake, refused before the
 * back end sees it. Outputs are set only on success.
 */

/* Insert a new outbox row. m->sha256 may be "" (the store computes it) or the digest of the body.
 * Reasons: DUPLICATE (id exists); INTERNAL if m->id is "", m->state is not a state, the body is NULL or
 * empty, or m->sha256 is not the body's digest. */
GW_MUST_CHECK enum gw_rc gw_store_put_outbox(struct gw_store *s, const struct gw_outbox_msg *m,
                                             const struct gw_audit_event *ev, struct gw_err *err);
/* OUT: *m (gw_outbox_msg_cleanup). Reasons: NOT_FOUND. */
GW_MUST_CHECK enum gw_rc gw_store_get_outbox(struct gw_store *s, const char *id, struct gw_outbox_msg *m,
                                             struct gw_err *err);
/* Rows in state QUEUED or DELIVERING with next_attempt_ms <= now_ms, for recipient (NULL: any), oldest
 * first, at most max. OUT: *list (array of *n rows; free each with gw_outbox_msg_cleanup, then free(list)). */
GW_MUST_CHECK enum gw_rc gw_store_due_outbox(struct gw_store *s, int64_t now_ms, const char *recipient, size_t max,
                                             struct gw_outbox_msg **list, size_t *n, struct gw_err *err);
/* Likewise, passing over the rows whose id is one of skip[0..n_skip) (skip may be NULL if n_skip is 0): they
 * do not count against max and are not read, only their index entries. */
GW_MUST_CHECK enum gw_rc gw_store_due_outbox_skip(struct gw_store *s, int64_t now_ms, const char *recipient,
                                                  const char *const *skip, size_t n_skip, size_t max,
                                                  struct gw_outbox_msg **list, size_t *n, struct gw_err *err);
/* OUT: *when_ms, the earliest next_attempt_ms of a QUEUED/DELIVERING row for recipient (NULL: any), or
 * INT64_MAX if there is none. */
GW_MUST_CHECK enum gw_rc gw_store_next_due(struct gw_store *s, const char *recipient, int64_t *when_ms,
                                           struct gw_err *err);
/* Likewise, of the rows with next_attempt_ms > after_ms only. */
GW_MUST_CHECK enum gw_rc gw_store_next_due_after(struct gw_store *s, const char *recipient, int64_t after_ms,
                                                 int64_t *when_ms, struct gw_err *err);
/* Set state, attempts, next_attempt_ms, last_error, delivered_ms and (if m->receipt != NULL) the receipt of
 * row m->id from m. Reasons: NOT_FOUND; INTERNAL if m->state is not a state. */
GW_MUST_CHECK enum gw_rc gw_store_update_outbox(struct gw_store *s, const struct gw_outbox_msg *m,
                                                const struct gw_audit_event *ev, struct gw_err *err);
/* Store the Delivered notification (len bytes, borrowed) for outbox row id. Reasons: NOT_FOUND; INTERNAL if
 * notice is NULL. */
GW_MUST_CHECK enum gw_rc gw_store_attach_notice(struct gw_store *s, const char *id, const unsigned char *notice,
                                                size_t len, const struct gw_audit_event *ev, struct gw_err *err);
/* Insert a received message (m->sha256 as for gw_store_put_outbox). MessageIds are unique per sender: if
 * m->sender already has a message m->id in the inbox, nothing is written, not even ev, and *existing is filled
 * with the stored row (gw_inbox_msg_cleanup) with *is_duplicate = true: the caller compares digests and audits
 * what it decides. The same id from another sender is another message. Reasons: INTERNAL if m->id or m->sender
 * is "", the body is NULL or empty, or m->sha256 is not the body's digest. */
GW_MUST_CHECK enum gw_rc gw_store_put_inbox(struct gw_store *s, const struct gw_inbox_msg *m,
                                            const struct gw_audit_event *ev, bool *is_duplicate,
                                            struct gw_inbox_msg *existing, struct gw_err *err);
/* The inbox message id of sender (NULL: of whichever sender used id, if only one did). OUT: *m
 * (gw_inbox_msg_cleanup). Reasons: NOT_FOUND; DUPLICATE if sender is NULL and several senders used id. */
GW_MUST_CHECK enum gw_rc gw_store_get_inbox(struct gw_store *s, const char *id, const char *sender,
                                            struct gw_inbox_msg *m, struct gw_err *err);
/* Rows with seq > after, ascending, at most max, without body and receipt. OUT: *list, *n (as for
 * gw_store_due_outbox, with gw_inbox_msg_cleanup). */
GW_MUST_CHECK enum gw_rc gw_store_list_inbox(struct gw_store *s, int64_t after, size_t max,
                                             struct gw_inbox_msg **list, size_t *n, struct gw_err *err);
/* Mark the inbox message id of sender acked and, in the same transaction, insert notice (may be NULL; checked
 * and stored as by gw_store_put_outbox, with notice_ev) into the outbox: the first ack of a message queues its
 * notification exactly once however many acks race. Idempotent: a repeated ack (*was_acked = true) writes
 * nothing, neither notice nor ev nor notice_ev. Reasons: NOT_FOUND; DUPLICATE (notice->id is in the outbox:
 * nothing written); INTERNAL if sender is NULL or "", or notice fails the checks of gw_store_put_outbox. */
GW_MUST_CHECK enum gw_rc gw_store_ack_inbox(struct gw_store *s, const char *id, const char *sender,
                                            const struct gw_outbox_msg *notice,
                                            const struct gw_audit_event *notice_ev,
                                            const struct gw_audit_event *ev, bool *was_acked, struct gw_err *err);
/* Keep a rejected message with the receipt we sent. body and receipt may be NULL (nothing parseable arrived,
 * no receipt); their lengths then count as 0. message_id, sender and reason come from a refused message: they
 * are cut to GW_AUDIT_MAX_FIELD bytes like audit fields (NULL is stored as ""). */
GW_MUST_CHECK enum gw_rc gw_store_put_rejected(struct gw_store *s, const char *message_id, const char *sender,
                                               const unsigned char *body, size_t body_len, const char *reason,
                                               const unsigned char *receipt, size_t receipt_len,
                                               const struct gw_audit_event *ev, struct gw_err *err);
/* An audit event on its own (verification failure without a stored message, a delivery attempt...).
 * Reasons: INTERNAL if ev is NULL. */
GW_MUST_CHECK enum gw_rc gw_store_audit(struct gw_store *s, const struct gw_audit_event *ev, struct gw_err *err);
/* Counts for /metrics, read in one snapshot. OUT: out_by_state (outbox rows per state, indexed by enum
 * gw_out_state), *inbox_unacked (inbox rows not acked). */
GW_MUST_CHECK enum gw_rc gw_store_counts(struct gw_store *s, uint64_t out_by_state[GW_OUT_STATE_COUNT],
                                         uint64_t *inbox_unacked, struct gw_err *err);

/* The head of the audit log's Merkle tree, read in one snapshot: its size (the number of entries) and its
 * root hash from the stored nodes (docs/audit.md 5). OUT: *size, root; untouched on failure.
 * Reasons: AUDIT_BROKEN (a node the size needs is missing: the tree was changed), IO, NOMEM. */
GW_MUST_CHECK enum gw_rc gw_store_tree_head(struct gw_store *s, uint64_t *size, unsigned char root[32],
                                            struct gw_err *err);
/* Keep checkpoint c (borrowed; its fields already checked against its body by the caller) in the table
 * c->held names and append ev (may be NULL) in the same transaction. Reasons: IO. */
GW_MUST_CHECK enum gw_rc gw_store_put_checkpoint(struct gw_store *s, const struct gw_checkpoint_row *c,
                                                 const struct gw_audit_event *ev, struct gw_err *err);
/* The checkpoint of origin stored last. OUT: *c (gw_checkpoint_row_cleanup) and *found; *c untouched when
 * none is stored or on failure. Reasons: IO, NOMEM. */
GW_MUST_CHECK enum gw_rc gw_store_latest_checkpoint(struct gw_store *s, const char *origin,
                                                    struct gw_checkpoint_row *c, bool *found, struct gw_err *err);
/* The checkpoint of peer held last: the newest good one (fork false) or the newest that contradicted it
 * (fork true). OUT: *c (gw_checkpoint_row_cleanup) and *found; *c untouched when none is held or on failure.
 * Reasons: IO, NOMEM. */
GW_MUST_CHECK enum gw_rc gw_store_latest_peer_checkpoint(struct gw_store *s, const char *peer, bool fork,
                                                         struct gw_checkpoint_row *c, bool *found,
                                                         struct gw_err *err);

/* Open (creating and migrating) the SQLite store at path. OUT: *out (gw_store_close()).
 * Reasons: IO, CONFIG (a newer schema version than this binary knows). */
GW_MUST_CHECK enum gw_rc gw_store_open_sqlite(const char *path, struct gw_store **out, struct gw_err *err);
void gw_store_close(struct gw_store *s);

/* Verify the hash chain of the audit log of the store at path (read-only). Prints nothing; on failure err
 * names the first bad entry (its seq in err->where) and why. Reasons: AUDIT_BROKEN, IO, CONFIG (newer schema).
 * OUT: *entries, the number of entries checked. */
GW_MUST_CHECK enum gw_rc gw_audit_verify_sqlite(const char *path, uint64_t *entries, struct gw_err *err);

/* As gw_audit_verify_sqlite, and on success also hand out the Merkle tree recomputed from the entries (of
 * *entries leaves), to check checkpoints against. OUT: *tree (gw_merkle_mem_free()); untouched on failure. */
struct gw_merkle_mem;
GW_MUST_CHECK enum gw_rc gw_audit_verify_sqlite_tree(const char *path, uint64_t *entries,
                                                     struct gw_merkle_mem **tree, struct gw_err *err);

/* Call fn for every checkpoint stored in the store at path (read-only), oldest first; rows borrowed for the
 * call. A store before schema version 5 has none. Reasons: IO, CONFIG (not a gateway store), NOMEM. */
typedef void (*gw_checkpoint_row_fn)(void *arg, const struct gw_checkpoint_row *c);

/* Called by gw_audit_tree_sqlite with the stored tree of the log (read-only nodes, size = audit_last_seq)
 * inside one read snapshot. */
struct gw_merkle_nodes;
typedef enum gw_rc (*gw_audit_tree_fn)(void *arg, const struct gw_merkle_nodes *nodes, uint64_t size,
                                       struct gw_err *err);
/* Open the store at path read-only (schema version 4 or later) and call fn with its stored tree; returns
 * what fn returns. Reasons: CONFIG (no tree: an older store), IO, and fn's. */
GW_MUST_CHECK enum gw_rc gw_audit_tree_sqlite(const char *path, gw_audit_tree_fn fn, void *arg,
                                              struct gw_err *err);
/* The seqs of the entries naming message_id (at most max, ascending) in the store at path. OUT: seqs[0..*n).
 * Reasons: IO, CONFIG. */
GW_MUST_CHECK enum gw_rc gw_audit_seqs_sqlite(const char *path, const char *message_id, int64_t *seqs, size_t max,
                                              size_t *n, struct gw_err *err);
GW_MUST_CHECK enum gw_rc gw_audit_checkpoints_sqlite(const char *path, gw_checkpoint_row_fn fn, void *arg,
                                                     struct gw_err *err);

/* Test and metrics hook: the number of transactions the SQLite store s has committed for write ops since
 * it was opened (migrations not counted). Group commit makes this lower than the number of writes under
 * concurrency. 0 if s is not an SQLite store. */
uint64_t gw_store_sqlite_commits(struct gw_store *s);

/* One audit entry as gw_audit_list_sqlite hands it out; strings borrowed for the callback only. */
struct gw_audit_entry;
typedef void (*gw_audit_entry_fn)(void *arg, const struct gw_audit_entry *e);

/* What gateway audit search selects; each NULL field matches everything. Strings borrowed. */
struct gw_audit_filter {
    const char *message_id; /* the entry's message_id */
    const char *event;      /* the entry's event ("received", "delivery_attempt" ...) */
    const char *outcome;    /* the entry's outcome */
    const char *type;       /* MessageType of the stored message the entry names (inbox or outbox) */
    const char *sender;     /* Sender of a received message the entry names, or the entry's peer */
    const char *recipient;  /* Recipient of a sent message the entry names */
    const char *from;       /* time >= from (entries' time format, or a prefix of it such as 2025-03-01) */
    const char *to;         /* time < to (same) */
};

/* Call fn for every entry of the store at path that matches f (borrowed), by seq ascending (no more than
 * max). Reasons: IO, CONFIG. */
GW_MUST_CHECK enum gw_rc gw_audit_search_sqlite(const char *path, const struct gw_audit_filter *f, uint64_t max,
                                                gw_audit_entry_fn fn, void *arg, struct gw_err *err);

/* Call fn for the last `last` audit entries (all if last is 0) of the store at path, by seq ascending,
 * read-only and without checking the chain. Reasons: IO, CONFIG (newer schema). */
GW_MUST_CHECK enum gw_rc gw_audit_list_sqlite(const char *path, uint64_t last, gw_audit_entry_fn fn, void *arg,
                                              struct gw_err *err);

#endif

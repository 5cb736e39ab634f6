/* SPDX-License-Identifier: MIT */
/*
 * Signed checkpoints of the audit log (docs/audit.md 6): a gateway's signed statement "my log has TreeSize
 * entries and its Merkle tree has root RootHash", made at a time, by an organisation. A checkpoint is an
 * Envelope of MessageType Checkpoint (schemas/checkpoint-v1.xsd) from the organisation to itself, signed and
 * verified by sign.c and verify.c with the profile of every message (DESIGN §3), so the certificate's
 * organizationIdentifier binds Origin. This module builds, reads and checks them, and decides when the next
 * is due; it neither stores them (store.c) nor runs a timer (checkpointer.c).
 */
#ifndef GW_CHECKPOINT_H
#define GW_CHECKPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gw/envelope.h"
#include "gw/err.h"
#include "gw/ids.h"
#include "gw/merkle.h"
#include "gw/pki.h"
#include "gw/schema.h"
#include "gw/sign.h"
#include "gw/store.h"
#include "gw/time.h"

#define GW_NS_CHECKPOINT "urn:lv:skola-kopiena:checkpoint:v1"

/* What a checkpoint states. Plain data. */
struct gw_checkpoint {
    char origin[GW_REGNO_LEN + 1];          /* whose log: Origin, = Sender = the signer's organisation */
    uint64_t tree_size;                     /* entries 1..tree_size, 0..GW_MERKLE_MAX_SIZE */
    unsigned char root[GW_MERKLE_HASH_LEN]; /* RootHash: MTH of those entries (docs/audit.md 5.1) */
    char time[GW_TIME_ISO_LEN + 1];         /* Timestamp: "2025-03-01T10:20:30.123Z" */
};

/*
 * Build the checkpoint of a tree of size leaves with root (borrowed) at time now_ms, from and to the
 * signer's organisation, and sign it. OUT: *out, *out_len (free()); untouched on failure.
 * Reasons: LIMIT_SIZE (size above GW_MERKLE_MAX_SIZE), every gw_signer_sign reason, NOMEM.
 */
GW_MUST_CHECK enum gw_rc gw_checkpoint_make(const struct gw_signer *signer, uint64_t size,
                                            const unsigned char root[GW_MERKLE_HASH_LEN], int64_t now_ms,
                                            unsigned char **out, size_t *out_len, struct gw_err *err);

/*
 * Read the fields of a checkpoint from env (borrowed: an envelope read from a document that the schema
 * validated; its signature is not looked at): MessageType Checkpoint, Origin equal to Sender and Recipient,
 * TreeSize decimal without leading zeros and at most GW_MERKLE_MAX_SIZE, RootHash 64 lowercase hex digits,
 * Timestamp in the form above. OUT: *out, untouched on failure. Reasons: CHECKPOINT_INVALID (rc GW_EINPUT).
 */
GW_MUST_CHECK enum gw_rc gw_checkpoint_read(const struct gw_envelope *env, struct gw_checkpoint *out,
                                            struct gw_err *err);

/*
 * Check the len bytes of a checkpoint (borrowed, hostile): at most GW_MAX_CHECKPOINT_BYTES, parsed with the
 * document limits, verified with the full policy (gw_verify_message against pki and schemas), then read as
 * gw_checkpoint_read does; if expected_origin is not NULL, Origin must be it. name is for messages ("CP.xml").
 * OUT: *out, untouched on failure. Reasons: LIMIT_SIZE, every gw_xml_parse and gw_verify_message reason,
 * CHECKPOINT_INVALID.
 */
GW_MUST_CHECK enum gw_rc gw_checkpoint_check(struct gw_pki *pki, const struct gw_schemas *schemas,
                                             const unsigned char *data, size_t len, const char *name,
                                             const char *expected_origin, struct gw_checkpoint *out,
                                             struct gw_err *err);

/* When the next own checkpoint is due (config.c: checkpoint_every_entries, checkpoint_every_seconds). */
struct gw_checkpoint_policy {
    uint64_t every_entries; /* 0: not by count */
    int64_t every_ms;       /* 0: not by time */
};

/* What the scheduler remembers between ticks: the last checkpoint written (or found at start). */
struct gw_checkpoint_state {
    bool loaded;        /* the last stored checkpoint was read from the store */
    uint64_t last_size; /* its tree size, 0 if none */
    int64_t last_ms;    /* when it was written or found, ms */
};

/*
 * One tick of the scheduler at time now_ms: on the first, read the latest stored checkpoint of the signer's
 * organisation into *state; then read the tree head and, if the log grew since the last checkpoint by at
 * least every_entries entries, or at all and every_ms have passed since the last one, make, sign and store a
 * checkpoint of it (in the store's table checkpoints). OUT: *written, whether one was. Reasons: those of
 * gw_store_tree_head, gw_checkpoint_make, gw_checkpoint_read, gw_store_put_checkpoint. On failure *state
 * keeps what it had, so the next tick tries again.
 */
GW_MUST_CHECK enum gw_rc gw_checkpoint_tick(struct gw_store *store, const struct gw_signer *signer,
                                            const struct gw_checkpoint_policy *policy,
                                            struct gw_checkpoint_state *state, int64_t now_ms, bool *written,
                                            struct gw_err *err);

#endif

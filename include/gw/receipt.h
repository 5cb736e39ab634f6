/* SPDX-License-Identifier: MIT */
/*
 * Signed receipts (DESIGN §2 Receipt, §5): the receiving gateway answers every exchanged message with a
 * Receipt envelope signed by its organisation (Accepted or Rejected with a reason code), and later sends a
 * Delivered notification once its intake pipeline acknowledged the message. Anyone holding a message and
 * its receipt can check one against the other offline.
 */
#ifndef GW_RECEIPT_H
#define GW_RECEIPT_H

#include <stddef.h>

#include "gw/err.h"
#include "gw/pki.h"
#include "gw/schema.h"
#include "gw/sign.h"
#include "gw/store.h"

#define GW_NS_RECEIPT "urn:lv:skola-kopiena:receipt:v1"

enum gw_receipt_status {
    GW_RECEIPT_ACCEPTED,
    GW_RECEIPT_REJECTED,
    GW_RECEIPT_DELIVERED,
};
const char *gw_receipt_status_name(enum gw_receipt_status s);

struct gw_receipt_info {
    char receipt_id[GW_UUID_LEN + 1];   /* MessageId of the receipt itself */
    char signer[GW_REGNO_LEN + 1];      /* who signed it (its Sender) */
    char message_id[GW_UUID_LEN + 1];   /* ReceivedMessageId */
    char digest[GW_SHA256_HEX_LEN + 1]; /* MessageDigest */
    enum gw_receipt_status status;
    char reason_code[64];  /* "" if none */
    char reason_text[512]; /* "" if none */
    char received[64];     /* Received timestamp as written */
};

/*
 * Make and sign a receipt from the signer's organisation to `to` about message_id (GW_NIL_UUID when the
 * message could not be identified) whose bytes hash to digest_hex. reason/reason_text only for
 * GW_RECEIPT_REJECTED (reason_text may be NULL). OUT: *out, *out_len (free()); receipt_id (may be NULL)
 * receives the receipt's own MessageId.
 */
GW_MUST_CHECK enum gw_rc gw_receipt_make(const struct gw_signer *signer, const char *to, const char *message_id,
                                         const char *digest_hex, enum gw_receipt_status status,
                                         enum gw_reason reason, const char *reason_text, unsigned char **out,
                                         size_t *out_len, char *receipt_id, struct gw_err *err);

/*
 * gw_receipt_make, with the latest checkpoint of the signer's organisation in store (borrowed) embedded in
 * the payload (docs/messages.md, docs/audit.md 7); none while the store holds none. Reasons: those of
 * gw_receipt_make and gw_store_latest_checkpoint.
 */
GW_MUST_CHECK enum gw_rc gw_receipt_make_witnessed(const struct gw_signer *signer, struct gw_store *store,
                                                   const char *to, const char *message_id, const char *digest_hex,
                                                   enum gw_receipt_status status, enum gw_reason reason,
                                                   const char *reason_text, unsigned char **out, size_t *out_len,
                                                   char *receipt_id, struct gw_err *err);

/*
 * Verify receipt bytes with the full policy and check them against a message: signed by expected_signer (the
 * message's Recipient), addressed to expected_recipient (the message's Sender), about message_id, carrying
 * message_digest_hex; each NULL: not checked. The header's InReplyTo must name the same message as the
 * payload's ReceivedMessageId. OUT: *info. Reasons: every gw_verify_message reason, RECEIPT_INVALID (not a
 * receipt, wrong signer, addressed to another organisation, InReplyTo and ReceivedMessageId differ, other
 * message, other digest).
 */
GW_MUST_CHECK enum gw_rc gw_receipt_check(struct gw_pki *pki, const struct gw_schemas *schemas,
                                          const unsigned char *receipt, size_t len, const char *expected_signer,
                                          const char *expected_recipient, const char *message_id,
                                          const char *message_digest_hex, struct gw_receipt_info *info,
                                          struct gw_err *err);

/*
 * gw_receipt_check, and the checkpoint the receipt carries, decoded from its base64 but not yet checked (it
 * is inside the receipt's signature; its own is checked by gw_witness_observe). OUT: *info; *checkpoint
 * (free(); NULL when the receipt carries none) and *checkpoint_len, untouched on failure. Reasons: those of
 * gw_receipt_check; RECEIPT_INVALID also for a Checkpoint that is not base64 of at most
 * GW_MAX_CHECKPOINT_BYTES.
 */
GW_MUST_CHECK enum gw_rc gw_receipt_check_witnessed(struct gw_pki *pki, const struct gw_schemas *schemas,
                                                    const unsigned char *receipt, size_t len,
                                                    const char *expected_signer, const char *expected_recipient,
                                                    const char *message_id, const char *message_digest_hex,
                                                    struct gw_receipt_info *info, unsigned char **checkpoint,
                                                    size_t *checkpoint_len, struct gw_err *err);

#endif

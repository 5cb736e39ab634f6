// SPDX-License-Identifier: MIT
/*
 * Receipts (DESIGN §2, §5): built as a Receipt envelope from escaped fields, parsed back through the one
 * parser, validated and signed like any message, so a receipt is held to the same profile as what it
 * acknowledges. Checking a receipt runs the full verification policy and then binds it to the message.
 */
#include "gw/receipt.h"

#include <openssl/evp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw/buf.h"
#include "gw/ids.h"
#include "gw/limits.h"
#include "gw/parse.h"
#include "gw/time.h"
#include "gw/verify.h"
#include "gw/xml.h"

static const char *const status_names[] = {"Accepted", "Rejected", "Delivered"};

const char *
gw_receipt_status_name(enum gw_receipt_status s)
{
    return (unsigned)s < 3 ? status_names[s] : "?";
}

/* Append s with the five XML special characters escaped. */
static enum gw_rc
append_escaped(struct gw_buf *b, const char *s, struct gw_err *err)
{
    enum gw_rc rc = GW_OK;

    for (; *s != '\0' && rc == GW_OK; s++) {
        switch (*s) {
        case '&':
            rc = gw_buf_append_str(b, "&amp;", err);
            break;
        case '<':
            rc = gw_buf_append_str(b, "&lt;", err);
            break;
        case '>':
            rc = gw_buf_append_str(b, "&gt;", err);
            break;
        case '"':
            rc = gw_buf_append_str(b, "&quot;", err);
            break;
        default:
            /* control characters other than tab and newline are not XML 1.0 text */
            rc = ((unsigned char)*s < 0x20 && *s != '\t' && *s != '\n') ? gw_buf_append_str(b, " ", err)
                                                                        : gw_buf_append(b, s, 1, err);
            break;
        }
    }
    return rc;
}

/* Append the base64 of the checkpoint cp[0..len) (the bytes exactly as signed) on one line. */
static enum gw_rc
append_base64(struct gw_buf *b, const unsigned char *cp, size_t len, struct gw_err *err)
{
    enum gw_rc rc = GW_EINTERNAL;
    unsigned char *text = NULL;
    int n;

    GW_CHECK(len > 0 && len <= GW_MAX_CHECKPOINT_BYTES, GW_EINTERNAL, GW_R_INTERNAL,
             "checkpoint of %zu bytes to embed", len);
    text = malloc((len + 2) / 3 * 4 + 1);
    GW_CHECK(text != NULL, GW_ENOMEM, GW_R_NOMEM, "checkpoint base64");
    n = EVP_EncodeBlock(text, cp, (int)len);
    GW_CHECK(n > 0, GW_ENOMEM, GW_R_NOMEM, "checkpoint base64");
    GW_TRY(gw_buf_append(b, text, (size_t)n, err));
    rc = GW_OK;
out:
    free(text);
    return rc;
}

/* gw_receipt_make, with the checkpoint cp[0..cp_len) (NULL: none) embedded. */
static enum gw_rc
make_receipt(const struct gw_signer *signer, const unsigned char *cp, size_t cp_len, const char *to,
             const char *message_id, const char *digest_hex, enum gw_receipt_status status, enum gw_reason reason,
             const char *reason_text, unsigned char **out, size_t *out_len, char *receipt_id, struct gw_err *err)
{
    enum gw_rc rc = GW_EINTERNAL;
    struct gw_buf b;
    char id[GW_UUID_LEN + 1];
    char now[64];
    xmlDoc *doc = NULL;
    struct gw_xml_limits lim;
    bool known = gw_ids_is_uuid(message_id);

    gw_buf_init(&b, 64 * 1024 + GW_MAX_CHECKPOINT_BYTES / 3 * 4 + 4);
    GW_CHECK(gw_ids_is_regno(to) && strlen(digest_hex) == GW_SHA256_HEX_LEN, GW_EINTERNAL, GW_R_INTERNAL,
             "receipt fields malformed");
    GW_TRY(gw_ids_new_uuid(id, err));
    gw_time_format_iso(gw_time_now_ms(), now);
    GW_TRY(gw_buf_printf(&b, err,
                         "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                         "<env:Envelope xmlns:env=\"" GW_NS_ENVELOPE "\">\n"
                         "  <env:Header>\n"
                         "    <env:MessageId>%s</env:MessageId>\n",
                         id));
    if (known && strcmp(message_id, GW_NIL_UUID) != 0) {
        GW_TRY(gw_buf_printf(&b, err, "    <env:InReplyTo>%s</env:InReplyTo>\n", message_id));
    }
    GW_TRY(gw_buf_printf(&b, err,
                         "    <env:Sender>%s</env:Sender>\n"
                         "    <env:Recipient>%s</env:Recipient>\n"
                         "    <env:MessageType>Receipt</env:MessageType>\n"
                         "    <env:Created>%s</env:Created>\n"
                         "    <env:Subject>%s: %s</env:Subject>\n"
                         "  </env:Header>\n"
                         "  <env:Body>\n"
                         "    <r:Receipt xmlns:r=\"" GW_NS_RECEIPT "\">\n"
                         "      <r:ReceivedMessageId>%s</r:ReceivedMessageId>\n"
                         "      <r:MessageDigest Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\">%s"
                         "</r:MessageDigest>\n"
                         "      <r:Status>%s</r:Status>\n",
                         gw_signer_regno(signer), to, now, gw_receipt_status_name(status),
                         known ? message_id : GW_NIL_UUID, known ? message_id : GW_NIL_UUID, digest_hex,
                         gw_receipt_status_name(status)));
    if (status == GW_RECEIPT_REJECTED) {
        GW_TRY(gw_buf_printf(&b, err, "      <r:ReasonCode>%s</r:ReasonCode>\n", gw_reason_code(reason)));
        GW_TRY(gw_buf_append_str(&b, "      <r:ReasonText>", err));
        {
            char text[500];
            snprintf(text, sizeof(text), "%s%s%s", gw_reason_text(reason), reason_text != NULL ? ": " : "",
                     reason_text != NULL ? reason_text : "");
            gw_utf8_repair(text);
            GW_TRY(append_escaped(&b, text, err));
        }
        GW_TRY(gw_buf_append_str(&b, "</r:ReasonText>\n", err));
    }
    GW_TRY(gw_buf_printf(&b, err, "      <r:Received>%s</r:Received>\n", now));
    if (cp != NULL) {
        /* base64, not the element: the checkpoint keeps its own enveloped signature over its exact bytes */
        GW_TRY(gw_buf_append_str(&b, "      <r:Checkpoint>", err));
        GW_TRY(append_base64(&b, cp, cp_len, err));
        GW_TRY(gw_buf_append_str(&b, "</r:Checkpoint>\n", err));
    }
    GW_TRY(gw_buf_append_str(&b,
                             "    </r:Receipt>\n"
                             "  </env:Body>\n"
                             "</env:Envelope>\n",
                             err));
    gw_xml_limits_default(&lim);
    GW_TRY(gw_xml_parse(b.data, b.len, "receipt", &lim, &doc, err));
    GW_TRY(gw_signer_sign(signer, doc, "receipt", err));
    GW_TRY(gw_xml_serialize(doc, out, out_len, err));
    if (receipt_id != NULL) {
        memcpy(receipt_id, id, sizeof(id));
    }
    rc = GW_OK;
out:
    xmlFreeDoc(doc);
    gw_buf_cleanup(&b);
    return rc;
}

enum gw_rc
gw_receipt_make(const struct gw_signer *signer, const char *to, const char *message_id, const char *digest_hex,
                enum gw_receipt_status status, enum gw_reason reason, const char *reason_text, unsigned char **out,
                size_t *out_len, char *receipt_id, struct gw_err *err)
{
    return make_receipt(signer, NULL, 0, to, message_id, digest_hex, status, reason, reason_text, out, out_len,
                        receipt_id, err);
}

enum gw_rc
gw_receipt_make_witnessed(const struct gw_signer *signer, struct gw_store *store, const char *to,
                          const char *message_id, const char *digest_hex, enum gw_receipt_status status,
                          enum gw_reason reason, const char *reason_text, unsigned char **out, size_t *out_len,
                          char *receipt_id, struct gw_err *err)
{
    enum gw_rc rc;
    struct gw_checkpoint_row row = {0};
    bool found = false;

    GW_TRY(gw_store_latest_checkpoint(store, gw_signer_regno(signer), &row, &found, err));
    GW_TRY(make_receipt(signer, found ? row.body : NULL, found ? row.body_len : 0, to, message_id, digest_hex,
                        status, reason, reason_text, out, out_len, receipt_id, err));
    rc = GW_OK;
out:
    gw_checkpoint_row_cleanup(&row);
    return rc;
}

/* The checkpoint embedded in payload (borrowed), decoded. OUT: *cp (free(); NULL when there is none),
 * *cp_len. Reasons: RECEIPT_INVALID (not base64, or larger than a checkpoint may be), NOMEM. */
static enum gw_rc
embedded_checkpoint(const xmlNode *payload, unsigned char **cp, size_t *cp_len, struct gw_err *err)
{
    enum gw_rc rc = GW_EPOLICY;
    char *text = NULL;
    unsigned char *bytes = NULL;
    size_t n = 0;
    size_t len = 0;

    *cp = NULL;
    *cp_len = 0;
    for (const xmlNode *c = gw_xml_first_elem(payload); c != NULL; c = gw_xml_next_elem(c)) {
        if (gw_xml_is(c, GW_NS_RECEIPT, "Checkpoint")) {
            text = gw_xml_text(c);
            GW_CHECK(text != NULL, GW_ENOMEM, GW_R_NOMEM, "checkpoint text");
            break;
        }
    }
    if (text == NULL) {
        rc = GW_OK;
        goto out;
    }
    n = strlen(text);
    /* the schema bounds the decoded length; this bounds the text before decoding it */
    GW_CHECK(n <= (size_t)GW_MAX_CHECKPOINT_BYTES / 3 * 4 + 4 + (size_t)GW_MAX_CHECKPOINT_BYTES / 16, GW_EPOLICY,
             GW_R_RECEIPT_INVALID, "embedded Checkpoint of %zu base64 characters", n);
    bytes = malloc(n / 4 * 3 + 1);
    GW_CHECK(bytes != NULL, GW_ENOMEM, GW_R_NOMEM, "checkpoint");
    GW_CHECK(gw_parse_base64(text, n, bytes, &len) == GW_OK && len > 0 && len <= GW_MAX_CHECKPOINT_BYTES,
             GW_EPOLICY, GW_R_RECEIPT_INVALID, "embedded Checkpoint is not the base64 of 1 to %u bytes",
             GW_MAX_CHECKPOINT_BYTES);
    *cp = bytes;
    *cp_len = len;
    bytes = NULL;
    rc = GW_OK;
out:
    free(bytes);
    free(text);
    return rc;
}

/* Copy the whole text of payload child `local` into dst (size n); "" if absent. */
static void
payload_field(const xmlNode *payload, const char *local, char *dst, size_t n)
{
    dst[0] = '\0';
    for (const xmlNode *c = gw_xml_first_elem(payload); c != NULL; c = gw_xml_next_elem(c)) {
        if (gw_xml_is(c, GW_NS_RECEIPT, local)) {
            char *t = gw_xml_text(c);
            if (t != NULL) {
                snprintf(dst, n, "%s", t);
                gw_utf8_repair(dst);
                free(t);
            }
            return;
        }
    }
}

enum gw_rc
gw_receipt_check(struct gw_pki *pki, const struct gw_schemas *schemas, const unsigned char *receipt, size_t len,
                 const char *expected_signer, const char *expected_recipient, const char *message_id,
                 const char *message_digest_hex, struct gw_receipt_info *info, struct gw_err *err)
{
    return gw_receipt_check_witnessed(pki, schemas, receipt, len, expected_signer, expected_recipient, message_id,
                                      message_digest_hex, info, NULL, NULL, err);
}

enum gw_rc
gw_receipt_check_witnessed(struct gw_pki *pki, const struct gw_schemas *schemas, const unsigned char *receipt,
                           size_t len, const char *expected_signer, const char *expected_recipient,
                           const char *message_id, const char *message_digest_hex, struct gw_receipt_info *info,
                           unsigned char **checkpoint, size_t *checkpoint_len, struct gw_err *err)
{
    enum gw_rc rc = GW_EPOLICY;
    unsigned char *cp = NULL;
    size_t cp_len = 0;
    xmlDoc *doc = NULL;
    struct gw_xml_limits lim;
    struct gw_verified v = {0};
    struct gw_receipt_info r = {0};
    char status[32];

    gw_xml_limits_default(&lim);
    GW_TRY(gw_xml_parse(receipt, len, "receipt", &lim, &doc, err));
    GW_TRY(gw_verify_message(pki, schemas, doc, "receipt", &v, err));
    GW_CHECK(v.env.type == GW_MSG_RECEIPT, GW_EPOLICY, GW_R_RECEIPT_INVALID, "the document is a %s, not a Receipt",
             gw_msg_type_name(v.env.type));
    memcpy(r.receipt_id, v.env.message_id, sizeof(r.receipt_id));
    memcpy(r.signer, v.env.sender, sizeof(r.signer));
    payload_field(v.env.payload, "ReceivedMessageId", r.message_id, sizeof(r.message_id));
    payload_field(v.env.payload, "MessageDigest", r.digest, sizeof(r.digest));
    payload_field(v.env.payload, "Status", status, sizeof(status));
    payload_field(v.env.payload, "ReasonCode", r.reason_code, sizeof(r.reason_code));
    payload_field(v.env.payload, "ReasonText", r.reason_text, sizeof(r.reason_text));
    payload_field(v.env.payload, "Received", r.received, sizeof(r.received));
    if (strcmp(status, "Accepted") == 0) {
        r.status = GW_RECEIPT_ACCEPTED;
    } else if (strcmp(status, "Rejected") == 0) {
        r.status = GW_RECEIPT_REJECTED;
    } else {
        GW_CHECK(strcmp(status, "Delivered") == 0, GW_EPOLICY, GW_R_RECEIPT_INVALID, "unknown Status '%s'",
                 status);
        r.status = GW_RECEIPT_DELIVERED;
    }
    GW_CHECK(expected_signer == NULL || strcmp(r.signer, expected_signer) == 0, GW_EPOLICY, GW_R_RECEIPT_INVALID,
             "receipt is signed by %s, not by the recipient %s", r.signer, expected_signer);
    /* a receipt speaks to the message's sender: one addressed to a third organisation that delivered a copy
     * is that organisation's, not a verdict the sender can hold against the recipient */
    GW_CHECK(expected_recipient == NULL || strcmp(v.env.recipient, expected_recipient) == 0, GW_EPOLICY,
             GW_R_RECEIPT_INVALID, "receipt is addressed to %s, not to the message's sender %s", v.env.recipient,
             expected_recipient);
    GW_CHECK(strcmp(v.env.in_reply_to, r.message_id) == 0 ||
                 (v.env.in_reply_to[0] == '\0' && strcmp(r.message_id, GW_NIL_UUID) == 0),
             GW_EPOLICY, GW_R_RECEIPT_INVALID, "receipt's InReplyTo %s is not its ReceivedMessageId %s",
             v.env.in_reply_to[0] != '\0' ? v.env.in_reply_to : "(none)", r.message_id);
    GW_CHECK(message_id == NULL || strcmp(r.message_id, message_id) == 0, GW_EPOLICY, GW_R_RECEIPT_INVALID,
             "receipt is about message %s, not %s", r.message_id, message_id);
    GW_CHECK(message_digest_hex == NULL || strcmp(r.digest, message_digest_hex) == 0, GW_EPOLICY,
             GW_R_RECEIPT_INVALID, "receipt digest %s is not the SHA-256 of the message (%s)", r.digest,
             message_digest_hex);
    if (checkpoint != NULL) {
        GW_TRY(embedded_checkpoint(v.env.payload, &cp, &cp_len, err));
        *checkpoint = cp;
        *checkpoint_len = cp_len;
        cp = NULL;
    }
    *info = r;
    rc = GW_OK;
out:
    free(cp);
    gw_verified_cleanup(&v);
    xmlFreeDoc(doc);
    return rc;
}

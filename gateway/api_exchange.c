// SPDX-License-Identifier: MIT
/*
 * Exchange, gateway to gateway (DESIGN §5 POST /v1/exchange, §3 identity binding, §6 exactly-once inbox).
 * Every answer is a receipt signed by this organisation: 200 with Accepted only after the message and its
 * receipt are committed; 4xx with Rejected and a reason code otherwise, the rejected bytes kept for the
 * audit trail. The same MessageId with the same bytes gets the stored receipt again; with other bytes it
 * is rejected. A Delivered notification about a message we sent is attached to our outbox entry.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw/api.h"
#include "gw/config.h"
#include "gw/daemon.h"
#include "gw/deliver.h"
#include "gw/log.h"
#include "gw/metrics.h"
#include "gw/receipt.h"
#include "gw/store.h"
#include "gw/time.h"
#include "gw/verify.h"
#include "gw/xml.h"

/* Reply with a signed Rejected receipt and keep what arrived. Best-effort message id for the receipt.
 * *err holds the verdict; if it cannot be recorded and answered, *err is replaced by the reason why. */
static enum gw_rc
reject(struct gw_call *c, const char *message_id, const char *digest, struct gw_err *err)
{
    struct gw_daemon *d = c->d;
    const struct gw_err verdict = *err;
    const struct gw_err *why = &verdict;
    enum gw_rc rc = GW_OK;
    unsigned char *receipt = NULL;
    size_t receipt_len = 0;
    int status = gw_reason_http_status(why->reason);
    struct gw_audit_event ev = {.event = "rejected",
                                .message_id = message_id,
                                .peer = c->client_regno,
                                .outcome = "rejected",
                                .reason = gw_reason_code(why->reason),
                                /* the body kept with the entry; none if nothing arrived */
                                .sha256 = c->body != NULL && c->body_len > 0 ? digest : NULL};

    if (status < 400 || status >= 500) {
        status = 400; /* the sender's fault as far as it can tell; never a 5xx for a verdict */
    }
    gw_err_clear(err);
    gw_metrics_rejection(d->metrics, why->reason);
    gw_log(GW_LOG_INFO, "exchange from %s rejected: %s [%s]", c->client_regno, why->msg,
           gw_reason_code(why->reason));
    if (gw_receipt_make_witnessed(d->signer, d->store, c->client_regno, message_id, digest, GW_RECEIPT_REJECTED,
                                  why->reason, why->msg, &receipt, &receipt_len, NULL, err) != GW_OK) {
        /* a detail text that cannot go into a receipt must not cost the sender its verdict: the reason code
         * and its fixed text still make a signed Rejected receipt */
        gw_log_err(GW_LOG_WARN, "rejection detail left out of the receipt", err);
        gw_err_clear(err);
        free(receipt);
        receipt = NULL;
        if (gw_receipt_make(d->signer, c->client_regno, message_id, digest, GW_RECEIPT_REJECTED, why->reason, NULL,
                            &receipt, &receipt_len, NULL, err) != GW_OK) {
            gw_log_err(GW_LOG_ERROR, "cannot record a rejection", err);
            rc = err->rc;
            goto out;
        }
    }
    if (gw_store_put_rejected(d->store, message_id, c->client_regno, c->body, c->body_len,
                              gw_reason_code(why->reason), receipt, receipt_len, &ev, err) != GW_OK) {
        gw_log_err(GW_LOG_ERROR, "cannot record a rejection", err);
        rc = err->rc;
    } else {
        gw_reply(c, status, "application/xml", receipt, receipt_len);
    }
out:
    free(receipt);
    return rc;
}

/* A Delivered notification (a Receipt about a message we sent) is attached to that outbox entry. */
static enum gw_rc
take_notification(struct gw_call *c, const struct gw_verified *v, const char *digest, struct gw_err *err)
{
    enum gw_rc rc;
    struct gw_daemon *d = c->d;
    struct gw_outbox_msg m = {0};
    struct gw_receipt_info info;
    unsigned char *cp = NULL; /* the peer's checkpoint the notification carries */
    size_t cp_len = 0;
    struct gw_audit_event ev = {
        .event = "notification", .peer = c->client_regno, .outcome = "ok", .sha256 = digest}; /* of the notice */

    GW_CHECK(v->env.in_reply_to[0] != '\0', GW_EPOLICY, GW_R_RECEIPT_INVALID, "a Receipt must name InReplyTo");
    GW_TRY(gw_store_get_outbox(d->store, v->env.in_reply_to, &m, err));
    /* signed by the recipient of our message, about it, with its digest: the same checks as any receipt */
    GW_TRY(gw_receipt_check_witnessed(d->pki, d->schemas, c->body, c->body_len, m.recipient, d->cfg.organisation,
                                      m.id, m.sha256, &info, &cp, &cp_len, err));
    GW_CHECK(info.status == GW_RECEIPT_DELIVERED, GW_EPOLICY, GW_R_RECEIPT_INVALID,
             "only Delivered notifications are exchanged on their own (got %s)",
             gw_receipt_status_name(info.status));
    ev.message_id = m.id;
    GW_TRY(gw_store_attach_notice(d->store, m.id, c->body, c->body_len, &ev, err));
    /* never changes the answer; a larger checkpoint waits for the peer's next receipt to the deliverer */
    gw_deliverer_witness(d->deliverer, m.recipient, m.id, cp, cp_len, false);
    rc = GW_OK;
out:
    free(cp);
    gw_outbox_msg_cleanup(&m);
    return rc;
}

/* An exact repeat of a message in the inbox: audit it and answer with the receipt stored for it. */
static void
send_stored_receipt(struct gw_call *c, enum gw_msg_type type, const struct gw_inbox_msg *existing)
{
    struct gw_err err;
    struct gw_audit_event ev = {.event = "duplicate",
                                .message_id = existing->id,
                                .peer = c->client_regno,
                                .outcome = "same receipt",
                                .sha256 = existing->sha256}; /* the same bytes as the stored message */

    gw_err_clear(&err);
    if (gw_store_audit(c->d->store, &ev, &err) != GW_OK) {
        gw_log_err(GW_LOG_WARN, "audit of a duplicate", &err);
    }
    gw_metrics_message(c->d->metrics, type, GW_OUTCOME_DUPLICATE);
    gw_reply(c, 200, "application/xml", existing->receipt, existing->receipt_len);
}

/* docs/api.md 3.4 step 6: is v the same message (same MessageId, same SHA-256 of the bytes) as one already in
 * the inbox? Then its stored receipt goes out again and *answered is true. This runs before the checks that
 * depend on the current time (the Created window): a sender that lost our answer must get the same receipt
 * when it redelivers after the window, not a Rejected one for a message we hold. Anything else (no such
 * message, other bytes under that id) is left to the checks that follow. Reasons: IO, NOMEM. */
static enum gw_rc
answer_repeat(struct gw_call *c, const struct gw_verified *v, const char *digest, bool *answered,
              struct gw_err *err)
{
    enum gw_rc rc;
    struct gw_inbox_msg existing = {0};

    *answered = false;
    rc = gw_store_get_inbox(c->d->store, v->env.message_id, v->env.sender, &existing, err);
    if (rc != GW_OK && err->reason == GW_R_NOT_FOUND) {
        gw_err_clear(err);
        rc = GW_OK;
    } else if (rc == GW_OK && strcmp(existing.sha256, digest) == 0 && existing.receipt != NULL) {
        send_stored_receipt(c, v->env.type, &existing);
        *answered = true;
    }
    gw_inbox_msg_cleanup(&existing);
    return rc;
}

enum gw_rc
gw_api_exchange(struct gw_call *c, struct gw_err *err)
{
    enum gw_rc rc;
    struct gw_daemon *d = c->d;
    char digest[GW_SHA256_HEX_LEN + 1];
    char message_id[GW_UUID_LEN + 1] = GW_NIL_UUID;
    xmlDoc *doc = NULL;
    struct gw_xml_limits lim;
    struct gw_verified v = {0};
    struct gw_inbox_msg in = {0};
    struct gw_inbox_msg existing = {0};
    bool dup = false;
    bool repeat = false;
    struct gw_audit_event ev = {.event = "received", .peer = c->client_regno, .outcome = "accepted"};

    gw_ids_hash_sha256(c->body != NULL ? c->body : (const unsigned char *)"", c->body_len, digest);
    gw_xml_limits_default(&lim);
    lim.max_bytes = d->cfg.max_body;
    GW_CHECK(c->body_len > 0, GW_EINPUT, GW_R_HTTP_BAD_REQUEST, "empty body; POST a signed envelope");
    GW_CHECK(gw_call_is_xml(c), GW_EINPUT, GW_R_HTTP_UNSUPPORTED_TYPE, "Content-Type must be application/xml");
    GW_TRY(gw_xml_parse(c->body, c->body_len, "message", &lim, &doc, err));
    {
        /* XAdES B-T (DESIGN §3): with tsa_trust configured, a signature timestamp must check out */
        const struct gw_verify_opts opts = {.tsa_store = d->tsa_store, .at_signing_time = false};
        rc = gw_verify_message_opts(d->pki, d->schemas, doc, "message", &opts, &v, err);
    }
    if (rc != GW_OK) {
        /* name the message in the receipt if its header can be read at all; it identifies, it proves nothing */
        struct gw_envelope unverified = {0};
        struct gw_err ignored;
        gw_err_clear(&ignored);
        if (gw_envelope_read(doc, "message", &unverified, &ignored) == GW_OK) {
            memcpy(message_id, unverified.message_id, sizeof(message_id));
        }
        gw_envelope_cleanup(&unverified);
        goto out;
    }
    memcpy(message_id, v.env.message_id, sizeof(message_id));
    /* DESIGN §3: the TLS client certificate of the delivering gateway must name the Sender */
    GW_CHECK(strcmp(v.env.sender, c->client_regno) == 0, GW_EPOLICY, GW_R_TLS_IDENTITY,
             "delivered by organisation %s on behalf of Sender %s", c->client_regno, v.env.sender);
    GW_CHECK(strcmp(v.env.recipient, d->cfg.organisation) == 0, GW_EPOLICY, GW_R_WRONG_RECIPIENT,
             "Recipient %s is not this gateway's organisation %s", v.env.recipient, d->cfg.organisation);
    GW_CHECK(gw_config_allows(&d->cfg, v.env.sender, v.env.recipient, v.env.type), GW_EPOLICY, GW_R_NOT_PERMITTED,
             "%s may not send %s to %s", v.env.sender, gw_msg_type_name(v.env.type), v.env.recipient);
    if (v.env.type != GW_MSG_RECEIPT) {
        GW_TRY(answer_repeat(c, &v, digest, &repeat, err));
        if (repeat) {
            goto out;
        }
    }
    GW_TRY(gw_config_check_created(&d->cfg, v.env.created, err));

    if (v.env.type == GW_MSG_RECEIPT) {
        unsigned char *receipt = NULL;
        size_t receipt_len = 0;
        GW_TRY(take_notification(c, &v, digest, err));
        GW_TRY(gw_receipt_make_witnessed(d->signer, d->store, v.env.sender, v.env.message_id, digest,
                                         GW_RECEIPT_ACCEPTED, GW_R_OK, NULL, &receipt, &receipt_len, NULL, err));
        gw_metrics_message(d->metrics, v.env.type, GW_OUTCOME_ACCEPTED);
        gw_reply(c, 200, "application/xml", receipt, receipt_len);
        free(receipt);
        goto out;
    }

    memcpy(in.id, v.env.message_id, sizeof(in.id));
    memcpy(in.sender, v.env.sender, sizeof(in.sender));
    snprintf(in.type, sizeof(in.type), "%s", gw_msg_type_name(v.env.type));
    memcpy(in.sha256, digest, sizeof(in.sha256));
    in.body = (unsigned char *)(uintptr_t)c->body; /* borrowed for the call; not freed below */
    in.body_len = c->body_len;
    in.received_ms = gw_time_now_ms();
    GW_TRY(gw_receipt_make_witnessed(d->signer, d->store, v.env.sender, v.env.message_id, digest,
                                     GW_RECEIPT_ACCEPTED, GW_R_OK, NULL, &in.receipt, &in.receipt_len, NULL, err));
    ev.message_id = in.id;
    ev.sha256 = in.sha256; /* the message exactly as received and stored */
    /* committed (with its receipt and audit entry) before the receipt goes back */
    GW_TRY(gw_store_put_inbox(d->store, &in, &ev, &dup, &existing, err));
    if (dup) {
        /* another delivery of the same message committed after answer_repeat looked */
        GW_CHECK(strcmp(existing.sha256, digest) == 0, GW_EPOLICY, GW_R_REPLAY_CONFLICT,
                 "message %s was already received with other content", in.id);
        send_stored_receipt(c, v.env.type, &existing);
    } else {
        gw_metrics_message(d->metrics, v.env.type, GW_OUTCOME_ACCEPTED);
        gw_reply(c, 200, "application/xml", in.receipt, in.receipt_len);
    }
    rc = GW_OK;
out:
    if (rc != GW_OK) {
        if (err->rc == GW_EIO || err->rc == GW_ENOMEM || err->rc == GW_EINTERNAL || err->rc == GW_ECRYPTO) {
            /* ours, not the sender's: returned, answered 503 (the route's), and the sender retries */
            gw_log_err(GW_LOG_ERROR, "exchange failed", err);
        } else {
            if (v.env.payload != NULL) {
                gw_metrics_message(d->metrics, v.env.type, GW_OUTCOME_REJECTED);
            }
            rc = reject(c, message_id, digest, err);
        }
    }
    in.body = NULL;
    gw_inbox_msg_cleanup(&in);
    gw_inbox_msg_cleanup(&existing);
    gw_verified_cleanup(&v);
    xmlFreeDoc(doc);
    return rc;
}

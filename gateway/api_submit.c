// SPDX-License-Identifier: MIT
/*
 * Submission (DESIGN §5): POST /v1/messages from the organisation's own systems, and the status of what
 * they submitted. An unsigned envelope is parsed once, validated, checked against the routing rules,
 * signed with the organisation's key and committed to the outbox; 202 goes back only after the commit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw/api.h"
#include "gw/buf.h"
#include "gw/config.h"
#include "gw/daemon.h"
#include "gw/deliver.h"
#include "gw/envelope.h"
#include "gw/log.h"
#include "gw/metrics.h"
#include "gw/receipt.h"
#include "gw/schema.h"
#include "gw/sign.h"
#include "gw/store.h"
#include "gw/time.h"
#include "gw/xml.h"

enum gw_rc
gw_api_submit(struct gw_call *c, struct gw_err *err)
{
    enum gw_rc rc;
    struct gw_daemon *d = c->d;
    xmlDoc *doc = NULL;
    struct gw_xml_limits lim;
    struct gw_envelope env = {0};
    struct gw_outbox_msg m = {0};
    char location[128];
    struct gw_buf reply;
    struct gw_audit_event ev = {.event = "submitted", .peer = c->client_cn, .outcome = "ok"};

    gw_buf_init(&reply, 1024);
    gw_xml_limits_default(&lim);
    lim.max_bytes = d->cfg.max_body;
    GW_CHECK(c->body_len > 0, GW_EINPUT, GW_R_HTTP_BAD_REQUEST, "empty body; POST an unsigned envelope");
    GW_CHECK(gw_call_is_xml(c), GW_EINPUT, GW_R_HTTP_UNSUPPORTED_TYPE, "Content-Type must be application/xml");
    GW_TRY(gw_xml_parse(c->body, c->body_len, "request body", &lim, &doc, err));
    GW_TRY(gw_schemas_validate(d->schemas, doc, "request body", NULL, NULL, err));
    GW_TRY(gw_envelope_read(doc, "request body", &env, err));
    /* DESIGN §3 identity binding starts here: we sign only our own organisation's messages */
    GW_CHECK(strcmp(env.sender, d->cfg.organisation) == 0, GW_EPOLICY, GW_R_SENDER_MISMATCH,
             "Sender %s is not this gateway's organisation %s", env.sender, d->cfg.organisation);
    GW_CHECK(gw_config_peer(&d->cfg, env.recipient) != NULL, GW_EPOLICY, GW_R_UNKNOWN_PEER,
             "no peer gateway is configured for Recipient %s", env.recipient);
    /* a Receipt states what this gateway verified and stored: it is made only by gw_receipt_make (exchange,
     * intake acknowledgement), never signed on an own system's word, which could claim any message,
     * digest, status or time */
    GW_CHECK(env.type != GW_MSG_RECEIPT, GW_EPOLICY, GW_R_NOT_PERMITTED,
             "receipts are made by the gateway only; a Receipt cannot be submitted");
    GW_CHECK(gw_config_allows(&d->cfg, env.sender, env.recipient, env.type), GW_EPOLICY, GW_R_NOT_PERMITTED,
             "%s may not send %s to %s", env.sender, gw_msg_type_name(env.type), env.recipient);
    /* the recipient would refuse it: say so now rather than after the retries */
    GW_TRY(gw_config_check_created(&d->cfg, env.created, err));
    GW_TRY(gw_signer_sign(d->signer, doc, "request body", err));
    memcpy(m.id, env.message_id, sizeof(m.id));
    memcpy(m.in_reply_to, env.in_reply_to, sizeof(m.in_reply_to));
    memcpy(m.recipient, env.recipient, sizeof(m.recipient));
    snprintf(m.type, sizeof(m.type), "%s", gw_msg_type_name(env.type));
    GW_TRY(gw_xml_serialize(doc, &m.body, &m.body_len, err));
    gw_ids_hash_sha256(m.body, m.body_len, m.sha256);
    m.state = GW_OUT_QUEUED;
    m.created_ms = gw_time_now_ms();
    m.next_attempt_ms = m.created_ms;
    ev.message_id = m.id;
    ev.sha256 = m.sha256; /* the signed message as stored and sent */
    GW_TRY(gw_store_put_outbox(d->store, &m, &ev, err));
    gw_metrics_message(d->metrics, env.type, GW_OUTCOME_SUBMITTED);
    gw_deliverer_wake(d->deliverer);
    snprintf(location, sizeof(location), "/v1/messages/%s", m.id);
    GW_TRY(
        gw_buf_printf(&reply, err, "{\"id\":\"%s\",\"state\":\"queued\",\"location\":\"%s\"}\n", m.id, location));
    gw_reply_header(c, "Location", location);
    gw_reply(c, 202, "application/json", reply.data, reply.len);
    rc = GW_OK;
out:
    if (rc != GW_OK) {
        gw_metrics_rejection(d->metrics, err->reason);
        gw_log(GW_LOG_INFO, "submission from %s refused: %s [%s]", c->client_cn, err->msg,
               gw_reason_code(err->reason));
        if (err->reason == GW_R_DUPLICATE) {
            snprintf(location, sizeof(location), "/v1/messages/%s", m.id);
            gw_reply_header(c, "Location", location);
        }
    }
    gw_buf_cleanup(&reply);
    gw_outbox_msg_cleanup(&m);
    gw_envelope_cleanup(&env);
    xmlFreeDoc(doc);
    return rc;
}

/* Append a JSON member "name": value-or-null for an optional document. */
static enum gw_rc
append_doc_link(struct gw_buf *b, const char *name, const char *id, const unsigned char *doc, const char *what,
                struct gw_err *err)
{
    if (doc == NULL) {
        return gw_buf_printf(b, err, ",\"%s\":null", name);
    }
    return gw_buf_printf(b, err, ",\"%s\":\"/v1/messages/%s/%s\"", name, id, what);
}

enum gw_rc
gw_api_message_status(struct gw_call *c, struct gw_err *err)
{
    enum gw_rc rc;
    const char *id = c->id;
    const char *what = c->sub;
    struct gw_outbox_msg m = {0};
    struct gw_buf b;

    gw_buf_init(&b, 8192);
    GW_CHECK(gw_ids_is_uuid(id), GW_EINPUT, GW_R_NOT_FOUND, "'%s' is not a message id", id);
    GW_TRY(gw_store_get_outbox(c->d->store, id, &m, err));
    if (strcmp(what, "receipt") == 0) {
        GW_CHECK(m.receipt != NULL, GW_EINPUT, GW_R_NOT_FOUND, "no receipt yet for %s", id);
        gw_reply(c, 200, "application/xml", m.receipt, m.receipt_len);
    } else if (strcmp(what, "notification") == 0) {
        GW_CHECK(m.notice != NULL, GW_EINPUT, GW_R_NOT_FOUND, "no Delivered notification yet for %s", id);
        gw_reply(c, 200, "application/xml", m.notice, m.notice_len);
    } else if (strcmp(what, "message") == 0) {
        gw_reply(c, 200, "application/xml", m.body, m.body_len);
    } else {
        GW_CHECK(what[0] == '\0', GW_EINPUT, GW_R_NOT_FOUND, "no such resource '%s'", what);
        GW_TRY(
            gw_buf_printf(&b, err,
                          "{\"id\":\"%s\",\"type\":\"%s\",\"recipient\":\"%s\",\"state\":\"%s\",\"attempts\":%u,"
                          "\"created_ms\":%lld,\"delivered_ms\":%lld,\"sha256\":\"%s\",\"last_error\":",
                          m.id, m.type, m.recipient, gw_out_state_name(m.state), (unsigned)m.attempts,
                          (long long)m.created_ms, (long long)m.delivered_ms, m.sha256));
        GW_TRY(gw_buf_append_json(&b, m.last_error, err));
        GW_TRY(append_doc_link(&b, "receipt", m.id, m.receipt, "receipt", err));
        GW_TRY(append_doc_link(&b, "delivered_notification", m.id, m.notice, "notification", err));
        GW_TRY(gw_buf_append_str(&b, "}\n", err));
        gw_reply(c, 200, "application/json", b.data, b.len);
    }
    rc = GW_OK;
out:
    gw_buf_cleanup(&b);
    gw_outbox_msg_cleanup(&m);
    return rc;
}

// SPDX-License-Identifier: MIT
/*
 * Intake (DESIGN §5): the organisation's pipeline pages through received messages, fetches each exactly
 * as it was received (signature included), and acknowledges it. The first acknowledgement queues a signed
 * Delivered notification back to the sender, so the sender can show its message reached our systems.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw/api.h"
#include "gw/buf.h"
#include "gw/daemon.h"
#include "gw/deliver.h"
#include "gw/limits.h"
#include "gw/log.h"
#include "gw/parse.h"
#include "gw/receipt.h"
#include "gw/store.h"
#include "gw/time.h"

enum gw_rc
gw_api_inbox_list(struct gw_call *c, struct gw_err *err)
{
    enum gw_rc rc;
    struct gw_inbox_msg *list = NULL;
    size_t n = 0;
    uint64_t after = 0;
    uint64_t limit = GW_INBOX_PAGE_DEFAULT;
    char v[32];
    bool found = false;
    struct gw_buf b;
    int64_t last = 0;

    gw_buf_init(&b, GW_MAX_INBOX_REPLY_BYTES);
    GW_TRY(gw_parse_query_param(c->query, strlen(c->query), "after", v, sizeof(v), &found, err));
    if (found) {
        GW_CHECK(gw_parse_u64(v, 0, INT64_MAX, &after) == GW_OK, GW_EINPUT, GW_R_HTTP_BAD_REQUEST,
                 "after=%s is not a sequence number", v);
    }
    GW_TRY(gw_parse_query_param(c->query, strlen(c->query), "limit", v, sizeof(v), &found, err));
    if (found) {
        GW_CHECK(gw_parse_u64(v, 1, GW_MAX_INBOX_PAGE, &limit) == GW_OK, GW_EINPUT, GW_R_HTTP_BAD_REQUEST,
                 "limit=%s is not in 1..%d", v, GW_MAX_INBOX_PAGE);
    }
    GW_TRY(gw_store_list_inbox(c->d->store, (int64_t)after, (size_t)limit, &list, &n, err));
    last = (int64_t)after;
    GW_TRY(gw_buf_append_str(&b, "{\"messages\":[", err));
    for (size_t i = 0; i < n; i++) {
        GW_TRY(gw_buf_printf(&b, err,
                             "%s{\"seq\":%lld,\"id\":\"%s\",\"sender\":\"%s\",\"type\":\"%s\",\"sha256\":\"%s\","
                             "\"received_ms\":%lld,\"acked\":%s,\"href\":\"/v1/inbox/%s?sender=%s\"}",
                             i > 0 ? "," : "", (long long)list[i].seq, list[i].id, list[i].sender, list[i].type,
                             list[i].sha256, (long long)list[i].received_ms, list[i].acked ? "true" : "false",
                             list[i].id, list[i].sender));
        last = list[i].seq;
    }
    GW_TRY(gw_buf_printf(&b, err, "],\"next_after\":%lld}\n", (long long)last));
    gw_reply(c, 200, "application/json", b.data, b.len);
    rc = GW_OK;
out:
    for (size_t i = 0; i < n; i++) {
        gw_inbox_msg_cleanup(&list[i]);
    }
    free(list);
    gw_buf_cleanup(&b);
    return rc;
}

/* DESIGN §6: MessageIds are unique per sender. OUT: *sender, the ?sender= of the request (in buf), or NULL
 * when it has none (then the id must be unambiguous). Reasons: those of gw_parse_query_param, and
 * HTTP_BAD_REQUEST (not a registration number). */
static enum gw_rc
sender_param(const struct gw_call *c, char buf[GW_REGNO_LEN + 1], const char **sender, struct gw_err *err)
{
    enum gw_rc rc;
    bool found = false;

    *sender = NULL;
    GW_TRY(gw_parse_query_param(c->query, strlen(c->query), "sender", buf, GW_REGNO_LEN + 1, &found, err));
    if (found) {
        GW_CHECK(gw_ids_is_regno(buf), GW_EINPUT, GW_R_HTTP_BAD_REQUEST, "sender=%s is not a registration number",
                 buf);
        *sender = buf;
    }
    rc = GW_OK;
out:
    return rc;
}

enum gw_rc
gw_api_inbox_get(struct gw_call *c, struct gw_err *err)
{
    enum gw_rc rc;
    const char *id = c->id;
    struct gw_inbox_msg m = {0};
    char sbuf[GW_REGNO_LEN + 1];
    const char *sender = NULL;

    GW_CHECK(gw_ids_is_uuid(id), GW_EINPUT, GW_R_NOT_FOUND, "'%s' is not a message id", id);
    GW_TRY(sender_param(c, sbuf, &sender, err));
    GW_TRY(gw_store_get_inbox(c->d->store, id, sender, &m, err));
    gw_reply(c, 200, "application/xml", m.body, m.body_len);
    rc = GW_OK;
out:
    gw_inbox_msg_cleanup(&m);
    return rc;
}

enum gw_rc
gw_api_inbox_ack(struct gw_call *c, struct gw_err *err)
{
    enum gw_rc rc;
    const char *id = c->id;
    struct gw_daemon *d = c->d;
    struct gw_inbox_msg m = {0};
    struct gw_outbox_msg notice = {0};
    bool was_acked = false;
    char sbuf[GW_REGNO_LEN + 1];
    const char *sender = NULL;
    struct gw_audit_event nev = {.event = "notification_queued", .peer = NULL, .outcome = "ok"};
    struct gw_audit_event aev = {.event = "acked", .peer = c->client_cn, .outcome = "ok"};

    GW_CHECK(gw_ids_is_uuid(id), GW_EINPUT, GW_R_NOT_FOUND, "'%s' is not a message id", id);
    GW_TRY(sender_param(c, sbuf, &sender, err));
    GW_TRY(gw_store_get_inbox(d->store, id, sender, &m, err));
    if (!m.acked) {
        /* the store queues it with the ack, in one transaction, and only if no other ack came first */
        GW_TRY(gw_receipt_make_witnessed(d->signer, d->store, m.sender, m.id, m.sha256, GW_RECEIPT_DELIVERED,
                                         GW_R_OK, NULL, &notice.body, &notice.body_len, notice.id, err));
        memcpy(notice.in_reply_to, m.id, sizeof(notice.in_reply_to));
        memcpy(notice.recipient, m.sender, sizeof(notice.recipient));
        snprintf(notice.type, sizeof(notice.type), "Receipt");
        gw_ids_hash_sha256(notice.body, notice.body_len, notice.sha256);
        notice.state = GW_OUT_QUEUED;
        notice.created_ms = gw_time_now_ms();
        notice.next_attempt_ms = notice.created_ms;
        nev.message_id = m.id;
        nev.peer = m.sender;
        nev.sha256 = notice.sha256; /* the notification queued */
    }
    aev.message_id = m.id;
    aev.sha256 = m.sha256; /* the message acknowledged */
    GW_TRY(gw_store_ack_inbox(d->store, m.id, m.sender, m.acked ? NULL : &notice, &nev, &aev, &was_acked, err));
    if (!was_acked) {
        gw_deliverer_wake(d->deliverer);
    }
    {
        char body[160];
        int len = snprintf(body, sizeof(body), "{\"id\":\"%s\",\"acked\":true,\"already\":%s}\n", m.id,
                           was_acked ? "true" : "false");
        gw_reply(c, 200, "application/json", body, (size_t)len);
    }
    rc = GW_OK;
out:
    gw_outbox_msg_cleanup(&notice);
    gw_inbox_msg_cleanup(&m);
    return rc;
}

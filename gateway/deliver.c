// SPDX-License-Identifier: MIT
/*
 * The outbox deliverer (DESIGN §1.2, §5, §6): one thread per peer, each posting that peer's due messages,
 * oldest first, over mutual TLS (libcurl, one kept-alive handle per peer), so a slow or unreachable peer
 * delays only its own messages. It pins the recipient's identity in the
 * handshake (the server certificate's organizationIdentifier must be the Recipient, checked before a byte
 * of the message is sent), verifies the signed receipt against what was sent, and records the outcome.
 * Transient failures are retried with exponential back-off and jitter until retry_max_age; a signed
 * Rejected receipt is final. State lives in the store, so a restart resumes where it stopped.
 */
#include <curl/curl.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gw/buf.h"
#include "gw/daemon.h"
#include "gw/deliver.h"
#include "gw/limits.h"
#include "gw/log.h"
#include "gw/metrics.h"
#include "gw/pki.h"
#include "gw/receipt.h"
#include "gw/store.h"
#include "gw/time.h"
#include "gw/tls.h"

#define DUE_BATCH 64

/* One peer: its own thread and kept-alive libcurl handle, so a slow or unreachable peer delays only the
 * messages addressed to it. */
struct peer_conn {
    struct gw_deliverer *dl;
    const struct gw_peer *peer;
    CURL *curl;
    pthread_t thread;
    bool started;
    uint64_t seen;       /* the wake generation this thread last looked at; guarded by dl->lock */
    uint32_t unrecorded; /* outcomes in a row the store could not record; this thread only */
};

struct gw_deliverer {
    struct gw_daemon *d;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool stop;         /* guarded by lock */
    uint64_t wakes;    /* wake generation, guarded by lock: something was queued */
    X509_STORE *store; /* trust anchors and CRLs for the peers' server certificates */
    /* our client certificate, chain and key for the handshake */
    struct gw_tls_identity id;
    struct peer_conn conns[GW_MAX_PEERS];
};

static int pin_index = -1;
static pthread_once_t pin_once = PTHREAD_ONCE_INIT;

static void
pin_index_init(void)
{
    pin_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

/* DESIGN §5 delivering: the server certificate must name the Recipient's organisation. */
static int
pin_verify(int preverify_ok, X509_STORE_CTX *xctx)
{
    SSL *ssl;
    struct peer_conn *pc;
    char regno[GW_REGNO_LEN + 1];
    struct gw_err err;

    /* an SSL verify callback replaces the store's: apply the revocation policy of pki.c first */
    preverify_ok = gw_pki_crl_policy_cb(preverify_ok, xctx);
    if (preverify_ok != 1 || X509_STORE_CTX_get_error_depth(xctx) != 0) {
        return preverify_ok;
    }
    ssl = X509_STORE_CTX_get_ex_data(xctx, SSL_get_ex_data_X509_STORE_CTX_idx());
    pc = ssl != NULL ? SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), pin_index) : NULL;
    gw_err_clear(&err);
    if (pc == NULL || gw_pki_cert_regno(X509_STORE_CTX_get_current_cert(xctx), regno, &err) != GW_OK ||
        strcmp(regno, pc->peer->regno) != 0) {
        X509_STORE_CTX_set_error(xctx, X509_V_ERR_APPLICATION_VERIFICATION);
        return 0;
    }
    return 1;
}

/* libcurl calls this for each new connection's SSL_CTX, after its own settings. */
static CURLcode
setup_ssl_ctx(CURL *curl, void *sslctx, void *arg)
{
    SSL_CTX *ctx = sslctx;
    struct peer_conn *pc = arg;
    struct gw_deliverer *dl = pc->dl;
    struct gw_err err;

    (void)curl;
    gw_err_clear(&err);
    if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
        gw_tls_identity_use(ctx, &dl->id, &err) != GW_OK || SSL_CTX_set_ex_data(ctx, pin_index, pc) != 1) {
        return CURLE_SSL_CERTPROBLEM;
    }
    SSL_CTX_set1_cert_store(ctx, dl->store); /* our anchors and CRLs, not the system's */
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, pin_verify);
    return CURLE_OK;
}

static size_t
collect(char *ptr, size_t size, size_t nmemb, void *arg)
{
    struct gw_buf *b = arg;
    struct gw_err err;

    gw_err_clear(&err);
    if (nmemb != 0 && size > SIZE_MAX / nmemb) {
        return 0;
    }
    return gw_buf_append(b, ptr, size * nmemb, &err) == GW_OK ? size * nmemb : 0; /* 0 aborts the transfer */
}

/* Exponential back-off with jitter: uniform in [b/2, b], b = initial * 2^(attempts-1), capped. */
static int64_t
backoff_ms(const struct gw_config *cfg, uint32_t attempts)
{
    int64_t cap = (int64_t)cfg->retry_max_interval_s * 1000;
    int64_t b = cfg->retry_initial_ms;
    uint32_t r = 0;

    for (uint32_t i = 1; i < attempts && b < cap; i++) {
        b *= 2;
    }
    if (b > cap) {
        b = cap;
    }
    if (RAND_bytes((unsigned char *)&r, sizeof(r)) != 1) {
        r = (uint32_t)rand();
    }
    return b / 2 + (int64_t)(r % (uint32_t)(b / 2 + 1));
}

/* Store the outcome in m. False if the store could not: the row still says the message is due. */
static bool
record(struct gw_deliverer *dl, struct gw_outbox_msg *m, const char *outcome, const char *reason)
{
    struct gw_err err;
    struct gw_audit_event ev = {.event = "delivery_attempt",
                                .message_id = m->id,
                                .peer = m->recipient,
                                .outcome = outcome,
                                .reason = reason,
                                .sha256 = NULL}; /* the store enters the digest of m->receipt, if any */

    gw_err_clear(&err);
    if (gw_store_update_outbox(dl->d->store, m, &ev, &err) != GW_OK) {
        gw_log_err(GW_LOG_ERROR, "cannot record a delivery attempt", &err);
        return false;
    }
    return true;
}

static bool
retry_later(struct gw_deliverer *dl, struct gw_outbox_msg *m, const char *why)
{
    int64_t now = gw_time_now_ms();
    const struct gw_config *cfg = &dl->d->cfg;

    snprintf(m->last_error, sizeof(m->last_error), "%s", why);
    gw_metrics_attempt(dl->d->metrics, false);
    if (now - m->created_ms > (int64_t)cfg->retry_max_age_s * 1000) {
        m->state = GW_OUT_FAILED;
        gw_log(GW_LOG_WARN, "giving up on %s to %s after %u attempts: %s", m->id, m->recipient, m->attempts, why);
        return record(dl, m, "failed", why);
    }
    m->state = GW_OUT_DELIVERING;
    m->next_attempt_ms = now + backoff_ms(cfg, m->attempts);
    return record(dl, m, "retry", why);
}

/* DESIGN §5: the answer to a delivery is 200 with an Accepted receipt or a 4xx with a Rejected one. A
 * Delivered notification, or a verdict whose HTTP status says the opposite, is neither. */
static bool
is_verdict(const struct gw_receipt_info *info, long status)
{
    switch (info->status) {
    case GW_RECEIPT_ACCEPTED:
        return status == 200;
    case GW_RECEIPT_REJECTED:
        return status >= 400 && status < 500;
    case GW_RECEIPT_DELIVERED:
        return false;
    }
    return false;
}

/* Deliver m once and record the outcome. False if the outcome could not be recorded. */
static bool
deliver_one(struct peer_conn *pc, struct gw_outbox_msg *m)
{
    struct gw_deliverer *dl = pc->dl;
    struct gw_daemon *d = dl->d;
    struct gw_buf resp;
    struct gw_err err;
    struct gw_receipt_info info;
    char url[600];
    char curl_err[CURL_ERROR_SIZE] = "";
    char why[256];
    long status = 0;
    CURLcode cc;
    struct curl_slist *headers = NULL;
    enum gw_msg_type type = GW_MSG_LETTER;
    bool recorded = false;

    gw_buf_init(&resp, GW_MAX_RECEIPT_BYTES);
    gw_err_clear(&err);
    (void)gw_msg_type_from_name(m->type, &type);
    m->attempts++;
    snprintf(url, sizeof(url), "%s/v1/exchange", pc->peer->url);
    headers = curl_slist_append(headers, "Content-Type: application/xml");
    headers = headers != NULL ? curl_slist_append(headers, "Expect:") : NULL;
    curl_easy_setopt(pc->curl, CURLOPT_URL, url);
    curl_easy_setopt(pc->curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(pc->curl, CURLOPT_POSTFIELDS, (const char *)m->body);
    curl_easy_setopt(pc->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)m->body_len);
    curl_easy_setopt(pc->curl, CURLOPT_WRITEDATA, &resp);
    curl_easy_setopt(pc->curl, CURLOPT_ERRORBUFFER, curl_err);
    cc = curl_easy_perform(pc->curl);
    curl_easy_setopt(pc->curl, CURLOPT_HTTPHEADER, NULL);
    if (cc != CURLE_OK) {
        snprintf(why, sizeof(why), "transport: %.60s%s%.180s", curl_easy_strerror(cc),
                 curl_err[0] != 0 ? ": " : "", curl_err);
        gw_utf8_repair(why);
        recorded = retry_later(dl, m, why);
        goto out;
    }
    curl_easy_getinfo(pc->curl, CURLINFO_RESPONSE_CODE, &status);
    if (status == 200 || (status >= 400 && status < 500)) {
        /* DESIGN §5: a receipt counts only if signed by the Recipient, about this message, with its digest */
        enum gw_rc checked = gw_receipt_check(d->pki, d->schemas, resp.data, resp.len, m->recipient,
                                              d->cfg.organisation, m->id, m->sha256, &info, &err);
        if (checked == GW_OK && !is_verdict(&info, status)) {
            /* a misbehaving peer: record no verdict it did not give; a repeat gets the stored receipt */
            snprintf(why, sizeof(why), "HTTP %ld with a signed %s receipt, which is no answer to a delivery",
                     status, gw_receipt_status_name(info.status));
            recorded = retry_later(dl, m, why);
            goto out;
        }
        if (checked == GW_OK) {
            free(m->receipt);
            gw_buf_take(&resp, &m->receipt, &m->receipt_len);
            gw_metrics_attempt(d->metrics, true);
            if (info.status == GW_RECEIPT_ACCEPTED && status == 200) {
                m->state = GW_OUT_DELIVERED;
                m->delivered_ms = gw_time_now_ms();
                m->last_error[0] = '\0';
                gw_metrics_latency(d->metrics, (double)(m->delivered_ms - m->created_ms) / 1000.0);
                gw_metrics_message(d->metrics, type, GW_OUTCOME_DELIVERED);
                recorded = record(dl, m, "delivered", NULL);
            } else {
                m->state = GW_OUT_REJECTED;
                snprintf(m->last_error, sizeof(m->last_error), "%.60s: %.180s", info.reason_code,
                         info.reason_text);
                gw_utf8_repair(m->last_error);
                gw_metrics_message(d->metrics, type, GW_OUTCOME_REFUSED);
                gw_log(GW_LOG_INFO, "%s rejected by %s: %s", m->id, m->recipient, m->last_error);
                recorded = record(dl, m, "rejected", info.reason_code);
            }
            goto out;
        }
        snprintf(why, sizeof(why), "HTTP %ld without a valid receipt: %.150s [%s]", status, err.msg,
                 gw_reason_code(err.reason));
        gw_utf8_repair(why);
        if (status == 413) {
            /* refused by the recipient's HTTP layer for its size: sending it again cannot succeed */
            m->state = GW_OUT_REJECTED;
            snprintf(m->last_error, sizeof(m->last_error), "HTTP 413: the recipient refuses a message this large");
            gw_metrics_message(d->metrics, type, GW_OUTCOME_REFUSED);
            recorded = record(dl, m, "rejected", "HTTP_TOO_LARGE");
            goto out;
        }
    } else {
        snprintf(why, sizeof(why), "HTTP %ld: %.200s", status, resp.data != NULL ? (const char *)resp.data : "");
        why[strcspn(why, "\n")] = '\0';
        gw_utf8_repair(why);
    }
    recorded = retry_later(dl, m, why);
out:
    if (m->state == GW_OUT_FAILED) {
        gw_metrics_message(d->metrics, type, GW_OUTCOME_FAILED);
    }
    curl_slist_free_all(headers);
    gw_buf_cleanup(&resp);
    return recorded;
}

/* Wait until woken, stopped, or the deadline (epoch ms) passes. Called with dl->lock held. */
static void
wait_until(struct peer_conn *pc, int64_t until)
{
    struct gw_deliverer *dl = pc->dl;
    int64_t now = gw_time_now_ms();
    struct timespec ts;
    int64_t wait;

    if (dl->stop || pc->seen != dl->wakes || until <= now) {
        return;
    }
    clock_gettime(CLOCK_REALTIME, &ts);
    wait = until - now;
    ts.tv_sec += (time_t)(wait / 1000);
    ts.tv_nsec += (long)(wait % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&dl->cond, &dl->lock, &ts);
}

/* An outcome could not be recorded, so the store still holds the old next attempt and would hand the same
 * message out again at once: wait out a back-off kept here instead, growing with each failure in a row and
 * never shorter than retry_initial, deaf to wakes (only stopping ends it early). */
static void
hold_off(struct peer_conn *pc)
{
    struct gw_deliverer *dl = pc->dl;
    const struct gw_config *cfg = &dl->d->cfg;
    int64_t wait = backoff_ms(cfg, pc->unrecorded);
    int64_t until = gw_time_now_ms() + (wait > cfg->retry_initial_ms ? wait : (int64_t)cfg->retry_initial_ms);

    pthread_mutex_lock(&dl->lock);
    while (!dl->stop && gw_time_now_ms() < until) {
        pc->seen = dl->wakes;
        wait_until(pc, until);
    }
    pthread_mutex_unlock(&dl->lock);
}

static bool
stopping(struct gw_deliverer *dl)
{
    bool stop;

    pthread_mutex_lock(&dl->lock);
    stop = dl->stop;
    pthread_mutex_unlock(&dl->lock);
    return stop;
}

/* One peer's loop: deliver its due messages oldest first, then sleep until the next is due, something
 * new is queued (gw_deliverer_wake) or a second has passed. */
static void *
peer_main(void *arg)
{
    struct peer_conn *pc = arg;
    struct gw_deliverer *dl = pc->dl;
    struct gw_store *store = dl->d->store;
    const char *regno = pc->peer->regno;

    for (;;) {
        struct gw_outbox_msg *list = NULL;
        size_t n = 0;
        int64_t next = INT64_MAX;
        struct gw_err err;
        bool held = false;

        pthread_mutex_lock(&dl->lock);
        pc->seen = dl->wakes;
        pthread_mutex_unlock(&dl->lock);
        if (stopping(dl)) {
            break;
        }
        gw_err_clear(&err);
        if (gw_store_due_outbox(store, gw_time_now_ms(), regno, DUE_BATCH, &list, &n, &err) != GW_OK) {
            gw_log_err(GW_LOG_ERROR, "cannot read the outbox", &err);
        }
        for (size_t i = 0; i < n; i++) {
            if (!held && !stopping(dl)) {
                held = !deliver_one(pc, &list[i]);
            }
            gw_outbox_msg_cleanup(&list[i]);
        }
        free(list);
        if (held) {
            pc->unrecorded++;
            hold_off(pc);
            continue;
        }
        if (n > 0) {
            pc->unrecorded = 0;
        }
        if (n == DUE_BATCH) {
            continue;
        }
        gw_err_clear(&err);
        if (gw_store_next_due(store, regno, &next, &err) != GW_OK) {
            next = INT64_MAX;
        }
        pthread_mutex_lock(&dl->lock);
        /* look again at least every second */
        wait_until(pc, next < gw_time_now_ms() + 1000 ? next : gw_time_now_ms() + 1000);
        pthread_mutex_unlock(&dl->lock);
    }
    return NULL;
}

void
gw_deliverer_wake(struct gw_deliverer *dl)
{
    if (dl == NULL) {
        return;
    }
    pthread_mutex_lock(&dl->lock);
    dl->wakes++;
    pthread_cond_broadcast(&dl->cond);
    pthread_mutex_unlock(&dl->lock);
}

static void
deliverer_free(struct gw_deliverer *dl)
{
    for (size_t i = 0; i < GW_MAX_PEERS; i++) {
        if (dl->conns[i].curl != NULL) {
            curl_easy_cleanup(dl->conns[i].curl);
        }
    }
    X509_STORE_free(dl->store);
    gw_tls_identity_cleanup(&dl->id);
    pthread_cond_destroy(&dl->cond);
    pthread_mutex_destroy(&dl->lock);
    free(dl);
}

void
gw_deliverer_stop(struct gw_deliverer *dl)
{
    if (dl == NULL) {
        return;
    }
    pthread_mutex_lock(&dl->lock);
    dl->stop = true;
    pthread_cond_broadcast(&dl->cond);
    pthread_mutex_unlock(&dl->lock);
    for (size_t i = 0; i < GW_MAX_PEERS; i++) {
        if (dl->conns[i].started) {
            pthread_join(dl->conns[i].thread, NULL);
        }
    }
    deliverer_free(dl);
}

enum gw_rc
gw_deliverer_start(struct gw_daemon *d, struct gw_deliverer **out, struct gw_err *err)
{
    enum gw_rc rc = GW_ECONFIG;
    struct gw_deliverer *dl = calloc(1, sizeof(*dl));

    GW_CHECK(dl != NULL, GW_ENOMEM, GW_R_NOMEM, "deliverer");
    pthread_mutex_init(&dl->lock, NULL);
    pthread_cond_init(&dl->cond, NULL);
    dl->d = d;
    pthread_once(&pin_once, pin_index_init);
    GW_CHECK(pin_index >= 0, GW_ENOMEM, GW_R_NOMEM, "SSL_CTX ex data index");
    dl->store = X509_STORE_new();
    GW_CHECK(dl->store != NULL, GW_ENOMEM, GW_R_NOMEM, "X509_STORE");
    GW_TRY(gw_tls_fill_store(dl->store, &d->cfg, err));
    GW_TRY(gw_tls_identity_load(&d->cfg, &dl->id, err));
    for (size_t i = 0; i < d->cfg.n_peers; i++) {
        struct peer_conn *pc = &dl->conns[i];
        pc->dl = dl;
        pc->peer = &d->cfg.peers[i];
        pc->curl = curl_easy_init();
        GW_CHECK(pc->curl != NULL, GW_ENOMEM, GW_R_NOMEM, "curl handle");
        curl_easy_setopt(pc->curl, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(pc->curl, CURLOPT_PROTOCOLS_STR, "https");
        curl_easy_setopt(pc->curl, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
        curl_easy_setopt(pc->curl, CURLOPT_SSL_VERIFYPEER, 1L);
        curl_easy_setopt(pc->curl, CURLOPT_SSL_VERIFYHOST, 2L);
        curl_easy_setopt(pc->curl, CURLOPT_CAINFO, d->cfg.trust);
        curl_easy_setopt(pc->curl, CURLOPT_CAPATH, NULL);
        curl_easy_setopt(pc->curl, CURLOPT_SSL_CTX_FUNCTION, setup_ssl_ctx);
        curl_easy_setopt(pc->curl, CURLOPT_SSL_CTX_DATA, pc);
        curl_easy_setopt(pc->curl, CURLOPT_CONNECTTIMEOUT, GW_MAX_CONNECT_SECONDS);
        curl_easy_setopt(pc->curl, CURLOPT_TIMEOUT, (long)d->cfg.deliver_timeout_s);
        curl_easy_setopt(pc->curl, CURLOPT_MAXAGE_CONN, (long)d->cfg.idle_timeout_s);
        curl_easy_setopt(pc->curl, CURLOPT_WRITEFUNCTION, collect);
        curl_easy_setopt(pc->curl, CURLOPT_POST, 1L);
        curl_easy_setopt(pc->curl, CURLOPT_TCP_NODELAY, 1L); /* libcurl's default; the request is one send() */
    }
    for (size_t i = 0; i < d->cfg.n_peers; i++) {
        struct peer_conn *pc = &dl->conns[i];
        GW_CHECK(pthread_create(&pc->thread, NULL, peer_main, pc) == 0, GW_EIO, GW_R_IO,
                 "cannot start the deliverer of peer %s", pc->peer->regno);
        pc->started = true;
    }
    *out = dl;
    dl = NULL;
    rc = GW_OK;
out:
    if (dl != NULL) {
        gw_deliverer_stop(dl); /* joins the threads already started, then frees */
    }
    return rc;
}

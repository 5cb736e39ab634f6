// SPDX-License-Identifier: MIT
/*
 * The outbox deliverer (DESIGN §1.2, §5, §6): for each peer a small pool of connections (delivery_concurrency,
 * one thread and one kept-alive libcurl handle each) posting that peer's due messages, oldest first, over
 * mutual TLS, and a reader thread that hands the due rows out, so a slow or unreachable peer delays only its
 * own messages. It pins the recipient's identity in the handshake (the server certificate's
 * organizationIdentifier must be the Recipient, checked before a byte of the message is sent), verifies the
 * signed receipt against what was sent, and records the outcome. Transient failures are retried with
 * exponential back-off and jitter until retry_max_age; a signed Rejected receipt is final. State lives in the
 * store, so a restart resumes where it stopped.
 *
 * A message is posted by one connection at a time: the reader claims each row it hands out, and a row read
 * while its delivery was being recorded is not handed out again from that stale copy (see struct claim).
 * Delivery order is not promised (DESIGN §6 asks for none, and a retry already lets newer messages pass):
 * messages start oldest first and may finish in another order. With delivery_concurrency = 1 each peer's
 * messages are posted one at a time, oldest first.
 */
#include <curl/curl.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <assert.h>
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
#include "gw/witness.h"

#define DUE_BATCH 64 /* rows read from the outbox at once */
#define MAX_CLAIMS (DUE_BATCH + GW_DELIVERY_CONCURRENCY_CEILING)

/* Claims keep a message with one connection. A claim is QUEUED while the row waits in the peer's queue,
 * SENDING while a connection posts it, DONE once its outcome is recorded (or could not be). A DONE claim
 * stays until the next read of the outbox begins: a read that began before the outcome was committed may
 * return the row as it was, still due, and must not hand that copy out again. A read that begins after
 * the commit sees the outcome. */
enum claim_state { CLAIM_QUEUED, CLAIM_SENDING, CLAIM_DONE };

struct claim {
    char id[GW_UUID_LEN + 1];
    enum claim_state state;
};

struct peer;

/* One connection of a peer's pool. */
struct worker {
    struct peer *p;
    CURL *curl;
    pthread_t thread;
    bool started;
};

/* One peer: the reader thread, the pool, and the queue between them. The reader refills the queue only when
 * it is empty, so at most DUE_BATCH rows wait and the claims never outnumber DUE_BATCH + the pool. */
struct peer {
    struct gw_deliverer *dl;
    const struct gw_peer *peer;
    pthread_mutex_t lock;
    pthread_cond_t work; /* to the pool: the queue has rows, or stop */
    pthread_cond_t idle; /* to the reader: the queue ran dry, a delivery finished, woken, or stop */
    bool sync_ready;     /* lock and conds initialised */
    pthread_t reader;
    bool reader_started;
    struct worker workers[GW_DELIVERY_CONCURRENCY_CEILING];
    unsigned n_workers;
    /* under lock: */
    bool stop;
    bool woken;                  /* something was queued since the reader last read */
    bool finished;               /* since the reader last read, a delivery left its row due or unrecorded */
    struct gw_outbox_msg *queue; /* DUE_BATCH rows of dl->queues; [q_next, q_len) wait for a connection */
    size_t q_next, q_len;
    struct claim claims[MAX_CLAIMS];
    size_t n_claims;
    uint32_t unrecorded; /* outcomes in a row the store could not record */
    int64_t hold_until;  /* epoch ms: post nothing before (an outcome could not be recorded) */
};

struct gw_deliverer {
    struct gw_daemon *d;
    X509_STORE *store; /* the anchors and CRLs as checked at start; connections fill their own */
    /* our client certificate, chain and key for the handshake */
    struct gw_tls_identity id;
    struct gw_outbox_msg *queues; /* DUE_BATCH rows per configured peer, one block */
    struct peer peers[GW_MAX_PEERS];
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
    const struct peer *pc;
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
    struct peer *pc = arg;
    struct gw_deliverer *dl = pc->dl;
    struct gw_err err;

    (void)curl;
    gw_err_clear(&err);
    if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
        gw_tls_identity_use(ctx, &dl->id, &err) != GW_OK || SSL_CTX_set_ex_data(ctx, pin_index, pc) != 1) {
        return CURLE_SSL_CERTPROBLEM;
    }
    /* Our anchors and CRLs, in this context's own store. A store shared by the pool's connections would be
     * written to while another connection reads it: libcurl 7.88 loads CURLOPT_CAINFO into the context's
     * store after this callback, and X509_STORE lookups are not safe against that (a crash in
     * X509_LOOKUP_by_subject_ex with delivery_concurrency > 1). */
    if (gw_tls_fill_store(SSL_CTX_get_cert_store(ctx), &dl->d->cfg, &err) != GW_OK) {
        gw_log(GW_LOG_ERROR, "delivery to %s: trust anchors: %s", pc->peer->regno, err.msg);
        return CURLE_SSL_CACERT_BADFILE;
    }
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

/* Deliver m once on w's connection and record the outcome. False if the outcome could not be recorded. */
static bool
deliver_one(struct worker *w, struct gw_outbox_msg *m)
{
    const struct peer *pc = w->p;
    struct gw_deliverer *dl = pc->dl;
    struct gw_daemon *d = dl->d;
    struct gw_buf resp;
    struct gw_err err;
    struct gw_receipt_info info;
    unsigned char *cp = NULL; /* the recipient's checkpoint its receipt carries */
    size_t cp_len = 0;
    bool witness = false; /* the receipt checked: witness its checkpoint once the outcome is recorded */
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
    curl_easy_setopt(w->curl, CURLOPT_URL, url);
    curl_easy_setopt(w->curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(w->curl, CURLOPT_POSTFIELDS, (const char *)m->body);
    curl_easy_setopt(w->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)m->body_len);
    curl_easy_setopt(w->curl, CURLOPT_WRITEDATA, &resp);
    curl_easy_setopt(w->curl, CURLOPT_ERRORBUFFER, curl_err);
    cc = curl_easy_perform(w->curl);
    curl_easy_setopt(w->curl, CURLOPT_HTTPHEADER, NULL);
    if (cc != CURLE_OK) {
        snprintf(why, sizeof(why), "transport: %.60s%s%.180s", curl_easy_strerror(cc),
                 curl_err[0] != 0 ? ": " : "", curl_err);
        gw_utf8_repair(why);
        recorded = retry_later(dl, m, why);
        goto out;
    }
    curl_easy_getinfo(w->curl, CURLINFO_RESPONSE_CODE, &status);
    if (status == 200 || (status >= 400 && status < 500)) {
        /* DESIGN §5: a receipt counts only if signed by the Recipient, about this message, with its digest */
        enum gw_rc checked =
            gw_receipt_check_witnessed(d->pki, d->schemas, resp.data, resp.len, m->recipient, d->cfg.organisation,
                                       m->id, m->sha256, &info, &cp, &cp_len, &err);
        if (checked == GW_OK && !is_verdict(&info, status)) {
            /* a misbehaving peer: record no verdict it did not give; a repeat gets the stored receipt */
            snprintf(why, sizeof(why), "HTTP %ld with a signed %s receipt, which is no answer to a delivery",
                     status, gw_receipt_status_name(info.status));
            recorded = retry_later(dl, m, why);
            goto out;
        }
        if (checked == GW_OK) {
            witness = true;
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
    if (witness) {
        gw_deliverer_witness(dl, m->recipient, m->id, cp, cp_len, true); /* never changes the verdict */
    }
    free(cp);
    return recorded;
}

/* Wait on cond until the deadline (epoch ms) at the latest. Called with p->lock held. */
static void
wait_until(struct peer *p, pthread_cond_t *cond, int64_t until)
{
    int64_t wait = until - gw_time_now_ms();
    struct timespec ts;

    if (wait <= 0) {
        return;
    }
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += (time_t)(wait / 1000);
    ts.tv_nsec += (long)(wait % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(cond, &p->lock, &ts);
}

/* Under p->lock. */
static struct claim *
find_claim(struct peer *p, const char *id)
{
    for (size_t i = 0; i < p->n_claims; i++) {
        if (strcmp(p->claims[i].id, id) == 0) {
            return &p->claims[i];
        }
    }
    return NULL;
}

/* Under p->lock. */
static void
drop_claim(struct peer *p, struct claim *c)
{
    *c = p->claims[--p->n_claims];
}

/* Under p->lock: a read of the outbox begins. Claims done by now are dropped (the read sees their recorded
 * outcome); those done from now on are kept until the next read begins. OUT: ids[0..*n) the claims that
 * remain, which the read passes over without reading their rows: queue_rows would skip them (only the reader
 * adds claims, so none is added during the read; one dropped meanwhile by hold() waits for the next read). */
static void
begin_read(struct peer *p, char ids[MAX_CLAIMS][GW_UUID_LEN + 1], size_t *n)
{
    *n = 0;
    for (size_t i = 0; i < p->n_claims;) {
        if (p->claims[i].state == CLAIM_DONE) {
            drop_claim(p, &p->claims[i]);
        } else {
            memcpy(ids[(*n)++], p->claims[i].id, sizeof(ids[0]));
            i++;
        }
    }
    p->woken = false;
    p->finished = false;
}

/* Under p->lock: queue the rows of list that nobody holds, taking them (each queued row is zeroed in list).
 * Returns how many were queued. */
static size_t
queue_rows(struct peer *p, struct gw_outbox_msg *list, size_t n)
{
    size_t queued = 0;

    for (size_t i = 0; i < n && p->q_len < DUE_BATCH && p->n_claims < MAX_CLAIMS; i++) {
        struct claim *c;

        if (find_claim(p, list[i].id) != NULL) {
            continue; /* queued, being posted, or a copy read before its outcome was recorded */
        }
        c = &p->claims[p->n_claims++];
        snprintf(c->id, sizeof(c->id), "%s", list[i].id);
        c->state = CLAIM_QUEUED;
        p->queue[p->q_len++] = list[i];
        memset(&list[i], 0, sizeof(list[i]));
        queued++;
    }
    return queued;
}

/* Under p->lock: an outcome could not be recorded, so the store still holds the old next attempt and would
 * hand the same message out again at once. The peer posts nothing until a back-off kept here has passed,
 * growing with each failure in a row and never shorter than retry_initial, deaf to wakes (only stopping ends
 * it early). The rows still queued were not posted: they go back to the store's care. */
static void
hold(struct peer *p)
{
    const struct gw_config *cfg = &p->dl->d->cfg;
    int64_t wait;

    p->unrecorded++;
    wait = backoff_ms(cfg, p->unrecorded);
    p->hold_until = gw_time_now_ms() + (wait > cfg->retry_initial_ms ? wait : (int64_t)cfg->retry_initial_ms);
    while (p->q_next < p->q_len) {
        struct gw_outbox_msg *m = &p->queue[p->q_next++];
        struct claim *c = find_claim(p, m->id);

        if (c != NULL) {
            drop_claim(p, c);
        }
        gw_outbox_msg_cleanup(m);
    }
    p->q_next = p->q_len = 0;
}

/* One connection of the pool: post queued rows one after the other until stopped. */
static void *
worker_main(void *arg)
{
    struct worker *w = arg;
    struct peer *p = w->p;

    for (;;) {
        struct gw_outbox_msg m;
        struct claim *c;
        bool recorded;

        pthread_mutex_lock(&p->lock);
        while (!p->stop && p->q_next == p->q_len) {
            pthread_cond_wait(&p->work, &p->lock);
        }
        if (p->stop) {
            pthread_mutex_unlock(&p->lock);
            break;
        }
        m = p->queue[p->q_next];
        memset(&p->queue[p->q_next], 0, sizeof(m));
        p->q_next++;
        if (p->q_next == p->q_len) {
            p->q_next = p->q_len = 0;
            pthread_cond_signal(&p->idle); /* the reader may read again */
        }
        c = find_claim(p, m.id);
        assert(c != NULL && c->state == CLAIM_QUEUED);
        c->state = CLAIM_SENDING;
        pthread_mutex_unlock(&p->lock);

        recorded = deliver_one(w, &m);

        pthread_mutex_lock(&p->lock);
        c = find_claim(p, m.id); /* the array may have moved since */
        assert(c != NULL && c->state == CLAIM_SENDING);
        c->state = CLAIM_DONE;
        if (recorded) {
            p->unrecorded = 0;
        } else {
            hold(p);
        }
        /* the reader must look again if the row is due again (a retry, maybe sooner than it planned to wake)
         * or the outcome is not recorded (hold); a final outcome leaves nothing for it to do */
        if (!recorded || m.state == GW_OUT_QUEUED || m.state == GW_OUT_DELIVERING) {
            p->finished = true;
        }
        pthread_cond_signal(&p->idle);
        pthread_mutex_unlock(&p->lock);
        gw_outbox_msg_cleanup(&m);
    }
    return NULL;
}

/* One peer's reader: when the queue is empty, read the due rows (oldest first) that nobody holds, queue them
 * and wake the pool. If the read was cut at DUE_BATCH rows, read again as soon as the queue runs dry;
 * otherwise every due row is held, so sleep until something is queued (gw_deliverer_wake), a delivery leaves
 * its row due (a retry) or unrecorded, the next row is due, or a second has passed. */
static void *
reader_main(void *arg)
{
    struct peer *p = arg;
    struct gw_store *store = p->dl->d->store;
    const char *regno = p->peer->regno;

    for (;;) {
        char held[MAX_CLAIMS][GW_UUID_LEN + 1];
        const char *skip[MAX_CLAIMS];
        size_t n_held = 0;
        struct gw_outbox_msg *list = NULL;
        size_t n = 0;
        size_t queued = 0;
        int64_t next = INT64_MAX;
        int64_t read_ms;
        int64_t now;
        struct gw_err err;

        pthread_mutex_lock(&p->lock);
        while (!p->stop && (p->q_next < p->q_len || gw_time_now_ms() < p->hold_until)) {
            if (p->q_next < p->q_len) {
                pthread_cond_wait(&p->idle, &p->lock);
            } else {
                wait_until(p, &p->idle, p->hold_until);
            }
        }
        if (p->stop) {
            pthread_mutex_unlock(&p->lock);
            break;
        }
        begin_read(p, held, &n_held);
        pthread_mutex_unlock(&p->lock);

        for (size_t i = 0; i < n_held; i++) {
            skip[i] = held[i];
        }
        gw_err_clear(&err);
        read_ms = gw_time_now_ms();
        if (gw_store_due_outbox_skip(store, read_ms, regno, skip, n_held, DUE_BATCH, &list, &n, &err) != GW_OK) {
            gw_log_err(GW_LOG_ERROR, "cannot read the outbox", &err);
        }
        pthread_mutex_lock(&p->lock);
        if (!p->stop && gw_time_now_ms() >= p->hold_until) {
            queued = queue_rows(p, list, n);
        }
        if (queued > 0) {
            pthread_cond_broadcast(&p->work);
        }
        pthread_mutex_unlock(&p->lock);
        for (size_t i = 0; i < n; i++) {
            gw_outbox_msg_cleanup(&list[i]);
        }
        free(list);
        if (queued > 0 && n == DUE_BATCH) {
            continue; /* there may be more due rows than one read returns */
        }

        gw_err_clear(&err);
        /* every row due at read_ms was handed out or is held: the end of its delivery wakes us if it leaves the
         * row due, so only the rows due later set the time to look again */
        if (gw_store_next_due_after(store, regno, read_ms, &next, &err) != GW_OK) {
            next = INT64_MAX;
        }
        pthread_mutex_lock(&p->lock);
        now = gw_time_now_ms();
        next = next > now + 1000 ? now + 1000 : next; /* one due since read_ms: read again at once */
        while (!p->stop && !p->woken && !p->finished && gw_time_now_ms() < next) {
            wait_until(p, &p->idle, next);
        }
        pthread_mutex_unlock(&p->lock);
    }
    return NULL;
}

void
gw_deliverer_wake(struct gw_deliverer *dl)
{
    if (dl == NULL) {
        return;
    }
    for (size_t i = 0; i < GW_MAX_PEERS; i++) {
        struct peer *p = &dl->peers[i];
        if (!p->sync_ready) {
            continue;
        }
        pthread_mutex_lock(&p->lock);
        p->woken = true;
        pthread_cond_signal(&p->idle);
        pthread_mutex_unlock(&p->lock);
    }
}

static void
deliverer_free(struct gw_deliverer *dl)
{
    for (size_t i = 0; i < GW_MAX_PEERS; i++) {
        struct peer *p = &dl->peers[i];
        for (unsigned k = 0; k < p->n_workers; k++) {
            curl_easy_cleanup(p->workers[k].curl);
        }
        for (size_t j = 0; p->queue != NULL && j < p->q_len; j++) {
            gw_outbox_msg_cleanup(&p->queue[j]);
        }
        if (p->sync_ready) {
            pthread_cond_destroy(&p->idle);
            pthread_cond_destroy(&p->work);
            pthread_mutex_destroy(&p->lock);
        }
    }
    free(dl->queues);
    X509_STORE_free(dl->store);
    gw_tls_identity_cleanup(&dl->id);
    free(dl);
}

void
gw_deliverer_stop(struct gw_deliverer *dl)
{
    if (dl == NULL) {
        return;
    }
    for (size_t i = 0; i < GW_MAX_PEERS; i++) {
        struct peer *p = &dl->peers[i];
        if (!p->sync_ready) {
            continue;
        }
        pthread_mutex_lock(&p->lock);
        p->stop = true;
        pthread_cond_broadcast(&p->work);
        pthread_cond_broadcast(&p->idle);
        pthread_mutex_unlock(&p->lock);
    }
    for (size_t i = 0; i < GW_MAX_PEERS; i++) {
        struct peer *p = &dl->peers[i];
        if (p->reader_started) {
            pthread_join(p->reader, NULL);
        }
        for (unsigned k = 0; k < p->n_workers; k++) {
            if (p->workers[k].started) {
                pthread_join(p->workers[k].thread, NULL);
            }
        }
    }
    deliverer_free(dl);
}

/* A connection's libcurl handle: our TLS identity and anchors, the peer pinned (setup_ssl_ctx), HTTPS only,
 * bounded in time, kept alive for idle_timeout. OUT: *out (curl_easy_cleanup). */
static enum gw_rc
new_handle(struct peer *p, CURL **out, struct gw_err *err)
{
    enum gw_rc rc = GW_ENOMEM;
    const struct gw_config *cfg = &p->dl->d->cfg;
    CURL *curl = curl_easy_init();

    GW_CHECK(curl != NULL, GW_ENOMEM, GW_R_NOMEM, "curl handle");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(curl, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(curl, CURLOPT_CAINFO, cfg->trust);
    curl_easy_setopt(curl, CURLOPT_CAPATH, NULL);
    /* no store cached across connections: each context has its own (setup_ssl_ctx) */
    curl_easy_setopt(curl, CURLOPT_CA_CACHE_TIMEOUT, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_CTX_FUNCTION, setup_ssl_ctx);
    curl_easy_setopt(curl, CURLOPT_SSL_CTX_DATA, p);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, GW_MAX_CONNECT_SECONDS);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, (long)cfg->deliver_timeout_s);
    curl_easy_setopt(curl, CURLOPT_MAXAGE_CONN, (long)cfg->idle_timeout_s);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_TCP_NODELAY, 1L); /* libcurl's default; the request is one send() */
    /* one connection per handle: the pool's size is the number of connections to the peer */
    curl_easy_setopt(curl, CURLOPT_MAXCONNECTS, 1L);
    *out = curl;
    rc = GW_OK;
out:
    return rc;
}

enum gw_rc
gw_deliverer_start(struct gw_daemon *d, struct gw_deliverer **out, struct gw_err *err)
{
    enum gw_rc rc = GW_ECONFIG;
    struct gw_deliverer *dl = calloc(1, sizeof(*dl));
    unsigned pool = d->cfg.delivery_concurrency;

    GW_CHECK(dl != NULL, GW_ENOMEM, GW_R_NOMEM, "deliverer");
    GW_CHECK(pool >= 1 && pool <= GW_DELIVERY_CONCURRENCY_CEILING, GW_ECONFIG, GW_R_CONFIG,
             "delivery_concurrency %u is out of range 1..%u", pool, GW_DELIVERY_CONCURRENCY_CEILING);
    dl->d = d;
    pthread_once(&pin_once, pin_index_init);
    GW_CHECK(pin_index >= 0, GW_ENOMEM, GW_R_NOMEM, "SSL_CTX ex data index");
    /* the anchors and CRLs are read once here so that a bad file stops the start; each connection then reads
     * them into a store of its own (setup_ssl_ctx) */
    dl->store = X509_STORE_new();
    GW_CHECK(dl->store != NULL, GW_ENOMEM, GW_R_NOMEM, "X509_STORE");
    GW_TRY(gw_tls_fill_store(dl->store, &d->cfg, err));
    GW_TRY(gw_tls_identity_load(&d->cfg, &dl->id, err));
    if (d->cfg.n_peers > 0) {
        dl->queues = calloc(d->cfg.n_peers * DUE_BATCH, sizeof(*dl->queues));
        GW_CHECK(dl->queues != NULL, GW_ENOMEM, GW_R_NOMEM, "delivery queues");
    }
    for (size_t i = 0; i < d->cfg.n_peers; i++) {
        struct peer *p = &dl->peers[i];
        p->dl = dl;
        p->peer = &d->cfg.peers[i];
        p->queue = dl->queues + i * DUE_BATCH;
        GW_CHECK(pthread_mutex_init(&p->lock, NULL) == 0, GW_ENOMEM, GW_R_NOMEM, "mutex");
        if (pthread_cond_init(&p->work, NULL) != 0) {
            pthread_mutex_destroy(&p->lock);
            GW_CHECK(false, GW_ENOMEM, GW_R_NOMEM, "condition variable");
        }
        if (pthread_cond_init(&p->idle, NULL) != 0) {
            pthread_cond_destroy(&p->work);
            pthread_mutex_destroy(&p->lock);
            GW_CHECK(false, GW_ENOMEM, GW_R_NOMEM, "condition variable");
        }
        p->sync_ready = true;
        for (unsigned k = 0; k < pool; k++) {
            p->workers[k].p = p;
            GW_TRY(new_handle(p, &p->workers[k].curl, err));
            p->n_workers = k + 1;
        }
    }
    for (size_t i = 0; i < d->cfg.n_peers; i++) {
        struct peer *p = &dl->peers[i];
        GW_CHECK(pthread_create(&p->reader, NULL, reader_main, p) == 0, GW_EIO, GW_R_IO,
                 "cannot start the deliverer of peer %s", p->peer->regno);
        p->reader_started = true;
        for (unsigned k = 0; k < p->n_workers; k++) {
            GW_CHECK(pthread_create(&p->workers[k].thread, NULL, worker_main, &p->workers[k]) == 0, GW_EIO,
                     GW_R_IO, "cannot start connection %u of the deliverer of peer %s", k + 1, p->peer->regno);
            p->workers[k].started = true;
        }
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

/* gw_witness_fetch_fn: GET /v1/checkpoints/consistency of the peer on a connection of its own, with the
 * identity and pinning of the deliveries (new_handle). arg: the deliverer. */
static enum gw_rc
fetch_consistency(void *arg, const char *peer, uint64_t from, uint64_t to, struct gw_buf *text, struct gw_err *err)
{
    enum gw_rc rc = GW_EIO;
    struct gw_deliverer *dl = arg;
    struct peer *p = NULL;
    CURL *curl = NULL;
    CURLcode cc;
    long status = 0;
    char url[700];
    char curl_err[CURL_ERROR_SIZE] = "";

    for (size_t i = 0; i < dl->d->cfg.n_peers && p == NULL; i++) {
        if (strcmp(dl->peers[i].peer->regno, peer) == 0) {
            p = &dl->peers[i];
        }
    }
    GW_CHECK(p != NULL, GW_EIO, GW_R_IO, "%s is not a configured peer", peer);
    GW_TRY(new_handle(p, &curl, err));
    snprintf(url, sizeof(url), "%s/v1/checkpoints/consistency?from=%llu&to=%llu", p->peer->url,
             (unsigned long long)from, (unsigned long long)to);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, text);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_err);
    cc = curl_easy_perform(curl);
    GW_CHECK(cc == CURLE_OK, GW_EIO, GW_R_IO, "consistency proof from %s: %.60s%s%.150s", peer,
             curl_easy_strerror(cc), curl_err[0] != 0 ? ": " : "", curl_err);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    GW_CHECK(status == 200, GW_EIO, GW_R_IO, "consistency proof from %s: HTTP %ld", peer, status);
    rc = GW_OK;
out:
    if (curl != NULL) {
        curl_easy_cleanup(curl);
    }
    return rc;
}

void
gw_deliverer_witness(struct gw_deliverer *dl, const char *peer, const char *message_id, const unsigned char *cp,
                     size_t cp_len, bool fetch)
{
    struct gw_daemon *d = dl->d;
    struct gw_witness w = {d->store, d->pki, d->schemas, d->metrics, fetch ? fetch_consistency : NULL, dl};
    enum gw_witness_verdict v = GW_WITNESS_FIRST;
    struct gw_err err;

    if (cp == NULL) {
        return; /* the peer has signed no checkpoint yet */
    }
    gw_err_clear(&err);
    if (gw_witness_observe(&w, peer, message_id, cp, cp_len, &v, &err) != GW_OK) {
        gw_log_err(GW_LOG_WARN, "checkpoint of a peer not witnessed", &err);
        return;
    }
    gw_log(GW_LOG_DEBUG, "checkpoint of %s with %s: %s", peer, message_id, gw_witness_verdict_name(v));
}

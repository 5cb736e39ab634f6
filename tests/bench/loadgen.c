// SPDX-License-Identifier: MIT
/*
 * The end-to-end half of `make bench` (docs/performance.md): a load generator on libcurl's multi interface.
 * As Ludza's IT system (its client certificate, mutual TLS, keep-alive connections) it submits N Decisions
 * to Ludza's gateway, either closed-loop at a fixed concurrency (saturation) or open-loop at a fixed rate
 * (-R), and follows them until each is delivered to the centre's gateway: it reads the centre's inbox as the
 * centre's IT system while submitting, then each message's state at Ludza (`delivered_ms` is when Ludza
 * verified the centre's Accepted receipt). Then it fetches every message as sent and its receipt, and checks
 * the receipt in-process with the full policy (gw_receipt_check) against the SHA-256 of the bytes sent,
 * which must also be the digest the centre lists in its inbox, once.
 *
 * It talks only to the two base URLs it is given, which run_e2e.sh points at gateways on 127.0.0.1.
 * Appends `metric<TAB>value` lines to -o FILE (default stdout). Figures never fail the run; it exits 1 if a
 * submission is refused, a message accepted is not delivered before the timeout (lost), appears in the
 * centre's inbox other than once, or its receipt does not verify; 2 on usage or set-up errors.
 */
#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "msggen.h"
#include "util.h"
#include "gw/buf.h"
#include "gw/dsig.h"
#include "gw/ids.h"
#include "gw/parse.h"
#include "gw/pki.h"
#include "gw/receipt.h"
#include "gw/schema.h"
#include "gw/time.h"
#include "gw/xml.h"

#define PROG "loadgen"
#define SENDER "90000017453" /* Ludza: msggen.c makes its messages */
#define CENTRE "90001800413"
#define MAX_MESSAGES 100000u
#define MAX_CONCURRENCY 64u
#define RESP_CAP (8u * 1024u * 1024u)
#define INBOX_POLL_MS 20.0
#define STATUS_ROUND_MS 50.0
#define MAX_COMPLAINTS 10

struct msg {
    char id[GW_UUID_LEN + 1];
    int64_t ref_ms;                     /* unix ms the latency counts from: when it was due (open loop) or sent */
    int64_t accepted_ms;                /* unix ms when the 202 arrived */
    int64_t delivered_ms;               /* Ludza's delivered_ms: its receipt was verified */
    char sha256[GW_SHA256_HEX_LEN + 1]; /* of the signed message, from Ludza's state */
    char sent_sha256[GW_SHA256_HEX_LEN + 1];  /* computed here from GET .../message */
    char inbox_sha256[GW_SHA256_HEX_LEN + 1]; /* the centre's inbox listing */
    unsigned inbox_seen;                      /* times listed in the centre's inbox */
    bool accepted;                            /* 202 */
    bool final;                               /* delivered, rejected or failed */
    bool delivered;
    bool receipt_ok;
};

struct slot {
    CURL *h;
    struct gw_buf resp;
    struct gw_buf body; /* request body of a submission */
    size_t msg;         /* index into lg.msgs */
    bool busy;
};

struct lg {
    /* options */
    const char *sender_url; /* Ludza's gateway, https://127.0.0.1:PORT */
    const char *centre_url;
    const char *cert, *key;               /* Ludza's IT system */
    const char *centre_cert, *centre_key; /* the centre's IT system */
    const char *cacert;                   /* trust anchors for TLS and receipts */
    const char *crl;
    const char *label;
    size_t n;
    size_t concurrency;
    double rate; /* messages/s; 0: closed loop */
    size_t bytes;
    double timeout_s;
    FILE *tsv;
    /* state */
    CURLM *multi;
    struct slot slots[MAX_CONCURRENCY];
    struct slot inbox;
    struct msg *msgs;
    int64_t inbox_after;
    bool inbox_busy;
    unsigned long refused; /* submissions not answered 202 */
    unsigned long dup_inbox;
    unsigned long connects;   /* new connections libcurl opened: keep-alive keeps this near the concurrency */
    unsigned long complaints; /* transfer and inbox errors printed so far (at most MAX_COMPLAINTS) */
    double deadline;          /* bench_now_us() */
    struct bench_msg_src src;
    struct gw_pki *pki;
    struct gw_schemas *schemas;
};

static void
die(const char *what)
{
    bench_die(PROG, what, NULL);
}

static size_t
on_data(char *p, size_t size, size_t n, void *arg)
{
    struct gw_buf *b = arg;
    struct gw_err err;

    gw_err_clear(&err);
    if (n != 0 && size > SIZE_MAX / n) {
        return 0;
    }
    return gw_buf_append(b, p, size * n, &err) == GW_OK ? size * n : 0;
}

static CURL *
easy_new(const struct lg *lg, bool centre, struct slot *s)
{
    CURL *h = curl_easy_init();

    if (h == NULL) {
        die("curl_easy_init");
    }
    gw_buf_init(&s->resp, RESP_CAP);
    gw_buf_init(&s->body, 16u * 1024u * 1024u);
    if (curl_easy_setopt(h, CURLOPT_SSLCERT, centre ? lg->centre_cert : lg->cert) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_SSLKEY, centre ? lg->centre_key : lg->key) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_CAINFO, lg->cacert) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https") != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_TIMEOUT, 60L) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &s->resp) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_PRIVATE, s) != CURLE_OK) {
        die("curl_easy_setopt");
    }
    s->h = h;
    return h;
}

/* Start the request of slot s on URL base+path (a POST of s->body when post). */
static void
start(struct lg *lg, struct slot *s, const char *base, const char *path, bool post)
{
    static struct curl_slist *xml_headers;
    char url[1024];

    if (xml_headers == NULL) {
        xml_headers = curl_slist_append(NULL, "Content-Type: application/xml");
        xml_headers = xml_headers != NULL ? curl_slist_append(xml_headers, "Expect:") : NULL;
        if (xml_headers == NULL) {
            die("curl_slist_append");
        }
    }
    snprintf(url, sizeof(url), "%s%s", base, path);
    s->resp.len = 0;
    if (curl_easy_setopt(s->h, CURLOPT_URL, url) != CURLE_OK) {
        die("curl_easy_setopt URL");
    }
    if (post) {
        if (curl_easy_setopt(s->h, CURLOPT_POSTFIELDS, s->body.data) != CURLE_OK ||
            curl_easy_setopt(s->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)s->body.len) != CURLE_OK ||
            curl_easy_setopt(s->h, CURLOPT_HTTPHEADER, xml_headers) != CURLE_OK) {
            die("curl_easy_setopt POST");
        }
    } else if (curl_easy_setopt(s->h, CURLOPT_HTTPGET, 1L) != CURLE_OK ||
               curl_easy_setopt(s->h, CURLOPT_HTTPHEADER, NULL) != CURLE_OK) {
        die("curl_easy_setopt GET");
    }
    if (curl_multi_add_handle(lg->multi, s->h) != CURLM_OK) {
        die("curl_multi_add_handle");
    }
    s->busy = true;
}

/* The value of "key":"..." in a JSON text (our gateway's, still treated as untrusted), copied into out. */
static bool
json_str(const char *json, const char *end, const char *key, char *out, size_t n)
{
    char pat[64];
    const char *p;
    const char *q;

    snprintf(pat, sizeof(pat), "\"%s\":\"", key);
    p = memmem(json, (size_t)(end - json), pat, strlen(pat));
    if (p == NULL) {
        return false;
    }
    p += strlen(pat);
    q = memchr(p, '"', (size_t)(end - p));
    if (q == NULL || (size_t)(q - p) >= n) {
        return false;
    }
    memcpy(out, p, (size_t)(q - p));
    out[q - p] = '\0';
    return true;
}

static bool
json_i64(const char *json, const char *end, const char *key, int64_t *out)
{
    char pat[64];
    char num[24];
    const char *p;
    size_t k = 0;
    uint64_t v;

    snprintf(pat, sizeof(pat), "\"%s\":", key);
    p = memmem(json, (size_t)(end - json), pat, strlen(pat));
    if (p == NULL) {
        return false;
    }
    p += strlen(pat);
    while (p < end && k < sizeof(num) - 1 && *p >= '0' && *p <= '9') {
        num[k++] = *p++;
    }
    num[k] = '\0';
    if (gw_parse_u64(num, 0, INT64_MAX, &v) != GW_OK) {
        return false;
    }
    *out = (int64_t)v;
    return true;
}

/* Our message with this id, or NULL: the id's last 8 hex digits are its index (new_ids). */
static struct msg *
find_msg(const struct lg *lg, const char *id)
{
    uint64_t i = 0;

    if (!gw_ids_is_uuid(id)) {
        return NULL;
    }
    for (size_t k = GW_UUID_LEN - 8; k < GW_UUID_LEN; k++) {
        char c = id[k];
        i = i * 16 + (uint64_t)(c <= '9' ? c - '0' : c - 'a' + 10);
    }
    if (i >= lg->n || strcmp(lg->msgs[i].id, id) != 0) {
        return NULL;
    }
    return &lg->msgs[i];
}

/* One page of the centre's inbox: mark our messages seen, keep the cursor. */
static void
on_inbox(struct lg *lg, long status, const struct gw_buf *resp)
{
    const char *p = (const char *)resp->data;
    const char *end = p + resp->len;
    int64_t next = 0;

    if (status != 200 || p == NULL) {
        if (lg->complaints++ < MAX_COMPLAINTS) {
            fprintf(stderr, "%s: centre inbox: HTTP %ld\n", PROG, status);
        }
        return;
    }
    for (const char *o = memmem(p, resp->len, "{\"seq\":", 7); o != NULL;) {
        const char *o_end = memmem(o + 1, (size_t)(end - o - 1), "{\"seq\":", 7);
        const char *stop = o_end != NULL ? o_end : end;
        char id[GW_UUID_LEN + 1];
        char sender[GW_REGNO_LEN + 1];
        struct msg *m;
        if (json_str(o, stop, "id", id, sizeof(id)) && json_str(o, stop, "sender", sender, sizeof(sender)) &&
            strcmp(sender, SENDER) == 0 && (m = find_msg(lg, id)) != NULL) {
            if (m->inbox_seen++ > 0) {
                lg->dup_inbox++;
                fprintf(stderr, "%s: %s is in the centre's inbox more than once\n", PROG, id);
            }
            if (!json_str(o, stop, "sha256", m->inbox_sha256, sizeof(m->inbox_sha256))) {
                m->inbox_sha256[0] = '\0';
            }
        }
        o = o_end;
    }
    if (json_i64(p, end, "next_after", &next) && next > lg->inbox_after) {
        lg->inbox_after = next;
    }
}

static void
inbox_path(const struct lg *lg, char *path, size_t n)
{
    snprintf(path, n, "/v1/inbox?after=%" PRId64 "&limit=1000", lg->inbox_after);
}

/* A completed transfer: its slot and HTTP status; the handle is removed from the multi handle. */
static struct slot *
next_done(struct lg *lg, long *status)
{
    int left;
    CURLMsg *cm;

    while ((cm = curl_multi_info_read(lg->multi, &left)) != NULL) {
        struct slot *s = NULL;
        struct gw_err err;
        if (cm->msg != CURLMSG_DONE) {
            continue;
        }
        gw_err_clear(&err);
        if (curl_easy_getinfo(cm->easy_handle, CURLINFO_PRIVATE, (char **)&s) != CURLE_OK || s == NULL) {
            die("curl private");
        }
        *status = 0;
        if (cm->data.result == CURLE_OK) {
            long connects = 0;
            curl_easy_getinfo(cm->easy_handle, CURLINFO_RESPONSE_CODE, status);
            curl_easy_getinfo(cm->easy_handle, CURLINFO_NUM_CONNECTS, &connects);
            lg->connects += connects > 0 ? (unsigned long)connects : 0;
        } else if (lg->complaints++ < MAX_COMPLAINTS) {
            fprintf(stderr, "%s: transfer failed: %s\n", PROG, curl_easy_strerror(cm->data.result));
        }
        curl_multi_remove_handle(lg->multi, cm->easy_handle);
        s->busy = false;
        /* a NUL after the body for the string scans; not counted in len */
        if (gw_buf_append(&s->resp, "", 1, &err) == GW_OK) {
            s->resp.len--;
        }
        return s;
    }
    return NULL;
}

static void
pump(struct lg *lg, int timeout_ms)
{
    int running;

    if (curl_multi_perform(lg->multi, &running) != CURLM_OK ||
        curl_multi_poll(lg->multi, NULL, 0, timeout_ms, NULL) != CURLM_OK ||
        curl_multi_perform(lg->multi, &running) != CURLM_OK) {
        die("curl_multi");
    }
}

static void
new_ids(struct lg *lg)
{
    struct gw_err err;

    gw_err_clear(&err);
    for (size_t i = 0; i < lg->n; i++) {
        if (gw_ids_new_uuid(lg->msgs[i].id, &err) != GW_OK) {
            bench_die(PROG, "uuid", &err);
        }
        /* the last 8 hex digits carry the index (the random part before them keeps runs apart) */
        snprintf(lg->msgs[i].id + GW_UUID_LEN - 8, 9, "%08x", (unsigned)i); /* i < MAX_MESSAGES */
    }
}

static bool
all_seen(const struct lg *lg)
{
    for (size_t i = 0; i < lg->n; i++) {
        if (lg->msgs[i].accepted && lg->msgs[i].inbox_seen == 0) {
            return false;
        }
    }
    return true;
}

/* Phase 1: submit every message (closed or open loop) and read the centre's inbox until each accepted one
 * is there or the deadline passes. */
static void
submit_all(struct lg *lg)
{
    double t0 = bench_now_us();
    int64_t t0_ms = gw_time_now_ms();
    double next_poll = t0;
    size_t next = 0;
    size_t inflight = 0;
    bool timed_out = false;
    struct gw_err err;

    gw_err_clear(&err);
    for (;;) {
        double now = bench_now_us();
        long status;
        struct slot *s;
        double wait_ms = INBOX_POLL_MS;

        for (size_t i = 0; i < lg->concurrency && next < lg->n; i++) {
            struct slot *sl = &lg->slots[i];
            char created[GW_TIME_ISO_LEN + 1];
            double due = lg->rate > 0 ? t0 + (double)next * 1e6 / lg->rate : now;
            if (sl->busy) {
                continue;
            }
            if (due > now) {
                wait_ms = (due - now) / 1000.0;
                break;
            }
            gw_time_format_iso(gw_time_now_ms(), created);
            gw_buf_cleanup(&sl->body);
            if (bench_msg_make(&lg->src, lg->bytes, lg->msgs[next].id, created, &sl->body, &err) != GW_OK) {
                bench_die(PROG, "message", &err);
            }
            lg->msgs[next].ref_ms =
                lg->rate > 0 ? t0_ms + (int64_t)((double)next * 1000.0 / lg->rate) : gw_time_now_ms();
            sl->msg = next++;
            start(lg, sl, lg->sender_url, "/v1/messages", true);
            inflight++;
        }
        if (!lg->inbox_busy && now >= next_poll) {
            char path[128];
            inbox_path(lg, path, sizeof(path));
            start(lg, &lg->inbox, lg->centre_url, path, false);
            lg->inbox_busy = true;
        }
        if (next == lg->n && inflight == 0 && !lg->inbox_busy && all_seen(lg)) {
            return;
        }
        if (now > lg->deadline) {
            if (!timed_out) {
                fprintf(stderr, "%s: timeout while submitting or waiting for the centre's inbox\n", PROG);
            }
            timed_out = true;
            if (!lg->inbox_busy && inflight == 0) {
                return;
            }
        }
        pump(lg, wait_ms < 1 ? 1 : (int)wait_ms);
        while ((s = next_done(lg, &status)) != NULL) {
            if (s == &lg->inbox) {
                lg->inbox_busy = false;
                on_inbox(lg, status, &s->resp);
                next_poll = bench_now_us() + INBOX_POLL_MS * 1000.0;
                continue;
            }
            inflight--;
            if (status == 202 && s->resp.data != NULL &&
                strstr((const char *)s->resp.data, lg->msgs[s->msg].id) != NULL) {
                lg->msgs[s->msg].accepted = true;
                lg->msgs[s->msg].accepted_ms = gw_time_now_ms();
            } else {
                if (lg->refused++ < 5) {
                    fprintf(stderr, "%s: submission %s: HTTP %ld: %.200s\n", PROG, lg->msgs[s->msg].id, status,
                            s->resp.data != NULL ? (const char *)s->resp.data : "");
                }
            }
        }
    }
}

typedef void (*done_fn)(struct lg *lg, struct msg *m, long status, const struct gw_buf *resp);

/* GET /v1/messages/ID+suffix at Ludza for each message in list, concurrency at a time; fn sees each answer. */
static void
run_gets(struct lg *lg, struct msg **list, size_t n, const char *suffix, done_fn fn)
{
    size_t next = 0;
    size_t inflight = 0;

    while (next < n || inflight > 0) {
        long status;
        struct slot *s;
        for (size_t i = 0; i < lg->concurrency && next < n; i++) {
            char path[256];
            if (lg->slots[i].busy) {
                continue;
            }
            snprintf(path, sizeof(path), "/v1/messages/%s%s", list[next]->id, suffix);
            lg->slots[i].msg = (size_t)(list[next] - lg->msgs);
            start(lg, &lg->slots[i], lg->sender_url, path, false);
            next++;
            inflight++;
        }
        pump(lg, 100);
        while ((s = next_done(lg, &status)) != NULL) {
            inflight--;
            fn(lg, &lg->msgs[s->msg], status, &s->resp);
        }
    }
}

static void
on_status(struct lg *lg, struct msg *m, long status, const struct gw_buf *resp)
{
    const char *p = (const char *)resp->data;
    const char *end = p + resp->len;
    char state[32];

    (void)lg;
    if (status != 200 || p == NULL || !json_str(p, end, "state", state, sizeof(state))) {
        fprintf(stderr, "%s: state of %s: HTTP %ld\n", PROG, m->id, status);
        return;
    }
    if (strcmp(state, "delivered") == 0) {
        if (json_i64(p, end, "delivered_ms", &m->delivered_ms) &&
            json_str(p, end, "sha256", m->sha256, sizeof(m->sha256))) {
            m->delivered = true;
            m->final = true;
        }
    } else if (strcmp(state, "rejected") == 0 || strcmp(state, "failed") == 0) {
        fprintf(stderr, "%s: %s ended %s\n", PROG, m->id, state);
        m->final = true;
    }
}

/* Phase 2: the state of each accepted message at Ludza until it is final; after the deadline one more round,
 * so that what was delivered in time is counted. */
static void
follow_states(struct lg *lg, struct msg **list)
{
    for (;;) {
        size_t n = 0;
        double round = bench_now_us();
        for (size_t i = 0; i < lg->n; i++) {
            if (lg->msgs[i].accepted && !lg->msgs[i].final) {
                list[n++] = &lg->msgs[i];
            }
        }
        if (n == 0) {
            return;
        }
        run_gets(lg, list, n, "", on_status);
        if (round > lg->deadline) {
            n = 0;
            for (size_t i = 0; i < lg->n; i++) {
                n += lg->msgs[i].accepted && !lg->msgs[i].final;
            }
            fprintf(stderr, "%s: timeout: %zu messages not delivered\n", PROG, n);
            return;
        }
        while (bench_now_us() < round + STATUS_ROUND_MS * 1000.0) {
            pump(lg, 10);
        }
    }
}

static void
on_message(struct lg *lg, struct msg *m, long status, const struct gw_buf *resp)
{
    (void)lg;
    if (status == 200 && resp->len > 0) {
        gw_ids_hash_sha256(resp->data, resp->len, m->sent_sha256);
    } else {
        fprintf(stderr, "%s: %s as sent: HTTP %ld\n", PROG, m->id, status);
    }
}

static void
on_receipt(struct lg *lg, struct msg *m, long status, const struct gw_buf *resp)
{
    struct gw_err err;
    struct gw_receipt_info info;

    gw_err_clear(&err);
    if (status != 200 || resp->len == 0) {
        fprintf(stderr, "%s: receipt of %s: HTTP %ld\n", PROG, m->id, status);
        return;
    }
    if (m->sent_sha256[0] == '\0' || strcmp(m->sent_sha256, m->sha256) != 0 ||
        strcmp(m->sent_sha256, m->inbox_sha256) != 0) {
        fprintf(stderr, "%s: %s: digests differ: sent %s, state %s, centre's inbox %s\n", PROG, m->id,
                m->sent_sha256, m->sha256, m->inbox_sha256);
        return;
    }
    if (gw_receipt_check(lg->pki, lg->schemas, resp->data, resp->len, CENTRE, SENDER, m->id, m->sent_sha256, &info,
                         &err) != GW_OK) {
        fprintf(stderr, "%s: receipt of %s does not verify: %s: %s\n", PROG, m->id, err.where, err.msg);
        return;
    }
    if (info.status != GW_RECEIPT_ACCEPTED) {
        fprintf(stderr, "%s: receipt of %s is not Accepted\n", PROG, m->id);
        return;
    }
    m->receipt_ok = true;
}

/* The rest of the centre's inbox (anything listed twice shows here too). */
static void
drain_inbox(struct lg *lg)
{
    for (int page = 0; page < 1000; page++) {
        char path[128];
        long status;
        struct slot *s;
        int64_t before = lg->inbox_after;
        inbox_path(lg, path, sizeof(path));
        start(lg, &lg->inbox, lg->centre_url, path, false);
        while ((s = next_done(lg, &status)) == NULL) {
            pump(lg, 100);
        }
        on_inbox(lg, status, &s->resp);
        if (status != 200 || lg->inbox_after == before) {
            return;
        }
    }
}

static int
cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a;
    int64_t y = *(const int64_t *)b;

    return (x > y) - (x < y);
}

/* Nearest-rank percentile q (0..1) of n sorted values. */
static double
percentile(const int64_t *v, size_t n, double q)
{
    size_t k = (size_t)(q * (double)n + 0.999999);

    if (n == 0) {
        return 0;
    }
    return (double)v[k == 0 ? 0 : (k > n ? n - 1 : k - 1)];
}

static void
usage(void)
{
    fprintf(stderr, "usage: loadgen -s SENDER_URL -r CENTRE_URL -a CERT -k KEY -A CENTRE_CERT -K CENTRE_KEY\n"
                    "               -C CA -L CRL -l LABEL [-n N] [-c CONCURRENCY] [-R RATE] [-b BYTES]\n"
                    "               [-t TIMEOUT_S] [-o TSV]\n");
    exit(2);
}

static uint64_t
num_arg(const char *s, uint64_t min, uint64_t max)
{
    uint64_t v;

    if (gw_parse_u64(s, min, max, &v) != GW_OK) {
        usage();
    }
    return v;
}

static void
report(struct lg *lg)
{
    const char *sfx = lg->rate > 0 ? "_half_load" : "";
    int64_t *lat = calloc(lg->n + 1, sizeof(*lat));
    int64_t first = INT64_MAX;
    int64_t last = 0;
    int64_t last_accepted = 0;
    size_t accepted = 0;
    size_t delivered = 0;
    size_t verified = 0;
    size_t lost;
    double secs;

    if (lat == NULL) {
        die("out of memory");
    }
    for (size_t i = 0; i < lg->n; i++) {
        const struct msg *m = &lg->msgs[i];
        accepted += m->accepted;
        if (m->accepted_ms > last_accepted) {
            last_accepted = m->accepted_ms;
        }
        verified += m->receipt_ok;
        if (m->ref_ms != 0 && m->ref_ms < first) {
            first = m->ref_ms;
        }
        if (m->delivered && m->inbox_seen > 0) {
            lat[delivered++] = m->delivered_ms - m->ref_ms;
            if (m->delivered_ms > last) {
                last = m->delivered_ms;
            }
        }
    }
    lost = accepted - delivered;
    qsort(lat, delivered, sizeof(*lat), cmp_i64);
    secs = delivered > 0 && last > first ? (double)(last - first) / 1000.0 : 0;
    fprintf(lg->tsv, "e2e.messages%s.%s\t%zu\n", sfx, lg->label, lg->n);
    fprintf(lg->tsv, "e2e.concurrency%s.%s\t%zu\n", sfx, lg->label, lg->concurrency);
    if (lg->rate > 0) {
        fprintf(lg->tsv, "e2e.offered_per_s%s.%s\t%.1f\n", sfx, lg->label, lg->rate);
    }
    fprintf(lg->tsv, "e2e.msgs_per_s%s.%s\t%.1f\n", sfx, lg->label, secs > 0 ? (double)delivered / secs : 0);
    fprintf(lg->tsv, "e2e.submitted_per_s%s.%s\t%.1f\n", sfx, lg->label,
            last_accepted > first ? (double)accepted * 1000.0 / (double)(last_accepted - first) : 0);
    fprintf(lg->tsv, "e2e.p50_ms%s.%s\t%.0f\n", sfx, lg->label, percentile(lat, delivered, 0.50));
    fprintf(lg->tsv, "e2e.p99_ms%s.%s\t%.0f\n", sfx, lg->label, percentile(lat, delivered, 0.99));
    fprintf(lg->tsv, "e2e.lost%s.%s\t%zu\n", sfx, lg->label, lost);
    fprintf(lg->tsv, "e2e.connections%s.%s\t%lu\n", sfx, lg->label, lg->connects);
    fprintf(lg->tsv, "e2e.refused%s.%s\t%lu\n", sfx, lg->label, lg->refused);
    fprintf(lg->tsv, "e2e.receipts_verified%s.%s\t%zu\n", sfx, lg->label, verified);
    fflush(lg->tsv);
    fprintf(
        stderr, "%s: %s%s: %zu submitted, %zu accepted, %zu delivered in %.1f s (%.1f/s), %zu receipts verified\n",
        PROG, lg->label, sfx, lg->n, accepted, delivered, secs, secs > 0 ? (double)delivered / secs : 0, verified);
    free(lat);
}

int
main(int argc, char **argv)
{
    struct lg lg = {.n = 300, .concurrency = 8, .bytes = 8192, .timeout_s = 180, .tsv = stdout};
    struct gw_err err;
    struct msg **list;
    size_t verified = 0;
    size_t accepted = 0;
    int opt;

    while ((opt = getopt(argc, argv, "s:r:a:k:A:K:C:L:l:n:c:R:b:t:o:")) != -1) {
        switch (opt) {
        case 's':
            lg.sender_url = optarg;
            break;
        case 'r':
            lg.centre_url = optarg;
            break;
        case 'a':
            lg.cert = optarg;
            break;
        case 'k':
            lg.key = optarg;
            break;
        case 'A':
            lg.centre_cert = optarg;
            break;
        case 'K':
            lg.centre_key = optarg;
            break;
        case 'C':
            lg.cacert = optarg;
            break;
        case 'L':
            lg.crl = optarg;
            break;
        case 'l':
            lg.label = optarg;
            break;
        case 'n':
            lg.n = (size_t)num_arg(optarg, 1, MAX_MESSAGES);
            break;
        case 'c':
            lg.concurrency = (size_t)num_arg(optarg, 1, MAX_CONCURRENCY);
            break;
        case 'R':
            lg.rate = (double)num_arg(optarg, 1, 100000);
            break;
        case 'b':
            lg.bytes = (size_t)num_arg(optarg, 1024, 4u * 1024u * 1024u);
            break;
        case 't':
            lg.timeout_s = (double)num_arg(optarg, 1, 3600);
            break;
        case 'o':
            lg.tsv = fopen(optarg, "a");
            if (lg.tsv == NULL) {
                fprintf(stderr, "%s: %s: %s\n", PROG, optarg, strerror(errno));
                return 2;
            }
            break;
        default:
            usage();
        }
    }
    if (optind != argc || lg.sender_url == NULL || lg.centre_url == NULL || lg.cert == NULL || lg.key == NULL ||
        lg.centre_cert == NULL || lg.centre_key == NULL || lg.cacert == NULL || lg.crl == NULL ||
        lg.label == NULL) {
        usage();
    }
    gw_err_clear(&err);
    if (gw_xml_init("schemas", &err) != GW_OK || gw_dsig_init(&err) != GW_OK ||
        gw_schemas_load("schemas", &lg.schemas, &err) != GW_OK ||
        gw_pki_load(lg.cacert, &lg.crl, 1, &lg.pki, &err) != GW_OK ||
        bench_msg_src_load("examples", &lg.src, &err) != GW_OK) {
        bench_die(PROG, "set-up", &err);
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || (lg.multi = curl_multi_init()) == NULL ||
        curl_multi_setopt(lg.multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)lg.concurrency + 1) != CURLM_OK) {
        die("curl set-up");
    }
    lg.msgs = calloc(lg.n, sizeof(*lg.msgs));
    list = calloc(lg.n, sizeof(*list));
    if (lg.msgs == NULL || list == NULL) {
        die("out of memory");
    }
    for (size_t i = 0; i < lg.concurrency; i++) {
        easy_new(&lg, false, &lg.slots[i]);
    }
    easy_new(&lg, true, &lg.inbox);
    new_ids(&lg);
    lg.deadline = bench_now_us() + lg.timeout_s * 1e6;

    submit_all(&lg);
    follow_states(&lg, list);
    drain_inbox(&lg);
    /* phase 3, after the timed part: every delivered message as sent, then its receipt, checked here */
    {
        size_t n = 0;
        for (size_t i = 0; i < lg.n; i++) {
            if (lg.msgs[i].delivered) {
                list[n++] = &lg.msgs[i];
            }
        }
        run_gets(&lg, list, n, "/message", on_message);
        run_gets(&lg, list, n, "/receipt", on_receipt);
    }
    report(&lg);
    for (size_t i = 0; i < lg.n; i++) {
        verified += lg.msgs[i].receipt_ok;
        accepted += lg.msgs[i].accepted;
    }

    for (size_t i = 0; i < lg.concurrency; i++) {
        curl_easy_cleanup(lg.slots[i].h);
        gw_buf_cleanup(&lg.slots[i].resp);
        gw_buf_cleanup(&lg.slots[i].body);
    }
    curl_easy_cleanup(lg.inbox.h);
    gw_buf_cleanup(&lg.inbox.resp);
    gw_buf_cleanup(&lg.inbox.body);
    curl_multi_cleanup(lg.multi);
    curl_global_cleanup();
    bench_msg_src_cleanup(&lg.src);
    gw_pki_free(lg.pki);
    gw_schemas_free(lg.schemas);
    gw_dsig_shutdown();
    free(list);
    free(lg.msgs);
    if (lg.tsv != stdout) {
        fclose(lg.tsv);
    }
    /* figures never fail the run; anything lost, refused, doubled or unverified does */
    if (lg.refused > 0 || lg.dup_inbox > 0 || accepted != lg.n || verified != lg.n) {
        fprintf(stderr, "%s: FAILED: %lu refused, %lu listed twice, %zu of %zu accepted, %zu receipts verified\n",
                PROG, lg.refused, lg.dup_inbox, accepted, lg.n, verified);
        return 1;
    }
    return 0;
}

// SPDX-License-Identifier: MIT
/*
 * The in-process half of `make bench` (docs/performance.md): the cost of one message on this machine (DESIGN
 * §9) for messages of about 2 KB, 8 KB, 64 KB and 1 MB made from the examples (msggen.c), with RSA-2048 and
 * ECDSA P-256 keys from tests/pki, each next to references measured in the same run on the same bytes:
 * OpenSSL signing and verifying the message bytes with the same key (EVP_DigestSign/Verify: one SHA-256 pass
 * and one public-key operation, the floor of any signature) and libxml2 parsing and validating them against
 * the same XSDs. Ratios, not absolute times, are what to compare between runs on a shared, noisy machine.
 * Each figure is the median of its iterations. Also: the cost of a receipt made and checked and of one store
 * commit (the other steps of a delivered message, for the end-to-end efficiency), and the heap high-water
 * mark of one 1 MB message on the submit and the receive path (memcount.c).
 *
 * Writes `metric<TAB>value` lines (the names of docs/performance.md) to -o FILE (default stdout) and what
 * it is doing to stderr. Never fails on a time; fails (exit 2) if any step fails, a signature included.
 * Run from the repository root: uses tests/pki, schemas/ and examples/.
 */
#include <libxml/parser.h>
#include <libxml/xmlschemas.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "memcount.h"
#include "msggen.h"
#include "util.h"
#include "gw/buf.h"
#include "gw/dsig.h"
#include "gw/ids.h"
#include "gw/mem.h"
#include "gw/parse.h"
#include "gw/pki.h"
#include "gw/receipt.h"
#include "gw/schema.h"
#include "gw/sign.h"
#include "gw/store.h"
#include "gw/time.h"
#include "gw/verify.h"
#include "gw/xml.h"

#define PROG "bench"
#define MSG_ID "3f0c8a52-6d1e-4b7a-9c2f-5e8d7a6b4c31"
#define CENTRE "90001800413"
/* the size whose ratios are the headline rows (about the 5.4 KB decision of issue 8) */
#define HEADLINE "8k"
#define COMMITS 40

struct size_case {
    const char *label;
    size_t bytes;
};

static const struct size_case sizes[] = {
    {"2k", 2048},
    {"8k", 8192},
    {"64k", 65536},
    {"1m", 1048576},
};
#define N_SIZES (sizeof(sizes) / sizeof(sizes[0]))

struct key_case {
    const char *label; /* in metric names */
    const char *file;  /* tests/pki/FILE.pem and FILE.key.pem */
};

static const struct key_case keys[] = {
    {"rsa2048", "ludza"},
    {"p256", "ludza-ec"},
};
#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

struct bench {
    FILE *tsv;
    int base_iterations; /* for 8 KB; scaled by size */
    struct gw_schemas *schemas;
    struct gw_pki *pki;
    xmlSchemaPtr libxml2_schema; /* schemas/envelope-v1.xsd compiled by libxml2 directly */
    struct gw_xml_limits lim;
    struct gw_buf msg[N_SIZES];
    double parse_validate_us[N_SIZES];
    double libxml2_us[N_SIZES];
    double submit_us[N_KEYS][N_SIZES];
    double receive_us[N_KEYS][N_SIZES];
    double commit_us;     /* wall clock, the fsync included */
    double commit_cpu_us; /* CPU time of the process */
    size_t mem_peak;      /* bytes: the largest 1 MB high-water mark of either path and key */
    size_t mem_peak_msg;  /* bytes of the message it was measured with */
};

/* per-iteration times (us) of the figure being measured, and of a second one measured in the same loop */
static double *samples;
static double *samples2;

/* One `metric<TAB>value` line; the metric name is formatted from fmt. */
static void row(const struct bench *b, double value, const char *fmt, ...) GW_PRINTF(3, 4);

static void
row(const struct bench *b, double value, const char *fmt, ...)
{
    char name[128];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(name, sizeof(name), fmt, ap);
    va_end(ap);
    fprintf(b->tsv, value >= 1000 ? "%s\t%.0f\n" : "%s\t%.4g\n", name, value);
    fflush(b->tsv);
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;

    return (x > y) - (x < y);
}

static double
median(int n)
{
    qsort(samples, (size_t)n, sizeof(samples[0]), cmp_double);
    return n % 2 == 1 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
}

/* Iterations for a message of `bytes`: base at 8 KB, fewer for larger messages, at least 20. */
static int
iterations_for(const struct bench *b, size_t bytes)
{
    double n = (double)b->base_iterations * 8192.0 / (double)bytes;

    if (n > 2.0 * b->base_iterations) {
        n = 2.0 * b->base_iterations;
    }
    return n < 20 ? 20 : (int)n;
}

static EVP_PKEY *
read_key(const char *path)
{
    FILE *f = fopen(path, "r");
    EVP_PKEY *key = f != NULL ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;

    if (f != NULL) {
        fclose(f);
    }
    if (key == NULL) {
        bench_die(PROG, "reference key", NULL);
    }
    return key;
}

/* OpenSSL alone: sign and verify the message bytes (SHA-256 and one public-key operation) with key. */
static void
raw_reference(EVP_PKEY *key, const struct gw_buf *msg, int n, double *sign_us, double *verify_us)
{
    unsigned char sig[512];
    size_t sig_len = sizeof(sig);

    for (int i = 0; i < n; i++) {
        double t0 = bench_now_us();
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        sig_len = sizeof(sig);
        if (md == NULL || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
            EVP_DigestSign(md, sig, &sig_len, msg->data, msg->len) != 1) {
            bench_die(PROG, "reference sign", NULL);
        }
        EVP_MD_CTX_free(md);
        samples[i] = bench_now_us() - t0;
    }
    *sign_us = median(n);
    for (int i = 0; i < n; i++) {
        double t0 = bench_now_us();
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        if (md == NULL || EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
            EVP_DigestVerify(md, sig, sig_len, msg->data, msg->len) != 1) {
            bench_die(PROG, "reference verify", NULL);
        }
        EVP_MD_CTX_free(md);
        samples[i] = bench_now_us() - t0;
    }
    *verify_us = median(n);
}

/* libxml2 alone: parse (no network, as the gateway) and validate against the envelope schema. */
static double
libxml2_reference(const struct bench *b, const struct gw_buf *msg, int n)
{
    for (int i = 0; i < n; i++) {
        double t0 = bench_now_us();
        xmlDoc *doc = xmlReadMemory((const char *)msg->data, (int)msg->len, NULL, "UTF-8", XML_PARSE_NONET);
        xmlSchemaValidCtxtPtr vctx = xmlSchemaNewValidCtxt(b->libxml2_schema);
        if (doc == NULL || vctx == NULL || xmlSchemaValidateDoc(vctx, doc) != 0) {
            bench_die(PROG, "libxml2 reference: the message does not parse and validate", NULL);
        }
        xmlSchemaFreeValidCtxt(vctx);
        xmlFreeDoc(doc);
        samples[i] = bench_now_us() - t0;
    }
    return median(n);
}

/* The gateway's parse and schema validation of msg. */
static void
parse_validate(const struct bench *b, const struct gw_buf *msg, int n, double *parse_us, double *validate_us)
{
    struct gw_err err;

    gw_err_clear(&err);
    for (int i = 0; i < n; i++) {
        xmlDoc *doc = NULL;
        double t0 = bench_now_us();
        double t1;
        if (gw_xml_parse(msg->data, msg->len, "m", &b->lim, &doc, &err) != GW_OK) {
            bench_die(PROG, "parse", &err);
        }
        t1 = bench_now_us();
        if (gw_schemas_validate(b->schemas, doc, "m", NULL, NULL, &err) != GW_OK) {
            bench_die(PROG, "validate", &err);
        }
        samples2[i] = bench_now_us() - t1;
        samples[i] = t1 - t0;
        xmlFreeDoc(doc);
    }
    *parse_us = median(n);
    memcpy(samples, samples2, (size_t)n * sizeof(*samples2));
    *validate_us = median(n);
}

/* The submission path (parse, validate, sign, serialise). OUT: *signed_doc (free()). */
static void
submit_once(const struct bench *b, const struct gw_signer *signer, const struct gw_buf *msg,
            unsigned char **signed_doc, size_t *signed_len)
{
    struct gw_err err;
    xmlDoc *doc = NULL;

    gw_err_clear(&err);
    if (gw_xml_parse(msg->data, msg->len, "m", &b->lim, &doc, &err) != GW_OK ||
        gw_schemas_validate(b->schemas, doc, "m", NULL, NULL, &err) != GW_OK ||
        gw_signer_sign(signer, doc, "m", &err) != GW_OK ||
        gw_xml_serialize(doc, signed_doc, signed_len, &err) != GW_OK) {
        bench_die(PROG, "submit", &err);
    }
    xmlFreeDoc(doc);
}

/* The exchange path: parse and the full verification policy (certificate chain cached after the first). */
static void
receive_once(const struct bench *b, const unsigned char *data, size_t len)
{
    struct gw_err err;
    xmlDoc *doc = NULL;
    struct gw_verified v = {0};

    gw_err_clear(&err);
    if (gw_xml_parse(data, len, "s", &b->lim, &doc, &err) != GW_OK ||
        gw_verify_message(b->pki, b->schemas, doc, "s", &v, &err) != GW_OK) {
        bench_die(PROG, "receive", &err);
    }
    gw_verified_cleanup(&v);
    xmlFreeDoc(doc);
}

/* Heap high-water mark above what was in use before, of one message on the submit and the receive path;
 * the receive side counts a copy of the received bytes, as the server holds the request body. */
static void
peak_memory(struct bench *b, const struct key_case *k, const struct gw_signer *signer, const struct gw_buf *msg)
{
    unsigned char *signed_doc = NULL;
    unsigned char *body = NULL;
    size_t signed_len = 0;
    size_t base;
    size_t submit_peak;
    size_t receive_peak;

    base = bench_mem_current();
    bench_mem_reset_peak();
    submit_once(b, signer, msg, &signed_doc, &signed_len);
    submit_peak = bench_mem_peak() - base + msg->len; /* the request body the server read */
    base = bench_mem_current();
    bench_mem_reset_peak();
    body = malloc(signed_len);
    if (body == NULL) {
        bench_die(PROG, "out of memory", NULL);
    }
    memcpy(body, signed_doc, signed_len);
    receive_once(b, body, signed_len);
    free(body);
    receive_peak = bench_mem_peak() - base;
    free(signed_doc);
    if (submit_peak > b->mem_peak || receive_peak > b->mem_peak) {
        b->mem_peak = submit_peak > receive_peak ? submit_peak : receive_peak;
        b->mem_peak_msg = msg->len;
    }
    row(b, (double)submit_peak, "mem.peak_submit.%s.1m_bytes", k->label);
    row(b, (double)receive_peak, "mem.peak_receive.%s.1m_bytes", k->label);
    row(b, (double)submit_peak / (double)msg->len, "mem.peak_submit.%s.1m_ratio", k->label);
    row(b, (double)receive_peak / (double)msg->len, "mem.peak_receive.%s.1m_ratio", k->label);
}

/* One submit and one receive of msg, results dropped: warms caches before a measurement. */
static void
receive_and_forget(const struct bench *b, const struct gw_signer *signer, const struct gw_buf *msg)
{
    unsigned char *signed_doc = NULL;
    size_t signed_len = 0;

    submit_once(b, signer, msg, &signed_doc, &signed_len);
    receive_once(b, signed_doc, signed_len);
    free(signed_doc);
}

/* A receipt made (by the receiving gateway) and checked (by the sender's deliverer), medians. */
static void
receipts(const struct bench *b, const struct gw_signer *signer, const unsigned char *signed_doc, size_t signed_len,
         int n, double *make_us, double *check_us)
{
    struct gw_err err;
    char digest[GW_SHA256_HEX_LEN + 1];
    unsigned char *receipt = NULL;
    size_t receipt_len = 0;

    gw_err_clear(&err);
    gw_ids_hash_sha256(signed_doc, signed_len, digest);
    for (int i = 0; i < n; i++) {
        double t0 = bench_now_us();
        free(receipt);
        receipt = NULL;
        if (gw_receipt_make(signer, CENTRE, MSG_ID, digest, GW_RECEIPT_ACCEPTED, GW_R_OK, NULL, &receipt,
                            &receipt_len, NULL, &err) != GW_OK) {
            bench_die(PROG, "receipt make", &err);
        }
        samples[i] = bench_now_us() - t0;
    }
    *make_us = median(n);
    for (int i = 0; i < n; i++) {
        struct gw_receipt_info info;
        double t0 = bench_now_us();
        if (gw_receipt_check(b->pki, b->schemas, receipt, receipt_len, gw_signer_regno(signer), CENTRE, MSG_ID,
                             digest, &info, &err) != GW_OK) {
            bench_die(PROG, "receipt check", &err);
        }
        samples[i] = bench_now_us() - t0;
    }
    *check_us = median(n);
    free(receipt);
}

static void
bench_key(struct bench *b, size_t ki)
{
    const struct key_case *k = &keys[ki];
    char key_path[256];
    char cert_path[256];
    struct gw_signer *signer = NULL;
    struct gw_err err;
    EVP_PKEY *key;

    gw_err_clear(&err);
    snprintf(key_path, sizeof(key_path), "tests/pki/%s.key.pem", k->file);
    snprintf(cert_path, sizeof(cert_path), "tests/pki/%s.pem", k->file);
    if (gw_signer_load(key_path, cert_path, "tests/pki/chain.pem", false, &signer, &err) != GW_OK) {
        bench_die(PROG, "signer", &err);
    }
    key = read_key(key_path);
    for (size_t si = 0; si < N_SIZES; si++) {
        const struct size_case *s = &sizes[si];
        const struct gw_buf *msg = &b->msg[si];
        int n = iterations_for(b, msg->len);
        unsigned char *signed_doc = NULL;
        size_t signed_len = 0;
        double raw_sign;
        double raw_verify;
        char ks[64];

        fprintf(stderr, "%s: %s %s: %d iterations\n", PROG, k->label, s->label, n);
        snprintf(ks, sizeof(ks), "%s.%s", k->label, s->label);
        raw_reference(key, msg, n, &raw_sign, &raw_verify);
        for (int i = 0; i < n; i++) {
            double t0 = bench_now_us();
            free(signed_doc);
            signed_doc = NULL;
            submit_once(b, signer, msg, &signed_doc, &signed_len);
            samples[i] = bench_now_us() - t0;
        }
        b->submit_us[ki][si] = median(n);
        for (int i = 0; i < n; i++) {
            double t0 = bench_now_us();
            receive_once(b, signed_doc, signed_len);
            samples[i] = bench_now_us() - t0;
        }
        b->receive_us[ki][si] = median(n);
        row(b, raw_sign, "raw.sign.%s_us", ks);
        row(b, raw_verify, "raw.verify.%s_us", ks);
        row(b, b->submit_us[ki][si], "submit.%s_us", ks);
        row(b, b->receive_us[ki][si], "receive.%s_us", ks);
        row(b, b->submit_us[ki][si] / raw_sign, "ratio.submit.%s", ks);
        row(b, b->receive_us[ki][si] / raw_verify, "ratio.receive.%s", ks);
        if (strcmp(s->label, HEADLINE) == 0) {
            double make_us;
            double check_us;
            double cost;
            long cores = sysconf(_SC_NPROCESSORS_ONLN);
            row(b, b->submit_us[ki][si] / raw_sign, "ratio.submit.%s", k->label);
            row(b, b->receive_us[ki][si] / raw_verify, "ratio.receive.%s", k->label);
            receipts(b, signer, signed_doc, signed_len, n, &make_us, &check_us);
            row(b, make_us, "receipt.make.%s_us", k->label);
            row(b, check_us, "receipt.check.%s_us", k->label);
            /* one delivered message: submit (sign), receive (verify), receipt made and checked, and three
             * commits: the outbox insert, the inbox insert, the outbox update to delivered. A commit counts
             * with its CPU time: waiting for the disk uses no core, and group commit shares it */
            cost = b->submit_us[ki][si] + b->receive_us[ki][si] + make_us + check_us + 3 * b->commit_cpu_us;
            row(b, cost - 3 * b->commit_cpu_us, "cpu.msg_cost_without_commits.%s_us", k->label);
            row(b, cost, "cpu.msg_cost.%s_us", k->label);
            row(b, (double)(cores > 0 ? cores : 1) * 1e6 / cost, "cpu.bound_msgs_per_s.%s", k->label);
        }
        if (strcmp(s->label, "1m") == 0) {
            row(b, (double)msg->len / b->submit_us[ki][si], "mb_per_s.sign.%s.1m", k->label);
            row(b, (double)msg->len / b->receive_us[ki][si], "mb_per_s.verify.%s.1m", k->label);
        }
        free(signed_doc);
    }
    EVP_PKEY_free(key);
    gw_signer_free(signer);
}

static double
cpu_now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* One durable store commit: an 8 KB message and a receipt put into the inbox (WAL, synchronous=FULL) in a
 * store under dir, one writer, so no commit is shared. OUT: medians of the wall-clock and the CPU time. */
static void
commit_cost(const char *dir, const struct gw_buf *msg, double *wall_us, double *cpu_us)
{
    char path[4096];
    struct gw_store *store = NULL;
    struct gw_err err;

    gw_err_clear(&err);
    snprintf(path, sizeof(path), "%s/bench-commit.db", dir);
    unlink(path);
    if (gw_store_open_sqlite(path, &store, &err) != GW_OK) {
        bench_die(PROG, "store", &err);
    }
    for (int i = 0; i < COMMITS; i++) {
        struct gw_inbox_msg in = {0};
        struct gw_inbox_msg existing = {0};
        struct gw_audit_event ev = {.event = "received", .peer = "90000017453", .outcome = "ok"};
        bool dup = false;
        double t0;
        double c0;
        if (gw_ids_new_uuid(in.id, &err) != GW_OK) {
            bench_die(PROG, "uuid", &err);
        }
        memcpy(in.sender, "90000017453", sizeof(in.sender));
        memcpy(in.type, "Decision", sizeof("Decision"));
        in.body = msg->data;
        in.body_len = msg->len;
        in.receipt = msg->data; /* the bytes do not matter to the store */
        in.receipt_len = 1000;
        in.received_ms = gw_time_now_ms();
        ev.message_id = in.id;
        t0 = bench_now_us();
        c0 = cpu_now_us();
        if (gw_store_put_inbox(store, &in, &ev, &dup, &existing, &err) != GW_OK || dup) {
            bench_die(PROG, "store commit", &err);
        }
        samples2[i] = cpu_now_us() - c0;
        samples[i] = bench_now_us() - t0;
    }
    gw_store_close(store);
    unlink(path);
    snprintf(path, sizeof(path), "%s/bench-commit.db-wal", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/bench-commit.db-shm", dir);
    unlink(path);
    *wall_us = median(COMMITS);
    memcpy(samples, samples2, COMMITS * sizeof(*samples2));
    *cpu_us = median(COMMITS);
}

/* build/bench-mem (memcount.c): only the heap high-water marks of one 1 MB message per key and path. */
static void
memory_only(struct bench *b, const struct bench_msg_src *src, const char *created)
{
    struct gw_buf msg;
    struct gw_err err;

    gw_err_clear(&err);
    if (bench_msg_make(src, sizes[N_SIZES - 1].bytes, MSG_ID, created, &msg, &err) != GW_OK) {
        bench_die(PROG, "message", &err);
    }
    for (size_t ki = 0; ki < N_KEYS; ki++) {
        char key_path[256];
        char cert_path[256];
        struct gw_signer *signer = NULL;
        snprintf(key_path, sizeof(key_path), "tests/pki/%s.key.pem", keys[ki].file);
        snprintf(cert_path, sizeof(cert_path), "tests/pki/%s.pem", keys[ki].file);
        if (gw_signer_load(key_path, cert_path, "tests/pki/chain.pem", false, &signer, &err) != GW_OK) {
            bench_die(PROG, "signer", &err);
        }
        /* once before measuring, so that the certificate chain cache and library state exist already */
        receive_and_forget(b, signer, &msg);
        peak_memory(b, &keys[ki], signer, &msg);
        gw_signer_free(signer);
    }
    /* the larger of the two paths and the two keys: what one in-flight 1 MB message holds at most */
    row(b, (double)b->mem_peak, "mem.peak_per_msg_1mb_bytes");
    row(b, (double)b->mem_peak / (double)b->mem_peak_msg, "mem.peak_per_msg_1mb_ratio");
    gw_buf_cleanup(&msg);
}

/* -P: only one step of one size and key, n times, for a profiler (perf record, valgrind --tool=callgrind);
 * prints nothing but its own time. Not inlined, so that callgrind --toggle-collect=profile sees it. */
__attribute__((noinline)) static void
profile(struct bench *b, const char *step, const char *size, const char *key, const struct bench_msg_src *src,
        const char *created)
{
    const struct size_case *s = NULL;
    const struct key_case *k = NULL;
    char key_path[256];
    char cert_path[256];
    struct gw_signer *signer = NULL;
    struct gw_buf msg;
    struct gw_err err;
    unsigned char *signed_doc = NULL;
    size_t signed_len = 0;
    bool submit = strcmp(step, "submit") == 0;
    double t0;

    gw_err_clear(&err);
    for (size_t i = 0; i < N_SIZES; i++) {
        s = strcmp(sizes[i].label, size) == 0 ? &sizes[i] : s;
    }
    for (size_t i = 0; i < N_KEYS; i++) {
        k = strcmp(keys[i].label, key) == 0 ? &keys[i] : k;
    }
    if (s == NULL || k == NULL || (!submit && strcmp(step, "receive") != 0)) {
        bench_die(PROG, "-P submit|receive with -s 2k|8k|64k|1m and -k rsa2048|p256", NULL);
    }
    snprintf(key_path, sizeof(key_path), "tests/pki/%s.key.pem", k->file);
    snprintf(cert_path, sizeof(cert_path), "tests/pki/%s.pem", k->file);
    if (gw_signer_load(key_path, cert_path, "tests/pki/chain.pem", false, &signer, &err) != GW_OK ||
        bench_msg_make(src, s->bytes, MSG_ID, created, &msg, &err) != GW_OK) {
        bench_die(PROG, "profile set-up", &err);
    }
    submit_once(b, signer, &msg, &signed_doc, &signed_len);
    t0 = bench_now_us();
    for (int i = 0; i < b->base_iterations; i++) {
        if (submit) {
            free(signed_doc);
            signed_doc = NULL;
            submit_once(b, signer, &msg, &signed_doc, &signed_len);
        } else {
            receive_once(b, signed_doc, signed_len);
        }
    }
    fprintf(stderr, "%s: %s %s %s: %.1f us each (mean of %d)\n", PROG, step, size, key,
            (bench_now_us() - t0) / b->base_iterations, b->base_iterations);
    free(signed_doc);
    gw_buf_cleanup(&msg);
    gw_signer_free(signer);
}

static void
usage(void)
{
    fprintf(stderr, "usage: bench [-n ITERATIONS 10..100000 (at 8 KB; default 200)] [-o TSV] [-d STORE_DIR]\n"
                    "       bench -P submit|receive -s 2k|8k|64k|1m -k rsa2048|p256 [-n ITERATIONS]\n");
    exit(2);
}

int
main(int argc, char **argv)
{
    struct bench b = {.tsv = stdout, .base_iterations = 200};
    struct bench_msg_src src;
    struct gw_err err;
    const char *crls[] = {"tests/pki/crl.pem"};
    const char *store_dir = "/tmp";
    const char *profile_step = NULL;
    const char *profile_size = "8k";
    const char *profile_key = "p256";
    char created[GW_TIME_ISO_LEN + 1];
    xmlSchemaParserCtxtPtr pctx = NULL;
    int opt;

    while ((opt = getopt(argc, argv, "n:o:d:P:s:k:")) != -1) {
        uint64_t v;
        switch (opt) {
        case 'n':
            if (gw_parse_u64(optarg, 10, 100000, &v) != GW_OK) {
                usage();
            }
            b.base_iterations = (int)v;
            break;
        case 'o':
            b.tsv = fopen(optarg, "w");
            if (b.tsv == NULL) {
                perror(optarg);
                return 2;
            }
            break;
        case 'd':
            store_dir = optarg;
            break;
        case 'P':
            profile_step = optarg;
            break;
        case 's':
            profile_size = optarg;
            break;
        case 'k':
            profile_key = optarg;
            break;
        default:
            usage();
        }
    }
    if (optind != argc) {
        usage();
    }
    samples = calloc(2 * (size_t)b.base_iterations + COMMITS, sizeof(*samples));
    samples2 = calloc(2 * (size_t)b.base_iterations + COMMITS, sizeof(*samples2));
    if (samples == NULL || samples2 == NULL) {
        bench_die(PROG, "out of memory", NULL);
    }
    /* as the gateway binary does: the libraries allocate through the counting layer (gw/mem.h) */
    gw_err_clear(&err);
    if (gw_mem_install(NULL, &err) != GW_OK) {
        bench_die(PROG, "set-up", &err);
    }
    gw_xml_limits_default(&b.lim);
    if (gw_xml_init("schemas", &err) != GW_OK || gw_dsig_init(&err) != GW_OK ||
        gw_schemas_load("schemas", &b.schemas, &err) != GW_OK ||
        gw_pki_load("tests/pki/trust.pem", crls, 1, &b.pki, &err) != GW_OK ||
        bench_msg_src_load("examples", &src, &err) != GW_OK) {
        bench_die(PROG, "set-up", &err);
    }
    pctx = xmlSchemaNewParserCtxt("schemas/envelope-v1.xsd");
    b.libxml2_schema = pctx != NULL ? xmlSchemaParse(pctx) : NULL;
    xmlSchemaFreeParserCtxt(pctx);
    if (b.libxml2_schema == NULL) {
        bench_die(PROG, "libxml2 reference: schemas/envelope-v1.xsd does not compile", NULL);
    }
    gw_time_format_iso(gw_time_now_ms(), created);
    if (bench_mem_enabled()) {
        memory_only(&b, &src, created);
    }
    if (profile_step != NULL || bench_mem_enabled()) {
        if (profile_step != NULL) {
            profile(&b, profile_step, profile_size, profile_key, &src, created);
        }
        bench_msg_src_cleanup(&src);
        xmlSchemaFree(b.libxml2_schema);
        gw_pki_free(b.pki);
        gw_schemas_free(b.schemas);
        gw_dsig_shutdown();
        free(samples);
        free(samples2);
        return b.tsv != stdout && fclose(b.tsv) != 0 ? 2 : 0;
    }
    fprintf(b.tsv, "cores\t%ld\n", sysconf(_SC_NPROCESSORS_ONLN));
    for (size_t si = 0; si < N_SIZES; si++) {
        int n;
        double parse_us;
        double validate_us;
        if (bench_msg_make(&src, sizes[si].bytes, MSG_ID, created, &b.msg[si], &err) != GW_OK) {
            bench_die(PROG, "message", &err);
        }
        n = iterations_for(&b, b.msg[si].len);
        fprintf(stderr, "%s: parse and validate %s: %d iterations\n", PROG, sizes[si].label, n);
        b.libxml2_us[si] = libxml2_reference(&b, &b.msg[si], n);
        parse_validate(&b, &b.msg[si], n, &parse_us, &validate_us);
        b.parse_validate_us[si] = parse_us + validate_us;
        row(&b, (double)b.msg[si].len, "msg.%s_bytes", sizes[si].label);
        row(&b, parse_us, "parse.%s_us", sizes[si].label);
        row(&b, validate_us, "validate.%s_us", sizes[si].label);
        row(&b, b.libxml2_us[si], "libxml2.parse_validate.%s_us", sizes[si].label);
        row(&b, b.parse_validate_us[si] / b.libxml2_us[si], "ratio.validate_vs_libxml2.%s", sizes[si].label);
        if (strcmp(sizes[si].label, HEADLINE) == 0) {
            row(&b, b.parse_validate_us[si] / b.libxml2_us[si], "ratio.validate_vs_libxml2");
        }
    }
    for (size_t si = 0; si < N_SIZES; si++) {
        if (strcmp(sizes[si].label, HEADLINE) == 0) {
            commit_cost(store_dir, &b.msg[si], &b.commit_us, &b.commit_cpu_us);
        }
    }
    row(&b, b.commit_us, "store.commit_us");
    row(&b, b.commit_cpu_us, "store.commit_cpu_us");
    for (size_t ki = 0; ki < N_KEYS; ki++) {
        bench_key(&b, ki);
    }
    for (size_t si = 0; si < N_SIZES; si++) {
        gw_buf_cleanup(&b.msg[si]);
    }
    bench_msg_src_cleanup(&src);
    xmlSchemaFree(b.libxml2_schema);
    gw_pki_free(b.pki);
    gw_schemas_free(b.schemas);
    gw_dsig_shutdown();
    free(samples);
    free(samples2);
    if (b.tsv != stdout && fclose(b.tsv) != 0) {
        perror("bench: output");
        return 2;
    }
    return 0;
}

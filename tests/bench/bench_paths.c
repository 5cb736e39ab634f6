// SPDX-License-Identifier: MIT
/*
 * make bench-paths: the submit and receive paths of one message, step by step, each next to its floor
 * measured in the same run (docs/performance.md, "Receive and submit paths"):
 *   - raw OpenSSL: one SHA-256 signature / verification with the same key (the key already decoded);
 *   - raw libxml2: xmlReadMemory + xmlSchemaValidateDoc of the same bytes with the same compiled schema;
 *   - the gateway: parse+validate, submit (parse, validate, sign, serialise) and receive (parse and the
 *     whole verification policy, the signer's certificate seen before);
 *   - 1 MB messages (the example with its Reasoning repeated): sign and verify MB/s, and the peak memory
 *     of one message over the process's resting size, measured in a child process.
 * `bench-paths --one PATH N` runs only PATH N times after one warm-up, for a profiler:
 *   valgrind --tool=callgrind --collect-atstart=no --toggle-collect=measured build/bench-paths --one submit-rsa 20
 * (tests/bench/profile-paths.sh does that for every path and prints instructions per message).
 * PATH is parse, raw-parse, submit-rsa, submit-ec, receive-rsa, receive-ec, sign-1mb, verify-1mb,
 * raw-sign-rsa, raw-verify-rsa, raw-sign-ec, raw-verify-ec, raw-c14n.
 * Run from the repository root; uses tests/pki and examples/decision-ludza.xml.
 */
#include <libxml/c14n.h>
#include <libxml/parser.h>
#include <libxml/xmlschemas.h>
#include <openssl/evp.h>
#include <malloc.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"
#include "gw/buf.h"
#include "gw/dsig.h"
#include "gw/parse.h"
#include "gw/pki.h"
#include "gw/schema.h"
#include "gw/sign.h"
#include "gw/verify.h"
#include "gw/xml.h"

#define PROG "bench-paths"
#define MESSAGE "examples/decision-ludza.xml"
#define BIG_TARGET (1024u * 1024u)

struct bench {
    struct gw_schemas *schemas;
    struct gw_pki *pki;
    xmlSchemaPtr raw_schema; /* the envelope XSD compiled by plain libxml2, for the floor */
    struct gw_xml_limits lim;
    struct gw_buf msg;
    unsigned char *big; /* the 1 MB message, unsigned */
    size_t big_len;
    struct gw_signer *signer[2]; /* RSA-2048, P-256 */
    EVP_PKEY *raw_key[2];        /* the same keys, for the raw OpenSSL floor */
    unsigned char raw_sig[2][512];
    size_t raw_sig_len[2];
    unsigned char *signed_msg[2];
    size_t signed_len[2];
    xmlDoc *parsed_signed;     /* signed_msg[0] parsed, for the canonicalisation floor */
    unsigned char *signed_big; /* 1 MB, signed with RSA */
    size_t signed_big_len;
};

static const char *const key_names[2] = {"ludza", "ludza-ec"};

/* Raw OpenSSL: sign and verify one SHA-256 digest with the key of a PEM file. */
static void
raw_crypto(const char *key_path, int iterations, double *sign_us, double *verify_us)
{
    FILE *f = fopen(key_path, "r");
    EVP_PKEY *key = f != NULL ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
    unsigned char data[32] = {1};
    unsigned char sig[512];
    size_t sig_len = sizeof(sig);
    double t0;

    if (f != NULL) {
        fclose(f);
    }
    if (key == NULL) {
        bench_die(PROG, "reference key", NULL);
    }
    t0 = bench_now_us();
    for (int i = 0; i < iterations; i++) {
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        sig_len = sizeof(sig);
        if (EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
            EVP_DigestSign(md, sig, &sig_len, data, sizeof(data)) != 1) {
            bench_die(PROG, "reference sign", NULL);
        }
        EVP_MD_CTX_free(md);
    }
    *sign_us = (bench_now_us() - t0) / iterations;
    t0 = bench_now_us();
    for (int i = 0; i < iterations; i++) {
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        if (EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
            EVP_DigestVerify(md, sig, sig_len, data, sizeof(data)) != 1) {
            bench_die(PROG, "reference verify", NULL);
        }
        EVP_MD_CTX_free(md);
    }
    *verify_us = (bench_now_us() - t0) / iterations;
    EVP_PKEY_free(key);
}

/* One raw OpenSSL signature (or verification) of a SHA-256 digest with key k: the floor of a path. */
static void
raw_one(struct bench *b, size_t k, bool sign)
{
    unsigned char data[32] = {1};
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    size_t len = sizeof(b->raw_sig[k]);
    bool ok = md != NULL;

    if (sign) {
        ok = ok && EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, b->raw_key[k]) == 1 &&
             EVP_DigestSign(md, b->raw_sig[k], &len, data, sizeof(data)) == 1;
        b->raw_sig_len[k] = len;
    } else {
        ok = ok && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, b->raw_key[k]) == 1 &&
             EVP_DigestVerify(md, b->raw_sig[k], b->raw_sig_len[k], data, sizeof(data)) == 1;
    }
    EVP_MD_CTX_free(md);
    if (!ok) {
        bench_die(PROG, sign ? "raw sign" : "raw verify", NULL);
    }
}

static int
hash_write(void *ctx, const char *buf, int len)
{
    return EVP_DigestUpdate(ctx, buf, (size_t)len) == 1 ? len : -1;
}

/* The floor of a Reference's digest: libxml2's exclusive C14N of the whole parsed document without its
 * Signature (unlinked for the while, which is what the enveloped transform selects) straight into
 * SHA-256, with no node-set callback; what xmlsec spends on the same digest is compared with this. */
static void
raw_c14n(struct bench *b)
{
    xmlNode *root = xmlDocGetRootElement(b->parsed_signed);
    xmlNode *sig = root != NULL ? root->last : NULL;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    xmlOutputBufferPtr out = NULL;
    unsigned char digest[32];
    unsigned int dlen = 0;
    int rc;

    while (sig != NULL && sig->type != XML_ELEMENT_NODE) {
        sig = sig->prev;
    }
    if (sig == NULL || md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
        bench_die(PROG, "raw c14n", NULL);
    }
    out = xmlOutputBufferCreateIO(hash_write, NULL, md, NULL);
    xmlUnlinkNode(sig);
    rc = out != NULL ? xmlC14NDocSaveTo(b->parsed_signed, NULL, XML_C14N_EXCLUSIVE_1_0, NULL, 0, out) : -1;
    xmlAddChild(root, sig);
    if (rc < 0 || xmlOutputBufferClose(out) < 0 || EVP_DigestFinal_ex(md, digest, &dlen) != 1) {
        bench_die(PROG, "raw c14n", NULL);
    }
    EVP_MD_CTX_free(md);
}

/* The floor of parse+validate: plain libxml2 on the same bytes, with the same envelope schema. */
static void
raw_parse(const struct bench *b, const unsigned char *data, size_t len)
{
    xmlDoc *doc = xmlReadMemory((const char *)data, (int)len, NULL, "UTF-8", XML_PARSE_NONET);
    xmlSchemaValidCtxtPtr v = xmlSchemaNewValidCtxt(b->raw_schema);

    if (doc == NULL || v == NULL || xmlSchemaValidateDoc(v, doc) != 0) {
        bench_die(PROG, "raw libxml2 parse+validate", NULL);
    }
    xmlSchemaFreeValidCtxt(v);
    xmlFreeDoc(doc);
}

static void
gw_parse(struct bench *b, const unsigned char *data, size_t len)
{
    xmlDoc *doc = NULL;
    struct gw_err err;

    gw_err_clear(&err);
    if (gw_xml_parse(data, len, "m", &b->lim, &doc, &err) != GW_OK ||
        gw_schemas_validate(b->schemas, doc, "m", NULL, NULL, &err) != GW_OK) {
        bench_die(PROG, "parse", &err);
    }
    xmlFreeDoc(doc);
}

/* The submission path: parse, validate, sign, serialise. OUT: *out (free()) if out is not NULL. */
static void
submit(struct bench *b, const struct gw_signer *s, const unsigned char *data, size_t len, unsigned char **out,
       size_t *out_len)
{
    xmlDoc *doc = NULL;
    unsigned char *signed_doc = NULL;
    size_t signed_len = 0;
    struct gw_err err;

    gw_err_clear(&err);
    if (gw_xml_parse(data, len, "m", &b->lim, &doc, &err) != GW_OK ||
        gw_schemas_validate(b->schemas, doc, "m", NULL, NULL, &err) != GW_OK ||
        gw_signer_sign(s, doc, "m", &err) != GW_OK ||
        gw_xml_serialize(doc, &signed_doc, &signed_len, &err) != GW_OK) {
        bench_die(PROG, "submit", &err);
    }
    xmlFreeDoc(doc);
    if (out != NULL) {
        *out = signed_doc;
        *out_len = signed_len;
    } else {
        free(signed_doc);
    }
}

/* The exchange path: parse and the whole verification policy. */
static void
receive(struct bench *b, const unsigned char *data, size_t len)
{
    xmlDoc *doc = NULL;
    struct gw_verified v = {0};
    struct gw_err err;

    gw_err_clear(&err);
    if (gw_xml_parse(data, len, "s", &b->lim, &doc, &err) != GW_OK ||
        gw_verify_message(b->pki, b->schemas, doc, "s", &v, &err) != GW_OK) {
        bench_die(PROG, "receive", &err);
    }
    gw_verified_cleanup(&v);
    xmlFreeDoc(doc);
}

/* The example with paragraphs of about 15,000 bytes added to its Reasoning until the message is about
 * 1 MB (the schema allows 500 paragraphs of up to 20,000 characters); each is the first paragraph's text
 * repeated. */
static void
make_big(struct bench *b)
{
    const char *text = (const char *)b->msg.data;
    const char *open = strstr(text, "<c:Paragraph>");
    const char *end = strstr(text, "</Reasoning>");
    const char *close = open != NULL ? strstr(open, "</c:Paragraph>") : NULL;
    const char *body;
    size_t body_len;
    size_t head;
    size_t n;

    if (open == NULL || end == NULL || close == NULL) {
        bench_die(PROG, "1 MB message: no Reasoning paragraph in " MESSAGE, NULL);
    }
    body = open + strlen("<c:Paragraph>");
    body_len = (size_t)(close - body);
    head = (size_t)(end - text);
    b->big = malloc(BIG_TARGET + 64 * 1024);
    if (b->big == NULL) {
        bench_die(PROG, "1 MB message", NULL);
    }
    memcpy(b->big, text, head);
    n = head;
    while (n + 20000 + (b->msg.len - head) < BIG_TARGET) {
        size_t para = 0;
        memcpy(b->big + n, "<c:Paragraph>", 13);
        n += 13;
        while (para + body_len + 1 < 15000) {
            memcpy(b->big + n, body, body_len);
            b->big[n + body_len] = ' ';
            n += body_len + 1;
            para += body_len + 1;
        }
        memcpy(b->big + n, "x</c:Paragraph>\n", 16);
        n += 16;
    }
    memcpy(b->big + n, text + head, b->msg.len - head);
    b->big_len = n + b->msg.len - head;
}

static void
setup(struct bench *b)
{
    const char *crls[] = {"tests/pki/crl.pem"};
    struct gw_err err;
    xmlSchemaParserCtxtPtr pctx = NULL;

    memset(b, 0, sizeof(*b));
    gw_err_clear(&err);
    gw_buf_init(&b->msg, 1024 * 1024);
    gw_xml_limits_default(&b->lim);
    if (gw_xml_init("schemas", &err) != GW_OK || gw_dsig_init(&err) != GW_OK ||
        gw_schemas_load("schemas", &b->schemas, &err) != GW_OK ||
        gw_pki_load("tests/pki/trust.pem", crls, 1, &b->pki, &err) != GW_OK ||
        gw_buf_read_file(&b->msg, MESSAGE, &err) != GW_OK) {
        bench_die(PROG, "set-up", &err);
    }
    pctx = xmlSchemaNewParserCtxt("schemas/envelope-v1.xsd");
    b->raw_schema = pctx != NULL ? xmlSchemaParse(pctx) : NULL;
    xmlSchemaFreeParserCtxt(pctx);
    if (b->raw_schema == NULL) {
        bench_die(PROG, "raw schema", NULL);
    }
    for (size_t k = 0; k < 2; k++) {
        char key[256];
        char cert[256];
        snprintf(key, sizeof(key), "tests/pki/%s.key.pem", key_names[k]);
        snprintf(cert, sizeof(cert), "tests/pki/%s.pem", key_names[k]);
        if (gw_signer_load(key, cert, "tests/pki/chain.pem", false, &b->signer[k], &err) != GW_OK) {
            bench_die(PROG, "signer", &err);
        }
        submit(b, b->signer[k], b->msg.data, b->msg.len, &b->signed_msg[k], &b->signed_len[k]);
        {
            FILE *f = fopen(key, "r");
            b->raw_key[k] = f != NULL ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
            if (f != NULL) {
                fclose(f);
            }
            if (b->raw_key[k] == NULL) {
                bench_die(PROG, "raw key", NULL);
            }
            raw_one(b, k, true);
        }
    }
    if (gw_xml_parse(b->signed_msg[0], b->signed_len[0], "s", &b->lim, &b->parsed_signed, &err) != GW_OK) {
        bench_die(PROG, "parse", &err);
    }
    make_big(b);
    submit(b, b->signer[0], b->big, b->big_len, &b->signed_big, &b->signed_big_len);
}

static void
teardown(struct bench *b)
{
    for (size_t k = 0; k < 2; k++) {
        free(b->signed_msg[k]);
        gw_signer_free(b->signer[k]);
        EVP_PKEY_free(b->raw_key[k]);
    }
    free(b->signed_big);
    free(b->big);
    xmlFreeDoc(b->parsed_signed);
    xmlSchemaFree(b->raw_schema);
    gw_buf_cleanup(&b->msg);
    gw_pki_free(b->pki);
    gw_schemas_free(b->schemas);
    gw_dsig_shutdown();
}

/* One step of a path, by name; false if there is no such path. The profiler's toggle names this function. */
__attribute__((noinline)) static bool
run_one(struct bench *b, const char *path)
{
    if (strcmp(path, "parse") == 0) {
        gw_parse(b, b->msg.data, b->msg.len);
    } else if (strcmp(path, "raw-c14n") == 0) {
        raw_c14n(b);
    } else if (strcmp(path, "raw-parse") == 0) {
        raw_parse(b, b->msg.data, b->msg.len);
    } else if (strcmp(path, "submit-rsa") == 0) {
        submit(b, b->signer[0], b->msg.data, b->msg.len, NULL, NULL);
    } else if (strcmp(path, "submit-ec") == 0) {
        submit(b, b->signer[1], b->msg.data, b->msg.len, NULL, NULL);
    } else if (strcmp(path, "receive-rsa") == 0) {
        receive(b, b->signed_msg[0], b->signed_len[0]);
    } else if (strcmp(path, "receive-ec") == 0) {
        receive(b, b->signed_msg[1], b->signed_len[1]);
    } else if (strcmp(path, "sign-1mb") == 0) {
        submit(b, b->signer[0], b->big, b->big_len, NULL, NULL);
    } else if (strcmp(path, "verify-1mb") == 0) {
        receive(b, b->signed_big, b->signed_big_len);
    } else if (strncmp(path, "raw-sign-", 9) == 0 || strncmp(path, "raw-verify-", 11) == 0) {
        bool sign = strncmp(path, "raw-sign-", 9) == 0;
        const char *alg = path + (sign ? 9 : 11);
        if (strcmp(alg, "rsa") != 0 && strcmp(alg, "ec") != 0) {
            return false;
        }
        raw_one(b, strcmp(alg, "rsa") == 0 ? 0 : 1, sign);
    } else {
        return false;
    }
    return true;
}

static double
time_path(struct bench *b, const char *path, int iterations)
{
    double t0;

    (void)run_one(b, path); /* warm-up: the signer's chain enters the cache as it would on a live gateway */
    t0 = bench_now_us();
    for (int i = 0; i < iterations; i++) {
        (void)run_one(b, path);
    }
    return (bench_now_us() - t0) / iterations;
}

/* Peak resident memory of one 1 MB message over the resting size, in a child whose high-water mark starts
 * at the resting size (Linux sets a forked process's to its current size). */
static double
peak_kib(struct bench *b, const char *path)
{
    int fds[2];
    pid_t pid;
    double kib = -1;
    int status = 0;

    if (pipe(fds) != 0) {
        bench_die(PROG, "pipe", NULL);
    }
    pid = fork();
    if (pid < 0) {
        bench_die(PROG, "fork", NULL);
    }
    if (pid == 0) {
        struct rusage before;
        struct rusage after;
        double d;
        close(fds[0]);
        malloc_trim(0); /* what earlier messages left free in the heap must not hide this one's peak */
        getrusage(RUSAGE_SELF, &before);
        (void)run_one(b, path);
        getrusage(RUSAGE_SELF, &after);
        d = (double)(after.ru_maxrss - before.ru_maxrss);
        if (write(fds[1], &d, sizeof(d)) != (ssize_t)sizeof(d)) {
            _exit(1);
        }
        _exit(0);
    }
    close(fds[1]);
    if (read(fds[0], &kib, sizeof(kib)) != (ssize_t)sizeof(kib)) {
        kib = -1;
    }
    close(fds[0]);
    waitpid(pid, &status, 0);
    return kib;
}

/* The measured repetitions of --one, apart from the warm-up, for the profiler's --toggle-collect. */
__attribute__((noinline)) static void
measured(struct bench *b, const char *path, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        (void)run_one(b, path);
    }
}

int
main(int argc, char **argv)
{
    struct bench b;
    uint64_t n = 300;
    int iterations;

    if (argc == 4 && strcmp(argv[1], "--one") == 0) {
        if (gw_parse_u64(argv[3], 1, 1000000, &n) != GW_OK) {
            fprintf(stderr, "usage: bench-paths --one PATH N\n");
            return 2;
        }
        setup(&b);
        if (!run_one(&b, argv[2])) {
            fprintf(stderr, "bench-paths: unknown path %s\n", argv[2]);
            return 2;
        }
        measured(&b, argv[2], n);
        teardown(&b);
        return 0;
    }
    if (argc > 2 || (argc == 2 && gw_parse_u64(argv[1], 1, 1000000, &n) != GW_OK)) {
        fprintf(stderr, "usage: bench-paths [ITERATIONS 1..1000000] | --one PATH N\n");
        return 2;
    }
    iterations = (int)n;
    setup(&b);
    printf("message: %s (%zu bytes), %d iterations each\n", MESSAGE, b.msg.len, iterations);
    {
        double raw = time_path(&b, "raw-parse", iterations);
        double ours = time_path(&b, "parse", iterations);
        printf("%-34s %8.1f us   libxml2 parse+XSD %8.1f us   ratio %5.2f\n", "parse+validate", ours, raw,
               ours / raw);
    }
    for (size_t k = 0; k < 2; k++) {
        char key[256];
        double ref_sign = 0;
        double ref_verify = 0;
        double s;
        double r;
        snprintf(key, sizeof(key), "tests/pki/%s.key.pem", key_names[k]);
        raw_crypto(key, iterations, &ref_sign, &ref_verify);
        s = time_path(&b, k == 0 ? "submit-rsa" : "submit-ec", iterations);
        r = time_path(&b, k == 0 ? "receive-rsa" : "receive-ec", iterations);
        printf("%-34s %8.1f us   raw sign          %8.1f us   ratio %5.2f\n",
               k == 0 ? "submit RSA-2048" : "submit P-256", s, ref_sign, s / ref_sign);
        printf("%-34s %8.1f us   raw verify        %8.1f us   ratio %5.2f\n",
               k == 0 ? "receive RSA-2048" : "receive P-256", r, ref_verify, r / ref_verify);
    }
    {
        int big_iter = iterations / 30 > 3 ? iterations / 30 : 3;
        double s = time_path(&b, "sign-1mb", big_iter);
        double v = time_path(&b, "verify-1mb", big_iter);
        double ps = peak_kib(&b, "sign-1mb");
        double pv = peak_kib(&b, "verify-1mb");
        double mb = (double)b.big_len / 1e6;
        printf("1 MB message: %zu bytes (signed %zu), %d iterations\n", b.big_len, b.signed_big_len, big_iter);
        printf("%-34s %8.1f MB/s  peak %8.0f KiB = %5.2f x the message\n", "sign 1 MB (submit path, RSA)",
               mb / (s / 1e6), ps, ps * 1024.0 / (double)b.big_len);
        printf("%-34s %8.1f MB/s  peak %8.0f KiB = %5.2f x the message\n", "verify 1 MB (receive path)",
               mb / (v / 1e6), pv, pv * 1024.0 / (double)b.signed_big_len);
    }
    teardown(&b);
    return 0;
}

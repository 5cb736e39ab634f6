// SPDX-License-Identifier: MIT
/*
 * Unit tests of gateway/tsp.c: the RFC 3161 request, and the reply and token checks, with replies made in
 * this process by OpenSSL's TS_RESP_CTX and a TSA PKI made in this process (EC P-256: a TSA root, a TSA
 * certificate with a critical timeStamping-only extendedKeyUsage, twins of it with a non-critical or no
 * extendedKeyUsage, a self-signed TSA). Each broken reply fails with its own reason code.
 */
#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pkcs7.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

#include "gw/limits.h"
#include "gw/time.h"
#include "gw/tsp.h"
#include "t.h"

enum eku { EKU_CRITICAL, EKU_NONCRITICAL, EKU_NONE, EKU_EXTRA };

static const unsigned char data_digest[GW_TSP_DIGEST_LEN] = {
    0x2c, 0xf2, 0x4d, 0xba, 0x5f, 0xb0, 0xa3, 0x0e, 0x26, 0xe8, 0x3b, 0x2a, 0xc5, 0xb9, 0xe2, 0x9e,
    0x1b, 0x16, 0x1e, 0x5c, 0x1f, 0xa7, 0x42, 0x5e, 0x73, 0x04, 0x33, 0x62, 0x93, 0x8b, 0x98, 0x24,
};

/* The fixture of one test: a TSA PKI, a request for data_digest, the reply made to it and the checker's
 * output. fx_init makes the first two; fx_free frees everything. */
struct fx {
    EVP_PKEY *root_key;
    X509 *root;
    EVP_PKEY *tsa_key;
    X509 *tsa;
    EVP_PKEY *rogue_key;
    X509 *rogue; /* self-signed TSA, not in the store */
    X509_STORE *store;
    struct gw_tsp_req req;   /* a request for data_digest */
    unsigned char *der;      /* the reply under test (OPENSSL_free) */
    size_t len;              /* bytes of der */
    struct gw_tsp_token tok; /* the checker's output */
    struct gw_err err;
};

/* What the TSA does with one request. */
struct mk {
    long time_offset;  /* seconds added to genTime */
    long accuracy_s;   /* accuracy seconds; 0: accuracy 1 s */
    bool reject;       /* answer PKIStatus rejection */
    bool wrong_nonce;  /* answer to a request with nonce + 1 */
    bool no_nonce;     /* answer to a request without a nonce */
    bool wrong_digest; /* answer to a request with another imprint */
    bool no_cert_req;  /* answer to a request with certReq false */
    bool sha384;       /* answer to a request with a SHA-384 imprint */
    int extra_certs;   /* copies of the signer's certificate added to the token */
};

static X509 *
make_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key, bool ca, enum eku eku, long serial,
          long days)
{
    X509 *x = X509_new();
    X509_NAME *name = X509_NAME_new();
    X509V3_CTX v3;
    const char *exts[6][2];
    size_t n = 0;
    bool ok = x != NULL && name != NULL;

    if (ca) {
        exts[n][0] = "basicConstraints", exts[n++][1] = "critical,CA:true";
        exts[n][0] = "keyUsage", exts[n++][1] = "critical,keyCertSign,cRLSign";
    } else {
        exts[n][0] = "basicConstraints", exts[n++][1] = "critical,CA:false";
        exts[n][0] = "keyUsage", exts[n++][1] = "critical,digitalSignature";
        if (eku == EKU_CRITICAL) {
            exts[n][0] = "extendedKeyUsage", exts[n++][1] = "critical,timeStamping";
        } else if (eku == EKU_NONCRITICAL) {
            exts[n][0] = "extendedKeyUsage", exts[n++][1] = "timeStamping";
        } else if (eku == EKU_EXTRA) {
            exts[n][0] = "extendedKeyUsage", exts[n++][1] = "critical,timeStamping,serverAuth";
        }
    }
    ok = ok && X509_set_version(x, 2) == 1 && ASN1_INTEGER_set(X509_get_serialNumber(x), serial) == 1 &&
         X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0) == 1 &&
         X509_set_subject_name(x, name) == 1 &&
         X509_set_issuer_name(x, issuer != NULL ? X509_get_subject_name(issuer) : name) == 1 &&
         X509_gmtime_adj(X509_getm_notBefore(x), -86400) != NULL &&
         X509_gmtime_adj(X509_getm_notAfter(x), days * 86400) != NULL && X509_set_pubkey(x, key) == 1;
    X509V3_set_ctx(&v3, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
    for (size_t i = 0; ok && i < n; i++) {
        X509_EXTENSION *e = X509V3_EXT_conf(NULL, &v3, exts[i][0], exts[i][1]);
        ok = e != NULL && X509_add_ext(x, e, -1) == 1;
        X509_EXTENSION_free(e);
    }
    ok = ok && X509_sign(x, issuer_key, EVP_sha256()) > 0;
    X509_NAME_free(name);
    if (!ok) {
        X509_free(x);
        return NULL;
    }
    return x;
}

static void
fx_free(struct fx *f)
{
    X509_STORE_free(f->store);
    X509_free(f->root);
    X509_free(f->tsa);
    X509_free(f->rogue);
    EVP_PKEY_free(f->root_key);
    EVP_PKEY_free(f->tsa_key);
    EVP_PKEY_free(f->rogue_key);
    gw_tsp_req_cleanup(&f->req);
    OPENSSL_free(f->der);
    gw_tsp_token_cleanup(&f->tok);
    memset(f, 0, sizeof(*f));
}

static bool
fx_init(struct fx *f)
{
    memset(f, 0, sizeof(*f));
    f->root_key = EVP_EC_gen("P-256");
    f->tsa_key = EVP_EC_gen("P-256");
    f->rogue_key = EVP_EC_gen("P-256");
    if (f->root_key == NULL || f->tsa_key == NULL || f->rogue_key == NULL) {
        return false;
    }
    f->root = make_cert("Test TSA Root", f->root_key, NULL, f->root_key, true, EKU_NONE, 1, 3650);
    f->tsa = f->root != NULL
                 ? make_cert("Test TSA", f->tsa_key, f->root, f->root_key, false, EKU_CRITICAL, 4097, 3650)
                 : NULL;
    f->rogue = make_cert("Rogue TSA", f->rogue_key, NULL, f->rogue_key, false, EKU_CRITICAL, 7, 3650);
    f->store = X509_STORE_new();
    return f->tsa != NULL && f->rogue != NULL && f->store != NULL && X509_STORE_add_cert(f->store, f->root) == 1 &&
           gw_tsp_request_new(data_digest, &f->req, &f->err) == GW_OK;
}

static int
time_cb(TS_RESP_CTX *ctx, void *data, long *sec, long *usec)
{
    const struct mk *m = data;

    (void)ctx;
    *sec = (long)(gw_time_now_ms() / 1000) + m->time_offset;
    *usec = 0;
    return 1;
}

static ASN1_INTEGER *
serial_cb(TS_RESP_CTX *ctx, void *data)
{
    const struct mk *m = data;
    ASN1_INTEGER *s;

    if (m->reject) {
        TS_RESP_CTX_set_status_info(ctx, TS_STATUS_REJECTION, "rejected by the test");
        TS_RESP_CTX_add_failure_info(ctx, TS_INFO_TIME_NOT_AVAILABLE);
        return NULL;
    }
    s = ASN1_INTEGER_new();
    if (s != NULL) {
        ASN1_INTEGER_set(s, 42);
    }
    return s;
}

/* The request as the TSA sees it, changed as m says. */
static BIO *
tsa_view(const struct gw_tsp_req *req, const struct mk *m)
{
    const unsigned char *p = req->der;
    TS_REQ *r = d2i_TS_REQ(NULL, &p, (long)req->der_len);
    BIO *bio = BIO_new(BIO_s_mem());
    bool ok = r != NULL && bio != NULL;

    if (ok && m->wrong_nonce) {
        ASN1_INTEGER *n = ASN1_INTEGER_new();
        ok = n != NULL && ASN1_INTEGER_set_uint64(n, req->nonce + 1) == 1 && TS_REQ_set_nonce(r, n) == 1;
        ASN1_INTEGER_free(n);
    }
    if (ok && m->no_nonce) {
        /* no call removes a nonce: the same request built again without one */
        TS_REQ *bare = TS_REQ_new();
        ok = bare != NULL && TS_REQ_set_version(bare, 1) == 1 &&
             TS_REQ_set_msg_imprint(bare, TS_REQ_get_msg_imprint(r)) == 1 && TS_REQ_set_cert_req(bare, 1) == 1;
        TS_REQ_free(r);
        r = bare;
    }
    if (ok && (m->wrong_digest || m->sha384)) {
        TS_MSG_IMPRINT *imp = TS_REQ_get_msg_imprint(r);
        unsigned char d[48];
        memset(d, 0x5a, sizeof(d));
        if (m->sha384) {
            X509_ALGOR *a = X509_ALGOR_new();
            ok = a != NULL && X509_ALGOR_set0(a, OBJ_nid2obj(NID_sha384), V_ASN1_NULL, NULL) == 1 &&
                 TS_MSG_IMPRINT_set_algo(imp, a) == 1 && TS_MSG_IMPRINT_set_msg(imp, d, 48) == 1;
            X509_ALGOR_free(a);
        } else {
            ok = TS_MSG_IMPRINT_set_msg(imp, d, GW_TSP_DIGEST_LEN) == 1;
        }
    }
    if (ok && m->no_cert_req) {
        ok = TS_REQ_set_cert_req(r, 0) == 1;
    }
    ok = ok && i2d_TS_REQ_bio(bio, r) == 1;
    TS_REQ_free(r);
    if (!ok) {
        BIO_free(bio);
        return NULL;
    }
    return bio;
}

/* A TSA reply to req signed by cert/key. OUT: *der (OPENSSL_free), *len. */
static bool
make_reply(X509 *cert, EVP_PKEY *key, const struct gw_tsp_req *req, const struct mk *m, unsigned char **der,
           size_t *len)
{
    TS_RESP_CTX *ctx = TS_RESP_CTX_new();
    ASN1_OBJECT *pol = OBJ_txt2obj("1.2.3.4.1", 1);
    BIO *in = tsa_view(req, m);
    TS_RESP *resp = NULL;
    int n = -1;

    if (ctx != NULL && pol != NULL && in != NULL && TS_RESP_CTX_set_signer_cert(ctx, cert) == 1 &&
        TS_RESP_CTX_set_signer_key(ctx, key) == 1 && TS_RESP_CTX_set_def_policy(ctx, pol) == 1 &&
        TS_RESP_CTX_add_md(ctx, EVP_sha256()) == 1 && TS_RESP_CTX_add_md(ctx, EVP_sha384()) == 1 &&
        TS_RESP_CTX_set_signer_digest(ctx, EVP_sha256()) == 1 &&
        TS_RESP_CTX_set_ess_cert_id_digest(ctx, EVP_sha256()) == 1 &&
        TS_RESP_CTX_set_accuracy(ctx, m->accuracy_s > 0 ? (int)m->accuracy_s : 1, 0, 0) == 1) {
        STACK_OF(X509) *extra = sk_X509_new_null();
        for (int i = 0; extra != NULL && i < m->extra_certs; i++) {
            (void)sk_X509_push(extra, cert);
        }
        if (extra == NULL || TS_RESP_CTX_set_certs(ctx, extra) != 1) {
            ERR_clear_error();
        }
        sk_X509_free(extra); /* the context keeps its own references */
        TS_RESP_CTX_set_time_cb(ctx, time_cb, (void *)(uintptr_t)m);
        TS_RESP_CTX_set_serial_cb(ctx, serial_cb, (void *)(uintptr_t)m);
        resp = TS_RESP_create_response(ctx, in);
    }
    if (resp != NULL) {
        *der = NULL;
        n = i2d_TS_RESP(resp, der);
    }
    TS_RESP_free(resp);
    BIO_free(in);
    ASN1_OBJECT_free(pol);
    TS_RESP_CTX_free(ctx);
    ERR_clear_error();
    if (n <= 0) {
        return false;
    }
    *len = (size_t)n;
    return true;
}

/* The reply with the signer's certificate in the token replaced by twin (same issuer, serial and key). */
static bool
swap_signer_cert(unsigned char **der, size_t *len, X509 *twin)
{
    const unsigned char *p = *der;
    TS_RESP *resp = d2i_TS_RESP(NULL, &p, (long)*len);
    PKCS7 *tok = resp != NULL ? TS_RESP_get_token(resp) : NULL;
    STACK_OF(X509) *certs = tok != NULL ? tok->d.sign->cert : NULL;
    X509 *old;
    unsigned char *out = NULL;
    int n = -1;

    if (certs != NULL && sk_X509_num(certs) == 1 && X509_up_ref(twin) == 1) {
        old = sk_X509_value(certs, 0); /* sk_X509_set returns the new value, not the old one */
        (void)sk_X509_set(certs, 0, twin);
        X509_free(old);
        n = i2d_TS_RESP(resp, &out);
    }
    TS_RESP_free(resp);
    if (n <= 0) {
        return false;
    }
    OPENSSL_free(*der);
    *der = out;
    *len = (size_t)n;
    return true;
}

static int64_t
now_s(void)
{
    return gw_time_now_ms() / 1000;
}

static void
test_request(struct t *t)
{
    struct gw_err err;
    struct gw_tsp_req a;
    struct gw_tsp_req b;
    TS_REQ *r = NULL;
    const unsigned char *p;
    uint64_t n = 0;

    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    EXPECT_OK(gw_tsp_request_new(data_digest, &a, &err), &err);
    EXPECT_OK(gw_tsp_request_new(data_digest, &b, &err), &err);
    EXPECT_TRUE(a.nonce != 0 && a.nonce != b.nonce);
    p = a.der;
    r = d2i_TS_REQ(NULL, &p, (long)a.der_len);
    EXPECT_TRUE(r != NULL && p == a.der + a.der_len);
    EXPECT_INT_EQ(TS_REQ_get_version(r), 1);
    EXPECT_INT_EQ(TS_REQ_get_cert_req(r), 1);
    EXPECT_TRUE(TS_REQ_get_policy_id(r) == NULL);
    EXPECT_TRUE(ASN1_INTEGER_get_uint64(&n, TS_REQ_get_nonce(r)) == 1 && n == a.nonce);
    EXPECT_INT_EQ(OBJ_obj2nid(TS_MSG_IMPRINT_get_algo(TS_REQ_get_msg_imprint(r))->algorithm), NID_sha256);
    EXPECT_TRUE(memcmp(ASN1_STRING_get0_data(TS_MSG_IMPRINT_get_msg(TS_REQ_get_msg_imprint(r))), data_digest,
                       GW_TSP_DIGEST_LEN) == 0);
out:
    TS_REQ_free(r);
    gw_tsp_req_cleanup(&a);
    gw_tsp_req_cleanup(&b);
}

/* A good reply passes, with genTime now; its token passes alone, and fails over another digest. */
static void
test_good(struct t *t)
{
    struct fx f;
    struct gw_tsp_token tok2;
    struct mk m = {0};
    unsigned char other[GW_TSP_DIGEST_LEN];
    X509_STORE *own = NULL;

    memset(&tok2, 0, sizeof(tok2));
    EXPECT_TRUE(fx_init(&f));
    EXPECT_TRUE(make_reply(f.tsa, f.tsa_key, &f.req, &m, &f.der, &f.len));
    EXPECT_OK(gw_tsp_check_reply(&f.req, f.der, f.len, f.store, now_s(), &f.tok, &f.err), &f.err);
    EXPECT_TRUE(f.tok.gen_time >= now_s() - 5 && f.tok.gen_time <= now_s());
    EXPECT_STR_EQ(f.tok.policy, "1.2.3.4.1");
    EXPECT_STR_EQ(f.tok.serial_hex, "2A");
    EXPECT_TRUE(t_contains(f.tok.tsa_subject, "Test TSA"));
    EXPECT_TRUE(f.tok.der != NULL && f.tok.der_len > 0);
    EXPECT_OK(gw_tsp_check_token(data_digest, f.tok.der, f.tok.der_len, f.store, now_s(), &tok2, &f.err), &f.err);
    EXPECT_INT_EQ(tok2.gen_time, f.tok.gen_time);
    memcpy(other, data_digest, sizeof(other));
    other[31] ^= 1;
    gw_tsp_token_cleanup(&tok2);
    EXPECT_FAIL(gw_tsp_check_token(other, f.tok.der, f.tok.der_len, f.store, now_s(), &tok2, &f.err), &f.err,
                GW_R_TSA_IMPRINT);
    EXPECT_TRUE(tok2.der == NULL);
    /* a genTime up to the skew ahead of our clock is a clock difference, not an error */
    OPENSSL_free(f.der);
    f.der = NULL;
    gw_tsp_token_cleanup(&f.tok);
    m.time_offset = GW_TSP_SKEW_SECONDS - 5;
    EXPECT_TRUE(make_reply(f.tsa, f.tsa_key, &f.req, &m, &f.der, &f.len));
    EXPECT_OK(gw_tsp_check_reply(&f.req, f.der, f.len, f.store, now_s(), &f.tok, &f.err), &f.err);
    /* the TSA's own certificate as the only anchor (partial chain, as gw_tsp_load_anchors sets) */
    gw_tsp_token_cleanup(&f.tok);
    own = X509_STORE_new();
    EXPECT_TRUE(own != NULL && X509_STORE_add_cert(own, f.tsa) == 1 &&
                X509_STORE_set_flags(own, X509_V_FLAG_PARTIAL_CHAIN) == 1);
    EXPECT_OK(gw_tsp_check_reply(&f.req, f.der, f.len, own, now_s(), &f.tok, &f.err), &f.err);
out:
    X509_STORE_free(own);
    gw_tsp_token_cleanup(&tok2);
    fx_free(&f);
}

struct bad_case {
    struct mk mk;
    enum gw_reason want;
};

static const struct bad_case bad_imprint = {.mk = {.wrong_digest = true}, .want = GW_R_TSA_IMPRINT};
static const struct bad_case bad_imprint_alg = {.mk = {.sha384 = true}, .want = GW_R_TSA_IMPRINT};
static const struct bad_case bad_nonce = {.mk = {.wrong_nonce = true}, .want = GW_R_TSA_NONCE};
static const struct bad_case no_nonce = {.mk = {.no_nonce = true}, .want = GW_R_TSA_NONCE};
static const struct bad_case rejected = {.mk = {.reject = true}, .want = GW_R_TSA_STATUS};
static const struct bad_case future = {.mk = {.time_offset = GW_TSP_SKEW_SECONDS + 30}, .want = GW_R_TSA_TIME};
static const struct bad_case coarse = {.mk = {.accuracy_s = GW_TSP_SKEW_SECONDS + 1}, .want = GW_R_TSA_TIME};
static const struct bad_case no_cert = {.mk = {.no_cert_req = true}, .want = GW_R_TSA_UNTRUSTED};
static const struct bad_case many_certs = {.mk = {.extra_certs = GW_MAX_CHAIN_CERTS}, .want = GW_R_TSA_UNTRUSTED};

/* A reply from the trusted TSA to a request changed as the case says fails with the case's reason, and
 * leaves the output untouched. */
static void
test_bad_reply(struct t *t)
{
    const struct bad_case *c = t->arg;
    struct fx f;

    EXPECT_TRUE(fx_init(&f));
    EXPECT_TRUE(make_reply(f.tsa, f.tsa_key, &f.req, &c->mk, &f.der, &f.len));
    EXPECT_FAIL(gw_tsp_check_reply(&f.req, f.der, f.len, f.store, now_s(), &f.tok, &f.err), &f.err, c->want);
    EXPECT_TRUE(f.tok.der == NULL && f.tok.gen_time == 0);
out:
    fx_free(&f);
}

/* Signed by a self-signed TSA that is not an anchor; by the trusted TSA but checked when its certificate has
 * expired. */
static void
test_untrusted(struct t *t)
{
    struct fx f;
    struct mk m = {0};

    EXPECT_TRUE(fx_init(&f));
    EXPECT_TRUE(make_reply(f.rogue, f.rogue_key, &f.req, &m, &f.der, &f.len));
    EXPECT_FAIL(gw_tsp_check_reply(&f.req, f.der, f.len, f.store, now_s(), &f.tok, &f.err), &f.err,
                GW_R_TSA_UNTRUSTED);
    EXPECT_TRUE(t_contains(f.err.msg, "self-signed"));
    OPENSSL_free(f.der);
    f.der = NULL;
    EXPECT_TRUE(make_reply(f.tsa, f.tsa_key, &f.req, &m, &f.der, &f.len));
    EXPECT_FAIL(gw_tsp_check_reply(&f.req, f.der, f.len, f.store, now_s() + 20 * 365 * 86400LL, &f.tok, &f.err),
                &f.err, GW_R_TSA_UNTRUSTED);
    EXPECT_TRUE(t_contains(f.err.msg, "expired"));
out:
    fx_free(&f);
}

static const enum eku eku_noncritical = EKU_NONCRITICAL;
static const enum eku eku_none = EKU_NONE;
static const enum eku eku_extra = EKU_EXTRA;

/* RFC 3161 2.3: the token carries a TSA certificate whose extendedKeyUsage is not critical, absent, or not
 * timeStamping alone (a twin of the real one: same issuer, serial and key). */
static void
test_eku(struct t *t)
{
    const enum eku *eku = t->arg;
    struct fx f;
    struct mk m = {0};
    X509 *twin = NULL;

    EXPECT_TRUE(fx_init(&f));
    twin = make_cert("Test TSA", f.tsa_key, f.root, f.root_key, false, *eku, 4097, 3650);
    EXPECT_TRUE(twin != NULL);
    EXPECT_TRUE(make_reply(f.tsa, f.tsa_key, &f.req, &m, &f.der, &f.len));
    EXPECT_TRUE(swap_signer_cert(&f.der, &f.len, twin));
    EXPECT_FAIL(gw_tsp_check_reply(&f.req, f.der, f.len, f.store, now_s(), &f.tok, &f.err), &f.err, GW_R_TSA_EKU);
out:
    X509_free(twin);
    fx_free(&f);
}

/* A changed signature byte; every truncation; trailing bytes; garbage; an empty and an oversize reply. */
static void
test_damaged(struct t *t)
{
    struct fx f;
    struct mk m = {0};
    unsigned char *big = NULL;
    static const unsigned char garbage[] = "this is not DER at all";

    EXPECT_TRUE(fx_init(&f));
    EXPECT_TRUE(make_reply(f.tsa, f.tsa_key, &f.req, &m, &f.der, &f.len));
    for (size_t cut = 0; cut < f.len; cut += (cut < 64 ? 1 : 97)) {
        EXPECT_FAIL(gw_tsp_check_reply(&f.req, f.der, cut, f.store, now_s(), &f.tok, &f.err), &f.err,
                    GW_R_TSA_MALFORMED);
    }
    EXPECT_FAIL(gw_tsp_check_reply(&f.req, garbage, sizeof(garbage), f.store, now_s(), &f.tok, &f.err), &f.err,
                GW_R_TSA_MALFORMED);
    EXPECT_FAIL(gw_tsp_check_token(data_digest, garbage, sizeof(garbage), f.store, now_s(), &f.tok, &f.err),
                &f.err, GW_R_TSA_MALFORMED);
    big = calloc(1, GW_MAX_TSP_REPLY_BYTES + 1);
    EXPECT_TRUE(big != NULL);
    memcpy(big, f.der, f.len);
    EXPECT_FAIL(gw_tsp_check_reply(&f.req, big, f.len + 1, f.store, now_s(), &f.tok, &f.err), &f.err,
                GW_R_TSA_MALFORMED);
    EXPECT_FAIL(gw_tsp_check_reply(&f.req, big, GW_MAX_TSP_REPLY_BYTES + 1, f.store, now_s(), &f.tok, &f.err),
                &f.err, GW_R_LIMIT_SIZE);
    EXPECT_FAIL(gw_tsp_check_token(data_digest, big, GW_MAX_TSP_REPLY_BYTES + 1, f.store, now_s(), &f.tok, &f.err),
                &f.err, GW_R_LIMIT_SIZE);
    /* the ECDSA signature is the last value of the reply: change its last byte */
    f.der[f.len - 1] ^= 0x01;
    EXPECT_FAIL(gw_tsp_check_reply(&f.req, f.der, f.len, f.store, now_s(), &f.tok, &f.err), &f.err,
                GW_R_TSA_SIGNATURE);
    EXPECT_TRUE(f.tok.der == NULL);
out:
    free(big);
    fx_free(&f);
}

static const struct t_case cases[] = {
    {"request", test_request, NULL},
    {"good", test_good, NULL},
    {"wrong-imprint", test_bad_reply, &bad_imprint},
    {"imprint-not-sha256", test_bad_reply, &bad_imprint_alg},
    {"wrong-nonce", test_bad_reply, &bad_nonce},
    {"no-nonce", test_bad_reply, &no_nonce},
    {"rejection-status", test_bad_reply, &rejected},
    {"future-gentime", test_bad_reply, &future},
    {"accuracy-too-coarse", test_bad_reply, &coarse},
    {"no-certificate-in-token", test_bad_reply, &no_cert},
    {"too-many-certificates-in-token", test_bad_reply, &many_certs},
    {"untrusted-or-expired-tsa", test_untrusted, NULL},
    {"eku-not-critical", test_eku, &eku_noncritical},
    {"eku-missing", test_eku, &eku_none},
    {"eku-not-only-timestamping", test_eku, &eku_extra},
    {"damaged-truncated-garbage-oversize", test_damaged, NULL},
};

const struct t_module t_module_tsp = {"tsp", cases, T_COUNT(cases)};

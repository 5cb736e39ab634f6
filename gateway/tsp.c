// SPDX-License-Identifier: MIT
/*
 * RFC 3161 time-stamp tokens (DESIGN §3 "a SignatureTimeStamp (RFC 3161 token ...) checked against TSA trust
 * anchors of its own"): builds the request and checks a reply or a stored token strictly, each rule with its
 * own reason code. It does not speak HTTP (tsa_client.c does), does not know which bytes are timestamped
 * (the caller hands us their SHA-256) and reads no configuration. The checks are done here step by step
 * rather than by TS_RESP_verify_response, so that each failure names its rule, and so that the chain is
 * judged at the caller's time instead of the wall clock. docs/timestamps.md lists the rules.
 */
#include "gw/tsp.h"

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ess.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/rand.h>
#include <openssl/ts.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gw/buf.h"
#include "gw/limits.h"
#include "gw/pki.h"

#define SERIAL_MAX_BYTES 20 /* RFC 3161 §2.4.2 via RFC 5280: serials up to 20 octets */

void
gw_tsp_req_cleanup(struct gw_tsp_req *req)
{
    if (req == NULL) {
        return;
    }
    OPENSSL_free(req->der);
    memset(req, 0, sizeof(*req));
}

void
gw_tsp_token_cleanup(struct gw_tsp_token *tok)
{
    if (tok == NULL) {
        return;
    }
    OPENSSL_free(tok->der);
    memset(tok, 0, sizeof(*tok));
}

enum gw_rc
gw_tsp_request_new(const unsigned char digest[GW_TSP_DIGEST_LEN], struct gw_tsp_req *out, struct gw_err *err)
{
    enum gw_rc rc = GW_ECRYPTO;
    TS_REQ *req = NULL;
    TS_MSG_IMPRINT *imprint = NULL;
    X509_ALGOR *algo = NULL;
    ASN1_INTEGER *nonce = NULL;
    unsigned char rnd[8];
    uint64_t n = 0;
    unsigned char *der = NULL;
    int der_len;

    /* A zero nonce would look like "no nonce" to a careless reader; draw again (probability 2^-64). */
    while (n == 0) {
        GW_CHECK(RAND_bytes(rnd, (int)sizeof(rnd)) == 1, GW_ECRYPTO, GW_R_INTERNAL, "no randomness for the nonce");
        for (size_t i = 0; i < sizeof(rnd); i++) {
            n = (n << 8) | rnd[i];
        }
    }
    req = TS_REQ_new();
    imprint = TS_MSG_IMPRINT_new();
    algo = X509_ALGOR_new();
    nonce = ASN1_INTEGER_new();
    GW_CHECK(req != NULL && imprint != NULL && algo != NULL && nonce != NULL, GW_ENOMEM, GW_R_NOMEM,
             "timestamp request");
    GW_CHECK(X509_ALGOR_set0(algo, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL) == 1 &&
                 TS_MSG_IMPRINT_set_algo(imprint, algo) == 1 &&
                 TS_MSG_IMPRINT_set_msg(imprint, (unsigned char *)(uintptr_t)digest, GW_TSP_DIGEST_LEN) == 1 &&
                 TS_REQ_set_version(req, 1) == 1 && TS_REQ_set_msg_imprint(req, imprint) == 1 &&
                 ASN1_INTEGER_set_uint64(nonce, n) == 1 && TS_REQ_set_nonce(req, nonce) == 1 &&
                 TS_REQ_set_cert_req(req, 1) == 1,
             GW_ECRYPTO, GW_R_INTERNAL, "cannot build the timestamp request");
    der_len = i2d_TS_REQ(req, &der);
    GW_CHECK(der_len > 0, GW_ECRYPTO, GW_R_INTERNAL, "cannot encode the timestamp request");
    memcpy(out->digest, digest, GW_TSP_DIGEST_LEN);
    out->nonce = n;
    out->der = der;
    out->der_len = (size_t)der_len;
    der = NULL;
    rc = GW_OK;
out:
    if (rc != GW_OK) {
        gw_err_add_openssl(err);
    }
    OPENSSL_free(der);
    ASN1_INTEGER_free(nonce);
    X509_ALGOR_free(algo);
    TS_MSG_IMPRINT_free(imprint);
    TS_REQ_free(req);
    return rc;
}

/* RFC 3161 §2.4.2: the imprint must be the hash we asked for, with the algorithm we asked for. */
static enum gw_rc
check_imprint(TS_TST_INFO *tst, const unsigned char digest[GW_TSP_DIGEST_LEN], struct gw_err *err)
{
    enum gw_rc rc = GW_EPOLICY;
    TS_MSG_IMPRINT *imprint = TS_TST_INFO_get_msg_imprint(tst);
    X509_ALGOR *algo = imprint != NULL ? TS_MSG_IMPRINT_get_algo(imprint) : NULL;
    ASN1_OCTET_STRING *msg = imprint != NULL ? TS_MSG_IMPRINT_get_msg(imprint) : NULL;
    const ASN1_OBJECT *obj = NULL;
    int ptype = V_ASN1_UNDEF;
    const void *pval = NULL;

    GW_CHECK(algo != NULL && msg != NULL, GW_EINPUT, GW_R_TSA_MALFORMED, "token has no message imprint");
    X509_ALGOR_get0(&obj, &ptype, &pval, algo);
    GW_CHECK(OBJ_obj2nid(obj) == NID_sha256 && (ptype == V_ASN1_UNDEF || ptype == V_ASN1_NULL), GW_EPOLICY,
             GW_R_TSA_IMPRINT, "token imprint is not SHA-256 without parameters");
    GW_CHECK(ASN1_STRING_length(msg) == GW_TSP_DIGEST_LEN &&
                 CRYPTO_memcmp(ASN1_STRING_get0_data(msg), digest, GW_TSP_DIGEST_LEN) == 0,
             GW_EPOLICY, GW_R_TSA_IMPRINT, "token imprint is not the digest that was asked for");
    rc = GW_OK;
out:
    return rc;
}

/* RFC 3161 §2.3: the TSA certificate's extendedKeyUsage is critical and holds only id-kp-timeStamping. */
static enum gw_rc
check_tsa_eku(X509 *cert, struct gw_err *err)
{
    enum gw_rc rc = GW_EPOLICY;
    EXTENDED_KEY_USAGE *eku = NULL;
    int crit = -1;
    int idx = X509_get_ext_by_NID(cert, NID_ext_key_usage, -1);

    GW_CHECK(idx >= 0, GW_EPOLICY, GW_R_TSA_EKU, "TSA certificate has no extendedKeyUsage");
    GW_CHECK(X509_get_ext_by_NID(cert, NID_ext_key_usage, idx) < 0, GW_EPOLICY, GW_R_TSA_EKU,
             "TSA certificate has more than one extendedKeyUsage");
    GW_CHECK(X509_EXTENSION_get_critical(X509_get_ext(cert, idx)) == 1, GW_EPOLICY, GW_R_TSA_EKU,
             "TSA certificate's extendedKeyUsage is not critical (RFC 3161 2.3)");
    eku = X509_get_ext_d2i(cert, NID_ext_key_usage, &crit, NULL);
    GW_CHECK(eku != NULL && sk_ASN1_OBJECT_num(eku) == 1 &&
                 OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, 0)) == NID_time_stamp,
             GW_EPOLICY, GW_R_TSA_EKU, "TSA certificate's extendedKeyUsage is not timeStamping alone");
    rc = GW_OK;
out:
    EXTENDED_KEY_USAGE_free(eku);
    return rc;
}

/* The signer's chain to the TSA anchors at now, with OpenSSL's timestamping purpose on top of our own EKU
 * rule (it also limits keyUsage to digitalSignature/nonRepudiation). */
static enum gw_rc
check_tsa_chain(X509 *signer, STACK_OF(X509) *untrusted, X509_STORE *store, int64_t now, struct gw_err *err)
{
    enum gw_rc rc = GW_EPOLICY;
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();

    GW_CHECK(ctx != NULL && X509_STORE_CTX_init(ctx, store, signer, untrusted) == 1, GW_ENOMEM, GW_R_NOMEM,
             "certificate store context");
    GW_CHECK(X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_TIMESTAMP_SIGN) == 1, GW_EINTERNAL, GW_R_INTERNAL,
             "timestamping purpose");
    X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx), (time_t)now);
    GW_CHECK(X509_verify_cert(ctx) == 1, GW_EPOLICY, GW_R_TSA_UNTRUSTED,
             "TSA certificate does not chain to a TSA trust anchor: %s",
             X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
    GW_CHECK(gw_pki_key_allowed(X509_get0_pubkey(signer)), GW_EPOLICY, GW_R_TSA_SIGNATURE,
             "TSA key is not RSA >= 2048 or EC P-256/P-384");
    rc = GW_OK;
out:
    X509_STORE_CTX_free(ctx);
    return rc;
}

/* One signed attribute as the DER of its single value, or NULL. */
static const ASN1_STRING *
signed_attr_seq(PKCS7_SIGNER_INFO *si, int nid)
{
    ASN1_TYPE *a = PKCS7_get_signed_attribute(si, nid);

    return a != NULL && a->type == V_ASN1_SEQUENCE ? a->value.sequence : NULL;
}

/* The CMS signature over the TSTInfo, and the ESS signing-certificate attribute (RFC 3161 §2.4.1, RFC 5816)
 * naming the signer's certificate, as OpenSSL's own token check does it. */
static enum gw_rc
check_token_signature(PKCS7 *token, PKCS7_SIGNER_INFO *si, X509 *signer, struct gw_err *err)
{
    enum gw_rc rc = GW_EPOLICY;
    BIO *p7bio = NULL;
    ESS_SIGNING_CERT *ss = NULL;
    ESS_SIGNING_CERT_V2 *ssv2 = NULL;
    STACK_OF(X509) *chain = NULL;
    const ASN1_STRING *seq;
    const unsigned char *p;
    unsigned char buf[4096];
    int dnid = OBJ_obj2nid(si->digest_alg->algorithm);

    GW_CHECK(dnid == NID_sha256 || dnid == NID_sha384 || dnid == NID_sha512, GW_EPOLICY, GW_R_TSA_SIGNATURE,
             "token signed with digest %s (SHA-256 or stronger required)", OBJ_nid2sn(dnid));
    seq = signed_attr_seq(si, NID_id_smime_aa_signingCertificate);
    if (seq != NULL) {
        p = ASN1_STRING_get0_data(seq);
        ss = d2i_ESS_SIGNING_CERT(NULL, &p, ASN1_STRING_length(seq));
        GW_CHECK(ss != NULL, GW_EINPUT, GW_R_TSA_MALFORMED, "token's signingCertificate attribute is malformed");
    }
    seq = signed_attr_seq(si, NID_id_smime_aa_signingCertificateV2);
    if (seq != NULL) {
        p = ASN1_STRING_get0_data(seq);
        ssv2 = d2i_ESS_SIGNING_CERT_V2(NULL, &p, ASN1_STRING_length(seq));
        GW_CHECK(ssv2 != NULL, GW_EINPUT, GW_R_TSA_MALFORMED,
                 "token's signingCertificateV2 attribute is malformed");
    }
    chain = sk_X509_new_null();
    GW_CHECK(chain != NULL && sk_X509_push(chain, signer) > 0, GW_ENOMEM, GW_R_NOMEM, "certificate list");
    GW_CHECK(OSSL_ESS_check_signing_certs(ss, ssv2, chain, 1) > 0, GW_EPOLICY, GW_R_TSA_SIGNATURE,
             "token's ESS signing-certificate attribute does not name the TSA certificate");
    p7bio = PKCS7_dataInit(token, NULL);
    GW_CHECK(p7bio != NULL, GW_EINPUT, GW_R_TSA_MALFORMED, "token content cannot be read");
    for (;;) {
        int n = BIO_read(p7bio, buf, (int)sizeof(buf));
        if (n <= 0) {
            break;
        }
    }
    GW_CHECK(PKCS7_signatureVerify(p7bio, token, si, signer) == 1, GW_EPOLICY, GW_R_TSA_SIGNATURE,
             "token signature does not verify");
    rc = GW_OK;
out:
    if (rc != GW_OK) {
        gw_err_add_openssl(err);
    }
    BIO_free_all(p7bio);
    sk_X509_free(chain); /* the certificate is borrowed */
    ESS_SIGNING_CERT_free(ss);
    ESS_SIGNING_CERT_V2_free(ssv2);
    return rc;
}

/* A non-negative ASN1_INTEGER that fits int64, else false. */
static bool
asn1_nonneg(const ASN1_INTEGER *a, int64_t *v)
{
    return a != NULL && ASN1_INTEGER_get_int64(v, a) == 1 && *v >= 0;
}

/* genTime as epoch seconds; accuracy no coarser than the skew; genTime not in the future. */
static enum gw_rc
check_time(TS_TST_INFO *tst, int64_t now, int64_t *gen, struct gw_err *err)
{
    enum gw_rc rc = GW_EPOLICY;
    const ASN1_GENERALIZEDTIME *t = TS_TST_INFO_get_time(tst);
    const TS_ACCURACY *acc = TS_TST_INFO_get_accuracy(tst);
    struct tm tm;
    time_t secs;

    memset(&tm, 0, sizeof(tm));
    GW_CHECK(t != NULL && ASN1_TIME_to_tm(t, &tm) == 1, GW_EINPUT, GW_R_TSA_MALFORMED,
             "token genTime cannot be read");
    secs = timegm(&tm);
    GW_CHECK(secs != (time_t)-1, GW_EINPUT, GW_R_TSA_MALFORMED, "token genTime out of range");
    if (acc != NULL) {
        const ASN1_INTEGER *s = TS_ACCURACY_get_seconds(acc);
        const ASN1_INTEGER *ms = TS_ACCURACY_get_millis(acc);
        const ASN1_INTEGER *us = TS_ACCURACY_get_micros(acc);
        int64_t vs = 0;
        int64_t vms = 0;
        int64_t vus = 0;

        GW_CHECK((s == NULL || asn1_nonneg(s, &vs)) && (ms == NULL || asn1_nonneg(ms, &vms)) &&
                     (us == NULL || asn1_nonneg(us, &vus)),
                 GW_EINPUT, GW_R_TSA_MALFORMED, "token accuracy is malformed");
        /* Honoured, not ignored: a token claiming to be less precise than our skew cannot be ordered. */
        GW_CHECK(vs < GW_TSP_SKEW_SECONDS || (vs == GW_TSP_SKEW_SECONDS && vms == 0 && vus == 0), GW_EPOLICY,
                 GW_R_TSA_TIME, "token accuracy is coarser than %d s", GW_TSP_SKEW_SECONDS);
    }
    GW_CHECK((int64_t)secs <= now + GW_TSP_SKEW_SECONDS, GW_EPOLICY, GW_R_TSA_TIME,
             "token genTime is %lld s in the future", (long long)((int64_t)secs - now));
    *gen = (int64_t)secs;
    rc = GW_OK;
out:
    return rc;
}

/*
 * Everything but the status and the nonce: token is the SignedData, tst its parsed TSTInfo (both borrowed).
 * Fills out on success only.
 */
static enum gw_rc
check_token(PKCS7 *token, TS_TST_INFO *tst, const unsigned char digest[GW_TSP_DIGEST_LEN], X509_STORE *store,
            int64_t now, struct gw_tsp_token *out, struct gw_err *err)
{
    enum gw_rc rc = GW_EPOLICY;
    STACK_OF(PKCS7_SIGNER_INFO) *sinfos = NULL;
    STACK_OF(X509) *signers = NULL;
    STACK_OF(X509) *certs = NULL;
    PKCS7_SIGNER_INFO *si;
    X509 *signer;
    BIGNUM *serial = NULL;
    char *serial_hex = NULL;
    unsigned char *der = NULL;
    int der_len;
    int64_t gen = 0;
    struct gw_tsp_token tok;

    memset(&tok, 0, sizeof(tok));
    GW_CHECK(PKCS7_type_is_signed(token) && PKCS7_get_detached(token) == 0, GW_EINPUT, GW_R_TSA_MALFORMED,
             "token is not a SignedData with its content");
    GW_CHECK(TS_TST_INFO_get_version(tst) == 1, GW_EINPUT, GW_R_TSA_MALFORMED, "TSTInfo version is not 1");
    GW_TRY(check_imprint(tst, digest, err));
    sinfos = PKCS7_get_signer_info(token);
    GW_CHECK(sinfos != NULL && sk_PKCS7_SIGNER_INFO_num(sinfos) == 1, GW_EINPUT, GW_R_TSA_MALFORMED,
             "token does not have exactly one signer");
    si = sk_PKCS7_SIGNER_INFO_value(sinfos, 0);
    certs = token->d.sign->cert;
    GW_CHECK(certs != NULL && sk_X509_num(certs) > 0, GW_EPOLICY, GW_R_TSA_UNTRUSTED,
             "token carries no certificate (certReq is set)");
    GW_CHECK(sk_X509_num(certs) <= (int)GW_MAX_CHAIN_CERTS, GW_EPOLICY, GW_R_TSA_UNTRUSTED,
             "token carries %d certificates (at most %u)", sk_X509_num(certs), GW_MAX_CHAIN_CERTS);
    signers = PKCS7_get0_signers(token, NULL, 0);
    GW_CHECK(signers != NULL && sk_X509_num(signers) == 1, GW_EPOLICY, GW_R_TSA_UNTRUSTED,
             "TSA certificate is not in the token");
    signer = sk_X509_value(signers, 0);
    GW_TRY(check_tsa_eku(signer, err));
    GW_TRY(check_tsa_chain(signer, certs, store, now, err));
    GW_TRY(check_token_signature(token, si, signer, err));
    GW_TRY(check_time(tst, now, &gen, err));

    serial = ASN1_INTEGER_to_BN(TS_TST_INFO_get_serial(tst), NULL);
    GW_CHECK(serial != NULL && !BN_is_negative(serial) && BN_num_bytes(serial) <= SERIAL_MAX_BYTES, GW_EINPUT,
             GW_R_TSA_MALFORMED, "token serial number is missing, negative or longer than 20 bytes");
    serial_hex = BN_bn2hex(serial);
    GW_CHECK(serial_hex != NULL, GW_ENOMEM, GW_R_NOMEM, "serial number");
    der_len = i2d_PKCS7(token, &der);
    GW_CHECK(der_len > 0, GW_ENOMEM, GW_R_NOMEM, "cannot encode the token");

    tok.gen_time = gen;
    tok.der = der;
    tok.der_len = (size_t)der_len;
    der = NULL;
    gw_pki_subject(signer, tok.tsa_subject, sizeof(tok.tsa_subject));
    if (OBJ_obj2txt(tok.policy, (int)sizeof(tok.policy), TS_TST_INFO_get_policy_id(tst), 1) <= 0) {
        tok.policy[0] = '\0';
    }
    snprintf(tok.serial_hex, sizeof(tok.serial_hex), "%s", serial_hex);
    *out = tok;
    rc = GW_OK;
out:
    OPENSSL_free(der);
    OPENSSL_free(serial_hex);
    BN_free(serial);
    sk_X509_free(signers); /* the certificates belong to the token */
    return rc;
}

static const char *const fail_info_names[] = {
    [TS_INFO_BAD_ALG] = "badAlg",
    [TS_INFO_BAD_REQUEST] = "badRequest",
    [TS_INFO_BAD_DATA_FORMAT] = "badDataFormat",
    [TS_INFO_TIME_NOT_AVAILABLE] = "timeNotAvailable",
    [TS_INFO_UNACCEPTED_POLICY] = "unacceptedPolicy",
    [TS_INFO_UNACCEPTED_EXTENSION] = "unacceptedExtension",
    [TS_INFO_ADD_INFO_NOT_AVAILABLE] = "addInfoNotAvailable",
    [TS_INFO_SYSTEM_FAILURE] = "systemFailure",
};

/* RFC 3161 §2.4.2: only granted (0) and grantedWithMods (1) carry a token. */
static enum gw_rc
check_status(TS_RESP *resp, struct gw_err *err)
{
    enum gw_rc rc = GW_EPOLICY;
    TS_STATUS_INFO *si = TS_RESP_get_status_info(resp);
    const ASN1_INTEGER *status = si != NULL ? TS_STATUS_INFO_get0_status(si) : NULL;
    const ASN1_BIT_STRING *fi = si != NULL ? TS_STATUS_INFO_get0_failure_info(si) : NULL;
    int64_t v = -1;
    char fails[200] = "";
    size_t used = 0;

    GW_CHECK(status != NULL && ASN1_INTEGER_get_int64(&v, status) == 1, GW_EINPUT, GW_R_TSA_MALFORMED,
             "reply has no readable status");
    for (size_t i = 0; fi != NULL && i < sizeof(fail_info_names) / sizeof(fail_info_names[0]); i++) {
        if (fail_info_names[i] != NULL && ASN1_BIT_STRING_get_bit(fi, (int)i) && used + 32 < sizeof(fails)) {
            int n = snprintf(fails + used, sizeof(fails) - used, " %s", fail_info_names[i]);
            used += n > 0 ? (size_t)n : 0;
        }
    }
    GW_CHECK(v == TS_STATUS_GRANTED || v == TS_STATUS_GRANTED_WITH_MODS, GW_EPOLICY, GW_R_TSA_STATUS,
             "TSA refused: PKIStatus %lld%s%s", (long long)v, used > 0 ? ", failInfo" : "", fails);
    GW_CHECK(TS_RESP_get_token(resp) != NULL && TS_RESP_get_tst_info(resp) != NULL, GW_EINPUT, GW_R_TSA_MALFORMED,
             "granted reply without a token");
    rc = GW_OK;
out:
    return rc;
}

/* The bounds a reply or token gets before a decoder sees it (what: "reply" or "token"). */
static enum gw_rc
check_der_size(size_t len, const char *what, struct gw_err *err)
{
    enum gw_rc rc = GW_ELIMIT;

    GW_CHECK(len <= GW_MAX_TSP_REPLY_BYTES, GW_ELIMIT, GW_R_LIMIT_SIZE, "timestamp %s of %zu bytes (limit %u)",
             what, len, GW_MAX_TSP_REPLY_BYTES);
    GW_CHECK(len > 0, GW_EINPUT, GW_R_TSA_MALFORMED, "empty timestamp %s", what);
    rc = GW_OK;
out:
    return rc;
}

enum gw_rc
gw_tsp_check_reply(const struct gw_tsp_req *req, const unsigned char *reply, size_t len, X509_STORE *tsa_store,
                   int64_t now, struct gw_tsp_token *out, struct gw_err *err)
{
    enum gw_rc rc = GW_EPOLICY;
    TS_RESP *resp = NULL;
    ASN1_INTEGER *want = NULL;
    const ASN1_INTEGER *got;
    const unsigned char *p = reply;

    GW_TRY(check_der_size(len, "reply", err));
    resp = d2i_TS_RESP(NULL, &p, (long)len);
    GW_CHECK(resp != NULL && p == reply + len, GW_EINPUT, GW_R_TSA_MALFORMED,
             "timestamp reply is not one DER TimeStampResp");
    GW_TRY(check_status(resp, err));
    /* RFC 3161 §2.4.2: the nonce must be the one we sent (a replayed or foreign token otherwise). */
    want = ASN1_INTEGER_new();
    GW_CHECK(want != NULL && ASN1_INTEGER_set_uint64(want, req->nonce) == 1, GW_ENOMEM, GW_R_NOMEM, "nonce");
    got = TS_TST_INFO_get_nonce(TS_RESP_get_tst_info(resp));
    GW_CHECK(got != NULL, GW_EPOLICY, GW_R_TSA_NONCE, "token has no nonce");
    GW_CHECK(ASN1_INTEGER_cmp(got, want) == 0, GW_EPOLICY, GW_R_TSA_NONCE, "token nonce is not ours");
    GW_TRY(
        check_token(TS_RESP_get_token(resp), TS_RESP_get_tst_info(resp), req->digest, tsa_store, now, out, err));
    rc = GW_OK;
out:
    ERR_clear_error();
    ASN1_INTEGER_free(want);
    TS_RESP_free(resp);
    return rc;
}

enum gw_rc
gw_tsp_check_token(const unsigned char digest[GW_TSP_DIGEST_LEN], const unsigned char *token, size_t len,
                   X509_STORE *tsa_store, int64_t now, struct gw_tsp_token *out, struct gw_err *err)
{
    enum gw_rc rc = GW_EPOLICY;
    PKCS7 *p7 = NULL;
    TS_TST_INFO *tst = NULL;
    const unsigned char *p = token;

    GW_TRY(check_der_size(len, "token", err));
    p7 = d2i_PKCS7(NULL, &p, (long)len);
    GW_CHECK(p7 != NULL && p == token + len, GW_EINPUT, GW_R_TSA_MALFORMED,
             "timestamp token is not one DER ContentInfo");
    tst = PKCS7_to_TS_TST_INFO(p7);
    GW_CHECK(tst != NULL, GW_EINPUT, GW_R_TSA_MALFORMED, "timestamp token does not hold a TSTInfo");
    GW_TRY(check_token(p7, tst, digest, tsa_store, now, out, err));
    rc = GW_OK;
out:
    ERR_clear_error();
    TS_TST_INFO_free(tst);
    PKCS7_free(p7);
    return rc;
}

enum gw_rc
gw_tsp_load_anchors(const char *tsa_pem, X509_STORE **out, struct gw_err *err)
{
    enum gw_rc rc = GW_ENOMEM;
    X509_STORE *store = X509_STORE_new();

    GW_CHECK(store != NULL, GW_ENOMEM, GW_R_NOMEM, "certificate store");
    GW_TRY(gw_pki_fill_store(store, tsa_pem, NULL, 0, err));
    /* DESIGN §4: a TSA's own certificate may be the anchor. */
    GW_CHECK(X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN) == 1, GW_ENOMEM, GW_R_NOMEM, "store flags");
    *out = store;
    store = NULL;
    rc = GW_OK;
out:
    X509_STORE_free(store);
    return rc;
}

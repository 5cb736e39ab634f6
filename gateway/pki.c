// SPDX-License-Identifier: MIT
/*
 * Signer certificate policy (DESIGN §3 "The key comes only from an X.509 certificate in KeyInfo that chains
 * to the configured trust anchors ..."; §9 "cache decoded certificates and their chain results"). The only
 * module that builds chains. It does not touch XML: callers hand it the DER bytes of KeyInfo.
 */
#include "gw/pki.h"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gw/buf.h"
#include "gw/ids.h"
#include "gw/limits.h"

/* A cached good result is trusted this long before the chain and CRLs are checked again. */
#define CHAIN_CACHE_TTL_SECONDS 300
#define CHAIN_CACHE_SLOTS 64

struct chain_cache_entry {
    unsigned char key[32]; /* SHA-256 over the KeyInfo certificates */
    bool used;
    time_t checked_at;          /* when the chain was built */
    time_t good_until;          /* earliest notAfter in the chain */
    struct gw_signer_info info; /* info.cert owned by the cache */
};

struct gw_pki {
    X509_STORE *store;
    bool have_crls;
    time_t crls_good_until; /* earliest nextUpdate of the store's CRLs; 0 when none has one */
    pthread_mutex_t lock;   /* guards cache */
    struct chain_cache_entry cache[CHAIN_CACHE_SLOTS];
};

static enum gw_rc
read_pem_bio(const char *path, BIO **out, struct gw_err *err)
{
    enum gw_rc rc;
    struct gw_buf b;
    BIO *bio = NULL;

    gw_buf_init(&b, GW_MAX_PEM_BYTES);
    GW_TRY(gw_buf_read_file(&b, path, err));
    bio = BIO_new(BIO_s_mem());
    GW_CHECK(bio != NULL && BIO_write(bio, b.data, (int)b.len) == (int)b.len, GW_ENOMEM, GW_R_NOMEM, "BIO");
    *out = bio;
    bio = NULL;
    rc = GW_OK;
out:
    BIO_free(bio);
    gw_buf_cleanup(&b);
    return rc;
}

enum gw_rc
gw_pki_read_certs(const char *path, STACK_OF(X509) **out, struct gw_err *err)
{
    enum gw_rc rc;
    BIO *bio = NULL;
    STACK_OF(X509) *certs = sk_X509_new_null();
    X509 *x = NULL;

    GW_CHECK(certs != NULL, GW_ENOMEM, GW_R_NOMEM, "stack");
    GW_TRY(read_pem_bio(path, &bio, err));
    while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        GW_CHECK(sk_X509_push(certs, x) > 0, GW_ENOMEM, GW_R_NOMEM, "stack");
        x = NULL;
    }
    ERR_clear_error(); /* the loop ends on "no start line" */
    GW_CHECK(sk_X509_num(certs) > 0, GW_ECONFIG, GW_R_CONFIG, "no PEM certificate found");
    *out = certs;
    certs = NULL;
    rc = GW_OK;
out:
    if (rc != GW_OK) {
        gw_err_where(err, "%s", path);
    }
    X509_free(x);
    sk_X509_pop_free(certs, X509_free);
    BIO_free(bio);
    return rc;
}

static enum gw_rc
add_crls(X509_STORE *store, const char *path, struct gw_err *err)
{
    enum gw_rc rc;
    BIO *bio = NULL;
    X509_CRL *crl = NULL;
    int count = 0;

    GW_TRY(read_pem_bio(path, &bio, err));
    while ((crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL)) != NULL) {
        GW_CHECK(X509_STORE_add_crl(store, crl) == 1, GW_ECONFIG, GW_R_CONFIG, "cannot add CRL");
        X509_CRL_free(crl);
        crl = NULL;
        count++;
    }
    ERR_clear_error();
    GW_CHECK(count > 0, GW_ECONFIG, GW_R_CONFIG, "no PEM CRL found");
    rc = GW_OK;
out:
    if (rc != GW_OK) {
        gw_err_where(err, "%s", path);
    }
    X509_CRL_free(crl);
    BIO_free(bio);
    return rc;
}

/* With CRLs configured, the end-entity certificate must be covered by its issuer's CRL (fail closed), and
 * every CA certificate above it is checked against its issuer's CRL when one is configured. */
int
gw_pki_crl_policy_cb(int ok, X509_STORE_CTX *ctx)
{
    if (!ok && X509_STORE_CTX_get_error(ctx) == X509_V_ERR_UNABLE_TO_GET_CRL &&
        X509_STORE_CTX_get_error_depth(ctx) > 0) {
        /* clear it too: TLS reports the last error as the verify result even when the callback allowed it */
        X509_STORE_CTX_set_error(ctx, X509_V_OK);
        return 1;
    }
    return ok;
}

void
gw_pki_store_crl_policy(X509_STORE *store)
{
    X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
    X509_STORE_set_verify_cb(store, gw_pki_crl_policy_cb);
}

void
gw_pki_free(struct gw_pki *pki)
{
    if (pki == NULL) {
        return;
    }
    for (size_t i = 0; i < CHAIN_CACHE_SLOTS; i++) {
        gw_signer_info_cleanup(&pki->cache[i].info);
    }
    X509_STORE_free(pki->store);
    pthread_mutex_destroy(&pki->lock);
    free(pki);
}

enum gw_rc
gw_pki_fill_store(X509_STORE *store, const char *trust_pem, const char *const *crl_pems, size_t n_crls,
                  struct gw_err *err)
{
    enum gw_rc rc = GW_ECONFIG;
    STACK_OF(X509) *anchors = NULL;

    GW_TRY(gw_pki_read_certs(trust_pem, &anchors, err));
    for (int i = 0; i < sk_X509_num(anchors); i++) {
        GW_CHECK(X509_STORE_add_cert(store, sk_X509_value(anchors, i)) == 1, GW_ECONFIG, GW_R_CONFIG,
                 "cannot add trust anchor %d of %s", i + 1, trust_pem);
    }
    /* CRLs through the same capped reader as the anchors, and CRLs only: a certificate in a CRL file must
     * not become a trust anchor. */
    for (size_t i = 0; i < n_crls; i++) {
        GW_TRY(add_crls(store, crl_pems[i], err));
    }
    if (n_crls > 0) {
        gw_pki_store_crl_policy(store);
    }
    rc = GW_OK;
out:
    sk_X509_pop_free(anchors, X509_free);
    return rc;
}

static time_t
asn1_time_t(const ASN1_TIME *at)
{
    struct tm tm;

    return at != NULL && ASN1_TIME_to_tm(at, &tm) == 1 ? timegm(&tm) : (time_t)-1;
}

/* The earliest nextUpdate of the CRLs in store (0 if none has one): a chain result cached while the CRLs
 * were current may not outlive them, or a cache hit would accept what X509_verify_cert now refuses
 * (CRL_HAS_EXPIRED). The store is not changed after gw_pki_load; a new CRL means a new gw_pki. */
static time_t
earliest_next_update(X509_STORE *store)
{
    STACK_OF(X509_OBJECT) *objs = X509_STORE_get0_objects(store);
    time_t earliest = 0;

    for (int i = 0; i < sk_X509_OBJECT_num(objs); i++) {
        X509_CRL *crl = X509_OBJECT_get0_X509_CRL(sk_X509_OBJECT_value(objs, i));
        time_t t = crl != NULL ? asn1_time_t(X509_CRL_get0_nextUpdate(crl)) : (time_t)-1;
        if (t != (time_t)-1 && (earliest == 0 || t < earliest)) {
            earliest = t;
        }
    }
    return earliest;
}

enum gw_rc
gw_pki_load(const char *trust_pem, const char *const *crl_pems, size_t n_crls, struct gw_pki **out,
            struct gw_err *err)
{
    enum gw_rc rc = GW_ECONFIG;
    struct gw_pki *pki = calloc(1, sizeof(*pki));
    X509_VERIFY_PARAM *param = NULL;

    GW_CHECK(pki != NULL, GW_ENOMEM, GW_R_NOMEM, "pki");
    GW_CHECK(pthread_mutex_init(&pki->lock, NULL) == 0, GW_ENOMEM, GW_R_NOMEM, "mutex");
    pki->store = X509_STORE_new();
    GW_CHECK(pki->store != NULL, GW_ENOMEM, GW_R_NOMEM, "X509_STORE");
    GW_TRY(gw_pki_fill_store(pki->store, trust_pem, crl_pems, n_crls, err));
    pki->have_crls = n_crls > 0;
    pki->crls_good_until = earliest_next_update(pki->store);
    param = X509_STORE_get0_param(pki->store);
    /* Level 2: RSA/DSA/DH >= 2048 bits, ECC >= 224 bits, no SHA-1 signatures anywhere in the chain. */
    X509_VERIFY_PARAM_set_auth_level(param, 2);
    *out = pki;
    pki = NULL;
    rc = GW_OK;
out:
    gw_pki_free(pki);
    return rc;
}

void
gw_signer_info_cleanup(struct gw_signer_info *info)
{
    X509_free(info->cert);
    memset(info, 0, sizeof(*info));
}

static void
name_to_line(const X509_NAME *name, char *buf, size_t n)
{
    BIO *bio = BIO_new(BIO_s_mem());

    buf[0] = '\0';
    if (bio == NULL) {
        return;
    }
    if (X509_NAME_print_ex(bio, name, 0,
                           (ASN1_STRFLGS_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) | XN_FLAG_SEP_CPLUS_SPC |
                               XN_FLAG_FN_SN) >= 0) {
        int len = BIO_read(bio, buf, (int)n - 1);
        buf[len > 0 ? len : 0] = '\0';
    }
    BIO_free(bio);
}

void
gw_pki_subject(X509 *cert, char *buf, size_t n)
{
    name_to_line(X509_get_subject_name(cert), buf, n);
}

/* The one value of nid in the subject, as UTF-8; false if absent, repeated or not decodable. */
static bool
subject_entry(X509 *cert, int nid, char *buf, size_t n)
{
    const X509_NAME *name = X509_get_subject_name(cert);
    int idx = X509_NAME_get_index_by_NID(name, nid, -1);
    unsigned char *utf8 = NULL;
    int len;

    if (idx < 0 || X509_NAME_get_index_by_NID(name, nid, idx) >= 0) {
        return false;
    }
    len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx)));
    if (len < 0 || (size_t)len >= n || memchr(utf8, '\0', (size_t)len) != NULL) {
        OPENSSL_free(utf8);
        return false;
    }
    memcpy(buf, utf8, (size_t)len);
    buf[len] = '\0';
    OPENSSL_free(utf8);
    return true;
}

enum gw_rc
gw_pki_cert_regno(X509 *cert, char regno[GW_REGNO_LEN + 1], struct gw_err *err)
{
    enum gw_rc rc = GW_EPOLICY;
    char value[64];

    /* DESIGN §3: eIDAS form "NTRLV-" + registration number, OID 2.5.4.97 */
    GW_CHECK(subject_entry(cert, NID_organizationIdentifier, value, sizeof(value)), GW_EPOLICY, GW_R_CERT_ORG_ID,
             "certificate subject has no single organizationIdentifier");
    GW_CHECK(strncmp(value, "NTRLV-", 6) == 0 && gw_ids_is_regno(value + 6), GW_EPOLICY, GW_R_CERT_ORG_ID,
             "organizationIdentifier '%s' is not NTRLV- followed by 11 digits", value);
    memcpy(regno, value + 6, GW_REGNO_LEN + 1);
    rc = GW_OK;
out:
    return rc;
}

bool
gw_pki_key_allowed(EVP_PKEY *key)
{
    char group[64];
    size_t glen = 0;

    switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
        return EVP_PKEY_get_bits(key) >= 2048;
    case EVP_PKEY_EC:
        if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), &glen) != 1) {
            return false;
        }
        return strcmp(group, "prime256v1") == 0 || strcmp(group, "secp384r1") == 0;
    default:
        return false;
    }
}

/* An extendedKeyUsage, when present, restricts the key to its purposes. Signing messages is allowed to
 * gateway certificates (serverAuth: they also serve TLS), document and e-mail signing certificates, and
 * anyExtendedKeyUsage; a certificate limited to TLS client authentication (an IT system's) cannot sign. */
static bool
eku_allows_signing(X509 *cert)
{
    uint32_t xku;

    if ((X509_get_extension_flags(cert) & EXFLAG_XKUSAGE) == 0) {
        return true;
    }
    xku = X509_get_extended_key_usage(cert);
    if ((xku & (XKU_SSL_SERVER | XKU_SMIME | XKU_ANYEKU)) != 0) {
        return true;
    }
    /* id-kp-documentSigning (RFC 9336) has no XKU_ bit in OpenSSL 3.0 */
    {
        EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(cert, NID_ext_key_usage, NULL, NULL);
        ASN1_OBJECT *doc_signing = OBJ_txt2obj("1.3.6.1.5.5.7.3.36", 1);
        bool found = false;
        for (int i = 0; eku != NULL && doc_signing != NULL && i < sk_ASN1_OBJECT_num(eku); i++) {
            found = found || OBJ_cmp(sk_ASN1_OBJECT_value(eku, i), doc_signing) == 0;
        }
        ASN1_OBJECT_free(doc_signing);
        EXTENDED_KEY_USAGE_free(eku);
        return found;
    }
}

static enum gw_reason
reason_of_x509_error(int e)
{
    switch (e) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
        return GW_R_CERT_EXPIRED;
    case X509_V_ERR_CERT_NOT_YET_VALID:
        return GW_R_CERT_NOT_YET_VALID;
    case X509_V_ERR_CERT_REVOKED:
        return GW_R_CERT_REVOKED;
    case X509_V_ERR_UNABLE_TO_GET_CRL:
    case X509_V_ERR_CRL_HAS_EXPIRED:
    case X509_V_ERR_CRL_NOT_YET_VALID:
    case X509_V_ERR_CRL_SIGNATURE_FAILURE:
    case X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER:
    case X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE:
        return GW_R_CERT_CRL;
    case X509_V_ERR_EE_KEY_TOO_SMALL:
    case X509_V_ERR_CA_KEY_TOO_SMALL:
    case X509_V_ERR_CA_MD_TOO_WEAK:
        return GW_R_SIG_ALGORITHM;
    default:
        return GW_R_CERT_UNTRUSTED;
    }
}

static enum gw_rc
decode_certs(const struct gw_der *certs, size_t n, X509 **leaf_out, STACK_OF(X509) **others_out,
             struct gw_err *err)
{
    enum gw_rc rc = GW_EPOLICY;
    X509 *leaf = NULL;
    X509 *x = NULL;
    STACK_OF(X509) *others = sk_X509_new_null();

    GW_CHECK(others != NULL, GW_ENOMEM, GW_R_NOMEM, "stack");
    GW_CHECK(n > 0, GW_EPOLICY, GW_R_CERT_MISSING, "KeyInfo holds no X509Certificate");
    GW_CHECK(n <= GW_MAX_CHAIN_CERTS, GW_ELIMIT, GW_R_LIMIT_NODES, "KeyInfo holds %zu certificates (limit %u)", n,
             GW_MAX_CHAIN_CERTS);
    for (size_t i = 0; i < n; i++) {
        const unsigned char *p = certs[i].data;
        GW_CHECK(certs[i].len <= 65536, GW_ELIMIT, GW_R_CERT_MALFORMED, "certificate %zu too large", i + 1);
        x = d2i_X509(NULL, &p, (long)certs[i].len);
        GW_CHECK(x != NULL && p == certs[i].data + certs[i].len, GW_EINPUT, GW_R_CERT_MALFORMED,
                 "X509Certificate %zu is not one DER certificate", i + 1);
        if (X509_check_ca(x) == 0) {
            /* DESIGN §3: the key comes from the one end-entity certificate; the rest are intermediates */
            GW_CHECK(leaf == NULL, GW_EPOLICY, GW_R_SIG_KEYINFO,
                     "KeyInfo holds more than one end-entity certificate");
            leaf = x;
        } else {
            GW_CHECK(sk_X509_push(others, x) > 0, GW_ENOMEM, GW_R_NOMEM, "stack");
        }
        x = NULL;
    }
    GW_CHECK(leaf != NULL, GW_EPOLICY, GW_R_CERT_MISSING, "KeyInfo holds no end-entity certificate");
    *leaf_out = leaf;
    *others_out = others;
    leaf = NULL;
    others = NULL;
    rc = GW_OK;
out:
    X509_free(x);
    X509_free(leaf);
    sk_X509_pop_free(others, X509_free);
    return rc;
}

static time_t
earliest_not_after(STACK_OF(X509) *chain)
{
    time_t earliest = (time_t)-1;

    for (int i = 0; i < sk_X509_num(chain); i++) {
        time_t t = asn1_time_t(X509_get0_notAfter(sk_X509_value(chain, i)));
        if (t != (time_t)-1 && (earliest == (time_t)-1 || t < earliest)) {
            earliest = t;
        }
    }
    return earliest == (time_t)-1 ? 0 : earliest;
}

/* Judging a chain at a past time (gw_pki_check_signer_at): the configured CRLs are newer than that time, and
 * are the revocation information to use, so "CRL not yet valid" is no error there. */
static int
at_time_cb(int ok, X509_STORE_CTX *ctx)
{
    if (!ok && X509_STORE_CTX_get_error(ctx) == X509_V_ERR_CRL_NOT_YET_VALID) {
        X509_STORE_CTX_set_error(ctx, X509_V_OK);
        return 1;
    }
    return gw_pki_crl_policy_cb(ok, ctx);
}

/* The uncached path: decode, build and check the chain (at the time at; 0 is now), check the leaf. */
static enum gw_rc
check_signer_uncached(struct gw_pki *pki, const struct gw_der *certs, size_t n, int64_t at,
                      struct gw_signer_info *out, time_t *good_until, struct gw_err *err)
{
    enum gw_rc rc = GW_EPOLICY;
    X509 *leaf = NULL;
    STACK_OF(X509) *others = NULL;
    X509_STORE_CTX *sctx = NULL;
    struct gw_signer_info info = {0};
    STACK_OF(X509) *chain = NULL;
    uint32_t ku;

    GW_TRY(decode_certs(certs, n, &leaf, &others, err));
    sctx = X509_STORE_CTX_new();
    GW_CHECK(sctx != NULL, GW_ENOMEM, GW_R_NOMEM, "X509_STORE_CTX");
    GW_CHECK(X509_STORE_CTX_init(sctx, pki->store, leaf, others) == 1, GW_ENOMEM, GW_R_NOMEM, "X509_STORE_CTX");
    if (at != 0) {
        X509_STORE_CTX_set_time(sctx, 0, (time_t)at);
        X509_STORE_CTX_set_verify_cb(sctx, at_time_cb);
    }
    if (X509_verify_cert(sctx) != 1) {
        int e = X509_STORE_CTX_get_error(sctx);
        char subj[256];
        gw_pki_subject(leaf, subj, sizeof(subj));
        ERR_clear_error();
        GW_CHECK(false, GW_EPOLICY, reason_of_x509_error(e), "certificate '%s': %s (depth %d)", subj,
                 X509_verify_cert_error_string(e), X509_STORE_CTX_get_error_depth(sctx));
    }
    chain = X509_STORE_CTX_get1_chain(sctx);
    GW_CHECK(chain != NULL, GW_ENOMEM, GW_R_NOMEM, "chain");
    /* DESIGN §3: digitalSignature or nonRepudiation; a certificate without keyUsage does not qualify */
    ku = X509_get_key_usage(leaf);
    GW_CHECK((X509_get_extension_flags(leaf) & EXFLAG_KUSAGE) != 0 &&
                 (ku & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)) != 0,
             GW_EPOLICY, GW_R_CERT_KEY_USAGE,
             "certificate key usage allows neither digitalSignature nor nonRepudiation");
    GW_CHECK(eku_allows_signing(leaf), GW_EPOLICY, GW_R_CERT_KEY_USAGE,
             "certificate extendedKeyUsage does not allow signing (a TLS-client-only certificate cannot sign)");
    GW_CHECK(gw_pki_key_allowed(X509_get0_pubkey(leaf)), GW_EPOLICY, GW_R_SIG_ALGORITHM,
             "signer key is neither RSA of 2048+ bits nor EC P-256/P-384");
    GW_TRY(gw_pki_cert_regno(leaf, info.regno, err));
    gw_pki_subject(leaf, info.subject, sizeof(info.subject));
    if (!subject_entry(leaf, NID_organizationName, info.organisation, sizeof(info.organisation))) {
        info.organisation[0] = '\0';
    }
    gw_pki_subject(sk_X509_value(chain, sk_X509_num(chain) - 1), info.anchor, sizeof(info.anchor));
    *good_until = earliest_not_after(chain);
    if (pki->crls_good_until != 0 && pki->crls_good_until < *good_until) {
        *good_until = pki->crls_good_until;
    }
    info.cert = leaf;
    leaf = NULL;
    *out = info;
    rc = GW_OK;
out:
    sk_X509_pop_free(chain, X509_free);
    X509_STORE_CTX_free(sctx);
    X509_free(leaf);
    sk_X509_pop_free(others, X509_free);
    return rc;
}

static bool
cache_key(const struct gw_der *certs, size_t n, unsigned char key[32])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned int len = 0;
    bool ok = md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1;

    for (size_t i = 0; ok && i < n; i++) {
        uint64_t l = certs[i].len;
        ok = EVP_DigestUpdate(md, &l, sizeof(l)) == 1 && EVP_DigestUpdate(md, certs[i].data, certs[i].len) == 1;
    }
    ok = ok && EVP_DigestFinal_ex(md, key, &len) == 1 && len == 32;
    EVP_MD_CTX_free(md);
    return ok;
}

enum gw_rc
gw_pki_check_signer(struct gw_pki *pki, const struct gw_der *certs, size_t n, struct gw_signer_info *out,
                    struct gw_err *err)
{
    enum gw_rc rc = GW_EPOLICY;
    unsigned char key[32] = {0};
    bool keyed = cache_key(certs, n, key);
    time_t now = time(NULL);
    struct chain_cache_entry *slot = &pki->cache[key[0] % CHAIN_CACHE_SLOTS];
    struct gw_signer_info info = {0};
    time_t good_until = 0;

    if (keyed) {
        bool hit = false;
        pthread_mutex_lock(&pki->lock);
        if (slot->used && memcmp(slot->key, key, sizeof(key)) == 0 && now >= slot->checked_at &&
            now - slot->checked_at < CHAIN_CACHE_TTL_SECONDS && now < slot->good_until) {
            info = slot->info;
            X509_up_ref(info.cert);
            hit = true;
        }
        pthread_mutex_unlock(&pki->lock);
        if (hit) {
            *out = info;
            return GW_OK;
        }
    }
    GW_TRY(check_signer_uncached(pki, certs, n, 0, &info, &good_until, err));
    if (keyed) {
        pthread_mutex_lock(&pki->lock);
        gw_signer_info_cleanup(&slot->info);
        memcpy(slot->key, key, sizeof(key));
        slot->used = true;
        slot->checked_at = now;
        slot->good_until = good_until;
        slot->info = info;
        X509_up_ref(info.cert);
        pthread_mutex_unlock(&pki->lock);
    }
    *out = info;
    rc = GW_OK;
out:
    return rc;
}

enum gw_rc
gw_pki_check_signer_at(struct gw_pki *pki, const struct gw_der *certs, size_t n, int64_t at,
                       struct gw_signer_info *out, struct gw_err *err)
{
    enum gw_rc rc = GW_EPOLICY;
    time_t good_until = 0;

    GW_CHECK(at > 0, GW_EINTERNAL, GW_R_INTERNAL, "no time to judge the certificate at");
    /* never cached: the cache holds results judged now */
    GW_TRY(check_signer_uncached(pki, certs, n, at, out, &good_until, err));
    rc = GW_OK;
out:
    return rc;
}

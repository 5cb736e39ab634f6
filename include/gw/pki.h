/* SPDX-License-Identifier: MIT */
/*
 * Certificates: trust anchors and CRLs loaded once, the signer's chain checked against them (validity,
 * revocation, key usage, key strength), the eIDAS organizationIdentifier read, and decoded certificates
 * with their chain results cached so a known signer costs no decoding or chain building.
 */
#ifndef GW_PKI_H
#define GW_PKI_H

#include <openssl/x509.h>
#include <stddef.h>
#include <stdint.h>

#include "gw/err.h"
#include "gw/ids.h"

struct gw_pki;

/* One DER certificate as found in KeyInfo (bytes borrowed). */
struct gw_der {
    const unsigned char *data;
    size_t len;
};

struct gw_signer_info {
    X509 *cert;                   /* the signer's certificate; owned (X509_free via cleanup) */
    char regno[GW_REGNO_LEN + 1]; /* registration number from organizationIdentifier */
    char subject[512];            /* RFC 2253-like, UTF-8 */
    char organisation[256];       /* subject O, UTF-8 */
    char anchor[256];             /* subject of the trust anchor the chain ended at */
};

/* Load trust anchors (PEM, one or more certificates) and CRLs (PEM files, each one or more CRLs; may be
 * empty). Paths are borrowed. OUT: *out (gw_pki_free()). Reasons: CONFIG, IO, NOMEM. */
GW_MUST_CHECK enum gw_rc gw_pki_load(const char *trust_pem, const char *const *crl_pems, size_t n_crls,
                                     struct gw_pki **out, struct gw_err *err);
void gw_pki_free(struct gw_pki *pki);

/* The one trust-store builder, for signatures (gw_pki_load) and TLS (tls.c, deliver.c): add the trust
 * anchors of trust_pem and the CRLs of each of crl_pems (n_crls PEM files, each with at least one CRL) to
 * store, every file read through the GW_MAX_PEM_BYTES cap; with CRLs, also set gw_pki_store_crl_policy.
 * Paths borrowed; store borrowed (on failure it may hold some of the objects: the caller frees it).
 * Reasons: IO, CONFIG (no certificate, no CRL, OpenSSL refused one), LIMIT_SIZE, NOMEM. */
GW_MUST_CHECK enum gw_rc gw_pki_fill_store(X509_STORE *store, const char *trust_pem, const char *const *crl_pems,
                                           size_t n_crls, struct gw_err *err);

/*
 * From the certificates of a KeyInfo (the end-entity certificate and its intermediates, in any order),
 * pick the one end-entity certificate and check it: chain to a trust anchor at the current time, not
 * revoked where a CRL is configured, digitalSignature or nonRepudiation key usage, an extendedKeyUsage (if
 * any) that allows signing, RSA >= 2048 or EC
 * P-256/P-384 key, and an organizationIdentifier NTRLV-<11 digits>. Thread-safe. A good result is cached by the
 * SHA-256 of the KeyInfo certificates for at most 5 minutes, and never past the chain's earliest notAfter or
 * the configured CRLs' earliest nextUpdate; failures are never cached, and a new gw_pki starts empty.
 * OUT: *out (gw_signer_info_cleanup()); on failure *out is untouched.
 * Reasons: CERT_MISSING, CERT_MALFORMED, CERT_UNTRUSTED, CERT_EXPIRED, CERT_NOT_YET_VALID, CERT_REVOKED,
 * CERT_CRL, CERT_KEY_USAGE, CERT_ORG_ID, SIG_ALGORITHM (weak key), LIMIT_NODES (too many certificates), NOMEM.
 */
GW_MUST_CHECK enum gw_rc gw_pki_check_signer(struct gw_pki *pki, const struct gw_der *certs, size_t n,
                                             struct gw_signer_info *out, struct gw_err *err);

/* As gw_pki_check_signer, but the chain is judged at the time at (seconds since the epoch, > 0) instead of
 * now: validity periods at that time; revocation from the configured CRLs, which may be newer than at (a
 * certificate they list as revoked is refused whatever the revocation date). Not cached. Same reasons. */
GW_MUST_CHECK enum gw_rc gw_pki_check_signer_at(struct gw_pki *pki, const struct gw_der *certs, size_t n,
                                                int64_t at, struct gw_signer_info *out, struct gw_err *err);
void gw_signer_info_cleanup(struct gw_signer_info *info);

/* Registration number from a certificate's organizationIdentifier ("NTRLV-" + 11 digits).
 * Reasons: CERT_ORG_ID. */
GW_MUST_CHECK enum gw_rc gw_pki_cert_regno(X509 *cert, char regno[GW_REGNO_LEN + 1], struct gw_err *err);

/* Subject of a certificate as one UTF-8 line. */
void gw_pki_subject(X509 *cert, char *buf, size_t n);

/* Read every certificate of a PEM file (borrowed path). OUT: *out (sk_X509_pop_free(.., X509_free)).
 * Reasons: IO, CONFIG (no certificate or bad PEM), LIMIT_SIZE. */
GW_MUST_CHECK enum gw_rc gw_pki_read_certs(const char *path, STACK_OF(X509) **out, struct gw_err *err);

/* Revocation policy on a store that holds CRLs: the end-entity certificate must be covered by a CRL; CA
 * certificates are checked where their issuer's CRL is configured. Used for signers and TLS peers alike. */
void gw_pki_store_crl_policy(X509_STORE *store);
/* The verify callback that implements it; a TLS verify callback of our own must call it first. */
int gw_pki_crl_policy_cb(int ok, X509_STORE_CTX *ctx);

/* Is the key strong enough for the profile (RSA >= 2048 bits, EC P-256 or P-384)? */
bool gw_pki_key_allowed(EVP_PKEY *key);

#endif

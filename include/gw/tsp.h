/* SPDX-License-Identifier: MIT */
/*
 * RFC 3161 time-stamp protocol: a request for the SHA-256 digest of our data (random 64-bit nonce, certReq
 * set), and the strict check of a TSA's reply or of a stored token against TSA trust anchors that are kept
 * apart from the signers' anchors (DESIGN §3 "checked against TSA trust anchors of its own"). Infrastructure
 * layer: OpenSSL only, no network (gateway/tsa_client.c posts the request), no configuration. docs/timestamps.md
 * states the rules.
 */
#ifndef GW_TSP_H
#define GW_TSP_H

#include <openssl/x509.h>
#include <stddef.h>
#include <stdint.h>

#include "gw/err.h"

#define GW_TSP_DIGEST_LEN 32 /* SHA-256, the only imprint algorithm we ask for and accept */

/* Seconds a genTime may lie ahead of our clock (the TSA's and our clocks disagree a little), and the largest
 * accuracy a token may declare: a token less precise than our skew cannot order events for us. */
#define GW_TSP_SKEW_SECONDS 60

/* One request: what we asked for, kept to check the reply against. */
struct gw_tsp_req {
    unsigned char digest[GW_TSP_DIGEST_LEN]; /* the SHA-256 imprint asked for */
    uint64_t nonce;                          /* the random nonce asked for (never 0) */
    unsigned char *der;                      /* DER TimeStampReq, owned (gw_tsp_req_cleanup) */
    size_t der_len;                          /* bytes of der */
};

/* A checked token. */
struct gw_tsp_token {
    int64_t gen_time;            /* genTime, seconds since the epoch (UTC), fraction dropped */
    unsigned char *der;          /* DER TimeStampToken (CMS ContentInfo), owned (gw_tsp_token_cleanup) */
    size_t der_len;              /* bytes of der */
    char tsa_subject[256];       /* subject of the TSA certificate that signed it, UTF-8 */
    char policy[64];             /* the TSA policy OID, dotted */
    char serial_hex[2 * 20 + 1]; /* the token's serial number, hex (at most 20 bytes, RFC 3161 §2.4.2) */
};

/* Build a version-1 TimeStampReq for digest (borrowed, GW_TSP_DIGEST_LEN bytes of SHA-256): a fresh random
 * 64-bit nonce, certReq true, no policy. OUT: *out (gw_tsp_req_cleanup); on failure *out is untouched.
 * Reasons: INTERNAL (rc GW_ECRYPTO: no randomness or OpenSSL failure), NOMEM. */
GW_MUST_CHECK enum gw_rc gw_tsp_request_new(const unsigned char digest[GW_TSP_DIGEST_LEN], struct gw_tsp_req *out,
                                            struct gw_err *err);
void gw_tsp_req_cleanup(struct gw_tsp_req *req);

/*
 * Check a TimeStampResp (reply, len bytes, borrowed, hostile) to req: at most GW_MAX_TSP_REPLY_BYTES, one DER
 * value with nothing after it; PKIStatus granted or grantedWithMods with a token; then the token as
 * gw_tsp_check_token does, and its nonce must equal req->nonce. tsa_store (borrowed, read-only) holds the TSA
 * trust anchors only; now is the verification time in seconds since the epoch.
 * OUT: *out (gw_tsp_token_cleanup); on failure *out is untouched.
 * Reasons: LIMIT_SIZE, TSA_MALFORMED, TSA_STATUS, TSA_IMPRINT, TSA_NONCE, TSA_EKU, TSA_UNTRUSTED, TSA_SIGNATURE,
 * TSA_TIME, NOMEM.
 */
GW_MUST_CHECK enum gw_rc gw_tsp_check_reply(const struct gw_tsp_req *req, const unsigned char *reply, size_t len,
                                            X509_STORE *tsa_store, int64_t now, struct gw_tsp_token *out,
                                            struct gw_err *err);

/*
 * Check a stored TimeStampToken (token, len bytes, borrowed, hostile) over digest (GW_TSP_DIGEST_LEN bytes of
 * SHA-256, borrowed): at most GW_MAX_TSP_REPLY_BYTES, one DER value; a SignedData of TSTInfo version 1 with
 * exactly one signer; imprint SHA-256 (no parameters or NULL) equal to digest (CRYPTO_memcmp); the signer's
 * certificate (from the token) has an extendedKeyUsage that is critical and only timeStamping (RFC 3161
 * §2.3); it chains to tsa_store at now with the timestamping purpose; the signature and the ESS
 * signing-certificate attribute verify; accuracy, if present, at most GW_TSP_SKEW_SECONDS; genTime not after
 * now + GW_TSP_SKEW_SECONDS. The nonce is not checked (a stored token's request is gone).
 * OUT: *out (gw_tsp_token_cleanup); on failure *out is untouched.
 * Reasons: LIMIT_SIZE, TSA_MALFORMED, TSA_IMPRINT, TSA_EKU, TSA_UNTRUSTED, TSA_SIGNATURE, TSA_TIME, NOMEM.
 */
GW_MUST_CHECK enum gw_rc gw_tsp_check_token(const unsigned char digest[GW_TSP_DIGEST_LEN],
                                            const unsigned char *token, size_t len, X509_STORE *tsa_store,
                                            int64_t now, struct gw_tsp_token *out, struct gw_err *err);
void gw_tsp_token_cleanup(struct gw_tsp_token *tok);

/* A store holding the certificates of the PEM file tsa_pem (borrowed path) as TSA trust anchors: roots, or
 * a TSA's own certificate (partial chains are accepted, as for signer anchors). No CRLs.
 * OUT: *out (X509_STORE_free); on failure *out is untouched. Reasons: IO, CONFIG, LIMIT_SIZE, NOMEM. */
GW_MUST_CHECK enum gw_rc gw_tsp_load_anchors(const char *tsa_pem, X509_STORE **out, struct gw_err *err);

#endif

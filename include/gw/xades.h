/* SPDX-License-Identifier: MIT */
/*
 * XAdES baseline B-B (ETSI EN 319 132-1) on the gateway's enveloped signatures (DESIGN §3): signing adds
 * ds:Object/xades:QualifyingProperties/xades:SignedProperties (SigningTime, SigningCertificateV2 with
 * IssuerSerialV2) and a second ds:Reference to it by Id; verification admits exactly that shape and
 * nothing else, refuses duplicate Ids, and checks the signed properties against the signer certificate.
 * sign.c and verify.c call it in a few clearly separated places; docs/verification.md lists the rules.
 */
#ifndef GW_XADES_H
#define GW_XADES_H

#include <libxml/tree.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stdint.h>

#include "gw/err.h"
#include "gw/tsp.h"

#define GW_NS_XADES "http://uri.etsi.org/01903/v1.3.2#"
#define GW_URI_XADES_SIGNED_PROPERTIES "http://uri.etsi.org/01903#SignedProperties"

/* Seconds a SigningTime may lie ahead of the verifier's clock (the signer's clock may be a little ahead). */
#define GW_XADES_SKEW_SECONDS 60

/* What the structural pass found (nodes borrowed from the document, valid while it lives). */
struct gw_xades_parts {
    xmlNode *reference;   /* the SignedProperties ds:Reference; NULL for a plain signature */
    xmlNode *object;      /* the ds:Object holding QualifyingProperties; NULL for a plain signature */
    xmlNode *signed_prop; /* xades:SignedProperties */
    xmlNode *signing_time;
    xmlNode *cert_digest_method; /* ds:DigestMethod of SigningCertificateV2/Cert/CertDigest */
    xmlNode *cert_digest_value;  /* ds:DigestValue of the same */
    xmlNode *issuer_serial;      /* xades:IssuerSerialV2, NULL if absent */
    const char *sp_id;           /* SignedProperties/@Id, borrowed from the document */
    xmlNode *signature_value;    /* ds:SignatureValue of this signature */
    xmlNode *timestamp;          /* B-T: SignatureTimeStamp/EncapsulatedTimeStamp, NULL if none */
    const char *timestamp_c14n;  /* B-T: its ds:CanonicalizationMethod, NULL if absent (inclusive C14N 1.0) */
};

/* What a verified signature says about itself. */
struct gw_xades_info {
    bool present;             /* the signature carries XAdES signed properties (level B-B) */
    int64_t signing_time;     /* SigningTime, seconds since the epoch (UTC); 0 if !present */
    char level[8];            /* "B-B" or "B-T", or "none" for a plain enveloped signature */
    bool timestamped;         /* B-T: a SignatureTimeStamp was checked against the TSA anchors */
    bool timestamp_unchecked; /* a SignatureTimeStamp is present but no TSA anchors were given */
    int64_t timestamp_time;   /* B-T: the token's genTime, seconds since the epoch (UTC) */
    char tsa_subject[256];    /* B-T: the TSA certificate that signed the token */
};

/*
 * Before signing: give sig (a ds:Signature template inside doc, whose first Reference is the enveloped one)
 * an Id, add the second Reference (Type SignedProperties, exclusive C14N, SHA-256) and the ds:Object with
 * QualifyingProperties for cert (borrowed), with SigningTime now (seconds since the epoch). Refuses a
 * document in which an Id it would add is already used. Nodes added belong to doc.
 * Reasons: XADES_DUPLICATE_ID, NOMEM, INTERNAL.
 */
GW_MUST_CHECK enum gw_rc gw_xades_prepare(xmlDoc *doc, xmlNode *sig, X509 *cert, int64_t now, struct gw_err *err);

/* Is n a ds:Object holding one xades:QualifyingProperties (the one Object the profile admits)? */
bool gw_xades_is_object(const xmlNode *n);

/* Let a signature context (xmlSecDSigCtx *, borrowed) resolve the one same-document reference
 * "#Id" that gw_xades_check_structure admitted. Call after gw_dsig_restrict. */
void gw_xades_enable(void *dsig_ctx);

/*
 * Structural check, before the signature library runs. ref2 is the Reference after the enveloped one
 * (NULL if none), object the ds:Object after KeyInfo (NULL if none); sig is the ds:Signature. Both absent:
 * a plain enveloped signature, *out is zeroed. Otherwise: the Reference has Type SignedProperties,
 * URI "#" + the Id of the SignedProperties inside this signature's QualifyingProperties (Target "#" + the
 * Signature's Id), one C14N 1.0 transform and an allowed digest; QualifyingProperties holds SignedProperties
 * only, which holds SignedSignatureProperties with SigningTime and SigningCertificateV2 (one Cert: CertDigest,
 * optional IssuerSerialV2) and nothing else; no Id value occurs twice in doc (Id, ID, id or xml:id).
 * OUT: *out (borrowed nodes; nothing to free). Reasons: XADES_STRUCTURE, XADES_REFERENCE,
 * XADES_DUPLICATE_ID, SIG_ALGORITHM, SIG_TRANSFORM, NOMEM.
 */
GW_MUST_CHECK enum gw_rc gw_xades_check_structure(xmlDoc *doc, xmlNode *sig, xmlNode *ref2, xmlNode *object,
                                                  struct gw_xades_parts *out, struct gw_err *err);

/*
 * After xmlsec verified every Reference (and gw_xades_check_timestamp, whose fields of *out it keeps and
 * whose time it orders SigningTime against): the document's Id lookup for the referenced Id must yield the
 * SignedProperties node that was checked (not a copy elsewhere); SigningTime is an xs:dateTime in UTC
 * ("YYYY-MM-DDThh:mm:ssZ", optional fraction) not after now + GW_XADES_SKEW_SECONDS; the CertDigest is the
 * digest of cert's DER (CRYPTO_memcmp); IssuerSerialV2, if present, is the DER IssuerSerial of cert; with a
 * checked timestamp, SigningTime is not after its time + GW_XADES_SKEW_SECONDS.
 * parts from gw_xades_check_structure (all NULL: *out says "none"). cert borrowed.
 * IN/OUT: *out; on failure untouched. Reasons: XADES_REFERENCE, XADES_SIGNING_TIME, XADES_CERT_DIGEST,
 * XADES_TIMESTAMP, NOMEM.
 */
GW_MUST_CHECK enum gw_rc gw_xades_check_verified(xmlDoc *doc, const struct gw_xades_parts *parts, X509 *cert,
                                                 int64_t now, struct gw_xades_info *out, struct gw_err *err);

/*
 * B-T: check the SignatureTimeStamp found by gw_xades_check_structure, if any. With tsa_store NULL it is left
 * unchecked (info->timestamp_unchecked; its time is then never used). Otherwise the token must be an RFC
 * 3161 token over the SHA-256 of the canonicalised ds:SignatureValue element (the C14N its
 * CanonicalizationMethod names, inclusive C14N 1.0 if absent), valid as gw_tsp_check_token requires at now.
 * Sets the timestamp fields of *info (in/out; the rest untouched). tsa_store borrowed.
 * Reasons: XADES_TIMESTAMP, TSA_* (gw_tsp_check_token), NOMEM.
 */
GW_MUST_CHECK enum gw_rc gw_xades_check_timestamp(xmlDoc *doc, const struct gw_xades_parts *parts,
                                                  X509_STORE *tsa_store, int64_t now, struct gw_xades_info *info,
                                                  struct gw_err *err);

/*
 * B-T for a document the gateway has just signed (B-B): ask the TSAs at urls (n_urls, in order: the next
 * one only if the one before failed) for a token over the canonicalised (exclusive C14N) ds:SignatureValue,
 * check the reply (nonce, imprint, TSA chain to tsa_store at now, time) and add it as
 * UnsignedProperties/UnsignedSignatureProperties/SignatureTimeStamp. Each TSA gets at most timeout_ms. The
 * caller has called curl_global_init. OUT: *gen_time (the token's time). On failure the document is
 * unchanged and err says what the last TSA answered.
 * Reasons: XADES_STRUCTURE (no B-B signature in doc), TSA_*, LIMIT_SIZE, IO, CONFIG, NOMEM.
 */
GW_MUST_CHECK enum gw_rc gw_xades_timestamp(xmlDoc *doc, const char *const *urls, size_t n_urls,
                                            X509_STORE *tsa_store, long timeout_ms, int64_t now, int64_t *gen_time,
                                            struct gw_err *err);

#endif

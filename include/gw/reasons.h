/* SPDX-License-Identifier: MIT */
/*
 * The one list of stable reason codes (X-macro). Each entry: code, short text, HTTP status a client sees.
 * The code name (without GW_R_) is what CLI output, receipts, logs and tests print: never renumber or rename
 * an entry, only append.
 */
#ifndef GW_REASONS_H
#define GW_REASONS_H

#define GW_REASONS(X)                                                                                             \
    X(OK, "ok", 200)                                                                                              \
    X(USAGE, "usage error", 400)                                                                                  \
    X(IO, "input/output error", 500)                                                                              \
    X(NOMEM, "out of memory", 503)                                                                                \
    X(CONFIG, "configuration error", 500)                                                                         \
    X(INTERNAL, "internal error", 500)                                                                            \
    X(XML_MALFORMED, "XML is not well-formed", 400)                                                               \
    X(XML_DTD, "DOCTYPE or DTD present", 400)                                                                     \
    X(LIMIT_SIZE, "document too large", 413)                                                                      \
    X(LIMIT_DEPTH, "elements nested too deeply", 400)                                                             \
    X(LIMIT_NODES, "too many elements", 400)                                                                      \
    X(LIMIT_ATTRS, "too many attributes on one element", 400)                                                     \
    X(LIMIT_NAME, "name too long", 400)                                                                           \
    X(LIMIT_TEXT, "text node too long", 400)                                                                      \
    X(XSI_ATTR, "xsi: attribute present", 400)                                                                    \
    X(SCHEMA_UNKNOWN, "root element is not a known message", 400)                                                 \
    X(SCHEMA_INVALID, "schema validation failed", 400)                                                            \
    X(TYPE_MISMATCH, "MessageType does not name the payload", 400)                                                \
    X(NOT_SIGNED, "message is not signed", 400)                                                                   \
    X(SIG_MULTIPLE, "more than one signature", 400)                                                               \
    X(SIG_PLACEMENT, "signature is not the last child of the envelope root", 400)                                 \
    X(SIG_STRUCTURE, "signature structure not allowed by the profile", 400)                                       \
    X(SIG_REFERENCE, "reference does not cover exactly the whole document", 400)                                  \
    X(SIG_TRANSFORM, "transform not allowed by the profile", 400)                                                 \
    X(SIG_ALGORITHM, "algorithm not allowed by the profile", 400)                                                 \
    X(SIG_OBJECT, "ds:Object or ds:Manifest present", 400)                                                        \
    X(SIG_KEYINFO, "key information not allowed by the profile", 400)                                             \
    X(CERT_MISSING, "no signer certificate in KeyInfo", 400)                                                      \
    X(CERT_MALFORMED, "certificate cannot be decoded", 400)                                                       \
    X(CERT_UNTRUSTED, "certificate does not chain to a trust anchor", 403)                                        \
    X(CERT_EXPIRED, "certificate expired", 403)                                                                   \
    X(CERT_NOT_YET_VALID, "certificate not yet valid", 403)                                                       \
    X(CERT_REVOKED, "certificate revoked", 403)                                                                   \
    X(CERT_CRL, "revocation status cannot be determined", 403)                                                    \
    X(CERT_KEY_USAGE, "certificate key usage does not allow signing", 403)                                        \
    X(CERT_ORG_ID, "certificate has no valid organizationIdentifier", 403)                                        \
    X(SENDER_MISMATCH, "certificate organisation is not the Sender", 403)                                         \
    X(DIGEST_MISMATCH, "digest mismatch: signed content was changed", 400)                                        \
    X(SIGNATURE_MISMATCH, "signature value does not verify", 400)                                                 \
    X(KEY_MISMATCH, "private key does not match the certificate", 400)                                            \
    X(ALREADY_SIGNED, "message already carries a signature", 400)                                                 \
    X(NOT_FOUND, "no such message", 404)                                                                          \
    X(DUPLICATE, "message id already used", 409)                                                                  \
    X(REPLAY_CONFLICT, "message id already used with different content", 409)                                     \
    X(AUDIT_BROKEN, "audit log hash chain is broken", 500)                                                        \
    X(TLS_IDENTITY, "TLS client is not the Sender's organisation", 403)                                           \
    X(NOT_PERMITTED, "sender may not send this type to this recipient", 403)                                      \
    X(WRONG_RECIPIENT, "message is not addressed to this gateway's organisation", 403)                            \
    X(CREATED_WINDOW, "Created lies outside the accepted time window", 400)                                       \
    X(UNKNOWN_PEER, "no route to the recipient", 400)                                                             \
    X(HTTP_BAD_REQUEST, "malformed HTTP request", 400)                                                            \
    X(HTTP_METHOD, "method not allowed", 405)                                                                     \
    X(HTTP_TOO_LARGE, "request body too large", 413)                                                              \
    X(HTTP_UNSUPPORTED_TYPE, "unsupported content type", 415)                                                     \
    X(FORBIDDEN, "client not allowed to use this endpoint", 403)                                                  \
    X(UNAVAILABLE, "temporarily unavailable", 503)                                                                \
    X(RECEIPT_INVALID, "receipt does not match the message", 400)                                                 \
    X(HTTP_HEADERS_TOO_LARGE, "request headers too large", 431)                                                   \
    X(TSA_MALFORMED, "timestamp reply or token is malformed", 400)                                                \
    X(TSA_STATUS, "timestamp authority refused the request", 502)                                                 \
    X(TSA_IMPRINT, "timestamp is not over the expected digest", 400)                                              \
    X(TSA_NONCE, "timestamp nonce does not match the request", 502)                                               \
    X(TSA_UNTRUSTED, "timestamp authority does not chain to a TSA trust anchor", 403)                             \
    X(TSA_EKU, "TSA certificate lacks the critical timeStamping extended key usage", 403)                         \
    X(TSA_SIGNATURE, "timestamp token signature does not verify", 400)                                            \
    X(TSA_TIME, "timestamp time is in the future or too imprecise", 400)                                          \
    X(TSA_HTTP, "timestamp authority answered with an HTTP error", 502)                                           \
    X(MERKLE_PROOF_MALFORMED, "Merkle proof is malformed", 400)                                                   \
    X(MERKLE_PROOF_INVALID, "Merkle proof does not verify", 400)                                                  \
    X(XADES_STRUCTURE, "XAdES qualifying properties not allowed by the profile", 400)                             \
    X(XADES_REFERENCE, "SignedProperties not covered by this signature's reference by Id", 400)                   \
    X(XADES_DUPLICATE_ID, "an Id occurs more than once in the document", 400)                                     \
    X(XADES_CERT_DIGEST, "SigningCertificateV2 does not match the signer certificate", 400)                       \
    X(XADES_SIGNING_TIME, "SigningTime malformed or in the future", 400)                                          \
    X(XADES_TIMESTAMP, "signature timestamp missing, malformed or before SigningTime", 400)                       \
    X(CHECKPOINT_INVALID, "checkpoint is malformed or not the log's", 400)

enum gw_reason {
#define GW_REASON_ENUM(code, text, http) GW_R_##code,
    GW_REASONS(GW_REASON_ENUM)
#undef GW_REASON_ENUM
        GW_R__COUNT
};

#endif

/* SPDX-License-Identifier: MIT */
/*
 * TLS contexts of the daemon (DESIGN §5: mutual TLS, TLS 1.2+): the server context that requires and
 * verifies client certificates against the trust anchors and CRLs, and the identity of a peer.
 */
#ifndef GW_TLS_H
#define GW_TLS_H

#include <openssl/ssl.h>

#include "gw/config.h"
#include "gw/err.h"
#include "gw/ids.h"

/* Our side of a TLS handshake, for the server and for the deliverer: the configured certificate, its
 * intermediates and the private key (read by sign.c's gw_read_private_key). */
struct gw_tls_identity {
    X509 *cert;            /* the first certificate of cfg->cert */
    STACK_OF(X509) *chain; /* cfg->chain, NULL when none is configured */
    EVP_PKEY *key;         /* cfg->key, mode 0600 or stricter */
};

/* Load the identity once (each file through the GW_MAX_PEM_BYTES cap) and check that key and certificate
 * belong together. OUT: *out (gw_tls_identity_cleanup()); on failure *out is untouched.
 * Reasons: IO, CONFIG, LIMIT_SIZE, KEY_MISMATCH. */
GW_MUST_CHECK enum gw_rc gw_tls_identity_load(const struct gw_config *cfg, struct gw_tls_identity *out,
                                              struct gw_err *err);
/* Put certificate, chain and key on ctx (each shared, reference counted; id borrowed). Thread-safe for
 * different contexts. Reasons: CONFIG (OpenSSL refused one, e.g. below the context's security level),
 * KEY_MISMATCH. */
GW_MUST_CHECK enum gw_rc gw_tls_identity_use(SSL_CTX *ctx, const struct gw_tls_identity *id, struct gw_err *err);
/* Free what the identity holds and zero it; NULL-safe. */
void gw_tls_identity_cleanup(struct gw_tls_identity *id);

/* Build the shared server SSL_CTX from the configuration (cfg borrowed: it must outlive the context). The
 * handshake refuses client certificates of organisations other than our own and the configured peers.
 * OUT: *out (SSL_CTX_free). Reasons: CONFIG, IO. */
GW_MUST_CHECK enum gw_rc gw_tls_server_ctx(const struct gw_config *cfg, SSL_CTX **out, struct gw_err *err);

/* Organisation (from organizationIdentifier) and CN of a verified peer certificate.
 * Reasons: FORBIDDEN (no certificate), CERT_ORG_ID. */
GW_MUST_CHECK enum gw_rc gw_tls_peer_identity(X509 *peer, char regno[GW_REGNO_LEN + 1], char *cn, size_t cn_len,
                                              struct gw_err *err);

/* The configuration's trust anchors and CRLs into an X509_STORE (for the server and for libcurl's
 * contexts), by gw_pki_fill_store. Reasons: as gw_pki_fill_store. */
GW_MUST_CHECK enum gw_rc gw_tls_fill_store(X509_STORE *store, const struct gw_config *cfg, struct gw_err *err);

#endif

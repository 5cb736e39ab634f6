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

/* Build the shared server SSL_CTX from the configuration (cfg borrowed: it must outlive the context). The
 * handshake refuses client certificates of organisations other than our own and the configured peers.
 * OUT: *out (SSL_CTX_free). Reasons: CONFIG, IO. */
GW_MUST_CHECK enum gw_rc gw_tls_server_ctx(const struct gw_config *cfg, SSL_CTX **out, struct gw_err *err);

/* Organisation (from organizationIdentifier) and CN of a verified peer certificate.
 * Reasons: FORBIDDEN (no certificate), CERT_ORG_ID. */
GW_MUST_CHECK enum gw_rc gw_tls_peer_identity(X509 *peer, char regno[GW_REGNO_LEN + 1], char *cn, size_t cn_len,
                                              struct gw_err *err);

/* Load trust anchors and CRLs into an X509_STORE (for the server and for libcurl's contexts). */
GW_MUST_CHECK enum gw_rc gw_tls_fill_store(X509_STORE *store, const struct gw_config *cfg, struct gw_err *err);

#endif

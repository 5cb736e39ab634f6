/* SPDX-License-Identifier: MIT */
/*
 * The signing key of an organisation, loaded once and used for every message without being copied
 * (DESIGN §9). The only module that reads private key files: the signing key stays here, and the TLS
 * contexts (tls.c, deliver.c) get their copy for the handshake from gw_read_private_key. The signing API
 * is narrow enough to move into a separate process later.
 */
#ifndef GW_SIGN_H
#define GW_SIGN_H

#include <libxml/tree.h>
#include <openssl/evp.h>
#include <stdbool.h>

#include "gw/err.h"

struct gw_signer;

/*
 * Load a private key (PEM, unencrypted), its certificate and optional intermediates (PEM; chain_pem may
 * be NULL). Paths borrowed. Refuses a key that does not match the certificate, a key weaker than the
 * profile, a certificate without organizationIdentifier, and, if private_mode_required, a key file that
 * breaks the rules of gw_read_private_key. OUT: *out (gw_signer_free()).
 * Reasons: IO, CONFIG, KEY_MISMATCH, SIG_ALGORITHM, CERT_ORG_ID, NOMEM.
 */
GW_MUST_CHECK enum gw_rc gw_signer_load(const char *key_pem, const char *cert_pem, const char *chain_pem,
                                        bool private_mode_required, struct gw_signer **out, struct gw_err *err);
void gw_signer_free(struct gw_signer *s);

/* Read an unencrypted PEM private key (never prompting). If private_mode_required (gateway serve), the
 * path must name a regular file, not through a symbolic link, owned by this process's user or root,
 * with no bit of 0077 set; each refusal names the file and its mode. The file's bytes are read into one
 * buffer that is cleansed before it is freed. For the TLS contexts, which need the key in OpenSSL
 * form. OUT: *out (EVP_PKEY_free). Reasons: IO, CONFIG, LIMIT_SIZE, NOMEM. */
GW_MUST_CHECK enum gw_rc gw_read_private_key(const char *path, bool private_mode_required, EVP_PKEY **out,
                                             struct gw_err *err);

/* Registration number of the signer's organisation (from its certificate). */
const char *gw_signer_regno(const struct gw_signer *s);

/*
 * Add one enveloped signature as the last child of doc's envelope root (DESIGN §3: whole document,
 * exclusive C14N, SHA-256, RSA-SHA256 or ECDSA-SHA256/384 by key; certificate and chain in KeyInfo).
 * The caller has validated doc. Thread-safe: the key is shared read-only.
 * Reasons: SCHEMA_UNKNOWN, ALREADY_SIGNED, SENDER_MISMATCH (Sender is not the certificate's organisation),
 * CRYPTO, NOMEM.
 */
GW_MUST_CHECK enum gw_rc gw_signer_sign(const struct gw_signer *s, xmlDoc *doc, const char *name,
                                        struct gw_err *err);

#endif

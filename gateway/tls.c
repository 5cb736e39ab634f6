// SPDX-License-Identifier: MIT
/*
 * Server-side TLS (DESIGN §5): TLS 1.2 or newer, a client certificate required and verified against the
 * configured trust anchors and CRLs, renegotiation off. One SSL_CTX is built at start and shared by every
 * worker thread. The TLS context holds the private key for the handshake (read by sign.c's
 * gw_read_private_key, which also refuses a key file others can read); message signing stays in sign.c.
 */
#include "gw/tls.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "gw/pki.h"
#include "gw/sign.h"

enum gw_rc
gw_tls_fill_store(X509_STORE *store, const struct gw_config *cfg, struct gw_err *err)
{
    enum gw_rc rc = GW_ECONFIG;
    const char *crls[GW_MAX_CRLS];

    GW_CHECK(cfg->n_crls <= GW_MAX_CRLS, GW_EINTERNAL, GW_R_INTERNAL, "%zu CRL files", cfg->n_crls);
    for (size_t i = 0; i < cfg->n_crls; i++) {
        crls[i] = cfg->crls[i];
    }
    GW_TRY(gw_pki_fill_store(store, cfg->trust, crls, cfg->n_crls, err));
    rc = GW_OK;
out:
    if (rc != GW_OK) {
        gw_err_add_openssl(err);
    }
    return rc;
}

static int cfg_index = -1;
static pthread_once_t cfg_index_once = PTHREAD_ONCE_INIT;

static void
cfg_index_init(void)
{
    cfg_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

static int
config_index(void)
{
    pthread_once(&cfg_index_once, cfg_index_init);
    return cfg_index;
}

/* STYLE §5 "limits before authentication are stricter": the handshake itself refuses a client whose
 * certificate does not name this organisation or a configured peer, so no HTTP byte is ever read from an
 * unknown organisation. The revocation policy of pki.c runs first (this callback replaces the store's). */
static int
known_client_only(int ok, X509_STORE_CTX *xctx)
{
    SSL *ssl;
    const struct gw_config *cfg;
    char regno[GW_REGNO_LEN + 1];
    struct gw_err err;

    ok = gw_pki_crl_policy_cb(ok, xctx);
    if (ok != 1 || X509_STORE_CTX_get_error_depth(xctx) != 0) {
        return ok;
    }
    ssl = X509_STORE_CTX_get_ex_data(xctx, SSL_get_ex_data_X509_STORE_CTX_idx());
    cfg = ssl != NULL ? SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), config_index()) : NULL;
    gw_err_clear(&err);
    if (cfg == NULL || gw_pki_cert_regno(X509_STORE_CTX_get_current_cert(xctx), regno, &err) != GW_OK ||
        (strcmp(regno, cfg->organisation) != 0 && gw_config_peer(cfg, regno) == NULL)) {
        X509_STORE_CTX_set_error(xctx, X509_V_ERR_APPLICATION_VERIFICATION);
        return 0;
    }
    return 1;
}

void
gw_tls_identity_cleanup(struct gw_tls_identity *id)
{
    if (id == NULL) {
        return;
    }
    X509_free(id->cert);
    sk_X509_pop_free(id->chain, X509_free);
    EVP_PKEY_free(id->key);
    memset(id, 0, sizeof(*id));
}

enum gw_rc
gw_tls_identity_load(const struct gw_config *cfg, struct gw_tls_identity *out, struct gw_err *err)
{
    enum gw_rc rc = GW_ECONFIG;
    struct gw_tls_identity id = {0};
    STACK_OF(X509) *certs = NULL;

    GW_TRY(gw_pki_read_certs(cfg->cert, &certs, err));
    id.cert = sk_X509_shift(certs);
    if (cfg->chain[0] != '\0') {
        GW_TRY(gw_pki_read_certs(cfg->chain, &id.chain, err));
    }
    GW_TRY(gw_read_private_key(cfg->key, true, &id.key, err));
    GW_CHECK(X509_check_private_key(id.cert, id.key) == 1, GW_ECONFIG, GW_R_KEY_MISMATCH,
             "key %s does not match certificate %s", cfg->key, cfg->cert);
    *out = id;
    memset(&id, 0, sizeof(id));
    rc = GW_OK;
out:
    sk_X509_pop_free(certs, X509_free);
    gw_tls_identity_cleanup(&id);
    return rc;
}

enum gw_rc
gw_tls_identity_use(SSL_CTX *ctx, const struct gw_tls_identity *id, struct gw_err *err)
{
    enum gw_rc rc = GW_ECONFIG;

    GW_CHECK(SSL_CTX_use_certificate(ctx, id->cert) == 1, GW_ECONFIG, GW_R_CONFIG, "cannot use the certificate");
    for (int i = 0; id->chain != NULL && i < sk_X509_num(id->chain); i++) {
        GW_CHECK(SSL_CTX_add1_chain_cert(ctx, sk_X509_value(id->chain, i)) == 1, GW_ECONFIG, GW_R_CONFIG,
                 "cannot add chain certificate");
    }
    GW_CHECK(SSL_CTX_use_PrivateKey(ctx, id->key) == 1 && SSL_CTX_check_private_key(ctx) == 1, GW_ECONFIG,
             GW_R_KEY_MISMATCH, "key does not match certificate");
    rc = GW_OK;
out:
    return rc;
}

enum gw_rc
gw_tls_server_ctx(const struct gw_config *cfg, SSL_CTX **out, struct gw_err *err)
{
    enum gw_rc rc = GW_ECONFIG;
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    struct gw_tls_identity id = {0};
    static const unsigned char sid_ctx[] = "gw-server";

    GW_CHECK(ctx != NULL, GW_ENOMEM, GW_R_NOMEM, "SSL_CTX");
    GW_CHECK(SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) == 1, GW_ECONFIG, GW_R_CONFIG, "TLS version");
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX_set_security_level(ctx, 2);
    GW_TRY(gw_tls_identity_load(cfg, &id, err));
    GW_TRY(gw_tls_identity_use(ctx, &id, err));
    GW_TRY(gw_tls_fill_store(SSL_CTX_get_cert_store(ctx), cfg, err));
    GW_CHECK(SSL_CTX_set_ex_data(ctx, config_index(), (void *)(uintptr_t)cfg) == 1, GW_ENOMEM, GW_R_NOMEM,
             "SSL_CTX ex data");
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, known_client_only);
    SSL_CTX_set_verify_depth(ctx, 4);
    SSL_CTX_set_session_id_context(ctx, sid_ctx, sizeof(sid_ctx) - 1);
    *out = ctx;
    ctx = NULL;
    rc = GW_OK;
out:
    if (rc != GW_OK) {
        gw_err_add_openssl(err);
    }
    gw_tls_identity_cleanup(&id);
    SSL_CTX_free(ctx);
    return rc;
}

enum gw_rc
gw_tls_peer_identity(X509 *peer, char regno[GW_REGNO_LEN + 1], char *cn, size_t cn_len, struct gw_err *err)
{
    enum gw_rc rc = GW_EPOLICY;
    int idx;

    GW_CHECK(peer != NULL, GW_EPOLICY, GW_R_FORBIDDEN, "no client certificate");
    GW_TRY(gw_pki_cert_regno(peer, regno, err));
    cn[0] = '\0';
    idx = X509_NAME_get_index_by_NID(X509_get_subject_name(peer), NID_commonName, -1);
    if (idx >= 0) {
        unsigned char *utf8 = NULL;
        int len = ASN1_STRING_to_UTF8(
            &utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(X509_get_subject_name(peer), idx)));
        if (len > 0 && (size_t)len < cn_len && memchr(utf8, '\0', (size_t)len) == NULL) {
            memcpy(cn, utf8, (size_t)len);
            cn[len] = '\0';
        }
        OPENSSL_free(utf8);
    }
    rc = GW_OK;
out:
    return rc;
}

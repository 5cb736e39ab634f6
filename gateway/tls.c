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
    STACK_OF(X509) *anchors = NULL;

    GW_TRY(gw_pki_read_certs(cfg->trust, &anchors, err));
    for (int i = 0; i < sk_X509_num(anchors); i++) {
        GW_CHECK(X509_STORE_add_cert(store, sk_X509_value(anchors, i)) == 1, GW_ECONFIG, GW_R_CONFIG,
                 "cannot add trust anchor");
    }
    for (size_t i = 0; i < cfg->n_crls; i++) {
        GW_CHECK(X509_STORE_load_file(store, cfg->crls[i]) == 1, GW_ECONFIG, GW_R_CONFIG, "cannot load CRL %s",
                 cfg->crls[i]);
    }
    if (cfg->n_crls > 0) {
        gw_pki_store_crl_policy(store);
    }
    rc = GW_OK;
out:
    if (rc != GW_OK) {
        gw_err_add_openssl(err);
    }
    sk_X509_pop_free(anchors, X509_free);
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

enum gw_rc
gw_tls_server_ctx(const struct gw_config *cfg, SSL_CTX **out, struct gw_err *err)
{
    enum gw_rc rc = GW_ECONFIG;
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    STACK_OF(X509) *chain = NULL;
    EVP_PKEY *key = NULL;
    static const unsigned char sid_ctx[] = "gw-server";

    GW_CHECK(ctx != NULL, GW_ENOMEM, GW_R_NOMEM, "SSL_CTX");
    GW_CHECK(SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) == 1, GW_ECONFIG, GW_R_CONFIG, "TLS version");
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX_set_security_level(ctx, 2);
    GW_CHECK(SSL_CTX_use_certificate_file(ctx, cfg->cert, SSL_FILETYPE_PEM) == 1, GW_ECONFIG, GW_R_CONFIG,
             "cannot use certificate %s", cfg->cert);
    if (cfg->chain[0] != '\0') {
        GW_TRY(gw_pki_read_certs(cfg->chain, &chain, err));
        for (int i = 0; i < sk_X509_num(chain); i++) {
            GW_CHECK(SSL_CTX_add1_chain_cert(ctx, sk_X509_value(chain, i)) == 1, GW_ECONFIG, GW_R_CONFIG,
                     "cannot add chain certificate");
        }
    }
    GW_TRY(gw_read_private_key(cfg->key, true, &key, err));
    GW_CHECK(SSL_CTX_use_PrivateKey(ctx, key) == 1 && SSL_CTX_check_private_key(ctx) == 1, GW_ECONFIG,
             GW_R_KEY_MISMATCH, "key %s does not match certificate %s", cfg->key, cfg->cert);
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
    EVP_PKEY_free(key);
    sk_X509_pop_free(chain, X509_free);
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

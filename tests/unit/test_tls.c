// SPDX-License-Identifier: MIT
/*
 * Unit tests of tls.c: the one loader of our TLS identity (certificate, chain, key) that the server context
 * and the deliverer share, with the key refused when it does not belong to the certificate and *out
 * untouched on failure, its use on an SSL_CTX, and the server context built from a configuration. (The
 * trust store from the configuration is tested with pki.c's builder, in test_pki.c.)
 */
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "gw/tls.h"
#include "t.h"

#define PKI_DIR "tests/pki/"

static void
set_identity(struct gw_config *cfg, const char *cert, const char *chain, const char *key)
{
    snprintf(cfg->cert, sizeof(cfg->cert), "%s", cert);
    snprintf(cfg->chain, sizeof(cfg->chain), "%s", chain);
    snprintf(cfg->key, sizeof(cfg->key), "%s", key);
}

static void
test_identity(struct t *t)
{
    struct gw_err err;
    char dir[] = "/tmp/gw-unit.XXXXXX";
    char ludza_key[64] = "";
    char talsi_key[64] = "";
    bool made = false;
    static struct gw_config cfg;
    struct gw_tls_identity id = {0};
    SSL_CTX *ctx = NULL;

    EXPECT_TRUE(mkdtemp(dir) != NULL);
    made = true;
    snprintf(ludza_key, sizeof(ludza_key), "%s/ludza.key.pem", dir);
    snprintf(talsi_key, sizeof(talsi_key), "%s/talsi.key.pem", dir);
    EXPECT_TRUE(t_copy_file(PKI_DIR "ludza.key.pem", ludza_key, 0600));
    EXPECT_TRUE(t_copy_file(PKI_DIR "talsi.key.pem", talsi_key, 0600));

    /* on failure *out is untouched */
    set_identity(&cfg, PKI_DIR "ludza.pem", PKI_DIR "chain.pem", talsi_key);
    EXPECT_FAIL(gw_tls_identity_load(&cfg, &id, &err), &err, GW_R_KEY_MISMATCH);
    EXPECT_TRUE(id.cert == NULL && id.chain == NULL && id.key == NULL);
    set_identity(&cfg, PKI_DIR "no-such.pem", "", ludza_key);
    EXPECT_FAIL(gw_tls_identity_load(&cfg, &id, &err), &err, GW_R_IO);
    set_identity(&cfg, PKI_DIR "ludza.pem", "", PKI_DIR "ludza.key.pem"); /* mode 0644 in the tree */
    EXPECT_FAIL(gw_tls_identity_load(&cfg, &id, &err), &err, GW_R_CONFIG);
    EXPECT_TRUE(id.cert == NULL && id.chain == NULL && id.key == NULL);

    set_identity(&cfg, PKI_DIR "ludza.pem", "", ludza_key);
    EXPECT_OK(gw_tls_identity_load(&cfg, &id, &err), &err);
    EXPECT_TRUE(id.cert != NULL && id.chain == NULL && id.key != NULL);
    gw_tls_identity_cleanup(&id);
    EXPECT_TRUE(id.cert == NULL && id.key == NULL);

    set_identity(&cfg, PKI_DIR "ludza.pem", PKI_DIR "chain.pem", ludza_key);
    EXPECT_OK(gw_tls_identity_load(&cfg, &id, &err), &err);
    EXPECT_TRUE(id.chain != NULL && sk_X509_num(id.chain) > 0);
    ctx = SSL_CTX_new(TLS_client_method());
    EXPECT_TRUE(ctx != NULL);
    EXPECT_OK(gw_tls_identity_use(ctx, &id, &err), &err);
    EXPECT_TRUE(SSL_CTX_get0_certificate(ctx) == id.cert);
    EXPECT_TRUE(SSL_CTX_get0_privatekey(ctx) == id.key);
out:
    SSL_CTX_free(ctx);
    gw_tls_identity_cleanup(&id);
    gw_tls_identity_cleanup(NULL);
    if (made) {
        unlink(ludza_key);
        unlink(talsi_key);
        rmdir(dir);
    }
}

static void
test_server_ctx(struct t *t)
{
    struct gw_err err;
    char dir[] = "/tmp/gw-unit.XXXXXX";
    char key[64] = "";
    bool made = false;
    static struct gw_config cfg;
    SSL_CTX *ctx = NULL;

    EXPECT_TRUE(mkdtemp(dir) != NULL);
    made = true;
    snprintf(key, sizeof(key), "%s/key.pem", dir);
    EXPECT_TRUE(t_copy_file(PKI_DIR "ludza.key.pem", key, 0600));
    set_identity(&cfg, PKI_DIR "ludza.pem", PKI_DIR "chain.pem", key);
    snprintf(cfg.trust, sizeof(cfg.trust), "%s", PKI_DIR "trust.pem");
    snprintf(cfg.crls[0], sizeof(cfg.crls[0]), "%s", PKI_DIR "crl.pem");
    cfg.n_crls = 1;
    EXPECT_OK(gw_tls_server_ctx(&cfg, &ctx, &err), &err);
    EXPECT_TRUE(ctx != NULL && SSL_CTX_get0_certificate(ctx) != NULL);
    EXPECT_TRUE(SSL_CTX_get_verify_mode(ctx) == (SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT));
    SSL_CTX_free(ctx);
    ctx = NULL;
    snprintf(cfg.crls[0], sizeof(cfg.crls[0]), "%s", PKI_DIR "trust.pem"); /* no CRL in it */
    EXPECT_FAIL(gw_tls_server_ctx(&cfg, &ctx, &err), &err, GW_R_CONFIG);
    EXPECT_TRUE(ctx == NULL);
out:
    SSL_CTX_free(ctx);
    if (made) {
        unlink(key);
        rmdir(dir);
    }
}

static const struct t_case cases[] = {
    {"identity", test_identity, NULL},
    {"server_ctx", test_server_ctx, NULL},
};

const struct t_module t_module_tls = {"tls", cases, T_COUNT(cases)};

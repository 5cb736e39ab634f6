// SPDX-License-Identifier: MIT
/*
 * Fuzz target: gw_tsp_check_reply and gw_tsp_check_token (gateway/tsp.c) on arbitrary bytes, against a fixed
 * request (the SHA-256 of "fuzz", nonce 81985529216486895) and a fixed TSA anchor: the root of a
 * tests/tsa/make-tsa-pki.sh run, whose test TSA made the seeds in tests/fuzz/corpus/tsp/ (tsa-check --nonce).
 * The verification time is fixed too (2027-01-01), so a run is deterministic. Each call must end with GW_OK
 * or a failure that says why, never a crash or leak.
 */
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gw/tsp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_NOW 1798761600           /* 2027-01-01T00:00:00Z */
#define FUZZ_NONCE 81985529216486895u /* 0x0123456789abcdef */

/* The TSA root of the seeds (a certificate only; its key was an example key and is not kept). */
static const char anchor_pem[] = "-----BEGIN CERTIFICATE-----\n"
                                 "MIIB2jCCAYCgAwIBAgIUKaFgmOJ70vry9qOQKZ5fYz7WDaAwCgYIKoZIzj0EAwIw\n"
                                 "SjELMAkGA1UEBhMCTFYxFDASBgNVBAoMC0V4YW1wbGUgVFNBMSUwIwYDVQQDDBxF\n"
                                 "eGFtcGxlIFRTQSBSb290IChURVNUIE9OTFkpMCAXDTI2MTEyNTEzMjAyNFoYDzIx\n"
                                 "MjYxMTAxMTMyMDI0WjBKMQswCQYDVQQGEwJMVjEUMBIGA1UECgwLRXhhbXBsZSBU\n"
                                 "U0ExJTAjBgNVBAMMHEV4YW1wbGUgVFNBIFJvb3QgKFRFU1QgT05MWSkwWTATBgcq\n"
                                 "hkjOPQIBBggqhkjOPQMBBwNCAASp1MuAMoCC01TXwRHf4H2jO9vlPpVA70+LzLzU\n"
                                 "Chet3uHWW37u6CLhZa677tSoCXH+UkmYcvAeP+871b64HSoIo0IwQDAPBgNVHRMB\n"
                                 "Af8EBTADAQH/MA4GA1UdDwEB/wQEAwIBBjAdBgNVHQ4EFgQUdgRQzOtxzh8amDeL\n"
                                 "PiwKF2zktt4wCgYIKoZIzj0EAwIDSAAwRQIgbsFZBny9CUQGvdb4AzmypXFVj5B2\n"
                                 "zkl+hTOnK3dKWLUCIQCeQaVwN7xv8qnnan3Bma7v2IPjmWeZMQxLWRmuuFXs1Q==\n"
                                 "-----END CERTIFICATE-----\n";

static X509_STORE *
anchor_store(void)
{
    static X509_STORE *store;
    BIO *bio;
    X509 *x;

    if (store != NULL) {
        return store;
    }
    bio = BIO_new_mem_buf(anchor_pem, (int)sizeof(anchor_pem) - 1);
    x = bio != NULL ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    store = X509_STORE_new();
    if (x == NULL || store == NULL || X509_STORE_add_cert(store, x) != 1) {
        abort();
    }
    X509_free(x);
    BIO_free(bio);
    return store;
}

static void
check(enum gw_rc rc, const struct gw_err *err, struct gw_tsp_token *tok)
{
    if (rc != GW_OK && err->rc == GW_OK) {
        abort(); /* a failure must say why */
    }
    if (rc != GW_OK && tok->der != NULL) {
        abort(); /* on failure the output is untouched */
    }
    gw_tsp_token_cleanup(tok);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct gw_tsp_req req;
    struct gw_tsp_token tok;
    struct gw_err err;
    unsigned int dlen = 0;

    memset(&req, 0, sizeof(req));
    memset(&tok, 0, sizeof(tok));
    if (EVP_Digest("fuzz", 4, req.digest, &dlen, EVP_sha256(), NULL) != 1) {
        abort();
    }
    req.nonce = FUZZ_NONCE;
    gw_err_clear(&err);
    check(gw_tsp_check_reply(&req, data, size, anchor_store(), FUZZ_NOW, &tok, &err), &err, &tok);
    gw_err_clear(&err);
    check(gw_tsp_check_token(req.digest, data, size, anchor_store(), FUZZ_NOW, &tok, &err), &err, &tok);
    return 0;
}

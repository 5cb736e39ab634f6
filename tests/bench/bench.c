// SPDX-License-Identifier: MIT
/*
 * make bench: the cost of one message on this machine (DESIGN §9), each figure next to a reference
 * measured in the same run: the raw OpenSSL signature or verification of one SHA-256 digest with the
 * same key. Ratios, not absolute times, are what to compare between runs on a shared, noisy machine.
 * Run from the repository root; uses tests/pki and examples/decision-ludza.xml.
 */
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"
#include "gw/buf.h"
#include "gw/dsig.h"
#include "gw/mem.h"
#include "gw/parse.h"
#include "gw/pki.h"
#include "gw/schema.h"
#include "gw/sign.h"
#include "gw/verify.h"
#include "gw/xml.h"

#define MESSAGE "examples/decision-ludza.xml"

/* Raw OpenSSL: sign and verify one SHA-256 digest with the key of a PEM file. */
static void
raw_reference(const char *key_path, int iterations, double *sign_us, double *verify_us)
{
    FILE *f = fopen(key_path, "r");
    EVP_PKEY *key = f != NULL ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
    unsigned char data[32] = {1};
    unsigned char sig[512];
    size_t sig_len = sizeof(sig);
    double t0;

    if (f != NULL) {
        fclose(f);
    }
    if (key == NULL) {
        bench_die("bench", "reference key", NULL);
    }
    t0 = bench_now_us();
    for (int i = 0; i < iterations; i++) {
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        sig_len = sizeof(sig);
        if (EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
            EVP_DigestSign(md, sig, &sig_len, data, sizeof(data)) != 1) {
            bench_die("bench", "reference sign", NULL);
        }
        EVP_MD_CTX_free(md);
    }
    *sign_us = (bench_now_us() - t0) / iterations;
    t0 = bench_now_us();
    for (int i = 0; i < iterations; i++) {
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        if (EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
            EVP_DigestVerify(md, sig, sig_len, data, sizeof(data)) != 1) {
            bench_die("bench", "reference verify", NULL);
        }
        EVP_MD_CTX_free(md);
    }
    *verify_us = (bench_now_us() - t0) / iterations;
    EVP_PKEY_free(key);
}

static void
bench_key(const char *name, const struct gw_schemas *schemas, struct gw_pki *pki, const struct gw_buf *msg,
          int iterations)
{
    char key[256];
    char cert[256];
    struct gw_signer *signer = NULL;
    struct gw_err err;
    struct gw_xml_limits lim;
    unsigned char *signed_doc = NULL;
    size_t signed_len = 0;
    double ref_sign = 0;
    double ref_verify = 0;
    double t0;
    double parse_us;
    double sign_us;
    double verify_us;

    snprintf(key, sizeof(key), "tests/pki/%s.key.pem", name);
    snprintf(cert, sizeof(cert), "tests/pki/%s.pem", name);
    gw_err_clear(&err);
    gw_xml_limits_default(&lim);
    if (gw_signer_load(key, cert, "tests/pki/chain.pem", false, &signer, &err) != GW_OK) {
        bench_die("bench", "signer", &err);
    }
    raw_reference(key, iterations, &ref_sign, &ref_verify);

    /* parse + validate: what every message costs before any cryptography */
    t0 = bench_now_us();
    for (int i = 0; i < iterations; i++) {
        xmlDoc *doc = NULL;
        if (gw_xml_parse(msg->data, msg->len, "m", &lim, &doc, &err) != GW_OK ||
            gw_schemas_validate(schemas, doc, "m", NULL, NULL, &err) != GW_OK) {
            bench_die("bench", "parse", &err);
        }
        xmlFreeDoc(doc);
    }
    parse_us = (bench_now_us() - t0) / iterations;

    /* the submission path: parse, validate, sign, serialise */
    t0 = bench_now_us();
    for (int i = 0; i < iterations; i++) {
        xmlDoc *doc = NULL;
        free(signed_doc);
        signed_doc = NULL;
        if (gw_xml_parse(msg->data, msg->len, "m", &lim, &doc, &err) != GW_OK ||
            gw_schemas_validate(schemas, doc, "m", NULL, NULL, &err) != GW_OK ||
            gw_signer_sign(signer, doc, "m", &err) != GW_OK ||
            gw_xml_serialize(doc, &signed_doc, &signed_len, &err) != GW_OK) {
            bench_die("bench", "sign", &err);
        }
        xmlFreeDoc(doc);
    }
    sign_us = (bench_now_us() - t0) / iterations;

    /* the exchange path: parse and the full verification policy (certificate chain cached) */
    t0 = bench_now_us();
    for (int i = 0; i < iterations; i++) {
        xmlDoc *doc = NULL;
        struct gw_verified v = {0};
        if (gw_xml_parse(signed_doc, signed_len, "s", &lim, &doc, &err) != GW_OK ||
            gw_verify_message(pki, schemas, doc, "s", &v, &err) != GW_OK) {
            bench_die("bench", "verify", &err);
        }
        gw_verified_cleanup(&v);
        xmlFreeDoc(doc);
    }
    verify_us = (bench_now_us() - t0) / iterations;

    printf("%-11s reference sign %7.1f us  verify %7.1f us  (raw OpenSSL, one SHA-256 digest)\n", name, ref_sign,
           ref_verify);
    printf("%-11s parse+validate %7.1f us\n", name, parse_us);
    printf("%-11s submit (parse+validate+sign+serialise) %7.1f us = %5.2f x reference sign\n", name, sign_us,
           sign_us / ref_sign);
    printf("%-11s receive (parse+full verify)            %7.1f us = %5.2f x reference verify\n", name, verify_us,
           verify_us / ref_verify);
    free(signed_doc);
    gw_signer_free(signer);
}

int
main(int argc, char **argv)
{
    struct gw_err err;
    struct gw_schemas *schemas = NULL;
    struct gw_pki *pki = NULL;
    struct gw_buf msg;
    const char *crls[] = {"tests/pki/crl.pem"};
    uint64_t n = 300;
    int iterations;

    /* as the gateway binary does: the libraries allocate through the counting layer (gw/mem.h) */
    gw_err_clear(&err);
    if (gw_mem_install(NULL, &err) != GW_OK) {
        bench_die("bench", "set-up", &err);
    }
    if (argc > 1 && gw_parse_u64(argv[1], 1, 1000000, &n) != GW_OK) {
        fprintf(stderr, "usage: bench [ITERATIONS 1..1000000]\n");
        return 2;
    }
    iterations = (int)n;
    gw_err_clear(&err);
    gw_buf_init(&msg, 1024 * 1024);
    if (gw_xml_init("schemas", &err) != GW_OK || gw_dsig_init(&err) != GW_OK ||
        gw_schemas_load("schemas", &schemas, &err) != GW_OK ||
        gw_pki_load("tests/pki/trust.pem", crls, 1, &pki, &err) != GW_OK ||
        gw_buf_read_file(&msg, MESSAGE, &err) != GW_OK) {
        bench_die("bench", "set-up", &err);
    }
    printf("message: %s (%zu bytes), %d iterations each\n", MESSAGE, msg.len, iterations);
    bench_key("ludza", schemas, pki, &msg, iterations);
    bench_key("ludza-ec", schemas, pki, &msg, iterations);
    gw_buf_cleanup(&msg);
    gw_pki_free(pki);
    gw_schemas_free(schemas);
    gw_dsig_shutdown();
    return 0;
}

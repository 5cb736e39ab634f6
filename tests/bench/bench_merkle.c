// SPDX-License-Identifier: MIT
/*
 * make bench-merkle: the cost of the Merkle tree (gateway/merkle.c) on this machine with the in-memory node
 * store. Appends N leaves (default 1,000,000; the argument changes it), then times inclusion and
 * consistency proofs at size N, for 20,000 pseudo-random leaves and older sizes, and their verification,
 * and counts the stored nodes each proof reads. The reference in the same run is one raw SHA-256 of 65
 * bytes (a node hash) through OpenSSL's EVP interface; compare ratios, not absolute times, between runs.
 */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gw/merkle.h"
#include "gw/parse.h"

#define PROOFS 20000u

static double
now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void
die(const char *what, const struct gw_err *err)
{
    fprintf(stderr, "bench-merkle: %s: %s: %s\n", what, err->where, err->msg);
    exit(2);
}

/* A fixed pseudo-random sequence (xorshift64), so every run proves the same leaves. */
static uint64_t
next_random(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static double
raw_sha256_us(void)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char in[65] = {1};
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    const unsigned n = 200000;
    double t0 = now_us();

    for (unsigned i = 0; i < n; i++) {
        if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
            EVP_DigestUpdate(ctx, in, sizeof(in)) != 1 || EVP_DigestFinal_ex(ctx, md, &len) != 1) {
            fprintf(stderr, "bench-merkle: SHA-256 failed\n");
            exit(2);
        }
        in[1] = md[0];
    }
    EVP_MD_CTX_free(ctx);
    return (now_us() - t0) / n;
}

int
main(int argc, char **argv)
{
    struct gw_err err;
    struct gw_merkle_mem *m = NULL;
    struct gw_merkle_nodes nodes;
    struct gw_merkle_proof *p = malloc(sizeof(*p));
    uint64_t n = 1000000;
    uint64_t seed = 0x9e3779b97f4a7c15u;
    uint64_t reads;
    uint64_t max_reads[2] = {0, 0};
    uint64_t sum_reads[2] = {0, 0};
    double t0;
    double t_append;
    double t_prove[2] = {0, 0};
    double t_verify[2] = {0, 0};
    double t_root;
    unsigned char root[GW_MERKLE_HASH_LEN];

    gw_err_clear(&err);
    if (argc > 1 && gw_parse_u64(argv[1], 2, 100000000, &n) != GW_OK) {
        fprintf(stderr, "usage: bench-merkle [LEAVES]  (2..100000000, default 1000000)\n");
        return 2;
    }
    if (p == NULL || gw_merkle_mem_new(&m, &err) != GW_OK) {
        die("set-up", &err);
    }
    nodes = gw_merkle_mem_nodes(m);
    t0 = now_us();
    for (uint64_t i = 0; i < n; i++) {
        unsigned char entry[32] = {0};
        memcpy(entry, &i, sizeof(i)); /* an audit entry's 32-byte hash stands in for the leaf data */
        if (gw_merkle_mem_append_data(m, entry, sizeof(entry), &err) != GW_OK) {
            die("append", &err);
        }
    }
    t_append = (now_us() - t0) / (double)n;
    t0 = now_us();
    for (unsigned i = 0; i < 1000; i++) {
        if (gw_merkle_root(&nodes, n - i, root, &err) != GW_OK) {
            die("root", &err);
        }
    }
    t_root = (now_us() - t0) / 1000.0;
    for (int kind = 0; kind < 2; kind++) {
        for (unsigned i = 0; i < PROOFS; i++) {
            uint64_t x = next_random(&seed) % n;
            enum gw_rc rc;
            reads = gw_merkle_mem_reads(m);
            t0 = now_us();
            rc = kind == 0 ? gw_merkle_prove_inclusion(&nodes, n, x, p, &err)
                           : gw_merkle_prove_consistency(&nodes, x + 1, n, p, &err);
            t_prove[kind] += now_us() - t0;
            if (rc != GW_OK) {
                die("prove", &err);
            }
            reads = gw_merkle_mem_reads(m) - reads;
            sum_reads[kind] += reads;
            max_reads[kind] = reads > max_reads[kind] ? reads : max_reads[kind];
            t0 = now_us();
            rc = gw_merkle_proof_verify(p, &err);
            t_verify[kind] += now_us() - t0;
            if (rc != GW_OK) {
                die("verify", &err);
            }
        }
    }
    printf("Merkle tree, in-memory node store, %llu leaves (%s)\n", (unsigned long long)n,
           OpenSSL_version(OPENSSL_VERSION));
    printf("  reference: one SHA-256 of 65 bytes      %8.2f us\n", raw_sha256_us());
    printf("  append (leaf hash + stored nodes)       %8.2f us per leaf\n", t_append);
    printf("  root of a size near %-10llu           %8.2f us\n", (unsigned long long)n, t_root);
    printf("  inclusion proof                         %8.2f us  (stored nodes read: mean %.1f, max %llu)\n",
           t_prove[0] / PROOFS, (double)sum_reads[0] / PROOFS, (unsigned long long)max_reads[0]);
    printf("  inclusion verify                        %8.2f us\n", t_verify[0] / PROOFS);
    printf("  consistency proof                       %8.2f us  (stored nodes read: mean %.1f, max %llu)\n",
           t_prove[1] / PROOFS, (double)sum_reads[1] / PROOFS, (unsigned long long)max_reads[1]);
    printf("  consistency verify                      %8.2f us\n", t_verify[1] / PROOFS);
    gw_merkle_mem_free(m);
    free(p);
    return 0;
}

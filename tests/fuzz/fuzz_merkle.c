// SPDX-License-Identifier: MIT
/*
 * Fuzz target: gw_merkle_proof_parse, gw_merkle_proof_verify and gw_merkle_proof_format on arbitrary
 * bytes, and the verifiers on real proofs with input-chosen changes.
 *
 * 1. The input as a proof text: parsing ends in GW_OK or a clean MERKLE_PROOF_MALFORMED / LIMIT_SIZE; a
 *    parsed proof verifies or fails with MERKLE_PROOF_INVALID; and since the format has one spelling for
 *    every proof, formatting a parsed proof gives back the input byte for byte.
 * 2. The first three bytes choose a tree size n <= 64 of fixed leaves, a leaf and an older size; the
 *    inclusion and consistency proofs of that tree must verify, and the remaining bytes, XORed over each
 *    proof's hashes (leaf hash or older root, root, path), must make it fail whenever they change a byte
 *    (a proof without a path claims only that its two hashes are equal, and fails when they differ).
 * Must never crash, leak or read out of bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gw/buf.h"
#include "gw/merkle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TREE_MAX 64u

static void
check_text(const uint8_t *data, size_t size)
{
    struct gw_merkle_proof *p = malloc(sizeof(*p));
    struct gw_err err;
    struct gw_buf b;
    enum gw_rc rc;

    if (p == NULL) {
        abort();
    }
    gw_buf_init(&b, GW_MERKLE_MAX_PROOF_TEXT);
    gw_err_clear(&err);
    rc = gw_merkle_proof_parse(data, size, p, &err);
    if (rc != GW_OK) {
        if (err.rc != rc || (err.reason != GW_R_MERKLE_PROOF_MALFORMED && err.reason != GW_R_LIMIT_SIZE)) {
            abort(); /* a failure must say why, with the parser's reasons only */
        }
        goto out;
    }
    if (p->path_len > GW_MERKLE_MAX_PATH) {
        abort();
    }
    gw_err_clear(&err);
    rc = gw_merkle_proof_verify(p, &err);
    if (rc != GW_OK && (err.rc != rc || err.reason != GW_R_MERKLE_PROOF_INVALID)) {
        abort();
    }
    gw_err_clear(&err);
    if (gw_merkle_proof_format(p, &b, &err) != GW_OK || b.len != size || memcmp(b.data, data, size) != 0) {
        abort(); /* accepted text that does not read back as itself: the parser is not strict */
    }
out:
    gw_buf_cleanup(&b);
    free(p);
}

/* XOR the bytes of x over the hashes of p. Returns whether any hash byte changed. */
static bool
perturb(struct gw_merkle_proof *p, const uint8_t *x, size_t n)
{
    unsigned char *first = p->kind == GW_MERKLE_INCLUSION ? p->leaf_hash : p->old_root;
    size_t total = (2 + p->path_len) * GW_MERKLE_HASH_LEN;
    bool changed = false;

    for (size_t i = 0; i < n && i < total; i++) {
        size_t h = i / GW_MERKLE_HASH_LEN;
        size_t o = i % GW_MERKLE_HASH_LEN;
        unsigned char *hash = h == 0 ? first : h == 1 ? p->root : p->path[h - 2];
        hash[o] ^= x[i];
        changed = changed || x[i] != 0;
    }
    return changed;
}

static void
check_proofs(const uint8_t *data, size_t size)
{
    struct gw_merkle_mem *m = NULL;
    struct gw_merkle_nodes nodes;
    struct gw_merkle_proof *p = malloc(sizeof(*p));
    struct gw_err err;
    uint64_t n;

    if (p == NULL) {
        abort();
    }
    gw_err_clear(&err);
    if (size < 3 || gw_merkle_mem_new(&m, &err) != GW_OK) {
        goto out;
    }
    n = 1 + data[0] % TREE_MAX;
    for (uint64_t i = 0; i < n; i++) {
        unsigned char leaf[8];
        memcpy(leaf, &i, sizeof(leaf));
        if (gw_merkle_mem_append_data(m, leaf, sizeof(leaf), &err) != GW_OK) {
            abort();
        }
    }
    nodes = gw_merkle_mem_nodes(m);
    for (int kind = 0; kind < 2; kind++) {
        bool changed;
        enum gw_rc rc;
        gw_err_clear(&err);
        rc = kind == 0 ? gw_merkle_prove_inclusion(&nodes, n, data[1] % n, p, &err)
                       : gw_merkle_prove_consistency(&nodes, 1 + data[2] % n, n, p, &err);
        if (rc != GW_OK || gw_merkle_proof_verify(p, &err) != GW_OK) {
            abort(); /* a proof of the tree itself must verify */
        }
        changed = perturb(p, data + 3, size - 3);
        if (p->path_len == 0) {
            /* A proof without a path (one leaf, or two equal sizes) only says "these two hashes are equal":
             * changing both alike keeps it true. */
            const unsigned char *first = kind == 0 ? p->leaf_hash : p->old_root;
            changed = memcmp(first, p->root, GW_MERKLE_HASH_LEN) != 0;
        }
        gw_err_clear(&err);
        rc = gw_merkle_proof_verify(p, &err);
        if ((rc == GW_OK) == changed || (rc != GW_OK && err.reason != GW_R_MERKLE_PROOF_INVALID)) {
            abort(); /* a changed hash verified, or an unchanged proof failed */
        }
    }
out:
    gw_merkle_mem_free(m);
    free(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_text(data, size);
    check_proofs(data, size);
    return 0;
}

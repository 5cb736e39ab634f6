// SPDX-License-Identifier: MIT
/*
 * Unit tests of merkle.c against a naive reference written here from the recursive definitions of RFC 9162
 * §2.1 (MTH, PATH, SUBPROOF over the list of leaves, with its own SHA-256 calls): the roots of the RFC 6962
 * reference test vectors for sizes 1..8; for every tree size up to MAX_N, every leaf and every older size,
 * the O(log n) proofs equal the naive ones, verify, read O(log n) stored nodes, and fail when a bit of any
 * hash in them, the size or the index is changed; the text form parses back and malformed text is refused.
 */
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw/buf.h"
#include "gw/ids.h"
#include "gw/merkle.h"
#include "t.h"

#define MAX_N 70 /* tree sizes 1..MAX_N: every shape up to 2^6 + 6, past two powers of two */
#define ALL_BITS_N                                                                                                \
    16 /* up to this size every bit of every hash of every proof is flipped; above, one per byte                  \
        */
#define H GW_MERKLE_HASH_LEN

/* ---- the naive reference (RFC 9162 §2.1, written from the text, independent of merkle.c) ---- */

struct ref {
    unsigned char leaf[MAX_N][H]; /* leaf hashes of the MAX_N leaves */
};

/* The eight leaves of the RFC 6962 reference implementation's tests (certificate-transparency,
 * merkle_tree_test.cc), then 4-byte big-endian counters. */
static const struct {
    const char *hex;
} rfc_leaves[8] = {
    {""},
    {"00"},
    {"10"},
    {"2021"},
    {"3031"},
    {"40414243"},
    {"5051525354555657"},
    {"606162636465666768696a6b6c6d6e6f"},
};

/* Their well-known roots for sizes 1..8. */
static const char *const rfc_roots[8] = {
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

static size_t
unhex(const char *hex, unsigned char *out)
{
    size_t n = strlen(hex) / 2;

    for (size_t i = 0; i < n; i++) {
        unsigned v = 0;
        for (size_t j = 0; j < 2; j++) {
            char c = hex[2 * i + j];
            v = v * 16 + (unsigned)(c <= '9' ? c - '0' : c - 'a' + 10);
        }
        out[i] = (unsigned char)v;
    }
    return n;
}

static void
leaf_data(size_t i, unsigned char *data, size_t *len)
{
    if (i < 8) {
        *len = unhex(rfc_leaves[i].hex, data);
        return;
    }
    data[0] = (unsigned char)(i >> 24);
    data[1] = (unsigned char)(i >> 16);
    data[2] = (unsigned char)(i >> 8);
    data[3] = (unsigned char)i;
    *len = 4;
}

/* SHA-256(prefix || a || b), one EVP_Digest call over a copy: nothing shared with merkle.c's hashing. */
static void
ref_hash(unsigned char prefix, const unsigned char *a, size_t a_len, const unsigned char *b, size_t b_len,
         unsigned char out[H])
{
    unsigned char buf[1 + 64];
    unsigned int n = 0;

    buf[0] = prefix;
    if (a_len > 0) {
        memcpy(buf + 1, a, a_len);
    }
    if (b_len > 0) {
        memcpy(buf + 1 + a_len, b, b_len);
    }
    if (EVP_Digest(buf, 1 + a_len + b_len, out, &n, EVP_sha256(), NULL) != 1 || n != H) {
        abort();
    }
}

static void
ref_init(struct ref *r)
{
    for (size_t i = 0; i < MAX_N; i++) {
        unsigned char d[16];
        size_t len = 0;
        leaf_data(i, d, &len);
        ref_hash(0x00, d, len, NULL, 0, r->leaf[i]);
    }
}

static size_t
ref_k(size_t n) /* largest power of two < n, n >= 2 */
{
    size_t k = 1;

    while (2 * k < n) {
        k *= 2;
    }
    return k;
}

/* MTH(D[lo:hi]), recursively as RFC 9162 §2.1.1 defines it. */
static void
ref_mth(const struct ref *r, size_t lo, size_t hi, unsigned char out[H])
{
    unsigned char a[H];
    unsigned char b[H];
    size_t k;

    if (hi - lo == 1) {
        memcpy(out, r->leaf[lo], H);
        return;
    }
    k = ref_k(hi - lo);
    ref_mth(r, lo, lo + k, a);
    ref_mth(r, lo + k, hi, b);
    ref_hash(0x01, a, H, b, H, out);
}

/* PATH(m, D[lo:hi]) of §2.1.3.1 appended to path: PATH(m, D[0:k]) : MTH(D[k:n]) and so on. */
static void
ref_path(const struct ref *r, size_t m, size_t lo, size_t hi, unsigned char (*path)[H], size_t *len)
{
    size_t k;

    if (hi - lo == 1) {
        return;
    }
    k = ref_k(hi - lo);
    if (m < k) {
        ref_path(r, m, lo, lo + k, path, len);
        ref_mth(r, lo + k, hi, path[(*len)++]);
    } else {
        ref_path(r, m - k, lo + k, hi, path, len);
        ref_mth(r, lo, lo + k, path[(*len)++]);
    }
}

/* SUBPROOF(m, D[lo:hi], b) of §2.1.4.1. */
static void
ref_subproof(const struct ref *r, size_t m, size_t lo, size_t hi, bool b, unsigned char (*path)[H], size_t *len)
{
    size_t k;

    if (m == hi - lo) {
        if (!b) {
            ref_mth(r, lo, hi, path[(*len)++]);
        }
        return;
    }
    k = ref_k(hi - lo);
    if (m <= k) {
        ref_subproof(r, m, lo, lo + k, b, path, len);
        ref_mth(r, lo + k, hi, path[(*len)++]);
    } else {
        ref_subproof(r, m - k, lo + k, hi, false, path, len);
        ref_mth(r, lo, lo + k, path[(*len)++]);
    }
}

/* ---- helpers ---- */

static bool
build_tree(struct gw_merkle_mem **out, size_t n)
{
    struct gw_merkle_mem *m = NULL;
    struct gw_err err;

    gw_err_clear(&err);
    if (gw_merkle_mem_new(&m, &err) != GW_OK) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char d[16];
        size_t len = 0;
        leaf_data(i, d, &len);
        if (gw_merkle_mem_append_data(m, d, len, &err) != GW_OK) {
            gw_merkle_mem_free(m);
            return false;
        }
    }
    *out = m;
    return true;
}

static unsigned
bit_length(uint64_t n)
{
    unsigned b = 0;

    while (n != 0) {
        b++;
        n >>= 1;
    }
    return b;
}

static bool
verifies(const struct gw_merkle_proof *p)
{
    struct gw_err err;

    gw_err_clear(&err);
    if (gw_merkle_proof_verify(p, &err) == GW_OK) {
        return true;
    }
    /* A failure must say why, with the reason of a bad proof. */
    if (err.rc == GW_OK || err.reason != GW_R_MERKLE_PROOF_INVALID) {
        abort();
    }
    return false;
}

/*
 * Every hash of p flipped one bit at a time must make p fail: all 256 bits of each hash when all_bits, else
 * one bit in every byte (a different bit position for each byte and each seed, so the sizes together touch
 * every position). Returns the number of flips that still verified (0 expected) and counts the checks.
 */
static unsigned
flips_that_verify(const struct gw_merkle_proof *orig, bool all_bits, unsigned seed, unsigned long *checks)
{
    struct gw_merkle_proof p;
    unsigned bad = 0;
    unsigned char *hashes[GW_MERKLE_MAX_PATH + 2];
    size_t nh = 0;

    memcpy(&p, orig, sizeof(p));
    hashes[nh++] = p.root;
    hashes[nh++] = p.kind == GW_MERKLE_INCLUSION ? p.leaf_hash : p.old_root;
    for (size_t i = 0; i < p.path_len; i++) {
        hashes[nh++] = p.path[i];
    }
    for (size_t h = 0; h < nh; h++) {
        for (unsigned byte = 0; byte < H; byte++) {
            for (unsigned bit = 0; bit < 8; bit++) {
                if (!all_bits && bit != (byte + seed + (unsigned)h) % 8) {
                    continue;
                }
                hashes[h][byte] ^= (unsigned char)(1u << bit);
                bad += verifies(&p) ? 1u : 0u;
                hashes[h][byte] ^= (unsigned char)(1u << bit);
                (*checks)++;
            }
        }
    }
    return bad;
}

static bool
path_equal(const struct gw_merkle_proof *p, const unsigned char (*path)[H], size_t len)
{
    return p->path_len == len && (len == 0 || memcmp(p->path, path, len * H) == 0);
}

/* What the exhaustive tests share: the reference, a tree of MAX_N leaves, its naive roots, proof space. */
struct fixture {
    struct ref r;
    unsigned char roots[MAX_N + 3][H];         /* roots[n]: naive MTH of the first n leaves */
    unsigned char want[GW_MERKLE_MAX_PATH][H]; /* a naive proof */
    struct gw_merkle_proof p;                  /* a proof under test */
    struct gw_merkle_proof q;                  /* a changed copy of it */
    struct gw_merkle_mem *m;                   /* the tree */
    struct gw_merkle_nodes nodes;              /* its interface */
};

static struct fixture *
fixture_new(void)
{
    struct fixture *f = calloc(1, sizeof(*f));

    if (f == NULL) {
        return NULL;
    }
    ref_init(&f->r);
    if (!build_tree(&f->m, MAX_N)) {
        free(f);
        return NULL;
    }
    f->nodes = gw_merkle_mem_nodes(f->m);
    for (size_t n = 1; n <= MAX_N; n++) {
        ref_mth(&f->r, 0, n, f->roots[n]);
    }
    return f;
}

static void
fixture_free(struct fixture *f)
{
    if (f != NULL) {
        gw_merkle_mem_free(f->m);
        free(f);
    }
}

/* ---- tests ---- */

/* RFC 9162 §2.1.1 on the reference vectors: the in-memory tree, the naive MTH and the published roots agree
 * for sizes 1..8; the empty tree is SHA-256 of the empty string; leaf and node hashes have their prefixes. */
static void
test_known_roots(struct t *t)
{
    struct gw_err err;
    struct fixture *f = fixture_new();
    struct gw_merkle_mem *m = NULL;
    struct gw_merkle_nodes nodes;
    const struct ref *r = NULL;
    unsigned char got[H];
    unsigned char want[H];
    char hex[2 * H + 1];

    EXPECT_TRUE(f != NULL);
    m = f->m;
    nodes = f->nodes;
    r = &f->r;
    EXPECT_INT_EQ(gw_merkle_mem_size(m), MAX_N);
    for (size_t n = 1; n <= 8; n++) {
        EXPECT_OK(gw_merkle_root(&nodes, n, got, &err), &err);
        gw_ids_encode_hex(got, H, hex);
        EXPECT_STR_EQ(hex, rfc_roots[n - 1]);
        ref_mth(r, 0, n, want);
        EXPECT_TRUE(memcmp(got, want, H) == 0);
    }
    EXPECT_OK(gw_merkle_root(&nodes, 0, got, &err), &err);
    gw_ids_encode_hex(got, H, hex);
    EXPECT_STR_EQ(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    /* The leaf hash of the empty entry is SHA-256(0x00): the root of size 1 above. */
    EXPECT_OK(gw_merkle_leaf_hash(NULL, 0, got, &err), &err);
    gw_ids_encode_hex(got, H, hex);
    EXPECT_STR_EQ(hex, rfc_roots[0]);
    EXPECT_OK(gw_merkle_node_hash(r->leaf[0], r->leaf[1], got, &err), &err);
    gw_ids_encode_hex(got, H, hex);
    EXPECT_STR_EQ(hex, rfc_roots[1]);
    /* out may alias an input */
    memcpy(got, r->leaf[0], H);
    EXPECT_OK(gw_merkle_node_hash(got, r->leaf[1], got, &err), &err);
    gw_ids_encode_hex(got, H, hex);
    EXPECT_STR_EQ(hex, rfc_roots[1]);
    /* a size beyond what is stored is an error of the store, never a made-up root */
    EXPECT_FAIL(gw_merkle_root(&nodes, MAX_N + 1, got, &err), &err, GW_R_INTERNAL);
    EXPECT_FAIL(gw_merkle_root(&nodes, GW_MERKLE_MAX_SIZE + 1, got, &err), &err, GW_R_LIMIT_SIZE);
out:
    fixture_free(f);
}

/* Appending stores exactly the nodes of complete subtrees: 2n - popcount(n) nodes for n leaves, read back
 * as the naive MTH of their ranges. An append at the wrong size is refused and changes nothing. */
static void
test_append_nodes(struct t *t)
{
    struct gw_err err;
    struct fixture *f = fixture_new();
    struct gw_merkle_mem *m = NULL;
    struct gw_merkle_nodes nodes;
    const struct ref *r = NULL;
    unsigned char got[H];
    unsigned char want[H];
    uint64_t reads;

    EXPECT_TRUE(f != NULL);
    m = f->m;
    nodes = f->nodes;
    r = &f->r;
    for (unsigned l = 0; l < 7; l++) {
        size_t width = (size_t)1 << l;
        for (size_t i = 0; (i + 1) * width <= MAX_N; i++) {
            EXPECT_OK(nodes.get(nodes.ctx, l, i, got, &err), &err);
            ref_mth(r, i * width, (i + 1) * width, want);
            EXPECT_TRUE(memcmp(got, want, H) == 0);
        }
        /* the incomplete subtree at the end of the level is not stored */
        EXPECT_FAIL(nodes.get(nodes.ctx, l, MAX_N / width, got, &err), &err, GW_R_INTERNAL);
    }
    /* 64 leaves completed levels 0..6; leaf 70 (index 69) completes (1, 34) only */
    reads = gw_merkle_mem_reads(m);
    EXPECT_FAIL(gw_merkle_append(&nodes, MAX_N - 1, r->leaf[0], &err), &err, GW_R_INTERNAL); /* taken */
    EXPECT_FAIL(gw_merkle_append(&nodes, MAX_N + 1, r->leaf[0], &err), &err, GW_R_INTERNAL); /* a gap */
    EXPECT_INT_EQ(gw_merkle_mem_size(m), MAX_N);
    EXPECT_INT_EQ(gw_merkle_mem_reads(m), reads);
    EXPECT_FAIL(gw_merkle_append(&nodes, GW_MERKLE_MAX_SIZE, r->leaf[0], &err), &err, GW_R_LIMIT_SIZE);
    {
        struct gw_merkle_nodes ro = {nodes.get, NULL, nodes.ctx};
        EXPECT_FAIL(gw_merkle_append(&ro, MAX_N, r->leaf[0], &err), &err, GW_R_INTERNAL);
    }
    /* one more append through the interface: (0, 70) and nothing above, one read at most */
    ref_hash(0x00, (const unsigned char *)"x", 1, NULL, 0, want);
    EXPECT_OK(gw_merkle_append(&nodes, MAX_N, want, &err), &err);
    EXPECT_INT_EQ(gw_merkle_mem_size(m), MAX_N + 1);
    EXPECT_INT_EQ(gw_merkle_mem_reads(m), reads);
    EXPECT_OK(nodes.get(nodes.ctx, 0, MAX_N, got, &err), &err);
    EXPECT_TRUE(memcmp(got, want, H) == 0);
out:
    fixture_free(f);
}

/* The claim (kind, a, n) as the naive reference proves it: a is the leaf index (inclusion) or the older size
 * (consistency), n the tree size. OUT: *out, all fields set from the reference. */
static void
naive_proof(const struct fixture *f, enum gw_merkle_proof_kind kind, size_t a, size_t n,
            struct gw_merkle_proof *out)
{
    memset(out, 0, sizeof(*out));
    out->kind = kind;
    out->tree_size = n;
    memcpy(out->root, f->roots[n], H);
    switch (kind) {
    case GW_MERKLE_INCLUSION:
        out->leaf_index = a;
        memcpy(out->leaf_hash, f->r.leaf[a], H);
        ref_path(&f->r, a, 0, n, out->path, &out->path_len);
        break;
    case GW_MERKLE_CONSISTENCY:
        out->old_size = a;
        memcpy(out->old_root, f->roots[a], H);
        ref_subproof(&f->r, a, 0, n, true, out->path, &out->path_len);
        break;
    }
}

static bool
proof_equal(const struct gw_merkle_proof *x, const struct gw_merkle_proof *y)
{
    return x->kind == y->kind && x->tree_size == y->tree_size && x->leaf_index == y->leaf_index &&
           x->old_size == y->old_size && memcmp(x->leaf_hash, y->leaf_hash, H) == 0 &&
           memcmp(x->old_root, y->old_root, H) == 0 && memcmp(x->root, y->root, H) == 0 &&
           path_equal(x, (const unsigned char(*)[H])y->path, y->path_len);
}

/*
 * For every tree size n <= MAX_N and every a (leaf 0..n-1 for inclusion, older size 1..n for consistency):
 * the proof equals the naive PATH or SUBPROOF with the naive leaf hash and roots, verifies, reads O(log n)
 * stored nodes, and fails with any bit of any of its hashes flipped. Changed claims: another (a, n) near
 * this one, with its own leaf hash and roots, verifies exactly when this path is also the naive proof
 * there; for inclusion, another index with the same leaf hash and root fails. (Sizes changed with the
 * roots kept can verify where two sizes have the same shape: a root is evidence only with its size,
 * docs/audit.md 5.4.)
 */
static void
exhaustive(struct t *t, enum gw_merkle_proof_kind kind)
{
    struct gw_err err;
    struct fixture *f = fixture_new();
    const char *what = kind == GW_MERKLE_INCLUSION ? "inclusion" : "consistency";
    size_t first = kind == GW_MERKLE_INCLUSION ? 0 : 1; /* smallest a */
    size_t past = kind == GW_MERKLE_INCLUSION ? 0 : 1;  /* largest a is n - 1 + past */
    unsigned long checks = 0;

    EXPECT_TRUE(f != NULL);
    for (size_t n = 1; n <= MAX_N; n++) {
        for (size_t a = first; a < n + past; a++) {
            struct gw_merkle_proof *p = &f->p;
            struct gw_merkle_proof *q = &f->q;
            uint64_t reads = gw_merkle_mem_reads(f->m);
            EXPECT_OK(kind == GW_MERKLE_INCLUSION ? gw_merkle_prove_inclusion(&f->nodes, n, a, p, &err)
                                                  : gw_merkle_prove_consistency(&f->nodes, a, n, p, &err),
                      &err);
            reads = gw_merkle_mem_reads(f->m) - reads;
            /* per level at most one sibling node, plus one range and the pieces of the roots it carries */
            if (reads > 4 * (uint64_t)bit_length(n)) {
                T_FAIL("%s proof (%zu, %zu) read %llu nodes", what, a, n, (unsigned long long)reads);
            }
            naive_proof(f, kind, a, n, q);
            if (!proof_equal(p, q)) {
                T_FAIL("%s proof (%zu, %zu) differs from the naive one", what, a, n);
            }
            if (!verifies(p)) {
                T_FAIL("%s proof (%zu, %zu) does not verify", what, a, n);
            }
            if (flips_that_verify(p, n <= ALL_BITS_N, (unsigned)(n + a), &checks) != 0) {
                T_FAIL("%s proof (%zu, %zu) verifies with a flipped bit", what, a, n);
            }
            for (size_t n2 = n > 3 ? n - 3 : 1; n2 <= n + 2 && n2 <= MAX_N; n2++) {
                for (size_t a2 = a > first + 3 ? a - 3 : first; a2 <= a + 3 && a2 < n2 + past; a2++) {
                    struct gw_merkle_proof claim;
                    naive_proof(f, kind, a2, n2, q);
                    memcpy(&claim, q, sizeof(claim));
                    memcpy(claim.path, p->path, sizeof(claim.path));
                    claim.path_len = p->path_len;
                    if (verifies(&claim) != path_equal(p, (const unsigned char(*)[H])q->path, q->path_len)) {
                        T_FAIL("%s proof (%zu, %zu): claim (%zu, %zu) judged wrongly", what, a, n, a2, n2);
                    }
                    checks++;
                }
            }
            for (size_t j = 0; kind == GW_MERKLE_INCLUSION && j < n + 2; j++) {
                memcpy(q, p, sizeof(*q));
                q->leaf_index = j;
                if (j != a && verifies(q)) {
                    T_FAIL("inclusion proof of leaf %zu of %zu verifies as leaf %zu", a, n, j);
                }
            }
        }
    }
    EXPECT_TRUE(checks > 100000); /* the loops ran */
out:
    fixture_free(f);
}

static void
test_inclusion_all(struct t *t)
{
    struct gw_err err;
    struct fixture *f = NULL;

    exhaustive(t, GW_MERKLE_INCLUSION);
    EXPECT_TRUE(!t->failed);
    f = fixture_new();
    EXPECT_TRUE(f != NULL);
    EXPECT_FAIL(gw_merkle_prove_inclusion(&f->nodes, 5, 5, &f->p, &err), &err, GW_R_MERKLE_PROOF_INVALID);
    EXPECT_FAIL(gw_merkle_prove_inclusion(&f->nodes, 0, 0, &f->p, &err), &err, GW_R_MERKLE_PROOF_INVALID);
    EXPECT_FAIL(gw_merkle_prove_inclusion(&f->nodes, MAX_N + 1, 0, &f->p, &err), &err, GW_R_INTERNAL);
out:
    fixture_free(f);
}

static void
test_consistency_all(struct t *t)
{
    struct gw_err err;
    struct fixture *f = NULL;
    const unsigned char(*roots)[H] = NULL;

    exhaustive(t, GW_MERKLE_CONSISTENCY);
    EXPECT_TRUE(!t->failed);
    f = fixture_new();
    EXPECT_TRUE(f != NULL);
    roots = (const unsigned char(*)[H])f->roots;
    /* equal sizes: an empty path and equal roots only; a fork (two roots for one size) fails */
    EXPECT_OK(gw_merkle_verify_consistency(5, 5, roots[5], roots[5], NULL, 0, &err), &err);
    EXPECT_FAIL(gw_merkle_verify_consistency(5, 5, roots[5], roots[6], NULL, 0, &err), &err,
                GW_R_MERKLE_PROOF_INVALID);
    EXPECT_FAIL(gw_merkle_verify_consistency(5, 5, roots[5], roots[5], roots, 1, &err), &err,
                GW_R_MERKLE_PROOF_INVALID);
    EXPECT_FAIL(gw_merkle_verify_consistency(0, 5, roots[5], roots[5], NULL, 0, &err), &err,
                GW_R_MERKLE_PROOF_INVALID);
    EXPECT_FAIL(gw_merkle_verify_consistency(6, 5, roots[6], roots[5], roots, 1, &err), &err,
                GW_R_MERKLE_PROOF_INVALID);
    EXPECT_FAIL(gw_merkle_verify_consistency(3, 5, roots[3], roots[5], NULL, 0, &err), &err,
                GW_R_MERKLE_PROOF_INVALID);
    EXPECT_FAIL(gw_merkle_prove_consistency(&f->nodes, 0, 5, &f->p, &err), &err, GW_R_MERKLE_PROOF_INVALID);
    EXPECT_FAIL(gw_merkle_prove_consistency(&f->nodes, 6, 5, &f->p, &err), &err, GW_R_MERKLE_PROOF_INVALID);
    EXPECT_FAIL(gw_merkle_prove_consistency(&f->nodes, 5, MAX_N + 1, &f->p, &err), &err, GW_R_INTERNAL);
out:
    fixture_free(f);
}

/* The verifiers' bounds: sizes and indices out of range and over-long paths fail before any hashing, and
 * the path is never read past path_len (ASan would see it: the path here is exactly path_len long). */
static void
test_verify_bounds(struct t *t)
{
    struct gw_err err;
    unsigned char leaf[H] = {0};
    unsigned char root[H] = {0};
    unsigned char(*path)[H] = calloc(GW_MERKLE_MAX_PATH + 1, H);
    unsigned char *one = malloc(H);

    EXPECT_TRUE(path != NULL && one != NULL);
    memset(one, 0, H);
    EXPECT_FAIL(gw_merkle_verify_inclusion(0, 0, leaf, NULL, 0, root, &err), &err, GW_R_MERKLE_PROOF_INVALID);
    EXPECT_FAIL(gw_merkle_verify_inclusion(3, 3, leaf, NULL, 0, root, &err), &err, GW_R_MERKLE_PROOF_INVALID);
    EXPECT_FAIL(gw_merkle_verify_inclusion(0, GW_MERKLE_MAX_SIZE + 1, leaf, NULL, 0, root, &err), &err,
                GW_R_MERKLE_PROOF_INVALID);
    EXPECT_FAIL(gw_merkle_verify_inclusion(0, GW_MERKLE_MAX_SIZE, leaf, (const unsigned char(*)[H])path,
                                           GW_MERKLE_MAX_PATH + 1, root, &err),
                &err, GW_R_MERKLE_PROOF_INVALID);
    EXPECT_FAIL(gw_merkle_verify_consistency(1, GW_MERKLE_MAX_SIZE, root, root, (const unsigned char(*)[H])path,
                                             GW_MERKLE_MAX_PATH + 1, &err),
                &err, GW_R_MERKLE_PROOF_INVALID);
    /* size 1: the root is the leaf hash and the path is empty; one hash too many is refused */
    EXPECT_OK(gw_merkle_verify_inclusion(0, 1, leaf, NULL, 0, root, &err), &err);
    EXPECT_FAIL(gw_merkle_verify_inclusion(0, 1, leaf, (const unsigned char(*)[H])one, 1, root, &err), &err,
                GW_R_MERKLE_PROOF_INVALID);
    /* size 2: one hash needed; none is too short */
    EXPECT_FAIL(gw_merkle_verify_inclusion(0, 2, leaf, NULL, 0, root, &err), &err, GW_R_MERKLE_PROOF_INVALID);
    /* the largest tree: leaf 0 needs 63 hashes, so 63 zeros fail on the root, not on a bound */
    EXPECT_FAIL(
        gw_merkle_verify_inclusion(0, GW_MERKLE_MAX_SIZE, leaf, (const unsigned char(*)[H])path, 63, root, &err),
        &err, GW_R_MERKLE_PROOF_INVALID);
    EXPECT_TRUE(t_contains(err.msg, "does not lead to the root"));
    EXPECT_FAIL(
        gw_merkle_verify_inclusion(0, GW_MERKLE_MAX_SIZE, leaf, (const unsigned char(*)[H])path, 64, root, &err),
        &err, GW_R_MERKLE_PROOF_INVALID);
    EXPECT_TRUE(t_contains(err.msg, "too long"));
out:
    free(path);
    free(one);
}

/* The worked example of docs/audit.md section 5, byte for byte: leaf 5 of the 8 reference leaves and the
 * consistency of size 3 with size 7. If this text changes, the page must change with it. */
static const char doc_inclusion[] = "gw-merkle-inclusion-v1\n"
                                    "tree_size 8\n"
                                    "leaf_index 5\n"
                                    "leaf_hash 4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658\n"
                                    "root 5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328\n"
                                    "path bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b\n"
                                    "path ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0\n"
                                    "path d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7\n";
static const char doc_consistency[] = "gw-merkle-consistency-v1\n"
                                      "old_size 3\n"
                                      "tree_size 7\n"
                                      "old_root aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77\n"
                                      "root ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c\n"
                                      "path 0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7\n"
                                      "path 07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7\n"
                                      "path fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125\n"
                                      "path 837dbb152e9b079010717e84e865da4ebc0fa198a806d59d31bf15accef22d0e\n";

static void
test_text_doc_example(struct t *t)
{
    struct gw_err err;
    struct gw_merkle_mem *m = NULL;
    struct gw_merkle_nodes nodes;
    struct gw_merkle_proof *p = calloc(1, sizeof(*p));
    struct gw_merkle_proof *back = calloc(1, sizeof(*back));
    struct gw_buf b;
    unsigned char *file = NULL;
    size_t file_len = 0;

    gw_buf_init(&b, GW_MERKLE_MAX_PROOF_TEXT);
    EXPECT_TRUE(p != NULL && back != NULL);
    EXPECT_TRUE(build_tree(&m, 8));
    nodes = gw_merkle_mem_nodes(m);
    EXPECT_OK(gw_merkle_prove_inclusion(&nodes, 8, 5, p, &err), &err);
    EXPECT_OK(gw_merkle_proof_format(p, &b, &err), &err);
    EXPECT_STR_EQ((const char *)b.data, doc_inclusion);
    /* tests/cli/merkle_proof.sh checks these files with the page's own sh functions */
    EXPECT_OK(t_read_file("tests/fuzz/corpus/merkle/inclusion-8-5.txt", &file, &file_len, &err), &err);
    EXPECT_TRUE(file_len == b.len && memcmp(file, b.data, b.len) == 0);
    GW_FREE(file);
    EXPECT_OK(t_read_file("tests/fuzz/corpus/merkle/consistency-3-7.txt", &file, &file_len, &err), &err);
    EXPECT_TRUE(file_len == sizeof(doc_consistency) - 1 && memcmp(file, doc_consistency, file_len) == 0);
    EXPECT_OK(gw_merkle_proof_parse(b.data, b.len, back, &err), &err);
    EXPECT_TRUE(memcmp(p, back, sizeof(*p)) == 0);
    EXPECT_OK(gw_merkle_proof_verify(back, &err), &err);
    gw_buf_cleanup(&b);
    gw_buf_init(&b, GW_MERKLE_MAX_PROOF_TEXT);
    EXPECT_OK(gw_merkle_prove_consistency(&nodes, 3, 7, p, &err), &err);
    EXPECT_OK(gw_merkle_proof_format(p, &b, &err), &err);
    EXPECT_STR_EQ((const char *)b.data, doc_consistency);
    EXPECT_OK(gw_merkle_proof_parse(b.data, b.len, back, &err), &err);
    EXPECT_TRUE(memcmp(p, back, sizeof(*p)) == 0);
    EXPECT_OK(gw_merkle_proof_verify(back, &err), &err);
    /* format refuses what would not parse back, and leaves the buffer as it was */
    back->path_len = GW_MERKLE_MAX_PATH + 1;
    EXPECT_FAIL(gw_merkle_proof_format(back, &b, &err), &err, GW_R_MERKLE_PROOF_MALFORMED);
    back->path_len = 1;
    back->old_size = 8;
    EXPECT_FAIL(gw_merkle_proof_format(back, &b, &err), &err, GW_R_MERKLE_PROOF_MALFORMED);
    EXPECT_INT_EQ(b.len, sizeof(doc_consistency) - 1);
out:
    gw_buf_cleanup(&b);
    gw_merkle_mem_free(m);
    free(p);
    free(back);
    free(file);
}

/* Every proof of the exhaustive tests survives format -> parse unchanged. */
static void
test_text_round_trip(struct t *t)
{
    struct gw_err err;
    struct gw_merkle_mem *m = NULL;
    struct gw_merkle_nodes nodes;
    struct gw_merkle_proof *p = calloc(1, sizeof(*p));
    struct gw_merkle_proof *back = calloc(1, sizeof(*back));
    struct gw_buf b;
    unsigned count = 0;

    gw_buf_init(&b, GW_MERKLE_MAX_PROOF_TEXT);
    EXPECT_TRUE(p != NULL && back != NULL);
    EXPECT_TRUE(build_tree(&m, MAX_N));
    nodes = gw_merkle_mem_nodes(m);
    for (size_t n = 1; n <= MAX_N; n++) {
        for (size_t i = 0; i < n; i++) {
            for (int kind = 0; kind < 2; kind++) {
                if (kind == 0) {
                    EXPECT_OK(gw_merkle_prove_inclusion(&nodes, n, i, p, &err), &err);
                } else {
                    EXPECT_OK(gw_merkle_prove_consistency(&nodes, i + 1, n, p, &err), &err);
                }
                b.len = 0;
                EXPECT_OK(gw_merkle_proof_format(p, &b, &err), &err);
                memset(back, 0xa5, sizeof(*back));
                EXPECT_OK(gw_merkle_proof_parse(b.data, b.len, back, &err), &err);
                if (memcmp(p, back, sizeof(*p)) != 0) {
                    T_FAIL("proof %d (%zu, %zu) changed through its text form", kind, n, i);
                }
                count++;
            }
        }
    }
    EXPECT_INT_EQ(count, MAX_N * (MAX_N + 1));
out:
    gw_buf_cleanup(&b);
    gw_merkle_mem_free(m);
    free(p);
    free(back);
}

static const char root_line[] = "root 5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328\n";
static const char hash64[] = "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328";

/* Each input is the example text with one thing wrong; all are refused as malformed, naming the line. */
static const struct bad_text {
    const char *name;
    const char *text;
    unsigned line;
} bad_texts[] = {
    {"empty", "", 1},
    {"no newline after the tag", "gw-merkle-inclusion-v1", 1},
    {"unknown tag", "gw-merkle-inclusion-v2\ntree_size 1\n", 1},
    {"tag with CR", "gw-merkle-inclusion-v1\r\ntree_size 1\n", 1},
    {"leading blank line", "\ngw-merkle-inclusion-v1\n", 1},
    {"size zero", "gw-merkle-inclusion-v1\ntree_size 0\n", 2},
    {"leading zero", "gw-merkle-inclusion-v1\ntree_size 08\n", 2},
    {"plus sign", "gw-merkle-inclusion-v1\ntree_size +8\n", 2},
    {"two spaces", "gw-merkle-inclusion-v1\ntree_size  8\n", 2},
    {"tab", "gw-merkle-inclusion-v1\ntree_size\t8\n", 2},
    {"trailing space", "gw-merkle-inclusion-v1\ntree_size 8 \n", 2},
    {"CRLF", "gw-merkle-inclusion-v1\ntree_size 8\r\n", 2},
    {"size over INT64_MAX", "gw-merkle-inclusion-v1\ntree_size 9223372036854775808\n", 2},
    {"size of 20 digits", "gw-merkle-inclusion-v1\ntree_size 18446744073709551616\n", 2},
    {"hex size", "gw-merkle-inclusion-v1\ntree_size 0x8\n", 2},
    {"upper-case key", "gw-merkle-inclusion-v1\nTREE_SIZE 8\n", 2},
    {"lines swapped", "gw-merkle-inclusion-v1\nleaf_index 5\ntree_size 8\n", 2},
    {"index = size", "gw-merkle-inclusion-v1\ntree_size 8\nleaf_index 8\n", 3},
    {"negative index", "gw-merkle-inclusion-v1\ntree_size 8\nleaf_index -1\n", 3},
    {"index without newline", "gw-merkle-inclusion-v1\ntree_size 8\nleaf_index 5", 3},
    {"short hash",
     "gw-merkle-inclusion-v1\ntree_size 8\nleaf_index 5\n"
     "leaf_hash 5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff460432\n",
     4},
    {"long hash",
     "gw-merkle-inclusion-v1\ntree_size 8\nleaf_index 5\n"
     "leaf_hash 5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff46043288\n",
     4},
    {"upper-case hash",
     "gw-merkle-inclusion-v1\ntree_size 8\nleaf_index 5\n"
     "leaf_hash 5DC9DA79A70659A9AD559CB701DED9A2AB9D823AAD2F4960CFE370EFF4604328\n",
     4},
    {"hash with g",
     "gw-merkle-inclusion-v1\ntree_size 8\nleaf_index 5\n"
     "leaf_hash 5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff460432g\n",
     4},
    {"no root",
     "gw-merkle-inclusion-v1\ntree_size 8\nleaf_index 5\nleaf_hash " /* */
     "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328\n",
     5},
    {"old_size in an inclusion proof", "gw-merkle-inclusion-v1\nold_size 3\ntree_size 8\nleaf_index 5\n", 2},
    {"consistency: old size zero", "gw-merkle-consistency-v1\nold_size 0\n", 2},
    {"consistency: old > new", "gw-merkle-consistency-v1\nold_size 9\ntree_size 8\n", 3},
    {"consistency: leaf_index", "gw-merkle-consistency-v1\nold_size 3\nleaf_index 5\n", 3},
    {"consistency: no old_root",
     "gw-merkle-consistency-v1\nold_size 3\ntree_size 8\nroot "
     "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328\n",
     4},
};

static void
test_text_malformed(struct t *t)
{
    struct gw_err err;
    struct gw_merkle_proof *p = calloc(1, sizeof(*p));
    struct gw_merkle_proof *before = calloc(1, sizeof(*before));
    const char *head = "gw-merkle-inclusion-v1\ntree_size 8\nleaf_index 5\n"
                       "leaf_hash 5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328\n";
    struct gw_buf b;
    char where[32];

    gw_buf_init(&b, 64u * 1024u);
    EXPECT_TRUE(p != NULL && before != NULL);
    memset(p, 0x5a, sizeof(*p));
    memcpy(before, p, sizeof(*p));
    for (size_t i = 0; i < T_COUNT(bad_texts); i++) {
        const struct bad_text *bt = &bad_texts[i];
        gw_err_clear(&err);
        if (gw_merkle_proof_parse((const unsigned char *)bt->text, strlen(bt->text), p, &err) == GW_OK ||
            err.reason != GW_R_MERKLE_PROOF_MALFORMED || err.rc != GW_EINPUT) {
            T_FAIL("%s: not refused as malformed (%s)", bt->name, gw_reason_code(err.reason));
        }
        snprintf(where, sizeof(where), "line %u", bt->line);
        if (strcmp(err.where, where) != 0) {
            T_FAIL("%s: refused at \"%s\", expected \"%s\" (%s)", bt->name, err.where, where, err.msg);
        }
        EXPECT_TRUE(memcmp(p, before, sizeof(*p)) == 0); /* untouched on failure */
    }
    /* After the root: only "path" lines, each whole, at most GW_MERKLE_MAX_PATH. */
    EXPECT_OK(gw_buf_append_str(&b, head, &err), &err);
    EXPECT_OK(gw_buf_append_str(&b, root_line, &err), &err);
    for (unsigned i = 0; i < GW_MERKLE_MAX_PATH; i++) {
        EXPECT_OK(gw_buf_printf(&b, &err, "path %s\n", hash64), &err);
    }
    EXPECT_OK(gw_merkle_proof_parse(b.data, b.len, p, &err), &err); /* parses; does not verify */
    EXPECT_INT_EQ(p->path_len, GW_MERKLE_MAX_PATH);
    EXPECT_FAIL(gw_merkle_proof_verify(p, &err), &err, GW_R_MERKLE_PROOF_INVALID);
    EXPECT_OK(gw_buf_printf(&b, &err, "path %s\n", hash64), &err);
    EXPECT_FAIL(gw_merkle_proof_parse(b.data, b.len, p, &err), &err, GW_R_MERKLE_PROOF_MALFORMED);
    EXPECT_STR_EQ(err.where, "line 70");
    {
        static const char *const tails[] = {
            "\n",          /* a blank line */
            "path ",       /* cut */
            "# comment\n", /* comments are not part of the format */
            "root 5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328\n", /* repeated */
            "path 5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",   /* no LF */
            "path 5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328\r\n",
            "path 5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328\n\n",
            "path 5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328\nx",
        };
        for (size_t i = 0; i < T_COUNT(tails); i++) {
            gw_buf_cleanup(&b);
            gw_buf_init(&b, 64u * 1024u);
            EXPECT_OK(gw_buf_append_str(&b, head, &err), &err);
            EXPECT_OK(gw_buf_append_str(&b, root_line, &err), &err);
            EXPECT_OK(gw_buf_append_str(&b, tails[i], &err), &err);
            gw_err_clear(&err);
            if (gw_merkle_proof_parse(b.data, b.len, p, &err) == GW_OK ||
                err.reason != GW_R_MERKLE_PROOF_MALFORMED) {
                T_FAIL("tail %zu accepted", i);
            }
        }
    }
    /* a NUL inside a value, passed with its length */
    {
        static const unsigned char nul[] = "gw-merkle-inclusion-v1\ntree_size 8\0\n";
        EXPECT_FAIL(gw_merkle_proof_parse(nul, sizeof(nul) - 1, p, &err), &err, GW_R_MERKLE_PROOF_MALFORMED);
    }
    /* larger than any proof: refused before it is read */
    gw_buf_cleanup(&b);
    gw_buf_init(&b, 64u * 1024u);
    for (unsigned i = 0; i <= GW_MERKLE_MAX_PROOF_TEXT; i++) {
        EXPECT_OK(gw_buf_append(&b, "\n", 1, &err), &err);
    }
    EXPECT_FAIL(gw_merkle_proof_parse(b.data, b.len, p, &err), &err, GW_R_LIMIT_SIZE);
    /* size 1: no path lines at all is a complete proof */
    {
        static const char one[] = "gw-merkle-inclusion-v1\ntree_size 1\nleaf_index 0\n"
                                  "leaf_hash 6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d\n"
                                  "root 6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d\n";
        EXPECT_OK(gw_merkle_proof_parse((const unsigned char *)one, sizeof(one) - 1, p, &err), &err);
        EXPECT_INT_EQ(p->path_len, 0);
        EXPECT_OK(gw_merkle_proof_verify(p, &err), &err);
    }
out:
    gw_buf_cleanup(&b);
    free(p);
    free(before);
}

/* A larger tree (2^12 + 3 leaves): proofs at the edges still equal nothing but O(log n) reads, and the
 * in-memory store holds 2n - popcount(n) nodes. */
static void
test_reads_logarithmic(struct t *t)
{
    struct gw_err err;
    struct gw_merkle_mem *m = NULL;
    struct gw_merkle_nodes nodes;
    struct gw_merkle_proof *p = calloc(1, sizeof(*p));
    const uint64_t n = 4099;
    const uint64_t idx[] = {0, 1, 2047, 2048, 4095, 4096, 4097, 4098};

    EXPECT_TRUE(p != NULL);
    EXPECT_TRUE(build_tree(&m, (size_t)n));
    nodes = gw_merkle_mem_nodes(m);
    for (size_t i = 0; i < T_COUNT(idx); i++) {
        uint64_t before = gw_merkle_mem_reads(m);
        EXPECT_OK(gw_merkle_prove_inclusion(&nodes, n, idx[i], p, &err), &err);
        EXPECT_TRUE(gw_merkle_mem_reads(m) - before <= 1 + 3 * 13);
        EXPECT_OK(gw_merkle_proof_verify(p, &err), &err);
        before = gw_merkle_mem_reads(m);
        EXPECT_OK(gw_merkle_prove_consistency(&nodes, idx[i] + 1, n, p, &err), &err);
        EXPECT_TRUE(gw_merkle_mem_reads(m) - before <= 4 * 13);
        EXPECT_OK(gw_merkle_proof_verify(p, &err), &err);
    }
out:
    gw_merkle_mem_free(m);
    free(p);
}

static const struct t_case cases[] = {
    {"known_roots", test_known_roots, NULL},
    {"append_nodes", test_append_nodes, NULL},
    {"inclusion_all", test_inclusion_all, NULL},
    {"consistency_all", test_consistency_all, NULL},
    {"verify_bounds", test_verify_bounds, NULL},
    {"text_doc_example", test_text_doc_example, NULL},
    {"text_round_trip", test_text_round_trip, NULL},
    {"text_malformed", test_text_malformed, NULL},
    {"reads_logarithmic", test_reads_logarithmic, NULL},
};

const struct t_module t_module_merkle = {"merkle", cases, T_COUNT(cases)};

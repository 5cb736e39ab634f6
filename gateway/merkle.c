// SPDX-License-Identifier: MIT
/*
 * The Merkle tree of the transparency log (DESIGN §6; RFC 9162 §2.1): leaf and node hashes, appending a
 * leaf as the stored nodes of the complete subtrees it finishes, the root of any size and the inclusion and
 * consistency proofs from O(log n) of those nodes, the RFC's two verification algorithms, and the strict
 * text form of a proof. It does not decide what a leaf is, where nodes are kept (struct gw_merkle_nodes:
 * the in-memory store below, or a table of the store), or who signs a root. docs/audit.md "Merkle tree and
 * proofs" restates the hashing and the proof text; keep the two in step.
 */
#include "gw/merkle.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "gw/ids.h"
#include "gw/parse.h"

#define HLEN GW_MERKLE_HASH_LEN
#define LEVELS 64u /* levels 0..63: a size below 2^63 never completes a node above level 62 */

/* One SHA-256 context reused for every hash of one operation (a proof hashes up to ~130 times). */
struct hasher {
    EVP_MD_CTX *ctx;
    EVP_MD *md;
};

static enum gw_rc
hasher_init(struct hasher *h, struct gw_err *err)
{
    enum gw_rc rc = GW_ENOMEM;

    h->ctx = EVP_MD_CTX_new();
    h->md = EVP_MD_fetch(NULL, "SHA256", NULL);
    GW_CHECK(h->ctx != NULL && h->md != NULL, GW_ENOMEM, GW_R_NOMEM, "SHA-256 context");
    rc = GW_OK;
out:
    if (rc != GW_OK) {
        EVP_MD_CTX_free(h->ctx);
        EVP_MD_free(h->md);
        h->ctx = NULL;
        h->md = NULL;
    }
    return rc;
}

static void
hasher_cleanup(struct hasher *h)
{
    EVP_MD_CTX_free(h->ctx);
    EVP_MD_free(h->md);
    h->ctx = NULL;
    h->md = NULL;
}

/* SHA-256(prefix || a || b) into out (which may alias a or b: the digest is written only at the end). */
static enum gw_rc
hash3(struct hasher *h, unsigned char prefix, const void *a, size_t a_len, const void *b, size_t b_len,
      unsigned char out[HLEN], struct gw_err *err)
{
    enum gw_rc rc = GW_ENOMEM;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;

    /* RFC 9162 §2.1.1: 0x00 before a leaf, 0x01 before two child hashes (second-preimage resistance). */
    GW_CHECK(EVP_DigestInit_ex(h->ctx, h->md, NULL) == 1 && EVP_DigestUpdate(h->ctx, &prefix, 1) == 1 &&
                 (a_len == 0 || EVP_DigestUpdate(h->ctx, a, a_len) == 1) &&
                 (b_len == 0 || EVP_DigestUpdate(h->ctx, b, b_len) == 1) &&
                 EVP_DigestFinal_ex(h->ctx, md, &md_len) == 1 && md_len == HLEN,
             GW_ENOMEM, GW_R_NOMEM, "SHA-256 of a Merkle tree node");
    memcpy(out, md, HLEN);
    rc = GW_OK;
out:
    return rc;
}

static enum gw_rc
node_hash(struct hasher *h, const unsigned char left[HLEN], const unsigned char right[HLEN],
          unsigned char out[HLEN], struct gw_err *err)
{
    return hash3(h, 0x01, left, HLEN, right, HLEN, out, err);
}

enum gw_rc
gw_merkle_leaf_hash(const void *data, size_t len, unsigned char out[GW_MERKLE_HASH_LEN], struct gw_err *err)
{
    enum gw_rc rc = GW_ENOMEM;
    struct hasher h = {NULL, NULL};

    GW_TRY(hasher_init(&h, err));
    GW_TRY(hash3(&h, 0x00, data, len, NULL, 0, out, err));
out:
    hasher_cleanup(&h);
    return rc;
}

enum gw_rc
gw_merkle_node_hash(const unsigned char left[GW_MERKLE_HASH_LEN], const unsigned char right[GW_MERKLE_HASH_LEN],
                    unsigned char out[GW_MERKLE_HASH_LEN], struct gw_err *err)
{
    enum gw_rc rc = GW_ENOMEM;
    struct hasher h = {NULL, NULL};

    GW_TRY(hasher_init(&h, err));
    GW_TRY(node_hash(&h, left, right, out, err));
out:
    hasher_cleanup(&h);
    return rc;
}

/* The largest power of two below n (n >= 2): the k of RFC 9162 §2.1.1. */
static uint64_t
split_point(uint64_t n)
{
    return (uint64_t)1 << (63 - __builtin_clzll(n - 1));
}

static enum gw_rc
get_node(const struct gw_merkle_nodes *nodes, unsigned level, uint64_t index, unsigned char out[HLEN],
         struct gw_err *err)
{
    enum gw_rc rc = GW_EINTERNAL;
    unsigned char tmp[HLEN];

    GW_TRY(nodes->get(nodes->ctx, level, index, tmp, err));
    memcpy(out, tmp, HLEN);
out:
    return rc;
}

/*
 * MTH(D[lo:hi]) for hi > lo, where lo is a multiple of the largest power of two <= hi - lo (true of every
 * range the RFC's recursion visits: each lies in an aligned block of the next power of two). The range is
 * the perfect subtrees given by the bits of hi - lo, largest first, and its hash folds them from the right:
 * MTH = H(P1, H(P2, ... H(Pk-1, Pk))). One stored node per set bit.
 */
static enum gw_rc
range_hash(struct hasher *h, const struct gw_merkle_nodes *nodes, uint64_t lo, uint64_t hi,
           unsigned char out[HLEN], struct gw_err *err)
{
    enum gw_rc rc = GW_EINTERNAL;
    uint64_t n = hi - lo;
    uint64_t pos = hi;
    unsigned char acc[HLEN];
    unsigned char piece[HLEN];
    bool first = true;

    for (unsigned b = 0; b < LEVELS; b++) {
        if (((n >> b) & 1u) == 0) {
            continue;
        }
        pos -= (uint64_t)1 << b;
        GW_TRY(get_node(nodes, b, pos >> b, first ? acc : piece, err));
        if (!first) {
            GW_TRY(node_hash(h, piece, acc, acc, err));
        }
        first = false;
    }
    memcpy(out, acc, HLEN);
    rc = GW_OK;
out:
    return rc;
}

enum gw_rc
gw_merkle_append(const struct gw_merkle_nodes *nodes, uint64_t size,
                 const unsigned char leaf_hash[GW_MERKLE_HASH_LEN], struct gw_err *err)
{
    enum gw_rc rc = GW_EINTERNAL;
    struct hasher h = {NULL, NULL};
    unsigned char cur[HLEN];
    unsigned char left[HLEN];
    uint64_t n = size + 1;

    GW_CHECK(size < GW_MERKLE_MAX_SIZE, GW_ELIMIT, GW_R_LIMIT_SIZE, "the Merkle tree is full (%llu leaves)",
             (unsigned long long)size);
    GW_CHECK(nodes->put != NULL, GW_EINTERNAL, GW_R_INTERNAL, "append to a read-only Merkle node store");
    GW_TRY(hasher_init(&h, err));
    memcpy(cur, leaf_hash, HLEN);
    GW_TRY(nodes->put(nodes->ctx, 0, size, cur, err));
    /* Leaf n-1 completes the subtree of level l ending at it whenever 2^l divides n. */
    for (unsigned l = 1; l < LEVELS && (n & (((uint64_t)1 << l) - 1)) == 0; l++) {
        uint64_t idx = (n >> l) - 1;
        GW_TRY(get_node(nodes, l - 1, 2 * idx, left, err));
        GW_TRY(node_hash(&h, left, cur, cur, err));
        GW_TRY(nodes->put(nodes->ctx, l, idx, cur, err));
    }
    rc = GW_OK;
out:
    hasher_cleanup(&h);
    return rc;
}

enum gw_rc
gw_merkle_root(const struct gw_merkle_nodes *nodes, uint64_t size, unsigned char out[GW_MERKLE_HASH_LEN],
               struct gw_err *err)
{
    enum gw_rc rc = GW_EINTERNAL;
    struct hasher h = {NULL, NULL};
    unsigned char md[HLEN];
    unsigned int md_len = 0;

    GW_CHECK(size <= GW_MERKLE_MAX_SIZE, GW_ELIMIT, GW_R_LIMIT_SIZE, "Merkle tree size %llu is too large",
             (unsigned long long)size);
    GW_TRY(hasher_init(&h, err));
    if (size == 0) {
        /* RFC 9162 §2.1.1: the hash of an empty list is the hash of the empty string, without a prefix. */
        GW_CHECK(EVP_DigestInit_ex(h.ctx, h.md, NULL) == 1 && EVP_DigestFinal_ex(h.ctx, md, &md_len) == 1 &&
                     md_len == HLEN,
                 GW_ENOMEM, GW_R_NOMEM, "SHA-256 of the empty tree");
    } else {
        GW_TRY(range_hash(&h, nodes, 0, size, md, err));
    }
    memcpy(out, md, HLEN);
    rc = GW_OK;
out:
    hasher_cleanup(&h);
    return rc;
}

/* Reverse the first n hashes of path. */
static void
reverse_path(unsigned char (*path)[HLEN], size_t n)
{
    unsigned char tmp[HLEN];

    for (size_t i = 0; i < n / 2; i++) {
        memcpy(tmp, path[i], HLEN);
        memcpy(path[i], path[n - 1 - i], HLEN);
        memcpy(path[n - 1 - i], tmp, HLEN);
    }
}

/* RFC 9162 §2.1.3.1 PATH(m, D[lo:hi]), root first: recurse into the half holding m, the other half's MTH
 * is the next hash. Every sibling but at most one is a perfect subtree, so this reads O(log size) nodes. */
static enum gw_rc
inclusion_path(struct hasher *h, const struct gw_merkle_nodes *nodes, struct gw_merkle_proof *p,
               struct gw_err *err)
{
    enum gw_rc rc = GW_EINTERNAL;
    uint64_t lo = 0;
    uint64_t hi = p->tree_size;

    GW_TRY(get_node(nodes, 0, p->leaf_index, p->leaf_hash, err));
    while (hi - lo > 1) {
        uint64_t k = split_point(hi - lo);
        if (p->leaf_index < lo + k) {
            GW_TRY(range_hash(h, nodes, lo + k, hi, p->path[p->path_len], err));
            hi = lo + k;
        } else {
            GW_TRY(range_hash(h, nodes, lo, lo + k, p->path[p->path_len], err));
            lo += k;
        }
        p->path_len++;
    }
    rc = GW_OK;
out:
    return rc;
}

/* RFC 9162 §2.1.4.1 SUBPROOF(m, D[lo:hi], b), root first, with m = old_size - lo. It ends in a perfect
 * subtree (the first step left leaves the range perfect), so again every hash but one is a stored node. */
static enum gw_rc
consistency_path(struct hasher *h, const struct gw_merkle_nodes *nodes, struct gw_merkle_proof *p,
                 struct gw_err *err)
{
    enum gw_rc rc = GW_EINTERNAL;
    uint64_t lo = 0;
    uint64_t hi = p->tree_size;
    bool whole = true; /* the b of SUBPROOF: the current range is the old tree's own subtree */

    for (;;) {
        uint64_t n = hi - lo;
        uint64_t m = p->old_size - lo;
        uint64_t k;
        if (m == n) {
            if (!whole) {
                GW_TRY(range_hash(h, nodes, lo, hi, p->path[p->path_len], err));
                p->path_len++;
            }
            break;
        }
        k = split_point(n);
        if (m <= k) {
            GW_TRY(range_hash(h, nodes, lo + k, hi, p->path[p->path_len], err));
            hi = lo + k;
        } else {
            GW_TRY(range_hash(h, nodes, lo, lo + k, p->path[p->path_len], err));
            lo += k;
            whole = false;
        }
        p->path_len++;
    }
    GW_TRY(range_hash(h, nodes, 0, p->old_size, p->old_root, err));
    rc = GW_OK;
out:
    return rc;
}

/* Both proofs: claim (kind, a = leaf index or older size, size) checked, path built, root added. */
static enum gw_rc
prove(const struct gw_merkle_nodes *nodes, enum gw_merkle_proof_kind kind, uint64_t a, uint64_t size,
      struct gw_merkle_proof *out, struct gw_err *err)
{
    enum gw_rc rc = GW_EINTERNAL;
    struct hasher h = {NULL, NULL};
    struct gw_merkle_proof *p = NULL;

    GW_CHECK(size <= GW_MERKLE_MAX_SIZE, GW_ELIMIT, GW_R_LIMIT_SIZE, "Merkle tree size %llu is too large",
             (unsigned long long)size);
    p = calloc(1, sizeof(*p));
    GW_CHECK(p != NULL, GW_ENOMEM, GW_R_NOMEM, "Merkle proof");
    p->kind = kind;
    p->tree_size = size;
    switch (kind) {
    case GW_MERKLE_INCLUSION:
        GW_CHECK(a < size, GW_EINPUT, GW_R_MERKLE_PROOF_INVALID, "no leaf %llu in a tree of %llu leaves",
                 (unsigned long long)a, (unsigned long long)size);
        p->leaf_index = a;
        GW_TRY(hasher_init(&h, err));
        GW_TRY(inclusion_path(&h, nodes, p, err));
        break;
    case GW_MERKLE_CONSISTENCY:
        GW_CHECK(a > 0 && a <= size, GW_EINPUT, GW_R_MERKLE_PROOF_INVALID,
                 "no consistency proof from %llu to %llu leaves (the older size must be 1..the newer)",
                 (unsigned long long)a, (unsigned long long)size);
        p->old_size = a;
        GW_TRY(hasher_init(&h, err));
        GW_TRY(consistency_path(&h, nodes, p, err));
        break;
    }
    reverse_path(p->path, p->path_len); /* built from the root down, listed from the leaf up */
    GW_TRY(range_hash(&h, nodes, 0, size, p->root, err));
    memcpy(out, p, sizeof(*p));
    rc = GW_OK;
out:
    hasher_cleanup(&h);
    free(p);
    return rc;
}

enum gw_rc
gw_merkle_prove_inclusion(const struct gw_merkle_nodes *nodes, uint64_t size, uint64_t index,
                          struct gw_merkle_proof *out, struct gw_err *err)
{
    return prove(nodes, GW_MERKLE_INCLUSION, index, size, out, err);
}

enum gw_rc
gw_merkle_prove_consistency(const struct gw_merkle_nodes *nodes, uint64_t old_size, uint64_t size,
                            struct gw_merkle_proof *out, struct gw_err *err)
{
    return prove(nodes, GW_MERKLE_CONSISTENCY, old_size, size, out, err);
}

enum gw_rc
gw_merkle_verify_inclusion(uint64_t index, uint64_t size, const unsigned char leaf_hash[GW_MERKLE_HASH_LEN],
                           const unsigned char (*path)[GW_MERKLE_HASH_LEN], size_t path_len,
                           const unsigned char root[GW_MERKLE_HASH_LEN], struct gw_err *err)
{
    enum gw_rc rc = GW_EPOLICY;
    struct hasher h = {NULL, NULL};
    unsigned char r[HLEN];
    uint64_t fn = index;
    uint64_t sn;

    GW_CHECK(size > 0 && size <= GW_MERKLE_MAX_SIZE && index < size, GW_EPOLICY, GW_R_MERKLE_PROOF_INVALID,
             "leaf index %llu is not in a tree of %llu leaves", (unsigned long long)index,
             (unsigned long long)size);
    GW_CHECK(path_len <= GW_MERKLE_MAX_PATH, GW_EPOLICY, GW_R_MERKLE_PROOF_INVALID,
             "inclusion proof of %zu hashes (at most %u)", path_len, GW_MERKLE_MAX_PATH);
    GW_TRY(hasher_init(&h, err));
    /* RFC 9162 §2.1.3.2, step by step. */
    sn = size - 1;
    memcpy(r, leaf_hash, HLEN);
    for (size_t i = 0; i < path_len; i++) {
        GW_CHECK(sn != 0, GW_EPOLICY, GW_R_MERKLE_PROOF_INVALID,
                 "inclusion proof too long: %zu hashes where leaf %llu of %llu needs %zu", path_len,
                 (unsigned long long)index, (unsigned long long)size, i);
        if ((fn & 1u) != 0 || fn == sn) {
            GW_TRY(node_hash(&h, path[i], r, r, err));
            while ((fn & 1u) == 0 && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            GW_TRY(node_hash(&h, r, path[i], r, err));
        }
        fn >>= 1;
        sn >>= 1;
    }
    GW_CHECK(sn == 0, GW_EPOLICY, GW_R_MERKLE_PROOF_INVALID,
             "inclusion proof too short: %zu hashes for leaf %llu of %llu", path_len, (unsigned long long)index,
             (unsigned long long)size);
    GW_CHECK(CRYPTO_memcmp(r, root, HLEN) == 0, GW_EPOLICY, GW_R_MERKLE_PROOF_INVALID,
             "inclusion proof does not lead to the root: leaf %llu is not in this tree of %llu leaves",
             (unsigned long long)index, (unsigned long long)size);
    rc = GW_OK;
out:
    hasher_cleanup(&h);
    return rc;
}

enum gw_rc
gw_merkle_verify_consistency(uint64_t old_size, uint64_t size, const unsigned char old_root[GW_MERKLE_HASH_LEN],
                             const unsigned char root[GW_MERKLE_HASH_LEN],
                             const unsigned char (*path)[GW_MERKLE_HASH_LEN], size_t path_len, struct gw_err *err)
{
    enum gw_rc rc = GW_EPOLICY;
    struct hasher h = {NULL, NULL};
    unsigned char fr[HLEN];
    unsigned char sr[HLEN];
    bool seed_old; /* step 2: old_size a power of two, old_root is the path's first element */
    size_t total;
    uint64_t fn;
    uint64_t sn;

    GW_CHECK(old_size > 0 && old_size <= size && size <= GW_MERKLE_MAX_SIZE, GW_EPOLICY, GW_R_MERKLE_PROOF_INVALID,
             "no consistency from %llu to %llu leaves", (unsigned long long)old_size, (unsigned long long)size);
    GW_CHECK(path_len <= GW_MERKLE_MAX_PATH, GW_EPOLICY, GW_R_MERKLE_PROOF_INVALID,
             "consistency proof of %zu hashes (at most %u)", path_len, GW_MERKLE_MAX_PATH);
    if (old_size == size) {
        /* PROOF(n, D[n]) is empty: the trees are consistent if and only if they are the same tree. */
        GW_CHECK(path_len == 0, GW_EPOLICY, GW_R_MERKLE_PROOF_INVALID,
                 "consistency proof between equal sizes must be empty, has %zu hashes", path_len);
        GW_CHECK(CRYPTO_memcmp(old_root, root, HLEN) == 0, GW_EPOLICY, GW_R_MERKLE_PROOF_INVALID,
                 "two different roots for the same size %llu: the log forked", (unsigned long long)size);
        rc = GW_OK;
        goto out;
    }
    /* RFC 9162 §2.1.4.2, step by step; element i of the (prepended) array is element(i) below. */
    GW_CHECK(path_len > 0, GW_EPOLICY, GW_R_MERKLE_PROOF_INVALID, "empty consistency proof");
    GW_TRY(hasher_init(&h, err));
    seed_old = (old_size & (old_size - 1)) == 0;
    total = path_len + (seed_old ? 1u : 0u);
#define ELEMENT(i) (seed_old ? ((i) == 0 ? old_root : path[(i)-1]) : path[(i)])
    fn = old_size - 1;
    sn = size - 1;
    while ((fn & 1u) != 0) {
        fn >>= 1;
        sn >>= 1;
    }
    memcpy(fr, ELEMENT(0), HLEN);
    memcpy(sr, ELEMENT(0), HLEN);
    for (size_t i = 1; i < total; i++) {
        const unsigned char *c = ELEMENT(i);
        GW_CHECK(sn != 0, GW_EPOLICY, GW_R_MERKLE_PROOF_INVALID,
                 "consistency proof too long: %zu hashes from %llu to %llu leaves", path_len,
                 (unsigned long long)old_size, (unsigned long long)size);
        if ((fn & 1u) != 0 || fn == sn) {
            GW_TRY(node_hash(&h, c, fr, fr, err));
            GW_TRY(node_hash(&h, c, sr, sr, err));
            while ((fn & 1u) == 0 && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            GW_TRY(node_hash(&h, sr, c, sr, err));
        }
        fn >>= 1;
        sn >>= 1;
    }
#undef ELEMENT
    GW_CHECK(sn == 0, GW_EPOLICY, GW_R_MERKLE_PROOF_INVALID,
             "consistency proof too short: %zu hashes from %llu to %llu leaves", path_len,
             (unsigned long long)old_size, (unsigned long long)size);
    GW_CHECK(CRYPTO_memcmp(fr, old_root, HLEN) == 0, GW_EPOLICY, GW_R_MERKLE_PROOF_INVALID,
             "consistency proof does not lead to the older root (size %llu)", (unsigned long long)old_size);
    GW_CHECK(CRYPTO_memcmp(sr, root, HLEN) == 0, GW_EPOLICY, GW_R_MERKLE_PROOF_INVALID,
             "consistency proof does not lead to the newer root (size %llu)", (unsigned long long)size);
    rc = GW_OK;
out:
    hasher_cleanup(&h);
    return rc;
}

enum gw_rc
gw_merkle_proof_verify(const struct gw_merkle_proof *p, struct gw_err *err)
{
    enum gw_rc rc = GW_EPOLICY;

    GW_CHECK(p->path_len <= GW_MERKLE_MAX_PATH, GW_EPOLICY, GW_R_MERKLE_PROOF_INVALID, "proof of %zu hashes",
             p->path_len);
    switch (p->kind) {
    case GW_MERKLE_INCLUSION:
        GW_TRY(gw_merkle_verify_inclusion(p->leaf_index, p->tree_size, p->leaf_hash,
                                          (const unsigned char(*)[HLEN])p->path, p->path_len, p->root, err));
        break;
    case GW_MERKLE_CONSISTENCY:
        GW_TRY(gw_merkle_verify_consistency(p->old_size, p->tree_size, p->old_root, p->root,
                                            (const unsigned char(*)[HLEN])p->path, p->path_len, err));
        break;
    }
    rc = GW_OK;
out:
    return rc;
}

/* ---- text form (docs/audit.md "Proof files") ---- */

/* A fixed-size line writer: the longest proof text is well under GW_MERKLE_MAX_PROOF_TEXT. */
struct text {
    char buf[GW_MERKLE_MAX_PROOF_TEXT];
    size_t len;
};

static void
put_str(struct text *t, const char *s)
{
    size_t n = strlen(s);

    /* Cannot overflow: at most 6 + GW_MERKLE_MAX_PATH lines of at most 90 bytes are written. */
    if (n <= sizeof(t->buf) - t->len) {
        memcpy(t->buf + t->len, s, n);
        t->len += n;
    }
}

static void
put_u64(struct text *t, const char *key, uint64_t v)
{
    char digits[21];
    size_t i = sizeof(digits) - 1;

    digits[i] = '\0';
    do {
        digits[--i] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v != 0);
    put_str(t, key);
    put_str(t, " ");
    put_str(t, digits + i);
    put_str(t, "\n");
}

static void
put_hash(struct text *t, const char *key, const unsigned char hash[HLEN])
{
    char hex[2 * HLEN + 1];

    gw_ids_encode_hex(hash, HLEN, hex);
    put_str(t, key);
    put_str(t, " ");
    put_str(t, hex);
    put_str(t, "\n");
}

enum gw_rc
gw_merkle_proof_format(const struct gw_merkle_proof *p, struct gw_buf *out, struct gw_err *err)
{
    enum gw_rc rc = GW_EINPUT;
    struct text *t = NULL;

    /* Refuse what the parser would refuse, so that every formatted proof reads back. */
    GW_CHECK(p->tree_size >= 1 && p->tree_size <= GW_MERKLE_MAX_SIZE && p->path_len <= GW_MERKLE_MAX_PATH,
             GW_EINPUT, GW_R_MERKLE_PROOF_MALFORMED, "proof of %zu hashes for %llu leaves", p->path_len,
             (unsigned long long)p->tree_size);
    t = calloc(1, sizeof(*t));
    GW_CHECK(t != NULL, GW_ENOMEM, GW_R_NOMEM, "proof text");
    switch (p->kind) {
    case GW_MERKLE_INCLUSION:
        GW_CHECK(p->leaf_index < p->tree_size, GW_EINPUT, GW_R_MERKLE_PROOF_MALFORMED, "leaf %llu of %llu leaves",
                 (unsigned long long)p->leaf_index, (unsigned long long)p->tree_size);
        put_str(t, GW_MERKLE_INCLUSION_TAG "\n");
        put_u64(t, "tree_size", p->tree_size);
        put_u64(t, "leaf_index", p->leaf_index);
        put_hash(t, "leaf_hash", p->leaf_hash);
        put_hash(t, "root", p->root);
        break;
    case GW_MERKLE_CONSISTENCY:
        GW_CHECK(p->old_size >= 1 && p->old_size <= p->tree_size, GW_EINPUT, GW_R_MERKLE_PROOF_MALFORMED,
                 "consistency from %llu to %llu leaves", (unsigned long long)p->old_size,
                 (unsigned long long)p->tree_size);
        put_str(t, GW_MERKLE_CONSISTENCY_TAG "\n");
        put_u64(t, "old_size", p->old_size);
        put_u64(t, "tree_size", p->tree_size);
        put_hash(t, "old_root", p->old_root);
        put_hash(t, "root", p->root);
        break;
    }
    for (size_t i = 0; i < p->path_len; i++) {
        put_hash(t, "path", p->path[i]);
    }
    GW_TRY(gw_buf_append(out, t->buf, t->len, err));
    rc = GW_OK;
out:
    free(t);
    return rc;
}

/* The proof text being read: a gw_rd cursor that moves only past a complete, accepted line. */
struct cursor {
    struct gw_rd rd;
    unsigned line; /* 1-based number of the line being read */
};

static bool
is_lower_hex(unsigned char ch)
{
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'); /* not A-F: one spelling per hash */
}

static unsigned
hex_value(unsigned char ch)
{
    return ch <= '9' ? (unsigned)(ch - '0') : (unsigned)(ch - 'a' + 10);
}

/* Accept the next line if it reads "<key> <decimal in min..max>\n"; the cursor moves only then. */
static bool
take_u64(struct cursor *c, const char *key, uint64_t min, uint64_t max, uint64_t *out)
{
    struct gw_rd r = c->rd;
    uint64_t v = 0;

    if (gw_rd_expect_lit(&r, key) != GW_OK || gw_rd_expect(&r, ' ') != GW_OK ||
        gw_rd_u64(&r, min, max, &v) != GW_OK || gw_rd_expect(&r, '\n') != GW_OK) {
        return false;
    }
    *out = v;
    c->rd = r;
    c->line++;
    return true;
}

/* Accept the next line if it reads "<key> <64 lowercase hex digits>\n"; the cursor moves only then. */
static bool
take_hash(struct cursor *c, const char *key, unsigned char out[HLEN])
{
    struct gw_rd r = c->rd;
    struct gw_span hex;

    if (gw_rd_expect_lit(&r, key) != GW_OK || gw_rd_expect(&r, ' ') != GW_OK ||
        gw_rd_take_while(&r, is_lower_hex, 2 * HLEN, 2 * HLEN, &hex) != GW_OK || gw_rd_expect(&r, '\n') != GW_OK) {
        return false;
    }
    for (size_t i = 0; i < HLEN; i++) {
        out[i] = (unsigned char)(hex_value(hex.p[2 * i]) << 4 | hex_value(hex.p[2 * i + 1]));
    }
    c->rd = r;
    c->line++;
    return true;
}

enum gw_rc
gw_merkle_proof_parse(const unsigned char *data, size_t len, struct gw_merkle_proof *out, struct gw_err *err)
{
    enum gw_rc rc = GW_EINPUT;
    struct gw_merkle_proof *p = NULL;
    struct cursor c = {{NULL, 0, 0}, 1};

    GW_CHECK(len <= GW_MERKLE_MAX_PROOF_TEXT, GW_ELIMIT, GW_R_LIMIT_SIZE, "proof text of %zu bytes (at most %u)",
             len, GW_MERKLE_MAX_PROOF_TEXT);
    p = calloc(1, sizeof(*p));
    GW_CHECK(p != NULL, GW_ENOMEM, GW_R_NOMEM, "proof");
    gw_rd_init(&c.rd, data, len);
    if (gw_rd_expect_lit(&c.rd, GW_MERKLE_INCLUSION_TAG "\n") == GW_OK) {
        p->kind = GW_MERKLE_INCLUSION;
        c.line = 2;
        GW_CHECK(take_u64(&c, "tree_size", 1, GW_MERKLE_MAX_SIZE, &p->tree_size), GW_EINPUT,
                 GW_R_MERKLE_PROOF_MALFORMED, "expected \"tree_size N\" (N from 1 to %llu)",
                 (unsigned long long)GW_MERKLE_MAX_SIZE);
        GW_CHECK(take_u64(&c, "leaf_index", 0, p->tree_size - 1, &p->leaf_index), GW_EINPUT,
                 GW_R_MERKLE_PROOF_MALFORMED, "expected \"leaf_index I\" (I below tree_size)");
        GW_CHECK(take_hash(&c, "leaf_hash", p->leaf_hash), GW_EINPUT, GW_R_MERKLE_PROOF_MALFORMED,
                 "expected \"leaf_hash\" and 64 lowercase hex digits");
    } else if (gw_rd_expect_lit(&c.rd, GW_MERKLE_CONSISTENCY_TAG "\n") == GW_OK) {
        p->kind = GW_MERKLE_CONSISTENCY;
        c.line = 2;
        GW_CHECK(take_u64(&c, "old_size", 1, GW_MERKLE_MAX_SIZE, &p->old_size), GW_EINPUT,
                 GW_R_MERKLE_PROOF_MALFORMED, "expected \"old_size M\" (M from 1 to %llu)",
                 (unsigned long long)GW_MERKLE_MAX_SIZE);
        GW_CHECK(take_u64(&c, "tree_size", p->old_size, GW_MERKLE_MAX_SIZE, &p->tree_size), GW_EINPUT,
                 GW_R_MERKLE_PROOF_MALFORMED, "expected \"tree_size N\" (N from old_size to %llu)",
                 (unsigned long long)GW_MERKLE_MAX_SIZE);
        GW_CHECK(take_hash(&c, "old_root", p->old_root), GW_EINPUT, GW_R_MERKLE_PROOF_MALFORMED,
                 "expected \"old_root\" and 64 lowercase hex digits");
    } else {
        GW_CHECK(false, GW_EINPUT, GW_R_MERKLE_PROOF_MALFORMED,
                 "not a proof: the first line must be " GW_MERKLE_INCLUSION_TAG " or " GW_MERKLE_CONSISTENCY_TAG);
    }
    GW_CHECK(take_hash(&c, "root", p->root), GW_EINPUT, GW_R_MERKLE_PROOF_MALFORMED,
             "expected \"root\" and 64 lowercase hex digits");
    while (!gw_rd_at_end(&c.rd)) {
        GW_CHECK(p->path_len < GW_MERKLE_MAX_PATH, GW_EINPUT, GW_R_MERKLE_PROOF_MALFORMED,
                 "more than %u path lines", GW_MERKLE_MAX_PATH);
        GW_CHECK(take_hash(&c, "path", p->path[p->path_len]), GW_EINPUT, GW_R_MERKLE_PROOF_MALFORMED,
                 "expected \"path\" and 64 lowercase hex digits, or the end");
        p->path_len++;
    }
    memcpy(out, p, sizeof(*p));
    rc = GW_OK;
out:
    if (rc == GW_EINPUT) {
        gw_err_where(err, "line %u", c.line);
    }
    free(p);
    return rc;
}

/* ---- in-memory node store ---- */

struct gw_merkle_mem {
    unsigned char (*level[LEVELS])[HLEN]; /* level[l][i] is node (l, i); owned */
    uint64_t count[LEVELS];               /* nodes stored per level */
    uint64_t cap[LEVELS];                 /* nodes allocated per level */
    uint64_t reads;                       /* get calls since creation */
};

static enum gw_rc
mem_get(void *ctx, unsigned level, uint64_t index, unsigned char out[GW_MERKLE_HASH_LEN], struct gw_err *err)
{
    enum gw_rc rc = GW_EINTERNAL;
    struct gw_merkle_mem *m = ctx;

    m->reads++;
    GW_CHECK(level < LEVELS && index < m->count[level], GW_EINTERNAL, GW_R_INTERNAL,
             "Merkle node (%u, %llu) is not stored", level, (unsigned long long)index);
    memcpy(out, m->level[level][index], HLEN);
    rc = GW_OK;
out:
    return rc;
}

static enum gw_rc
mem_put(void *ctx, unsigned level, uint64_t index, const unsigned char hash[GW_MERKLE_HASH_LEN],
        struct gw_err *err)
{
    enum gw_rc rc = GW_EINTERNAL;
    struct gw_merkle_mem *m = ctx;

    /* Nodes of a level are completed left to right, so the next one is always at the end. */
    GW_CHECK(level < LEVELS && index == m->count[level], GW_EINTERNAL, GW_R_INTERNAL,
             "Merkle node (%u, %llu) written out of order (level holds %llu)", level, (unsigned long long)index,
             level < LEVELS ? (unsigned long long)m->count[level] : 0ull);
    if (m->count[level] == m->cap[level]) {
        uint64_t cap = m->cap[level] == 0 ? 64 : 2 * m->cap[level];
        void *grown;
        GW_CHECK(cap <= SIZE_MAX / HLEN, GW_ENOMEM, GW_R_NOMEM, "Merkle level %u", level);
        grown = realloc(m->level[level], (size_t)cap * HLEN);
        GW_CHECK(grown != NULL, GW_ENOMEM, GW_R_NOMEM, "Merkle level %u", level);
        m->level[level] = grown;
        m->cap[level] = cap;
    }
    memcpy(m->level[level][index], hash, HLEN);
    m->count[level]++;
    rc = GW_OK;
out:
    return rc;
}

enum gw_rc
gw_merkle_mem_new(struct gw_merkle_mem **out, struct gw_err *err)
{
    enum gw_rc rc = GW_ENOMEM;
    struct gw_merkle_mem *m = calloc(1, sizeof(*m));

    GW_CHECK(m != NULL, GW_ENOMEM, GW_R_NOMEM, "Merkle node store");
    *out = m;
    rc = GW_OK;
out:
    return rc;
}

void
gw_merkle_mem_free(struct gw_merkle_mem *m)
{
    if (m == NULL) {
        return;
    }
    for (unsigned l = 0; l < LEVELS; l++) {
        free(m->level[l]);
    }
    free(m);
}

struct gw_merkle_nodes
gw_merkle_mem_nodes(struct gw_merkle_mem *m)
{
    struct gw_merkle_nodes n = {mem_get, mem_put, m};

    return n;
}

uint64_t
gw_merkle_mem_size(const struct gw_merkle_mem *m)
{
    return m->count[0];
}

uint64_t
gw_merkle_mem_reads(const struct gw_merkle_mem *m)
{
    return m->reads;
}

enum gw_rc
gw_merkle_mem_append_data(struct gw_merkle_mem *m, const void *data, size_t len, struct gw_err *err)
{
    enum gw_rc rc = GW_EINTERNAL;
    struct gw_merkle_nodes nodes = gw_merkle_mem_nodes(m);
    uint64_t saved[LEVELS];
    unsigned char leaf[HLEN];

    memcpy(saved, m->count, sizeof(saved));
    GW_TRY(gw_merkle_leaf_hash(data, len, leaf, err));
    GW_TRY(gw_merkle_append(&nodes, m->count[0], leaf, err));
    rc = GW_OK;
out:
    if (rc != GW_OK) {
        memcpy(m->count, saved, sizeof(saved)); /* forget the nodes of the half-done append */
    }
    return rc;
}

/* SPDX-License-Identifier: MIT */
/*
 * The Merkle tree of the transparency log (DESIGN §6), hashed as in RFC 9162 §2.1: leaf and node hashes,
 * the root of any tree size, inclusion and consistency proofs computed from stored subtree hashes, their
 * verification as RFC 9162 §2.1.3.2 and §2.1.4.2 state it, and the text form of a proof an auditor keeps
 * (docs/audit.md, "Merkle tree and proofs", restates every byte). An infrastructure leaf: it knows nothing
 * of audit entries, the store or checkpoints; the caller decides what a leaf is and where nodes live.
 *
 * Storage model. Node (level, index) is the root of the perfect subtree over leaves
 * [index * 2^level, (index + 1) * 2^level): level 0 holds the leaf hashes, node (l, i) is
 * HASH(0x01 || node(l-1, 2i) || node(l-1, 2i+1)). Only nodes of complete subtrees are stored, and they never
 * change once written: appending leaf n (0-based) stores (0, n) and, for every l >= 1 with 2^l dividing
 * n + 1, node (l, (n + 1) / 2^l - 1). That is one to 1 + log2(n + 1) nodes, fewer than two on average (a tree
 * of n leaves holds fewer than 2n nodes). The root of any size, an inclusion proof and a consistency proof
 * each read O(log n) stored nodes: a size n is the sum of at most 64 perfect subtrees (the bits of n), and
 * every other hash a proof needs is one stored node.
 *
 * A SQL table implements struct gw_merkle_nodes as
 *
 *     CREATE TABLE merkle(level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL,
 *                         PRIMARY KEY(level, idx)) STRICT, WITHOUT ROWID;
 *     get:  SELECT hash FROM merkle WHERE level = ?1 AND idx = ?2   -- no row, or length(hash) != 32: fail
 *     put:  INSERT INTO merkle(level, idx, hash) VALUES (?1, ?2, ?3) -- a conflict is an error, never REPLACE
 *
 * written in the transaction of the leaf's audit entry (a rolled-back entry takes its nodes with it). The
 * tree size is the number of entries, kept beside the audit head; a reader proves from one read snapshot.
 */
#ifndef GW_MERKLE_H
#define GW_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#include "gw/buf.h"
#include "gw/err.h"
#include "gw/limits.h"

#define GW_MERKLE_HASH_LEN 32u /* SHA-256 */

/* GW_MERKLE_MAX_SIZE (tree sizes and leaf indices), GW_MERKLE_MAX_PATH (hashes in a proof) and
 * GW_MERKLE_MAX_PROOF_TEXT (bytes of a proof file) are in limits.h. */

/* First lines of the two proof texts; a different format gets a new tag. */
#define GW_MERKLE_INCLUSION_TAG "gw-merkle-inclusion-v1"
#define GW_MERKLE_CONSISTENCY_TAG "gw-merkle-consistency-v1"

/*
 * Read the stored node (level, index) into out. ctx is gw_merkle_nodes.ctx. The tree code asks only for
 * nodes of complete subtrees of the size it was given; a node that is not stored (or stored with a length
 * other than GW_MERKLE_HASH_LEN) is an error of the store (reason of the implementation's choosing, e.g.
 * AUDIT_BROKEN or IO), never a zero hash. On failure out is untouched.
 */
typedef enum gw_rc (*gw_merkle_get_fn)(void *ctx, unsigned level, uint64_t index,
                                       unsigned char out[GW_MERKLE_HASH_LEN], struct gw_err *err);

/* Store node (level, index) = hash (borrowed). Writing a node that is already stored is an error. */
typedef enum gw_rc (*gw_merkle_put_fn)(void *ctx, unsigned level, uint64_t index,
                                       const unsigned char hash[GW_MERKLE_HASH_LEN], struct gw_err *err);

/* Where the nodes of one tree live. put may be NULL for a read-only view (proofs, roots). */
struct gw_merkle_nodes {
    gw_merkle_get_fn get;
    gw_merkle_put_fn put;
    void *ctx; /* passed to get and put; borrowed */
};

enum gw_merkle_proof_kind {
    GW_MERKLE_INCLUSION,   /* leaf leaf_index is in the tree of size tree_size with root root */
    GW_MERKLE_CONSISTENCY, /* the tree of old_size (root old_root) is a prefix of tree_size (root root) */
};

/* One proof, self-contained: what it claims and the hashes that show it. Fixed size, nothing to free. */
struct gw_merkle_proof {
    enum gw_merkle_proof_kind kind;
    uint64_t tree_size;                          /* leaves of the (newer) tree, 1..GW_MERKLE_MAX_SIZE */
    uint64_t leaf_index;                         /* inclusion: 0-based leaf; consistency: 0 */
    uint64_t old_size;                           /* consistency: 1..tree_size; inclusion: 0 */
    unsigned char leaf_hash[GW_MERKLE_HASH_LEN]; /* inclusion: the leaf's hash; consistency: zeros */
    unsigned char old_root[GW_MERKLE_HASH_LEN];  /* consistency: root of old_size; inclusion: zeros */
    unsigned char root[GW_MERKLE_HASH_LEN];      /* root of tree_size */
    size_t path_len;                             /* hashes used in path, 0..GW_MERKLE_MAX_PATH */
    unsigned char path[GW_MERKLE_MAX_PATH][GW_MERKLE_HASH_LEN]; /* RFC 9162 order: from the leaf upwards */
};

/*
 * Leaf hash SHA-256(0x00 || data) of the len bytes of data (borrowed; NULL with len 0 is the empty leaf),
 * RFC 9162 §2.1.1. OUT: out. Reasons: NOMEM (OpenSSL could not allocate). On failure out is untouched.
 */
GW_MUST_CHECK enum gw_rc gw_merkle_leaf_hash(const void *data, size_t len, unsigned char out[GW_MERKLE_HASH_LEN],
                                             struct gw_err *err);

/* Node hash SHA-256(0x01 || left || right), RFC 9162 §2.1.1. out may alias left or right. Reasons: NOMEM. */
GW_MUST_CHECK enum gw_rc gw_merkle_node_hash(const unsigned char left[GW_MERKLE_HASH_LEN],
                                             const unsigned char right[GW_MERKLE_HASH_LEN],
                                             unsigned char out[GW_MERKLE_HASH_LEN], struct gw_err *err);

/*
 * Append the leaf with hash leaf_hash (borrowed) to the tree of size leaves held by nodes (borrowed; put
 * must be set): stores node (0, size) and every node the new leaf completes, reading one stored node per
 * completed level. size is the caller's record of the tree size (the store keeps it with the log); the tree
 * then has size + 1 leaves. Reasons: LIMIT_SIZE (size is GW_MERKLE_MAX_SIZE), NOMEM, and whatever get and
 * put return. On failure nodes may hold some of the new nodes: the caller rolls back the transaction they
 * were written in (with the in-memory store, discard it).
 */
GW_MUST_CHECK enum gw_rc gw_merkle_append(const struct gw_merkle_nodes *nodes, uint64_t size,
                                          const unsigned char leaf_hash[GW_MERKLE_HASH_LEN], struct gw_err *err);

/*
 * Root hash of the first size leaves (MTH of RFC 9162 §2.1.1; size 0 is SHA-256 of the empty string), from
 * at most 64 stored nodes, no matter how many leaves the store holds beyond size. OUT: out.
 * Reasons: LIMIT_SIZE (size > GW_MERKLE_MAX_SIZE), NOMEM, get's. On failure out is untouched.
 */
GW_MUST_CHECK enum gw_rc gw_merkle_root(const struct gw_merkle_nodes *nodes, uint64_t size,
                                        unsigned char out[GW_MERKLE_HASH_LEN], struct gw_err *err);

/*
 * Inclusion proof of leaf index in the tree of size leaves: PATH(index, D[size]) of RFC 9162 §2.1.3.1, plus
 * the leaf hash and the root, from O(log size) stored nodes. OUT: *out (kind GW_MERKLE_INCLUSION).
 * Reasons: MERKLE_PROOF_INVALID (rc GW_EINPUT: index >= size, or size 0), LIMIT_SIZE, NOMEM, get's.
 * On failure *out is untouched.
 */
GW_MUST_CHECK enum gw_rc gw_merkle_prove_inclusion(const struct gw_merkle_nodes *nodes, uint64_t size,
                                                   uint64_t index, struct gw_merkle_proof *out,
                                                   struct gw_err *err);

/*
 * Consistency proof between the trees of old_size and size leaves: PROOF(old_size, D[size]) of RFC 9162
 * §2.1.4.1 (empty when old_size == size), plus both roots, from O(log size) stored nodes. OUT: *out (kind
 * GW_MERKLE_CONSISTENCY). Reasons: MERKLE_PROOF_INVALID (rc GW_EINPUT: old_size 0 or old_size > size),
 * LIMIT_SIZE, NOMEM, get's. On failure *out is untouched.
 */
GW_MUST_CHECK enum gw_rc gw_merkle_prove_consistency(const struct gw_merkle_nodes *nodes, uint64_t old_size,
                                                     uint64_t size, struct gw_merkle_proof *out,
                                                     struct gw_err *err);

/*
 * RFC 9162 §2.1.3.2: does path (path_len hashes, borrowed, never read past path_len) prove that leaf_hash is
 * leaf index of the tree of size leaves whose root is root? Fails unless index < size <= GW_MERKLE_MAX_SIZE,
 * path_len is exactly the length PATH has for (index, size), and the recomputed root equals root.
 * Reasons: MERKLE_PROOF_INVALID (rc GW_EPOLICY), NOMEM.
 */
GW_MUST_CHECK enum gw_rc gw_merkle_verify_inclusion(uint64_t index, uint64_t size,
                                                    const unsigned char leaf_hash[GW_MERKLE_HASH_LEN],
                                                    const unsigned char (*path)[GW_MERKLE_HASH_LEN],
                                                    size_t path_len, const unsigned char root[GW_MERKLE_HASH_LEN],
                                                    struct gw_err *err);

/*
 * RFC 9162 §2.1.4.2: does path prove that the tree of old_size leaves with root old_root is a prefix of the
 * tree of size leaves with root root? 0 < old_size <= size <= GW_MERKLE_MAX_SIZE; for old_size == size the
 * path must be empty and the roots equal (the RFC's algorithm starts by refusing an empty path, which only
 * that case has). Reasons: MERKLE_PROOF_INVALID (rc GW_EPOLICY), NOMEM.
 */
GW_MUST_CHECK enum gw_rc gw_merkle_verify_consistency(uint64_t old_size, uint64_t size,
                                                      const unsigned char old_root[GW_MERKLE_HASH_LEN],
                                                      const unsigned char root[GW_MERKLE_HASH_LEN],
                                                      const unsigned char (*path)[GW_MERKLE_HASH_LEN],
                                                      size_t path_len, struct gw_err *err);

/* Verify p (borrowed) by its kind with one of the two functions above. Same reasons. */
GW_MUST_CHECK enum gw_rc gw_merkle_proof_verify(const struct gw_merkle_proof *p, struct gw_err *err);

/*
 * Append the text form of p (borrowed; docs/audit.md "Proof files") to out. Only fields of p's kind are
 * written. Reasons: MERKLE_PROOF_MALFORMED (rc GW_EINPUT: a size, index or path length out of range, so
 * that the text would not parse back), LIMIT_SIZE (out's cap), NOMEM. On failure out is unchanged.
 */
GW_MUST_CHECK enum gw_rc gw_merkle_proof_format(const struct gw_merkle_proof *p, struct gw_buf *out,
                                                struct gw_err *err);

/*
 * Parse a proof text of len bytes (borrowed; hostile, need not be NUL-terminated) into *out. Strict: the
 * exact lines of docs/audit.md in their order, each ended by one LF, decimal numbers without leading zeros or
 * signs, 64 lowercase hex digits per hash, at most GW_MERKLE_MAX_PATH path lines, nothing else (no CR, NUL,
 * blank line, comment or trailing byte). It checks the form only: gw_merkle_proof_verify() checks the
 * hashes. Reasons: MERKLE_PROOF_MALFORMED (rc GW_EINPUT; err->where is "line N"), LIMIT_SIZE (len over
 * GW_MERKLE_MAX_PROOF_TEXT). On failure *out is untouched.
 */
GW_MUST_CHECK enum gw_rc gw_merkle_proof_parse(const unsigned char *data, size_t len, struct gw_merkle_proof *out,
                                               struct gw_err *err);

/*
 * In-memory node store, for tests and offline tools: struct gw_merkle_nodes over arrays in memory, which
 * grow as leaves are appended (about 64 bytes per leaf). gw_merkle_mem_size() is its number of leaves (it
 * accepts appends only at that size) and gw_merkle_mem_reads() counts get calls since creation, to measure
 * the cost of an operation.
 */
struct gw_merkle_mem;

/* OUT: *out, freed with gw_merkle_mem_free(). Reasons: NOMEM. On failure *out is untouched. */
GW_MUST_CHECK enum gw_rc gw_merkle_mem_new(struct gw_merkle_mem **out, struct gw_err *err);
void gw_merkle_mem_free(struct gw_merkle_mem *m);
/* The interface over m (borrowed: valid while m lives). */
struct gw_merkle_nodes gw_merkle_mem_nodes(struct gw_merkle_mem *m);
uint64_t gw_merkle_mem_size(const struct gw_merkle_mem *m);
uint64_t gw_merkle_mem_reads(const struct gw_merkle_mem *m);

/*
 * Hash the len bytes of data as a leaf and append it to m (gw_merkle_leaf_hash + gw_merkle_append at
 * gw_merkle_mem_size(m)). Reasons: NOMEM, LIMIT_SIZE. On failure m is unchanged.
 */
GW_MUST_CHECK enum gw_rc gw_merkle_mem_append_data(struct gw_merkle_mem *m, const void *data, size_t len,
                                                   struct gw_err *err);

#endif

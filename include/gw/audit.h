/* SPDX-License-Identifier: MIT */
/*
 * The hash chain of the audit log (DESIGN §6), independent of where entries are stored: the exact bytes an
 * entry's hash covers, the timestamp format, and the check of one entry against its predecessor. The
 * store (store_sqlite.c) keeps the entries; docs/audit.md restates the encoding for independent verifiers.
 */
#ifndef GW_AUDIT_H
#define GW_AUDIT_H

#include <stdint.h>

#include "gw/err.h"
#include "gw/ids.h"
#include "gw/limits.h"
#include "gw/merkle.h"
#include "gw/time.h"

#define GW_AUDIT_HASH_LEN GW_SHA256_HEX_LEN

/* prev_hash of entry 1. */
#define GW_AUDIT_GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

/* "2025-03-01T10:20:30.123Z": UTC, millisecond precision, always this length. */
#define GW_AUDIT_TIME_LEN GW_TIME_ISO_LEN

/* Each text field of an entry is at most GW_AUDIT_MAX_FIELD bytes (gw/limits.h). */

/* Domain tags, the first field of every hashed encoding; a new encoding gets a new tag. Version 1 entries
 * carry no digest; version 2 entries add the SHA-256 of the bytes they concern and the row that holds them.
 * A store switches from 1 to 2 at a recorded seq (store_sqlite.c, docs/audit.md). */
#define GW_AUDIT_TAG "gw-audit-v1"
#define GW_AUDIT_TAG_V2 "gw-audit-v2"

/* One stored entry. All strings borrowed, NUL-terminated, never NULL. */
struct gw_audit_entry {
    int64_t seq;      /* 1, 2, 3, ... without gaps */
    const char *time; /* GW_AUDIT_TIME_LEN characters */
    const char *event;
    const char *message_id;
    const char *peer;
    const char *outcome;
    const char *reason;
    const char *sha256;    /* version 2: of the bytes the entry concerns (64 lowercase hex), "" for none */
    const char *row_ref;   /* version 2: the row holding them, "inbox:SEQ", "outbox:ID", "rejected:SEQ", "" */
    int version;           /* 1 or 2: the encoding its hash uses (sha256 and row_ref are "" in version 1) */
    const char *prev_hash; /* hash of entry seq-1, GW_AUDIT_GENESIS for entry 1 */
    const char *hash;      /* gw_audit_hash() of this entry; ignored by gw_audit_hash() */
};

/*
 * Hash of entry e into out (lowercase hex, NUL-terminated). The hash is SHA-256 over the concatenation of
 * netstrings ("<decimal byte length>:<bytes>,") of, in this order: the tag of e->version (GW_AUDIT_TAG or
 * GW_AUDIT_TAG_V2), prev_hash, seq (decimal, no leading zeros), time, event, message_id, peer, outcome,
 * reason and, in version 2 only, sha256 and row_ref. e->hash is not read.
 * Reasons: NOMEM (OpenSSL could not allocate a digest context); INTERNAL (version not 1 or 2). On failure out
 * is untouched.
 */
GW_MUST_CHECK enum gw_rc gw_audit_hash(const struct gw_audit_entry *e, char out[GW_AUDIT_HASH_LEN + 1],
                                       struct gw_err *err);

/*
 * Leaf hash of entry e in the log's Merkle tree (docs/audit.md 5.1): SHA-256(0x00 || d) where d is exactly
 * the byte string gw_audit_hash() hashes for e (the netstrings of its version's encoding). Leaf index is
 * e->seq - 1. e->hash is not read. OUT: out. Reasons: NOMEM, INTERNAL (version). On failure out is untouched.
 */
GW_MUST_CHECK enum gw_rc gw_audit_leaf_hash(const struct gw_audit_entry *e, unsigned char out[GW_MERKLE_HASH_LEN],
                                            struct gw_err *err);

/*
 * Check that e is the entry that must follow an entry with sequence number expected_seq - 1 and hash
 * prev_hash (GW_AUDIT_GENESIS and 1 for the first entry): its seq is expected_seq, its prev_hash links to
 * prev_hash, its hash is the hash of its contents, and its sha256 and row_ref are "" in version 1 and in
 * version 2 sha256 is "" or 64 lowercase hex digits. On failure err->where is "audit entry N" (N the first
 * bad entry: expected_seq when entries are missing) and err->msg says whether the entry was removed, was
 * changed, or does not link to its predecessor. Reasons: AUDIT_BROKEN (rc GW_EPOLICY), NOMEM.
 */
GW_MUST_CHECK enum gw_rc gw_audit_check_entry(const struct gw_audit_entry *e, int64_t expected_seq,
                                              const char *prev_hash, struct gw_err *err);

/* The current time in the entries' format into out. */
void gw_audit_time_now(char out[GW_AUDIT_TIME_LEN + 1]);

/* Copy s (NULL is "") into out, cut at GW_AUDIT_MAX_FIELD bytes without splitting a UTF-8 character. */
void gw_audit_field(const char *s, char out[GW_AUDIT_MAX_FIELD + 1]);

#endif

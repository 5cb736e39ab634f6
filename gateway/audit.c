// SPDX-License-Identifier: MIT
/*
 * The audit log's hash chain (DESIGN §6): each entry's hash covers its predecessor's hash, its own sequence
 * number and every field (in version 2 also the SHA-256 of the bytes the entry concerns and their row), so
 * changing, removing or reordering entries breaks the chain at the first entry touched. This file computes and
 * checks hashes only; it neither stores entries nor decides which events are logged (store_sqlite.c appends, in
 * the transaction of the change an entry describes). The encoding is restated in docs/audit.md; keep the two in
 * step. The same bytes, with the prefix 0x00, are the entry's leaf in the Merkle tree (gw_audit_leaf_hash).
 */
#include "gw/audit.h"

#include <inttypes.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Feed one netstring, "<decimal length>:<bytes>,", to the digest. */
static bool
hash_field(EVP_MD_CTX *ctx, const char *s)
{
    char len[24];
    size_t n = strlen(s);
    int k = snprintf(len, sizeof(len), "%zu:", n);

    return k > 0 && (size_t)k < sizeof(len) && EVP_DigestUpdate(ctx, len, (size_t)k) == 1 &&
           EVP_DigestUpdate(ctx, s, n) == 1 && EVP_DigestUpdate(ctx, ",", 1) == 1;
}

/* Feed the encoding of e (docs/audit.md 2.1, 2.2) to the digest: the bytes of its chain hash and its leaf. */
static bool
feed_entry(EVP_MD_CTX *ctx, const struct gw_audit_entry *e)
{
    char seq[24];

    snprintf(seq, sizeof(seq), "%" PRId64, e->seq);
    /* The order of fields is part of the format (docs/audit.md): never change it under the same tag. */
    return hash_field(ctx, e->version == 1 ? GW_AUDIT_TAG : GW_AUDIT_TAG_V2) && hash_field(ctx, e->prev_hash) &&
           hash_field(ctx, seq) && hash_field(ctx, e->time) && hash_field(ctx, e->event) &&
           hash_field(ctx, e->message_id) && hash_field(ctx, e->peer) && hash_field(ctx, e->outcome) &&
           hash_field(ctx, e->reason) &&
           (e->version == 1 || (hash_field(ctx, e->sha256) && hash_field(ctx, e->row_ref)));
}

/* SHA-256 of prefix (NULL: none, else one byte) followed by the encoding of e, into md. */
static enum gw_rc
digest_entry(const struct gw_audit_entry *e, const unsigned char *prefix, unsigned char md[32], struct gw_err *err)
{
    enum gw_rc rc = GW_EINTERNAL;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int md_len = 0;

    GW_CHECK(e->version == 1 || e->version == 2, GW_EINTERNAL, GW_R_INTERNAL, "audit entry version %d",
             e->version);
    GW_CHECK(ctx != NULL, GW_ENOMEM, GW_R_NOMEM, "digest context");
    GW_CHECK(EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
                 (prefix == NULL || EVP_DigestUpdate(ctx, prefix, 1) == 1) && feed_entry(ctx, e) &&
                 EVP_DigestFinal_ex(ctx, md, &md_len) == 1 && md_len == 32,
             GW_ENOMEM, GW_R_NOMEM, "SHA-256 of audit entry %" PRId64, e->seq);
    rc = GW_OK;
out:
    EVP_MD_CTX_free(ctx);
    return rc;
}

enum gw_rc
gw_audit_hash(const struct gw_audit_entry *e, char out[GW_AUDIT_HASH_LEN + 1], struct gw_err *err)
{
    enum gw_rc rc;
    unsigned char md[32];

    GW_TRY(digest_entry(e, NULL, md, err));
    gw_ids_encode_hex(md, sizeof(md), out);
    rc = GW_OK;
out:
    return rc;
}

enum gw_rc
gw_audit_leaf_hash(const struct gw_audit_entry *e, unsigned char out[GW_MERKLE_HASH_LEN], struct gw_err *err)
{
    enum gw_rc rc;
    static const unsigned char leaf_prefix = 0x00; /* RFC 9162 §2.1.1 */
    unsigned char md[32];

    GW_TRY(digest_entry(e, &leaf_prefix, md, err));
    memcpy(out, md, GW_MERKLE_HASH_LEN);
    rc = GW_OK;
out:
    return rc;
}

enum gw_rc
gw_audit_check_entry(const struct gw_audit_entry *e, int64_t expected_seq, const char *prev_hash,
                     struct gw_err *err)
{
    enum gw_rc rc = GW_EPOLICY;
    char want[GW_AUDIT_HASH_LEN + 1];

    /* Entries are numbered 1, 2, 3, ...: a jump means entries were removed (DESIGN §6 "removing"). */
    GW_CHECK(e->seq == expected_seq, GW_EPOLICY, GW_R_AUDIT_BROKEN,
             "entry missing: the log goes from entry %" PRId64 " to entry %" PRId64 " (entries were removed)",
             expected_seq - 1, e->seq);
    GW_CHECK(gw_ids_is_sha256_hex(e->hash) && gw_ids_is_sha256_hex(e->prev_hash), GW_EPOLICY, GW_R_AUDIT_BROKEN,
             "malformed hash or prev_hash (the entry was changed)");
    /* Version 1 hashes neither field, so they must be empty there; a digest is 64 lowercase hex or none. */
    GW_CHECK(e->version == 2 || (e->sha256[0] == '\0' && e->row_ref[0] == '\0'), GW_EPOLICY, GW_R_AUDIT_BROKEN,
             "a version 1 entry with a digest or row (the entry was changed)");
    GW_CHECK(e->sha256[0] == '\0' || gw_ids_is_sha256_hex(e->sha256), GW_EPOLICY, GW_R_AUDIT_BROKEN,
             "malformed sha256 (the entry was changed)");
    GW_TRY(gw_audit_hash(e, want, err));
    /* The hash covers seq and prev_hash, so an entry moved to another position fails here too. */
    GW_CHECK(strcmp(want, e->hash) == 0, GW_EPOLICY, GW_R_AUDIT_BROKEN,
             "hash mismatch: the entry was changed (or moved here from another position)");
    GW_CHECK(strcmp(e->prev_hash, prev_hash) == 0, GW_EPOLICY, GW_R_AUDIT_BROKEN,
             "broken link: prev_hash is not the hash of entry %" PRId64
             " (that entry was rewritten with a new hash, or entries were reordered)",
             expected_seq - 1);
    rc = GW_OK;
out:
    if (rc != GW_OK) {
        gw_err_where(err, "audit entry %" PRId64, expected_seq);
    }
    return rc;
}

void
gw_audit_time_now(char out[GW_AUDIT_TIME_LEN + 1])
{
    /* Wall-clock time, as an auditor reads it; the chain, not the clock, orders entries. */
    gw_time_format_iso(gw_time_now_ms(), out);
}

void
gw_audit_field(const char *s, char out[GW_AUDIT_MAX_FIELD + 1])
{
    size_t n = s != NULL ? strlen(s) : 0;

    if (n > GW_AUDIT_MAX_FIELD) {
        n = GW_AUDIT_MAX_FIELD;
        /* Back off over continuation bytes (10xxxxxx) so the cut falls before a character's first byte. */
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80) {
            n--;
        }
    }
    if (n > 0) {
        memcpy(out, s, n);
    }
    out[n] = '\0';
}

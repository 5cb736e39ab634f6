// SPDX-License-Identifier: MIT
/*
 * make bench-audit: the cost of the digest in every audit entry (docs/audit.md 2.3) on this machine. Times the
 * hash of one entry in the version 1 encoding and in version 2 (with the SHA-256 and row_ref fields), the
 * SHA-256 the store adds for a write whose digest the caller does not already hold (a 4 KiB rejected body,
 * receipt or notification), then writes N rejected messages of 4 KiB and N events without bytes (default
 * 500 each; the argument changes it) into a fresh store and reports the bytes the new columns and their
 * index take per entry, and the time `gateway audit verify` spends per entry, stored bodies included. For the
 * Merkle tree (docs/audit.md 5.2): the leaf hash of one entry, the stored nodes and their bytes per entry,
 * and the time to read the tree head (size and root) that a checkpoint signs.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "util.h"
#include "gw/audit.h"
#include "gw/ids.h"
#include "gw/merkle.h"
#include "gw/store.h"

#define HASHES 200000u
#define BODY 4096u

static const char *const program = "bench-audit";

/* Microseconds per gw_audit_hash of e. */
static double
hash_us(const struct gw_audit_entry *e)
{
    struct gw_err err;
    char out[GW_AUDIT_HASH_LEN + 1];
    double t0 = bench_now_us();

    for (unsigned i = 0; i < HASHES; i++) {
        if (gw_audit_hash(e, out, &err) != GW_OK) {
            bench_die(program, "hash", &err);
        }
    }
    return (bench_now_us() - t0) / HASHES;
}

/* Microseconds per gw_audit_leaf_hash of e. */
static double
leaf_us(const struct gw_audit_entry *e)
{
    struct gw_err err;
    unsigned char out[GW_MERKLE_HASH_LEN];
    double t0 = bench_now_us();

    for (unsigned i = 0; i < HASHES; i++) {
        if (gw_audit_leaf_hash(e, out, &err) != GW_OK) {
            bench_die(program, "leaf hash", &err);
        }
    }
    return (bench_now_us() - t0) / HASHES;
}

/* The first column of the first row of sql as a number; -1 if the query fails (dbstat not compiled in). */
static double
query(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    double v = -1;

    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW) {
        v = sqlite3_column_double(q, 0);
    }
    sqlite3_finalize(q);
    sqlite3_close(db);
    return v;
}

int
main(int argc, char **argv)
{
    struct gw_err err;
    struct gw_store *s = NULL;
    unsigned n = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 500u;
    char dir[] = "/tmp/gw-bench-audit.XXXXXX";
    char path[64];
    char digest[GW_SHA256_HEX_LEN + 1];
    static unsigned char body[BODY];
    uint64_t entries = 0;
    double t0;
    double sha_us;
    struct gw_audit_entry e = {.seq = 123456,
                               .time = "2025-03-01T10:20:30.123Z",
                               .event = "rejected",
                               .message_id = "00000000-0000-4000-8000-000000000001",
                               .peer = "90000017453",
                               .outcome = "rejected",
                               .reason = "SIG_INVALID",
                               .sha256 = "",
                               .row_ref = "",
                               .version = 1,
                               .prev_hash = GW_AUDIT_GENESIS};

    if (n == 0 || n > 100000) {
        fprintf(stderr, "usage: bench-audit [ENTRIES 1..100000]\n");
        return 2;
    }
    memset(body, 'x', sizeof(body));
    printf("hash of one entry, version 1: %6.2f us\n", hash_us(&e));
    e.version = 2;
    e.sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    e.row_ref = "rejected:123456";
    printf("hash of one entry, version 2: %6.2f us (with sha256 and row_ref)\n", hash_us(&e));
    printf("Merkle leaf hash of one entry, version 2: %6.2f us\n", leaf_us(&e));
    t0 = bench_now_us();
    for (unsigned i = 0; i < HASHES / 10; i++) {
        body[0] = (unsigned char)i;
        gw_ids_hash_sha256(body, sizeof(body), digest);
    }
    sha_us = (bench_now_us() - t0) / (HASHES / 10);
    printf("SHA-256 of a %u-byte body: %6.2f us (added to a write whose digest the caller has not computed)\n",
           BODY, sha_us);

    if (mkdtemp(dir) == NULL) {
        bench_die(program, "mkdtemp", NULL);
    }
    snprintf(path, sizeof(path), "%s/store.db", dir);
    if (gw_store_open_sqlite(path, &s, &err) != GW_OK) {
        bench_die(program, "open store", &err);
    }
    for (unsigned i = 0; i < n; i++) {
        struct gw_audit_event rej = {"rejected", NULL, "90000017453", "rejected", "SIG_INVALID", NULL};
        struct gw_audit_event att = {"delivery_attempt", NULL, "90000017453", "retry", "connect: refused", NULL};
        char id[GW_UUID_LEN + 1];

        snprintf(id, sizeof(id), "00000000-0000-4000-8000-%012u", i);
        rej.message_id = id;
        att.message_id = id;
        body[0] = (unsigned char)i;
        body[1] = (unsigned char)(i >> 8);
        if (gw_store_put_rejected(s, id, "90000017453", body, sizeof(body), "SIG_INVALID", NULL, 0, &rej, &err) !=
                GW_OK ||
            gw_store_audit(s, &att, &err) != GW_OK) {
            bench_die(program, "write", &err);
        }
    }
    {
        uint64_t size = 0;
        unsigned char root[GW_MERKLE_HASH_LEN];
        unsigned reads = 1000;

        t0 = bench_now_us();
        for (unsigned i = 0; i < reads; i++) {
            if (gw_store_tree_head(s, &size, root, &err) != GW_OK) {
                bench_die(program, "tree head", &err);
            }
        }
        printf("tree head (size %llu and root from the stored nodes, one snapshot): %.1f us\n",
               (unsigned long long)size, (bench_now_us() - t0) / reads);
    }
    gw_store_close(s);
    printf(
        "Merkle tree: %.3f stored nodes per entry, %.1f bytes per entry in the table (-1: no dbstat)\n",
        query(path, "SELECT (SELECT count(*) FROM merkle) * 1.0 / (SELECT count(*) FROM audit)"),
        query(path, "SELECT sum(pgsize) * 1.0 / (SELECT count(*) FROM audit) FROM dbstat WHERE name = 'merkle'"));
    printf("%u entries with a row and digest, %u without: new columns %.1f bytes per entry on average "
           "(%.1f with a row), row_ref index %.1f bytes per entry with a row (-1: no dbstat)\n",
           n, n, query(path, "SELECT avg(length(sha256) + length(row_ref)) FROM audit"),
           query(path, "SELECT avg(length(sha256) + length(row_ref)) FROM audit WHERE row_ref != ''"),
           query(path, "SELECT sum(pgsize) * 1.0 / (SELECT count(*) FROM audit WHERE row_ref != '') FROM dbstat "
                       "WHERE name = 'audit_row_ref'"));
    t0 = bench_now_us();
    if (gw_audit_verify_sqlite(path, &entries, &err) != GW_OK) {
        bench_die(program, "verify", &err);
    }
    printf("audit verify: %.1f us per entry (%llu entries, every stored body hashed once)\n",
           (bench_now_us() - t0) / (double)entries, (unsigned long long)entries);
    unlink(path);
    {
        char side[80];
        snprintf(side, sizeof(side), "%s-wal", path);
        unlink(side);
        snprintf(side, sizeof(side), "%s-shm", path);
        unlink(side);
    }
    rmdir(dir);
    return 0;
}

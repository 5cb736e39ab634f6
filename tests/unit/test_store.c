// SPDX-License-Identifier: MIT
/*
 * Unit tests of store.c, store_sqlite.c, audit.c and cmd_audit.c: the argument checks of the gw_store_*
 * calls, against a fake back end they must not reach; open, migrate, reopen and refuse a newer schema; every
 * op of struct gw_store_ops with its NOT_FOUND/DUPLICATE paths and untouched outputs on failure; the audit
 * chain's exact encoding; `gateway audit verify` naming the right entry after the database is changed behind
 * the gateway's back (a field updated, a row deleted, two rows swapped, a row rewritten with a fresh hash,
 * the last row cut); group commit under 8 concurrent writers; nothing acknowledged lost when the writing
 * process is killed. Each store lives in a fresh directory under /tmp that the test removes.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gw/audit.h"
#include "gw/cli.h"
#include "gw/store.h"
#include "t.h"

#include "../../gateway/store_int.h" /* the checks of store.c are tested against a fake back end */

#define PEER "90000017453"

struct tstore {
    char dir[32];
    char path[64];
    bool made_dir;
};

static bool
tstore_make(struct tstore *d)
{
    memset(d, 0, sizeof(*d));
    snprintf(d->dir, sizeof(d->dir), "%s", "/tmp/gw-unit.XXXXXX");
    if (mkdtemp(d->dir) == NULL) {
        return false;
    }
    d->made_dir = true;
    snprintf(d->path, sizeof(d->path), "%s/store.db", d->dir);
    return true;
}

static void
tstore_remove(struct tstore *d)
{
    static const char *const suffix[] = {"", "-wal", "-shm", "-journal", ".out"};
    char p[96];

    if (!d->made_dir) {
        return;
    }
    for (size_t i = 0; i < T_COUNT(suffix); i++) {
        snprintf(p, sizeof(p), "%s%s", d->path, suffix[i]);
        unlink(p);
    }
    rmdir(d->dir);
    d->made_dir = false;
}

/* Run SQL on the database directly, as someone with access to the file would. */
static bool
sql_exec(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    bool ok = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
              sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK;

    sqlite3_close(db);
    return ok;
}

/* The first column of the first row of a query, as an integer; -1 on any error. */
static int64_t
sql_int(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    int64_t v = -1;

    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW) {
        v = sqlite3_column_int64(q, 0);
    }
    sqlite3_finalize(q);
    sqlite3_close(db);
    return v;
}

/* The first column of the first row as text into out; false on any error. */
static bool
sql_text(const char *path, const char *sql, char *out, size_t cap)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    bool ok = false;

    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW &&
        sqlite3_column_text(q, 0) != NULL) {
        snprintf(out, cap, "%s", (const char *)sqlite3_column_text(q, 0));
        ok = true;
    }
    sqlite3_finalize(q);
    sqlite3_close(db);
    return ok;
}

static void
make_id(char out[GW_UUID_LEN + 1], unsigned n)
{
    snprintf(out, GW_UUID_LEN + 1, "00000000-0000-4000-8000-%012u", n % 1000000000u);
}

/* An outbox row numbered n: body is borrowed (the caller's buffer). */
static void
make_out(struct gw_outbox_msg *m, unsigned n, unsigned char *body, size_t len)
{
    memset(m, 0, sizeof(*m));
    make_id(m->id, n);
    snprintf(m->recipient, sizeof(m->recipient), "%s", PEER);
    snprintf(m->type, sizeof(m->type), "%s", "Decision");
    m->body = body;
    m->body_len = len;
    m->state = GW_OUT_QUEUED;
    m->created_ms = 1000 + n;
    m->next_attempt_ms = 1000 + n;
}

static void
make_in(struct gw_inbox_msg *m, unsigned n, unsigned char *body, size_t len)
{
    memset(m, 0, sizeof(*m));
    make_id(m->id, n);
    snprintf(m->sender, sizeof(m->sender), "%s", PEER);
    snprintf(m->type, sizeof(m->type), "%s", "Letter");
    m->body = body;
    m->body_len = len;
    m->received_ms = 5000 + n;
}

static int64_t
audit_count(const char *path)
{
    return sql_int(path, "SELECT count(*) FROM audit");
}

/* ---- basics ---- */

static void
test_names_and_null_safety(struct t *t)
{
    char hex[GW_SHA256_HEX_LEN + 1];

    EXPECT_STR_EQ(gw_out_state_name(GW_OUT_QUEUED), "queued");
    EXPECT_STR_EQ(gw_out_state_name(GW_OUT_DELIVERING), "delivering");
    EXPECT_STR_EQ(gw_out_state_name(GW_OUT_DELIVERED), "delivered");
    EXPECT_STR_EQ(gw_out_state_name(GW_OUT_REJECTED), "rejected");
    EXPECT_STR_EQ(gw_out_state_name(GW_OUT_FAILED), "failed");
    gw_store_close(NULL);
    gw_outbox_msg_cleanup(NULL);
    gw_inbox_msg_cleanup(NULL);
    gw_ids_hash_sha256((const unsigned char *)"abc", 3, hex);
    EXPECT_STR_EQ(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    gw_ids_hash_sha256(NULL, 0, hex);
    EXPECT_STR_EQ(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_INT_EQ(gw_store_sqlite_commits(NULL), 0);
out:
    return;
}

/* ---- the checks of store.c, before any back end ---- */

/* A back end that only records what reached it: the gw_store_* calls must refuse a caller's mistake before
 * dispatching, so that every back end gets the checks. */
struct fake_store {
    struct gw_store base; /* first, as in every back end */
    unsigned calls;       /* ops reached */
    char sha256[GW_SHA256_HEX_LEN + 1];
    size_t body_len;
    size_t receipt_len;
    size_t sender_len;
    char message_id[8];
};

static struct fake_store *
fake(struct gw_store *s)
{
    return (struct fake_store *)s;
}

static enum gw_rc
fake_put_outbox(struct gw_store *s, const struct gw_outbox_msg *m, const struct gw_audit_event *ev,
                struct gw_err *err)
{
    (void)ev;
    (void)err;
    fake(s)->calls++;
    memcpy(fake(s)->sha256, m->sha256, sizeof(m->sha256));
    return GW_OK;
}

static enum gw_rc
fake_update_outbox(struct gw_store *s, const struct gw_outbox_msg *m, const struct gw_audit_event *ev,
                   struct gw_err *err)
{
    (void)m;
    (void)ev;
    (void)err;
    fake(s)->calls++;
    return GW_OK;
}

static enum gw_rc
fake_attach_notice(struct gw_store *s, const char *id, const unsigned char *notice, size_t len,
                   const struct gw_audit_event *ev, struct gw_err *err)
{
    (void)id;
    (void)notice;
    (void)len;
    (void)ev;
    (void)err;
    fake(s)->calls++;
    return GW_OK;
}

static enum gw_rc
fake_put_inbox(struct gw_store *s, const struct gw_inbox_msg *m, const struct gw_audit_event *ev,
               bool *is_duplicate, struct gw_inbox_msg *existing, struct gw_err *err)
{
    (void)ev;
    (void)existing;
    (void)err;
    fake(s)->calls++;
    memcpy(fake(s)->sha256, m->sha256, sizeof(m->sha256));
    *is_duplicate = false;
    return GW_OK;
}

static enum gw_rc
fake_put_rejected(struct gw_store *s, const char *message_id, const char *sender, const unsigned char *body,
                  size_t body_len, const char *reason, const unsigned char *receipt, size_t receipt_len,
                  const struct gw_audit_event *ev, struct gw_err *err)
{
    (void)body;
    (void)reason;
    (void)receipt;
    (void)ev;
    (void)err;
    fake(s)->calls++;
    fake(s)->body_len = body_len;
    fake(s)->receipt_len = receipt_len;
    fake(s)->sender_len = strlen(sender);
    snprintf(fake(s)->message_id, sizeof(fake(s)->message_id), "%s", message_id);
    return GW_OK;
}

static enum gw_rc
fake_audit(struct gw_store *s, const struct gw_audit_event *ev, struct gw_err *err)
{
    (void)ev;
    (void)err;
    fake(s)->calls++;
    return GW_OK;
}

/* Only the ops the test reaches; a call of any other would crash the test, which is what it should do. */
static const struct gw_store_ops fake_ops = {
    .put_outbox = fake_put_outbox,
    .update_outbox = fake_update_outbox,
    .attach_notice = fake_attach_notice,
    .put_inbox = fake_put_inbox,
    .put_rejected = fake_put_rejected,
    .audit = fake_audit,
};

/* Each check of a write call: the call fails with INTERNAL, the back end is never reached, and the outputs
 * are untouched. */
static void
test_checks_before_back_end(struct t *t)
{
    struct fake_store f = {.base = {.ops = &fake_ops}};
    struct gw_store *s = &f.base;
    struct gw_err err;
    struct gw_outbox_msg m;
    struct gw_inbox_msg in;
    struct gw_inbox_msg existing;
    unsigned char body[] = "<Envelope/>";
    char sha[GW_SHA256_HEX_LEN + 1];
    char other[GW_SHA256_HEX_LEN + 1];
    bool dup = true;
    struct gw_audit_event ev = {"submitted", NULL, PEER, "ok", NULL, NULL};

    gw_ids_hash_sha256(body, sizeof(body) - 1, sha);
    gw_ids_hash_sha256((const unsigned char *)"other", 5, other);
    /* put_outbox: id, state, body, digest */
    make_out(&m, 1, body, sizeof(body) - 1);
    m.id[0] = '\0';
    EXPECT_FAIL(gw_store_put_outbox(s, &m, &ev, &err), &err, GW_R_INTERNAL);
    make_out(&m, 1, body, sizeof(body) - 1);
    m.state = (enum gw_out_state)GW_OUT_STATE_COUNT;
    EXPECT_FAIL(gw_store_put_outbox(s, &m, &ev, &err), &err, GW_R_INTERNAL);
    m.state = (enum gw_out_state) - 1;
    EXPECT_FAIL(gw_store_put_outbox(s, &m, &ev, &err), &err, GW_R_INTERNAL);
    make_out(&m, 1, NULL, 0);
    EXPECT_FAIL(gw_store_put_outbox(s, &m, &ev, &err), &err, GW_R_INTERNAL);
    make_out(&m, 1, body, 0);
    EXPECT_FAIL(gw_store_put_outbox(s, &m, &ev, &err), &err, GW_R_INTERNAL);
    make_out(&m, 1, body, sizeof(body) - 1);
    memcpy(m.sha256, other, sizeof(other));
    EXPECT_FAIL(gw_store_put_outbox(s, &m, &ev, &err), &err, GW_R_INTERNAL);
    EXPECT_INT_EQ(err.rc, GW_EINTERNAL);
    /* update_outbox: state */
    make_out(&m, 1, body, sizeof(body) - 1);
    m.state = (enum gw_out_state)GW_OUT_STATE_COUNT;
    EXPECT_FAIL(gw_store_update_outbox(s, &m, &ev, &err), &err, GW_R_INTERNAL);
    /* attach_notice: a notice */
    EXPECT_FAIL(gw_store_attach_notice(s, "00000000-0000-4000-8000-000000000001", NULL, 4, &ev, &err), &err,
                GW_R_INTERNAL);
    /* put_inbox: id, body, digest; *is_duplicate and *existing untouched */
    memset(&existing, 0x5a, sizeof(existing));
    make_in(&in, 2, body, sizeof(body) - 1);
    in.id[0] = '\0';
    EXPECT_FAIL(gw_store_put_inbox(s, &in, &ev, &dup, &existing, &err), &err, GW_R_INTERNAL);
    make_in(&in, 2, NULL, 0);
    EXPECT_FAIL(gw_store_put_inbox(s, &in, &ev, &dup, &existing, &err), &err, GW_R_INTERNAL);
    make_in(&in, 2, body, 0);
    EXPECT_FAIL(gw_store_put_inbox(s, &in, &ev, &dup, &existing, &err), &err, GW_R_INTERNAL);
    make_in(&in, 2, body, sizeof(body) - 1);
    memcpy(in.sha256, other, sizeof(other));
    EXPECT_FAIL(gw_store_put_inbox(s, &in, &ev, &dup, &existing, &err), &err, GW_R_INTERNAL);
    make_in(&in, 2, body, sizeof(body) - 1);
    in.sender[0] = '\0';
    EXPECT_FAIL(gw_store_put_inbox(s, &in, &ev, &dup, &existing, &err), &err, GW_R_INTERNAL);
    EXPECT_TRUE(dup);
    EXPECT_INT_EQ(existing.id[0], 0x5a);
    /* ack_inbox: the sender, and a notice passes the checks of put_outbox; *was_acked untouched */
    {
        bool was = true;
        make_out(&m, 5, body, sizeof(body) - 1);
        EXPECT_FAIL(gw_store_ack_inbox(s, in.id, NULL, &m, &ev, &ev, &was, &err), &err, GW_R_INTERNAL);
        EXPECT_FAIL(gw_store_ack_inbox(s, in.id, "", NULL, NULL, &ev, &was, &err), &err, GW_R_INTERNAL);
        m.id[0] = '\0';
        EXPECT_FAIL(gw_store_ack_inbox(s, in.id, PEER, &m, &ev, &ev, &was, &err), &err, GW_R_INTERNAL);
        make_out(&m, 5, body, sizeof(body) - 1);
        memcpy(m.sha256, other, sizeof(other));
        EXPECT_FAIL(gw_store_ack_inbox(s, in.id, PEER, &m, &ev, &ev, &was, &err), &err, GW_R_INTERNAL);
        make_out(&m, 5, NULL, 0);
        EXPECT_FAIL(gw_store_ack_inbox(s, in.id, PEER, &m, &ev, &ev, &was, &err), &err, GW_R_INTERNAL);
        EXPECT_TRUE(was);
    }
    /* audit: an event */
    EXPECT_FAIL(gw_store_audit(s, NULL, &err), &err, GW_R_INTERNAL);
    EXPECT_INT_EQ(f.calls, 0);

    /* What passes reaches the back end with the digest filled in. */
    make_out(&m, 3, body, sizeof(body) - 1);
    EXPECT_OK(gw_store_put_outbox(s, &m, &ev, &err), &err);
    EXPECT_STR_EQ(f.sha256, sha);
    EXPECT_STR_EQ(m.sha256, ""); /* the caller's row is not written to */
    make_in(&in, 4, body, sizeof(body) - 1);
    memcpy(in.sha256, sha, sizeof(sha));
    memset(f.sha256, 0, sizeof(f.sha256));
    EXPECT_OK(gw_store_put_inbox(s, &in, &ev, &dup, &existing, &err), &err);
    EXPECT_STR_EQ(f.sha256, sha);
    EXPECT_INT_EQ(f.calls, 2);
out:
    return;
}

/* put_rejected keeps whatever a refused sender gave, but no more of it than an audit field, and no length
 * without its bytes. */
static void
test_rejected_cut_before_back_end(struct t *t)
{
    struct fake_store f = {.base = {.ops = &fake_ops}};
    struct gw_store *s = &f.base;
    struct gw_err err;
    char *sender = NULL;

    sender = malloc(GW_AUDIT_MAX_FIELD + 100);
    EXPECT_TRUE(sender != NULL);
    memset(sender, 'x', GW_AUDIT_MAX_FIELD + 99);
    sender[GW_AUDIT_MAX_FIELD + 99] = '\0';
    EXPECT_OK(gw_store_put_rejected(s, NULL, sender, NULL, 4096, "SIG_INVALID", NULL, 512, NULL, &err), &err);
    EXPECT_INT_EQ(f.calls, 1);
    EXPECT_INT_EQ(f.sender_len, GW_AUDIT_MAX_FIELD);
    EXPECT_STR_EQ(f.message_id, "");
    EXPECT_INT_EQ(f.body_len, 0);
    EXPECT_INT_EQ(f.receipt_len, 0);
out:
    free(sender);
}

/* The state names back ends store read back as their states, and nothing else does. */
static void
test_state_from_name(struct t *t)
{
    struct gw_err err;
    enum gw_out_state got = GW_OUT_FAILED;

    for (unsigned i = 0; i < GW_OUT_STATE_COUNT; i++) {
        EXPECT_OK(gw_out_state_from_name(gw_out_state_name((enum gw_out_state)i), &got, &err), &err);
        EXPECT_INT_EQ(got, i);
    }
    got = GW_OUT_DELIVERING;
    EXPECT_FAIL(gw_out_state_from_name("sent", &got, &err), &err, GW_R_IO);
    EXPECT_FAIL(gw_out_state_from_name("", &got, &err), &err, GW_R_IO);
    EXPECT_FAIL(gw_out_state_from_name("Queued", &got, &err), &err, GW_R_IO);
    EXPECT_INT_EQ(got, GW_OUT_DELIVERING);
out:
    return;
}

/* A new store is created in WAL mode at the current schema version, keeps its data across a reopen, and a
 * store from a newer gateway is refused without touching *out. */
static void
test_open_migrate_reopen(struct t *t)
{
    struct tstore d;
    struct gw_err err;
    struct gw_store *s = NULL;
    struct gw_store *never = NULL;
    struct gw_outbox_msg m;
    struct gw_outbox_msg got = {0};
    unsigned char body[] = "<Envelope/>";
    char mode[16] = "";
    struct stat sb;

    EXPECT_TRUE(tstore_make(&d));
    EXPECT_OK(gw_store_open_sqlite(d.path, &s, &err), &err);
    EXPECT_TRUE(sql_text(d.path, "PRAGMA journal_mode", mode, sizeof(mode)));
    EXPECT_STR_EQ(mode, "wal");
    EXPECT_INT_EQ(sql_int(d.path, "SELECT value FROM meta WHERE key = 'schema_version'"), 7);
    EXPECT_INT_EQ(sql_int(d.path, "SELECT value FROM meta WHERE key = 'audit_v2_from'"), 1);
    EXPECT_INT_EQ(sql_int(d.path, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
                                  "('outbox', 'inbox', 'rejected', 'audit', 'meta', 'merkle', 'checkpoints', "
                                  "'peer_checkpoints')"),
                  8);
    /* migration 7: the due rows' index covers what the deliverer's queries of them use */
    EXPECT_INT_EQ(sql_int(d.path, "SELECT count(*) FROM pragma_index_info('outbox_due')"), 5);
    make_out(&m, 1, body, sizeof(body) - 1);
    EXPECT_OK(gw_store_put_outbox(s, &m, NULL, &err), &err);
    gw_store_close(s);
    s = NULL;
    /* owner-only: messages are personal data */
    EXPECT_TRUE(stat(d.path, &sb) == 0 && (sb.st_mode & 0777) == 0600);
    EXPECT_OK(gw_store_open_sqlite(d.path, &s, &err), &err);
    EXPECT_OK(gw_store_get_outbox(s, m.id, &got, &err), &err);
    EXPECT_INT_EQ(got.body_len, sizeof(body) - 1);
    EXPECT_INT_EQ(sql_int(d.path, "SELECT value FROM meta WHERE key = 'schema_version'"), 7);
    gw_store_close(s);
    s = NULL;
    EXPECT_TRUE(sql_exec(d.path, "UPDATE meta SET value = 99 WHERE key = 'schema_version'"));
    EXPECT_FAIL(gw_store_open_sqlite(d.path, &never, &err), &err, GW_R_CONFIG);
    EXPECT_INT_EQ(err.rc, GW_ECONFIG);
    EXPECT_TRUE(t_contains(err.msg, "99"));
    EXPECT_TRUE(never == NULL);
    /* the read-only tools refuse it too: the audit encoding may have changed */
    {
        uint64_t n = 7;
        EXPECT_FAIL(gw_audit_verify_sqlite(d.path, &n, &err), &err, GW_R_CONFIG);
        EXPECT_INT_EQ(n, 7);
    }
out:
    gw_outbox_msg_cleanup(&got);
    gw_store_close(s);
    tstore_remove(&d);
}

static void
test_open_errors(struct t *t)
{
    struct tstore d;
    struct gw_err err;
    struct gw_store *s = NULL;
    char path[96];
    uint64_t n = 0;
    int fd;

    EXPECT_TRUE(tstore_make(&d));
    snprintf(path, sizeof(path), "%s/no/such/dir/store.db", d.dir);
    EXPECT_FAIL(gw_store_open_sqlite(path, &s, &err), &err, GW_R_IO);
    EXPECT_TRUE(s == NULL);
    EXPECT_TRUE(t_contains(err.where, "store.db"));
    /* a file that is not a database */
    fd = open(d.path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    EXPECT_TRUE(fd >= 0);
    EXPECT_TRUE(write(fd, "not a database, just some text that is long enough\n", 51) == 51);
    close(fd);
    EXPECT_FAIL(gw_store_open_sqlite(d.path, &s, &err), &err, GW_R_IO);
    EXPECT_TRUE(s == NULL);
    EXPECT_FAIL(gw_audit_verify_sqlite(d.path, &n, &err), &err, GW_R_IO);
    EXPECT_FAIL(gw_audit_verify_sqlite(path, &n, &err), &err, GW_R_IO);
out:
    gw_store_close(s);
    tstore_remove(&d);
}

/* A damaged store and another application's database are refused before anything is written to them; the
 * gateway started on either before (the damaged one failing each time a query reached the bad page, the
 * foreign one getting the gateway's tables added). */
static void
test_open_refuses_damaged_or_foreign(struct t *t)
{
    struct tstore d;
    struct gw_err err;
    struct gw_store *s = NULL;
    struct gw_outbox_msg m;
    unsigned char body[2048];
    unsigned char junk[4096];
    char mode[16] = "";
    int fd;

    EXPECT_TRUE(tstore_make(&d));
    /* foreign: a SQLite database with a table of its own; it stays as it was (no meta, no WAL switch) */
    fd = open(d.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600); /* sql_exec does not create files */
    EXPECT_TRUE(fd >= 0);
    close(fd);
    EXPECT_TRUE(sql_exec(d.path, "CREATE TABLE t(a); INSERT INTO t VALUES (1)"));
    EXPECT_FAIL(gw_store_open_sqlite(d.path, &s, &err), &err, GW_R_CONFIG);
    EXPECT_TRUE(s == NULL);
    EXPECT_TRUE(t_contains(err.msg, "not a gateway store"));
    EXPECT_INT_EQ(sql_int(d.path, "SELECT count(*) FROM sqlite_master"), 1);
    EXPECT_TRUE(sql_text(d.path, "PRAGMA journal_mode", mode, sizeof(mode)));
    EXPECT_STR_EQ(mode, "delete");
    tstore_remove(&d);
    /* damaged: a real store with one page overwritten */
    EXPECT_TRUE(tstore_make(&d));
    EXPECT_OK(gw_store_open_sqlite(d.path, &s, &err), &err);
    memset(body, 'x', sizeof(body));
    for (int i = 0; i < 20; i++) {
        make_out(&m, (unsigned)i + 1, body, sizeof(body));
        EXPECT_OK(gw_store_put_outbox(s, &m, NULL, &err), &err);
    }
    gw_store_close(s);
    s = NULL;
    EXPECT_TRUE(sql_int(d.path, "PRAGMA page_count") > 8);
    memset(junk, 0x5a, sizeof(junk));
    fd = open(d.path, O_WRONLY | O_CLOEXEC);
    EXPECT_TRUE(fd >= 0);
    EXPECT_TRUE(pwrite(fd, junk, sizeof(junk), (off_t)4096 * 5) == (ssize_t)sizeof(junk));
    close(fd);
    EXPECT_FAIL(gw_store_open_sqlite(d.path, &s, &err), &err, GW_R_IO);
    EXPECT_TRUE(s == NULL);
    EXPECT_TRUE(t_contains(err.msg, "damaged"));
    EXPECT_TRUE(strchr(err.msg, '\n') == NULL); /* SQLite's multi-line answer, on one line */
out:
    gw_store_close(s);
    tstore_remove(&d);
}

/* ---- outbox ---- */

static void
test_outbox_put_get(struct t *t)
{
    struct tstore d;
    struct gw_err err;
    struct gw_store *s = NULL;
    struct gw_outbox_msg m;
    struct gw_outbox_msg got = {0};
    struct gw_outbox_msg untouched;
    unsigned char body[] = "<Envelope>decision</Envelope>";
    char sha[GW_SHA256_HEX_LEN + 1];
    struct gw_audit_event ev = {"submitted", NULL, PEER, "ok", NULL, NULL};

    EXPECT_TRUE(tstore_make(&d));
    EXPECT_OK(gw_store_open_sqlite(d.path, &s, &err), &err);
    make_out(&m, 7, body, sizeof(body) - 1);
    snprintf(m.in_reply_to, sizeof(m.in_reply_to), "%s", "00000000-0000-4000-8000-000000000001");
    ev.message_id = m.id;
    EXPECT_OK(gw_store_put_outbox(s, &m, &ev, &err), &err);
    EXPECT_OK(gw_store_get_outbox(s, m.id, &got, &err), &err);
    gw_ids_hash_sha256(body, sizeof(body) - 1, sha);
    EXPECT_STR_EQ(got.id, m.id);
    EXPECT_STR_EQ(got.in_reply_to, m.in_reply_to);
    EXPECT_STR_EQ(got.recipient, PEER);
    EXPECT_STR_EQ(got.type, "Decision");
    EXPECT_STR_EQ(got.sha256, sha); /* computed by the store when not given */
    EXPECT_INT_EQ(got.body_len, sizeof(body) - 1);
    EXPECT_TRUE(memcmp(got.body, body, got.body_len) == 0);
    EXPECT_INT_EQ(got.state, GW_OUT_QUEUED);
    EXPECT_INT_EQ(got.attempts, 0);
    EXPECT_INT_EQ(got.created_ms, 1007);
    EXPECT_INT_EQ(got.next_attempt_ms, 1007);
    EXPECT_INT_EQ(got.delivered_ms, 0);
    EXPECT_STR_EQ(got.last_error, "");
    EXPECT_TRUE(got.receipt == NULL && got.receipt_len == 0);
    EXPECT_TRUE(got.notice == NULL && got.notice_len == 0);
    EXPECT_INT_EQ(audit_count(d.path), 1);
    /* a missing row: NOT_FOUND and the output untouched */
    memset(&untouched, 0x5a, sizeof(untouched));
    EXPECT_FAIL(gw_store_get_outbox(s, "00000000-0000-4000-8000-000000000999", &untouched, &err), &err,
                GW_R_NOT_FOUND);
    EXPECT_INT_EQ(untouched.id[0], 0x5a);
    /* the caller's digest, if given, must be the body's */
    make_out(&m, 8, body, sizeof(body) - 1);
    memcpy(m.sha256, sha, sizeof(sha));
    EXPECT_OK(gw_store_put_outbox(s, &m, NULL, &err), &err);
    make_out(&m, 9, body, sizeof(body) - 1);
    memset(m.sha256, 'a', GW_SHA256_HEX_LEN);
    EXPECT_FAIL(gw_store_put_outbox(s, &m, &ev, &err), &err, GW_R_INTERNAL);
    make_out(&m, 10, NULL, 0);
    EXPECT_FAIL(gw_store_put_outbox(s, &m, &ev, &err), &err, GW_R_INTERNAL);
    EXPECT_INT_EQ(audit_count(d.path), 1);
out:
    gw_outbox_msg_cleanup(&got);
    gw_store_close(s);
    tstore_remove(&d);
}

/* A second row with the same id is refused, and neither it nor its audit event is written. */
static void
test_outbox_duplicate(struct t *t)
{
    struct tstore d;
    struct gw_err err;
    struct gw_store *s = NULL;
    struct gw_outbox_msg m;
    struct gw_outbox_msg got = {0};
    unsigned char body[] = "<first/>";
    unsigned char other[] = "<second/>";
    struct gw_audit_event ev = {"submitted", NULL, PEER, "ok", NULL, NULL};

    EXPECT_TRUE(tstore_make(&d));
    EXPECT_OK(gw_store_open_sqlite(d.path, &s, &err), &err);
    make_out(&m, 1, body, sizeof(body) - 1);
    EXPECT_OK(gw_store_put_outbox(s, &m, &ev, &err), &err);
    make_out(&m, 1, other, sizeof(other) - 1);
    EXPECT_FAIL(gw_store_put_outbox(s, &m, &ev, &err), &err, GW_R_DUPLICATE);
    EXPECT_INT_EQ(err.rc, GW_EPOLICY);
    EXPECT_OK(gw_store_get_outbox(s, m.id, &got, &err), &err);
    EXPECT_TRUE(got.body_len == sizeof(body) - 1 && memcmp(got.body, body, got.body_len) == 0);
    EXPECT_INT_EQ(audit_count(d.path), 1);
out:
    gw_outbox_msg_cleanup(&got);
    gw_store_close(s);
    tstore_remove(&d);
}

static void
free_out_list(struct gw_outbox_msg *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        gw_outbox_msg_cleanup(&list[i]);
    }
    free(list);
}

/* Due rows are QUEUED/DELIVERING with next_attempt_ms <= now, oldest (created) first, at most max;
 * next_due is the earliest next attempt of those states. */
static void
test_outbox_due_and_next(struct t *t)
{
    struct tstore d;
    struct gw_err err;
    struct gw_store *s = NULL;
    struct gw_outbox_msg m;
    struct gw_outbox_msg *list = NULL;
    size_t n = 0;
    int64_t when = 0;
    unsigned char body[] = "<x/>";
    /* id, created, next attempt, state */
    static const struct {
        unsigned id;
        int64_t created;
        int64_t next;
        enum gw_out_state state;
    } rows[] = {
        {1, 300, 100, GW_OUT_QUEUED},     /* due, created second */
        {2, 100, 200, GW_OUT_DELIVERING}, /* due, created first */
        {3, 200, 1000, GW_OUT_QUEUED},    /* not yet */
        {4, 50, 0, GW_OUT_DELIVERED},     /* done */
        {5, 60, 0, GW_OUT_FAILED},        /* done */
        {6, 400, 500, GW_OUT_QUEUED},     /* due exactly at now */
    };

    EXPECT_TRUE(tstore_make(&d));
    EXPECT_OK(gw_store_open_sqlite(d.path, &s, &err), &err);
    EXPECT_OK(gw_store_next_due(s, NULL, &when, &err), &err);
    EXPECT_INT_EQ(when, INT64_MAX);
    EXPECT_OK(gw_store_due_outbox(s, 500, NULL, 10, &list, &n, &err), &err);
    EXPECT_INT_EQ(n, 0);
    free_out_list(list, n);
    list = NULL;
    n = 0;
    for (size_t i = 0; i < T_COUNT(rows); i++) {
        make_out(&m, rows[i].id, body, sizeof(body) - 1);
        m.created_ms = rows[i].created;
        m.next_attempt_ms = rows[i].next;
        m.state = rows[i].state;
        EXPECT_OK(gw_store_put_outbox(s, &m, NULL, &err), &err);
    }
    EXPECT_OK(gw_store_due_outbox(s, 500, NULL, 10, &list, &n, &err), &err);
    EXPECT_INT_EQ(n, 3);
    EXPECT_TRUE(t_contains(list[0].id, "000000000002"));
    EXPECT_TRUE(t_contains(list[1].id, "000000000001"));
    EXPECT_TRUE(t_contains(list[2].id, "000000000006"));
    EXPECT_TRUE(list[0].body_len == sizeof(body) - 1 && memcmp(list[0].body, body, list[0].body_len) == 0);
    EXPECT_INT_EQ(list[0].state, GW_OUT_DELIVERING);
    free_out_list(list, n);
    list = NULL;
    n = 0;
    EXPECT_OK(gw_store_due_outbox(s, 500, NULL, 1, &list, &n, &err), &err);
    EXPECT_INT_EQ(n, 1);
    EXPECT_TRUE(t_contains(list[0].id, "000000000002"));
    free_out_list(list, n);
    list = NULL;
    n = 0;
    EXPECT_OK(gw_store_due_outbox(s, 99, NULL, 10, &list, &n, &err), &err);
    EXPECT_INT_EQ(n, 0);
    free_out_list(list, n);
    list = NULL;
    n = 0;
    /* rows the caller holds are passed over and do not count against max */
    {
        struct gw_outbox_msg first;
        const char *skip[1];

        make_out(&first, 2, body, sizeof(body) - 1);
        skip[0] = first.id;
        EXPECT_OK(gw_store_due_outbox_skip(s, 500, NULL, skip, 1, 1, &list, &n, &err), &err);
        EXPECT_INT_EQ(n, 1);
        EXPECT_TRUE(t_contains(list[0].id, "000000000001"));
        EXPECT_TRUE(list[0].body_len == sizeof(body) - 1 && memcmp(list[0].body, body, list[0].body_len) == 0);
        free_out_list(list, n);
        list = NULL;
        n = 0;
        EXPECT_OK(gw_store_due_outbox_skip(s, 500, NULL, skip, 1, 10, &list, &n, &err), &err);
        EXPECT_INT_EQ(n, 2);
        EXPECT_TRUE(t_contains(list[0].id, "000000000001"));
        EXPECT_TRUE(t_contains(list[1].id, "000000000006"));
        free_out_list(list, n);
        list = NULL;
        n = 0;
    }
    EXPECT_OK(gw_store_next_due(s, NULL, &when, &err), &err);
    EXPECT_INT_EQ(when, 100);
    /* only the rows due after a time: those due by then were read */
    EXPECT_OK(gw_store_next_due_after(s, NULL, 100, &when, &err), &err);
    EXPECT_INT_EQ(when, 200);
    EXPECT_OK(gw_store_next_due_after(s, NULL, 500, &when, &err), &err);
    EXPECT_INT_EQ(when, 1000);
    EXPECT_OK(gw_store_next_due_after(s, NULL, 1000, &when, &err), &err);
    EXPECT_INT_EQ(when, INT64_MAX);
    /* row 1 delivered: the next due is row 2's */
    make_out(&m, 1, body, sizeof(body) - 1);
    m.state = GW_OUT_DELIVERED;
    EXPECT_OK(gw_store_update_outbox(s, &m, NULL, &err), &err);
    EXPECT_OK(gw_store_next_due(s, NULL, &when, &err), &err);
    EXPECT_INT_EQ(when, 200);
    /* one deliverer thread per peer asks only for its recipient's rows */
    make_out(&m, 7, body, sizeof(body) - 1);
    snprintf(m.recipient, sizeof(m.recipient), "%s", "90009113532");
    m.created_ms = 10;
    m.next_attempt_ms = 150;
    EXPECT_OK(gw_store_put_outbox(s, &m, NULL, &err), &err);
    EXPECT_OK(gw_store_due_outbox(s, 500, "90009113532", 10, &list, &n, &err), &err);
    EXPECT_INT_EQ(n, 1);
    EXPECT_TRUE(t_contains(list[0].id, "000000000007"));
    free_out_list(list, n);
    list = NULL;
    n = 0;
    EXPECT_OK(gw_store_due_outbox(s, 500, PEER, 10, &list, &n, &err), &err);
    EXPECT_INT_EQ(n, 2);
    EXPECT_TRUE(t_contains(list[0].id, "000000000002"));
    free_out_list(list, n);
    list = NULL;
    n = 0;
    EXPECT_OK(gw_store_next_due(s, "90009113532", &when, &err), &err);
    EXPECT_INT_EQ(when, 150);
    EXPECT_OK(gw_store_next_due(s, PEER, &when, &err), &err);
    EXPECT_INT_EQ(when, 200);
    EXPECT_OK(gw_store_next_due(s, "90000000000", &when, &err), &err);
    EXPECT_INT_EQ(when, INT64_MAX);
out:
    free_out_list(list, n);
    gw_store_close(s);
    tstore_remove(&d);
}

static void
test_outbox_update_delivered(struct t *t)
{
    struct tstore d;
    struct gw_err err;
    struct gw_store *s = NULL;
    struct gw_outbox_msg m;
    struct gw_outbox_msg got = {0};
    unsigned char body[] = "<x/>";
    unsigned char receipt[] = "<Receipt>Accepted</Receipt>";
    struct gw_audit_event ev = {"delivered", NULL, PEER, "ok", "OK", NULL};

    EXPECT_TRUE(tstore_make(&d));
    EXPECT_OK(gw_store_open_sqlite(d.path, &s, &err), &err);
    make_out(&m, 1, body, sizeof(body) - 1);
    EXPECT_OK(gw_store_put_outbox(s, &m, NULL, &err), &err);
    /* a failed attempt first */
    m.state = GW_OUT_DELIVERING;
    m.attempts = 1;
    m.next_attempt_ms = 9000;
    snprintf(m.last_error, sizeof(m.last_error), "%s", "connect: refused");
    EXPECT_OK(gw_store_update_outbox(s, &m, NULL, &err), &err);
    EXPECT_OK(gw_store_get_outbox(s, m.id, &got, &err), &err);
    EXPECT_INT_EQ(got.state, GW_OUT_DELIVERING);
    EXPECT_INT_EQ(got.attempts, 1);
    EXPECT_INT_EQ(got.next_attempt_ms, 9000);
    EXPECT_STR_EQ(got.last_error, "connect: refused");
    EXPECT_TRUE(got.receipt == NULL);
    gw_outbox_msg_cleanup(&got);
    /* then delivered, with the receipt */
    m.state = GW_OUT_DELIVERED;
    m.attempts = 2;
    m.delivered_ms = 12345;
    m.last_error[0] = '\0';
    m.receipt = receipt;
    m.receipt_len = sizeof(receipt) - 1;
    ev.message_id = m.id;
    EXPECT_OK(gw_store_update_outbox(s, &m, &ev, &err), &err);
    EXPECT_OK(gw_store_get_outbox(s, m.id, &got, &err), &err);
    EXPECT_INT_EQ(got.state, GW_OUT_DELIVERED);
    EXPECT_INT_EQ(got.attempts, 2);
    EXPECT_INT_EQ(got.delivered_ms, 12345);
    EXPECT_STR_EQ(got.last_error, "");
    EXPECT_TRUE(got.receipt_len == sizeof(receipt) - 1 && memcmp(got.receipt, receipt, got.receipt_len) == 0);
    gw_outbox_msg_cleanup(&got);
    /* an update without a receipt keeps the stored one */
    m.receipt = NULL;
    m.receipt_len = 0;
    EXPECT_OK(gw_store_update_outbox(s, &m, NULL, &err), &err);
    EXPECT_OK(gw_store_get_outbox(s, m.id, &got, &err), &err);
    EXPECT_TRUE(got.receipt_len == sizeof(receipt) - 1);
    EXPECT_INT_EQ(audit_count(d.path), 1);
    /* unknown id, invalid state */
    make_out(&m, 2, body, sizeof(body) - 1);
    EXPECT_FAIL(gw_store_update_outbox(s, &m, &ev, &err), &err, GW_R_NOT_FOUND);
    m.state = (enum gw_out_state)42;
    EXPECT_FAIL(gw_store_update_outbox(s, &m, &ev, &err), &err, GW_R_INTERNAL);
    EXPECT_INT_EQ(audit_count(d.path), 1);
out:
    gw_outbox_msg_cleanup(&got);
    gw_store_close(s);
    tstore_remove(&d);
}

static void
test_outbox_attach_notice(struct t *t)
{
    struct tstore d;
    struct gw_err err;
    struct gw_store *s = NULL;
    struct gw_outbox_msg m;
    struct gw_outbox_msg got = {0};
    unsigned char body[] = "<x/>";
    unsigned char notice[] = "<Delivered/>";
    struct gw_audit_event ev = {"notice", NULL, PEER, "ok", NULL, NULL};

    EXPECT_TRUE(tstore_make(&d));
    EXPECT_OK(gw_store_open_sqlite(d.path, &s, &err), &err);
    make_out(&m, 1, body, sizeof(body) - 1);
    EXPECT_OK(gw_store_put_outbox(s, &m, NULL, &err), &err);
    EXPECT_OK(gw_store_attach_notice(s, m.id, notice, sizeof(notice) - 1, &ev, &err), &err);
    EXPECT_OK(gw_store_get_outbox(s, m.id, &got, &err), &err);
    EXPECT_TRUE(got.notice_len == sizeof(notice) - 1 && memcmp(got.notice, notice, got.notice_len) == 0);
    EXPECT_FAIL(
        gw_store_attach_notice(s, "00000000-0000-4000-8000-000000000404", notice, sizeof(notice) - 1, &ev, &err),
        &err, GW_R_NOT_FOUND);
    EXPECT_INT_EQ(audit_count(d.path), 1);
out:
    gw_outbox_msg_cleanup(&got);
    gw_store_close(s);
    tstore_remove(&d);
}

/* ---- inbox ---- */

/* DESIGN §6 exactly-once inbox: a second message with the same id writes nothing and hands back the stored
 * row, whose digest the caller compares. */
static void
test_inbox_duplicate(struct t *t)
{
    struct tstore d;
    struct gw_err err;
    struct gw_store *s = NULL;
    struct gw_inbox_msg m;
    struct gw_inbox_msg existing = {0};
    struct gw_inbox_msg got = {0};
    unsigned char body[] = "<Envelope>original</Envelope>";
    unsigned char replay[] = "<Envelope>changed</Envelope>";
    unsigned char receipt[] = "<Receipt/>";
    char sha[GW_SHA256_HEX_LEN + 1];
    bool dup = true;
    struct gw_audit_event ev = {"received", NULL, PEER, "ok", NULL, NULL};

    EXPECT_TRUE(tstore_make(&d));
    EXPECT_OK(gw_store_open_sqlite(d.path, &s, &err), &err);
    make_in(&m, 1, body, sizeof(body) - 1);
    m.receipt = receipt;
    m.receipt_len = sizeof(receipt) - 1;
    EXPECT_OK(gw_store_put_inbox(s, &m, &ev, &dup, &existing, &err), &err);
    EXPECT_TRUE(!dup);
    EXPECT_TRUE(existing.body == NULL); /* untouched */
    make_in(&m, 1, replay, sizeof(replay) - 1);
    EXPECT_OK(gw_store_put_inbox(s, &m, &ev, &dup, &existing, &err), &err);
    EXPECT_TRUE(dup);
    gw_ids_hash_sha256(body, sizeof(body) - 1, sha);
    EXPECT_STR_EQ(existing.sha256, sha);
    EXPECT_TRUE(existing.body_len == sizeof(body) - 1 && memcmp(existing.body, body, existing.body_len) == 0);
    EXPECT_TRUE(existing.receipt_len == sizeof(receipt) - 1);
    EXPECT_INT_EQ(existing.seq, 1);
    EXPECT_INT_EQ(audit_count(d.path), 1);
    EXPECT_INT_EQ(sql_int(d.path, "SELECT count(*) FROM inbox"), 1);
    EXPECT_OK(gw_store_get_inbox(s, m.id, NULL, &got, &err), &err);
    EXPECT_STR_EQ(got.sender, PEER);
    EXPECT_STR_EQ(got.type, "Letter");
    EXPECT_INT_EQ(got.received_ms, 5001);
    EXPECT_TRUE(!got.acked);
    EXPECT_FAIL(gw_store_get_inbox(s, "00000000-0000-4000-8000-000000000404", NULL, &got, &err), &err,
                GW_R_NOT_FOUND);
out:
    gw_inbox_msg_cleanup(&existing);
    gw_inbox_msg_cleanup(&got);
    gw_store_close(s);
    tstore_remove(&d);
}

static void
free_in_list(struct gw_inbox_msg *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        gw_inbox_msg_cleanup(&list[i]);
    }
    free(list);
}

static void
test_inbox_list_paging(struct t *t)
{
    struct tstore d;
    struct gw_err err;
    struct gw_store *s = NULL;
    struct gw_inbox_msg m;
    struct gw_inbox_msg existing = {0};
    struct gw_inbox_msg *list = NULL;
    size_t n = 0;
    unsigned char body[] = "<x/>";
    bool dup = false;
    int64_t after = 0;

    EXPECT_TRUE(tstore_make(&d));
    EXPECT_OK(gw_store_open_sqlite(d.path, &s, &err), &err);
    for (unsigned i = 1; i <= 5; i++) {
        make_in(&m, i, body, sizeof(body) - 1);
        EXPECT_OK(gw_store_put_inbox(s, &m, NULL, &dup, &existing, &err), &err);
    }
    EXPECT_OK(gw_store_list_inbox(s, after, 2, &list, &n, &err), &err);
    EXPECT_INT_EQ(n, 2);
    EXPECT_INT_EQ(list[0].seq, 1);
    EXPECT_INT_EQ(list[1].seq, 2);
    EXPECT_TRUE(t_contains(list[1].id, "000000000002"));
    EXPECT_TRUE(list[0].body == NULL && list[0].body_len == 0 && list[0].receipt == NULL); /* no bodies */
    EXPECT_STR_EQ(list[0].sender, PEER);
    after = list[1].seq;
    free_in_list(list, n);
    list = NULL;
    EXPECT_OK(gw_store_list_inbox(s, after, 2, &list, &n, &err), &err);
    EXPECT_INT_EQ(n, 2);
    EXPECT_INT_EQ(list[0].seq, 3);
    EXPECT_INT_EQ(list[1].seq, 4);
    after = list[1].seq;
    free_in_list(list, n);
    list = NULL;
    EXPECT_OK(gw_store_list_inbox(s, after, 100, &list, &n, &err), &err);
    EXPECT_INT_EQ(n, 1);
    EXPECT_INT_EQ(list[0].seq, 5);
    after = list[0].seq;
    free_in_list(list, n);
    list = NULL;
    EXPECT_OK(gw_store_list_inbox(s, after, 100, &list, &n, &err), &err);
    EXPECT_INT_EQ(n, 0);
    free_in_list(list, n);
    list = NULL;
    EXPECT_OK(gw_store_list_inbox(s, 0, 0, &list, &n, &err), &err);
    EXPECT_INT_EQ(n, 0);
out:
    free_in_list(list, n);
    gw_store_close(s);
    tstore_remove(&d);
}

static void
test_inbox_ack_idempotent(struct t *t)
{
    struct tstore d;
    struct gw_err err;
    struct gw_store *s = NULL;
    struct gw_inbox_msg m;
    struct gw_inbox_msg existing = {0};
    struct gw_inbox_msg got = {0};
    unsigned char body[] = "<x/>";
    bool dup = false;
    bool was = true;
    struct gw_audit_event ev = {"acked", NULL, "intake", "ok", NULL, NULL};

    EXPECT_TRUE(tstore_make(&d));
    EXPECT_OK(gw_store_open_sqlite(d.path, &s, &err), &err);
    make_in(&m, 1, body, sizeof(body) - 1);
    EXPECT_OK(gw_store_put_inbox(s, &m, NULL, &dup, &existing, &err), &err);
    EXPECT_OK(gw_store_ack_inbox(s, m.id, PEER, NULL, NULL, &ev, &was, &err), &err);
    EXPECT_TRUE(!was);
    EXPECT_OK(gw_store_ack_inbox(s, m.id, PEER, NULL, NULL, &ev, &was, &err), &err);
    EXPECT_TRUE(was);
    EXPECT_INT_EQ(audit_count(d.path), 1); /* the repeat changed nothing and logged nothing */
    EXPECT_OK(gw_store_get_inbox(s, m.id, PEER, &got, &err), &err);
    EXPECT_TRUE(got.acked);
    EXPECT_TRUE(got.acked_ms > 1600000000000);
    was = true;
    EXPECT_FAIL(gw_store_ack_inbox(s, "00000000-0000-4000-8000-000000000404", PEER, NULL, NULL, &ev, &was, &err),
                &err, GW_R_NOT_FOUND);
    EXPECT_TRUE(was); /* untouched */
out:
    gw_inbox_msg_cleanup(&got);
    gw_store_close(s);
    tstore_remove(&d);
}

/* ---- acknowledgements queue one notification ---- */

#define MAX_TEST_THREADS 16

/* Run fn on each of the n structs of size bytes at args, in n threads at once, and wait for them all.
 * Returns how many threads started: n, unless the system refused one. */
static unsigned
run_threads(void *(*fn)(void *), void *args, size_t size, unsigned n)
{
    pthread_t th[MAX_TEST_THREADS];
    unsigned started = 0;

    while (started < n && started < MAX_TEST_THREADS &&
           pthread_create(&th[started], NULL, fn, (char *)args + started * size) == 0) {
        started++;
    }
    for (unsigned i = 0; i < started; i++) {
        pthread_join(th[i], NULL);
    }
    return started;
}

#define ACK_THREADS 8

struct ack_worker {
    struct gw_store *s;
    const char *id;
    unsigned n; /* the notice's id number */
    bool first; /* result: this ack was the first */
    enum gw_rc rc;
};

static void *
ack_run(void *arg)
{
    struct ack_worker *w = arg;
    unsigned char body[32];
    struct gw_outbox_msg notice;
    struct gw_err err;
    bool was = true;
    struct gw_audit_event nev = {"notification_queued", w->id, PEER, "ok", NULL, NULL};
    struct gw_audit_event aev = {"acked", w->id, "intake", "ok", NULL, NULL};
    int len = snprintf((char *)body, sizeof(body), "<notice n='%u'/>", w->n);

    make_out(&notice, w->n, body, (size_t)len);
    snprintf(notice.in_reply_to, sizeof(notice.in_reply_to), "%s", w->id);
    gw_err_clear(&err);
    w->rc = gw_store_ack_inbox(w->s, w->id, PEER, &notice, &nev, &aev, &was, &err);
    w->first = w->rc == GW_OK && !was;
    return NULL;
}

/* The first ack queues its notice with the ack, in one transaction; a later or racing one writes nothing:
 * 8 threads acking one message leave exactly one notice (and one of each audit event). A notice that cannot
 * be stored leaves the message unacknowledged. */
static void
test_inbox_ack_queues_notice_once(struct t *t)
{
    struct tstore d;
    struct gw_err err;
    struct gw_store *s = NULL;
    struct gw_inbox_msg m;
    struct gw_inbox_msg existing = {0};
    struct gw_inbox_msg got = {0};
    struct gw_outbox_msg notice;
    unsigned char body[] = "<x/>";
    unsigned char nbody[] = "<notice/>";
    bool dup = false;
    bool was = true;
    struct ack_worker w[ACK_THREADS];
    unsigned started = 0;
    unsigned first = 0;
    struct gw_audit_event nev = {"notification_queued", NULL, PEER, "ok", NULL, NULL};
    struct gw_audit_event aev = {"acked", NULL, "intake", "ok", NULL, NULL};

    EXPECT_TRUE(tstore_make(&d));
    EXPECT_OK(gw_store_open_sqlite(d.path, &s, &err), &err);
    make_in(&m, 1, body, sizeof(body) - 1);
    EXPECT_OK(gw_store_put_inbox(s, &m, NULL, &dup, &existing, &err), &err);
    /* a notice whose id is taken: DUPLICATE, and neither the ack nor anything else is written */
    make_out(&notice, 900, nbody, sizeof(nbody) - 1);
    EXPECT_OK(gw_store_put_outbox(s, &notice, NULL, &err), &err);
    EXPECT_FAIL(gw_store_ack_inbox(s, m.id, PEER, &notice, &nev, &aev, &was, &err), &err, GW_R_DUPLICATE);
    EXPECT_TRUE(was); /* untouched */
    EXPECT_OK(gw_store_get_inbox(s, m.id, PEER, &got, &err), &err);
    EXPECT_TRUE(!got.acked);
    gw_inbox_msg_cleanup(&got);
    EXPECT_INT_EQ(audit_count(d.path), 0);
    /* another sender's message with the same id is not this one */
    EXPECT_FAIL(gw_store_ack_inbox(s, m.id, "90009113532", NULL, NULL, &aev, &was, &err), &err, GW_R_NOT_FOUND);
    for (unsigned i = 0; i < ACK_THREADS; i++) {
        w[i] = (struct ack_worker){.s = s, .id = m.id, .n = 100 + i};
    }
    started = run_threads(ack_run, w, sizeof(w[0]), ACK_THREADS);
    for (unsigned i = 0; i < started; i++) {
        EXPECT_OK(w[i].rc, &err);
        first += w[i].first ? 1u : 0u;
    }
    EXPECT_INT_EQ(started, ACK_THREADS);
    EXPECT_INT_EQ(first, 1);
    EXPECT_INT_EQ(sql_int(d.path, "SELECT count(*) FROM outbox WHERE in_reply_to = '00000000-0000-4000-8000-"
                                  "000000000001'"),
                  1);
    EXPECT_INT_EQ(sql_int(d.path, "SELECT count(*) FROM audit WHERE event = 'notification_queued'"), 1);
    EXPECT_INT_EQ(sql_int(d.path, "SELECT count(*) FROM audit WHERE event = 'acked'"), 1);
    EXPECT_OK(gw_store_get_inbox(s, m.id, NULL, &got, &err), &err);
    EXPECT_TRUE(got.acked);
out:
    gw_inbox_msg_cleanup(&got);
    gw_store_close(s);
    tstore_remove(&d);
}

/* ---- MessageIds are unique per sender ---- */

#define OTHER "90009113532"

/* The same id from two senders is two messages; from the same sender, a duplicate of that sender's row.
 * Without a sender the id is ambiguous once two senders used it. */
static void
test_inbox_ids_per_sender(struct t *t)
{
    struct tstore d;
    struct gw_err err;
    struct gw_store *s = NULL;
    struct gw_inbox_msg m;
    struct gw_inbox_msg existing = {0};
    struct gw_inbox_msg got = {0};
    unsigned char body[] = "<first/>";
    unsigned char other[] = "<other sender/>";
    char sha[GW_SHA256_HEX_LEN + 1];
    bool dup = true;
    bool was = true;
    struct gw_audit_event ev = {"received", NULL, PEER, "ok", NULL, NULL};

    EXPECT_TRUE(tstore_make(&d));
    EXPECT_OK(gw_store_open_sqlite(d.path, &s, &err), &err);
    make_in(&m, 1, body, sizeof(body) - 1);
    EXPECT_OK(gw_store_put_inbox(s, &m, &ev, &dup, &existing, &err), &err);
    EXPECT_TRUE(!dup);
    EXPECT_OK(gw_store_get_inbox(s, m.id, NULL, &got, &err), &err); /* one sender: the id alone will do */
    EXPECT_STR_EQ(got.sender, PEER);
    gw_inbox_msg_cleanup(&got);
    EXPECT_FAIL(gw_store_get_inbox(s, m.id, OTHER, &got, &err), &err, GW_R_NOT_FOUND);
    make_in(&m, 1, other, sizeof(other) - 1);
    snprintf(m.sender, sizeof(m.sender), "%s", OTHER);
    dup = true;
    EXPECT_OK(gw_store_put_inbox(s, &m, &ev, &dup, &existing, &err), &err);
    EXPECT_TRUE(!dup);
    EXPECT_INT_EQ(sql_int(d.path, "SELECT count(*) FROM inbox"), 2);
    EXPECT_INT_EQ(audit_count(d.path), 2);
    /* the same sender again: its own row comes back */
    EXPECT_OK(gw_store_put_inbox(s, &m, &ev, &dup, &existing, &err), &err);
    EXPECT_TRUE(dup);
    EXPECT_STR_EQ(existing.sender, OTHER);
    EXPECT_INT_EQ(existing.seq, 2);
    gw_ids_hash_sha256(other, sizeof(other) - 1, sha);
    EXPECT_STR_EQ(existing.sha256, sha);
    gw_inbox_msg_cleanup(&existing);
    make_in(&m, 1, other, sizeof(other) - 1); /* PEER, other bytes: PEER's row, whose digest differs */
    EXPECT_OK(gw_store_put_inbox(s, &m, &ev, &dup, &existing, &err), &err);
    EXPECT_TRUE(dup);
    EXPECT_STR_EQ(existing.sender, PEER);
    EXPECT_INT_EQ(existing.seq, 1);
    EXPECT_INT_EQ(audit_count(d.path), 2);
    /* lookups */
    EXPECT_FAIL(gw_store_get_inbox(s, m.id, NULL, &got, &err), &err, GW_R_DUPLICATE);
    EXPECT_TRUE(t_contains(err.msg, "sender"));
    EXPECT_TRUE(got.body == NULL); /* untouched */
    EXPECT_OK(gw_store_get_inbox(s, m.id, OTHER, &got, &err), &err);
    EXPECT_TRUE(got.body_len == sizeof(other) - 1 && memcmp(got.body, other, got.body_len) == 0);
    gw_inbox_msg_cleanup(&got);
    EXPECT_OK(gw_store_get_inbox(s, m.id, PEER, &got, &err), &err);
    EXPECT_TRUE(got.body_len == sizeof(body) - 1 && memcmp(got.body, body, got.body_len) == 0);
    gw_inbox_msg_cleanup(&got);
    /* acks are per sender */
    EXPECT_OK(gw_store_ack_inbox(s, m.id, OTHER, NULL, NULL, NULL, &was, &err), &err);
    EXPECT_TRUE(!was);
    EXPECT_OK(gw_store_get_inbox(s, m.id, PEER, &got, &err), &err);
    EXPECT_TRUE(!got.acked);
    gw_inbox_msg_cleanup(&got);
    EXPECT_OK(gw_store_ack_inbox(s, m.id, PEER, NULL, NULL, NULL, &was, &err), &err);
    EXPECT_TRUE(!was);
out:
    gw_inbox_msg_cleanup(&existing);
    gw_inbox_msg_cleanup(&got);
    gw_store_close(s);
    tstore_remove(&d);
}

/* The inbox table of schema version 1 (id unique across senders), as a store made by an older gateway has it. */
static const char inbox_v1[] = "DROP TABLE inbox;"
                               "CREATE TABLE inbox("
                               "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
                               "  id TEXT NOT NULL UNIQUE,"
                               "  sender TEXT NOT NULL,"
                               "  type TEXT NOT NULL,"
                               "  sha256 TEXT NOT NULL,"
                               "  body BLOB NOT NULL,"
                               "  receipt BLOB,"
                               "  received_ms INTEGER NOT NULL,"
                               "  acked INTEGER NOT NULL DEFAULT 0 CHECK (acked IN (0, 1)),"
                               "  acked_ms INTEGER NOT NULL DEFAULT 0"
                               ") STRICT;"
                               "CREATE INDEX inbox_unacked ON inbox(seq) WHERE acked = 0;"
                               "DROP INDEX rejected_sender_message_id;"
                               "CREATE INDEX rejected_message_id ON rejected(message_id);"
                               /* and no digests in the audit log (migration 3) */
                               "DROP INDEX audit_row_ref;"
                               "ALTER TABLE audit DROP COLUMN row_ref;"
                               "ALTER TABLE audit DROP COLUMN sha256;"
                               "DELETE FROM meta WHERE key = 'audit_v2_from';"
                               /* and no Merkle tree (migration 4) */
                               "DROP TABLE merkle;"
                               /* and no checkpoints (migration 5) */
                               "DROP TABLE checkpoints;"
                               /* and no peers' checkpoints (migration 6) */
                               "DROP TABLE peer_checkpoints;"
                               "UPDATE meta SET value = 1 WHERE key = 'schema_version';";

/* Append a version 1 "received" entry for message id to the log of the store at path, as a gateway before
 * digests wrote it, and advance the head in meta. */
static bool
append_v1_received(const char *path, const char *id)
{
    struct gw_err err;
    char prev[GW_AUDIT_HASH_LEN + 8] = GW_AUDIT_GENESIS;
    char hash[GW_AUDIT_HASH_LEN + 1];
    char sql[1024];
    int64_t seq = sql_int(path, "SELECT value FROM meta WHERE key = 'audit_last_seq'") + 1;
    struct gw_audit_entry e = {.time = "2025-01-01T00:00:00.000Z",
                               .event = "received",
                               .message_id = id,
                               .peer = PEER,
                               .outcome = "accepted",
                               .reason = "",
                               .sha256 = "",
                               .row_ref = "",
                               .version = 1};

    if (seq > 1 && !sql_text(path, "SELECT value FROM meta WHERE key = 'audit_last_hash'", prev, sizeof(prev))) {
        return false;
    }
    e.seq = seq;
    e.prev_hash = prev;
    if (gw_audit_hash(&e, hash, &err) != GW_OK) {
        return false;
    }
    snprintf(sql, sizeof(sql),
             "INSERT INTO audit VALUES (%" PRId64 ", '%s', 'received', '%s', '%s', 'accepted', '', '%s', '%s');"
             "UPDATE meta SET value = %" PRId64 " WHERE key = 'audit_last_seq';"
             "UPDATE meta SET value = '%s' WHERE key = 'audit_last_hash';",
             seq, e.time, id, PEER, prev, hash, seq, hash);
    return sql_exec(path, sql);
}

/* A version 1 store opens: its inbox rows keep their seq, fields and acks, the counter goes on after the
 * highest seq ever given (also one whose row is gone), the audit log still verifies, and ids are then per
 * sender. */
static void
test_migrate_v1_inbox(struct t *t)
{
    struct tstore d;
    struct gw_err err;
    struct gw_store *s = NULL;
    struct gw_inbox_msg m;
    struct gw_inbox_msg existing = {0};
    struct gw_inbox_msg got = {0};
    unsigned char body[] = "<x/>";
    bool dup = true;
    uint64_t n = 0;
    struct gw_audit_event ev = {"received", NULL, PEER, "ok", NULL, NULL};
    char d1[GW_SHA256_HEX_LEN + 1];
    char d2[GW_SHA256_HEX_LEN + 1];
    char d3[GW_SHA256_HEX_LEN + 1];
    char rows[1024];

    EXPECT_TRUE(tstore_make(&d));
    EXPECT_OK(gw_store_open_sqlite(d.path, &s, &err), &err);
    gw_store_close(s);
    s = NULL;
    EXPECT_TRUE(sql_exec(d.path, inbox_v1));
    EXPECT_OK(gw_store_open_sqlite(d.path, &s, &err), &err); /* v1 -> current */
    EXPECT_INT_EQ(sql_int(d.path, "SELECT value FROM meta WHERE key = 'schema_version'"), 7);
    gw_store_close(s);
    s = NULL;
    /* the same again with rows in it, each with its version 1 entry: seq 1..3 given, 3 deleted, 1 acked */
    EXPECT_TRUE(sql_exec(d.path, inbox_v1));
    gw_ids_hash_sha256((const unsigned char *)"<x/>", 4, d1);
    gw_ids_hash_sha256((const unsigned char *)"<y/>", 4, d2);
    gw_ids_hash_sha256((const unsigned char *)"<z/>", 4, d3);
    snprintf(rows, sizeof(rows),
             "INSERT INTO inbox(id, sender, type, sha256, body, receipt, received_ms, acked, acked_ms) VALUES "
             "('00000000-0000-4000-8000-000000000001', '" PEER "', 'Letter', '%s', x'3c782f3e', x'3c722f3e', 11, "
             "1, 12),"
             "('00000000-0000-4000-8000-000000000002', '" PEER "', 'Decision', '%s', x'3c792f3e', NULL, 21, 0, 0),"
             "('00000000-0000-4000-8000-000000000003', '" PEER "', 'Letter', '%s', x'3c7a2f3e', NULL, 31, 0, 0);"
             "DELETE FROM inbox WHERE seq = 3;",
             d1, d2, d3);
    EXPECT_TRUE(sql_exec(d.path, rows));
    EXPECT_TRUE(append_v1_received(d.path, "00000000-0000-4000-8000-000000000001"));
    EXPECT_TRUE(append_v1_received(d.path, "00000000-0000-4000-8000-000000000002"));
    EXPECT_TRUE(append_v1_received(d.path, "00000000-0000-4000-8000-000000000003"));
    EXPECT_OK(gw_audit_verify_sqlite(d.path, &n, &err), &err); /* a version 1 store */
    EXPECT_INT_EQ(n, 3);
    EXPECT_OK(gw_store_open_sqlite(d.path, &s, &err), &err);
    EXPECT_INT_EQ(sql_int(d.path, "SELECT value FROM meta WHERE key = 'schema_version'"), 7);
    EXPECT_INT_EQ(sql_int(d.path, "SELECT value FROM meta WHERE key = 'audit_v2_from'"), 4);
    /* migration 4 built the tree of the three version 1 entries: 3 leaves and the node over the first two */
    EXPECT_INT_EQ(sql_int(d.path, "SELECT count(*) FROM merkle"), 4);
    EXPECT_OK(gw_store_get_inbox(s, "00000000-0000-4000-8000-000000000001", NULL, &got, &err), &err);
    EXPECT_INT_EQ(got.seq, 1);
    EXPECT_TRUE(got.acked);
    EXPECT_INT_EQ(got.acked_ms, 12);
    EXPECT_INT_EQ(got.received_ms, 11);
    EXPECT_STR_EQ(got.sha256, d1);
    EXPECT_TRUE(got.receipt_len == 4 && memcmp(got.receipt, "<r/>", 4) == 0);
    gw_inbox_msg_cleanup(&got);
    EXPECT_OK(gw_store_get_inbox(s, "00000000-0000-4000-8000-000000000002", PEER, &got, &err), &err);
    EXPECT_INT_EQ(got.seq, 2);
    EXPECT_STR_EQ(got.type, "Decision");
    EXPECT_TRUE(got.receipt == NULL && !got.acked);
    gw_inbox_msg_cleanup(&got);
    /* the next message gets seq 4, never the 3 an intake may already have passed */
    make_in(&m, 2, body, sizeof(body) - 1);
    snprintf(m.sender, sizeof(m.sender), "%s", OTHER);
    EXPECT_OK(gw_store_put_inbox(s, &m, &ev, &dup, &existing, &err), &err);
    EXPECT_TRUE(!dup);
    EXPECT_OK(gw_store_get_inbox(s, m.id, OTHER, &got, &err), &err);
    EXPECT_INT_EQ(got.seq, 4);
    gw_inbox_msg_cleanup(&got);
    EXPECT_INT_EQ(sql_int(d.path, "SELECT count(*) FROM sqlite_master WHERE name IN ('inbox_unacked', "
                                  "'rejected_sender_message_id') OR name LIKE 'inbox_v%'"),
                  2);
    gw_store_close(s);
    s = NULL;
    /* the old entries keep their version 1 hash, the new one is version 2 and names its row */
    EXPECT_OK(gw_audit_verify_sqlite(d.path, &n, &err), &err);
    EXPECT_INT_EQ(n, 4);
    EXPECT_INT_EQ(sql_int(d.path, "SELECT count(*) FROM audit WHERE row_ref = 'inbox:4' AND seq = 4"), 1);
    /* a row older than the digests is still checked against its own digest */
    EXPECT_TRUE(sql_exec(d.path, "UPDATE inbox SET body = x'3c712f3e' WHERE seq = 2"));
    EXPECT_FAIL(gw_audit_verify_sqlite(d.path, &n, &err), &err, GW_R_AUDIT_BROKEN);
    EXPECT_TRUE(t_contains(err.msg, "inbox:2"));
out:
    gw_inbox_msg_cleanup(&existing);
    gw_inbox_msg_cleanup(&got);
    gw_store_close(s);
    tstore_remove(&d);
}

static void
test_counts_and_rejected(struct t *t)
{
    struct tstore d;
    struct gw_err err;
    struct gw_store *s = NULL;
    struct gw_outbox_msg m;
    struct gw_inbox_msg in;
    struct gw_inbox_msg existing = {0};
    unsigned char body[] = "<x/>";
    unsigned char receipt[] = "<Receipt>Rejected</Receipt>";
    uint64_t by_state[GW_OUT_STATE_COUNT] = {9, 9, 9, 9, 9};
    uint64_t unacked = 9;
    bool dup = false;
    bool was = false;
    struct gw_audit_event ev = {"rejected", "garbage", PEER, "rejected", "SIG_INVALID", NULL};
    static const enum gw_out_state states[] = {GW_OUT_QUEUED,    GW_OUT_QUEUED,    GW_OUT_DELIVERING,
                                               GW_OUT_DELIVERED, GW_OUT_DELIVERED, GW_OUT_DELIVERED,
                                               GW_OUT_FAILED};

    EXPECT_TRUE(tstore_make(&d));
    EXPECT_OK(gw_store_open_sqlite(d.path, &s, &err), &err);
    EXPECT_OK(gw_store_counts(s, by_state, &unacked, &err), &err);
    EXPECT_TRUE(by_state[0] == 0 && by_state[1] == 0 && by_state[2] == 0 && by_state[3] == 0 && by_state[4] == 0);
    EXPECT_INT_EQ(unacked, 0);
    for (unsigned i = 0; i < T_COUNT(states); i++) {
        make_out(&m, i, body, sizeof(body) - 1);
        m.state = states[i];
        EXPECT_OK(gw_store_put_outbox(s, &m, NULL, &err), &err);
    }
    for (unsigned i = 0; i < 3; i++) {
        make_in(&in, i, body, sizeof(body) - 1);
        EXPECT_OK(gw_store_put_inbox(s, &in, NULL, &dup, &existing, &err), &err);
    }
    EXPECT_OK(gw_store_ack_inbox(s, in.id, PEER, NULL, NULL, NULL, &was, &err), &err);
    EXPECT_OK(gw_store_counts(s, by_state, &unacked, &err), &err);
    EXPECT_INT_EQ(by_state[GW_OUT_QUEUED], 2);
    EXPECT_INT_EQ(by_state[GW_OUT_DELIVERING], 1);
    EXPECT_INT_EQ(by_state[GW_OUT_DELIVERED], 3);
    EXPECT_INT_EQ(by_state[GW_OUT_REJECTED], 0);
    EXPECT_INT_EQ(by_state[GW_OUT_FAILED], 1);
    EXPECT_INT_EQ(unacked, 2);
    /* rejected messages: with and without a body */
    EXPECT_OK(gw_store_put_rejected(s, "garbage", PEER, NULL, 0, "XML_MALFORMED", receipt, sizeof(receipt) - 1,
                                    &ev, &err),
              &err);
    EXPECT_OK(gw_store_put_rejected(s, NULL, NULL, body, sizeof(body) - 1, "SIG_INVALID", NULL, 0, &ev, &err),
              &err);
    EXPECT_INT_EQ(sql_int(d.path, "SELECT count(*) FROM rejected"), 2);
    EXPECT_INT_EQ(sql_int(d.path, "SELECT count(*) FROM rejected WHERE body IS NULL AND receipt IS NOT NULL"), 1);
    EXPECT_INT_EQ(sql_int(d.path, "SELECT length(body) FROM rejected WHERE message_id = ''"), sizeof(body) - 1);
    EXPECT_INT_EQ(audit_count(d.path), 2);
    EXPECT_FAIL(gw_store_audit(s, NULL, &err), &err, GW_R_INTERNAL);
out:
    gw_store_close(s);
    tstore_remove(&d);
}

/* ---- audit chain ---- */

/* The bytes the chain hash of a version 2 entry covers (docs/audit.md 2.2): entry 12, the first of the log,
 * "submitted" of message ...0001 by PEER, ok, the digest of "<x/>" and its outbox row. */
static const char audit_encoded_v2[] = "11:gw-audit-v2,"
                                       "64:" GW_AUDIT_GENESIS ","
                                       "2:12,"
                                       "24:2025-03-01T10:20:30.123Z,"
                                       "9:submitted,"
                                       "36:00000000-0000-4000-8000-000000000001,"
                                       "11:" PEER ","
                                       "2:ok,"
                                       "0:,"
                                       "64:2a31f44da4bd7decbbd3ddfd1a37ae04d02ec665e2c2688816ccc65631586ed1,"
                                       "43:outbox:00000000-0000-4000-8000-000000000001,";

/* The hash is SHA-256 over netstrings of the tag, prev_hash, seq and the fields (docs/audit.md): rebuilt
 * here independently of audit.c. */
static void
test_audit_hash_encoding(struct t *t)
{
    struct gw_err err;
    char got[GW_AUDIT_HASH_LEN + 1];
    char want[GW_SHA256_HEX_LEN + 1];
    static const char encoded[] = "11:gw-audit-v1,"
                                  "64:" GW_AUDIT_GENESIS ","
                                  "2:12,"
                                  "24:2025-03-01T10:20:30.123Z,"
                                  "9:submitted,"
                                  "36:00000000-0000-4000-8000-000000000001,"
                                  "11:" PEER ","
                                  "2:ok,"
                                  "0:,";
    struct gw_audit_entry e = {
        .seq = 12,
        .time = "2025-03-01T10:20:30.123Z",
        .event = "submitted",
        .message_id = "00000000-0000-4000-8000-000000000001",
        .peer = PEER,
        .outcome = "ok",
        .reason = "",
        .sha256 = "",
        .row_ref = "",
        .version = 1,
        .prev_hash = GW_AUDIT_GENESIS,
        .hash = "",
    };

    gw_err_clear(&err);
    EXPECT_OK(gw_audit_hash(&e, got, &err), &err);
    gw_ids_hash_sha256((const unsigned char *)encoded, sizeof(encoded) - 1, want);
    EXPECT_STR_EQ(got, want);
    /* moving a byte between adjacent fields changes the hash (the lengths frame the fields) */
    e.event = "submitte";
    e.message_id = "d00000000-0000-4000-8000-000000000001";
    EXPECT_OK(gw_audit_hash(&e, want, &err), &err);
    EXPECT_TRUE(strcmp(got, want) != 0);
    /* entry checks: seq, hash form, link */
    e.event = "submitted";
    e.message_id = "00000000-0000-4000-8000-000000000001";
    e.hash = got;
    EXPECT_OK(gw_audit_check_entry(&e, 12, GW_AUDIT_GENESIS, &err), &err);
    EXPECT_FAIL(gw_audit_check_entry(&e, 11, GW_AUDIT_GENESIS, &err), &err, GW_R_AUDIT_BROKEN);
    EXPECT_STR_EQ(err.where, "audit entry 11");
    EXPECT_TRUE(t_contains(err.msg, "missing"));
    EXPECT_FAIL(gw_audit_check_entry(&e, 12, got, &err), &err, GW_R_AUDIT_BROKEN);
    EXPECT_TRUE(t_contains(err.msg, "broken link"));
    e.hash = "ABC";
    EXPECT_FAIL(gw_audit_check_entry(&e, 12, GW_AUDIT_GENESIS, &err), &err, GW_R_AUDIT_BROKEN);
    EXPECT_TRUE(t_contains(err.msg, "malformed"));
    EXPECT_INT_EQ(err.rc, GW_EPOLICY);
    /* version 2: two more fields under a new tag (docs/audit.md 2.2) */
    e.version = 2;
    e.sha256 = "2a31f44da4bd7decbbd3ddfd1a37ae04d02ec665e2c2688816ccc65631586ed1"; /* of "<x/>" */
    e.row_ref = "outbox:00000000-0000-4000-8000-000000000001";
    gw_ids_hash_sha256((const unsigned char *)"<x/>", 4, want);
    EXPECT_STR_EQ(e.sha256, want);
    EXPECT_OK(gw_audit_hash(&e, got, &err), &err);
    gw_ids_hash_sha256((const unsigned char *)audit_encoded_v2, sizeof(audit_encoded_v2) - 1, want);
    EXPECT_STR_EQ(got, want);
    e.hash = got;
    EXPECT_OK(gw_audit_check_entry(&e, 12, GW_AUDIT_GENESIS, &err), &err);
    /* a version 1 entry with a digest: its hash does not cover it */
    e.version = 1;
    EXPECT_OK(gw_audit_hash(&e, got, &err), &err);
    EXPECT_FAIL(gw_audit_check_entry(&e, 12, GW_AUDIT_GENESIS, &err), &err, GW_R_AUDIT_BROKEN);
    EXPECT_TRUE(t_contains(err.msg, "version 1"));
    e.version = 2;
    e.sha256 = "ABC";
    EXPECT_OK(gw_audit_hash(&e, got, &err), &err);
    EXPECT_FAIL(gw_audit_check_entry(&e, 12, GW_AUDIT_GENESIS, &err), &err, GW_R_AUDIT_BROKEN);
    EXPECT_TRUE(t_contains(err.msg, "malformed sha256"));
out:
    return;
}

static void
test_audit_time_and_field(struct t *t)
{
    char when[GW_AUDIT_TIME_LEN + 1];
    char field[GW_AUDIT_MAX_FIELD + 1];
    char *big = NULL;

    gw_audit_time_now(when);
    EXPECT_INT_EQ(strlen(when), GW_AUDIT_TIME_LEN);
    EXPECT_TRUE(when[4] == '-' && when[10] == 'T' && when[19] == '.' && when[23] == 'Z');
    EXPECT_TRUE(strncmp(when, "20", 2) == 0);
    gw_audit_field(NULL, field);
    EXPECT_STR_EQ(field, "");
    /* cut at the limit, never inside a two-byte character ("ā" is c4 81) */
    big = malloc(2 * GW_AUDIT_MAX_FIELD + 2);
    EXPECT_TRUE(big != NULL);
    big[0] = 'x';
    for (size_t i = 1; i + 1 < 2 * GW_AUDIT_MAX_FIELD; i += 2) {
        big[i] = (char)0xc4;
        big[i + 1] = (char)0x81;
    }
    big[2 * GW_AUDIT_MAX_FIELD - 1] = '\0';
    gw_audit_field(big, field);
    EXPECT_INT_EQ(strlen(field), GW_AUDIT_MAX_FIELD - 1);
    EXPECT_TRUE((unsigned char)field[strlen(field) - 1] == 0x81);
out:
    free(big);
}

/* Fill a new store with n audit entries (one per op, various ops) and close it. */
static bool
store_with_entries(const char *path, unsigned n)
{
    struct gw_err err;
    struct gw_store *s = NULL;
    unsigned char body[] = "<x/>";
    bool ok = gw_store_open_sqlite(path, &s, &err) == GW_OK;

    for (unsigned i = 1; ok && i <= n; i++) {
        struct gw_outbox_msg m;
        char reason[32];
        struct gw_audit_event ev = {"submitted", NULL, PEER, "ok", reason, NULL};

        snprintf(reason, sizeof(reason), "entry %u", i);
        make_out(&m, i, body, sizeof(body) - 1);
        ev.message_id = m.id;
        gw_err_clear(&err);
        if (i % 2 == 0) {
            ok = gw_store_put_outbox(s, &m, &ev, &err) == GW_OK;
        } else {
            ev.event = "delivery_attempt";
            ok = gw_store_audit(s, &ev, &err) == GW_OK;
        }
    }
    gw_store_close(s);
    return ok;
}

static void
test_audit_chain_verifies(struct t *t)
{
    struct tstore d;
    struct gw_err err;
    uint64_t n = 0;
    char prev[80] = "";
    char field[GW_AUDIT_MAX_FIELD + 8];
    struct gw_store *s = NULL;
    char *big = NULL;
    struct gw_audit_event ev = {"rejected", "\x01odd\nid", NULL, "rejected", NULL, NULL};

    EXPECT_TRUE(tstore_make(&d));
    /* an empty log verifies */
    EXPECT_TRUE(store_with_entries(d.path, 0));
    EXPECT_OK(gw_audit_verify_sqlite(d.path, &n, &err), &err);
    EXPECT_INT_EQ(n, 0);
    EXPECT_TRUE(store_with_entries(d.path, 0)); /* reopen of an existing store */
    tstore_remove(&d);
    EXPECT_TRUE(tstore_make(&d));
    EXPECT_TRUE(store_with_entries(d.path, 120));
    EXPECT_OK(gw_audit_verify_sqlite(d.path, &n, &err), &err);
    EXPECT_INT_EQ(n, 120);
    EXPECT_TRUE(sql_text(d.path, "SELECT prev_hash FROM audit WHERE seq = 1", prev, sizeof(prev)));
    EXPECT_STR_EQ(prev, GW_AUDIT_GENESIS);
    EXPECT_INT_EQ(sql_int(d.path, "SELECT value FROM meta WHERE key = 'audit_last_seq'"), 120);
    /* the chain continues across a reopen; a long detail is cut, not refused */
    big = malloc(3000);
    EXPECT_TRUE(big != NULL);
    memset(big, 'r', 2999);
    big[2999] = '\0';
    ev.reason = big;
    EXPECT_OK(gw_store_open_sqlite(d.path, &s, &err), &err);
    EXPECT_OK(gw_store_audit(s, &ev, &err), &err);
    gw_store_close(s);
    s = NULL;
    EXPECT_OK(gw_audit_verify_sqlite(d.path, &n, &err), &err);
    EXPECT_INT_EQ(n, 121);
    EXPECT_TRUE(sql_text(d.path, "SELECT reason FROM audit WHERE seq = 121", field, sizeof(field)));
    EXPECT_INT_EQ(strlen(field), GW_AUDIT_MAX_FIELD);
    /* append-only against mistakes */
    EXPECT_TRUE(!sql_exec(d.path, "UPDATE audit SET outcome = 'ok' WHERE seq = 2"));
    EXPECT_TRUE(!sql_exec(d.path, "DELETE FROM audit WHERE seq = 2"));
out:
    free(big);
    gw_store_close(s);
    tstore_remove(&d);
}

struct tamper_case {
    const char *sql; /* run on a store of 10 entries, after dropping the append-only triggers */
    uint64_t entry;  /* the entry verify must name */
    const char *why; /* a word its message must contain */
};

static const char drop_triggers[] = "DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;";

static const struct tamper_case tamper_update = {"UPDATE audit SET outcome = 'ok-forged' WHERE seq = 4", 4,
                                                 "hash mismatch"};
static const struct tamper_case tamper_delete = {"DELETE FROM audit WHERE seq = 6", 6, "missing"};
static const struct tamper_case tamper_swap = {
    "CREATE TEMP TABLE t AS SELECT * FROM audit WHERE seq IN (3, 7);"
    "UPDATE audit SET (time, event, message_id, peer, outcome, reason, prev_hash, hash) = "
    "(SELECT time, event, message_id, peer, outcome, reason, prev_hash, hash FROM t WHERE t.seq = 10 - audit.seq) "
    "WHERE seq IN (3, 7);",
    3, "hash mismatch"};
static const struct tamper_case tamper_delete_last = {"DELETE FROM audit WHERE seq = 10", 10,
                                                      "removed from the end"};
static const struct tamper_case tamper_delete_first = {"DELETE FROM audit WHERE seq = 1", 1, "missing"};
static const struct tamper_case tamper_renumber = {
    "DELETE FROM audit WHERE seq = 5; UPDATE audit SET seq = seq - 1 WHERE seq > 5", 5, "hash mismatch"};
static const struct tamper_case tamper_nul = {
    "UPDATE audit SET reason = CAST(reason || x'00' || 'x' AS TEXT) WHERE seq = 8", 8, "NUL"};
static const struct tamper_case tamper_append = {
    "INSERT INTO audit SELECT 11, time, event, message_id, peer, outcome, reason, hash, hash, sha256, row_ref "
    "FROM audit "
    "WHERE seq = 10",
    11, "hash mismatch"};
static const struct tamper_case tamper_swap_adjacent = {
    "CREATE TEMP TABLE t AS SELECT * FROM audit WHERE seq IN (8, 9);"
    "UPDATE audit SET (time, event, message_id, peer, outcome, reason, prev_hash, hash) = "
    "(SELECT time, event, message_id, peer, outcome, reason, prev_hash, hash FROM t WHERE t.seq = 17 - audit.seq) "
    "WHERE seq IN (8, 9);",
    8, "hash mismatch"};

/* Stored messages changed or removed behind the gateway's back (security review F8): entry 0 means verify
 * names the row rather than an entry. The store: outbox row (entry 1), inbox rows 1 and 2 (entries 2, 3), a
 * rejected row with its body (entry 4) and one without (entry 5), a delivery attempt with a receipt (6). */
static const struct tamper_case rows_inbox_swapped = {
    "UPDATE inbox SET body = CAST('<forged/>' AS BLOB), sha256 = '00' WHERE seq = 1", 0, "inbox:1"};
static const struct tamper_case rows_inbox_deleted = {"DELETE FROM inbox WHERE seq = 2", 3, "missing"};
static const struct tamper_case rows_outbox_changed = {
    "UPDATE outbox SET body = CAST('<forged/>' AS BLOB) WHERE rowid = 1", 0, "outbox:"};
static const struct tamper_case rows_notice_in_reply_to = {
    "UPDATE outbox SET in_reply_to = id WHERE type = 'Receipt'", 7, "not the message this entry recorded"};
static const struct tamper_case rows_rejected_deleted = {"DELETE FROM rejected", 4, "rejected:1 is missing"};
static const struct tamper_case rows_inbox_rehashed = {
    "UPDATE inbox SET body = CAST('<y/>' AS BLOB), sha256 = (SELECT sha256 FROM inbox WHERE seq = 2) "
    "WHERE seq = 1",
    2, "not the one this entry recorded"};
static const struct tamper_case rows_rejected_added = {
    "INSERT INTO rejected(message_id, sender, body, reason, receipt, received_ms) "
    "SELECT message_id, sender, body, reason, receipt, received_ms FROM rejected WHERE seq = 1",
    0, "rejected:3 (message"};

static void
test_audit_rows_tamper(struct t *t)
{
    const struct tamper_case *c = t->arg;
    struct tstore d;
    struct gw_err err;
    struct gw_store *s = NULL;
    struct gw_outbox_msg m;
    struct gw_inbox_msg in;
    struct gw_inbox_msg existing = {0};
    unsigned char out_body[] = "<out/>";
    unsigned char in1[] = "<x/>";
    unsigned char in2[] = "<y/>";
    unsigned char bad[] = "<not-signed/>";
    unsigned char receipt[] = "<Receipt/>";
    char want[GW_SHA256_HEX_LEN + 1];
    char got[GW_SHA256_HEX_LEN + 8];
    bool dup = false;
    uint64_t n = 0;
    struct gw_audit_event sub = {"submitted", NULL, PEER, "ok", NULL, NULL};
    struct gw_audit_event rec = {"received", NULL, PEER, "accepted", NULL, NULL};
    struct gw_audit_event rej = {"rejected", "garbage", PEER, "rejected", "SIG_INVALID", NULL};
    struct gw_audit_event att = {"delivery_attempt", NULL, PEER, "delivered", NULL, NULL};
    struct gw_audit_event note_ev = {"notification_queued", NULL, PEER, "ok", NULL, NULL};
    struct gw_audit_event ack_ev = {"acked", NULL, "intake", "ok", NULL, NULL};
    struct gw_outbox_msg note;
    unsigned char note_body[] = "<Receipt>Delivered</Receipt>";

    EXPECT_TRUE(tstore_make(&d));
    EXPECT_OK(gw_store_open_sqlite(d.path, &s, &err), &err);
    make_out(&m, 1, out_body, sizeof(out_body) - 1);
    EXPECT_OK(gw_store_put_outbox(s, &m, &sub, &err), &err);
    make_in(&in, 2, in1, sizeof(in1) - 1);
    EXPECT_OK(gw_store_put_inbox(s, &in, &rec, &dup, &existing, &err), &err);
    make_in(&in, 3, in2, sizeof(in2) - 1);
    EXPECT_OK(gw_store_put_inbox(s, &in, &rec, &dup, &existing, &err), &err);
    EXPECT_OK(gw_store_put_rejected(s, "garbage", PEER, bad, sizeof(bad) - 1, "SIG_INVALID", NULL, 0, &rej, &err),
              &err);
    rej.message_id = NULL;
    EXPECT_OK(gw_store_put_rejected(s, NULL, PEER, NULL, 0, "HTTP_BAD_REQUEST", NULL, 0, &rej, &err), &err);
    m.state = GW_OUT_DELIVERED;
    m.receipt = receipt;
    m.receipt_len = sizeof(receipt) - 1;
    att.message_id = m.id;
    EXPECT_OK(gw_store_update_outbox(s, &m, &att, &err), &err);
    /* the Delivered notification queued with an ack names the acknowledged message (entries 7 and 8) */
    make_out(&note, 4, note_body, sizeof(note_body) - 1);
    snprintf(note.type, sizeof(note.type), "Receipt");
    make_id(note.in_reply_to, 3);
    ack_ev.message_id = note.in_reply_to;
    note_ev.message_id = note.in_reply_to;
    EXPECT_OK(gw_store_ack_inbox(s, note.in_reply_to, PEER, &note, &note_ev, &ack_ev, &dup, &err), &err);
    gw_store_close(s);
    s = NULL;
    /* each entry carries the digest of its bytes, and the store vouches for it: a wrong one is refused */
    gw_ids_hash_sha256(bad, sizeof(bad) - 1, want);
    EXPECT_TRUE(
        sql_text(d.path, "SELECT sha256 FROM audit WHERE seq = 4 AND row_ref = 'rejected:1'", got, sizeof(got)));
    EXPECT_STR_EQ(got, want);
    gw_ids_hash_sha256(receipt, sizeof(receipt) - 1, want);
    EXPECT_TRUE(sql_text(d.path, "SELECT sha256 FROM audit WHERE seq = 6 AND row_ref = ''", got, sizeof(got)));
    EXPECT_STR_EQ(got, want);
    EXPECT_INT_EQ(sql_int(d.path, "SELECT count(*) FROM audit WHERE seq = 5 AND sha256 = '' AND "
                                  "row_ref = 'rejected:2'"),
                  1);
    EXPECT_INT_EQ(sql_int(d.path, "SELECT count(*) FROM audit WHERE seq = 7 AND row_ref LIKE 'outbox:%' AND "
                                  "event = 'notification_queued'"),
                  1);
    EXPECT_OK(gw_audit_verify_sqlite(d.path, &n, &err), &err);
    EXPECT_INT_EQ(n, 8);
    EXPECT_OK(gw_store_open_sqlite(d.path, &s, &err), &err);
    make_out(&m, 9, out_body, sizeof(out_body) - 1);
    sub.sha256 = want; /* the receipt's digest, not the body's */
    EXPECT_FAIL(gw_store_put_outbox(s, &m, &sub, &err), &err, GW_R_INTERNAL);
    sub.sha256 = "not hex";
    EXPECT_FAIL(gw_store_audit(s, &sub, &err), &err, GW_R_INTERNAL);
    gw_store_close(s);
    s = NULL;
    /* now the change behind the gateway's back */
    EXPECT_TRUE(sql_exec(d.path, c->sql));
    EXPECT_FAIL(gw_audit_verify_sqlite(d.path, &n, &err), &err, GW_R_AUDIT_BROKEN);
    if (c->entry > 0) {
        char where[48];
        snprintf(where, sizeof(where), "audit entry %" PRIu64, c->entry);
        EXPECT_STR_EQ(err.where, where);
    } else {
        EXPECT_STR_EQ(err.where, d.path);
    }
    EXPECT_TRUE(t_contains(err.msg, c->why));
out:
    gw_inbox_msg_cleanup(&existing);
    gw_store_close(s);
    tstore_remove(&d);
}

/* Change the database behind the gateway's back; verify names the entry. */
static void
test_audit_tamper(struct t *t)
{
    const struct tamper_case *c = t->arg;
    struct tstore d;
    struct gw_err err;
    uint64_t n = 77;

    EXPECT_TRUE(tstore_make(&d));
    EXPECT_TRUE(store_with_entries(d.path, 10));
    EXPECT_OK(gw_audit_verify_sqlite(d.path, &n, &err), &err);
    EXPECT_INT_EQ(n, 10);
    EXPECT_TRUE(sql_exec(d.path, drop_triggers));
    EXPECT_TRUE(sql_exec(d.path, c->sql));
    n = 77;
    EXPECT_FAIL(gw_audit_verify_sqlite(d.path, &n, &err), &err, GW_R_AUDIT_BROKEN);
    EXPECT_INT_EQ(err.rc, GW_EPOLICY);
    {
        char want[32];
        snprintf(want, sizeof(want), "audit entry %" PRIu64, c->entry);
        EXPECT_STR_EQ(err.where, want);
    }
    EXPECT_TRUE(t_contains(err.msg, c->why));
    EXPECT_INT_EQ(n, 77); /* untouched */
out:
    tstore_remove(&d);
}

/* An entry rewritten with a correctly recomputed hash: the next entry's link breaks. */
static void
test_audit_tamper_rehash(struct t *t)
{
    struct tstore d;
    struct gw_err err;
    uint64_t n = 0;
    char prev[GW_AUDIT_HASH_LEN + 8];
    char when[GW_AUDIT_TIME_LEN + 8];
    char hash[GW_AUDIT_HASH_LEN + 1];
    char sql[512];
    struct gw_audit_entry e = {.seq = 5,
                               .event = "submitted",
                               .peer = PEER,
                               .outcome = "forged",
                               .reason = "",
                               .sha256 = "",
                               .row_ref = "",
                               .version = 2};

    EXPECT_TRUE(tstore_make(&d));
    EXPECT_TRUE(store_with_entries(d.path, 10));
    EXPECT_TRUE(sql_text(d.path, "SELECT prev_hash FROM audit WHERE seq = 5", prev, sizeof(prev)));
    EXPECT_TRUE(sql_text(d.path, "SELECT time FROM audit WHERE seq = 5", when, sizeof(when)));
    e.prev_hash = prev;
    e.time = when;
    e.message_id = "";
    EXPECT_OK(gw_audit_hash(&e, hash, &err), &err);
    snprintf(sql, sizeof(sql),
             "%s UPDATE audit SET event = 'submitted', message_id = '', peer = '%s', outcome = 'forged', "
             "reason = '', hash = '%s' WHERE seq = 5",
             drop_triggers, PEER, hash);
    EXPECT_TRUE(sql_exec(d.path, sql));
    EXPECT_FAIL(gw_audit_verify_sqlite(d.path, &n, &err), &err, GW_R_AUDIT_BROKEN);
    EXPECT_STR_EQ(err.where, "audit entry 6");
    EXPECT_TRUE(t_contains(err.msg, "broken link"));
out:
    tstore_remove(&d);
}

/* A well-formed entry added after the last one (correct link and hash) is caught by the head the gateway
 * recorded. */
static void
test_audit_tamper_append_valid(struct t *t)
{
    struct tstore d;
    struct gw_err err;
    uint64_t n = 0;
    char prev[GW_AUDIT_HASH_LEN + 8];
    char hash[GW_AUDIT_HASH_LEN + 1];
    char sql[512];
    struct gw_audit_entry e = {.seq = 11,
                               .time = "2025-01-01T00:00:00.000Z",
                               .event = "delivered",
                               .message_id = "",
                               .peer = PEER,
                               .outcome = "ok",
                               .reason = "",
                               .sha256 = "",
                               .row_ref = "",
                               .version = 2};

    EXPECT_TRUE(tstore_make(&d));
    EXPECT_TRUE(store_with_entries(d.path, 10));
    EXPECT_TRUE(sql_text(d.path, "SELECT hash FROM audit WHERE seq = 10", prev, sizeof(prev)));
    e.prev_hash = prev;
    EXPECT_OK(gw_audit_hash(&e, hash, &err), &err);
    snprintf(sql, sizeof(sql),
             "INSERT INTO audit VALUES (11, '%s', 'delivered', '', '%s', 'ok', '', '%s', '%s', '', '')", e.time,
             PEER, prev, hash);
    EXPECT_TRUE(sql_exec(d.path, sql));
    EXPECT_FAIL(gw_audit_verify_sqlite(d.path, &n, &err), &err, GW_R_AUDIT_BROKEN);
    EXPECT_STR_EQ(err.where, "audit entry 11");
    EXPECT_TRUE(t_contains(err.msg, "added"));
out:
    tstore_remove(&d);
}

/* Entries cut from the end stay detectable after the gateway restarts and logs more: it continues from the
 * head it recorded, not from the last row left. */
static void
test_audit_truncate_then_reopen(struct t *t)
{
    struct tstore d;
    struct gw_err err;
    struct gw_store *s = NULL;
    uint64_t n = 0;
    struct gw_audit_event ev = {"startup", NULL, NULL, "ok", NULL, NULL};

    EXPECT_TRUE(tstore_make(&d));
    EXPECT_TRUE(store_with_entries(d.path, 10));
    EXPECT_TRUE(sql_exec(d.path, "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq >= 9"));
    EXPECT_OK(gw_store_open_sqlite(d.path, &s, &err), &err);
    EXPECT_OK(gw_store_audit(s, &ev, &err), &err);
    gw_store_close(s);
    s = NULL;
    EXPECT_INT_EQ(sql_int(d.path, "SELECT max(seq) FROM audit"), 11);
    EXPECT_FAIL(gw_audit_verify_sqlite(d.path, &n, &err), &err, GW_R_AUDIT_BROKEN);
    EXPECT_STR_EQ(err.where, "audit entry 9");
out:
    gw_store_close(s);
    tstore_remove(&d);
}

/* ---- group commit ---- */

#define GC_THREADS 8
#define GC_PER_THREAD 50

struct gc_worker {
    struct gw_store *s;
    unsigned thread;
    bool same_ids; /* every thread writes the same ids: all but one of each must fail */
    unsigned ok;
    unsigned duplicates;
    unsigned other;
};

static void *
gc_run(void *arg)
{
    struct gc_worker *w = arg;
    unsigned char body[64];

    for (unsigned i = 0; i < GC_PER_THREAD; i++) {
        struct gw_outbox_msg m;
        struct gw_err err;
        struct gw_audit_event ev = {"submitted", NULL, PEER, "ok", NULL, NULL};
        unsigned n = w->same_ids ? i : w->thread * 1000 + i;
        int len = snprintf((char *)body, sizeof(body), "<m t='%u' i='%u'/>", w->thread, i);

        make_out(&m, n, body, (size_t)len);
        ev.message_id = m.id;
        gw_err_clear(&err);
        if (gw_store_put_outbox(w->s, &m, &ev, &err) == GW_OK) {
            w->ok++;
        } else if (err.reason == GW_R_DUPLICATE) {
            w->duplicates++;
        } else {
            w->other++;
        }
    }
    return NULL;
}

/* DESIGN §9: 8 threads x 50 writes all succeed, in fewer transactions than writes, and the chain holds. */
static void
test_group_commit(struct t *t)
{
    struct tstore d;
    struct gw_err err;
    struct gw_store *s = NULL;
    struct gc_worker w[GC_THREADS];
    unsigned started = 0;
    unsigned ok = 0;
    uint64_t commits;
    uint64_t n = 0;
    uint64_t by_state[5];
    uint64_t unacked;

    EXPECT_TRUE(tstore_make(&d));
    EXPECT_OK(gw_store_open_sqlite(d.path, &s, &err), &err);
    for (unsigned i = 0; i < GC_THREADS; i++) {
        w[i] = (struct gc_worker){.s = s, .thread = i + 1};
    }
    started = run_threads(gc_run, w, sizeof(w[0]), GC_THREADS);
    for (unsigned i = 0; i < started; i++) {
        ok += w[i].ok;
    }
    EXPECT_INT_EQ(started, GC_THREADS);
    EXPECT_INT_EQ(ok, GC_THREADS * GC_PER_THREAD);
    commits = gw_store_sqlite_commits(s);
    fprintf(stderr, "store/group_commit: %u writes in %" PRIu64 " commits\n", ok, commits);
    EXPECT_TRUE(commits > 0);
    EXPECT_TRUE(commits < GC_THREADS * GC_PER_THREAD);
    EXPECT_OK(gw_store_counts(s, by_state, &unacked, &err), &err);
    EXPECT_INT_EQ(by_state[GW_OUT_QUEUED], GC_THREADS * GC_PER_THREAD);
    gw_store_close(s);
    s = NULL;
    EXPECT_OK(gw_audit_verify_sqlite(d.path, &n, &err), &err);
    EXPECT_INT_EQ(n, GC_THREADS * GC_PER_THREAD);
out:
    gw_store_close(s);
    tstore_remove(&d);
}

/* One failing write in a batch fails alone: 8 threads race to write the same 50 ids; exactly one write per
 * id succeeds, every other gets DUPLICATE, and the audit log holds exactly the successful ones. */
static void
test_group_commit_isolation(struct t *t)
{
    struct tstore d;
    struct gw_err err;
    struct gw_store *s = NULL;
    struct gc_worker w[GC_THREADS];
    unsigned started = 0;
    unsigned ok = 0;
    unsigned dups = 0;
    unsigned other = 0;
    uint64_t n = 0;

    EXPECT_TRUE(tstore_make(&d));
    EXPECT_OK(gw_store_open_sqlite(d.path, &s, &err), &err);
    for (unsigned i = 0; i < GC_THREADS; i++) {
        w[i] = (struct gc_worker){.s = s, .thread = i + 1, .same_ids = true};
    }
    started = run_threads(gc_run, w, sizeof(w[0]), GC_THREADS);
    for (unsigned i = 0; i < started; i++) {
        ok += w[i].ok;
        dups += w[i].duplicates;
        other += w[i].other;
    }
    EXPECT_INT_EQ(started, GC_THREADS);
    EXPECT_INT_EQ(ok, GC_PER_THREAD);
    EXPECT_INT_EQ(dups, (GC_THREADS - 1) * GC_PER_THREAD);
    EXPECT_INT_EQ(other, 0);
    gw_store_close(s);
    s = NULL;
    EXPECT_INT_EQ(sql_int(d.path, "SELECT count(*) FROM outbox"), GC_PER_THREAD);
    EXPECT_OK(gw_audit_verify_sqlite(d.path, &n, &err), &err);
    EXPECT_INT_EQ(n, GC_PER_THREAD);
out:
    gw_store_close(s);
    tstore_remove(&d);
}

/* DESIGN §6: a write that returned GW_OK survives the process being killed (no close, no checkpoint). */
static void
test_killed_writer_loses_nothing(struct t *t)
{
    struct tstore d;
    struct gw_err err;
    struct gw_store *s = NULL;
    struct gw_outbox_msg got = {0};
    uint64_t n = 0;
    int status = 0;
    pid_t pid;
    char id[GW_UUID_LEN + 1];

    EXPECT_TRUE(tstore_make(&d));
    fflush(stdout);
    pid = fork();
    EXPECT_TRUE(pid >= 0);
    if (pid == 0) {
        unsigned char body[] = "<x/>";
        struct gw_store *cs = NULL;

        gw_err_clear(&err);
        if (gw_store_open_sqlite(d.path, &cs, &err) != GW_OK) {
            _exit(3);
        }
        for (unsigned i = 1; i <= 20; i++) {
            struct gw_outbox_msg m;
            struct gw_audit_event ev = {"submitted", NULL, PEER, "ok", NULL, NULL};

            make_out(&m, i, body, sizeof(body) - 1);
            ev.message_id = m.id;
            if (gw_store_put_outbox(cs, &m, &ev, &err) != GW_OK) {
                _exit(4);
            }
        }
        kill(getpid(), SIGKILL);
        _exit(5);
    }
    EXPECT_TRUE(waitpid(pid, &status, 0) == pid);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    EXPECT_OK(gw_store_open_sqlite(d.path, &s, &err), &err);
    for (unsigned i = 1; i <= 20; i++) {
        make_id(id, i);
        EXPECT_OK(gw_store_get_outbox(s, id, &got, &err), &err);
        gw_outbox_msg_cleanup(&got);
    }
    gw_store_close(s);
    s = NULL;
    EXPECT_OK(gw_audit_verify_sqlite(d.path, &n, &err), &err); /* the tree is checked against the log */
    EXPECT_INT_EQ(n, 20);
    EXPECT_INT_EQ(sql_int(d.path, "SELECT count(*) FROM merkle"), 38); /* 2 * 20 - popcount(20) */
out:
    gw_outbox_msg_cleanup(&got);
    gw_store_close(s);
    tstore_remove(&d);
}

/* ---- the stored Merkle tree ---- */

/* The leaf of an entry is SHA-256(0x00 || the bytes its chain hash covers), docs/audit.md 5.1. */
static void
test_audit_leaf_encoding(struct t *t)
{
    struct gw_err err;
    unsigned char got[GW_MERKLE_HASH_LEN];
    unsigned char want[GW_MERKLE_HASH_LEN];
    struct gw_audit_entry e = {
        .seq = 12,
        .time = "2025-03-01T10:20:30.123Z",
        .event = "submitted",
        .message_id = "00000000-0000-4000-8000-000000000001",
        .peer = PEER,
        .outcome = "ok",
        .reason = "",
        .sha256 = "2a31f44da4bd7decbbd3ddfd1a37ae04d02ec665e2c2688816ccc65631586ed1",
        .row_ref = "outbox:00000000-0000-4000-8000-000000000001",
        .version = 2,
        .prev_hash = GW_AUDIT_GENESIS,
        .hash = "",
    };

    gw_err_clear(&err);
    EXPECT_OK(gw_audit_leaf_hash(&e, got, &err), &err);
    EXPECT_OK(gw_merkle_leaf_hash(audit_encoded_v2, sizeof(audit_encoded_v2) - 1, want, &err), &err);
    EXPECT_TRUE(memcmp(got, want, sizeof(want)) == 0);
    e.version = 3;
    EXPECT_FAIL(gw_audit_leaf_hash(&e, got, &err), &err, GW_R_INTERNAL);
    EXPECT_TRUE(memcmp(got, want, sizeof(want)) == 0); /* untouched */
out:;
}

/* Every entry's leaf and the nodes it completes are stored with it; the root from the stored nodes is the
 * root of the entries' leaves; a rolled-back write takes its nodes with it. */
static void
test_merkle_stored(struct t *t)
{
    struct tstore d;
    struct gw_err err;
    struct gw_store *s = NULL;
    struct gw_merkle_mem *m = NULL;
    struct gw_merkle_nodes mem;
    unsigned char body[] = "<x/>";
    unsigned char root[GW_MERKLE_HASH_LEN];
    char hex[2 * GW_MERKLE_HASH_LEN + 1];
    char stored[2 * GW_MERKLE_HASH_LEN + 8] = "";
    struct gw_outbox_msg o;
    struct gw_audit_event ev = {"submitted", NULL, PEER, "ok", NULL, NULL};
    uint64_t n = 0;

    gw_err_clear(&err);
    EXPECT_TRUE(tstore_make(&d) && store_with_entries(d.path, 13));
    EXPECT_INT_EQ(sql_int(d.path, "SELECT count(*) FROM merkle"), 2 * 13 - 3);
    EXPECT_INT_EQ(sql_int(d.path, "SELECT count(*) FROM merkle WHERE level = 3"), 1);
    /* the root of 8 leaves is node (3, 0): recompute it from the entries as docs/audit.md 5.1 says */
    EXPECT_OK(gw_merkle_mem_new(&m, &err), &err);
    mem = gw_merkle_mem_nodes(m);
    for (int64_t seq = 1; seq <= 8; seq++) {
        char sql[160];
        char f[11][GW_AUDIT_MAX_FIELD + 1];
        static const char *const cols[] = {"time",   "event",     "message_id", "peer",   "outcome",
                                           "reason", "prev_hash", "hash",       "sha256", "row_ref"};
        struct gw_audit_entry e = {.seq = seq, .version = 2};
        unsigned char leaf[GW_MERKLE_HASH_LEN];

        for (size_t k = 0; k < sizeof(cols) / sizeof(cols[0]); k++) {
            snprintf(sql, sizeof(sql), "SELECT %s || '' FROM audit WHERE seq = %" PRId64, cols[k], seq);
            EXPECT_TRUE(sql_text(d.path, sql, f[k], sizeof(f[k])));
        }
        e.time = f[0], e.event = f[1], e.message_id = f[2], e.peer = f[3], e.outcome = f[4], e.reason = f[5];
        e.prev_hash = f[6], e.hash = f[7], e.sha256 = f[8], e.row_ref = f[9];
        EXPECT_OK(gw_audit_leaf_hash(&e, leaf, &err), &err);
        EXPECT_OK(gw_merkle_append(&mem, (uint64_t)seq - 1, leaf, &err), &err);
    }
    EXPECT_OK(gw_merkle_root(&mem, 8, root, &err), &err);
    gw_ids_encode_hex(root, sizeof(root), hex);
    EXPECT_TRUE(sql_text(d.path, "SELECT lower(hex(hash)) FROM merkle WHERE level = 3 AND idx = 0", stored,
                         sizeof(stored)));
    EXPECT_STR_EQ(stored, hex);
    /* a refused write (a duplicate outbox id) leaves no entry and no node */
    EXPECT_OK(gw_store_open_sqlite(d.path, &s, &err), &err);
    make_out(&o, 2, body, sizeof(body) - 1);
    ev.message_id = o.id;
    EXPECT_FAIL(gw_store_put_outbox(s, &o, &ev, &err), &err, GW_R_DUPLICATE);
    make_out(&o, 14, body, sizeof(body) - 1);
    ev.message_id = o.id;
    EXPECT_OK(gw_store_put_outbox(s, &o, &ev, &err), &err);
    gw_store_close(s);
    s = NULL;
    EXPECT_INT_EQ(sql_int(d.path, "SELECT count(*) FROM merkle"), 2 * 14 - 3);
    EXPECT_OK(gw_audit_verify_sqlite(d.path, &n, &err), &err);
    EXPECT_INT_EQ(n, 14);
    /* nodes never change */
    EXPECT_TRUE(!sql_exec(d.path, "UPDATE merkle SET hash = zeroblob(32) WHERE level = 0 AND idx = 0"));
    EXPECT_TRUE(!sql_exec(d.path, "DELETE FROM merkle WHERE level = 0 AND idx = 0"));
out:
    gw_merkle_mem_free(m);
    gw_store_close(s);
    tstore_remove(&d);
}

/* A store of schema version 3 (entries, no tree) gets its tree in migration 4; a log with a hole gets none and
 * the store is not opened. */
static void
test_merkle_migration(struct t *t)
{
    struct tstore d;
    struct gw_err err;
    struct gw_store *s = NULL;
    uint64_t n = 0;
    static const char to_v3[] = "DROP TABLE merkle; DROP TABLE checkpoints; DROP TABLE peer_checkpoints; UPDATE "
                                "meta SET value = 3 WHERE key = 'schema_version';";

    gw_err_clear(&err);
    EXPECT_TRUE(tstore_make(&d) && store_with_entries(d.path, 7));
    EXPECT_TRUE(sql_exec(d.path, to_v3));
    EXPECT_OK(gw_audit_verify_sqlite(d.path, &n, &err), &err); /* a version 3 store: no tree to compare */
    EXPECT_OK(gw_store_open_sqlite(d.path, &s, &err), &err);
    gw_store_close(s);
    s = NULL;
    EXPECT_INT_EQ(sql_int(d.path, "SELECT value FROM meta WHERE key = 'schema_version'"), 7);
    EXPECT_INT_EQ(sql_int(d.path, "SELECT count(*) FROM merkle"), 2 * 7 - 3);
    EXPECT_OK(gw_audit_verify_sqlite(d.path, &n, &err), &err);
    EXPECT_INT_EQ(n, 7);
    /* a hole in the log: no tree, nothing changed, the store stays at version 3 */
    EXPECT_TRUE(sql_exec(d.path, "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq = 4;"));
    EXPECT_TRUE(sql_exec(d.path, to_v3));
    EXPECT_FAIL(gw_store_open_sqlite(d.path, &s, &err), &err, GW_R_AUDIT_BROKEN);
    EXPECT_TRUE(t_contains(err.msg, "entry 4 is missing"));
    EXPECT_TRUE(s == NULL);
    EXPECT_INT_EQ(sql_int(d.path, "SELECT value FROM meta WHERE key = 'schema_version'"), 3);
    EXPECT_INT_EQ(sql_int(d.path, "SELECT count(*) FROM sqlite_master WHERE name = 'merkle'"), 0);
out:
    gw_store_close(s);
    tstore_remove(&d);
}

/* A changed, removed or added node of the stored tree fails verify, naming the node. */
struct tree_tamper {
    const char *sql;
    const char *msg;
};
static const struct tree_tamper tree_changed = {
    "DROP TRIGGER merkle_no_update; UPDATE merkle SET hash = zeroblob(32) WHERE level = 1 AND idx = 2",
    "node (1, 2) over entries 5..6 is not the hash"};
static const struct tree_tamper tree_leaf_changed = {
    "DROP TRIGGER merkle_no_update; UPDATE merkle SET hash = randomblob(32) WHERE level = 0 AND idx = 12",
    "node (0, 12) over entries 13..13 is not the hash"};
static const struct tree_tamper tree_removed = {
    "DROP TRIGGER merkle_no_delete; DELETE FROM merkle WHERE level = 2 AND idx = 0", "nodes were removed"};
static const struct tree_tamper tree_added = {"INSERT INTO merkle VALUES (2, 3, zeroblob(32))",
                                              "node (2, 3) covers no complete subtree"};
static const struct tree_tamper tree_short = {
    "DROP TRIGGER merkle_no_update; UPDATE merkle SET hash = x'00' WHERE level = 0 AND idx = 0",
    "node (0, 0) over entries 1..1 is not the hash"};

static void
test_merkle_tamper(struct t *t)
{
    const struct tree_tamper *tt = t->arg;
    struct tstore d;
    struct gw_err err;
    uint64_t n = 99;

    gw_err_clear(&err);
    EXPECT_TRUE(tstore_make(&d) && store_with_entries(d.path, 13));
    EXPECT_TRUE(sql_exec(d.path, tt->sql));
    EXPECT_FAIL(gw_audit_verify_sqlite(d.path, &n, &err), &err, GW_R_AUDIT_BROKEN);
    EXPECT_TRUE(t_contains(err.msg, tt->msg));
    EXPECT_INT_EQ(n, 99);
out:
    tstore_remove(&d);
}

/* ---- gateway audit ---- */

/* Run `gateway audit ARGS` with stdout and stderr in out_path; returns the exit status. */
static int
run_audit_cmd(int argc, char **argv, const char *out_path)
{
    int saved_out;
    int saved_err;
    int fd;
    int status;

    fflush(stdout);
    fflush(stderr);
    saved_out = dup(1);
    saved_err = dup(2);
    fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (saved_out < 0 || saved_err < 0 || fd < 0) {
        return -1;
    }
    dup2(fd, 1);
    dup2(fd, 2);
    close(fd);
    status = gw_cmd_audit(argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(saved_out, 1);
    dup2(saved_err, 2);
    close(saved_out);
    close(saved_err);
    return status;
}

static void
test_cmd_audit(struct t *t)
{
    struct tstore d;
    struct gw_err err;
    char out_path[96];
    char want[160];
    unsigned char *out = NULL;
    size_t out_len = 0;
    char a_audit[] = "audit";
    char a_verify[] = "verify";
    char a_show[] = "show";
    char a_store[] = "--store";
    char a_limit[] = "--limit";
    char a_two[] = "2";
    char a_zero[] = "0";
    char a_help[] = "--help";
    char a_path[64];
    char a_missing[80];

    EXPECT_TRUE(tstore_make(&d));
    snprintf(out_path, sizeof(out_path), "%s.out", d.path);
    snprintf(a_path, sizeof(a_path), "%s", d.path);
    snprintf(a_missing, sizeof(a_missing), "%s/missing.db", d.dir);
    EXPECT_TRUE(store_with_entries(d.path, 6));
    {
        char *argv[] = {a_audit, a_verify, a_store, a_path, NULL};
        EXPECT_INT_EQ(run_audit_cmd(4, argv, out_path), 0);
        EXPECT_OK(t_read_file(out_path, &out, &out_len, &err), &err);
        snprintf(want, sizeof(want), "%s: audit log OK, 6 entries\n", d.path);
        EXPECT_STR_EQ((const char *)out, want);
        GW_FREE(out);
    }
    {
        char *argv[] = {a_audit, a_show, a_store, a_path, a_limit, a_two, NULL};
        EXPECT_INT_EQ(run_audit_cmd(6, argv, out_path), 0);
        EXPECT_OK(t_read_file(out_path, &out, &out_len, &err), &err);
        EXPECT_TRUE(strncmp((const char *)out, "5 20", 4) == 0);
        EXPECT_TRUE(t_contains((const char *)out,
                               " delivery_attempt 00000000-0000-4000-8000-000000000005 " PEER " ok entry 5\n6 "));
        EXPECT_TRUE(t_contains((const char *)out,
                               " submitted 00000000-0000-4000-8000-000000000006 " PEER " ok entry 6\n"));
        GW_FREE(out);
    }
    {
        char *argv[] = {a_audit, a_show, a_store, a_path, a_limit, a_zero, NULL};
        EXPECT_INT_EQ(run_audit_cmd(6, argv, out_path), 2);
    }
    {
        char *argv[] = {a_audit, a_verify, a_store, a_missing, NULL};
        EXPECT_INT_EQ(run_audit_cmd(4, argv, out_path), 2);
    }
    {
        char *argv[] = {a_audit, a_verify, NULL};
        EXPECT_INT_EQ(run_audit_cmd(2, argv, out_path), 2);
    }
    {
        char *argv[] = {a_audit, NULL};
        EXPECT_INT_EQ(run_audit_cmd(1, argv, out_path), 2);
    }
    {
        char *argv[] = {a_audit, a_help, NULL};
        EXPECT_INT_EQ(run_audit_cmd(2, argv, out_path), 0);
        EXPECT_OK(t_read_file(out_path, &out, &out_len, &err), &err);
        EXPECT_TRUE(t_contains((const char *)out, "usage: gateway audit verify --store FILE"));
        GW_FREE(out);
    }
    EXPECT_TRUE(
        sql_exec(d.path, "DROP TRIGGER audit_no_update; UPDATE audit SET peer = '90000000000' WHERE seq = 4"));
    {
        char *argv[] = {a_audit, a_verify, a_store, a_path, NULL};
        EXPECT_INT_EQ(run_audit_cmd(4, argv, out_path), 1);
        EXPECT_OK(t_read_file(out_path, &out, &out_len, &err), &err);
        snprintf(want, sizeof(want), "%s: audit log BROKEN at entry 4: hash mismatch", d.path);
        EXPECT_TRUE(strncmp((const char *)out, want, strlen(want)) == 0);
        GW_FREE(out);
    }
out:
    free(out);
    tstore_remove(&d);
}

static const struct t_case cases[] = {
    {"names_and_null_safety", test_names_and_null_safety, NULL},
    {"checks_before_back_end", test_checks_before_back_end, NULL},
    {"rejected_cut_before_back_end", test_rejected_cut_before_back_end, NULL},
    {"state_from_name", test_state_from_name, NULL},
    {"open_migrate_reopen", test_open_migrate_reopen, NULL},
    {"open_errors", test_open_errors, NULL},
    {"open_refuses_damaged_or_foreign", test_open_refuses_damaged_or_foreign, NULL},
    {"outbox_put_get", test_outbox_put_get, NULL},
    {"outbox_duplicate", test_outbox_duplicate, NULL},
    {"outbox_due_and_next", test_outbox_due_and_next, NULL},
    {"outbox_update_delivered", test_outbox_update_delivered, NULL},
    {"outbox_attach_notice", test_outbox_attach_notice, NULL},
    {"inbox_duplicate", test_inbox_duplicate, NULL},
    {"inbox_list_paging", test_inbox_list_paging, NULL},
    {"inbox_ack_idempotent", test_inbox_ack_idempotent, NULL},
    {"inbox_ack_queues_notice_once", test_inbox_ack_queues_notice_once, NULL},
    {"inbox_ids_per_sender", test_inbox_ids_per_sender, NULL},
    {"migrate_v1_inbox", test_migrate_v1_inbox, NULL},
    {"counts_and_rejected", test_counts_and_rejected, NULL},
    {"audit_hash_encoding", test_audit_hash_encoding, NULL},
    {"audit_time_and_field", test_audit_time_and_field, NULL},
    {"audit_chain_verifies", test_audit_chain_verifies, NULL},
    {"audit_tamper_update", test_audit_tamper, &tamper_update},
    {"audit_tamper_delete", test_audit_tamper, &tamper_delete},
    {"audit_tamper_swap", test_audit_tamper, &tamper_swap},
    {"audit_tamper_delete_last", test_audit_tamper, &tamper_delete_last},
    {"audit_tamper_delete_first", test_audit_tamper, &tamper_delete_first},
    {"audit_tamper_renumber", test_audit_tamper, &tamper_renumber},
    {"audit_tamper_nul_byte", test_audit_tamper, &tamper_nul},
    {"audit_tamper_append", test_audit_tamper, &tamper_append},
    {"audit_rows_inbox_swapped", test_audit_rows_tamper, &rows_inbox_swapped},
    {"audit_rows_inbox_deleted", test_audit_rows_tamper, &rows_inbox_deleted},
    {"audit_rows_outbox_changed", test_audit_rows_tamper, &rows_outbox_changed},
    {"audit_rows_rejected_deleted", test_audit_rows_tamper, &rows_rejected_deleted},
    {"audit_rows_notice_in_reply_to", test_audit_rows_tamper, &rows_notice_in_reply_to},
    {"audit_rows_inbox_rehashed", test_audit_rows_tamper, &rows_inbox_rehashed},
    {"audit_rows_rejected_added", test_audit_rows_tamper, &rows_rejected_added},
    {"audit_tamper_swap_adjacent", test_audit_tamper, &tamper_swap_adjacent},
    {"audit_tamper_rehash", test_audit_tamper_rehash, NULL},
    {"audit_tamper_append_valid", test_audit_tamper_append_valid, NULL},
    {"audit_truncate_then_reopen", test_audit_truncate_then_reopen, NULL},
    {"group_commit", test_group_commit, NULL},
    {"group_commit_isolation", test_group_commit_isolation, NULL},
    {"killed_writer_loses_nothing", test_killed_writer_loses_nothing, NULL},
    {"cmd_audit", test_cmd_audit, NULL},
    {"audit_leaf_encoding", test_audit_leaf_encoding, NULL},
    {"merkle_stored", test_merkle_stored, NULL},
    {"merkle_migration", test_merkle_migration, NULL},
    {"merkle_tamper_changed", test_merkle_tamper, &tree_changed},
    {"merkle_tamper_leaf_changed", test_merkle_tamper, &tree_leaf_changed},
    {"merkle_tamper_removed", test_merkle_tamper, &tree_removed},
    {"merkle_tamper_added", test_merkle_tamper, &tree_added},
    {"merkle_tamper_short", test_merkle_tamper, &tree_short},
};

const struct t_module t_module_store = {"store", cases, T_COUNT(cases)};

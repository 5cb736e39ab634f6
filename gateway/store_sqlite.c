// SPDX-License-Identifier: MIT
/*
 * The SQLite back end of struct gw_store_ops (store_int.h; DESIGN §6 storage and audit, §9 group commit), the
 * only file that uses libsqlite3. The database runs in WAL mode with synchronous=FULL, so a write that
 * returned GW_OK survives kill -9 and power loss. One writer thread owns the write connection: callers queue
 * their write and sleep; the writer runs every queued write in one transaction (each inside its own
 * savepoint, so one failing write does not fail the others), appends each write's audit entry in that same
 * transaction, commits once, and only then wakes the callers. Reads share a second, read-only connection
 * under a mutex; WAL lets them run while the writer commits. The schema is versioned: `migrations` lists the
 * steps, each applied in its own transaction; a store with a newer version than this binary knows is refused.
 * It does not check the callers' arguments (the gw_store_* calls of store.c have), and does not decide what
 * is logged or when a message is retried: callers say so.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <openssl/crypto.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gw/audit.h"
#include "gw/ids.h"
#include "gw/merkle.h"
#include "gw/time.h"
#include "store_int.h"

/* How long a statement waits for a lock held by another connection (another process on the same file,
 * a checkpoint) before it fails. */
#define BUSY_TIMEOUT_MS 5000

/* The inbox columns of schema version 1, which migration 2 copies: never change this list. */
#define INBOX_COLS_V1 "seq, id, sender, type, sha256, body, receipt, received_ms, acked, acked_ms"

/*
 * Schema migrations: migrations[i] takes a store from version i to i + 1. Append only; never edit a step
 * that has shipped. The meta table (key -> value) holds schema_version and the audit head (the seq and
 * hash of the last audit entry the gateway wrote, updated in the same transaction as the entries) so that
 * entries removed from the end of the log are detected too.
 */
static const char *const migrations[] = {
    /* 1: the initial schema */
    "CREATE TABLE outbox("
    "  id TEXT PRIMARY KEY NOT NULL,"
    "  in_reply_to TEXT NOT NULL,"
    "  recipient TEXT NOT NULL,"
    "  type TEXT NOT NULL,"
    "  sha256 TEXT NOT NULL,"
    "  body BLOB NOT NULL,"
    "  state TEXT NOT NULL CHECK (state IN ('queued', 'delivering', 'delivered', 'rejected', 'failed')),"
    "  attempts INTEGER NOT NULL,"
    "  created_ms INTEGER NOT NULL,"
    "  next_attempt_ms INTEGER NOT NULL,"
    "  delivered_ms INTEGER NOT NULL,"
    "  last_error TEXT NOT NULL,"
    "  receipt BLOB,"
    "  notice BLOB"
    ") STRICT;"
    "CREATE INDEX outbox_due ON outbox(next_attempt_ms) WHERE state IN ('queued', 'delivering');"
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
    "CREATE TABLE rejected("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  message_id TEXT NOT NULL,"
    "  sender TEXT NOT NULL,"
    "  body BLOB,"
    "  reason TEXT NOT NULL,"
    "  receipt BLOB,"
    "  received_ms INTEGER NOT NULL"
    ") STRICT;"
    "CREATE INDEX rejected_message_id ON rejected(message_id);"
    "CREATE TABLE audit("
    "  seq INTEGER PRIMARY KEY,"
    "  time TEXT NOT NULL,"
    "  event TEXT NOT NULL,"
    "  message_id TEXT NOT NULL,"
    "  peer TEXT NOT NULL,"
    "  outcome TEXT NOT NULL,"
    "  reason TEXT NOT NULL,"
    "  prev_hash TEXT NOT NULL,"
    "  hash TEXT NOT NULL"
    ") STRICT;"
    "CREATE INDEX audit_message_id ON audit(message_id);"
    /* Append-only against mistakes; a deliberate change (dropping the triggers first) is what the hash
     * chain is for. */
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
    "  BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;"
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
    "  BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;"
    "INSERT INTO meta(key, value) VALUES ('audit_last_seq', 0), ('audit_last_hash', '" GW_AUDIT_GENESIS "');",
    /* 2: MessageIds are unique per sender, not across senders, so that no peer can claim another's id in
     * advance. SQLite cannot change a column's constraint in place: the inbox is copied into a new table,
     * seq values and the AUTOINCREMENT counter included (seq is the intake's cursor and is never reused).
     * The index (id, sender) also serves lookups by id alone. */
    "CREATE TABLE inbox_v2("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  id TEXT NOT NULL,"
    "  sender TEXT NOT NULL,"
    "  type TEXT NOT NULL,"
    "  sha256 TEXT NOT NULL,"
    "  body BLOB NOT NULL,"
    "  receipt BLOB,"
    "  received_ms INTEGER NOT NULL,"
    "  acked INTEGER NOT NULL DEFAULT 0 CHECK (acked IN (0, 1)),"
    "  acked_ms INTEGER NOT NULL DEFAULT 0,"
    "  UNIQUE (id, sender)"
    ") STRICT;"
    "INSERT INTO inbox_v2(" INBOX_COLS_V1 ") SELECT " INBOX_COLS_V1 " FROM inbox ORDER BY seq;"
    "DELETE FROM sqlite_sequence WHERE name = 'inbox_v2';"
    "INSERT INTO sqlite_sequence(name, seq) SELECT 'inbox_v2', max(seq) FROM "
    "  (SELECT seq FROM sqlite_sequence WHERE name = 'inbox' UNION ALL SELECT max(seq) FROM inbox_v2) "
    "  WHERE seq IS NOT NULL HAVING count(*) > 0;"
    "DROP TABLE inbox;"
    "ALTER TABLE inbox_v2 RENAME TO inbox;"
    "CREATE INDEX inbox_unacked ON inbox(seq) WHERE acked = 0;"
    "DROP INDEX rejected_message_id;"
    "CREATE INDEX rejected_sender_message_id ON rejected(sender, message_id);",
    /* 3: every entry commits to the bytes it concerns (docs/audit.md, encoding gw-audit-v2): the SHA-256 of
     * the message, receipt or notification, and the row (inbox, outbox, rejected) it created. Entries from
     * audit_v2_from on are hashed as version 2, the ones before keep their version 1 hash; the switch is
     * recorded in this migration's transaction, so a crash leaves either no change or all of it. */
    "ALTER TABLE audit ADD COLUMN sha256 TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE audit ADD COLUMN row_ref TEXT NOT NULL DEFAULT '';"
    "CREATE INDEX audit_row_ref ON audit(row_ref) WHERE row_ref != '';"
    "INSERT INTO meta(key, value) SELECT 'audit_v2_from', value + 1 FROM meta WHERE key = 'audit_last_seq';",
    /* 4: the Merkle tree over the log (docs/audit.md 5.2): node (level, idx) -> the hash of a complete
     * subtree, written in the transaction of the entry that completes it. The tree's size is the number of
     * entries, audit_last_seq. migrate() then builds the nodes of the existing entries (build_tree) in this
     * same transaction. Nodes never change: triggers refuse it, against mistakes. */
    "CREATE TABLE merkle(level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL,"
    "  PRIMARY KEY(level, idx)) STRICT, WITHOUT ROWID;"
    "CREATE TRIGGER merkle_no_update BEFORE UPDATE ON merkle"
    "  BEGIN SELECT RAISE(ABORT, 'the Merkle tree is append-only'); END;"
    "CREATE TRIGGER merkle_no_delete BEFORE DELETE ON merkle"
    "  BEGIN SELECT RAISE(ABORT, 'the Merkle tree is append-only'); END;",
    /* 5: signed checkpoints (docs/audit.md 6), this gateway's and, later, its peers': the fields each states
     * and the signed document exactly as made or received. */
    "CREATE TABLE checkpoints("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  origin TEXT NOT NULL,"
    "  tree_size INTEGER NOT NULL,"
    "  root TEXT NOT NULL,"
    "  time TEXT NOT NULL,"
    "  body BLOB NOT NULL,"
    "  stored_ms INTEGER NOT NULL"
    ") STRICT;"
    "CREATE INDEX checkpoints_origin ON checkpoints(origin, seq);"
    "CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON checkpoints"
    "  BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;"
    "CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON checkpoints"
    "  BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;",
    /* 6: peers' checkpoints held as their witness (docs/audit.md 7): every good one that extended the last
     * (fork = 0) and every one that contradicted it (fork = 1), with the signed document as received. Kept
     * apart from this gateway's own, which `audit verify` compares with this log. */
    "CREATE TABLE peer_checkpoints("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  peer TEXT NOT NULL,"
    "  tree_size INTEGER NOT NULL,"
    "  root TEXT NOT NULL,"
    "  time TEXT NOT NULL,"
    "  body BLOB NOT NULL,"
    "  fork INTEGER NOT NULL CHECK (fork IN (0, 1)),"
    "  stored_ms INTEGER NOT NULL"
    ") STRICT;"
    "CREATE INDEX peer_checkpoints_peer ON peer_checkpoints(peer, fork, seq);"
    "CREATE TRIGGER peer_checkpoints_no_update BEFORE UPDATE ON peer_checkpoints"
    "  BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;"
    "CREATE TRIGGER peer_checkpoints_no_delete BEFORE DELETE ON peer_checkpoints"
    "  BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;",
    /* 7: the due rows from the index alone (docs/performance.md 6.3): every column the deliverer's queries
     * of due rows filter, sort or return (ST_DUE_IDS, ST_NEXT_DUE), so that they read no row, and no body,
     * until a row is handed out. It replaces the index of migration 1 on next_attempt_ms alone. */
    "DROP INDEX outbox_due;"
    "CREATE INDEX outbox_due ON outbox(next_attempt_ms, recipient, created_ms, state, id)"
    "  WHERE state IN ('queued', 'delivering');",
};
#define SCHEMA_VERSION ((int64_t)(sizeof(migrations) / sizeof(migrations[0])))

static const char meta_sql[] =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY NOT NULL, value ANY NOT NULL) STRICT, WITHOUT ROWID;"
    "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', 0);";

#define OUTBOX_COLS                                                                                               \
    "id, in_reply_to, recipient, type, sha256, body, state, attempts, created_ms, next_attempt_ms, "              \
    "delivered_ms, last_error, receipt, notice"
#define INBOX_COLS "seq, id, sender, type, sha256, body, receipt, received_ms, acked, acked_ms"
/* The audit columns as audit_row reads them; stores before schema version 3 have no sha256 and row_ref. */
#define AUDIT_COLS "seq, time, event, message_id, peer, outcome, reason, prev_hash, hash, sha256, row_ref"
#define AUDIT_COLS_V1 "seq, time, event, message_id, peer, outcome, reason, prev_hash, hash, '', ''"
#define AUDIT_V2_SCHEMA 3   /* the schema version that has them */
#define MERKLE_SCHEMA 4     /* the schema version that has the merkle table */
#define CHECKPOINT_SCHEMA 5 /* the schema version that has the checkpoints table */
#define DUE_STATES "state IN ('queued', 'delivering')"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Every statement the store runs more than once, prepared once per connection on first use. */
enum stmt_id {
    ST_BEGIN,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_SAVEPOINT,
    ST_RELEASE,
    ST_ROLLBACK_TO,
    ST_INS_OUTBOX,
    ST_UPD_OUTBOX,
    ST_UPD_NOTICE,
    ST_INS_INBOX,
    ST_GET_ACKED,
    ST_ACK_INBOX,
    ST_INS_REJECTED,
    ST_INS_AUDIT,
    ST_GET_MERKLE,
    ST_PUT_MERKLE,
    ST_INS_CHECKPOINT,
    ST_LATEST_CHECKPOINT,
    ST_INS_PEER_CHECKPOINT,
    ST_LATEST_PEER_CHECKPOINT,
    ST_SET_META,
    ST_GET_META,
    ST_GET_OUTBOX,
    ST_DUE_IDS,
    ST_GET_OUTBOX_ROWID,
    ST_NEXT_DUE,
    ST_GET_INBOX,
    ST_LIST_INBOX,
    ST_COUNT_OUTBOX,
    ST_COUNT_INBOX,
    ST__COUNT
};

static const char *const stmt_sql[ST__COUNT] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_SAVEPOINT] = "SAVEPOINT op",
    [ST_RELEASE] = "RELEASE op",
    [ST_ROLLBACK_TO] = "ROLLBACK TO op",
    [ST_INS_OUTBOX] = "INSERT INTO outbox(" OUTBOX_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
                      "?12, ?13, ?14) ON CONFLICT(id) DO NOTHING",
    [ST_UPD_OUTBOX] = "UPDATE outbox SET state = ?2, attempts = ?3, next_attempt_ms = ?4, last_error = ?5, "
                      "delivered_ms = ?6, receipt = coalesce(?7, receipt) WHERE id = ?1",
    [ST_UPD_NOTICE] = "UPDATE outbox SET notice = ?2 WHERE id = ?1",
    [ST_INS_INBOX] = "INSERT INTO inbox(id, sender, type, sha256, body, receipt, received_ms) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(id, sender) DO NOTHING",
    [ST_GET_ACKED] = "SELECT acked FROM inbox WHERE id = ?1 AND sender = ?2",
    [ST_ACK_INBOX] = "UPDATE inbox SET acked = 1, acked_ms = ?3 WHERE id = ?1 AND sender = ?2 AND acked = 0",
    [ST_INS_REJECTED] = "INSERT INTO rejected(message_id, sender, body, reason, receipt, received_ms) "
                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [ST_INS_AUDIT] = "INSERT INTO audit(" AUDIT_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    [ST_GET_MERKLE] = "SELECT hash FROM merkle WHERE level = ?1 AND idx = ?2",
    [ST_PUT_MERKLE] = "INSERT INTO merkle(level, idx, hash) VALUES (?1, ?2, ?3)", /* a conflict fails */
    [ST_INS_CHECKPOINT] = "INSERT INTO checkpoints(origin, tree_size, root, time, body, stored_ms) "
                          "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [ST_LATEST_CHECKPOINT] = "SELECT origin, tree_size, root, time, body FROM checkpoints WHERE origin = ?1 "
                             "ORDER BY seq DESC LIMIT 1",
    [ST_INS_PEER_CHECKPOINT] = "INSERT INTO peer_checkpoints(peer, tree_size, root, time, body, fork, stored_ms) "
                               "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [ST_LATEST_PEER_CHECKPOINT] = "SELECT peer, tree_size, root, time, body FROM peer_checkpoints "
                                  "WHERE peer = ?1 AND fork = ?2 ORDER BY seq DESC LIMIT 1",
    [ST_SET_META] = "UPDATE meta SET value = ?2 WHERE key = ?1",
    [ST_GET_META] = "SELECT value FROM meta WHERE key = ?1",
    [ST_GET_OUTBOX] = "SELECT " OUTBOX_COLS " FROM outbox WHERE id = ?1",
    /* from the covering index outbox_due alone (migration 7): the sort holds index entries, not rows */
    [ST_DUE_IDS] = "SELECT rowid, id FROM outbox WHERE " DUE_STATES " AND next_attempt_ms <= ?1 "
                   "AND (?3 IS NULL OR recipient = ?3) ORDER BY created_ms, rowid LIMIT ?2",
    [ST_GET_OUTBOX_ROWID] = "SELECT " OUTBOX_COLS " FROM outbox WHERE rowid = ?1",
    [ST_NEXT_DUE] =
        "SELECT min(next_attempt_ms) FROM outbox WHERE " DUE_STATES " AND (?1 IS NULL OR recipient = ?1) "
        "AND next_attempt_ms > ?2",
    /* ?2 NULL: any sender; two rows tell the caller that the id alone is ambiguous */
    [ST_GET_INBOX] = "SELECT " INBOX_COLS " FROM inbox WHERE id = ?1 AND (?2 IS NULL OR sender = ?2) "
                     "ORDER BY seq LIMIT 2",
    [ST_LIST_INBOX] = "SELECT seq, id, sender, type, sha256, NULL, NULL, received_ms, acked, acked_ms FROM inbox "
                      "WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    [ST_COUNT_OUTBOX] = "SELECT state, count(*) FROM outbox GROUP BY state",
    [ST_COUNT_INBOX] = "SELECT count(*) FROM inbox WHERE acked = 0",
};

struct conn {
    sqlite3 *db;
    sqlite3_stmt *stmt[ST__COUNT]; /* prepared on first use, finalized at close */
};

enum op_kind {
    OP_PUT_OUTBOX,
    OP_UPDATE_OUTBOX,
    OP_ATTACH_NOTICE,
    OP_PUT_INBOX,
    OP_ACK_INBOX,
    OP_PUT_REJECTED,
    OP_AUDIT,
    OP_PUT_CHECKPOINT,
};

/* One queued write. It lives on the caller's stack: the caller sleeps until done, so everything it points
 * to stays valid while the writer uses it. kind says which member of the union is in use. */
struct op {
    enum op_kind kind;
    const struct gw_audit_event *ev; /* appended with the change; NULL: none (never NULL for OP_AUDIT) */
    struct gw_err *err;              /* the caller's */
    enum gw_rc rc;                   /* result, valid once done */
    bool done;                       /* guarded by qlock */
    struct op *next;                 /* guarded by qlock */
    union {
        struct {
            const struct gw_checkpoint_row *c;
        } put_checkpoint;
        struct {
            const struct gw_outbox_msg *m; /* sha256 set by gw_store_put_outbox */
        } put_outbox;
        struct {
            const struct gw_outbox_msg *m;
        } update_outbox;
        struct {
            const char *id;
            const unsigned char *notice;
            size_t len; /* bytes */
        } attach_notice;
        struct {
            const struct gw_inbox_msg *m; /* sha256 set by gw_store_put_inbox */
            bool is_duplicate;            /* result */
            struct gw_inbox_msg existing; /* result if a duplicate: the stored row, handed over on success */
        } put_inbox;
        struct {
            const char *id;
            const char *sender;
            const struct gw_outbox_msg *notice;     /* may be NULL; sha256 set by gw_store_ack_inbox */
            const struct gw_audit_event *notice_ev; /* may be NULL */
            int64_t acked_ms;                       /* unix ms */
            bool was_acked;                         /* result */
        } ack_inbox;
        struct {
            const char *message_id; /* these three cut by gw_store_put_rejected */
            const char *sender;
            const char *reason;
            const unsigned char *body;    /* may be NULL */
            size_t body_len;              /* bytes */
            const unsigned char *receipt; /* may be NULL */
            size_t receipt_len;           /* bytes */
            int64_t received_ms;          /* unix ms */
        } put_rejected;
    };
};

struct sqlite_store {
    struct gw_store base; /* first: a struct gw_store * is a struct sqlite_store * */
    char *path;
    struct conn w; /* the write connection: the writer thread only (and open/close) */
    struct conn r; /* the read connection, guarded by rlock */
    pthread_mutex_t rlock;
    pthread_mutex_t qlock; /* guards head, tail, stopping, commits and every queued op's done/next */
    pthread_cond_t qwork;  /* signalled when an op is queued or stopping is set */
    pthread_cond_t qdone;  /* broadcast when a batch is done */
    bool sync_ready;       /* the mutexes and conditions above are initialised */
    struct op *head;
    struct op *tail;
    bool stopping;
    uint64_t commits; /* transactions committed for write ops */
    pthread_t writer;
    bool writer_started;
    int64_t audit_seq;                      /* writer thread only: seq of the last audit entry */
    char audit_hash[GW_AUDIT_HASH_LEN + 1]; /* writer thread only: its hash */
};

/* ---- connections and statements ---- */

static void
conn_close(struct conn *c)
{
    for (size_t i = 0; i < ST__COUNT; i++) {
        sqlite3_finalize(c->stmt[i]);
        c->stmt[i] = NULL;
    }
    /* v2: never leaves the handle half-open, even if a statement escaped finalization */
    sqlite3_close_v2(c->db);
    c->db = NULL;
}

/* OUT: *out, the connection's statement id, reset and unbound; give it back with stmt_done(). */
static enum gw_rc
stmt_get(struct conn *c, enum stmt_id id, sqlite3_stmt **out, struct gw_err *err)
{
    enum gw_rc rc = GW_EIO;

    if (c->stmt[id] == NULL) {
        int r = sqlite3_prepare_v3(c->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &c->stmt[id], NULL);
        GW_CHECK(r == SQLITE_OK, GW_EIO, GW_R_IO, "prepare '%.60s': %s", stmt_sql[id], sqlite3_errmsg(c->db));
    }
    *out = c->stmt[id];
    rc = GW_OK;
out:
    return rc;
}

/* Reset a statement so that it holds no read snapshot or lock. NULL-safe. */
static void
stmt_done(sqlite3_stmt *q)
{
    if (q != NULL) {
        sqlite3_reset(q);
        sqlite3_clear_bindings(q);
    }
}

static enum gw_rc
exec_sql(sqlite3 *db, const char *sql, const char *what, struct gw_err *err)
{
    enum gw_rc rc = GW_EIO;
    char *msg = NULL;
    int r = sqlite3_exec(db, sql, NULL, NULL, &msg);

    GW_CHECK(r == SQLITE_OK, GW_EIO, GW_R_IO, "%s: %s", what, msg != NULL ? msg : sqlite3_errstr(r));
    rc = GW_OK;
out:
    sqlite3_free(msg);
    return rc;
}

/* Bind a text field of a fixed-size array, which need not be NUL-terminated at its very end. */
static int
bind_field(sqlite3_stmt *q, int i, const char *s, size_t cap)
{
    return sqlite3_bind_text(q, i, s, (int)strnlen(s, cap), SQLITE_STATIC);
}

static int
bind_str(sqlite3_stmt *q, int i, const char *s)
{
    return sqlite3_bind_text(q, i, s != NULL ? s : "", -1, SQLITE_STATIC);
}

/* A NULL pointer binds SQL NULL; anything else a BLOB, possibly empty. */
static int
bind_blob(sqlite3_stmt *q, int i, const unsigned char *p, size_t n)
{
    if (p == NULL) {
        return sqlite3_bind_null(q, i);
    }
    return sqlite3_bind_blob64(q, i, p, n, SQLITE_STATIC);
}

/* One parameter of a statement, as bind_params() binds it. */
enum param_type {
    PARAM_TEXT,     /* p: a NUL-terminated string; NULL binds "" */
    PARAM_OPT_TEXT, /* p: a NUL-terminated string; NULL binds SQL NULL */
    PARAM_FIELD,    /* p: a char array of len bytes, NUL-terminated unless full */
    PARAM_BLOB,     /* p: len bytes; NULL binds SQL NULL, anything else a BLOB, possibly empty */
    PARAM_INT,      /* i */
};
struct param {
    enum param_type type;
    const void *p;
    size_t len; /* bytes */
    int64_t i;
};
/* Elements of a parameter list; P_FIELD takes a char array, whose size it bounds the text by. */
#define P_TEXT(s) ((struct param){PARAM_TEXT, (s), 0, 0})
#define P_OPT_TEXT(s) ((struct param){PARAM_OPT_TEXT, (s), 0, 0})
#define P_FIELD(a) ((struct param){PARAM_FIELD, (a), sizeof(a), 0})
#define P_BLOB(b, n) ((struct param){PARAM_BLOB, (b), (n), 0})
#define P_INT(v) ((struct param){PARAM_INT, NULL, 0, (v)})

/* Bind p[0..n) to the parameters ?1..?n of q, on connection c. Reasons: IO, naming the parameter. */
static enum gw_rc
bind_params(struct conn *c, sqlite3_stmt *q, const struct param *p, size_t n, struct gw_err *err)
{
    enum gw_rc rc = GW_EIO;

    for (size_t k = 0; k < n; k++) {
        int i = (int)k + 1;
        int r = SQLITE_MISUSE;

        switch (p[k].type) {
        case PARAM_TEXT:
            r = bind_str(q, i, p[k].p);
            break;
        case PARAM_OPT_TEXT:
            r = p[k].p != NULL ? bind_str(q, i, p[k].p) : sqlite3_bind_null(q, i);
            break;
        case PARAM_FIELD:
            r = bind_field(q, i, p[k].p, p[k].len);
            break;
        case PARAM_BLOB:
            r = bind_blob(q, i, p[k].p, p[k].len);
            break;
        case PARAM_INT:
            r = sqlite3_bind_int64(q, i, p[k].i);
            break;
        }
        GW_CHECK(r == SQLITE_OK, GW_EIO, GW_R_IO, "bind ?%d of '%.60s': %s", i, sqlite3_sql(q),
                 sqlite3_errmsg(c->db));
    }
    rc = GW_OK;
out:
    return rc;
}

/* Run statement id, which returns no rows, with parameters p[0..n). OUT: *changes, the rows it changed. */
static enum gw_rc
write_stmt(struct conn *c, enum stmt_id id, const struct param *p, size_t n, int *changes, struct gw_err *err)
{
    enum gw_rc rc;
    sqlite3_stmt *q = NULL;

    GW_TRY(stmt_get(c, id, &q, err));
    GW_TRY(bind_params(c, q, p, n, err));
    GW_CHECK(sqlite3_step(q) == SQLITE_DONE, GW_EIO, GW_R_IO, "%.60s: %s", stmt_sql[id], sqlite3_errmsg(c->db));
    *changes = sqlite3_changes(c->db);
    rc = GW_OK;
out:
    stmt_done(q);
    return rc;
}

/* Run a statement without parameters that returns no rows: transaction control. */
static enum gw_rc
stmt_run(struct conn *c, enum stmt_id id, struct gw_err *err)
{
    int changes;

    return write_stmt(c, id, NULL, 0, &changes, err);
}

/* Run query id with parameters p[0..n) up to its first row. OUT: *q, set as soon as the statement is taken,
 * also on failure: give it back with stmt_done(); *found, false if the query returned no row. */
static enum gw_rc
read_stmt(struct conn *c, enum stmt_id id, const struct param *p, size_t n, sqlite3_stmt **q, bool *found,
          struct gw_err *err)
{
    enum gw_rc rc;
    int r;

    GW_TRY(stmt_get(c, id, q, err));
    GW_TRY(bind_params(c, *q, p, n, err));
    r = sqlite3_step(*q);
    GW_CHECK(r == SQLITE_ROW || r == SQLITE_DONE, GW_EIO, GW_R_IO, "%.60s: %s", stmt_sql[id],
             sqlite3_errmsg(c->db));
    *found = r == SQLITE_ROW;
    rc = GW_OK;
out:
    return rc;
}

/* Copy a text column into out[cap]; SQL NULL reads as "". */
static enum gw_rc
col_text(sqlite3_stmt *q, int i, char *out, size_t cap, struct gw_err *err)
{
    enum gw_rc rc = GW_EIO;
    const unsigned char *t = NULL;
    size_t n = 0;

    if (sqlite3_column_type(q, i) != SQLITE_NULL) {
        t = sqlite3_column_text(q, i);
        GW_CHECK(t != NULL, GW_ENOMEM, GW_R_NOMEM, "column %s", sqlite3_column_name(q, i));
        n = (size_t)sqlite3_column_bytes(q, i);
    }
    GW_CHECK(n < cap, GW_EIO, GW_R_IO, "stored %s is %zu bytes, at most %zu allowed", sqlite3_column_name(q, i), n,
             cap - 1);
    if (n > 0) {
        memcpy(out, t, n);
    }
    out[n] = '\0';
    rc = GW_OK;
out:
    return rc;
}

/* OUT: *out (free()) and *len; SQL NULL reads as NULL, 0. */
static enum gw_rc
col_blob(sqlite3_stmt *q, int i, unsigned char **out, size_t *len, struct gw_err *err)
{
    enum gw_rc rc = GW_ENOMEM;
    const void *p;
    size_t n;
    unsigned char *copy = NULL;

    if (sqlite3_column_type(q, i) == SQLITE_NULL) {
        *out = NULL;
        *len = 0;
        return GW_OK;
    }
    p = sqlite3_column_blob(q, i);
    n = (size_t)sqlite3_column_bytes(q, i);
    GW_CHECK(p != NULL || n == 0, GW_ENOMEM, GW_R_NOMEM, "column %s", sqlite3_column_name(q, i));
    copy = malloc(n > 0 ? n : 1); /* an empty BLOB stays distinct from NULL */
    GW_CHECK(copy != NULL, GW_ENOMEM, GW_R_NOMEM, "%zu bytes for column %s", n, sqlite3_column_name(q, i));
    if (n > 0) {
        memcpy(copy, p, n);
    }
    *out = copy;
    *len = n;
    rc = GW_OK;
out:
    return rc;
}

/* A row of OUTBOX_COLS. OUT: *m (gw_outbox_msg_cleanup); untouched on failure. */
static enum gw_rc
read_outbox_row(sqlite3_stmt *q, struct gw_outbox_msg *m, struct gw_err *err)
{
    enum gw_rc rc;
    struct gw_outbox_msg row = {0};
    char state[16];

    GW_TRY(col_text(q, 0, row.id, sizeof(row.id), err));
    GW_TRY(col_text(q, 1, row.in_reply_to, sizeof(row.in_reply_to), err));
    GW_TRY(col_text(q, 2, row.recipient, sizeof(row.recipient), err));
    GW_TRY(col_text(q, 3, row.type, sizeof(row.type), err));
    GW_TRY(col_text(q, 4, row.sha256, sizeof(row.sha256), err));
    GW_TRY(col_blob(q, 5, &row.body, &row.body_len, err));
    GW_TRY(col_text(q, 6, state, sizeof(state), err));
    GW_TRY(gw_out_state_from_name(state, &row.state, err));
    row.attempts = (uint32_t)sqlite3_column_int64(q, 7);
    row.created_ms = sqlite3_column_int64(q, 8);
    row.next_attempt_ms = sqlite3_column_int64(q, 9);
    row.delivered_ms = sqlite3_column_int64(q, 10);
    GW_TRY(col_text(q, 11, row.last_error, sizeof(row.last_error), err));
    GW_TRY(col_blob(q, 12, &row.receipt, &row.receipt_len, err));
    GW_TRY(col_blob(q, 13, &row.notice, &row.notice_len, err));
    *m = row;
    memset(&row, 0, sizeof(row));
    rc = GW_OK;
out:
    gw_outbox_msg_cleanup(&row);
    return rc;
}

/* A row of INBOX_COLS. OUT: *m (gw_inbox_msg_cleanup); untouched on failure. */
static enum gw_rc
read_inbox_row(sqlite3_stmt *q, struct gw_inbox_msg *m, struct gw_err *err)
{
    enum gw_rc rc;
    struct gw_inbox_msg row = {0};

    row.seq = sqlite3_column_int64(q, 0);
    GW_TRY(col_text(q, 1, row.id, sizeof(row.id), err));
    GW_TRY(col_text(q, 2, row.sender, sizeof(row.sender), err));
    GW_TRY(col_text(q, 3, row.type, sizeof(row.type), err));
    GW_TRY(col_text(q, 4, row.sha256, sizeof(row.sha256), err));
    GW_TRY(col_blob(q, 5, &row.body, &row.body_len, err));
    GW_TRY(col_blob(q, 6, &row.receipt, &row.receipt_len, err));
    row.received_ms = sqlite3_column_int64(q, 7);
    row.acked = sqlite3_column_int64(q, 8) != 0;
    row.acked_ms = sqlite3_column_int64(q, 9);
    *m = row;
    memset(&row, 0, sizeof(row));
    rc = GW_OK;
out:
    gw_inbox_msg_cleanup(&row);
    return rc;
}

/* The meta value of key as an integer. Reasons: CONFIG (missing or not an integer), IO. */
static enum gw_rc
meta_int(struct conn *c, const char *key, int64_t *out, struct gw_err *err)
{
    enum gw_rc rc;
    sqlite3_stmt *q = NULL;
    const struct param p[] = {P_TEXT(key)};
    bool found = false;

    GW_TRY(read_stmt(c, ST_GET_META, p, COUNT(p), &q, &found, err));
    GW_CHECK(found && sqlite3_column_type(q, 0) == SQLITE_INTEGER, GW_ECONFIG, GW_R_CONFIG,
             "meta %s is missing or not an integer: not a gateway store, or a damaged one", key);
    *out = sqlite3_column_int64(q, 0);
    rc = GW_OK;
out:
    stmt_done(q);
    return rc;
}

/* The meta value of key as text into out[cap]. Reasons: CONFIG (missing), IO. */
static enum gw_rc
meta_text(struct conn *c, const char *key, char *out, size_t cap, struct gw_err *err)
{
    enum gw_rc rc;
    sqlite3_stmt *q = NULL;
    const struct param p[] = {P_TEXT(key)};
    bool found = false;

    GW_TRY(read_stmt(c, ST_GET_META, p, COUNT(p), &q, &found, err));
    GW_CHECK(found && sqlite3_column_type(q, 0) == SQLITE_TEXT, GW_ECONFIG, GW_R_CONFIG,
             "meta %s is missing or not text: not a gateway store, or a damaged one", key);
    GW_TRY(col_text(q, 0, out, cap, err));
    rc = GW_OK;
out:
    stmt_done(q);
    return rc;
}

/* Read the schema version and refuse one newer than this binary knows. */
static enum gw_rc
check_version(struct conn *c, int64_t *version, struct gw_err *err)
{
    enum gw_rc rc;
    int64_t v = 0;

    GW_TRY(meta_int(c, "schema_version", &v, err));
    GW_CHECK(v >= 0 && v <= SCHEMA_VERSION, GW_ECONFIG, GW_R_CONFIG,
             "store schema version %" PRId64 " is newer than this gateway knows (%" PRId64
             "): upgrade the gateway",
             v, SCHEMA_VERSION);
    *version = v;
    rc = GW_OK;
out:
    return rc;
}

/* DESIGN §6: WAL with synchronous=FULL makes every COMMIT durable (the WAL is fsynced before COMMIT
 * returns), and lets the read connection run while the writer commits. */
static enum gw_rc
set_wal(struct conn *c, struct gw_err *err)
{
    enum gw_rc rc;
    sqlite3_stmt *q = NULL;
    const unsigned char *mode;

    GW_CHECK(sqlite3_prepare_v2(c->db, "PRAGMA journal_mode = WAL", -1, &q, NULL) == SQLITE_OK, GW_EIO, GW_R_IO,
             "journal_mode: %s", sqlite3_errmsg(c->db));
    GW_CHECK(sqlite3_step(q) == SQLITE_ROW, GW_EIO, GW_R_IO, "journal_mode: %s", sqlite3_errmsg(c->db));
    mode = sqlite3_column_text(q, 0);
    /* The pragma answers with the mode in force; anything but wal (a file system without shared memory) would
     * make readers block the writer and durability depend on another mode. */
    GW_CHECK(mode != NULL && strcmp((const char *)mode, "wal") == 0, GW_EIO, GW_R_IO,
             "cannot switch to WAL mode (mode is %s)", mode != NULL ? (const char *)mode : "unknown");
    GW_TRY(exec_sql(c->db, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON", "pragmas", err));
    rc = GW_OK;
out:
    sqlite3_finalize(q);
    return rc;
}

/* Before the gateway writes anything into an existing file (the WAL switch, its tables), the file must be a
 * whole SQLite database that is either empty or the gateway's: a damaged store would otherwise be served
 * until a query reaches the damaged page (and then fail on every delivery), and another application's
 * database would get the gateway's tables added to it. quick_check reads every page once (O(size), no index
 * cross-checks); "ok" is its only good answer. Reasons: IO (unreadable or damaged), CONFIG (foreign). */
static enum gw_rc
check_store_file(struct conn *c, struct gw_err *err)
{
    enum gw_rc rc = GW_EIO;
    sqlite3_stmt *q = NULL;
    const unsigned char *verdict;
    char line[160];
    int64_t objects;
    int64_t metas;
    int r;

    r = sqlite3_prepare_v2(c->db, "PRAGMA quick_check(1)", -1, &q, NULL);
    GW_CHECK(r == SQLITE_OK, GW_EIO, GW_R_IO, "cannot read the store (%s): not a gateway store, or a damaged one",
             sqlite3_errmsg(c->db));
    r = sqlite3_step(q);
    GW_CHECK(r == SQLITE_ROW, GW_EIO, GW_R_IO, "the store is damaged (%s): restore it from a backup",
             sqlite3_errmsg(c->db));
    verdict = sqlite3_column_text(q, 0);
    if (verdict == NULL || strcmp((const char *)verdict, "ok") != 0) {
        /* SQLite's answer spans lines ("*** in database main ***\nOn tree page 5 ..."): keep it on one */
        snprintf(line, sizeof(line), "%s", verdict != NULL ? (const char *)verdict : "no answer");
        for (char *p = line; *p != '\0'; p++) {
            if ((unsigned char)*p < 0x20) {
                *p = ' ';
            }
        }
        GW_CHECK(false, GW_EIO, GW_R_IO, "the store is damaged (integrity check: %s): restore it from a backup",
                 line);
    }
    sqlite3_finalize(q);
    q = NULL;
    r = sqlite3_prepare_v2(c->db,
                           "SELECT count(*), count(*) FILTER (WHERE type = 'table' AND name = 'meta') "
                           "FROM sqlite_master",
                           -1, &q, NULL);
    GW_CHECK(r == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW, GW_EIO, GW_R_IO, "cannot read the schema: %s",
             sqlite3_errmsg(c->db));
    objects = sqlite3_column_int64(q, 0);
    metas = sqlite3_column_int64(q, 1);
    GW_CHECK(objects == 0 || metas == 1, GW_ECONFIG, GW_R_CONFIG,
             "not a gateway store: the database holds %" PRId64 " tables or indexes but no gateway meta table "
             "(another application's database?)",
             objects);
    rc = GW_OK;
out:
    sqlite3_finalize(q);
    return rc;
}

/* Open a connection with the settings every one gets; the writable one also checks the file
 * (check_store_file) and switches to WAL. On failure the caller still closes c (conn_close). */
static enum gw_rc
conn_open(const char *path, bool writer, struct conn *c, struct gw_err *err)
{
    enum gw_rc rc = GW_EIO;
    int flags =
        (writer ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW : SQLITE_OPEN_READONLY) | SQLITE_OPEN_NOMUTEX;
    int r = sqlite3_open_v2(path, &c->db, flags, NULL);

    GW_CHECK(c->db != NULL, GW_ENOMEM, GW_R_NOMEM, "sqlite3 handle");
    GW_CHECK(r == SQLITE_OK, GW_EIO, GW_R_IO, "cannot open: %s", sqlite3_errmsg(c->db));
    sqlite3_extended_result_codes(c->db, 1);
    GW_CHECK(sqlite3_busy_timeout(c->db, BUSY_TIMEOUT_MS) == SQLITE_OK, GW_EIO, GW_R_IO, "busy_timeout");
    /* No schema trick (writable_schema, a crafted file's triggers calling functions) may change how we run. */
    GW_CHECK(sqlite3_db_config(c->db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL) == SQLITE_OK &&
                 sqlite3_db_config(c->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)NULL) == SQLITE_OK,
             GW_EIO, GW_R_IO, "db_config: %s", sqlite3_errmsg(c->db));
    if (!writer) {
        GW_TRY(exec_sql(c->db, "PRAGMA query_only = ON", "query_only", err));
    } else {
        GW_TRY(check_store_file(c, err));
        GW_TRY(set_wal(c, err));
    }
    rc = GW_OK;
out:
    return rc;
}

/* ---- the Merkle tree's nodes (struct gw_merkle_nodes over the merkle table of a connection) ---- */

static enum gw_rc
merkle_get(void *ctx, unsigned level, uint64_t index, unsigned char out[GW_MERKLE_HASH_LEN], struct gw_err *err)
{
    enum gw_rc rc;
    struct conn *c = ctx;
    sqlite3_stmt *q = NULL;
    const struct param p[] = {P_INT((int64_t)level), P_INT((int64_t)index)};
    bool found = false;

    GW_CHECK(index <= (uint64_t)INT64_MAX, GW_EINTERNAL, GW_R_INTERNAL, "Merkle node index %" PRIu64, index);
    GW_TRY(read_stmt(c, ST_GET_MERKLE, p, COUNT(p), &q, &found, err));
    /* The tree code asks only for nodes the log's size says are complete: a missing one is damage. */
    GW_CHECK(found && sqlite3_column_type(q, 0) == SQLITE_BLOB &&
                 sqlite3_column_bytes(q, 0) == (int)GW_MERKLE_HASH_LEN,
             GW_EPOLICY, GW_R_AUDIT_BROKEN,
             "Merkle node (%u, %" PRIu64 ") is missing or malformed (the tree was changed): run 'gateway audit "
             "verify'",
             level, index);
    memcpy(out, sqlite3_column_blob(q, 0), GW_MERKLE_HASH_LEN);
    rc = GW_OK;
out:
    stmt_done(q);
    return rc;
}

static enum gw_rc
merkle_put(void *ctx, unsigned level, uint64_t index, const unsigned char hash[GW_MERKLE_HASH_LEN],
           struct gw_err *err)
{
    enum gw_rc rc;
    struct conn *c = ctx;
    const struct param p[] = {P_INT((int64_t)level), P_INT((int64_t)index), P_BLOB(hash, GW_MERKLE_HASH_LEN)};
    int changes = 0;

    GW_CHECK(index <= (uint64_t)INT64_MAX, GW_EINTERNAL, GW_R_INTERNAL, "Merkle node index %" PRIu64, index);
    GW_TRY(write_stmt(c, ST_PUT_MERKLE, p, COUNT(p), &changes, err));
    GW_CHECK(changes == 1, GW_EIO, GW_R_IO, "Merkle node (%u, %" PRIu64 ") not written", level, index);
    rc = GW_OK;
out:
    return rc;
}

/* The tree stored by connection c (borrowed); read-only connections only read it. */
static struct gw_merkle_nodes
conn_nodes(struct conn *c)
{
    return (struct gw_merkle_nodes){.get = merkle_get, .put = merkle_put, .ctx = c};
}

static enum gw_rc audit_row(sqlite3_stmt *q, struct gw_audit_entry *e, struct gw_err *err);

/*
 * Migration 4, inside its transaction: append the leaf of every entry 1..audit_last_seq (docs/audit.md 5.1,
 * each in the version its seq gives) to the new, empty merkle table. A log with a hole (an entry missing up to
 * the head) has no tree: the migration fails, naming the entry, and the store stays at version 3 until the
 * log is repaired or the operator decides; an auditor checks it with 'gateway audit verify' meanwhile.
 */
static enum gw_rc
build_tree(struct conn *c, struct gw_err *err)
{
    enum gw_rc rc;
    sqlite3_stmt *q = NULL;
    int64_t last = 0;
    int64_t v2_from = 0;
    int64_t seq = 0;
    struct gw_merkle_nodes nodes = conn_nodes(c);
    int r;

    GW_TRY(meta_int(c, "audit_last_seq", &last, err));
    GW_TRY(meta_int(c, "audit_v2_from", &v2_from, err));
    GW_CHECK(sqlite3_prepare_v2(c->db, "SELECT " AUDIT_COLS " FROM audit WHERE seq <= ?1 ORDER BY seq", -1, &q,
                                NULL) == SQLITE_OK &&
                 sqlite3_bind_int64(q, 1, last) == SQLITE_OK,
             GW_EIO, GW_R_IO, "audit table: %s", sqlite3_errmsg(c->db));
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        struct gw_audit_entry e;
        unsigned char leaf[GW_MERKLE_HASH_LEN];

        GW_TRY(audit_row(q, &e, err));
        GW_CHECK(e.seq == seq + 1, GW_EPOLICY, GW_R_AUDIT_BROKEN,
                 "cannot build the Merkle tree: audit entry %" PRId64 " is missing; run 'gateway audit verify'",
                 seq + 1);
        e.version = e.seq >= v2_from ? 2 : 1;
        GW_TRY(gw_audit_leaf_hash(&e, leaf, err));
        GW_TRY(gw_merkle_append(&nodes, (uint64_t)seq, leaf, err));
        seq = e.seq;
    }
    GW_CHECK(r == SQLITE_DONE, GW_EIO, GW_R_IO, "read audit: %s", sqlite3_errmsg(c->db));
    GW_CHECK(seq == last, GW_EPOLICY, GW_R_AUDIT_BROKEN,
             "cannot build the Merkle tree: audit entry %" PRId64 " is missing; run 'gateway audit verify'",
             seq + 1);
    rc = GW_OK;
out:
    sqlite3_finalize(q);
    return rc;
}

/* Bring the store to SCHEMA_VERSION, one migration per transaction. The version is re-read inside each
 * transaction, so two processes opening a new store at once do not both apply a step. */
static enum gw_rc
migrate(struct conn *c, struct gw_err *err)
{
    enum gw_rc rc;
    bool in_tx = false;
    int64_t v = 0;
    char what[64];
    char set_version[96];

    GW_TRY(exec_sql(c->db, "BEGIN IMMEDIATE", "begin", err));
    in_tx = true;
    GW_TRY(exec_sql(c->db, meta_sql, "create meta table", err));
    GW_TRY(exec_sql(c->db, "COMMIT", "commit", err));
    in_tx = false;
    for (;;) {
        GW_TRY(exec_sql(c->db, "BEGIN IMMEDIATE", "begin", err));
        in_tx = true;
        GW_TRY(check_version(c, &v, err));
        if (v == SCHEMA_VERSION) {
            break;
        }
        snprintf(what, sizeof(what), "migration to schema version %" PRId64, v + 1);
        snprintf(set_version, sizeof(set_version),
                 "UPDATE meta SET value = %" PRId64 " WHERE key = 'schema_version'", v + 1);
        GW_TRY(exec_sql(c->db, migrations[v], what, err));
        if (v + 1 == MERKLE_SCHEMA) {
            GW_TRY(build_tree(c, err));
        }
        GW_TRY(exec_sql(c->db, set_version, what, err));
        GW_TRY(exec_sql(c->db, "COMMIT", what, err));
        in_tx = false;
    }
    GW_TRY(exec_sql(c->db, "COMMIT", "commit", err));
    in_tx = false;
    rc = GW_OK;
out:
    if (in_tx) {
        (void)sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    }
    return rc;
}

/* Load the audit head the gateway last committed. New entries continue from it rather than from the last
 * row of the table, so entries deleted from the end stay detectable after a restart. */
static enum gw_rc
load_audit_head(struct sqlite_store *st, struct gw_err *err)
{
    enum gw_rc rc;

    GW_TRY(meta_int(&st->w, "audit_last_seq", &st->audit_seq, err));
    GW_TRY(meta_text(&st->w, "audit_last_hash", st->audit_hash, sizeof(st->audit_hash), err));
    GW_CHECK(st->audit_seq >= 0 && gw_ids_is_sha256_hex(st->audit_hash), GW_EPOLICY, GW_R_AUDIT_BROKEN,
             "the audit head recorded in meta is malformed: run 'gateway audit verify'");
    rc = GW_OK;
out:
    return rc;
}

/* ---- the writer ---- */

/* Append ev to the audit log (inside the caller's transaction) and advance the in-memory head. row_ref names
 * the row the same transaction created ("" for none). */
static enum gw_rc
audit_append(struct sqlite_store *st, const struct gw_audit_event *ev, const char *row_ref, struct gw_err *err)
{
    enum gw_rc rc;
    char when[GW_AUDIT_TIME_LEN + 1];
    char event[GW_AUDIT_MAX_FIELD + 1];
    char message_id[GW_AUDIT_MAX_FIELD + 1];
    char peer[GW_AUDIT_MAX_FIELD + 1];
    char outcome[GW_AUDIT_MAX_FIELD + 1];
    char reason[GW_AUDIT_MAX_FIELD + 1];
    char hash[GW_AUDIT_HASH_LEN + 1];
    const char *sha256 = ev->sha256 != NULL ? ev->sha256 : ""; /* checked by store.c */
    struct gw_audit_entry e = {
        .seq = st->audit_seq + 1,
        .time = when,
        .event = event,
        .message_id = message_id,
        .peer = peer,
        .outcome = outcome,
        .reason = reason,
        .sha256 = sha256,
        .row_ref = row_ref,
        .version = 2,
        .prev_hash = st->audit_hash,
    };
    const struct param p[] = {
        P_INT(e.seq),   P_TEXT(when),        P_TEXT(event), P_TEXT(message_id), P_TEXT(peer),    P_TEXT(outcome),
        P_TEXT(reason), P_TEXT(e.prev_hash), P_TEXT(hash),  P_TEXT(sha256),     P_TEXT(row_ref),
    };
    int changes = 0;
    struct gw_merkle_nodes nodes = conn_nodes(&st->w);
    unsigned char leaf[GW_MERKLE_HASH_LEN];

    gw_audit_time_now(when);
    gw_audit_field(ev->event, event);
    gw_audit_field(ev->message_id, message_id);
    gw_audit_field(ev->peer, peer);
    gw_audit_field(ev->outcome, outcome);
    gw_audit_field(ev->reason, reason);
    GW_TRY(gw_audit_hash(&e, hash, err));
    GW_TRY(gw_audit_leaf_hash(&e, leaf, err));
    GW_TRY(write_stmt(&st->w, ST_INS_AUDIT, p, COUNT(p), &changes, err));
    /* Leaf seq - 1 and the nodes it completes, in the entry's transaction (rolled back with it). */
    GW_TRY(gw_merkle_append(&nodes, (uint64_t)st->audit_seq, leaf, err));
    st->audit_seq = e.seq;
    memcpy(st->audit_hash, hash, sizeof(hash));
    rc = GW_OK;
out:
    return rc;
}

/* Record the audit head in meta, in the batch's transaction. */
static enum gw_rc
save_audit_head(struct sqlite_store *st, struct gw_err *err)
{
    enum gw_rc rc;
    const struct param seq[] = {P_TEXT("audit_last_seq"), P_INT(st->audit_seq)};
    const struct param hash[] = {P_TEXT("audit_last_hash"), P_TEXT(st->audit_hash)};
    int changes = 0;

    GW_TRY(write_stmt(&st->w, ST_SET_META, seq, COUNT(seq), &changes, err));
    GW_CHECK(changes == 1, GW_EIO, GW_R_IO, "save audit head: no audit_last_seq in meta");
    GW_TRY(write_stmt(&st->w, ST_SET_META, hash, COUNT(hash), &changes, err));
    GW_CHECK(changes == 1, GW_EIO, GW_R_IO, "save audit head: no audit_last_hash in meta");
    rc = GW_OK;
out:
    return rc;
}

/* Which row a statement creates, for the row_ref of its audit entry: none, or a row of table named by key
 * (outbox: its id) or, key NULL, by the rowid SQLite just assigned (inbox and rejected: their seq). */
struct row_ref {
    const char *table; /* NULL: the statement creates no row */
    const char *key;
};
#define NO_ROW ((struct row_ref){NULL, NULL})

/*
 * The one write statement of an op: run statement id with parameters p[0..n) on the write connection and, if
 * it changed a row, append ev (NULL: none) in the same transaction, naming the row it created (row). An event
 * records a change: a write that changed nothing records nothing (a duplicate inbox row), and an op that
 * fails afterwards is rolled back to its savepoint, its event with it. OUT: *changes, the rows the statement
 * changed.
 */
static enum gw_rc
write_row(struct sqlite_store *st, enum stmt_id id, const struct param *p, size_t n, struct row_ref row,
          const struct gw_audit_event *ev, int *changes, struct gw_err *err)
{
    enum gw_rc rc;
    char ref[GW_AUDIT_MAX_FIELD + 1] = "";

    GW_TRY(write_stmt(&st->w, id, p, n, changes, err));
    if (*changes > 0 && ev != NULL) {
        if (row.table != NULL && row.key != NULL) {
            snprintf(ref, sizeof(ref), "%s:%.*s", row.table, (int)GW_UUID_LEN, row.key); /* keys are ids */
        } else if (row.table != NULL) {
            snprintf(ref, sizeof(ref), "%s:%" PRId64, row.table, (int64_t)sqlite3_last_insert_rowid(st->w.db));
        }
        GW_TRY(audit_append(st, ev, ref, err));
    }
    rc = GW_OK;
out:
    return rc;
}

/* Insert outbox row m and append ev with it. Reasons: DUPLICATE. */
static enum gw_rc
insert_outbox(struct sqlite_store *st, const struct gw_outbox_msg *m, const struct gw_audit_event *ev,
              struct gw_err *err)
{
    enum gw_rc rc;
    const struct param p[] = {
        P_FIELD(m->id),
        P_FIELD(m->in_reply_to),
        P_FIELD(m->recipient),
        P_FIELD(m->type),
        P_FIELD(m->sha256),
        P_BLOB(m->body, m->body_len),
        P_TEXT(gw_out_state_name(m->state)),
        P_INT(m->attempts),
        P_INT(m->created_ms),
        P_INT(m->next_attempt_ms),
        P_INT(m->delivered_ms),
        P_FIELD(m->last_error),
        P_BLOB(m->receipt, m->receipt_len),
        P_BLOB(m->notice, m->notice_len),
    };
    int changes = 0;

    GW_TRY(write_row(st, ST_INS_OUTBOX, p, COUNT(p), ((struct row_ref){"outbox", m->id}), ev, &changes, err));
    GW_CHECK(changes == 1, GW_EPOLICY, GW_R_DUPLICATE, "message %.*s is already in the outbox", (int)sizeof(m->id),
             m->id);
    rc = GW_OK;
out:
    return rc;
}

static enum gw_rc
op_put_outbox(struct sqlite_store *st, struct op *op, struct gw_err *err)
{
    return insert_outbox(st, op->put_outbox.m, op->ev, err);
}

static enum gw_rc
op_update_outbox(struct sqlite_store *st, struct op *op, struct gw_err *err)
{
    enum gw_rc rc;
    const struct gw_outbox_msg *m = op->update_outbox.m;
    const struct param p[] = {
        P_FIELD(m->id),
        P_TEXT(gw_out_state_name(m->state)),
        P_INT(m->attempts),
        P_INT(m->next_attempt_ms),
        P_FIELD(m->last_error),
        P_INT(m->delivered_ms),
        P_BLOB(m->receipt, m->receipt_len),
    };
    int changes = 0;

    GW_TRY(write_row(st, ST_UPD_OUTBOX, p, COUNT(p), NO_ROW, op->ev, &changes, err));
    GW_CHECK(changes == 1, GW_EINPUT, GW_R_NOT_FOUND, "no outbox message %.*s", (int)sizeof(m->id), m->id);
    rc = GW_OK;
out:
    return rc;
}

static enum gw_rc
op_attach_notice(struct sqlite_store *st, struct op *op, struct gw_err *err)
{
    enum gw_rc rc;
    const struct param p[] = {P_TEXT(op->attach_notice.id),
                              P_BLOB(op->attach_notice.notice, op->attach_notice.len)};
    int changes = 0;

    GW_TRY(write_row(st, ST_UPD_NOTICE, p, COUNT(p), NO_ROW, op->ev, &changes, err));
    GW_CHECK(changes == 1, GW_EINPUT, GW_R_NOT_FOUND, "no outbox message %s", op->attach_notice.id);
    rc = GW_OK;
out:
    return rc;
}

static enum gw_rc
op_put_inbox(struct sqlite_store *st, struct op *op, struct gw_err *err)
{
    enum gw_rc rc;
    const struct gw_inbox_msg *m = op->put_inbox.m;
    const struct param p[] = {
        P_FIELD(m->id),        P_FIELD(m->sender),           P_FIELD(m->type),
        P_FIELD(m->sha256),    P_BLOB(m->body, m->body_len), P_BLOB(m->receipt, m->receipt_len),
        P_INT(m->received_ms),
    };
    const struct param key[] = {P_FIELD(m->id), P_FIELD(m->sender)};
    sqlite3_stmt *q = NULL;
    int changes = 0;
    bool found = false;

    GW_TRY(write_row(st, ST_INS_INBOX, p, COUNT(p), ((struct row_ref){"inbox", NULL}), op->ev, &changes, err));
    op->put_inbox.is_duplicate = changes == 0;
    if (!op->put_inbox.is_duplicate) {
        rc = GW_OK;
        goto out;
    }
    /* DESIGN §6 exactly-once inbox: the caller gets the stored row and compares digests. The read runs on the
     * write connection, inside this transaction, so it sees a row inserted earlier in the same batch. */
    GW_TRY(read_stmt(&st->w, ST_GET_INBOX, key, COUNT(key), &q, &found, err));
    GW_CHECK(found, GW_EIO, GW_R_IO, "read inbox duplicate: row vanished");
    GW_TRY(read_inbox_row(q, &op->put_inbox.existing, err));
    rc = GW_OK;
out:
    stmt_done(q);
    return rc;
}

static enum gw_rc
op_ack_inbox(struct sqlite_store *st, struct op *op, struct gw_err *err)
{
    enum gw_rc rc;
    const struct param key[] = {P_TEXT(op->ack_inbox.id), P_TEXT(op->ack_inbox.sender)};
    const struct param p[] = {P_TEXT(op->ack_inbox.id), P_TEXT(op->ack_inbox.sender),
                              P_INT(op->ack_inbox.acked_ms)};
    sqlite3_stmt *q = NULL;
    bool found = false;
    int changes = 0;

    /* The check, the notification and the ack run in one savepoint of the writer, the only connection that
     * writes: a second ack queued behind this one sees acked = 1 and queues nothing. */
    GW_TRY(read_stmt(&st->w, ST_GET_ACKED, key, COUNT(key), &q, &found, err));
    GW_CHECK(found, GW_EINPUT, GW_R_NOT_FOUND, "no inbox message %s from %s", op->ack_inbox.id,
             op->ack_inbox.sender);
    op->ack_inbox.was_acked = sqlite3_column_int64(q, 0) != 0;
    stmt_done(q);
    q = NULL;
    if (op->ack_inbox.was_acked) {
        rc = GW_OK; /* idempotent: a repeated ack changes nothing and logs nothing */
        goto out;
    }
    if (op->ack_inbox.notice != NULL) {
        GW_TRY(insert_outbox(st, op->ack_inbox.notice, op->ack_inbox.notice_ev, err));
    }
    GW_TRY(write_row(st, ST_ACK_INBOX, p, COUNT(p), NO_ROW, op->ev, &changes, err));
    GW_CHECK(changes == 1, GW_EIO, GW_R_IO, "ack inbox: inbox message %s changed under the writer",
             op->ack_inbox.id);
    rc = GW_OK;
out:
    stmt_done(q);
    return rc;
}

static enum gw_rc
op_put_rejected(struct sqlite_store *st, struct op *op, struct gw_err *err)
{
    const struct param p[] = {
        P_TEXT(op->put_rejected.message_id),
        P_TEXT(op->put_rejected.sender),
        P_BLOB(op->put_rejected.body, op->put_rejected.body_len),
        P_TEXT(op->put_rejected.reason),
        P_BLOB(op->put_rejected.receipt, op->put_rejected.receipt_len),
        P_INT(op->put_rejected.received_ms),
    };
    int changes = 0;

    return write_row(st, ST_INS_REJECTED, p, COUNT(p), ((struct row_ref){"rejected", NULL}), op->ev, &changes,
                     err);
}

static enum gw_rc
op_put_checkpoint(struct sqlite_store *st, struct op *op, struct gw_err *err)
{
    const struct gw_checkpoint_row *c = op->put_checkpoint.c;
    const struct param p[] = {
        P_FIELD(c->origin), P_INT((int64_t)c->tree_size), P_FIELD(c->root),
        P_FIELD(c->time),   P_BLOB(c->body, c->body_len), P_INT(gw_time_now_ms()),
    };
    const struct param pp[] = {
        P_FIELD(c->origin),      P_INT((int64_t)c->tree_size), P_FIELD(c->root),
        P_FIELD(c->time),        P_BLOB(c->body, c->body_len), P_INT(c->held == GW_CP_PEER_FORK ? 1 : 0),
        P_INT(gw_time_now_ms()),
    };
    int changes = 0;

    switch (c->held) {
    case GW_CP_OWN:
        return write_row(st, ST_INS_CHECKPOINT, p, COUNT(p), NO_ROW, op->ev, &changes, err);
    case GW_CP_PEER:
    case GW_CP_PEER_FORK:
        /* no row_ref: `audit verify` checks those against stored messages; ev carries the checkpoint's digest */
        return write_row(st, ST_INS_PEER_CHECKPOINT, pp, COUNT(pp), NO_ROW, op->ev, &changes, err);
    }
    return gw_err_set(err, GW_EINTERNAL, GW_R_INTERNAL, GW_SRC, "unknown checkpoint kind %d", (int)c->held);
}

static enum gw_rc
op_run(struct sqlite_store *st, struct op *op)
{
    switch (op->kind) {
    case OP_PUT_OUTBOX:
        return op_put_outbox(st, op, op->err);
    case OP_UPDATE_OUTBOX:
        return op_update_outbox(st, op, op->err);
    case OP_ATTACH_NOTICE:
        return op_attach_notice(st, op, op->err);
    case OP_PUT_INBOX:
        return op_put_inbox(st, op, op->err);
    case OP_ACK_INBOX:
        return op_ack_inbox(st, op, op->err);
    case OP_PUT_REJECTED:
        return op_put_rejected(st, op, op->err);
    case OP_AUDIT:
        return audit_append(st, op->ev, "", op->err);
    case OP_PUT_CHECKPOINT:
        return op_put_checkpoint(st, op, op->err);
    }
    return gw_err_set(op->err, GW_EINTERNAL, GW_R_INTERNAL, GW_SRC, "unknown store op %d", (int)op->kind);
}

/*
 * Run a batch of ops in one transaction (DESIGN §9 group commit). Each op runs inside SAVEPOINT op; a failed
 * op is rolled back to its savepoint (its audit entry with it) and the others go on. Returns true if the
 * transaction committed. If anything outside an op fails (BEGIN, a savepoint, COMMIT), the whole transaction
 * is rolled back and every op that had succeeded gets that error: nothing is reported durable that is not.
 */
static bool
writer_batch(struct sqlite_store *st, struct op *ops)
{
    enum gw_rc rc;
    struct gw_err batch_err;
    struct gw_err *err = &batch_err;
    int64_t seq0 = st->audit_seq;
    char hash0[GW_AUDIT_HASH_LEN + 1];

    gw_err_clear(&batch_err);
    memcpy(hash0, st->audit_hash, sizeof(hash0));
    GW_TRY(stmt_run(&st->w, ST_BEGIN, err));
    for (struct op *op = ops; op != NULL; op = op->next) {
        int64_t seq = st->audit_seq;
        char hash[GW_AUDIT_HASH_LEN + 1];

        memcpy(hash, st->audit_hash, sizeof(hash));
        GW_TRY(stmt_run(&st->w, ST_SAVEPOINT, err));
        op->rc = op_run(st, op);
        if (op->rc != GW_OK) {
            st->audit_seq = seq;
            memcpy(st->audit_hash, hash, sizeof(hash));
            /* Some errors (disk full, I/O, out of memory) make SQLite roll back the whole transaction, and
             * with it the ops before this one. */
            GW_CHECK(sqlite3_get_autocommit(st->w.db) == 0, GW_EIO, GW_R_IO,
                     "transaction rolled back after an error: %s", op->err->msg);
            GW_TRY(stmt_run(&st->w, ST_ROLLBACK_TO, err));
        }
        GW_TRY(stmt_run(&st->w, ST_RELEASE, err));
    }
    if (st->audit_seq != seq0) {
        GW_TRY(save_audit_head(st, err));
    }
    GW_TRY(stmt_run(&st->w, ST_COMMIT, err));
    rc = GW_OK;
out:
    if (rc == GW_OK) {
        return true;
    }
    if (sqlite3_get_autocommit(st->w.db) == 0) {
        struct gw_err ignored;

        gw_err_clear(&ignored);
        (void)stmt_run(&st->w, ST_ROLLBACK, &ignored);
    }
    st->audit_seq = seq0;
    memcpy(st->audit_hash, hash0, sizeof(hash0));
    for (struct op *op = ops; op != NULL; op = op->next) {
        if (op->rc == GW_OK) {
            op->rc = gw_err_set(op->err, batch_err.rc, batch_err.reason, batch_err.src, "%s", batch_err.msg);
            gw_err_where(op->err, "store %s", st->path);
        }
    }
    return false;
}

static void *
writer_main(void *arg)
{
    struct sqlite_store *st = arg;

    for (;;) {
        struct op *batch;
        bool committed;

        pthread_mutex_lock(&st->qlock);
        while (st->head == NULL && !st->stopping) {
            pthread_cond_wait(&st->qwork, &st->qlock);
        }
        batch = st->head;
        st->head = NULL;
        st->tail = NULL;
        pthread_mutex_unlock(&st->qlock);
        if (batch == NULL) {
            break; /* stopping, and the queue is drained */
        }
        committed = writer_batch(st, batch);
        pthread_mutex_lock(&st->qlock);
        if (committed) {
            st->commits++;
        }
        while (batch != NULL) {
            struct op *next = batch->next; /* a woken caller may return and free its op at once */
            batch->done = true;
            batch = next;
        }
        pthread_cond_broadcast(&st->qdone);
        pthread_mutex_unlock(&st->qlock);
    }
    return NULL;
}

/* Queue op and sleep until the writer has committed (or failed) the transaction holding it. */
static enum gw_rc
submit(struct sqlite_store *st, struct op *op)
{
    op->rc = GW_OK;
    op->done = false;
    op->next = NULL;
    pthread_mutex_lock(&st->qlock);
    assert(!st->stopping); /* using a store while closing it is a caller bug */
    if (st->tail != NULL) {
        st->tail->next = op;
    } else {
        st->head = op;
    }
    st->tail = op;
    pthread_cond_signal(&st->qwork);
    while (!op->done) {
        pthread_cond_wait(&st->qdone, &st->qlock);
    }
    pthread_mutex_unlock(&st->qlock);
    return op->rc;
}

/* ---- the ops ---- */

static struct sqlite_store *
sq(struct gw_store *s)
{
    return (struct sqlite_store *)s;
}

/* The write ops queue their op for the writer; gw_store_* has checked their arguments (store_int.h). */

static enum gw_rc
sq_put_outbox(struct gw_store *s, const struct gw_outbox_msg *m, const struct gw_audit_event *ev,
              struct gw_err *err)
{
    struct op op = {.kind = OP_PUT_OUTBOX, .ev = ev, .err = err, .put_outbox = {.m = m}};

    return submit(sq(s), &op);
}

static enum gw_rc
sq_update_outbox(struct gw_store *s, const struct gw_outbox_msg *m, const struct gw_audit_event *ev,
                 struct gw_err *err)
{
    struct op op = {.kind = OP_UPDATE_OUTBOX, .ev = ev, .err = err, .update_outbox = {.m = m}};

    return submit(sq(s), &op);
}

static enum gw_rc
sq_attach_notice(struct gw_store *s, const char *id, const unsigned char *notice, size_t len,
                 const struct gw_audit_event *ev, struct gw_err *err)
{
    struct op op = {
        .kind = OP_ATTACH_NOTICE, .ev = ev, .err = err, .attach_notice = {.id = id, .notice = notice, .len = len}};

    return submit(sq(s), &op);
}

static enum gw_rc
sq_put_inbox(struct gw_store *s, const struct gw_inbox_msg *m, const struct gw_audit_event *ev, bool *is_duplicate,
             struct gw_inbox_msg *existing, struct gw_err *err)
{
    enum gw_rc rc;
    struct op op = {.kind = OP_PUT_INBOX, .ev = ev, .err = err, .put_inbox = {.m = m}};

    GW_TRY(submit(sq(s), &op));
    *is_duplicate = op.put_inbox.is_duplicate;
    if (op.put_inbox.is_duplicate) {
        *existing = op.put_inbox.existing;
        memset(&op.put_inbox.existing, 0, sizeof(op.put_inbox.existing));
    }
    rc = GW_OK;
out:
    gw_inbox_msg_cleanup(&op.put_inbox.existing);
    return rc;
}

static enum gw_rc
sq_ack_inbox(struct gw_store *s, const char *id, const char *sender, const struct gw_outbox_msg *notice,
             const struct gw_audit_event *notice_ev, const struct gw_audit_event *ev, bool *was_acked,
             struct gw_err *err)
{
    enum gw_rc rc;
    struct op op = {
        .kind = OP_ACK_INBOX,
        .ev = ev,
        .err = err,
        .ack_inbox = {
            .id = id, .sender = sender, .notice = notice, .notice_ev = notice_ev, .acked_ms = gw_time_now_ms()}};

    GW_TRY(submit(sq(s), &op));
    *was_acked = op.ack_inbox.was_acked;
    rc = GW_OK;
out:
    return rc;
}

static enum gw_rc
sq_put_rejected(struct gw_store *s, const char *message_id, const char *sender, const unsigned char *body,
                size_t body_len, const char *reason, const unsigned char *receipt, size_t receipt_len,
                const struct gw_audit_event *ev, struct gw_err *err)
{
    struct op op = {
        .kind = OP_PUT_REJECTED,
        .ev = ev,
        .err = err,
        .put_rejected =
            {
                .message_id = message_id,
                .sender = sender,
                .reason = reason,
                .body = body,
                .body_len = body_len,
                .receipt = receipt,
                .receipt_len = receipt_len,
                .received_ms = gw_time_now_ms(),
            },
    };

    return submit(sq(s), &op);
}

static enum gw_rc
sq_audit(struct gw_store *s, const struct gw_audit_event *ev, struct gw_err *err)
{
    struct op op = {.kind = OP_AUDIT, .ev = ev, .err = err};

    return submit(sq(s), &op);
}

/* A kind of row a list query returns: its size, how to read one from a statement, how to clean one. */
struct row_kind {
    size_t size;
    enum gw_rc (*read)(sqlite3_stmt *q, void *row, struct gw_err *err);
    void (*cleanup)(void *row);
    const char *what; /* the list query, for error messages */
    const char *noun; /* one row, for error messages */
};

static enum gw_rc
read_outbox_any(sqlite3_stmt *q, void *row, struct gw_err *err)
{
    return read_outbox_row(q, row, err);
}

static void
cleanup_outbox_any(void *row)
{
    gw_outbox_msg_cleanup(row);
}

static enum gw_rc
read_inbox_any(sqlite3_stmt *q, void *row, struct gw_err *err)
{
    return read_inbox_row(q, row, err);
}

static void
cleanup_inbox_any(void *row)
{
    gw_inbox_msg_cleanup(row);
}

static const struct row_kind outbox_rows = {sizeof(struct gw_outbox_msg), read_outbox_any, cleanup_outbox_any,
                                            "due outbox", "outbox message"};
static const struct row_kind inbox_rows = {sizeof(struct gw_inbox_msg), read_inbox_any, cleanup_inbox_any,
                                           "list inbox", "inbox message"};

static void
free_rows(const struct row_kind *k, void *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        k->cleanup((char *)list + i * k->size);
    }
    free(list);
}

/* Read the one row of kind k whose id is key with statement id. Reasons: NOT_FOUND, IO. */
static enum gw_rc
query_one(struct sqlite_store *st, enum stmt_id id, const char *key, const struct row_kind *k, void *row,
          struct gw_err *err)
{
    enum gw_rc rc;
    sqlite3_stmt *q = NULL;
    const struct param p[] = {P_TEXT(key)};
    bool found = false;

    pthread_mutex_lock(&st->rlock);
    GW_TRY(read_stmt(&st->r, id, p, COUNT(p), &q, &found, err));
    GW_CHECK(found, GW_EINPUT, GW_R_NOT_FOUND, "no %s %s", k->noun, key);
    GW_TRY(k->read(q, row, err));
    rc = GW_OK;
out:
    stmt_done(q);
    pthread_mutex_unlock(&st->rlock);
    return rc;
}

static enum gw_rc
sq_get_outbox(struct gw_store *s, const char *id, struct gw_outbox_msg *m, struct gw_err *err)
{
    return query_one(sq(s), ST_GET_OUTBOX, id, &outbox_rows, m, err);
}

static enum gw_rc
sq_get_inbox(struct gw_store *s, const char *id, const char *sender, struct gw_inbox_msg *m, struct gw_err *err)
{
    struct sqlite_store *st = sq(s);
    enum gw_rc rc;
    sqlite3_stmt *q = NULL;
    const struct param p[] = {P_TEXT(id), P_OPT_TEXT(sender)};
    struct gw_inbox_msg row = {0};
    bool found = false;
    int r;

    pthread_mutex_lock(&st->rlock);
    GW_TRY(read_stmt(&st->r, ST_GET_INBOX, p, COUNT(p), &q, &found, err));
    GW_CHECK(found, GW_EINPUT, GW_R_NOT_FOUND, "no inbox message %s%s%s", id, sender != NULL ? " from " : "",
             sender != NULL ? sender : "");
    GW_TRY(read_inbox_row(q, &row, err));
    /* DESIGN §6: ids are unique per sender; without a sender, a second row means the id names two messages */
    r = sqlite3_step(q);
    GW_CHECK(r != SQLITE_ROW, GW_EPOLICY, GW_R_DUPLICATE,
             "inbox message %s was sent by more than one sender: name one with ?sender=", id);
    GW_CHECK(r == SQLITE_DONE, GW_EIO, GW_R_IO, "get inbox: %s", sqlite3_errmsg(st->r.db));
    *m = row;
    memset(&row, 0, sizeof(row));
    rc = GW_OK;
out:
    stmt_done(q);
    pthread_mutex_unlock(&st->rlock);
    gw_inbox_msg_cleanup(&row);
    return rc;
}

/* Make room for one more element in *list (of *cap, at most max). */
static enum gw_rc
grow(void **list, size_t *cap, size_t n, size_t max, size_t size, struct gw_err *err)
{
    enum gw_rc rc = GW_ENOMEM;
    size_t want;
    void *p;

    if (n < *cap) {
        return GW_OK;
    }
    want = *cap == 0 ? 16 : *cap * 2;
    want = want > max ? max : want;
    GW_CHECK(want > n && want <= SIZE_MAX / size, GW_ENOMEM, GW_R_NOMEM, "list of %zu rows", want);
    p = realloc(*list, want * size);
    GW_CHECK(p != NULL, GW_ENOMEM, GW_R_NOMEM, "list of %zu rows", want);
    *list = p;
    *cap = want;
    rc = GW_OK;
out:
    return rc;
}

static int64_t
sql_limit(size_t max)
{
    return max > (size_t)INT64_MAX ? INT64_MAX : (int64_t)max;
}

/* Run list statement id with parameters (key, max[, filter]) on the read connection and read at most max
 * rows of kind k; filter (may be NULL) is bound as ?3 where the statement has one. OUT: *list (free_rows)
 * and *n; on failure untouched. */
static enum gw_rc
query_rows(struct sqlite_store *st, enum stmt_id id, int64_t key, const char *filter, size_t max,
           const struct row_kind *k, void **list, size_t *n, struct gw_err *err)
{
    enum gw_rc rc;
    sqlite3_stmt *q = NULL;
    const struct param p[] = {P_INT(key), P_INT(sql_limit(max)), P_OPT_TEXT(filter)};
    void *rows = NULL;
    size_t count = 0;
    size_t cap = 0;
    int r;

    pthread_mutex_lock(&st->rlock);
    GW_TRY(stmt_get(&st->r, id, &q, err));
    GW_TRY(bind_params(&st->r, q, p, sqlite3_bind_parameter_count(q) >= 3 ? 3 : 2, err));
    while ((r = sqlite3_step(q)) == SQLITE_ROW && count < max) {
        GW_TRY(grow(&rows, &cap, count, max, k->size, err));
        GW_TRY(k->read(q, (char *)rows + count * k->size, err));
        count++;
    }
    GW_CHECK(r == SQLITE_DONE || r == SQLITE_ROW, GW_EIO, GW_R_IO, "%s: %s", k->what, sqlite3_errmsg(st->r.db));
    *list = rows;
    *n = count;
    rows = NULL;
    count = 0;
    rc = GW_OK;
out:
    stmt_done(q);
    pthread_mutex_unlock(&st->rlock);
    free_rows(k, rows, count);
    return rc;
}

/* Under the read lock: whether id is one of skip[0..n_skip). */
static bool
is_skipped(const char *id, const char *const *skip, size_t n_skip)
{
    for (size_t i = 0; i < n_skip; i++) {
        if (strcmp(id, skip[i]) == 0) {
            return true;
        }
    }
    return false;
}

/* The due rows in two steps: their rowids and ids, sorted, from the covering index (ST_DUE_IDS), then by
 * rowid the whole rows of at most max of them that skip does not name. The id query stays open while the
 * rows are read, so both steps see one snapshot (one read transaction). */
static enum gw_rc
sq_due_outbox(struct gw_store *s, int64_t now, const char *recipient, const char *const *skip, size_t n_skip,
              size_t max, struct gw_outbox_msg **list, size_t *n, struct gw_err *err)
{
    struct sqlite_store *st = sq(s);
    enum gw_rc rc;
    sqlite3_stmt *ids = NULL;
    sqlite3_stmt *row = NULL;
    const struct param p[] = {P_INT(now), P_INT(sql_limit(max > SIZE_MAX - n_skip ? SIZE_MAX : max + n_skip)),
                              P_OPT_TEXT(recipient)};
    void *rows = NULL;
    size_t count = 0;
    size_t cap = 0;
    int r = SQLITE_DONE;

    pthread_mutex_lock(&st->rlock);
    GW_TRY(stmt_get(&st->r, ST_DUE_IDS, &ids, err));
    GW_TRY(bind_params(&st->r, ids, p, COUNT(p), err));
    while (count < max && (r = sqlite3_step(ids)) == SQLITE_ROW) {
        char id[GW_UUID_LEN + 1];
        const struct param by_rowid[] = {P_INT(sqlite3_column_int64(ids, 0))};
        bool found = false;

        GW_TRY(col_text(ids, 1, id, sizeof(id), err));
        if (is_skipped(id, skip, n_skip)) {
            continue;
        }
        GW_TRY(grow(&rows, &cap, count, max, sizeof(struct gw_outbox_msg), err));
        GW_TRY(read_stmt(&st->r, ST_GET_OUTBOX_ROWID, by_rowid, COUNT(by_rowid), &row, &found, err));
        GW_CHECK(found, GW_EIO, GW_R_IO, "due outbox: row of %s not found in the snapshot that listed it", id);
        GW_TRY(read_outbox_row(row, (struct gw_outbox_msg *)rows + count, err));
        stmt_done(row);
        row = NULL;
        count++;
    }
    GW_CHECK(r == SQLITE_DONE || r == SQLITE_ROW, GW_EIO, GW_R_IO, "due outbox: %s", sqlite3_errmsg(st->r.db));
    *list = rows;
    *n = count;
    rows = NULL;
    count = 0;
    rc = GW_OK;
out:
    stmt_done(row);
    stmt_done(ids);
    pthread_mutex_unlock(&st->rlock);
    free_rows(&outbox_rows, rows, count);
    return rc;
}

static enum gw_rc
sq_next_due(struct gw_store *s, const char *recipient, int64_t after_ms, int64_t *when_ms, struct gw_err *err)
{
    struct sqlite_store *st = sq(s);
    enum gw_rc rc;
    sqlite3_stmt *q = NULL;
    const struct param p[] = {P_OPT_TEXT(recipient), P_INT(after_ms)};
    bool found = false;

    pthread_mutex_lock(&st->rlock);
    GW_TRY(read_stmt(&st->r, ST_NEXT_DUE, p, COUNT(p), &q, &found, err));
    GW_CHECK(found, GW_EIO, GW_R_IO, "next due: no row");
    *when_ms = sqlite3_column_type(q, 0) == SQLITE_NULL ? INT64_MAX : sqlite3_column_int64(q, 0);
    rc = GW_OK;
out:
    stmt_done(q);
    pthread_mutex_unlock(&st->rlock);
    return rc;
}

static enum gw_rc
sq_list_inbox(struct gw_store *s, int64_t after, size_t max, struct gw_inbox_msg **list, size_t *n,
              struct gw_err *err)
{
    void *rows = NULL;
    enum gw_rc rc = query_rows(sq(s), ST_LIST_INBOX, after, NULL, max, &inbox_rows, &rows, n, err);

    if (rc == GW_OK) {
        *list = rows;
    }
    return rc;
}

static enum gw_rc
sq_put_checkpoint(struct gw_store *s, const struct gw_checkpoint_row *c, const struct gw_audit_event *ev,
                  struct gw_err *err)
{
    struct op op = {.kind = OP_PUT_CHECKPOINT, .ev = ev, .err = err, .put_checkpoint = {.c = c}};

    return submit(sq(s), &op);
}

static enum gw_rc
sq_tree_head(struct gw_store *s, uint64_t *size, unsigned char root[GW_MERKLE_HASH_LEN], struct gw_err *err)
{
    struct sqlite_store *st = sq(s);
    enum gw_rc rc;
    struct gw_merkle_nodes nodes = conn_nodes(&st->r);
    int64_t n = 0;
    unsigned char r[GW_MERKLE_HASH_LEN];

    pthread_mutex_lock(&st->rlock);
    /* The size and the nodes in one snapshot: the writer commits both in one transaction. */
    GW_CHECK(sqlite3_exec(st->r.db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK, GW_EIO, GW_R_IO, "begin: %s",
             sqlite3_errmsg(st->r.db));
    GW_TRY(meta_int(&st->r, "audit_last_seq", &n, err));
    GW_CHECK(n >= 0, GW_EPOLICY, GW_R_AUDIT_BROKEN, "audit_last_seq %" PRId64 " is negative", n);
    nodes.put = NULL; /* read-only view */
    GW_TRY(gw_merkle_root(&nodes, (uint64_t)n, r, err));
    *size = (uint64_t)n;
    memcpy(root, r, sizeof(r));
    rc = GW_OK;
out:
    if (sqlite3_get_autocommit(st->r.db) == 0) {
        (void)sqlite3_exec(st->r.db, "COMMIT", NULL, NULL, NULL);
    }
    pthread_mutex_unlock(&st->rlock);
    return rc;
}

static enum gw_rc
sq_latest_checkpoint(struct gw_store *s, const char *origin, enum gw_cp_held held, struct gw_checkpoint_row *c,
                     bool *found, struct gw_err *err)
{
    struct sqlite_store *st = sq(s);
    enum gw_rc rc;
    sqlite3_stmt *q = NULL;
    const struct param p[] = {P_TEXT(origin), P_INT(held == GW_CP_PEER_FORK ? 1 : 0)};
    struct gw_checkpoint_row row = {.held = held};
    bool have = false;
    int64_t size = 0;

    pthread_mutex_lock(&st->rlock);
    GW_TRY(read_stmt(&st->r, held == GW_CP_OWN ? ST_LATEST_CHECKPOINT : ST_LATEST_PEER_CHECKPOINT, p,
                     held == GW_CP_OWN ? 1 : COUNT(p), &q, &have, err));
    if (have) {
        GW_TRY(col_text(q, 0, row.origin, sizeof(row.origin), err));
        size = sqlite3_column_int64(q, 1);
        GW_CHECK(size >= 0, GW_EIO, GW_R_IO, "stored checkpoint with tree size %" PRId64, size);
        row.tree_size = (uint64_t)size;
        GW_TRY(col_text(q, 2, row.root, sizeof(row.root), err));
        GW_TRY(col_text(q, 3, row.time, sizeof(row.time), err));
        GW_TRY(col_blob(q, 4, &row.body, &row.body_len, err));
        *c = row;
        memset(&row, 0, sizeof(row));
    }
    *found = have;
    rc = GW_OK;
out:
    stmt_done(q);
    pthread_mutex_unlock(&st->rlock);
    gw_checkpoint_row_cleanup(&row);
    return rc;
}

static enum gw_rc
sq_counts(struct gw_store *s, uint64_t out_by_state[GW_OUT_STATE_COUNT], uint64_t *inbox_unacked,
          struct gw_err *err)
{
    struct sqlite_store *st = sq(s);
    enum gw_rc rc;
    sqlite3_stmt *q = NULL;
    uint64_t by_state[GW_OUT_STATE_COUNT] = {0};
    char name[16];
    enum gw_out_state state;
    int r;

    pthread_mutex_lock(&st->rlock);
    /* Both counts in one snapshot. */
    GW_CHECK(sqlite3_exec(st->r.db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK, GW_EIO, GW_R_IO, "begin: %s",
             sqlite3_errmsg(st->r.db));
    GW_TRY(stmt_get(&st->r, ST_COUNT_OUTBOX, &q, err));
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        GW_TRY(col_text(q, 0, name, sizeof(name), err));
        GW_TRY(gw_out_state_from_name(name, &state, err));
        by_state[state] = (uint64_t)sqlite3_column_int64(q, 1);
    }
    GW_CHECK(r == SQLITE_DONE, GW_EIO, GW_R_IO, "count outbox: %s", sqlite3_errmsg(st->r.db));
    stmt_done(q);
    GW_TRY(stmt_get(&st->r, ST_COUNT_INBOX, &q, err));
    GW_CHECK(sqlite3_step(q) == SQLITE_ROW, GW_EIO, GW_R_IO, "count inbox: %s", sqlite3_errmsg(st->r.db));
    *inbox_unacked = (uint64_t)sqlite3_column_int64(q, 0);
    memcpy(out_by_state, by_state, sizeof(by_state));
    rc = GW_OK;
out:
    stmt_done(q);
    if (sqlite3_get_autocommit(st->r.db) == 0) {
        (void)sqlite3_exec(st->r.db, "COMMIT", NULL, NULL, NULL);
    }
    pthread_mutex_unlock(&st->rlock);
    return rc;
}

/* ---- open and close ---- */

static void
sq_close(struct gw_store *s)
{
    struct sqlite_store *st = sq(s);

    if (st->writer_started) {
        pthread_mutex_lock(&st->qlock);
        st->stopping = true;
        pthread_cond_signal(&st->qwork);
        pthread_mutex_unlock(&st->qlock);
        pthread_join(st->writer, NULL); /* the writer drains the queue first */
    }
    /* The read connection first: the last connection to close checkpoints the WAL into the database, which
     * only the writable one can do. */
    conn_close(&st->r);
    conn_close(&st->w);
    if (st->sync_ready) {
        pthread_cond_destroy(&st->qdone);
        pthread_cond_destroy(&st->qwork);
        pthread_mutex_destroy(&st->qlock);
        pthread_mutex_destroy(&st->rlock);
    }
    free(st->path);
    free(st);
}

static const struct gw_store_ops sqlite_ops = {
    .close = sq_close,
    .put_outbox = sq_put_outbox,
    .get_outbox = sq_get_outbox,
    .due_outbox = sq_due_outbox,
    .next_due = sq_next_due,
    .update_outbox = sq_update_outbox,
    .attach_notice = sq_attach_notice,
    .put_inbox = sq_put_inbox,
    .get_inbox = sq_get_inbox,
    .list_inbox = sq_list_inbox,
    .ack_inbox = sq_ack_inbox,
    .put_rejected = sq_put_rejected,
    .audit = sq_audit,
    .counts = sq_counts,
    .tree_head = sq_tree_head,
    .put_checkpoint = sq_put_checkpoint,
    .latest_checkpoint = sq_latest_checkpoint,
};

static enum gw_rc
sync_init(struct sqlite_store *st, struct gw_err *err)
{
    enum gw_rc rc = GW_ENOMEM;
    int done = 0;

    done += pthread_mutex_init(&st->rlock, NULL) == 0;
    done += pthread_mutex_init(&st->qlock, NULL) == 0;
    done += pthread_cond_init(&st->qwork, NULL) == 0;
    done += pthread_cond_init(&st->qdone, NULL) == 0;
    /* Initialising these fails only for lack of resources, and the destroy calls need all four. */
    GW_CHECK(done == 4, GW_ENOMEM, GW_R_NOMEM, "mutex or condition variable");
    st->sync_ready = true;
    rc = GW_OK;
out:
    return rc;
}

enum gw_rc
gw_store_open_sqlite(const char *path, struct gw_store **out, struct gw_err *err)
{
    enum gw_rc rc = GW_EIO;
    struct sqlite_store *st = calloc(1, sizeof(*st));
    int fd;

    GW_CHECK(st != NULL, GW_ENOMEM, GW_R_NOMEM, "store");
    st->base.ops = &sqlite_ops;
    st->path = strdup(path);
    GW_CHECK(st->path != NULL, GW_ENOMEM, GW_R_NOMEM, "store path");
    GW_TRY(sync_init(st, err));
    /* Messages are personal data: create the file owner-only (SQLite gives -wal and -shm the same mode). */
    fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    GW_CHECK(fd >= 0, GW_EIO, GW_R_IO, "cannot open: %s", strerror(errno));
    close(fd);
    GW_TRY(conn_open(path, true, &st->w, err));
    GW_TRY(migrate(&st->w, err));
    GW_TRY(load_audit_head(st, err));
    GW_TRY(conn_open(path, false, &st->r, err));
    GW_CHECK(pthread_create(&st->writer, NULL, writer_main, st) == 0, GW_ENOMEM, GW_R_NOMEM, "writer thread");
    st->writer_started = true;
    *out = &st->base;
    st = NULL;
    rc = GW_OK;
out:
    if (rc != GW_OK) {
        gw_err_where(err, "%s", path);
    }
    if (st != NULL) {
        sq_close(&st->base);
    }
    return rc;
}

uint64_t
gw_store_sqlite_commits(struct gw_store *s)
{
    struct sqlite_store *st;
    uint64_t n;

    if (s == NULL || s->ops != &sqlite_ops) {
        return 0;
    }
    st = sq(s);
    pthread_mutex_lock(&st->qlock);
    n = st->commits;
    pthread_mutex_unlock(&st->qlock);
    return n;
}

/* ---- read-only access for `gateway audit` ---- */

/* Open path read-only (never creating it) inside one read transaction, and check the schema version.
 * OUT: *version. */
static enum gw_rc
open_readonly(const char *path, struct conn *c, int64_t *version, struct gw_err *err)
{
    enum gw_rc rc;

    GW_CHECK(access(path, R_OK) == 0, GW_EIO, GW_R_IO, "cannot read: %s", strerror(errno));
    GW_TRY(conn_open(path, false, c, err));
    GW_TRY(exec_sql(c->db, "BEGIN", "begin", err));
    GW_TRY(check_version(c, version, err));
    rc = GW_OK;
out:
    return rc;
}

/* After a CONFIG failure of open_readonly: is this a gateway store (it has an audit table) whose schema
 * version is missing or not an integer, rather than one newer than this binary? */
static bool
audit_meta_damaged(struct conn *c)
{
    sqlite3_stmt *q = NULL;
    bool audit = false;
    bool newer = false;

    if (sqlite3_prepare_v2(c->db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'audit'", -1, &q,
                           NULL) == SQLITE_OK) {
        audit = sqlite3_step(q) == SQLITE_ROW;
    }
    sqlite3_finalize(q);
    q = NULL;
    if (sqlite3_prepare_v2(c->db, "SELECT value FROM meta WHERE key = 'schema_version'", -1, &q, NULL) ==
            SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW) {
        newer = sqlite3_column_type(q, 0) == SQLITE_INTEGER && sqlite3_column_int64(q, 0) > SCHEMA_VERSION;
    }
    sqlite3_finalize(q);
    return audit && !newer;
}

/* One audit row of AUDIT_COLS as borrowed strings (valid until the next step). A text value with a NUL byte
 * inside could hash like a shorter one: such a row is reported as changed. */
static enum gw_rc
audit_row(sqlite3_stmt *q, struct gw_audit_entry *e, struct gw_err *err)
{
    enum gw_rc rc = GW_EPOLICY;
    const char **fields[] = {&e->time,   &e->event,     &e->message_id, &e->peer,   &e->outcome,
                             &e->reason, &e->prev_hash, &e->hash,       &e->sha256, &e->row_ref};

    e->seq = sqlite3_column_int64(q, 0);
    e->version = 1;
    for (int i = 0; i < (int)COUNT(fields); i++) {
        const unsigned char *t = sqlite3_column_text(q, i + 1);
        size_t n = (size_t)sqlite3_column_bytes(q, i + 1);

        GW_CHECK(t != NULL || sqlite3_column_type(q, i + 1) == SQLITE_NULL, GW_ENOMEM, GW_R_NOMEM, "audit column");
        *fields[i] = t != NULL ? (const char *)t : "";
        GW_CHECK(strlen(*fields[i]) == n, GW_EPOLICY, GW_R_AUDIT_BROKEN,
                 "field %s contains a NUL byte (the entry was changed)", sqlite3_column_name(q, i + 1));
    }
    rc = GW_OK;
out:
    if (rc != GW_OK) {
        gw_err_where(err, "audit entry %" PRId64, e->seq);
    }
    return rc;
}

/* Every row of q, a statement over AUDIT_COLS, to fn in order; q stays the caller's. */
static enum gw_rc
audit_each(struct conn *c, sqlite3_stmt *q, gw_audit_entry_fn fn, void *arg, struct gw_err *err)
{
    enum gw_rc rc;
    int r;

    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        struct gw_audit_entry e;

        GW_TRY(audit_row(q, &e, err));
        fn(arg, &e);
    }
    GW_CHECK(r == SQLITE_DONE, GW_EIO, GW_R_IO, "read audit: %s", sqlite3_errmsg(c->db));
    rc = GW_OK;
out:
    return rc;
}

/* The tables whose rows an audit entry creates (schema version 3 on), for checking rows against the log. */
struct row_table {
    const char *name; /* the table, and the prefix of row_ref */
    /* every row: its row_ref, MessageId, sha256 column (NULL: none), body, and the other MessageId its entry
     * may name (NULL: none): a notification's entry names the message it is about, its InReplyTo */
    const char *rows;
    const char *exists; /* ?1 the key part of a row_ref: a row if it exists */
    /* ?1 and ?3 the row's MessageIds, ?2 audit_v2_from: a version 1 entry that may have created the row */
    const char *legacy;
};

static const struct row_table row_tables[] = {
    {"inbox", "SELECT 'inbox:' || seq, id, sha256, body, NULL FROM inbox ORDER BY seq",
     "SELECT 1 FROM inbox WHERE seq = ?1",
     "SELECT 1 FROM audit WHERE message_id = ?1 AND seq < ?2 AND event = 'received' LIMIT 1"},
    {"outbox",
     "SELECT 'outbox:' || id, id, sha256, body, CASE WHEN type = 'Receipt' THEN in_reply_to END FROM outbox "
     "ORDER BY rowid",
     "SELECT 1 FROM outbox WHERE id = ?1",
     "SELECT 1 FROM audit WHERE seq < ?2 AND ((message_id = ?1 AND event = 'submitted') OR "
     "(message_id = ?3 AND event = 'notification_queued')) LIMIT 1"},
    {"rejected", "SELECT 'rejected:' || seq, message_id, NULL, body, NULL FROM rejected ORDER BY seq",
     "SELECT 1 FROM rejected WHERE seq = ?1",
     "SELECT 1 FROM audit WHERE message_id = ?1 AND seq < ?2 AND event = 'rejected' LIMIT 1"},
};

/* Prepare sql on the read-only connection c. A table or column missing is damage (AUDIT_BROKEN). */
static enum gw_rc
verify_prepare(struct conn *c, const char *sql, sqlite3_stmt **q, struct gw_err *err)
{
    enum gw_rc rc;
    int r = sqlite3_prepare_v2(c->db, sql, -1, q, NULL);

    GW_CHECK(r != SQLITE_ERROR && r != SQLITE_CORRUPT, GW_EPOLICY, GW_R_AUDIT_BROKEN,
             "the stored messages cannot be read as the gateway wrote them: %s", sqlite3_errmsg(c->db));
    GW_CHECK(r == SQLITE_OK, GW_EIO, GW_R_IO, "%.60s: %s", sql, sqlite3_errmsg(c->db));
    rc = GW_OK;
out:
    return rc;
}

/* Step q once, which binds ?1 text a (and ?2 integer b if b >= 0, ?3 text or NULL alt if q has it). OUT:
 * *found. */
static enum gw_rc
verify_lookup(struct conn *c, sqlite3_stmt *q, const char *a, int64_t b, const char *alt, bool *found,
              struct gw_err *err)
{
    enum gw_rc rc;
    int r;

    sqlite3_reset(q);
    GW_CHECK(bind_str(q, 1, a) == SQLITE_OK && (b < 0 || sqlite3_bind_int64(q, 2, b) == SQLITE_OK) &&
                 (sqlite3_bind_parameter_count(q) < 3 ||
                  (alt != NULL ? bind_str(q, 3, alt) : sqlite3_bind_null(q, 3)) == SQLITE_OK),
             GW_EIO, GW_R_IO, "bind: %s", sqlite3_errmsg(c->db));
    r = sqlite3_step(q);
    GW_CHECK(r == SQLITE_ROW || r == SQLITE_DONE, GW_EIO, GW_R_IO, "%.60s: %s", sqlite3_sql(q),
             sqlite3_errmsg(c->db));
    *found = r == SQLITE_ROW;
    rc = GW_OK;
out:
    return rc;
}

/*
 * Every row of table t against the log: its body hashes to its sha256 column, and the entry that names it
 * (row_ref) carries that digest and its message id. A row no entry names must be older than the digests:
 * a version 1 entry (seq < v2_from) of the event that creates such rows names its message id. OUT: *bad, the
 * entry to blame (0: the row itself, named in the message).
 */
static enum gw_rc
verify_rows(struct conn *c, const struct row_table *t, int64_t v2_from, int64_t *bad, struct gw_err *err)
{
    enum gw_rc rc;
    sqlite3_stmt *rows = NULL;
    sqlite3_stmt *entry = NULL;
    sqlite3_stmt *legacy = NULL;
    int r;

    GW_TRY(verify_prepare(c, t->rows, &rows, err));
    GW_TRY(verify_prepare(c, "SELECT seq, message_id, sha256 FROM audit WHERE row_ref = ?1 AND row_ref != ''",
                          &entry, err));
    GW_TRY(verify_prepare(c, t->legacy, &legacy, err));
    while ((r = sqlite3_step(rows)) == SQLITE_ROW) {
        const char *ref = (const char *)sqlite3_column_text(rows, 0);
        const char *id = (const char *)sqlite3_column_text(rows, 1);
        const char *sha = (const char *)sqlite3_column_text(rows, 2);
        const void *body = sqlite3_column_blob(rows, 3);
        int len = sqlite3_column_bytes(rows, 3);
        const char *alt = (const char *)sqlite3_column_text(rows, 4);
        char digest[GW_SHA256_HEX_LEN + 1] = "";
        bool found = false;

        GW_CHECK(ref != NULL && id != NULL, GW_EPOLICY, GW_R_AUDIT_BROKEN, "a %s row without its key", t->name);
        if (body != NULL && len > 0) {
            gw_ids_hash_sha256(body, (size_t)len, digest);
        }
        GW_CHECK(sqlite3_column_type(rows, 2) == SQLITE_NULL || (sha != NULL && strcmp(sha, digest) == 0),
                 GW_EPOLICY, GW_R_AUDIT_BROKEN,
                 "row %s (message %.64s): its body does not hash to its sha256 column (the body or the digest "
                 "was changed)",
                 ref, id);
        GW_TRY(verify_lookup(c, entry, ref, -1, NULL, &found, err));
        if (found) {
            const char *e_id = (const char *)sqlite3_column_text(entry, 1);
            const char *e_sha = (const char *)sqlite3_column_text(entry, 2);

            *bad = sqlite3_column_int64(entry, 0);
            GW_CHECK(e_sha != NULL && strcmp(e_sha, digest) == 0, GW_EPOLICY, GW_R_AUDIT_BROKEN,
                     "row %s (message %.64s): its body is not the one this entry recorded (the row was changed)",
                     ref, id);
            GW_CHECK(e_id != NULL && (strcmp(e_id, id) == 0 || (alt != NULL && strcmp(e_id, alt) == 0)),
                     GW_EPOLICY, GW_R_AUDIT_BROKEN,
                     "row %s holds message %.64s, not the message this entry recorded (the row was changed)", ref,
                     id);
            *bad = 0;
            continue;
        }
        GW_TRY(verify_lookup(c, legacy, id, v2_from, alt, &found, err));
        GW_CHECK(found, GW_EPOLICY, GW_R_AUDIT_BROKEN,
                 "row %s (message %.64s) was recorded by no audit entry (the row was added or its entry's "
                 "row was changed)",
                 ref, id);
    }
    GW_CHECK(r == SQLITE_DONE, GW_EIO, GW_R_IO, "read %s: %s", t->name, sqlite3_errmsg(c->db));
    rc = GW_OK;
out:
    sqlite3_finalize(rows);
    sqlite3_finalize(entry);
    sqlite3_finalize(legacy);
    return rc;
}

/* Every entry that created a row names a row that still exists (the store deletes none). OUT: *bad, the
 * entry whose row is missing. */
static enum gw_rc
verify_entry_rows(struct conn *c, int64_t *bad, struct gw_err *err)
{
    enum gw_rc rc;
    sqlite3_stmt *q = NULL;
    sqlite3_stmt *exists[COUNT(row_tables)] = {NULL};
    int r;

    GW_TRY(verify_prepare(c, "SELECT seq, row_ref FROM audit WHERE row_ref != '' ORDER BY seq", &q, err));
    for (size_t i = 0; i < COUNT(row_tables); i++) {
        GW_TRY(verify_prepare(c, row_tables[i].exists, &exists[i], err));
    }
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        const char *ref = (const char *)sqlite3_column_text(q, 1);
        const char *colon = ref != NULL ? strchr(ref, ':') : NULL;
        bool found = false;
        size_t i = 0;

        *bad = sqlite3_column_int64(q, 0);
        while (colon != NULL && i < COUNT(row_tables) &&
               !(strlen(row_tables[i].name) == (size_t)(colon - ref) &&
                 strncmp(row_tables[i].name, ref, (size_t)(colon - ref)) == 0)) {
            i++;
        }
        GW_CHECK(colon != NULL && i < COUNT(row_tables), GW_EPOLICY, GW_R_AUDIT_BROKEN,
                 "row_ref '%.80s' names no table of stored messages", ref != NULL ? ref : "");
        GW_TRY(verify_lookup(c, exists[i], colon + 1, -1, NULL, &found, err));
        GW_CHECK(found, GW_EPOLICY, GW_R_AUDIT_BROKEN,
                 "its row %.80s is missing (the row was deleted; the store deletes none)", ref);
    }
    GW_CHECK(r == SQLITE_DONE, GW_EIO, GW_R_IO, "read audit: %s", sqlite3_errmsg(c->db));
    *bad = 0;
    rc = GW_OK;
out:
    sqlite3_finalize(q);
    for (size_t i = 0; i < COUNT(row_tables); i++) {
        sqlite3_finalize(exists[i]);
    }
    return rc;
}

/*
 * The stored tree against the tree recomputed from the entries (m, n leaves): every stored node equals the
 * recomputed node, and every node of a complete subtree of the n leaves (2n - popcount(n) of them) is stored,
 * none beyond. A stored tree that differs would make the gateway sign roots and prove inclusions for a log
 * that is not this one. Reasons: AUDIT_BROKEN (naming the node and the entries it covers), IO, NOMEM.
 */
static enum gw_rc
verify_tree(struct conn *c, struct gw_merkle_mem *m, uint64_t n, struct gw_err *err)
{
    enum gw_rc rc;
    sqlite3_stmt *q = NULL;
    struct gw_merkle_nodes mem = gw_merkle_mem_nodes(m);
    uint64_t stored = 0;
    uint64_t want = 0;
    int r;

    for (unsigned l = 0; l < 64 && (n >> l) > 0; l++) {
        want += n >> l;
    }
    GW_TRY(verify_prepare(c, "SELECT level, idx, hash FROM merkle ORDER BY level, idx", &q, err));
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        int64_t level = sqlite3_column_int64(q, 0);
        int64_t idx = sqlite3_column_int64(q, 1);
        unsigned char node[GW_MERKLE_HASH_LEN];
        bool complete = sqlite3_column_type(q, 0) == SQLITE_INTEGER &&
                        sqlite3_column_type(q, 1) == SQLITE_INTEGER && level >= 0 && level < 63 && idx >= 0 &&
                        (uint64_t)idx < (n >> level);

        GW_CHECK(complete, GW_EPOLICY, GW_R_AUDIT_BROKEN,
                 "Merkle node (%" PRId64 ", %" PRId64 ") covers no complete subtree of the %" PRIu64
                 " entries (the tree was changed)",
                 level, idx, n);
        GW_TRY(mem.get(mem.ctx, (unsigned)level, (uint64_t)idx, node, err));
        GW_CHECK(sqlite3_column_type(q, 2) == SQLITE_BLOB &&
                     sqlite3_column_bytes(q, 2) == (int)GW_MERKLE_HASH_LEN &&
                     CRYPTO_memcmp(sqlite3_column_blob(q, 2), node, GW_MERKLE_HASH_LEN) == 0,
                 GW_EPOLICY, GW_R_AUDIT_BROKEN,
                 "Merkle node (%" PRId64 ", %" PRId64 ") over entries %" PRIu64 "..%" PRIu64
                 " is not the hash of those entries (the tree was changed)",
                 level, idx, ((uint64_t)idx << level) + 1, ((uint64_t)(idx + 1) << level));
        stored++;
    }
    GW_CHECK(r == SQLITE_DONE, GW_EIO, GW_R_IO, "read merkle: %s", sqlite3_errmsg(c->db));
    GW_CHECK(stored == want, GW_EPOLICY, GW_R_AUDIT_BROKEN,
             "the Merkle tree holds %" PRIu64 " nodes, the %" PRIu64 " entries make %" PRIu64
             " (nodes were removed)",
             stored, n, want);
    rc = GW_OK;
out:
    sqlite3_finalize(q);
    return rc;
}

enum gw_rc
gw_audit_verify_sqlite(const char *path, uint64_t *entries, struct gw_err *err)
{
    return gw_audit_verify_sqlite_tree(path, entries, NULL, err);
}

enum gw_rc
gw_audit_verify_sqlite_tree(const char *path, uint64_t *entries, struct gw_merkle_mem **tree_out,
                            struct gw_err *err)
{
    enum gw_rc rc;
    struct conn c = {0};
    sqlite3_stmt *q = NULL;
    int64_t last_seq = 0;
    int64_t seq = 0;
    int64_t version = 0;
    int64_t v2_from = INT64_MAX; /* the first entry hashed as version 2; none before schema version 3 */
    char last_hash[GW_AUDIT_HASH_LEN + 1];
    char prev[GW_AUDIT_HASH_LEN + 1] = GW_AUDIT_GENESIS;
    int64_t bad = 0; /* the entry the checks after the walk blame; the walk names its own */
    struct gw_merkle_mem *tree = NULL;
    struct gw_merkle_nodes tree_nodes;
    int r;

    GW_TRY(gw_merkle_mem_new(&tree, err));
    tree_nodes = gw_merkle_mem_nodes(tree);
    /* A store with an audit table whose meta rows (schema version, audit head) are missing or retyped, or
     * whose audit table cannot be read as the gateway wrote it, holds a damaged log: AUDIT_BROKEN (exit 1),
     * not "not a gateway store" (security review F14). A newer schema version stays a CONFIG error. */
    rc = open_readonly(path, &c, &version, err);
    if (rc == GW_ECONFIG && c.db != NULL && audit_meta_damaged(&c)) {
        gw_err_clear(err);
        GW_CHECK(false, GW_EPOLICY, GW_R_AUDIT_BROKEN,
                 "the store's schema version in meta was removed or changed");
    }
    GW_TRY(rc);
    rc = meta_int(&c, "audit_last_seq", &last_seq, err);
    rc = rc == GW_OK ? meta_text(&c, "audit_last_hash", last_hash, sizeof(last_hash), err) : rc;
    if (rc == GW_OK && version >= AUDIT_V2_SCHEMA) {
        rc = meta_int(&c, "audit_v2_from", &v2_from, err);
    }
    if (rc == GW_ECONFIG) {
        gw_err_clear(err);
        GW_CHECK(false, GW_EPOLICY, GW_R_AUDIT_BROKEN,
                 "the audit head in meta (audit_last_seq, audit_last_hash, audit_v2_from) was removed or changed");
    }
    GW_TRY(rc);
    r = sqlite3_prepare_v2(c.db,
                           version >= AUDIT_V2_SCHEMA ? "SELECT " AUDIT_COLS " FROM audit ORDER BY seq"
                                                      : "SELECT " AUDIT_COLS_V1 " FROM audit ORDER BY seq",
                           -1, &q, NULL);
    GW_CHECK(r != SQLITE_ERROR && r != SQLITE_CORRUPT, GW_EPOLICY, GW_R_AUDIT_BROKEN,
             "the audit table cannot be read as the gateway wrote it: %s", sqlite3_errmsg(c.db));
    GW_CHECK(r == SQLITE_OK, GW_EIO, GW_R_IO, "audit table: %s", sqlite3_errmsg(c.db));
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        struct gw_audit_entry e;
        unsigned char leaf[GW_MERKLE_HASH_LEN];

        GW_TRY(audit_row(q, &e, err));
        e.version = e.seq >= v2_from ? 2 : 1;
        GW_TRY(gw_audit_check_entry(&e, seq + 1, prev, err));
        GW_TRY(gw_audit_leaf_hash(&e, leaf, err));
        GW_TRY(gw_merkle_append(&tree_nodes, (uint64_t)seq, leaf, err));
        seq = e.seq;
        memcpy(prev, e.hash, sizeof(prev)); /* gw_audit_check_entry checked it is 64 hex digits */
    }
    GW_CHECK(r == SQLITE_DONE, GW_EIO, GW_R_IO, "read audit: %s", sqlite3_errmsg(c.db));
    /* The chain alone cannot show entries cut from its end, nor entries appended outside the gateway: compare
     * with the head the gateway recorded in the same transactions as the entries. */
    bad = seq + 1;
    GW_CHECK(seq >= last_seq, GW_EPOLICY, GW_R_AUDIT_BROKEN,
             "entry missing: the log ends at entry %" PRId64 " but the gateway wrote %" PRId64
             " (entries were removed from the end)",
             seq, last_seq);
    bad = last_seq + 1;
    GW_CHECK(seq <= last_seq, GW_EPOLICY, GW_R_AUDIT_BROKEN,
             "entry not written by the gateway, which wrote %" PRId64 " entries (entries were added)", last_seq);
    bad = seq;
    GW_CHECK(strcmp(prev, last_hash) == 0, GW_EPOLICY, GW_R_AUDIT_BROKEN,
             "the last entry is not the one the gateway wrote (the log was rewritten)");
    /* The chain holds: now the stored tree against the entries, then the stored messages against the entries
     * that recorded them. */
    bad = 0;
    if (version >= MERKLE_SCHEMA) {
        GW_TRY(verify_tree(&c, tree, (uint64_t)seq, err));
    }
    if (version >= AUDIT_V2_SCHEMA) {
        for (size_t i = 0; i < COUNT(row_tables); i++) {
            GW_TRY(verify_rows(&c, &row_tables[i], v2_from, &bad, err));
        }
        GW_TRY(verify_entry_rows(&c, &bad, err));
    }
    *entries = (uint64_t)seq;
    if (tree_out != NULL) {
        *tree_out = tree;
        tree = NULL;
    }
    rc = GW_OK;
out:
    sqlite3_finalize(q);
    conn_close(&c);
    gw_merkle_mem_free(tree);
    if (rc != GW_OK && bad > 0) {
        gw_err_where(err, "audit entry %" PRId64, bad);
    } else if (rc != GW_OK) {
        gw_err_where(err, "%s", path);
    }
    return rc;
}

enum gw_rc
gw_audit_list_sqlite(const char *path, uint64_t last, gw_audit_entry_fn fn, void *arg, struct gw_err *err)
{
    enum gw_rc rc;
    struct conn c = {0};
    sqlite3_stmt *q = NULL;
    int64_t version = 0;

    GW_TRY(open_readonly(path, &c, &version, err));
    GW_CHECK(sqlite3_prepare_v2(c.db,
                                version >= AUDIT_V2_SCHEMA
                                    ? "SELECT * FROM (SELECT " AUDIT_COLS
                                      " FROM audit ORDER BY seq DESC LIMIT ?1) "
                                      "ORDER BY seq"
                                    : "SELECT * FROM (SELECT " AUDIT_COLS_V1
                                      " FROM audit ORDER BY seq DESC LIMIT ?1) ORDER BY seq",
                                -1, &q, NULL) == SQLITE_OK,
             GW_EIO, GW_R_IO, "audit table: %s", sqlite3_errmsg(c.db));
    GW_CHECK(sqlite3_bind_int64(q, 1, last == 0 || last > INT64_MAX ? -1 : (int64_t)last) == SQLITE_OK, GW_EIO,
             GW_R_IO, "bind");
    GW_TRY(audit_each(&c, q, fn, arg, err));
    rc = GW_OK;
out:
    sqlite3_finalize(q);
    conn_close(&c);
    if (rc != GW_OK) {
        gw_err_where(err, "%s", path);
    }
    return rc;
}

enum gw_rc
gw_audit_checkpoints_sqlite(const char *path, gw_checkpoint_row_fn fn, void *arg, struct gw_err *err)
{
    enum gw_rc rc;
    struct conn c = {0};
    sqlite3_stmt *q = NULL;
    int64_t version = 0;
    int r;

    GW_TRY(open_readonly(path, &c, &version, err));
    if (version < CHECKPOINT_SCHEMA) {
        rc = GW_OK;
        goto out;
    }
    GW_CHECK(sqlite3_prepare_v2(c.db, "SELECT origin, tree_size, root, time, body FROM checkpoints ORDER BY seq",
                                -1, &q, NULL) == SQLITE_OK,
             GW_EIO, GW_R_IO, "checkpoints table: %s", sqlite3_errmsg(c.db));
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        struct gw_checkpoint_row row = {0};
        int64_t size = sqlite3_column_int64(q, 1);

        GW_TRY(col_text(q, 0, row.origin, sizeof(row.origin), err));
        GW_TRY(col_text(q, 2, row.root, sizeof(row.root), err));
        GW_TRY(col_text(q, 3, row.time, sizeof(row.time), err));
        row.tree_size = size >= 0 ? (uint64_t)size : UINT64_MAX; /* the body is what counts */
        row.body = (unsigned char *)(uintptr_t)sqlite3_column_blob(q, 4);
        row.body_len = (size_t)sqlite3_column_bytes(q, 4);
        fn(arg, &row);
    }
    GW_CHECK(r == SQLITE_DONE, GW_EIO, GW_R_IO, "read checkpoints: %s", sqlite3_errmsg(c.db));
    rc = GW_OK;
out:
    sqlite3_finalize(q);
    conn_close(&c);
    if (rc != GW_OK) {
        gw_err_where(err, "%s", path);
    }
    return rc;
}

enum gw_rc
gw_audit_tree_sqlite(const char *path, gw_audit_tree_fn fn, void *arg, struct gw_err *err)
{
    enum gw_rc rc;
    struct conn c = {0};
    int64_t version = 0;
    int64_t size = 0;
    struct gw_merkle_nodes nodes;

    GW_TRY(open_readonly(path, &c, &version, err));
    GW_CHECK(version >= MERKLE_SCHEMA, GW_ECONFIG, GW_R_CONFIG,
             "the store is of schema version %" PRId64 " and has no Merkle tree: open it with the gateway once",
             version);
    GW_TRY(meta_int(&c, "audit_last_seq", &size, err));
    GW_CHECK(size >= 0, GW_EPOLICY, GW_R_AUDIT_BROKEN, "audit_last_seq is negative");
    nodes = conn_nodes(&c);
    nodes.put = NULL;
    GW_TRY(fn(arg, &nodes, (uint64_t)size, err));
    rc = GW_OK;
out:
    conn_close(&c);
    if (rc != GW_OK) {
        gw_err_where(err, "%s", path);
    }
    return rc;
}

enum gw_rc
gw_audit_seqs_sqlite(const char *path, const char *message_id, int64_t *seqs, size_t max, size_t *n,
                     struct gw_err *err)
{
    enum gw_rc rc;
    struct conn c = {0};
    sqlite3_stmt *q = NULL;
    int64_t version = 0;
    size_t count = 0;
    int r;

    GW_TRY(open_readonly(path, &c, &version, err));
    GW_CHECK(sqlite3_prepare_v2(c.db, "SELECT seq FROM audit WHERE message_id = ?1 ORDER BY seq", -1, &q, NULL) ==
                     SQLITE_OK &&
                 bind_str(q, 1, message_id) == SQLITE_OK,
             GW_EIO, GW_R_IO, "audit table: %s", sqlite3_errmsg(c.db));
    while ((r = sqlite3_step(q)) == SQLITE_ROW && count < max) {
        seqs[count++] = sqlite3_column_int64(q, 0);
    }
    GW_CHECK(r == SQLITE_DONE || r == SQLITE_ROW, GW_EIO, GW_R_IO, "read audit: %s", sqlite3_errmsg(c.db));
    *n = count;
    rc = GW_OK;
out:
    sqlite3_finalize(q);
    conn_close(&c);
    if (rc != GW_OK) {
        gw_err_where(err, "%s", path);
    }
    return rc;
}

enum gw_rc
gw_audit_search_sqlite(const char *path, const struct gw_audit_filter *f, uint64_t max, gw_audit_entry_fn fn,
                       void *arg, struct gw_err *err)
{
    enum gw_rc rc;
    struct conn c = {0};
    sqlite3_stmt *q = NULL;
    int64_t version = 0;
    const char *vals[] = {f->message_id, f->event, f->outcome, f->type, f->sender, f->recipient, f->from, f->to};

    GW_TRY(open_readonly(path, &c, &version, err));
    GW_CHECK(version >= AUDIT_V2_SCHEMA, GW_ECONFIG, GW_R_CONFIG,
             "the store is of schema version %" PRId64 ": open it with the gateway once", version);
    /* one fixed statement: a filter not given binds NULL and matches everything */
    GW_CHECK(
        sqlite3_prepare_v2(
            c.db,
            "SELECT " AUDIT_COLS " FROM audit a WHERE (?1 IS NULL OR message_id = ?1) "
            "AND (?2 IS NULL OR event = ?2) AND (?3 IS NULL OR outcome = ?3) "
            "AND (?4 IS NULL OR EXISTS (SELECT 1 FROM inbox i WHERE i.id = a.message_id AND i.type = ?4) "
            "  OR EXISTS (SELECT 1 FROM outbox o WHERE o.id = a.message_id AND o.type = ?4)) "
            "AND (?5 IS NULL OR peer = ?5 "
            "  OR EXISTS (SELECT 1 FROM inbox i WHERE i.id = a.message_id AND i.sender = ?5)) "
            "AND (?6 IS NULL OR EXISTS (SELECT 1 FROM outbox o WHERE o.id = a.message_id AND o.recipient = ?6)) "
            "AND (?7 IS NULL OR time >= ?7) AND (?8 IS NULL OR time < ?8) ORDER BY seq LIMIT ?9",
            -1, &q, NULL) == SQLITE_OK,
        GW_EIO, GW_R_IO, "audit table: %s", sqlite3_errmsg(c.db));
    for (int i = 0; i < (int)COUNT(vals); i++) {
        GW_CHECK((vals[i] != NULL ? bind_str(q, i + 1, vals[i]) : sqlite3_bind_null(q, i + 1)) == SQLITE_OK,
                 GW_EIO, GW_R_IO, "bind: %s", sqlite3_errmsg(c.db));
    }
    GW_CHECK(sqlite3_bind_int64(q, 9, max == 0 || max > INT64_MAX ? -1 : (int64_t)max) == SQLITE_OK, GW_EIO,
             GW_R_IO, "bind");
    GW_TRY(audit_each(&c, q, fn, arg, err));
    rc = GW_OK;
out:
    sqlite3_finalize(q);
    conn_close(&c);
    if (rc != GW_OK) {
        gw_err_where(err, "%s", path);
    }
    return rc;
}

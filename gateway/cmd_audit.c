// SPDX-License-Identifier: MIT
/*
 * gateway audit verify|show --store FILE: check the hash chain of a store's audit log and the stored
 * messages against it, or print its entries (DESIGN §6: "changing, removing or reordering any entry is
 * detected by gateway audit verify, which names the first bad entry"). Reads the store read-only, so it may
 * run beside a live gateway. The checks live in audit.c and store_sqlite.c; this file only parses arguments
 * and prints.
 */
#include <errno.h>
#include <openssl/crypto.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw/audit.h"
#include "gw/checkpoint.h"
#include "gw/cli.h"
#include "gw/merkle.h"
#include "gw/parse.h"
#include "gw/pki.h"
#include "gw/store.h"
#include "gw/xml.h"

static const char usage[] =
    "usage: gateway audit verify --store FILE [--trust CA.pem [--crl CRL.pem]... [--checkpoint CP.xml]...]\n"
    "       gateway audit show --store FILE [--limit N]\n"
    "       gateway audit search --store FILE [--message ID] [--event E] [--outcome O] [--type T]\n"
    "                            [--sender REGNO] [--recipient REGNO] [--from TIME] [--to TIME]\n"
    "                            [--limit N] [--json]\n"
    "       gateway audit proof --store FILE --message ID -o DIR\n"
    "       gateway audit consistency --store FILE OLD NEW\n"
    "       gateway audit verify-proof --trust CA.pem [--crl CRL.pem]... --checkpoint CP.xml\n"
    "                                  [--old-checkpoint OLD.xml] PROOF\n"
    "Check or print the hash-chained audit log of a gateway store (read-only).\n"
    "  verify          recompute every entry's hash and link; name the first changed, removed or\n"
    "                  reordered entry; then check every stored message (inbox, outbox, rejected)\n"
    "                  against the digest of the entry that recorded it; recompute the Merkle tree and\n"
    "                  check it against the stored one and against every checkpoint stored or given\n"
    "  show            print entries, one per line: seq, time, event, message id, peer, outcome, reason\n"
    "  search          print the entries matching every filter given (text as show, or JSON lines);\n"
    "                  --from and --to take the entries' time format or a prefix (2025-03-01)\n"
    "  proof           write DIR/checkpoint.xml (the latest stored checkpoint) and, for every entry of\n"
    "                  message ID it covers, DIR/entry-SEQ.proof (inclusion, docs/audit.md 5.3)\n"
    "  consistency     print the proof that the log of OLD entries is a prefix of the log of NEW entries\n"
    "  verify-proof    check a proof file alone against a checkpoint verified with the trust anchors\n"
    "  --store FILE    the gateway's SQLite store\n"
    "  --limit N       show only the last N entries\n"
    "  --trust FILE    trust anchors to check checkpoint signatures with (without it, the stored\n"
    "                  checkpoints are compared with the log but their signatures are not checked)\n"
    "  --crl FILE      a CRL for those checks (repeatable)\n"
    "  --checkpoint F  a signed checkpoint of this log held elsewhere (repeatable; needs --trust)\n"
    "  --schemas DIR   schema directory (default: $GATEWAY_SCHEMAS, or schemas/ beside build/)\n"
    "Exit status: 0 log intact (or printed), 1 log broken, 2 usage or I/O error.\n";

/* Print a field so that it cannot break the line format or forge an entry: empty as "-", control bytes,
 * spaces (outside the last field) and backslash escaped as \xNN. */
static void
print_field(const char *s, bool last)
{
    if (s[0] == '\0') {
        fputs("-", stdout);
        return;
    }
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (*p < 0x20 || *p == 0x7f || *p == '\\' || (*p == ' ' && !last)) {
            printf("\\x%02x", *p);
        } else {
            putchar(*p);
        }
    }
}

static void
show_entry(void *arg, const struct gw_audit_entry *e)
{
    (void)arg;
    printf("%" PRId64 " ", e->seq);
    print_field(e->time, false);
    putchar(' ');
    print_field(e->event, false);
    putchar(' ');
    print_field(e->message_id, false);
    putchar(' ');
    print_field(e->peer, false);
    putchar(' ');
    print_field(e->outcome, false);
    putchar(' ');
    print_field(e->reason, true);
    putchar('\n');
}

/* One JSON string member: "key":"value" with the JSON escapes (control bytes as \\u00XX). */
static void
json_member(const char *key, const char *v, bool first)
{
    printf("%s\"%s\":\"", first ? "" : ",", key);
    for (const unsigned char *p = (const unsigned char *)v; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\') {
            printf("\\%c", *p);
        } else if (*p < 0x20 || *p == 0x7f) {
            printf("\\u%04x", *p);
        } else {
            putchar(*p);
        }
    }
    putchar('"');
}

static void
json_entry(void *arg, const struct gw_audit_entry *e)
{
    (void)arg;
    printf("{\"seq\":%" PRId64, e->seq);
    json_member("time", e->time, false);
    json_member("event", e->event, false);
    json_member("message_id", e->message_id, false);
    json_member("peer", e->peer, false);
    json_member("outcome", e->outcome, false);
    json_member("reason", e->reason, false);
    json_member("sha256", e->sha256, false);
    json_member("row_ref", e->row_ref, false);
    json_member("hash", e->hash, false);
    puts("}");
}

/* A --from/--to value: digits and the separators of the entries' time format, at most its length. */
static bool
is_time_prefix(const char *s)
{
    static const char form[] = "9999-99-99T99:99:99.999Z";
    size_t n = strlen(s);

    if (n == 0 || n > sizeof(form) - 1) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (form[i] == '9' ? (s[i] < '0' || s[i] > '9') : s[i] != form[i]) {
            return false;
        }
    }
    return true;
}

/* "audit entry N" (err->where of a broken chain) -> N; false if where is something else. */
static bool
broken_entry(const struct gw_err *err, unsigned long long *n)
{
    static const char prefix[] = "audit entry ";
    char *end = NULL;

    if (strncmp(err->where, prefix, sizeof(prefix) - 1) != 0) {
        return false;
    }
    errno = 0;
    *n = strtoull(err->where + sizeof(prefix) - 1, &end, 10);
    return errno == 0 && end != err->where + sizeof(prefix) - 1 && *end == '\0';
}

/* One checkpoint to compare with the log, stored or given. */
struct cp_item {
    char name[80]; /* "checkpoint 3 in the store" or the file's name */
    struct gw_checkpoint cp;
};

struct cp_list {
    struct cp_item items[GW_MAX_AUDIT_CHECKPOINTS];
    size_t n;
    size_t n_stored;
    struct gw_pki *pki; /* NULL: signatures not checked */
    const struct gw_schemas *schemas;
    struct gw_err err; /* the first checkpoint that could not be read */
    char err_name[80];
};

/* Read the body of a checkpoint: with the full policy when there are trust anchors, else its fields only. */
static enum gw_rc
read_checkpoint(struct cp_list *l, const unsigned char *body, size_t len, const char *name,
                struct gw_checkpoint *out, struct gw_err *err)
{
    enum gw_rc rc;
    xmlDoc *doc = NULL;
    struct gw_xml_limits lim;
    struct gw_envelope env = {0};

    if (l->pki != NULL) {
        return gw_checkpoint_check(l->pki, l->schemas, body, len, name, NULL, out, err);
    }
    GW_CHECK(len <= GW_MAX_CHECKPOINT_BYTES, GW_ELIMIT, GW_R_LIMIT_SIZE, "checkpoint of %zu bytes", len);
    gw_xml_limits_default(&lim);
    GW_TRY(gw_xml_parse(body, len, name, &lim, &doc, err));
    GW_TRY(gw_schemas_validate(l->schemas, doc, name, NULL, NULL, err));
    GW_TRY(gw_envelope_read(doc, name, &env, err));
    GW_TRY(gw_checkpoint_read(&env, out, err));
    rc = GW_OK;
out:
    gw_envelope_cleanup(&env);
    xmlFreeDoc(doc);
    return rc;
}

static void
count_stored(void *arg, const struct gw_checkpoint_row *row)
{
    size_t *n = arg;

    (void)row;
    (*n)++;
}

static void
add_stored(void *arg, const struct gw_checkpoint_row *row)
{
    struct cp_list *l = arg;
    struct cp_item item;
    struct gw_err err;

    l->n_stored++;
    if (l->err.rc != GW_OK) {
        return;
    }
    /* every stored one is read (and verified, with --trust); the latest GW_MAX_AUDIT_CHECKPOINTS / 2 are
     * compared with the log, in a ring over the first half of the list (given ones follow) */
    snprintf(item.name, sizeof(item.name), "stored checkpoint %zu", l->n_stored);
    gw_err_clear(&err);
    if (read_checkpoint(l, row->body, row->body_len, item.name, &item.cp, &err) != GW_OK) {
        l->err = err;
        snprintf(l->err_name, sizeof(l->err_name), "%s", item.name);
        return;
    }
    l->items[(l->n_stored - 1) % (GW_MAX_AUDIT_CHECKPOINTS / 2)] = item;
    if (l->n < GW_MAX_AUDIT_CHECKPOINTS / 2) {
        l->n++;
    }
}

/*
 * Compare every checkpoint with the log of n entries (tree): none may state more entries than the log has
 * (truncation) or another root for its size (rewrite or fork). On a mismatch, print the line naming the
 * first bad entry (or the range it lies in) and return false.
 */
static bool
check_checkpoints(const char *store, const struct cp_list *l, struct gw_merkle_mem *tree, uint64_t n)
{
    struct gw_merkle_nodes nodes = gw_merkle_mem_nodes(tree);
    const struct cp_item *bad = NULL;
    uint64_t good = 0; /* the largest size a checkpoint confirms */
    struct gw_err err;

    for (size_t i = 0; i < l->n; i++) {
        const struct cp_item *it = &l->items[i];
        unsigned char root[GW_MERKLE_HASH_LEN];
        bool match;

        gw_err_clear(&err);
        match = it->cp.tree_size <= n && gw_merkle_root(&nodes, it->cp.tree_size, root, &err) == GW_OK &&
                CRYPTO_memcmp(root, it->cp.root, sizeof(root)) == 0;
        if (match && it->cp.tree_size > good) {
            good = it->cp.tree_size;
        } else if (!match && (bad == NULL || it->cp.tree_size < bad->cp.tree_size)) {
            bad = &l->items[i];
        }
    }
    if (bad == NULL) {
        return true;
    }
    /* two checkpoints of one size with different roots: the gateway signed two logs */
    for (size_t i = 0; i < l->n; i++) {
        const struct cp_item *it = &l->items[i];
        if (it != bad && it->cp.tree_size == bad->cp.tree_size &&
            CRYPTO_memcmp(it->cp.root, bad->cp.root, GW_MERKLE_HASH_LEN) != 0) {
            printf("%s: audit log BROKEN: FORK: %s and %s (signed at %s and %s) state different roots for %" PRIu64
                   " entries\n",
                   store, bad->name, it->name, bad->cp.time, it->cp.time, bad->cp.tree_size);
            return false;
        }
    }
    if (bad->cp.tree_size > n) {
        printf("%s: audit log BROKEN at entry %" PRIu64 ": %s (signed at %s) states %" PRIu64
               " entries but the log has %" PRIu64 " (entries were removed from the end: the log was truncated)\n",
               store, n + 1, bad->name, bad->cp.time, bad->cp.tree_size, n);
        return false;
    }
    if (good + 1 == bad->cp.tree_size) {
        printf("%s: audit log BROKEN at entry %" PRIu64 ": %s (signed at %s) has another root for %" PRIu64
               " entries: entry %" PRIu64 " is not the one it signed (the log was rewritten, or forked)\n",
               store, bad->cp.tree_size, bad->name, bad->cp.time, bad->cp.tree_size, bad->cp.tree_size);
    } else {
        printf("%s: audit log BROKEN at entries %" PRIu64 "..%" PRIu64
               ": %s (signed at %s) has another root for %" PRIu64
               " entries: the first entry that is not the one it signed lies in that range (the log was "
               "rewritten, or forked; entries 1..%" PRIu64 " match a checkpoint)\n",
               store, good + 1, bad->cp.tree_size, bad->name, bad->cp.time, bad->cp.tree_size, good);
    }
    return false;
}

static int
audit_verify_checkpoints(const char *store, const struct gw_cli_trust *trust, const char *schema_dir,
                         const char *const *files, size_t n_files, const char *argv0)
{
    struct gw_err err;
    uint64_t entries = 0;
    unsigned long long bad = 0;
    struct gw_merkle_mem *tree = NULL;
    struct gw_schemas *schemas = NULL;
    struct cp_list *l = calloc(1, sizeof(*l));
    size_t n_stored = 0;
    enum gw_rc rc;
    int status = GW_EXIT_USAGE;

    gw_err_clear(&err);
    if (l == NULL) {
        fputs("gateway audit: out of memory\n", stderr);
        return GW_EXIT_USAGE;
    }
    gw_err_clear(&l->err);
    rc = gw_audit_verify_sqlite_tree(store, &entries, &tree, &err);
    if (rc != GW_OK) {
        if (err.reason == GW_R_AUDIT_BROKEN && broken_entry(&err, &bad)) {
            printf("%s: audit log BROKEN at entry %llu: %s\n", store, bad, err.msg);
            status = GW_EXIT_REJECTED;
        } else if (err.reason == GW_R_AUDIT_BROKEN) {
            printf("%s: audit log BROKEN: %s\n", store, err.msg);
            status = GW_EXIT_REJECTED;
        } else {
            gw_cli_print_error("audit", &err);
            status = gw_rc_exit_status(rc);
        }
        goto out;
    }
    if (gw_audit_checkpoints_sqlite(store, count_stored, &n_stored, &err) != GW_OK) {
        gw_cli_print_error("audit", &err);
        goto out;
    }
    if (n_stored == 0 && n_files == 0) { /* nothing to read: no schemas or trust anchors needed */
        printf("%s: audit log OK, %" PRIu64 " entries\n", store, entries);
        status = GW_EXIT_OK;
        goto out;
    }
    if (gw_cli_setup(argv0, schema_dir, true, &schemas, &err) != GW_OK ||
        (trust->anchors != NULL &&
         gw_pki_load(trust->anchors, trust->crls, trust->n_crls, &l->pki, &err) != GW_OK)) {
        gw_cli_print_error("audit", &err);
        goto out;
    }
    l->schemas = schemas;
    if (gw_audit_checkpoints_sqlite(store, add_stored, l, &err) != GW_OK) {
        gw_cli_print_error("audit", &err);
        goto out;
    }
    if (l->err.rc != GW_OK) {
        /* a stored checkpoint the gateway wrote that does not read (or verify) is damage to the evidence */
        printf("%s: audit log BROKEN: %s: %s [%s]\n", store, l->err_name, l->err.msg,
               gw_reason_code(l->err.reason));
        status = GW_EXIT_REJECTED;
        goto out;
    }
    for (size_t i = 0; i < n_files; i++) {
        unsigned char *raw = NULL;
        size_t len = 0;
        struct cp_item *it = &l->items[l->n];
        xmlDoc *doc = NULL;

        snprintf(it->name, sizeof(it->name), "checkpoint %s", gw_cli_name(files[i]));
        rc = gw_cli_load(files[i], &doc, &raw, &len, &err);
        xmlFreeDoc(doc);
        if (rc == GW_OK) {
            rc = read_checkpoint(l, raw, len, files[i], &it->cp, &err);
        }
        free(raw);
        if (rc != GW_OK) {
            /* a given checkpoint that does not verify proves nothing: the auditor's input is wrong */
            gw_cli_print_error("audit", &err);
            status = gw_rc_exit_status(rc) == GW_EXIT_REJECTED ? GW_EXIT_REJECTED : GW_EXIT_USAGE;
            goto out;
        }
        l->n++;
    }
    if (!check_checkpoints(store, l, tree, entries)) {
        status = GW_EXIT_REJECTED;
        goto out;
    }
    printf("%s: audit log OK, %" PRIu64 " entries\n", store, entries);
    if (l->n > 0) {
        printf("%s: %zu checkpoints (%zu stored, %zu given) match the log; signatures %s\n", store, l->n,
               l->n - n_files, n_files, l->pki != NULL ? "verified" : "NOT checked (no --trust)");
    }
    status = GW_EXIT_OK;
out:
    gw_pki_free(l->pki);
    if (schemas != NULL) {
        gw_cli_teardown(schemas, true);
    }
    gw_merkle_mem_free(tree);
    free(l);
    return status;
}

static int
audit_show(const char *store, uint64_t limit)
{
    struct gw_err err;
    enum gw_rc rc;

    gw_err_clear(&err);
    rc = gw_audit_list_sqlite(store, limit, show_entry, NULL, &err);
    if (rc != GW_OK) {
        fflush(stdout);
        gw_cli_print_error("audit", &err);
    }
    return gw_rc_exit_status(rc);
}

/* A positive count, digits only. */
static bool
parse_limit(const char *s, uint64_t *out)
{
    char *end = NULL;
    unsigned long long v;

    if (s[0] < '0' || s[0] > '9') {
        return false;
    }
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v == 0) {
        return false;
    }
    *out = v;
    return true;
}

/* Write len bytes of data to path (created or truncated, 0644). Reasons: IO. */
static enum gw_rc
write_file(const char *path, const void *data, size_t len, struct gw_err *err)
{
    enum gw_rc rc = GW_EIO;
    FILE *f = fopen(path, "wb");

    GW_CHECK(f != NULL, GW_EIO, GW_R_IO, "cannot create %s: %s", path, strerror(errno));
    GW_CHECK(fwrite(data, 1, len, f) == len, GW_EIO, GW_R_IO, "cannot write %s: %s", path, strerror(errno));
    rc = GW_OK;
out:
    if (f != NULL && fclose(f) != 0 && rc == GW_OK) {
        rc = gw_err_set(err, GW_EIO, GW_R_IO, GW_SRC, "cannot write %s: %s", path, strerror(errno));
    }
    return rc;
}

/* The latest stored checkpoint: its body (copied) for proof. */
struct latest_cp {
    unsigned char *body;
    size_t len;
    bool nomem;
};

static void
take_latest(void *arg, const struct gw_checkpoint_row *row)
{
    struct latest_cp *l = arg;
    unsigned char *copy = malloc(row->body_len > 0 ? row->body_len : 1);

    free(l->body);
    l->body = NULL;
    l->nomem = copy == NULL;
    if (copy != NULL) {
        memcpy(copy, row->body, row->body_len);
        l->body = copy;
        l->len = row->body_len;
    }
}

/* What proof asks of the stored tree: inclusion proofs of seqs at the checkpoint's size. */
struct proof_job {
    const struct gw_checkpoint *cp;
    const int64_t *seqs;
    size_t n;
    const char *dir;
    unsigned written;
};

static enum gw_rc
write_proofs(void *arg, const struct gw_merkle_nodes *nodes, uint64_t size, struct gw_err *err)
{
    enum gw_rc rc;
    struct proof_job *job = arg;
    struct gw_merkle_proof *p = malloc(sizeof(*p));
    struct gw_buf text;
    char path[600];

    gw_buf_init(&text, GW_MERKLE_MAX_PROOF_TEXT);
    GW_CHECK(p != NULL, GW_ENOMEM, GW_R_NOMEM, "proof");
    GW_CHECK(job->cp->tree_size <= size, GW_EPOLICY, GW_R_AUDIT_BROKEN,
             "the latest stored checkpoint states %" PRIu64 " entries, the log has %" PRIu64
             " (run 'gateway audit verify')",
             job->cp->tree_size, size);
    for (size_t i = 0; i < job->n; i++) {
        uint64_t seq = (uint64_t)job->seqs[i];

        if (job->seqs[i] < 1 || seq > job->cp->tree_size) {
            printf("entry %" PRId64 ": after the latest checkpoint (%" PRIu64 " entries): no proof yet\n",
                   job->seqs[i], job->cp->tree_size);
            continue;
        }
        GW_TRY(gw_merkle_prove_inclusion(nodes, job->cp->tree_size, seq - 1, p, err));
        /* the stored tree must lead to the root the gateway signed */
        GW_CHECK(CRYPTO_memcmp(p->root, job->cp->root, GW_MERKLE_HASH_LEN) == 0, GW_EPOLICY, GW_R_AUDIT_BROKEN,
                 "the stored tree's root for %" PRIu64
                 " entries is not the checkpoint's (run 'gateway audit verify')",
                 job->cp->tree_size);
        text.len = 0;
        GW_TRY(gw_merkle_proof_format(p, &text, err));
        snprintf(path, sizeof(path), "%s/entry-%" PRIu64 ".proof", job->dir, seq);
        GW_TRY(write_file(path, text.data, text.len, err));
        printf("entry %" PRIu64 ": %s\n", seq, path);
        job->written++;
    }
    rc = GW_OK;
out:
    gw_buf_cleanup(&text);
    free(p);
    return rc;
}

static int
audit_proof(const char *store, const char *message_id, const char *dir, const char *argv0)
{
    struct gw_err err;
    struct latest_cp latest = {0};
    struct gw_schemas *schemas = NULL;
    struct cp_list *l = calloc(1, sizeof(*l));
    int64_t seqs[GW_MAX_PROOF_ENTRIES];
    size_t n = 0;
    struct proof_job job = {0};
    char path[600];
    enum gw_rc rc = GW_ENOMEM;

    gw_err_clear(&err);
    if (l == NULL) {
        gw_err_set(&err, GW_ENOMEM, GW_R_NOMEM, GW_SRC, "out of memory");
        goto out;
    }
    rc = gw_audit_checkpoints_sqlite(store, take_latest, &latest, &err);
    if (rc == GW_OK && (latest.nomem || latest.body == NULL)) {
        rc = gw_err_set(&err, latest.nomem ? GW_ENOMEM : GW_EINPUT, latest.nomem ? GW_R_NOMEM : GW_R_NOT_FOUND,
                        GW_SRC, "%s", latest.nomem ? "out of memory" : "the store holds no checkpoint yet");
    }
    rc = rc == GW_OK ? gw_cli_setup(argv0, NULL, true, &schemas, &err) : rc;
    if (rc == GW_OK) {
        struct gw_checkpoint cp;

        l->schemas = schemas;
        rc = read_checkpoint(l, latest.body, latest.len, "latest stored checkpoint", &cp, &err);
        rc = rc == GW_OK ? gw_audit_seqs_sqlite(store, message_id, seqs, GW_MAX_PROOF_ENTRIES, &n, &err) : rc;
        if (rc == GW_OK && n == 0) {
            rc = gw_err_set(&err, GW_EINPUT, GW_R_NOT_FOUND, GW_SRC, "no audit entry names message %.64s",
                            message_id);
        }
        snprintf(path, sizeof(path), "%s/checkpoint.xml", dir);
        rc = rc == GW_OK ? write_file(path, latest.body, latest.len, &err) : rc;
        if (rc == GW_OK) {
            printf("checkpoint (%" PRIu64 " entries, signed at %s): %s\n", cp.tree_size, cp.time, path);
            job.cp = &cp;
            job.seqs = seqs;
            job.n = n;
            job.dir = dir;
            rc = gw_audit_tree_sqlite(store, write_proofs, &job, &err);
        }
    }
out:
    if (rc != GW_OK) {
        fflush(stdout);
        gw_cli_print_error("audit", &err);
    }
    free(latest.body);
    free(l);
    if (schemas != NULL) {
        gw_cli_teardown(schemas, true);
    }
    return gw_rc_exit_status(rc);
}

static enum gw_rc
print_consistency(void *arg, const struct gw_merkle_nodes *nodes, uint64_t size, struct gw_err *err)
{
    enum gw_rc rc;
    const uint64_t *sizes = arg;
    struct gw_merkle_proof *p = malloc(sizeof(*p));
    struct gw_buf text;

    gw_buf_init(&text, GW_MERKLE_MAX_PROOF_TEXT);
    GW_CHECK(p != NULL, GW_ENOMEM, GW_R_NOMEM, "proof");
    GW_CHECK(sizes[1] <= size, GW_EINPUT, GW_R_MERKLE_PROOF_INVALID,
             "the log has %" PRIu64 " entries, not %" PRIu64, size, sizes[1]);
    GW_TRY(gw_merkle_prove_consistency(nodes, sizes[0], sizes[1], p, err));
    GW_TRY(gw_merkle_proof_format(p, &text, err));
    fwrite(text.data, 1, text.len, stdout);
    rc = GW_OK;
out:
    gw_buf_cleanup(&text);
    free(p);
    return rc;
}

static int
audit_consistency(const char *store, const char *old_s, const char *new_s)
{
    struct gw_err err;
    uint64_t sizes[2];
    enum gw_rc rc;

    gw_err_clear(&err);
    if (gw_parse_u64(old_s, 1, GW_MERKLE_MAX_SIZE, &sizes[0]) != GW_OK ||
        gw_parse_u64(new_s, 1, GW_MERKLE_MAX_SIZE, &sizes[1]) != GW_OK || sizes[0] > sizes[1]) {
        fprintf(stderr, "gateway audit: consistency wants two tree sizes 1 <= OLD <= NEW\n");
        return GW_EXIT_USAGE;
    }
    rc = gw_audit_tree_sqlite(store, print_consistency, sizes, &err);
    if (rc != GW_OK) {
        gw_cli_print_error("audit", &err);
    }
    return gw_rc_exit_status(rc);
}

static int
audit_verify_proof(const struct gw_cli_trust *trust, const char *cp_file, const char *old_file,
                   const char *proof_file, const char *argv0)
{
    struct gw_err errbuf;
    struct gw_err *err = &errbuf;
    struct gw_schemas *schemas = NULL;
    struct cp_list *l = calloc(1, sizeof(*l));
    struct gw_merkle_proof *p = malloc(sizeof(*p));
    struct gw_buf text;
    struct gw_buf raw;
    struct gw_checkpoint cp;
    struct gw_checkpoint old;
    enum gw_rc rc = GW_ENOMEM;
    int status;

    gw_err_clear(err);
    gw_buf_init(&text, GW_MERKLE_MAX_PROOF_TEXT);
    gw_buf_init(&raw, GW_MAX_CHECKPOINT_BYTES);
    GW_CHECK(l != NULL && p != NULL, GW_ENOMEM, GW_R_NOMEM, "out of memory");
    GW_TRY(gw_cli_setup(argv0, NULL, true, &schemas, err));
    l->schemas = schemas;
    GW_TRY(gw_pki_load(trust->anchors, trust->crls, trust->n_crls, &l->pki, err));
    GW_TRY(gw_buf_read_file(&text, proof_file, err));
    GW_TRY(gw_merkle_proof_parse(text.data, text.len, p, err));
    GW_TRY(gw_buf_read_file(&raw, cp_file, err));
    GW_TRY(gw_checkpoint_check(l->pki, schemas, raw.data, raw.len, cp_file, NULL, &cp, err));
    /* a proof means something only with a root and a size someone signed (docs/audit.md 5.4) */
    GW_CHECK(p->tree_size == cp.tree_size && CRYPTO_memcmp(p->root, cp.root, GW_MERKLE_HASH_LEN) == 0, GW_EPOLICY,
             GW_R_MERKLE_PROOF_INVALID,
             "the proof is for a tree of %" PRIu64 " entries with another root than the checkpoint's (%" PRIu64
             " entries)",
             p->tree_size, cp.tree_size);
    if (old_file != NULL) {
        GW_CHECK(p->kind == GW_MERKLE_CONSISTENCY, GW_EINPUT, GW_R_MERKLE_PROOF_INVALID,
                 "--old-checkpoint goes with a consistency proof");
        raw.len = 0;
        GW_TRY(gw_buf_read_file(&raw, old_file, err));
        GW_TRY(gw_checkpoint_check(l->pki, schemas, raw.data, raw.len, old_file, cp.origin, &old, err));
        GW_CHECK(p->old_size == old.tree_size && CRYPTO_memcmp(p->old_root, old.root, GW_MERKLE_HASH_LEN) == 0,
                 GW_EPOLICY, GW_R_MERKLE_PROOF_INVALID,
                 "the proof's old tree (%" PRIu64 " entries) is not the old checkpoint's (%" PRIu64 " entries)",
                 p->old_size, old.tree_size);
    }
    GW_TRY(gw_merkle_proof_verify(p, err));
    if (p->kind == GW_MERKLE_INCLUSION) {
        printf("%s: OK: entry %" PRIu64 " (leaf hash in the proof) is in the log of %s at %" PRIu64
               " entries (checkpoint signed at %s)\n",
               gw_cli_name(proof_file), p->leaf_index + 1, cp.origin, cp.tree_size, cp.time);
    } else {
        printf("%s: OK: the log of %s at %" PRIu64 " entries (root %s) is a prefix of it at %" PRIu64
               " entries (checkpoint signed at %s)\n",
               gw_cli_name(proof_file), cp.origin, p->old_size,
               old_file != NULL ? "of the old checkpoint" : "in the proof, not signed", cp.tree_size, cp.time);
    }
    rc = GW_OK;
out:
    status = gw_rc_exit_status(rc);
    if (rc != GW_OK) {
        if (err->reason == GW_R_MERKLE_PROOF_INVALID) {
            printf("%s: proof does NOT hold: %s\n", gw_cli_name(proof_file), err->msg);
        } else {
            gw_cli_print_error("audit", err);
        }
    }
    gw_buf_cleanup(&text);
    gw_buf_cleanup(&raw);
    if (l != NULL) {
        gw_pki_free(l->pki);
    }
    free(l);
    free(p);
    if (schemas != NULL) {
        gw_cli_teardown(schemas, true);
    }
    return status;
}

int
gw_cmd_audit(int argc, char **argv)
{
    static const struct option opts[] = {
        {"store", required_argument, NULL, 's'},
        {"limit", required_argument, NULL, 'n'},
        {"trust", required_argument, NULL, 't'},
        {"crl", required_argument, NULL, 'r'},
        {"checkpoint", required_argument, NULL, 'c'},
        {"schemas", required_argument, NULL, 'S'},
        {"message", required_argument, NULL, 'm'},
        {"output", required_argument, NULL, 'o'},
        {"old-checkpoint", required_argument, NULL, 'O'},
        {"event", required_argument, NULL, 'E'},
        {"outcome", required_argument, NULL, 'U'},
        {"type", required_argument, NULL, 'T'},
        {"sender", required_argument, NULL, 'F'},
        {"recipient", required_argument, NULL, 'R'},
        {"from", required_argument, NULL, 'a'},
        {"to", required_argument, NULL, 'b'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *store = NULL;
    const char *action;
    const char *argv0;
    uint64_t limit = 0;
    bool have_limit = false;
    struct gw_cli_trust trust = {0};
    const char *schema_dir = NULL;
    const char *files[GW_MAX_AUDIT_CHECKPOINTS / 2];
    size_t n_files = 0;
    bool checkpoints = false; /* any of the checkpoint options */
    const char *message = NULL;
    const char *output = NULL;
    const char *old_cp = NULL;
    struct gw_audit_filter filter = {0};
    bool filters = false; /* any search option */
    bool json = false;
    int c;

    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(usage, stdout);
        return GW_EXIT_OK;
    }
    if (argc < 2 || (strcmp(argv[1], "verify") != 0 && strcmp(argv[1], "show") != 0 &&
                     strcmp(argv[1], "proof") != 0 && strcmp(argv[1], "consistency") != 0 &&
                     strcmp(argv[1], "verify-proof") != 0 && strcmp(argv[1], "search") != 0)) {
        fputs(usage, stderr);
        return GW_EXIT_USAGE;
    }
    action = argv[1];
    argv0 = argv[0];
    argc--;
    argv++;
    optind = 0; /* glibc: start afresh, also when called more than once in a process (the unit tests) */
    while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
        int taken = gw_cli_trust_option(&trust, c, optarg, "audit");

        if (taken != 0) {
            if (taken < 0) {
                return GW_EXIT_USAGE;
            }
            checkpoints = true;
            continue;
        }
        switch (c) {
        case 'c':
            if (n_files == sizeof(files) / sizeof(files[0])) {
                fprintf(stderr, "gateway audit: at most %zu --checkpoint files\n", n_files);
                return GW_EXIT_USAGE;
            }
            files[n_files++] = optarg;
            checkpoints = true;
            break;
        case 'S':
            schema_dir = optarg;
            checkpoints = true;
            break;
        case 'm':
            message = optarg;
            break;
        case 'o':
            output = optarg;
            break;
        case 'O':
            old_cp = optarg;
            break;
        case 'E':
            filter.event = optarg;
            filters = true;
            break;
        case 'U':
            filter.outcome = optarg;
            filters = true;
            break;
        case 'T':
            filter.type = optarg;
            filters = true;
            break;
        case 'F':
            filter.sender = optarg;
            filters = true;
            break;
        case 'R':
            filter.recipient = optarg;
            filters = true;
            break;
        case 'a':
        case 'b':
            if (!is_time_prefix(optarg)) {
                fprintf(stderr,
                        "gateway audit: --%s wants a time such as 2025-03-01T10:20:30.123Z or a prefix "
                        "of one, not '%s'\n",
                        c == 'a' ? "from" : "to", optarg);
                return GW_EXIT_USAGE;
            }
            *(c == 'a' ? &filter.from : &filter.to) = optarg;
            filters = true;
            break;
        case 'j':
            json = true;
            filters = true;
            break;
        case 's':
            store = optarg;
            break;
        case 'n':
            if (!parse_limit(optarg, &limit)) {
                fprintf(stderr, "gateway audit: --limit wants a positive number, not '%s'\n", optarg);
                return GW_EXIT_USAGE;
            }
            have_limit = true;
            break;
        case 'h':
            fputs(usage, stdout);
            return GW_EXIT_OK;
        default:
            fputs(usage, stderr);
            return GW_EXIT_USAGE;
        }
    }
    if (strcmp(action, "search") == 0) {
        struct gw_err err;
        enum gw_rc rc;

        if (store == NULL || checkpoints || output != NULL || old_cp != NULL || optind != argc) {
            fputs(usage, stderr);
            return GW_EXIT_USAGE;
        }
        filter.message_id = message;
        gw_err_clear(&err);
        rc = gw_audit_search_sqlite(store, &filter, limit, json ? json_entry : show_entry, NULL, &err);
        if (rc != GW_OK) {
            fflush(stdout);
            gw_cli_print_error("audit", &err);
        }
        return gw_rc_exit_status(rc);
    }
    if (filters) {
        fputs(usage, stderr);
        return GW_EXIT_USAGE;
    }
    if (strcmp(action, "verify-proof") == 0) {
        if (store != NULL || have_limit || message != NULL || output != NULL || trust.anchors == NULL ||
            n_files != 1 || optind + 1 != argc) {
            fputs(usage, stderr);
            return GW_EXIT_USAGE;
        }
        return audit_verify_proof(&trust, files[0], old_cp, argv[optind], argv0);
    }
    if (strcmp(action, "proof") == 0) {
        if (store == NULL || message == NULL || output == NULL || have_limit || checkpoints || old_cp != NULL ||
            optind != argc) {
            fputs(usage, stderr);
            return GW_EXIT_USAGE;
        }
        return audit_proof(store, message, output, argv0);
    }
    if (strcmp(action, "consistency") == 0) {
        if (store == NULL || have_limit || checkpoints || message != NULL || output != NULL || old_cp != NULL ||
            optind + 2 != argc) {
            fputs(usage, stderr);
            return GW_EXIT_USAGE;
        }
        return audit_consistency(store, argv[optind], argv[optind + 1]);
    }
    if (store == NULL || optind != argc || (have_limit && strcmp(action, "show") != 0) || message != NULL ||
        output != NULL || old_cp != NULL || (checkpoints && strcmp(action, "verify") != 0) ||
        (n_files > 0 && trust.anchors == NULL) || (trust.n_crls > 0 && trust.anchors == NULL)) {
        fputs(usage, stderr);
        return GW_EXIT_USAGE;
    }
    if (strcmp(action, "verify") == 0) {
        return audit_verify_checkpoints(store, &trust, schema_dir, files, n_files, argv0);
    }
    return audit_show(store, limit);
}

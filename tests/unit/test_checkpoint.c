// SPDX-License-Identifier: MIT
/*
 * Unit tests of checkpoint.c and the store's tree head and checkpoint table: a checkpoint made and signed by
 * a gateway checks with the full policy and states the size and root it was made of; one changed after
 * signing fails; every field out of form, an Origin that is not the signer, a missing or extra element and
 * another message type are CHECKPOINT_INVALID; the scheduler tick writes one exactly when a trigger fires.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "gw/checkpoint.h"
#include "gw/envelope.h"
#include "gw/ids.h"
#include "gw/store.h"
#include "t.h"

#define PKI_DIR "tests/pki/"
#define LUDZA "90000017453"
#define VISC "90001800413"

struct cp_fixture {
    struct gw_pki *pki;
    struct gw_signer *ludza;
    char dir[32];
    char path[64];
};

static enum gw_rc
fixture_load(struct cp_fixture *fx, struct gw_err *err)
{
    static const char *const crls[] = {PKI_DIR "crl.pem"};
    enum gw_rc rc;

    memset(fx, 0, sizeof(*fx));
    GW_TRY(gw_pki_load(PKI_DIR "trust.pem", crls, 1, &fx->pki, err));
    GW_TRY(
        gw_signer_load(PKI_DIR "ludza.key.pem", PKI_DIR "ludza.pem", PKI_DIR "chain.pem", false, &fx->ludza, err));
    snprintf(fx->dir, sizeof(fx->dir), "%s", "/tmp/gw-unit.XXXXXX");
    GW_CHECK(mkdtemp(fx->dir) != NULL, GW_EIO, GW_R_IO, "mkdtemp");
    snprintf(fx->path, sizeof(fx->path), "%s/store.db", fx->dir);
    rc = GW_OK;
out:
    return rc;
}

static void
fixture_cleanup(struct cp_fixture *fx)
{
    static const char *const suffix[] = {"", "-wal", "-shm"};
    char p[96];

    gw_pki_free(fx->pki);
    gw_signer_free(fx->ludza);
    if (fx->dir[0] != '\0') {
        for (size_t i = 0; i < T_COUNT(suffix); i++) {
            snprintf(p, sizeof(p), "%s%s", fx->path, suffix[i]);
            unlink(p);
        }
        rmdir(fx->dir);
    }
    memset(fx, 0, sizeof(*fx));
}

static const unsigned char root7[GW_MERKLE_HASH_LEN] = {
    0xdd, 0xb8, 0x9b, 0xe4, 0x03, 0x80, 0x9e, 0x32, 0x57, 0x50, 0xd3, 0xd2, 0x63, 0xcd, 0x78, 0x92,
    0x9c, 0x29, 0x42, 0xb7, 0x94, 0x2a, 0x34, 0xb7, 0x7e, 0x12, 0x2c, 0x95, 0x94, 0xa7, 0x4c, 0x8c,
};

/* Do the len bytes of buf hold s? */
static bool
holds(const unsigned char *buf, size_t len, const char *s)
{
    size_t n = strlen(s);

    for (size_t i = 0; i + n <= len; i++) {
        if (memcmp(buf + i, s, n) == 0) {
            return true;
        }
    }
    return false;
}

/* Replace the first occurrence of from by to (same length) in the len bytes of buf. */
static bool
patch(unsigned char *buf, size_t len, const char *from, const char *to)
{
    size_t n = strlen(from);

    for (size_t i = 0; n == strlen(to) && i + n <= len; i++) {
        if (memcmp(buf + i, from, n) == 0) {
            memcpy(buf + i, to, n);
            return true;
        }
    }
    return false;
}

static void
test_make_check(struct t *t)
{
    struct cp_fixture fx;
    struct gw_err err;
    unsigned char *cp = NULL;
    size_t len = 0;
    struct gw_checkpoint got;
    struct gw_checkpoint untouched;

    gw_err_clear(&err);
    EXPECT_OK(fixture_load(&fx, &err), &err);
    /* 2025-03-01T10:20:30.123Z */
    EXPECT_OK(gw_checkpoint_make(fx.ludza, 7, root7, INT64_C(1740824430123), &cp, &len, &err), &err);
    EXPECT_TRUE(len <= GW_MAX_CHECKPOINT_BYTES);
    EXPECT_OK(gw_checkpoint_check(fx.pki, t->schemas, cp, len, "cp.xml", LUDZA, &got, &err), &err);
    EXPECT_STR_EQ(got.origin, LUDZA);
    EXPECT_INT_EQ(got.tree_size, 7);
    EXPECT_TRUE(memcmp(got.root, root7, sizeof(root7)) == 0);
    EXPECT_STR_EQ(got.time, "2025-03-01T10:20:30.123Z");
    EXPECT_TRUE(holds(cp, len,
                      "<cp:RootHash Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\">"
                      "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c<"));
    /* somebody else's checkpoint is not this organisation's */
    memset(&untouched, 0x5a, sizeof(untouched));
    got = untouched;
    EXPECT_FAIL(gw_checkpoint_check(fx.pki, t->schemas, cp, len, "cp.xml", VISC, &got, &err), &err,
                GW_R_CHECKPOINT_INVALID);
    EXPECT_TRUE(memcmp(&got, &untouched, sizeof(got)) == 0);
    /* changed after signing: the size, the root */
    EXPECT_TRUE(patch(cp, len, "<cp:TreeSize>7<", "<cp:TreeSize>8<"));
    EXPECT_FAIL(gw_checkpoint_check(fx.pki, t->schemas, cp, len, "cp.xml", NULL, &got, &err), &err,
                GW_R_DIGEST_MISMATCH);
    EXPECT_TRUE(patch(cp, len, "<cp:TreeSize>8<", "<cp:TreeSize>7<"));
    EXPECT_OK(gw_checkpoint_check(fx.pki, t->schemas, cp, len, "cp.xml", NULL, &got, &err), &err);
    EXPECT_TRUE(patch(cp, len, ">ddb89be4", ">ddb89be5"));
    EXPECT_FAIL(gw_checkpoint_check(fx.pki, t->schemas, cp, len, "cp.xml", NULL, &got, &err), &err,
                GW_R_DIGEST_MISMATCH);
    /* too large to be one */
    EXPECT_FAIL(
        gw_checkpoint_check(fx.pki, t->schemas, cp, GW_MAX_CHECKPOINT_BYTES + 1, "cp.xml", NULL, &got, &err), &err,
        GW_R_LIMIT_SIZE);
out:
    free(cp);
    fixture_cleanup(&fx);
}

/* An unsigned checkpoint document with the given header and payload values, read as gw_checkpoint_read does
 * (after the schema when valid is true). */
struct read_case {
    const char *type;    /* MessageType */
    const char *payload; /* the Body's content */
    bool schema_valid;   /* the schema accepts it (then gw_checkpoint_read is the second line) */
    const char *msg;     /* expected in err.msg; NULL: reads */
};

#define CP_OPEN "<cp:Checkpoint xmlns:cp=\"urn:lv:skola-kopiena:checkpoint:v1\">"
#define CP_ORIGIN "<cp:Origin>" LUDZA "</cp:Origin>"
#define CP_ROOT                                                                                                   \
    "<cp:RootHash Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\">"                                         \
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c</cp:RootHash>"
#define CP_TIME "<cp:Timestamp>2025-03-01T10:20:30.123Z</cp:Timestamp>"
#define CP_CLOSE "</cp:Checkpoint>"

static const struct read_case read_good = {
    "Checkpoint", CP_OPEN CP_ORIGIN "<cp:TreeSize>7</cp:TreeSize>" CP_ROOT CP_TIME CP_CLOSE, true, NULL};
static const struct read_case read_max = {
    "Checkpoint", CP_OPEN CP_ORIGIN "<cp:TreeSize>9223372036854775807</cp:TreeSize>" CP_ROOT CP_TIME CP_CLOSE,
    true, NULL};
static const struct read_case read_too_big = {
    "Checkpoint", CP_OPEN CP_ORIGIN "<cp:TreeSize>9223372036854775808</cp:TreeSize>" CP_ROOT CP_TIME CP_CLOSE,
    true, "TreeSize"};
static const struct read_case read_leading_zero = {
    "Checkpoint", CP_OPEN CP_ORIGIN "<cp:TreeSize>07</cp:TreeSize>" CP_ROOT CP_TIME CP_CLOSE, false, "TreeSize"};
static const struct read_case read_upper_hex = {
    "Checkpoint",
    CP_OPEN CP_ORIGIN
    "<cp:TreeSize>7</cp:TreeSize><cp:RootHash Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\">"
    "DDB89BE403809E325750D3D263CD78929C2942B7942A34B77E122C9594A74C8C</cp:RootHash>" CP_TIME CP_CLOSE,
    false, "RootHash"};
static const struct read_case read_no_millis = {"Checkpoint",
                                                CP_OPEN CP_ORIGIN
                                                "<cp:TreeSize>7</cp:TreeSize>" CP_ROOT
                                                "<cp:Timestamp>2025-03-01T10:20:30Z</cp:Timestamp>" CP_CLOSE,
                                                false, "Timestamp"};
static const struct read_case read_other_origin = {
    "Checkpoint", CP_OPEN "<cp:Origin>" VISC "</cp:Origin><cp:TreeSize>7</cp:TreeSize>" CP_ROOT CP_TIME CP_CLOSE,
    true, "is not the envelope's Sender"};
static const struct read_case read_missing = {"Checkpoint",
                                              CP_OPEN CP_ORIGIN "<cp:TreeSize>7</cp:TreeSize>" CP_ROOT CP_CLOSE,
                                              false, "Timestamp is missing"};
static const struct read_case read_extra = {
    "Checkpoint", CP_OPEN CP_ORIGIN "<cp:TreeSize>7</cp:TreeSize>" CP_ROOT CP_TIME CP_TIME CP_CLOSE, false,
    "unexpected element"};
static const struct read_case read_letter = {
    "Letter",
    "<l:Letter xmlns:l=\"urn:lv:skola-kopiena:letter:v1\"><l:Title>x</l:Title><l:Text>y</l:Text></l:Letter>",
    false, "not a Checkpoint"};

static void
test_read(struct t *t)
{
    const struct read_case *c = t->arg;
    struct gw_err err;
    char xml[2048];
    xmlDoc *doc = NULL;
    struct gw_envelope env = {0};
    struct gw_checkpoint got;
    struct gw_checkpoint untouched;

    gw_err_clear(&err);
    snprintf(xml, sizeof(xml),
             "<env:Envelope xmlns:env=\"urn:lv:skola-kopiena:envelope:v1\"><env:Header>"
             "<env:MessageId>7228649c-d108-458e-8bc1-fe490fc800e3</env:MessageId>"
             "<env:Sender>" LUDZA "</env:Sender><env:Recipient>" LUDZA "</env:Recipient>"
             "<env:MessageType>%s</env:MessageType><env:Created>2025-03-01T10:20:30.123Z</env:Created>"
             "<env:Subject>Checkpoint 7</env:Subject></env:Header><env:Body>%s</env:Body></env:Envelope>",
             c->type, c->payload);
    EXPECT_OK(t_parse_str(xml, NULL, &doc, &err), &err);
    if (c->schema_valid) {
        EXPECT_OK(gw_schemas_validate(t->schemas, doc, "t.xml", NULL, NULL, &err), &err);
    } else if (strcmp(c->type, "Checkpoint") == 0) {
        EXPECT_FAIL(gw_schemas_validate(t->schemas, doc, "t.xml", NULL, NULL, &err), &err, GW_R_SCHEMA_INVALID);
    }
    gw_err_clear(&err);
    if (gw_envelope_read(doc, "t.xml", &env, &err) != GW_OK) {
        EXPECT_TRUE(c->msg != NULL); /* the envelope reader refused it first: fine for a bad case only */
        goto out;
    }
    memset(&untouched, 0x5a, sizeof(untouched));
    got = untouched;
    if (c->msg == NULL) {
        EXPECT_OK(gw_checkpoint_read(&env, &got, &err), &err);
        EXPECT_STR_EQ(got.origin, LUDZA);
        EXPECT_TRUE(memcmp(got.root, root7, sizeof(root7)) == 0);
    } else {
        EXPECT_FAIL(gw_checkpoint_read(&env, &got, &err), &err, GW_R_CHECKPOINT_INVALID);
        EXPECT_TRUE(t_contains(err.msg, c->msg));
        EXPECT_TRUE(memcmp(&got, &untouched, sizeof(got)) == 0);
    }
out:
    gw_envelope_cleanup(&env);
    xmlFreeDoc(doc);
}

/* Append n audit events to the store. */
static bool
add_events(struct gw_store *s, unsigned n)
{
    struct gw_err err;
    struct gw_audit_event ev = {"config_loaded", NULL, LUDZA, "ok", NULL, NULL};

    for (unsigned i = 0; i < n; i++) {
        if (gw_store_audit(s, &ev, &err) != GW_OK) {
            return false;
        }
    }
    return true;
}

static void
test_tick(struct t *t)
{
    struct cp_fixture fx;
    struct gw_err err;
    struct gw_store *s = NULL;
    struct gw_checkpoint_policy by_count = {.every_entries = 5, .every_ms = 0};
    struct gw_checkpoint_policy by_time = {.every_entries = 0, .every_ms = 1000};
    struct gw_checkpoint_state st = {0};
    struct gw_checkpoint_row row = {0};
    struct gw_checkpoint got;
    unsigned char root[GW_MERKLE_HASH_LEN];
    char hex[GW_SHA256_HEX_LEN + 1];
    uint64_t size = 99;
    bool written = true;
    bool found = false;
    int64_t now = INT64_C(1740824430123);

    gw_err_clear(&err);
    EXPECT_OK(fixture_load(&fx, &err), &err);
    EXPECT_OK(gw_store_open_sqlite(fx.path, &s, &err), &err);
    /* the empty tree: MTH({}) = SHA-256("") */
    EXPECT_OK(gw_store_tree_head(s, &size, root, &err), &err);
    EXPECT_INT_EQ(size, 0);
    gw_ids_encode_hex(root, sizeof(root), hex);
    EXPECT_STR_EQ(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_OK(gw_store_latest_checkpoint(s, LUDZA, &row, &found, &err), &err);
    EXPECT_TRUE(!found && row.body == NULL);
    EXPECT_OK(gw_checkpoint_tick(s, fx.ludza, &by_count, &st, now, &written, &err), &err);
    EXPECT_TRUE(!written && st.loaded && st.last_size == 0);
    EXPECT_TRUE(add_events(s, 4));
    EXPECT_OK(gw_checkpoint_tick(s, fx.ludza, &by_count, &st, now, &written, &err), &err);
    EXPECT_TRUE(!written); /* 4 < 5 */
    EXPECT_TRUE(add_events(s, 1));
    EXPECT_OK(gw_checkpoint_tick(s, fx.ludza, &by_count, &st, now + 1, &written, &err), &err);
    EXPECT_TRUE(written && st.last_size == 5 && st.last_ms == now + 1);
    EXPECT_OK(gw_checkpoint_tick(s, fx.ludza, &by_count, &st, now + 2, &written, &err), &err);
    EXPECT_TRUE(!written);
    /* the stored one checks and states the tree head */
    EXPECT_OK(gw_store_latest_checkpoint(s, LUDZA, &row, &found, &err), &err);
    EXPECT_TRUE(found);
    EXPECT_OK(gw_checkpoint_check(fx.pki, t->schemas, row.body, row.body_len, "stored", LUDZA, &got, &err), &err);
    EXPECT_OK(gw_store_tree_head(s, &size, root, &err), &err);
    EXPECT_INT_EQ(size, 5);
    EXPECT_INT_EQ(got.tree_size, 5);
    EXPECT_INT_EQ(row.tree_size, 5);
    EXPECT_TRUE(memcmp(got.root, root, sizeof(root)) == 0);
    gw_ids_encode_hex(root, sizeof(root), hex);
    EXPECT_STR_EQ(row.root, hex);
    EXPECT_STR_EQ(row.time, got.time);
    gw_checkpoint_row_cleanup(&row);
    /* by time: only once the log grew, and only after every_ms */
    EXPECT_OK(gw_checkpoint_tick(s, fx.ludza, &by_time, &st, now + 5000, &written, &err), &err);
    EXPECT_TRUE(!written); /* nothing new */
    EXPECT_TRUE(add_events(s, 1));
    EXPECT_OK(gw_checkpoint_tick(s, fx.ludza, &by_time, &st, now + 500, &written, &err), &err);
    EXPECT_TRUE(!written); /* too soon after the last */
    EXPECT_OK(gw_checkpoint_tick(s, fx.ludza, &by_time, &st, now + 1001, &written, &err), &err);
    EXPECT_TRUE(written && st.last_size == 6);
    /* a restarted scheduler continues from the stored one */
    memset(&st, 0, sizeof(st));
    EXPECT_OK(gw_checkpoint_tick(s, fx.ludza, &by_count, &st, now + 9000, &written, &err), &err);
    EXPECT_TRUE(!written && st.last_size == 6);
    gw_store_close(s);
    s = NULL;
    {
        uint64_t n = 0;
        EXPECT_OK(gw_audit_verify_sqlite(fx.path, &n, &err), &err); /* checkpoints add no entries */
        EXPECT_INT_EQ(n, 6);
    }
out:
    gw_checkpoint_row_cleanup(&row);
    gw_store_close(s);
    fixture_cleanup(&fx);
}

static const struct t_case cases[] = {
    {"make_check", test_make_check, NULL},
    {"read_good", test_read, &read_good},
    {"read_max_size", test_read, &read_max},
    {"read_size_too_big", test_read, &read_too_big},
    {"read_size_leading_zero", test_read, &read_leading_zero},
    {"read_root_upper_hex", test_read, &read_upper_hex},
    {"read_time_no_millis", test_read, &read_no_millis},
    {"read_other_origin", test_read, &read_other_origin},
    {"read_missing_element", test_read, &read_missing},
    {"read_extra_element", test_read, &read_extra},
    {"read_letter", test_read, &read_letter},
    {"tick", test_tick, NULL},
};

const struct t_module t_module_checkpoint = {"checkpoint", cases, T_COUNT(cases)};

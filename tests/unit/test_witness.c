// SPDX-License-Identifier: MIT
/*
 * Unit tests of witness.c (docs/audit.md 7): the checkpoints of a peer, the centre, are witnessed against
 * a real tree and a forked one (the same first 4 leaves, then others). The first is kept; the same size and
 * root again, and an older smaller one arriving late, raise nothing; a larger one is kept once the peer's
 * consistency proof verifies; a failed fetch keeps nothing and raises nothing; another root for the held
 * size, a proof from the forked tree, and a smaller log signed later are forks (counted once per
 * contradicting checkpoint, kept with a checkpoint_fork entry, the metric rendered); a checkpoint of another
 * organisation or with a changed byte is refused. Receipts made with a checkpoint carry its exact bytes.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "gw/checkpoint.h"
#include "gw/merkle.h"
#include "gw/metrics.h"
#include "gw/receipt.h"
#include "gw/store.h"
#include "gw/witness.h"
#include "t.h"

#define PKI_DIR "tests/pki/"
#define LUDZA "90000017453"
#define VISC "90001800413"
#define T0 INT64_C(1740824430123)

struct wt_fixture {
    struct gw_pki *pki;
    struct gw_signer *ludza;
    struct gw_signer *visc;
    struct gw_store *store;
    struct gw_metrics *metrics;
    struct gw_merkle_mem *real;   /* the centre's log: 16 leaves */
    struct gw_merkle_mem *forked; /* 4 leaves of the real log, then 12 others */
    char dir[32];
    char path[64];
};

/* What the fetch function answers from: a tree, or no answer at all. */
struct peer_view {
    struct gw_merkle_mem *tree;
    bool down;
};

static enum gw_rc
fetch(void *arg, const char *peer, uint64_t from, uint64_t to, struct gw_buf *text, struct gw_err *err)
{
    enum gw_rc rc;
    struct peer_view *v = arg;
    struct gw_merkle_nodes nodes = gw_merkle_mem_nodes(v->tree);
    struct gw_merkle_proof *p = malloc(sizeof(*p));

    GW_CHECK(p != NULL, GW_ENOMEM, GW_R_NOMEM, "proof");
    GW_CHECK(!v->down && strcmp(peer, VISC) == 0, GW_EIO, GW_R_IO, "peer %s does not answer", peer);
    GW_TRY(gw_merkle_prove_consistency(&nodes, from, to, p, err));
    GW_TRY(gw_merkle_proof_format(p, text, err));
    rc = GW_OK;
out:
    free(p);
    return rc;
}

static enum gw_rc
fixture_load(struct wt_fixture *fx, struct gw_err *err)
{
    static const char *const crls[] = {PKI_DIR "crl.pem"};
    enum gw_rc rc;
    char leaf[32];

    memset(fx, 0, sizeof(*fx));
    GW_TRY(gw_pki_load(PKI_DIR "trust.pem", crls, 1, &fx->pki, err));
    GW_TRY(
        gw_signer_load(PKI_DIR "ludza.key.pem", PKI_DIR "ludza.pem", PKI_DIR "chain.pem", false, &fx->ludza, err));
    GW_TRY(gw_signer_load(PKI_DIR "visc.key.pem", PKI_DIR "visc.pem", PKI_DIR "chain.pem", false, &fx->visc, err));
    snprintf(fx->dir, sizeof(fx->dir), "%s", "/tmp/gw-unit.XXXXXX");
    GW_CHECK(mkdtemp(fx->dir) != NULL, GW_EIO, GW_R_IO, "mkdtemp");
    snprintf(fx->path, sizeof(fx->path), "%s/store.db", fx->dir);
    GW_TRY(gw_store_open_sqlite(fx->path, &fx->store, err));
    GW_TRY(gw_metrics_new(&fx->metrics, err));
    gw_metrics_peer(fx->metrics, VISC);
    GW_TRY(gw_merkle_mem_new(&fx->real, err));
    GW_TRY(gw_merkle_mem_new(&fx->forked, err));
    for (int i = 0; i < 16; i++) {
        snprintf(leaf, sizeof(leaf), "entry %d", i);
        GW_TRY(gw_merkle_mem_append_data(fx->real, leaf, strlen(leaf), err));
        if (i >= 4) {
            snprintf(leaf, sizeof(leaf), "other %d", i);
        }
        GW_TRY(gw_merkle_mem_append_data(fx->forked, leaf, strlen(leaf), err));
    }
    rc = GW_OK;
out:
    return rc;
}

static void
fixture_cleanup(struct wt_fixture *fx)
{
    static const char *const suffix[] = {"", "-wal", "-shm"};
    char p[96];

    gw_store_close(fx->store);
    gw_metrics_free(fx->metrics);
    gw_merkle_mem_free(fx->real);
    gw_merkle_mem_free(fx->forked);
    gw_pki_free(fx->pki);
    gw_signer_free(fx->ludza);
    gw_signer_free(fx->visc);
    if (fx->dir[0] != '\0') {
        for (size_t i = 0; i < T_COUNT(suffix); i++) {
            snprintf(p, sizeof(p), "%s%s", fx->path, suffix[i]);
            unlink(p);
        }
        rmdir(fx->dir);
    }
}

/* The checkpoint signer makes of tree at size, at time ms. OUT: *out, *len (free()). */
static enum gw_rc
checkpoint_of(const struct gw_signer *signer, struct gw_merkle_mem *tree, uint64_t size, int64_t ms,
              unsigned char **out, size_t *len, struct gw_err *err)
{
    enum gw_rc rc;
    struct gw_merkle_nodes nodes = gw_merkle_mem_nodes(tree);
    unsigned char root[GW_MERKLE_HASH_LEN];

    GW_TRY(gw_merkle_root(&nodes, size, root, err));
    GW_TRY(gw_checkpoint_make(signer, size, root, ms, out, len, err));
    rc = GW_OK;
out:
    return rc;
}

/* Make signer's checkpoint of tree at size and time ms and witness it as the centre's. OUT: *v. */
static enum gw_rc
witness(const struct t *t, struct wt_fixture *fx, const struct gw_signer *signer, struct peer_view *view,
        struct gw_merkle_mem *tree, uint64_t size, int64_t ms, enum gw_witness_verdict *v, struct gw_err *err)
{
    enum gw_rc rc;
    unsigned char *cp = NULL;
    size_t len = 0;
    const struct gw_witness w = {fx->store, fx->pki, t->schemas, fx->metrics, fetch, view};

    GW_TRY(checkpoint_of(signer, tree, size, ms, &cp, &len, err));
    GW_TRY(gw_witness_observe(&w, VISC, NULL, cp, len, v, err));
    rc = GW_OK;
out:
    free(cp);
    return rc;
}

/* The held checkpoint of the centre (good, or the last fork) has this size. */
static bool
held_size(struct wt_fixture *fx, bool fork, uint64_t want)
{
    struct gw_err err;
    struct gw_checkpoint_row row = {0};
    bool found = false;
    bool ok = gw_store_latest_peer_checkpoint(fx->store, VISC, fork, &row, &found, &err) == GW_OK && found &&
              row.tree_size == want && row.held == (fork ? GW_CP_PEER_FORK : GW_CP_PEER);

    gw_checkpoint_row_cleanup(&row);
    return ok;
}

/* The metrics page says n forks of the centre. */
static bool
forks_rendered(struct wt_fixture *fx, unsigned n)
{
    struct gw_err err;
    struct gw_buf b;
    char want[96];
    bool ok;

    gw_buf_init(&b, 1024 * 1024);
    snprintf(want, sizeof(want), "gateway_checkpoint_forks_total{peer=\"%s\"} %u\n", VISC, n);
    ok = gw_metrics_render(fx->metrics, fx->store, &b, &err) == GW_OK && gw_buf_append(&b, "", 1, &err) == GW_OK &&
         t_contains((const char *)b.data, want);
    gw_buf_cleanup(&b);
    return ok;
}

static void
test_verdicts(struct t *t)
{
    struct gw_err err;
    struct wt_fixture fx;
    struct peer_view real = {NULL, false};
    struct peer_view forked = {NULL, false};
    struct peer_view down = {NULL, true};
    enum gw_witness_verdict v = GW_WITNESS_FIRST;
    uint64_t entries = 0;
    unsigned char head[GW_MERKLE_HASH_LEN];

    EXPECT_OK(fixture_load(&fx, &err), &err);
    real.tree = fx.real;
    forked.tree = fx.forked;
    down.tree = fx.real;
    EXPECT_TRUE(forks_rendered(&fx, 0));
    EXPECT_OK(witness(t, &fx, fx.visc, &real, fx.real, 4, T0, &v, &err), &err);
    EXPECT_TRUE(v == GW_WITNESS_FIRST && held_size(&fx, false, 4));
    EXPECT_OK(witness(t, &fx, fx.visc, &real, fx.real, 4, T0 + 1, &v, &err), &err); /* other bytes, same tree */
    EXPECT_TRUE(v == GW_WITNESS_SAME);
    EXPECT_OK(witness(t, &fx, fx.visc, &real, fx.real, 8, T0 + 2, &v, &err), &err);
    EXPECT_TRUE(v == GW_WITNESS_GREW && held_size(&fx, false, 8));
    EXPECT_OK(witness(t, &fx, fx.visc, &real, fx.real, 4, T0, &v, &err), &err); /* a late receipt */
    EXPECT_TRUE(v == GW_WITNESS_OLDER && held_size(&fx, false, 8));
    /* no proof: nothing kept, nothing raised; the next checkpoint tries again */
    EXPECT_FAIL(witness(t, &fx, fx.visc, &down, fx.real, 12, T0 + 3, &v, &err), &err, GW_R_IO);
    EXPECT_TRUE(held_size(&fx, false, 8) && forks_rendered(&fx, 0));
    /* no fetch function (a request handler): a larger one is left for later, not kept, not judged */
    {
        const struct gw_witness nofetch = {fx.store, fx.pki, t->schemas, fx.metrics, NULL, NULL};
        unsigned char *cp = NULL;
        size_t len = 0;
        EXPECT_OK(checkpoint_of(fx.visc, fx.forked, 12, T0 + 3, &cp, &len, &err), &err);
        if (cp != NULL && gw_witness_observe(&nofetch, VISC, NULL, cp, len, &v, &err) != GW_OK) {
            v = GW_WITNESS_FIRST;
        }
        free(cp);
        EXPECT_TRUE(v == GW_WITNESS_DEFERRED && held_size(&fx, false, 8) && forks_rendered(&fx, 0));
    }
    /* not the centre's, or changed: proves nothing, kept nowhere */
    EXPECT_FAIL(witness(t, &fx, fx.ludza, &real, fx.real, 12, T0 + 3, &v, &err), &err, GW_R_CHECKPOINT_INVALID);
    EXPECT_TRUE(held_size(&fx, false, 8) && forks_rendered(&fx, 0));
    {
        const struct gw_witness w = {fx.store, fx.pki, t->schemas, fx.metrics, fetch, &real};
        unsigned char *cp = NULL;
        size_t len = 0;
        char *size = NULL;
        bool refused = false;
        EXPECT_OK(checkpoint_of(fx.visc, fx.real, 12, T0 + 3, &cp, &len, &err), &err);
        size = cp != NULL ? strstr((char *)cp, "<cp:TreeSize>12<") : NULL;
        if (size != NULL) {
            size[14] = '3'; /* 13 entries: no longer what was signed */
            refused = gw_witness_observe(&w, VISC, NULL, cp, len, &v, &err) != GW_OK;
        }
        free(cp);
        EXPECT_TRUE(size != NULL && refused && err.rc != GW_OK);
        EXPECT_TRUE(held_size(&fx, false, 8) && forks_rendered(&fx, 0));
    }
    /* the audit log has no entry yet: a fork adds the first */
    EXPECT_OK(gw_store_tree_head(fx.store, &entries, head, &err), &err);
    EXPECT_INT_EQ(entries, 0);

    /* another root for the held size */
    EXPECT_OK(witness(t, &fx, fx.visc, &forked, fx.forked, 8, T0 + 4, &v, &err), &err);
    EXPECT_TRUE(v == GW_WITNESS_FORK && held_size(&fx, false, 8) && held_size(&fx, true, 8));
    EXPECT_TRUE(forks_rendered(&fx, 1));
    EXPECT_OK(gw_store_tree_head(fx.store, &entries, head, &err), &err);
    EXPECT_INT_EQ(entries, 1);
    /* the same contradicting checkpoint again (every receipt carries it): reported once */
    EXPECT_OK(witness(t, &fx, fx.visc, &forked, fx.forked, 8, T0 + 4, &v, &err), &err);
    EXPECT_TRUE(v == GW_WITNESS_FORK_KNOWN && forks_rendered(&fx, 1));
    /* larger, but the peer's own proof starts from another root for the held size */
    EXPECT_OK(witness(t, &fx, fx.visc, &forked, fx.forked, 12, T0 + 5, &v, &err), &err);
    EXPECT_TRUE(v == GW_WITNESS_FORK && held_size(&fx, true, 12) && forks_rendered(&fx, 2));
    /* larger, from the real tree, but its proof answered from the forked one */
    EXPECT_OK(witness(t, &fx, fx.visc, &forked, fx.real, 16, T0 + 6, &v, &err), &err);
    EXPECT_TRUE(v == GW_WITNESS_FORK && forks_rendered(&fx, 3));
    /* smaller than held, signed later: a log that lost entries */
    EXPECT_OK(witness(t, &fx, fx.visc, &real, fx.real, 6, T0 + 7, &v, &err), &err);
    EXPECT_TRUE(v == GW_WITNESS_FORK && held_size(&fx, true, 6) && forks_rendered(&fx, 4));
    /* the good one held is still the last that extended the first; the real log still extends it */
    EXPECT_TRUE(held_size(&fx, false, 8));
    EXPECT_OK(witness(t, &fx, fx.visc, &real, fx.real, 16, T0 + 8, &v, &err), &err);
    EXPECT_TRUE(v == GW_WITNESS_GREW && held_size(&fx, false, 16) && forks_rendered(&fx, 4));
    EXPECT_OK(gw_store_tree_head(fx.store, &entries, head, &err), &err);
    EXPECT_INT_EQ(entries, 4); /* one checkpoint_fork entry per fork reported */
out:
    fixture_cleanup(&fx);
}

/* A receipt made with the store's latest own checkpoint carries its exact bytes; one made without none. */
static void
test_receipt_carries(struct t *t)
{
    struct gw_err err;
    struct wt_fixture fx;
    unsigned char *cp = NULL;
    size_t cp_len = 0;
    unsigned char *r = NULL;
    size_t r_len = 0;
    unsigned char *got = NULL;
    size_t got_len = 0;
    struct gw_receipt_info info;
    struct gw_checkpoint_row row = {0};
    struct gw_checkpoint c;
    static const char digest[] = "c597d7423f84fdf30b98a155755f73a0bd7cd857beb29fcb57ebe9334fc57fd7";
    static const char id[] = "62416069-e44b-438c-b8ac-1967a1472b30";
    static unsigned char sentinel;

    EXPECT_OK(fixture_load(&fx, &err), &err);
    EXPECT_OK(gw_receipt_make_witnessed(fx.visc, fx.store, LUDZA, id, digest, GW_RECEIPT_ACCEPTED, GW_R_OK, NULL,
                                        &r, &r_len, NULL, &err),
              &err);
    got = &sentinel; /* must become NULL: none carried */
    EXPECT_OK(gw_receipt_check_witnessed(fx.pki, t->schemas, r, r_len, VISC, LUDZA, id, digest, &info, &got,
                                         &got_len, &err),
              &err);
    EXPECT_TRUE(got == NULL && got_len == 0);
    free(r);
    r = NULL;
    EXPECT_OK(checkpoint_of(fx.visc, fx.real, 5, T0, &cp, &cp_len, &err), &err);
    EXPECT_OK(gw_checkpoint_check(fx.pki, t->schemas, cp, cp_len, "cp", VISC, &c, &err), &err);
    memcpy(row.origin, VISC, sizeof(row.origin));
    row.tree_size = 5;
    gw_ids_encode_hex(c.root, sizeof(c.root), row.root);
    memcpy(row.time, c.time, sizeof(c.time));
    row.body = cp;
    row.body_len = cp_len;
    EXPECT_OK(gw_store_put_checkpoint(fx.store, &row, NULL, &err), &err);
    EXPECT_OK(gw_receipt_make_witnessed(fx.visc, fx.store, LUDZA, id, digest, GW_RECEIPT_DELIVERED, GW_R_OK, NULL,
                                        &r, &r_len, NULL, &err),
              &err);
    EXPECT_OK(gw_receipt_check_witnessed(fx.pki, t->schemas, r, r_len, VISC, LUDZA, id, digest, &info, &got,
                                         &got_len, &err),
              &err);
    EXPECT_TRUE(got != NULL && got_len == cp_len && memcmp(got, cp, cp_len) == 0);
    EXPECT_TRUE(info.status == GW_RECEIPT_DELIVERED);
out:
    if (got != &sentinel) {
        free(got);
    }
    free(r);
    free(cp);
    fixture_cleanup(&fx);
}

static const struct t_case cases[] = {
    {"verdicts", test_verdicts, NULL},
    {"receipt_carries", test_receipt_carries, NULL},
};

const struct t_module t_module_witness = {"witness", cases, T_COUNT(cases)};

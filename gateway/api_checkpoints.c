// SPDX-License-Identifier: MIT
/*
 * Checkpoints for peers (docs/api.md, docs/audit.md 6): GET /v1/checkpoints/latest answers this gateway's
 * latest signed checkpoint exactly as signed, and GET /v1/checkpoints/consistency?from=N&to=M the
 * consistency proof (docs/audit.md 5.3) between the trees of N and M entries, from the stored nodes, so that
 * a peer holding an older checkpoint can check that the log only grew. Peers only, over the same mutual TLS
 * as the exchange. It does not fetch or judge other gateways' checkpoints.
 */
#include <stdlib.h>
#include <string.h>

#include "gw/api.h"
#include "gw/buf.h"
#include "gw/daemon.h"
#include "gw/limits.h"
#include "gw/merkle.h"
#include "gw/parse.h"
#include "gw/store.h"

enum gw_rc
gw_api_checkpoint_latest(struct gw_call *c, struct gw_err *err)
{
    enum gw_rc rc;
    struct gw_checkpoint_row row = {0};
    bool found = false;

    GW_TRY(gw_store_latest_checkpoint(c->d->store, c->d->cfg.organisation, &row, &found, err));
    GW_CHECK(found, GW_EINPUT, GW_R_NOT_FOUND, "this gateway has signed no checkpoint yet");
    gw_reply(c, 200, "application/xml", row.body, row.body_len);
    rc = GW_OK;
out:
    gw_checkpoint_row_cleanup(&row);
    return rc;
}

struct consistency_job {
    uint64_t from;
    uint64_t to;
    struct gw_buf *text;
};

static enum gw_rc
prove(void *arg, const struct gw_merkle_nodes *nodes, uint64_t size, struct gw_err *err)
{
    enum gw_rc rc;
    struct consistency_job *job = arg;
    struct gw_merkle_proof *p = malloc(sizeof(*p));

    GW_CHECK(p != NULL, GW_ENOMEM, GW_R_NOMEM, "proof");
    GW_CHECK(job->to <= size, GW_EINPUT, GW_R_NOT_FOUND, "the log has %llu entries, not %llu",
             (unsigned long long)size, (unsigned long long)job->to);
    GW_TRY(gw_merkle_prove_consistency(nodes, job->from, job->to, p, err));
    GW_TRY(gw_merkle_proof_format(p, job->text, err));
    rc = GW_OK;
out:
    free(p);
    return rc;
}

enum gw_rc
gw_api_checkpoint_consistency(struct gw_call *c, struct gw_err *err)
{
    enum gw_rc rc;
    struct gw_buf text;
    struct consistency_job job = {0, 0, &text};
    char v[24];
    bool found = false;

    gw_buf_init(&text, GW_MERKLE_MAX_PROOF_TEXT);
    GW_TRY(gw_parse_query_param(c->query, strlen(c->query), "from", v, sizeof(v), &found, err));
    GW_CHECK(found && gw_parse_u64(v, 1, GW_MERKLE_MAX_SIZE, &job.from) == GW_OK, GW_EINPUT, GW_R_HTTP_BAD_REQUEST,
             "from must be a tree size of at least 1");
    GW_TRY(gw_parse_query_param(c->query, strlen(c->query), "to", v, sizeof(v), &found, err));
    GW_CHECK(found && gw_parse_u64(v, job.from, GW_MERKLE_MAX_SIZE, &job.to) == GW_OK, GW_EINPUT,
             GW_R_HTTP_BAD_REQUEST, "to must be a tree size of at least from");
    GW_TRY(gw_audit_tree_sqlite(c->d->cfg.store, prove, &job, err));
    gw_reply(c, 200, "text/plain; charset=utf-8", text.data, text.len);
    rc = GW_OK;
out:
    gw_buf_cleanup(&text);
    return rc;
}

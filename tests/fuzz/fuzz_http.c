// SPDX-License-Identifier: MIT
/*
 * Fuzz target: one request through the route table and its handler, as server.c's handle() runs it after
 * read_call, against a real in-process daemon state: the schemas, the tests/pki trust anchor and CRL,
 * VISC's test key as signer, metrics, and a SQLite store in a private temporary directory; no deliverer
 * (gw_deliverer_wake(NULL) does nothing) and no TLS context (the handlers do not use it).
 *
 * The request comes from the input: byte 0 picks the method (bit 0: GET or POST) and the client (bits 1-2:
 * the own organisation's system, peer Ludza's gateway, peer Talsi's gateway, or another organisation), then
 * path, query and Content-Type follow, each ended by '\n', and the rest is the body. What read_call refuses
 * before routing (an overlong path or query; NUL bytes, which evhttp never hands over) is skipped, and an
 * overlong Content-Type counts as none, as there.
 *
 * The responses go to the gw_reply and gw_reply_header defined below instead of libevent: this target links
 * every gateway module except server.c (and cmd_serve.c, which starts the server), so that the handlers run
 * unchanged and nothing in the server needs a seam for tests. Checked: the route's access rule holds for
 * the client; a handler that returns GW_OK has replied exactly once, one that fails has not replied and
 * says why; every reply's status, headers and body are readable to their stated length.
 *
 * Store rows persist across inputs (a repeated message meets its earlier copy, as on a real gateway) and
 * the store is recreated every STORE_RUNS inputs so that it stays small. The Created window is widened past
 * its ceiling (below), so that the committed signed seeds keep passing it. Run from the repository root.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gw/api.h"
#include "gw/config.h"
#include "gw/daemon.h"
#include "gw/dsig.h"
#include "gw/http.h"
#include "gw/metrics.h"
#include "gw/pki.h"
#include "gw/schema.h"
#include "gw/sign.h"
#include "gw/store.h"
#include "gw/xml.h"

#include "fuzz.h"

#define VISC "90001800413"
#define LUDZA "90000017453"
#define TALSI "90009113532"
#define STORE_RUNS 512u /* inputs between two fresh stores */

static struct gw_daemon daemon_state;
static bool ready;
static char dir[256]; /* $TMPDIR/gw-fuzz-http.XXXXXX */
static char conf_path[300];
static char store_path[300];
static unsigned runs;

/* ---- the replies, in place of server.c's ---- */

static volatile unsigned char sink; /* every reply byte is read into it, so that ASan sees the whole body */

void
gw_reply_header(struct gw_call *c, const char *name, const char *value)
{
    CHECK(c != NULL && name != NULL && value != NULL);
    CHECK(strlen(name) > 0 && strchr(name, '\n') == NULL && strchr(value, '\n') == NULL &&
          strchr(value, '\r') == NULL);
}

void
gw_reply(struct gw_call *c, int status, const char *content_type, const void *body, size_t len)
{
    const unsigned char *p = body;

    CHECK(!c->replied); /* server.c drops a second reply: a handler that sends one has a bug */
    c->replied = true;
    CHECK(status >= 200 && status <= 599);
    CHECK(len == 0 || body != NULL);
    gw_metrics_http(c->d->metrics, status);
    if (content_type != NULL) {
        gw_reply_header(c, "Content-Type", content_type);
    }
    for (size_t i = 0; i < len; i++) {
        sink ^= p[i];
    }
}

/* ---- the daemon ---- */

static void
remove_store(void)
{
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};

    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        char path[320];
        snprintf(path, sizeof(path), "%s%s", store_path, suffixes[i]);
        unlink(path);
    }
}

static void
open_store(void)
{
    struct gw_err err;

    gw_err_clear(&err);
    remove_store();
    if (gw_store_open_sqlite(store_path, &daemon_state.store, &err) != GW_OK) {
        abort();
    }
}

static void
teardown(void)
{
    gw_store_close(daemon_state.store);
    remove_store();
    unlink(conf_path);
    rmdir(dir);
}

static void
setup_once(void)
{
    struct gw_daemon *d = &daemon_state;
    struct gw_err err;
    const char *crls[] = {"tests/pki/crl.pem"};
    char cwd[256];
    const char *tmp = getenv("TMPDIR");
    char text[2048];
    FILE *f;
    int n;

    if (ready) {
        return;
    }
    gw_err_clear(&err);
    /* every commit is fsynced: TMPDIR=/dev/shm makes the store's writes cheap when fuzzing */
    n = snprintf(dir, sizeof(dir), "%s/gw-fuzz-http.XXXXXX", tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
    CHECK(n > 0 && (size_t)n < sizeof(dir));
    if (mkdtemp(dir) == NULL || getcwd(cwd, sizeof(cwd)) == NULL) {
        abort();
    }
    snprintf(conf_path, sizeof(conf_path), "%s/gateway.conf", dir);
    snprintf(store_path, sizeof(store_path), "%s/store.db", dir);
    n = snprintf(text, sizeof(text),
                 "organisation = " VISC "\n"
                 "key = %1$s/tests/pki/visc.key.pem\n"
                 "cert = %1$s/tests/pki/visc.pem\n"
                 "chain = %1$s/tests/pki/chain.pem\n"
                 "trust = %1$s/tests/pki/trust.pem\n"
                 "crl = %1$s/tests/pki/crl.pem\n"
                 "store = %2$s\n"
                 "listen = 127.0.0.1:0\n"
                 "peer = " LUDZA " https://127.0.0.1:9\n"
                 "peer = " TALSI " https://127.0.0.1:9\n"
                 "allow = " LUDZA " " VISC " Decision,Confirmation,DataReport\n"
                 "allow = " TALSI " " VISC " Decision,Confirmation,DataReport\n"
                 "allow = " VISC " " LUDZA " Letter\n"
                 "allow = " VISC " " TALSI " Letter\n",
                 cwd, store_path);
    CHECK(n > 0 && (size_t)n < sizeof(text));
    f = fopen(conf_path, "w");
    CHECK(f != NULL && fwrite(text, 1, (size_t)n, f) == (size_t)n && fclose(f) == 0);
    atexit(teardown);
    /* run from the repository root */
    if (gw_config_load(conf_path, &d->cfg, &err) != GW_OK || gw_xml_init("schemas", &err) != GW_OK ||
        gw_dsig_init(&err) != GW_OK || gw_schemas_load("schemas", &d->schemas, &err) != GW_OK ||
        gw_pki_load(d->cfg.trust, crls, 1, &d->pki, &err) != GW_OK ||
        gw_signer_load(d->cfg.key, d->cfg.cert, d->cfg.chain, false, &d->signer, &err) != GW_OK ||
        gw_metrics_new(&d->metrics, &err) != GW_OK) {
        fprintf(stderr, "fuzz-http set-up: %s: %s\n", err.where, err.msg);
        abort();
    }
    /* beyond the configurable ceiling, for this harness only: the seeds carry fixed Created times from
     * 2024 on, and the window's edges are the unit tests' (test_config.c) */
    d->cfg.created_past_s = 200u * 365u * 24u * 3600u;
    open_store();
    ready = true;
}

/* ---- the request ---- */

/* The next field of the input, up to '\n' (or the end) at *pos, into dst (size n) as read_call would hand
 * it over. False if read_call refuses the request before routing (overlong, or a NUL byte). */
static bool
take_field(const uint8_t *data, size_t size, size_t *pos, char *dst, size_t n, bool cut_to_none)
{
    const uint8_t *start = data + *pos;
    const uint8_t *nl = memchr(start, '\n', size - *pos);
    size_t len = nl != NULL ? (size_t)(nl - start) : size - *pos;

    *pos += len + (nl != NULL ? 1u : 0u);
    dst[0] = '\0';
    if (memchr(start, '\0', len) != NULL) {
        return false;
    }
    if (len >= n) {
        return cut_to_none; /* a Content-Type cut to fit could name another type: none, as read_call does */
    }
    memcpy(dst, start, len);
    dst[len] = '\0';
    return true;
}

static void
set_client(struct gw_call *c, unsigned kind)
{
    static const struct {
        const char *regno, *cn;
        bool own, peer;
    } clients[] = {
        {VISC, "lietvedibas-sistema.visc.example", true, false},
        {LUDZA, "gateway.ludza.example", false, true},
        {TALSI, "gateway.talsi.example", false, true},
        {"40003000001", "someone.example", false, false},
    };

    snprintf(c->client_regno, sizeof(c->client_regno), "%s", clients[kind].regno);
    snprintf(c->client_cn, sizeof(c->client_cn), "%s", clients[kind].cn);
    c->client_is_own = clients[kind].own;
    c->client_is_peer = clients[kind].peer;
}

/* handle() in server.c, with its invariants checked. */
static void
run_call(struct gw_call *c)
{
    const struct gw_route *route = NULL;
    struct gw_err err;
    enum gw_rc rc;

    gw_err_clear(&err);
    rc = gw_http_route(c, &route, &err);
    if (rc != GW_OK) {
        CHECK(route == NULL && err.rc == rc && c->id[0] == '\0' && c->sub[0] == '\0');
        CHECK(err.reason == GW_R_FORBIDDEN || err.reason == GW_R_NOT_FOUND || err.reason == GW_R_HTTP_METHOD);
    } else {
        CHECK(route != NULL && route->handler != NULL && route->method == c->method);
        /* docs/api.md 1: the route's access rule was applied */
        CHECK(route->access != GW_ACCESS_OWN || c->client_is_own);
        CHECK(route->access != GW_ACCESS_PEER || c->client_is_peer);
        CHECK(strlen(c->id) <= GW_HTTP_MAX_ID);
        CHECK(c->id[0] == '\0' ? c->sub[0] == '\0' : c->sub >= c->path && c->sub <= c->path + strlen(c->path));
        rc = route->handler(c, &err);
        /* api.h: a handler that returns GW_OK has sent exactly one reply; one that fails has sent none */
        CHECK(rc == GW_OK ? c->replied && err.rc == GW_OK : !c->replied && err.rc == rc);
    }
    if (rc != GW_OK) {
        /* reply_error() in server.c */
        char text[1024];
        int code =
            route != NULL && route->error_status != 0 ? route->error_status : gw_reason_http_status(err.reason);
        int n = snprintf(text, sizeof(text), "%d %s: %s%s%s\n", code < 400 ? 500 : code,
                         gw_reason_code(err.reason), err.msg, err.where[0] != '\0' ? " at " : "", err.where);
        CHECK(n > 0);
        gw_reply(c, code < 400 ? 500 : code, "text/plain; charset=utf-8", text, (size_t)n);
    }
    CHECK(c->replied);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct gw_call c = {.d = &daemon_state, .sub = ""};
    size_t pos = 1;

    setup_once();
    if (size == 0) {
        return 0;
    }
    if (++runs % STORE_RUNS == 0) {
        gw_store_close(daemon_state.store);
        open_store();
    }
    c.method = (data[0] & 1u) != 0 ? GW_HTTP_POST : GW_HTTP_GET;
    set_client(&c, (data[0] >> 1) & 3u);
    if (!take_field(data, size, &pos, c.path, sizeof(c.path), false) ||
        !take_field(data, size, &pos, c.query, sizeof(c.query), false) ||
        !take_field(data, size, &pos, c.content_type, sizeof(c.content_type), true)) {
        return 0;
    }
    c.body = pos < size ? data + pos : NULL;
    c.body_len = size - pos;
    run_call(&c);
    return 0;
}

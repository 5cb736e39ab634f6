// SPDX-License-Identifier: MIT
/*
 * Unit tests of http.c: the route table and the access decision (gw_http_route), without libevent or a
 * network. Every route, every access rule (own systems, peers, anyone), methods a path does not serve,
 * unknown paths and the {id} segment, each with the reason, HTTP status and text the client gets
 * (docs/api.md 1-2).
 */
#include <stdio.h>

#include "gw/api.h"
#include "gw/http.h"
#include "t.h"

#define U "547a6145-1d05-400f-accf-1822e2dc53e9"

static const char own_only[] = "this endpoint is for the organisation's own systems";
static const char peer_only[] =
    "the client certificate is not a configured peer gateway's (organisation or usage)";
static const char no_route[] = "no such endpoint or method";
static const char use_post[] = "use POST";

enum who { OWN, PEER, OTHER };

static const char *const who_name[] = {"own system", "peer gateway", "other organisation"};

/* One request and what it must get: a handler (with c->id and c->sub), or an error (reason, text). */
struct want {
    int method;
    const char *path;
    enum who who;
    gw_api_fn handler; /* NULL: the request fails */
    const char *id;    /* on success */
    const char *sub;   /* on success */
    enum gw_reason reason;
    const char *msg; /* on failure */
};

static void
make_call(struct gw_call *c, int method, const char *path, enum who who)
{
    memset(c, 0, sizeof(*c));
    c->method = method;
    snprintf(c->path, sizeof(c->path), "%s", path);
    c->client_is_own = who == OWN;
    c->client_is_peer = who == PEER;
    c->sub = "";
}

static const char *
method_name(int method)
{
    return method == GW_HTTP_GET ? "GET" : method == GW_HTTP_POST ? "POST" : "?";
}

/* Route w's request and compare with w; records the first difference (t_fail) and returns false. */
static bool
route_as(struct t *t, const struct want *w)
{
    struct gw_call c;
    struct gw_err err;
    const struct gw_route *r = NULL;
    enum gw_rc rc;
    const char *m = method_name(w->method);
    const char *who = who_name[w->who];

    make_call(&c, w->method, w->path, w->who);
    gw_err_clear(&err);
    rc = gw_http_route(&c, &r, &err);
    if (w->handler != NULL) {
        if (rc != GW_OK) {
            t_fail(t, __FILE__, __LINE__, "%s %s by %s: %s %s, expected a route", m, w->path, who,
                   gw_reason_code(err.reason), err.msg);
        } else if (r == NULL || r->handler != w->handler) {
            t_fail(t, __FILE__, __LINE__, "%s %s by %s: routed to another handler", m, w->path, who);
        } else if (strcmp(c.id, w->id) != 0 || c.sub == NULL || strcmp(c.sub, w->sub) != 0) {
            t_fail(t, __FILE__, __LINE__, "%s %s: id \"%s\" sub \"%s\", expected \"%s\" \"%s\"", m, w->path, c.id,
                   c.sub != NULL ? c.sub : "(null)", w->id, w->sub);
        }
        return !t->failed;
    }
    if (rc == GW_OK) {
        t_fail(t, __FILE__, __LINE__, "%s %s by %s: routed, expected %s", m, w->path, who,
               gw_reason_code(w->reason));
    } else if (err.rc != rc || err.reason != w->reason || strcmp(err.msg, w->msg) != 0) {
        t_fail(t, __FILE__, __LINE__, "%s %s by %s: %s \"%s\", expected %s \"%s\"", m, w->path, who,
               gw_reason_code(err.reason), err.msg, gw_reason_code(w->reason), w->msg);
    } else if (r != NULL) {
        t_fail(t, __FILE__, __LINE__, "%s %s by %s: *out set on failure", m, w->path, who);
    }
    return !t->failed;
}

static bool
route_all(struct t *t, const struct want *w, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!route_as(t, &w[i])) {
            return false;
        }
    }
    return true;
}

/* Every route of docs/api.md 3, its access rule and the status of the errors its handler returns. */
static const struct {
    int method;
    const char *path;
    enum gw_access access;
    gw_api_fn handler; /* NULL: 405 "use POST" */
    const char *id;
    const char *sub;
    int error_status;
} endpoints[] = {
    {GW_HTTP_GET, "/healthz", GW_ACCESS_ANYONE, gw_api_health, "", "", 0},
    {GW_HTTP_POST, "/v1/exchange", GW_ACCESS_PEER, gw_api_exchange, "", "", 503},
    {GW_HTTP_GET, "/v1/exchange", GW_ACCESS_ANYONE, NULL, "", "", 0},
    {GW_HTTP_GET, "/metrics", GW_ACCESS_OWN, gw_api_metrics, "", "", 503},
    {GW_HTTP_POST, "/v1/messages", GW_ACCESS_OWN, gw_api_submit, "", "", 0},
    {GW_HTTP_GET, "/v1/messages", GW_ACCESS_OWN, NULL, "", "", 0},
    {GW_HTTP_GET, "/v1/messages/" U, GW_ACCESS_OWN, gw_api_message_status, U, "", 0},
    {GW_HTTP_GET, "/v1/messages/" U "/message", GW_ACCESS_OWN, gw_api_message_status, U, "message", 0},
    {GW_HTTP_GET, "/v1/messages/" U "/receipt", GW_ACCESS_OWN, gw_api_message_status, U, "receipt", 0},
    {GW_HTTP_GET, "/v1/messages/" U "/notification", GW_ACCESS_OWN, gw_api_message_status, U, "notification", 0},
    {GW_HTTP_GET, "/v1/inbox", GW_ACCESS_OWN, gw_api_inbox_list, "", "", 0},
    {GW_HTTP_GET, "/v1/inbox/" U, GW_ACCESS_OWN, gw_api_inbox_get, U, "", 0},
    {GW_HTTP_POST, "/v1/inbox/" U "/ack", GW_ACCESS_OWN, gw_api_inbox_ack, U, "ack", 0},
    {GW_HTTP_GET, "/v1/checkpoints/latest", GW_ACCESS_PEER, gw_api_checkpoint_latest, "", "", 0},
    {GW_HTTP_GET, "/v1/checkpoints/consistency", GW_ACCESS_PEER, gw_api_checkpoint_consistency, "", "", 0},
};

/* Each route is reached by the client it is for, and each table entry by exactly one endpoint above. */
static void
test_every_route(struct t *t)
{
    size_t n = 0;
    const struct gw_route *table = gw_http_routes(&n);
    unsigned hits[64] = {0};

    EXPECT_INT_EQ(n, T_COUNT(endpoints));
    EXPECT_TRUE(n <= T_COUNT(hits));
    for (size_t i = 0; i < T_COUNT(endpoints); i++) {
        struct gw_call c;
        struct gw_err err;
        const struct gw_route *r = NULL;
        enum who who = endpoints[i].access == GW_ACCESS_PEER ? PEER : OWN;

        make_call(&c, endpoints[i].method, endpoints[i].path, who);
        gw_err_clear(&err);
        if (endpoints[i].handler == NULL) {
            EXPECT_FAIL(gw_http_route(&c, &r, &err), &err, GW_R_HTTP_METHOD);
            EXPECT_STR_EQ(err.msg, use_post);
            EXPECT_INT_EQ(gw_reason_http_status(err.reason), 405);
            continue;
        }
        EXPECT_OK(gw_http_route(&c, &r, &err), &err);
        EXPECT_TRUE(r != NULL && r >= table && r < table + n);
        hits[r - table]++;
        EXPECT_TRUE(r->handler == endpoints[i].handler);
        EXPECT_INT_EQ(r->method, endpoints[i].method);
        EXPECT_INT_EQ(r->access, endpoints[i].access);
        EXPECT_INT_EQ(r->error_status, endpoints[i].error_status);
        EXPECT_STR_EQ(c.id, endpoints[i].id);
        EXPECT_STR_EQ(c.sub, endpoints[i].sub);
    }
    /* the handler-less entries are reached through their own check above; count them here */
    for (size_t i = 0; i < n; i++) {
        if (table[i].handler == NULL) {
            hits[i]++;
        }
        if (hits[i] != 1) {
            T_FAIL("route %s %s reached %u times", method_name(table[i].method), table[i].pattern, hits[i]);
        }
    }
out:
    return;
}

/* Own systems, peers and anyone else on every route: 403 with the rule's text where the rule excludes
 * the client, else the route (or the 405 of a path served only with POST). */
static void
test_access_rules(struct t *t)
{
    static const enum who clients[] = {OWN, PEER, OTHER};

    for (size_t i = 0; i < T_COUNT(endpoints); i++) {
        for (size_t k = 0; k < T_COUNT(clients); k++) {
            enum gw_access a = endpoints[i].access;
            enum who who = clients[k];
            bool admitted = a == GW_ACCESS_ANYONE || (a == GW_ACCESS_OWN && who == OWN) ||
                            (a == GW_ACCESS_PEER && who == PEER);
            struct want w = {endpoints[i].method, endpoints[i].path, who,     endpoints[i].handler,
                             endpoints[i].id,     endpoints[i].sub,  GW_R_OK, ""};

            if (!admitted) {
                w.handler = NULL;
                w.reason = GW_R_FORBIDDEN;
                w.msg = a == GW_ACCESS_PEER ? peer_only : own_only;
            } else if (w.handler == NULL) {
                w.reason = GW_R_HTTP_METHOD;
                w.msg = use_post;
            }
            if (!route_as(t, &w)) {
                goto out;
            }
        }
    }
    /* the statuses clients see for these reasons */
    EXPECT_INT_EQ(gw_reason_http_status(GW_R_FORBIDDEN), 403);
    EXPECT_INT_EQ(gw_reason_http_status(GW_R_NOT_FOUND), 404);
    EXPECT_INT_EQ(gw_reason_http_status(GW_R_HTTP_METHOD), 405);
out:
    return;
}

/* A method a path does not serve: 405 only on the POST-only collections /v1/messages and /v1/exchange,
 * 404 elsewhere; under /v1/ and at /metrics a client that is not an own system gets 403 first. */
static void
test_wrong_methods(struct t *t)
{
    static const struct want w[] = {
        {GW_HTTP_GET, "/v1/exchange", OWN, NULL, NULL, NULL, GW_R_HTTP_METHOD, use_post},
        {GW_HTTP_GET, "/v1/exchange", OTHER, NULL, NULL, NULL, GW_R_HTTP_METHOD, use_post},
        {GW_HTTP_GET, "/v1/messages", OWN, NULL, NULL, NULL, GW_R_HTTP_METHOD, use_post},
        {GW_HTTP_GET, "/v1/messages", PEER, NULL, NULL, NULL, GW_R_FORBIDDEN, own_only},
        {GW_HTTP_POST, "/healthz", OWN, NULL, NULL, NULL, GW_R_NOT_FOUND, no_route},
        {GW_HTTP_POST, "/healthz", OTHER, NULL, NULL, NULL, GW_R_NOT_FOUND, no_route},
        {GW_HTTP_POST, "/metrics", OWN, NULL, NULL, NULL, GW_R_NOT_FOUND, no_route},
        {GW_HTTP_POST, "/metrics", PEER, NULL, NULL, NULL, GW_R_FORBIDDEN, own_only},
        {GW_HTTP_POST, "/v1/inbox", OWN, NULL, NULL, NULL, GW_R_NOT_FOUND, no_route},
        {GW_HTTP_POST, "/v1/inbox", OTHER, NULL, NULL, NULL, GW_R_FORBIDDEN, own_only},
        {GW_HTTP_POST, "/v1/messages/" U, OWN, NULL, NULL, NULL, GW_R_NOT_FOUND, no_route},
        {GW_HTTP_POST, "/v1/messages/" U "/receipt", OWN, NULL, NULL, NULL, GW_R_NOT_FOUND, no_route},
        {GW_HTTP_POST, "/v1/inbox/" U, OWN, NULL, NULL, NULL, GW_R_NOT_FOUND, no_route},
        {GW_HTTP_GET, "/v1/inbox/" U "/ack", OWN, NULL, NULL, NULL, GW_R_NOT_FOUND, no_route},
        {GW_HTTP_GET, "/v1/inbox/" U "/ack", PEER, NULL, NULL, NULL, GW_R_FORBIDDEN, own_only},
        /* only GET and POST reach the router (server.c refuses the rest); anything else matches nothing */
        {0, "/healthz", OWN, NULL, NULL, NULL, GW_R_NOT_FOUND, no_route},
        {0, "/v1/inbox", OTHER, NULL, NULL, NULL, GW_R_FORBIDDEN, own_only},
    };

    route_all(t, w, T_COUNT(w));
}

/* Paths nothing serves: 404, but 403 for a client other than an own system under /v1/ and at /metrics. */
static void
test_unknown_paths(struct t *t)
{
    static const struct want w[] = {
        {GW_HTTP_GET, "/", OWN, NULL, NULL, NULL, GW_R_NOT_FOUND, no_route},
        {GW_HTTP_GET, "", OTHER, NULL, NULL, NULL, GW_R_NOT_FOUND, no_route},
        {GW_HTTP_GET, "/v1", OTHER, NULL, NULL, NULL, GW_R_NOT_FOUND, no_route},
        {GW_HTTP_GET, "/v1/", OWN, NULL, NULL, NULL, GW_R_NOT_FOUND, no_route},
        {GW_HTTP_GET, "/v1/", PEER, NULL, NULL, NULL, GW_R_FORBIDDEN, own_only},
        {GW_HTTP_GET, "/v1/nothing", OWN, NULL, NULL, NULL, GW_R_NOT_FOUND, no_route},
        {GW_HTTP_GET, "/v1/nothing", OTHER, NULL, NULL, NULL, GW_R_FORBIDDEN, own_only},
        {GW_HTTP_POST, "/v1/exchange/", OWN, NULL, NULL, NULL, GW_R_NOT_FOUND, no_route},
        {GW_HTTP_POST, "/v1/exchange/", PEER, NULL, NULL, NULL, GW_R_FORBIDDEN, own_only},
        {GW_HTTP_GET, "/healthz/", OWN, NULL, NULL, NULL, GW_R_NOT_FOUND, no_route},
        {GW_HTTP_GET, "/healthz?x", OWN, NULL, NULL, NULL, GW_R_NOT_FOUND, no_route},
        {GW_HTTP_GET, "/metrics/", PEER, NULL, NULL, NULL, GW_R_NOT_FOUND, no_route},
        {GW_HTTP_GET, "/METRICS", OWN, NULL, NULL, NULL, GW_R_NOT_FOUND, no_route},
        {GW_HTTP_GET, "/V1/inbox", OWN, NULL, NULL, NULL, GW_R_NOT_FOUND, no_route},
        {GW_HTTP_GET, "//v1/inbox", OWN, NULL, NULL, NULL, GW_R_NOT_FOUND, no_route},
        {GW_HTTP_GET, "/v1/inbox/", OWN, NULL, NULL, NULL, GW_R_NOT_FOUND, no_route},
        {GW_HTTP_GET, "/v1/messages/", OWN, NULL, NULL, NULL, GW_R_NOT_FOUND, no_route},
        {GW_HTTP_GET, "/v1/messages/{id}", OWN, NULL, NULL, NULL, GW_R_NOT_FOUND, no_route},
    };

    route_all(t, w, T_COUNT(w));
}

/* The {id} segment: one to GW_HTTP_MAX_ID unreserved bytes (the handler decides whether it is a
 * MessageId); one '/' after it with nothing more is the same resource; an extra segment is no route. */
static void
test_id_patterns(struct t *t)
{
    char id_max[GW_HTTP_MAX_ID + 2];
    char path[256];
    struct gw_call c;
    struct gw_err err;
    const struct gw_route *r = NULL;
    static const struct want w[] = {
        /* empty */
        {GW_HTTP_GET, "/v1/messages//receipt", OWN, NULL, NULL, NULL, GW_R_NOT_FOUND, no_route},
        {GW_HTTP_POST, "/v1/inbox//ack", OWN, NULL, NULL, NULL, GW_R_NOT_FOUND, no_route},
        {GW_HTTP_GET, "/v1/inbox//", OWN, NULL, NULL, NULL, GW_R_NOT_FOUND, no_route},
        /* trailing slash */
        {GW_HTTP_GET, "/v1/messages/" U "/", OWN, gw_api_message_status, U, "", GW_R_OK, NULL},
        {GW_HTTP_GET, "/v1/inbox/" U "/", OWN, gw_api_inbox_get, U, "", GW_R_OK, NULL},
        {GW_HTTP_GET, "/v1/messages/" U "/receipt/", OWN, NULL, NULL, NULL, GW_R_NOT_FOUND, no_route},
        {GW_HTTP_POST, "/v1/inbox/" U "/ack/", OWN, NULL, NULL, NULL, GW_R_NOT_FOUND, no_route},
        {GW_HTTP_GET, "/v1/messages/" U "//", OWN, NULL, NULL, NULL, GW_R_NOT_FOUND, no_route},
        /* extra or unknown segments */
        {GW_HTTP_GET, "/v1/messages/" U "/receipt/x", OWN, NULL, NULL, NULL, GW_R_NOT_FOUND, no_route},
        {GW_HTTP_GET, "/v1/messages/" U "/body", OWN, NULL, NULL, NULL, GW_R_NOT_FOUND, no_route},
        {GW_HTTP_GET, "/v1/messages/" U "/receipts", OWN, NULL, NULL, NULL, GW_R_NOT_FOUND, no_route},
        {GW_HTTP_GET, "/v1/messages/" U "/Receipt", OWN, NULL, NULL, NULL, GW_R_NOT_FOUND, no_route},
        {GW_HTTP_GET, "/v1/inbox/" U "/x", OWN, NULL, NULL, NULL, GW_R_NOT_FOUND, no_route},
        {GW_HTTP_POST, "/v1/inbox/" U "/ack/x", OWN, NULL, NULL, NULL, GW_R_NOT_FOUND, no_route},
        {GW_HTTP_POST, "/v1/inbox/" U "/acknowledge", OWN, NULL, NULL, NULL, GW_R_NOT_FOUND, no_route},
        /* the router takes only RFC 3986 unreserved bytes, never "." or ".." (gw_parse_path_id); whether
         * such an id is a MessageId is the handler's question ("not a message id") */
        {GW_HTTP_GET, "/v1/inbox/..", OWN, NULL, NULL, NULL, GW_R_NOT_FOUND, no_route},
        {GW_HTTP_GET, "/v1/inbox/.", OWN, NULL, NULL, NULL, GW_R_NOT_FOUND, no_route},
        {GW_HTTP_GET, "/v1/inbox/%2F", OWN, NULL, NULL, NULL, GW_R_NOT_FOUND, no_route},
        {GW_HTTP_GET, "/v1/inbox/a b", OWN, NULL, NULL, NULL, GW_R_NOT_FOUND, no_route},
        {GW_HTTP_POST, "/v1/inbox/X/ack", OWN, gw_api_inbox_ack, "X", "ack", GW_R_OK, NULL},
        {GW_HTTP_GET, "/v1/inbox/a.b~c_d-e", OWN, gw_api_inbox_get, "a.b~c_d-e", "", GW_R_OK, NULL},
        /* access before the id: a stranger learns nothing from a malformed one */
        {GW_HTTP_GET, "/v1/inbox/" U "/x", OTHER, NULL, NULL, NULL, GW_R_FORBIDDEN, own_only},
    };

    if (!route_all(t, w, T_COUNT(w))) {
        goto out;
    }
    /* the longest id, and one byte more */
    memset(id_max, 'a', GW_HTTP_MAX_ID);
    id_max[GW_HTTP_MAX_ID] = '\0';
    snprintf(path, sizeof(path), "/v1/messages/%s/receipt", id_max);
    make_call(&c, GW_HTTP_GET, path, OWN);
    EXPECT_OK(gw_http_route(&c, &r, &err), &err);
    EXPECT_STR_EQ(c.id, id_max);
    EXPECT_STR_EQ(c.sub, "receipt");
    id_max[GW_HTTP_MAX_ID] = 'a';
    id_max[GW_HTTP_MAX_ID + 1] = '\0';
    snprintf(path, sizeof(path), "/v1/inbox/%s", id_max);
    make_call(&c, GW_HTTP_GET, path, OWN);
    EXPECT_FAIL(gw_http_route(&c, &r, &err), &err, GW_R_NOT_FOUND);
    EXPECT_STR_EQ(err.msg, no_route);
out:
    return;
}

/* On failure *out, c->id and c->sub are untouched; on success c->sub points into c->path. */
static void
test_outputs(struct t *t)
{
    struct gw_call c;
    struct gw_err err;
    const struct gw_route *r = NULL;
    size_t n = 0;
    const struct gw_route *table = gw_http_routes(&n);
    const char *keep = "keep";

    make_call(&c, GW_HTTP_POST, "/v1/inbox/" U "/ack/x", OWN);
    snprintf(c.id, sizeof(c.id), "%s", "before");
    c.sub = keep;
    r = &table[0];
    EXPECT_FAIL(gw_http_route(&c, &r, &err), &err, GW_R_NOT_FOUND);
    EXPECT_TRUE(r == &table[0]);
    EXPECT_STR_EQ(c.id, "before");
    EXPECT_TRUE(c.sub == keep);
    make_call(&c, GW_HTTP_GET, "/v1/inbox/" U, PEER);
    snprintf(c.id, sizeof(c.id), "%s", "before");
    EXPECT_FAIL(gw_http_route(&c, &r, &err), &err, GW_R_FORBIDDEN);
    EXPECT_STR_EQ(c.id, "before");
    make_call(&c, GW_HTTP_GET, "/v1/messages/" U "/notification", OWN);
    EXPECT_OK(gw_http_route(&c, &r, &err), &err);
    EXPECT_TRUE(c.sub >= c.path && c.sub < c.path + sizeof(c.path));
    /* a route without {id} clears what an earlier match left */
    snprintf(c.id, sizeof(c.id), "%s", "stale");
    snprintf(c.path, sizeof(c.path), "%s", "/v1/inbox");
    EXPECT_OK(gw_http_route(&c, &r, &err), &err);
    EXPECT_STR_EQ(c.id, "");
    EXPECT_STR_EQ(c.sub, "");
out:
    return;
}

/* The table itself: patterns the matcher understands, no entry shadowing another, and a handler-less
 * (405) entry only as the GET of a path served with POST. */
static void
test_table_shape(struct t *t)
{
    size_t n = 0;
    const struct gw_route *table = gw_http_routes(&n);

    for (size_t i = 0; i < n; i++) {
        const char *p = table[i].pattern;
        const char *hole = strstr(p, "{id}");
        bool has_post = false;

        EXPECT_TRUE(table[i].method == GW_HTTP_GET || table[i].method == GW_HTTP_POST);
        EXPECT_TRUE(p[0] == '/');
        if (hole != NULL) {
            EXPECT_TRUE(hole[-1] == '/');
            EXPECT_TRUE(hole[4] == '\0' || (hole[4] == '/' && hole[5] != '\0'));
            EXPECT_TRUE(strstr(hole + 4, "{id}") == NULL);
        }
        for (size_t j = 0; j < n; j++) {
            if (j != i && strcmp(table[j].pattern, p) == 0) {
                EXPECT_TRUE(table[j].method != table[i].method);
                has_post = has_post || (table[j].method == GW_HTTP_POST && table[j].handler != NULL);
            }
        }
        if (table[i].handler == NULL) {
            EXPECT_TRUE(table[i].method == GW_HTTP_GET && has_post);
        }
    }
out:
    return;
}

static void
test_is_xml(struct t *t)
{
    static const char *const xml[] = {
        "application/xml", "text/xml", "application/xml; charset=utf-8",
        /* RFC 9110: type, subtype, parameter names and the charset value are case-insensitive */
        "Application/XML", "TEXT/Xml", "application/xml;charset=UTF-8", "text/xml; CharSet=Utf-8",
        /* OWS around ';', quoted values, quoted-pairs, empty and other parameters */
        "application/xml ; charset=\"utf-8\"", "application/xml;\tcharset=\"utf\\-8\"", "application/xml;",
        "application/xml; ;charset=utf-8", "text/xml; version=1; charset=utf-8", "application/xml; x=\"a;b=c\"",
        "application/xml ", "application/xml; x=\"\""};
    static const char *const other[] = {
        "", "application/json", "text/plain", "xml", "application/x",
        /* prefixes and suffixes of the two media types */
        "application/xmlfoo", "text/xmlanything", "application/xml+zip", "application/soap+xml",
        "application/xml/x", "application/xm", "text/xm", "xapplication/xml", "application", "application/",
        "/xml", " application/xml", "application /xml", "application/ xml", "image/svg+xml",
        /* a charset other than UTF-8, however written */
        "application/xml; charset=iso-8859-1", "text/xml; charset=utf-16", "application/xml; charset=utf8",
        "application/xml; charset=\"utf-16\"", "application/xml; charset=utf-8x",
        "application/xml; charset=utf-8; charset=latin1", "application/xml; charset=utf-8utf-8utf-8utf-8",
        /* malformed parameters */
        "application/xml charset=utf-8", "application/xml; charset",
        "application/xml; charset=", "application/xml; =utf-8", "application/xml; charset=\"utf-8",
        "application/xml; charset = utf-8", "application/xml; charset=utf-8, text/plain",
        "application/xml, text/xml", "application/xml; x=\"a\\\"", "application/xml; x=a\"b",
        "application/xml; x=\"\x01\"", "application/xml;x"};
    struct gw_call c;

    memset(&c, 0, sizeof(c));
    for (size_t i = 0; i < T_COUNT(xml); i++) {
        snprintf(c.content_type, sizeof(c.content_type), "%s", xml[i]);
        if (!gw_call_is_xml(&c)) {
            t_fail(t, __FILE__, __LINE__, "'%s' refused", xml[i]);
            goto out;
        }
    }
    for (size_t i = 0; i < T_COUNT(other); i++) {
        snprintf(c.content_type, sizeof(c.content_type), "%s", other[i]);
        if (gw_call_is_xml(&c)) {
            t_fail(t, __FILE__, __LINE__, "'%s' accepted as XML", other[i]);
            goto out;
        }
    }
out:
    return;
}

static const struct t_case cases[] = {
    {"every_route", test_every_route, NULL},     {"access_rules", test_access_rules, NULL},
    {"wrong_methods", test_wrong_methods, NULL}, {"unknown_paths", test_unknown_paths, NULL},
    {"id_patterns", test_id_patterns, NULL},     {"outputs", test_outputs, NULL},
    {"table_shape", test_table_shape, NULL},     {"is_xml", test_is_xml, NULL},
};

const struct t_module t_module_http = {"http", cases, T_COUNT(cases)};

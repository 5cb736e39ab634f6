/* SPDX-License-Identifier: MIT */
/*
 * The daemon's HTTP side (DESIGN §5): one request as the API handlers see it, the replies they send, the
 * routing and access decision (http.c, no libevent), and the HTTPS server that runs them (server.c).
 */
#ifndef GW_HTTP_H
#define GW_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gw/envelope.h"
#include "gw/err.h"
#include "gw/limits.h"

struct gw_daemon;
struct gw_route;

#define GW_HTTP_GET 1
#define GW_HTTP_POST 2

/* One HTTP request as the API handlers see it. */
struct gw_call {
    struct gw_daemon *d;
    void *req;                 /* struct evhttp_request *, used only by server.c */
    int method;                /* GW_HTTP_GET or GW_HTTP_POST */
    char path[512];            /* raw path */
    char query[512];           /* raw query string, "" if none */
    char content_type[128];    /* Content-Type request header, "" if none */
    const unsigned char *body; /* request body (borrowed) */
    size_t body_len;
    char client_regno[GW_REGNO_LEN + 1]; /* organisation of the client certificate */
    char client_cn[256];
    bool client_is_own;          /* an allowed system of our own organisation */
    bool client_is_peer;         /* a configured peer gateway */
    char id[GW_HTTP_MAX_ID + 1]; /* the {id} segment of the matched route, "" if it has none */
    const char *sub;             /* what follows the {id} segment's '/' ("", "receipt"; points into path) */
    bool replied;                /* gw_reply has sent the response */
};

/*
 * Match c's method and path against the route table and decide whether c's client may use the route
 * (docs/api.md 1-2). Pure: no I/O, no libevent. OUT: *out (a static entry, never freed), and c->id and
 * c->sub for a route with an {id}. On failure *out, c->id and c->sub are untouched, and err holds the
 * answer the client gets, at the HTTP status of its reason: FORBIDDEN (403), NOT_FOUND (404) or
 * HTTP_METHOD (405).
 */
GW_MUST_CHECK enum gw_rc gw_http_route(struct gw_call *c, const struct gw_route **out, struct gw_err *err);

/* Is the request body declared as XML? The media type must be exactly application/xml or text/xml (RFC 9110
 * 8.3.1: type and subtype case-insensitive), optionally with well-formed parameters; a charset parameter
 * must name UTF-8 (any case, quoted or not), the only encoding the parser accepts. Anything else is false:
 * a longer subtype (application/xmlfoo), a suffix (+xml), another charset, malformed parameters. */
bool gw_call_is_xml(const struct gw_call *c);

/* The response: a handler that returns GW_OK has sent exactly one; one that fails sends none (server.c
 * answers its error). Headers added before an error go out with the error's answer. */
void gw_reply(struct gw_call *c, int status, const char *content_type, const void *body, size_t len);
void gw_reply_header(struct gw_call *c, const char *name, const char *value);

/* HTTP server: worker threads on one listening socket. d is borrowed and must outlive the server.
 * OUT: *out (gw_server_stop), *port (the bound port). Reasons: CONFIG, IO, NOMEM, INTERNAL. */
struct gw_server;
GW_MUST_CHECK enum gw_rc gw_server_start(struct gw_daemon *d, struct gw_server **out, uint16_t *port,
                                         struct gw_err *err);
/* Stop accepting, let in-flight requests finish for a short grace period, join the workers, free. NULL-safe. */
void gw_server_stop(struct gw_server *s);

#endif

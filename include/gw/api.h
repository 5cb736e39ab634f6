/* SPDX-License-Identifier: MIT */
/*
 * The API handlers (api_*.c, DESIGN §5) and the entry type of the route table in http.c. A handler either
 * sends its one reply and returns GW_OK, or returns an error without replying; server.c then answers that
 * error in one place ("STATUS CODE: message", docs/api.md 2).
 */
#ifndef GW_API_H
#define GW_API_H

#include <stddef.h>

#include "gw/err.h"
#include "gw/http.h"

/* A handler: c borrowed (c->id and c->sub set by the router), err filled on failure. */
typedef enum gw_rc (*gw_api_fn)(struct gw_call *c, struct gw_err *err);

/* Who may use a route (docs/api.md 1). */
enum gw_access {
    GW_ACCESS_ANYONE, /* any client the handshake admitted whose certificate names an organisation */
    GW_ACCESS_OWN,    /* the organisation's own systems (c->client_is_own) */
    GW_ACCESS_PEER,   /* a configured peer's gateway (c->client_is_peer) */
};

/* One entry of the route table. */
struct gw_route {
    int method;            /* GW_HTTP_GET or GW_HTTP_POST */
    const char *pattern;   /* literal path with at most one "{id}" (one segment): "/v1/inbox/{id}/ack" */
    enum gw_access access; /* checked before the method is refused or the handler runs */
    gw_api_fn handler;     /* NULL: the path is served with POST only, and this method gets 405 "use POST" */
    int error_status;      /* HTTP status of an error the handler returns; 0: its reason's (reasons.h) */
};

/* The route table, in matching order (the first entry whose method and pattern match wins). OUT: *n. */
const struct gw_route *gw_http_routes(size_t *n);

/* Reasons each handler can return besides NOMEM, IO and INTERNAL are in docs/api.md 3. */
GW_MUST_CHECK enum gw_rc gw_api_submit(struct gw_call *c, struct gw_err *err);
/* GET /v1/messages/{id}[/message|receipt|notification]: c->sub names the sub-resource. */
GW_MUST_CHECK enum gw_rc gw_api_message_status(struct gw_call *c, struct gw_err *err);
/* Replies itself, with a signed Rejected receipt, to every verdict about the message; returns only errors
 * of its own (the route answers them 503, and the sending gateway retries). */
GW_MUST_CHECK enum gw_rc gw_api_exchange(struct gw_call *c, struct gw_err *err);
GW_MUST_CHECK enum gw_rc gw_api_inbox_list(struct gw_call *c, struct gw_err *err);
GW_MUST_CHECK enum gw_rc gw_api_inbox_get(struct gw_call *c, struct gw_err *err);
GW_MUST_CHECK enum gw_rc gw_api_inbox_ack(struct gw_call *c, struct gw_err *err);
GW_MUST_CHECK enum gw_rc gw_api_health(struct gw_call *c, struct gw_err *err);
GW_MUST_CHECK enum gw_rc gw_api_metrics(struct gw_call *c, struct gw_err *err);
/* GET /v1/checkpoints/latest and /v1/checkpoints/consistency?from=N&to=M (api_checkpoints.c). */
GW_MUST_CHECK enum gw_rc gw_api_checkpoint_latest(struct gw_call *c, struct gw_err *err);
GW_MUST_CHECK enum gw_rc gw_api_checkpoint_consistency(struct gw_call *c, struct gw_err *err);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * The running daemon's shared state (DESIGN §5, §9): everything loaded once at start and shared read-only
 * by the HTTP worker threads and the deliverer, plus the request context that API handlers receive.
 */
#ifndef GW_DAEMON_H
#define GW_DAEMON_H

#include <openssl/ssl.h>
#include <stddef.h>

#include "gw/config.h"
#include "gw/err.h"
#include "gw/metrics.h"
#include "gw/pki.h"
#include "gw/schema.h"
#include "gw/sign.h"
#include "gw/store.h"

struct gw_deliverer;

struct gw_daemon {
    struct gw_config cfg;
    struct gw_schemas *schemas;
    struct gw_pki *pki;
    struct gw_signer *signer;
    struct gw_store *store;
    struct gw_metrics *metrics;
    struct gw_deliverer *deliverer; /* woken when something is queued */
    SSL_CTX *tls;                   /* server context */
};

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
    bool client_is_own;  /* an allowed system of our own organisation */
    bool client_is_peer; /* a configured peer gateway */
};

#define GW_HTTP_GET 1
#define GW_HTTP_POST 2

/* Is the request body declared as XML (application/xml or text/xml)? */
bool gw_call_is_xml(const struct gw_call *c);

/* Responses; each handler sends exactly one. */
void gw_reply(struct gw_call *c, int status, const char *content_type, const void *body, size_t len);
void gw_reply_header(struct gw_call *c, const char *name, const char *value);
/* Plain-text error: "STATUS CODE: text: detail" with the HTTP status of the reason unless status != 0. */
void gw_reply_error(struct gw_call *c, int status, const struct gw_err *err);

/* API handlers (api_*.c). */
void gw_api_submit(struct gw_call *c);
void gw_api_message_status(struct gw_call *c, const char *id, const char *what);
void gw_api_exchange(struct gw_call *c);
void gw_api_inbox_list(struct gw_call *c);
void gw_api_inbox_get(struct gw_call *c, const char *id);
void gw_api_inbox_ack(struct gw_call *c, const char *id);
void gw_api_health(struct gw_call *c);
void gw_api_metrics(struct gw_call *c);

/* HTTP server: worker threads on one listening socket. */
struct gw_server;
GW_MUST_CHECK enum gw_rc gw_server_start(struct gw_daemon *d, struct gw_server **out, uint16_t *port,
                                         struct gw_err *err);
/* Stop accepting, let in-flight requests finish for a short grace period, join the workers, free. */
void gw_server_stop(struct gw_server *s);

/* The outbox deliverer thread. */
GW_MUST_CHECK enum gw_rc gw_deliverer_start(struct gw_daemon *d, struct gw_deliverer **out, struct gw_err *err);
void gw_deliverer_wake(struct gw_deliverer *dl);
void gw_deliverer_stop(struct gw_deliverer *dl);

/* Milliseconds since the epoch. */
int64_t gw_now_ms(void);

/* DESIGN §5: Created lies within [now - created_window_past, now + created_window_future].
 * Reasons: CREATED_WINDOW. Checked at submission and at exchange. */
GW_MUST_CHECK enum gw_rc gw_check_created(const struct gw_config *cfg, const char *created, struct gw_err *err);

int gw_cmd_serve(int argc, char **argv);
int gw_cmd_receipt(int argc, char **argv);

#endif

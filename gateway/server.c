// SPDX-License-Identifier: MIT
/*
 * The HTTPS server (DESIGN §5) on libevent's evhttp with OpenSSL bufferevents: several worker threads,
 * each with its own event base accepting on a duplicate of one listening socket. TLS with a verified
 * client certificate comes before any HTTP byte is parsed; the client's organisation and certificate decide
 * which routes it may use (http.c). Body and header sizes, timeouts and the connection counts are enforced
 * here (before authentication: a handshake deadline and caps on unfinished handshakes, in all and per client
 * address, so that clients without a trusted certificate cannot hold the slots others need), and every error a
 * request ends with is answered here; the handlers in api_*.c do the work. No HTTP parsing of our own: evhttp
 * parses, http.c routes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/thread.h>
#include <openssl/x509v3.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gw/api.h"
#include "gw/config.h"
#include "gw/daemon.h"
#include "gw/http.h"
#include "gw/limits.h"
#include "gw/log.h"
#include "gw/metrics.h"
#include "gw/tls.h"

/* How long in-flight requests may take to finish at shutdown. Everything acknowledged is already durable,
 * so what is cut off here is only an unsent response, which the client retries. */
#define SHUTDOWN_GRACE_MS 1000

struct worker {
    struct gw_server *server;
    struct event_base *base;
    struct evhttp *http;
    struct evhttp_bound_socket *bound;
    pthread_t thread;
    bool started;
};

/* One accepted connection, from accept until OpenSSL frees its SSL (conn_free). Until its TLS handshake
 * is complete it is "pending": in the server's list, oldest first, and counted against max_handshakes and
 * max_handshakes_per_address. */
struct conn {
    struct gw_server *s;
    SSL *ssl;                 /* borrowed: owns this struct through its ex data */
    struct event *timer;      /* first the address check right after accept, then the handshake deadline */
    unsigned char addr[16];   /* client address (IPv4, or the /64 of an IPv6 one), once addr_known */
    bool addr_known;          /* under s->lock */
    bool pending;             /* in s->pending; under s->lock */
    bool evict;               /* displaced by a newer connection: close at the next timer run; under s->lock */
    bool done;                /* the handshake completed; set and read on the connection's own thread */
    struct conn *prev, *next; /* s->pending; under s->lock */
};

struct gw_server {
    struct gw_daemon *d;
    int listen_fd;
    unsigned n_workers;
    struct worker *workers;
    atomic_uint connections; /* open TLS connections, for max_connections */
    SSL_CTX *refuse_ctx;     /* handshake always fails: used past max_connections */
    pthread_mutex_t lock;    /* the pending list, across the worker threads */
    bool lock_ready;
    struct conn *pending_head, *pending_tail; /* connections still in the handshake, oldest first */
    unsigned n_pending;
    unsigned max_pending; /* max_handshakes, at most max_connections */
};

static int conn_ex_index = -1;
static pthread_once_t conn_ex_once = PTHREAD_ONCE_INIT;

/* Under s->lock. */
static void
pending_unlink(struct gw_server *s, struct conn *cn)
{
    if (!cn->pending) {
        return;
    }
    if (cn->prev != NULL) {
        cn->prev->next = cn->next;
    } else {
        s->pending_head = cn->next;
    }
    if (cn->next != NULL) {
        cn->next->prev = cn->prev;
    } else {
        s->pending_tail = cn->prev;
    }
    cn->prev = cn->next = NULL;
    cn->pending = false;
    s->n_pending--;
}

/* Called by OpenSSL for every SSL freed: gives back the connection slot and its pending place. Runs on
 * the connection's worker thread (or the stopping thread once the workers have ended). */
static void
conn_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    struct conn *cn = ptr;

    (void)parent;
    (void)ad;
    (void)idx;
    (void)argl;
    (void)argp;
    if (cn == NULL) {
        return;
    }
    pthread_mutex_lock(&cn->s->lock);
    pending_unlink(cn->s, cn); /* from here no other thread can reach cn */
    pthread_mutex_unlock(&cn->s->lock);
    if (cn->timer != NULL) {
        event_free(cn->timer);
    }
    atomic_fetch_sub(&cn->s->connections, 1);
    free(cn);
}

static void
conn_ex_init(void)
{
    conn_ex_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, conn_free);
}

/* The client's address as counted per address: IPv4 (mapped or not) whole, IPv6 by its /64, which is
 * what one client usually has. False if the socket has no peer. */
static bool
client_address(int fd, unsigned char key[16])
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    static const unsigned char v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

    memset(key, 0, 16);
    if (fd < 0 || getpeername(fd, (struct sockaddr *)&ss, &sl) != 0) {
        return false;
    }
    if (ss.ss_family == AF_INET) {
        memcpy(key + 12, &((struct sockaddr_in *)&ss)->sin_addr, 4);
        memcpy(key, v4mapped, sizeof(v4mapped));
        return true;
    }
    if (ss.ss_family == AF_INET6) {
        const unsigned char *a = ((struct sockaddr_in6 *)&ss)->sin6_addr.s6_addr;
        memcpy(key, a, memcmp(a, v4mapped, sizeof(v4mapped)) == 0 ? 16 : 8);
        return true;
    }
    return false;
}

/* Under s->lock, for cn just admitted: past max_handshakes the oldest other pending connections are
 * displaced, so that clients that never finish a handshake cannot keep out one that does. Each is closed
 * by its own timer, on its own worker thread. */
static void
evict_oldest(struct gw_server *s, const struct conn *cn)
{
    struct conn *old = s->pending_head;

    while (s->n_pending > s->max_pending && old != NULL) {
        struct conn *next = old->next;
        if (old != cn) {
            pending_unlink(s, old);
            old->evict = true;
            event_active(old->timer, EV_TIMEOUT, 1);
        }
        old = next;
    }
}

/* evhttp writes a response's headers and its body as two TLS records, two send()s. With Nagle's algorithm
 * the second waits until the first is acknowledged, and a client that has nothing to send delays that ACK
 * (40 ms on Linux): every answer on a kept-alive connection took 40 ms longer (docs/performance.md,
 * "Delivery"). Failure only costs that delay, so it is not an error. */
static void
set_nodelay(int fd)
{
    int one = 1;

    if (fd >= 0 && setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0) {
        gw_log(GW_LOG_WARN, "TCP_NODELAY: %s", strerror(errno));
    }
}

/* The connection's timer. Its first run, right after evhttp has given the connection its socket, checks
 * max_handshakes_per_address (one too many is closed and displaces nobody), then max_handshakes, and arms
 * the handshake deadline, which bytes from the client do not extend (unlike libevent's inactivity
 * timeout); a later run is the deadline, or an eviction. Either closes the socket unless the handshake
 * has completed; evhttp then sees the end of the connection and frees it. */
static void
conn_timer(evutil_socket_t unused, short what, void *arg)
{
    struct conn *cn = arg;
    struct gw_server *s = cn->s;
    int fd = SSL_get_fd(cn->ssl);
    bool close_it = true;
    bool arm = false;
    struct timeval deadline = {(time_t)s->d->cfg.handshake_timeout_s, 0};

    (void)unused;
    (void)what;
    if (cn->done) {
        return;
    }
    pthread_mutex_lock(&s->lock);
    if (cn->pending && !cn->addr_known && !cn->evict) {
        unsigned same = 0;
        cn->addr_known = client_address(fd, cn->addr);
        for (const struct conn *o = s->pending_head; o != NULL && cn->addr_known; o = o->next) {
            if (o != cn && o->addr_known && memcmp(o->addr, cn->addr, sizeof(cn->addr)) == 0) {
                same++;
            }
        }
        arm = cn->addr_known && same < s->d->cfg.max_handshakes_per_address;
        close_it = !arm;
        if (arm) {
            evict_oldest(s, cn);
        } else {
            pending_unlink(s, cn);
        }
    }
    pthread_mutex_unlock(&s->lock);
    if (arm) {
        set_nodelay(fd);
    }
    if (arm && event_add(cn->timer, &deadline) != 0) {
        close_it = true;
    }
    if (close_it && fd >= 0) {
        shutdown(fd, SHUT_RDWR);
    }
}

/* OpenSSL's progress callback: at the end of the handshake the connection stops being pending. */
static void
conn_info(const SSL *ssl, int where, int ret)
{
    struct conn *cn = SSL_get_ex_data(ssl, conn_ex_index);

    (void)ret;
    if ((where & SSL_CB_HANDSHAKE_DONE) == 0 || cn == NULL || cn->done) {
        return;
    }
    cn->done = true;
    pthread_mutex_lock(&cn->s->lock);
    pending_unlink(cn->s, cn);
    pthread_mutex_unlock(&cn->s->lock);
    event_del(cn->timer);
}

/* Track ssl's connection from accept: pending, with its timer due at once (conn_timer), which admits it
 * or closes it. False (nothing tracked) if out of memory. */
static bool
conn_open(struct gw_server *s, struct event_base *base, SSL *ssl)
{
    struct conn *cn = calloc(1, sizeof(*cn));
    static const struct timeval now = {0, 0};

    if (cn == NULL) {
        return false;
    }
    cn->s = s;
    cn->ssl = ssl;
    cn->timer = event_new(base, -1, 0, conn_timer, cn);
    if (cn->timer == NULL || event_add(cn->timer, &now) != 0) {
        if (cn->timer != NULL) {
            event_free(cn->timer);
        }
        free(cn);
        return false;
    }
    SSL_set_info_callback(ssl, conn_info);
    SSL_set_ex_data(ssl, conn_ex_index, cn);
    pthread_mutex_lock(&s->lock);
    cn->prev = s->pending_tail;
    if (s->pending_tail != NULL) {
        s->pending_tail->next = cn;
    } else {
        s->pending_head = cn;
    }
    s->pending_tail = cn;
    cn->pending = true;
    s->n_pending++;
    pthread_mutex_unlock(&s->lock);
    return true;
}

/* evhttp asks for a bufferevent per accepted connection. Never return NULL: evhttp would then fall back
 * to a plain-text connection. */
static struct bufferevent *
make_tls_bev(struct event_base *base, void *arg)
{
    struct gw_server *s = arg;
    bool over = atomic_fetch_add(&s->connections, 1) >= s->d->cfg.max_connections;
    SSL *ssl = SSL_new(over ? s->refuse_ctx : s->d->tls);
    struct bufferevent *bev;

    if (ssl == NULL) {
        atomic_fetch_sub(&s->connections, 1);
        ssl = SSL_new(s->refuse_ctx);
        if (ssl == NULL) {
            abort(); /* out of memory at the worst moment; plain text is not an option */
        }
        atomic_fetch_add(&s->connections, 1);
    }
    if (!conn_open(s, base, ssl)) {
        /* out of memory: refuse the handshake, and count nothing, since nothing would give it back */
        atomic_fetch_sub(&s->connections, 1);
        SSL_free(ssl);
        ssl = SSL_new(s->refuse_ctx);
        if (ssl == NULL) {
            abort();
        }
    }
    bev = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                         BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
    if (bev == NULL) {
        abort(); /* as above; libevent has freed ssl (CLOSE_ON_FREE), and with it the slot */
    }
    return bev;
}

void
gw_reply_header(struct gw_call *c, const char *name, const char *value)
{
    evhttp_add_header(evhttp_request_get_output_headers(c->req), name, value);
}

void
gw_reply(struct gw_call *c, int status, const char *content_type, const void *body, size_t len)
{
    struct evbuffer *buf;

    if (c->replied) {
        /* a second reply would reach a request evhttp may already have freed */
        gw_log(GW_LOG_ERROR, "%s: a second reply (%d) was not sent", c->path, status);
        return;
    }
    c->replied = true;
    buf = evbuffer_new();
    gw_metrics_http(c->d->metrics, status);
    if (content_type != NULL) {
        gw_reply_header(c, "Content-Type", content_type);
    }
    gw_reply_header(c, "Cache-Control", "no-store");
    if (buf != NULL && len > 0) {
        evbuffer_add(buf, body, len);
    }
    evhttp_send_reply(c->req, status, NULL, buf);
    if (buf != NULL) {
        evbuffer_free(buf);
    }
}

/* The one place an error becomes an answer: "STATUS CODE: message[ at WHERE]" (docs/api.md 2), with the
 * HTTP status of the reason unless status != 0. */
static void
reply_error(struct gw_call *c, int status, const struct gw_err *err)
{
    char text[1024];
    int code = status != 0 ? status : gw_reason_http_status(err->reason);
    /* A fault of the gateway's own (its store, memory) names a host path in WHERE ("store /var/lib/..."):
     * the client, a peer gateway included, gets the reason; the path is the operator's business. */
    bool own_fault = err->reason == GW_R_IO || err->reason == GW_R_NOMEM || err->reason == GW_R_INTERNAL;
    int n;

    if (code < 400) {
        code = 500;
    }
    n = snprintf(text, sizeof(text), "%d %s: %s%s%s\n", code, gw_reason_code(err->reason), err->msg,
                 err->where[0] != '\0' && !own_fault ? " at " : "", own_fault ? "" : err->where);
    gw_reply(c, code, "text/plain; charset=utf-8", text, n > 0 ? (size_t)n : 0);
}

static bool
is_submitter(const struct gw_config *cfg, const char *cn)
{
    if (cfg->n_submitters == 0) {
        return true;
    }
    for (size_t i = 0; i < cfg->n_submitters; i++) {
        if (strcmp(cfg->submitters[i], cn) == 0) {
            return true;
        }
    }
    return false;
}

/* Bytes of the request line's headers as received: name, ": ", value, CRLF each. */
static size_t
header_bytes(struct evhttp_request *req)
{
    const struct evkeyvalq *headers = evhttp_request_get_input_headers(req);
    const struct evkeyval *h;
    size_t n = 0;

    for (h = headers->tqh_first; h != NULL; h = h->next.tqe_next) {
        n += strlen(h->key) + strlen(h->value) + 4;
    }
    return n;
}

static int
method_of(enum evhttp_cmd_type cmd)
{
    switch (cmd) {
    case EVHTTP_REQ_GET:
        return GW_HTTP_GET;
    case EVHTTP_REQ_POST:
        return GW_HTTP_POST;
    default:
        return 0;
    }
}

/* Fill c from the request: method, target, content type, the client's identity and the body. Reasons:
 * HTTP_METHOD, HTTP_HEADERS_TOO_LARGE, HTTP_BAD_REQUEST, FORBIDDEN, NOMEM. */
static enum gw_rc
read_call(struct evhttp_request *req, struct gw_call *c, struct gw_err *err)
{
    enum gw_rc rc = GW_EINPUT;
    const struct gw_config *cfg = &c->d->cfg;
    struct evhttp_connection *evcon = evhttp_request_get_connection(req);
    struct bufferevent *bev = evcon != NULL ? evhttp_connection_get_bufferevent(evcon) : NULL;
    SSL *ssl = bev != NULL ? bufferevent_openssl_get_ssl(bev) : NULL;
    X509 *peer = ssl != NULL ? SSL_get0_peer_certificate(ssl) : NULL;
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
    const char *query = uri != NULL ? evhttp_uri_get_query(uri) : NULL;
    const char *ctype = evhttp_find_header(evhttp_request_get_input_headers(req), "Content-Type");
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    bool headers_too_large;
    static const char no_org[] = "client certificate names no organisation";
    struct gw_err ignored; /* the answer names no detail of a refused certificate */

    c->method = method_of(evhttp_request_get_command(req));
    GW_CHECK(c->method != 0, GW_EINPUT, GW_R_HTTP_METHOD, "only GET and POST are served");
    headers_too_large = header_bytes(req) > cfg->max_headers;
    if (headers_too_large) {
        gw_reply_header(c, "Connection", "close");
    }
    GW_CHECK(!headers_too_large, GW_ELIMIT, GW_R_HTTP_HEADERS_TOO_LARGE,
             "request headers exceed max_headers (%zu bytes)", cfg->max_headers);
    GW_CHECK(path != NULL && strlen(path) < sizeof(c->path) && (query == NULL || strlen(query) < sizeof(c->query)),
             GW_EINPUT, GW_R_HTTP_BAD_REQUEST, "missing or overlong request target");
    snprintf(c->path, sizeof(c->path), "%s", path);
    snprintf(c->query, sizeof(c->query), "%s", query != NULL ? query : "");
    /* a value cut to fit could end in another media type or charset than the one sent: treat it as none */
    snprintf(c->content_type, sizeof(c->content_type), "%s",
             ctype != NULL && strlen(ctype) < sizeof(c->content_type) ? ctype : "");
    /* the handshake verified the chain; the certificate must also name an organisation */
    gw_err_clear(&ignored);
    GW_CHECK(ssl != NULL && SSL_get_verify_result(ssl) == X509_V_OK, GW_EPOLICY, GW_R_FORBIDDEN, "%s", no_org);
    GW_CHECK(gw_tls_peer_identity(peer, c->client_regno, c->client_cn, sizeof(c->client_cn), &ignored) == GW_OK,
             GW_EPOLICY, GW_R_FORBIDDEN, "%s", no_org);
    c->client_is_own = strcmp(c->client_regno, cfg->organisation) == 0 && is_submitter(cfg, c->client_cn);
    /* a peer is the other organisation's gateway: its certificate also serves TLS (serverAuth); an IT
     * system's client-only certificate of the same organisation cannot deliver messages */
    c->client_is_peer = gw_config_peer(cfg, c->client_regno) != NULL &&
                        ((X509_get_extension_flags(peer) & EXFLAG_XKUSAGE) == 0 ||
                         (X509_get_extended_key_usage(peer) & (XKU_SSL_SERVER | XKU_ANYEKU)) != 0);
    c->body_len = evbuffer_get_length(in);
    if (c->body_len > 0) {
        c->body = evbuffer_pullup(in, -1);
        GW_CHECK(c->body != NULL, GW_ENOMEM, GW_R_NOMEM, "cannot buffer the request body");
    }
    rc = GW_OK;
out:
    return rc;
}

/* One request: read it, route it, run its handler, and answer any error of the three here (api.h). */
static void
handle(struct evhttp_request *req, void *arg)
{
    struct worker *w = arg;
    struct gw_call c = {.d = w->server->d, .req = req, .sub = ""};
    const struct gw_route *route = NULL;
    enum gw_rc rc;
    struct gw_err err;

    gw_err_clear(&err);
    GW_TRY(read_call(req, &c, &err));
    GW_TRY(gw_http_route(&c, &route, &err));
    rc = route->handler(&c, &err);
out:
    /* a handler replies and returns GW_OK, or fails without replying; anything else is its bug, and the
     * client still gets exactly one answer */
    if (rc == GW_OK && !c.replied) {
        rc = gw_err_set(&err, GW_EINTERNAL, GW_R_INTERNAL, GW_SRC, "no reply to %s", c.path);
        gw_log_err(GW_LOG_ERROR, "handler", &err);
    } else if (rc != GW_OK && c.replied) {
        gw_log_err(GW_LOG_ERROR, "handler failed after its reply", &err);
    }
    if (rc != GW_OK && !c.replied) {
        reply_error(&c, route != NULL ? route->error_status : 0, &err);
    }
}

static void *
worker_main(void *arg)
{
    struct worker *w = arg;

    event_base_dispatch(w->base);
    return NULL;
}

static enum gw_rc
open_listener(const struct gw_config *cfg, int *fd_out, uint16_t *port, struct gw_err *err)
{
    enum gw_rc rc = GW_EIO;
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
    struct addrinfo *ai = NULL;
    char portstr[8];
    int fd = -1;
    int one = 1;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);

    snprintf(portstr, sizeof(portstr), "%u", cfg->listen_port);
    GW_CHECK(getaddrinfo(cfg->listen_host, portstr, &hints, &ai) == 0 && ai != NULL, GW_ECONFIG, GW_R_CONFIG,
             "cannot resolve listen address %s", cfg->listen_host);
    fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    GW_CHECK(fd >= 0, GW_EIO, GW_R_IO, "socket: %s", strerror(errno));
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    GW_CHECK(bind(fd, ai->ai_addr, ai->ai_addrlen) == 0, GW_EIO, GW_R_IO, "cannot bind %s:%u: %s",
             cfg->listen_host, cfg->listen_port, strerror(errno));
    GW_CHECK(listen(fd, 512) == 0, GW_EIO, GW_R_IO, "listen: %s", strerror(errno));
    GW_CHECK(getsockname(fd, (struct sockaddr *)&ss, &sl) == 0, GW_EIO, GW_R_IO, "getsockname: %s",
             strerror(errno));
    *port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                           : ((struct sockaddr_in *)&ss)->sin_port);
    *fd_out = fd;
    fd = -1;
    rc = GW_OK;
out:
    if (ai != NULL) {
        freeaddrinfo(ai);
    }
    if (fd >= 0) {
        close(fd);
    }
    return rc;
}

static void
free_workers(struct gw_server *s)
{
    for (unsigned i = 0; i < s->n_workers; i++) {
        struct worker *w = &s->workers[i];
        if (w->http != NULL) {
            evhttp_free(w->http);
        }
        if (w->base != NULL) {
            event_base_free(w->base);
        }
    }
    free(s->workers);
    s->workers = NULL;
}

enum gw_rc
gw_server_start(struct gw_daemon *d, struct gw_server **out, uint16_t *port, struct gw_err *err)
{
    enum gw_rc rc = GW_EIO;
    struct gw_server *s = calloc(1, sizeof(*s));
    int fd = -1; /* a worker's duplicate of the listening socket until its evhttp takes it */
    unsigned timeout =
        d->cfg.request_timeout_s < d->cfg.idle_timeout_s ? d->cfg.request_timeout_s : d->cfg.idle_timeout_s;

    GW_CHECK(s != NULL, GW_ENOMEM, GW_R_NOMEM, "server");
    s->d = d;
    s->listen_fd = -1;
    s->max_pending =
        d->cfg.max_handshakes < d->cfg.max_connections ? d->cfg.max_handshakes : d->cfg.max_connections;
    GW_CHECK(pthread_mutex_init(&s->lock, NULL) == 0, GW_ENOMEM, GW_R_NOMEM, "mutex");
    s->lock_ready = true;
    pthread_once(&conn_ex_once, conn_ex_init);
    GW_CHECK(conn_ex_index >= 0, GW_ENOMEM, GW_R_NOMEM, "SSL ex data index");
    GW_CHECK(evthread_use_pthreads() == 0, GW_EINTERNAL, GW_R_INTERNAL, "libevent threads");
    s->refuse_ctx = SSL_CTX_new(TLS_server_method()); /* no certificate: every handshake fails */
    GW_CHECK(s->refuse_ctx != NULL, GW_ENOMEM, GW_R_NOMEM, "SSL_CTX");
    GW_TRY(open_listener(&d->cfg, &s->listen_fd, port, err));
    s->workers = calloc(d->cfg.workers, sizeof(*s->workers));
    GW_CHECK(s->workers != NULL, GW_ENOMEM, GW_R_NOMEM, "workers");
    s->n_workers = d->cfg.workers;
    for (unsigned i = 0; i < s->n_workers; i++) {
        struct worker *w = &s->workers[i];
        w->server = s;
        w->base = event_base_new();
        GW_CHECK(w->base != NULL, GW_ENOMEM, GW_R_NOMEM, "event base");
        w->http = evhttp_new(w->base);
        GW_CHECK(w->http != NULL, GW_ENOMEM, GW_R_NOMEM, "evhttp");
        evhttp_set_bevcb(w->http, make_tls_bev, s);
        evhttp_set_gencb(w->http, handle, w);
        evhttp_set_max_body_size(w->http, (ev_ssize_t)d->cfg.max_body);
        /* the configured limit is checked in handle(), which can say why; libevent holds the ceiling */
        evhttp_set_max_headers_size(w->http, (ev_ssize_t)GW_MAX_HEADERS_CEILING);
        evhttp_set_timeout(w->http, (int)timeout);
        evhttp_set_allowed_methods(w->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST);
        evhttp_set_default_content_type(w->http, "text/plain; charset=utf-8");
        fd = dup(s->listen_fd);
        GW_CHECK(fd >= 0, GW_EIO, GW_R_IO, "dup: %s", strerror(errno));
        /* each evhttp closes its own copy when it stops accepting; on failure libevent may already have
         * closed it (evconnlistener_free), and a second close could hit another thread's descriptor */
        w->bound = evhttp_accept_socket_with_handle(w->http, fd);
        fd = -1;
        GW_CHECK(w->bound != NULL, GW_EIO, GW_R_IO, "cannot accept on socket");
    }
    for (unsigned i = 0; i < s->n_workers; i++) {
        GW_CHECK(pthread_create(&s->workers[i].thread, NULL, worker_main, &s->workers[i]) == 0, GW_EIO, GW_R_IO,
                 "cannot start worker thread");
        s->workers[i].started = true;
    }
    *out = s;
    s = NULL;
    rc = GW_OK;
out:
    if (fd >= 0) {
        close(fd);
    }
    if (s != NULL) {
        gw_server_stop(s);
    }
    return rc;
}

/* Runs inside a worker thread: stop accepting, let open connections finish their responses for the
 * grace period, then leave the loop (evhttp_free afterwards closes what is left). */
static void
begin_stop(evutil_socket_t fd, short what, void *arg)
{
    struct worker *w = arg;
    struct timeval grace = {SHUTDOWN_GRACE_MS / 1000, (SHUTDOWN_GRACE_MS % 1000) * 1000};

    (void)fd;
    (void)what;
    if (w->bound != NULL) {
        evhttp_del_accept_socket(w->http, w->bound);
        w->bound = NULL;
    }
    event_base_loopexit(w->base, &grace);
}

void
gw_server_stop(struct gw_server *s)
{
    if (s == NULL) {
        return;
    }
    for (unsigned i = 0; i < s->n_workers; i++) {
        struct worker *w = &s->workers[i];
        if (w->started) {
            event_base_once(w->base, -1, EV_TIMEOUT, begin_stop, w, NULL);
        }
    }
    for (unsigned i = 0; i < s->n_workers; i++) {
        if (s->workers[i].started) {
            pthread_join(s->workers[i].thread, NULL);
        }
    }
    free_workers(s);
    if (s->listen_fd >= 0) {
        close(s->listen_fd);
    }
    SSL_CTX_free(s->refuse_ctx);
    if (s->lock_ready) {
        pthread_mutex_destroy(&s->lock); /* evhttp_free has freed every connection */
    }
    free(s);
}

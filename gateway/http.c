// SPDX-License-Identifier: MIT
/*
 * Routing (DESIGN §5, docs/api.md 1-3): the route table, the path matcher and the access decision, as a
 * pure function of the request's method, path and client, so that it is tested without libevent or a
 * network. Which endpoint a request reaches and whether its client may use it is decided here and only
 * here; server.c reads the request and answers it, the handlers in api_*.c do the work.
 */
#include "gw/http.h"

#include <string.h>
#include <strings.h>

#include "gw/api.h"
#include "gw/parse.h"

static const struct gw_route routes[] = {
    {GW_HTTP_GET, "/healthz", GW_ACCESS_ANYONE, gw_api_health, 0},
    /* the handler answers every verdict with a signed receipt; what it returns is our failure, not the
     * sender's, and 503 makes the sending gateway retry */
    {GW_HTTP_POST, "/v1/exchange", GW_ACCESS_PEER, gw_api_exchange, 503},
    {GW_HTTP_GET, "/v1/exchange", GW_ACCESS_ANYONE, NULL, 0},
    {GW_HTTP_GET, "/metrics", GW_ACCESS_OWN, gw_api_metrics, 503},
    {GW_HTTP_POST, "/v1/messages", GW_ACCESS_OWN, gw_api_submit, 0},
    {GW_HTTP_GET, "/v1/messages", GW_ACCESS_OWN, NULL, 0},
    {GW_HTTP_GET, "/v1/messages/{id}", GW_ACCESS_OWN, gw_api_message_status, 0},
    {GW_HTTP_GET, "/v1/messages/{id}/message", GW_ACCESS_OWN, gw_api_message_status, 0},
    {GW_HTTP_GET, "/v1/messages/{id}/receipt", GW_ACCESS_OWN, gw_api_message_status, 0},
    {GW_HTTP_GET, "/v1/messages/{id}/notification", GW_ACCESS_OWN, gw_api_message_status, 0},
    {GW_HTTP_GET, "/v1/inbox", GW_ACCESS_OWN, gw_api_inbox_list, 0},
    {GW_HTTP_GET, "/v1/inbox/{id}", GW_ACCESS_OWN, gw_api_inbox_get, 0},
    {GW_HTTP_POST, "/v1/inbox/{id}/ack", GW_ACCESS_OWN, gw_api_inbox_ack, 0},
    {GW_HTTP_GET, "/v1/checkpoints/latest", GW_ACCESS_PEER, gw_api_checkpoint_latest, 0},
    {GW_HTTP_GET, "/v1/checkpoints/consistency", GW_ACCESS_PEER, gw_api_checkpoint_consistency, 0},
};

const struct gw_route *
gw_http_routes(size_t *n)
{
    *n = sizeof(routes) / sizeof(routes[0]);
    return routes;
}

/* RFC 9110 5.6.2 tchar */
static bool
is_tchar(unsigned char ch)
{
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           (ch != '\0' && strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

static bool
is_ows(char ch)
{
    return ch == ' ' || ch == '\t';
}

/* Skip a token at *s; its length, 0 if there is none. */
static size_t
token_len(const char *s)
{
    size_t n = 0;

    while (is_tchar((unsigned char)s[n])) {
        n++;
    }
    return n;
}

/* A parameter value at *s (RFC 9110 5.6.6: token or quoted-string), unquoted into out (out_len > 0 bytes,
 * NUL-terminated; a longer value is cut, and compares unequal to anything shorter than out_len). Advances
 * *s past it; false if there is no well-formed value. */
static bool
param_value(const char **s, char *out, size_t out_len)
{
    const char *p = *s;
    size_t n = 0;

    if (*p != '"') {
        size_t len = token_len(p);
        if (len == 0) {
            return false;
        }
        n = len < out_len - 1 ? len : out_len - 1;
        memcpy(out, p, n);
        out[n] = '\0';
        *s = p + len;
        return true;
    }
    for (p++; *p != '"'; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch == '\\') {
            p++;
            ch = (unsigned char)*p;
            if (ch != '\t' && (ch < 0x20 || ch == 0x7f)) { /* quoted-pair: HTAB, SP, VCHAR, obs-text */
                return false;
            }
        } else if (ch != '\t' && (ch < 0x20 || ch == 0x7f)) {
            return false;
        }
        if (n < out_len - 1) {
            out[n++] = (char)ch;
        }
    }
    out[n] = '\0';
    *s = p + 1;
    return true;
}

/* Is s, ignoring ASCII case, the type/subtype application/xml or text/xml? n is its length. */
static bool
is_xml_media_type(const char *s, size_t n)
{
    return (n == strlen("application/xml") && strncasecmp(s, "application/xml", n) == 0) ||
           (n == strlen("text/xml") && strncasecmp(s, "text/xml", n) == 0);
}

bool
gw_call_is_xml(const struct gw_call *c)
{
    const char *s = c->content_type;
    size_t type_len = token_len(s);
    size_t sub_len;

    /* RFC 9110 8.3.1: media-type = type "/" subtype parameters; type and subtype are case-insensitive */
    if (type_len == 0 || s[type_len] != '/') {
        return false;
    }
    sub_len = token_len(s + type_len + 1);
    if (sub_len == 0 || !is_xml_media_type(s, type_len + 1 + sub_len)) {
        return false;
    }
    s += type_len + 1 + sub_len;
    /* parameters = *( OWS ";" OWS [ parameter ] ), parameter = name "=" value */
    for (;;) {
        char value[16];
        size_t name_len;
        bool is_charset;

        while (is_ows(*s)) {
            s++;
        }
        if (*s == '\0') {
            return true;
        }
        if (*s != ';') {
            return false;
        }
        s++;
        while (is_ows(*s)) {
            s++;
        }
        name_len = token_len(s);
        if (name_len == 0) {
            continue; /* an empty parameter */
        }
        is_charset = name_len == strlen("charset") && strncasecmp(s, "charset", name_len) == 0;
        s += name_len;
        if (*s != '=') {
            return false;
        }
        s++;
        if (!param_value(&s, value, sizeof(value))) {
            return false;
        }
        /* the body is parsed as UTF-8 only (docs/limits.md); the charset value is case-insensitive */
        if (is_charset && strcasecmp(value, "utf-8") != 0) {
            return false;
        }
    }
}

/* Does path match pattern? Bytes match themselves; "{id}" matches one segment (gw_parse_path_id: 1 to
 * GW_HTTP_MAX_ID unreserved bytes), and the rest of the pattern must then equal what follows that segment's
 * '/'. OUT: id ("" without {id}) and *sub. */
static bool
match(const char *pattern, const char *path, char id[GW_HTTP_MAX_ID + 1], const char **sub)
{
    const char *hole = strstr(pattern, "{id}");
    size_t prefix_len;
    const char *tail;

    id[0] = '\0';
    *sub = "";
    if (hole == NULL) {
        return strcmp(path, pattern) == 0;
    }
    prefix_len = (size_t)(hole - pattern);
    tail = hole + strlen("{id}");
    if (strncmp(path, pattern, prefix_len) != 0 ||
        gw_parse_path_id(path + prefix_len, "", id, GW_HTTP_MAX_ID + 1, sub) != GW_OK) {
        return false;
    }
    return strcmp(*sub, tail[0] == '/' ? tail + 1 : tail) == 0;
}

/* Paths of the organisation's own systems: where no route matches, a client that is not one gets 403 as on
 * the routes themselves, and so learns nothing about which paths and methods exist there. */
static bool
is_own_path(const char *path)
{
    return strcmp(path, "/metrics") == 0 || strncmp(path, "/v1/", 4) == 0;
}

/* Fails closed on an access value not listed. */
static bool
may_use(const struct gw_call *c, enum gw_access access)
{
    switch (access) {
    case GW_ACCESS_ANYONE:
        return true;
    case GW_ACCESS_OWN:
        return c->client_is_own;
    case GW_ACCESS_PEER:
        return c->client_is_peer;
    }
    return false;
}

enum gw_rc
gw_http_route(struct gw_call *c, const struct gw_route **out, struct gw_err *err)
{
    enum gw_rc rc = GW_EPOLICY;
    const struct gw_route *r = NULL;
    char id[GW_HTTP_MAX_ID + 1] = "";
    const char *sub = "";
    enum gw_access access;

    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]) && r == NULL; i++) {
        if (routes[i].method == c->method && match(routes[i].pattern, c->path, id, &sub)) {
            r = &routes[i];
        }
    }
    /* docs/api.md 2: access first, then the path, then the method */
    if (r != NULL) {
        access = r->access;
    } else {
        access = is_own_path(c->path) ? GW_ACCESS_OWN : GW_ACCESS_ANYONE;
    }
    GW_CHECK(may_use(c, access), GW_EPOLICY, GW_R_FORBIDDEN, "%s",
             access == GW_ACCESS_PEER
                 ? "the client certificate is not a configured peer gateway's (organisation or usage)"
                 : "this endpoint is for the organisation's own systems");
    GW_CHECK(r != NULL, GW_EINPUT, GW_R_NOT_FOUND, "no such endpoint or method");
    GW_CHECK(r->handler != NULL, GW_EINPUT, GW_R_HTTP_METHOD, "use POST");
    memcpy(c->id, id, sizeof(c->id));
    c->sub = sub;
    *out = r;
    rc = GW_OK;
out:
    return rc;
}

// SPDX-License-Identifier: MIT
/*
 * The daemon's configuration file (DESIGN §5 "request size, header, time and connection limits are
 * configured", §3 trust anchors and CRLs, §1 who may send what to whom): "key = value" lines parsed once into
 * a read-only struct gw_config. Parsing is strict: an unknown key, a single key given twice, a value out of
 * range or malformed stops start-up with "FILE:LINE" and a reason naming the key, because a typo in a
 * gateway's configuration must never silently become a default. Checks that span lines (required keys, the
 * own organisation used as a peer, rules naming no peer) run after the whole file has been read.
 * It deliberately does not open the files the configuration names (the daemon does, and reports), does not
 * resolve host names, and knows no include files, environment variables or units.
 */
#include "gw/config.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw/buf.h"
#include "gw/limits.h"
#include "gw/parse.h"
#include "gw/time.h"

/* Defined in timeutil.c and declared in daemon.h, which this layer may not include, until it joins
 * parse.c (and parse.h); delete this line then. */
bool gw_parse_datetime(const char *s, int64_t *out);

/* Bytes read before the client certificate maps to a known organisation (STYLE §5: stricter before
 * authentication); clamped to max_body when that is set lower and this key is absent. */

/* A DNS name (RFC 1035 §2.3.4). */
#define MAX_HOSTNAME 253u
#define MAX_LABEL 63u

enum key_kind {
    KIND_REGNO,     /* 11-digit registration number, char[] field */
    KIND_STRING,    /* path or name, char[] field */
    KIND_LISTEN,    /* HOST:PORT into listen_host and listen_port */
    KIND_UINT,      /* unsigned field, min..max */
    KIND_SIZE,      /* size_t field, min..max */
    KIND_CRL,       /* repeatable */
    KIND_SUBMITTER, /* repeatable */
    KIND_PEER,      /* repeatable */
    KIND_ALLOW,     /* repeatable */
};

enum key_id {
    K_ORGANISATION,
    K_KEY,
    K_CERT,
    K_CHAIN,
    K_TRUST,
    K_CRL,
    K_SCHEMAS,
    K_STORE,
    K_LISTEN,
    K_PORT_FILE,
    K_WORKERS,
    K_SUBMITTER,
    K_PEER,
    K_ALLOW,
    K_MAX_BODY,
    K_MAX_HEADERS,
    K_MAX_CONNECTIONS,
    K_REQUEST_TIMEOUT,
    K_IDLE_TIMEOUT,
    K_CREATED_PAST,
    K_CREATED_FUTURE,
    K_RETRY_INITIAL,
    K_RETRY_MAX_INTERVAL,
    K_RETRY_MAX_AGE,
    K_DELIVER_TIMEOUT,
    K__COUNT
};

struct key_def {
    const char *name;
    enum key_kind kind;
    bool required;
    size_t off;   /* offset of the field in struct gw_config (single-valued kinds) */
    size_t size;  /* size of that field, bytes */
    uint64_t min; /* numeric kinds: accepted range and default */
    uint64_t max;
    uint64_t def;
};

#define FIELD(f) offsetof(struct gw_config, f), sizeof(((struct gw_config *)0)->f)

/* docs/config.md restates this table: change both together. */
static const struct key_def keys[K__COUNT] = {
    [K_ORGANISATION] = {"organisation", KIND_REGNO, true, FIELD(organisation), 0, 0, 0},
    [K_KEY] = {"key", KIND_STRING, true, FIELD(key), 0, 0, 0},
    [K_CERT] = {"cert", KIND_STRING, true, FIELD(cert), 0, 0, 0},
    [K_CHAIN] = {"chain", KIND_STRING, false, FIELD(chain), 0, 0, 0},
    [K_TRUST] = {"trust", KIND_STRING, true, FIELD(trust), 0, 0, 0},
    [K_CRL] = {"crl", KIND_CRL, false, 0, 0, 0, 0, 0},
    [K_SCHEMAS] = {"schemas", KIND_STRING, false, FIELD(schemas), 0, 0, 0},
    [K_STORE] = {"store", KIND_STRING, true, FIELD(store), 0, 0, 0},
    [K_LISTEN] = {"listen", KIND_LISTEN, true, 0, 0, 0, 0, 0},
    [K_PORT_FILE] = {"port_file", KIND_STRING, false, FIELD(port_file), 0, 0, 0},
    [K_WORKERS] = {"workers", KIND_UINT, false, FIELD(workers), 1, 64, 4},
    [K_SUBMITTER] = {"submitter", KIND_SUBMITTER, false, 0, 0, 0, 0, 0},
    [K_PEER] = {"peer", KIND_PEER, false, 0, 0, 0, 0, 0},
    [K_ALLOW] = {"allow", KIND_ALLOW, false, 0, 0, 0, 0, 0},
    [K_MAX_BODY] = {"max_body", KIND_SIZE, false, FIELD(max_body), 1024, GW_MAX_DOC_BYTES_CEILING,
                    GW_MAX_DOC_BYTES},
    [K_MAX_HEADERS] = {"max_headers", KIND_SIZE, false, FIELD(max_headers), 1024, 65536, 16384},
    [K_MAX_CONNECTIONS] = {"max_connections", KIND_UINT, false, FIELD(max_connections), 1, 10000, 256},
    [K_REQUEST_TIMEOUT] = {"request_timeout", KIND_UINT, false, FIELD(request_timeout_s), 1, 3600, 30},
    [K_IDLE_TIMEOUT] = {"idle_timeout", KIND_UINT, false, FIELD(idle_timeout_s), 1, 3600, 60},
    [K_CREATED_PAST] = {"created_window_past", KIND_UINT, false, FIELD(created_past_s), 60, 31536000, 604800},
    [K_CREATED_FUTURE] = {"created_window_future", KIND_UINT, false, FIELD(created_future_s), 0, 3600, 300},
    [K_RETRY_INITIAL] = {"retry_initial", KIND_UINT, false, FIELD(retry_initial_ms), 10, 60000, 500},
    [K_RETRY_MAX_INTERVAL] = {"retry_max_interval", KIND_UINT, false, FIELD(retry_max_interval_s), 1, 86400, 300},
    [K_RETRY_MAX_AGE] = {"retry_max_age", KIND_UINT, false, FIELD(retry_max_age_s), 1, 2592000, 86400},
    [K_DELIVER_TIMEOUT] = {"deliver_timeout", KIND_UINT, false, FIELD(deliver_timeout_s), 1, 600, 30},
};

/* The configuration being built, and the line each value came from for the checks that span lines. */
struct cfg_parse {
    struct gw_config c;
    unsigned line;               /* line being judged; 0 = the file as a whole */
    unsigned key_line[K__COUNT]; /* first line naming each key, 0 = absent */
    unsigned crl_line[GW_MAX_CRLS];
    unsigned submitter_line[GW_MAX_SUBMITTERS];
    unsigned peer_line[GW_MAX_PEERS];
    unsigned rule_line[GW_MAX_RULES];
};

static bool
is_blank(char ch)
{
    return ch == ' ' || ch == '\t';
}

/* Trim blanks at both ends of s in place; returns the first non-blank character. */
static char *
trim(char *s)
{
    size_t n;

    while (is_blank(*s)) {
        s++;
    }
    n = strlen(s);
    while (n > 0 && is_blank(s[n - 1])) {
        n--;
    }
    s[n] = '\0';
    return s;
}

/* Cut s at its first run of blanks: returns the rest (blanks skipped), or NULL if s has no blank. */
static char *
cut_word(char *s)
{
    char *rest = s;

    while (*rest != '\0' && !is_blank(*rest)) {
        rest++;
    }
    if (*rest == '\0') {
        return NULL;
    }
    *rest++ = '\0';
    while (is_blank(*rest)) {
        rest++;
    }
    return rest;
}

/* A line holds UTF-8 text with no control character other than tab (a NUL, a lone CR or an escape sequence
 * in a path is never intended, and would make the error messages lie). */
static enum gw_rc
check_text(const unsigned char *s, size_t n, struct gw_err *err)
{
    enum gw_rc rc = GW_ECONFIG;
    size_t i = 0;

    while (i < n) {
        unsigned char ch = s[i];
        size_t more;
        uint32_t cp;
        uint32_t least;

        if (ch < 0x80) {
            GW_CHECK((ch >= 0x20 || ch == '\t') && ch != 0x7f, GW_ECONFIG, GW_R_CONFIG,
                     "control character 0x%02x at byte %zu of the line", ch, i + 1);
            i++;
            continue;
        }
        if (ch >= 0xc2 && ch <= 0xdf) {
            more = 1;
            cp = ch & 0x1fu;
            least = 0x80;
        } else if (ch >= 0xe0 && ch <= 0xef) {
            more = 2;
            cp = ch & 0x0fu;
            least = 0x800;
        } else if (ch >= 0xf0 && ch <= 0xf4) {
            more = 3;
            cp = ch & 0x07u;
            least = 0x10000;
        } else {
            more = n; /* not a lead byte: fails the check below */
            cp = 0;
            least = 0;
        }
        GW_CHECK(more < n - i, GW_ECONFIG, GW_R_CONFIG, "not valid UTF-8 at byte %zu of the line", i + 1);
        for (size_t j = 1; j <= more; j++) {
            GW_CHECK((s[i + j] & 0xc0) == 0x80, GW_ECONFIG, GW_R_CONFIG, "not valid UTF-8 at byte %zu of the line",
                     i + 1);
            cp = (cp << 6) | (s[i + j] & 0x3fu);
        }
        GW_CHECK(cp >= least && cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff), GW_ECONFIG, GW_R_CONFIG,
                 "not valid UTF-8 at byte %zu of the line", i + 1);
        i += more + 1;
    }
    rc = GW_OK;
out:
    return rc;
}

static enum gw_rc
copy_value(const char *key, const char *value, char *dst, size_t size, struct gw_err *err)
{
    enum gw_rc rc = GW_ECONFIG;
    size_t n = strlen(value);

    GW_CHECK(n < size, GW_ECONFIG, GW_R_CONFIG, "%s: value is longer than %zu bytes", key, size - 1);
    memcpy(dst, value, n + 1);
    rc = GW_OK;
out:
    return rc;
}

static enum gw_rc
parse_regno(const char *key, const char *value, char *dst, struct gw_err *err)
{
    enum gw_rc rc = GW_ECONFIG;

    GW_CHECK(gw_ids_is_regno(value), GW_ECONFIG, GW_R_CONFIG,
             "%s: '%.64s' is not a registration number (11 digits)", key, value);
    memcpy(dst, value, GW_REGNO_LEN + 1);
    rc = GW_OK;
out:
    return rc;
}

static enum gw_rc
parse_number(const char *key, const char *value, uint64_t min, uint64_t max, uint64_t *out, struct gw_err *err)
{
    enum gw_rc rc = GW_ECONFIG;
    enum gw_rc prc = gw_parse_u64(value, min, max, out);

    GW_CHECK(prc != GW_EINPUT, GW_ECONFIG, GW_R_CONFIG, "%s: '%.64s' is not a number (decimal digits only)", key,
             value);
    GW_CHECK(prc == GW_OK, GW_ECONFIG, GW_R_CONFIG, "%s: %.64s is out of range %" PRIu64 "..%" PRIu64, key, value,
             min, max);
    rc = GW_OK;
out:
    return rc;
}

/* A DNS name: dot-separated labels of letters, digits, '-' and '_' (container names), no label starting
 * or ending with '-'. All-numeric names are left to the IPv4 check by the caller. */
static bool
is_hostname(const char *s)
{
    size_t n = strlen(s);
    size_t label = 0;

    if (n == 0 || n > MAX_HOSTNAME) {
        return false;
    }
    for (size_t i = 0; i <= n; i++) {
        char ch = s[i];
        if (ch == '.' || ch == '\0') {
            if (label == 0 || label > MAX_LABEL || s[i - 1] == '-') {
                return false;
            }
            label = 0;
            continue;
        }
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
              ch == '_')) {
            return false;
        }
        if (label == 0 && ch == '-') {
            return false;
        }
        label++;
    }
    return true;
}

static bool
is_digits_and_dots(const char *s)
{
    for (; *s != '\0'; s++) {
        if (*s != '.' && (*s < '0' || *s > '9')) {
            return false;
        }
    }
    return true;
}

/*
 * Parse "HOST[:PORT]" where HOST is a DNS name, an IPv4 address or a bracketed IPv6 address. OUT: host
 * (brackets removed) and *port; *has_port says whether a port was written. s is modified.
 */
static enum gw_rc
parse_host_port(const char *key, char *s, uint64_t min_port, char *host, size_t host_size, uint16_t *port,
                bool *has_port, struct gw_err *err)
{
    enum gw_rc rc = GW_ECONFIG;
    unsigned char addr[16];
    char *h = s;
    char *port_str = NULL;
    uint64_t v = 0;

    if (s[0] == '[') {
        char *close = strchr(s, ']');
        GW_CHECK(close != NULL, GW_ECONFIG, GW_R_CONFIG, "%s: '[' without ']' in '%.64s'", key, s);
        GW_CHECK(close[1] == '\0' || close[1] == ':', GW_ECONFIG, GW_R_CONFIG, "%s: expected ':PORT' after ']'",
                 key);
        if (close[1] == ':') {
            port_str = close + 2;
        }
        *close = '\0';
        h = s + 1;
        GW_CHECK(inet_pton(AF_INET6, h, addr) == 1, GW_ECONFIG, GW_R_CONFIG, "%s: '%.64s' is not an IPv6 address",
                 key, h);
    } else {
        char *colon = strchr(s, ':');
        GW_CHECK(colon == NULL || strchr(colon + 1, ':') == NULL, GW_ECONFIG, GW_R_CONFIG,
                 "%s: an IPv6 address must be written in brackets, e.g. [::1]:8443", key);
        if (colon != NULL) {
            *colon = '\0';
            port_str = colon + 1;
        }
        GW_CHECK(h[0] != '\0', GW_ECONFIG, GW_R_CONFIG,
                 "%s: the host is empty (write 0.0.0.0 or [::] for every address)", key);
        /* "10.1" is an IPv4 address to inet_aton and getaddrinfo: never let it pass as a name */
        if (is_digits_and_dots(h)) {
            GW_CHECK(inet_pton(AF_INET, h, addr) == 1, GW_ECONFIG, GW_R_CONFIG,
                     "%s: '%.64s' is not an IPv4 address", key, h);
        } else {
            GW_CHECK(is_hostname(h), GW_ECONFIG, GW_R_CONFIG, "%s: '%.64s' is not a host name", key, h);
        }
    }
    GW_CHECK(strlen(h) < host_size, GW_ECONFIG, GW_R_CONFIG, "%s: the host is longer than %zu bytes", key,
             host_size - 1);
    if (port_str != NULL) {
        GW_CHECK(port_str[0] != '\0', GW_ECONFIG, GW_R_CONFIG, "%s: the port after ':' is empty", key);
        GW_TRY(parse_number(key, port_str, min_port, 65535, &v, err));
    }
    memcpy(host, h, strlen(h) + 1);
    *port = (uint16_t)v;
    *has_port = port_str != NULL;
    rc = GW_OK;
out:
    return rc;
}

static enum gw_rc
parse_listen(struct cfg_parse *p, char *value, struct gw_err *err)
{
    enum gw_rc rc = GW_ECONFIG;
    char host[sizeof(p->c.listen_host)];
    uint16_t port = 0;
    bool has_port = false;

    GW_TRY(parse_host_port("listen", value, 0, host, sizeof(host), &port, &has_port, err));
    GW_CHECK(has_port, GW_ECONFIG, GW_R_CONFIG, "listen: expected HOST:PORT (port 0 = any free port)");
    memcpy(p->c.listen_host, host, sizeof(host));
    p->c.listen_port = port;
    rc = GW_OK;
out:
    return rc;
}

/* peer = REGNO https://HOST[:PORT] */
static enum gw_rc
parse_peer(struct cfg_parse *p, char *value, struct gw_err *err)
{
    enum gw_rc rc = GW_ECONFIG;
    struct gw_peer *peer = &p->c.peers[p->c.n_peers];
    char *url = cut_word(value);
    char authority[sizeof(peer->url)];
    char host[256];
    uint16_t port = 0;
    bool has_port = false;
    size_t n;

    GW_CHECK(url != NULL && cut_word(url) == NULL, GW_ECONFIG, GW_R_CONFIG, "peer: expected 'REGNO URL'");
    GW_CHECK(p->c.n_peers < GW_MAX_PEERS, GW_ECONFIG, GW_R_CONFIG, "peer: more than %d peers", GW_MAX_PEERS);
    GW_CHECK(gw_ids_is_regno(value), GW_ECONFIG, GW_R_CONFIG,
             "peer: '%.64s' is not a registration number (11 digits)", value);
    for (size_t i = 0; i < p->c.n_peers; i++) {
        GW_CHECK(strcmp(p->c.peers[i].regno, value) != 0, GW_ECONFIG, GW_R_CONFIG,
                 "peer: %s is given twice (first at line %u)", value, p->peer_line[i]);
    }
    n = strlen(url);
    GW_CHECK(strncmp(url, "https://", 8) == 0, GW_ECONFIG, GW_R_CONFIG,
             "peer: URL '%.64s' must start with https://", url);
    GW_CHECK(n > 8, GW_ECONFIG, GW_R_CONFIG, "peer: URL '%.64s' has no host", url);
    GW_CHECK(n < sizeof(peer->url), GW_ECONFIG, GW_R_CONFIG, "peer: URL is longer than %zu bytes",
             sizeof(peer->url) - 1);
    GW_CHECK(url[n - 1] != '/', GW_ECONFIG, GW_R_CONFIG, "peer: URL '%.64s' must not end with '/'", url);
    /* deliver.c appends the API path: the base URL is only scheme, host and port (config.h) */
    GW_CHECK(strpbrk(url + 8, "/?#@") == NULL, GW_ECONFIG, GW_R_CONFIG,
             "peer: URL '%.64s' must be https://HOST[:PORT], with no path, query or user", url);
    memcpy(authority, url + 8, n - 8 + 1);
    GW_TRY(parse_host_port("peer", authority, 1, host, sizeof(host), &port, &has_port, err));
    memcpy(peer->regno, value, GW_REGNO_LEN + 1);
    memcpy(peer->url, url, n + 1);
    p->peer_line[p->c.n_peers] = p->line;
    p->c.n_peers++;
    rc = GW_OK;
out:
    return rc;
}

/* allow = SENDER RECIPIENT TYPE[,TYPE...] (blanks after the commas are allowed) */
static enum gw_rc
parse_allow(struct cfg_parse *p, char *value, struct gw_err *err)
{
    enum gw_rc rc = GW_ECONFIG;
    struct gw_rule *rule = &p->c.rules[p->c.n_rules];
    char *recipient = cut_word(value);
    char *list = recipient != NULL ? cut_word(recipient) : NULL;
    unsigned types = 0;

    GW_CHECK(list != NULL, GW_ECONFIG, GW_R_CONFIG, "allow: expected 'SENDER RECIPIENT TYPE[,TYPE...]'");
    GW_CHECK(p->c.n_rules < GW_MAX_RULES, GW_ECONFIG, GW_R_CONFIG, "allow: more than %d rules", GW_MAX_RULES);
    GW_CHECK(gw_ids_is_regno(value), GW_ECONFIG, GW_R_CONFIG,
             "allow: sender '%.64s' is not a registration number (11 digits)", value);
    GW_CHECK(gw_ids_is_regno(recipient), GW_ECONFIG, GW_R_CONFIG,
             "allow: recipient '%.64s' is not a registration number (11 digits)", recipient);
    GW_CHECK(strcmp(value, recipient) != 0, GW_ECONFIG, GW_R_CONFIG, "allow: sender and recipient are both %s",
             value);
    for (size_t i = 0; i < p->c.n_rules; i++) {
        GW_CHECK(strcmp(p->c.rules[i].sender, value) != 0 || strcmp(p->c.rules[i].recipient, recipient) != 0,
                 GW_ECONFIG, GW_R_CONFIG, "allow: a rule for %s to %s is given twice (first at line %u)", value,
                 recipient, p->rule_line[i]);
    }
    for (;;) {
        char *comma = strchr(list, ',');
        char *name;
        enum gw_msg_type t;

        if (comma != NULL) {
            *comma = '\0';
        }
        name = trim(list);
        GW_CHECK(name[0] != '\0', GW_ECONFIG, GW_R_CONFIG, "allow: empty message type in the list");
        GW_CHECK(gw_msg_type_from_name(name, &t), GW_ECONFIG, GW_R_CONFIG,
                 "allow: unknown message type '%.64s' (known: Letter, Decision, Confirmation, DataReport, "
                 "Receipt)",
                 name);
        GW_CHECK((types & (1u << t)) == 0, GW_ECONFIG, GW_R_CONFIG, "allow: %s is listed twice", name);
        types |= 1u << t;
        if (comma == NULL) {
            break;
        }
        list = comma + 1;
    }
    memcpy(rule->sender, value, GW_REGNO_LEN + 1);
    memcpy(rule->recipient, recipient, GW_REGNO_LEN + 1);
    rule->types = types;
    p->rule_line[p->c.n_rules] = p->line;
    p->c.n_rules++;
    rc = GW_OK;
out:
    return rc;
}

static enum gw_rc
parse_crl(struct cfg_parse *p, const char *value, struct gw_err *err)
{
    enum gw_rc rc = GW_ECONFIG;

    GW_CHECK(p->c.n_crls < GW_MAX_CRLS, GW_ECONFIG, GW_R_CONFIG, "crl: more than %d CRLs", GW_MAX_CRLS);
    for (size_t i = 0; i < p->c.n_crls; i++) {
        GW_CHECK(strcmp(p->c.crls[i], value) != 0, GW_ECONFIG, GW_R_CONFIG,
                 "crl: '%.64s' is given twice (first at line %u)", value, p->crl_line[i]);
    }
    GW_TRY(copy_value("crl", value, p->c.crls[p->c.n_crls], sizeof(p->c.crls[0]), err));
    p->crl_line[p->c.n_crls] = p->line;
    p->c.n_crls++;
    rc = GW_OK;
out:
    return rc;
}

static enum gw_rc
parse_submitter(struct cfg_parse *p, const char *value, struct gw_err *err)
{
    enum gw_rc rc = GW_ECONFIG;

    GW_CHECK(p->c.n_submitters < GW_MAX_SUBMITTERS, GW_ECONFIG, GW_R_CONFIG, "submitter: more than %d submitters",
             GW_MAX_SUBMITTERS);
    for (size_t i = 0; i < p->c.n_submitters; i++) {
        GW_CHECK(strcmp(p->c.submitters[i], value) != 0, GW_ECONFIG, GW_R_CONFIG,
                 "submitter: '%.64s' is given twice (first at line %u)", value, p->submitter_line[i]);
    }
    GW_TRY(copy_value("submitter", value, p->c.submitters[p->c.n_submitters], sizeof(p->c.submitters[0]), err));
    p->submitter_line[p->c.n_submitters] = p->line;
    p->c.n_submitters++;
    rc = GW_OK;
out:
    return rc;
}

static enum gw_rc
parse_value(struct cfg_parse *p, enum key_id id, char *value, struct gw_err *err)
{
    const struct key_def *d = &keys[id];
    char *field = (char *)&p->c + d->off;
    enum gw_rc rc = GW_ECONFIG;
    uint64_t v = 0;

    switch (d->kind) {
    case KIND_REGNO:
        GW_TRY(parse_regno(d->name, value, field, err));
        break;
    case KIND_STRING:
        GW_TRY(copy_value(d->name, value, field, d->size, err));
        break;
    case KIND_LISTEN:
        GW_TRY(parse_listen(p, value, err));
        break;
    case KIND_UINT: {
        unsigned u;
        GW_TRY(parse_number(d->name, value, d->min, d->max, &v, err));
        u = (unsigned)v; /* every range in the table fits */
        memcpy(field, &u, sizeof(u));
        break;
    }
    case KIND_SIZE: {
        size_t z;
        GW_TRY(parse_number(d->name, value, d->min, d->max, &v, err));
        z = (size_t)v;
        memcpy(field, &z, sizeof(z));
        break;
    }
    case KIND_CRL:
        GW_TRY(parse_crl(p, value, err));
        break;
    case KIND_SUBMITTER:
        GW_TRY(parse_submitter(p, value, err));
        break;
    case KIND_PEER:
        GW_TRY(parse_peer(p, value, err));
        break;
    case KIND_ALLOW:
        GW_TRY(parse_allow(p, value, err));
        break;
    }
    rc = GW_OK;
out:
    return rc;
}

static bool
is_repeatable(enum key_kind kind)
{
    return kind == KIND_CRL || kind == KIND_SUBMITTER || kind == KIND_PEER || kind == KIND_ALLOW;
}

/* One line, without its line ending. */
static enum gw_rc
parse_line(struct cfg_parse *p, const unsigned char *s, size_t n, struct gw_err *err)
{
    enum gw_rc rc = GW_ECONFIG;
    char text[GW_MAX_CONFIG_LINE + 1];
    char *line;
    char *eq;
    char *key;
    char *value;
    size_t id;

    if (n > 0 && s[n - 1] == '\r') {
        n--; /* CRLF line ending */
    }
    GW_CHECK(n <= GW_MAX_CONFIG_LINE, GW_ECONFIG, GW_R_CONFIG, "line is longer than %u bytes", GW_MAX_CONFIG_LINE);
    GW_TRY(check_text(s, n, err));
    memcpy(text, s, n);
    text[n] = '\0';
    line = trim(text);
    if (line[0] == '\0' || line[0] == '#') {
        rc = GW_OK;
        goto out;
    }
    eq = strchr(line, '=');
    GW_CHECK(eq != NULL && eq != line, GW_ECONFIG, GW_R_CONFIG, "expected 'key = value'");
    *eq = '\0';
    key = trim(line);
    value = trim(eq + 1);
    for (id = 0; id < K__COUNT; id++) {
        if (strcmp(keys[id].name, key) == 0) {
            break;
        }
    }
    GW_CHECK(id < K__COUNT, GW_ECONFIG, GW_R_CONFIG, "%.64s: unknown key", key);
    GW_CHECK(value[0] != '\0', GW_ECONFIG, GW_R_CONFIG, "%s: the value is empty", key);
    GW_CHECK(p->key_line[id] == 0 || is_repeatable(keys[id].kind), GW_ECONFIG, GW_R_CONFIG,
             "%s: given twice (first at line %u)", key, p->key_line[id]);
    GW_TRY(parse_value(p, (enum key_id)id, value, err));
    if (p->key_line[id] == 0) {
        p->key_line[id] = p->line;
    }
    rc = GW_OK;
out:
    return rc;
}

/* Split the file into lines; a cursor that moves past a line only once the line is accepted. */
static enum gw_rc
parse_text(struct cfg_parse *p, const unsigned char *data, size_t len, struct gw_err *err)
{
    enum gw_rc rc = GW_ECONFIG;
    size_t pos = 0;

    if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
        pos = 3; /* a UTF-8 byte order mark, as some Windows editors write */
    }
    while (pos < len) {
        const unsigned char *nl = memchr(data + pos, '\n', len - pos);
        size_t n = nl != NULL ? (size_t)(nl - (data + pos)) : len - pos;

        p->line++;
        GW_TRY(parse_line(p, data + pos, n, err));
        pos += n + (nl != NULL ? 1 : 0);
    }
    rc = GW_OK;
out:
    return rc;
}

/* Checks that span lines, once the whole file is read. Sets p->line to the line it blames. */
static enum gw_rc
check_whole(struct cfg_parse *p, struct gw_err *err)
{
    enum gw_rc rc = GW_ECONFIG;
    struct gw_config *c = &p->c;

    p->line = 0;
    for (size_t id = 0; id < K__COUNT; id++) {
        GW_CHECK(!keys[id].required || p->key_line[id] != 0, GW_ECONFIG, GW_R_CONFIG,
                 "%s: required key is missing", keys[id].name);
    }
    for (size_t i = 0; i < c->n_peers; i++) {
        p->line = p->peer_line[i];
        GW_CHECK(strcmp(c->peers[i].regno, c->organisation) != 0, GW_ECONFIG, GW_R_CONFIG,
                 "peer: %s is this gateway's own organisation", c->organisation);
    }
    /* A rule that does not join the own organisation to a peer can never apply on this gateway: it is a
     * mistyped registration number, not an intent. */
    for (size_t i = 0; i < c->n_rules; i++) {
        const struct gw_rule *r = &c->rules[i];
        bool out_bound = strcmp(r->sender, c->organisation) == 0;
        bool in_bound = strcmp(r->recipient, c->organisation) == 0;
        const char *other = out_bound ? r->recipient : r->sender;

        p->line = p->rule_line[i];
        GW_CHECK(out_bound || in_bound, GW_ECONFIG, GW_R_CONFIG,
                 "allow: neither %s nor %s is this gateway's organisation %s", r->sender, r->recipient,
                 c->organisation);
        GW_CHECK(gw_config_peer(c, other) != NULL, GW_ECONFIG, GW_R_CONFIG, "allow: %s is not a configured peer",
                 other);
    }
    p->line = p->key_line[K_RETRY_INITIAL] != 0 ? p->key_line[K_RETRY_INITIAL] : p->key_line[K_RETRY_MAX_INTERVAL];
    GW_CHECK((uint64_t)c->retry_initial_ms <= (uint64_t)c->retry_max_interval_s * 1000u, GW_ECONFIG, GW_R_CONFIG,
             "retry_initial: %u ms is longer than retry_max_interval (%u s)", c->retry_initial_ms,
             c->retry_max_interval_s);
    p->line = 0;
    rc = GW_OK;
out:
    return rc;
}

static void
set_defaults(struct gw_config *c)
{
    for (size_t id = 0; id < K__COUNT; id++) {
        const struct key_def *d = &keys[id];
        char *field = (char *)c + d->off;

        if (d->kind == KIND_UINT) {
            unsigned u = (unsigned)d->def;
            memcpy(field, &u, sizeof(u));
        } else if (d->kind == KIND_SIZE) {
            size_t z = (size_t)d->def;
            memcpy(field, &z, sizeof(z));
        }
    }
}

enum gw_rc
gw_config_load(const char *path, struct gw_config *out, struct gw_err *err)
{
    enum gw_rc rc = GW_ECONFIG;
    const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
    struct cfg_parse *p = NULL; /* about 45 KB: on the heap */
    struct gw_buf b;
    struct gw_err rerr;

    gw_buf_init(&b, GW_MAX_CONFIG_BYTES);
    gw_err_clear(&rerr);
    p = calloc(1, sizeof(*p));
    GW_CHECK(p != NULL, GW_ENOMEM, GW_R_NOMEM, "cannot allocate the configuration");
    GW_CHECK(strlen(path) < sizeof(p->c.path), GW_ECONFIG, GW_R_CONFIG, "the path is longer than %zu bytes",
             sizeof(p->c.path) - 1);
    memcpy(p->c.path, path, strlen(path) + 1);
    rc = gw_buf_read_file(&b, path, &rerr);
    /* a file past the cap is a configuration mistake, not a refused input */
    GW_CHECK(rc != GW_ELIMIT, GW_ECONFIG, GW_R_CONFIG, "the file is larger than %u bytes", GW_MAX_CONFIG_BYTES);
    if (rc != GW_OK) {
        rc = gw_err_set(err, rerr.rc, rerr.reason, rerr.src, "%s", rerr.msg);
        gw_err_where(err, "%s", rerr.where);
        goto out;
    }
    set_defaults(&p->c);
    GW_TRY(parse_text(p, b.data, b.len, err));
    GW_TRY(check_whole(p, err));
    memcpy(out, &p->c, sizeof(*out));
    rc = GW_OK;
out:
    if (rc != GW_OK) {
        if (p != NULL && p->line > 0) {
            gw_err_where(err, "%s:%u", name, p->line);
        } else {
            gw_err_where(err, "%s", name);
        }
    }
    gw_buf_cleanup(&b);
    free(p);
    return rc;
}

const struct gw_peer *
gw_config_peer(const struct gw_config *c, const char *regno)
{
    for (size_t i = 0; i < c->n_peers; i++) {
        if (strcmp(c->peers[i].regno, regno) == 0) {
            return &c->peers[i];
        }
    }
    return NULL;
}

bool
gw_config_allows(const struct gw_config *c, const char *sender, const char *recipient, enum gw_msg_type t)
{
    if ((unsigned)t >= GW_MSG_TYPE_COUNT) {
        return false;
    }
    if (t == GW_MSG_RECEIPT) {
        /* a receipt answers a delivery, in whichever direction the delivery went */
        return (strcmp(sender, c->organisation) == 0 && gw_config_peer(c, recipient) != NULL) ||
               (strcmp(recipient, c->organisation) == 0 && gw_config_peer(c, sender) != NULL);
    }
    for (size_t i = 0; i < c->n_rules; i++) {
        const struct gw_rule *r = &c->rules[i];
        if (strcmp(r->sender, sender) == 0 && strcmp(r->recipient, recipient) == 0) {
            return (r->types & (1u << t)) != 0;
        }
    }
    return false;
}

enum gw_rc
gw_config_check_created(const struct gw_config *cfg, const char *created, struct gw_err *err)
{
    enum gw_rc rc = GW_EPOLICY;
    int64_t t = 0;
    int64_t now = gw_time_now_ms() / 1000;

    GW_CHECK(gw_parse_datetime(created, &t), GW_EINPUT, GW_R_CREATED_WINDOW, "Created '%s' is not a dateTime",
             created);
    GW_CHECK(t >= now - (int64_t)cfg->created_past_s, GW_EPOLICY, GW_R_CREATED_WINDOW,
             "Created %s is older than %u s", created, cfg->created_past_s);
    GW_CHECK(t <= now + (int64_t)cfg->created_future_s, GW_EPOLICY, GW_R_CREATED_WINDOW,
             "Created %s is more than %u s in the future", created, cfg->created_future_s);
    rc = GW_OK;
out:
    return rc;
}

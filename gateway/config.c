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

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw/buf.h"
#include "gw/limits.h"
#include "gw/parse.h"
#include "gw/time.h"

enum key_kind {
    KIND_REGNO,     /* 11-digit registration number, char[] field */
    KIND_STRING,    /* path or name, char[] field */
    KIND_LISTEN,    /* HOST:PORT into listen_host and listen_port */
    KIND_UINT,      /* unsigned field, min..max */
    KIND_SIZE,      /* size_t field, min..max */
    KIND_BOOL,      /* "yes" or "no", bool field (default no) */
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
    K_ALLOW_ROOT,
    K_WORKERS,
    K_SUBMITTER,
    K_PEER,
    K_ALLOW,
    K_MAX_BODY,
    K_MAX_HEADERS,
    K_MAX_CONNECTIONS,
    K_MAX_HANDSHAKES,
    K_MAX_HANDSHAKES_PER_ADDRESS,
    K_HANDSHAKE_TIMEOUT,
    K_REQUEST_TIMEOUT,
    K_IDLE_TIMEOUT,
    K_CREATED_PAST,
    K_CREATED_FUTURE,
    K_RETRY_INITIAL,
    K_RETRY_MAX_INTERVAL,
    K_RETRY_MAX_AGE,
    K_DELIVER_TIMEOUT,
    K_DELIVERY_CONCURRENCY,
    K_TSA_TRUST,
    K_CHECKPOINT_ENTRIES,
    K_CHECKPOINT_SECONDS,
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
    [K_ALLOW_ROOT] = {"allow_root", KIND_BOOL, false, FIELD(allow_root), 0, 0, 0},
    [K_WORKERS] = {"workers", KIND_UINT, false, FIELD(workers), 1, 64, 4},
    [K_SUBMITTER] = {"submitter", KIND_SUBMITTER, false, 0, 0, 0, 0, 0},
    [K_PEER] = {"peer", KIND_PEER, false, 0, 0, 0, 0, 0},
    [K_ALLOW] = {"allow", KIND_ALLOW, false, 0, 0, 0, 0, 0},
    [K_MAX_BODY] = {"max_body", KIND_SIZE, false, FIELD(max_body), 1024, GW_MAX_DOC_BYTES_CEILING,
                    GW_MAX_DOC_BYTES},
    [K_MAX_HEADERS] = {"max_headers", KIND_SIZE, false, FIELD(max_headers), 1024, GW_MAX_HEADERS_CEILING,
                       GW_MAX_HEADERS},
    [K_MAX_CONNECTIONS] = {"max_connections", KIND_UINT, false, FIELD(max_connections), 1,
                           GW_MAX_CONNECTIONS_CEILING, GW_MAX_CONNECTIONS},
    [K_MAX_HANDSHAKES] = {"max_handshakes", KIND_UINT, false, FIELD(max_handshakes), 1, GW_MAX_HANDSHAKES_CEILING,
                          GW_MAX_HANDSHAKES},
    [K_MAX_HANDSHAKES_PER_ADDRESS] = {"max_handshakes_per_address", KIND_UINT, false,
                                      FIELD(max_handshakes_per_address), 1, GW_MAX_HANDSHAKES_PER_ADDRESS_CEILING,
                                      GW_MAX_HANDSHAKES_PER_ADDRESS},
    [K_HANDSHAKE_TIMEOUT] = {"handshake_timeout", KIND_UINT, false, FIELD(handshake_timeout_s), 1,
                             GW_MAX_HANDSHAKE_SECONDS_CEILING, GW_MAX_HANDSHAKE_SECONDS},
    [K_REQUEST_TIMEOUT] = {"request_timeout", KIND_UINT, false, FIELD(request_timeout_s), 1,
                           GW_MAX_TIMEOUT_SECONDS_CEILING, GW_MAX_REQUEST_SECONDS},
    [K_IDLE_TIMEOUT] = {"idle_timeout", KIND_UINT, false, FIELD(idle_timeout_s), 1, GW_MAX_TIMEOUT_SECONDS_CEILING,
                        GW_MAX_IDLE_SECONDS},
    [K_CREATED_PAST] = {"created_window_past", KIND_UINT, false, FIELD(created_past_s), 60,
                        GW_MAX_CREATED_PAST_SECONDS_CEILING, GW_MAX_CREATED_PAST_SECONDS},
    [K_CREATED_FUTURE] = {"created_window_future", KIND_UINT, false, FIELD(created_future_s), 0,
                          GW_MAX_CREATED_FUTURE_SECONDS_CEILING, GW_MAX_CREATED_FUTURE_SECONDS},
    [K_RETRY_INITIAL] = {"retry_initial", KIND_UINT, false, FIELD(retry_initial_ms), 10,
                         GW_RETRY_INITIAL_MS_CEILING, GW_RETRY_INITIAL_MS},
    [K_RETRY_MAX_INTERVAL] = {"retry_max_interval", KIND_UINT, false, FIELD(retry_max_interval_s), 1,
                              GW_MAX_RETRY_INTERVAL_SECONDS_CEILING, GW_MAX_RETRY_INTERVAL_SECONDS},
    [K_RETRY_MAX_AGE] = {"retry_max_age", KIND_UINT, false, FIELD(retry_max_age_s), 1,
                         GW_MAX_RETRY_AGE_SECONDS_CEILING, GW_MAX_RETRY_AGE_SECONDS},
    [K_DELIVER_TIMEOUT] = {"deliver_timeout", KIND_UINT, false, FIELD(deliver_timeout_s), 1,
                           GW_MAX_DELIVER_SECONDS_CEILING, GW_MAX_DELIVER_SECONDS},
    [K_DELIVERY_CONCURRENCY] = {"delivery_concurrency", KIND_UINT, false, FIELD(delivery_concurrency), 1,
                                GW_DELIVERY_CONCURRENCY_CEILING, GW_DELIVERY_CONCURRENCY},
    [K_TSA_TRUST] = {"tsa_trust", KIND_STRING, false, FIELD(tsa_trust), 0, 0, 0},
    [K_CHECKPOINT_ENTRIES] = {"checkpoint_every_entries", KIND_UINT, false, FIELD(checkpoint_every_entries), 0,
                              GW_MAX_CHECKPOINT_ENTRIES, GW_CHECKPOINT_ENTRIES},
    [K_CHECKPOINT_SECONDS] = {"checkpoint_every_seconds", KIND_UINT, false, FIELD(checkpoint_every_s), 0,
                              GW_MAX_CHECKPOINT_SECONDS, GW_CHECKPOINT_SECONDS},
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

/* gw_parse_host_port of s, its message prefixed with the key and raised as a configuration error. */
static enum gw_rc
host_port(const char *key, struct gw_span s, uint16_t min_port, struct gw_host_port *out, struct gw_err *err)
{
    struct gw_err perr;

    gw_err_clear(&perr);
    if (gw_parse_host_port((const char *)s.p, s.n, min_port, GW_R_CONFIG, out, &perr) == GW_OK) {
        return GW_OK;
    }
    return gw_err_set(err, GW_ECONFIG, GW_R_CONFIG, perr.src, "%s: %s", key, perr.msg);
}

/* Is s a registration number? OUT: regno, NUL-terminated, when it is. */
static bool
span_regno(struct gw_span s, char regno[GW_REGNO_LEN + 1])
{
    char text[GW_REGNO_LEN + 1];

    if (gw_span_cstr(s, text, sizeof(text)) != GW_OK || !gw_ids_is_regno(text)) {
        return false;
    }
    memcpy(regno, text, sizeof(text));
    return true;
}

/* The next blank-separated word of r, and the blanks after it: false if no blank follows the word. */
static bool
next_word(struct gw_rd *r, struct gw_span *word)
{
    return gw_rd_take_until_in(r, gw_parse_is_blank, GW_MAX_CONFIG_LINE, word) == GW_OK &&
           gw_rd_skip(r, gw_parse_is_blank) > 0;
}

/* Bytes that end the authority of a URL (RFC 3986 §3.2): a path, a query, a fragment; '@' ends user info. */
static bool
ends_authority(unsigned char ch)
{
    return ch == '/' || ch == '?' || ch == '#' || ch == '@';
}

static enum gw_rc
parse_listen(struct cfg_parse *p, struct gw_span value, struct gw_err *err)
{
    enum gw_rc rc = GW_ECONFIG;
    struct gw_host_port hp;

    GW_TRY(host_port("listen", value, 0, &hp, err));
    GW_CHECK(hp.has_port, GW_ECONFIG, GW_R_CONFIG, "listen: expected HOST:PORT (port 0 = any free port)");
    _Static_assert(sizeof(hp.host) == sizeof(p->c.listen_host), "listen_host holds any host");
    memcpy(p->c.listen_host, hp.host, sizeof(hp.host));
    p->c.listen_port = hp.port;
    rc = GW_OK;
out:
    return rc;
}

/* peer = REGNO https://HOST[:PORT] */
static enum gw_rc
parse_peer(struct cfg_parse *p, struct gw_span value, struct gw_err *err)
{
    enum gw_rc rc = GW_ECONFIG;
    struct gw_peer *peer = &p->c.peers[p->c.n_peers];
    struct gw_rd r;
    struct gw_rd u;
    struct gw_span word;
    struct gw_span url;
    struct gw_span authority;
    struct gw_host_port hp;
    char regno[GW_REGNO_LEN + 1];

    gw_rd_init(&r, value.p, value.n);
    GW_CHECK(next_word(&r, &word) &&
                 gw_rd_take_until_in(&r, gw_parse_is_blank, GW_MAX_CONFIG_LINE, &url) == GW_OK && gw_rd_at_end(&r),
             GW_ECONFIG, GW_R_CONFIG, "peer: expected 'REGNO URL'");
    GW_CHECK(p->c.n_peers < GW_MAX_PEERS, GW_ECONFIG, GW_R_CONFIG, "peer: more than %d peers", GW_MAX_PEERS);
    GW_CHECK(span_regno(word, regno), GW_ECONFIG, GW_R_CONFIG,
             "peer: '%.*s' is not a registration number (11 digits)", GW_SPAN_ARG(word));
    for (size_t i = 0; i < p->c.n_peers; i++) {
        GW_CHECK(strcmp(p->c.peers[i].regno, regno) != 0, GW_ECONFIG, GW_R_CONFIG,
                 "peer: %s is given twice (first at line %u)", regno, p->peer_line[i]);
    }
    gw_rd_init(&u, url.p, url.n);
    GW_CHECK(gw_rd_expect_lit(&u, "https://") == GW_OK, GW_ECONFIG, GW_R_CONFIG,
             "peer: URL '%.*s' must start with https://", GW_SPAN_ARG(url));
    GW_CHECK(!gw_rd_at_end(&u), GW_ECONFIG, GW_R_CONFIG, "peer: URL '%.*s' has no host", GW_SPAN_ARG(url));
    GW_CHECK(url.n < sizeof(peer->url), GW_ECONFIG, GW_R_CONFIG, "peer: URL is longer than %zu bytes",
             sizeof(peer->url) - 1);
    GW_CHECK(url.p[url.n - 1] != '/', GW_ECONFIG, GW_R_CONFIG, "peer: URL '%.*s' must not end with '/'",
             GW_SPAN_ARG(url));
    /* deliver.c appends the API path: the base URL is only scheme, host and port (config.h) */
    GW_CHECK(gw_rd_take_until_in(&u, ends_authority, sizeof(peer->url), &authority) == GW_OK && gw_rd_at_end(&u),
             GW_ECONFIG, GW_R_CONFIG, "peer: URL '%.*s' must be https://HOST[:PORT], with no path, query or user",
             GW_SPAN_ARG(url));
    GW_TRY(host_port("peer", authority, 1, &hp, err));
    memcpy(peer->regno, regno, sizeof(regno));
    memcpy(peer->url, url.p, url.n);
    peer->url[url.n] = '\0';
    p->peer_line[p->c.n_peers] = p->line;
    p->c.n_peers++;
    rc = GW_OK;
out:
    return rc;
}

/* allow = SENDER RECIPIENT TYPE[,TYPE...] (blanks after the commas are allowed) */
static enum gw_rc
parse_allow(struct cfg_parse *p, struct gw_span value, struct gw_err *err)
{
    enum gw_rc rc = GW_ECONFIG;
    struct gw_rule *rule = &p->c.rules[p->c.n_rules];
    struct gw_rd r;
    struct gw_span sender_word;
    struct gw_span recipient_word;
    char sender[GW_REGNO_LEN + 1];
    char recipient[GW_REGNO_LEN + 1];
    unsigned types = 0;

    gw_rd_init(&r, value.p, value.n);
    GW_CHECK(next_word(&r, &sender_word) && next_word(&r, &recipient_word), GW_ECONFIG, GW_R_CONFIG,
             "allow: expected 'SENDER RECIPIENT TYPE[,TYPE...]'");
    GW_CHECK(p->c.n_rules < GW_MAX_RULES, GW_ECONFIG, GW_R_CONFIG, "allow: more than %d rules", GW_MAX_RULES);
    GW_CHECK(span_regno(sender_word, sender), GW_ECONFIG, GW_R_CONFIG,
             "allow: sender '%.*s' is not a registration number (11 digits)", GW_SPAN_ARG(sender_word));
    GW_CHECK(span_regno(recipient_word, recipient), GW_ECONFIG, GW_R_CONFIG,
             "allow: recipient '%.*s' is not a registration number (11 digits)", GW_SPAN_ARG(recipient_word));
    GW_CHECK(strcmp(sender, recipient) != 0, GW_ECONFIG, GW_R_CONFIG, "allow: sender and recipient are both %s",
             sender);
    for (size_t i = 0; i < p->c.n_rules; i++) {
        GW_CHECK(strcmp(p->c.rules[i].sender, sender) != 0 || strcmp(p->c.rules[i].recipient, recipient) != 0,
                 GW_ECONFIG, GW_R_CONFIG, "allow: a rule for %s to %s is given twice (first at line %u)", sender,
                 recipient, p->rule_line[i]);
    }
    /* the rest of the value is the list: next_word left r after the blanks that follow the recipient */
    do {
        struct gw_span name;
        char text[32];
        enum gw_msg_type t;

        GW_CHECK(gw_rd_take_until(&r, ',', GW_MAX_CONFIG_LINE, &name) == GW_OK, GW_ECONFIG, GW_R_CONFIG,
                 "line is longer than %u bytes", GW_MAX_CONFIG_LINE);
        name = gw_span_trim(name, gw_parse_is_blank);
        GW_CHECK(name.n > 0, GW_ECONFIG, GW_R_CONFIG, "allow: empty message type in the list");
        GW_CHECK(gw_span_cstr(name, text, sizeof(text)) == GW_OK && gw_msg_type_from_name(text, &t), GW_ECONFIG,
                 GW_R_CONFIG,
                 "allow: unknown message type '%.*s' (known: Letter, Decision, Confirmation, DataReport, "
                 "Receipt)",
                 GW_SPAN_ARG(name));
        GW_CHECK(t != GW_MSG_CHECKPOINT, GW_ECONFIG, GW_R_CONFIG,
                 "allow: a Checkpoint is never exchanged as a message (docs/audit.md 6)");
        GW_CHECK((types & (1u << t)) == 0, GW_ECONFIG, GW_R_CONFIG, "allow: %s is listed twice", text);
        types |= 1u << t;
    } while (gw_rd_expect(&r, ',') == GW_OK);
    memcpy(rule->sender, sender, sizeof(sender));
    memcpy(rule->recipient, recipient, sizeof(recipient));
    rule->types = types;
    p->rule_line[p->c.n_rules] = p->line;
    p->c.n_rules++;
    rc = GW_OK;
out:
    return rc;
}

/* The values of a repeatable path or name key (crl, submitter): a fixed array of fixed-size strings. */
struct value_list {
    char *items;      /* max items of item_size bytes each */
    size_t item_size; /* bytes of one item, NUL included */
    size_t max;       /* items the array holds */
    size_t *n;        /* items in use */
    unsigned *lines;  /* the line each item came from */
    const char *what; /* "CRLs": for "more than N CRLs" */
};

/* One more value of a repeatable key: at most list->max of them, each given once. */
static enum gw_rc
add_value(struct cfg_parse *p, const char *key, const struct value_list *list, const char *value,
          struct gw_err *err)
{
    enum gw_rc rc = GW_ECONFIG;
    size_t n = *list->n;

    GW_CHECK(n < list->max, GW_ECONFIG, GW_R_CONFIG, "%s: more than %zu %s", key, list->max, list->what);
    for (size_t i = 0; i < n; i++) {
        GW_CHECK(strcmp(list->items + i * list->item_size, value) != 0, GW_ECONFIG, GW_R_CONFIG,
                 "%s: '%.64s' is given twice (first at line %u)", key, value, list->lines[i]);
    }
    GW_TRY(copy_value(key, value, list->items + n * list->item_size, list->item_size, err));
    list->lines[n] = p->line;
    (*list->n)++;
    rc = GW_OK;
out:
    return rc;
}

static enum gw_rc
parse_value(struct cfg_parse *p, enum key_id id, struct gw_span value, struct gw_err *err)
{
    const struct key_def *d = &keys[id];
    char *field = (char *)&p->c + d->off;
    enum gw_rc rc = GW_ECONFIG;
    uint64_t v = 0;
    char text[GW_MAX_CONFIG_LINE + 1];
    const struct value_list crls = {&p->c.crls[0][0], sizeof(p->c.crls[0]), GW_MAX_CRLS,
                                    &p->c.n_crls,     p->crl_line,          "CRLs"};
    const struct value_list submitters = {&p->c.submitters[0][0], sizeof(p->c.submitters[0]), GW_MAX_SUBMITTERS,
                                          &p->c.n_submitters,     p->submitter_line,          "submitters"};

    /* the line was checked: no NUL, at most GW_MAX_CONFIG_LINE bytes */
    GW_CHECK(gw_span_cstr(value, text, sizeof(text)) == GW_OK, GW_ECONFIG, GW_R_CONFIG,
             "line is longer than %u bytes", GW_MAX_CONFIG_LINE);
    switch (d->kind) {
    case KIND_REGNO:
        GW_TRY(parse_regno(d->name, text, field, err));
        break;
    case KIND_STRING:
        GW_TRY(copy_value(d->name, text, field, d->size, err));
        break;
    case KIND_LISTEN:
        GW_TRY(parse_listen(p, value, err));
        break;
    case KIND_UINT: {
        unsigned u;
        GW_TRY(parse_number(d->name, text, d->min, d->max, &v, err));
        u = (unsigned)v; /* every range in the table fits */
        memcpy(field, &u, sizeof(u));
        break;
    }
    case KIND_SIZE: {
        size_t z;
        GW_TRY(parse_number(d->name, text, d->min, d->max, &v, err));
        z = (size_t)v;
        memcpy(field, &z, sizeof(z));
        break;
    }
    case KIND_BOOL: {
        bool yes = strcmp(text, "yes") == 0;
        GW_CHECK(yes || strcmp(text, "no") == 0, GW_ECONFIG, GW_R_CONFIG, "%s: '%.64s' is neither yes nor no",
                 d->name, text);
        memcpy(field, &yes, sizeof(yes));
        break;
    }
    case KIND_CRL:
        GW_TRY(add_value(p, d->name, &crls, text, err));
        break;
    case KIND_SUBMITTER:
        GW_TRY(add_value(p, d->name, &submitters, text, err));
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
    struct gw_span line = {s, n};
    struct gw_span key;
    struct gw_span value;
    struct gw_rd r;
    size_t bad = 0;
    size_t id;

    if (n > 0 && s[n - 1] == '\r') {
        line.n--; /* CRLF line ending */
    }
    GW_CHECK(line.n <= GW_MAX_CONFIG_LINE, GW_ECONFIG, GW_R_CONFIG, "line is longer than %u bytes",
             GW_MAX_CONFIG_LINE);
    /* UTF-8 text with no control character other than tab: a NUL, a lone CR or an escape sequence in a path
     * is never intended, and would make the error messages lie */
    if (gw_parse_utf8(line.p, line.n, true, &bad) != GW_OK) {
        GW_CHECK(line.p[bad] >= 0x80, GW_ECONFIG, GW_R_CONFIG, "control character 0x%02x at byte %zu of the line",
                 line.p[bad], bad + 1);
        GW_CHECK(false, GW_ECONFIG, GW_R_CONFIG, "not valid UTF-8 at byte %zu of the line", bad + 1);
    }
    line = gw_span_trim(line, gw_parse_is_blank);
    gw_rd_init(&r, line.p, line.n);
    if (gw_rd_at_end(&r) || gw_rd_expect(&r, '#') == GW_OK) {
        rc = GW_OK;
        goto out;
    }
    /* the key ends at the first '=': a value may hold more ("schemas = a=b") */
    GW_CHECK(gw_rd_take_until(&r, '=', GW_MAX_CONFIG_LINE, &key) == GW_OK && key.n > 0 &&
                 gw_rd_expect(&r, '=') == GW_OK,
             GW_ECONFIG, GW_R_CONFIG, "expected 'key = value'");
    key = gw_span_trim(key, gw_parse_is_blank);
    value = gw_span_trim(gw_rd_rest(&r), gw_parse_is_blank);
    for (id = 0; id < K__COUNT; id++) {
        if (gw_span_eq(key, keys[id].name)) {
            break;
        }
    }
    GW_CHECK(id < K__COUNT, GW_ECONFIG, GW_R_CONFIG, "%.*s: unknown key", GW_SPAN_ARG(key));
    GW_CHECK(value.n > 0, GW_ECONFIG, GW_R_CONFIG, "%s: the value is empty", keys[id].name);
    GW_CHECK(p->key_line[id] == 0 || is_repeatable(keys[id].kind), GW_ECONFIG, GW_R_CONFIG,
             "%s: given twice (first at line %u)", keys[id].name, p->key_line[id]);
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
    if ((unsigned)t >= GW_MSG_TYPE_COUNT || t == GW_MSG_CHECKPOINT) {
        return false; /* checkpoints are published (GET /v1/checkpoints), never submitted or delivered */
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

    GW_CHECK(gw_parse_datetime(created, strlen(created), &t) == GW_OK, GW_EINPUT, GW_R_CREATED_WINDOW,
             "Created '%s' is not a dateTime", created);
    GW_CHECK(t >= now - (int64_t)cfg->created_past_s, GW_EPOLICY, GW_R_CREATED_WINDOW,
             "Created %s is older than %u s", created, cfg->created_past_s);
    GW_CHECK(t <= now + (int64_t)cfg->created_future_s, GW_EPOLICY, GW_R_CREATED_WINDOW,
             "Created %s is more than %u s in the future", created, cfg->created_future_s);
    rc = GW_OK;
out:
    return rc;
}

// SPDX-License-Identifier: MIT
/*
 * Unit tests of config.c and parse.c: a full file and the defaults; every kind of error stops loading with
 * GW_ECONFIG/CONFIG, "FILE:LINE" of the line to blame ("FILE" for a missing key) and a message naming the key;
 * *out is untouched on failure; peer lookup and the allow rules; gw_parse_u64 at its edges. Each file is
 * written to a fresh directory under /tmp that the test removes.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "gw/config.h"
#include "gw/limits.h"
#include "gw/parse.h"
#include "t.h"

/* Six lines (1-6) with every required key, for the centre (VISC). */
#define BASE_NO_LISTEN                                                                                            \
    "organisation = 90001800413\n"                                                                                \
    "key = visc.key.pem\n"                                                                                        \
    "cert = visc.pem\n"                                                                                           \
    "trust = trust.pem\n"                                                                                         \
    "store = store.db\n"
#define BASE BASE_NO_LISTEN "listen = 127.0.0.1:8443\n"

/* Lines 7-8: Ludza and Talsi as peers. */
#define PEERS                                                                                                     \
    "peer = 90000017453 https://gateway.ludza.example:8443\n"                                                     \
    "peer = 90009113532 https://gateway.talsi.example\n"

/* Lines 7-23: one crl more than GW_MAX_CRLS. */
#define CRLS_17                                                                                                   \
    "crl = 1\ncrl = 2\ncrl = 3\ncrl = 4\ncrl = 5\ncrl = 6\ncrl = 7\ncrl = 8\ncrl = 9\ncrl = 10\ncrl = 11\n"       \
    "crl = 12\ncrl = 13\ncrl = 14\ncrl = 15\ncrl = 16\ncrl = 17\n"
_Static_assert(GW_MAX_CRLS == 16, "CRLS_17 and the too_many_crls case list GW_MAX_CRLS + 1 CRLs");

#define LUDZA "90000017453"
#define TALSI "90009113532"
#define VISC "90001800413"

struct conf_file {
    char dir[32];
    char path[64];
    bool made_dir;
    bool made_file;
};

/* Write len bytes of text to a new temporary directory's test.conf. */
static bool
conf_write(struct conf_file *f, const char *text, size_t len)
{
    FILE *fp;
    bool ok;

    memset(f, 0, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "%s", "/tmp/gw-unit.XXXXXX");
    if (mkdtemp(f->dir) == NULL) {
        return false;
    }
    f->made_dir = true;
    snprintf(f->path, sizeof(f->path), "%s/test.conf", f->dir);
    fp = fopen(f->path, "wb");
    if (fp == NULL) {
        return false;
    }
    f->made_file = true;
    ok = fwrite(text, 1, len, fp) == len;
    return fclose(fp) == 0 && ok;
}

static void
conf_remove(struct conf_file *f)
{
    if (f->made_file) {
        unlink(f->path);
    }
    if (f->made_dir) {
        rmdir(f->dir);
    }
    f->made_file = false;
    f->made_dir = false;
}

/* Write text to a temporary file, load it into *out and remove the file; f->path names it afterwards. */
static enum gw_rc
load_text(struct conf_file *f, const char *text, size_t len, struct gw_config *out, struct gw_err *err)
{
    enum gw_rc rc;

    if (!conf_write(f, text, len)) {
        conf_remove(f);
        return gw_err_set(err, GW_EIO, GW_R_IO, GW_SRC, "cannot write the test file");
    }
    rc = gw_config_load(f->path, out, err);
    conf_remove(f);
    return rc;
}

/* One file that must be rejected: the line blamed (0 = the whole file) and a part of the message. */
struct bad_case {
    const char *text;
    size_t len;
    unsigned line;
    const char *msg;
};

static void
test_bad(struct t *t)
{
    const struct bad_case *bc = t->arg;
    struct gw_err err;
    struct conf_file f;
    struct gw_config *c = malloc(sizeof(*c));
    struct gw_config *before = malloc(sizeof(*before));
    char where[96];

    EXPECT_TRUE(c != NULL && before != NULL);
    memset(c, 0x5a, sizeof(*c));
    memcpy(before, c, sizeof(*c));
    EXPECT_FAIL(load_text(&f, bc->text, bc->len, c, &err), &err, GW_R_CONFIG);
    EXPECT_INT_EQ(err.rc, GW_ECONFIG);
    if (bc->line > 0) {
        snprintf(where, sizeof(where), "%s:%u", f.path, bc->line);
    } else {
        snprintf(where, sizeof(where), "%s", f.path);
    }
    EXPECT_STR_EQ(err.where, where);
    if (!t_contains(err.msg, bc->msg)) {
        T_FAIL("message \"%s\" does not contain \"%s\"", err.msg, bc->msg);
    }
    /* STYLE §4: on failure *out is untouched */
    EXPECT_TRUE(memcmp(c, before, sizeof(*c)) == 0);
out:
    free(c);
    free(before);
}

#define BAD(name, text, line, msg)                                                                                \
    {                                                                                                             \
        "bad_" name, test_bad, &(const struct bad_case)                                                           \
        {                                                                                                         \
            text, sizeof(text) - 1, line, msg                                                                     \
        }                                                                                                         \
    }

/* Every key, each with a value other than its default. */
static const char full_text[] = "# The centre's gateway\n"
                                "organisation = 90001800413\n"
                                "key = /etc/gateway/visc.key.pem\n"
                                "cert = /etc/gateway/visc.pem\n"
                                "chain = /etc/gateway/chain.pem\n"
                                "trust = /etc/gateway/trust.pem\n"
                                "crl = /etc/gateway/crl.pem\n"
                                "crl = /etc/gateway/root-crl.pem\n"
                                "schemas = /usr/share/gateway/schemas\n"
                                "store = /var/lib/gateway/store.db\n"
                                "listen = [::]:8443\n"
                                "port_file = /run/gateway/port\n"
                                "workers = 8\n"
                                "submitter = intake.visc.example\n"
                                "submitter = Lietvedības sistēma\n"
                                "peer = 90000017453 https://gateway.ludza.example:8443\n"
                                "peer = 90009113532 https://[2001:db8::1]:8443\n"
                                "allow = 90000017453 90001800413 Decision,Confirmation,DataReport\n"
                                "allow = 90009113532 90001800413 Decision, Confirmation, DataReport\n"
                                "allow = 90001800413 90000017453 Letter\n"
                                "allow = 90001800413 90009113532 Letter\n"
                                "max_body = 8388608\n"
                                "max_headers = 8192\n"
                                "max_connections = 1000\n"
                                "max_handshakes = 100\n"
                                "max_handshakes_per_address = 4\n"
                                "handshake_timeout = 5\n"
                                "request_timeout = 20\n"
                                "idle_timeout = 120\n"
                                "created_window_past = 1209600\n"
                                "created_window_future = 60\n"
                                "retry_initial = 250\n"
                                "retry_max_interval = 600\n"
                                "retry_max_age = 172800\n"
                                "deliver_timeout = 45\n"
                                "delivery_concurrency = 16\n"
                                "checkpoint_every_entries = 0\n"
                                "checkpoint_every_seconds = 86400\n";

static void
test_full(struct t *t)
{
    struct gw_err err;
    struct conf_file f;
    struct gw_config *c = calloc(1, sizeof(*c));

    EXPECT_TRUE(c != NULL);
    EXPECT_OK(load_text(&f, full_text, sizeof(full_text) - 1, c, &err), &err);
    EXPECT_STR_EQ(c->path, f.path);
    EXPECT_STR_EQ(c->organisation, VISC);
    EXPECT_STR_EQ(c->key, "/etc/gateway/visc.key.pem");
    EXPECT_STR_EQ(c->cert, "/etc/gateway/visc.pem");
    EXPECT_STR_EQ(c->chain, "/etc/gateway/chain.pem");
    EXPECT_STR_EQ(c->trust, "/etc/gateway/trust.pem");
    EXPECT_INT_EQ(c->n_crls, 2);
    EXPECT_STR_EQ(c->crls[0], "/etc/gateway/crl.pem");
    EXPECT_STR_EQ(c->crls[1], "/etc/gateway/root-crl.pem");
    EXPECT_STR_EQ(c->schemas, "/usr/share/gateway/schemas");
    EXPECT_STR_EQ(c->store, "/var/lib/gateway/store.db");
    EXPECT_STR_EQ(c->listen_host, "::");
    EXPECT_INT_EQ(c->listen_port, 8443);
    EXPECT_STR_EQ(c->port_file, "/run/gateway/port");
    EXPECT_INT_EQ(c->workers, 8);
    EXPECT_INT_EQ(c->n_submitters, 2);
    EXPECT_STR_EQ(c->submitters[0], "intake.visc.example");
    EXPECT_STR_EQ(c->submitters[1], "Lietvedības sistēma");
    EXPECT_INT_EQ(c->n_peers, 2);
    EXPECT_STR_EQ(c->peers[0].regno, LUDZA);
    EXPECT_STR_EQ(c->peers[0].url, "https://gateway.ludza.example:8443");
    EXPECT_STR_EQ(c->peers[1].regno, TALSI);
    EXPECT_STR_EQ(c->peers[1].url, "https://[2001:db8::1]:8443");
    EXPECT_INT_EQ(c->n_rules, 4);
    EXPECT_STR_EQ(c->rules[0].sender, LUDZA);
    EXPECT_STR_EQ(c->rules[0].recipient, VISC);
    EXPECT_INT_EQ(c->rules[0].types,
                  (1u << GW_MSG_DECISION) | (1u << GW_MSG_CONFIRMATION) | (1u << GW_MSG_DATAREPORT));
    EXPECT_INT_EQ(c->rules[1].types, c->rules[0].types);
    EXPECT_STR_EQ(c->rules[3].sender, VISC);
    EXPECT_STR_EQ(c->rules[3].recipient, TALSI);
    EXPECT_INT_EQ(c->rules[3].types, 1u << GW_MSG_LETTER);
    EXPECT_INT_EQ(c->max_body, 8388608);
    EXPECT_INT_EQ(c->max_headers, 8192);
    EXPECT_INT_EQ(c->max_connections, 1000);
    EXPECT_INT_EQ(c->max_handshakes, 100);
    EXPECT_INT_EQ(c->max_handshakes_per_address, 4);
    EXPECT_INT_EQ(c->handshake_timeout_s, 5);
    EXPECT_INT_EQ(c->request_timeout_s, 20);
    EXPECT_INT_EQ(c->idle_timeout_s, 120);
    EXPECT_INT_EQ(c->created_past_s, 1209600);
    EXPECT_INT_EQ(c->created_future_s, 60);
    EXPECT_INT_EQ(c->retry_initial_ms, 250);
    EXPECT_INT_EQ(c->retry_max_interval_s, 600);
    EXPECT_INT_EQ(c->retry_max_age_s, 172800);
    EXPECT_INT_EQ(c->deliver_timeout_s, 45);
    EXPECT_INT_EQ(c->delivery_concurrency, 16);
    EXPECT_INT_EQ(c->checkpoint_every_entries, 0);
    EXPECT_INT_EQ(c->checkpoint_every_s, 86400);
out:
    free(c);
}

static void
test_defaults(struct t *t)
{
    static const char text[] = BASE;
    struct gw_err err;
    struct conf_file f;
    struct gw_config *c = calloc(1, sizeof(*c));

    EXPECT_TRUE(c != NULL);
    EXPECT_OK(load_text(&f, text, sizeof(text) - 1, c, &err), &err);
    EXPECT_STR_EQ(c->organisation, VISC);
    EXPECT_STR_EQ(c->key, "visc.key.pem");
    EXPECT_STR_EQ(c->store, "store.db");
    EXPECT_STR_EQ(c->listen_host, "127.0.0.1");
    EXPECT_INT_EQ(c->listen_port, 8443);
    EXPECT_STR_EQ(c->chain, "");
    EXPECT_STR_EQ(c->schemas, "");
    EXPECT_STR_EQ(c->port_file, "");
    EXPECT_INT_EQ(c->n_crls, 0);
    EXPECT_INT_EQ(c->n_submitters, 0);
    EXPECT_INT_EQ(c->n_peers, 0);
    EXPECT_INT_EQ(c->n_rules, 0);
    EXPECT_INT_EQ(c->workers, 4);
    EXPECT_TRUE(!c->allow_root); /* docs/security.md 5: root is refused unless the file says so */
    EXPECT_INT_EQ(c->max_body, GW_MAX_DOC_BYTES);
    EXPECT_INT_EQ(c->max_headers, 16 * 1024);
    EXPECT_INT_EQ(c->max_connections, 256);
    EXPECT_INT_EQ(c->max_handshakes, GW_MAX_HANDSHAKES);
    EXPECT_INT_EQ(c->max_handshakes_per_address, GW_MAX_HANDSHAKES_PER_ADDRESS);
    EXPECT_INT_EQ(c->handshake_timeout_s, GW_MAX_HANDSHAKE_SECONDS);
    EXPECT_INT_EQ(c->request_timeout_s, 30);
    EXPECT_INT_EQ(c->idle_timeout_s, 60);
    EXPECT_INT_EQ(c->created_past_s, 604800);
    EXPECT_INT_EQ(c->created_future_s, 300);
    EXPECT_INT_EQ(c->retry_initial_ms, 500);
    EXPECT_INT_EQ(c->retry_max_interval_s, 300);
    EXPECT_INT_EQ(c->retry_max_age_s, 86400);
    EXPECT_INT_EQ(c->deliver_timeout_s, 30);
    EXPECT_INT_EQ(c->delivery_concurrency, 4);
    EXPECT_INT_EQ(c->checkpoint_every_entries, 1000);
    EXPECT_INT_EQ(c->checkpoint_every_s, 300);
out:
    free(c);
}

/* allow_root takes exactly "yes" or "no" (the bad spellings are BAD cases below). */
static void
test_allow_root(struct t *t)
{
    static const char yes[] = BASE "allow_root = yes\n";
    static const char no[] = BASE "allow_root = no\n";
    struct gw_err err;
    struct conf_file f;
    struct gw_config *c = calloc(1, sizeof(*c));

    EXPECT_TRUE(c != NULL);
    EXPECT_OK(load_text(&f, yes, sizeof(yes) - 1, c, &err), &err);
    EXPECT_TRUE(c->allow_root);
    memset(c, 0, sizeof(*c));
    EXPECT_OK(load_text(&f, no, sizeof(no) - 1, c, &err), &err);
    EXPECT_TRUE(!c->allow_root);
out:
    free(c);
}

/* Comments (only at the start of a line), blank lines, blanks around keys and values, CRLF, a byte order
 * mark, a last line without a newline; '#' inside a value is part of it. */
static void
test_comments_and_blanks(struct t *t)
{
    static const char text[] = "\xef\xbb\xbf# leading comment\n"
                               "\n"
                               "   \t \n"
                               "  # indented comment = not a key\n"
                               "\t#tab-indented comment\n"
                               "organisation=90001800413\r\n"
                               "  key   =   visc.key.pem   \n"
                               "\tcert\t=\tvisc.pem\t\n"
                               "trust = trust.pem\n"
                               "store = store.db\n"
                               "submitter = ops # not a comment\n"
                               "schemas = a=b\n"
                               "listen = gateway.visc.example:443";
    struct gw_err err;
    struct conf_file f;
    struct gw_config *c = calloc(1, sizeof(*c));

    EXPECT_TRUE(c != NULL);
    EXPECT_OK(load_text(&f, text, sizeof(text) - 1, c, &err), &err);
    EXPECT_STR_EQ(c->organisation, VISC);
    EXPECT_STR_EQ(c->key, "visc.key.pem");
    EXPECT_STR_EQ(c->cert, "visc.pem");
    EXPECT_STR_EQ(c->submitters[0], "ops # not a comment");
    EXPECT_STR_EQ(c->schemas, "a=b"); /* split at the first '=' */
    EXPECT_STR_EQ(c->listen_host, "gateway.visc.example");
    EXPECT_INT_EQ(c->listen_port, 443);
out:
    free(c);
}

/* listen accepts a name, an IPv4 address or a bracketed IPv6 address, and port 0..65535. */
static void
test_listen_forms(struct t *t)
{
    static const struct {
        const char *value;
        const char *host;
        unsigned port;
    } forms[] = {
        {"127.0.0.1:0", "127.0.0.1", 0},
        {"0.0.0.0:65535", "0.0.0.0", 65535},
        {"[::1]:8443", "::1", 8443},
        {"[::]:1", "::", 1},
        {"localhost:8443", "localhost", 8443},
        {"visc_gateway:8443", "visc_gateway", 8443},
        {"gw-1.visc.example:8443", "gw-1.visc.example", 8443},
    };
    struct gw_err err;
    struct conf_file f;
    struct gw_config *c = calloc(1, sizeof(*c));
    char text[512];

    EXPECT_TRUE(c != NULL);
    for (size_t i = 0; i < T_COUNT(forms); i++) {
        int n = snprintf(text, sizeof(text), BASE_NO_LISTEN "listen = %s\n", forms[i].value);
        EXPECT_OK(load_text(&f, text, (size_t)n, c, &err), &err);
        EXPECT_STR_EQ(c->listen_host, forms[i].host);
        EXPECT_INT_EQ(c->listen_port, forms[i].port);
    }
out:
    free(c);
}

/* A line of exactly GW_MAX_CONFIG_LINE bytes is accepted, one byte more is not; a path value must fit its
 * field. */
static void
test_line_length(struct t *t)
{
    struct gw_err err;
    struct conf_file f;
    struct gw_config *c = calloc(1, sizeof(*c));
    char *text = malloc(sizeof(BASE) + GW_MAX_CONFIG_LINE + 16);
    size_t base = sizeof(BASE) - 1;
    size_t len;
    char where[96];

    EXPECT_TRUE(c != NULL && text != NULL);
    /* "# aaaa...": a comment of exactly GW_MAX_CONFIG_LINE bytes, then CRLF (the CR is not counted) */
    memcpy(text, BASE, base);
    text[base] = '#';
    memset(text + base + 1, 'a', GW_MAX_CONFIG_LINE - 1);
    len = base + GW_MAX_CONFIG_LINE;
    memcpy(text + len, "\r\n", 2);
    len += 2;
    EXPECT_OK(load_text(&f, text, len, c, &err), &err);
    /* one byte more */
    len = base + GW_MAX_CONFIG_LINE;
    text[len] = 'a';
    text[len + 1] = '\n';
    len += 2;
    EXPECT_FAIL(load_text(&f, text, len, c, &err), &err, GW_R_CONFIG);
    snprintf(where, sizeof(where), "%s:7", f.path);
    EXPECT_STR_EQ(err.where, where);
    EXPECT_TRUE(t_contains(err.msg, "longer than 4096 bytes"));
    /* "chain = " plus 512 bytes: the line is fine, the value does not fit char chain[512] */
    len = base;
    memcpy(text + len, "chain = ", 8);
    len += 8;
    memset(text + len, 'p', 512);
    len += 512;
    text[len++] = '\n';
    EXPECT_FAIL(load_text(&f, text, len, c, &err), &err, GW_R_CONFIG);
    snprintf(where, sizeof(where), "%s:7", f.path);
    EXPECT_STR_EQ(err.where, where);
    EXPECT_TRUE(t_contains(err.msg, "chain: value is longer than 511 bytes"));
    /* 511 bytes fit */
    len -= 2;
    text[len++] = '\n';
    EXPECT_OK(load_text(&f, text, len, c, &err), &err);
    EXPECT_INT_EQ(strlen(c->chain), 511);
out:
    free(text);
    free(c);
}

static void
test_file_too_large(struct t *t)
{
    struct gw_err err;
    struct conf_file f;
    struct gw_config *c = calloc(1, sizeof(*c));
    size_t len = GW_MAX_CONFIG_BYTES + 1;
    char *text = malloc(len);

    EXPECT_TRUE(c != NULL && text != NULL);
    /* comment lines: valid, only too many */
    memset(text, '#', len);
    for (size_t i = 99; i < len; i += 100) {
        text[i] = '\n';
    }
    EXPECT_FAIL(load_text(&f, text, len, c, &err), &err, GW_R_CONFIG);
    EXPECT_INT_EQ(err.rc, GW_ECONFIG);
    EXPECT_STR_EQ(err.where, f.path);
    EXPECT_TRUE(t_contains(err.msg, "larger than 262144 bytes"));
out:
    free(text);
    free(c);
}

static void
test_missing_file(struct t *t)
{
    struct gw_err err;
    struct gw_config *c = calloc(1, sizeof(*c));

    EXPECT_TRUE(c != NULL);
    EXPECT_FAIL(gw_config_load("/nonexistent/gateway.conf", c, &err), &err, GW_R_IO);
    EXPECT_INT_EQ(err.rc, GW_EIO);
    EXPECT_STR_EQ(err.where, "/nonexistent/gateway.conf");
out:
    free(c);
}

/* GW_MAX_PEERS peers load; one more is an error on its line. */
static void
test_too_many_peers(struct t *t)
{
    struct gw_err err;
    struct conf_file f;
    struct gw_config *c = calloc(1, sizeof(*c));
    size_t cap = sizeof(BASE) + (GW_MAX_PEERS + 1) * 64;
    char *text = malloc(cap);
    size_t len = sizeof(BASE) - 1;
    char where[96];

    EXPECT_TRUE(c != NULL && text != NULL);
    memcpy(text, BASE, len);
    for (unsigned i = 0; i < GW_MAX_PEERS; i++) {
        len += (size_t)snprintf(text + len, cap - len, "peer = 900000%05u https://gw%u.example\n", i, i);
    }
    EXPECT_OK(load_text(&f, text, len, c, &err), &err);
    EXPECT_INT_EQ(c->n_peers, GW_MAX_PEERS);
    EXPECT_STR_EQ(c->peers[GW_MAX_PEERS - 1].url, "https://gw63.example");
    EXPECT_TRUE(gw_config_peer(c, "90000000063") == &c->peers[63]);
    len += (size_t)snprintf(text + len, cap - len, "peer = 90000099999 https://gw.example\n");
    EXPECT_FAIL(load_text(&f, text, len, c, &err), &err, GW_R_CONFIG);
    snprintf(where, sizeof(where), "%s:%d", f.path, 6 + GW_MAX_PEERS + 1);
    EXPECT_STR_EQ(err.where, where);
    EXPECT_TRUE(t_contains(err.msg, "peer: more than 64 peers"));
out:
    free(text);
    free(c);
}

static void
test_peer_lookup(struct t *t)
{
    static const char text[] = BASE PEERS;
    struct gw_err err;
    struct conf_file f;
    struct gw_config *c = calloc(1, sizeof(*c));
    const struct gw_peer *p;

    EXPECT_TRUE(c != NULL);
    EXPECT_OK(load_text(&f, text, sizeof(text) - 1, c, &err), &err);
    p = gw_config_peer(c, LUDZA);
    EXPECT_TRUE(p != NULL);
    EXPECT_STR_EQ(p->url, "https://gateway.ludza.example:8443");
    p = gw_config_peer(c, TALSI);
    EXPECT_TRUE(p != NULL);
    EXPECT_STR_EQ(p->url, "https://gateway.talsi.example");
    EXPECT_TRUE(gw_config_peer(c, VISC) == NULL); /* the own organisation is not a peer */
    EXPECT_TRUE(gw_config_peer(c, "90000000000") == NULL);
    EXPECT_TRUE(gw_config_peer(c, "") == NULL);
    EXPECT_TRUE(gw_config_peer(c, "9000001745") == NULL); /* a prefix is not a match */
out:
    free(c);
}

static void
test_allows(struct t *t)
{
    static const char text[] = BASE PEERS "peer = 90000000001 https://gw.other.example\n"
                                          "allow = 90000017453 90001800413 Decision,Confirmation,DataReport\n"
                                          "allow = 90001800413 90000017453 Letter\n"
                                          "allow = 90001800413 90009113532 Letter\n";
    struct gw_err err;
    struct conf_file f;
    struct gw_config *c = calloc(1, sizeof(*c));

    EXPECT_TRUE(c != NULL);
    EXPECT_OK(load_text(&f, text, sizeof(text) - 1, c, &err), &err);
    /* the rules, in their direction only */
    EXPECT_TRUE(gw_config_allows(c, LUDZA, VISC, GW_MSG_DECISION));
    EXPECT_TRUE(gw_config_allows(c, LUDZA, VISC, GW_MSG_CONFIRMATION));
    EXPECT_TRUE(gw_config_allows(c, LUDZA, VISC, GW_MSG_DATAREPORT));
    EXPECT_TRUE(!gw_config_allows(c, LUDZA, VISC, GW_MSG_LETTER));
    EXPECT_TRUE(gw_config_allows(c, VISC, LUDZA, GW_MSG_LETTER));
    EXPECT_TRUE(!gw_config_allows(c, VISC, LUDZA, GW_MSG_DECISION));
    EXPECT_TRUE(gw_config_allows(c, VISC, TALSI, GW_MSG_LETTER));
    /* Talsi is a peer but has no rule towards the centre */
    EXPECT_TRUE(!gw_config_allows(c, TALSI, VISC, GW_MSG_DECISION));
    EXPECT_TRUE(!gw_config_allows(c, LUDZA, TALSI, GW_MSG_DECISION));
    EXPECT_TRUE(!gw_config_allows(c, "90000000000", VISC, GW_MSG_DECISION));
    /* receipts: between the organisation and any peer, both ways, with or without a rule */
    EXPECT_TRUE(gw_config_allows(c, VISC, LUDZA, GW_MSG_RECEIPT));
    EXPECT_TRUE(gw_config_allows(c, LUDZA, VISC, GW_MSG_RECEIPT));
    EXPECT_TRUE(gw_config_allows(c, TALSI, VISC, GW_MSG_RECEIPT));
    EXPECT_TRUE(gw_config_allows(c, VISC, "90000000001", GW_MSG_RECEIPT));
    EXPECT_TRUE(gw_config_allows(c, "90000000001", VISC, GW_MSG_RECEIPT));
    /* ...but not from or to strangers, nor between two peers, nor to oneself */
    EXPECT_TRUE(!gw_config_allows(c, VISC, "90000000000", GW_MSG_RECEIPT));
    EXPECT_TRUE(!gw_config_allows(c, "90000000000", VISC, GW_MSG_RECEIPT));
    EXPECT_TRUE(!gw_config_allows(c, LUDZA, TALSI, GW_MSG_RECEIPT));
    EXPECT_TRUE(!gw_config_allows(c, VISC, VISC, GW_MSG_RECEIPT));
    /* a checkpoint is never exchanged */
    EXPECT_TRUE(!gw_config_allows(c, LUDZA, VISC, GW_MSG_CHECKPOINT));
    EXPECT_TRUE(!gw_config_allows(c, VISC, VISC, GW_MSG_CHECKPOINT));
    /* an out-of-range type is never allowed */
    EXPECT_TRUE(!gw_config_allows(c, LUDZA, VISC, (enum gw_msg_type)GW_MSG_TYPE_COUNT));
out:
    free(c);
}

/* The example files of docs/config.md (its code blocks that start with a comment) load. */
static void
test_doc_examples(struct t *t)
{
    struct gw_err err;
    struct conf_file f;
    struct gw_config *c = calloc(1, sizeof(*c));
    unsigned char *doc = NULL;
    size_t len = 0;
    const char *p;
    unsigned n = 0;

    EXPECT_TRUE(c != NULL);
    EXPECT_OK(t_read_file("docs/config.md", &doc, &len, &err), &err);
    p = (const char *)doc;
    while ((p = strstr(p, "```\n# ")) != NULL) {
        const char *start = p + 4;
        const char *end = strstr(start, "```");
        EXPECT_TRUE(end != NULL);
        EXPECT_OK(load_text(&f, start, (size_t)(end - start), c, &err), &err);
        n++;
        p = end + 3;
    }
    EXPECT_INT_EQ(n, 2); /* a municipality and the centre */
out:
    free(doc);
    free(c);
}

static void
test_parse_u64(struct t *t)
{
    static const char *const malformed[] = {
        "",    "+1", "-1",           "-0",
        " 1",  "1 ", "1\t",          "0x10",
        "010", "00", "1.5",          "1e3",
        "4M",  "१",  "\xef\xbc\x91", "18446744073709551616x", /* overflow, then a non-digit: malformed wins */
    };
    static const char *const too_big[] = {
        "18446744073709551616",  /* UINT64_MAX + 1 */
        "18446744073709551620",  /* the last digit overflows */
        "99999999999999999999",  /* 20 digits */
        "100000000000000000000", /* 21 digits */
        "184467440737095516150",
    };
    uint64_t v = 7;

    EXPECT_INT_EQ(gw_parse_u64("0", 0, 10, &v), GW_OK);
    EXPECT_TRUE(v == 0);
    EXPECT_INT_EQ(gw_parse_u64("10", 0, 10, &v), GW_OK);
    EXPECT_TRUE(v == 10);
    EXPECT_INT_EQ(gw_parse_u64("65535", 0, 65535, &v), GW_OK);
    EXPECT_TRUE(v == 65535);
    EXPECT_INT_EQ(gw_parse_u64("18446744073709551615", 0, UINT64_MAX, &v), GW_OK);
    EXPECT_TRUE(v == UINT64_MAX);
    EXPECT_INT_EQ(gw_parse_u64("18446744073709551614", 0, UINT64_MAX, &v), GW_OK);
    EXPECT_TRUE(v == UINT64_MAX - 1);
    v = 7;
    for (size_t i = 0; i < T_COUNT(malformed); i++) {
        if (gw_parse_u64(malformed[i], 0, UINT64_MAX, &v) != GW_EINPUT) {
            T_FAIL("gw_parse_u64(\"%s\") is not GW_EINPUT", malformed[i]);
        }
    }
    EXPECT_INT_EQ(gw_parse_u64(NULL, 0, UINT64_MAX, &v), GW_EINPUT);
    for (size_t i = 0; i < T_COUNT(too_big); i++) {
        if (gw_parse_u64(too_big[i], 0, UINT64_MAX, &v) != GW_ELIMIT) {
            T_FAIL("gw_parse_u64(\"%s\") is not GW_ELIMIT", too_big[i]);
        }
    }
    /* the range is inclusive at both ends */
    EXPECT_INT_EQ(gw_parse_u64("0", 1, 64, &v), GW_ELIMIT);
    EXPECT_INT_EQ(gw_parse_u64("65", 1, 64, &v), GW_ELIMIT);
    EXPECT_INT_EQ(gw_parse_u64("1", 1, 64, &v), GW_OK);
    EXPECT_TRUE(v == 1);
    EXPECT_INT_EQ(gw_parse_u64("64", 1, 64, &v), GW_OK);
    EXPECT_TRUE(v == 64);
    /* *out is untouched on failure */
    v = 42;
    EXPECT_INT_EQ(gw_parse_u64("65", 1, 64, &v), GW_ELIMIT);
    EXPECT_INT_EQ(gw_parse_u64("x", 1, 64, &v), GW_EINPUT);
    EXPECT_TRUE(v == 42);
out:
    return;
}

static const struct t_case cases[] = {
    {"full", test_full, NULL},
    {"defaults", test_defaults, NULL},
    {"comments_and_blanks", test_comments_and_blanks, NULL},
    {"listen_forms", test_listen_forms, NULL},
    {"line_length", test_line_length, NULL},
    {"file_too_large", test_file_too_large, NULL},
    {"missing_file", test_missing_file, NULL},
    {"too_many_peers", test_too_many_peers, NULL},
    {"peer_lookup", test_peer_lookup, NULL},
    {"allows", test_allows, NULL},
    {"doc_examples", test_doc_examples, NULL},
    {"parse_u64", test_parse_u64, NULL},
    {"allow_root", test_allow_root, NULL},
    BAD("allow_root_true", BASE "allow_root = true\n", 7, "allow_root: 'true' is neither yes nor no"),
    BAD("allow_root_case", BASE "allow_root = Yes\n", 7, "allow_root: 'Yes' is neither yes nor no"),
    BAD("allow_root_number", BASE "allow_root = 1\n", 7, "allow_root: '1' is neither yes nor no"),
    BAD("allow_root_twice", BASE "allow_root = no\nallow_root = yes\n", 8,
        "allow_root: given twice (first at line 7)"),
    /* line syntax */
    BAD("no_equals", BASE "workers 4\n", 7, "expected 'key = value'"),
    BAD("no_key", BASE "  = 4\n", 7, "expected 'key = value'"),
    BAD("empty_value", BASE "chain =  \t\n", 7, "chain: the value is empty"),
    BAD("unknown_key", BASE "frobnicate = 1\n", 7, "frobnicate: unknown key"),
    BAD("unknown_key_case", BASE "Workers = 4\n", 7, "Workers: unknown key"),
    BAD("comment_after_text", BASE "workers = 4 # four\n", 7, "workers: '4 # four' is not a number"),
    BAD("control_char", BASE "chain = a\x01z\n", 7, "control character 0x01"),
    BAD("nul_byte", BASE "chain = a\0z\n", 7, "control character 0x00"),
    BAD("lone_cr", BASE "chain = a\rz\n", 7, "control character 0x0d"),
    BAD("utf8_invalid", BASE "chain = \xc3\x28\n", 7, "not valid UTF-8"),
    BAD("utf8_overlong", BASE "chain = \xc0\xaf\n", 7, "not valid UTF-8"),
    BAD("utf8_surrogate", BASE "chain = \xed\xa0\x80\n", 7, "not valid UTF-8"),
    BAD("utf8_too_high", BASE "chain = \xf4\x90\x80\x80\n", 7, "not valid UTF-8"),
    BAD("utf8_truncated", BASE "chain = a\xc5\n", 7, "not valid UTF-8"),
    /* single keys given twice */
    BAD("duplicate", BASE "workers = 2\n\nworkers = 3\n", 9, "workers: given twice (first at line 7)"),
    BAD("duplicate_required", BASE "key = other.key.pem\n", 7, "key: given twice (first at line 2)"),
    BAD("duplicate_crl", BASE "crl = crl.pem\ncrl = crl.pem\n", 8,
        "crl: 'crl.pem' is given twice (first at line 7)"),
    BAD("duplicate_submitter", BASE "submitter = a\nsubmitter = a\n", 8, "given twice (first at line 7)"),
    BAD("too_many_crls", BASE CRLS_17, 23, "crl: more than 16 CRLs"),
    /* numbers */
    BAD("number_word", BASE "workers = four\n", 7, "workers: 'four' is not a number (decimal digits only)"),
    BAD("number_sign", BASE "workers = +4\n", 7, "workers: '+4' is not a number"),
    BAD("number_negative", BASE "created_window_future = -1\n", 7, "'-1' is not a number"),
    BAD("number_leading_zero", BASE "workers = 04\n", 7, "workers: '04' is not a number"),
    BAD("number_unit", BASE "max_body = 4M\n", 7, "max_body: '4M' is not a number"),
    BAD("number_inner_space", BASE "max_body = 4 096\n", 7, "max_body: '4 096' is not a number"),
    BAD("range_low", BASE "workers = 0\n", 7, "workers: 0 is out of range 1..64"),
    BAD("range_high", BASE "workers = 65\n", 7, "workers: 65 is out of range 1..64"),
    BAD("range_overflow", BASE "max_connections = 18446744073709551616\n", 7,
        "max_connections: 18446744073709551616 is out of range 1..10000"),
    BAD("max_body_ceiling", BASE "max_body = 16777217\n", 7, "max_body: 16777217 is out of range 1024..16777216"),
    BAD("max_body_low", BASE "max_body = 1023\n", 7, "max_body: 1023 is out of range 1024..16777216"),
    BAD("max_headers", BASE "max_headers = 65537\n", 7, "max_headers: 65537 is out of range 1024..65536"),
    BAD("created_window_past", BASE "created_window_past = 59\n", 7, "out of range 60..31536000"),
    BAD("created_window_future", BASE "created_window_future = 3601\n", 7, "out of range 0..3600"),
    BAD("retry_initial", BASE "retry_initial = 9\n", 7, "retry_initial: 9 is out of range 10..60000"),
    BAD("retry_max_age", BASE "retry_max_age = 2592001\n", 7, "out of range 1..2592000"),
    BAD("deliver_timeout", BASE "deliver_timeout = 601\n", 7, "deliver_timeout: 601 is out of range 1..600"),
    BAD("delivery_concurrency_zero", BASE "delivery_concurrency = 0\n", 7,
        "delivery_concurrency: 0 is out of range 1..16"),
    BAD("delivery_concurrency_high", BASE "delivery_concurrency = 17\n", 7,
        "delivery_concurrency: 17 is out of range 1..16"),
    BAD("delivery_concurrency_twice", BASE "delivery_concurrency = 2\ndelivery_concurrency = 3\n", 8,
        "delivery_concurrency: given twice (first at line 7)"),
    BAD("allow_checkpoint", BASE "allow = 90000017453 90001800413 Decision,Checkpoint\n", 7, "never exchanged"),
    BAD("checkpoint_every_entries", BASE "checkpoint_every_entries = 1000001\n", 7,
        "checkpoint_every_entries: 1000001 is out of range 0..1000000"),
    BAD("checkpoint_every_seconds", BASE "checkpoint_every_seconds = -1\n", 7, "checkpoint_every_seconds"),
    BAD("request_timeout", BASE "request_timeout = 0\n", 7, "out of range 1..3600"),
    BAD("idle_timeout", BASE "idle_timeout = 3601\n", 7, "out of range 1..3600"),
    BAD("max_handshakes", BASE "max_handshakes = 10001\n", 7, "max_handshakes: 10001 is out of range 1..10000"),
    BAD("max_handshakes_zero", BASE "max_handshakes = 0\n", 7, "out of range 1..10000"),
    BAD("max_handshakes_per_address", BASE "max_handshakes_per_address = 0\n", 7,
        "max_handshakes_per_address: 0 is out of range 1..10000"),
    BAD("handshake_timeout", BASE "handshake_timeout = 121\n", 7, "handshake_timeout: 121 is out of range 1..120"),
    BAD("retry_initial_above_max", BASE "retry_max_interval = 1\nretry_initial = 1001\n", 8,
        "retry_initial: 1001 ms is longer than retry_max_interval (1 s)"),
    BAD("retry_max_below_initial", BASE "retry_initial = 2000\nretry_max_interval = 1\n", 7,
        "retry_initial: 2000 ms is longer than retry_max_interval (1 s)"),
    /* required keys: blamed on the file */
    BAD("missing_organisation", "key = k\ncert = c\ntrust = t\nstore = s\nlisten = 127.0.0.1:1\n", 0,
        "organisation: required key is missing"),
    BAD("missing_listen", BASE_NO_LISTEN, 0, "listen: required key is missing"),
    BAD("missing_store", "organisation = 90001800413\nkey = k\ncert = c\ntrust = t\nlisten = h:1\n", 0,
        "store: required key is missing"),
    BAD("empty_file", "", 0, "organisation: required key is missing"),
    BAD("only_comments", "# nothing\n\n", 0, "organisation: required key is missing"),
    /* organisation */
    BAD("organisation_short", "organisation = 9000180041\n", 1,
        "organisation: '9000180041' is not a registration number (11 digits)"),
    BAD("organisation_letters", "organisation = LV90001800413\n", 1, "not a registration number"),
    /* listen */
    BAD("listen_no_port", BASE_NO_LISTEN "listen = 127.0.0.1\n", 6, "listen: expected HOST:PORT"),
    BAD("listen_empty_port", BASE_NO_LISTEN "listen = 127.0.0.1:\n", 6, "listen: the port after ':' is empty"),
    BAD("listen_port_range", BASE_NO_LISTEN "listen = localhost:65536\n", 6,
        "listen: 65536 is out of range 0..65535"),
    BAD("listen_port_word", BASE_NO_LISTEN "listen = localhost:https\n", 6, "listen: 'https' is not a number"),
    BAD("listen_empty_host", BASE_NO_LISTEN "listen = :8443\n", 6, "listen: the host is empty"),
    BAD("listen_bare_ipv6", BASE_NO_LISTEN "listen = ::1:8443\n", 6, "must be written in brackets"),
    BAD("listen_bad_ipv6", BASE_NO_LISTEN "listen = [::g]:8443\n", 6, "listen: '::g' is not an IPv6 address"),
    BAD("listen_ipv6_unclosed", BASE_NO_LISTEN "listen = [::1:8443\n", 6, "'[' without ']'"),
    BAD("listen_ipv6_junk", BASE_NO_LISTEN "listen = [::1]8443\n", 6, "expected ':PORT' after ']'"),
    BAD("listen_bad_ipv4", BASE_NO_LISTEN "listen = 10.1:8443\n", 6, "listen: '10.1' is not an IPv4 address"),
    BAD("listen_ipv4_octet", BASE_NO_LISTEN "listen = 10.0.0.256:8443\n", 6, "is not an IPv4 address"),
    BAD("listen_bad_name", BASE_NO_LISTEN "listen = gw!.example:8443\n", 6, "'gw!.example' is not a host name"),
    BAD("listen_name_hyphen", BASE_NO_LISTEN "listen = -gw.example:8443\n", 6, "is not a host name"),
    BAD("listen_name_dots", BASE_NO_LISTEN "listen = gw..example:8443\n", 6, "is not a host name"),
    BAD("listen_space", BASE_NO_LISTEN "listen = gw example:8443\n", 6, "is not a host name"),
    /* peer */
    BAD("peer_one_word", BASE "peer = 90000017453\n", 7, "peer: expected 'REGNO URL'"),
    BAD("peer_three_words", BASE "peer = 90000017453 https://a.example https://b.example\n", 7,
        "peer: expected 'REGNO URL'"),
    BAD("peer_regno", BASE "peer = 9000001745 https://gateway.ludza.example\n", 7,
        "peer: '9000001745' is not a registration number"),
    BAD("peer_http", BASE "peer = 90000017453 http://gateway.ludza.example\n", 7, "must start with https://"),
    BAD("peer_scheme_case", BASE "peer = 90000017453 HTTPS://gateway.ludza.example\n", 7,
        "must start with https://"),
    BAD("peer_trailing_slash", BASE "peer = 90000017453 https://gateway.ludza.example/\n", 7,
        "must not end with '/'"),
    BAD("peer_path", BASE "peer = 90000017453 https://gateway.ludza.example/gw\n", 7, "with no path"),
    BAD("peer_query", BASE "peer = 90000017453 https://gateway.ludza.example?x=1\n", 7, "with no path"),
    BAD("peer_user", BASE "peer = 90000017453 https://user@gateway.ludza.example\n", 7, "with no path"),
    BAD("peer_no_host", BASE "peer = 90000017453 https://\n", 7, "peer: URL 'https://' has no host"),
    BAD("peer_port_zero", BASE "peer = 90000017453 https://gateway.ludza.example:0\n", 7,
        "peer: 0 is out of range 1..65535"),
    BAD("peer_bad_host", BASE "peer = 90000017453 https://gate_way!\n", 7, "is not a host name"),
    BAD("peer_twice", BASE PEERS "peer = 90000017453 https://other.example\n", 9,
        "peer: 90000017453 is given twice (first at line 7)"),
    BAD("peer_own_organisation", BASE PEERS "peer = 90001800413 https://gateway.visc.example\n", 9,
        "peer: 90001800413 is this gateway's own organisation"),
    BAD("peer_own_organisation_before", "peer = 90001800413 https://gateway.visc.example\n" BASE, 1,
        "peer: 90001800413 is this gateway's own organisation"),
    /* allow */
    BAD("allow_unknown_type", BASE PEERS "allow = 90000017453 90001800413 Decision,Invoice\n", 9,
        "allow: unknown message type 'Invoice'"),
    BAD("allow_type_case", BASE PEERS "allow = 90000017453 90001800413 decision\n", 9,
        "allow: unknown message type 'decision'"),
    BAD("allow_empty_type", BASE PEERS "allow = 90000017453 90001800413 Decision,,Confirmation\n", 9,
        "allow: empty message type"),
    BAD("allow_trailing_comma", BASE PEERS "allow = 90000017453 90001800413 Decision,\n", 9,
        "allow: empty message type"),
    BAD("allow_type_twice", BASE PEERS "allow = 90000017453 90001800413 Decision, Decision\n", 9,
        "allow: Decision is listed twice"),
    BAD("allow_no_types", BASE PEERS "allow = 90000017453 90001800413\n", 9,
        "allow: expected 'SENDER RECIPIENT TYPE[,TYPE...]'"),
    BAD("allow_bad_sender", BASE PEERS "allow = ludza 90001800413 Decision\n", 9,
        "allow: sender 'ludza' is not a registration number"),
    BAD("allow_bad_recipient", BASE PEERS "allow = 90000017453 9000180041 Decision\n", 9,
        "allow: recipient '9000180041' is not a registration number"),
    BAD("allow_self", BASE PEERS "allow = 90001800413 90001800413 Letter\n", 9,
        "allow: sender and recipient are both 90001800413"),
    BAD("allow_twice",
        BASE PEERS "allow = 90000017453 90001800413 Decision\n"
                   "allow = 90000017453 90001800413 DataReport\n",
        10, "allow: a rule for 90000017453 to 90001800413 is given twice (first at line 9)"),
    BAD("allow_not_own", BASE PEERS "allow = 90000017453 90009113532 Decision\n", 9,
        "allow: neither 90000017453 nor 90009113532 is this gateway's organisation 90001800413"),
    BAD("allow_not_peer", BASE PEERS "allow = 90001800413 90000000001 Letter\n", 9,
        "allow: 90000000001 is not a configured peer"),
    BAD("allow_sender_not_peer", BASE "allow = 90000017453 90001800413 Decision\n", 7,
        "allow: 90000017453 is not a configured peer"),
};

const struct t_module t_module_config = {"config", cases, T_COUNT(cases)};

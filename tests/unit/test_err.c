// SPDX-License-Identifier: MIT
/*
 * Unit tests of err.c: the first error wins, the reason table round-trips, rc maps to the exit status of
 * DESIGN §4, and GW_CHECK/GW_TRY record where an error was raised.
 */
#include <libxml/xmlstring.h>
#include <limits.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <stdio.h>

#include "t.h"

static void
test_first_error_wins(struct t *t)
{
    struct gw_err err;
    enum gw_rc rc;

    gw_err_clear(&err);
    EXPECT_INT_EQ(err.rc, GW_OK);
    EXPECT_INT_EQ(err.reason, GW_R_OK);
    rc = gw_err_set(&err, GW_EINPUT, GW_R_XML_MALFORMED, "a.c:1", "first %d", 1);
    EXPECT_INT_EQ(rc, GW_EINPUT);
    /* a second error is dropped, and the call returns the recorded category */
    rc = gw_err_set(&err, GW_EPOLICY, GW_R_SIG_MULTIPLE, "b.c:2", "second %d", 2);
    EXPECT_INT_EQ(rc, GW_EINPUT);
    EXPECT_INT_EQ(err.rc, GW_EINPUT);
    EXPECT_INT_EQ(err.reason, GW_R_XML_MALFORMED);
    EXPECT_STR_EQ(err.msg, "first 1");
    EXPECT_STR_EQ(err.src, "a.c:1");
    /* where: also first wins */
    gw_err_where(&err, "%s:%d", "msg.xml", 12);
    gw_err_where(&err, "%s", "other");
    EXPECT_STR_EQ(err.where, "msg.xml:12");
    gw_err_clear(&err);
    EXPECT_INT_EQ(err.rc, GW_OK);
    EXPECT_STR_EQ(err.where, "");
    EXPECT_STR_EQ(err.msg, "");
    EXPECT_TRUE(err.src == NULL);
out:
    return;
}

static void
test_long_message_truncated(struct t *t)
{
    struct gw_err err;
    char big[2000];

    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    gw_err_clear(&err);
    (void)gw_err_set(&err, GW_EINPUT, GW_R_XML_MALFORMED, GW_SRC, "%s", big);
    gw_err_where(&err, "%s", big);
    EXPECT_INT_EQ(strlen(err.msg), sizeof(err.msg) - 1);
    EXPECT_INT_EQ(strlen(err.where), sizeof(err.where) - 1);
out:
    return;
}

static enum gw_rc
raise_twice(int n, struct gw_err *err)
{
    enum gw_rc rc = GW_EINTERNAL;

    GW_CHECK(n > 0, GW_ELIMIT, GW_R_LIMIT_NODES, "n is %d", n);
    rc = GW_OK;
out:
    return rc;
}

static enum gw_rc
try_twice(struct gw_err *err)
{
    enum gw_rc rc = GW_EINTERNAL;

    GW_TRY(raise_twice(1, err));
    GW_TRY(raise_twice(0, err));
    GW_CHECK(false, GW_EPOLICY, GW_R_INTERNAL, "not reached");
out:
    return rc;
}

/* GW_CHECK records the reason and file:line; GW_TRY passes the callee's code through. */
static void
test_check_and_try(struct t *t)
{
    struct gw_err err;

    EXPECT_FAIL(try_twice(&err), &err, GW_R_LIMIT_NODES);
    EXPECT_INT_EQ(err.rc, GW_ELIMIT);
    EXPECT_STR_EQ(err.msg, "n is 0");
    EXPECT_TRUE(t_contains(err.src, "test_err.c:"));
out:
    return;
}

/* Every reason has a distinct code that maps back to it, a text and an HTTP status. */
static void
test_reason_table_round_trip(struct t *t)
{
    enum gw_reason back;

    for (int i = 0; i < GW_R__COUNT; i++) {
        const char *code = gw_reason_code((enum gw_reason)i);
        const char *text = gw_reason_text((enum gw_reason)i);
        int http = gw_reason_http_status((enum gw_reason)i);

        if (code == NULL || code[0] == '\0' || text == NULL || text[0] == '\0') {
            T_FAIL("reason %d has no code or text", i);
        }
        if (!gw_reason_from_code(code, &back) || back != (enum gw_reason)i) {
            T_FAIL("reason %d: code %s does not map back", i, code);
        }
        if (http < 200 || http > 599) {
            T_FAIL("reason %s: HTTP status %d", code, http);
        }
        for (size_t j = 0; code[j] != '\0'; j++) {
            if (!((code[j] >= 'A' && code[j] <= 'Z') || (code[j] >= '0' && code[j] <= '9') || code[j] == '_')) {
                T_FAIL("reason code '%s' is not upper snake case", code);
            }
        }
    }
    /* stable names that receipts, logs and the hostile corpus rely on */
    EXPECT_INT_EQ(GW_R_OK, 0);
    EXPECT_STR_EQ(gw_reason_code(GW_R_OK), "OK");
    EXPECT_STR_EQ(gw_reason_code(GW_R_SIG_MULTIPLE), "SIG_MULTIPLE");
    EXPECT_STR_EQ(gw_reason_code(GW_R_DIGEST_MISMATCH), "DIGEST_MISMATCH");
    EXPECT_STR_EQ(gw_reason_text(GW_R_CERT_REVOKED), "certificate revoked");
    EXPECT_INT_EQ(gw_reason_http_status(GW_R_LIMIT_SIZE), 413);
    EXPECT_INT_EQ(gw_reason_http_status(GW_R_CERT_UNTRUSTED), 403);
    EXPECT_TRUE(gw_reason_from_code("XML_DTD", &back) && back == GW_R_XML_DTD);
out:
    return;
}

static void
test_reason_unknown(struct t *t)
{
    enum gw_reason back = GW_R_IO;

    EXPECT_TRUE(!gw_reason_from_code("NO_SUCH_REASON", &back));
    EXPECT_TRUE(!gw_reason_from_code("", &back));
    EXPECT_TRUE(!gw_reason_from_code("sig_multiple", &back)); /* codes are case-sensitive */
    EXPECT_INT_EQ(back, GW_R_IO);                             /* untouched */
    EXPECT_STR_EQ(gw_reason_code(GW_R__COUNT), "INTERNAL");
    EXPECT_STR_EQ(gw_reason_code((enum gw_reason)INT_MAX), "INTERNAL");
    EXPECT_STR_EQ(gw_reason_text(GW_R__COUNT), "internal error");
    EXPECT_INT_EQ(gw_reason_http_status(GW_R__COUNT), 500);
out:
    return;
}

/* DESIGN §4: 0 success, 1 invalid or rejected, 2 usage, I/O or configuration error. */
static void
test_exit_status(struct t *t)
{
    EXPECT_INT_EQ(gw_rc_exit_status(GW_OK), 0);
    EXPECT_INT_EQ(gw_rc_exit_status(GW_EINPUT), 1);
    EXPECT_INT_EQ(gw_rc_exit_status(GW_EPOLICY), 1);
    EXPECT_INT_EQ(gw_rc_exit_status(GW_ELIMIT), 1);
    EXPECT_INT_EQ(gw_rc_exit_status(GW_ECRYPTO), 2);
    EXPECT_INT_EQ(gw_rc_exit_status(GW_EIO), 2);
    EXPECT_INT_EQ(gw_rc_exit_status(GW_ENOMEM), 2);
    EXPECT_INT_EQ(gw_rc_exit_status(GW_ECONFIG), 2);
    EXPECT_INT_EQ(gw_rc_exit_status(GW_EINTERNAL), 2);
    EXPECT_INT_EQ(gw_rc_exit_status((enum gw_rc)99), 2);
out:
    return;
}

/* The OpenSSL error queue is appended to msg and left empty. */
static void
test_add_openssl(struct t *t)
{
    struct gw_err err;

    gw_err_clear(&err);
    (void)gw_err_set(&err, GW_ECRYPTO, GW_R_INTERNAL, GW_SRC, "load");
    ERR_raise(ERR_LIB_X509, X509_R_CERT_ALREADY_IN_HASH_TABLE);
    gw_err_add_openssl(&err);
    EXPECT_TRUE(strncmp(err.msg, "load (", 6) == 0);
    EXPECT_TRUE(ERR_peek_error() == 0);
    /* an empty queue adds nothing */
    gw_err_add_openssl(&err);
    EXPECT_TRUE(err.msg[strlen(err.msg) - 1] == ')');
out:
    ERR_clear_error();
}

/*
 * GATEWAY BUG (security review F5): texts were cut at a byte count, splitting a two-byte letter; a Rejected
 * receipt built from such a text no longer parsed, and the rejection went unrecorded. Every cut of an
 * error text now ends on a character boundary, for each offset of the cut.
 */
static void
test_utf8_cut(struct t *t)
{
    struct gw_err err;
    char s[16];
    char long_text[1024];

    for (size_t pad = 0; pad < 4; pad++) {
        t_fill_latvian(long_text, sizeof(long_text), pad);
        gw_err_clear(&err);
        (void)gw_err_set(&err, GW_EINPUT, GW_R_SCHEMA_INVALID, "a.c:1", "value '%s' is too long", long_text);
        gw_err_where(&err, "%s", long_text);
        EXPECT_TRUE(xmlCheckUTF8((const xmlChar *)err.msg) == 1);
        EXPECT_TRUE(xmlCheckUTF8((const xmlChar *)err.where) == 1);
        EXPECT_TRUE(strlen(err.msg) >= sizeof(err.msg) - 4); /* cut at most by one character */
        EXPECT_TRUE(strlen(err.where) >= sizeof(err.where) - 4);
    }
    /* the repair itself: a cut character at the end goes, a stray byte elsewhere becomes '?' */
    snprintf(s, sizeof(s), "%s", "ab\xc4");
    gw_utf8_repair(s);
    EXPECT_STR_EQ(s, "ab");
    snprintf(s, sizeof(s), "%s", "a\xc4:b\xe2\x80");
    gw_utf8_repair(s);
    EXPECT_STR_EQ(s, "a?:b");
    snprintf(s, sizeof(s), "%s", "\xed\xa0\x80\xc4\x81\xf0\x9f\x98\x80");
    gw_utf8_repair(s);
    EXPECT_STR_EQ(s, "???\xc4\x81\xf0\x9f\x98\x80");
out:
    return;
}

static const struct t_case cases[] = {
    {"first_error_wins", test_first_error_wins, NULL},
    {"long_message_truncated", test_long_message_truncated, NULL},
    {"check_and_try", test_check_and_try, NULL},
    {"reason_table_round_trip", test_reason_table_round_trip, NULL},
    {"reason_unknown", test_reason_unknown, NULL},
    {"exit_status", test_exit_status, NULL},
    {"add_openssl", test_add_openssl, NULL},
    {"utf8_cut", test_utf8_cut, NULL},
};

const struct t_module t_module_err = {"err", cases, T_COUNT(cases)};

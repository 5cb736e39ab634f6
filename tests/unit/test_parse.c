// SPDX-License-Identifier: MIT
/*
 * Unit tests of parse.c: every cursor operation at its boundaries (exact cap, one more, the end, embedded
 * NUL bytes) with the cursor and outputs untouched on every failure; UTF-8 and text checks; HOST[:PORT];
 * the xs:dateTime of Created (leap days, zones, fractions, every truncation); query strings; path ids;
 * and the XML declaration's encoding check that xml.c reads through the cursor.
 */
#include <inttypes.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>

#include "gw/parse.h"
#include "t.h"

/* A reader over a string literal, NULs included (sizeof - 1 bytes). */
#define RD(r, lit) gw_rd_init((r), (lit), sizeof(lit) - 1)
#define SPAN(lit) ((struct gw_span){(const unsigned char *)(lit), sizeof(lit) - 1})

/* Does span s hold exactly the bytes of lit (NULs included)? */
#define SPAN_IS(s, lit) ((s).n == sizeof(lit) - 1 && memcmp((s).p, (lit), sizeof(lit) - 1) == 0)

static void
test_rd_basics(struct t *t)
{
    struct gw_rd r;
    struct gw_span s = {NULL, 7};
    unsigned char ch = 'q';

    /* an empty input, NULL included */
    gw_rd_init(&r, NULL, 5);
    EXPECT_TRUE(gw_rd_at_end(&r));
    EXPECT_INT_EQ(gw_rd_remaining(&r), 0);
    EXPECT_INT_EQ(gw_rd_peek(&r, &ch), GW_EINPUT);
    EXPECT_INT_EQ(gw_rd_expect(&r, 'a'), GW_EINPUT);
    EXPECT_INT_EQ(gw_rd_take(&r, 1, &s), GW_EINPUT);
    EXPECT_TRUE(ch == 'q' && s.p == NULL && s.n == 7);
    EXPECT_INT_EQ(gw_rd_take(&r, 0, &s), GW_OK);
    EXPECT_INT_EQ(s.n, 0);
    EXPECT_INT_EQ(gw_rd_rest(&r).n, 0);

    RD(&r, "ab\0c");
    EXPECT_INT_EQ(gw_rd_remaining(&r), 4);
    EXPECT_INT_EQ(gw_rd_peek(&r, &ch), GW_OK);
    EXPECT_TRUE(ch == 'a' && r.pos == 0);
    EXPECT_INT_EQ(gw_rd_expect(&r, 'b'), GW_EINPUT);
    EXPECT_INT_EQ(r.pos, 0);
    EXPECT_INT_EQ(gw_rd_expect(&r, 'a'), GW_OK);
    EXPECT_INT_EQ(gw_rd_expect(&r, 'b'), GW_OK);
    EXPECT_INT_EQ(gw_rd_expect(&r, '\0'), GW_OK); /* a NUL is a byte like any other */
    EXPECT_TRUE(SPAN_IS(gw_rd_rest(&r), "c"));
    EXPECT_INT_EQ(gw_rd_take(&r, 2, &s), GW_EINPUT);
    EXPECT_INT_EQ(r.pos, 3);
    EXPECT_INT_EQ(gw_rd_take(&r, 1, &s), GW_OK);
    EXPECT_TRUE(SPAN_IS(s, "c") && gw_rd_at_end(&r));
out:
    return;
}

static void
test_rd_literals(struct t *t)
{
    struct gw_rd r;

    RD(&r, "<?xml version");
    EXPECT_INT_EQ(gw_rd_expect_lit(&r, "<?xmlx"), GW_EINPUT);
    EXPECT_INT_EQ(gw_rd_expect_lit(&r, "<?XML"), GW_EINPUT);
    EXPECT_INT_EQ(r.pos, 0);
    EXPECT_INT_EQ(gw_rd_expect_lit(&r, "<?xml"), GW_OK);
    EXPECT_INT_EQ(r.pos, 5);
    EXPECT_INT_EQ(gw_rd_expect_lit(&r, ""), GW_OK);              /* the empty literal is always there */
    EXPECT_INT_EQ(gw_rd_expect_lit(&r, " version="), GW_EINPUT); /* longer than what is left */
    EXPECT_INT_EQ(r.pos, 5);
    EXPECT_INT_EQ(gw_rd_expect_lit_ci(&r, " VERSION"), GW_OK);
    EXPECT_TRUE(gw_rd_at_end(&r));
    RD(&r, "utf-8");
    EXPECT_INT_EQ(gw_rd_expect_lit_ci(&r, "UTF-9"), GW_EINPUT);
    EXPECT_INT_EQ(gw_rd_expect_lit_ci(&r, "UTF-8"), GW_OK);
    RD(&r, "a\0b");
    EXPECT_INT_EQ(gw_rd_expect_lit(&r, "a"), GW_OK);
    EXPECT_INT_EQ(gw_rd_expect_lit(&r, "b"), GW_EINPUT); /* the NUL is not skipped */
out:
    return;
}

static void
test_rd_take_while(struct t *t)
{
    struct gw_rd r;
    struct gw_span s = {NULL, 99};

    RD(&r, "12345x");
    EXPECT_INT_EQ(gw_rd_take_while(&r, gw_parse_is_digit, 6, 10, &s), GW_EINPUT); /* run shorter than min */
    EXPECT_INT_EQ(gw_rd_take_while(&r, gw_parse_is_digit, 0, 4, &s), GW_ELIMIT);  /* longer than max */
    EXPECT_TRUE(r.pos == 0 && s.p == NULL && s.n == 99);
    EXPECT_INT_EQ(gw_rd_take_while(&r, gw_parse_is_digit, 5, 5, &s), GW_OK); /* exactly the cap */
    EXPECT_TRUE(SPAN_IS(s, "12345") && r.pos == 5);
    EXPECT_INT_EQ(gw_rd_take_while(&r, gw_parse_is_digit, 0, 5, &s), GW_OK); /* an empty run is min 0 */
    EXPECT_TRUE(s.n == 0 && r.pos == 5);
    EXPECT_INT_EQ(gw_rd_take_while(&r, gw_parse_is_digit, 1, 5, &s), GW_EINPUT);
    /* a NUL ends a run of unreserved bytes */
    RD(&r, "ab\0cd");
    EXPECT_INT_EQ(gw_rd_take_while(&r, gw_parse_is_unreserved, 1, 10, &s), GW_OK);
    EXPECT_TRUE(SPAN_IS(s, "ab"));
    /* skip: any count, 0 included */
    RD(&r, " \t\r\nx");
    EXPECT_INT_EQ(gw_rd_skip(&r, gw_parse_is_blank), 2);
    EXPECT_INT_EQ(gw_rd_skip(&r, gw_parse_is_blank), 0);
    EXPECT_INT_EQ(gw_rd_skip(&r, gw_parse_is_space), 2);
    EXPECT_TRUE(SPAN_IS(gw_rd_rest(&r), "x"));
    EXPECT_INT_EQ(gw_rd_skip(&r, gw_parse_is_space), 0);
    /* the classes */
    EXPECT_TRUE(gw_parse_is_unreserved('~') && gw_parse_is_unreserved('Z') && gw_parse_is_unreserved('-'));
    EXPECT_TRUE(!gw_parse_is_unreserved('%') && !gw_parse_is_unreserved('+') && !gw_parse_is_unreserved('/'));
    EXPECT_TRUE(!gw_parse_is_unreserved(0xc4) && !gw_parse_is_unreserved('\0'));
    EXPECT_TRUE(!gw_parse_is_digit('/') && !gw_parse_is_digit(':') && gw_parse_is_digit('0'));
out:
    return;
}

static void
test_rd_take_until(struct t *t)
{
    struct gw_rd r;
    struct gw_span s = {NULL, 99};

    RD(&r, "key = a=b");
    EXPECT_INT_EQ(gw_rd_take_until(&r, '=', 3, &s), GW_ELIMIT);
    EXPECT_TRUE(r.pos == 0 && s.n == 99);
    EXPECT_INT_EQ(gw_rd_take_until(&r, '=', 4, &s), GW_OK);
    EXPECT_TRUE(SPAN_IS(s, "key ") && r.pos == 4);
    EXPECT_INT_EQ(gw_rd_take_until(&r, '=', 0, &s), GW_OK); /* the delimiter stays */
    EXPECT_INT_EQ(s.n, 0);
    EXPECT_INT_EQ(gw_rd_expect(&r, '='), GW_OK);
    EXPECT_INT_EQ(gw_rd_take_until(&r, '#', 10, &s), GW_OK); /* absent: to the end */
    EXPECT_TRUE(SPAN_IS(s, " a=b") && gw_rd_at_end(&r));
    EXPECT_INT_EQ(gw_rd_take_until(&r, '#', 10, &s), GW_OK);
    EXPECT_INT_EQ(s.n, 0);
    /* NUL as the delimiter */
    RD(&r, "ab\0cd");
    EXPECT_INT_EQ(gw_rd_take_until(&r, '\0', 10, &s), GW_OK);
    EXPECT_TRUE(SPAN_IS(s, "ab"));
    /* by class */
    RD(&r, "90000017453 \thttps://x");
    EXPECT_INT_EQ(gw_rd_take_until_in(&r, gw_parse_is_blank, 10, &s), GW_ELIMIT);
    EXPECT_INT_EQ(r.pos, 0);
    EXPECT_INT_EQ(gw_rd_take_until_in(&r, gw_parse_is_blank, 11, &s), GW_OK);
    EXPECT_TRUE(SPAN_IS(s, "90000017453"));
    EXPECT_INT_EQ(gw_rd_skip(&r, gw_parse_is_blank), 2);
    EXPECT_INT_EQ(gw_rd_take_until_in(&r, gw_parse_is_blank, 100, &s), GW_OK);
    EXPECT_TRUE(SPAN_IS(s, "https://x") && gw_rd_at_end(&r));
    /* by literal: the first occurrence, a partial one at the end does not count */
    RD(&r, "<?xml a?b ?>x?");
    EXPECT_INT_EQ(gw_rd_take_until_lit(&r, "", 100, &s), GW_EINPUT);
    EXPECT_INT_EQ(gw_rd_take_until_lit(&r, "?>", 9, &s), GW_ELIMIT);
    EXPECT_INT_EQ(r.pos, 0);
    EXPECT_INT_EQ(gw_rd_take_until_lit(&r, "?>", 10, &s), GW_OK);
    EXPECT_TRUE(SPAN_IS(s, "<?xml a?b ") && r.pos == 10);
    EXPECT_INT_EQ(gw_rd_expect_lit(&r, "?>"), GW_OK);
    EXPECT_INT_EQ(gw_rd_take_until_lit(&r, "?>", 11, &s), GW_OK);
    EXPECT_TRUE(SPAN_IS(s, "x?") && gw_rd_at_end(&r));
    RD(&r, "a\0?>");
    EXPECT_INT_EQ(gw_rd_take_until_lit(&r, "?>", 11, &s), GW_OK);
    EXPECT_TRUE(SPAN_IS(s, "a\0"));
out:
    return;
}

static void
test_rd_u64(struct t *t)
{
    struct gw_rd r;
    uint64_t v = 42;

    RD(&r, "8443/x");
    EXPECT_INT_EQ(gw_rd_u64(&r, 1, 65535, &v), GW_OK);
    EXPECT_TRUE(v == 8443 && r.pos == 4); /* what follows is the caller's */
    RD(&r, "0");
    EXPECT_INT_EQ(gw_rd_u64(&r, 0, 0, &v), GW_OK);
    EXPECT_TRUE(v == 0 && gw_rd_at_end(&r));
    RD(&r, "0x10");
    EXPECT_INT_EQ(gw_rd_u64(&r, 0, 100, &v), GW_OK); /* "0", then 'x' for the caller */
    EXPECT_TRUE(v == 0 && r.pos == 1);
    RD(&r, "18446744073709551615");
    EXPECT_INT_EQ(gw_rd_u64(&r, 0, UINT64_MAX, &v), GW_OK);
    EXPECT_TRUE(v == UINT64_MAX);
    v = 42;
    static const char *const malformed[] = {"", "x", "-1", "+1", " 1", "01", "00", "\0001"};
    for (size_t i = 0; i < T_COUNT(malformed); i++) {
        gw_rd_init(&r, malformed[i], i == T_COUNT(malformed) - 1 ? 2 : strlen(malformed[i]));
        if (gw_rd_u64(&r, 0, UINT64_MAX, &v) != GW_EINPUT || r.pos != 0) {
            T_FAIL("gw_rd_u64(\"%s\") is not GW_EINPUT with the cursor unmoved", malformed[i]);
        }
    }
    RD(&r, "18446744073709551616");
    EXPECT_INT_EQ(gw_rd_u64(&r, 0, UINT64_MAX, &v), GW_ELIMIT);
    RD(&r, "65536");
    EXPECT_INT_EQ(gw_rd_u64(&r, 0, 65535, &v), GW_ELIMIT);
    RD(&r, "0");
    EXPECT_INT_EQ(gw_rd_u64(&r, 1, 65535, &v), GW_ELIMIT);
    EXPECT_TRUE(v == 42 && r.pos == 0);
    /* gw_span_u64: the whole span; a NUL inside is malformed, as is a non-digit after an overflow */
    EXPECT_INT_EQ(gw_span_u64(SPAN("1\0"), 0, 10, &v), GW_EINPUT);
    EXPECT_INT_EQ(gw_span_u64(SPAN("99999999999999999999x"), 0, UINT64_MAX, &v), GW_EINPUT);
    EXPECT_INT_EQ(gw_span_u64(SPAN("99999999999999999999"), 0, UINT64_MAX, &v), GW_ELIMIT);
    EXPECT_INT_EQ(gw_span_u64(SPAN(""), 0, 10, &v), GW_EINPUT);
    EXPECT_TRUE(v == 42);
    EXPECT_INT_EQ(gw_span_u64(SPAN("10"), 0, 10, &v), GW_OK);
    EXPECT_TRUE(v == 10);
out:
    return;
}

static void
test_span(struct t *t)
{
    struct gw_span s;
    char dst[4] = "zzz";

    s = gw_span_trim(SPAN(" \t a b \t"), gw_parse_is_blank);
    EXPECT_TRUE(SPAN_IS(s, "a b"));
    s = gw_span_trim(SPAN(" \t "), gw_parse_is_blank);
    EXPECT_INT_EQ(s.n, 0);
    s = gw_span_trim(SPAN(""), gw_parse_is_blank);
    EXPECT_INT_EQ(s.n, 0);
    EXPECT_TRUE(gw_span_eq(SPAN("crl"), "crl"));
    EXPECT_TRUE(!gw_span_eq(SPAN("crls"), "crl") && !gw_span_eq(SPAN("cr"), "crl"));
    EXPECT_TRUE(!gw_span_eq(SPAN("cr\0"), "cr") && gw_span_eq(SPAN(""), ""));
    /* gw_span_cstr: size - 1 bytes fit, size do not; a NUL inside would cut the copy short */
    EXPECT_INT_EQ(gw_span_cstr(SPAN("abcd"), dst, sizeof(dst)), GW_ELIMIT);
    EXPECT_INT_EQ(gw_span_cstr(SPAN("a\0c"), dst, sizeof(dst)), GW_EINPUT);
    EXPECT_STR_EQ(dst, "zzz");
    EXPECT_INT_EQ(gw_span_cstr(SPAN("abc"), dst, sizeof(dst)), GW_OK);
    EXPECT_STR_EQ(dst, "abc");
    EXPECT_INT_EQ(gw_span_cstr(SPAN(""), dst, 1), GW_OK);
    EXPECT_STR_EQ(dst, "");
    EXPECT_INT_EQ(gw_span_cstr(SPAN(""), dst, 0), GW_ELIMIT);
out:
    return;
}

/* One UTF-8 case: bytes, text mode, and the offset of the first bad byte (SIZE_MAX = valid). */
struct utf8_case {
    const char *s;
    size_t n;
    bool text;
    size_t bad;
};

#define U8(lit, text, bad)                                                                                        \
    {                                                                                                             \
        lit, sizeof(lit) - 1, text, bad                                                                           \
    }

static void
test_utf8(struct t *t)
{
    static const struct utf8_case cases[] = {
        U8("", true, SIZE_MAX),
        U8("Lietvedības sistēma", true, SIZE_MAX),
        U8("\xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf \xc2\x80", false, SIZE_MAX), /* 3, 4, U+10FFFF, 2 */
        U8("a\tb", true, SIZE_MAX),
        U8("a\0b\r\n\x1b\x7f", false, SIZE_MAX), /* controls are UTF-8 */
        U8("a\0b", true, 1),
        U8("ab\r", true, 2),
        U8("\n", true, 0),
        U8("x\x1b[31m", true, 1),
        U8("\x7f", true, 0),
        U8("a\x80", false, 1),            /* a continuation byte cannot lead */
        U8("\xc0\xaf", false, 0),         /* C0, C1 never lead */
        U8("\xc1\xbf", false, 0),         /* an overlong two-byte form */
        U8("\xe0\x80\xaf", false, 0),     /* overlong three bytes */
        U8("\xf0\x80\x80\xaf", false, 0), /* overlong four bytes */
        U8("ab\xed\xa0\x80", false, 2),   /* a surrogate */
        U8("\xf4\x90\x80\x80", false, 0), /* past U+10FFFF */
        U8("\xf5\x80\x80\x80", false, 0), /* F5 never leads */
        U8("\xff", false, 0),
        U8("a\xc5", false, 1), /* truncated at the end */
        U8("a\xe2\x82", false, 1),
        U8("\xc3\x28", false, 0), /* a bad continuation */
        U8("\xf0\x9f\x98\x28", false, 0),
    };
    size_t bad;

    for (size_t i = 0; i < T_COUNT(cases); i++) {
        const struct utf8_case *c = &cases[i];
        enum gw_rc rc;

        bad = SIZE_MAX;
        rc = gw_parse_utf8(c->s, c->n, c->text, &bad);
        if (rc != (c->bad == SIZE_MAX ? GW_OK : GW_EINPUT) || bad != c->bad) {
            T_FAIL("case %zu: rc %s, bad %zu; expected bad %zu", i, t_rc_name(rc), bad, c->bad);
        }
    }
out:
    return;
}

/* base64 as XML carries it: RFC 4648 alphabet, whitespace anywhere, '=' only as the last group's padding;
 * each rejected form is one that a looser decoder (OpenSSL's stops at '-') would read some meaning into. */
struct b64_case {
    const char *in;
    const char *out; /* NULL: rejected */
    size_t out_len;
};

static void
test_base64(struct t *t)
{
    static const struct b64_case cases[] = {
        {"", "", 0},
        {"  \r\n", "", 0},
        {"TWFu", "Man", 3},
        {"TWE=", "Ma", 2},
        {"TQ==", "M", 1},
        {"TW\nFu\r\nTW E=\t", "ManMa", 5},
        {"////", "\xff\xff\xff", 3},
        {"++++", "\xfb\xef\xbe", 3},
        {"AAAA", "\0\0\0", 3},
        {"TWF", NULL, 0}, /* a group cut short */
        {"TWFuT", NULL, 0},
        {"T===", NULL, 0}, /* '=' too early */
        {"====", NULL, 0},
        {"TQ=a", NULL, 0}, /* data after padding */
        {"TQ==TWFu", NULL, 0},
        {"TWFu=", NULL, 0}, /* padding without a group */
        {"TQ===", NULL, 0},
        {"TWFu-xyz", NULL, 0}, /* OpenSSL's end marker is not base64 */
        {"TW.u", NULL, 0},
        {"TWF\x01", NULL, 0},
        {"TWF\xc3\xa9", NULL, 0},
        {"TW_u", NULL, 0}, /* the URL-safe alphabet is another encoding */
    };
    unsigned char buf[16];

    for (size_t i = 0; i < T_COUNT(cases); i++) {
        const struct b64_case *c = &cases[i];
        size_t len = 12345;
        enum gw_rc rc = gw_parse_base64(c->in, strlen(c->in), buf, &len);
        if (c->out == NULL) {
            if (rc != GW_EINPUT || len != 12345) {
                T_FAIL("case %zu '%s': rc %s, len %zu; expected rejection", i, c->in, t_rc_name(rc), len);
            }
        } else if (rc != GW_OK || len != c->out_len || memcmp(buf, c->out, len) != 0) {
            T_FAIL("case %zu '%s': rc %s, len %zu; expected %zu bytes", i, c->in, t_rc_name(rc), len, c->out_len);
        }
    }
out:
    return;
}

/* One HOST[:PORT] that must be accepted. */
struct hp_good {
    const char *s;
    uint16_t min_port;
    const char *host;
    bool has_port;
    uint16_t port;
};

/* One that must be rejected, with its code and a part of the message. */
struct hp_bad {
    const char *s;
    size_t n; /* 0: strlen */
    enum gw_rc rc;
    const char *msg;
};

static void
test_host_port(struct t *t)
{
    static const struct hp_good good[] = {
        {"127.0.0.1:0", 0, "127.0.0.1", true, 0},
        {"0.0.0.0:65535", 1, "0.0.0.0", true, 65535},
        {"[::1]:8443", 1, "::1", true, 8443},
        {"[2001:db8::1]", 1, "2001:db8::1", false, 0},
        {"[::ffff:10.0.0.1]:1", 1, "::ffff:10.0.0.1", true, 1},
        {"localhost", 1, "localhost", false, 0},
        {"visc_gateway:8443", 1, "visc_gateway", true, 8443},
        {"gw-1.visc.example:8443", 1, "gw-1.visc.example", true, 8443},
        {"1gw.example", 1, "1gw.example", false, 0},
    };
    char label63[128];
    char label64[128];
    char name253[300];
    char name254[300];
    const struct hp_bad bad[] = {
        {"[::1:8443", 0, GW_EINPUT, "'[' without ']' in '[::1:8443'"},
        {"[::1]8443", 0, GW_EINPUT, "expected ':PORT' after ']'"},
        {"[::1]:", 0, GW_EINPUT, "the port after ':' is empty"},
        {"[::g]:8443", 0, GW_EINPUT, "'::g' is not an IPv6 address"},
        {"[]:1", 0, GW_EINPUT, "'' is not an IPv6 address"},
        {"[10.0.0.1]:1", 0, GW_EINPUT, "is not an IPv6 address"},
        {"[::1\0]:1", 8, GW_EINPUT, "is not an IPv6 address"},
        {"[0000:0000:0000:0000:0000:0000:0000:0000:0000:0000]", 0, GW_EINPUT, "is not an IPv6 address"},
        {"::1:8443", 0, GW_EINPUT, "must be written in brackets"},
        {"a:1:", 0, GW_EINPUT, "must be written in brackets"},
        {"", 0, GW_EINPUT, "the host is empty"},
        {":8443", 0, GW_EINPUT, "the host is empty"},
        {"10.1:8443", 0, GW_EINPUT, "'10.1' is not an IPv4 address"},
        {"10.0.0.256", 0, GW_EINPUT, "is not an IPv4 address"},
        {"10.0.0.1.", 0, GW_EINPUT, "is not an IPv4 address"},
        {"...", 0, GW_EINPUT, "is not an IPv4 address"},
        {"gw!.example", 0, GW_EINPUT, "'gw!.example' is not a host name"},
        {"-gw.example", 0, GW_EINPUT, "is not a host name"},
        {"gw-.example", 0, GW_EINPUT, "is not a host name"},
        {"gw..example", 0, GW_EINPUT, "is not a host name"},
        {".gw.example", 0, GW_EINPUT, "is not a host name"},
        {"gw.example.", 0, GW_EINPUT, "is not a host name"},
        {"gw example", 0, GW_EINPUT, "is not a host name"},
        {"gw\0x:1", 6, GW_EINPUT, "is not a host name"},
        {"g\xc3\xa5.example", 0, GW_EINPUT, "is not a host name"},
        {label64, 0, GW_EINPUT, "is not a host name"},
        {name254, 0, GW_EINPUT, "is not a host name"},
        {"localhost:", 0, GW_EINPUT, "the port after ':' is empty"},
        {"localhost:https", 0, GW_EINPUT, "'https' is not a number (decimal digits only)"},
        {"localhost:08443", 0, GW_EINPUT, "'08443' is not a number"},
        {"localhost:+1", 0, GW_EINPUT, "'+1' is not a number"},
        {"localhost:1\0", 12, GW_EINPUT, "is not a number"},
        {"localhost:65536", 0, GW_ELIMIT, "65536 is out of range 1..65535"},
        {"localhost:0", 0, GW_ELIMIT, "0 is out of range 1..65535"},
        {"localhost:99999999999999999999999", 0, GW_ELIMIT, "is out of range 1..65535"},
    };
    struct gw_host_port hp;
    struct gw_host_port before;
    struct gw_err err;

    /* a label of 63 bytes and a name of 253 pass; one byte more does not */
    memset(label63, 'a', 63);
    memcpy(label63 + 63, ".example", 9);
    memset(label64, 'a', 64);
    memcpy(label64 + 64, ".example", 9);
    for (size_t i = 0; i < 4; i++) {
        memset(name253 + i * 64, 'b', 63);
        name253[i * 64 + 63] = '.';
    }
    name253[253] = '\0'; /* 4 labels: 63+1+63+1+63+1+61 */
    memcpy(name254, name253, 253);
    memcpy(name254 + 253, "b", 2);
    EXPECT_OK(gw_parse_host_port(label63, strlen(label63), 1, GW_R_CONFIG, &hp, &err), &err);
    EXPECT_STR_EQ(hp.host, label63);
    EXPECT_OK(gw_parse_host_port(name253, strlen(name253), 1, GW_R_CONFIG, &hp, &err), &err);
    EXPECT_STR_EQ(hp.host, name253);
    for (size_t i = 0; i < T_COUNT(good); i++) {
        memset(&hp, 0x5a, sizeof(hp));
        EXPECT_OK(gw_parse_host_port(good[i].s, strlen(good[i].s), good[i].min_port, GW_R_CONFIG, &hp, &err),
                  &err);
        EXPECT_STR_EQ(hp.host, good[i].host);
        EXPECT_INT_EQ(hp.has_port, good[i].has_port);
        EXPECT_INT_EQ(hp.port, good[i].port);
    }
    for (size_t i = 0; i < T_COUNT(bad); i++) {
        size_t n = bad[i].n != 0 ? bad[i].n : strlen(bad[i].s);
        memset(&hp, 0x5a, sizeof(hp));
        memcpy(&before, &hp, sizeof(hp));
        EXPECT_FAIL(gw_parse_host_port(bad[i].s, n, 1, GW_R_HTTP_BAD_REQUEST, &hp, &err), &err,
                    GW_R_HTTP_BAD_REQUEST);
        if (err.rc != bad[i].rc || !t_contains(err.msg, bad[i].msg)) {
            T_FAIL("case %zu '%.40s': %s \"%s\", expected %s \"%s\"", i, bad[i].s, t_rc_name(err.rc), err.msg,
                   t_rc_name(bad[i].rc), bad[i].msg);
        }
        EXPECT_TRUE(memcmp(&hp, &before, sizeof(hp)) == 0);
    }
out:
    return;
}

/* One dateTime that must parse, and its epoch seconds. */
struct dt_good {
    const char *s;
    int64_t t;
};

static void
test_datetime(struct t *t)
{
    static const struct dt_good good[] = {
        {"2025-04-10T06:00:00Z", 1744264800},
        {"2024-09-25T16:05:00+03:00", 1727269500},
        {"2024-09-25T13:05:00-00:00", 1727269500},
        {"2024-09-25T13:05:00+00:00", 1727269500},
        {"2024-09-25T13:05:00.5Z", 1727269500},
        {"2024-09-25T13:05:00.123456789Z", 1727269500},
        {"2024-09-25T13:05:59Z", 1727269559},
        {"2024-02-29T12:00:00Z", 1709208000},
        {"2000-02-29T00:00:00Z", 951782400},
        {"1970-01-01T00:00:00Z", 0},
        {"1969-12-31T23:59:59Z", -1},
        {"1970-01-01T00:00:00+14:00", -50400},
        {"1970-01-01T00:00:00-14:00", 50400},
        {"1970-01-01T00:00:00-13:59", 50340},
        {"0001-01-01T00:00:00Z", -62135596800},
        {"9999-12-31T23:59:59Z", 253402300799},
        {"2023-12-31T23:59:59Z", 1704067199},
        {"2024-12-31T00:00:00Z", 1735603200},
    };
    static const char *const bad[] = {
        "",
        "2023-02-29T12:00:00Z", /* 2023 is not a leap year */
        "1900-02-29T12:00:00Z", /* nor is 1900 */
        "2024-02-30T12:00:00Z",
        "2024-04-31T12:00:00Z",
        "2024-06-31T12:00:00Z",
        "2024-12-32T12:00:00Z",
        "2024-13-01T12:00:00Z",
        "2024-00-10T12:00:00Z",
        "2024-01-00T12:00:00Z",
        "0000-01-01T00:00:00Z",
        "2024-01-01T24:00:00Z",
        "2024-01-01T23:60:00Z",
        "2024-01-01T23:59:60Z", /* no leap second */
        "2024-01-01T23:59:59.1234567890Z",
        "2024-01-01T23:59:59.Z",
        "2024-01-01T23:59:59.",
        "2024-01-01T23:59:59,5Z",
        "2024-01-01T23:59:59",
        "2024-01-01T23:59:59+14:01",
        "2024-01-01T23:59:59-15:00",
        "2024-01-01T23:59:59+03:60",
        "2024-01-01T23:59:59+0300",
        "2024-01-01T23:59:59+03",
        "2024-01-01T23:59:59+3:00",
        "2024-01-01T23:59:59+03:00Z",
        "2024-01-01T23:59:59ZZ",
        "2024-01-01T23:59:59Z ",
        " 2024-01-01T23:59:59Z",
        "2024-01-01t23:59:59Z",
        "2024-01-01T23:59:59z",
        "2024-01-01 23:59:59Z",
        "2024-1-01T23:59:59Z",
        "20240-01-01T23:59:59Z",
        "24-01-01T23:59:59Z",
        "-2024-01-01T23:59:59Z",
        "+2024-01-01T23:59:59Z",
        "2024-01-01T23:59:5Z",
        "2024-01-01T2:59:59Z",
        "2024-01-01T23:59:59+-3:00",
        "2024-0a-01T23:59:59Z",
        "\xef\xbc\x92"
        "024-01-01T23:59:59Z",
    };
    static const char valid[] = "2024-09-25T16:05:00.25+03:00";
    int64_t v = 42;

    for (size_t i = 0; i < T_COUNT(good); i++) {
        v = 42;
        if (gw_parse_datetime(good[i].s, strlen(good[i].s), &v) != GW_OK || v != good[i].t) {
            T_FAIL("gw_parse_datetime(\"%s\"): %" PRId64 ", expected %" PRId64, good[i].s, v, good[i].t);
        }
    }
    v = 42;
    for (size_t i = 0; i < T_COUNT(bad); i++) {
        if (gw_parse_datetime(bad[i], strlen(bad[i]), &v) != GW_EINPUT) {
            T_FAIL("gw_parse_datetime(\"%s\") is not GW_EINPUT", bad[i]);
        }
    }
    /* every truncation of a valid value, and the value followed by a NUL byte */
    for (size_t n = 0; n < sizeof(valid) - 1; n++) {
        if (gw_parse_datetime(valid, n, &v) != GW_EINPUT) {
            T_FAIL("gw_parse_datetime of the first %zu bytes of \"%s\" is not GW_EINPUT", n, valid);
        }
    }
    EXPECT_INT_EQ(gw_parse_datetime(valid, sizeof(valid), &v), GW_EINPUT);
    EXPECT_INT_EQ(gw_parse_datetime(NULL, 0, &v), GW_EINPUT);
    EXPECT_TRUE(v == 42);
    EXPECT_INT_EQ(gw_parse_datetime(valid, sizeof(valid) - 1, &v), GW_OK);
    EXPECT_TRUE(v == 1727269500);
out:
    return;
}

/* One query lookup that must succeed: the value of "after", or NULL if absent. */
struct q_good {
    const char *q;
    const char *after;
};

struct q_bad {
    const char *q;
    size_t n; /* 0: strlen */
    enum gw_rc rc;
    const char *msg;
};

static void
test_query(struct t *t)
{
    static const struct q_good good[] = {
        {"", NULL},
        {"after=5", "5"},
        {"after=5&limit=10", "5"},
        {"limit=10&after=5", "5"},
        {"limit=10", NULL},
        {"after=", ""},
        {"x=1&after=-1", "-1"},
        {"after=A-z.0_9~", "A-z.0_9~"},
        {"afte=1&afterx=2&AFTER=3", NULL}, /* keys are exact and case-sensitive */
        {"after=1234567890123456789012345678901", "1234567890123456789012345678901"}, /* 31 bytes */
        {"abcdefghijklmnopqrstuvwxyz012345=1&after=2", "2"},                          /* a key of 32 */
        {"a=&b=&c=&d=&e=&f=&g=&h=&i=&j=&k=&l=&m=&n=&o=&after=7", "7"},                /* 16 pairs */
    };
    static const struct q_bad bad[] = {
        {"after", 0, GW_EINPUT, "query: 'after' is not a key=value pair"},
        {"=1", 0, GW_EINPUT, "query: '=1' is not a key=value pair"},
        {"after=1=2", 0, GW_EINPUT, "'after=1=2' is not a key=value pair"},
        {"&", 0, GW_EINPUT, "query: '' is not a key=value pair"},
        {"after=1&", 0, GW_EINPUT, "'' is not a key=value pair"},
        {"&after=1", 0, GW_EINPUT, "'' is not a key=value pair"},
        {"after=1&&limit=2", 0, GW_EINPUT, "'' is not a key=value pair"},
        {"after=1&after=2", 0, GW_EINPUT, "query: 'after' is given twice"},
        {"after=1&after=1", 0, GW_EINPUT, "'after' is given twice"},
        {"x=1&after=2&x=3", 0, GW_EINPUT, "query: 'x' is given twice"},
        {"after=%31", 0, GW_EINPUT, "query: '%' at byte 7: percent-encoding is not decoded"},
        {"%61fter=1", 0, GW_EINPUT, "'%' at byte 1"},
        {"after=+1", 0, GW_EINPUT, "'+' at byte 7"},
        {"after=1 ", 0, GW_EINPUT, "query: byte 0x20 at byte 8 is not allowed"},
        {"after=1\0", 8, GW_EINPUT, "byte 0x00 at byte 8"},
        {"after=1#x", 0, GW_EINPUT, "byte 0x23 at byte 8"},
        {"after=1;limit=2", 0, GW_EINPUT, "byte 0x3b"},
        {"after=\xc4\x81", 0, GW_EINPUT, "byte 0xc4"},
        {"after=12345678901234567890123456789012", 0, GW_ELIMIT,
         "query: the value of 'after' is longer than 31 bytes"},
        {"abcdefghijklmnopqrstuvwxyz0123456=1", 0, GW_ELIMIT, "query: a key is longer than 32 bytes"},
        {"a=&b=&c=&d=&e=&f=&g=&h=&i=&j=&k=&l=&m=&n=&o=&p=&after=7", 0, GW_ELIMIT,
         "query: more than 16 parameters"},
    };
    char v[32];
    bool found = false;
    struct gw_err err;

    for (size_t i = 0; i < T_COUNT(good); i++) {
        memcpy(v, "untouched", 10);
        found = !(good[i].after != NULL);
        EXPECT_OK(gw_parse_query_param(good[i].q, strlen(good[i].q), "after", v, sizeof(v), &found, &err), &err);
        EXPECT_INT_EQ(found, good[i].after != NULL);
        EXPECT_STR_EQ(v, good[i].after != NULL ? good[i].after : "untouched");
    }
    EXPECT_OK(gw_parse_query_param(NULL, 0, "after", v, sizeof(v), &found, &err), &err);
    EXPECT_TRUE(!found);
    for (size_t i = 0; i < T_COUNT(bad); i++) {
        size_t n = bad[i].n != 0 ? bad[i].n : strlen(bad[i].q);
        memcpy(v, "untouched", 10);
        found = true;
        EXPECT_FAIL(gw_parse_query_param(bad[i].q, n, "after", v, sizeof(v), &found, &err), &err,
                    GW_R_HTTP_BAD_REQUEST);
        if (err.rc != bad[i].rc || !t_contains(err.msg, bad[i].msg)) {
            T_FAIL("case %zu '%s': %s \"%s\", expected %s \"%s\"", i, bad[i].q, t_rc_name(err.rc), err.msg,
                   t_rc_name(bad[i].rc), bad[i].msg);
        }
        EXPECT_TRUE(found);
        EXPECT_STR_EQ(v, "untouched");
    }
    /* the whole query is checked whichever key is asked for: a bad pair far from "after" still fails */
    EXPECT_FAIL(gw_parse_query_param("after=1&limit", 13, "after", v, sizeof(v), &found, &err), &err,
                GW_R_HTTP_BAD_REQUEST);
    /* a value buffer of one byte holds only the empty value */
    EXPECT_OK(gw_parse_query_param("after=", 6, "after", v, 1, &found, &err), &err);
    EXPECT_TRUE(found && v[0] == '\0');
    EXPECT_FAIL(gw_parse_query_param("after=1", 7, "after", v, 1, &found, &err), &err, GW_R_HTTP_BAD_REQUEST);
    EXPECT_FAIL(gw_parse_query_param("after=", 6, "after", v, 0, &found, &err), &err, GW_R_HTTP_BAD_REQUEST);
out:
    return;
}

/* One path split: the path, id_size, the result, and the id and rest on success. */
struct path_case {
    const char *path;
    size_t id_size;
    enum gw_rc rc;
    const char *id;
    const char *rest;
};

static void
test_path_id(struct t *t)
{
    static const struct path_case cases[] = {
        {"/v1/inbox/547a6145-1d05-400f-accf-1822e2dc53e9", 64, GW_OK, "547a6145-1d05-400f-accf-1822e2dc53e9", ""},
        {"/v1/inbox/abc/ack", 64, GW_OK, "abc", "ack"},
        {"/v1/inbox/abc/", 64, GW_OK, "abc", ""},
        {"/v1/inbox/abc/receipt/x", 64, GW_OK, "abc", "receipt/x"},
        {"/v1/inbox/ABC~._-9", 64, GW_OK, "ABC~._-9", ""},
        {"/v1/inbox/...", 64, GW_OK, "...", ""},
        {"/v1/inbox/abc", 4, GW_OK, "abc", ""}, /* id_size - 1 bytes fit */
        {"/v1/inbox/abcd", 4, GW_ELIMIT, NULL, NULL},
        {"/v1/inbox/abcd/ack", 4, GW_ELIMIT, NULL, NULL},
        {"/v1/inbox/", 64, GW_EINPUT, NULL, NULL},
        {"/v1/inbox//ack", 64, GW_EINPUT, NULL, NULL},
        {"/v1/inbox", 64, GW_EINPUT, NULL, NULL},
        {"/v1/inboxabc", 64, GW_EINPUT, NULL, NULL},
        {"/v1/INBOX/abc", 64, GW_EINPUT, NULL, NULL},
        {"/v1/inbox/.", 64, GW_EINPUT, NULL, NULL},
        {"/v1/inbox/../ack", 64, GW_EINPUT, NULL, NULL},
        {"/v1/inbox/a%20b", 64, GW_EINPUT, NULL, NULL},
        {"/v1/inbox/a b", 64, GW_EINPUT, NULL, NULL},
        {"/v1/inbox/a?b", 64, GW_EINPUT, NULL, NULL},
        {"/v1/inbox/\xc4\x81", 64, GW_EINPUT, NULL, NULL},
        {"/v1/inbox/abc", 1, GW_EINPUT, NULL, NULL},
        {"/v1/inbox/abc", 0, GW_EINPUT, NULL, NULL},
    };
    char id[64];
    const char *rest = NULL;

    for (size_t i = 0; i < T_COUNT(cases); i++) {
        const struct path_case *c = &cases[i];
        enum gw_rc rc;

        memcpy(id, "untouched", 10);
        rest = NULL;
        rc = gw_parse_path_id(c->path, "/v1/inbox/", id, c->id_size, &rest);
        if (rc != c->rc) {
            T_FAIL("gw_parse_path_id(\"%s\", %zu): %s, expected %s", c->path, c->id_size, t_rc_name(rc),
                   t_rc_name(c->rc));
        }
        if (rc == GW_OK) {
            EXPECT_STR_EQ(id, c->id);
            EXPECT_STR_EQ(rest, c->rest);
        } else {
            EXPECT_STR_EQ(id, "untouched");
            EXPECT_TRUE(rest == NULL);
        }
    }
    EXPECT_INT_EQ(gw_parse_path_id(NULL, "/v1/inbox/", id, sizeof(id), &rest), GW_EINPUT);
out:
    return;
}

/* xml.c reads the encoding of the XML declaration through the cursor: UTF-8 (any case, either quote,
 * blanks around '=') or none is accepted; anything else, a mismatched quote or a missing '=' is not. */
static void
test_xml_declaration(struct t *t)
{
    static const char *const accepted[] = {
        "<a/>",
        "<?xml version='1.0'?><a/>",
        "<?xml version='1.0' encoding='UTF-8'?><a/>",
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><a/>",
        "<?xml version='1.0' encoding \t=\r\n 'Utf-8' ?><a/>",
    };
    static const char *const refused[] = {
        "<?xml version='1.0' encoding='UTF-8\"?><a/>", "<?xml version='1.0' encoding='UTF-16'?><a/>",
        "<?xml version='1.0' encoding='UTF-8X'?><a/>", "<?xml version='1.0' encoding='UTF8'?><a/>",
        "<?xml version='1.0' encoding=UTF-8?><a/>",    "<?xml version='1.0' encoding 'UTF-8'?><a/>",
        "<?xml version='1.0' encodingx='UTF-8'?><a/>", "<?xml version='1.0' encoding='latin1'?><a/>",
    };
    xmlDoc *doc = NULL;
    struct gw_err err;

    for (size_t i = 0; i < T_COUNT(accepted); i++) {
        EXPECT_OK(t_parse_str(accepted[i], NULL, &doc, &err), &err);
        xmlFreeDoc(doc);
        doc = NULL;
    }
    for (size_t i = 0; i < T_COUNT(refused); i++) {
        EXPECT_FAIL(t_parse_str(refused[i], NULL, &doc, &err), &err, GW_R_XML_MALFORMED);
    }
out:
    xmlFreeDoc(doc);
}

static const struct t_case cases[] = {
    {"rd_basics", test_rd_basics, NULL},
    {"base64", test_base64, NULL},
    {"rd_literals", test_rd_literals, NULL},
    {"rd_take_while", test_rd_take_while, NULL},
    {"rd_take_until", test_rd_take_until, NULL},
    {"rd_u64", test_rd_u64, NULL},
    {"span", test_span, NULL},
    {"utf8", test_utf8, NULL},
    {"host_port", test_host_port, NULL},
    {"datetime", test_datetime, NULL},
    {"query", test_query, NULL},
    {"path_id", test_path_id, NULL},
    {"xml_declaration", test_xml_declaration, NULL},
};

const struct t_module t_module_parse = {"parse", cases, T_COUNT(cases)};

// SPDX-License-Identifier: MIT
/*
 * The reader of every non-XML input (STYLE §5): struct gw_rd, a cursor over borrowed bytes that moves only
 * once a token is accepted and caps every token it hands out, and on top of it the grammars the gateway
 * reads from people and clients: decimal numbers, UTF-8 text, HOST[:PORT] (configuration), the xs:dateTime
 * of Created (DESIGN §5, an untrusted field), query strings and request-path ids (HTTP). Nothing here
 * allocates, uses the locale or strto*(), or decodes an escape: whatever a grammar does not name is
 * rejected, never skipped or truncated. It does not decide what a value means (config.c, the handlers).
 */
#include "gw/parse.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <string.h>

/* A DNS name (RFC 1035 §2.3.4). */
#define MAX_HOSTNAME 253u
#define MAX_LABEL 63u

bool
gw_parse_is_digit(unsigned char ch)
{
    return ch >= '0' && ch <= '9';
}

bool
gw_parse_is_blank(unsigned char ch)
{
    return ch == ' ' || ch == '\t';
}

bool
gw_parse_is_space(unsigned char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static bool
is_alpha(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

bool
gw_parse_is_unreserved(unsigned char ch)
{
    return is_alpha(ch) || gw_parse_is_digit(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~';
}

void
gw_rd_init(struct gw_rd *r, const void *data, size_t len)
{
    static const unsigned char empty[1];

    /* never NULL: spans handed out point somewhere, and no pointer arithmetic is done on NULL */
    r->data = data != NULL ? data : empty;
    r->len = data != NULL ? len : 0;
    r->pos = 0;
}

size_t
gw_rd_remaining(const struct gw_rd *r)
{
    return r->len - r->pos;
}

bool
gw_rd_at_end(const struct gw_rd *r)
{
    return r->pos >= r->len;
}

struct gw_span
gw_rd_rest(const struct gw_rd *r)
{
    struct gw_span s = {r->data + r->pos, r->len - r->pos};

    return s;
}

enum gw_rc
gw_rd_peek(const struct gw_rd *r, unsigned char *out)
{
    if (gw_rd_at_end(r)) {
        return GW_EINPUT;
    }
    *out = r->data[r->pos];
    return GW_OK;
}

enum gw_rc
gw_rd_expect(struct gw_rd *r, unsigned char ch)
{
    if (gw_rd_at_end(r) || r->data[r->pos] != ch) {
        return GW_EINPUT;
    }
    r->pos++;
    return GW_OK;
}

static unsigned char
ascii_lower(unsigned char ch)
{
    return ch >= 'A' && ch <= 'Z' ? (unsigned char)(ch - 'A' + 'a') : ch;
}

static enum gw_rc
expect_lit(struct gw_rd *r, const char *lit, bool nocase)
{
    size_t n = strlen(lit);

    if (n > gw_rd_remaining(r)) {
        return GW_EINPUT;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char a = r->data[r->pos + i];
        unsigned char b = (unsigned char)lit[i];
        if (nocase ? ascii_lower(a) != ascii_lower(b) : a != b) {
            return GW_EINPUT;
        }
    }
    r->pos += n;
    return GW_OK;
}

enum gw_rc
gw_rd_expect_lit(struct gw_rd *r, const char *lit)
{
    return expect_lit(r, lit, false);
}

enum gw_rc
gw_rd_expect_lit_ci(struct gw_rd *r, const char *lit)
{
    return expect_lit(r, lit, true);
}

/* Hand out data[pos..end) and move to end (end lies within the unread bytes). */
static void
take_to(struct gw_rd *r, size_t end, struct gw_span *out)
{
    out->p = r->data + r->pos;
    out->n = end - r->pos;
    r->pos = end;
}

/* take_to, unless that would be more than max bytes (GW_ELIMIT, nothing moves). */
static enum gw_rc
take_capped(struct gw_rd *r, size_t end, size_t max, struct gw_span *out)
{
    if (end - r->pos > max) {
        return GW_ELIMIT;
    }
    take_to(r, end, out);
    return GW_OK;
}

enum gw_rc
gw_rd_take(struct gw_rd *r, size_t n, struct gw_span *out)
{
    if (n > gw_rd_remaining(r)) {
        return GW_EINPUT;
    }
    take_to(r, r->pos + n, out);
    return GW_OK;
}

enum gw_rc
gw_rd_take_while(struct gw_rd *r, gw_parse_class_fn cls, size_t min, size_t max, struct gw_span *out)
{
    size_t end = r->pos;

    while (end < r->len && cls(r->data[end])) {
        end++;
    }
    if (end - r->pos < min) {
        return GW_EINPUT;
    }
    return take_capped(r, end, max, out);
}

enum gw_rc
gw_rd_take_until_in(struct gw_rd *r, gw_parse_class_fn cls, size_t max, struct gw_span *out)
{
    size_t end = r->pos;

    while (end < r->len && !cls(r->data[end])) {
        end++;
    }
    return take_capped(r, end, max, out);
}

/* Where the first delim at or after pos lies, or len. */
static size_t
find_byte(const struct gw_rd *r, unsigned char delim)
{
    const unsigned char *hit = gw_rd_at_end(r) ? NULL : memchr(r->data + r->pos, delim, gw_rd_remaining(r));

    return hit != NULL ? (size_t)(hit - r->data) : r->len;
}

enum gw_rc
gw_rd_take_until(struct gw_rd *r, unsigned char delim, size_t max, struct gw_span *out)
{
    size_t end = find_byte(r, delim);

    return take_capped(r, end, max, out);
}

enum gw_rc
gw_rd_take_until_lit(struct gw_rd *r, const char *lit, size_t max, struct gw_span *out)
{
    size_t n = strlen(lit);
    size_t end = r->len;

    if (n == 0) {
        return GW_EINPUT;
    }
    for (size_t i = r->pos; n <= r->len - i; i++) {
        if (memcmp(r->data + i, lit, n) == 0) {
            end = i;
            break;
        }
    }
    return take_capped(r, end, max, out);
}

size_t
gw_rd_skip(struct gw_rd *r, gw_parse_class_fn cls)
{
    size_t start = r->pos;

    while (r->pos < r->len && cls(r->data[r->pos])) {
        r->pos++;
    }
    return r->pos - start;
}

enum gw_rc
gw_rd_u64(struct gw_rd *r, uint64_t min, uint64_t max, uint64_t *out)
{
    size_t i = r->pos;
    uint64_t v = 0;
    bool overflow = false;

    if (i >= r->len || !gw_parse_is_digit(r->data[i])) {
        return GW_EINPUT;
    }
    if (r->data[i] == '0' && i + 1 < r->len && gw_parse_is_digit(r->data[i + 1])) {
        return GW_EINPUT; /* a leading zero: octal to some readers */
    }
    for (; i < r->len && gw_parse_is_digit(r->data[i]); i++) {
        unsigned d = (unsigned)(r->data[i] - '0');
        /* keep reading after an overflow, so that the cursor would end after the whole run */
        if (!overflow && v > (UINT64_MAX - d) / 10) {
            overflow = true;
        }
        if (!overflow) {
            v = v * 10 + d;
        }
    }
    if (overflow || v < min || v > max) {
        return GW_ELIMIT;
    }
    *out = v;
    r->pos = i;
    return GW_OK;
}

struct gw_span
gw_span_trim(struct gw_span s, gw_parse_class_fn cls)
{
    while (s.n > 0 && cls(s.p[0])) {
        s.p++;
        s.n--;
    }
    while (s.n > 0 && cls(s.p[s.n - 1])) {
        s.n--;
    }
    return s;
}

bool
gw_span_eq(struct gw_span s, const char *lit)
{
    size_t n = strlen(lit);

    return s.n == n && (n == 0 || memcmp(s.p, lit, n) == 0);
}

enum gw_rc
gw_span_cstr(struct gw_span s, char *dst, size_t size)
{
    if (s.n >= size) {
        return GW_ELIMIT;
    }
    if (s.n > 0 && memchr(s.p, '\0', s.n) != NULL) {
        return GW_EINPUT;
    }
    if (s.n > 0) {
        memcpy(dst, s.p, s.n);
    }
    dst[s.n] = '\0';
    return GW_OK;
}

enum gw_rc
gw_parse_utf8(const void *s, size_t n, bool text, size_t *bad)
{
    const unsigned char *b = s;
    size_t i = 0;

    while (i < n) {
        unsigned char ch = b[i];
        size_t more;
        uint32_t cp;
        uint32_t least;

        if (ch < 0x80) {
            if (text && ((ch < 0x20 && ch != '\t') || ch == 0x7f)) {
                *bad = i;
                return GW_EINPUT;
            }
            i++;
            continue;
        }
        /* RFC 3629 §4: C0, C1 and F5..FF never lead; the checks below reject overlong forms, surrogates
         * and code points past U+10FFFF */
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
            *bad = i;
            return GW_EINPUT;
        }
        if (more >= n - i) {
            *bad = i; /* truncated */
            return GW_EINPUT;
        }
        for (size_t j = 1; j <= more; j++) {
            if ((b[i + j] & 0xc0) != 0x80) {
                *bad = i;
                return GW_EINPUT;
            }
            cp = (cp << 6) | (b[i + j] & 0x3fu);
        }
        if (cp < least || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
            *bad = i;
            return GW_EINPUT;
        }
        i += more + 1;
    }
    return GW_OK;
}

/* The 6-bit value of a base64 character, 64 for '=', 65 for XML whitespace, 66 for anything else. */
static unsigned
base64_value(unsigned char ch)
{
    if (ch >= 'A' && ch <= 'Z') {
        return (unsigned)(ch - 'A');
    }
    if (ch >= 'a' && ch <= 'z') {
        return (unsigned)(ch - 'a') + 26u;
    }
    if (ch >= '0' && ch <= '9') {
        return (unsigned)(ch - '0') + 52u;
    }
    switch (ch) {
    case '+':
        return 62;
    case '/':
        return 63;
    case '=':
        return 64;
    case ' ':
    case '\t':
    case '\r':
    case '\n':
        return 65;
    default:
        return 66;
    }
}

enum gw_rc
gw_parse_base64(const char *s, size_t len, unsigned char *out, size_t *out_len)
{
    uint32_t group = 0; /* the characters of the current group, 6 bits each */
    size_t in_group = 0;
    size_t pad = 0;
    size_t n = 0;

    for (size_t i = 0; i < len; i++) {
        unsigned v = base64_value((unsigned char)s[i]);
        if (v == 65) {
            continue;
        }
        if (v == 66 || (pad > 0 && v != 64) || (v == 64 && in_group < 2) || (pad > 0 && in_group == 0)) {
            return GW_EINPUT; /* not base64, data after padding, '=' too early, a fifth '=' group */
        }
        if (v == 64) {
            pad++;
            v = 0;
        }
        group = (group << 6) | v;
        if (++in_group == 4) {
            out[n] = (unsigned char)(group >> 16);
            out[n + 1] = (unsigned char)(group >> 8);
            out[n + 2] = (unsigned char)group;
            n += 3 - pad;
            in_group = 0;
            group = 0;
        }
    }
    if (in_group != 0) {
        return GW_EINPUT;
    }
    *out_len = n;
    return GW_OK;
}

enum gw_rc
gw_span_u64(struct gw_span s, uint64_t min, uint64_t max, uint64_t *out)
{
    struct gw_rd r;
    struct gw_span digits;

    /* every byte a digit first: "99999999999999999999x" is malformed, not too large */
    gw_rd_init(&r, s.p, s.n);
    if (gw_rd_take_while(&r, gw_parse_is_digit, 1, SIZE_MAX, &digits) != GW_OK || !gw_rd_at_end(&r)) {
        return GW_EINPUT;
    }
    gw_rd_init(&r, digits.p, digits.n);
    return gw_rd_u64(&r, min, max, out);
}

enum gw_rc
gw_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    struct gw_span span = {(const unsigned char *)s, s != NULL ? strlen(s) : 0};

    if (s == NULL) {
        return GW_EINPUT;
    }
    return gw_span_u64(span, min, max, out);
}

/* A DNS name: dot-separated labels of letters, digits, '-' and '_' (container names), no label starting
 * or ending with '-'. All-numeric names are left to the IPv4 check by the caller. */
static bool
is_hostname(struct gw_span s)
{
    size_t label = 0;

    if (s.n == 0 || s.n > MAX_HOSTNAME) {
        return false;
    }
    for (size_t i = 0; i <= s.n; i++) {
        unsigned char ch = i < s.n ? s.p[i] : '.';
        if (ch == '.') {
            if (label == 0 || label > MAX_LABEL || s.p[i - 1] == '-') {
                return false;
            }
            label = 0;
            continue;
        }
        if (!(is_alpha(ch) || gw_parse_is_digit(ch) || ch == '-' || ch == '_')) {
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
is_digit_or_dot(unsigned char ch)
{
    return ch == '.' || gw_parse_is_digit(ch);
}

/* Is s an address of family af to inet_pton? (Copied out first: inet_pton wants a C string.) */
static bool
is_address(int af, struct gw_span s)
{
    char text[INET6_ADDRSTRLEN];
    unsigned char addr[16];

    return gw_span_cstr(s, text, sizeof(text)) == GW_OK && inet_pton(af, text, addr) == 1;
}

enum gw_rc
gw_parse_host_port(const char *s, size_t len, uint16_t min_port, enum gw_reason reason, struct gw_host_port *out,
                   struct gw_err *err)
{
    enum gw_rc rc = GW_EINPUT;
    struct gw_span all = {(const unsigned char *)s, len};
    struct gw_rd r;
    struct gw_span host;
    bool has_port = false;
    uint64_t v = 0;

    gw_rd_init(&r, s, len);
    if (gw_rd_expect(&r, '[') == GW_OK) {
        take_to(&r, find_byte(&r, ']'), &host);
        GW_CHECK(gw_rd_expect(&r, ']') == GW_OK, GW_EINPUT, reason, "'[' without ']' in '%.*s'", GW_SPAN_ARG(all));
        has_port = gw_rd_expect(&r, ':') == GW_OK;
        GW_CHECK(has_port || gw_rd_at_end(&r), GW_EINPUT, reason, "expected ':PORT' after ']'");
        GW_CHECK(is_address(AF_INET6, host), GW_EINPUT, reason, "'%.*s' is not an IPv6 address",
                 GW_SPAN_ARG(host));
    } else {
        take_to(&r, find_byte(&r, ':'), &host);
        has_port = gw_rd_expect(&r, ':') == GW_OK;
        GW_CHECK(find_byte(&r, ':') == r.len, GW_EINPUT, reason,
                 "an IPv6 address must be written in brackets, e.g. [::1]:8443");
        GW_CHECK(host.n > 0, GW_EINPUT, reason, "the host is empty (write 0.0.0.0 or [::] for every address)");
        /* "10.1" is an IPv4 address to inet_aton and getaddrinfo: never let it pass as a name */
        if (gw_span_trim(host, is_digit_or_dot).n == 0) {
            GW_CHECK(is_address(AF_INET, host), GW_EINPUT, reason, "'%.*s' is not an IPv4 address",
                     GW_SPAN_ARG(host));
        } else {
            GW_CHECK(is_hostname(host), GW_EINPUT, reason, "'%.*s' is not a host name", GW_SPAN_ARG(host));
        }
    }
    /* the checks above bound the host: a name to MAX_HOSTNAME bytes, an address to INET6_ADDRSTRLEN - 1 */
    _Static_assert(MAX_HOSTNAME < sizeof(out->host) && INET6_ADDRSTRLEN <= sizeof(out->host), "host fits");
    if (has_port) {
        struct gw_span port = gw_rd_rest(&r);
        enum gw_rc prc;

        GW_CHECK(port.n > 0, GW_EINPUT, reason, "the port after ':' is empty");
        prc = gw_span_u64(port, min_port, 65535, &v);
        GW_CHECK(prc != GW_EINPUT, GW_EINPUT, reason, "'%.*s' is not a number (decimal digits only)",
                 GW_SPAN_ARG(port));
        GW_CHECK(prc == GW_OK, GW_ELIMIT, reason, "%.*s is out of range %" PRIu16 "..65535", GW_SPAN_ARG(port),
                 min_port);
    }
    memcpy(out->host, host.p, host.n);
    out->host[host.n] = '\0';
    out->port = (uint16_t)v;
    out->has_port = has_port;
    rc = GW_OK;
out:
    return rc;
}

/* Exactly n digits, as a number in min..max (leading zeros are part of the fixed width). */
static enum gw_rc
rd_fixed(struct gw_rd *r, size_t n, unsigned min, unsigned max, unsigned *out)
{
    struct gw_rd t = *r;
    struct gw_span s;
    unsigned v = 0;

    if (gw_rd_take_while(&t, gw_parse_is_digit, n, n, &s) != GW_OK) {
        return GW_EINPUT;
    }
    for (size_t i = 0; i < n; i++) {
        v = v * 10 + (unsigned)(s.p[i] - '0');
    }
    if (v < min || v > max) {
        return GW_EINPUT;
    }
    *out = v;
    *r = t;
    return GW_OK;
}

static bool
is_leap(unsigned y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned
days_in_month(unsigned y, unsigned m)
{
    static const unsigned char days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar, y >= 1 (H. Hinnant's
 * days_from_civil): no timegm, whose normalisation would turn 31 February into 3 March. */
static int64_t
days_from_civil(unsigned y, unsigned m, unsigned d)
{
    unsigned yy = m <= 2 ? y - 1 : y; /* the year from March: leap days fall at its end */
    unsigned era = yy / 400;
    unsigned yoe = yy - era * 400;
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return (int64_t)era * 146097 + (int64_t)doe - 719468;
}

enum gw_rc
gw_parse_datetime(const char *s, size_t len, int64_t *out)
{
    struct gw_rd r;
    struct gw_span frac;
    unsigned year, mon, day, hour, min, sec;
    unsigned zh = 0;
    unsigned zm = 0;
    int64_t sign = 0;
    int64_t t;
    unsigned char z;

    gw_rd_init(&r, s, len);
    if (rd_fixed(&r, 4, 1, 9999, &year) != GW_OK || gw_rd_expect(&r, '-') != GW_OK ||
        rd_fixed(&r, 2, 1, 12, &mon) != GW_OK || gw_rd_expect(&r, '-') != GW_OK ||
        rd_fixed(&r, 2, 1, days_in_month(year, mon), &day) != GW_OK || gw_rd_expect(&r, 'T') != GW_OK ||
        rd_fixed(&r, 2, 0, 23, &hour) != GW_OK || gw_rd_expect(&r, ':') != GW_OK ||
        rd_fixed(&r, 2, 0, 59, &min) != GW_OK || gw_rd_expect(&r, ':') != GW_OK ||
        rd_fixed(&r, 2, 0, 59, &sec) != GW_OK) {
        return GW_EINPUT;
    }
    if (gw_rd_expect(&r, '.') == GW_OK &&
        gw_rd_take_while(&r, gw_parse_is_digit, 1, GW_MAX_DATETIME_FRACTION, &frac) != GW_OK) {
        return GW_EINPUT;
    }
    if (gw_rd_peek(&r, &z) != GW_OK) {
        return GW_EINPUT; /* xs:dateTime allows no zone, the envelope (DateTimeTzType) requires one */
    }
    if (z == 'Z') {
        r.pos++;
    } else if (z == '+' || z == '-') {
        r.pos++;
        /* XSD: the zone lies within -14:00..+14:00 */
        if (rd_fixed(&r, 2, 0, 14, &zh) != GW_OK || gw_rd_expect(&r, ':') != GW_OK ||
            rd_fixed(&r, 2, 0, zh == 14 ? 0 : 59, &zm) != GW_OK) {
            return GW_EINPUT;
        }
        sign = z == '+' ? 1 : -1;
    } else {
        return GW_EINPUT;
    }
    if (!gw_rd_at_end(&r)) {
        return GW_EINPUT;
    }
    t = days_from_civil(year, mon, day) * 86400 + (int64_t)(hour * 3600 + min * 60 + sec);
    *out = t - sign * (int64_t)(zh * 3600 + zm * 60);
    return GW_OK;
}

/* A byte a query string may hold: the pairs' classes and their separators. */
static bool
is_query_byte(unsigned char ch)
{
    return gw_parse_is_unreserved(ch) || ch == '=' || ch == '&';
}

enum gw_rc
gw_parse_query_param(const char *query, size_t len, const char *key, char *value, size_t size, bool *found,
                     struct gw_err *err)
{
    enum gw_rc rc = GW_EINPUT;
    struct gw_rd r;
    struct gw_span all;
    struct gw_span keys[GW_MAX_QUERY_PAIRS];
    struct gw_span hit = {NULL, 0};
    bool have = false;
    size_t n = 0;
    size_t room = size > 0 ? size - 1 : 0; /* bytes of value before its NUL */

    gw_rd_init(&r, query, len);
    if (gw_rd_take_while(&r, is_query_byte, 0, SIZE_MAX, &all) != GW_OK || !gw_rd_at_end(&r)) {
        unsigned char ch = r.data[r.pos];
        GW_CHECK(ch != '%' && ch != '+', GW_EINPUT, GW_R_HTTP_BAD_REQUEST,
                 "query: '%c' at byte %zu: percent-encoding is not decoded, send the value as it is", ch,
                 r.pos + 1);
        GW_CHECK(false, GW_EINPUT, GW_R_HTTP_BAD_REQUEST, "query: byte 0x%02x at byte %zu is not allowed", ch,
                 r.pos + 1);
    }
    gw_rd_init(&r, all.p, all.n);
    while (all.n > 0) {
        struct gw_span pair;
        struct gw_span k;
        struct gw_span v;
        struct gw_rd pr;
        enum gw_rc krc;

        take_to(&r, find_byte(&r, '&'), &pair);
        gw_rd_init(&pr, pair.p, pair.n);
        krc = gw_rd_take_while(&pr, gw_parse_is_unreserved, 1, GW_MAX_QUERY_KEY, &k);
        GW_CHECK(krc != GW_ELIMIT, GW_ELIMIT, GW_R_HTTP_BAD_REQUEST, "query: a key is longer than %d bytes",
                 GW_MAX_QUERY_KEY);
        /* "a", "=1", "a=1=2" and the empty pair of "&", "a=1&" or "a=1&&b=2" */
        GW_CHECK(krc == GW_OK && gw_rd_expect(&pr, '=') == GW_OK &&
                     gw_rd_take_while(&pr, gw_parse_is_unreserved, 0, SIZE_MAX, &v) == GW_OK && gw_rd_at_end(&pr),
                 GW_EINPUT, GW_R_HTTP_BAD_REQUEST, "query: '%.*s' is not a key=value pair", GW_SPAN_ARG(pair));
        GW_CHECK(n < GW_MAX_QUERY_PAIRS, GW_ELIMIT, GW_R_HTTP_BAD_REQUEST, "query: more than %u parameters",
                 GW_MAX_QUERY_PAIRS);
        for (size_t i = 0; i < n; i++) {
            GW_CHECK(keys[i].n != k.n || memcmp(keys[i].p, k.p, k.n) != 0, GW_EINPUT, GW_R_HTTP_BAD_REQUEST,
                     "query: '%.*s' is given twice", GW_SPAN_ARG(k));
        }
        keys[n++] = k;
        if (gw_span_eq(k, key)) {
            hit = v;
            have = true;
        }
        if (gw_rd_expect(&r, '&') != GW_OK) {
            break; /* the end: after a '&' comes another pair, even an empty one that the check above rejects */
        }
    }
    GW_CHECK(!have || (size > 0 && hit.n <= room), GW_ELIMIT, GW_R_HTTP_BAD_REQUEST,
             "query: the value of '%s' is longer than %zu bytes", key, room);
    if (have) {
        memcpy(value, hit.p, hit.n);
        value[hit.n] = '\0';
    }
    *found = have;
    rc = GW_OK;
out:
    return rc;
}

enum gw_rc
gw_parse_path_id(const char *path, const char *prefix, char *id, size_t id_size, const char **rest)
{
    struct gw_rd r;
    struct gw_span s;
    enum gw_rc rc;

    if (path == NULL || id_size < 2) {
        return GW_EINPUT;
    }
    gw_rd_init(&r, path, strlen(path));
    if (gw_rd_expect_lit(&r, prefix) != GW_OK) {
        return GW_EINPUT;
    }
    rc = gw_rd_take_while(&r, gw_parse_is_unreserved, 1, id_size - 1, &s);
    if (rc != GW_OK) {
        return rc;
    }
    if (gw_span_eq(s, ".") || gw_span_eq(s, "..")) {
        return GW_EINPUT;
    }
    if (!gw_rd_at_end(&r) && gw_rd_expect(&r, '/') != GW_OK) {
        return GW_EINPUT; /* a byte outside the id's class */
    }
    memcpy(id, s.p, s.n);
    id[s.n] = '\0';
    *rest = path + r.pos;
    return GW_OK;
}

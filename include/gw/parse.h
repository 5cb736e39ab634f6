/* SPDX-License-Identifier: MIT */
/*
 * Reading of every non-XML input (configuration lines, query strings, request paths, the Created
 * timestamp, the XML declaration's encoding) through one bounded cursor, struct gw_rd, that moves only on
 * success (s2n stuffer: check, then move; curl strparse: every token capped). Numbers are plain decimal
 * digits only, so that "0x10", "010", "+5", " 5" or "5k" never mean something the writer did not intend.
 *
 * Conventions of every function below: pointer parameters are borrowed for the call unless marked OUT;
 * a span borrows the reader's bytes (it is valid while they are); on failure the cursor and every OUT
 * parameter are untouched. The cursor functions take no struct gw_err: they return GW_EINPUT (the bytes
 * are not what was asked for) or GW_ELIMIT (they are, but longer or larger than allowed), and the caller
 * words the message with its own context. The gw_parse_* functions that take a struct gw_err word it
 * themselves.
 */
#ifndef GW_PARSE_H
#define GW_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gw/err.h"
#include "gw/limits.h"

/* A cursor over borrowed bytes: data[pos..len) is still to be read. */
struct gw_rd {
    const unsigned char *data; /* borrowed; never NULL (gw_rd_init) */
    size_t len;                /* bytes in data */
    size_t pos;                /* bytes already read, <= len */
};

/* Bytes borrowed from a reader's data (or any other buffer): p[0..n). */
struct gw_span {
    const unsigned char *p;
    size_t n;
};

/* printf arguments for "%.*s" that quote at most 64 bytes of span s: a message shows input, never all of it. */
#define GW_SPAN_ARG(s) ((s).n > 64 ? 64 : (int)(s).n), (const char *)(s).p

/* A byte class: true if ch belongs to it. */
typedef bool (*gw_parse_class_fn)(unsigned char ch);

/* The byte classes the readers of this project use. */
bool gw_parse_is_digit(unsigned char ch);      /* 0-9 */
bool gw_parse_is_blank(unsigned char ch);      /* space, tab (configuration lines) */
bool gw_parse_is_space(unsigned char ch);      /* space, tab, CR, LF (XML's S production) */
bool gw_parse_is_unreserved(unsigned char ch); /* RFC 3986 unreserved: A-Z a-z 0-9 - . _ ~ */

/* Start reading data[0..len) (borrowed; NULL is an empty input, whatever len says). */
void gw_rd_init(struct gw_rd *r, const void *data, size_t len);

/* Bytes left to read. */
size_t gw_rd_remaining(const struct gw_rd *r);

/* True when every byte has been read. */
bool gw_rd_at_end(const struct gw_rd *r);

/* The bytes left to read, as a span; the cursor does not move. */
struct gw_span gw_rd_rest(const struct gw_rd *r);

/* OUT: *out = the next byte, without moving. GW_EINPUT at the end. */
GW_MUST_CHECK enum gw_rc gw_rd_peek(const struct gw_rd *r, unsigned char *out);

/* Move past the next byte if it is ch. GW_EINPUT otherwise (also at the end). */
GW_MUST_CHECK enum gw_rc gw_rd_expect(struct gw_rd *r, unsigned char ch);

/* Move past the next bytes if they are exactly the NUL-terminated lit (byte for byte, or ASCII
 * case-insensitively for _ci); GW_EINPUT otherwise, including when fewer bytes are left. */
GW_MUST_CHECK enum gw_rc gw_rd_expect_lit(struct gw_rd *r, const char *lit);
GW_MUST_CHECK enum gw_rc gw_rd_expect_lit_ci(struct gw_rd *r, const char *lit);

/* OUT: *out = the next n bytes, and move past them. GW_EINPUT if fewer are left. */
GW_MUST_CHECK enum gw_rc gw_rd_take(struct gw_rd *r, size_t n, struct gw_span *out);

/* OUT: *out = the longest run of next bytes that are in cls, and move past it. GW_EINPUT if the run is
 * shorter than min; GW_ELIMIT if it is longer than max (never truncated). */
GW_MUST_CHECK enum gw_rc gw_rd_take_while(struct gw_rd *r, gw_parse_class_fn cls, size_t min, size_t max,
                                          struct gw_span *out);

/* OUT: *out = the next bytes up to (not including) the first one in cls, or to the end if none is, and
 * move past them; the byte in cls is not read. GW_ELIMIT if that is more than max bytes. */
GW_MUST_CHECK enum gw_rc gw_rd_take_until_in(struct gw_rd *r, gw_parse_class_fn cls, size_t max,
                                             struct gw_span *out);

/* As gw_rd_take_until_in, up to the first byte delim. */
GW_MUST_CHECK enum gw_rc gw_rd_take_until(struct gw_rd *r, unsigned char delim, size_t max, struct gw_span *out);

/* As gw_rd_take_until_in, up to the first occurrence of the NUL-terminated, non-empty lit. */
GW_MUST_CHECK enum gw_rc gw_rd_take_until_lit(struct gw_rd *r, const char *lit, size_t max, struct gw_span *out);

/* Move past every next byte in cls; returns how many (0 is not an error). */
size_t gw_rd_skip(struct gw_rd *r, gw_parse_class_fn cls);

/*
 * OUT: *out = the decimal number made of the next run of digits, and move past it. The rules of
 * gw_parse_u64: at least one digit, no leading zero unless the number is exactly "0". GW_EINPUT if the
 * next byte is not a digit or the run has a leading zero; GW_ELIMIT if it lies outside min..max (values
 * past UINT64_MAX included). A byte after the run is not looked at: callers check what may follow.
 */
GW_MUST_CHECK enum gw_rc gw_rd_u64(struct gw_rd *r, uint64_t min, uint64_t max, uint64_t *out);

/* s with the bytes in cls removed from both ends (a sub-span of s). */
struct gw_span gw_span_trim(struct gw_span s, gw_parse_class_fn cls);

/* Is s exactly the NUL-terminated lit? */
bool gw_span_eq(struct gw_span s, const char *lit);

/* Copy s into dst (size bytes) with a terminating NUL. GW_ELIMIT if s.n >= size; GW_EINPUT if s holds a
 * NUL byte (the copy would be cut short). On failure dst is untouched. */
GW_MUST_CHECK enum gw_rc gw_span_cstr(struct gw_span s, char *dst, size_t size);

/*
 * Check that s[0..n) is well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF,
 * no truncated sequence). With text, also reject every ASCII control character but tab (NUL, CR, LF,
 * escape, DEL...). GW_EINPUT on the first offending byte, whose offset goes to *bad (OUT, set only on
 * failure): an ASCII byte there is a control character, any other a UTF-8 error.
 */
GW_MUST_CHECK enum gw_rc gw_parse_utf8(const void *s, size_t n, bool text, size_t *bad);

/*
 * Parse the whole s[0..len) as an unsigned decimal number in min..max: gw_rd_u64, with nothing before or
 * after the digits. Rejected (GW_EINPUT): the empty input, a sign, whitespace anywhere, any other byte
 * (also after digits that overflow). GW_ELIMIT if it is a number outside min..max. On failure *out is
 * untouched.
 */
GW_MUST_CHECK enum gw_rc gw_span_u64(struct gw_span s, uint64_t min, uint64_t max, uint64_t *out);

/*
 * Decode the base64 of s[0..len) (RFC 4648 §4 alphabet) into out, which has room for len / 4 * 3 bytes; the
 * decoded length goes to *out_len. XML whitespace (space, tab, CR, LF) may appear anywhere, as in
 * xs:base64Binary; the other characters must come in groups of four, '=' only as the padding of the last.
 * GW_EINPUT on anything else (another character, data after the padding, a group cut short); on failure
 * *out_len is untouched and out may hold part of the result.
 */
GW_MUST_CHECK enum gw_rc gw_parse_base64(const char *s, size_t len, unsigned char *out, size_t *out_len);

/* gw_span_u64 of the NUL-terminated s (borrowed); NULL is GW_EINPUT. */
GW_MUST_CHECK enum gw_rc gw_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* An endpoint written HOST[:PORT]. */
struct gw_host_port {
    char host[256]; /* NUL-terminated; a DNS name, a dotted-quad IPv4 or an IPv6 address without brackets */
    uint16_t port;  /* 0 when no port was written */
    bool has_port;  /* ":PORT" was written */
};

/*
 * Parse s[0..len) as HOST[:PORT]. HOST is a DNS name (dot-separated labels of 1..63 letters, digits, '-'
 * or '_', no label starting or ending with '-', at most 253 bytes), a dotted-quad IPv4 address (a host of
 * digits and dots is never taken as a name: "10.1" is rejected) or an IPv6 address in brackets. PORT is
 * decimal (gw_parse_u64 rules) in min_port..65535 and not empty. Rejected: an empty host, an IPv6
 * address without brackets, '[' without ']', anything but ":PORT" after ']', any NUL byte.
 * OUT: *out. On failure GW_EINPUT or GW_ELIMIT with the given reason; the message says what is wrong
 * without naming where s came from (the caller adds that with its own error); *out is untouched.
 */
GW_MUST_CHECK enum gw_rc gw_parse_host_port(const char *s, size_t len, uint16_t min_port, enum gw_reason reason,
                                            struct gw_host_port *out, struct gw_err *err);

/*
 * Parse an xs:dateTime with a zone, s[0..len): "YYYY-MM-DDThh:mm:ss[.f...](Z|+hh:mm|-hh:mm)", nothing
 * before or after, to seconds since the epoch (the fraction is read and dropped). Validated: year
 * 0001..9999, month 01..12, the day against its month's length (29 February only in leap years), hour
 * 00..23, minute and second 00..59 (no leap second, as libxml2's schema check), 1..GW_MAX_DATETIME_FRACTION
 * fraction digits, zone hours 00..14 and minutes 00..59 with at most 14:00. Every field has exactly the
 * digits shown. GW_EINPUT if malformed; OUT: *out, untouched on failure.
 */
GW_MUST_CHECK enum gw_rc gw_parse_datetime(const char *s, size_t len, int64_t *out);

/*
 * Look up key in an HTTP query string query[0..len) (without the '?'), validating the whole of it:
 * the empty string or PAIR *("&" PAIR), where PAIR is KEY "=" VALUE, KEY is 1..GW_MAX_QUERY_KEY
 * RFC 3986 unreserved bytes and VALUE 0 or more unreserved bytes. Percent-encoding and '+' are not
 * decoded, so '%' and '+' are rejected like any other byte outside the class. Rejected (GW_EINPUT,
 * HTTP_BAD_REQUEST, the message names the problem): a malformed pair ("a", "=1", "a=1=2", "&", "a=1&"),
 * any key given twice (whichever key), a byte outside the classes; key's value longer than size - 1
 * bytes is GW_ELIMIT (never truncated). Other keys are validated and otherwise ignored.
 * OUT: *found; when true, value (size bytes, size >= 1) holds key's value NUL-terminated. On failure
 * value and *found are untouched.
 */
GW_MUST_CHECK enum gw_rc gw_parse_query_param(const char *query, size_t len, const char *key, char *value,
                                              size_t size, bool *found, struct gw_err *err);

/*
 * Split the NUL-terminated request path of the form PREFIX ID [ "/" REST ]: prefix (NUL-terminated, e.g.
 * "/v1/inbox/") must match exactly; ID is 1..id_size-1 RFC 3986 unreserved bytes, and neither "." nor
 * ".." (dot segments); after it comes the end of the path or a '/'. OUT: id (id_size bytes) = ID,
 * NUL-terminated; *rest = what follows that '/' ("" when the path ends after ID, or after ID and '/'),
 * pointing into path. GW_EINPUT if the path does not have that form (the caller answers 404); GW_ELIMIT
 * if ID is id_size bytes or longer. On failure id and *rest are untouched.
 */
GW_MUST_CHECK enum gw_rc gw_parse_path_id(const char *path, const char *prefix, char *id, size_t id_size,
                                          const char **rest);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * Strict parsing of numbers written by people or clients (configuration values, query strings): plain
 * decimal digits only, so that "0x10", "010", "+5", " 5" or "5k" never mean something the writer did not
 * intend.
 */
#ifndef GW_PARSE_H
#define GW_PARSE_H

#include <stdint.h>

#include "gw/err.h"

/*
 * Parse the whole NUL-terminated string s (borrowed) as an unsigned decimal number in min..max.
 * Accepted: one or more ASCII digits, no leading zero unless the number is exactly "0" (so "010" cannot be
 * read as octal by one reader and decimal by another). Rejected: the empty string, a sign, whitespace
 * anywhere, any other character.
 * Returns GW_OK and sets *out; GW_EINPUT if s is not such a number; GW_ELIMIT if it is one but lies
 * outside min..max (including values past UINT64_MAX). On failure *out is untouched.
 * It takes no struct gw_err: every caller words the message itself with its own context (the key and
 * line of a configuration file, the parameter of a query string).
 */
GW_MUST_CHECK enum gw_rc gw_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

#endif

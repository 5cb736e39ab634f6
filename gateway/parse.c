// SPDX-License-Identifier: MIT
/*
 * Strict number parsing for non-XML input (STYLE §5: "numbers through gw_parse_u64(s, min, max)"). It
 * accepts only plain decimal digits, checks for overflow before every step, and does not use strtoul,
 * which skips whitespace, accepts a sign (and negates it), and depends on the locale. It does not parse
 * units or suffixes: callers that want them add them.
 */
#include "gw/parse.h"

#include <stddef.h>

enum gw_rc
gw_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    bool overflow = false;
    size_t i;

    if (s == NULL || s[0] == '\0') {
        return GW_EINPUT;
    }
    if (s[0] == '0' && s[1] != '\0') {
        return GW_EINPUT; /* a leading zero: octal to some readers */
    }
    for (i = 0; s[i] != '\0'; i++) {
        unsigned d;
        if (s[i] < '0' || s[i] > '9') {
            return GW_EINPUT;
        }
        d = (unsigned)(s[i] - '0');
        /* keep scanning after an overflow: a non-digit later still makes the whole string malformed */
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
    return GW_OK;
}

// SPDX-License-Identifier: MIT
/*
 * Error records and the reason table. gw_err_set keeps the first error; library errors (the OpenSSL queue)
 * are translated here into text. Holds no state of its own.
 */
#include "gw/err.h"

#include <openssl/err.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct reason_entry {
    const char *code;
    const char *text;
    int http;
};

static const struct reason_entry reason_table[GW_R__COUNT] = {
#define GW_REASON_ROW(c, t, h) [GW_R_##c] = {#c, t, h},
    GW_REASONS(GW_REASON_ROW)
#undef GW_REASON_ROW
};

void
gw_err_clear(struct gw_err *err)
{
    memset(err, 0, sizeof(*err));
}

enum gw_rc
gw_err_set(struct gw_err *err, enum gw_rc rc, enum gw_reason reason, const char *src, const char *fmt, ...)
{
    va_list ap;

    if (err->rc != GW_OK) {
        return err->rc;
    }
    err->rc = rc;
    err->reason = reason;
    err->src = src;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    gw_utf8_repair(err->msg);
    return rc;
}

void
gw_err_where(struct gw_err *err, const char *fmt, ...)
{
    va_list ap;

    if (err->where[0] != '\0') {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(err->where, sizeof(err->where), fmt, ap);
    va_end(ap);
    gw_utf8_repair(err->where);
}

void
gw_err_add_openssl(struct gw_err *err)
{
    unsigned long e;
    size_t used = strlen(err->msg);

    while ((e = ERR_get_error()) != 0) {
        if (used + 3 < sizeof(err->msg)) {
            char line[200];
            ERR_error_string_n(e, line, sizeof(line));
            snprintf(err->msg + used, sizeof(err->msg) - used, " (%s)", line);
            used = strlen(err->msg);
        }
    }
    gw_utf8_repair(err->msg);
}

size_t
gw_utf8_decode(const unsigned char *s, size_t avail, uint32_t *cp, bool *truncated)
{
    unsigned char b = s[0];
    size_t n;
    uint32_t v;
    unsigned char lo = 0x80; /* range of the second byte */
    unsigned char hi = 0xbf;

    if (truncated != NULL) {
        *truncated = false;
    }
    if (b < 0x80) {
        *cp = b;
        return 1;
    }
    if (b >= 0xc2 && b <= 0xdf) {
        n = 2;
        v = b & 0x1fu;
    } else if (b >= 0xe0 && b <= 0xef) {
        n = 3;
        v = b & 0x0fu;
        lo = b == 0xe0 ? 0xa0 : 0x80; /* no overlong form */
        hi = b == 0xed ? 0x9f : 0xbf; /* no surrogate */
    } else if (b >= 0xf0 && b <= 0xf4) {
        n = 4;
        v = b & 0x07u;
        lo = b == 0xf0 ? 0x90 : 0x80; /* no overlong form */
        hi = b == 0xf4 ? 0x8f : 0xbf; /* nothing above U+10FFFF */
    } else {
        return 0;
    }
    for (size_t k = 1; k < n; k++) {
        if (k >= avail) {
            if (truncated != NULL) {
                *truncated = true;
            }
            return 0;
        }
        if (s[k] < (k == 1 ? lo : 0x80) || s[k] > (k == 1 ? hi : 0xbf)) {
            return 0;
        }
        v = (v << 6) | (s[k] & 0x3fu);
    }
    *cp = v;
    return n;
}

void
gw_utf8_repair(char *s)
{
    unsigned char *p = (unsigned char *)s;
    size_t left = strlen(s);

    while (left > 0) {
        uint32_t cp;
        bool truncated;
        size_t n = gw_utf8_decode(p, left, &cp, &truncated);
        if (truncated) {
            *p = '\0'; /* cut inside a character: end before it */
            return;
        }
        if (n == 0) {
            *p = '?';
            n = 1;
        }
        p += n;
        left -= n;
    }
}

const char *
gw_reason_code(enum gw_reason reason)
{
    if ((unsigned)reason >= GW_R__COUNT) {
        return "INTERNAL";
    }
    return reason_table[reason].code;
}

const char *
gw_reason_text(enum gw_reason reason)
{
    if ((unsigned)reason >= GW_R__COUNT) {
        return "internal error";
    }
    return reason_table[reason].text;
}

int
gw_reason_http_status(enum gw_reason reason)
{
    if ((unsigned)reason >= GW_R__COUNT) {
        return 500;
    }
    return reason_table[reason].http;
}

bool
gw_reason_from_code(const char *code, enum gw_reason *out)
{
    for (size_t i = 0; i < GW_R__COUNT; i++) {
        if (strcmp(reason_table[i].code, code) == 0) {
            *out = (enum gw_reason)i;
            return true;
        }
    }
    return false;
}

int
gw_rc_exit_status(enum gw_rc rc)
{
    switch (rc) {
    case GW_OK:
        return 0;
    case GW_EINPUT:
    case GW_EPOLICY:
    case GW_ELIMIT:
        return 1;
    case GW_ECRYPTO:
    case GW_EIO:
    case GW_ENOMEM:
    case GW_ECONFIG:
    case GW_EINTERNAL:
        return 2;
    }
    return 2;
}

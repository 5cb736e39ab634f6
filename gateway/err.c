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

/* Length of the well-formed UTF-8 sequence at s (1..4), 0 if none, or -1 if s ends inside one. */
static int
utf8_seq_len(const unsigned char *s)
{
    unsigned char b = s[0];
    int n;
    unsigned char lo = 0x80;
    unsigned char hi = 0xbf;

    if (b < 0x80) {
        return 1;
    }
    if (b >= 0xc2 && b <= 0xdf) {
        n = 2;
    } else if (b >= 0xe0 && b <= 0xef) {
        n = 3;
        lo = b == 0xe0 ? 0xa0 : 0x80;
        hi = b == 0xed ? 0x9f : 0xbf;
    } else if (b >= 0xf0 && b <= 0xf4) {
        n = 4;
        lo = b == 0xf0 ? 0x90 : 0x80;
        hi = b == 0xf4 ? 0x8f : 0xbf;
    } else {
        return 0;
    }
    for (int k = 1; k < n; k++) {
        if (s[k] == '\0') {
            return -1;
        }
        if (s[k] < (k == 1 ? lo : 0x80) || s[k] > (k == 1 ? hi : 0xbf)) {
            return 0;
        }
    }
    return n;
}

void
gw_utf8_repair(char *s)
{
    unsigned char *p = (unsigned char *)s;

    while (*p != '\0') {
        int n = utf8_seq_len(p);
        if (n < 0) {
            *p = '\0'; /* cut inside a character: end before it */
            return;
        }
        if (n == 0) {
            *p++ = '?';
            continue;
        }
        p += n;
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

// SPDX-License-Identifier: MIT
/*
 * Logging for the daemon: one line per call on stderr, written with a single write so lines from
 * several threads do not interleave. Callers pass no secrets and no message bodies.
 */
#include "gw/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "gw/time.h"

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void
gw_log(enum gw_log_level level, const char *fmt, ...)
{
    char line[1024];
    char now[GW_TIME_ISO_LEN + 1];
    va_list ap;
    int n;

    gw_time_format_iso(gw_time_now_ms(), now);
    n = snprintf(line, sizeof(line), "%s %s ", now, level_names[level]);
    if (n < 0 || (size_t)n >= sizeof(line)) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
    va_end(ap);
    gw_utf8_repair(line);
    n = (int)strlen(line);
    line[n++] = '\n';
    if (write(STDERR_FILENO, line, (size_t)n) < 0) {
        /* nothing sensible to do when stderr is gone */
    }
}

void
gw_log_err(enum gw_log_level level, const char *what, const struct gw_err *err)
{
    gw_log(level, "%s: %s%s%s [%s] (%s)", what, err->where, err->where[0] != '\0' ? ": " : "", err->msg,
           gw_reason_code(err->reason), err->src != NULL ? err->src : "?");
}

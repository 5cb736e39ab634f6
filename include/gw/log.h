/* SPDX-License-Identifier: MIT */
/* Daemon logging to stderr, one line per event: time, level, message. Never secrets or message bodies. */
#ifndef GW_LOG_H
#define GW_LOG_H

#include "gw/err.h"

enum gw_log_level { GW_LOG_DEBUG, GW_LOG_INFO, GW_LOG_WARN, GW_LOG_ERROR };

void gw_log(enum gw_log_level level, const char *fmt, ...) GW_PRINTF(2, 3);
/* Log an error record: "what: where: msg [CODE] (src)". */
void gw_log_err(enum gw_log_level level, const char *what, const struct gw_err *err);

#endif

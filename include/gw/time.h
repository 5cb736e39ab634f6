/* SPDX-License-Identifier: MIT */
/*
 * The one wall clock of the gateway and its one timestamp format: milliseconds since the Unix epoch, and
 * ISO-8601 UTC with milliseconds ("2025-03-01T10:20:30.123Z", an xs:dateTime) for logs, receipts and audit
 * entries. A leaf of the infrastructure layer (docs/architecture.md).
 */
#ifndef GW_TIME_H
#define GW_TIME_H

#include <stdint.h>

/* Characters of a formatted instant, "YYYY-MM-DDThh:mm:ss.mmmZ": always this length. */
#define GW_TIME_ISO_LEN 24

/* The instants gw_time_format_iso writes as they are: 0000-01-01T00:00:00.000Z .. 9999-12-31T23:59:59.999Z. */
#define GW_TIME_MIN_MS (-62167219200000LL)
#define GW_TIME_MAX_MS 253402300799999LL

/* Wall-clock time in milliseconds since 1970-01-01T00:00:00Z (CLOCK_REALTIME: it may step backwards; do
 * not order events by it). 0 if the clock cannot be read. */
int64_t gw_time_now_ms(void);

/* The instant ms (milliseconds since the epoch, UTC, proleptic Gregorian calendar) as
 * "YYYY-MM-DDThh:mm:ss.mmmZ" into out. Instants outside GW_TIME_MIN_MS..GW_TIME_MAX_MS are written as the
 * nearer end of that range, so the output always has GW_TIME_ISO_LEN characters. */
void gw_time_format_iso(int64_t ms, char out[GW_TIME_ISO_LEN + 1]);

#endif

// SPDX-License-Identifier: MIT
/*
 * Unit tests of time.c: the ISO-8601 formatter's exact output for known instants (the epoch, leap days of
 * leap and non-leap centuries, year and century boundaries, instants before 1970, the ends of the range and
 * past them), agreement with gmtime_r over a sweep of instants, and a sane wall clock.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "gw/time.h"
#include "t.h"

static void
test_format_known(struct t *t)
{
    static const struct {
        int64_t ms;
        const char *want;
    } cases[] = {
        {0, "1970-01-01T00:00:00.000Z"},
        {1, "1970-01-01T00:00:00.001Z"},
        {-1, "1969-12-31T23:59:59.999Z"},
        {-1000, "1969-12-31T23:59:59.000Z"},
        {-86400000, "1969-12-31T00:00:00.000Z"},
        {951782400000, "2000-02-29T00:00:00.000Z"},   /* leap day of a leap century */
        {951827696789, "2000-02-29T12:34:56.789Z"},   /* every field distinct */
        {951868800000, "2000-03-01T00:00:00.000Z"},   /* the day after */
        {-2203891200001, "1900-02-28T23:59:59.999Z"}, /* 1900 is not a leap year ... */
        {-2203891200000, "1900-03-01T00:00:00.000Z"}, /* ... so March follows */
        {4107542399999, "2100-02-28T23:59:59.999Z"},  /* nor is 2100 */
        {4107542400000, "2100-03-01T00:00:00.000Z"},
        {1709164800000, "2024-02-29T00:00:00.000Z"},
        {1709251199999, "2024-02-29T23:59:59.999Z"},
        {1704067199999, "2023-12-31T23:59:59.999Z"}, /* year boundary */
        {1704067200000, "2024-01-01T00:00:00.000Z"},
        {946684799999, "1999-12-31T23:59:59.999Z"}, /* century boundary */
        {946684800000, "2000-01-01T00:00:00.000Z"},
        {2147483648000, "2038-01-19T03:14:08.000Z"},   /* past 32-bit time_t */
        {-11670998399999, "1600-02-29T00:00:00.001Z"}, /* before the epoch, a leap century */
        {-62135596800000, "0001-01-01T00:00:00.000Z"},
        {GW_TIME_MIN_MS, "0000-01-01T00:00:00.000Z"},
        {GW_TIME_MAX_MS, "9999-12-31T23:59:59.999Z"},
        {GW_TIME_MIN_MS - 1, "0000-01-01T00:00:00.000Z"}, /* clamped */
        {GW_TIME_MAX_MS + 1, "9999-12-31T23:59:59.999Z"},
        {INT64_MIN, "0000-01-01T00:00:00.000Z"},
        {INT64_MAX, "9999-12-31T23:59:59.999Z"},
    };
    char out[GW_TIME_ISO_LEN + 2];

    for (size_t i = 0; i < T_COUNT(cases); i++) {
        memset(out, 'x', sizeof(out));
        gw_time_format_iso(cases[i].ms, out);
        if (strcmp(out, cases[i].want) != 0 || out[GW_TIME_ISO_LEN + 1] != 'x') {
            T_FAIL("%lld: got \"%.*s\", want \"%s\"", (long long)cases[i].ms, GW_TIME_ISO_LEN, out, cases[i].want);
        }
    }
out:
    return;
}

/* Every 997,001 seconds plus a varying millisecond from 1900 to 2400 (about 16,000 instants, every month
 * and hour many times): the arithmetic agrees with the C library's calendar. */
static void
test_format_matches_gmtime(struct t *t)
{
    char got[GW_TIME_ISO_LEN + 1];
    char want[64];
    char day[32];
    struct tm tm;
    unsigned n = 0;

    for (int64_t s = -2208988800LL; s < 13569465600LL; s += 997001, n++) {
        time_t tt = (time_t)s;
        int64_t ms = s * 1000 + (int64_t)(n % 1000);
        EXPECT_TRUE(gmtime_r(&tt, &tm) != NULL);
        EXPECT_TRUE(strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm) == 19);
        snprintf(want, sizeof(want), "%s.%03uZ", day, n % 1000);
        gw_time_format_iso(ms, got);
        if (strcmp(got, want) != 0) {
            T_FAIL("%lld ms: got %s, gmtime_r says %s", (long long)ms, got, want);
        }
    }
    EXPECT_TRUE(n > 15000);
out:
    return;
}

static void
test_clock(struct t *t)
{
    int64_t a = gw_time_now_ms();
    time_t before = time(NULL);
    int64_t b = gw_time_now_ms();

    EXPECT_TRUE(a > 1700000000000LL); /* after November 2023 */
    EXPECT_TRUE(a < GW_TIME_MAX_MS);
    EXPECT_TRUE(b >= a && b - a < 5000);
    EXPECT_TRUE(b / 1000 >= (int64_t)before - 1 && b / 1000 <= (int64_t)before + 1);
out:
    return;
}

static const struct t_case cases[] = {
    {"format_known", test_format_known, NULL},
    {"format_matches_gmtime", test_format_matches_gmtime, NULL},
    {"clock", test_clock, NULL},
};

const struct t_module t_module_time = {"time", cases, T_COUNT(cases)};

// SPDX-License-Identifier: MIT
/*
 * The gateway's clock and timestamp format (DESIGN §5 Created window, §6 audit times, receipts' Created).
 * The calendar arithmetic is done here rather than with gmtime_r, so the output depends on no time zone
 * data, locale or libc and is exact for every instant of years 0000-9999. It does not parse timestamps.
 */
#include "gw/time.h"

#include <time.h>

#define MS_PER_DAY 86400000LL

int64_t
gw_time_now_ms(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_REALTIME, &ts) != 0) {
        return 0;
    }
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Write v (0 <= v < 10^width) as width decimal digits. */
static void
put_digits(char *p, int64_t v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
}

void
gw_time_format_iso(int64_t ms, char out[GW_TIME_ISO_LEN + 1])
{
    int64_t days, in_day, z, era, doe, yoe, doy, mp, year, month, day;

    if (ms < GW_TIME_MIN_MS) {
        ms = GW_TIME_MIN_MS;
    } else if (ms > GW_TIME_MAX_MS) {
        ms = GW_TIME_MAX_MS;
    }
    /* floor division: instants before 1970 belong to the day that starts before them */
    days = ms / MS_PER_DAY;
    in_day = ms % MS_PER_DAY;
    if (in_day < 0) {
        in_day += MS_PER_DAY;
        days--;
    }
    /* Days since 1970-01-01 to a civil date (H. Hinnant's civil_from_days): eras of 400 years (146097
     * days) that start on 1 March, so the leap day is the last day of a year of the era. */
    z = days + 719468; /* days since 0000-03-01 */
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;                                      /* day of era, 0..146096 */
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* year of era, 0..399 */
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* day of the March-based year, 0..365 */
    mp = (5 * doy + 2) / 153;                                    /* month from March, 0..11 */
    day = doy - (153 * mp + 2) / 5 + 1;
    month = mp < 10 ? mp + 3 : mp - 9;
    year = yoe + era * 400 + (month <= 2 ? 1 : 0);

    put_digits(out, year, 4);
    out[4] = '-';
    put_digits(out + 5, month, 2);
    out[7] = '-';
    put_digits(out + 8, day, 2);
    out[10] = 'T';
    put_digits(out + 11, in_day / 3600000, 2);
    out[13] = ':';
    put_digits(out + 14, in_day / 60000 % 60, 2);
    out[16] = ':';
    put_digits(out + 17, in_day / 1000 % 60, 2);
    out[19] = '.';
    put_digits(out + 20, in_day % 1000, 3);
    out[23] = 'Z';
    out[GW_TIME_ISO_LEN] = '\0';
}

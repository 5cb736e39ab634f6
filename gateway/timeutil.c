// SPDX-License-Identifier: MIT
/*
 * A strict xs:dateTime parser for the Created window check (DESIGN §5 exchange). No locale, no strptime:
 * fixed positions only. (The clock is in time.c, the window check in config.c.)
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "gw/daemon.h"

static bool
digits(const char *s, size_t n, int *out)
{
    int v = 0;

    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

bool
gw_parse_datetime(const char *s, int64_t *out)
{
    struct tm tm = {0};
    int year, mon, day, hour, min, sec, zh = 0, zm = 0;
    const char *p;
    int sign = 0;
    time_t t;

    /* YYYY-MM-DDThh:mm:ss */
    if (strlen(s) < 20 || !digits(s, 4, &year) || s[4] != '-' || !digits(s + 5, 2, &mon) || s[7] != '-' ||
        !digits(s + 8, 2, &day) || s[10] != 'T' || !digits(s + 11, 2, &hour) || s[13] != ':' ||
        !digits(s + 14, 2, &min) || s[16] != ':' || !digits(s + 17, 2, &sec)) {
        return false;
    }
    p = s + 19;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9') {
            return false;
        }
        while (*p >= '0' && *p <= '9') {
            p++;
        }
    }
    if (strcmp(p, "Z") == 0) {
        sign = 0;
    } else if ((p[0] == '+' || p[0] == '-') && strlen(p) == 6 && digits(p + 1, 2, &zh) && p[3] == ':' &&
               digits(p + 4, 2, &zm) && zh <= 14 && zm < 60) {
        sign = p[0] == '+' ? 1 : -1;
    } else {
        return false;
    }
    if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60) {
        return false;
    }
    tm.tm_year = year - 1900;
    tm.tm_mon = mon - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = min;
    tm.tm_sec = sec;
    t = timegm(&tm);
    *out = (int64_t)t - sign * (zh * 3600 + zm * 60);
    return true;
}

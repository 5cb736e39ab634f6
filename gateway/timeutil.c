// SPDX-License-Identifier: MIT
/*
 * Wall-clock helpers of the daemon: milliseconds since the epoch and a strict xs:dateTime parser for the
 * Created window check (DESIGN §5 exchange). No locale, no strptime: fixed positions only.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "gw/daemon.h"

int64_t
gw_now_ms(void)
{
    struct timeval tv;

    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

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

enum gw_rc
gw_check_created(const struct gw_config *cfg, const char *created, struct gw_err *err)
{
    enum gw_rc rc = GW_EPOLICY;
    int64_t t = 0;
    int64_t now = gw_now_ms() / 1000;

    GW_CHECK(gw_parse_datetime(created, &t), GW_EINPUT, GW_R_CREATED_WINDOW, "Created '%s' is not a dateTime",
             created);
    GW_CHECK(t >= now - (int64_t)cfg->created_past_s, GW_EPOLICY, GW_R_CREATED_WINDOW,
             "Created %s is older than %u s", created, cfg->created_past_s);
    GW_CHECK(t <= now + (int64_t)cfg->created_future_s, GW_EPOLICY, GW_R_CREATED_WINDOW,
             "Created %s is more than %u s in the future", created, cfg->created_future_s);
    rc = GW_OK;
out:
    return rc;
}

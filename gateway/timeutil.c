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
#include "gw/parse.h"

int64_t
gw_now_ms(void)
{
    struct timeval tv;

    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

enum gw_rc
gw_check_created(const struct gw_config *cfg, const char *created, struct gw_err *err)
{
    enum gw_rc rc = GW_EPOLICY;
    int64_t t = 0;
    int64_t now = gw_now_ms() / 1000;

    GW_CHECK(gw_parse_datetime(created, strlen(created), &t) == GW_OK, GW_EINPUT, GW_R_CREATED_WINDOW,
             "Created '%s' is not a dateTime", created);
    GW_CHECK(t >= now - (int64_t)cfg->created_past_s, GW_EPOLICY, GW_R_CREATED_WINDOW,
             "Created %s is older than %u s", created, cfg->created_past_s);
    GW_CHECK(t <= now + (int64_t)cfg->created_future_s, GW_EPOLICY, GW_R_CREATED_WINDOW,
             "Created %s is more than %u s in the future", created, cfg->created_future_s);
    rc = GW_OK;
out:
    return rc;
}

// SPDX-License-Identifier: MIT
/* Operations endpoints (DESIGN §5): GET /healthz and GET /metrics in Prometheus text format. */
#include "gw/api.h"
#include "gw/buf.h"
#include "gw/daemon.h"
#include "gw/metrics.h"

enum gw_rc
gw_api_health(struct gw_call *c, struct gw_err *err)
{
    static const char ok[] = "ok\n";

    (void)err;
    gw_reply(c, 200, "text/plain; charset=utf-8", ok, sizeof(ok) - 1);
    return GW_OK;
}

/* Any failure is answered 503 (the route's): the scraper tries again at its next interval. */
enum gw_rc
gw_api_metrics(struct gw_call *c, struct gw_err *err)
{
    enum gw_rc rc;
    struct gw_buf b;

    gw_buf_init(&b, 1024 * 1024);
    GW_TRY(gw_metrics_render(c->d->metrics, c->d->store, &b, err));
    gw_reply(c, 200, "text/plain; version=0.0.4; charset=utf-8", b.data, b.len);
    rc = GW_OK;
out:
    gw_buf_cleanup(&b);
    return rc;
}

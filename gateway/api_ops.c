// SPDX-License-Identifier: MIT
/* Operations endpoints (DESIGN §5): GET /healthz and GET /metrics in Prometheus text format. */
#include "gw/buf.h"
#include "gw/daemon.h"

void
gw_api_health(struct gw_call *c)
{
    static const char ok[] = "ok\n";

    gw_reply(c, 200, "text/plain; charset=utf-8", ok, sizeof(ok) - 1);
}

void
gw_api_metrics(struct gw_call *c)
{
    struct gw_err err;
    struct gw_buf b;

    gw_err_clear(&err);
    gw_buf_init(&b, 1024 * 1024);
    if (gw_metrics_render(c->d->metrics, c->d->store, &b, &err) == GW_OK) {
        gw_reply(c, 200, "text/plain; version=0.0.4; charset=utf-8", b.data, b.len);
    } else {
        gw_reply_error(c, 503, &err);
    }
    gw_buf_cleanup(&b);
}

// SPDX-License-Identifier: MIT
/*
 * Prometheus counters (DESIGN §5 /metrics). Relaxed atomics: counts need no ordering with anything else.
 */
#include "gw/metrics.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "gw/limits.h"

static const char *const outcome_names[GW_OUTCOME_COUNT] = {
    "submitted", "accepted", "duplicate", "rejected", "delivered", "refused", "failed",
};

/* Upper bounds of the delivery latency buckets, seconds (submission to verified receipt). */
static const double latency_bounds[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                        2.5,   5,    10,    30,   60,  300,  3600};
#define LATENCY_BUCKETS (sizeof(latency_bounds) / sizeof(latency_bounds[0]))

struct gw_metrics {
    atomic_uint_fast64_t messages[GW_MSG_TYPE_COUNT][GW_OUTCOME_COUNT];
    atomic_uint_fast64_t rejections[GW_R__COUNT];
    atomic_uint_fast64_t attempts_ok;
    atomic_uint_fast64_t attempts_failed;
    atomic_uint_fast64_t latency_buckets[LATENCY_BUCKETS + 1]; /* last: +Inf */
    atomic_uint_fast64_t latency_count;
    atomic_uint_fast64_t latency_sum_us;
    atomic_uint_fast64_t http[6]; /* by status class 1xx..5xx, index 0 unused */
    /* checkpoint forks seen by peer (docs/audit.md 7): names written at start by gw_metrics_peer only */
    char fork_peer[GW_MAX_PEERS][GW_REGNO_LEN + 1];
    atomic_uint_fast64_t forks[GW_MAX_PEERS + 1]; /* last: a peer that was not registered */
    size_t n_fork_peers;
};

enum gw_rc
gw_metrics_new(struct gw_metrics **out, struct gw_err *err)
{
    enum gw_rc rc = GW_ENOMEM;
    struct gw_metrics *m = calloc(1, sizeof(*m));

    GW_CHECK(m != NULL, GW_ENOMEM, GW_R_NOMEM, "metrics");
    *out = m;
    rc = GW_OK;
out:
    return rc;
}

void
gw_metrics_free(struct gw_metrics *m)
{
    free(m);
}

void
gw_metrics_message(struct gw_metrics *m, enum gw_msg_type t, enum gw_outcome o)
{
    if ((unsigned)t < GW_MSG_TYPE_COUNT && (unsigned)o < GW_OUTCOME_COUNT) {
        atomic_fetch_add_explicit(&m->messages[t][o], 1, memory_order_relaxed);
    }
}

void
gw_metrics_rejection(struct gw_metrics *m, enum gw_reason r)
{
    if ((unsigned)r < GW_R__COUNT) {
        atomic_fetch_add_explicit(&m->rejections[r], 1, memory_order_relaxed);
    }
}

void
gw_metrics_attempt(struct gw_metrics *m, bool ok)
{
    atomic_fetch_add_explicit(ok ? &m->attempts_ok : &m->attempts_failed, 1, memory_order_relaxed);
}

void
gw_metrics_latency(struct gw_metrics *m, double seconds)
{
    size_t i = 0;

    while (i < LATENCY_BUCKETS && seconds > latency_bounds[i]) {
        i++;
    }
    atomic_fetch_add_explicit(&m->latency_buckets[i], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->latency_count, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->latency_sum_us, (uint_fast64_t)(seconds > 0 ? seconds * 1e6 : 0),
                              memory_order_relaxed);
}

void
gw_metrics_http(struct gw_metrics *m, int status)
{
    int cls = status / 100;

    if (cls >= 1 && cls <= 5) {
        atomic_fetch_add_explicit(&m->http[cls], 1, memory_order_relaxed);
    }
}

void
gw_metrics_peer(struct gw_metrics *m, const char *regno)
{
    if (m->n_fork_peers < GW_MAX_PEERS && strlen(regno) <= GW_REGNO_LEN) {
        memcpy(m->fork_peer[m->n_fork_peers], regno, strlen(regno) + 1);
        m->n_fork_peers++;
    }
}

void
gw_metrics_fork(struct gw_metrics *m, const char *regno)
{
    size_t i = 0;

    while (i < m->n_fork_peers && strcmp(m->fork_peer[i], regno) != 0) {
        i++;
    }
    atomic_fetch_add_explicit(&m->forks[i], 1, memory_order_relaxed);
}

static uint64_t
get(atomic_uint_fast64_t *v)
{
    return (uint64_t)atomic_load_explicit(v, memory_order_relaxed);
}

enum gw_rc
gw_metrics_render(struct gw_metrics *m, struct gw_store *store, struct gw_buf *b, struct gw_err *err)
{
    enum gw_rc rc;
    uint64_t by_state[GW_OUT_STATE_COUNT] = {0};
    uint64_t unacked = 0;
    uint64_t cumulative = 0;

    GW_TRY(gw_buf_append_str(b,
                             "# HELP gateway_messages_total Messages by type and outcome.\n"
                             "# TYPE gateway_messages_total counter\n",
                             err));
    for (unsigned t = 0; t < GW_MSG_TYPE_COUNT; t++) {
        for (unsigned o = 0; o < GW_OUTCOME_COUNT; o++) {
            GW_TRY(gw_buf_printf(b, err, "gateway_messages_total{type=\"%s\",outcome=\"%s\"} %llu\n",
                                 gw_msg_type_name((enum gw_msg_type)t), outcome_names[o],
                                 (unsigned long long)get(&m->messages[t][o])));
        }
    }
    GW_TRY(gw_buf_append_str(b,
                             "# HELP gateway_rejections_total Rejected inputs by reason code.\n"
                             "# TYPE gateway_rejections_total counter\n",
                             err));
    for (unsigned r = 0; r < GW_R__COUNT; r++) {
        uint64_t v = get(&m->rejections[r]);
        if (v > 0) {
            GW_TRY(gw_buf_printf(b, err, "gateway_rejections_total{reason=\"%s\"} %llu\n",
                                 gw_reason_code((enum gw_reason)r), (unsigned long long)v));
        }
    }
    GW_TRY(gw_buf_printf(b, err,
                         "# HELP gateway_delivery_attempts_total Delivery attempts by result.\n"
                         "# TYPE gateway_delivery_attempts_total counter\n"
                         "gateway_delivery_attempts_total{result=\"receipt\"} %llu\n"
                         "gateway_delivery_attempts_total{result=\"retry\"} %llu\n",
                         (unsigned long long)get(&m->attempts_ok), (unsigned long long)get(&m->attempts_failed)));
    GW_TRY(gw_buf_append_str(b,
                             "# HELP gateway_delivery_latency_seconds Submission to verified receipt.\n"
                             "# TYPE gateway_delivery_latency_seconds histogram\n",
                             err));
    for (size_t i = 0; i <= LATENCY_BUCKETS; i++) {
        cumulative += get(&m->latency_buckets[i]);
        if (i < LATENCY_BUCKETS) {
            GW_TRY(gw_buf_printf(b, err, "gateway_delivery_latency_seconds_bucket{le=\"%g\"} %llu\n",
                                 latency_bounds[i], (unsigned long long)cumulative));
        } else {
            GW_TRY(gw_buf_printf(b, err, "gateway_delivery_latency_seconds_bucket{le=\"+Inf\"} %llu\n",
                                 (unsigned long long)cumulative));
        }
    }
    GW_TRY(gw_buf_printf(
        b, err, "gateway_delivery_latency_seconds_sum %.6f\ngateway_delivery_latency_seconds_count %llu\n",
        (double)get(&m->latency_sum_us) / 1e6, (unsigned long long)get(&m->latency_count)));
    GW_TRY(gw_buf_append_str(b,
                             "# HELP gateway_http_responses_total HTTP responses by status class.\n"
                             "# TYPE gateway_http_responses_total counter\n",
                             err));
    for (int c = 1; c <= 5; c++) {
        GW_TRY(gw_buf_printf(b, err, "gateway_http_responses_total{class=\"%dxx\"} %llu\n", c,
                             (unsigned long long)get(&m->http[c])));
    }
    GW_TRY(gw_store_counts(store, by_state, &unacked, err));
    GW_TRY(gw_buf_append_str(b,
                             "# HELP gateway_outbox_messages Outbox messages by state.\n"
                             "# TYPE gateway_outbox_messages gauge\n",
                             err));
    for (int s = 0; s < GW_OUT_STATE_COUNT; s++) {
        GW_TRY(gw_buf_printf(b, err, "gateway_outbox_messages{state=\"%s\"} %llu\n",
                             gw_out_state_name((enum gw_out_state)s), (unsigned long long)by_state[s]));
    }
    GW_TRY(gw_buf_printf(b, err,
                         "# HELP gateway_queue_depth Messages waiting for delivery.\n"
                         "# TYPE gateway_queue_depth gauge\ngateway_queue_depth %llu\n"
                         "# HELP gateway_inbox_unacked Received messages not yet acknowledged by intake.\n"
                         "# TYPE gateway_inbox_unacked gauge\ngateway_inbox_unacked %llu\n",
                         (unsigned long long)(by_state[GW_OUT_QUEUED] + by_state[GW_OUT_DELIVERING]),
                         (unsigned long long)unacked));
    GW_TRY(gw_buf_append_str(b,
                             "# HELP gateway_checkpoint_forks_total Checkpoints of a peer that contradicted the "
                             "one held from it.\n"
                             "# TYPE gateway_checkpoint_forks_total counter\n",
                             err));
    for (size_t i = 0; i < m->n_fork_peers; i++) {
        GW_TRY(gw_buf_printf(b, err, "gateway_checkpoint_forks_total{peer=\"%s\"} %llu\n", m->fork_peer[i],
                             (unsigned long long)get(&m->forks[i])));
    }
    if (get(&m->forks[m->n_fork_peers]) > 0) {
        GW_TRY(gw_buf_printf(b, err, "gateway_checkpoint_forks_total{peer=\"other\"} %llu\n",
                             (unsigned long long)get(&m->forks[m->n_fork_peers])));
    }
out:
    return rc;
}

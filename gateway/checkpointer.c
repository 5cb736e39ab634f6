// SPDX-License-Identifier: MIT
/*
 * The checkpoint thread of the daemon (docs/audit.md 6): one thread that wakes every GW_CHECKPOINT_POLL_MS
 * and runs gw_checkpoint_tick with the configured triggers, so a checkpoint follows its trigger within about
 * that long. A failed tick is logged when the failures start and when they end (not once a second) and
 * retried at the next one. It holds no state of its own beyond the tick's; the policy is in checkpoint.c.
 */
#include "gw/checkpointer.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "gw/checkpoint.h"
#include "gw/daemon.h"
#include "gw/limits.h"
#include "gw/log.h"
#include "gw/time.h"

struct gw_checkpointer {
    struct gw_daemon *d; /* borrowed */
    struct gw_checkpoint_policy policy;
    struct gw_checkpoint_state state; /* the thread's only */
    pthread_mutex_t lock;
    pthread_cond_t cond; /* signalled when stop is set */
    bool stop;           /* guarded by lock */
    pthread_t thread;
};

static void *
checkpointer_main(void *arg)
{
    struct gw_checkpointer *cp = arg;
    bool failing = false;

    pthread_mutex_lock(&cp->lock);
    while (!cp->stop) {
        struct gw_err err;
        struct timespec ts;
        bool written = false;
        enum gw_rc rc;

        pthread_mutex_unlock(&cp->lock);
        gw_err_clear(&err);
        rc = gw_checkpoint_tick(cp->d->store, cp->d->signer, &cp->policy, &cp->state, gw_time_now_ms(), &written,
                                &err);
        if (rc != GW_OK && !failing) {
            gw_log_err(GW_LOG_WARN, "checkpoint", &err);
        } else if (rc == GW_OK && failing) {
            gw_log(GW_LOG_INFO, "checkpoint: signing checkpoints again");
        }
        failing = rc != GW_OK;
        if (written) {
            gw_log(GW_LOG_INFO, "checkpoint: signed the audit log at %llu entries",
                   (unsigned long long)cp->state.last_size);
        }
        pthread_mutex_lock(&cp->lock);
        if (cp->stop) {
            break;
        }
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += (time_t)(GW_CHECKPOINT_POLL_MS / 1000u);
        ts.tv_nsec += (long)(GW_CHECKPOINT_POLL_MS % 1000u) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&cp->cond, &cp->lock, &ts);
    }
    pthread_mutex_unlock(&cp->lock);
    return NULL;
}

enum gw_rc
gw_checkpointer_start(struct gw_daemon *d, struct gw_checkpointer **out, struct gw_err *err)
{
    enum gw_rc rc = GW_ENOMEM;
    struct gw_checkpointer *cp = NULL;
    bool sync = false;

    if (d->cfg.checkpoint_every_entries == 0 && d->cfg.checkpoint_every_s == 0) {
        *out = NULL;
        return GW_OK;
    }
    cp = calloc(1, sizeof(*cp));
    GW_CHECK(cp != NULL, GW_ENOMEM, GW_R_NOMEM, "checkpointer");
    cp->d = d;
    cp->policy.every_entries = d->cfg.checkpoint_every_entries;
    cp->policy.every_ms = (int64_t)d->cfg.checkpoint_every_s * 1000;
    GW_CHECK(pthread_mutex_init(&cp->lock, NULL) == 0, GW_EINTERNAL, GW_R_INTERNAL, "checkpointer mutex");
    if (pthread_cond_init(&cp->cond, NULL) != 0) {
        pthread_mutex_destroy(&cp->lock);
        GW_CHECK(false, GW_EINTERNAL, GW_R_INTERNAL, "checkpointer condition");
    }
    sync = true;
    GW_CHECK(pthread_create(&cp->thread, NULL, checkpointer_main, cp) == 0, GW_EINTERNAL, GW_R_INTERNAL,
             "checkpointer thread");
    *out = cp;
    cp = NULL;
    rc = GW_OK;
out:
    if (cp != NULL && sync) {
        pthread_cond_destroy(&cp->cond);
        pthread_mutex_destroy(&cp->lock);
    }
    free(cp);
    return rc;
}

void
gw_checkpointer_stop(struct gw_checkpointer *cp)
{
    if (cp == NULL) {
        return;
    }
    pthread_mutex_lock(&cp->lock);
    cp->stop = true;
    pthread_cond_signal(&cp->cond);
    pthread_mutex_unlock(&cp->lock);
    pthread_join(cp->thread, NULL);
    pthread_cond_destroy(&cp->cond);
    pthread_mutex_destroy(&cp->lock);
    free(cp);
}

/* SPDX-License-Identifier: MIT */
/*
 * The running daemon's shared state (DESIGN §5, §9): everything loaded once at start and shared read-only
 * by the HTTP worker threads and the deliverer. The request context and the server are in http.h, the
 * handlers in api.h, the deliverer in deliver.h.
 */
#ifndef GW_DAEMON_H
#define GW_DAEMON_H

#include <openssl/types.h>
#include <stdbool.h>
#include <stdint.h>

#include "gw/config.h"
#include "gw/err.h"

struct gw_checkpointer;
struct gw_deliverer;
struct gw_metrics;
struct gw_pki;
struct gw_schemas;
struct gw_signer;
struct gw_store;

struct gw_daemon {
    struct gw_config cfg;
    struct gw_schemas *schemas;
    struct gw_pki *pki;
    struct gw_signer *signer;
    struct gw_store *store;
    struct gw_metrics *metrics;
    struct gw_deliverer *deliverer;       /* woken when something is queued */
    struct gw_checkpointer *checkpointer; /* signs checkpoints of the audit log; NULL if configured off */
    SSL_CTX *tls;                         /* server context */
    X509_STORE *tsa_store;                /* tsa_trust anchors for received signature timestamps; NULL if none */
};

#endif

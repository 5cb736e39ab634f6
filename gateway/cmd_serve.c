// SPDX-License-Identifier: MIT
/*
 * gateway serve --config FILE: load everything once (configuration, schemas, trust store, signing key,
 * store, TLS context), start the deliverer and the HTTP workers, and run until SIGTERM or SIGINT; then stop
 * accepting, let in-flight requests finish briefly, stop the deliverer after its current attempt, and close
 * the store. Nothing acknowledged is lost at any point: acknowledgements follow durable commits.
 */
#include <curl/curl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gw/buf.h"
#include "gw/checkpointer.h"
#include "gw/cli.h"
#include "gw/daemon.h"
#include "gw/deliver.h"
#include "gw/http.h"
#include "gw/log.h"
#include "gw/metrics.h"
#include "gw/pki.h"
#include "gw/sign.h"
#include "gw/store.h"
#include "gw/tls.h"
#include "gw/tsp.h"

static const char usage[] = "usage: gateway serve --config FILE\n"
                            "Run the gateway daemon (HTTPS with mutual TLS; see docs/config.md and docs/api.md).\n"
                            "  -c, --config FILE   configuration file\n"
                            "Stops gracefully on SIGTERM or SIGINT. Exit status: 0 after a clean stop, 2 on a\n"
                            "configuration or start-up error (the message names the file, line and reason).\n";

static enum gw_rc
write_port_file(const char *path, uint16_t port, struct gw_err *err)
{
    char text[16];
    int n = snprintf(text, sizeof(text), "%u\n", port);

    return gw_write_file(path, text, (size_t)n, err);
}

/*
 * The daemon needs no privilege: it binds the configured port (a port below 1024 needs only
 * CAP_NET_BIND_SERVICE) and reads files its own user owns. Root is refused before any key is read,
 * unless the configuration opts in where root is already confined (a container); docs/security.md 5.
 */
static enum gw_rc
check_user(const struct gw_config *cfg, const char *config, struct gw_err *err)
{
    enum gw_rc rc = GW_ECONFIG;

    GW_CHECK((getuid() != 0 && geteuid() != 0) || cfg->allow_root, GW_ECONFIG, GW_R_CONFIG,
             "refusing to run as root (uid 0): run as an unprivileged user (docs/security.md 5), or set "
             "'allow_root = yes' in %s where root is already confined (a container)",
             config);
    rc = GW_OK;
out:
    return rc;
}

/* A log damaged while the gateway was stopped is reported at start (security review F14). The gateway still
 * starts: its new entries continue from the head it recorded, so the damage stays detectable. */
static void
warn_if_audit_broken(const char *store)
{
    struct gw_err err;
    uint64_t entries = 0;

    gw_err_clear(&err);
    if (gw_audit_verify_sqlite(store, &entries, &err) != GW_OK) {
        gw_log(GW_LOG_WARN,
               "the audit log of %s does not verify: %s: %s [%s]; see 'gateway audit verify --store %s'", store,
               err.where, err.msg, gw_reason_code(err.reason), store);
    }
}

static enum gw_rc
start(struct gw_daemon *d, const char *argv0, struct gw_server **server, struct gw_err *err)
{
    enum gw_rc rc;
    const char *crls[GW_MAX_CRLS];
    uint16_t port = 0;

    for (size_t i = 0; i < d->cfg.n_crls; i++) {
        crls[i] = d->cfg.crls[i];
    }
    GW_TRY(gw_cli_setup(argv0, d->cfg.schemas[0] != '\0' ? d->cfg.schemas : NULL, true, &d->schemas, err));
    GW_TRY(gw_pki_load(d->cfg.trust, crls, d->cfg.n_crls, &d->pki, err));
    if (d->cfg.tsa_trust[0] != '\0') {
        GW_TRY(gw_tsp_load_anchors(d->cfg.tsa_trust, &d->tsa_store, err));
    }
    /* DESIGN: refuse to start with a private key others can read (or write, or swap: sign.c check_key_file) */
    GW_TRY(gw_signer_load(d->cfg.key, d->cfg.cert, d->cfg.chain[0] != '\0' ? d->cfg.chain : NULL, true, &d->signer,
                          err));
    GW_CHECK(strcmp(gw_signer_regno(d->signer), d->cfg.organisation) == 0, GW_ECONFIG, GW_R_CONFIG,
             "certificate %s belongs to organisation %s, not to the configured organisation %s", d->cfg.cert,
             gw_signer_regno(d->signer), d->cfg.organisation);
    GW_TRY(gw_tls_server_ctx(&d->cfg, &d->tls, err));
    GW_TRY(gw_metrics_new(&d->metrics, err));
    for (size_t i = 0; i < d->cfg.n_peers; i++) {
        gw_metrics_peer(d->metrics, d->cfg.peers[i].regno);
    }
    GW_TRY(gw_store_open_sqlite(d->cfg.store, &d->store, err));
    warn_if_audit_broken(d->cfg.store);
    GW_TRY(gw_deliverer_start(d, &d->deliverer, err));
    GW_TRY(gw_checkpointer_start(d, &d->checkpointer, err));
    GW_TRY(gw_server_start(d, server, &port, err));
    if (d->cfg.port_file[0] != '\0') {
        GW_TRY(write_port_file(d->cfg.port_file, port, err));
    }
    gw_log(GW_LOG_INFO, "gateway of organisation %s listening on %s:%u with %u workers, %zu peers",
           d->cfg.organisation, d->cfg.listen_host, port, d->cfg.workers, d->cfg.n_peers);
    rc = GW_OK;
out:
    return rc;
}

static void
stop(struct gw_daemon *d, struct gw_server *server)
{
    gw_server_stop(server);
    gw_deliverer_stop(d->deliverer);
    gw_checkpointer_stop(d->checkpointer);
    gw_store_close(d->store);
    gw_metrics_free(d->metrics);
    SSL_CTX_free(d->tls);
    gw_signer_free(d->signer);
    gw_pki_free(d->pki);
    X509_STORE_free(d->tsa_store);
    if (d->schemas != NULL) {
        gw_cli_teardown(d->schemas, true);
    }
}

int
gw_cmd_serve(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *config = NULL;
    struct gw_daemon *d = calloc(1, sizeof(*d));
    struct gw_server *server = NULL;
    struct gw_err err;
    sigset_t signals;
    int sig = 0;
    int c;
    int status = GW_EXIT_USAGE;

    if (d == NULL) {
        return GW_EXIT_USAGE;
    }
    while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            config = optarg;
            break;
        case 'h':
            fputs(usage, stdout);
            free(d);
            return GW_EXIT_OK;
        default:
            fputs(usage, stderr);
            free(d);
            return GW_EXIT_USAGE;
        }
    }
    if (config == NULL || optind != argc) {
        fputs(usage, stderr);
        free(d);
        return GW_EXIT_USAGE;
    }
    /* every thread inherits this mask; the main thread alone takes the signals with sigwait */
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals, NULL);
    signal(SIGPIPE, SIG_IGN);
    gw_err_clear(&err);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fputs("gateway serve: libcurl initialisation failed\n", stderr);
        free(d);
        return GW_EXIT_USAGE;
    }
    if (gw_config_load(config, &d->cfg, &err) != GW_OK || check_user(&d->cfg, config, &err) != GW_OK ||
        start(d, argv[0], &server, &err) != GW_OK) {
        gw_cli_print_error("serve", &err);
        status = GW_EXIT_USAGE;
    } else {
        sigwait(&signals, &sig);
        gw_log(GW_LOG_INFO, "signal %d: stopping", sig);
        status = GW_EXIT_OK;
    }
    stop(d, server);
    curl_global_cleanup();
    if (status == GW_EXIT_OK) {
        gw_log(GW_LOG_INFO, "stopped");
    }
    free(d);
    return status;
}

/* SPDX-License-Identifier: MIT */
/*
 * The daemon's configuration: a text file of "key = value" lines, parsed once into a read-only
 * struct gw_config. Unknown keys, repeated single keys and bad values stop start-up with the file, the
 * line and the reason. docs/config.md lists every key with its default.
 */
#ifndef GW_CONFIG_H
#define GW_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gw/err.h"
#include "gw/ids.h"
#include "gw/limits.h"

struct gw_peer {
    char regno[GW_REGNO_LEN + 1]; /* organisation of the peer gateway */
    char url[512];                /* base URL, "https://host:port" (no path, no trailing slash) */
};

/* sender may send the message types in the `types` bit set (1u << enum gw_msg_type) to recipient. */
struct gw_rule {
    char sender[GW_REGNO_LEN + 1];
    char recipient[GW_REGNO_LEN + 1];
    unsigned types;
};

struct gw_config {
    char path[512];                      /* the file it came from */
    char organisation[GW_REGNO_LEN + 1]; /* organisation = 11 digits (required) */
    char key[512];                       /* key = PEM private key, mode 0600 (required) */
    char cert[512];                      /* cert = PEM certificate (required) */
    char chain[512];                     /* chain = PEM intermediates ("" = none) */
    char trust[512];                     /* trust = PEM trust anchors (required) */
    char tsa_trust[512];                 /* tsa_trust = PEM TSA anchors for received timestamps ("" = none) */
    char crls[GW_MAX_CRLS][512];         /* crl = PEM CRL (repeatable) */
    size_t n_crls;
    char schemas[512];     /* schemas = directory ("" = beside the binary) */
    char store[512];       /* store = SQLite file (required) */
    char listen_host[256]; /* listen = HOST:PORT (required; port 0 = any free port) */
    uint16_t listen_port;
    char port_file[512];                     /* port_file = where to write the bound port ("" = none) */
    bool allow_root;                         /* allow_root = yes: gateway serve may run as uid 0 (default no) */
    unsigned workers;                        /* workers = HTTP worker threads (default 4, 1..64) */
    char submitters[GW_MAX_SUBMITTERS][256]; /* submitter = CN of an own-organisation client allowed to
                                                submit and pull the inbox (repeatable; none = any client
                                                certificate of the own organisation) */
    size_t n_submitters;
    struct gw_peer peers[GW_MAX_PEERS]; /* peer = REGNO URL (repeatable) */
    size_t n_peers;
    struct gw_rule rules[GW_MAX_RULES]; /* allow = SENDER RECIPIENT TYPE[,TYPE...] (repeatable) */
    size_t n_rules;
    size_t max_body;                   /* max_body = bytes (default 4 MiB, ceiling 16 MiB) */
    size_t max_headers;                /* max_headers = bytes of all request headers (default 16 KiB) */
    unsigned max_connections;          /* max_connections (default 256) */
    unsigned request_timeout_s;        /* request_timeout = seconds to read a request (default 30) */
    unsigned idle_timeout_s;           /* idle_timeout = keep-alive idle seconds (default 60) */
    unsigned created_past_s;           /* created_window_past = how old Created may be (default 7 d) */
    unsigned created_future_s;         /* created_window_future = clock skew allowed (default 300 s) */
    unsigned retry_initial_ms;         /* retry_initial = first back-off, ms (default 500) */
    unsigned retry_max_interval_s;     /* retry_max_interval = back-off cap, seconds (default 300) */
    unsigned retry_max_age_s;          /* retry_max_age = give up after, seconds (default 86400) */
    unsigned deliver_timeout_s;        /* deliver_timeout = one delivery attempt, seconds (default 30) */
    unsigned checkpoint_every_entries; /* checkpoint_every_entries = sign a checkpoint once the log grew by this
                                          many entries (default 1000, 0 = not by count) */
    unsigned checkpoint_every_s;       /* checkpoint_every_seconds = and at most this long after the log grew
                                          (default 300, 0 = not by time) */
    unsigned delivery_concurrency; /* delivery_concurrency = deliveries in flight per peer (default 4, 1..16) */

    /* before authentication (include/gw/limits.h) */
    unsigned max_handshakes;             /* max_handshakes = connections before the TLS handshake (default 64) */
    unsigned max_handshakes_per_address; /* max_handshakes_per_address = of those, per client (default 8) */
    unsigned handshake_timeout_s;        /* handshake_timeout = seconds from accept (default 10) */
};

/*
 * Parse the file at path (borrowed) into *out (plain data, nothing to free). Checks syntax and ranges,
 * not that files exist (the daemon opens them and reports). Reasons: CONFIG (err->where = "file:line"),
 * IO. On failure *out is untouched.
 */
GW_MUST_CHECK enum gw_rc gw_config_load(const char *path, struct gw_config *out, struct gw_err *err);

/* The peer whose organisation is regno, or NULL. */
const struct gw_peer *gw_config_peer(const struct gw_config *c, const char *regno);

/* May sender send a message of this type to recipient? (Receipts are always allowed between peers.) */
bool gw_config_allows(const struct gw_config *c, const char *sender, const char *recipient, enum gw_msg_type t);

/* DESIGN §5: the envelope's Created (an xs:dateTime, borrowed) lies within [now - created_window_past,
 * now + created_window_future]. Checked at submission and at exchange. Reasons: CREATED_WINDOW (rc
 * GW_EINPUT if it is not a dateTime, GW_EPOLICY if it lies outside the window). */
GW_MUST_CHECK enum gw_rc gw_config_check_created(const struct gw_config *cfg, const char *created,
                                                 struct gw_err *err);

#endif

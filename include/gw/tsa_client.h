/* SPDX-License-Identifier: MIT */
/*
 * The HTTP side of RFC 3161 (§3.4): POST one DER TimeStampReq to a TSA URL and read back the reply bytes,
 * bounded in size and time. It checks the HTTP exchange only; the reply's content is checked by gw_tsp_*.
 * Domain layer (libcurl). The caller has called curl_global_init.
 */
#ifndef GW_TSA_CLIENT_H
#define GW_TSA_CLIENT_H

#include <stddef.h>

#include "gw/buf.h"
#include "gw/err.h"

/*
 * POST req (req_len bytes, borrowed) to url (borrowed; http or https only, no redirects followed, TLS
 * peers verified against the system store) with Content-Type application/timestamp-query, waiting at most
 * timeout_ms in all. Only a 200 with Content-Type application/timestamp-reply counts as an answer.
 * OUT: the reply body appended to reply (initialised by the caller; its cap is lowered to
 * GW_MAX_TSP_REPLY_BYTES if larger); on failure reply holds whatever was received and must still be cleaned up.
 * Reasons: TSA_HTTP (an HTTP status other than 200, "429 rate limited" said apart), TSA_MALFORMED (wrong
 * Content-Type), LIMIT_SIZE (reply over the cap), IO (connection, timeout), CONFIG (bad URL), NOMEM.
 */
GW_MUST_CHECK enum gw_rc gw_tsa_client_post(const char *url, const unsigned char *req, size_t req_len,
                                            long timeout_ms, struct gw_buf *reply, struct gw_err *err);

#endif

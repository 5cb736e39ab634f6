// SPDX-License-Identifier: MIT
/*
 * RFC 3161 §3.4 over HTTP: one POST of a TimeStampReq, the reply read under GW_MAX_TSP_REPLY_BYTES and a total
 * timeout. It does not retry, fail over between TSAs or parse the reply (tsp.c does); callers decide what a
 * failed timestamp means. Kept apart from tsp.c so that the token checker needs no network library.
 */
#include "gw/tsa_client.h"

#include <curl/curl.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "gw/limits.h"

struct sink {
    struct gw_buf *buf;
    bool over; /* the reply went past the cap */
};

static size_t
collect(char *ptr, size_t size, size_t nmemb, void *arg)
{
    struct sink *s = arg;
    struct gw_err err;

    gw_err_clear(&err);
    if (nmemb != 0 && size > SIZE_MAX / nmemb) {
        s->over = true;
        return 0;
    }
    if (gw_buf_append(s->buf, ptr, size * nmemb, &err) != GW_OK) {
        s->over = err.reason == GW_R_LIMIT_SIZE;
        return 0; /* aborts the transfer */
    }
    return size * nmemb;
}

/* "application/timestamp-reply", optionally followed by parameters. */
static bool
is_reply_type(const char *ct)
{
    static const char want[] = "application/timestamp-reply";
    size_t n = sizeof(want) - 1;

    return ct != NULL && strncasecmp(ct, want, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

enum gw_rc
gw_tsa_client_post(const char *url, const unsigned char *req, size_t req_len, long timeout_ms,
                   struct gw_buf *reply, struct gw_err *err)
{
    enum gw_rc rc = GW_EIO;
    CURL *curl = curl_easy_init();
    struct curl_slist *headers = NULL;
    struct curl_slist *h2 = NULL;
    struct sink sink = {.buf = reply, .over = false};
    char curl_err[CURL_ERROR_SIZE] = "";
    long status = 0;
    char *ct = NULL;
    CURLcode cc;

    GW_CHECK(curl != NULL, GW_ENOMEM, GW_R_NOMEM, "libcurl handle");
    GW_CHECK(strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0, GW_ECONFIG, GW_R_CONFIG,
             "TSA URL must be http:// or https://");
    if (reply->max > GW_MAX_TSP_REPLY_BYTES) {
        reply->max = GW_MAX_TSP_REPLY_BYTES;
    }
    headers = curl_slist_append(NULL, "Content-Type: application/timestamp-query");
    h2 = headers != NULL ? curl_slist_append(headers, "Accept: application/timestamp-reply") : NULL;
    GW_CHECK(h2 != NULL, GW_ENOMEM, GW_R_NOMEM, "HTTP headers");
    headers = h2;
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, (const char *)req);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req_len);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_err);
    curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)reply->max);
    cc = curl_easy_perform(curl);
    GW_CHECK(!sink.over && cc != CURLE_FILESIZE_EXCEEDED, GW_ELIMIT, GW_R_LIMIT_SIZE,
             "TSA reply larger than %zu bytes", reply->max);
    GW_CHECK(cc == CURLE_OK, GW_EIO, GW_R_IO, "TSA %s: %s", url,
             curl_err[0] != '\0' ? curl_err : curl_easy_strerror(cc));
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    /* HTTP 429 said apart: TSAs rate-limit, and the caller should back off rather than fail over at once. */
    GW_CHECK(status != 429, GW_EIO, GW_R_TSA_HTTP, "TSA %s: HTTP 429 rate limited", url);
    GW_CHECK(status == 200, GW_EIO, GW_R_TSA_HTTP, "TSA %s: HTTP %ld", url, status);
    curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &ct);
    GW_CHECK(is_reply_type(ct), GW_EINPUT, GW_R_TSA_MALFORMED,
             "TSA %s: Content-Type %s, not application/timestamp-reply", url, ct != NULL ? ct : "(none)");
    rc = GW_OK;
out:
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    return rc;
}

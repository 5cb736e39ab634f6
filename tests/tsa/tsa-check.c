// SPDX-License-Identifier: MIT
/*
 * tsa-check: the gateway's timestamp client and token checker from the command line, for the shell suites
 * (tests/integration/tsa.sh) only; it is not a gateway subcommand. It builds a request for the SHA-256 of a
 * file (gw_tsp_request_new), posts it (gw_tsa_client_post), checks the reply (gw_tsp_check_reply) and, if
 * it passes, the token alone again (gw_tsp_check_token).
 *
 * usage: tsa-check --url URL --anchors TSA-ANCHORS.pem --data FILE [--timeout-ms MS] [--query-out FILE]
 *                  [--reply-out FILE] [--nonce N]
 * --nonce replaces the random nonce with N (to make fuzz seeds with a known request).
 * Prints "OK gen_time=EPOCH policy=OID serial=HEX tsa=SUBJECT" and exits 0, or "FAIL CODE: message" and
 * exits 1 (a rejected or broken reply) or 2 (usage, I/O).
 */
#include <curl/curl.h>
#include <errno.h>
#include <openssl/evp.h>
#include <openssl/ts.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw/buf.h"
#include "gw/limits.h"
#include "gw/time.h"
#include "gw/tsa_client.h"
#include "gw/tsp.h"

static int
fail(const struct gw_err *err)
{
    printf("FAIL %s: %s%s%s\n", gw_reason_code(err->reason), err->where, err->where[0] != '\0' ? ": " : "",
           err->msg);
    return gw_rc_exit_status(err->rc);
}

/* Test-only: the same request with nonce n. */
static bool
set_nonce(struct gw_tsp_req *req, uint64_t n)
{
    const unsigned char *p = req->der;
    TS_REQ *r = d2i_TS_REQ(NULL, &p, (long)req->der_len);
    ASN1_INTEGER *a = ASN1_INTEGER_new();
    unsigned char *der = NULL;
    int len = -1;

    if (r != NULL && a != NULL && ASN1_INTEGER_set_uint64(a, n) == 1 && TS_REQ_set_nonce(r, a) == 1) {
        len = i2d_TS_REQ(r, &der);
    }
    ASN1_INTEGER_free(a);
    TS_REQ_free(r);
    if (len <= 0) {
        return false;
    }
    OPENSSL_free(req->der);
    req->der = der;
    req->der_len = (size_t)len;
    req->nonce = n;
    return true;
}

int
main(int argc, char **argv)
{
    const char *url = NULL, *anchors = NULL, *data = NULL, *query_out = NULL, *reply_out = NULL;
    long timeout_ms = 10000;
    unsigned long long nonce = 0;
    struct gw_err err;
    struct gw_buf in;
    struct gw_buf reply;
    struct gw_tsp_req req;
    struct gw_tsp_token tok;
    struct gw_tsp_token tok2;
    X509_STORE *store = NULL;
    unsigned char digest[GW_TSP_DIGEST_LEN];
    unsigned int dlen = 0;
    int status = 2;

    for (int i = 1; i + 1 < argc; i += 2) {
        char *end = NULL;
        if (strcmp(argv[i], "--url") == 0) {
            url = argv[i + 1];
        } else if (strcmp(argv[i], "--anchors") == 0) {
            anchors = argv[i + 1];
        } else if (strcmp(argv[i], "--data") == 0) {
            data = argv[i + 1];
        } else if (strcmp(argv[i], "--query-out") == 0) {
            query_out = argv[i + 1];
        } else if (strcmp(argv[i], "--reply-out") == 0) {
            reply_out = argv[i + 1];
        } else if (strcmp(argv[i], "--timeout-ms") == 0) {
            errno = 0;
            timeout_ms = strtol(argv[i + 1], &end, 10);
            if (errno != 0 || *end != '\0' || timeout_ms <= 0) {
                url = NULL;
                break;
            }
        } else if (strcmp(argv[i], "--nonce") == 0) {
            errno = 0;
            nonce = strtoull(argv[i + 1], &end, 10);
            if (errno != 0 || *end != '\0' || nonce == 0) {
                url = NULL;
                break;
            }
        } else {
            url = NULL;
            break;
        }
    }
    if (url == NULL || anchors == NULL || data == NULL || argc % 2 == 0) {
        fprintf(stderr,
                "usage: tsa-check --url URL --anchors PEM --data FILE [--timeout-ms MS] [--query-out FILE] "
                "[--reply-out FILE] [--nonce N]\n");
        return 2;
    }
    memset(&req, 0, sizeof(req));
    memset(&tok, 0, sizeof(tok));
    memset(&tok2, 0, sizeof(tok2));
    gw_buf_init(&in, GW_MAX_DOC_BYTES);
    gw_buf_init(&reply, GW_MAX_TSP_REPLY_BYTES);
    gw_err_clear(&err);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "tsa-check: curl_global_init failed\n");
        goto out;
    }
    if (gw_buf_read_file(&in, data, &err) != GW_OK || gw_tsp_load_anchors(anchors, &store, &err) != GW_OK) {
        status = fail(&err);
        goto out;
    }
    if (EVP_Digest(in.data != NULL ? in.data : (const unsigned char *)"", in.len, digest, &dlen, EVP_sha256(),
                   NULL) != 1 ||
        dlen != GW_TSP_DIGEST_LEN) {
        fprintf(stderr, "tsa-check: SHA-256 failed\n");
        goto out;
    }
    if (gw_tsp_request_new(digest, &req, &err) != GW_OK) {
        status = fail(&err);
        goto out;
    }
    if (nonce != 0 && !set_nonce(&req, (uint64_t)nonce)) {
        fprintf(stderr, "tsa-check: cannot set the nonce\n");
        goto out;
    }
    if (query_out != NULL && gw_write_file(query_out, req.der, req.der_len, &err) != GW_OK) {
        status = fail(&err);
        goto out;
    }
    if (gw_tsa_client_post(url, req.der, req.der_len, timeout_ms, &reply, &err) != GW_OK) {
        status = fail(&err);
        goto out;
    }
    if (reply_out != NULL && gw_write_file(reply_out, reply.data, reply.len, &err) != GW_OK) {
        status = fail(&err);
        goto out;
    }
    if (gw_tsp_check_reply(&req, reply.data, reply.len, store, gw_time_now_ms() / 1000, &tok, &err) != GW_OK) {
        status = fail(&err);
        goto out;
    }
    /* The stored token must pass the later check on its own. */
    if (gw_tsp_check_token(digest, tok.der, tok.der_len, store, gw_time_now_ms() / 1000, &tok2, &err) != GW_OK) {
        status = fail(&err);
        goto out;
    }
    printf("OK gen_time=%lld policy=%s serial=%s tsa=%s\n", (long long)tok.gen_time, tok.policy, tok.serial_hex,
           tok.tsa_subject);
    status = 0;
out:
    gw_tsp_token_cleanup(&tok);
    gw_tsp_token_cleanup(&tok2);
    gw_tsp_req_cleanup(&req);
    X509_STORE_free(store);
    gw_buf_cleanup(&reply);
    gw_buf_cleanup(&in);
    curl_global_cleanup();
    return status;
}

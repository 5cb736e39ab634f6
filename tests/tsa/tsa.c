// SPDX-License-Identifier: MIT
/*
 * test-tsa: a small RFC 3161 time-stamp responder for the tests and `make demo`, NEVER a public TSA. Plain
 * HTTP on 127.0.0.1 only (libevent evhttp), OpenSSL's TS_RESP_CTX for the replies. It can fail on purpose,
 * for the whole run (--fail MODE) or per request (POST /?fail=MODE), so that the client and the token checker
 * can be tested against every way a TSA goes wrong.
 *
 * usage: test-tsa --cert TSA.pem --key TSA.key.pem [--chain CHAIN.pem] --port-file FILE [--port N]
 *                 [--policy OID] [--max-request BYTES] [--fail MODE] [--future SECONDS] [--delay-ms MS]
 *                 [--untrusted-cert CERT.pem --untrusted-key KEY.pem]
 * MODE: none http429 http500 reject nonce imprint future untrusted slow wrongtype oversize
 *   future    genTime --future seconds ahead (default 3600)
 *   wrongtype a good reply labelled text/plain
 *   oversize  HTTP 200 application/timestamp-reply with 128 KiB of bytes (more than any client should read)
 *   untrusted signed by the --untrusted-cert key (a self-signed TSA nobody trusts)
 *   slow      the reply is held back --delay-ms (default 3000) on an event timer: other requests go on
 * The bound port is written to FILE (atomically) once the server listens. One line per request on stderr.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <netinet/in.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

enum mode {
    M_NONE,
    M_HTTP429,
    M_HTTP500,
    M_REJECT,
    M_NONCE,
    M_IMPRINT,
    M_FUTURE,
    M_UNTRUSTED,
    M_SLOW,
    M_WRONGTYPE,
    M_OVERSIZE,
};

static const char *const mode_names[] = {"none",   "http429",   "http500", "reject",    "nonce",   "imprint",
                                         "future", "untrusted", "slow",    "wrongtype", "oversize"};

struct tsa {
    struct event_base *base;
    TS_RESP_CTX *ctx;           /* the trusted TSA */
    TS_RESP_CTX *untrusted_ctx; /* the self-signed one, NULL if not configured */
    enum mode mode;             /* default failure mode */
    long future_s;              /* seconds genTime lies ahead in mode future */
    long delay_ms;              /* reply delay in mode slow */
    size_t max_request;         /* bytes of a request body */
    uint64_t serial;            /* last serial number issued */
    enum mode cur;              /* mode of the request being answered (read by the callbacks) */
};

struct delayed {
    struct evhttp_request *req;
    struct evbuffer *body;
    struct event *ev;
};

static bool
parse_mode(const char *s, enum mode *out)
{
    for (size_t i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++) {
        if (strcmp(s, mode_names[i]) == 0) {
            *out = (enum mode)i;
            return true;
        }
    }
    return false;
}

static bool
parse_long(const char *s, long min, long max, long *out)
{
    char *end = NULL;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
        return false;
    }
    *out = v;
    return true;
}

static ASN1_INTEGER *
serial_cb(TS_RESP_CTX *ctx, void *data)
{
    struct tsa *t = data;
    ASN1_INTEGER *s;

    if (t->cur == M_REJECT) {
        /* The only hook TS_RESP_CTX offers to refuse: it answers PKIStatus rejection with our text. */
        TS_RESP_CTX_set_status_info(ctx, TS_STATUS_REJECTION, "test-tsa: rejected on purpose");
        TS_RESP_CTX_add_failure_info(ctx, TS_INFO_SYSTEM_FAILURE);
        return NULL;
    }
    s = ASN1_INTEGER_new();
    if (s == NULL || ASN1_INTEGER_set_uint64(s, ++t->serial) != 1) {
        ASN1_INTEGER_free(s);
        TS_RESP_CTX_set_status_info(ctx, TS_STATUS_REJECTION, "test-tsa: no serial number");
        TS_RESP_CTX_add_failure_info(ctx, TS_INFO_ADD_INFO_NOT_AVAILABLE);
        return NULL;
    }
    return s;
}

static int
time_cb(TS_RESP_CTX *ctx, void *data, long *sec, long *usec)
{
    struct tsa *t = data;
    struct timeval tv;

    (void)ctx;
    if (gettimeofday(&tv, NULL) != 0) {
        return 0;
    }
    *sec = (long)tv.tv_sec + (t->cur == M_FUTURE ? t->future_s : 0);
    *usec = (long)tv.tv_usec;
    return 1;
}

static X509 *
read_cert(const char *path)
{
    BIO *bio = BIO_new_file(path, "r");
    X509 *x = bio != NULL ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;

    BIO_free(bio);
    return x;
}

static EVP_PKEY *
read_key(const char *path)
{
    BIO *bio = BIO_new_file(path, "r");
    EVP_PKEY *k = bio != NULL ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;

    BIO_free(bio);
    return k;
}

static STACK_OF(X509) *
read_chain(const char *path)
{
    STACK_OF(X509) *sk = sk_X509_new_null();
    FILE *f = fopen(path, "r");
    X509 *x;

    if (sk == NULL || f == NULL) {
        sk_X509_free(sk);
        if (f != NULL) {
            fclose(f);
        }
        return NULL;
    }
    while ((x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
        if (sk_X509_push(sk, x) <= 0) {
            X509_free(x);
            break;
        }
    }
    ERR_clear_error(); /* the end of the file */
    fclose(f);
    return sk;
}

static TS_RESP_CTX *
make_ctx(struct tsa *t, const char *cert_path, const char *key_path, const char *chain_path, const char *policy)
{
    TS_RESP_CTX *ctx = TS_RESP_CTX_new();
    X509 *cert = read_cert(cert_path);
    EVP_PKEY *key = read_key(key_path);
    STACK_OF(X509) *chain = chain_path != NULL ? read_chain(chain_path) : NULL;
    ASN1_OBJECT *pol = OBJ_txt2obj(policy, 1);
    bool ok =
        ctx != NULL && cert != NULL && key != NULL && pol != NULL && (chain_path == NULL || chain != NULL) &&
        TS_RESP_CTX_set_signer_cert(ctx, cert) == 1 && TS_RESP_CTX_set_signer_key(ctx, key) == 1 &&
        (chain == NULL || TS_RESP_CTX_set_certs(ctx, chain) == 1) && TS_RESP_CTX_set_def_policy(ctx, pol) == 1 &&
        TS_RESP_CTX_add_md(ctx, EVP_sha256()) == 1 && TS_RESP_CTX_add_md(ctx, EVP_sha384()) == 1 &&
        TS_RESP_CTX_add_md(ctx, EVP_sha512()) == 1 && TS_RESP_CTX_set_signer_digest(ctx, EVP_sha256()) == 1 &&
        TS_RESP_CTX_set_ess_cert_id_digest(ctx, EVP_sha256()) == 1 && TS_RESP_CTX_set_accuracy(ctx, 1, 0, 0) == 1;

    if (ok) {
        TS_RESP_CTX_set_serial_cb(ctx, serial_cb, t);
        TS_RESP_CTX_set_time_cb(ctx, time_cb, t);
    } else {
        fprintf(stderr, "test-tsa: cannot set up the TSA from %s and %s\n", cert_path, key_path);
        ERR_print_errors_fp(stderr);
        TS_RESP_CTX_free(ctx);
        ctx = NULL;
    }
    X509_free(cert);
    EVP_PKEY_free(key);
    sk_X509_pop_free(chain, X509_free);
    ASN1_OBJECT_free(pol);
    return ctx;
}

/* The request as the TSA will see it: re-encoded with a changed nonce or imprint for those failure modes. */
static BIO *
request_bio(struct tsa *t, const unsigned char *body, size_t len)
{
    const unsigned char *p = body;
    TS_REQ *req = NULL;
    BIO *bio = BIO_new(BIO_s_mem());

    if (bio == NULL) {
        return NULL;
    }
    if (t->cur == M_NONCE || t->cur == M_IMPRINT) {
        req = d2i_TS_REQ(NULL, &p, (long)len);
    }
    if (req != NULL && t->cur == M_NONCE) {
        const ASN1_INTEGER *n = TS_REQ_get_nonce(req);
        uint64_t v = 0;
        ASN1_INTEGER *wrong = ASN1_INTEGER_new();
        if (n != NULL) {
            ASN1_INTEGER_get_uint64(&v, n);
        }
        if (wrong == NULL || ASN1_INTEGER_set_uint64(wrong, v + 1) != 1 || TS_REQ_set_nonce(req, wrong) != 1) {
            TS_REQ_free(req);
            req = NULL;
        }
        ASN1_INTEGER_free(wrong);
    }
    if (req != NULL && t->cur == M_IMPRINT) {
        ASN1_OCTET_STRING *msg = TS_MSG_IMPRINT_get_msg(TS_REQ_get_msg_imprint(req));
        unsigned char flipped[64];
        int n = msg != NULL ? ASN1_STRING_length(msg) : 0;
        if (n > 0 && n <= (int)sizeof(flipped)) {
            memcpy(flipped, ASN1_STRING_get0_data(msg), (size_t)n);
            flipped[0] ^= 0x01;
            if (ASN1_STRING_set(msg, flipped, n) != 1) {
                TS_REQ_free(req);
                req = NULL;
            }
        }
    }
    if (req != NULL) {
        if (i2d_TS_REQ_bio(bio, req) != 1) {
            BIO_free(bio);
            bio = NULL;
        }
        TS_REQ_free(req);
        return bio;
    }
    if (BIO_write(bio, body, (int)len) != (int)len) {
        BIO_free(bio);
        return NULL;
    }
    return bio;
}

static void
send_reply(struct evhttp_request *req, struct evbuffer *body, const char *type)
{
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", type);
    evhttp_send_reply(req, 200, "OK", body);
}

static void
delayed_fire(evutil_socket_t fd, short what, void *arg)
{
    struct delayed *d = arg;

    (void)fd;
    (void)what;
    send_reply(d->req, d->body, "application/timestamp-reply");
    evbuffer_free(d->body);
    event_free(d->ev);
    free(d);
}

static void
plain_error(struct evhttp_request *req, int code, const char *reason, const char *text)
{
    struct evbuffer *b = evbuffer_new();

    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "text/plain");
    if (b != NULL) {
        evbuffer_add_printf(b, "%d %s\n", code, text);
    }
    evhttp_send_reply(req, code, reason, b);
    if (b != NULL) {
        evbuffer_free(b);
    }
}

/* The per-request mode from "?fail=MODE", else the default. false: a malformed query. */
static bool
request_mode(struct tsa *t, struct evhttp_request *req, enum mode *out)
{
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *q = uri != NULL ? evhttp_uri_get_query(uri) : NULL;
    struct evkeyvalq params;
    const char *v;
    bool ok = true;

    *out = t->mode;
    if (q == NULL) {
        return true;
    }
    if (evhttp_parse_query_str(q, &params) != 0) {
        return false;
    }
    v = evhttp_find_header(&params, "fail");
    if (v != NULL) {
        ok = parse_mode(v, out);
    }
    evhttp_clear_headers(&params);
    return ok;
}

static void
handle(struct evhttp_request *req, void *arg)
{
    struct tsa *t = arg;
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    const char *ct = evhttp_find_header(evhttp_request_get_input_headers(req), "Content-Type");
    size_t len = evbuffer_get_length(in);
    enum mode mode;
    unsigned char *body;
    BIO *rbio = NULL;
    TS_RESP *resp = NULL;
    struct evbuffer *out = NULL;
    unsigned char *der = NULL;
    int der_len;

    if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
        plain_error(req, 405, "Method Not Allowed", "POST only");
        return;
    }
    if (!request_mode(t, req, &mode)) {
        plain_error(req, 400, "Bad Request", "unknown fail= mode");
        return;
    }
    if (ct == NULL || strcmp(ct, "application/timestamp-query") != 0) {
        plain_error(req, 415, "Unsupported Media Type", "Content-Type must be application/timestamp-query");
        return;
    }
    if (len == 0 || len > t->max_request) {
        plain_error(req, 413, "Payload Too Large", "request body empty or too large");
        return;
    }
    fprintf(stderr, "test-tsa: POST %zu bytes, mode %s\n", len, mode_names[mode]);
    if (mode == M_HTTP429) {
        evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "60");
        plain_error(req, 429, "Too Many Requests", "rate limited on purpose");
        return;
    }
    if (mode == M_HTTP500) {
        plain_error(req, 500, "Internal Server Error", "failing on purpose");
        return;
    }
    if (mode == M_OVERSIZE) {
        static const unsigned char junk[1024] = {0x30};
        struct evbuffer *big = evbuffer_new();
        for (int i = 0; big != NULL && i < 128; i++) {
            evbuffer_add(big, junk, sizeof(junk));
        }
        send_reply(req, big, "application/timestamp-reply");
        if (big != NULL) {
            evbuffer_free(big);
        }
        return;
    }
    body = evbuffer_pullup(in, -1);
    t->cur = mode;
    rbio = body != NULL ? request_bio(t, body, len) : NULL;
    if (rbio != NULL) {
        resp = TS_RESP_create_response(mode == M_UNTRUSTED && t->untrusted_ctx != NULL ? t->untrusted_ctx : t->ctx,
                                       rbio);
    }
    t->cur = M_NONE;
    der_len = resp != NULL ? i2d_TS_RESP(resp, &der) : -1;
    out = evbuffer_new();
    if (der_len <= 0 || out == NULL || evbuffer_add(out, der, (size_t)der_len) != 0) {
        ERR_print_errors_fp(stderr);
        plain_error(req, 500, "Internal Server Error", "cannot make a reply");
        goto done;
    }
    if (mode == M_SLOW) {
        struct delayed *d = calloc(1, sizeof(*d));
        struct timeval tv = {.tv_sec = t->delay_ms / 1000, .tv_usec = (t->delay_ms % 1000) * 1000};
        if (d == NULL || (d->ev = evtimer_new(t->base, delayed_fire, d)) == NULL) {
            free(d);
            plain_error(req, 500, "Internal Server Error", "no memory");
            goto done;
        }
        d->req = req;
        d->body = out;
        out = NULL;
        evtimer_add(d->ev, &tv);
        goto done;
    }
    send_reply(req, out, mode == M_WRONGTYPE ? "text/plain" : "application/timestamp-reply");
done:
    ERR_clear_error();
    if (out != NULL) {
        evbuffer_free(out);
    }
    OPENSSL_free(der);
    TS_RESP_free(resp);
    BIO_free(rbio);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
    (void)sig;
    (void)what;
    event_base_loopbreak(arg);
}

static bool
write_port_file(const char *path, unsigned port)
{
    char tmp[4096];
    FILE *f;

    if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
        return false;
    }
    f = fopen(tmp, "w");
    if (f == NULL) {
        return false;
    }
    if (fprintf(f, "%u\n", port) < 0 || fclose(f) != 0) {
        return false;
    }
    return rename(tmp, path) == 0;
}

static void
usage(void)
{
    fprintf(stderr, "usage: test-tsa --cert TSA.pem --key TSA.key.pem [--chain CHAIN.pem] --port-file FILE "
                    "[--port N]\n"
                    "                [--policy OID] [--max-request BYTES] [--fail MODE] [--future SECONDS] "
                    "[--delay-ms MS]\n"
                    "                [--untrusted-cert CERT.pem --untrusted-key KEY.pem]\n"
                    "MODE: none http429 http500 reject nonce imprint future untrusted slow wrongtype oversize\n"
                    "A test responder for 127.0.0.1 only: never run it as a public TSA.\n");
}

int
main(int argc, char **argv)
{
    struct tsa t = {.mode = M_NONE, .future_s = 3600, .delay_ms = 3000, .max_request = 4096};
    const char *cert = NULL, *key = NULL, *chain = NULL, *port_file = NULL, *policy = "1.2.3.4.1";
    const char *ucert = NULL, *ukey = NULL;
    long port = 0;
    long v;
    struct evhttp *http = NULL;
    struct evhttp_bound_socket *bound;
    struct event *sigterm = NULL;
    struct event *sigint = NULL;
    struct sockaddr_in sin;
    socklen_t slen = sizeof(sin);
    int status = 2;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage();
            return 0;
        }
        if (val == NULL) {
            usage();
            return 2;
        }
        i++;
        if (strcmp(a, "--cert") == 0) {
            cert = val;
        } else if (strcmp(a, "--key") == 0) {
            key = val;
        } else if (strcmp(a, "--chain") == 0) {
            chain = val;
        } else if (strcmp(a, "--port-file") == 0) {
            port_file = val;
        } else if (strcmp(a, "--policy") == 0) {
            policy = val;
        } else if (strcmp(a, "--untrusted-cert") == 0) {
            ucert = val;
        } else if (strcmp(a, "--untrusted-key") == 0) {
            ukey = val;
        } else if (strcmp(a, "--port") == 0 && parse_long(val, 0, 65535, &port)) {
            continue;
        } else if (strcmp(a, "--max-request") == 0 && parse_long(val, 1, 1024 * 1024, &v)) {
            t.max_request = (size_t)v;
        } else if (strcmp(a, "--future") == 0 && parse_long(val, 0, 100L * 365 * 86400, &v)) {
            t.future_s = v;
        } else if (strcmp(a, "--delay-ms") == 0 && parse_long(val, 0, 600000, &v)) {
            t.delay_ms = v;
        } else if (strcmp(a, "--fail") == 0 && parse_mode(val, &t.mode)) {
            continue;
        } else {
            fprintf(stderr, "test-tsa: bad option or value: %s %s\n", a, val);
            usage();
            return 2;
        }
    }
    if (cert == NULL || key == NULL || port_file == NULL || (ucert == NULL) != (ukey == NULL)) {
        usage();
        return 2;
    }
    if (t.mode == M_UNTRUSTED && ucert == NULL) {
        fprintf(stderr, "test-tsa: --fail untrusted needs --untrusted-cert and --untrusted-key\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    t.ctx = make_ctx(&t, cert, key, chain, policy);
    t.untrusted_ctx = ucert != NULL ? make_ctx(&t, ucert, ukey, NULL, policy) : NULL;
    t.base = event_base_new();
    http = t.base != NULL ? evhttp_new(t.base) : NULL;
    if (t.ctx == NULL || (ucert != NULL && t.untrusted_ctx == NULL) || http == NULL) {
        goto out;
    }
    /* SIGTERM and SIGINT end the loop, so that the sanitizer build checks for leaks at exit */
    sigterm = evsignal_new(t.base, SIGTERM, on_signal, t.base);
    sigint = evsignal_new(t.base, SIGINT, on_signal, t.base);
    if (sigterm == NULL || sigint == NULL || evsignal_add(sigterm, NULL) != 0 || evsignal_add(sigint, NULL) != 0) {
        goto out;
    }
    evhttp_set_allowed_methods(http, EVHTTP_REQ_POST | EVHTTP_REQ_GET);
    /* libevent refuses a larger body with its own 413 before the handler runs; the handler checks too. */
    evhttp_set_max_body_size(http, (ev_ssize_t)t.max_request);
    evhttp_set_max_headers_size(http, 16384);
    evhttp_set_timeout(http, 30);
    evhttp_set_gencb(http, handle, &t);
    bound = evhttp_bind_socket_with_handle(http, "127.0.0.1", (uint16_t)port);
    if (bound == NULL) {
        fprintf(stderr, "test-tsa: cannot listen on 127.0.0.1:%ld\n", port);
        goto out;
    }
    if (getsockname(evhttp_bound_socket_get_fd(bound), (struct sockaddr *)&sin, &slen) != 0 ||
        !write_port_file(port_file, ntohs(sin.sin_port))) {
        fprintf(stderr, "test-tsa: cannot write the port file %s\n", port_file);
        goto out;
    }
    fprintf(stderr, "test-tsa: listening on 127.0.0.1:%u, mode %s\n", ntohs(sin.sin_port), mode_names[t.mode]);
    status = event_base_dispatch(t.base) == 0 ? 0 : 1;
out:
    if (sigterm != NULL) {
        event_free(sigterm);
    }
    if (sigint != NULL) {
        event_free(sigint);
    }
    if (http != NULL) {
        evhttp_free(http);
    }
    if (t.base != NULL) {
        event_base_free(t.base);
    }
    TS_RESP_CTX_free(t.ctx);
    TS_RESP_CTX_free(t.untrusted_ctx);
    return status;
}

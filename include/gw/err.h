/* SPDX-License-Identifier: MIT */
/*
 * Error reporting: every fallible function returns enum gw_rc and fills a struct gw_err passed last.
 * The first error wins; callers only add context with gw_err_where().
 */
#ifndef GW_ERR_H
#define GW_ERR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gw/reasons.h"

#define GW_MUST_CHECK __attribute__((warn_unused_result))
#define GW_PRINTF(f, a) __attribute__((format(printf, f, a)))

enum gw_rc {
    GW_OK = 0,
    GW_EINPUT,    /* the input is malformed */
    GW_EPOLICY,   /* the input is well-formed but the policy rejects it */
    GW_ELIMIT,    /* a configured limit was exceeded */
    GW_ECRYPTO,   /* a cryptographic operation failed for a reason other than the input */
    GW_EIO,       /* file or network I/O */
    GW_ENOMEM,    /* allocation failed */
    GW_ECONFIG,   /* configuration or usage */
    GW_EINTERNAL, /* a broken invariant or a library failure we cannot attribute */
};

struct gw_err {
    enum gw_rc rc;         /* category; GW_OK while no error */
    enum gw_reason reason; /* stable GW_R_* code */
    char where[256];       /* "msg.xml:12" or "POST /v1/exchange" */
    char msg[512];         /* human reason, never secrets */
    const char *src;       /* "verify.c:214": where it was raised */
};

/* Reset err to "no error". */
void gw_err_clear(struct gw_err *err);

/* Record an error unless one is already recorded (the first error wins). Returns rc for convenience. */
enum gw_rc gw_err_set(struct gw_err *err, enum gw_rc rc, enum gw_reason reason, const char *src, const char *fmt,
                      ...) GW_PRINTF(5, 6);

/* Set err->where if it is still empty (context from the caller, e.g. the file name). */
void gw_err_where(struct gw_err *err, const char *fmt, ...) GW_PRINTF(2, 3);

/* Append the OpenSSL error queue (and clear it) to err->msg. */
void gw_err_add_openssl(struct gw_err *err);

/* Decode the UTF-8 sequence at s, of which avail >= 1 bytes may be read: its length (1..4) with its code point
 * in *cp, or 0 if it is not well-formed UTF-8 (overlong forms, surrogates and code points above U+10FFFF
 * are not). *truncated (may be NULL) is set when the bytes were a correct start cut short by avail. */
size_t gw_utf8_decode(const unsigned char *s, size_t avail, uint32_t *cp, bool *truncated);

/* Make a NUL-terminated text in a fixed buffer well-formed UTF-8 after it was cut at a byte count: a sequence
 * cut at the end is dropped (the text ends on a character boundary) and any other byte that is not part of a
 * well-formed sequence becomes '?'. Every text cut into a fixed buffer goes through this before it can reach
 * a receipt, a log line, an HTTP answer or the store (security review F5). */
void gw_utf8_repair(char *s);

/* Stable code name without prefix ("SIG_MULTIPLE") and short text of a reason. Never NULL. */
const char *gw_reason_code(enum gw_reason reason);
const char *gw_reason_text(enum gw_reason reason);
int gw_reason_http_status(enum gw_reason reason);
/* Reverse lookup of a code name; returns false if unknown. */
bool gw_reason_from_code(const char *code, enum gw_reason *out);

/* Exit status of the command line for a result: 0 ok, 1 invalid/rejected, 2 usage/I/O/config/internal. */
int gw_rc_exit_status(enum gw_rc rc);

#define GW_STR2(x) #x
#define GW_STR(x) GW_STR2(x)
#define GW_SRC __FILE__ ":" GW_STR(__LINE__)

/* Sanitizer builds (GW_ERR_CHECKS) check what every out: relies on: a callee that failed has set err. err is
 * the function's struct gw_err * or, in cmd_*, its own struct gw_err. */
#ifdef GW_ERR_CHECKS
#include <assert.h>
#define GW_ASSERT_ERR_SET(e) assert(_Generic((e), struct gw_err * : (e), default : &(e))->rc != GW_OK)
#else
#define GW_ASSERT_ERR_SET(e) ((void)0)
#endif

/* Store the callee's code in rc and leave through out: if it failed (the callee already set err). */
#define GW_TRY(expr)                                                                                              \
    do {                                                                                                          \
        rc = (expr);                                                                                              \
        if (rc != GW_OK) {                                                                                        \
            GW_ASSERT_ERR_SET(err);                                                                               \
            goto out;                                                                                             \
        }                                                                                                         \
    } while (0)

/* The code a failed GW_CHECK leaves in rc: gw_err_set returns an error code, never GW_OK, but its body is in
 * another file. Saying so here lets the compiler (and gcc -fanalyzer) see that every GW_CHECK path leaving
 * through out: carries a failure, and a GW_OK passed by mistake fails closed. */
static inline enum gw_rc
gw_err_failed(enum gw_rc rc)
{
    return rc != GW_OK ? rc : GW_EINTERNAL;
}

/* If cond is false: record the error in err, set rc and leave through out:. */
#define GW_CHECK(cond, code, reason, ...)                                                                         \
    do {                                                                                                          \
        if (!(cond)) {                                                                                            \
            rc = gw_err_failed(gw_err_set(err, (code), (reason), GW_SRC, __VA_ARGS__));                           \
            goto out;                                                                                             \
        }                                                                                                         \
    } while (0)

#define GW_FREE(p)                                                                                                \
    do {                                                                                                          \
        free(p);                                                                                                  \
        (p) = NULL;                                                                                               \
    } while (0)

#endif

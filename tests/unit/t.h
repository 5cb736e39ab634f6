/* SPDX-License-Identifier: MIT */
/*
 * The unit-test harness (STYLE.md §6): no external library. A test is a function `static void
 * test_x(struct t *t)` listed in its module's table (struct t_module, one per tests/unit/test_<module>.c,
 * declared below); tests/unit/main.c runs every case and prints one line per test,
 * "PASS unit/<module>/<name>" or "FAIL unit/<module>/<name>: file:line: what".
 *
 * Every EXPECT_* macro records the first failure and leaves the test through its `out:` label, so a test
 * is written like gateway code: everything it frees is declared (NULL) at the top and freed after out:.
 * EXPECT_OK and EXPECT_FAIL clear the error struct before evaluating the call. A case may carry an
 * argument (t->arg), so that one function serves a table of inputs. A test written to show a bug of the
 * gateway says so in a "GATEWAY BUG" comment above it (and stays, as a regression test, once it is fixed).
 */
#ifndef GW_TEST_T_H
#define GW_TEST_T_H

#include <libxml/tree.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/types.h>

#include "gw/err.h"
#include "gw/schema.h"
#include "gw/xml.h"

/* One running test, and the fixtures the runner sets up once for the whole process. */
struct t {
    const char *module;
    const char *name;
    const void *arg;                  /* the case's argument, NULL for most */
    const struct gw_schemas *schemas; /* compiled once from schemas/ (borrowed) */
    bool failed;
    char why[1024]; /* "file:line: what" of the first failure */
};

typedef void (*t_fn)(struct t *t);

struct t_case {
    const char *name;
    t_fn fn;
    const void *arg;
};

struct t_module {
    const char *name;
    const struct t_case *cases;
    size_t n_cases;
};

#define T_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The modules, in the order the runner runs them (one per tests/unit/test_<module>.c). */
extern const struct t_module t_module_err;
extern const struct t_module t_module_buf;
extern const struct t_module t_module_ids;
extern const struct t_module t_module_time;
extern const struct t_module t_module_xml;
extern const struct t_module t_module_schema;
extern const struct t_module t_module_envelope;
extern const struct t_module t_module_pki;
extern const struct t_module t_module_tls;
extern const struct t_module t_module_sign_verify;
extern const struct t_module t_module_config;
extern const struct t_module t_module_parse;
extern const struct t_module t_module_store;
extern const struct t_module t_module_http;
extern const struct t_module t_module_receipt;
extern const struct t_module t_module_files;
extern const struct t_module t_module_worstcase;
extern const struct t_module t_module_tsp;
extern const struct t_module t_module_merkle;
extern const struct t_module t_module_xades;
extern const struct t_module t_module_checkpoint;
extern const struct t_module t_module_witness;

/* Record a failure (the first one is kept). Use the macros below, which also leave the test. */
void t_fail(struct t *t, const char *file, int line, const char *fmt, ...) GW_PRINTF(4, 5);

/* "GW_EPOLICY" for an enum gw_rc value. */
const char *t_rc_name(enum gw_rc rc);

/* Parse a NUL-terminated string with the given limits (default limits if lim == NULL), named "t.xml".
 * OUT: *out (xmlFreeDoc). */
GW_MUST_CHECK enum gw_rc t_parse_str(const char *s, const struct gw_xml_limits *lim, xmlDoc **out,
                                     struct gw_err *err);

/* Read a whole file (at most GW_MAX_DOC_BYTES). OUT: *out (free(), NUL-terminated), *len. */
GW_MUST_CHECK enum gw_rc t_read_file(const char *path, unsigned char **out, size_t *len, struct gw_err *err);

/* Copy the file at from to path (created or truncated) with the given mode, e.g. a key of tests/pki/ as
 * 0600 for the loaders that refuse a key others can read. */
bool t_copy_file(const char *from, const char *path, mode_t mode);

/* Read and parse a file with the default limits, named by its path. OUT: *out (xmlFreeDoc). */
GW_MUST_CHECK enum gw_rc t_load_doc(const char *path, xmlDoc **out, struct gw_err *err);

/* First element (document order, node itself included) with this namespace and local name, or NULL. */
xmlNode *t_find(xmlNode *node, const char *ns, const char *local);

/* Does the NUL-terminated haystack contain needle? NULL-safe (false). */
bool t_contains(const char *haystack, const char *needle);

/* Fill buf (size bytes, NUL-terminated) with `pad` ASCII letters, then the two-byte letter ā as often as it
 * fits: a text whose cut at a byte count falls inside a letter for every other pad. */
void t_fill_latvian(char *buf, size_t size, size_t pad);

#define T_FAIL(...)                                                                                               \
    do {                                                                                                          \
        t_fail(t, __FILE__, __LINE__, __VA_ARGS__);                                                               \
        goto out;                                                                                                 \
    } while (0)

#define EXPECT_TRUE(cond)                                                                                         \
    do {                                                                                                          \
        if (!(cond)) {                                                                                            \
            T_FAIL("expected %s", #cond);                                                                         \
        }                                                                                                         \
    } while (0)

/* The call returns GW_OK. */
#define EXPECT_OK(rc_expr, errp)                                                                                  \
    do {                                                                                                          \
        gw_err_clear(errp);                                                                                       \
        enum gw_rc t_rc_ = (rc_expr);                                                                             \
        if (t_rc_ != GW_OK) {                                                                                     \
            T_FAIL("%s: %s [%s] %s: %s", #rc_expr, t_rc_name(t_rc_), gw_reason_code((errp)->reason),              \
                   (errp)->where, (errp)->msg);                                                                   \
        }                                                                                                         \
    } while (0)

/* The call fails with the reason code (and err->rc agrees with the returned code). */
#define EXPECT_FAIL(rc_expr, errp, code)                                                                          \
    do {                                                                                                          \
        gw_err_clear(errp);                                                                                       \
        enum gw_rc t_rc_ = (rc_expr);                                                                             \
        if (t_rc_ == GW_OK) {                                                                                     \
            T_FAIL("%s succeeded; expected %s", #rc_expr, gw_reason_code(code));                                  \
        }                                                                                                         \
        if ((errp)->reason != (code)) {                                                                           \
            T_FAIL("%s: got %s, expected %s (%s: %s)", #rc_expr, gw_reason_code((errp)->reason),                  \
                   gw_reason_code(code), (errp)->where, (errp)->msg);                                             \
        }                                                                                                         \
        if ((errp)->rc != t_rc_) {                                                                                \
            T_FAIL("%s returned %s but err->rc is %s", #rc_expr, t_rc_name(t_rc_), t_rc_name((errp)->rc));        \
        }                                                                                                         \
    } while (0)

#define EXPECT_STR_EQ(a, b)                                                                                       \
    do {                                                                                                          \
        const char *t_a_ = (a);                                                                                   \
        const char *t_b_ = (b);                                                                                   \
        if (t_a_ == NULL || t_b_ == NULL || strcmp(t_a_, t_b_) != 0) {                                            \
            T_FAIL("%s == %s: \"%s\" != \"%s\"", #a, #b, t_a_ != NULL ? t_a_ : "(null)",                          \
                   t_b_ != NULL ? t_b_ : "(null)");                                                               \
        }                                                                                                         \
    } while (0)

#define EXPECT_INT_EQ(a, b)                                                                                       \
    do {                                                                                                          \
        long long t_a_ = (long long)(a);                                                                          \
        long long t_b_ = (long long)(b);                                                                          \
        if (t_a_ != t_b_) {                                                                                       \
            T_FAIL("%s == %s: %lld != %lld", #a, #b, t_a_, t_b_);                                                 \
        }                                                                                                         \
    } while (0)

#endif

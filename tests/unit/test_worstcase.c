// SPDX-License-Identifier: MIT
/*
 * Worst-case cost of hostile input (security review F1): no document up to max_body may cost more than 10
 * times the CPU time of a normal message of the same size, on each path that parses: parse + schema
 * (`gateway validate`, and `gateway sign` up to the signature), parse + full verification (`gateway
 * verify`, `receipt verify`, POST /v1/exchange, the deliverer's receipt check) and parse + schema +
 * signature (`gateway sign`, POST /v1/messages). The daemon's endpoints call the same gw_xml_parse,
 * gw_schemas_validate, gw_verify_message and gw_signer_sign, so measuring those functions covers them.
 *
 * The normal message is examples/confirmation-talsi-readiness.xml with its statement grown to 400
 * paragraphs of Latvian text; each hostile shape is built to the same size. The cost of one call is its
 * process CPU time (CLOCK_PROCESS_CPUTIME_ID), best of three runs, and is compared with the normal
 * message's cost or an absolute floor, whichever is larger, so that a noisy shared machine or a very fast
 * normal parse cannot produce a silly ratio. Each shape is tried at 1/16 and 1/4 of the size first, so a
 * quadratic shape fails in a fraction of a second instead of running for minutes. The size is 4 MiB (the
 * default max_body) in an optimised build and 1 MiB under the sanitizers (see WC_SANITIZED).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "gw/buf.h"
#include "gw/limits.h"
#include "gw/pki.h"
#include "gw/sign.h"
#include "gw/verify.h"
#include "t.h"

/* Under the sanitizers every allocation costs many times more than parsing a byte, so a shape made of 50,000
 * small nodes weighs more against a normal message than it does in an optimised build: there the test runs
 * at 1 MiB with a higher floor, to catch crashes and gross growth; the ratio itself is held in the optimised
 * build, at the full size. */
#if defined(__SANITIZE_ADDRESS__)
#define WC_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WC_SANITIZED 1
#endif
#endif
#ifdef WC_SANITIZED
#define WC_SIZE (1024u * 1024u)
#define WC_FLOOR 0.1 /* seconds: below this a normal message's cost is rounded up to it */
#else
#define WC_SIZE GW_MAX_DOC_BYTES
#define WC_FLOOR 0.02
#endif

#define WC_RATIO 10.0
#define WC_RUNS 3
#define WC_EXAMPLE "examples/confirmation-talsi-readiness.xml"
#define WC_PKI "tests/pki/"
#define WC_PARAGRAPHS 400u

/* A prefix of 120 bytes: long names make every comparison of two prefixes walk their whole length. */
#define WC_LONG_PREFIX                                                                                            \
    "pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp"  \
    "ppppppppp"

enum wc_path {
    WC_VALIDATE, /* parse + schema */
    WC_VERIFY,   /* parse + the whole verification policy */
    WC_SIGN,     /* parse + schema + signature */
};

struct wc_fixture {
    const struct gw_schemas *schemas;
    struct gw_pki *pki;
    struct gw_signer *signer;
};

static double
cpu_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One run of a path over data; true if the document got all the way through (valid, verified, signed). */
static bool
run_path(const struct wc_fixture *fx, enum wc_path path, const unsigned char *data, size_t len, struct gw_err *err)
{
    struct gw_xml_limits lim;
    xmlDoc *doc = NULL;
    struct gw_verified v = {0};
    bool ok = false;

    gw_err_clear(err);
    gw_xml_limits_default(&lim);
    if (gw_xml_parse(data, len, "wc.xml", &lim, &doc, err) != GW_OK) {
        goto out;
    }
    switch (path) {
    case WC_VALIDATE:
        ok = gw_schemas_validate(fx->schemas, doc, "wc.xml", NULL, NULL, err) == GW_OK;
        break;
    case WC_VERIFY:
        ok = gw_verify_message(fx->pki, fx->schemas, doc, "wc.xml", &v, err) == GW_OK;
        break;
    case WC_SIGN:
        ok = gw_schemas_validate(fx->schemas, doc, "wc.xml", NULL, NULL, err) == GW_OK &&
             gw_signer_sign(fx->signer, doc, "wc.xml", err) == GW_OK;
        break;
    }
out:
    gw_verified_cleanup(&v);
    xmlFreeDoc(doc);
    return ok;
}

/* CPU seconds of one run; only a run over `limit` is repeated (up to WC_RUNS in all), and the best counts, so
 * that a busy machine does not fail the test while a quiet one does not spend time on repeats. */
static double
cost(const struct wc_fixture *fx, enum wc_path path, const unsigned char *data, size_t len, double limit)
{
    double best = 1e9;
    struct gw_err err;

    for (int i = 0; i < WC_RUNS && best > limit; i++) {
        double start = cpu_seconds();
        (void)run_path(fx, path, data, len, &err);
        double used = cpu_seconds() - start;
        best = used < best ? used : best;
    }
    return best;
}

static enum gw_rc
append_n(struct gw_buf *b, const char *s, size_t times, struct gw_err *err)
{
    enum gw_rc rc = GW_OK;

    for (size_t i = 0; i < times && rc == GW_OK; i++) {
        rc = gw_buf_append_str(b, s, err);
    }
    return rc;
}

/* Append head, a running hexadecimal number and tail, again and again, until the buffer holds `size` bytes
 * less `reserve` (or a little more than that less the unit). */
static enum gw_rc
fill(struct gw_buf *b, const char *head, const char *tail, size_t size, size_t reserve, struct gw_err *err)
{
    enum gw_rc rc = GW_OK;

    for (size_t i = 0; b->len + reserve + strlen(head) + strlen(tail) + 16 < size && rc == GW_OK; i++) {
        rc = gw_buf_printf(b, err, "%s%zx%s", head, i, tail);
    }
    return rc;
}

/*
 * The normal message of about `size` bytes: the example with `paragraphs` paragraphs of Latvian text in its
 * statement. para_attrs goes into every Paragraph start tag (for the namespace-heavy variant).
 */
static enum gw_rc
build_normal(size_t size, const char *para_attrs, size_t paragraphs, struct gw_buf *out, struct gw_err *err)
{
    enum gw_rc rc = GW_EINTERNAL;
    struct gw_buf ex;
    const char *text = "Pašvaldība apliecina gatavību īstenot sadarbības programmu skolās. ";
    const char *open;
    const char *close;
    size_t para_bytes;

    gw_buf_init(&ex, GW_MAX_DOC_BYTES);
    GW_TRY(gw_buf_read_file(&ex, WC_EXAMPLE, err));
    GW_TRY(gw_buf_append(&ex, "", 1, err));
    open = strstr((const char *)ex.data, "<Statement>");
    close = strstr((const char *)ex.data, "</Statement>");
    GW_CHECK(open != NULL && close != NULL, GW_EINTERNAL, GW_R_INTERNAL, "example has no Statement");
    para_bytes = (size - ex.len) / paragraphs;
    GW_TRY(gw_buf_append(out, ex.data, (size_t)(open - (const char *)ex.data) + strlen("<Statement>"), err));
    for (size_t p = 0; p < paragraphs; p++) {
        size_t start = out->len;
        GW_TRY(gw_buf_printf(out, err, "<c:Paragraph%s>", para_attrs));
        while (out->len - start + strlen(text) < para_bytes) {
            GW_TRY(gw_buf_append_str(out, text, err));
        }
        GW_TRY(gw_buf_append_str(out, "</c:Paragraph>", err));
    }
    GW_TRY(gw_buf_append_str(out, close, err));
    rc = GW_OK;
out:
    gw_buf_cleanup(&ex);
    return rc;
}

/* Sign a document held in b, replacing b's content with the signed bytes. */
static enum gw_rc
sign_buf(const struct wc_fixture *fx, struct gw_buf *b, struct gw_err *err)
{
    enum gw_rc rc = GW_EINTERNAL;
    struct gw_xml_limits lim;
    xmlDoc *doc = NULL;
    unsigned char *signed_bytes = NULL;
    size_t signed_len = 0;

    gw_xml_limits_default(&lim);
    GW_TRY(gw_xml_parse(b->data, b->len, "normal.xml", &lim, &doc, err));
    GW_TRY(gw_signer_sign(fx->signer, doc, "normal.xml", err));
    GW_TRY(gw_xml_serialize(doc, &signed_bytes, &signed_len, err));
    b->len = 0;
    GW_TRY(gw_buf_append(b, signed_bytes, signed_len, err));
    rc = GW_OK;
out:
    free(signed_bytes);
    xmlFreeDoc(doc);
    return rc;
}

/* Replace the first occurrence of `from` in b by `to`. */
static enum gw_rc
replace(struct gw_buf *b, const char *from, const char *to, struct gw_err *err)
{
    enum gw_rc rc = GW_EINTERNAL;
    struct gw_buf n;
    const unsigned char *at = memmem(b->data, b->len, from, strlen(from));
    size_t off;

    gw_buf_init(&n, b->len + strlen(to) + 1);
    GW_CHECK(at != NULL, GW_EINTERNAL, GW_R_INTERNAL, "'%s' not found", from);
    off = (size_t)(at - b->data);
    GW_TRY(gw_buf_append(&n, b->data, off, err));
    GW_TRY(gw_buf_append_str(&n, to, err));
    GW_TRY(gw_buf_append(&n, at + strlen(from), b->len - off - strlen(from), err));
    b->len = 0;
    GW_TRY(gw_buf_append(b, n.data, n.len, err));
    rc = GW_OK;
out:
    gw_buf_cleanup(&n);
    return rc;
}

/* The hostile shapes, each built to about `size` bytes. */
enum wc_shape {
    SH_ATTRS,           /* one start tag with as many attributes as fit (the review's reproduction) */
    SH_NS_DECLS,        /* one start tag with as many namespace declarations as fit */
    SH_PREFIXED_ATTRS,  /* one start tag with as many prefixed attributes as fit */
    SH_ATTRS_AFTER_ERR, /* the same after a well-formedness error, when libxml2 no longer calls back */
    SH_ATTRS_BAD_DECL,  /* the same after a broken XML declaration */
    SH_ATTRS_QUOTES,    /* attributes whose values hold '>' and the other quote */
    SH_LONG_NAME,       /* one element name as long as the document */
    SH_LONG_ATTR_NAMES, /* sixteen attribute names as long as fits */
    SH_NS_SCOPE,        /* 31 levels of 16 long-prefix declarations, then children using the outermost */
    SH_CHILDREN,        /* as many children of one element as the node limit allows, the rest text */
    SH_DEEP,            /* nesting to the depth limit, again and again */
    SH_CHAR_REFS,       /* text made of character references */
    SH_ENTITY_REFS,     /* text made of predefined entity references */
    SH_ATTR_CHAR_REFS,  /* attribute values made of character references */
    SH_COMMENTS,        /* comments up to the node limit, then long ones */
    SH_PIS,             /* processing instructions, likewise */
    SH_CDATA,           /* CDATA sections */
    SH_SCHEMA_CHILDREN, /* the normal message with as many unknown elements in its statement as allowed */
    SH_SCHEMA_ATTRS,    /* the normal message, each Paragraph with 16 attributes the schema does not know */
    SH_VALID_NS_HEAVY,  /* the normal message, each Paragraph with 15 long-prefix declarations */
    SH_SIGNED_NS_INCL,  /* that message signed, then switched to inclusive C14N (digest mismatch) */
    SH__COUNT,
};

static const char *const shape_names[SH__COUNT] = {
    "attrs",
    "ns_decls",
    "prefixed_attrs",
    "attrs_after_error",
    "attrs_bad_decl",
    "attrs_quotes",
    "long_name",
    "long_attr_names",
    "ns_scope",
    "children",
    "deep",
    "char_refs",
    "entity_refs",
    "attr_char_refs",
    "comments",
    "pis",
    "cdata",
    "schema_children",
    "schema_attrs",
    "valid_ns_heavy",
    "signed_ns_inclusive",
};

/* The shapes made of one start tag that repeats a unit (a running number between unit_head and unit_tail). */
static const struct {
    const char *head;
    const char *unit_head;
    const char *unit_tail;
    const char *tail;
} one_tag[SH_ATTRS_QUOTES + 1] = {
    [SH_ATTRS] = {"<a", " a", "=\"\"", "/>"},
    [SH_NS_DECLS] = {"<a", " xmlns:p", "=\"u\"", "/>"},
    [SH_PREFIXED_ATTRS] = {"<a xmlns:p=\"u\"", " p:a", "=\"\"", "/>"},
    [SH_ATTRS_AFTER_ERR] = {"<r><a></b><c", " a", "=\"\"", "/></r>"},
    [SH_ATTRS_BAD_DECL] = {"<?xml versio=\"1.0\"?><r", " a", "=\"\"", "/>"},
    [SH_ATTRS_QUOTES] = {"<a", " a", "='>\"'", "/>"},
};

static enum gw_rc
build_shape(const struct wc_fixture *fx, enum wc_shape shape, size_t size, struct gw_buf *b, struct gw_err *err)
{
    enum gw_rc rc = GW_EINTERNAL;
    char para_attrs[15 * (sizeof(WC_LONG_PREFIX) + 24) + 1];
    size_t used = 0;

    switch (shape) {
    case SH_ATTRS:
    case SH_NS_DECLS:
    case SH_PREFIXED_ATTRS:
    case SH_ATTRS_AFTER_ERR:
    case SH_ATTRS_BAD_DECL:
    case SH_ATTRS_QUOTES:
        GW_TRY(gw_buf_append_str(b, one_tag[shape].head, err));
        GW_TRY(
            fill(b, one_tag[shape].unit_head, one_tag[shape].unit_tail, size, strlen(one_tag[shape].tail), err));
        GW_TRY(gw_buf_append_str(b, one_tag[shape].tail, err));
        break;
    case SH_LONG_NAME:
        GW_TRY(gw_buf_append_str(b, "<", err));
        GW_TRY(append_n(b, "a", size - 3, err));
        GW_TRY(gw_buf_append_str(b, "/>", err));
        break;
    case SH_LONG_ATTR_NAMES:
        GW_TRY(gw_buf_append_str(b, "<a", err));
        for (size_t i = 0; i < GW_MAX_XML_ATTRS; i++) {
            GW_TRY(gw_buf_printf(b, err, " x%zx", i));
            GW_TRY(append_n(b, "x", size / GW_MAX_XML_ATTRS - 8, err));
            GW_TRY(gw_buf_append_str(b, "=\"\"", err));
        }
        GW_TRY(gw_buf_append_str(b, "/>", err));
        break;
    case SH_NS_SCOPE:
        for (size_t level = 0; level < GW_MAX_XML_DEPTH - 1; level++) {
            GW_TRY(gw_buf_printf(b, err, "<" WC_LONG_PREFIX "00000:e%zu", level));
            for (size_t k = 0; k < GW_MAX_XML_ATTRS; k++) {
                GW_TRY(gw_buf_printf(b, err, " xmlns:" WC_LONG_PREFIX "%05zu=\"urn:x\"", level * 16 + k));
            }
            GW_TRY(gw_buf_append_str(b, ">", err));
        }
        GW_TRY(fill(b, "<" WC_LONG_PREFIX "00000:c", "/>", size, 31 * (sizeof(WC_LONG_PREFIX) + 12), err));
        for (size_t level = GW_MAX_XML_DEPTH - 1; level > 0; level--) {
            GW_TRY(gw_buf_printf(b, err, "</" WC_LONG_PREFIX "00000:e%zu>", level - 1));
        }
        break;
    case SH_CHILDREN: {
        size_t n = size / 16 < GW_MAX_XML_ELEMENTS - 1 ? size / 16 : GW_MAX_XML_ELEMENTS - 1;
        GW_TRY(gw_buf_append_str(b, "<a>", err));
        for (size_t i = 0; i < n; i++) {
            GW_TRY(gw_buf_append_str(b, "<b>", err));
            GW_TRY(append_n(b, "x", size / n - 8, err));
            GW_TRY(gw_buf_append_str(b, "</b>", err));
        }
        GW_TRY(gw_buf_append_str(b, "</a>", err));
        break;
    }
    case SH_DEEP:
        GW_TRY(gw_buf_append_str(b, "<a>", err));
        while (b->len + 8 * GW_MAX_XML_DEPTH < size) {
            GW_TRY(append_n(b, "<a>", GW_MAX_XML_DEPTH - 1, err));
            GW_TRY(append_n(b, "</a>", GW_MAX_XML_DEPTH - 1, err));
        }
        GW_TRY(gw_buf_append_str(b, "</a>", err));
        break;
    case SH_CHAR_REFS:
    case SH_ENTITY_REFS:
        GW_TRY(gw_buf_append_str(b, "<a>", err));
        while (b->len + 16 < size) {
            size_t start = b->len;
            GW_TRY(gw_buf_append_str(b, "<p>", err));
            while (b->len - start < 256 * 1024 && b->len + 16 < size) {
                GW_TRY(gw_buf_append_str(b, shape == SH_CHAR_REFS ? "&#x101;" : "&amp;", err));
            }
            GW_TRY(gw_buf_append_str(b, "</p>", err));
        }
        GW_TRY(gw_buf_append_str(b, "</a>", err));
        break;
    case SH_ATTR_CHAR_REFS:
        GW_TRY(gw_buf_append_str(b, "<a>", err));
        while (b->len + 12100 < size) {
            GW_TRY(gw_buf_append_str(b, "<p", err));
            for (size_t k = 0; k < GW_MAX_XML_ATTRS && b->len + 12100 < size; k++) {
                GW_TRY(gw_buf_printf(b, err, " a%zu=\"", k));
                GW_TRY(append_n(b, "&#38;&#x101;", 1000, err));
                GW_TRY(gw_buf_append_str(b, "\"", err));
            }
            GW_TRY(gw_buf_append_str(b, "/>", err));
        }
        GW_TRY(gw_buf_append_str(b, "</a>", err));
        break;
    case SH_COMMENTS:
    case SH_PIS:
    case SH_CDATA: {
        static const char *const open[] = {"<!--", "<?pi ", "<![CDATA["};
        static const char *const close[] = {"-->", "?>", "]]>"};
        size_t k = (size_t)(shape - SH_COMMENTS);
        GW_TRY(gw_buf_append_str(b, "<a>", err));
        for (size_t i = 0; i + 2 < GW_MAX_XML_ELEMENTS && b->len < size / 2; i++) {
            GW_TRY(gw_buf_printf(b, err, "%sx%s", open[k], close[k]));
        }
        while (b->len + 64 * 1024 < size) {
            GW_TRY(gw_buf_append_str(b, open[k], err));
            GW_TRY(append_n(b, "- ] ? > <a b='c'> ", 3000, err));
            GW_TRY(gw_buf_append_str(b, close[k], err));
        }
        GW_TRY(gw_buf_append_str(b, "</a>", err));
        break;
    }
    case SH_SCHEMA_CHILDREN: {
        struct gw_buf many;
        size_t n = size / 16 < GW_MAX_XML_ELEMENTS - 1000 ? size / 16 : GW_MAX_XML_ELEMENTS - 1000;
        gw_buf_init(&many, size);
        rc = gw_buf_append_str(&many, "<Statement>", err);
        rc = rc == GW_OK ? append_n(&many, "<x>y</x>", n, err) : rc;
        rc = rc == GW_OK ? build_normal(size - many.len, "", WC_PARAGRAPHS, b, err) : rc;
        rc = rc == GW_OK ? replace(b, "<Statement>", (const char *)many.data, err) : rc;
        gw_buf_cleanup(&many);
        GW_TRY(rc);
        break;
    }
    case SH_SCHEMA_ATTRS:
        for (size_t k = 0; k < GW_MAX_XML_ATTRS; k++) {
            used += (size_t)snprintf(para_attrs + used, sizeof(para_attrs) - used, " a%zu=\"v\"", k);
        }
        GW_TRY(build_normal(size, para_attrs,
                            GW_MAX_XML_ELEMENTS / 2 < size / 200 ? GW_MAX_XML_ELEMENTS / 2 : size / 200, b, err));
        break;
    case SH_VALID_NS_HEAVY:
    case SH_SIGNED_NS_INCL:
        for (size_t k = 0; k < 15; k++) {
            used += (size_t)snprintf(para_attrs + used, sizeof(para_attrs) - used,
                                     " xmlns:" WC_LONG_PREFIX "%05zu=\"urn:x\"", k);
        }
        /* half of the bytes in declarations, at most the normal message's number of paragraphs */
        GW_TRY(build_normal(size - (shape == SH_SIGNED_NS_INCL ? 8000 : 0), para_attrs,
                            size / 2 / used < WC_PARAGRAPHS ? size / 2 / used : WC_PARAGRAPHS, b, err));
        if (shape == SH_SIGNED_NS_INCL) {
            GW_TRY(sign_buf(fx, b, err));
            GW_TRY(replace(b, "<ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>",
                           "<ds:Transform Algorithm=\"http://www.w3.org/TR/2001/REC-xml-c14n-20010315\"/>", err));
        }
        break;
    case SH__COUNT:
        GW_CHECK(false, GW_EINTERNAL, GW_R_INTERNAL, "no such shape");
    }
    rc = GW_OK;
out:
    return rc;
}

static enum gw_rc
load_fixture(const struct t *t, struct wc_fixture *fx, struct gw_err *err)
{
    static const char *const crls[] = {WC_PKI "crl.pem"};
    enum gw_rc rc = GW_EINTERNAL;

    fx->schemas = t->schemas;
    GW_TRY(gw_pki_load(WC_PKI "trust.pem", crls, 1, &fx->pki, err));
    /* a checkout has the example keys as 0644, so the mode check is off here */
    GW_TRY(
        gw_signer_load(WC_PKI "talsi.key.pem", WC_PKI "talsi.pem", WC_PKI "chain.pem", false, &fx->signer, err));
    rc = GW_OK;
out:
    return rc;
}

/* The shapes that can reach each path beyond the parser; every shape is measured on every path. */
static void
test_ratio(struct t *t)
{
    enum wc_path path = *(const enum wc_path *)t->arg;
    struct gw_err err;
    struct wc_fixture fx = {0};
    struct gw_buf normal;
    struct gw_buf hostile;
    static const char *const path_names[] = {"validate", "verify", "sign"};

    gw_buf_init(&normal, GW_MAX_DOC_BYTES + 64 * 1024);
    gw_buf_init(&hostile, GW_MAX_DOC_BYTES + 64 * 1024);
    EXPECT_OK(load_fixture(t, &fx, &err), &err);
    for (size_t scale = 16; scale >= 1; scale /= 4) {
        size_t size = WC_SIZE / scale;
        double base;

        if (size < 256u * 1024u) {
            continue; /* the namespace shapes need room for their declarations */
        }

        normal.len = 0;
        EXPECT_OK(build_normal(size, "", WC_PARAGRAPHS, &normal, &err), &err);
        if (path == WC_VERIFY) {
            EXPECT_OK(sign_buf(&fx, &normal, &err), &err);
        }
        EXPECT_TRUE(normal.len <= size);
        if (!run_path(&fx, path, normal.data, normal.len, &err)) {
            T_FAIL("the normal message of %zu bytes fails the %s path: [%s] %s: %s", normal.len, path_names[path],
                   gw_reason_code(err.reason), err.where, err.msg);
        }
        base = cost(&fx, path, normal.data, normal.len, 0.0);
        for (size_t s = 0; s < SH__COUNT; s++) {
            double c;
            hostile.len = 0;
            EXPECT_OK(build_shape(&fx, (enum wc_shape)s, size, &hostile, &err), &err);
            if (hostile.len > size) {
                T_FAIL("shape %s has %zu bytes, more than %zu", shape_names[s], hostile.len, size);
            }
            c = cost(&fx, path, hostile.data, hostile.len, WC_RATIO * (base > WC_FLOOR ? base : WC_FLOOR));
            if (getenv("GW_WORSTCASE_VERBOSE") != NULL) {
                printf("# %s %zu bytes: %-20s %.4f s (normal %.4f s, ratio %.2f)\n", path_names[path], size,
                       shape_names[s], c, base, c / (base > WC_FLOOR ? base : WC_FLOOR));
            }
            if (c > WC_RATIO * (base > WC_FLOOR ? base : WC_FLOOR)) {
                T_FAIL("%s path, %zu bytes: shape %s costs %.3f s of CPU, %.1f times the normal message's %.3f s "
                       "(limit %.0f times, floor %.3f s)",
                       path_names[path], size, shape_names[s], c, c / base, base, WC_RATIO, WC_FLOOR);
            }
        }
    }
out:
    gw_buf_cleanup(&normal);
    gw_buf_cleanup(&hostile);
    gw_signer_free(fx.signer);
    gw_pki_free(fx.pki);
}

static const enum wc_path on_validate = WC_VALIDATE;
static const enum wc_path on_verify = WC_VERIFY;
static const enum wc_path on_sign = WC_SIGN;

static const struct t_case cases[] = {
    {"ratio_validate", test_ratio, &on_validate},
    {"ratio_verify", test_ratio, &on_verify},
    {"ratio_sign", test_ratio, &on_sign},
};

const struct t_module t_module_worstcase = {"worstcase", cases, T_COUNT(cases)};

// SPDX-License-Identifier: MIT
/*
 * Unit tests of schema.c: every example in examples/ validates; every file in examples/invalid/ fails with
 * SCHEMA_INVALID, exactly one error, on the line its leading comment announces ("error on line N"); a root
 * in an unknown namespace is SCHEMA_UNKNOWN; a schema directory without our schemas is a CONFIG error.
 */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>

#include "gw/schema.h"
#include "t.h"

struct error_count {
    unsigned n;
    char first_where[300];
};

static void
count_error(void *arg, const char *where, const char *msg)
{
    struct error_count *ec = arg;

    (void)msg;
    if (ec->n == 0) {
        snprintf(ec->first_where, sizeof(ec->first_where), "%s", where);
    }
    ec->n++;
}

static void
test_examples_valid(struct t *t)
{
    struct gw_err err;
    glob_t g = {0};
    xmlDoc *doc = NULL;
    int grc = glob("examples/*.xml", 0, NULL, &g);

    EXPECT_TRUE(grc == 0 && g.gl_pathc >= 7);
    for (size_t i = 0; i < g.gl_pathc; i++) {
        const char *path = g.gl_pathv[i];
        struct error_count ec = {0};

        EXPECT_OK(t_load_doc(path, &doc, &err), &err);
        EXPECT_OK(gw_schemas_validate(t->schemas, doc, path, count_error, &ec, &err), &err);
        if (ec.n != 0) {
            T_FAIL("%s: valid, but the callback saw %u errors", path, ec.n);
        }
        xmlFreeDoc(doc);
        doc = NULL;
    }
out:
    xmlFreeDoc(doc);
    if (grc == 0) {
        globfree(&g);
    }
}

/* The line the file's own comment names: "Expected: one schema error on line N" (may wrap). */
static bool
announced_line(const char *path, long *line)
{
    struct gw_err err;
    unsigned char *data = NULL;
    size_t len = 0;
    const char *p;
    char *end = NULL;
    bool ok = false;

    gw_err_clear(&err);
    if (t_read_file(path, &data, &len, &err) != GW_OK) {
        return false;
    }
    p = strstr((const char *)data, "error on");
    if (p != NULL) {
        p += strlen("error on");
        p += strspn(p, " \t\r\n");
        if (strncmp(p, "line", 4) == 0) {
            p += 4;
            p += strspn(p, " \t");
            *line = strtol(p, &end, 10);
            ok = end != p && *line > 0;
        }
    }
    free(data);
    return ok;
}

static void
test_examples_invalid(struct t *t)
{
    struct gw_err err;
    glob_t g = {0};
    xmlDoc *doc = NULL;
    int grc = glob("examples/invalid/*.xml", 0, NULL, &g);

    EXPECT_TRUE(grc == 0 && g.gl_pathc >= 3);
    for (size_t i = 0; i < g.gl_pathc; i++) {
        const char *path = g.gl_pathv[i];
        struct error_count ec = {0};
        char where[300];
        long line = 0;

        if (!announced_line(path, &line)) {
            T_FAIL("%s does not say 'error on line N' in its comment", path);
        }
        snprintf(where, sizeof(where), "%s:%ld", path, line);
        EXPECT_OK(t_load_doc(path, &doc, &err), &err);
        EXPECT_FAIL(gw_schemas_validate(t->schemas, doc, path, count_error, &ec, &err), &err, GW_R_SCHEMA_INVALID);
        EXPECT_INT_EQ(err.rc, GW_EINPUT);
        EXPECT_STR_EQ(err.where, where);
        EXPECT_TRUE(err.msg[0] != '\0');
        EXPECT_INT_EQ(ec.n, 1); /* "one schema error ..., nothing else" */
        EXPECT_STR_EQ(ec.first_where, where);
        xmlFreeDoc(doc);
        doc = NULL;
    }
out:
    xmlFreeDoc(doc);
    if (grc == 0) {
        globfree(&g);
    }
}

/* The lines, spelled out, so that a change to the files cannot silently weaken the test above. */
static void
test_examples_invalid_lines(struct t *t)
{
    static const struct {
        const char *path;
        const char *where;
    } want[] = {
        {"examples/invalid/bad-date.xml", "examples/invalid/bad-date.xml:21"},
        {"examples/invalid/bad-regnum.xml", "examples/invalid/bad-regnum.xml:8"},
        {"examples/invalid/missing-subject.xml", "examples/invalid/missing-subject.xml:7"},
    };
    struct gw_err err;
    xmlDoc *doc = NULL;

    for (size_t i = 0; i < T_COUNT(want); i++) {
        EXPECT_OK(t_load_doc(want[i].path, &doc, &err), &err);
        EXPECT_FAIL(gw_schemas_validate(t->schemas, doc, want[i].path, NULL, NULL, &err), &err,
                    GW_R_SCHEMA_INVALID);
        EXPECT_STR_EQ(err.where, want[i].where);
        xmlFreeDoc(doc);
        doc = NULL;
    }
out:
    xmlFreeDoc(doc);
}

static void
test_unknown_namespace(struct t *t)
{
    struct gw_err err;
    xmlDoc *doc = NULL;

    EXPECT_OK(t_parse_str("<x:Envelope xmlns:x='urn:example:unknown'/>", NULL, &doc, &err), &err);
    EXPECT_FAIL(gw_schemas_validate(t->schemas, doc, "t.xml", NULL, NULL, &err), &err, GW_R_SCHEMA_UNKNOWN);
    EXPECT_STR_EQ(err.where, "t.xml:1");
    xmlFreeDoc(doc);
    doc = NULL;
    /* no namespace at all */
    EXPECT_OK(t_parse_str("<Envelope/>", NULL, &doc, &err), &err);
    EXPECT_FAIL(gw_schemas_validate(t->schemas, doc, "t.xml", NULL, NULL, &err), &err, GW_R_SCHEMA_UNKNOWN);
    xmlFreeDoc(doc);
    doc = NULL;
    /* the XML-DSig schema is compiled in but is not a message */
    EXPECT_OK(t_parse_str("<ds:Signature xmlns:ds='http://www.w3.org/2000/09/xmldsig#'/>", NULL, &doc, &err),
              &err);
    EXPECT_FAIL(gw_schemas_validate(t->schemas, doc, "t.xml", NULL, NULL, &err), &err, GW_R_SCHEMA_UNKNOWN);
    xmlFreeDoc(doc);
    doc = NULL;
    /* an envelope version that does not exist */
    EXPECT_OK(t_parse_str("<env:Envelope xmlns:env='urn:lv:skola-kopiena:envelope:v2'/>", NULL, &doc, &err), &err);
    EXPECT_FAIL(gw_schemas_validate(t->schemas, doc, "t.xml", NULL, NULL, &err), &err, GW_R_SCHEMA_UNKNOWN);
out:
    xmlFreeDoc(doc);
}

/* An envelope with an element the schema does not know in the header. */
static void
test_envelope_extra_element(struct t *t)
{
    struct gw_err err;
    xmlDoc *doc = NULL;
    xmlNode *subject;

    EXPECT_OK(t_load_doc("examples/decision-ludza.xml", &doc, &err), &err);
    subject = t_find(xmlDocGetRootElement(doc), "urn:lv:skola-kopiena:envelope:v1", "Subject");
    EXPECT_TRUE(subject != NULL);
    EXPECT_TRUE(xmlNewChild(subject->parent, subject->ns, (const xmlChar *)"Priority", (const xmlChar *)"1") !=
                NULL);
    EXPECT_FAIL(gw_schemas_validate(t->schemas, doc, "t.xml", NULL, NULL, &err), &err, GW_R_SCHEMA_INVALID);
out:
    xmlFreeDoc(doc);
}

static void
test_load_missing_dir(struct t *t)
{
    struct gw_err err;
    struct gw_schemas *s = NULL;

    EXPECT_FAIL(gw_schemas_load("tests/unit/no-such-dir", &s, &err), &err, GW_R_CONFIG);
    EXPECT_INT_EQ(err.rc, GW_ECONFIG);
    EXPECT_TRUE(s == NULL);
    /* a directory that exists but holds no schemas */
    EXPECT_FAIL(gw_schemas_load("examples", &s, &err), &err, GW_R_CONFIG);
    EXPECT_TRUE(s == NULL);
out:
    gw_schemas_free(s);
}

static const struct t_case cases[] = {
    {"examples_valid", test_examples_valid, NULL},
    {"examples_invalid", test_examples_invalid, NULL},
    {"examples_invalid_lines", test_examples_invalid_lines, NULL},
    {"unknown_namespace", test_unknown_namespace, NULL},
    {"envelope_extra_element", test_envelope_extra_element, NULL},
    {"load_missing_dir", test_load_missing_dir, NULL},
};

const struct t_module t_module_schema = {"schema", cases, T_COUNT(cases)};

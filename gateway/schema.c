// SPDX-License-Identifier: MIT
/*
 * Schema compilation and validation (DESIGN §2). The table below maps each root namespace to its XSD; the
 * envelope schema imports every payload schema and the local XML-DSig schema. Files are read through the
 * restricted entity loader of xml.c, so an import can only reach the schema directory.
 */
#include "gw/schema.h"

#include <libxml/xmlschemas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw/limits.h"
#include "gw/mem.h"
#include "gw/xml.h"

static const struct {
    const char *ns;
    const char *file;
} schema_table[] = {
    {GW_NS_ENVELOPE, "envelope-v1.xsd"},
    {"urn:lv:skola-kopiena:letter:v1", "letter-v1.xsd"},
    {"urn:lv:skola-kopiena:decision:v1", "decision-v1.xsd"},
    {"urn:lv:skola-kopiena:confirmation:v1", "confirmation-v1.xsd"},
    {"urn:lv:skola-kopiena:datareport:v1", "datareport-v1.xsd"},
    {"urn:lv:skola-kopiena:receipt:v1", "receipt-v1.xsd"},
    {"urn:lv:skola-kopiena:checkpoint:v1", "checkpoint-v1.xsd"},
};
#define SCHEMA_COUNT (sizeof(schema_table) / sizeof(schema_table[0]))

struct gw_schemas {
    xmlSchemaPtr compiled[SCHEMA_COUNT];
};

struct compile_errors {
    char first[300];
};

static void
on_compile_error(void *ctx, xmlErrorPtr e)
{
    struct compile_errors *ce = ctx;

    if (ce->first[0] == '\0' && e != NULL) {
        snprintf(ce->first, sizeof(ce->first), "%s:%d: %s", e->file != NULL ? e->file : "?", e->line,
                 e->message != NULL ? e->message : "error");
        ce->first[strcspn(ce->first, "\n")] = '\0';
        gw_utf8_repair(ce->first);
    }
}

void
gw_schemas_free(struct gw_schemas *s)
{
    if (s == NULL) {
        return;
    }
    for (size_t i = 0; i < SCHEMA_COUNT; i++) {
        if (s->compiled[i] != NULL) {
            xmlSchemaFree(s->compiled[i]);
        }
    }
    free(s);
}

enum gw_rc
gw_schemas_load(const char *dir, struct gw_schemas **out, struct gw_err *err)
{
    enum gw_rc rc = GW_ECONFIG;
    struct gw_schemas *s = calloc(1, sizeof(*s));
    xmlSchemaParserCtxtPtr pctx = NULL;

    GW_CHECK(s != NULL, GW_ENOMEM, GW_R_NOMEM, "schemas");
    for (size_t i = 0; i < SCHEMA_COUNT; i++) {
        char path[4096];
        struct compile_errors ce = {{0}};
        GW_CHECK(snprintf(path, sizeof(path), "%s/%s", dir, schema_table[i].file) < (int)sizeof(path), GW_ECONFIG,
                 GW_R_CONFIG, "schema path too long");
        pctx = xmlSchemaNewParserCtxt(path);
        GW_CHECK(pctx != NULL, GW_ENOMEM, GW_R_NOMEM, "schema parser");
        xmlSchemaSetParserStructuredErrors(pctx, on_compile_error, &ce);
        s->compiled[i] = xmlSchemaParse(pctx);
        xmlSchemaFreeParserCtxt(pctx);
        pctx = NULL;
        GW_CHECK(s->compiled[i] != NULL, GW_ECONFIG, GW_R_CONFIG, "cannot compile schema %s: %s", path,
                 ce.first[0] != '\0' ? ce.first : "unknown error");
    }
    *out = s;
    s = NULL;
    rc = GW_OK;
out:
    gw_schemas_free(s);
    return rc;
}

struct validation_errors {
    const char *name;
    gw_schema_error_fn each;
    void *arg;
    unsigned count;
    int first_line;
    char first[300];
};

static void
on_validation_error(void *ctx, xmlErrorPtr e)
{
    struct validation_errors *ve = ctx;
    char msg[300];

    if (e == NULL) {
        return;
    }
    snprintf(msg, sizeof(msg), "%s", e->message != NULL ? e->message : "invalid");
    msg[strcspn(msg, "\n")] = '\0';
    gw_utf8_repair(msg);
    if (ve->count == 0) {
        ve->first_line = e->line;
        memcpy(ve->first, msg, sizeof(ve->first));
    }
    if (ve->count < GW_MAX_REPORTED_ERRORS && ve->each != NULL) {
        char where[300];
        snprintf(where, sizeof(where), "%s:%d", ve->name, e->line);
        ve->each(ve->arg, where, msg);
    }
    ve->count++;
}

enum gw_rc
gw_schemas_validate(const struct gw_schemas *s, xmlDoc *doc, const char *name, gw_schema_error_fn each, void *arg,
                    struct gw_err *err)
{
    enum gw_rc rc = GW_EINPUT;
    xmlNode *root = xmlDocGetRootElement(doc);
    xmlSchemaValidCtxtPtr vctx = NULL;
    xmlSchemaPtr schema = NULL;
    struct validation_errors ve = {.name = name, .each = each, .arg = arg};
    int vrc;
    const unsigned long mark = gw_mem_mark();

    GW_CHECK(root != NULL, GW_EINPUT, GW_R_SCHEMA_UNKNOWN, "document has no root element");
    for (size_t i = 0; i < SCHEMA_COUNT && root->ns != NULL; i++) {
        if (strcmp((const char *)root->ns->href, schema_table[i].ns) == 0) {
            schema = s->compiled[i];
        }
    }
    if (schema == NULL) {
        gw_err_where(err, "%s:%ld", name, xmlGetLineNo(root));
    }
    GW_CHECK(schema != NULL, GW_EINPUT, GW_R_SCHEMA_UNKNOWN, "root element {%s}%s is not a known message",
             root->ns != NULL ? (const char *)root->ns->href : "", (const char *)root->name);
    vctx = xmlSchemaNewValidCtxt(schema);
    GW_CHECK(vctx != NULL, GW_ENOMEM, GW_R_NOMEM, "schema validation context");
    xmlSchemaSetValidStructuredErrors(vctx, on_validation_error, &ve);
    vrc = xmlSchemaValidateDoc(vctx, doc);
    GW_CHECK(vrc >= 0, GW_EINTERNAL, GW_R_INTERNAL, "schema validator failed internally (%d)", vrc);
    if (vrc != 0 || ve.count > 0) {
        gw_err_where(err, "%s:%d", name, ve.first_line);
    }
    GW_CHECK(vrc == 0 && ve.count == 0, GW_EINPUT, GW_R_SCHEMA_INVALID, "%s%s",
             ve.first[0] != '\0' ? ve.first : "document is not valid", ve.count > 1 ? " (and more errors)" : "");
    /* a validator that met a failed allocation has given no verdict (include/gw/mem.h) */
    GW_CHECK(!gw_mem_failed_since(mark), GW_ENOMEM, GW_R_NOMEM,
             "a library allocation failed while validating; no verdict");
    rc = GW_OK;
out:
    rc = gw_mem_reblame(rc, mark, err);
    if (vctx != NULL) {
        xmlSchemaFreeValidCtxt(vctx);
    }
    return rc;
}

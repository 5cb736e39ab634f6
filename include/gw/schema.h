/* SPDX-License-Identifier: MIT */
/*
 * XSD validation with schemas compiled once from local files (schemas/) and shared read-only between
 * threads. The schema is chosen by the root element's namespace; documents never name their schema.
 */
#ifndef GW_SCHEMA_H
#define GW_SCHEMA_H

#include <libxml/tree.h>

#include "gw/err.h"

struct gw_schemas;

/* Called for every validation error found (after the first, which is also in err). where is "name:line". */
typedef void (*gw_schema_error_fn)(void *arg, const char *where, const char *msg);

/* Compile every schema of the table in schema.c from dir (borrowed). OUT: *out, gw_schemas_free().
 * Reasons: CONFIG (a file missing or invalid), NOMEM. On failure *out is untouched. */
GW_MUST_CHECK enum gw_rc gw_schemas_load(const char *dir, struct gw_schemas **out, struct gw_err *err);
void gw_schemas_free(struct gw_schemas *s);

/*
 * Validate doc (borrowed) against the schema of its root namespace. each (may be NULL) sees every error.
 * Reasons: SCHEMA_UNKNOWN (root namespace not in the table), SCHEMA_INVALID (err->where has the first
 * error's line), NOMEM.
 */
GW_MUST_CHECK enum gw_rc gw_schemas_validate(const struct gw_schemas *s, xmlDoc *doc, const char *name,
                                             gw_schema_error_fn each, void *arg, struct gw_err *err);

#endif

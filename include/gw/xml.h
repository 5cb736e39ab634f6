/* SPDX-License-Identifier: MIT */
/*
 * The only way a document gets parsed. Fixed options (no network, no entity substitution, no DTD loading,
 * no XInclude), any DOCTYPE rejected before its internal subset is read, and every structural limit
 * checked while parsing, so a hostile document is stopped before it can cost memory or time.
 */
#ifndef GW_XML_H
#define GW_XML_H

#include <libxml/tree.h>
#include <stdbool.h>
#include <stddef.h>

#include "gw/err.h"

#define GW_NS_ENVELOPE "urn:lv:skola-kopiena:envelope:v1"
#define GW_NS_DSIG "http://www.w3.org/2000/09/xmldsig#"
#define GW_NS_XSI "http://www.w3.org/2001/XMLSchema-instance"

struct gw_xml_limits {
    size_t max_bytes;    /* whole document, bytes */
    size_t max_depth;    /* element nesting */
    size_t max_elements; /* elements + comments + processing instructions */
    size_t max_attrs;    /* attributes + namespace declarations on one element */
    size_t max_name;     /* bytes of a qualified name */
    size_t max_text;     /* bytes of one text node */
};

/* The defaults of include/gw/limits.h. */
void gw_xml_limits_default(struct gw_xml_limits *lim);

/* Process-wide set-up, once before any thread starts: initialises libxml2 and installs an external entity
 * loader that refuses everything except files below schema_dir (borrowed path, copied). */
GW_MUST_CHECK enum gw_rc gw_xml_init(const char *schema_dir, struct gw_err *err);

/*
 * Parse untrusted bytes. name (borrowed) is used in error locations ("name:line").
 * OUT: *out, freed by the caller with xmlFreeDoc; on failure *out is untouched.
 * Reasons: XML_MALFORMED (also a non-UTF-8 encoding), XML_DTD, LIMIT_SIZE, LIMIT_DEPTH, LIMIT_NODES,
 * LIMIT_ATTRS, LIMIT_NAME, LIMIT_TEXT, XSI_ATTR, NOMEM.
 */
GW_MUST_CHECK enum gw_rc gw_xml_parse(const unsigned char *data, size_t len, const char *name,
                                      const struct gw_xml_limits *lim, xmlDoc **out, struct gw_err *err);

/* Serialise a document as UTF-8 with an XML declaration. OUT: *out (free()), *len. */
GW_MUST_CHECK enum gw_rc gw_xml_serialize(xmlDoc *doc, unsigned char **out, size_t *len, struct gw_err *err);

/* True if node is an element with this namespace URI and local name. */
bool gw_xml_is(const xmlNode *node, const char *ns, const char *local);

/* True if only attributes without namespace named in names (a NULL-terminated list) appear on node. */
bool gw_xml_only_attrs(const xmlNode *node, const char *const *names);

/* First element child / next element sibling, skipping text, comments and PIs; NULL if none. */
xmlNode *gw_xml_first_elem(const xmlNode *node);
xmlNode *gw_xml_next_elem(const xmlNode *node);

/* Whole text content of an element (all text and CDATA descendants joined, comments skipped), as a
 * malloc'ed string (free()); NULL on allocation failure. */
char *gw_xml_text(const xmlNode *node);

/* Value of an attribute without namespace: NULL if absent or not a single text value. Borrowed. */
const char *gw_xml_attr(const xmlNode *node, const char *name);

#endif

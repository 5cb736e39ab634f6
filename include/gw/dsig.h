/* SPDX-License-Identifier: MIT */
/*
 * The XML-DSig profile of DESIGN §3 as data (algorithm URIs and their xmlsec transforms), and the
 * lifetime of the xmlsec library. sign.c and verify.c both use it; nothing else includes xmlsec.
 */
#ifndef GW_DSIG_H
#define GW_DSIG_H

#include <stdbool.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/transforms.h>

#include "gw/err.h"

#define GW_URI_ENVELOPED "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
#define GW_URI_EXC_C14N "http://www.w3.org/2001/10/xml-exc-c14n#"
#define GW_URI_C14N "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
#define GW_URI_SHA256 "http://www.w3.org/2001/04/xmlenc#sha256"

enum gw_alg_kind {
    GW_ALG_C14N,      /* CanonicalizationMethod, and the second Reference transform */
    GW_ALG_DIGEST,    /* DigestMethod */
    GW_ALG_SIGNATURE, /* SignatureMethod */
};

/* The transform of an allowed algorithm URI of the given kind, or NULL if the profile forbids it. */
xmlSecTransformId gw_dsig_allowed(enum gw_alg_kind kind, const char *uri);

/* Short name of an allowed URI ("rsa-sha256", "exc-c14n"), or the URI itself. */
const char *gw_dsig_short_name(const char *uri);

/* Enable exactly the profile's transforms on a context (reference and signature side). */
GW_MUST_CHECK enum gw_rc gw_dsig_restrict(void *dsig_ctx, struct gw_err *err);

/* Process-wide, once, after gw_xml_init and before threads start. Reasons: CONFIG. */
GW_MUST_CHECK enum gw_rc gw_dsig_init(struct gw_err *err);
void gw_dsig_shutdown(void);

#endif

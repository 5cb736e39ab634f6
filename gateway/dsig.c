// SPDX-License-Identifier: MIT
/*
 * The algorithm allowlist of the signature profile (DESIGN §3) and xmlsec's process lifetime. xmlsec's
 * default error output is switched off: every failure is reported through gw_err by the callers.
 */
#include "gw/dsig.h"

#include <string.h>
#include <xmlsec/crypto.h>
#include <xmlsec/errors.h>
#include <xmlsec/xmldsig.h>

struct allowed_alg {
    enum gw_alg_kind kind;
    const char *uri;
    const char *short_name;
};

/* SHA-256 or stronger only; no SHA-1, no HMAC, no comments-preserving C14N. */
static const struct allowed_alg allowed[] = {
    {GW_ALG_C14N, GW_URI_EXC_C14N, "exc-c14n"},
    {GW_ALG_C14N, GW_URI_C14N, "c14n"},
    {GW_ALG_DIGEST, GW_URI_SHA256, "sha256"},
    {GW_ALG_DIGEST, "http://www.w3.org/2001/04/xmldsig-more#sha384", "sha384"},
    {GW_ALG_DIGEST, "http://www.w3.org/2001/04/xmlenc#sha512", "sha512"},
    {GW_ALG_SIGNATURE, "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", "rsa-sha256"},
    {GW_ALG_SIGNATURE, "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384", "rsa-sha384"},
    {GW_ALG_SIGNATURE, "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512", "rsa-sha512"},
    {GW_ALG_SIGNATURE, "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256", "ecdsa-sha256"},
    {GW_ALG_SIGNATURE, "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384", "ecdsa-sha384"},
    {GW_ALG_SIGNATURE, "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512", "ecdsa-sha512"},
};
#define ALLOWED_COUNT (sizeof(allowed) / sizeof(allowed[0]))

static xmlSecTransformId
transform_of(size_t i)
{
    switch (i) {
    case 0:
        return xmlSecTransformExclC14NId;
    case 1:
        return xmlSecTransformInclC14NId;
    case 2:
        return xmlSecTransformSha256Id;
    case 3:
        return xmlSecTransformSha384Id;
    case 4:
        return xmlSecTransformSha512Id;
    case 5:
        return xmlSecTransformRsaSha256Id;
    case 6:
        return xmlSecTransformRsaSha384Id;
    case 7:
        return xmlSecTransformRsaSha512Id;
    case 8:
        return xmlSecTransformEcdsaSha256Id;
    case 9:
        return xmlSecTransformEcdsaSha384Id;
    case 10:
        return xmlSecTransformEcdsaSha512Id;
    default:
        return xmlSecTransformIdUnknown;
    }
}

xmlSecTransformId
gw_dsig_allowed(enum gw_alg_kind kind, const char *uri)
{
    if (uri == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < ALLOWED_COUNT; i++) {
        if (allowed[i].kind == kind && strcmp(allowed[i].uri, uri) == 0) {
            return transform_of(i);
        }
    }
    return NULL;
}

const char *
gw_dsig_short_name(const char *uri)
{
    for (size_t i = 0; i < ALLOWED_COUNT; i++) {
        if (strcmp(allowed[i].uri, uri) == 0) {
            return allowed[i].short_name;
        }
    }
    return strcmp(uri, GW_URI_ENVELOPED) == 0 ? "enveloped-signature" : uri;
}

enum gw_rc
gw_dsig_restrict(void *dsig_ctx, struct gw_err *err)
{
    enum gw_rc rc = GW_EINTERNAL;
    xmlSecDSigCtxPtr ctx = dsig_ctx;

    /* DESIGN §3: only URI="" (the whole document); no remote, file or ID references */
    ctx->enabledReferenceUris = xmlSecTransformUriTypeEmpty;
    GW_CHECK(xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformEnvelopedId) >= 0, GW_EINTERNAL,
             GW_R_INTERNAL, "xmlsec: cannot enable transform");
    for (size_t i = 0; i < ALLOWED_COUNT; i++) {
        xmlSecTransformId id = transform_of(i);
        if (allowed[i].kind != GW_ALG_SIGNATURE) {
            GW_CHECK(xmlSecDSigCtxEnableReferenceTransform(ctx, id) >= 0, GW_EINTERNAL, GW_R_INTERNAL,
                     "xmlsec: cannot enable transform");
        }
        if (allowed[i].kind != GW_ALG_DIGEST) {
            GW_CHECK(xmlSecDSigCtxEnableSignatureTransform(ctx, id) >= 0, GW_EINTERNAL, GW_R_INTERNAL,
                     "xmlsec: cannot enable transform");
        }
    }
    rc = GW_OK;
out:
    return rc;
}

enum gw_rc
gw_dsig_init(struct gw_err *err)
{
    enum gw_rc rc = GW_ECONFIG;

    xmlSecErrorsDefaultCallbackEnableOutput(0);
    GW_CHECK(xmlSecInit() >= 0, GW_ECONFIG, GW_R_CONFIG, "xmlsec initialisation failed");
    GW_CHECK(xmlSecCheckVersion() == 1, GW_ECONFIG, GW_R_CONFIG, "xmlsec library version mismatch");
    GW_CHECK(xmlSecCryptoAppInit(NULL) >= 0, GW_ECONFIG, GW_R_CONFIG, "xmlsec crypto initialisation failed");
    GW_CHECK(xmlSecCryptoInit() >= 0, GW_ECONFIG, GW_R_CONFIG, "xmlsec-openssl initialisation failed");
    rc = GW_OK;
out:
    return rc;
}

void
gw_dsig_shutdown(void)
{
    xmlSecCryptoShutdown();
    xmlSecCryptoAppShutdown();
    xmlSecShutdown();
}

// SPDX-License-Identifier: MIT
/*
 * The verification policy of DESIGN §3. Every structural rule is checked here, on the parsed tree, before
 * xmlsec runs, because xmlsec fetches and transforms while it verifies. xmlsec then only computes the one
 * digest and checks the one signature value, with a key we built from the certificate that pki.c accepted:
 * it never reads KeyInfo itself (a preset signKey makes it skip KeyInfo), so KeyValue, KeyName and
 * RetrievalMethod can never supply a key. Its return value AND its status are checked.
 */
#include "gw/verify.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <xmlsec/crypto.h>
#include <xmlsec/keys.h>
#include <xmlsec/openssl/evp.h>
#include <xmlsec/xmldsig.h>

#include "gw/dsig.h"
#include "gw/limits.h"
#include "gw/parse.h"
#include "gw/time.h"
#include "gw/xades.h"
#include "gw/mem.h"
#include "gw/xml.h"

/* What the structural pass found; nodes borrowed from the document, certificate bytes owned. */
struct sig_parts {
    xmlNode *sig;
    const char *c14n_uri;
    const char *digest_uri;
    const char *signature_uri;
    struct gw_der certs[GW_MAX_CHAIN_CERTS];
    unsigned char *cert_bytes[GW_MAX_CHAIN_CERTS]; /* owned, free() */
    size_t n_certs;
    xmlNode *ref2;               /* XAdES: the SignedProperties Reference, or NULL */
    xmlNode *object;             /* XAdES: the ds:Object with QualifyingProperties, or NULL */
    struct gw_xades_parts xades; /* XAdES: what gw_xades_check_structure found */
};

static void
sig_parts_cleanup(struct sig_parts *p)
{
    for (size_t i = 0; i < p->n_certs; i++) {
        free(p->cert_bytes[i]);
    }
    memset(p, 0, sizeof(*p));
}

void
gw_verified_cleanup(struct gw_verified *v)
{
    gw_envelope_cleanup(&v->env);
    gw_signer_info_cleanup(&v->signer);
    memset(v, 0, sizeof(*v));
}

/* Count ds:Signature elements anywhere below node; remember the first. Depth is bounded by the parser. */
static size_t
count_signatures(xmlNode *node, xmlNode **first)
{
    size_t n = 0;

    for (xmlNode *c = node; c != NULL; c = c->next) {
        if (c->type != XML_ELEMENT_NODE) {
            continue;
        }
        if (gw_xml_is(c, GW_NS_DSIG, "Signature")) {
            if (n == 0 && *first == NULL) {
                *first = c;
            }
            n++;
        }
        n += count_signatures(c->children, first);
    }
    return n;
}

static bool
is_dsig(const xmlNode *n, const char *local)
{
    return n != NULL && gw_xml_is(n, GW_NS_DSIG, local); /* gw_xml_is checks too, out of the analyzer's sight */
}

/* An element that must carry nothing but whitespace, comments or nothing at all. */
static bool
has_element_child(const xmlNode *n)
{
    return gw_xml_first_elem(n) != NULL;
}

static const char *const attrs_none[] = {NULL};
static const char *const attrs_id[] = {"Id", NULL};
static const char *const attrs_alg[] = {"Algorithm", NULL};
static const char *const attrs_ref[] = {"URI", "Id", NULL};

/* exc-c14n may carry an InclusiveNamespaces PrefixList; nothing else may have children. */
static bool
c14n_children_ok(const xmlNode *method, const char *uri)
{
    xmlNode *c = gw_xml_first_elem(method);

    if (c == NULL) {
        return true;
    }
    return strcmp(uri, GW_URI_EXC_C14N) == 0 && gw_xml_is(c, GW_URI_EXC_C14N, "InclusiveNamespaces") &&
           gw_xml_next_elem(c) == NULL && !has_element_child(c);
}

static enum gw_rc
check_signed_info(xmlNode *si, struct sig_parts *p, struct gw_err *err)
{
    enum gw_rc rc = GW_EPOLICY;
    xmlNode *c14n = gw_xml_first_elem(si);
    xmlNode *method = c14n != NULL ? gw_xml_next_elem(c14n) : NULL;
    xmlNode *ref = method != NULL ? gw_xml_next_elem(method) : NULL;
    xmlNode *transforms = NULL;
    xmlNode *t1 = NULL;
    xmlNode *t2 = NULL;
    xmlNode *digest_method = NULL;
    xmlNode *digest_value = NULL;
    const char *uri;

    GW_CHECK(gw_xml_only_attrs(si, attrs_id), GW_EPOLICY, GW_R_SIG_STRUCTURE,
             "unexpected attribute on SignedInfo");
    GW_CHECK(is_dsig(c14n, "CanonicalizationMethod") && gw_xml_only_attrs(c14n, attrs_alg), GW_EPOLICY,
             GW_R_SIG_STRUCTURE, "SignedInfo must start with CanonicalizationMethod");
    p->c14n_uri = gw_xml_attr(c14n, "Algorithm");
    GW_CHECK(gw_dsig_allowed(GW_ALG_C14N, p->c14n_uri) != NULL, GW_EPOLICY, GW_R_SIG_ALGORITHM,
             "canonicalization %s is not allowed (exclusive or inclusive C14N 1.0 without comments only)",
             p->c14n_uri != NULL ? p->c14n_uri : "(none)");
    GW_CHECK(c14n_children_ok(c14n, p->c14n_uri), GW_EPOLICY, GW_R_SIG_STRUCTURE,
             "unexpected content in CanonicalizationMethod");
    GW_CHECK(is_dsig(method, "SignatureMethod") && gw_xml_only_attrs(method, attrs_alg), GW_EPOLICY,
             GW_R_SIG_STRUCTURE, "CanonicalizationMethod must be followed by SignatureMethod");
    p->signature_uri = gw_xml_attr(method, "Algorithm");
    /* no HMAC (HMACOutputLength would be its only child), no SHA-1, no DSA */
    GW_CHECK(gw_dsig_allowed(GW_ALG_SIGNATURE, p->signature_uri) != NULL && !has_element_child(method), GW_EPOLICY,
             GW_R_SIG_ALGORITHM, "signature method %s is not allowed (RSA or ECDSA with SHA-256 or stronger only)",
             p->signature_uri != NULL ? p->signature_uri : "(none)");
    /* DESIGN §3: exactly one Reference, with URI="" (the whole document) */
    GW_CHECK(is_dsig(ref, "Reference"), GW_EPOLICY, GW_R_SIG_REFERENCE, "SignedInfo has no Reference");
    /* XAdES (DESIGN §3): the one second Reference allowed is the SignedProperties one (xades.c checks it) */
    p->ref2 = gw_xml_next_elem(ref);
    GW_CHECK(p->ref2 == NULL || (is_dsig(p->ref2, "Reference") && gw_xml_next_elem(p->ref2) == NULL &&
                                 gw_xml_attr(p->ref2, "Type") != NULL &&
                                 strcmp(gw_xml_attr(p->ref2, "Type"), GW_URI_XADES_SIGNED_PROPERTIES) == 0),
             GW_EPOLICY, GW_R_SIG_REFERENCE,
             "SignedInfo has more than one Reference (only a second one of Type SignedProperties is allowed)");
    uri = gw_xml_attr(ref, "URI");
    GW_CHECK(uri != NULL && uri[0] == '\0', GW_EPOLICY, GW_R_SIG_REFERENCE,
             "Reference URI is %s%s%s; only URI=\"\" (the whole document) is allowed", uri != NULL ? "\"" : "",
             uri != NULL ? uri : "absent", uri != NULL ? "\"" : "");
    GW_CHECK(gw_xml_only_attrs(ref, attrs_ref), GW_EPOLICY, GW_R_SIG_REFERENCE,
             "Reference may carry only URI and Id (no Type)");
    transforms = gw_xml_first_elem(ref);
    GW_CHECK(is_dsig(transforms, "Transforms") && gw_xml_only_attrs(transforms, attrs_none), GW_EPOLICY,
             GW_R_SIG_TRANSFORM, "Reference must list its transforms: enveloped-signature, then C14N");
    t1 = gw_xml_first_elem(transforms);
    t2 = t1 != NULL ? gw_xml_next_elem(t1) : NULL;
    GW_CHECK(is_dsig(t1, "Transform") && gw_xml_only_attrs(t1, attrs_alg) && !has_element_child(t1) &&
                 gw_xml_attr(t1, "Algorithm") != NULL &&
                 strcmp(gw_xml_attr(t1, "Algorithm"), GW_URI_ENVELOPED) == 0,
             GW_EPOLICY, GW_R_SIG_TRANSFORM, "first transform must be enveloped-signature (found %s)",
             t1 != NULL && gw_xml_attr(t1, "Algorithm") != NULL ? gw_xml_attr(t1, "Algorithm") : "none");
    GW_CHECK(is_dsig(t2, "Transform") && gw_xml_only_attrs(t2, attrs_alg) &&
                 gw_dsig_allowed(GW_ALG_C14N, gw_xml_attr(t2, "Algorithm")) != NULL &&
                 c14n_children_ok(t2, gw_xml_attr(t2, "Algorithm")),
             GW_EPOLICY, GW_R_SIG_TRANSFORM, "second transform must be C14N 1.0 without comments (found %s)",
             t2 != NULL && gw_xml_attr(t2, "Algorithm") != NULL ? gw_xml_attr(t2, "Algorithm") : "none");
    GW_CHECK(gw_xml_next_elem(t2) == NULL, GW_EPOLICY, GW_R_SIG_TRANSFORM,
             "more than two transforms (only enveloped-signature and C14N are allowed)");
    digest_method = gw_xml_next_elem(transforms);
    GW_CHECK(is_dsig(digest_method, "DigestMethod") && gw_xml_only_attrs(digest_method, attrs_alg) &&
                 !has_element_child(digest_method),
             GW_EPOLICY, GW_R_SIG_STRUCTURE, "Transforms must be followed by DigestMethod");
    p->digest_uri = gw_xml_attr(digest_method, "Algorithm");
    GW_CHECK(gw_dsig_allowed(GW_ALG_DIGEST, p->digest_uri) != NULL, GW_EPOLICY, GW_R_SIG_ALGORITHM,
             "digest method %s is not allowed (SHA-256 or stronger only)",
             p->digest_uri != NULL ? p->digest_uri : "(none)");
    digest_value = gw_xml_next_elem(digest_method);
    GW_CHECK(is_dsig(digest_value, "DigestValue") && !has_element_child(digest_value) &&
                 gw_xml_next_elem(digest_value) == NULL,
             GW_EPOLICY, GW_R_SIG_STRUCTURE, "Reference must end with one DigestValue");
    rc = GW_OK;
out:
    return rc;
}

/* OpenSSL's EVP_DecodeUpdate cost a receive 4% of its instructions; gw_parse_base64 is stricter, too. */
static enum gw_rc
decode_base64(const xmlNode *node, unsigned char **out, size_t *out_len, struct gw_err *err)
{
    enum gw_rc rc = GW_EINPUT;
    char *text = gw_xml_text(node);
    unsigned char *der = NULL;
    size_t tlen;
    size_t len = 0;

    GW_CHECK(text != NULL, GW_ENOMEM, GW_R_NOMEM, "base64");
    tlen = strlen(text);
    GW_CHECK(tlen > 0 && tlen < GW_MAX_CERT_BASE64, GW_EINPUT, GW_R_CERT_MALFORMED,
             "X509Certificate is empty or too long");
    der = malloc(tlen / 4 * 3 + 1);
    GW_CHECK(der != NULL, GW_ENOMEM, GW_R_NOMEM, "base64");
    GW_CHECK(gw_parse_base64(text, tlen, der, &len) == GW_OK, GW_EINPUT, GW_R_CERT_MALFORMED,
             "X509Certificate is not valid base64");
    *out = der;
    *out_len = len;
    der = NULL;
    rc = GW_OK;
out:
    free(der);
    free(text);
    return rc;
}

static enum gw_rc
check_key_info(xmlNode *ki, struct sig_parts *p, struct gw_err *err)
{
    enum gw_rc rc = GW_EPOLICY;
    xmlNode *x509 = gw_xml_first_elem(ki);

    /* DESIGN §3: the key comes only from an X.509 certificate; no KeyName, KeyValue, RetrievalMethod */
    GW_CHECK(gw_xml_only_attrs(ki, attrs_id), GW_EPOLICY, GW_R_SIG_KEYINFO, "unexpected attribute on KeyInfo");
    GW_CHECK(x509 != NULL, GW_EPOLICY, GW_R_CERT_MISSING, "KeyInfo is empty");
    for (xmlNode *c = x509; c != NULL; c = gw_xml_next_elem(c)) {
        GW_CHECK(is_dsig(c, "X509Data") && (c == x509 || !is_dsig(x509, "X509Data")), GW_EPOLICY, GW_R_SIG_KEYINFO,
                 "KeyInfo may hold exactly one X509Data and nothing else (found %s%s)",
                 is_dsig(c, "X509Data") ? "a second " : "", (const char *)c->name);
    }
    GW_CHECK(gw_xml_only_attrs(x509, attrs_none), GW_EPOLICY, GW_R_SIG_KEYINFO,
             "unexpected attribute on X509Data");
    for (xmlNode *c = gw_xml_first_elem(x509); c != NULL; c = gw_xml_next_elem(c)) {
        if (is_dsig(c, "X509Certificate")) {
            GW_CHECK(p->n_certs < GW_MAX_CHAIN_CERTS, GW_ELIMIT, GW_R_LIMIT_NODES,
                     "more than %u certificates in KeyInfo", GW_MAX_CHAIN_CERTS);
            GW_CHECK(!has_element_child(c), GW_EPOLICY, GW_R_SIG_KEYINFO, "X509Certificate has element content");
            GW_TRY(decode_base64(c, &p->cert_bytes[p->n_certs], &p->certs[p->n_certs].len, err));
            p->certs[p->n_certs].data = p->cert_bytes[p->n_certs];
            p->n_certs++;
        } else {
            /* identification hints are ignored; everything else is refused */
            GW_CHECK(is_dsig(c, "X509IssuerSerial") || is_dsig(c, "X509SubjectName") || is_dsig(c, "X509SKI"),
                     GW_EPOLICY, GW_R_SIG_KEYINFO, "X509Data may not hold %s", (const char *)c->name);
        }
    }
    GW_CHECK(p->n_certs > 0, GW_EPOLICY, GW_R_CERT_MISSING, "X509Data holds no X509Certificate");
    rc = GW_OK;
out:
    return rc;
}

/* DESIGN §3: "Every structural check happens before the signature library runs". */
static enum gw_rc
check_structure(xmlDoc *doc, struct sig_parts *p, struct gw_err *err)
{
    enum gw_rc rc = GW_EPOLICY;
    xmlNode *root = xmlDocGetRootElement(doc);
    xmlNode *sig = NULL;
    xmlNode *last = NULL;
    xmlNode *si = NULL;
    xmlNode *value = NULL;
    xmlNode *ki = NULL;
    size_t n;

    GW_CHECK(gw_xml_is(root, GW_NS_ENVELOPE, "Envelope"), GW_EINPUT, GW_R_SCHEMA_UNKNOWN,
             "root element is not {%s}Envelope", GW_NS_ENVELOPE);
    n = count_signatures(root, &sig);
    GW_CHECK(n > 0, GW_EPOLICY, GW_R_NOT_SIGNED, "the message has no ds:Signature");
    GW_CHECK(n == 1, GW_EPOLICY, GW_R_SIG_MULTIPLE,
             "the message has %zu ds:Signature elements (exactly one allowed)", n);
    for (xmlNode *c = gw_xml_first_elem(root); c != NULL; c = gw_xml_next_elem(c)) {
        last = c;
    }
    p->sig = sig;
    GW_CHECK(sig->parent == root && last == sig, GW_EPOLICY, GW_R_SIG_PLACEMENT,
             "ds:Signature must be the last child of the envelope root");
    GW_CHECK(gw_xml_only_attrs(sig, attrs_id), GW_EPOLICY, GW_R_SIG_STRUCTURE,
             "unexpected attribute on Signature");
    si = gw_xml_first_elem(sig);
    GW_CHECK(is_dsig(si, "SignedInfo"), GW_EPOLICY, GW_R_SIG_STRUCTURE, "Signature must start with SignedInfo");
    value = gw_xml_next_elem(si);
    GW_CHECK(is_dsig(value, "SignatureValue") && !has_element_child(value) && gw_xml_only_attrs(value, attrs_id),
             GW_EPOLICY, GW_R_SIG_STRUCTURE, "SignedInfo must be followed by SignatureValue");
    ki = gw_xml_next_elem(value);
    GW_CHECK(ki != NULL && !gw_xades_is_object(ki), GW_EPOLICY, GW_R_CERT_MISSING,
             "Signature has no KeyInfo with the signer's certificate");
    GW_CHECK(!is_dsig(ki, "Object"), GW_EPOLICY, GW_R_SIG_OBJECT, "ds:Object is not allowed");
    GW_CHECK(is_dsig(ki, "KeyInfo"), GW_EPOLICY, GW_R_SIG_STRUCTURE, "SignatureValue must be followed by KeyInfo");
    for (xmlNode *c = gw_xml_next_elem(ki); c != NULL; c = gw_xml_next_elem(c)) {
        /* XAdES (DESIGN §3): one ds:Object after KeyInfo, holding QualifyingProperties only */
        if (p->object == NULL && gw_xades_is_object(c)) {
            p->object = c;
            continue;
        }
        GW_CHECK(!is_dsig(c, "Object"), GW_EPOLICY, GW_R_SIG_OBJECT,
                 "ds:Object is not allowed (except one holding XAdES QualifyingProperties)");
        GW_CHECK(false, GW_EPOLICY, GW_R_SIG_STRUCTURE, "unexpected %s after KeyInfo", (const char *)c->name);
    }
    GW_TRY(check_signed_info(si, p, err));
    GW_TRY(check_key_info(ki, p, err));
    GW_TRY(gw_xades_check_structure(doc, sig, p->ref2, p->object, &p->xades, err));
    rc = GW_OK;
out:
    return rc;
}

/* The signature method must be made for the signer's key type (an ECDSA method with an RSA key is a
 * profile violation, not a bad signature value). */
static enum gw_rc
check_method_fits_key(const char *method_uri, X509 *cert, struct gw_err *err)
{
    enum gw_rc rc = GW_EPOLICY;
    const char *name = gw_dsig_short_name(method_uri);
    int type = EVP_PKEY_get_base_id(X509_get0_pubkey(cert));
    bool rsa = strncmp(name, "rsa-", 4) == 0;
    bool ecdsa = strncmp(name, "ecdsa-", 6) == 0;

    GW_CHECK((rsa && type == EVP_PKEY_RSA) || (ecdsa && type == EVP_PKEY_EC), GW_EPOLICY, GW_R_SIG_ALGORITHM,
             "signature method %s does not fit the signer's %s key", name, type == EVP_PKEY_RSA ? "RSA" : "EC");
    rc = GW_OK;
out:
    return rc;
}

static enum gw_rc
verify_crypto(xmlNode *sig, X509 *cert, bool xades, struct gw_err *err)
{
    enum gw_rc rc = GW_EPOLICY;
    xmlSecDSigCtxPtr ctx = NULL;
    xmlSecKeyDataPtr value = NULL;
    EVP_PKEY *pub = X509_get_pubkey(cert);
    int vrc;

    GW_CHECK(pub != NULL, GW_ECRYPTO, GW_R_CERT_MALFORMED, "certificate has no usable public key");
    ctx = xmlSecDSigCtxCreate(NULL);
    GW_CHECK(ctx != NULL, GW_ENOMEM, GW_R_NOMEM, "xmlsec: signature context");
    GW_TRY(gw_dsig_restrict(ctx, err));
    if (xades) {
        gw_xades_enable(ctx);
    }
    value = xmlSecOpenSSLEvpKeyAdopt(pub);
    GW_CHECK(value != NULL, GW_ENOMEM, GW_R_NOMEM, "xmlsec: key");
    pub = NULL;
    ctx->signKey = xmlSecKeyCreate();
    GW_CHECK(ctx->signKey != NULL, GW_ENOMEM, GW_R_NOMEM, "xmlsec: key");
    GW_CHECK(xmlSecKeySetValue(ctx->signKey, value) >= 0, GW_ENOMEM, GW_R_NOMEM, "xmlsec: key");
    value = NULL;
    vrc = xmlSecDSigCtxVerify(ctx, sig);
    if (vrc >= 0 && ctx->status == xmlSecDSigStatusSucceeded) {
        rc = GW_OK;
        goto out;
    }
    /* tell a changed document (digest) from a bad signature value */
    for (xmlSecSize i = 0; i < xmlSecPtrListGetSize(&ctx->signedInfoReferences); i++) {
        xmlSecDSigReferenceCtxPtr r = xmlSecPtrListGetItem(&ctx->signedInfoReferences, i);
        GW_CHECK(r == NULL || r->status == xmlSecDSigStatusSucceeded, GW_EPOLICY, GW_R_DIGEST_MISMATCH,
                 "the digest of the document does not match the signed DigestValue: the message was changed "
                 "after signing");
    }
    GW_CHECK(false, GW_EPOLICY, GW_R_SIGNATURE_MISMATCH,
             "the signature value does not verify with the signer certificate's key%s",
             vrc < 0 ? " (malformed signature value or key type that does not fit the method)" : "");
out:
    if (value != NULL) {
        xmlSecKeyDataDestroy(value);
    }
    EVP_PKEY_free(pub);
    if (ctx != NULL) {
        xmlSecDSigCtxDestroy(ctx);
    }
    return rc;
}

enum gw_rc
gw_verify_message(struct gw_pki *pki, const struct gw_schemas *schemas, xmlDoc *doc, const char *name,
                  struct gw_verified *out, struct gw_err *err)
{
    return gw_verify_message_opts(pki, schemas, doc, name, NULL, out, err);
}

enum gw_rc
gw_verify_message_opts(struct gw_pki *pki, const struct gw_schemas *schemas, xmlDoc *doc, const char *name,
                       const struct gw_verify_opts *opts, struct gw_verified *out, struct gw_err *err)
{
    enum gw_rc rc = GW_EPOLICY;
    struct sig_parts parts = {0};
    struct gw_verified v = {0};
    struct gw_xades_info xi = {0}; /* XAdES: the timestamp first (its time may judge the chain), then B-B */
    int64_t now = gw_time_now_ms() / 1000;
    const unsigned long mark = gw_mem_mark();

    rc = check_structure(doc, &parts, err);
    if (rc != GW_OK && parts.sig != NULL) {
        gw_err_where(err, "%s:%ld", name, xmlGetLineNo(parts.sig));
    }
    GW_TRY(rc);
    GW_TRY(gw_schemas_validate(schemas, doc, name, NULL, NULL, err));
    GW_TRY(gw_envelope_read(doc, name, &v.env, err));
    GW_TRY(gw_xades_check_timestamp(doc, &parts.xades, opts != NULL ? opts->tsa_store : NULL, now, &xi, err));
    if (opts != NULL && opts->at_signing_time) {
        GW_CHECK(xi.timestamped, GW_EPOLICY, GW_R_XADES_TIMESTAMP,
                 "cannot judge the certificate at signing time: the signature has %s",
                 parts.xades.timestamp != NULL ? "a timestamp but no TSA trust anchors were given"
                                               : "no signature timestamp (B-T) to take the time from");
        GW_TRY(gw_pki_check_signer_at(pki, parts.certs, parts.n_certs, xi.timestamp_time, &v.signer, err));
    } else {
        GW_TRY(gw_pki_check_signer(pki, parts.certs, parts.n_certs, &v.signer, err));
    }
    GW_TRY(check_method_fits_key(parts.signature_uri, v.signer.cert, err));
    GW_TRY(verify_crypto(parts.sig, v.signer.cert, parts.xades.reference != NULL, err));
    GW_TRY(gw_xades_check_verified(doc, &parts.xades, v.signer.cert, now, &xi, err));
    v.xades = xi;
    /* DESIGN §3 identity binding: the certificate's organizationIdentifier must equal the Sender */
    GW_CHECK(strcmp(v.signer.regno, v.env.sender) == 0, GW_EPOLICY, GW_R_SENDER_MISMATCH,
             "signed by organisation %s (%s) but Sender is %s", v.signer.regno, v.signer.organisation,
             v.env.sender);
    snprintf(v.c14n, sizeof(v.c14n), "%s", gw_dsig_short_name(parts.c14n_uri));
    snprintf(v.digest, sizeof(v.digest), "%s", gw_dsig_short_name(parts.digest_uri));
    snprintf(v.signature, sizeof(v.signature), "%s", gw_dsig_short_name(parts.signature_uri));
    /* a verdict given while a library allocation failed is no verdict either way: libxml2's C14N ignores
     * some failures and digests other bytes (include/gw/mem.h) */
    GW_CHECK(!gw_mem_failed_since(mark), GW_ENOMEM, GW_R_NOMEM,
             "a library allocation failed while verifying; no verdict");
    *out = v;
    memset(&v, 0, sizeof(v));
    rc = GW_OK;
out:
    /* never a Rejected receipt for a message that only met an out-of-memory condition */
    rc = gw_mem_reblame(rc, mark, err);
    if (rc != GW_OK) {
        gw_err_where(err, "%s", name);
    }
    gw_verified_cleanup(&v);
    sig_parts_cleanup(&parts);
    return rc;
}

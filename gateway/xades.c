// SPDX-License-Identifier: MIT
/*
 * XAdES baseline B-B on the gateway's enveloped signatures (DESIGN §3, ETSI EN 319 132-1): the signed
 * properties SigningTime and SigningCertificateV2 (CertDigest, IssuerSerialV2), carried in
 * ds:Object/xades:QualifyingProperties and covered by a second ds:Reference by Id. Signing builds that shape;
 * verification admits exactly that shape (nothing of the rest of XAdES: no DataObjectFormat, no policy, no
 * unsigned properties), refuses duplicate Ids anywhere in the document, and after xmlsec has verified both
 * references checks that the Id it resolved is the node that was checked, and the properties against the
 * signer certificate. It does not timestamp (B-T) and does not judge the certificate (pki.c does).
 */
#include "gw/xades.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libxml/c14n.h>
#include <xmlsec/crypto.h>
#include <xmlsec/templates.h>
#include <xmlsec/xmldsig.h>

#include "gw/buf.h"
#include "gw/dsig.h"
#include "gw/limits.h"
#include "gw/parse.h"
#include "gw/tsa_client.h"
#include "gw/xml.h"

#define SP_SUFFIX "-SignedProperties"
#define ID_MAX 64u    /* our Ids are "S-" + 16 hex digits (+ SP_SUFFIX); others' may be longer, up to this */
#define B64_MAX 4096u /* a digest or an IssuerSerial in base64: an issuer name is far below this */
#define TOKEN_B64_MAX (4u * (GW_MAX_TSP_REPLY_BYTES / 3u + 1u) + 4096u) /* a token, with line breaks */

static bool
is_xades(const xmlNode *n, const char *local)
{
    return n != NULL && gw_xml_is(n, GW_NS_XADES, local);
}

static bool
is_dsig(const xmlNode *n, const char *local)
{
    return n != NULL && gw_xml_is(n, GW_NS_DSIG, local);
}

/* Element-only content: element children, comments, and white space between them; no other text. */
static bool
element_only(const xmlNode *n)
{
    for (const xmlNode *c = n->children; c != NULL; c = c->next) {
        if (c->type == XML_TEXT_NODE) {
            for (const xmlChar *s = c->content; s != NULL && *s != '\0'; s++) {
                if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r') {
                    return false;
                }
            }
        } else if (c->type != XML_ELEMENT_NODE && c->type != XML_COMMENT_NODE) {
            return false;
        }
    }
    return true;
}

/* Simple content: no element child. */
static bool
text_only(const xmlNode *n)
{
    return gw_xml_first_elem(n) == NULL;
}

static const char *const attrs_none[] = {NULL};
static const char *const attrs_id[] = {"Id", NULL};
static const char *const attrs_alg[] = {"Algorithm", NULL};
static const char *const attrs_target[] = {"Target", NULL};
static const char *const attrs_ref2[] = {"URI", "Type", "Id", NULL};

/* An Id we accept to resolve: an NCName of ASCII letters, digits, '_', '-', '.', not starting with a digit,
 * '-' or '.' (a URI fragment that needs no escaping and cannot be an XPointer). */
static bool
id_ok(const char *id)
{
    size_t n = id != NULL ? strlen(id) : 0;

    if (n == 0 || n > ID_MAX ||
        !((id[0] >= 'A' && id[0] <= 'Z') || (id[0] >= 'a' && id[0] <= 'z') || id[0] == '_')) {
        return false;
    }
    for (size_t i = 1; i < n; i++) {
        char c = id[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
              c == '.')) {
            return false;
        }
    }
    return true;
}

/* Is attribute a one that names an Id: Id, ID, id without namespace, or xml:id? */
static bool
is_id_attr(const xmlAttr *a)
{
    if (a->ns == NULL) {
        return strcmp((const char *)a->name, "Id") == 0 || strcmp((const char *)a->name, "ID") == 0 ||
               strcmp((const char *)a->name, "id") == 0;
    }
    return a->ns->href != NULL && strcmp((const char *)a->ns->href, (const char *)XML_XML_NAMESPACE) == 0 &&
           strcmp((const char *)a->name, "id") == 0;
}

struct id_list {
    const xmlChar **v; /* values borrowed from the document */
    size_t n;
    size_t cap;
};

static enum gw_rc
collect_ids(const xmlNode *node, struct id_list *ids, struct gw_err *err)
{
    enum gw_rc rc = GW_ENOMEM;

    /* iterative walk: depth is bounded by the parser, but the signer gets documents built in memory */
    for (const xmlNode *n = node; n != NULL;) {
        if (n->type == XML_ELEMENT_NODE) {
            for (const xmlAttr *a = n->properties; a != NULL; a = a->next) {
                if (!is_id_attr(a)) {
                    continue;
                }
                if (ids->n == ids->cap) {
                    size_t cap = ids->cap == 0 ? 16 : ids->cap * 2;
                    const xmlChar **v = realloc((void *)ids->v, cap * sizeof(*v));
                    GW_CHECK(v != NULL, GW_ENOMEM, GW_R_NOMEM, "Id list");
                    ids->v = v;
                    ids->cap = cap;
                }
                /* an attribute value that is not one text node cannot be compared: refuse it as an Id */
                GW_CHECK(a->children != NULL && a->children->type == XML_TEXT_NODE && a->children->next == NULL,
                         GW_EPOLICY, GW_R_XADES_DUPLICATE_ID, "attribute %s is not a plain value",
                         (const char *)a->name);
                ids->v[ids->n++] = a->children->content;
            }
        }
        if (n->type == XML_ELEMENT_NODE && n->children != NULL) {
            n = n->children;
            continue;
        }
        while (n != NULL && n->next == NULL && n != node) {
            n = n->parent;
        }
        if (n == NULL || n == node) {
            break;
        }
        n = n->next;
    }
    rc = GW_OK;
out:
    return rc;
}

static int
cmp_id(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* XAdES needs Id references; an Id that occurs twice lets the library resolve one node while we read another
 * (the first registration wins in libxml2 and xmlsec). */
static enum gw_rc
check_unique_ids(xmlDoc *doc, struct gw_err *err)
{
    enum gw_rc rc = GW_EPOLICY;
    struct id_list ids = {0};

    GW_TRY(collect_ids(xmlDocGetRootElement(doc), &ids, err));
    if (ids.n > 1) {
        qsort((void *)ids.v, ids.n, sizeof(*ids.v), cmp_id);
    }
    for (size_t i = 1; i < ids.n; i++) {
        GW_CHECK(strcmp((const char *)ids.v[i - 1], (const char *)ids.v[i]) != 0, GW_EPOLICY,
                 GW_R_XADES_DUPLICATE_ID, "Id \"%.64s\" occurs more than once in the document",
                 (const char *)ids.v[i]);
    }
    rc = GW_OK;
out:
    free((void *)ids.v);
    return rc;
}

/* DER of the RFC 5035 IssuerSerial of cert: SEQUENCE { GeneralNames { [4] issuer Name }, serialNumber }.
 * OUT: *out (OPENSSL_free), *len. */
static enum gw_rc
issuer_serial_der(X509 *cert, unsigned char **out, size_t *len, struct gw_err *err)
{
    enum gw_rc rc = GW_ENOMEM;
    GENERAL_NAMES *names = GENERAL_NAMES_new();
    GENERAL_NAME *name = GENERAL_NAME_new();
    X509_NAME *issuer = X509_NAME_dup(X509_get_issuer_name(cert));
    unsigned char *der = NULL;
    unsigned char *p;
    int names_len;
    int serial_len;
    size_t body;
    size_t hdr;

    GW_CHECK(names != NULL && name != NULL && issuer != NULL, GW_ENOMEM, GW_R_NOMEM, "IssuerSerial");
    GENERAL_NAME_set0_value(name, GEN_DIRNAME, issuer);
    issuer = NULL;
    GW_CHECK(sk_GENERAL_NAME_push(names, name) > 0, GW_ENOMEM, GW_R_NOMEM, "IssuerSerial");
    name = NULL;
    names_len = i2d_GENERAL_NAMES(names, NULL);
    serial_len = i2d_ASN1_INTEGER(X509_get0_serialNumber(cert), NULL);
    GW_CHECK(names_len > 0 && serial_len > 0 && names_len < 0x10000 && serial_len < 0x100, GW_EINTERNAL,
             GW_R_INTERNAL, "cannot encode the certificate's issuer and serial");
    body = (size_t)names_len + (size_t)serial_len;
    hdr = body < 0x80 ? 2 : body < 0x100 ? 3 : body < 0x10000 ? 4 : 5;
    der = OPENSSL_malloc(hdr + body);
    GW_CHECK(der != NULL, GW_ENOMEM, GW_R_NOMEM, "IssuerSerial");
    der[0] = 0x30;
    if (hdr == 2) {
        der[1] = (unsigned char)body;
    } else {
        der[1] = (unsigned char)(0x80 | (hdr - 2));
        for (size_t i = 0; i < hdr - 2; i++) {
            der[2 + i] = (unsigned char)(body >> (8 * (hdr - 3 - i)));
        }
    }
    p = der + hdr;
    GW_CHECK(i2d_GENERAL_NAMES(names, &p) == names_len &&
                 i2d_ASN1_INTEGER(X509_get0_serialNumber(cert), &p) == serial_len,
             GW_EINTERNAL, GW_R_INTERNAL, "cannot encode the certificate's issuer and serial");
    *out = der;
    *len = hdr + body;
    der = NULL;
    rc = GW_OK;
out:
    OPENSSL_free(der);
    X509_NAME_free(issuer);
    GENERAL_NAME_free(name);
    GENERAL_NAMES_free(names);
    return rc;
}

/* base64 of data, no line breaks. OUT: *out (free()). */
static enum gw_rc
b64_encode(const unsigned char *data, size_t len, char **out, struct gw_err *err)
{
    enum gw_rc rc = GW_ENOMEM;
    char *s = NULL;

    GW_CHECK(len <= B64_MAX, GW_EINTERNAL, GW_R_INTERNAL, "value too long to encode");
    s = malloc(4 * ((len + 2) / 3) + 1);
    GW_CHECK(s != NULL, GW_ENOMEM, GW_R_NOMEM, "base64");
    (void)EVP_EncodeBlock((unsigned char *)s, data, (int)len);
    *out = s;
    s = NULL;
    rc = GW_OK;
out:
    free(s);
    return rc;
}

/* Decode the base64 text of node (line breaks and spaces allowed, as in real files), at most B64_MAX
 * characters. OUT: *out (free()), *len. A malformed value is reason. */
static enum gw_rc
b64_decode(const xmlNode *node, size_t max, enum gw_reason reason, unsigned char **out, size_t *len,
           struct gw_err *err)
{
    enum gw_rc rc = GW_EPOLICY;
    char *text = gw_xml_text(node);
    unsigned char *bin = NULL;
    EVP_ENCODE_CTX *ctx = EVP_ENCODE_CTX_new();
    int n = 0;
    int fin = 0;
    size_t tlen;

    GW_CHECK(text != NULL && ctx != NULL, GW_ENOMEM, GW_R_NOMEM, "base64");
    tlen = strlen(text);
    GW_CHECK(tlen > 0 && tlen <= max, GW_EPOLICY, reason, "%s is empty or longer than %zu characters",
             (const char *)node->name, max);
    bin = malloc(tlen);
    GW_CHECK(bin != NULL, GW_ENOMEM, GW_R_NOMEM, "base64");
    EVP_DecodeInit(ctx);
    GW_CHECK(EVP_DecodeUpdate(ctx, bin, &n, (const unsigned char *)text, (int)tlen) >= 0 &&
                 EVP_DecodeFinal(ctx, bin + n, &fin) == 1,
             GW_EPOLICY, reason, "%s is not valid base64", (const char *)node->name);
    *out = bin;
    *len = (size_t)n + (size_t)fin;
    bin = NULL;
    rc = GW_OK;
out:
    EVP_ENCODE_CTX_free(ctx);
    free(bin);
    free(text);
    return rc;
}

static const EVP_MD *
md_of(const char *digest_uri)
{
    const char *name = digest_uri != NULL && gw_dsig_allowed(GW_ALG_DIGEST, digest_uri) != NULL
                           ? gw_dsig_short_name(digest_uri)
                           : "";

    if (strcmp(name, "sha256") == 0) {
        return EVP_sha256();
    }
    if (strcmp(name, "sha384") == 0) {
        return EVP_sha384();
    }
    if (strcmp(name, "sha512") == 0) {
        return EVP_sha512();
    }
    return NULL;
}

/* Add a child element in ns with text (may be NULL). NULL on allocation failure. */
static xmlNode *
add(xmlNode *parent, xmlNs *ns, const char *local, const char *text)
{
    return xmlNewChild(parent, ns, (const xmlChar *)local, (const xmlChar *)text);
}

enum gw_rc
gw_xades_prepare(xmlDoc *doc, xmlNode *sig, X509 *cert, int64_t now, struct gw_err *err)
{
    enum gw_rc rc = GW_ENOMEM;
    unsigned char rnd[8];
    char sig_id[24];
    char sp_id[ID_MAX + 1];
    char uri[ID_MAX + 2];
    char target[ID_MAX + 2];
    char when[32];
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_len = 0;
    unsigned char *is_der = NULL;
    size_t is_len = 0;
    char *digest_b64 = NULL;
    char *is_b64 = NULL;
    xmlNode *ref;
    xmlNode *obj;
    xmlNode *qp;
    xmlNode *sp;
    xmlNode *ssp;
    xmlNode *scert;
    xmlNode *c;
    xmlNode *dm;
    xmlNs *ns;
    time_t t = (time_t)now;
    struct tm tm;

    GW_CHECK(cert != NULL, GW_EINTERNAL, GW_R_INTERNAL, "the signing key has no certificate");
    GW_CHECK(RAND_bytes(rnd, sizeof(rnd)) == 1, GW_ECRYPTO, GW_R_INTERNAL, "no randomness for the signature Id");
    snprintf(sig_id, sizeof(sig_id), "S-%02x%02x%02x%02x%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2], rnd[3], rnd[4],
             rnd[5], rnd[6], rnd[7]);
    snprintf(sp_id, sizeof(sp_id), "%s" SP_SUFFIX, sig_id);
    snprintf(uri, sizeof(uri), "#%s", sp_id);
    snprintf(target, sizeof(target), "#%s", sig_id);
    GW_CHECK(gmtime_r(&t, &tm) != NULL && strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) > 0,
             GW_EINTERNAL, GW_R_INTERNAL, "cannot format the signing time");
    GW_CHECK(X509_digest(cert, EVP_sha256(), digest, &digest_len) == 1, GW_ECRYPTO, GW_R_INTERNAL,
             "cannot digest the signer certificate");
    GW_TRY(b64_encode(digest, digest_len, &digest_b64, err));
    GW_TRY(issuer_serial_der(cert, &is_der, &is_len, err));
    GW_TRY(b64_encode(is_der, is_len, &is_b64, err));

    GW_CHECK(xmlSetProp(sig, (const xmlChar *)"Id", (const xmlChar *)sig_id) != NULL, GW_ENOMEM, GW_R_NOMEM,
             "Signature Id");
    /* EN 319 132-1 6.3: SignedProperties covered by a Reference of this Type; an explicit exc-c14n transform,
     * so that the namespaces in scope at the envelope root do not enter the digest */
    ref = xmlSecTmplSignatureAddReference(sig, xmlSecTransformSha256Id, NULL, (const xmlChar *)uri,
                                          (const xmlChar *)GW_URI_XADES_SIGNED_PROPERTIES);
    GW_CHECK(ref != NULL && xmlSecTmplReferenceAddTransform(ref, xmlSecTransformExclC14NId) != NULL, GW_ENOMEM,
             GW_R_NOMEM, "xmlsec: SignedProperties reference");
    obj = xmlSecTmplSignatureAddObject(sig, NULL, NULL, NULL);
    GW_CHECK(obj != NULL, GW_ENOMEM, GW_R_NOMEM, "xmlsec: Object");
    qp = add(obj, NULL, "QualifyingProperties", NULL);
    GW_CHECK(qp != NULL, GW_ENOMEM, GW_R_NOMEM, "QualifyingProperties");
    ns = xmlNewNs(qp, (const xmlChar *)GW_NS_XADES, (const xmlChar *)"xades");
    GW_CHECK(ns != NULL, GW_ENOMEM, GW_R_NOMEM, "xades namespace");
    xmlSetNs(qp, ns);
    GW_CHECK(xmlSetProp(qp, (const xmlChar *)"Target", (const xmlChar *)target) != NULL, GW_ENOMEM, GW_R_NOMEM,
             "Target");
    sp = add(qp, ns, "SignedProperties", NULL);
    GW_CHECK(sp != NULL && xmlSetProp(sp, (const xmlChar *)"Id", (const xmlChar *)sp_id) != NULL, GW_ENOMEM,
             GW_R_NOMEM, "SignedProperties");
    ssp = add(sp, ns, "SignedSignatureProperties", NULL);
    GW_CHECK(ssp != NULL && add(ssp, ns, "SigningTime", when) != NULL, GW_ENOMEM, GW_R_NOMEM, "SigningTime");
    scert = add(ssp, ns, "SigningCertificateV2", NULL);
    c = scert != NULL ? add(scert, ns, "Cert", NULL) : NULL;
    c = c != NULL ? add(c, ns, "CertDigest", NULL) : NULL;
    dm = c != NULL ? add(c, sig->ns, "DigestMethod", NULL) : NULL;
    GW_CHECK(dm != NULL && xmlSetProp(dm, (const xmlChar *)"Algorithm", (const xmlChar *)GW_URI_SHA256) != NULL &&
                 add(c, sig->ns, "DigestValue", digest_b64) != NULL &&
                 add(c->parent, ns, "IssuerSerialV2", is_b64),
             GW_ENOMEM, GW_R_NOMEM, "SigningCertificateV2");
    /* the verifier refuses a document with a repeated Id: do not sign one */
    GW_TRY(check_unique_ids(doc, err));
    rc = GW_OK;
out:
    free(digest_b64);
    free(is_b64);
    OPENSSL_free(is_der);
    return rc;
}

bool
gw_xades_is_object(const xmlNode *n)
{
    xmlNode *qp = gw_xml_first_elem(n);

    return is_dsig(n, "Object") && is_xades(qp, "QualifyingProperties") && gw_xml_next_elem(qp) == NULL;
}

void
gw_xades_enable(void *dsig_ctx)
{
    xmlSecDSigCtxPtr ctx = dsig_ctx;

    /* "#Id" only: gw_xades_check_structure admitted no other same-document URI (no XPointer) */
    ctx->enabledReferenceUris |= xmlSecTransformUriTypeSameDocument;
}

/* SignedInfo's second Reference, already known to carry the SignedProperties Type. */
static enum gw_rc
check_reference(xmlNode *ref, const char *sp_id, struct gw_err *err)
{
    enum gw_rc rc = GW_EPOLICY;
    const char *uri = gw_xml_attr(ref, "URI");
    xmlNode *transforms = gw_xml_first_elem(ref);
    xmlNode *t1 = transforms != NULL ? gw_xml_first_elem(transforms) : NULL;
    xmlNode *dm = transforms != NULL ? gw_xml_next_elem(transforms) : NULL;
    xmlNode *dv = dm != NULL ? gw_xml_next_elem(dm) : NULL;
    const char *alg = t1 != NULL ? gw_xml_attr(t1, "Algorithm") : NULL;

    GW_CHECK(gw_xml_only_attrs(ref, attrs_ref2), GW_EPOLICY, GW_R_XADES_REFERENCE,
             "SignedProperties Reference may carry only URI, Type and Id");
    /* DESIGN §3: by Id, to the SignedProperties inside this signature's QualifyingProperties */
    GW_CHECK(uri != NULL && uri[0] == '#' && strcmp(uri + 1, sp_id) == 0, GW_EPOLICY, GW_R_XADES_REFERENCE,
             "SignedProperties Reference URI is %.80s, not \"#%s\" (this signature's SignedProperties)",
             uri != NULL ? uri : "absent", sp_id);
    GW_CHECK(is_dsig(transforms, "Transforms") && gw_xml_only_attrs(transforms, attrs_none) &&
                 element_only(transforms),
             GW_EPOLICY, GW_R_SIG_TRANSFORM, "SignedProperties Reference must list one C14N transform");
    GW_CHECK(is_dsig(t1, "Transform") && gw_xml_only_attrs(t1, attrs_alg) && gw_xml_next_elem(t1) == NULL &&
                 gw_dsig_allowed(GW_ALG_C14N, alg) != NULL &&
                 (gw_xml_first_elem(t1) == NULL ||
                  (strcmp(alg, GW_URI_EXC_C14N) == 0 &&
                   gw_xml_is(gw_xml_first_elem(t1), GW_URI_EXC_C14N, "InclusiveNamespaces") &&
                   gw_xml_next_elem(gw_xml_first_elem(t1)) == NULL)),
             GW_EPOLICY, GW_R_SIG_TRANSFORM,
             "SignedProperties Reference must have exactly one C14N 1.0 transform without comments (found %s)",
             alg != NULL ? alg : "none");
    GW_CHECK(is_dsig(dm, "DigestMethod") && gw_xml_only_attrs(dm, attrs_alg) && text_only(dm), GW_EPOLICY,
             GW_R_SIG_STRUCTURE, "SignedProperties Reference: Transforms must be followed by DigestMethod");
    GW_CHECK(gw_dsig_allowed(GW_ALG_DIGEST, gw_xml_attr(dm, "Algorithm")) != NULL, GW_EPOLICY, GW_R_SIG_ALGORITHM,
             "SignedProperties digest method %s is not allowed (SHA-256 or stronger only)",
             gw_xml_attr(dm, "Algorithm") != NULL ? gw_xml_attr(dm, "Algorithm") : "(none)");
    GW_CHECK(is_dsig(dv, "DigestValue") && text_only(dv) && gw_xml_next_elem(dv) == NULL, GW_EPOLICY,
             GW_R_SIG_STRUCTURE, "SignedProperties Reference must end with one DigestValue");
    rc = GW_OK;
out:
    return rc;
}

static const char *const attrs_sts[] = {"Id", NULL};

/* UnsignedProperties = UnsignedSignatureProperties = SignatureTimeStamp = [ds:CanonicalizationMethod]
 * EncapsulatedTimeStamp, and nothing else (no CounterSignature, no validation data). */
static enum gw_rc
check_unsigned(xmlNode *up, struct gw_xades_parts *p, struct gw_err *err)
{
    enum gw_rc rc = GW_EPOLICY;
    xmlNode *usp = gw_xml_first_elem(up);
    xmlNode *sts = usp != NULL ? gw_xml_first_elem(usp) : NULL;
    xmlNode *c14n = sts != NULL ? gw_xml_first_elem(sts) : NULL;
    xmlNode *ets = is_dsig(c14n, "CanonicalizationMethod") ? gw_xml_next_elem(c14n) : c14n;
    const char *alg = is_dsig(c14n, "CanonicalizationMethod") ? gw_xml_attr(c14n, "Algorithm") : NULL;

    GW_CHECK(gw_xml_next_elem(up) == NULL && gw_xml_only_attrs(up, attrs_none) && element_only(up) &&
                 is_xades(usp, "UnsignedSignatureProperties") && gw_xml_next_elem(usp) == NULL &&
                 gw_xml_only_attrs(usp, attrs_none) && element_only(usp),
             GW_EPOLICY, GW_R_XADES_STRUCTURE,
             "UnsignedProperties must hold one UnsignedSignatureProperties and nothing after it");
    GW_CHECK(is_xades(sts, "SignatureTimeStamp") && gw_xml_next_elem(sts) == NULL &&
                 gw_xml_only_attrs(sts, attrs_sts) && element_only(sts),
             GW_EPOLICY, GW_R_XADES_STRUCTURE,
             "UnsignedSignatureProperties may hold one SignatureTimeStamp and nothing else (no CounterSignature, "
             "no validation data)");
    GW_CHECK(!is_dsig(c14n, "CanonicalizationMethod") || (gw_xml_only_attrs(c14n, attrs_alg) && text_only(c14n) &&
                                                          gw_dsig_allowed(GW_ALG_C14N, alg) != NULL),
             GW_EPOLICY, GW_R_SIG_ALGORITHM,
             "SignatureTimeStamp canonicalization %s is not allowed (C14N 1.0 without comments only)",
             alg != NULL ? alg : "(none)");
    GW_CHECK(is_xades(ets, "EncapsulatedTimeStamp") && gw_xml_next_elem(ets) == NULL &&
                 gw_xml_only_attrs(ets, attrs_none) && text_only(ets),
             GW_EPOLICY, GW_R_XADES_STRUCTURE,
             "SignatureTimeStamp must hold one EncapsulatedTimeStamp (after an optional CanonicalizationMethod)");
    p->timestamp = ets;
    p->timestamp_c14n = alg;
    rc = GW_OK;
out:
    return rc;
}

/* QualifyingProperties/SignedProperties/SignedSignatureProperties and what it may hold. */
static enum gw_rc
check_properties(xmlNode *sig, xmlNode *object, struct gw_xades_parts *p, struct gw_err *err)
{
    enum gw_rc rc = GW_EPOLICY;
    xmlNode *qp = gw_xml_first_elem(object);
    xmlNode *sp = qp != NULL ? gw_xml_first_elem(qp) : NULL;
    xmlNode *ssp = sp != NULL ? gw_xml_first_elem(sp) : NULL;
    xmlNode *st = ssp != NULL ? gw_xml_first_elem(ssp) : NULL;
    xmlNode *scv2 = st != NULL ? gw_xml_next_elem(st) : NULL;
    xmlNode *cert = scv2 != NULL ? gw_xml_first_elem(scv2) : NULL;
    xmlNode *cd = cert != NULL ? gw_xml_first_elem(cert) : NULL;
    xmlNode *is = cd != NULL ? gw_xml_next_elem(cd) : NULL;
    xmlNode *dm = cd != NULL ? gw_xml_first_elem(cd) : NULL;
    xmlNode *dv = dm != NULL ? gw_xml_next_elem(dm) : NULL;
    const char *sig_id = gw_xml_attr(sig, "Id");
    const char *target = NULL;

    GW_CHECK(gw_xml_only_attrs(object, attrs_none) && element_only(object) &&
                 is_xades(qp, "QualifyingProperties") && gw_xml_next_elem(qp) == NULL,
             GW_EPOLICY, GW_R_SIG_OBJECT, "ds:Object may hold one xades:QualifyingProperties and nothing else");
    GW_CHECK(gw_xml_only_attrs(qp, attrs_target) && element_only(qp), GW_EPOLICY, GW_R_XADES_STRUCTURE,
             "QualifyingProperties may carry only Target and elements");
    target = gw_xml_attr(qp, "Target");
    GW_CHECK(id_ok(sig_id), GW_EPOLICY, GW_R_XADES_REFERENCE,
             "a signature with qualifying properties needs an Id (letters, digits, '_', '-', '.'; at most %u)",
             ID_MAX);
    GW_CHECK(target != NULL && target[0] == '#' && strcmp(target + 1, sig_id) == 0, GW_EPOLICY,
             GW_R_XADES_REFERENCE, "QualifyingProperties Target is %.80s, not \"#%s\" (this signature)",
             target != NULL ? target : "absent", sig_id);
    GW_CHECK(is_xades(sp, "SignedProperties"), GW_EPOLICY, GW_R_XADES_STRUCTURE,
             "QualifyingProperties must start with SignedProperties");
    /* B-T: UnsignedProperties with one SignatureTimeStamp, nothing else (the token carries its own proof) */
    GW_CHECK(gw_xml_next_elem(sp) == NULL || is_xades(gw_xml_next_elem(sp), "UnsignedProperties"), GW_EPOLICY,
             GW_R_XADES_STRUCTURE, "SignedProperties may be followed by UnsignedProperties only");
    if (gw_xml_next_elem(sp) != NULL) {
        GW_TRY(check_unsigned(gw_xml_next_elem(sp), p, err));
    }
    GW_CHECK(gw_xml_only_attrs(sp, attrs_id) && element_only(sp) && id_ok(gw_xml_attr(sp, "Id")), GW_EPOLICY,
             GW_R_XADES_STRUCTURE,
             "SignedProperties needs an Id (letters, digits, '_', '-', '.') and no other attribute");
    GW_CHECK(is_xades(ssp, "SignedSignatureProperties") && gw_xml_next_elem(ssp) == NULL &&
                 gw_xml_only_attrs(ssp, attrs_none) && element_only(ssp),
             GW_EPOLICY, GW_R_XADES_STRUCTURE,
             "SignedProperties must hold exactly one SignedSignatureProperties (no SignedDataObjectProperties)");
    GW_CHECK(is_xades(st, "SigningTime") && gw_xml_only_attrs(st, attrs_none) && text_only(st), GW_EPOLICY,
             GW_R_XADES_STRUCTURE, "SignedSignatureProperties must start with SigningTime");
    GW_CHECK(is_xades(scv2, "SigningCertificateV2") && gw_xml_next_elem(scv2) == NULL &&
                 gw_xml_only_attrs(scv2, attrs_none) && element_only(scv2),
             GW_EPOLICY, GW_R_XADES_STRUCTURE,
             "SigningTime must be followed by SigningCertificateV2 and nothing else (no policy, no roles)");
    GW_CHECK(is_xades(cert, "Cert") && gw_xml_next_elem(cert) == NULL && gw_xml_only_attrs(cert, attrs_none) &&
                 element_only(cert),
             GW_EPOLICY, GW_R_XADES_STRUCTURE, "SigningCertificateV2 must hold exactly one Cert (the signer's)");
    GW_CHECK(is_xades(cd, "CertDigest") && gw_xml_only_attrs(cd, attrs_none) && element_only(cd), GW_EPOLICY,
             GW_R_XADES_STRUCTURE, "Cert must start with CertDigest");
    GW_CHECK(is == NULL || (is_xades(is, "IssuerSerialV2") && gw_xml_next_elem(is) == NULL &&
                            gw_xml_only_attrs(is, attrs_none) && text_only(is)),
             GW_EPOLICY, GW_R_XADES_STRUCTURE, "CertDigest may be followed by one IssuerSerialV2 only");
    GW_CHECK(is_dsig(dm, "DigestMethod") && gw_xml_only_attrs(dm, attrs_alg) && text_only(dm) &&
                 is_dsig(dv, "DigestValue") && gw_xml_only_attrs(dv, attrs_none) && text_only(dv) &&
                 gw_xml_next_elem(dv) == NULL,
             GW_EPOLICY, GW_R_XADES_STRUCTURE, "CertDigest must hold ds:DigestMethod and ds:DigestValue");
    GW_CHECK(md_of(gw_xml_attr(dm, "Algorithm")) != NULL, GW_EPOLICY, GW_R_SIG_ALGORITHM,
             "CertDigest method %s is not allowed (SHA-256 or stronger only)",
             gw_xml_attr(dm, "Algorithm") != NULL ? gw_xml_attr(dm, "Algorithm") : "(none)");
    p->object = object;
    p->signed_prop = sp;
    p->signing_time = st;
    p->cert_digest_method = dm;
    p->cert_digest_value = dv;
    p->issuer_serial = is;
    p->sp_id = gw_xml_attr(sp, "Id");
    p->signature_value = gw_xml_next_elem(gw_xml_first_elem(sig));
    rc = GW_OK;
out:
    return rc;
}

enum gw_rc
gw_xades_check_structure(xmlDoc *doc, xmlNode *sig, xmlNode *ref2, xmlNode *object, struct gw_xades_parts *out,
                         struct gw_err *err)
{
    enum gw_rc rc = GW_EPOLICY;
    struct gw_xades_parts p = {0};

    if (ref2 == NULL && object == NULL) {
        *out = p;
        return GW_OK;
    }
    GW_CHECK(object != NULL, GW_EPOLICY, GW_R_XADES_REFERENCE,
             "a SignedProperties Reference but no ds:Object with QualifyingProperties");
    GW_TRY(check_properties(sig, object, &p, err));
    GW_CHECK(ref2 != NULL, GW_EPOLICY, GW_R_XADES_REFERENCE,
             "SignedProperties %s is not covered by a Reference (no second Reference in SignedInfo)", p.sp_id);
    GW_TRY(check_reference(ref2, p.sp_id, err));
    GW_TRY(check_unique_ids(doc, err));
    p.reference = ref2;
    *out = p;
    rc = GW_OK;
out:
    return rc;
}

enum gw_rc
gw_xades_check_verified(xmlDoc *doc, const struct gw_xades_parts *parts, X509 *cert, int64_t now,
                        struct gw_xades_info *out, struct gw_err *err)
{
    enum gw_rc rc = GW_EPOLICY;
    struct gw_xades_info info = *out;
    xmlAttr *id = NULL;
    char *when = NULL;
    size_t when_len;
    unsigned char *got = NULL;
    size_t got_len = 0;
    unsigned char *want = NULL;
    size_t want_len = 0;
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_len = 0;
    const EVP_MD *md;

    if (parts->reference == NULL) {
        snprintf(info.level, sizeof(info.level), "none");
        *out = info;
        return GW_OK;
    }
    /* the node xmlsec digested (first registration of the Id) must be the node checked above */
    id = xmlGetID(doc, (const xmlChar *)parts->sp_id);
    GW_CHECK(id != NULL && id->parent == parts->signed_prop, GW_EPOLICY, GW_R_XADES_REFERENCE,
             "Id %s resolves to another element than this signature's SignedProperties", parts->sp_id);
    when = gw_xml_text(parts->signing_time);
    GW_CHECK(when != NULL, GW_ENOMEM, GW_R_NOMEM, "SigningTime");
    when_len = strlen(when);
    /* EN 319 132-1 5.2.1: UTC; strict xs:dateTime, no white space, zone Z */
    GW_CHECK(when_len > 0 && when[when_len - 1] == 'Z' &&
                 gw_parse_datetime(when, when_len, &info.signing_time) == GW_OK,
             GW_EPOLICY, GW_R_XADES_SIGNING_TIME,
             "SigningTime \"%.40s\" is not a UTC xs:dateTime (YYYY-MM-DDThh:mm:ssZ)", when);
    GW_CHECK(info.signing_time <= now + GW_XADES_SKEW_SECONDS, GW_EPOLICY, GW_R_XADES_SIGNING_TIME,
             "SigningTime %s lies in the future (more than %d s ahead of this clock)", when,
             GW_XADES_SKEW_SECONDS);
    md = md_of(gw_xml_attr(parts->cert_digest_method, "Algorithm"));
    GW_CHECK(md != NULL, GW_EPOLICY, GW_R_SIG_ALGORITHM, "CertDigest method not allowed");
    GW_CHECK(X509_digest(cert, md, digest, &digest_len) == 1, GW_ECRYPTO, GW_R_INTERNAL,
             "cannot digest the signer certificate");
    GW_TRY(b64_decode(parts->cert_digest_value, B64_MAX, GW_R_XADES_CERT_DIGEST, &got, &got_len, err));
    GW_CHECK(got_len == digest_len && CRYPTO_memcmp(got, digest, digest_len) == 0, GW_EPOLICY,
             GW_R_XADES_CERT_DIGEST,
             "SigningCertificateV2 CertDigest is not the digest of the signer certificate");
    if (parts->issuer_serial != NULL) {
        free(got);
        got = NULL;
        GW_TRY(b64_decode(parts->issuer_serial, B64_MAX, GW_R_XADES_CERT_DIGEST, &got, &got_len, err));
        GW_TRY(issuer_serial_der(cert, &want, &want_len, err));
        GW_CHECK(got_len == want_len && CRYPTO_memcmp(got, want, want_len) == 0, GW_EPOLICY,
                 GW_R_XADES_CERT_DIGEST,
                 "SigningCertificateV2 IssuerSerialV2 is not the signer certificate's issuer and serial number");
    }
    /* EN 319 132-1: the timestamp proves the signature existed then; it cannot predate the claimed signing */
    GW_CHECK(!info.timestamped || info.signing_time <= info.timestamp_time + GW_XADES_SKEW_SECONDS, GW_EPOLICY,
             GW_R_XADES_TIMESTAMP, "SigningTime %s is after the signature timestamp's time", when);
    info.present = true;
    snprintf(info.level, sizeof(info.level), info.timestamped ? "B-T" : "B-B");
    *out = info;
    rc = GW_OK;
out:
    free(when);
    free(got);
    OPENSSL_free(want);
    return rc;
}

/* libxml2 C14N visibility: a node is rendered if it lies in the subtree of the element in user_data. */
static int
in_subtree(void *user_data, xmlNodePtr node, xmlNodePtr parent)
{
    const xmlNode *top = user_data;

    for (const xmlNode *n = node->type == XML_NAMESPACE_DECL ? parent : node; n != NULL; n = n->parent) {
        if (n == top) {
            return 1;
        }
    }
    return 0;
}

static int
digest_write(void *ctx, const char *buf, int len)
{
    return len >= 0 && EVP_DigestUpdate(ctx, buf, (size_t)len) == 1 ? len : -1;
}

/* SHA-256 of the canonical form of element (c14n_uri: exclusive or inclusive C14N 1.0 without comments;
 * NULL is inclusive C14N 1.0, the default of EN 319 132-1), streamed into the digest. */
static enum gw_rc
c14n_digest(xmlDoc *doc, xmlNode *element, const char *c14n_uri, unsigned char out[GW_TSP_DIGEST_LEN],
            struct gw_err *err)
{
    enum gw_rc rc = GW_ECRYPTO;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    xmlOutputBufferPtr ob = NULL;
    bool exclusive = c14n_uri != NULL && strcmp(c14n_uri, GW_URI_EXC_C14N) == 0;
    unsigned int len = 0;
    int n;

    GW_CHECK(c14n_uri == NULL || gw_dsig_allowed(GW_ALG_C14N, c14n_uri) != NULL, GW_EPOLICY, GW_R_SIG_ALGORITHM,
             "canonicalization %s is not allowed", c14n_uri);
    GW_CHECK(md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1, GW_ENOMEM, GW_R_NOMEM, "digest");
    ob = xmlOutputBufferCreateIO(digest_write, NULL, md, NULL);
    GW_CHECK(ob != NULL, GW_ENOMEM, GW_R_NOMEM, "C14N output");
    n = xmlC14NExecute(doc, in_subtree, element, exclusive ? XML_C14N_EXCLUSIVE_1_0 : XML_C14N_1_0, NULL, 0, ob);
    GW_CHECK(n >= 0, GW_ECRYPTO, GW_R_INTERNAL, "cannot canonicalise %s", (const char *)element->name);
    GW_CHECK(xmlOutputBufferClose(ob) >= 0, GW_ECRYPTO, GW_R_INTERNAL, "C14N output");
    ob = NULL;
    GW_CHECK(EVP_DigestFinal_ex(md, out, &len) == 1 && len == GW_TSP_DIGEST_LEN, GW_ECRYPTO, GW_R_INTERNAL,
             "digest");
    rc = GW_OK;
out:
    if (ob != NULL) {
        (void)xmlOutputBufferClose(ob);
    }
    EVP_MD_CTX_free(md);
    return rc;
}

enum gw_rc
gw_xades_check_timestamp(xmlDoc *doc, const struct gw_xades_parts *parts, X509_STORE *tsa_store, int64_t now,
                         struct gw_xades_info *info, struct gw_err *err)
{
    enum gw_rc rc = GW_EPOLICY;
    unsigned char digest[GW_TSP_DIGEST_LEN];
    unsigned char *der = NULL;
    size_t der_len = 0;
    struct gw_tsp_token tok = {0};

    if (parts->timestamp == NULL) {
        return GW_OK;
    }
    if (tsa_store == NULL) {
        info->timestamp_unchecked = true;
        return GW_OK;
    }
    GW_CHECK(parts->signature_value != NULL, GW_EPOLICY, GW_R_XADES_STRUCTURE, "no SignatureValue");
    GW_TRY(c14n_digest(doc, parts->signature_value, parts->timestamp_c14n, digest, err));
    GW_TRY(b64_decode(parts->timestamp, TOKEN_B64_MAX, GW_R_XADES_TIMESTAMP, &der, &der_len, err));
    GW_TRY(gw_tsp_check_token(digest, der, der_len, tsa_store, now, &tok, err));
    info->timestamped = true;
    info->timestamp_unchecked = false;
    info->timestamp_time = tok.gen_time;
    snprintf(info->tsa_subject, sizeof(info->tsa_subject), "%s", tok.tsa_subject);
    rc = GW_OK;
out:
    if (rc != GW_OK) {
        gw_err_where(err, "SignatureTimeStamp");
    }
    gw_tsp_token_cleanup(&tok);
    free(der);
    return rc;
}

/* Add UnsignedProperties/UnsignedSignatureProperties/SignatureTimeStamp with the token to qp. */
static enum gw_rc
add_timestamp(xmlNode *qp, const unsigned char *der, size_t len, struct gw_err *err)
{
    enum gw_rc rc = GW_ENOMEM;
    char *b64 = NULL;
    xmlNode *up = NULL;
    xmlNode *sts;
    xmlNode *cm;
    xmlNs *ds = NULL;

    GW_CHECK(len <= GW_MAX_TSP_REPLY_BYTES, GW_ELIMIT, GW_R_LIMIT_SIZE, "token too large");
    b64 = malloc(4 * ((len + 2) / 3) + 1);
    GW_CHECK(b64 != NULL, GW_ENOMEM, GW_R_NOMEM, "base64");
    (void)EVP_EncodeBlock((unsigned char *)b64, der, (int)len);
    ds = xmlSearchNsByHref(qp->doc, qp, (const xmlChar *)GW_NS_DSIG);
    GW_CHECK(ds != NULL, GW_EINTERNAL, GW_R_INTERNAL, "no ds namespace in scope");
    up = xmlNewDocNode(qp->doc, qp->ns, (const xmlChar *)"UnsignedProperties", NULL);
    GW_CHECK(up != NULL, GW_ENOMEM, GW_R_NOMEM, "UnsignedProperties");
    sts = add(up, qp->ns, "UnsignedSignatureProperties", NULL);
    sts = sts != NULL ? add(sts, qp->ns, "SignatureTimeStamp", NULL) : NULL;
    cm = sts != NULL ? add(sts, ds, "CanonicalizationMethod", NULL) : NULL;
    GW_CHECK(cm != NULL &&
                 xmlSetProp(cm, (const xmlChar *)"Algorithm", (const xmlChar *)GW_URI_EXC_C14N) != NULL &&
                 add(sts, qp->ns, "EncapsulatedTimeStamp", b64) != NULL,
             GW_ENOMEM, GW_R_NOMEM, "SignatureTimeStamp");
    GW_CHECK(xmlAddChild(qp, up) != NULL, GW_ENOMEM, GW_R_NOMEM, "UnsignedProperties");
    up = NULL;
    rc = GW_OK;
out:
    xmlFreeNode(up);
    free(b64);
    return rc;
}

/* One TSA: request, POST, check. OUT: *tok. */
static enum gw_rc
ask_tsa(const char *url, const unsigned char digest[GW_TSP_DIGEST_LEN], X509_STORE *tsa_store, long timeout_ms,
        int64_t now, struct gw_tsp_token *tok, struct gw_err *err)
{
    enum gw_rc rc = GW_EIO;
    struct gw_tsp_req req = {0};
    struct gw_buf reply;

    gw_buf_init(&reply, GW_MAX_TSP_REPLY_BYTES);
    GW_TRY(gw_tsp_request_new(digest, &req, err));
    GW_TRY(gw_tsa_client_post(url, req.der, req.der_len, timeout_ms, &reply, err));
    GW_TRY(gw_tsp_check_reply(&req, reply.data, reply.len, tsa_store, now, tok, err));
    rc = GW_OK;
out:
    if (rc != GW_OK) {
        gw_err_where(err, "TSA %s", url);
    }
    gw_buf_cleanup(&reply);
    gw_tsp_req_cleanup(&req);
    return rc;
}

enum gw_rc
gw_xades_timestamp(xmlDoc *doc, const char *const *urls, size_t n_urls, X509_STORE *tsa_store, long timeout_ms,
                   int64_t now, int64_t *gen_time, struct gw_err *err)
{
    enum gw_rc rc = GW_EPOLICY;
    xmlNode *root = xmlDocGetRootElement(doc);
    xmlNode *sig = NULL;
    xmlNode *value = NULL;
    xmlNode *obj = NULL;
    xmlNode *qp = NULL;
    unsigned char digest[GW_TSP_DIGEST_LEN];
    struct gw_tsp_token tok = {0};
    struct gw_err last;
    bool got = false;

    for (xmlNode *c = gw_xml_first_elem(root); c != NULL; c = gw_xml_next_elem(c)) {
        sig = c;
    }
    value = is_dsig(sig, "Signature") ? gw_xml_next_elem(gw_xml_first_elem(sig)) : NULL;
    for (xmlNode *c = value; c != NULL; c = gw_xml_next_elem(c)) {
        obj = gw_xades_is_object(c) ? c : obj;
    }
    qp = obj != NULL ? gw_xml_first_elem(obj) : NULL;
    GW_CHECK(is_dsig(value, "SignatureValue") && qp != NULL && gw_xml_next_elem(gw_xml_first_elem(qp)) == NULL,
             GW_EINPUT, GW_R_XADES_STRUCTURE, "the document has no XAdES B-B signature to timestamp");
    GW_CHECK(n_urls > 0, GW_ECONFIG, GW_R_CONFIG, "no TSA URL");
    GW_TRY(c14n_digest(doc, value, GW_URI_EXC_C14N, digest, err));
    gw_err_clear(&last);
    /* failover in the configured order: a TSA that is down, rate-limited or wrong does not stop the next */
    for (size_t i = 0; i < n_urls && !got; i++) {
        gw_err_clear(&last);
        got = ask_tsa(urls[i], digest, tsa_store, timeout_ms, now, &tok, &last) == GW_OK;
    }
    if (!got) {
        *err = last;
        rc = last.rc != GW_OK ? last.rc : GW_EIO;
        goto out;
    }
    GW_TRY(add_timestamp(qp, tok.der, tok.der_len, err));
    *gen_time = tok.gen_time;
    rc = GW_OK;
out:
    gw_tsp_token_cleanup(&tok);
    return rc;
}

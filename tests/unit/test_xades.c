// SPDX-License-Identifier: MIT
/*
 * Unit tests of xades.c through sign.c and verify.c: a signed message carries XAdES B-B signed properties
 * (SigningTime near now, SigningCertificateV2 of the signer) that verify; a plain enveloped signature (no
 * properties) still verifies; every structural rule of the XAdES part of DESIGN §3 broken once on a signed
 * document (xades_structure_*), and the checks after cryptography broken on a document signed again after the
 * change, so that only the rule under test can refuse it (xades_resigned_*).
 */
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xmlsec/crypto.h>
#include <xmlsec/xmldsig.h>

#include "gw/dsig.h"
#include "gw/sign.h"
#include "gw/tsp.h"
#include "gw/verify.h"
#include "gw/xades.h"
#include "t.h"
#include "t_sign.h"

#define PKI_DIR "tests/pki/"
#define DECISION_LUDZA "examples/decision-ludza.xml"

/* Compute the digests and the signature value of the signature in doc again, with Ludza's key: the
 * document is then validly signed as it stands. */
static bool
resign(xmlDoc *doc)
{
    xmlNode *sig = t_find(xmlDocGetRootElement(doc), GW_NS_DSIG, "Signature");
    xmlSecDSigCtxPtr ctx = xmlSecDSigCtxCreate(NULL);
    bool ok = false;

    if (sig == NULL || ctx == NULL) {
        goto out;
    }
    ctx->signKey = xmlSecCryptoAppKeyLoad(PKI_DIR "ludza.key.pem", xmlSecKeyDataFormatPem, NULL, NULL, NULL);
    ctx->enabledReferenceUris = xmlSecTransformUriTypeEmpty | xmlSecTransformUriTypeSameDocument;
    ok = ctx->signKey != NULL && xmlSecDSigCtxSign(ctx, sig) >= 0;
out:
    if (ctx != NULL) {
        xmlSecDSigCtxDestroy(ctx);
    }
    return ok;
}

static xmlNode *
find(xmlDoc *doc, const char *ns, const char *local)
{
    return t_find(xmlDocGetRootElement(doc), ns, local);
}

/* The nth (0-based) element with this name in document order. */
static xmlNode *
find_nth(xmlDoc *doc, const char *ns, const char *local, int nth)
{
    xmlNode *n = find(doc, ns, local);

    for (int i = 0; i < nth && n != NULL; i++) {
        n = t_find(n->next, ns, local);
    }
    return n;
}

static xmlNode *
signed_props_ref(xmlDoc *doc)
{
    return find_nth(doc, GW_NS_DSIG, "Reference", 1);
}

static bool
set_attr(xmlNode *n, const char *name, const char *value)
{
    return n != NULL && xmlSetProp(n, (const xmlChar *)name, (const xmlChar *)value) != NULL;
}

static bool
set_text(xmlNode *n, const char *text)
{
    if (n == NULL) {
        return false;
    }
    xmlNodeSetContent(n, (const xmlChar *)text);
    return true;
}

static bool
drop(xmlNode *n)
{
    if (n == NULL) {
        return false;
    }
    xmlUnlinkNode(n);
    xmlFreeNode(n);
    return true;
}

static bool
add_after(xmlNode *n, xmlNode *copy)
{
    return n != NULL && copy != NULL && xmlAddNextSibling(n, copy) != NULL;
}

static bool
add_xades_child(xmlNode *parent, const char *local)
{
    xmlNode *qp = parent;

    while (qp != NULL && !gw_xml_is(qp, GW_NS_XADES, "QualifyingProperties")) {
        qp = qp->parent;
    }
    return parent != NULL && qp != NULL && xmlNewChild(parent, qp->ns, (const xmlChar *)local, NULL) != NULL;
}

/* Verify with the test trust anchors and expect reason (t_expect_verify_fail). */
static void
expect_verify_fail(struct t *t, xmlDoc *doc, enum gw_reason reason, const char *file, int line)
{
    struct gw_err err;
    struct gw_pki *pki = NULL;

    gw_err_clear(&err);
    if (t_load_pki(&pki, &err) != GW_OK) {
        t_fail(t, file, line, "trust anchors: %s", err.msg);
        return;
    }
    t_expect_verify_fail(t, pki, doc, reason, file, line);
    gw_pki_free(pki);
}

#define VERIFY_FAILS(doc, reason)                                                                                 \
    do {                                                                                                          \
        expect_verify_fail(t, (doc), (reason), __FILE__, __LINE__);                                               \
        if (t->failed) {                                                                                          \
            goto out;                                                                                             \
        }                                                                                                         \
    } while (0)

/* A signed message carries B-B properties: SigningTime within the signing call, the signer's certificate. */
static void
test_round_trip(struct t *t)
{
    struct gw_err err;
    struct gw_pki *pki = NULL;
    xmlDoc *doc = NULL;
    struct gw_verified v = {0};
    int64_t before = (int64_t)time(NULL);
    int64_t after;
    xmlNode *ref;

    EXPECT_OK(t_signed_decision(&doc, &err), &err);
    after = (int64_t)time(NULL);
    EXPECT_OK(t_load_pki(&pki, &err), &err);
    EXPECT_OK(gw_verify_message(pki, t->schemas, doc, "signed.xml", &v, &err), &err);
    EXPECT_TRUE(v.xades.present);
    EXPECT_TRUE(strcmp(v.xades.level, "B-B") == 0);
    EXPECT_TRUE(v.xades.signing_time >= before && v.xades.signing_time <= after);
    ref = signed_props_ref(doc);
    EXPECT_TRUE(ref != NULL && gw_xml_attr(ref, "Type") != NULL &&
                strcmp(gw_xml_attr(ref, "Type"), GW_URI_XADES_SIGNED_PROPERTIES) == 0);
    EXPECT_TRUE(find(doc, GW_NS_XADES, "IssuerSerialV2") != NULL);
out:
    gw_verified_cleanup(&v);
    gw_pki_free(pki);
    xmlFreeDoc(doc);
}

/* Systems that sign for themselves with a plain enveloped signature keep verifying (level "none"). */
static void
test_plain_signature(struct t *t)
{
    struct gw_err err;
    struct gw_pki *pki = NULL;
    xmlDoc *doc = NULL;
    struct gw_verified v = {0};
    xmlNode *sig;

    EXPECT_OK(t_signed_decision(&doc, &err), &err);
    sig = find(doc, GW_NS_DSIG, "Signature");
    EXPECT_TRUE(drop(signed_props_ref(doc)) && drop(find(doc, GW_NS_DSIG, "Object")));
    EXPECT_TRUE(sig != NULL && xmlUnsetProp(sig, (const xmlChar *)"Id") == 0);
    EXPECT_TRUE(resign(doc));
    EXPECT_OK(t_load_pki(&pki, &err), &err);
    EXPECT_OK(gw_verify_message(pki, t->schemas, doc, "signed.xml", &v, &err), &err);
    EXPECT_TRUE(!v.xades.present && strcmp(v.xades.level, "none") == 0);
out:
    gw_verified_cleanup(&v);
    gw_pki_free(pki);
    xmlFreeDoc(doc);
}

/* IssuerSerialV2 is optional (libdigidocpp leaves it out): without it, a re-signed document verifies. */
static void
test_no_issuer_serial(struct t *t)
{
    struct gw_err err;
    struct gw_pki *pki = NULL;
    xmlDoc *doc = NULL;
    struct gw_verified v = {0};

    EXPECT_OK(t_signed_decision(&doc, &err), &err);
    EXPECT_TRUE(drop(find(doc, GW_NS_XADES, "IssuerSerialV2")));
    EXPECT_TRUE(resign(doc));
    EXPECT_OK(t_load_pki(&pki, &err), &err);
    EXPECT_OK(gw_verify_message(pki, t->schemas, doc, "signed.xml", &v, &err), &err);
    EXPECT_TRUE(v.xades.present);
out:
    gw_verified_cleanup(&v);
    gw_pki_free(pki);
    xmlFreeDoc(doc);
}

/* The signed properties are signed: changing one without signing again breaks the second digest. */
static void
test_tampered_signing_time(struct t *t)
{
    struct gw_err err;
    xmlDoc *doc = NULL;

    EXPECT_OK(t_signed_decision(&doc, &err), &err);
    EXPECT_TRUE(set_text(find(doc, GW_NS_XADES, "SigningTime"), "2020-01-01T00:00:00Z"));
    VERIFY_FAILS(doc, GW_R_DIGEST_MISMATCH);
out:
    xmlFreeDoc(doc);
}

/* The signer refuses a document in which an Id already occurs twice (the verifier would refuse it). */
static void
test_sign_duplicate_id(struct t *t)
{
    struct gw_err err;
    struct gw_signer *ludza = NULL;
    xmlDoc *doc = NULL;
    xmlNode *root;

    EXPECT_OK(
        gw_signer_load(PKI_DIR "ludza.key.pem", PKI_DIR "ludza.pem", PKI_DIR "chain.pem", false, &ludza, &err),
        &err);
    EXPECT_OK(t_load_doc(DECISION_LUDZA, &doc, &err), &err);
    root = xmlDocGetRootElement(doc);
    EXPECT_TRUE(set_attr(gw_xml_first_elem(root), "Id", "x") &&
                set_attr(gw_xml_next_elem(gw_xml_first_elem(root)), "ID", "x"));
    EXPECT_FAIL(gw_signer_sign(ludza, doc, "t.xml", &err), &err, GW_R_XADES_DUPLICATE_ID);
    EXPECT_TRUE(find(doc, GW_NS_DSIG, "Signature") == NULL);
out:
    xmlFreeDoc(doc);
    gw_signer_free(ludza);
}

/* One mutation of a signed document, the reason verification must give, and whether to sign again. */
struct mutation {
    bool (*apply)(xmlDoc *doc);
    enum gw_reason reason;
    bool resign;
};

static void
test_mutation(struct t *t)
{
    const struct mutation *m = t->arg;
    struct gw_err err;
    xmlDoc *doc = NULL;

    EXPECT_OK(t_signed_decision(&doc, &err), &err);
    EXPECT_TRUE(m->apply(doc));
    if (m->resign) {
        EXPECT_TRUE(resign(doc));
    }
    VERIFY_FAILS(doc, m->reason);
out:
    xmlFreeDoc(doc);
}

static const char *
sp_id(xmlDoc *doc)
{
    return gw_xml_attr(find(doc, GW_NS_XADES, "SignedProperties"), "Id");
}

static bool
mut_ref_uri_other(xmlDoc *doc)
{
    return set_attr(signed_props_ref(doc), "URI", "#S-other");
}

static bool
mut_ref_uri_xpointer(xmlDoc *doc)
{
    char uri[160];

    snprintf(uri, sizeof(uri), "#xpointer(id('%s'))", sp_id(doc));
    return set_attr(signed_props_ref(doc), "URI", uri);
}

static bool
mut_ref_uri_absent(xmlDoc *doc)
{
    return xmlUnsetProp(signed_props_ref(doc), (const xmlChar *)"URI") == 0;
}

static bool
mut_ref_foreign_attr(xmlDoc *doc)
{
    return set_attr(signed_props_ref(doc), "MimeType", "text/xml");
}

static bool
mut_ref_other_type(xmlDoc *doc)
{
    return set_attr(signed_props_ref(doc), "Type", "http://www.w3.org/2000/09/xmldsig#Object");
}

static bool
mut_ref_no_transform(xmlDoc *doc)
{
    return drop(t_find(signed_props_ref(doc), GW_NS_DSIG, "Transforms"));
}

static bool
mut_ref_two_transforms(xmlDoc *doc)
{
    xmlNode *tr = t_find(signed_props_ref(doc), GW_NS_DSIG, "Transform");

    return add_after(tr, xmlDocCopyNode(tr, doc, 1));
}

static bool
mut_ref_transform_xslt(xmlDoc *doc)
{
    return set_attr(t_find(signed_props_ref(doc), GW_NS_DSIG, "Transform"), "Algorithm",
                    "http://www.w3.org/TR/1999/REC-xslt-19991116");
}

static bool
mut_ref_digest_sha1(xmlDoc *doc)
{
    return set_attr(t_find(signed_props_ref(doc), GW_NS_DSIG, "DigestMethod"), "Algorithm",
                    "http://www.w3.org/2000/09/xmldsig#sha1");
}

static bool
mut_ref_missing(xmlDoc *doc)
{
    return drop(signed_props_ref(doc));
}

static bool
mut_object_missing(xmlDoc *doc)
{
    return drop(find(doc, GW_NS_DSIG, "Object"));
}

static bool
mut_object_two(xmlDoc *doc)
{
    xmlNode *obj = find(doc, GW_NS_DSIG, "Object");

    return add_after(obj, xmlDocCopyNode(obj, doc, 1));
}

static bool
mut_object_extra_child(xmlDoc *doc)
{
    xmlNode *obj = find(doc, GW_NS_DSIG, "Object");

    return obj != NULL && xmlNewChild(obj, obj->ns, (const xmlChar *)"Manifest", NULL) != NULL;
}

static bool
mut_object_attr(xmlDoc *doc)
{
    return set_attr(find(doc, GW_NS_DSIG, "Object"), "Id", "o1");
}

static bool
mut_target_other(xmlDoc *doc)
{
    return set_attr(find(doc, GW_NS_XADES, "QualifyingProperties"), "Target", "#S-other");
}

static bool
mut_signature_no_id(xmlDoc *doc)
{
    return xmlUnsetProp(find(doc, GW_NS_DSIG, "Signature"), (const xmlChar *)"Id") == 0;
}

static bool
mut_qp_attr(xmlDoc *doc)
{
    return set_attr(find(doc, GW_NS_XADES, "QualifyingProperties"), "Id", "q1");
}

static bool
mut_qp_text(xmlDoc *doc)
{
    xmlNode *qp = find(doc, GW_NS_XADES, "QualifyingProperties");

    return qp != NULL && xmlAddChild(qp, xmlNewDocText(doc, (const xmlChar *)"unsigned words")) != NULL;
}

static bool
mut_unsigned_properties(xmlDoc *doc)
{
    return add_xades_child(find(doc, GW_NS_XADES, "QualifyingProperties"), "UnsignedProperties");
}

static bool
mut_two_signed_properties(xmlDoc *doc)
{
    xmlNode *sp = find(doc, GW_NS_XADES, "SignedProperties");

    return add_after(sp, xmlDocCopyNode(sp, doc, 1));
}

static bool
mut_sp_bad_id(xmlDoc *doc)
{
    return set_attr(find(doc, GW_NS_XADES, "SignedProperties"), "Id", "1 bad");
}

static bool
mut_data_object_properties(xmlDoc *doc)
{
    return add_xades_child(find(doc, GW_NS_XADES, "SignedProperties"), "SignedDataObjectProperties");
}

static bool
mut_signing_time_missing(xmlDoc *doc)
{
    return drop(find(doc, GW_NS_XADES, "SigningTime"));
}

static bool
mut_policy_added(xmlDoc *doc)
{
    return add_xades_child(find(doc, GW_NS_XADES, "SignedSignatureProperties"), "SignaturePolicyIdentifier");
}

static bool
mut_two_certs(xmlDoc *doc)
{
    xmlNode *c = find(doc, GW_NS_XADES, "Cert");

    return add_after(c, xmlDocCopyNode(c, doc, 1));
}

static bool
mut_two_issuer_serials(xmlDoc *doc)
{
    xmlNode *c = find(doc, GW_NS_XADES, "IssuerSerialV2");

    return add_after(c, xmlDocCopyNode(c, doc, 1));
}

static bool
mut_cert_digest_sha1(xmlDoc *doc)
{
    return set_attr(t_find(find(doc, GW_NS_XADES, "CertDigest"), GW_NS_DSIG, "DigestMethod"), "Algorithm",
                    "http://www.w3.org/2000/09/xmldsig#sha1");
}

static bool
mut_cert_digest_no_value(xmlDoc *doc)
{
    return drop(t_find(find(doc, GW_NS_XADES, "CertDigest"), GW_NS_DSIG, "DigestValue"));
}

/* The SignedProperties Id put on an element of the envelope too (outside the signature). */
static bool
mut_duplicate_id_outside(xmlDoc *doc)
{
    return set_attr(gw_xml_first_elem(xmlDocGetRootElement(doc)), "Id", sp_id(doc));
}

static bool
mut_duplicate_xml_id(xmlDoc *doc)
{
    xmlNode *header = gw_xml_first_elem(xmlDocGetRootElement(doc));
    xmlNs *ns = header != NULL ? xmlSearchNsByHref(doc, header, XML_XML_NAMESPACE) : NULL;

    return ns != NULL && xmlSetNsProp(header, ns, (const xmlChar *)"id", (const xmlChar *)sp_id(doc)) != NULL;
}

static bool
mut_duplicate_signature_id(xmlDoc *doc)
{
    return set_attr(find(doc, GW_NS_DSIG, "KeyInfo"), "Id", gw_xml_attr(find(doc, GW_NS_DSIG, "Signature"), "Id"));
}

static bool
mut_signing_time_future(xmlDoc *doc)
{
    return set_text(find(doc, GW_NS_XADES, "SigningTime"), "2099-01-01T00:00:00Z");
}

static bool
mut_signing_time_no_zone(xmlDoc *doc)
{
    return set_text(find(doc, GW_NS_XADES, "SigningTime"), "2025-01-01T00:00:00");
}

static bool
mut_signing_time_offset(xmlDoc *doc)
{
    return set_text(find(doc, GW_NS_XADES, "SigningTime"), "2025-01-01T02:00:00+02:00");
}

static bool
mut_signing_time_space(xmlDoc *doc)
{
    return set_text(find(doc, GW_NS_XADES, "SigningTime"), " 2025-01-01T00:00:00Z");
}

static bool
mut_signing_time_feb30(xmlDoc *doc)
{
    return set_text(find(doc, GW_NS_XADES, "SigningTime"), "2025-02-30T00:00:00Z");
}

/* The digest of another certificate of the same organisation (Ludza's EC certificate). */
static bool
mut_cert_digest_other(xmlDoc *doc)
{
    FILE *f = fopen(PKI_DIR "ludza-ec.pem", "r");
    X509 *other = f != NULL ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    unsigned char md[32];
    unsigned int n = 0;
    unsigned char b64[64];
    bool ok = other != NULL && X509_digest(other, EVP_sha256(), md, &n) == 1 &&
              EVP_EncodeBlock(b64, md, (int)n) > 0 &&
              set_text(t_find(find(doc, GW_NS_XADES, "CertDigest"), GW_NS_DSIG, "DigestValue"), (const char *)b64);

    X509_free(other);
    if (f != NULL) {
        fclose(f);
    }
    return ok;
}

/* (a ds:DigestValue that is not base64 is a schema error: the dsig schema validates it even in ds:Object) */
static bool
mut_issuer_serial_bad_base64(xmlDoc *doc)
{
    return set_text(find(doc, GW_NS_XADES, "IssuerSerialV2"), "!!not base64!!");
}

/* An IssuerSerialV2 of the right issuer with another serial number (the last byte changed). */
static bool
mut_issuer_serial_other(xmlDoc *doc)
{
    xmlNode *is = find(doc, GW_NS_XADES, "IssuerSerialV2");
    char *text = is != NULL ? gw_xml_text(is) : NULL;
    size_t n = text != NULL ? strlen(text) : 0;
    bool ok = false;

    /* base64 of the DER: flip a character of the serial number's last bytes (before the padding) */
    if (n > 4) {
        size_t i = n - 1;
        while (i > 0 && text[i] == '=') {
            i--;
        }
        text[i - 1] = text[i - 1] == 'A' ? 'B' : 'A';
        ok = set_text(is, text);
    }
    free(text);
    return ok;
}

/* Make the document's Id lookup yield another element than the SignedProperties checked: a registration
 * that came first (as a schema- or DTD-typed ID would) under the same value, on KeyInfo's own Id. */
static bool
mut_id_registered_elsewhere(xmlDoc *doc)
{
    xmlNode *ki = find(doc, GW_NS_DSIG, "KeyInfo");
    const char *id = sp_id(doc);

    return set_attr(ki, "Id", "k1") &&
           xmlAddID(NULL, doc, (const xmlChar *)id, xmlHasProp(ki, (const xmlChar *)"Id")) != NULL;
}

/* UnsignedProperties/UnsignedSignatureProperties/SignatureTimeStamp with c14n (NULL: no CanonicalizationMethod)
 * and an EncapsulatedTimeStamp of text (NULL: none); returns the SignatureTimeStamp. Unsigned: the signature
 * stays valid. */
static xmlNode *
add_timestamp(xmlDoc *doc, const char *c14n, const char *text)
{
    xmlNode *qp = find(doc, GW_NS_XADES, "QualifyingProperties");
    xmlNode *n = qp != NULL ? xmlNewChild(qp, qp->ns, (const xmlChar *)"UnsignedProperties", NULL) : NULL;
    xmlNode *sig = find(doc, GW_NS_DSIG, "Signature");

    n = n != NULL ? xmlNewChild(n, qp->ns, (const xmlChar *)"UnsignedSignatureProperties", NULL) : NULL;
    n = n != NULL ? xmlNewChild(n, qp->ns, (const xmlChar *)"SignatureTimeStamp", NULL) : NULL;
    if (n != NULL && c14n != NULL && sig != NULL) {
        xmlNode *cm = xmlNewChild(n, sig->ns, (const xmlChar *)"CanonicalizationMethod", NULL);
        if (cm == NULL || !set_attr(cm, "Algorithm", c14n)) {
            return NULL;
        }
    }
    if (n != NULL && text != NULL &&
        xmlNewChild(n, qp->ns, (const xmlChar *)"EncapsulatedTimeStamp", (const xmlChar *)text) == NULL) {
        return NULL;
    }
    return n;
}

static bool
mut_timestamp_c14n_comments(xmlDoc *doc)
{
    return add_timestamp(doc, "http://www.w3.org/2001/10/xml-exc-c14n#WithComments", "MAA=") != NULL;
}

static bool
mut_timestamp_no_token(xmlDoc *doc)
{
    return add_timestamp(doc, GW_URI_EXC_C14N, NULL) != NULL;
}

static bool
mut_timestamp_two(xmlDoc *doc)
{
    xmlNode *sts = add_timestamp(doc, NULL, "MAA=");

    return add_after(sts, sts != NULL ? xmlDocCopyNode(sts, doc, 1) : NULL);
}

static bool
mut_timestamp_countersignature(xmlDoc *doc)
{
    xmlNode *sts = add_timestamp(doc, NULL, "MAA=");

    return sts != NULL && xmlNewChild(sts->parent, sts->ns, (const xmlChar *)"CounterSignature", NULL) != NULL;
}

static bool
mut_timestamp_token_after_text(xmlDoc *doc)
{
    xmlNode *sts = add_timestamp(doc, NULL, "MAA=");

    return sts != NULL && xmlAddChild(sts, xmlNewDocText(doc, (const xmlChar *)"words")) != NULL;
}

static const struct mutation timestamp_c14n_comments = {mut_timestamp_c14n_comments, GW_R_SIG_ALGORITHM, false};
static const struct mutation timestamp_no_token = {mut_timestamp_no_token, GW_R_XADES_STRUCTURE, false};
static const struct mutation timestamp_two = {mut_timestamp_two, GW_R_XADES_STRUCTURE, false};
static const struct mutation timestamp_countersignature = {mut_timestamp_countersignature, GW_R_XADES_STRUCTURE,
                                                           false};
static const struct mutation timestamp_text = {mut_timestamp_token_after_text, GW_R_XADES_STRUCTURE, false};

/* verify with a TSA store (any PEM of certificates will do for tokens that never get that far) */
static enum gw_rc
verify_opts(struct t *t, xmlDoc *doc, bool at, struct gw_verified *v, struct gw_err *err)
{
    struct gw_pki *pki = NULL;
    struct gw_verify_opts opts = {0};
    enum gw_rc rc = t_load_pki(&pki, err);

    if (rc == GW_OK) {
        rc = gw_tsp_load_anchors(PKI_DIR "trust.pem", &opts.tsa_store, err);
    }
    opts.at_signing_time = at;
    if (rc == GW_OK) {
        rc = gw_verify_message_opts(pki, t->schemas, doc, "signed.xml", &opts, v, err);
    }
    X509_STORE_free(opts.tsa_store);
    gw_pki_free(pki);
    return rc;
}

/* A timestamp is judged only with TSA anchors: without, it is reported unchecked and the signature is B-B;
 * with, a token that is not base64 or not DER is refused. */
static void
test_timestamp_checked_only_with_anchors(struct t *t)
{
    struct gw_err err;
    struct gw_pki *pki = NULL;
    xmlDoc *doc = NULL;
    struct gw_verified v = {0};

    EXPECT_OK(t_signed_decision(&doc, &err), &err);
    EXPECT_TRUE(add_timestamp(doc, GW_URI_EXC_C14N, "MAA=") != NULL);
    EXPECT_OK(t_load_pki(&pki, &err), &err);
    EXPECT_OK(gw_verify_message(pki, t->schemas, doc, "signed.xml", &v, &err), &err);
    EXPECT_TRUE(v.xades.timestamp_unchecked && !v.xades.timestamped && strcmp(v.xades.level, "B-B") == 0);
    gw_verified_cleanup(&v);
    EXPECT_FAIL(verify_opts(t, doc, false, &v, &err), &err, GW_R_TSA_MALFORMED);
    EXPECT_TRUE(set_text(find(doc, GW_NS_XADES, "EncapsulatedTimeStamp"), "!!"));
    EXPECT_FAIL(verify_opts(t, doc, false, &v, &err), &err, GW_R_XADES_TIMESTAMP);
out:
    gw_verified_cleanup(&v);
    gw_pki_free(pki);
    xmlFreeDoc(doc);
}

/* --at signing-time without a timestamp: nothing to take the time from. */
static void
test_at_signing_time_needs_timestamp(struct t *t)
{
    struct gw_err err;
    xmlDoc *doc = NULL;
    struct gw_verified v = {0};

    EXPECT_OK(t_signed_decision(&doc, &err), &err);
    EXPECT_FAIL(verify_opts(t, doc, true, &v, &err), &err, GW_R_XADES_TIMESTAMP);
    EXPECT_TRUE(strstr(err.msg, "no signature timestamp") != NULL);
out:
    gw_verified_cleanup(&v);
    xmlFreeDoc(doc);
}

static const struct mutation ref_uri_other = {mut_ref_uri_other, GW_R_XADES_REFERENCE, false};
static const struct mutation ref_uri_xpointer = {mut_ref_uri_xpointer, GW_R_XADES_REFERENCE, false};
static const struct mutation ref_uri_absent = {mut_ref_uri_absent, GW_R_XADES_REFERENCE, false};
static const struct mutation ref_foreign_attr = {mut_ref_foreign_attr, GW_R_XADES_REFERENCE, false};
static const struct mutation ref_other_type = {mut_ref_other_type, GW_R_SIG_REFERENCE, false};
static const struct mutation ref_no_transform = {mut_ref_no_transform, GW_R_SIG_TRANSFORM, false};
static const struct mutation ref_two_transforms = {mut_ref_two_transforms, GW_R_SIG_TRANSFORM, false};
static const struct mutation ref_transform_xslt = {mut_ref_transform_xslt, GW_R_SIG_TRANSFORM, false};
static const struct mutation ref_digest_sha1 = {mut_ref_digest_sha1, GW_R_SIG_ALGORITHM, false};
static const struct mutation ref_missing = {mut_ref_missing, GW_R_XADES_REFERENCE, false};
static const struct mutation object_missing = {mut_object_missing, GW_R_XADES_REFERENCE, false};
static const struct mutation object_two = {mut_object_two, GW_R_SIG_OBJECT, false};
static const struct mutation object_extra_child = {mut_object_extra_child, GW_R_SIG_OBJECT, false};
static const struct mutation object_attr = {mut_object_attr, GW_R_SIG_OBJECT, false};
static const struct mutation target_other = {mut_target_other, GW_R_XADES_REFERENCE, false};
static const struct mutation signature_no_id = {mut_signature_no_id, GW_R_XADES_REFERENCE, false};
static const struct mutation qp_attr = {mut_qp_attr, GW_R_XADES_STRUCTURE, false};
static const struct mutation qp_text = {mut_qp_text, GW_R_XADES_STRUCTURE, false};
static const struct mutation unsigned_properties = {mut_unsigned_properties, GW_R_XADES_STRUCTURE, false};
static const struct mutation two_signed_properties = {mut_two_signed_properties, GW_R_XADES_STRUCTURE, false};
static const struct mutation sp_bad_id = {mut_sp_bad_id, GW_R_XADES_STRUCTURE, false};
static const struct mutation data_object_properties = {mut_data_object_properties, GW_R_XADES_STRUCTURE, false};
static const struct mutation signing_time_missing = {mut_signing_time_missing, GW_R_XADES_STRUCTURE, false};
static const struct mutation policy_added = {mut_policy_added, GW_R_XADES_STRUCTURE, false};
static const struct mutation two_certs = {mut_two_certs, GW_R_XADES_STRUCTURE, false};
static const struct mutation two_issuer_serials = {mut_two_issuer_serials, GW_R_XADES_STRUCTURE, false};
static const struct mutation cert_digest_sha1 = {mut_cert_digest_sha1, GW_R_SIG_ALGORITHM, false};
static const struct mutation cert_digest_no_value = {mut_cert_digest_no_value, GW_R_XADES_STRUCTURE, false};
static const struct mutation duplicate_id_outside = {mut_duplicate_id_outside, GW_R_XADES_DUPLICATE_ID, false};
static const struct mutation duplicate_xml_id = {mut_duplicate_xml_id, GW_R_XADES_DUPLICATE_ID, false};
static const struct mutation duplicate_signature_id = {mut_duplicate_signature_id, GW_R_XADES_DUPLICATE_ID, false};
static const struct mutation signing_time_future = {mut_signing_time_future, GW_R_XADES_SIGNING_TIME, true};
static const struct mutation signing_time_no_zone = {mut_signing_time_no_zone, GW_R_XADES_SIGNING_TIME, true};
static const struct mutation signing_time_offset = {mut_signing_time_offset, GW_R_XADES_SIGNING_TIME, true};
static const struct mutation signing_time_space = {mut_signing_time_space, GW_R_XADES_SIGNING_TIME, true};
static const struct mutation signing_time_feb30 = {mut_signing_time_feb30, GW_R_XADES_SIGNING_TIME, true};
static const struct mutation cert_digest_other = {mut_cert_digest_other, GW_R_XADES_CERT_DIGEST, true};
static const struct mutation issuer_serial_bad_base64 = {mut_issuer_serial_bad_base64, GW_R_XADES_CERT_DIGEST,
                                                         true};
static const struct mutation issuer_serial_other = {mut_issuer_serial_other, GW_R_XADES_CERT_DIGEST, true};
static const struct mutation id_registered_elsewhere = {mut_id_registered_elsewhere, GW_R_XADES_REFERENCE, true};

static const struct t_case cases[] = {
    {"round_trip_b_b", test_round_trip, NULL},
    {"plain_signature_verifies", test_plain_signature, NULL},
    {"no_issuer_serial_verifies", test_no_issuer_serial, NULL},
    {"tampered_signing_time", test_tampered_signing_time, NULL},
    {"sign_refuses_duplicate_id", test_sign_duplicate_id, NULL},
    {"structure_ref_uri_other", test_mutation, &ref_uri_other},
    {"structure_ref_uri_xpointer", test_mutation, &ref_uri_xpointer},
    {"structure_ref_uri_absent", test_mutation, &ref_uri_absent},
    {"structure_ref_foreign_attr", test_mutation, &ref_foreign_attr},
    {"structure_ref_other_type", test_mutation, &ref_other_type},
    {"structure_ref_no_transform", test_mutation, &ref_no_transform},
    {"structure_ref_two_transforms", test_mutation, &ref_two_transforms},
    {"structure_ref_transform_xslt", test_mutation, &ref_transform_xslt},
    {"structure_ref_digest_sha1", test_mutation, &ref_digest_sha1},
    {"structure_ref_missing", test_mutation, &ref_missing},
    {"structure_object_missing", test_mutation, &object_missing},
    {"structure_object_two", test_mutation, &object_two},
    {"structure_object_extra_child", test_mutation, &object_extra_child},
    {"structure_object_attr", test_mutation, &object_attr},
    {"structure_target_other", test_mutation, &target_other},
    {"structure_signature_no_id", test_mutation, &signature_no_id},
    {"structure_qp_attr", test_mutation, &qp_attr},
    {"structure_qp_text", test_mutation, &qp_text},
    {"structure_unsigned_properties", test_mutation, &unsigned_properties},
    {"structure_two_signed_properties", test_mutation, &two_signed_properties},
    {"structure_sp_bad_id", test_mutation, &sp_bad_id},
    {"structure_data_object_properties", test_mutation, &data_object_properties},
    {"structure_signing_time_missing", test_mutation, &signing_time_missing},
    {"structure_policy_added", test_mutation, &policy_added},
    {"structure_two_certs", test_mutation, &two_certs},
    {"structure_two_issuer_serials", test_mutation, &two_issuer_serials},
    {"structure_cert_digest_sha1", test_mutation, &cert_digest_sha1},
    {"structure_cert_digest_no_value", test_mutation, &cert_digest_no_value},
    {"structure_duplicate_id_outside", test_mutation, &duplicate_id_outside},
    {"structure_duplicate_xml_id", test_mutation, &duplicate_xml_id},
    {"structure_duplicate_signature_id", test_mutation, &duplicate_signature_id},
    {"resigned_signing_time_future", test_mutation, &signing_time_future},
    {"resigned_signing_time_no_zone", test_mutation, &signing_time_no_zone},
    {"resigned_signing_time_offset", test_mutation, &signing_time_offset},
    {"resigned_signing_time_space", test_mutation, &signing_time_space},
    {"resigned_signing_time_feb30", test_mutation, &signing_time_feb30},
    {"resigned_cert_digest_other", test_mutation, &cert_digest_other},
    {"resigned_issuer_serial_bad_base64", test_mutation, &issuer_serial_bad_base64},
    {"resigned_issuer_serial_other", test_mutation, &issuer_serial_other},
    {"resigned_id_registered_elsewhere", test_mutation, &id_registered_elsewhere},
    {"structure_timestamp_c14n_with_comments", test_mutation, &timestamp_c14n_comments},
    {"structure_timestamp_no_token", test_mutation, &timestamp_no_token},
    {"structure_timestamp_two", test_mutation, &timestamp_two},
    {"structure_timestamp_countersignature", test_mutation, &timestamp_countersignature},
    {"structure_timestamp_text", test_mutation, &timestamp_text},
    {"timestamp_checked_only_with_anchors", test_timestamp_checked_only_with_anchors, NULL},
    {"at_signing_time_needs_timestamp", test_at_signing_time_needs_timestamp, NULL},
};

const struct t_module t_module_xades = {"xades", cases, T_COUNT(cases)};

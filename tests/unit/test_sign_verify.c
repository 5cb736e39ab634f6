// SPDX-License-Identifier: MIT
/*
 * Unit tests of sign.c and verify.c together: every example signed with its organisation's key (RSA,
 * ECDSA P-256 and P-384 for Ludza), serialised, parsed again and verified with the strict policy; the
 * header read from the verified document equals the unsigned one and the Latvian letters survive. Then
 * the refusals: a certificate of another organisation, a key that does not match its certificate,
 * signing twice, a changed text node, a changed signature value, an unsigned message, an untrusted or
 * revoked signer, a trusted signer of another organisation than the Sender, and every structural rule of
 * the DESIGN §3 profile broken on a signed document (structure_*); on failure nothing partial is left.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xmlsec/crypto.h>
#include <xmlsec/templates.h>
#include <xmlsec/xmldsig.h>

#include "gw/dsig.h"
#include "gw/envelope.h"
#include "gw/sign.h"
#include "gw/verify.h"
#include "t.h"
#include "t_sign.h"

#define PKI_DIR "tests/pki/"
#define NS_ENV "urn:lv:skola-kopiena:envelope:v1"
#define DECISION_LUDZA "examples/decision-ludza.xml"

/* One example and the key that signs it (files in tests/pki/), with the signature method expected. */
struct sv_case {
    const char *example;
    const char *key;
    const char *cert;
    const char *method; /* short name, as in struct gw_verified */
};

static const char *const latvian_letters[] = {
    "ā", "č", "ē", "ģ", "ī", "ķ", "ļ", "ņ", "š", "ū", "ž", "Ā", "Č", "Ē", "Ģ", "Ī", "Ķ", "Ļ", "Ņ", "Š", "Ū", "Ž",
};

static enum gw_rc
load_signer(const char *key, const char *cert, struct gw_signer **out, struct gw_err *err)
{
    char key_path[256];
    char cert_path[256];

    snprintf(key_path, sizeof(key_path), PKI_DIR "%s", key);
    snprintf(cert_path, sizeof(cert_path), PKI_DIR "%s", cert);
    /* a checkout has the example keys as 0644, so the mode check is off here (tested below) */
    return gw_signer_load(key_path, cert_path, PKI_DIR "chain.pem", false, out, err);
}

/* Parse a file, sign it, serialise the result. OUT: *out (free()), *len. */
static enum gw_rc
sign_file(const struct gw_signer *s, const char *path, unsigned char **out, size_t *len, struct gw_err *err)
{
    enum gw_rc rc;
    xmlDoc *doc = NULL;

    rc = t_load_doc(path, &doc, err);
    if (rc == GW_OK) {
        rc = gw_signer_sign(s, doc, path, err);
    }
    if (rc == GW_OK) {
        rc = gw_xml_serialize(doc, out, len, err);
    }
    xmlFreeDoc(doc);
    return rc;
}

static enum gw_rc
parse_bytes(const unsigned char *data, size_t len, xmlDoc **out, struct gw_err *err)
{
    struct gw_xml_limits lim;

    gw_xml_limits_default(&lim);
    return gw_xml_parse(data, len, "signed.xml", &lim, out, err);
}

static char *
body_text(xmlDoc *doc)
{
    return gw_xml_text(t_find(xmlDocGetRootElement(doc), NS_ENV, "Body"));
}

/* Sign the example, serialise, parse again, verify: the header and the text are what was signed. */
static void
test_round_trip(struct t *t)
{
    const struct sv_case *c = t->arg;
    struct gw_err err;
    struct gw_signer *signer = NULL;
    struct gw_pki *pki = NULL;
    xmlDoc *doc = NULL;
    xmlDoc *doc2 = NULL;
    struct gw_envelope before = {0};
    struct gw_verified v = {0};
    unsigned char *signed_bytes = NULL;
    size_t signed_len = 0;
    char *text_before = NULL;
    char *text_after = NULL;
    unsigned letters = 0;

    EXPECT_OK(load_signer(c->key, c->cert, &signer, &err), &err);
    EXPECT_OK(t_load_pki(&pki, &err), &err);
    EXPECT_OK(t_load_doc(c->example, &doc, &err), &err);
    EXPECT_OK(gw_schemas_validate(t->schemas, doc, c->example, NULL, NULL, &err), &err);
    EXPECT_OK(gw_envelope_read(doc, c->example, &before, &err), &err);
    EXPECT_STR_EQ(gw_signer_regno(signer), before.sender);
    text_before = body_text(doc);
    EXPECT_TRUE(text_before != NULL);

    EXPECT_OK(gw_signer_sign(signer, doc, c->example, &err), &err);
    EXPECT_OK(gw_xml_serialize(doc, &signed_bytes, &signed_len, &err), &err);
    EXPECT_OK(parse_bytes(signed_bytes, signed_len, &doc2, &err), &err);
    EXPECT_OK(gw_verify_message(pki, t->schemas, doc2, "signed.xml", &v, &err), &err);

    EXPECT_STR_EQ(v.env.message_id, before.message_id);
    EXPECT_STR_EQ(v.env.in_reply_to, before.in_reply_to);
    EXPECT_STR_EQ(v.env.sender, before.sender);
    EXPECT_STR_EQ(v.env.recipient, before.recipient);
    EXPECT_INT_EQ(v.env.type, before.type);
    EXPECT_STR_EQ(v.env.created, before.created);
    EXPECT_STR_EQ(v.env.subject, before.subject);
    EXPECT_TRUE(v.env.payload != NULL && v.env.payload->doc == doc2);
    EXPECT_STR_EQ(v.signer.regno, before.sender);
    EXPECT_STR_EQ(v.signature, c->method);
    EXPECT_STR_EQ(v.c14n, "exc-c14n");
    EXPECT_STR_EQ(v.digest, "sha256");
    text_after = body_text(doc2);
    EXPECT_STR_EQ(text_after, text_before);
    /* DESIGN §2: ā č ē ģ ī ķ ļ ņ š ū ž survive, as UTF-8 bytes on the wire and as text after verification */
    for (size_t i = 0; i < T_COUNT(latvian_letters); i++) {
        const char *l = latvian_letters[i];
        if (!t_contains(before.subject, l) && !t_contains(text_before, l)) {
            continue;
        }
        letters++;
        if (!t_contains((const char *)signed_bytes, l)) {
            T_FAIL("'%s' is not in the signed document as UTF-8", l);
        }
        if (t_contains(before.subject, l) ? !t_contains(v.env.subject, l) : !t_contains(text_after, l)) {
            T_FAIL("'%s' did not survive signing and verification", l);
        }
    }
    EXPECT_TRUE(letters > 0);
out:
    free(text_before);
    free(text_after);
    free(signed_bytes);
    gw_verified_cleanup(&v);
    gw_envelope_cleanup(&before);
    xmlFreeDoc(doc2);
    xmlFreeDoc(doc);
    gw_pki_free(pki);
    gw_signer_free(signer);
}

static const struct sv_case decision_ludza_rsa = {DECISION_LUDZA, "ludza.key.pem", "ludza.pem", "rsa-sha256"};
static const struct sv_case decision_ludza_ec = {DECISION_LUDZA, "ludza-ec.key.pem", "ludza-ec.pem",
                                                 "ecdsa-sha256"};
static const struct sv_case decision_ludza_p384 = {DECISION_LUDZA, "ludza-p384.key.pem", "ludza-p384.pem",
                                                   "ecdsa-sha384"};
static const struct sv_case datareport_ludza_rsa = {"examples/datareport-ludza-2025q1.xml", "ludza.key.pem",
                                                    "ludza.pem", "rsa-sha256"};
static const struct sv_case datareport_ludza_ec = {"examples/datareport-ludza-2025q1.xml", "ludza-ec.key.pem",
                                                   "ludza-ec.pem", "ecdsa-sha256"};
static const struct sv_case datareport_ludza_p384 = {"examples/datareport-ludza-2025q1.xml", "ludza-p384.key.pem",
                                                     "ludza-p384.pem", "ecdsa-sha384"};
static const struct sv_case decision_talsi = {"examples/decision-talsi.xml", "talsi.key.pem", "talsi.pem",
                                              "ecdsa-sha256"};
static const struct sv_case confirmation_readiness = {"examples/confirmation-talsi-readiness.xml", "talsi.key.pem",
                                                      "talsi.pem", "ecdsa-sha256"};
static const struct sv_case confirmation_conflict = {"examples/confirmation-talsi-conflict-of-interest.xml",
                                                     "talsi.key.pem", "talsi.pem", "ecdsa-sha256"};
static const struct sv_case letter_visc = {"examples/letter-invitation.xml", "visc.key.pem", "visc.pem",
                                           "rsa-sha256"};
static const struct sv_case receipt_visc = {"examples/receipt-accepted-decision-talsi.xml", "visc.key.pem",
                                            "visc.pem", "rsa-sha256"};

/* Signing with another organisation's certificate is refused, and the document is left as it was. */
static void
test_sender_mismatch(struct t *t)
{
    struct gw_err err;
    struct gw_signer *talsi = NULL;
    xmlDoc *doc = NULL;
    unsigned char *before = NULL;
    unsigned char *after = NULL;
    size_t before_len = 0;
    size_t after_len = 0;

    EXPECT_OK(load_signer("talsi.key.pem", "talsi.pem", &talsi, &err), &err);
    EXPECT_OK(t_load_doc(DECISION_LUDZA, &doc, &err), &err);
    EXPECT_OK(gw_xml_serialize(doc, &before, &before_len, &err), &err);
    EXPECT_FAIL(gw_signer_sign(talsi, doc, DECISION_LUDZA, &err), &err, GW_R_SENDER_MISMATCH);
    EXPECT_STR_EQ(err.where, DECISION_LUDZA);
    EXPECT_TRUE(t_find(xmlDocGetRootElement(doc), GW_NS_DSIG, "Signature") == NULL);
    EXPECT_OK(gw_xml_serialize(doc, &after, &after_len, &err), &err);
    EXPECT_TRUE(before_len == after_len && memcmp(before, after, before_len) == 0);
out:
    free(before);
    free(after);
    xmlFreeDoc(doc);
    gw_signer_free(talsi);
}

static void
test_key_mismatch(struct t *t)
{
    struct gw_err err;
    char marker; /* "*out is untouched": its address is the sentinel, never dereferenced or freed */
    struct gw_signer *const untouched = (struct gw_signer *)(void *)&marker;
    struct gw_signer *s = untouched;

    EXPECT_FAIL(gw_signer_load(PKI_DIR "ludza.key.pem", PKI_DIR "talsi.pem", PKI_DIR "chain.pem", false, &s, &err),
                &err, GW_R_KEY_MISMATCH);
    EXPECT_TRUE(s == untouched);
    /* an EC key with an RSA certificate of the same organisation */
    EXPECT_FAIL(gw_signer_load(PKI_DIR "ludza-ec.key.pem", PKI_DIR "ludza.pem", NULL, false, &s, &err), &err,
                GW_R_KEY_MISMATCH);
    EXPECT_TRUE(s == untouched);
out:
    if (s != untouched) {
        gw_signer_free(s);
    }
}

static void
test_signer_load_errors(struct t *t)
{
    struct gw_err err;
    struct gw_signer *s = NULL;

    EXPECT_FAIL(gw_signer_load(PKI_DIR "no-such.key.pem", PKI_DIR "ludza.pem", NULL, false, &s, &err), &err,
                GW_R_IO);
    EXPECT_FAIL(gw_signer_load(PKI_DIR "ludza.pem", PKI_DIR "ludza.pem", NULL, false, &s, &err), &err,
                GW_R_CONFIG); /* no private key in the file */
    EXPECT_FAIL(gw_signer_load(PKI_DIR "ludza.key.pem", PKI_DIR "no-such.pem", NULL, false, &s, &err), &err,
                GW_R_IO);
    EXPECT_FAIL(
        gw_signer_load(PKI_DIR "ludza.key.pem", PKI_DIR "ludza.pem", PKI_DIR "no-such.pem", false, &s, &err), &err,
        GW_R_IO);
    EXPECT_FAIL(gw_signer_load(PKI_DIR "noorgid.key.pem", PKI_DIR "noorgid.pem", NULL, false, &s, &err), &err,
                GW_R_CERT_ORG_ID);
    EXPECT_TRUE(s == NULL);
    EXPECT_OK(load_signer("visc.key.pem", "visc.pem", &s, &err), &err);
    EXPECT_STR_EQ(gw_signer_regno(s), "90001800413");
out:
    gw_signer_free(s);
}

/* With private_mode_required, a key file that group or others can read is refused. */
static void
test_key_file_mode(struct t *t)
{
    struct gw_err err;
    struct gw_signer *s = NULL;
    char dir[] = "/tmp/gw-unit.XXXXXX";
    char key[64] = "";
    bool made = false;

    EXPECT_TRUE(mkdtemp(dir) != NULL);
    made = true;
    snprintf(key, sizeof(key), "%s/key.pem", dir);
    EXPECT_TRUE(t_copy_file(PKI_DIR "ludza.key.pem", key, 0644));
    EXPECT_FAIL(gw_signer_load(key, PKI_DIR "ludza.pem", NULL, true, &s, &err), &err, GW_R_CONFIG);
    EXPECT_TRUE(s == NULL);
    EXPECT_TRUE(chmod(key, 0600) == 0);
    EXPECT_OK(gw_signer_load(key, PKI_DIR "ludza.pem", NULL, true, &s, &err), &err);
out:
    gw_signer_free(s);
    if (key[0] != '\0') {
        unlink(key);
    }
    if (made) {
        rmdir(dir);
    }
}

/* key_rule_refused: gw_read_private_key(path, true) fails with CONFIG, the message contains want and the
 * error names the file; the signer, which reads the same way, refuses it too. */
static bool
key_rule_refused(struct t *t, const char *path, const char *want)
{
    struct gw_err err;
    EVP_PKEY *pkey = NULL;
    struct gw_signer *s = NULL;
    bool ok = false;

    EXPECT_FAIL(gw_read_private_key(path, true, &pkey, &err), &err, GW_R_CONFIG);
    EXPECT_TRUE(pkey == NULL);
    if (!t_contains(err.msg, want) || !t_contains(err.where, path)) {
        T_FAIL("%s: want '%s' in the message and the path in where, got %s: %s", path, want, err.where, err.msg);
    }
    EXPECT_FAIL(gw_signer_load(path, PKI_DIR "ludza.pem", NULL, true, &s, &err), &err, GW_R_CONFIG);
    EXPECT_TRUE(s == NULL);
    ok = true;
out:
    EVP_PKEY_free(pkey);
    gw_signer_free(s);
    return ok;
}

/* The daemon's rules for a key file (docs/security.md 4): every bit of 0077 is refused, and so are a
 * symbolic link, a directory, a FIFO (without waiting for a writer) and, where the test can make one, a
 * file of another user; a 0600 file of this user is read, and the command line ('gateway sign', no
 * checks) still follows a symbolic link. */
static void
test_key_file_rules(struct t *t)
{
    static const mode_t loose[] = {0640, 0620, 0610, 0604, 0602, 0601, 0700, 0666};
    struct gw_err err;
    EVP_PKEY *pkey = NULL;
    char dir[] = "/tmp/gw-unit.XXXXXX";
    char key[64] = "";
    char link[64] = "";
    char sub[64] = "";
    char fifo[64] = "";
    char want[64];
    bool made = false;

    EXPECT_TRUE(mkdtemp(dir) != NULL);
    made = true;
    snprintf(key, sizeof(key), "%s/key.pem", dir);
    EXPECT_TRUE(t_copy_file(PKI_DIR "ludza.key.pem", key, 0600));
    EXPECT_OK(gw_read_private_key(key, true, &pkey, &err), &err);
    EVP_PKEY_free(pkey);
    pkey = NULL;
    for (size_t i = 0; i < sizeof(loose) / sizeof(loose[0]); i++) {
        EXPECT_TRUE(chmod(key, loose[i]) == 0);
        if (loose[i] == 0700) { /* owner bits are not the rule's business: 0700 is as private as 0600 */
            EXPECT_OK(gw_read_private_key(key, true, &pkey, &err), &err);
            EVP_PKEY_free(pkey);
            pkey = NULL;
            continue;
        }
        snprintf(want, sizeof(want), "group or others (mode %03o)", (unsigned)loose[i]);
        EXPECT_TRUE(key_rule_refused(t, key, want));
    }
    EXPECT_TRUE(chmod(key, 0600) == 0);

    snprintf(link, sizeof(link), "%s/link.pem", dir);
    EXPECT_TRUE(symlink(key, link) == 0);
    EXPECT_TRUE(key_rule_refused(t, link, "symbolic link"));
    EXPECT_OK(gw_read_private_key(link, false, &pkey, &err), &err);
    EVP_PKEY_free(pkey);
    pkey = NULL;

    snprintf(sub, sizeof(sub), "%s/dir.pem", dir);
    EXPECT_TRUE(mkdir(sub, 0700) == 0);
    EXPECT_TRUE(key_rule_refused(t, sub, "a directory (mode 700)"));
    snprintf(fifo, sizeof(fifo), "%s/fifo.pem", dir);
    EXPECT_TRUE(mkfifo(fifo, 0600) == 0);
    EXPECT_TRUE(key_rule_refused(t, fifo, "a FIFO"));

    /* another owner than this user or root: only root can make such a file (the CI runs as root) */
    if (geteuid() == 0) {
        EXPECT_TRUE(chown(key, 1, 1) == 0);
        EXPECT_TRUE(key_rule_refused(t, key, "belongs to uid 1, not to this process's uid 0 or root (mode 600)"));
        EXPECT_TRUE(chown(key, 0, 0) == 0);
        EXPECT_OK(gw_read_private_key(key, true, &pkey, &err), &err);
    } else {
        fprintf(stderr, "key_file_rules: not root, the other-owner case is not run\n");
    }
out:
    EVP_PKEY_free(pkey);
    const char *made_paths[] = {link, fifo, key};
    for (size_t i = 0; i < sizeof(made_paths) / sizeof(made_paths[0]); i++) {
        if (made_paths[i][0] != '\0') {
            unlink(made_paths[i]);
        }
    }
    if (sub[0] != '\0') {
        rmdir(sub);
    }
    if (made) {
        rmdir(dir);
    }
}

static void
test_already_signed(struct t *t)
{
    struct gw_err err;
    struct gw_signer *ludza = NULL;
    xmlDoc *doc = NULL;
    xmlNode *sig;

    EXPECT_OK(load_signer("ludza.key.pem", "ludza.pem", &ludza, &err), &err);
    EXPECT_OK(t_load_doc(DECISION_LUDZA, &doc, &err), &err);
    EXPECT_OK(gw_signer_sign(ludza, doc, DECISION_LUDZA, &err), &err);
    EXPECT_FAIL(gw_signer_sign(ludza, doc, DECISION_LUDZA, &err), &err, GW_R_ALREADY_SIGNED);
    /* still exactly one signature, the last child of the root */
    sig = t_find(xmlDocGetRootElement(doc), GW_NS_DSIG, "Signature");
    EXPECT_TRUE(sig != NULL && sig->parent == xmlDocGetRootElement(doc));
    EXPECT_TRUE(gw_xml_next_elem(sig) == NULL && t_find(sig->next, GW_NS_DSIG, "Signature") == NULL);
out:
    xmlFreeDoc(doc);
    gw_signer_free(ludza);
}

#define VERIFY_FAILS(pki, doc, reason)                                                                            \
    do {                                                                                                          \
        t_expect_verify_fail(t, (pki), (doc), (reason), __FILE__, __LINE__);                                      \
        if (t->failed) {                                                                                          \
            goto out;                                                                                             \
        }                                                                                                         \
    } while (0)

/* A text node of the signed document changed after signing: the digest no longer matches. */
static void
test_tampered_text(struct t *t)
{
    struct gw_err err;
    struct gw_pki *pki = NULL;
    xmlDoc *doc = NULL;
    xmlNode *n;

    EXPECT_OK(t_load_pki(&pki, &err), &err);
    EXPECT_OK(t_signed_decision(&doc, &err), &err);
    n = t_find(xmlDocGetRootElement(doc), "urn:lv:skola-kopiena:decision:v1", "Place");
    EXPECT_TRUE(n != NULL);
    xmlNodeSetContent(n, (const xmlChar *)"Rēzeknē");
    VERIFY_FAILS(pki, doc, GW_R_DIGEST_MISMATCH);
    xmlFreeDoc(doc);
    doc = NULL;
    /* the header is signed too */
    EXPECT_OK(t_signed_decision(&doc, &err), &err);
    n = t_find(xmlDocGetRootElement(doc), NS_ENV, "Subject");
    EXPECT_TRUE(n != NULL);
    xmlNodeSetContent(n, (const xmlChar *)"Lēmums Nr. 404");
    VERIFY_FAILS(pki, doc, GW_R_DIGEST_MISMATCH);
out:
    xmlFreeDoc(doc);
    gw_pki_free(pki);
}

/* The signature value changed: the digest matches but the signature does not verify. */
static void
test_tampered_signature_value(struct t *t)
{
    struct gw_err err;
    struct gw_pki *pki = NULL;
    xmlDoc *doc = NULL;
    xmlNode *n;
    char *value = NULL;
    size_t i;

    EXPECT_OK(t_load_pki(&pki, &err), &err);
    EXPECT_OK(t_signed_decision(&doc, &err), &err);
    n = t_find(xmlDocGetRootElement(doc), GW_NS_DSIG, "SignatureValue");
    EXPECT_TRUE(n != NULL);
    value = gw_xml_text(n);
    EXPECT_TRUE(value != NULL);
    i = strspn(value, "\r\n ");
    EXPECT_TRUE(value[i] != '\0');
    value[i] = value[i] == 'A' ? 'B' : 'A';
    xmlNodeSetContent(n, (const xmlChar *)value);
    VERIFY_FAILS(pki, doc, GW_R_SIGNATURE_MISMATCH);
out:
    free(value);
    xmlFreeDoc(doc);
    gw_pki_free(pki);
}

static void
test_not_signed(struct t *t)
{
    struct gw_err err;
    struct gw_pki *pki = NULL;
    xmlDoc *doc = NULL;

    EXPECT_OK(t_load_pki(&pki, &err), &err);
    EXPECT_OK(t_load_doc(DECISION_LUDZA, &doc, &err), &err);
    VERIFY_FAILS(pki, doc, GW_R_NOT_SIGNED);
    xmlFreeDoc(doc);
    doc = NULL;
    EXPECT_OK(t_load_doc("examples/letter-invitation.xml", &doc, &err), &err);
    VERIFY_FAILS(pki, doc, GW_R_NOT_SIGNED);
out:
    xmlFreeDoc(doc);
    gw_pki_free(pki);
}

/* DESIGN §3: a comment spliced into signed text is outside the canonical form; the whole text is read. */
static void
test_comment_split_after_signing(struct t *t)
{
    struct gw_err err;
    struct gw_pki *pki = NULL;
    xmlDoc *doc = NULL;
    struct gw_verified v = {0};
    xmlNode *subject;
    xmlNode *first;
    xmlNode *comment;
    char *text = NULL;

    EXPECT_OK(t_load_pki(&pki, &err), &err);
    EXPECT_OK(t_signed_decision(&doc, &err), &err);
    subject = t_find(xmlDocGetRootElement(doc), NS_ENV, "Subject");
    EXPECT_TRUE(subject != NULL && subject->children != NULL && subject->children->type == XML_TEXT_NODE);
    first = subject->children;
    text = gw_xml_text(subject);
    EXPECT_TRUE(text != NULL && strncmp(text, "Lēmums ", 8) == 0);
    /* "Lēmums" <!-- Nr. 1 --> " Nr. 403 Par ..." */
    xmlNodeSetContentLen(first, (const xmlChar *)text, 7);
    comment = xmlAddNextSibling(first, xmlNewDocComment(doc, (const xmlChar *)" Nr. 1 "));
    EXPECT_TRUE(comment != NULL);
    EXPECT_TRUE(xmlAddNextSibling(comment, xmlNewDocText(doc, (const xmlChar *)text + 7)) != NULL);
    EXPECT_TRUE(subject->children->next == comment);
    EXPECT_OK(gw_verify_message(pki, t->schemas, doc, "signed.xml", &v, &err), &err);
    EXPECT_TRUE(strncmp(v.env.subject, "Lēmums Nr. 403 Par sadarbību", strlen("Lēmums Nr. 403 Par sadarbību")) ==
                0);
    EXPECT_STR_EQ(v.env.subject, text);
out:
    free(text);
    gw_verified_cleanup(&v);
    xmlFreeDoc(doc);
    gw_pki_free(pki);
}

/* A gateway that does not trust the signer's root rejects the message. */
static void
test_untrusted_root(struct t *t)
{
    struct gw_err err;
    struct gw_pki *rogue_only = NULL;
    xmlDoc *doc = NULL;

    EXPECT_OK(gw_pki_load(PKI_DIR "rogue-ca.pem", NULL, 0, &rogue_only, &err), &err);
    EXPECT_OK(t_signed_decision(&doc, &err), &err);
    VERIFY_FAILS(rogue_only, doc, GW_R_CERT_UNTRUSTED);
out:
    xmlFreeDoc(doc);
    gw_pki_free(rogue_only);
}

/* The revoked certificate still signs (sign.c checks no CRL) but verification refuses it. */
static void
test_revoked_signer(struct t *t)
{
    struct gw_err err;
    struct gw_signer *revoked = NULL;
    struct gw_pki *pki = NULL;
    unsigned char *bytes = NULL;
    size_t len = 0;
    xmlDoc *doc = NULL;

    EXPECT_OK(t_load_pki(&pki, &err), &err);
    EXPECT_OK(load_signer("revoked.key.pem", "revoked.pem", &revoked, &err), &err);
    EXPECT_OK(sign_file(revoked, DECISION_LUDZA, &bytes, &len, &err), &err);
    EXPECT_OK(parse_bytes(bytes, len, &doc, &err), &err);
    VERIFY_FAILS(pki, doc, GW_R_CERT_REVOKED);
out:
    xmlFreeDoc(doc);
    free(bytes);
    gw_signer_free(revoked);
    gw_pki_free(pki);
}

/*
 * DESIGN §3 identity binding, on the verifying side: a valid signature by Talsi's trusted certificate over
 * a message whose Sender is Ludza. gw_signer_sign refuses to make one, so it is made with xmlsec directly.
 */
static void
test_sender_binding(struct t *t)
{
    struct gw_err err;
    struct gw_pki *pki = NULL;
    xmlDoc *doc = NULL;
    xmlNode *sig = NULL;
    xmlNode *ref;
    xmlNode *x509;
    xmlSecDSigCtxPtr ctx = NULL;

    EXPECT_OK(t_load_pki(&pki, &err), &err);
    EXPECT_OK(t_load_doc(DECISION_LUDZA, &doc, &err), &err);
    sig = xmlSecTmplSignatureCreateNsPref(doc, xmlSecTransformExclC14NId, xmlSecTransformEcdsaSha256Id, NULL,
                                          (const xmlChar *)"ds");
    EXPECT_TRUE(sig != NULL);
    xmlAddChild(xmlDocGetRootElement(doc), sig);
    ref = xmlSecTmplSignatureAddReference(sig, xmlSecTransformSha256Id, NULL, (const xmlChar *)"", NULL);
    EXPECT_TRUE(ref != NULL && xmlSecTmplReferenceAddTransform(ref, xmlSecTransformEnvelopedId) != NULL &&
                xmlSecTmplReferenceAddTransform(ref, xmlSecTransformExclC14NId) != NULL);
    x509 = xmlSecTmplKeyInfoAddX509Data(xmlSecTmplSignatureEnsureKeyInfo(sig, NULL));
    EXPECT_TRUE(x509 != NULL && xmlSecTmplX509DataAddCertificate(x509) != NULL);
    ctx = xmlSecDSigCtxCreate(NULL);
    EXPECT_TRUE(ctx != NULL);
    ctx->signKey = xmlSecCryptoAppKeyLoad(PKI_DIR "talsi.key.pem", xmlSecKeyDataFormatPem, NULL, NULL, NULL);
    EXPECT_TRUE(ctx->signKey != NULL);
    EXPECT_TRUE(xmlSecCryptoAppKeyCertLoad(ctx->signKey, PKI_DIR "talsi.pem", xmlSecKeyDataFormatPem) >= 0);
    EXPECT_TRUE(xmlSecCryptoAppKeyCertLoad(ctx->signKey, PKI_DIR "chain.pem", xmlSecKeyDataFormatPem) >= 0);
    EXPECT_TRUE(xmlSecDSigCtxSign(ctx, sig) >= 0);
    VERIFY_FAILS(pki, doc, GW_R_SENDER_MISMATCH);
out:
    if (ctx != NULL) {
        xmlSecDSigCtxDestroy(ctx);
    }
    xmlFreeDoc(doc);
    gw_pki_free(pki);
}

/* A change to the signed document's signature structure, and the reason verification must give. */
struct mutation {
    bool (*apply)(xmlDoc *doc);
    enum gw_reason reason;
};

static xmlNode *
dsig_node(xmlDoc *doc, const char *local)
{
    return t_find(xmlDocGetRootElement(doc), GW_NS_DSIG, local);
}

static bool
set_alg(xmlDoc *doc, const char *local, int nth, const char *uri)
{
    xmlNode *n = dsig_node(doc, local);

    for (int i = 0; i < nth && n != NULL; i++) {
        n = t_find(n->next, GW_NS_DSIG, local);
    }
    return n != NULL && xmlSetProp(n, (const xmlChar *)"Algorithm", (const xmlChar *)uri) != NULL;
}

static bool
add_child(xmlDoc *doc, const char *parent, const char *local)
{
    xmlNode *p = dsig_node(doc, parent);

    return p != NULL && xmlNewChild(p, p->ns, (const xmlChar *)local, NULL) != NULL;
}

static bool
mut_two_signatures(xmlDoc *doc)
{
    xmlNode *sig = dsig_node(doc, "Signature");

    return sig != NULL && xmlAddNextSibling(sig, xmlDocCopyNode(sig, doc, 1)) != NULL;
}

static bool
mut_signature_first(xmlDoc *doc)
{
    xmlNode *sig = dsig_node(doc, "Signature");
    xmlNode *header = gw_xml_first_elem(xmlDocGetRootElement(doc));

    if (sig == NULL || header == NULL) {
        return false;
    }
    xmlUnlinkNode(sig);
    return xmlAddPrevSibling(header, sig) != NULL;
}

static bool
mut_signature_in_body(xmlDoc *doc)
{
    xmlNode *sig = dsig_node(doc, "Signature");
    xmlNode *payload = t_find(xmlDocGetRootElement(doc), "urn:lv:skola-kopiena:decision:v1", "Decision");

    if (sig == NULL || payload == NULL) {
        return false;
    }
    xmlUnlinkNode(sig);
    return xmlAddChild(payload, sig) != NULL;
}

static bool
mut_object(xmlDoc *doc)
{
    return add_child(doc, "Signature", "Object");
}

static bool
mut_reference_uri_id(xmlDoc *doc)
{
    xmlNode *ref = dsig_node(doc, "Reference");

    return ref != NULL && xmlSetProp(ref, (const xmlChar *)"URI", (const xmlChar *)"#decision") != NULL;
}

static bool
mut_reference_uri_external(xmlDoc *doc)
{
    xmlNode *ref = dsig_node(doc, "Reference");

    return ref != NULL && xmlSetProp(ref, (const xmlChar *)"URI", (const xmlChar *)"file:///etc/passwd") != NULL;
}

static bool
mut_reference_uri_absent(xmlDoc *doc)
{
    xmlNode *ref = dsig_node(doc, "Reference");

    return ref != NULL && xmlUnsetProp(ref, (const xmlChar *)"URI") == 0;
}

static bool
mut_two_references(xmlDoc *doc)
{
    xmlNode *ref = dsig_node(doc, "Reference");

    return ref != NULL && xmlAddNextSibling(ref, xmlDocCopyNode(ref, doc, 1)) != NULL;
}

static bool
mut_transform_xslt(xmlDoc *doc)
{
    return set_alg(doc, "Transform", 1, "http://www.w3.org/TR/1999/REC-xslt-19991116");
}

static bool
mut_transform_xpath(xmlDoc *doc)
{
    return set_alg(doc, "Transform", 1, "http://www.w3.org/TR/1999/REC-xpath-19991116");
}

static bool
mut_transform_with_comments(xmlDoc *doc)
{
    return set_alg(doc, "Transform", 1, "http://www.w3.org/2001/10/xml-exc-c14n#WithComments");
}

static bool
mut_transform_not_enveloped_first(xmlDoc *doc)
{
    return set_alg(doc, "Transform", 0, GW_URI_EXC_C14N);
}

static bool
mut_third_transform(xmlDoc *doc)
{
    return add_child(doc, "Transforms", "Transform") && set_alg(doc, "Transform", 2, GW_URI_EXC_C14N);
}

static bool
mut_digest_sha1(xmlDoc *doc)
{
    return set_alg(doc, "DigestMethod", 0, "http://www.w3.org/2000/09/xmldsig#sha1");
}

static bool
mut_signature_rsa_sha1(xmlDoc *doc)
{
    return set_alg(doc, "SignatureMethod", 0, "http://www.w3.org/2000/09/xmldsig#rsa-sha1");
}

static bool
mut_signature_hmac(xmlDoc *doc)
{
    return set_alg(doc, "SignatureMethod", 0, "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256");
}

static bool
mut_c14n_with_comments(xmlDoc *doc)
{
    return set_alg(doc, "CanonicalizationMethod", 0, "http://www.w3.org/2006/12/xml-c14n11#WithComments");
}

static bool
mut_key_value(xmlDoc *doc)
{
    return add_child(doc, "KeyInfo", "KeyValue");
}

static bool
mut_key_name(xmlDoc *doc)
{
    return add_child(doc, "KeyInfo", "KeyName");
}

static bool
mut_retrieval_method(xmlDoc *doc)
{
    return add_child(doc, "X509Data", "RetrievalMethod");
}

static bool
mut_no_certificate(xmlDoc *doc)
{
    xmlNode *c;
    bool removed = false;

    while ((c = dsig_node(doc, "X509Certificate")) != NULL) {
        xmlUnlinkNode(c);
        xmlFreeNode(c);
        removed = true;
    }
    return removed;
}

static bool
mut_no_key_info(xmlDoc *doc)
{
    xmlNode *ki = dsig_node(doc, "KeyInfo");

    if (ki == NULL) {
        return false;
    }
    xmlUnlinkNode(ki);
    xmlFreeNode(ki);
    return true;
}

static bool
mut_certificate_garbage(xmlDoc *doc)
{
    xmlNode *c = dsig_node(doc, "X509Certificate");

    if (c == NULL) {
        return false;
    }
    xmlNodeSetContent(c, (const xmlChar *)"bm90IGEgY2VydGlmaWNhdGU=");
    return true;
}

/* An RSA key with an ECDSA method: refused as a method that does not fit the key. */
static bool
mut_method_key_type(xmlDoc *doc)
{
    return set_alg(doc, "SignatureMethod", 0, "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256");
}

static void
test_structure(struct t *t)
{
    const struct mutation *m = t->arg;
    struct gw_err err;
    struct gw_pki *pki = NULL;
    xmlDoc *doc = NULL;

    EXPECT_OK(t_load_pki(&pki, &err), &err);
    EXPECT_OK(t_signed_decision(&doc, &err), &err);
    EXPECT_TRUE(m->apply(doc));
    VERIFY_FAILS(pki, doc, m->reason);
out:
    xmlFreeDoc(doc);
    gw_pki_free(pki);
}

static const struct mutation two_signatures = {mut_two_signatures, GW_R_SIG_MULTIPLE};
static const struct mutation signature_first = {mut_signature_first, GW_R_SIG_PLACEMENT};
static const struct mutation signature_in_body = {mut_signature_in_body, GW_R_SIG_PLACEMENT};
static const struct mutation object = {mut_object, GW_R_SIG_OBJECT};
static const struct mutation reference_uri_id = {mut_reference_uri_id, GW_R_SIG_REFERENCE};
static const struct mutation reference_uri_external = {mut_reference_uri_external, GW_R_SIG_REFERENCE};
static const struct mutation reference_uri_absent = {mut_reference_uri_absent, GW_R_SIG_REFERENCE};
static const struct mutation two_references = {mut_two_references, GW_R_SIG_REFERENCE};
static const struct mutation transform_xslt = {mut_transform_xslt, GW_R_SIG_TRANSFORM};
static const struct mutation transform_xpath = {mut_transform_xpath, GW_R_SIG_TRANSFORM};
static const struct mutation transform_with_comments = {mut_transform_with_comments, GW_R_SIG_TRANSFORM};
static const struct mutation transform_order = {mut_transform_not_enveloped_first, GW_R_SIG_TRANSFORM};
static const struct mutation third_transform = {mut_third_transform, GW_R_SIG_TRANSFORM};
static const struct mutation digest_sha1 = {mut_digest_sha1, GW_R_SIG_ALGORITHM};
static const struct mutation signature_rsa_sha1 = {mut_signature_rsa_sha1, GW_R_SIG_ALGORITHM};
static const struct mutation signature_hmac = {mut_signature_hmac, GW_R_SIG_ALGORITHM};
static const struct mutation c14n_with_comments = {mut_c14n_with_comments, GW_R_SIG_ALGORITHM};
static const struct mutation key_value = {mut_key_value, GW_R_SIG_KEYINFO};
static const struct mutation key_name = {mut_key_name, GW_R_SIG_KEYINFO};
static const struct mutation retrieval_method = {mut_retrieval_method, GW_R_SIG_KEYINFO};
static const struct mutation no_certificate = {mut_no_certificate, GW_R_CERT_MISSING};
static const struct mutation no_key_info = {mut_no_key_info, GW_R_CERT_MISSING};
static const struct mutation certificate_garbage = {mut_certificate_garbage, GW_R_CERT_MALFORMED};
static const struct mutation method_key_type = {mut_method_key_type, GW_R_SIG_ALGORITHM};

/* Signing something that is not an envelope. */
static void
test_sign_not_envelope(struct t *t)
{
    struct gw_err err;
    struct gw_signer *ludza = NULL;
    xmlDoc *doc = NULL;

    EXPECT_OK(load_signer("ludza.key.pem", "ludza.pem", &ludza, &err), &err);
    EXPECT_OK(t_parse_str("<d:Decision xmlns:d='urn:lv:skola-kopiena:decision:v1'/>", NULL, &doc, &err), &err);
    EXPECT_FAIL(gw_signer_sign(ludza, doc, "t.xml", &err), &err, GW_R_SCHEMA_UNKNOWN);
    EXPECT_TRUE(t_find(xmlDocGetRootElement(doc), GW_NS_DSIG, "Signature") == NULL);
out:
    xmlFreeDoc(doc);
    gw_signer_free(ludza);
}

static const struct t_case cases[] = {
    {"decision_ludza_rsa", test_round_trip, &decision_ludza_rsa},
    {"decision_ludza_ecdsa_p256", test_round_trip, &decision_ludza_ec},
    {"decision_ludza_ecdsa_p384", test_round_trip, &decision_ludza_p384},
    {"datareport_ludza_rsa", test_round_trip, &datareport_ludza_rsa},
    {"datareport_ludza_ecdsa_p256", test_round_trip, &datareport_ludza_ec},
    {"datareport_ludza_ecdsa_p384", test_round_trip, &datareport_ludza_p384},
    {"decision_talsi", test_round_trip, &decision_talsi},
    {"confirmation_talsi_readiness", test_round_trip, &confirmation_readiness},
    {"confirmation_talsi_conflict_of_interest", test_round_trip, &confirmation_conflict},
    {"letter_invitation_visc", test_round_trip, &letter_visc},
    {"receipt_visc", test_round_trip, &receipt_visc},
    {"sender_mismatch", test_sender_mismatch, NULL},
    {"key_mismatch", test_key_mismatch, NULL},
    {"signer_load_errors", test_signer_load_errors, NULL},
    {"key_file_mode", test_key_file_mode, NULL},
    {"key_file_rules", test_key_file_rules, NULL},
    {"already_signed", test_already_signed, NULL},
    {"tampered_text", test_tampered_text, NULL},
    {"tampered_signature_value", test_tampered_signature_value, NULL},
    {"not_signed", test_not_signed, NULL},
    {"comment_split_after_signing", test_comment_split_after_signing, NULL},
    {"untrusted_root", test_untrusted_root, NULL},
    {"revoked_signer", test_revoked_signer, NULL},
    {"sign_not_envelope", test_sign_not_envelope, NULL},
    {"sender_binding", test_sender_binding, NULL},
    {"structure_two_signatures", test_structure, &two_signatures},
    {"structure_signature_first", test_structure, &signature_first},
    {"structure_signature_in_body", test_structure, &signature_in_body},
    {"structure_object", test_structure, &object},
    {"structure_reference_uri_id", test_structure, &reference_uri_id},
    {"structure_reference_uri_external", test_structure, &reference_uri_external},
    {"structure_reference_uri_absent", test_structure, &reference_uri_absent},
    {"structure_two_references", test_structure, &two_references},
    {"structure_transform_xslt", test_structure, &transform_xslt},
    {"structure_transform_xpath", test_structure, &transform_xpath},
    {"structure_transform_with_comments", test_structure, &transform_with_comments},
    {"structure_transform_order", test_structure, &transform_order},
    {"structure_third_transform", test_structure, &third_transform},
    {"structure_digest_sha1", test_structure, &digest_sha1},
    {"structure_signature_rsa_sha1", test_structure, &signature_rsa_sha1},
    {"structure_signature_hmac", test_structure, &signature_hmac},
    {"structure_c14n_with_comments", test_structure, &c14n_with_comments},
    {"structure_key_value", test_structure, &key_value},
    {"structure_key_name", test_structure, &key_name},
    {"structure_retrieval_method", test_structure, &retrieval_method},
    {"structure_no_certificate", test_structure, &no_certificate},
    {"structure_no_key_info", test_structure, &no_key_info},
    {"structure_certificate_garbage", test_structure, &certificate_garbage},
    {"structure_method_key_type", test_structure, &method_key_type},
};

const struct t_module t_module_sign_verify = {"sign_verify", cases, T_COUNT(cases)};

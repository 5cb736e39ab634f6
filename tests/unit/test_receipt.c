// SPDX-License-Identifier: MIT
/*
 * Unit tests of receipt.c: a receipt made by the recipient's gateway checks against the message it is about;
 * one addressed to another organisation than the message's Sender, one whose InReplyTo names another message
 * than its ReceivedMessageId, one of another signer, message or digest is RECEIPT_INVALID; and a Rejected
 * receipt whose detail text is cut inside a character is still made, parses and checks.
 */
#include <libxml/xmlstring.h>
#include <stdio.h>
#include <stdlib.h>

#include "gw/envelope.h"
#include "gw/ids.h"
#include "gw/receipt.h"
#include "gw/verify.h"
#include "t.h"

#define PKI_DIR "tests/pki/"
#define MESSAGE "examples/decision-ludza.xml" /* Ludza 90000017453 to VISC 90001800413 */
#define LUDZA "90000017453"
#define VISC "90001800413"
#define TALSI "90009113532"

/* The signed message and what a receipt about it is checked against. */
struct rc_fixture {
    struct gw_pki *pki;
    struct gw_signer *ludza;
    struct gw_signer *visc;
    unsigned char *msg; /* signed bytes, free() */
    size_t msg_len;
    char id[GW_UUID_LEN + 1];
    char digest[GW_SHA256_HEX_LEN + 1];
};

static void
fixture_cleanup(struct rc_fixture *fx)
{
    gw_pki_free(fx->pki);
    gw_signer_free(fx->ludza);
    gw_signer_free(fx->visc);
    free(fx->msg);
    memset(fx, 0, sizeof(*fx));
}

static enum gw_rc
fixture_load(struct rc_fixture *fx, struct gw_err *err)
{
    static const char *const crls[] = {PKI_DIR "crl.pem"};
    enum gw_rc rc = GW_EINTERNAL;
    xmlDoc *doc = NULL;
    struct gw_envelope env = {0};

    GW_TRY(gw_pki_load(PKI_DIR "trust.pem", crls, 1, &fx->pki, err));
    /* a checkout has the example keys as 0644, so the mode check is off here */
    GW_TRY(
        gw_signer_load(PKI_DIR "ludza.key.pem", PKI_DIR "ludza.pem", PKI_DIR "chain.pem", false, &fx->ludza, err));
    GW_TRY(gw_signer_load(PKI_DIR "visc.key.pem", PKI_DIR "visc.pem", PKI_DIR "chain.pem", false, &fx->visc, err));
    GW_TRY(t_load_doc(MESSAGE, &doc, err));
    GW_TRY(gw_envelope_read(doc, MESSAGE, &env, err));
    memcpy(fx->id, env.message_id, sizeof(fx->id));
    GW_TRY(gw_signer_sign(fx->ludza, doc, MESSAGE, err));
    GW_TRY(gw_xml_serialize(doc, &fx->msg, &fx->msg_len, err));
    gw_ids_hash_sha256(fx->msg, fx->msg_len, fx->digest);
    rc = GW_OK;
out:
    gw_envelope_cleanup(&env);
    xmlFreeDoc(doc);
    return rc;
}

/* Check a receipt as `gateway receipt verify` does: signed by the Recipient, addressed to the Sender. */
static enum gw_rc
check(const struct t *t, const struct rc_fixture *fx, const unsigned char *r, size_t len,
      struct gw_receipt_info *info, struct gw_err *err)
{
    return gw_receipt_check(fx->pki, t->schemas, r, len, VISC, LUDZA, fx->id, fx->digest, info, err);
}

static void
test_accepted(struct t *t)
{
    struct gw_err err;
    struct rc_fixture fx = {0};
    unsigned char *r = NULL;
    size_t len = 0;
    struct gw_receipt_info info;

    EXPECT_OK(fixture_load(&fx, &err), &err);
    EXPECT_OK(gw_receipt_make(fx.visc, LUDZA, fx.id, fx.digest, GW_RECEIPT_ACCEPTED, GW_R_OK, NULL, &r, &len, NULL,
                              &err),
              &err);
    EXPECT_OK(check(t, &fx, r, len, &info, &err), &err);
    EXPECT_INT_EQ(info.status, GW_RECEIPT_ACCEPTED);
    EXPECT_STR_EQ(info.message_id, fx.id);
    EXPECT_STR_EQ(info.signer, VISC);
    /* another signer, message or digest */
    EXPECT_FAIL(gw_receipt_check(fx.pki, t->schemas, r, len, TALSI, LUDZA, fx.id, fx.digest, &info, &err), &err,
                GW_R_RECEIPT_INVALID);
    EXPECT_FAIL(gw_receipt_check(fx.pki, t->schemas, r, len, VISC, LUDZA, GW_NIL_UUID, fx.digest, &info, &err),
                &err, GW_R_RECEIPT_INVALID);
    EXPECT_FAIL(gw_receipt_check(fx.pki, t->schemas, r, len, VISC, LUDZA, fx.id,
                                 "0000000000000000000000000000000000000000000000000000000000000000", &info, &err),
                &err, GW_R_RECEIPT_INVALID);
out:
    free(r);
    fixture_cleanup(&fx);
}

/*
 * GATEWAY BUG (security review F6): a third organisation that delivered a copy of Ludza's message obtained a
 * Rejected receipt addressed to itself, and `gateway receipt verify` accepted it as valid for Ludza's message.
 */
static void
test_misbound(struct t *t)
{
    struct gw_err err;
    struct rc_fixture fx = {0};
    unsigned char *r = NULL;
    size_t len = 0;
    struct gw_receipt_info info;

    EXPECT_OK(fixture_load(&fx, &err), &err);
    EXPECT_OK(gw_receipt_make(fx.visc, TALSI, fx.id, fx.digest, GW_RECEIPT_REJECTED, GW_R_TLS_IDENTITY,
                              "delivered by organisation " TALSI " on behalf of Sender " LUDZA, &r, &len, NULL,
                              &err),
              &err);
    EXPECT_FAIL(check(t, &fx, r, len, &info, &err), &err, GW_R_RECEIPT_INVALID);
    EXPECT_TRUE(t_contains(err.msg, "addressed to " TALSI));
    /* the receipt itself is sound: it checks for the organisation it is addressed to */
    EXPECT_OK(gw_receipt_check(fx.pki, t->schemas, r, len, VISC, TALSI, fx.id, fx.digest, &info, &err), &err);
out:
    free(r);
    fixture_cleanup(&fx);
}

/* A receipt whose header InReplyTo names another message than its payload, re-signed by the recipient. */
static void
test_in_reply_to_differs(struct t *t)
{
    struct gw_err err;
    struct rc_fixture fx = {0};
    unsigned char *r = NULL;
    size_t len = 0;
    unsigned char *r2 = NULL;
    size_t len2 = 0;
    xmlDoc *doc = NULL;
    struct gw_receipt_info info;
    struct gw_xml_limits lim;
    xmlNode *node;

    EXPECT_OK(fixture_load(&fx, &err), &err);
    EXPECT_OK(gw_receipt_make(fx.visc, LUDZA, fx.id, fx.digest, GW_RECEIPT_ACCEPTED, GW_R_OK, NULL, &r, &len, NULL,
                              &err),
              &err);
    gw_xml_limits_default(&lim);
    EXPECT_OK(gw_xml_parse(r, len, "receipt", &lim, &doc, &err), &err);
    node = t_find(xmlDocGetRootElement(doc), GW_NS_DSIG, "Signature");
    EXPECT_TRUE(node != NULL);
    xmlUnlinkNode(node);
    xmlFreeNode(node);
    node = t_find(xmlDocGetRootElement(doc), "urn:lv:skola-kopiena:envelope:v1", "InReplyTo");
    EXPECT_TRUE(node != NULL);
    xmlNodeSetContent(node, (const xmlChar *)"01243508-579d-420c-8344-f6a8d578ca54");
    EXPECT_OK(gw_signer_sign(fx.visc, doc, "receipt", &err), &err);
    EXPECT_OK(gw_xml_serialize(doc, &r2, &len2, &err), &err);
    EXPECT_FAIL(check(t, &fx, r2, len2, &info, &err), &err, GW_R_RECEIPT_INVALID);
    EXPECT_TRUE(t_contains(err.msg, "InReplyTo"));
out:
    xmlFreeDoc(doc);
    free(r);
    free(r2);
    fixture_cleanup(&fx);
}

/*
 * GATEWAY BUG (security review F5): the reason text of a Rejected receipt was cut at 500 bytes; cut inside a
 * two-byte letter, the receipt no longer parsed and the exchange answered 503 without recording the
 * rejection. Every offset of the cut must give a receipt that checks and carries the reason code.
 */
static void
test_rejected_text_cut(struct t *t)
{
    struct gw_err err;
    struct rc_fixture fx = {0};
    unsigned char *r = NULL;
    size_t len = 0;
    struct gw_receipt_info info;
    char text[1200];

    EXPECT_OK(fixture_load(&fx, &err), &err);
    for (size_t pad = 0; pad < 4; pad++) {
        t_fill_latvian(text, sizeof(text), pad);
        free(r);
        r = NULL;
        EXPECT_OK(gw_receipt_make(fx.visc, LUDZA, fx.id, fx.digest, GW_RECEIPT_REJECTED, GW_R_SCHEMA_INVALID, text,
                                  &r, &len, NULL, &err),
                  &err);
        EXPECT_OK(check(t, &fx, r, len, &info, &err), &err);
        EXPECT_INT_EQ(info.status, GW_RECEIPT_REJECTED);
        EXPECT_STR_EQ(info.reason_code, "SCHEMA_INVALID");
        EXPECT_TRUE(xmlCheckUTF8((const xmlChar *)info.reason_text) == 1);
    }
out:
    free(r);
    fixture_cleanup(&fx);
}

static const struct t_case cases[] = {
    {"accepted", test_accepted, NULL},
    {"misbound", test_misbound, NULL},
    {"in_reply_to_differs", test_in_reply_to_differs, NULL},
    {"rejected_text_cut", test_rejected_text_cut, NULL},
};

const struct t_module t_module_receipt = {"receipt", cases, T_COUNT(cases)};

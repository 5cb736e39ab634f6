// SPDX-License-Identifier: MIT
/*
 * Unit tests of envelope.c: every header field of examples/decision-ludza.xml is read, MessageType must
 * name the payload, fields are read as their whole text (across comments), and on failure the output
 * struct is untouched. (The syntax checks of the fields are tested with ids.c, in test_ids.c.)
 */
#include <stdio.h>
#include <stdlib.h>

#include "gw/envelope.h"
#include "gw/schema.h"
#include "t.h"

#define NS_ENV "urn:lv:skola-kopiena:envelope:v1"
#define DECISION_LUDZA "examples/decision-ludza.xml"

static const char subject_ludza[] = "Lēmums Nr. 403 Par sadarbību projekta 4.2.3.1. \"Integrēta \"skola-kopiena\" "
                                    "sadarbības programma atstumtības riska mazināšanai izglītības iestādēs\" "
                                    "darbību īstenošanai";

static void
test_read_decision_ludza(struct t *t)
{
    struct gw_err err;
    xmlDoc *doc = NULL;
    struct gw_envelope e = {0};

    EXPECT_OK(t_load_doc(DECISION_LUDZA, &doc, &err), &err);
    EXPECT_OK(gw_envelope_read(doc, DECISION_LUDZA, &e, &err), &err);
    EXPECT_STR_EQ(e.message_id, "7228649c-d108-458e-8bc1-fe490fc800e3");
    EXPECT_STR_EQ(e.in_reply_to, "");
    EXPECT_STR_EQ(e.sender, "90000017453");
    EXPECT_STR_EQ(e.recipient, "90001800413");
    EXPECT_INT_EQ(e.type, GW_MSG_DECISION);
    EXPECT_STR_EQ(e.created, "2024-09-25T16:05:00+03:00");
    EXPECT_STR_EQ(e.subject, subject_ludza);
    EXPECT_TRUE(gw_xml_is(e.payload, "urn:lv:skola-kopiena:decision:v1", "Decision"));
    EXPECT_TRUE(e.payload->doc == doc);
out:
    gw_envelope_cleanup(&e);
    xmlFreeDoc(doc);
}

/* InReplyTo, and every other message type, across the examples. */
static void
test_read_all_examples(struct t *t)
{
    static const struct {
        const char *path;
        enum gw_msg_type type;
        const char *sender;
        bool in_reply;
    } want[] = {
        {"examples/confirmation-talsi-conflict-of-interest.xml", GW_MSG_CONFIRMATION, "90009113532", true},
        {"examples/confirmation-talsi-readiness.xml", GW_MSG_CONFIRMATION, "90009113532", true},
        {"examples/datareport-ludza-2025q1.xml", GW_MSG_DATAREPORT, "90000017453", false},
        {"examples/decision-ludza.xml", GW_MSG_DECISION, "90000017453", false},
        {"examples/decision-talsi.xml", GW_MSG_DECISION, "90009113532", true},
        {"examples/letter-invitation.xml", GW_MSG_LETTER, "90001800413", false},
        {"examples/receipt-accepted-decision-talsi.xml", GW_MSG_RECEIPT, "90001800413", true},
    };
    struct gw_err err;
    xmlDoc *doc = NULL;
    struct gw_envelope e = {0};

    for (size_t i = 0; i < T_COUNT(want); i++) {
        EXPECT_OK(t_load_doc(want[i].path, &doc, &err), &err);
        EXPECT_OK(gw_envelope_read(doc, want[i].path, &e, &err), &err);
        if (e.type != want[i].type || strcmp(e.sender, want[i].sender) != 0 ||
            (e.in_reply_to[0] != '\0') != want[i].in_reply || !gw_ids_is_uuid(e.message_id) ||
            (want[i].in_reply && !gw_ids_is_uuid(e.in_reply_to)) || e.subject == NULL || e.subject[0] == '\0') {
            T_FAIL("%s: type %s sender %s in_reply_to '%s'", want[i].path, gw_msg_type_name(e.type), e.sender,
                   e.in_reply_to);
        }
        gw_envelope_cleanup(&e);
        xmlFreeDoc(doc);
        doc = NULL;
    }
out:
    gw_envelope_cleanup(&e);
    xmlFreeDoc(doc);
}

/* Replace the whole content of the first header field called local. */
static bool
set_field(xmlDoc *doc, const char *local, const char *value)
{
    xmlNode *n = t_find(xmlDocGetRootElement(doc), NS_ENV, local);

    if (n == NULL) {
        return false;
    }
    xmlNodeSetContent(n, (const xmlChar *)value);
    return true;
}

/* Fill e with a byte pattern; check later that a failed read left every byte of it. */
static void
poison(struct gw_envelope *e, struct gw_envelope *copy)
{
    memset(e, 0xa5, sizeof(*e));
    memcpy(copy, e, sizeof(*e));
}

/* Expect gw_envelope_read to fail with reason and leave *out untouched. */
static void
expect_read_fail(struct t *t, xmlDoc *doc, enum gw_reason reason, const char *file, int line)
{
    struct gw_err err;
    struct gw_envelope e;
    struct gw_envelope copy;
    enum gw_rc rc;

    poison(&e, &copy);
    gw_err_clear(&err);
    rc = gw_envelope_read(doc, "t.xml", &e, &err);
    if (rc == GW_OK) {
        t_fail(t, file, line, "gw_envelope_read succeeded; expected %s", gw_reason_code(reason));
        gw_envelope_cleanup(&e);
    } else if (err.reason != reason || err.rc != rc) {
        t_fail(t, file, line, "got %s, expected %s (%s)", gw_reason_code(err.reason), gw_reason_code(reason),
               err.msg);
    } else if (memcmp(&e, &copy, sizeof(e)) != 0) {
        t_fail(t, file, line, "the output struct was changed on failure");
    } else if (strcmp(err.where, "t.xml") != 0) {
        t_fail(t, file, line, "err.where is '%s', not the document name", err.where);
    }
}

#define READ_FAILS(doc, reason)                                                                                   \
    do {                                                                                                          \
        expect_read_fail(t, (doc), (reason), __FILE__, __LINE__);                                                 \
        if (t->failed) {                                                                                          \
            goto out;                                                                                             \
        }                                                                                                         \
    } while (0)

static void
test_type_mismatch(struct t *t)
{
    struct gw_err err;
    xmlDoc *doc = NULL;

    EXPECT_OK(t_load_doc(DECISION_LUDZA, &doc, &err), &err);
    EXPECT_TRUE(set_field(doc, "MessageType", "Letter"));
    READ_FAILS(doc, GW_R_TYPE_MISMATCH);
    EXPECT_TRUE(set_field(doc, "MessageType", "Receipt"));
    READ_FAILS(doc, GW_R_TYPE_MISMATCH);
out:
    xmlFreeDoc(doc);
}

/* The payload's namespace counts, not only its local name. */
static void
test_type_mismatch_namespace(struct t *t)
{
    struct gw_err err;
    xmlDoc *doc = NULL;
    xmlNode *payload;
    xmlNs *other;

    EXPECT_OK(t_load_doc(DECISION_LUDZA, &doc, &err), &err);
    payload = t_find(xmlDocGetRootElement(doc), "urn:lv:skola-kopiena:decision:v1", "Decision");
    EXPECT_TRUE(payload != NULL);
    other = xmlNewNs(payload, (const xmlChar *)"urn:lv:skola-kopiena:letter:v1", (const xmlChar *)"l");
    EXPECT_TRUE(other != NULL);
    xmlSetNs(payload, other);
    READ_FAILS(doc, GW_R_TYPE_MISMATCH);
out:
    xmlFreeDoc(doc);
}

static void
test_header_malformed(struct t *t)
{
    static const struct {
        const char *field;
        const char *value;
    } bad[] = {
        {"MessageType", "Memo"},
        {"MessageType", ""},
        {"MessageId", "7228649C-D108-458E-8BC1-FE490FC800E3"},
        {"MessageId", "not-a-uuid"},
        {"Sender", "9000001745"},
        {"Sender", "900000174530"},
        {"Recipient", "9000001745x"},
        {"Created", "2024-09-25"},
        {"Created", "2024-09-25T16:05:00"},
    };
    struct gw_err err;
    xmlDoc *doc = NULL;

    for (size_t i = 0; i < T_COUNT(bad); i++) {
        EXPECT_OK(t_load_doc(DECISION_LUDZA, &doc, &err), &err);
        EXPECT_TRUE(set_field(doc, bad[i].field, bad[i].value));
        READ_FAILS(doc, GW_R_SCHEMA_INVALID);
        xmlFreeDoc(doc);
        doc = NULL;
    }
out:
    xmlFreeDoc(doc);
}

static void
test_header_structure(struct t *t)
{
    struct gw_err err;
    xmlDoc *doc = NULL;
    xmlNode *n;

    /* a required field missing */
    EXPECT_OK(t_load_doc("examples/invalid/missing-subject.xml", &doc, &err), &err);
    READ_FAILS(doc, GW_R_SCHEMA_INVALID);
    xmlFreeDoc(doc);
    doc = NULL;
    /* a field twice */
    EXPECT_OK(t_load_doc(DECISION_LUDZA, &doc, &err), &err);
    n = t_find(xmlDocGetRootElement(doc), NS_ENV, "Sender");
    EXPECT_TRUE(n != NULL && xmlAddNextSibling(n, xmlDocCopyNode(n, doc, 1)) != NULL);
    READ_FAILS(doc, GW_R_SCHEMA_INVALID);
    xmlFreeDoc(doc);
    doc = NULL;
    /* two payloads */
    EXPECT_OK(t_load_doc(DECISION_LUDZA, &doc, &err), &err);
    n = t_find(xmlDocGetRootElement(doc), "urn:lv:skola-kopiena:decision:v1", "Decision");
    EXPECT_TRUE(n != NULL && xmlAddNextSibling(n, xmlDocCopyNode(n, doc, 1)) != NULL);
    READ_FAILS(doc, GW_R_SCHEMA_INVALID);
    xmlFreeDoc(doc);
    doc = NULL;
    /* no payload */
    EXPECT_OK(t_load_doc(DECISION_LUDZA, &doc, &err), &err);
    n = t_find(xmlDocGetRootElement(doc), "urn:lv:skola-kopiena:decision:v1", "Decision");
    EXPECT_TRUE(n != NULL);
    xmlUnlinkNode(n);
    xmlFreeNode(n);
    READ_FAILS(doc, GW_R_SCHEMA_INVALID);
out:
    xmlFreeDoc(doc);
}

static void
test_not_an_envelope(struct t *t)
{
    struct gw_err err;
    xmlDoc *doc = NULL;

    EXPECT_OK(t_parse_str("<Envelope><Header/><Body/></Envelope>", NULL, &doc, &err), &err);
    READ_FAILS(doc, GW_R_SCHEMA_UNKNOWN);
    xmlFreeDoc(doc);
    doc = NULL;
    EXPECT_OK(t_parse_str("<d:Decision xmlns:d='urn:lv:skola-kopiena:decision:v1'/>", NULL, &doc, &err), &err);
    READ_FAILS(doc, GW_R_SCHEMA_UNKNOWN);
    xmlFreeDoc(doc);
    doc = NULL;
    EXPECT_OK(t_parse_str("<e:Envelope xmlns:e='urn:lv:skola-kopiena:envelope:v1'><e:Body/></e:Envelope>", NULL,
                          &doc, &err),
              &err);
    READ_FAILS(doc, GW_R_SCHEMA_INVALID);
out:
    xmlFreeDoc(doc);
}

/*
 * Regression test of a GATEWAY BUG found by this suite (envelope.c): its format checks "repeat the
 * schema's", but Created is a c:DateTimeTzType, derived from xs:dateTime, whose whitespace facet is
 * "collapse": the schema accepts "\n  2024-09-25T16:05:00+03:00\n" (a pretty-printed header) and
 * gw_envelope_read rejected the valid message as SCHEMA_INVALID. Schema and envelope must agree.
 */
static void
test_created_as_schema(struct t *t)
{
    struct gw_err schema_err;
    struct gw_err err;
    xmlDoc *doc = NULL;
    struct gw_envelope e = {0};
    enum gw_rc schema_rc;
    enum gw_rc envelope_rc;

    EXPECT_OK(t_load_doc(DECISION_LUDZA, &doc, &err), &err);
    EXPECT_TRUE(set_field(doc, "Created", "\n      2024-09-25T16:05:00+03:00\n    "));
    gw_err_clear(&schema_err);
    gw_err_clear(&err);
    schema_rc = gw_schemas_validate(t->schemas, doc, DECISION_LUDZA, NULL, NULL, &schema_err);
    envelope_rc = gw_envelope_read(doc, DECISION_LUDZA, &e, &err);
    if ((schema_rc == GW_OK) != (envelope_rc == GW_OK)) {
        T_FAIL("schema says %s, gw_envelope_read says %s (%s)", schema_rc == GW_OK ? "valid" : schema_err.msg,
               envelope_rc == GW_OK ? "valid" : gw_reason_code(err.reason), err.msg);
    }
out:
    gw_envelope_cleanup(&e);
    xmlFreeDoc(doc);
}

/* DESIGN §3: a comment splitting the Subject does not shorten what is read. */
static void
test_subject_split_by_comment(struct t *t)
{
    struct gw_err err;
    xmlDoc *doc = NULL;
    struct gw_envelope e = {0};
    xmlNode *subject;

    EXPECT_OK(t_load_doc(DECISION_LUDZA, &doc, &err), &err);
    subject = t_find(xmlDocGetRootElement(doc), NS_ENV, "Subject");
    EXPECT_TRUE(subject != NULL);
    xmlNodeSetContent(subject, (const xmlChar *)"Lēmums");
    EXPECT_TRUE(xmlAddChild(subject, xmlNewDocComment(doc, (const xmlChar *)" x ")) != NULL);
    EXPECT_TRUE(xmlAddChild(subject, xmlNewDocText(doc, (const xmlChar *)" Nr. 403")) != NULL);
    EXPECT_OK(gw_envelope_read(doc, DECISION_LUDZA, &e, &err), &err);
    EXPECT_STR_EQ(e.subject, "Lēmums Nr. 403");
out:
    gw_envelope_cleanup(&e);
    xmlFreeDoc(doc);
}

static const struct t_case cases[] = {
    {"read_decision_ludza", test_read_decision_ludza, NULL},
    {"read_all_examples", test_read_all_examples, NULL},
    {"type_mismatch", test_type_mismatch, NULL},
    {"type_mismatch_namespace", test_type_mismatch_namespace, NULL},
    {"header_malformed", test_header_malformed, NULL},
    {"header_structure", test_header_structure, NULL},
    {"not_an_envelope", test_not_an_envelope, NULL},
    {"created_as_schema", test_created_as_schema, NULL},
    {"subject_split_by_comment", test_subject_split_by_comment, NULL},
};

const struct t_module t_module_envelope = {"envelope", cases, T_COUNT(cases)};

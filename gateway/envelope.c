// SPDX-License-Identifier: MIT
/*
 * Envelope header extraction (DESIGN §2, §3 "read from the node that was verified"). Each field is the whole
 * text content of its element, so a comment spliced into signed text cannot shorten what is read. Format
 * checks repeat the schema's, so that a caller that skipped validation still fails closed.
 */
#include "gw/envelope.h"

#include <stdlib.h>
#include <string.h>

#include "gw/xml.h"

void
gw_envelope_cleanup(struct gw_envelope *e)
{
    free(e->subject);
    memset(e, 0, sizeof(*e));
}

/* Strip XML whitespace at both ends in place: the schema types of these fields collapse whitespace, so
 * the value the schema validated is the trimmed one. */
static void
trim_xml_space(char *s)
{
    size_t len = strlen(s);
    size_t start = strspn(s, " \t\r\n");

    while (len > start && strchr(" \t\r\n", s[len - 1]) != NULL) {
        len--;
    }
    memmove(s, s + start, len - start);
    s[len - start] = '\0';
}

/* Copy the whole text of the header child called local into dst (size n), checking its syntax. */
static enum gw_rc
copy_field(const xmlNode *header, const char *local, bool required, bool (*valid)(const char *), char *dst,
           size_t n, char **owned, struct gw_err *err)
{
    enum gw_rc rc = GW_EINPUT;
    const xmlNode *node = NULL;
    char *text = NULL;

    for (const xmlNode *c = gw_xml_first_elem(header); c != NULL; c = gw_xml_next_elem(c)) {
        if (gw_xml_is(c, GW_NS_ENVELOPE, local)) {
            GW_CHECK(node == NULL, GW_EINPUT, GW_R_SCHEMA_INVALID, "Header has more than one %s", local);
            node = c;
        }
    }
    if (node == NULL && !required) {
        return GW_OK;
    }
    GW_CHECK(node != NULL, GW_EINPUT, GW_R_SCHEMA_INVALID, "Header has no %s", local);
    text = gw_xml_text(node);
    GW_CHECK(text != NULL, GW_ENOMEM, GW_R_NOMEM, "header field");
    if (owned == NULL) {
        trim_xml_space(text);
    }
    GW_CHECK(valid == NULL || valid(text), GW_EINPUT, GW_R_SCHEMA_INVALID, "Header %s is malformed", local);
    if (owned != NULL) {
        *owned = text;
        text = NULL;
    } else {
        GW_CHECK(strlen(text) < n, GW_EINPUT, GW_R_SCHEMA_INVALID, "Header %s is too long", local);
        memcpy(dst, text, strlen(text) + 1);
    }
    rc = GW_OK;
out:
    free(text);
    return rc;
}

static bool
is_created(const char *s)
{
    size_t n = strlen(s);
    /* xs:dateTime with a mandatory zone: at least "YYYY-MM-DDThh:mm:ssZ" */
    return n >= 20 && n < 64 && s[4] == '-' && s[10] == 'T' &&
           (s[n - 1] == 'Z' || s[n - 6] == '+' || s[n - 6] == '-');
}

/* The whole text of the first child element of parent with this namespace and local name, or NULL. */
static char *
child_text(const xmlNode *parent, const char *ns, const char *local)
{
    for (const xmlNode *c = parent != NULL ? gw_xml_first_elem(parent) : NULL; c != NULL;
         c = gw_xml_next_elem(c)) {
        if (gw_xml_is(c, ns, local)) {
            return gw_xml_text(c);
        }
    }
    return NULL;
}

static const xmlNode *
child(const xmlNode *parent, const char *ns, const char *local)
{
    for (const xmlNode *c = gw_xml_first_elem(parent); c != NULL; c = gw_xml_next_elem(c)) {
        if (gw_xml_is(c, ns, local)) {
            return c;
        }
    }
    return NULL;
}

/* Rules XSD 1.0 cannot state (docs/messages.md): a report period does not end before it starts; a
 * rejection names its reason. */
static enum gw_rc
check_payload_rules(const struct gw_envelope *e, struct gw_err *err)
{
    enum gw_rc rc = GW_EINPUT;
    const char *ns = gw_msg_type_ns(e->type);
    char *a = NULL;
    char *b = NULL;

    if (e->type == GW_MSG_DATAREPORT) {
        const xmlNode *period = child(e->payload, ns, "Period");
        a = child_text(period, ns, "Start");
        b = child_text(period, ns, "End");
        /* xs:date values start with YYYY-MM-DD, which orders as text */
        GW_CHECK(a == NULL || b == NULL || strncmp(a, b, 10) <= 0, GW_EINPUT, GW_R_SCHEMA_INVALID,
                 "DataReport Period ends (%s) before it starts (%s)", b, a);
    } else if (e->type == GW_MSG_RECEIPT) {
        a = child_text(e->payload, ns, "Status");
        b = child_text(e->payload, ns, "ReasonCode");
        GW_CHECK(a == NULL || strcmp(a, "Rejected") != 0 || b != NULL, GW_EINPUT, GW_R_SCHEMA_INVALID,
                 "a Rejected Receipt must carry a ReasonCode");
    }
    rc = GW_OK;
out:
    free(a);
    free(b);
    return rc;
}

enum gw_rc
gw_envelope_read(xmlDoc *doc, const char *name, struct gw_envelope *out, struct gw_err *err)
{
    enum gw_rc rc = GW_EINPUT;
    struct gw_envelope e = {0};
    xmlNode *root = xmlDocGetRootElement(doc);
    xmlNode *header = NULL;
    xmlNode *body = NULL;
    char type_name[32] = "";

    GW_CHECK(gw_xml_is(root, GW_NS_ENVELOPE, "Envelope"), GW_EINPUT, GW_R_SCHEMA_UNKNOWN,
             "root element is not {%s}Envelope", GW_NS_ENVELOPE);
    header = gw_xml_first_elem(root);
    GW_CHECK(gw_xml_is(header, GW_NS_ENVELOPE, "Header"), GW_EINPUT, GW_R_SCHEMA_INVALID,
             "Envelope does not start with Header");
    body = gw_xml_next_elem(header);
    GW_CHECK(gw_xml_is(body, GW_NS_ENVELOPE, "Body"), GW_EINPUT, GW_R_SCHEMA_INVALID,
             "Header is not followed by Body");
    GW_TRY(copy_field(header, "MessageId", true, gw_ids_is_uuid, e.message_id, sizeof(e.message_id), NULL, err));
    GW_TRY(
        copy_field(header, "InReplyTo", false, gw_ids_is_uuid, e.in_reply_to, sizeof(e.in_reply_to), NULL, err));
    GW_TRY(copy_field(header, "Sender", true, gw_ids_is_regno, e.sender, sizeof(e.sender), NULL, err));
    GW_TRY(copy_field(header, "Recipient", true, gw_ids_is_regno, e.recipient, sizeof(e.recipient), NULL, err));
    GW_TRY(copy_field(header, "MessageType", true, NULL, type_name, sizeof(type_name), NULL, err));
    GW_TRY(copy_field(header, "Created", true, is_created, e.created, sizeof(e.created), NULL, err));
    GW_TRY(copy_field(header, "Subject", true, NULL, NULL, 0, &e.subject, err));
    GW_CHECK(gw_msg_type_from_name(type_name, &e.type), GW_EINPUT, GW_R_SCHEMA_INVALID,
             "MessageType '%s' is unknown", type_name);
    e.payload = gw_xml_first_elem(body);
    GW_CHECK(e.payload != NULL && gw_xml_next_elem(e.payload) == NULL, GW_EINPUT, GW_R_SCHEMA_INVALID,
             "Body must hold exactly one payload");
    GW_CHECK(gw_xml_is(e.payload, gw_msg_type_ns(e.type), gw_msg_type_name(e.type)), GW_EINPUT, GW_R_TYPE_MISMATCH,
             "MessageType is %s but the payload is {%s}%s", type_name,
             e.payload->ns != NULL ? (const char *)e.payload->ns->href : "", (const char *)e.payload->name);
    GW_TRY(check_payload_rules(&e, err));
    *out = e;
    memset(&e, 0, sizeof(e));
    rc = GW_OK;
out:
    if (rc != GW_OK) {
        gw_err_where(err, "%s", name);
    }
    gw_envelope_cleanup(&e);
    return rc;
}

/* SPDX-License-Identifier: MIT */
/*
 * The message envelope (DESIGN §2): header fields copied out of a document's envelope root into owned
 * fields. Call it on the document that was validated and, for received messages, verified: the fields are
 * read from the very nodes the signature covered, as their whole text content.
 */
#ifndef GW_ENVELOPE_H
#define GW_ENVELOPE_H

#include <libxml/tree.h>
#include <stdbool.h>

#include "gw/err.h"
#include "gw/ids.h"

struct gw_envelope {
    char message_id[GW_UUID_LEN + 1];  /* lowercase UUID */
    char in_reply_to[GW_UUID_LEN + 1]; /* "" when absent */
    char sender[GW_REGNO_LEN + 1];     /* registration number, 11 digits */
    char recipient[GW_REGNO_LEN + 1];
    enum gw_msg_type type;
    char created[64]; /* xs:dateTime as written */
    char *subject;    /* owned, UTF-8 */
    xmlNode *payload; /* borrowed from the document the envelope was read from */
};

/*
 * Read the header of doc's envelope root and check that MessageType names the payload element.
 * OUT: *out (gw_envelope_cleanup()); on failure *out is untouched.
 * Reasons: SCHEMA_UNKNOWN (root is not an envelope), SCHEMA_INVALID (a header field missing or malformed),
 * TYPE_MISMATCH, NOMEM.
 */
GW_MUST_CHECK enum gw_rc gw_envelope_read(xmlDoc *doc, const char *name, struct gw_envelope *out,
                                          struct gw_err *err);
void gw_envelope_cleanup(struct gw_envelope *e);

#endif

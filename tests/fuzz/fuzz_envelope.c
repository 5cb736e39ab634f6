// SPDX-License-Identifier: MIT
/*
 * Fuzz target: an envelope as the handlers read it, on arbitrary bytes:
 * - read_unvalidated: gw_xml_parse, then gw_envelope_read without the schema, as POST /v1/exchange does to
 *   name a message that failed verification in its Rejected receipt (api_exchange.c);
 * - read_submitted: gw_xml_parse, gw_schemas_validate, gw_envelope_read, the sequence of POST /v1/messages
 *   for an unsigned envelope (api_submit.c), with the default limits and max_body at its default.
 * Each must end with a clean result that says why; an envelope that is read holds only what its contract
 * allows (checked below), and a failed read leaves its output untouched. Schemas from schemas/: run from
 * the repository root. No signing and no store: fuzz_http has those.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gw/envelope.h"
#include "gw/ids.h"
#include "gw/limits.h"
#include "gw/schema.h"
#include "gw/xml.h"

#include "fuzz.h"

static struct gw_schemas *schemas;

static void
setup_once(void)
{
    struct gw_err err;

    if (schemas != NULL) {
        return;
    }
    gw_err_clear(&err);
    if (gw_xml_init("schemas", &err) != GW_OK || gw_schemas_load("schemas", &schemas, &err) != GW_OK) {
        abort(); /* run from the repository root */
    }
}

/* What gw_envelope_read promises about an envelope it read (include/gw/envelope.h). */
static void
check_envelope(const struct gw_envelope *e)
{
    CHECK(gw_ids_is_uuid(e->message_id));
    CHECK(e->in_reply_to[0] == '\0' || gw_ids_is_uuid(e->in_reply_to));
    CHECK(gw_ids_is_regno(e->sender) && gw_ids_is_regno(e->recipient));
    CHECK((unsigned)e->type < GW_MSG_TYPE_COUNT);
    CHECK(strnlen(e->created, sizeof(e->created)) < sizeof(e->created));
    CHECK(e->payload != NULL && e->payload->type == XML_ELEMENT_NODE);
    CHECK(e->subject == NULL || strlen(e->subject) <= GW_MAX_DOC_BYTES);
}

/* gw_envelope_read on doc, checked against its contract. */
static enum gw_rc
read_checked(xmlDoc *doc)
{
    struct gw_err err;
    struct gw_envelope env = {0};
    static const struct gw_envelope zero = {0};
    enum gw_rc rc;

    gw_err_clear(&err);
    rc = gw_envelope_read(doc, "fuzz", &env, &err);
    if (rc == GW_OK) {
        CHECK(err.rc == GW_OK);
        check_envelope(&env);
    } else {
        CHECK(err.rc == rc && memcmp(&env, &zero, sizeof(env)) == 0);
    }
    gw_envelope_cleanup(&env);
    return rc;
}

static bool
read_unvalidated(xmlDoc *doc)
{
    return read_checked(doc) == GW_OK;
}

static void
read_submitted(xmlDoc *doc, bool read_ok)
{
    struct gw_err err;
    enum gw_rc rc;

    gw_err_clear(&err);
    rc = gw_schemas_validate(schemas, doc, "fuzz", NULL, NULL, &err);
    CHECK(rc == GW_OK ? err.rc == GW_OK : err.rc == rc);
    if (rc == GW_OK) {
        /* the same document read again gives the same verdict: validation does not change it */
        CHECK((read_checked(doc) == GW_OK) == read_ok);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct gw_err err;
    struct gw_xml_limits lim;
    xmlDoc *doc = NULL;
    enum gw_rc rc;

    setup_once();
    gw_err_clear(&err);
    gw_xml_limits_default(&lim);
    lim.max_bytes = GW_MAX_DOC_BYTES; /* max_body's default */
    rc = gw_xml_parse(data, size, "fuzz", &lim, &doc, &err);
    if (rc != GW_OK) {
        CHECK(err.rc == rc && doc == NULL); /* a failure says why */
        return 0;
    }
    CHECK(doc != NULL && err.rc == GW_OK);
    read_submitted(doc, read_unvalidated(doc));
    xmlFreeDoc(doc);
    return 0;
}

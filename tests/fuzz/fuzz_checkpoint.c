// SPDX-License-Identifier: MIT
/*
 * Fuzz target: the checkpoint reader (checkpoint.c), with the tests/pki trust anchor and CRL and Ludza's
 * test key. The first input byte picks the target, the rest is its input:
 * - checkpoint_check (0): the bytes as a signed checkpoint, through gw_checkpoint_check (size limit, parser,
 *   full verification policy, field reader);
 * - signed_checkpoint (1): the bytes as an unsigned checkpoint document, signed here with Ludza's key (RSA:
 *   the signature is a function of the bytes) and checked, so that the field reader after the signature check
 *   sees fuzzed values;
 * - checkpoint_read (2): the bytes parsed and schema-validated, their envelope read, and gw_checkpoint_read
 *   run on it without a signature (the reader alone, also on documents the schema refuses).
 * A read that passes must hand out well-formed fields; one that fails must say why and leave its output
 * untouched. Run from the repository root. Deterministic: certificate validity is the only dependence on
 * the time.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gw/checkpoint.h"
#include "gw/dsig.h"
#include "gw/envelope.h"
#include "gw/ids.h"
#include "gw/limits.h"
#include "gw/pki.h"
#include "gw/schema.h"
#include "gw/sign.h"
#include "gw/xml.h"

#include "fuzz.h"

static struct gw_schemas *schemas;
static struct gw_pki *pki;
static struct gw_signer *signer;

static void
setup_once(void)
{
    struct gw_err err;

    if (schemas != NULL) {
        return;
    }
    fuzz_setup_verify(&schemas, &pki);
    gw_err_clear(&err);
    if (gw_signer_load("tests/pki/ludza.key.pem", "tests/pki/ludza.pem", "tests/pki/chain.pem", false, &signer,
                       &err) != GW_OK) {
        abort();
    }
}

/* The fields of a checkpoint that was read: what include/gw/checkpoint.h promises. */
static void
check_fields(const struct gw_checkpoint *cp)
{
    static const char form[] = "9999-99-99T99:99:99.999Z";

    CHECK(gw_ids_is_regno(cp->origin));
    CHECK(cp->tree_size <= GW_MERKLE_MAX_SIZE);
    CHECK(strlen(cp->time) == sizeof(form) - 1);
    for (size_t i = 0; form[i] != '\0'; i++) {
        CHECK(form[i] == '9' ? (cp->time[i] >= '0' && cp->time[i] <= '9') : cp->time[i] == form[i]);
    }
}

static void
check(const unsigned char *data, size_t len, const char *origin)
{
    struct gw_err err;
    struct gw_checkpoint cp;
    struct gw_checkpoint before;
    enum gw_rc rc;

    memset(&cp, 0x5a, sizeof(cp));
    memcpy(&before, &cp, sizeof(cp));
    gw_err_clear(&err);
    rc = gw_checkpoint_check(pki, schemas, data, len, "checkpoint", origin, &cp, &err);
    if (rc == GW_OK) {
        CHECK(err.rc == GW_OK);
        check_fields(&cp);
        CHECK(origin == NULL || strcmp(cp.origin, origin) == 0);
    } else {
        CHECK(err.rc == rc && memcmp(&cp, &before, sizeof(cp)) == 0);
    }
}

static void
signed_checkpoint(const uint8_t *data, size_t size)
{
    unsigned char *out = NULL;
    size_t out_len = 0;

    if (fuzz_sign(signer, data, size, "checkpoint", &out, &out_len)) {
        check(out, out_len, gw_signer_regno(signer));
        free(out);
    }
}

static void
checkpoint_read(const uint8_t *data, size_t size)
{
    struct gw_err err;
    struct gw_xml_limits lim;
    xmlDoc *doc = NULL;
    struct gw_envelope env = {0};
    struct gw_checkpoint cp;
    struct gw_checkpoint before;
    enum gw_rc rc;

    gw_err_clear(&err);
    gw_xml_limits_default(&lim);
    if (gw_xml_parse(data, size, "checkpoint", &lim, &doc, &err) != GW_OK) {
        return;
    }
    /* the schema's verdict is not a precondition of the reader: run it either way */
    if (gw_schemas_validate(schemas, doc, "checkpoint", NULL, NULL, &err) != GW_OK) {
        gw_err_clear(&err);
    }
    if (gw_envelope_read(doc, "checkpoint", &env, &err) == GW_OK) {
        memset(&cp, 0x5a, sizeof(cp));
        memcpy(&before, &cp, sizeof(cp));
        gw_err_clear(&err);
        rc = gw_checkpoint_read(&env, &cp, &err);
        if (rc == GW_OK) {
            check_fields(&cp);
            CHECK(strcmp(cp.origin, env.sender) == 0 && strcmp(cp.origin, env.recipient) == 0);
        } else {
            CHECK(err.rc == rc && memcmp(&cp, &before, sizeof(cp)) == 0);
        }
        gw_envelope_cleanup(&env);
    }
    xmlFreeDoc(doc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup_once();
    if (size == 0) {
        return 0;
    }
    switch (data[0] % 3) {
    case 0:
        check(data + 1, size - 1, NULL);
        break;
    case 1:
        signed_checkpoint(data + 1, size - 1);
        break;
    default:
        checkpoint_read(data + 1, size - 1);
        break;
    }
    return 0;
}

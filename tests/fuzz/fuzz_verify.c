// SPDX-License-Identifier: MIT
/*
 * Fuzz target: gw_xml_parse -> gw_verify_message (schema, envelope, certificate chain, xmlsec), the whole
 * path a hostile message takes through the exchange endpoint. Trust anchors and CRL from tests/pki/.
 * Run from the repository root. Deterministic: no time-dependent input besides certificate validity.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "gw/dsig.h"
#include "gw/pki.h"
#include "gw/schema.h"
#include "gw/verify.h"
#include "gw/xml.h"

#include "fuzz.h"

static struct gw_schemas *schemas;
static struct gw_pki *pki;

static void
setup_once(void)
{
    if (schemas == NULL) {
        fuzz_setup_verify(&schemas, &pki);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct gw_err err;
    struct gw_xml_limits lim;
    xmlDoc *doc = NULL;
    struct gw_verified v = {0};

    setup_once();
    gw_err_clear(&err);
    gw_xml_limits_default(&lim);
    if (gw_xml_parse(data, size, "fuzz", &lim, &doc, &err) == GW_OK) {
        if (gw_verify_message(pki, schemas, doc, "fuzz", &v, &err) == GW_OK) {
            gw_verified_cleanup(&v);
        }
        xmlFreeDoc(doc);
    }
    return 0;
}

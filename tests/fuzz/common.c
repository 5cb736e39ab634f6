// SPDX-License-Identifier: MIT
/*
 * Helpers of the fuzz targets that verify and sign (fuzz.h): the process-wide set-up and the signing of fuzzed
 * documents. No target lives here.
 */
#include "fuzz.h"

#include "gw/dsig.h"
#include "gw/err.h"
#include "gw/xml.h"

void
fuzz_setup_verify(struct gw_schemas **schemas, struct gw_pki **pki)
{
    struct gw_err err;
    const char *crls[] = {"tests/pki/crl.pem"};

    gw_err_clear(&err);
    if (gw_xml_init("schemas", &err) != GW_OK || gw_dsig_init(&err) != GW_OK ||
        gw_schemas_load("schemas", schemas, &err) != GW_OK ||
        gw_pki_load("tests/pki/trust.pem", crls, 1, pki, &err) != GW_OK) {
        abort(); /* run from the repository root */
    }
}

bool
fuzz_sign(const struct gw_signer *signer, const uint8_t *data, size_t size, const char *name, unsigned char **out,
          size_t *len)
{
    struct gw_err err;
    struct gw_xml_limits lim;
    xmlDoc *doc = NULL;
    bool ok = false;

    gw_err_clear(&err);
    gw_xml_limits_default(&lim);
    if (gw_xml_parse(data, size, name, &lim, &doc, &err) == GW_OK) {
        ok = gw_signer_sign(signer, doc, name, &err) == GW_OK && gw_xml_serialize(doc, out, len, &err) == GW_OK;
        xmlFreeDoc(doc);
    }
    return ok;
}

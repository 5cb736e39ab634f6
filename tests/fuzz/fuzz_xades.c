// SPDX-License-Identifier: MIT
/*
 * Fuzz target: gw_xml_parse -> gw_verify_message_opts with TSA anchors, the path of a XAdES B-B/B-T message
 * through `gateway verify --tsa-trust` (xades.c structure, Id uniqueness, the SignatureTimeStamp's C14N
 * digest and token check, SigningCertificateV2, SigningTime) and, for inputs of odd length, `--at
 * signing-time` (the chain judged at the token's time). Signer anchors and CRL from tests/pki/, TSA anchor
 * tests/fuzz/data/xades-tsa-root.pem (the example TSA root that signed the corpus's B-T token; a certificate,
 * no key). Run from the repository root. Deterministic but for certificate validity and the clock.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "gw/dsig.h"
#include "gw/pki.h"
#include "gw/schema.h"
#include "gw/tsp.h"
#include "gw/verify.h"
#include "gw/xml.h"

#include "fuzz.h"

static struct gw_schemas *schemas;
static struct gw_pki *pki;
static X509_STORE *tsa_store;

static void
setup_once(void)
{
    struct gw_err err;

    if (schemas != NULL) {
        return;
    }
    fuzz_setup_verify(&schemas, &pki);
    gw_err_clear(&err);
    if (gw_tsp_load_anchors("tests/fuzz/data/xades-tsa-root.pem", &tsa_store, &err) != GW_OK) {
        abort(); /* run from the repository root */
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct gw_err err;
    struct gw_xml_limits lim;
    xmlDoc *doc = NULL;
    struct gw_verified v = {0};
    struct gw_verify_opts opts = {0};

    setup_once();
    opts.tsa_store = tsa_store;
    opts.at_signing_time = (size & 1u) != 0;
    gw_err_clear(&err);
    gw_xml_limits_default(&lim);
    if (gw_xml_parse(data, size, "fuzz", &lim, &doc, &err) == GW_OK) {
        if (gw_verify_message_opts(pki, schemas, doc, "fuzz", &opts, &v, &err) == GW_OK) {
            gw_verified_cleanup(&v);
        }
        xmlFreeDoc(doc);
    }
    return 0;
}

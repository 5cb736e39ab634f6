// SPDX-License-Identifier: MIT
/*
 * Helpers of the unit tests that sign and verify (t_sign.h). No test lives here.
 */
#include "t_sign.h"

#include <stdlib.h>
#include <string.h>

#include "gw/sign.h"
#include "gw/verify.h"

#define PKI_DIR "tests/pki/"
#define DECISION_LUDZA "examples/decision-ludza.xml"

enum gw_rc
t_load_pki(struct gw_pki **out, struct gw_err *err)
{
    static const char *const crls[] = {PKI_DIR "crl.pem"};

    return gw_pki_load(PKI_DIR "trust.pem", crls, 1, out, err);
}

enum gw_rc
t_signed_decision(xmlDoc **out, struct gw_err *err)
{
    enum gw_rc rc;
    struct gw_signer *ludza = NULL;
    xmlDoc *doc = NULL;
    unsigned char *bytes = NULL;
    size_t len = 0;
    struct gw_xml_limits lim;

    gw_xml_limits_default(&lim);
    /* a checkout has the example keys as 0644, so the mode check is off here (tested in test_sign_verify.c) */
    rc = gw_signer_load(PKI_DIR "ludza.key.pem", PKI_DIR "ludza.pem", PKI_DIR "chain.pem", false, &ludza, err);
    if (rc == GW_OK) {
        rc = t_load_doc(DECISION_LUDZA, &doc, err);
    }
    if (rc == GW_OK) {
        rc = gw_signer_sign(ludza, doc, DECISION_LUDZA, err);
    }
    if (rc == GW_OK) {
        rc = gw_xml_serialize(doc, &bytes, &len, err);
    }
    if (rc == GW_OK) {
        rc = gw_xml_parse(bytes, len, "signed.xml", &lim, out, err);
    }
    free(bytes);
    xmlFreeDoc(doc);
    gw_signer_free(ludza);
    return rc;
}

void
t_expect_verify_fail(struct t *t, struct gw_pki *pki, xmlDoc *doc, enum gw_reason reason, const char *file,
                     int line)
{
    struct gw_err err;
    struct gw_verified v;
    struct gw_verified copy;
    enum gw_rc rc;

    memset(&v, 0x3c, sizeof(v));
    memcpy(&copy, &v, sizeof(v));
    gw_err_clear(&err);
    rc = gw_verify_message(pki, t->schemas, doc, "signed.xml", &v, &err);
    if (rc == GW_OK) {
        t_fail(t, file, line, "verified; expected %s", gw_reason_code(reason));
        gw_verified_cleanup(&v);
    } else if (err.reason != reason || err.rc != rc) {
        t_fail(t, file, line, "got %s, expected %s (%s: %s)", gw_reason_code(err.reason), gw_reason_code(reason),
               err.where, err.msg);
    } else if (memcmp(&v, &copy, sizeof(v)) != 0) {
        t_fail(t, file, line, "*out was changed on failure");
    } else if (strncmp(err.where, "signed.xml", 10) != 0) {
        t_fail(t, file, line, "err.where '%s' does not name the document", err.where);
    }
}

/* SPDX-License-Identifier: MIT */
/*
 * Unit-test helpers shared by the modules that sign and verify (test_sign_verify.c, test_xades.c): the
 * test trust anchors, a signed example, and the check of a refused verification.
 */
#ifndef GW_TEST_T_SIGN_H
#define GW_TEST_T_SIGN_H

#include <libxml/tree.h>

#include "gw/err.h"
#include "gw/pki.h"
#include "gw/reasons.h"
#include "t.h"

/* The trust anchors and CRL of tests/pki/. OUT: *out (gw_pki_free). */
GW_MUST_CHECK enum gw_rc t_load_pki(struct gw_pki **out, struct gw_err *err);

/* examples/decision-ludza.xml signed by Ludza (RSA), serialised and parsed again as "signed.xml".
 * OUT: *out (xmlFreeDoc). */
GW_MUST_CHECK enum gw_rc t_signed_decision(xmlDoc **out, struct gw_err *err);

/* Verify doc ("signed.xml") against pki and record a failure at file:line unless it is refused with
 * reason, *out left untouched, and err.where naming the document. */
void t_expect_verify_fail(struct t *t, struct gw_pki *pki, xmlDoc *doc, enum gw_reason reason, const char *file,
                          int line);

#endif

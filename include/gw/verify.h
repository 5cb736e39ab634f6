/* SPDX-License-Identifier: MIT */
/*
 * The strict, fail-closed verification policy of DESIGN §3, in one place: the command line, the daemon's
 * exchange endpoint and receipt checks all call gw_verify_message. It has no option that loosens it.
 */
#ifndef GW_VERIFY_H
#define GW_VERIFY_H

#include <libxml/tree.h>

#include "gw/envelope.h"
#include "gw/err.h"
#include "gw/pki.h"
#include "gw/schema.h"
#include "gw/xades.h"

struct gw_verified {
    struct gw_envelope env;       /* header, read from the verified nodes */
    struct gw_signer_info signer; /* who signed, and the anchor their chain ends at */
    char c14n[32];                /* short names of what was checked */
    char digest[32];
    char signature[32];
    struct gw_xades_info xades; /* XAdES signed properties, if the signature carries them */
};

/*
 * Verify a parsed message (doc borrowed; name used in error locations). In this order: signature
 * structure (before xmlsec sees anything), schema, envelope consistency, signer certificate, xmlsec
 * digest and signature, and the binding of the certificate's organisation to the Sender.
 * OUT: *out (gw_verified_cleanup()); on failure *out is untouched and err says why (one GW_R_* code per
 * failure class, see include/gw/reasons.h).
 */
GW_MUST_CHECK enum gw_rc gw_verify_message(struct gw_pki *pki, const struct gw_schemas *schemas, xmlDoc *doc,
                                           const char *name, struct gw_verified *out, struct gw_err *err);

/* What gw_verify_message_opts may add to the policy: a check of the timestamp, and judging the certificate at
 * the time that timestamp proves instead of now; never a way around a check. */
struct gw_verify_opts {
    X509_STORE *tsa_store; /* TSA trust anchors for a SignatureTimeStamp (borrowed); NULL leaves it unchecked */
    bool at_signing_time;  /* judge the certificate at the checked timestamp's time instead of now (needs
                            * tsa_store; a signature without a timestamp is then refused, XADES_TIMESTAMP) */
};

/* gw_verify_message with options (opts borrowed; NULL is gw_verify_message): a SignatureTimeStamp is checked
 * against opts->tsa_store (TSA_*, XADES_TIMESTAMP), and with at_signing_time the chain is judged at its time
 * (docs/verification.md). */
GW_MUST_CHECK enum gw_rc gw_verify_message_opts(struct gw_pki *pki, const struct gw_schemas *schemas, xmlDoc *doc,
                                                const char *name, const struct gw_verify_opts *opts,
                                                struct gw_verified *out, struct gw_err *err);
void gw_verified_cleanup(struct gw_verified *v);

#endif

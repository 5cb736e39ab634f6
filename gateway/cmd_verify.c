// SPDX-License-Identifier: MIT
/*
 * gateway verify: the strict policy of verify.c applied to each file, with a per-file account of what was
 * verified (signer organisation, certificate subject, algorithms, chain and schema) or the one reason for
 * rejection. Exit 0 all verified, 1 any rejected, 2 usage, I/O or configuration error.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw/cli.h"
#include "gw/pki.h"
#include "gw/time.h"
#include "gw/tsp.h"
#include "gw/verify.h"

static const char usage[] =
    "usage: gateway verify --trust CA.pem [--crl CRL.pem]... [--tsa-trust CA.pem [--at signing-time]] FILE...\n"
    "Verify signed messages with the strict profile: one enveloped signature over the whole document,\n"
    "certificate chain to the trust anchors, key usage, revocation, signer organisation = Sender, schema.\n"
    "  --trust FILE    PEM trust anchors (root certificates)\n"
    "  --crl FILE      PEM CRLs; with any CRL given, the signer certificate must be covered by one\n"
    "  --tsa-trust F   PEM trust anchors of time-stamping authorities: check a signature timestamp (B-T)\n"
    "  --at signing-time  judge the certificate at the verified timestamp's time, not now (needs --tsa-trust;\n"
    "                  a signature without a timestamp is rejected)\n"
    "  -q, --quiet     print one line per file\n" GW_CLI_COMMON_HELP
    "Exit status: 0 all verified, 1 some rejected, 2 usage, I/O or configuration error.\n";

static int
verify_one(struct gw_pki *pki, const struct gw_schemas *schemas, const struct gw_verify_opts *opts, bool have_crl,
           bool quiet, const char *path)
{
    struct gw_err err;
    enum gw_rc rc;
    xmlDoc *doc = NULL;
    struct gw_verified v = {0};
    const char *name = gw_cli_name(path);

    gw_err_clear(&err);
    rc = gw_cli_load(path, &doc, NULL, NULL, &err);
    if (rc == GW_OK) {
        rc = gw_verify_message_opts(pki, schemas, doc, name, opts, &v, &err);
    }
    if (rc == GW_OK) {
        printf("%s: VERIFIED %s %s from %s to %s\n", name, gw_msg_type_name(v.env.type), v.env.message_id,
               v.env.sender, v.env.recipient);
        if (!quiet) {
            printf("  signer organisation: %s (registration number %s)\n", v.signer.organisation, v.signer.regno);
            printf("  certificate subject: %s\n", v.signer.subject);
            printf(
                "  verified: one enveloped %s signature over the whole document (enveloped-signature, %s, %s);\n"
                "            certificate chain to trust anchor '%s', valid %s%s, key usage fit for signing;\n"
                "            Sender %s is the certificate's organizationIdentifier; schema valid\n",
                v.signature, v.c14n, v.digest, v.signer.anchor, opts->at_signing_time ? "at signing time" : "now",
                have_crl ? ", not revoked (CRL)" : "", v.env.sender);
            if (v.xades.present) {
                char when[GW_TIME_ISO_LEN + 1];
                gw_time_format_iso(v.xades.signing_time * 1000, when);
                printf(
                    "  XAdES %s: SigningTime %s (claimed by the signer), SigningCertificateV2 is the signer's\n",
                    v.xades.level, when);
            }
            if (v.xades.timestamped) {
                char when[GW_TIME_ISO_LEN + 1];
                gw_time_format_iso(v.xades.timestamp_time * 1000, when);
                printf("  signature timestamp: %s by '%s'%s\n", when, v.xades.tsa_subject,
                       opts->at_signing_time ? "; the certificate was judged at this time" : "");
            } else if (v.xades.timestamp_unchecked) {
                printf("  signature timestamp: present, not checked (no --tsa-trust)\n");
            }
        }
    } else {
        printf("%s: REJECTED [%s] %s\n", name, gw_reason_code(err.reason), gw_reason_text(err.reason));
        if (!quiet) {
            printf("  %s%s%s\n", err.where, err.where[0] != '\0' ? ": " : "", err.msg);
        }
    }
    gw_verified_cleanup(&v);
    xmlFreeDoc(doc);
    return gw_rc_exit_status(rc);
}

int
gw_cmd_verify(int argc, char **argv)
{
    static const struct option opts[] = {
        {"trust", required_argument, NULL, 't'},   {"crl", required_argument, NULL, 'r'},
        {"schemas", required_argument, NULL, 's'}, {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},          {"tsa-trust", required_argument, NULL, 'A'},
        {"at", required_argument, NULL, 'a'},      {NULL, 0, NULL, 0},
    };
    const char *tsa_trust = NULL;
    struct gw_verify_opts vopts = {0};
    struct gw_cli_trust trust = {0};
    const char *schema_dir = NULL;
    bool quiet = false;
    struct gw_schemas *schemas = NULL;
    struct gw_pki *pki = NULL;
    struct gw_err err;
    int c;
    int status = GW_EXIT_OK;

    while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
        int taken = gw_cli_trust_option(&trust, c, optarg, "verify");
        if (taken != 0) {
            if (taken < 0) {
                return GW_EXIT_USAGE;
            }
            continue;
        }
        switch (c) {
        case 's':
            schema_dir = optarg;
            break;
        case 'q':
            quiet = true;
            break;
        case 'A':
            tsa_trust = optarg;
            break;
        case 'a':
            if (strcmp(optarg, "signing-time") != 0) {
                fprintf(stderr,
                        "gateway verify: --at takes 'signing-time' (the time of the signature timestamp)\n");
                return GW_EXIT_USAGE;
            }
            vopts.at_signing_time = true;
            break;
        case 'h':
            fputs(usage, stdout);
            return GW_EXIT_OK;
        default:
            fputs(usage, stderr);
            return GW_EXIT_USAGE;
        }
    }
    if (trust.anchors == NULL || optind >= argc || (vopts.at_signing_time && tsa_trust == NULL)) {
        fputs(usage, stderr);
        return GW_EXIT_USAGE;
    }
    gw_err_clear(&err);
    if (gw_cli_setup(argv[0], schema_dir, true, &schemas, &err) != GW_OK) {
        gw_cli_print_error("verify", &err);
        return GW_EXIT_USAGE;
    }
    if (gw_pki_load(trust.anchors, trust.crls, trust.n_crls, &pki, &err) != GW_OK) {
        gw_cli_print_error("verify", &err);
        gw_cli_teardown(schemas, true);
        return GW_EXIT_USAGE;
    }
    if (tsa_trust != NULL && gw_tsp_load_anchors(tsa_trust, &vopts.tsa_store, &err) != GW_OK) {
        gw_cli_print_error("verify", &err);
        gw_pki_free(pki);
        gw_cli_teardown(schemas, true);
        return GW_EXIT_USAGE;
    }
    for (int i = optind; i < argc; i++) {
        status = gw_cli_worse(status, verify_one(pki, schemas, &vopts, trust.n_crls > 0, quiet, argv[i]));
    }
    X509_STORE_free(vopts.tsa_store);
    gw_pki_free(pki);
    gw_cli_teardown(schemas, true);
    return status;
}

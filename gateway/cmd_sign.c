// SPDX-License-Identifier: MIT
/*
 * gateway sign: validate an unsigned envelope, then add the one enveloped signature of the profile with the
 * given key and certificate. Refuses invalid messages, a key that does not fit the certificate, and a
 * certificate of another organisation than the Sender. Writes atomically (or to stdout).
 */
#include <curl/curl.h>
#include <getopt.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>

#include "gw/buf.h"
#include "gw/cli.h"
#include "gw/limits.h"
#include "gw/sign.h"
#include "gw/time.h"
#include "gw/tsp.h"
#include "gw/xades.h"
#include "gw/xml.h"

#define MAX_TSA_URLS 8               /* --tsa given more often is a usage error */
#define TSA_TIMEOUT_MS (30L * 1000L) /* per TSA */

static const char usage[] =
    "usage: gateway sign --key KEY.pem --cert CERT.pem [--chain CHAIN.pem] [--tsa URL --tsa-trust CA.pem]\n"
    "                    [-o OUT] FILE\n"
    "Validate an unsigned message and add an enveloped XML-DSig signature (whole document, exclusive C14N,\n"
    "SHA-256, RSA or ECDSA chosen from the key; certificate and chain in KeyInfo) with XAdES B-B properties\n"
    "(SigningTime, SigningCertificateV2); with --tsa, B-T: an RFC 3161 SignatureTimeStamp.\n"
    "  --key FILE      PEM private key (unencrypted)\n"
    "  --cert FILE     PEM certificate of that key, with organizationIdentifier NTRLV-<Sender>\n"
    "  --chain FILE    PEM intermediate certificates to include in KeyInfo\n"
    "  --tsa URL       RFC 3161 time-stamping authority (http or https); repeat for failover, in order\n"
    "  --tsa-trust F   PEM trust anchors of the TSAs (required with --tsa: every token is checked)\n"
    "  -o, --output F  where to write the signed message (default: stdout; '-' is stdout)\n" GW_CLI_COMMON_HELP
    "FILE may be '-' for stdin. Exit status: 0 signed, 1 message refused, 2 usage, I/O or key error.\n";

struct tsa_opts {
    const char *urls[MAX_TSA_URLS];
    size_t n_urls;
    const char *trust; /* --tsa-trust */
};

static int
sign_file(const char *argv0, const char *schema_dir, const char *key, const char *cert, const char *chain,
          const struct tsa_opts *tsa, const char *output, const char *path)
{
    enum gw_rc rc;
    struct gw_err err;
    struct gw_schemas *schemas = NULL;
    struct gw_signer *signer = NULL;
    xmlDoc *doc = NULL;
    unsigned char *out = NULL;
    size_t out_len = 0;
    const char *name = gw_cli_name(path);
    X509_STORE *tsa_store = NULL;
    bool curl_up = false;
    int64_t gen_time = 0;

    gw_err_clear(&err);
    GW_TRY(gw_cli_setup(argv0, schema_dir, true, &schemas, &err));
    GW_TRY(gw_signer_load(key, cert, chain, false, &signer, &err));
    GW_TRY(gw_cli_load(path, &doc, NULL, NULL, &err));
    GW_TRY(gw_schemas_validate(schemas, doc, name, NULL, NULL, &err));
    if (tsa->n_urls > 0) {
        GW_TRY(gw_tsp_load_anchors(tsa->trust, &tsa_store, &err));
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            rc = gw_err_failed(gw_err_set(&err, GW_ECONFIG, GW_R_CONFIG, GW_SRC, "libcurl initialisation failed"));
            goto out;
        }
        curl_up = true;
    }
    GW_TRY(gw_signer_sign(signer, doc, name, &err));
    if (tsa->n_urls > 0) {
        /* B-T: a TSA that fails fails the command (the daemon queues instead); nothing is written */
        GW_TRY(gw_xades_timestamp(doc, tsa->urls, tsa->n_urls, tsa_store, TSA_TIMEOUT_MS, gw_time_now_ms() / 1000,
                                  &gen_time, &err));
    }
    GW_TRY(gw_xml_serialize(doc, &out, &out_len, &err));
    GW_TRY(gw_write_file(output, out, out_len, &err));
out:
    if (rc != GW_OK) {
        gw_cli_print_error("sign", &err);
    }
    free(out);
    X509_STORE_free(tsa_store);
    if (curl_up) {
        curl_global_cleanup();
    }
    xmlFreeDoc(doc);
    gw_signer_free(signer);
    if (schemas != NULL) {
        gw_cli_teardown(schemas, true);
    }
    return gw_rc_exit_status(rc);
}

int
gw_cmd_sign(int argc, char **argv)
{
    static const struct option opts[] = {
        {"key", required_argument, NULL, 'k'},
        {"cert", required_argument, NULL, 'c'},
        {"chain", required_argument, NULL, 'C'},
        {"tsa", required_argument, NULL, 'T'},
        {"tsa-trust", required_argument, NULL, 'A'},
        {"output", required_argument, NULL, 'o'},
        {"schemas", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *key = NULL;
    const char *cert = NULL;
    const char *chain = NULL;
    const char *output = "-";
    struct tsa_opts tsa = {0};
    const char *schema_dir = NULL;
    int c;

    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'k':
            key = optarg;
            break;
        case 'c':
            cert = optarg;
            break;
        case 'C':
            chain = optarg;
            break;
        case 'o':
            output = optarg;
            break;
        case 'T':
            if (tsa.n_urls == MAX_TSA_URLS) {
                fprintf(stderr, "gateway sign: at most %d --tsa\n", MAX_TSA_URLS);
                return GW_EXIT_USAGE;
            }
            tsa.urls[tsa.n_urls++] = optarg;
            break;
        case 'A':
            tsa.trust = optarg;
            break;
        case 's':
            schema_dir = optarg;
            break;
        case 'h':
            fputs(usage, stdout);
            return GW_EXIT_OK;
        default:
            fputs(usage, stderr);
            return GW_EXIT_USAGE;
        }
    }
    if (key == NULL || cert == NULL || optind != argc - 1 || (tsa.n_urls > 0) != (tsa.trust != NULL)) {
        fputs(usage, stderr);
        return GW_EXIT_USAGE;
    }
    return sign_file(argv[0], schema_dir, key, cert, chain, &tsa, output, argv[optind]);
}

// SPDX-License-Identifier: MIT
/*
 * gateway receipt verify: offline check of a receipt or Delivered notification against the message it is
 * about, for anyone holding both (DESIGN §4). The message is verified with the full policy, the receipt
 * too, and then bound to it: signed by the message's Recipient, addressed to its Sender, naming its
 * MessageId (in InReplyTo and ReceivedMessageId alike), carrying the SHA-256 of its exact bytes.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw/buf.h"
#include "gw/cli.h"
#include "gw/limits.h"
#include "gw/receipt.h"
#include "gw/verify.h"

static const char usage[] =
    "usage: gateway receipt verify --trust CA.pem [--crl CRL.pem]... --message MSG RECEIPT\n"
    "Check that RECEIPT (a signed Receipt or Delivered notification) is about MSG: both verify with the\n"
    "strict profile, the receipt is signed by the message's Recipient, is addressed to its Sender, names its\n"
    "MessageId and carries the SHA-256 of its exact bytes.\n"
    "  --trust FILE     PEM trust anchors\n"
    "  --crl FILE       PEM CRLs\n"
    "  --message FILE   the signed message the receipt is about\n" GW_CLI_COMMON_HELP
    "Exit status: 0 the receipt is valid for the message (whatever its status), 1 it is not, 2 usage or I/O.\n";

static int
run(const char *argv0, const char *schema_dir, const struct gw_cli_trust *trust, const char *msg_path,
    const char *receipt_path)
{
    enum gw_rc rc;
    struct gw_err errbuf;
    struct gw_err *err = &errbuf;
    struct gw_schemas *schemas = NULL;
    struct gw_pki *pki = NULL;
    xmlDoc *doc = NULL;
    unsigned char *msg = NULL;
    size_t msg_len = 0;
    struct gw_buf receipt;
    struct gw_verified v = {0};
    struct gw_receipt_info info;
    char digest[GW_SHA256_HEX_LEN + 1];
    bool setup = false;

    gw_err_clear(err);
    gw_buf_init(&receipt, GW_MAX_DOC_BYTES);
    GW_TRY(gw_cli_setup(argv0, schema_dir, true, &schemas, err));
    setup = true;
    GW_TRY(gw_pki_load(trust->anchors, trust->crls, trust->n_crls, &pki, err));
    GW_TRY(gw_cli_load(msg_path, &doc, &msg, &msg_len, err));
    GW_TRY(gw_verify_message(pki, schemas, doc, gw_cli_name(msg_path), &v, err));
    gw_ids_hash_sha256(msg, msg_len, digest);
    GW_TRY(gw_buf_read_file(&receipt, receipt_path, err));
    rc = gw_receipt_check(pki, schemas, receipt.data, receipt.len, v.env.recipient, v.env.sender, v.env.message_id,
                          digest, &info, err);
    if (rc != GW_OK) {
        gw_err_where(err, "%s", gw_cli_name(receipt_path));
        goto out;
    }
    printf("%s: VALID %s receipt %s\n", gw_cli_name(receipt_path), gw_receipt_status_name(info.status),
           info.receipt_id);
    printf("  about message %s (%s from %s to %s), SHA-256 %s\n", info.message_id, gw_msg_type_name(v.env.type),
           v.env.sender, v.env.recipient, info.digest);
    printf("  signed by the recipient %s; received %s\n", info.signer, info.received);
    if (info.status == GW_RECEIPT_REJECTED) {
        printf("  rejected: %s: %s\n", info.reason_code, info.reason_text);
    }
out:
    if (rc != GW_OK) {
        printf("%s: INVALID [%s] %s\n  %s%s%s\n", gw_cli_name(receipt_path), gw_reason_code(err->reason),
               gw_reason_text(err->reason), err->where, err->where[0] != '\0' ? ": " : "", err->msg);
    }
    gw_verified_cleanup(&v);
    xmlFreeDoc(doc);
    free(msg);
    gw_buf_cleanup(&receipt);
    gw_pki_free(pki);
    if (setup) {
        gw_cli_teardown(schemas, true);
    }
    return gw_rc_exit_status(rc);
}

int
gw_cmd_receipt(int argc, char **argv)
{
    static const struct option opts[] = {
        {"trust", required_argument, NULL, 't'},   {"crl", required_argument, NULL, 'r'},
        {"message", required_argument, NULL, 'm'}, {"schemas", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
    };
    struct gw_cli_trust trust = {0};
    const char *message = NULL;
    const char *schema_dir = NULL;
    int c;

    if (argc < 2 || strcmp(argv[1], "verify") != 0) {
        if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
            fputs(usage, stdout);
            return GW_EXIT_OK;
        }
        fputs(usage, stderr);
        return GW_EXIT_USAGE;
    }
    argc--;
    argv++;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        int taken = gw_cli_trust_option(&trust, c, optarg, "receipt");
        if (taken != 0) {
            if (taken < 0) {
                return GW_EXIT_USAGE;
            }
            continue;
        }
        switch (c) {
        case 'm':
            message = optarg;
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
    if (trust.anchors == NULL || message == NULL || optind != argc - 1) {
        fputs(usage, stderr);
        return GW_EXIT_USAGE;
    }
    return run(argv[0], schema_dir, &trust, message, argv[optind]);
}

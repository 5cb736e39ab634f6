// SPDX-License-Identifier: MIT
/*
 * Fuzz target: gw_receipt_check, the check of `gateway receipt verify` (cmd_receipt.c) and of a Delivered
 * notification at exchange, with fixed material from tests/fuzz/data/ (a Decision of Talsi to VISC signed by
 * Talsi, and VISC's Accepted receipt about it) and the tests/pki trust anchor and CRL. The first input byte
 * picks the target, the rest is its input:
 * - receipt_against_message (0): the bytes as a receipt, checked against the fixed message;
 * - message_against_receipt (1): the bytes as the message, verified and hashed, and the fixed receipt
 *   checked against it;
 * - signed_receipt (2): the bytes as an unsigned receipt document, signed here with VISC's test key (RSA:
 *   the signature is a function of the bytes) and checked against the fixed message, so that what follows
 *   the signature check (the payload fields, Status, the bindings) sees fuzzed values.
 * A check that passes must hand out a receipt bound to the message (checked below); one that fails must
 * say why and leave its output untouched. Run from the repository root. Deterministic: certificate
 * validity is the only dependence on the time.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gw/buf.h"
#include "gw/dsig.h"
#include "gw/ids.h"
#include "gw/limits.h"
#include "gw/pki.h"
#include "gw/receipt.h"
#include "gw/schema.h"
#include "gw/sign.h"
#include "gw/verify.h"
#include "gw/xml.h"

#include "fuzz.h"

static struct gw_schemas *schemas;
static struct gw_pki *pki;
static struct gw_signer *signer;
static struct gw_buf receipt;              /* the fixed receipt */
static char message_id[GW_UUID_LEN + 1];   /* the fixed message's MessageId */
static char recipient[GW_REGNO_LEN + 1];   /* and its Recipient, who signed the receipt */
static char sender[GW_REGNO_LEN + 1];      /* and its Sender, to whom the receipt is addressed */
static char digest[GW_SHA256_HEX_LEN + 1]; /* SHA-256 of its bytes */

static void
setup_once(void)
{
    struct gw_err err;
    struct gw_buf msg;
    struct gw_xml_limits lim;
    xmlDoc *doc = NULL;
    struct gw_verified v = {0};

    if (schemas != NULL) {
        return;
    }
    gw_err_clear(&err);
    gw_buf_init(&msg, GW_MAX_DOC_BYTES);
    gw_buf_init(&receipt, GW_MAX_DOC_BYTES);
    gw_xml_limits_default(&lim);
    /* run from the repository root */
    fuzz_setup_verify(&schemas, &pki);
    if (gw_signer_load("tests/pki/visc.key.pem", "tests/pki/visc.pem", "tests/pki/chain.pem", false, &signer,
                       &err) != GW_OK ||
        gw_buf_read_file(&msg, "tests/fuzz/data/receipt-message.xml", &err) != GW_OK ||
        gw_buf_read_file(&receipt, "tests/fuzz/data/receipt.xml", &err) != GW_OK ||
        gw_xml_parse(msg.data, msg.len, "message", &lim, &doc, &err) != GW_OK ||
        gw_verify_message(pki, schemas, doc, "message", &v, &err) != GW_OK) {
        abort();
    }
    memcpy(message_id, v.env.message_id, sizeof(message_id));
    memcpy(recipient, v.env.recipient, sizeof(recipient));
    memcpy(sender, v.env.sender, sizeof(sender));
    gw_ids_hash_sha256(msg.data, msg.len, digest);
    gw_verified_cleanup(&v);
    xmlFreeDoc(doc);
    gw_buf_cleanup(&msg);
}

/* gw_receipt_check against its contract (include/gw/receipt.h). */
static void
check(const unsigned char *r, size_t len, const char *signer_regno, const char *addressee, const char *id,
      const char *hex)
{
    struct gw_err err;
    struct gw_receipt_info info;
    struct gw_receipt_info before;
    enum gw_rc rc;

    memset(&info, 0x5a, sizeof(info));
    memcpy(&before, &info, sizeof(info));
    gw_err_clear(&err);
    rc = gw_receipt_check(pki, schemas, r, len, signer_regno, addressee, id, hex, &info, &err);
    if (rc == GW_OK) {
        CHECK(err.rc == GW_OK);
        CHECK(strcmp(info.signer, signer_regno) == 0 && strcmp(info.message_id, id) == 0 &&
              strcmp(info.digest, hex) == 0);
        CHECK(gw_ids_is_uuid(info.receipt_id));
        CHECK(info.status == GW_RECEIPT_ACCEPTED || info.status == GW_RECEIPT_REJECTED ||
              info.status == GW_RECEIPT_DELIVERED);
        CHECK(strnlen(info.reason_code, sizeof(info.reason_code)) < sizeof(info.reason_code));
        CHECK(strnlen(info.reason_text, sizeof(info.reason_text)) < sizeof(info.reason_text));
        CHECK(strnlen(info.received, sizeof(info.received)) < sizeof(info.received));
    } else {
        CHECK(err.rc == rc && memcmp(&info, &before, sizeof(info)) == 0);
    }
}

static void
receipt_against_message(const uint8_t *data, size_t size)
{
    check(data, size, recipient, sender, message_id, digest);
}

/* As `gateway receipt verify` does with its --message. */
static void
message_against_receipt(const uint8_t *data, size_t size)
{
    struct gw_err err;
    struct gw_xml_limits lim;
    xmlDoc *doc = NULL;
    struct gw_verified v = {0};
    char hex[GW_SHA256_HEX_LEN + 1];

    gw_err_clear(&err);
    gw_xml_limits_default(&lim);
    if (gw_xml_parse(data, size, "message", &lim, &doc, &err) == GW_OK) {
        if (gw_verify_message(pki, schemas, doc, "message", &v, &err) == GW_OK) {
            gw_ids_hash_sha256(data, size, hex);
            check(receipt.data, receipt.len, v.env.recipient, v.env.sender, v.env.message_id, hex);
            gw_verified_cleanup(&v);
        }
        xmlFreeDoc(doc);
    }
}

static void
signed_receipt(const uint8_t *data, size_t size)
{
    unsigned char *out = NULL;
    size_t out_len = 0;

    if (fuzz_sign(signer, data, size, "receipt", &out, &out_len)) {
        check(out, out_len, recipient, sender, message_id, digest);
        free(out);
    }
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
        receipt_against_message(data + 1, size - 1);
        break;
    case 1:
        message_against_receipt(data + 1, size - 1);
        break;
    default:
        signed_receipt(data + 1, size - 1);
        break;
    }
    return 0;
}

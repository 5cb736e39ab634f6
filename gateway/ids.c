// SPDX-License-Identifier: MIT
/*
 * Identifiers of the message model (DESIGN §2): the syntax of message ids and registration numbers as the
 * envelope schema defines them, the message types' names and payload namespaces, fresh random message ids,
 * and hex SHA-256 digests (DESIGN §6: the digest a receipt and the store carry). Checks are byte-exact and
 * locale-free. It knows nothing of XML, certificates or storage: those modules call it.
 */
#include "gw/ids.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    const char *ns;
} type_table[GW_MSG_TYPE_COUNT] = {
    [GW_MSG_LETTER] = {"Letter", "urn:lv:skola-kopiena:letter:v1"},
    [GW_MSG_DECISION] = {"Decision", "urn:lv:skola-kopiena:decision:v1"},
    [GW_MSG_CONFIRMATION] = {"Confirmation", "urn:lv:skola-kopiena:confirmation:v1"},
    [GW_MSG_DATAREPORT] = {"DataReport", "urn:lv:skola-kopiena:datareport:v1"},
    [GW_MSG_RECEIPT] = {"Receipt", "urn:lv:skola-kopiena:receipt:v1"},
    [GW_MSG_CHECKPOINT] = {"Checkpoint", "urn:lv:skola-kopiena:checkpoint:v1"},
};

const char *
gw_msg_type_name(enum gw_msg_type t)
{
    return (unsigned)t < GW_MSG_TYPE_COUNT ? type_table[t].name : "?";
}

const char *
gw_msg_type_ns(enum gw_msg_type t)
{
    return (unsigned)t < GW_MSG_TYPE_COUNT ? type_table[t].ns : "";
}

bool
gw_msg_type_from_name(const char *name, enum gw_msg_type *out)
{
    for (unsigned i = 0; i < GW_MSG_TYPE_COUNT; i++) {
        if (strcmp(type_table[i].name, name) == 0) {
            *out = (enum gw_msg_type)i;
            return true;
        }
    }
    return false;
}

static bool
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool
is_lower_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f');
}

bool
gw_ids_is_uuid(const char *s)
{
    if (strlen(s) != GW_UUID_LEN) {
        return false;
    }
    for (size_t i = 0; i < GW_UUID_LEN; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !is_lower_hex(s[i])) {
            return false;
        }
    }
    return true;
}

bool
gw_ids_is_regno(const char *s)
{
    if (strlen(s) != GW_REGNO_LEN) {
        return false;
    }
    for (size_t i = 0; i < GW_REGNO_LEN; i++) {
        if (!is_digit(s[i])) {
            return false;
        }
    }
    return true;
}

bool
gw_ids_is_sha256_hex(const char *s)
{
    size_t i;

    for (i = 0; s[i] != '\0'; i++) {
        if (!is_lower_hex(s[i])) {
            return false;
        }
    }
    return i == GW_SHA256_HEX_LEN;
}

enum gw_rc
gw_ids_new_uuid(char out[GW_UUID_LEN + 1], struct gw_err *err)
{
    enum gw_rc rc = GW_ECRYPTO;
    unsigned char b[16];

    GW_CHECK(RAND_bytes(b, sizeof(b)) == 1, GW_ECRYPTO, GW_R_INTERNAL, "no randomness for a message id");
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    snprintf(out, GW_UUID_LEN + 1, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
             b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
    rc = GW_OK;
out:
    return rc;
}

void
gw_ids_encode_hex(const unsigned char *data, size_t len, char *out)
{
    static const char hex[] = "0123456789abcdef";

    for (size_t i = 0; i < len; i++) {
        out[2 * i] = hex[data[i] >> 4];
        out[2 * i + 1] = hex[data[i] & 0x0f];
    }
    out[2 * len] = '\0';
}

void
gw_ids_hash_sha256(const unsigned char *data, size_t len, char out[GW_SHA256_HEX_LEN + 1])
{
    static const unsigned char empty = 0;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;

    if (EVP_Digest(data != NULL ? data : &empty, len, md, &md_len, EVP_sha256(), NULL) != 1 ||
        md_len != GW_SHA256_HEX_LEN / 2) {
        fputs("gateway: fatal: SHA-256 failed (out of memory)\n", stderr);
        abort();
    }
    gw_ids_encode_hex(md, md_len, out);
}

// SPDX-License-Identifier: MIT
/*
 * Unit tests of ids.c: the uuid and registration-number syntax at their edges, the message types' names and
 * namespaces, fresh uuids (version 4, RFC 4122 variant, never repeated), the hex SHA-256 predicate, and the
 * hex encoder and SHA-256 against known vectors (FIPS 180-2 appendix B).
 */
#include <stdio.h>
#include <string.h>

#include "gw/ids.h"
#include "t.h"

static void
test_is_uuid(struct t *t)
{
    EXPECT_TRUE(gw_ids_is_uuid("7228649c-d108-458e-8bc1-fe490fc800e3"));
    EXPECT_TRUE(gw_ids_is_uuid("00000000-0000-0000-0000-000000000000"));
    EXPECT_TRUE(gw_ids_is_uuid("ffffffff-ffff-ffff-ffff-ffffffffffff"));
    EXPECT_TRUE(!gw_ids_is_uuid(""));
    EXPECT_TRUE(!gw_ids_is_uuid("7228649c-d108-458e-8bc1-fe490fc800e"));   /* 35 */
    EXPECT_TRUE(!gw_ids_is_uuid("7228649c-d108-458e-8bc1-fe490fc800e3a")); /* 37 */
    EXPECT_TRUE(!gw_ids_is_uuid("7228649C-D108-458E-8BC1-FE490FC800E3"));  /* uppercase, as the schema */
    EXPECT_TRUE(!gw_ids_is_uuid("7228649g-d108-458e-8bc1-fe490fc800e3"));
    EXPECT_TRUE(!gw_ids_is_uuid("7228649cd108-458e-8bc1-fe490fc800e3-"));
    EXPECT_TRUE(!gw_ids_is_uuid("7228649c-d108-458e-8bc1fe490fc800e3--"));
    EXPECT_TRUE(!gw_ids_is_uuid("{228649c-d108-458e-8bc1-fe490fc800e}"));
    EXPECT_TRUE(!gw_ids_is_uuid("7228649c_d108_458e_8bc1_fe490fc800e3"));
    EXPECT_TRUE(!gw_ids_is_uuid("------------------------------------"));
    EXPECT_TRUE(!gw_ids_is_uuid(" 228649c-d108-458e-8bc1-fe490fc800e3"));
    EXPECT_TRUE(!gw_ids_is_uuid("7228649c-d108-458e-8bc1-fe490fc800\xc4\x81")); /* "ā": 36 bytes, 35 characters */
out:
    return;
}

static void
test_is_regno(struct t *t)
{
    EXPECT_TRUE(gw_ids_is_regno("90000017453"));
    EXPECT_TRUE(gw_ids_is_regno("00000000000"));
    EXPECT_TRUE(!gw_ids_is_regno(""));
    EXPECT_TRUE(!gw_ids_is_regno("9000001745"));   /* 10 */
    EXPECT_TRUE(!gw_ids_is_regno("900000174530")); /* 12 */
    EXPECT_TRUE(!gw_ids_is_regno("9000001745a"));
    EXPECT_TRUE(!gw_ids_is_regno("+9000001745"));
    EXPECT_TRUE(!gw_ids_is_regno("-9000001745"));
    EXPECT_TRUE(!gw_ids_is_regno(" 9000001745"));
    EXPECT_TRUE(!gw_ids_is_regno("9000001745 "));
    EXPECT_TRUE(!gw_ids_is_regno("NTRLV-90000"));
    EXPECT_TRUE(!gw_ids_is_regno("900000174\xd9\xa3")); /* ARABIC-INDIC DIGIT THREE: 11 bytes, not a digit */
out:
    return;
}

static void
test_type_names(struct t *t)
{
    enum gw_msg_type back = GW_MSG_RECEIPT;

    for (int i = 0; i < GW_MSG_TYPE_COUNT; i++) {
        const char *name = gw_msg_type_name((enum gw_msg_type)i);
        if (!gw_msg_type_from_name(name, &back) || back != (enum gw_msg_type)i) {
            T_FAIL("type %d (%s) does not map back", i, name);
        }
        if (strncmp(gw_msg_type_ns((enum gw_msg_type)i), "urn:lv:skola-kopiena:", 21) != 0) {
            T_FAIL("type %s has namespace '%s'", name, gw_msg_type_ns((enum gw_msg_type)i));
        }
    }
    EXPECT_STR_EQ(gw_msg_type_name(GW_MSG_DATAREPORT), "DataReport");
    EXPECT_STR_EQ(gw_msg_type_ns(GW_MSG_LETTER), "urn:lv:skola-kopiena:letter:v1");
    back = GW_MSG_RECEIPT;
    EXPECT_TRUE(!gw_msg_type_from_name("decision", &back)); /* case-sensitive */
    EXPECT_TRUE(!gw_msg_type_from_name("", &back));
    EXPECT_INT_EQ(back, GW_MSG_RECEIPT);
    EXPECT_STR_EQ(gw_msg_type_name((enum gw_msg_type)GW_MSG_TYPE_COUNT), "?");
    EXPECT_STR_EQ(gw_msg_type_ns((enum gw_msg_type)GW_MSG_TYPE_COUNT), "");
out:
    return;
}

static void
test_is_sha256_hex(struct t *t)
{
    EXPECT_TRUE(gw_ids_is_sha256_hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    EXPECT_TRUE(gw_ids_is_sha256_hex("0000000000000000000000000000000000000000000000000000000000000000"));
    EXPECT_TRUE(!gw_ids_is_sha256_hex(""));
    EXPECT_TRUE(!gw_ids_is_sha256_hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a")); /* 63 */
    EXPECT_TRUE(
        !gw_ids_is_sha256_hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad0")); /* 65 */
    EXPECT_TRUE(
        !gw_ids_is_sha256_hex("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD")); /* upper */
    EXPECT_TRUE(!gw_ids_is_sha256_hex("ga7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    EXPECT_TRUE(!gw_ids_is_sha256_hex(" a7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
out:
    return;
}

static void
test_encode_hex(struct t *t)
{
    static const unsigned char bytes[] = {0x00, 0x01, 0x7f, 0x80, 0xa5, 0xfe, 0xff};
    char out[2 * sizeof(bytes) + 2];

    memset(out, 'x', sizeof(out));
    gw_ids_encode_hex(bytes, sizeof(bytes), out);
    EXPECT_STR_EQ(out, "00017f80a5feff");
    EXPECT_TRUE(out[2 * sizeof(bytes) + 1] == 'x'); /* nothing past the NUL */
    gw_ids_encode_hex(bytes, 0, out);
    EXPECT_STR_EQ(out, "");
out:
    return;
}

static void
test_hash_sha256(struct t *t)
{
    static const char two_blocks[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    char hex[GW_SHA256_HEX_LEN + 1];

    gw_ids_hash_sha256((const unsigned char *)"abc", 3, hex);
    EXPECT_STR_EQ(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    gw_ids_hash_sha256((const unsigned char *)two_blocks, sizeof(two_blocks) - 1, hex);
    EXPECT_STR_EQ(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    gw_ids_hash_sha256(NULL, 0, hex);
    EXPECT_STR_EQ(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_TRUE(gw_ids_is_sha256_hex(hex));
out:
    return;
}

static void
test_new_uuid(struct t *t)
{
    struct gw_err err;
    char a[GW_UUID_LEN + 1];
    char b[GW_UUID_LEN + 1];

    EXPECT_OK(gw_ids_new_uuid(a, &err), &err);
    EXPECT_OK(gw_ids_new_uuid(b, &err), &err);
    EXPECT_TRUE(gw_ids_is_uuid(a));
    EXPECT_TRUE(gw_ids_is_uuid(b));
    EXPECT_TRUE(strcmp(a, b) != 0);
    EXPECT_TRUE(a[14] == '4');                                                 /* version 4 */
    EXPECT_TRUE(a[19] == '8' || a[19] == '9' || a[19] == 'a' || a[19] == 'b'); /* variant 10xx */
    EXPECT_TRUE(strcmp(a, GW_NIL_UUID) != 0 && gw_ids_is_uuid(GW_NIL_UUID));
out:
    return;
}

static const struct t_case cases[] = {
    {"is_uuid", test_is_uuid, NULL},       {"is_regno", test_is_regno, NULL},
    {"type_names", test_type_names, NULL}, {"is_sha256_hex", test_is_sha256_hex, NULL},
    {"encode_hex", test_encode_hex, NULL}, {"hash_sha256", test_hash_sha256, NULL},
    {"new_uuid", test_new_uuid, NULL},
};

const struct t_module t_module_ids = {"ids", cases, T_COUNT(cases)};

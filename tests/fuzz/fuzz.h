/* SPDX-License-Identifier: MIT */
/*
 * Shared by the fuzz targets: the libFuzzer entry point each one defines (tests/fuzz/replay.c calls it
 * without libFuzzer), the set-up and signing helpers of tests/fuzz/common.c, and CHECK, which aborts, and so
 * reports a finding, when a contract a target asserts about the code under test does not hold.
 */
#ifndef GW_FUZZ_H
#define GW_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "gw/pki.h"
#include "gw/schema.h"
#include "gw/sign.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                               \
    do {                                                                                                          \
        if (!(cond)) {                                                                                            \
            abort();                                                                                              \
        }                                                                                                         \
    } while (0)

/* tests/fuzz/common.c, linked into the targets that verify (run from the repository root). */

/* Initialise libxml2 and xmlsec, compile schemas/ into *schemas and load the tests/pki trust anchor and CRL
 * into *pki (both kept for the process); abort() on any failure. */
void fuzz_setup_verify(struct gw_schemas **schemas, struct gw_pki **pki);

/* Parse the bytes (named name), sign them with signer and serialise the result. OUT: *out (free()), *len.
 * False, *out untouched, when the bytes do not parse or do not sign. */
bool fuzz_sign(const struct gw_signer *signer, const uint8_t *data, size_t size, const char *name,
               unsigned char **out, size_t *len);

#endif

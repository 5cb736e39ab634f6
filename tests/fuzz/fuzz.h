/* SPDX-License-Identifier: MIT */
/*
 * Shared by the fuzz targets: the libFuzzer entry point each one defines (tests/fuzz/replay.c calls it
 * without libFuzzer), and CHECK, which aborts, and so reports a finding, when a contract a target asserts
 * about the code under test does not hold.
 */
#ifndef GW_FUZZ_H
#define GW_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                               \
    do {                                                                                                          \
        if (!(cond)) {                                                                                            \
            abort();                                                                                              \
        }                                                                                                         \
    } while (0)

#endif

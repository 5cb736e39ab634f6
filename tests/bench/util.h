/* SPDX-License-Identifier: MIT */
/* Helpers shared by the benchmark programs of tests/bench/. */
#ifndef GW_BENCH_UTIL_H
#define GW_BENCH_UTIL_H

#include "gw/err.h"

/* Microseconds on the monotonic clock. */
double bench_now_us(void);

/* Print "PROGRAM: what: where: msg" (err may be NULL) to stderr and exit 2. */
__attribute__((noreturn)) void bench_die(const char *program, const char *what, const struct gw_err *err);

#endif

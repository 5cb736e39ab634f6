// SPDX-License-Identifier: MIT
/* Helpers shared by the benchmark programs: the clock they time with and how they give up. */
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

double
bench_now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

void
bench_die(const char *program, const char *what, const struct gw_err *err)
{
    fprintf(stderr, "%s: %s: %s: %s\n", program, what, err != NULL ? err->where : "", err != NULL ? err->msg : "");
    exit(2);
}

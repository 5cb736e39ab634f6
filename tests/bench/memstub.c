// SPDX-License-Identifier: MIT
/* memcount.h without accounting, for build/bench: malloc stays the C library's, so timings carry no counting. */
#include "memcount.h"

bool
bench_mem_enabled(void)
{
    return false;
}

size_t
bench_mem_current(void)
{
    return 0;
}

size_t
bench_mem_peak(void)
{
    return 0;
}

void
bench_mem_reset_peak(void)
{
}

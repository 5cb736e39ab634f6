/* SPDX-License-Identifier: MIT */
/*
 * Heap accounting for the benchmark: memcount.c replaces malloc and friends in build/bench-mem (every
 * library's allocations included) and counts the bytes in use and their high-water mark; memstub.c, linked
 * into build/bench instead, counts nothing (bench_mem_enabled() is false) and leaves malloc alone.
 */
#ifndef GW_BENCH_MEMCOUNT_H
#define GW_BENCH_MEMCOUNT_H

#include <stdbool.h>
#include <stddef.h>

/* Whether the counters below count anything. */
bool bench_mem_enabled(void);
/* Bytes of heap in use now (malloc_usable_size of every live block). */
size_t bench_mem_current(void);
/* The high-water mark of bench_mem_current() since the last bench_mem_reset_peak(). */
size_t bench_mem_peak(void);
/* Start a new high-water mark at the current use. */
void bench_mem_reset_peak(void);

#endif

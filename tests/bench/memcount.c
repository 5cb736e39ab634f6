// SPDX-License-Identifier: MIT
/*
 * Counting allocator for the benchmark binary (memcount.h). The executable's malloc, calloc, realloc, free,
 * posix_memalign, aligned_alloc and memalign take precedence over the C library's for every shared library
 * (ELF symbol interposition), so libxml2, xmlsec and OpenSSL are counted as well as our own code. Each call
 * forwards to glibc's __libc_* entry points and adds or subtracts malloc_usable_size of the block. The counts
 * are atomics: OpenSSL may allocate from other threads. The accounting costs time on every allocation, so
 * only build/bench-mem links this file (the timings come from build/bench, which links memstub.c instead), and
 * never a sanitizer build, whose runtime owns malloc.
 */
#include "memcount.h"

#include <errno.h>
#include <malloc.h>
#include <stdatomic.h>
#include <stdlib.h>

/* glibc's own allocator, exported under these names */
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);
extern void *__libc_memalign(size_t align, size_t n);

static atomic_size_t in_use; /* bytes */
static atomic_size_t high;   /* bytes */

static void
count_add(void *p)
{
    size_t now;
    size_t peak;

    if (p == NULL) {
        return;
    }
    now = atomic_fetch_add(&in_use, malloc_usable_size(p)) + malloc_usable_size(p);
    peak = atomic_load(&high);
    while (now > peak && !atomic_compare_exchange_weak(&high, &peak, now)) {
    }
}

static void
count_sub(void *p)
{
    if (p != NULL) {
        atomic_fetch_sub(&in_use, malloc_usable_size(p));
    }
}

void *
malloc(size_t n)
{
    void *p = __libc_malloc(n);
    count_add(p);
    return p;
}

void *
calloc(size_t n, size_t size)
{
    void *p = __libc_calloc(n, size);
    count_add(p);
    return p;
}

void *
realloc(void *old, size_t n)
{
    size_t old_size = old != NULL ? malloc_usable_size(old) : 0;
    void *p = __libc_realloc(old, n);

    /* on failure the old block stays; realloc(p, 0) frees it and may return NULL */
    if (p != NULL || n == 0) {
        atomic_fetch_sub(&in_use, old_size);
        count_add(p);
    }
    return p;
}

void
free(void *p)
{
    count_sub(p);
    __libc_free(p);
}

void *
memalign(size_t align, size_t n)
{
    void *p = __libc_memalign(align, n);
    count_add(p);
    return p;
}

void *
aligned_alloc(size_t align, size_t n)
{
    return memalign(align, n);
}

int
posix_memalign(void **out, size_t align, size_t n)
{
    void *p;

    if (align < sizeof(void *) || (align & (align - 1)) != 0) {
        return EINVAL;
    }
    p = memalign(align, n);
    if (p == NULL) {
        return ENOMEM;
    }
    *out = p;
    return 0;
}

bool
bench_mem_enabled(void)
{
    return true;
}

size_t
bench_mem_current(void)
{
    return atomic_load(&in_use);
}

size_t
bench_mem_peak(void)
{
    return atomic_load(&high);
}

void
bench_mem_reset_peak(void)
{
    atomic_store(&high, atomic_load(&in_use));
}

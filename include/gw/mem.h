/* SPDX-License-Identifier: MIT */
/*
 * Allocation failures inside the libraries, made visible. libxml2, xmlsec and OpenSSL do not always report a
 * failed allocation: libxml2 2.9's C14N ignores one and canonicalises without a namespace, so xmlsec computes
 * a wrong digest and a valid signature "does not verify", or a signature we make does not verify. This module
 * puts a counting layer under the libraries' allocators (CRYPTO_set_mem_functions, xmlGcMemSetup) that counts,
 * per thread, the allocations that returned NULL. A check can then ask whether one failed while it ran, and
 * must not give a verdict on its input if one did (docs/notes.md, "Fault injection"). A leaf of the
 * infrastructure layer.
 */
#ifndef GW_MEM_H
#define GW_MEM_H

#include <stdbool.h>
#include <stddef.h>

#include "gw/err.h"

/* The allocator under the counting layer: libc by default, a failing one in tests/fault. */
struct gw_mem_alloc {
    void *(*malloc_fn)(size_t n);
    void *(*realloc_fn)(void *p, size_t n);
    char *(*strdup_fn)(const char *s);
    void (*free_fn)(void *p);
};

/* Installs the counting layer under OpenSSL's and libxml2's (so xmlsec's) allocators. Call it first in
 * main, before any OpenSSL or libxml2 call: OpenSSL refuses new functions once it has allocated. under:
 * borrowed for the life of the process (NULL: libc's malloc, realloc, strdup, free). Not thread-safe: call it
 * once, before any thread starts. GW_ECONFIG/GW_R_INTERNAL if a library refuses the functions. */
GW_MUST_CHECK enum gw_rc gw_mem_install(const struct gw_mem_alloc *under, struct gw_err *err);

/* A mark: the number of library allocations that failed on this thread so far (0 if never installed). */
unsigned long gw_mem_mark(void);

/* True if a library allocation failed on this thread since mark was taken. */
bool gw_mem_failed_since(unsigned long mark);

/* For a check that ran since mark: if a library allocation failed meanwhile and rc blames the input
 * (GW_EINPUT, GW_EPOLICY, GW_ELIMIT), the verdict is not the input's: err is replaced by GW_ENOMEM/GW_R_NOMEM
 * (the daemon answers 503 and the sender retries), naming what the check had said. Returns the code to
 * return: rc, or GW_ENOMEM. The one place where a first error is overwritten: it was a wrong one. */
GW_MUST_CHECK enum gw_rc gw_mem_reblame(enum gw_rc rc, unsigned long mark, struct gw_err *err);

#endif

// SPDX-License-Identifier: MIT
/*
 * The counting layer under the libraries' allocators (include/gw/mem.h). OpenSSL allocates through
 * CRYPTO_set_mem_functions, libxml2 and xmlsec through xmlGcMemSetup; both are pointed here once, at start,
 * and each allocation that returns NULL bumps a per-thread counter. It changes no allocation: the memory comes
 * from the allocator under it (libc's, or the failing one of tests/fault). It does not see the gateway's own
 * allocations (their callers check them) nor those of libraries that are not hooked (SQLite, libevent,
 * libcurl: no verdict on a message rests on them).
 *
 * The counter is thread-local on purpose: the libraries' hooks are process-wide, but a verdict is given on one
 * thread, and a failure on another thread says nothing about it.
 */
#include "gw/mem.h"

#include <libxml/xmlmemory.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local unsigned long failures; /* library allocations that returned NULL on this thread */

static void *
libc_malloc(size_t n)
{
    return malloc(n);
}

static void *
libc_realloc(void *p, size_t n)
{
    return realloc(p, n);
}

static char *
libc_strdup(const char *s)
{
    return strdup(s);
}

static void
libc_free(void *p)
{
    free(p);
}

static const struct gw_mem_alloc libc_alloc = {libc_malloc, libc_realloc, libc_strdup, libc_free};

/* Set once by gw_mem_install, before any thread starts; read-only afterwards. */
static const struct gw_mem_alloc *under = &libc_alloc;

/* n: the size asked for; a NULL for 0 bytes is no failure */
static void *
counted(void *p, size_t n)
{
    if (p == NULL && n != 0) {
        failures++;
    }
    return p;
}

/* OpenSSL: its own CRYPTO_malloc returns NULL for 0 bytes and CRYPTO_realloc frees for 0 bytes; the same
 * here, so that neither counts as a failure. */
static void *
ossl_malloc(size_t n, const char *file, int line)
{
    (void)file;
    (void)line;
    return n == 0 ? NULL : counted(under->malloc_fn(n), n);
}

static void *
ossl_realloc(void *p, size_t n, const char *file, int line)
{
    (void)file;
    (void)line;
    if (n == 0) {
        under->free_fn(p);
        return NULL;
    }
    return counted(under->realloc_fn(p, n), n);
}

static void
ossl_free(void *p, const char *file, int line)
{
    (void)file;
    (void)line;
    under->free_fn(p);
}

static void *
xml_malloc(size_t n)
{
    return counted(under->malloc_fn(n), n);
}

static void *
xml_realloc(void *p, size_t n)
{
    return counted(under->realloc_fn(p, n), n);
}

static char *
xml_strdup(const char *s)
{
    return counted(under->strdup_fn(s), 1);
}

static void
xml_free(void *p)
{
    under->free_fn(p);
}

enum gw_rc
gw_mem_install(const struct gw_mem_alloc *u, struct gw_err *err)
{
    enum gw_rc rc = GW_ECONFIG;

    under = u != NULL ? u : &libc_alloc;
    GW_CHECK(CRYPTO_set_mem_functions(ossl_malloc, ossl_realloc, ossl_free) == 1, GW_ECONFIG, GW_R_INTERNAL,
             "OpenSSL refuses allocation functions (it has allocated already)");
    GW_CHECK(xmlGcMemSetup(xml_free, xml_malloc, xml_malloc, xml_realloc, xml_strdup) == 0, GW_ECONFIG,
             GW_R_INTERNAL, "libxml2 refuses allocation functions");
    rc = GW_OK;
out:
    return rc;
}

unsigned long
gw_mem_mark(void)
{
    return failures;
}

bool
gw_mem_failed_since(unsigned long mark)
{
    return failures != mark;
}

enum gw_rc
gw_mem_reblame(enum gw_rc rc, unsigned long mark, struct gw_err *err)
{
    struct gw_err said;

    if (!gw_mem_failed_since(mark)) {
        return rc;
    }
    switch (rc) {
    case GW_EINPUT:
    case GW_EPOLICY:
    case GW_ELIMIT:
        break;
    case GW_OK:
    case GW_ECRYPTO:
    case GW_EIO:
    case GW_ENOMEM:
    case GW_ECONFIG:
    case GW_EINTERNAL:
        return rc;
    }
    said = *err;
    gw_err_clear(err);
    (void)gw_err_set(err, GW_ENOMEM, GW_R_NOMEM, said.src,
                     "a library allocation failed while checking it, so this is no verdict on the input "
                     "(the check said %s: %s)",
                     gw_reason_code(said.reason), said.msg);
    gw_err_where(err, "%s", said.where);
    return GW_ENOMEM;
}

// SPDX-License-Identifier: MIT
/*
 * Allocation-failure tests (curl's torture tests, SQLite's fault tests): every allocation on the sign, verify
 * and receive paths is made to fail in turn, and each run must end with a non-OK enum gw_rc and err set (or,
 * where the failed allocation was optional, with GW_OK and a result that checks out in full), without a crash,
 * a sanitizer report or a leak. Built only against the sanitizer objects (build-asan/fault-tests).
 *
 * The hook: one global counter over every allocation the paths make. Our own objects are linked with
 * -Wl,--wrap=malloc,calloc,realloc,strdup, so their calls land in __wrap_*, which count and then call the
 * real (ASan-intercepted) function; interposing malloc itself would fight ASan's own interceptor. OpenSSL is
 * hooked with CRYPTO_set_mem_functions (first thing in main, before any OpenSSL call) and libxml2 with
 * xmlMemSetup/xmlGcMemSetup (before xmlInitParser); xmlsec allocates through libxml2's functions. The counter
 * is global and not atomic: the paths here are single-threaded (the SQLite store, with its writer thread, is
 * not on them). Allocations of libraries we do not hook (libc's own, e.g. stdio) are not counted.
 *
 * Each run is a fork()ed child of a parent that has loaded schemas, keys and trust anchors but never run a
 * path, so every child starts from the same state (OpenSSL's lazy one-time set-ups, which fail for good once
 * they fail, included) and the count is deterministic. The child reports through a shared page, checks for
 * leaks with LeakSanitizer and exits; the parent reads its wait status, so a crash is counted, not fatal.
 *
 * usage: build-asan/fault-tests [--own] [PATH]   every allocation index of every path (or of PATH only);
 *                                                  --own: only the allocations our objects make themselves
 *        GW_FAIL_ALLOC_AT=N build-asan/fault-tests [--own] PATH   one run, the Nth failing, verbose
 */
#include <errno.h>
#include <libgen.h>
#include <libxml/parser.h>
#include <libxml/xmlmemory.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <sanitizer/common_interface_defs.h>
#include <sanitizer/lsan_interface.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gw/buf.h"
#include "gw/dsig.h"
#include "gw/ids.h"
#include "gw/receipt.h"
#include "gw/schema.h"
#include "gw/sign.h"
#include "gw/verify.h"
#include "gw/xml.h"

/* ---- the hook ---- */

static unsigned long fault_count; /* allocations seen since fault_arm() */
static unsigned long fault_at;    /* 1-based index of the one allocation that fails; 0: none */
static bool fault_counting;
static bool fault_own_only; /* --own: count and fail only the allocations our objects make themselves */
static bool fault_trace;    /* GW_FAIL_ALLOC_AT given: print where the failing allocation is made */

static void
fault_arm(unsigned long at)
{
    fault_count = 0;
    fault_at = at;
    fault_counting = true;
}

static void
fault_disarm(void)
{
    fault_counting = false;
    fault_at = 0;
}

/* True if this allocation is the one that must fail. own: made by our objects, not inside a library. */
static bool
fault_fail(bool own)
{
    if (!fault_counting || (fault_own_only && !own)) {
        return false;
    }
    fault_count++;
    if (fault_count != fault_at) {
        return false;
    }
    if (fault_trace) {
        __sanitizer_print_stack_trace();
    }
    return true;
}

void *__real_malloc(size_t n);
void *__real_calloc(size_t k, size_t n);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t k, size_t n);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);

void *
__wrap_malloc(size_t n)
{
    return fault_fail(true) ? NULL : __real_malloc(n);
}

void *
__wrap_calloc(size_t k, size_t n)
{
    return fault_fail(true) ? NULL : __real_calloc(k, n);
}

void *
__wrap_realloc(void *p, size_t n)
{
    return fault_fail(true) ? NULL : __real_realloc(p, n);
}

char *
__wrap_strdup(const char *s)
{
    return fault_fail(true) ? NULL : __real_strdup(s);
}

static void *
ossl_malloc(size_t n, const char *file, int line)
{
    (void)file;
    (void)line;
    return fault_fail(false) ? NULL : __real_malloc(n);
}

static void *
ossl_realloc(void *p, size_t n, const char *file, int line)
{
    (void)file;
    (void)line;
    return fault_fail(false) ? NULL : __real_realloc(p, n);
}

static void
ossl_free(void *p, const char *file, int line)
{
    (void)file;
    (void)line;
    free(p);
}

static void *
xml_malloc(size_t n)
{
    return fault_fail(false) ? NULL : __real_malloc(n);
}

static void *
xml_realloc(void *p, size_t n)
{
    return fault_fail(false) ? NULL : __real_realloc(p, n);
}

static char *
xml_strdup(const char *s)
{
    return fault_fail(false) ? NULL : __real_strdup(s);
}

static void
xml_free(void *p)
{
    free(p);
}

static bool
fault_install(void)
{
    return CRYPTO_set_mem_functions(ossl_malloc, ossl_realloc, ossl_free) == 1 &&
           xmlGcMemSetup(xml_free, xml_malloc, xml_malloc, xml_realloc, xml_strdup) == 0;
}

/* ---- the paths ---- */

#define PKI "tests/pki/"
#define EXAMPLE "examples/decision-ludza.xml"
#define SIGNED_MAX (1024 * 1024) /* the signed example is far smaller */

struct fixture {
    const struct gw_schemas *schemas;
    struct gw_signer *signer;   /* Ludza (the Sender of EXAMPLE), RSA */
    struct gw_signer *receiver; /* VISC (its Recipient): signs the receipt */
    struct gw_pki *pki;
    unsigned char *unsigned_msg; /* EXAMPLE */
    size_t unsigned_len;
    unsigned char *signed_msg; /* EXAMPLE signed by signer, made in a child (the parent never runs a path) */
    size_t signed_len;
    char signed_digest[GW_SHA256_HEX_LEN + 1]; /* SHA-256 of signed_msg, hex */
};

/* What a run produced, checked after the hook is off when the run said GW_OK. */
struct result {
    unsigned char *bytes; /* sign: the signed message; receive: the receipt */
    size_t len;
    struct gw_verified v; /* verify, receive */
};

static void
result_cleanup(struct result *r)
{
    free(r->bytes);
    gw_verified_cleanup(&r->v);
    memset(r, 0, sizeof(*r));
}

static enum gw_rc
parse(const unsigned char *data, size_t len, xmlDoc **doc, struct gw_err *err)
{
    struct gw_xml_limits lim;

    gw_xml_limits_default(&lim);
    return gw_xml_parse(data, len, "message", &lim, doc, err);
}

/* parse + validate + sign + serialise */
static enum gw_rc
path_sign(const struct fixture *f, struct result *r, struct gw_err *err)
{
    enum gw_rc rc;
    xmlDoc *doc = NULL;

    GW_TRY(parse(f->unsigned_msg, f->unsigned_len, &doc, err));
    GW_TRY(gw_schemas_validate(f->schemas, doc, "message", NULL, NULL, err));
    GW_TRY(gw_signer_sign(f->signer, doc, "message", err));
    GW_TRY(gw_xml_serialize(doc, &r->bytes, &r->len, err));
out:
    xmlFreeDoc(doc);
    return rc;
}

/* parse + full verification (schema, profile, chain, CRL, organisation) */
static enum gw_rc
path_verify(const struct fixture *f, struct result *r, struct gw_err *err)
{
    enum gw_rc rc;
    xmlDoc *doc = NULL;

    GW_TRY(parse(f->signed_msg, f->signed_len, &doc, err));
    GW_TRY(gw_verify_message(f->pki, f->schemas, doc, "message", &r->v, err));
out:
    xmlFreeDoc(doc);
    return rc;
}

/* What POST /v1/exchange does short of the network and the store: parse, verify, read the envelope, make
 * and sign the Accepted receipt over the message's digest. The digest itself is computed in the parent:
 * gw_ids_hash_sha256 aborts when OpenSSL cannot allocate (ids.c: its out-of-memory policy, no error return),
 * so a failure there is a deliberate abort, not one this test can accept. */
static enum gw_rc
path_receive(const struct fixture *f, struct result *r, struct gw_err *err)
{
    enum gw_rc rc;
    xmlDoc *doc = NULL;

    GW_TRY(parse(f->signed_msg, f->signed_len, &doc, err));
    GW_TRY(gw_verify_message(f->pki, f->schemas, doc, "message", &r->v, err));
    GW_TRY(gw_receipt_make(f->receiver, r->v.env.sender, r->v.env.message_id, f->signed_digest,
                           GW_RECEIPT_ACCEPTED, GW_R_OK, NULL, &r->bytes, &r->len, NULL, err));
out:
    xmlFreeDoc(doc);
    return rc;
}

/* A run that said GW_OK must have produced the whole result: checked here with the hook off. */
static bool
check_verified(const struct gw_verified *v)
{
    return strcmp(v->env.sender, "90000017453") == 0 && strcmp(v->env.recipient, "90001800413") == 0 &&
           strcmp(v->signer.regno, "90000017453") == 0 && v->env.payload != NULL && v->env.subject != NULL;
}

static bool
check_sign(const struct fixture *f, const struct result *r)
{
    struct gw_err err;
    xmlDoc *doc = NULL;
    struct gw_verified v = {0};
    bool ok;

    gw_err_clear(&err);
    ok = r->bytes != NULL && parse(r->bytes, r->len, &doc, &err) == GW_OK &&
         gw_verify_message(f->pki, f->schemas, doc, "message", &v, &err) == GW_OK && check_verified(&v);
    gw_verified_cleanup(&v);
    xmlFreeDoc(doc);
    return ok;
}

static bool
check_verify(const struct fixture *f, const struct result *r)
{
    (void)f;
    return check_verified(&r->v);
}

static bool
check_receive(const struct fixture *f, const struct result *r)
{
    struct gw_err err;
    struct gw_receipt_info info;

    gw_err_clear(&err);
    return check_verified(&r->v) && r->bytes != NULL &&
           gw_receipt_check(f->pki, f->schemas, r->bytes, r->len, "90001800413", r->v.env.sender,
                            r->v.env.message_id, f->signed_digest, &info, &err) == GW_OK &&
           info.status == GW_RECEIPT_ACCEPTED;
}

struct path {
    const char *name;
    enum gw_rc (*run)(const struct fixture *f, struct result *r, struct gw_err *err);
    bool (*check)(const struct fixture *f, const struct result *r);
};

static const struct path paths[] = {
    {"sign", path_sign, check_sign},
    {"verify", path_verify, check_verify},
    {"receive", path_receive, check_receive},
};

/* ---- one run in a child ---- */

enum outcome {
    OUT_CLEAN_ERROR = 40, /* non-OK rc, err set, no leak */
    OUT_OK_COMPLETE,      /* GW_OK and the result checks out (the failed allocation was optional) */
    OUT_BAD_RESULT,       /* GW_OK with a result that does not check out, or a failure with err not set */
    OUT_LEAK,             /* LeakSanitizer found unreachable memory */
    OUT_NOT_REACHED,      /* the run made fewer allocations than the index */
};

struct shared {
    unsigned long count; /* allocations of the last run */
    enum gw_rc rc;       /* what the last run returned */
    unsigned char msg[SIGNED_MAX];
    size_t msg_len;
};

static void
child_run(const struct path *p, const struct fixture *f, unsigned long at, bool verbose, struct shared *sh)
{
    struct gw_err err;
    struct result r = {0};
    enum gw_rc rc;
    int code;

    gw_err_clear(&err);
    fault_arm(at);
    rc = p->run(f, &r, &err);
    fault_disarm();
    sh->count = fault_count;
    sh->rc = rc;
    ERR_clear_error();
    if (verbose) {
        fprintf(stderr, "%s at %lu of %lu: rc %d, err rc %d %s: %s: %s\n", p->name, at, fault_count, (int)rc,
                (int)err.rc, gw_reason_code(err.reason), err.src != NULL ? err.src : "-", err.msg);
    }
    if (at != 0 && fault_count < at) {
        code = OUT_NOT_REACHED;
    } else if (rc == GW_OK) {
        code = p->check(f, &r) ? OUT_OK_COMPLETE : OUT_BAD_RESULT;
    } else {
        code = err.rc != GW_OK ? OUT_CLEAN_ERROR : OUT_BAD_RESULT;
    }
    result_cleanup(&r);
    ERR_clear_error();
    if (__lsan_do_recoverable_leak_check() != 0 && code != OUT_BAD_RESULT) {
        code = OUT_LEAK;
    }
    fflush(NULL);
    _exit(code);
}

/* Run p in a child with allocation at failing (0: none). Returns the outcome, or -1 for a crash. */
static int
run_forked(const struct path *p, const struct fixture *f, unsigned long at, bool verbose, struct shared *sh)
{
    pid_t pid;
    int status;

    fflush(NULL);
    pid = fork();
    if (pid < 0) {
        perror("fork");
        return -1;
    }
    if (pid == 0) {
        child_run(p, f, at, verbose, sh);
    }
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            perror("waitpid");
            return -1;
        }
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) >= OUT_CLEAN_ERROR && WEXITSTATUS(status) <= OUT_NOT_REACHED) {
        return WEXITSTATUS(status);
    }
    return -1;
}

/* Make the signed message in a child, so the parent itself never runs the sign path. */
static bool
make_signed(struct fixture *f, struct shared *sh)
{
    pid_t pid;
    int status;

    fflush(NULL);
    pid = fork();
    if (pid < 0) {
        return false;
    }
    if (pid == 0) {
        struct gw_err err;
        struct result r = {0};
        int code = 1;

        gw_err_clear(&err);
        if (path_sign(f, &r, &err) == GW_OK && r.len <= sizeof(sh->msg)) {
            memcpy(sh->msg, r.bytes, r.len);
            sh->msg_len = r.len;
            code = 0;
        } else {
            fprintf(stderr, "sign: %s [%s]\n", err.msg, gw_reason_code(err.reason));
        }
        result_cleanup(&r);
        _exit(code);
    }
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        return false;
    }
    f->signed_msg = sh->msg;
    f->signed_len = sh->msg_len;
    gw_ids_hash_sha256(f->signed_msg, f->signed_len, f->signed_digest);
    return true;
}

static bool
go_to_root(void)
{
    char exe[PATH_MAX];
    ssize_t len;

    if (access(EXAMPLE, R_OK) == 0) {
        return true;
    }
    len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (len <= 0) {
        return false;
    }
    exe[len] = '\0';
    return chdir(dirname(exe)) == 0 && chdir("..") == 0 && access(EXAMPLE, R_OK) == 0;
}

static enum gw_rc
setup(struct fixture *f, struct gw_schemas **schemas, struct gw_err *err)
{
    enum gw_rc rc;
    static const char *const crls[] = {PKI "crl.pem"};
    struct gw_buf b;

    gw_buf_init(&b, SIGNED_MAX);
    GW_TRY(gw_xml_init("schemas", err));
    GW_TRY(gw_dsig_init(err));
    GW_TRY(gw_schemas_load("schemas", schemas, err));
    f->schemas = *schemas;
    GW_TRY(gw_signer_load(PKI "ludza.key.pem", PKI "ludza.pem", PKI "chain.pem", false, &f->signer, err));
    GW_TRY(gw_signer_load(PKI "visc.key.pem", PKI "visc.pem", PKI "chain.pem", false, &f->receiver, err));
    GW_TRY(gw_pki_load(PKI "trust.pem", crls, 1, &f->pki, err));
    GW_TRY(gw_buf_read_file(&b, EXAMPLE, err));
    gw_buf_take(&b, &f->unsigned_msg, &f->unsigned_len);
out:
    gw_buf_cleanup(&b);
    return rc;
}

static void
teardown(struct fixture *f, struct gw_schemas *schemas)
{
    gw_signer_free(f->signer);
    gw_signer_free(f->receiver);
    gw_pki_free(f->pki);
    free(f->unsigned_msg);
    gw_schemas_free(schemas);
    gw_dsig_shutdown();
    xmlCleanupParser();
}

/* Every index of one path; prints a PASS or FAIL line. */
static bool
torture(const struct path *p, const struct fixture *f, struct shared *sh)
{
    unsigned long n;
    unsigned long clean = 0, ok = 0, bad = 0, leaks = 0, crashes = 0, unreached = 0;
    unsigned long first_bad = 0;
    unsigned long as_input = 0; /* clean errors that blame the input: a peer's valid message would be refused */

    if (run_forked(p, f, 0, false, sh) != OUT_OK_COMPLETE) {
        printf("FAIL fault/%s: the run without a failing allocation does not succeed\n", p->name);
        return false;
    }
    n = sh->count;
    for (unsigned long i = 1; i <= n; i++) {
        int o = run_forked(p, f, i, false, sh);
        switch (o) {
        case OUT_CLEAN_ERROR:
            clean++;
            if (sh->rc == GW_EINPUT || sh->rc == GW_EPOLICY || sh->rc == GW_ELIMIT) {
                as_input++;
            }
            continue;
        case OUT_OK_COMPLETE:
            ok++;
            continue;
        case OUT_NOT_REACHED:
            unreached++;
            break;
        case OUT_BAD_RESULT:
            bad++;
            break;
        case OUT_LEAK:
            leaks++;
            break;
        default:
            crashes++;
            break;
        }
        if (first_bad == 0) {
            first_bad = i;
        }
        fprintf(stderr, "%s: allocation %lu: outcome %d (rerun with GW_FAIL_ALLOC_AT=%lu %s)\n", p->name, i, o, i,
                p->name);
    }
    printf(
        "%s fault/%s%s: %lu %sallocation points, each failed once: %lu clean errors, %lu optional (GW_OK, result "
        "checked), %lu bad results, %lu crashes, %lu leaks, %lu not reached; %lu of the errors blame the input",
        first_bad == 0 ? "PASS" : "FAIL", fault_own_only ? "own/" : "", p->name, n,
        fault_own_only ? "gateway " : "", clean, ok, bad, crashes, leaks, unreached, as_input);
    if (first_bad != 0) {
        printf(" (first: GW_FAIL_ALLOC_AT=%lu)", first_bad);
    }
    printf("\n");
    fflush(stdout);
    return first_bad == 0;
}

int
main(int argc, char **argv)
{
    struct fixture f = {0};
    struct gw_schemas *schemas = NULL;
    struct gw_err err;
    struct shared *sh;
    int a = 1;
    const char *only;
    const char *at_env = getenv("GW_FAIL_ALLOC_AT");
    bool all_ok = true;
    bool any = false;

    if (a < argc && strcmp(argv[a], "--own") == 0) {
        fault_own_only = true;
        a++;
    }
    only = a < argc ? argv[a] : NULL;
    /* before any other OpenSSL or libxml2 call */
    if (!fault_install()) {
        printf("FAIL fault/setup: the allocation hooks cannot be installed\n");
        return 1;
    }
    gw_err_clear(&err);
    if (!go_to_root()) {
        printf("FAIL fault/setup: run from the repository root\n");
        return 1;
    }
    sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED) {
        printf("FAIL fault/setup: mmap\n");
        return 1;
    }
    if (setup(&f, &schemas, &err) != GW_OK || !make_signed(&f, sh)) {
        printf("FAIL fault/setup: %s: %s [%s]\n", err.where, err.msg, gw_reason_code(err.reason));
        teardown(&f, schemas);
        return 1;
    }
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        if (only != NULL && strcmp(only, paths[i].name) != 0) {
            continue;
        }
        any = true;
        if (at_env != NULL) {
            char *end;
            fault_trace = true;
            unsigned long at = strtoul(at_env, &end, 10);
            int o = run_forked(&paths[i], &f, at, true, sh);
            printf("%s %s: GW_FAIL_ALLOC_AT=%lu: outcome %d\n",
                   o == OUT_CLEAN_ERROR || o == OUT_OK_COMPLETE ? "PASS" : "FAIL", paths[i].name, at, o);
            all_ok = all_ok && (o == OUT_CLEAN_ERROR || o == OUT_OK_COMPLETE);
            continue;
        }
        all_ok = torture(&paths[i], &f, sh) && all_ok;
    }
    if (!any) {
        printf("FAIL fault/setup: no path named '%s' (sign, verify, receive)\n", only);
        all_ok = false;
    }
    teardown(&f, schemas);
    munmap(sh, sizeof(*sh));
    return all_ok ? 0 : 1;
}

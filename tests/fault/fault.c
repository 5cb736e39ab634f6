// SPDX-License-Identifier: MIT
/*
 * Allocation-failure tests (curl's torture tests, SQLite's fault tests): every allocation on the sign, verify
 * and receive paths is made to fail in turn, and each run must end with a non-OK enum gw_rc and err set (or,
 * where the failed allocation was optional, with GW_OK and a result that checks out in full), without a crash,
 * a sanitizer report or a leak, and without blaming the input (the same input passes without the failure, so
 * an EINPUT/EPOLICY/ELIMIT verdict under it is a wrong result: in POST /v1/exchange it would be a signed
 * Rejected receipt for a valid message). Built only against the sanitizer objects (build-asan/fault-tests).
 *
 * The hook: one global counter over every allocation the paths make. Our own objects are linked with
 * -Wl,--wrap=malloc,calloc,realloc,strdup, so their calls land in __wrap_*, which count and then call the
 * real (ASan-intercepted) function; interposing malloc itself would fight ASan's own interceptor. OpenSSL,
 * libxml2 and xmlsec allocate through gateway/mem.c's counting layer (gw_mem_install, as the gateway binary
 * does), with this file's lib_* functions under it in place of libc's. The counter is global and not atomic:
 * the paths here are single-threaded (the SQLite store, with its writer thread, is not on them). Allocations
 * of libraries we do not hook (libc's own, e.g. stdio) are not counted.
 *
 * Each run is a fork()ed child of a parent that has loaded schemas, keys and trust anchors but never run a
 * path, so every child starts from the same state (OpenSSL's lazy one-time set-ups, which fail for good once
 * they fail, included). The child reports through a shared page (with the stack of the failing allocation),
 * checks for leaks with LeakSanitizer into its captured stderr and exits; the parent reads its wait status, so
 * a crash is counted, not fatal.
 *
 * Known library defects: a run that crashes, leaks or gives a wrong result is excused only when an entry of
 * tests/fault/library-defects.txt names it: the outcome class, the innermost frame at the failing allocation
 * that is not an allocator (it must be a library's, never ours: its exported name, or module+start for a static
 * function of the stripped library), a library function further out, and the gateway function that called
 * into the library. A crash is excused only if it
 * happened in a library, a leak only if every directly leaked block was allocated by a library. --selftest
 * shows that a defect of ours is still reported.
 *
 * usage: build-asan/fault-tests [--own] [PATH]   every allocation index of every path (or of PATH only);
 *                                                  --own: only the allocations our objects make themselves
 *        build-asan/fault-tests --c14n [PATH]    every allocation made under libxml2's xmlC14NExecute
 *        build-asan/fault-tests [--own|--c14n] --every K [PATH]   only every Kth index (K, 2K, ...)
 *        build-asan/fault-tests --selftest       the skip list's own tests: it never hides a defect of ours
 *        GW_FAIL_ALLOC_AT=N build-asan/fault-tests [--own|--c14n] PATH   one run, the Nth failing, verbose
 */
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <libgen.h>
#include <libxml/c14n.h>
#include <libxml/parser.h>
#include <limits.h>
#include <openssl/err.h>
#include <sanitizer/common_interface_defs.h>
#include <sanitizer/lsan_interface.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gw/buf.h"
#include "gw/dsig.h"
#include "gw/ids.h"
#include "gw/mem.h"
#include "gw/receipt.h"
#include "gw/schema.h"
#include "gw/sign.h"
#include "gw/verify.h"
#include "gw/xml.h"

#define PKI "tests/pki/"
#define EXAMPLE "examples/decision-ludza.xml"
#define DEFECTS "tests/fault/library-defects.txt"
#define SIGNED_MAX (1024 * 1024) /* the signed example is far smaller */
#define STACK_MAX 64             /* frames kept of the failing allocation's stack */
#define REPORT_MAX (256 * 1024)  /* bytes of a child's stderr read back (its end: the sanitizer's report) */
#define NAME_MAX_LEN 96          /* a function name in a key */
#define LIB_FRAMES 40            /* library frames kept in a key */

/* What a child leaves for the parent. Reset before every run. */
enum run_result {
    RUN_NONE,  /* the child did not get to the end (crashed) */
    RUN_CLEAN, /* non-OK rc with err set, not blaming the input */
    RUN_OK,    /* GW_OK and the result checks out (the failed allocation was optional) */
    RUN_BAD,   /* GW_OK with a result that does not check out, or a failure with err not set */
    RUN_BLAME, /* an error that blames the input (EINPUT, EPOLICY, ELIMIT): the input passes without the fault */
    RUN_UNREACHED, /* the run made fewer allocations than the index */
};

struct shared {
    unsigned long count;   /* allocations of the last run (those counted by the mode) */
    enum gw_rc rc;         /* what the last run returned */
    enum gw_reason reason; /* and its reason */
    enum run_result result;
    bool leaked; /* LeakSanitizer found unreachable memory */
    bool done;   /* set last, just before _exit */
    int stack_n;
    void *stack[STACK_MAX]; /* the failing allocation's return addresses, innermost first */
    unsigned char msg[SIGNED_MAX];
    size_t msg_len;
};

/* ---- the hook ---- */

static unsigned long fault_count; /* allocations seen since fault_arm() */
static unsigned long fault_at;    /* 1-based index of the one allocation that fails; 0: none */
static bool fault_counting;
static bool fault_own_only; /* --own: count and fail only the allocations our objects make themselves */
static bool fault_in_c14n;  /* --c14n: count and fail only library allocations made under xmlC14NExecute */
static unsigned long fault_every = 1; /* --every K: only every Kth index (K, 2K, ...) */
static bool fault_trace;              /* GW_FAIL_ALLOC_AT given: print where the failing allocation is made */
static struct shared *fault_sh;       /* where the failing allocation's stack is written */

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

/* --c14n: xmlsec calls libxml2's xmlC14NExecute through its PLT, so this definition interposes it (the linker
 * exports it because a shared library of the link refers to it) and counts how deep we are inside it. */
typedef int (*c14n_execute_fn)(xmlDocPtr doc, xmlC14NIsVisibleCallback is_visible, void *user_data, int mode,
                               xmlChar **inclusive_ns_prefixes, int with_comments, xmlOutputBufferPtr buf);
static c14n_execute_fn real_c14n_execute; /* libxml2's, found with dlsym(RTLD_NEXT) in main */
static int in_c14n;                       /* calls of xmlC14NExecute in progress */

int
xmlC14NExecute(xmlDocPtr doc, xmlC14NIsVisibleCallback is_visible, void *user_data, int mode,
               xmlChar **inclusive_ns_prefixes, int with_comments, xmlOutputBufferPtr buf)
{
    int rc;

    if (real_c14n_execute == NULL) {
        return -1;
    }
    in_c14n++;
    rc = real_c14n_execute(doc, is_visible, user_data, mode, inclusive_ns_prefixes, with_comments, buf);
    in_c14n--;
    return rc;
}

/* True if this allocation is the one that must fail. own: made by our objects, not inside a library. */
static bool
fault_fail(bool own)
{
    if (!fault_counting || (fault_own_only && !own)) {
        return false;
    }
    if (fault_in_c14n && (own || in_c14n == 0)) {
        return false;
    }
    fault_count++;
    if (fault_count != fault_at) {
        return false;
    }
    if (fault_sh != NULL) {
        fault_sh->stack_n = backtrace(fault_sh->stack, STACK_MAX);
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

/* Under gateway/mem.c's counting layer: the libraries' allocations. Their names are what a leak report's
 * frame #1 shows for a block a library allocated (leak_is_library below). */
static void *
lib_malloc(size_t n)
{
    return fault_fail(false) ? NULL : __real_malloc(n);
}

static void *
lib_realloc(void *p, size_t n)
{
    return fault_fail(false) ? NULL : __real_realloc(p, n);
}

static char *
lib_strdup(const char *s)
{
    return fault_fail(false) ? NULL : __real_strdup(s);
}

static void
lib_free(void *p)
{
    free(p);
}

static const struct gw_mem_alloc lib_alloc = {lib_malloc, lib_realloc, lib_strdup, lib_free};

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

/* --selftest only: the sign path with a defect of ours planted in it: when signing fails, a block allocated
 * by our own code (through __wrap_strdup, as gateway/ code allocates) is lost. A skip list that excused this
 * at an index where a library leaks too would hide defects of ours. */
static enum gw_rc
path_planted_leak(const struct fixture *f, struct result *r, struct gw_err *err)
{
    enum gw_rc rc = path_sign(f, r, err);

    if (rc != GW_OK) {
        char *volatile lost = strdup("planted leak");
        lost = NULL;
        (void)lost;
    }
    return rc;
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

/* ---- the skip list: known library defects ---- */

enum outcome_class {
    CLASS_CRASH,
    CLASS_LEAK,
    CLASS_WRONG,
};

static const char *const class_names[] = {"crash", "leak", "wrong"};

struct defect {
    enum outcome_class cls;
    char function[NAME_MAX_LEN]; /* innermost library frame at the failing allocation */
    char under[NAME_MAX_LEN];    /* a library function further out on that stack ("-": none asked) */
    char caller[NAME_MAX_LEN];   /* the gateway/ function that called into the library */
    char example[32];            /* "sign:600": one index that showed it */
    unsigned long hits;          /* runs it excused in this process */
};

#define DEFECTS_MAX 512
static struct defect defects[DEFECTS_MAX];
static size_t n_defects;

/* Where the failing allocation was made, from its stack. */
struct key {
    bool ours;                           /* the innermost frame that is not an allocator is in our binary */
    char function[NAME_MAX_LEN];         /* innermost named library frame ("?" if none is named) */
    char caller[NAME_MAX_LEN];           /* innermost gateway/ function ("?" if none) */
    char libs[LIB_FRAMES][NAME_MAX_LEN]; /* library frames from the innermost, up to the caller */
    int n_libs;
};

/* Library functions that only allocate for their caller: the defect is in whoever called them. */
static bool
is_library_allocator(const char *fn)
{
    static const char *const names[] = {
        "CRYPTO_malloc", "CRYPTO_zalloc",  "CRYPTO_realloc", "CRYPTO_clear_realloc",
        "CRYPTO_strdup", "CRYPTO_strndup", "CRYPTO_memdup",  "xmlStrndup",
        "xmlStrdup",     "xmlCharStrndup", "xmlCharStrdup",
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(fn, names[i]) == 0) {
            return true;
        }
    }
    return false;
}

/* One frame of a stack, as the key needs it. */
struct frame {
    bool in_binary;        /* in fault-tests itself (our code, this driver's included) */
    char fn[NAME_MAX_LEN]; /* function name, "" if unknown (a library's static function) */
    char file[128];        /* source file, for frames in our binary */
};

static void
copy_name(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src != NULL ? src : "");
}

/* Build the key from frames[0..n) (innermost first; frames[0] is fault_fail). */
static void
key_from_frames(const struct frame *fr, int n, struct key *k)
{
    int i = 0;

    memset(k, 0, sizeof(*k));
    copy_name(k->function, sizeof(k->function), "?");
    copy_name(k->caller, sizeof(k->caller), "?");
    /* the unwinder's own frames (backtrace() in the runtime), up to fault_fail */
    while (i < n && !fr[i].in_binary) {
        i++;
    }
    /* the allocator layers: this file's hooks, gateway/mem.c's counting layer, the libraries' wrappers */
    while (i < n && ((fr[i].in_binary && (strstr(fr[i].file, "tests/fault/") != NULL ||
                                          strstr(fr[i].file, "gateway/mem.c") != NULL)) ||
                     (!fr[i].in_binary && is_library_allocator(fr[i].fn)))) {
        i++;
    }
    if (i >= n || fr[i].in_binary) {
        k->ours = true; /* our code made the allocation itself: never a library defect */
    }
    for (; i < n && !fr[i].in_binary; i++) {
        if (fr[i].fn[0] != '\0' && k->n_libs < LIB_FRAMES) {
            copy_name(k->libs[k->n_libs++], NAME_MAX_LEN, fr[i].fn);
        }
    }
    if (k->n_libs > 0) {
        copy_name(k->function, sizeof(k->function), k->libs[0]);
    }
    for (; i < n; i++) {
        if (fr[i].in_binary && strncmp(fr[i].file, "gateway/", 8) == 0 &&
            strcmp(fr[i].file, "gateway/mem.c") != 0 && fr[i].fn[0] != '\0') {
            copy_name(k->caller, sizeof(k->caller), fr[i].fn);
            break;
        }
    }
}

/* libgcc's unwinder (libgcc_s): the unwind entry of a pc, whose bases.func is the start of its function */
struct dwarf_eh_bases {
    void *tbase;
    void *dbase;
    void *func;
};
extern const void *_Unwind_Find_FDE(void *pc, struct dwarf_eh_bases *bases);

/* The frames of the stack the child saved, named in the parent (same mappings: the child is a fork). */
static int
frames_from_stack(void *const *stack, int n, struct frame *fr)
{
    Dl_info self;
    int m = 0;

    if (dladdr((void *)(uintptr_t)frames_from_stack, &self) == 0) {
        return 0;
    }
    for (int i = 0; i < n && m < STACK_MAX; i++) {
        Dl_info info;
        struct frame *f = &fr[m++];
        memset(f, 0, sizeof(*f));
        if (dladdr(stack[i], &info) == 0) {
            continue; /* unknown: a library frame without a name */
        }
        /* the xmlC14NExecute above stands for libxml2's: a library frame */
        f->in_binary = info.dli_fbase == self.dli_fbase &&
                       !(info.dli_sname != NULL && strcmp(info.dli_sname, "xmlC14NExecute") == 0);
        if (f->in_binary) {
            char buf[256];
            /* return address - 1: the call, not the instruction after it */
            __sanitizer_symbolize_pc((void *)((uintptr_t)stack[i] - 1), "%f", f->fn, sizeof(f->fn));
            __sanitizer_symbolize_pc((void *)((uintptr_t)stack[i] - 1), "%s", buf, sizeof(buf));
            copy_name(f->file, sizeof(f->file), buf);
            if (strcmp(f->fn, "??") == 0) {
                f->fn[0] = '\0';
            }
        } else if (info.dli_sname != NULL) {
            copy_name(f->fn, sizeof(f->fn), info.dli_sname);
        } else {
            /* a static function of a stripped library: named by its module and start, from its unwind entry */
            struct dwarf_eh_bases bases = {0};
            const char *base = info.dli_fname != NULL ? strrchr(info.dli_fname, '/') : NULL;
            if (_Unwind_Find_FDE((void *)((uintptr_t)stack[i] - 1), &bases) != NULL && bases.func != NULL) {
                snprintf(f->fn, sizeof(f->fn), "%s+0x%lx", base != NULL ? base + 1 : "?",
                         (unsigned long)((uintptr_t)bases.func - (uintptr_t)info.dli_fbase));
            }
        }
    }
    return m;
}

static bool
key_has_library_frame(const struct key *k, const char *fn)
{
    for (int i = 0; i < k->n_libs; i++) {
        if (strcmp(k->libs[i], fn) == 0) {
            return true;
        }
    }
    return false;
}

/* The entry that excuses outcome class cls at key k, or NULL. evidence: the crash happened in a library, or
 * every directly leaked block was allocated by a library (true for CLASS_WRONG). */
static struct defect *
defect_find(const struct key *k, enum outcome_class cls, bool evidence)
{
    if (k->ours || !evidence) {
        return NULL;
    }
    for (size_t i = 0; i < n_defects; i++) {
        struct defect *d = &defects[i];
        if (d->cls == cls && strcmp(d->function, k->function) == 0 && strcmp(d->caller, k->caller) == 0 &&
            (strcmp(d->under, "-") == 0 || key_has_library_frame(k, d->under))) {
            return d;
        }
    }
    return NULL;
}

/* Next whitespace-separated field of *s into out; false if there is none or it does not fit. */
static bool
next_field(char **s, char *out, size_t n)
{
    size_t len;

    *s += strspn(*s, " \t");
    len = strcspn(*s, " \t\n");
    if (len == 0 || len >= n) {
        return false;
    }
    memcpy(out, *s, len);
    out[len] = '\0';
    *s += len;
    return true;
}

/* Read tests/fault/library-defects.txt: "outcome function under caller path:index why...", '#' comments. */
static bool
defects_load(const char *path)
{
    FILE *fp = fopen(path, "r");
    char line[1024];
    unsigned lineno = 0;
    bool ok = true;

    if (fp == NULL) {
        printf("FAIL fault/setup: %s: %s\n", path, strerror(errno));
        return false;
    }
    while (ok && fgets(line, sizeof(line), fp) != NULL) {
        char *s = line;
        char cls[16], why[8];
        struct defect *d;
        lineno++;
        s += strspn(s, " \t");
        if (*s == '#' || *s == '\n' || *s == '\0') {
            continue;
        }
        if (strchr(line, '\n') == NULL || n_defects == DEFECTS_MAX) {
            printf("FAIL fault/setup: %s:%u: line too long or too many entries\n", path, lineno);
            ok = false;
            break;
        }
        d = &defects[n_defects];
        memset(d, 0, sizeof(*d));
        ok = next_field(&s, cls, sizeof(cls)) && next_field(&s, d->function, sizeof(d->function)) &&
             next_field(&s, d->under, sizeof(d->under)) && next_field(&s, d->caller, sizeof(d->caller)) &&
             next_field(&s, d->example, sizeof(d->example)) && next_field(&s, why, sizeof(why)) &&
             strchr(d->example, ':') != NULL;
        if (ok) {
            ok = false;
            for (size_t c = 0; c < sizeof(class_names) / sizeof(class_names[0]); c++) {
                if (strcmp(cls, class_names[c]) == 0) {
                    d->cls = (enum outcome_class)c;
                    ok = true;
                }
            }
        }
        if (!ok) {
            printf("FAIL fault/setup: %s:%u: want \"crash|leak|wrong FUNCTION UNDER CALLER PATH:INDEX WHY\"\n",
                   path, lineno);
            break;
        }
        n_defects++;
    }
    fclose(fp);
    return ok;
}

/* ---- what a child's stderr says ---- */

/* Is pc in a module whose file name contains one of the n names of libs? */
static bool
pc_in_module(uintptr_t pc, const char *const *libs, size_t n)
{
    Dl_info info;

    if (dladdr((void *)pc, &info) == 0 || info.dli_fname == NULL) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (strstr(info.dli_fname, libs[i]) != NULL) {
            return true;
        }
    }
    return false;
}

/* The module of pc, if it is one of the libraries a defect can be listed for. */
static bool
pc_in_listed_library(uintptr_t pc)
{
    static const char *const libs[] = {"libxml2.so", "libxmlsec1.so", "libxmlsec1-openssl.so", "libcrypto.so",
                                       "libssl.so"};

    return pc_in_module(pc, libs, sizeof(libs) / sizeof(libs[0]));
}

/* The runtime's own modules: a crash reported inside one of them happened in whoever called it. */
static bool
pc_in_runtime(uintptr_t pc)
{
    static const char *const libs[] = {"libasan.so", "libubsan.so", "libc.so", "ld-linux"};

    return pc_in_module(pc, libs, sizeof(libs) / sizeof(libs[0]));
}

/* The allocator layers in our binary (this file's lib_* hooks, gateway/mem.c): a library that frees a bad
 * pointer crashes in them, and the crash is the library's. Only lib_free and mem.c's free hooks can be on a
 * crashing stack below library code; our own code calls free() directly, which is not wrapped. */
static bool
pc_in_allocator(uintptr_t pc)
{
    char fn[NAME_MAX_LEN];
    char file[128];

    __sanitizer_symbolize_pc((void *)(pc - 1), "%f", fn, sizeof(fn));
    __sanitizer_symbolize_pc((void *)(pc - 1), "%s", file, sizeof(file));
    return (strstr(file, "tests/fault/fault.c") != NULL && strncmp(fn, "lib_", 4) == 0) ||
           strstr(file, "gateway/mem.c") != NULL;
}

/* The address on a report line "    #N 0x...", or 0. */
static uintptr_t
frame_pc(const char *line, int *num)
{
    char *end;
    unsigned long long pc;
    long k;

    line += strspn(line, " ");
    if (line[0] != '#') {
        return 0;
    }
    k = strtol(line + 1, &end, 10);
    if (end == line + 1 || strncmp(end, " 0x", 3) != 0) {
        return 0;
    }
    pc = strtoull(end + 3, &end, 16);
    *num = (int)k;
    return (uintptr_t)pc;
}

/* A crash counts as a library's only if the sanitizer's report names a frame of a listed library as the
 * innermost frame outside the runtime (libc, libasan) and the allocator layers. No report (an abort, a UBSan
 * message): not a library's. */
static bool
crash_in_library(const char *report)
{
    const char *p = strstr(report, "ERROR: AddressSanitizer");

    while (p != NULL && (p = strchr(p, '\n')) != NULL) {
        int num = -1;
        uintptr_t pc;
        p++;
        pc = frame_pc(p, &num);
        if (pc == 0) {
            continue;
        }
        if (!pc_in_runtime(pc) && !pc_in_allocator(pc)) {
            return pc_in_listed_library(pc);
        }
    }
    return false;
}

/* A leak counts as a library's only if every directly leaked block was allocated through lib_* (frame #1 of
 * its allocation stack), i.e. by a library, never by our code (__wrap_*). */
static bool
leak_is_library(const char *report)
{
    const char *p = report;
    int blocks = 0;

    while ((p = strstr(p, "Direct leak of")) != NULL) {
        const char *line = p;
        bool library = false;
        /* the frames follow, one a line, until a blank line */
        while ((line = strchr(line, '\n')) != NULL && line[1] != '\n' && line[1] != '\0') {
            int num = -1;
            line++;
            if (frame_pc(line, &num) != 0 && num == 1) {
                const char *eol = strchr(line, '\n');
                size_t len = eol != NULL ? (size_t)(eol - line) : strlen(line);
                /* this file's lib_* under gateway/mem.c's layer; mem.c itself if a call was a tail call */
                library =
                    (memmem(line, len, " in lib_", 8) != NULL && memmem(line, len, "tests/fault/", 12) != NULL) ||
                    memmem(line, len, "gateway/mem.c:", 14) != NULL;
                break;
            }
        }
        if (!library) {
            return false;
        }
        blocks++;
        p += 14;
    }
    return blocks > 0;
}

/* ---- one run in a child ---- */

static bool
blames_input(enum gw_rc rc)
{
    return rc == GW_EINPUT || rc == GW_EPOLICY || rc == GW_ELIMIT;
}

static void
child_run(const struct path *p, const struct fixture *f, unsigned long at, bool verbose, struct shared *sh)
{
    struct gw_err err;
    struct result r = {0};
    enum gw_rc rc;

    gw_err_clear(&err);
    fault_arm(at);
    rc = p->run(f, &r, &err);
    fault_disarm();
    sh->count = fault_count;
    sh->rc = rc;
    sh->reason = err.reason;
    ERR_clear_error();
    if (verbose) {
        fprintf(stderr, "%s at %lu of %lu: rc %d, err rc %d %s: %s: %s\n", p->name, at, fault_count, (int)rc,
                (int)err.rc, gw_reason_code(err.reason), err.src != NULL ? err.src : "-", err.msg);
    }
    if (at != 0 && fault_count < at) {
        sh->result = RUN_UNREACHED;
    } else if (rc == GW_OK) {
        sh->result = p->check(f, &r) ? RUN_OK : RUN_BAD;
    } else if (err.rc == GW_OK) {
        sh->result = RUN_BAD;
    } else {
        /* the same input passes without the failure (the run at index 0 must): blaming it is wrong */
        sh->result = blames_input(rc) ? RUN_BLAME : RUN_CLEAN;
    }
    result_cleanup(&r);
    ERR_clear_error();
    sh->leaked = __lsan_do_recoverable_leak_check() != 0;
    fflush(NULL);
    sh->done = true;
    _exit(0);
}

/* A child's captured stderr: its last REPORT_MAX bytes, NUL-terminated, or NULL. Caller frees. */
static char *
read_report(int fd)
{
    struct stat st;
    off_t from;
    char *buf;
    ssize_t got;

    if (fd < 0 || fstat(fd, &st) != 0) {
        return NULL;
    }
    from = st.st_size > REPORT_MAX ? st.st_size - REPORT_MAX : 0;
    buf = malloc(REPORT_MAX + 1);
    if (buf == NULL) {
        return NULL;
    }
    got = pread(fd, buf, REPORT_MAX, from);
    buf[got > 0 ? got : 0] = '\0';
    return buf;
}

/* How one run ended, as the parent classifies it. */
struct run {
    bool crashed;
    enum run_result result;
    bool leaked;
    bool crash_in_library; /* evidence for a crash entry */
    bool leak_is_library;  /* evidence for a leak entry */
    struct key key;        /* where the failing allocation was made */
};

/* Run p in a child with allocation at failing (0: none) and classify how it ended. verbose: the child's
 * stderr is copied to ours. */
static bool
run_forked(const struct path *p, const struct fixture *f, unsigned long at, bool verbose, struct shared *sh,
           struct run *out)
{
    pid_t pid;
    int status;
    int fd;
    char *report;

    memset(out, 0, sizeof(*out));
    sh->result = RUN_NONE;
    sh->leaked = false;
    sh->done = false;
    sh->stack_n = 0;
    fd = memfd_create("fault-child-stderr", MFD_CLOEXEC);
    if (fd < 0) {
        perror("memfd_create");
        return false;
    }
    fflush(NULL);
    pid = fork();
    if (pid < 0) {
        perror("fork");
        close(fd);
        return false;
    }
    if (pid == 0) {
        if (dup2(fd, STDERR_FILENO) < 0) {
            _exit(99);
        }
        child_run(p, f, at, verbose, sh);
    }
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            perror("waitpid");
            close(fd);
            return false;
        }
    }
    out->crashed = !(WIFEXITED(status) && WEXITSTATUS(status) == 0 && sh->done);
    out->result = sh->result;
    out->leaked = sh->leaked;
    /* the report matters only for a crash or a leak, and to show it */
    report = verbose || out->crashed || out->leaked ? read_report(fd) : NULL;
    close(fd);
    if (verbose && report != NULL) {
        fputs(report, stderr);
    }
    if (out->crashed || out->leaked || out->result == RUN_BAD || out->result == RUN_BLAME) {
        struct frame fr[STACK_MAX];
        int n = frames_from_stack(sh->stack, sh->stack_n, fr);
        key_from_frames(fr, n, &out->key);
        out->crash_in_library = report != NULL && crash_in_library(report);
        out->leak_is_library = report != NULL && leak_is_library(report);
    }
    free(report);
    return true;
}

/* The entries that excuse every fault class of r; NULL if one class is not excused (or the run is fine). */
static bool
run_is_known(const struct run *r, struct defect **first)
{
    struct defect *d = NULL;
    bool any = false;

    *first = NULL;
    if (r->crashed) {
        d = defect_find(&r->key, CLASS_CRASH, r->crash_in_library);
        *first = d;
        return d != NULL;
    }
    if (r->result == RUN_BAD || r->result == RUN_BLAME) {
        d = defect_find(&r->key, CLASS_WRONG, true);
        if (d == NULL) {
            return false;
        }
        *first = d;
        any = true;
    }
    if (r->leaked) {
        d = defect_find(&r->key, CLASS_LEAK, r->leak_is_library);
        if (d == NULL) {
            return false;
        }
        if (*first == NULL) {
            *first = d;
        }
        any = true;
    }
    return any;
}

static void
key_print(FILE *fp, const struct key *k)
{
    if (k->ours) {
        fprintf(fp, "made by our code (never a library defect), caller %s", k->caller);
        return;
    }
    fprintf(fp, "%s < ... < %s; library frames:", k->function, k->caller);
    for (int i = 0; i < k->n_libs; i++) {
        fprintf(fp, " %s", k->libs[i]);
    }
}

/* Counts of one torture. */
struct tally {
    unsigned long points, clean, ok, known, wrong, blamed, crashes, leaks, unreached, blame_known;
    unsigned long first_bad;
};

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

/* ---- the loops ---- */

/* Distinct keys of the faults no entry excused, for writing new entries. */
#define UNLISTED_MAX 256
struct unlisted {
    char what[24]; /* "crash", "wrong", "leak", "wrong+leak" */
    struct key key;
    char first[32]; /* "sign:600" */
    unsigned long count;
};
static struct unlisted unlisted[UNLISTED_MAX];
static size_t n_unlisted;

static void
describe(const struct run *r, char *what, size_t n)
{
    if (r->crashed) {
        snprintf(what, n, "crash");
    } else if (r->result == RUN_UNREACHED) {
        snprintf(what, n, "not reached");
    } else {
        snprintf(what, n, "%s%s%s",
                 r->result == RUN_BLAME ? "wrong(blames-input)"
                 : r->result == RUN_BAD ? "wrong"
                                        : "",
                 (r->result == RUN_BAD || r->result == RUN_BLAME) && r->leaked ? "+" : "",
                 r->leaked ? "leak" : "");
    }
}

static void
note_unlisted(const char *path, unsigned long i, const struct run *r)
{
    char what[24];

    describe(r, what, sizeof(what));
    for (size_t u = 0; u < n_unlisted; u++) {
        if (strcmp(unlisted[u].what, what) == 0 && memcmp(&unlisted[u].key, &r->key, sizeof(r->key)) == 0) {
            unlisted[u].count++;
            return;
        }
    }
    if (n_unlisted < UNLISTED_MAX) {
        struct unlisted *u = &unlisted[n_unlisted++];
        snprintf(u->what, sizeof(u->what), "%s", what);
        u->key = r->key;
        snprintf(u->first, sizeof(u->first), "%s:%lu", path, i);
        u->count = 1;
    }
}

static void
print_unlisted(void)
{
    for (size_t u = 0; u < n_unlisted; u++) {
        fprintf(stderr, "unlisted: %lu x %s, first %s, at ", unlisted[u].count, unlisted[u].what,
                unlisted[u].first);
        key_print(stderr, &unlisted[u].key);
        fprintf(stderr, "\n");
    }
}

/* Every index of one path (in the mode set by fault_own_only/fault_in_c14n); prints a PASS or FAIL line. */
static bool
torture(const struct path *p, const struct fixture *f, struct shared *sh, const char *label)
{
    struct run r;
    struct tally t = {0};

    if (!run_forked(p, f, 0, false, sh, &r) || r.crashed || r.result != RUN_OK || r.leaked) {
        printf("FAIL fault/%s%s: the run without a failing allocation does not succeed\n", label, p->name);
        return false;
    }
    t.points = sh->count;
    for (unsigned long i = fault_every; i <= t.points; i += fault_every) {
        struct defect *d;
        char what[24];
        if (!run_forked(p, f, i, false, sh, &r)) {
            printf("FAIL fault/%s%s: cannot run index %lu\n", label, p->name, i);
            return false;
        }
        if (!r.crashed && !r.leaked && r.result == RUN_CLEAN) {
            t.clean++;
            continue;
        }
        if (!r.crashed && !r.leaked && r.result == RUN_OK) {
            t.ok++;
            continue;
        }
        if (!r.crashed && r.result == RUN_UNREACHED) {
            t.unreached++;
        } else if (run_is_known(&r, &d)) {
            t.known++;
            d->hits++;
            continue;
        } else if (r.crashed) {
            t.crashes++;
        } else {
            t.wrong += r.result == RUN_BAD || r.result == RUN_BLAME;
            t.blamed += r.result == RUN_BLAME;
            t.leaks += r.leaked;
        }
        if (t.first_bad == 0) {
            t.first_bad = i;
        }
        describe(&r, what, sizeof(what));
        fprintf(stderr, "%s: allocation %lu: %s at ", p->name, i, what);
        key_print(stderr, &r.key);
        fprintf(stderr, " (rerun with GW_FAIL_ALLOC_AT=%lu build-asan/fault-tests %s%s)\n", i,
                fault_own_only  ? "--own "
                : fault_in_c14n ? "--c14n "
                                : "",
                p->name);
        note_unlisted(p->name, i, &r);
    }
    if (fault_every > 1) {
        printf(
            "%s fault/%s%s: %lu %sallocation points, one index in %lu failed (%lu runs): %lu clean errors, %lu "
            "optional (GW_OK, result checked), %lu known library defects (%s), %lu wrong results (%lu blamed the "
            "input), %lu crashes, %lu leaks, %lu not reached",
            t.first_bad == 0 ? "PASS" : "FAIL", label, p->name, t.points, fault_in_c14n ? "C14N " : "",
            fault_every, t.points / fault_every, t.clean, t.ok, t.known, DEFECTS, t.wrong, t.blamed, t.crashes,
            t.leaks, t.unreached);
    } else {
        printf("%s fault/%s%s: %lu %sallocation points, each failed once: %lu clean errors, %lu optional (GW_OK, "
               "result checked), %lu known library defects (%s), %lu wrong results (%lu blamed the input), %lu "
               "crashes, %lu leaks, %lu not reached",
               t.first_bad == 0 ? "PASS" : "FAIL", label, p->name, t.points,
               fault_own_only  ? "gateway "
               : fault_in_c14n ? "C14N "
                               : "",
               t.clean, t.ok, t.known, DEFECTS, t.wrong, t.blamed, t.crashes, t.leaks, t.unreached);
    }
    if (t.first_bad != 0) {
        printf(" (first: GW_FAIL_ALLOC_AT=%lu)", t.first_bad);
    }
    printf("\n");
    fflush(stdout);
    return t.first_bad == 0;
}

/* ---- --selftest: the skip list never hides a defect of ours ---- */

static void
frame_set(struct frame *fr, bool in_binary, const char *fn, const char *file)
{
    memset(fr, 0, sizeof(*fr));
    fr->in_binary = in_binary;
    copy_name(fr->fn, sizeof(fr->fn), fn);
    copy_name(fr->file, sizeof(fr->file), file);
}

static bool
expect(bool cond, const char *name, const char *why)
{
    if (cond) {
        printf("PASS fault/selftest/%s\n", name);
    } else {
        printf("FAIL fault/selftest/%s: %s\n", name, why);
    }
    return cond;
}

/* The matching rules on made-up stacks, against a made-up entry. */
static bool
selftest_keys(void)
{
    struct frame lib_alloc_stack[9], own_alloc_stack[6], own_crypto_stack[5];
    struct key k;
    struct defect *entry;
    bool ok = true;

    if (n_defects == DEFECTS_MAX) {
        return expect(false, "keys", "the skip list is full");
    }
    entry = &defects[n_defects++];
    memset(entry, 0, sizeof(*entry));
    entry->cls = CLASS_LEAK;
    copy_name(entry->function, sizeof(entry->function), "xmlSelftestInner");
    copy_name(entry->under, sizeof(entry->under), "xmlSelftestOuter");
    copy_name(entry->caller, sizeof(entry->caller), "gw_signer_sign");
    copy_name(entry->example, sizeof(entry->example), "sign:1");

    /* a library allocation: hooks, mem.c, a library allocator, a static and two named library frames */
    frame_set(&lib_alloc_stack[0], true, "fault_fail", "tests/fault/fault.c");
    frame_set(&lib_alloc_stack[1], true, "lib_malloc", "tests/fault/fault.c");
    frame_set(&lib_alloc_stack[2], true, "xml_malloc", "gateway/mem.c");
    frame_set(&lib_alloc_stack[3], false, "xmlStrndup", "");
    frame_set(&lib_alloc_stack[4], false, "", "");
    frame_set(&lib_alloc_stack[5], false, "xmlSelftestInner", "");
    frame_set(&lib_alloc_stack[6], false, "xmlSelftestOuter", "");
    frame_set(&lib_alloc_stack[7], true, "gw_signer_sign", "gateway/sign.c");
    frame_set(&lib_alloc_stack[8], true, "path_sign", "tests/fault/fault.c");
    key_from_frames(lib_alloc_stack, 9, &k);
    ok &= expect(!k.ours && strcmp(k.function, "xmlSelftestInner") == 0 && strcmp(k.caller, "gw_signer_sign") == 0,
                 "key-of-library-allocation", "the key skips the allocators and names library and caller");
    ok &= expect(defect_find(&k, CLASS_LEAK, true) == entry, "listed-library-leak-excused",
                 "a listed leak of a library is not excused");
    ok &= expect(defect_find(&k, CLASS_LEAK, false) == NULL, "leak-of-ours-at-listed-site-reported",
                 "a leaked block our code allocated is excused by a library's entry");
    ok &= expect(defect_find(&k, CLASS_WRONG, true) == NULL && defect_find(&k, CLASS_CRASH, true) == NULL,
                 "other-outcome-at-listed-site-reported", "an entry excuses another outcome class");
    ok &= expect(defect_find(&k, CLASS_CRASH, false) == NULL, "crash-in-our-code-reported",
                 "a crash outside the libraries is excused");
    frame_set(&lib_alloc_stack[7], true, "gw_verify_message", "gateway/verify.c");
    key_from_frames(lib_alloc_stack, 9, &k);
    ok &= expect(defect_find(&k, CLASS_LEAK, true) == NULL, "other-caller-reported",
                 "an entry excuses the same library function called from another gateway function");
    frame_set(&lib_alloc_stack[7], true, "gw_signer_sign", "gateway/sign.c");
    frame_set(&lib_alloc_stack[6], false, "xmlSomethingElse", "");
    key_from_frames(lib_alloc_stack, 9, &k);
    ok &= expect(defect_find(&k, CLASS_LEAK, true) == NULL, "other-outer-library-function-reported",
                 "an entry excuses its function under another library function");

    /* our code allocating (a SAX callback of ours called by the library): never a library's */
    frame_set(&own_alloc_stack[0], true, "fault_fail", "tests/fault/fault.c");
    frame_set(&own_alloc_stack[1], true, "__wrap_malloc", "tests/fault/fault.c");
    frame_set(&own_alloc_stack[2], true, "on_characters", "gateway/xml.c");
    frame_set(&own_alloc_stack[3], false, "xmlSelftestInner", "");
    frame_set(&own_alloc_stack[4], false, "xmlSelftestOuter", "");
    frame_set(&own_alloc_stack[5], true, "gw_signer_sign", "gateway/sign.c");
    key_from_frames(own_alloc_stack, 6, &k);
    ok &= expect(k.ours && defect_find(&k, CLASS_LEAK, true) == NULL, "own-allocation-never-excused",
                 "an allocation our code made is excused");
    /* our code calling a library allocator directly */
    frame_set(&own_crypto_stack[0], true, "fault_fail", "tests/fault/fault.c");
    frame_set(&own_crypto_stack[1], true, "lib_malloc", "tests/fault/fault.c");
    frame_set(&own_crypto_stack[2], true, "ossl_malloc", "gateway/mem.c");
    frame_set(&own_crypto_stack[3], false, "CRYPTO_zalloc", "");
    frame_set(&own_crypto_stack[4], true, "gw_signer_sign", "gateway/sign.c");
    key_from_frames(own_crypto_stack, 5, &k);
    ok &= expect(k.ours, "own-call-of-library-allocator-is-ours",
                 "OPENSSL_zalloc called by our code counts as a library's allocation");

    ok &= expect(leak_is_library("Direct leak of 8 byte(s) in 1 object(s) allocated from:\n"
                                 "    #0 0x7f00 in malloc (/usr/lib/x86_64-linux-gnu/libasan.so.8+0xbd9cf)\n"
                                 "    #1 0x5500 in lib_malloc tests/fault/fault.c:200\n"
                                 "    #2 0x7f01 in xmlStrndup (/lib/x86_64-linux-gnu/libxml2.so.2+0x1)\n\n") &&
                     !leak_is_library("Direct leak of 8 byte(s) in 1 object(s) allocated from:\n"
                                      "    #0 0x7f00 in malloc (/usr/lib/x86_64-linux-gnu/libasan.so.8+0xbd9cf)\n"
                                      "    #1 0x5500 in lib_malloc tests/fault/fault.c:200\n\n"
                                      "Direct leak of 8 byte(s) in 1 object(s) allocated from:\n"
                                      "    #0 0x7f00 in strdup (/usr/lib/x86_64-linux-gnu/libasan.so.8+0xbd9cf)\n"
                                      "    #1 0x5500 in __wrap_strdup tests/fault/fault.c:130\n\n") &&
                     !leak_is_library(""),
                 "leak-report-attribution", "a leak report is attributed to the wrong allocator");
    n_defects--;
    return ok;
}

/* End to end: an index where the real sign path hits a listed library leak; the same index with a leak of
 * ours planted must be reported. */
static bool
selftest_planted(const struct fixture *f, struct shared *sh)
{
    static const struct path planted = {"planted-leak", path_planted_leak, check_sign};
    static const struct path sign = {"sign", path_sign, check_sign};
    struct run r;
    struct defect *d;
    struct defect *listed;
    bool reported;

    for (size_t e = 0; e < n_defects; e++) {
        unsigned long ex;
        if (defects[e].cls != CLASS_LEAK || strncmp(defects[e].example, "sign:", 5) != 0) {
            continue;
        }
        ex = strtoul(defects[e].example + 5, NULL, 10);
        /* indices move by a few allocations between runs (RSA blinding): look around the example */
        for (unsigned long i = ex > 20 ? ex - 20 : 1; i <= ex + 20; i++) {
            if (!run_forked(&sign, f, i, false, sh, &r)) {
                return expect(false, "planted-leak-reported", "cannot run the sign path");
            }
            if (r.crashed || !r.leaked || r.result != RUN_CLEAN || !run_is_known(&r, &d)) {
                continue;
            }
            listed = d;
            if (!run_forked(&planted, f, i, false, sh, &r)) {
                return expect(false, "planted-leak-reported", "cannot run the planted path");
            }
            reported = r.leaked && !r.crashed && !run_is_known(&r, &d);
            printf("%s fault/selftest/planted-leak-reported: sign index %lu is a listed library leak (%s under "
                   "%s); with a leak of ours added it is %s\n",
                   reported ? "PASS" : "FAIL", i, listed->function, listed->caller,
                   reported ? "reported" : "NOT reported");
            return reported;
        }
    }
    return expect(false, "planted-leak-reported", "no listed sign leak shows near its example index");
}

/* One run at GW_FAIL_ALLOC_AT, verbose: the stack of the failing allocation, the rc, the sanitizer's report,
 * and how the run is classified. */
static bool
one_index(const struct path *p, const struct fixture *f, struct shared *sh, const char *at_env)
{
    char *end;
    unsigned long at = strtoul(at_env, &end, 10);
    struct run r;
    struct defect *d;
    char what[24];

    if (end == at_env || *end != '\0') {
        printf("FAIL fault/setup: GW_FAIL_ALLOC_AT=%s is not a number\n", at_env);
        return false;
    }
    fault_trace = true;
    if (!run_forked(p, f, at, true, sh, &r)) {
        printf("FAIL %s: GW_FAIL_ALLOC_AT=%lu: cannot run\n", p->name, at);
        return false;
    }
    {
        struct frame fr[STACK_MAX];
        int n = frames_from_stack(sh->stack, sh->stack_n, fr);
        fprintf(stderr, "the failing allocation as the key sees it (innermost first):\n");
        for (int i = 0; i < n; i++) {
            fprintf(stderr, "  %s %s %s\n", fr[i].in_binary ? "ours   " : "library",
                    fr[i].fn[0] != '\0' ? fr[i].fn : "?", fr[i].file);
        }
    }
    if (!r.crashed && !r.leaked && (r.result == RUN_CLEAN || r.result == RUN_OK)) {
        printf("PASS %s: GW_FAIL_ALLOC_AT=%lu: %s\n", p->name, at,
               r.result == RUN_OK ? "optional" : "clean error");
        return true;
    }
    describe(&r, what, sizeof(what));
    if (r.result != RUN_UNREACHED && run_is_known(&r, &d)) {
        printf("PASS %s: GW_FAIL_ALLOC_AT=%lu: %s, known library defect (%s: %s %s %s %s, e.g. %s)\n", p->name, at,
               what, DEFECTS, class_names[d->cls], d->function, d->under, d->caller, d->example);
        return true;
    }
    printf("FAIL %s: GW_FAIL_ALLOC_AT=%lu: %s at ", p->name, at, what);
    fflush(stdout);
    key_print(stdout, &r.key);
    printf(" (crash in a library: %s, leaked blocks all a library's: %s)\n", r.crash_in_library ? "yes" : "no",
           r.leak_is_library ? "yes" : "no");
    return false;
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
    const char *label = "";
    bool selftest = false;
    bool all_ok = true;
    bool any = false;
    void *warm[4];

    /* before any other OpenSSL or libxml2 call, as in the gateway binary */
    gw_err_clear(&err);
    if (gw_mem_install(&lib_alloc, &err) != GW_OK) {
        printf("FAIL fault/setup: %s\n", err.msg);
        return 1;
    }
    if (a < argc && strcmp(argv[a], "--own") == 0) {
        fault_own_only = true;
        label = "own/";
        a++;
    } else if (a < argc && strcmp(argv[a], "--c14n") == 0) {
        fault_in_c14n = true;
        label = "c14n/";
        a++;
    } else if (a < argc && strcmp(argv[a], "--selftest") == 0) {
        selftest = true;
        a++;
    }
    if (a + 1 < argc && strcmp(argv[a], "--every") == 0) {
        char *end;
        fault_every = strtoul(argv[a + 1], &end, 10);
        if (end == argv[a + 1] || *end != '\0' || fault_every == 0 || fault_every > 1000) {
            printf("FAIL fault/setup: --every wants a number from 1 to 1000\n");
            return 1;
        }
        a += 2;
    }
    only = a < argc ? argv[a] : NULL;
    real_c14n_execute = (c14n_execute_fn)(uintptr_t)dlsym(RTLD_NEXT, "xmlC14NExecute");
    if (real_c14n_execute == NULL) {
        printf("FAIL fault/setup: libxml2's xmlC14NExecute not found\n");
        return 1;
    }
    /* backtrace() loads its unwinder on first use: here, not inside a counted allocation */
    (void)backtrace(warm, 4);
    if (!go_to_root()) {
        printf("FAIL fault/setup: run from the repository root\n");
        return 1;
    }
    if (!defects_load(DEFECTS)) {
        return 1;
    }
    sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED) {
        printf("FAIL fault/setup: mmap\n");
        return 1;
    }
    fault_sh = sh;
    if (setup(&f, &schemas, &err) != GW_OK || !make_signed(&f, sh)) {
        printf("FAIL fault/setup: %s: %s [%s]\n", err.where, err.msg, gw_reason_code(err.reason));
        teardown(&f, schemas);
        return 1;
    }
    if (selftest) {
        all_ok = selftest_keys();
        all_ok = selftest_planted(&f, sh) && all_ok;
        any = true;
    }
    for (size_t i = 0; !selftest && i < sizeof(paths) / sizeof(paths[0]); i++) {
        if (only != NULL && strcmp(only, paths[i].name) != 0) {
            continue;
        }
        any = true;
        if (at_env != NULL) {
            all_ok = one_index(&paths[i], &f, sh, at_env) && all_ok;
            continue;
        }
        all_ok = torture(&paths[i], &f, sh, label) && all_ok;
    }
    if (!any) {
        printf("FAIL fault/setup: no path named '%s' (sign, verify, receive)\n", only);
        all_ok = false;
    }
    print_unlisted();
    if (!selftest && !fault_own_only && !fault_in_c14n && only == NULL && at_env == NULL) {
        for (size_t e = 0; e < n_defects; e++) {
            if (defects[e].hits == 0) {
                fprintf(stderr, "note: %s entry %s %s %s %s (e.g. %s) excused nothing in this run\n", DEFECTS,
                        class_names[defects[e].cls], defects[e].function, defects[e].under, defects[e].caller,
                        defects[e].example);
            }
        }
    }
    teardown(&f, schemas);
    munmap(sh, sizeof(*sh));
    return all_ok ? 0 : 1;
}

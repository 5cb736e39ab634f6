// SPDX-License-Identifier: MIT
/*
 * gateway audit verify|show --store FILE: check the hash chain of a store's audit log and the stored
 * messages against it, or print its entries (DESIGN §6: "changing, removing or reordering any entry is
 * detected by gateway audit verify, which names the first bad entry"). Reads the store read-only, so it may
 * run beside a live gateway. The checks live in audit.c and store_sqlite.c; this file only parses arguments
 * and prints.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw/audit.h"
#include "gw/cli.h"
#include "gw/store.h"

static const char usage[] =
    "usage: gateway audit verify --store FILE\n"
    "       gateway audit show --store FILE [--limit N]\n"
    "Check or print the hash-chained audit log of a gateway store (read-only).\n"
    "  verify          recompute every entry's hash and link; name the first changed, removed or\n"
    "                  reordered entry; then check every stored message (inbox, outbox, rejected)\n"
    "                  against the digest of the entry that recorded it\n"
    "  show            print entries, one per line: seq, time, event, message id, peer, outcome, reason\n"
    "  --store FILE    the gateway's SQLite store\n"
    "  --limit N       show only the last N entries\n"
    "Exit status: 0 log intact (or printed), 1 log broken, 2 usage or I/O error.\n";

/* Print a field so that it cannot break the line format or forge an entry: empty as "-", control bytes,
 * spaces (outside the last field) and backslash escaped as \xNN. */
static void
print_field(const char *s, bool last)
{
    if (s[0] == '\0') {
        fputs("-", stdout);
        return;
    }
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (*p < 0x20 || *p == 0x7f || *p == '\\' || (*p == ' ' && !last)) {
            printf("\\x%02x", *p);
        } else {
            putchar(*p);
        }
    }
}

static void
show_entry(void *arg, const struct gw_audit_entry *e)
{
    (void)arg;
    printf("%" PRId64 " ", e->seq);
    print_field(e->time, false);
    putchar(' ');
    print_field(e->event, false);
    putchar(' ');
    print_field(e->message_id, false);
    putchar(' ');
    print_field(e->peer, false);
    putchar(' ');
    print_field(e->outcome, false);
    putchar(' ');
    print_field(e->reason, true);
    putchar('\n');
}

/* "audit entry N" (err->where of a broken chain) -> N; false if where is something else. */
static bool
broken_entry(const struct gw_err *err, unsigned long long *n)
{
    static const char prefix[] = "audit entry ";
    char *end = NULL;

    if (strncmp(err->where, prefix, sizeof(prefix) - 1) != 0) {
        return false;
    }
    errno = 0;
    *n = strtoull(err->where + sizeof(prefix) - 1, &end, 10);
    return errno == 0 && end != err->where + sizeof(prefix) - 1 && *end == '\0';
}

static int
audit_verify(const char *store)
{
    struct gw_err err;
    uint64_t entries = 0;
    unsigned long long bad = 0;
    enum gw_rc rc;

    gw_err_clear(&err);
    rc = gw_audit_verify_sqlite(store, &entries, &err);
    if (rc == GW_OK) {
        printf("%s: audit log OK, %" PRIu64 " entries\n", store, entries);
        return GW_EXIT_OK;
    }
    if (err.reason == GW_R_AUDIT_BROKEN && broken_entry(&err, &bad)) {
        printf("%s: audit log BROKEN at entry %llu: %s\n", store, bad, err.msg);
        return GW_EXIT_REJECTED;
    }
    if (err.reason == GW_R_AUDIT_BROKEN) {
        printf("%s: audit log BROKEN: %s\n", store, err.msg);
        return GW_EXIT_REJECTED;
    }
    gw_cli_print_error("audit", &err);
    return gw_rc_exit_status(rc);
}

static int
audit_show(const char *store, uint64_t limit)
{
    struct gw_err err;
    enum gw_rc rc;

    gw_err_clear(&err);
    rc = gw_audit_list_sqlite(store, limit, show_entry, NULL, &err);
    if (rc != GW_OK) {
        fflush(stdout);
        gw_cli_print_error("audit", &err);
    }
    return gw_rc_exit_status(rc);
}

/* A positive count, digits only. */
static bool
parse_limit(const char *s, uint64_t *out)
{
    char *end = NULL;
    unsigned long long v;

    if (s[0] < '0' || s[0] > '9') {
        return false;
    }
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v == 0) {
        return false;
    }
    *out = v;
    return true;
}

int
gw_cmd_audit(int argc, char **argv)
{
    static const struct option opts[] = {
        {"store", required_argument, NULL, 's'},
        {"limit", required_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *store = NULL;
    const char *action;
    uint64_t limit = 0;
    bool have_limit = false;
    int c;

    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(usage, stdout);
        return GW_EXIT_OK;
    }
    if (argc < 2 || (strcmp(argv[1], "verify") != 0 && strcmp(argv[1], "show") != 0)) {
        fputs(usage, stderr);
        return GW_EXIT_USAGE;
    }
    action = argv[1];
    argc--;
    argv++;
    optind = 0; /* glibc: start afresh, also when called more than once in a process (the unit tests) */
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            store = optarg;
            break;
        case 'n':
            if (!parse_limit(optarg, &limit)) {
                fprintf(stderr, "gateway audit: --limit wants a positive number, not '%s'\n", optarg);
                return GW_EXIT_USAGE;
            }
            have_limit = true;
            break;
        case 'h':
            fputs(usage, stdout);
            return GW_EXIT_OK;
        default:
            fputs(usage, stderr);
            return GW_EXIT_USAGE;
        }
    }
    if (store == NULL || optind != argc || (have_limit && strcmp(action, "show") != 0)) {
        fputs(usage, stderr);
        return GW_EXIT_USAGE;
    }
    if (strcmp(action, "verify") == 0) {
        return audit_verify(store);
    }
    return audit_show(store, limit);
}

// SPDX-License-Identifier: MIT
/*
 * The gateway binary: dispatch to one subcommand (DESIGN §4). Exit statuses: 0 success or valid,
 * 1 invalid or rejected, 2 usage, I/O or configuration error.
 */
#include <stdio.h>
#include <string.h>

#include "gw/cli.h"
#include "gw/mem.h"

static const char usage[] =
    "usage: gateway COMMAND [OPTIONS] [ARGS]\n"
    "Secure message exchange gateway for the \"school-community\" programme.\n"
    "\n"
    "Commands:\n"
    "  validate FILE...     check messages against the XSD schemas\n"
    "  sign                 sign a message (XML-DSig, enveloped)\n"
    "  verify               verify signed messages with the strict profile\n"
    "  audit verify|show|search|proof|consistency|verify-proof\n"
    "                       check, print or search a store's audit log; write and check its proofs\n"
    "  serve                run the gateway daemon\n"
    "  receipt verify       check a receipt or Delivered notification against a message\n"
    "\n"
    "'gateway COMMAND --help' describes a command; 'gateway --version' prints the version.\n";

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
} commands[] = {
    {"validate", gw_cmd_validate}, {"sign", gw_cmd_sign},   {"verify", gw_cmd_verify},
    {"audit", gw_cmd_audit},       {"serve", gw_cmd_serve}, {"receipt", gw_cmd_receipt},
};

int
main(int argc, char **argv)
{
    struct gw_err err;

    /* before any OpenSSL or libxml2 call: a verdict must know whether a library allocation failed */
    gw_err_clear(&err);
    if (gw_mem_install(NULL, &err) != GW_OK) {
        fprintf(stderr, "gateway: %s\n", err.msg);
        return GW_EXIT_USAGE;
    }
    if (argc < 2) {
        fputs(usage, stderr);
        return GW_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        fputs(usage, stdout);
        return GW_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("gateway %s\n", GW_VERSION);
        return GW_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(argv[1], commands[i].name) == 0) {
            return commands[i].run(argc - 1, argv + 1);
        }
    }
    fprintf(stderr, "gateway: unknown command '%s'\n%s", argv[1], usage);
    return GW_EXIT_USAGE;
}

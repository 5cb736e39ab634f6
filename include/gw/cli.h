/* SPDX-License-Identifier: MIT */
/*
 * What the subcommands share: finding the schema directory, process set-up, reading and parsing one
 * input file, and printing an error in the one format every command uses.
 */
#ifndef GW_CLI_H
#define GW_CLI_H

#include <libxml/tree.h>
#include <stdio.h>

#include "gw/err.h"
#include "gw/limits.h"
#include "gw/schema.h"

#define GW_VERSION "0.1.0"

/* Exit statuses of DESIGN §4. */
#define GW_EXIT_OK 0
#define GW_EXIT_REJECTED 1
#define GW_EXIT_USAGE 2

/* Options every command accepts besides its own. */
#define GW_CLI_COMMON_HELP                                                                                        \
    "  --schemas DIR   schema directory (default: $GATEWAY_SCHEMAS, or schemas/ beside build/)\n"

/*
 * Initialise libxml2 (restricted entity loader), xmlsec if with_dsig, and compile the schemas.
 * schema_dir may be NULL (then found as documented above). OUT: *out (gw_schemas_free()).
 */
GW_MUST_CHECK enum gw_rc gw_cli_setup(const char *argv0, const char *schema_dir, bool with_dsig,
                                      struct gw_schemas **out, struct gw_err *err);
void gw_cli_teardown(struct gw_schemas *schemas, bool with_dsig);

/* Read path ("-" is stdin) and parse it with the default limits. OUT: *out (xmlFreeDoc), and raw, raw_len
 * if both are non-NULL (free()). */
GW_MUST_CHECK enum gw_rc gw_cli_load(const char *path, xmlDoc **out, unsigned char **raw, size_t *raw_len,
                                     struct gw_err *err);

/* The trust options shared by the commands that verify: --trust FILE and --crl FILE (repeatable). */
struct gw_cli_trust {
    const char *anchors;           /* --trust, NULL until given */
    const char *crls[GW_MAX_CRLS]; /* --crl files, in order */
    size_t n_crls;
};

/* Take getopt's option c with its argument if it is 't' (--trust) or 'r' (--crl). Returns 1 if taken,
 * 0 if c is another option, -1 (after a message on stderr naming cmd) if there are too many --crl. */
int gw_cli_trust_option(struct gw_cli_trust *t, int c, const char *arg, const char *cmd);

/* "gateway: WHERE: MESSAGE [CODE]" on stderr. */
void gw_cli_print_error(const char *cmd, const struct gw_err *err);

/* Worst of two exit statuses (2 beats 1 beats 0). */
int gw_cli_worse(int a, int b);

/* Display name of a path ("-" is "<stdin>"). */
const char *gw_cli_name(const char *path);

int gw_cmd_validate(int argc, char **argv);
int gw_cmd_sign(int argc, char **argv);
int gw_cmd_verify(int argc, char **argv);
int gw_cmd_audit(int argc, char **argv);
int gw_cmd_serve(int argc, char **argv);
int gw_cmd_receipt(int argc, char **argv);

#endif

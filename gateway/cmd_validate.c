// SPDX-License-Identifier: MIT
/*
 * gateway validate FILE...: parse with the hostile-input limits, validate against the schema chosen by the
 * root namespace, and for envelopes check that MessageType names the payload. Every schema error is
 * printed with file and line. Exit 0 all valid, 1 any invalid, 2 any file unreadable.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "gw/cli.h"
#include "gw/envelope.h"
#include "gw/xml.h"

static const char usage[] = "usage: gateway validate [--schemas DIR] [-q] FILE...\n"
                            "Check messages against the XSD schemas (chosen by the root element's namespace).\n"
                            "  -q, --quiet     print only errors\n" GW_CLI_COMMON_HELP
                            "Exit status: 0 all valid, 1 some invalid, 2 usage or I/O error.\n";

static void
print_schema_error(void *arg, const char *where, const char *msg)
{
    (void)arg;
    fprintf(stderr, "%s: %s\n", where, msg);
}

static int
validate_one(const struct gw_schemas *schemas, const char *path, bool quiet)
{
    struct gw_err err;
    enum gw_rc rc;
    xmlDoc *doc = NULL;
    const char *name = gw_cli_name(path);
    const char *kind = "document";
    struct gw_envelope env = {0};

    gw_err_clear(&err);
    rc = gw_cli_load(path, &doc, NULL, NULL, &err);
    if (rc == GW_OK) {
        rc = gw_schemas_validate(schemas, doc, name, print_schema_error, NULL, &err);
    }
    if (rc == GW_OK && gw_xml_is(xmlDocGetRootElement(doc), GW_NS_ENVELOPE, "Envelope")) {
        rc = gw_envelope_read(doc, name, &env, &err);
        kind = rc == GW_OK ? gw_msg_type_name(env.type) : kind;
    }
    if (rc == GW_OK) {
        if (!quiet) {
            printf("%s: valid (%s)\n", name, kind);
        }
    } else {
        if (err.reason != GW_R_SCHEMA_INVALID) {
            fprintf(stderr, "%s: %s\n", err.where[0] != '\0' ? err.where : name, err.msg);
        }
        printf("%s: INVALID [%s] %s\n", name, gw_reason_code(err.reason), gw_reason_text(err.reason));
    }
    gw_envelope_cleanup(&env);
    xmlFreeDoc(doc);
    return gw_rc_exit_status(rc);
}

int
gw_cmd_validate(int argc, char **argv)
{
    static const struct option opts[] = {
        {"schemas", required_argument, NULL, 's'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *schema_dir = NULL;
    bool quiet = false;
    struct gw_schemas *schemas = NULL;
    struct gw_err err;
    int c;
    int status = GW_EXIT_OK;

    while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            schema_dir = optarg;
            break;
        case 'q':
            quiet = true;
            break;
        case 'h':
            fputs(usage, stdout);
            return GW_EXIT_OK;
        default:
            fputs(usage, stderr);
            return GW_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        fputs(usage, stderr);
        return GW_EXIT_USAGE;
    }
    gw_err_clear(&err);
    if (gw_cli_setup(argv[0], schema_dir, false, &schemas, &err) != GW_OK) {
        gw_cli_print_error("validate", &err);
        return GW_EXIT_USAGE;
    }
    for (int i = optind; i < argc; i++) {
        status = gw_cli_worse(status, validate_one(schemas, argv[i], quiet));
    }
    gw_cli_teardown(schemas, false);
    return status;
}

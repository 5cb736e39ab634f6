// SPDX-License-Identifier: MIT
/*
 * Shared plumbing of the command line (DESIGN §4): set-up of the libraries, loading input files with the
 * parser limits, the error line format and the exit-status rules. No policy lives here.
 */
#include "gw/cli.h"

#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gw/buf.h"
#include "gw/dsig.h"
#include "gw/limits.h"
#include "gw/xml.h"

/* Schemas beside the binary (build/gateway -> ../schemas), then the installed location. */
static const char *
find_schema_dir(const char *argv0, char *buf, size_t n)
{
    const char *env = getenv("GATEWAY_SCHEMAS");
    char exe[PATH_MAX];
    ssize_t len;

    if (env != NULL && env[0] != '\0') {
        return env;
    }
    len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (len > 0) {
        exe[len] = '\0';
        snprintf(buf, n, "%s/../schemas", dirname(exe));
        if (access(buf, R_OK) == 0) {
            return buf;
        }
    }
    (void)argv0;
    return "/usr/share/gateway/schemas";
}

enum gw_rc
gw_cli_setup(const char *argv0, const char *schema_dir, bool with_dsig, struct gw_schemas **out,
             struct gw_err *err)
{
    enum gw_rc rc;
    char buf[PATH_MAX + 16];
    const char *dir = schema_dir != NULL ? schema_dir : find_schema_dir(argv0, buf, sizeof(buf));

    GW_TRY(gw_xml_init(dir, err));
    if (with_dsig) {
        GW_TRY(gw_dsig_init(err));
    }
    rc = gw_schemas_load(dir, out, err);
    if (rc != GW_OK && with_dsig) {
        gw_dsig_shutdown();
    }
out:
    return rc;
}

void
gw_cli_teardown(struct gw_schemas *schemas, bool with_dsig)
{
    gw_schemas_free(schemas);
    if (with_dsig) {
        gw_dsig_shutdown();
    }
    xmlCleanupParser();
}

const char *
gw_cli_name(const char *path)
{
    return strcmp(path, "-") == 0 ? "<stdin>" : path;
}

enum gw_rc
gw_cli_load(const char *path, xmlDoc **out, unsigned char **raw, size_t *raw_len, struct gw_err *err)
{
    enum gw_rc rc;
    struct gw_buf b;
    struct gw_xml_limits lim;

    gw_xml_limits_default(&lim);
    /* one byte over the limit is enough to tell "too large" */
    gw_buf_init(&b, lim.max_bytes + 1);
    GW_TRY(gw_buf_read_file(&b, path, err));
    GW_TRY(gw_xml_parse(b.data, b.len, gw_cli_name(path), &lim, out, err));
    if (raw != NULL && raw_len != NULL) {
        gw_buf_take(&b, raw, raw_len);
    }
out:
    gw_buf_cleanup(&b);
    return rc;
}

void
gw_cli_print_error(const char *cmd, const struct gw_err *err)
{
    fprintf(stderr, "gateway %s: %s%s%s [%s]\n", cmd, err->where, err->where[0] != '\0' ? ": " : "", err->msg,
            gw_reason_code(err->reason));
}

int
gw_cli_worse(int a, int b)
{
    return a > b ? a : b;
}

int
gw_cli_trust_option(struct gw_cli_trust *t, int c, const char *arg, const char *cmd)
{
    switch (c) {
    case 't':
        t->anchors = arg;
        return 1;
    case 'r':
        if (t->n_crls == GW_MAX_CRLS) {
            fprintf(stderr, "gateway %s: at most %d --crl files\n", cmd, GW_MAX_CRLS);
            return -1;
        }
        t->crls[t->n_crls++] = arg;
        return 1;
    default:
        return 0;
    }
}

// SPDX-License-Identifier: MIT
/*
 * The unit-test runner: finds the repository root, does the process-wide set-up once (libxml2 with the
 * restricted entity loader, xmlsec, compiled schemas), runs every case of every module and prints one
 * line per test (see t.h). Exit 1 if any test failed, 0 otherwise.
 *
 * usage: build/unit-tests [FILTER]  (FILTER is a prefix of "<module>/<name>", e.g. "xml" or "pki/revoked")
 */
#include <libgen.h>
#include <libxml/parser.h>
#include <limits.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gw/dsig.h"
#include "gw/schema.h"
#include "gw/xml.h"
#include "t.h"

static const struct t_module *const modules[] = {
    &t_module_err,        &t_module_buf,       &t_module_ids,   &t_module_time,   &t_module_xml,
    &t_module_schema,     &t_module_envelope,  &t_module_pki,   &t_module_tls,    &t_module_sign_verify,
    &t_module_config,     &t_module_parse,     &t_module_store, &t_module_http,   &t_module_receipt,
    &t_module_files,      &t_module_worstcase, &t_module_tsp,   &t_module_merkle, &t_module_xades,
    &t_module_checkpoint, &t_module_witness,
};

static bool
is_root(void)
{
    return access("schemas/envelope-v1.xsd", R_OK) == 0 && access("tests/pki/trust.pem", R_OK) == 0;
}

/* The tests use paths relative to the repository root: the current directory (tests/run.sh runs us from
 * there), else the parent of the directory holding this binary (build/unit-tests). */
static bool
go_to_root(void)
{
    char exe[PATH_MAX];
    ssize_t len;

    if (is_root()) {
        return true;
    }
    len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (len <= 0) {
        return false;
    }
    exe[len] = '\0';
    return chdir(dirname(exe)) == 0 && chdir("..") == 0 && is_root();
}

static bool
selected(const char *filter, const char *module, const char *name)
{
    char full[256];

    if (filter == NULL) {
        return true;
    }
    snprintf(full, sizeof(full), "%s/%s", module, name);
    return strncmp(full, filter, strlen(filter)) == 0;
}

int
main(int argc, char **argv)
{
    struct gw_err err;
    struct gw_schemas *schemas = NULL;
    const char *filter = argc > 1 ? argv[1] : NULL;
    bool dsig = false;
    unsigned passed = 0;
    unsigned failed = 0;
    int status = 1;

    gw_err_clear(&err);
    if (!go_to_root()) {
        printf("FAIL unit/setup: schemas/ and tests/pki/ not found in the current directory or beside the "
               "binary; run build/unit-tests from the repository root\n");
        return 1;
    }
    if (gw_xml_init("schemas", &err) != GW_OK || gw_dsig_init(&err) != GW_OK) {
        printf("FAIL unit/setup: library set-up: %s: %s [%s]\n", err.where, err.msg, gw_reason_code(err.reason));
        goto out;
    }
    dsig = true;
    if (gw_schemas_load("schemas", &schemas, &err) != GW_OK) {
        printf("FAIL unit/setup: gw_schemas_load: %s [%s]\n", err.msg, gw_reason_code(err.reason));
        goto out;
    }
    for (size_t m = 0; m < T_COUNT(modules); m++) {
        for (size_t i = 0; i < modules[m]->n_cases; i++) {
            const struct t_case *c = &modules[m]->cases[i];
            struct t t = {.module = modules[m]->name, .name = c->name, .arg = c->arg, .schemas = schemas};

            if (!selected(filter, t.module, t.name)) {
                continue;
            }
            c->fn(&t);
            ERR_clear_error(); /* no test sees another's OpenSSL errors */
            if (t.failed) {
                printf("FAIL unit/%s/%s: %s\n", t.module, t.name, t.why);
                failed++;
            } else {
                printf("PASS unit/%s/%s\n", t.module, t.name);
                passed++;
            }
            fflush(stdout);
        }
    }
    if (passed + failed == 0) {
        printf("FAIL unit/setup: no test matches '%s'\n", filter != NULL ? filter : "");
        goto out;
    }
    status = failed > 0 ? 1 : 0;
out:
    gw_schemas_free(schemas);
    if (dsig) {
        gw_dsig_shutdown();
    }
    xmlCleanupParser();
    return status;
}

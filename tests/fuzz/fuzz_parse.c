// SPDX-License-Identifier: MIT
/* Fuzz target: the readers of parse.c on arbitrary bytes, every one on every input:
 * gw_parse_datetime, gw_parse_query_param, gw_parse_path_id, gw_parse_host_port, and the configuration
 * lexing (gw_parse_utf8, gw_span_trim, gw_rd_take_until / take_until_in / skip, gw_span_u64).
 * Each must end with a clean result, leave its outputs untouched on failure, and on success hand out only
 * what its contract allows (checked below); anything else aborts. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gw/parse.h"

#include "fuzz.h"

static bool
all_in(const unsigned char *p, size_t n, gw_parse_class_fn cls)
{
    for (size_t i = 0; i < n; i++) {
        if (!cls(p[i])) {
            return false;
        }
    }
    return true;
}

static void
fuzz_datetime(const uint8_t *data, size_t size)
{
    int64_t t = 42;
    enum gw_rc rc = gw_parse_datetime((const char *)data, size, &t);

    if (rc == GW_OK) {
        /* 0001-01-01T00:00:00+14:00 .. 9999-12-31T23:59:59-14:00 */
        CHECK(t >= -62135596800 - 50400 && t <= 253402300799 + 50400);
    } else {
        CHECK(rc == GW_EINPUT && t == 42);
    }
}

static void
fuzz_query(const uint8_t *data, size_t size)
{
    static const char *const keys[] = {"after", "limit", "a"};
    char v[32];
    struct gw_err err;

    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        bool found = true;
        enum gw_rc rc;

        memcpy(v, "untouched", 10);
        gw_err_clear(&err);
        rc = gw_parse_query_param((const char *)data, size, keys[i], v, sizeof(v), &found, &err);
        if (rc == GW_OK) {
            size_t n = strlen(v);
            CHECK(!found || (n < sizeof(v) && all_in((const unsigned char *)v, n, gw_parse_is_unreserved)));
            CHECK(found || strcmp(v, "untouched") == 0);
        } else {
            CHECK(err.rc == rc && err.reason == GW_R_HTTP_BAD_REQUEST && found && strcmp(v, "untouched") == 0);
        }
    }
}

static void
fuzz_path_id(const uint8_t *data, size_t size)
{
    char *path = malloc(size + 1);
    char id[64];
    const char *rest = NULL;
    enum gw_rc rc;

    CHECK(path != NULL);
    if (size > 0) {
        memcpy(path, data, size);
    }
    path[size] = '\0';
    memcpy(id, "untouched", 10);
    rc = gw_parse_path_id(path, "/v1/inbox/", id, sizeof(id), &rest);
    if (rc == GW_OK) {
        size_t n = strlen(id);
        CHECK(n > 0 && n < sizeof(id) && all_in((const unsigned char *)id, n, gw_parse_is_unreserved));
        CHECK(strncmp(path, "/v1/inbox/", 10) == 0 && memcmp(path + 10, id, n) == 0);
        CHECK(rest >= path + 10 + n && rest <= path + strlen(path));
        CHECK(strcmp(id, ".") != 0 && strcmp(id, "..") != 0);
    } else {
        CHECK((rc == GW_EINPUT || rc == GW_ELIMIT) && rest == NULL && strcmp(id, "untouched") == 0);
    }
    free(path);
}

static void
fuzz_host_port(const uint8_t *data, size_t size)
{
    struct gw_host_port hp;
    struct gw_host_port before;
    struct gw_err err;
    enum gw_rc rc;

    memset(&hp, 0x5a, sizeof(hp));
    memcpy(&before, &hp, sizeof(hp));
    gw_err_clear(&err);
    rc = gw_parse_host_port((const char *)data, size, 1, GW_R_CONFIG, &hp, &err);
    if (rc == GW_OK) {
        size_t n = strnlen(hp.host, sizeof(hp.host));
        CHECK(n > 0 && n < sizeof(hp.host));
        CHECK(hp.has_port ? hp.port >= 1 : hp.port == 0);
    } else {
        CHECK(err.rc == rc && err.reason == GW_R_CONFIG && memcmp(&hp, &before, sizeof(hp)) == 0);
    }
}

/* A configuration line as config.c reads it: text check, trim, key up to '=', then words and numbers. */
static void
fuzz_config_lexing(const uint8_t *data, size_t size)
{
    struct gw_span line = {data, size};
    struct gw_span key;
    struct gw_span word;
    struct gw_rd r;
    size_t bad = SIZE_MAX;
    uint64_t v = 42;

    if (gw_parse_utf8(data, size, true, &bad) != GW_OK) {
        CHECK(bad < size);
        CHECK(data[bad] >= 0x80 || data[bad] < 0x20 || data[bad] == 0x7f);
        return;
    }
    CHECK(bad == SIZE_MAX);
    CHECK(gw_parse_utf8(data, size, false, &bad) == GW_OK); /* text is stricter than UTF-8 */
    line = gw_span_trim(line, gw_parse_is_blank);
    CHECK(line.n == 0 || (!gw_parse_is_blank(line.p[0]) && !gw_parse_is_blank(line.p[line.n - 1])));
    gw_rd_init(&r, line.p, line.n);
    if (gw_rd_take_until(&r, '=', 4096, &key) != GW_OK) {
        CHECK(r.pos == 0);
        return;
    }
    CHECK(memchr(key.p, '=', key.n) == NULL || key.n == 0);
    CHECK(gw_rd_at_end(&r) || gw_rd_expect(&r, '=') == GW_OK);
    while (!gw_rd_at_end(&r)) {
        size_t before = r.pos;
        gw_rd_skip(&r, gw_parse_is_blank);
        if (gw_rd_take_until_in(&r, gw_parse_is_blank, 64, &word) != GW_OK) {
            return; /* a word past the cap: the cursor stays after the blanks */
        }
        CHECK(!all_in(word.p, word.n, gw_parse_is_blank) || word.n == 0);
        if (gw_span_u64(word, 0, 65535, &v) == GW_OK) {
            CHECK(v <= 65535 && all_in(word.p, word.n, gw_parse_is_digit));
        }
        CHECK(r.pos > before);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_datetime(data, size);
    fuzz_query(data, size);
    fuzz_path_id(data, size);
    fuzz_host_port(data, size);
    fuzz_config_lexing(data, size);
    return 0;
}

// SPDX-License-Identifier: MIT
/*
 * Unit tests of buf.c: the cap is enforced with LIMIT_SIZE and a failed append leaves the buffer as it
 * was; the data stays NUL-terminated; take moves the bytes out; whole-file read and atomic write.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gw/buf.h"
#include "t.h"

static void
test_append_within_cap(struct t *t)
{
    struct gw_err err;
    struct gw_buf b;

    gw_buf_init(&b, 8);
    EXPECT_TRUE(b.data == NULL && b.len == 0 && b.max == 8);
    EXPECT_OK(gw_buf_append(&b, "1234", 4, &err), &err);
    EXPECT_OK(gw_buf_append_str(&b, "56", &err), &err);
    EXPECT_OK(gw_buf_printf(&b, &err, "%d%c", 7, '8'), &err); /* exactly at the cap */
    EXPECT_INT_EQ(b.len, 8);
    EXPECT_STR_EQ((const char *)b.data, "12345678");   /* NUL-terminated past len */
    EXPECT_OK(gw_buf_append(&b, NULL, 0, &err), &err); /* nothing more is still fine at the cap */
    EXPECT_INT_EQ(b.len, 8);
out:
    gw_buf_cleanup(&b);
}

/* STYLE §4: on failure the buffer is unchanged (same bytes, same allocation). */
static void
test_cap_enforced(struct t *t)
{
    struct gw_err err;
    struct gw_buf b;
    const unsigned char *data_before;
    size_t cap_before;

    gw_buf_init(&b, 8);
    EXPECT_OK(gw_buf_append_str(&b, "12345", &err), &err);
    data_before = b.data;
    cap_before = b.cap;
    EXPECT_FAIL(gw_buf_append(&b, "6789", 4, &err), &err, GW_R_LIMIT_SIZE);
    EXPECT_INT_EQ(err.rc, GW_ELIMIT);
    EXPECT_TRUE(b.data == data_before && b.cap == cap_before && b.len == 5 && b.max == 8);
    EXPECT_STR_EQ((const char *)b.data, "12345");
    EXPECT_FAIL(gw_buf_append_str(&b, "abcd", &err), &err, GW_R_LIMIT_SIZE);
    EXPECT_FAIL(gw_buf_printf(&b, &err, "%s", "abcd"), &err, GW_R_LIMIT_SIZE);
    EXPECT_TRUE(b.data == data_before && b.cap == cap_before && b.len == 5);
    EXPECT_STR_EQ((const char *)b.data, "12345");
    /* the remaining room is still usable */
    EXPECT_OK(gw_buf_append_str(&b, "678", &err), &err);
    EXPECT_STR_EQ((const char *)b.data, "12345678");
    EXPECT_FAIL(gw_buf_append(&b, "9", 1, &err), &err, GW_R_LIMIT_SIZE);
    EXPECT_STR_EQ((const char *)b.data, "12345678");
out:
    gw_buf_cleanup(&b);
}

/* A huge n must not wrap around the cap check. */
static void
test_cap_no_overflow(struct t *t)
{
    struct gw_err err;
    struct gw_buf b;

    gw_buf_init(&b, 16);
    EXPECT_OK(gw_buf_append_str(&b, "abc", &err), &err);
    EXPECT_FAIL(gw_buf_append(&b, "x", (size_t)-1, &err), &err, GW_R_LIMIT_SIZE);
    EXPECT_FAIL(gw_buf_append(&b, "x", (size_t)-1 - 2, &err), &err, GW_R_LIMIT_SIZE);
    EXPECT_INT_EQ(b.len, 3);
out:
    gw_buf_cleanup(&b);
}

static void
test_growth(struct t *t)
{
    struct gw_err err;
    struct gw_buf b;
    char chunk[100];

    memset(chunk, 'q', sizeof(chunk));
    gw_buf_init(&b, 100000);
    for (int i = 0; i < 1000; i++) {
        EXPECT_OK(gw_buf_append(&b, chunk, sizeof(chunk), &err), &err);
    }
    EXPECT_INT_EQ(b.len, 100000);
    EXPECT_TRUE(b.cap > b.len && b.data[b.len] == '\0' && b.data[0] == 'q' && b.data[b.len - 1] == 'q');
    EXPECT_FAIL(gw_buf_append(&b, chunk, 1, &err), &err, GW_R_LIMIT_SIZE);
out:
    gw_buf_cleanup(&b);
}

static void
test_take(struct t *t)
{
    struct gw_err err;
    struct gw_buf b;
    unsigned char *taken = NULL;
    unsigned char *again = NULL;
    size_t len = 0;
    size_t len2 = 0;

    gw_buf_init(&b, 64);
    EXPECT_OK(gw_buf_append_str(&b, "Lēmums", &err), &err);
    gw_buf_take(&b, &taken, &len);
    EXPECT_INT_EQ(len, strlen("Lēmums"));
    EXPECT_STR_EQ((const char *)taken, "Lēmums");
    EXPECT_TRUE(b.data == NULL && b.len == 0 && b.cap == 0);
    /* the emptied buffer is usable again, with the same cap */
    EXPECT_INT_EQ(b.max, 64);
    EXPECT_OK(gw_buf_append_str(&b, "x", &err), &err);
    EXPECT_STR_EQ((const char *)b.data, "x");
    gw_buf_cleanup(&b);
    /* taking from an empty buffer gives NULL, 0 */
    gw_buf_take(&b, &again, &len2);
    EXPECT_TRUE(again == NULL && len2 == 0);
out:
    free(taken);
    free(again);
    gw_buf_cleanup(&b);
}

static void
test_read_file_missing(struct t *t)
{
    struct gw_err err;
    struct gw_buf b;

    gw_buf_init(&b, 1024);
    EXPECT_FAIL(gw_buf_read_file(&b, "tests/unit/no-such-file.xml", &err), &err, GW_R_IO);
    EXPECT_INT_EQ(err.rc, GW_EIO);
    EXPECT_STR_EQ(err.where, "tests/unit/no-such-file.xml");
    EXPECT_TRUE(b.data == NULL && b.len == 0);
    /* a directory cannot be read as a file either */
    EXPECT_FAIL(gw_buf_read_file(&b, "schemas", &err), &err, GW_R_IO);
    EXPECT_INT_EQ(err.rc, GW_EIO);
out:
    gw_buf_cleanup(&b);
}

static void
test_read_file(struct t *t)
{
    struct gw_err err;
    struct gw_buf b;
    struct stat st;

    gw_buf_init(&b, 1024 * 1024);
    EXPECT_TRUE(stat("examples/decision-ludza.xml", &st) == 0);
    EXPECT_OK(gw_buf_read_file(&b, "examples/decision-ludza.xml", &err), &err);
    EXPECT_INT_EQ(b.len, st.st_size);
    EXPECT_TRUE(strncmp((const char *)b.data, "<?xml", 5) == 0 && b.data[b.len] == '\0');
    gw_buf_cleanup(&b);
    /* an empty file is an empty, NUL-terminated buffer */
    gw_buf_init(&b, 16);
    EXPECT_OK(gw_buf_read_file(&b, "/dev/null", &err), &err);
    EXPECT_TRUE(b.data != NULL && b.len == 0 && b.data[0] == '\0');
out:
    gw_buf_cleanup(&b);
}

static void
test_read_file_too_large(struct t *t)
{
    struct gw_err err;
    struct gw_buf b;

    gw_buf_init(&b, 100);
    EXPECT_FAIL(gw_buf_read_file(&b, "examples/decision-ludza.xml", &err), &err, GW_R_LIMIT_SIZE);
    EXPECT_INT_EQ(err.rc, GW_ELIMIT);
    EXPECT_STR_EQ(err.where, "examples/decision-ludza.xml");
    EXPECT_TRUE(b.len == 0);
out:
    gw_buf_cleanup(&b);
}

static void
test_write_file(struct t *t)
{
    struct gw_err err;
    struct gw_buf b;
    char dir[] = "/tmp/gw-unit.XXXXXX";
    char path[64] = "";
    char missing[96] = "";
    bool made = false;
    const char *text = "Ludzas novada pašvaldība\n";

    gw_buf_init(&b, 1024);
    EXPECT_TRUE(mkdtemp(dir) != NULL);
    made = true;
    snprintf(path, sizeof(path), "%s/out.xml", dir);
    snprintf(missing, sizeof(missing), "%s/no-such-dir/out.xml", dir);
    EXPECT_OK(gw_write_file(path, text, strlen(text), &err), &err);
    EXPECT_OK(gw_buf_read_file(&b, path, &err), &err);
    EXPECT_STR_EQ((const char *)b.data, text);
    /* rewriting replaces the whole file */
    EXPECT_OK(gw_write_file(path, "x", 1, &err), &err);
    gw_buf_cleanup(&b);
    gw_buf_init(&b, 1024);
    EXPECT_OK(gw_buf_read_file(&b, path, &err), &err);
    EXPECT_STR_EQ((const char *)b.data, "x");
    EXPECT_FAIL(gw_write_file(missing, "x", 1, &err), &err, GW_R_IO);
    EXPECT_INT_EQ(err.rc, GW_EIO);
    EXPECT_STR_EQ(err.where, missing);
out:
    if (path[0] != '\0') {
        unlink(path);
    }
    if (made) {
        rmdir(dir);
    }
    gw_buf_cleanup(&b);
}

static const struct t_case cases[] = {
    {"append_within_cap", test_append_within_cap, NULL},
    {"cap_enforced", test_cap_enforced, NULL},
    {"cap_no_overflow", test_cap_no_overflow, NULL},
    {"growth", test_growth, NULL},
    {"take", test_take, NULL},
    {"read_file_missing", test_read_file_missing, NULL},
    {"read_file", test_read_file, NULL},
    {"read_file_too_large", test_read_file_too_large, NULL},
    {"write_file", test_write_file, NULL},
};

const struct t_module t_module_buf = {"buf", cases, T_COUNT(cases)};

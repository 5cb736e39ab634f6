// SPDX-License-Identifier: MIT
/*
 * Files the gateway creates (security review F11): gw_write_file (`gateway sign -o`, the daemon's
 * port_file) never writes through a name planted in its directory and leaves no temporary file behind, a
 * symlink at the output path is replaced rather than followed, and the store is not created through a
 * symlink.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gw/buf.h"
#include "gw/store.h"
#include "t.h"

struct tmpdir {
    char dir[32];
    bool made;
};

static bool
tmpdir_make(struct tmpdir *d)
{
    snprintf(d->dir, sizeof(d->dir), "/tmp/gw-unit.XXXXXX");
    d->made = mkdtemp(d->dir) != NULL;
    return d->made;
}

/* Remove every entry of the directory (files and symlinks only), then the directory. */
static void
tmpdir_remove(struct tmpdir *d)
{
    DIR *dh;
    struct dirent *e;
    char p[320];

    if (!d->made) {
        return;
    }
    dh = opendir(d->dir);
    while (dh != NULL && (e = readdir(dh)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            snprintf(p, sizeof(p), "%s/%s", d->dir, e->d_name);
            unlink(p);
        }
    }
    if (dh != NULL) {
        closedir(dh);
    }
    rmdir(d->dir);
}

static size_t
count_entries(const char *dir)
{
    DIR *dh = opendir(dir);
    struct dirent *e;
    size_t n = 0;

    while (dh != NULL && (e = readdir(dh)) != NULL) {
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    }
    if (dh != NULL) {
        closedir(dh);
    }
    return n;
}

static bool
write_text(const char *path, const char *content)
{
    FILE *f = fopen(path, "wb");
    bool ok = f != NULL && fputs(content, f) >= 0;

    return f != NULL && fclose(f) == 0 && ok;
}

static bool
file_is(const char *path, const char *content)
{
    char buf[64] = "";
    FILE *f = fopen(path, "rb");
    size_t n;

    if (f == NULL) {
        return false;
    }
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strcmp(buf, content) == 0;
}

/*
 * GATEWAY BUG (security review F11): gw_write_file wrote PATH.tmp.PID with O_CREAT|O_TRUNC, so a symlink
 * planted at that predictable name in a shared directory truncated and overwrote its target.
 */
static void
test_write_file_planted_symlink(struct t *t)
{
    struct gw_err err;
    struct tmpdir d = {0};
    char victim[64];
    char out[64];
    char planted[96];
    struct stat st;

    EXPECT_TRUE(tmpdir_make(&d));
    snprintf(victim, sizeof(victim), "%s/victim", d.dir);
    snprintf(out, sizeof(out), "%s/out.xml", d.dir);
    snprintf(planted, sizeof(planted), "%s.tmp.%ld", out, (long)getpid());
    EXPECT_TRUE(write_text(victim, "precious"));
    EXPECT_TRUE(symlink(victim, planted) == 0);
    EXPECT_OK(gw_write_file(out, "signed", 6, &err), &err);
    EXPECT_TRUE(file_is(victim, "precious"));
    EXPECT_TRUE(file_is(out, "signed"));
    EXPECT_TRUE(lstat(out, &st) == 0 && S_ISREG(st.st_mode));
    EXPECT_TRUE(lstat(planted, &st) == 0 && S_ISLNK(st.st_mode)); /* left alone */
    EXPECT_INT_EQ(count_entries(d.dir), 3);                       /* victim, link, out: no temporary left */
out:
    tmpdir_remove(&d);
}

/* A symlink at the output path itself is replaced by the new file; its target is not written. */
static void
test_write_file_symlink_at_path(struct t *t)
{
    struct gw_err err;
    struct tmpdir d = {0};
    char victim[64];
    char out[64];
    struct stat st;

    EXPECT_TRUE(tmpdir_make(&d));
    snprintf(victim, sizeof(victim), "%s/victim", d.dir);
    snprintf(out, sizeof(out), "%s/gateway.port", d.dir);
    EXPECT_TRUE(write_text(victim, "precious"));
    EXPECT_TRUE(symlink(victim, out) == 0);
    EXPECT_OK(gw_write_file(out, "8443\n", 5, &err), &err);
    EXPECT_TRUE(file_is(victim, "precious"));
    EXPECT_TRUE(lstat(out, &st) == 0 && S_ISREG(st.st_mode));
    EXPECT_TRUE(file_is(out, "8443\n"));
    EXPECT_INT_EQ(count_entries(d.dir), 2);
out:
    tmpdir_remove(&d);
}

/* The store is created owner-only and never through a symlink (docs/architecture.md section 6). */
static void
test_store_symlink(struct t *t)
{
    struct gw_err err;
    struct tmpdir d = {0};
    char target[64];
    char link_path[64];
    struct gw_store *s = NULL;
    struct stat st;

    EXPECT_TRUE(tmpdir_make(&d));
    snprintf(target, sizeof(target), "%s/elsewhere.db", d.dir);
    snprintf(link_path, sizeof(link_path), "%s/gateway.db", d.dir);
    EXPECT_TRUE(symlink(target, link_path) == 0);
    EXPECT_FAIL(gw_store_open_sqlite(link_path, &s, &err), &err, GW_R_IO);
    EXPECT_TRUE(s == NULL);
    EXPECT_TRUE(lstat(target, &st) != 0); /* nothing was created through the link */
out:
    gw_store_close(s);
    tmpdir_remove(&d);
}

static const struct t_case cases[] = {
    {"write_file_planted_symlink", test_write_file_planted_symlink, NULL},
    {"write_file_symlink_at_path", test_write_file_symlink_at_path, NULL},
    {"store_symlink", test_store_symlink, NULL},
};

const struct t_module t_module_files = {"files", cases, T_COUNT(cases)};

// SPDX-License-Identifier: MIT
/*
 * Capped growable buffers and whole-file I/O. Every read of a file or a stream into memory goes through
 * here so that no input can grow memory past the cap its caller chose.
 */
#include "gw/buf.h"

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

void
gw_buf_init(struct gw_buf *b, size_t max)
{
    memset(b, 0, sizeof(*b));
    b->max = max;
}

void
gw_buf_cleanup(struct gw_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof(*b));
}

static enum gw_rc
buf_reserve(struct gw_buf *b, size_t n, struct gw_err *err)
{
    size_t want;
    unsigned char *p;

    if (n > b->max - b->len) {
        return gw_err_set(err, GW_ELIMIT, GW_R_LIMIT_SIZE, GW_SRC, "more than %zu bytes", b->max);
    }
    if (b->len + n == SIZE_MAX) {
        return gw_err_set(err, GW_ELIMIT, GW_R_LIMIT_SIZE, GW_SRC, "buffer size overflow");
    }
    want = b->len + n + 1; /* + NUL */
    if (want <= b->cap) {
        return GW_OK;
    }
    size_t cap = b->cap < 256 ? 256 : b->cap;
    while (cap < want) {
        cap = cap > SIZE_MAX / 2 ? want : cap * 2;
    }
    p = realloc(b->data, cap);
    if (p == NULL) {
        return gw_err_set(err, GW_ENOMEM, GW_R_NOMEM, GW_SRC, "cannot grow buffer to %zu bytes", cap);
    }
    b->data = p;
    b->cap = cap;
    return GW_OK;
}

enum gw_rc
gw_buf_append(struct gw_buf *b, const void *p, size_t n, struct gw_err *err)
{
    enum gw_rc rc = buf_reserve(b, n, err);

    if (rc != GW_OK) {
        return rc;
    }
    if (n > 0) {
        memcpy(b->data + b->len, p, n);
    }
    b->len += n;
    b->data[b->len] = '\0';
    return GW_OK;
}

enum gw_rc
gw_buf_append_str(struct gw_buf *b, const char *s, struct gw_err *err)
{
    return gw_buf_append(b, s, strlen(s), err);
}

enum gw_rc
gw_buf_printf(struct gw_buf *b, struct gw_err *err, const char *fmt, ...)
{
    va_list ap;
    int n;
    enum gw_rc rc;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return gw_err_set(err, GW_EINTERNAL, GW_R_INTERNAL, GW_SRC, "format error");
    }
    rc = buf_reserve(b, (size_t)n, err);
    if (rc != GW_OK) {
        return rc;
    }
    va_start(ap, fmt);
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return GW_OK;
}

void
gw_buf_take(struct gw_buf *b, unsigned char **out, size_t *len)
{
    *out = b->data;
    *len = b->len;
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

enum gw_rc
gw_buf_read_file(struct gw_buf *b, const char *path, struct gw_err *err)
{
    enum gw_rc rc = GW_EIO;
    bool is_stdin = strcmp(path, "-") == 0;
    int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    unsigned char chunk[65536];

    GW_CHECK(fd >= 0, GW_EIO, GW_R_IO, "cannot open: %s", strerror(errno));
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        GW_CHECK(n >= 0, GW_EIO, GW_R_IO, "read failed: %s", strerror(errno));
        if (n == 0) {
            break;
        }
        GW_TRY(gw_buf_append(b, chunk, (size_t)n, err));
    }
    if (b->data == NULL) {
        GW_TRY(gw_buf_append(b, "", 0, err)); /* an empty file is an empty, NUL-terminated buffer */
    }
    rc = GW_OK;
out:
    if (fd >= 0 && !is_stdin) {
        close(fd);
    }
    if (rc != GW_OK) {
        gw_err_where(err, "%s", is_stdin ? "<stdin>" : path);
    }
    return rc;
}

static enum gw_rc
write_all(int fd, const void *p, size_t n, struct gw_err *err)
{
    const unsigned char *c = p;

    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w < 0) {
            return gw_err_set(err, GW_EIO, GW_R_IO, GW_SRC, "write failed: %s", strerror(errno));
        }
        c += w;
        n -= (size_t)w;
    }
    return GW_OK;
}

/* fsync the directory that holds path, so that a rename into it survives a crash. */
static enum gw_rc
sync_dir(const char *path, struct gw_err *err)
{
    enum gw_rc rc = GW_EIO;
    char dir[4096];
    const char *slash = strrchr(path, '/');
    size_t n = slash == NULL ? 0 : (slash == path ? 1 : (size_t)(slash - path));
    int fd = -1;

    GW_CHECK(n < sizeof(dir), GW_EIO, GW_R_IO, "path too long");
    if (n == 0) {
        dir[n++] = '.';
    } else {
        memcpy(dir, path, n);
    }
    dir[n] = '\0';
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    GW_CHECK(fd >= 0, GW_EIO, GW_R_IO, "cannot open directory %s: %s", dir, strerror(errno));
    /* some file systems cannot fsync a directory (EINVAL): there is nothing more to make durable then */
    GW_CHECK(fsync(fd) == 0 || errno == EINVAL, GW_EIO, GW_R_IO, "fsync of directory %s failed: %s", dir,
             strerror(errno));
    rc = GW_OK;
out:
    if (fd >= 0) {
        close(fd);
    }
    return rc;
}

enum gw_rc
gw_write_file(const char *path, const void *p, size_t n, struct gw_err *err)
{
    enum gw_rc rc = GW_EIO;
    char tmp[4096] = "";
    int fd = -1;
    bool tmp_is_ours = false; /* created by us and not yet renamed: removed on failure */

    if (strcmp(path, "-") == 0) {
        rc = write_all(STDOUT_FILENO, p, n, err);
        if (rc != GW_OK) {
            gw_err_where(err, "<stdout>");
        }
        return rc;
    }
    /* A fresh random name, created with O_EXCL and O_NOFOLLOW: a name planted beforehand (a symlink in a
     * shared directory) is never opened, so nothing is written through it (security review F11). */
    for (int attempt = 0; fd < 0 && attempt < 16; attempt++) {
        uint64_t r = 0;
        GW_CHECK(getrandom(&r, sizeof(r), 0) == (ssize_t)sizeof(r), GW_EIO, GW_R_IO,
                 "no randomness for a temporary name: %s", strerror(errno));
        GW_CHECK(snprintf(tmp, sizeof(tmp), "%s.tmp.%016" PRIx64, path, r) < (int)sizeof(tmp), GW_EIO, GW_R_IO,
                 "path too long");
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        GW_CHECK(fd >= 0 || errno == EEXIST, GW_EIO, GW_R_IO, "cannot create %s: %s", tmp, strerror(errno));
    }
    GW_CHECK(fd >= 0, GW_EIO, GW_R_IO, "cannot create a temporary file beside it: every name tried exists");
    tmp_is_ours = true;
    GW_TRY(write_all(fd, p, n, err));
    GW_CHECK(fsync(fd) == 0, GW_EIO, GW_R_IO, "fsync failed: %s", strerror(errno));
    GW_CHECK(close(fd) == 0, GW_EIO, GW_R_IO, "close failed: %s", strerror(errno));
    fd = -1;
    GW_CHECK(rename(tmp, path) == 0, GW_EIO, GW_R_IO, "cannot rename into place: %s", strerror(errno));
    tmp_is_ours = false;
    GW_TRY(sync_dir(path, err));
    rc = GW_OK;
out:
    if (fd >= 0) {
        close(fd);
    }
    if (tmp_is_ours) {
        unlink(tmp);
    }
    if (rc != GW_OK) {
        gw_err_where(err, "%s", path);
    }
    return rc;
}

enum gw_rc
gw_buf_append_json(struct gw_buf *b, const char *s, struct gw_err *err)
{
    enum gw_rc rc = gw_buf_append(b, "\"", 1, err);

    for (; rc == GW_OK && *s != '\0'; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') {
            char esc[2] = {'\\', (char)ch};
            rc = gw_buf_append(b, esc, 2, err);
        } else if (ch < 0x20) {
            rc = gw_buf_printf(b, err, "\\u%04x", ch);
        } else {
            rc = gw_buf_append(b, s, 1, err);
        }
    }
    return rc == GW_OK ? gw_buf_append(b, "\"", 1, err) : rc;
}

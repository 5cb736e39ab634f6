/* SPDX-License-Identifier: MIT */
/*
 * gw_buf: a growable byte buffer with a hard cap fixed at init; appending past the cap fails with
 * GW_ELIMIT instead of growing. Always NUL-terminated after the data (the NUL is not counted in len).
 */
#ifndef GW_BUF_H
#define GW_BUF_H

#include <stddef.h>

#include "gw/err.h"

struct gw_buf {
    unsigned char *data; /* owned; NULL while empty */
    size_t len;          /* bytes used */
    size_t cap;          /* bytes allocated */
    size_t max;          /* hard cap on len */
};

void gw_buf_init(struct gw_buf *b, size_t max);
void gw_buf_cleanup(struct gw_buf *b);

/* Append n bytes. GW_R_LIMIT_SIZE past max, GW_R_NOMEM; on failure b is unchanged. */
GW_MUST_CHECK enum gw_rc gw_buf_append(struct gw_buf *b, const void *p, size_t n, struct gw_err *err);
GW_MUST_CHECK enum gw_rc gw_buf_append_str(struct gw_buf *b, const char *s, struct gw_err *err);
GW_MUST_CHECK enum gw_rc gw_buf_printf(struct gw_buf *b, struct gw_err *err, const char *fmt, ...) GW_PRINTF(3, 4);

/* Append s as a JSON string literal (quoted, with ", \\ and control characters escaped). */
GW_MUST_CHECK enum gw_rc gw_buf_append_json(struct gw_buf *b, const char *s, struct gw_err *err);

/* Move the bytes out: *out (owned by the caller, free()) and *len; b is left empty. */
void gw_buf_take(struct gw_buf *b, unsigned char **out, size_t *len);

/* Read a whole file ("-" is stdin) into b, failing with GW_R_LIMIT_SIZE if it is larger than b->max. */
GW_MUST_CHECK enum gw_rc gw_buf_read_file(struct gw_buf *b, const char *path, struct gw_err *err);

/* Write all bytes to path ("-" is stdout), atomically and durably for regular files: a new temporary file
 * beside it with a random name (O_EXCL, O_NOFOLLOW: never through a planted name), fsync, rename over path,
 * fsync of the directory. A symlink at path itself is replaced, not followed. */
GW_MUST_CHECK enum gw_rc gw_write_file(const char *path, const void *p, size_t n, struct gw_err *err);

#endif

// SPDX-License-Identifier: MIT
/*
 * Helpers of the unit-test harness shared by the test modules: failure recording, reading, copying and
 * parsing test inputs, and finding nodes. No test lives here.
 */
#include "t.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gw/buf.h"
#include "gw/limits.h"

void
t_fail(struct t *t, const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (t->failed) {
        return;
    }
    t->failed = true;
    n = snprintf(t->why, sizeof(t->why), "%s:%d: ", file, line);
    if (n < 0 || (size_t)n >= sizeof(t->why)) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(t->why + n, sizeof(t->why) - (size_t)n, fmt, ap);
    va_end(ap);
}

const char *
t_rc_name(enum gw_rc rc)
{
    switch (rc) {
    case GW_OK:
        return "GW_OK";
    case GW_EINPUT:
        return "GW_EINPUT";
    case GW_EPOLICY:
        return "GW_EPOLICY";
    case GW_ELIMIT:
        return "GW_ELIMIT";
    case GW_ECRYPTO:
        return "GW_ECRYPTO";
    case GW_EIO:
        return "GW_EIO";
    case GW_ENOMEM:
        return "GW_ENOMEM";
    case GW_ECONFIG:
        return "GW_ECONFIG";
    case GW_EINTERNAL:
        return "GW_EINTERNAL";
    }
    return "(not a gw_rc)";
}

enum gw_rc
t_parse_str(const char *s, const struct gw_xml_limits *lim, xmlDoc **out, struct gw_err *err)
{
    struct gw_xml_limits def;

    if (lim == NULL) {
        gw_xml_limits_default(&def);
        lim = &def;
    }
    return gw_xml_parse((const unsigned char *)s, strlen(s), "t.xml", lim, out, err);
}

enum gw_rc
t_read_file(const char *path, unsigned char **out, size_t *len, struct gw_err *err)
{
    enum gw_rc rc;
    struct gw_buf b;

    gw_buf_init(&b, GW_MAX_DOC_BYTES);
    rc = gw_buf_read_file(&b, path, err);
    if (rc == GW_OK) {
        gw_buf_take(&b, out, len);
    }
    gw_buf_cleanup(&b);
    return rc;
}

enum gw_rc
t_load_doc(const char *path, xmlDoc **out, struct gw_err *err)
{
    enum gw_rc rc;
    unsigned char *data = NULL;
    size_t len = 0;
    struct gw_xml_limits lim;

    gw_xml_limits_default(&lim);
    rc = t_read_file(path, &data, &len, err);
    if (rc == GW_OK) {
        rc = gw_xml_parse(data, len, path, &lim, out, err);
    }
    free(data);
    return rc;
}

xmlNode *
t_find(xmlNode *node, const char *ns, const char *local)
{
    for (xmlNode *c = node; c != NULL; c = c->next) {
        xmlNode *found;
        if (gw_xml_is(c, ns, local)) {
            return c;
        }
        if (c->type == XML_ELEMENT_NODE && c->children != NULL) {
            found = t_find(c->children, ns, local);
            if (found != NULL) {
                return found;
            }
        }
    }
    return NULL;
}

bool
t_contains(const char *haystack, const char *needle)
{
    return haystack != NULL && needle != NULL && strstr(haystack, needle) != NULL;
}

bool
t_copy_file(const char *from, const char *path, mode_t mode)
{
    struct gw_err err;
    unsigned char *data = NULL;
    size_t len = 0;
    int fd;
    bool ok;

    gw_err_clear(&err);
    if (t_read_file(from, &data, &len, &err) != GW_OK) {
        return false;
    }
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    ok = fd >= 0 && write(fd, data, len) == (ssize_t)len && fchmod(fd, mode) == 0;
    if (fd >= 0) {
        ok = close(fd) == 0 && ok;
    }
    free(data);
    return ok;
}

void
t_fill_latvian(char *buf, size_t size, size_t pad)
{
    size_t n = 0;

    for (; n < pad && n + 1 < size; n++) {
        buf[n] = 'x';
    }
    while (n + 2 < size) {
        memcpy(buf + n, "\xc4\x81", 2); /* ā */
        n += 2;
    }
    buf[n] = '\0';
}

// SPDX-License-Identifier: MIT
/*
 * Benchmark messages of a chosen size from the examples (msggen.h). Only whole elements are added or left
 * out, and only where the schemas allow repeats (Indicator: 1..1000 per DataReport; Paragraph: 1..500 of at
 * most 20,000 characters per Reasoning), so every message validates as the example does. Not a general XML
 * editor: it relies on the layout of the two example files and fails with INTERNAL if they change.
 */
#include "msggen.h"

#include <stdio.h>
#include <string.h>

#include "gw/ids.h"

#define REPORT_FILE "datareport-ludza-2025q1.xml"
#define DECISION_FILE "decision-ludza.xml"
#define MSG_CAP (16u * 1024u * 1024u)
/* below this many bytes a DataReport, which has a smaller fixed part than a Decision */
#define SMALL_LIMIT 4000u
/* decision-v1.xsd: at most 500 Paragraphs; leave room below it */
#define MAX_PARAGRAPHS 450u
#define PARAGRAPHS_MAX_SOURCE 32u

struct span {
    const unsigned char *p;
    size_t n;
};

/* The first occurrence of needle in [from, end), or NULL. */
static const unsigned char *
find(const unsigned char *from, const unsigned char *end, const char *needle)
{
    if (from == NULL || from >= end) {
        return NULL;
    }
    return memmem(from, (size_t)(end - from), needle, strlen(needle));
}

void
bench_msg_src_cleanup(struct bench_msg_src *src)
{
    gw_buf_cleanup(&src->report);
    gw_buf_cleanup(&src->decision);
}

enum gw_rc
bench_msg_src_load(const char *dir, struct bench_msg_src *src, struct gw_err *err)
{
    enum gw_rc rc = GW_EIO;
    char path[4096];

    gw_buf_init(&src->report, 1024u * 1024u);
    gw_buf_init(&src->decision, 1024u * 1024u);
    GW_CHECK(snprintf(path, sizeof(path), "%s/%s", dir, REPORT_FILE) < (int)sizeof(path), GW_EINTERNAL,
             GW_R_INTERNAL, "path too long");
    GW_TRY(gw_buf_read_file(&src->report, path, err));
    GW_CHECK(snprintf(path, sizeof(path), "%s/%s", dir, DECISION_FILE) < (int)sizeof(path), GW_EINTERNAL,
             GW_R_INTERNAL, "path too long");
    GW_TRY(gw_buf_read_file(&src->decision, path, err));
    rc = GW_OK;
out:
    if (rc != GW_OK) {
        bench_msg_src_cleanup(src);
    }
    return rc;
}

/* Append [p, p+n) to out with the MessageId and Created element contents replaced. */
static enum gw_rc
append_header(struct gw_buf *out, const unsigned char *p, size_t n, const char *id, const char *created,
              struct gw_err *err)
{
    enum gw_rc rc = GW_EINTERNAL;
    const unsigned char *end = p + n;
    const unsigned char *id_open = find(p, end, "<env:MessageId>");
    const unsigned char *id_close = find(id_open, end, "</env:MessageId>");
    const unsigned char *cr_open = find(id_close, end, "<env:Created>");
    const unsigned char *cr_close = find(cr_open, end, "</env:Created>");

    GW_CHECK(cr_close != NULL, GW_EINTERNAL, GW_R_INTERNAL, "example has no MessageId and Created in order");
    id_open += strlen("<env:MessageId>");
    cr_open += strlen("<env:Created>");
    GW_TRY(gw_buf_append(out, p, (size_t)(id_open - p), err));
    GW_TRY(gw_buf_append_str(out, id, err));
    GW_TRY(gw_buf_append(out, id_close, (size_t)(cr_open - id_close), err));
    GW_TRY(gw_buf_append_str(out, created, err));
    GW_TRY(gw_buf_append(out, cr_close, (size_t)(end - cr_close), err));
    rc = GW_OK;
out:
    return rc;
}

/* A DataReport with as many of the example's Indicator lines as fit in target (at least one). */
static enum gw_rc
make_report(const struct gw_buf *src, size_t target, const char *id, const char *created, struct gw_buf *out,
            struct gw_err *err)
{
    enum gw_rc rc = GW_EINTERNAL;
    const unsigned char *end = src->data + src->len;
    const unsigned char *first = find(src->data, end, "<Indicator>");
    const unsigned char *close = find(first, end, "</Indicators>");
    const unsigned char *cut = NULL;
    const unsigned char *line;
    size_t fixed;

    GW_CHECK(close != NULL, GW_EINTERNAL, GW_R_INTERNAL, "DataReport example has no Indicators");
    /* the tail starts at the indentation of </Indicators> */
    while (close > first && close[-1] == ' ') {
        close--;
    }
    fixed = (size_t)(first - src->data) + (size_t)(end - close);
    line = first;
    while (line < close) {
        const unsigned char *next = find(line, close, "\n");
        GW_CHECK(next != NULL, GW_EINTERNAL, GW_R_INTERNAL, "DataReport example: Indicator lines");
        next++;
        if (cut != NULL && fixed + (size_t)(next - first) > target) {
            break;
        }
        cut = next;
        line = next;
    }
    GW_TRY(append_header(out, src->data, (size_t)(first - src->data), id, created, err));
    GW_TRY(gw_buf_append(out, first, (size_t)(cut - first), err));
    GW_TRY(gw_buf_append(out, close, (size_t)(end - close), err));
    rc = GW_OK;
out:
    return rc;
}

/* A Decision whose Reasoning holds paragraphs made of the example's paragraphs, up to target bytes. */
static enum gw_rc
make_decision(const struct gw_buf *src, size_t target, const char *id, const char *created, struct gw_buf *out,
              struct gw_err *err)
{
    enum gw_rc rc = GW_EINTERNAL;
    static const char open_tag[] = "<c:Paragraph>";
    static const char close_tag[] = "</c:Paragraph>";
    const unsigned char *end = src->data + src->len;
    const unsigned char *reasoning = find(src->data, end, "<Reasoning>");
    const unsigned char *reasoning_end = find(reasoning, end, "</Reasoning>");
    const unsigned char *body;
    const unsigned char *tail;
    struct span para[PARAGRAPHS_MAX_SOURCE];
    size_t n_para = 0;
    size_t para_bytes = 0;
    size_t per = 1;
    size_t fixed;
    size_t used;
    size_t next = 0;
    size_t count = 0;

    GW_CHECK(reasoning_end != NULL, GW_EINTERNAL, GW_R_INTERNAL, "Decision example has no Reasoning");
    body = reasoning + strlen("<Reasoning>");
    for (const unsigned char *p = find(body, reasoning_end, open_tag); p != NULL;
         p = find(p, reasoning_end, open_tag)) {
        const unsigned char *q = find(p, reasoning_end, close_tag);
        GW_CHECK(q != NULL && n_para < PARAGRAPHS_MAX_SOURCE, GW_EINTERNAL, GW_R_INTERNAL,
                 "Decision example: Paragraph elements");
        p += strlen(open_tag);
        para[n_para].p = p;
        para[n_para].n = (size_t)(q - p);
        para_bytes += para[n_para].n;
        n_para++;
        p = q;
    }
    GW_CHECK(n_para > 0, GW_EINTERNAL, GW_R_INTERNAL, "Decision example has no Paragraph");
    /* join several source paragraphs into one when 450 single ones would not reach the target */
    while (per < 10 && (para_bytes / n_para) * per * MAX_PARAGRAPHS < target) {
        per++;
    }
    /* the tail starts at the indentation of </Reasoning> */
    tail = reasoning_end;
    while (tail > body && tail[-1] == ' ') {
        tail--;
    }
    fixed = (size_t)(body - src->data) + 1 + (size_t)(end - tail);
    used = fixed;
    GW_TRY(append_header(out, src->data, (size_t)(body - src->data), id, created, err));
    GW_TRY(gw_buf_append_str(out, "\n", err));
    do {
        size_t text = 0;
        size_t add;
        for (size_t k = 0; k < per; k++) {
            text += para[(next + k) % n_para].n + (k > 0 ? 1 : 0);
        }
        /* common-v1.xsd LongTextType: at most 20,000 characters (a byte count bounds it) */
        GW_CHECK(text <= 20000, GW_EINTERNAL, GW_R_INTERNAL, "joined paragraph of %zu bytes", text);
        add = strlen("        ") + strlen(open_tag) + text + strlen(close_tag) + 1;
        if (count > 0 && used + add > target) {
            break;
        }
        GW_TRY(gw_buf_append_str(out, "        ", err));
        GW_TRY(gw_buf_append_str(out, open_tag, err));
        for (size_t k = 0; k < per; k++) {
            if (k > 0) {
                GW_TRY(gw_buf_append_str(out, " ", err));
            }
            GW_TRY(gw_buf_append(out, para[next % n_para].p, para[next % n_para].n, err));
            next++;
        }
        GW_TRY(gw_buf_append_str(out, close_tag, err));
        GW_TRY(gw_buf_append_str(out, "\n", err));
        used += add;
        count++;
    } while (count < MAX_PARAGRAPHS);
    GW_TRY(gw_buf_append(out, tail, (size_t)(end - tail), err));
    rc = GW_OK;
out:
    return rc;
}

enum gw_rc
bench_msg_make(const struct bench_msg_src *src, size_t target, const char *id, const char *created,
               struct gw_buf *out, struct gw_err *err)
{
    enum gw_rc rc = GW_EINTERNAL;

    gw_buf_init(out, MSG_CAP);
    GW_CHECK(gw_ids_is_uuid(id), GW_EINTERNAL, GW_R_INTERNAL, "not a UUID: %s", id);
    if (target < SMALL_LIMIT) {
        GW_TRY(make_report(&src->report, target, id, created, out, err));
    } else {
        GW_TRY(make_decision(&src->decision, target, id, created, out, err));
    }
    rc = GW_OK;
out:
    if (rc != GW_OK) {
        gw_buf_cleanup(out);
    }
    return rc;
}

/* SPDX-License-Identifier: MIT */
/*
 * Benchmark messages of a chosen size, built from the examples so that they stay schema-valid: a DataReport
 * cut to its first Indicators for small sizes, a Decision whose Reasoning repeats the example's paragraphs
 * for larger ones. Shared by bench.c (in-process costs) and loadgen.c (end to end).
 */
#ifndef GW_BENCH_MSGGEN_H
#define GW_BENCH_MSGGEN_H

#include <stddef.h>

#include "gw/buf.h"
#include "gw/err.h"

/* The example files the messages are made from, read once. */
struct bench_msg_src {
    struct gw_buf report;   /* examples/datareport-ludza-2025q1.xml */
    struct gw_buf decision; /* examples/decision-ludza.xml */
};

/* Read the two examples from dir (normally "examples"). OUT: *src (bench_msg_src_cleanup). */
GW_MUST_CHECK enum gw_rc bench_msg_src_load(const char *dir, struct bench_msg_src *src, struct gw_err *err);
void bench_msg_src_cleanup(struct bench_msg_src *src);

/*
 * An unsigned envelope from Ludza to the centre of at most `target` bytes and as close to it as whole
 * elements allow (below about 4 KB a DataReport, above a Decision), with MessageId id (a UUID) and Created
 * created (borrowed). OUT: out (initialised here with a cap of 16 MiB; gw_buf_cleanup).
 */
GW_MUST_CHECK enum gw_rc bench_msg_make(const struct bench_msg_src *src, size_t target, const char *id,
                                        const char *created, struct gw_buf *out, struct gw_err *err);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * The daemon's checkpoint thread (checkpointer.c, docs/audit.md 6): once a second it runs
 * gw_checkpoint_tick, which signs and stores a checkpoint of the audit log's Merkle tree when the log grew by
 * checkpoint_every_entries entries, or at all within checkpoint_every_seconds.
 */
#ifndef GW_CHECKPOINTER_H
#define GW_CHECKPOINTER_H

#include "gw/err.h"

struct gw_daemon;
struct gw_checkpointer;

/* Start the thread; with both triggers 0 in the configuration, start nothing and set *out to NULL. d is
 * borrowed and must outlive the checkpointer. OUT: *out (gw_checkpointer_stop). Reasons: NOMEM, INTERNAL. */
GW_MUST_CHECK enum gw_rc gw_checkpointer_start(struct gw_daemon *d, struct gw_checkpointer **out,
                                               struct gw_err *err);
/* Stop after the current tick, join, free. NULL-safe. */
void gw_checkpointer_stop(struct gw_checkpointer *cp);

#endif

/* SPDX-License-Identifier: ISC */
/* The figures of reading the router's logs, as plain data: agent/io/tail.c
 * counts them, the status document, the SNMP view and /metrics show them,
 * without linking the reader itself. */
#ifndef CCM_TAIL_STATS_H
#define CCM_TAIL_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "parsers/timestamp.h"

/* Lines and bytes read, over all files, since start. */
struct ccm_tail_stats {
	uint64_t lines, recognized, bad_time, overlong, bytes, files_open;
	uint64_t rotations, truncations, overflows;
	bool have_last_time;
	ccm_ms last_time;   /* the latest log time read, over all files */
	bool replaying;     /* the initial pass is not over */
	uint64_t replay_done, replay_total; /* bytes of replay, open files */
};

#endif

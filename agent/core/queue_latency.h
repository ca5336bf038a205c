/* SPDX-License-Identifier: ISC */
/* How long events wait on one component: the samples of a sliding window
 * and their figures.
 *
 * Pure code, driven by the caller's times (log time or the wall clock).
 * A sample comes either from a pair of lines (an event queued, then
 * answered or bounced: the wait is the time between them, the pair joined
 * by a key) or from one line that stands for a known wait (the router's
 * bounce after queue_wait).  The window keeps at most CCM_QLAT_SAMPLES
 * samples, the newest: past that the figures describe the newest ones
 * and the samples dropped are counted. */
#ifndef CCM_QUEUE_LATENCY_H
#define CCM_QUEUE_LATENCY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parsers/timestamp.h"

#define CCM_QLAT_SAMPLES 4096
/* Starts waiting for their end, per component; past that the oldest is
 * given up (counted as abandoned). */
#define CCM_QLAT_PENDING 1024

struct ccm_qlat_sample {
	ccm_ms time; /* when the wait ended */
	ccm_ms wait;
};

struct ccm_qlat_pending {
	unsigned rule;
	char *key;   /* "" when the rule has none */
	ccm_ms time;
};

struct ccm_qlat {
	struct ccm_qlat_sample *ring; /* CCM_QLAT_SAMPLES, lazily */
	size_t head, n;                  /* oldest at head              */
	struct ccm_qlat_pending *starts; /* in order of time            */
	size_t nstarts, capstarts;
	uint64_t total;      /* samples ever taken                       */
	ccm_ms total_max;    /* the longest wait ever                    */
	uint64_t overflow;   /* samples pushed out of a full window      */
	uint64_t unmatched;  /* an end without its start                 */
	uint64_t abandoned;  /* a start given up: too old or too many    */
	bool have_last;
	ccm_ms last_time, last_wait;
};

/* The figures of the samples in the window; waits in ms.  Percentiles by
 * nearest rank; all 0 when count is 0. */
struct ccm_qlat_stats {
	uint64_t count;
	ccm_ms mean, max, p50, p95, p99;
	uint64_t total, overflow, unmatched, abandoned;
	size_t pending;      /* starts waiting for their end */
	ccm_ms total_max;
	bool have_last;
	ccm_ms last_time, last_wait;
};

void ccm_qlat_init(struct ccm_qlat *l);
void ccm_qlat_release(struct ccm_qlat *l);

/* A wait that ended at t.  Returns 0, or -1 when out of memory. */
int ccm_qlat_add(struct ccm_qlat *l, ccm_ms t, ccm_ms wait);

/* An event queued at t, to be ended by the end line of the same rule with
 * the same key (n bytes; n may be 0). */
int ccm_qlat_start(struct ccm_qlat *l, unsigned rule, const char *key,
		      size_t n, ccm_ms t);

/* The end of the oldest start of that rule and key: its wait becomes a
 * sample, *wait set.  Returns 1 for a sample, 0 for an end without a
 * start (counted), -1 when out of memory. */
int ccm_qlat_end(struct ccm_qlat *l, unsigned rule, const char *key,
		    size_t n, ccm_ms t, ccm_ms *wait);

/* Forgets the samples that ended at or before now - window and the
 * starts older than now - max_pending (counted as abandoned). */
void ccm_qlat_expire(struct ccm_qlat *l, ccm_ms now, ccm_ms window,
			ccm_ms max_pending);

/* When the oldest sample leaves the window (expire at that time drops
 * it); false when the window is empty. */
bool ccm_qlat_next_expiry(const struct ccm_qlat *l, ccm_ms window,
			     ccm_ms *when);

/* The figures of n waits (sorted in place): count, mean, max and the
 * percentiles of out; the rest of out is left alone. */
void ccm_qlat_summarise(ccm_ms *waits, size_t n,
			   struct ccm_qlat_stats *out);

/* The window's figures.  Returns 0, or -1 when out of memory (the
 * percentiles need a sorted copy). */
int ccm_qlat_stats(const struct ccm_qlat *l,
		      struct ccm_qlat_stats *out);

/* The same, of only the samples that ended after since: the window as of
 * a later time than the last expire (a status or SNMP request between two
 * moves of the engine's clock must not show waits that already left it). */
int ccm_qlat_stats_since(const struct ccm_qlat *l, ccm_ms since,
			 struct ccm_qlat_stats *out);

#endif

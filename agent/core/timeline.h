/* SPDX-License-Identifier: ISC */
/* What an analysis reports: the engine's changes, recorded in order.
 * Used as the engine's sink by `ccmon analyze`. */
#ifndef CCM_TIMELINE_H
#define CCM_TIMELINE_H

#include <stdint.h>

#include "agent/core/engine.h"

/* One per change listed: a log full of incidents holds millions, so the
 * small fields share a word and the kind-specific ones a union. */
struct ccm_tl_entry {
	ccm_ms time;
	const char *component; /* the engine's copy of the name */
	struct ccm_srcpos pos;
	uint64_t incident;     /* incident id, 0 if none */
	const struct ccm_endpoint *endpoint;
	union {
		ccm_ms wait;   /* CCM_CHANGE_LATENCY */
		ccm_ms since;  /* CCM_CHANGE_RESTART: the silence began */
	};
	enum ccm_change_kind kind : 8;
	enum ccm_state from : 8, to : 8;
	enum ccm_cause cause : 8;
};

struct ccm_tl_incident {
	const char *component; /* a router restart's: its node */
	struct ccm_incident inc; /* as last reported by the engine */
};

/* A connect attempt or failure, as the router logged it.  Recorded by
 * the analyzer, not from the engine's changes: the engine learns whose
 * endpoint it is only at the "Connecting" before CONNECTED, usually after
 * the refusals the review wants to see on that component's lane. */
struct ccm_tl_connect {
	ccm_ms time;
	const struct ccm_endpoint *endpoint; /* NULL: failure by name     */
	const char *component; /* "Failed to connect to component": its name,
				* the engine's copy; else NULL           */
	bool failed;
	bool refused;          /* errno 111                                */
	struct ccm_srcpos pos;
};

struct ccm_timeline {
	bool have_since;
	ccm_ms since;          /* changes before it are applied, not listed */
	/* What no report asked for is not kept (a log full of incidents
	 * holds millions of changes): entries of these kinds (bit 1 << kind)
	 * and connect lines.  ccm_timeline_init() keeps everything. */
	unsigned skip_kinds;
	bool skip_connects;
	struct ccm_tl_entry *entries;
	size_t nentries, capentries;
	struct ccm_tl_incident *incidents; /* all, in order of id */
	size_t nincidents, capincidents;
	struct ccm_tl_connect *connects; /* in time order */
	size_t nconnects, capconnects;
	bool oom;              /* a change could not be recorded */
};

void ccm_timeline_init(struct ccm_timeline *tl, bool have_since, ccm_ms since);
void ccm_timeline_release(struct ccm_timeline *tl);
ccm_change_fn ccm_timeline_record;

/* The figures of the n waits at tl->entries[ix[0..n)], all of one
 * component's in order (queue latency over the whole listed window, not
 * the live agent's sliding one).  Returns 0, or -1 when out of memory. */
int ccm_timeline_latency_of(const struct ccm_timeline *tl, const uint32_t *ix,
			    size_t n, struct ccm_qlat_stats *out);

/* Records a connect attempt or failure (those before since are not). */
void ccm_timeline_connect(struct ccm_timeline *tl,
			  const struct ccm_tl_connect *c);

/* Records msg if it is a connect attempt or failure, just after engine
 * was fed it: at the engine's time, with the engine's endpoint or
 * component. */
void ccm_timeline_message(struct ccm_timeline *tl,
			  const struct ccm_engine *engine,
			  const struct ccm_logmsg *msg,
			  const struct ccm_srcpos *pos);

/* Whether an incident overlaps the listed window. */
bool ccm_timeline_listed(const struct ccm_timeline *tl,
			 const struct ccm_tl_incident *inc);

#endif

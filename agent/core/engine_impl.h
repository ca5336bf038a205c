/* SPDX-License-Identifier: ISC */
/* What engine.c and engine_lookup.c share: the engine itself and its
 * tables of components and endpoints.  Not for anyone else. */
#ifndef CCM_CORE_ENGINE_IMPL_H
#define CCM_CORE_ENGINE_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/core/engine.h"

struct ccm_engine {
	struct ccm_engine_config config;
	ccm_change_fn *fn;
	void *ctx;
	ccm_ms now;
	bool started;
	uint64_t incident_seq;
	struct ccm_component **comps;
	size_t ncomps, capcomps;
	struct ccm_endpoint **eps;
	size_t neps, capeps;
	/* The endpoint of the last message if it was "Connecting on fd"
	 * (or its failure): the next component line tells whose endpoint it
	 * is. */
	struct ccm_endpoint *pending_connect;
	/* The endpoint of the last message if it was "Unable to connect":
	 * Expressway's "Failed to connect to component" written by another
	 * thread just after it names the component that uses it. */
	struct ccm_endpoint *failed_connect;
	uint64_t names_cleaned; /* components named unfit to show */
	/* Auth deadlines in the order set, which is their time order (the
	 * clock never runs back, the timeout is fixed): a ring, with entries
	 * left stale by a component that moved on. */
	struct auth_wait *auth;
	size_t auth_head, nauth, capauth;
	/* No latency window can move before this: no walk over every
	 * component until then. */
	bool have_lat_next;
	ccm_ms lat_next;
	size_t nlogged;     /* components named only by the log */
	uint64_t untracked; /* lines about names past max_components */
	/* Router restarts: the time of the last message, and the burst of
	 * CONNECTED that may follow a silence. */
	bool have_last_msg;
	ccm_ms last_msg;
	bool in_burst;
	ccm_ms burst_last;       /* the last CONNECTED of the burst (or the
				  * end of the silence)                   */
	struct ccm_incident gap; /* the silence, as the nodes' incident   */
	struct restart *restarts; /* nodes that restarted in this burst   */
	size_t nrestarts, caprestarts;
	char **nodes;             /* node names said, for the engine's life */
	size_t nnodes, capnodes;
};

struct restart {
	const char *node; /* in nodes */
	struct ccm_incident inc;
};

struct auth_wait {
	struct ccm_component *c;
	ccm_ms deadline;
};

/* Component names compare without case (they are domain names):
 * a's whole name against b[0..bn). */
int eng_name_cmp(const char *a, const char *b, size_t bn);
/* The component named name[0..n), or NULL; *at: where it is or would go
 * in the sorted table. */
struct ccm_component *eng_find_component(const struct ccm_engine *e,
					 const char *name, size_t n,
					 size_t *at);
/* The component named, made if new: NULL when out of memory. */
struct ccm_component *eng_component(struct ccm_engine *e, const char *name,
				    size_t n);
/* A component named by a log line: NULL with *rc 0 when max_components
 * keeps it out, NULL with *rc -1 when out of memory. */
struct ccm_component *eng_log_component(struct ccm_engine *e,
					const char *name, size_t n, int *rc);
/* The endpoint host[0..n):port, made if new: NULL when out of memory. */
struct ccm_endpoint *eng_endpoint(struct ccm_engine *e, const char *host,
				  size_t n, unsigned port);

#endif

/* SPDX-License-Identifier: ISC */
/* Inside the alarm object, shared by its two halves only: the decisions
 * (agent/core/alarm.c) and the store (agent/core/alarm_store.c), which keeps
 * the alarms findable.
 *
 * A flood of log lines can bring tens of thousands of alarms, so no event
 * walks them all: a hash finds one by (type, resource), a min-heap orders
 * the times something falls due, a second heap the times an alarm may be
 * forgotten, and the raised ones sit in an array in id order for GETNEXT.
 * Not for use outside these two files: agent/core/alarm.h is the
 * interface. */
#ifndef CCM_ALARM_STORE_H
#define CCM_ALARM_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/core/alarm.h"
#include "agent/util/text_clean.h"

/* The heaps: when something falls due, when an alarm may be forgotten. */
enum { DUE = 0, IDLE, NHEAPS };
#define NOWHERE SIZE_MAX

struct alarm {
	enum ccm_alarm_type type;
	char *resource;
	char *text;       /* latest text given with the condition present */
	char *clear_text; /* latest text given with it absent             */
	enum ccm_alarm_severity severity; /* as last sent */
	unsigned phase;                   /* as last sent */
	enum ccm_alarm_severity want_sev; /* as last judged */
	unsigned want_phase;

	/* The condition as last reported. */
	bool cond;
	bool restored;       /* from a snapshot, not reported since */
	ccm_ms cond_since;   /* start of the current presence */
	ccm_ms absent_since; /* start of the current absence  */

	/* An episode runs from a first presence to the clear (or, unraised,
	 * to an absence long enough to clear); flapping is judged in it. */
	bool in_episode;
	bool flapping;
	ccm_ms episode_start;
	uint64_t changes;
	ccm_ms changed[CCM_ALARM_FLAP_MAX]; /* ring of the last changes */
	unsigned changed_head, nchanged;

	/* What the conditions and holds decide. */
	bool want;
	ccm_ms want_since;
	ccm_ms want_at;      /* when want last became true */
	/* The last episode that ended, for the CLEARED that reports it. */
	bool end_flapping;
	uint64_t end_changes;

	/* What the world was told. */
	bool pub;
	uint64_t id;
	ccm_ms pub_since, raised_at;
	uint64_t withheld;
	ccm_ms sent[CCM_ALARM_RATE_MAX]; /* ring of the last messages */
	unsigned sent_head, nsent;

	/* Its places in the indexes of struct ccm_alarms. */
	struct alarm *hnext;      /* hash chain */
	size_t all_at;            /* in all[] */
	size_t heap_at[NHEAPS];   /* NOWHERE when not in that heap */
	ccm_ms heap_key[NHEAPS];
	size_t act_at;            /* in act[] while pub */
};

struct heap {
	struct alarm **v;
	size_t n, cap;
};

/* A raised alarm in id order; a NULL alarm is a hole left by a clear. */
struct active {
	uint64_t id;
	struct alarm *a;
};

struct ccm_alarms {
	struct ccm_alarm_policy policy[CCM_ALARM_NTYPES];
	ccm_alarm_fn *fn;
	void *ctx;
	ccm_alarm_fn *withheld_fn; /* raises the rate limit cancelled */
	void *withheld_ctx;
	bool started;
	ccm_ms now;
	uint64_t last_id;
	struct alarm **all;     /* every alarm, in no order */
	size_t n, cap;
	struct alarm **buckets; /* by (type, resource) */
	size_t nbuckets;
	struct heap heap[NHEAPS];
	struct active *act;     /* the raised ones, by id */
	size_t nact, capact, holes;
};

/* Frees one alarm that is in no index (NULL is fine). */
void alarm_free(struct alarm *a);

/* The alarm of (type, resource), resource in its key form; NULL when
 * there is none. */
struct alarm *alarm_find(const struct ccm_alarms *as,
			 enum ccm_alarm_type type, const char *resource);

/* A new alarm into the store (in no heap, not among the raised ones yet).
 * Returns 0, or -1 when out of memory: a not stored. */
int alarm_insert(struct ccm_alarms *as, struct alarm *a);

/* Takes a out of every index and frees it. */
void alarm_forget(struct ccm_alarms *as, struct alarm *a);

/* a's places after a change: in the heap of due times at due (have_due
 * false: out of it), in that of idle times at idle_at (likewise), among
 * the raised ones while it is published.  Returns -1 when out of memory
 * left it out of the raised ones, 0 otherwise; a heap that cannot grow
 * leaves a out of it, silently (the next call tries again). */
int alarm_place(struct ccm_alarms *as, struct alarm *a, bool have_due,
		ccm_ms due, bool have_idle, ccm_ms idle_at);

/* A text as alarms keep it: one line, fit to show, at most
 * CCM_ALARM_TEXT_MAX bytes.  malloc'd; NULL when out of memory. */
char *alarm_clean_text(const char *s);

/* A resource as alarms are keyed by it, in buf; NULL for none (NULL or
 * empty). */
const char *alarm_resource_key(const char *s,
			       char buf[static CCM_TEXT_RESOURCE_MAX + 1]);

#endif

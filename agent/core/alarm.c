/* SPDX-License-Identifier: ISC */
/* Alarms: holds, flap damping, rate limit, persistence.
 *
 * Each alarm keeps two states apart: whether it *should* be raised (the
 * conditions and holds decide) and whether it *is* raised as far as the
 * world knows (the messages sent).  A message goes out whenever the two
 * differ and the rate limit allows it; when the first catches up with the
 * second before that, nothing is sent.  That one rule gives the deferral,
 * the coalescing, and the raise/clear pairing.
 *
 * A flood of log lines can bring tens of thousands of alarms, so no event
 * walks them all: a hash finds one by (type, resource), a min-heap orders
 * the times something falls due, a second heap the times an alarm may be
 * forgotten, and the raised ones sit in an array in id order for GETNEXT. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "agent/core/alarm.h"
#include "agent/util/json_add.h"
#include "agent/util/text_clean.h"
#include "parsers/duration.h"

#define SNAPSHOT_VERSION 1

/* Bounds that keep sums of times and spans far from overflow: a year for
 * a hold or period, some 285,000 years either side of 1970 for a time. */
#define MAX_SPAN (INT64_C(366) * CCM_MS_PER_DAY)
#define MAX_TIME (INT64_C(1) << 53)

static const struct ccm_alarm_type_info types[CCM_ALARM_NTYPES] = {
	[CCM_ALARM_COMPONENT_DOWN] = {
		.id = "component-down",
		.message_id = "18ec6a4e7fd04345ac710617df3ff348",
		.severity = CCM_SEV_CRITICAL,
		.resource = CCM_RES_COMPONENT,
		.raised = "Component is not ACTIVE",
		.cleared = "Component is ACTIVE again",
		.remedy = "Check that the compliance server is running and "
			  "listening on the host and port configured on IM and "
			  "Presence; the text says what its loss does to "
			  "users.",
	},
	[CCM_ALARM_AUTH_FAILURE] = {
		.id = "auth-failure",
		.message_id = "3ac6e9cf955d4fe19b0eb2e05ee86e40",
		.severity = CCM_SEV_CRITICAL,
		.resource = CCM_RES_COMPONENT,
		.raised = "Component is CONNECTED but not ACTIVE: "
			  "authentication fails",
		.cleared = "Component authenticated (ACTIVE)",
		.remedy = "Check that the password is the same on IM and "
			  "Presence and on the compliance server, and that the "
			  "compliance server is configured with this exact "
			  "component name.",
	},
	[CCM_ALARM_ENDPOINT_REFUSED] = {
		.id = "endpoint-refused",
		.message_id = "4d05f9fce76f45c7b9e3a114b32aab5c",
		.severity = CCM_SEV_MAJOR,
		.resource = CCM_RES_SERVER,
		.raised = "The compliance server refuses the router's "
			  "connections",
		.cleared = "The router connects to the compliance server again",
		.remedy = "The host answers but nothing listens on the port: "
			  "check that the compliance server is running and "
			  "listening on that port, and the port configured on "
			  "both sides.",
	},
	[CCM_ALARM_PROBE_FAILING] = {
		.id = "probe-failing",
		.message_id = "f38bc653bf1c4b81a068e4ffc34fa31e",
		.severity = CCM_SEV_MAJOR,
		.resource = CCM_RES_SERVER,
		.raised = "The compliance server does not answer ccmon's probe",
		.cleared = "The compliance server answers ccmon's probe again",
		.remedy = "Check that the compliance server is running and "
			  "listening on that port, and that the network from "
			  "this node to it lets the connection through.",
	},
	[CCM_ALARM_LOG_SILENT] = {
		.id = "log-silent",
		.message_id = "c5ed562f23d346eaae5cbe27d94c6ef8",
		.severity = CCM_SEV_MINOR,
		.resource = CCM_RES_LOG,
		.raised = "The router log has stopped growing",
		.cleared = "The router log grows again",
		.remedy = "Check that the Cisco XCP Router service is running, "
			  "that its trace is enabled, and that ccmond follows "
			  "the file the router writes now.",
	},
	[CCM_ALARM_LOG_UNREADABLE] = {
		.id = "log-unreadable",
		.message_id = "b587adf2043b48eba10b7b0f3cef619e",
		.severity = CCM_SEV_MAJOR,
		.resource = CCM_RES_LOG,
		.raised = "The router log cannot be read",
		.cleared = "The router log can be read again",
		.remedy = "Check that the file exists where ccmond looks for "
			  "it and that ccmond may read it (permissions, "
			  "mounts).",
	},
	[CCM_ALARM_MESSAGING_BLOCKED] = {
		.id = "messaging-blocked",
		.message_id = "c49c49724b7743599d314a0510426a96",
		.severity = CCM_SEV_CRITICAL,
		.resource = CCM_RES_SCOPE,
		.raised = "Instant messages are blocked for every user",
		.cleared = "Instant messages are delivered again",
		.remedy = "Bring the named compliance server back (its "
			  "component-down alarm says why it is down), or "
			  "unassign its profile on IM and Presence and restart "
			  "the Cisco XCP Router.",
	},
	[CCM_ALARM_GROUP_CHAT_BLOCKED] = {
		.id = "group-chat-blocked",
		.message_id = "e80cbd463dad414bb442654207b70497",
		.severity = CCM_SEV_CRITICAL,
		.resource = CCM_RES_SCOPE,
		.raised = "Group chat is blocked for every user",
		.cleared = "Group chat works again",
		.remedy = "Bring the named compliance server back (its "
			  "component-down alarm says why it is down), or "
			  "unassign its profile on IM and Presence and restart "
			  "the Cisco XCP Router.",
	},
	[CCM_ALARM_MESSAGING_DEGRADED] = {
		.id = "messaging-degraded",
		.message_id = "f9ff5ab0c00f47639e87749ae2d7bae6",
		.severity = CCM_SEV_MAJOR,
		.resource = CCM_RES_SCOPE,
		.raised = "Some users' messages fail, or logins are delayed",
		.cleared = "Messages and logins are normal again",
		.remedy = "Bring the named compliance server back; its share "
			  "of users moves to the other servers of its profile "
			  "at the time given.",
	},
	[CCM_ALARM_LOGGING_LOST] = {
		.id = "logging-lost",
		.message_id = "5716be1b8f0d4f009ff52eac0393dbe5",
		.severity = CCM_SEV_MAJOR,
		.resource = CCM_RES_SCOPE,
		.raised = "Events pass without compliance logging",
		.cleared = "Compliance logging is complete again",
		.remedy = "Bring the named compliance server back; tell the "
			  "compliance officer which events of which period "
			  "were not logged.",
	},
	[CCM_ALARM_QUEUE_LATENCY_HIGH] = {
		.id = "queue-latency-high",
		.message_id = "fb3fa70ba32d433982756bc669ab7a62",
		.severity = CCM_SEV_MAJOR,
		.resource = CCM_RES_COMPONENT,
		.raised = "Events wait long on the compliance server",
		.cleared = "Events on the compliance server are answered in "
			   "time again",
		.remedy = "Check the compliance server's own logs and load, "
			  "and whether its component is ACTIVE (the text says; "
			  "component-down says why it is not): every IM waits "
			  "for its answer.",
	},
	[CCM_ALARM_LOG_FILES_LIMIT] = {
		.id = "log-files-limit",
		.message_id = "91128fe003f1480c84f8342239c89955",
		.severity = CCM_SEV_WARNING,
		.resource = CCM_RES_LOG,
		.raised = "More log files match than ccmond keeps open",
		.cleared = "Every matching log file is kept open again",
		.remedy = "Narrow the log patterns of ccmon.conf to the files "
			  "the router writes, remove old logs from their "
			  "folder, or raise max_open_files.",
	},
	[CCM_ALARM_UNKNOWN_COMPONENTS] = {
		.id = "unknown-components",
		.message_id = "e99eb0dae8244b8db87de71086cdb6ba",
		.severity = CCM_SEV_MAJOR,
		.resource = CCM_RES_SCOPE,
		.raised = "Components that no [server] configures are down",
		.cleared = "No component that no [server] configures is down",
		.remedy = "Configure a [server] for each compliance server this "
			  "node uses, so that each gets its own alarms; names "
			  "nobody knows in the router's log may also be a "
			  "misconfigured or hostile client.",
	},
	[CCM_ALARM_TOO_MANY_COMPONENTS] = {
		.id = "too-many-components",
		.message_id = "91b8caa1dab441589705bbc76b578130",
		.severity = CCM_SEV_MINOR,
		.resource = CCM_RES_SCOPE,
		.raised = "More component names than max_components: new names "
			  "are not tracked",
		.cleared = "New component names are tracked again",
		.remedy = "Find out what writes so many component names to the "
			  "router's log; if they are real, raise max_components "
			  "in ccmon.conf and reload.",
	},
	[CCM_ALARM_ENDPOINT_UNREACHABLE] = {
		.id = "endpoint-unreachable",
		.message_id = "7204197e84294a18adb1aac6fbedc2df",
		.severity = CCM_SEV_MAJOR,
		.resource = CCM_RES_SERVER,
		.raised = "The router does not reach the compliance server",
		.cleared = "The router reaches the compliance server again",
		.remedy = "Check the network path from the router to the "
			  "compliance server (routing, firewalls, the host "
			  "being up) and the IP address or FQDN configured on "
			  "IM and Presence.",
	},
	[CCM_ALARM_XCP_ROUTER_RESTART] = {
		.id = "xcp-router-restart",
		.message_id = "76e9b43a01714c4db8ca5d9121605f2e",
		.severity = CCM_SEV_MAJOR,
		.resource = CCM_RES_SCOPE,
		.raised = "The node's Cisco XCP Router restarted",
		.cleared = "The restart of the Cisco XCP Router is over",
		.remedy = "Find out why the Cisco XCP Router restarted (its "
			  "own logs, Serviceability, RTMT); while it was down "
			  "users on this node could not send IM or group "
			  "chat.",
	},
};

const struct ccm_alarm_type_info *ccm_alarm_type_info(enum ccm_alarm_type t)
{
	return (unsigned)t < CCM_ALARM_NTYPES ? &types[t] : NULL;
}

int ccm_alarm_type_from_id(const char *id, enum ccm_alarm_type *out)
{
	for (unsigned i = 0; i < CCM_ALARM_NTYPES; i++) {
		if (strcmp(types[i].id, id) == 0) {
			*out = (enum ccm_alarm_type)i;
			return 0;
		}
	}
	return -1;
}

static const char *const sev_names[] = {
	[CCM_SEV_CRITICAL] = "critical",
	[CCM_SEV_MAJOR] = "major",
	[CCM_SEV_MINOR] = "minor",
	[CCM_SEV_WARNING] = "warning",
};

static const char *const sev_labels[] = {
	[CCM_SEV_CRITICAL] = "CRITICAL",
	[CCM_SEV_MAJOR] = "MAJOR",
	[CCM_SEV_MINOR] = "MINOR",
	[CCM_SEV_WARNING] = "WARNING",
};

#define NSEV (sizeof(sev_names) / sizeof(sev_names[0]))

const char *ccm_alarm_severity_name(enum ccm_alarm_severity sev)
{
	return (unsigned)sev < NSEV ? sev_names[sev] : "invalid";
}

const char *ccm_alarm_severity_label(enum ccm_alarm_severity sev)
{
	return (unsigned)sev < NSEV ? sev_labels[sev] : "INVALID";
}

int ccm_alarm_severity_from_name(const char *name,
				 enum ccm_alarm_severity *out)
{
	for (unsigned i = 0; i < NSEV; i++) {
		if (strcmp(sev_names[i], name) == 0) {
			*out = (enum ccm_alarm_severity)i;
			return 0;
		}
	}
	return -1;
}

const char *ccm_alarm_resource_name(enum ccm_alarm_resource res)
{
	switch (res) {
	case CCM_RES_COMPONENT:
		return "component";
	case CCM_RES_SERVER:
		return "server";
	case CCM_RES_LOG:
		return "log";
	case CCM_RES_SCOPE:
		return "scope";
	}
	return "invalid";
}

const char *ccm_alarm_state_name(enum ccm_alarm_state state)
{
	switch (state) {
	case CCM_ALARM_RAISED:
		return "raised";
	case CCM_ALARM_CLEARED:
		return "cleared";
	case CCM_ALARM_CHANGED:
		return "changed";
	}
	return "invalid";
}

void ccm_alarm_policy_default(struct ccm_alarm_policy *p)
{
	*p = (struct ccm_alarm_policy){
		.raise_hold = CCM_ALARM_DEFAULT_RAISE_HOLD,
		.clear_hold = CCM_ALARM_DEFAULT_CLEAR_HOLD,
		.flap_window = CCM_ALARM_DEFAULT_FLAP_WINDOW,
		.flap_threshold = CCM_ALARM_DEFAULT_FLAP_THRESHOLD,
		.rate_count = CCM_ALARM_DEFAULT_RATE_COUNT,
		.rate_period = CCM_ALARM_DEFAULT_RATE_PERIOD,
	};
}

/* ---- the object -------------------------------------------------------- */

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

static ccm_ms span(ccm_ms d)
{
	return d < 0 ? 0 : d > MAX_SPAN ? MAX_SPAN : d;
}

static void sanitize_policy(struct ccm_alarm_policy *p)
{
	p->raise_hold = span(p->raise_hold);
	p->clear_hold = span(p->clear_hold);
	p->flap_window = span(p->flap_window);
	p->rate_period = span(p->rate_period);
	if (p->flap_threshold > CCM_ALARM_FLAP_MAX)
		p->flap_threshold = CCM_ALARM_FLAP_MAX;
	if (p->flap_threshold < 2 || p->flap_window == 0)
		p->flap_threshold = 0;
	if (p->rate_count > CCM_ALARM_RATE_MAX)
		p->rate_count = CCM_ALARM_RATE_MAX;
	if (p->rate_count == 0 || p->rate_period == 0) {
		p->rate_count = 0;
		p->rate_period = 0;
	}
}

static void reindex(struct ccm_alarms *as, struct alarm *a);

void ccm_alarms_set_policy(struct ccm_alarms *as, enum ccm_alarm_type type,
			   const struct ccm_alarm_policy *policy)
{
	if ((unsigned)type >= CCM_ALARM_NTYPES)
		return;
	if (policy)
		as->policy[type] = *policy;
	else
		ccm_alarm_policy_default(&as->policy[type]);
	sanitize_policy(&as->policy[type]);
	/* the holds moved the times due */
	for (size_t i = 0; i < as->n; i++)
		if (as->all[i]->type == type)
			reindex(as, as->all[i]);
}

struct ccm_alarms *ccm_alarms_new(const struct ccm_alarm_policy *policy,
				  ccm_alarm_fn *fn, void *ctx)
{
	struct ccm_alarms *as = calloc(1, sizeof(*as));

	if (!as)
		return NULL;
	for (unsigned t = 0; t < CCM_ALARM_NTYPES; t++)
		ccm_alarms_set_policy(as, (enum ccm_alarm_type)t, policy);
	as->fn = fn;
	as->ctx = ctx;
	return as;
}

void ccm_alarms_on_withheld(struct ccm_alarms *as, ccm_alarm_fn *fn,
			    void *ctx)
{
	as->withheld_fn = fn;
	as->withheld_ctx = ctx;
}

static void alarm_free(struct alarm *a)
{
	if (!a)
		return;
	free(a->resource);
	free(a->text);
	free(a->clear_text);
	free(a);
}

void ccm_alarms_free(struct ccm_alarms *as)
{
	if (!as)
		return;
	for (size_t i = 0; i < as->n; i++)
		alarm_free(as->all[i]);
	free(as->all);
	free(as->buckets);
	for (unsigned h = 0; h < NHEAPS; h++)
		free(as->heap[h].v);
	free(as->act);
	free(as);
}

ccm_ms ccm_alarms_now(const struct ccm_alarms *as)
{
	return as->now;
}

/* ---- lookup ------------------------------------------------------------ */

static int cmp_key(const struct alarm *a, enum ccm_alarm_type type,
		   const char *resource)
{
	if (a->type != type)
		return a->type < type ? -1 : 1;
	return strcmp(a->resource, resource);
}

/* FNV-1a over the type and the resource. */
static size_t hash_key(enum ccm_alarm_type type, const char *resource)
{
	uint64_t h = UINT64_C(14695981039346656037);

	h = (h ^ (unsigned)type) * UINT64_C(1099511628211);
	for (const unsigned char *p = (const unsigned char *)resource; *p; p++)
		h = (h ^ *p) * UINT64_C(1099511628211);
	return (size_t)(h ^ (h >> 32));
}

static struct alarm *find(const struct ccm_alarms *as,
			  enum ccm_alarm_type type, const char *resource)
{
	struct alarm *a;

	if (!as->nbuckets)
		return NULL;
	a = as->buckets[hash_key(type, resource) & (as->nbuckets - 1)];
	while (a && cmp_key(a, type, resource) != 0)
		a = a->hnext;
	return a;
}

static void hash_link(struct alarm **buckets, size_t nbuckets, struct alarm *a)
{
	struct alarm **b = &buckets[hash_key(a->type, a->resource) &
				    (nbuckets - 1)];

	a->hnext = *b;
	*b = a;
}

/* Twice the buckets when there are more alarms than buckets. */
static int hash_grow(struct ccm_alarms *as)
{
	size_t nb = as->nbuckets ? as->nbuckets * 2 : 64;
	struct alarm **b;

	if (as->n < as->nbuckets)
		return 0;
	b = calloc(nb, sizeof(*b));
	if (!b)
		return as->nbuckets ? 0 : -1; /* longer chains, still right */
	for (size_t i = 0; i < as->n; i++)
		hash_link(b, nb, as->all[i]);
	free(as->buckets);
	as->buckets = b;
	as->nbuckets = nb;
	return 0;
}

static void hash_unlink(struct ccm_alarms *as, struct alarm *a)
{
	struct alarm **p = &as->buckets[hash_key(a->type, a->resource) &
					(as->nbuckets - 1)];

	while (*p != a)
		p = &(*p)->hnext;
	*p = a->hnext;
}

/* A new alarm into all[] and the hash. */
static int insert(struct ccm_alarms *as, struct alarm *a)
{
	if (as->n == as->cap) {
		size_t ncap = as->cap ? as->cap * 2 : 16;
		struct alarm **na = realloc(as->all, ncap * sizeof(*na));

		if (!na)
			return -1;
		as->all = na;
		as->cap = ncap;
	}
	if (hash_grow(as))
		return -1;
	for (unsigned h = 0; h < NHEAPS; h++)
		a->heap_at[h] = NOWHERE;
	a->act_at = NOWHERE;
	a->all_at = as->n;
	as->all[as->n++] = a;
	hash_link(as->buckets, as->nbuckets, a);
	return 0;
}

/* ---- heaps ------------------------------------------------------------- */

/* Earlier first; equal times in (type, resource) order, so that the
 * callback sees the same order whatever the history of the heap. */
static bool before(unsigned h, const struct alarm *x, const struct alarm *y)
{
	if (x->heap_key[h] != y->heap_key[h])
		return x->heap_key[h] < y->heap_key[h];
	return cmp_key(x, y->type, y->resource) < 0;
}

static void heap_put(struct heap *hp, unsigned h, size_t i, struct alarm *a)
{
	hp->v[i] = a;
	a->heap_at[h] = i;
}

static void sift_up(struct heap *hp, unsigned h, size_t i)
{
	struct alarm *a = hp->v[i];

	while (i > 0 && before(h, a, hp->v[(i - 1) / 2])) {
		heap_put(hp, h, i, hp->v[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_put(hp, h, i, a);
}

static void sift_down(struct heap *hp, unsigned h, size_t i)
{
	struct alarm *a = hp->v[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= hp->n)
			break;
		if (c + 1 < hp->n && before(h, hp->v[c + 1], hp->v[c]))
			c++;
		if (!before(h, hp->v[c], a))
			break;
		heap_put(hp, h, i, hp->v[c]);
		i = c;
	}
	heap_put(hp, h, i, a);
}

static void heap_remove(struct ccm_alarms *as, unsigned h, struct alarm *a)
{
	struct heap *hp = &as->heap[h];
	size_t i = a->heap_at[h];

	if (i == NOWHERE)
		return;
	a->heap_at[h] = NOWHERE;
	if (--hp->n == i)
		return;
	heap_put(hp, h, i, hp->v[hp->n]);
	sift_up(hp, h, i);
	sift_down(hp, h, hp->v[i]->heap_at[h]);
}

/* Puts a in heap h at key, or takes it out (have false).  Returns -1 when
 * out of memory: a left out of the heap. */
static int heap_set(struct ccm_alarms *as, unsigned h, struct alarm *a,
		    bool have, ccm_ms key)
{
	struct heap *hp = &as->heap[h];
	size_t i = a->heap_at[h];

	if (!have) {
		heap_remove(as, h, a);
		return 0;
	}
	if (i == NOWHERE) {
		if (hp->n == hp->cap) {
			size_t ncap = hp->cap ? hp->cap * 2 : 16;
			struct alarm **nv = realloc(hp->v, ncap * sizeof(*nv));

			if (!nv)
				return -1;
			hp->v = nv;
			hp->cap = ncap;
		}
		i = hp->n++;
		a->heap_key[h] = key;
		heap_put(hp, h, i, a);
		sift_up(hp, h, i);
		return 0;
	}
	a->heap_key[h] = key;
	sift_up(hp, h, i);
	sift_down(hp, h, a->heap_at[h]);
	return 0;
}

/* ---- the raised ones, by id -------------------------------------------- */

static void act_compact(struct ccm_alarms *as)
{
	size_t k = 0;

	for (size_t i = 0; i < as->nact; i++) {
		struct alarm *a = as->act[i].a;

		if (!a)
			continue;
		as->act[k] = as->act[i];
		a->act_at = k;
		k++;
	}
	as->nact = k;
	as->holes = 0;
}

/* ids only grow, so a new RAISED goes at the end. */
static int act_append(struct ccm_alarms *as, struct alarm *a)
{
	if (as->nact == as->capact && as->holes)
		act_compact(as);
	if (as->nact == as->capact) {
		size_t ncap = as->capact ? as->capact * 2 : 16;
		struct active *n = realloc(as->act, ncap * sizeof(*n));

		if (!n)
			return -1;
		as->act = n;
		as->capact = ncap;
	}
	a->act_at = as->nact;
	as->act[as->nact++] = (struct active){ .id = a->id, .a = a };
	return 0;
}

static void act_remove(struct ccm_alarms *as, struct alarm *a)
{
	if (a->act_at == NOWHERE)
		return;
	as->act[a->act_at].a = NULL;
	a->act_at = NOWHERE;
	as->holes++;
	/* holes at most half of the array: a walk over it stays linear */
	if (as->holes > 16 && as->holes * 2 > as->nact)
		act_compact(as);
}

static int by_id(const void *x, const void *y)
{
	const struct active *a = x, *b = y;

	return (a->id > b->id) - (a->id < b->id);
}

/* Texts end up in journal fields, syslog lines and terminals: one line,
 * fit to show, bounded (cut between characters). */
static char *clean_text(const char *s)
{
	char t[CCM_ALARM_TEXT_MAX + 1];

	ccm_text_clean_into(t, sizeof(t), s, strnlen(s, sizeof(t)),
			    CCM_TEXT_DISPLAY, NULL);
	return strdup(t);
}

static int store_text(char **slot, const char *s)
{
	char *t;

	if (!s || (*slot && strcmp(*slot, s) == 0))
		return 0;
	t = clean_text(s);
	if (!t)
		return -1;
	free(*slot);
	*slot = t;
	return 0;
}

/* ---- rings ------------------------------------------------------------- */

static void ring_push(ccm_ms *ring, unsigned size, unsigned *head,
		      unsigned *n, ccm_ms t)
{
	ring[*head] = t;
	*head = (*head + 1) % size;
	if (*n < size)
		(*n)++;
}

/* The k-th most recent entry, k >= 1 and k <= n. */
static ccm_ms ring_back(const ccm_ms *ring, unsigned size, unsigned head,
			unsigned k)
{
	return ring[(head + size - k) % size];
}

/* ---- decisions --------------------------------------------------------- */

static const struct ccm_alarm_policy *policy_of(const struct ccm_alarms *as,
						const struct alarm *a)
{
	return &as->policy[a->type];
}

/* How long an absence must last to clear: a flapping condition must also
 * have stopped flapping, or the clear would be followed by a new raise. */
static ccm_ms clear_hold(const struct ccm_alarm_policy *p,
			 const struct alarm *a)
{
	if (a->flapping && p->flap_window > p->clear_hold)
		return p->flap_window;
	return p->clear_hold;
}

/* An absence this long ends an episode even when nothing was raised. */
static ccm_ms quiet_time(const struct ccm_alarm_policy *p)
{
	if (p->flap_threshold && p->flap_window > p->clear_hold)
		return p->flap_window;
	return p->clear_hold;
}

/* When the rate limit lets the next message out (INT64_MIN: it does). */
static ccm_ms rate_free(const struct ccm_alarm_policy *p,
			const struct alarm *a)
{
	if (!p->rate_count || a->nsent < p->rate_count)
		return INT64_MIN;
	return ring_back(a->sent, CCM_ALARM_RATE_MAX, a->sent_head,
			 p->rate_count) + p->rate_period;
}

/* A restored alarm's phase from a snapshot that had none: the next one
 * judged is taken as it, silently. */
#define PHASE_UNKNOWN UINT_MAX

/* Raised, its condition present, and judged otherwise than sent: a
 * CHANGED is due.  A pending clear says nothing more. */
static bool change_due(const struct alarm *a)
{
	return a->pub && a->want && a->cond &&
	       (a->want_sev != a->severity || a->want_phase != a->phase);
}

/* The earliest time something is due for a, maybe before the clock (it is
 * then due at once); false when nothing is. */
static bool alarm_due(const struct ccm_alarms *as, const struct alarm *a,
		      ccm_ms *due)
{
	const struct ccm_alarm_policy *p = policy_of(as, a);
	bool have = false;
	ccm_ms d = 0;

	if (!a->want && a->cond) {
		d = a->cond_since + p->raise_hold;
		have = true;
	} else if (a->want && !a->cond) {
		d = a->absent_since + clear_hold(p, a);
		have = true;
	}
	if (a->pub != a->want || change_due(a)) {
		ccm_ms r = rate_free(p, a);

		if (!have || r < d)
			d = r;
		have = true;
	}
	if (have)
		*due = d;
	return have;
}

/* When an alarm that nothing keeps may be forgotten (idle() below); false
 * while something keeps it. */
static bool idle_from(const struct ccm_alarms *as, const struct alarm *a,
		      ccm_ms *when)
{
	const struct ccm_alarm_policy *p = policy_of(as, a);
	ccm_ms t;

	if (a->cond || a->want || a->pub || a->restored || a->withheld)
		return false;
	t = a->absent_since + quiet_time(p);
	if (a->nsent) {
		ccm_ms r = ring_back(a->sent, CCM_ALARM_RATE_MAX, a->sent_head,
				     1) + p->rate_period;

		if (r > t)
			t = r;
	}
	*when = t;
	return true;
}

/* a changed: its places in the heaps and in the raised ones follow. */
static void reindex(struct ccm_alarms *as, struct alarm *a)
{
	ccm_ms due = 0, idle_at = 0;
	bool have_due = alarm_due(as, a, &due);
	bool have_idle = idle_from(as, a, &idle_at);

	/* Out of memory a raise or clear would never come: the heap's
	 * arrays only grow, so this fails only when the alarm is new to
	 * the heap, and the next call for it tries again. */
	heap_set(as, DUE, a, have_due, due);
	heap_set(as, IDLE, a, have_idle, idle_at);
	if (a->act_at != NOWHERE && (!a->pub || as->act[a->act_at].id != a->id))
		act_remove(as, a);
	if (a->pub && a->act_at == NOWHERE)
		act_append(as, a);
}

static char *raise_text(const struct alarm *a, ccm_ms t);

/* A raise still waiting for the rate limit met its clear: neither is
 * sent, and whoever records what was not sent hears of the raise. */
static void tell_withheld(struct ccm_alarms *as, const struct alarm *a,
			  ccm_ms t)
{
	struct ccm_alarm_decision d;
	char *text;

	if (!as->withheld_fn)
		return;
	text = raise_text(a, a->want_at);
	d = (struct ccm_alarm_decision){
		.state = CCM_ALARM_RAISED,
		.type = a->type,
		.info = &types[a->type],
		.resource = a->resource,
		.severity = types[a->type].severity,
		.time = a->want_at,
		.since = a->want_since,
		.raised_at = a->want_at,
		.ended = t,
		.flapping = a->flapping,
		.changes = a->changes,
		.withheld = a->withheld,
		.text = text ? text : a->text ? a->text :
				      types[a->type].raised,
	};
	as->withheld_fn(as->withheld_ctx, &d);
	free(text);
}

static void set_want(struct ccm_alarms *as, struct alarm *a, bool want,
		     ccm_ms since, ccm_ms t)
{
	if (a->want == want)
		return;
	/* A message still waiting for the rate limit meets its opposite:
	 * neither goes out. */
	if (a->pub != a->want) {
		if (!a->pub)
			tell_withheld(as, a, t);
		a->withheld++;
	}
	a->want = want;
	if (want) {
		a->want_since = since;
		a->want_at = t;
	} else {
		a->end_flapping = a->flapping;
		a->end_changes = a->changes;
		a->in_episode = false;
		a->flapping = false;
	}
}

static char *raise_text(const struct alarm *a, ccm_ms t)
{
	const char *base = a->text ? a->text : types[a->type].raised;
	char flap[96] = "", held[96] = "";
	char dur[CCM_DURATION_STRLEN];
	char *s;

	if (a->flapping)
		snprintf(flap, sizeof(flap), "; flapping: %" PRIu64
			 " changes in %s", a->changes,
			 ccm_duration_format(t - a->episode_start, dur));
	if (a->withheld)
		snprintf(held, sizeof(held), "; %" PRIu64 " raise/clear %s "
			 "withheld by the rate limit", a->withheld,
			 a->withheld == 1 ? "pair" : "pairs");
	if (asprintf(&s, "%s%s%s", base, flap, held) < 0)
		return NULL;
	return s;
}

static char *clear_text(const struct alarm *a)
{
	const char *base = a->clear_text ? a->clear_text :
					   types[a->type].cleared;
	char flap[96] = "", held[96] = "";
	char dur[CCM_DURATION_STRLEN];
	char *s;

	if (a->end_flapping)
		snprintf(flap, sizeof(flap), ", flapping (%" PRIu64
			 " changes)", a->end_changes);
	if (a->withheld)
		snprintf(held, sizeof(held), "; %" PRIu64 " clear/raise %s "
			 "withheld by the rate limit", a->withheld,
			 a->withheld == 1 ? "pair" : "pairs");
	if (asprintf(&s, "%s; the condition lasted %s%s%s", base,
		     ccm_duration_format(a->absent_since - a->pub_since, dur),
		     flap, held) < 0)
		return NULL;
	return s;
}

static void publish(struct ccm_alarms *as, struct alarm *a, ccm_ms t)
{
	struct ccm_alarm_decision d;
	char *text;

	if (a->want) {
		a->id = ++as->last_id;
		a->pub_since = a->want_since;
		a->raised_at = t;
		a->severity = a->want_sev;
		a->phase = a->want_phase;
		text = raise_text(a, t);
	} else {
		text = clear_text(a);
	}
	a->pub = a->want;
	ring_push(a->sent, CCM_ALARM_RATE_MAX, &a->sent_head, &a->nsent, t);
	d = (struct ccm_alarm_decision){
		.state = a->pub ? CCM_ALARM_RAISED : CCM_ALARM_CLEARED,
		.id = a->id,
		.type = a->type,
		.info = &types[a->type],
		.resource = a->resource,
		.severity = a->severity,
		.time = t,
		.since = a->pub_since,
		.raised_at = a->raised_at,
		.ended = a->pub ? 0 : a->absent_since,
		.flapping = a->pub ? a->flapping : a->end_flapping,
		.changes = a->pub ? a->changes : a->end_changes,
		.withheld = a->withheld,
		/* Out of memory: the message still goes, plainer. */
		.text = text ? text : a->pub ? (a->text ? a->text :
			types[a->type].raised) : types[a->type].cleared,
	};
	a->withheld = 0;
	if (as->fn)
		as->fn(as->ctx, &d);
	free(text);
}

/* The raised alarm is judged anew: same id, new severity and text. */
static void publish_change(struct ccm_alarms *as, struct alarm *a, ccm_ms t)
{
	struct ccm_alarm_decision d;
	enum ccm_alarm_severity was = a->severity;
	char *text = raise_text(a, t);

	a->severity = a->want_sev;
	a->phase = a->want_phase;
	ring_push(a->sent, CCM_ALARM_RATE_MAX, &a->sent_head, &a->nsent, t);
	d = (struct ccm_alarm_decision){
		.state = CCM_ALARM_CHANGED,
		.id = a->id,
		.type = a->type,
		.info = &types[a->type],
		.resource = a->resource,
		.severity = a->severity,
		.was = was,
		.time = t,
		.since = a->pub_since,
		.raised_at = a->raised_at,
		.flapping = a->flapping,
		.changes = a->changes,
		.text = text ? text : a->text ? a->text :
						types[a->type].raised,
	};
	if (as->fn)
		as->fn(as->ctx, &d);
	free(text);
}

/* Does what is due for a at t (alarm_due() said something is). */
static void fire(struct ccm_alarms *as, struct alarm *a, ccm_ms t)
{
	const struct ccm_alarm_policy *p = policy_of(as, a);

	if (!a->want && a->cond && a->cond_since + p->raise_hold <= t)
		set_want(as, a, true, a->cond_since, t);
	else if (a->want && !a->cond &&
		 a->absent_since + clear_hold(p, a) <= t)
		set_want(as, a, false, 0, t);
	if (a->pub != a->want && rate_free(p, a) <= t)
		publish(as, a, t);
	else if (change_due(a) && rate_free(p, a) <= t)
		publish_change(as, a, t);
}

/* Nothing pending, nothing raised, nothing remembered that matters: the
 * next presence starts from scratch anyway. */
static bool idle(const struct ccm_alarms *as, const struct alarm *a)
{
	const struct ccm_alarm_policy *p = policy_of(as, a);

	if (a->cond || a->want || a->pub || a->restored || a->withheld)
		return false;
	if (as->now - a->absent_since < quiet_time(p))
		return false;
	return a->nsent == 0 ||
	       ring_back(a->sent, CCM_ALARM_RATE_MAX, a->sent_head, 1) +
			       p->rate_period <= as->now;
}

static void forget(struct ccm_alarms *as, struct alarm *a)
{
	struct alarm *last = as->all[--as->n];

	for (unsigned h = 0; h < NHEAPS; h++)
		heap_remove(as, h, a);
	act_remove(as, a);
	hash_unlink(as, a);
	last->all_at = a->all_at;
	as->all[a->all_at] = last;
	alarm_free(a);
}

/* Forgets the alarms that nothing keeps any more. */
static void prune(struct ccm_alarms *as)
{
	struct heap *hp = &as->heap[IDLE];

	while (hp->n && hp->v[0]->heap_key[IDLE] <= as->now) {
		struct alarm *a = hp->v[0];

		if (idle(as, a))
			forget(as, a);
		else
			reindex(as, a);
	}
}

void ccm_alarms_advance(struct ccm_alarms *as, ccm_ms now)
{
	struct heap *hp = &as->heap[DUE];

	if (now > MAX_TIME)
		now = MAX_TIME;
	else if (now < -MAX_TIME)
		now = -MAX_TIME;
	if (!as->started) {
		as->started = true;
		as->now = now;
	}
	/* Across alarms in time order, so that the callback sees one
	 * timeline however late the caller is. */
	while (hp->n && hp->v[0]->heap_key[DUE] <= now) {
		struct alarm *a = hp->v[0];
		ccm_ms t = a->heap_key[DUE];

		if (t > as->now)
			as->now = t;
		fire(as, a, as->now);
		reindex(as, a);
	}
	if (now > as->now)
		as->now = now;
	prune(as);
}

bool ccm_alarms_next_due(const struct ccm_alarms *as, ccm_ms *due)
{
	const struct heap *hp = &as->heap[DUE];

	if (!hp->n)
		return false;
	*due = hp->v[0]->heap_key[DUE];
	if (*due < as->now)
		*due = as->now;
	return true;
}

/* The condition changes at t. */
static void change(struct ccm_alarms *as, struct alarm *a, bool cond,
		   ccm_ms t)
{
	const struct ccm_alarm_policy *p = policy_of(as, a);

	if (cond && (!a->in_episode ||
		     (!a->want && t - a->absent_since >= quiet_time(p)))) {
		a->in_episode = true;
		a->flapping = false;
		a->episode_start = t;
		a->changes = 0;
	}
	a->cond = cond;
	if (cond)
		a->cond_since = t;
	else
		a->absent_since = t;
	a->changes++;
	ring_push(a->changed, CCM_ALARM_FLAP_MAX, &a->changed_head,
		  &a->nchanged, t);
	if (a->flapping || !p->flap_threshold ||
	    a->nchanged < p->flap_threshold ||
	    t - ring_back(a->changed, CCM_ALARM_FLAP_MAX, a->changed_head,
			  p->flap_threshold) >= p->flap_window)
		return;
	/* Flapping: raise now, whatever the hold, since the episode began;
	 * from here only a long enough quiet clears it. */
	a->flapping = true;
	set_want(as, a, true, a->episode_start, t);
}

/* A resource is a key: a name from a log that is not fit to show (control
 * characters, bytes that are not UTF-8, over CCM_ALARM_TEXT_MAX bytes)
 * becomes a cleaned, bounded form that still tells names apart
 * (ccm_text_resource()), rather than an alarm nobody hears of.  NULL for
 * no resource at all. */
static const char *resource_key(const char *s,
				char buf[static CCM_TEXT_RESOURCE_MAX + 1])
{
	if (!s || !*s)
		return NULL;
	ccm_text_resource(s, buf);
	return buf;
}

/* How an alarm is judged: a severity and a phase, or NULL to keep the
 * last ones. */
struct judgement {
	enum ccm_alarm_severity severity;
	unsigned phase;
};

static void judge(struct alarm *a, const struct judgement *j)
{
	if (!j)
		return;
	if (a->phase == PHASE_UNKNOWN)
		a->phase = j->phase;
	a->want_sev = j->severity;
	a->want_phase = j->phase;
}

static int set(struct ccm_alarms *as, enum ccm_alarm_type type,
	       const char *resource, bool cond, ccm_ms now, const char *text,
	       const struct judgement *j)
{
	char key[CCM_TEXT_RESOURCE_MAX + 1];
	struct alarm *a;
	int rc = 0;

	resource = resource_key(resource, key);
	if ((unsigned)type >= CCM_ALARM_NTYPES || !resource) {
		errno = EINVAL;
		return -1;
	}
	ccm_alarms_advance(as, now);
	a = find(as, type, resource);
	if (!a) {
		if (!cond)
			return 0;
		a = calloc(1, sizeof(*a));
		if (!a || !(a->resource = strdup(resource))) {
			alarm_free(a);
			errno = ENOMEM;
			return -1;
		}
		a->type = type;
		a->severity = types[type].severity;
		a->want_sev = a->severity;
		if (insert(as, a)) {
			alarm_free(a);
			errno = ENOMEM;
			return -1;
		}
	}
	if (store_text(cond ? &a->text : &a->clear_text, text)) {
		errno = ENOMEM;
		rc = -1;
	}
	a->restored = false;
	/* a judgement given with the condition absent would change nothing
	 * said: the next presence brings its own */
	if (cond)
		judge(a, j);
	if (cond != a->cond)
		change(as, a, cond, as->now);
	reindex(as, a);
	ccm_alarms_advance(as, as->now);
	return rc;
}

int ccm_alarms_set(struct ccm_alarms *as, enum ccm_alarm_type type,
		   const char *resource, bool cond, ccm_ms now,
		   const char *text)
{
	return set(as, type, resource, cond, now, text, NULL);
}

int ccm_alarms_set_judged(struct ccm_alarms *as, enum ccm_alarm_type type,
			  const char *resource, bool cond, ccm_ms now,
			  const char *text, enum ccm_alarm_severity severity,
			  unsigned phase)
{
	const struct judgement j = { severity, phase };

	if ((unsigned)severity >= NSEV) {
		errno = EINVAL;
		return -1;
	}
	return set(as, type, resource, cond, now, text, &j);
}

void ccm_alarms_expire_restored(struct ccm_alarms *as, ccm_ms now)
{
	ccm_alarms_advance(as, now);
	for (size_t i = 0; i < as->n; i++) {
		struct alarm *a = as->all[i];

		if (!a->restored)
			continue;
		a->restored = false;
		if (a->cond)
			change(as, a, false, as->now);
		reindex(as, a);
	}
	ccm_alarms_advance(as, as->now);
}

/* ---- status ------------------------------------------------------------ */

static void view(const struct alarm *a, struct ccm_alarm_view *out)
{
	*out = (struct ccm_alarm_view){
		.id = a->id,
		.type = a->type,
		.resource = a->resource,
		.severity = a->severity,
		.since = a->pub_since,
		.raised_at = a->raised_at,
		.flapping = a->flapping,
		.changes = a->changes,
		.condition = a->cond,
		.text = a->text ? a->text : types[a->type].raised,
	};
}

bool ccm_alarms_next_active(const struct ccm_alarms *as, uint64_t after,
			    struct ccm_alarm_view *out)
{
	size_t lo = 0, hi = as->nact;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (as->act[mid].id <= after)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < as->nact; lo++) {
		if (as->act[lo].a) {
			view(as->act[lo].a, out);
			return true;
		}
	}
	return false;
}

size_t ccm_alarms_count_active(const struct ccm_alarms *as)
{
	return as->nact - as->holes;
}

/* ---- messages ---------------------------------------------------------- */

const char *ccm_alarm_time(ccm_ms t, bool utc,
			   char buf[static CCM_TIME_STRLEN])
{
	ccm_time_format(t, buf);
	if (utc) {
		/* at most 29 characters of the 32 were written */
		size_t n = strlen(buf);

		memcpy(buf + n, "Z", 2);
	}
	return buf;
}

char *ccm_alarm_message(const struct ccm_alarm_decision *d, bool utc)
{
	const struct ccm_alarm_type_info *ti = ccm_alarm_type_info(d->type);
	char since[CCM_TIME_STRLEN];
	int n;
	char *s;

	if (!ti)
		return NULL;
	if (d->state == CCM_ALARM_RAISED)
		n = asprintf(&s, "ccmon: %s raised %s %s: %s, since %s. %s",
			     ccm_alarm_severity_label(d->severity), ti->id,
			     d->resource, d->text,
			     ccm_alarm_time(d->since, utc, since), ti->remedy);
	else if (d->state == CCM_ALARM_CHANGED)
		n = asprintf(&s, "ccmon: %s changed %s %s (was %s): %s, since "
			     "%s.", ccm_alarm_severity_label(d->severity),
			     ti->id, d->resource,
			     ccm_alarm_severity_label(d->was), d->text,
			     ccm_alarm_time(d->since, utc, since));
	else
		n = asprintf(&s, "ccmon: cleared %s %s (was %s): %s.", ti->id,
			     d->resource,
			     ccm_alarm_severity_label(d->severity), d->text);
	return n < 0 ? NULL : s;
}

/* ---- persistence ------------------------------------------------------- */

static int add(struct json_object *o, const char *key, struct json_object *v)
{
	return ccm_json_add_new(o, key, v);
}

static struct json_object *snap_alarm(const struct alarm *a)
{
	struct json_object *o = json_object_new_object();
	int err = 0;

	if (!o)
		return NULL;
	err |= add(o, "type", json_object_new_string(types[a->type].id));
	err |= add(o, "resource", json_object_new_string(a->resource));
	err |= add(o, "id", json_object_new_int64((int64_t)a->id));
	err |= add(o, "severity",
		   json_object_new_string(sev_names[a->severity]));
	err |= add(o, "since", json_object_new_int64(a->pub_since));
	err |= add(o, "raised_at", json_object_new_int64(a->raised_at));
	if (a->text)
		err |= add(o, "text", json_object_new_string(a->text));
	err |= add(o, "flapping", json_object_new_boolean(a->flapping));
	err |= add(o, "changes", json_object_new_int64((int64_t)a->changes));
	err |= add(o, "phase", json_object_new_int64((int64_t)a->phase));
	if (err) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

struct json_object *ccm_alarms_snapshot(const struct ccm_alarms *as)
{
	struct json_object *o = json_object_new_object();
	struct json_object *arr = json_object_new_array();
	int err = 0;

	if (!o || !arr)
		goto fail;
	for (size_t i = 0; i < as->nact; i++) {
		struct json_object *ao;

		if (!as->act[i].a)
			continue;
		ao = snap_alarm(as->act[i].a);
		if (!ao || json_object_array_add(arr, ao)) {
			json_object_put(ao);
			goto fail;
		}
	}
	err |= add(o, "version", json_object_new_int(SNAPSHOT_VERSION));
	err |= add(o, "last_id", json_object_new_int64((int64_t)as->last_id));
	err |= add(o, "alarms", arr);
	arr = NULL;
	if (err)
		goto fail;
	return o;
fail:
	json_object_put(arr);
	json_object_put(o);
	return NULL;
}

/* json-c hands out members as non-const even from a const object. */
static struct json_object *member(const struct json_object *o, const char *key,
				  enum json_type type)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, type))
		return NULL;
	return v;
}

static int get_int(const struct json_object *o, const char *key, int64_t min,
		   int64_t max, int64_t *out)
{
	const struct json_object *v = member(o, key, json_type_int);

	if (!v)
		return -1;
	*out = json_object_get_int64(v);
	return *out < min || *out > max ? -1 : 0;
}

/* One entry into a new alarm; *skip for entries to pass over. */
static struct alarm *load_alarm(const struct json_object *o, bool *skip)
{
	char key[CCM_TEXT_RESOURCE_MAX + 1];
	const char *res;
	struct json_object *v;
	enum ccm_alarm_type type;
	struct alarm *a;
	int64_t id, since, raised_at, changes = 0, phase = PHASE_UNKNOWN;

	*skip = false;
	if (!json_object_is_type(o, json_type_object))
		return NULL;
	v = member(o, "type", json_type_string);
	if (!v)
		return NULL;
	if (ccm_alarm_type_from_id(json_object_get_string(v), &type)) {
		/* A type this version does not know: not ours to judge. */
		*skip = true;
		return NULL;
	}
	if (get_int(o, "id", 1, INT64_MAX, &id) ||
	    get_int(o, "since", -MAX_TIME, MAX_TIME, &since) ||
	    get_int(o, "raised_at", -MAX_TIME, MAX_TIME, &raised_at) ||
	    (member(o, "changes", json_type_int) &&
	     get_int(o, "changes", 0, INT64_MAX, &changes)) ||
	    (member(o, "phase", json_type_int) &&
	     get_int(o, "phase", 0, PHASE_UNKNOWN, &phase)))
		return NULL;
	v = member(o, "resource", json_type_string);
	if (!v || !(res = resource_key(json_object_get_string(v), key)))
		return NULL;

	a = calloc(1, sizeof(*a));
	if (!a || !(a->resource = strdup(res)))
		goto oom;
	a->type = type;
	a->severity = types[type].severity;
	v = member(o, "severity", json_type_string);
	if (v)
		ccm_alarm_severity_from_name(json_object_get_string(v),
					     &a->severity);
	a->want_sev = a->severity;
	a->phase = (unsigned)phase;
	a->want_phase = a->phase;
	v = member(o, "text", json_type_string);
	if (v && !(a->text = clean_text(json_object_get_string(v))))
		goto oom;
	v = member(o, "flapping", json_type_boolean);
	a->flapping = v && json_object_get_boolean(v);
	a->changes = (uint64_t)changes;

	/* Raised as far as the world knows, and presumed still true. */
	a->restored = true;
	a->cond = true;
	a->cond_since = since;
	a->in_episode = true;
	a->episode_start = since;
	a->want = true;
	a->want_since = since;
	a->want_at = raised_at;
	a->pub = true;
	a->id = (uint64_t)id;
	a->pub_since = since;
	a->raised_at = raised_at;
	return a;
oom:
	alarm_free(a);
	errno = ENOMEM;
	return NULL;
}

int ccm_alarms_restore(struct ccm_alarms *as,
		       const struct json_object *snap)
{
	const struct json_object *arr;
	int64_t version, last_id;
	size_t len;
	uint64_t max_id;
	int restored = 0;

	if (as->n) {
		errno = EBUSY;
		return -1;
	}
	if (!snap || !json_object_is_type(snap, json_type_object) ||
	    get_int(snap, "version", 0, INT64_MAX, &version) ||
	    version != SNAPSHOT_VERSION ||
	    get_int(snap, "last_id", 0, INT64_MAX, &last_id) ||
	    !(arr = member(snap, "alarms", json_type_array))) {
		errno = EINVAL;
		return -1;
	}
	max_id = (uint64_t)last_id;
	len = json_object_array_length(arr);
	for (size_t i = 0; i < len; i++) {
		const struct json_object *o = json_object_array_get_idx(arr, i);
		struct alarm *a;
		bool skip;

		errno = EINVAL;
		a = load_alarm(o, &skip);
		if (skip)
			continue;
		if (!a)
			goto fail;
		if (find(as, a->type, a->resource)) {
			/* The same alarm twice: the first one stands. */
			alarm_free(a);
			continue;
		}
		if (insert(as, a) || act_append(as, a)) {
			if (a->all_at < as->n && as->all[a->all_at] == a)
				forget(as, a);
			else
				alarm_free(a);
			errno = ENOMEM;
			goto fail;
		}
		if (a->id > max_id)
			max_id = a->id;
		restored++;
	}
	/* the snapshot's order is not necessarily the ids' (none: no array) */
	if (as->nact)
		qsort(as->act, as->nact, sizeof(*as->act), by_id);
	for (size_t i = 0; i < as->nact; i++)
		as->act[i].a->act_at = i;
	if (max_id > as->last_id)
		as->last_id = max_id;
	return restored;
fail:
	while (as->n)
		forget(as, as->all[as->n - 1]);
	as->nact = 0;
	as->holes = 0;
	return -1;
}

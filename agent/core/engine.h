/* SPDX-License-Identifier: ISC */
/* The I/O-free core: component states, endpoints and incidents.
 *
 * The caller supplies every time: log time when replaying old files, the
 * wall clock in the live agent.  Each call reports what changed through the
 * sink given at creation, in order, before it returns. */
#ifndef CCM_ENGINE_H
#define CCM_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "agent/core/queue_latency.h"
#include "parsers/logline.h"
#include "parsers/timestamp.h"

/* Why a component is down, from the strongest evidence (doc/analysis-json.md
 * says what each means): a failed connect outranks a missing ACTIVE, which
 * outranks a bare loss.  Among failed connects the latest errno names it. */
enum ccm_cause {
	CCM_CAUSE_LOST = 0, /* left ACTIVE, no better explanation             */
	CCM_CAUSE_AUTH,     /* CONNECTED but not ACTIVE within auth_timeout   */
	CCM_CAUSE_REFUSED,  /* connects to its endpoint refused: (111)        */
	CCM_CAUSE_TIMEOUT,  /* connects to its endpoint timed out: (110)      */
	CCM_CAUSE_UNREACHABLE, /* no route, network down, name not resolved,
				* any other connect error                  */
	CCM_CAUSE_ROUTER_RESTART, /* a node's router restarted: its log was
				   * silent, then its components reconnected
				   * in a burst (a node's incident)         */
};
#define CCM_CAUSE_COUNT 6
/* "lost" "auth" "refused" "timeout" "unreachable" "router-restart" */
const char *ccm_cause_name(enum ccm_cause cause);

/* The cause a failed connect with the router's errno err points to. */
enum ccm_cause ccm_cause_of_errno(int err);

/* Where a line came from; file is owned by the caller and must outlive the
 * engine (the analyzer interns its input paths). */
struct ccm_srcpos {
	const char *file;
	uint64_t line;
};

/* The router runs on Linux: its "(111)" is ECONNREFUSED there, whatever
 * the errno numbering of the machine reading the log. */
#define CCM_ROUTER_ECONNREFUSED 111
#define CCM_ROUTER_ETIMEDOUT 110

/* Expressway's "Failed to connect to component X" this close after an
 * "Unable to connect to host H, port P" (another thread's line) binds X to
 * H:P. */
#define CCM_FAILED_PAIR_MS INT64_C(100)

struct ccm_endpoint {
	char *host;
	unsigned port;
	uint64_t attempts;        /* "Connecting on fd ..." lines             */
	uint64_t failures;        /* "Unable to connect ..." lines            */
	uint64_t refused;         /* of those, errno 111 (connection refused) */
	char *last_error;         /* "(111) Connection refused", or NULL      */
	int last_errno;           /* 111; valid with have_failure             */
	bool have_failure;
	ccm_ms last_failure;
};

struct ccm_incident {
	uint64_t id; /* 1, 2, ... in order of opening, engine-wide */
	ccm_ms start;
	ccm_ms end;  /* valid once closed */
	bool open;
	enum ccm_cause cause;
	struct ccm_srcpos start_pos, end_pos;
};

struct ccm_component {
	char *name;
	enum ccm_state state;
	ccm_ms last_change;
	struct ccm_srcpos change_pos;  /* the line of that change            */
	bool have_change;
	uint64_t transitions;
	uint64_t incidents;
	uint64_t connect_failures; /* failures seen on its endpoint or by name */
	ccm_ms downtime;           /* closed incidents, summed               */
	struct ccm_endpoint *endpoint; /* NULL until known                  */
	bool endpoint_configured;      /* from config: inference leaves it  */
	bool auth_pending;             /* CONNECTED, waiting for ACTIVE     */
	bool have_active;              /* has been ACTIVE ...               */
	ccm_ms active_at;              /* ... last became ACTIVE then       */
	ccm_ms auth_deadline;
	struct ccm_incident incident;  /* the current or last incident      */
	bool have_incident;
	struct ccm_qlat latency;    /* how long events wait on it         */
};

enum ccm_change_kind {
	CCM_CHANGE_TRANSITION,    /* state from -> to                        */
	CCM_CHANGE_INCIDENT_OPEN,
	CCM_CHANGE_INCIDENT_CAUSE, /* the open incident's cause changed      */
	CCM_CHANGE_INCIDENT_CLOSE,
	CCM_CHANGE_AUTH_TIMEOUT,  /* CONNECTED for auth_timeout, not ACTIVE  */
	CCM_CHANGE_ENDPOINT_BOUND, /* component now known to use endpoint    */
	CCM_CHANGE_LATENCY,       /* an event ended its wait on component    */
	CCM_CHANGE_RESTART,       /* a node's router restarted: component is
				   * the first of its burst, incident the
				   * node's (cause router-restart), spanning
				   * the silence                            */
};

struct ccm_change {
	enum ccm_change_kind kind;
	ccm_ms time;
	struct ccm_srcpos pos; /* line that caused it; file NULL for timers */
	const struct ccm_component *component;
	enum ccm_state from, to;                 /* TRANSITION */
	const struct ccm_incident *incident;     /* INCIDENT_*  */
	const struct ccm_endpoint *endpoint;     /* ENDPOINT_BOUND */
	ccm_ms wait;                             /* LATENCY */
	const char *node;                        /* RESTART: as the component
						  * names spell it */
};

typedef void ccm_change_fn(void *ctx, const struct ccm_change *change);

struct ccm_engine_config {
	ccm_ms auth_timeout;   /* default CCM_DEFAULT_AUTH_TIMEOUT */
	ccm_ms latency_window; /* default CCM_DEFAULT_LATENCY_WINDOW: the
				* figures of queue latency cover it */
	ccm_ms latency_pending_max; /* a queued event without its end this
				     * long is given up; default
				     * CCM_DEFAULT_LATENCY_PENDING_MAX */
	size_t max_components; /* components named only by the log tracked
				* at most; 0: no bound.  Those bound by
				* ccm_engine_bind() are always tracked */
	ccm_ms restart_silence; /* a router restart: no line this long ...  */
	ccm_ms restart_burst;   /* ... then components CONNECTED within this
				 * of each other; defaults
				 * CCM_DEFAULT_RESTART_SILENCE, _BURST */
};
#define CCM_DEFAULT_AUTH_TIMEOUT INT64_C(10000)
#define CCM_DEFAULT_LATENCY_WINDOW INT64_C(300000)
#define CCM_DEFAULT_LATENCY_PENDING_MAX INT64_C(600000)
/* The router's per-event queue wait (30 s, doc/ccmond.8): a log silent
 * that long is no pause of a busy router; a start connects every
 * component within milliseconds, 5 s leaves room for a slow host. */
#define CCM_DEFAULT_RESTART_SILENCE INT64_C(30000)
#define CCM_DEFAULT_RESTART_BURST INT64_C(5000)

struct ccm_engine;

struct ccm_engine *ccm_engine_new(const struct ccm_engine_config *config,
				  ccm_change_fn *fn, void *ctx);
void ccm_engine_free(struct ccm_engine *engine);

/* Declares that component uses host:port (from configuration). */
int ccm_engine_bind(struct ccm_engine *engine, const char *component,
		    const char *host, unsigned port);

/* Moves the clock to now, firing what falls due (auth timeouts) first,
 * and moves the latency windows on.
 * Times earlier than the engine's clock are treated as equal to it. */
void ccm_engine_advance(struct ccm_engine *engine, ccm_ms now);

/* Applies one recognised message at time t (advancing the clock first).
 * pos may be NULL (a message that came from no log line).
 * Returns 0, or -1 when out of memory. */
int ccm_engine_feed(struct ccm_engine *engine, ccm_ms t,
		    const struct ccm_logmsg *msg, const struct ccm_srcpos *pos);

ccm_ms ccm_engine_now(const struct ccm_engine *engine);

/* When ccm_engine_advance() next has something to fire (an auth timeout),
 * for the caller's timer.  Returns false when nothing is pending. */
bool ccm_engine_next_due(const struct ccm_engine *engine, ccm_ms *due);

/* Components and endpoints, sorted by name (ignoring case: one component
 * whatever the spelling, named as first seen or bound) / host:port. */
size_t ccm_engine_components(const struct ccm_engine *engine,
			     const struct ccm_component *const **out);
size_t ccm_engine_endpoints(const struct ccm_engine *engine,
			    const struct ccm_endpoint *const **out);

/* Components whose name is not fit to show as it is (control characters,
 * bytes that are not UTF-8, over CCM_TEXT_RESOURCE_MAX bytes: see
 * agent/util/text_clean.h), counted once each when first named. */
uint64_t ccm_engine_names_cleaned(const struct ccm_engine *engine);

/* The queue-latency window of the engine, and a new one (a reload). */
ccm_ms ccm_engine_latency_window(const struct ccm_engine *engine);
void ccm_engine_set_latency_window(struct ccm_engine *engine, ccm_ms window);

/* The bound on components named only by the log (a reload; 0: none).
 * Lines about a new name past it are not applied, only counted: a flood
 * of names costs no memory. */
void ccm_engine_set_max_components(struct ccm_engine *engine, size_t max);
/* How a router restart is told (a reload; 0: the default). */
void ccm_engine_set_restart(struct ccm_engine *engine, ccm_ms silence,
			    ccm_ms burst);

/* Lines not applied since the start because of that bound. */
uint64_t ccm_engine_untracked(const struct ccm_engine *engine);
/* Is the bound reached (no new name from the log is tracked)? */
bool ccm_engine_full(const struct ccm_engine *engine);

/* The state c counts as for what users suffer: a CONNECTED outside an
 * incident (waiting for its ACTIVE within auth_timeout, as at every router
 * start) is neither down nor up: CCM_STATE_UNKNOWN. */
enum ccm_state ccm_component_judged_state(const struct ccm_component *c);

/* The component of that name (ignoring case), or NULL; name may be NULL. */
const struct ccm_component *ccm_engine_component(const struct ccm_engine *engine,
						 const char *name);

/* The endpoint host[0..n):port, or NULL; host may be NULL.  Exact match:
 * the router writes an address the same way each time. */
const struct ccm_endpoint *ccm_engine_endpoint(const struct ccm_engine *engine,
					       const char *host, size_t n,
					       unsigned port);

#endif

/* SPDX-License-Identifier: ISC */
/* The monitor's insides, shared by its files and by nothing else:
 *   monitor.c          life cycle, outputs, reconfiguration, what it shows
 *   monitor_inputs.c   inputs and the clock: lines, log events, probe
 *                      reports, time passing, the first look complete
 *   monitor_eval.c     conditions of components, endpoints, names no
 *                      [server] configures, router restarts
 *   monitor_impact.c   what users suffer: server status, impact alarms,
 *                      the severity of component-down
 *   monitor_trace.c    why it decided what it did (agent/core/trace.h)
 * agent/core/monitor.h says what it watches and what it gives. */
#ifndef CCM_CORE_MONITOR_IMPL_H
#define CCM_CORE_MONITOR_IMPL_H

#include "agent/core/latency_watch.h"
#include "agent/core/monitor.h"
#include "agent/core/reachable.h"
#include "agent/core/trace.h"

struct server_state {
	const struct ccm_server *srv;
	struct ccm_probe_stats stats;
	/* its component, looked up by name once the engine knows it:
	 * components live as long as the engine (mon_server_component) */
	const struct ccm_component *comp;
};

struct endpoint_state {
	const struct ccm_endpoint *ep;
	bool have_ok;
	ccm_ms last_ok; /* a connection to it last succeeded */
};

struct pattern_state {
	const char *pattern;
	ccm_ms last_growth;
};

/* Names no [server] configures, per node: the down ones make one
 * unknown-components alarm, the ones past max_components one
 * too-many-components alarm, so that a flood of names is no flood of
 * alarms. */
struct node_state {
	const char *node;   /* the configuration's string, or "local" */
	char *dashed;       /* as component names spell it */
	const struct ccm_component **down; /* by name, ignoring case */
	size_t ndown, capdown;
	uint64_t untracked; /* lines about names past the bound */
};

/* A router restart of a node: the xcp-router-restart alarm holds from the
 * burst to until (ccmond(8): an event, raised then cleared). */
struct restart_state {
	char *resource; /* the node, as node_state names it */
	ccm_ms until;
	bool pending;   /* said by the engine, not yet given to the alarms */
	char text[CCM_ALARM_TEXT_MAX];
};

struct ccm_monitor {
	const struct ccm_config *cfg;
	struct ccm_engine *engine;
	struct ccm_alarms *alarms;
	bool synced;
	bool live_input;   /* the input being applied is news, not replay */
	ccm_ms log_time;   /* ... and the time its line carries */
	bool drift_warned;
	ccm_ms now;
	ccm_ms wall_offset; /* the wall clock minus now: for what is said */
	struct server_state *servers;
	size_t nservers;
	size_t comps_looked; /* the engine's component count when the
			      * servers' comp were last looked up */
	struct endpoint_state *eps;
	size_t neps, capeps;
	struct pattern_state *patterns;
	size_t npatterns;
	const struct ccm_component **dirty; /* changed by the current input */
	size_t ndirty, capdirty;
	struct ccm_out *outs;
	size_t nouts, capouts;
	bool outs_taken;   /* outs were handed out: free them on next use */
	bool messaging_blocked; /* in some scope, at the last evaluation */
	struct ccm_impact *impacts; /* per scope, at the last evaluation */
	size_t nimpacts;
	bool have_impact_due;
	ccm_ms impact_due; /* the impact changes by itself then */
	struct ccm_latency_watch *latency; /* queue-latency-high verdicts */
	struct node_state *nodes; /* the agent's node first */
	size_t nnodes;
	struct restart_state *restarts; /* one per node that restarted */
	size_t nrestarts;
	/* what the last run proved reachable (agent/core/reachable.h) */
	struct ccm_reachable_set saved_ok;
	/* why it decided (monitor_trace.c); fn NULL: off */
	struct ccm_trace trace;
	uint64_t transitions;       /* TRANSITION changes heard */
	struct mon_traced *traced;  /* what each alarm was last seen doing */
	size_t ntraced;
	unsigned *impact_sig;       /* each scope's last verdicts */
	size_t nimpact_sig;
};

/* monitor.c: outputs */
__attribute__((format(printf, 3, 4)))
void mon_note(struct ccm_monitor *m, int priority, const char *fmt, ...);
const struct ccm_server *mon_server_of(const struct ccm_monitor *m,
				       const char *component);

/* monitor_inputs.c: the engine's changes (its sink) */
void mon_on_change(void *ctx, const struct ccm_change *ch);

/* monitor_eval.c: conditions */
/* Server i's component, or NULL while the engine has none of its name;
 * a lookup only when components were added since mon_look_up_servers. */
const struct ccm_component *mon_server_component(const struct ccm_monitor *m,
						 size_t i);
/* Looks up the servers' components again when the engine has new ones. */
void mon_look_up_servers(struct ccm_monitor *m);
struct endpoint_state *mon_endpoint_state(struct ccm_monitor *m,
					  const struct ccm_endpoint *ep);
void mon_eval_endpoint(struct ccm_monitor *m, const struct ccm_endpoint *ep,
		       ccm_ms t);
void mon_eval_latency(struct ccm_monitor *m, const struct ccm_component *c,
		      ccm_ms t);
/* " (10.0.0.5:7999: (111) Connection refused)", or "" */
void mon_endpoint_phrase(const struct ccm_component *c, char *buf,
			 size_t len);
void mon_eval_component(struct ccm_monitor *m, const struct ccm_component *c,
			ccm_ms t);
void mon_mark_dirty(struct ccm_monitor *m, const struct ccm_component *c);
void mon_eval_dirty(struct ccm_monitor *m, ccm_ms t);
void mon_note_restart(struct ccm_monitor *m, const struct ccm_change *ch);
void mon_eval_restarts(struct ccm_monitor *m, ccm_ms now);
/* names no [server] configures, per node */
struct node_state *mon_node_of(struct ccm_monitor *m, const char *name,
			       size_t n);
bool mon_set_down(struct ccm_monitor *m, struct node_state *ns,
		  const struct ccm_component *c, bool down);
void mon_eval_unknown(struct ccm_monitor *m, const struct node_state *ns,
		      ccm_ms t);
void mon_eval_untracked(struct ccm_monitor *m, const struct node_state *ns,
			ccm_ms t);
int mon_build_nodes(struct ccm_monitor *m, const struct ccm_config *cfg);
void mon_free_nodes(struct ccm_monitor *m);

/* monitor_impact.c: what users suffer */
void mon_judge_down(struct ccm_monitor *m, const struct ccm_component *c,
		    const char *ep, ccm_ms t,
		    const struct ccm_server_status *given);
void mon_eval_impact(struct ccm_monitor *m, ccm_ms now);

/* monitor_trace.c: why (agent/core/trace.h) */
static inline bool mon_tracing(const struct ccm_monitor *m)
{
	return m->trace.fn != NULL;
}
/* ccm_alarms_set() and ccm_alarms_set_judged(), traced */
void mon_alarm_set(struct ccm_monitor *m, enum ccm_alarm_type type,
		   const char *res, bool cond, ccm_ms t, const char *text);
void mon_alarm_set_judged(struct ccm_monitor *m, enum ccm_alarm_type type,
			  const char *res, bool cond, ccm_ms t,
			  const char *text, enum ccm_alarm_severity sev,
			  unsigned phase);
/* A decision as it comes out of the alarms; withheld: never sent */
void mon_trace_decision(struct ccm_monitor *m,
			const struct ccm_alarm_decision *d, bool withheld);
/* The verdicts of scope k of nscopes, said when they change */
void mon_trace_impact(struct ccm_monitor *m, size_t k, size_t nscopes,
		      const struct ccm_impact *imp,
		      const struct ccm_impact_alarms *on,
		      const unsigned phase[3]);
void mon_trace_free(struct ccm_monitor *m);

#endif

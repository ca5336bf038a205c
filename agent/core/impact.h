/* SPDX-License-Identifier: ISC */
/* What users suffer while compliance servers are unreachable
 * (doc/domain.md, "Event classes" to "Situations and their impact").
 *
 * Pure code: the caller gives the configuration, the state of every
 * configured server's component (with when it went down and how) and the
 * time; out comes, per scope (the cluster, or each node in per-node mode),
 * what happens to each class of events.
 *
 * The rules, from the vendor's text:
 * - IM&P waits for a server's answer to every event of its profile that is
 *   not fire-and-forget.  Profiles sharing an event are visited in
 *   priority order, and an event stuck at one never reaches the next: the
 *   chain is as good as its worst link.
 * - A profile assigned to several servers (a balanced set) spreads users
 *   over them: while some are down and some up, only the down servers'
 *   share of users suffers (reach "some"), until that share is re-routed:
 *   to a live server on the same node at once after a graceful loss and
 *   after queue_window after an ungraceful one; when the live servers are
 *   all on other nodes, after reroute_after.  With every server of the profile down, everyone suffers
 *   (reach "all").
 * - Messages and group chat are blocked: after an ungraceful loss the
 *   router still queues each event up to queue_wait for queue_window, then
 *   bounces at once; after a graceful one it bounces at once.
 * - Logins are delayed up to queue_wait after an ungraceful loss (not
 *   after a graceful one) and pass unlogged; logouts pass at once,
 *   unlogged; presence updates are delayed after an ungraceful loss.
 * - Fire-and-forget events to a down server pass, unlogged.
 * A component the log has not named (unknown) is not down: ccmon does not
 * claim an outage it has not seen.  Nor is it live when its node's log is
 * not followed at all: a profile's other servers then carry its load
 * alone as far as ccmon can tell, and the text names it as unknown.  Only configured servers are judged:
 * without its profile, what a component's loss does is unknown (its own
 * component-down alarm says it is down). */
#ifndef CCM_IMPACT_H
#define CCM_IMPACT_H

#include <stdbool.h>
#include <stddef.h>

#include "parsers/config.h"
#include "parsers/logline.h"
#include "parsers/timestamp.h"

/* The vendor's constants, the defaults of ccmon.conf's queue_wait,
 * queue_window and reroute_after (doc/domain.md "Queueing, bounce and
 * re-routing windows"). */
#define CCM_QUEUE_WAIT INT64_C(30000)
#define CCM_QUEUE_WINDOW INT64_C(300000)
#define CCM_REROUTE_AFTER INT64_C(120000)

enum ccm_event_class {
	CCM_CLASS_MESSAGE = 0, /* es_IN / es_OUT, message or all packets  */
	CCM_CLASS_GROUPCHAT,   /* any TC event                            */
	CCM_CLASS_LOGIN,       /* e_SESSION                               */
	CCM_CLASS_LOGOUT,      /* es_END                                  */
	CCM_CLASS_PRESENCE,    /* es_IN / es_OUT, presence or all packets */
	CCM_NCLASSES
};
const char *ccm_event_class_name(enum ccm_event_class c); /* "message" */

/* Which class an event of a profile belongs to; false for none of them
 * (e.g. e_AUTH). */
bool ccm_event_class_of(const struct ccm_event *e, enum ccm_event_class *out);

/* Does the profile make IM&P wait for the server's answer to messages? */
bool ccm_profile_waits_for_messages(const struct ccm_profile *profile);

struct ccm_impact_timing {
	ccm_ms queue_wait, queue_window, reroute_after;
};

/* One configured server's component as last seen. */
struct ccm_server_status {
	enum ccm_state state;
	ccm_ms down_since;   /* when it left ACTIVE; valid when down */
	bool graceful;       /* the loss was graceful: the host refuses
			      * connections (its service stopped), rather
			      * than silence (host or network gone) */
	bool pending;        /* too recent to tell: no sign of either yet.
			      * Judged graceful for re-routing (no claim
			      * that some users wait) and ungraceful for
			      * queueing (the worst delay), until the
			      * caller knows */
	bool unknown;        /* never named, and on a node whose log ccmon
			      * does not follow: counted as unavailable,
			      * never as live (nothing says it is up), and
			      * not down either (nothing says it is) */
	bool hung;           /* ACTIVE but not answering: events wait
			      * queue_wait and bounce (the router's bounce
			      * lines say so); down for the impact, with
			      * no end to the queueing and no re-routing
			      * (the router sees nothing wrong).  state is
			      * ACTIVE, down_since the first such bounce */
};

enum ccm_reach {
	CCM_REACH_NONE = 0,
	CCM_REACH_SOME,  /* the share of the users on the down servers */
	CCM_REACH_ALL,
};
const char *ccm_reach_name(enum ccm_reach r); /* "none" "some" "all" */

/* What happens to one class of events in one scope. */
struct ccm_class_impact {
	enum ccm_reach reach;     /* who waits for a down server          */
	ccm_ms since;             /* when it began (the first loss)       */
	bool queueing;            /* events are queued up to queue_wait,
				   * then bounced (blocked classes) or
				   * passed (delayed ones) ...            */
	ccm_ms queue_until;       /* ... until then; 0 when not queueing  */
	ccm_ms reroute_at;        /* reach some: when the share moves to
				   * the live servers; 0: never (or n/a)  */
	bool unlogged;            /* the events pass without logging      */
	ccm_ms worst_delay;       /* the longest a user waits for the
				   * outcome: queue_wait while queueing   */
	bool pending;             /* a cause is too recent to tell
				   * graceful from ungraceful             */
	bool hung;                /* a cause is ACTIVE but not answering  */
	ccm_ms phase_since;       /* when the current phase (queueing or
				   * bounced at once) began by the model:
				   * the loss, or the end of the queueing
				   * window; evidence that comes later
				   * moves it back, not forward           */
};

#define CCM_IMPACT_NAMES_MAX 512

struct ccm_impact {
	const char *scope;        /* "cluster" or a node FQDN             */
	struct ccm_class_impact classes[CCM_NCLASSES];
	bool logging_lost;        /* events pass unlogged: fire-and-forget
				   * to a down server, logins, logouts    */
	ccm_ms logging_lost_since;
	unsigned ff_unlogged;     /* classes (1 << c) that pass unlogged:
				   * fire-and-forget to a down server     */
	char profiles[CCM_IMPACT_NAMES_MAX]; /* "EthicalWall, ImLogging"  */
	char servers[CCM_IMPACT_NAMES_MAX];  /* down servers that matter  */
	char nodes[CCM_IMPACT_NAMES_MAX];    /* their nodes               */
	char unknown[CCM_IMPACT_NAMES_MAX];  /* servers of those profiles
					      * whose state is unknown    */
};

/* The scopes of config: "cluster" (one), or each node with a server in
 * per-node mode.  Returns their number; names are the config's strings. */
size_t ccm_impact_scopes(const struct ccm_config *config,
			 const char **out, size_t max);

/* ccm_server_status.unknown for server s in that state. */
bool ccm_server_unknown(const struct ccm_config *config,
			const struct ccm_server *s, enum ccm_state state);

/* The impact in scope at now; status[i] is config->servers[i]'s. */
void ccm_impact_eval(const struct ccm_config *config,
		     const struct ccm_impact_timing *timing,
		     const struct ccm_server_status *status, const char *scope,
		     ccm_ms now, struct ccm_impact *out);

/* The next time after now at which the impact changes by itself (a
 * queueing window ends, a share is re-routed); false when none. */
bool ccm_impact_next_change(const struct ccm_impact *impact, ccm_ms now,
			    ccm_ms *when);

/* The user-facing conditions (alarm types of agent/core/alarm.h) an impact
 * makes true, with a text naming profiles, servers, nodes and the phase. */
struct ccm_impact_alarms {
	bool messaging_blocked, group_chat_blocked, messaging_degraded,
	     logging_lost;
};
void ccm_impact_alarms(const struct ccm_impact *impact,
		       struct ccm_impact_alarms *out);
/* The text of one of them: "IM is blocked for every user: ..." */
void ccm_impact_text(const struct ccm_impact *impact, const char *which,
		     char *buf, size_t len);

/* What users see, by the columns of the vendor's table (doc/domain.md
 * "Situations and their impact"): the effects an impact has. */
enum ccm_effect {
	CCM_EFFECT_IM_BLOCKED = 0,    /* "im-blocked": some or every user  */
	CCM_EFFECT_GROUP_CHAT_BLOCKED, /* "group-chat-blocked"             */
	CCM_EFFECT_LOGINS_DELAYED,    /* "logins-delayed": up to queue_wait */
	CCM_EFFECT_LOGINS_UNLOGGED,   /* "logins-unlogged"                 */
	CCM_EFFECT_PRESENCE_DELAYED,  /* "presence-delayed"                */
	CCM_EFFECT_IM_UNLOGGED,       /* "im-unlogged": IM flows, unlogged */
	CCM_NEFFECTS
};
const char *ccm_effect_name(enum ccm_effect e);
/* The effects of an impact, a set of (1u << enum ccm_effect). */
unsigned ccm_impact_effects(const struct ccm_impact *impact);
/* "im-blocked, logins-delayed" (in enum order; "" for none). */
void ccm_effects_format(unsigned effects, char *buf, size_t len);

/* What the loss of one configured server does to users, judged alone
 * (the others as they are): the severity of its component-down alarm.
 * ccmond(8), "What each alarm means for users". */
enum ccm_loss {
	CCM_LOSS_BLOCKS = 0, /* IM or group chat blocked for every user of
			      * its scope: critical                      */
	CCM_LOSS_DEGRADES,   /* some users blocked until re-routed, or
			      * logins / presence delayed: major         */
	CCM_LOSS_LOGGING,    /* events pass unlogged, IM flows: major     */
	CCM_LOSS_ABSORBED,   /* its share re-routed, or no event waits on
			      * it: nobody affected, warning             */
};
struct ccm_server_impact {
	enum ccm_loss loss;
	unsigned effects;         /* as ccm_impact_effects()             */
	struct ccm_impact impact; /* its scope, with its causes only     */
	char peers[CCM_IMPACT_NAMES_MAX]; /* live servers of its profile */
	bool at_once;             /* graceful (or not known yet): its share
				   * moved the moment it was lost         */
	bool unused;              /* its profile has no event users see   */
};
void ccm_impact_server(const struct ccm_config *config,
		       const struct ccm_impact_timing *timing,
		       const struct ccm_server_status *status, size_t server,
		       ccm_ms now, struct ccm_server_impact *out);
/* "IM blocked for every user of the cluster; each is bounced at once;
 * effects: im-blocked, logins-unlogged" */
void ccm_server_impact_text(const struct ccm_server_impact *si,
			    char *buf, size_t len);

/* Is IM blocked for every user in some scope (the messaging-blocked
 * condition), judging by the engine's components?  For
 * ccmonMessagingBlocked, which must agree with the alarm: the reach of a
 * class depends only on which components are down. */
struct ccm_engine;
bool ccm_impact_messaging_blocked(const struct ccm_engine *engine,
				  const struct ccm_config *config);

#endif

/* SPDX-License-Identifier: ISC */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agent/engine.h"
#include "agent/impact.h"
#include "parsers/duration.h"

static const char *const class_names[CCM_NCLASSES] = {
	[CCM_CLASS_MESSAGE] = "message",
	[CCM_CLASS_GROUPCHAT] = "group chat",
	[CCM_CLASS_LOGIN] = "login",
	[CCM_CLASS_LOGOUT] = "logout",
	[CCM_CLASS_PRESENCE] = "presence",
};

const char *ccm_event_class_name(enum ccm_event_class c)
{
	return (unsigned)c < CCM_NCLASSES ? class_names[c] : "?";
}

const char *ccm_reach_name(enum ccm_reach r)
{
	return r == CCM_REACH_ALL ? "all" : r == CCM_REACH_SOME ? "some" :
								   "none";
}

static bool packet_has(enum ccm_packet p, enum ccm_packet want)
{
	return p == CCM_PACKET_ALL || p == want;
}

/* A profile can list one event in several entries (one per packet type):
 * an event may belong to two classes (es_IN for messages and presence),
 * so the caller asks class by class. */
static bool event_in_class(const struct ccm_event *e, enum ccm_event_class c)
{
	if (e->type == CCM_EVENT_TC)
		return c == CCM_CLASS_GROUPCHAT;
	if (!strcmp(e->name, "e_SESSION"))
		return c == CCM_CLASS_LOGIN;
	if (!strcmp(e->name, "es_END"))
		return c == CCM_CLASS_LOGOUT;
	if (!strcmp(e->name, "es_IN") || !strcmp(e->name, "es_OUT"))
		return (c == CCM_CLASS_MESSAGE &&
			packet_has(e->packet, CCM_PACKET_MESSAGE)) ||
		       (c == CCM_CLASS_PRESENCE &&
			packet_has(e->packet, CCM_PACKET_PRESENCE));
	return false;
}

bool ccm_event_class_of(const struct ccm_event *e, enum ccm_event_class *out)
{
	for (unsigned c = 0; c < CCM_NCLASSES; c++) {
		if (event_in_class(e, (enum ccm_event_class)c)) {
			*out = (enum ccm_event_class)c;
			return true;
		}
	}
	return false;
}

/* Does profile have an event of class c, waited for (ff false) or
 * fire-and-forget (ff true)? */
static bool profile_has(const struct ccm_profile *p, enum ccm_event_class c,
			bool ff)
{
	/* no profile: SystemDefaultComplianceProfile's events, all waited
	 * for (e_SESSION, es_END, es_IN and es_OUT for messages, TC) */
	if (!p)
		return !ff && c != CCM_CLASS_PRESENCE;
	for (size_t i = 0; i < p->nevents; i++)
		if (p->events[i].fire_and_forget == ff &&
		    event_in_class(&p->events[i], c))
			return true;
	return false;
}

bool ccm_profile_waits_for_messages(const struct ccm_profile *profile)
{
	return profile_has(profile, CCM_CLASS_MESSAGE, false);
}

/* ---- scopes --------------------------------------------------------------- */

size_t ccm_impact_scopes(const struct ccm_config *config, const char **out,
			 size_t max)
{
	size_t n = 0;

	if (config->agent.compliance != CCM_COMPLIANCE_NODE) {
		if (max)
			out[0] = "cluster";
		return 1;
	}
	/* each node once, in the order of its first server */
	for (size_t i = 0; i < config->nservers; i++) {
		const char *node = config->servers[i].node;
		bool seen = false;

		for (size_t j = 0; node && j < i; j++)
			seen |= config->servers[j].node &&
				!strcasecmp(config->servers[j].node, node);
		if (!node || seen)
			continue;
		if (n < max)
			out[n] = node;
		n++;
	}
	return n;
}

static bool in_scope(const struct ccm_config *config,
		     const struct ccm_server *s, const char *scope)
{
	return config->agent.compliance != CCM_COMPLIANCE_NODE ||
	       (s->node && !strcasecmp(s->node, scope));
}

/* ---- evaluation ----------------------------------------------------------- */

static bool is_down(const struct ccm_server_status *st)
{
	return st->state == CCM_STATE_CONNECTED || st->state == CCM_STATE_GONE;
}

static bool is_up(const struct ccm_server_status *st)
{
	return st->state == CCM_STATE_ACTIVE;
}

static void append_name(char *list, const char *name)
{
	size_t len = strlen(list), nl = strlen(name);
	const char *p = list;

	/* once each */
	while ((p = strstr(p, name)) != NULL) {
		if ((p == list || p[-1] == ' ') &&
		    (p[nl] == ',' || p[nl] == '\0'))
			return;
		p += nl;
	}
	if (len + nl + 3 >= CCM_IMPACT_NAMES_MAX)
		return;
	snprintf(list + len, CCM_IMPACT_NAMES_MAX - len, "%s%s",
		 len ? ", " : "", name);
}

struct eval {
	const struct ccm_config *config;
	const struct ccm_impact_timing *timing;
	const struct ccm_server_status *status;
	const char *scope;
	ccm_ms now;
	struct ccm_impact *out;
};

/* Is a live server of profile p on the node of down server s? */
static bool live_peer_on_node(const struct eval *ev,
			      const struct ccm_profile *p,
			      const struct ccm_server *s)
{
	const struct ccm_config *cfg = ev->config;

	for (size_t i = 0; i < cfg->nservers; i++) {
		const struct ccm_server *o = &cfg->servers[i];

		if (o != s && o->profile == p && in_scope(cfg, o, ev->scope) &&
		    is_up(&ev->status[i]) && o->node && s->node &&
		    !strcasecmp(o->node, s->node))
			return true;
	}
	return false;
}

/* When the share of a down server of a balanced set moves to the live
 * ones: on its node, at once after a graceful loss and after the queueing
 * window after an ungraceful one; to another node, after reroute_after. */
static ccm_ms reroute_time(const struct eval *ev, const struct ccm_profile *p,
			   size_t i)
{
	const struct ccm_server_status *st = &ev->status[i];

	if (!live_peer_on_node(ev, p, &ev->config->servers[i]))
		return st->down_since + ev->timing->reroute_after;
	return st->graceful || st->pending ?
		       st->down_since :
		       st->down_since + ev->timing->queue_window;
}

/* A down server i of profile p holds up events of class c: fold it into
 * the class's impact. */
static void add_cause(struct eval *ev, enum ccm_event_class c,
		      const struct ccm_profile *p, size_t i,
		      enum ccm_reach reach, ccm_ms reroute_at)
{
	struct ccm_class_impact *ci = &ev->out->classes[c];
	const struct ccm_server_status *st = &ev->status[i];
	const struct ccm_server *s = &ev->config->servers[i];
	ccm_ms window_end = st->down_since + ev->timing->queue_window;
	bool first = ci->reach == CCM_REACH_NONE;

	if (reach > ci->reach)
		ci->reach = reach;
	if (first || st->down_since < ci->since)
		ci->since = st->down_since;
	if (reach == CCM_REACH_SOME && reroute_at > ci->reroute_at)
		ci->reroute_at = reroute_at;
	if (!st->graceful) {
		/* the router queues while it still hopes for the
		 * connection: logins for as long as it is down */
		if (c == CCM_CLASS_LOGIN) {
			ci->queueing = true;
		} else if (c != CCM_CLASS_LOGOUT && ev->now < window_end) {
			ci->queueing = true;
			if (window_end > ci->queue_until)
				ci->queue_until = window_end;
		}
	}
	append_name(ev->out->profiles, p ? p->name :
				       "SystemDefaultComplianceProfile");
	append_name(ev->out->servers, s->name);
	if (s->node)
		append_name(ev->out->nodes, s->node);
}

static void eval_class(struct eval *ev, enum ccm_event_class c)
{
	const struct ccm_config *cfg = ev->config;
	struct ccm_class_impact *ci = &ev->out->classes[c];

	/* the profiles in priority order, then servers without one (the
	 * built-in profile's, in a configuration built by hand) */
	for (size_t pi = 0; pi <= cfg->nprofiles; pi++) {
		const struct ccm_profile *p =
			pi < cfg->nprofiles ? &cfg->profiles[pi] : NULL;
		bool waited = profile_has(p, c, false);
		bool ff = profile_has(p, c, true);
		size_t nservers = 0, nlive = 0;

		if (!waited && !ff)
			continue;
		for (size_t i = 0; i < cfg->nservers; i++) {
			if (cfg->servers[i].profile != p ||
			    !in_scope(cfg, &cfg->servers[i], ev->scope))
				continue;
			nservers++;
			nlive += !is_down(&ev->status[i]);
		}
		if (!nservers || nlive == nservers)
			continue;
		for (size_t i = 0; i < cfg->nservers; i++) {
			const struct ccm_server_status *st = &ev->status[i];
			ccm_ms reroute;

			if (cfg->servers[i].profile != p ||
			    !in_scope(cfg, &cfg->servers[i], ev->scope) ||
			    !is_down(st))
				continue;
			if (ff && !waited) {
				/* passes, unlogged */
				if (!ev->out->logging_lost ||
				    st->down_since <
					    ev->out->logging_lost_since)
					ev->out->logging_lost_since =
						st->down_since;
				ev->out->logging_lost = true;
				append_name(ev->out->profiles, p ? p->name :
						"SystemDefaultComplianceProfile");
				append_name(ev->out->servers,
					    cfg->servers[i].name);
				continue;
			}
			if (!nlive) {
				add_cause(ev, c, p, i, CCM_REACH_ALL, 0);
				continue;
			}
			reroute = reroute_time(ev, p, i);
			if (ev->now < reroute)
				add_cause(ev, c, p, i, CCM_REACH_SOME, reroute);
		}
	}
	if (ci->reach == CCM_REACH_NONE)
		return;
	ci->unlogged = c == CCM_CLASS_LOGIN || c == CCM_CLASS_LOGOUT;
	ci->worst_delay = ci->queueing ? ev->timing->queue_wait : 0;
	if (ci->unlogged && (!ev->out->logging_lost ||
			     ci->since < ev->out->logging_lost_since)) {
		ev->out->logging_lost = true;
		ev->out->logging_lost_since = ci->since;
	}
}

void ccm_impact_eval(const struct ccm_config *config,
		     const struct ccm_impact_timing *timing,
		     const struct ccm_server_status *status, const char *scope,
		     ccm_ms now, struct ccm_impact *out)
{
	struct eval ev = { config, timing, status, scope, now, out };

	memset(out, 0, sizeof(*out));
	out->scope = scope;
	for (unsigned c = 0; c < CCM_NCLASSES; c++)
		eval_class(&ev, (enum ccm_event_class)c);
}

bool ccm_impact_next_change(const struct ccm_impact *impact, ccm_ms now,
			    ccm_ms *when)
{
	bool any = false;

	for (unsigned c = 0; c < CCM_NCLASSES; c++) {
		const struct ccm_class_impact *ci = &impact->classes[c];
		const ccm_ms t[2] = { ci->queue_until, ci->reroute_at };

		for (unsigned k = 0; k < 2; k++) {
			if (t[k] > now && (!any || t[k] < *when)) {
				*when = t[k];
				any = true;
			}
		}
	}
	return any;
}

/* ---- alarms ---------------------------------------------------------------- */

void ccm_impact_alarms(const struct ccm_impact *im,
		       struct ccm_impact_alarms *out)
{
	const struct ccm_class_impact *msg = &im->classes[CCM_CLASS_MESSAGE];
	const struct ccm_class_impact *gc = &im->classes[CCM_CLASS_GROUPCHAT];
	const struct ccm_class_impact *in = &im->classes[CCM_CLASS_LOGIN];

	out->messaging_blocked = msg->reach == CCM_REACH_ALL;
	out->group_chat_blocked = gc->reach == CCM_REACH_ALL;
	out->messaging_degraded =
		!out->messaging_blocked &&
		(msg->reach == CCM_REACH_SOME || gc->reach == CCM_REACH_SOME ||
		 (in->reach != CCM_REACH_NONE && in->queueing));
	out->logging_lost = im->logging_lost && !out->messaging_blocked;
}

static const char *hms(ccm_ms t, char buf[static CCM_TIME_STRLEN])
{
	/* "YYYY-MM-DDTHH:MM:SS.mmm": the time of day, to the second */
	ccm_time_format(t, buf);
	buf[19] = '\0';
	return buf + 11;
}

/* "queued up to 30s and then bounced until 10:15:00, then bounced at
 * once" / "bounced at once" */
static void phase(const struct ccm_class_impact *ci, ccm_ms wait,
		  const char *outcome, char *buf, size_t len)
{
	char t[CCM_TIME_STRLEN], d[CCM_DURATION_STRLEN];

	if (ci->queueing && ci->queue_until)
		snprintf(buf, len, "each waits up to %s, then is %s, until %s;"
			 " after that %s at once",
			 ccm_duration_format_short(wait, d), outcome,
			 hms(ci->queue_until, t), outcome);
	else if (ci->queueing)
		snprintf(buf, len, "each waits up to %s, then is %s",
			 ccm_duration_format_short(wait, d), outcome);
	else
		snprintf(buf, len, "%s at once", outcome);
}

void ccm_impact_text(const struct ccm_impact *im, const char *which,
		     char *buf, size_t len)
{
	const struct ccm_class_impact *msg = &im->classes[CCM_CLASS_MESSAGE];
	const struct ccm_class_impact *gc = &im->classes[CCM_CLASS_GROUPCHAT];
	const struct ccm_class_impact *in = &im->classes[CCM_CLASS_LOGIN];
	ccm_ms wait = msg->worst_delay ? msg->worst_delay :
		      gc->worst_delay ? gc->worst_delay : in->worst_delay;
	char ph[256], t[CCM_TIME_STRLEN];
	const char *who = !strcmp(im->scope, "cluster") ? "the cluster" :
							   im->scope;

	if (!strcmp(which, "messaging-blocked")) {
		phase(msg, wait ? wait : CCM_QUEUE_WAIT, "bounced", ph,
		      sizeof(ph));
		snprintf(buf, len, "instant messages are blocked for every "
			 "user of %s since %s: profile %s waits on server %s "
			 "(%s), which is down; %s", who, hms(msg->since, t),
			 im->profiles, im->servers, im->nodes, ph);
	} else if (!strcmp(which, "group-chat-blocked")) {
		phase(gc, wait ? wait : CCM_QUEUE_WAIT, "bounced", ph,
		      sizeof(ph));
		snprintf(buf, len, "group chat is blocked for every user of "
			 "%s since %s: profile %s waits on server %s (%s), "
			 "which is down; %s", who, hms(gc->since, t),
			 im->profiles, im->servers, im->nodes, ph);
	} else if (!strcmp(which, "messaging-degraded")) {
		const struct ccm_class_impact *ci =
			msg->reach == CCM_REACH_SOME ? msg :
			gc->reach == CCM_REACH_SOME ? gc : in;
		char r[CCM_TIME_STRLEN];

		if (ci == in)
			snprintf(buf, len, "logins in %s are delayed up to %s "
				 "and not logged since %s: profile %s waits "
				 "on server %s (%s), which is down", who,
				 ccm_duration_format_short(in->worst_delay, ph),
				 hms(in->since, t), im->profiles, im->servers,
				 im->nodes);
		else
			snprintf(buf, len, "%s of some users of %s fail since"
				 " %s: server %s (%s) of balanced profile %s is"
				 " down; %s", ci == msg ? "instant messages" :
				 "group chat", who, hms(ci->since, t),
				 im->servers, im->nodes, im->profiles,
				 ci->reroute_at ?
				 (snprintf(ph, sizeof(ph), "their share moves "
					   "to the live servers at %s",
					   hms(ci->reroute_at, r)), ph) :
				 "until it is back");
	} else {
		snprintf(buf, len, "compliance logging is lost in %s since %s:"
			 " events pass unlogged while server %s (%s) of "
			 "profile %s is down", who,
			 hms(im->logging_lost_since, t), im->servers,
			 im->nodes, im->profiles);
	}
}

/* ---- the scalar ------------------------------------------------------------- */

bool ccm_impact_messaging_blocked(const struct ccm_engine *engine,
				  const struct ccm_config *config)
{
	const struct ccm_impact_timing timing = {
		CCM_QUEUE_WAIT, CCM_QUEUE_WINDOW, CCM_REROUTE_AFTER,
	};
	struct ccm_server_status *st;
	const char **scopes;
	bool blocked = false;
	size_t nscopes;

	if (!config || !config->nservers)
		return false;
	nscopes = ccm_impact_scopes(config, NULL, 0);
	st = calloc(config->nservers, sizeof(*st));
	scopes = calloc(nscopes + 1, sizeof(*scopes));
	if (!st || !scopes) {
		free(st);
		free(scopes);
		return false;
	}
	for (size_t i = 0; engine && i < config->nservers; i++) {
		const struct ccm_component *c = ccm_engine_component(
			engine, config->servers[i].component);

		st[i].state = c ? ccm_component_judged_state(c) :
				  CCM_STATE_UNKNOWN;
	}
	ccm_impact_scopes(config, scopes, nscopes);
	for (size_t k = 0; !blocked && k < nscopes; k++) {
		struct ccm_impact im;

		/* reach depends neither on the time nor on how the
		 * servers were lost */
		ccm_impact_eval(config, &timing, st, scopes[k], 0, &im);
		blocked = im.classes[CCM_CLASS_MESSAGE].reach == CCM_REACH_ALL;
	}
	free(scopes);
	free(st);
	return blocked;
}

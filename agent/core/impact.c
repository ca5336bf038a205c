/* SPDX-License-Identifier: ISC */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agent/core/engine.h"
#include "agent/core/impact.h"
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

bool ccm_server_unknown(const struct ccm_config *config,
			const struct ccm_server *s, enum ccm_state state)
{
	return state == CCM_STATE_UNKNOWN && s->node &&
	       !ccm_config_node_watched(config, s->node);
}

/* ---- evaluation ----------------------------------------------------------- */

static bool is_down(const struct ccm_server_status *st)
{
	return st->state == CCM_STATE_CONNECTED ||
	       st->state == CCM_STATE_GONE || st->hung;
}

static bool is_up(const struct ccm_server_status *st)
{
	return st->state == CCM_STATE_ACTIVE && !st->hung;
}

static void append_name(char *list, const char *name)
{
	size_t len = strlen(list), nl = strlen(name);
	const char *p = list;

	/* full: nothing more goes in, so no need to look for it (with
	 * hundreds of servers down the search took a tenth of the agent's
	 * CPU) */
	if (len + nl + 3 >= CCM_IMPACT_NAMES_MAX)
		return;
	/* once each */
	while ((p = strstr(p, name)) != NULL) {
		if ((p == list || p[-1] == ' ') &&
		    (p[nl] == ',' || p[nl] == '\0'))
			return;
		p += nl;
	}
	snprintf(list + len, CCM_IMPACT_NAMES_MAX - len, "%s%s",
		 len ? ", " : "", name);
}

/* What one evaluation counts once rather than per class and per down
 * server: with 1,000 servers in one profile, the counts redone for every
 * class, and a node's live peers looked for again for every down server,
 * made judging each change quadratic. */
struct profile_count {
	size_t nservers, nlive, nunknown; /* in the scope */
	bool counted;
};

struct eval {
	const struct ccm_config *config;
	const struct ccm_impact_timing *timing;
	const struct ccm_server_status *status;
	const char *scope;
	ccm_ms now;
	struct ccm_impact *out;
	size_t only;  /* the one server whose causes count; SIZE_MAX: all */
	struct profile_count *counts; /* by profile index, the last for
				       * servers without one; NULL: none
				       * (out of memory), counted anew */
	signed char *peer; /* by server: live_peer_on_node, -1 not yet */
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

static bool live_peer_known(const struct eval *ev, const struct ccm_profile *p,
			    size_t i)
{
	if (!ev->peer)
		return live_peer_on_node(ev, p, &ev->config->servers[i]);
	if (ev->peer[i] < 0)
		ev->peer[i] = live_peer_on_node(ev, p,
						&ev->config->servers[i]);
	return ev->peer[i];
}

/* When the share of a down server of a balanced set moves to the live
 * ones: on its node, at once after a graceful loss and after the queueing
 * window after an ungraceful one; to another node, after reroute_after. */
static ccm_ms reroute_time(const struct eval *ev, const struct ccm_profile *p,
			   size_t i)
{
	const struct ccm_server_status *st = &ev->status[i];

	if (!live_peer_known(ev, p, i))
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
	bool queued = false;

	ci->pending |= st->pending && !st->hung;
	ci->hung |= st->hung;
	if (reach > ci->reach)
		ci->reach = reach;
	if (first || st->down_since < ci->since)
		ci->since = st->down_since;
	if (reach == CCM_REACH_SOME && reroute_at > ci->reroute_at)
		ci->reroute_at = reroute_at;
	if (st->hung) {
		/* the router sees a live link: it queues every event, with
		 * no window, until the server answers */
		queued = c != CCM_CLASS_LOGOUT;
	} else if (!st->graceful) {
		/* the router queues while it still hopes for the
		 * connection: logins for as long as it is down */
		if (c == CCM_CLASS_LOGIN) {
			queued = true;
		} else if (c != CCM_CLASS_LOGOUT && ev->now < window_end) {
			queued = true;
			if (window_end > ci->queue_until)
				ci->queue_until = window_end;
		}
	}
	ci->queueing |= queued;
	/* bounced at once from the loss when graceful, else from the end
	 * of the window: the latest of them is when the class's events
	 * all bounce at once */
	if (!queued) {
		ccm_ms from = st->graceful ? st->down_since : window_end;

		if (from > ev->now)
			from = st->down_since;
		if (from > ci->phase_since)
			ci->phase_since = from;
	}
	append_name(ev->out->profiles, p ? p->name :
				       "SystemDefaultComplianceProfile");
	append_name(ev->out->servers, s->name);
	if (s->node)
		append_name(ev->out->nodes, s->node);
}

/* Profile p's servers in scope whose state is unknown, once some of its
 * servers are down: the text says what ccmon cannot see. */
static void note_unknown(struct eval *ev, const struct ccm_profile *p)
{
	const struct ccm_config *cfg = ev->config;

	for (size_t i = 0; i < cfg->nservers; i++)
		if (cfg->servers[i].profile == p && ev->status[i].unknown &&
		    in_scope(cfg, &cfg->servers[i], ev->scope))
			append_name(ev->out->unknown, cfg->servers[i].name);
}

/* Profile p's servers in the scope: how many, live, unknown.  Live is
 * neither down nor unknown (the two exclude each other). */
static struct profile_count count_profile(const struct eval *ev,
					  const struct ccm_profile *p)
{
	const struct ccm_config *cfg = ev->config;
	struct profile_count n = { .counted = true };

	for (size_t i = 0; i < cfg->nservers; i++) {
		if (cfg->servers[i].profile != p ||
		    !in_scope(cfg, &cfg->servers[i], ev->scope))
			continue;
		n.nservers++;
		n.nunknown += ev->status[i].unknown;
		n.nlive += !is_down(&ev->status[i]) && !ev->status[i].unknown;
	}
	return n;
}

static struct profile_count counted_profile(const struct eval *ev, size_t pi,
					    const struct ccm_profile *p)
{
	if (!ev->counts)
		return count_profile(ev, p);
	if (!ev->counts[pi].counted)
		ev->counts[pi] = count_profile(ev, p);
	return ev->counts[pi];
}

static void eval_class(struct eval *ev, enum ccm_event_class c)
{
	const struct ccm_config *cfg = ev->config;
	struct ccm_class_impact *ci = &ev->out->classes[c];
	const struct ccm_profile *only_p =
		ev->only != SIZE_MAX ? cfg->servers[ev->only].profile : NULL;

	/* the profiles in priority order, then servers without one (the
	 * built-in profile's, in a configuration built by hand) */
	for (size_t pi = 0; pi <= cfg->nprofiles; pi++) {
		const struct ccm_profile *p =
			pi < cfg->nprofiles ? &cfg->profiles[pi] : NULL;
		bool waited = profile_has(p, c, false);
		bool ff = profile_has(p, c, true);
		struct profile_count n;
		size_t nlive;
		/* one server's causes: only its profile's, only it */
		size_t from = ev->only != SIZE_MAX ? ev->only : 0;
		size_t to = ev->only != SIZE_MAX ? ev->only + 1 :
						   cfg->nservers;

		if ((!waited && !ff) || (ev->only != SIZE_MAX && p != only_p))
			continue;
		n = counted_profile(ev, pi, p);
		nlive = n.nlive;
		if (!n.nservers || nlive == n.nservers)
			continue;
		if (n.nunknown && n.nservers - nlive > n.nunknown)
			note_unknown(ev, p);
		for (size_t i = from; i < to; i++) {
			const struct ccm_server_status *st = &ev->status[i];
			ccm_ms reroute;

			if (cfg->servers[i].profile != p ||
			    !in_scope(cfg, &cfg->servers[i], ev->scope) ||
			    !is_down(st) ||
			    (ev->only != SIZE_MAX && ev->only != i))
				continue;
			if (ff && !waited) {
				ev->out->ff_unlogged |= 1u << c;
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
			/* the router re-routes nothing from a link it
			 * believes alive: its share waits until it
			 * answers */
			if (st->hung) {
				add_cause(ev, c, p, i, CCM_REACH_SOME, 0);
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
	if (ci->queueing)
		ci->phase_since = ci->since;
	if (ci->unlogged && (!ev->out->logging_lost ||
			     ci->since < ev->out->logging_lost_since)) {
		ev->out->logging_lost = true;
		ev->out->logging_lost_since = ci->since;
	}
}

/* Every class; the counts shared by them made once (without memory for
 * them, each is counted where it is needed, as before). */
static void eval_classes(struct eval *ev)
{
	const struct ccm_config *cfg = ev->config;

	ev->counts = calloc(cfg->nprofiles + 1, sizeof(*ev->counts));
	ev->peer = malloc(cfg->nservers + 1);
	if (ev->peer)
		memset(ev->peer, -1, cfg->nservers + 1);
	for (unsigned c = 0; c < CCM_NCLASSES; c++)
		eval_class(ev, (enum ccm_event_class)c);
	free(ev->counts);
	free(ev->peer);
	ev->counts = NULL;
	ev->peer = NULL;
}

void ccm_impact_eval(const struct ccm_config *config,
		     const struct ccm_impact_timing *timing,
		     const struct ccm_server_status *status, const char *scope,
		     ccm_ms now, struct ccm_impact *out)
{
	struct eval ev = { config, timing, status, scope, now, out, SIZE_MAX,
			   NULL, NULL };

	memset(out, 0, sizeof(*out));
	out->scope = scope;
	eval_classes(&ev);
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
	/* Logins passing unlogged while IM is blocked or degraded are an
	 * effect of that alarm (its text names them): logging-lost stands
	 * alone only where events flow unlogged to a fire-and-forget
	 * server, or nothing else is wrong (ccmond(8), "What each alarm
	 * means for users"). */
	out->logging_lost = im->logging_lost && !out->messaging_blocked &&
			    (!out->messaging_degraded || im->ff_unlogged);
}

static const char *hms(ccm_ms t, char buf[static CCM_TIME_STRLEN])
{
	/* "YYYY-MM-DDTHH:MM:SS.mmm": the time of day, to the second */
	ccm_time_format(t, buf);
	buf[19] = '\0';
	return buf + 11;
}

/* ---- effects --------------------------------------------------------------- */

static const char *const effect_names[CCM_NEFFECTS] = {
	[CCM_EFFECT_IM_BLOCKED] = "im-blocked",
	[CCM_EFFECT_GROUP_CHAT_BLOCKED] = "group-chat-blocked",
	[CCM_EFFECT_LOGINS_DELAYED] = "logins-delayed",
	[CCM_EFFECT_LOGINS_UNLOGGED] = "logins-unlogged",
	[CCM_EFFECT_PRESENCE_DELAYED] = "presence-delayed",
	[CCM_EFFECT_IM_UNLOGGED] = "im-unlogged",
};

const char *ccm_effect_name(enum ccm_effect e)
{
	return (unsigned)e < CCM_NEFFECTS ? effect_names[e] : "?";
}

#define BIT(e) (1u << (e))

/* The columns of the vendor's table (doc/domain.md "Situations and their
 * impact"), as doc/ccmond.8 ("What each alarm means for users") names
 * them: blocked IM and group chat (for some or every user), logins
 * and presence delayed while the router queues, logins and logouts
 * passing unlogged, and fire-and-forget IM flowing unlogged. */
unsigned ccm_impact_effects(const struct ccm_impact *im)
{
	const struct ccm_class_impact *c = im->classes;
	unsigned e = 0;

	if (c[CCM_CLASS_MESSAGE].reach != CCM_REACH_NONE)
		e |= BIT(CCM_EFFECT_IM_BLOCKED);
	if (c[CCM_CLASS_GROUPCHAT].reach != CCM_REACH_NONE)
		e |= BIT(CCM_EFFECT_GROUP_CHAT_BLOCKED);
	if (c[CCM_CLASS_LOGIN].reach != CCM_REACH_NONE &&
	    c[CCM_CLASS_LOGIN].queueing)
		e |= BIT(CCM_EFFECT_LOGINS_DELAYED);
	if (c[CCM_CLASS_LOGIN].reach != CCM_REACH_NONE ||
	    c[CCM_CLASS_LOGOUT].reach != CCM_REACH_NONE ||
	    (im->ff_unlogged & (BIT(CCM_CLASS_LOGIN) | BIT(CCM_CLASS_LOGOUT))))
		e |= BIT(CCM_EFFECT_LOGINS_UNLOGGED);
	if (c[CCM_CLASS_PRESENCE].reach != CCM_REACH_NONE &&
	    c[CCM_CLASS_PRESENCE].queueing)
		e |= BIT(CCM_EFFECT_PRESENCE_DELAYED);
	if (im->ff_unlogged & (BIT(CCM_CLASS_MESSAGE) | BIT(CCM_CLASS_GROUPCHAT)))
		e |= BIT(CCM_EFFECT_IM_UNLOGGED);
	return e;
}

void ccm_effects_format(unsigned effects, char *buf, size_t len)
{
	size_t n = 0;

	if (len)
		buf[0] = '\0';
	for (unsigned k = 0; k < CCM_NEFFECTS; k++) {
		int w;

		if (!(effects & BIT(k)) || n >= len)
			continue;
		w = snprintf(buf + n, len - n, "%s%s", n ? ", " : "",
			     effect_names[k]);
		if (w > 0)
			n += (size_t)w;
	}
}

/* "; effects: im-blocked, ..." or "" */
static void effects_tail(unsigned effects, char *buf, size_t len)
{
	char list[160];

	ccm_effects_format(effects, list, sizeof(list));
	snprintf(buf, len, "%s%s", *list ? "; effects: " : "", list);
}

/* ---- texts ----------------------------------------------------------------- */

/* "server cs1 (imp1.example.com)", or without a node when none is known */
static void servers_phrase(const struct ccm_impact *im, char *buf, size_t len)
{
	snprintf(buf, len, "server %s%s%s%s", im->servers,
		 *im->nodes ? " (" : "", im->nodes, *im->nodes ? ")" : "");
}

/* What happens to each blocked event: "each waits up to 30s, then is
 * bounced, until 10:15:00; after that bounced at once", "bounced at once",
 * or, before the evidence tells graceful from ungraceful, both. */
static void phase(const struct ccm_class_impact *ci, ccm_ms wait,
		  char *buf, size_t len)
{
	char t[CCM_TIME_STRLEN], d[CCM_DURATION_STRLEN];

	ccm_duration_format_short(wait, d);
	if (ci->hung)
		snprintf(buf, len, "each waits up to %s, then is bounced: the "
			 "server accepts the connection but does not answer "
			 "events; check its own logs", d);
	else if (ci->pending)
		snprintf(buf, len, "each is bounced at once (graceful loss) or "
			 "after up to %s (ungraceful): not known yet", d);
	else if (ci->queueing && ci->queue_until)
		snprintf(buf, len, "each waits up to %s, then is bounced, "
			 "until %s; after that bounced at once", d,
			 hms(ci->queue_until, t));
	else if (ci->queueing)
		snprintf(buf, len, "each waits up to %s, then is bounced", d);
	else
		snprintf(buf, len, "each is bounced at once");
}

static ccm_ms impact_wait(const struct ccm_impact *im)
{
	const struct ccm_class_impact *c = im->classes;

	for (unsigned k = 0; k < CCM_NCLASSES; k++)
		if (c[k].worst_delay)
			return c[k].worst_delay;
	return CCM_QUEUE_WAIT;
}

void ccm_impact_text(const struct ccm_impact *im, const char *which,
		     char *buf, size_t len)
{
	const struct ccm_class_impact *msg = &im->classes[CCM_CLASS_MESSAGE];
	const struct ccm_class_impact *gc = &im->classes[CCM_CLASS_GROUPCHAT];
	const struct ccm_class_impact *in = &im->classes[CCM_CLASS_LOGIN];
	ccm_ms wait = impact_wait(im);
	char ph[320], t[CCM_TIME_STRLEN], srv[CCM_IMPACT_NAMES_MAX * 2 + 16];
	char eff[192 + CCM_IMPACT_NAMES_MAX + 80];
	const char *who = !strcmp(im->scope, "cluster") ? "the cluster" :
							   im->scope;

	servers_phrase(im, srv, sizeof(srv));
	effects_tail(ccm_impact_effects(im), eff, sizeof(eff));
	if (*im->unknown) {
		size_t n = strlen(eff);

		snprintf(eff + n, sizeof(eff) - n, "; unknown: %s %s, on a"
			 " node whose log ccmon does not follow",
			 strchr(im->unknown, ',') ? "servers" : "server",
			 im->unknown);
	}
	if (!strcmp(which, "messaging-blocked") ||
	    !strcmp(which, "group-chat-blocked")) {
		bool im_ = which[0] == 'm';
		const struct ccm_class_impact *ci = im_ ? msg : gc;

		phase(ci, wait, ph, sizeof(ph));
		snprintf(buf, len, "%s is blocked for every user of %s since "
			 "%s: profile %s waits on %s, which %s; %s%s",
			 im_ ? "IM" : "group chat", who, hms(ci->since, t),
			 im->profiles, srv, ci->hung ? "does not answer" :
			 "is down", ph, eff);
	} else if (!strcmp(which, "messaging-degraded")) {
		const struct ccm_class_impact *ci =
			msg->reach == CCM_REACH_SOME ? msg :
			gc->reach == CCM_REACH_SOME ? gc : in;
		char r[CCM_TIME_STRLEN], d[CCM_DURATION_STRLEN];

		if (ci == in)
			snprintf(buf, len, "logins in %s are delayed up to %s "
				 "and not logged since %s: profile %s waits "
				 "on %s, which is down%s", who,
				 ccm_duration_format_short(in->worst_delay, d),
				 hms(in->since, t), im->profiles, srv, eff);
		else
			snprintf(buf, len, "%s of some users of %s is blocked "
				 "since %s: %s of balanced profile %s %s; %s%s",
				 ci == msg ? "IM" : "group chat", who,
				 hms(ci->since, t), srv, im->profiles,
				 ci->hung ? "does not answer" : "is down",
				 ci->reroute_at ?
				 (snprintf(ph, sizeof(ph), "their share moves "
					   "to the live servers at %s",
					   hms(ci->reroute_at, r)), ph) :
				 "until it answers again", eff);
	} else {
		snprintf(buf, len, "compliance logging is lost in %s since %s:"
			 " IM flows, but events pass unlogged while %s of "
			 "profile %s is down%s", who,
			 hms(im->logging_lost_since, t), srv, im->profiles,
			 eff);
	}
}

/* ---- one server's loss ------------------------------------------------------ */

static enum ccm_loss loss_of(const struct ccm_impact *im)
{
	const struct ccm_class_impact *c = im->classes;

	if (c[CCM_CLASS_MESSAGE].reach == CCM_REACH_ALL ||
	    c[CCM_CLASS_GROUPCHAT].reach == CCM_REACH_ALL)
		return CCM_LOSS_BLOCKS;
	if (c[CCM_CLASS_MESSAGE].reach == CCM_REACH_SOME ||
	    c[CCM_CLASS_GROUPCHAT].reach == CCM_REACH_SOME ||
	    (c[CCM_CLASS_LOGIN].reach != CCM_REACH_NONE &&
	     c[CCM_CLASS_LOGIN].queueing) ||
	    (c[CCM_CLASS_PRESENCE].reach != CCM_REACH_NONE &&
	     c[CCM_CLASS_PRESENCE].queueing))
		return CCM_LOSS_DEGRADES;
	if (im->logging_lost)
		return CCM_LOSS_LOGGING;
	return CCM_LOSS_ABSORBED;
}

void ccm_impact_server(const struct ccm_config *config,
		       const struct ccm_impact_timing *timing,
		       const struct ccm_server_status *status, size_t server,
		       ccm_ms now, struct ccm_server_impact *out)
{
	const struct ccm_server *s = &config->servers[server];
	const char *scope = config->agent.compliance == CCM_COMPLIANCE_NODE &&
				    s->node ? s->node : "cluster";
	struct eval ev = { config, timing, status, scope, now, &out->impact,
			   server, NULL, NULL };

	memset(out, 0, sizeof(*out));
	out->impact.scope = scope;
	eval_classes(&ev);
	out->loss = loss_of(&out->impact);
	out->effects = ccm_impact_effects(&out->impact);
	out->at_once = status[server].graceful || status[server].pending;
	out->unused = true;
	for (unsigned c = 0; c < CCM_NCLASSES; c++)
		out->unused &= !profile_has(s->profile, (enum ccm_event_class)c,
					    false) &&
			       !profile_has(s->profile, (enum ccm_event_class)c,
					    true);
	for (size_t i = 0; i < config->nservers; i++)
		if (i != server && config->servers[i].profile == s->profile &&
		    in_scope(config, &config->servers[i], scope) &&
		    is_up(&status[i]))
			append_name(out->peers, config->servers[i].name);
}

void ccm_server_impact_text(const struct ccm_server_impact *si, char *buf,
			    size_t len)
{
	const struct ccm_impact *im = &si->impact;
	const struct ccm_class_impact *msg = &im->classes[CCM_CLASS_MESSAGE];
	const struct ccm_class_impact *gc = &im->classes[CCM_CLASS_GROUPCHAT];
	const char *who = !strcmp(im->scope, "cluster") ? "the cluster" :
							   im->scope;
	char ph[320], eff[192], t[CCM_TIME_STRLEN], d[CCM_DURATION_STRLEN];

	effects_tail(si->effects, eff, sizeof(eff));
	switch (si->loss) {
	case CCM_LOSS_BLOCKS: {
		bool m = msg->reach == CCM_REACH_ALL;
		bool g = gc->reach == CCM_REACH_ALL;

		phase(m ? msg : gc, impact_wait(im), ph, sizeof(ph));
		snprintf(buf, len, "%s%s%s blocked for every user of %s: %s%s",
			 m ? "IM" : "", m && g ? " and " : "",
			 g ? "group chat" : "", who, ph, eff);
		break;
	}
	case CCM_LOSS_DEGRADES: {
		const struct ccm_class_impact *ci =
			msg->reach == CCM_REACH_SOME ? msg :
			gc->reach == CCM_REACH_SOME ? gc : NULL;

		if (ci && ci->hung)
			snprintf(buf, len, "the users of %s whose share it has "
				 "are blocked: it accepts the connection but "
				 "does not answer events; check its own logs%s",
				 who, eff);
		else if (ci)
			snprintf(buf, len, "the users of %s whose share it has "
				 "are blocked until it moves to %s at %s%s",
				 who, *si->peers ? si->peers :
				 "the live servers", hms(ci->reroute_at, t),
				 eff);
		else
			snprintf(buf, len, "IM flows in %s; logins wait up to "
				 "%s%s", who, ccm_duration_format_short(
					 impact_wait(im), d), eff);
		break;
	}
	case CCM_LOSS_LOGGING:
		snprintf(buf, len, "IM flows in %s: fire-and-forget events "
			 "pass unlogged%s", who, eff);
		break;
	case CCM_LOSS_ABSORBED:
		if (*si->peers && !si->unused)
			snprintf(buf, len, "its share is re-routed to %s%s; "
				 "redundancy lost, nobody affected", si->peers,
				 si->at_once ? " at once" : "");
		else
			snprintf(buf, len, "no event of its profile waits on "
				 "it in %s: nobody affected", who);
		break;
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
		st[i].unknown = ccm_server_unknown(config, &config->servers[i],
						   st[i].state);
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

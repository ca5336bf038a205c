/* SPDX-License-Identifier: ISC */
/* What only the whole file tells, after its last line: required keys,
 * rules between keys and between sections, names derived from others,
 * the built-in profile and queue rule, and the order of the profiles
 * (ccmon.conf(5)). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parsers/config/config_internal.h"

static void label_of(char *buf, size_t size, const char *type,
		     const char *name)
{
	snprintf(buf, size, "[%s %s]", type, name);
}

static void check_agent(struct parse *p)
{
	static const enum key required[] = { K_LOG, K_NODE };
	const struct ccm_agent_config *a = &p->cfg->agent;

	for (size_t i = 0; i < ARRAY_SIZE(required); i++) {
		enum key k = required[i];

		/* [node] sections make [agent] the one-node shorthand */
		if (p->agent_k.at[k] || p->cfg->nnodes)
			continue;
		if (!p->have_agent)
			ccm_cfg_report(p, CCM_LEVEL_ERROR, 0, "missing-key",
				       "[agent]", "'%s' is required, and the"
				       " file has no [agent] section",
				       ccm_keydefs[k].name);
		else
			ccm_cfg_report(p, CCM_LEVEL_ERROR, a->line,
				       "missing-key", "[agent]",
				       "'%s' is required%s",
				       ccm_keydefs[k].name,
				       k == K_LOG ?
				       " (at least one log file pattern)" :
				       " (this IM&P node's name)");
	}
}

static bool has_priority(const struct keys_seen *ks)
{
	return ks->at[K_PRIORITY] && !ccm_cfg_is_bad(ks, K_PRIORITY);
}

/* Reports profile i's written priority when an earlier one has it. */
static void check_priority(struct parse *p, size_t i, const char *label)
{
	const struct ccm_config *c = p->cfg;
	const struct ccm_profile *pr = &c->profiles[i];
	const struct keys_seen *ks = &p->paux[i].k;

	for (size_t j = 0; j < i; j++) {
		const struct ccm_profile *o = &c->profiles[j];
		const struct keys_seen *oks = &p->paux[j].k;

		if (p->paux[j].ignored || !has_priority(oks) ||
		    o->priority != pr->priority)
			continue;
		ccm_cfg_report(p, CCM_LEVEL_ERROR, ks->at[K_PRIORITY],
			       "duplicate-priority", label,
			       "priority %u is already [profile %s]'s (line"
			       " %u): priorities must be unique",
			       pr->priority, o->name, oks->at[K_PRIORITY]);
		break;
	}
}

static void check_profiles(struct parse *p)
{
	struct ccm_config *c = p->cfg;
	unsigned max = 0;
	char label[256];

	for (size_t i = 0; i < c->nprofiles; i++) {
		struct ccm_profile *pr = &c->profiles[i];
		const struct keys_seen *ks = &p->paux[i].k;

		if (p->paux[i].ignored)
			continue;
		label_of(label, sizeof(label), "profile", pr->name);
		ccm_cfg_normalise_all(p, pr, label);
		ccm_cfg_order_events(pr);
		/* an event list with errors has been reported already */
		if (!ks->at[K_JSM] && !ks->at[K_TC])
			ccm_cfg_report(p, CCM_LEVEL_WARNING, pr->line,
				       "empty-profile", label,
				       "has no jsm or tc events: its servers"
				       " would be sent nothing");
		if (!has_priority(ks))
			continue;
		check_priority(p, i, label);
		if (pr->priority > max)
			max = pr->priority;
	}
	/* the others follow in the order of their sections */
	for (size_t i = 0; i < c->nprofiles; i++) {
		if (!has_priority(&p->paux[i].k)) {
			c->profiles[i].priority = ++max;
			c->profiles[i].priority_derived = true;
		}
	}
}

static bool profile_exists(const struct parse *p, const char *name)
{
	if (!strcmp(name, CCM_BUILTIN_PROFILE))
		return true;
	for (size_t i = 0; i < p->cfg->nprofiles; i++)
		if (!p->paux[i].ignored &&
		    !strcmp(p->cfg->profiles[i].name, name))
			return true;
	return false;
}

static void check_profile_ref(struct parse *p, size_t i, const char *label)
{
	const struct server_aux *x = &p->saux[i];
	const struct ccm_config *c = p->cfg;
	const char **cands;
	const char *hint;
	size_t n = 0;

	if (!x->profile || profile_exists(p, x->profile))
		return;
	cands = calloc(c->nprofiles + 1, sizeof(*cands));
	if (!cands) {
		p->oom = true;
		return;
	}
	cands[n++] = CCM_BUILTIN_PROFILE;
	for (size_t j = 0; j < c->nprofiles; j++)
		if (!p->paux[j].ignored)
			cands[n++] = c->profiles[j].name;
	hint = ccm_cfg_suggest(x->profile, cands, n);
	ccm_cfg_report(p, CCM_LEVEL_ERROR, x->k.at[K_PROFILE],
		       "unknown-profile", label,
		       "profile '%s' is not defined%s%s%s", x->profile,
		       hint ? "; did you mean '" :
			      " (no [profile] section of that name)",
		       hint ? hint : "", hint ? "'?" : "");
	free(cands);
}

static void check_probe_timeout(struct parse *p, const struct ccm_server *s,
				const struct keys_seen *ks, const char *label)
{
	char t[48], v[48];
	unsigned line = ks->at[K_PROBE_TIMEOUT] ? ks->at[K_PROBE_TIMEOUT] :
			ks->at[K_PROBE_INTERVAL] ? ks->at[K_PROBE_INTERVAL] :
			s->line;

	if (ccm_cfg_is_bad(ks, K_PROBE_TIMEOUT) ||
	    ccm_cfg_is_bad(ks, K_PROBE_INTERVAL) ||
	    s->probe_timeout < s->probe_interval)
		return;
	ccm_cfg_report(p, CCM_LEVEL_ERROR, line, "probe-timeout", label,
		       "probe_timeout (%s) must be shorter than probe_interval"
		       " (%s)", ccm_cfg_format_duration(s->probe_timeout, t),
		       ccm_cfg_format_duration(s->probe_interval, v));
}

static void check_server(struct parse *p, size_t i)
{
	struct ccm_server *s = &p->cfg->servers[i];
	const struct keys_seen *ks = &p->saux[i].k;
	const char *agent_node = p->cfg->agent.node;
	char label[256];

	label_of(label, sizeof(label), "server", s->name);
	if (!ks->at[K_HOST])
		ccm_cfg_report(p, CCM_LEVEL_ERROR, s->line, "missing-key",
			       label, "'host' is required");
	if (!ks->at[K_PORT])
		ccm_cfg_report(p, CCM_LEVEL_ERROR, s->line, "missing-key",
			       label, "'port' is required");
	if (!s->node && !ks->at[K_S_NODE] && agent_node) {
		s->node = ccm_cfg_strdup(p, agent_node);
		s->node_derived = true;
	}
	if (!s->component && !ks->at[K_COMPONENT] && s->node) {
		s->component = ccm_component_name(s->name, s->node);
		if (!s->component)
			p->oom = true;
		s->component_derived = true;
	}
	check_profile_ref(p, i, label);
	check_probe_timeout(p, s, ks, label);
}

/* Server j against the earlier ones: the same server twice on a node, or
 * the same component name. */
static void check_server_pair(struct parse *p, size_t j)
{
	const struct ccm_config *c = p->cfg;
	const struct ccm_server *s = &c->servers[j];
	const struct keys_seen *ks = &p->saux[j].k;
	char label[256];

	label_of(label, sizeof(label), "server", s->name);
	for (size_t i = 0; i < j; i++) {
		const struct ccm_server *o = &c->servers[i];

		if (p->saux[i].ignored || !s->node || !o->node || !s->host ||
		    !o->host || !s->port || s->port != o->port ||
		    strcasecmp(s->host, o->host) ||
		    strcasecmp(s->node, o->node))
			continue;
		ccm_cfg_report(p, CCM_LEVEL_ERROR, s->line,
			       "duplicate-server", label,
			       "%s port %u is already [server %s] (line %u)"
			       " on node %s: a node cannot have the same"
			       " compliance server twice (vendor rule)",
			       s->host, s->port, o->name, o->line, s->node);
		break;
	}
	for (size_t i = 0; i < j; i++) {
		const struct ccm_server *o = &c->servers[i];

		if (p->saux[i].ignored || !s->component || !o->component ||
		    strcasecmp(s->component, o->component))
			continue;
		ccm_cfg_report(p, CCM_LEVEL_ERROR,
			       ks->at[K_COMPONENT] ? ks->at[K_COMPONENT] :
						     s->line,
			       "duplicate-component", label,
			       "component %s%s is already [server %s]'s (line"
			       " %u): each server needs its own component"
			       " name", s->component,
			       s->component_derived ? " (derived)" : "",
			       o->name, o->line);
		break;
	}
}

static void check_servers(struct parse *p)
{
	for (size_t i = 0; i < p->cfg->nservers; i++)
		if (!p->saux[i].ignored)
			check_server(p, i);
	for (size_t j = 0; j < p->cfg->nservers; j++)
		if (!p->saux[j].ignored)
			check_server_pair(p, j);
}

static void check_unused(struct parse *p)
{
	const struct ccm_config *c = p->cfg;
	char label[256];

	for (size_t i = 0; i < c->nprofiles; i++) {
		const struct ccm_profile *pr = &c->profiles[i];
		bool used = false;

		if (p->paux[i].ignored || pr->builtin)
			continue;
		for (size_t j = 0; j < c->nservers && !used; j++)
			used = !p->saux[j].ignored && p->saux[j].profile &&
			       !strcmp(p->saux[j].profile, pr->name);
		if (used)
			continue;
		label_of(label, sizeof(label), "profile", pr->name);
		ccm_cfg_report(p, CCM_LEVEL_WARNING, pr->line,
			       "unused-profile", label,
			       "is assigned to no server");
	}
}

/* Last in priority: it comes with every system, and a configured profile
 * is the operator's deliberate choice. */
static void add_builtin(struct parse *p)
{
	struct ccm_config *c = p->cfg;
	struct ccm_profile *pr;
	unsigned max = 0;

	for (size_t i = 0; i < c->nprofiles; i++)
		if (c->profiles[i].priority > max)
			max = c->profiles[i].priority;
	pr = ccm_cfg_add_profile(p, CCM_BUILTIN_PROFILE, false);
	if (!pr)
		return;
	pr->line = 0;
	pr->builtin = true;
	pr->priority = max + 1;
	pr->priority_derived = true;
	if (!ccm_cfg_builtin_events(pr))
		p->oom = true;
}

static int by_priority(const void *a, const void *b)
{
	const struct ccm_profile *x = a, *y = b;

	return (x->priority > y->priority) - (x->priority < y->priority);
}

static bool keyed(const struct latency_read *l, enum key k)
{
	return l->keyed & (UINT64_C(1) << k);
}

/* One form per rule: a line that stands for a known wait (match, wait),
 * or a pair (start, end) joined by the same groups. */
static void check_rule(struct parse *p, size_t i)
{
	const struct latency_read *l = &p->lat[i];
	const unsigned *at = l->k.at;
	bool start_key = keyed(l, K_L_START), end_key = keyed(l, K_L_END);
	char label[300];

	if (l->ignored || l->disabled)
		return;
	label_of(label, sizeof(label), "latency", l->rule.name);
	if (ccm_cfg_is_bad(&l->k, K_L_MATCH) ||
	    ccm_cfg_is_bad(&l->k, K_L_START) || ccm_cfg_is_bad(&l->k, K_L_END))
		return;
	if (at[K_L_MATCH] && (at[K_L_START] || at[K_L_END]))
		ccm_cfg_report(p, CCM_LEVEL_ERROR, at[K_L_START] ?
			       at[K_L_START] : at[K_L_END], "latency-form",
			       label, "has match and start/end: a rule is"
			       " either one line (match, wait) or a pair of"
			       " lines (start, end)");
	else if (!at[K_L_MATCH] && !at[K_L_START] && !at[K_L_END])
		ccm_cfg_report(p, CCM_LEVEL_ERROR, l->rule.line,
			       "latency-form", label,
			       "needs match (one line per event that waited)"
			       " or start and end (a pair of lines around the"
			       " wait)");
	else if (!at[K_L_MATCH] && (!at[K_L_START] || !at[K_L_END]))
		ccm_cfg_report(p, CCM_LEVEL_ERROR, l->rule.line,
			       "latency-form", label,
			       "has %s without %s: a pair needs both",
			       at[K_L_START] ? "start" : "end",
			       at[K_L_START] ? "end" : "start");
	else if (at[K_L_WAIT] && !at[K_L_MATCH])
		ccm_cfg_report(p, CCM_LEVEL_ERROR, at[K_L_WAIT],
			       "latency-form", label, "wait is for a match"
			       " rule: a pair measures its own wait");
	else if (!at[K_L_MATCH] && start_key != end_key)
		ccm_cfg_report(p, CCM_LEVEL_ERROR, start_key ? at[K_L_END] :
			       at[K_L_START], "latency-key", label,
			       "only %s has a group (?<key>...): give both or"
			       " neither, so that an end finds its start",
			       start_key ? "start" : "end");
}

/* The enabled rules, then the built-in one unless a section of its name
 * replaced or disabled it.  The strings move to the configuration. */
static void collect_rules(struct parse *p)
{
	struct ccm_config *c = p->cfg;
	bool builtin = true;

	c->queue_rules = calloc(p->nlat + 1, sizeof(*c->queue_rules));
	if (!c->queue_rules) {
		p->oom = true;
		return;
	}
	for (size_t i = 0; i < p->nlat; i++) {
		struct latency_read *l = &p->lat[i];

		if (l->ignored)
			continue;
		if (!strcmp(l->rule.name, CCM_QUEUE_BUILTIN)) {
			builtin = false;
			c->builtin_rule_off = l->disabled;
		}
		if (l->disabled)
			continue;
		c->queue_rules[c->nqueue_rules++] = l->rule;
		memset(&l->rule, 0, sizeof(l->rule));
	}
	if (builtin) {
		const struct ccm_queue_rule *b = ccm_queue_rule_builtin();
		struct ccm_queue_rule *r = &c->queue_rules[c->nqueue_rules];

		r->name = ccm_cfg_strdup(p, b->name);
		r->match = ccm_cfg_strdup(p, b->match);
		c->nqueue_rules++;
	}
}

void ccm_cfg_finish(struct parse *p)
{
	struct ccm_config *c = p->cfg;

	check_agent(p);
	for (size_t i = 0; i < p->nlat; i++)
		check_rule(p, i);
	collect_rules(p);
	check_profiles(p);
	add_builtin(p);
	check_servers(p);
	ccm_cfg_check_nodes(p);
	check_unused(p);
	if (p->oom)
		return;
	qsort(c->profiles, c->nprofiles, sizeof(*c->profiles), by_priority);
	for (size_t i = 0; i < c->nservers; i++) {
		const char *name = p->saux[i].profile ? p->saux[i].profile :
				   CCM_BUILTIN_PROFILE;

		c->servers[i].profile = ccm_config_profile(c, name);
	}
}

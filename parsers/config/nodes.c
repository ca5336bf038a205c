/* SPDX-License-Identifier: ISC */
/* [node NAME] sections, after the last line: each node's logs, the node
 * each server is on, and the list of every log pattern ccmond follows
 * with the node it belongs to (ccmon.conf(5), "[node NAME]").  One file's
 * lines are one router's: a file two nodes' patterns match would credit
 * one router's lines to the other, so it is refused. */
#include <fnmatch.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parsers/config/config_internal.h"

/* A list of log patterns and the node it belongs to: [agent]'s (its
 * node may be NULL) or a [node]'s. */
struct owner {
	const char *node;
	const char *label; /* "[agent]", "[node imp1.example.com]" */
	unsigned line;
	char **logs;
	size_t nlogs;
};

static bool same_node(const char *a, const char *b)
{
	return a && b && !strcasecmp(a, b);
}

static void check_node_logs(struct parse *p)
{
	const struct ccm_config *c = p->cfg;
	char label[256];

	for (size_t i = 0; i < c->nnodes; i++) {
		if (p->naux[i].ignored || p->naux[i].k.at[K_NODE_LOG])
			continue;
		snprintf(label, sizeof(label), "[node %s]", c->nodes[i].name);
		ccm_cfg_report(p, CCM_LEVEL_ERROR, c->nodes[i].line,
			       "missing-key", label, "'log' is required (at"
			       " least one pattern of this node's router"
			       " logs)");
	}
}

static void report_overlap(struct parse *p, const struct owner *a,
			   const char *apat, const struct owner *b,
			   const char *bpat, const char *file)
{
	if (file)
		ccm_cfg_report(p, CCM_LEVEL_ERROR, b->line, "log-two-nodes",
			       b->label, "log %s matches %s, which %s's log"
			       " %s matches too: each file is one node's",
			       bpat, file, a->label, apat);
	else
		ccm_cfg_report(p, CCM_LEVEL_ERROR, b->line, "log-two-nodes",
			       b->label, "log %s is %s's too: each file is"
			       " one node's", bpat, a->label);
}

/* Does a pattern of b match a file of pattern apat (now, on this host),
 * or is it apat itself?  The first such is reported. */
static bool overlaps(struct parse *p, const struct owner *a, const char *apat,
		     const struct owner *b)
{
	glob_t g;
	bool found = false;

	for (size_t j = 0; j < b->nlogs; j++)
		if (!strcmp(apat, b->logs[j])) {
			report_overlap(p, a, apat, b, b->logs[j], NULL);
			return true;
		}
	if (glob(apat, GLOB_NOSORT, NULL, &g))
		return false;
	for (size_t f = 0; f < g.gl_pathc && !found; f++)
		for (size_t j = 0; j < b->nlogs && !found; j++)
			if (!fnmatch(b->logs[j], g.gl_pathv[f],
				     FNM_PATHNAME)) {
				report_overlap(p, a, apat, b, b->logs[j],
					       g.gl_pathv[f]);
				found = true;
			}
	globfree(&g);
	return found;
}

/* Each pair of owners of different nodes once; each pair reported at
 * most once. */
static void check_overlap(struct parse *p, const struct owner *o, size_t n)
{
	for (size_t a = 0; a < n; a++)
		for (size_t b = a + 1; b < n; b++) {
			if (same_node(o[a].node, o[b].node))
				continue;
			for (size_t i = 0; i < o[a].nlogs; i++)
				if (overlaps(p, &o[a], o[a].logs[i], &o[b]))
					break;
		}
}

/* With [node] sections, every server is on a node they or [agent] node
 * declare.  Without, [agent] is the one node ccmon watches and servers
 * may be on any other (ccmon then knows nothing of them unless their
 * components show in the logs it follows). */
static void check_server_nodes(struct parse *p)
{
	const struct ccm_config *c = p->cfg;
	char label[256];

	for (size_t i = 0; c->nnodes && i < c->nservers; i++) {
		const struct ccm_server *s = &c->servers[i];
		const struct keys_seen *ks = &p->saux[i].k;
		bool known = same_node(s->node, c->agent.node);

		/* a bad node, its own or [agent]'s, is reported already */
		if (p->saux[i].ignored || ccm_cfg_is_bad(ks, K_S_NODE) ||
		    (!s->node && p->agent_k.at[K_NODE]))
			continue;
		for (size_t j = 0; j < c->nnodes && !known; j++)
			known = !p->naux[j].ignored &&
				same_node(s->node, c->nodes[j].name);
		if (known)
			continue;
		snprintf(label, sizeof(label), "[server %s]", s->name);
		if (!s->node)
			ccm_cfg_report(p, CCM_LEVEL_ERROR, s->line,
				       "missing-key", label, "'node' is"
				       " required: [agent] has no node to"
				       " take it from");
		else
			ccm_cfg_report(p, CCM_LEVEL_ERROR,
				       ks->at[K_S_NODE] ? ks->at[K_S_NODE] :
							  s->line,
				       "unknown-node", label, "node %s is"
				       " neither a [node] section nor [agent]"
				       " node", s->node);
	}
}

/* cfg->logs and cfg->log_node: [agent] log, then each [node]'s. */
static void list_logs(struct parse *p)
{
	struct ccm_config *c = p->cfg;
	size_t n = c->agent.nlogs;

	for (size_t i = 0; i < c->nnodes; i++)
		n += c->nodes[i].nlogs;
	if (!n)
		return;
	c->logs = calloc(n, sizeof(*c->logs));
	c->log_node = calloc(n, sizeof(*c->log_node));
	if (!c->logs || !c->log_node) {
		p->oom = true;
		return;
	}
	for (size_t i = 0; i < c->agent.nlogs; i++) {
		c->logs[c->nlogs] = c->agent.logs[i];
		c->log_node[c->nlogs++] = c->agent.node;
	}
	for (size_t i = 0; i < c->nnodes; i++)
		for (size_t j = 0; j < c->nodes[i].nlogs; j++) {
			c->logs[c->nlogs] = c->nodes[i].logs[j];
			c->log_node[c->nlogs++] = c->nodes[i].name;
		}
}

void ccm_cfg_check_nodes(struct parse *p)
{
	struct ccm_config *c = p->cfg;
	struct owner *o = calloc(c->nnodes + 1, sizeof(*o));
	size_t n = 0;

	if (!o) {
		p->oom = true;
		return;
	}
	check_node_logs(p);
	/* without [node] sections check_agent asks for both; a node given
	 * but refused is reported as such already */
	if (c->nnodes && c->agent.nlogs && !p->agent_k.at[K_NODE])
		ccm_cfg_report(p, CCM_LEVEL_ERROR, c->agent.line,
			       "missing-key", "[agent]", "'node' is required"
			       " with 'log' (the node whose router writes"
			       " it)");
	o[n++] = (struct owner){ c->agent.node, "[agent]", c->agent.line,
				 c->agent.logs, c->agent.nlogs };
	for (size_t i = 0; i < c->nnodes; i++) {
		if (p->naux[i].ignored)
			continue;
		o[n] = (struct owner){ c->nodes[i].name, NULL,
				       c->nodes[i].line, c->nodes[i].logs,
				       c->nodes[i].nlogs };
		if (asprintf((char **)&o[n].label, "[node %s]",
			     c->nodes[i].name) < 0) {
			p->oom = true;
			break;
		}
		n++;
	}
	if (!p->oom)
		check_overlap(p, o, n);
	for (size_t i = 1; i < n; i++)
		free((char *)o[i].label);
	free(o);
	check_server_nodes(p);
	list_logs(p);
}

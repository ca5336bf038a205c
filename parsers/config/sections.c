/* SPDX-License-Identifier: ISC */
/* Section headers: [agent], [node NAME], [server NAME], [profile NAME]
 * and [latency NAME], each checked and made the section that the lines after
 * it fill; a wrong or repeated header is reported once and its keys are
 * still read, so that their own mistakes show in the same pass. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parsers/config/config_internal.h"

/* Room for slot n of an object array and of its parallel aux array (auxp
 * NULL: none), zeroed; false when out of memory (said in p). */
static bool grow_pair(struct parse *p, void *objsp, size_t objsize,
		      void *auxp, size_t auxsize, size_t n, size_t *cap)
{
	void **objs = objsp, **aux = auxp;

	if (n == *cap) {
		size_t ncap = *cap ? 2 * *cap : 4;
		void *v = reallocarray(*objs, ncap, objsize);
		void *x;

		if (v)
			*objs = v;
		x = v && aux ? reallocarray(*aux, ncap, auxsize) : v;
		if (!x) {
			p->oom = true;
			return false;
		}
		if (aux)
			*aux = x;
		*cap = ncap;
	}
	memset((char *)*objs + n * objsize, 0, objsize);
	if (aux)
		memset((char *)*aux + n * auxsize, 0, auxsize);
	return true;
}

static struct ccm_server *add_server(struct parse *p, const char *name,
				     bool ignored)
{
	struct ccm_config *c = p->cfg;
	struct ccm_server *s;

	if (!grow_pair(p, &c->servers, sizeof(*c->servers), &p->saux,
		       sizeof(*p->saux), c->nservers, &p->scap))
		return NULL;
	s = &c->servers[c->nservers];
	s->name = ccm_cfg_strdup(p, name);
	if (!s->name)
		return NULL;
	ccm_cfg_defaults(p, SECT_SERVER, s);
	s->line = p->lineno;
	p->saux[c->nservers].ignored = ignored;
	p->cur = c->nservers++;
	return s;
}

struct ccm_profile *ccm_cfg_add_profile(struct parse *p, const char *name,
					bool ignored)
{
	struct ccm_config *c = p->cfg;
	struct ccm_profile *pr;

	if (!grow_pair(p, &c->profiles, sizeof(*c->profiles), &p->paux,
		       sizeof(*p->paux), c->nprofiles, &p->pcap))
		return NULL;
	pr = &c->profiles[c->nprofiles];
	pr->name = ccm_cfg_strdup(p, name);
	if (!pr->name)
		return NULL;
	pr->line = p->lineno;
	p->paux[c->nprofiles].ignored = ignored;
	p->cur = c->nprofiles++;
	return pr;
}

static struct latency_read *add_rule(struct parse *p, const char *name,
				     bool ignored)
{
	struct latency_read *l;

	if (!grow_pair(p, &p->lat, sizeof(*p->lat), NULL, 0, p->nlat,
		       &p->lcap))
		return NULL;
	l = &p->lat[p->nlat];
	l->rule.name = ccm_cfg_strdup(p, name);
	if (!l->rule.name)
		return NULL;
	l->rule.line = p->lineno;
	l->ignored = ignored;
	p->cur = p->nlat++;
	return l;
}

static struct ccm_node *add_node(struct parse *p, const char *name,
				 bool ignored)
{
	struct ccm_config *c = p->cfg;
	struct ccm_node *n;

	if (!grow_pair(p, &c->nodes, sizeof(*c->nodes), &p->naux,
		       sizeof(*p->naux), c->nnodes, &p->ncap))
		return NULL;
	n = &c->nodes[c->nnodes];
	n->name = ccm_cfg_strdup(p, name);
	if (!n->name)
		return NULL;
	n->line = p->lineno;
	p->naux[c->nnodes].ignored = ignored;
	p->cur = c->nnodes++;
	return n;
}

static void set_label(struct parse *p, const char *type, const char *name)
{
	char *label;

	if (asprintf(&label, *name ? "[%s %s]" : "[%s]", type, name) < 0) {
		p->oom = true;
		return;
	}
	free(p->label);
	p->label = label;
}

static bool server_name_ok(const char *s)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_')
			return false;
	return true;
}

static bool alnum_only(const char *s)
{
	for (; *s; s++)
		if (!isascii((unsigned char)*s) || !isalnum((unsigned char)*s))
			return false;
	return true;
}

/* A named section needs its name; false (reported) without. */
static bool named(struct parse *p, const char *type, const char *name)
{
	if (*name)
		return true;
	ccm_cfg_error(p, "section-name", "needs a name: write [%s NAME]",
		      type);
	p->sect = SECT_IGNORED;
	return false;
}

static void duplicate(struct parse *p, unsigned line)
{
	ccm_cfg_error(p, "duplicate-section", "is already defined at line %u;"
		      " write each section once", line);
}

static void enter_agent(struct parse *p, const char *name)
{
	if (*name) {
		ccm_cfg_error(p, "section-name",
			      "takes no name: write [agent]");
		p->sect = SECT_IGNORED;
		return;
	}
	p->sect = SECT_AGENT;
	if (p->have_agent) {
		duplicate(p, p->cfg->agent.line);
		p->agent = &p->spare_agent;
		memset(&p->spare_k, 0, sizeof(p->spare_k));
		p->keys = &p->spare_k;
		return;
	}
	p->have_agent = true;
	p->cfg->agent.line = p->lineno;
	p->agent = &p->cfg->agent;
	p->keys = &p->agent_k;
}

static void enter_server(struct parse *p, const char *name)
{
	const struct ccm_config *c = p->cfg;
	bool dup = false;

	if (!named(p, "server", name))
		return;
	if (!server_name_ok(name))
		ccm_cfg_error(p, "server-name",
			      "server names may hold only letters, digits, '-'"
			      " and '_' (the name becomes part of the"
			      " component name)");
	for (size_t i = 0; i < c->nservers && !dup; i++) {
		if (p->saux[i].ignored || strcmp(c->servers[i].name, name))
			continue;
		duplicate(p, c->servers[i].line);
		dup = true;
	}
	if (!add_server(p, name, dup))
		return;
	p->sect = SECT_SERVER;
	p->keys = &p->saux[p->cur].k;
}

/* NAME is the node's FQDN as its component names carry it
 * (imp1.example.com: op-cs1.imp1-example-com), so names match without
 * regard to case, as component names do. */
static void enter_node(struct parse *p, const char *name)
{
	const struct ccm_config *c = p->cfg;
	bool dup = false;

	if (!named(p, "node", name))
		return;
	if (!ccm_cfg_node_name_ok(name))
		ccm_cfg_error(p, "node-name",
			      "'%s' is not a node name (letters, digits, '.',"
			      " '-' and '_')", name);
	for (size_t i = 0; i < c->nnodes && !dup; i++) {
		if (p->naux[i].ignored || strcasecmp(c->nodes[i].name, name))
			continue;
		duplicate(p, c->nodes[i].line);
		dup = true;
	}
	if (!add_node(p, name, dup))
		return;
	p->sect = SECT_NODE;
	p->keys = &p->naux[p->cur].k;
}

static void enter_profile(struct parse *p, const char *name)
{
	const struct ccm_config *c = p->cfg;
	bool dup = false;

	if (!named(p, "profile", name))
		return;
	if (!strcasecmp(name, CCM_BUILTIN_PROFILE)) {
		ccm_cfg_error(p, "builtin-readonly",
			      "is built in and cannot be changed (vendor rule);"
			      " copy its events into a profile of another"
			      " name");
		p->sect = SECT_IGNORED;
		return;
	}
	if (!alnum_only(name))
		ccm_cfg_error(p, "profile-name",
			      "profile names must be alphanumeric (vendor rule;"
			      " no spaces)");
	for (size_t i = 0; i < c->nprofiles && !dup; i++) {
		if (p->paux[i].ignored || strcmp(c->profiles[i].name, name))
			continue;
		duplicate(p, c->profiles[i].line);
		dup = true;
	}
	if (!ccm_cfg_add_profile(p, name, dup))
		return;
	p->sect = SECT_PROFILE;
	p->keys = &p->paux[p->cur].k;
}

static void enter_latency(struct parse *p, const char *name)
{
	bool dup = false;

	if (!named(p, "latency", name))
		return;
	if (!server_name_ok(name))
		ccm_cfg_error(p, "latency-name",
			      "latency rule names may hold only letters, digits,"
			      " '-' and '_'");
	for (size_t i = 0; i < p->nlat && !dup; i++) {
		if (p->lat[i].ignored || strcmp(p->lat[i].rule.name, name))
			continue;
		duplicate(p, p->lat[i].rule.line);
		dup = true;
	}
	if (!add_rule(p, name, dup))
		return;
	p->sect = SECT_LATENCY;
	p->keys = &p->lat[p->cur].k;
}

static void unknown_section(struct parse *p, const char *type,
			    const char *name)
{
	static const char *const types[] = { "agent", "node", "server",
					     "profile", "latency" };
	const char *hint = ccm_cfg_suggest(type, types, ARRAY_SIZE(types));

	if (hint)
		ccm_cfg_error(p, "unknown-section",
			      "is not a known section; did you mean [%s%s%s]?",
			      hint, *name ? " " : "", name);
	else
		ccm_cfg_error(p, "unknown-section",
			      "is not a known section: ccmon.conf has [agent],"
			      " [node NAME], [server NAME], [profile NAME]"
			      " and [latency NAME]");
}

void ccm_cfg_section_line(struct parse *p, char *s)
{
	char *end = ccm_cfg_find_chars_or_comment(s + 1, "]");
	char *type, *name, *rest;

	p->sect = SECT_IGNORED;
	free(p->label);
	p->label = NULL;
	if (*end != ']') {
		ccm_cfg_error(p, "syntax", "section header without ']'");
		return;
	}
	*end = '\0';
	rest = ccm_cfg_lskip(end + 1);
	if (*rest && *rest != ';' && *rest != '#') {
		ccm_cfg_error(p, "syntax", "text after ']' of a section header");
		return;
	}
	type = ccm_cfg_lskip(s + 1);
	ccm_cfg_rstrip(type);
	name = type + strcspn(type, " \t");
	if (*name) {
		*name = '\0';
		name = ccm_cfg_lskip(name + 1);
	}
	set_label(p, type, name);
	if (!strcmp(type, "agent"))
		enter_agent(p, name);
	else if (!strcmp(type, "node"))
		enter_node(p, name);
	else if (!strcmp(type, "server"))
		enter_server(p, name);
	else if (!strcmp(type, "profile"))
		enter_profile(p, name);
	else if (!strcmp(type, "latency"))
		enter_latency(p, name);
	else
		unknown_section(p, type, name);
}

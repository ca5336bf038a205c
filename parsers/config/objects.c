/* SPDX-License-Identifier: ISC */
/* A loaded configuration: freeing it and looking things up in it. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parsers/config/config_internal.h"

/* Each frees what keys.def does not name too: the section's name, the event
 * list (which jsm and tc share). */
void ccm_agent_release(struct ccm_agent_config *a)
{
	ccm_cfg_release_keys(SECT_AGENT, a);
}

void ccm_node_release(struct ccm_node *n)
{
	free(n->name);
	ccm_cfg_release_keys(SECT_NODE, n);
}

static void server_release(struct ccm_server *s)
{
	free(s->name);
	ccm_cfg_release_keys(SECT_SERVER, s);
}

static void profile_release(struct ccm_profile *pr)
{
	free(pr->name);
	free(pr->events);
	ccm_cfg_release_keys(SECT_PROFILE, pr);
}

void ccm_rule_release(struct ccm_queue_rule *r)
{
	free(r->name);
	ccm_cfg_release_keys(SECT_LATENCY, r);
}

void ccm_config_free(struct ccm_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nqueue_rules; i++)
		ccm_rule_release(&c->queue_rules[i]);
	free(c->queue_rules);
	ccm_agent_release(&c->agent);
	for (size_t i = 0; i < c->nnodes; i++)
		ccm_node_release(&c->nodes[i]);
	free(c->nodes);
	free(c->logs);
	free(c->log_node);
	for (size_t i = 0; i < c->nservers; i++)
		server_release(&c->servers[i]);
	free(c->servers);
	for (size_t i = 0; i < c->nprofiles; i++)
		profile_release(&c->profiles[i]);
	free(c->profiles);
	free(c->path);
	free(c);
}

const struct ccm_server *ccm_config_server(const struct ccm_config *c,
					   const char *name)
{
	for (size_t i = 0; i < c->nservers; i++)
		if (!strcmp(c->servers[i].name, name))
			return &c->servers[i];
	return NULL;
}

const struct ccm_server *
ccm_config_server_by_component(const struct ccm_config *c,
			       const char *component)
{
	for (size_t i = 0; i < c->nservers; i++)
		if (c->servers[i].component &&
		    !strcasecmp(c->servers[i].component, component))
			return &c->servers[i];
	return NULL;
}

bool ccm_config_node_watched(const struct ccm_config *c, const char *node)
{
	for (size_t i = 0; node && i < c->nlogs; i++)
		if (c->log_node[i] && !strcasecmp(c->log_node[i], node))
			return true;
	return false;
}

const struct ccm_profile *ccm_config_profile(const struct ccm_config *c,
					     const char *name)
{
	for (size_t i = 0; i < c->nprofiles; i++)
		if (!strcmp(c->profiles[i].name, name))
			return &c->profiles[i];
	return NULL;
}

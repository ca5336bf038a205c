/* SPDX-License-Identifier: ISC */
/* A loaded configuration: freeing it and looking things up in it. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parsers/config/config_internal.h"

void ccm_agent_release(struct ccm_agent_config *a)
{
	for (size_t i = 0; i < a->nlogs; i++)
		free(a->logs[i]);
	free(a->logs);
	free(a->node);
	free(a->state_dir);
	free(a->runtime_dir);
	free(a->agentx_socket);
	free(a->metrics_listen);
}

static void server_release(struct ccm_server *s)
{
	free(s->name);
	free(s->description);
	free(s->host);
	free(s->node);
	free(s->component);
	free(s->secret_file);
}

static void profile_release(struct ccm_profile *pr)
{
	free(pr->name);
	free(pr->description);
	free(pr->events);
}

void ccm_rule_release(struct ccm_queue_rule *r)
{
	free(r->name);
	free(r->match);
	free(r->start);
	free(r->end);
}

void ccm_config_free(struct ccm_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nqueue_rules; i++)
		ccm_rule_release(&c->queue_rules[i]);
	free(c->queue_rules);
	ccm_agent_release(&c->agent);
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

const struct ccm_profile *ccm_config_profile(const struct ccm_config *c,
					     const char *name)
{
	for (size_t i = 0; i < c->nprofiles; i++)
		if (!strcmp(c->profiles[i].name, name))
			return &c->profiles[i];
	return NULL;
}

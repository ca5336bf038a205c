#include <string.h>
#include <strings.h>

#include "agent/impact.h"

bool ccm_profile_waits_for_messages(const struct ccm_profile *profile)
{
	if (!profile)
		return true; /* the built-in default profile does */
	for (size_t i = 0; i < profile->nevents; i++) {
		const struct ccm_event *e = &profile->events[i];

		if (e->type != CCM_EVENT_JSM || e->fire_and_forget)
			continue;
		if (strcmp(e->name, "es_IN") && strcmp(e->name, "es_OUT"))
			continue;
		if (e->packet == CCM_PACKET_ALL ||
		    e->packet == CCM_PACKET_MESSAGE)
			return true;
	}
	return false;
}

static const struct ccm_component *find(const struct ccm_engine *engine,
					const char *name)
{
	const struct ccm_component *const *comps;
	size_t n = engine ? ccm_engine_components(engine, &comps) : 0;

	for (size_t i = 0; name && i < n; i++)
		if (!strcasecmp(comps[i]->name, name))
			return comps[i];
	return NULL;
}

static bool down(const struct ccm_component *c)
{
	return c && (c->state == CCM_STATE_CONNECTED ||
		     c->state == CCM_STATE_GONE);
}

static bool up(const struct ccm_component *c)
{
	return c && c->state == CCM_STATE_ACTIVE;
}

/* Is another server of the same profile ACTIVE? */
static bool balanced_peer_up(const struct ccm_engine *engine,
			     const struct ccm_config *config,
			     const struct ccm_server *s)
{
	for (size_t i = 0; i < config->nservers; i++) {
		const struct ccm_server *o = &config->servers[i];

		if (o != s && o->profile == s->profile &&
		    up(find(engine, o->component)))
			return true;
	}
	return false;
}

bool ccm_impact_messaging_blocked(const struct ccm_engine *engine,
				  const struct ccm_config *config)
{
	const struct ccm_component *const *comps;
	size_t n = engine ? ccm_engine_components(engine, &comps) : 0;

	for (size_t i = 0; i < n; i++) {
		const struct ccm_server *s = config ?
			ccm_config_server_by_component(config, comps[i]->name) :
			NULL;

		if (!down(comps[i]))
			continue;
		if (!s)
			return true;
		if (ccm_profile_waits_for_messages(s->profile) &&
		    !balanced_peer_up(engine, config, s))
			return true;
	}
	return false;
}

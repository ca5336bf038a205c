/* SPDX-License-Identifier: ISC */
#include <stdlib.h>
#include <string.h>

#include "agent/core/component_rows.h"

static int row_cmp(const void *a, const void *b)
{
	const struct ccm_component_row *x = a, *y = b;

	return strcmp(x->name, y->name);
}

size_t ccm_component_rows(const struct ccm_engine *engine,
			  const struct ccm_config *config,
			  struct ccm_component_row **out)
{
	const struct ccm_component *const *comps = NULL;
	size_t ncomps = engine ? ccm_engine_components(engine, &comps) : 0;
	size_t nservers = config ? config->nservers : 0;
	struct ccm_component_row *rows;
	size_t n = 0;

	*out = NULL;
	if (!ncomps && !nservers)
		return 0;
	rows = calloc(ncomps + nservers, sizeof(*rows));
	if (!rows)
		return (size_t)-1;
	for (size_t i = 0; i < ncomps; i++) {
		const struct ccm_server *s = config ?
			ccm_config_server_by_component(config, comps[i]->name) :
			NULL;

		rows[n++] = (struct ccm_component_row){
			.name = s && s->component ? s->component :
						    comps[i]->name,
			.comp = comps[i],
			.server = s,
		};
	}
	for (size_t i = 0; i < nservers; i++) {
		const struct ccm_server *s = &config->servers[i];

		/* known to the engine under any case: its row above */
		if (s->component && !(engine && ccm_engine_component(
						       engine, s->component)))
			rows[n++] = (struct ccm_component_row){
				.name = s->component, .server = s };
	}
	qsort(rows, n, sizeof(*rows), row_cmp);
	*out = rows;
	return n;
}

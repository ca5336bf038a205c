/* SPDX-License-Identifier: ISC */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/report/lanes.h"

/* A pointer (a component's name or endpoint, the engine's own copy) and
 * the lane it leads to, sorted by pointer to be looked up. */
struct key {
	uintptr_t p;
	size_t lane;
};

static int key_cmp(const void *x, const void *y)
{
	const struct key *a = x, *b = y;

	if (a->p != b->p)
		return a->p < b->p ? -1 : 1;
	return a->lane < b->lane ? -1 : a->lane > b->lane;
}

/* The first of the n keys with pointer p, or n. */
static size_t key_first(const struct key *k, size_t n, uintptr_t p)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (k[mid].p < p)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && k[lo].p == p ? lo : n;
}

struct maps {
	struct key *by_name;  /* component name -> its lane */
	struct key *by_ep;    /* endpoint -> lanes: components, or orphan */
	size_t nnames, neps;
};

/* For each lane of item i of kind (0 transition, 1 connect, 2 incident,
 * 3 wait):
 * counts it in pos[lane], or, given item, writes i at item[pos[lane]++]. */
static void lanes_of(const struct maps *m, const struct ccm_timeline *tl,
		     int kind, size_t i, size_t *pos, uint32_t *item)
{
	const void *name = NULL, *ep = NULL;
	size_t name_lane = SIZE_MAX;
	const struct {
		const struct key *k;
		size_t n;
	} look[2] = {
		{ m->by_name, m->nnames },
		{ m->by_ep, m->neps },
	};

	switch (kind) {
	case 0:
		if (tl->entries[i].kind != CCM_CHANGE_TRANSITION)
			return;
		name = tl->entries[i].component;
		break;
	case 3:
		if (tl->entries[i].kind != CCM_CHANGE_LATENCY)
			return;
		name = tl->entries[i].component;
		break;
	case 1:
		name = tl->connects[i].component;
		ep = tl->connects[i].endpoint;
		break;
	default:
		name = tl->incidents[i].component;
		break;
	}
	for (int w = 0; w < 2; w++) {
		uintptr_t p = (uintptr_t)(w ? ep : name);
		size_t k;

		if (!p)
			continue;
		for (k = key_first(look[w].k, look[w].n, p);
		     k < look[w].n && look[w].k[k].p == p; k++) {
			size_t lane = look[w].k[k].lane, *at = &pos[lane];

			/* by its name and its endpoint: still one mark */
			if (w == 0)
				name_lane = lane;
			else if (lane == name_lane)
				continue;
			if (item)
				item[*at] = (uint32_t)i;
			++*at;
		}
	}
}

/* A counting sort of the n items of kind into nlanes lanes; item order
 * is kept within each lane. */
static int bucket(struct ccm_lane_items *li, const struct maps *m,
		  const struct ccm_timeline *tl, int kind, size_t n,
		  size_t nlanes)
{
	size_t *pos = calloc(nlanes + 1, sizeof(*pos));

	li->start = calloc(nlanes + 1, sizeof(*li->start));
	li->item = NULL;
	if (!li->start || !pos || n > UINT32_MAX)
		goto oom;
	for (size_t i = 0; i < n; i++)
		lanes_of(m, tl, kind, i, pos, NULL);
	for (size_t l = 0; l < nlanes; l++)
		li->start[l + 1] = li->start[l] + pos[l];
	li->item = malloc((li->start[nlanes] ? li->start[nlanes] : 1) *
			  sizeof(*li->item));
	if (!li->item)
		goto oom;
	memcpy(pos, li->start, (nlanes + 1) * sizeof(*pos));
	for (size_t i = 0; i < n; i++)
		lanes_of(m, tl, kind, i, pos, li->item);
	free(pos);
	return 0;
oom:
	free(pos);
	free(li->start);
	li->start = NULL;
	return -1;
}

static void items_release(struct ccm_lane_items *li)
{
	free(li->start);
	free(li->item);
	li->start = NULL;
	li->item = NULL;
}

void ccm_lanes_release(struct ccm_lanes *l)
{
	items_release(&l->transitions);
	items_release(&l->connects);
	items_release(&l->incidents);
	items_release(&l->waits);
	free(l->orphans);
	memset(l, 0, sizeof(*l));
}

int ccm_lanes_build(struct ccm_lanes *l, const struct ccm_analysis *a,
		    unsigned what)
{
	const struct ccm_component *const *comps;
	const struct ccm_endpoint *const *eps;
	const struct ccm_timeline *tl = a->timeline;
	size_t ncomps = ccm_engine_components(a->engine, &comps);
	size_t neps = ccm_engine_endpoints(a->engine, &eps);
	struct maps m = { 0 };
	bool *used = NULL, *seen = NULL;
	size_t nlanes;
	int rc = -1;

	memset(l, 0, sizeof(*l));
	l->ncomps = ncomps;
	m.by_name = malloc((ncomps + 1) * sizeof(*m.by_name));
	m.by_ep = malloc((ncomps + neps + 1) * sizeof(*m.by_ep));
	l->orphans = malloc((neps + 1) * sizeof(*l->orphans));
	used = calloc(neps + 1, sizeof(*used));
	seen = calloc(neps + 1, sizeof(*seen));
	if (!m.by_name || !m.by_ep || !l->orphans || !used || !seen)
		goto out;
	for (size_t i = 0; i < ncomps; i++) {
		m.by_name[m.nnames++] = (struct key){ (uintptr_t)comps[i]->name,
						      i };
		if (comps[i]->endpoint)
			m.by_ep[m.neps++] = (struct key){
				(uintptr_t)comps[i]->endpoint, i };
	}
	qsort(m.by_name, m.nnames, sizeof(*m.by_name), key_cmp);
	qsort(m.by_ep, m.neps, sizeof(*m.by_ep), key_cmp);
	/* an endpoint no component uses gets a lane when it carried a
	 * connect line: a server the router tried and never reached */
	{
		struct key *idx = malloc((neps + 1) * sizeof(*idx));

		if (!idx)
			goto out;
		for (size_t i = 0; i < neps; i++) {
			idx[i] = (struct key){ (uintptr_t)eps[i], i };
			used[i] = key_first(m.by_ep, m.neps,
					    (uintptr_t)eps[i]) < m.neps;
		}
		qsort(idx, neps, sizeof(*idx), key_cmp);
		for (size_t i = 0; i < tl->nconnects; i++) {
			size_t k = key_first(idx, neps,
					     (uintptr_t)tl->connects[i].endpoint);

			if (tl->connects[i].endpoint && k < neps)
				seen[idx[k].lane] = true;
		}
		free(idx);
	}
	for (size_t i = 0; i < neps; i++)
		if (!used[i] && seen[i]) {
			m.by_ep[m.neps++] = (struct key){ (uintptr_t)eps[i],
							  ncomps + l->norphans };
			l->orphans[l->norphans++] = eps[i];
		}
	qsort(m.by_ep, m.neps, sizeof(*m.by_ep), key_cmp);
	nlanes = ncomps + l->norphans;
	if (bucket(&l->transitions, &m, tl, 0, what & CCM_LANES_TRANSITIONS ?
		   tl->nentries : 0, nlanes) ||
	    bucket(&l->connects, &m, tl, 1, what & CCM_LANES_CONNECTS ?
		   tl->nconnects : 0, nlanes) ||
	    bucket(&l->incidents, &m, tl, 2, what & CCM_LANES_INCIDENTS ?
		   tl->nincidents : 0, nlanes) ||
	    bucket(&l->waits, &m, tl, 3, what & CCM_LANES_WAITS ?
		   tl->nentries : 0, nlanes))
		goto out;
	rc = 0;
out:
	free(m.by_name);
	free(m.by_ep);
	free(used);
	free(seen);
	if (rc)
		ccm_lanes_release(l);
	return rc;
}

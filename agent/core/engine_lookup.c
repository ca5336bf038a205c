/* SPDX-License-Identifier: ISC */
/* The engine's tables: components and endpoints in sorted pointer arrays
 * (a cluster has tens of them, a lookup is a bsearch, and reports walk
 * them in name order for free), and the bound on names only the log
 * gives. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agent/core/engine_impl.h"
#include "agent/util/grow.h"
#include "agent/util/text_clean.h"

/* ---- lookup ------------------------------------------------------------ */

static int cmp_span(const char *a, const char *b, size_t bn)
{
	size_t an = strlen(a);
	int c = memcmp(a, b, an < bn ? an : bn);

	return c ? c : (an > bn) - (an < bn);
}

/* Component names are domain names, which ignore case: the router may
 * spell one differently from the configuration. */
int eng_name_cmp(const char *a, const char *b, size_t bn)
{
	size_t an = strlen(a);
	int c = strncasecmp(a, b, an < bn ? an : bn);

	return c ? c : (an > bn) - (an < bn);
}

/* The component named name[0..n) and *at its place, or NULL with *at
 * where it belongs. */
struct ccm_component *eng_find_component(const struct ccm_engine *e,
					 const char *name, size_t n,
					 size_t *at)
{
	size_t lo = 0, hi = e->ncomps;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = eng_name_cmp(e->comps[mid]->name, name, n);
		if (r == 0) {
			*at = mid;
			return e->comps[mid];
		}
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*at = lo;
	return NULL;
}

const struct ccm_component *ccm_engine_component(const struct ccm_engine *e,
						 const char *name)
{
	size_t at;

	return name ? eng_find_component(e, name, strlen(name), &at) : NULL;
}

struct ccm_component *eng_component(struct ccm_engine *e,
				    const char *name, size_t n)
{
	size_t lo;
	struct ccm_component *c = eng_find_component(e, name, n, &lo);

	if (c)
		return c;
	if (CCM_GROW(e->comps, e->capcomps, e->ncomps, 16))
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c || !(c->name = strndup(name, n))) {
		free(c);
		return NULL;
	}
	memmove(e->comps + lo + 1, e->comps + lo,
		(e->ncomps - lo) * sizeof(*e->comps));
	e->comps[lo] = c;
	e->ncomps++;
	if (n > CCM_TEXT_RESOURCE_MAX ||
	    !ccm_text_is_clean(name, n, CCM_TEXT_DISPLAY))
		e->names_cleaned++;
	return c;
}

/* A component named by a log line: NULL with *rc 0 when the bound keeps
 * it out, NULL with *rc -1 when out of memory. */
struct ccm_component *eng_log_component(struct ccm_engine *e,
					const char *name, size_t n, int *rc)
{
	size_t at;
	struct ccm_component *c = eng_find_component(e, name, n, &at);

	*rc = -1;
	if (c)
		return c;
	if (e->config.max_components &&
	    e->nlogged >= e->config.max_components) {
		e->untracked++;
		*rc = 0;
		return NULL;
	}
	c = eng_component(e, name, n);
	if (c)
		e->nlogged++;
	return c;
}

void ccm_engine_set_max_components(struct ccm_engine *e, size_t max)
{
	e->config.max_components = max;
}

void ccm_engine_set_restart(struct ccm_engine *e, ccm_ms silence,
			    ccm_ms burst)
{
	e->config.restart_silence = silence > 0 ? silence :
				    CCM_DEFAULT_RESTART_SILENCE;
	e->config.restart_burst = burst > 0 ? burst :
				  CCM_DEFAULT_RESTART_BURST;
}

uint64_t ccm_engine_untracked(const struct ccm_engine *e)
{
	return e->untracked;
}

bool ccm_engine_full(const struct ccm_engine *e)
{
	return e->config.max_components &&
	       e->nlogged >= e->config.max_components;
}

static int cmp_endpoint(const struct ccm_endpoint *ep, const char *host,
			size_t n, unsigned port)
{
	int c = cmp_span(ep->host, host, n);

	return c ? c : (ep->port > port) - (ep->port < port);
}

/* The endpoint host[0..n):port, or NULL with *at where it belongs. */
static struct ccm_endpoint *eng_find_endpoint(const struct ccm_engine *e,
					      const char *host, size_t n,
					      unsigned port, size_t *at)
{
	size_t lo = 0, hi = e->neps;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = cmp_endpoint(e->eps[mid], host, n, port);
		if (r == 0) {
			*at = mid;
			return e->eps[mid];
		}
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*at = lo;
	return NULL;
}

const struct ccm_endpoint *ccm_engine_endpoint(const struct ccm_engine *e,
					       const char *host, size_t n,
					       unsigned port)
{
	size_t at;

	return host ? eng_find_endpoint(e, host, n, port, &at) : NULL;
}

struct ccm_endpoint *eng_endpoint(struct ccm_engine *e, const char *host,
				  size_t n, unsigned port)
{
	size_t lo;
	struct ccm_endpoint *ep = eng_find_endpoint(e, host, n, port, &lo);

	if (ep)
		return ep;
	if (CCM_GROW(e->eps, e->capeps, e->neps, 16))
		return NULL;
	ep = calloc(1, sizeof(*ep));
	if (!ep || !(ep->host = strndup(host, n))) {
		free(ep);
		return NULL;
	}
	ep->port = port;
	memmove(e->eps + lo + 1, e->eps + lo, (e->neps - lo) * sizeof(*e->eps));
	e->eps[lo] = ep;
	e->neps++;
	return ep;
}


/* SPDX-License-Identifier: ISC */
/* The alarm object's store: where each alarm is kept and found
 * (agent/core/alarm_store.h), what the raised ones look like to status
 * and SNMP, and what of them is saved and loaded across a restart. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agent/core/alarm_store.h"
#include "agent/util/grow.h"

void alarm_free(struct alarm *a)
{
	if (!a)
		return;
	free(a->resource);
	free(a->text);
	free(a->clear_text);
	free(a);
}

void ccm_alarms_free(struct ccm_alarms *as)
{
	if (!as)
		return;
	for (size_t i = 0; i < as->n; i++)
		alarm_free(as->all[i]);
	free(as->all);
	free(as->buckets);
	for (unsigned h = 0; h < NHEAPS; h++)
		free(as->heap[h].v);
	free(as->act);
	free(as);
}

/* ---- lookup ------------------------------------------------------------ */

static int cmp_key(const struct alarm *a, enum ccm_alarm_type type,
		   const char *resource)
{
	if (a->type != type)
		return a->type < type ? -1 : 1;
	return strcmp(a->resource, resource);
}

/* FNV-1a over the type and the resource. */
static size_t hash_key(enum ccm_alarm_type type, const char *resource)
{
	uint64_t h = UINT64_C(14695981039346656037);

	h = (h ^ (unsigned)type) * UINT64_C(1099511628211);
	for (const unsigned char *p = (const unsigned char *)resource; *p; p++)
		h = (h ^ *p) * UINT64_C(1099511628211);
	return (size_t)(h ^ (h >> 32));
}

struct alarm *alarm_find(const struct ccm_alarms *as,
			 enum ccm_alarm_type type, const char *resource)
{
	struct alarm *a;

	if (!as->nbuckets)
		return NULL;
	a = as->buckets[hash_key(type, resource) & (as->nbuckets - 1)];
	while (a && cmp_key(a, type, resource) != 0)
		a = a->hnext;
	return a;
}

static void hash_link(struct alarm **buckets, size_t nbuckets, struct alarm *a)
{
	struct alarm **b = &buckets[hash_key(a->type, a->resource) &
				    (nbuckets - 1)];

	a->hnext = *b;
	*b = a;
}

/* Twice the buckets when there are more alarms than buckets. */
static int hash_grow(struct ccm_alarms *as)
{
	size_t nb = as->nbuckets ? as->nbuckets * 2 : 64;
	struct alarm **b;

	if (as->n < as->nbuckets)
		return 0;
	b = calloc(nb, sizeof(*b));
	if (!b)
		return as->nbuckets ? 0 : -1; /* longer chains, still right */
	for (size_t i = 0; i < as->n; i++)
		hash_link(b, nb, as->all[i]);
	free(as->buckets);
	as->buckets = b;
	as->nbuckets = nb;
	return 0;
}

static void hash_unlink(struct ccm_alarms *as, struct alarm *a)
{
	struct alarm **p = &as->buckets[hash_key(a->type, a->resource) &
					(as->nbuckets - 1)];

	while (*p != a)
		p = &(*p)->hnext;
	*p = a->hnext;
}

/* A new alarm into all[] and the hash. */
int alarm_insert(struct ccm_alarms *as, struct alarm *a)
{
	if (CCM_GROW(as->all, as->cap, as->n, 16) || hash_grow(as))
		return -1;
	for (unsigned h = 0; h < NHEAPS; h++)
		a->heap_at[h] = NOWHERE;
	a->act_at = NOWHERE;
	a->all_at = as->n;
	as->all[as->n++] = a;
	hash_link(as->buckets, as->nbuckets, a);
	return 0;
}

/* ---- heaps ------------------------------------------------------------- */

/* Earlier first; equal times in (type, resource) order, so that the
 * callback sees the same order whatever the history of the heap. */
static bool before(unsigned h, const struct alarm *x, const struct alarm *y)
{
	if (x->heap_key[h] != y->heap_key[h])
		return x->heap_key[h] < y->heap_key[h];
	return cmp_key(x, y->type, y->resource) < 0;
}

static void heap_put(struct heap *hp, unsigned h, size_t i, struct alarm *a)
{
	hp->v[i] = a;
	a->heap_at[h] = i;
}

static void sift_up(struct heap *hp, unsigned h, size_t i)
{
	struct alarm *a = hp->v[i];

	while (i > 0 && before(h, a, hp->v[(i - 1) / 2])) {
		heap_put(hp, h, i, hp->v[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_put(hp, h, i, a);
}

static void sift_down(struct heap *hp, unsigned h, size_t i)
{
	struct alarm *a = hp->v[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= hp->n)
			break;
		if (c + 1 < hp->n && before(h, hp->v[c + 1], hp->v[c]))
			c++;
		if (!before(h, hp->v[c], a))
			break;
		heap_put(hp, h, i, hp->v[c]);
		i = c;
	}
	heap_put(hp, h, i, a);
}

static void heap_remove(struct ccm_alarms *as, unsigned h, struct alarm *a)
{
	struct heap *hp = &as->heap[h];
	size_t i = a->heap_at[h];

	if (i == NOWHERE)
		return;
	a->heap_at[h] = NOWHERE;
	if (--hp->n == i)
		return;
	heap_put(hp, h, i, hp->v[hp->n]);
	sift_up(hp, h, i);
	sift_down(hp, h, hp->v[i]->heap_at[h]);
}

/* Puts a in heap h at key, or takes it out (have false).  Returns -1 when
 * out of memory: a left out of the heap. */
static int heap_set(struct ccm_alarms *as, unsigned h, struct alarm *a,
		    bool have, ccm_ms key)
{
	struct heap *hp = &as->heap[h];
	size_t i = a->heap_at[h];

	if (!have) {
		heap_remove(as, h, a);
		return 0;
	}
	if (i == NOWHERE) {
		if (CCM_GROW(hp->v, hp->cap, hp->n, 16))
			return -1;
		i = hp->n++;
		a->heap_key[h] = key;
		heap_put(hp, h, i, a);
		sift_up(hp, h, i);
		return 0;
	}
	a->heap_key[h] = key;
	sift_up(hp, h, i);
	sift_down(hp, h, a->heap_at[h]);
	return 0;
}

/* ---- the raised ones, by id -------------------------------------------- */

static void act_compact(struct ccm_alarms *as)
{
	size_t k = 0;

	for (size_t i = 0; i < as->nact; i++) {
		struct alarm *a = as->act[i].a;

		if (!a)
			continue;
		as->act[k] = as->act[i];
		a->act_at = k;
		k++;
	}
	as->nact = k;
	as->holes = 0;
}

/* ids only grow, so a new RAISED goes at the end. */
static int act_append(struct ccm_alarms *as, struct alarm *a)
{
	if (as->nact == as->capact && as->holes)
		act_compact(as);
	if (CCM_GROW(as->act, as->capact, as->nact, 16))
		return -1;
	a->act_at = as->nact;
	as->act[as->nact++] = (struct active){ .id = a->id, .a = a };
	return 0;
}

static void act_remove(struct ccm_alarms *as, struct alarm *a)
{
	if (a->act_at == NOWHERE)
		return;
	as->act[a->act_at].a = NULL;
	a->act_at = NOWHERE;
	as->holes++;
	/* holes at most half of the array: a walk over it stays linear */
	if (as->holes > 16 && as->holes * 2 > as->nact)
		act_compact(as);
}

static int by_id(const void *x, const void *y)
{
	const struct active *a = x, *b = y;

	return (a->id > b->id) - (a->id < b->id);
}

/* ---- an alarm's places ------------------------------------------------- */

void alarm_forget(struct ccm_alarms *as, struct alarm *a)
{
	struct alarm *last = as->all[--as->n];

	for (unsigned h = 0; h < NHEAPS; h++)
		heap_remove(as, h, a);
	act_remove(as, a);
	hash_unlink(as, a);
	last->all_at = a->all_at;
	as->all[a->all_at] = last;
	alarm_free(a);
}

int alarm_place(struct ccm_alarms *as, struct alarm *a, bool have_due,
		ccm_ms due, bool have_idle, ccm_ms idle_at)
{
	heap_set(as, DUE, a, have_due, due);
	heap_set(as, IDLE, a, have_idle, idle_at);
	if (a->act_at != NOWHERE && (!a->pub || as->act[a->act_at].id != a->id))
		act_remove(as, a);
	if (a->pub && a->act_at == NOWHERE)
		return act_append(as, a);
	return 0;
}

/* ---- keys and texts ---------------------------------------------------- */

/* Texts end up in journal fields, syslog lines and terminals: one line,
 * fit to show, bounded (cut between characters). */
char *alarm_clean_text(const char *s)
{
	char t[CCM_ALARM_TEXT_MAX + 1];

	ccm_text_clean_into(t, sizeof(t), s, strnlen(s, sizeof(t)),
			    CCM_TEXT_DISPLAY, NULL);
	return strdup(t);
}

/* A resource is a key: a name from a log that is not fit to show (control
 * characters, bytes that are not UTF-8, over CCM_ALARM_TEXT_MAX bytes)
 * becomes a cleaned, bounded form that still tells names apart
 * (ccm_text_resource()), rather than an alarm nobody hears of.  NULL for
 * no resource at all. */
const char *alarm_resource_key(const char *s,
			       char buf[static CCM_TEXT_RESOURCE_MAX + 1])
{
	if (!s || !*s)
		return NULL;
	ccm_text_resource(s, buf);
	return buf;
}

/* ---- status ------------------------------------------------------------ */

static void view(const struct alarm *a, struct ccm_alarm_view *out)
{
	*out = (struct ccm_alarm_view){
		.id = a->id,
		.type = a->type,
		.resource = a->resource,
		.severity = a->severity,
		.since = a->pub_since,
		.raised_at = a->raised_at,
		.flapping = a->flapping,
		.changes = a->changes,
		.condition = a->cond,
		.text = a->text ? a->text :
				  ccm_alarm_type_info(a->type)->raised,
	};
}

bool ccm_alarms_next_active(const struct ccm_alarms *as, uint64_t after,
			    struct ccm_alarm_view *out)
{
	size_t lo = 0, hi = as->nact;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (as->act[mid].id <= after)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < as->nact; lo++) {
		if (as->act[lo].a) {
			view(as->act[lo].a, out);
			return true;
		}
	}
	return false;
}

size_t ccm_alarms_count_active(const struct ccm_alarms *as)
{
	return as->nact - as->holes;
}

/* ---- saved and loaded -------------------------------------------------- */

bool ccm_alarm_saved_valid(const struct ccm_alarm_saved *r)
{
	return ccm_alarm_type_info(r->type) &&
	       (unsigned)r->severity <= CCM_SEV_WARNING && r->resource &&
	       *r->resource && r->id >= 1 && r->id <= INT64_MAX &&
	       r->changes <= INT64_MAX && r->since >= -CCM_ALARM_TIME_MAX &&
	       r->since <= CCM_ALARM_TIME_MAX &&
	       r->raised_at >= -CCM_ALARM_TIME_MAX &&
	       r->raised_at <= CCM_ALARM_TIME_MAX;
}

int ccm_alarms_each_saved(const struct ccm_alarms *as,
			  int (*fn)(void *ctx,
				    const struct ccm_alarm_saved *saved),
			  void *ctx)
{
	for (size_t i = 0; i < as->nact; i++) {
		const struct alarm *a = as->act[i].a;
		int rc;

		if (!a)
			continue;
		rc = fn(ctx, &(struct ccm_alarm_saved){
			.type = a->type,
			.resource = a->resource,
			.id = a->id,
			.severity = a->severity,
			.since = a->pub_since,
			.raised_at = a->raised_at,
			.text = a->text,
			.flapping = a->flapping,
			.changes = a->changes,
			.phase = a->phase,
		});
		if (rc)
			return rc;
	}
	return 0;
}

uint64_t ccm_alarms_last_id(const struct ccm_alarms *as)
{
	return as->last_id;
}

/* One record into a new alarm, raised as far as the world knows and
 * presumed still true.  NULL with errno EINVAL or ENOMEM. */
static struct alarm *saved_alarm(const struct ccm_alarm_saved *r)
{
	char key[CCM_TEXT_RESOURCE_MAX + 1];
	struct alarm *a;

	if (!ccm_alarm_saved_valid(r)) {
		errno = EINVAL;
		return NULL;
	}
	a = calloc(1, sizeof(*a));
	if (!a)
		goto oom;
	a->resource = strdup(alarm_resource_key(r->resource, key));
	if (!a->resource)
		goto oom;
	if (r->text && !(a->text = alarm_clean_text(r->text)))
		goto oom;
	a->type = r->type;
	a->severity = r->severity;
	a->want_sev = a->severity;
	a->phase = r->phase;
	a->want_phase = a->phase;
	a->flapping = r->flapping;
	a->changes = r->changes;
	a->restored = true;
	a->cond = true;
	a->cond_since = r->since;
	a->in_episode = true;
	a->episode_start = r->since;
	a->want = true;
	a->want_since = r->since;
	a->want_at = r->raised_at;
	a->pub = true;
	a->id = r->id;
	a->pub_since = r->since;
	a->raised_at = r->raised_at;
	return a;
oom:
	alarm_free(a);
	errno = ENOMEM;
	return NULL;
}

/* Undoes a load that failed: the object has no alarms again. */
static void unload(struct ccm_alarms *as)
{
	while (as->n)
		alarm_forget(as, as->all[as->n - 1]);
	as->nact = 0;
	as->holes = 0;
}

int ccm_alarms_load(struct ccm_alarms *as, const struct ccm_alarm_saved *v,
		    size_t n, uint64_t last_id)
{
	uint64_t max_id = last_id;
	int loaded = 0;

	if (as->n) {
		errno = EBUSY;
		return -1;
	}
	if (last_id > INT64_MAX) {
		errno = EINVAL;
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		struct alarm *a = saved_alarm(&v[i]);

		if (!a) {
			unload(as);
			return -1;
		}
		if (alarm_find(as, a->type, a->resource)) {
			/* The same alarm twice: the first one stands. */
			alarm_free(a);
			continue;
		}
		if (alarm_insert(as, a)) {
			alarm_free(a);
			goto oom;
		}
		if (act_append(as, a))
			goto oom;
		if (a->id > max_id)
			max_id = a->id;
		loaded++;
	}
	/* the records' order is not necessarily the ids' (none: no array) */
	if (as->nact)
		qsort(as->act, as->nact, sizeof(*as->act), by_id);
	for (size_t i = 0; i < as->nact; i++)
		as->act[i].a->act_at = i;
	if (max_id > as->last_id)
		as->last_id = max_id;
	return loaded;
oom:
	unload(as);
	errno = ENOMEM;
	return -1;
}

/* SPDX-License-Identifier: ISC */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "agent/core/component_rows.h"
#include "agent/core/impact.h"
#include "agent/snmp/mib.h"
#include "agent/snmp/view.h"
#include "agent/util/text_clean.h"

static const uint32_t root[] = { CCM_MIB_ROOT };

#define ADMIN_STRING_MAX CCM_MIB_ADMIN_STRING_MAX
#define NSCALARS CCM_MIB_AGENT_LAST
#define COMP_COLS (CCM_MIB_COMP_LAST - CCM_MIB_COMP_KEY)
#define ALARM_COLS (CCM_MIB_ALARM_LAST - CCM_MIB_ALARM_ID)
#define IMPACT_COLS (CCM_MIB_IMPACT_LAST - CCM_MIB_IMPACT_SCOPE)
#define HISTORY_COLS (CCM_MIB_HISTORY_LAST - CCM_MIB_HISTORY_ID)

/* A string index (component name, scope): in lower case, since the
 * router's names ignore case; length-prefixed in the OID. */
struct skey {
	uint8_t v[CCM_MIB_COMP_KEY_MAX];
	size_t len;
};

/* The rows of both string-indexed tables start with their key. */
struct crow {
	struct skey key;
	const struct ccm_component_row *row;
	const struct ccm_probe_stats *probe;
	struct ccm_qlat_stats queue; /* all 0 for a component never seen */
};

struct irow {
	struct skey key;
	const struct ccm_impact *im;
};

struct ccm_snmp_view {
	struct ccm_snmp_source src;
	struct irow *irows;             /* in index order */
	size_t nirows;
	struct ccm_component_row *rows; /* ccm_component_rows()'s */
	struct crow *crows;             /* in index order */
	size_t ncrows;
	struct ccm_alarm_view *alarms;  /* by id, ids below 2^32 */
	size_t nalarms;
	const struct ccm_cleared_alarm **cleared; /* by id, below 2^32 */
	size_t ncleared;
	bool blocked;
	size_t blocked_scopes;          /* ccmonMessagingBlockedScopes */
	ccm_ms window;                  /* of queue latency; 0 without engine */
};

const uint32_t *ccm_snmp_root(size_t *len)
{
	*len = CCM_MIB_ROOT_LEN;
	return root;
}

/* ---- building ------------------------------------------------------------ */

/* False for a name the index cannot carry (empty, over its SIZE, once
 * cleaned as ccmonComponentName shows it). */
static bool skey_set(struct skey *k, const char *name)
{
	char buf[sizeof(k->v) + 1];
	size_t len;
	bool cut;

	if (!name)
		return false;
	len = ccm_text_clean_into(buf, sizeof(buf), name, strlen(name),
				  CCM_TEXT_DISPLAY, &cut);
	if (!len || cut)
		return false;
	for (size_t i = 0; i < len; i++)
		k->v[i] = (uint8_t)tolower((unsigned char)buf[i]);
	k->len = len;
	return true;
}

/* Index order: length first, then the octets; a and b point at rows
 * (struct crow, struct irow), whose first member is the key. */
static int skey_cmp(const void *a, const void *b)
{
	const struct skey *x = a, *y = b;

	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return memcmp(x->v, y->v, x->len);
}

/* Appends the index to oid at n; returns the new length. */
static size_t skey_append(const struct skey *k, uint32_t *oid, size_t n)
{
	oid[n++] = (uint32_t)k->len;
	for (size_t i = 0; i < k->len; i++)
		oid[n++] = k->v[i];
	return n;
}

static int build_components(struct ccm_snmp_view *v)
{
	size_t n = ccm_component_rows(v->src.engine, v->src.config, &v->rows);
	ccm_ms now = v->src.now;

	if (n == (size_t)-1)
		return -1;
	if (v->src.engine) {
		v->window = ccm_engine_latency_window(v->src.engine);
		if (!now)
			now = ccm_engine_now(v->src.engine);
	}
	if (!n)
		return 0;
	v->crows = calloc(n, sizeof(*v->crows));
	if (!v->crows)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const struct ccm_component_row *r = &v->rows[i];
		struct crow *c = &v->crows[v->ncrows];

		if (!skey_set(&c->key, r->name))
			continue;
		c->row = r;
		if (r->server && v->src.probe)
			c->probe = v->src.probe(v->src.probe_ctx,
						r->server->name);
		/* once per request, not per column: the sort is the cost,
		 * and every column then describes the same samples */
		if (r->comp && ccm_qlat_stats_since(&r->comp->latency,
						    now - v->window,
						    &c->queue))
			return -1;
		v->ncrows++;
	}
	qsort(v->crows, v->ncrows, sizeof(*v->crows), skey_cmp);
	/* One row per index: names differing only in case are one
	 * component to the router. */
	size_t kept = 0;
	for (size_t i = 0; i < v->ncrows; i++)
		if (!kept || skey_cmp(&v->crows[kept - 1], &v->crows[i]))
			v->crows[kept++] = v->crows[i];
	v->ncrows = kept;
	return 0;
}

static int build_impacts(struct ccm_snmp_view *v)
{
	if (!v->src.nimpacts)
		return 0;
	v->irows = calloc(v->src.nimpacts, sizeof(*v->irows));
	if (!v->irows)
		return -1;
	for (size_t i = 0; i < v->src.nimpacts; i++) {
		const struct ccm_impact *im = &v->src.impacts[i];
		struct irow *r = &v->irows[v->nirows];

		if (!skey_set(&r->key, im->scope))
			continue;
		r->im = im;
		v->nirows++;
	}
	qsort(v->irows, v->nirows, sizeof(*v->irows), skey_cmp);
	return 0;
}

static int build_alarms(struct ccm_snmp_view *v)
{
	const struct ccm_alarms *a = v->src.alarms;
	size_t cap = a ? ccm_alarms_count_active(a) : 0;
	struct ccm_alarm_view av;
	uint64_t after = 0;

	if (!cap)
		return 0;
	v->alarms = calloc(cap, sizeof(*v->alarms));
	if (!v->alarms)
		return -1;
	while (v->nalarms < cap && ccm_alarms_next_active(a, after, &av)) {
		after = av.id;
		if (av.id > UINT32_MAX)
			break; /* ids grow: none after it fits either */
		v->alarms[v->nalarms++] = av;
	}
	return 0;
}

static int cleared_cmp(const void *a, const void *b)
{
	const struct ccm_cleared_alarm *x = *(const struct ccm_cleared_alarm *const *)a;
	const struct ccm_cleared_alarm *y = *(const struct ccm_cleared_alarm *const *)b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int build_history(struct ccm_snmp_view *v)
{
	const struct ccm_cleared_alarms *c = v->src.cleared;
	const struct ccm_cleared_alarm *a;

	if (!c || !c->n)
		return 0;
	v->cleared = calloc(c->n, sizeof(*v->cleared));
	if (!v->cleared)
		return -1;
	for (size_t i = 0; (a = ccm_cleared_alarms_get(c, i)); i++)
		if (a->id && a->id <= UINT32_MAX)
			v->cleared[v->ncleared++] = a;
	qsort(v->cleared, v->ncleared, sizeof(*v->cleared), cleared_cmp);
	return 0;
}

static size_t blocked_scopes(const struct ccm_snmp_source *src)
{
	size_t n = 0;

	for (size_t i = 0; i < src->nimpacts; i++)
		if (src->impacts[i].classes[CCM_CLASS_MESSAGE].reach ==
		    CCM_REACH_ALL)
			n++;
	return n;
}

struct ccm_snmp_view *ccm_snmp_view_new(const struct ccm_snmp_source *src)
{
	struct ccm_snmp_view *v = calloc(1, sizeof(*v));

	if (!v)
		return NULL;
	v->src = *src;
	if (build_components(v) || build_alarms(v) || build_impacts(v) ||
	    build_history(v)) {
		ccm_snmp_view_free(v);
		return NULL;
	}
	/* as the messaging-blocked alarm judged it, servers that do not
	 * answer included; from the components alone without a judgement */
	v->blocked_scopes = src->nimpacts ? blocked_scopes(src) :
			    ccm_impact_messaging_blocked(src->engine,
							 src->config) ? 1 : 0;
	v->blocked = v->blocked_scopes > 0;
	return v;
}

void ccm_snmp_view_free(struct ccm_snmp_view *v)
{
	if (!v)
		return;
	free(v->rows);
	free(v->crows);
	free(v->alarms);
	free(v->irows);
	free(v->cleared);
	free(v);
}

/* ---- values -------------------------------------------------------------- */

void ccm_snmp_date_and_time(ccm_ms t, int offset_min,
			    uint8_t out[CCM_MIB_DATEANDTIME_LEN])
{
	unsigned off = (unsigned)(offset_min < 0 ? -offset_min : offset_min);

	int64_t days = t >= 0 ? t / CCM_MS_PER_DAY :
				-((-t + CCM_MS_PER_DAY - 1) / CCM_MS_PER_DAY);
	int64_t ms = t - days * CCM_MS_PER_DAY;
	int year;
	unsigned mon, mday;

	ccm_civil_from_days(days, &year, &mon, &mday);
	if (year < 0)
		year = 0;
	if (year > 65535)
		year = 65535;
	out[0] = (uint8_t)(year >> 8);
	out[1] = (uint8_t)year;
	out[2] = (uint8_t)mon;
	out[3] = (uint8_t)mday;
	out[4] = (uint8_t)(ms / 3600000);
	out[5] = (uint8_t)(ms / 60000 % 60);
	out[6] = (uint8_t)(ms / 1000 % 60);
	out[7] = (uint8_t)(ms % 1000 / 100);
	out[8] = offset_min < 0 ? '-' : '+';
	out[9] = (uint8_t)(off / 60 > 13 ? 13 : off / 60); /* RFC 2579's range */
	out[10] = (uint8_t)(off % 60);
}

void ccm_snmp_local_date_and_time(ccm_ms t,
				  uint8_t out[CCM_MIB_DATEANDTIME_LEN])
{
	ccm_snmp_date_and_time(t, ccm_time_local_offset(t), out);
}

long ccm_snmp_alarm_type(enum ccm_alarm_type type)
{
	return (long)type + 1;
}

long ccm_snmp_severity(enum ccm_alarm_severity sev)
{
	return (long)sev + 3; /* critical(3) major(4) minor(5) warning(6) */
}

long ccm_snmp_resource_type(enum ccm_alarm_resource res)
{
	return (long)res + 1;
}

long ccm_snmp_probable_cause(enum ccm_alarm_type type)
{
	const struct ccm_alarm_type_info *info = ccm_alarm_type_info(type);

	return info ? (long)info->probable_cause : 0;
}

long ccm_snmp_event_type(enum ccm_alarm_type type)
{
	const struct ccm_alarm_type_info *info = ccm_alarm_type_info(type);

	return info ? (long)info->event_type : 1; /* other(1) */
}

static void set_num(struct ccm_snmp_value *out, enum ccm_snmp_type type,
		    uint64_t n)
{
	out->type = type;
	if (type == CCM_SNMP_COUNTER32 || type == CCM_SNMP_TIMETICKS)
		n &= UINT32_MAX; /* counters and TimeTicks wrap (RFC 2578) */
	else if (type != CCM_SNMP_COUNTER64 && n > UINT32_MAX)
		n = UINT32_MAX; /* a gauge latches at its maximum */
	out->num = n;
	out->len = 0;
}

size_t ccm_snmp_utf8_cut(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;

	if (n <= max)
		return n;
	/* not inside a character: back off its continuation bytes */
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	return max;
}

size_t ccm_snmp_text(uint8_t *dst, size_t max, const char *s)
{
	char buf[CCM_SNMP_OCTETS_MAX + 1];
	size_t len;

	if (!s)
		return 0;
	if (max > CCM_SNMP_OCTETS_MAX)
		max = CCM_SNMP_OCTETS_MAX;
	len = ccm_text_clean_into(buf, max + 1, s, strlen(s),
				  CCM_TEXT_DISPLAY, NULL);
	memcpy(dst, buf, len);
	return len;
}

/* max: the object's SIZE (SnmpAdminString 255, CcmonText 1024) */
static void set_str(struct ccm_snmp_value *out, const char *s, size_t max)
{
	out->type = CCM_SNMP_OCTETS;
	out->num = 0;
	out->len = ccm_snmp_text(out->octets, max, s);
}

static void set_time(struct ccm_snmp_value *out, bool have, ccm_ms t)
{
	out->type = CCM_SNMP_OCTETS;
	out->num = 0;
	out->len = have ? CCM_MIB_DATEANDTIME_LEN : 0;
	if (have)
		ccm_snmp_local_date_and_time(t, out->octets);
}

static uint64_t nonneg(int64_t v)
{
	return v > 0 ? (uint64_t)v : 0;
}

static void scalar(const struct ccm_snmp_view *v, unsigned which,
		   struct ccm_snmp_value *out)
{
	const struct ccm_tail_stats *t = v->src.tail;

	switch ((enum ccm_mib_agent)which) {
	case CCM_MIB_AGENT_VERSION:
		set_str(out, PACKAGE_VERSION, ADMIN_STRING_MAX);
		break;
	case CCM_MIB_AGENT_UPTIME:
		set_num(out, CCM_SNMP_TIMETICKS, v->src.uptime_cs);
		break;
	case CCM_MIB_MESSAGING_BLOCKED:
		set_num(out, CCM_SNMP_INTEGER,
			v->blocked ? CCM_MIB_TRUE : CCM_MIB_FALSE);
		break;
	case CCM_MIB_LINES_READ:
		set_num(out, CCM_SNMP_COUNTER64, t ? t->lines : 0);
		break;
	case CCM_MIB_LINES_RECOGNIZED:
		set_num(out, CCM_SNMP_COUNTER64, t ? t->recognized : 0);
		break;
	case CCM_MIB_PARSE_ERRORS:
		set_num(out, CCM_SNMP_COUNTER64,
			t ? t->bad_time + t->overlong : 0);
		break;
	case CCM_MIB_LAST_LINE_TIME:
		set_time(out, t && t->have_last_time, t ? t->last_time : 0);
		break;
	case CCM_MIB_ALARMS_ACTIVE:
		set_num(out, CCM_SNMP_GAUGE32, v->nalarms);
		break;
	case CCM_MIB_NOTIFICATIONS_QUEUED:
		set_num(out, CCM_SNMP_GAUGE32, v->src.queued);
		break;
	case CCM_MIB_NOTIFICATIONS_DROPPED:
		set_num(out, CCM_SNMP_COUNTER32, v->src.dropped);
		break;
	case CCM_MIB_NOTIFICATIONS_SENT:
		set_num(out, CCM_SNMP_COUNTER32, v->src.sent);
		break;
	case CCM_MIB_QUEUE_LATENCY_WINDOW:
		set_num(out, CCM_SNMP_GAUGE32, nonneg(v->window) / 1000);
		break;
	case CCM_MIB_ALARM_LAST_CHANGED:
		set_num(out, CCM_SNMP_TIMETICKS, v->src.alarms_changed_cs);
		break;
	case CCM_MIB_MESSAGING_BLOCKED_SCOPES:
		set_num(out, CCM_SNMP_GAUGE32, v->blocked_scopes);
		break;
	}
}

static long probe_result(const struct ccm_probe_stats *p)
{
	/* none(1), then ok(2) refused(3) timeout(4) unreachable(5) error(6) */
	return p && p->have_last ? (long)p->last_result + 2 : 1;
}

/* off: what moves the engine's, the alarms' and the impacts' times to the
 * wall clock (ccm_snmp_source.wall_offset). */
static void component_value(const struct crow *c, unsigned col,
			    ccm_ms off, struct ccm_snmp_value *out)
{
	const struct ccm_component *comp = c->row->comp;
	const struct ccm_qlat_stats *q = &c->queue;
	const struct ccm_probe_stats *p = c->probe;
	const struct ccm_latency *lat = p ? &p->connect : NULL;
	bool open = comp && comp->have_incident && comp->incident.open;

	switch ((enum ccm_mib_component)col) {
	case CCM_MIB_COMP_KEY: /* the index: no value served */
		break;
	case CCM_MIB_COMP_NAME:
		set_str(out, c->row->name, ADMIN_STRING_MAX);
		break;
	case CCM_MIB_COMP_SERVER:
		set_str(out, c->row->server ? c->row->server->name : NULL,
			ADMIN_STRING_MAX);
		break;
	case CCM_MIB_COMP_STATE:
		/* unknown(1) connected(2) active(3) gone(4) */
		set_num(out, CCM_SNMP_INTEGER,
			(uint64_t)(comp ? comp->state : CCM_STATE_UNKNOWN) + 1);
		break;
	case CCM_MIB_COMP_LAST_CHANGE:
		set_time(out, comp && comp->have_change,
			 comp ? comp->last_change + off : 0);
		break;
	case CCM_MIB_COMP_TRANSITIONS:
		set_num(out, CCM_SNMP_COUNTER32, comp ? comp->transitions : 0);
		break;
	case CCM_MIB_COMP_CONNECT_REFUSED:
		set_num(out, CCM_SNMP_COUNTER32,
			comp && comp->endpoint ? comp->endpoint->refused : 0);
		break;
	case CCM_MIB_COMP_INCIDENT_CAUSE:
		/* none(1) lost(2) auth(3) refused(4) */
		set_num(out, CCM_SNMP_INTEGER,
			open ? (uint64_t)comp->incident.cause + 2 : 1);
		break;
	case CCM_MIB_COMP_INCIDENT_START:
		set_time(out, open, open ? comp->incident.start + off : 0);
		break;
	case CCM_MIB_COMP_PROBE_RESULT:
		set_num(out, CCM_SNMP_INTEGER, (uint64_t)probe_result(p));
		break;
	case CCM_MIB_COMP_PROBE_LATENCY:
		set_num(out, CCM_SNMP_GAUGE32,
			lat && lat->count ? nonneg(lat->last_us) : 0);
		break;
	case CCM_MIB_COMP_PROBE_LATENCY_MIN:
		set_num(out, CCM_SNMP_GAUGE32,
			lat && lat->count ? nonneg(lat->min_us) : 0);
		break;
	case CCM_MIB_COMP_PROBE_LATENCY_MAX:
		set_num(out, CCM_SNMP_GAUGE32,
			lat && lat->count ? nonneg(lat->max_us) : 0);
		break;
	case CCM_MIB_COMP_PROBE_LATENCY_MEAN:
		set_num(out, CCM_SNMP_GAUGE32,
			lat && lat->count ? nonneg(ccm_latency_mean_us(lat)) : 0);
		break;
	case CCM_MIB_COMP_PROBES:
		set_num(out, CCM_SNMP_COUNTER32, p ? p->probes : 0);
		break;
	case CCM_MIB_COMP_PROBE_FAILURES:
		set_num(out, CCM_SNMP_COUNTER32,
			p ? p->probes - p->results[CCM_PROBE_OK] : 0);
		break;
	case CCM_MIB_COMP_QUEUE_WAITS:
		set_num(out, CCM_SNMP_GAUGE32, q->count);
		break;
	case CCM_MIB_COMP_QUEUE_WAIT_MEAN:
		set_num(out, CCM_SNMP_GAUGE32, nonneg(q->mean));
		break;
	case CCM_MIB_COMP_QUEUE_WAIT_P50:
		set_num(out, CCM_SNMP_GAUGE32, nonneg(q->p50));
		break;
	case CCM_MIB_COMP_QUEUE_WAIT_P95:
		set_num(out, CCM_SNMP_GAUGE32, nonneg(q->p95));
		break;
	case CCM_MIB_COMP_QUEUE_WAIT_P99:
		set_num(out, CCM_SNMP_GAUGE32, nonneg(q->p99));
		break;
	case CCM_MIB_COMP_QUEUE_WAIT_MAX:
		set_num(out, CCM_SNMP_GAUGE32, nonneg(q->max));
		break;
	case CCM_MIB_COMP_QUEUE_WAITS_TOTAL:
		set_num(out, CCM_SNMP_COUNTER64, q->total);
		break;
	}
}

/* What the alarm table and the history table both say of an alarm, from
 * its type, resource and severity. */
enum alarm_field {
	AF_NONE,
	AF_TYPE,
	AF_RESOURCE_TYPE,
	AF_RESOURCE,
	AF_SEVERITY,
	AF_PROBABLE_CAUSE,
	AF_EVENT_TYPE
};

static const enum alarm_field alarm_fields[CCM_MIB_ALARM_LAST + 1] = {
	[CCM_MIB_ALARM_TYPE] = AF_TYPE,
	[CCM_MIB_ALARM_RESOURCE_TYPE] = AF_RESOURCE_TYPE,
	[CCM_MIB_ALARM_RESOURCE] = AF_RESOURCE,
	[CCM_MIB_ALARM_SEVERITY] = AF_SEVERITY,
	[CCM_MIB_ALARM_PROBABLE_CAUSE] = AF_PROBABLE_CAUSE,
	[CCM_MIB_ALARM_EVENT_TYPE] = AF_EVENT_TYPE,
};

static const enum alarm_field history_fields[CCM_MIB_HISTORY_LAST + 1] = {
	[CCM_MIB_HISTORY_TYPE] = AF_TYPE,
	[CCM_MIB_HISTORY_RESOURCE_TYPE] = AF_RESOURCE_TYPE,
	[CCM_MIB_HISTORY_RESOURCE] = AF_RESOURCE,
	[CCM_MIB_HISTORY_SEVERITY] = AF_SEVERITY,
	[CCM_MIB_HISTORY_PROBABLE_CAUSE] = AF_PROBABLE_CAUSE,
	[CCM_MIB_HISTORY_EVENT_TYPE] = AF_EVENT_TYPE,
};

/* Returns false for AF_NONE: the column is the table's own. */
static bool alarm_field_value(enum alarm_field f, enum ccm_alarm_type type,
			      const char *resource,
			      enum ccm_alarm_severity severity,
			      struct ccm_snmp_value *out)
{
	const struct ccm_alarm_type_info *info;

	switch (f) {
	case AF_NONE:
		return false;
	case AF_TYPE:
		set_num(out, CCM_SNMP_INTEGER,
			(uint64_t)ccm_snmp_alarm_type(type));
		break;
	case AF_RESOURCE_TYPE:
		info = ccm_alarm_type_info(type);
		set_num(out, CCM_SNMP_INTEGER, (uint64_t)ccm_snmp_resource_type(
			info ? info->resource : CCM_RES_COMPONENT));
		break;
	case AF_RESOURCE:
		set_str(out, resource, ADMIN_STRING_MAX);
		break;
	case AF_SEVERITY:
		set_num(out, CCM_SNMP_INTEGER,
			(uint64_t)ccm_snmp_severity(severity));
		break;
	case AF_PROBABLE_CAUSE:
		set_num(out, CCM_SNMP_INTEGER,
			(uint64_t)ccm_snmp_probable_cause(type));
		break;
	case AF_EVENT_TYPE:
		set_num(out, CCM_SNMP_INTEGER,
			(uint64_t)ccm_snmp_event_type(type));
		break;
	}
	return true;
}

static void alarm_value(const struct ccm_alarm_view *a, unsigned col,
			ccm_ms off, struct ccm_snmp_value *out)
{
	if (col <= CCM_MIB_ALARM_LAST &&
	    alarm_field_value(alarm_fields[col], a->type, a->resource,
			      a->severity, out))
		return;
	switch ((enum ccm_mib_alarm)col) {
	case CCM_MIB_ALARM_RAISED_TIME:
		set_time(out, true, a->raised_at + off);
		break;
	case CCM_MIB_ALARM_SINCE:
		set_time(out, true, a->since + off);
		break;
	case CCM_MIB_ALARM_TEXT:
		set_str(out, a->text, CCM_ALARM_TEXT_MAX);
		break;
	case CCM_MIB_ALARM_FLAPPING:
		set_num(out, CCM_SNMP_INTEGER,
			a->flapping ? CCM_MIB_TRUE : CCM_MIB_FALSE);
		break;
	case CCM_MIB_ALARM_CONDITION:
		set_num(out, CCM_SNMP_INTEGER,
			a->condition ? CCM_MIB_TRUE : CCM_MIB_FALSE);
		break;
	default: /* the index (no value served), or a shared field */
		break;
	}
}

/* Its times are shown times already (ccm_snmp_source.cleared). */
static void history_value(const struct ccm_cleared_alarm *a, unsigned col,
			  struct ccm_snmp_value *out)
{
	if (col <= CCM_MIB_HISTORY_LAST &&
	    alarm_field_value(history_fields[col], a->type, a->resource,
			      a->severity, out))
		return;
	switch ((enum ccm_mib_history)col) {
	case CCM_MIB_HISTORY_RAISED_TIME:
		set_time(out, true, a->raised_at);
		break;
	case CCM_MIB_HISTORY_SINCE:
		set_time(out, true, a->since);
		break;
	case CCM_MIB_HISTORY_CLEARED_TIME:
		set_time(out, true, a->cleared_at);
		break;
	case CCM_MIB_HISTORY_TEXT:
		set_str(out, a->text, CCM_ALARM_TEXT_MAX);
		break;
	default: /* the index (no value served), or a shared field */
		break;
	}
}

static void impact_value(const struct ccm_impact *im, unsigned col,
			 ccm_ms off, struct ccm_snmp_value *out)
{
	const struct ccm_class_impact *msg = &im->classes[CCM_CLASS_MESSAGE];
	bool any = false;
	ccm_ms since = 0;

	for (unsigned c = 0; c < CCM_NCLASSES; c++) {
		const struct ccm_class_impact *ci = &im->classes[c];

		if (ci->reach != CCM_REACH_NONE && (!any || ci->since < since)) {
			since = ci->since;
			any = true;
		}
	}
	if (im->logging_lost && (!any || im->logging_lost_since < since)) {
		since = im->logging_lost_since;
		any = true;
	}
	switch ((enum ccm_mib_impact)col) {
	case CCM_MIB_IMPACT_SCOPE: /* the index: no value served */
		break;
	case CCM_MIB_IMPACT_MESSAGES:
		/* none(1) some(2) all(3) */
		set_num(out, CCM_SNMP_INTEGER, (uint64_t)msg->reach + 1);
		break;
	case CCM_MIB_IMPACT_GROUP_CHAT:
		set_num(out, CCM_SNMP_INTEGER,
			(uint64_t)im->classes[CCM_CLASS_GROUPCHAT].reach + 1);
		break;
	case CCM_MIB_IMPACT_LOGINS:
		set_num(out, CCM_SNMP_INTEGER,
			(uint64_t)im->classes[CCM_CLASS_LOGIN].reach + 1);
		break;
	case CCM_MIB_IMPACT_QUEUEING:
		set_num(out, CCM_SNMP_INTEGER,
			msg->reach != CCM_REACH_NONE && msg->queueing ?
				CCM_MIB_TRUE : CCM_MIB_FALSE);
		break;
	case CCM_MIB_IMPACT_QUEUE_UNTIL:
		set_time(out, msg->reach != CCM_REACH_NONE && msg->queue_until,
			 msg->queue_until + off);
		break;
	case CCM_MIB_IMPACT_REROUTE_AT:
		set_time(out, msg->reach == CCM_REACH_SOME && msg->reroute_at,
			 msg->reroute_at + off);
		break;
	case CCM_MIB_IMPACT_LOGGING_LOST:
		set_num(out, CCM_SNMP_INTEGER,
			im->logging_lost ? CCM_MIB_TRUE : CCM_MIB_FALSE);
		break;
	case CCM_MIB_IMPACT_SINCE:
		set_time(out, any, since + off);
		break;
	case CCM_MIB_IMPACT_SERVERS:
		set_str(out, im->servers, ADMIN_STRING_MAX);
		break;
	case CCM_MIB_IMPACT_SCOPE_NAME:
		/* snmptable shows no not-accessible index without -Ci */
		set_str(out, im->scope, CCM_MIB_COMP_KEY_MAX);
		break;
	}
}

/* ---- instances in order -------------------------------------------------- */

static size_t ninstances(const struct ccm_snmp_view *v)
{
	return NSCALARS + COMP_COLS * v->ncrows + ALARM_COLS * v->nalarms +
	       IMPACT_COLS * v->nirows + HISTORY_COLS * v->ncleared;
}

/* The k-th instance's OID, and its value when out is not NULL. */
static size_t instance(const struct ccm_snmp_view *v, size_t k, uint32_t *oid,
		       struct ccm_snmp_value *out)
{
	size_t n = CCM_MIB_ROOT_LEN;

	memcpy(oid, root, sizeof(root));
	oid[n++] = CCM_MIB_OBJECTS;
	if (k < NSCALARS) {
		oid[n++] = CCM_MIB_AGENT;
		oid[n++] = (uint32_t)k + 1;
		oid[n++] = 0;
		if (out)
			scalar(v, (unsigned)k + 1, out);
		return n;
	}
	k -= NSCALARS;
	if (k < COMP_COLS * v->ncrows) {
		unsigned col = CCM_MIB_COMP_KEY + 1 + (unsigned)(k / v->ncrows);
		const struct crow *c = &v->crows[k % v->ncrows];

		oid[n++] = CCM_MIB_COMPONENT_TABLE;
		oid[n++] = 1;
		oid[n++] = col;
		n = skey_append(&c->key, oid, n);
		if (out)
			component_value(c, col, v->src.wall_offset, out);
		return n;
	}
	k -= COMP_COLS * v->ncrows;
	if (k < ALARM_COLS * v->nalarms) {
		unsigned col = CCM_MIB_ALARM_ID + 1 + (unsigned)(k / v->nalarms);
		const struct ccm_alarm_view *a = &v->alarms[k % v->nalarms];

		oid[n++] = CCM_MIB_ALARM_TABLE;
		oid[n++] = 1;
		oid[n++] = col;
		oid[n++] = (uint32_t)a->id;
		if (out)
			alarm_value(a, col, v->src.wall_offset, out);
		return n;
	}
	k -= ALARM_COLS * v->nalarms;
	if (k < IMPACT_COLS * v->nirows) {
		unsigned col = CCM_MIB_IMPACT_SCOPE + 1 +
			       (unsigned)(k / v->nirows);
		const struct irow *r = &v->irows[k % v->nirows];

		oid[n++] = CCM_MIB_IMPACT_TABLE;
		oid[n++] = 1;
		oid[n++] = col;
		n = skey_append(&r->key, oid, n);
		if (out)
			impact_value(r->im, col, v->src.wall_offset, out);
		return n;
	}
	k -= IMPACT_COLS * v->nirows;
	unsigned col = CCM_MIB_HISTORY_ID + 1 + (unsigned)(k / v->ncleared);
	const struct ccm_cleared_alarm *a = v->cleared[k % v->ncleared];

	oid[n++] = CCM_MIB_HISTORY_TABLE;
	oid[n++] = 1;
	oid[n++] = col;
	oid[n++] = (uint32_t)a->id;
	if (out)
		history_value(a, col, out);
	return n;
}

static int oid_cmp(const uint32_t *a, size_t an, const uint32_t *b, size_t bn)
{
	for (size_t i = 0; i < an && i < bn; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return an < bn ? -1 : an > bn;
}

/* The first instance k whose OID is > oid (or >= when inclusive). */
static size_t lower_bound(const struct ccm_snmp_view *v, const uint32_t *oid,
			  size_t len, bool inclusive)
{
	uint32_t buf[CCM_SNMP_OID_MAX];
	size_t lo = 0, hi = ninstances(v);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		size_t n = instance(v, mid, buf, NULL);
		int c = oid_cmp(buf, n, oid, len);

		if (c < 0 || (c == 0 && !inclusive))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Is oid under one of our objects (a scalar or a column)? */
static bool is_object(const uint32_t *oid, size_t len)
{
	const uint32_t *s = oid + CCM_MIB_ROOT_LEN;

	/* an object's own OID (ROOT.1.1.3) or under it: RFC 3416 answers
	 * noSuchInstance for both */
	if (len < CCM_MIB_ROOT_LEN + 3 ||
	    oid_cmp(oid, CCM_MIB_ROOT_LEN, root, CCM_MIB_ROOT_LEN) ||
	    s[0] != CCM_MIB_OBJECTS)
		return false;
	switch (s[1]) {
	case CCM_MIB_AGENT:
		return s[2] >= 1 && s[2] <= NSCALARS;
	case CCM_MIB_COMPONENT_TABLE:
		return len >= CCM_MIB_ROOT_LEN + 4 && s[2] == 1 &&
		       s[3] > CCM_MIB_COMP_KEY && s[3] <= CCM_MIB_COMP_LAST;
	case CCM_MIB_ALARM_TABLE:
		return len >= CCM_MIB_ROOT_LEN + 4 && s[2] == 1 &&
		       s[3] > CCM_MIB_ALARM_ID && s[3] <= CCM_MIB_ALARM_LAST;
	case CCM_MIB_IMPACT_TABLE:
		return len >= CCM_MIB_ROOT_LEN + 4 && s[2] == 1 &&
		       s[3] > CCM_MIB_IMPACT_SCOPE &&
		       s[3] <= CCM_MIB_IMPACT_LAST;
	case CCM_MIB_HISTORY_TABLE:
		return len >= CCM_MIB_ROOT_LEN + 4 && s[2] == 1 &&
		       s[3] > CCM_MIB_HISTORY_ID &&
		       s[3] <= CCM_MIB_HISTORY_LAST;
	default:
		return false;
	}
}

enum ccm_snmp_found ccm_snmp_view_get(const struct ccm_snmp_view *v,
				      const uint32_t *oid, size_t len,
				      struct ccm_snmp_value *out)
{
	uint32_t buf[CCM_SNMP_OID_MAX];
	size_t k = lower_bound(v, oid, len, true);

	if (k < ninstances(v)) {
		size_t n = instance(v, k, buf, NULL);

		if (!oid_cmp(buf, n, oid, len)) {
			instance(v, k, buf, out);
			return CCM_SNMP_FOUND;
		}
	}
	return is_object(oid, len) ? CCM_SNMP_NO_SUCH_INSTANCE :
				     CCM_SNMP_NO_SUCH_OBJECT;
}

bool ccm_snmp_view_next(const struct ccm_snmp_view *v, const uint32_t *oid,
			size_t len, uint32_t *next, size_t *next_len,
			struct ccm_snmp_value *out)
{
	size_t k = lower_bound(v, oid, len, false);

	if (k >= ninstances(v))
		return false;
	*next_len = instance(v, k, next, out);
	return true;
}

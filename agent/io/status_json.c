/* SPDX-License-Identifier: ISC */
/* The ccmon.status/2 document (agent/io/status_server.h, doc/status-json.md).
 *
 * Built from the engine, the alarms and the probe figures rather than from
 * the monitor that holds them, so that it can be tested, and can serve,
 * whatever owns those parts. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/core/component_rows.h"
#include "agent/io/status_server.h"
#include "agent/util/json_add.h"
#include "agent/util/text_clean.h"

static struct json_object *jtime(bool have, ccm_ms t)
{
	char buf[CCM_TIME_STRLEN];

	return have ? json_object_new_string(ccm_time_format(t, buf)) : NULL;
}

/* Microseconds as milliseconds written with exactly three decimals, not
 * %.17g's 0.41199999999999998. */
static struct json_object *jms(int64_t us)
{
	char buf[40];
	long long a = us < 0 ? -(long long)us : (long long)us;

	snprintf(buf, sizeof(buf), "%s%lld.%03lld", us < 0 ? "-" : "",
		 a / 1000, a % 1000);
	return json_object_new_double_s((double)us / 1000.0, buf);
}

static struct json_object *jstr_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

/* "host:port", "[v6]:port" */
static struct json_object *jendpoint(const char *host, unsigned port)
{
	char buf[512];

	snprintf(buf, sizeof(buf), strchr(host, ':') ? "[%s]:%u" : "%s:%u",
		 host, port);
	return json_object_new_string(buf);
}

/* Cumulative, as Prometheus' "le" buckets (doc/status-json.md): each
 * count is every latency up to its bound, the last (no bound) all of them,
 * so a reader finds the share under any bound without adding up. */
static struct json_object *latency_hist(const struct ccm_latency *l)
{
	struct json_object *arr = json_object_new_array();
	uint64_t upto = 0;

	for (unsigned b = 0; b < CCM_LATENCY_BUCKETS; b++) {
		struct json_object *o = json_object_new_object();
		int64_t bound = ccm_latency_bucket_bound_ms(b);

		upto += l->hist[b];
		ccm_json_add(o, "le_ms",
		    bound < 0 ? NULL : json_object_new_int64(bound));
		ccm_json_add(o, "count", json_object_new_uint64(upto));
		json_object_array_add(arr, o);
	}
	return arr;
}

static struct json_object *probe_figures(const struct ccm_probe_stats *st)
{
	struct json_object *o = json_object_new_object();
	struct json_object *res = json_object_new_object();
	const struct ccm_latency *c = &st->connect;
	bool lat = c->count > 0;

	ccm_json_add(o, "result", st->have_last ?
	    json_object_new_string(ccm_probe_result_name(st->last_result)) :
	    NULL);
	ccm_json_add(o, "probes", json_object_new_uint64(st->probes));
	for (unsigned r = 0; r < CCM_PROBE_NRESULTS; r++)
		ccm_json_add(res, ccm_probe_result_name((enum ccm_probe_result)r),
		    json_object_new_uint64(st->results[r]));
	ccm_json_add(o, "results", res);
	ccm_json_add(o, "last_ms", lat ? jms(c->last_us) : NULL);
	ccm_json_add(o, "min_ms", lat ? jms(c->min_us) : NULL);
	ccm_json_add(o, "mean_ms", lat ? jms(ccm_latency_mean_us(c)) : NULL);
	ccm_json_add(o, "max_ms", lat ? jms(c->max_us) : NULL);
	ccm_json_add(o, "first_byte_ms", st->first_byte.count ?
	    jms(st->first_byte.last_us) : NULL);
	ccm_json_add(o, "histogram", latency_hist(c));
	return o;
}

/* Waits in ms are whole: the router's log times have no finer grain. */
static struct json_object *jwait(bool have, ccm_ms ms)
{
	return have ? json_object_new_int64(ms) : NULL;
}

static struct json_object *queue_figures(const struct ccm_qlat_stats *q)
{
	struct json_object *o = json_object_new_object();
	bool any = q->count > 0;

	ccm_json_add(o, "waits", json_object_new_uint64(q->count));
	ccm_json_add(o, "mean_ms", jwait(any, q->mean));
	ccm_json_add(o, "p50_ms", jwait(any, q->p50));
	ccm_json_add(o, "p95_ms", jwait(any, q->p95));
	ccm_json_add(o, "p99_ms", jwait(any, q->p99));
	ccm_json_add(o, "max_ms", jwait(any, q->max));
	ccm_json_add(o, "total", json_object_new_uint64(q->total));
	return o;
}

/* since: the waits that ended after it are in the window; off: what
 * moves the engine's times to the wall clock.  NULL when out of memory. */
static struct json_object *component(const struct ccm_component_row *r,
				     ccm_probe_stats_fn *probe, void *ctx,
				     ccm_ms since, ccm_ms off)
{
	const struct ccm_component *c = r->comp;
	const struct ccm_probe_stats *st = NULL;
	struct json_object *o = json_object_new_object();
	struct json_object *inc = NULL;
	struct ccm_qlat_stats q;

	memset(&q, 0, sizeof(q));
	if (c && ccm_qlat_stats_since(&c->latency, since, &q)) {
		json_object_put(o);
		return NULL;
	}
	ccm_json_add(o, "name", json_object_new_string(r->name));
	ccm_json_add(o, "server", r->server ? json_object_new_string(r->server->name) :
				     NULL);
	ccm_json_add(o, "state", json_object_new_string(
		ccm_state_name(c ? c->state : CCM_STATE_UNKNOWN)));
	ccm_json_add(o, "transitions", json_object_new_uint64(c ? c->transitions : 0));
	ccm_json_add(o, "last_change", jtime(c && c->have_change,
				    c ? c->last_change + off : 0));
	if (c && c->have_incident && c->incident.open) {
		inc = json_object_new_object();
		ccm_json_add(inc, "id", json_object_new_uint64(c->incident.id));
		ccm_json_add(inc, "start", jtime(true, c->incident.start + off));
		ccm_json_add(inc, "cause", json_object_new_string(
			ccm_cause_name(c->incident.cause)));
	}
	ccm_json_add(o, "incident", inc);
	if (c && c->endpoint)
		ccm_json_add(o, "endpoint", jendpoint(c->endpoint->host,
					     c->endpoint->port));
	else if (r->server)
		ccm_json_add(o, "endpoint", jendpoint(r->server->host,
					     r->server->port));
	else
		ccm_json_add(o, "endpoint", NULL);
	if (r->server && probe)
		st = probe(ctx, r->server->name);
	ccm_json_add(o, "probe", st ? probe_figures(st) : NULL);
	ccm_json_add(o, "queue", queue_figures(&q));
	return o;
}

static struct json_object *components(const struct ccm_engine *engine,
				      ccm_probe_stats_fn *probe, void *ctx,
				      const struct ccm_config *config,
				      ccm_ms now, ccm_ms off)
{
	struct ccm_component_row *rows;
	size_t n = ccm_component_rows(engine, config, &rows);
	/* the window as of the request: the engine only moves it when
	 * something happens */
	ccm_ms since = now - (engine ? ccm_engine_latency_window(engine) : 0);
	struct json_object *arr;

	if (n == (size_t)-1)
		return NULL;
	arr = json_object_new_array();
	for (size_t i = 0; arr && i < n; i++) {
		struct json_object *c = component(&rows[i], probe, ctx, since,
						  off);

		if (!c) {
			json_object_put(arr);
			arr = NULL;
			break;
		}
		json_object_array_add(arr, c);
	}
	free(rows);
	return arr;
}

static struct json_object *alarm_list(const struct ccm_alarms *alarms,
				      ccm_ms off)
{
	struct json_object *arr = json_object_new_array();
	struct ccm_alarm_view v;
	uint64_t after = 0;

	while (alarms && ccm_alarms_next_active(alarms, after, &v)) {
		const struct ccm_alarm_type_info *info =
			ccm_alarm_type_info(v.type);
		struct json_object *o = json_object_new_object();

		after = v.id;
		ccm_json_add(o, "id", json_object_new_uint64(v.id));
		ccm_json_add(o, "type", jstr_or_null(info ? info->id : NULL));
		ccm_json_add(o, "resource", json_object_new_string(v.resource));
		ccm_json_add(o, "severity", json_object_new_string(
			ccm_alarm_severity_name(v.severity)));
		ccm_json_add(o, "since", jtime(true, v.since + off));
		ccm_json_add(o, "raised_at", jtime(true, v.raised_at + off));
		ccm_json_add(o, "flapping", json_object_new_boolean(v.flapping));
		ccm_json_add(o, "changes", json_object_new_uint64(v.changes));
		ccm_json_add(o, "condition", json_object_new_boolean(v.condition));
		ccm_json_add(o, "text", jstr_or_null(v.text));
		json_object_array_add(arr, o);
	}
	return arr;
}

static struct json_object *agent(const struct ccm_engine *engine,
				 const struct ccm_config *config,
				 const struct ccm_tail_stats *t, ccm_ms now)
{
	struct json_object *o = json_object_new_object();

	ccm_json_add(o, "version", json_object_new_string(PACKAGE_STRING));
	ccm_json_add(o, "now", jtime(true, now));
	ccm_json_add(o, "config", jstr_or_null(config ? config->path : NULL));
	ccm_json_add(o, "lines", t ? json_object_new_uint64(t->lines) : NULL);
	ccm_json_add(o, "recognized", t ? json_object_new_uint64(t->recognized) : NULL);
	ccm_json_add(o, "bad_time", t ? json_object_new_uint64(t->bad_time) : NULL);
	ccm_json_add(o, "overlong", t ? json_object_new_uint64(t->overlong) : NULL);
	ccm_json_add(o, "files_open", t ? json_object_new_uint64(t->files_open) : NULL);
	ccm_json_add(o, "rotations", t ? json_object_new_uint64(t->rotations) : NULL);
	ccm_json_add(o, "replaying", t && t->replaying ? json_object_new_int(
			(int)ccm_tail_replay_percent(t)) : NULL);
	ccm_json_add(o, "latency_window_s", engine ? json_object_new_int64(
			ccm_engine_latency_window(engine) / 1000) : NULL);
	ccm_json_add(o, "names_cleaned", engine ? json_object_new_uint64(
			ccm_engine_names_cleaned(engine)) : NULL);
	ccm_json_add(o, "untracked", engine ? json_object_new_uint64(
			ccm_engine_untracked(engine)) : NULL);
	return o;
}

char *ccm_status_json_build(const struct ccm_engine *engine,
			    const struct ccm_alarms *alarms,
			    ccm_probe_stats_fn *probe, void *probe_ctx,
			    const struct ccm_config *config,
			    const struct ccm_tail_stats *tail, ccm_ms now)
{
	return ccm_status_json_build_shown(engine, alarms, probe, probe_ctx,
					   config, tail, now, 0);
}

char *ccm_status_json_build_shown(const struct ccm_engine *engine,
				  const struct ccm_alarms *alarms,
				  ccm_probe_stats_fn *probe, void *probe_ctx,
				  const struct ccm_config *config,
				  const struct ccm_tail_stats *tail, ccm_ms now,
				  ccm_ms wall_offset)
{
	struct json_object *doc = json_object_new_object();
	struct json_object *comps, *alist;
	const char *s;
	char *text = NULL;

	if (!doc)
		return NULL;
	ccm_json_add(doc, "schema", json_object_new_string(CCM_STATUS_SCHEMA));
	ccm_json_add(doc, "agent", agent(engine, config, tail, now + wall_offset));
	comps = components(engine, probe, probe_ctx, config, now, wall_offset);
	alist = alarm_list(alarms, wall_offset);
	ccm_json_add(doc, "components", comps);
	ccm_json_add(doc, "alarms", alist);
	/* A null list would read as "no components": fail instead, the
	 * client then says it got no answer. */
	s = comps && alist ? json_object_to_json_string_ext(
				     doc, JSON_C_TO_STRING_PLAIN |
					  JSON_C_TO_STRING_NOSLASHESCAPE) :
			     NULL;
	/* json-c copies bytes >= 0x80 as they are: names from logs would
	 * make a document strict parsers refuse.  Structure is ASCII, so
	 * repairing the whole text repairs each string alone. */
	if (s) {
		size_t n = strlen(s);

		text = ccm_text_clean(s, n, CCM_TEXT_UTF8, &n);
		if (text)
			memcpy(text + n, "\n", 2);
	}
	json_object_put(doc);
	return text;
}

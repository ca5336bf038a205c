/* SPDX-License-Identifier: ISC */
/* The ccmon.analysis/2 JSON document (doc/analysis-json.md). */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/report/report.h"
#include "agent/util/json_add.h"
#include "agent/util/text_clean.h"

/* A time as a JSON string, or null. */
static struct json_object *jtime(bool have, ccm_ms t)
{
	char buf[CCM_TIME_STRLEN];

	return have ? json_object_new_string(ccm_time_format(t, buf)) : NULL;
}

/* Written with exactly three decimals, not %.17g's 4.2000000000000002. */
static struct json_object *jseconds(ccm_ms d)
{
	char buf[40];

	snprintf(buf, sizeof(buf), "%s%lld.%03lld", d < 0 ? "-" : "",
		 (long long)(d < 0 ? -d : d) / 1000,
		 (long long)(d < 0 ? -d : d) % 1000);
	return json_object_new_double_s(ccm_seconds(d), buf);
}

static struct json_object *jstr_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static struct json_object *inputs(const struct ccm_analysis *a)
{
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; i < a->ninputs; i++) {
		const struct ccm_input *in = &a->inputs[i];
		struct json_object *o = json_object_new_object();

		ccm_json_add(o, "path", json_object_new_string(in->path));
		ccm_json_add(o, "lines", json_object_new_uint64(in->stats.lines));
		ccm_json_add(o, "recognized",
		    json_object_new_uint64(in->stats.recognized));
		ccm_json_add(o, "bad_time", json_object_new_uint64(in->stats.bad_time));
		ccm_json_add(o, "overlong", json_object_new_uint64(in->stats.overlong));
		ccm_json_add(o, "shape",
		    json_object_new_string(ccm_ts_shape_name(in->shape)));
		ccm_json_add(o, "first", jtime(in->have_first, in->first));
		ccm_json_add(o, "last", jtime(in->have_last, in->last));
		ccm_json_add(o, "complete", json_object_new_boolean(!in->failed));
		ccm_json_add(o, "date_source", json_object_new_string(
				 ccm_date_source_name(in->date_source)));
		ccm_json_add(o, "date_suspect",
		    json_object_new_boolean(ccm_input_mtime_suspect(in)));
		json_object_array_add(arr, o);
	}
	return arr;
}

static struct json_object *endpoint_name(const struct ccm_endpoint *ep)
{
	char buf[512];

	if (!ep)
		return NULL;
	snprintf(buf, sizeof(buf), "%s:%u", ep->host, ep->port);
	return json_object_new_string(buf);
}

/* How long events waited on the component, each wait listed. */
static struct json_object *queue_latency(const struct ccm_analysis *a,
					 const struct ccm_component *c)
{
	const struct ccm_timeline *tl = a->timeline;
	struct json_object *o = json_object_new_object();
	struct json_object *waits = json_object_new_array();
	struct ccm_qlat_stats st;
	size_t listed = 0, omitted = 0;

	if (!o || !waits || ccm_report_latency(a, c, &st)) {
		json_object_put(o);
		json_object_put(waits);
		return NULL;
	}
	ccm_json_add(o, "count", json_object_new_uint64(st.count));
	ccm_json_add(o, "mean_s", jseconds(st.mean));
	ccm_json_add(o, "max_s", jseconds(st.max));
	ccm_json_add(o, "p50_s", jseconds(st.p50));
	ccm_json_add(o, "p95_s", jseconds(st.p95));
	ccm_json_add(o, "p99_s", jseconds(st.p99));
	for (size_t i = 0; c->latency.total && i < tl->nentries; i++) {
		const struct ccm_tl_entry *e = &tl->entries[i];
		struct json_object *w;

		if (e->kind != CCM_CHANGE_LATENCY ||
		    strcmp(e->component, c->name))
			continue;
		/* a storm of bounces would make the document huge: the
		 * first ones tell when it began, the figures cover all */
		if (listed == CCM_REPORT_WAITS_MAX) {
			omitted++;
			continue;
		}
		listed++;
		w = json_object_new_object();
		ccm_json_add(w, "time", jtime(true, e->time));
		ccm_json_add(w, "wait_s", jseconds(e->wait));
		ccm_json_add(w, "file", jstr_or_null(e->pos.file));
		ccm_json_add(w, "line", json_object_new_uint64(e->pos.line));
		json_object_array_add(waits, w);
	}
	ccm_json_add(o, "waits", waits);
	ccm_json_add(o, "waits_omitted", json_object_new_uint64(omitted));
	return o;
}

static struct json_object *components(const struct ccm_analysis *a)
{
	const struct ccm_component *const *comps;
	size_t n = ccm_engine_components(a->engine, &comps);
	struct json_object *arr = json_object_new_array();
	/* name -> transitions array, filled in one pass over the timeline */
	struct json_object *by_name = json_object_new_object();
	const struct ccm_timeline *tl = a->timeline;

	for (size_t i = 0; i < n; i++) {
		const struct ccm_component *c = comps[i];
		struct json_object *o = json_object_new_object();
		struct json_object *tr = json_object_new_array();

		ccm_json_add(o, "name", json_object_new_string(c->name));
		ccm_json_add(o, "state",
		    json_object_new_string(ccm_state_name(c->state)));
		ccm_json_add(o, "transitions", tr);
		ccm_json_add(o, "incidents", json_object_new_uint64(c->incidents));
		ccm_json_add(o, "downtime_s", jseconds(c->downtime));
		ccm_json_add(o, "endpoint", endpoint_name(c->endpoint));
		ccm_json_add(o, "connect_failures",
		    json_object_new_uint64(c->connect_failures));
		ccm_json_add(o, "queue_latency", queue_latency(a, c));
		json_object_object_add(by_name, c->name, json_object_get(tr));
		json_object_array_add(arr, o);
	}
	for (size_t i = 0; i < tl->nentries; i++) {
		const struct ccm_tl_entry *e = &tl->entries[i];
		struct json_object *tr, *t;

		if (e->kind != CCM_CHANGE_TRANSITION ||
		    !json_object_object_get_ex(by_name, e->component, &tr))
			continue;
		t = json_object_new_object();
		ccm_json_add(t, "time", jtime(true, e->time));
		ccm_json_add(t, "state", json_object_new_string(ccm_state_name(e->to)));
		ccm_json_add(t, "from", json_object_new_string(ccm_state_name(e->from)));
		ccm_json_add(t, "file", jstr_or_null(e->pos.file));
		ccm_json_add(t, "line", json_object_new_uint64(e->pos.line));
		json_object_array_add(tr, t);
	}
	json_object_put(by_name);
	return arr;
}

static struct json_object *endpoints(const struct ccm_analysis *a)
{
	const struct ccm_endpoint *const *eps;
	size_t n = ccm_engine_endpoints(a->engine, &eps);
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object();

		ccm_json_add(o, "host", json_object_new_string(eps[i]->host));
		ccm_json_add(o, "port", json_object_new_int((int)eps[i]->port));
		ccm_json_add(o, "attempts", json_object_new_uint64(eps[i]->attempts));
		ccm_json_add(o, "failures", json_object_new_uint64(eps[i]->failures));
		ccm_json_add(o, "refused", json_object_new_uint64(eps[i]->refused));
		ccm_json_add(o, "last_error", jstr_or_null(eps[i]->last_error));
		json_object_array_add(arr, o);
	}
	return arr;
}

static struct json_object *incidents(const struct ccm_analysis *a)
{
	const struct ccm_timeline *tl = a->timeline;
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; i < tl->nincidents; i++) {
		const struct ccm_tl_incident *t = &tl->incidents[i];
		const struct ccm_incident *inc = &t->inc;
		struct json_object *o;
		ccm_ms end = ccm_report_incident_end(a, inc);

		if (!ccm_timeline_listed(tl, t))
			continue;
		o = json_object_new_object();
		ccm_json_add(o, "id", json_object_new_uint64(inc->id));
		ccm_json_add(o, "component", json_object_new_string(t->component));
		ccm_json_add(o, "start", jtime(true, inc->start));
		ccm_json_add(o, "end", jtime(!inc->open, inc->end));
		ccm_json_add(o, "duration_s", jseconds(end - inc->start));
		ccm_json_add(o, "cause", json_object_new_string(ccm_cause_name(inc->cause)));
		ccm_json_add(o, "open", json_object_new_boolean(inc->open));
		ccm_json_add(o, "file", jstr_or_null(inc->start_pos.file));
		ccm_json_add(o, "line", json_object_new_uint64(inc->start_pos.line));
		json_object_array_add(arr, o);
	}
	return arr;
}

/* "a, b" -> ["a","b"] */
static struct json_object *name_list(const char *names)
{
	struct json_object *arr = json_object_new_array();
	const char *p = names;

	while (arr && *p) {
		const char *end = strstr(p, ", ");
		size_t n = end ? (size_t)(end - p) : strlen(p);

		json_object_array_add(arr, json_object_new_string_len(
						   p, (int)n));
		p += n;
		if (*p)
			p += 2;
	}
	return arr;
}

/* ["im-blocked", ...] in the order of enum ccm_effect */
static struct json_object *effects_list(unsigned effects)
{
	struct json_object *arr = json_object_new_array();

	for (unsigned k = 0; arr && k < CCM_NEFFECTS; k++)
		if (effects & (1u << k))
			json_object_array_add(arr, json_object_new_string(
				ccm_effect_name((enum ccm_effect)k)));
	return arr;
}

static struct json_object *impact(const struct ccm_analysis *a)
{
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; arr && i < a->impact->n; i++) {
		const struct ccm_impact_interval *iv = &a->impact->v[i];
		ccm_ms end = ccm_report_impact_end(a, iv);
		struct json_object *o, *ph;

		if (!ccm_report_impact_listed(a, iv))
			continue;
		o = json_object_new_object();
		ph = json_object_new_array();
		ccm_json_add(o, "kind", json_object_new_string(
			ccm_alarm_type_info(iv->kind)->id));
		ccm_json_add(o, "node", json_object_new_string(iv->scope));
		ccm_json_add(o, "start", jtime(true, iv->start));
		ccm_json_add(o, "end", jtime(!iv->open, iv->end));
		ccm_json_add(o, "duration_s", jseconds(end - iv->start));
		ccm_json_add(o, "open", json_object_new_boolean(iv->open));
		ccm_json_add(o, "profiles", name_list(iv->profiles));
		ccm_json_add(o, "servers", name_list(iv->servers));
		ccm_json_add(o, "nodes", name_list(iv->nodes));
		for (size_t k = 0; ph && k < iv->nphases; k++) {
			struct json_object *c = json_object_new_object();

			ccm_json_add(c, "time", jtime(true, iv->phases[k].time));
			ccm_json_add(c, "phase", json_object_new_string(
				ccm_phase_name(iv->phases[k].phase)));
			json_object_array_add(ph, c);
		}
		ccm_json_add(o, "phase_changes", ph);
		ccm_json_add(o, "effects", effects_list(iv->effects));
		ccm_json_add(o, "delayed_s", jseconds(ccm_impact_delayed(iv, end)));
		json_object_array_add(arr, o);
	}
	return arr;
}

static struct json_object *alarm_changes(const struct ccm_alarm_record *r)
{
	struct json_object *arr = json_object_new_array();

	for (size_t k = 0; arr && k < r->nchanges; k++) {
		const struct ccm_alarm_change *c = &r->changes[k];
		struct json_object *o = json_object_new_object();

		ccm_json_add(o, "time", jtime(true, c->time));
		ccm_json_add(o, "severity", json_object_new_string(
			ccm_alarm_severity_name(c->severity)));
		ccm_json_add(o, "text", json_object_new_string(c->text));
		json_object_array_add(arr, o);
	}
	return arr;
}

/* What the NOC would have received (doc/analysis-json.md, alarms). */
static struct json_object *alarms(const struct ccm_analysis *a)
{
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; arr && i < a->alarms->n; i++) {
		const struct ccm_alarm_record *r = &a->alarms->v[i];
		struct json_object *o;

		if (!ccm_report_alarm_listed(a, r))
			continue;
		o = json_object_new_object();
		ccm_json_add(o, "id", r->suppressed ? NULL :
			     json_object_new_uint64(r->id));
		ccm_json_add(o, "type", json_object_new_string(
			ccm_alarm_type_info(r->type)->id));
		ccm_json_add(o, "resource", json_object_new_string(r->resource));
		ccm_json_add(o, "severity", json_object_new_string(
			ccm_alarm_severity_name(r->severity)));
		ccm_json_add(o, "start", jtime(true, r->start));
		ccm_json_add(o, "end", jtime(r->ended, r->end));
		ccm_json_add(o, "text", json_object_new_string(r->text));
		ccm_json_add(o, "suppressed", json_object_new_boolean(r->suppressed));
		ccm_json_add(o, "changes", alarm_changes(r));
		json_object_array_add(arr, o);
	}
	return arr;
}

struct json_object *ccm_report_json_object(const struct ccm_analysis *a)
{
	struct json_object *doc = json_object_new_object();
	struct json_object *win = json_object_new_object();

	if (!doc || !win) {
		json_object_put(doc);
		json_object_put(win);
		return NULL;
	}
	ccm_json_add(doc, "schema", json_object_new_string(CCM_ANALYSIS_SCHEMA));
	ccm_json_add(doc, "generator", json_object_new_string(PACKAGE_STRING));
	ccm_json_add(win, "since", jtime(a->have_since, a->since));
	ccm_json_add(win, "until", jtime(a->have_until, a->until));
	ccm_json_add(win, "end", jtime(a->have_end, a->end));
	ccm_json_add(doc, "window", win);
	ccm_json_add(doc, "inputs", inputs(a));
	ccm_json_add(doc, "components", components(a));
	ccm_json_add(doc, "endpoints", endpoints(a));
	ccm_json_add(doc, "incidents", incidents(a));
	if (a->impact) {
		ccm_json_add(doc, "config", json_object_new_string(a->config_path));
		ccm_json_add(doc, "impact", impact(a));
	}
	if (a->alarms)
		ccm_json_add(doc, "alarms", alarms(a));
	return doc;
}

int ccm_report_json(const struct ccm_analysis *a, FILE *out)
{
	struct json_object *doc = ccm_report_json_object(a);
	const char *s;
	char *t;
	size_t n;
	int rc;

	if (!doc)
		return -1;
	s = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
						JSON_C_TO_STRING_SPACED |
						JSON_C_TO_STRING_NOSLASHESCAPE);
	/* json-c copies bytes >= 0x80 as they are; structure is ASCII, so
	 * repairing the whole text repairs each string alone */
	t = s ? ccm_text_clean(s, strlen(s), CCM_TEXT_UTF8, &n) : NULL;
	rc = t && fwrite(t, 1, n, out) == n && fputc('\n', out) != EOF ? 0 :
									 -1;
	free(t);
	json_object_put(doc);
	return rc;
}

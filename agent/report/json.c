/* SPDX-License-Identifier: ISC */
/* The ccmon.analysis/2 JSON document (doc/analysis-json.md), written as
 * it is produced (agent/report/json_out.h): what it holds in memory is
 * the index of each component's transitions and waits, not the
 * document. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/report/json_out.h"
#include "agent/report/lanes.h"
#include "agent/report/report.h"

/* A time as a JSON string, or null. */
static void jtime(struct ccm_jw *w, bool have, ccm_ms t)
{
	char buf[CCM_TIME_STRLEN];

	if (have)
		ccm_jw_string(w, ccm_time_format(t, buf));
	else
		ccm_jw_null(w);
}

/* The "file" and "line" members of where something was read. */
static void jplace(struct ccm_jw *w, const struct ccm_srcpos *pos)
{
	ccm_jw_key(w, "file");
	ccm_jw_string(w, pos->file);
	ccm_jw_key(w, "line");
	ccm_jw_u64(w, pos->line);
}

/* Written with exactly three decimals, not %.17g's 4.2000000000000002. */
static void jseconds(struct ccm_jw *w, ccm_ms d)
{
	char buf[40];

	snprintf(buf, sizeof(buf), "%s%lld.%03lld", d < 0 ? "-" : "",
		 (long long)(d < 0 ? -d : d) / 1000,
		 (long long)(d < 0 ? -d : d) % 1000);
	ccm_jw_raw(w, buf);
}

static void inputs(struct ccm_jw *w, const struct ccm_analysis *a)
{
	ccm_jw_array(w);
	for (size_t i = 0; i < a->ninputs; i++) {
		const struct ccm_input *in = &a->inputs[i];

		ccm_jw_object(w);
		ccm_jw_key(w, "path");
		ccm_jw_string(w, in->path);
		ccm_jw_key(w, "lines");
		ccm_jw_u64(w, in->stats.lines);
		ccm_jw_key(w, "recognized");
		ccm_jw_u64(w, in->stats.recognized);
		ccm_jw_key(w, "bad_time");
		ccm_jw_u64(w, in->stats.bad_time);
		ccm_jw_key(w, "overlong");
		ccm_jw_u64(w, in->stats.overlong);
		ccm_jw_key(w, "shape");
		ccm_jw_string(w, ccm_ts_shape_name(in->shape));
		ccm_jw_key(w, "first");
		jtime(w, in->have_first, in->first);
		ccm_jw_key(w, "last");
		jtime(w, in->have_last, in->last);
		ccm_jw_key(w, "complete");
		ccm_jw_bool(w, !in->failed);
		ccm_jw_key(w, "date_source");
		ccm_jw_string(w, ccm_date_source_name(in->date_source));
		ccm_jw_key(w, "date_suspect");
		ccm_jw_bool(w, ccm_input_mtime_suspect(in));
		ccm_jw_end_object(w);
	}
	ccm_jw_end_array(w);
}

static void endpoint_name(struct ccm_jw *w, const struct ccm_endpoint *ep)
{
	char buf[512];

	if (!ep) {
		ccm_jw_null(w);
		return;
	}
	snprintf(buf, sizeof(buf), "%s:%u", ep->host, ep->port);
	ccm_jw_string(w, buf);
}

/* How long events waited on the component (lane), each wait listed. */
static int queue_latency(struct ccm_jw *w, const struct ccm_analysis *a,
			 const struct ccm_component *c,
			 const struct ccm_lanes *ln, size_t lane)
{
	const struct ccm_timeline *tl = a->timeline;
	const uint32_t *ix = ln->waits.item + ln->waits.start[lane];
	size_t n = ln->waits.start[lane + 1] - ln->waits.start[lane];
	struct ccm_qlat_stats st;
	size_t listed;

	if (ccm_report_latency(a, ln, lane, &st))
		return -1;
	/* no wait ever: none listed (agent/report/model.c) */
	if (!c->latency.total)
		n = 0;
	ccm_jw_object(w);
	ccm_jw_key(w, "count");
	ccm_jw_u64(w, st.count);
	ccm_jw_key(w, "mean_s");
	jseconds(w, st.mean);
	ccm_jw_key(w, "max_s");
	jseconds(w, st.max);
	ccm_jw_key(w, "p50_s");
	jseconds(w, st.p50);
	ccm_jw_key(w, "p95_s");
	jseconds(w, st.p95);
	ccm_jw_key(w, "p99_s");
	jseconds(w, st.p99);
	ccm_jw_key(w, "waits");
	ccm_jw_array(w);
	/* a storm of bounces would make the document huge: the first ones
	 * tell when it began, the figures cover all */
	listed = n;
	if (listed > CCM_REPORT_WAITS_MAX)
		listed = CCM_REPORT_WAITS_MAX;
	for (size_t i = 0; i < listed; i++) {
		const struct ccm_tl_entry *e = &tl->entries[ix[i]];

		ccm_jw_object(w);
		ccm_jw_key(w, "time");
		jtime(w, true, e->time);
		ccm_jw_key(w, "wait_s");
		jseconds(w, e->wait);
		jplace(w, &e->pos);
		ccm_jw_end_object(w);
	}
	ccm_jw_end_array(w);
	ccm_jw_key(w, "waits_omitted");
	ccm_jw_u64(w, n - listed);
	ccm_jw_end_object(w);
	return 0;
}

static int components(struct ccm_jw *w, const struct ccm_analysis *a)
{
	const struct ccm_component *const *comps;
	size_t n = ccm_engine_components(a->engine, &comps);
	const struct ccm_timeline *tl = a->timeline;
	struct ccm_lanes ln;
	int rc = 0;

	/* each component's transitions and waits, found in one pass */
	if (ccm_lanes_build(&ln, a, CCM_LANES_TRANSITIONS |
				     CCM_LANES_WAITS))
		return -1;
	ccm_jw_array(w);
	for (size_t i = 0; !rc && i < n; i++) {
		const struct ccm_component *c = comps[i];

		ccm_jw_object(w);
		ccm_jw_key(w, "name");
		ccm_jw_string(w, c->name);
		ccm_jw_key(w, "state");
		ccm_jw_string(w, ccm_state_name(c->state));
		ccm_jw_key(w, "transitions");
		ccm_jw_array(w);
		for (size_t k = ln.transitions.start[i];
		     k < ln.transitions.start[i + 1]; k++) {
			const struct ccm_tl_entry *e =
				&tl->entries[ln.transitions.item[k]];

			ccm_jw_object(w);
			ccm_jw_key(w, "time");
			jtime(w, true, e->time);
			ccm_jw_key(w, "state");
			ccm_jw_string(w, ccm_state_name(e->to));
			ccm_jw_key(w, "from");
			ccm_jw_string(w, ccm_state_name(e->from));
			jplace(w, &e->pos);
			ccm_jw_end_object(w);
		}
		ccm_jw_end_array(w);
		ccm_jw_key(w, "incidents");
		ccm_jw_u64(w, c->incidents);
		ccm_jw_key(w, "downtime_s");
		jseconds(w, c->downtime);
		ccm_jw_key(w, "endpoint");
		endpoint_name(w, c->endpoint);
		ccm_jw_key(w, "connect_failures");
		ccm_jw_u64(w, c->connect_failures);
		ccm_jw_key(w, "queue_latency");
		rc = queue_latency(w, a, c, &ln, i);
		ccm_jw_end_object(w);
	}
	ccm_jw_end_array(w);
	ccm_lanes_release(&ln);
	return rc;
}

static void endpoints(struct ccm_jw *w, const struct ccm_analysis *a)
{
	const struct ccm_endpoint *const *eps;
	size_t n = ccm_engine_endpoints(a->engine, &eps);

	ccm_jw_array(w);
	for (size_t i = 0; i < n; i++) {
		ccm_jw_object(w);
		ccm_jw_key(w, "host");
		ccm_jw_string(w, eps[i]->host);
		ccm_jw_key(w, "port");
		ccm_jw_int(w, (int)eps[i]->port);
		ccm_jw_key(w, "attempts");
		ccm_jw_u64(w, eps[i]->attempts);
		ccm_jw_key(w, "failures");
		ccm_jw_u64(w, eps[i]->failures);
		ccm_jw_key(w, "refused");
		ccm_jw_u64(w, eps[i]->refused);
		ccm_jw_key(w, "last_error");
		ccm_jw_string(w, eps[i]->last_error);
		ccm_jw_end_object(w);
	}
	ccm_jw_end_array(w);
}

static void incidents(struct ccm_jw *w, const struct ccm_analysis *a)
{
	const struct ccm_timeline *tl = a->timeline;

	ccm_jw_array(w);
	for (size_t i = 0; i < tl->nincidents; i++) {
		const struct ccm_tl_incident *t = &tl->incidents[i];
		const struct ccm_incident *inc = &t->inc;
		ccm_ms end = ccm_report_incident_end(a, inc);

		if (!ccm_timeline_listed(tl, t))
			continue;
		ccm_jw_object(w);
		ccm_jw_key(w, "id");
		ccm_jw_u64(w, inc->id);
		ccm_jw_key(w, "component");
		ccm_jw_string(w, t->component);
		ccm_jw_key(w, "start");
		jtime(w, true, inc->start);
		ccm_jw_key(w, "end");
		jtime(w, !inc->open, inc->end);
		ccm_jw_key(w, "duration_s");
		jseconds(w, end - inc->start);
		ccm_jw_key(w, "cause");
		ccm_jw_string(w, ccm_cause_name(inc->cause));
		ccm_jw_key(w, "open");
		ccm_jw_bool(w, inc->open);
		jplace(w, &inc->start_pos);
		ccm_jw_end_object(w);
	}
	ccm_jw_end_array(w);
}

/* "a, b" -> ["a","b"] */
static void name_list(struct ccm_jw *w, const char *names)
{
	const char *p = names;

	ccm_jw_array(w);
	while (*p) {
		const char *end = strstr(p, ", ");
		size_t n = end ? (size_t)(end - p) : strlen(p);

		ccm_jw_string_len(w, p, n);
		p += n;
		if (*p)
			p += 2;
	}
	ccm_jw_end_array(w);
}

/* ["im-blocked", ...] in the order of enum ccm_effect */
static void effects_list(struct ccm_jw *w, unsigned effects)
{
	ccm_jw_array(w);
	for (unsigned k = 0; k < CCM_NEFFECTS; k++)
		if (effects & (1u << k))
			ccm_jw_string(w, ccm_effect_name((enum ccm_effect)k));
	ccm_jw_end_array(w);
}

static void impact(struct ccm_jw *w, const struct ccm_analysis *a)
{
	ccm_jw_array(w);
	for (size_t i = 0; i < a->impact->n; i++) {
		const struct ccm_impact_interval *iv = &a->impact->v[i];
		ccm_ms end = ccm_report_impact_end(a, iv);

		if (!ccm_report_impact_listed(a, iv))
			continue;
		ccm_jw_object(w);
		ccm_jw_key(w, "kind");
		ccm_jw_string(w, ccm_alarm_type_info(iv->kind)->id);
		ccm_jw_key(w, "node");
		ccm_jw_string(w, iv->scope);
		ccm_jw_key(w, "start");
		jtime(w, true, iv->start);
		ccm_jw_key(w, "end");
		jtime(w, !iv->open, iv->end);
		ccm_jw_key(w, "duration_s");
		jseconds(w, end - iv->start);
		ccm_jw_key(w, "open");
		ccm_jw_bool(w, iv->open);
		ccm_jw_key(w, "profiles");
		name_list(w, iv->profiles);
		ccm_jw_key(w, "servers");
		name_list(w, iv->servers);
		ccm_jw_key(w, "nodes");
		name_list(w, iv->nodes);
		ccm_jw_key(w, "phase_changes");
		ccm_jw_array(w);
		for (size_t k = 0; k < iv->nphases; k++) {
			ccm_jw_object(w);
			ccm_jw_key(w, "time");
			jtime(w, true, iv->phases[k].time);
			ccm_jw_key(w, "phase");
			ccm_jw_string(w, ccm_phase_name(iv->phases[k].phase));
			ccm_jw_end_object(w);
		}
		ccm_jw_end_array(w);
		ccm_jw_key(w, "effects");
		effects_list(w, iv->effects);
		ccm_jw_key(w, "delayed_s");
		jseconds(w, ccm_impact_delayed(iv, end));
		ccm_jw_end_object(w);
	}
	ccm_jw_end_array(w);
}

static void alarm_changes(struct ccm_jw *w, const struct ccm_alarm_record *r)
{
	ccm_jw_array(w);
	for (size_t k = 0; k < r->nchanges; k++) {
		const struct ccm_alarm_change *c = &r->changes[k];

		ccm_jw_object(w);
		ccm_jw_key(w, "time");
		jtime(w, true, c->time);
		ccm_jw_key(w, "severity");
		ccm_jw_string(w, ccm_alarm_severity_name(c->severity));
		ccm_jw_key(w, "text");
		ccm_jw_string(w, c->text);
		ccm_jw_end_object(w);
	}
	ccm_jw_end_array(w);
}

/* What the NOC would have received (doc/analysis-json.md, alarms). */
static void alarms(struct ccm_jw *w, const struct ccm_analysis *a)
{
	ccm_jw_array(w);
	for (size_t i = 0; i < a->alarms->n; i++) {
		const struct ccm_alarm_record *r = &a->alarms->v[i];

		if (!ccm_report_alarm_listed(a, r))
			continue;
		ccm_jw_object(w);
		ccm_jw_key(w, "id");
		if (r->suppressed)
			ccm_jw_null(w);
		else
			ccm_jw_u64(w, r->id);
		ccm_jw_key(w, "type");
		ccm_jw_string(w, ccm_alarm_type_info(r->type)->id);
		ccm_jw_key(w, "resource");
		ccm_jw_string(w, r->resource);
		ccm_jw_key(w, "severity");
		ccm_jw_string(w, ccm_alarm_severity_name(r->severity));
		ccm_jw_key(w, "start");
		jtime(w, true, r->start);
		ccm_jw_key(w, "end");
		jtime(w, r->ended, r->end);
		ccm_jw_key(w, "text");
		ccm_jw_string(w, r->text);
		ccm_jw_key(w, "suppressed");
		ccm_jw_bool(w, r->suppressed);
		ccm_jw_key(w, "changes");
		alarm_changes(w, r);
		ccm_jw_end_object(w);
	}
	ccm_jw_end_array(w);
}

int ccm_report_json(const struct ccm_analysis *a, FILE *out)
{
	struct ccm_jw w;
	int rc;

	ccm_jw_init(&w, out);
	ccm_jw_object(&w);
	ccm_jw_key(&w, "schema");
	ccm_jw_string(&w, CCM_ANALYSIS_SCHEMA);
	ccm_jw_key(&w, "generator");
	ccm_jw_string(&w, PACKAGE_STRING);
	ccm_jw_key(&w, "window");
	ccm_jw_object(&w);
	ccm_jw_key(&w, "since");
	jtime(&w, a->have_since, a->since);
	ccm_jw_key(&w, "until");
	jtime(&w, a->have_until, a->until);
	ccm_jw_key(&w, "end");
	jtime(&w, a->have_end, a->end);
	ccm_jw_end_object(&w);
	ccm_jw_key(&w, "inputs");
	inputs(&w, a);
	ccm_jw_key(&w, "components");
	rc = components(&w, a);
	if (rc)
		return -1;
	ccm_jw_key(&w, "endpoints");
	endpoints(&w, a);
	ccm_jw_key(&w, "incidents");
	incidents(&w, a);
	if (a->impact) {
		ccm_jw_key(&w, "config");
		ccm_jw_string(&w, a->config_path);
		ccm_jw_key(&w, "impact");
		impact(&w, a);
	}
	if (a->alarms) {
		ccm_jw_key(&w, "alarms");
		alarms(&w, a);
	}
	ccm_jw_end_object(&w);
	fputc('\n', out);
	return ccm_jw_status(&w);
}

/* The same document parsed back: one writer, whatever the caller wants
 * of it. */
struct json_object *ccm_report_json_object(const struct ccm_analysis *a)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	struct json_object *doc = NULL;
	int rc;

	if (!f)
		return NULL;
	rc = ccm_report_json(a, f);
	if (fclose(f) == 0 && rc == 0)
		doc = json_tokener_parse(buf);
	free(buf);
	return doc;
}

/* SPDX-License-Identifier: ISC */
/* The human timeline: one line per change, then summaries.  Columns are
 * padded for a terminal; every line still reads alone when grepped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/report/lanes.h"
#include "agent/report/report.h"
#include "agent/util/text_clean.h"
#include "parsers/duration.h"

static int name_width(const struct ccm_engine *engine)
{
	const struct ccm_component *const *comps;
	size_t n = ccm_engine_components(engine, &comps);
	int w = 9;

	for (size_t i = 0; i < n; i++)
		if ((int)strlen(comps[i]->name) > w)
			w = (int)strlen(comps[i]->name);
	return w;
}

static void entry(FILE *out, int w, const struct ccm_tl_entry *e)
{
	char t[CCM_TIME_STRLEN];
	const struct ccm_endpoint *ep = e->endpoint;

	fprintf(out, "%s  %-*s  ", ccm_time_format(e->time, t), w, e->component);
	switch (e->kind) {
	case CCM_CHANGE_TRANSITION:
		fprintf(out, "%s -> %s", ccm_state_name(e->from),
			ccm_state_name(e->to));
		break;
	case CCM_CHANGE_INCIDENT_OPEN:
		fprintf(out, "incident #%llu opened",
			(unsigned long long)e->incident);
		break;
	case CCM_CHANGE_INCIDENT_CAUSE:
		fprintf(out, "incident #%llu cause: %s",
			(unsigned long long)e->incident, ccm_cause_name(e->cause));
		break;
	case CCM_CHANGE_INCIDENT_CLOSE:
		fprintf(out, "incident #%llu closed, cause %s",
			(unsigned long long)e->incident, ccm_cause_name(e->cause));
		break;
	case CCM_CHANGE_AUTH_TIMEOUT:
		fputs("connected but not active: authentication not completed",
		      out);
		break;
	case CCM_CHANGE_ENDPOINT_BOUND:
		fprintf(out, "connects to %s:%u", ep ? ep->host : "?",
			ep ? ep->port : 0);
		break;
	case CCM_CHANGE_LATENCY:
		break; /* summed up in the queue-latency table */
	case CCM_CHANGE_RESTART:
		fprintf(out, "router restart: its log silent since %s, "
			"incident #%llu", ccm_time_format(e->since, t),
			(unsigned long long)e->incident);
		break;
	}
	if (e->pos.file)
		fprintf(out, "  [%s:%llu]", e->pos.file,
			(unsigned long long)e->pos.line);
	fputc('\n', out);
}

static void incident_table(FILE *out, const struct ccm_analysis *a, int w)
{
	const struct ccm_timeline *tl = a->timeline;
	char s[CCM_TIME_STRLEN], e[CCM_TIME_STRLEN], d[CCM_DURATION_STRLEN];

	fprintf(out, "\nIncidents\n%4s  %-*s  %-23s  %-23s  %12s  %s\n", "#", w,
		"COMPONENT", "START", "END", "DURATION", "CAUSE");
	for (size_t i = 0; i < tl->nincidents; i++) {
		const struct ccm_tl_incident *t = &tl->incidents[i];
		const struct ccm_incident *inc = &t->inc;
		ccm_ms end = ccm_report_incident_end(a, inc);

		if (!ccm_timeline_listed(tl, t))
			continue;
		fprintf(out, "%4llu  %-*s  %-23s  %-23s  %s%11s  %s\n",
			(unsigned long long)inc->id, w, t->component,
			ccm_time_format(inc->start, s),
			inc->open ? "(open)" : ccm_time_format(inc->end, e),
			inc->open ? ">" : " ",
			ccm_duration_format(end - inc->start, d),
			ccm_cause_name(inc->cause));
	}
}

/* How long events waited on each component that had any:
 *   COMPONENT  WAITS  MEAN  P50  P95  P99  MAX  LAST */
static int latency_table(FILE *out, const struct ccm_analysis *a, int w)
{
	const struct ccm_component *const *comps;
	size_t n = ccm_engine_components(a->engine, &comps);
	char m[CCM_DURATION_STRLEN], p50[CCM_DURATION_STRLEN],
	     p95[CCM_DURATION_STRLEN], p99[CCM_DURATION_STRLEN],
	     mx[CCM_DURATION_STRLEN], t[CCM_TIME_STRLEN];
	bool header = false;
	struct ccm_lanes ln;

	/* each component's waits, found in one pass */
	if (ccm_lanes_build(&ln, a, CCM_LANES_WAITS))
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct ccm_qlat_stats st;

		if (ccm_report_latency(a, &ln, i, &st)) {
			ccm_lanes_release(&ln);
			return -1;
		}
		if (!st.count)
			continue;
		if (!header)
			fprintf(out, "\nQueue latency (each wait: --json)\n"
				"%-*s  %6s  %9s  %9s  %9s  %9s  %9s  %s\n", w,
				"COMPONENT", "WAITS", "MEAN", "P50", "P95",
				"P99", "MAX", "LAST");
		header = true;
		fprintf(out, "%-*s  %6llu  %9s  %9s  %9s  %9s  %9s  %s\n", w,
			comps[i]->name, (unsigned long long)st.count,
			ccm_duration_format(st.mean, m),
			ccm_duration_format(st.p50, p50),
			ccm_duration_format(st.p95, p95),
			ccm_duration_format(st.p99, p99),
			ccm_duration_format(st.max, mx),
			ccm_time_format(st.last_time, t));
	}
	ccm_lanes_release(&ln);
	return 0;
}

/* What users suffered, by the profiles of the configuration:
 *   messaging-blocked cluster  08:10:00.120 .. 08:20:31.004  10m30.884s
 *     profiles ImLogging; servers cs1 (imp1.example.com)
 *     08:10:00.120 queueing, 08:15:00.120 immediate-bounce */
static void impact_table(FILE *out, const struct ccm_analysis *a)
{
	char t1[CCM_TIME_STRLEN], t2[CCM_TIME_STRLEN], d[CCM_DURATION_STRLEN];
	size_t listed = 0;

	fprintf(out, "\nImpact (by the profiles of %s)\n", a->config_path);
	for (size_t i = 0; i < a->impact->n; i++) {
		const struct ccm_impact_interval *iv = &a->impact->v[i];
		ccm_ms end = ccm_report_impact_end(a, iv);

		if (!ccm_report_impact_listed(a, iv))
			continue;
		listed++;
		fprintf(out, "  %-18s  %s  %s .. %s  %s%s\n",
			ccm_alarm_type_info(iv->kind)->id, iv->scope,
			ccm_time_format(iv->start, t1),
			iv->open ? "(still at the end)" :
				   ccm_time_format(iv->end, t2),
			ccm_duration_format(end - iv->start, d),
			iv->open ? "+" : "");
		fprintf(out, "    profiles %s; servers %s (%s)\n",
			iv->profiles[0] ? iv->profiles : "-",
			iv->servers[0] ? iv->servers : "-",
			iv->nodes[0] ? iv->nodes : "-");
		if (iv->effects) {
			char eff[192];

			ccm_effects_format(iv->effects, eff, sizeof(eff));
			fprintf(out, "    effects: %s\n", eff);
		}
		fputs("    ", out);
		for (size_t k = 0; k < iv->nphases; k++)
			fprintf(out, "%s%s %s", k ? ", " : "",
				ccm_time_format(iv->phases[k].time, t1),
				ccm_phase_name(iv->phases[k].phase));
		if (ccm_impact_delayed(iv, end))
			fprintf(out, "; events held up to queue_wait for %s",
				ccm_duration_format(ccm_impact_delayed(iv, end),
						    d));
		fputc('\n', out);
	}
	if (!listed)
		fputs("  (no user impact)\n", out);
}

static int write_report(const struct ccm_analysis *a, FILE *out)
{
	const struct ccm_component *const *comps;
	const struct ccm_endpoint *const *eps;
	size_t ncomps = ccm_engine_components(a->engine, &comps);
	size_t neps = ccm_engine_endpoints(a->engine, &eps);
	int w = name_width(a->engine);
	char t1[CCM_TIME_STRLEN], t2[CCM_TIME_STRLEN], d[CCM_DURATION_STRLEN];
	size_t listed = 0;

	fputs("Inputs\n", out);
	for (size_t i = 0; i < a->ninputs; i++) {
		const struct ccm_input *in = &a->inputs[i];
		fprintf(out, "  %s  %s  %s .. %s  %llu lines, %llu recognized, "
			"%llu bad timestamps, %llu overlong, date from %s%s%s"
			"\n", in->path, ccm_ts_shape_name(in->shape),
			in->have_first ? ccm_time_format(in->first, t1) : "-",
			in->have_last ? ccm_time_format(in->last, t2) : "-",
			(unsigned long long)in->stats.lines,
			(unsigned long long)in->stats.recognized,
			(unsigned long long)in->stats.bad_time,
			(unsigned long long)in->stats.overlong,
			ccm_date_source_name(in->date_source),
			ccm_input_mtime_suspect(in) ?
			" (looks wrong: give --date)" : "",
			in->failed ? "  (read error: incomplete)" : "");
	}

	fputs("\nTimeline\n", out);
	for (size_t i = 0; i < a->timeline->nentries; i++) {
		const struct ccm_tl_entry *e = &a->timeline->entries[i];
		/* a storm of bounces would bury the transitions */
		if (e->kind == CCM_CHANGE_LATENCY)
			continue;
		entry(out, w, e);
		listed++;
	}
	if (!listed)
		fputs("  (no component changes)\n", out);

	fprintf(out, "\nComponents\n%-*s  %-9s  %11s  %9s  %12s  %s\n", w,
		"NAME", "STATE", "TRANSITIONS", "INCIDENTS", "DOWNTIME",
		"ENDPOINT");
	for (size_t i = 0; i < ncomps; i++) {
		const struct ccm_component *c = comps[i];
		char ep[300] = "-";
		if (c->endpoint)
			snprintf(ep, sizeof(ep), "%s:%u", c->endpoint->host,
				 c->endpoint->port);
		fprintf(out, "%-*s  %-9s  %11llu  %9llu  %12s  %s\n", w, c->name,
			ccm_state_name(c->state),
			(unsigned long long)c->transitions,
			(unsigned long long)c->incidents,
			ccm_duration_format(c->downtime, d), ep);
	}

	if (neps) {
		fprintf(out, "\nEndpoints\n%-30s  %8s  %8s  %8s  %s\n",
			"HOST:PORT", "ATTEMPTS", "FAILURES", "REFUSED",
			"LAST ERROR");
		for (size_t i = 0; i < neps; i++) {
			char hp[300];
			snprintf(hp, sizeof(hp), "%s:%u", eps[i]->host,
				 eps[i]->port);
			fprintf(out, "%-30s  %8llu  %8llu  %8llu  %s\n", hp,
				(unsigned long long)eps[i]->attempts,
				(unsigned long long)eps[i]->failures,
				(unsigned long long)eps[i]->refused,
				eps[i]->last_error ? eps[i]->last_error : "-");
		}
	}
	incident_table(out, a, w);
	if (latency_table(out, a, w))
		return -1;
	if (a->impact)
		impact_table(out, a);
	if (a->alarms)
		ccm_report_text_alarms(a, out);
	return ferror(out) ? -1 : 0;
}

/* ---- cleaning on the way out ---------------------------------------------- */

/* Names, hosts, errors and paths all come from logs: rather than clean
 * each at its printf, the whole report passes through one filter that
 * cleans it for display (agent/util/text_clean.h), lines kept.  stdio hands it
 * buffers that may end inside a character: those bytes wait for the next. */
struct clean_out {
	FILE *out;
	char carry[4];
	size_t ncarry;
	bool failed;
};

static void clean_write(struct clean_out *c, const char *s, size_t n)
{
	size_t len;
	char *t = ccm_text_clean(s, n, CCM_TEXT_DISPLAY_NL, &len);

	if (!t || fwrite(t, 1, len, c->out) != len)
		c->failed = true;
	free(t);
}

static ssize_t clean_cookie_write(void *cookie, const char *buf, size_t size)
{
	struct clean_out *c = cookie;
	size_t tail, n = c->ncarry + size;
	char *joined = malloc(n ? n : 1);

	if (!joined) {
		c->failed = true;
		return -1;
	}
	memcpy(joined, c->carry, c->ncarry);
	memcpy(joined + c->ncarry, buf, size);
	tail = ccm_utf8_incomplete_tail(joined, n);
	clean_write(c, joined, n - tail);
	memcpy(c->carry, joined + n - tail, tail);
	c->ncarry = tail;
	free(joined);
	return c->failed ? -1 : (ssize_t)size;
}

static int clean_cookie_close(void *cookie)
{
	struct clean_out *c = cookie;

	clean_write(c, c->carry, c->ncarry); /* cut short: U+FFFD */
	c->ncarry = 0;
	return c->failed ? -1 : 0;
}

int ccm_report_text(const struct ccm_analysis *a, FILE *out)
{
	struct clean_out c = { .out = out };
	cookie_io_functions_t io = {
		.write = clean_cookie_write,
		.close = clean_cookie_close,
	};
	FILE *f = fopencookie(&c, "w", io);
	int rc;

	if (!f)
		return -1;
	rc = write_report(a, f);
	if (fclose(f) || c.failed || ferror(out))
		rc = -1;
	return rc;
}

/* SPDX-License-Identifier: ISC */
/* The HTML report of `ccmon analyze --html`: for the review meeting, a
 * picture and the few sentences that answer what broke, when, for how
 * long and who was affected; the tables and the command that produced it
 * below, for whoever must check.
 *
 * One file that opens anywhere, years later, offline: the style and the
 * picture are inline and nothing refers outside the document.  The markup
 * is well-formed XML as well as HTML, so tests (and anyone) can parse it
 * with an XML parser.  Every string from a log, a path or the command line
 * goes through ccm_html_escape(). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/report/lanes.h"
#include "agent/report/markup.h"
#include "agent/report/report.h"
#include "agent/report/svg_timeline.h"
#include "parsers/duration.h"

/* Incidents and impacts told one by one in the summary; beyond, the
 * summary goes by component, and the tables hold every one. */
#define SUMMARY_MAX 8

static const char style[] =
	"<style>\n"
	"body{font-family:sans-serif;color:#111;margin:1.5em;"
	"max-width:1240px}\n"
	"h1{font-size:1.5em;margin-bottom:.2em}\n"
	"h2{font-size:1.2em;border-bottom:1px solid #999;margin-top:1.5em}\n"
	".meta{color:#444}\n"
	"table{border-collapse:collapse;margin:.5em 0;font-size:.9em}\n"
	"th,td{border:1px solid #999;padding:2px 6px;text-align:left;"
	"vertical-align:top}\n"
	"th{background:#eee}\n"
	"td.num{text-align:right;font-variant-numeric:tabular-nums}\n"
	"code,pre{font-family:monospace;white-space:pre-wrap;"
	"word-break:break-all}\n"
	"pre{background:#f4f4f4;border:1px solid #ccc;padding:.5em}\n"
	".notice{border-left:4px solid #555;padding-left:.6em}\n"
	".cause{font-weight:bold}\n"
	"svg.timeline{max-width:100%;height:auto;border:1px solid #ccc}\n"
	"svg text{font-family:sans-serif;font-size:11px;fill:#111}\n"
	"svg text.lane-name{font-size:12px;font-weight:bold}\n"
	"svg text.lane-note,svg text.axis-label{fill:#444}\n"
	"svg text.day{font-weight:bold}\n"
	"svg text.seg-label,svg text.band-label{paint-order:stroke;"
	"stroke:#fff;stroke-width:3px;stroke-linejoin:round}\n"
	"svg line.grid{stroke:#ccc;stroke-dasharray:2 3}\n"
	"svg .mark.attempt{stroke:#000;stroke-width:1.5}\n"
	"svg .mark.fail{stroke:#b30000;stroke-width:2;fill:none}\n"
	"svg text.section{font-size:12px;font-weight:bold}\n"
	"@media print{\n"
	"body{margin:0;max-width:none;font-size:10pt}\n"
	"*{-webkit-print-color-adjust:exact;print-color-adjust:exact}\n"
	"svg.timeline{width:100%;border:none}\n"
	"section,tr,figure{break-inside:avoid}\n"
	"h2{break-after:avoid}\n"
	"}\n"
	"</style>\n";

/* ---- small pieces ------------------------------------------------------- */

static void cell(FILE *out, const char *s)
{
	fputs("<td>", out);
	ccm_html_escape(out, s);
	fputs("</td>", out);
}

static void num(FILE *out, unsigned long long v)
{
	fprintf(out, "<td class=\"num\">%llu</td>", v);
}

/* What each cause means, after the vendor's checklist (doc/domain.md
 * "Causes of an outage"). */
static const char *cause_meaning(enum ccm_cause c)
{
	switch (c) {
	case CCM_CAUSE_REFUSED:
		return "the router's connections to the compliance server were "
		       "refused (111): the host answers but nothing listens "
		       "on the port: the server not running or not listening, "
		       "or the wrong port on one side";
	case CCM_CAUSE_TIMEOUT:
		return "the router's connections to the compliance server "
		       "timed out (110): the host is down or a firewall drops "
		       "the connection";
	case CCM_CAUSE_UNREACHABLE:
		return "the router did not reach the compliance server (no "
		       "route, network down, name not resolved): check the "
		       "network path and the address configured";
	case CCM_CAUSE_ROUTER_RESTART:
		return "the node's XCP Router restarted: its log went silent, "
		       "then its components reconnected in a burst; events "
		       "of users on that node were blocked meanwhile";
	case CCM_CAUSE_AUTH:
		return "the router connected but never authenticated: wrong "
		       "password on one side, or the server configured with "
		       "the wrong component name";
	case CCM_CAUSE_LOST:
		return "the link was lost: the compliance server or the "
		       "network between went away";
	}
	return "";
}

static const char *phase_text(enum ccm_phase p)
{
	switch (p) {
	case CCM_PHASE_QUEUEING:
		return "each message waits, then is bounced";
	case CCM_PHASE_BOUNCE:
		return "messages bounced at once";
	case CCM_PHASE_SOME_USERS:
		return "some users, until re-routed";
	case CCM_PHASE_DELAYED:
		return "logins delayed";
	case CCM_PHASE_UNLOGGED:
		return "events pass without being logged";
	}
	return "";
}

/* ---- the summary -------------------------------------------------------- */

/* The SUMMARY_MAX longest of the n candidates: chosen[i] set for them. */
static void pick_longest(const ccm_ms *dur, size_t n, bool *chosen)
{
	for (size_t k = 0; k < n && k < SUMMARY_MAX; k++) {
		size_t best = n;
		for (size_t i = 0; i < n; i++)
			if (!chosen[i] && (best == n || dur[i] > dur[best]))
				best = i;
		chosen[best] = true;
	}
}

static void incident_sentence(FILE *out, const struct ccm_analysis *a,
			      const struct ccm_tl_incident *t)
{
	char b1[CCM_TIME_STRLEN], b2[CCM_TIME_STRLEN], d[CCM_DURATION_STRLEN];
	const struct ccm_incident *inc = &t->inc;

	fputs("<li><b>", out);
	ccm_html_escape(out, t->component);
	fprintf(out, "</b> was down for <b>%s%s</b>, from %s to %s "
		"(incident #%llu). Cause <span class=\"cause\">%s</span>: "
		"%s.</li>\n",
		ccm_duration_format(ccm_report_incident_end(a, inc) - inc->start, d),
		inc->open ? " or more" : "", ccm_html_when(inc->start, b1),
		inc->open ? "the end of the log (still open)" :
			    ccm_html_when(inc->end, b2),
		(unsigned long long)inc->id, ccm_cause_name(inc->cause),
		cause_meaning(inc->cause));
}

/* Many incidents: a line per component says more than the first few. */
static void component_sentence(FILE *out, const struct ccm_analysis *a,
			       const struct ccm_component *c,
			       const struct ccm_lanes *ln, size_t lane)
{
	const struct ccm_timeline *tl = a->timeline;
	const struct ccm_tl_incident *longest = NULL;
	size_t n = 0, by_cause[CCM_CAUSE_COUNT] = { 0 };
	ccm_ms total = 0, dmax = -1;
	char b1[CCM_TIME_STRLEN], d[CCM_DURATION_STRLEN];

	for (size_t k = ln->incidents.start[lane];
	     k < ln->incidents.start[lane + 1]; k++) {
		const struct ccm_tl_incident *t =
			&tl->incidents[ln->incidents.item[k]];
		ccm_ms dur = ccm_report_incident_end(a, &t->inc) - t->inc.start;

		if (!ccm_timeline_listed(tl, t))
			continue;
		n++;
		total += dur;
		by_cause[t->inc.cause]++;
		if (dur > dmax) {
			dmax = dur;
			longest = t;
		}
	}
	if (!longest)
		return;
	fputs("<li><b>", out);
	ccm_html_escape(out, c->name);
	fprintf(out, "</b>: %zu incident%s, down <b>%s</b> in all",
		n, n == 1 ? "" : "s", ccm_duration_format(total, d));
	fprintf(out, "; the longest %s from %s (#%llu, <span "
		"class=\"cause\">%s</span>); causes:",
		ccm_duration_format(dmax, d), ccm_html_when(longest->inc.start, b1),
		(unsigned long long)longest->inc.id,
		ccm_cause_name(longest->inc.cause));
	for (int k = CCM_CAUSE_COUNT - 1, first = 1; k >= CCM_CAUSE_LOST; k--)
		if (by_cause[k]) {
			fprintf(out, "%s%zu %s", first ? " " : ", ",
				by_cause[k], ccm_cause_name((enum ccm_cause)k));
			first = 0;
		}
	fprintf(out, "; at the end %s.</li>\n", ccm_state_name(c->state));
}

static int summary_incidents(FILE *out, const struct ccm_analysis *a)
{
	const struct ccm_timeline *tl = a->timeline;
	const struct ccm_component *const *comps;
	size_t ncomps = ccm_engine_components(a->engine, &comps);
	size_t listed = 0;
	struct ccm_lanes ln;

	for (size_t i = 0; i < tl->nincidents; i++)
		listed += ccm_timeline_listed(tl, &tl->incidents[i]);
	if (!listed) {
		fputs("<p id=\"verdict\">No incident: every compliance "
		      "component that was seen stayed active.</p>\n", out);
		return 0;
	}
	fprintf(out, "<p id=\"verdict\">%zu incident%s.%s</p>\n<ul "
		"id=\"what-broke\">\n", listed, listed == 1 ? "" : "s",
		listed > SUMMARY_MAX ? " By component (each incident is in "
				       "the table below):" : "");
	for (size_t i = 0; listed <= SUMMARY_MAX && i < tl->nincidents; i++)
		if (ccm_timeline_listed(tl, &tl->incidents[i]))
			incident_sentence(out, a, &tl->incidents[i]);
	if (listed > SUMMARY_MAX) {
		if (ccm_lanes_build(&ln, a, CCM_LANES_INCIDENTS))
			return -1;
		for (size_t i = 0; i < ncomps; i++)
			component_sentence(out, a, comps[i], &ln, i);
		ccm_lanes_release(&ln);
	}
	fputs("</ul>\n", out);
	for (int k = CCM_CAUSE_COUNT - 1; listed > SUMMARY_MAX && k >= 0; k--)
		fprintf(out, "%s<b>%s</b>: %s%s", k == CCM_CAUSE_COUNT - 1 ?
			"<p id=\"causes\">Causes: " : " ",
			ccm_cause_name((enum ccm_cause)k),
			cause_meaning((enum ccm_cause)k), k ? "." : ".</p>\n");
	return 0;
}

static void summary_impact(FILE *out, const struct ccm_analysis *a)
{
	char b1[CCM_TIME_STRLEN], b2[CCM_TIME_STRLEN], d[CCM_DURATION_STRLEN];
	size_t n = a->impact ? a->impact->n : 0, listed = 0;
	ccm_ms *dur;
	bool *chosen;

	if (!a->impact) {
		fputs("<p id=\"who\">Who was affected depends on the compliance "
		      "profiles: run again with <code>--config FILE</code> to "
		      "see it.</p>\n", out);
		return;
	}
	dur = calloc(n + 1, sizeof(*dur));
	chosen = calloc(n + 1, sizeof(*chosen));
	if (!dur || !chosen) {
		free(dur);
		free(chosen);
		fputs("<p>(out of memory: see the table below)</p>\n", out);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct ccm_impact_interval *iv = &a->impact->v[i];
		dur[i] = ccm_report_impact_listed(a, iv) ?
			 ccm_report_impact_end(a, iv) - iv->start : -1;
		listed += dur[i] >= 0;
	}
	pick_longest(dur, n, chosen);
	fputs("<p id=\"who\">Who was affected, by the profiles of <code>", out);
	ccm_html_escape(out, a->config_path);
	fprintf(out, "</code>: %s</p>\n", listed ? "" : "no user impact.");
	if (listed)
		fputs("<ul id=\"who-list\">\n", out);
	for (size_t i = 0; i < n; i++) {
		const struct ccm_impact_interval *iv = &a->impact->v[i];

		if (!chosen[i] || dur[i] < 0)
			continue;
		fprintf(out, "<li><b>%s</b> for <b>", ccm_html_impact_label(iv->kind));
		ccm_html_escape(out, iv->scope);
		fprintf(out, "</b>, %s%s from %s to %s; profiles ",
			ccm_duration_format(dur[i], d), iv->open ? " or more" :
			"", ccm_html_when(iv->start, b1),
			iv->open ? "the end of the log" : ccm_html_when(iv->end, b2));
		ccm_html_escape(out, iv->profiles[0] ? iv->profiles : "-");
		fputs(", servers ", out);
		ccm_html_escape(out, iv->servers[0] ? iv->servers : "-");
		for (size_t k = 0; k < iv->nphases; k++)
			fprintf(out, "%s from %s %s", k ? "," : ";",
				ccm_html_when(iv->phases[k].time, b1) + 11,
				phase_text(iv->phases[k].phase));
		if (iv->effects) {
			char eff[192];

			ccm_effects_format(iv->effects, eff, sizeof(eff));
			fprintf(out, "; effects: %s", eff);
		}
		fputs(".</li>\n", out);
	}
	if (listed)
		fputs("</ul>\n", out);
	free(dur);
	free(chosen);
}

/* ---- tables ------------------------------------------------------------- */

static void incident_table(FILE *out, const struct ccm_analysis *a)
{
	const struct ccm_timeline *tl = a->timeline;
	char b1[CCM_TIME_STRLEN], b2[CCM_TIME_STRLEN], d[CCM_DURATION_STRLEN];

	fputs("<section id=\"incidents\"><h2>Incidents</h2>\n<table>\n"
	      "<tr><th>#</th><th>component</th><th>start</th><th>end</th>"
	      "<th>duration</th><th>cause</th><th>endpoint</th>"
	      "<th>evidence</th></tr>\n", out);
	for (size_t i = 0; i < tl->nincidents; i++) {
		const struct ccm_tl_incident *t = &tl->incidents[i];
		const struct ccm_incident *inc = &t->inc;
		const struct ccm_component *c =
			ccm_engine_component(a->engine, t->component);

		if (!ccm_timeline_listed(tl, t))
			continue;
		fprintf(out, "<tr data-incident=\"%llu\"><td class=\"num\">"
			"%llu</td>", (unsigned long long)inc->id,
			(unsigned long long)inc->id);
		cell(out, t->component);
		cell(out, ccm_html_when(inc->start, b1));
		cell(out, inc->open ? "(open at the end)" : ccm_html_when(inc->end, b2));
		fprintf(out, "<td class=\"num\">%s%s</td><td>%s</td><td>",
			inc->open ? "&gt; " : "",
			ccm_duration_format(ccm_report_incident_end(a, inc) - inc->start,
					    d), ccm_cause_name(inc->cause));
		if (c && c->endpoint) {
			ccm_html_escape(out, c->endpoint->host);
			fprintf(out, ":%u", c->endpoint->port);
		} else {
			fputs("-", out);
		}
		fputs("</td><td><code>", out);
		ccm_html_escape(out, inc->start_pos.file ?
				inc->start_pos.file : "-");
		fprintf(out, ":%llu</code>", (unsigned long long)
			inc->start_pos.line);
		if (!inc->open && inc->end_pos.file) {
			fputs(" to <code>", out);
			ccm_html_escape(out, inc->end_pos.file);
			fprintf(out, ":%llu</code>", (unsigned long long)
				inc->end_pos.line);
		}
		fputs("</td></tr>\n", out);
	}
	fputs("</table>\n</section>\n", out);
}

static void impact_table(FILE *out, const struct ccm_analysis *a)
{
	char b1[CCM_TIME_STRLEN], b2[CCM_TIME_STRLEN], d[CCM_DURATION_STRLEN];

	fputs("<section id=\"impact\"><h2>Impact on users</h2>\n<table>\n"
	      "<tr><th>what</th><th>scope</th><th>start</th><th>end</th>"
	      "<th>duration</th><th>profiles</th><th>servers (nodes)</th>"
	      "<th>phases</th><th>effects</th></tr>\n", out);
	for (size_t i = 0; i < a->impact->n; i++) {
		const struct ccm_impact_interval *iv = &a->impact->v[i];

		if (!ccm_report_impact_listed(a, iv))
			continue;
		fprintf(out, "<tr data-impact=\"%s\"><td>%s</td>",
			ccm_alarm_type_info(iv->kind)->id,
			ccm_html_impact_label(iv->kind));
		cell(out, iv->scope);
		cell(out, ccm_html_when(iv->start, b1));
		cell(out, iv->open ? "(still at the end)" : ccm_html_when(iv->end, b2));
		fprintf(out, "<td class=\"num\">%s%s</td>", iv->open ? "&gt; " :
			"", ccm_duration_format(ccm_report_impact_end(a, iv) - iv->start,
						d));
		cell(out, iv->profiles[0] ? iv->profiles : "-");
		fputs("<td>", out);
		ccm_html_escape(out, iv->servers[0] ? iv->servers : "-");
		fputs(" (", out);
		ccm_html_escape(out, iv->nodes[0] ? iv->nodes : "-");
		fputs(")</td><td>", out);
		for (size_t k = 0; k < iv->nphases; k++)
			fprintf(out, "%s%s %s", k ? "<br/>" : "",
				ccm_html_when(iv->phases[k].time, b1) + 11,
				ccm_phase_name(iv->phases[k].phase));
		fputs("</td>", out);
		{
			char eff[192];

			ccm_effects_format(iv->effects, eff, sizeof(eff));
			fprintf(out, "<td class=\"effects\">%s</td></tr>\n",
				eff);
		}
	}
	fputs("</table>\n</section>\n", out);
}

static void component_table(FILE *out, const struct ccm_analysis *a)
{
	const struct ccm_component *const *comps;
	const struct ccm_endpoint *const *eps;
	size_t n = ccm_engine_components(a->engine, &comps);
	size_t neps = ccm_engine_endpoints(a->engine, &eps);
	char d[CCM_DURATION_STRLEN];

	fputs("<section id=\"components\"><h2>Components and endpoints</h2>\n"
	      "<table>\n<tr><th>component</th><th>state at the end</th>"
	      "<th>transitions</th><th>incidents</th><th>downtime</th>"
	      "<th>endpoint</th></tr>\n", out);
	for (size_t i = 0; i < n; i++) {
		const struct ccm_component *c = comps[i];

		fputs("<tr>", out);
		cell(out, c->name);
		cell(out, ccm_state_name(c->state));
		num(out, c->transitions);
		num(out, c->incidents);
		fprintf(out, "<td class=\"num\">%s</td><td>",
			ccm_duration_format(c->downtime, d));
		if (c->endpoint) {
			ccm_html_escape(out, c->endpoint->host);
			fprintf(out, ":%u", c->endpoint->port);
		} else {
			fputs("-", out);
		}
		fputs("</td></tr>\n", out);
	}
	fputs("</table>\n", out);
	if (neps) {
		fputs("<table>\n<tr><th>endpoint</th><th>connect attempts</th>"
		      "<th>failures</th><th>refused</th><th>last error</th>"
		      "</tr>\n", out);
		for (size_t i = 0; i < neps; i++) {
			fputs("<tr><td>", out);
			ccm_html_escape(out, eps[i]->host);
			fprintf(out, ":%u</td>", eps[i]->port);
			num(out, eps[i]->attempts);
			num(out, eps[i]->failures);
			num(out, eps[i]->refused);
			cell(out, eps[i]->last_error ? eps[i]->last_error : "-");
			fputs("</tr>\n", out);
		}
		fputs("</table>\n", out);
	}
	fputs("</section>\n", out);
}

/* How long events waited on each component that had waits: the router's
 * bounces (each an event that waited queue_wait and failed) or the
 * configured [latency] pairs. */
static int latency_table(FILE *out, const struct ccm_analysis *a)
{
	const struct ccm_component *const *comps;
	size_t n = ccm_engine_components(a->engine, &comps);
	char d[CCM_DURATION_STRLEN], t[CCM_TIME_STRLEN];
	size_t rows = 0;
	struct ccm_lanes ln;

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
		if (!rows++)
			fputs("<section id=\"latency\"><h2>Queue latency</h2>\n"
			      "<p>How long events waited on a component before it"
			      " answered or the router bounced them (every"
			      " <q>Bouncing packet intended for</q> line is an"
			      " event that waited the queue wait and failed; the"
			      " sender got an error).</p>\n<table>\n<tr>"
			      "<th>component</th><th>waits</th><th>mean</th>"
			      "<th>p50</th><th>p95</th><th>p99</th><th>max</th>"
			      "<th>last</th></tr>\n", out);
		const ccm_ms figures[] = { st.mean, st.p50, st.p95, st.p99,
					   st.max };

		fputs("<tr data-queue-row=\"1\">", out);
		cell(out, comps[i]->name);
		num(out, st.count);
		for (size_t k = 0; k < sizeof(figures) / sizeof(*figures); k++)
			fprintf(out, "<td class=\"num\">%s</td>",
				ccm_duration_format(figures[k], d));
		cell(out, ccm_html_when(st.last_time, t));
		fputs("</tr>\n", out);
	}
	ccm_lanes_release(&ln);
	if (rows)
		fputs("</table>\n</section>\n", out);
	return 0;
}

/* ---- provenance --------------------------------------------------------- */

/* One word as a POSIX shell reads it back: bare when it is made of safe
 * characters, else in single quotes, a quote inside written '\''. */
static void shell_word(FILE *out, const char *w)
{
	static const char safe[] = "abcdefghijklmnopqrstuvwxyz"
				   "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				   "0123456789_@%+=:,./-";
	const char *p;

	if (*w && strspn(w, safe) == strlen(w)) {
		ccm_html_escape(out, w);
		return;
	}
	fputs("&#39;", out);
	for (; (p = strchr(w, '\'')); w = p + 1) {
		ccm_html_escape_n(out, w, (size_t)(p - w));
		fputs("&#39;\\&#39;&#39;", out);
	}
	ccm_html_escape(out, w);
	fputs("&#39;", out);
}

static void provenance(FILE *out, const struct ccm_analysis *a)
{
	char b1[CCM_TIME_STRLEN], b2[CCM_TIME_STRLEN];

	fputs("<section id=\"provenance\"><h2>How this report was made</h2>\n"
	      "<p>Command:</p>\n<pre id=\"command\"><code>ccmon", out);
	for (size_t i = 0; i < a->argc; i++) {
		fputc(' ', out);
		shell_word(out, a->argv[i]);
	}
	fputs("</code></pre>\n<p>Inputs, in the order read (by first "
	      "timestamp):</p>\n<table id=\"inputs\">\n<tr><th>file</th>"
	      "<th>lines</th><th>recognised</th><th>first</th><th>last</th>"
	      "<th>timestamps</th><th>complete</th></tr>\n", out);
	for (size_t i = 0; i < a->ninputs; i++) {
		const struct ccm_input *in = &a->inputs[i];

		fprintf(out, "<tr data-lines=\"%llu\">",
			(unsigned long long)in->stats.lines);
		cell(out, in->path);
		num(out, in->stats.lines);
		num(out, in->stats.recognized);
		cell(out, in->have_first ? ccm_html_when(in->first, b1) : "-");
		cell(out, in->have_last ? ccm_html_when(in->last, b2) : "-");
		cell(out, ccm_ts_shape_name(in->shape));
		cell(out, in->failed ? "no: read error" : "yes");
		fputs("</tr>\n", out);
	}
	fputs("</table>\n", out);
	if (a->impact) {
		fputs("<p>Configuration: <code>", out);
		ccm_html_escape(out, a->config_path);
		fputs("</code></p>\n", out);
	}
	fprintf(out, "<p class=\"meta\">Times are log time: as written in the "
		"logs, without zone conversion. Generated by %s.</p>\n"
		"</section>\n", PACKAGE_STRING);
}

/* ---- the document ------------------------------------------------------- */

static void timeline_section(FILE *out, const struct ccm_analysis *a)
{
	struct ccm_svg_stats st;
	char d[CCM_DURATION_STRLEN];

	fputs("<section id=\"timeline\"><h2>Timeline</h2>\n<figure>\n", out);
	if (ccm_svg_timeline(a, out, &st))
		return;
	if (!st.lanes && !st.impact_lanes)
		fputs("<p>Nothing to draw: no component line in the "
		      "inputs.</p>\n", out);
	fprintf(out, "<figcaption>One lane per component: its state (a "
		"pattern each, named in the legend), connect attempts (ticks) "
		"and failures (crosses) below it, and its incidents as "
		"labelled bands.%s</figcaption>\n</figure>\n",
		a->impact ? " Then one lane per kind of user impact, in its "
			    "phases." : "");
	fprintf(out, "<p id=\"merge-notice\" class=\"notice\" "
		"data-merged-marks=\"%zu\" data-merged-changes=\"%zu\" "
		"data-lanes=\"%zu\" data-bands=\"%zu\">", st.merged_marks,
		st.merged_changes, st.lanes, st.bands);
	if (st.merged_marks)
		fprintf(out, "Too dense to draw one by one: %zu changes and "
			"connect lines that fell within one drawing column "
			"(%s of log time) of each other are merged into %zu "
			"hatched marks; hover over a mark for its count and "
			"times, or see the tables.", st.merged_changes,
			ccm_duration_format(st.column, d), st.merged_marks);
	else
		fputs("Every change and connect line is drawn; none was "
		      "merged.", out);
	if (st.shared_bands)
		fprintf(out, " %zu incidents too close together to draw apart "
			"share %zu band%s, labelled with their number.",
			st.shared_incidents, st.shared_bands,
			st.shared_bands == 1 ? "" : "s");
	fputs("</p>\n</section>\n", out);
}

int ccm_report_html(const struct ccm_analysis *a, FILE *out)
{
	char b1[CCM_TIME_STRLEN], b2[CCM_TIME_STRLEN], d[CCM_DURATION_STRLEN];
	ccm_ms t0, t1;
	bool dated = ccm_report_window(a, &t0, &t1);

	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	      "<meta charset=\"utf-8\"/>\n"
	      "<meta name=\"generator\" content=\"" PACKAGE_STRING "\"/>\n"
	      "<title>ccmon: compliance link report", out);
	if (dated)
		fprintf(out, ", %s to %s", ccm_html_when(t0, b1), ccm_html_when(t1, b2));
	fprintf(out, "</title>\n%s</head>\n<body>\n<header><h1>Compliance "
		"link report</h1>\n<p class=\"meta\">", style);
	if (dated)
		fprintf(out, "Log time %s to %s (%s), ", ccm_html_when(t0, b1),
			ccm_html_when(t1, b2), ccm_duration_format(t1 - t0, d));
	fprintf(out, "%zu input file%s. What the XCP Router logged about its "
		"links to the compliance servers.</p>\n</header>\n",
		a->ninputs, a->ninputs == 1 ? "" : "s");
	fputs("<section id=\"summary\"><h2>What happened</h2>\n", out);
	if (summary_incidents(out, a))
		return -1;
	summary_impact(out, a);
	fputs("</section>\n", out);
	timeline_section(out, a);
	/* A replay of router logs has no probe figures: ccmond's probes are
	 * its own, not the router's, and the report shows only what the
	 * analysis holds. */
	incident_table(out, a);
	if (a->impact)
		impact_table(out, a);
	if (a->alarms)
		ccm_report_html_alarms(a, out);
	if (latency_table(out, a))
		return -1;
	component_table(out, a);
	provenance(out, a);
	fputs("</body>\n</html>\n", out);
	return ferror(out) ? -1 : 0;
}

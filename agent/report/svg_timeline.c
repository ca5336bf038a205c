/* SPDX-License-Identifier: ISC */
/* The timeline picture of the HTML report: one lane per component (its
 * states, connect attempts and refusals, incident bands), one per impact
 * of the configuration, a time axis and a legend.
 *
 * Every state, mark and band has a hatching pattern or a shape of its own
 * besides its colour, and a text label where it fits, so the picture reads
 * in greyscale print and without colour vision.  What falls closer
 * together than one drawing column cannot be told apart on screen: it is
 * merged into one hatched mark that says how many it stands for (and the
 * report says how many were merged), rather than drawn on top of itself. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/report/lanes.h"
#include "agent/report/markup.h"
#include "agent/report/svg_timeline.h"
#include "agent/util/text_clean.h"
#include "parsers/duration.h"

#define SVG_W 1200
#define LABEL_W 290
#define PLOT_X0 (LABEL_W + 10)
#define PLOT_W (SVG_W - PLOT_X0 - 20)
#define AXIS_H 40
#define LANE_H 60   /* state bar, marks row, incident row, gap */
#define BAR_H 20
#define MARK_Y (BAR_H + 3)
#define MARK_H 10
#define BAND_Y (BAR_H + 16)
#define BAND_H 16
#define IMPACT_HEAD 24
#define IMPACT_H 30
#define LEGEND_H 90 /* and 20 with the impact phases */
/* Columns of 3 units: a refusal's cross and a state boundary need that
 * much to be seen as one thing. */
#define COL_PX 3
/* Average glyph width of the 11px sans-serif labels: whether one fits. */
#define CHAR_W 6.4
#define NAME_MAX_CHARS 40

struct scale {
	ccm_ms t0, t1;
};

static double xof(const struct scale *s, ccm_ms t)
{
	if (t < s->t0)
		t = s->t0;
	if (t > s->t1)
		t = s->t1;
	return PLOT_X0 + (double)(t - s->t0) * PLOT_W / (double)(s->t1 - s->t0);
}

static long colof(const struct scale *s, ccm_ms t)
{
	return (long)((xof(s, t) - PLOT_X0) / COL_PX);
}

static double colx(long col)
{
	return PLOT_X0 + (double)col * COL_PX;
}

static bool fits(double width, size_t chars)
{
	return width >= (double)chars * CHAR_W + 6;
}

/* ---- patterns ------------------------------------------------------------ */

struct look {
	const char *id;    /* pattern id, class suffix and data- value   */
	const char *label; /* legend text                                */
};

static const struct look state_looks[] = {
	[CCM_STATE_UNKNOWN] = { "unknown", "unknown (not seen yet)" },
	[CCM_STATE_CONNECTED] = { "connected",
				  "connected, not authenticated" },
	[CCM_STATE_ACTIVE] = { "active", "active (working)" },
	[CCM_STATE_GONE] = { "gone", "gone (no connection)" },
};

static const struct look cause_looks[] = {
	[CCM_CAUSE_LOST] = { "lost", "incident: link lost" },
	[CCM_CAUSE_AUTH] = { "auth", "incident: authentication failed" },
	[CCM_CAUSE_REFUSED] = { "refused", "incident: connection refused" },
	[CCM_CAUSE_TIMEOUT] = { "timeout", "incident: connects timed out" },
	[CCM_CAUSE_UNREACHABLE] = { "unreachable",
				    "incident: host unreachable" },
	[CCM_CAUSE_ROUTER_RESTART] = { "router-restart",
				       "incident: router restarted" },
};
_Static_assert(sizeof(cause_looks) / sizeof(cause_looks[0]) ==
		       CCM_CAUSE_COUNT,
	       "a look for every cause");

static const struct look phase_looks[] = {
	[CCM_PHASE_QUEUEING] = { "queueing", "queueing, then bounced" },
	[CCM_PHASE_BOUNCE] = { "immediate-bounce", "bounced at once" },
	[CCM_PHASE_SOME_USERS] = { "some-users", "some users" },
	[CCM_PHASE_DELAYED] = { "logins-delayed", "logins delayed" },
	[CCM_PHASE_UNLOGGED] = { "unlogged", "not logged" },
};

/* Each pattern: a background and a texture of its own. */
static const char defs[] =
	"<defs>\n"
	"<pattern id=\"p-active\" width=\"8\" height=\"8\" "
	"patternUnits=\"userSpaceOnUse\"><rect width=\"8\" height=\"8\" "
	"fill=\"#b8e0c2\"/></pattern>\n"
	"<pattern id=\"p-connected\" width=\"8\" height=\"8\" "
	"patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
	"<rect width=\"8\" height=\"8\" fill=\"#fbe3a6\"/>"
	"<rect width=\"3\" height=\"8\" fill=\"#b07800\"/></pattern>\n"
	"<pattern id=\"p-gone\" width=\"6\" height=\"6\" "
	"patternUnits=\"userSpaceOnUse\"><rect width=\"6\" height=\"6\" "
	"fill=\"#d55e00\"/><path d=\"M0 0L6 6M6 0L0 6\" stroke=\"#222\" "
	"stroke-width=\"1.2\"/></pattern>\n"
	"<pattern id=\"p-unknown\" width=\"6\" height=\"6\" "
	"patternUnits=\"userSpaceOnUse\"><rect width=\"6\" height=\"6\" "
	"fill=\"#eeeeee\"/><circle cx=\"3\" cy=\"3\" r=\"1\" fill=\"#777\"/>"
	"</pattern>\n"
	"<pattern id=\"p-merged\" width=\"4\" height=\"4\" "
	"patternUnits=\"userSpaceOnUse\"><rect width=\"4\" height=\"4\" "
	"fill=\"#fff\"/><path d=\"M0 4L4 0\" stroke=\"#000\" "
	"stroke-width=\"1.5\"/></pattern>\n"
	"<pattern id=\"p-merged-fail\" width=\"4\" height=\"4\" "
	"patternUnits=\"userSpaceOnUse\"><rect width=\"4\" height=\"4\" "
	"fill=\"#f4c7b0\"/><path d=\"M0 0L4 4M4 0L0 4\" stroke=\"#7a1f00\" "
	"stroke-width=\"1.2\"/></pattern>\n"
	"<pattern id=\"p-lost\" width=\"8\" height=\"8\" "
	"patternUnits=\"userSpaceOnUse\"><rect width=\"8\" height=\"8\" "
	"fill=\"#c6dbef\"/><path d=\"M0 4H8\" stroke=\"#08519c\" "
	"stroke-width=\"2\"/></pattern>\n"
	"<pattern id=\"p-auth\" width=\"8\" height=\"8\" "
	"patternUnits=\"userSpaceOnUse\"><rect width=\"8\" height=\"8\" "
	"fill=\"#e5d4f0\"/><path d=\"M4 0V8\" stroke=\"#5b2a86\" "
	"stroke-width=\"2\"/></pattern>\n"
	"<pattern id=\"p-refused\" width=\"8\" height=\"8\" "
	"patternUnits=\"userSpaceOnUse\"><rect width=\"8\" height=\"8\" "
	"fill=\"#fcd5c5\"/><path d=\"M0 0L8 8M8 0L0 8\" stroke=\"#a63603\" "
	"stroke-width=\"1.5\"/></pattern>\n"
	"<pattern id=\"p-timeout\" width=\"8\" height=\"8\" "
	"patternUnits=\"userSpaceOnUse\"><rect width=\"8\" height=\"8\" "
	"fill=\"#fff3b0\"/><circle cx=\"4\" cy=\"4\" r=\"1.6\" "
	"fill=\"#8a6d00\"/></pattern>\n"
	"<pattern id=\"p-unreachable\" width=\"8\" height=\"8\" "
	"patternUnits=\"userSpaceOnUse\"><rect width=\"8\" height=\"8\" "
	"fill=\"#d9f0d3\"/><path d=\"M0 8L8 0\" stroke=\"#1b7837\" "
	"stroke-width=\"1.5\"/></pattern>\n"
	"<pattern id=\"p-router-restart\" width=\"8\" height=\"8\" "
	"patternUnits=\"userSpaceOnUse\"><rect width=\"8\" height=\"8\" "
	"fill=\"#f0f0f0\"/><path d=\"M0 2H8M0 6H8\" stroke=\"#000\" "
	"stroke-width=\"1\"/></pattern>\n"
	"<pattern id=\"p-mixed\" width=\"8\" height=\"8\" "
	"patternUnits=\"userSpaceOnUse\"><rect width=\"8\" height=\"8\" "
	"fill=\"#ddd\"/><path d=\"M0 4H8M4 0V8\" stroke=\"#333\" "
	"stroke-width=\"1\"/></pattern>\n"
	"<pattern id=\"p-queueing\" width=\"8\" height=\"8\" "
	"patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(-45)\">"
	"<rect width=\"8\" height=\"8\" fill=\"#fee6ce\"/>"
	"<rect width=\"3\" height=\"8\" fill=\"#e6550d\"/></pattern>\n"
	"<pattern id=\"p-immediate-bounce\" width=\"8\" height=\"8\" "
	"patternUnits=\"userSpaceOnUse\"><rect width=\"8\" height=\"8\" "
	"fill=\"#a50f15\"/><path d=\"M0 0L8 8M8 0L0 8\" stroke=\"#fff\" "
	"stroke-width=\"1\"/></pattern>\n"
	"<pattern id=\"p-some-users\" width=\"6\" height=\"6\" "
	"patternUnits=\"userSpaceOnUse\"><rect width=\"6\" height=\"6\" "
	"fill=\"#fff5b1\"/><circle cx=\"3\" cy=\"3\" r=\"1.5\" "
	"fill=\"#8c6d00\"/></pattern>\n"
	"<pattern id=\"p-logins-delayed\" width=\"8\" height=\"8\" "
	"patternUnits=\"userSpaceOnUse\"><rect width=\"8\" height=\"8\" "
	"fill=\"#deebf7\"/><path d=\"M0 2H8M0 6H8\" stroke=\"#3182bd\" "
	"stroke-width=\"1\"/></pattern>\n"
	"<pattern id=\"p-unlogged\" width=\"8\" height=\"8\" "
	"patternUnits=\"userSpaceOnUse\"><rect width=\"8\" height=\"8\" "
	"fill=\"#d9d9d9\"/><path d=\"M0 8L8 0\" stroke=\"#252525\" "
	"stroke-width=\"2\"/></pattern>\n"
	"</defs>\n";

/* ---- axis ---------------------------------------------------------------- */

static void axis(FILE *out, const struct scale *s, double height)
{
	static const ccm_ms steps[] = {
		1000, 2000, 5000, 10000, 15000, 30000, 60000, 120000, 300000,
		600000, 900000, 1800000, 3600000, 7200000, 10800000, 21600000,
		43200000, 86400000,
	};
	ccm_ms span = s->t1 - s->t0, step = steps[0], t;
	char buf[CCM_TIME_STRLEN], prev_day[11] = "";

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		step = steps[i];
		if (span / step <= 10)
			break;
	}
	fputs("<g class=\"axis\">\n", out);
	fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
		"stroke=\"#333\"/>\n", PLOT_X0, AXIS_H - 6, PLOT_X0 + PLOT_W,
		AXIS_H - 6);
	/* ticks on multiples of the step in log time: round hours read
	 * better than the first line's odd time */
	t = s->t0 - (s->t0 % step + step) % step;
	if (t < s->t0)
		t += step;
	for (; t <= s->t1; t += step) {
		double x = xof(s, t);
		bool new_day;

		ccm_time_format(t, buf);
		new_day = strncmp(prev_day, buf, 10) != 0;
		memcpy(prev_day, buf, 10);
		prev_day[10] = '\0';
		fprintf(out, "<line class=\"grid\" x1=\"%.1f\" y1=\"%d\" "
			"x2=\"%.1f\" y2=\"%.1f\"/>\n", x, AXIS_H - 10, x,
			height);
		/* HH:MM, with seconds when the step is under a minute;
		 * centred on its tick, so none at the very edge */
		buf[step < 60000 ? 19 : 16] = '\0';
		if (x + 28 > SVG_W)
			continue;
		fprintf(out, "<text class=\"tick\" x=\"%.1f\" y=\"%d\" "
			"text-anchor=\"middle\">%s</text>\n", x, AXIS_H - 12,
			buf + 11);
		if (new_day)
			fprintf(out, "<text class=\"day\" x=\"%.1f\" y=\"%d\" "
				"text-anchor=\"middle\">%.10s</text>\n", x,
				AXIS_H - 26, buf);
	}
	fprintf(out, "<text class=\"axis-label\" x=\"4\" y=\"%d\">log time "
		"from %s</text>\n", AXIS_H - 12, ccm_html_when(s->t0, buf));
	fputs("</g>\n", out);
}

/* ---- lanes --------------------------------------------------------------- */

static void lane_name(FILE *out, const char *name, double y,
		      const char *note)
{
	size_t n = strlen(name);

	fprintf(out, "<text class=\"lane-name\" x=\"4\" y=\"%.1f\">", y);
	/* a long name is cut for the picture, whole in the tooltip and
	 * the tables */
	if (n > NAME_MAX_CHARS) {
		/* between characters, not inside one */
		ccm_html_escape_n(out, name, NAME_MAX_CHARS - 1 -
				  ccm_utf8_incomplete_tail(name,
							   NAME_MAX_CHARS - 1));
		fputs("\xe2\x80\xa6", out); /* ellipsis */
	} else {
		ccm_html_escape(out, name);
	}
	fputs("<title>", out);
	ccm_html_escape(out, name);
	fputs("</title></text>\n", out);
	if (note)
		fprintf(out, "<text class=\"lane-note\" x=\"4\" y=\"%.1f\">%s"
			"</text>\n", y + 14, note);
}

static void segment(FILE *out, double xa, double xb, double y,
		    enum ccm_state st)
{
	const char *id = state_looks[st].id;

	if (xb - xa <= 0)
		return;
	fprintf(out, "<rect class=\"seg\" data-state=\"%s\" x=\"%.2f\" "
		"y=\"%.1f\" width=\"%.2f\" height=\"%d\" fill=\"url(#p-%s)\"/>"
		"\n", id, xa, y, xb - xa, BAR_H, id);
	if (fits(xb - xa, strlen(id)))
		fprintf(out, "<text class=\"seg-label\" x=\"%.2f\" y=\"%.1f\">"
			"%s</text>\n", xa + 3, y + 14, id);
}

static void merged_mark(FILE *out, struct ccm_svg_stats *st, long col,
			double y, double h, size_t n, bool failing)
{
	st->merged_marks++;
	st->merged_changes += n;
	fprintf(out, "<rect class=\"merged\" data-merged=\"%zu\" x=\"%.2f\" "
		"y=\"%.1f\" width=\"%d\" height=\"%.1f\" "
		"fill=\"url(#p-merged%s)\" stroke=\"#000\" "
		"stroke-width=\"0.5\">", n, colx(col), y, COL_PX, h,
		failing ? "-fail" : "");
}

/* The component's states over the window; transitions sharing a column
 * become one merged mark. */
static void states(FILE *out, const struct ccm_analysis *a,
		   const struct scale *s, const struct ccm_component *c,
		   const struct ccm_lanes *ln, size_t lane, double y,
		   struct ccm_svg_stats *st)
{
	const struct ccm_tl_entry *v = a->timeline->entries;
	const uint32_t *ix = ln->transitions.item + ln->transitions.start[lane];
	size_t n = ln->transitions.start[lane + 1] -
		   ln->transitions.start[lane];
	enum ccm_state cur = c->state;
	double xprev = PLOT_X0;
	char b1[CCM_TIME_STRLEN], b2[CCM_TIME_STRLEN];
#define tr(k) (&v[ix[k]])

	if (n)
		cur = tr(0)->from;
	for (size_t i = 0; i < n;) {
		long col = colof(s, tr(i)->time);
		size_t j = i;

		while (j + 1 < n && colof(s, tr(j + 1)->time) == col)
			j++;
		if (j == i) {
			double x = xof(s, tr(i)->time);
			segment(out, xprev, x, y, cur);
			xprev = x;
		} else {
			segment(out, xprev, colx(col), y, cur);
			merged_mark(out, st, col, y, BAR_H, j - i + 1, false);
			fprintf(out, "<title>%zu changes of state between %s "
				"and %s, ending %s</title></rect>\n",
				j - i + 1, ccm_html_when(tr(i)->time, b1),
				ccm_html_when(tr(j)->time, b2),
				ccm_state_name(tr(j)->to));
			xprev = colx(col) + COL_PX;
		}
		cur = tr(j)->to;
		i = j + 1;
	}
#undef tr
	segment(out, xprev, PLOT_X0 + PLOT_W, y, cur);
}

/* Connect attempts (a tick) and failures (a cross), by the component's
 * endpoint or by its name, or those of an endpoint no component uses. */
static void marks(FILE *out, const struct ccm_analysis *a,
		  const struct scale *s, const struct ccm_lanes *ln,
		  size_t lane, double y, struct ccm_svg_stats *st)
{
	const struct ccm_tl_connect *v = a->timeline->connects;
	const uint32_t *ix = ln->connects.item + ln->connects.start[lane];
	size_t nc = ln->connects.start[lane + 1] - ln->connects.start[lane];
	char b1[CCM_TIME_STRLEN], b2[CCM_TIME_STRLEN];
	double my = y + MARK_Y;

	for (size_t i = 0; i < nc;) {
		const struct ccm_tl_connect *ev = &v[ix[i]], *last = ev;
		size_t j, n = 1, failed = ev->failed, refused = ev->refused;
		long col;
		double x;

		col = colof(s, ev->time);
		for (j = i + 1; j < nc; j++) {
			const struct ccm_tl_connect *o = &v[ix[j]];
			if (colof(s, o->time) != col)
				break;
			n++;
			failed += o->failed;
			refused += o->refused;
			last = o;
		}
		i = j;
		if (n > 1) {
			merged_mark(out, st, col, my, MARK_H, n, failed > 0);
			fprintf(out, "<title>%zu connect lines between %s and "
				"%s: %zu attempts, %zu failed (%zu refused)"
				"</title></rect>\n", n, ccm_html_when(ev->time, b1),
				ccm_html_when(last->time, b2), n - failed, failed,
				refused);
			continue;
		}
		x = xof(s, ev->time);
		if (ev->failed)
			fprintf(out, "<path class=\"mark fail\" data-mark=\"%s\""
				" d=\"M%.2f %.1fl6 %dM%.2f %.1fl-6 %d\">",
				ev->refused ? "refused" : "failed", x - 3, my,
				MARK_H, x + 3, my, MARK_H);
		else
			fprintf(out, "<path class=\"mark attempt\" "
				"data-mark=\"attempt\" d=\"M%.2f %.1fv%d\">",
				x, my, MARK_H);
		fprintf(out, "<title>%s %s [", ev->failed ?
			(ev->refused ? "connection refused" : "connect failed")
			: "connect attempt", ccm_html_when(ev->time, b1));
		ccm_html_escape(out, ev->pos.file ? ev->pos.file : "-");
		fprintf(out, ":%llu]</title></path>\n",
			(unsigned long long)ev->pos.line);
	}
}

/* Where the component's next listed incident from index i on is drawn,
 * or the right edge. */
static double next_band_x(const struct ccm_analysis *a, const struct scale *s,
			  const uint32_t *ix, size_t n, size_t i)
{
	const struct ccm_timeline *tl = a->timeline;

	for (; i < n; i++)
		if (ccm_timeline_listed(tl, &tl->incidents[ix[i]]))
			return xof(s, tl->incidents[ix[i]].inc.start);
	return SVG_W;
}

/* Incidents of the component as bands; those whose drawings would touch
 * share one band that says how many it holds. */
static void bands(FILE *out, const struct ccm_analysis *a,
		  const struct scale *s, const struct ccm_lanes *ln,
		  size_t lane, double y, struct ccm_svg_stats *st)
{
	const struct ccm_timeline *tl = a->timeline;
	const uint32_t *ix = ln->incidents.item + ln->incidents.start[lane];
	size_t ni = ln->incidents.start[lane + 1] - ln->incidents.start[lane];
	double by = y + BAND_Y, free_x = PLOT_X0;
	char b1[CCM_TIME_STRLEN], b2[CCM_TIME_STRLEN], d[CCM_DURATION_STRLEN];

	for (size_t i = 0; i < ni;) {
		const struct ccm_tl_incident *first = &tl->incidents[ix[i]];
		const struct ccm_incident *inc = &first->inc;
		ccm_ms end = ccm_report_incident_end(a, inc);
		size_t n = 1, j;
		bool mixed = false, open = inc->open;
		double xa, xb, w, next_x;
		char label[96];

		if (!ccm_timeline_listed(tl, first)) {
			i++;
			continue;
		}
		for (j = i + 1; j < ni; j++) {
			const struct ccm_tl_incident *o = &tl->incidents[ix[j]];
			if (!ccm_timeline_listed(tl, o))
				continue;
			if (colof(s, o->inc.start) > colof(s, end) + 1)
				break;
			n++;
			mixed |= o->inc.cause != inc->cause;
			open |= o->inc.open;
			if (ccm_report_incident_end(a, &o->inc) > end)
				end = ccm_report_incident_end(a, &o->inc);
		}
		i = j;
		xa = xof(s, inc->start);
		xb = xof(s, end);
		if (xb - xa < 2)
			xb = xa + 2;
		st->bands++;
		st->band_incidents += n;
		if (n > 1) {
			st->shared_bands++;
			st->shared_incidents += n;
		}
		fprintf(out, "<rect class=\"band\" data-band=\"%llu\" "
			"data-count=\"%zu\" data-cause=\"%s\" x=\"%.2f\" "
			"y=\"%.1f\" width=\"%.2f\" height=\"%d\" "
			"fill=\"url(#p-%s)\" stroke=\"#000\" "
			"stroke-width=\"0.8\">", (unsigned long long)inc->id,
			n, mixed ? "mixed" : ccm_cause_name(inc->cause), xa, by,
			xb - xa, BAND_H,
			mixed ? "mixed" : cause_looks[inc->cause].id);
		if (n == 1)
			snprintf(label, sizeof(label), "#%llu %s %s%s",
				 (unsigned long long)inc->id,
				 ccm_cause_name(inc->cause),
				 ccm_duration_format(end - inc->start, d),
				 open ? "+ (open)" : "");
		else
			snprintf(label, sizeof(label), "%zu incidents, "
				 "#%llu..", n, (unsigned long long)inc->id);
		fprintf(out, "<title>%s: %s to %s</title></rect>\n", label,
			ccm_html_when(inc->start, b1),
			open ? "the end of the log" : ccm_html_when(end, b2));
		/* inside when it fits, else beside it where that writes
		 * over no other band or label: the table has them all */
		w = (double)strlen(label) * CHAR_W;
		next_x = next_band_x(a, s, ix, ni, j);
		if (fits(xb - xa, strlen(label))) {
			fprintf(out, "<text class=\"band-label\" x=\"%.2f\" "
				"y=\"%.1f\">%s</text>\n", xa + 3, by + 12,
				label);
		} else if (xb + 3 >= free_x && xb + 6 + w <= next_x) {
			fprintf(out, "<text class=\"band-label outside\" "
				"x=\"%.2f\" y=\"%.1f\">%s</text>\n", xb + 3,
				by + 12, label);
			xb += 6 + w;
		} else if (xa - 6 - w >= free_x) {
			fprintf(out, "<text class=\"band-label outside\" "
				"x=\"%.2f\" y=\"%.1f\" text-anchor=\"end\">%s"
				"</text>\n", xa - 3, by + 12, label);
		}
		free_x = xb;
	}
}

/* ---- impact -------------------------------------------------------------- */

/* Whether interval i opens a lane: the first of its kind and scope. */
static bool first_of_lane(const struct ccm_impact_track *t, size_t i)
{
	for (size_t k = 0; k < i; k++)
		if (t->v[k].kind == t->v[i].kind &&
		    !strcmp(t->v[k].scope, t->v[i].scope))
			return false;
	return true;
}

static size_t impact_lanes(const struct ccm_analysis *a)
{
	size_t n = 0;

	if (!a->impact)
		return 0;
	for (size_t i = 0; i < a->impact->n; i++)
		n += first_of_lane(a->impact, i);
	return n;
}

static void impact_lane(FILE *out, const struct ccm_analysis *a,
			const struct scale *s, size_t first, double y)
{
	const struct ccm_impact_track *t = a->impact;
	const struct ccm_impact_interval *lead = &t->v[first];
	char b1[CCM_TIME_STRLEN], b2[CCM_TIME_STRLEN], d[CCM_DURATION_STRLEN];

	fprintf(out, "<g class=\"impact-lane\" data-impact=\"%s\" "
		"data-scope=\"", ccm_alarm_type_info(lead->kind)->id);
	ccm_html_escape(out, lead->scope);
	fprintf(out, "\">\n<text class=\"lane-name\" x=\"4\" y=\"%.1f\">%s, ",
		y + 14, ccm_html_impact_label(lead->kind));
	ccm_html_escape(out, lead->scope);
	fputs("</text>\n", out);
	for (size_t i = first; i < t->n; i++) {
		const struct ccm_impact_interval *iv = &t->v[i];
		ccm_ms end = ccm_report_impact_end(a, iv);

		if (iv->kind != lead->kind || strcmp(iv->scope, lead->scope) ||
		    !ccm_report_impact_listed(a, iv))
			continue;
		fprintf(out, "<g class=\"impact\" data-start=\"%s\">"
			"<title>%s, ", ccm_html_when(iv->start, b1),
			ccm_html_impact_label(iv->kind));
		ccm_html_escape(out, iv->scope);
		fprintf(out, ": %s to %s (%s); servers ", b1,
			iv->open ? "the end of the log" : ccm_html_when(end, b2),
			ccm_duration_format(end - iv->start, d));
		ccm_html_escape(out, iv->servers[0] ? iv->servers : "-");
		fputs("</title>\n", out);
		for (size_t k = 0; k < iv->nphases || (k == 0 && !iv->nphases);
		     k++) {
			ccm_ms pa = iv->nphases ? iv->phases[k].time : iv->start;
			ccm_ms pb = k + 1 < iv->nphases ?
				    iv->phases[k + 1].time : end;
			const struct look *lk = iv->nphases ?
				&phase_looks[iv->phases[k].phase] :
				&phase_looks[CCM_PHASE_UNLOGGED];
			double xa = xof(s, pa), xb = xof(s, pb);

			if (xb - xa < 1)
				xb = xa + 1;
			fprintf(out, "<rect class=\"phase\" data-phase=\"%s\" "
				"x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" "
				"height=\"%d\" fill=\"url(#p-%s)\" "
				"stroke=\"#000\" stroke-width=\"0.5\"/>\n",
				lk->id, xa, y + 2, xb - xa, BAR_H, lk->id);
			if (fits(xb - xa, strlen(lk->label)))
				fprintf(out, "<text class=\"band-label\" "
					"x=\"%.2f\" y=\"%.1f\">%s</text>\n",
					xa + 3, y + 16, lk->label);
		}
		fputs("</g>\n", out);
	}
	fputs("</g>\n", out);
}

/* ---- legend -------------------------------------------------------------- */

static void swatch(FILE *out, double x, double y, const char *pattern,
		   const char *label)
{
	fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"16\" height=\"12\" "
		"fill=\"url(#p-%s)\" stroke=\"#000\" stroke-width=\"0.5\"/>"
		"<text class=\"legend\" x=\"%.1f\" y=\"%.1f\">%s</text>\n", x,
		y, pattern, x + 21, y + 10, label);
}

static void legend(FILE *out, double y, bool impact)
{
	double x;

	fprintf(out, "<g class=\"legend\">\n<text class=\"lane-name\" "
		"x=\"4\" y=\"%.1f\">Legend</text>\n", y + 10);
	for (size_t i = 0; i < sizeof(state_looks) / sizeof(state_looks[0]);
	     i++)
		swatch(out, PLOT_X0 + 210.0 * (double)i, y, state_looks[i].id,
		       state_looks[i].label);
	y += 20;
	x = PLOT_X0;
	fprintf(out, "<path d=\"M%.1f %.1fv12\" class=\"mark attempt\"/>"
		"<text class=\"legend\" x=\"%.1f\" y=\"%.1f\">connect attempt"
		"</text>\n", x + 8, y, x + 21, y + 10);
	x += 210;
	fprintf(out, "<path d=\"M%.1f %.1fl6 12M%.1f %.1fl-6 12\" "
		"class=\"mark fail\"/><text class=\"legend\" x=\"%.1f\" "
		"y=\"%.1f\">connect refused or failed</text>\n", x + 5, y,
		x + 11, y, x + 21, y + 10);
	x += 210;
	swatch(out, x, y, "merged", "several changes, merged");
	x += 210;
	swatch(out, x, y, "merged-fail", "several connects, some failed");
	y += 20;
	/* the causes and "mixed", four to a row as the rows above */
	for (size_t i = 0; i <= CCM_CAUSE_COUNT; i++) {
		if (i && i % 4 == 0)
			y += 20;
		if (i < CCM_CAUSE_COUNT)
			swatch(out, PLOT_X0 + 210.0 * (double)(i % 4), y,
			       cause_looks[i].id, cause_looks[i].label);
		else
			swatch(out, PLOT_X0 + 210.0 * (double)(i % 4), y,
			       "mixed", "incidents, causes mixed");
	}
	if (impact) {
		y += 20;
		for (size_t i = 0;
		     i < sizeof(phase_looks) / sizeof(phase_looks[0]); i++)
			swatch(out, PLOT_X0 + 180.0 * (double)i, y,
			       phase_looks[i].id, phase_looks[i].label);
	}
	fputs("</g>\n", out);
}

/* ---- the picture --------------------------------------------------------- */

int ccm_svg_timeline(const struct ccm_analysis *a, FILE *out,
		     struct ccm_svg_stats *st)
{
	const struct ccm_component *const *comps;
	size_t ncomps = ccm_engine_components(a->engine, &comps);
	size_t nimpact = impact_lanes(a);
	struct ccm_lanes ln;
	struct scale s;
	double y, height;
	int rc;

	memset(st, 0, sizeof(*st));
	if (!ccm_report_window(a, &s.t0, &s.t1))
		return 0;
	if (ccm_lanes_build(&ln, a, CCM_LANES_ALL))
		return -1;
	if (s.t1 <= s.t0)
		s.t1 = s.t0 + 1000; /* one instant: a second to draw it in */
	st->column = (s.t1 - s.t0) * COL_PX / PLOT_W;
	st->lanes = ncomps + ln.norphans;
	st->impact_lanes = nimpact;
	height = AXIS_H + (double)st->lanes * LANE_H +
		 (nimpact ? IMPACT_HEAD + (double)nimpact * IMPACT_H + 20 : 0) +
		 LEGEND_H;

	fprintf(out, "<svg class=\"timeline\" viewBox=\"0 0 %d %.0f\" "
		"width=\"%d\" height=\"%.0f\" role=\"img\" "
		"aria-labelledby=\"tl-desc\">\n<desc id=\"tl-desc\">Timeline "
		"of %zu components: their states, connect attempts and "
		"refusals, and incidents</desc>\n", SVG_W, height, SVG_W,
		height, ncomps);
	fputs(defs, out);
	axis(out, &s, height - LEGEND_H - (nimpact ? 20 : 0));
	y = AXIS_H;
	for (size_t i = 0; i < ncomps; i++) {
		const struct ccm_component *c = comps[i];

		fputs("<g class=\"lane\" data-kind=\"component\" "
		      "data-lane=\"", out);
		ccm_html_escape(out, c->name);
		fprintf(out, "\" data-state=\"%s\">\n",
			ccm_state_name(c->state));
		lane_name(out, c->name, y + 14, NULL);
		states(out, a, &s, c, &ln, i, y, st);
		marks(out, a, &s, &ln, i, y, st);
		bands(out, a, &s, &ln, i, y, st);
		fputs("</g>\n", out);
		y += LANE_H;
	}
	for (size_t i = 0; i < ln.norphans; i++) {
		const struct ccm_endpoint *ep = ln.orphans[i];
		char hp[64];

		fputs("<g class=\"lane\" data-kind=\"endpoint\" "
		      "data-lane=\"", out);
		ccm_html_escape(out, ep->host);
		fprintf(out, ":%u\">\n", ep->port);
		snprintf(hp, sizeof(hp), "port %u, no component known",
			 ep->port);
		lane_name(out, ep->host, y + 14, hp);
		marks(out, a, &s, &ln, ncomps + i, y, st);
		fputs("</g>\n", out);
		y += LANE_H;
	}
	if (nimpact) {
		fprintf(out, "<text class=\"section\" x=\"4\" y=\"%.1f\">What "
			"users suffered (by the profiles of the configuration)"
			"</text>\n", y + 16);
		y += IMPACT_HEAD;
		for (size_t i = 0; i < a->impact->n; i++)
			if (first_of_lane(a->impact, i)) {
				impact_lane(out, a, &s, i, y);
				y += IMPACT_H;
			}
	}
	legend(out, y + 6, nimpact > 0);
	fputs("</svg>\n", out);
	rc = ferror(out) ? -1 : 0;
	ccm_lanes_release(&ln);
	return rc;
}

/* SPDX-License-Identifier: ISC */
/* Unit tests for agent/report/html.c and agent/report/svg_timeline.c: an engine
 * drives a ccm_timeline as in `ccmon analyze`, the document is written to
 * memory and checked as text (tests/test_report_html.py parses it and has
 * Chromium render it).
 *
 * The scenario (T0 = 2024-03-25T17:19:45.000, the log ends at +30000):
 *   alpha      ACTIVE, GONE at +1000, refused at +1500, reconnects at
 *              +2000, ACTIVE at +5200: incident #1, refused
 *   <script>.. a name with markup, GONE at +6000, open to the end
 *   flap       GONE/ACTIVE ten times in the same millisecond at +10000:
 *              twenty transitions in one drawing column, ten incidents
 *   an endpoint no component uses, with markup and quotes in its host */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/report/markup.h"
#include "agent/report/report.h"
#include "tests/logmsg.h"

#define FILE_NAME "rtr-jsm-1.log"
#define EVIL "<script>alert(1)</script>&amp"
#define EVIL_ESCAPED "&lt;script&gt;alert(1)&lt;/script&gt;&amp;amp"
#define EVIL_HOST "h\"><i>x"
#define R "\xef\xbf\xbd" /* U+FFFD */

static ccm_ms at(int y, unsigned mo, unsigned d, unsigned h, unsigned mi,
		 unsigned s, unsigned ms)
{
	return ccm_days_from_civil(y, mo, d) * CCM_MS_PER_DAY +
	       (((ccm_ms)h * 60 + mi) * 60 + s) * 1000 + ms;
}

#define T0 at(2024, 3, 25, 17, 19, 45, 0)

struct fx {
	struct ccm_timeline tl;
	struct ccm_engine *e;
	struct ccm_input input;
	struct ccm_analysis a;
	uint64_t line;
	char *doc;
	size_t len;
};

/* As analyze.c's on_message: the engine, then the timeline's connects. */
static void feed(struct fx *f, ccm_ms dt, const struct ccm_logmsg *m)
{
	struct ccm_srcpos pos = { FILE_NAME, ++f->line };

	assert_int_equal(ccm_engine_feed(f->e, T0 + dt, m, &pos), 0);
	ccm_timeline_message(&f->tl, f->e, m, &pos);
}

static void st(struct fx *f, ccm_ms dt, const char *name, enum ccm_state s)
{
	struct ccm_logmsg m = msg_state(name, s);

	feed(f, dt, &m);
}

static void connecting(struct fx *f, ccm_ms dt, const char *host,
		       unsigned port)
{
	struct ccm_logmsg m = msg_connecting(host, port);

	feed(f, dt, &m);
}

static void refused(struct fx *f, ccm_ms dt, const char *host, unsigned port)
{
	struct ccm_logmsg m = msg_failed(host, port, 111,
					 "Connection refused");

	feed(f, dt, &m);
}

static const char *const argv_given[] = {
	"analyze", "--html", "out dir/r.html", "it's.log",
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	ccm_timeline_init(&f->tl, false, 0);
	f->e = ccm_engine_new(NULL, ccm_timeline_record, &f->tl);
	if (!f->e) {
		free(f);
		return -1;
	}
	f->input = (struct ccm_input){
		.path = (char *)"rtr'<1>.log",
		.have_first = true,
		.first = T0,
		.have_last = true,
		.last = T0 + 30000,
		.stats = { .lines = 42, .recognized = 40 },
	};
	f->a = (struct ccm_analysis){
		.engine = f->e,
		.timeline = &f->tl,
		.inputs = &f->input,
		.ninputs = 1,
		.have_end = true,
		.end = T0 + 30000,
		.argv = argv_given,
		.argc = sizeof(argv_given) / sizeof(argv_given[0]),
	};
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	ccm_engine_free(f->e);
	ccm_timeline_release(&f->tl);
	free(f->doc);
	free(f);
	return 0;
}

static void scenario(struct fx *f)
{
	st(f, 0, "alpha", CCM_STATE_ACTIVE);
	st(f, 1000, "alpha", CCM_STATE_GONE);
	refused(f, 1500, "10.0.0.1", 7999);
	connecting(f, 2000, "10.0.0.1", 7999);
	st(f, 2000, "alpha", CCM_STATE_CONNECTED);
	st(f, 5200, "alpha", CCM_STATE_ACTIVE);
	st(f, 5500, EVIL, CCM_STATE_ACTIVE);
	st(f, 6000, EVIL, CCM_STATE_GONE);
	connecting(f, 7000, EVIL_HOST, 1);
	st(f, 9000, "flap", CCM_STATE_ACTIVE);
	for (int i = 0; i < 10; i++) {
		st(f, 10000, "flap", CCM_STATE_GONE);
		st(f, 10000, "flap", CCM_STATE_ACTIVE);
	}
	ccm_engine_advance(f->e, T0 + 30000);
}

static void render(struct fx *f)
{
	FILE *out = open_memstream(&f->doc, &f->len);

	assert_non_null(out);
	assert_int_equal(ccm_report_html(&f->a, out), 0);
	assert_int_equal(fclose(out), 0);
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* The sum of the data-count values of the bands. */
static size_t band_incidents(const char *doc)
{
	size_t sum = 0;

	for (const char *p = doc; (p = strstr(p, "class=\"band\"")); p++) {
		const char *c = strstr(p, "data-count=\"");
		assert_non_null(c);
		sum += strtoul(c + 12, NULL, 10);
	}
	return sum;
}

/* ---- tests ------------------------------------------------------------- */

static void test_escape(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	/* markup, a control character, a stray byte, é, U+FFFE, a cut-off
	 * sequence, an overlong '/', a surrogate, U+202E and C1 CSI: one
	 * U+FFFD per maximal subpart of what is not UTF-8 (the rule of every
	 * output, agent/util/text_clean.h), one per hidden character */
	static const char in[] = "<a href=\"x\">'&'</a>\x01\xff\xc3\xa9"
				 "\xef\xbf\xbe\xc3\xc0\xaf\xed\xa0\x80\tz"
				 "\xe2\x80\xae\xe2\x80\xac\xc2\x9b";

	(void)state;
	assert_non_null(out);
	ccm_html_escape_n(out, in, sizeof(in) - 1);
	assert_int_equal(fclose(out), 0);
	assert_string_equal(buf, "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;"
			    "&lt;/a&gt;" R R "\xc3\xa9" R R R R R R R "\tz" R R R);
	free(buf);
}

static void test_hostile_names_escaped(void **state)
{
	struct fx *f = *state;

	scenario(f);
	render(f);
	assert_null(strstr(f->doc, "<script"));
	assert_null(strstr(f->doc, "<i>"));
	/* in the lane's data- attribute, its label, the incident table */
	assert_true(count(f->doc, "data-lane=\"" EVIL_ESCAPED "\"") == 1);
	assert_true(count(f->doc, EVIL_ESCAPED) >= 4);
	assert_non_null(strstr(f->doc, "data-lane=\"h&quot;&gt;&lt;i&gt;x:1\""));
	assert_non_null(strstr(f->doc, "<td>rtr&#39;&lt;1&gt;.log</td>"));
	assert_non_null(strstr(f->doc, "<tr data-lines=\"42\">"));
}

static void test_command_shell_quoted(void **state)
{
	struct fx *f = *state;

	scenario(f);
	render(f);
	assert_non_null(strstr(f->doc, "<code>ccmon analyze --html "
				       "&#39;out dir/r.html&#39; "
				       "&#39;it&#39;\\&#39;&#39;s.log&#39;"
				       "</code>"));
}

static void test_lanes_bands_marks(void **state)
{
	struct fx *f = *state;

	scenario(f);
	render(f);
	/* three components and the endpoint no component uses */
	assert_int_equal(count(f->doc, "<g class=\"lane\""), 4);
	assert_int_equal(count(f->doc, "data-kind=\"endpoint\""), 1);
	/* #1, the open one, and flap's ten sharing one band */
	assert_int_equal(count(f->doc, "class=\"band\""), 3);
	assert_int_equal(band_incidents(f->doc), 12);
	assert_non_null(strstr(f->doc, "data-count=\"10\""));
	assert_int_equal(count(f->doc, "<tr data-incident="), 12);
	assert_int_equal(count(f->doc, "data-mark=\"refused\""), 1);
	assert_int_equal(count(f->doc, "data-mark=\"attempt\""), 2);
	/* every state has its pattern besides its colour */
	assert_non_null(strstr(f->doc, "<pattern id=\"p-gone\""));
	assert_non_null(strstr(f->doc, "fill=\"url(#p-gone)\""));
	assert_non_null(strstr(f->doc, "@media print"));
	assert_int_equal(count(f->doc, "<svg"), 1);
	assert_int_equal(count(f->doc, "<g"), count(f->doc, "</g>"));
	assert_null(strstr(f->doc, "http"));
	/* twelve incidents: the summary goes by component */
	assert_non_null(strstr(f->doc, "<li><b>alpha</b>: 1 incident, down "
				       "<b>4.200s</b> in all; the longest "
				       "4.200s from 2024-03-25 17:19:46.000 "
				       "(#1, <span class=\"cause\">refused"
				       "</span>); causes: 1 refused; at the "
				       "end active.</li>"));
	assert_non_null(strstr(f->doc, "<b>flap</b>: 10 incidents"));
}

/* An incident of each cause the engine tells (errno 110 and 113 here):
 * each band drawn with its cause's pattern, every pattern defined and in
 * the legend. */
static void test_every_cause_has_a_look(void **state)
{
	struct fx *f = *state;
	struct ccm_logmsg to = msg_failed("10.0.0.2", 7999, 110,
					  "Connection timed out");
	struct ccm_logmsg nr = msg_failed("10.0.0.3", 7999, 113,
					  "No route to host");
	static const char *const causes[] = {
		"lost", "auth", "refused", "timeout", "unreachable",
		"router-restart",
	};

	connecting(f, 0, "10.0.0.2", 7999);
	st(f, 0, "tmo", CCM_STATE_CONNECTED);
	st(f, 10, "tmo", CCM_STATE_ACTIVE);
	connecting(f, 20, "10.0.0.3", 7999);
	st(f, 20, "nrt", CCM_STATE_CONNECTED);
	st(f, 30, "nrt", CCM_STATE_ACTIVE);
	st(f, 1000, "tmo", CCM_STATE_GONE);
	feed(f, 1100, &to);
	st(f, 2000, "nrt", CCM_STATE_GONE);
	feed(f, 2100, &nr);
	ccm_engine_advance(f->e, T0 + 30000);
	render(f);
	assert_non_null(strstr(f->doc, "data-cause=\"timeout\""));
	assert_non_null(strstr(f->doc, "fill=\"url(#p-timeout)\""));
	assert_non_null(strstr(f->doc, "data-cause=\"unreachable\""));
	assert_non_null(strstr(f->doc, "fill=\"url(#p-unreachable)\""));
	for (size_t i = 0; i < sizeof(causes) / sizeof(causes[0]); i++) {
		char id[64];

		snprintf(id, sizeof(id), "<pattern id=\"p-%s\"", causes[i]);
		assert_int_equal(count(f->doc, id), 1);
		snprintf(id, sizeof(id), "url(#p-%s)", causes[i]);
		assert_true(count(f->doc, id) >= 1); /* the legend at least */
	}
}

static void test_few_incidents_told_one_by_one(void **state)
{
	struct fx *f = *state;

	st(f, 0, "alpha", CCM_STATE_ACTIVE);
	st(f, 1000, "alpha", CCM_STATE_GONE);
	refused(f, 1500, "10.0.0.1", 7999);
	connecting(f, 2000, "10.0.0.1", 7999);
	st(f, 2000, "alpha", CCM_STATE_CONNECTED);
	st(f, 5200, "alpha", CCM_STATE_ACTIVE);
	render(f);
	assert_non_null(strstr(f->doc, "<li><b>alpha</b> was down for "
				       "<b>4.200s</b>, from 2024-03-25 "
				       "17:19:46.000 to 2024-03-25 "
				       "17:19:50.200 (incident #1). Cause "
				       "<span class=\"cause\">refused</span>"
				       ": the router's connections"));
	assert_non_null(strstr(f->doc, "run again with <code>--config FILE"));
}

static void test_dense_merged_and_said(void **state)
{
	struct fx *f = *state;
	const char *notice;

	scenario(f);
	render(f);
	/* flap's twenty transitions, one mark */
	assert_non_null(strstr(f->doc, "class=\"merged\" data-merged=\"20\""));
	notice = strstr(f->doc, "<p id=\"merge-notice\"");
	assert_non_null(notice);
	assert_non_null(strstr(notice, "data-merged-marks=\""));
	assert_null(strstr(notice, "data-merged-marks=\"0\""));
	assert_non_null(strstr(notice, "Too dense to draw one by one"));
	assert_non_null(strstr(notice, "10 incidents too close together to "
				       "draw apart share 1 band"));
}

static void test_sparse_nothing_merged(void **state)
{
	struct fx *f = *state;

	st(f, 0, "alpha", CCM_STATE_ACTIVE);
	st(f, 10000, "alpha", CCM_STATE_GONE);
	st(f, 20000, "alpha", CCM_STATE_ACTIVE);
	render(f);
	assert_non_null(strstr(f->doc, "data-merged-marks=\"0\""));
	assert_non_null(strstr(f->doc, "none was merged"));
	assert_int_equal(count(f->doc, "data-state=\"gone\""), 1);
	assert_int_equal(count(f->doc, "data-state=\"active\""), 3);
}

static void test_nothing_dated(void **state)
{
	struct fx *f = *state;

	f->a.have_end = false;
	f->a.ninputs = 0;
	render(f);
	assert_null(strstr(f->doc, "<svg"));
	assert_non_null(strstr(f->doc, "Nothing to draw"));
	assert_non_null(strstr(f->doc, "No incident"));
	assert_non_null(strstr(f->doc, "</html>\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_hostile_names_escaped),
		T(test_command_shell_quoted),
		T(test_lanes_bands_marks),
		T(test_every_cause_has_a_look),
		T(test_few_incidents_told_one_by_one),
		T(test_dense_merged_and_said),
		T(test_sparse_nothing_merged),
		T(test_nothing_dated),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: ISC */
/* Unit tests for agent/report/json.c (and a smoke test of report_text.c):
 * an engine drives a ccm_timeline, the document is checked through json-c.
 *
 * The scenario, one router trace (T0 = 2024-03-25T17:19:45.000):
 *   line  1  +0      beta ACTIVE
 *   line  2  +0      alpha ACTIVE
 *   line  3  +1000   alpha GONE               incident #1 opens
 *   line  4  +1500   Unable to connect 10.0.0.1:7999 (111)
 *   line  5  +2000   Connecting on fd 22 to 10.0.0.1:7999
 *   line  6  +2000   alpha CONNECTED          bound; #1 refused
 *   line  7  +5200   alpha ACTIVE             #1 closes after 4.200 s
 *   line  8  +6000   beta GONE                #2 opens, stays open (lost)
 *   line  9  +7000   gamma CONNECTED          #3 opens; auth at +17000
 *   line 10  +20000  gamma ACTIVE             #3 closes after 13.000 s
 *   end      +30000                           #2 has lasted 24.000 s */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/report/report.h"
#include "tests/logmsg.h"

#define FILE_NAME "rtr-jsm-1.log"

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
	struct ccm_input inputs[2];
	struct ccm_analysis a;
	uint64_t line;
};

/* ---- driving the engine ------------------------------------------------ */

static void feed(struct fx *f, ccm_ms dt, const struct ccm_logmsg *m)
{
	struct ccm_srcpos pos = { FILE_NAME, ++f->line };

	assert_int_equal(ccm_engine_feed(f->e, T0 + dt, m, &pos), 0);
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

static char path1[] = "rtr-jsm-1_000001.log.gz";
static char path2[] = "rtr-jsm-1_000002.log";

/* Builds the scenario into a new fixture. */
static struct fx *build(bool have_since, ccm_ms since)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	ccm_timeline_init(&f->tl, have_since, since);
	f->e = ccm_engine_new(NULL, ccm_timeline_record, &f->tl);
	assert_non_null(f->e);

	st(f, 0, "beta", CCM_STATE_ACTIVE);
	st(f, 0, "alpha", CCM_STATE_ACTIVE);
	st(f, 1000, "alpha", CCM_STATE_GONE);
	refused(f, 1500, "10.0.0.1", 7999);
	connecting(f, 2000, "10.0.0.1", 7999);
	st(f, 2000, "alpha", CCM_STATE_CONNECTED);
	st(f, 5200, "alpha", CCM_STATE_ACTIVE);
	st(f, 6000, "beta", CCM_STATE_GONE);
	st(f, 7000, "gamma", CCM_STATE_CONNECTED);
	st(f, 20000, "gamma", CCM_STATE_ACTIVE);
	ccm_engine_advance(f->e, T0 + 30000);
	assert_false(f->tl.oom);

	f->inputs[0] = (struct ccm_input){
		.path = path1,
		.order = 0,
		.shape = CCM_TS_TRACE,
		.have_first = true,
		.first = T0,
		.stats = { .lines = 1234, .recognized = 10, .bad_time = 1,
			   .overlong = 2 },
		.have_last = true,
		.last = T0 + 30000,
	};
	f->inputs[1] = (struct ccm_input){
		.path = path2,
		.order = 1,
		.failed = true,
	};
	f->a = (struct ccm_analysis){
		.engine = f->e,
		.timeline = &f->tl,
		.inputs = f->inputs,
		.ninputs = 2,
		.have_since = have_since,
		.since = since,
		.have_end = true,
		.end = T0 + 30000,
	};
	return f;
}

static void destroy(struct fx *f)
{
	ccm_engine_free(f->e);
	ccm_timeline_release(&f->tl);
	free(f);
}

static int setup(void **state)
{
	*state = build(false, 0);
	return 0;
}

static int teardown(void **state)
{
	destroy(*state);
	return 0;
}

/* ---- json helpers ------------------------------------------------------ */

static struct json_object *jget(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	assert_non_null(o);
	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("no key \"%s\" in %s", key,
			 json_object_to_json_string(o));
	return v;
}

static void jstr(struct json_object *o, const char *key, const char *want)
{
	struct json_object *v = jget(o, key);

	if (!json_object_is_type(v, json_type_string))
		fail_msg("\"%s\" is not a string: %s", key,
			 json_object_to_json_string(v));
	assert_string_equal(json_object_get_string(v), want);
}

static void jnull(struct json_object *o, const char *key)
{
	struct json_object *v = jget(o, key);

	if (v)
		fail_msg("\"%s\" is not null: %s", key,
			 json_object_to_json_string(v));
}

static void juint(struct json_object *o, const char *key, uint64_t want)
{
	struct json_object *v = jget(o, key);

	if (!json_object_is_type(v, json_type_int))
		fail_msg("\"%s\" is not an integer: %s", key,
			 json_object_to_json_string(v));
	assert_int_equal(json_object_get_uint64(v), want);
}

static void jbool(struct json_object *o, const char *key, bool want)
{
	struct json_object *v = jget(o, key);

	assert_true(json_object_is_type(v, json_type_boolean));
	assert_int_equal(json_object_get_boolean(v), want);
}

/* A number of seconds: the exact double, written exactly as text. */
static void jsec(struct json_object *o, const char *key, double want,
		 const char *text)
{
	struct json_object *v = jget(o, key);

	if (!json_object_is_type(v, json_type_double))
		fail_msg("\"%s\" is not a double: %s", key,
			 json_object_to_json_string(v));
	if (json_object_get_double(v) != want)
		fail_msg("\"%s\" is %.17g, want %.17g", key,
			 json_object_get_double(v), want);
	assert_string_equal(
		json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN), text);
}

static struct json_object *jarr(struct json_object *o, const char *key,
				size_t len)
{
	struct json_object *v = jget(o, key);

	if (!json_object_is_type(v, json_type_array))
		fail_msg("\"%s\" is not an array", key);
	if (json_object_array_length(v) != len)
		fail_msg("\"%s\" has %zu elements, want %zu: %s", key,
			 json_object_array_length(v), len,
			 json_object_to_json_string(v));
	return v;
}

static struct json_object *idx(struct json_object *arr, size_t i)
{
	struct json_object *v = json_object_array_get_idx(arr, i);

	assert_non_null(v);
	assert_true(json_object_is_type(v, json_type_object));
	return v;
}

static void transition(struct json_object *t, const char *time,
		       const char *to, const char *from, uint64_t line)
{
	jstr(t, "time", time);
	jstr(t, "state", to);
	jstr(t, "from", from);
	jstr(t, "file", FILE_NAME);
	juint(t, "line", line);
}

static void incident(struct json_object *o, uint64_t id, const char *name,
		     const char *start, const char *end, double dur,
		     const char *durtext, const char *cause, uint64_t line)
{
	juint(o, "id", id);
	jstr(o, "component", name);
	jstr(o, "start", start);
	if (end)
		jstr(o, "end", end);
	else
		jnull(o, "end");
	jsec(o, "duration_s", dur, durtext);
	jstr(o, "cause", cause);
	jbool(o, "open", end == NULL);
	jstr(o, "file", FILE_NAME);
	juint(o, "line", line);
}

static struct json_object *component(struct json_object *comps, size_t i,
				     const char *name, size_t ntrans)
{
	struct json_object *c = idx(comps, i);

	jstr(c, "name", name);
	return jarr(c, "transitions", ntrans);
}

/* Reads a whole stream back from its start into a NUL-terminated string. */
static char *slurp(FILE *fp)
{
	long n;
	char *s;

	assert_int_equal(fflush(fp), 0);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	assert_true(n > 0);
	rewind(fp);
	s = malloc((size_t)n + 1);
	assert_non_null(s);
	assert_int_equal(fread(s, 1, (size_t)n, fp), (size_t)n);
	s[n] = '\0';
	return s;
}

/* ---- tests ------------------------------------------------------------- */

static void test_seconds(void **state)
{
	(void)state;
	assert_true(ccm_seconds(4200) == 4.2);
	assert_true(ccm_seconds(0) == 0.0);
	assert_true(ccm_seconds(1) == 0.001);
	assert_true(ccm_seconds(-1500) == -1.5);
}

static void test_header_and_window(void **state)
{
	struct fx *f = *state;
	struct json_object *doc = ccm_report_json_object(&f->a), *win;

	assert_non_null(doc);
	jstr(doc, "schema", "ccmon.analysis/2");
	jstr(doc, "schema", CCM_ANALYSIS_SCHEMA);
	jstr(doc, "generator", "ccmon 0.1.0");
	win = jget(doc, "window");
	jnull(win, "since");
	jnull(win, "until");
	jstr(win, "end", "2024-03-25T17:20:15.000");
	json_object_put(doc);
}

static void test_inputs(void **state)
{
	struct fx *f = *state;
	struct json_object *doc = ccm_report_json_object(&f->a);
	struct json_object *in = jarr(doc, "inputs", 2), *o;

	o = idx(in, 0);
	jstr(o, "path", "rtr-jsm-1_000001.log.gz");
	juint(o, "lines", 1234);
	juint(o, "recognized", 10);
	juint(o, "bad_time", 1);
	juint(o, "overlong", 2);
	jstr(o, "shape", "trace");
	jstr(o, "first", "2024-03-25T17:19:45.000");
	jstr(o, "last", "2024-03-25T17:20:15.000");
	jbool(o, "complete", true);

	o = idx(in, 1);
	jstr(o, "path", "rtr-jsm-1_000002.log");
	juint(o, "lines", 0);
	juint(o, "recognized", 0);
	juint(o, "bad_time", 0);
	juint(o, "overlong", 0);
	jstr(o, "shape", "none");
	jnull(o, "first");
	jnull(o, "last");
	jbool(o, "complete", false);
	json_object_put(doc);
}

static void test_components(void **state)
{
	struct fx *f = *state;
	struct json_object *doc = ccm_report_json_object(&f->a);
	struct json_object *comps = jarr(doc, "components", 3), *tr, *c;

	tr = component(comps, 0, "alpha", 4);
	transition(idx(tr, 0), "2024-03-25T17:19:45.000", "active", "unknown",
		   2);
	transition(idx(tr, 1), "2024-03-25T17:19:46.000", "gone", "active", 3);
	transition(idx(tr, 2), "2024-03-25T17:19:47.000", "connected", "gone",
		   6);
	transition(idx(tr, 3), "2024-03-25T17:19:50.200", "active",
		   "connected", 7);
	c = idx(comps, 0);
	jstr(c, "state", "active");
	juint(c, "incidents", 1);
	jsec(c, "downtime_s", 4.2, "4.200");
	jstr(c, "endpoint", "10.0.0.1:7999");

	tr = component(comps, 1, "beta", 2);
	transition(idx(tr, 0), "2024-03-25T17:19:45.000", "active", "unknown",
		   1);
	transition(idx(tr, 1), "2024-03-25T17:19:51.000", "gone", "active", 8);
	c = idx(comps, 1);
	jstr(c, "state", "gone");
	juint(c, "incidents", 1);
	jsec(c, "downtime_s", 0.0, "0.000");
	jnull(c, "endpoint");
	juint(c, "connect_failures", 0);

	tr = component(comps, 2, "gamma", 2);
	transition(idx(tr, 0), "2024-03-25T17:19:52.000", "connected",
		   "unknown", 9);
	transition(idx(tr, 1), "2024-03-25T17:20:05.000", "active",
		   "connected", 10);
	c = idx(comps, 2);
	jstr(c, "state", "active");
	juint(c, "incidents", 1);
	jsec(c, "downtime_s", 13.0, "13.000");
	jnull(c, "endpoint");
	json_object_put(doc);
}

static void test_endpoints(void **state)
{
	struct fx *f = *state;
	struct json_object *doc = ccm_report_json_object(&f->a);
	struct json_object *eps = jarr(doc, "endpoints", 1), *o;

	o = idx(eps, 0);
	jstr(o, "host", "10.0.0.1");
	juint(o, "port", 7999);
	juint(o, "attempts", 1);
	juint(o, "failures", 1);
	juint(o, "refused", 1);
	jstr(o, "last_error", "(111) Connection refused");
	json_object_put(doc);
}

static void test_incidents(void **state)
{
	struct fx *f = *state;
	struct json_object *doc = ccm_report_json_object(&f->a);
	struct json_object *incs = jarr(doc, "incidents", 3);

	incident(idx(incs, 0), 1, "alpha", "2024-03-25T17:19:46.000",
		 "2024-03-25T17:19:50.200", 4.2, "4.200", "refused", 3);
	/* open: lasts to the end of the analysis */
	incident(idx(incs, 1), 2, "beta", "2024-03-25T17:19:51.000", NULL,
		 24.0, "24.000", "lost", 8);
	incident(idx(incs, 2), 3, "gamma", "2024-03-25T17:19:52.000",
		 "2024-03-25T17:20:05.000", 13.0, "13.000", "auth", 9);
	json_object_put(doc);
}

/* The open incident's duration follows a->end. */
static void test_open_incident_counts_to_end(void **state)
{
	struct fx *f = *state;
	struct json_object *doc, *incs;

	f->a.end = T0 + 6000 + 61234;
	doc = ccm_report_json_object(&f->a);
	incs = jarr(doc, "incidents", 3);
	incident(idx(incs, 1), 2, "beta", "2024-03-25T17:19:51.000", NULL,
		 61.234, "61.234", "lost", 8);
	jstr(jget(doc, "window"), "end", "2024-03-25T17:20:52.234");
	json_object_put(doc);
}

/* --since T0+5500: after incident #1 ended. */
static void test_since_after_incident(void **state)
{
	struct fx *f = build(true, T0 + 5500);
	struct json_object *doc = ccm_report_json_object(&f->a);
	struct json_object *comps, *incs, *tr;

	(void)state;
	assert_non_null(doc);
	jstr(jget(doc, "window"), "since", "2024-03-25T17:19:50.500");
	comps = jarr(doc, "components", 3);
	component(comps, 0, "alpha", 0);
	tr = component(comps, 1, "beta", 1);
	transition(idx(tr, 0), "2024-03-25T17:19:51.000", "gone", "active", 8);
	component(comps, 2, "gamma", 2);
	/* the state and counters still cover the whole log */
	juint(idx(comps, 0), "incidents", 1);
	jsec(idx(comps, 0), "downtime_s", 4.2, "4.200");
	incs = jarr(doc, "incidents", 2);
	incident(idx(incs, 0), 2, "beta", "2024-03-25T17:19:51.000", NULL,
		 24.0, "24.000", "lost", 8);
	incident(idx(incs, 1), 3, "gamma", "2024-03-25T17:19:52.000",
		 "2024-03-25T17:20:05.000", 13.0, "13.000", "auth", 9);
	json_object_put(doc);
	destroy(f);
}

/* --since T0+3000: incident #1 overlaps the window, so it is listed whole. */
static void test_since_overlapping_incident(void **state)
{
	struct fx *f = build(true, T0 + 3000);
	struct json_object *doc = ccm_report_json_object(&f->a);
	struct json_object *comps, *incs, *tr;

	(void)state;
	assert_non_null(doc);
	comps = jarr(doc, "components", 3);
	tr = component(comps, 0, "alpha", 1);
	transition(idx(tr, 0), "2024-03-25T17:19:50.200", "active",
		   "connected", 7);
	tr = component(comps, 1, "beta", 1);
	transition(idx(tr, 0), "2024-03-25T17:19:51.000", "gone", "active", 8);
	component(comps, 2, "gamma", 2);
	incs = jarr(doc, "incidents", 3);
	incident(idx(incs, 0), 1, "alpha", "2024-03-25T17:19:46.000",
		 "2024-03-25T17:19:50.200", 4.2, "4.200", "refused", 3);
	incident(idx(incs, 1), 2, "beta", "2024-03-25T17:19:51.000", NULL,
		 24.0, "24.000", "lost", 8);
	json_object_put(doc);
	destroy(f);
}

/* --since exactly at incident #1's end: it ends in the window, not before. */
static void test_since_at_incident_end(void **state)
{
	struct fx *f = build(true, T0 + 5200);
	struct json_object *doc = ccm_report_json_object(&f->a);
	struct json_object *comps, *incs, *tr;

	(void)state;
	assert_non_null(doc);
	comps = jarr(doc, "components", 3);
	tr = component(comps, 0, "alpha", 1);
	transition(idx(tr, 0), "2024-03-25T17:19:50.200", "active",
		   "connected", 7);
	incs = jarr(doc, "incidents", 3);
	juint(idx(incs, 0), "id", 1);
	json_object_put(doc);
	destroy(f);
}

/* --since after everything: only the open incident remains listed. */
static void test_since_late(void **state)
{
	struct fx *f = build(true, T0 + 25000);
	struct json_object *doc = ccm_report_json_object(&f->a);
	struct json_object *comps, *incs;

	(void)state;
	assert_non_null(doc);
	comps = jarr(doc, "components", 3);
	component(comps, 0, "alpha", 0);
	component(comps, 1, "beta", 0);
	component(comps, 2, "gamma", 0);
	jarr(doc, "endpoints", 1);
	incs = jarr(doc, "incidents", 1);
	incident(idx(incs, 0), 2, "beta", "2024-03-25T17:19:51.000", NULL,
		 24.0, "24.000", "lost", 8);
	json_object_put(doc);
	destroy(f);
}

static void test_json_to_file(void **state)
{
	struct fx *f = *state;
	FILE *fp = tmpfile();
	char *text;
	struct json_object *doc, *incs;

	assert_non_null(fp);
	assert_int_equal(ccm_report_json(&f->a, fp), 0);
	text = slurp(fp);
	fclose(fp);

	assert_non_null(strstr(text, "4.200"));
	assert_null(strstr(text, "4.2000000000000002"));
	assert_non_null(strstr(text, "13.000"));
	assert_non_null(strstr(text, "24.000"));
	assert_true(text[strlen(text) - 1] == '\n');

	doc = json_tokener_parse(text);
	if (!doc)
		fail_msg("does not parse:\n%s", text);
	jstr(doc, "schema", "ccmon.analysis/2");
	jarr(doc, "inputs", 2);
	jarr(doc, "components", 3);
	jarr(doc, "endpoints", 1);
	incs = jarr(doc, "incidents", 3);
	incident(idx(incs, 0), 1, "alpha", "2024-03-25T17:19:46.000",
		 "2024-03-25T17:19:50.200", 4.2, "4.200", "refused", 3);
	json_object_put(doc);
	free(text);
}

static void test_text_report(void **state)
{
	struct fx *f = *state;
	FILE *fp = tmpfile();
	char *text;
	static const char *const want[] = {
		"alpha", "beta", "gamma", "refused", "auth", "lost",
		"10.0.0.1:7999", "rtr-jsm-1_000001.log.gz",
	};

	assert_non_null(fp);
	assert_int_equal(ccm_report_text(&f->a, fp), 0);
	text = slurp(fp);
	fclose(fp);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!strstr(text, want[i]))
			fail_msg("no \"%s\" in:\n%s", want[i], text);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seconds),
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_header_and_window),
		T(test_inputs),
		T(test_components),
		T(test_endpoints),
		T(test_incidents),
		T(test_open_incident_counts_to_end),
		cmocka_unit_test(test_since_after_incident),
		cmocka_unit_test(test_since_overlapping_incident),
		cmocka_unit_test(test_since_at_incident_end),
		cmocka_unit_test(test_since_late),
		T(test_json_to_file),
		T(test_text_report),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

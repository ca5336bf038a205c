/* SPDX-License-Identifier: ISC */
/* Unit tests for agent/metrics/text.c: the Prometheus text of /metrics.
 *
 * Built from the same parts as in ccmond (a real engine fed router
 * messages, real alarms, a configuration, probe figures, tail counters),
 * the text is checked line by line against what the exposition format
 * and the families of agent/metrics/text.h say it must hold. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "agent/core/impact.h"
#include "agent/metrics/text.h"
#include "agent/core/probe_stats.h"
#include "tests/unit_helpers.h"

#define COMP1_LOG "op-cs1.imp1"  /* as the log spells it */
#define COMP1_CONF "op-CS1.imp1" /* as ccmon.conf spells it: the row's */
#define COMP2 "op-cs2.imp1"      /* configured, never seen */
#define SHORT "zz.x"             /* seen, not configured */

static ccm_ms t0(void)
{
	return ccm_days_from_civil(2026, 11, 25) * CCM_MS_PER_DAY +
	       13 * INT64_C(3600000);
}

struct agent {
	struct ccm_engine *engine;
	struct ccm_alarms *alarms;
	struct ccm_server servers[2];
	struct ccm_config config;
	struct ccm_probe_stats cs1;
	struct ccm_tail_stats tail;
	struct ccm_snmp_source src;
};

static const struct ccm_probe_stats *probe_of(void *ctx, const char *server)
{
	struct agent *a = ctx;

	return !strcmp(server, "cs1") ? &a->cs1 : NULL;
}

/* cs1 (configured as op-CS1.imp1) went CONNECTED, ACTIVE, then GONE; cs2
 * is configured, never seen; zz.x is ACTIVE, not configured, and one
 * event waited 2.5 s on it.  component-down of cs1 (critical) and
 * probe-failing of cs1 (major) are raised.  cs1 was probed three times:
 * two connects of 412 and 380 us, one refused. */
static void agent_init(struct agent *a)
{
	const ccm_ms t = t0();

	memset(a, 0, sizeof(*a));
	a->engine = ccm_engine_new(NULL, NULL, NULL);
	assert_non_null(a->engine);
	a->alarms = alarms_new_zero_holds();

	feed_state(a->engine, t + 10, COMP1_LOG, CCM_STATE_CONNECTED);
	feed_state(a->engine, t + 20, COMP1_LOG, CCM_STATE_ACTIVE);
	feed_state(a->engine, t + 30, SHORT, CCM_STATE_ACTIVE);
	feed_wait(a->engine, t + 100, SHORT, 2500);
	feed_state(a->engine, t + 5000, COMP1_LOG, CCM_STATE_GONE);
	assert_int_equal(ccm_alarms_set(a->alarms, CCM_ALARM_COMPONENT_DOWN,
					COMP1_LOG, true, t + 5000, "GONE"), 0);
	assert_int_equal(ccm_alarms_set(a->alarms, CCM_ALARM_PROBE_FAILING,
					"cs1", true, t + 6000, "refused"), 0);
	ccm_alarms_advance(a->alarms, t + 7000);

	two_servers(&a->config, a->servers, NULL, "10.53.52.205", COMP1_CONF,
		    COMP2);
	ccm_probe_stats_init(&a->cs1);
	probe_report(&a->cs1, CCM_PROBE_OK, 412, -1);
	probe_report(&a->cs1, CCM_PROBE_OK, 380, -1);
	probe_report(&a->cs1, CCM_PROBE_REFUSED, -1, -1);
	a->tail = (struct ccm_tail_stats){
		.lines = 120, .recognized = 7, .bytes = 9000, .files_open = 1,
		.rotations = 2, .truncations = 1, .overflows = 4,
	};
	a->src = (struct ccm_snmp_source){
		.engine = a->engine,
		.alarms = a->alarms,
		.config = &a->config,
		.probe = probe_of,
		.probe_ctx = a,
		.tail = &a->tail,
		.now = t + 7000,
	};
}

static void agent_release(struct agent *a)
{
	ccm_alarms_free(a->alarms);
	ccm_engine_free(a->engine);
}

static char *render(const struct ccm_snmp_source *src)
{
	size_t len = 0;
	char *text = ccm_metrics_render(src, &len);

	assert_non_null(text);
	assert_int_equal(len, strlen(text));
	assert_true(len > 0 && text[len - 1] == '\n');
	return text;
}

/* The text holds this whole line. */
static void assert_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; p; p = strchr(p, '\n'), p = p ? p + 1 : p)
		if (!strncmp(p, line, n) && p[n] == '\n')
			return;
	print_error("no line '%s' in:\n%s", line, text);
	fail();
}

static void assert_no_line_starting(const char *text, const char *prefix)
{
	size_t n = strlen(prefix);

	for (const char *p = text; p; p = strchr(p, '\n'), p = p ? p + 1 : p)
		if (!strncmp(p, prefix, n)) {
			print_error("unexpected line starting '%s'\n", prefix);
			fail();
		}
}

static void test_components(void **state)
{
	struct agent a;
	char *text;

	(void)state;
	agent_init(&a);
	text = render(&a.src);
	/* one row for op-CS1.imp1 / op-cs1.imp1, named as configured */
	assert_line(text, "ccmon_component_state{component=\"op-CS1.imp1\","
			  "state=\"gone\"} 1");
	assert_line(text, "ccmon_component_state{component=\"op-CS1.imp1\","
			  "state=\"active\"} 0");
	assert_line(text, "ccmon_component_state{component=\"op-CS1.imp1\","
			  "state=\"unknown\"} 0");
	assert_line(text, "ccmon_component_state{component=\"op-cs2.imp1\","
			  "state=\"unknown\"} 1");
	assert_line(text, "ccmon_component_state{component=\"zz.x\","
			  "state=\"active\"} 1");
	assert_no_line_starting(text, "ccmon_component_state{component="
				      "\"op-cs1.imp1\"");
	/* unknown -> connected -> active -> gone */
	assert_line(text, "ccmon_component_transitions_total{component="
			  "\"op-CS1.imp1\"} 3");
	assert_line(text, "ccmon_component_transitions_total{component="
			  "\"op-cs2.imp1\"} 0");
	free(text);
	agent_release(&a);
}

static void test_probes(void **state)
{
	struct agent a;
	char *text;

	(void)state;
	agent_init(&a);
	text = render(&a.src);
	assert_line(text, "ccmon_probes_total{server=\"cs1\"} 3");
	assert_line(text, "ccmon_probe_failures_total{server=\"cs1\","
			  "cause=\"refused\"} 1");
	assert_line(text, "ccmon_probe_failures_total{server=\"cs1\","
			  "cause=\"timeout\"} 0");
	assert_line(text, "ccmon_probe_failures_total{server=\"cs1\","
			  "cause=\"unreachable\"} 0");
	assert_line(text, "ccmon_probe_failures_total{server=\"cs1\","
			  "cause=\"error\"} 0");
	/* no probe figures of cs2: no series rather than zeros */
	assert_no_line_starting(text, "ccmon_probes_total{server=\"cs2\"");
	/* both connects under 1 ms: every bucket, cumulative, holds both */
	assert_line(text, "ccmon_probe_connect_duration_seconds_bucket{server="
			  "\"cs1\",le=\"0.001\"} 2");
	assert_line(text, "ccmon_probe_connect_duration_seconds_bucket{server="
			  "\"cs1\",le=\"4.096\"} 2");
	assert_line(text, "ccmon_probe_connect_duration_seconds_bucket{server="
			  "\"cs1\",le=\"+Inf\"} 2");
	assert_line(text, "ccmon_probe_connect_duration_seconds_sum{server="
			  "\"cs1\"} 0.000792");
	assert_line(text, "ccmon_probe_connect_duration_seconds_count{server="
			  "\"cs1\"} 2");
	free(text);
	agent_release(&a);
}

/* Buckets are cumulative: a 3 ms connect is in le=0.004 and above, not
 * in le=0.002. */
static void test_histogram_cumulative(void **state)
{
	struct agent a;
	char *text;

	(void)state;
	agent_init(&a);
	probe_report(&a.cs1, CCM_PROBE_OK, 3000, -1);
	probe_report(&a.cs1, CCM_PROBE_OK, 5000000, -1);
	text = render(&a.src);
	assert_line(text, "ccmon_probe_connect_duration_seconds_bucket{server="
			  "\"cs1\",le=\"0.002\"} 2");
	assert_line(text, "ccmon_probe_connect_duration_seconds_bucket{server="
			  "\"cs1\",le=\"0.004\"} 3");
	assert_line(text, "ccmon_probe_connect_duration_seconds_bucket{server="
			  "\"cs1\",le=\"4.096\"} 3");
	assert_line(text, "ccmon_probe_connect_duration_seconds_bucket{server="
			  "\"cs1\",le=\"+Inf\"} 4");
	assert_line(text, "ccmon_probe_connect_duration_seconds_sum{server="
			  "\"cs1\"} 5.003792");
	free(text);
	agent_release(&a);
}

static void test_queue_and_alarms(void **state)
{
	struct agent a;
	char *text;

	(void)state;
	agent_init(&a);
	text = render(&a.src);
	assert_line(text, "ccmon_queue_wait_seconds{component=\"zz.x\","
			  "quantile=\"0.95\"} 2.500");
	assert_line(text, "ccmon_queue_wait_max_seconds{component=\"zz.x\"}"
			  " 2.500");
	assert_line(text, "ccmon_queue_waits_total{component=\"zz.x\"} 1");
	assert_no_line_starting(text, "ccmon_queue_wait_seconds{component="
				      "\"op-cs2.imp1\"");
	assert_line(text, "ccmon_alarms_active{type=\"component-down\","
			  "severity=\"critical\"} 1");
	assert_line(text, "ccmon_alarms_active{type=\"probe-failing\","
			  "severity=\"major\"} 1");
	assert_line(text, "ccmon_alarms_active{type=\"messaging-blocked\","
			  "severity=\"critical\"} 0");
	free(text);
	agent_release(&a);
}

static void test_tail(void **state)
{
	struct agent a;
	char *text;

	(void)state;
	agent_init(&a);
	text = render(&a.src);
	assert_line(text, "ccmon_log_lines_total 120");
	assert_line(text, "ccmon_log_lines_recognized_total 7");
	assert_line(text, "ccmon_log_bytes_total 9000");
	assert_line(text, "ccmon_log_rotations_total 2");
	assert_line(text, "ccmon_log_truncations_total 1");
	assert_line(text, "ccmon_log_watch_overflows_total 4");
	assert_line(text, "ccmon_log_files_open 1");
	assert_line(text, "ccmon_log_replaying 0");
	free(text);
	/* before the logs are open: no figures rather than zeros */
	a.src.tail = NULL;
	text = render(&a.src);
	assert_no_line_starting(text, "ccmon_log_lines_total");
	free(text);
	agent_release(&a);
}

/* Message class reached for all users: blocked (agent/core/impact.h). */
static void test_impacts(void **state)
{
	struct agent a;
	struct ccm_impact im[2];
	char *text;

	(void)state;
	agent_init(&a);
	memset(im, 0, sizeof(im));
	im[0].scope = "imp1.example.com";
	im[0].classes[CCM_CLASS_MESSAGE].reach = CCM_REACH_ALL;
	im[1].scope = "imp2.example.com";
	im[1].classes[CCM_CLASS_MESSAGE].reach = CCM_REACH_SOME;
	a.src.impacts = im;
	a.src.nimpacts = 2;
	text = render(&a.src);
	assert_line(text, "ccmon_impact_active{scope=\"imp1.example.com\","
			  "kind=\"messaging-blocked\"} 1");
	assert_line(text, "ccmon_impact_active{scope=\"imp1.example.com\","
			  "kind=\"messaging-degraded\"} 0");
	assert_line(text, "ccmon_impact_active{scope=\"imp2.example.com\","
			  "kind=\"messaging-blocked\"} 0");
	assert_line(text, "ccmon_impact_active{scope=\"imp2.example.com\","
			  "kind=\"messaging-degraded\"} 1");
	assert_line(text, "ccmon_impact_active{scope=\"imp2.example.com\","
			  "kind=\"logging-lost\"} 0");
	free(text);
	agent_release(&a);
}

/* A name from a log with the format's reserved characters and a byte that
 * is not UTF-8: escaped, and the byte replaced by U+FFFD. */
static void test_label_escaping(void **state)
{
	struct agent a;
	char *text;

	(void)state;
	agent_init(&a);
	feed_state(a.engine, t0() + 6000, "op-\"q\\b\nc\xff", CCM_STATE_ACTIVE);
	text = render(&a.src);
	assert_line(text, "ccmon_component_state{component=\"op-\\\"q\\\\b\\nc"
			  "\xef\xbf\xbd\",state=\"active\"} 1");
	free(text);
	agent_release(&a);
}

/* The exposition format: every sample belongs to the family of the last
 * TYPE line (a histogram's series add _bucket, _sum, _count), a family is
 * declared once with its HELP just before, and there are no blank
 * lines. */
static void check_structure(const char *text)
{
	char family[128] = "", type[32] = "", seen[8192] = " ";
	size_t nseen = 1;
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n, fl;
		char name[128];

		assert_non_null(nl);
		assert_true(nl > p);
		if (!strncmp(p, "# HELP ", 7)) {
			assert_int_equal(sscanf(p + 7, "%127s", name), 1);
			assert_true(!strncmp(nl + 1, "# TYPE ", 7));
			assert_int_equal(sscanf(nl + 8, "%127s %31s", family,
						type), 2);
			assert_string_equal(name, family);
			/* once */
			snprintf(name, sizeof(name), " %s ", family);
			assert_null(strstr(seen, name));
			assert_true(nseen + strlen(family) + 2 < sizeof(seen));
			nseen += (size_t)snprintf(seen + nseen,
						  sizeof(seen) - nseen, "%s ",
						  family);
			nl = strchr(nl + 1, '\n');
			assert_non_null(nl);
			p = nl + 1;
			continue;
		}
		assert_true(*p != '#');
		n = strcspn(p, "{ ");
		fl = strlen(family);
		assert_true(fl > 0 && n >= fl && !strncmp(p, family, fl));
		if (n > fl) {
			assert_string_equal(type, "histogram");
			assert_true(!strncmp(p + fl, "_bucket", n - fl) ||
				    !strncmp(p + fl, "_sum", n - fl) ||
				    !strncmp(p + fl, "_count", n - fl));
		}
		p = nl + 1;
	}
}

static void test_structure(void **state)
{
	struct agent a;
	struct ccm_snmp_source empty = { 0 };
	char *text;

	(void)state;
	agent_init(&a);
	text = render(&a.src);
	check_structure(text);
	free(text);
	/* an agent still starting: every part NULL */
	text = render(&empty);
	check_structure(text);
	assert_line(text, "ccmon_messaging_blocked 0");
	assert_line(text, "ccmon_alarms_active{type=\"component-down\","
			  "severity=\"critical\"} 0");
	free(text);
	agent_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_components),
		cmocka_unit_test(test_probes),
		cmocka_unit_test(test_histogram_cumulative),
		cmocka_unit_test(test_queue_and_alarms),
		cmocka_unit_test(test_tail),
		cmocka_unit_test(test_impacts),
		cmocka_unit_test(test_label_escaping),
		cmocka_unit_test(test_structure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: ISC */
/* Queue latency: the window and its figures (agent/core/queue_latency.c), the
 * configured queue lines (parsers/queue_lines.c), and the way both reach
 * the engine and the scanner. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/core/engine.h"
#include "agent/core/latency_watch.h"
#include "agent/core/queue_latency.h"
#include "parsers/queue_lines.h"
#include "parsers/scanner.h"

#define T0 INT64_C(1711387185000)
#define COMP "op-cs1.imp1-example-com"

/* ---- the window ---------------------------------------------------------- */

static void test_percentiles_nearest_rank(void **state)
{
	struct ccm_qlat l;
	struct ccm_qlat_stats st;

	(void)state;
	ccm_qlat_init(&l);
	/* 100 waits of 1..100 ms, added in a scrambled order */
	for (int i = 0; i < 100; i++)
		assert_int_equal(ccm_qlat_add(&l, T0 + i, (i * 37) % 100 + 1),
				 0);
	assert_int_equal(ccm_qlat_stats(&l, &st), 0);
	assert_int_equal(st.count, 100);
	assert_int_equal(st.p50, 50);
	assert_int_equal(st.p95, 95);
	assert_int_equal(st.p99, 99);
	assert_int_equal(st.max, 100);
	assert_int_equal(st.mean, 50); /* 5050 / 100, rounded down */
	assert_int_equal(st.total, 100);
	assert_true(st.have_last);
	assert_int_equal(st.last_time, T0 + 99);
	ccm_qlat_release(&l);
}

/* Few distinct waits, so that the percentiles fall on different samples:
 * the nearest rank rounds up (12 * 0.95 = 11.4 -> the 12th). */
static void test_percentiles_of_few_waits(void **state)
{
	struct ccm_qlat l;
	struct ccm_qlat_stats st;

	(void)state;
	ccm_qlat_init(&l);
	for (int i = 0; i < 12; i++)
		assert_int_equal(ccm_qlat_add(&l, T0 + i, (i * 5) % 12 + 1), 0);
	assert_int_equal(ccm_qlat_stats(&l, &st), 0);
	assert_int_equal(st.count, 12);
	assert_int_equal(st.p50, 6);
	assert_int_equal(st.p95, 12);
	assert_int_equal(st.p99, 12);
	assert_int_equal(st.max, 12);
	ccm_qlat_release(&l);

	/* 21 waits: 21 * 0.95 = 19.95 -> the 20th, not the 21st */
	ccm_qlat_init(&l);
	for (int i = 0; i < 21; i++)
		ccm_qlat_add(&l, T0 + i, i + 1);
	ccm_qlat_stats(&l, &st);
	assert_int_equal(st.p50, 11);
	assert_int_equal(st.p95, 20);
	assert_int_equal(st.p99, 21);
	ccm_qlat_release(&l);
}

static void test_one_sample_is_every_percentile(void **state)
{
	struct ccm_qlat l;
	struct ccm_qlat_stats st;

	(void)state;
	ccm_qlat_init(&l);
	assert_int_equal(ccm_qlat_stats(&l, &st), 0);
	assert_int_equal(st.count, 0);
	assert_int_equal(st.p95, 0);
	assert_false(st.have_last);
	ccm_qlat_add(&l, T0, 30000);
	ccm_qlat_stats(&l, &st);
	assert_int_equal(st.p50, 30000);
	assert_int_equal(st.p99, 30000);
	assert_int_equal(st.mean, 30000);
	/* a clock gone backwards gives no negative wait */
	ccm_qlat_add(&l, T0, -5);
	ccm_qlat_stats(&l, &st);
	assert_int_equal(st.p50, 0);
	ccm_qlat_release(&l);
}

static void test_window_expires(void **state)
{
	struct ccm_qlat l;
	struct ccm_qlat_stats st;
	ccm_ms when;

	(void)state;
	ccm_qlat_init(&l);
	assert_false(ccm_qlat_next_expiry(&l, 60000, &when));
	ccm_qlat_add(&l, T0, 30000);
	ccm_qlat_add(&l, T0 + 10000, 1000);
	assert_true(ccm_qlat_next_expiry(&l, 60000, &when));
	assert_int_equal(when, T0 + 60000);
	ccm_qlat_expire(&l, T0 + 59999, 60000, 600000);
	ccm_qlat_stats(&l, &st);
	assert_int_equal(st.count, 2);
	/* a sample leaves exactly one window after it was taken */
	ccm_qlat_expire(&l, T0 + 60000, 60000, 600000);
	ccm_qlat_stats(&l, &st);
	assert_int_equal(st.count, 1);
	assert_int_equal(st.max, 1000);
	assert_int_equal(st.total, 2);
	assert_int_equal(st.total_max, 30000);
	ccm_qlat_expire(&l, T0 + 70000, 60000, 600000);
	ccm_qlat_stats(&l, &st);
	assert_int_equal(st.count, 0);
	assert_false(ccm_qlat_next_expiry(&l, 60000, &when));
	ccm_qlat_release(&l);
}

static void test_full_window_keeps_the_newest(void **state)
{
	struct ccm_qlat l;
	struct ccm_qlat_stats st;

	(void)state;
	ccm_qlat_init(&l);
	for (int i = 0; i < CCM_QLAT_SAMPLES + 10; i++)
		ccm_qlat_add(&l, T0 + i, i < 10 ? 99999 : 1);
	ccm_qlat_stats(&l, &st);
	assert_int_equal(st.count, CCM_QLAT_SAMPLES);
	assert_int_equal(st.overflow, 10);
	assert_int_equal(st.max, 1); /* the ten long ones were the oldest */
	assert_int_equal(st.total_max, 99999);
	ccm_qlat_release(&l);
}

static void test_pairs_by_key(void **state)
{
	struct ccm_qlat l;
	struct ccm_qlat_stats st;
	ccm_ms wait = -1;

	(void)state;
	ccm_qlat_init(&l);
	ccm_qlat_start(&l, 0, "a", 1, T0);
	ccm_qlat_start(&l, 0, "b", 1, T0 + 100);
	ccm_qlat_start(&l, 1, "a", 1, T0 + 200); /* another rule */
	assert_int_equal(ccm_qlat_end(&l, 0, "b", 1, T0 + 350, &wait), 1);
	assert_int_equal(wait, 250);
	assert_int_equal(ccm_qlat_end(&l, 0, "a", 1, T0 + 1000, &wait), 1);
	assert_int_equal(wait, 1000);
	/* the start of rule 1 is still waiting; an unknown key is counted */
	assert_int_equal(ccm_qlat_end(&l, 0, "zz", 2, T0 + 1000, &wait), 0);
	ccm_qlat_stats(&l, &st);
	assert_int_equal(st.count, 2);
	assert_int_equal(st.pending, 1);
	assert_int_equal(st.unmatched, 1);
	/* same key twice: the oldest start is ended first */
	ccm_qlat_start(&l, 2, "", 0, T0 + 2000);
	ccm_qlat_start(&l, 2, "", 0, T0 + 2500);
	ccm_qlat_end(&l, 2, "", 0, T0 + 3000, &wait);
	assert_int_equal(wait, 1000);
	ccm_qlat_release(&l);
}

static void test_starts_given_up(void **state)
{
	struct ccm_qlat l;
	struct ccm_qlat_stats st;
	ccm_ms wait;
	char key[16];

	(void)state;
	ccm_qlat_init(&l);
	ccm_qlat_start(&l, 0, "old", 3, T0);
	ccm_qlat_start(&l, 0, "new", 3, T0 + 5000);
	ccm_qlat_expire(&l, T0 + 10001, 60000, 10000);
	ccm_qlat_stats(&l, &st);
	assert_int_equal(st.pending, 1);
	assert_int_equal(st.abandoned, 1);
	assert_int_equal(ccm_qlat_end(&l, 0, "old", 3, T0 + 10002, &wait), 0);
	/* too many: the oldest goes */
	for (int i = 0; i < CCM_QLAT_PENDING; i++) {
		snprintf(key, sizeof(key), "%d", i);
		ccm_qlat_start(&l, 0, key, strlen(key), T0 + 6000);
	}
	ccm_qlat_stats(&l, &st);
	assert_int_equal(st.pending, CCM_QLAT_PENDING);
	assert_int_equal(st.abandoned, 2);
	assert_int_equal(ccm_qlat_end(&l, 0, "new", 3, T0 + 7000, &wait), 0);
	assert_int_equal(ccm_qlat_end(&l, 0, "7", 1, T0 + 7000, &wait), 1);
	assert_int_equal(wait, 1000);
	ccm_qlat_release(&l);
}

/* ---- the queue lines ----------------------------------------------------- */

static const struct ccm_queue_rule pair_rules[] = {
	{ .name = (char *)"rtt",
	  .start = (char *)"send (?<key>\\d+) to (?<component>\\S+)",
	  .end = (char *)"answer (?<key>\\d+) from (?<component>\\S+)" },
	{ .name = (char *)"slow",
	  .match = (char *)"slow answer from (?<component>\\S+)",
	  .wait = 2500 },
};

static enum ccm_msg_kind rec(struct ccm_queue_lines *q, const char *line,
			     struct ccm_logmsg *m)
{
	return ccm_queue_recognize(q, line, strlen(line), m);
}

static void assert_span(struct ccm_span s, const char *want)
{
	assert_int_equal(s.n, strlen(want));
	assert_memory_equal(s.p, want, s.n);
}

static void test_builtin_bounce(void **state)
{
	char err[256];
	struct ccm_queue_lines *q = ccm_queue_lines_new(
		ccm_queue_rule_builtin(), 1, 30000, err, sizeof(err));
	struct ccm_logmsg m;

	(void)state;
	assert_non_null(q);
	assert_int_equal(rec(q, "12:00:00.000 |error Bouncing packet intended"
			 " for " COMP ". External Server Error", &m),
			 CCM_MSG_QUEUE_WAITED);
	assert_span(m.component, COMP);
	assert_int_equal(m.wait, 30000);
	assert_int_equal(m.key.n, 0);
	assert_int_equal(rec(q, "Bouncing packet intended for \"x\"", &m),
			 CCM_MSG_NONE);
	assert_int_equal(rec(q, "Component " COMP " is GONE", &m),
			 CCM_MSG_NONE);
	assert_int_equal(ccm_queue_recognize(q, "", 0, &m), CCM_MSG_NONE);
	ccm_queue_lines_free(q);
}

static void test_pair_and_wait_rules(void **state)
{
	char err[256];
	struct ccm_queue_lines *q = ccm_queue_lines_new(pair_rules, 2, 30000,
							err, sizeof(err));
	struct ccm_logmsg m;

	(void)state;
	assert_non_null(q);
	assert_int_equal(rec(q, "x send 42 to " COMP, &m), CCM_MSG_QUEUE_START);
	assert_int_equal(m.rule, 0);
	assert_span(m.key, "42");
	assert_span(m.component, COMP);
	assert_int_equal(rec(q, "answer 42 from " COMP ";", &m),
			 CCM_MSG_QUEUE_END);
	assert_int_equal(m.rule, 0);
	assert_span(m.component, COMP);
	assert_int_equal(rec(q, "slow answer from " COMP, &m),
			 CCM_MSG_QUEUE_WAITED);
	assert_int_equal(m.rule, 1);
	assert_int_equal(m.wait, 2500);
	ccm_queue_lines_free(q);
}

static void test_bad_patterns(void **state)
{
	static const struct ccm_queue_rule nocomp = {
		.name = (char *)"x", .match = (char *)"no (?<comp>group)",
	};
	static const struct ccm_queue_rule broken = {
		.name = (char *)"y", .match = (char *)"(?<component>",
	};
	static const struct ccm_queue_rule empty = { .name = (char *)"z" };
	char err[256];
	bool key = true;

	(void)state;
	assert_null(ccm_queue_lines_new(&nocomp, 1, 1, err, sizeof(err)));
	assert_non_null(strstr(err, "[latency x] match has no group"));
	assert_null(ccm_queue_lines_new(&broken, 1, 1, err, sizeof(err)));
	assert_non_null(strstr(err, "[latency y] match at offset"));
	assert_null(ccm_queue_lines_new(&empty, 1, 1, err, sizeof(err)));
	assert_int_equal(ccm_queue_pattern_check("(?<component>a)", &key, err,
						 sizeof(err)), 0);
	assert_false(key);
	assert_int_equal(ccm_queue_pattern_check("(?<component>a)(?<key>b)",
						 &key, err, sizeof(err)), 0);
	assert_true(key);
	assert_int_equal(ccm_queue_pattern_check("(", &key, err, sizeof(err)),
			 -1);
}

/* A hostile line against a catastrophic pattern ends at the match limit,
 * as no match, instead of running for ages. */
static void test_match_limit(void **state)
{
	static const struct ccm_queue_rule evil = {
		.name = (char *)"evil",
		.match = (char *)"^(a+)+(?<component>b)",
	};
	char err[256], line[4096];
	struct ccm_queue_lines *q = ccm_queue_lines_new(&evil, 1, 1, err,
							sizeof(err));
	struct ccm_logmsg m;

	(void)state;
	assert_non_null(q);
	memset(line, 'a', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	assert_int_equal(rec(q, line, &m), CCM_MSG_NONE);
	ccm_queue_lines_free(q);
}

/* ---- through the engine and the scanner ---------------------------------- */

struct seen {
	int latency;
	ccm_ms wait;
	int bound;
};

static void on_change(void *ctx, const struct ccm_change *ch)
{
	struct seen *s = ctx;

	if (ch->kind == CCM_CHANGE_LATENCY) {
		s->latency++;
		s->wait = ch->wait;
	}
	if (ch->kind == CCM_CHANGE_ENDPOINT_BOUND)
		s->bound++;
}

static void test_engine_takes_waits(void **state)
{
	struct seen s = { 0 };
	struct ccm_engine_config cfg = { .latency_window = 60000 };
	struct ccm_engine *e = ccm_engine_new(&cfg, on_change, &s);
	struct ccm_logmsg m = {
		.kind = CCM_MSG_QUEUE_WAITED,
		.component = { COMP, strlen(COMP) },
		.wait = 30000,
	};
	const struct ccm_component *c;
	struct ccm_qlat_stats st;

	(void)state;
	assert_non_null(e);
	assert_int_equal(ccm_engine_feed(e, T0, &m, NULL), 0);
	assert_int_equal(s.latency, 1);
	assert_int_equal(s.wait, 30000);
	c = ccm_engine_component(e, "OP-CS1.imp1-example-com");
	assert_non_null(c);
	/* a wait is no transition: the component stays unknown, no incident */
	assert_int_equal(c->state, CCM_STATE_UNKNOWN);
	assert_false(c->have_incident);
	m.kind = CCM_MSG_QUEUE_START;
	m.key = (struct ccm_span){ "k", 1 };
	ccm_engine_feed(e, T0 + 1000, &m, NULL);
	assert_int_equal(s.latency, 1);
	m.kind = CCM_MSG_QUEUE_END;
	ccm_engine_feed(e, T0 + 1400, &m, NULL);
	assert_int_equal(s.latency, 2);
	assert_int_equal(s.wait, 400);
	ccm_qlat_stats(&c->latency, &st);
	assert_int_equal(st.count, 2);
	/* the engine's clock moves the window on */
	ccm_engine_advance(e, T0 + 60000);
	ccm_qlat_stats(&c->latency, &st);
	assert_int_equal(st.count, 1);
	assert_int_equal(ccm_engine_latency_window(e), 60000);
	ccm_engine_free(e);
}

/* A queue line between "Connecting" and the component's CONNECTED does not
 * make the engine forget whose endpoint it is. */
static void test_queue_line_keeps_pending_connect(void **state)
{
	struct seen s = { 0 };
	struct ccm_engine *e = ccm_engine_new(NULL, on_change, &s);
	struct ccm_logmsg conn = {
		.kind = CCM_MSG_CONNECTING,
		.host = { "10.0.0.1", 8 },
		.port = 7999,
		.fd = 22,
	};
	struct ccm_logmsg bounce = {
		.kind = CCM_MSG_QUEUE_WAITED,
		.component = { "other", 5 },
		.wait = 30000,
	};
	struct ccm_logmsg up = {
		.kind = CCM_MSG_COMPONENT_STATE,
		.component = { COMP, strlen(COMP) },
		.state = CCM_STATE_CONNECTED,
	};
	const struct ccm_component *c;

	(void)state;
	assert_non_null(e);
	ccm_engine_feed(e, T0, &conn, NULL);
	ccm_engine_feed(e, T0 + 1, &bounce, NULL);
	ccm_engine_feed(e, T0 + 2, &up, NULL);
	c = ccm_engine_component(e, COMP);
	assert_non_null(c);
	assert_non_null(c->endpoint);
	assert_string_equal(c->endpoint->host, "10.0.0.1");
	assert_int_equal(s.bound, 1);
	ccm_engine_free(e);
}

struct scanned {
	int waited, states;
};

static void on_scan(void *ctx, const struct ccm_logmsg *msg, ccm_ms t,
		    uint64_t line_no)
{
	struct scanned *s = ctx;

	(void)t;
	(void)line_no;
	if (msg->kind == CCM_MSG_QUEUE_WAITED)
		s->waited++;
	if (msg->kind == CCM_MSG_COMPONENT_STATE)
		s->states++;
}

static void test_scanner_reads_queue_lines(void **state)
{
	static const char LOG[] =
		"10:00:00.000 |debug Component " COMP " is ACTIVE\n"
		"10:00:01.000 |info an ordinary line\n"
		"10:00:02.000 |error Bouncing packet intended for " COMP "\r\n"
		"10:00:03.000 |error Bouncing packet intended for " COMP;
	char err[256];
	struct ccm_recognizer *r = ccm_recognizer_new(err, sizeof(err));
	struct ccm_scanner sc;
	struct ccm_clock clock;
	struct scanned s = { 0 };

	(void)state;
	assert_non_null(r);
	ccm_recognizer_set_queue(r, ccm_queue_lines_new(
				     ccm_queue_rule_builtin(), 1, 30000, err,
				     sizeof(err)));
	ccm_clock_init(&clock, CCM_BASIS_DATE, T0 - T0 % CCM_MS_PER_DAY);
	ccm_scanner_init(&sc, r, &clock, 0, on_scan, &s);
	/* fed in two pieces, the second bounce without its newline */
	assert_int_equal(ccm_scanner_feed(&sc, LOG, 70), 0);
	assert_int_equal(ccm_scanner_feed(&sc, LOG + 70, sizeof(LOG) - 71), 0);
	ccm_scanner_finish(&sc);
	assert_int_equal(s.states, 1);
	assert_int_equal(s.waited, 2);
	assert_int_equal(sc.stats.lines, 4);
	assert_int_equal(sc.stats.recognized, 3);
	/* without queue lines, the bounces are ordinary lines */
	ccm_recognizer_set_queue(r, NULL);
	memset(&s, 0, sizeof(s));
	ccm_scanner_release(&sc);
	ccm_scanner_init(&sc, r, &clock, 0, on_scan, &s);
	ccm_scanner_feed(&sc, LOG, sizeof(LOG) - 1);
	ccm_scanner_finish(&sc);
	assert_int_equal(s.waited, 0);
	assert_int_equal(sc.stats.recognized, 1);
	ccm_scanner_release(&sc);
	ccm_recognizer_free(r);
}

/* ---- when to judge queue-latency-high ------------------------------------ */

static void test_watch_judges_only_what_can_change(void **state)
{
	struct ccm_engine_config cfg = { .latency_window = 60000 };
	struct ccm_engine *e = ccm_engine_new(&cfg, NULL, NULL);
	struct ccm_latency_watch *w = ccm_latency_watch_new();
	struct ccm_logmsg m = {
		.kind = CCM_MSG_QUEUE_WAITED,
		.component = { COMP, strlen(COMP) },
		.wait = 30000,
	};
	const struct ccm_component *c, *due[4];
	char text[300];
	bool on = true;
	ccm_ms when;

	(void)state;
	assert_non_null(e);
	assert_non_null(w);
	ccm_engine_feed(e, T0, &m, NULL);
	c = ccm_engine_component(e, COMP);
	/* never judged: off; a short wait cannot raise it, a long one can */
	assert_false(ccm_latency_watch_wait(w, c, 4999, 5000));
	assert_true(ccm_latency_watch_wait(w, c, 5000, 5000));
	assert_false(ccm_latency_watch_next_due(w, &when));
	assert_int_equal(ccm_latency_watch_judge(w, c, T0, 5000, 60000, &on,
						 text, sizeof(text)), 0);
	assert_true(on);
	assert_non_null(strstr(text, "p95 30.000s, max 30.000s over 1 waits "
				     "in the last 1m (threshold 5s)"));
	/* on: only a short wait can clear it */
	assert_false(ccm_latency_watch_wait(w, c, 30000, 5000));
	assert_true(ccm_latency_watch_wait(w, c, 10, 5000));
	/* by the clock: when the wait leaves the window */
	assert_true(ccm_latency_watch_next_due(w, &when));
	assert_int_equal(when, T0 + 60000);
	assert_int_equal(ccm_latency_watch_due(w, T0 + 59999, due, 4), 0);
	assert_int_equal(ccm_latency_watch_due(w, T0 + 60000, due, 4), 1);
	assert_ptr_equal(due[0], c);
	/* at most once a second, however soon the oldest wait leaves */
	m.wait = 20000;
	ccm_engine_feed(e, T0 + 59990, &m, NULL);
	ccm_latency_watch_judge(w, c, T0 + 59990, 5000, 60000, &on, text,
				sizeof(text));
	assert_true(ccm_latency_watch_next_due(w, &when));
	assert_int_equal(when, T0 + 59990 + CCM_LATENCY_RECHECK);
	/* the window empty: off, nothing to watch */
	ccm_engine_advance(e, T0 + 200000);
	ccm_latency_watch_judge(w, c, T0 + 200000, 5000, 60000, &on, text,
				sizeof(text));
	assert_false(on);
	assert_non_null(strstr(text, "wait less than 5s again (0 waits"));
	assert_false(ccm_latency_watch_next_due(w, &when));
	/* the alarm turned off (threshold 0): a verdict still on is judged */
	assert_false(ccm_latency_watch_wait(w, c, 30000, 0));
	ccm_latency_watch_free(w);
	ccm_engine_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_percentiles_nearest_rank),
		cmocka_unit_test(test_one_sample_is_every_percentile),
		cmocka_unit_test(test_window_expires),
		cmocka_unit_test(test_full_window_keeps_the_newest),
		cmocka_unit_test(test_pairs_by_key),
		cmocka_unit_test(test_starts_given_up),
		cmocka_unit_test(test_builtin_bounce),
		cmocka_unit_test(test_pair_and_wait_rules),
		cmocka_unit_test(test_bad_patterns),
		cmocka_unit_test(test_match_limit),
		cmocka_unit_test(test_engine_takes_waits),
		cmocka_unit_test(test_queue_line_keeps_pending_connect),
		cmocka_unit_test(test_scanner_reads_queue_lines),
		cmocka_unit_test(test_watch_judges_only_what_can_change),
		cmocka_unit_test(test_percentiles_of_few_waits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: ISC */
/* The scanner: lines split right however the bytes arrive, dated, counted,
 * and overlong lines skipped whole. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "parsers/queue_lines.h"
#include "parsers/scanner.h"

#define MAX_SEEN 64

struct seen {
	size_t n;
	struct {
		enum ccm_msg_kind kind;
		char component[64];
		enum ccm_state state;
		ccm_ms time;
		uint64_t line;
		bool have_silence;
		ccm_ms silence_from, silence_to; /* from the message's time */
	} m[MAX_SEEN];
};

static void collect(void *ctx, const struct ccm_logmsg *msg, ccm_ms t,
		    uint64_t line_no)
{
	struct seen *s = ctx;

	assert_true(s->n < MAX_SEEN);
	s->m[s->n].kind = msg->kind;
	snprintf(s->m[s->n].component, sizeof(s->m[s->n].component), "%.*s",
		 (int)msg->component.n, msg->component.p);
	s->m[s->n].state = msg->state;
	s->m[s->n].time = t;
	s->m[s->n].line = line_no;
	s->m[s->n].have_silence = msg->have_silence;
	s->m[s->n].silence_to = t - msg->silence_ago;
	s->m[s->n].silence_from = s->m[s->n].silence_to - msg->silence;
	s->n++;
}

static int setup(void **state)
{
	char err[256];

	*state = ccm_recognizer_new(err, sizeof(err));
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	ccm_recognizer_free(*state);
	return 0;
}

static ccm_ms day(void)
{
	return ccm_days_from_civil(2026, 11, 3) * CCM_MS_PER_DAY;
}

static ccm_ms at(int h, int m, int s, int ms)
{
	return day() + ((h * 60 + m) * 60 + s) * INT64_C(1000) + ms;
}

/* Feeds text in pieces of step bytes (0: all at once). */
static void scan(void **state, const char *text, size_t len, size_t step,
		 size_t max_line, struct seen *seen,
		 struct ccm_scan_stats *stats)
{
	struct ccm_scanner sc;
	struct ccm_clock clock;

	memset(seen, 0, sizeof(*seen));
	ccm_clock_init(&clock, CCM_BASIS_DATE, day());
	ccm_scanner_init(&sc, *state, &clock, max_line, collect, seen);
	sc.untimed = at(7, 0, 0, 0);
	if (!step)
		step = len ? len : 1;
	for (size_t off = 0; off < len; off += step)
		assert_int_equal(ccm_scanner_feed(&sc, text + off,
						  len - off < step ? len - off :
								     step),
				 0);
	ccm_scanner_finish(&sc);
	*stats = sc.stats;
	ccm_scanner_release(&sc);
}

/* The same through ccm_scan_hints, as the reading thread gives them:
 * blocks of step bytes, each with its hints. */
static void scan_hinted(void **state, const char *text, size_t len,
			size_t step, struct seen *seen,
			struct ccm_scan_stats *stats)
{
	struct ccm_scanner sc;
	struct ccm_clock clock;
	struct ccm_scan_hints h = { 0 };

	memset(seen, 0, sizeof(*seen));
	ccm_clock_init(&clock, CCM_BASIS_DATE, day());
	ccm_scanner_init(&sc, *state, &clock, 0, collect, seen);
	sc.untimed = at(7, 0, 0, 0);
	if (!step)
		step = len ? len : 1;
	for (size_t off = 0; off < len; off += step) {
		size_t n = len - off < step ? len - off : step;

		assert_int_equal(ccm_scan_hints_find(&h, text + off, n), 0);
		assert_int_equal(ccm_scanner_feed_hinted(&sc, text + off, n,
							 &h), 0);
	}
	ccm_scanner_finish(&sc);
	*stats = sc.stats;
	ccm_scan_hints_release(&h);
	ccm_scanner_release(&sc);
}

static const char LOG[] =
	"Component op-early is GONE\n"                                /* 1 */
	"08:00:00.000 |info router started\n"                         /* 2 */
	"08:00:01.100 |debug Connecting on fd 22 to host 'h', port 1\n" /* 3 */
	"08:00:01.120 |info Component op-a is CONNECTED\r\n"          /* 4 */
	"  continuation of a stanza, Component op-a is ACTIVE\n"      /* 5 */
	"25:00:00.000 |info Component op-a is GONE\n"                 /* 6 */
	"08:00:03.000 |info Component manager ready\n"                /* 7 */
	"08:00:04.000 |info last line without newline Component op-b is GONE";

static void check_log(const struct seen *s, const struct ccm_scan_stats *st)
{
	assert_int_equal(st->lines, 8);
	assert_int_equal(st->recognized, 6);
	assert_int_equal(st->bad_time, 1);
	assert_int_equal(st->overlong, 0);
	assert_int_equal(s->n, 6);
	/* before the first dated line: the input's first time */
	assert_string_equal(s->m[0].component, "op-early");
	assert_int_equal(s->m[0].time, at(7, 0, 0, 0));
	assert_int_equal(s->m[0].line, 1);
	assert_int_equal(s->m[1].kind, CCM_MSG_CONNECTING);
	assert_int_equal(s->m[1].time, at(8, 0, 1, 100));
	assert_int_equal(s->m[1].line, 3);
	/* CRLF: the \r is not part of anything */
	assert_int_equal(s->m[2].state, CCM_STATE_CONNECTED);
	assert_int_equal(s->m[2].time, at(8, 0, 1, 120));
	/* an undated line inherits */
	assert_int_equal(s->m[3].state, CCM_STATE_ACTIVE);
	assert_int_equal(s->m[3].time, at(8, 0, 1, 120));
	assert_int_equal(s->m[3].line, 5);
	/* a malformed timestamp: counted, time inherited, message kept */
	assert_int_equal(s->m[4].state, CCM_STATE_GONE);
	assert_int_equal(s->m[4].time, at(8, 0, 1, 120));
	assert_int_equal(s->m[4].line, 6);
	/* the unterminated last line is scanned at finish */
	assert_string_equal(s->m[5].component, "op-b");
	assert_int_equal(s->m[5].time, at(8, 0, 4, 0));
	assert_int_equal(s->m[5].line, 8);
}

static void whole_buffer(void **state)
{
	struct seen s;
	struct ccm_scan_stats st;

	scan(state, LOG, sizeof(LOG) - 1, 0, 0, &s, &st);
	check_log(&s, &st);
}

static void every_chunking_gives_the_same_answer(void **state)
{
	struct seen s;
	struct ccm_scan_stats st;

	for (size_t step = 1; step < sizeof(LOG); step++) {
		scan(state, LOG, sizeof(LOG) - 1, step, 0, &s, &st);
		check_log(&s, &st);
		scan_hinted(state, LOG, sizeof(LOG) - 1, step, &s, &st);
		check_log(&s, &st);
	}
}

/* A message inside an overlong line is not recognised, however the line
 * arrives, and the lines around it are. */
static void overlong_line_skipped_whole(void **state)
{
	const size_t max = 100;
	char text[1024];
	size_t len = 0;
	struct seen s;
	struct ccm_scan_stats st;

	len += (size_t)sprintf(text + len, "08:00:00.000 Component op-a is GONE\n");
	len += (size_t)sprintf(text + len, "08:00:01.000 ");
	memset(text + len, 'x', 150);
	len += 150;
	len += (size_t)sprintf(text + len, " Component op-bad is GONE\n");
	len += (size_t)sprintf(text + len, "08:00:02.000 Component op-c is GONE\n");

	for (size_t step = 0; step < len; step += step < 20 ? 1 : 37) {
		scan(state, text, len, step, max, &s, &st);
		assert_int_equal(st.lines, 3);
		assert_int_equal(st.overlong, 1);
		assert_int_equal(st.recognized, 2);
		assert_int_equal(s.n, 2);
		assert_string_equal(s.m[0].component, "op-a");
		assert_string_equal(s.m[1].component, "op-c");
		assert_int_equal(s.m[1].line, 3);
		assert_int_equal(s.m[1].time, at(8, 0, 2, 0));
	}
}

static void line_exactly_at_limit_is_kept(void **state)
{
	static const char text[] = "Component op-a is GONE\n";
	struct seen s;
	struct ccm_scan_stats st;

	scan(state, text, sizeof(text) - 1, 5, sizeof(text) - 2, &s, &st);
	assert_int_equal(st.overlong, 0);
	assert_int_equal(s.n, 1);
	scan(state, text, sizeof(text) - 1, 5, sizeof(text) - 3, &s, &st);
	assert_int_equal(st.overlong, 1);
	assert_int_equal(s.n, 0);
}

static void nul_bytes_do_not_stop_the_scan(void **state)
{
	static const char text[] = "08:00:00.000 \0\0\xff junk\n"
				   "08:00:01.000 x\0 Component op-z is ACTIVE\n";
	struct seen s;
	struct ccm_scan_stats st;

	scan(state, text, sizeof(text) - 1, 0, 0, &s, &st);
	assert_int_equal(st.lines, 2);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.m[0].component, "op-z");
	assert_int_equal(s.m[0].time, at(8, 0, 1, 0));
}

static void until_stops_the_scan(void **state)
{
	static const char text[] = "08:00:00.000 Component op-a is GONE\n"
				   "08:00:10.000 Component op-a is ACTIVE\n"
				   "08:00:20.000 Component op-a is GONE\n";
	struct ccm_scanner sc;
	struct ccm_clock clock;
	struct seen s = { 0 };

	ccm_clock_init(&clock, CCM_BASIS_DATE, day());
	ccm_scanner_init(&sc, *state, &clock, 0, collect, &s);
	sc.have_until = true;
	sc.until = at(8, 0, 10, 0);
	assert_int_equal(ccm_scanner_feed(&sc, text, sizeof(text) - 1), 0);
	assert_true(sc.stopped);
	/* later data is ignored */
	assert_int_equal(ccm_scanner_feed(&sc, text, sizeof(text) - 1), 0);
	ccm_scanner_finish(&sc);
	assert_int_equal(s.n, 2);
	assert_int_equal(sc.stats.lines, 2);
	ccm_scanner_release(&sc);
}

/* Each message carries how long the log was silent before it, over
 * every line since the previous message: the latest gap of silence_min
 * or more, else the longest (a router restart, agent/core/engine.h). */
static void silence_before_a_message(void **state)
{
	static const char text[] = "08:00:00.000 Component op-a is ACTIVE\n"
				   "08:00:01.000 |debug heartbeat\n"
				   "08:01:00.000 |debug heartbeat\n"
				   "08:01:40.000 |info router starting\n"
				   "08:01:40.100 Component op-a is CONNECTED\n"
				   "08:01:40.200 Component op-a is ACTIVE\n";
	struct ccm_scanner sc;
	struct ccm_clock clock;
	struct seen s = { 0 };

	ccm_clock_init(&clock, CCM_BASIS_DATE, day());
	ccm_scanner_init(&sc, *state, &clock, 0, collect, &s);
	sc.silence_min = 30000;
	assert_int_equal(ccm_scanner_feed(&sc, text, sizeof(text) - 1), 0);
	ccm_scanner_finish(&sc);
	ccm_scanner_release(&sc);
	assert_int_equal(s.n, 3);
	assert_false(s.m[0].have_silence); /* nothing before it */
	/* 59 s and then 40 s: the latest silence of 30 s or more */
	assert_true(s.m[1].have_silence);
	assert_int_equal(s.m[1].silence_from, at(8, 1, 0, 0));
	assert_int_equal(s.m[1].silence_to, at(8, 1, 40, 0));
	assert_true(s.m[2].have_silence);
	assert_int_equal(s.m[2].silence_to - s.m[2].silence_from, 100);

	/* without silence_min: the longest gap */
	memset(&s, 0, sizeof(s));
	ccm_clock_init(&clock, CCM_BASIS_DATE, day());
	ccm_scanner_init(&sc, *state, &clock, 0, collect, &s);
	assert_int_equal(ccm_scanner_feed(&sc, text, sizeof(text) - 1), 0);
	ccm_scanner_finish(&sc);
	ccm_scanner_release(&sc);
	assert_int_equal(s.m[1].silence_from, at(8, 0, 1, 0));
	assert_int_equal(s.m[1].silence_to, at(8, 1, 0, 0));
}

/* The hand check in front of the regular expression (parsers/logline.c
 * plausible()) rejects only what the pattern would: a false hit before a
 * real message, and the edges of each alternative. */
static void prefilter_keeps_every_message(void **state)
{
	static const struct {
		const char *line;
		enum ccm_msg_kind kind;
		const char *what; /* component, or host */
	} cases[] = {
		{ "the component count is 4; Component op-x is ACTIVE",
		  CCM_MSG_COMPONENT_STATE, "op-x" },
		{ "Component op-x is ACTIVEly", CCM_MSG_NONE, NULL },
		{ "Component \"q\" is ACTIVE", CCM_MSG_NONE, NULL },
		{ "Component  is ACTIVE", CCM_MSG_NONE, NULL },
		{ "Component op-x\tis ACTIVE", CCM_MSG_NONE, NULL },
		{ "omponent op-x is ACTIVE", CCM_MSG_NONE, NULL },
		{ "failed to connect to component cache", CCM_MSG_NONE, NULL },
		{ "x Failed to connect to component op-y.",
		  CCM_MSG_COMPONENT_FAILED, "op-y" },
		{ "Failed to connect to component ", CCM_MSG_NONE, NULL },
		{ "Connecting on fd 123456789 to host 'h', port 7",
		  CCM_MSG_CONNECTING, "h" },
		{ "Connecting on fd 1234567890 to host 'h', port 7",
		  CCM_MSG_NONE, NULL },
		{ "Connecting on fd  to host 'h', port 7", CCM_MSG_NONE, NULL },
		{ "a to host 'h'; Unable to connect to host 'g', port 7:(111) no",
		  CCM_MSG_CONNECT_FAILED, "g" },
		{ "Unable to connect to host 'h', port 7", CCM_MSG_NONE, NULL },
		{ "Component op is CONNECTING", CCM_MSG_NONE, NULL },
		{ "Component op is GONE_", CCM_MSG_NONE, NULL },
		{ "Component op is GONE.", CCM_MSG_COMPONENT_STATE, "op" },
		{ "Unable to connect to host 'h', port 7: timed out",
		  CCM_MSG_NONE, NULL },
		{ "Unable to connect to host 'h', port 7 :(111) refused",
		  CCM_MSG_CONNECT_FAILED, "h" },
		{ "Unable to connect to host 'h', port 123456:(111) refused",
		  CCM_MSG_NONE, NULL },
		{ "Unable to connect to host 'h', port :(111) refused",
		  CCM_MSG_NONE, NULL },
		{ "Connecting on fd 3 to host 'h', port 123456", CCM_MSG_NONE,
		  NULL },
		{ "Connecting on fd 3 to host 'h', port 80x", CCM_MSG_NONE,
		  NULL },
		{ "Connecting on fd 3 to host 'h', port 12345.",
		  CCM_MSG_CONNECTING, "h" },
		{ "Connecting on fd 3 to host 'h' port 1", CCM_MSG_NONE, NULL },
		{ "Connecting on fd 3 to host '', port 1", CCM_MSG_CONNECTING,
		  "" },
	};
	struct ccm_logmsg m;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *l = cases[i].line;
		struct ccm_span got;

		assert_int_equal(ccm_recognize(*state, l, strlen(l), &m),
				 cases[i].kind);
		if (!cases[i].what)
			continue;
		got = cases[i].kind == CCM_MSG_CONNECTING ||
		      cases[i].kind == CCM_MSG_CONNECT_FAILED ? m.host :
								m.component;
		assert_int_equal(got.n, strlen(cases[i].what));
		assert_memory_equal(got.p, cases[i].what, got.n);
	}
}

/* The queue lines' prefilter: a pattern's leading literal where its syntax
 * guarantees one, else every line a candidate. */
static const char *queue_next(const char *pattern, const char *buf)
{
	struct ccm_queue_rule rules[2] = { *ccm_queue_rule_builtin() };
	struct ccm_queue_lines *q;
	struct ccm_queue_filter f;
	const char *hit;
	char err[256];

	rules[1].name = (char *)"test";
	rules[1].match = (char *)pattern;
	q = ccm_queue_lines_new(rules, pattern ? 2 : 1, 1000, err,
				sizeof(err));
	assert_non_null(q);
	ccm_queue_filter_start(&f, q, buf, strlen(buf));
	hit = ccm_queue_filter_from(&f, buf);
	ccm_queue_lines_free(q);
	return hit;
}

static void queue_prefilter(void **state)
{
	const char *none = "a line\nanother\n";
	const char *bounce = "a line\nx Bouncing packet intended for op-z\n";

	(void)state;
	assert_null(queue_next(NULL, none));
	assert_ptr_equal(queue_next(NULL, bounce), bounce + 9);
	/* "Waitx?": the x is optional, "Wait" is the literal */
	assert_ptr_equal(queue_next("Waitx? for (?<component>\\S+)",
				    "ab\nWait for q\n"),
			 "ab\nWait for q\n" + 3);
	/* a literal of common bytes only (memmem), and one whose rare byte
	 * comes too near the end of the region (memchr) */
	assert_ptr_equal(queue_next("wait for (?<component>\\S+)",
				    "ab\nwait for q\n"),
			 "ab\nwait for q\n" + 3);
	assert_null(queue_next(NULL, "a line\nx Bouncing packet"));
	assert_null(queue_next(NULL, "B"));
	/* no literal every match starts with: every line */
	assert_ptr_equal(queue_next("(?:x|y) for (?<component>\\S+)", none),
			 none);
	assert_ptr_equal(queue_next("Wait for (?<component>\\S+)|other", none),
			 none);
	assert_ptr_equal(queue_next("[W]ait (?<component>\\S+)", none), none);
	/* fewer than three plain bytes: not worth a search */
	assert_ptr_equal(queue_next("Wa(?<component>\\S+)", none), none);
	/* an alternation inside a group or a class is no obstacle */
	assert_null(queue_next("Wait (?:on|for) [|(](?<component>\\S+)",
			       none));
}

/* The clock's same-second shortcut (parsers/timestamp.c same_second())
 * answers as the full read: across midnight, at the layout's edges. */
static void trace_clock_within_a_second(void **state)
{
	static const struct {
		const char *line;
		enum ccm_ts_result res;
		int h, m, s, ms, next_day;
	} cases[] = {
		{ "23:59:59.900 |a", CCM_TS_OK, 23, 59, 59, 900, 0 },
		{ "23:59:59.950|b", CCM_TS_OK, 23, 59, 59, 950, 0 },
		{ "23:59:59.9x0 |c", CCM_TS_ABSENT, 23, 59, 59, 950, 0 },
		{ "23:59:59.9500 |d", CCM_TS_ABSENT, 23, 59, 59, 950, 0 },
		{ "23:59:59.940\tthreads interleave", CCM_TS_OK, 23, 59, 59,
		  940, 0 },
		{ "00:00:00.010 |e", CCM_TS_OK, 0, 0, 0, 10, 1 },
		{ "00:00:00.020", CCM_TS_OK, 0, 0, 0, 20, 1 },
		{ "00:00:00:020 |f", CCM_TS_ABSENT, 0, 0, 0, 20, 1 },
		{ "00:00:00.005\r", CCM_TS_OK, 0, 0, 0, 5, 1 },
	};
	struct ccm_clock clock;

	(void)state;
	ccm_clock_init(&clock, CCM_BASIS_DATE, day());
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ccm_ms t = 0;

		assert_int_equal(ccm_clock_read(&clock, cases[i].line,
						strlen(cases[i].line), &t),
				 cases[i].res);
		assert_int_equal(t, at(cases[i].h, cases[i].m, cases[i].s,
				       cases[i].ms) +
					    cases[i].next_day * CCM_MS_PER_DAY);
	}
	assert_int_equal(clock.earliest, at(23, 59, 59, 900));
	assert_int_equal(clock.latest, at(0, 0, 0, 20) + CCM_MS_PER_DAY);
}

/* The region prefilter looks around a literal without finding its line
 * first: what stands before a newline must not count. */
static void prefilter_stops_at_newlines(void **state)
{
	static const char text[] =
		"08:00:00.000 x Failed to connect to c\nomponent op-q\n"
		"08:00:00.001 Component\nop is ACTIVE\n"
		"08:00:00.002 Component op\n is ACTIVE\n"
		"08:00:00.003 Unable to connect\n to host 'h', port 1:(1) r\n"
		"08:00:00.004 Connecting on fd 7\n to host 'h', port 1\n"
		"08:00:00.005 Connecting on fd 7 to host 'h\n', port 1\n"
		"08:00:00.006 Connecting on fd 7 to host 'h', port 1\n";
	struct seen s;
	struct ccm_scan_stats st;

	for (size_t step = 0; step < sizeof(text); step += 7) {
		for (int hinted = 0; hinted < 2; hinted++) {
			if (hinted)
				scan_hinted(state, text, sizeof(text) - 1,
					    step, &s, &st);
			else
				scan(state, text, sizeof(text) - 1, step, 0,
				     &s, &st);
			assert_int_equal(st.lines, 13);
			assert_int_equal(st.recognized, 1);
			assert_int_equal(s.m[0].kind, CCM_MSG_CONNECTING);
			assert_int_equal(s.m[0].line, 13);
		}
	}
}

static void empty_input(void **state)
{
	struct seen s;
	struct ccm_scan_stats st;

	scan(state, "", 0, 0, 0, &s, &st);
	assert_int_equal(st.lines, 0);
	scan(state, "\n\n\r\n", 4, 1, 0, &s, &st);
	assert_int_equal(st.lines, 3);
	assert_int_equal(s.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(whole_buffer),
		cmocka_unit_test(every_chunking_gives_the_same_answer),
		cmocka_unit_test(overlong_line_skipped_whole),
		cmocka_unit_test(line_exactly_at_limit_is_kept),
		cmocka_unit_test(nul_bytes_do_not_stop_the_scan),
		cmocka_unit_test(until_stops_the_scan),
		cmocka_unit_test(empty_input),
		cmocka_unit_test(silence_before_a_message),
		cmocka_unit_test(prefilter_keeps_every_message),
		cmocka_unit_test(queue_prefilter),
		cmocka_unit_test(prefilter_stops_at_newlines),
		cmocka_unit_test(trace_clock_within_a_second),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

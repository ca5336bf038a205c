/* SPDX-License-Identifier: ISC */
/* Recognition of the four component messages, wherever they sit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "parsers/logline.h"

static int setup(void **state)
{
	char err[256];

	*state = ccm_recognizer_new(err, sizeof(err));
	if (!*state)
		fprintf(stderr, "%s\n", err);
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	ccm_recognizer_free(*state);
	return 0;
}

static enum ccm_msg_kind rec(void **state, const char *line,
			     struct ccm_logmsg *m)
{
	return ccm_recognize(*state, line, strlen(line), m);
}

static void assert_span(struct ccm_span s, const char *want)
{
	assert_int_equal(s.n, strlen(want));
	assert_memory_equal(s.p, want, s.n);
}

static void component_states_bare(void **state)
{
	struct ccm_logmsg m;
	static const struct {
		const char *line;
		enum ccm_state st;
	} cases[] = {
		{ "Component op-gwydlvm131.gwydlvm1153-cisco-com is CONNECTED",
		  CCM_STATE_CONNECTED },
		{ "Component op-gwydlvm131.gwydlvm1153-cisco-com is ACTIVE",
		  CCM_STATE_ACTIVE },
		{ "Component op-gwydlvm131.gwydlvm1153-cisco-com is GONE",
		  CCM_STATE_GONE },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(rec(state, cases[i].line, &m),
				 CCM_MSG_COMPONENT_STATE);
		assert_int_equal(m.state, cases[i].st);
		assert_span(m.component, "op-gwydlvm131.gwydlvm1153-cisco-com");
	}
}

static void component_state_with_prefixes(void **state)
{
	struct ccm_logmsg m;

	assert_int_equal(rec(state, "12:29:24.762 |info jsm-1.imp1 jsm "
			     "Component op-cs1.imp1-example-com is GONE", &m),
			 CCM_MSG_COMPONENT_STATE);
	assert_span(m.component, "op-cs1.imp1-example-com");
	assert_int_equal(m.state, CCM_STATE_GONE);

	assert_int_equal(rec(state, "xwayc XCP_JABBERD[23843]: UTCTime=\"2014-"
			     "03-25 17:19:45,843\" Module=\"Jabber\" Level=\"INFO"
			     " \" Detail=\"Component jabberd-port-1.x is ACTIVE\"",
			     &m),
			 CCM_MSG_COMPONENT_STATE);
	assert_span(m.component, "jabberd-port-1.x");
	assert_int_equal(m.state, CCM_STATE_ACTIVE);
}

static void component_state_rejects_lookalikes(void **state)
{
	struct ccm_logmsg m;
	static const char *const lines[] = {
		"Component manager started",
		"Component op-cs1 is CONNECTING",  /* \b: a longer word */
		"Component op-cs1 is active",      /* vendor writes capitals */
		"component op-cs1 is GONE",        /* small c is another text */
		"Component  is GONE",
		"connection pool size 8, Connecting threads 4",
		"",
	};

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		assert_int_equal(rec(state, lines[i], &m), CCM_MSG_NONE);
}

static void trailing_punctuation_is_not_the_name(void **state)
{
	struct ccm_logmsg m;

	assert_int_equal(rec(state, "Failed to connect to component "
			     "op-a.b-c.", &m), CCM_MSG_COMPONENT_FAILED);
	assert_span(m.component, "op-a.b-c");
	/* each mark that may end the sentence */
	static const char *const ends[] = { ".", ",", ";", ":", ";.", ":;" };
	for (size_t i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
		char line[96];

		snprintf(line, sizeof(line), "Failed to connect to component "
			 "op-a.b-c%s", ends[i]);
		assert_int_equal(rec(state, line, &m),
				 CCM_MSG_COMPONENT_FAILED);
		assert_span(m.component, "op-a.b-c");
	}
	/* a NUL is not punctuation (strchr would match its terminator) */
	assert_int_equal(ccm_recognize(*state, "Component a\0 is GONE", 20,
				       &m), CCM_MSG_COMPONENT_STATE);
	assert_int_equal(m.component.n, 2);
}

static void connecting(void **state)
{
	struct ccm_logmsg m;

	assert_int_equal(rec(state, "Connecting on fd 22 to host "
			     "'10.53.52.205', port 7999", &m),
			 CCM_MSG_CONNECTING);
	assert_int_equal(m.fd, 22);
	assert_span(m.host, "10.53.52.205");
	assert_int_equal(m.port, 7999);

	assert_int_equal(rec(state, "... Detail=\"Connecting on fd 28 to host "
			     "'cs.example.com', port 7400\"", &m),
			 CCM_MSG_CONNECTING);
	assert_span(m.host, "cs.example.com");
	assert_int_equal(m.port, 7400);
}

static void connect_failed(void **state)
{
	struct ccm_logmsg m;

	assert_int_equal(rec(state, "Unable to connect to host '10.53.52.205', "
			     "port 7999:(111) Connection refused", &m),
			 CCM_MSG_CONNECT_FAILED);
	assert_span(m.host, "10.53.52.205");
	assert_int_equal(m.port, 7999);
	assert_int_equal(m.err, 111);
	assert_span(m.reason, "Connection refused");

	/* Expressway: a space before the colon, the reason ends at the quote */
	assert_int_equal(rec(state, "Level=\"ERROR\" CodeLocation=\"mio.c:1121\""
			     " Detail=\" Unable to connect to host '10.48.36.171',"
			     " port 7400 :(113) No route to host\"", &m),
			 CCM_MSG_CONNECT_FAILED);
	assert_span(m.host, "10.48.36.171");
	assert_int_equal(m.port, 7400);
	assert_int_equal(m.err, 113);
	assert_span(m.reason, "No route to host");

	/* trailing blanks are the line's, not the reason's */
	assert_int_equal(rec(state, "Unable to connect to host 'h', port 1:(110)"
			     " Connection timed out  ", &m),
			 CCM_MSG_CONNECT_FAILED);
	assert_span(m.reason, "Connection timed out");
}

static void connect_rejects_bad_ports(void **state)
{
	struct ccm_logmsg m;

	assert_int_equal(rec(state, "Connecting on fd 3 to host 'h', port 70000",
			     &m), CCM_MSG_NONE);
	/* the last port, then one past it */
	assert_int_equal(rec(state, "Connecting on fd 3 to host 'h', port 65535",
			     &m), CCM_MSG_CONNECTING);
	assert_int_equal(m.port, 65535);
	assert_int_equal(rec(state, "Connecting on fd 3 to host 'h', port 65536",
			     &m), CCM_MSG_NONE);
	assert_int_equal(rec(state, "Unable to connect to host 'h', port 65535:"
			     "(111) Connection refused", &m),
			 CCM_MSG_CONNECT_FAILED);
	assert_int_equal(m.port, 65535);
	assert_int_equal(rec(state, "Unable to connect to host 'h', port 65536:"
			     "(111) Connection refused", &m), CCM_MSG_NONE);
	assert_int_equal(rec(state, "Connecting on fd 3 to host 'h', port x",
			     &m), CCM_MSG_NONE);
	assert_int_equal(rec(state, "Connecting on fd 3 to host 'h', port 123456",
			     &m), CCM_MSG_NONE);
}

static void component_failed(void **state)
{
	struct ccm_logmsg m;

	assert_int_equal(rec(state, "... Level=\"ERROR\" CodeLocation= "
			     "\"base_connection.cpp:104\" Detail=\" Failed to "
			     "connect to component jabberd-port-1.expresswayc-"
			     "vngtp-lab\"", &m),
			 CCM_MSG_COMPONENT_FAILED);
	assert_span(m.component, "jabberd-port-1.expresswayc-vngtp-lab");
}

static void binary_garbage_and_nul(void **state)
{
	struct ccm_logmsg m;
	static const char line[] = "\xff\xfe\x00garbage\xc3\x28 Component "
				   "op-x is GONE \x80";

	assert_int_equal(ccm_recognize(*state, line, sizeof(line) - 1, &m),
			 CCM_MSG_COMPONENT_STATE);
	assert_span(m.component, "op-x");
	assert_int_equal(m.state, CCM_STATE_GONE);
}

static void length_is_respected(void **state)
{
	struct ccm_logmsg m;
	static const char line[] = "Component op-x is GONE";

	/* cut before the state word: nothing may be read past len */
	assert_int_equal(ccm_recognize(*state, line, sizeof(line) - 6, &m),
			 CCM_MSG_NONE);
	/* a NUL in the middle does not end the line */
	assert_int_equal(ccm_recognize(*state, "a\0Component op-x is ACTIVE",
				       26, &m),
			 CCM_MSG_COMPONENT_STATE);
}

static void hostile_long_line_is_bounded(void **state)
{
	/* Many near-misses in one line: the match limit keeps this cheap
	 * and the answer stays correct. */
	size_t n = 1 << 20;
	char *line = malloc(n + 64);
	size_t len = 0;
	struct ccm_logmsg m;

	assert_non_null(line);
	while (len + 32 < n) {
		memcpy(line + len, "Component x is ", 15);
		len += 15;
	}
	memcpy(line + len, "Component op-y is GONE", 22);
	len += 22;
	assert_int_equal(ccm_recognize(*state, line, len, &m),
			 CCM_MSG_COMPONENT_STATE);
	assert_span(m.component, "op-y");
	free(line);
}

static void prefilter_cursor(void **state)
{
	static const char buf[] = "aaa to host 'x' bbb Component x ccc "
				  "omponent yy to host 'z'";
	struct ccm_prefilter pf;
	const char *h;

	(void)state;
	ccm_prefilter_start(&pf, buf, sizeof(buf) - 1);
	h = ccm_prefilter_from(&pf, buf);
	assert_ptr_equal(h, strstr(buf, " to host"));
	h = ccm_prefilter_from(&pf, h + 1);
	assert_ptr_equal(h, strstr(buf, "omponent x"));
	h = ccm_prefilter_from(&pf, h + 1);
	assert_ptr_equal(h, strstr(buf, "omponent yy"));
	h = ccm_prefilter_from(&pf, h + 1);
	assert_ptr_equal(h, strstr(buf, " to host 'z'"));
	assert_null(ccm_prefilter_from(&pf, h + 1));
}

static const char *naive_next(const char *p, const char *end)
{
	static const char *const lits[] = { "omponent ", " to host '" };

	for (; p < end; p++)
		for (size_t i = 0; i < 2; i++)
			if ((size_t)(end - p) >= strlen(lits[i]) &&
			    !memcmp(p, lits[i], strlen(lits[i])))
				return p;
	return NULL;
}

/* The vector filter against a plain search: literals at every alignment,
 * near-misses sharing the filter's byte pairs, and the buffer's tail. */
static void prefilter_matches_naive_search(void **state)
{
	static const char *const pieces[] = {
		"omponent ", " to host '", "mp", " '", "omponent", " to host",
		"x", "Component op-a is GONE\n", "comp", "ompo", "e", " ",
	};
	uint32_t seed = 7;
	char buf[300];

	(void)state;
	for (int round = 0; round < 20000; round++) {
		size_t len = 0, target;
		struct ccm_prefilter pf;
		const char *got, *want, *from;

		seed = seed * 1103515245u + 12345u;
		target = (seed >> 8) % (sizeof(buf) - 20);
		while (len < target) {
			const char *s;
			seed = seed * 1103515245u + 12345u;
			s = pieces[(seed >> 8) % (sizeof(pieces) / sizeof(*pieces))];
			if (len + strlen(s) > target)
				break;
			memcpy(buf + len, s, strlen(s));
			len += strlen(s);
		}
		ccm_prefilter_start(&pf, buf, len);
		from = buf;
		do {
			want = naive_next(from, buf + len);
			got = ccm_prefilter_from(&pf, from);
			assert_ptr_equal(got, want);
			from = got ? got + 1 : NULL;
		} while (from);
	}
}

static void state_names(void **state)
{
	(void)state;
	assert_string_equal(ccm_state_name(CCM_STATE_UNKNOWN), "unknown");
	assert_string_equal(ccm_state_name(CCM_STATE_CONNECTED), "connected");
	assert_string_equal(ccm_state_name(CCM_STATE_ACTIVE), "active");
	assert_string_equal(ccm_state_name(CCM_STATE_GONE), "gone");
	assert_string_equal(ccm_state_name((enum ccm_state)42), "invalid");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(component_states_bare),
		cmocka_unit_test(component_state_with_prefixes),
		cmocka_unit_test(component_state_rejects_lookalikes),
		cmocka_unit_test(trailing_punctuation_is_not_the_name),
		cmocka_unit_test(connecting),
		cmocka_unit_test(connect_failed),
		cmocka_unit_test(connect_rejects_bad_ports),
		cmocka_unit_test(component_failed),
		cmocka_unit_test(binary_garbage_and_nul),
		cmocka_unit_test(length_is_respected),
		cmocka_unit_test(hostile_long_line_is_bounded),
		cmocka_unit_test(prefilter_cursor),
		cmocka_unit_test(prefilter_matches_naive_search),
		cmocka_unit_test(state_names),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

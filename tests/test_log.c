/* SPDX-License-Identifier: ISC */
/* ccmond's own messages (agent/io/log.h): the threshold drops what is
 * less urgent before it is formatted, LOG_DEBUG lets the debug lines
 * through, the text is cleaned for display, and the core's trace hook
 * writes at the debug level. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "agent/io/log.h"

struct capture {
	struct ccm_log log;
	char *text;
	size_t len;
};

static struct capture *open_capture(int threshold)
{
	struct capture *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	ccm_log_open(&c->log, "ccmond", true, LOG_DAEMON);
	assert_int_equal(c->log.to, CCM_LOG_STDERR);
	assert_int_equal(c->log.threshold, LOG_INFO);
	c->log.threshold = threshold;
	c->log.out = open_memstream(&c->text, &c->len);
	assert_non_null(c->log.out);
	return c;
}

static const char *written(struct capture *c)
{
	fflush(c->log.out);
	return c->text ? c->text : "";
}

static void close_capture(struct capture *c)
{
	fclose(c->log.out);
	free(c->text);
	free(c);
}

static void say_trace(struct capture *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ccm_log_trace(&c->log, fmt, ap);
	va_end(ap);
}

static void default_threshold_is_info(void **state)
{
	struct capture *c = open_capture(LOG_INFO);

	(void)state;
	ccm_say(&c->log, LOG_ERR, "broken %d", 1);
	ccm_say(&c->log, LOG_INFO, "told %s", "x");
	ccm_say(&c->log, LOG_DEBUG, "why %d", 2);
	say_trace(c, "traced %d", 3);
	assert_string_equal(written(c), "ccmond: broken 1\nccmond: told x\n");
	assert_true(ccm_log_enabled(&c->log, LOG_INFO));
	assert_false(ccm_log_enabled(&c->log, LOG_DEBUG));
	close_capture(c);
}

static void debug_threshold_says_why(void **state)
{
	struct capture *c = open_capture(LOG_DEBUG);

	(void)state;
	ccm_say(&c->log, LOG_DEBUG, "why %d", 2);
	say_trace(c, "traced %s", "here");
	assert_string_equal(written(c), "ccmond: why 2\nccmond: traced here\n");
	assert_true(ccm_log_enabled(&c->log, LOG_DEBUG));
	close_capture(c);
}

/* A name from a log carries no escape sequence nor a second line to the
 * terminal or the journal. */
static void text_is_cleaned(void **state)
{
	struct capture *c = open_capture(LOG_INFO);
	const char *out;

	(void)state;
	ccm_say(&c->log, LOG_WARNING, "%s", "a\x1b[31mb\nccmond: forged");
	out = written(c);
	assert_null(strchr(out, '\x1b'));
	assert_non_null(strchr(out, '\n'));
	assert_int_equal(strchr(out, '\n') - out, (long)strlen(out) - 1);
	close_capture(c);
}

static void no_log_says_nothing(void **state)
{
	(void)state;
	ccm_say(NULL, LOG_ERR, "nowhere %d", 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(default_threshold_is_info),
		cmocka_unit_test(debug_threshold_says_why),
		cmocka_unit_test(text_is_cleaned),
		cmocka_unit_test(no_log_says_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

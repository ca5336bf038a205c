/* SPDX-License-Identifier: ISC */
/* Unit tests for parsers/timestamp.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "parsers/timestamp.h"

#define HOUR INT64_C(3600000)

/* Expected values are built from the day number, never from the code's
 * own formatting, so that a test cannot agree with a bug. */
static ccm_ms at(int y, unsigned mo, unsigned d, unsigned h, unsigned mi,
		 unsigned s, unsigned ms)
{
	return ccm_days_from_civil(y, mo, d) * CCM_MS_PER_DAY +
	       (((ccm_ms)h * 60 + mi) * 60 + s) * 1000 + ms;
}

static enum ccm_ts_result rd(struct ccm_clock *c, const char *line,
			     ccm_ms *out)
{
	return ccm_clock_read(c, line, strlen(line), out);
}

/* Asserts that line reads OK as want. */
static void read_ok(struct ccm_clock *c, const char *line, ccm_ms want)
{
	ccm_ms t = -1;

	assert_int_equal(rd(c, line, &t), CCM_TS_OK);
	assert_int_equal(t, want);
	assert_true(c->have_last);
	assert_int_equal(c->last, want);
}

/* Asserts that line reads as res, with the time it inherits and no change
 * to the clock. */
static void read_not_ok(struct ccm_clock *c, const char *line,
			enum ccm_ts_result res)
{
	struct ccm_clock before = *c;
	ccm_ms t = INT64_C(-77);

	assert_int_equal(rd(c, line, &t), res);
	assert_int_equal(t, before.have_last ? before.last : INT64_C(-77));
	assert_int_equal(c->shape, before.shape);
	assert_int_equal(c->basis, before.basis);
	assert_int_equal(c->basis_time, before.basis_time);
	assert_int_equal(c->day, before.day);
	assert_int_equal(c->year, before.year);
	assert_int_equal(c->have_last, before.have_last);
	assert_int_equal(c->last, before.last);
}

static void test_shape_names(void **state)
{
	(void)state;
	assert_string_equal(ccm_ts_shape_name(CCM_TS_NONE), "none");
	assert_string_equal(ccm_ts_shape_name(CCM_TS_TRACE), "trace");
	assert_string_equal(ccm_ts_shape_name(CCM_TS_LOG4J), "log4j");
	assert_string_equal(ccm_ts_shape_name(CCM_TS_EXPRESSWAY),
			    "expressway");
	assert_string_equal(ccm_ts_shape_name(CCM_TS_ISO8601), "iso8601");
	assert_string_equal(ccm_ts_shape_name(CCM_TS_SYSLOG), "syslog");
}

static void assert_detect(const char *line, enum ccm_ts_shape want)
{
	assert_int_equal(ccm_ts_detect(line, strlen(line)), want);
}

static void test_detect(void **state)
{
	(void)state;
	assert_detect("12:29:24.762 |debug sdns_plugin-1 starting",
		      CCM_TS_TRACE);
	assert_detect("12:29:24.762|debug", CCM_TS_TRACE);
	assert_detect("12:29:24.762", CCM_TS_TRACE);
	assert_detect("12:29:24.762\r", CCM_TS_TRACE);
	assert_detect("12:29:24.762\t|debug x", CCM_TS_TRACE);
	assert_detect("12:29:24.762\r|debug x", CCM_TS_TRACE);
	assert_detect("12:29:24.762\v|debug x", CCM_TS_NONE);
	assert_detect("2024-12-11 14:20:52,650 FATAL [XCPConfigMgr] x",
		      CCM_TS_LOG4J);
	assert_detect("2024-12-11 14:20:52.650 INFO", CCM_TS_LOG4J);
	assert_detect("xwayc XCP_JABBERD[23843]: UTCTime=\"2014-03-25 "
		      "17:19:45,843\" Module=\"Jabber\" Level=\"INFO \"",
		      CCM_TS_EXPRESSWAY);
	/* The syslog prefix must not win over the Expressway field. */
	assert_detect("Mar 25 17:19:46 xwayc XCP_JABBERD[23843]: UTCTime=\""
		      "2014-03-25 17:19:45,843\" Module=\"Jabber\"",
		      CCM_TS_EXPRESSWAY);
	assert_detect("2026-03-10T08:15:00.123456Z host app: up",
		      CCM_TS_ISO8601);
	assert_detect("2026-03-10T08:15:00 up", CCM_TS_ISO8601);
	assert_detect("Mar  5 08:15:00 host sshd[12]: hello", CCM_TS_SYSLOG);
	assert_detect("Dec 05 08:15:00 host", CCM_TS_SYSLOG);

	/* Ordinary text, and near misses of each layout. */
	assert_detect("", CCM_TS_NONE);
	assert_detect("Component sdns_plugin is ACTIVE", CCM_TS_NONE);
	assert_detect("12:29:24.7625 trailing digit", CCM_TS_NONE);
	assert_detect("12:29:24,762 comma", CCM_TS_NONE);
	assert_detect("12:29:24.762x", CCM_TS_NONE);
	assert_detect("2024-12-11 14:20:52 no millis", CCM_TS_NONE);
	assert_detect("2024/12/11 14:20:52,650", CCM_TS_NONE);
	assert_detect("Mat 25 17:19:45 host", CCM_TS_NONE);
	assert_detect("mar 25 17:19:45 host", CCM_TS_NONE);
	assert_detect("Mar 2017:19:45 host", CCM_TS_NONE);
	assert_detect("UTCTime=\"2014-03-25 17:19:45,843 no quote",
		      CCM_TS_NONE);
	assert_detect("at 12:29:24.762 |debug", CCM_TS_NONE);
	/* Wrong ranges still have the layout: the shape is recognised. */
	assert_detect("99:99:99.999 |x", CCM_TS_TRACE);
	assert_detect("2024-13-45 14:20:52,650 x", CCM_TS_LOG4J);
}

static void test_trace_read(void **state)
{
	struct ccm_clock c;

	(void)state;
	ccm_clock_init(&c, CCM_BASIS_DATE, at(2026, 3, 10, 0, 0, 0, 0));
	assert_int_equal(c.shape, CCM_TS_NONE);
	assert_false(c.have_last);
	read_ok(&c, "12:29:24.762 |debug sdns_plugin-1 Component x is ACTIVE",
		at(2026, 3, 10, 12, 29, 24, 762));
	assert_int_equal(c.shape, CCM_TS_TRACE);
	assert_int_equal(c.day, ccm_days_from_civil(2026, 3, 10));
	read_ok(&c, "12:29:24.763|info", at(2026, 3, 10, 12, 29, 24, 763));
	read_ok(&c, "12:29:25.001", at(2026, 3, 10, 12, 29, 25, 1));
	read_ok(&c, "12:29:25.002\r", at(2026, 3, 10, 12, 29, 25, 2));
	read_ok(&c, "12:29:25.999 |x\r", at(2026, 3, 10, 12, 29, 25, 999));
	/* a tab or a stray '\r' ends the time as a blank does */
	read_ok(&c, "12:29:26.001\t|debug x", at(2026, 3, 10, 12, 29, 26, 1));
	read_ok(&c, "12:29:26.002\r|debug x", at(2026, 3, 10, 12, 29, 26, 2));
	read_ok(&c, "12:29:26.003\r", at(2026, 3, 10, 12, 29, 26, 3));
	read_ok(&c, "00:00:00.000 |x", at(2026, 3, 11, 0, 0, 0, 0));
	read_ok(&c, "23:59:59.999 |x", at(2026, 3, 11, 23, 59, 59, 999));
}

static void test_log4j_read(void **state)
{
	struct ccm_clock c;

	(void)state;
	/* The basis is ignored by full-date shapes. */
	ccm_clock_init(&c, CCM_BASIS_MTIME, at(1999, 1, 1, 0, 0, 0, 0));
	read_ok(&c, "2024-12-11 14:20:52,650 FATAL [XCPConfigMgr] boom",
		at(2024, 12, 11, 14, 20, 52, 650));
	assert_int_equal(c.shape, CCM_TS_LOG4J);
	read_ok(&c, "2024-12-11 14:20:52.651 INFO dot", at(2024, 12, 11, 14,
							  20, 52, 651));
	read_ok(&c, "2024-12-11 23:59:59,999", at(2024, 12, 11, 23, 59, 59,
						  999));
	/* A new date after the cached one, then back to it. */
	read_ok(&c, "2024-12-12 00:00:00,000 x\r", at(2024, 12, 12, 0, 0, 0,
						      0));
	read_ok(&c, "2024-12-11 10:00:00,000 x", at(2024, 12, 11, 10, 0, 0,
						    0));
	read_ok(&c, "2025-01-01 00:00:00,007 x", at(2025, 1, 1, 0, 0, 0, 7));
}

static void test_expressway_read(void **state)
{
	struct ccm_clock c;

	(void)state;
	ccm_clock_init(&c, CCM_BASIS_DATE, 0);
	read_ok(&c, "xwayc XCP_JABBERD[23843]: UTCTime=\"2014-03-25 "
		    "17:19:45,843\" Module=\"Jabber\" Level=\"INFO \" x",
		at(2014, 3, 25, 17, 19, 45, 843));
	assert_int_equal(c.shape, CCM_TS_EXPRESSWAY);
	/* The syslog prefix's own time is not the line's. */
	read_ok(&c, "Mar 26 01:00:00 xwayc XCP_JABBERD[1]: UTCTime=\""
		    "2014-03-25 17:19:46,001\" Module=\"Jabber\"",
		at(2014, 3, 25, 17, 19, 46, 1));
	/* A first tag that does not fit is skipped for a later one. */
	read_ok(&c, "msg=\"UTCTime=\"bogus\" UTCTime=\"2014-03-25 "
		    "17:19:47,002\"",
		at(2014, 3, 25, 17, 19, 47, 2));
	read_ok(&c, "UTCTime=\"2014-03-26 00:00:00,000\"",
		at(2014, 3, 26, 0, 0, 0, 0));
	/* Fixed to Expressway: a log4j line start is another shape. */
	read_not_ok(&c, "2014-03-26 00:00:01,000 Module=x", CCM_TS_ABSENT);
	read_not_ok(&c, "UTCTime=\"2014-03-26 00:00:01,000", CCM_TS_ABSENT);
}

static void test_iso8601_read(void **state)
{
	static const struct {
		const char *line;
		unsigned ms;
	} frac[] = {
		{ "2026-03-10T08:15:00 x", 0 },
		{ "2026-03-10T08:15:00.1 x", 100 },
		{ "2026-03-10T08:15:00.12 x", 120 },
		{ "2026-03-10T08:15:00.123 x", 123 },
		{ "2026-03-10T08:15:00.1234", 123 },
		{ "2026-03-10T08:15:00.12345Z", 123 },
		{ "2026-03-10T08:15:00.987654+01:00 x", 987 },
		{ "2026-03-10T08:15:00.9876543-0500 x", 987 },
		{ "2026-03-10T08:15:00.98765432Z", 987 },
		{ "2026-03-10T08:15:00.999999999Z", 999 },
		{ "2026-03-10T08:15:00Z", 0 },
		{ "2026-03-10T08:15:00+05:30 x", 0 },
		{ "2026-03-10T08:15:00-0800", 0 },
		{ "2026-03-10T08:15:00.050\r", 50 },
		{ "2026-03-10T08:15:00. no fraction", 0 },
	};
	struct ccm_clock c;
	size_t i;

	(void)state;
	ccm_clock_init(&c, CCM_BASIS_DATE, 0);
	for (i = 0; i < sizeof(frac) / sizeof(frac[0]); i++)
		read_ok(&c, frac[i].line,
			at(2026, 3, 10, 8, 15, 0, frac[i].ms));
	assert_int_equal(c.shape, CCM_TS_ISO8601);
	/* Ten fraction digits are no timestamp of this layout. */
	read_not_ok(&c, "2026-03-10T08:15:01.1234567890Z", CCM_TS_ABSENT);
	read_ok(&c, "2026-03-11T00:00:00.5Z", at(2026, 3, 11, 0, 0, 0, 500));
}

static void test_syslog_read(void **state)
{
	struct ccm_clock c;

	(void)state;
	ccm_clock_init(&c, CCM_BASIS_DATE, at(2026, 3, 5, 0, 0, 0, 0));
	read_ok(&c, "Mar  5 08:15:00 host sshd[12]: hi",
		at(2026, 3, 5, 8, 15, 0, 0));
	assert_int_equal(c.shape, CCM_TS_SYSLOG);
	assert_int_equal(c.year, 2026);
	read_ok(&c, "Mar 05 08:15:01 host", at(2026, 3, 5, 8, 15, 1, 0));
	read_ok(&c, "Mar 15 08:15:02 host\r", at(2026, 3, 15, 8, 15, 2, 0));
	read_ok(&c, "Apr  1 00:00:00", at(2026, 4, 1, 0, 0, 0, 0));
	read_not_ok(&c, "Apr 01 00:00 short", CCM_TS_ABSENT);
}

static void test_syslog_months(void **state)
{
	static const char *const mon[12] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
	};
	struct ccm_clock c;
	char line[32];
	unsigned m;

	(void)state;
	for (m = 1; m <= 12; m++) {
		memcpy(line, mon[m - 1], 3);
		memcpy(line + 3, " 15 12:00:00 host", 18);
		ccm_clock_init(&c, CCM_BASIS_DATE, at(2026, 1, 1, 0, 0, 0, 0));
		read_ok(&c, line, at(2026, m, 15, 12, 0, 0, 0));
	}
}

static void test_invalid_fields(void **state)
{
	static const char *const bad_log4j[] = {
		"2024-13-11 14:20:52,650 month 13",
		"2024-00-11 14:20:52,650 month 0",
		"2024-12-32 14:20:52,650 day 32",
		"2024-12-00 14:20:52,650 day 0",
		"2023-02-29 14:20:52,650 no leap day",
		"2024-02-30 14:20:52,650 Feb 30",
		"2024-04-31 14:20:52,650 Apr 31",
		"2024-12-11 24:00:00,000 hour 24",
		"2024-12-11 14:60:52,650 minute 60",
		"2024-12-11 14:20:60,650 second 60",
	};
	static const char *const bad_trace[] = {
		"24:00:00.000 |x", "12:60:00.000 |x", "12:00:60.000 |x",
		"99:99:99.999",
	};
	static const char *const bad_syslog[] = {
		"Mar 32 10:00:00 x", "Mar  0 10:00:00 x", "Apr 31 10:00:00 x",
		"Feb 30 10:00:00 x", "Mar 10 24:00:00 x", "Mar 10 10:60:00 x",
		"Mar 10 10:00:60 x",
	};
	struct ccm_clock c;
	size_t i;

	(void)state;
	ccm_clock_init(&c, CCM_BASIS_DATE, 0);
	/* A damaged first timestamp neither fixes the shape nor sets a time
	 * (read_not_ok checks *out is left alone while there is none). */
	read_not_ok(&c, "2024-13-11 14:20:52,650 first", CCM_TS_INVALID);
	assert_int_equal(c.shape, CCM_TS_NONE);
	/* A fresh clock's zeroed fields must not pass for a cached date. */
	read_not_ok(&c, "0000-00-00 00:00:00,000 zero", CCM_TS_INVALID);
	read_not_ok(&c, "0000-00-00T00:00:00Z", CCM_TS_INVALID);
	read_ok(&c, "2024-12-11 14:20:52,650 ok", at(2024, 12, 11, 14, 20, 52,
						     650));
	for (i = 0; i < sizeof(bad_log4j) / sizeof(bad_log4j[0]); i++)
		read_not_ok(&c, bad_log4j[i], CCM_TS_INVALID);
	/* The cached date is still the good one. */
	read_ok(&c, "2024-12-11 14:20:53,000", at(2024, 12, 11, 14, 20, 53, 0));

	ccm_clock_init(&c, CCM_BASIS_DATE, at(2026, 1, 1, 0, 0, 0, 0));
	read_ok(&c, "23:00:00.000 |x", at(2026, 1, 1, 23, 0, 0, 0));
	for (i = 0; i < sizeof(bad_trace) / sizeof(bad_trace[0]); i++)
		read_not_ok(&c, bad_trace[i], CCM_TS_INVALID);
	/* No day was lost or gained by the bad lines. */
	read_ok(&c, "23:00:01.000 |x", at(2026, 1, 1, 23, 0, 1, 0));

	ccm_clock_init(&c, CCM_BASIS_DATE, at(2026, 1, 1, 0, 0, 0, 0));
	read_ok(&c, "Mar 10 10:00:00 x", at(2026, 3, 10, 10, 0, 0, 0));
	for (i = 0; i < sizeof(bad_syslog) / sizeof(bad_syslog[0]); i++)
		read_not_ok(&c, bad_syslog[i], CCM_TS_INVALID);
	read_ok(&c, "Mar 10 10:00:01 x", at(2026, 3, 10, 10, 0, 1, 0));

	ccm_clock_init(&c, CCM_BASIS_DATE, 0);
	read_ok(&c, "2026-03-10T08:15:00Z", at(2026, 3, 10, 8, 15, 0, 0));
	read_not_ok(&c, "2026-02-29T08:15:00Z", CCM_TS_INVALID);
	read_not_ok(&c, "2026-03-10T08:61:00.5Z", CCM_TS_INVALID);

	ccm_clock_init(&c, CCM_BASIS_DATE, 0);
	read_ok(&c, "UTCTime=\"2014-03-25 17:19:45,843\"",
		at(2014, 3, 25, 17, 19, 45, 843));
	read_not_ok(&c, "UTCTime=\"2014-03-25 25:19:45,843\"", CCM_TS_INVALID);
}

static void test_absent_inherits(void **state)
{
	struct ccm_clock c;
	ccm_ms t = 42;

	(void)state;
	ccm_clock_init(&c, CCM_BASIS_DATE, at(2026, 3, 10, 0, 0, 0, 0));
	/* Nothing read yet: *out untouched, clock unchanged. */
	assert_int_equal(rd(&c, "plain text before any time", &t),
			 CCM_TS_ABSENT);
	assert_int_equal(t, 42);
	read_not_ok(&c, "", CCM_TS_ABSENT);
	read_ok(&c, "10:00:00.500 |info first", at(2026, 3, 10, 10, 0, 0, 500));
	read_not_ok(&c, "    at com.cisco.Foo.bar(Foo.java:12)", CCM_TS_ABSENT);
	read_not_ok(&c, "", CCM_TS_ABSENT);
	/* Fixed to trace: other shapes are no timestamp. */
	read_not_ok(&c, "2024-12-11 14:20:52,650 x", CCM_TS_ABSENT);
	read_not_ok(&c, "Mar 10 10:00:00 x", CCM_TS_ABSENT);
	read_not_ok(&c, "2026-03-10T11:00:00Z", CCM_TS_ABSENT);
	t = 0;
	assert_int_equal(rd(&c, "just text", &t), CCM_TS_ABSENT);
	assert_int_equal(t, at(2026, 3, 10, 10, 0, 0, 500));
}

static void test_trace_midnight_rollover(void **state)
{
	struct ccm_clock c;

	(void)state;
	ccm_clock_init(&c, CCM_BASIS_DATE, at(2026, 3, 10, 0, 0, 0, 0));
	read_ok(&c, "23:59:59.900 |x", at(2026, 3, 10, 23, 59, 59, 900));
	read_ok(&c, "00:00:00.100 |x", at(2026, 3, 11, 0, 0, 0, 100));
	assert_int_equal(c.day, ccm_days_from_civil(2026, 3, 11));
	read_ok(&c, "11:00:00.000 |x", at(2026, 3, 11, 11, 0, 0, 0));
	/* Exactly 12 h back is not more than 12 h: same day. */
	read_ok(&c, "23:00:00.000 |x", at(2026, 3, 11, 23, 0, 0, 0));
	read_ok(&c, "11:00:00.000 |x", at(2026, 3, 11, 11, 0, 0, 0));
	read_ok(&c, "23:00:00.000 |x", at(2026, 3, 11, 23, 0, 0, 0));
	read_ok(&c, "10:59:59.999 |x", at(2026, 3, 12, 10, 59, 59, 999));
	/* Month and year ends roll over too. */
	ccm_clock_init(&c, CCM_BASIS_DATE, at(2024, 12, 31, 0, 0, 0, 0));
	read_ok(&c, "22:00:00.000 |x", at(2024, 12, 31, 22, 0, 0, 0));
	read_ok(&c, "01:00:00.000 |x", at(2025, 1, 1, 1, 0, 0, 0));
}

static void test_trace_small_backwards(void **state)
{
	struct ccm_clock c;

	(void)state;
	ccm_clock_init(&c, CCM_BASIS_DATE, at(2026, 3, 10, 0, 0, 0, 0));
	read_ok(&c, "12:00:05.000 |x", at(2026, 3, 10, 12, 0, 5, 0));
	read_ok(&c, "12:00:04.990 |x", at(2026, 3, 10, 12, 0, 4, 990));
	read_ok(&c, "02:00:00.000 |x", at(2026, 3, 10, 2, 0, 0, 0));
	read_ok(&c, "12:00:06.000 |x", at(2026, 3, 10, 12, 0, 6, 0));
}

static void test_trace_mtime_basis(void **state)
{
	struct ccm_clock c;

	(void)state;
	/* File last written at 09:00; a 10:00 first line is yesterday's. */
	ccm_clock_init(&c, CCM_BASIS_MTIME, at(2026, 3, 10, 9, 0, 0, 0));
	read_ok(&c, "10:00:00.000 |x", at(2026, 3, 9, 10, 0, 0, 0));
	read_ok(&c, "22:30:00.000 |x", at(2026, 3, 9, 22, 30, 0, 0));
	read_ok(&c, "00:30:00.000 |x", at(2026, 3, 10, 0, 30, 0, 0));

	/* Earlier than the mtime: the same day. */
	ccm_clock_init(&c, CCM_BASIS_MTIME, at(2026, 3, 10, 9, 0, 0, 0));
	read_ok(&c, "08:59:59.999 |x", at(2026, 3, 10, 8, 59, 59, 999));

	/* Equal to the mtime is not later. */
	ccm_clock_init(&c, CCM_BASIS_MTIME, at(2026, 3, 10, 9, 0, 0, 0));
	read_ok(&c, "09:00:00.000 |x", at(2026, 3, 10, 9, 0, 0, 0));

	/* File times are coarser than a logger's clock: a line stamped a
	 * few ms after the mtime it caused is still that day, and so is
	 * one up to 10 minutes later (skewed copies); beyond, yesterday. */
	ccm_clock_init(&c, CCM_BASIS_MTIME, at(2026, 3, 10, 9, 0, 0, 0));
	read_ok(&c, "09:00:00.004 |x", at(2026, 3, 10, 9, 0, 0, 4));
	ccm_clock_init(&c, CCM_BASIS_MTIME, at(2026, 3, 10, 9, 0, 0, 0));
	read_ok(&c, "09:10:00.000 |x", at(2026, 3, 10, 9, 10, 0, 0));
	ccm_clock_init(&c, CCM_BASIS_MTIME, at(2026, 3, 10, 9, 0, 0, 0));
	read_ok(&c, "09:10:00.001 |x", at(2026, 3, 9, 9, 10, 0, 1));

	/* A year boundary, and an mtime before 1970. */
	ccm_clock_init(&c, CCM_BASIS_MTIME, at(2026, 1, 1, 0, 5, 0, 0));
	read_ok(&c, "23:55:00.000 |x", at(2025, 12, 31, 23, 55, 0, 0));
	ccm_clock_init(&c, CCM_BASIS_MTIME, at(1969, 7, 20, 20, 17, 0, 0));
	read_ok(&c, "21:00:00.000 |x", at(1969, 7, 19, 21, 0, 0, 0));
	read_ok(&c, "20:17:00.000 |x", at(1969, 7, 19, 20, 17, 0, 0));
}

static void test_trace_date_basis(void **state)
{
	struct ccm_clock c;

	(void)state;
	ccm_clock_init(&c, CCM_BASIS_DATE, at(2026, 2, 28, 0, 0, 0, 0));
	read_ok(&c, "23:59:59.999 |x", at(2026, 2, 28, 23, 59, 59, 999));
	read_ok(&c, "00:00:00.000 |x", at(2026, 3, 1, 0, 0, 0, 0));
	ccm_clock_init(&c, CCM_BASIS_DATE, at(1960, 1, 1, 0, 0, 0, 0));
	read_ok(&c, "00:00:00.001 |x", at(1960, 1, 1, 0, 0, 0, 1));
	assert_int_equal(c.last, INT64_C(-315619199999));
}

static void test_trace_continue_basis(void **state)
{
	struct ccm_clock c;

	(void)state;
	/* The previous file ended just before midnight. */
	ccm_clock_init(&c, CCM_BASIS_CONTINUE, at(2026, 3, 10, 23, 59, 58, 0));
	read_ok(&c, "00:00:01.000 |x", at(2026, 3, 11, 0, 0, 1, 0));
	read_ok(&c, "00:00:02.000 |x", at(2026, 3, 11, 0, 0, 2, 0));

	/* Same day, and a small step back, continue as written. */
	ccm_clock_init(&c, CCM_BASIS_CONTINUE, at(2026, 3, 10, 12, 0, 0, 0));
	read_ok(&c, "12:00:01.000 |x", at(2026, 3, 10, 12, 0, 1, 0));
	ccm_clock_init(&c, CCM_BASIS_CONTINUE, at(2026, 3, 10, 12, 0, 0, 0));
	read_ok(&c, "11:59:59.000 |x", at(2026, 3, 10, 11, 59, 59, 0));
	ccm_clock_init(&c, CCM_BASIS_CONTINUE, at(2026, 3, 10, 12, 0, 0, 0));
	read_ok(&c, "23:00:00.000 |x", at(2026, 3, 10, 23, 0, 0, 0));
}

static void test_syslog_new_year(void **state)
{
	struct ccm_clock c;

	(void)state;
	ccm_clock_init(&c, CCM_BASIS_DATE, at(2025, 12, 31, 0, 0, 0, 0));
	read_ok(&c, "Dec 31 23:59:59 host a", at(2025, 12, 31, 23, 59, 59, 0));
	read_ok(&c, "Jan  1 00:00:01 host b", at(2026, 1, 1, 0, 0, 1, 0));
	assert_int_equal(c.year, 2026);
	read_ok(&c, "Jan  1 00:00:02 host c", at(2026, 1, 1, 0, 0, 2, 0));
	/* A step back of under 180 days is no new year. */
	ccm_clock_init(&c, CCM_BASIS_DATE, at(2025, 6, 1, 0, 0, 0, 0));
	read_ok(&c, "Jun  1 10:00:00 x", at(2025, 6, 1, 10, 0, 0, 0));
	read_ok(&c, "Feb  1 10:00:00 x", at(2025, 2, 1, 10, 0, 0, 0));
	assert_int_equal(c.year, 2025);
}

static void test_syslog_mtime_basis(void **state)
{
	struct ccm_clock c;

	(void)state;
	/* Read in January, the log began in December of the year before. */
	ccm_clock_init(&c, CCM_BASIS_MTIME, at(2026, 1, 2, 8, 0, 0, 0));
	read_ok(&c, "Dec 31 22:00:00 host x", at(2025, 12, 31, 22, 0, 0, 0));
	assert_int_equal(c.year, 2025);
	read_ok(&c, "Jan  2 07:59:00 host y", at(2026, 1, 2, 7, 59, 0, 0));

	/* Within a day after the mtime: still the mtime's year. */
	ccm_clock_init(&c, CCM_BASIS_MTIME, at(2026, 3, 10, 9, 0, 0, 0));
	read_ok(&c, "Mar 11 08:00:00 host", at(2026, 3, 11, 8, 0, 0, 0));
	ccm_clock_init(&c, CCM_BASIS_MTIME, at(2026, 3, 10, 9, 0, 0, 0));
	read_ok(&c, "Mar  1 08:00:00 host", at(2026, 3, 1, 8, 0, 0, 0));
}

static void test_syslog_continue_basis(void **state)
{
	struct ccm_clock c;

	(void)state;
	ccm_clock_init(&c, CCM_BASIS_CONTINUE, at(2025, 12, 31, 23, 59, 0, 0));
	read_ok(&c, "Jan  1 00:01:00 host", at(2026, 1, 1, 0, 1, 0, 0));
	ccm_clock_init(&c, CCM_BASIS_CONTINUE, at(2025, 12, 31, 23, 59, 0, 0));
	read_ok(&c, "Dec 31 23:58:00 host", at(2025, 12, 31, 23, 58, 0, 0));
}

static void test_feb29(void **state)
{
	struct ccm_clock c;

	(void)state;
	ccm_clock_init(&c, CCM_BASIS_DATE, at(2024, 1, 1, 0, 0, 0, 0));
	read_ok(&c, "Feb 29 12:00:00 leap", at(2024, 2, 29, 12, 0, 0, 0));
	ccm_clock_init(&c, CCM_BASIS_DATE, at(2025, 1, 1, 0, 0, 0, 0));
	read_not_ok(&c, "Feb 29 12:00:00 common", CCM_TS_INVALID);
	assert_int_equal(c.shape, CCM_TS_NONE);
	/* The mtime of 2025 sends a Feb 29 back to the leap year 2024. */
	ccm_clock_init(&c, CCM_BASIS_MTIME, at(2025, 1, 2, 0, 0, 0, 0));
	read_ok(&c, "Feb 29 12:00:00 leap", at(2024, 2, 29, 12, 0, 0, 0));
	/* New Year into a common year makes Feb 29 invalid. */
	ccm_clock_init(&c, CCM_BASIS_DATE, at(2024, 12, 31, 0, 0, 0, 0));
	read_ok(&c, "Dec 31 12:00:00 x", at(2024, 12, 31, 12, 0, 0, 0));
	read_not_ok(&c, "Feb 29 12:00:00 x", CCM_TS_INVALID);
	read_ok(&c, "Feb 28 12:00:00 x", at(2025, 2, 28, 12, 0, 0, 0));

	ccm_clock_init(&c, CCM_BASIS_DATE, 0);
	read_ok(&c, "2000-02-29 00:00:00,000", at(2000, 2, 29, 0, 0, 0, 0));
	read_not_ok(&c, "1900-02-29 00:00:00,000", CCM_TS_INVALID);
	read_ok(&c, "2024-02-29 00:00:00,000", at(2024, 2, 29, 0, 0, 0, 0));
	read_not_ok(&c, "2100-02-29 00:00:00,000", CCM_TS_INVALID);
}

static void test_civil(void **state)
{
	int64_t d;

	(void)state;
	assert_int_equal(ccm_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(ccm_days_from_civil(1969, 12, 31), -1);
	assert_int_equal(ccm_days_from_civil(2000, 3, 1), 11017);
	assert_int_equal(ccm_days_from_civil(2026, 3, 10), 20522);
	assert_int_equal(ccm_days_from_civil(0, 3, 1), -719468);
	assert_int_equal(ccm_days_from_civil(1, 1, 1), -719162);
	assert_int_equal(ccm_days_from_civil(-1, 12, 31), -719529);
	/* Every day across leap rules and negative years round-trips. */
	for (d = -800000; d <= 800000; d += 7) {
		int y;
		unsigned m, dd;

		ccm_civil_from_days(d, &y, &m, &dd);
		assert_true(m >= 1 && m <= 12 && dd >= 1 && dd <= 31);
		assert_int_equal(ccm_days_from_civil(y, m, dd), d);
	}
	for (d = -2; d <= 1; d++) {
		int y;
		unsigned m, dd;

		ccm_civil_from_days(ccm_days_from_civil(2024, 3, 1) + d, &y,
				    &m, &dd);
		assert_int_equal(y, 2024);
		assert_int_equal(m, d < 0 ? 2 : 3);
		assert_int_equal(dd, d == -2 ? 28 : d == -1 ? 29 : 1 + d);
	}
}

static void test_time_format(void **state)
{
	char buf[CCM_TIME_STRLEN];

	(void)state;
	assert_string_equal(ccm_time_format(0, buf), "1970-01-01T00:00:00.000");
	assert_ptr_equal(ccm_time_format(0, buf), buf);
	assert_string_equal(ccm_time_format(-1, buf),
			    "1969-12-31T23:59:59.999");
	assert_string_equal(ccm_time_format(-CCM_MS_PER_DAY, buf),
			    "1969-12-31T00:00:00.000");
	assert_string_equal(ccm_time_format(at(2024, 12, 11, 14, 20, 52, 650),
					    buf),
			    "2024-12-11T14:20:52.650");
	assert_string_equal(ccm_time_format(at(1900, 2, 28, 23, 0, 5, 7), buf),
			    "1900-02-28T23:00:05.007");
	assert_string_equal(ccm_time_format(at(1, 1, 1, 0, 0, 0, 0), buf),
			    "0001-01-01T00:00:00.000");
	assert_string_equal(ccm_time_format(at(-1, 12, 31, 1, 2, 3, 4), buf),
			    "-0001-12-31T01:02:03.004");
	/* The extremes fit the buffer. */
	assert_true(strlen(ccm_time_format(INT64_MIN, buf)) <
		    CCM_TIME_STRLEN);
	assert_true(strlen(ccm_time_format(INT64_MAX, buf)) <
		    CCM_TIME_STRLEN);
}

static void assert_parse(const char *s, ccm_ms want)
{
	ccm_ms t = -5;

	assert_int_equal(ccm_time_parse(s, &t), 0);
	assert_int_equal(t, want);
}

static void test_time_parse(void **state)
{
	static const char *const junk[] = {
		"", "2026", "2026-11", "2026-13-01", "2026-00-01", "2026-02-29",
		"2026-11-31", "2026-11-03T25:00", "2026-11-03T24:00",
		"2026-11-03T10:60", "2026-11-03T10:00:60", "2026-11-03T10",
		"2026-11-03T10:0", "2026-11-03T10:00:", "2026-11-03T10:00:0",
		"2026-11-03T10:00:00.", "2026-11-03T10:00:00.1234",
		"2026-11-03T10:00:00.12x", "2026-11-03 ", "2026-11-03x",
		"2026-11-03T10:00x", "2026-11-03T10:00:00Z",
		"2026-11-03  10:00", "2026-11-03t10:00", " 2026-11-03",
		"2026/11/03", "26-11-03", "2026-1-03", "2026-11-03T1a:00",
		"+2026-11-03", "2026-11-03T10:00:00.1 ",
	};
	ccm_ms t = 99;
	size_t i;

	(void)state;
	assert_parse("2026-11-03", at(2026, 11, 3, 0, 0, 0, 0));
	assert_parse("2026-11-03T10:07", at(2026, 11, 3, 10, 7, 0, 0));
	assert_parse("2026-11-03 10:07", at(2026, 11, 3, 10, 7, 0, 0));
	assert_parse("2026-11-03T10:07:09", at(2026, 11, 3, 10, 7, 9, 0));
	assert_parse("2026-11-03 23:59:59", at(2026, 11, 3, 23, 59, 59, 0));
	assert_parse("2026-11-03T10:07:09.5", at(2026, 11, 3, 10, 7, 9, 500));
	assert_parse("2026-11-03T10:07:09.05", at(2026, 11, 3, 10, 7, 9, 50));
	assert_parse("2026-11-03 10:07:09.005", at(2026, 11, 3, 10, 7, 9, 5));
	assert_parse("2024-02-29", at(2024, 2, 29, 0, 0, 0, 0));
	assert_parse("1969-12-31T23:59:59.999", -1);
	assert_parse("0000-01-01", at(0, 1, 1, 0, 0, 0, 0));
	for (i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		if (ccm_time_parse(junk[i], &t) != -1)
			fail_msg("accepted \"%s\"", junk[i]);
		assert_int_equal(t, 99);
	}
}

static void test_format_parse_roundtrip(void **state)
{
	static const ccm_ms times[] = {
		0, -1, 1, INT64_C(-86400000), INT64_C(1733926852650),
		INT64_C(-2208988800000), INT64_C(-2208988799999),
		INT64_C(253402300799999), INT64_C(-62167219200000),
		INT64_C(951782400000), INT64_C(-123456789),
	};
	char buf[CCM_TIME_STRLEN];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		ccm_ms t = 0;

		assert_int_equal(ccm_time_parse(ccm_time_format(times[i], buf),
						&t), 0);
		assert_int_equal(t, times[i]);
	}
}

static void test_embedded_nul(void **state)
{
	static const char trace[] = "12:29:24.762 |de\0bug \xff\xfe x";
	static const char nul_in_stamp[] = "12:29:\0004.762 |x";
	static const char xway[] = "xw\0ay \x80\xc3 UTCTime=\"2014-03-25 "
				   "17:19:45,843\" M";
	static const char text[] = "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0";
	struct ccm_clock c;
	ccm_ms t = 7;

	(void)state;
	ccm_clock_init(&c, CCM_BASIS_DATE, at(2026, 3, 10, 0, 0, 0, 0));
	assert_int_equal(ccm_clock_read(&c, text, sizeof(text) - 1, &t),
			 CCM_TS_ABSENT);
	assert_int_equal(t, 7);
	assert_int_equal(ccm_clock_read(&c, nul_in_stamp,
					sizeof(nul_in_stamp) - 1, &t),
			 CCM_TS_ABSENT);
	assert_int_equal(t, 7);
	assert_int_equal(ccm_clock_read(&c, trace, sizeof(trace) - 1, &t),
			 CCM_TS_OK);
	assert_int_equal(t, at(2026, 3, 10, 12, 29, 24, 762));

	assert_int_equal(ccm_ts_detect(xway, sizeof(xway) - 1),
			 CCM_TS_EXPRESSWAY);
	ccm_clock_init(&c, CCM_BASIS_DATE, 0);
	assert_int_equal(ccm_clock_read(&c, xway, sizeof(xway) - 1, &t),
			 CCM_TS_OK);
	assert_int_equal(t, at(2014, 3, 25, 17, 19, 45, 843));
}

/* Every prefix of a timestamp line, copied into a heap block of exactly
 * its length so that the sanitizers and valgrind see any over-read. */
static void check_prefixes(const char *line, size_t stamp_len,
			   enum ccm_ts_shape shape)
{
	size_t full = strlen(line), n;

	for (n = 0; n <= full; n++) {
		char *buf = malloc(n ? n : 1);
		enum ccm_ts_shape got;
		struct ccm_clock c;
		ccm_ms t = 3;

		assert_non_null(buf);
		memcpy(buf, line, n);
		got = ccm_ts_detect(buf, n);
		ccm_clock_init(&c, CCM_BASIS_DATE, 0);
		if (n < stamp_len) {
			assert_int_equal(got, CCM_TS_NONE);
			assert_int_equal(ccm_clock_read(&c, buf, n, &t),
					 CCM_TS_ABSENT);
			assert_int_equal(t, 3);
		} else {
			assert_int_equal(got, shape);
			assert_int_equal(ccm_clock_read(&c, buf, n, &t),
					 CCM_TS_OK);
		}
		free(buf);
	}
}

static void test_never_past_len(void **state)
{
	struct ccm_clock c;
	ccm_ms t = 11;

	(void)state;
	/* The bytes after len would complete the timestamp. */
	assert_int_equal(ccm_ts_detect("12:29:24.762 |x", 7), CCM_TS_NONE);
	ccm_clock_init(&c, CCM_BASIS_DATE, 0);
	assert_int_equal(ccm_clock_read(&c, "12:29:24.762 |x", 7, &t),
			 CCM_TS_ABSENT);
	assert_int_equal(t, 11);
	assert_int_equal(ccm_ts_detect(NULL, 0), CCM_TS_NONE);
	assert_int_equal(ccm_clock_read(&c, NULL, 0, &t), CCM_TS_ABSENT);
	assert_int_equal(t, 11);
	/* Cut exactly after the millis: end of line ends a trace stamp. */
	assert_int_equal(ccm_ts_detect("12:29:24.762x", 12), CCM_TS_TRACE);

	check_prefixes("12:29:24.762 |debug x", 12, CCM_TS_TRACE);
	check_prefixes("2024-12-11 14:20:52,650 FATAL", 23, CCM_TS_LOG4J);
	check_prefixes("2026-03-10T08:15:00.123456+01:00 x", 19,
		       CCM_TS_ISO8601);
	check_prefixes("Mar  5 08:15:00 host", 15, CCM_TS_SYSLOG);
	check_prefixes("x: UTCTime=\"2014-03-25 17:19:45,843\" M", 36,
		       CCM_TS_EXPRESSWAY);

	/* Once the shape is fixed, too. */
	ccm_clock_init(&c, CCM_BASIS_DATE, 0);
	read_ok(&c, "UTCTime=\"2014-03-25 17:19:45,843\"",
		at(2014, 3, 25, 17, 19, 45, 843));
	assert_int_equal(ccm_clock_read(&c, "UTCTime=\"2014-03-25 17:19:46,"
					"000\"", 32, &t),
			 CCM_TS_ABSENT);
	assert_int_equal(t, at(2014, 3, 25, 17, 19, 45, 843));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shape_names),
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_trace_read),
		cmocka_unit_test(test_log4j_read),
		cmocka_unit_test(test_expressway_read),
		cmocka_unit_test(test_iso8601_read),
		cmocka_unit_test(test_syslog_read),
		cmocka_unit_test(test_syslog_months),
		cmocka_unit_test(test_invalid_fields),
		cmocka_unit_test(test_absent_inherits),
		cmocka_unit_test(test_trace_midnight_rollover),
		cmocka_unit_test(test_trace_small_backwards),
		cmocka_unit_test(test_trace_mtime_basis),
		cmocka_unit_test(test_trace_date_basis),
		cmocka_unit_test(test_trace_continue_basis),
		cmocka_unit_test(test_syslog_new_year),
		cmocka_unit_test(test_syslog_mtime_basis),
		cmocka_unit_test(test_syslog_continue_basis),
		cmocka_unit_test(test_feb29),
		cmocka_unit_test(test_civil),
		cmocka_unit_test(test_time_format),
		cmocka_unit_test(test_time_parse),
		cmocka_unit_test(test_format_parse_roundtrip),
		cmocka_unit_test(test_embedded_nul),
		cmocka_unit_test(test_never_past_len),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

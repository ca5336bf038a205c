/* SPDX-License-Identifier: ISC */
/* Where an input's dates come from (doc/ccmon.1, analyze): dates in file
 * names, the modification time that cannot be a log's last write, and the
 * text of the progress line. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "agent/core/input_date.h"
#include "agent/io/input.h"
#include "agent/cli/progress.h"

#define MIN INT64_C(60000)

static ccm_ms day(int y, unsigned m, unsigned d)
{
	return ccm_days_from_civil(y, m, d) * CCM_MS_PER_DAY;
}

static void name_dates(void **state)
{
	ccm_ms t = -1;

	(void)state;
	assert_true(ccm_name_date("rtr-jsm-1_2026-03-14.log", &t));
	assert_int_equal(t, day(2026, 3, 14));
	assert_true(ccm_name_date("/a/b/x_20260314_000001.log.gz", &t));
	assert_int_equal(t, day(2026, 3, 14));
	assert_true(ccm_name_date("19991231", &t));
	assert_int_equal(t, day(1999, 12, 31));
}

static void names_without_a_date(void **state)
{
	static const char *const none[] = {
		"rtr-jsm-1_000123.log",       /* a sequence number */
		"rtr-jsm-1_00012345.log",     /* 8 digits, year 0001 */
		"x_120260314.log",            /* inside a longer run */
		"x_202603141.log",
		"x_2026-13-01.log",           /* no 13th month */
		"x_20260230.log",             /* no February 30 */
		"x_21000101.log",             /* out of the years taken */
		"2026-03-14/rtr-jsm-1.log",   /* the folder is not the file */
		"",
	};
	ccm_ms t = 7;

	(void)state;
	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
		if (ccm_name_date(none[i], &t))
			fail_msg("'%s' read as a date", none[i]);
	}
}

static struct ccm_input dated_by_mtime(ccm_ms mtime, ccm_ms last)
{
	struct ccm_input in;

	memset(&in, 0, sizeof(in));
	in.date_source = CCM_DATE_FROM_MTIME;
	in.mtime = mtime;
	in.have_last = true;
	in.last = last;
	return in;
}

/* A log's mtime is its last line's write: a day or more after it, or more
 * than the clock's 10 minutes of slack before it, is a copy's. */
static void mtime_suspect_bounds(void **state)
{
	ccm_ms t = day(2026, 3, 14) + 9 * 60 * MIN;
	struct ccm_input in;

	(void)state;
	in = dated_by_mtime(t, t);
	assert_false(ccm_input_mtime_suspect(&in));
	in = dated_by_mtime(t + CCM_MS_PER_DAY - 1, t);
	assert_false(ccm_input_mtime_suspect(&in));
	in = dated_by_mtime(t + CCM_MS_PER_DAY, t);
	assert_true(ccm_input_mtime_suspect(&in));
	in = dated_by_mtime(t, t + 10 * MIN);
	assert_false(ccm_input_mtime_suspect(&in));
	in = dated_by_mtime(t, t + 10 * MIN + 1);
	assert_true(ccm_input_mtime_suspect(&in));
	/* not dated by the mtime, or no line: nothing to say */
	in = dated_by_mtime(t + 9 * CCM_MS_PER_DAY, t);
	in.date_source = CCM_DATE_FROM_NAME;
	assert_false(ccm_input_mtime_suspect(&in));
	in = dated_by_mtime(t + 9 * CCM_MS_PER_DAY, t);
	in.have_last = false;
	assert_false(ccm_input_mtime_suspect(&in));
}

/* Full-date lines date themselves, whatever the clock's basis. */
static void settle_by_shape(void **state)
{
	static const struct {
		enum ccm_ts_shape shape;
		enum ccm_date_source want;
	} cases[] = {
		{ CCM_TS_TRACE, CCM_DATE_FROM_MTIME },
		{ CCM_TS_SYSLOG, CCM_DATE_FROM_MTIME },
		{ CCM_TS_NONE, CCM_DATE_FROM_MTIME },
		{ CCM_TS_LOG4J, CCM_DATE_FROM_LINE },
		{ CCM_TS_EXPRESSWAY, CCM_DATE_FROM_LINE },
		{ CCM_TS_ISO8601, CCM_DATE_FROM_LINE },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ccm_input in;

		memset(&in, 0, sizeof(in));
		in.date_source = CCM_DATE_FROM_MTIME;
		in.shape = cases[i].shape;
		ccm_input_date_settle(&in);
		assert_int_equal(in.date_source, cases[i].want);
	}
	assert_string_equal(ccm_date_source_name(CCM_DATE_FROM_OPTION),
			    "date-option");
	assert_string_equal(ccm_date_source_name(CCM_DATE_FROM_NAME),
			    "file-name");
	assert_string_equal(ccm_date_source_name(CCM_DATE_FROM_LINE),
			    "dated-line");
	assert_string_equal(ccm_date_source_name(CCM_DATE_FROM_MTIME),
			    "mtime");
}

/* The date's source, strongest first (doc/ccmon.1, analyze): --date (run
 * on from the previous input when there is one), a date in the name, the
 * modification time; the core's rule alone, no file. */
static void clock_precedence(void **state)
{
	ccm_ms named = day(2026, 3, 14), opt = day(2026, 11, 3);
	ccm_ms mtime = day(2026, 5, 1) + 60 * MIN, prev = opt + 90 * MIN;
	struct ccm_date_basis b = {
		.have_name_date = true, .name_date = named, .mtime = mtime,
	};
	struct ccm_clock c;

	(void)state;
	assert_int_equal(ccm_date_clock(&b, &c), CCM_DATE_FROM_NAME);
	assert_int_equal(c.basis, CCM_BASIS_DATE);
	assert_int_equal(c.basis_time, named);
	b.have_date = true;
	b.date = opt;
	assert_int_equal(ccm_date_clock(&b, &c), CCM_DATE_FROM_OPTION);
	assert_int_equal(c.basis, CCM_BASIS_DATE);
	assert_int_equal(c.basis_time, opt);
	b.have_prev_last = true;
	b.prev_last = prev;
	assert_int_equal(ccm_date_clock(&b, &c), CCM_DATE_FROM_OPTION);
	assert_int_equal(c.basis, CCM_BASIS_CONTINUE);
	assert_int_equal(c.basis_time, prev);
	/* without --date, the previous input does not carry its date over */
	b = (struct ccm_date_basis){ .have_prev_last = true,
				     .prev_last = prev, .mtime = mtime };
	assert_int_equal(ccm_date_clock(&b, &c), CCM_DATE_FROM_MTIME);
	assert_int_equal(c.basis, CCM_BASIS_MTIME);
	assert_int_equal(c.basis_time, mtime);
	/* the scan's settling keeps a source that full-date lines do not
	 * replace */
	assert_int_equal(ccm_date_settle(CCM_DATE_FROM_NAME, CCM_TS_TRACE),
			 CCM_DATE_FROM_NAME);
	assert_int_equal(ccm_date_settle(CCM_DATE_FROM_OPTION, CCM_TS_ISO8601),
			 CCM_DATE_FROM_LINE);
}

/* Half of 1 GiB in 10 s: 51 MiB/s, 10 s left. */
static void progress_text(void **state)
{
	char buf[256];

	(void)state;
	ccm_progress_format(buf, sizeof(buf), UINT64_C(512) << 20,
			    UINT64_C(1) << 30, 4000000, 10.0);
	assert_string_equal(buf, "ccmon analyze: 512 MiB of 1.0 GiB (50%), "
			    "4000000 lines, 51 MiB/s, 10 s left");
	/* no time yet: no rate, no estimate */
	ccm_progress_format(buf, sizeof(buf), 0, 2048, 0, 0.0);
	assert_string_equal(buf, "ccmon analyze: 0 B of 2.0 KiB (0%), "
			    "0 lines, 0 B/s, ? left");
	ccm_progress_format_end(buf, sizeof(buf), 2, 1536, 65, 0.5);
	assert_string_equal(buf, "ccmon analyze: read 2 files, 1536 bytes, "
			    "65 lines in 0.5 s (3.0 KiB/s)");
	ccm_progress_format_end(buf, sizeof(buf), 1, 10, 1, 1.0);
	assert_string_equal(buf, "ccmon analyze: read 1 file, 10 bytes, "
			    "1 line in 1.0 s (10 B/s)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(name_dates),
		cmocka_unit_test(names_without_a_date),
		cmocka_unit_test(mtime_suspect_bounds),
		cmocka_unit_test(settle_by_shape),
		cmocka_unit_test(clock_precedence),
		cmocka_unit_test(progress_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

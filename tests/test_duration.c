/* SPDX-License-Identifier: ISC */
/* Durations as operators write them, and as ccmon writes them back. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "parsers/duration.h"

static ccm_ms parse(const char *s)
{
	ccm_ms v = -42;

	assert_int_equal(ccm_duration_parse(s, &v), 0);
	return v;
}

static void parses_units_and_sums(void **state)
{
	(void)state;
	assert_int_equal(parse("250ms"), 250);
	assert_int_equal(parse("10s"), 10000);
	assert_int_equal(parse("5m"), 300000);
	assert_int_equal(parse("2h"), 7200000);
	assert_int_equal(parse("1m30s"), 90000);
	assert_int_equal(parse("1h2m3s4ms"), 3723004);
	assert_int_equal(parse("0s"), 0);
	/* a bare number is seconds */
	assert_int_equal(parse("30"), 30000);
	assert_int_equal(parse("366h"), 366 * INT64_C(3600000));
}

static void rejects_malformed(void **state)
{
	static const char *const bad[] = {
		"", "s", "-1s", "1x", "1 s", "1s ", " 1s", "1.5s", "1s30",
		"99999999999999999999s", "367d", "8785h", "1m-1s",
	};
	ccm_ms v = 7;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		assert_int_equal(ccm_duration_parse(bad[i], &v), -1);
		assert_int_equal(v, 7); /* untouched */
	}
}

static void formats(void **state)
{
	char b[CCM_DURATION_STRLEN];

	(void)state;
	assert_string_equal(ccm_duration_format(0, b), "0.000s");
	assert_string_equal(ccm_duration_format(250, b), "0.250s");
	assert_string_equal(ccm_duration_format(282020, b), "4m42.020s");
	assert_string_equal(ccm_duration_format(3723500, b), "1h02m03.500s");
	assert_string_equal(ccm_duration_format(-1500, b), "-1.500s");
	assert_string_equal(ccm_duration_format_short(3000, b), "3s");
	assert_string_equal(ccm_duration_format_short(1500, b), "1500ms");
	assert_string_equal(ccm_duration_format_short(300000, b), "5m");
	assert_string_equal(ccm_duration_format_short(7200000, b), "2h");
	assert_string_equal(ccm_duration_format_short(90000, b), "90s");
	assert_string_equal(ccm_duration_format_short(0, b), "0ms");
}

static void short_format_parses_back(void **state)
{
	char b[CCM_DURATION_STRLEN];

	(void)state;
	for (ccm_ms d = 1; d < 3 * INT64_C(3600000); d = d * 7 + 13)
		assert_int_equal(parse(ccm_duration_format_short(d, b)), d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_units_and_sums),
		cmocka_unit_test(rejects_malformed),
		cmocka_unit_test(formats),
		cmocka_unit_test(short_format_parses_back),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

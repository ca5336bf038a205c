/* SPDX-License-Identifier: ISC */
/* Probe figures: exact counts, latencies and histogram buckets. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "agent/core/probe_stats.h"

static void buckets(void **state)
{
	static const struct {
		int64_t us;
		unsigned bucket;
	} cases[] = {
		{ 0, 0 },        { 1, 0 },        { 999, 0 },
		{ 1000, 0 },     { 1001, 1 },     { 2000, 1 },
		{ 2001, 2 },     { 4000, 2 },     { 4001, 3 },
		{ 1024000, 10 }, { 1024001, 11 }, { 2048000, 11 },
		{ 4096000, 12 }, { 4096001, 13 }, { INT64_MAX, 13 },
		{ -5, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (ccm_latency_bucket(cases[i].us) != cases[i].bucket)
			fail_msg("%lld us: bucket %u, want %u",
				 (long long)cases[i].us,
				 ccm_latency_bucket(cases[i].us),
				 cases[i].bucket);
	assert_int_equal(ccm_latency_bucket_bound_ms(0), 1);
	assert_int_equal(ccm_latency_bucket_bound_ms(1), 2);
	assert_int_equal(ccm_latency_bucket_bound_ms(12), 4096);
	assert_int_equal(ccm_latency_bucket_bound_ms(13), -1);
	assert_int_equal(ccm_latency_bucket_bound_ms(99), -1);
	/* every bound is in its own bucket, one past it in the next */
	for (unsigned b = 0; b + 1 < CCM_LATENCY_BUCKETS; b++) {
		int64_t bound = ccm_latency_bucket_bound_ms(b) * 1000;

		assert_int_equal(ccm_latency_bucket(bound), b);
		assert_int_equal(ccm_latency_bucket(bound + 1), b + 1);
	}
}

static void latency_figures(void **state)
{
	struct ccm_latency l;
	uint64_t total = 0;

	(void)state;
	memset(&l, 0, sizeof(l));
	assert_int_equal(ccm_latency_mean_us(&l), 0);
	ccm_latency_add(&l, 1500);
	assert_int_equal(l.count, 1);
	assert_int_equal(l.last_us, 1500);
	assert_int_equal(l.min_us, 1500);
	assert_int_equal(l.max_us, 1500);
	assert_int_equal(ccm_latency_mean_us(&l), 1500);
	ccm_latency_add(&l, 300);
	ccm_latency_add(&l, 9000000);
	ccm_latency_add(&l, 301);
	assert_int_equal(l.count, 4);
	assert_int_equal(l.last_us, 301);
	assert_int_equal(l.min_us, 300);
	assert_int_equal(l.max_us, 9000000);
	assert_int_equal(l.sum_us, 1500 + 300 + 9000000 + 301);
	/* (9002101 / 4) rounded down */
	assert_int_equal(ccm_latency_mean_us(&l), 2250525);
	assert_int_equal(l.hist[0], 2);  /* 300, 301 */
	assert_int_equal(l.hist[1], 1);  /* 1500 */
	assert_int_equal(l.hist[13], 1); /* 9 s */
	for (unsigned b = 0; b < CCM_LATENCY_BUCKETS; b++)
		total += l.hist[b];
	assert_int_equal(total, l.count);
	/* a clock that went backwards counts as 0 */
	ccm_latency_add(&l, -20);
	assert_int_equal(l.min_us, 0);
	assert_int_equal(l.last_us, 0);
	assert_int_equal(l.hist[0], 3);
	/* the sum saturates instead of wrapping */
	ccm_latency_add(&l, INT64_MAX);
	ccm_latency_add(&l, INT64_MAX);
	assert_int_equal(l.sum_us, INT64_MAX);
	assert_int_equal(l.max_us, INT64_MAX);
}

static struct ccm_probe_report report(enum ccm_probe_result result,
				      bool connected, int64_t connect_us,
				      bool first, int64_t first_us)
{
	struct ccm_probe_report r;

	memset(&r, 0, sizeof(r));
	r.result = result;
	r.connected = connected;
	r.connect_us = connect_us;
	r.have_first_byte = first;
	r.first_byte_us = first_us;
	return r;
}

static void probe_figures(void **state)
{
	struct ccm_probe_stats s;
	struct ccm_probe_report r;

	(void)state;
	ccm_probe_stats_init(&s);
	assert_false(s.have_last);
	assert_int_equal(s.probes, 0);

	r = report(CCM_PROBE_OK, true, 250, true, 1200);
	ccm_probe_stats_add(&s, &r);
	r = report(CCM_PROBE_REFUSED, false, 0, false, 0);
	ccm_probe_stats_add(&s, &r);
	r = report(CCM_PROBE_TIMEOUT, true, 700, false, 0); /* hang */
	ccm_probe_stats_add(&s, &r);
	r = report(CCM_PROBE_OK, true, 3000, true, 5000);
	ccm_probe_stats_add(&s, &r);
	r = report(CCM_PROBE_UNREACHABLE, false, 0, false, 0);
	ccm_probe_stats_add(&s, &r);

	assert_int_equal(s.probes, 5);
	assert_int_equal(s.results[CCM_PROBE_OK], 2);
	assert_int_equal(s.results[CCM_PROBE_REFUSED], 1);
	assert_int_equal(s.results[CCM_PROBE_TIMEOUT], 1);
	assert_int_equal(s.results[CCM_PROBE_UNREACHABLE], 1);
	assert_int_equal(s.results[CCM_PROBE_ERROR], 0);
	assert_true(s.have_last);
	assert_int_equal(s.last_result, CCM_PROBE_UNREACHABLE);

	assert_int_equal(s.connect.count, 3);
	assert_int_equal(s.connect.last_us, 3000);
	assert_int_equal(s.connect.min_us, 250);
	assert_int_equal(s.connect.max_us, 3000);
	assert_int_equal(ccm_latency_mean_us(&s.connect), 1316); /* 3950/3 */
	assert_int_equal(s.connect.hist[0], 2);
	assert_int_equal(s.connect.hist[2], 1);

	assert_int_equal(s.first_byte.count, 2);
	assert_int_equal(s.first_byte.min_us, 1200);
	assert_int_equal(s.first_byte.max_us, 5000);
	assert_int_equal(s.first_byte.last_us, 5000);
	assert_int_equal(ccm_latency_mean_us(&s.first_byte), 3100);
	assert_int_equal(s.first_byte.hist[1], 1);
	assert_int_equal(s.first_byte.hist[3], 1);
}

static void names(void **state)
{
	(void)state;
	assert_string_equal(ccm_probe_result_name(CCM_PROBE_OK), "ok");
	assert_string_equal(ccm_probe_result_name(CCM_PROBE_REFUSED),
			    "refused");
	assert_string_equal(ccm_probe_result_name(CCM_PROBE_TIMEOUT),
			    "timeout");
	assert_string_equal(ccm_probe_result_name(CCM_PROBE_UNREACHABLE),
			    "unreachable");
	assert_string_equal(ccm_probe_result_name(CCM_PROBE_ERROR), "error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(buckets),
		cmocka_unit_test(latency_figures),
		cmocka_unit_test(probe_figures),
		cmocka_unit_test(names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: ISC */
/* The monitor's trace (agent/core/trace.h): a short scripted outage says
 * why each alarm was held, suppressed, raised and cleared, and tracing
 * changes no decision.  Holds of 5 s (raise) and 30 s (clear), as
 * ccmon.conf(5) describes them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "agent/core/monitor.h"
#include "tests/logmsg.h"

#define T0 (ccm_days_from_civil(2026, 11, 3) * CCM_MS_PER_DAY + 8 * 3600000)
#define COMP "op-cs1.imp1-example-com"

static const char CONFIG[] =
	"[agent]\n"
	"log = /var/log/xcp/rtr-jsm-1_*.log\n"
	"node = imp1.example.com\n"
	"state_dir = /var/lib/ccmon\n"
	"alarm_raise_hold = 5s\n"
	"alarm_clear_hold = 30s\n"
	"flap_window = 0s\n"
	"alarm_rate_limit = 1000/s\n"
	"[server cs1]\n"
	"host = 10.53.52.205\n"
	"port = 7999\n";

/* What the trace said, one line each. */
struct heard {
	char text[16384];
	size_t len;
	unsigned lines;
};

static void hear(void *ctx, const char *fmt, va_list ap)
{
	struct heard *h = ctx;
	int n = vsnprintf(h->text + h->len, sizeof(h->text) - h->len, fmt, ap);

	assert_true(n >= 0 && (size_t)n + 1 < sizeof(h->text) - h->len);
	h->len += (size_t)n;
	h->text[h->len++] = '\n';
	h->text[h->len] = '\0';
	h->lines++;
}

static struct ccm_config *load_config(void)
{
	char path[] = "/tmp/test_monitor_trace_XXXXXX";
	struct ccm_config *cfg = NULL;
	struct ccm_findings f;
	int fd = mkstemp(path);
	bool bad;

	assert_true(fd >= 0);
	bad = write(fd, CONFIG, sizeof(CONFIG) - 1) < 0;
	close(fd);
	ccm_findings_init(&f);
	if (bad || ccm_config_load(path, &cfg, &f))
		ccm_findings_print(&f, stderr);
	ccm_findings_release(&f);
	unlink(path);
	assert_non_null(cfg);
	return cfg;
}

static void comp(struct ccm_monitor *m, ccm_ms t, enum ccm_state st,
		 bool replay)
{
	struct ccm_logmsg msg = msg_state(COMP, st);

	ccm_monitor_message(m, t, t, "rtr.log", 7, &msg, replay);
}

/* The alarm decisions taken out now, appended to got. */
static void take(struct ccm_monitor *m, char *got, size_t len)
{
	const struct ccm_out *o;
	size_t n = ccm_monitor_take(m, &o);

	for (size_t i = 0; i < n; i++)
		if (o[i].kind == CCM_OUT_ALARM)
			snprintf(got + strlen(got), len - strlen(got),
				 "%s %s %s %s\n",
				 ccm_alarm_state_name(o[i].decision.state),
				 o[i].decision.info->id,
				 o[i].decision.resource, o[i].decision.text);
}

/* The outage: replayed history, a repeated state, a loss shorter than
 * the raise hold, a loss that lasts, the component back. */
static void script(struct ccm_monitor *m, char *got, size_t len)
{
	comp(m, T0 - 60000, CCM_STATE_ACTIVE, true);
	ccm_monitor_synced(m, T0);
	comp(m, T0 + 1000, CCM_STATE_ACTIVE, false);
	take(m, got, len);
	comp(m, T0 + 3000, CCM_STATE_GONE, false);
	take(m, got, len);
	comp(m, T0 + 4000, CCM_STATE_ACTIVE, false);
	take(m, got, len);
	comp(m, T0 + 5000, CCM_STATE_GONE, false);
	ccm_monitor_advance(m, T0 + 11000);
	take(m, got, len);
	comp(m, T0 + 12000, CCM_STATE_ACTIVE, false);
	take(m, got, len);
	ccm_monitor_advance(m, T0 + 42000);
	take(m, got, len);
}

/* Where want is in the trace from on, failing when nowhere. */
static const char *find(const char *from, const char *want)
{
	const char *at = strstr(from, want);

	if (!at)
		print_error("no \"%s\" in the trace after:\n%s\n", want, from);
	assert_non_null(at);
	return at;
}

static void outage_is_explained(void **state)
{
	struct ccm_config *cfg = load_config();
	char err[256], got[8192] = "";
	struct ccm_monitor *m = ccm_monitor_new(cfg, NULL, err, sizeof(err));
	struct heard *h = calloc(1, sizeof(*h));
	const struct ccm_trace t = { .fn = hear, .ctx = h };
	const char *at;

	(void)state;
	assert_non_null(m);
	assert_non_null(h);
	ccm_monitor_set_trace(m, &t);
	script(m, got, sizeof(got));
	/* TRACE_SHOW=1: the whole trace, to read */
	if (getenv("TRACE_SHOW"))
		fputs(h->text, stderr);

	at = find(h->text, "component " COMP ": unknown -> active at "
		  "2026-11-03T07:59:00.000 [rtr.log:7]; replayed: state "
		  "rebuilt, nothing said\n");
	at = find(at, "component " COMP ": active again: no transition\n");
	at = find(at, "component " COMP ": active -> gone at "
		  "2026-11-03T08:00:03.000 [rtr.log:7]\n");
	at = find(at, "component " COMP ": incident #1 opened at "
		  "2026-11-03T08:00:03.000, cause lost\n");
	/* the raise waits for its hold: 5 s from the loss */
	at = find(at, "alarm component-down " COMP ": present, held "
		  "until 2026-11-03T08:00:08.000 (alarm_raise_hold 5s");
	at = find(at, "impact cluster: messaging-blocked yes");
	at = find(at, "alarm messaging-blocked cluster: present, held "
		  "until 2026-11-03T08:00:08.000");
	/* back within the hold: never raised */
	at = find(at, "component " COMP ": gone -> active at "
		  "2026-11-03T08:00:04.000");
	at = find(at, "alarm component-down " COMP ": gone before it "
		  "was raised: suppressed (shorter than alarm_raise_hold "
		  "5s)\n");
	at = find(at, "impact cluster: messaging-blocked no");
	/* the second loss outlasts the hold */
	at = find(at, "alarm component-down " COMP ": present, held "
		  "until 2026-11-03T08:00:10.000");
	at = find(at, "alarm raised component-down " COMP " #");
	at = find(at, "alarm component-down " COMP ": absent, clear held "
		  "until 2026-11-03T08:00:42.000 (alarm_clear_hold 30s");
	find(at, "alarm cleared component-down " COMP " #");
	/* the decisions the trace explains are those sent */
	assert_non_null(strstr(got, "raised component-down " COMP));
	assert_non_null(strstr(got, "cleared component-down " COMP));

	ccm_monitor_free(m);
	ccm_config_free(cfg);
	free(h);
}

/* The trace changes no decision, and off it says nothing. */
static void trace_changes_nothing(void **state)
{
	struct ccm_config *cfg = load_config();
	char err[256], on[8192] = "", off[8192] = "";
	struct ccm_monitor *a = ccm_monitor_new(cfg, NULL, err, sizeof(err));
	struct ccm_monitor *b = ccm_monitor_new(cfg, NULL, err, sizeof(err));
	struct heard *h = calloc(1, sizeof(*h));
	const struct ccm_trace t = { .fn = hear, .ctx = h };
	const struct ccm_trace none = { .fn = NULL, .ctx = h };

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(h);
	ccm_monitor_set_trace(a, &t);
	ccm_monitor_set_trace(b, &none);
	script(b, off, sizeof(off));
	assert_int_equal(h->lines, 0);
	script(a, on, sizeof(on));
	assert_true(h->lines > 10);
	assert_string_equal(on, off);
	/* turned off again: silent */
	h->lines = 0;
	ccm_monitor_set_trace(a, NULL);
	comp(a, T0 + 50000, CCM_STATE_GONE, false);
	ccm_monitor_advance(a, T0 + 60000);
	assert_int_equal(h->lines, 0);
	/* ccm_trace() itself: nothing without a function */
	ccm_trace(NULL, "%s", "x");
	ccm_trace(&none, "%s", "x");
	assert_int_equal(h->lines, 0);

	ccm_monitor_free(a);
	ccm_monitor_free(b);
	ccm_config_free(cfg);
	free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(outage_is_explained),
		cmocka_unit_test(trace_changes_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

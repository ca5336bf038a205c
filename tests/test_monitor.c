/* SPDX-License-Identifier: ISC */
/* The live core: which inputs raise and clear which alarm, when, and what
 * is said about it.  A fake clock, a real configuration file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <json-c/json.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "agent/core/monitor.h"
#include "tests/logmsg.h"

#define T0 (ccm_days_from_civil(2026, 11, 3) * CCM_MS_PER_DAY + 8 * 3600000)
#define COMP "op-cs1.imp1-example-com"
#define HOST "10.53.52.205"

static const char CONFIG[] =
	"[agent]\n"
	"log = /var/log/xcp/rtr-jsm-1_*.log\n"
	"node = imp1.example.com\n"
	"state_dir = /var/lib/ccmon\n"
	"auth_timeout = 10s\n"
	"log_silent_after = 5m\n"
	"alarm_raise_hold = 0s\n"
	"alarm_clear_hold = 0s\n"
	"flap_window = 0s\n"
	"alarm_rate_limit = 1000/s\n"
	"[server cs1]\n"
	"host = " HOST "\n"
	"port = 7999\n"
	"probe = tcp\n";

struct env {
	struct ccm_config *cfg;
	struct ccm_monitor *m;
	char path[64];
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	struct ccm_findings f;
	char err[256];
	int fd, bad;

	if (!e)
		return -1;
	strcpy(e->path, "/tmp/test_monitor_XXXXXX");
	fd = mkstemp(e->path);
	if (fd < 0) {
		free(e);
		return -1;
	}
	bad = write(fd, CONFIG, sizeof(CONFIG) - 1) < 0;
	close(fd);
	ccm_findings_init(&f);
	if (bad || ccm_config_load(e->path, &e->cfg, &f)) {
		ccm_findings_print(&f, stderr);
		goto fail;
	}
	ccm_findings_release(&f);
	e->m = ccm_monitor_new(e->cfg, NULL, err, sizeof(err));
	if (!e->m) {
		fprintf(stderr, "%s\n", err);
		ccm_config_free(e->cfg);
		goto fail;
	}
	*state = e;
	return 0;
fail:
	ccm_findings_release(&f);
	unlink(e->path);
	free(e);
	return -1;
}

static int teardown(void **state)
{
	struct env *e = *state;

	ccm_monitor_free(e->m);
	ccm_config_free(e->cfg);
	unlink(e->path);
	free(e);
	return 0;
}

static void comp(struct env *e, ccm_ms t, enum ccm_state st, bool replay)
{
	struct ccm_logmsg msg = {
		.kind = CCM_MSG_COMPONENT_STATE,
		.component = span(COMP),
		.state = st,
	};

	ccm_monitor_message(e->m, t, t, "rtr.log", 1, &msg, replay);
}

static void refused(struct env *e, ccm_ms t)
{
	struct ccm_logmsg msg = {
		.kind = CCM_MSG_CONNECT_FAILED,
		.host = span(HOST),
		.port = 7999,
		.err = 111,
		.reason = span("Connection refused"),
	};

	ccm_monitor_message(e->m, t, t, "rtr.log", 2, &msg, false);
}

/* The alarm decisions taken out now, as "raised|cleared TYPE RESOURCE":
 * those about components, servers and logs, or (impact) those about what
 * users suffer, which impact_alarms() checks on their own. */
static void expect_some_alarms(struct env *e, const char *want, bool impact)
{
	const struct ccm_out *o;
	size_t n = ccm_monitor_take(e->m, &o);
	char got[4096] = "";

	for (size_t i = 0; i < n; i++) {
		if (o[i].kind != CCM_OUT_ALARM ||
		    (o[i].decision.info->resource == CCM_RES_SCOPE) != impact)
			continue;
		snprintf(got + strlen(got), sizeof(got) - strlen(got),
			 "%s %s %s\n", ccm_alarm_state_name(o[i].decision.state),
			 o[i].decision.info->id, o[i].decision.resource);
	}
	if (strcmp(got, want))
		print_error("want:\n%sgot:\n%s", want, got);
	assert_string_equal(got, want);
}

static void expect_alarms(struct env *e, const char *want)
{
	expect_some_alarms(e, want, false);
}

/* The text of the raised alarm of type on resource. */
static const char *alarm_text(struct env *e, enum ccm_alarm_type type,
			      const char *resource)
{
	struct ccm_alarm_view v;
	uint64_t after = 0;

	while (ccm_alarms_next_active(ccm_monitor_alarms(e->m), after, &v)) {
		after = v.id;
		if (v.type == type && !strcmp(v.resource, resource))
			return v.text;
	}
	return NULL;
}

/* What users suffer, judged live: the default profile's single server
 * lost ungracefully blocks IM and group chat for everyone, queueing for
 * the window (the text says until when, and the timer wakes the monitor
 * to change the phase); its refusals make the loss graceful; back ACTIVE
 * clears it all. */
static void impact_alarms(void **state)
{
	struct env *e = *state;
	ccm_ms due;
	const char *text;

	ccm_monitor_synced(e->m, T0);
	comp(e, T0 + 1000, CCM_STATE_ACTIVE, false);
	expect_some_alarms(e, "", true);
	assert_false(ccm_monitor_messaging_blocked(e->m));

	comp(e, T0 + 2000, CCM_STATE_GONE, false);
	expect_some_alarms(e, "raised messaging-blocked cluster\n"
			      "raised group-chat-blocked cluster\n", true);
	assert_true(ccm_monitor_messaging_blocked(e->m));
	/* too recent to tell graceful from ungraceful: the text says both */
	text = alarm_text(e, CCM_ALARM_MESSAGING_BLOCKED, "cluster");
	assert_non_null(text);
	assert_non_null(strstr(text, "not known yet"));
	assert_null(strstr(text, "until 08:05:02"));
	/* no refusal came: ungraceful, queueing; the same alarms, changed */
	ccm_monitor_advance(e->m, T0 + 5000);
	expect_some_alarms(e, "changed messaging-blocked cluster\n"
			      "changed group-chat-blocked cluster\n", true);
	text = alarm_text(e, CCM_ALARM_MESSAGING_BLOCKED, "cluster");
	assert_non_null(strstr(text, "until 08:05:02; after that bounced at "
				     "once"));
	assert_true(ccm_monitor_next_due(e->m, &due));
	assert_true(due <= T0 + 2000 + 5 * 60000);

	/* the window ends: a new phase of the same alarms, changed */
	ccm_monitor_advance(e->m, T0 + 2000 + 5 * 60000);
	expect_some_alarms(e, "changed messaging-blocked cluster\n"
			      "changed group-chat-blocked cluster\n", true);
	text = alarm_text(e, CCM_ALARM_MESSAGING_BLOCKED, "cluster");
	assert_non_null(strstr(text, "; each is bounced at once"));

	/* back */
	comp(e, T0 + 400000, CCM_STATE_ACTIVE, false);
	expect_some_alarms(e, "cleared messaging-blocked cluster\n"
			      "cleared group-chat-blocked cluster\n", true);
	assert_false(ccm_monitor_messaging_blocked(e->m));

	/* lost again, the host refusing: graceful, bounced at once */
	comp(e, T0 + 500000, CCM_STATE_GONE, false);
	refused(e, T0 + 500100);
	text = alarm_text(e, CCM_ALARM_MESSAGING_BLOCKED, "cluster");
	assert_non_null(text);
	assert_non_null(strstr(text, "; each is bounced at once"));
	assert_null(strstr(text, "waits up to"));
}

static void connect_error(struct env *e, ccm_ms t, int err,
			  const char *reason)
{
	struct ccm_logmsg msg = {
		.kind = CCM_MSG_CONNECT_FAILED,
		.host = span(HOST),
		.port = 7999,
		.err = err,
		.reason = span(reason),
	};

	ccm_monitor_message(e->m, t, t, "rtr.log", 2, &msg, false);
}

/* Only (111) is a refusal: a timeout or no route sends the operator to
 * the network (endpoint-unreachable); the text names errno and text. */
static void endpoint_errors_by_errno(void **state)
{
	struct env *e = *state;
	const char *text;

	ccm_monitor_synced(e->m, T0);
	comp(e, T0 + 1000, CCM_STATE_ACTIVE, false);
	comp(e, T0 + 2000, CCM_STATE_GONE, false);
	connect_error(e, T0 + 3000, 113, "No route to host");
	expect_alarms(e, "raised component-down " COMP "\n"
			 "raised endpoint-unreachable cs1\n");
	text = alarm_text(e, CCM_ALARM_ENDPOINT_UNREACHABLE, "cs1");
	assert_non_null(text);
	assert_non_null(strstr(text, "(113) No route to host"));
	assert_non_null(strstr(text, "network path"));
	text = alarm_text(e, CCM_ALARM_COMPONENT_DOWN, COMP);
	assert_non_null(strstr(text, "cause unreachable"));

	/* the service came up but does not listen yet: refused */
	refused(e, T0 + 4000);
	/* refused: a graceful loss after all, the same alarm changed */
	expect_alarms(e, "raised endpoint-refused cs1\n"
			 "cleared endpoint-unreachable cs1\n"
			 "changed component-down " COMP "\n");
	text = alarm_text(e, CCM_ALARM_ENDPOINT_REFUSED, "cs1");
	assert_non_null(strstr(text, "(111) Connection refused"));
	assert_non_null(strstr(text, "nothing listens"));

	connect_error(e, T0 + 5000, 110, "Connection timed out");
	/* a timeout: silence again, so ungraceful, changed back */
	expect_alarms(e, "cleared endpoint-refused cs1\n"
			 "raised endpoint-unreachable cs1\n"
			 "changed component-down " COMP "\n");
	text = alarm_text(e, CCM_ALARM_COMPONENT_DOWN, COMP);
	assert_non_null(strstr(text, "cause timeout"));
	comp(e, T0 + 6000, CCM_STATE_CONNECTED, false);
	comp(e, T0 + 6100, CCM_STATE_ACTIVE, false);
	expect_alarms(e, "cleared endpoint-unreachable cs1\n"
			 "cleared component-down " COMP "\n");
}

/* A router start: first seen CONNECTED, ACTIVE within auth_timeout:
 * nothing is down, nobody is blocked, nothing is raised. */
static void start_connected_then_active_raises_nothing(void **state)
{
	struct env *e = *state;

	ccm_monitor_synced(e->m, T0);
	comp(e, T0 + 1000, CCM_STATE_CONNECTED, false);
	expect_alarms(e, "");
	expect_some_alarms(e, "", true);
	assert_false(ccm_monitor_messaging_blocked(e->m));
	comp(e, T0 + 1020, CCM_STATE_ACTIVE, false);
	ccm_monitor_advance(e->m, T0 + 60000);
	expect_alarms(e, "");
	expect_some_alarms(e, "", true);

	/* CONNECTED again after ACTIVE, ACTIVE in time: the same */
	comp(e, T0 + 70000, CCM_STATE_CONNECTED, false);
	comp(e, T0 + 70015, CCM_STATE_ACTIVE, false);
	ccm_monitor_advance(e->m, T0 + 120000);
	expect_alarms(e, "");
	expect_some_alarms(e, "", true);

	/* CONNECTED and no ACTIVE within auth_timeout: down from the
	 * CONNECTED on, cause auth */
	comp(e, T0 + 130000, CCM_STATE_CONNECTED, false);
	ccm_monitor_advance(e->m, T0 + 130000 + 10000);
	expect_alarms(e, "raised component-down " COMP "\n"
			 "raised auth-failure " COMP "\n");
}

/* The vendor's sequence: Connecting, Unable to connect (111), then the
 * GONE: graceful at once, as a refusal after the GONE. */
static void refused_before_gone_is_graceful(void **state)
{
	struct env *e = *state;
	struct ccm_logmsg conn = {
		.kind = CCM_MSG_CONNECTING,
		.host = span(HOST),
		.port = 7999,
		.fd = 22,
	};
	const char *text;

	ccm_monitor_synced(e->m, T0);
	comp(e, T0 + 1000, CCM_STATE_ACTIVE, false);
	ccm_monitor_message(e->m, T0 + 2000, T0 + 2000, "rtr.log", 3, &conn,
			    false);
	refused(e, T0 + 2001);
	comp(e, T0 + 2002, CCM_STATE_GONE, false);
	text = alarm_text(e, CCM_ALARM_MESSAGING_BLOCKED, "cluster");
	assert_non_null(text);
	assert_non_null(strstr(text, "bounced at once"));
	assert_null(strstr(text, "waits up to"));
	text = alarm_text(e, CCM_ALARM_COMPONENT_DOWN, COMP);
	assert_non_null(strstr(text, "cause refused"));
}

/* The router's log silent for restart_silence (30 s), then its
 * components CONNECTED: one xcp-router-restart for the node (major),
 * its text saying how long the router was silent; known only once the
 * burst comes, it is raised then and clears restart_silence later; no
 * component-down, nobody blocked. */
static void router_restart(void **state)
{
	struct env *e = *state;
	const struct ccm_out *o;
	const char *text;
	ccm_ms due;
	size_t n;

	ccm_monitor_synced(e->m, T0);
	comp(e, T0 + 1000, CCM_STATE_ACTIVE, false);
	expect_alarms(e, "");
	comp(e, T0 + 48000, CCM_STATE_CONNECTED, false);
	n = ccm_monitor_take(e->m, &o);
	assert_int_equal(n, 2); /* the transition's note, the alarm */
	assert_int_equal(o[1].kind, CCM_OUT_ALARM);
	assert_string_equal(o[1].decision.info->id, "xcp-router-restart");
	assert_string_equal(o[1].decision.resource, "imp1.example.com");
	assert_int_equal(o[1].decision.severity, CCM_SEV_MAJOR);
	assert_int_equal(o[1].decision.state, CCM_ALARM_RAISED);
	text = alarm_text(e, CCM_ALARM_XCP_ROUTER_RESTART, "imp1.example.com");
	assert_non_null(text);
	assert_non_null(strstr(text, "silent for 47.000s"));
	comp(e, T0 + 48020, CCM_STATE_ACTIVE, false);
	expect_alarms(e, "");
	expect_some_alarms(e, "", true);
	assert_true(ccm_monitor_next_due(e->m, &due));
	assert_int_equal(due, T0 + 48000 + 30000);
	ccm_monitor_advance(e->m, due);
	/* resource: a scope, listed with what users suffer */
	expect_some_alarms(e, "cleared xcp-router-restart imp1.example.com\n",
			   true);
}

static void waited(struct env *e, ccm_ms t, ccm_ms wait)
{
	struct ccm_logmsg msg = {
		.kind = CCM_MSG_QUEUE_WAITED,
		.component = span(COMP),
		.wait = wait,
	};

	ccm_monitor_message(e->m, t, t, "rtr.log", 3, &msg, false);
}

/* queue-latency-high (defaults: p95 over 5 minutes against 5 s): one
 * long wait among few raises it, the same among many short ones does
 * not; it clears when the long waits leave the window, by the timer. */
static void queue_latency_high(void **state)
{
	struct env *e = *state;
	const char *text;
	ccm_ms due;

	ccm_monitor_synced(e->m, T0);
	comp(e, T0 + 1000, CCM_STATE_ACTIVE, false);
	waited(e, T0 + 2000, 100);
	expect_alarms(e, "");
	waited(e, T0 + 3000, 30000);
	expect_alarms(e, "raised queue-latency-high " COMP "\n");
	text = alarm_text(e, CCM_ALARM_QUEUE_LATENCY_HIGH, COMP);
	assert_non_null(text);
	assert_non_null(strstr(text, "p95 30.000s, max 30.000s over 2 waits "
				     "in the last 5m (threshold 5s)"));
	/* the timer: when the oldest wait leaves the window (the log keeps
	 * growing, so that log-silent stays out of it) */
	ccm_monitor_log_grew(e->m, T0 + 250000, "/var/log/xcp/rtr-jsm-1_a.log");
	assert_true(ccm_monitor_next_due(e->m, &due));
	assert_int_equal(due, T0 + 2000 + 300000);
	ccm_monitor_advance(e->m, due);
	expect_alarms(e, "");
	assert_true(ccm_monitor_next_due(e->m, &due));
	assert_int_equal(due, T0 + 3000 + 300000);
	ccm_monitor_advance(e->m, due);
	expect_alarms(e, "cleared queue-latency-high " COMP "\n");

	/* one long wait among a hundred short ones: p95 is short */
	for (int i = 0; i < 100; i++)
		waited(e, T0 + 400000 + i, 200);
	waited(e, T0 + 400200, 30000);
	expect_alarms(e, "");
}

/* ACTIVE, yet events wait the full queue_wait and bounce (doc/domain.md
 * "Not answering while ACTIVE").  queue_bounces (3) of them within
 * queue_window block IM for the profile that waits on the server; it ends
 * when they leave the window. */
static void active_not_answering(void **state)
{
	struct env *e = *state;
	const char *text;
	ccm_ms due;

	ccm_monitor_synced(e->m, T0);
	comp(e, T0 + 1000, CCM_STATE_ACTIVE, false);
	waited(e, T0 + 32000, 30000);
	waited(e, T0 + 33000, 30000);
	expect_some_alarms(e, "", true);
	waited(e, T0 + 34000, 30000);
	expect_some_alarms(e, "raised messaging-blocked cluster\n"
			      "raised group-chat-blocked cluster\n", true);
	text = alarm_text(e, CCM_ALARM_MESSAGING_BLOCKED, "cluster");
	assert_non_null(text);
	assert_non_null(strstr(text, "the server accepts the connection but "
				     "does not answer events; check its own "
				     "logs"));
	/* since the first of them was queued */
	assert_non_null(strstr(text, "since 08:00:02"));
	text = alarm_text(e, CCM_ALARM_QUEUE_LATENCY_HIGH, COMP);
	assert_non_null(text);
	assert_non_null(strstr(text, "the component is ACTIVE: the server "
				     "accepts the connection"));
	/* no component-down: the link is up */
	assert_null(alarm_text(e, CCM_ALARM_COMPONENT_DOWN, COMP));
	ccm_monitor_log_grew(e->m, T0 + 300000, "/var/log/xcp/rtr-jsm-1_a.log");
	assert_true(ccm_monitor_next_due(e->m, &due));
	assert_true(due <= T0 + 32000 + 300000);
	ccm_monitor_advance(e->m, T0 + 32000 + 300000);
	expect_some_alarms(e, "cleared messaging-blocked cluster\n"
			      "cleared group-chat-blocked cluster\n", true);
}

/* A bounce after the full queue_wait on a lost component: the router
 * queues (ungraceful, known at once), and the latency alarm does not say
 * that the server accepts the connection. */
static void bounces_after_a_loss(void **state)
{
	struct env *e = *state;
	const char *text;

	ccm_monitor_synced(e->m, T0);
	comp(e, T0 + 1000, CCM_STATE_ACTIVE, false);
	comp(e, T0 + 2000, CCM_STATE_GONE, false);
	text = alarm_text(e, CCM_ALARM_MESSAGING_BLOCKED, "cluster");
	assert_non_null(strstr(text, "not known yet"));
	waited(e, T0 + 2500, 30000);
	text = alarm_text(e, CCM_ALARM_MESSAGING_BLOCKED, "cluster");
	assert_non_null(strstr(text, "each waits up to 30s, then is bounced, "
				     "until 08:05:02"));
	text = alarm_text(e, CCM_ALARM_QUEUE_LATENCY_HIGH, COMP);
	assert_non_null(text);
	assert_null(strstr(text, "accepts the connection"));
	assert_non_null(strstr(text, "the component is not ACTIVE"));
}

/* An event bounced at once after a loss, within the window an ungraceful
 * loss would queue: the router knows the server is gone (graceful). */
static void quick_bounce_after_a_loss(void **state)
{
	struct env *e = *state;
	const char *text;

	ccm_monitor_synced(e->m, T0);
	comp(e, T0 + 1000, CCM_STATE_ACTIVE, false);
	comp(e, T0 + 2000, CCM_STATE_GONE, false);
	waited(e, T0 + 2500, 20);
	text = alarm_text(e, CCM_ALARM_MESSAGING_BLOCKED, "cluster");
	assert_non_null(text);
	assert_non_null(strstr(text, "; each is bounced at once"));
	assert_null(strstr(text, "waits up to"));
}

/* queue-latency-high decided by p95 among distinct waits: of 12, the
 * 12th is p95 (nearest rank, 11.4 rounds up), so one long wait raises
 * it; among 20 the 19th is p95 and the long 20th does not. */
static void queue_latency_high_by_p95(void **state)
{
	struct env *e = *state;
	const char *text;

	ccm_monitor_synced(e->m, T0);
	comp(e, T0 + 1000, CCM_STATE_ACTIVE, false);
	for (int i = 0; i < 11; i++)
		waited(e, T0 + 2000 + i * 10, 100 * (i + 1));
	expect_alarms(e, "");
	waited(e, T0 + 2200, 30000);
	expect_alarms(e, "raised queue-latency-high " COMP "\n");
	text = alarm_text(e, CCM_ALARM_QUEUE_LATENCY_HIGH, COMP);
	assert_non_null(text);
	assert_non_null(strstr(text, "p95 30.000s, max 30.000s over 12 "
				     "waits"));
}

static void queue_latency_normal_by_p95(void **state)
{
	struct env *e = *state;

	ccm_monitor_synced(e->m, T0);
	comp(e, T0 + 1000, CCM_STATE_ACTIVE, false);
	for (int i = 0; i < 19; i++)
		waited(e, T0 + 2000 + i * 10, 200 * (i + 1));
	waited(e, T0 + 2300, 30000);
	ccm_monitor_advance(e->m, T0 + 4000);
	expect_alarms(e, "");
}

static void live_component_down_and_back(void **state)
{
	struct env *e = *state;

	ccm_monitor_synced(e->m, T0);
	comp(e, T0 + 1000, CCM_STATE_ACTIVE, false);
	expect_alarms(e, "");
	comp(e, T0 + 2000, CCM_STATE_GONE, false);
	expect_alarms(e, "raised component-down " COMP "\n");
	comp(e, T0 + 3000, CCM_STATE_CONNECTED, false);
	comp(e, T0 + 3500, CCM_STATE_ACTIVE, false);
	expect_alarms(e, "cleared component-down " COMP "\n");
}

static void transitions_are_noted_for_news_only(void **state)
{
	struct env *e = *state;
	const struct ccm_out *o;
	size_t n, notes = 0;

	comp(e, T0, CCM_STATE_ACTIVE, true);
	comp(e, T0 + 1, CCM_STATE_GONE, true);
	n = ccm_monitor_take(e->m, &o);
	for (size_t i = 0; i < n; i++)
		notes += o[i].kind == CCM_OUT_NOTE;
	assert_int_equal(notes, 0);
	ccm_monitor_synced(e->m, T0 + 10);
	comp(e, T0 + 20, CCM_STATE_ACTIVE, false);
	n = ccm_monitor_take(e->m, &o);
	notes = 0;
	for (size_t i = 0; i < n; i++) {
		if (o[i].kind != CCM_OUT_NOTE)
			continue;
		notes++;
		assert_int_equal(o[i].priority, LOG_INFO);
		assert_non_null(strstr(o[i].text, "gone -> active"));
		assert_non_null(strstr(o[i].text, "rtr.log:1, logged "
					       "2026-11-03T08:00:00.020"));
	}
	assert_int_equal(notes, 1);
}

/* History says the component went down and stayed down: one alarm, as of
 * the incident's start; the incidents that ended in the past raise
 * nothing. */
static void replayed_history_alarms_only_what_holds_now(void **state)
{
	struct env *e = *state;
	const struct ccm_out *o;
	size_t n;

	comp(e, T0, CCM_STATE_ACTIVE, true);
	comp(e, T0 + 1000, CCM_STATE_GONE, true);
	comp(e, T0 + 2000, CCM_STATE_ACTIVE, true);
	comp(e, T0 + 5000, CCM_STATE_GONE, true);
	expect_alarms(e, "");
	ccm_monitor_synced(e->m, T0 + 60000);
	n = ccm_monitor_take(e->m, &o);
	/* the component's, then what users suffer from it */
	assert_int_equal(n, 3);
	assert_int_equal(o[1].decision.info->resource, CCM_RES_SCOPE);
	assert_int_equal(o[2].decision.info->resource, CCM_RES_SCOPE);
	assert_int_equal(o[0].decision.state, CCM_ALARM_RAISED);
	assert_int_equal(o[0].decision.since, T0 + 5000);
	assert_string_equal(o[0].component, COMP);
	assert_string_equal(o[0].server, "cs1");
}

/* A refusal in the history, then a reconnect: nothing to alarm, whatever
 * order the conditions are looked at. */
static void replayed_refusal_then_reconnect_is_over(void **state)
{
	struct env *e = *state;
	struct ccm_logmsg fail = {
		.kind = CCM_MSG_CONNECT_FAILED,
		.host = span(HOST),
		.port = 7999,
		.err = 111,
		.reason = span("Connection refused"),
	};

	comp(e, T0, CCM_STATE_GONE, true);
	ccm_monitor_message(e->m, T0 + 1000, T0 + 1000, "rtr.log", 2, &fail,
			    true);
	comp(e, T0 + 2000, CCM_STATE_CONNECTED, true);
	comp(e, T0 + 2100, CCM_STATE_ACTIVE, true);
	ccm_monitor_synced(e->m, T0 + 60000);
	expect_alarms(e, "");
}

static void auth_failure(void **state)
{
	struct env *e = *state;

	ccm_monitor_synced(e->m, T0);
	comp(e, T0 + 1000, CCM_STATE_ACTIVE, false);
	comp(e, T0 + 2000, CCM_STATE_GONE, false);
	expect_alarms(e, "raised component-down " COMP "\n");
	comp(e, T0 + 3000, CCM_STATE_CONNECTED, false);
	expect_alarms(e, "");
	ccm_ms due;
	/* first, the loss of 2 s stops being too recent to judge */
	assert_true(ccm_monitor_next_due(e->m, &due));
	assert_int_equal(due, T0 + 5000);
	ccm_monitor_advance(e->m, due);
	/* no refusal: ungraceful, the raise's "not known yet" made good */
	expect_alarms(e, "changed component-down " COMP "\n");
	assert_true(ccm_monitor_next_due(e->m, &due));
	assert_int_equal(due, T0 + 13000);
	ccm_monitor_advance(e->m, T0 + 13000);
	expect_alarms(e, "raised auth-failure " COMP "\n");
	comp(e, T0 + 20000, CCM_STATE_ACTIVE, false);
	expect_alarms(e, "cleared component-down " COMP "\n"
			 "cleared auth-failure " COMP "\n");
}

static void endpoint_refused_names_the_server(void **state)
{
	struct env *e = *state;

	ccm_monitor_synced(e->m, T0);
	comp(e, T0 + 1000, CCM_STATE_ACTIVE, false);
	comp(e, T0 + 2000, CCM_STATE_GONE, false);
	refused(e, T0 + 3000);
	/* the refusal tells a graceful loss: component-down changes */
	expect_alarms(e, "raised component-down " COMP "\n"
			 "raised endpoint-refused cs1\n"
			 "changed component-down " COMP "\n");
	refused(e, T0 + 4000);
	expect_alarms(e, "");
	comp(e, T0 + 5000, CCM_STATE_CONNECTED, false);
	expect_alarms(e, "cleared endpoint-refused cs1\n");
	comp(e, T0 + 5100, CCM_STATE_ACTIVE, false);
	expect_alarms(e, "cleared component-down " COMP "\n");
}

static void probe_failing_and_recovered(void **state)
{
	struct env *e = *state;
	struct ccm_probe_report r = { .result = CCM_PROBE_REFUSED };

	ccm_monitor_synced(e->m, T0);
	snprintf(r.detail, sizeof(r.detail), "connection refused");
	ccm_monitor_probe(e->m, T0 + 1000, "cs1", &r);
	expect_alarms(e, "raised probe-failing cs1\n");
	assert_int_equal(ccm_monitor_probe_stats(e->m, "cs1")->probes, 1);
	r.result = CCM_PROBE_OK;
	r.connected = true;
	r.connect_us = 300;
	ccm_monitor_probe(e->m, T0 + 11000, "cs1", &r);
	expect_alarms(e, "cleared probe-failing cs1\n");
	assert_int_equal(ccm_monitor_probe_stats(e->m, "cs1")->probes, 2);
}

static void log_silent_and_unreadable(void **state)
{
	struct env *e = *state;
	const char *pat = "/var/log/xcp/rtr-jsm-1_*.log";
	ccm_ms due;

	ccm_monitor_synced(e->m, T0);
	ccm_monitor_log_grew(e->m, T0 + 1000, "/var/log/xcp/rtr-jsm-1_0001.log");
	assert_true(ccm_monitor_next_due(e->m, &due));
	assert_int_equal(due, T0 + 1000 + 300000);
	ccm_monitor_advance(e->m, T0 + 1000 + 299999);
	expect_alarms(e, "");
	ccm_monitor_advance(e->m, T0 + 1000 + 300000);
	expect_alarms(e, "raised log-silent /var/log/xcp/rtr-jsm-1_*.log\n");
	/* another file's growth is not this pattern's */
	ccm_monitor_log_grew(e->m, T0 + 400000, "/var/log/xcp/other.log");
	expect_alarms(e, "");
	ccm_monitor_log_grew(e->m, T0 + 400000, "/var/log/xcp/rtr-jsm-1_0002.log");
	expect_alarms(e, "cleared log-silent /var/log/xcp/rtr-jsm-1_*.log\n");

	ccm_monitor_log_event(e->m, T0 + 500000, CCM_TAIL_UNREADABLE, pat, 13);
	expect_alarms(e, "raised log-unreadable /var/log/xcp/rtr-jsm-1_*.log\n");
	ccm_monitor_log_event(e->m, T0 + 600000, CCM_TAIL_READABLE, pat, 0);
	expect_alarms(e, "cleared log-unreadable /var/log/xcp/rtr-jsm-1_*.log\n");
}

/* A restart: the alarm raised before is restored, not raised again; when
 * the condition is found gone, it clears once, with the same id. */
static void restart_keeps_pairing(void **state)
{
	struct env *e = *state;
	struct json_object *snap;
	const struct ccm_out *o;
	struct ccm_monitor *m2;
	uint64_t id = 0;
	char err[256];
	size_t n;

	ccm_monitor_synced(e->m, T0);
	comp(e, T0 + 1000, CCM_STATE_GONE, false);
	n = ccm_monitor_take(e->m, &o);
	assert_int_equal(n >= 1, 1);
	for (size_t i = 0; i < n; i++)
		if (o[i].kind == CCM_OUT_ALARM &&
		    o[i].decision.type == CCM_ALARM_COMPONENT_DOWN)
			id = o[i].decision.id;
	snap = ccm_monitor_snapshot(e->m);

	/* still down after the restart: nothing new */
	m2 = ccm_monitor_new(e->cfg, snap, err, sizeof(err));
	assert_non_null(m2);
	ccm_monitor_message(m2, T0 + 1000, T0 + 1000, "rtr.log", 1,
			    &(struct ccm_logmsg){
				    .kind = CCM_MSG_COMPONENT_STATE,
				    .component = span(COMP),
				    .state = CCM_STATE_GONE }, true);
	/* still too recent to judge, as when the snapshot was taken */
	ccm_monitor_synced(m2, T0 + 2000);
	n = ccm_monitor_take(m2, &o);
	for (size_t i = 0; i < n; i++)
		assert_int_not_equal(o[i].kind, CCM_OUT_ALARM);
	ccm_monitor_free(m2);

	/* back up while we were stopped: one clear, the same id */
	m2 = ccm_monitor_new(e->cfg, snap, err, sizeof(err));
	ccm_monitor_message(m2, T0 + 2000, T0 + 2000, "rtr.log", 2,
			    &(struct ccm_logmsg){
				    .kind = CCM_MSG_COMPONENT_STATE,
				    .component = span(COMP),
				    .state = CCM_STATE_ACTIVE }, false);
	ccm_monitor_synced(m2, T0 + 5000);
	n = ccm_monitor_take(m2, &o);
	{
		size_t alarms = 0;
		for (size_t i = 0; i < n; i++) {
			if (o[i].kind != CCM_OUT_ALARM)
				continue;
			assert_int_equal(o[i].decision.state, CCM_ALARM_CLEARED);
			if (o[i].decision.info->resource == CCM_RES_SCOPE)
				continue; /* impact_alarms() */
			alarms++;
			assert_int_equal(o[i].decision.id, id);
		}
		assert_int_equal(alarms, 1);
	}
	ccm_monitor_free(m2);
	json_object_put(snap);
}

/* A probe alarm of the last run is neither cleared at start nor raised
 * again: the next probe decides. */
static void restored_probe_alarm_waits_for_the_next_probe(void **state)
{
	struct env *e = *state;
	struct ccm_probe_report r = { .result = CCM_PROBE_REFUSED };
	struct json_object *snap;
	struct ccm_monitor *m2;
	const struct ccm_out *o;
	char err[256];
	size_t n;

	ccm_monitor_synced(e->m, T0);
	ccm_monitor_probe(e->m, T0 + 1000, "cs1", &r);
	expect_alarms(e, "raised probe-failing cs1\n");
	snap = ccm_monitor_snapshot(e->m);
	m2 = ccm_monitor_new(e->cfg, snap, err, sizeof(err));
	ccm_monitor_synced(m2, T0 + 60000);
	ccm_monitor_advance(m2, T0 + 70000);
	n = ccm_monitor_take(m2, &o);
	for (size_t i = 0; i < n; i++)
		assert_int_not_equal(o[i].kind, CCM_OUT_ALARM);
	r.result = CCM_PROBE_OK;
	ccm_monitor_probe(m2, T0 + 71000, "cs1", &r);
	n = ccm_monitor_take(m2, &o);
	assert_int_equal(n, 1);
	assert_int_equal(o[0].decision.state, CCM_ALARM_CLEARED);
	ccm_monitor_free(m2);
	json_object_put(snap);
}

/* Log time far from the wall clock: said once. */
static void drift_is_warned_once(void **state)
{
	struct env *e = *state;
	struct ccm_logmsg msg = {
		.kind = CCM_MSG_COMPONENT_STATE,
		.component = span(COMP),
		.state = CCM_STATE_ACTIVE,
	};
	const struct ccm_out *o;
	size_t n, warnings = 0;

	ccm_monitor_synced(e->m, T0);
	/* 30 s apart: fine */
	ccm_monitor_message(e->m, T0 + 30000, T0, "rtr.log", 1, &msg, false);
	msg.state = CCM_STATE_GONE;
	/* an hour apart, twice */
	ccm_monitor_message(e->m, T0 + 3600000, T0, "rtr.log", 2, &msg, false);
	msg.state = CCM_STATE_ACTIVE;
	ccm_monitor_message(e->m, T0 + 3700000, T0, "rtr.log", 3, &msg, false);
	n = ccm_monitor_take(e->m, &o);
	for (size_t i = 0; i < n; i++)
		if (o[i].kind == CCM_OUT_NOTE && o[i].priority == LOG_WARNING) {
			warnings++;
			assert_non_null(strstr(o[i].text, "rtr.log:2"));
		}
	assert_int_equal(warnings, 1);
}

/* A refusal and a connect logged in the same millisecond, in that order:
 * the connect is the news, the endpoint accepts connections again. */
static void refusal_then_connect_in_the_same_ms(void **state)
{
	struct env *e = *state;

	ccm_monitor_synced(e->m, T0);
	comp(e, T0 + 1000, CCM_STATE_ACTIVE, false);
	comp(e, T0 + 2000, CCM_STATE_GONE, false);
	refused(e, T0 + 3000);
	expect_alarms(e, "raised component-down " COMP "\n"
			 "raised endpoint-refused cs1\n"
			 "changed component-down " COMP "\n");
	refused(e, T0 + 4000);
	comp(e, T0 + 4000, CCM_STATE_CONNECTED, false);
	expect_alarms(e, "cleared endpoint-refused cs1\n");
}

/* A line of COMP read at now, stamped logged. */
static void comp_at(struct env *e, ccm_ms now, ccm_ms logged,
		    enum ccm_state st, bool replay)
{
	struct ccm_logmsg msg = msg_state(COMP, st);

	ccm_monitor_message(e->m, now, logged, "rtr.log", 7, &msg, replay);
}

/* The decision of type on COMP taken out now (exactly one expected). */
static struct ccm_alarm_decision take_one(struct env *e,
					  enum ccm_alarm_type type)
{
	const struct ccm_out *o;
	size_t n = ccm_monitor_take(e->m, &o);
	struct ccm_alarm_decision d = { .id = 0 };
	int found = 0;

	for (size_t i = 0; i < n; i++)
		if (o[i].kind == CCM_OUT_ALARM && o[i].decision.type == type) {
			d = o[i].decision;
			found++;
		}
	assert_int_equal(found, 1);
	return d;
}

#define LAG INT64_C(20000) /* read 20 s after it was logged */

/* Live news runs on the wall clock: the alarm's times and the deadlines
 * are the reading's; only the note says when the line was logged. */
static void live_lines_run_on_the_wall_clock(void **state)
{
	struct env *e = *state;
	struct ccm_alarm_decision d;
	const struct ccm_out *o;
	ccm_ms due;
	size_t n;
	int noted = 0;

	ccm_monitor_synced(e->m, T0);
	comp_at(e, T0 + 1000, T0 + 1000 - LAG, CCM_STATE_ACTIVE, false);
	n = ccm_monitor_take(e->m, &o);
	for (size_t i = 0; i < n; i++)
		if (o[i].kind == CCM_OUT_NOTE &&
		    strstr(o[i].text, "rtr.log:7, logged "
				      "2026-11-03T07:59:41.000"))
			noted++;
	assert_int_equal(noted, 1);
	comp_at(e, T0 + 2000, T0 + 2000 - LAG, CCM_STATE_GONE, false);
	d = take_one(e, CCM_ALARM_COMPONENT_DOWN);
	assert_int_equal(d.state, CCM_ALARM_RAISED);
	assert_int_equal(d.since, T0 + 2000);
	assert_int_equal(d.time, T0 + 2000);
	/* the auth deadline counts from the reading of CONNECTED */
	comp_at(e, T0 + 3000, T0 + 3000 - LAG, CCM_STATE_CONNECTED, false);
	assert_true(ccm_monitor_next_due(e->m, &due));
	assert_int_equal(due, T0 + 5000);
	ccm_monitor_advance(e->m, due);
	expect_alarms(e, "changed component-down " COMP "\n");
	assert_true(ccm_monitor_next_due(e->m, &due));
	assert_int_equal(due, T0 + 13000);
	ccm_monitor_advance(e->m, T0 + 12999);
	expect_alarms(e, "");
	ccm_monitor_advance(e->m, T0 + 13000);
	expect_alarms(e, "raised auth-failure " COMP "\n");
	comp_at(e, T0 + 14000, T0 + 14000 - LAG, CCM_STATE_ACTIVE, false);
	d = take_one(e, CCM_ALARM_COMPONENT_DOWN);
	assert_int_equal(d.state, CCM_ALARM_CLEARED);
	assert_int_equal(d.ended, T0 + 14000);
}

/* The first look (before synced) runs on the log's clock: what happened
 * while the agent was stopped keeps its own times, whenever it is read. */
static void replayed_lines_run_on_the_log_clock(void **state)
{
	struct env *e = *state;
	struct ccm_alarm_decision d;
	const ccm_ms now = T0 + 3600000; /* read an hour later */

	comp_at(e, now, T0, CCM_STATE_ACTIVE, true);
	comp_at(e, now, T0 + 1000, CCM_STATE_GONE, true);
	/* news before the first look is complete: still the log's time */
	comp_at(e, now + 10, T0 + 2000, CCM_STATE_CONNECTED, false);
	comp_at(e, now + 20, T0 + 2500, CCM_STATE_GONE, false);
	expect_alarms(e, "");
	ccm_monitor_synced(e->m, now + 100);
	d = take_one(e, CCM_ALARM_COMPONENT_DOWN);
	assert_int_equal(d.state, CCM_ALARM_RAISED);
	assert_int_equal(d.since, T0 + 1000);
}

/* The clock the monitor is given never steps; the wall clock's offset,
 * told apart, moves what it says: the log's time is compared with the wall
 * clock, and the times in texts are wall times, while durations and the
 * decisions' own times stay on the clock given. */
static void wall_offset_moves_only_what_is_said(void **state)
{
	struct env *e = *state;
	struct ccm_logmsg msg = {
		.kind = CCM_MSG_COMPONENT_STATE,
		.component = span(COMP),
		.state = CCM_STATE_ACTIVE,
	};
	const struct ccm_out *o;
	char want[CCM_TIME_STRLEN + 16];
	bool silent = false;
	size_t n;

	ccm_monitor_synced(e->m, T0);
	/* the wall clock (and the router's) stepped an hour forward: the
	 * log time agrees with the wall clock, no drift to warn of */
	ccm_monitor_set_wall_offset(e->m, 3600000);
	ccm_monitor_message(e->m, T0 + 1000, T0 + 1000 + 3600000, "rtr.log", 1,
			    &msg, false);
	n = ccm_monitor_take(e->m, &o);
	for (size_t i = 0; i < n; i++)
		assert_false(o[i].kind == CCM_OUT_NOTE &&
			     o[i].priority == LOG_WARNING);
	/* silent for log_silent_after (5 min) of the clock given, not of
	 * the wall clock: nothing an instant before */
	ccm_monitor_advance(e->m, T0 + 299999);
	expect_alarms(e, "");
	ccm_monitor_advance(e->m, T0 + 300000);
	n = ccm_monitor_take(e->m, &o);
	snprintf(want, sizeof(want), "since %s ",
		 ccm_time_format(T0 + 3600000, (char[CCM_TIME_STRLEN]){ 0 }));
	for (size_t i = 0; i < n; i++) {
		if (o[i].kind != CCM_OUT_ALARM ||
		    o[i].decision.type != CCM_ALARM_LOG_SILENT)
			continue;
		silent = true;
		assert_int_equal(o[i].decision.time, T0 + 300000);
		assert_non_null(strstr(o[i].decision.text, want));
	}
	assert_true(silent);
}

/* Alarm outputs of m about type, as "raised|cleared RESOURCE" lines. */
static void expect_type(struct ccm_monitor *m, enum ccm_alarm_type type,
			const char *want)
{
	const struct ccm_out *o;
	size_t n = ccm_monitor_take(m, &o);
	char got[512] = "";
	size_t len = 0;

	for (size_t i = 0; i < n && len < sizeof(got); i++)
		if (o[i].kind == CCM_OUT_ALARM && o[i].decision.type == type)
			len += (size_t)snprintf(got + len, sizeof(got) - len,
						"%s %s\n",
						ccm_alarm_state_name(
							o[i].decision.state),
						o[i].decision.resource);
	assert_string_equal(got, want);
}

static void feed(struct ccm_monitor *m, ccm_ms now, ccm_ms t,
		 const struct ccm_logmsg *msg, bool replay)
{
	ccm_monitor_message(m, now, t, "rtr.log", 1, msg, replay);
}

/* Our probe got through after the router's refusals: endpoint-refused
 * clears.  A restart replays the refusals, not the probe, and must not
 * raise it again (agent/core/reachable.h); a refusal logged after the last
 * run's record does, and a record saved before the first look is
 * complete keeps what it carried. */
static void probe_success_survives_a_restart(void **state)
{
	struct env *e = *state;
	struct ccm_probe_report ok = { .result = CCM_PROBE_OK,
				       .connected = true };
	const struct ccm_logmsg gone = {
		.kind = CCM_MSG_COMPONENT_STATE,
		.component = span(COMP),
		.state = CCM_STATE_GONE,
	};
	const struct ccm_logmsg refusal = {
		.kind = CCM_MSG_CONNECT_FAILED,
		.host = span(HOST),
		.port = 7999,
		.err = 111,
		.reason = span("Connection refused"),
	};
	struct json_object *snap, *again;
	struct ccm_monitor *m2, *m3;
	char err[256];

	ccm_monitor_synced(e->m, T0);
	comp(e, T0 + 1000, CCM_STATE_GONE, false);
	refused(e, T0 + 2000);
	expect_type(e->m, CCM_ALARM_ENDPOINT_REFUSED, "raised cs1\n");
	ccm_monitor_probe(e->m, T0 + 3000, "cs1", &ok);
	expect_type(e->m, CCM_ALARM_ENDPOINT_REFUSED, "cleared cs1\n");
	snap = ccm_monitor_snapshot(e->m);
	assert_non_null(snap);

	/* the same lines replayed: nothing about the endpoint */
	m2 = ccm_monitor_new(e->cfg, snap, err, sizeof(err));
	assert_non_null(m2);
	feed(m2, T0 + 60000, T0 + 1000, &gone, true);
	feed(m2, T0 + 60000, T0 + 2000, &refusal, true);
	/* saved mid-replay: the record goes on as it was */
	again = ccm_monitor_snapshot(m2);
	assert_non_null(again);
	ccm_monitor_synced(m2, T0 + 60000);
	ccm_monitor_advance(m2, T0 + 61000);
	expect_type(m2, CCM_ALARM_ENDPOINT_REFUSED, "");
	/* refused again, live: a new condition */
	feed(m2, T0 + 62000, T0 + 62000, &refusal, false);
	expect_type(m2, CCM_ALARM_ENDPOINT_REFUSED, "raised cs1\n");
	ccm_monitor_free(m2);

	/* the record of a run stopped mid-replay is the last run's */
	m3 = ccm_monitor_new(e->cfg, again, err, sizeof(err));
	assert_non_null(m3);
	feed(m3, T0 + 90000, T0 + 1000, &gone, true);
	feed(m3, T0 + 90000, T0 + 2000, &refusal, true);
	ccm_monitor_synced(m3, T0 + 90000);
	expect_type(m3, CCM_ALARM_ENDPOINT_REFUSED, "");
	ccm_monitor_free(m3);

	/* a refusal written while nobody watched: more failures than
	 * recorded, raised */
	m3 = ccm_monitor_new(e->cfg, snap, err, sizeof(err));
	assert_non_null(m3);
	feed(m3, T0 + 90000, T0 + 1000, &gone, true);
	feed(m3, T0 + 90000, T0 + 2000, &refusal, true);
	feed(m3, T0 + 90000, T0 + 70000, &refusal, false);
	ccm_monitor_synced(m3, T0 + 90000);
	expect_type(m3, CCM_ALARM_ENDPOINT_REFUSED, "raised cs1\n");
	ccm_monitor_free(m3);
	json_object_put(again);
	json_object_put(snap);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(live_component_down_and_back),
		T(impact_alarms),
		T(transitions_are_noted_for_news_only),
		T(replayed_history_alarms_only_what_holds_now),
		T(replayed_refusal_then_reconnect_is_over),
		T(auth_failure),
		T(endpoint_refused_names_the_server),
		T(endpoint_errors_by_errno),
		T(start_connected_then_active_raises_nothing),
		T(refused_before_gone_is_graceful),
		T(router_restart),
		T(probe_failing_and_recovered),
		T(log_silent_and_unreadable),
		T(restart_keeps_pairing),
		T(restored_probe_alarm_waits_for_the_next_probe),
		T(probe_success_survives_a_restart),
		T(drift_is_warned_once),
		T(queue_latency_high),
		T(active_not_answering),
		T(bounces_after_a_loss),
		T(quick_bounce_after_a_loss),
		T(queue_latency_high_by_p95),
		T(queue_latency_normal_by_p95),
		T(refusal_then_connect_in_the_same_ms),
		T(live_lines_run_on_the_wall_clock),
		T(replayed_lines_run_on_the_log_clock),
		T(wall_offset_moves_only_what_is_said),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}

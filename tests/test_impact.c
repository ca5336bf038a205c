/* SPDX-License-Identifier: ISC */
/* Unit tests for agent/core/impact.c: one test per row of the vendor's table
 * (what users see when compliance connectivity fails, doc/domain.md
 * "Situations and their impact"), plus the rules that the table takes for
 * granted: fire-and-forget, unknown components, per-node
 * compliance, the classes of events. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "agent/core/impact.h"

#define SEC INT64_C(1000)
#define MIN (60 * SEC)
#define T0 INT64_C(1793693400000) /* 2026-11-03T08:10:00.000 */

static const struct ccm_impact_timing timing = {
	CCM_QUEUE_WAIT, CCM_QUEUE_WINDOW, CCM_REROUTE_AFTER,
};

#define AGENT "[agent]\nlog = /var/log/x/*.log\nnode = imp1.example.com\n"

/* cs1 and cs2 on imp1, cs3 on imp2 */
#define SERVER(name, node, profile)                                       \
	"[server " name "]\nhost = " name ".example.com\nport = 7999\n" \
	"probe = tcp\n"                                                   \
	"node = " node "\n" profile

static struct ccm_config *load(const char *text)
{
	char path[] = "/tmp/ccm-impact-XXXXXX";
	int fd = mkstemp(path);
	struct ccm_findings f;
	struct ccm_config *c = NULL;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	ccm_findings_init(&f);
	if (ccm_config_load(path, &c, &f))
		ccm_findings_print(&f, stderr);
	assert_non_null(c);
	ccm_findings_release(&f);
	unlink(path);
	return c;
}

static struct ccm_server_status up(void)
{
	return (struct ccm_server_status){ .state = CCM_STATE_ACTIVE };
}

static struct ccm_server_status gone(ccm_ms since, bool graceful)
{
	return (struct ccm_server_status){ .state = CCM_STATE_GONE,
					   .down_since = since,
					   .graceful = graceful };
}

static struct ccm_impact eval(const struct ccm_config *c,
			      const struct ccm_server_status *st, ccm_ms now)
{
	struct ccm_impact im;

	ccm_impact_eval(c, &timing, st, "cluster", now, &im);
	return im;
}

static struct ccm_impact_alarms alarms_of(const struct ccm_impact *im)
{
	struct ccm_impact_alarms a;

	ccm_impact_alarms(im, &a);
	return a;
}

#define CLS(im, c) (&(im).classes[CCM_CLASS_##c])

/* ---- the vendor's table, row by row ------------------------------------- */

/* Single server, graceful shutdown: logins work, unlogged; IM and group
 * chat blocked with an immediate error. */
static void test_single_graceful(void **state)
{
	struct ccm_config *c = load(AGENT SERVER("cs1", "imp1.example.com", ""));
	struct ccm_server_status st[] = { gone(T0, true) };
	struct ccm_impact im = eval(c, st, T0 + 10 * SEC);
	struct ccm_impact_alarms a = alarms_of(&im);
	ccm_ms when;

	(void)state;
	assert_int_equal(CLS(im, MESSAGE)->reach, CCM_REACH_ALL);
	assert_false(CLS(im, MESSAGE)->queueing);
	assert_int_equal(CLS(im, MESSAGE)->worst_delay, 0);
	assert_int_equal(CLS(im, MESSAGE)->since, T0);
	assert_int_equal(CLS(im, GROUPCHAT)->reach, CCM_REACH_ALL);
	assert_int_equal(CLS(im, LOGIN)->reach, CCM_REACH_ALL);
	assert_false(CLS(im, LOGIN)->queueing);
	assert_true(CLS(im, LOGIN)->unlogged);
	assert_true(CLS(im, LOGOUT)->unlogged);
	/* the default profile has no presence events */
	assert_int_equal(CLS(im, PRESENCE)->reach, CCM_REACH_NONE);
	assert_true(im.logging_lost);
	assert_true(a.messaging_blocked);
	assert_true(a.group_chat_blocked);
	assert_false(a.messaging_degraded);
	assert_false(a.logging_lost); /* said by messaging-blocked */
	assert_string_equal(im.profiles, "SystemDefaultComplianceProfile");
	assert_string_equal(im.servers, "cs1");
	assert_string_equal(im.nodes, "imp1.example.com");
	assert_false(ccm_impact_next_change(&im, T0 + 10 * SEC, &when));
	ccm_config_free(c);
}

/* Single server, ungraceful, first 5 min: each event queued 30 s then
 * bounced; logins delayed up to 30 s, unlogged; after 5 min: no more
 * queueing, an immediate error. */
static void test_single_ungraceful(void **state)
{
	struct ccm_config *c = load(AGENT SERVER("cs1", "imp1.example.com", ""));
	struct ccm_server_status st[] = { gone(T0, false) };
	struct ccm_impact im = eval(c, st, T0 + MIN);
	char text[1024];
	ccm_ms when;

	(void)state;
	assert_int_equal(CLS(im, MESSAGE)->reach, CCM_REACH_ALL);
	assert_true(CLS(im, MESSAGE)->queueing);
	assert_int_equal(CLS(im, MESSAGE)->queue_until, T0 + 5 * MIN);
	assert_int_equal(CLS(im, MESSAGE)->worst_delay, 30 * SEC);
	assert_true(CLS(im, LOGIN)->queueing);
	assert_int_equal(CLS(im, LOGIN)->worst_delay, 30 * SEC);
	assert_false(CLS(im, LOGOUT)->queueing);
	assert_true(ccm_impact_next_change(&im, T0 + MIN, &when));
	assert_int_equal(when, T0 + 5 * MIN);
	ccm_impact_text(&im, "messaging-blocked", text, sizeof(text));
	assert_non_null(strstr(text, "every user of the cluster since "
				     "08:10:00"));
	assert_non_null(strstr(text, "server cs1 (imp1.example.com)"));
	assert_non_null(strstr(text, "each waits up to 30s, then is "
				     "bounced, until 08:15:00; after that "
				     "bounced at once"));

	im = eval(c, st, T0 + 6 * MIN);
	assert_int_equal(CLS(im, MESSAGE)->reach, CCM_REACH_ALL);
	assert_false(CLS(im, MESSAGE)->queueing);
	assert_int_equal(CLS(im, MESSAGE)->worst_delay, 0);
	/* "as above": logins still wait */
	assert_true(CLS(im, LOGIN)->queueing);
	ccm_impact_text(&im, "messaging-blocked", text, sizeof(text));
	assert_non_null(strstr(text, "; each is bounced at once"));
	ccm_config_free(c);
}

#define BALANCED                                                          \
	AGENT "[profile Logging]\njsm = es_IN:message:bounce, "           \
	      "es_OUT:message:bounce, e_SESSION:all:pass\n"               \
	      "tc = onBeforeSend:bounce\n"                                \
	SERVER("cs1", "imp1.example.com", "profile = Logging\n")          \
	SERVER("cs2", "imp1.example.com", "profile = Logging\n")

/* Several servers, same profile, one graceful: its share is re-routed at
 * once. */
static void test_balanced_graceful(void **state)
{
	struct ccm_config *c = load(BALANCED);
	struct ccm_server_status st[] = { gone(T0, true), up() };
	struct ccm_impact im = eval(c, st, T0);
	struct ccm_impact_alarms a = alarms_of(&im);

	(void)state;
	for (unsigned k = 0; k < CCM_NCLASSES; k++)
		assert_int_equal(im.classes[k].reach, CCM_REACH_NONE);
	assert_false(a.messaging_blocked || a.group_chat_blocked ||
		     a.messaging_degraded || a.logging_lost);
	ccm_config_free(c);
}

/* Several servers, same profile, one ungraceful: some users blocked (and
 * their logins delayed) for up to 5 min, then re-routed. */
static void test_balanced_ungraceful(void **state)
{
	struct ccm_config *c = load(BALANCED);
	struct ccm_server_status st[] = { gone(T0, false), up() };
	struct ccm_impact im = eval(c, st, T0 + MIN);
	struct ccm_impact_alarms a = alarms_of(&im);
	char text[1024];
	ccm_ms when;

	(void)state;
	assert_int_equal(CLS(im, MESSAGE)->reach, CCM_REACH_SOME);
	assert_int_equal(CLS(im, MESSAGE)->reroute_at, T0 + 5 * MIN);
	assert_true(CLS(im, MESSAGE)->queueing);
	assert_int_equal(CLS(im, LOGIN)->reach, CCM_REACH_SOME);
	assert_false(a.messaging_blocked);
	assert_true(a.messaging_degraded);
	/* some logins pass unlogged: an effect of messaging-degraded,
	 * named in its text, not an alarm of its own */
	assert_false(a.logging_lost);
	assert_true(ccm_impact_effects(&im) &
		    (1u << CCM_EFFECT_LOGINS_UNLOGGED));
	ccm_impact_text(&im, "messaging-degraded", text, sizeof(text));
	assert_non_null(strstr(text, "IM of some users of the cluster is "
				     "blocked since 08:10:00"));
	assert_non_null(strstr(text, "moves to the live servers at "
				     "08:15:00"));
	assert_true(ccm_impact_next_change(&im, T0 + MIN, &when));
	assert_int_equal(when, T0 + 5 * MIN);

	im = eval(c, st, T0 + 5 * MIN);
	a = alarms_of(&im);
	assert_int_equal(CLS(im, MESSAGE)->reach, CCM_REACH_NONE);
	assert_false(a.messaging_degraded || a.logging_lost);
	ccm_config_free(c);
}

/* Several profiles sharing an event, the higher-priority server
 * ungraceful: the event never reaches server 2 -- IM blocked, although
 * server 2 is up. */
static void test_priority_chain(void **state)
{
	struct ccm_config *c = load(
		AGENT "[profile EthicalWall]\npriority = 1\n"
		"jsm = es_OUT:message:bounce\n"
		"[profile ImLogging]\npriority = 2\n"
		"jsm = es_IN:message:pass, es_OUT:message:pass\n"
		SERVER("cs1", "imp1.example.com", "profile = EthicalWall\n")
		SERVER("cs2", "imp1.example.com", "profile = ImLogging\n"));
	struct ccm_server_status st[] = { gone(T0, false), up() };
	struct ccm_impact im = eval(c, st, T0 + 10 * SEC);

	(void)state;
	assert_int_equal(CLS(im, MESSAGE)->reach, CCM_REACH_ALL);
	assert_true(CLS(im, MESSAGE)->queueing);
	assert_string_equal(im.profiles, "EthicalWall");
	assert_string_equal(im.servers, "cs1");
	assert_true(alarms_of(&im).messaging_blocked);
	/* the lower one down instead: blocked too, the chain is as good as
	 * its worst link */
	st[0] = up();
	st[1] = gone(T0, true);
	im = eval(c, st, T0 + 10 * SEC);
	assert_int_equal(CLS(im, MESSAGE)->reach, CCM_REACH_ALL);
	assert_string_equal(im.profiles, "ImLogging");
	ccm_config_free(c);
}

#define TWO_NODES                                                         \
	AGENT "[profile Logging]\njsm = es_IN:message:bounce, "           \
	      "es_OUT:message:bounce, e_SESSION:all:pass\n"               \
	SERVER("cs1", "imp1.example.com", "profile = Logging\n")          \
	SERVER("cs3", "imp2.example.com", "profile = Logging\n")

/* Manual failover, a network failure between nodes, an XCP Router
 * failure: the server of one node is unreachable, the other node's is
 * fine: some users blocked (error after <= 30 s) until, after 2 min,
 * another node's server takes their share. */
static void test_other_node_takes_over_after_2_min(void **state)
{
	struct ccm_config *c = load(TWO_NODES);
	struct ccm_server_status st[] = { gone(T0, false), up() };
	struct ccm_impact im = eval(c, st, T0 + 30 * SEC);
	ccm_ms when;

	(void)state;
	assert_int_equal(CLS(im, MESSAGE)->reach, CCM_REACH_SOME);
	assert_int_equal(CLS(im, MESSAGE)->reroute_at, T0 + 2 * MIN);
	assert_int_equal(CLS(im, MESSAGE)->worst_delay, 30 * SEC);
	assert_int_equal(CLS(im, LOGIN)->reach, CCM_REACH_SOME);
	assert_true(alarms_of(&im).messaging_degraded);
	assert_string_equal(im.nodes, "imp1.example.com");
	assert_true(ccm_impact_next_change(&im, T0 + 30 * SEC, &when));
	assert_int_equal(when, T0 + 2 * MIN);
	im = eval(c, st, T0 + 2 * MIN);
	assert_int_equal(CLS(im, MESSAGE)->reach, CCM_REACH_NONE);
	assert_false(alarms_of(&im).messaging_degraded);
	/* graceful makes no difference across nodes */
	st[0] = gone(T0, true);
	im = eval(c, st, T0 + MIN);
	assert_int_equal(CLS(im, MESSAGE)->reach, CCM_REACH_SOME);
	ccm_config_free(c);
}

/* cs3 is on imp2, whose log ccmon does not follow, and no line named it:
 * nothing says it is live, so it takes no share over; the loss of cs1
 * blocks IM for everyone as far as ccmon can tell, and the text says
 * what it cannot see.  Once its state is known, or imp2's log followed,
 * the other node takes over as SPEC §4 has it. */
static void test_server_of_an_unseen_node_is_not_live(void **state)
{
	struct ccm_config *c = load(TWO_NODES);
	struct ccm_config *seen = load(TWO_NODES "[node imp2.example.com]\n"
				       "log = /srv/imp2/*.log\n");
	struct ccm_server_status st[] = { gone(T0, false),
					  { .state = CCM_STATE_UNKNOWN } };
	struct ccm_impact im;
	char text[1024];

	(void)state;
	assert_false(ccm_server_unknown(c, &c->servers[0],
					CCM_STATE_UNKNOWN));
	assert_true(ccm_server_unknown(c, &c->servers[1], CCM_STATE_UNKNOWN));
	assert_false(ccm_server_unknown(c, &c->servers[1], CCM_STATE_ACTIVE));
	assert_false(ccm_server_unknown(seen, &seen->servers[1],
					CCM_STATE_UNKNOWN));
	st[1].unknown = true;
	im = eval(c, st, T0 + 30 * SEC);
	assert_int_equal(CLS(im, MESSAGE)->reach, CCM_REACH_ALL);
	assert_int_equal(CLS(im, MESSAGE)->reroute_at, 0);
	assert_true(alarms_of(&im).messaging_blocked);
	assert_string_equal(im.servers, "cs1");
	assert_string_equal(im.unknown, "cs3");
	ccm_impact_text(&im, "messaging-blocked", text, sizeof(text));
	assert_non_null(strstr(text, "unknown: server cs3, on a node whose "
				     "log ccmon does not follow"));
	/* nothing down: an unknown server alone is no impact */
	st[0] = up();
	im = eval(c, st, T0 + 30 * SEC);
	assert_int_equal(CLS(im, MESSAGE)->reach, CCM_REACH_NONE);
	assert_string_equal(im.unknown, "");
	/* imp2 followed: not named yet is not down, and takes over */
	st[0] = gone(T0, false);
	st[1].unknown = false;
	im = eval(seen, st, T0 + 30 * SEC);
	assert_int_equal(CLS(im, MESSAGE)->reach, CCM_REACH_SOME);
	assert_int_equal(CLS(im, MESSAGE)->reroute_at, T0 + 2 * MIN);
	assert_string_equal(im.unknown, "");
	ccm_config_free(seen);
	ccm_config_free(c);
}

/* The next change is strictly after now: at the instant of a change the
 * next one is the later one, or none (else a timer set for it would fire
 * again at once, for ever). */
static void test_next_change_is_after_now(void **state)
{
	struct ccm_config *c = load(AGENT SERVER("cs1", "imp1.example.com", ""));
	struct ccm_server_status st[] = { gone(T0, false) };
	struct ccm_impact im = eval(c, st, T0 + MIN);
	ccm_ms when = 0;

	(void)state;
	assert_true(ccm_impact_next_change(&im, T0 + 5 * MIN - 1, &when));
	assert_int_equal(when, T0 + 5 * MIN);
	assert_false(ccm_impact_next_change(&im, T0 + 5 * MIN, &when));
	ccm_config_free(c);

	c = load(TWO_NODES);
	im = eval(c, (struct ccm_server_status[]){ gone(T0, false), up() },
		  T0 + 30 * SEC);
	assert_true(ccm_impact_next_change(&im, T0 + 30 * SEC, &when));
	assert_int_equal(when, T0 + 2 * MIN);
	when = 0;
	if (ccm_impact_next_change(&im, T0 + 2 * MIN, &when))
		assert_true(when > T0 + 2 * MIN);
	ccm_config_free(c);
}

/* Both nodes' servers down: everyone. */
static void test_every_server_of_the_profile_down(void **state)
{
	struct ccm_config *c = load(TWO_NODES);
	struct ccm_server_status st[] = { gone(T0 + 5 * SEC, false),
					  gone(T0, true) };
	struct ccm_impact im = eval(c, st, T0 + 10 * SEC);

	(void)state;
	assert_int_equal(CLS(im, MESSAGE)->reach, CCM_REACH_ALL);
	assert_int_equal(CLS(im, MESSAGE)->since, T0);
	assert_true(CLS(im, MESSAGE)->queueing); /* cs1 still queues */
	assert_int_equal(CLS(im, MESSAGE)->queue_until, T0 + 305 * SEC);
	assert_string_equal(im.servers, "cs1, cs3");
	assert_string_equal(im.nodes, "imp1.example.com, imp2.example.com");
	ccm_config_free(c);
}

/* Too recent to tell graceful from not: no share is said to wait yet, but
 * a blocked class shows the worst delay. */
static void test_pending_loss(void **state)
{
	struct ccm_config *c = load(BALANCED);
	struct ccm_server_status st[] = { gone(T0, false), up() };
	struct ccm_impact im;

	(void)state;
	st[0].pending = true;
	im = eval(c, st, T0 + SEC);
	assert_int_equal(CLS(im, MESSAGE)->reach, CCM_REACH_NONE);
	st[1] = gone(T0, false);
	st[1].pending = true;
	im = eval(c, st, T0 + SEC);
	assert_int_equal(CLS(im, MESSAGE)->reach, CCM_REACH_ALL);
	assert_true(CLS(im, MESSAGE)->queueing);
	assert_int_equal(CLS(im, MESSAGE)->worst_delay, 30 * SEC);
	ccm_config_free(c);
}

/* ---- the rules around the table ------------------------------------------- */

/* Fire-and-forget: nothing waits, the events go unlogged. */
static void test_fire_and_forget(void **state)
{
	struct ccm_config *c = load(
		AGENT "[profile Archive]\njsm = es_IN:message:pass:"
		"fire-and-forget, es_OUT:message:pass:fire-and-forget\n"
		SERVER("cs1", "imp1.example.com", "profile = Archive\n"));
	struct ccm_server_status st[] = { gone(T0, false) };
	struct ccm_impact im = eval(c, st, T0 + SEC);
	struct ccm_impact_alarms a = alarms_of(&im);
	char text[1024];

	(void)state;
	assert_int_equal(CLS(im, MESSAGE)->reach, CCM_REACH_NONE);
	assert_true(im.logging_lost);
	assert_int_equal(im.logging_lost_since, T0);
	assert_false(a.messaging_blocked || a.messaging_degraded);
	assert_true(a.logging_lost);
	ccm_impact_text(&im, "logging-lost", text, sizeof(text));
	assert_non_null(strstr(text, "compliance logging is lost in the "
				     "cluster since 08:10:00"));
	assert_non_null(strstr(text, "profile Archive"));
	assert_false(ccm_profile_waits_for_messages(&c->profiles[0]));
	ccm_config_free(c);
}

/* A component the log never named is no outage; CONNECTED (not yet
 * ACTIVE) is one. */
static void test_unknown_and_connected(void **state)
{
	struct ccm_config *c = load(AGENT SERVER("cs1", "imp1.example.com", ""));
	struct ccm_server_status st[] = {
		{ .state = CCM_STATE_UNKNOWN },
	};
	struct ccm_impact im = eval(c, st, T0);

	(void)state;
	assert_int_equal(CLS(im, MESSAGE)->reach, CCM_REACH_NONE);
	assert_false(im.logging_lost);
	st[0] = (struct ccm_server_status){ .state = CCM_STATE_CONNECTED,
					    .down_since = T0 };
	im = eval(c, st, T0);
	assert_int_equal(CLS(im, MESSAGE)->reach, CCM_REACH_ALL);
	ccm_config_free(c);
}

/* Per-node compliance: each node waits on its own servers only. */
static void test_per_node(void **state)
{
	struct ccm_config *c = load(
		"[agent]\nlog = /var/log/x/*.log\nnode = imp1.example.com\n"
		"compliance = node\n"
		SERVER("cs1", "imp1.example.com", "")
		SERVER("cs3", "imp2.example.com", ""));
	struct ccm_server_status st[] = { gone(T0, true), up() };
	const char *scopes[4];
	struct ccm_impact im;

	(void)state;
	assert_int_equal(ccm_impact_scopes(c, scopes, 4), 2);
	assert_string_equal(scopes[0], "imp1.example.com");
	assert_string_equal(scopes[1], "imp2.example.com");
	ccm_impact_eval(c, &timing, st, scopes[0], T0, &im);
	assert_int_equal(CLS(im, MESSAGE)->reach, CCM_REACH_ALL);
	ccm_impact_eval(c, &timing, st, scopes[1], T0, &im);
	assert_int_equal(CLS(im, MESSAGE)->reach, CCM_REACH_NONE);
	ccm_config_free(c);
}

/* The classes of the vendor's events. */
static void test_event_classes(void **state)
{
	static const struct {
		struct ccm_event e;
		bool has;
		enum ccm_event_class c;
	} cases[] = {
		{ { CCM_EVENT_JSM, "es_IN", CCM_PACKET_MESSAGE, 0, 0, 0 },
		  true, CCM_CLASS_MESSAGE },
		{ { CCM_EVENT_JSM, "es_OUT", CCM_PACKET_ALL, 0, 0, 0 },
		  true, CCM_CLASS_MESSAGE },
		{ { CCM_EVENT_JSM, "es_IN", CCM_PACKET_PRESENCE, 0, 0, 0 },
		  true, CCM_CLASS_PRESENCE },
		{ { CCM_EVENT_JSM, "es_IN", CCM_PACKET_IQ, 0, 0, 0 },
		  false, 0 },
		{ { CCM_EVENT_JSM, "e_SESSION", CCM_PACKET_ALL, 0, 0, 0 },
		  true, CCM_CLASS_LOGIN },
		{ { CCM_EVENT_JSM, "es_END", CCM_PACKET_ALL, 0, 0, 0 },
		  true, CCM_CLASS_LOGOUT },
		{ { CCM_EVENT_JSM, "e_AUTH", CCM_PACKET_ALL, 0, 0, 0 },
		  false, 0 },
		{ { CCM_EVENT_TC, "onBeforeJoin", CCM_PACKET_NONE, 0, 0, 0 },
		  true, CCM_CLASS_GROUPCHAT },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum ccm_event_class c = CCM_NCLASSES;

		assert_int_equal(ccm_event_class_of(&cases[i].e, &c),
				 cases[i].has);
		if (cases[i].has)
			assert_int_equal(c, cases[i].c);
	}
	assert_string_equal(ccm_event_class_name(CCM_CLASS_GROUPCHAT),
			    "group chat");
	assert_string_equal(ccm_reach_name(CCM_REACH_SOME), "some");
}

/* ---- one server's loss: the severity of its component-down ----------------- */

static struct ccm_server_impact server(const struct ccm_config *c,
				       const struct ccm_server_status *st,
				       size_t i, ccm_ms now, char *text,
				       size_t len)
{
	struct ccm_server_impact si;

	ccm_impact_server(c, &timing, st, i, now, &si);
	ccm_server_impact_text(&si, text, len);
	return si;
}

#define E(x) (1u << CCM_EFFECT_##x)

/* Row 1: single server, graceful: IM and group chat blocked for
 * every user, an immediate error; logins work, unlogged.  Critical. */
static void test_loss_single_graceful(void **state)
{
	struct ccm_config *c = load(AGENT SERVER("cs1", "imp1.example.com", ""));
	struct ccm_server_status st[] = { gone(T0, true) };
	char text[1024];
	struct ccm_server_impact si = server(c, st, 0, T0 + SEC, text,
					     sizeof(text));

	(void)state;
	assert_int_equal(si.loss, CCM_LOSS_BLOCKS);
	assert_int_equal(si.effects, E(IM_BLOCKED) | E(GROUP_CHAT_BLOCKED) |
					     E(LOGINS_UNLOGGED));
	assert_string_equal(text, "IM and group chat blocked for every user "
			    "of the cluster: each is bounced at once; effects:"
			    " im-blocked, group-chat-blocked, "
			    "logins-unlogged");
	ccm_config_free(c);
}

/* Rows 2 and 3: single server, ungraceful: the first 5 min each event
 * waits 30 s, logins are delayed; then an immediate error.  Critical
 * throughout; the phase moves from the loss's window end. */
static void test_loss_single_ungraceful(void **state)
{
	struct ccm_config *c = load(
		AGENT "[profile P]\njsm = e_SESSION:all:bounce, "
		"es_IN:all:bounce, es_OUT:all:bounce, es_END:all:pass\n"
		"tc = onBeforeSend:bounce\n"
		SERVER("cs1", "imp1.example.com", "profile = P\n"));
	struct ccm_server_status st[] = { gone(T0, false) };
	char text[1024];
	struct ccm_server_impact si = server(c, st, 0, T0 + MIN, text,
					     sizeof(text));
	struct ccm_impact im;

	(void)state;
	assert_int_equal(si.loss, CCM_LOSS_BLOCKS);
	assert_int_equal(si.effects, E(IM_BLOCKED) | E(GROUP_CHAT_BLOCKED) |
					     E(LOGINS_DELAYED) |
					     E(LOGINS_UNLOGGED) |
					     E(PRESENCE_DELAYED));
	assert_non_null(strstr(text, "each waits up to 30s, then is bounced, "
				     "until 08:15:00"));
	im = eval(c, st, T0 + MIN);
	assert_int_equal(CLS(im, MESSAGE)->phase_since, T0);
	/* judged late, the bounce phase still starts at the window's end */
	im = eval(c, st, T0 + 7 * MIN);
	assert_false(CLS(im, MESSAGE)->queueing);
	assert_int_equal(CLS(im, MESSAGE)->phase_since, T0 + 5 * MIN);
	si = server(c, st, 0, T0 + 7 * MIN, text, sizeof(text));
	assert_int_equal(si.loss, CCM_LOSS_BLOCKS);
	ccm_config_free(c);
}

/* Row 4: several servers, one graceful: re-routed at once, nobody
 * affected: a warning, and the text says so. */
static void test_loss_balanced_graceful(void **state)
{
	struct ccm_config *c = load(BALANCED);
	struct ccm_server_status st[] = { gone(T0, true), up() };
	char text[1024];
	struct ccm_server_impact si = server(c, st, 0, T0 + SEC, text,
					     sizeof(text));

	(void)state;
	assert_int_equal(si.loss, CCM_LOSS_ABSORBED);
	assert_int_equal(si.effects, 0);
	assert_string_equal(text, "its share is re-routed to cs2 at once; "
			    "redundancy lost, nobody affected");
	ccm_config_free(c);
}

/* Row 5: several servers, one ungraceful: some users blocked up to 5 min
 * (major), then re-routed (warning). */
static void test_loss_balanced_ungraceful(void **state)
{
	struct ccm_config *c = load(BALANCED);
	struct ccm_server_status st[] = { gone(T0, false), up() };
	char text[1024];
	struct ccm_server_impact si = server(c, st, 0, T0 + MIN, text,
					     sizeof(text));

	(void)state;
	assert_int_equal(si.loss, CCM_LOSS_DEGRADES);
	assert_true(si.effects & E(IM_BLOCKED));
	assert_true(si.effects & E(LOGINS_DELAYED));
	assert_non_null(strstr(text, "the users of the cluster whose share "
				     "it has are blocked until it moves to "
				     "cs2 at 08:15:00"));
	si = server(c, st, 0, T0 + 5 * MIN, text, sizeof(text));
	assert_int_equal(si.loss, CCM_LOSS_ABSORBED);
	assert_string_equal(text, "its share is re-routed to cs2; "
			    "redundancy lost, nobody affected");
	ccm_config_free(c);
}

/* Fire-and-forget: IM flows, only logging is lost: major, not critical;
 * no empty "()" when the server has no node. */
static void test_loss_fire_and_forget(void **state)
{
	struct ccm_config *c = load(
		AGENT "[profile Archive]\njsm = es_IN:message:pass:"
		"fire-and-forget, es_OUT:message:pass:fire-and-forget, "
		"e_SESSION:all:pass:fire-and-forget\n"
		"[server cs1]\nhost = cs1.example.com\nport = 7999\n"
		"probe = tcp\nprofile = Archive\n");
	struct ccm_server_status st[] = { gone(T0, false) };
	char text[1024];
	struct ccm_server_impact si = server(c, st, 0, T0 + SEC, text,
					     sizeof(text));
	struct ccm_impact im = eval(c, st, T0 + SEC);

	(void)state;
	assert_int_equal(si.loss, CCM_LOSS_LOGGING);
	assert_int_equal(si.effects, E(IM_UNLOGGED) | E(LOGINS_UNLOGGED));
	assert_string_equal(text, "IM flows in the cluster: fire-and-forget "
			    "events pass unlogged; effects: logins-unlogged, "
			    "im-unlogged");
	ccm_impact_text(&im, "logging-lost", text, sizeof(text));
	assert_null(strstr(text, "()"));
	assert_non_null(strstr(text, "server cs1 of profile Archive"));
	ccm_config_free(c);
}

/* A server whose profile has no event of the classes users see: nobody
 * waits on it. */
static void test_loss_nobody_waits(void **state)
{
	struct ccm_config *c = load(
		AGENT "[profile Stats]\njsm = e_STATS:all:pass\n"
		SERVER("cs1", "imp1.example.com", "profile = Stats\n")
		SERVER("cs2", "imp1.example.com", "profile = Stats\n"));
	/* a live peer takes no share that anybody waits for */
	struct ccm_server_status st[] = { gone(T0, false), up() };
	char text[1024];
	struct ccm_server_impact si = server(c, st, 0, T0 + SEC, text,
					     sizeof(text));

	(void)state;
	assert_int_equal(si.loss, CCM_LOSS_ABSORBED);
	assert_string_equal(text, "no event of its profile waits on it in the "
			    "cluster: nobody affected");
	ccm_config_free(c);
}

/* ACTIVE, yet events wait and bounce (doc/domain.md "Not answering while
 * ACTIVE"): IM blocked for the profiles that wait on it, queueing with no
 * end, no re-route. */
static void test_hung_server(void **state)
{
	struct ccm_config *c = load(AGENT SERVER("cs1", "imp1.example.com", ""));
	struct ccm_server_status st[] = { { .state = CCM_STATE_ACTIVE,
					    .down_since = T0, .hung = true } };
	struct ccm_impact im = eval(c, st, T0 + 10 * MIN);
	char text[1024];
	ccm_ms when;

	(void)state;
	assert_int_equal(CLS(im, MESSAGE)->reach, CCM_REACH_ALL);
	assert_true(CLS(im, MESSAGE)->queueing);
	assert_true(CLS(im, MESSAGE)->hung);
	assert_int_equal(CLS(im, MESSAGE)->queue_until, 0);
	assert_true(alarms_of(&im).messaging_blocked);
	ccm_impact_text(&im, "messaging-blocked", text, sizeof(text));
	assert_non_null(strstr(text, "the server accepts the connection but "
				     "does not answer events; check its own "
				     "logs"));
	assert_false(ccm_impact_next_change(&im, T0 + 10 * MIN, &when));
	ccm_config_free(c);
}

/* Too recent to tell: the text claims neither. */
static void test_pending_text(void **state)
{
	struct ccm_config *c = load(AGENT SERVER("cs1", "imp1.example.com", ""));
	struct ccm_server_status st[] = { gone(T0, false) };
	struct ccm_impact im;
	char text[1024];

	(void)state;
	st[0].pending = true;
	im = eval(c, st, T0 + SEC);
	assert_true(CLS(im, MESSAGE)->pending);
	ccm_impact_text(&im, "messaging-blocked", text, sizeof(text));
	assert_non_null(strstr(text, "each is bounced at once (graceful "
				     "loss) or after up to 30s (ungraceful):"
				     " not known yet"));
	ccm_config_free(c);
}

static void test_effect_names(void **state)
{
	char buf[256];

	(void)state;
	ccm_effects_format((1u << CCM_NEFFECTS) - 1, buf, sizeof(buf));
	assert_string_equal(buf, "im-blocked, group-chat-blocked, "
			    "logins-delayed, logins-unlogged, "
			    "presence-delayed, im-unlogged");
	ccm_effects_format(0, buf, sizeof(buf));
	assert_string_equal(buf, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_graceful),
		cmocka_unit_test(test_single_ungraceful),
		cmocka_unit_test(test_balanced_graceful),
		cmocka_unit_test(test_balanced_ungraceful),
		cmocka_unit_test(test_priority_chain),
		cmocka_unit_test(test_other_node_takes_over_after_2_min),
		cmocka_unit_test(test_server_of_an_unseen_node_is_not_live),
		cmocka_unit_test(test_every_server_of_the_profile_down),
		cmocka_unit_test(test_pending_loss),
		cmocka_unit_test(test_fire_and_forget),
		cmocka_unit_test(test_unknown_and_connected),
		cmocka_unit_test(test_per_node),
		cmocka_unit_test(test_event_classes),
		cmocka_unit_test(test_next_change_is_after_now),
		cmocka_unit_test(test_loss_single_graceful),
		cmocka_unit_test(test_loss_single_ungraceful),
		cmocka_unit_test(test_loss_balanced_graceful),
		cmocka_unit_test(test_loss_balanced_ungraceful),
		cmocka_unit_test(test_loss_fire_and_forget),
		cmocka_unit_test(test_loss_nobody_waits),
		cmocka_unit_test(test_hung_server),
		cmocka_unit_test(test_pending_text),
		cmocka_unit_test(test_effect_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

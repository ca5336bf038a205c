/* SPDX-License-Identifier: ISC */
/* What the unit tests of the agent's views (status, SNMP, metrics) feed
 * the engine and the probe statistics, written once.  Include after
 * <cmocka.h>: a feed the engine refuses fails the test. */
#ifndef CCM_TESTS_UNIT_HELPERS_H
#define CCM_TESTS_UNIT_HELPERS_H

#include <stdint.h>
#include <string.h>

#include "agent/core/alarm.h"
#include "agent/core/engine.h"
#include "agent/core/probe_stats.h"
#include "parsers/config.h"
#include "parsers/logline.h"

/* "Component NAME is STATE" read at t. */
static inline void feed_state(struct ccm_engine *e, ccm_ms t,
			      const char *name, enum ccm_state state)
{
	struct ccm_logmsg m = {
		.kind = CCM_MSG_COMPONENT_STATE,
		.component = { name, strlen(name) },
		.state = state,
	};

	assert_int_equal(ccm_engine_feed(e, t, &m, NULL), 0);
}

/* A connect attempt to host:port at t; err not 0: it failed with that
 * errno ("Connection refused"). */
static inline void feed_connect(struct ccm_engine *e, ccm_ms t,
				const char *host, unsigned port, int err)
{
	static const char reason[] = "Connection refused";
	struct ccm_logmsg m = {
		.kind = err ? CCM_MSG_CONNECT_FAILED : CCM_MSG_CONNECTING,
		.host = { host, strlen(host) },
		.port = port,
		.fd = 22,
		.err = err,
		.reason = { reason, strlen(reason) },
	};

	assert_int_equal(ccm_engine_feed(e, t, &m, NULL), 0);
}

/* A wait of the router's queue on name that ended at t (as a bounce
 * after queue_wait reports it). */
static inline void feed_wait(struct ccm_engine *e, ccm_ms t, const char *name,
			     ccm_ms wait)
{
	struct ccm_logmsg m = {
		.kind = CCM_MSG_QUEUE_WAITED,
		.component = { name, strlen(name) },
		.wait = wait,
	};

	assert_int_equal(ccm_engine_feed(e, t, &m, NULL), 0);
}

/* One probe's outcome; connect_us, first_byte_us < 0: none. */
static inline void probe_report(struct ccm_probe_stats *st,
				enum ccm_probe_result result,
				int64_t connect_us, int64_t first_byte_us)
{
	struct ccm_probe_report r = {
		.result = result,
		.connected = connect_us >= 0,
		.connect_us = connect_us,
		.have_first_byte = first_byte_us >= 0,
		.first_byte_us = first_byte_us,
	};

	ccm_probe_stats_add(st, &r);
}

/* The alarms of an agent that raises and clears at once (no holds), so a
 * test sees each decision when it makes it. */
static inline struct ccm_alarms *alarms_new_zero_holds(void)
{
	struct ccm_alarm_policy pol;
	struct ccm_alarms *as;

	ccm_alarm_policy_default(&pol);
	pol.raise_hold = 0;
	pol.clear_hold = 0;
	as = ccm_alarms_new(&pol, NULL, NULL);
	assert_non_null(as);
	return as;
}

/* The configuration the views are tested with: cs1 at host1:7999, probed
 * over TCP, for component comp1; cs2 at cs2.example.com:7400, not probed,
 * for comp2.  path: the file it is said to come from, or NULL. */
static inline void two_servers(struct ccm_config *cfg,
			       struct ccm_server servers[static 2],
			       const char *path, const char *host1,
			       const char *comp1, const char *comp2)
{
	/* the loader's strings are its own copies; these are literals that
	 * nothing here writes or frees */
	servers[0] = (struct ccm_server){
		.name = "cs1", .host = (char *)host1, .port = 7999,
		.component = (char *)comp1, .probe = CCM_PROBE_TCP,
	};
	servers[1] = (struct ccm_server){
		.name = "cs2", .host = "cs2.example.com", .port = 7400,
		.component = (char *)comp2, .probe = CCM_PROBE_NONE,
	};
	*cfg = (struct ccm_config){
		.path = (char *)path,
		.servers = servers,
		.nservers = 2,
	};
}

#endif

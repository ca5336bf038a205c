/* SPDX-License-Identifier: ISC */
/* What the unit tests of the agent's views (status, SNMP, metrics) feed
 * the engine and the probe statistics, written once.  Include after
 * <cmocka.h>: a feed the engine refuses fails the test. */
#ifndef CCM_TESTS_UNIT_HELPERS_H
#define CCM_TESTS_UNIT_HELPERS_H

#include <stdint.h>
#include <string.h>

#include "agent/core/engine.h"
#include "agent/core/probe_stats.h"
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

#endif

/* SPDX-License-Identifier: ISC */
/* ccmond as a net-snmp AgentX subagent: CCMON-MIB served from the agent's
 * live state, and a notification for every alarm raised and cleared.
 *
 * Runs in the daemon's sd-event loop: net-snmp's sockets become io
 * sources, its timeouts and alarms (AgentX ping, reconnect) one timer; no
 * thread, no polling.  Without a master the agent keeps working: the
 * subagent retries every ping interval, says once that the master is
 * away and once that it is back, and queues notifications meanwhile
 * (agent/snmp/queue.h).  No MIB file is read, nor any snmp.conf: the
 * configuration is ccmon's.
 *
 * net-snmp keeps its state in globals: one subagent per process, created
 * once; a different agentx_socket takes a restart. */
#ifndef CCM_SNMP_AGENT_H
#define CCM_SNMP_AGENT_H

#include <stdbool.h>
#include <stddef.h>

#include <systemd/sd-event.h>

#include "agent/core/alarm.h"
#include "agent/snmp/queue.h"
#include "agent/snmp/view.h"

struct ccm_log;

struct ccm_snmp_agent_config {
	const char *socket;     /* NULL: net-snmp's default */
	ccm_ms ping_interval;   /* >= 1 s */
	size_t queue_max;
	/* where it tells that the master came or went, and net-snmp's
	 * errors (agent/io/log.h); NULL: nowhere */
	const struct ccm_log *log;
};

struct ccm_snmp_agent_ops {
	/* Fills what a request reads (the queue figures are added). */
	void (*source)(void *ctx, struct ccm_snmp_source *src);
	/* The master acknowledged notifications: the queue is shorter (may
	 * be NULL). */
	void (*delivered)(void *ctx);
};

struct ccm_snmp_agent;

/* NULL on failure with the reason in err. */
struct ccm_snmp_agent *ccm_snmp_agent_new(sd_event *loop,
					  const struct ccm_snmp_agent_config *cfg,
					  const struct ccm_snmp_agent_ops *ops,
					  void *ctx, char *err, size_t errlen);
void ccm_snmp_agent_free(struct ccm_snmp_agent *a);

/* Queues the notification of an alarm decision. */
void ccm_snmp_agent_queue(struct ccm_snmp_agent *a,
			  const struct ccm_alarm_decision *d);
/* Sends what is queued, when the master is there. */
void ccm_snmp_agent_send(struct ccm_snmp_agent *a);

/* The queue, for the state file: written before the notifications go out,
 * read back at start (ccm_snmp_queue_snapshot(), ..._restore()). */
struct json_object *ccm_snmp_agent_snapshot(const struct ccm_snmp_agent *a);
size_t ccm_snmp_agent_restore(struct ccm_snmp_agent *a,
			      const struct json_object *snapshot);

bool ccm_snmp_agent_connected(const struct ccm_snmp_agent *a);
void ccm_snmp_agent_queue_stats(const struct ccm_snmp_agent *a,
				struct ccm_snmp_queue_stats *out);

/* The socket in use, for messages: the configured one or the default. */
const char *ccm_snmp_agent_socket(const struct ccm_snmp_agent *a);

#endif

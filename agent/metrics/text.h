/* SPDX-License-Identifier: ISC */
/* The agent's figures as Prometheus text (exposition format 0.0.4), what
 * ccmond serves on /metrics (agent/metrics/http.h; doc/nms/README.md).
 *
 * Pure code: built from the same parts the SNMP view reads (struct
 * ccm_snmp_source), so /metrics, `ccmon status` and CCMON-MIB agree.
 * Every family has HELP and TYPE; names follow Prometheus' naming guide
 * (ccmon_ prefix, base units, counters ending in _total).  Families:
 *   ccmon_component_state{component,state}           gauge, 1 for its state
 *   ccmon_component_transitions_total{component}     counter
 *   ccmon_component_connect_failures_total{component} counter
 *   ccmon_probes_total{server}                       counter
 *   ccmon_probe_failures_total{server,cause}         counter: refused,
 *                                                    timeout, unreachable,
 *                                                    error
 *   ccmon_probe_connect_duration_seconds{server}     histogram
 *   ccmon_queue_wait_seconds{component,quantile}     gauge, over the
 *                                                    latency window
 *   ccmon_queue_wait_max_seconds{component}          gauge, the same
 *   ccmon_queue_waits_total{component}               counter
 *   ccmon_alarms_active{type,severity}               gauge
 *   ccmon_impact_active{scope,kind}                  gauge: kind is
 *       messaging-blocked, group-chat-blocked, messaging-degraded or
 *       logging-lost (the user-facing conditions, agent/core/impact.h)
 *   ccmon_messaging_blocked                          gauge (as
 *                                                    ccmonMessagingBlocked)
 *   ccmon_log_lines_total, ccmon_log_lines_recognized_total,
 *   ccmon_log_bytes_total, ccmon_log_rotations_total,
 *   ccmon_log_truncations_total, ccmon_log_watch_overflows_total,
 *   ccmon_log_files_open, ccmon_log_replaying         the tail's figures
 *   ccmon_build_info{version}                        gauge, 1
 * Label values are names from logs: cleaned to valid UTF-8 and escaped. */
#ifndef CCM_METRICS_TEXT_H
#define CCM_METRICS_TEXT_H

#include <stddef.h>

#include "agent/snmp/view.h"

#define CCM_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* The text of src's figures, malloc'd and NUL-terminated, its length in
 * *len; NULL when out of memory. */
char *ccm_metrics_render(const struct ccm_snmp_source *src, size_t *len);

#endif

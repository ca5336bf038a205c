/* CCMON-MIB (mibs/CCMON-MIB.txt) as the agent serves it: the numbers under
 * the module's root.  The MIB is the reference; tests/test_snmp_view.c and
 * tests/test_mib.py hold the two to each other. */
#ifndef CCM_SNMP_MIB_H
#define CCM_SNMP_MIB_H

/* The one place the agent names the root: netSnmpPlaypen (net-snmp's arc
 * for local MIBs) .42, until ccmon has an enterprise number. */
#define CCM_MIB_ROOT 1, 3, 6, 1, 4, 1, 8072, 9999, 9999, 42
#define CCM_MIB_ROOT_LEN 10

/* Under the root */
#define CCM_MIB_NOTIFICATIONS 0
#define CCM_MIB_OBJECTS 1

/* ccmonNotifications */
#define CCM_MIB_ALARM_RAISED 1
#define CCM_MIB_ALARM_CLEARED 2

/* ccmonObjects */
#define CCM_MIB_AGENT 1
#define CCM_MIB_COMPONENT_TABLE 2
#define CCM_MIB_ALARM_TABLE 3
#define CCM_MIB_NOTIFY_OBJECTS 4
#define CCM_MIB_IMPACT_TABLE 5

/* ccmonAgent scalars */
enum ccm_mib_agent {
	CCM_MIB_AGENT_VERSION = 1,
	CCM_MIB_AGENT_UPTIME,
	CCM_MIB_MESSAGING_BLOCKED,
	CCM_MIB_LINES_READ,
	CCM_MIB_LINES_RECOGNIZED,
	CCM_MIB_PARSE_ERRORS,
	CCM_MIB_LAST_LINE_TIME,
	CCM_MIB_ALARMS_ACTIVE,
	CCM_MIB_NOTIFICATIONS_QUEUED,
	CCM_MIB_NOTIFICATIONS_DROPPED,
	CCM_MIB_NOTIFICATIONS_SENT,
	CCM_MIB_AGENT_LAST = CCM_MIB_NOTIFICATIONS_SENT
};

/* ccmonComponentEntry columns (1, the key, is the index only) */
enum ccm_mib_component {
	CCM_MIB_COMP_KEY = 1,
	CCM_MIB_COMP_NAME,
	CCM_MIB_COMP_SERVER,
	CCM_MIB_COMP_STATE,
	CCM_MIB_COMP_LAST_CHANGE,
	CCM_MIB_COMP_TRANSITIONS,
	CCM_MIB_COMP_CONNECT_REFUSED,
	CCM_MIB_COMP_INCIDENT_CAUSE,
	CCM_MIB_COMP_INCIDENT_START,
	CCM_MIB_COMP_PROBE_RESULT,
	CCM_MIB_COMP_PROBE_LATENCY,
	CCM_MIB_COMP_PROBE_LATENCY_MIN,
	CCM_MIB_COMP_PROBE_LATENCY_MAX,
	CCM_MIB_COMP_PROBE_LATENCY_MEAN,
	CCM_MIB_COMP_PROBES,
	CCM_MIB_COMP_PROBE_FAILURES,
	CCM_MIB_COMP_LAST = CCM_MIB_COMP_PROBE_FAILURES
};
/* ccmonComponentKey is SIZE (1..96): longer names get no row */
#define CCM_MIB_COMP_KEY_MAX 96

/* ccmonAlarmEntry columns (1, the id, is the index only) */
enum ccm_mib_alarm {
	CCM_MIB_ALARM_ID = 1,
	CCM_MIB_ALARM_TYPE,
	CCM_MIB_ALARM_RESOURCE_TYPE,
	CCM_MIB_ALARM_RESOURCE,
	CCM_MIB_ALARM_SEVERITY,
	CCM_MIB_ALARM_RAISED_TIME,
	CCM_MIB_ALARM_SINCE,
	CCM_MIB_ALARM_TEXT,
	CCM_MIB_ALARM_FLAPPING,
	CCM_MIB_ALARM_CONDITION,
	CCM_MIB_ALARM_LAST = CCM_MIB_ALARM_CONDITION
};

/* ccmonImpactEntry columns (1, the scope, is the index only) */
enum ccm_mib_impact {
	CCM_MIB_IMPACT_SCOPE = 1,
	CCM_MIB_IMPACT_MESSAGES,
	CCM_MIB_IMPACT_GROUP_CHAT,
	CCM_MIB_IMPACT_LOGINS,
	CCM_MIB_IMPACT_QUEUEING,
	CCM_MIB_IMPACT_QUEUE_UNTIL,
	CCM_MIB_IMPACT_REROUTE_AT,
	CCM_MIB_IMPACT_LOGGING_LOST,
	CCM_MIB_IMPACT_SINCE,
	CCM_MIB_IMPACT_SERVERS,
	CCM_MIB_IMPACT_LAST = CCM_MIB_IMPACT_SERVERS
};

/* ccmonNotifyObjects (accessible-for-notify, instance .0) */
enum ccm_mib_notify {
	CCM_MIB_NOTIFY_ALARM_ID = 1,
	CCM_MIB_NOTIFY_ALARM_TYPE,
	CCM_MIB_NOTIFY_RESOURCE_TYPE,
	CCM_MIB_NOTIFY_RESOURCE,
	CCM_MIB_NOTIFY_SEVERITY,
	CCM_MIB_NOTIFY_TEXT,
	CCM_MIB_NOTIFY_TIME,
	CCM_MIB_NOTIFY_SINCE,
};

/* Textual conventions: enum values of the agent's types, mapped */
#define CCM_MIB_TRUE 1  /* TruthValue */
#define CCM_MIB_FALSE 2
#define CCM_MIB_DATEANDTIME_LEN 8
#define CCM_MIB_ADMIN_STRING_MAX 255 /* SnmpAdminString */ /* without zone: local civil time */

#endif

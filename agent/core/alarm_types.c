/* SPDX-License-Identifier: ISC */
/* What each alarm type is and says: its id, MESSAGE_ID, severity, texts
 * and remedy, the names of severities, resources and states, and the
 * MESSAGE line of a decision.  The words only: when an alarm is raised
 * and cleared is agent/core/alarm.c's business. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/core/alarm.h"

static const struct ccm_alarm_type_info types[CCM_ALARM_NTYPES] = {
	[CCM_ALARM_COMPONENT_DOWN] = {
		.id = "component-down",
		.message_id = "18ec6a4e7fd04345ac710617df3ff348",
		.severity = CCM_SEV_CRITICAL,
		.resource = CCM_RES_COMPONENT,
		.probable_cause = CCM_CAUSE_COMMUNICATIONS_SUBSYSTEM_FAILURE,
		.event_type = CCM_EVENT_COMMUNICATIONS,
		.raised = "Component is not ACTIVE",
		.cleared = "Component is ACTIVE again",
		.remedy = "Check that the compliance server is running and "
			  "listening on the host and port configured on IM and "
			  "Presence; the text says what its loss does to "
			  "users.",
	},
	[CCM_ALARM_AUTH_FAILURE] = {
		.id = "auth-failure",
		.message_id = "3ac6e9cf955d4fe19b0eb2e05ee86e40",
		.severity = CCM_SEV_CRITICAL,
		.resource = CCM_RES_COMPONENT,
		.probable_cause = CCM_CAUSE_AUTHENTICATION_FAILURE,
		.event_type = CCM_EVENT_COMMUNICATIONS,
		.raised = "Component is CONNECTED but not ACTIVE: "
			  "authentication fails",
		.cleared = "Component authenticated (ACTIVE)",
		.remedy = "Check that the password is the same on IM and "
			  "Presence and on the compliance server, and that the "
			  "compliance server is configured with this exact "
			  "component name.",
	},
	[CCM_ALARM_ENDPOINT_REFUSED] = {
		.id = "endpoint-refused",
		.message_id = "4d05f9fce76f45c7b9e3a114b32aab5c",
		.severity = CCM_SEV_MAJOR,
		.resource = CCM_RES_SERVER,
		.probable_cause = CCM_CAUSE_CONNECTION_ESTABLISHMENT_ERROR,
		.event_type = CCM_EVENT_COMMUNICATIONS,
		.raised = "The compliance server refuses the router's "
			  "connections",
		.cleared = "The router connects to the compliance server again",
		.remedy = "The host answers but nothing listens on the port: "
			  "check that the compliance server is running and "
			  "listening on that port, and the port configured on "
			  "both sides.",
	},
	[CCM_ALARM_PROBE_FAILING] = {
		.id = "probe-failing",
		.message_id = "f38bc653bf1c4b81a068e4ffc34fa31e",
		.severity = CCM_SEV_MAJOR,
		.resource = CCM_RES_SERVER,
		.probable_cause = CCM_CAUSE_CONNECTION_ESTABLISHMENT_ERROR,
		.event_type = CCM_EVENT_COMMUNICATIONS,
		.raised = "The compliance server does not answer ccmon's probe",
		.cleared = "The compliance server answers ccmon's probe again",
		.remedy = "Check that the compliance server is running and "
			  "listening on that port, and that the network from "
			  "this node to it lets the connection through.",
	},
	[CCM_ALARM_LOG_SILENT] = {
		.id = "log-silent",
		.message_id = "c5ed562f23d346eaae5cbe27d94c6ef8",
		.severity = CCM_SEV_MINOR,
		.resource = CCM_RES_LOG,
		.probable_cause = CCM_CAUSE_UNDERLYING_RESOURCE_UNAVAILABLE,
		.event_type = CCM_EVENT_PROCESSING_ERROR,
		.raised = "The router log has stopped growing",
		.cleared = "The router log grows again",
		.remedy = "Check that the Cisco XCP Router service is running, "
			  "that its trace is enabled, and that ccmond follows "
			  "the file the router writes now.",
	},
	[CCM_ALARM_LOG_UNREADABLE] = {
		.id = "log-unreadable",
		.message_id = "b587adf2043b48eba10b7b0f3cef619e",
		.severity = CCM_SEV_MAJOR,
		.resource = CCM_RES_LOG,
		.probable_cause = CCM_CAUSE_FILE_ERROR,
		.event_type = CCM_EVENT_PROCESSING_ERROR,
		.raised = "The router log cannot be read",
		.cleared = "The router log can be read again",
		.remedy = "Check that the file exists where ccmond looks for "
			  "it and that ccmond may read it (permissions, "
			  "mounts).",
	},
	[CCM_ALARM_MESSAGING_BLOCKED] = {
		.id = "messaging-blocked",
		.message_id = "c49c49724b7743599d314a0510426a96",
		.severity = CCM_SEV_CRITICAL,
		.resource = CCM_RES_SCOPE,
		.probable_cause = CCM_CAUSE_UNDERLYING_RESOURCE_UNAVAILABLE,
		.event_type = CCM_EVENT_QUALITY_OF_SERVICE,
		.raised = "Instant messages are blocked for every user",
		.cleared = "Instant messages are delivered again",
		.remedy = "Bring the named compliance server back (its "
			  "component-down alarm says why it is down), or "
			  "unassign its profile on IM and Presence and restart "
			  "the Cisco XCP Router.",
	},
	[CCM_ALARM_GROUP_CHAT_BLOCKED] = {
		.id = "group-chat-blocked",
		.message_id = "e80cbd463dad414bb442654207b70497",
		.severity = CCM_SEV_CRITICAL,
		.resource = CCM_RES_SCOPE,
		.probable_cause = CCM_CAUSE_UNDERLYING_RESOURCE_UNAVAILABLE,
		.event_type = CCM_EVENT_QUALITY_OF_SERVICE,
		.raised = "Group chat is blocked for every user",
		.cleared = "Group chat works again",
		.remedy = "Bring the named compliance server back (its "
			  "component-down alarm says why it is down), or "
			  "unassign its profile on IM and Presence and restart "
			  "the Cisco XCP Router.",
	},
	[CCM_ALARM_MESSAGING_DEGRADED] = {
		.id = "messaging-degraded",
		.message_id = "f9ff5ab0c00f47639e87749ae2d7bae6",
		.severity = CCM_SEV_MAJOR,
		.resource = CCM_RES_SCOPE,
		.probable_cause = CCM_CAUSE_PERFORMANCE_DEGRADED,
		.event_type = CCM_EVENT_QUALITY_OF_SERVICE,
		.raised = "Some users' messages fail, or logins are delayed",
		.cleared = "Messages and logins are normal again",
		.remedy = "Bring the named compliance server back; its share "
			  "of users moves to the other servers of its profile "
			  "at the time given.",
	},
	[CCM_ALARM_LOGGING_LOST] = {
		.id = "logging-lost",
		.message_id = "5716be1b8f0d4f009ff52eac0393dbe5",
		.severity = CCM_SEV_MAJOR,
		.resource = CCM_RES_SCOPE,
		.probable_cause = CCM_CAUSE_REDUCED_LOGGING_CAPABILITY,
		.event_type = CCM_EVENT_QUALITY_OF_SERVICE,
		.raised = "Events pass without compliance logging",
		.cleared = "Compliance logging is complete again",
		.remedy = "Bring the named compliance server back; tell the "
			  "compliance officer which events of which period "
			  "were not logged.",
	},
	[CCM_ALARM_QUEUE_LATENCY_HIGH] = {
		.id = "queue-latency-high",
		.message_id = "fb3fa70ba32d433982756bc669ab7a62",
		.severity = CCM_SEV_MAJOR,
		.resource = CCM_RES_COMPONENT,
		.probable_cause = CCM_CAUSE_RESPONSE_TIME_EXCESSIVE,
		.event_type = CCM_EVENT_QUALITY_OF_SERVICE,
		.raised = "Events wait long on the compliance server",
		.cleared = "Events on the compliance server are answered in "
			   "time again",
		.remedy = "Check the compliance server's own logs and load, "
			  "and whether its component is ACTIVE (the text says; "
			  "component-down says why it is not): every IM waits "
			  "for its answer.",
	},
	[CCM_ALARM_LOG_FILES_LIMIT] = {
		.id = "log-files-limit",
		.message_id = "91128fe003f1480c84f8342239c89955",
		.severity = CCM_SEV_WARNING,
		.resource = CCM_RES_LOG,
		.probable_cause = CCM_CAUSE_RESOURCE_AT_OR_NEARING_CAPACITY,
		.event_type = CCM_EVENT_PROCESSING_ERROR,
		.raised = "More log files match than ccmond keeps open",
		.cleared = "Every matching log file is kept open again",
		.remedy = "Narrow the log patterns of ccmon.conf to the files "
			  "the router writes, remove old logs from their "
			  "folder, or raise max_open_files.",
	},
	[CCM_ALARM_UNKNOWN_COMPONENTS] = {
		.id = "unknown-components",
		.message_id = "e99eb0dae8244b8db87de71086cdb6ba",
		.severity = CCM_SEV_MAJOR,
		.resource = CCM_RES_SCOPE,
		.probable_cause = CCM_CAUSE_COMMUNICATIONS_SUBSYSTEM_FAILURE,
		.event_type = CCM_EVENT_COMMUNICATIONS,
		.raised = "Components that no [server] configures are down",
		.cleared = "No component that no [server] configures is down",
		.remedy = "Configure a [server] for each compliance server this "
			  "node uses, so that each gets its own alarms; names "
			  "nobody knows in the router's log may also be a "
			  "misconfigured or hostile client.",
	},
	[CCM_ALARM_TOO_MANY_COMPONENTS] = {
		.id = "too-many-components",
		.message_id = "91b8caa1dab441589705bbc76b578130",
		.severity = CCM_SEV_MINOR,
		.resource = CCM_RES_SCOPE,
		.probable_cause = CCM_CAUSE_RESOURCE_AT_OR_NEARING_CAPACITY,
		.event_type = CCM_EVENT_PROCESSING_ERROR,
		.raised = "More component names than max_components: new names "
			  "are not tracked",
		.cleared = "New component names are tracked again",
		.remedy = "Find out what writes so many component names to the "
			  "router's log; if they are real, raise max_components "
			  "in ccmon.conf and reload.",
	},
	[CCM_ALARM_ENDPOINT_UNREACHABLE] = {
		.id = "endpoint-unreachable",
		.message_id = "7204197e84294a18adb1aac6fbedc2df",
		.severity = CCM_SEV_MAJOR,
		.resource = CCM_RES_SERVER,
		.probable_cause = CCM_CAUSE_CONNECTION_ESTABLISHMENT_ERROR,
		.event_type = CCM_EVENT_COMMUNICATIONS,
		.raised = "The router does not reach the compliance server",
		.cleared = "The router reaches the compliance server again",
		.remedy = "Check the network path from the router to the "
			  "compliance server (routing, firewalls, the host "
			  "being up) and the IP address or FQDN configured on "
			  "IM and Presence.",
	},
	[CCM_ALARM_XCP_ROUTER_RESTART] = {
		.id = "xcp-router-restart",
		.message_id = "76e9b43a01714c4db8ca5d9121605f2e",
		.severity = CCM_SEV_MAJOR,
		.resource = CCM_RES_SCOPE,
		.probable_cause = CCM_CAUSE_COMMUNICATIONS_SUBSYSTEM_FAILURE,
		.event_type = CCM_EVENT_COMMUNICATIONS,
		.raised = "The node's Cisco XCP Router restarted",
		.cleared = "The restart of the Cisco XCP Router is over",
		.remedy = "Find out why the Cisco XCP Router restarted (its "
			  "own logs, Serviceability, RTMT); while it was down "
			  "users on this node could not send IM or group "
			  "chat.",
	},
};

const struct ccm_alarm_type_info *ccm_alarm_type_info(enum ccm_alarm_type t)
{
	return (unsigned)t < CCM_ALARM_NTYPES ? &types[t] : NULL;
}

int ccm_alarm_type_from_id(const char *id, enum ccm_alarm_type *out)
{
	for (unsigned i = 0; i < CCM_ALARM_NTYPES; i++) {
		if (strcmp(types[i].id, id) == 0) {
			*out = (enum ccm_alarm_type)i;
			return 0;
		}
	}
	return -1;
}

static const char *const sev_names[] = {
	[CCM_SEV_CRITICAL] = "critical",
	[CCM_SEV_MAJOR] = "major",
	[CCM_SEV_MINOR] = "minor",
	[CCM_SEV_WARNING] = "warning",
};

static const char *const sev_labels[] = {
	[CCM_SEV_CRITICAL] = "CRITICAL",
	[CCM_SEV_MAJOR] = "MAJOR",
	[CCM_SEV_MINOR] = "MINOR",
	[CCM_SEV_WARNING] = "WARNING",
};

#define NSEV (sizeof(sev_names) / sizeof(sev_names[0]))

const char *ccm_alarm_severity_name(enum ccm_alarm_severity sev)
{
	return (unsigned)sev < NSEV ? sev_names[sev] : "invalid";
}

const char *ccm_alarm_severity_label(enum ccm_alarm_severity sev)
{
	return (unsigned)sev < NSEV ? sev_labels[sev] : "INVALID";
}

int ccm_alarm_severity_from_name(const char *name,
				 enum ccm_alarm_severity *out)
{
	for (unsigned i = 0; i < NSEV; i++) {
		if (strcmp(sev_names[i], name) == 0) {
			*out = (enum ccm_alarm_severity)i;
			return 0;
		}
	}
	return -1;
}

const char *ccm_alarm_resource_name(enum ccm_alarm_resource res)
{
	switch (res) {
	case CCM_RES_COMPONENT:
		return "component";
	case CCM_RES_SERVER:
		return "server";
	case CCM_RES_LOG:
		return "log";
	case CCM_RES_SCOPE:
		return "scope";
	}
	return "invalid";
}

const char *ccm_alarm_state_name(enum ccm_alarm_state state)
{
	switch (state) {
	case CCM_ALARM_RAISED:
		return "raised";
	case CCM_ALARM_CLEARED:
		return "cleared";
	case CCM_ALARM_CHANGED:
		return "changed";
	}
	return "invalid";
}

/* ---- messages ---------------------------------------------------------- */

const char *ccm_alarm_time(ccm_ms t, bool utc,
			   char buf[static CCM_TIME_STRLEN])
{
	ccm_time_format(t, buf);
	if (utc) {
		/* at most 29 characters of the 32 were written */
		size_t n = strlen(buf);

		memcpy(buf + n, "Z", 2);
	}
	return buf;
}

char *ccm_alarm_message(const struct ccm_alarm_decision *d, bool utc)
{
	const struct ccm_alarm_type_info *ti = ccm_alarm_type_info(d->type);
	char since[CCM_TIME_STRLEN];
	int n;
	char *s;

	if (!ti)
		return NULL;
	if (d->state == CCM_ALARM_RAISED)
		n = asprintf(&s, "ccmon: %s raised %s %s: %s, since %s. %s",
			     ccm_alarm_severity_label(d->severity), ti->id,
			     d->resource, d->text,
			     ccm_alarm_time(d->since, utc, since), ti->remedy);
	else if (d->state == CCM_ALARM_CHANGED)
		n = asprintf(&s, "ccmon: %s changed %s %s (was %s): %s, since "
			     "%s.", ccm_alarm_severity_label(d->severity),
			     ti->id, d->resource,
			     ccm_alarm_severity_label(d->was), d->text,
			     ccm_alarm_time(d->since, utc, since));
	else
		n = asprintf(&s, "ccmon: cleared %s %s (was %s): %s.", ti->id,
			     d->resource,
			     ccm_alarm_severity_label(d->severity), d->text);
	return n < 0 ? NULL : s;
}

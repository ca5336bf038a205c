/* SPDX-License-Identifier: ISC */
/* The configuration file (ccmon.conf(5)): loading, validation against the
 * vendor's rules (doc/domain.md "Servers, profiles and events"), and the
 * effective configuration.
 *
 * A load reports every finding of a file at once, each with its line and
 * rule id, so that an operator fixes a file in one pass.  A configuration
 * is handed out only when the file has no errors; warnings do not stop it.
 * The module never reads a compliance server's secret: it only carries the
 * path of the file that holds it.  The loader's internals are in
 * parsers/config/; its keys are the rows of parsers/config/keys.def. */
#ifndef CCM_CONFIG_H
#define CCM_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "parsers/queue_lines.h"
#include "parsers/timestamp.h"

/* The build defines CCM_SYSCONFDIR ($(sysconfdir)); this is for builds
 * outside automake. */
#ifndef CCM_SYSCONFDIR
#define CCM_SYSCONFDIR "/etc"
#endif
#define CCM_CONFIG_DEFAULT_PATH CCM_SYSCONFDIR "/ccmon/ccmon.conf"

#define CCM_BUILTIN_PROFILE "SystemDefaultComplianceProfile"

/* ---- findings ------------------------------------------------------------ */

enum ccm_level {
	CCM_LEVEL_WARNING,
	CCM_LEVEL_ERROR,
};
const char *ccm_level_name(enum ccm_level level); /* "warning" "error" */

struct ccm_finding {
	enum ccm_level level;
	char *file;
	unsigned line;    /* from 1; 0 when about the whole file */
	const char *rule; /* static kebab-case id, listed in ccmon.conf(5) */
	char *message;    /* "[server cs1] port: ...": no file, level or rule */
};

/* The findings of one or more loads, in the order of their lines within
 * each load.  Read v[0..n) directly. */
struct ccm_findings {
	struct ccm_finding *v;
	size_t n, cap;
	size_t errors, warnings;
	bool oom; /* a finding was lost for want of memory */
};

void ccm_findings_init(struct ccm_findings *f);
void ccm_findings_release(struct ccm_findings *f);

/* Appends a finding (file copied, rule kept as given: use a literal). */
__attribute__((format(printf, 6, 7)))
void ccm_findings_add(struct ccm_findings *f, enum ccm_level level,
		      const char *file, unsigned line, const char *rule,
		      const char *fmt, ...);

/* One line: "FILE:LINE: LEVEL: MESSAGE [RULE]\n" ("FILE: ..." for line 0).
 * Return 0, or -1 on a write error. */
int ccm_finding_print(const struct ccm_finding *f, FILE *out);
int ccm_findings_print(const struct ccm_findings *f, FILE *out);

/* ---- the configuration --------------------------------------------------- */

enum ccm_probe {
	CCM_PROBE_NONE,   /* no probing: a silent outage goes unseen */
	CCM_PROBE_TCP,    /* TCP connect to host:port */
	CCM_PROBE_STREAM, /* connect and read the server's stream header */
};

enum ccm_event_type {
	CCM_EVENT_JSM, /* Jabber Session Manager */
	CCM_EVENT_TC,  /* Text Conferencing (group chat) */
};

enum ccm_packet {
	CCM_PACKET_NONE, /* TC events have no packet type */
	CCM_PACKET_ALL,
	CCM_PACKET_IQ,
	CCM_PACKET_MESSAGE,
	CCM_PACKET_PRESENCE,
	CCM_PACKET_SUBSCRIPTION,
};

enum ccm_handling {
	CCM_HANDLING_BOUNCE, /* the server's errors go back to the sender */
	CCM_HANDLING_PASS,   /* the server's errors are discarded */
};

const char *ccm_probe_name(enum ccm_probe probe);       /* "none" ... */
const char *ccm_packet_name(enum ccm_packet packet);    /* "" "all" ... */
const char *ccm_handling_name(enum ccm_handling h);     /* "bounce" "pass" */
const char *ccm_syslog_facility_name(int facility);     /* "daemon", NULL */

struct ccm_event {
	enum ccm_event_type type;
	const char *name;        /* static: spelled as in ccmon.conf(5) */
	enum ccm_packet packet;  /* CCM_PACKET_NONE for TC */
	enum ccm_handling handling;
	bool fire_and_forget;    /* IM&P does not wait for the answer */
	unsigned line;           /* 0 in the built-in profile */
};

struct ccm_profile {
	char *name;
	char *description;       /* NULL when not set */
	unsigned priority;       /* 1 = visited first; unique */
	bool priority_derived;   /* not written: numbered by section order */
	bool builtin;            /* SystemDefaultComplianceProfile */
	struct ccm_event *events; /* JSM then TC, each in the file's order */
	size_t nevents;
	unsigned line;           /* of the [profile] header; 0 if built in */
};

struct ccm_server {
	char *name;
	char *description;       /* NULL when not set */
	char *host;
	unsigned port;
	char *node;              /* the IM&P node it is assigned to */
	bool node_derived;       /* taken from [agent] node */
	char *component;         /* the router's open-port component name */
	bool component_derived;  /* made by ccm_component_name() */
	const struct ccm_profile *profile; /* into ccm_config.profiles */
	enum ccm_probe probe;
	ccm_ms probe_interval, probe_timeout;
	char *secret_file;       /* path, never read here; NULL when not set */
	unsigned line;           /* of the [server] header */
};

/* At most count alarm messages per alarm in each period. */
struct ccm_rate {
	unsigned count;
	ccm_ms period;           /* 1000, 60000 or 3600000 */
};

enum ccm_compliance {
	CCM_COMPLIANCE_CLUSTER, /* any node's events to any server (10.0+) */
	CCM_COMPLIANCE_NODE,    /* each node's events to its own servers   */
};

struct ccm_agent_config {
	char **logs;             /* glob patterns, absolute */
	size_t nlogs;
	char *node;              /* this IM&P node */
	char *state_dir, *runtime_dir;
	ccm_ms auth_timeout;     /* CONNECTED without ACTIVE this long: auth */
	ccm_ms log_silent_after; /* 0: never alarm on a silent log */
	ccm_ms alarm_raise_hold, alarm_clear_hold;
	ccm_ms flap_window;      /* 0: no flap detection */
	unsigned flap_threshold; /* transitions within flap_window */
	struct ccm_rate alarm_rate_limit;
	size_t max_line;         /* bytes */
	int syslog_facility;     /* LOG_DAEMON ... as in <syslog.h> */
	bool snmp;               /* be an AgentX subagent */
	char *agentx_socket;     /* master's socket; NULL: net-snmp's default */
	ccm_ms agentx_ping_interval; /* retry / liveness period, >= 1 s */
	unsigned notification_queue; /* held while the master is away */
	unsigned alarm_history;      /* cleared alarms ccmonAlarmHistoryTable
				      * keeps; 0: none */
	enum ccm_compliance compliance;
	ccm_ms queue_wait;       /* an event queued on a lost server, at most */
	ccm_ms queue_window;     /* queueing goes on after an ungraceful loss */
	ccm_ms reroute_after;    /* a share moves to another node's server */
	unsigned queue_bounces;  /* full-wait bounces within queue_window that
				  * make an ACTIVE server not answering */
	ccm_ms latency_window;   /* queue-latency figures cover this much */
	ccm_ms queue_latency_high; /* p95 wait that raises the alarm; 0: off */
	unsigned status_clients; /* status socket: clients served at once */
	ccm_ms status_timeout;   /* ... each of which has this long to read */
	unsigned max_open_files; /* log files kept open at most */
	char *metrics_listen;    /* "127.0.0.1:9917", "[::1]:9917"; NULL: off */
	bool debug;              /* log at the debug level, as ccmond -v */
	unsigned line;           /* of the [agent] header */
	size_t max_components;   /* names no [server] configures, tracked */
	ccm_ms restart_silence;  /* a router restart: its log silent this  */
	ccm_ms restart_burst;    /* long, then CONNECTED this close         */
};

/* [node NAME]: one IM&P node of the cluster and the logs of its router.
 * logs and nlogs are adjacent, as in struct ccm_agent_config: the loader
 * fills both through one setter (parsers/config/keys.c checks it). */
struct ccm_node {
	char **logs;             /* glob patterns, absolute */
	size_t nlogs;
	char *name;              /* as component names carry it, with dots */
	unsigned line;           /* of the [node] header */
};

struct ccm_config {
	char *path;
	struct ccm_agent_config agent;
	struct ccm_node *nodes;       /* in the file's order */
	size_t nnodes;
	/* Every log pattern ccmond follows: [agent] log, then each [node]'s;
	 * log_node[i] is the node pattern i belongs to ([agent] node for
	 * [agent] log; NULL when that is not set).  Borrowed strings. */
	char **logs;
	const char **log_node;
	size_t nlogs;
	struct ccm_server *servers;   /* in the file's order */
	size_t nservers;
	struct ccm_profile *profiles; /* by priority, the built-in one last */
	size_t nprofiles;
	/* [latency NAME] sections that are enabled, in the file's order,
	 * then the built-in one unless a section of its name replaced it */
	struct ccm_queue_rule *queue_rules;
	size_t nqueue_rules;
	bool builtin_rule_off; /* [latency bounce] enabled = no */
};

/* The largest configuration file read (a ccmon.conf is a few KiB). */
#define CCM_CONFIG_MAX_BYTES ((size_t)1 << 20)

/* Reads and validates path, a regular file of at most
 * CCM_CONFIG_MAX_BYTES.  Findings are appended to *findings (which the
 * caller initialised).  Returns the number of errors found, with *out set
 * only when there are none (else NULL), or -1 when out of memory. */
int ccm_config_load(const char *path, struct ccm_config **out,
		    struct ccm_findings *findings);
void ccm_config_free(struct ccm_config *config);

/* Writes the effective configuration (defaults and derived names filled
 * in, the built-in profile as a comment) in the syntax load reads.
 * Returns 0, or -1 on a write error. */
int ccm_config_print(const struct ccm_config *config, FILE *out);

/* Lookups; NULL when absent.  Components compare ignoring case, as the
 * router's domain names do. */
/* Is some log of that node followed (a [node] with log, or [agent] log
 * with [agent] node of that name)?  Case-insensitive, as component
 * names are. */
bool ccm_config_node_watched(const struct ccm_config *c, const char *node);

const struct ccm_server *ccm_config_server(const struct ccm_config *config,
					   const char *name);
const struct ccm_server *
ccm_config_server_by_component(const struct ccm_config *config,
			       const char *component);
const struct ccm_profile *ccm_config_profile(const struct ccm_config *config,
					     const char *name);

/* "op-" NAME "." NODE with the node's dots as dashes, e.g. cs1 and
 * imp1.example.com give op-cs1.imp1-example-com.  Malloc'd; NULL on OOM. */
char *ccm_component_name(const char *server, const char *node);

/* Value syntax, shared with the command line.  Each returns 0, or -1 when
 * malformed or out of range.
 * Sizes: bytes, or a whole number of KiB, MiB or GiB ("512KiB", "1MiB"),
 * from 1 byte to 1 GiB.  Rates: "N/s", "N/m", "N/h", N from 1 to 1000000. */
int ccm_size_parse(const char *s, size_t *out);
int ccm_rate_parse(const char *s, struct ccm_rate *out);

#endif

/* SPDX-License-Identifier: ISC */
/* One setter per key type (enum ktype): each reads a value into its key's
 * field, or reports it on the line being read and marks the key bad, so
 * that checks between keys leave it alone.  The messages name the key as
 * keys.def spells it. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agent/util/listen_addr.h"
#include "parsers/config/config_internal.h"
#include "parsers/duration.h"

typedef void setter(struct parse *p, enum key k, void *obj,
		    const char *value);

static const char *name_of(enum key k)
{
	return ccm_keydefs[k].name;
}

static bool path_ok(struct parse *p, enum key k, const char *value)
{
	if (value[0] == '/')
		return true;
	ccm_cfg_error(p, "path", "%s: '%s' is not an absolute path",
		      name_of(k), value);
	ccm_cfg_mark_bad(p, k);
	return false;
}

static void set_path(struct parse *p, enum key k, void *obj, const char *value)
{
	if (path_ok(p, k, value))
		ccm_cfg_replace(p, ccm_key_field(k, obj), value);
}

static void set_logs(struct parse *p, enum key k, void *obj, const char *value)
{
	size_t *n;
	char ***list = ccm_key_logs(k, obj, &n);
	char *copy, **logs;

	if (!path_ok(p, k, value) || !(copy = ccm_cfg_strdup(p, value)))
		return;
	logs = reallocarray(*list, *n + 1, sizeof(*logs));
	if (!logs) {
		free(copy);
		p->oom = true;
		return;
	}
	*list = logs;
	logs[(*n)++] = copy;
}

static void set_text(struct parse *p, enum key k, void *obj, const char *value)
{
	ccm_cfg_replace(p, ccm_key_field(k, obj), value);
}

static void set_duration(struct parse *p, enum key k, void *obj,
			 const char *value)
{
	ccm_ms min_ms = (ccm_ms)ccm_keydefs[k].min, d;

	if (ccm_duration_parse(value, &d)) {
		ccm_cfg_error(p, "duration",
			      "%s: '%s' is not a duration (e.g. 250ms, 10s, 5m,"
			      " 1h30m; at most a year)", name_of(k), value);
		ccm_cfg_mark_bad(p, k);
	} else if (d < min_ms) {
		if (min_ms > 1)
			ccm_cfg_error(p, "duration",
				      "%s: must be at least %lld ms",
				      name_of(k), (long long)min_ms);
		else
			ccm_cfg_error(p, "duration",
				      "%s: must be longer than 0", name_of(k));
		ccm_cfg_mark_bad(p, k);
	} else {
		*(ccm_ms *)ccm_key_field(k, obj) = d;
	}
}

static bool name_chars_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(".-_", *s))
			return false;
	return true;
}

bool ccm_cfg_node_name_ok(const char *s)
{
	return name_chars_ok(s);
}

static void set_node(struct parse *p, enum key k, void *obj, const char *value)
{
	if (!name_chars_ok(value)) {
		ccm_cfg_error(p, "node-name",
			      "%s: '%s' is not a node name (letters, digits,"
			      " '.', '-' and '_')", name_of(k), value);
		ccm_cfg_mark_bad(p, k);
		return;
	}
	ccm_cfg_replace(p, ccm_key_field(k, obj), value);
}

static void set_component(struct parse *p, enum key k, void *obj,
			  const char *value)
{
	if (!name_chars_ok(value)) {
		ccm_cfg_error(p, "component-name",
			      "%s: '%s' is not a component name (letters,"
			      " digits, '.', '-' and '_')", name_of(k), value);
		ccm_cfg_mark_bad(p, k);
		return;
	}
	ccm_cfg_replace(p, ccm_key_field(k, obj), value);
}

/* A whole number from MIN to MAX, or false after reporting it. */
static bool number(struct parse *p, enum key k, const char *value,
		   unsigned long *n)
{
	const struct keydef *kd = &ccm_keydefs[k];

	if (!ccm_cfg_parse_uint(value, kd->max, n) && *n >= kd->min)
		return true;
	if (kd->type == T_PORT)
		ccm_cfg_error(p, "port", "%s: '%s' is not a port number"
			      " (%lu-%lu)", kd->name, value, kd->min, kd->max);
	else if (kd->type == T_PRIORITY)
		ccm_cfg_error(p, "priority", "%s: '%s' is not a positive whole"
			      " number (1 = visited first)", kd->name, value);
	else
		ccm_cfg_error(p, "integer", "%s: '%s' is not a whole number"
			      " from %lu to %lu", kd->name, value, kd->min,
			      kd->max);
	ccm_cfg_mark_bad(p, k);
	return false;
}

static void set_uint(struct parse *p, enum key k, void *obj, const char *value)
{
	unsigned long n;

	if (number(p, k, value, &n))
		*(unsigned *)ccm_key_field(k, obj) = (unsigned)n;
}

static void set_count(struct parse *p, enum key k, void *obj,
		      const char *value)
{
	unsigned long n;

	if (number(p, k, value, &n))
		*(size_t *)ccm_key_field(k, obj) = (size_t)n;
}

static void set_rate(struct parse *p, enum key k, void *obj, const char *value)
{
	if (!ccm_rate_parse(value, ccm_key_field(k, obj)))
		return;
	ccm_cfg_error(p, "rate", "%s: '%s' is not a rate: write N/s, N/m or"
		      " N/h (N from 1 to 1000000)", name_of(k), value);
	ccm_cfg_mark_bad(p, k);
}

static void set_size(struct parse *p, enum key k, void *obj, const char *value)
{
	if (!ccm_size_parse(value, ccm_key_field(k, obj)))
		return;
	ccm_cfg_error(p, "size", "%s: '%s' is not a size: bytes, or a whole"
		      " number of KiB, MiB or GiB, from 1 byte to 1GiB",
		      name_of(k), value);
	ccm_cfg_mark_bad(p, k);
}

static void set_facility(struct parse *p, enum key k, void *obj,
			 const char *value)
{
	int f = ccm_cfg_facility(value);

	if (f >= 0) {
		*(int *)ccm_key_field(k, obj) = f;
		return;
	}
	ccm_cfg_error(p, "syslog-facility",
		      "%s: '%s' is not a facility (auth, authpriv, cron,"
		      " daemon, ftp, local0-local7, lpr, mail, news, syslog,"
		      " user, uucp)", name_of(k), value);
	ccm_cfg_mark_bad(p, k);
}

/* yes or no, or -1 after reporting it */
static int yes_no(struct parse *p, enum key k, const char *value)
{
	if (!strcasecmp(value, "yes") || !strcasecmp(value, "no"))
		return !strcasecmp(value, "yes");
	ccm_cfg_error(p, "boolean", "%s: '%s' is not yes or no", name_of(k),
		      value);
	ccm_cfg_mark_bad(p, k);
	return -1;
}

static void set_bool(struct parse *p, enum key k, void *obj, const char *value)
{
	int yes = yes_no(p, k, value);

	if (yes >= 0)
		*(bool *)ccm_key_field(k, obj) = yes;
}

static void set_enabled(struct parse *p, enum key k, void *obj,
			const char *value)
{
	int yes = yes_no(p, k, value);

	if (yes >= 0)
		*(bool *)ccm_key_field(k, obj) = !yes;
}

/* net-snmp reads it as a transport: "/path", "unix:/path",
 * "tcp:host:port"; blanks would end it early */
static void set_socket(struct parse *p, enum key k, void *obj,
		       const char *value)
{
	if (*value && !strpbrk(value, " \t")) {
		ccm_cfg_replace(p, ccm_key_field(k, obj), value);
		return;
	}
	ccm_cfg_error(p, "agentx-socket",
		      "%s: '%s' is not a socket: write a path"
		      " (/var/agentx/master) or a transport"
		      " (tcp:localhost:705)", name_of(k), value);
	ccm_cfg_mark_bad(p, k);
}

static void set_compliance(struct parse *p, enum key k, void *obj,
			   const char *value)
{
	enum ccm_compliance *c = ccm_key_field(k, obj);

	if (!strcasecmp(value, "cluster")) {
		*c = CCM_COMPLIANCE_CLUSTER;
	} else if (!strcasecmp(value, "node")) {
		*c = CCM_COMPLIANCE_NODE;
	} else {
		ccm_cfg_error(p, "compliance",
			      "%s: '%s' is neither cluster (every node's events"
			      " may go to every server, the default since"
			      " 10.0(1)) nor node (per-node compliance of older"
			      " systems)", name_of(k), value);
		ccm_cfg_mark_bad(p, k);
	}
}

static void set_listen(struct parse *p, enum key k, void *obj,
		       const char *value)
{
	if (ccm_listen_parse(value, NULL, NULL) == 0) {
		ccm_cfg_replace(p, ccm_key_field(k, obj), value);
		return;
	}
	ccm_cfg_error(p, "listen-address",
		      "%s: '%s' is not an address and port: write"
		      " 127.0.0.1:9917 or [::1]:9917", name_of(k), value);
	ccm_cfg_mark_bad(p, k);
}

static void set_host(struct parse *p, enum key k, void *obj, const char *value)
{
	const char *c;

	if (!*value) {
		ccm_cfg_error(p, "host-characters", "%s: is empty", name_of(k));
		ccm_cfg_mark_bad(p, k);
		return;
	}
	for (c = value; *c; c++)
		if (!isascii((unsigned char)*c) ||
		    (!isalnum((unsigned char)*c) && !strchr(".\\-_", *c)))
			break;
	if (*c) {
		ccm_cfg_error(p, "host-characters",
			      "%s: '%s' holds '%c'; a host may hold only"
			      " letters, digits, '.', '\\', '-' and '_' (vendor"
			      " rule)", name_of(k), value,
			      isprint((unsigned char)*c) ? *c : '?');
		ccm_cfg_mark_bad(p, k);
		return;
	}
	ccm_cfg_replace(p, ccm_key_field(k, obj), value);
}

/* Resolved once every profile is known: kept as written until then. */
static void set_profile_ref(struct parse *p, enum key k, void *obj,
			    const char *value)
{
	(void)k;
	(void)obj;
	ccm_cfg_replace(p, &p->saux[p->cur].profile, value);
}

static void set_probe(struct parse *p, enum key k, void *obj,
		      const char *value)
{
	int probe = ccm_cfg_probe(value);

	if (probe < 0) {
		ccm_cfg_error(p, "probe", "%s: '%s' is not none, tcp or stream",
			      name_of(k), value);
		ccm_cfg_mark_bad(p, k);
		return;
	}
	*(enum ccm_probe *)ccm_key_field(k, obj) = (enum ccm_probe)probe;
	if (probe == CCM_PROBE_NONE)
		ccm_cfg_warn(p, "probe-none",
			     "probe = none: with no probe an outage that the"
			     " router does not log goes unseen");
}

static void set_jsm(struct parse *p, enum key k, void *obj, const char *value)
{
	(void)k;
	ccm_cfg_parse_events(p, obj, CCM_EVENT_JSM, value);
}

static void set_tc(struct parse *p, enum key k, void *obj, const char *value)
{
	(void)k;
	ccm_cfg_parse_events(p, obj, CCM_EVENT_TC, value);
}

static void set_pattern(struct parse *p, enum key k, void *obj,
			const char *value)
{
	struct latency_read *l = obj;
	bool has_key;
	char why[300];

	if (ccm_queue_pattern_check(value, &has_key, why, sizeof(why))) {
		ccm_cfg_error(p, "pattern", "%s: the PCRE2 pattern %s",
			      name_of(k), why);
		ccm_cfg_mark_bad(p, k);
		return;
	}
	if (has_key)
		l->keyed |= UINT64_C(1) << k;
	ccm_cfg_replace(p, ccm_key_field(k, obj), value);
}

static setter *const setters[T_NTYPES] = {
	[T_LOGS] = set_logs,
	[T_NODE] = set_node,
	[T_PATH] = set_path,
	[T_DURATION] = set_duration,
	[T_UINT] = set_uint,
	[T_COUNT] = set_count,
	[T_RATE] = set_rate,
	[T_SIZE] = set_size,
	[T_FACILITY] = set_facility,
	[T_BOOL] = set_bool,
	[T_SOCKET] = set_socket,
	[T_COMPLIANCE] = set_compliance,
	[T_LISTEN] = set_listen,
	[T_TEXT] = set_text,
	[T_HOST] = set_host,
	[T_PORT] = set_uint,
	[T_SERVER_NODE] = set_node,
	[T_COMPONENT] = set_component,
	[T_PROFILE_REF] = set_profile_ref,
	[T_PROBE] = set_probe,
	[T_PRIORITY] = set_uint,
	[T_JSM] = set_jsm,
	[T_TC] = set_tc,
	[T_PATTERN] = set_pattern,
	[T_WAIT] = set_duration,
	[T_ENABLED] = set_enabled,
};

void ccm_cfg_set(struct parse *p, enum key k, void *obj, const char *value)
{
	setters[ccm_keydefs[k].type](p, k, obj, value);
}

/* SPDX-License-Identifier: ISC */
/* The effective configuration, in the syntax the loader reads: every key
 * of keys.def in its order, defaults and derived names filled in, the
 * built-in profile and queue rule as comments, so that the printed file
 * reads back to the same configuration. */
#include <stdio.h>
#include <string.h>

#include "parsers/config/config_internal.h"

struct out {
	FILE *f;
	const char *prefix;            /* "; " for what is built in */
	const struct ccm_config *cfg;
};

typedef void printer(const struct out *o, enum key k, const void *obj);

/* One "key = value" line, with a comment when it fits libinih's limit. */
static void kv(const struct out *o, const char *key, const char *value,
	       const char *note)
{
	size_t len = strlen(o->prefix) + strlen(key) + 3 + strlen(value);

	if (note && len + 3 + strlen(note) <= INI_LINE_MAX)
		fprintf(o->f, "%s%s = %s ; %s\n", o->prefix, key, value, note);
	else if (len <= INI_LINE_MAX)
		fprintf(o->f, "%s%s = %s\n", o->prefix, key, value);
	else
		fprintf(o->f, "%s%s=%s\n", o->prefix, key, value);
}

static const char *name_of(enum key k)
{
	return ccm_keydefs[k].name;
}

static const char *text_of(enum key k, const void *obj)
{
	return *(char *const *)ccm_key_cfield(k, obj);
}

/* Set: as it is; unset: NOTE as a comment, or nothing. */
static void print_text(const struct out *o, enum key k, const void *obj)
{
	const char *v = text_of(k, obj);

	if (v)
		kv(o, name_of(k), v, NULL);
	else if (ccm_keydefs[k].note)
		fprintf(o->f, "; %s: %s\n", name_of(k), ccm_keydefs[k].note);
}

static void print_logs(const struct out *o, enum key k, const void *obj)
{
	size_t n;
	char *const *logs = ccm_key_clogs(k, obj, &n);

	for (size_t i = 0; i < n; i++)
		kv(o, name_of(k), logs[i], NULL);
}

static void print_duration(const struct out *o, enum key k, const void *obj)
{
	ccm_ms d = *(const ccm_ms *)ccm_key_cfield(k, obj);
	char buf[48];

	kv(o, name_of(k), ccm_cfg_format_duration(d, buf),
	   d ? NULL : ccm_keydefs[k].note);
}

static void print_number(const struct out *o, enum key k, unsigned long n,
			 const char *note)
{
	char num[24];

	snprintf(num, sizeof(num), "%lu", n);
	kv(o, name_of(k), num, note);
}

static void print_uint(const struct out *o, enum key k, const void *obj)
{
	print_number(o, k, *(const unsigned *)ccm_key_cfield(k, obj), NULL);
}

static void print_count(const struct out *o, enum key k, const void *obj)
{
	print_number(o, k, *(const size_t *)ccm_key_cfield(k, obj), NULL);
}

static void print_rate(const struct out *o, enum key k, const void *obj)
{
	const struct ccm_rate *r = ccm_key_cfield(k, obj);
	char buf[32];

	snprintf(buf, sizeof(buf), "%u/%s", r->count,
		 r->period == SEC ? "s" : r->period == MIN ? "m" : "h");
	kv(o, name_of(k), buf, NULL);
}

static void print_size(const struct out *o, enum key k, const void *obj)
{
	char buf[32];

	kv(o, name_of(k),
	   ccm_cfg_format_size(*(const size_t *)ccm_key_cfield(k, obj), buf),
	   NULL);
}

static void print_facility(const struct out *o, enum key k, const void *obj)
{
	kv(o, name_of(k),
	   ccm_syslog_facility_name(*(const int *)ccm_key_cfield(k, obj)),
	   NULL);
}

static void print_bool(const struct out *o, enum key k, const void *obj)
{
	kv(o, name_of(k), *(const bool *)ccm_key_cfield(k, obj) ? "yes" : "no",
	   NULL);
}

static void print_compliance(const struct out *o, enum key k,
			     const void *obj)
{
	kv(o, name_of(k),
	   ccm_cfg_compliance_name(
		   *(const enum ccm_compliance *)ccm_key_cfield(k, obj)),
	   NULL);
}

static void print_server_node(const struct out *o, enum key k,
			      const void *obj)
{
	const struct ccm_server *s = obj;

	kv(o, name_of(k), text_of(k, obj),
	   s->node_derived ? ccm_keydefs[k].note : NULL);
}

/* Derived from a long server name, it may not fit a line libinih reads:
 * as a comment, for it is derived again when read back. */
static void print_component(const struct out *o, enum key k,
			    const void *obj)
{
	const struct ccm_server *s = obj;
	const char *v = text_of(k, obj);

	if (s->component_derived &&
	    strlen(name_of(k)) + 1 + strlen(v) > INI_LINE_MAX)
		fprintf(o->f, "; %s = %s ; derived: op-NAME.NODE\n",
			name_of(k), v);
	else
		kv(o, name_of(k), v,
		   s->component_derived ? ccm_keydefs[k].note : NULL);
}

static void print_profile_ref(const struct out *o, enum key k,
			      const void *obj)
{
	const struct ccm_profile *const *pr = ccm_key_cfield(k, obj);

	kv(o, name_of(k), (*pr)->name, NULL);
}

static void print_probe(const struct out *o, enum key k, const void *obj)
{
	kv(o, name_of(k),
	   ccm_probe_name(*(const enum ccm_probe *)ccm_key_cfield(k, obj)),
	   NULL);
}

static void print_priority(const struct out *o, enum key k, const void *obj)
{
	const struct ccm_profile *pr = obj;

	print_number(o, k, pr->priority,
		     pr->priority_derived && !pr->builtin ?
		     ccm_keydefs[k].note : NULL);
}

/* "jsm = a, b, c" lines of up to 78 columns, as many as it takes. */
static void print_events(const struct out *o, enum key k,
			 const struct ccm_profile *pr, enum ccm_event_type t)
{
	size_t col = 0;

	for (size_t i = 0; i < pr->nevents; i++) {
		const struct ccm_event *e = &pr->events[i];
		char item[128];
		size_t len;

		if (e->type != t)
			continue;
		len = (size_t)snprintf(item, sizeof(item), "%s%s%s:%s%s",
				       e->name, t == CCM_EVENT_JSM ? ":" : "",
				       t == CCM_EVENT_JSM ?
				       ccm_packet_name(e->packet) : "",
				       ccm_handling_name(e->handling),
				       e->fire_and_forget ?
				       ":fire-and-forget" : "");
		if (col && col + 2 + len > 78) {
			fputc('\n', o->f);
			col = 0;
		}
		if (col)
			col += (size_t)fprintf(o->f, ", %s", item);
		else
			col = (size_t)fprintf(o->f, "%s%s = %s", o->prefix,
					      name_of(k), item);
	}
	if (col)
		fputc('\n', o->f);
}

static void print_jsm(const struct out *o, enum key k, const void *obj)
{
	print_events(o, k, obj, CCM_EVENT_JSM);
}

static void print_tc(const struct out *o, enum key k, const void *obj)
{
	print_events(o, k, obj, CCM_EVENT_TC);
}

/* Beside match only: a pair measures its own wait. */
static void print_wait(const struct out *o, enum key k, const void *obj)
{
	const struct ccm_queue_rule *r = obj;
	char buf[48];

	if (!r->match)
		return;
	if (r->wait)
		print_duration(o, k, obj);
	else
		fprintf(o->f, "; %s: queue_wait (%s)\n", name_of(k),
			ccm_cfg_format_duration(o->cfg->agent.queue_wait,
						buf));
}

/* [latency bounce] enabled = no is printed after the rules. */
static void print_nothing(const struct out *o, enum key k, const void *obj)
{
	(void)o;
	(void)k;
	(void)obj;
}

static printer *const printers[T_NTYPES] = {
	[T_LOGS] = print_logs,
	[T_NODE] = print_text,
	[T_PATH] = print_text,
	[T_DURATION] = print_duration,
	[T_UINT] = print_uint,
	[T_COUNT] = print_count,
	[T_RATE] = print_rate,
	[T_SIZE] = print_size,
	[T_FACILITY] = print_facility,
	[T_BOOL] = print_bool,
	[T_SOCKET] = print_text,
	[T_COMPLIANCE] = print_compliance,
	[T_LISTEN] = print_text,
	[T_TEXT] = print_text,
	[T_HOST] = print_text,
	[T_PORT] = print_uint,
	[T_SERVER_NODE] = print_server_node,
	[T_COMPONENT] = print_component,
	[T_PROFILE_REF] = print_profile_ref,
	[T_PROBE] = print_probe,
	[T_PRIORITY] = print_priority,
	[T_JSM] = print_jsm,
	[T_TC] = print_tc,
	[T_PATTERN] = print_text,
	[T_WAIT] = print_wait,
	[T_ENABLED] = print_nothing,
};

/* The keys of section s in obj, in keys.def's order. */
static void print_keys(const struct out *o, enum sect s, const void *obj)
{
	for (size_t k = 0; k < K_COUNT; k++)
		if (ccm_keydefs[k].sect == s)
			printers[ccm_keydefs[k].type](o, (enum key)k, obj);
}

static void print_profile(const struct out *o, const struct ccm_profile *pr)
{
	struct out in = *o;

	if (pr->builtin) {
		fprintf(o->f, "\n; [profile %s]\n; built in and read-only:"
			" shown for reference, not to be written\n", pr->name);
		in.prefix = "; ";
	} else {
		fprintf(o->f, "\n[profile %s]\n", pr->name);
	}
	print_keys(&in, SECT_PROFILE, pr);
}

/* The built-in rule as a comment, like the built-in profile. */
static void print_rule(const struct out *o, const struct ccm_queue_rule *r)
{
	struct out in = *o;

	if (!r->line)
		in.prefix = "; ";
	fprintf(o->f, "\n%s[latency %s]\n", in.prefix, r->name);
	if (!r->line)
		fputs("; built in: used unless a section of this name replaces"
		      " or disables it\n", o->f);
	print_keys(&in, SECT_LATENCY, r);
}

int ccm_config_print(const struct ccm_config *c, FILE *out)
{
	const struct out o = { .f = out, .prefix = "", .cfg = c };

	fprintf(out, "; ccmon effective configuration from %s\n"
		"; (defaults and derived names filled in)\n\n", c->path);
	fputs("[agent]\n", out);
	print_keys(&o, SECT_AGENT, &c->agent);
	for (size_t i = 0; i < c->nnodes; i++) {
		fprintf(out, "\n[node %s]\n", c->nodes[i].name);
		print_keys(&o, SECT_NODE, &c->nodes[i]);
	}
	for (size_t i = 0; i < c->nservers; i++) {
		fprintf(out, "\n[server %s]\n", c->servers[i].name);
		print_keys(&o, SECT_SERVER, &c->servers[i]);
	}
	for (size_t i = 0; i < c->nprofiles; i++)
		print_profile(&o, &c->profiles[i]);
	for (size_t i = 0; i < c->nqueue_rules; i++)
		print_rule(&o, &c->queue_rules[i]);
	if (c->builtin_rule_off)
		fprintf(out, "\n[latency %s]\nenabled = no\n",
			CCM_QUEUE_BUILTIN);
	return ferror(out) ? -1 : 0;
}

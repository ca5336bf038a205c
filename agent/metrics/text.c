/* SPDX-License-Identifier: ISC */
/* The Prometheus text of the agent's figures (agent/metrics/text.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/core/component_rows.h"
#include "agent/core/impact.h"
#include "agent/metrics/text.h"
#include "agent/util/text_clean.h"

/* One component as the families show it: the row, and its waits as of
 * the request (the engine moves the window only when something
 * happens). */
struct mrow {
	const struct ccm_component_row *row;
	const struct ccm_probe_stats *probe;
	struct ccm_qlat_stats queue;
};

struct mctx {
	FILE *out;
	const struct ccm_snmp_source *src;
	struct mrow *rows;
	size_t nrows;
};

static void family(FILE *out, const char *name, const char *type,
		   const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value: names come from logs, so they are made valid UTF-8 and
 * the three characters the format reserves are escaped. */
static void label_value(FILE *out, const char *s)
{
	char *clean = ccm_text_clean_str(s ? s : "", CCM_TEXT_UTF8);
	const char *p = clean ? clean : "";

	for (; *p; p++) {
		if (*p == '\\')
			fputs("\\\\", out);
		else if (*p == '"')
			fputs("\\\"", out);
		else if (*p == '\n')
			fputs("\\n", out);
		else
			fputc(*p, out);
	}
	free(clean);
}

static void label(FILE *out, const char *sep, const char *key,
		  const char *value)
{
	fprintf(out, "%s%s=\"", sep, key);
	label_value(out, value);
	fputc('"', out);
}

/* Whole units as seconds with their decimals: no rounding by %g. */
static void seconds(FILE *out, long long v, long long per_second,
		    int decimals)
{
	long long a = v < 0 ? -v : v;

	fprintf(out, "%s%lld.%0*lld", v < 0 ? "-" : "", a / per_second,
		decimals, a % per_second);
}

static void components_state(struct mctx *m)
{
	family(m->out, "ccmon_component_state", "gauge",
	       "The state of each component: 1 for the state it is in.");
	for (size_t i = 0; i < m->nrows; i++) {
		const struct ccm_component *c = m->rows[i].row->comp;
		enum ccm_state now = c ? c->state : CCM_STATE_UNKNOWN;

		for (int s = 0; s < CCM_STATE_COUNT; s++) {
			fputs("ccmon_component_state", m->out);
			label(m->out, "{", "component", m->rows[i].row->name);
			label(m->out, ",", "state",
			      ccm_state_name((enum ccm_state)s));
			fprintf(m->out, "} %d\n", (int)now == s);
		}
	}
}

/* A counter per component; get gives its value. */
static void per_component(struct mctx *m, const char *name, const char *help,
			  uint64_t (*get)(const struct mrow *))
{
	family(m->out, name, "counter", help);
	for (size_t i = 0; i < m->nrows; i++) {
		fputs(name, m->out);
		label(m->out, "{", "component", m->rows[i].row->name);
		fprintf(m->out, "} %llu\n",
			(unsigned long long)get(&m->rows[i]));
	}
}

static uint64_t get_transitions(const struct mrow *r)
{
	return r->row->comp ? r->row->comp->transitions : 0;
}

static uint64_t get_connect_failures(const struct mrow *r)
{
	return r->row->comp ? r->row->comp->connect_failures : 0;
}

static uint64_t get_waits(const struct mrow *r)
{
	return r->queue.total;
}

static void probes(struct mctx *m)
{
	family(m->out, "ccmon_probes_total", "counter",
	       "Probes of each configured compliance server.");
	for (size_t i = 0; i < m->nrows; i++) {
		if (!m->rows[i].probe)
			continue;
		fputs("ccmon_probes_total", m->out);
		label(m->out, "{", "server", m->rows[i].row->server->name);
		fprintf(m->out, "} %llu\n",
			(unsigned long long)m->rows[i].probe->probes);
	}
	family(m->out, "ccmon_probe_failures_total", "counter",
	       "Probes that failed, by cause.");
	for (size_t i = 0; i < m->nrows; i++) {
		const struct ccm_probe_stats *st = m->rows[i].probe;

		for (int r = CCM_PROBE_OK + 1; st && r < CCM_PROBE_NRESULTS;
		     r++) {
			fputs("ccmon_probe_failures_total", m->out);
			label(m->out, "{", "server",
			      m->rows[i].row->server->name);
			label(m->out, ",", "cause", ccm_probe_result_name(
				      (enum ccm_probe_result)r));
			fprintf(m->out, "} %llu\n",
				(unsigned long long)st->results[r]);
		}
	}
}

/* The probe's buckets are per bucket; Prometheus' are cumulative. */
static void histogram(FILE *out, const char *server,
		      const struct ccm_latency *l)
{
	const char *name = "ccmon_probe_connect_duration_seconds";
	uint64_t cum = 0;

	for (unsigned b = 0; b < CCM_LATENCY_BUCKETS; b++) {
		int64_t bound = ccm_latency_bucket_bound_ms(b);

		cum += l->hist[b];
		fprintf(out, "%s_bucket", name);
		label(out, "{", "server", server);
		fputs(",le=\"", out);
		if (bound < 0)
			fputs("+Inf", out);
		else
			seconds(out, bound, 1000, 3);
		fprintf(out, "\"} %llu\n", (unsigned long long)cum);
	}
	fprintf(out, "%s_sum", name);
	label(out, "{", "server", server);
	fputs("} ", out);
	seconds(out, l->sum_us, 1000000, 6);
	fprintf(out, "\n%s_count", name);
	label(out, "{", "server", server);
	fprintf(out, "} %llu\n", (unsigned long long)l->count);
}

static void probe_latency(struct mctx *m)
{
	family(m->out, "ccmon_probe_connect_duration_seconds", "histogram",
	       "Time the probes took to connect to each server.");
	for (size_t i = 0; i < m->nrows; i++)
		if (m->rows[i].probe)
			histogram(m->out, m->rows[i].row->server->name,
				  &m->rows[i].probe->connect);
}

static void wait_line(FILE *out, const char *name, const char *component,
		      const char *quantile, ccm_ms ms)
{
	fputs(name, out);
	label(out, "{", "component", component);
	if (quantile)
		label(out, ",", "quantile", quantile);
	fputs("} ", out);
	seconds(out, ms, 1000, 3);
	fputc('\n', out);
}

/* Only components with waits in the window: a quantile of nothing is
 * not 0. */
static void queue_waits(struct mctx *m)
{
	family(m->out, "ccmon_queue_wait_seconds", "gauge",
	       "How long events waited on the component, by quantile, over"
	       " the latency window.");
	for (size_t i = 0; i < m->nrows; i++) {
		const struct ccm_qlat_stats *q = &m->rows[i].queue;
		const char *n = m->rows[i].row->name;

		if (!q->count)
			continue;
		wait_line(m->out, "ccmon_queue_wait_seconds", n, "0.5", q->p50);
		wait_line(m->out, "ccmon_queue_wait_seconds", n, "0.95",
			  q->p95);
		wait_line(m->out, "ccmon_queue_wait_seconds", n, "0.99",
			  q->p99);
	}
	family(m->out, "ccmon_queue_wait_max_seconds", "gauge",
	       "The longest wait on the component over the latency window.");
	for (size_t i = 0; i < m->nrows; i++)
		if (m->rows[i].queue.count)
			wait_line(m->out, "ccmon_queue_wait_max_seconds",
				  m->rows[i].row->name, NULL,
				  m->rows[i].queue.max);
	per_component(m, "ccmon_queue_waits_total",
		      "Waits of events on the component since the start.",
		      get_waits);
}

/* Every type and severity, 0 included: a rule or a graph needs the
 * series before the first alarm, and a type with none is not unknown. */
static void alarms(struct mctx *m)
{
	uint64_t count[CCM_ALARM_NTYPES][CCM_SEV_WARNING + 1];
	struct ccm_alarm_view v;
	uint64_t after = 0;

	memset(count, 0, sizeof(count));
	while (m->src->alarms &&
	       ccm_alarms_next_active(m->src->alarms, after, &v)) {
		after = v.id;
		if ((unsigned)v.type < CCM_ALARM_NTYPES &&
		    (unsigned)v.severity <= CCM_SEV_WARNING)
			count[v.type][v.severity]++;
	}
	family(m->out, "ccmon_alarms_active", "gauge",
	       "Alarms raised and not cleared, by type and severity.");
	for (int t = 0; t < CCM_ALARM_NTYPES; t++) {
		const struct ccm_alarm_type_info *info =
			ccm_alarm_type_info((enum ccm_alarm_type)t);

		for (int s = 0; info && s <= CCM_SEV_WARNING; s++) {
			fputs("ccmon_alarms_active", m->out);
			label(m->out, "{", "type", info->id);
			label(m->out, ",", "severity", ccm_alarm_severity_name(
				      (enum ccm_alarm_severity)s));
			fprintf(m->out, "} %llu\n",
				(unsigned long long)count[t][s]);
		}
	}
}

static void impact_line(FILE *out, const char *scope, const char *kind,
			bool on)
{
	fputs("ccmon_impact_active", out);
	label(out, "{", "scope", scope);
	label(out, ",", "kind", kind);
	fprintf(out, "} %d\n", on);
}

static void impacts(struct mctx *m)
{
	const struct ccm_snmp_source *src = m->src;

	family(m->out, "ccmon_impact_active", "gauge",
	       "What users suffer in each scope (cluster or node), by kind.");
	for (size_t i = 0; src->impacts && i < src->nimpacts; i++) {
		const struct ccm_impact *im = &src->impacts[i];
		struct ccm_impact_alarms a;

		ccm_impact_alarms(im, &a);
		impact_line(m->out, im->scope, "messaging-blocked",
			    a.messaging_blocked);
		impact_line(m->out, im->scope, "group-chat-blocked",
			    a.group_chat_blocked);
		impact_line(m->out, im->scope, "messaging-degraded",
			    a.messaging_degraded);
		impact_line(m->out, im->scope, "logging-lost", a.logging_lost);
	}
	family(m->out, "ccmon_messaging_blocked", "gauge",
	       "1 while instant messages are blocked for every user in some"
	       " scope (ccmonMessagingBlocked).");
	fprintf(m->out, "ccmon_messaging_blocked %d\n",
		src->engine && src->config &&
		ccm_impact_messaging_blocked(src->engine, src->config));
}

/* A family of one series without labels. */
static void single(FILE *out, const char *name, const char *type,
		   const char *help, uint64_t v)
{
	family(out, name, type, help);
	fprintf(out, "%s %llu\n", name, (unsigned long long)v);
}

/* Absent before the logs are open: a 0 would read as "nothing read". */
static void tail(struct mctx *m)
{
	const struct ccm_tail_stats *t = m->src->tail;
	FILE *o = m->out;

	if (!t)
		return;
	single(o, "ccmon_log_lines_total", "counter",
	       "Lines read from the router's logs.", t->lines);
	single(o, "ccmon_log_lines_recognized_total", "counter",
	       "Lines read that ccmon recognised.", t->recognized);
	single(o, "ccmon_log_bytes_total", "counter",
	       "Bytes read from the router's logs.", t->bytes);
	single(o, "ccmon_log_rotations_total", "counter",
	       "Log files rotated while followed.", t->rotations);
	single(o, "ccmon_log_truncations_total", "counter",
	       "Log files truncated in place (copytruncate): lines"
	       " written between the copy and the truncation are lost"
	       " to every reader.", t->truncations);
	single(o, "ccmon_log_watch_overflows_total", "counter",
	       "Times the kernel's file events overflowed (every log"
	       " was looked at again: nothing is lost).", t->overflows);
	single(o, "ccmon_log_files_open", "gauge",
	       "Log files open now.", t->files_open);
	single(o, "ccmon_log_replaying", "gauge",
	       "1 while the first reading of the logs is not over.",
	       t->replaying);
}

static int collect(struct mctx *m, struct ccm_component_row *rows, size_t n)
{
	const struct ccm_snmp_source *src = m->src;
	ccm_ms now = src->now, window = 0;

	if (src->engine) {
		window = ccm_engine_latency_window(src->engine);
		if (!now)
			now = ccm_engine_now(src->engine);
	}
	m->rows = n ? calloc(n, sizeof(*m->rows)) : NULL;
	if (n && !m->rows)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct mrow *r = &m->rows[m->nrows++];

		r->row = &rows[i];
		if (rows[i].server && src->probe)
			r->probe = src->probe(src->probe_ctx,
					      rows[i].server->name);
		if (rows[i].comp &&
		    ccm_qlat_stats_since(&rows[i].comp->latency, now - window,
					 &r->queue))
			return -1;
	}
	return 0;
}

static void render(struct mctx *m)
{
	family(m->out, "ccmon_build_info", "gauge",
	       "The version of ccmond serving these figures.");
	fputs("ccmon_build_info{version=\"" PACKAGE_VERSION "\"} 1\n",
	      m->out);
	components_state(m);
	per_component(m, "ccmon_component_transitions_total",
		      "State changes of the component.", get_transitions);
	per_component(m, "ccmon_component_connect_failures_total",
		      "The router's failed connects to the component's"
		      " endpoint.", get_connect_failures);
	probes(m);
	probe_latency(m);
	queue_waits(m);
	alarms(m);
	impacts(m);
	tail(m);
}

char *ccm_metrics_render(const struct ccm_snmp_source *src, size_t *len)
{
	struct mctx m = { .src = src };
	struct ccm_component_row *rows = NULL;
	size_t n = ccm_component_rows(src->engine, src->config, &rows);
	char *text = NULL;
	size_t size = 0;
	bool ok;

	if (n == (size_t)-1)
		return NULL;
	m.out = open_memstream(&text, &size);
	ok = m.out && collect(&m, rows, n) == 0;
	if (ok)
		render(&m);
	if (m.out && fclose(m.out) != 0)
		ok = false;
	free(m.rows);
	free(rows);
	if (!ok) {
		free(text);
		return NULL;
	}
	if (len)
		*len = size;
	return text;
}

/* SPDX-License-Identifier: ISC */
/* ccmond: the live agent.  Everything here is wiring: the event loop, its
 * sources (tailer, probes, timers, signals, status socket), the state file
 * and the outputs.  What to conclude from the inputs is the monitor's.
 *
 * Order of effects: after every batch of input the state file is written
 * (positions with the alarms they led to), then the alarms are sent.  A
 * crash before the write re-reads the batch and decides again; a crash
 * after it has already recorded the outcome, so nothing is sent twice.
 *
 * Clocks: the monitor runs on agent time, the wall clock (as local civil
 * time) at the start advanced by CLOCK_BOOTTIME, so that a step of the
 * wall clock (an NTP correction, an operator's date -s) neither stretches
 * nor cuts a hold, damping window, rate limit or silence.  BOOTTIME rather
 * than MONOTONIC: it counts a suspend, so agent time stays with the wall
 * clock across one, a log that was silent while the host slept was silent,
 * and the log's own times still compare with agent time.  What the agent
 * shows (alarm times, status, SNMP, the state file) is agent time moved by
 * the wall clock's offset at the moment it is shown. */
#include <errno.h>
#include <fnmatch.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/file.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>
#include <systemd/sd-journal.h>
#include <json-c/json.h>

#include "agent/io/alarm_sink.h"
#include "agent/metrics/http.h"
#include "agent/metrics/text.h"
#include "agent/core/monitor.h"
#include "agent/util/runtime_dir.h"
#include "agent/util/safe_open.h"
#include "agent/snmp/agentx.h"
#include "agent/io/state.h"
#include "agent/io/status_server.h"
#include "agent/io/tail.h"
#include "agent/util/text_clean.h"
#include "parsers/config.h"
#include "parsers/duration.h"
#include "parsers/queue_lines.h"

#define JOURNAL_SOCKET "/run/systemd/journal/socket"
#define STATE_FILE "state.json"
#define STATUS_SOCKET "ccmond.sock"
#define LAZY_SAVE_USEC UINT64_C(1000000)
#define LOCK_FILE "ccmond.lock"
/* A status socket that could not be made is tried again this often. */
#define STATUS_RETRY_USEC UINT64_C(5000000)
/* The first replay's progress is told systemd (STATUS=) this often. */
#define PROGRESS_USEC UINT64_C(1000000)
/* The wall clock parting from agent time by this much is a step. */
#define STEP_MS INT64_C(1000)

struct prober {
	struct daemon *d;
	const struct ccm_server *srv;
	sd_event_source *timer;
	struct ccm_probe_job *job;
};

struct daemon {
	sd_event *loop;
	const char *config_path;
	bool foreground;
	bool to_journal;
	struct ccm_config *cfg;
	struct ccm_recognizer *rec;
	struct ccm_monitor *mon;
	struct ccm_alarm_sink *sink;
	struct ccm_tail *tail;
	char *state_path;
	int lock_fd;         /* held for life: one agent per state_dir */
	bool state_failing;  /* the last save failed: said once */
	bool positions_moved; /* to be saved before anything is acted on */
	bool pass_had_messages;
	sd_event_source *lazy_save; /* positions moved over ordinary lines */
	struct prober *probers;
	size_t nprobers;
	sd_event_source *due;
	struct ccm_status_server *status;
	char *status_path;
	size_t last_alarms;
	struct ccm_snmp_agent *snmp;   /* NULL with snmp = no */
	struct ccm_tail_stats snmp_tail; /* what an SNMP request reads */
	struct ccm_metrics_server *metrics; /* NULL: no metrics_listen */
	bool synced;         /* the first replay is over: READY=1 was sent */
	uint64_t progress_said; /* monotonic usec of the last STATUS= */
	int runtime_fd;      /* the lock of runtime_dir_used, or -1 */
	char *runtime_dir_used; /* where the status socket is (or is to be) */
	char *state_dir_used;   /* where state_path is */
	int facility_used;      /* the alarm sink's syslog facility */
	sd_event_source *status_retry; /* while there is no status socket */
	ccm_ms epoch_wall;   /* agent time at epoch_boot: the wall clock then */
	uint64_t epoch_boot; /* CLOCK_BOOTTIME, usec, at the start */
	ccm_ms shown_offset; /* the wall clock minus agent time, as shown */
};

/* ---- logging ----------------------------------------------------------- */

/* Messages name components, hosts and files from logs: cleaned for
 * display (agent/util/text_clean.h) so that no escape sequence reaches a
 * terminal or the journal, and no line is forged. */
__attribute__((format(printf, 3, 4)))
static void say(struct daemon *d, int prio, const char *fmt, ...)
{
	char *raw = NULL, *msg;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&raw, fmt, ap);
	va_end(ap);
	msg = n < 0 ? NULL : ccm_text_clean(raw, (size_t)n, CCM_TEXT_DISPLAY,
					     NULL);
	free(raw);
	if (!msg)
		msg = strdup("a message was lost: out of memory");
	if (!msg)
		return;
	if (d->foreground)
		fprintf(stderr, "ccmond: %s\n", msg);
	else if (d->to_journal)
		sd_journal_print(prio, "%s", msg);
	else
		syslog(prio, "%s", msg);
	free(msg);
}

static ccm_ms now_local(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ccm_time_local(&ts);
}

static uint64_t boot_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void start_clock(struct daemon *d)
{
	d->epoch_boot = boot_usec();
	d->epoch_wall = now_local();
}

/* The time the monitor runs on (see the top): it never steps. */
static ccm_ms agent_now(const struct daemon *d)
{
	return d->epoch_wall + (ccm_ms)((boot_usec() - d->epoch_boot) / 1000u);
}

/* What to add to an agent time to show it: the wall clock's offset.  It
 * stays as it is (0 from the start) until the wall clock parts from agent
 * time by a second or more, a step: reading the two clocks one after the
 * other differs by a millisecond or so, and the times the logs gave (the
 * first pass, the state file) must be shown as they were written. */
static ccm_ms wall_offset(struct daemon *d)
{
	uint64_t before = boot_usec();
	ccm_ms wall = now_local();
	uint64_t after = boot_usec();
	ccm_ms agent = d->epoch_wall +
		       (ccm_ms)(((before + after) / 2 - d->epoch_boot) / 1000u);
	ccm_ms moved = wall - agent - d->shown_offset;

	if (moved >= STEP_MS || moved <= -STEP_MS) {
		char by[CCM_DURATION_STRLEN];
		say(d, LOG_NOTICE, "the wall clock stepped %s by %s: alarm "
		    "holds, damping and silence go on on their own clock; "
		    "times are shown on the wall clock", moved > 0 ?
		    "forward" : "back",
		    ccm_duration_format(moved > 0 ? moved : -moved, by));
		d->shown_offset = wall - agent;
	}
	return d->shown_offset;
}

/* Agent time for an input to the monitor, which is told the offset too:
 * the times it writes into texts are shown times. */
static ccm_ms tick(struct daemon *d)
{
	ccm_monitor_set_wall_offset(d->mon, wall_offset(d));
	return agent_now(d);
}

/* ---- state and outputs ------------------------------------------------- */

/* The next run starts its agent time at the wall clock: the saved times
 * are wall times, as shown. */
static void shift_times(struct json_object *snapshot, ccm_ms off)
{
	static const char *const keys[] = { "since", "raised_at" };
	struct json_object *list, *v;

	if (!off || !json_object_object_get_ex(snapshot, "alarms", &list) ||
	    !json_object_is_type(list, json_type_array))
		return;
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		struct json_object *a = json_object_array_get_idx(list, i);
		for (size_t k = 0; k < sizeof(keys) / sizeof(*keys); k++)
			if (json_object_object_get_ex(a, keys[k], &v) &&
			    json_object_is_type(v, json_type_int))
				json_object_set_int64(
					v, json_object_get_int64(v) + off);
	}
}

static void save_state(struct daemon *d)
{
	const struct ccm_tail_pos *pos = NULL;
	size_t n = d->tail ? ccm_tail_positions(d->tail, &pos) : 0;
	struct json_object *alarms = ccm_monitor_snapshot(d->mon);
	struct json_object *notes = d->snmp ?
		ccm_snmp_agent_snapshot(d->snmp) : NULL;
	char err[512];

	if (alarms)
		shift_times(alarms, wall_offset(d));
	if (ccm_state_save(d->state_path, pos, n, alarms, notes, err,
			   sizeof(err))) {
		if (!d->state_failing)
			say(d, LOG_ERR, "cannot save the state: %s; going on "
			    "(a restart would re-read lines and may repeat "
			    "alarms)", err);
		d->state_failing = true;
	} else if (d->state_failing) {
		say(d, LOG_NOTICE, "state saved again in %s", d->state_path);
		d->state_failing = false;
	}
	json_object_put(alarms);
	json_object_put(notes);
}

static void arm_due(struct daemon *d);

/* In the foreground the operator watches the terminal: alarms show there
 * too, besides going to journald or syslog. */
static void echo_alarm(const struct ccm_alarm_decision *dec)
{
	char *raw = ccm_alarm_message(dec, false);
	char *text = ccm_text_clean_str(raw, CCM_TEXT_DISPLAY);
	const char *shown = text;

	if (shown && !strncmp(shown, "ccmon: ", 7))
		shown += 7;
	if (shown)
		fprintf(stderr, "ccmond: %s\n", shown);
	free(text);
	free(raw);
}

/* A decision as shown: its times moved to the wall clock. */
static struct ccm_alarm_decision as_shown(
	const struct ccm_alarm_decision *dec, ccm_ms off)
{
	struct ccm_alarm_decision s = *dec;

	s.time += off;
	s.since += off;
	s.raised_at += off;
	if (s.state == CCM_ALARM_CLEARED)
		s.ended += off;
	return s;
}

/* Persists, then acts: see the comment at the top. */
static void flush(struct daemon *d)
{
	const struct ccm_out *outs;
	size_t n = ccm_monitor_take(d->mon, &outs);
	size_t alarms = ccm_alarms_count_active(ccm_monitor_alarms(d->mon));
	bool decided = false;
	ccm_ms off = wall_offset(d);

	for (size_t i = 0; i < n; i++) {
		struct ccm_alarm_decision dec;
		if (outs[i].kind != CCM_OUT_ALARM)
			continue;
		decided = true;
		dec = as_shown(&outs[i].decision, off);
		/* queued first: the state file records it as owed */
		if (d->snmp)
			ccm_snmp_agent_queue(d->snmp, &dec);
	}
	if (decided || d->positions_moved) {
		save_state(d);
		d->positions_moved = false;
		if (d->lazy_save)
			sd_event_source_set_enabled(d->lazy_save,
						    SD_EVENT_OFF);
	}
	for (size_t i = 0; i < n; i++) {
		const struct ccm_out *o = &outs[i];
		if (o->kind == CCM_OUT_ALARM) {
			struct ccm_alarm_decision dec = as_shown(&o->decision,
								 off);

			ccm_alarm_sink_write(d->sink, &dec, o->component,
					     o->server);
			if (d->foreground)
				echo_alarm(&dec);
		} else if (o->text)
			say(d, o->priority, "%s", o->text);
	}
	if (d->snmp && decided)
		ccm_snmp_agent_send(d->snmp);
	if (alarms != d->last_alarms) {
		const struct ccm_component *const *c;
		sd_notifyf(0, "STATUS=%zu components, %zu alarms raised",
			   ccm_engine_components(ccm_monitor_engine(d->mon), &c),
			   alarms);
		d->last_alarms = alarms;
	}
	arm_due(d);
}

/* ---- timers ---------------------------------------------------------------- */

static int on_due(sd_event_source *s, uint64_t usec, void *ud)
{
	struct daemon *d = ud;

	(void)s;
	(void)usec;
	ccm_monitor_advance(d->mon, tick(d));
	flush(d);
	return 0;
}

/* One timer for everything the monitor waits for, re-armed after every
 * change: holds, auth timeouts, log silence.  On CLOCK_BOOTTIME, the
 * clock agent time follows. */
static void arm_due(struct daemon *d)
{
	ccm_ms due, now = agent_now(d);
	uint64_t boot;

	if (!ccm_monitor_next_due(d->mon, &due)) {
		sd_event_source_set_enabled(d->due, SD_EVENT_OFF);
		return;
	}
	sd_event_now(d->loop, CLOCK_BOOTTIME, &boot);
	boot += due > now ? (uint64_t)(due - now) * 1000u : 0;
	sd_event_source_set_time(d->due, boot);
	sd_event_source_set_enabled(d->due, SD_EVENT_ONESHOT);
}

/* ---- tailer ------------------------------------------------------------------ */

static void on_message(void *ctx, const char *path, uint64_t line,
		       const struct ccm_logmsg *msg, ccm_ms log_time,
		       bool replay)
{
	struct daemon *d = ctx;

	d->pass_had_messages = true;
	ccm_monitor_message(d->mon, tick(d), log_time, path, line, msg,
			    replay);
}

static void on_tail_event(void *ctx, enum ccm_tail_event ev, const char *path,
			  int err)
{
	struct daemon *d = ctx;

	ccm_monitor_log_event(d->mon, tick(d), ev, path, err);
}

static int on_lazy_save(sd_event_source *s, uint64_t usec, void *ud)
{
	struct daemon *d = ud;

	(void)s;
	(void)usec;
	save_state(d);
	return 0;
}

/* A save within a second, unless one is already due. */
static void arm_lazy_save(struct daemon *d)
{
	int enabled = SD_EVENT_OFF;

	if (d->lazy_save &&
	    sd_event_source_get_enabled(d->lazy_save, &enabled) >= 0 &&
	    enabled == SD_EVENT_OFF) {
		sd_event_source_set_time_relative(d->lazy_save, LAZY_SAVE_USEC);
		sd_event_source_set_enabled(d->lazy_save, SD_EVENT_ONESHOT);
	}
}

static int start_probers(struct daemon *d);

/* The first replay is over: what it found is judged, the probes start,
 * and systemd hears READY=1 (ccmond(8), START). */
static void synced(struct daemon *d)
{
	d->synced = true;
	ccm_monitor_synced(d->mon, tick(d));
	d->positions_moved = true;
	d->last_alarms = SIZE_MAX; /* STATUS= replaces "replaying" */
	flush(d);
	if (start_probers(d))
		say(d, LOG_ERR, "cannot schedule the probes");
	say(d, LOG_NOTICE, "watching %zu log pattern%s and %zu server%s",
	    d->cfg->agent.nlogs, d->cfg->agent.nlogs == 1 ? "" : "s",
	    d->cfg->nservers, d->cfg->nservers == 1 ? "" : "s");
	sd_notify(0, "READY=1");
}

static void replay_progress(struct daemon *d)
{
	struct ccm_tail_stats ts;
	uint64_t now;

	sd_event_now(d->loop, CLOCK_MONOTONIC, &now);
	if (d->progress_said && now - d->progress_said < PROGRESS_USEC)
		return;
	d->progress_said = now;
	ccm_tail_stats(d->tail, &ts);
	sd_notifyf(0, "STATUS=replaying the logs: %u%%", ccm_tail_replay_percent(&ts));
}

/* Lines that carried component messages are saved past before anything
 * they caused is acted on (exactly once across a crash).  Ordinary lines
 * cause nothing: re-reading them after a crash changes nothing, so their
 * positions are saved at most once a second rather than after every
 * write of a busy trace. */
static void on_pass_done(void *ctx, bool grew)
{
	struct daemon *d = ctx;

	if (grew && d->pass_had_messages)
		d->positions_moved = true;
	else if (grew)
		arm_lazy_save(d);
	d->pass_had_messages = false;
	if (!d->tail) /* within ccm_tail_new(): its caller goes on */
		return;
	if (!d->synced) {
		/* Nothing is acted on before the replay is over: positions
		 * need no save before acting, only now and then (and at a
		 * stop) so that a restart resumes near where this one was. */
		if (d->positions_moved)
			arm_lazy_save(d);
		d->positions_moved = false;
		if (ccm_tail_caught_up(d->tail)) {
			synced(d);
			return;
		}
		replay_progress(d);
	}
	flush(d);
}

static void on_grew(void *ctx, const char *path)
{
	struct daemon *d = ctx;

	ccm_monitor_log_grew(d->mon, tick(d), path);
}

static const struct ccm_tail_ops tail_ops = {
	.message = on_message,
	.event = on_tail_event,
	.grew = on_grew,
	.pass_done = on_pass_done,
};

/* ---- probes -------------------------------------------------------------------- */

static void probe_done(void *ctx, const struct ccm_probe_report *r)
{
	struct prober *p = ctx;

	ccm_monitor_probe(p->d->mon, tick(p->d), p->srv->name, r);
	ccm_probe_free(p->job);
	p->job = NULL;
	flush(p->d);
}

static int probe_tick(sd_event_source *s, uint64_t usec, void *ud)
{
	struct prober *p = ud;
	struct ccm_probe_request req = {
		.host = p->srv->host,
		.port = p->srv->port,
		.depth = p->srv->probe == CCM_PROBE_STREAM ?
			 CCM_PROBE_DEPTH_STREAM : CCM_PROBE_DEPTH_TCP,
		.timeout = p->srv->probe_timeout,
		.component = p->srv->component,
	};

	sd_event_source_set_time(s, usec + (uint64_t)p->srv->probe_interval *
				 1000u);
	sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
	if (p->job)
		return 0; /* the last one is still running: timeout < interval */
	if (ccm_probe_start(p->d->loop, &req, probe_done, p, &p->job) < 0)
		say(p->d, LOG_ERR, "cannot start a probe of %s", p->srv->name);
	return 0;
}

static void stop_probers(struct daemon *d)
{
	for (size_t i = 0; i < d->nprobers; i++) {
		ccm_probe_free(d->probers[i].job);
		sd_event_source_unref(d->probers[i].timer);
	}
	free(d->probers);
	d->probers = NULL;
	d->nprobers = 0;
}

static int start_probers(struct daemon *d)
{
	uint64_t now;

	d->probers = calloc(d->cfg->nservers + 1, sizeof(*d->probers));
	if (!d->probers)
		return -1;
	sd_event_now(d->loop, CLOCK_MONOTONIC, &now);
	for (size_t i = 0; i < d->cfg->nservers; i++) {
		const struct ccm_server *srv = &d->cfg->servers[i];
		struct prober *p = &d->probers[d->nprobers];
		if (srv->probe == CCM_PROBE_NONE)
			continue;
		p->d = d;
		p->srv = srv;
		if (sd_event_add_time(d->loop, &p->timer, CLOCK_MONOTONIC, now,
				      0, probe_tick, p) < 0)
			return -1;
		d->nprobers++;
	}
	return 0;
}

/* ---- status ---------------------------------------------------------------------- */

static const struct ccm_probe_stats *probe_stats(void *ctx, const char *server)
{
	struct daemon *d = ctx;

	return ccm_monitor_probe_stats(d->mon, server);
}

static char *build_status(void *ctx)
{
	struct daemon *d = ctx;
	struct ccm_tail_stats ts = { 0 };

	if (d->tail)
		ccm_tail_stats(d->tail, &ts);
	return ccm_status_json_build_shown(ccm_monitor_engine(d->mon),
					   ccm_monitor_alarms(d->mon),
					   probe_stats, d, d->cfg, &ts,
					   agent_now(d), wall_offset(d));
}

static void set_string(char **field, char *value)
{
	free(*field);
	*field = value;
}

/* Serves the status socket in dir (claimed first: one agent per runtime
 * directory), in place of the one served so far, if any. */
static enum ccm_claim start_status(struct daemon *d, const char *dir,
				   char *err, size_t errlen)
{
	const struct ccm_agent_config *a = &d->cfg->agent;
	bool mine = d->runtime_fd >= 0 && !strcmp(dir, d->runtime_dir_used);
	struct ccm_status_server *srv;
	char *path, *dircopy;
	int fd = mine ? d->runtime_fd : -1;
	pid_t holder = 0;
	enum ccm_claim c = mine ? CCM_CLAIM_OK :
		ccm_runtime_dir_claim(dir, &fd, &holder, err, errlen);

	if (c != CCM_CLAIM_OK)
		return c;
	if (asprintf(&path, "%s/%s", dir, STATUS_SOCKET) < 0) {
		path = NULL;
		snprintf(err, errlen, "ccmond.c: out of memory");
		srv = NULL;
	} else {
		srv = ccm_status_server_new(d->loop, path, build_status, d, err,
					    errlen);
	}
	dircopy = srv ? strdup(dir) : NULL;
	if (!dircopy) {
		if (srv)
			snprintf(err, errlen, "ccmond.c: out of memory");
		ccm_status_server_free(srv);
		if (!mine)
			close(fd);
		free(path);
		return CCM_CLAIM_FAILED;
	}
	ccm_status_server_set_limits(srv, a->status_clients,
				     (uint64_t)a->status_timeout * 1000u);
	ccm_status_server_free(d->status);
	if (!mine && d->runtime_fd >= 0)
		close(d->runtime_fd);
	d->status = srv;
	d->runtime_fd = fd;
	set_string(&d->status_path, path);
	set_string(&d->runtime_dir_used, dircopy);
	d->status_retry = sd_event_source_disable_unref(d->status_retry);
	return CCM_CLAIM_OK;
}

static int on_status_retry(sd_event_source *s, uint64_t usec, void *ud)
{
	struct daemon *d = ud;
	char err[512];

	(void)usec;
	if (start_status(d, d->runtime_dir_used, err, sizeof(err)) ==
	    CCM_CLAIM_OK) {
		say(d, LOG_NOTICE, "status socket at %s", d->status_path);
		return 0; /* the source is gone with the retry */
	}
	sd_event_source_set_time_relative(s, STATUS_RETRY_USEC);
	sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
	return 0;
}

/* Without a status socket `ccmon status` cannot see the agent: said, and
 * tried again until it works. */
static void retry_status(struct daemon *d, const char *why)
{
	say(d, LOG_WARNING, "no status socket yet: %s; trying again every %llu"
	    " s", why, (unsigned long long)(STATUS_RETRY_USEC / 1000000u));
	if (!d->status_retry &&
	    sd_event_add_time_relative(d->loop, &d->status_retry,
				       CLOCK_MONOTONIC, STATUS_RETRY_USEC, 0,
				       on_status_retry, d) < 0)
		say(d, LOG_ERR, "cannot schedule the status socket's retry");
}

/* ---- SNMP ------------------------------------------------------------------------- */

static void snmp_source(void *ctx, struct ccm_snmp_source *src)
{
	struct daemon *d = ctx;

	memset(&d->snmp_tail, 0, sizeof(d->snmp_tail));
	if (d->tail)
		ccm_tail_stats(d->tail, &d->snmp_tail);
	src->engine = ccm_monitor_engine(d->mon);
	src->alarms = ccm_monitor_alarms(d->mon);
	src->config = d->cfg;
	src->probe = probe_stats;
	src->probe_ctx = d;
	src->tail = d->tail ? &d->snmp_tail : NULL;
	src->nimpacts = ccm_monitor_impacts(d->mon, &src->impacts);
	src->now = agent_now(d);
	src->wall_offset = wall_offset(d);
}

static void on_snmp_log(void *ctx, int priority, const char *text)
{
	say(ctx, priority, "%s", text);
}

/* The master took notifications: the state file should stop owing them
 * (a crash before that save sends them again: at least once). */
static void on_snmp_delivered(void *ctx)
{
	arm_lazy_save(ctx);
}

static int start_snmp(struct daemon *d)
{
	static const struct ccm_snmp_agent_ops ops = {
		.source = snmp_source,
		.log = on_snmp_log,
		.delivered = on_snmp_delivered,
	};
	const struct ccm_agent_config *a = &d->cfg->agent;
	struct ccm_snmp_agent_config sc = {
		.socket = a->agentx_socket,
		.ping_interval = a->agentx_ping_interval,
		.queue_max = a->notification_queue,
	};
	char err[512];

	if (!a->snmp)
		return 0;
	d->snmp = ccm_snmp_agent_new(d->loop, &sc, &ops, d, err, sizeof(err));
	if (!d->snmp) {
		say(d, LOG_ERR, "%s", err);
		return -1;
	}
	return 0;
}

/* net-snmp starts once per process. */
static void snmp_reload_note(struct daemon *d, const struct ccm_config *old,
			     const struct ccm_config *cfg)
{
	const struct ccm_agent_config *o = &old->agent, *n = &cfg->agent;
	const char *os = o->agentx_socket ? o->agentx_socket : "";
	const char *ns = n->agentx_socket ? n->agentx_socket : "";

	if (o->snmp != n->snmp || strcmp(os, ns) ||
	    o->agentx_ping_interval != n->agentx_ping_interval ||
	    o->notification_queue != n->notification_queue)
		say(d, LOG_WARNING, "snmp, agentx_socket, agentx_ping_interval"
		    " and notification_queue take effect at the next start:"
		    " the SNMP subagent goes on as it was");
}

/* ---- /metrics --------------------------------------------------------------------- */

/* The same parts an SNMP request reads: /metrics, the MIB and `ccmon
 * status` agree. */
static char *build_metrics(void *ctx, size_t *len)
{
	struct ccm_snmp_source src = { 0 };

	snmp_source(ctx, &src);
	return ccm_metrics_render(&src, len);
}

/* A /metrics that cannot listen does not stop the agent: the logs matter
 * more (ccmond(8)). */
static void start_metrics(struct daemon *d)
{
	const struct ccm_agent_config *a = &d->cfg->agent;
	/* libmicrohttpd counts whole seconds */
	unsigned timeout_s = (unsigned)((a->status_timeout + 999) / 1000);
	char err[512];

	ccm_metrics_server_free(d->metrics);
	d->metrics = NULL;
	if (!a->metrics_listen)
		return;
	d->metrics = ccm_metrics_server_new(d->loop, a->metrics_listen,
					    a->status_clients, timeout_s,
					    build_metrics, d, err,
					    sizeof(err));
	if (d->metrics)
		say(d, LOG_NOTICE, "metrics at http://%s/metrics",
		    a->metrics_listen);
	else
		say(d, LOG_ERR, "%s; going on without /metrics", err);
}

static bool same_metrics(const struct ccm_config *a,
			 const struct ccm_config *b)
{
	const char *x = a->agent.metrics_listen, *y = b->agent.metrics_listen;

	return !strcmp(x ? x : "", y ? y : "") &&
	       a->agent.status_clients == b->agent.status_clients &&
	       a->agent.status_timeout == b->agent.status_timeout;
}

/* ---- configuration ---------------------------------------------------------------- */

static struct ccm_config *load_config(struct daemon *d, const char *why)
{
	struct ccm_findings f;
	struct ccm_config *cfg = NULL;
	int errors;

	ccm_findings_init(&f);
	errors = ccm_config_load(d->config_path, &cfg, &f);
	for (size_t i = 0; i < f.n; i++) {
		char *line = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&line, &len);
		if (!m)
			break;
		ccm_finding_print(&f.v[i], m);
		fclose(m);
		if (len && line[len - 1] == '\n')
			line[len - 1] = '\0';
		say(d, f.v[i].level == CCM_LEVEL_ERROR ? LOG_ERR : LOG_WARNING,
		    "%s", line);
		free(line);
	}
	if (errors)
		say(d, LOG_ERR, "%s: %d error%s in %s", why, errors,
		    errors == 1 ? "" : "s", d->config_path);
	ccm_findings_release(&f);
	return errors ? NULL : cfg;
}

static bool same_logs(const struct ccm_config *a, const struct ccm_config *b)
{
	if (a->agent.nlogs != b->agent.nlogs ||
	    a->agent.max_line != b->agent.max_line ||
	    a->agent.max_open_files != b->agent.max_open_files ||
	    a->agent.restart_silence != b->agent.restart_silence)
		return false;
	for (size_t i = 0; i < a->agent.nlogs; i++)
		if (strcmp(a->agent.logs[i], b->agent.logs[i]))
			return false;
	return true;
}

static struct ccm_tail *start_tail(struct daemon *d,
				   const struct ccm_tail_pos *saved,
				   size_t nsaved, bool have_saved)
{
	struct ccm_tail_config tc = {
		.patterns = d->cfg->agent.logs,
		.npatterns = d->cfg->agent.nlogs,
		.max_line = d->cfg->agent.max_line,
		.max_open = d->cfg->agent.max_open_files,
		.silence_min = d->cfg->agent.restart_silence,
	};
	char err[512];
	struct ccm_tail *t = ccm_tail_new(d->loop, &tc, d->rec,
					  have_saved ? saved : NULL, nsaved,
					  &tail_ops, d, err, sizeof(err));

	if (!t)
		say(d, LOG_ERR, "%s", err);
	return t;
}

static bool named_by(const struct ccm_config *cfg, const char *path)
{
	for (size_t i = 0; i < cfg->agent.nlogs; i++)
		if (fnmatch(cfg->agent.logs[i], path, FNM_PATHNAME) == 0)
			return true;
	return false;
}

/* The positions of a tail about to be replaced, as a saved list: without
 * the files the old patterns named and the new ones do not (no longer
 * wanted), with those being drained after a rotation (still owed). */
static struct ccm_tail_pos *carry_positions(struct ccm_tail *t,
					    const struct ccm_config *old,
					    const struct ccm_config *cfg,
					    size_t *n)
{
	const struct ccm_tail_pos *pos;
	size_t all = ccm_tail_positions(t, &pos);
	struct ccm_tail_pos *v = calloc(all + 1, sizeof(*v));

	*n = 0;
	for (size_t i = 0; v && i < all; i++) {
		if (named_by(old, pos[i].path) && !named_by(cfg, pos[i].path))
			continue;
		v[*n] = pos[i];
		if ((v[*n].path = strdup(pos[i].path)))
			(*n)++;
	}
	return v;
}

static int lock_state_dir(struct daemon *d);

/* state_dir changed: the lock and the state move there (the state file left
 * behind is removed: resumed from later, it would repeat lines).  false,
 * said why, when the old one stays. */
static bool move_state_dir(struct daemon *d)
{
	const char *dir = d->cfg->agent.state_dir;
	int old_fd = d->lock_fd;
	bool old_failing = d->state_failing;
	char *path, *dircopy = strdup(dir), *old_path = d->state_path;

	if (!strcmp(dir, d->state_dir_used)) {
		free(dircopy);
		return true;
	}
	d->lock_fd = -1;
	if (!dircopy || asprintf(&path, "%s/%s", dir, STATE_FILE) < 0) {
		free(dircopy);
		d->lock_fd = old_fd;
		say(d, LOG_ERR, "state_dir stays %s: out of memory",
		    d->state_dir_used);
		return false;
	}
	if (lock_state_dir(d) == 0) { /* says why not */
		d->state_path = path;
		d->state_failing = false;
		save_state(d);
		if (!d->state_failing) {
			if (unlink(old_path) < 0 && errno != ENOENT)
				say(d, LOG_WARNING, "%s: cannot remove it: %s",
				    old_path, strerror(errno));
			close(old_fd);
			free(old_path);
			set_string(&d->state_dir_used, dircopy);
			say(d, LOG_NOTICE, "state_dir is now %s", dir);
			return true;
		}
		d->state_path = old_path;
	}
	if (d->lock_fd >= 0)
		close(d->lock_fd);
	d->lock_fd = old_fd;
	d->state_failing = old_failing;
	free(path);
	free(dircopy);
	say(d, LOG_ERR, "state_dir stays %s: %s cannot be used (see above)",
	    d->state_dir_used, dir);
	return false;
}

/* runtime_dir changed: the status socket moves there. */
static bool move_runtime_dir(struct daemon *d)
{
	const char *dir = d->cfg->agent.runtime_dir;
	char err[512];

	if (!strcmp(dir, d->runtime_dir_used))
		return true;
	if (!d->status) {
		/* none yet: the retry tries the new place */
		char *copy = strdup(dir);
		if (copy)
			set_string(&d->runtime_dir_used, copy);
		return copy != NULL;
	}
	if (start_status(d, dir, err, sizeof(err)) != CCM_CLAIM_OK) {
		say(d, LOG_ERR, "runtime_dir stays %s: %s", d->runtime_dir_used,
		    err);
		return false;
	}
	say(d, LOG_NOTICE, "runtime_dir is now %s: status socket at %s", dir,
	    d->status_path);
	return true;
}

/* syslog_facility changed: alarms (and, without journald, our own
 * messages) go out with the new one. */
static bool change_facility(struct daemon *d)
{
	int facility = d->cfg->agent.syslog_facility;
	struct ccm_alarm_sink_config sc = { .facility = facility };
	struct ccm_alarm_sink *sink;

	if (facility == d->facility_used)
		return true;
	sink = ccm_alarm_sink_new(&sc);
	if (!sink) {
		say(d, LOG_ERR, "syslog_facility stays as it was: out of "
		    "memory");
		return false;
	}
	ccm_alarm_sink_free(d->sink); /* closes syslog if it opened it */
	d->sink = sink;
	d->facility_used = facility;
	if (!d->foreground && !d->to_journal)
		openlog("ccmond", LOG_PID, facility);
	return true;
}

static void reload(struct daemon *d)
{
	bool applied = true;

	struct ccm_config *cfg = load_config(d, "reload refused, the running "
					     "configuration stays");
	struct ccm_config *old = d->cfg;
	struct ccm_queue_lines *q;
	char err[512];

	if (!cfg)
		return;
	q = ccm_queue_lines_new(cfg->queue_rules, cfg->nqueue_rules,
				cfg->agent.queue_wait, err, sizeof(err));
	if (!q) {
		say(d, LOG_ERR, "reload refused, the running configuration "
		    "stays: %s", err);
		ccm_config_free(cfg);
		return;
	}
	stop_probers(d);
	if (ccm_monitor_reconfigure(d->mon, cfg)) {
		say(d, LOG_ERR, "reload failed: out of memory");
		ccm_queue_lines_free(q);
		ccm_config_free(cfg);
		if (d->synced)
			start_probers(d);
		return;
	}
	ccm_recognizer_set_queue(d->rec, q);
	d->cfg = cfg;
	snmp_reload_note(d, old, cfg);
	/* also tried again when it could not listen before */
	if (!same_metrics(old, cfg) ||
	    (!d->metrics && cfg->agent.metrics_listen))
		start_metrics(d);
	if (!same_logs(old, cfg)) {
		/* The new tail takes over from the old one's positions; if it
		 * cannot start, the old one goes on rather than nothing. */
		size_t n;
		struct ccm_tail_pos *pos = carry_positions(d->tail, old, cfg,
							   &n);
		struct ccm_tail *old_tail = d->tail;
		struct ccm_tail *t;

		d->tail = NULL; /* no flush during the new one's first pass */
		t = pos ? start_tail(d, pos, n, true) : NULL;
		if (t) {
			ccm_tail_free(old_tail);
			d->tail = t;
		} else {
			say(d, LOG_ERR, "the new log patterns cannot be "
			    "followed: still following the old ones");
			d->tail = old_tail;
		}
		for (size_t i = 0; pos && i < n; i++)
			ccm_tail_pos_release(&pos[i]);
		free(pos);
	}
	ccm_config_free(old);
	if (d->synced && start_probers(d))
		say(d, LOG_ERR, "cannot schedule the probes");
	applied &= move_state_dir(d);
	applied &= move_runtime_dir(d);
	applied &= change_facility(d);
	if (d->status)
		ccm_status_server_set_limits(
			d->status, cfg->agent.status_clients,
			(uint64_t)cfg->agent.status_timeout * 1000u);
	if (applied)
		say(d, LOG_NOTICE, "configuration reloaded from %s",
		    d->config_path);
	else
		say(d, LOG_WARNING, "configuration reloaded from %s, but for"
		    " what stays as it was (said above)", d->config_path);
	flush(d);
}

/* ---- signals -------------------------------------------------------------------- */

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si,
		     void *ud)
{
	struct daemon *d = ud;

	if (si->ssi_signo == SIGHUP) {
		sd_notify(0, "RELOADING=1");
		reload(d);
		if (d->synced)
			sd_notify(0, "READY=1");
		return 0;
	}
	sd_notify(0, "STOPPING=1");
	return sd_event_exit(sd_event_source_get_event(s), 0);
}

/* ---- main ------------------------------------------------------------------------ */

static void usage(FILE *out)
{
	fputs("usage: ccmond [-c FILE] [-f]\n"
	      "Watches the XCP Router logs and the compliance servers, and"
	      " raises alarms.\n"
	      "  -c, --config FILE  configuration (default "
	      CCM_CONFIG_DEFAULT_PATH ")\n"
	      "  -f, --foreground   log to stderr (when not under systemd)\n"
	      "See ccmond(8) and ccmon.conf(5).\n", out);
}

/* Two agents on one state directory would each resume from the same
 * positions and send every alarm twice. */
static int lock_state_dir(struct daemon *d)
{
	char *path;
	char err[512];
	struct stat st;

	if (mkdir(d->cfg->agent.state_dir, 0750) < 0 && errno != EEXIST) {
		say(d, LOG_ERR, "%s: %s", d->cfg->agent.state_dir,
		    strerror(errno));
		return -1;
	}
	if (ccm_check_private_dir(d->cfg->agent.state_dir, err,
				  sizeof(err)) < 0) {
		say(d, LOG_ERR, "state_dir %s", err);
		return -1;
	}
	if (asprintf(&path, "%s/%s", d->cfg->agent.state_dir, LOCK_FILE) < 0)
		return -1;
	d->lock_fd = ccm_open_file(path, O_RDWR | O_CREAT | O_NOFOLLOW, 0640,
				   &st);
	if (d->lock_fd < 0) {
		say(d, LOG_ERR, "%s: %s", path, ccm_open_strerror(-d->lock_fd));
		d->lock_fd = -1;
		free(path);
		return -1;
	}
	if (flock(d->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		say(d, LOG_ERR, "%s: %s", path, errno == EWOULDBLOCK ?
		    "another ccmond runs with this state_dir" :
		    strerror(errno));
		free(path);
		return -1;
	}
	free(path);
	return 0;
}

static int setup(struct daemon *d)
{
	struct ccm_saved saved;
	struct ccm_alarm_sink_config sc = {
		.facility = d->cfg->agent.syslog_facility,
	};
	struct ccm_queue_lines *q;
	char err[512];
	int have;
	sigset_t mask;

	start_clock(d);
	if (lock_state_dir(d) < 0)
		return -1;
	/* refused before anything starts; a missing one is created with the
	 * status socket */
	if (access(d->cfg->agent.runtime_dir, F_OK) == 0 &&
	    ccm_check_private_dir(d->cfg->agent.runtime_dir, err,
				  sizeof(err)) < 0) {
		say(d, LOG_ERR, "runtime_dir %s", err);
		return -1;
	}
	if (asprintf(&d->state_path, "%s/%s", d->cfg->agent.state_dir,
		     STATE_FILE) < 0 ||
	    !(d->state_dir_used = strdup(d->cfg->agent.state_dir)) ||
	    !(d->runtime_dir_used = strdup(d->cfg->agent.runtime_dir)))
		return -1;
	d->facility_used = d->cfg->agent.syslog_facility;
	have = ccm_state_load(d->state_path, &saved, err, sizeof(err));
	if (have < 0) {
		/* Refusing to start would leave the link unwatched.  A bad
		 * file is kept for a look, since the next save replaces it. */
		char aside[PATH_MAX], why[512];

		if (have == -2)
			say(d, LOG_WARNING, "%s; starting as if for the first "
			    "time", err);
		else if (ccm_state_set_aside(d->state_path, time(NULL), aside,
					     sizeof(aside), why,
					     sizeof(why)) == 0)
			say(d, LOG_WARNING, "%s; kept as %s; starting as if "
			    "for the first time", err, aside);
		else
			say(d, LOG_WARNING, "%s; %s; starting as if for the "
			    "first time", err, why);
		have = 0;
	}
	d->rec = ccm_recognizer_new(err, sizeof(err));
	if (!d->rec) {
		say(d, LOG_ERR, "%s", err);
		ccm_state_release(&saved);
		return -1;
	}
	if (!ccm_recognizer_jit(d->rec))
		say(d, LOG_NOTICE, "PCRE2 JIT unavailable (W^X memory?): using "
		    "the interpreter");
	q = ccm_queue_lines_new(d->cfg->queue_rules, d->cfg->nqueue_rules,
				d->cfg->agent.queue_wait, err, sizeof(err));
	if (!q) {
		say(d, LOG_ERR, "%s", err);
		ccm_state_release(&saved);
		return -1;
	}
	ccm_recognizer_set_queue(d->rec, q);
	d->mon = ccm_monitor_new(d->cfg, have ? saved.alarms : NULL, err,
				 sizeof(err));
	d->sink = ccm_alarm_sink_new(&sc);
	if (!d->mon || !d->sink) {
		say(d, LOG_ERR, "%s", d->mon ? "out of memory" : err);
		ccm_state_release(&saved);
		return -1;
	}
	if (sd_event_default(&d->loop) < 0) {
		ccm_state_release(&saved);
		return -1;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sd_event_add_signal(d->loop, NULL, SIGTERM, on_signal, d);
	sd_event_add_signal(d->loop, NULL, SIGINT, on_signal, d);
	sd_event_add_signal(d->loop, NULL, SIGHUP, on_signal, d);
	sd_event_set_watchdog(d->loop, true);
	sd_event_add_time(d->loop, &d->due, CLOCK_BOOTTIME, 0, 0, on_due, d);
	sd_event_source_set_enabled(d->due, SD_EVENT_OFF);
	sd_event_add_time(d->loop, &d->lazy_save, CLOCK_MONOTONIC, 0, 0,
			  on_lazy_save, d);
	sd_event_source_set_enabled(d->lazy_save, SD_EVENT_OFF);
	/* Before the replay, which the socket tells about.  Another agent on
	 * this runtime_dir is a reason not to start (it would run unseen);
	 * anything else is not (the logs matter more): tried again. */
	switch (start_status(d, d->runtime_dir_used, err, sizeof(err))) {
	case CCM_CLAIM_OK:
		break;
	case CCM_CLAIM_HELD:
		say(d, LOG_ERR, "%s", err);
		ccm_state_release(&saved);
		return -1;
	case CCM_CLAIM_FAILED:
		retry_status(d, err);
		break;
	}

	start_metrics(d);
	/* before the first flush: its alarms are notified too */
	if (start_snmp(d) < 0) {
		ccm_state_release(&saved);
		return -1;
	}
	if (d->snmp && have && saved.notifications) {
		size_t owed = ccm_snmp_agent_restore(d->snmp,
						     saved.notifications);
		if (owed)
			say(d, LOG_NOTICE, "SNMP: %zu notification(s) of the"
			    " last run still to send", owed);
	}
	d->tail = start_tail(d, saved.files, saved.nfiles, have > 0);
	ccm_state_release(&saved);
	if (!d->tail)
		return -1;
	/* The replay goes on from the loop if its first slice did not see
	 * it through (on_pass_done). */
	if (ccm_tail_caught_up(d->tail))
		synced(d);
	else
		replay_progress(d);
	return 0;
}

static void teardown(struct daemon *d)
{
	if (d->tail && d->mon)
		save_state(d);
	if (d->lock_fd >= 0)
		close(d->lock_fd);
	ccm_status_server_free(d->status);
	ccm_metrics_server_free(d->metrics);
	if (d->runtime_fd >= 0)
		close(d->runtime_fd);
	sd_event_source_unref(d->status_retry);
	stop_probers(d);
	ccm_snmp_agent_free(d->snmp);
	ccm_tail_free(d->tail);
	sd_event_source_unref(d->due);
	sd_event_source_unref(d->lazy_save);
	ccm_monitor_free(d->mon);
	ccm_alarm_sink_free(d->sink);
	ccm_recognizer_free(d->rec);
	ccm_config_free(d->cfg);
	sd_event_unref(d->loop);
	free(d->state_path);
	free(d->status_path);
	free(d->state_dir_used);
	free(d->runtime_dir_used);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct daemon d = { .config_path = CCM_CONFIG_DEFAULT_PATH,
			    .lock_fd = -1, .runtime_fd = -1 };
	int c, rc;

	while ((c = getopt_long(argc, argv, "c:fhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			d.config_path = optarg;
			break;
		case 'f':
			d.foreground = true;
			break;
		case 'V':
			/* the daemon's own name: PACKAGE_STRING says "ccmon" */
			puts("ccmond (" PACKAGE_NAME ") " PACKAGE_VERSION
			     "\nfeatures: snmp (AgentX subagent)");
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	d.to_journal = access(JOURNAL_SOCKET, W_OK) == 0;
	if (!d.foreground && !d.to_journal)
		openlog("ccmond", LOG_PID, LOG_DAEMON);
	d.cfg = load_config(&d, "not starting");
	if (!d.cfg)
		return 1;
	if (!d.foreground && !d.to_journal)
		openlog("ccmond", LOG_PID, d.cfg->agent.syslog_facility);
	if (setup(&d) < 0) {
		say(&d, LOG_ERR, "start failed");
		teardown(&d);
		return 1;
	}
	/* READY=1 once the first replay is over (synced()) */
	rc = sd_event_loop(d.loop);
	teardown(&d);
	return rc < 0 ? 1 : 0;
}

/* SPDX-License-Identifier: ISC */
/* The modules of ccmond, started in one order and stopped in the reverse
 * (the table below: the one place that says it), the state file, and
 * acting on what the monitor decided.  See agent/daemon/daemon.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <systemd/sd-daemon.h>

#include "agent/core/trace.h"
#include "agent/daemon/daemon.h"
#include "agent/util/safe_open.h"
#include "agent/util/text_clean.h"

#define LOCK_FILE "ccmond.lock"

/* ---- configuration ----------------------------------------------------- */

void ccmond_log_level(struct daemon *d)
{
	bool debug = d->verbose || (d->cfg && d->cfg->agent.debug);

	d->log.threshold = debug ? LOG_DEBUG : LOG_INFO;
	/* The core says why it decided only when someone listens: its trace
	 * costs nothing while off. */
	if (d->mon) {
		struct ccm_trace t = { .fn = ccm_log_trace, .ctx = &d->log };

		ccm_monitor_set_trace(d->mon, debug ? &t : NULL);
	}
}

static void say_finding(struct daemon *d, const struct ccm_finding *f)
{
	char *line = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&line, &len);

	if (!m)
		return;
	ccm_finding_print(f, m);
	fclose(m);
	if (len && line[len - 1] == '\n')
		line[len - 1] = '\0';
	ccm_say(&d->log, f->level == CCM_LEVEL_ERROR ? LOG_ERR : LOG_WARNING,
		"%s", line);
	free(line);
}

struct ccm_config *ccmond_load_config(struct daemon *d, const char *why)
{
	struct ccm_findings f;
	struct ccm_config *cfg = NULL;
	int errors;

	ccm_findings_init(&f);
	errors = ccm_config_load(d->config_path, &cfg, &f);
	for (size_t i = 0; i < f.n; i++)
		say_finding(d, &f.v[i]);
	if (errors)
		ccm_say(&d->log, LOG_ERR, "%s: %d error%s in %s", why, errors,
			errors == 1 ? "" : "s", d->config_path);
	ccm_findings_release(&f);
	return errors ? NULL : cfg;
}

int ccmond_configure(struct daemon *d)
{
	d->cfg = ccmond_load_config(d, "not starting");
	if (!d->cfg)
		return -1;
	ccm_log_set_facility(&d->log, d->cfg->agent.syslog_facility);
	ccmond_log_level(d);
	ccm_say(&d->log, LOG_DEBUG, "configuration read from %s",
		d->config_path);
	return 0;
}

/* ---- the state file ---------------------------------------------------- */

/* Two agents on one state directory would each resume from the same
 * positions and send every alarm twice. */
int ccmond_lock_state_dir(struct daemon *d)
{
	const char *dir = d->cfg->agent.state_dir;
	char *path;
	char err[512];
	struct stat st;

	if (mkdir(dir, 0750) < 0 && errno != EEXIST) {
		ccm_say(&d->log, LOG_ERR, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (ccm_check_private_dir(dir, err, sizeof(err)) < 0) {
		ccm_say(&d->log, LOG_ERR, "state_dir %s", err);
		return -1;
	}
	if (asprintf(&path, "%s/%s", dir, LOCK_FILE) < 0)
		return -1;
	d->lock_fd = ccm_open_file(path, O_RDWR | O_CREAT | O_NOFOLLOW, 0640,
				   &st);
	if (d->lock_fd < 0) {
		ccm_say(&d->log, LOG_ERR, "%s: %s", path,
			ccm_open_strerror(-d->lock_fd));
		d->lock_fd = -1;
		free(path);
		return -1;
	}
	if (flock(d->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		ccm_say(&d->log, LOG_ERR, "%s: %s", path,
			errno == EWOULDBLOCK ?
			"another ccmond runs with this state_dir" :
			strerror(errno));
		free(path);
		return -1;
	}
	free(path);
	return 0;
}

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

static void save_state(struct daemon *d, bool whole)
{
	const struct ccm_tail_pos *pos = NULL;
	size_t n = d->tail ? ccm_tail_positions(d->tail, &pos) : 0;
	struct json_object *alarms = ccm_monitor_snapshot(d->mon);
	struct json_object *notes = d->snmp ?
		ccm_snmp_agent_snapshot(d->snmp) : NULL;
	char err[512];

	if (alarms)
		shift_times(alarms, ccmond_wall_offset(d));
	if ((whole ? ccm_state_save_whole : ccm_state_save_quick)(
		    &d->slog, d->state_path, pos, n, alarms, notes, err,
		    sizeof(err))) {
		if (!d->state_failing)
			ccm_say(&d->log, LOG_ERR, "cannot save the state: %s; "
				"going on (a restart would re-read lines and "
				"may repeat alarms)", err);
		d->state_failing = true;
	} else if (d->state_failing) {
		ccm_say(&d->log, LOG_NOTICE, "state saved again in %s",
			d->state_path);
		d->state_failing = false;
	} else {
		ccm_say(&d->log, LOG_DEBUG, "state saved in %s: %zu file "
			"position(s)", d->state_path, n);
	}
	json_object_put(alarms);
	json_object_put(notes);
}

void ccmond_save_state(struct daemon *d)
{
	save_state(d, true);
}

/* ---- acting on the monitor's decisions --------------------------------- */

/* In the foreground the operator watches the terminal: alarms show there
 * too, besides going to journald or syslog. */
static void echo_alarm(const struct daemon *d,
		       const struct ccm_alarm_decision *dec)
{
	char *raw = ccm_alarm_message(dec, false);
	char *text = ccm_text_clean_str(raw, CCM_TEXT_DISPLAY);
	const char *shown = text;

	if (shown && !strncmp(shown, "ccmon: ", 7))
		shown += 7;
	if (shown)
		fprintf(d->log.out, "%s: %s\n", d->log.ident, shown);
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

/* The decisions' notifications queued (the state file records them as
 * owed); whether there was any. */
static bool queue_notifications(struct daemon *d, const struct ccm_out *outs,
				size_t n, ccm_ms off)
{
	bool decided = false;

	for (size_t i = 0; i < n; i++) {
		struct ccm_alarm_decision dec;
		if (outs[i].kind != CCM_OUT_ALARM)
			continue;
		decided = true;
		dec = as_shown(&outs[i].decision, off);
		if (!d->snmp)
			continue;
		ccm_snmp_agent_queue(d->snmp, &dec);
		if (ccm_cleared_alarms_add(&d->cleared, &dec))
			ccm_say(&d->log, LOG_ERR, "SNMP: out of memory: alarm "
				"%llu is missing from ccmonAlarmHistoryTable",
				(unsigned long long)dec.id);
	}
	return decided;
}

static void act(struct daemon *d, const struct ccm_out *o, ccm_ms off)
{
	if (o->kind == CCM_OUT_ALARM) {
		struct ccm_alarm_decision dec = as_shown(&o->decision, off);

		ccm_alarm_sink_write(d->sink, &dec, o->component, o->server);
		if (d->log.to == CCM_LOG_STDERR)
			echo_alarm(d, &dec);
	} else if (o->text) {
		ccm_say(&d->log, o->priority, "%s", o->text);
	}
}

/* Persists, then acts: see agent/daemon/daemon.h. */
void ccmond_flush(struct daemon *d)
{
	const struct ccm_out *outs;
	size_t n = ccm_monitor_take(d->mon, &outs);
	size_t alarms = ccm_alarms_count_active(ccm_monitor_alarms(d->mon));
	ccm_ms off = ccmond_wall_offset(d);
	bool decided = queue_notifications(d, outs, n, off);

	/* On the way of the alarms: appended to the state file's journal
	 * (agent/io/state.h), which the lazy save folds into the file. */
	if (decided || d->positions_moved) {
		save_state(d, false);
		d->positions_moved = false;
		ccmond_arm_lazy_save(d);
	}
	for (size_t i = 0; i < n; i++)
		act(d, &outs[i], off);
	if (d->snmp && decided)
		ccm_snmp_agent_send(d->snmp);
	if (alarms != d->last_alarms)
		ccmond_tell_status(d, d->last_alarms == SIZE_MAX);
	ccmond_arm_due(d);
}

/* STATUS= at most once a second: each is a socket of its own, and a busy
 * link changes the count a hundred times a second.  The last count is
 * told when the second is over (sources.c, on_status_due); the first
 * after the replay at once. */
void ccmond_tell_status(struct daemon *d, bool now)
{
	size_t alarms = ccm_alarms_count_active(ccm_monitor_alarms(d->mon));
	const struct ccm_component *const *c;
	uint64_t t;

	if (alarms == d->last_alarms)
		return;
	sd_event_now(d->loop, CLOCK_MONOTONIC, &t);
	if (!now && d->status_said && t - d->status_said < STATUS_USEC) {
		int enabled = SD_EVENT_OFF;

		if (d->status_due &&
		    sd_event_source_get_enabled(d->status_due, &enabled) >= 0 &&
		    enabled == SD_EVENT_OFF) {
			sd_event_source_set_time(d->status_due,
						 d->status_said + STATUS_USEC);
			sd_event_source_set_enabled(d->status_due,
						    SD_EVENT_ONESHOT);
		}
		return;
	}
	sd_notifyf(0, "STATUS=%zu components, %zu alarms raised",
		   ccm_engine_components(ccm_monitor_engine(d->mon), &c),
		   alarms);
	d->last_alarms = alarms;
	d->status_said = t;
	if (d->status_due)
		sd_event_source_set_enabled(d->status_due, SD_EVENT_OFF);
}

struct ccm_tail *ccmond_start_tail(struct daemon *d,
				   const struct ccm_tail_pos *saved,
				   size_t nsaved, bool have_saved)
{
	struct ccm_tail_config tc = {
		.patterns = d->cfg->logs,
		.npatterns = d->cfg->nlogs,
		.max_line = d->cfg->agent.max_line,
		.max_open = d->cfg->agent.max_open_files,
		.silence_min = d->cfg->agent.restart_silence,
	};
	char err[512];
	struct ccm_tail *t = ccm_tail_new(d->loop, &tc, d->rec,
					  have_saved ? saved : NULL, nsaved,
					  &ccmond_tail_ops, d, err,
					  sizeof(err));

	if (!t)
		ccm_say(&d->log, LOG_ERR, "%s", err);
	return t;
}

/* ---- the modules ------------------------------------------------------- */

/* The lock on state_dir, and runtime_dir refused before anything starts
 * (a missing one is created with the status socket). */
static int start_dirs(struct daemon *d)
{
	const struct ccm_agent_config *a = &d->cfg->agent;
	char err[512];

	if (ccmond_lock_state_dir(d) < 0)
		return -1;
	if (access(a->runtime_dir, F_OK) == 0 &&
	    ccm_check_private_dir(a->runtime_dir, err, sizeof(err)) < 0) {
		ccm_say(&d->log, LOG_ERR, "runtime_dir %s", err);
		return -1;
	}
	if (asprintf(&d->state_path, "%s/%s", a->state_dir, STATE_FILE) < 0) {
		d->state_path = NULL;
		return -1;
	}
	if (!(d->state_dir_used = strdup(a->state_dir)) ||
	    !(d->runtime_dir_used = strdup(a->runtime_dir)))
		return -1;
	return 0;
}

static void stop_dirs(struct daemon *d)
{
	if (d->lock_fd >= 0)
		close(d->lock_fd);
	d->lock_fd = -1;
	ccmond_set_string(&d->state_path, NULL);
	ccmond_set_string(&d->state_dir_used, NULL);
	ccmond_set_string(&d->runtime_dir_used, NULL);
}

/* Refusing to start over a bad state file would leave the link
 * unwatched.  A bad file is kept for a look, since the next save replaces
 * it. */
static int load_saved(struct daemon *d)
{
	char err[512], aside[PATH_MAX], why[512];
	int have = ccm_state_load(d->state_path, &d->saved, err, sizeof(err));

	if (have < 0) {
		if (have == -2)
			ccm_say(&d->log, LOG_WARNING, "%s; starting as if for "
				"the first time", err);
		else if (ccm_state_set_aside(d->state_path, time(NULL), aside,
					     sizeof(aside), why,
					     sizeof(why)) == 0)
			ccm_say(&d->log, LOG_WARNING, "%s; kept as %s; "
				"starting as if for the first time", err,
				aside);
		else
			ccm_say(&d->log, LOG_WARNING, "%s; %s; starting as if"
				" for the first time", err, why);
		have = 0;
	}
	d->have_saved = have;
	ccm_state_log_init(&d->slog, have > 0 ? d->saved.seq : 0);
	ccm_say(&d->log, LOG_DEBUG, "%s: %s", d->state_path, have ?
		"resuming from it" : "none: the logs are read from the start");
	return 0;
}

static void release_saved(struct daemon *d)
{
	ccm_state_release(&d->saved);
	ccm_state_log_close(&d->slog);
}

static int start_recognizer(struct daemon *d)
{
	struct ccm_queue_lines *q;
	char err[512];

	d->rec = ccm_recognizer_new(err, sizeof(err));
	if (!d->rec) {
		ccm_say(&d->log, LOG_ERR, "%s", err);
		return -1;
	}
	if (!ccm_recognizer_jit(d->rec))
		ccm_say(&d->log, LOG_NOTICE, "PCRE2 JIT unavailable (W^X "
			"memory?): using the interpreter");
	q = ccm_queue_lines_new(d->cfg->queue_rules, d->cfg->nqueue_rules,
				d->cfg->agent.queue_wait, err, sizeof(err));
	if (!q) {
		ccm_say(&d->log, LOG_ERR, "%s", err);
		return -1;
	}
	ccm_recognizer_set_queue(d->rec, q);
	return 0;
}

static void stop_recognizer(struct daemon *d)
{
	ccm_recognizer_free(d->rec);
	d->rec = NULL;
}

static int start_monitor(struct daemon *d)
{
	struct ccm_alarm_sink_config sc = {
		.facility = d->cfg->agent.syslog_facility,
	};
	char err[512];

	d->facility_used = sc.facility;
	d->mon = ccm_monitor_new(d->cfg, d->have_saved ? d->saved.alarms :
				 NULL, err, sizeof(err));
	d->sink = ccm_alarm_sink_new(&sc);
	if (!d->mon || !d->sink) {
		ccm_say(&d->log, LOG_ERR, "%s", d->mon ? "out of memory" : err);
		return -1;
	}
	ccmond_log_level(d);
	return 0;
}

static void stop_monitor(struct daemon *d)
{
	ccm_monitor_free(d->mon);
	d->mon = NULL;
	ccm_alarm_sink_free(d->sink);
	d->sink = NULL;
}

/* Before the replay, which the socket tells about.  Another agent on this
 * runtime_dir is a reason not to start (it would run unseen); anything
 * else is not (the logs matter more): tried again. */
static int start_status(struct daemon *d)
{
	char err[512];

	switch (ccmond_start_status(d, d->runtime_dir_used, err,
				    sizeof(err))) {
	case CCM_CLAIM_OK:
		break;
	case CCM_CLAIM_HELD:
		ccm_say(&d->log, LOG_ERR, "%s", err);
		return -1;
	case CCM_CLAIM_FAILED:
		ccmond_retry_status(d, err);
		break;
	}
	return 0;
}

static int start_metrics(struct daemon *d)
{
	ccmond_start_metrics(d);
	return 0;
}

static void stop_metrics(struct daemon *d)
{
	ccm_metrics_server_free(d->metrics);
	d->metrics = NULL;
}

/* Before the first flush: its alarms are notified too. */
static int start_snmp(struct daemon *d)
{
	size_t owed;

	ccm_cleared_alarms_init(&d->cleared, d->cfg->agent.alarm_history);
	if (ccmond_start_snmp(d) < 0)
		return -1;
	if (!d->snmp || !d->have_saved || !d->saved.notifications)
		return 0;
	owed = ccm_snmp_agent_restore(d->snmp, d->saved.notifications);
	if (owed)
		ccm_say(&d->log, LOG_NOTICE, "SNMP: %zu notification(s) of the"
			" last run still to send", owed);
	return 0;
}

static void stop_snmp(struct daemon *d)
{
	ccm_snmp_agent_free(d->snmp);
	d->snmp = NULL;
	ccm_cleared_alarms_release(&d->cleared);
}

/* The replay goes on from the loop if its first slice did not see it
 * through (sources.c, on_pass_done). */
static int start_tail(struct daemon *d)
{
	d->tail = ccmond_start_tail(d, d->saved.files, d->saved.nfiles,
				    d->have_saved > 0);
	ccm_state_release(&d->saved);
	if (!d->tail)
		return -1;
	if (ccm_tail_caught_up(d->tail))
		ccmond_synced(d);
	else
		ccmond_replay_progress(d);
	return 0;
}

/* The last positions and alarms saved before anything is taken down. */
static void stop_tail(struct daemon *d)
{
	if (d->tail && d->mon)
		ccmond_save_state(d);
	ccm_tail_free(d->tail);
	d->tail = NULL;
}

static int start_clock(struct daemon *d)
{
	ccmond_start_clock(d);
	return 0;
}

struct module {
	const char *name;                /* for the debug level */
	int (*start)(struct daemon *d);  /* -1: said why */
	void (*stop)(struct daemon *d);  /* also after its start failed */
};

/* Each module may use those above it, from its start to its stop. */
static const struct module modules[] = {
	{ "agent clock", start_clock, NULL },
	{ "state_dir and runtime_dir", start_dirs, stop_dirs },
	{ "state file", load_saved, release_saved },
	{ "log recognizer", start_recognizer, stop_recognizer },
	{ "monitor and alarm sink", start_monitor, stop_monitor },
	{ "event loop", ccmond_start_loop, ccmond_stop_loop },
	{ "status socket", start_status, ccmond_stop_status },
	{ "metrics", start_metrics, stop_metrics },
	{ "SNMP subagent", start_snmp, stop_snmp },
	{ "probes", NULL, ccmond_stop_probers }, /* started when synced */
	{ "log tail", start_tail, stop_tail },
};

int ccmond_setup(struct daemon *d)
{
	for (size_t i = 0; i < sizeof(modules) / sizeof(*modules); i++) {
		const struct module *m = &modules[i];

		d->started = i + 1;
		if (!m->start)
			continue;
		ccm_say(&d->log, LOG_DEBUG, "starting the %s", m->name);
		if (m->start(d) < 0) {
			ccm_say(&d->log, LOG_ERR, "start failed");
			return -1;
		}
	}
	return 0;
}

int ccmond_run(struct daemon *d)
{
	/* READY=1 once the first replay is over (ccmond_synced()) */
	return sd_event_loop(d->loop);
}

void ccmond_teardown(struct daemon *d)
{
	while (d->started > 0) {
		const struct module *m = &modules[--d->started];

		if (m->stop)
			m->stop(d);
	}
	ccm_config_free(d->cfg);
	d->cfg = NULL;
}

/* SPDX-License-Identifier: ISC */
/* What the event loop calls: the tailer's lines and events, the
 * monitor's timer, the lazy save, the probes and the signals.  Each input
 * goes to the monitor at agent time (clock.c), then what it decided is
 * acted on (ccmond_flush()). */
#include <signal.h>
#include <stdlib.h>
#include <syslog.h>

#include <systemd/sd-daemon.h>

#include "agent/daemon/daemon.h"
#include "parsers/duration.h"

#define LAZY_SAVE_USEC UINT64_C(1000000)
/* The first replay's progress is told systemd (STATUS=) this often. */
#define PROGRESS_USEC UINT64_C(1000000)

/* ---- timers ------------------------------------------------------------ */

static int on_due(sd_event_source *s, uint64_t usec, void *ud)
{
	struct daemon *d = ud;

	(void)s;
	(void)usec;
	ccm_monitor_advance(d->mon, ccmond_tick(d));
	ccmond_flush(d);
	return 0;
}

/* One timer for everything the monitor waits for, re-armed after every
 * change: holds, auth timeouts, log silence.  On CLOCK_BOOTTIME, the
 * clock agent time follows. */
void ccmond_arm_due(struct daemon *d)
{
	ccm_ms due, now = ccmond_agent_now(d);
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

static int on_lazy_save(sd_event_source *s, uint64_t usec, void *ud)
{
	struct daemon *d = ud;

	(void)s;
	(void)usec;
	ccmond_save_state(d);
	return 0;
}

static int on_status_due(sd_event_source *s, uint64_t usec, void *ud)
{
	struct daemon *d = ud;

	(void)s;
	(void)usec;
	ccmond_tell_status(d, true);
	return 0;
}

/* A save within a second, unless one is already due. */
void ccmond_arm_lazy_save(struct daemon *d)
{
	int enabled = SD_EVENT_OFF;

	if (d->lazy_save &&
	    sd_event_source_get_enabled(d->lazy_save, &enabled) >= 0 &&
	    enabled == SD_EVENT_OFF) {
		sd_event_source_set_time_relative(d->lazy_save, LAZY_SAVE_USEC);
		sd_event_source_set_enabled(d->lazy_save, SD_EVENT_ONESHOT);
	}
}

/* ---- tailer ------------------------------------------------------------ */

static void on_message(void *ctx, const char *path, uint64_t line,
		       const struct ccm_logmsg *msg, ccm_ms log_time,
		       bool replay)
{
	struct daemon *d = ctx;

	d->pass_had_messages = true;
	ccm_monitor_message(d->mon, ccmond_tick(d), log_time, path, line, msg,
			    replay);
}

static const char *tail_event_name(enum ccm_tail_event ev)
{
	switch (ev) {
	case CCM_TAIL_OPENED: return "opened";
	case CCM_TAIL_ROTATED: return "rotated";
	case CCM_TAIL_TRUNCATED: return "truncated";
	case CCM_TAIL_CLOSED: return "closed";
	case CCM_TAIL_UNREADABLE: return "unreadable";
	case CCM_TAIL_READABLE: return "readable";
	case CCM_TAIL_LOST: return "lost";
	case CCM_TAIL_OVERFLOW: return "overflow";
	case CCM_TAIL_FILES_LIMIT: return "files-limit";
	case CCM_TAIL_FILES_OK: return "files-ok";
	}
	return "?";
}

static void on_tail_event(void *ctx, enum ccm_tail_event ev, const char *path,
			  int err)
{
	struct daemon *d = ctx;

	ccm_say(&d->log, LOG_DEBUG, "log %s: %s (%d)", path ? path : "*",
		tail_event_name(ev), err);
	ccm_monitor_log_event(d->mon, ccmond_tick(d), ev, path, err);
}

/* The first replay is over: what it found is judged, the probes start,
 * and systemd hears READY=1 (ccmond(8), START). */
void ccmond_synced(struct daemon *d)
{
	d->synced = true;
	ccm_monitor_synced(d->mon, ccmond_tick(d));
	d->positions_moved = true;
	d->last_alarms = SIZE_MAX; /* STATUS= replaces "replaying" */
	ccmond_flush(d);
	if (ccmond_start_probers(d))
		ccm_say(&d->log, LOG_ERR, "cannot schedule the probes");
	ccm_say(&d->log, LOG_NOTICE, "watching %zu log pattern%s and %zu "
		"server%s", d->cfg->nlogs,
		d->cfg->nlogs == 1 ? "" : "s", d->cfg->nservers,
		d->cfg->nservers == 1 ? "" : "s");
	sd_notify(0, "READY=1");
}

void ccmond_replay_progress(struct daemon *d)
{
	struct ccm_tail_stats ts;
	uint64_t now;

	sd_event_now(d->loop, CLOCK_MONOTONIC, &now);
	if (d->progress_said && now - d->progress_said < PROGRESS_USEC)
		return;
	d->progress_said = now;
	ccm_tail_stats(d->tail, &ts);
	sd_notifyf(0, "STATUS=replaying the logs: %u%%",
		   ccm_tail_replay_percent(&ts));
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
		ccmond_arm_lazy_save(d);
	d->pass_had_messages = false;
	if (!d->tail) /* within ccm_tail_new(): its caller goes on */
		return;
	if (!d->synced) {
		/* Nothing is acted on before the replay is over: positions
		 * need no save before acting, only now and then (and at a
		 * stop) so that a restart resumes near where this one was. */
		if (d->positions_moved)
			ccmond_arm_lazy_save(d);
		d->positions_moved = false;
		if (ccm_tail_caught_up(d->tail)) {
			ccmond_synced(d);
			return;
		}
		ccmond_replay_progress(d);
	}
	ccmond_flush(d);
}

static void on_grew(void *ctx, const char *path)
{
	struct daemon *d = ctx;

	ccm_monitor_log_grew(d->mon, ccmond_tick(d), path);
}

const struct ccm_tail_ops ccmond_tail_ops = {
	.message = on_message,
	.event = on_tail_event,
	.grew = on_grew,
	.pass_done = on_pass_done,
};

/* ---- probes ------------------------------------------------------------ */

static void probe_done(void *ctx, const struct ccm_probe_report *r)
{
	struct prober *p = ctx;

	ccm_say(&p->d->log, LOG_DEBUG, "probe of %s: %s (%s)", p->srv->name,
		ccm_probe_result_name(r->result), r->detail);
	ccm_monitor_probe(p->d->mon, ccmond_tick(p->d), p->srv->name, r);
	ccm_probe_free(p->job);
	p->job = NULL;
	ccmond_flush(p->d);
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
	if (p->job) {
		ccm_say(&p->d->log, LOG_DEBUG, "probe of %s: the last one "
			"still runs, none started", p->srv->name);
		return 0; /* the last one is still running: timeout < interval */
	}
	if (ccm_probe_start(p->d->loop, &req, probe_done, p, &p->job) < 0)
		ccm_say(&p->d->log, LOG_ERR, "cannot start a probe of %s",
			p->srv->name);
	return 0;
}

void ccmond_stop_probers(struct daemon *d)
{
	for (size_t i = 0; i < d->nprobers; i++) {
		ccm_probe_free(d->probers[i].job);
		sd_event_source_unref(d->probers[i].timer);
	}
	free(d->probers);
	d->probers = NULL;
	d->nprobers = 0;
}

static void say_scheduled(const struct daemon *d, const struct ccm_server *srv)
{
	char every[CCM_DURATION_STRLEN];

	if (!ccm_log_enabled(&d->log, LOG_DEBUG))
		return;
	ccm_say(&d->log, LOG_DEBUG, "probe of %s (%s port %u, %s) every %s, "
		"the first now", srv->name, srv->host, (unsigned)srv->port,
		ccm_probe_depth_name(srv->probe == CCM_PROBE_STREAM ?
				     CCM_PROBE_DEPTH_STREAM :
				     CCM_PROBE_DEPTH_TCP),
		ccm_duration_format(srv->probe_interval, every));
}

int ccmond_start_probers(struct daemon *d)
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
		say_scheduled(d, srv);
		d->nprobers++;
	}
	return 0;
}

/* ---- signals ----------------------------------------------------------- */

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si,
		     void *ud)
{
	struct daemon *d = ud;

	if (si->ssi_signo == SIGHUP) {
		sd_notify(0, "RELOADING=1");
		ccmond_reload(d);
		if (d->synced)
			sd_notify(0, "READY=1");
		return 0;
	}
	ccm_say(&d->log, LOG_DEBUG, "signal %d: stopping", (int)si->ssi_signo);
	sd_notify(0, "STOPPING=1");
	return sd_event_exit(sd_event_source_get_event(s), 0);
}

int ccmond_start_loop(struct daemon *d)
{
	sigset_t mask;

	if (sd_event_default(&d->loop) < 0)
		return -1;
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
	sd_event_add_time(d->loop, &d->status_due, CLOCK_MONOTONIC, 0, 0,
			  on_status_due, d);
	sd_event_source_set_enabled(d->status_due, SD_EVENT_OFF);
	return 0;
}

void ccmond_stop_loop(struct daemon *d)
{
	d->due = sd_event_source_unref(d->due);
	d->lazy_save = sd_event_source_unref(d->lazy_save);
	d->status_due = sd_event_source_unref(d->status_due);
	d->loop = sd_event_unref(d->loop);
}

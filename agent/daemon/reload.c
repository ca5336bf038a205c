/* SPDX-License-Identifier: ISC */
/* SIGHUP: the configuration file read again and, when it has no errors,
 * put in force while the agent runs (ccmond(8), SIGNALS).  What cannot
 * be applied keeps its old value and is said; what takes a restart (the
 * SNMP settings) is said too. */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "agent/daemon/daemon.h"

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
		ccm_say(&d->log, LOG_WARNING, "snmp, agentx_socket, "
			"agentx_ping_interval and notification_queue take "
			"effect at the next start: the SNMP subagent goes on "
			"as it was");
}

static bool same_metrics(const struct ccm_config *a,
			 const struct ccm_config *b)
{
	const char *x = a->agent.metrics_listen, *y = b->agent.metrics_listen;

	return !strcmp(x ? x : "", y ? y : "") &&
	       a->agent.status_clients == b->agent.status_clients &&
	       a->agent.status_timeout == b->agent.status_timeout;
}

static bool same_logs(const struct ccm_config *a, const struct ccm_config *b)
{
	if (a->nlogs != b->nlogs ||
	    a->agent.max_line != b->agent.max_line ||
	    a->agent.max_open_files != b->agent.max_open_files ||
	    a->agent.restart_silence != b->agent.restart_silence)
		return false;
	for (size_t i = 0; i < a->nlogs; i++)
		if (strcmp(a->logs[i], b->logs[i]))
			return false;
	return true;
}

static bool named_by(const struct ccm_config *cfg, const char *path)
{
	for (size_t i = 0; i < cfg->nlogs; i++)
		if (fnmatch(cfg->logs[i], path, FNM_PATHNAME) == 0)
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

/* The log patterns changed: the new tail takes over from the old one's
 * positions; if it cannot start, the old one goes on rather than
 * nothing. */
static void replace_tail(struct daemon *d, const struct ccm_config *old)
{
	size_t n;
	struct ccm_tail_pos *pos = carry_positions(d->tail, old, d->cfg, &n);
	struct ccm_tail *old_tail = d->tail;
	struct ccm_tail *t;

	d->tail = NULL; /* no flush during the new one's first pass */
	t = pos ? ccmond_start_tail(d, pos, n, true) : NULL;
	if (t) {
		ccm_tail_free(old_tail);
		d->tail = t;
		ccm_say(&d->log, LOG_DEBUG, "log patterns replaced: %zu "
			"position(s) carried over", n);
	} else {
		ccm_say(&d->log, LOG_ERR, "the new log patterns cannot be "
			"followed: still following the old ones");
		d->tail = old_tail;
	}
	for (size_t i = 0; pos && i < n; i++)
		ccm_tail_pos_release(&pos[i]);
	free(pos);
}

/* The journal of the state file left behind (agent/io/state.h). */
static void remove_journal(struct daemon *d, const char *old_path)
{
	char *log = NULL;

	if (asprintf(&log, "%s%s", old_path, CCM_STATE_LOG_SUFFIX) < 0)
		return;
	if (unlink(log) < 0 && errno != ENOENT)
		ccm_say(&d->log, LOG_WARNING, "%s: cannot remove it: %s",
			log, strerror(errno));
	free(log);
}

/* The state file, saved in dir, and the old one removed; false when the
 * save failed (the old one stays). */
static bool state_moved(struct daemon *d, char *path, char *old_path,
			int old_fd)
{
	d->state_path = path;
	d->state_failing = false;
	ccmond_save_state(d);
	if (d->state_failing) {
		d->state_path = old_path;
		return false;
	}
	if (unlink(old_path) < 0 && errno != ENOENT)
		ccm_say(&d->log, LOG_WARNING, "%s: cannot remove it: %s",
			old_path, strerror(errno));
	remove_journal(d, old_path);
	close(old_fd);
	free(old_path);
	return true;
}

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
		ccm_say(&d->log, LOG_ERR, "state_dir stays %s: out of memory",
			d->state_dir_used);
		return false;
	}
	if (ccmond_lock_state_dir(d) == 0 && /* says why not */
	    state_moved(d, path, old_path, old_fd)) {
		ccmond_set_string(&d->state_dir_used, dircopy);
		ccm_say(&d->log, LOG_NOTICE, "state_dir is now %s", dir);
		return true;
	}
	if (d->lock_fd >= 0)
		close(d->lock_fd);
	d->lock_fd = old_fd;
	d->state_failing = old_failing;
	free(path);
	free(dircopy);
	ccm_say(&d->log, LOG_ERR, "state_dir stays %s: %s cannot be used "
		"(see above)", d->state_dir_used, dir);
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
			ccmond_set_string(&d->runtime_dir_used, copy);
		return copy != NULL;
	}
	if (ccmond_start_status(d, dir, err, sizeof(err)) != CCM_CLAIM_OK) {
		ccm_say(&d->log, LOG_ERR, "runtime_dir stays %s: %s",
			d->runtime_dir_used, err);
		return false;
	}
	ccm_say(&d->log, LOG_NOTICE, "runtime_dir is now %s: status socket at "
		"%s", dir, d->status_path);
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
		ccm_say(&d->log, LOG_ERR, "syslog_facility stays as it was: "
			"out of memory");
		return false;
	}
	ccm_alarm_sink_free(d->sink); /* closes syslog if it opened it */
	d->sink = sink;
	d->facility_used = facility;
	ccm_log_set_facility(&d->log, facility);
	return true;
}

/* The new configuration, checked and its queue rules compiled; NULL, said
 * why. */
static struct ccm_config *load_new(struct daemon *d,
				   struct ccm_queue_lines **q)
{
	static const char refused[] = "reload refused, the running "
				      "configuration stays";
	struct ccm_config *cfg = ccmond_load_config(d, refused);
	char err[512];

	if (!cfg)
		return NULL;
	*q = ccm_queue_lines_new(cfg->queue_rules, cfg->nqueue_rules,
				 cfg->agent.queue_wait, err, sizeof(err));
	if (!*q) {
		ccm_say(&d->log, LOG_ERR, "%s: %s", refused, err);
		ccm_config_free(cfg);
		return NULL;
	}
	return cfg;
}

/* What the new configuration changes beside the monitor and the
 * directories: /metrics and the tail. */
static void apply(struct daemon *d, const struct ccm_config *old)
{
	const struct ccm_config *cfg = d->cfg;

	snmp_reload_note(d, old, cfg);
	if (ccm_cleared_alarms_set_max(&d->cleared, cfg->agent.alarm_history))
		ccm_say(&d->log, LOG_ERR, "reload: out of memory: "
			"alarm_history stays %zu", d->cleared.max);
	/* also tried again when it could not listen before */
	if (!same_metrics(old, cfg) ||
	    (!d->metrics && cfg->agent.metrics_listen))
		ccmond_start_metrics(d);
	if (!same_logs(old, cfg))
		replace_tail(d, old);
	else
		ccm_say(&d->log, LOG_DEBUG, "log patterns unchanged: the tail "
			"goes on");
}

void ccmond_reload(struct daemon *d)
{
	struct ccm_queue_lines *q = NULL;
	struct ccm_config *cfg = load_new(d, &q);
	struct ccm_config *old = d->cfg;
	bool applied = true;

	if (!cfg)
		return;
	ccmond_stop_probers(d);
	if (ccm_monitor_reconfigure(d->mon, cfg)) {
		ccm_say(&d->log, LOG_ERR, "reload failed: out of memory");
		ccm_queue_lines_free(q);
		ccm_config_free(cfg);
		if (d->synced)
			ccmond_start_probers(d);
		return;
	}
	ccm_recognizer_set_queue(d->rec, q);
	d->cfg = cfg;
	apply(d, old);
	ccm_config_free(old);
	ccmond_log_level(d);
	if (d->synced && ccmond_start_probers(d))
		ccm_say(&d->log, LOG_ERR, "cannot schedule the probes");
	applied &= move_state_dir(d);
	applied &= move_runtime_dir(d);
	applied &= change_facility(d);
	if (d->status)
		ccm_status_server_set_limits(
			d->status, cfg->agent.status_clients,
			(uint64_t)cfg->agent.status_timeout * 1000u);
	if (applied)
		ccm_say(&d->log, LOG_NOTICE, "configuration reloaded from %s",
			d->config_path);
	else
		ccm_say(&d->log, LOG_WARNING, "configuration reloaded from %s, "
			"but for what stays as it was (said above)",
			d->config_path);
	ccmond_flush(d);
}

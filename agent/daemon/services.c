/* SPDX-License-Identifier: ISC */
/* What the agent serves from its live state: the status socket (ccmon
 * status), the SNMP subagent and /metrics.  All three read the same parts,
 * so that they agree. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "agent/daemon/daemon.h"
#include "agent/metrics/text.h"

#define STATUS_SOCKET "ccmond.sock"
/* A status socket that could not be made is tried again this often. */
#define STATUS_RETRY_USEC UINT64_C(5000000)

void ccmond_set_string(char **field, char *value)
{
	free(*field);
	*field = value;
}

/* ---- status ------------------------------------------------------------ */

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
					   ccmond_agent_now(d),
					   ccmond_wall_offset(d));
}

/* The socket's server at dir/STATUS_SOCKET; NULL with err. */
static struct ccm_status_server *new_status_server(struct daemon *d,
						   const char *dir,
						   char **path, char *err,
						   size_t errlen)
{
	if (asprintf(path, "%s/%s", dir, STATUS_SOCKET) < 0) {
		*path = NULL;
		snprintf(err, errlen, "ccmond.c: out of memory");
		return NULL;
	}
	return ccm_status_server_new(d->loop, *path, build_status, d, err,
				     errlen);
}

/* Serves the status socket in dir (claimed first: one agent per runtime
 * directory), in place of the one served so far, if any. */
enum ccm_claim ccmond_start_status(struct daemon *d, const char *dir,
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
	srv = new_status_server(d, dir, &path, err, errlen);
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
	ccmond_set_string(&d->status_path, path);
	ccmond_set_string(&d->runtime_dir_used, dircopy);
	d->status_retry = sd_event_source_disable_unref(d->status_retry);
	ccm_say(&d->log, LOG_DEBUG, "status socket served at %s",
		d->status_path);
	return CCM_CLAIM_OK;
}

static int on_status_retry(sd_event_source *s, uint64_t usec, void *ud)
{
	struct daemon *d = ud;
	char err[512];

	(void)usec;
	if (ccmond_start_status(d, d->runtime_dir_used, err, sizeof(err)) ==
	    CCM_CLAIM_OK) {
		ccm_say(&d->log, LOG_NOTICE, "status socket at %s",
			d->status_path);
		return 0; /* the source is gone with the retry */
	}
	ccm_say(&d->log, LOG_DEBUG, "status socket: %s; trying again", err);
	sd_event_source_set_time_relative(s, STATUS_RETRY_USEC);
	sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
	return 0;
}

/* Without a status socket `ccmon status` cannot see the agent: said, and
 * tried again until it works. */
void ccmond_retry_status(struct daemon *d, const char *why)
{
	ccm_say(&d->log, LOG_WARNING, "no status socket yet: %s; trying again"
		" every %llu s", why,
		(unsigned long long)(STATUS_RETRY_USEC / 1000000u));
	if (!d->status_retry &&
	    sd_event_add_time_relative(d->loop, &d->status_retry,
				       CLOCK_MONOTONIC, STATUS_RETRY_USEC, 0,
				       on_status_retry, d) < 0)
		ccm_say(&d->log, LOG_ERR,
			"cannot schedule the status socket's retry");
}

void ccmond_stop_status(struct daemon *d)
{
	ccm_status_server_free(d->status);
	d->status = NULL;
	if (d->runtime_fd >= 0)
		close(d->runtime_fd);
	d->runtime_fd = -1;
	d->status_retry = sd_event_source_unref(d->status_retry);
	ccmond_set_string(&d->status_path, NULL);
}

/* ---- SNMP -------------------------------------------------------------- */

static void snmp_source(void *ctx, struct ccm_snmp_source *src)
{
	struct daemon *d = ctx;

	memset(&d->snmp_tail, 0, sizeof(d->snmp_tail));
	if (d->tail)
		ccm_tail_stats(d->tail, &d->snmp_tail);
	src->engine = ccm_monitor_engine(d->mon);
	src->alarms = ccm_monitor_alarms(d->mon);
	src->cleared = &d->cleared;
	src->config = d->cfg;
	src->probe = probe_stats;
	src->probe_ctx = d;
	src->tail = d->tail ? &d->snmp_tail : NULL;
	src->nimpacts = ccm_monitor_impacts(d->mon, &src->impacts);
	src->now = ccmond_agent_now(d);
	src->wall_offset = ccmond_wall_offset(d);
}

/* The master took notifications: the state file should stop owing them
 * (a crash before that save sends them again: at least once). */
static void on_snmp_delivered(void *ctx)
{
	ccmond_arm_lazy_save(ctx);
}

int ccmond_start_snmp(struct daemon *d)
{
	static const struct ccm_snmp_agent_ops ops = {
		.source = snmp_source,
		.delivered = on_snmp_delivered,
	};
	const struct ccm_agent_config *a = &d->cfg->agent;
	struct ccm_snmp_agent_config sc = {
		.socket = a->agentx_socket,
		.ping_interval = a->agentx_ping_interval,
		.queue_max = a->notification_queue,
		.log = &d->log,
	};
	char err[512];

	if (!a->snmp)
		return 0;
	d->snmp = ccm_snmp_agent_new(d->loop, &sc, &ops, d, err, sizeof(err));
	if (!d->snmp) {
		ccm_say(&d->log, LOG_ERR, "%s", err);
		return -1;
	}
	return 0;
}

/* ---- /metrics ---------------------------------------------------------- */

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
void ccmond_start_metrics(struct daemon *d)
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
		ccm_say(&d->log, LOG_NOTICE, "metrics at http://%s/metrics",
			a->metrics_listen);
	else
		ccm_say(&d->log, LOG_ERR, "%s; going on without /metrics", err);
}

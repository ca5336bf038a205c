/* SPDX-License-Identifier: ISC */
/* One probe of a compliance server on an sd-event loop.
 *
 * A probe is a small state machine: lookup (host names only), connect (each
 * address in turn), stream (our header out, the server's back), handshake,
 * and a polite close.  One timer bounds the whole probe; the polite close
 * has a short bound of its own after the verdict, so a server that never
 * closes cannot hold the probe.  The done callback is delivered from a
 * defer source, never from inside another callback or ccm_probe_start(), so
 * the caller may free the probe in it and start the next one.
 *
 * Here: the life cycle, the timer and the verdict.  The network side
 * (lookup, connect) is in probe_net.c, the XMPP stream's in
 * probe_stream.c; the probe they share is in probe_job.h. */
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>

#include <systemd/sd-event.h>

#include "agent/io/probe.h"
#include "agent/io/probe_job.h"
#include "parsers/duration.h"

/* ---- verdicts ---------------------------------------------------------- */

static enum ccm_probe_stage stage_of(enum phase ph)
{
	switch (ph) {
	case PH_LOOKUP:
		return CCM_PROBE_STAGE_RESOLVE;
	case PH_CONNECT:
		return CCM_PROBE_STAGE_CONNECT;
	case PH_STREAM:
		return CCM_PROBE_STAGE_STREAM;
	case PH_HANDSHAKE:
		return CCM_PROBE_STAGE_HANDSHAKE;
	default:
		return CCM_PROBE_STAGE_DONE;
	}
}

void ccm_probe_verdict(struct ccm_probe_job *p, enum ccm_probe_result result,
		       int err, const char *fmt, ...)
{
	va_list ap;

	p->report.result = result;
	p->report.err = err;
	p->report.stage = result == CCM_PROBE_OK ? CCM_PROBE_STAGE_DONE :
			  stage_of(p->phase);
	va_start(ap, fmt);
	vsnprintf(p->report.detail, sizeof(p->report.detail), fmt, ap);
	va_end(ap);
}

void ccm_probe_finish(struct ccm_probe_job *p)
{
	ccm_probe_close_fd(p);
	ccm_probe_abandon_lookup(p);
	p->timer = sd_event_source_disable_unref(p->timer);
	explicit_bzero(p->out, sizeof(p->out));
	p->outlen = p->outoff = 0;
	p->phase = PH_DONE;
	(void)sd_event_source_set_enabled(p->done, SD_EVENT_ONESHOT);
}

/* ---- life cycle -------------------------------------------------------- */

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct ccm_probe_job *p = userdata;
	char t[CCM_DURATION_STRLEN];

	(void)s;
	(void)usec;
	ccm_duration_format_short(p->timeout, t);
	switch (p->phase) {
	case PH_LOOKUP:
		ccm_probe_verdict(p, CCM_PROBE_TIMEOUT, ETIMEDOUT,
			"could not resolve %s within %s", p->host, t);
		break;
	case PH_CONNECT:
		ccm_probe_verdict(p, CCM_PROBE_TIMEOUT, ETIMEDOUT,
			"no answer to connect "
			"within %s (%s port %u)", t, p->report.address,
			p->port);
		break;
	case PH_STREAM:
		if (p->xs.total)
			ccm_probe_verdict(p, CCM_PROBE_TIMEOUT, ETIMEDOUT,
				"no complete "
				"stream header within %s (%zu bytes received)",
				t, p->xs.total);
		else
			ccm_probe_verdict(p, CCM_PROBE_TIMEOUT, ETIMEDOUT,
				"no stream header within %s", t);
		break;
	case PH_HANDSHAKE:
		ccm_probe_verdict(p, CCM_PROBE_TIMEOUT, ETIMEDOUT,
			"no answer to the handshake within %s", t);
		break;
	default:
		break;
	}
	ccm_probe_finish(p);
	return 0;
}

static int on_done(sd_event_source *s, void *userdata)
{
	struct ccm_probe_job *p = userdata;

	(void)s;
	p->in_callback = true;
	if (p->fn)
		p->fn(p->ctx, &p->report);
	p->in_callback = false;
	if (p->free_pending)
		ccm_probe_free(p);
	return 0;
}

void ccm_probe_free(struct ccm_probe_job *p)
{
	if (!p)
		return;
	if (p->in_callback) {
		p->free_pending = true;
		return;
	}
	ccm_probe_close_fd(p);
	ccm_probe_abandon_lookup(p);
	sd_event_source_disable_unref(p->timer);
	sd_event_source_disable_unref(p->done);
	sd_event_unref(p->event);
	if (p->secret) {
		explicit_bzero(p->secret, p->secret_len);
		free(p->secret);
	}
	explicit_bzero(p->out, sizeof(p->out));
	free(p->host);
	free(p->component);
	free(p);
}

const struct ccm_probe_report *ccm_probe_report(const struct ccm_probe_job *p)
{
	return &p->report;
}

static bool request_ok(const struct ccm_probe_request *req)
{
	if (!req->host || !req->host[0] || strlen(req->host) > 255 ||
	    req->port < 1 || req->port > 65535 ||
	    req->depth > CCM_PROBE_DEPTH_HANDSHAKE)
		return false;
	if (req->component && strlen(req->component) > CCM_PROBE_COMPONENT_MAX)
		return false;
	if (req->depth == CCM_PROBE_DEPTH_HANDSHAKE &&
	    (!req->component || !req->component[0] || !req->secret ||
	     strlen(req->secret) > CCM_PROBE_SECRET_MAX))
		return false;
	return true;
}

int ccm_probe_start(sd_event *event, const struct ccm_probe_request *req,
		    ccm_probe_done_fn *fn, void *ctx,
		    struct ccm_probe_job **out)
{
	struct addrinfo hints = {
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
	};
	struct addrinfo *ai = NULL;
	struct ccm_probe_job *p;
	char port[8];
	int r;

	*out = NULL;
	if (!event || !request_ok(req))
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->fd = -1;
	p->event = sd_event_ref(event);
	p->fn = fn;
	p->ctx = ctx;
	p->port = req->port;
	p->depth = req->depth;
	p->timeout = req->timeout > 0 ? req->timeout :
		     CCM_PROBE_DEFAULT_TIMEOUT;
	p->report.result = CCM_PROBE_ERROR;
	p->report.depth = req->depth;
	ccm_xs_init(&p->xs);
	p->host = strdup(req->host);
	if (req->component)
		p->component = strdup(req->component);
	if (req->depth == CCM_PROBE_DEPTH_HANDSHAKE) {
		p->secret_len = strlen(req->secret);
		p->secret = malloc(p->secret_len + 1);
		if (p->secret)
			memcpy(p->secret, req->secret, p->secret_len + 1);
	}
	r = -ENOMEM;
	if (!p->host || (req->component && !p->component) ||
	    (req->depth == CCM_PROBE_DEPTH_HANDSHAKE && !p->secret))
		goto fail;

	r = sd_event_add_defer(event, &p->done, on_done, p);
	if (r < 0)
		goto fail;
	r = sd_event_source_set_enabled(p->done, SD_EVENT_OFF);
	if (r < 0)
		goto fail;
	r = sd_event_add_time_relative(event, &p->timer, CLOCK_MONOTONIC,
				       (uint64_t)p->timeout * 1000, 1000,
				       on_timer, p);
	if (r < 0)
		goto fail;

	snprintf(port, sizeof(port), "%u", p->port);
	if (getaddrinfo(p->host, port, &hints, &ai) == 0) {
		ccm_probe_take_addrs(p, ai);
		freeaddrinfo(ai);
	}
	if (p->naddrs) {
		ccm_probe_connect(p);
	} else {
		r = ccm_probe_start_lookup(p);
		if (r < 0)
			goto fail;
	}
	*out = p;
	return 0;
fail:
	ccm_probe_free(p);
	return r;
}

/* ---- one-shot ---------------------------------------------------------- */

struct run {
	struct ccm_probe_report *report;
	bool done;
};

static void run_done(void *ctx, const struct ccm_probe_report *report)
{
	struct run *run = ctx;

	*run->report = *report;
	run->done = true;
}

int ccm_probe_run(const struct ccm_probe_request *req,
		  struct ccm_probe_report *report)
{
	struct run run = { .report = report };
	struct ccm_probe_job *p = NULL;
	sd_event *event = NULL;
	int r;

	memset(report, 0, sizeof(*report));
	report->result = CCM_PROBE_ERROR;
	report->depth = req->depth;
	r = sd_event_new(&event);
	if (r < 0)
		return r;
	r = ccm_probe_start(event, req, run_done, &run, &p);
	while (r >= 0 && !run.done)
		r = sd_event_run(event, UINT64_MAX);
	ccm_probe_free(p);
	sd_event_unref(event);
	return run.done ? 0 : r;
}

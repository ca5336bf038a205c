/* SPDX-License-Identifier: ISC */
/* The /metrics endpoint on the sd-event loop (agent/metrics/http.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>
#include <systemd/sd-event.h>

#include "agent/metrics/http.h"
#include "agent/metrics/text.h"
#include "agent/util/listen_addr.h"
#include "parsers/config.h"

/* A request is a line and a few headers: more is not a scraper. */
#define REQUEST_MEMORY_LIMIT (16u * 1024u)

struct ccm_metrics_server {
	struct MHD_Daemon *mhd;
	sd_event_source *io;    /* libmicrohttpd's epoll descriptor */
	sd_event_source *timer; /* when it must run again by itself */
	ccm_metrics_build_fn *build;
	void *ctx;
	bool closed;            /* a connection closed in this run */
};

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status,
			     const char *text, const char *allow)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
		strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				"text/plain; charset=utf-8");
	if (allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* The parameters are libmicrohttpd's MHD_AccessHandlerCallback. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload,
	/* NOLINTNEXTLINE(readability-non-const-parameter) */
				  size_t *upload_size, void **con_cls)
{
	struct ccm_metrics_server *s = cls;
	struct MHD_Response *r;
	enum MHD_Result ret;
	size_t len = 0;
	char *text;

	(void)version;
	(void)upload;
	(void)upload_size;
	(void)con_cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
			     "only GET\n", "GET, HEAD");
	if (strcmp(url, "/metrics"))
		return reply(conn, MHD_HTTP_NOT_FOUND,
			     "not found: the figures are at /metrics\n", NULL);
	text = s->build(s->ctx, &len);
	if (!text)
		return reply(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
			     "no figures now: ask again\n", NULL);
	r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				CCM_METRICS_CONTENT_TYPE);
	ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* After every run: libmicrohttpd says when it must run again without
 * any event (a connection's time is up). */
static void arm(struct ccm_metrics_server *s)
{
	MHD_UNSIGNED_LONG_LONG ms;
	uint64_t now;

	if (MHD_get_timeout(s->mhd, &ms) != MHD_YES) {
		sd_event_source_set_enabled(s->timer, SD_EVENT_OFF);
		return;
	}
	sd_event_now(sd_event_source_get_event(s->timer), CLOCK_MONOTONIC,
		     &now);
	sd_event_source_set_time(s->timer, now + (uint64_t)ms * 1000u);
	sd_event_source_set_enabled(s->timer, SD_EVENT_ONESHOT);
}

static void on_connection(void *cls, struct MHD_Connection *conn,
			  void **socket_ctx,
			  enum MHD_ConnectionNotificationCode what)
{
	struct ccm_metrics_server *s = cls;

	(void)conn;
	(void)socket_ctx;
	if (what == MHD_CONNECTION_NOTIFY_CLOSED)
		s->closed = true;
}

/* At its connection limit libmicrohttpd takes the listening socket out of
 * its epoll set and puts it back at the start of a run: after a run that
 * freed a slot, one more run, or the clients waiting in the backlog would
 * wait for an event that never comes. */
static void run(struct ccm_metrics_server *s)
{
	s->closed = false;
	MHD_run(s->mhd);
	if (s->closed)
		MHD_run(s->mhd);
	arm(s);
}

static int on_io(sd_event_source *src, int fd, uint32_t revents, void *ud)
{
	(void)src;
	(void)fd;
	(void)revents;
	run(ud);
	return 0;
}

static int on_timer(sd_event_source *src, uint64_t usec, void *ud)
{
	(void)src;
	(void)usec;
	run(ud);
	return 0;
}

static struct MHD_Daemon *start(const struct sockaddr_storage *addr,
				unsigned max_clients, unsigned timeout_s,
				struct ccm_metrics_server *s)
{
	unsigned flags = MHD_USE_EPOLL;

	if (addr->ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* no MHD_USE_INTERNAL_POLLING_THREAD: the loop drives it */
	return MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, s,
		MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)addr,
		MHD_OPTION_CONNECTION_LIMIT, max_clients,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, max_clients,
		MHD_OPTION_LISTEN_BACKLOG_SIZE, max_clients,
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
		MHD_OPTION_CONNECTION_TIMEOUT, timeout_s,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT,
		(size_t)REQUEST_MEMORY_LIMIT,
		MHD_OPTION_END);
}

struct ccm_metrics_server *ccm_metrics_server_new(sd_event *loop,
						  const char *listen,
						  unsigned max_clients,
						  unsigned timeout_s,
						  ccm_metrics_build_fn *build,
						  void *ctx, char *err,
						  size_t errlen)
{
	struct ccm_metrics_server *s;
	struct sockaddr_storage addr;
	const union MHD_DaemonInfo *info;
	unsigned alen;

	if (ccm_listen_parse(listen, &addr, &alen) < 0) {
		snprintf(err, errlen, "metrics_http.c: metrics_listen '%s' is"
			 " not an address and port", listen ? listen : "");
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "metrics_http.c: out of memory");
		return NULL;
	}
	s->build = build;
	s->ctx = ctx;
	errno = 0;
	s->mhd = start(&addr, max_clients ? max_clients : 1,
		       timeout_s ? timeout_s : 1, s);
	info = s->mhd ? MHD_get_daemon_info(s->mhd,
					    MHD_DAEMON_INFO_EPOLL_FD) : NULL;
	if (!info) {
		snprintf(err, errlen, "metrics_http.c: cannot serve /metrics"
			 " on %s: %s", listen,
			 errno ? strerror(errno) : "libmicrohttpd refused");
		ccm_metrics_server_free(s);
		return NULL;
	}
	if (sd_event_add_io(loop, &s->io, info->epoll_fd, EPOLLIN, on_io,
			    s) < 0 ||
	    sd_event_add_time(loop, &s->timer, CLOCK_MONOTONIC, 0, 0,
			      on_timer, s) < 0) {
		snprintf(err, errlen, "metrics_http.c: cannot watch the"
			 " /metrics socket");
		ccm_metrics_server_free(s);
		return NULL;
	}
	sd_event_source_set_enabled(s->timer, SD_EVENT_OFF);
	return s;
}

void ccm_metrics_server_free(struct ccm_metrics_server *s)
{
	if (!s)
		return;
	sd_event_source_disable_unref(s->io);
	sd_event_source_disable_unref(s->timer);
	if (s->mhd)
		MHD_stop_daemon(s->mhd);
	free(s);
}

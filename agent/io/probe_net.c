/* SPDX-License-Identifier: ISC */
/* A probe's network side (agent/io/probe_job.h): the name lookup in a
 * thread of its own, and the connect to each address in turn.  Once
 * connected, the stream's part (probe_stream.c) takes the socket over. */
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <systemd/sd-event.h>

#include "agent/io/probe_job.h"
#include "agent/util/clock.h"

/* strerror() in lower case, as the rest of a detail line. */
const char *ccm_probe_errtext(int err, char *buf, size_t size)
{
	const char *s;

	if (err == ECONNREFUSED)
		return "connection refused";
	s = strerror_r(err, buf, size);
	if (s != buf)
		snprintf(buf, size, "%s", s);
	if (buf[0] >= 'A' && buf[0] <= 'Z' && buf[1] >= 'a' && buf[1] <= 'z')
		buf[0] = (char)(buf[0] - 'A' + 'a');
	return buf;
}

static enum ccm_probe_result map_errno(int err)
{
	switch (err) {
	case ECONNREFUSED:
		return CCM_PROBE_REFUSED;
	case ETIMEDOUT:
		return CCM_PROBE_TIMEOUT;
	case ENETUNREACH:
	case EHOSTUNREACH:
	case EADDRNOTAVAIL:
	case ENETDOWN:
	case EHOSTDOWN:
	case EAFNOSUPPORT:
		return CCM_PROBE_UNREACHABLE;
	default:
		return CCM_PROBE_ERROR;
	}
}

void ccm_probe_close_fd(struct ccm_probe_job *p)
{
	p->io = sd_event_source_disable_unref(p->io);
	if (p->fd >= 0) {
		close(p->fd);
		p->fd = -1;
	}
}

static void lookup_unref(struct lookup *l)
{
	if (atomic_fetch_sub(&l->refs, 1) != 1)
		return;
	if (l->ai)
		freeaddrinfo(l->ai);
	if (l->efd >= 0)
		close(l->efd);
	free(l->host);
	free(l);
}

void ccm_probe_abandon_lookup(struct ccm_probe_job *p)
{
	if (!p->lookup)
		return;
	p->lookup_io = sd_event_source_disable_unref(p->lookup_io);
	pthread_detach(p->lookup->thread);
	lookup_unref(p->lookup);
	p->lookup = NULL;
}

/* ---- connect ----------------------------------------------------------- */

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata);

static void connected(struct ccm_probe_job *p)
{
	p->report.connected = true;
	p->report.connect_us = (int64_t)(ccm_now_mono_usec() - p->t_connect);
	if (p->depth == CCM_PROBE_DEPTH_TCP) {
		ccm_probe_verdict(p, CCM_PROBE_OK, 0, "connected");
		ccm_probe_finish(p);
		return;
	}
	ccm_probe_stream_start(p);
}

/* Recursive with ccm_probe_connect(), but each round moves p->cur on: the
 * depth is at most CCM_PROBE_MAX_ADDRS (8). */
/* NOLINTNEXTLINE(misc-no-recursion) */
static void connect_failed(struct ccm_probe_job *p, int err)
{
	char eb[128], more[48] = "";

	ccm_probe_close_fd(p);
	if (++p->cur < p->naddrs) {
		ccm_probe_connect(p);
		return;
	}
	if (p->report.addresses_tried > 1)
		snprintf(more, sizeof(more), "; %u addresses tried",
			 p->report.addresses_tried);
	ccm_probe_verdict(p, map_errno(err), err, "%s (%s port %u%s)",
		ccm_probe_errtext(err, eb, sizeof(eb)), p->report.address,
		p->port, more);
	ccm_probe_finish(p);
}

/* NOLINTNEXTLINE(misc-no-recursion): bounded, see connect_failed() */
void ccm_probe_connect(struct ccm_probe_job *p)
{
	const struct addr *a = &p->addrs[p->cur];
	int r;

	p->phase = PH_CONNECT;
	if (getnameinfo((const struct sockaddr *)&a->sa, a->len,
			p->report.address, sizeof(p->report.address), NULL, 0,
			NI_NUMERICHOST))
		snprintf(p->report.address, sizeof(p->report.address), "?");
	p->report.addresses_tried++;
	p->fd = socket(a->sa.ss_family,
		       SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	if (p->fd < 0) {
		connect_failed(p, errno);
		return;
	}
	p->t_connect = ccm_now_mono_usec();
	if (connect(p->fd, (const struct sockaddr *)&a->sa, a->len) == 0) {
		r = sd_event_add_io(p->event, &p->io, p->fd, EPOLLIN, on_io, p);
		if (r < 0) {
			ccm_probe_verdict(p, CCM_PROBE_ERROR, -r,
				"event loop: %s",
				strerror(-r));
			ccm_probe_finish(p);
			return;
		}
		connected(p);
		return;
	}
	if (errno != EINPROGRESS) {
		connect_failed(p, errno);
		return;
	}
	r = sd_event_add_io(p->event, &p->io, p->fd, EPOLLOUT, on_io, p);
	if (r < 0) {
		ccm_probe_verdict(p, CCM_PROBE_ERROR, -r,
			"event loop: %s", strerror(-r));
		ccm_probe_finish(p);
	}
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct ccm_probe_job *p = userdata;

	(void)s;
	switch (p->phase) {
	case PH_CONNECT: {
		int err = 0;
		socklen_t len = sizeof(err);

		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err)
			connect_failed(p, err);
		else
			connected(p);
		break;
	}
	default:
		ccm_probe_stream_io(p, revents);
		break;
	}
	return 0;
}

/* ---- lookup ------------------------------------------------------------ */

void ccm_probe_take_addrs(struct ccm_probe_job *p, const struct addrinfo *ai)
{
	for (; ai && p->naddrs < CCM_PROBE_MAX_ADDRS; ai = ai->ai_next) {
		struct addr *a = &p->addrs[p->naddrs];

		if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
		    ai->ai_addrlen > sizeof(a->sa))
			continue;
		memcpy(&a->sa, ai->ai_addr, ai->ai_addrlen);
		a->len = ai->ai_addrlen;
		p->naddrs++;
	}
}

static void *lookup_thread(void *arg)
{
	struct lookup *l = arg;
	struct addrinfo hints = {
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_NUMERICSERV,
	};
	uint64_t one = 1;

	l->ret = getaddrinfo(l->host, l->port, &hints, &l->ai);
	l->err = errno;
	(void)!write(l->efd, &one, sizeof(one));
	lookup_unref(l);
	return NULL;
}

static int on_lookup(sd_event_source *s, int fd, uint32_t revents,
		     void *userdata)
{
	struct ccm_probe_job *p = userdata;
	struct lookup *l = p->lookup;
	uint64_t v;

	(void)s;
	(void)revents;
	if (read(fd, &v, sizeof(v)) < 0 && errno == EAGAIN)
		return 0;
	p->lookup_io = sd_event_source_disable_unref(p->lookup_io);
	pthread_join(l->thread, NULL); /* it has written: it is returning */
	p->lookup = NULL;
	if (l->ret == 0)
		ccm_probe_take_addrs(p, l->ai);
	if (l->ret) {
		char eb[128];
		const char *why = l->ret == EAI_SYSTEM ?
			ccm_probe_errtext(l->err, eb, sizeof(eb)) :
			gai_strerror(l->ret);

		ccm_probe_verdict(p, l->ret == EAI_MEMORY ? CCM_PROBE_ERROR :
			CCM_PROBE_UNREACHABLE,
			l->ret == EAI_SYSTEM ? l->err : 0,
			"cannot resolve %s: %s", p->host, why);
		ccm_probe_finish(p);
	} else if (!p->naddrs) {
		ccm_probe_verdict(p, CCM_PROBE_UNREACHABLE, 0,
			"cannot resolve %s: no IPv4 or IPv6 address", p->host);
		ccm_probe_finish(p);
	} else {
		ccm_probe_connect(p);
	}
	lookup_unref(l);
	return 0;
}

int ccm_probe_start_lookup(struct ccm_probe_job *p)
{
	struct lookup *l = calloc(1, sizeof(*l));
	sigset_t all, old;
	int r;

	if (!l)
		return -ENOMEM;
	atomic_init(&l->refs, 1);
	l->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	l->host = strdup(p->host);
	snprintf(l->port, sizeof(l->port), "%u", p->port);
	if (l->efd < 0 || !l->host) {
		r = l->efd < 0 ? -errno : -ENOMEM;
		lookup_unref(l);
		return r;
	}
	r = sd_event_add_io(p->event, &p->lookup_io, l->efd, EPOLLIN,
			    on_lookup, p);
	if (r < 0) {
		lookup_unref(l);
		return r;
	}
	/* The thread must take no signal meant for the loop's owner (sd-event
	 * signal sources need them blocked in every thread). */
	atomic_fetch_add(&l->refs, 1);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = -pthread_create(&l->thread, NULL, lookup_thread, l);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r < 0) {
		atomic_fetch_sub(&l->refs, 1);
		p->lookup_io = sd_event_source_disable_unref(p->lookup_io);
		lookup_unref(l);
		return r;
	}
	p->lookup = l;
	p->phase = PH_LOOKUP;
	return 0;
}

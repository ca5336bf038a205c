/* SPDX-License-Identifier: ISC */
/* One probe of a compliance server on an sd-event loop.
 *
 * A probe is a small state machine: lookup (host names only), connect (each
 * address in turn), stream (our header out, the server's back), handshake,
 * and a polite close.  One timer bounds the whole probe; the polite close
 * has a short bound of its own after the verdict, so a server that never
 * closes cannot hold the probe.  The done callback is delivered from a
 * defer source, never from inside another callback or ccm_probe_start(), so
 * the caller may free the probe in it and start the next one. */
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <nettle/sha1.h>

#include "agent/io/probe.h"
#include "parsers/duration.h"

#define OUT_MAX 2048      /* our header with a 255-byte component, escaped */
#define PREVIEW_MAX 16    /* first bytes of an answer that is no stream   */
#define DRAIN_MAX 65536   /* bytes read after our </stream:stream>        */

enum phase {
	PH_LOOKUP,
	PH_CONNECT,
	PH_STREAM,
	PH_HANDSHAKE,
	PH_DRAIN,
	PH_DONE,
};

/* A getaddrinfo() in a thread.  The probe and the thread each hold a
 * reference: a cancelled probe lets go of its own and the thread frees the
 * lookup when getaddrinfo() finally returns.  The eventfd lives as long as
 * the lookup, so the thread never writes to a descriptor number that the
 * process has reused. */
struct lookup {
	atomic_int refs;
	int efd;
	pthread_t thread;
	char *host;
	char port[8];
	int ret;
	int err;
	struct addrinfo *ai;
};

struct addr {
	struct sockaddr_storage sa;
	socklen_t len;
};

struct ccm_probe_job {
	sd_event *event;
	sd_event_source *io, *timer, *done, *lookup_io;
	struct lookup *lookup;
	int fd;
	enum phase phase;
	bool eof;

	char *host, *component, *secret;
	size_t secret_len;
	unsigned port;
	enum ccm_probe_depth depth;
	ccm_ms timeout;

	struct addr addrs[CCM_PROBE_MAX_ADDRS];
	unsigned naddrs, cur;

	int64_t t_connect, t_sent;
	char out[OUT_MAX];
	size_t outlen, outoff;
	struct ccm_xs xs;
	unsigned char preview[PREVIEW_MAX];
	size_t npreview;
	size_t drained;

	ccm_probe_done_fn *fn;
	void *ctx;
	bool in_callback, free_pending;
	struct ccm_probe_report report;
};

/* ---- helpers ----------------------------------------------------------- */

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* strerror() in lower case, as the rest of a detail line. */
static const char *errtext(int err, char *buf, size_t size)
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

/* Bytes from the network, printable and quotable on one line. */
static void escape(char *dst, size_t size, const unsigned char *s, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 5 < size; i++) {
		unsigned char c = s[i];

		if (c == '"' || c == '\\')
			o += (size_t)snprintf(dst + o, size - o, "\\%c", c);
		else if (c >= 0x20 && c < 0x7f)
			dst[o++] = (char)c;
		else
			o += (size_t)snprintf(dst + o, size - o, "\\x%02x", c);
	}
	dst[o] = '\0';
}

static size_t xml_escape(char *dst, size_t size, const char *s)
{
	size_t o = 0;

	for (; *s && o + 7 < size; s++) {
		const char *e = NULL;

		switch (*s) {
		case '&':
			e = "&amp;";
			break;
		case '<':
			e = "&lt;";
			break;
		case '>':
			e = "&gt;";
			break;
		case '\'':
			e = "&apos;";
			break;
		case '"':
			e = "&quot;";
			break;
		}
		if (e) {
			memcpy(dst + o, e, strlen(e));
			o += strlen(e);
		} else {
			dst[o++] = *s;
		}
	}
	dst[o] = '\0';
	return o;
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

void ccm_probe_handshake_digest(const char *id, const char *secret,
				size_t secret_len,
				char hex[static CCM_PROBE_HANDSHAKE_HEXLEN])
{
	static const char digits[] = "0123456789abcdef";
	struct sha1_ctx sha;
	uint8_t d[SHA1_DIGEST_SIZE];

	sha1_init(&sha);
	sha1_update(&sha, strlen(id), (const uint8_t *)id);
	sha1_update(&sha, secret_len, (const uint8_t *)secret);
	sha1_digest(&sha, sizeof(d), d);
	for (size_t i = 0; i < sizeof(d); i++) {
		hex[2 * i] = digits[d[i] >> 4];
		hex[2 * i + 1] = digits[d[i] & 15];
	}
	hex[2 * sizeof(d)] = '\0';
	explicit_bzero(&sha, sizeof(sha));
	explicit_bzero(d, sizeof(d));
}

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

__attribute__((format(printf, 4, 5)))
static void verdict(struct ccm_probe_job *p, enum ccm_probe_result result,
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

static void close_fd(struct ccm_probe_job *p)
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

static void abandon_lookup(struct ccm_probe_job *p)
{
	if (!p->lookup)
		return;
	p->lookup_io = sd_event_source_disable_unref(p->lookup_io);
	pthread_detach(p->lookup->thread);
	lookup_unref(p->lookup);
	p->lookup = NULL;
}

/* Everything but the report is let go; the callback follows from the loop. */
static void finish(struct ccm_probe_job *p)
{
	close_fd(p);
	abandon_lookup(p);
	p->timer = sd_event_source_disable_unref(p->timer);
	explicit_bzero(p->out, sizeof(p->out));
	p->outlen = p->outoff = 0;
	p->phase = PH_DONE;
	(void)sd_event_source_set_enabled(p->done, SD_EVENT_ONESHOT);
}

/* After a verdict on an open stream: our end tag, our FIN, a brief wait
 * for the server's, then close — what the router does, and no
 * "connection reset" noise in the compliance server's log. */
static void close_politely(struct ccm_probe_job *p)
{
	static const char end[] = "</stream:stream>";

	if (p->fd < 0 || p->eof || !p->timer) {
		finish(p);
		return;
	}
	explicit_bzero(p->out, sizeof(p->out));
	p->outlen = p->outoff = 0;
	(void)send(p->fd, end, sizeof(end) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (shutdown(p->fd, SHUT_WR) < 0 ||
	    sd_event_source_set_io_events(p->io, EPOLLIN) < 0 ||
	    sd_event_source_set_time_relative(p->timer,
					      CCM_PROBE_DRAIN_MS * 1000) < 0 ||
	    sd_event_source_set_enabled(p->timer, SD_EVENT_ONESHOT) < 0) {
		finish(p);
		return;
	}
	p->phase = PH_DRAIN;
}

/* ---- stream ------------------------------------------------------------ */

static void set_io_events(struct ccm_probe_job *p)
{
	uint32_t ev = EPOLLIN;

	if (p->outoff < p->outlen)
		ev |= EPOLLOUT;
	(void)sd_event_source_set_io_events(p->io, ev);
}

static int flush(struct ccm_probe_job *p)
{
	while (p->outoff < p->outlen) {
		ssize_t n = send(p->fd, p->out + p->outoff,
				 p->outlen - p->outoff,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0)
			return -errno;
		p->outoff += (size_t)n;
	}
	if (p->outoff == p->outlen) {
		/* the handshake digest need not linger */
		explicit_bzero(p->out, sizeof(p->out));
		p->outlen = p->outoff = 0;
	}
	set_io_events(p);
	return 0;
}

static void io_failed(struct ccm_probe_job *p, int err)
{
	char eb[128];

	if (p->phase == PH_HANDSHAKE) {
		p->report.handshake_rejected = true;
		verdict(p, CCM_PROBE_ERROR, err, "%s after the handshake",
			err == ECONNRESET ? "the server reset the connection" :
			errtext(err, eb, sizeof(eb)));
	} else {
		verdict(p, CCM_PROBE_ERROR, err, "%s before a stream header",
			err == ECONNRESET ? "the server reset the connection" :
			errtext(err, eb, sizeof(eb)));
	}
	finish(p);
}

static void send_handshake(struct ccm_probe_job *p)
{
	char hex[CCM_PROBE_HANDSHAKE_HEXLEN];
	int r;

	ccm_probe_handshake_digest(p->xs.id, p->secret, p->secret_len, hex);
	p->outlen = (size_t)snprintf(p->out, sizeof(p->out),
				     "<handshake>%s</handshake>", hex);
	p->outoff = 0;
	explicit_bzero(hex, sizeof(hex));
	p->phase = PH_HANDSHAKE;
	r = flush(p);
	if (r < 0)
		io_failed(p, -r);
}

static void describe_error(const struct ccm_xs *xs, char *buf, size_t size)
{
	if (xs->condition[0])
		snprintf(buf, size, "<%s/>", xs->condition);
	else
		snprintf(buf, size, "a stream error without a condition");
}

/* The server's header has come: is it a component stream we can use? */
static void stream_answered(struct ccm_probe_job *p)
{
	struct ccm_probe_report *r = &p->report;
	const struct ccm_xs *xs = &p->xs;
	char what[CCM_XS_NAME_MAX + 48];

	snprintf(r->stream_id, sizeof(r->stream_id), "%s", xs->id);
	snprintf(r->stream_from, sizeof(r->stream_from), "%s", xs->from);
	snprintf(r->stream_ns, sizeof(r->stream_ns), "%s", xs->ns);
	if (xs->status == CCM_XS_ERROR)
		snprintf(r->condition, sizeof(r->condition), "%s",
			 xs->condition);
	/* Pointed at a client or server port, an XMPP server answers with
	 * its header too: only the namespace tells. */
	if (xs->ns[0] && strcmp(xs->ns, CCM_XS_NS_COMPONENT) != 0) {
		char ns[CCM_XS_NAME_MAX * 4];

		escape(ns, sizeof(ns), (const unsigned char *)xs->ns,
		       strlen(xs->ns));
		verdict(p, CCM_PROBE_ERROR, 0, "the server answered a '%s' "
			"stream, not a component stream ("
			CCM_XS_NS_COMPONENT ")", ns);
		close_politely(p);
		return;
	}
	if (!xs->have_id) {
		verdict(p, CCM_PROBE_ERROR, 0, "the server's stream header has "
			"no id: a handshake is impossible");
		close_politely(p);
		return;
	}
	r->stream_ok = true;
	if (p->depth == CCM_PROBE_DEPTH_STREAM) {
		if (xs->status == CCM_XS_ERROR) {
			describe_error(xs, what, sizeof(what));
			verdict(p, CCM_PROBE_OK, 0, "stream header received; "
				"then the server closed the stream: %s", what);
		} else if (xs->status != CCM_XS_HEADER) {
			verdict(p, CCM_PROBE_OK, 0, "stream header received; "
				"then the server ended the stream");
		} else {
			verdict(p, CCM_PROBE_OK, 0, "stream header received");
		}
		close_politely(p);
		return;
	}
	if (xs->status != CCM_XS_HEADER) {
		/* Refused at the header: most likely the component name. */
		r->handshake_rejected = true;
		p->phase = PH_HANDSHAKE;
		if (xs->status == CCM_XS_ERROR) {
			describe_error(xs, what, sizeof(what));
			verdict(p, CCM_PROBE_ERROR, 0, "the server closed the "
				"stream before the handshake: %s", what);
		} else {
			verdict(p, CCM_PROBE_ERROR, 0, "the server answered "
				"before the handshake (%s)",
				ccm_xs_status_name(xs->status));
		}
		close_politely(p);
		return;
	}
	send_handshake(p);
}

static void handshake_answered(struct ccm_probe_job *p)
{
	struct ccm_probe_report *r = &p->report;
	char what[CCM_XS_NAME_MAX + 48];

	switch (p->xs.status) {
	case CCM_XS_HANDSHAKE_OK:
		r->handshake_ok = true;
		verdict(p, CCM_PROBE_OK, 0, "handshake accepted");
		break;
	case CCM_XS_ERROR:
		r->handshake_rejected = true;
		snprintf(r->condition, sizeof(r->condition), "%s",
			 p->xs.condition);
		describe_error(&p->xs, what, sizeof(what));
		verdict(p, CCM_PROBE_ERROR, 0, "server closed the stream: %s",
			what);
		break;
	case CCM_XS_END:
		r->handshake_rejected = true;
		verdict(p, CCM_PROBE_ERROR, 0, "the server ended the stream "
			"without accepting the handshake");
		break;
	default:
		return;
	}
	close_politely(p);
}

static void answered(struct ccm_probe_job *p)
{
	if (p->xs.status == CCM_XS_BAD) {
		char pv[PREVIEW_MAX * 4 + 1];

		escape(pv, sizeof(pv), p->preview, p->npreview);
		verdict(p, CCM_PROBE_ERROR, 0, "not a component stream: %s; "
			"the answer begins \"%s\"", p->xs.reason, pv);
		finish(p);
		return;
	}
	if (!p->xs.header)
		return;
	if (p->phase == PH_STREAM)
		stream_answered(p);
	else if (p->phase == PH_HANDSHAKE)
		handshake_answered(p);
}

static void eof(struct ccm_probe_job *p)
{
	p->eof = true;
	if (p->phase == PH_HANDSHAKE) {
		p->report.handshake_rejected = true;
		verdict(p, CCM_PROBE_ERROR, 0, "the server closed the "
			"connection without answering the handshake");
	} else if (p->xs.total) {
		verdict(p, CCM_PROBE_ERROR, 0, "the server closed the "
			"connection in the middle of its stream header");
	} else {
		verdict(p, CCM_PROBE_ERROR, 0, "the server closed the "
			"connection without sending a stream header");
	}
	finish(p);
}

static void receive(struct ccm_probe_job *p)
{
	unsigned char buf[4096];

	while (p->phase == PH_STREAM || p->phase == PH_HANDSHAKE) {
		ssize_t n = recv(p->fd, buf, sizeof(buf), MSG_DONTWAIT);
		size_t k;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n < 0) {
			io_failed(p, errno);
			return;
		}
		if (n == 0) {
			eof(p);
			return;
		}
		if (!p->report.have_first_byte) {
			p->report.have_first_byte = true;
			p->report.first_byte_us = now_us() - p->t_sent;
		}
		k = PREVIEW_MAX - p->npreview;
		if (k > (size_t)n)
			k = (size_t)n;
		memcpy(p->preview + p->npreview, buf, k);
		p->npreview += k;
		ccm_xs_feed(&p->xs, buf, (size_t)n);
		answered(p);
	}
}

static void drain(struct ccm_probe_job *p)
{
	char buf[4096];

	for (;;) {
		ssize_t n = recv(p->fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		p->drained += n > 0 ? (size_t)n : 0;
		if (n <= 0 || p->drained > DRAIN_MAX) {
			finish(p);
			return;
		}
	}
}

/* ---- connect ----------------------------------------------------------- */

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata);

static void start_stream(struct ccm_probe_job *p)
{
	char to[CCM_PROBE_COMPONENT_MAX * 6 + 8];
	int r;

	p->phase = PH_STREAM;
	if (p->component)
		xml_escape(to, sizeof(to), p->component);
	p->outlen = (size_t)snprintf(p->out, sizeof(p->out),
		"<?xml version='1.0'?><stream:stream "
		"xmlns='" CCM_XS_NS_COMPONENT "' "
		"xmlns:stream='" CCM_XS_NS_STREAMS "'%s%s%s>",
		p->component ? " to='" : "", p->component ? to : "",
		p->component ? "'" : "");
	p->outoff = 0;
	p->t_sent = now_us();
	r = flush(p);
	if (r < 0)
		io_failed(p, -r);
}

static void connected(struct ccm_probe_job *p)
{
	p->report.connected = true;
	p->report.connect_us = now_us() - p->t_connect;
	if (p->depth == CCM_PROBE_DEPTH_TCP) {
		verdict(p, CCM_PROBE_OK, 0, "connected");
		finish(p);
		return;
	}
	start_stream(p);
}

static void try_connect(struct ccm_probe_job *p);

/* Recursive with try_connect(), but each round moves p->cur on: the depth
 * is at most CCM_PROBE_MAX_ADDRS (8). */
/* NOLINTNEXTLINE(misc-no-recursion) */
static void connect_failed(struct ccm_probe_job *p, int err)
{
	char eb[128], more[48] = "";

	close_fd(p);
	if (++p->cur < p->naddrs) {
		try_connect(p);
		return;
	}
	if (p->report.addresses_tried > 1)
		snprintf(more, sizeof(more), "; %u addresses tried",
			 p->report.addresses_tried);
	verdict(p, map_errno(err), err, "%s (%s port %u%s)",
		errtext(err, eb, sizeof(eb)), p->report.address, p->port, more);
	finish(p);
}

/* NOLINTNEXTLINE(misc-no-recursion): bounded, see connect_failed() */
static void try_connect(struct ccm_probe_job *p)
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
	p->t_connect = now_us();
	if (connect(p->fd, (const struct sockaddr *)&a->sa, a->len) == 0) {
		r = sd_event_add_io(p->event, &p->io, p->fd, EPOLLIN, on_io, p);
		if (r < 0) {
			verdict(p, CCM_PROBE_ERROR, -r, "event loop: %s",
				strerror(-r));
			finish(p);
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
		verdict(p, CCM_PROBE_ERROR, -r, "event loop: %s", strerror(-r));
		finish(p);
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
	case PH_STREAM:
	case PH_HANDSHAKE:
		if (revents & EPOLLOUT) {
			int r = flush(p);

			if (r < 0) {
				io_failed(p, -r);
				break;
			}
		}
		if (revents & (EPOLLIN | EPOLLHUP | EPOLLERR))
			receive(p);
		break;
	case PH_DRAIN:
		drain(p);
		break;
	default:
		break;
	}
	return 0;
}

/* ---- lookup ------------------------------------------------------------ */

static void take_addrs(struct ccm_probe_job *p, const struct addrinfo *ai)
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
		take_addrs(p, l->ai);
	if (l->ret) {
		char eb[128];
		const char *why = l->ret == EAI_SYSTEM ?
			errtext(l->err, eb, sizeof(eb)) : gai_strerror(l->ret);

		verdict(p, l->ret == EAI_MEMORY ? CCM_PROBE_ERROR :
			CCM_PROBE_UNREACHABLE,
			l->ret == EAI_SYSTEM ? l->err : 0,
			"cannot resolve %s: %s", p->host, why);
		finish(p);
	} else if (!p->naddrs) {
		verdict(p, CCM_PROBE_UNREACHABLE, 0, "cannot resolve %s: "
			"no IPv4 or IPv6 address", p->host);
		finish(p);
	} else {
		try_connect(p);
	}
	lookup_unref(l);
	return 0;
}

static int start_lookup(struct ccm_probe_job *p)
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
		verdict(p, CCM_PROBE_TIMEOUT, ETIMEDOUT,
			"could not resolve %s within %s", p->host, t);
		break;
	case PH_CONNECT:
		verdict(p, CCM_PROBE_TIMEOUT, ETIMEDOUT, "no answer to connect "
			"within %s (%s port %u)", t, p->report.address,
			p->port);
		break;
	case PH_STREAM:
		if (p->xs.total)
			verdict(p, CCM_PROBE_TIMEOUT, ETIMEDOUT, "no complete "
				"stream header within %s (%zu bytes received)",
				t, p->xs.total);
		else
			verdict(p, CCM_PROBE_TIMEOUT, ETIMEDOUT,
				"no stream header within %s", t);
		break;
	case PH_HANDSHAKE:
		verdict(p, CCM_PROBE_TIMEOUT, ETIMEDOUT,
			"no answer to the handshake within %s", t);
		break;
	default:
		break;
	}
	finish(p);
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
	close_fd(p);
	abandon_lookup(p);
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
		take_addrs(p, ai);
		freeaddrinfo(ai);
	}
	if (p->naddrs) {
		try_connect(p);
	} else {
		r = start_lookup(p);
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

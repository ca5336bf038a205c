/* SPDX-License-Identifier: ISC */
/* A probe's XMPP side (agent/io/probe_job.h), on a connected socket: our
 * component stream header, the server's answer, the handshake when asked,
 * and the polite close after the verdict. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <nettle/sha1.h>
#include <systemd/sd-event.h>

#include "agent/io/probe_job.h"
#include "agent/util/clock.h"

#define DRAIN_MAX 65536   /* bytes read after our </stream:stream>        */

/* ---- bytes ------------------------------------------------------------- */

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

/* ---- stream ------------------------------------------------------------ */

/* After a verdict on an open stream: our end tag, our FIN, a brief wait
 * for the server's, then close — what the router does, and no
 * "connection reset" noise in the compliance server's log. */
static void close_politely(struct ccm_probe_job *p)
{
	static const char end[] = "</stream:stream>";

	if (p->fd < 0 || p->eof || !p->timer) {
		ccm_probe_finish(p);
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
		ccm_probe_finish(p);
		return;
	}
	p->phase = PH_DRAIN;
}

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
		ccm_probe_verdict(p, CCM_PROBE_ERROR, err,
			"%s after the handshake",
			err == ECONNRESET ? "the server reset the connection" :
			ccm_probe_errtext(err, eb, sizeof(eb)));
	} else {
		ccm_probe_verdict(p, CCM_PROBE_ERROR, err,
			"%s before a stream header",
			err == ECONNRESET ? "the server reset the connection" :
			ccm_probe_errtext(err, eb, sizeof(eb)));
	}
	ccm_probe_finish(p);
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
		ccm_probe_verdict(p, CCM_PROBE_ERROR, 0,
			"the server answered a '%s' "
			"stream, not a component stream ("
			CCM_XS_NS_COMPONENT ")", ns);
		close_politely(p);
		return;
	}
	if (!xs->have_id) {
		ccm_probe_verdict(p, CCM_PROBE_ERROR, 0,
			"the server's stream header has "
			"no id: a handshake is impossible");
		close_politely(p);
		return;
	}
	r->stream_ok = true;
	if (p->depth == CCM_PROBE_DEPTH_STREAM) {
		if (xs->status == CCM_XS_ERROR) {
			describe_error(xs, what, sizeof(what));
			ccm_probe_verdict(p, CCM_PROBE_OK, 0,
				"stream header received; "
				"then the server closed the stream: %s", what);
		} else if (xs->status != CCM_XS_HEADER) {
			ccm_probe_verdict(p, CCM_PROBE_OK, 0,
				"stream header received; "
				"then the server ended the stream");
		} else {
			ccm_probe_verdict(p, CCM_PROBE_OK, 0,
				"stream header received");
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
			ccm_probe_verdict(p, CCM_PROBE_ERROR, 0,
				"the server closed the "
				"stream before the handshake: %s", what);
		} else {
			ccm_probe_verdict(p, CCM_PROBE_ERROR, 0,
				"the server answered "
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
		ccm_probe_verdict(p, CCM_PROBE_OK, 0, "handshake accepted");
		break;
	case CCM_XS_ERROR:
		r->handshake_rejected = true;
		snprintf(r->condition, sizeof(r->condition), "%s",
			 p->xs.condition);
		describe_error(&p->xs, what, sizeof(what));
		ccm_probe_verdict(p, CCM_PROBE_ERROR, 0,
			"server closed the stream: %s",
			what);
		break;
	case CCM_XS_END:
		r->handshake_rejected = true;
		ccm_probe_verdict(p, CCM_PROBE_ERROR, 0,
			"the server ended the stream "
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
		ccm_probe_verdict(p, CCM_PROBE_ERROR, 0,
			"not a component stream: %s; "
			"the answer begins \"%s\"", p->xs.reason, pv);
		ccm_probe_finish(p);
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
		ccm_probe_verdict(p, CCM_PROBE_ERROR, 0,
			"the server closed the "
			"connection without answering the handshake");
	} else if (p->xs.total) {
		ccm_probe_verdict(p, CCM_PROBE_ERROR, 0,
			"the server closed the "
			"connection in the middle of its stream header");
	} else {
		ccm_probe_verdict(p, CCM_PROBE_ERROR, 0,
			"the server closed the "
			"connection without sending a stream header");
	}
	ccm_probe_finish(p);
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
			p->report.first_byte_us =
				(int64_t)(ccm_now_mono_usec() - p->t_sent);
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
			ccm_probe_finish(p);
			return;
		}
	}
}

void ccm_probe_stream_start(struct ccm_probe_job *p)
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
	p->t_sent = ccm_now_mono_usec();
	r = flush(p);
	if (r < 0)
		io_failed(p, -r);
}

/* Readiness of the socket once connected. */
void ccm_probe_stream_io(struct ccm_probe_job *p, uint32_t revents)
{
	switch (p->phase) {
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
}

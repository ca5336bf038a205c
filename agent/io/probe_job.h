/* SPDX-License-Identifier: ISC */
/* One probe as the three files that run it share it: probe.c (life cycle,
 * timer, verdict), probe_net.c (lookup, connect) and probe_stream.c (the
 * XMPP stream).  Nothing outside agent/io/probe*.c includes this. */
#ifndef CCM_PROBE_JOB_H
#define CCM_PROBE_JOB_H

#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <systemd/sd-event.h>

#include "agent/io/probe.h"
#include "parsers/xmpp_stream.h"

#define OUT_MAX 2048      /* our header with a 255-byte component, escaped */
#define PREVIEW_MAX 16    /* first bytes of an answer that is no stream   */

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

	uint64_t t_connect, t_sent; /* monotonic usec */
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

/* probe.c */
/* The result, the errno behind it and the detail line; the stage is the
 * phase the probe is in, DONE for an OK. */
void ccm_probe_verdict(struct ccm_probe_job *p, enum ccm_probe_result result,
		       int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Everything but the report is let go; the callback follows from the loop. */
void ccm_probe_finish(struct ccm_probe_job *p);

/* probe_net.c */
/* strerror() in lower case, as the rest of a detail line. */
const char *ccm_probe_errtext(int err, char *buf, size_t size);
void ccm_probe_close_fd(struct ccm_probe_job *p);
/* A lookup still running finishes alone, its answer unread. */
void ccm_probe_abandon_lookup(struct ccm_probe_job *p);
/* The IPv4 and IPv6 addresses of ai, CCM_PROBE_MAX_ADDRS at most. */
void ccm_probe_take_addrs(struct ccm_probe_job *p, const struct addrinfo *ai);
/* Resolves p->host in a thread; connects when it answers.  0 or -errno. */
int ccm_probe_start_lookup(struct ccm_probe_job *p);
/* Connects to p->addrs[p->cur], the next ones after it on failure. */
void ccm_probe_connect(struct ccm_probe_job *p);

/* probe_stream.c */
/* Connected: our stream header goes out. */
void ccm_probe_stream_start(struct ccm_probe_job *p);
/* The socket is ready (revents: EPOLL*) in a phase after the connect. */
void ccm_probe_stream_io(struct ccm_probe_job *p, uint32_t revents);

#endif

/* SPDX-License-Identifier: ISC */
/* The status socket (agent/io/status_server.h): one document per connection.
 *
 * Nothing here may stall the agent's loop: the socket and every client are
 * non-blocking, an answer that does not fit the socket buffer at once is
 * finished as the client reads it, and a client that takes nothing for the
 * timeout is dropped (one that reads but too slowly, after MAX_TIMEOUTS
 * times the timeout in all): a large answer read while the loop is busy
 * (a replay) takes several turns, and must not be cut.  Beyond max_clients, a connection is accepted
 * and closed at once, unanswered: left in the listen backlog, it would
 * queue behind clients that never read, each holding its place for the
 * whole timeout (3,000 of them kept `ccmon status` waiting for minutes),
 * while an empty answer costs nothing and tells the client to ask again
 * (ccmon status does, until its own deadline). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "agent/io/status_server.h"

#define BACKLOG 64
/* After accept() fails for want of file descriptors: the listening socket
 * stays readable, so it is put to sleep rather than polled in a tight
 * loop. */
#define ACCEPT_RETRY_USEC UINT64_C(1000000)
#define TIMER_ACCURACY_USEC UINT64_C(10000)
/* Connections taken per wake-up; the rest wait for the next turn of the
 * loop, after the agent's other work. */
#define ACCEPT_BATCH 256u
/* A client that reads, however slowly, is dropped after this many times the
 * timeout: slots are few. */
#define MAX_TIMEOUTS 15u

struct client {
	struct ccm_status_server *srv;
	struct client *prev, *next;
	int fd;
	char *buf;
	size_t len, off;
	uint64_t hard_deadline;  /* CLOCK_MONOTONIC usec */
	sd_event_source *io, *timer;
};

struct ccm_status_server {
	sd_event *loop;
	char *path;
	int fd;
	bool have_id;            /* dev, ino: the socket file we made */
	dev_t dev;
	ino_t ino;
	sd_event_source *listen, *retry;
	ccm_status_build_fn *build;
	void *ctx;
	unsigned max_clients;
	uint64_t timeout_usec;
	struct client *clients;
	struct ccm_status_server_stats stats;
};

/* Listening resumes when accept() is not resting. */
static void update_listen(struct ccm_status_server *s)
{
	bool on = !s->retry;

	if (!s->listen)
		return;
	sd_event_source_set_enabled(s->listen, on ? SD_EVENT_ON : SD_EVENT_OFF);
}

/* A unix socket closed with unread input resets its peer, which would then
 * lose the end of its answer; a well-behaved client sends nothing, and
 * whatever another sends is thrown away, a bounded amount. */
static void close_client_fd(int fd)
{
	char junk[4096];

	for (int i = 0; i < 16; i++)
		if (recv(fd, junk, sizeof(junk), MSG_DONTWAIT) <= 0)
			break;
	close(fd);
}

static void client_free(struct client *c, bool served)
{
	struct ccm_status_server *s = c->srv;

	sd_event_source_disable_unref(c->io);
	sd_event_source_disable_unref(c->timer);
	close_client_fd(c->fd);
	free(c->buf);
	if (c->prev)
		c->prev->next = c->next;
	else
		s->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	free(c);
	s->stats.clients--;
	if (served)
		s->stats.served++;
	else
		s->stats.dropped++;
	update_listen(s);
}

/* Writes what the socket takes.  Returns 1 when all is written, 0 when the
 * rest must wait, -1 when the client is gone. */
static int push(int fd, const char *buf, size_t len, size_t *off)
{
	while (*off < len) {
		ssize_t n = send(fd, buf + *off, len - *off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n <= 0)
			return -1;
		*off += (size_t)n;
	}
	return 1;
}

static int on_writable(sd_event_source *src, int fd, uint32_t revents,
		       void *userdata)
{
	struct client *c = userdata;
	size_t before = c->off;
	uint64_t now, until;
	int rc;

	(void)src;
	(void)revents;
	/* EPOLLERR and EPOLLHUP show as a failed send */
	rc = push(fd, c->buf, c->len, &c->off);
	if (rc != 0) {
		client_free(c, rc > 0);
		return 0;
	}
	if (c->off > before &&
	    sd_event_now(c->srv->loop, CLOCK_MONOTONIC, &now) >= 0) {
		until = now + c->srv->timeout_usec;
		sd_event_source_set_time(c->timer, until < c->hard_deadline ?
						   until : c->hard_deadline);
	}
	return 0;
}

static int on_timeout(sd_event_source *src, uint64_t usec, void *userdata)
{
	(void)src;
	(void)usec;
	client_free(userdata, false);
	return 0;
}

static void serve(struct ccm_status_server *s, int fd)
{
	struct client *c;
	size_t off = 0;
	char *text;
	int rc;

	text = s->build(s->ctx);
	rc = text ? push(fd, text, strlen(text), &off) : -1;
	if (rc != 0) {
		/* the usual case: the answer fitted the socket buffer */
		close_client_fd(fd);
		free(text);
		if (rc > 0)
			s->stats.served++;
		else
			s->stats.dropped++;
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close_client_fd(fd);
		free(text);
		s->stats.dropped++;
		return;
	}
	*c = (struct client){ .srv = s, .fd = fd, .buf = text,
			      .len = strlen(text), .off = off,
			      .next = s->clients };
	if (s->clients)
		s->clients->prev = c;
	s->clients = c;
	s->stats.clients++;
	if (sd_event_now(s->loop, CLOCK_MONOTONIC, &c->hard_deadline) >= 0)
		c->hard_deadline += s->timeout_usec * MAX_TIMEOUTS;
	if (sd_event_add_io(s->loop, &c->io, fd, EPOLLOUT, on_writable,
			    c) < 0 ||
	    sd_event_add_time_relative(s->loop, &c->timer, CLOCK_MONOTONIC,
				       s->timeout_usec, TIMER_ACCURACY_USEC,
				       on_timeout, c) < 0) {
		client_free(c, false);
		return;
	}
	sd_event_source_set_description(c->io, "status-client");
	sd_event_source_set_description(c->timer, "status-client-timeout");
}

static int on_retry(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct ccm_status_server *s = userdata;

	(void)src;
	(void)usec;
	s->retry = sd_event_source_disable_unref(s->retry);
	update_listen(s);
	return 0;
}

static int on_listen(sd_event_source *src, int fd, uint32_t revents,
		     void *userdata)
{
	struct ccm_status_server *s = userdata;

	(void)src;
	(void)revents;
	/* bounded: a flood of connects must not keep the loop here */
	for (unsigned i = 0; i < ACCEPT_BATCH; i++) {
		/* cppcheck-suppress nullPointer ; accept4(2) takes NULL, NULL
		 * (cppcheck's gnu.cfg says not-null) */
		int cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

		if (cfd >= 0 && s->stats.clients >= s->max_clients) {
			close_client_fd(cfd);
			s->stats.turned_away++;
			continue;
		}
		if (cfd >= 0) {
			serve(s, cfd);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno == EAGAIN)
			break;
		/* EMFILE, ENFILE, ENOBUFS, ENOMEM: rest, then try again */
		if (!s->retry &&
		    sd_event_add_time_relative(s->loop, &s->retry,
					       CLOCK_MONOTONIC,
					       ACCEPT_RETRY_USEC,
					       TIMER_ACCURACY_USEC, on_retry,
					       s) >= 0)
			sd_event_source_set_description(s->retry,
							"status-retry");
		break;
	}
	update_listen(s);
	return 0;
}

/* Makes room for the socket: a socket file nobody answers on is what an
 * agent that was killed leaves behind. */
static int clear_stale(const char *path, const struct sockaddr_un *sa,
		       char *err, size_t errlen)
{
	struct stat st;
	int fd, rc, e;

	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s: exists and is not a socket", path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	e = errno;
	close(fd);
	if (rc == 0 || e == EAGAIN || e == EINPROGRESS) {
		snprintf(err, errlen,
			 "%s: another ccmond is running (it answers there)",
			 path);
		return -1;
	}
	if (e != ECONNREFUSED) {
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -1;
	}
	if (unlink(path) < 0 && errno != ENOENT) {
		snprintf(err, errlen, "%s: cannot remove the stale socket: %s",
			 path, strerror(errno));
		return -1;
	}
	return 0;
}

struct ccm_status_server *ccm_status_server_new(sd_event *loop,
						const char *path,
						ccm_status_build_fn *build,
						void *ctx, char *err,
						size_t errlen)
{
	struct ccm_status_server *s;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int r;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "%s: path too long for a socket (at most"
			 " %zu bytes)", path, sizeof(sa.sun_path) - 1);
		return NULL;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	s = calloc(1, sizeof(*s));
	if (!s || !(s->path = strdup(path))) {
		free(s);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->loop = sd_event_ref(loop);
	s->fd = -1;
	s->build = build;
	s->ctx = ctx;
	s->max_clients = CCM_STATUS_MAX_CLIENTS;
	s->timeout_usec = CCM_STATUS_CLIENT_TIMEOUT_USEC;
	if (clear_stale(path, &sa, err, errlen) < 0)
		goto fail;
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		goto fail;
	}
	if (bind(s->fd, (const struct sockaddr *)&sa, sizeof(sa)) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	/* before listen(): until then connects are refused, so the umask's
	 * mode never lets anyone in */
	if (lstat(path, &st) < 0 || chmod(path, CCM_STATUS_MODE) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(path);
		goto fail;
	}
	s->have_id = true;
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	if (listen(s->fd, BACKLOG) < 0) {
		snprintf(err, errlen, "%s: listen: %s", path, strerror(errno));
		goto fail;
	}
	r = sd_event_add_io(loop, &s->listen, s->fd, EPOLLIN, on_listen, s);
	if (r < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
		goto fail;
	}
	sd_event_source_set_description(s->listen, "status-listen");
	return s;
fail:
	ccm_status_server_free(s);
	return NULL;
}

void ccm_status_server_free(struct ccm_status_server *s)
{
	struct stat st;

	if (!s)
		return;
	/* next is read before client_free() releases c */
	for (struct client *c = s->clients, *next; c; c = next) {
		next = c->next;
		client_free(c, false);
	}
	sd_event_source_disable_unref(s->listen);
	sd_event_source_disable_unref(s->retry);
	if (s->fd >= 0)
		close(s->fd);
	/* a successor may have put its own socket there already */
	if (s->have_id && lstat(s->path, &st) == 0 && st.st_dev == s->dev &&
	    st.st_ino == s->ino)
		unlink(s->path);
	sd_event_unref(s->loop);
	free(s->path);
	free(s);
}

void ccm_status_server_set_limits(struct ccm_status_server *s,
				  unsigned max_clients, uint64_t timeout_usec)
{
	if (max_clients)
		s->max_clients = max_clients;
	if (timeout_usec)
		s->timeout_usec = timeout_usec;
	update_listen(s);
}

void ccm_status_server_stats(const struct ccm_status_server *s,
			     struct ccm_status_server_stats *out)
{
	*out = s->stats;
}

/* SPDX-License-Identifier: ISC */
/* The /metrics endpoint: Prometheus text (agent/metrics/text.h) over
 * HTTP, with libmicrohttpd run by the agent's sd-event loop.
 *
 * No thread: libmicrohttpd's epoll descriptor is one source of the loop,
 * and its timeout one timer.  As the status socket: the clients served at
 * once are bounded, each has a time limit, and what is served is
 * read-only.  Unlike the status socket, a client past the bound is not
 * closed but waits in the listening socket's backlog (itself bounded to
 * as many) until a slot is free, at most the time limit of the clients
 * served: a scraper is served a moment late rather than failing.  Only
 * GET (and HEAD) of /metrics is answered (404 for other paths, 405 for
 * other methods); requests are small (a memory limit per connection).
 * The address is the operator's (metrics_listen; loopback in the
 * examples): the figures name components and servers, so it is for a
 * local scraper or one behind a firewall. */
#ifndef CCM_METRICS_HTTP_H
#define CCM_METRICS_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <systemd/sd-event.h>

/* The text to serve, malloc'd, its length in *len; NULL when it cannot be
 * had (the client gets 503). */
typedef char *ccm_metrics_build_fn(void *ctx, size_t *len);

struct ccm_metrics_server;

/* Listens on listen ("127.0.0.1:9917", "[::1]:9917": ccm_listen_parse),
 * serving at most max_clients at once, each for at most timeout_s
 * seconds (libmicrohttpd counts whole seconds; at least 1).  NULL on
 * failure with the reason in err. */
struct ccm_metrics_server *ccm_metrics_server_new(sd_event *loop,
						  const char *listen,
						  unsigned max_clients,
						  unsigned timeout_s,
						  ccm_metrics_build_fn *build,
						  void *ctx, char *err,
						  size_t errlen);

/* Closes the socket and every connection.  NULL is fine. */
void ccm_metrics_server_free(struct ccm_metrics_server *s);

#endif

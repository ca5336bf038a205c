/* SPDX-License-Identifier: ISC */
/* One probe of a compliance server, asynchronous on an sd-event loop.
 *
 * The probe plays the XCP Router's part of the open-port link
 * (doc/domain.md "The link protocol") as far as asked: a TCP connect (the
 * router's CONNECTED), the component stream header and the server's
 * answer, and on demand the handshake with the shared password (the
 * router's ACTIVE).  A handshake logs in under the
 * router's component name and may displace the live router link on servers
 * that allow one link per name: it is for commissioning, not for routine
 * probing.
 *
 * DNS never blocks the loop: a host name is resolved by getaddrinfo() in a
 * thread of its own, which wakes the loop through an eventfd.  (sd-resolve
 * would do the same, but it is internal to systemd: libsystemd exports no
 * sd_resolve_* and ships no header for it.)  Numeric addresses skip the
 * thread.  Every address a name yields is tried in turn within the one
 * timeout. */
#ifndef CCM_PROBE_H
#define CCM_PROBE_H

#include <stdbool.h>
#include <stdint.h>

#include <systemd/sd-event.h>

#include "agent/core/probe_types.h"
#include "parsers/timestamp.h"
#include "parsers/xmpp_stream.h"

#define CCM_PROBE_DEFAULT_TIMEOUT INT64_C(3000)
#define CCM_PROBE_DRAIN_MS INT64_C(250)     /* polite close: wait for EOF */
#define CCM_PROBE_MAX_ADDRS 8
#define CCM_PROBE_COMPONENT_MAX 255
#define CCM_PROBE_SECRET_MAX 1024

struct ccm_probe_request {
	const char *host;       /* name or numeric address, no brackets     */
	unsigned port;          /* 1..65535                                 */
	enum ccm_probe_depth depth;
	ccm_ms timeout;         /* whole probe; <= 0: the default           */
	const char *component;  /* header 'to'; NULL: none (not handshake)  */
	const char *secret;     /* handshake only; copied, wiped on free    */
};

struct ccm_probe_job;

/* Called once when the probe is over, from the event loop (never from
 * ccm_probe_start), after its socket is closed.  report lives until the
 * probe is freed; the callback may free the probe. */
typedef void ccm_probe_done_fn(void *ctx,
			       const struct ccm_probe_report *report);

/* Starts a probe on event.  Returns 0 and *out, or a negative errno:
 * -EINVAL for a bad request (no host, port out of range, handshake without
 * component or secret, component or secret too long). */
int ccm_probe_start(sd_event *event, const struct ccm_probe_request *req,
		    ccm_probe_done_fn *fn, void *ctx,
		    struct ccm_probe_job **out);

/* Cancels a probe still running (no callback then) and frees it.  NULL is
 * fine; inside the done callback the freeing waits until it returns.  A
 * lookup still in getaddrinfo() is abandoned: its thread finishes alone. */
void ccm_probe_free(struct ccm_probe_job *job);

/* The report so far; final once the callback has been called. */
const struct ccm_probe_report *
ccm_probe_report(const struct ccm_probe_job *job);

/* The one-shot form: runs a probe on a loop of its own until it is done.
 * Returns 0 with *report filled in whatever the result, or a negative errno
 * when the probe could not even start (-EINVAL: a bad request). */
int ccm_probe_run(const struct ccm_probe_request *req,
		  struct ccm_probe_report *report);

/* The XEP-0114 handshake: lowercase hex SHA-1 of stream id + secret. */
#define CCM_PROBE_HANDSHAKE_HEXLEN 41
void ccm_probe_handshake_digest(const char *id, const char *secret,
				size_t secret_len,
				char hex[static CCM_PROBE_HANDSHAKE_HEXLEN]);

/* `ccmon probe` (agent/cli/probe.c); argv[0] is "probe".  Returns the exit
 * status: 0 every check passed, 1 a check failed, 2 usage or configuration
 * error (an unusable secret file included). */
int ccm_probe_main(int argc, char **argv);

#endif

/* SPDX-License-Identifier: ISC */
/* The status of the running agent: what `ccmon status` shows.
 *
 * ccmond answers on a UNIX stream socket, runtime_dir/ccmond.sock: a client
 * connects, sends nothing, and reads one JSON document (ccmon.status/2,
 * below; doc/status-json.md for readers) up to end of file.  An empty answer (end of file at once) means
 * the agent is serving as many clients as it will: ask again shortly.
 * Reading is all the socket offers, so it needs no authentication beyond
 * its mode, 0660 (owner and group ccmon): the document names components,
 * servers and hosts, which are not for every local user.  Operators who
 * should see it join group ccmon.
 *
 * The document, one line of JSON followed by a newline:
 *   {"schema":"ccmon.status/2",
 *    "agent":{"version","now","config","lines","recognized","bad_time",
 *             "overlong","files_open","rotations","latency_window_s",
 *             "replaying","names_cleaned","untracked"},
 *    "components":[{"name","server","state","transitions","last_change",
 *                   "incident":{"id","start","cause"}|null,"endpoint",
 *                   "probe":{...}|null,"queue":{...}}],
 *    "alarms":[{"id","type","resource","severity","since","raised_at",
 *               "flapping","changes","condition","text"}]}
 * Components are every one the engine knows and every configured server's
 * even if the log has not named it yet (state "unknown"), sorted by name;
 * "server" is the configured server's name or null.  "incident" is the
 * open incident, null when there is none.  "probe" is null for components
 * of no configured server or when no figures exist; otherwise
 *   {"result":"ok"|"refused"|...|null,"probes":N,
 *    "results":{"ok":N,"refused":N,"timeout":N,"unreachable":N,"error":N},
 *    "last_ms","min_ms","mean_ms","max_ms" (connect latency),
 *    "first_byte_ms" (the last one), each a number with three decimals or
 *    null, "histogram":[{"le_ms":1,"count":N},...,{"le_ms":null,...}]}
 * (connect latencies, cumulative: each count is every latency up to
 * le_ms; le_ms null has no bound, its count is all of them).  "queue"
 * is how long events waited on the component (agent/core/queue_latency.h):
 *   {"waits":N,"mean_ms","p50_ms","p95_ms","p99_ms","max_ms","total":N}
 * "waits" and the figures over the waits that ended within
 * "latency_window_s" (the configured latency_window, in seconds) before
 * "now", each figure a whole number of ms or null when there is no wait;
 * "untracked" counts the lines about component names past max_components,
 * not applied;
 * "total" every wait since the agent started.  "replaying" is how far the
 * first replay of the logs is, in percent (0-99), while it lasts, null
 * after (components and alarms are then as of the lines replayed so far,
 * and no alarm is raised yet).  Alarms are
 * the raised ones (RAISED sent, CLEARED not) by id; "condition" false
 * means the condition is gone and the clear waits for its hold.  Times are
 * the agent's: local civil time, "YYYY-MM-DDTHH:MM:SS.mmm" without a zone,
 * as in the router's logs; agent counters are null before the logs are
 * open.  "names_cleaned" counts the components whose name is not fit to
 * show (agent/util/text_clean.h): their alarms carry a cleaned resource.  The
 * document is valid UTF-8: bytes of names that are not become U+FFFD. */
#ifndef CCM_STATUS_H
#define CCM_STATUS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <systemd/sd-event.h>

#include "agent/core/alarm.h"
#include "agent/core/engine.h"
#include "agent/core/probe_stats.h"
#include "agent/io/tail.h"
#include "parsers/config.h"

struct json_object;

#define CCM_STATUS_SCHEMA "ccmon.status/2"
#define CCM_STATUS_SOCKET "ccmond.sock"   /* in runtime_dir */
#define CCM_STATUS_MODE 0660

/* The server's defaults (status_clients, status_timeout): clients served at
 * once (more are closed at once, unanswered: "busy, ask again"), and how
 * long one may take to read its answer before it is dropped. */
#define CCM_STATUS_MAX_CLIENTS 16u
#define CCM_STATUS_CLIENT_TIMEOUT_USEC UINT64_C(2000000)

/* ---- the server (agent/io/status_server.c) ----------------------------------------- */

/* Returns the document to send, malloc'd and NUL-terminated, or NULL when
 * it cannot be had (the client then gets an empty answer). */
typedef char *ccm_status_build_fn(void *ctx);

struct ccm_status_server;

/* Listens on path.  A socket left there by an agent that died is replaced;
 * a socket where an agent still answers, or anything that is not a
 * socket, is an error.  The socket file gets CCM_STATUS_MODE.  build is
 * called once per client, from the loop.  NULL on failure with the reason
 * in err. */
struct ccm_status_server *ccm_status_server_new(sd_event *loop,
						const char *path,
						ccm_status_build_fn *build,
						void *ctx, char *err,
						size_t errlen);

/* Drops the clients, closes the socket and removes its file (if it is
 * still ours).  Before the loop goes.  NULL is fine. */
void ccm_status_server_free(struct ccm_status_server *s);

/* Changes the limits (0: keep); for tests and tuning. */
void ccm_status_server_set_limits(struct ccm_status_server *s,
				  unsigned max_clients, uint64_t timeout_usec);

struct ccm_status_server_stats {
	unsigned clients;  /* being served now */
	uint64_t served;   /* answers written whole */
	uint64_t dropped;  /* clients that went or were too slow */
	uint64_t turned_away; /* closed unanswered: max_clients were busy */
};
void ccm_status_server_stats(const struct ccm_status_server *s,
			     struct ccm_status_server_stats *out);

/* ---- the document (agent/io/status_json.c) ---------------------------------- */

/* Builds the document from the agent's parts; ccmond passes the monitor's
 * (ccm_monitor_engine(), ccm_monitor_alarms(), ccm_monitor_probe_stats()).
 * probe, config and tail may be NULL.  Returns a malloc'd string ending in
 * a newline, or NULL when out of memory. */
char *ccm_status_json_build(const struct ccm_engine *engine,
			    const struct ccm_alarms *alarms,
			    ccm_probe_stats_fn *probe, void *probe_ctx,
			    const struct ccm_config *config,
			    const struct ccm_tail_stats *tail, ccm_ms now);
/* The same for parts that run on a time other than the wall clock
 * (ccmond's agent time): now is in their time, and every time shown is
 * moved by wall_offset, the wall clock minus theirs. */
char *ccm_status_json_build_shown(const struct ccm_engine *engine,
				  const struct ccm_alarms *alarms,
				  ccm_probe_stats_fn *probe, void *probe_ctx,
				  const struct ccm_config *config,
				  const struct ccm_tail_stats *tail, ccm_ms now,
				  ccm_ms wall_offset);

/* ---- the client (agent/cli/status.c) ------------------------------------- */

/* Connects to the socket at path and reads the whole answer, within
 * timeout_ms in all.  Returns 0 with *out (malloc'd, NUL-terminated) and
 * *len, or a negative errno: -ENOENT or -ECONNREFUSED when no agent is
 * there, -ETIMEDOUT, -EBUSY when every answer until the deadline was
 * empty (the agent's clients all busy), -EMSGSIZE for an answer over
 * 64 MiB, ... */
int ccm_status_fetch(const char *path, int timeout_ms, char **out,
		     size_t *len);

/* The human form of a status document: an agent line, the components,
 * the active alarms.  Returns 0, or -1 when doc is not a status document
 * or on a write error. */
int ccm_status_print_text(const struct json_object *doc, FILE *out);

/* `ccmon status [-c FILE] [--json]`; argv[0] is "status".  Returns the exit
 * status: 0 shown, 1 error, 2 usage, 3 ccmond is not running (the alarms
 * of the state file shown instead, if any). */
int ccm_status_main(int argc, char **argv);

#endif

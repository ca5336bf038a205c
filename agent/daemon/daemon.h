/* SPDX-License-Identifier: ISC */
/* ccmond: the live agent.  Everything here is wiring: the event loop, its
 * sources (tailer, probes, timers, signals, status socket), the state file
 * and the outputs.  What to conclude from the inputs is the monitor's.
 *
 *   main.c     the options
 *   daemon.c   the modules started in order and stopped in reverse, the
 *              state file, and acting on the monitor's decisions (flush)
 *   clock.c    agent time
 *   sources.c  what the event loop calls: the tailer, timers, probes,
 *              signals
 *   services.c what the agent serves: status socket, SNMP, /metrics
 *   reload.c   SIGHUP: the configuration replaced while running
 *
 * Order of effects: after every batch of input the state (positions with
 * the alarms they led to) is made durable, appended to the state file's
 * journal (agent/io/state.h), then the alarms are sent.  A crash before
 * the write re-reads the batch and decides again; a crash after it has
 * already recorded the outcome, so nothing is sent twice.  The lazy save
 * writes the state file whole within a second, emptying the journal. */
#ifndef CCM_DAEMON_DAEMON_H
#define CCM_DAEMON_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <systemd/sd-event.h>

#include "agent/core/cleared_alarms.h"
#include "agent/core/monitor.h"
#include "agent/io/alarm_sink.h"
#include "agent/io/log.h"
#include "agent/io/probe.h"
#include "agent/io/state.h"
#include "agent/io/status_server.h"
#include "agent/io/tail.h"
#include "agent/metrics/http.h"
#include "agent/snmp/agentx.h"
#include "agent/util/runtime_dir.h"
#include "parsers/config.h"
#include "parsers/queue_lines.h"

#define STATE_FILE "state.json"
/* STATUS= is told systemd at most this often (daemon.c). */
#define STATUS_USEC UINT64_C(1000000)

struct prober {
	struct daemon *d;
	const struct ccm_server *srv;
	sd_event_source *timer;
	struct ccm_probe_job *job;
};

struct daemon {
	sd_event *loop;
	const char *config_path;
	bool verbose;        /* -v: the debug level */
	struct ccm_log log;  /* our own messages (agent/io/log.h) */
	struct ccm_config *cfg;
	struct ccm_recognizer *rec;
	struct ccm_monitor *mon;
	struct ccm_alarm_sink *sink;
	struct ccm_tail *tail;
	struct ccm_saved saved; /* the last run's, until the tail starts */
	int have_saved;      /* 1: saved was read from the state file */
	size_t started;      /* the modules started (daemon.c) */
	char *state_path;
	int lock_fd;         /* held for life: one agent per state_dir */
	struct ccm_state_log slog; /* its journal; numbers the saves */
	bool state_failing;  /* the last save failed: said once */
	bool positions_moved; /* to be saved before anything is acted on */
	bool pass_had_messages;
	sd_event_source *lazy_save; /* positions moved over ordinary lines,
				     * or a journal to fold into the file */
	struct prober *probers;
	size_t nprobers;
	sd_event_source *due;
	struct ccm_status_server *status;
	char *status_path;
	size_t last_alarms;  /* as told in STATUS=; SIZE_MAX: tell now */
	uint64_t status_said; /* monotonic usec of that STATUS= */
	sd_event_source *status_due; /* the count changed since */
	struct ccm_snmp_agent *snmp;   /* NULL with snmp = no */
	struct ccm_cleared_alarms cleared; /* ccmonAlarmHistoryTable's */
	struct ccm_tail_stats snmp_tail; /* what an SNMP request reads */
	struct ccm_metrics_server *metrics; /* NULL: no metrics_listen */
	bool synced;         /* the first replay is over: READY=1 was sent */
	uint64_t progress_said; /* monotonic usec of the last STATUS= */
	int runtime_fd;      /* the lock of runtime_dir_used, or -1 */
	char *runtime_dir_used; /* where the status socket is (or is to be) */
	char *state_dir_used;   /* where state_path is */
	int facility_used;      /* the alarm sink's syslog facility */
	sd_event_source *status_retry; /* while there is no status socket */
	ccm_ms epoch_wall;   /* agent time at epoch_boot: the wall clock then */
	uint64_t epoch_boot; /* CLOCK_BOOTTIME, usec, at the start */
	ccm_ms shown_offset; /* the wall clock minus agent time, as shown */
};

/* ---- daemon.c ---- */
/* Reads the configuration; 0, or -1 said why. */
int ccmond_configure(struct daemon *d);
/* The modules, in order; -1 said why (then ccmond_teardown()). */
int ccmond_setup(struct daemon *d);
/* The event loop until a stop signal: sd_event_loop()'s result. */
int ccmond_run(struct daemon *d);
/* The modules started, in reverse order; the configuration last. */
void ccmond_teardown(struct daemon *d);
/* The log's threshold, from -v: the one place that sets it. */
void ccmond_log_level(struct daemon *d);
/* The configuration at d->config_path, findings said; NULL, said why
 * (why: what follows from the errors). */
struct ccm_config *ccmond_load_config(struct daemon *d, const char *why);
/* Takes state_dir's lock into d->lock_fd; -1 said why. */
int ccmond_lock_state_dir(struct daemon *d);
/* The state file written whole (its journal emptied). */
void ccmond_save_state(struct daemon *d);
/* Persists, then acts on what the monitor decided. */
void ccmond_flush(struct daemon *d);
/* The count of alarms raised in STATUS=, now or within a second. */
void ccmond_tell_status(struct daemon *d, bool now);
struct ccm_tail *ccmond_start_tail(struct daemon *d,
				   const struct ccm_tail_pos *saved,
				   size_t nsaved, bool have_saved);
void ccmond_set_string(char **field, char *value);

/* ---- clock.c ---- */
void ccmond_start_clock(struct daemon *d);
ccm_ms ccmond_agent_now(const struct daemon *d);
ccm_ms ccmond_wall_offset(struct daemon *d);
ccm_ms ccmond_tick(struct daemon *d);

/* ---- sources.c ---- */
extern const struct ccm_tail_ops ccmond_tail_ops;
/* The loop, its signals and timers; -1 when it cannot be had. */
int ccmond_start_loop(struct daemon *d);
void ccmond_stop_loop(struct daemon *d);
void ccmond_arm_due(struct daemon *d);
void ccmond_arm_lazy_save(struct daemon *d);
void ccmond_synced(struct daemon *d);
void ccmond_replay_progress(struct daemon *d);
int ccmond_start_probers(struct daemon *d);
void ccmond_stop_probers(struct daemon *d);

/* ---- services.c ---- */
enum ccm_claim ccmond_start_status(struct daemon *d, const char *dir,
				   char *err, size_t errlen);
void ccmond_retry_status(struct daemon *d, const char *why);
void ccmond_stop_status(struct daemon *d);
int ccmond_start_snmp(struct daemon *d);
void ccmond_start_metrics(struct daemon *d);

/* ---- reload.c ---- */
void ccmond_reload(struct daemon *d);

#endif

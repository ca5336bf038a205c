/* SPDX-License-Identifier: ISC */
/* ccmond's own messages (not the alarms: agent/io/alarm_sink.h): one
 * function for the daemon and the SNMP subagent, one threshold.
 *
 * A message goes to standard error in the foreground ("ccmond: TEXT"),
 * else to the journal when journald runs, else to syslog.  Messages name
 * components, hosts and files taken from logs: they are cleaned for
 * display (agent/util/text_clean.h) so that no escape sequence reaches a
 * terminal or the journal, and no line is forged.
 *
 * The threshold is a syslog priority: messages less urgent are dropped
 * before they are formatted.  LOG_INFO by default; LOG_DEBUG (ccmond -v,
 * ccmond(8)) adds why the agent did what it did. */
#ifndef CCM_IO_LOG_H
#define CCM_IO_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <syslog.h>

enum ccm_log_to {
	CCM_LOG_STDERR,  /* the foreground: out, with the ident in front */
	CCM_LOG_JOURNAL,
	CCM_LOG_SYSLOG,
};

struct ccm_log {
	enum ccm_log_to to;
	int threshold;       /* LOG_INFO, or LOG_DEBUG */
	FILE *out;           /* CCM_LOG_STDERR's stream: stderr */
	const char *ident;   /* "ccmond" */
};

/* The journal when its socket takes writes, else syslog (opened with
 * facility); stderr when foreground.  Threshold LOG_INFO. */
void ccm_log_open(struct ccm_log *l, const char *ident, bool foreground,
		  int facility);

/* syslog's facility for what follows (a reload may change it): opens
 * syslog again when that is where messages go. */
void ccm_log_set_facility(const struct ccm_log *l, int facility);

/* Whether a message of priority prio would be written. */
bool ccm_log_enabled(const struct ccm_log *l, int prio);

/* l NULL: nothing is said. */
void ccm_say(const struct ccm_log *l, int prio, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void ccm_vsay(const struct ccm_log *l, int prio, const char *fmt,
	      va_list ap) __attribute__((format(printf, 3, 0)));

/* The core's trace hook (struct ccm_trace's fn, agent/core/trace.h):
 * ctx is a struct ccm_log; written at LOG_DEBUG. */
void ccm_log_trace(void *ctx, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

#endif

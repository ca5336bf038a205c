/* SPDX-License-Identifier: ISC */
/* See agent/io/log.h. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <systemd/sd-journal.h>

#include "agent/io/log.h"
#include "agent/util/text_clean.h"

#define JOURNAL_SOCKET "/run/systemd/journal/socket"

void ccm_log_open(struct ccm_log *l, const char *ident, bool foreground,
		  int facility)
{
	l->ident = ident;
	l->out = stderr;
	l->threshold = LOG_INFO;
	if (foreground)
		l->to = CCM_LOG_STDERR;
	else if (access(JOURNAL_SOCKET, W_OK) == 0)
		l->to = CCM_LOG_JOURNAL;
	else
		l->to = CCM_LOG_SYSLOG;
	ccm_log_set_facility(l, facility);
}

void ccm_log_set_facility(const struct ccm_log *l, int facility)
{
	if (l->to == CCM_LOG_SYSLOG)
		openlog(l->ident, LOG_PID, facility);
}

bool ccm_log_enabled(const struct ccm_log *l, int prio)
{
	/* syslog's priorities grow less urgent: LOG_DEBUG is the largest */
	return LOG_PRI(prio) <= l->threshold;
}

void ccm_vsay(const struct ccm_log *l, int prio, const char *fmt, va_list ap)
{
	char *raw = NULL, *msg;
	int n;

	if (!l || !ccm_log_enabled(l, prio))
		return;
	n = vasprintf(&raw, fmt, ap);
	msg = n < 0 ? NULL : ccm_text_clean(raw, (size_t)n, CCM_TEXT_DISPLAY,
					     NULL);
	free(raw);
	if (!msg)
		msg = strdup("a message was lost: out of memory");
	if (!msg)
		return;
	switch (l->to) {
	case CCM_LOG_STDERR:
		fprintf(l->out, "%s: %s\n", l->ident, msg);
		break;
	case CCM_LOG_JOURNAL:
		sd_journal_print(prio, "%s", msg);
		break;
	case CCM_LOG_SYSLOG:
		syslog(prio, "%s", msg);
		break;
	}
	free(msg);
}

void ccm_say(const struct ccm_log *l, int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ccm_vsay(l, prio, fmt, ap);
	va_end(ap);
}

void ccm_log_trace(void *ctx, const char *fmt, va_list ap)
{
	ccm_vsay(ctx, LOG_DEBUG, fmt, ap);
}

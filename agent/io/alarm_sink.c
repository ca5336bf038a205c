/* SPDX-License-Identifier: ISC */
/* Alarm output to journald, or to syslog(3) without it.
 *
 * The journal entry is sent with sd_journal_sendv(): the fields vary (a
 * component alarm may or may not know its server), which the variadic
 * sd_journal_send() cannot express without a format per combination.
 *
 * libsystemd reports success when the journal socket does not exist (it
 * "fails silently if the journal is not available"), so whether journald
 * is there is decided by looking for the socket first, not by the result. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <syslog.h>
#include <unistd.h>

#define SD_JOURNAL_SUPPRESS_LOCATION /* CODE_FILE= of ours helps nobody */
#include <systemd/sd-journal.h>

#include "agent/io/alarm_sink.h"
#include "agent/util/text_clean.h"

#define JOURNAL_SOCKET "/run/systemd/journal/socket"
#define IDENT "ccmond"
#define MAX_FIELDS 24

struct ccm_alarm_sink {
	enum ccm_alarm_sink_mode mode;
	int facility;
	bool utc;
	char *journal_socket;
	bool syslog_open;
	struct ccm_alarm_sink_stats stats;
};

struct ccm_alarm_sink *
ccm_alarm_sink_new(const struct ccm_alarm_sink_config *config)
{
	struct ccm_alarm_sink *s = calloc(1, sizeof(*s));
	const char *path = JOURNAL_SOCKET;

	if (!s)
		return NULL;
	s->facility = LOG_DAEMON;
	if (config) {
		s->mode = config->mode;
		s->utc = config->utc;
		if (config->facility)
			s->facility = config->facility;
		if (config->journal_socket)
			path = config->journal_socket;
	}
	s->journal_socket = strdup(path);
	if (!s->journal_socket) {
		free(s);
		return NULL;
	}
	return s;
}

void ccm_alarm_sink_free(struct ccm_alarm_sink *s)
{
	if (!s)
		return;
	if (s->syslog_open)
		closelog();
	free(s->journal_socket);
	free(s);
}

void ccm_alarm_sink_stats(const struct ccm_alarm_sink *s,
			  struct ccm_alarm_sink_stats *out)
{
	*out = s->stats;
}

int ccm_alarm_priority(const struct ccm_alarm_decision *d)
{
	if (d->state == CCM_ALARM_CLEARED)
		return LOG_NOTICE;
	switch (d->severity) {
	case CCM_SEV_CRITICAL:
		return LOG_CRIT;
	case CCM_SEV_MAJOR:
		return LOG_ERR;
	case CCM_SEV_MINOR:
	case CCM_SEV_WARNING:
		return LOG_WARNING;
	}
	return LOG_WARNING;
}

/* ---- fields ------------------------------------------------------------ */

/* "KEY=value" strings; key and value kept apart for the syslog form. */
struct fields {
	char *kv[MAX_FIELDS];
	size_t keylen[MAX_FIELDS];
	int n;
	bool failed;
};

static void field(struct fields *f, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void field(struct fields *f, const char *key, const char *fmt, ...)
{
	char *val, *shown, *kv;
	va_list ap;
	int r;

	if (f->failed)
		return;
	if (f->n == MAX_FIELDS) {
		f->failed = true;
		errno = E2BIG;
		return;
	}
	va_start(ap, fmt);
	r = vasprintf(&val, fmt, ap);
	va_end(ap);
	if (r < 0) {
		f->failed = true;
		return;
	}
	/* journald keeps a value with a control character or a byte that is
	 * not UTF-8 as a blob: clean for display, as every human output */
	shown = ccm_text_clean(val, (size_t)r, CCM_TEXT_DISPLAY, NULL);
	free(val);
	if (!shown) {
		f->failed = true;
		return;
	}
	r = asprintf(&kv, "%s=%s", key, shown);
	free(shown);
	if (r < 0) {
		f->failed = true;
		return;
	}
	f->kv[f->n] = kv;
	f->keylen[f->n] = strlen(key);
	f->n++;
}

static void fields_free(struct fields *f)
{
	for (int i = 0; i < f->n; i++)
		free(f->kv[i]);
	f->n = 0;
}

/* Everything but MESSAGE, PRIORITY and the SYSLOG_* fields. */
static void alarm_fields(const struct ccm_alarm_sink *s, struct fields *f,
			 const struct ccm_alarm_decision *d,
			 const char *component, const char *server)
{
	const struct ccm_alarm_type_info *ti = d->info;
	char buf[CCM_TIME_STRLEN];

	/* a change has its own catalog entry, whatever the type */
	field(f, "MESSAGE_ID", "%s", d->state == CCM_ALARM_CHANGED ?
	      CCM_ALARM_CHANGED_MESSAGE_ID : ti->message_id);
	field(f, "CCMON_ALARM", "%s", ti->id);
	field(f, "CCMON_ALARM_ID", "%" PRIu64, d->id);
	field(f, "CCMON_STATE", "%s", ccm_alarm_state_name(d->state));
	field(f, "CCMON_SEVERITY", "%s", ccm_alarm_severity_name(d->severity));
	if (d->state == CCM_ALARM_CHANGED)
		field(f, "CCMON_PREVIOUS_SEVERITY", "%s",
		      ccm_alarm_severity_name(d->was));
	field(f, "CCMON_RESOURCE", "%s", d->resource);
	field(f, "CCMON_RESOURCE_KIND", "%s",
	      ccm_alarm_resource_name(ti->resource));
	switch (ti->resource) {
	case CCM_RES_COMPONENT:
		component = d->resource;
		break;
	case CCM_RES_SERVER:
		server = d->resource;
		break;
	case CCM_RES_LOG:
		field(f, "CCMON_LOG", "%s", d->resource);
		break;
	case CCM_RES_SCOPE:
		field(f, "CCMON_SCOPE", "%s", d->resource);
		break;
	}
	if (component)
		field(f, "CCMON_COMPONENT", "%s", component);
	if (server)
		field(f, "CCMON_SERVER", "%s", server);
	field(f, "CCMON_SINCE", "%s", ccm_alarm_time(d->since, s->utc, buf));
	field(f, "CCMON_RAISED_AT", "%s",
	      ccm_alarm_time(d->raised_at, s->utc, buf));
	if (d->state == CCM_ALARM_CLEARED)
		field(f, "CCMON_ENDED", "%s",
		      ccm_alarm_time(d->ended, s->utc, buf));
	if (d->flapping) {
		field(f, "CCMON_FLAPPING", "yes");
		field(f, "CCMON_CHANGES", "%" PRIu64, d->changes);
	}
	if (d->withheld)
		field(f, "CCMON_WITHHELD", "%" PRIu64, d->withheld);
}

/* ---- journald ---------------------------------------------------------- */

static bool journal_present(const struct ccm_alarm_sink *s)
{
	return access(s->journal_socket, F_OK) == 0;
}

/* Returns 0 or a negative errno. */
static int to_journal(const struct ccm_alarm_sink *s,
		      const struct ccm_alarm_decision *d, const char *msg,
		      const char *component, const char *server)
{
	struct fields f = { .n = 0 };
	struct iovec iov[MAX_FIELDS];
	int rc;

	field(&f, "MESSAGE", "%s", msg);
	field(&f, "PRIORITY", "%d", ccm_alarm_priority(d));
	field(&f, "SYSLOG_IDENTIFIER", "%s", IDENT);
	field(&f, "SYSLOG_FACILITY", "%d", LOG_FAC(s->facility));
	alarm_fields(s, &f, d, component, server);
	if (f.failed) {
		rc = -(errno ? errno : ENOMEM);
		fields_free(&f);
		return rc;
	}
	for (int i = 0; i < f.n; i++)
		iov[i] = (struct iovec){ f.kv[i], strlen(f.kv[i]) };
	rc = sd_journal_sendv(iov, f.n);
	fields_free(&f);
	return rc < 0 ? rc : 0;
}

/* ---- syslog ------------------------------------------------------------ */

static bool needs_quotes(const char *v)
{
	return !*v || strpbrk(v, " \"\\") != NULL;
}

/* msg, then " KEY=value" for each field. */
static char *syslog_line(const char *msg, const struct fields *f)
{
	size_t len = strlen(msg) + 1;
	char *line, *p;

	for (int i = 0; i < f->n; i++)
		len += 2 * strlen(f->kv[i]) + 4; /* worst case: all escaped */
	line = malloc(len);
	if (!line)
		return NULL;
	p = stpcpy(line, msg);
	for (int i = 0; i < f->n; i++) {
		const char *kv = f->kv[i], *v = kv + f->keylen[i] + 1;
		bool q = needs_quotes(v);

		*p++ = ' ';
		memcpy(p, kv, f->keylen[i] + 1);
		p += f->keylen[i] + 1;
		if (q)
			*p++ = '"';
		for (; *v; v++) {
			if (q && (*v == '"' || *v == '\\'))
				*p++ = '\\';
			*p++ = *v;
		}
		if (q)
			*p++ = '"';
	}
	*p = '\0';
	return line;
}

static void to_syslog(struct ccm_alarm_sink *s,
		      const struct ccm_alarm_decision *d, const char *msg,
		      const char *component, const char *server)
{
	struct fields f = { .n = 0 };
	char *line;

	alarm_fields(s, &f, d, component, server);
	line = f.failed ? NULL : syslog_line(msg, &f);
	fields_free(&f);
	if (!s->syslog_open) {
		openlog(IDENT, LOG_PID, s->facility);
		s->syslog_open = true;
	}
	/* Without the pairs the line still says what matters. */
	syslog(s->facility | ccm_alarm_priority(d), "%s", line ? line : msg);
	free(line);
}

/* ---- entry points ------------------------------------------------------ */

/* The syslog line starts with it as it is: cleaned like the fields.
 * Takes msg; NULL when out of memory. */
static char *clean_message(char *msg)
{
	char *t = ccm_text_clean_str(msg, CCM_TEXT_DISPLAY);

	free(msg);
	return t;
}

int ccm_alarm_sink_write(struct ccm_alarm_sink *s,
			 const struct ccm_alarm_decision *d,
			 const char *component, const char *server)
{
	bool present;
	char *msg;
	int rc;

	if (!d->info) {
		s->stats.errors++;
		s->stats.last_errno = EINVAL;
		return -1;
	}
	msg = clean_message(ccm_alarm_message(d, s->utc));
	if (!msg) {
		s->stats.errors++;
		s->stats.last_errno = ENOMEM;
		return -1;
	}
	present = s->mode != CCM_SINK_SYSLOG && journal_present(s);
	if (present || s->mode == CCM_SINK_JOURNAL) {
		rc = present ? to_journal(s, d, msg, component, server) :
			       -ENOENT;
		if (rc == 0) {
			s->stats.journal++;
			free(msg);
			return 0;
		}
		s->stats.journal_errors++;
		s->stats.last_errno = -rc;
		if (s->mode == CCM_SINK_JOURNAL) {
			s->stats.errors++;
			free(msg);
			return -1;
		}
	}
	to_syslog(s, d, msg, component, server);
	s->stats.syslog++;
	free(msg);
	return 0;
}

void ccm_alarm_sink_fn(void *sink, const struct ccm_alarm_decision *d)
{
	ccm_alarm_sink_write(sink, d, NULL, NULL);
}

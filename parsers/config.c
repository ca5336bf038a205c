/* SPDX-License-Identifier: ISC */
/* ccmon.conf: reading with libinih, the vendor's rules, the effective
 * configuration.  See ccmon.conf(5) for the file and its rule ids.
 *
 * libinih (Debian's r55) calls its handler without a line number, reads
 * lines into a 200-byte buffer, joins indented lines to the previous value
 * and stops seeing sections that hold no keys.  So lines reach it through
 * read_line(), which counts them, reports what inih would only count as a
 * syntax error (or silently split), takes section headers for itself and
 * hands inih nothing but "key = value" lines, unindented. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <ini.h>

#include "agent/util/safe_open.h"
#include "parsers/config.h"
#include "parsers/duration.h"

#define SEC INT64_C(1000)
#define MIN (60 * SEC)
#define HOUR (60 * MIN)
#define GIB ((size_t)1 << 30)

#define DEFAULT_STATE_DIR "/var/lib/ccmon"
#define DEFAULT_RUNTIME_DIR "/run/ccmon"
#define DEFAULT_AUTH_TIMEOUT (10 * SEC) /* the engine's own default */
#define DEFAULT_LOG_SILENT_AFTER (10 * MIN)
#define DEFAULT_ALARM_RAISE_HOLD 0
#define DEFAULT_ALARM_CLEAR_HOLD (5 * SEC)
#define DEFAULT_FLAP_WINDOW (60 * SEC)
#define DEFAULT_FLAP_THRESHOLD 5
#define DEFAULT_RATE_COUNT 10
#define DEFAULT_RATE_PERIOD MIN
#define DEFAULT_MAX_LINE ((size_t)1 << 20)
#define DEFAULT_PROBE_INTERVAL (10 * SEC)
#define DEFAULT_PROBE_TIMEOUT (3 * SEC)
#define DEFAULT_AGENTX_PING_INTERVAL (15 * SEC) /* net-snmp's own */
#define DEFAULT_NOTIFICATION_QUEUE 1000
/* the vendor's windows: doc/domain.md "Queueing, bounce and re-routing
 * windows" */
#define DEFAULT_QUEUE_WAIT (30 * SEC)
#define DEFAULT_QUEUE_WINDOW (5 * MIN)
/* bounces after a full queue_wait within queue_window that make an ACTIVE
 * server one that does not answer (ccmon.conf(5)) */
#define DEFAULT_QUEUE_BOUNCES 3
#define DEFAULT_REROUTE_AFTER (2 * MIN)
#define DEFAULT_LATENCY_WINDOW (5 * MIN)
#define DEFAULT_QUEUE_LATENCY_HIGH (5 * SEC)
#define DEFAULT_MAX_OPEN_FILES 128
#define MAX_OPEN_FILES 65536
#define MAX_NOTIFICATION_QUEUE 1000000
#define DEFAULT_STATUS_CLIENTS 16
#define MAX_STATUS_CLIENTS 1024
#define DEFAULT_STATUS_TIMEOUT (2 * SEC)
#define DEFAULT_MAX_COMPONENTS 10000
/* ccmon.conf(5): a router silent for the per-event queue wait, then its
 * components reconnecting within 5 s of each other, restarted */
#define DEFAULT_RESTART_SILENCE (30 * SEC)
#define DEFAULT_RESTART_BURST (5 * SEC)
#define MAX_MAX_COMPONENTS 10000000

/* The longest line libinih takes whole: its 200-byte buffer less the
 * newline and the NUL.  The printer keeps its lines within it too. */
#define INI_LINE_MAX 198

/* Edit distance up to which an unknown name earns a "did you mean". */
#define SUGGEST_DISTANCE 2

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- findings ------------------------------------------------------------ */

const char *ccm_level_name(enum ccm_level level)
{
	return level == CCM_LEVEL_ERROR ? "error" : "warning";
}

void ccm_findings_init(struct ccm_findings *f)
{
	memset(f, 0, sizeof(*f));
}

void ccm_findings_release(struct ccm_findings *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->v[i].file);
		free(f->v[i].message);
	}
	free(f->v);
	ccm_findings_init(f);
}

__attribute__((format(printf, 6, 0)))
static void findings_vadd(struct ccm_findings *f, enum ccm_level level,
			  const char *file, unsigned line, const char *rule,
			  const char *fmt, va_list ap)
{
	struct ccm_finding *x;

	if (f->n == f->cap) {
		size_t cap = f->cap ? 2 * f->cap : 16;
		struct ccm_finding *v = realloc(f->v, cap * sizeof(*v));
		if (!v) {
			f->oom = true;
			return;
		}
		f->v = v;
		f->cap = cap;
	}
	x = &f->v[f->n];
	x->level = level;
	x->line = line;
	x->rule = rule;
	x->file = strdup(file);
	if (!x->file || vasprintf(&x->message, fmt, ap) < 0) {
		free(x->file);
		f->oom = true;
		return;
	}
	f->n++;
	if (level == CCM_LEVEL_ERROR)
		f->errors++;
	else
		f->warnings++;
}

void ccm_findings_add(struct ccm_findings *f, enum ccm_level level,
		      const char *file, unsigned line, const char *rule,
		      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	findings_vadd(f, level, file, line, rule, fmt, ap);
	va_end(ap);
}

int ccm_finding_print(const struct ccm_finding *f, FILE *out)
{
	int rc;

	if (f->line)
		rc = fprintf(out, "%s:%u: %s: %s [%s]\n", f->file, f->line,
			     ccm_level_name(f->level), f->message, f->rule);
	else
		rc = fprintf(out, "%s: %s: %s [%s]\n", f->file,
			     ccm_level_name(f->level), f->message, f->rule);
	return rc < 0 ? -1 : 0;
}

int ccm_findings_print(const struct ccm_findings *f, FILE *out)
{
	for (size_t i = 0; i < f->n; i++)
		if (ccm_finding_print(&f->v[i], out))
			return -1;
	return 0;
}

/* Stable, so that findings of one line keep the order they were found in;
 * whole-file findings (line 0) come first.  Few enough for insertion. */
static void findings_sort(struct ccm_findings *f, size_t from)
{
	for (size_t i = from + 1; i < f->n; i++) {
		struct ccm_finding x = f->v[i];
		size_t j = i;

		while (j > from && f->v[j - 1].line > x.line) {
			f->v[j] = f->v[j - 1];
			j--;
		}
		f->v[j] = x;
	}
}

/* ---- names and value syntax ---------------------------------------------- */

static const char *const jsm_events[] = {
	"e_SESSION", "e_OFFLINE", "e_SERVER", "e_DELIVER", "e_AUTH",
	"e_REGISTER", "e_STATS", "e_DISCOFEAT", "e_PRISESSION",
	"es_IN", "es_OUT", "es_END",
};

static const char *const tc_events[] = {
	"onServicePacket", "onBeforeRoomCreate", "onAfterRoomCreate",
	"onServiceDiscoInfo", "onServiceReconfig", "onDestroy", "onClose",
	"onPacket", "onMetaInfoGet", "onBeforeMetaInfoSet",
	"onAfterMetaInfoSet", "onExamineRoom", "onBeforeChangeUser",
	"onAfterChangeUser", "onBeforeChangeAffiliation",
	"onAfterChangeAffiliation", "onBeforeRemoveAffiliation",
	"onAfterRemoveAffiliation", "onBeforeJoin", "onAfterJoin", "onLeave",
	"onBeforeSubject", "onAfterSubject", "onBeforeInvite",
	"onAfterInvite", "onHistory", "onBeforeSend", "onBeforeBroadcast",
};

static const char *const packet_names[] = {
	[CCM_PACKET_NONE] = "",
	[CCM_PACKET_ALL] = "all",
	[CCM_PACKET_IQ] = "iq",
	[CCM_PACKET_MESSAGE] = "message",
	[CCM_PACKET_PRESENCE] = "presence",
	[CCM_PACKET_SUBSCRIPTION] = "subscription",
};

static const char *const probe_names[] = {
	[CCM_PROBE_NONE] = "none",
	[CCM_PROBE_TCP] = "tcp",
	[CCM_PROBE_STREAM] = "stream",
};

static const struct {
	const char *name;
	int value;
} facilities[] = {
	{ "auth", LOG_AUTH },     { "authpriv", LOG_AUTHPRIV },
	{ "cron", LOG_CRON },     { "daemon", LOG_DAEMON },
	{ "ftp", LOG_FTP },       { "local0", LOG_LOCAL0 },
	{ "local1", LOG_LOCAL1 }, { "local2", LOG_LOCAL2 },
	{ "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 },
	{ "local5", LOG_LOCAL5 }, { "local6", LOG_LOCAL6 },
	{ "local7", LOG_LOCAL7 }, { "lpr", LOG_LPR },
	{ "mail", LOG_MAIL },     { "news", LOG_NEWS },
	{ "syslog", LOG_SYSLOG }, { "user", LOG_USER },
	{ "uucp", LOG_UUCP },
};

const char *ccm_probe_name(enum ccm_probe probe)
{
	return (unsigned)probe < ARRAY_SIZE(probe_names) ?
	       probe_names[probe] : "?";
}

const char *ccm_packet_name(enum ccm_packet packet)
{
	return (unsigned)packet < ARRAY_SIZE(packet_names) ?
	       packet_names[packet] : "?";
}

const char *ccm_handling_name(enum ccm_handling h)
{
	return h == CCM_HANDLING_BOUNCE ? "bounce" : "pass";
}

const char *ccm_syslog_facility_name(int facility)
{
	for (size_t i = 0; i < ARRAY_SIZE(facilities); i++)
		if (facilities[i].value == facility)
			return facilities[i].name;
	return NULL;
}

/* Decimal digits only: no sign, no spaces, no base prefixes. */
static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > max)
			return -1;
	}
	*out = v;
	return 0;
}

int ccm_size_parse(const char *s, size_t *out)
{
	static const struct {
		const char *suffix;
		size_t mult;
	} units[] = {
		{ "", 1 },
		{ "KiB", 1024 },
		{ "MiB", 1024 * 1024 },
		{ "GiB", GIB },
	};
	unsigned long v = 0;
	const char *p = s;

	while (*p >= '0' && *p <= '9') {
		v = v * 10 + (unsigned long)(*p++ - '0');
		if (v > GIB)
			return -1;
	}
	if (p == s || !v)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		if (strcmp(p, units[i].suffix))
			continue;
		if (v > GIB / units[i].mult)
			return -1;
		*out = v * units[i].mult;
		return 0;
	}
	return -1;
}

int ccm_rate_parse(const char *s, struct ccm_rate *out)
{
	unsigned long n = 0;
	const char *slash = strchr(s, '/');
	char num[16];
	ccm_ms period;

	if (!slash || (size_t)(slash - s) >= sizeof(num))
		return -1;
	memcpy(num, s, (size_t)(slash - s));
	num[slash - s] = '\0';
	if (parse_uint(num, 1000000, &n) || !n)
		return -1;
	if (!strcmp(slash + 1, "s"))
		period = SEC;
	else if (!strcmp(slash + 1, "m"))
		period = MIN;
	else if (!strcmp(slash + 1, "h"))
		period = HOUR;
	else
		return -1;
	out->count = (unsigned)n;
	out->period = period;
	return 0;
}

char *ccm_component_name(const char *server, const char *node)
{
	char *name;

	if (asprintf(&name, "op-%s.%s", server, node) < 0)
		return NULL;
	for (char *p = name + strlen(name) - strlen(node); *p; p++)
		if (*p == '.')
			*p = '-';
	return name;
}

/* In units ccm_duration_parse() reads back: "0s", "10s", "1h30m",
 * "5s250ms". */
static const char *format_duration(ccm_ms d, char buf[static 48])
{
	static const struct {
		ccm_ms ms;
		const char *unit;
	} units[] = {
		{ HOUR, "h" }, { MIN, "m" }, { SEC, "s" }, { 1, "ms" },
	};
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		ccm_ms n = d / units[i].ms;

		d %= units[i].ms;
		if (n)
			len += (size_t)snprintf(buf + len, 48 - len, "%lld%s",
						(long long)n, units[i].unit);
	}
	if (!len)
		snprintf(buf, 48, "0s");
	return buf;
}

static const char *format_size(size_t v, char buf[static 32])
{
	if (v && v % GIB == 0)
		snprintf(buf, 32, "%zuGiB", v / GIB);
	else if (v && v % (1024 * 1024) == 0)
		snprintf(buf, 32, "%zuMiB", v / (1024 * 1024));
	else if (v && v % 1024 == 0)
		snprintf(buf, 32, "%zuKiB", v / 1024);
	else
		snprintf(buf, 32, "%zu", v);
	return buf;
}

/* Levenshtein distance, or UINT_MAX for words too long to be a typo of
 * any name we know. */
static unsigned distance(const char *a, const char *b)
{
	enum { MAXLEN = 63 };
	unsigned row[MAXLEN + 1];
	size_t la = strlen(a), lb = strlen(b);

	if (la > MAXLEN || lb > MAXLEN)
		return UINT_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned diag = row[0];

		row[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned up = row[j];
			unsigned best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* The candidate word is most likely a typo of, or NULL.  A candidate
 * shorter than the distance would match anything of its length. */
static const char *suggest(const char *word, const char *const *cands,
			   size_t n)
{
	const char *best = NULL;
	unsigned best_d = SUGGEST_DISTANCE + 1;

	for (size_t i = 0; i < n; i++) {
		unsigned d = strcasecmp(word, cands[i]) ?
			     distance(word, cands[i]) : 0;

		if (d < best_d && d < strlen(cands[i])) {
			best = cands[i];
			best_d = d;
		}
	}
	return best;
}

static char *lskip(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

static void rstrip(char *s)
{
	char *end = s + strlen(s);

	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
}

/* The first of chars, or an inline comment (';' after white space, as
 * libinih has it), or the end. */
static char *find_chars_or_comment(char *s, const char *chars)
{
	bool was_space = false;

	while (*s && !strchr(chars, *s) && !(was_space && *s == ';')) {
		was_space = isspace((unsigned char)*s);
		s++;
	}
	return s;
}

/* ---- keys ---------------------------------------------------------------- */

enum sect {
	SECT_NONE,    /* before the first header */
	SECT_AGENT,
	SECT_SERVER,
	SECT_PROFILE,
	SECT_LATENCY,
	SECT_IGNORED, /* a header already reported as wrong: its keys too */
};

enum key {
	K_LOG, K_NODE, K_STATE_DIR, K_RUNTIME_DIR, K_AUTH_TIMEOUT,
	K_LOG_SILENT_AFTER, K_ALARM_RAISE_HOLD, K_ALARM_CLEAR_HOLD,
	K_FLAP_WINDOW, K_FLAP_THRESHOLD, K_ALARM_RATE_LIMIT, K_MAX_LINE,
	K_SYSLOG_FACILITY, K_SNMP, K_AGENTX_SOCKET, K_AGENTX_PING_INTERVAL,
	K_NOTIFICATION_QUEUE, K_COMPLIANCE, K_QUEUE_WAIT, K_QUEUE_WINDOW,
	K_REROUTE_AFTER, K_QUEUE_BOUNCES, K_LATENCY_WINDOW, K_QUEUE_LATENCY_HIGH,
	K_STATUS_CLIENTS, K_STATUS_TIMEOUT,
	K_MAX_OPEN_FILES, K_METRICS_LISTEN,
	K_S_DESCRIPTION, K_HOST, K_PORT, K_S_NODE, K_COMPONENT, K_PROFILE,
	K_PROBE, K_PROBE_INTERVAL, K_PROBE_TIMEOUT, K_SECRET_FILE,
	K_P_DESCRIPTION, K_PRIORITY, K_JSM, K_TC,
	K_L_MATCH, K_L_WAIT, K_L_START, K_L_END, K_L_ENABLED,
	K_MAX_COMPONENTS,
	K_RESTART_SILENCE, K_RESTART_BURST,
	K_COUNT
};

_Static_assert(K_COUNT <= 64, "keys_seen.bad holds one bit per key");

static const struct keydef {
	enum sect sect;
	const char *name;
	bool repeatable; /* lists that may outgrow one line */
} keydefs[K_COUNT] = {
	[K_LOG] = { SECT_AGENT, "log", true },
	[K_NODE] = { SECT_AGENT, "node", false },
	[K_STATE_DIR] = { SECT_AGENT, "state_dir", false },
	[K_RUNTIME_DIR] = { SECT_AGENT, "runtime_dir", false },
	[K_AUTH_TIMEOUT] = { SECT_AGENT, "auth_timeout", false },
	[K_LOG_SILENT_AFTER] = { SECT_AGENT, "log_silent_after", false },
	[K_ALARM_RAISE_HOLD] = { SECT_AGENT, "alarm_raise_hold", false },
	[K_ALARM_CLEAR_HOLD] = { SECT_AGENT, "alarm_clear_hold", false },
	[K_FLAP_WINDOW] = { SECT_AGENT, "flap_window", false },
	[K_FLAP_THRESHOLD] = { SECT_AGENT, "flap_threshold", false },
	[K_ALARM_RATE_LIMIT] = { SECT_AGENT, "alarm_rate_limit", false },
	[K_MAX_LINE] = { SECT_AGENT, "max_line", false },
	[K_SYSLOG_FACILITY] = { SECT_AGENT, "syslog_facility", false },
	[K_SNMP] = { SECT_AGENT, "snmp", false },
	[K_AGENTX_SOCKET] = { SECT_AGENT, "agentx_socket", false },
	[K_AGENTX_PING_INTERVAL] = { SECT_AGENT, "agentx_ping_interval", false },
	[K_NOTIFICATION_QUEUE] = { SECT_AGENT, "notification_queue", false },
	[K_COMPLIANCE] = { SECT_AGENT, "compliance", false },
	[K_QUEUE_WAIT] = { SECT_AGENT, "queue_wait", false },
	[K_QUEUE_WINDOW] = { SECT_AGENT, "queue_window", false },
	[K_REROUTE_AFTER] = { SECT_AGENT, "reroute_after", false },
	[K_QUEUE_BOUNCES] = { SECT_AGENT, "queue_bounces", false },
	[K_LATENCY_WINDOW] = { SECT_AGENT, "latency_window", false },
	[K_QUEUE_LATENCY_HIGH] = { SECT_AGENT, "queue_latency_high", false },
	[K_STATUS_CLIENTS] = { SECT_AGENT, "status_clients", false },
	[K_STATUS_TIMEOUT] = { SECT_AGENT, "status_timeout", false },
	[K_MAX_OPEN_FILES] = { SECT_AGENT, "max_open_files", false },
	[K_METRICS_LISTEN] = { SECT_AGENT, "metrics_listen", false },
	[K_S_DESCRIPTION] = { SECT_SERVER, "description", false },
	[K_HOST] = { SECT_SERVER, "host", false },
	[K_PORT] = { SECT_SERVER, "port", false },
	[K_S_NODE] = { SECT_SERVER, "node", false },
	[K_COMPONENT] = { SECT_SERVER, "component", false },
	[K_PROFILE] = { SECT_SERVER, "profile", false },
	[K_PROBE] = { SECT_SERVER, "probe", false },
	[K_PROBE_INTERVAL] = { SECT_SERVER, "probe_interval", false },
	[K_PROBE_TIMEOUT] = { SECT_SERVER, "probe_timeout", false },
	[K_SECRET_FILE] = { SECT_SERVER, "secret_file", false },
	[K_P_DESCRIPTION] = { SECT_PROFILE, "description", false },
	[K_PRIORITY] = { SECT_PROFILE, "priority", false },
	[K_JSM] = { SECT_PROFILE, "jsm", true },
	[K_TC] = { SECT_PROFILE, "tc", true },
	[K_L_MATCH] = { SECT_LATENCY, "match", false },
	[K_L_WAIT] = { SECT_LATENCY, "wait", false },
	[K_L_START] = { SECT_LATENCY, "start", false },
	[K_L_END] = { SECT_LATENCY, "end", false },
	[K_L_ENABLED] = { SECT_LATENCY, "enabled", false },
	[K_MAX_COMPONENTS] = { SECT_AGENT, "max_components", false },
	[K_RESTART_SILENCE] = { SECT_AGENT, "restart_silence", false },
	[K_RESTART_BURST] = { SECT_AGENT, "restart_burst", false },
};

static const char *const sect_names[] = {
	[SECT_AGENT] = "[agent]",
	[SECT_SERVER] = "[server NAME]",
	[SECT_PROFILE] = "[profile NAME]",
	[SECT_LATENCY] = "[latency NAME]",
};

/* Where each key of one section was set (0: not set) and which values were
 * rejected, so that checks between keys do not pile onto a reported one. */
struct keys_seen {
	unsigned at[K_COUNT];
	uint64_t bad; /* by key: K_COUNT <= 64 */
};

struct server_aux {
	struct keys_seen k;
	char *profile; /* as written; NULL: the built-in one */
	bool ignored;  /* a duplicate section: checked, never used */
};

struct profile_aux {
	struct keys_seen k;
	bool ignored;
};

struct latency_aux {
	struct keys_seen k;
	bool ignored;
	bool disabled;            /* enabled = no */
	bool start_key, end_key;  /* the patterns have a group "key" */
};

struct parse {
	const char *path;
	FILE *file;
	struct ccm_findings *fnd;
	struct ccm_config *cfg;
	bool oom;

	/* read_line() */
	char *buf;
	size_t bufcap;
	unsigned lineno;
	int read_errno;

	struct keys_seen agent_k;
	bool have_agent;
	struct ccm_agent_config spare_agent; /* what a second [agent] fills */
	struct keys_seen spare_k;
	struct server_aux *saux;   /* parallel to cfg->servers */
	struct profile_aux *paux;  /* parallel to cfg->profiles */
	size_t scap, pcap;
	struct ccm_queue_rule *rules; /* [latency NAME], as read */
	struct latency_aux *laux;
	size_t nrules, lcap;

	/* the section being read */
	enum sect sect;
	size_t cur;                      /* its server or profile */
	struct ccm_agent_config *agent;  /* SECT_AGENT: what it fills */
	struct keys_seen *keys;
	char *label;                     /* "[server cs1]", for messages */
};

static char *pstrdup(struct parse *p, const char *s)
{
	char *d = strdup(s);

	if (!d)
		p->oom = true;
	return d;
}

static void replace(struct parse *p, char **field, const char *value)
{
	char *d = pstrdup(p, value);

	if (d) {
		free(*field);
		*field = d;
	}
}

__attribute__((format(printf, 6, 0)))
static void vreport(struct parse *p, enum ccm_level level, unsigned line,
		    const char *rule, const char *label, const char *fmt,
		    va_list ap)
{
	char *msg;

	if (vasprintf(&msg, fmt, ap) < 0) {
		p->oom = true;
		return;
	}
	if (label)
		ccm_findings_add(p->fnd, level, p->path, line, rule, "%s %s",
				 label, msg);
	else
		ccm_findings_add(p->fnd, level, p->path, line, rule, "%s", msg);
	free(msg);
}

__attribute__((format(printf, 6, 7)))
static void report(struct parse *p, enum ccm_level level, unsigned line,
		   const char *rule, const char *label, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(p, level, line, rule, label, fmt, ap);
	va_end(ap);
}

/* About the line being read, in the section being read. */
__attribute__((format(printf, 3, 4)))
static void error_here(struct parse *p, const char *rule, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(p, CCM_LEVEL_ERROR, p->lineno, rule, p->label, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 3, 4)))
static void warn_here(struct parse *p, const char *rule, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(p, CCM_LEVEL_WARNING, p->lineno, rule, p->label, fmt, ap);
	va_end(ap);
}

/* ---- objects ------------------------------------------------------------- */

static int agent_defaults(struct ccm_agent_config *a)
{
	memset(a, 0, sizeof(*a));
	a->state_dir = strdup(DEFAULT_STATE_DIR);
	a->runtime_dir = strdup(DEFAULT_RUNTIME_DIR);
	a->auth_timeout = DEFAULT_AUTH_TIMEOUT;
	a->log_silent_after = DEFAULT_LOG_SILENT_AFTER;
	a->alarm_raise_hold = DEFAULT_ALARM_RAISE_HOLD;
	a->alarm_clear_hold = DEFAULT_ALARM_CLEAR_HOLD;
	a->flap_window = DEFAULT_FLAP_WINDOW;
	a->flap_threshold = DEFAULT_FLAP_THRESHOLD;
	a->alarm_rate_limit.count = DEFAULT_RATE_COUNT;
	a->alarm_rate_limit.period = DEFAULT_RATE_PERIOD;
	a->max_line = DEFAULT_MAX_LINE;
	a->syslog_facility = LOG_DAEMON;
	a->snmp = true;
	a->agentx_ping_interval = DEFAULT_AGENTX_PING_INTERVAL;
	a->notification_queue = DEFAULT_NOTIFICATION_QUEUE;
	a->max_components = DEFAULT_MAX_COMPONENTS;
	a->restart_silence = DEFAULT_RESTART_SILENCE;
	a->restart_burst = DEFAULT_RESTART_BURST;
	a->compliance = CCM_COMPLIANCE_CLUSTER;
	a->queue_wait = DEFAULT_QUEUE_WAIT;
	a->queue_window = DEFAULT_QUEUE_WINDOW;
	a->queue_bounces = DEFAULT_QUEUE_BOUNCES;
	a->reroute_after = DEFAULT_REROUTE_AFTER;
	a->latency_window = DEFAULT_LATENCY_WINDOW;
	a->queue_latency_high = DEFAULT_QUEUE_LATENCY_HIGH;
	a->status_clients = DEFAULT_STATUS_CLIENTS;
	a->status_timeout = DEFAULT_STATUS_TIMEOUT;
	a->max_open_files = DEFAULT_MAX_OPEN_FILES;
	return a->state_dir && a->runtime_dir ? 0 : -1;
}

static void agent_release(struct ccm_agent_config *a)
{
	for (size_t i = 0; i < a->nlogs; i++)
		free(a->logs[i]);
	free(a->logs);
	free(a->node);
	free(a->state_dir);
	free(a->runtime_dir);
	free(a->agentx_socket);
	free(a->metrics_listen);
}

static void server_release(struct ccm_server *s)
{
	free(s->name);
	free(s->description);
	free(s->host);
	free(s->node);
	free(s->component);
	free(s->secret_file);
}

static void profile_release(struct ccm_profile *pr)
{
	free(pr->name);
	free(pr->description);
	free(pr->events);
}

static void rule_release(struct ccm_queue_rule *r)
{
	free(r->name);
	free(r->match);
	free(r->start);
	free(r->end);
}

void ccm_config_free(struct ccm_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nqueue_rules; i++)
		rule_release(&c->queue_rules[i]);
	free(c->queue_rules);
	agent_release(&c->agent);
	for (size_t i = 0; i < c->nservers; i++)
		server_release(&c->servers[i]);
	free(c->servers);
	for (size_t i = 0; i < c->nprofiles; i++)
		profile_release(&c->profiles[i]);
	free(c->profiles);
	free(c->path);
	free(c);
}

/* Room for slot n of an object array and of its parallel aux array, both
 * zeroed; false when out of memory (said in p). */
static bool grow_pair(struct parse *p, void *objsp, size_t objsize,
		      void *auxp, size_t auxsize, size_t n, size_t *cap)
{
	void **objs = objsp, **aux = auxp;

	if (n == *cap) {
		size_t ncap = *cap ? 2 * *cap : 4;
		void *v = reallocarray(*objs, ncap, objsize);
		void *x;

		if (v)
			*objs = v;
		x = v ? reallocarray(*aux, ncap, auxsize) : NULL;
		if (!x) {
			p->oom = true;
			return false;
		}
		*aux = x;
		*cap = ncap;
	}
	memset((char *)*objs + n * objsize, 0, objsize);
	memset((char *)*aux + n * auxsize, 0, auxsize);
	return true;
}

static struct ccm_server *add_server(struct parse *p, const char *name,
				     bool ignored)
{
	struct ccm_config *c = p->cfg;
	struct ccm_server *s;

	if (!grow_pair(p, &c->servers, sizeof(*c->servers), &p->saux,
		       sizeof(*p->saux), c->nservers, &p->scap))
		return NULL;
	s = &c->servers[c->nservers];
	s->name = pstrdup(p, name);
	if (!s->name)
		return NULL;
	s->probe = CCM_PROBE_TCP;
	s->probe_interval = DEFAULT_PROBE_INTERVAL;
	s->probe_timeout = DEFAULT_PROBE_TIMEOUT;
	s->line = p->lineno;
	p->saux[c->nservers].ignored = ignored;
	p->cur = c->nservers++;
	return s;
}

static struct ccm_profile *add_profile(struct parse *p, const char *name,
				       bool ignored)
{
	struct ccm_config *c = p->cfg;
	struct ccm_profile *pr;

	if (!grow_pair(p, &c->profiles, sizeof(*c->profiles), &p->paux,
		       sizeof(*p->paux), c->nprofiles, &p->pcap))
		return NULL;
	pr = &c->profiles[c->nprofiles];
	pr->name = pstrdup(p, name);
	if (!pr->name)
		return NULL;
	pr->line = p->lineno;
	p->paux[c->nprofiles].ignored = ignored;
	p->cur = c->nprofiles++;
	return pr;
}

static struct ccm_queue_rule *add_rule(struct parse *p, const char *name,
				       bool ignored)
{
	struct ccm_queue_rule *r;

	if (!grow_pair(p, &p->rules, sizeof(*p->rules), &p->laux,
		       sizeof(*p->laux), p->nrules, &p->lcap))
		return NULL;
	r = &p->rules[p->nrules];
	r->name = pstrdup(p, name);
	if (!r->name)
		return NULL;
	r->line = p->lineno;
	p->laux[p->nrules].ignored = ignored;
	p->cur = p->nrules++;
	return r;
}

/* ---- section headers ----------------------------------------------------- */

static void set_label(struct parse *p, const char *type, const char *name)
{
	char *label;

	if (asprintf(&label, *name ? "[%s %s]" : "[%s]", type, name) < 0) {
		p->oom = true;
		return;
	}
	free(p->label);
	p->label = label;
}

static bool server_name_ok(const char *s)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_')
			return false;
	return true;
}

static bool alnum_only(const char *s)
{
	for (; *s; s++)
		if (!isascii((unsigned char)*s) || !isalnum((unsigned char)*s))
			return false;
	return true;
}

static void enter_agent(struct parse *p, const char *name)
{
	if (*name) {
		error_here(p, "section-name",
			   "takes no name: write [agent]");
		p->sect = SECT_IGNORED;
		return;
	}
	p->sect = SECT_AGENT;
	if (p->have_agent) {
		error_here(p, "duplicate-section",
			   "is already defined at line %u; write each section"
			   " once", p->cfg->agent.line);
		p->agent = &p->spare_agent;
		memset(&p->spare_k, 0, sizeof(p->spare_k));
		p->keys = &p->spare_k;
		return;
	}
	p->have_agent = true;
	p->cfg->agent.line = p->lineno;
	p->agent = &p->cfg->agent;
	p->keys = &p->agent_k;
}

static void enter_server(struct parse *p, const char *name)
{
	const struct ccm_config *c = p->cfg;
	bool dup = false;

	if (!*name) {
		error_here(p, "section-name",
			   "needs a name: write [server NAME]");
		p->sect = SECT_IGNORED;
		return;
	}
	if (!server_name_ok(name))
		error_here(p, "server-name",
			   "server names may hold only letters, digits, '-'"
			   " and '_' (the name becomes part of the component"
			   " name)");
	for (size_t i = 0; i < c->nservers && !dup; i++) {
		if (p->saux[i].ignored || strcmp(c->servers[i].name, name))
			continue;
		error_here(p, "duplicate-section",
			   "is already defined at line %u; write each section"
			   " once", c->servers[i].line);
		dup = true;
	}
	if (!add_server(p, name, dup))
		return;
	p->sect = SECT_SERVER;
	p->keys = &p->saux[p->cur].k;
}

static void enter_profile(struct parse *p, const char *name)
{
	const struct ccm_config *c = p->cfg;
	bool dup = false;

	if (!*name) {
		error_here(p, "section-name",
			   "needs a name: write [profile NAME]");
		p->sect = SECT_IGNORED;
		return;
	}
	if (!strcasecmp(name, CCM_BUILTIN_PROFILE)) {
		error_here(p, "builtin-readonly",
			   "is built in and cannot be changed (vendor rule);"
			   " copy its events into a profile of another name");
		p->sect = SECT_IGNORED;
		return;
	}
	if (!alnum_only(name))
		error_here(p, "profile-name",
			   "profile names must be alphanumeric (vendor rule;"
			   " no spaces)");
	for (size_t i = 0; i < c->nprofiles && !dup; i++) {
		if (p->paux[i].ignored || strcmp(c->profiles[i].name, name))
			continue;
		error_here(p, "duplicate-section",
			   "is already defined at line %u; write each section"
			   " once", c->profiles[i].line);
		dup = true;
	}
	if (!add_profile(p, name, dup))
		return;
	p->sect = SECT_PROFILE;
	p->keys = &p->paux[p->cur].k;
}

static void enter_latency(struct parse *p, const char *name)
{
	bool dup = false;

	if (!*name) {
		error_here(p, "section-name",
			   "needs a name: write [latency NAME]");
		p->sect = SECT_IGNORED;
		return;
	}
	if (!server_name_ok(name))
		error_here(p, "latency-name",
			   "latency rule names may hold only letters, digits,"
			   " '-' and '_'");
	for (size_t i = 0; i < p->nrules && !dup; i++) {
		if (p->laux[i].ignored || strcmp(p->rules[i].name, name))
			continue;
		error_here(p, "duplicate-section",
			   "is already defined at line %u; write each section"
			   " once", p->rules[i].line);
		dup = true;
	}
	if (!add_rule(p, name, dup))
		return;
	p->sect = SECT_LATENCY;
	p->keys = &p->laux[p->cur].k;
}

/* s: the header line from its '[', white space stripped at both ends. */
static void section_line(struct parse *p, char *s)
{
	static const char *const types[] = { "agent", "server", "profile",
					     "latency" };
	char *end = find_chars_or_comment(s + 1, "]");
	char *type, *name, *rest;
	const char *hint;

	p->sect = SECT_IGNORED;
	free(p->label);
	p->label = NULL;
	if (*end != ']') {
		error_here(p, "syntax", "section header without ']'");
		return;
	}
	*end = '\0';
	rest = lskip(end + 1);
	if (*rest && *rest != ';' && *rest != '#') {
		error_here(p, "syntax", "text after ']' of a section header");
		return;
	}
	type = lskip(s + 1);
	rstrip(type);
	name = type + strcspn(type, " \t");
	if (*name) {
		*name = '\0';
		name = lskip(name + 1);
	}
	set_label(p, type, name);
	if (!strcmp(type, "agent"))
		enter_agent(p, name);
	else if (!strcmp(type, "server"))
		enter_server(p, name);
	else if (!strcmp(type, "profile"))
		enter_profile(p, name);
	else if (!strcmp(type, "latency"))
		enter_latency(p, name);
	else if ((hint = suggest(type, types, ARRAY_SIZE(types))))
		error_here(p, "unknown-section",
			   "is not a known section; did you mean [%s%s%s]?",
			   hint, *name ? " " : "", name);
	else
		error_here(p, "unknown-section",
			   "is not a known section: ccmon.conf has [agent],"
			   " [server NAME], [profile NAME] and"
			   " [latency NAME]");
}

/* ---- the reader libinih calls -------------------------------------------- */

static char *blank(char *str)
{
	str[0] = '\n';
	str[1] = '\0';
	return str;
}

/* Hands libinih one line per call, so that its count and ours agree; what
 * it must not see becomes an empty line. */
static char *read_line(char *str, int num, void *stream)
{
	struct parse *p = stream;
	ssize_t n = getline(&p->buf, &p->bufcap, p->file);
	char *s, *eq;
	size_t len;

	if (n < 0) {
		if (ferror(p->file))
			p->read_errno = errno ? errno : EIO;
		return NULL;
	}
	p->lineno++;
	s = p->buf;
	if ((size_t)n != strlen(s)) {
		error_here(p, "syntax", "line holds a NUL byte");
		return blank(str);
	}
	if (p->lineno == 1 && !strncmp(s, "\xEF\xBB\xBF", 3))
		s += 3;
	/* No continuation lines: an indented "key = value" is a key, as an
	 * operator who indents a file expects, not part of the value above. */
	s = lskip(s);
	rstrip(s);
	len = strlen(s);
	if (!*s || *s == ';' || *s == '#')
		return blank(str);
	if (*s == '[') {
		section_line(p, s);
		return blank(str);
	}
	eq = find_chars_or_comment(s, "=:");
	if (*eq != '=' && *eq != ':') {
		error_here(p, "syntax",
			   "expected 'key = value', '[section]' or a comment");
		return blank(str);
	}
	if (num < 3 || len > (size_t)num - 2) {
		error_here(p, "line-too-long",
			   "line is longer than %d characters (libinih's"
			   " limit): split a long log, jsm or tc list over"
			   " several lines with the same key", num - 2);
		return blank(str);
	}
	memcpy(str, s, len);
	str[len] = '\n';
	str[len + 1] = '\0';
	return str;
}

/* ---- values -------------------------------------------------------------- */

static void mark_bad(struct parse *p, enum key k)
{
	p->keys->bad |= UINT64_C(1) << k;
}

static bool is_bad(const struct keys_seen *ks, enum key k)
{
	return ks->bad & (UINT64_C(1) << k);
}

static void set_path(struct parse *p, enum key k, char **field,
		     const char *value)
{
	if (value[0] != '/') {
		error_here(p, "path", "%s: '%s' is not an absolute path",
			   keydefs[k].name, value);
		mark_bad(p, k);
		return;
	}
	replace(p, field, value);
}

/* min_ms: the least acceptable value. */
static void set_duration(struct parse *p, enum key k, ccm_ms *field,
			 const char *value, ccm_ms min_ms)
{
	ccm_ms d;

	if (ccm_duration_parse(value, &d)) {
		error_here(p, "duration",
			   "%s: '%s' is not a duration (e.g. 250ms, 10s, 5m,"
			   " 1h30m; at most a year)", keydefs[k].name, value);
		mark_bad(p, k);
	} else if (d < min_ms) {
		if (min_ms > 1)
			error_here(p, "duration", "%s: must be at least %lld"
				   " ms", keydefs[k].name, (long long)min_ms);
		else
			error_here(p, "duration", "%s: must be longer than 0",
				   keydefs[k].name);
		mark_bad(p, k);
	} else {
		*field = d;
	}
}

static bool name_chars_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(".-_", *s))
			return false;
	return true;
}

static void set_node(struct parse *p, enum key k, char **field,
		     const char *value)
{
	if (!name_chars_ok(value)) {
		error_here(p, "node-name",
			   "%s: '%s' is not a node name (letters, digits, '.',"
			   " '-' and '_')", keydefs[k].name, value);
		mark_bad(p, k);
		return;
	}
	replace(p, field, value);
}

static void set_agent(struct parse *p, enum key k, const char *value)
{
	struct ccm_agent_config *a = p->agent;
	unsigned long n;

	switch (k) {
	case K_LOG: {
		char *copy = NULL, **logs;

		set_path(p, k, &copy, value);
		if (!copy)
			break;
		logs = realloc(a->logs, (a->nlogs + 1) * sizeof(*logs));
		if (!logs) {
			free(copy);
			p->oom = true;
			break;
		}
		a->logs = logs;
		a->logs[a->nlogs++] = copy;
		break;
	}
	case K_NODE:
		set_node(p, k, &a->node, value);
		break;
	case K_STATE_DIR:
		set_path(p, k, &a->state_dir, value);
		break;
	case K_RUNTIME_DIR:
		set_path(p, k, &a->runtime_dir, value);
		break;
	case K_AUTH_TIMEOUT:
		set_duration(p, k, &a->auth_timeout, value, 1);
		break;
	case K_LOG_SILENT_AFTER:
		set_duration(p, k, &a->log_silent_after, value, 0);
		break;
	case K_ALARM_RAISE_HOLD:
		set_duration(p, k, &a->alarm_raise_hold, value, 0);
		break;
	case K_ALARM_CLEAR_HOLD:
		set_duration(p, k, &a->alarm_clear_hold, value, 0);
		break;
	case K_FLAP_WINDOW:
		set_duration(p, k, &a->flap_window, value, 0);
		break;
	case K_FLAP_THRESHOLD:
		/* one transition cannot flap */
		if (parse_uint(value, 1000, &n) || n < 2) {
			error_here(p, "integer",
				   "flap_threshold: '%s' is not a whole number"
				   " from 2 to 1000", value);
			mark_bad(p, k);
			break;
		}
		a->flap_threshold = (unsigned)n;
		break;
	case K_ALARM_RATE_LIMIT:
		if (ccm_rate_parse(value, &a->alarm_rate_limit)) {
			error_here(p, "rate",
				   "alarm_rate_limit: '%s' is not a rate: write"
				   " N/s, N/m or N/h (N from 1 to 1000000)",
				   value);
			mark_bad(p, k);
		}
		break;
	case K_MAX_LINE:
		if (ccm_size_parse(value, &a->max_line)) {
			error_here(p, "size",
				   "max_line: '%s' is not a size: bytes, or a"
				   " whole number of KiB, MiB or GiB, from 1"
				   " byte to 1GiB", value);
			mark_bad(p, k);
		}
		break;
	case K_SYSLOG_FACILITY:
		for (size_t i = 0; i < ARRAY_SIZE(facilities); i++) {
			if (!strcasecmp(value, facilities[i].name)) {
				a->syslog_facility = facilities[i].value;
				return;
			}
		}
		error_here(p, "syslog-facility",
			   "syslog_facility: '%s' is not a facility (auth,"
			   " authpriv, cron, daemon, ftp, local0-local7, lpr,"
			   " mail, news, syslog, user, uucp)", value);
		mark_bad(p, k);
		break;
	case K_SNMP:
		if (!strcasecmp(value, "yes") || !strcasecmp(value, "no")) {
			a->snmp = !strcasecmp(value, "yes");
			break;
		}
		error_here(p, "boolean", "snmp: '%s' is not yes or no", value);
		mark_bad(p, k);
		break;
	case K_AGENTX_SOCKET:
		/* net-snmp reads it as a transport: "/path", "unix:/path",
		 * "tcp:host:port"; blanks would end it early */
		if (!*value || strpbrk(value, " \t")) {
			error_here(p, "agentx-socket",
				   "agentx_socket: '%s' is not a socket: write"
				   " a path (/var/agentx/master) or a transport"
				   " (tcp:localhost:705)", value);
			mark_bad(p, k);
			break;
		}
		replace(p, &a->agentx_socket, value);
		break;
	case K_AGENTX_PING_INTERVAL:
		/* net-snmp counts it in whole seconds */
		set_duration(p, k, &a->agentx_ping_interval, value, SEC);
		break;
	case K_NOTIFICATION_QUEUE:
		if (parse_uint(value, MAX_NOTIFICATION_QUEUE, &n) || n < 1) {
			error_here(p, "integer",
				   "notification_queue: '%s' is not a whole"
				   " number from 1 to %d", value,
				   MAX_NOTIFICATION_QUEUE);
			mark_bad(p, k);
			break;
		}
		a->notification_queue = (unsigned)n;
		break;
	case K_MAX_COMPONENTS:
		if (parse_uint(value, MAX_MAX_COMPONENTS, &n) || n < 1) {
			error_here(p, "integer",
				   "max_components: '%s' is not a whole number"
				   " from 1 to %d", value, MAX_MAX_COMPONENTS);
			mark_bad(p, k);
			break;
		}
		a->max_components = (size_t)n;
		break;
	case K_RESTART_SILENCE:
		set_duration(p, k, &a->restart_silence, value, 1);
		break;
	case K_RESTART_BURST:
		set_duration(p, k, &a->restart_burst, value, 1);
		break;
	case K_COMPLIANCE:
		if (!strcasecmp(value, "cluster")) {
			a->compliance = CCM_COMPLIANCE_CLUSTER;
		} else if (!strcasecmp(value, "node")) {
			a->compliance = CCM_COMPLIANCE_NODE;
		} else {
			error_here(p, "compliance",
				   "compliance: '%s' is neither cluster (every "
				   "node's events may go to every server, the "
				   "default since 10.0(1)) nor node (per-node "
				   "compliance of older systems)", value);
			mark_bad(p, k);
		}
		break;
	case K_QUEUE_WAIT:
		set_duration(p, k, &a->queue_wait, value, 1);
		break;
	case K_QUEUE_WINDOW:
		set_duration(p, k, &a->queue_window, value, 1);
		break;
	case K_REROUTE_AFTER:
		set_duration(p, k, &a->reroute_after, value, 1);
		break;
	case K_QUEUE_BOUNCES:
		if (parse_uint(value, 1000, &n) || n < 1) {
			error_here(p, "integer",
				   "queue_bounces: '%s' is not a whole number"
				   " from 1 to 1000", value);
			mark_bad(p, k);
			break;
		}
		a->queue_bounces = (unsigned)n;
		break;
	case K_LATENCY_WINDOW:
		set_duration(p, k, &a->latency_window, value, SEC);
		break;
	case K_QUEUE_LATENCY_HIGH:
		set_duration(p, k, &a->queue_latency_high, value, 0);
		break;
	case K_STATUS_CLIENTS:
		if (parse_uint(value, MAX_STATUS_CLIENTS, &n) || n < 1) {
			error_here(p, "integer",
				   "status_clients: '%s' is not a whole number"
				   " from 1 to %d", value, MAX_STATUS_CLIENTS);
			mark_bad(p, k);
			break;
		}
		a->status_clients = (unsigned)n;
		break;
	case K_STATUS_TIMEOUT:
		set_duration(p, k, &a->status_timeout, value, 100);
		break;
	case K_METRICS_LISTEN:
		/* a numeric address: a name would need the resolver before
		 * the agent can serve (ccmon.conf(5)) */
		if (ccm_listen_parse(value, NULL, NULL) < 0) {
			error_here(p, "listen-address",
				   "metrics_listen: '%s' is not an address and"
				   " port: write 127.0.0.1:9917 or [::1]:9917",
				   value);
			mark_bad(p, k);
			break;
		}
		replace(p, &a->metrics_listen, value);
		break;
	case K_MAX_OPEN_FILES:
		/* a few descriptors are the agent's own: sockets, journal */
		if (parse_uint(value, MAX_OPEN_FILES, &n) || n < 1) {
			error_here(p, "integer",
				   "max_open_files: '%s' is not a whole number"
				   " from 1 to %d", value, MAX_OPEN_FILES);
			mark_bad(p, k);
			break;
		}
		a->max_open_files = (unsigned)n;
		break;
	default:
		break;
	}
}

static void set_host(struct parse *p, struct ccm_server *s, const char *value)
{
	const char *c;

	if (!*value) {
		error_here(p, "host-characters", "host: is empty");
		mark_bad(p, K_HOST);
		return;
	}
	for (c = value; *c; c++)
		if (!isascii((unsigned char)*c) ||
		    (!isalnum((unsigned char)*c) && !strchr(".\\-_", *c)))
			break;
	if (*c) {
		error_here(p, "host-characters",
			   "host: '%s' holds '%c'; a host may hold only"
			   " letters, digits, '.', '\\', '-' and '_' (vendor"
			   " rule)", value,
			   isprint((unsigned char)*c) ? *c : '?');
		mark_bad(p, K_HOST);
		return;
	}
	replace(p, &s->host, value);
}

static void set_server(struct parse *p, enum key k, const char *value)
{
	struct ccm_server *s = &p->cfg->servers[p->cur];
	unsigned long n;

	switch (k) {
	case K_S_DESCRIPTION:
		replace(p, &s->description, value);
		break;
	case K_HOST:
		set_host(p, s, value);
		break;
	case K_PORT:
		if (parse_uint(value, 65535, &n) || !n) {
			error_here(p, "port",
				   "port: '%s' is not a port number (1-65535)",
				   value);
			mark_bad(p, k);
			break;
		}
		s->port = (unsigned)n;
		break;
	case K_S_NODE:
		set_node(p, k, &s->node, value);
		break;
	case K_COMPONENT:
		if (!name_chars_ok(value)) {
			error_here(p, "component-name",
				   "component: '%s' is not a component name"
				   " (letters, digits, '.', '-' and '_')",
				   value);
			mark_bad(p, k);
			break;
		}
		replace(p, &s->component, value);
		break;
	case K_PROFILE:
		replace(p, &p->saux[p->cur].profile, value);
		break;
	case K_PROBE:
		for (size_t i = 0; i < ARRAY_SIZE(probe_names); i++) {
			if (!strcasecmp(value, probe_names[i])) {
				s->probe = (enum ccm_probe)i;
				if (s->probe == CCM_PROBE_NONE)
					warn_here(p, "probe-none",
						  "probe = none: with no probe"
						  " an outage that the router"
						  " does not log goes unseen");
				return;
			}
		}
		error_here(p, "probe",
			   "probe: '%s' is not none, tcp or stream", value);
		mark_bad(p, k);
		break;
	case K_PROBE_INTERVAL:
		set_duration(p, k, &s->probe_interval, value, 1);
		break;
	case K_PROBE_TIMEOUT:
		set_duration(p, k, &s->probe_timeout, value, 1);
		break;
	case K_SECRET_FILE:
		set_path(p, k, &s->secret_file, value);
		break;
	default:
		break;
	}
}

/* ---- profile events ------------------------------------------------------ */

static const char *find_event(const char *const *table, size_t n,
			      const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(table[i], name))
			return table[i];
	return NULL;
}

/* The event's static name, or NULL after reporting it. */
static const char *event_name(struct parse *p, enum ccm_event_type type,
			      const char *name)
{
	const char *const *own = type == CCM_EVENT_JSM ? jsm_events : tc_events;
	size_t nown = type == CCM_EVENT_JSM ? ARRAY_SIZE(jsm_events) :
					      ARRAY_SIZE(tc_events);
	const char *const *other = type == CCM_EVENT_JSM ? tc_events :
							   jsm_events;
	size_t nother = type == CCM_EVENT_JSM ? ARRAY_SIZE(tc_events) :
						ARRAY_SIZE(jsm_events);
	const char *found = find_event(own, nown, name);
	const char *hint;

	if (found)
		return found;
	if (find_event(other, nother, name))
		error_here(p, "unknown-event", "'%s' is a %s event: list it"
			   " under '%s', not '%s'", name,
			   type == CCM_EVENT_JSM ? "TC" : "JSM",
			   type == CCM_EVENT_JSM ? "tc" : "jsm",
			   type == CCM_EVENT_JSM ? "jsm" : "tc");
	else if ((hint = suggest(name, own, nown)))
		error_here(p, "unknown-event",
			   "'%s' is not a %s event; did you mean '%s'?", name,
			   type == CCM_EVENT_JSM ? "JSM" : "TC", hint);
	else
		error_here(p, "unknown-event",
			   "'%s' is not a %s event (see ccmon.conf(5) for the"
			   " list)", name,
			   type == CCM_EVENT_JSM ? "JSM" : "TC");
	return NULL;
}

static void event_text(const struct ccm_event *e, char *buf, size_t size)
{
	if (e->type == CCM_EVENT_JSM)
		snprintf(buf, size, "%s:%s", e->name,
			 ccm_packet_name(e->packet));
	else
		snprintf(buf, size, "%s", e->name);
}

/* Adds e unless the profile already has it or an 'all' conflict. */
static void add_event(struct parse *p, struct ccm_profile *pr,
		      const struct ccm_event *e)
{
	struct ccm_event *v;
	char a[96], b[96];

	for (size_t i = 0; i < pr->nevents; i++) {
		const struct ccm_event *o = &pr->events[i];

		if (o->type != e->type || o->name != e->name)
			continue;
		event_text(e, a, sizeof(a));
		if (o->packet == e->packet) {
			error_here(p, "duplicate-event",
				   "%s is listed twice (first at line %u):"
				   " an event may appear once per packet type"
				   " (vendor rule)", a, o->line);
			return;
		}
		if (o->packet == CCM_PACKET_ALL ||
		    e->packet == CCM_PACKET_ALL) {
			event_text(o, b, sizeof(b));
			error_here(p, "all-exclusive",
				   "%s conflicts with %s (line %u): 'all'"
				   " excludes any other packet type for the"
				   " same event (vendor rule)", a, b, o->line);
			return;
		}
	}
	v = realloc(pr->events, (pr->nevents + 1) * sizeof(*v));
	if (!v) {
		p->oom = true;
		return;
	}
	pr->events = v;
	pr->events[pr->nevents++] = *e;
	if (e->handling == CCM_HANDLING_BOUNCE && e->fire_and_forget) {
		event_text(e, a, sizeof(a));
		warn_here(p, "bounce-fire-and-forget",
			  "%s: bounce with fire-and-forget passes the event to"
			  " the compliance server and then discards it; IM&P"
			  " does not process it further (vendor caution)", a);
	}
}

static char *trim(char *s)
{
	s = lskip(s);
	rstrip(s);
	return s;
}

/* CCM_PACKET_NONE when s names no packet type. */
static enum ccm_packet packet_of(const char *s)
{
	for (size_t i = CCM_PACKET_ALL; i < ARRAY_SIZE(packet_names); i++)
		if (!strcasecmp(s, packet_names[i]))
			return (enum ccm_packet)i;
	return CCM_PACKET_NONE;
}

/* One entry: JSM "event:packet:handling[:fire-and-forget]", TC
 * "event:handling[:fire-and-forget]". */
static void parse_event(struct parse *p, struct ccm_profile *pr,
			enum ccm_event_type type, char *entry)
{
	const char *form = type == CCM_EVENT_JSM ?
			   "event:packet:handling[:fire-and-forget]" :
			   "event:handling[:fire-and-forget]";
	size_t need = type == CCM_EVENT_JSM ? 3 : 2;
	char *field[5], *rest = entry, *h;
	size_t n = 0;
	struct ccm_event e = { .type = type, .line = p->lineno };
	bool ok = true;
	char whole[256];

	snprintf(whole, sizeof(whole), "%s", entry);
	while (rest && n < ARRAY_SIZE(field))
		field[n++] = trim(strsep(&rest, ":"));
	if (rest || n < need || n > need + 1) {
		error_here(p, "event-syntax", "'%s': a %s entry is %s", whole,
			   type == CCM_EVENT_JSM ? "jsm" : "tc", form);
		return;
	}
	/* the two forms confused: one finding, not one per field */
	if (type == CCM_EVENT_TC && n == 3 && packet_of(field[1])) {
		error_here(p, "event-syntax", "'%s': TC events have no packet"
			   " type: a tc entry is %s", whole, form);
		return;
	}
	if (type == CCM_EVENT_JSM && n == 3 &&
	    (!strcasecmp(field[1], "bounce") ||
	     !strcasecmp(field[1], "pass"))) {
		error_here(p, "event-syntax", "'%s': the packet type is"
			   " missing: a jsm entry is %s", whole, form);
		return;
	}
	e.name = event_name(p, type, field[0]);
	ok = e.name != NULL;
	if (type == CCM_EVENT_JSM) {
		e.packet = packet_of(field[1]);
		if (!e.packet) {
			error_here(p, "packet-type",
				   "'%s': packet type '%s' is not all, iq,"
				   " message, presence or subscription", whole,
				   field[1]);
			ok = false;
		}
	}
	h = field[need - 1];
	if (!strcasecmp(h, "bounce")) {
		e.handling = CCM_HANDLING_BOUNCE;
	} else if (!strcasecmp(h, "pass")) {
		e.handling = CCM_HANDLING_PASS;
	} else {
		error_here(p, "handling",
			   "'%s': handling '%s' is not bounce or pass", whole,
			   h);
		ok = false;
	}
	if (n == need + 1) {
		if (strcasecmp(field[need], "fire-and-forget")) {
			error_here(p, "event-syntax",
				   "'%s': after the handling only"
				   " 'fire-and-forget' may follow", whole);
			ok = false;
		}
		e.fire_and_forget = true;
	}
	if (ok)
		add_event(p, pr, &e);
}

static void parse_events(struct parse *p, struct ccm_profile *pr,
			 enum ccm_event_type type, const char *value)
{
	char *copy = pstrdup(p, value), *rest = copy, *entry;

	if (!copy)
		return;
	if (!*value)
		error_here(p, "event-syntax", "%s: the list is empty",
			   type == CCM_EVENT_JSM ? "jsm" : "tc");
	while (*value && (entry = strsep(&rest, ",")) != NULL) {
		entry = trim(entry);
		if (!*entry)
			error_here(p, "event-syntax",
				   "%s: empty entry (a stray comma?)",
				   type == CCM_EVENT_JSM ? "jsm" : "tc");
		else
			parse_event(p, pr, type, entry);
	}
	free(copy);
}

static void set_profile(struct parse *p, enum key k, const char *value)
{
	struct ccm_profile *pr = &p->cfg->profiles[p->cur];
	unsigned long n;

	switch (k) {
	case K_P_DESCRIPTION:
		replace(p, &pr->description, value);
		break;
	case K_PRIORITY:
		if (parse_uint(value, 1000000, &n) || !n) {
			error_here(p, "priority",
				   "priority: '%s' is not a positive whole"
				   " number (1 = visited first)", value);
			mark_bad(p, k);
			break;
		}
		pr->priority = (unsigned)n;
		break;
	case K_JSM:
		parse_events(p, pr, CCM_EVENT_JSM, value);
		break;
	case K_TC:
		parse_events(p, pr, CCM_EVENT_TC, value);
		break;
	default:
		break;
	}
}

static void set_pattern(struct parse *p, enum key k, char **field,
			bool *has_key, const char *value)
{
	char why[300];

	if (ccm_queue_pattern_check(value, has_key, why, sizeof(why))) {
		error_here(p, "pattern", "%s: the PCRE2 pattern %s",
			   keydefs[k].name, why);
		mark_bad(p, k);
		return;
	}
	replace(p, field, value);
}

static void set_latency(struct parse *p, enum key k, const char *value)
{
	struct ccm_queue_rule *r = &p->rules[p->cur];
	struct latency_aux *x = &p->laux[p->cur];
	bool key;

	switch (k) {
	case K_L_MATCH:
		set_pattern(p, k, &r->match, &key, value);
		break;
	case K_L_START:
		set_pattern(p, k, &r->start, &x->start_key, value);
		break;
	case K_L_END:
		set_pattern(p, k, &r->end, &x->end_key, value);
		break;
	case K_L_WAIT:
		set_duration(p, k, &r->wait, value, 1);
		break;
	case K_L_ENABLED:
		if (!strcasecmp(value, "yes") || !strcasecmp(value, "no")) {
			x->disabled = !strcasecmp(value, "no");
			break;
		}
		error_here(p, "boolean", "enabled: '%s' is not yes or no",
			   value);
		mark_bad(p, k);
		break;
	default:
		break;
	}
}

/* ---- the handler libinih calls ------------------------------------------- */

static void unknown_key(struct parse *p, const char *name)
{
	const char *cands[K_COUNT];
	const char *hint, *where[3];
	size_t n = 0, nwhere = 0;

	/* a key of another section is more likely misplaced than misspelt */
	for (size_t k = 0; k < K_COUNT; k++)
		if (!strcmp(keydefs[k].name, name))
			where[nwhere++] = sect_names[keydefs[k].sect];
	if (nwhere) {
		error_here(p, "unknown-key",
			   "unknown key '%s' here: it belongs in %s%s%s", name,
			   where[0], nwhere > 1 ? " or " : "",
			   nwhere > 1 ? where[1] : "");
		return;
	}
	for (size_t k = 0; k < K_COUNT; k++)
		if (keydefs[k].sect == p->sect)
			cands[n++] = keydefs[k].name;
	if ((hint = suggest(name, cands, n)))
		error_here(p, "unknown-key",
			   "unknown key '%s'; did you mean '%s'?", name, hint);
	else
		error_here(p, "unknown-key", "unknown key '%s'", name);
}

/* section is libinih's: ours is p->sect (see the top of the file). */
static int on_pair(void *user, const char *section, const char *name,
		   const char *value)
{
	struct parse *p = user;
	size_t k;

	(void)section;
	if (p->sect == SECT_NONE) {
		error_here(p, "no-section",
			   "'%s' comes before any section: put it under"
			   " [agent], [server NAME], [profile NAME] or"
			   " [latency NAME]", name);
		return 1;
	}
	if (p->sect == SECT_IGNORED)
		return 1;
	if (!*name) {
		error_here(p, "syntax", "no key before '='");
		return 1;
	}
	for (k = 0; k < K_COUNT; k++)
		if (keydefs[k].sect == p->sect &&
		    !strcmp(keydefs[k].name, name))
			break;
	if (k == K_COUNT) {
		unknown_key(p, name);
		return 1;
	}
	if (p->keys->at[k] && !keydefs[k].repeatable) {
		error_here(p, "duplicate-key",
			   "'%s' is already set at line %u (only log, jsm and"
			   " tc may repeat)", name, p->keys->at[k]);
		return 1;
	}
	if (!p->keys->at[k])
		p->keys->at[k] = p->lineno;
	if (p->sect == SECT_AGENT)
		set_agent(p, (enum key)k, value);
	else if (p->sect == SECT_SERVER)
		set_server(p, (enum key)k, value);
	else if (p->sect == SECT_LATENCY)
		set_latency(p, (enum key)k, value);
	else
		set_profile(p, (enum key)k, value);
	return 1;
}

/* ---- checks across sections ---------------------------------------------- */

static void check_agent(struct parse *p)
{
	static const enum key required[] = { K_LOG, K_NODE };
	const struct ccm_agent_config *a = &p->cfg->agent;

	for (size_t i = 0; i < ARRAY_SIZE(required); i++) {
		enum key k = required[i];

		if (p->agent_k.at[k])
			continue;
		if (!p->have_agent)
			report(p, CCM_LEVEL_ERROR, 0, "missing-key", "[agent]",
			       "'%s' is required, and the file has no [agent]"
			       " section", keydefs[k].name);
		else
			report(p, CCM_LEVEL_ERROR, a->line, "missing-key",
			       "[agent]", "'%s' is required%s",
			       keydefs[k].name,
			       k == K_LOG ? " (at least one log file pattern)"
					  : " (this IM&P node's name)");
	}
}

static void label_of(char *buf, size_t size, const char *type,
		     const char *name)
{
	snprintf(buf, size, "[%s %s]", type, name);
}

/* Four specific packet types with one handling are the vendor's 'all'. */
static void normalise_all(struct parse *p, struct ccm_profile *pr)
{
	char label[256];

	label_of(label, sizeof(label), "profile", pr->name);
	for (size_t i = 0; i < pr->nevents; i++) {
		struct ccm_event *e = &pr->events[i];
		size_t same[4], n = 0;
		unsigned last = 0;

		if (e->type != CCM_EVENT_JSM || e->packet == CCM_PACKET_ALL)
			continue;
		for (size_t j = i; j < pr->nevents && n < 4; j++) {
			const struct ccm_event *o = &pr->events[j];

			if (o->type == CCM_EVENT_JSM && o->name == e->name &&
			    o->handling == e->handling &&
			    o->fire_and_forget == e->fire_and_forget)
				same[n++] = j;
		}
		if (n < 4)
			continue;
		for (size_t j = 0; j < 4; j++)
			if (pr->events[same[j]].line > last)
				last = pr->events[same[j]].line;
		report(p, CCM_LEVEL_WARNING, last, "all-equivalent", label,
		       "%s with iq, message, presence and subscription is"
		       " the same as all: treated as %s:all:%s%s", e->name,
		       e->name, ccm_handling_name(e->handling),
		       e->fire_and_forget ? ":fire-and-forget" : "");
		e->packet = CCM_PACKET_ALL;
		/* backwards, so that the indices still to go stay valid */
		for (size_t j = 3; j >= 1; j--) {
			size_t at = same[j];

			memmove(&pr->events[at], &pr->events[at + 1],
				(pr->nevents - at - 1) * sizeof(*pr->events));
			pr->nevents--;
		}
	}
}

/* JSM before TC, each kept in the order written. */
static void order_events(struct ccm_profile *pr)
{
	for (size_t i = 1; i < pr->nevents; i++) {
		struct ccm_event x = pr->events[i];
		size_t j = i;

		while (j > 0 && pr->events[j - 1].type > x.type) {
			pr->events[j] = pr->events[j - 1];
			j--;
		}
		pr->events[j] = x;
	}
}

static void check_profiles(struct parse *p)
{
	struct ccm_config *c = p->cfg;
	unsigned max = 0;
	char label[256];

	for (size_t i = 0; i < c->nprofiles; i++) {
		struct ccm_profile *pr = &c->profiles[i];
		const struct keys_seen *ks = &p->paux[i].k;

		if (p->paux[i].ignored)
			continue;
		label_of(label, sizeof(label), "profile", pr->name);
		normalise_all(p, pr);
		order_events(pr);
		/* an event list with errors has been reported already */
		if (!ks->at[K_JSM] && !ks->at[K_TC])
			report(p, CCM_LEVEL_WARNING, pr->line, "empty-profile",
			       label, "has no jsm or tc events: its servers"
			       " would be sent nothing");
		if (!ks->at[K_PRIORITY] || is_bad(ks, K_PRIORITY))
			continue;
		for (size_t j = 0; j < i; j++) {
			const struct ccm_profile *o = &c->profiles[j];
			const struct keys_seen *oks = &p->paux[j].k;

			if (p->paux[j].ignored || !oks->at[K_PRIORITY] ||
			    is_bad(oks, K_PRIORITY) ||
			    o->priority != pr->priority)
				continue;
			report(p, CCM_LEVEL_ERROR, ks->at[K_PRIORITY],
			       "duplicate-priority", label,
			       "priority %u is already [profile %s]'s (line"
			       " %u): priorities must be unique", pr->priority,
			       o->name, oks->at[K_PRIORITY]);
			break;
		}
		if (pr->priority > max)
			max = pr->priority;
	}
	/* the others follow in the order of their sections */
	for (size_t i = 0; i < c->nprofiles; i++) {
		const struct keys_seen *ks = &p->paux[i].k;

		if (!ks->at[K_PRIORITY] || is_bad(ks, K_PRIORITY)) {
			c->profiles[i].priority = ++max;
			c->profiles[i].priority_derived = true;
		}
	}
}

static bool profile_exists(const struct parse *p, const char *name)
{
	if (!strcmp(name, CCM_BUILTIN_PROFILE))
		return true;
	for (size_t i = 0; i < p->cfg->nprofiles; i++)
		if (!p->paux[i].ignored &&
		    !strcmp(p->cfg->profiles[i].name, name))
			return true;
	return false;
}

static void check_profile_ref(struct parse *p, size_t i, const char *label)
{
	const struct server_aux *x = &p->saux[i];
	const struct ccm_config *c = p->cfg;
	const char **cands;
	const char *hint;
	size_t n = 0;

	if (!x->profile || profile_exists(p, x->profile))
		return;
	cands = calloc(c->nprofiles + 1, sizeof(*cands));
	if (!cands) {
		p->oom = true;
		return;
	}
	cands[n++] = CCM_BUILTIN_PROFILE;
	for (size_t j = 0; j < c->nprofiles; j++)
		if (!p->paux[j].ignored)
			cands[n++] = c->profiles[j].name;
	hint = suggest(x->profile, cands, n);
	report(p, CCM_LEVEL_ERROR, x->k.at[K_PROFILE], "unknown-profile", label,
	       "profile '%s' is not defined%s%s%s", x->profile,
	       hint ? "; did you mean '" : " (no [profile] section of that"
					   " name)",
	       hint ? hint : "", hint ? "'?" : "");
	free(cands);
}

static void check_server(struct parse *p, size_t i)
{
	struct ccm_server *s = &p->cfg->servers[i];
	const struct keys_seen *ks = &p->saux[i].k;
	const char *agent_node = p->cfg->agent.node;
	char label[256];

	label_of(label, sizeof(label), "server", s->name);
	if (!ks->at[K_HOST])
		report(p, CCM_LEVEL_ERROR, s->line, "missing-key", label,
		       "'host' is required");
	if (!ks->at[K_PORT])
		report(p, CCM_LEVEL_ERROR, s->line, "missing-key", label,
		       "'port' is required");
	if (!s->node && !ks->at[K_S_NODE] && agent_node) {
		s->node = pstrdup(p, agent_node);
		s->node_derived = true;
	}
	if (!s->component && !ks->at[K_COMPONENT] && s->node) {
		s->component = ccm_component_name(s->name, s->node);
		if (!s->component)
			p->oom = true;
		s->component_derived = true;
	}
	check_profile_ref(p, i, label);
	if (!is_bad(ks, K_PROBE_TIMEOUT) && !is_bad(ks, K_PROBE_INTERVAL) &&
	    s->probe_timeout >= s->probe_interval) {
		char t[48], v[48];
		unsigned line = ks->at[K_PROBE_TIMEOUT] ?
				ks->at[K_PROBE_TIMEOUT] :
				ks->at[K_PROBE_INTERVAL] ?
				ks->at[K_PROBE_INTERVAL] : s->line;

		report(p, CCM_LEVEL_ERROR, line, "probe-timeout", label,
		       "probe_timeout (%s) must be shorter than probe_interval"
		       " (%s)", format_duration(s->probe_timeout, t),
		       format_duration(s->probe_interval, v));
	}
}

static void check_servers(struct parse *p)
{
	struct ccm_config *c = p->cfg;
	char label[256];

	for (size_t i = 0; i < c->nservers; i++)
		if (!p->saux[i].ignored)
			check_server(p, i);
	for (size_t j = 0; j < c->nservers; j++) {
		const struct ccm_server *s = &c->servers[j];
		const struct keys_seen *ks = &p->saux[j].k;

		if (p->saux[j].ignored)
			continue;
		label_of(label, sizeof(label), "server", s->name);
		for (size_t i = 0; i < j; i++) {
			const struct ccm_server *o = &c->servers[i];

			if (p->saux[i].ignored || !s->node || !o->node ||
			    !s->host || !o->host || !s->port ||
			    s->port != o->port ||
			    strcasecmp(s->host, o->host) ||
			    strcasecmp(s->node, o->node))
				continue;
			report(p, CCM_LEVEL_ERROR, s->line, "duplicate-server",
			       label, "%s port %u is already [server %s] (line"
			       " %u) on node %s: a node cannot have the same"
			       " compliance server twice (vendor rule)",
			       s->host, s->port, o->name, o->line, s->node);
			break;
		}
		for (size_t i = 0; i < j; i++) {
			const struct ccm_server *o = &c->servers[i];

			if (p->saux[i].ignored || !s->component ||
			    !o->component ||
			    strcasecmp(s->component, o->component))
				continue;
			report(p, CCM_LEVEL_ERROR,
			       ks->at[K_COMPONENT] ? ks->at[K_COMPONENT] :
						     s->line,
			       "duplicate-component", label,
			       "component %s%s is already [server %s]'s (line"
			       " %u): each server needs its own component name",
			       s->component,
			       s->component_derived ? " (derived)" : "",
			       o->name, o->line);
			break;
		}
	}
}

static void check_unused(struct parse *p)
{
	const struct ccm_config *c = p->cfg;
	char label[256];

	for (size_t i = 0; i < c->nprofiles; i++) {
		const struct ccm_profile *pr = &c->profiles[i];
		bool used = false;

		if (p->paux[i].ignored || pr->builtin)
			continue;
		for (size_t j = 0; j < c->nservers && !used; j++)
			used = !p->saux[j].ignored && p->saux[j].profile &&
			       !strcmp(p->saux[j].profile, pr->name);
		if (used)
			continue;
		label_of(label, sizeof(label), "profile", pr->name);
		report(p, CCM_LEVEL_WARNING, pr->line, "unused-profile", label,
		       "is assigned to no server");
	}
}

/* doc/domain.md "The built-in profile".  Handling, which the vendor does
 * not state: bounce where a message or group-chat event waits (a user then
 * sees an error rather than a silent loss), pass for session events
 * (logins and logouts go on unlogged when the server is away). */
#define JSM(name, packet, handling) \
	{ CCM_EVENT_JSM, name, CCM_PACKET_##packet, CCM_HANDLING_##handling, \
	  false, 0 }
#define TC(name, handling) \
	{ CCM_EVENT_TC, name, CCM_PACKET_NONE, CCM_HANDLING_##handling, \
	  false, 0 }
static const struct ccm_event builtin_events[] = {
	JSM("e_SESSION", ALL, PASS),
	JSM("es_END", ALL, PASS),
	JSM("es_IN", MESSAGE, BOUNCE),
	JSM("es_OUT", MESSAGE, BOUNCE),
	TC("onBeforeInvite", BOUNCE),
	TC("onBeforeJoin", BOUNCE),
	TC("onBeforeRoomCreate", BOUNCE),
	TC("onBeforeSend", BOUNCE),
	TC("onLeave", BOUNCE),
};
#undef JSM
#undef TC

/* Last in priority: it comes with every system, and a configured profile
 * is the operator's deliberate choice. */
static void add_builtin(struct parse *p)
{
	struct ccm_config *c = p->cfg;
	struct ccm_profile *pr;
	unsigned max = 0;

	for (size_t i = 0; i < c->nprofiles; i++)
		if (c->profiles[i].priority > max)
			max = c->profiles[i].priority;
	pr = add_profile(p, CCM_BUILTIN_PROFILE, false);
	if (!pr)
		return;
	pr->line = 0;
	pr->builtin = true;
	pr->priority = max + 1;
	pr->priority_derived = true;
	pr->events = malloc(sizeof(builtin_events));
	if (!pr->events) {
		p->oom = true;
		return;
	}
	memcpy(pr->events, builtin_events, sizeof(builtin_events));
	pr->nevents = ARRAY_SIZE(builtin_events);
	/* one spelling of each name, so that names compare as pointers */
	for (size_t i = 0; i < pr->nevents; i++) {
		struct ccm_event *e = &pr->events[i];

		if (e->type == CCM_EVENT_JSM)
			e->name = find_event(jsm_events, ARRAY_SIZE(jsm_events),
					     e->name);
		else
			e->name = find_event(tc_events, ARRAY_SIZE(tc_events),
					     e->name);
	}
}

static int by_priority(const void *a, const void *b)
{
	const struct ccm_profile *x = a, *y = b;

	return (x->priority > y->priority) - (x->priority < y->priority);
}

/* One form per rule: a line that stands for a known wait (match, wait),
 * or a pair (start, end) joined by the same groups. */
static void check_rule(struct parse *p, size_t i)
{
	const struct ccm_queue_rule *r = &p->rules[i];
	const struct latency_aux *x = &p->laux[i];
	const unsigned *at = x->k.at;
	char label[300];

	if (x->ignored || x->disabled)
		return;
	label_of(label, sizeof(label), "latency", r->name);
	if (is_bad(&x->k, K_L_MATCH) || is_bad(&x->k, K_L_START) ||
	    is_bad(&x->k, K_L_END))
		return;
	if (at[K_L_MATCH] && (at[K_L_START] || at[K_L_END]))
		report(p, CCM_LEVEL_ERROR, at[K_L_START] ? at[K_L_START] :
		       at[K_L_END], "latency-form", label,
		       "has match and start/end: a rule is either one line"
		       " (match, wait) or a pair of lines (start, end)");
	else if (!at[K_L_MATCH] && !at[K_L_START] && !at[K_L_END])
		report(p, CCM_LEVEL_ERROR, r->line, "latency-form", label,
		       "needs match (one line per event that waited) or"
		       " start and end (a pair of lines around the wait)");
	else if (!at[K_L_MATCH] && (!at[K_L_START] || !at[K_L_END]))
		report(p, CCM_LEVEL_ERROR, r->line, "latency-form", label,
		       "has %s without %s: a pair needs both",
		       at[K_L_START] ? "start" : "end",
		       at[K_L_START] ? "end" : "start");
	else if (at[K_L_WAIT] && !at[K_L_MATCH])
		report(p, CCM_LEVEL_ERROR, at[K_L_WAIT], "latency-form", label,
		       "wait is for a match rule: a pair measures its own"
		       " wait");
	else if (!at[K_L_MATCH] && x->start_key != x->end_key)
		report(p, CCM_LEVEL_ERROR, x->start_key ? at[K_L_END] :
		       at[K_L_START], "latency-key", label,
		       "only %s has a group (?<key>...): give both or neither,"
		       " so that an end finds its start",
		       x->start_key ? "start" : "end");
}

/* The enabled rules, then the built-in one unless a section of its name
 * replaced or disabled it.  The strings move to the configuration. */
static void collect_rules(struct parse *p)
{
	struct ccm_config *c = p->cfg;
	bool builtin = true;

	c->queue_rules = calloc(p->nrules + 1, sizeof(*c->queue_rules));
	if (!c->queue_rules) {
		p->oom = true;
		return;
	}
	for (size_t i = 0; i < p->nrules; i++) {
		struct ccm_queue_rule *r = &p->rules[i];

		if (p->laux[i].ignored)
			continue;
		if (!strcmp(r->name, CCM_QUEUE_BUILTIN)) {
			builtin = false;
			c->builtin_rule_off = p->laux[i].disabled;
		}
		if (p->laux[i].disabled)
			continue;
		c->queue_rules[c->nqueue_rules++] = *r;
		memset(r, 0, sizeof(*r));
	}
	if (builtin) {
		const struct ccm_queue_rule *b = ccm_queue_rule_builtin();
		struct ccm_queue_rule *r = &c->queue_rules[c->nqueue_rules];

		r->name = pstrdup(p, b->name);
		r->match = pstrdup(p, b->match);
		c->nqueue_rules++;
	}
}

static void finish(struct parse *p)
{
	struct ccm_config *c = p->cfg;

	check_agent(p);
	for (size_t i = 0; i < p->nrules; i++)
		check_rule(p, i);
	collect_rules(p);
	check_profiles(p);
	add_builtin(p);
	check_servers(p);
	check_unused(p);
	if (p->oom)
		return;
	qsort(c->profiles, c->nprofiles, sizeof(*c->profiles), by_priority);
	for (size_t i = 0; i < c->nservers; i++) {
		const char *name = p->saux[i].profile ? p->saux[i].profile :
				   CCM_BUILTIN_PROFILE;

		c->servers[i].profile = ccm_config_profile(c, name);
	}
}

static void parse_release(struct parse *p)
{
	for (size_t i = 0; i < p->nrules; i++)
		rule_release(&p->rules[i]);
	free(p->rules);
	free(p->laux);
	for (size_t i = 0; i < p->cfg->nservers; i++)
		free(p->saux[i].profile);
	free(p->saux);
	free(p->paux);
	free(p->buf);
	free(p->label);
	agent_release(&p->spare_agent);
}

int ccm_config_load(const char *path, struct ccm_config **out,
		    struct ccm_findings *findings)
{
	struct parse p = { .path = path, .fnd = findings };
	size_t first = findings->n, errors = findings->errors;
	bool was_oom = findings->oom;
	char *text = NULL;
	size_t len = 0;
	int rc, code;

	*out = NULL;
	p.cfg = calloc(1, sizeof(*p.cfg));
	if (!p.cfg || agent_defaults(&p.cfg->agent) ||
	    agent_defaults(&p.spare_agent) || !(p.cfg->path = strdup(path))) {
		if (p.cfg)
			agent_release(&p.cfg->agent);
		agent_release(&p.spare_agent);
		free(p.cfg);
		return -1;
	}
	/* read whole, bounded, from a regular file only: a FIFO would hang
	 * the agent and /dev/zero fill its memory */
	code = ccm_read_file(path, O_RDONLY, CCM_CONFIG_MAX_BYTES, &text,
			     &len);
	if (code == -EFBIG)
		report(&p, CCM_LEVEL_ERROR, 0, "too-large", NULL,
		       "larger than %zu KiB: not a configuration file",
		       CCM_CONFIG_MAX_BYTES >> 10);
	else if (code == -EIO)
		report(&p, CCM_LEVEL_ERROR, 0, "read", NULL, "cannot read: %s",
		       strerror(EIO));
	else if (code < 0)
		report(&p, CCM_LEVEL_ERROR, 0, "open", NULL, "cannot open: %s",
		       ccm_open_strerror(-code));
	else if (!(p.file = fmemopen(text, len, "r")))
		p.oom = true;
	if (p.file) {
		rc = ini_parse_stream(read_line, &p, on_pair, &p);
		if (rc == -2)
			p.oom = true;
		if (p.read_errno)
			report(&p, CCM_LEVEL_ERROR, 0, "read", NULL,
			       "cannot read: %s", strerror(p.read_errno));
		else
			finish(&p);
		fclose(p.file);
	}
	free(text);
	parse_release(&p);
	findings_sort(findings, first);
	if (p.oom || (findings->oom && !was_oom)) {
		ccm_config_free(p.cfg);
		return -1;
	}
	if (findings->errors > errors) {
		ccm_config_free(p.cfg);
		return (int)(findings->errors - errors);
	}
	*out = p.cfg;
	return 0;
}

/* ---- lookups ------------------------------------------------------------- */

const struct ccm_server *ccm_config_server(const struct ccm_config *c,
					   const char *name)
{
	for (size_t i = 0; i < c->nservers; i++)
		if (!strcmp(c->servers[i].name, name))
			return &c->servers[i];
	return NULL;
}

const struct ccm_server *
ccm_config_server_by_component(const struct ccm_config *c,
			       const char *component)
{
	for (size_t i = 0; i < c->nservers; i++)
		if (c->servers[i].component &&
		    !strcasecmp(c->servers[i].component, component))
			return &c->servers[i];
	return NULL;
}

const struct ccm_profile *ccm_config_profile(const struct ccm_config *c,
					     const char *name)
{
	for (size_t i = 0; i < c->nprofiles; i++)
		if (!strcmp(c->profiles[i].name, name))
			return &c->profiles[i];
	return NULL;
}

/* ---- the effective configuration ----------------------------------------- */

/* One "key = value" line, with a comment when it fits libinih's limit. */
static void kv(FILE *out, const char *prefix, const char *key,
	       const char *value, const char *note)
{
	size_t len = strlen(prefix) + strlen(key) + 3 + strlen(value);

	if (note && len + 3 + strlen(note) <= INI_LINE_MAX)
		fprintf(out, "%s%s = %s ; %s\n", prefix, key, value, note);
	else if (len <= INI_LINE_MAX)
		fprintf(out, "%s%s = %s\n", prefix, key, value);
	else
		fprintf(out, "%s%s=%s\n", prefix, key, value);
}

static void kv_duration(FILE *out, const char *key, ccm_ms d)
{
	char buf[48];

	kv(out, "", key, format_duration(d, buf), NULL);
}

static void print_agent(const struct ccm_agent_config *a, FILE *out)
{
	char buf[48];

	fputs("[agent]\n", out);
	for (size_t i = 0; i < a->nlogs; i++)
		kv(out, "", "log", a->logs[i], NULL);
	kv(out, "", "node", a->node, NULL);
	kv(out, "", "state_dir", a->state_dir, NULL);
	kv(out, "", "runtime_dir", a->runtime_dir, NULL);
	kv_duration(out, "auth_timeout", a->auth_timeout);
	kv(out, "", "log_silent_after",
	   format_duration(a->log_silent_after, buf),
	   a->log_silent_after ? NULL : "0: never");
	kv_duration(out, "alarm_raise_hold", a->alarm_raise_hold);
	kv_duration(out, "alarm_clear_hold", a->alarm_clear_hold);
	kv(out, "", "flap_window", format_duration(a->flap_window, buf),
	   a->flap_window ? NULL : "0: no flap detection");
	fprintf(out, "flap_threshold = %u\n", a->flap_threshold);
	fprintf(out, "alarm_rate_limit = %u/%s\n", a->alarm_rate_limit.count,
		a->alarm_rate_limit.period == SEC ? "s" :
		a->alarm_rate_limit.period == MIN ? "m" : "h");
	kv(out, "", "max_line", format_size(a->max_line, buf), NULL);
	kv(out, "", "syslog_facility",
	   ccm_syslog_facility_name(a->syslog_facility), NULL);
	kv(out, "", "snmp", a->snmp ? "yes" : "no", NULL);
	if (a->agentx_socket)
		kv(out, "", "agentx_socket", a->agentx_socket, NULL);
	else
		fputs("; agentx_socket: net-snmp's default\n", out);
	kv_duration(out, "agentx_ping_interval", a->agentx_ping_interval);
	fprintf(out, "notification_queue = %u\n", a->notification_queue);
	fprintf(out, "max_components = %zu\n", a->max_components);
	kv(out, "", "compliance", a->compliance == CCM_COMPLIANCE_NODE ?
	   "node" : "cluster", NULL);
	kv_duration(out, "queue_wait", a->queue_wait);
	kv_duration(out, "queue_window", a->queue_window);
	kv_duration(out, "reroute_after", a->reroute_after);
	fprintf(out, "queue_bounces = %u\n", a->queue_bounces);
	kv_duration(out, "latency_window", a->latency_window);
	kv(out, "", "queue_latency_high",
	   format_duration(a->queue_latency_high, buf),
	   a->queue_latency_high ? NULL : "0: no alarm");
	fprintf(out, "status_clients = %u\n", a->status_clients);
	kv_duration(out, "status_timeout", a->status_timeout);
	fprintf(out, "max_open_files = %u\n", a->max_open_files);
	kv_duration(out, "restart_silence", a->restart_silence);
	kv_duration(out, "restart_burst", a->restart_burst);
	if (a->metrics_listen)
		kv(out, "", "metrics_listen", a->metrics_listen, NULL);
	else
		fputs("; metrics_listen: off\n", out);
}

static void print_rule(const struct ccm_queue_rule *r, ccm_ms queue_wait,
		       FILE *out)
{
	/* the built-in rule as a comment, like the built-in profile: the
	 * printed file reads back to the same configuration */
	const char *prefix = r->line ? "" : "; ";
	char buf[48];

	fprintf(out, "\n%s[latency %s]\n", prefix, r->name);
	if (!r->line)
		fputs("; built in: used unless a section of this name replaces"
		      " or disables it\n", out);
	if (r->match) {
		kv(out, prefix, "match", r->match, NULL);
		if (r->wait)
			kv_duration(out, "wait", r->wait);
		else
			fprintf(out, "; wait: queue_wait (%s)\n",
				format_duration(queue_wait, buf));
	} else {
		kv(out, prefix, "start", r->start, NULL);
		kv(out, prefix, "end", r->end, NULL);
	}
}

static void print_server(const struct ccm_server *s, FILE *out)
{
	fprintf(out, "\n[server %s]\n", s->name);
	if (s->description)
		kv(out, "", "description", s->description, NULL);
	kv(out, "", "host", s->host, NULL);
	fprintf(out, "port = %u\n", s->port);
	kv(out, "", "node", s->node,
	   s->node_derived ? "default: [agent] node" : NULL);
	/* Derived from a long server name, it may not fit a line libinih
	 * reads: as a comment, for it is derived again when read back. */
	if (s->component_derived &&
	    strlen("component=") + strlen(s->component) > INI_LINE_MAX)
		fprintf(out, "; component = %s ; derived: op-NAME.NODE\n",
			s->component);
	else
		kv(out, "", "component", s->component,
		   s->component_derived ?
		   "derived: op-NAME.NODE, dots as dashes" : NULL);
	kv(out, "", "profile", s->profile->name, NULL);
	kv(out, "", "probe", ccm_probe_name(s->probe), NULL);
	kv_duration(out, "probe_interval", s->probe_interval);
	kv_duration(out, "probe_timeout", s->probe_timeout);
	/* the path only: the secret is read by the probes that need it */
	if (s->secret_file)
		kv(out, "", "secret_file", s->secret_file, NULL);
}

/* "jsm = a, b, c" lines of up to 78 columns, as many as it takes. */
static void print_events(const struct ccm_profile *pr, enum ccm_event_type t,
			 const char *prefix, FILE *out)
{
	const char *key = t == CCM_EVENT_JSM ? "jsm" : "tc";
	size_t col = 0;

	for (size_t i = 0; i < pr->nevents; i++) {
		const struct ccm_event *e = &pr->events[i];
		char item[128];
		size_t len;

		if (e->type != t)
			continue;
		if (t == CCM_EVENT_JSM)
			len = (size_t)snprintf(item, sizeof(item), "%s:%s:%s%s",
					       e->name,
					       ccm_packet_name(e->packet),
					       ccm_handling_name(e->handling),
					       e->fire_and_forget ?
					       ":fire-and-forget" : "");
		else
			len = (size_t)snprintf(item, sizeof(item), "%s:%s%s",
					       e->name,
					       ccm_handling_name(e->handling),
					       e->fire_and_forget ?
					       ":fire-and-forget" : "");
		if (col && col + 2 + len > 78) {
			fputc('\n', out);
			col = 0;
		}
		if (col)
			col += (size_t)fprintf(out, ", %s", item);
		else
			col = (size_t)fprintf(out, "%s%s = %s", prefix, key,
					      item);
	}
	if (col)
		fputc('\n', out);
}

static void print_profile(const struct ccm_profile *pr, FILE *out)
{
	const char *prefix = pr->builtin ? "; " : "";
	char num[16];

	if (pr->builtin)
		fprintf(out, "\n; [profile %s]\n; built in and read-only:"
			" shown for reference, not to be written\n", pr->name);
	else
		fprintf(out, "\n[profile %s]\n", pr->name);
	if (pr->description)
		kv(out, prefix, "description", pr->description, NULL);
	snprintf(num, sizeof(num), "%u", pr->priority);
	kv(out, prefix, "priority", num,
	   pr->priority_derived && !pr->builtin ?
	   "default: after the written ones, in section order" : NULL);
	print_events(pr, CCM_EVENT_JSM, prefix, out);
	print_events(pr, CCM_EVENT_TC, prefix, out);
}

int ccm_config_print(const struct ccm_config *c, FILE *out)
{
	fprintf(out, "; ccmon effective configuration from %s\n"
		"; (defaults and derived names filled in)\n\n", c->path);
	print_agent(&c->agent, out);
	for (size_t i = 0; i < c->nservers; i++)
		print_server(&c->servers[i], out);
	for (size_t i = 0; i < c->nprofiles; i++)
		print_profile(&c->profiles[i], out);
	for (size_t i = 0; i < c->nqueue_rules; i++)
		print_rule(&c->queue_rules[i], c->agent.queue_wait, out);
	if (c->builtin_rule_off)
		fprintf(out, "\n[latency %s]\nenabled = no\n",
			CCM_QUEUE_BUILTIN);
	return ferror(out) ? -1 : 0;
}

int ccm_listen_parse(const char *s, struct sockaddr_storage *out,
		     unsigned *len)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon, *h = s;
	size_t hl;
	unsigned long port;
	char *end;

	if (!s)
		return -1;
	if (*s == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return -1;
		h = s + 1;
		hl = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -1;
		hl = (size_t)(colon - s);
	}
	if (hl == 0 || hl >= sizeof(host) || !isdigit((unsigned char)colon[1]))
		return -1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || *end || port < 1 || port > 65535)
		return -1;
	memset(&ss, 0, sizeof(ss));
	if (*s != '[' && inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		if (len)
			*len = sizeof(*v4);
	} else if (*s == '[' && inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		if (len)
			*len = sizeof(*v6);
	} else {
		return -1;
	}
	if (out)
		*out = ss;
	return 0;
}

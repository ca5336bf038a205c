/* SPDX-License-Identifier: ISC */
/* `ccmon status`: what the running agent sees, from its status socket.
 *
 * Read-only: it asks the agent and never touches the agent's files but to
 * read the state file when the agent is not running, so that the alarms it
 * left raised are still on view. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "agent/core/alarm_persist.h"
#include "agent/util/clock.h"
#include "agent/io/state.h"
#include "agent/io/status_server.h"
#include "agent/util/text_clean.h"
#include "agent/util/json_add.h"
#include "parsers/duration.h"

#define EXIT_ERRORS 1
#define EXIT_USAGE 2
#define EXIT_NOT_RUNNING 3

#define FETCH_TIMEOUT_MS 5000
#define ANSWER_MAX ((size_t)64 << 20)
#define STATE_FILE "state.json"
/* Connects wait this long between tries while the agent's backlog is
 * full. */
#define BACKLOG_RETRY_MS 20
/* ... and after an empty answer, while it serves as many as it will. */
#define BUSY_RETRY_MS 50

/* ---- the client ---------------------------------------------------------- */

static int remaining(int64_t deadline)
{
	int64_t left = deadline - (int64_t)(ccm_now_mono_usec() / 1000u);

	return left < 0 ? 0 : (int)left;
}

/* Waits for events on fd until the deadline.  Returns 0, or -ETIMEDOUT. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = events };

	for (;;) {
		int n = poll(&p, 1, remaining(deadline));

		if (n > 0)
			return 0;
		if (n == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

static int connect_within(int fd, const struct sockaddr_un *sa,
			  int64_t deadline)
{
	for (;;) {
		int err = 0;
		socklen_t elen = sizeof(err);

		if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0)
			return 0;
		switch (errno) {
		case EINTR:
			continue;
		case EAGAIN:
			/* a unix socket's backlog is full: the agent is
			 * busy answering others; try again shortly */
			if (remaining(deadline) == 0)
				return -ETIMEDOUT;
			poll(NULL, 0, BACKLOG_RETRY_MS);
			continue;
		case EINPROGRESS:
			err = wait_fd(fd, POLLOUT, deadline);
			if (err)
				return err;
			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err,
				       &elen) < 0)
				return -errno;
			return -err;
		default:
			return -errno;
		}
	}
}

static int fetch_once(const char *path, int64_t deadline, char **out,
		      size_t *len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *buf = NULL;
	size_t n = 0, cap = 0;
	int fd, rc;

	*out = NULL;
	*len = 0;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	rc = connect_within(fd, &sa, deadline);
	while (rc == 0) {
		ssize_t got;

		if (cap - n < 4096) {
			size_t ncap = cap ? cap * 2 : 16384;
			char *nb;

			if (ncap > ANSWER_MAX + 1)
				ncap = ANSWER_MAX + 1;
			if (ncap - n < 2) {
				rc = -EMSGSIZE;
				break;
			}
			nb = realloc(buf, ncap);
			if (!nb) {
				rc = -ENOMEM;
				break;
			}
			buf = nb;
			cap = ncap;
		}
		/* one byte kept for the NUL */
		got = read(fd, buf + n, cap - n - 1);
		if (got > 0) {
			n += (size_t)got;
		} else if (got == 0) {
			break;
		} else if (errno == EAGAIN) {
			rc = wait_fd(fd, POLLIN, deadline);
		} else if (errno != EINTR) {
			rc = -errno;
		}
	}
	close(fd);
	if (rc) {
		free(buf);
		return rc;
	}
	if (!buf && !(buf = malloc(1)))
		return -ENOMEM;
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

int ccm_status_fetch(const char *path, int timeout_ms, char **out,
		     size_t *len)
{
	int64_t deadline = (int64_t)(ccm_now_mono_usec() / 1000u) + timeout_ms;

	for (;;) {
		int rc = fetch_once(path, deadline, out, len);

		if (rc || *len)
			return rc;
		/* an empty answer: the agent serves as many as it will */
		free(*out);
		*out = NULL;
		if (remaining(deadline) == 0)
			return -EBUSY;
		poll(NULL, 0, remaining(deadline) < BUSY_RETRY_MS ?
			      remaining(deadline) : BUSY_RETRY_MS);
	}
}

/* ---- the human form ------------------------------------------------------ */

#define CELL_MAX 1200

/* A JSON member as text for a terminal, in buf: cleaned for display
 * (agent/util/text_clean.h), since a log line could smuggle escape sequences
 * into a component name.  "-" for null or absent. */
static const char *cell(struct json_object *o, const char *key, char *buf,
			size_t size)
{
	struct json_object *v;
	const char *s = "-";

	if (json_object_object_get_ex(o, key, &v) && v)
		s = json_object_get_string(v);
	ccm_text_clean_into(buf, size, s, strlen(s), CCM_TEXT_DISPLAY, NULL);
	return buf;
}

/* A JSON document for a script: valid UTF-8 whatever it holds. */
static void put_json(const char *s, size_t n, FILE *out)
{
	char *t = ccm_text_clean(s, n, CCM_TEXT_UTF8, &n);

	if (!t) {
		fputs("ccmon status: out of memory\n", stderr);
		return;
	}
	fwrite(t, 1, n, out);
	if (!n || t[n - 1] != '\n')
		fputc('\n', out);
	free(t);
}

/* The columns of the tables; a row fills them as text. */
#define COLS 8
struct table {
	const char *head[COLS];
	size_t ncols;
	bool right[COLS];
	void (*fill)(struct json_object *row, char cells[COLS][CELL_MAX]);
};

/* Columns a cleaned cell takes: one per character (the bytes that do
 * not continue a UTF-8 sequence). */
static size_t columns(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static void print_table(const struct table *t, struct json_object *rows,
			FILE *out)
{
	size_t n = json_object_array_length(rows);
	size_t width[COLS];
	char(*cells)[CELL_MAX] = malloc(COLS * CELL_MAX);

	if (!cells) {
		fputs("(out of memory)\n", out);
		return;
	}
	for (size_t c = 0; c < t->ncols; c++)
		width[c] = columns(t->head[c]);
	for (size_t r = 0; r < n; r++) {
		t->fill(json_object_array_get_idx(rows, r), cells);
		for (size_t c = 0; c < t->ncols; c++)
			if (columns(cells[c]) > width[c])
				width[c] = columns(cells[c]);
	}
	for (size_t r = 0; r <= n; r++) {
		if (r > 0)
			t->fill(json_object_array_get_idx(rows, r - 1), cells);
		for (size_t c = 0; c < t->ncols; c++) {
			const char *s = r ? cells[c] : t->head[c];
			bool last = c + 1 == t->ncols;
			size_t pad = width[c] - columns(s);

			if (t->right[c])
				fprintf(out, "%*s", (int)pad, "");
			fputs(s, out);
			/* no padding after the last column */
			if (!last)
				fprintf(out, "%*s  ", t->right[c] ? 0 : (int)pad,
					"");
		}
		fputc('\n', out);
	}
	free(cells);
}

static void fill_component(struct json_object *o, char cells[COLS][CELL_MAX])
{
	struct json_object *probe =
		ccm_json_member(o, "probe", json_type_object);
	char a[64], b[64], res[64];

	cell(o, "name", cells[0], CELL_MAX);
	cell(o, "server", cells[1], CELL_MAX);
	cell(o, "state", cells[2], CELL_MAX);
	cell(o, "transitions", cells[3], CELL_MAX);
	cell(o, "last_change", cells[4], CELL_MAX);
	if (!probe) {
		snprintf(cells[5], CELL_MAX, "-");
	} else if (!ccm_json_member(probe, "result", json_type_string)) {
		snprintf(cells[5], CELL_MAX, "no probe yet");
	} else if (!ccm_json_member(probe, "last_ms", json_type_double) &&
		   !ccm_json_member(probe, "last_ms", json_type_int)) {
		snprintf(cells[5], CELL_MAX, "%s",
			 cell(probe, "result", res, sizeof(res)));
	} else {
		snprintf(cells[5], CELL_MAX, "%s %s/%s",
			 cell(probe, "result", res, sizeof(res)),
			 cell(probe, "last_ms", a, sizeof(a)),
			 cell(probe, "mean_ms", b, sizeof(b)));
	}
}

static void fill_alarm(struct json_object *o, char cells[COLS][CELL_MAX])
{
	struct json_object *cond =
		ccm_json_member(o, "condition", json_type_boolean);
	struct json_object *flap =
		ccm_json_member(o, "flapping", json_type_boolean);
	enum ccm_alarm_severity sev;
	char text[CELL_MAX - 32];

	cell(o, "severity", cells[0], CELL_MAX);
	if (ccm_alarm_severity_from_name(cells[0], &sev) == 0)
		snprintf(cells[0], CELL_MAX, "%s",
			 ccm_alarm_severity_label(sev));
	cell(o, "type", cells[1], CELL_MAX);
	cell(o, "resource", cells[2], CELL_MAX);
	cell(o, "since", cells[3], CELL_MAX);
	snprintf(cells[4], CELL_MAX, "%s%s%s",
		 cell(o, "text", text, sizeof(text)),
		 flap && json_object_get_boolean(flap) ? " [flapping]" : "",
		 cond && !json_object_get_boolean(cond) ? " [clearing]" : "");
}

static const struct table component_table = {
	.head = { "COMPONENT", "SERVER", "STATE", "TRANSITIONS",
		  "LAST-CHANGE", "PROBE last/mean ms" },
	.ncols = 6,
	.right = { [3] = true },
	.fill = fill_component,
};

/* A component's waits over the window; "-" for figures without a wait. */
static void fill_queue(struct json_object *o, char cells[COLS][CELL_MAX])
{
	static const char *const keys[] = { "waits", "mean_ms", "p50_ms",
					    "p95_ms", "p99_ms", "max_ms",
					    "total" };
	struct json_object *q = ccm_json_member(o, "queue", json_type_object);

	cell(o, "name", cells[0], CELL_MAX);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (q)
			cell(q, keys[i], cells[i + 1], CELL_MAX);
		else
			snprintf(cells[i + 1], CELL_MAX, "-");
	}
}

static const struct table queue_table = {
	.head = { "COMPONENT", "WAITS", "MEAN", "P50", "P95", "P99", "MAX",
		  "TOTAL" },
	.ncols = 8,
	.right = { false, true, true, true, true, true, true, true },
	.fill = fill_queue,
};

static const struct table alarm_table = {
	.head = { "SEVERITY", "TYPE", "RESOURCE", "SINCE", "TEXT" },
	.ncols = 5,
	.fill = fill_alarm,
};

static void print_alarms(struct json_object *alarms, FILE *out)
{
	if (json_object_array_length(alarms) == 0)
		fputs("No active alarms.\n", out);
	else
		print_table(&alarm_table, alarms, out);
}

/* The components events waited on since the agent started.  None is the
 * usual case: then nothing is printed, not an empty table. */
static void print_queues(struct json_object *agent, struct json_object *comps,
			 FILE *out)
{
	struct json_object *waited = json_object_new_array();
	struct json_object *win = ccm_json_member(agent, "latency_window_s",
					 json_type_int);
	int64_t w = win ? json_object_get_int64(win) : 0;
	char wbuf[CCM_DURATION_STRLEN];

	if (!waited) {
		fputs("(out of memory)\n", out);
		return;
	}
	for (size_t i = 0; i < json_object_array_length(comps); i++) {
		struct json_object *c = json_object_array_get_idx(comps, i);
		struct json_object *q =
			ccm_json_member(c, "queue", json_type_object);
		struct json_object *total = q ?
			ccm_json_member(q, "total", json_type_int) : NULL;

		if (total && json_object_get_int64(total) > 0)
			json_object_array_add(waited, json_object_get(c));
	}
	if (json_object_array_length(waited) > 0) {
		/* bounded: the document is another process's */
		fprintf(out, "\nQueue waits (ms) in the last %s, and in all:\n",
			w > 0 && w < INT64_MAX / 1000 ?
				ccm_duration_format_short(w * 1000, wbuf) :
				"window");
		print_table(&queue_table, waited, out);
	}
	json_object_put(waited);
}

static void print_agent(struct json_object *agent, FILE *out)
{
	char v[CELL_MAX], now[64], lines[32], rec[32], files[32], rot[32];
	char conf[CELL_MAX];

	fprintf(out, "ccmond (%s) at %s, configuration %s: ",
		cell(agent, "version", v, sizeof(v)),
		cell(agent, "now", now, sizeof(now)),
		cell(agent, "config", conf, sizeof(conf)));
	if (!ccm_json_member(agent, "lines", json_type_int))
		fputs("logs not open yet\n", out);
	else
		fprintf(out, "files open: %s, lines read: %s, recognized: %s,"
			" rotations: %s\n",
			cell(agent, "files_open", files, sizeof(files)),
			cell(agent, "lines", lines, sizeof(lines)),
			cell(agent, "recognized", rec, sizeof(rec)),
			cell(agent, "rotations", rot, sizeof(rot)));
	if (ccm_json_member(agent, "replaying", json_type_int))
		fprintf(out, "replaying the logs: %s%% (what follows is not "
			"complete yet)\n",
			cell(agent, "replaying", rot, sizeof(rot)));
	/* only when the bound bit: the usual line stays as it was */
	if (ccm_json_member(agent, "untracked", json_type_int) &&
	    json_object_get_uint64(ccm_json_member(agent, "untracked",
					  json_type_int)) > 0)
		fprintf(out, "lines about component names past "
			"max_components, not applied: %s\n",
			cell(agent, "untracked", rot, sizeof(rot)));
}

static bool is_status_doc(const struct json_object *doc,
			  struct json_object **agent,
			  struct json_object **comps,
			  struct json_object **alarms)
{
	struct json_object *v;

	return json_object_object_get_ex(doc, "schema", &v) &&
	       json_object_is_type(v, json_type_string) &&
	       !strcmp(json_object_get_string(v), CCM_STATUS_SCHEMA) &&
	       json_object_object_get_ex(doc, "agent", agent) &&
	       json_object_is_type(*agent, json_type_object) &&
	       json_object_object_get_ex(doc, "components", comps) &&
	       json_object_is_type(*comps, json_type_array) &&
	       json_object_object_get_ex(doc, "alarms", alarms) &&
	       json_object_is_type(*alarms, json_type_array);
}

int ccm_status_print_text(const struct json_object *doc, FILE *out)
{
	struct json_object *agent, *comps, *alarms;

	if (!is_status_doc(doc, &agent, &comps, &alarms))
		return -1;
	print_agent(agent, out);
	fputc('\n', out);
	if (json_object_array_length(comps) == 0)
		fputs("No components known yet.\n", out);
	else
		print_table(&component_table, comps, out);
	print_queues(agent, comps, out);
	fputc('\n', out);
	print_alarms(alarms, out);
	return fflush(out) || ferror(out) ? -1 : 0;
}

/* ---- the state file, when the agent is not running ----------------------- */

/* One saved alarm as a row of the status document's alarm list: as the
 * agent shows a raised alarm, its condition unknown. */
static struct json_object *saved_row(const struct ccm_alarm_saved *r)
{
	struct json_object *o = json_object_new_object();
	char since[CCM_TIME_STRLEN], raised[CCM_TIME_STRLEN];

	if (!o)
		return NULL;
	json_object_object_add(o, "id", json_object_new_int64((int64_t)r->id));
	json_object_object_add(o, "type", json_object_new_string(
					  ccm_alarm_type_info(r->type)->id));
	json_object_object_add(o, "resource",
			       json_object_new_string(r->resource));
	json_object_object_add(o, "severity", json_object_new_string(
					  ccm_alarm_severity_name(r->severity)));
	json_object_object_add(o, "since", json_object_new_string(
					  ccm_time_format(r->since, since)));
	json_object_object_add(o, "raised_at", json_object_new_string(
				ccm_time_format(r->raised_at, raised)));
	json_object_object_add(o, "flapping",
			       json_object_new_boolean(r->flapping));
	json_object_object_add(o, "changes",
			       json_object_new_int64((int64_t)r->changes));
	json_object_object_add(o, "condition", NULL);
	json_object_object_add(o, "text", r->text ?
			       json_object_new_string(r->text) : NULL);
	return o;
}

/* The alarms of a state file as the status document's alarm list, read
 * as ccmond restores them (agent/core/alarm_persist.h).  Returns 0 with
 * *out, -1 with errno and *out empty when they cannot be read. */
static int saved_alarms(struct json_object *doc, struct json_object **out)
{
	struct json_object *snapshot = NULL;
	struct ccm_alarm_snapshot snap;

	*out = json_object_new_array();
	if (!*out) {
		errno = ENOMEM;
		return -1;
	}
	/* none saved: ccmond restores none either */
	if (!doc || !json_object_object_get_ex(doc, "alarms", &snapshot) ||
	    !snapshot)
		return 0;
	if (ccm_alarm_snapshot_read(snapshot, &snap))
		return -1;
	for (size_t i = 0; i < snap.n; i++)
		json_object_array_add(*out, saved_row(&snap.v[i]));
	ccm_alarm_snapshot_release(&snap);
	return 0;
}

/* The local civil time of a file's last change, as the agent writes
 * times (less the milliseconds). */
static const char *mtime_text(const struct stat *st, char *buf, size_t size)
{
	struct tm tm;

	if (!localtime_r(&st->st_mtime, &tm) ||
	    !strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm))
		snprintf(buf, size, "?");
	return buf;
}

/* The saved state, read as ccmond reads it (ccm_state_load: a regular
 * file, not a link, bounded; the journal beside it when that is newer),
 * as a document holding its alarm snapshot. */
static struct json_object *read_saved(const char *path)
{
	struct ccm_saved saved = { 0 };
	struct json_object *doc;
	char err[512];

	if (ccm_state_load(path, &saved, err, sizeof(err)) != 1)
		return NULL;
	doc = json_object_new_object();
	if (doc)
		json_object_object_add(doc, "alarms",
				       json_object_get(saved.alarms));
	ccm_state_release(&saved);
	return doc;
}

/* The later of the state file's change and its journal's: when the agent
 * last saved. */
static void saved_when(const char *path, const struct stat *st, char *buf,
		       size_t size)
{
	struct stat lst = *st;
	char *log = NULL;

	if (asprintf(&log, "%s%s", path, CCM_STATE_LOG_SUFFIX) >= 0 &&
	    lstat(log, &lst) == 0 && S_ISREG(lst.st_mode) && lst.st_size > 0 &&
	    lst.st_mtime > st->st_mtime)
		mtime_text(&lst, buf, size);
	else
		mtime_text(st, buf, size);
	free(log);
}

/* Shows the alarms the agent saved last.  Problems reading the file are
 * said on stderr; the exit status is "not running" whatever they are. */
static int show_saved(const char *state_dir, bool json)
{
	struct json_object *doc = NULL, *alarms, *saved = NULL, *out;
	struct stat st;
	char *path = NULL;
	char when[64] = "";
	int status = EXIT_NOT_RUNNING;

	if (asprintf(&path, "%s/%s", state_dir, STATE_FILE) < 0) {
		fputs("ccmon status: out of memory\n", stderr);
		return EXIT_ERRORS;
	}
	if (stat(path, &st) < 0) {
		fprintf(stderr, "ccmon status: no saved state either (%s: %s)\n",
			path, strerror(errno));
	} else if (access(path, R_OK) < 0) {
		fprintf(stderr, "ccmon status: %s: %s%s\n", path,
			strerror(errno), errno == EACCES ?
			" (only root and the agent's user may read it)" : "");
	} else if (!(doc = read_saved(path))) {
		fprintf(stderr, "ccmon status: %s: not a state file\n", path);
	} else {
		saved_when(path, &st, when, sizeof(when));
		saved = json_object_new_object();
		json_object_object_add(saved, "file",
				       json_object_new_string(path));
		json_object_object_add(saved, "modified",
				       json_object_new_string(when));
	}
	if (saved_alarms(doc, &alarms))
		fprintf(stderr, "ccmon status: %s: the saved alarms cannot be "
			"read (%s)\n", path, strerror(errno));
	if (json) {
		out = json_object_new_object();
		json_object_object_add(
			out, "schema", json_object_new_string(CCM_STATUS_SCHEMA));
		json_object_object_add(out, "agent", NULL);
		json_object_object_add(out, "saved", saved);
		json_object_object_add(out, "components",
				       json_object_new_array());
		json_object_object_add(out, "alarms", alarms);
		const char *text = json_object_to_json_string_ext(
			out, JSON_C_TO_STRING_PLAIN |
				     JSON_C_TO_STRING_NOSLASHESCAPE);
		put_json(text, strlen(text), stdout);
		json_object_put(out);
	} else {
		if (saved) {
			printf("Not a live view: ccmond does not answer. The "
			       "alarms raised when it last saved its state "
			       "(%s, %s):\n", path, when);
			print_alarms(alarms, stdout);
		}
		json_object_put(saved);
		json_object_put(alarms);
	}
	if (fflush(stdout) || ferror(stdout)) {
		perror("ccmon status: writing the status");
		status = EXIT_ERRORS;
	}
	json_object_put(doc);
	free(path);
	return status;
}

/* ---- the command --------------------------------------------------------- */

static void usage(FILE *out)
{
	fputs("usage: ccmon status [-c FILE] [--json]\n"
	      "Shows the state of each open-port component, the probe figures,"
	      " how long events\nwait on each component and the active alarms"
	      " of the running ccmond, asked\nthrough its status socket in the"
	      " runtime directory of the configuration"
	      " file (default " CCM_CONFIG_DEFAULT_PATH ").\nWhen ccmond is not"
	      " running, shows the alarms of its state file as of the last\n"
	      "save.  Exit status: 0 shown, 1 error, 2 usage, 3 ccmond is not"
	      " running.\n", out);
}

static int bad_usage(const char *what, const char *arg)
{
	fprintf(stderr, "ccmon status: %s '%s'\n"
		"Try 'ccmon status --help'.\n", what, arg);
	return EXIT_USAGE;
}

static int show_live(const char *text, size_t len, bool json)
{
	enum json_tokener_error jerr = json_tokener_error_parse_unexpected;
	struct json_object *doc = NULL, *agent, *comps, *alarms;
	int status = 0;

	/* a NUL inside would cut what json-c reads short */
	if (len && strlen(text) == len)
		doc = json_tokener_parse_verbose(text, &jerr);
	if (!doc || !is_status_doc(doc, &agent, &comps, &alarms)) {
		fprintf(stderr, "ccmon status: ccmond's answer is not a status"
			" document (%s)\n", !len ? "empty answer" :
			jerr != json_tokener_success ?
			json_tokener_error_desc(jerr) : "unknown schema");
		json_object_put(doc);
		return EXIT_ERRORS;
	}
	if (!json)
		ccm_status_print_text(doc, stdout);
	/* as received, but valid UTF-8 even from an older agent */
	else
		put_json(text, len, stdout);
	if (fflush(stdout) || ferror(stdout)) {
		perror("ccmon status: writing the status");
		status = EXIT_ERRORS;
	}
	json_object_put(doc);
	return status;
}

int ccm_status_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = CCM_CONFIG_DEFAULT_PATH;
	struct ccm_findings findings;
	struct ccm_config *config = NULL;
	char *sock = NULL, *text = NULL;
	bool json = false;
	size_t len;
	int c, rc, status;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return bad_usage("unknown or incomplete option",
					 argv[optind - 1]);
		}
	}
	if (optind < argc)
		return bad_usage("unexpected argument", argv[optind]);

	ccm_findings_init(&findings);
	rc = ccm_config_load(path, &config, &findings);
	if (rc != 0) {
		/* errors only: warnings are check-config's business */
		for (size_t i = 0; i < findings.n; i++)
			if (findings.v[i].level == CCM_LEVEL_ERROR)
				ccm_finding_print(&findings.v[i], stderr);
		fprintf(stderr, "ccmon status: %s: %s\n", path,
			rc < 0 ? "out of memory" :
				 "unusable configuration (see "
				 "'ccmon check-config')");
		ccm_findings_release(&findings);
		return EXIT_ERRORS;
	}
	ccm_findings_release(&findings);
	if (asprintf(&sock, "%s/%s", config->agent.runtime_dir,
		     CCM_STATUS_SOCKET) < 0) {
		fputs("ccmon status: out of memory\n", stderr);
		ccm_config_free(config);
		return EXIT_ERRORS;
	}
	rc = ccm_status_fetch(sock, FETCH_TIMEOUT_MS, &text, &len);
	if (rc == 0) {
		status = show_live(text, len, json);
	} else if (rc == -ENOENT || rc == -ECONNREFUSED) {
		fprintf(stderr, "ccmon status: ccmond is not running (%s status"
			" socket at %s)\n", rc == -ENOENT ? "no" : "a stale",
			sock);
		status = show_saved(config->agent.state_dir, json);
	} else {
		fprintf(stderr, "ccmon status: %s: %s%s\n", sock,
			rc == -ETIMEDOUT ? "ccmond did not answer in time" :
			rc == -EBUSY ? "ccmond is busy with other clients "
				       "(status_clients): try again" :
					   strerror(-rc),
			rc == -EACCES ? " (members of group ccmon may ask)" :
					"");
		status = EXIT_ERRORS;
	}
	free(text);
	free(sock);
	ccm_config_free(config);
	return status;
}

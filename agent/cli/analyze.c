/* SPDX-License-Identifier: ISC */
/* `ccmon analyze`: replays old logs through the engine with log time. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/core/alarm_history.h"
#include "agent/cli/analyze.h"
#include "agent/core/impact_track.h"
#include "agent/core/monitor.h"
#include "agent/cli/progress.h"
#include "agent/report/report.h"
#include "agent/util/atomic_file.h"
#include "parsers/config.h"
#include "parsers/duration.h"
#include "parsers/queue_lines.h"

#define EXIT_INPUT 1
#define EXIT_USAGE 2

struct options {
	bool json;
	const char *html;
	const char *config;
	bool have_date, have_since, have_until;
	ccm_ms date, since, until;
	ccm_ms auth_timeout;
	bool have_auth_timeout;
	size_t max_line;
	bool progress, quiet; /* forced on, off; else on when stderr is a tty */
	const char *const *argv; /* the whole command, for the HTML report */
	size_t argc;
};

struct feed_ctx {
	struct ccm_engine *engine;
	const char *path;
	bool oom;
	/* --config: the live agent's monitor, at log time */
	struct ccm_monitor *mon;
	bool synced;
	ccm_ms clock;
	struct ccm_impact_track *track;
	struct ccm_alarm_history *alarms; /* what ccmond would have sent */
	struct ccm_timeline *tl;
};

static void usage(FILE *out)
{
	fputs("usage: ccmon analyze [--json] [--html OUT.html] [--config FILE]"
	      " [--date YYYY-MM-DD]\n"
	      "                     [--since TIME] [--until TIME]"
	      " [--auth-timeout DURATION]\n"
	      "                     [--max-line BYTES] [--progress | --quiet]"
	      " FILE...\n"
	      "Replays XCP Router logs (plain or .gz, any order) into a timeline"
	      " of component\nstates and incidents.  See ccmon(1).\n", out);
}

__attribute__((format(printf, 1, 2)))
static int bad_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("ccmon analyze: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'ccmon analyze --help'.\n", stderr);
	return EXIT_USAGE;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "html", required_argument, NULL, 'H' },
		{ "config", required_argument, NULL, 'c' },
		{ "date", required_argument, NULL, 'd' },
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "auth-timeout", required_argument, NULL, 'a' },
		{ "max-line", required_argument, NULL, 'm' },
		{ "progress", no_argument, NULL, 'P' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->argv = (const char *const *)argv;
	o->argc = (size_t)argc;
	o->auth_timeout = CCM_DEFAULT_AUTH_TIMEOUT;
	o->max_line = CCM_DEFAULT_MAX_LINE;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+jH:c:d:s:u:a:m:qh", longopts,
				NULL)) != -1) {
		char *end;
		switch (c) {
		case 'j':
			o->json = true;
			break;
		case 'H':
			if (!*optarg)
				return bad_usage("%s", "--html wants a file name");
			o->html = optarg;
			break;
		case 'c':
			o->config = optarg;
			break;
		case 'd':
			if (strlen(optarg) != 10 || ccm_time_parse(optarg, &o->date))
				return bad_usage("--date wants YYYY-MM-DD, not '%s'",
						 optarg);
			o->have_date = true;
			break;
		case 's':
			if (ccm_time_parse(optarg, &o->since))
				return bad_usage("--since: not a time: '%s'", optarg);
			o->have_since = true;
			break;
		case 'u':
			if (ccm_time_parse(optarg, &o->until))
				return bad_usage("--until: not a time: '%s'", optarg);
			o->have_until = true;
			break;
		case 'a':
			if (ccm_duration_parse(optarg, &o->auth_timeout) ||
			    o->auth_timeout <= 0)
				return bad_usage("--auth-timeout: not a duration: '%s'",
						 optarg);
			o->have_auth_timeout = true;
			break;
		case 'm':
			o->max_line = strtoull(optarg, &end, 10);
			if (*end || !o->max_line || optarg[0] == '-')
				return bad_usage("--max-line: not a size: '%s'",
						 optarg);
			break;
		case 'P':
			o->progress = true;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return bad_usage("unknown or incomplete option '%s'",
					 argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return bad_usage("%s", "no FILE given");
	if (o->have_since && o->have_until && o->until < o->since)
		return bad_usage("%s", "--until is before --since");
	return 0;
}

/* Inputs with a timestamp in time order, the others after them as given. */
static int by_first_time(const void *pa, const void *pb)
{
	const struct ccm_input *a = pa, *b = pb;

	if (a->have_first != b->have_first)
		return a->have_first ? -1 : 1;
	if (a->have_first && a->first != b->first)
		return a->first < b->first ? -1 : 1;
	/* qsort is not stable: equal times keep command-line order */
	return (a->order > b->order) - (a->order < b->order);
}

/* The monitor's alarms as the NOC would have received them; its notes
 * are the live agent's business. */
static void take_alarms(struct feed_ctx *f)
{
	const struct ccm_out *outs;
	size_t n = ccm_monitor_take(f->mon, &outs);

	for (size_t i = 0; i < n; i++) {
		if (outs[i].kind == CCM_OUT_ALARM)
			ccm_alarm_history_add(f->alarms, &outs[i].decision);
		else if (outs[i].kind == CCM_OUT_WITHHELD)
			ccm_alarm_history_withheld(f->alarms,
						   &outs[i].decision,
						   outs[i].decision.ended);
	}
}

/* The monitor's judgement of what users suffer, into the history. */
static void observe(struct feed_ctx *f, ccm_ms t)
{
	const struct ccm_impact *im;
	size_t n = ccm_monitor_impacts(f->mon, &im);

	ccm_impact_track_update(f->track, im, n, t);
	take_alarms(f);
	f->clock = t;
}

/* Runs the monitor's timers up to t, as the live agent's loop would:
 * the ends of queueing windows, re-routing, losses no longer pending. */
static void advance_to(struct feed_ctx *f, ccm_ms t)
{
	ccm_ms due;

	while (ccm_monitor_next_due(f->mon, &due) && due <= t &&
	       due > f->clock) {
		ccm_monitor_advance(f->mon, due);
		observe(f, due);
	}
}

/* Any line: the log grew, as the live agent sees it (log-silent). */
static void on_line(void *ctx, ccm_ms t)
{
	struct feed_ctx *f = ctx;

	if (!f->mon || !f->synced)
		return;
	if (t < f->clock)
		t = f->clock;
	advance_to(f, t);
	ccm_monitor_logs_grew(f->mon, t);
	take_alarms(f);
}

static void on_message(void *ctx, const struct ccm_logmsg *msg, ccm_ms t,
		       uint64_t line_no)
{
	struct feed_ctx *f = ctx;
	struct ccm_srcpos pos = { .file = f->path, .line = line_no };

	if (ccm_engine_feed(f->engine, t, msg, &pos))
		f->oom = true;
	else
		ccm_timeline_message(f->tl, f->engine, msg, &pos);
	if (!f->mon)
		return;
	if (!f->synced) {
		/* live from the first line on: every line is news */
		ccm_monitor_synced(f->mon, t);
		f->synced = true;
		f->clock = t;
	}
	if (t < f->clock)
		t = f->clock; /* as the engine: times only move forward */
	advance_to(f, t);
	ccm_monitor_message(f->mon, t, t, f->path, line_no, msg, false);
	observe(f, t);
}

/* --config: the configuration, or NULL after saying why. */
static struct ccm_config *load_config(const char *path)
{
	struct ccm_findings fi;
	struct ccm_config *cfg = NULL;

	ccm_findings_init(&fi);
	if (ccm_config_load(path, &cfg, &fi)) {
		ccm_findings_print(&fi, stderr);
		fprintf(stderr, "ccmon analyze: %s: not a valid configuration"
			" (ccmon check-config -c %s)\n", path, path);
		cfg = NULL;
	}
	ccm_findings_release(&fi);
	return cfg;
}

static int set_queue_lines(struct ccm_recognizer *rec,
			   const struct ccm_config *config)
{
	char err[512];
	struct ccm_queue_lines *q = config ?
		ccm_queue_lines_new(config->queue_rules, config->nqueue_rules,
				    config->agent.queue_wait, err,
				    sizeof(err)) :
		ccm_queue_lines_new(ccm_queue_rule_builtin(), 1,
				    CCM_QUEUE_WAIT, err, sizeof(err));

	if (!q) {
		fprintf(stderr, "ccmon analyze: %s; queue latency not read\n",
			err);
		return -1;
	}
	ccm_recognizer_set_queue(rec, q);
	return 0;
}

/* The HTML report into path, whole or not at all: written beside it under
 * a temporary name, then renamed over it.  Returns 0, or -1 after saying
 * why on stderr. */
static int write_html(const struct ccm_analysis *a, const char *path)
{
	size_t n = strlen(path);
	char *tmp = malloc(n + sizeof(".XXXXXX"));
	const char *what = "cannot write";
	FILE *f;
	mode_t mask;
	int fd;

	if (!tmp) {
		fprintf(stderr, "ccmon analyze: %s: out of memory\n", path);
		return -1;
	}
	snprintf(tmp, n + sizeof(".XXXXXX"), "%s.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		fprintf(stderr, "ccmon analyze: %s: cannot create a file "
			"beside it: %s\n", path, strerror(errno));
		free(tmp);
		return -1;
	}
	/* a report, not a secret: the mode any new file would get, where
	 * mkstemp() gives 0600 */
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) || !(f = fdopen(fd, "w"))) {
		int err = errno;
		close(fd);
		errno = err;
		goto fail;
	}
	if (ccm_report_html(a, f)) {
		int err = errno;
		fclose(f);
		errno = err;
		goto fail;
	}
	switch (ccm_atomic_replace(-1, f, tmp, path)) {
	case CCM_ATOMIC_DONE:
		free(tmp);
		return 0;
	case CCM_ATOMIC_SYNC:
		break;
	case CCM_ATOMIC_CLOSE:
		what = "cannot close";
		break;
	case CCM_ATOMIC_RENAME:
		what = "cannot rename the new report to it";
		break;
	}
fail:
	fprintf(stderr, "ccmon analyze: %s: %s: %s\n", path, what,
		strerror(errno));
	unlink(tmp);
	free(tmp);
	return -1;
}

/* The progress line when forced, or by default when a person watches
 * stderr; NULL for none. */
static struct ccm_progress *progress_for(const struct options *o,
					 const struct ccm_input *inputs,
					 size_t n, struct ccm_progress *p)
{
	bool tty = isatty(STDERR_FILENO);
	uint64_t total = 0;

	if (o->quiet || (!o->progress && !tty))
		return NULL;
	for (size_t i = 0; i < n; i++)
		total += inputs[i].size;
	ccm_progress_init(p, stderr, tty, total);
	return p;
}

/* Inputs dated by a modification time that cannot be their last write:
 * their dates may be days off (doc/ccmon.1, analyze). */
static void warn_mtimes(const struct ccm_input *inputs, size_t n)
{
	char t1[CCM_TIME_STRLEN], t2[CCM_TIME_STRLEN];

	for (size_t i = 0; i < n; i++)
		if (ccm_input_mtime_suspect(&inputs[i]))
			fprintf(stderr, "ccmon analyze: warning: %s: dated by "
				"its modification time %s, but its last line "
				"is at %s: a copy that did not keep the time?"
				" Give --date.\n", inputs[i].path,
				ccm_time_format(inputs[i].mtime, t1),
				ccm_time_format(inputs[i].last, t2));
}

/* The monitor beside the engine, as ccmond runs it (--config): 0, or -1
 * with the reason in err (empty when the configuration did not load). */
static int attach_monitor(const struct ccm_config *config,
			  struct feed_ctx *f, char *err, size_t errlen)
{
	*err = '\0';
	f->mon = config ? ccm_monitor_new(config, NULL, err, errlen) : NULL;
	if (!f->mon)
		return -1;
	/* the servers' endpoints, as the live agent knows them */
	for (size_t i = 0; i < config->nservers; i++)
		if (ccm_engine_bind(f->engine, config->servers[i].component,
				    config->servers[i].host,
				    config->servers[i].port))
			f->oom = true;
	return 0;
}

/* Input i read to its end (or --until), its lines fed in: 0, or -1 when
 * it could not be read all (said on stderr).  *stopped: --until passed,
 * no further input is read. */
static int scan_input(const struct options *o, struct ccm_input *inputs,
		      size_t i, struct ccm_recognizer *rec,
		      ccm_ms restart_silence, struct feed_ctx *f,
		      struct ccm_analysis *a, struct ccm_progress *pr,
		      bool *stopped)
{
	struct ccm_input *in = &inputs[i];
	struct ccm_scanner sc;
	struct ccm_clock clock;
	char err[512];
	int rc = 0;

	ccm_input_clock(in, i ? &inputs[i - 1] : NULL, o->have_date, o->date,
			&clock);
	ccm_scanner_init(&sc, rec, &clock, o->max_line, on_message, f);
	sc.silence_min = restart_silence > 0 ? restart_silence :
			 CCM_DEFAULT_RESTART_SILENCE;
	/* the inputs are one log: a silence may span two files */
	if (i && inputs[i - 1].have_last) {
		sc.have_prev = true;
		sc.prev_time = inputs[i - 1].last;
	}
	sc.each_line = on_line;
	in->have_first = ccm_input_first_time(in, &clock, &in->first);
	sc.untimed = in->have_first ? in->first :
		     a->have_end ? a->end : clock.basis_time;
	sc.have_until = o->have_until;
	sc.until = o->until;
	f->path = in->path;
	if (pr) {
		in->progress = ccm_progress_update;
		in->progress_ctx = pr;
	}
	if (ccm_input_scan(in, &sc, err, sizeof(err))) {
		if (pr)
			ccm_progress_clear(pr);
		fprintf(stderr, "ccmon analyze: %s\n", err);
		rc = -1;
	}
	if (pr)
		ccm_progress_file_done(pr, !in->failed && !sc.stopped,
				       in->size, in->stats.lines);
	if (in->have_last && (!a->have_end || in->last > a->end)) {
		a->end = in->last;
		a->have_end = true;
	}
	ccm_scanner_release(&sc);
	*stopped = sc.stopped;
	return rc;
}

static int run(const struct options *o, struct ccm_input *inputs, size_t n,
	       int status, struct ccm_progress *pr)
{
	char err[512];
	struct ccm_recognizer *rec = ccm_recognizer_new(err, sizeof(err));
	struct ccm_engine_config cfg = { .auth_timeout = o->auth_timeout };
	struct ccm_timeline tl;
	struct ccm_impact_track track;
	struct ccm_alarm_history alarms;
	struct ccm_config *config = NULL;
	struct feed_ctx f = { 0 };
	struct ccm_analysis a = {
		.timeline = &tl, .inputs = inputs, .ninputs = n,
		.have_since = o->have_since, .since = o->since,
		.have_until = o->have_until, .until = o->until,
	};
	int rc;

	if (!rec) {
		fprintf(stderr, "ccmon analyze: %s\n", err);
		return EXIT_INPUT;
	}
	ccm_timeline_init(&tl, o->have_since, o->since);
	/* connect lines are drawn, not listed; the JSON document lists
	 * transitions and waits, its incidents come from tl.incidents */
	tl.skip_connects = !o->html;
	if (o->json && !o->html)
		tl.skip_kinds = ~((1u << CCM_CHANGE_TRANSITION) |
				  (1u << CCM_CHANGE_LATENCY));
	ccm_impact_track_init(&track);
	ccm_alarm_history_init(&alarms);
	f.tl = &tl;
	if (o->config && (config = load_config(o->config))) {
		/* a router restart and an auth failure as the live agent
		 * tells them, unless the command line says otherwise */
		if (!o->have_auth_timeout)
			cfg.auth_timeout = config->agent.auth_timeout;
		cfg.restart_silence = config->agent.restart_silence;
		cfg.restart_burst = config->agent.restart_burst;
	}
	f.engine = ccm_engine_new(&cfg, ccm_timeline_record, &tl);
	if (!f.engine) {
		ccm_config_free(config);
		ccm_recognizer_free(rec);
		fputs("ccmon analyze: out of memory\n", stderr);
		return EXIT_INPUT;
	}
	if (o->config) {
		if (attach_monitor(config, &f, err, sizeof(err))) {
			if (config)
				fprintf(stderr, "ccmon analyze: %s\n", err);
			ccm_config_free(config);
			ccm_engine_free(f.engine);
			ccm_recognizer_free(rec);
			return EXIT_USAGE;
		}
		f.track = &track;
		a.impact = &track;
		f.alarms = &alarms;
		a.alarms = &alarms;
		a.config_path = o->config;
	}
	/* the queue lines of the configuration, else the built-in one */
	if (set_queue_lines(rec, config))
		status = EXIT_INPUT;
	for (size_t i = 0; i < n; i++) {
		bool stopped = false;

		if (scan_input(o, inputs, i, rec, cfg.restart_silence, &f, &a,
			       pr, &stopped))
			status = EXIT_INPUT;
		if (stopped)
			break;
	}
	if (pr)
		ccm_progress_end(pr);
	warn_mtimes(inputs, n);
	if (a.have_until && a.have_end && a.end > a.until)
		a.end = a.until;
	if (a.have_end)
		ccm_engine_advance(f.engine, a.end);
	if (f.mon && f.synced && a.have_end)
		advance_to(&f, a.end);
	a.engine = f.engine;
	if (f.oom || tl.oom || track.oom || alarms.oom) {
		fputs("ccmon analyze: out of memory\n", stderr);
		status = EXIT_INPUT;
	}
	a.argv = o->argv;
	a.argc = o->argc;
	rc = o->json ? ccm_report_json(&a, stdout) : ccm_report_text(&a, stdout);
	if (rc || fflush(stdout)) {
		perror("ccmon analyze: writing the report");
		status = EXIT_INPUT;
	}
	if (o->html && write_html(&a, o->html))
		status = EXIT_INPUT;
	ccm_engine_free(f.engine);
	ccm_monitor_free(f.mon);
	ccm_config_free(config);
	ccm_impact_track_release(&track);
	ccm_alarm_history_release(&alarms);
	ccm_timeline_release(&tl);
	ccm_recognizer_free(rec);
	return status;
}

int ccm_analyze_main(int argc, char **argv)
{
	struct options o;
	struct ccm_progress progress;
	struct ccm_input *inputs;
	size_t n = 0;
	int status = 0;

	if ((status = parse_options(argc, argv, &o)))
		return status;
	inputs = calloc((size_t)(argc - optind), sizeof(*inputs));
	if (!inputs) {
		fputs("ccmon analyze: out of memory\n", stderr);
		return EXIT_INPUT;
	}
	for (int i = optind; i < argc; i++) {
		char err[512];
		if (ccm_input_probe(&inputs[n], argv[i], err, sizeof(err))) {
			fprintf(stderr, "ccmon analyze: %s\n", err);
			ccm_input_release(&inputs[n]);
			status = EXIT_INPUT;
			continue;
		}
		n++;
	}
	for (size_t i = 0; i < n; i++)
		inputs[i].order = i;
	qsort(inputs, n, sizeof(*inputs), by_first_time);
	/* no report at all rather than an empty one: nothing could be read */
	if (n)
		status = run(&o, inputs, n, status,
			     progress_for(&o, inputs, n, &progress));
	for (size_t i = 0; i < n; i++)
		ccm_input_release(&inputs[i]);
	free(inputs);
	return status;
}

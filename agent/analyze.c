/* `ccmon analyze`: replays old logs through the engine with log time. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/analyze.h"
#include "agent/report.h"
#include "parsers/duration.h"

#define EXIT_INPUT 1
#define EXIT_USAGE 2

struct options {
	bool json;
	bool have_date, have_since, have_until;
	ccm_ms date, since, until;
	ccm_ms auth_timeout;
	size_t max_line;
};

struct feed_ctx {
	struct ccm_engine *engine;
	const char *path;
	bool oom;
};

static void usage(FILE *out)
{
	fputs("usage: ccmon analyze [--json] [--date YYYY-MM-DD] [--since TIME]"
	      " [--until TIME]\n"
	      "                     [--auth-timeout DURATION] [--max-line BYTES]"
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
		{ "date", required_argument, NULL, 'd' },
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "auth-timeout", required_argument, NULL, 'a' },
		{ "max-line", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->auth_timeout = CCM_DEFAULT_AUTH_TIMEOUT;
	o->max_line = CCM_DEFAULT_MAX_LINE;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+jd:s:u:a:m:h", longopts,
				NULL)) != -1) {
		char *end;
		switch (c) {
		case 'j':
			o->json = true;
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
			break;
		case 'm':
			o->max_line = strtoull(optarg, &end, 10);
			if (*end || !o->max_line || optarg[0] == '-')
				return bad_usage("--max-line: not a size: '%s'",
						 optarg);
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

static void on_message(void *ctx, const struct ccm_logmsg *msg, ccm_ms t,
		       uint64_t line_no)
{
	struct feed_ctx *f = ctx;
	struct ccm_srcpos pos = { .file = f->path, .line = line_no };

	if (ccm_engine_feed(f->engine, t, msg, &pos))
		f->oom = true;
}

/* Dates the first input by --date or its mtime; with --date the clock then
 * runs on across the inputs, as through one file. */
static void clock_for(const struct options *o, const struct ccm_input *in,
		      const struct ccm_input *prev, struct ccm_clock *clock)
{
	if (!o->have_date)
		ccm_clock_init(clock, CCM_BASIS_MTIME, in->mtime);
	else if (prev && prev->have_last)
		ccm_clock_init(clock, CCM_BASIS_CONTINUE, prev->last);
	else
		ccm_clock_init(clock, CCM_BASIS_DATE, o->date);
}

static int run(const struct options *o, struct ccm_input *inputs, size_t n,
	       int status)
{
	char err[512];
	struct ccm_recognizer *rec = ccm_recognizer_new(err, sizeof(err));
	struct ccm_engine_config cfg = { .auth_timeout = o->auth_timeout };
	struct ccm_timeline tl;
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
	f.engine = ccm_engine_new(&cfg, ccm_timeline_record, &tl);
	if (!f.engine) {
		ccm_recognizer_free(rec);
		fputs("ccmon analyze: out of memory\n", stderr);
		return EXIT_INPUT;
	}
	for (size_t i = 0; i < n; i++) {
		struct ccm_input *in = &inputs[i];
		struct ccm_scanner sc;
		struct ccm_clock clock;

		clock_for(o, in, i ? &inputs[i - 1] : NULL, &clock);
		ccm_scanner_init(&sc, rec, &clock, o->max_line, on_message, &f);
		in->have_first = ccm_input_first_time(in, &clock, &in->first);
		sc.untimed = in->have_first ? in->first :
			     a.have_end ? a.end : clock.basis_time;
		sc.have_until = o->have_until;
		sc.until = o->until;
		f.path = in->path;
		if (ccm_input_scan(in, &sc, err, sizeof(err))) {
			fprintf(stderr, "ccmon analyze: %s\n", err);
			status = EXIT_INPUT;
		}
		if (in->have_last && (!a.have_end || in->last > a.end)) {
			a.end = in->last;
			a.have_end = true;
		}
		ccm_scanner_release(&sc);
		if (sc.stopped)
			break;
	}
	if (a.have_until && a.have_end && a.end > a.until)
		a.end = a.until;
	if (a.have_end)
		ccm_engine_advance(f.engine, a.end);
	a.engine = f.engine;
	if (f.oom || tl.oom) {
		fputs("ccmon analyze: out of memory\n", stderr);
		status = EXIT_INPUT;
	}
	rc = o->json ? ccm_report_json(&a, stdout) : ccm_report_text(&a, stdout);
	if (rc || fflush(stdout)) {
		perror("ccmon analyze: writing the report");
		status = EXIT_INPUT;
	}
	ccm_engine_free(f.engine);
	ccm_timeline_release(&tl);
	ccm_recognizer_free(rec);
	return status;
}

int ccm_analyze_main(int argc, char **argv)
{
	struct options o;
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
	status = run(&o, inputs, n, status);
	for (size_t i = 0; i < n; i++)
		ccm_input_release(&inputs[i]);
	free(inputs);
	return status;
}

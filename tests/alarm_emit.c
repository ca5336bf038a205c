/* SPDX-License-Identifier: ISC */
/* Test driver: one alarm raised and cleared through the real sink.
 *
 *   alarm_emit [--mode auto|journal|syslog] [--text TEXT] TYPE RESOURCE [PEER]
 *
 * PEER is the server a component alarm's component uses, or the component
 * a server alarm's server serves.  The decisions come from the real
 * ccm_alarms object (no holds), on the wall clock in UTC.  Prints the
 * sink's counters as "journal=N syslog=N journal_errors=N errors=N";
 * exits 0 when both decisions were written, 1 when not, 2 on bad usage. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/core/alarm.h"
#include "agent/io/alarm_sink.h"

struct emit {
	struct ccm_alarm_sink *sink;
	const char *component, *server;
	unsigned decisions;
};

static void on_decision(void *ctx, const struct ccm_alarm_decision *d)
{
	struct emit *e = ctx;

	e->decisions++;
	ccm_alarm_sink_write(e->sink, d, e->component, e->server);
}

static int usage(void)
{
	fprintf(stderr, "usage: alarm_emit [--mode auto|journal|syslog] "
			"[--text TEXT] TYPE RESOURCE [PEER]\n");
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "text", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct ccm_alarm_sink_config cfg = {
		.mode = CCM_SINK_AUTO,
		.utc = true,
	};
	const struct ccm_alarm_policy immediate = { 0 };
	struct ccm_alarm_sink_stats st;
	struct emit e = { .sink = NULL };
	struct ccm_alarms *as;
	enum ccm_alarm_type type;
	const char *text = NULL, *resource, *peer;
	struct timespec ts;
	ccm_ms now;
	int c;

	while ((c = getopt_long(argc, argv, "m:t:", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (strcmp(optarg, "auto") == 0)
				cfg.mode = CCM_SINK_AUTO;
			else if (strcmp(optarg, "journal") == 0)
				cfg.mode = CCM_SINK_JOURNAL;
			else if (strcmp(optarg, "syslog") == 0)
				cfg.mode = CCM_SINK_SYSLOG;
			else
				return usage();
			break;
		case 't':
			text = optarg;
			break;
		default:
			return usage();
		}
	}
	if (argc - optind < 2 || argc - optind > 3 ||
	    ccm_alarm_type_from_id(argv[optind], &type))
		return usage();
	resource = argv[optind + 1];
	peer = argc - optind == 3 ? argv[optind + 2] : NULL;
	if (ccm_alarm_type_info(type)->resource == CCM_RES_COMPONENT)
		e.server = peer;
	else if (ccm_alarm_type_info(type)->resource == CCM_RES_SERVER)
		e.component = peer;

	e.sink = ccm_alarm_sink_new(&cfg);
	as = ccm_alarms_new(&immediate, on_decision, &e);
	if (!e.sink || !as) {
		fprintf(stderr, "alarm_emit: out of memory\n");
		return 1;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	now = (ccm_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	if (ccm_alarms_set(as, type, resource, true, now, text) ||
	    ccm_alarms_set(as, type, resource, false, now + 1500, NULL)) {
		perror("alarm_emit");
		return 1;
	}
	ccm_alarm_sink_stats(e.sink, &st);
	printf("journal=%" PRIu64 " syslog=%" PRIu64 " journal_errors=%" PRIu64
	       " errors=%" PRIu64 "\n", st.journal, st.syslog,
	       st.journal_errors, st.errors);
	ccm_alarms_free(as);
	ccm_alarm_sink_free(e.sink);
	return e.decisions == 2 && st.errors == 0 ? 0 : 1;
}

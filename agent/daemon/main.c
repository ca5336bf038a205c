/* SPDX-License-Identifier: ISC */
/* ccmond's options; the agent itself is agent/daemon/daemon.h's. */
#include <getopt.h>
#include <stdio.h>
#include <syslog.h>

#include "agent/daemon/daemon.h"

static void usage(FILE *out)
{
	fputs("usage: ccmond [-c FILE] [-f] [-v]\n"
	      "Watches the XCP Router logs and the compliance servers, and"
	      " raises alarms.\n"
	      "  -c, --config FILE  configuration (default "
	      CCM_CONFIG_DEFAULT_PATH ")\n"
	      "  -f, --foreground   log to stderr (when not under systemd)\n"
	      "  -v, --verbose      also log why the agent does what it does"
	      " (debug level)\n"
	      "See ccmond(8) and ccmon.conf(5).\n", out);
}

/* -1: go on; else the exit status. */
static int parse_args(int argc, char **argv, struct daemon *d,
		      bool *foreground)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:fvhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			d->config_path = optarg;
			break;
		case 'f':
			*foreground = true;
			break;
		case 'v':
			d->verbose = true;
			break;
		case 'V':
			/* the daemon's own name: PACKAGE_STRING says "ccmon" */
			puts("ccmond (" PACKAGE_NAME ") " PACKAGE_VERSION
			     "\nfeatures: snmp (AgentX subagent)");
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct daemon d = { .config_path = CCM_CONFIG_DEFAULT_PATH,
			    .lock_fd = -1, .runtime_fd = -1,
			    .slog = { .fd = -1 } };
	bool foreground = false;
	int rc = parse_args(argc, argv, &d, &foreground);

	if (rc >= 0)
		return rc;
	ccm_log_open(&d.log, "ccmond", foreground, LOG_DAEMON);
	if (ccmond_configure(&d) < 0)
		return 1;
	if (ccmond_setup(&d) < 0) {
		ccmond_teardown(&d);
		return 1;
	}
	rc = ccmond_run(&d);
	ccmond_teardown(&d);
	return rc < 0 ? 1 : 0;
}

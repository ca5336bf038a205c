/* SPDX-License-Identifier: ISC */
/* ccmon: the command-line tool.  Each command lives in its own file; this
 * one only dispatches. */
#include <stdio.h>
#include <string.h>

#include "agent/cli/analyze.h"
#include "agent/cli/check_config.h"
#include "agent/io/probe.h"
#include "agent/io/status_server.h"

static const struct command {
	const char *name;
	int (*main)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "analyze", ccm_analyze_main,
	  "replay old XCP Router logs into a timeline of incidents" },
	{ "check-config", ccm_check_config_main,
	  "validate a configuration file and print it with its defaults" },
	{ "probe", ccm_probe_main,
	  "check a compliance server: port, component stream, handshake" },
	{ "status", ccm_status_main,
	  "show the running agent's components, probes and alarms" },
};

static void usage(FILE *out)
{
	fputs("usage: ccmon COMMAND [OPTIONS] [ARGS]\n\ncommands:\n", out);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name,
			commands[i].summary);
	fputs("\n'ccmon COMMAND --help' for a command's options; see ccmon(1).\n",
	      out);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		puts(PACKAGE_STRING);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].main(argc - 1, argv + 1);
	fprintf(stderr, "ccmon: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}

/* SPDX-License-Identifier: ISC */
/* `ccmon check-config`: validates ccmon.conf and shows what it amounts to. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/cli/check_config.h"
#include "agent/util/safe_open.h"
#include "parsers/config.h"

#define EXIT_ERRORS 1
#define EXIT_USAGE 2

static void usage(FILE *out)
{
	fputs("usage: ccmon check-config [-c FILE]\n"
	      "Checks the configuration file (default "
	      CCM_CONFIG_DEFAULT_PATH ") against\n"
	      "the vendor's rules, prints the effective configuration to"
	      " stdout and every\nfinding to stderr.  See ccmon.conf(5).\n",
	      out);
}

/* The very checks 'ccmon probe --handshake' makes before it reads one:
 * a file it would refuse is an error here too. */
static void check_secret_files(const struct ccm_config *config,
			       struct ccm_findings *findings)
{
	for (size_t i = 0; i < config->nservers; i++) {
		const struct ccm_server *s = &config->servers[i];
		char why[512];
		int fd;

		if (!s->secret_file)
			continue;
		fd = ccm_open_secret(s->secret_file, why, sizeof(why));
		if (fd >= 0)
			close(fd);
		else
			ccm_findings_add(findings, CCM_LEVEL_ERROR,
					 config->path, s->line, "secret-file",
					 "[server %s] secret_file: %s",
					 s->name, why);
	}
}

static int bad_usage(const char *what, const char *arg)
{
	fprintf(stderr, "ccmon check-config: %s '%s'\n"
		"Try 'ccmon check-config --help'.\n", what, arg);
	return EXIT_USAGE;
}

int ccm_check_config_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = CCM_CONFIG_DEFAULT_PATH;
	struct ccm_findings findings;
	struct ccm_config *config;
	int c, errors, status;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
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
	errors = ccm_config_load(path, &config, &findings);
	if (errors < 0) {
		fputs("ccmon check-config: out of memory\n", stderr);
		ccm_findings_release(&findings);
		return EXIT_ERRORS;
	}
	if (config) {
		check_secret_files(config, &findings);
		if (findings.errors)
			errors = (int)findings.errors;
	}
	status = errors ? EXIT_ERRORS : 0;
	/* the configuration first, so that a terminal shows the findings
	 * last, next to the prompt */
	if (config && (ccm_config_print(config, stdout) || fflush(stdout))) {
		perror("ccmon check-config: writing the configuration");
		status = EXIT_ERRORS;
	}
	ccm_findings_print(&findings, stderr);
	fprintf(stderr, "%zu error%s, %zu warning%s\n", findings.errors,
		findings.errors == 1 ? "" : "s", findings.warnings,
		findings.warnings == 1 ? "" : "s");
	ccm_config_free(config);
	ccm_findings_release(&findings);
	return status;
}

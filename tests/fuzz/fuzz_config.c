/* SPDX-License-Identifier: ISC */
/* Fuzz target: the configuration parser (ccmon.conf).
 *
 * The input is the file, written to a memfd and loaded through
 * "/proc/self/fd/N".  Oracles: the return value agrees with the findings
 * and the configuration handed out; findings are sorted by line and refer
 * to lines of the file; a configuration handed out is complete (every
 * server has a host, port, node, component and profile; priorities are
 * unique and the built-in profile comes last; lookups find what is there);
 * and the effective configuration ccm_config_print writes loads again
 * without errors and prints the same. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parsers/config.h"
#include "parsers/duration.h"
#include "tests/fuzz/fuzz_common.h"

static int in_fd = -1, out_fd = -1;
static char in_path[64], out_path[64];
static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	in_fd = fuzz_memfd("ccmon-fuzz-conf", in_path);
	out_fd = fuzz_memfd("ccmon-fuzz-print", out_path);
	devnull = fopen("/dev/null", "w");
	FUZZ_CHECK(devnull != NULL, "cannot open /dev/null");
	return 0;
}

static void check_findings(const struct ccm_findings *f, size_t first,
			   size_t errors, size_t nlines)
{
	size_t e = 0;

	FUZZ_CHECK(!f->oom, "findings lost to OOM");
	for (size_t i = first; i < f->n; i++) {
		const struct ccm_finding *x = &f->v[i];

		FUZZ_CHECK(x->file && x->message && x->rule && *x->rule,
			   "finding %zu incomplete", i);
		FUZZ_CHECK(x->line <= nlines, "finding on line %u of %zu: %s",
			   x->line, nlines, x->message);
		FUZZ_CHECK(i == first || f->v[i - 1].line <= x->line,
			   "findings out of order");
		e += x->level == CCM_LEVEL_ERROR;
	}
	FUZZ_CHECK(f->errors - errors == e, "error count");
	FUZZ_CHECK(f->errors + f->warnings == f->n, "finding counts");
}

static void check_config(const struct ccm_config *c)
{
	const struct ccm_agent_config *a = &c->agent;
	char buf[CCM_DURATION_STRLEN];

	FUZZ_CHECK(c->nlogs >= 1 && (a->node || c->nnodes) && a->state_dir &&
		   a->runtime_dir, "agent incomplete");
	{
		size_t n = a->nlogs;

		for (size_t i = 0; i < c->nnodes; i++)
			n += c->nodes[i].nlogs;
		FUZZ_CHECK(c->nlogs == n, "%zu logs listed of %zu", c->nlogs,
			   n);
	}
	/* every log followed is some node's, absolute */
	for (size_t i = 0; i < c->nlogs; i++)
		FUZZ_CHECK(c->logs[i][0] == '/' && c->log_node[i],
			   "log %zu: relative, or no node's", i);
	for (size_t i = 0; i < c->nnodes; i++)
		FUZZ_CHECK(c->nodes[i].nlogs >= 1 && c->nodes[i].name &&
			   ccm_config_node_watched(c, c->nodes[i].name),
			   "node %zu", i);
	FUZZ_CHECK(a->max_line >= 1 && a->max_line <= ((size_t)1 << 30),
		   "max_line %zu", a->max_line);
	FUZZ_CHECK(a->auth_timeout >= 1 && a->log_silent_after >= 0 &&
		   a->alarm_raise_hold >= 0 && a->alarm_clear_hold >= 0 &&
		   a->flap_window >= 0, "agent durations");
	FUZZ_CHECK(a->flap_threshold >= 2 && a->flap_threshold <= 1000,
		   "flap_threshold %u", a->flap_threshold);
	FUZZ_CHECK(a->alarm_rate_limit.count >= 1 &&
		   a->alarm_rate_limit.count <= 1000000, "rate count");
	FUZZ_CHECK(ccm_syslog_facility_name(a->syslog_facility), "facility");
	ccm_duration_format(a->auth_timeout, buf);
	ccm_duration_format_short(a->flap_window, buf);

	FUZZ_CHECK(c->nprofiles >= 1 && c->profiles[c->nprofiles - 1].builtin,
		   "the built-in profile is not last");
	for (size_t i = 0; i < c->nprofiles; i++) {
		const struct ccm_profile *pr = &c->profiles[i];

		FUZZ_CHECK(pr->name && pr->priority >= 1, "profile");
		FUZZ_CHECK(i == 0 || c->profiles[i - 1].priority < pr->priority,
			   "priorities %u, %u not ascending",
			   c->profiles[i - 1].priority, pr->priority);
		FUZZ_CHECK(ccm_config_profile(c, pr->name) == pr,
			   "lookup of profile '%s'", pr->name);
		FUZZ_CHECK(pr->builtin == (i == c->nprofiles - 1),
			   "built-in profile not last");
		for (size_t j = 0; j < pr->nevents; j++) {
			const struct ccm_event *e = &pr->events[j];

			FUZZ_CHECK(e->name, "event without a name");
			FUZZ_CHECK((e->type == CCM_EVENT_TC) ==
				   (e->packet == CCM_PACKET_NONE),
				   "packet of %s", e->name);
			FUZZ_CHECK(j == 0 || pr->events[j - 1].type <= e->type,
				   "JSM after TC");
		}
	}
	for (size_t i = 0; i < c->nservers; i++) {
		const struct ccm_server *s = &c->servers[i];

		FUZZ_CHECK(s->name && s->host && s->node && s->component &&
			   s->profile, "server '%s' incomplete", s->name);
		FUZZ_CHECK(s->port >= 1 && s->port <= 65535, "port %u",
			   s->port);
		FUZZ_CHECK(s->probe_interval >= 1 && s->probe_timeout >= 1 &&
			   s->probe_timeout < s->probe_interval,
			   "probe timing");
		FUZZ_CHECK(s->profile >= c->profiles &&
			   s->profile < c->profiles + c->nprofiles,
			   "profile pointer");
		FUZZ_CHECK(ccm_config_server(c, s->name) == s,
			   "lookup of server '%s'", s->name);
		FUZZ_CHECK(ccm_config_server_by_component(c, s->component) ==
			   s, "lookup of component '%s'", s->component);
		FUZZ_CHECK(strcmp(ccm_probe_name(s->probe), "?"), "probe");
	}
}

/* The printed configuration, NUL-terminated, without its first line
 * (which names the file it came from). */
static char *printed(const struct ccm_config *c, int fd, size_t *len)
{
	FILE *f;
	char *buf, *body;
	long n;

	FUZZ_CHECK(ftruncate(fd, 0) == 0 && lseek(fd, 0, SEEK_SET) == 0,
		   "ftruncate");
	f = fdopen(dup(fd), "w+");
	FUZZ_CHECK(f != NULL, "fdopen");
	FUZZ_CHECK(ccm_config_print(c, f) == 0, "print failed");
	FUZZ_CHECK(fflush(f) == 0, "fflush");
	n = ftell(f);
	FUZZ_CHECK(n >= 0, "ftell");
	buf = malloc((size_t)n + 1);
	FUZZ_CHECK(buf != NULL, "out of memory");
	FUZZ_CHECK(pread(fd, buf, (size_t)n, 0) == n, "pread");
	buf[n] = '\0';
	fclose(f);
	body = strchr(buf, '\n');
	body = body ? body + 1 : buf + n;
	*len = strlen(body);
	memmove(buf, body, *len + 1);
	return buf;
}

/* Without the " ; note" the printer adds to a default or derived value:
 * once read back the value is written, and the note goes. */
static size_t strip_notes(char *s)
{
	char *o = s;

	for (char *p = s; *p;) {
		char *nl = strchr(p, '\n'), *end = nl ? nl : p + strlen(p);
		char *note = memmem(p, (size_t)(end - p), " ; ", 3);
		size_t keep = (size_t)((note ? note : end) - p);

		memmove(o, p, keep);
		o += keep;
		if (nl)
			*o++ = '\n';
		p = nl ? nl + 1 : end;
	}
	*o = '\0';
	return (size_t)(o - s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ccm_findings f;
	struct ccm_config *c = NULL, *again = NULL;
	size_t nlines = 0, len1, len2;
	char *p1, *p2;
	int rc;

	for (size_t i = 0; i < size; i++)
		nlines += data[i] == '\n';
	nlines += size && data[size - 1] != '\n';

	fuzz_memfd_set(in_fd, data, size);
	ccm_findings_init(&f);
	rc = ccm_config_load(in_path, &c, &f);
	FUZZ_CHECK(rc >= 0, "load failed (out of memory?)");
	check_findings(&f, 0, 0, nlines);
	FUZZ_CHECK((size_t)rc == f.errors, "returned %d, %zu errors", rc,
		   f.errors);
	FUZZ_CHECK((rc == 0) == (c != NULL), "returned %d with config %p",
		   rc, (void *)c);
	FUZZ_CHECK(ccm_findings_print(&f, devnull) == 0, "findings print");
	ccm_findings_release(&f);
	if (!c)
		return 0;

	check_config(c);
	FUZZ_CHECK(ccm_config_print(c, devnull) == 0, "print to /dev/null");

	/* the effective configuration reads back as itself */
	p1 = printed(c, out_fd, &len1);
	ccm_findings_init(&f);
	rc = ccm_config_load(out_path, &again, &f);
	if (rc != 0) {
		fprintf(stderr, "--- printed configuration:\n%s---\n", p1);
		ccm_findings_print(&f, stderr);
	}
	FUZZ_CHECK(rc == 0, "the printed configuration has %d errors", rc);
	check_config(again);
	p2 = printed(again, out_fd, &len2);
	len1 = strip_notes(p1);
	len2 = strip_notes(p2);
	if (len1 != len2 || memcmp(p1, p2, len1))
		fprintf(stderr, "--- first:\n%s--- second:\n%s---\n", p1, p2);
	FUZZ_CHECK(len1 == len2 && !memcmp(p1, p2, len1),
		   "printing the printed configuration differs");
	free(p1);
	free(p2);
	ccm_findings_release(&f);
	ccm_config_free(again);
	ccm_config_free(c);
	return 0;
}

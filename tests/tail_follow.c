/* SPDX-License-Identifier: ISC */
/* Test driver for the tailer: follows the patterns given (only by polling
 * with --poll-only; at most N files open with --max-open), persists its
 * positions in STATE after every pass, and prints each recognised message
 * once that is done: "live|replay PATH:LINE COMPONENT STATE".  SIGTERM
 * ends it cleanly.
 *
 * --interleave TRIGGER OLD NEW: once the component TRIGGER has been read,
 * right after the tailer has read the file that held it, the driver
 * appends a line naming op-late.imp1 to OLD and then one naming
 * op-after.imp1 to NEW, as a writer switching files at that moment would:
 * the one point of a pass where that used to reorder lines. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/io/state.h"
#include "agent/io/tail.h"

struct driver {
	struct ccm_tail *tail;
	const char *state_path;
	char *out;      /* messages of the current pass, printed after save */
	size_t outlen;
	FILE *outf;
	int failed;
	const char *trigger, *old_path, *new_path; /* --interleave */
	bool armed, fired;
};

static void message(void *ctx, const char *path, uint64_t line,
		    const struct ccm_logmsg *msg, ccm_ms log_time, bool replay)
{
	struct driver *d = ctx;

	(void)log_time;
	if (msg->kind != CCM_MSG_COMPONENT_STATE)
		return;
	if (d->trigger && strlen(d->trigger) == msg->component.n &&
	    !memcmp(d->trigger, msg->component.p, msg->component.n))
		d->armed = true;
	fprintf(d->outf, "%s %s:%llu %.*s %s\n", replay ? "replay" : "live",
		path, (unsigned long long)line, (int)msg->component.n,
		msg->component.p, ccm_state_name(msg->state));
}

static void tail_event(void *ctx, enum ccm_tail_event ev, const char *path,
		       int err)
{
	static const char *const names[] = {
		"opened", "rotated", "truncated", "closed", "unreadable",
		"readable", "lost", "overflow", "files-limit", "files-ok",
	};

	(void)ctx;
	fprintf(stderr, "event %s %s %d\n", names[ev], path ? path : "-", err);
}

static int append_line(const char *path, const char *name)
{
	char line[128];
	int fd = open(path, O_WRONLY | O_APPEND);
	int n = snprintf(line, sizeof(line),
			 "12:00:00.000 |info jsm Component %s is GONE\n", name);
	int rc = fd >= 0 && write(fd, line, (size_t)n) == n ? 0 : -1;

	if (fd >= 0)
		close(fd);
	if (rc)
		perror(path);
	return rc;
}

static void on_grew(void *ctx, const char *path)
{
	struct driver *d = ctx;

	(void)path;
	if (!d->armed || d->fired)
		return;
	d->fired = true;
	if (append_line(d->old_path, "op-late.imp1") ||
	    append_line(d->new_path, "op-after.imp1"))
		d->failed = 1;
}

static void pass_done(void *ctx, bool grew)
{
	struct driver *d = ctx;
	const struct ccm_tail_pos *pos;
	size_t n;
	char err[512];

	if (!d->tail)
		return; /* the initial pass: saved by main once it returns */
	if (grew) {
		n = ccm_tail_positions(d->tail, &pos);
		if (ccm_state_save(d->state_path, pos, n, NULL, NULL, err,
				   sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			d->failed = 1;
		}
	}
	fflush(d->outf);
	fwrite(d->out, 1, d->outlen, stdout);
	fflush(stdout);
	rewind(d->outf);
	d->outlen = 0;
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si,
		     void *ud)
{
	(void)si;
	(void)ud;
	return sd_event_exit(sd_event_source_get_event(s), 0);
}

int main(int argc, char **argv)
{
	struct driver d = { 0 };
	struct ccm_saved saved;
	struct ccm_tail_config cfg = { 0 };
	struct ccm_tail_ops ops = {
		.message = message, .event = tail_event, .pass_done = pass_done,
		.grew = on_grew,
	};
	struct ccm_recognizer *rec;
	sd_event *loop;
	sigset_t mask;
	char err[512];
	int have;

	if (argc > 1 && !strcmp(argv[1], "--poll-only")) {
		cfg.poll_only = true;
		argv++;
		argc--;
	}
	if (argc > 2 && !strcmp(argv[1], "--max-open")) {
		cfg.max_open = strtoul(argv[2], NULL, 10);
		argv += 2;
		argc -= 2;
	}
	if (argc > 4 && !strcmp(argv[1], "--interleave")) {
		d.trigger = argv[2];
		d.old_path = argv[3];
		d.new_path = argv[4];
		argv += 4;
		argc -= 4;
	}
	if (argc < 3) {
		fputs("usage: tail_follow [--poll-only] [--max-open N]"
		      " [--interleave TRIGGER OLD NEW] STATE PATTERN...\n",
		      stderr);
		return 2;
	}
	d.state_path = argv[1];
	d.outf = open_memstream(&d.out, &d.outlen);
	cfg.patterns = argv + 2;
	cfg.npatterns = (size_t)argc - 2;
	cfg.drain_usec = 500000;
	cfg.poll_usec = 200000;
	have = ccm_state_load(d.state_path, &saved, err, sizeof(err));
	if (have < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	rec = ccm_recognizer_new(err, sizeof(err));
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	if (!rec || sd_event_default(&loop) < 0)
		return 1;
	sd_event_add_signal(loop, NULL, SIGTERM, on_signal, NULL);
	sd_event_add_signal(loop, NULL, SIGINT, on_signal, NULL);
	d.tail = NULL;
	{
		struct ccm_tail *t = ccm_tail_new(loop, &cfg, rec,
						  have ? saved.files : NULL,
						  have ? saved.nfiles : 0,
						  &ops, &d, err, sizeof(err));
		if (!t) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		d.tail = t;
	}
	pass_done(&d, true);
	fputs("ready\n", stderr);
	sd_event_loop(loop);
	pass_done(&d, true);
	ccm_tail_free(d.tail);
	ccm_state_release(&saved);
	ccm_recognizer_free(rec);
	sd_event_unref(loop);
	fclose(d.outf);
	free(d.out);
	return d.failed;
}

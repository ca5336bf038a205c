/* SPDX-License-Identifier: ISC */
/* The progress line of `ccmon analyze` (ccmon(1), --progress). */
#include <stdio.h>
#include <time.h>

#include "agent/cli/progress.h"

/* Seconds between updates: often enough to look alive on a terminal,
 * seldom enough that a log capturing stderr stays short. */
#define EVERY_TTY 0.25
#define EVERY_PIPE 5.0

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* "1.5 GiB", "812 KiB", "17 B" */
static void human(char *buf, size_t len, double v)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	unsigned u = 0;

	while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, u && v < 10 ? "%.1f %s" : "%.0f %s", v, units[u]);
}

void ccm_progress_format(char *buf, size_t len, uint64_t bytes,
			 uint64_t total, uint64_t lines, double secs)
{
	char b[32], t[32], r[32], left[32] = "?";
	double rate = secs > 0 ? (double)bytes / secs : 0;

	human(b, sizeof(b), (double)bytes);
	human(t, sizeof(t), (double)total);
	human(r, sizeof(r), rate);
	if (rate > 0 && total >= bytes)
		snprintf(left, sizeof(left), "%.0f s",
			 (double)(total - bytes) / rate);
	snprintf(buf, len, "ccmon analyze: %s of %s (%.0f%%), %llu lines, "
		 "%s/s, %s left", b, t,
		 total ? 100.0 * (double)bytes / (double)total : 100.0,
		 (unsigned long long)lines, r, left);
}

void ccm_progress_format_end(char *buf, size_t len, uint64_t files,
			     uint64_t bytes, uint64_t lines, double secs)
{
	char r[32];

	human(r, sizeof(r), secs > 0 ? (double)bytes / secs : 0);
	snprintf(buf, len, "ccmon analyze: read %llu file%s, %llu bytes, "
		 "%llu line%s in %.1f s (%s/s)", (unsigned long long)files,
		 files == 1 ? "" : "s", (unsigned long long)bytes,
		 (unsigned long long)lines, lines == 1 ? "" : "s", secs, r);
}

void ccm_progress_init(struct ccm_progress *p, FILE *out, bool tty,
		       uint64_t total)
{
	*p = (struct ccm_progress){ .out = out, .tty = tty, .total = total };
	p->start = p->shown = now_s();
}

static void show(struct ccm_progress *p, const char *text)
{
	/* \r and erase to the end: the line is rewritten in place */
	if (p->tty)
		fprintf(p->out, "\r%s\033[K", text);
	else
		fprintf(p->out, "%s\n", text);
	p->dirty = p->tty;
	fflush(p->out);
}

void ccm_progress_update(void *ctx, uint64_t pos, uint64_t lines)
{
	struct ccm_progress *p = ctx;
	double t = now_s();
	char buf[256];

	p->bytes = p->base_bytes + pos;
	p->lines = p->base_lines + lines;
	if (t - p->shown < (p->tty ? EVERY_TTY : EVERY_PIPE))
		return;
	p->shown = t;
	ccm_progress_format(buf, sizeof(buf), p->bytes, p->total, p->lines,
			    t - p->start);
	show(p, buf);
}

void ccm_progress_file_done(struct ccm_progress *p, bool whole,
			    uint64_t size, uint64_t lines)
{
	p->base_bytes = whole ? p->base_bytes + size : p->bytes;
	p->base_lines += lines;
	p->bytes = p->base_bytes;
	p->lines = p->base_lines;
	p->files++;
}

void ccm_progress_clear(struct ccm_progress *p)
{
	if (p->dirty)
		fputs("\r\033[K", p->out);
	p->dirty = false;
}

void ccm_progress_end(struct ccm_progress *p)
{
	char buf[256];

	ccm_progress_clear(p);
	ccm_progress_format_end(buf, sizeof(buf), p->files, p->bytes,
				p->lines, now_s() - p->start);
	fprintf(p->out, "%s\n", buf);
	fflush(p->out);
}

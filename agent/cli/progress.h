/* SPDX-License-Identifier: ISC */
/* A progress line for long work (`ccmon analyze` on large logs): bytes,
 * lines, rate and time left, on a terminal rewritten in place. */
#ifndef CCM_PROGRESS_H
#define CCM_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct ccm_progress {
	FILE *out;
	bool tty;           /* rewrite one line in place, else one per update */
	uint64_t total;     /* bytes of all the files */
	uint64_t files;
	uint64_t base_bytes, base_lines; /* of the files already read */
	uint64_t bytes, lines;           /* so far, all files */
	double start, shown; /* monotonic seconds; shown: the last update */
	bool dirty;          /* a line in place is on the terminal */
};

void ccm_progress_init(struct ccm_progress *p, FILE *out, bool tty,
		       uint64_t total);

/* An ccm_input_progress_fn (agent/io/input.h): pos, lines of the current
 * file.  Shows the line when enough time has passed since the last one. */
void ccm_progress_update(void *ctx, uint64_t pos, uint64_t lines);

/* The current file is done, lines lines in all: read whole (its size
 * bytes), or only up to the last update (an error, --until). */
void ccm_progress_file_done(struct ccm_progress *p, bool whole,
			    uint64_t size, uint64_t lines);

/* Takes a line in place off the terminal, before something else is said. */
void ccm_progress_clear(struct ccm_progress *p);

/* The final line, always: files, bytes, lines, time taken, rate. */
void ccm_progress_end(struct ccm_progress *p);

/* The texts, without a clock: what an update shows after secs seconds,
 * and the final summary. */
void ccm_progress_format(char *buf, size_t len, uint64_t bytes,
			 uint64_t total, uint64_t lines, double secs);
void ccm_progress_format_end(char *buf, size_t len, uint64_t files,
			     uint64_t bytes, uint64_t lines, double secs);

#endif

/* SPDX-License-Identifier: ISC */
/* One log file read for analysis: plain or gzip, probed for its first
 * timestamp (to order a rotated set) and then scanned. */
#ifndef CCM_INPUT_H
#define CCM_INPUT_H

#include <stdbool.h>

#include "agent/core/input_date.h"
#include "parsers/scanner.h"

/* Called as a scan reads on: pos is how far into the file (compressed
 * bytes for a .gz), lines how many lines so far. */
typedef void ccm_input_progress_fn(void *ctx, uint64_t pos, uint64_t lines);

struct ccm_input {
	char *path;          /* as given on the command line */
	size_t order;        /* position on the command line */
	ccm_ms mtime;        /* modification time, local civil ms */
	uint64_t size;       /* bytes on disk (compressed for a .gz) */
	bool have_name_date;
	ccm_ms name_date;    /* midnight of the date in the file's name */
	enum ccm_date_source date_source; /* set by ccm_input_clock() and
					   * the scan */
	ccm_input_progress_fn *progress; /* optional, set before the scan */
	void *progress_ctx;
	enum ccm_ts_shape shape;
	bool have_first;
	ccm_ms first;        /* first timestamp: by the name or mtime rule
			      * after the probe, the earliest by the scan's
			      * own clock after it */
	char *first_line;    /* the first dated line, to date it again */
	size_t first_len;
	struct ccm_scan_stats stats;
	bool have_last;
	ccm_ms last;         /* latest timestamp read by the scan */
	bool failed;         /* a read error cut the scan short */
};

/* Opens path, reads up to its first dated line.  Returns 0, or -1 with
 * "path: reason" in err. */
int ccm_input_probe(struct ccm_input *in, const char *path, char *err,
		    size_t errlen);

/* Reads the whole file through sc (whose clock the caller has set up), then
 * keeps the scanner's counters and last time in *in.  Returns 0, or -1 with
 * "path: reason" in err; what was read before an error has been scanned. */
int ccm_input_scan(struct ccm_input *in, struct ccm_scanner *sc, char *err,
		   size_t errlen);

/* Dates the input's first dated line with clock (left unchanged), as the
 * scan will: the time of any undated lines before it. */
bool ccm_input_first_time(const struct ccm_input *in,
			  const struct ccm_clock *clock, ccm_ms *out);

void ccm_input_release(struct ccm_input *in);

/* ---- dates: the rules of agent/core/input_date.h applied to in ---- */

/* Sets up clock for in, prev the input read before it (NULL for the first),
 * date the --date option if have_date; records in in->date_source where
 * the date comes from (the scan may find it in the lines instead). */
void ccm_input_clock(struct ccm_input *in, const struct ccm_input *prev,
		     bool have_date, ccm_ms date, struct ccm_clock *clock);

/* The scan's last step: lines that carry their full date are dated by
 * themselves, whatever the clock's basis. */
void ccm_input_date_settle(struct ccm_input *in);

/* True when the modification time in was dated by cannot be the file's
 * last write: its last line a day or more before it, or later than it
 * (a copy that did not keep the time). */
bool ccm_input_mtime_suspect(const struct ccm_input *in);

#endif

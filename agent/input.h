/* SPDX-License-Identifier: ISC */
/* One log file read for analysis: plain or gzip, probed for its first
 * timestamp (to order a rotated set) and then scanned. */
#ifndef CCM_INPUT_H
#define CCM_INPUT_H

#include <stdbool.h>

#include "parsers/scanner.h"

struct ccm_input {
	char *path;          /* as given on the command line */
	size_t order;        /* position on the command line */
	ccm_ms mtime;        /* modification time, local civil ms */
	enum ccm_ts_shape shape;
	bool have_first;
	ccm_ms first;        /* first timestamp: by the mtime rule after the
			      * probe, the earliest by the scan's own clock
			      * after it */
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

#endif

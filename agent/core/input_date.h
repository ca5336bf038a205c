/* SPDX-License-Identifier: ISC */
/* Where an input's dates come from, and whether a modification time that
 * dates it can be trusted (doc/ccmon.1, analyze): the rules, on the facts
 * a file gives (its name, its modification time, the shape and range of
 * its timestamps), without reading it.  agent/io/input.h applies them to
 * the files it reads. */
#ifndef CCM_CORE_INPUT_DATE_H
#define CCM_CORE_INPUT_DATE_H

#include <stdbool.h>

#include "parsers/timestamp.h"

enum ccm_date_source {
	CCM_DATE_FROM_OPTION, /* --date, run on from the previous input */
	CCM_DATE_FROM_NAME,   /* a date in the file's name */
	CCM_DATE_FROM_LINE,   /* the lines carry their full date */
	CCM_DATE_FROM_MTIME,  /* the file's modification time */
};

/* "date-option", "file-name", "dated-line", "mtime". */
const char *ccm_date_source_name(enum ccm_date_source src);

/* The date a file's base name carries, YYYY-MM-DD or YYYYMMDD between
 * non-digits, as midnight in *out; false when there is none. */
bool ccm_name_date(const char *path, ccm_ms *out);

/* What may date one input, strongest first. */
struct ccm_date_basis {
	bool have_date;       /* the --date option */
	ccm_ms date;
	bool have_prev_last;  /* the latest time of the input read before */
	ccm_ms prev_last;
	bool have_name_date;  /* ccm_name_date() of the file's name */
	ccm_ms name_date;
	ccm_ms mtime;         /* the file's modification time, local civil */
};

/* Sets up clock for an input dated by b; returns where the date comes
 * from (the scan may find it in the lines instead: ccm_date_settle()). */
enum ccm_date_source ccm_date_clock(const struct ccm_date_basis *b,
				    struct ccm_clock *clock);

/* Where the dates came from once the scan found the lines' shape: lines
 * that carry their full date are dated by themselves. */
enum ccm_date_source ccm_date_settle(enum ccm_date_source src,
				     enum ccm_ts_shape shape);

/* True when the modification time an input was dated by (src) cannot be
 * the file's last write: its last line (if have_last) a day or more
 * before it, or later than it (a copy that did not keep the time). */
bool ccm_date_mtime_suspect(enum ccm_date_source src, ccm_ms mtime,
			    bool have_last, ccm_ms last);

#endif

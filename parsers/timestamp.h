/* SPDX-License-Identifier: ISC */
/* Log timestamps: shape detection, per-input clock, ISO 8601 formatting.
 *
 * Times are "log time": milliseconds since 1970-01-01T00:00:00 of the civil
 * time written in the log, with no time-zone conversion.  A log that writes
 * local time stays in local time; output carries no zone suffix. */
#ifndef CCM_TIMESTAMP_H
#define CCM_TIMESTAMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef int64_t ccm_ms;

#define CCM_MS_PER_DAY INT64_C(86400000)

enum ccm_ts_shape {
	CCM_TS_NONE = 0,
	CCM_TS_TRACE,      /* "HH:MM:SS.mmm |level ..." (IM&P router trace)   */
	CCM_TS_LOG4J,      /* "YYYY-MM-DD HH:MM:SS,mmm ..."                     */
	CCM_TS_EXPRESSWAY, /* '... UTCTime="YYYY-MM-DD HH:MM:SS,mmm" ...'       */
	CCM_TS_ISO8601,    /* "YYYY-MM-DDTHH:MM:SS[.fff][Z|+hh:mm] ..."         */
	CCM_TS_SYSLOG,     /* "Mon DD HH:MM:SS ..." (no year)                   */
};

const char *ccm_ts_shape_name(enum ccm_ts_shape shape);

/* The shape of the timestamp this line carries, or CCM_TS_NONE. */
enum ccm_ts_shape ccm_ts_detect(const char *line, size_t len);

/* What fills in the date (time-only shapes) or the year (syslog). */
enum ccm_basis_kind {
	CCM_BASIS_MTIME,    /* file modification time, local civil ms: the last
			     * line cannot be later, so a first line whose time
			     * of day is later than the mtime's is from the day
			     * (year) before */
	CCM_BASIS_DATE,     /* the operator's --date: midnight of the first
			     * line's day */
	CCM_BASIS_CONTINUE, /* the previous input's last time: the clock goes on
			     * as if the two inputs were one file */
};

struct ccm_clock {
	enum ccm_ts_shape shape; /* CCM_TS_NONE until the first dated line */
	enum ccm_basis_kind basis;
	ccm_ms basis_time;
	int64_t day;  /* CCM_TS_TRACE: days since the epoch of the current line */
	int year;     /* CCM_TS_SYSLOG: year of the current line */
	int32_t date_key; /* full-date shapes: YYYYMMDD of the last line, whose
			   * day number is in day (the cache that spares
			   * a date conversion per line) */
	bool have_last;
	ccm_ms last;  /* last timestamp read (inherited by undated lines) */
	/* The range of the timestamps read (valid with have_last): a
	 * multi-threaded router writes lines a little out of order, so the
	 * last line need not be the latest. */
	ccm_ms earliest, latest;
	/* CCM_TS_TRACE: "HH:MM:SS" of the last line read OK and its time
	 * less the milliseconds.  A line in the same second is dated from
	 * them (no midnight can fall within a second): most lines are. */
	bool have_sec;
	uint64_t sec_key;
	ccm_ms sec_base;
};

void ccm_clock_init(struct ccm_clock *clock, enum ccm_basis_kind basis,
		    ccm_ms basis_time);

enum ccm_ts_result {
	CCM_TS_ABSENT,  /* the line carries no timestamp: *out = last (if any) */
	CCM_TS_OK,      /* *out is the line's own time                         */
	CCM_TS_INVALID, /* it looks like one, but its fields are out of range  */
};

/* Reads the timestamp of one line (no trailing newline).  The first line
 * with a recognisable timestamp fixes the clock's shape; later lines are
 * read in that shape only.  Time-only shapes advance their day when the
 * time of day runs backwards by more than 12 hours (midnight); syslog
 * advances its year when the date runs backwards by more than 180 days. */
enum ccm_ts_result ccm_clock_read(struct ccm_clock *clock, const char *line,
				  size_t len, ccm_ms *out);

/* Civil-date helpers (proleptic Gregorian). */
int64_t ccm_days_from_civil(int year, unsigned month, unsigned day);
void ccm_civil_from_days(int64_t days, int *year, unsigned *month,
			 unsigned *day);

/* A system time (CLOCK_REALTIME, a file's mtime) as local civil time: the
 * convention of the router's logs, so that log and wall time compare. */
struct timespec;
ccm_ms ccm_time_local(const struct timespec *ts);

/* The offset from UTC, in minutes east, of local civil time t under the
 * process's time zone (TZ, else the host's), daylight saving included;
 * for a local time that occurs twice, one of the two.  0 when the zone
 * cannot tell (a time outside time_t). */
int ccm_time_local_offset(ccm_ms t);

/* "YYYY-MM-DDTHH:MM:SS.mmm" (23 characters); buf needs CCM_TIME_STRLEN. */
#define CCM_TIME_STRLEN 32
const char *ccm_time_format(ccm_ms t, char buf[static CCM_TIME_STRLEN]);

/* Parses an operator-given time: "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS[.mmm]]"
 * or the same with a space for the T.  Returns 0, or -1 when malformed. */
int ccm_time_parse(const char *s, ccm_ms *out);

#endif

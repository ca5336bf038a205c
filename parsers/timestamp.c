/* SPDX-License-Identifier: ISC */
/* Log timestamps: shape detection, per-input clock, ISO 8601 formatting.
 *
 * ccm_clock_read runs once for every line of logs that can be gigabytes
 * long, so the shapes are fixed-position layouts read with plain byte
 * compares: no sscanf, strptime or mktime on the per-line path.  A layout
 * is "digits and separators in the right places"; only once the layout
 * matches are the field values range-checked, so that ordinary text is
 * ABSENT and only a damaged timestamp is INVALID. */
#include <string.h>
#include <time.h>

#include "parsers/timestamp.h"

#define MS_PER_HOUR INT64_C(3600000)
/* A time of day running backwards by more than this is the next day. */
#define TRACE_ROLLOVER (12 * MS_PER_HOUR)
/* File times come from a coarser clock than the one a logger stamps its
 * lines with, and copies may carry a skewed one: a first line up to this
 * much later than the mtime is still the mtime's day. */
#define MTIME_SLACK (10 * INT64_C(60000))
/* A yearless date running backwards by more than this is the next year. */
#define SYSLOG_ROLLOVER (180 * CCM_MS_PER_DAY)

#define UTCTIME_TAG "UTCTime=\""
#define UTCTIME_TAG_LEN (sizeof(UTCTIME_TAG) - 1)

/* Minimum bytes each layout needs, so that no scanner reads past len. */
#define TRACE_LEN 12     /* HH:MM:SS.mmm */
#define LOG4J_LEN 23     /* YYYY-MM-DD HH:MM:SS,mmm */
#define ISO_LEN 19       /* YYYY-MM-DDTHH:MM:SS */
#define SYSLOG_LEN 15    /* Mon DD HH:MM:SS */
#define MAX_FRACTION 9   /* ISO fraction digits: down to nanoseconds */

/* The fields as written; range-checked only after the layout matched. */
struct stamp {
	int year;
	unsigned mon, mday;
	unsigned hour, min, sec, ms;
};

static const char *const shape_names[] = {
	[CCM_TS_NONE] = "none",
	[CCM_TS_TRACE] = "trace",
	[CCM_TS_LOG4J] = "log4j",
	[CCM_TS_EXPRESSWAY] = "expressway",
	[CCM_TS_ISO8601] = "iso8601",
	[CCM_TS_SYSLOG] = "syslog",
};

const char *ccm_ts_shape_name(enum ccm_ts_shape shape)
{
	if ((unsigned)shape >= sizeof(shape_names) / sizeof(shape_names[0]))
		return "none";
	return shape_names[shape];
}

/* ---- civil dates ------------------------------------------------------ */

/* C division truncates towards zero; times before 1970 need the floor. */
static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if (a % b != 0 && (a < 0) != (b < 0))
		q--;
	return q;
}

/* The remainder matching floor_div, always in [0, b) for b > 0.  Taken
 * from a % b rather than a - q * b, which can overflow near INT64_MIN. */
static int64_t floor_mod(int64_t a, int64_t b)
{
	int64_t r = a % b;

	if (r < 0)
		r += b;
	return r;
}

/* Howard Hinnant's days_from_civil: eras of 400 years (146097 days) make
 * the Gregorian cycle exact; the year is taken to start on 1 March so that
 * the leap day falls at its end. */
int64_t ccm_days_from_civil(int year, unsigned month, unsigned day)
{
	int64_t y = (int64_t)year - (month <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;                        /* [0, 399] */
	int64_t mp = month > 2 ? (int64_t)month - 3 : (int64_t)month + 9;
	int64_t doy = (153 * mp + 2) / 5 + (int64_t)day - 1; /* [0, 365] */
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; /* [0, 146096] */

	return era * 146097 + doe - 719468;
}

/* The inverse of ccm_days_from_civil, same public-domain algorithm. */
void ccm_civil_from_days(int64_t days, int *year, unsigned *month,
			 unsigned *day)
{
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;                        /* [0, 146096] */
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100); /* [0, 365] */
	int64_t mp = (5 * doy + 2) / 153;                      /* [0, 11] */
	unsigned m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);

	*day = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*month = m;
	*year = (int)(yoe + era * 400 + (m <= 2));
}

static bool is_leap(int year)
{
	return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

static unsigned days_in_month(int year, unsigned mon)
{
	static const unsigned char dim[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (mon == 2 && is_leap(year))
		return 29;
	return dim[mon - 1];
}

static bool date_ok(int year, unsigned mon, unsigned mday)
{
	return mon >= 1 && mon <= 12 && mday >= 1 &&
	       mday <= days_in_month(year, mon);
}

/* Milliseconds are always three digits, so they need no check. */
static bool tod_ok(const struct stamp *st)
{
	return st->hour < 24 && st->min < 60 && st->sec < 60;
}

static ccm_ms tod_ms(const struct stamp *st)
{
	return (((ccm_ms)st->hour * 60 + st->min) * 60 + st->sec) * 1000 +
	       st->ms;
}

/* ---- layouts ---------------------------------------------------------- */

/* ORs "not a digit" into *bad, so that a whole layout costs one branch at
 * its end instead of one per byte. */
static inline unsigned dig(const char *p, unsigned *bad)
{
	unsigned v = (unsigned)(unsigned char)*p - '0';

	*bad |= v > 9;
	return v;
}

static inline unsigned num2(const char *p, unsigned *bad)
{
	unsigned hi = dig(p, bad);

	return hi * 10 + dig(p + 1, bad);
}

static inline bool is_digit(char c)
{
	return (unsigned)(unsigned char)c - '0' <= 9;
}

/* "YYYY-MM-DD" at p, 10 bytes available. */
static bool scan_date(const char *p, struct stamp *st)
{
	unsigned bad = (p[4] != '-') | (p[7] != '-');
	unsigned hi = num2(p, &bad);

	st->year = (int)(hi * 100 + num2(p + 2, &bad));
	st->mon = num2(p + 5, &bad);
	st->mday = num2(p + 8, &bad);
	return !bad;
}

/* "HH:MM:SS" at p, 8 bytes available. */
static bool scan_hms(const char *p, struct stamp *st)
{
	unsigned bad = (p[2] != ':') | (p[5] != ':');

	st->hour = num2(p, &bad);
	st->min = num2(p + 3, &bad);
	st->sec = num2(p + 6, &bad);
	return !bad;
}

/* "mmm" at p, 3 bytes available. */
static bool scan_ms3(const char *p, struct stamp *st)
{
	unsigned bad = 0;
	unsigned hi = dig(p, &bad);
	unsigned mid = dig(p + 1, &bad);

	st->ms = hi * 100 + mid * 10 + dig(p + 2, &bad);
	return !bad;
}

/* "HH:MM:SS.mmm" ended by a blank, '|' or the end of the line: the router
 * trace writes "12:29:24.762 |debug ...".  The end is part of the layout so
 * that a number such as "12:29:24.7625" is not taken for a time. */
static bool scan_trace(const char *p, size_t len, struct stamp *st)
{
	if (len < TRACE_LEN || p[8] != '.')
		return false;
	if (len > TRACE_LEN) {
		char c = p[TRACE_LEN];

		/* '\r': callers strip it, but a stray one costs nothing. */
		if (c != ' ' && c != '|' && c != '\t' && c != '\r')
			return false;
	}
	return scan_hms(p, st) && scan_ms3(p + 9, st);
}

/* "YYYY-MM-DD HH:MM:SS,mmm" (or '.' before the millis), len available. */
static bool scan_log4j(const char *p, size_t len, struct stamp *st)
{
	if (len < LOG4J_LEN || p[10] != ' ' || (p[19] != ',' && p[19] != '.'))
		return false;
	return scan_date(p, st) && scan_hms(p + 11, st) &&
	       scan_ms3(p + 20, st);
}

/* 'UTCTime="YYYY-MM-DD HH:MM:SS,mmm"' anywhere in the line.  Expressway
 * lines often carry a syslog prefix, so the tag is searched for, and past
 * a tag whose value does not fit in case the text merely quotes one. */
static bool scan_expressway(const char *line, size_t len, struct stamp *st)
{
	/* Offsets, not an end pointer: line may be NULL when len is 0. */
	size_t off = 0;

	while (len - off >= UTCTIME_TAG_LEN + LOG4J_LEN + 1) {
		const char *tag = memmem(line + off, len - off, UTCTIME_TAG,
					 UTCTIME_TAG_LEN);
		const char *v;

		if (!tag)
			return false;
		v = tag + UTCTIME_TAG_LEN;
		if (len - (size_t)(v - line) >= LOG4J_LEN + 1 &&
		    v[LOG4J_LEN] == '"' && scan_log4j(v, LOG4J_LEN, st))
			return true;
		off = (size_t)(tag - line) + 1;
	}
	return false;
}

/* The optional fraction after an ISO 8601 seconds field: 1 to 9 digits,
 * of which the milliseconds are kept.  p is just past the '.', which the
 * caller saw followed by a digit.  More than 9 digits is no known clock's
 * output, so it is not taken for a timestamp at all. */
static bool scan_fraction(const char *p, size_t len, struct stamp *st)
{
	unsigned ms = 0;
	size_t i;

	for (i = 0; i < len && is_digit(p[i]); i++) {
		if (i == MAX_FRACTION)
			return false;
		if (i < 3)
			ms = ms * 10 + (unsigned)(p[i] - '0');
	}
	for (; i < 3; i++)
		ms *= 10;
	st->ms = ms;
	return true;
}

/* "YYYY-MM-DDTHH:MM:SS[.f...]".  A zone suffix ("Z", "+01:00", "-0500")
 * may follow; log time is the civil time as written, so the suffix is
 * never converted and need not even be read. */
static bool scan_iso(const char *p, size_t len, struct stamp *st)
{
	if (len < ISO_LEN || p[10] != 'T')
		return false;
	if (!scan_date(p, st) || !scan_hms(p + 11, st))
		return false;
	st->ms = 0;
	if (len > ISO_LEN + 1 && p[ISO_LEN] == '.' && is_digit(p[ISO_LEN + 1]))
		return scan_fraction(p + ISO_LEN + 1, len - ISO_LEN - 1, st);
	return true;
}

/* English month abbreviation to 1..12, or 0. */
static unsigned month_abbr(const char *p)
{
	char a = p[0], b = p[1], c = p[2];

	switch (a) {
	case 'J':
		if (b == 'a' && c == 'n')
			return 1;
		if (b == 'u' && c == 'n')
			return 6;
		if (b == 'u' && c == 'l')
			return 7;
		return 0;
	case 'F':
		return b == 'e' && c == 'b' ? 2 : 0;
	case 'M':
		if (b != 'a')
			return 0;
		return c == 'r' ? 3 : c == 'y' ? 5 : 0;
	case 'A':
		if (b == 'p' && c == 'r')
			return 4;
		return b == 'u' && c == 'g' ? 8 : 0;
	case 'S':
		return b == 'e' && c == 'p' ? 9 : 0;
	case 'O':
		return b == 'c' && c == 't' ? 10 : 0;
	case 'N':
		return b == 'o' && c == 'v' ? 11 : 0;
	case 'D':
		return b == 'e' && c == 'c' ? 12 : 0;
	}
	return 0;
}

/* "Mon DD HH:MM:SS", the day padded with a space (" 5") or a zero. */
static bool scan_syslog(const char *p, size_t len, struct stamp *st)
{
	unsigned bad = 0;

	if (len < SYSLOG_LEN || p[3] != ' ' || p[6] != ' ')
		return false;
	st->mon = month_abbr(p);
	if (!st->mon)
		return false;
	st->mday = p[4] == ' ' ? dig(p + 5, &bad) : num2(p + 4, &bad);
	st->ms = 0;
	return !bad && scan_hms(p + 7, st);
}

/* Layout of one given shape; on a match st holds the fields as written. */
static bool scan_shape(enum ccm_ts_shape shape, const char *line, size_t len,
		       struct stamp *st)
{
	switch (shape) {
	case CCM_TS_TRACE:
		return scan_trace(line, len, st);
	case CCM_TS_LOG4J:
		return scan_log4j(line, len, st);
	case CCM_TS_EXPRESSWAY:
		return scan_expressway(line, len, st);
	case CCM_TS_ISO8601:
		return scan_iso(line, len, st);
	case CCM_TS_SYSLOG:
		return scan_syslog(line, len, st);
	case CCM_TS_NONE:
		break;
	}
	return false;
}

/* Expressway first: its lines may begin with a syslog prefix, which would
 * otherwise be taken for the line's timestamp. */
static enum ccm_ts_shape detect(const char *line, size_t len,
				struct stamp *st)
{
	static const enum ccm_ts_shape order[] = {
		CCM_TS_EXPRESSWAY, CCM_TS_TRACE, CCM_TS_LOG4J,
		CCM_TS_ISO8601, CCM_TS_SYSLOG,
	};
	size_t i;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (scan_shape(order[i], line, len, st))
			return order[i];
	return CCM_TS_NONE;
}

enum ccm_ts_shape ccm_ts_detect(const char *line, size_t len)
{
	struct stamp st;

	return detect(line, len, &st);
}

/* ---- the clock -------------------------------------------------------- */

void ccm_clock_init(struct ccm_clock *clock, enum ccm_basis_kind basis,
		    ccm_ms basis_time)
{
	memset(clock, 0, sizeof(*clock));
	clock->shape = CCM_TS_NONE;
	clock->basis = basis;
	clock->basis_time = basis_time;
}

/*
 * The readers below compute into locals and write the clock only once the
 * line is known to be OK, so an INVALID line leaves the state untouched.
 * first: no line has been read OK yet, so the basis decides.
 */

/* Full dates.  Consecutive lines nearly always share their date, so the
 * day number of the last one is kept in clock->day, recognised by
 * clock->date_key. */
static enum ccm_ts_result read_dated(struct ccm_clock *clock,
				     const struct stamp *st, bool first,
				     ccm_ms *t)
{
	int32_t key = st->year * 10000 + (int32_t)(st->mon * 100 + st->mday);
	int64_t day;

	if (!tod_ok(st))
		return CCM_TS_INVALID;
	if (!first && key == clock->date_key) {
		day = clock->day;
	} else {
		if (!date_ok(st->year, st->mon, st->mday))
			return CCM_TS_INVALID;
		day = ccm_days_from_civil(st->year, st->mon, st->mday);
	}
	clock->date_key = key;
	clock->day = day;
	*t = day * CCM_MS_PER_DAY + tod_ms(st);
	return CCM_TS_OK;
}

static int64_t trace_first_day(const struct ccm_clock *clock, ccm_ms tod)
{
	int64_t bday = floor_div(clock->basis_time, CCM_MS_PER_DAY);
	ccm_ms btod = floor_mod(clock->basis_time, CCM_MS_PER_DAY);

	switch (clock->basis) {
	case CCM_BASIS_MTIME:
		/* The file was last written at the mtime, so a first line
		 * later in the day than that was written the day before. */
		return bday - (tod > btod + MTIME_SLACK);
	case CCM_BASIS_CONTINUE:
		return bday + (btod - tod > TRACE_ROLLOVER);
	case CCM_BASIS_DATE:
		break;
	}
	return bday;
}

static enum ccm_ts_result read_trace(struct ccm_clock *clock,
				     const struct stamp *st, bool first,
				     ccm_ms *t)
{
	ccm_ms tod;
	int64_t day;

	if (!tod_ok(st))
		return CCM_TS_INVALID;
	tod = tod_ms(st);
	if (first) {
		day = trace_first_day(clock, tod);
	} else {
		/* Traces are written in order, but threads interleave, so
		 * only a step back of over half a day is taken for midnight;
		 * a smaller one is kept as written. */
		day = clock->day;
		if (clock->last - day * CCM_MS_PER_DAY - tod > TRACE_ROLLOVER)
			day++;
	}
	clock->day = day;
	*t = day * CCM_MS_PER_DAY + tod;
	return CCM_TS_OK;
}

/* Day numbers of Feb 29 in a common year run on into March 1; that is
 * good enough to choose the year, and the date is checked afterwards. */
static ccm_ms syslog_time(int year, const struct stamp *st, ccm_ms tod)
{
	return ccm_days_from_civil(year, st->mon, st->mday) * CCM_MS_PER_DAY +
	       tod;
}

static int syslog_first_year(const struct ccm_clock *clock,
			     const struct stamp *st, ccm_ms tod)
{
	int year;
	unsigned mon, mday;
	ccm_ms cand;

	ccm_civil_from_days(floor_div(clock->basis_time, CCM_MS_PER_DAY),
			    &year, &mon, &mday);
	cand = syslog_time(year, st, tod);
	switch (clock->basis) {
	case CCM_BASIS_MTIME:
		/* The first line cannot postdate the mtime; a day of slack
		 * forgives a host clock and a file system that disagree. */
		if (cand - clock->basis_time > CCM_MS_PER_DAY)
			year--;
		break;
	case CCM_BASIS_CONTINUE:
		if (clock->basis_time - cand > SYSLOG_ROLLOVER)
			year++;
		break;
	case CCM_BASIS_DATE:
		break;
	}
	return year;
}

static enum ccm_ts_result read_syslog(struct ccm_clock *clock,
				      const struct stamp *st, bool first,
				      ccm_ms *t)
{
	ccm_ms tod;
	int year;

	if (!tod_ok(st) || st->mday < 1 || st->mday > 31)
		return CCM_TS_INVALID;
	tod = tod_ms(st);
	if (first) {
		year = syslog_first_year(clock, st, tod);
	} else {
		year = clock->year;
		if (clock->last - syslog_time(year, st, tod) > SYSLOG_ROLLOVER)
			year++;
	}
	/* Only now is the year known that decides whether Feb 29 exists. */
	if (!date_ok(year, st->mon, st->mday))
		return CCM_TS_INVALID;
	clock->year = year;
	*t = syslog_time(year, st, tod);
	return CCM_TS_OK;
}

static enum ccm_ts_result clock_ok(struct ccm_clock *clock, ccm_ms t,
				   ccm_ms *out)
{
	if (!clock->have_last || t < clock->earliest)
		clock->earliest = t;
	if (!clock->have_last || t > clock->latest)
		clock->latest = t;
	clock->last = t;
	clock->have_last = true;
	*out = t;
	return CCM_TS_OK;
}

/* What scan_trace() and read_trace() would find for a line whose
 * "HH:MM:SS" is the last OK line's (len >= TRACE_LEN): the same day, as
 * the step back is under a second. */
static bool same_second(const struct ccm_clock *clock, const char *p,
			size_t len, ccm_ms *t)
{
	uint64_t key;
	unsigned bad = 0, ms;

	memcpy(&key, p, sizeof(key));
	if (key != clock->sec_key || p[8] != '.')
		return false;
	if (len > TRACE_LEN && p[TRACE_LEN] != ' ' && p[TRACE_LEN] != '|' &&
	    p[TRACE_LEN] != '\t' && p[TRACE_LEN] != '\r')
		return false;
	ms = dig(p + 9, &bad) * 100;
	ms += dig(p + 10, &bad) * 10;
	ms += dig(p + 11, &bad);
	*t = clock->sec_base + ms;
	return !bad;
}

enum ccm_ts_result ccm_clock_read(struct ccm_clock *clock, const char *line,
				  size_t len, ccm_ms *out)
{
	enum ccm_ts_shape shape = clock->shape;
	bool first = shape == CCM_TS_NONE;
	enum ccm_ts_result res = CCM_TS_ABSENT;
	struct stamp st;
	ccm_ms t = 0;

	if (shape == CCM_TS_TRACE && clock->have_sec && len >= TRACE_LEN &&
	    same_second(clock, line, len, &t))
		return clock_ok(clock, t, out);
	if (first)
		shape = detect(line, len, &st);

	/* One direct call per shape rather than scan_shape(), so that the
	 * compiler can inline each scanner: this is the path every line of
	 * a long log takes. */
	switch (shape) {
	case CCM_TS_TRACE:
		if (first || scan_trace(line, len, &st))
			res = read_trace(clock, &st, first, &t);
		break;
	case CCM_TS_LOG4J:
		if (first || scan_log4j(line, len, &st))
			res = read_dated(clock, &st, first, &t);
		break;
	case CCM_TS_EXPRESSWAY:
		if (first || scan_expressway(line, len, &st))
			res = read_dated(clock, &st, first, &t);
		break;
	case CCM_TS_ISO8601:
		if (first || scan_iso(line, len, &st))
			res = read_dated(clock, &st, first, &t);
		break;
	case CCM_TS_SYSLOG:
		if (first || scan_syslog(line, len, &st))
			res = read_syslog(clock, &st, first, &t);
		break;
	case CCM_TS_NONE:
		break;
	}

	if (res == CCM_TS_OK) {
		/* Fixed only by a line read OK: a damaged first timestamp
		 * must not commit the clock to a shape, as INVALID leaves
		 * the state unchanged. */
		clock->shape = shape;
		clock->have_sec = shape == CCM_TS_TRACE;
		if (clock->have_sec) {
			memcpy(&clock->sec_key, line, sizeof(clock->sec_key));
			clock->sec_base = t - st.ms;
		}
		return clock_ok(clock, t, out);
	}
	if (clock->have_last)
		*out = clock->last;
	return res;
}

/* ---- formatting and parsing ------------------------------------------- */

/* Writes v in decimal, zero-padded to width; returns the end. */
static char *put_uint(char *p, uint64_t v, unsigned width)
{
	char tmp[20];
	unsigned n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n < width)
		tmp[n++] = '0';
	while (n)
		*p++ = tmp[--n];
	return p;
}

/* Hand-written rather than snprintf: reports format every event, and the
 * widest result ("-292277022-..." near INT64_MIN) still fits the buffer. */
int ccm_time_local_offset(ccm_ms t)
{
	int64_t days = t >= 0 ? t / CCM_MS_PER_DAY :
				-((-t + CCM_MS_PER_DAY - 1) / CCM_MS_PER_DAY);
	int64_t sec = (t - days * CCM_MS_PER_DAY) / 1000;
	struct tm tm = { .tm_isdst = -1 };
	int year;
	unsigned mon, mday;

	ccm_civil_from_days(days, &year, &mon, &mday);
	tm.tm_year = year - 1900;
	tm.tm_mon = (int)mon - 1;
	tm.tm_mday = (int)mday;
	tm.tm_hour = (int)(sec / 3600);
	tm.tm_min = (int)(sec / 60 % 60);
	tm.tm_sec = (int)(sec % 60);
	/* mktime() reads the zone's rules; tm_gmtoff is the offset it found
	 * (-1 is also 1969-12-31T23:59:59 UTC, hence the year check) */
	if (mktime(&tm) == (time_t)-1 && tm.tm_year != 69)
		return 0;
	return (int)(tm.tm_gmtoff / 60);
}

const char *ccm_time_format(ccm_ms t, char buf[static CCM_TIME_STRLEN])
{
	int64_t days = floor_div(t, CCM_MS_PER_DAY);
	int64_t rem = floor_mod(t, CCM_MS_PER_DAY);
	char *p = buf;
	int year;
	unsigned mon, mday;

	ccm_civil_from_days(days, &year, &mon, &mday);
	if (year < 0) {
		*p++ = '-';
		p = put_uint(p, (uint64_t)-(int64_t)year, 4);
	} else {
		p = put_uint(p, (uint64_t)year, 4);
	}
	*p++ = '-';
	p = put_uint(p, mon, 2);
	*p++ = '-';
	p = put_uint(p, mday, 2);
	*p++ = 'T';
	p = put_uint(p, (uint64_t)(rem / MS_PER_HOUR), 2);
	*p++ = ':';
	p = put_uint(p, (uint64_t)(rem / 60000 % 60), 2);
	*p++ = ':';
	p = put_uint(p, (uint64_t)(rem / 1000 % 60), 2);
	*p++ = '.';
	p = put_uint(p, (uint64_t)(rem % 1000), 3);
	*p = '\0';
	return buf;
}

/* Operator input, not the hot path: clarity over speed, but the same
 * layout helpers so that both agree on what a date looks like. */
int ccm_time_parse(const char *s, ccm_ms *out)
{
	size_t n = strlen(s);
	struct stamp st = { 0 };
	unsigned bad = 0;

	if (n < 10 || !scan_date(s, &st))
		return -1;
	if (n > 10) {
		/* "YYYY-MM-DDTHH:MM" at least */
		if ((s[10] != 'T' && s[10] != ' ') || n < 16 || s[13] != ':')
			return -1;
		st.hour = num2(s + 11, &bad);
		st.min = num2(s + 14, &bad);
	}
	if (n > 16) {
		if (s[16] != ':' || n < 19)
			return -1;
		st.sec = num2(s + 17, &bad);
	}
	if (n > 19) {
		/* 1 to 3 digits: tenths, hundredths or milliseconds */
		size_t i, digits = n - 20;
		unsigned ms = 0;

		if (s[19] != '.' || digits < 1 || digits > 3)
			return -1;
		for (i = 0; i < 3; i++)
			ms = ms * 10 + (i < digits ? dig(s + 20 + i, &bad) : 0);
		st.ms = ms;
	}
	if (bad || !tod_ok(&st) || !date_ok(st.year, st.mon, st.mday))
		return -1;
	*out = ccm_days_from_civil(st.year, st.mon, st.mday) * CCM_MS_PER_DAY +
	       tod_ms(&st);
	return 0;
}

ccm_ms ccm_time_local(const struct timespec *ts)
{
	struct tm tm;

	localtime_r(&ts->tv_sec, &tm);
	return ccm_days_from_civil(tm.tm_year + 1900, (unsigned)tm.tm_mon + 1,
				   (unsigned)tm.tm_mday) * CCM_MS_PER_DAY +
	       ((tm.tm_hour * 60 + tm.tm_min) * 60 + tm.tm_sec) * INT64_C(1000) +
	       ts->tv_nsec / 1000000;
}

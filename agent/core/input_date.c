/* SPDX-License-Identifier: ISC */
/* Where an input's dates come from, and whether a modification time that
 * dates it can be trusted (doc/ccmon.1, analyze). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "agent/core/input_date.h"

/* The clock's slack for a file system and a host clock that disagree, as
 * the mtime rule of parsers/timestamp.c allows. */
#define MTIME_SLACK (10 * INT64_C(60000))

static const char *const source_names[] = {
	[CCM_DATE_FROM_OPTION] = "date-option",
	[CCM_DATE_FROM_NAME] = "file-name",
	[CCM_DATE_FROM_LINE] = "dated-line",
	[CCM_DATE_FROM_MTIME] = "mtime",
};

const char *ccm_date_source_name(enum ccm_date_source src)
{
	if ((unsigned)src >= sizeof(source_names) / sizeof(source_names[0]))
		return "?";
	return source_names[src];
}

static bool digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* A date of 8 digits or 10 characters YYYY-MM-DD starting at s, which is
 * not in the middle of a longer run of digits. */
static bool date_at(const char *base, const char *s, ccm_ms *out)
{
	char buf[11];
	size_t n;

	if (s > base && isdigit((unsigned char)s[-1]))
		return false;
	if (digits(s, 4) && s[4] == '-' && digits(s + 5, 2) && s[7] == '-' &&
	    digits(s + 8, 2) && !isdigit((unsigned char)s[10]))
		n = 10;
	else if (digits(s, 8) && !isdigit((unsigned char)s[8]))
		n = 8;
	else
		return false;
	if (n == 8)
		snprintf(buf, sizeof(buf), "%.4s-%.2s-%.2s", s, s + 4, s + 6);
	else
		memcpy(buf, s, 10), buf[10] = '\0';
	/* a plausible year: a sequence number such as 00012345 is no date */
	if (strncmp(buf, "1990", 4) < 0 || strncmp(buf, "2099", 4) > 0)
		return false;
	return ccm_time_parse(buf, out) == 0;
}

bool ccm_name_date(const char *path, ccm_ms *out)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	for (const char *s = base; *s; s++)
		if (date_at(base, s, out))
			return true;
	return false;
}

enum ccm_date_source ccm_date_clock(const struct ccm_date_basis *b,
				    struct ccm_clock *clock)
{
	if (b->have_date && b->have_prev_last) {
		/* the operator's date runs on as through one file */
		ccm_clock_init(clock, CCM_BASIS_CONTINUE, b->prev_last);
		return CCM_DATE_FROM_OPTION;
	}
	if (b->have_date) {
		ccm_clock_init(clock, CCM_BASIS_DATE, b->date);
		return CCM_DATE_FROM_OPTION;
	}
	if (b->have_name_date) {
		/* named when it was opened: the date of its first line */
		ccm_clock_init(clock, CCM_BASIS_DATE, b->name_date);
		return CCM_DATE_FROM_NAME;
	}
	ccm_clock_init(clock, CCM_BASIS_MTIME, b->mtime);
	return CCM_DATE_FROM_MTIME;
}

enum ccm_date_source ccm_date_settle(enum ccm_date_source src,
				     enum ccm_ts_shape shape)
{
	switch (shape) {
	case CCM_TS_LOG4J:
	case CCM_TS_EXPRESSWAY:
	case CCM_TS_ISO8601:
		return CCM_DATE_FROM_LINE;
	case CCM_TS_NONE:
	case CCM_TS_TRACE:
	case CCM_TS_SYSLOG:
		break;
	}
	return src;
}

bool ccm_date_mtime_suspect(enum ccm_date_source src, ccm_ms mtime,
			    bool have_last, ccm_ms last)
{
	if (src != CCM_DATE_FROM_MTIME || !have_last)
		return false;
	/* a log's modification time is its last line's write */
	return mtime - last >= CCM_MS_PER_DAY || last - mtime > MTIME_SLACK;
}

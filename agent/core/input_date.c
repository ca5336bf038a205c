/* SPDX-License-Identifier: ISC */
/* Where an input's dates come from, and whether a modification time that
 * dates it can be trusted (doc/ccmon.1, analyze). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "agent/io/input.h"

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

void ccm_input_clock(struct ccm_input *in, const struct ccm_input *prev,
		     bool have_date, ccm_ms date, struct ccm_clock *clock)
{
	if (have_date && prev && prev->have_last) {
		/* the operator's date runs on as through one file */
		ccm_clock_init(clock, CCM_BASIS_CONTINUE, prev->last);
		in->date_source = CCM_DATE_FROM_OPTION;
	} else if (have_date) {
		ccm_clock_init(clock, CCM_BASIS_DATE, date);
		in->date_source = CCM_DATE_FROM_OPTION;
	} else if (in->have_name_date) {
		/* named when it was opened: the date of its first line */
		ccm_clock_init(clock, CCM_BASIS_DATE, in->name_date);
		in->date_source = CCM_DATE_FROM_NAME;
	} else {
		ccm_clock_init(clock, CCM_BASIS_MTIME, in->mtime);
		in->date_source = CCM_DATE_FROM_MTIME;
	}
}

void ccm_input_date_settle(struct ccm_input *in)
{
	switch (in->shape) {
	case CCM_TS_LOG4J:
	case CCM_TS_EXPRESSWAY:
	case CCM_TS_ISO8601:
		in->date_source = CCM_DATE_FROM_LINE;
		break;
	case CCM_TS_NONE:
	case CCM_TS_TRACE:
	case CCM_TS_SYSLOG:
		break;
	}
}

bool ccm_input_mtime_suspect(const struct ccm_input *in)
{
	if (in->date_source != CCM_DATE_FROM_MTIME || !in->have_last)
		return false;
	/* a log's modification time is its last line's write */
	return in->mtime - in->last >= CCM_MS_PER_DAY ||
	       in->last - in->mtime > MTIME_SLACK;
}

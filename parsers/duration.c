/* SPDX-License-Identifier: ISC */
#include <stdio.h>
#include <string.h>

#include "parsers/duration.h"

#define MAX_DURATION (INT64_C(366) * CCM_MS_PER_DAY)

static ccm_ms unit_ms(const char **s)
{
	static const struct {
		const char *name;
		ccm_ms ms;
	} units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
	};
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		size_t n = strlen(units[i].name);
		if (strncmp(*s, units[i].name, n) == 0) {
			*s += n;
			return units[i].ms;
		}
	}
	return 0;
}

int ccm_duration_parse(const char *s, ccm_ms *out)
{
	ccm_ms total = 0;
	bool any = false;

	while (*s) {
		ccm_ms v = 0, unit;
		const char *start = s;

		while (*s >= '0' && *s <= '9') {
			v = v * 10 + (*s++ - '0');
			if (v > MAX_DURATION)
				return -1;
		}
		if (s == start)
			return -1;
		unit = *s ? unit_ms(&s) : (any ? 0 : 1000);
		if (!unit)
			return -1;
		total += v * unit;
		if (total > MAX_DURATION)
			return -1;
		any = true;
	}
	if (!any)
		return -1;
	*out = total;
	return 0;
}

const char *ccm_duration_format(ccm_ms d, char buf[static CCM_DURATION_STRLEN])
{
	const char *sign = d < 0 ? "-" : "";
	long long ms, s, m, h;

	if (d < 0)
		d = -d;
	ms = d % 1000;
	s = d / 1000 % 60;
	m = d / 60000 % 60;
	h = d / 3600000;
	if (h)
		snprintf(buf, CCM_DURATION_STRLEN, "%s%lldh%02lldm%02lld.%03llds",
			 sign, h, m, s, ms);
	else if (m)
		snprintf(buf, CCM_DURATION_STRLEN, "%s%lldm%02lld.%03llds", sign,
			 m, s, ms);
	else
		snprintf(buf, CCM_DURATION_STRLEN, "%s%lld.%03llds", sign, s, ms);
	return buf;
}

const char *ccm_duration_format_short(ccm_ms d,
				      char buf[static CCM_DURATION_STRLEN])
{
	static const struct {
		ccm_ms ms;
		const char *unit;
	} units[] = { { 3600000, "h" }, { 60000, "m" }, { 1000, "s" } };

	for (size_t i = 0; d && i < sizeof(units) / sizeof(units[0]); i++)
		if (d % units[i].ms == 0) {
			snprintf(buf, CCM_DURATION_STRLEN, "%lld%s",
				 (long long)(d / units[i].ms), units[i].unit);
			return buf;
		}
	snprintf(buf, CCM_DURATION_STRLEN, "%lldms", (long long)d);
	return buf;
}

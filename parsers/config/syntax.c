/* SPDX-License-Identifier: ISC */
/* Value syntax and names that the command line shares with ccmon.conf:
 * whole numbers, sizes, rates, listening addresses, durations and sizes
 * as the printer writes them, and the names of probes, packet types,
 * handlings, syslog facilities and compliance modes. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>


#include "parsers/config/config_internal.h"

static const char *const packet_names[] = {
	[CCM_PACKET_NONE] = "",
	[CCM_PACKET_ALL] = "all",
	[CCM_PACKET_IQ] = "iq",
	[CCM_PACKET_MESSAGE] = "message",
	[CCM_PACKET_PRESENCE] = "presence",
	[CCM_PACKET_SUBSCRIPTION] = "subscription",
};

static const char *const probe_names[] = {
	[CCM_PROBE_NONE] = "none",
	[CCM_PROBE_TCP] = "tcp",
	[CCM_PROBE_STREAM] = "stream",
};

static const struct {
	const char *name;
	int value;
} facilities[] = {
	{ "auth", LOG_AUTH },     { "authpriv", LOG_AUTHPRIV },
	{ "cron", LOG_CRON },     { "daemon", LOG_DAEMON },
	{ "ftp", LOG_FTP },       { "local0", LOG_LOCAL0 },
	{ "local1", LOG_LOCAL1 }, { "local2", LOG_LOCAL2 },
	{ "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 },
	{ "local5", LOG_LOCAL5 }, { "local6", LOG_LOCAL6 },
	{ "local7", LOG_LOCAL7 }, { "lpr", LOG_LPR },
	{ "mail", LOG_MAIL },     { "news", LOG_NEWS },
	{ "syslog", LOG_SYSLOG }, { "user", LOG_USER },
	{ "uucp", LOG_UUCP },
};

const char *ccm_probe_name(enum ccm_probe probe)
{
	return (unsigned)probe < ARRAY_SIZE(probe_names) ?
	       probe_names[probe] : "?";
}

const char *ccm_packet_name(enum ccm_packet packet)
{
	return (unsigned)packet < ARRAY_SIZE(packet_names) ?
	       packet_names[packet] : "?";
}

const char *ccm_handling_name(enum ccm_handling h)
{
	return h == CCM_HANDLING_BOUNCE ? "bounce" : "pass";
}

const char *ccm_syslog_facility_name(int facility)
{
	for (size_t i = 0; i < ARRAY_SIZE(facilities); i++)
		if (facilities[i].value == facility)
			return facilities[i].name;
	return NULL;
}

const char *ccm_cfg_compliance_name(enum ccm_compliance c)
{
	return c == CCM_COMPLIANCE_NODE ? "node" : "cluster";
}

int ccm_cfg_facility(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(facilities); i++)
		if (!strcasecmp(name, facilities[i].name))
			return facilities[i].value;
	return -1;
}

int ccm_cfg_probe(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(probe_names); i++)
		if (!strcasecmp(name, probe_names[i]))
			return (int)i;
	return -1;
}

enum ccm_packet ccm_cfg_packet(const char *s)
{
	for (size_t i = CCM_PACKET_ALL; i < ARRAY_SIZE(packet_names); i++)
		if (!strcasecmp(s, packet_names[i]))
			return (enum ccm_packet)i;
	return CCM_PACKET_NONE;
}

int ccm_cfg_parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > max)
			return -1;
	}
	*out = v;
	return 0;
}

int ccm_size_parse(const char *s, size_t *out)
{
	static const struct {
		const char *suffix;
		size_t mult;
	} units[] = {
		{ "", 1 },
		{ "KiB", 1024 },
		{ "MiB", 1024 * 1024 },
		{ "GiB", GIB },
	};
	unsigned long v = 0;
	const char *p = s;

	while (*p >= '0' && *p <= '9') {
		v = v * 10 + (unsigned long)(*p++ - '0');
		if (v > GIB)
			return -1;
	}
	if (p == s || !v)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		if (strcmp(p, units[i].suffix))
			continue;
		if (v > GIB / units[i].mult)
			return -1;
		*out = v * units[i].mult;
		return 0;
	}
	return -1;
}

int ccm_rate_parse(const char *s, struct ccm_rate *out)
{
	unsigned long n = 0;
	const char *slash = strchr(s, '/');
	char num[16];
	ccm_ms period;

	if (!slash || (size_t)(slash - s) >= sizeof(num))
		return -1;
	memcpy(num, s, (size_t)(slash - s));
	num[slash - s] = '\0';
	if (ccm_cfg_parse_uint(num, 1000000, &n) || !n)
		return -1;
	if (!strcmp(slash + 1, "s"))
		period = SEC;
	else if (!strcmp(slash + 1, "m"))
		period = MIN;
	else if (!strcmp(slash + 1, "h"))
		period = HOUR;
	else
		return -1;
	out->count = (unsigned)n;
	out->period = period;
	return 0;
}

char *ccm_component_name(const char *server, const char *node)
{
	char *name;

	if (asprintf(&name, "op-%s.%s", server, node) < 0)
		return NULL;
	for (char *p = name + strlen(name) - strlen(node); *p; p++)
		if (*p == '.')
			*p = '-';
	return name;
}

const char *ccm_cfg_format_duration(ccm_ms d, char buf[static 48])
{
	static const struct {
		ccm_ms ms;
		const char *unit;
	} units[] = {
		{ HOUR, "h" }, { MIN, "m" }, { SEC, "s" }, { 1, "ms" },
	};
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		ccm_ms n = d / units[i].ms;

		d %= units[i].ms;
		if (n)
			len += (size_t)snprintf(buf + len, 48 - len, "%lld%s",
						(long long)n, units[i].unit);
	}
	if (!len)
		snprintf(buf, 48, "0s");
	return buf;
}

const char *ccm_cfg_format_size(size_t v, char buf[static 32])
{
	if (v && v % GIB == 0)
		snprintf(buf, 32, "%zuGiB", v / GIB);
	else if (v && v % (1024 * 1024) == 0)
		snprintf(buf, 32, "%zuMiB", v / (1024 * 1024));
	else if (v && v % 1024 == 0)
		snprintf(buf, 32, "%zuKiB", v / 1024);
	else
		snprintf(buf, 32, "%zu", v);
	return buf;
}


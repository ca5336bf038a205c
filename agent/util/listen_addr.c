/* SPDX-License-Identifier: ISC */
/* A listening address as the configuration writes it (ccmon.conf(5),
 * metrics_listen): kept out of parsers/, whose files include no socket
 * header (doc/architecture.md). */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "agent/util/listen_addr.h"

/* The host part into host; port into *port. */
static int listen_split(const char *s, char host[static INET6_ADDRSTRLEN + 1],
			unsigned long *port)
{
	const char *colon, *h = s;
	size_t hl;
	char *end;

	if (*s == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return -1;
		h = s + 1;
		hl = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -1;
		hl = (size_t)(colon - s);
	}
	if (hl == 0 || hl >= INET6_ADDRSTRLEN + 1 ||
	    !isdigit((unsigned char)colon[1]))
		return -1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	errno = 0;
	*port = strtoul(colon + 1, &end, 10);
	if (errno || *end || *port < 1 || *port > 65535)
		return -1;
	return 0;
}

int ccm_listen_parse(const char *s, struct sockaddr_storage *out,
		     unsigned *len)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
	char host[INET6_ADDRSTRLEN + 1];
	unsigned long port;

	if (!s || listen_split(s, host, &port))
		return -1;
	memset(&ss, 0, sizeof(ss));
	if (*s != '[' && inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		if (len)
			*len = sizeof(*v4);
	} else if (*s == '[' && inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		if (len)
			*len = sizeof(*v6);
	} else {
		return -1;
	}
	if (out)
		*out = ss;
	return 0;
}

/* SPDX-License-Identifier: ISC */
#ifndef CCM_UTIL_LISTEN_ADDR_H
#define CCM_UTIL_LISTEN_ADDR_H

/* A listening address: a numeric IPv4 address or an IPv6 one in brackets,
 * a colon and a port from 1 to 65535 ("127.0.0.1:9917", "[::1]:9917").
 * Returns 0, or -1 when malformed or out of range.  out and len may be
 * NULL (a check only). */
struct sockaddr_storage;
int ccm_listen_parse(const char *s, struct sockaddr_storage *out,
		     unsigned *len);

#endif

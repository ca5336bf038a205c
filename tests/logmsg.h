/* SPDX-License-Identifier: ISC */
/* The recognised messages the unit tests feed, built as the recognizer
 * would: one place, so that the tests agree on what a message holds. */
#ifndef CCM_TESTS_LOGMSG_H
#define CCM_TESTS_LOGMSG_H

#include <string.h>

#include "parsers/logline.h"

static inline struct ccm_span span(const char *s)
{
	return (struct ccm_span){ s, strlen(s) };
}

/* "Component NAME is CONNECTED|ACTIVE|GONE" */
static inline struct ccm_logmsg msg_state(const char *name, enum ccm_state s)
{
	return (struct ccm_logmsg){
		.kind = CCM_MSG_COMPONENT_STATE,
		.component = span(name),
		.state = s,
	};
}

/* "Connecting on fd 22 to host 'HOST', port PORT" */
static inline struct ccm_logmsg msg_connecting(const char *host,
					       unsigned port)
{
	return (struct ccm_logmsg){
		.kind = CCM_MSG_CONNECTING,
		.host = span(host),
		.port = port,
		.fd = 22,
	};
}

/* "Unable to connect to host 'HOST', port PORT:(ERR) REASON" */
static inline struct ccm_logmsg msg_failed(const char *host, unsigned port,
					   int err, const char *reason)
{
	return (struct ccm_logmsg){
		.kind = CCM_MSG_CONNECT_FAILED,
		.host = span(host),
		.port = port,
		.err = err,
		.reason = span(reason),
	};
}

#endif

/* SPDX-License-Identifier: ISC */
/* The compliance server's side of an XEP-0114 component stream, as far as a
 * probe needs it: its stream header (and id), the handshake answer, a stream
 * error, the end of the stream.
 *
 * This is not a general XML parser.  It tokenizes tags, reads the attributes
 * of the stream header, counts nesting and ignores character data; it does
 * not check that end tags match, decodes entities only in the attributes it
 * keeps, and takes prefixes literally except for the stream's own.  What
 * XMPP forbids in a stream (comments, DTDs, processing instructions other
 * than the XML declaration) and what a probe never needs (CDATA, non-ASCII
 * element names) make the input "not a stream".
 *
 * Pure: no I/O, no allocation; all state is in the caller's struct.  Input
 * may be split anywhere, may be garbage, may never end: once
 * CCM_XS_MAX_INPUT bytes have gone by without a final answer it is not a
 * stream either. */
#ifndef CCM_XMPP_STREAM_H
#define CCM_XMPP_STREAM_H

#include <stdbool.h>
#include <stddef.h>

#define CCM_XS_MAX_INPUT 8192 /* bytes without a final answer        */
#define CCM_XS_TAG_MAX 1024   /* one tag, between '<' and '>'         */
#define CCM_XS_ID_MAX 256     /* stream id and from, NUL included     */
#define CCM_XS_NAME_MAX 64    /* namespace, condition, prefix, NUL incl. */

#define CCM_XS_NS_STREAMS "http://etherx.jabber.org/streams"
#define CCM_XS_NS_COMPONENT "jabber:component:accept"

enum ccm_xs_status {
	CCM_XS_MORE = 0,     /* no stream header yet: feed more              */
	CCM_XS_HEADER,       /* the stream is open, nothing final since      */
	CCM_XS_HANDSHAKE_OK, /* <handshake/> or <handshake>...</handshake>   */
	CCM_XS_ERROR,        /* <stream:error>: condition (may be "")        */
	CCM_XS_END,          /* </stream:stream>                             */
	CCM_XS_BAD,          /* not a stream: reason                         */
};
/* "more" "header" "handshake-ok" "error" "end" "bad" */
const char *ccm_xs_status_name(enum ccm_xs_status status);

struct ccm_xs {
	/* Results: read them, never write them. */
	enum ccm_xs_status status;
	bool header;               /* the stream header was seen             */
	bool have_id;              /* ... with a non-empty id                */
	char id[CCM_XS_ID_MAX];    /* entity-decoded; any byte but NUL       */
	char from[CCM_XS_ID_MAX];  /* likewise, truncated if longer          */
	char ns[CCM_XS_NAME_MAX];  /* the header's default namespace, or ""  */
	char condition[CCM_XS_NAME_MAX]; /* first child of <stream:error>,
					  * without prefix: "not-authorized" */
	const char *reason;        /* CCM_XS_BAD: why, static text           */
	size_t total;              /* bytes taken in                         */

	/* Private. */
	bool in_tag;
	char quote;
	bool decl_seen;
	unsigned depth;            /* 1: directly inside the stream          */
	int child;                 /* the open child of the stream           */
	size_t taglen;
	char prefix[CCM_XS_NAME_MAX];
	char tag[CCM_XS_TAG_MAX];
};

void ccm_xs_init(struct ccm_xs *xs);

/* Takes len more bytes of the server's stream.  Returns the status, which
 * also stays in xs->status.  HANDSHAKE_OK, ERROR, END and BAD are final:
 * input after them is ignored.  ERROR is reported as soon as the condition
 * element starts, so a server that closes the connection right after it
 * still yields its condition. */
enum ccm_xs_status ccm_xs_feed(struct ccm_xs *xs, const void *buf, size_t len);

#endif

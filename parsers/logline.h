/* SPDX-License-Identifier: ISC */
/* Recognition of the XCP Router messages about open-port components
 * (doc/domain.md "Log line forms"), found anywhere in a line whatever its
 * prefix. */
#ifndef CCM_LOGLINE_H
#define CCM_LOGLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ccm_state {
	CCM_STATE_UNKNOWN = 0,
	CCM_STATE_CONNECTED,
	CCM_STATE_ACTIVE,
	CCM_STATE_GONE,
};
#define CCM_STATE_COUNT 4

/* "unknown", "connected", "active", "gone" */
const char *ccm_state_name(enum ccm_state state);

enum ccm_msg_kind {
	CCM_MSG_NONE = 0,
	CCM_MSG_COMPONENT_STATE,  /* Component <name> is CONNECTED|ACTIVE|GONE */
	CCM_MSG_CONNECTING,       /* Connecting on fd <n> to host '<h>', port <p> */
	CCM_MSG_CONNECT_FAILED,   /* Unable to connect to host '<h>', port <p>:(<errno>) <reason> */
	CCM_MSG_COMPONENT_FAILED, /* Failed to connect to component <name> */
	/* configured queue lines (parsers/queue_lines.h) */
	CCM_MSG_QUEUE_WAITED,     /* an event waited msg->wait on component */
	CCM_MSG_QUEUE_START,      /* an event queued on component ...       */
	CCM_MSG_QUEUE_END,        /* ... and its end (same rule and key)    */
};

/* A view into the line: not NUL-terminated, valid while the line is. */
struct ccm_span {
	const char *p;
	size_t n;
};

struct ccm_logmsg {
	enum ccm_msg_kind kind;
	struct ccm_span component; /* COMPONENT_STATE, COMPONENT_FAILED */
	enum ccm_state state;      /* COMPONENT_STATE */
	struct ccm_span host;      /* CONNECTING, CONNECT_FAILED */
	unsigned port;             /* CONNECTING, CONNECT_FAILED */
	int fd;                    /* CONNECTING */
	int err;                   /* CONNECT_FAILED: the errno in parentheses */
	struct ccm_span reason;    /* CONNECT_FAILED */
	struct ccm_span key;       /* QUEUE_START, _END: joins them; may be
				    * empty */
	unsigned rule;             /* QUEUE_*: the rule's index */
	int64_t wait;              /* QUEUE_WAITED: milliseconds (ccm_ms) */
	/* Set by the scanner: a gap in time between two consecutive lines
	 * (any lines, recognised or not) since the previous recognised
	 * message, up to this one: the latest of at least the scanner's
	 * silence_min, else the longest.  How long the log was silent
	 * before it, and how long before it the silence ended: relative,
	 * so that a caller on another clock than the log's can place it. */
	bool have_silence;
	int64_t silence;     /* ccm_ms */
	int64_t silence_ago; /* ccm_ms */
};

struct ccm_recognizer;

/* Compiles the patterns (JIT where the platform allows it, the interpreter
 * otherwise).  On failure returns NULL with the reason in err. */
struct ccm_recognizer *ccm_recognizer_new(char *err, size_t errlen);
void ccm_recognizer_free(struct ccm_recognizer *rec);
bool ccm_recognizer_jit(const struct ccm_recognizer *rec);

/* The literal prefilter.  Every recognised message contains one of a few
 * literals, so a line without one needs no regular expression.  A cursor
 * over a region remembers the next occurrence, so that a region is scanned
 * once however many lines a caller asks about. */
#define CCM_PREFILTER_LITERALS 2
struct ccm_prefilter {
	const char *end;
	const char *next; /* NULL: none before end */
	bool known;
};

void ccm_prefilter_start(struct ccm_prefilter *pf, const char *buf,
			 size_t len);
/* The earliest literal occurrence at or after from, or NULL. */
const char *ccm_prefilter_from(struct ccm_prefilter *pf, const char *from);
/* The same, skipping occurrences that cannot be part of a message by what
 * stands around them in their line (ccm_recognize would say NONE): for
 * callers that scan lines, from a line start on. */
const char *ccm_prefilter_line(struct ccm_prefilter *pf, const char *from);

/* Also recognise the queue lines of q (owned by the recognizer from now
 * on, replacing any before; NULL: none). */
struct ccm_queue_lines;
void ccm_recognizer_set_queue(struct ccm_recognizer *rec,
			      struct ccm_queue_lines *q);

/* The queue lines set, or NULL. */
const struct ccm_queue_lines *ccm_recognizer_queue(
	const struct ccm_recognizer *rec);

/* A line that is not a component message: one of the queue lines? */
enum ccm_msg_kind ccm_recognize_queue(struct ccm_recognizer *rec,
				      const char *line, size_t len,
				      struct ccm_logmsg *msg);

/* Recognises one line (without its newline).  Returns the kind found
 * (CCM_MSG_NONE for an ordinary line) and fills *msg. */
enum ccm_msg_kind ccm_recognize(struct ccm_recognizer *rec, const char *line,
				size_t len, struct ccm_logmsg *msg);

#endif

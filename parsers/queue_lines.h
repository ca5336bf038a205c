/* SPDX-License-Identifier: ISC */
/* The router's lines about events waiting on a component, recognised by
 * patterns of the configuration (ccmon.conf [latency NAME]).
 *
 * The wording of XCP's queue, timeout and bounce lines is not public
 * (doc/domain.md "Log line forms"), so nothing here is hard-wired but one
 * default: the bounce of the router's jabberd heritage, "Bouncing packet
 * intended for <component>", an event that waited queue_wait and failed.
 * A rule is either one line that stands for an event which waited a known
 * time (match, wait), or a pair of lines, start and end, whose distance in
 * time is the wait, joined by component and an optional key.  Patterns are
 * PCRE2 with the named group "component" and optionally "key". */
#ifndef CCM_QUEUE_LINES_H
#define CCM_QUEUE_LINES_H

#include <stdbool.h>
#include <stddef.h>

#include "parsers/logline.h"
#include "parsers/timestamp.h"

#define CCM_QUEUE_BUILTIN "bounce"

struct ccm_queue_rule {
	char *name;
	char *match;       /* one line, one event that waited `wait` */
	ccm_ms wait;       /* with match; 0: [agent] queue_wait      */
	char *start, *end; /* or a pair: the wait is end - start     */
	unsigned line;     /* of its [latency] header; 0: built in   */
};

/* The built-in rule (the bounce), as configuration would write it. */
const struct ccm_queue_rule *ccm_queue_rule_builtin(void);

/* Checks one pattern: it compiles and has the group "component".
 * *has_key tells whether it has the group "key".  Returns 0, or -1 with
 * the reason (PCRE2's message and offset) in err. */
int ccm_queue_pattern_check(const char *pattern, bool *has_key, char *err,
			    size_t errlen);

struct ccm_queue_lines;

/* Compiles the rules (JIT where allowed).  default_wait stands for a rule's
 * wait of 0.  NULL on failure with the reason in err. */
struct ccm_queue_lines *ccm_queue_lines_new(const struct ccm_queue_rule *rules,
					    size_t n, ccm_ms default_wait,
					    char *err, size_t errlen);
void ccm_queue_lines_free(struct ccm_queue_lines *q);

/* Recognises one line: CCM_MSG_QUEUE_WAITED, _START, _END (msg->rule, the
 * component, the key and for WAITED the wait filled in), or CCM_MSG_NONE.
 * The first rule that matches decides. */
enum ccm_msg_kind ccm_queue_recognize(struct ccm_queue_lines *q,
				      const char *line, size_t len,
				      struct ccm_logmsg *msg);

/* The literal prefilter of the queue lines.  Each pattern's leading
 * literal (the bounce's "Bouncing packet intended for "), when its syntax
 * makes it one every match starts with, is searched for over a whole
 * region, so that ccm_queue_recognize need run only on lines holding one.
 * A pattern without such a literal (it starts with a group, a class, an
 * alternation...) makes every line a candidate, as do more literals than
 * the cursor keeps. */
#define CCM_QUEUE_FILTER_MAX 16
struct ccm_queue_filter {
	const struct ccm_queue_lines *q;
	const char *end;
	bool known[CCM_QUEUE_FILTER_MAX];
	const char *next[CCM_QUEUE_FILTER_MAX]; /* NULL: none before end */
};

/* q may be NULL (no queue lines). */
void ccm_queue_filter_start(struct ccm_queue_filter *f,
			    const struct ccm_queue_lines *q, const char *buf,
			    size_t len);
/* The earliest literal occurrence at or after from; from itself when every
 * line is a candidate; NULL when no line from there on can be one. */
const char *ccm_queue_filter_from(struct ccm_queue_filter *f,
				  const char *from);

#endif

/* SPDX-License-Identifier: ISC */
/* What can happen to a followed log file, as the follower (agent/io/tail.h)
 * tells it and the monitor turns it into alarms (log-unreadable,
 * log-files-limit) and notes: a value, so that the core needs no file
 * following to hear it. */
#ifndef CCM_CORE_TAIL_EVENT_H
#define CCM_CORE_TAIL_EVENT_H

enum ccm_tail_event {
	CCM_TAIL_OPENED,     /* a file is followed from the given offset */
	CCM_TAIL_ROTATED,    /* its name now leads elsewhere: drained, closed */
	CCM_TAIL_TRUNCATED,  /* shrank in place: read again from the start */
	CCM_TAIL_CLOSED,     /* rotated or deleted, and drained */
	CCM_TAIL_UNREADABLE, /* a pattern's file or directory cannot be read */
	CCM_TAIL_READABLE,   /* ... and can again */
	CCM_TAIL_LOST,       /* a saved file is nowhere to be found: what was
			      * written to it after the saved offset is lost */
	CCM_TAIL_OVERFLOW,   /* the inotify queue overflowed: rescanned */
	CCM_TAIL_FILES_LIMIT, /* more files to follow than max_open_files:
			       * the idle ones are closed and re-opened when
			       * they grow (path: the pattern, err: the
			       * bound) */
	CCM_TAIL_FILES_OK,   /* ... all fit again */
};

#endif

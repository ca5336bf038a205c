/* SPDX-License-Identifier: ISC */
/* A file replaced whole or not at all: its new content is written under
 * a temporary name beside it, made durable, then renamed over it, so a
 * crash or a power cut leaves the old file or the new one, never half of
 * one (ccmond.8, FILES, the state file; ccmon.1, --html).  How the
 * temporary is named and opened stays with the caller: ccmond's state
 * file has a fixed one (it removes a stale or planted one first), a
 * report a unique one. */
#ifndef CCM_UTIL_ATOMIC_FILE_H
#define CCM_UTIL_ATOMIC_FILE_H

#include <stdio.h>

enum ccm_atomic_step {
	CCM_ATOMIC_DONE,   /* path holds the new content                 */
	CCM_ATOMIC_SYNC,   /* it could not be flushed or synced to disk  */
	CCM_ATOMIC_CLOSE,  /* closing it failed                          */
	CCM_ATOMIC_RENAME, /* it could not be renamed over path          */
};

/* Puts what was written to fd under tmp (through the stream f opened on
 * fd, when f is not NULL) in place of path: flush, fsync, close, rename,
 * then fsync of the directory so that the rename survives a power cut
 * too (a failure there is not reported: the content is whole either
 * way).  fd (or f) is closed in every case.  Returns CCM_ATOMIC_DONE, or
 * the step that failed with errno set; tmp is then left for the caller
 * to remove. */
enum ccm_atomic_step ccm_atomic_replace(int fd, FILE *f, const char *tmp,
					const char *path);

#endif

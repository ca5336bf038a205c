/* SPDX-License-Identifier: ISC */
/* The state file: where reading stands in each followed file, the alarms
 * raised and the SNMP notifications not yet acknowledged, written together
 * so that none runs ahead of the others after a crash. */
#ifndef CCM_STATE_H
#define CCM_STATE_H

#include <stdint.h>
#include <time.h>

#include "agent/io/tail_pos.h"

struct json_object;

struct ccm_saved {
	struct ccm_tail_pos *files;
	size_t nfiles;
	struct json_object *alarms; /* the alarm module's snapshot, or NULL */
	struct json_object *notifications; /* the SNMP queue's, or NULL */
	uint64_t seq; /* of the snapshot read; 0: none, or unnumbered */
};

/* The journal beside the state file (path CCM_STATE_LOG_SUFFIX): between
 * two whole saves, each snapshot is appended there and fdatasync()ed, one
 * write and one flush where a whole save costs a file created, two
 * fsync()s and a rename (ccmond saves before every alarm it acts on).
 * Snapshots are numbered: the state file's "seq" and the journal's
 * records; the newest whole one is the state (ccm_state_load()). */
#define CCM_STATE_LOG_SUFFIX ".log"
/* Beyond this the next save is whole (and empties the journal). */
#define CCM_STATE_LOG_MAX ((size_t)16 << 20)

struct ccm_state_log {
	char *path; /* the state file whose journal fd is; NULL: none */
	int fd;     /* its journal, appended to; -1: none (saves whole) */
	uint64_t seq;   /* of the last snapshot written (or read) */
	size_t bytes;   /* in the journal */
};

/* The largest state file read: 64 MiB, ample for the positions and a
 * full alarm table, and a bound on what a bad file can cost. */
#define CCM_STATE_MAX_BYTES ((size_t)64 << 20)

/* Reads path: a regular file (no symbolic link, FIFO or device) of at most
 * CCM_STATE_MAX_BYTES, or its journal's last whole snapshot when that is
 * newer (a journal without a state file is left unread).  Returns 1 when read, 0 when there is none (first
 * start); with "path: reason" in err, -1 when what is there is no usable
 * state file (bad content, too large, not a regular file: see
 * ccm_state_set_aside) and -2 when it cannot be read now (permissions,
 * I/O, memory). */
int ccm_state_load(const char *path, struct ccm_saved *st, char *err,
		   size_t errlen);

/* The same from text already read; path names it in err.  1, -1 or -2. */
int ccm_state_parse(const char *text, size_t len, const char *path,
		    struct ccm_saved *st, char *err, size_t errlen);

/* Renames what is at path (whatever it is, never followed) to
 * "path.bad-YYYYMMDDTHHMMSSZ" (UTC, when; numbered if taken), so that a
 * bad state file is kept for a look rather than overwritten.  Returns 0
 * with the new name in aside, or -1 with the reason in err. */
int ccm_state_set_aside(const char *path, time_t when, char *aside,
			size_t asidelen, char *err, size_t errlen);

/* Writes atomically: a temporary file beside it (path.tmp, created anew:
 * a stale one or a planted link there is removed, never followed), fsync,
 * rename, fsync of the directory.  alarms and notifications may be NULL.  Returns 0, or -1
 * with the reason. */
int ccm_state_save(const char *path, const struct ccm_tail_pos *files,
		   size_t nfiles, struct json_object *alarms,
		   struct json_object *notifications, char *err,
		   size_t errlen);

void ccm_state_release(struct ccm_saved *st);

/* Numbering from seq (ccm_saved.seq), no journal open yet. */
void ccm_state_log_init(struct ccm_state_log *l, uint64_t seq);
void ccm_state_log_close(struct ccm_state_log *l);
/* As ccm_state_save(), numbered, then the journal emptied (opened first
 * when it is not path's). */
int ccm_state_save_whole(struct ccm_state_log *l, const char *path,
			 const struct ccm_tail_pos *files, size_t nfiles,
			 struct json_object *alarms,
			 struct json_object *notifications, char *err,
			 size_t errlen);
/* Appended to path's journal and made durable; whole instead when there
 * is none yet (the first save of a run is whole: a journal left by a
 * crash is emptied before anything follows it), it is full or it
 * fails.  0, or -1 with the reason. */
int ccm_state_save_quick(struct ccm_state_log *l, const char *path,
			 const struct ccm_tail_pos *files, size_t nfiles,
			 struct json_object *alarms,
			 struct json_object *notifications, char *err,
			 size_t errlen);

#endif

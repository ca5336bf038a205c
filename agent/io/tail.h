/* SPDX-License-Identifier: ISC */
/* Following log files live: globs, rotation in every common form, and
 * resumption at the last complete line after a restart.
 *
 * A followed file is known by device + inode + a checksum of its first
 * bytes (the fingerprint), never by its name: names move under rotation,
 * inodes get reused after deletion, and a copytruncate copy has a new
 * inode but the old first bytes. */
#ifndef CCM_TAIL_H
#define CCM_TAIL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

#include "agent/core/tail_event.h"
#include "agent/io/tail_pos.h"
#include "agent/core/tail_stats.h"
#include "parsers/scanner.h"

struct ccm_tail_ops {
	/* A recognised message.  replay: the line was read before, when the
	 * agent last ran (or before its first start): it rebuilds state and
	 * must not count as news. */
	void (*message)(void *ctx, const char *path, uint64_t line,
			const struct ccm_logmsg *msg, ccm_ms log_time,
			bool replay);
	/* Something happened to a file (err, for UNREADABLE: an errno or a
	 * code of ccm_open_file, told by ccm_open_strerror). */
	void (*event)(void *ctx, enum ccm_tail_event ev, const char *path,
		      int err);
	/* Bytes were read from path in this pass (NULL: not wanted). */
	void (*grew)(void *ctx, const char *path);
	/* A pass over the files ended; grew: bytes were read.  The moment to
	 * persist positions before acting on what was read. */
	void (*pass_done)(void *ctx, bool grew);
};

struct ccm_tail_config {
	char *const *patterns; /* glob(7) patterns */
	size_t npatterns;
	size_t max_line;
	uint64_t poll_usec;    /* the stat fallback's period */
	uint64_t drain_usec;   /* how long a rotated file may stay idle at
				* its end before it is closed */
	bool poll_only;        /* no inotify: the poll alone (file systems
				* where inotify says nothing, e.g. NFS) */
	size_t max_open;       /* descriptors kept open at most (0: 128) */
	ccm_ms silence_min;    /* the scanners' (parsers/scanner.h)      */
};
#define CCM_TAIL_DEFAULT_MAX_OPEN 128

struct ccm_tail;

/* Follows the files; saved (may be NULL: the first start ever) holds the
 * positions of the last run.  With saved positions, files that appeared
 * since are read from their start as news; without, everything there is
 * replayed.  The initial pass starts before this returns; like every pass
 * it reads for a slice of time at most, and goes on from the loop (a
 * deferred source of idle priority) until it has read everything there was
 * (ccm_tail_caught_up()).  NULL on failure with the reason in err. */
struct ccm_tail *ccm_tail_new(sd_event *loop, const struct ccm_tail_config *cfg,
			      struct ccm_recognizer *rec,
			      const struct ccm_tail_pos *saved, size_t nsaved,
			      const struct ccm_tail_ops *ops, void *ctx,
			      char *err, size_t errlen);
void ccm_tail_free(struct ccm_tail *tail);

/* Reads what is new now (also run by inotify and the poll timer). */
void ccm_tail_rescan(struct ccm_tail *tail);

/* The positions to persist: one per file followed, open or not.  The array and its strings
 * belong to the tail until the next call. */
size_t ccm_tail_positions(struct ccm_tail *tail,
			  const struct ccm_tail_pos **out);

void ccm_tail_stats(const struct ccm_tail *tail, struct ccm_tail_stats *out);
/* How far the initial pass is, in percent of the replay's bytes: 99 at
 * most, the pass being over only when `replaying` says so. */
unsigned ccm_tail_replay_percent(const struct ccm_tail_stats *stats);

/* Whether a pass has read everything there was, once: the initial pass,
 * sliced or not, is over. */
bool ccm_tail_caught_up(const struct ccm_tail *tail);

#endif

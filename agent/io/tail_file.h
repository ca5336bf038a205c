/* SPDX-License-Identifier: ISC */
/* The tail and its followed files as tail.c (passes, rotation, the event
 * loop), tail_file.c (one file: open, identity, read) and tail_copy.c
 * (copytruncate) share them.  Nothing outside agent/io/tail*.c includes
 * this. */
#ifndef CCM_TAIL_FILE_H
#define CCM_TAIL_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <systemd/sd-event.h>

#include "agent/io/tail.h"
#include "parsers/scanner.h"

/* Identities of content that was truncated away, kept to recognise a
 * copytruncate copy appearing under a followed name. */
#define RECENT_MAX 16
#define NO_LIMIT UINT64_MAX

struct tfile {
	struct ccm_tail_pos pos; /* path, identity, done offset, lines */
	int fd;                  /* -1: closed, re-opened when it grows */
	int wd;                  /* inotify watch on the inode, or -1 */
	char *where;             /* its own name when last seen (a symlink's
				  * target, a rotated file's new name) */
	bool dirty;              /* closed, and may have grown */
	bool pending;            /* a copy not to read until its original
				  * (orig_dev, orig_ino) is truncated */
	dev_t orig_dev;
	ino_t orig_ino;
	uint64_t last_grew;      /* monotonic usec: whom to close first */
	unsigned char fp[CCM_FP_MAX];
	unsigned char back[CCM_FP_MAX]; /* the bytes just before read_off */
	uint32_t back_len;
	uint64_t read_off;       /* bytes handed to the scanner */
	uint64_t upto;           /* a followed name's file is read up to
				  * its size before the rotated ones were
				  * read in this pass (NO_LIMIT: to its end) */
	uint64_t replay_until;   /* lines ending before this are replay */
	struct ccm_scanner sc;
	bool rotated;            /* no pattern names it any more */
	bool copy;               /* a copy of a followed file (copytruncate):
				  * starts where that one stood, read first */
	uint64_t idle_since;     /* rotated: monotonic usec first seen idle */
	unsigned seen;           /* generation of the last pass naming it */
};

struct recent {
	uint32_t fp_len, fp_crc;
	uint64_t offset, line;
};

struct ccm_tail {
	sd_event *loop;
	struct ccm_tail_config cfg;
	struct ccm_recognizer *rec;
	const struct ccm_tail_ops *ops;
	void *ctx;
	struct tfile **files;
	size_t nfiles, capfiles;
	size_t nopen;              /* files with a descriptor */
	char *limited;             /* the pattern named by the FILES_LIMIT
				    * event in force, or NULL */
	struct ccm_tail_pos *posv; /* what ccm_tail_positions hands out */
	struct recent recent[RECENT_MAX];
	size_t nrecent;
	char **patterns;           /* our copies: cfg.patterns points here */
	bool *unreadable;          /* per pattern: reported unreadable */
	char *buf;
	int ifd;                   /* inotify */
	sd_event_source *io, *timer;
	sd_event_source *resume;   /* goes on with a pass its slice cut */
	uint64_t slice_end;        /* monotonic usec: the pass yields then */
	bool cut;                  /* the pass stopped at slice_end */
	bool caught_up;            /* a pass has read everything there was */
	unsigned gen;
	/* the file being scanned, for the scanner's callback */
	struct tfile *cur;
	bool cur_replay;
	bool again;                /* a copy to read before going on */
	struct ccm_tail_stats closed; /* counters of files already closed */
	struct ccm_tail_stats totals;
};

/* tail_file.c */
/* Tells the caller what happened to a file (struct ccm_tail_ops). */
void ccm_tail_emit(struct ccm_tail *t, enum ccm_tail_event ev, const char *path,
		   int err);
/* Whether fd's first len bytes still checksum to want. */
bool ccm_tail_fp_matches(int fd, uint32_t len, uint32_t want);
/* Whether fd begins with the bytes f began with (its fingerprint). */
bool ccm_tail_same_start(const struct tfile *f, int fd);
void ccm_tail_add_stats(struct ccm_tail_stats *s, const struct ccm_scanner *sc);
/* Closes the descriptor, keeps the file followed. */
void ccm_tail_shut(struct ccm_tail *t, struct tfile *f);
/* Forgets file i. */
void ccm_tail_close_file(struct ccm_tail *t, size_t i);
/* Starts following an open fd (taken over, closed on failure). */
struct tfile *ccm_tail_follow(struct ccm_tail *t, int fd, const char *path,
			      const struct stat *st, uint64_t replay_until,
			      uint64_t offset, uint64_t line);
/* Files that a pattern names (not rotated away). */
size_t ccm_tail_named(const struct ccm_tail *t);
/* Makes room for one more descriptor (self excepted). */
void ccm_tail_room(struct ccm_tail *t, const struct tfile *self);
/* The descriptor, or a negative code (see ccm_open_file). */
int ccm_tail_open_regular(const char *path, struct stat *st);
/* Opens path if it is the file of identity (dev, ino); -1 if not. */
int ccm_tail_open_same(const char *path, dev_t dev, ino_t ino, struct stat *st);
/* Looks for inode ino in the directory of path; its name in *found. */
int ccm_tail_open_in_dir(const char *path, dev_t dev, ino_t ino,
			 struct stat *st, char **found);
/* Re-opens a closed file by its identity. */
bool ccm_tail_reopen(struct ccm_tail *t, struct tfile *f);
struct tfile *ccm_tail_find(struct ccm_tail *t, dev_t dev, ino_t ino);
/* Reads everything new in f; true if bytes were read. */
bool ccm_tail_read_file(struct ccm_tail *t, struct tfile *f);

/* tail_copy.c */
/* Keeps the identity of f's content, truncated away without a copy. */
void ccm_tail_remember_truncated(struct ccm_tail *t, const struct tfile *f);
/* The copy of f a copytruncate left beside it, or NULL. */
struct tfile *ccm_tail_find_copy(struct ccm_tail *t, struct tfile *f);
enum tfile_kind { K_NEW, K_UNDECIDED, K_PENDING, K_RECENT };
/* What a file first seen empty or new is. */
enum tfile_kind ccm_tail_classify(struct ccm_tail *t, struct tfile *f);
/* Whether the original a pending copy waits for is still named. */
bool ccm_tail_original_named(const struct ccm_tail *t, const struct tfile *f);

#endif

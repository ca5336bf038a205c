/* SPDX-License-Identifier: ISC */
/* Following log files live.
 *
 * Every inotify event, and the poll timer that covers file systems without
 * inotify, leads to the same pass: find what the patterns name now, notice
 * what moved away or shrank, read what is new.  One code path for all the
 * ways a file can rotate is easier to get right than one per event.
 *
 * Files that left the patterns' names (renamed, deleted, symlink swapped)
 * are read first in a pass: a writer that has not yet reopened its log
 * still writes to the old file, and those lines come before the new file's
 * first ones.  Once idle at their end for drain_usec they are closed, but
 * not forgotten while they still have a name: their inotify watch (which
 * holds no descriptor) and the poll tell when they grow, and they are
 * re-opened by identity and read on.  So however late a writer reopens
 * its log, nothing it wrote to the old one is lost; only a deleted file
 * cannot be re-opened, and is read until it has been idle for drain_usec.
 *
 * Descriptors are bounded (max_open): when more files are followed, the
 * least recently grown ones are closed the same way and re-opened when
 * they grow.
 *
 * copytruncate, where a copy of the log is made and the log truncated in
 * place, is told in tail_copy.c.  One followed file (open, identity,
 * read) is tail_file.c's; what the three share is in tail_file.h.
 *
 * A pass reads for at most SLICE_USEC, then hands the loop back and goes on
 * from a deferred source: a first replay of a large history (or a big burst)
 * must not keep the agent from its signals, status socket and watchdog.  A
 * pass stopped by its slice goes on before any other reading, in the same
 * order (rotated files and copies first), so slicing changes no line's
 * order. */
#include <errno.h>
#include <fnmatch.h>
#include <glob.h>
#include <libgen.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <systemd/sd-event.h>

#include "agent/util/clock.h"
#include "agent/io/tail.h"
#include "agent/io/tail_file.h"

#define READ_CHUNK ((size_t)1 << 20)
#define SLICE_USEC UINT64_C(50000)

/* ---- finding files --------------------------------------------------------- */

/* A new file under a followed name is read from its start, unless it
 * turns out to be a copy (see ccm_tail_read_file). */
static void adopt(struct ccm_tail *t, int fd, const char *path,
		  const struct stat *st, bool replay_all)
{
	ccm_tail_follow(t, fd, path, st,
			replay_all ? (uint64_t)st->st_size : 0, 0, 0);
}

/* Why the directory of a pattern cannot be read, or 0.  glob() says "no
 * match" for a name in a directory it may not enter, and an unreadable
 * directory is no rotation: its files stay followed, their positions
 * kept, until it can be read again. */
static int dir_error(const char *pattern)
{
	char *copy = strdup(pattern);
	const char *dir;
	int err = 0;

	if (!copy)
		return 0;
	dir = dirname(copy);
	if (!strpbrk(dir, "*?[") && access(dir, R_OK | X_OK) < 0)
		err = errno;
	free(copy);
	return err;
}

/* A closed rotated file whose inode number a followed name holds again,
 * but whose first bytes it does not: it was deleted and the number went
 * to a new file.  Forgotten, so that the new file is followed as new (and
 * measured, and read after the rotated files) rather than as a truncation
 * of the old one. */
static struct tfile *forget_if_reused(struct ccm_tail *t, struct tfile *f,
				      const char *path)
{
	struct stat st;
	bool ours;
	int fd;

	if (!f->rotated || f->fd >= 0)
		return f; /* held open: its inode cannot have been reused */
	fd = ccm_tail_open_same(path, f->pos.dev, f->pos.ino, &st);
	if (fd < 0)
		return f;
	ours = ccm_tail_same_start(f, fd);
	close(fd);
	if (ours)
		return f;
	for (size_t i = 0; i < t->nfiles; i++)
		if (t->files[i] == f) {
			ccm_tail_close_file(t, i);
			break;
		}
	return NULL;
}

/* Returns the errno that keeps pattern i from being read, or 0. */
static int scan_pattern(struct ccm_tail *t, size_t i, bool replay_all)
{
	glob_t g;
	int rc = glob(t->cfg.patterns[i], GLOB_NOSORT | GLOB_ERR, NULL, &g);
	int bad = 0, dir_bad;

	if (rc == GLOB_ABORTED)
		bad = errno ? errno : EACCES;
	for (size_t k = 0; rc == 0 && k < g.gl_pathc; k++) {
		struct stat st;
		struct tfile *f;
		int fd;

		/* a directory the pattern matches is no log; anything else
		 * that is not a file (FIFO, device) is, unreadable */
		if (stat(g.gl_pathv[k], &st) < 0 || S_ISDIR(st.st_mode))
			continue;
		f = ccm_tail_find(t, st.st_dev, st.st_ino);
		if (f)
			f = forget_if_reused(t, f, g.gl_pathv[k]);
		if (f) {
			f->seen = t->gen;
			f->rotated = false;
			if (f->fd < 0 && (uint64_t)st.st_size != f->read_off)
				f->dirty = true;
			continue;
		}
		ccm_tail_room(t, NULL);
		fd = ccm_tail_open_regular(g.gl_pathv[k], &st);
		if (fd < 0) {
			bad = -fd;
			continue;
		}
		adopt(t, fd, g.gl_pathv[k], &st, replay_all);
	}
	if (rc == 0 || rc == GLOB_NOMATCH)
		globfree(&g);
	dir_bad = rc == 0 ? 0 : dir_error(t->cfg.patterns[i]);
	if (dir_bad)
		bad = dir_bad;
	if (bad && !t->unreadable[i]) {
		t->unreadable[i] = true;
		ccm_tail_emit(t, CCM_TAIL_UNREADABLE, t->cfg.patterns[i], bad);
	} else if (!bad && t->unreadable[i]) {
		t->unreadable[i] = false;
		ccm_tail_emit(t, CCM_TAIL_READABLE, t->cfg.patterns[i], 0);
	}
	return rc == GLOB_ABORTED || dir_bad ? bad : 0;
}

static bool locate(struct tfile *f);

/* A writer goes on writing to a rotated file until it reopens the name,
 * then writes to the new file: a line of the new file is later than every
 * line the rotated one holds when it is seen.  So what the followed names
 * hold is measured first, the rotated files are read to their end next,
 * and the followed names only up to what was measured: a line written to
 * the rotated file between the two looks is not overtaken by the new
 * file's lines written after it (those wait for the next pass, which
 * their inotify event or the poll brings). */
static void measure_named(struct ccm_tail *t)
{
	bool grew = false;
	struct stat st;

	for (size_t i = 0; i < t->nfiles; i++) {
		struct tfile *f = t->files[i];
		f->upto = NO_LIMIT;
		if (f->rotated || f->copy)
			continue;
		/* one closed for want of descriptors is measured by name:
		 * re-opened later in the pass, it is held to the same rule */
		if (f->fd >= 0 ? fstat(f->fd, &st) :
		    stat(f->where ? f->where : f->pos.path, &st) ||
		    st.st_dev != f->pos.dev || st.st_ino != f->pos.ino)
			continue;
		f->upto = (uint64_t)st.st_size;
		grew |= f->upto > f->read_off;
	}
	/* a drained rotated file written again since inotify last spoke */
	for (size_t i = 0; grew && i < t->nfiles; i++)
		if (t->files[i]->rotated && t->files[i]->fd < 0)
			(void)locate(t->files[i]);
}

/* Rotated files first (their lines are older), in the order found. */
static void read_stages(struct ccm_tail *t, uint64_t now, bool *grew)
{
	measure_named(t);
	for (int stage = 0; stage < 2 && !t->again; stage++) {
		for (size_t i = 0; i < t->nfiles;) {
			struct tfile *f = t->files[i];
			bool g;

			struct stat st;

			if ((f->rotated || f->copy) != (stage == 0)) {
				i++;
				continue;
			}
			g = ccm_tail_read_file(t, f);
			*grew |= g;
			if (t->cut || t->again)
				return; /* cut: the rest after the loop's turn */
			if (!f->rotated || g || f->fd < 0) {
				f->idle_since = 0;
				i++;
				continue;
			}
			if (!f->idle_since)
				f->idle_since = now;
			if (now - f->idle_since < t->cfg.drain_usec) {
				i++;
				continue;
			}
			ccm_tail_emit(t, CCM_TAIL_CLOSED, f->pos.path, 0);
			/* drained; one with a name is re-opened if it grows */
			if (fstat(f->fd, &st) == 0 && st.st_nlink > 0) {
				ccm_tail_shut(t, f);
				i++;
				continue;
			}
			ccm_tail_close_file(t, i);
		}
	}
}

static void read_all(struct ccm_tail *t, bool *grew)
{
	uint64_t now = ccm_now_mono_usec();

	/* a truncation found a copy: a round more, copies first */
	for (int round = 0; round < 4; round++) {
		t->again = false;
		read_stages(t, now, grew);
		if (!t->again || t->cut)
			break;
	}
	t->again = false;
}

/* Where a closed rotated file is now: its last name, else a name beside
 * it (renamed again); false if it is gone, or if its inode number is
 * another file's now (ccm_tail_same_start). */
static bool locate(struct tfile *f)
{
	struct stat st;
	char *found = NULL;
	int fd = -1;
	bool ours;

	if (f->where)
		fd = ccm_tail_open_same(f->where, f->pos.dev, f->pos.ino, &st);
	if (fd < 0)
		fd = ccm_tail_open_in_dir(f->where ? f->where : f->pos.path,
					  f->pos.dev, f->pos.ino, &st, &found);
	if (fd < 0)
		return false;
	ours = ccm_tail_same_start(f, fd);
	close(fd);
	if (!ours) {
		free(found);
		return false;
	}
	if (found) {
		free(f->where);
		f->where = found;
	}
	if ((uint64_t)st.st_size != f->read_off)
		f->dirty = true;
	return true;
}

/* Closed rotated files are forgotten when gone, and beyond max_open of
 * them, the least lately grown first. */
static void forget_rotated(struct ccm_tail *t)
{
	size_t n = 0;

	for (size_t i = 0; i < t->nfiles;) {
		struct tfile *f = t->files[i];
		if (f->fd >= 0 || !f->rotated) {
			i++;
		} else if (locate(f)) {
			n++;
			i++;
		} else {
			ccm_tail_close_file(t, i);
		}
	}
	while (n > t->cfg.max_open) {
		size_t old = t->nfiles;
		for (size_t i = 0; i < t->nfiles; i++) {
			const struct tfile *f = t->files[i];
			if (f->fd < 0 && f->rotated &&
			    (old == t->nfiles ||
			     f->last_grew < t->files[old]->last_grew))
				old = i;
		}
		ccm_tail_close_file(t, old);
		n--;
	}
}

/* names: look for new, renamed and deleted files too, not only for
 * growth (inotify says when that is needed; the poll always does). */
static void pass(struct ccm_tail *t, bool names, bool replay_all)
{
	bool grew = false;

	t->slice_end = ccm_now_mono_usec() + SLICE_USEC;
	t->cut = false;
	if (!names)
		goto read;
	t->gen++;
	for (size_t i = 0; i < t->cfg.npatterns; i++) {
		if (!scan_pattern(t, i, replay_all))
			continue;
		/* its directory cannot be listed: what it named stays */
		for (size_t k = 0; k < t->nfiles; k++)
			if (fnmatch(t->cfg.patterns[i], t->files[k]->pos.path,
				    FNM_PATHNAME) == 0)
				t->files[k]->seen = t->gen;
	}
	for (size_t i = 0; i < t->nfiles; i++) {
		struct tfile *f = t->files[i];
		if (f->seen != t->gen && !f->rotated) {
			f->rotated = true;
			t->totals.rotations++;
			ccm_tail_emit(t, CCM_TAIL_ROTATED, f->pos.path, 0);
		}
	}
	forget_rotated(t);
read:
	read_all(t, &grew);
	if (t->cut && t->resume)
		sd_event_source_set_enabled(t->resume, SD_EVENT_ONESHOT);
	else if (!t->cut)
		t->caught_up = true;
	if (t->limited && ccm_tail_named(t) <= t->cfg.max_open) {
		ccm_tail_emit(t, CCM_TAIL_FILES_OK, t->limited,
			      (int)t->cfg.max_open);
		free(t->limited);
		t->limited = NULL;
	}
	if (t->ops->pass_done)
		t->ops->pass_done(t->ctx, grew);
}

void ccm_tail_rescan(struct ccm_tail *t)
{
	pass(t, true, false);
}

/* ---- event sources --------------------------------------------------------- */

static int on_resume(sd_event_source *s, void *ud)
{
	(void)s;
	pass(ud, false, false);
	return 0;
}

static int on_inotify(sd_event_source *s, int fd, uint32_t revents, void *ud)
{
	struct ccm_tail *t = ud;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	const uint32_t renames = IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM |
				 IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF |
				 IN_Q_OVERFLOW | IN_IGNORED;
	bool overflow = false, names = false;
	ssize_t n;

	(void)s;
	(void)revents;
	/* Drain everything queued: one pass answers all of it. */
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const void *)p;
			overflow |= (ev->mask & IN_Q_OVERFLOW) != 0;
			names |= (ev->mask & renames) != 0;
			p += sizeof(*ev) + ev->len;
			/* a closed file written again */
			for (size_t i = 0; t->nopen < t->nfiles &&
			     (ev->mask & IN_MODIFY) && i < t->nfiles; i++)
				if (t->files[i]->wd == ev->wd &&
				    t->files[i]->fd < 0)
					t->files[i]->dirty = true;
		}
	}
	if (overflow) {
		t->totals.overflows++;
		ccm_tail_emit(t, CCM_TAIL_OVERFLOW, NULL, 0);
	}
	pass(t, names, false);
	return 0;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *ud)
{
	struct ccm_tail *t = ud;

	(void)usec;
	ccm_tail_rescan(t);
	sd_event_source_set_time_relative(s, t->cfg.poll_usec);
	sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
	return 0;
}

/* Directories of the patterns: creations, renames and deletions there are
 * rotations.  A directory that is itself a glob is left to the poll. */
static void watch_dirs(struct ccm_tail *t)
{
	for (size_t i = 0; i < t->cfg.npatterns; i++) {
		char *copy = strdup(t->cfg.patterns[i]);
		const char *dir;

		if (!copy)
			continue;
		dir = dirname(copy);
		if (!strpbrk(dir, "*?["))
			/* Not IN_MODIFY: the files' own watches say
			 * when they grow, and the other logs of a busy
			 * directory must not wake us. */
			inotify_add_watch(t->ifd, dir, IN_CREATE | IN_MOVED_TO |
					  IN_MOVED_FROM | IN_DELETE |
					  IN_DELETE_SELF | IN_MOVE_SELF |
					  IN_ONLYDIR);
		free(copy);
	}
}

/* ---- start ------------------------------------------------------------------ */

/* A saved file that no pattern names any more: rotated while we were
 * stopped.  Look for its inode beside its old name. */
static int open_sibling(const struct ccm_tail_pos *p, struct stat *st,
			char **found)
{
	char *copy = strdup(p->path);
	const char *dir;
	DIR *d;
	struct dirent *de;
	int fd = -1;

	if (!copy)
		return -1;
	dir = dirname(copy);
	d = opendir(dir);
	while (d && fd < 0 && (de = readdir(d))) {
		char *path;
		if (de->d_ino != p->ino ||
		    asprintf(&path, "%s/%s", dir, de->d_name) < 0)
			continue;
		fd = ccm_tail_open_regular(path, st);
		if (fd >= 0 && st->st_dev == p->dev && st->st_ino == p->ino &&
		    ccm_tail_fp_matches(fd, p->fp_len, p->fp_crc)) {
			*found = path;
		} else {
			if (fd >= 0)
				close(fd);
			fd = -1;
			free(path);
		}
	}
	if (d)
		closedir(d);
	free(copy);
	return fd;
}

static void resume(struct ccm_tail *t, const struct ccm_tail_pos *p)
{
	struct stat st;
	int fd;

	ccm_tail_room(t, NULL);
	fd = ccm_tail_open_regular(p->path, &st);
	char *found = NULL;

	if (fd >= 0 && st.st_dev == p->dev && st.st_ino == p->ino &&
	    ((uint64_t)st.st_size < p->offset ||
	     !ccm_tail_fp_matches(fd, p->fp_len, p->fp_crc))) {
		/* truncated while we were stopped: the pass reads it anew */
		close(fd);
		ccm_tail_emit(t, CCM_TAIL_TRUNCATED, p->path, 0);
		return;
	}
	if (fd >= 0 && (st.st_dev != p->dev || st.st_ino != p->ino)) {
		close(fd);
		fd = -1;
	}
	if (fd >= 0) {
		ccm_tail_follow(t, fd, p->path, &st, p->offset, 0, 0);
		return;
	}
	fd = open_sibling(p, &st, &found);
	if (fd < 0) {
		ccm_tail_emit(t, CCM_TAIL_LOST, p->path, 0);
		return;
	}
	/* Its rest is read first: the rotated file's lines are the older. */
	if (ccm_tail_follow(t, fd, found, &st, p->offset, 0, 0))
		t->files[t->nfiles - 1]->rotated = true;
	free(found);
}

struct ccm_tail *ccm_tail_new(sd_event *loop, const struct ccm_tail_config *cfg,
			      struct ccm_recognizer *rec,
			      const struct ccm_tail_pos *saved, size_t nsaved,
			      const struct ccm_tail_ops *ops, void *ctx,
			      char *err, size_t errlen)
{
	struct ccm_tail *t = calloc(1, sizeof(*t));

	if (t)
		t->ifd = -1;
	/* zeroed: the regular expressions' JIT may read a little past the
	 * last line of a read (vector loads), never past the buffer */
	if (!t || !(t->buf = calloc(1, READ_CHUNK)) ||
	    !(t->unreadable = calloc(cfg->npatterns + 1, sizeof(bool)))) {
		snprintf(err, errlen, "tail.c: out of memory");
		ccm_tail_free(t);
		return NULL;
	}
	t->loop = sd_event_ref(loop);
	t->cfg = *cfg;
	/* The caller's configuration may be replaced (a reload) while this
	 * tail lives on. */
	t->patterns = calloc(cfg->npatterns + 1, sizeof(char *));
	for (size_t i = 0; t->patterns && i < cfg->npatterns; i++)
		if (!(t->patterns[i] = strdup(cfg->patterns[i]))) {
			snprintf(err, errlen, "tail.c: out of memory");
			ccm_tail_free(t);
			return NULL;
		}
	if (!t->patterns) {
		snprintf(err, errlen, "tail.c: out of memory");
		ccm_tail_free(t);
		return NULL;
	}
	t->cfg.patterns = t->patterns;
	/* Unchanged, but said again: once a field of the copied struct is
	 * written the static analyzer forgets the others, and took
	 * npatterns for other than what the loop above copied. */
	t->cfg.npatterns = cfg->npatterns;
	if (!t->cfg.max_line)
		t->cfg.max_line = CCM_DEFAULT_MAX_LINE;
	if (!t->cfg.poll_usec)
		t->cfg.poll_usec = 1000000;
	if (!t->cfg.drain_usec)
		t->cfg.drain_usec = 5000000;
	if (!t->cfg.max_open)
		t->cfg.max_open = CCM_TAIL_DEFAULT_MAX_OPEN;
	t->rec = rec;
	t->ops = ops;
	t->ctx = ctx;
	t->ifd = cfg->poll_only ? -1 : inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (t->ifd >= 0) {
		watch_dirs(t);
		if (sd_event_add_io(loop, &t->io, t->ifd, EPOLLIN, on_inotify,
				    t) < 0) {
			close(t->ifd);
			t->ifd = -1;
		}
	}
	/* Without inotify (or on file systems where it says nothing, such as
	 * NFS) the poll alone finds every change, only later. */
	if (sd_event_add_time_relative(loop, &t->timer, CLOCK_MONOTONIC,
				       t->cfg.poll_usec, 0, on_timer, t) < 0) {
		snprintf(err, errlen, "tail.c: cannot arm the poll timer");
		ccm_tail_free(t);
		return NULL;
	}
	sd_event_source_set_enabled(t->timer, SD_EVENT_ONESHOT);
	/* after everything else that is pending: signals, the status socket,
	 * timers */
	if (sd_event_add_defer(loop, &t->resume, on_resume, t) < 0 ||
	    sd_event_source_set_priority(t->resume,
					 SD_EVENT_PRIORITY_IDLE) < 0) {
		snprintf(err, errlen, "tail.c: cannot add the resume source");
		ccm_tail_free(t);
		return NULL;
	}
	sd_event_source_set_enabled(t->resume, SD_EVENT_OFF);

	t->gen++;
	for (size_t i = 0; i < nsaved; i++)
		resume(t, &saved[i]);
	/* First start ever: what is there is history, replayed to learn the
	 * current state, not news. */
	pass(t, true, saved == NULL);
	return t;
}

void ccm_tail_free(struct ccm_tail *t)
{
	if (!t)
		return;
	while (t->nfiles)
		ccm_tail_close_file(t, t->nfiles - 1);
	free(t->files);
	free(t->posv); /* its paths are the files' */
	sd_event_source_unref(t->io);
	sd_event_source_unref(t->timer);
	sd_event_source_disable_unref(t->resume);
	if (t->ifd >= 0)
		close(t->ifd);
	if (t->loop)
		sd_event_unref(t->loop);
	for (size_t i = 0; t->patterns && i < t->cfg.npatterns; i++)
		free(t->patterns[i]);
	free(t->patterns);
	free(t->unreadable);
	free(t->limited);
	free(t->buf);
	free(t);
}

size_t ccm_tail_positions(struct ccm_tail *t, const struct ccm_tail_pos **out)
{
	struct ccm_tail_pos *v = realloc(t->posv,
					 (t->nfiles + 1) * sizeof(*v));

	if (!v) {
		*out = NULL;
		return 0;
	}
	t->posv = v;
	for (size_t i = 0; i < t->nfiles; i++)
		v[i] = t->files[i]->pos; /* shares the path: read-only view */
	*out = v;
	return t->nfiles;
}

void ccm_tail_stats(const struct ccm_tail *t, struct ccm_tail_stats *out)
{
	*out = t->totals;
	out->lines = t->closed.lines;
	out->recognized = t->closed.recognized;
	out->bad_time = t->closed.bad_time;
	out->overlong = t->closed.overlong;
	out->have_last_time = t->closed.have_last_time;
	out->last_time = t->closed.last_time;
	for (size_t i = 0; i < t->nfiles; i++) {
		const struct tfile *f = t->files[i];

		ccm_tail_add_stats(out, &f->sc);
		out->replay_total += f->replay_until;
		out->replay_done += f->read_off < f->replay_until ?
				    f->read_off : f->replay_until;
	}
	out->files_open = t->nopen;
	out->replaying = !t->caught_up;
}

unsigned ccm_tail_replay_percent(const struct ccm_tail_stats *s)
{
	uint64_t pct = s->replay_total ?
		s->replay_done * 100u / s->replay_total : 0;

	return pct > 99 ? 99u : (unsigned)pct;
}

bool ccm_tail_caught_up(const struct ccm_tail *t)
{
	return t->caught_up;
}

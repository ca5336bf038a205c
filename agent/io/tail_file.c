/* SPDX-License-Identifier: ISC */
/* One followed file (agent/io/tail_file.h): its identity, its descriptor
 * (opened, shut to stay within max_open, re-opened by identity) and the
 * reading of what is new in it. */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <libgen.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "agent/util/clock.h"
#include "agent/util/safe_open.h"
#include "agent/io/tail_file.h"

/* Bytes scanned between looks at the slice's clock: a few ms of lines. */
#define SLICE_READ ((size_t)64 << 10)

void ccm_tail_emit(struct ccm_tail *t, enum ccm_tail_event ev, const char *path,
		   int err)
{
	if (t->ops->event)
		t->ops->event(t->ctx, ev, path, err);
}

static void on_message(void *ctx, const struct ccm_logmsg *msg, ccm_ms time,
		       uint64_t line_no)
{
	struct ccm_tail *t = ctx;

	t->ops->message(t->ctx, t->cur->pos.path, line_no, msg, time,
			t->cur_replay);
}

/* ---- identity ------------------------------------------------------------ */

static uint32_t crc(const unsigned char *p, uint32_t n)
{
	return (uint32_t)crc32(crc32(0L, Z_NULL, 0), p, n);
}

/* Whether fd's first len bytes still checksum to want. */
bool ccm_tail_fp_matches(int fd, uint32_t len, uint32_t want)
{
	unsigned char b[CCM_FP_MAX];

	if (len > CCM_FP_MAX)
		return false;
	return pread(fd, b, len, 0) == (ssize_t)len && crc(b, len) == want;
}

/* Whether fd begins with what f began with.  Device and inode alone do
 * not say it of a file f no longer holds open: a deleted file's inode
 * number goes to the next file created (logrotate's compress deletes the
 * rotated log just before the next rotation creates the new one). */
bool ccm_tail_same_start(const struct tfile *f, int fd)
{
	return !f->pos.fp_len ||
	       ccm_tail_fp_matches(fd, f->pos.fp_len, f->pos.fp_crc);
}

/* ---- files ----------------------------------------------------------------- */

static void watch_file(struct ccm_tail *t, struct tfile *f)
{
	char proc[64];

	if (t->ifd < 0)
		return;
	/* The inode itself, reached through the fd: a symlink's target may
	 * live in a directory nobody watches. */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", f->fd);
	f->wd = inotify_add_watch(t->ifd, proc, IN_MODIFY | IN_ATTRIB |
				  IN_DELETE_SELF | IN_MOVE_SELF);
}

void ccm_tail_add_stats(struct ccm_tail_stats *s, const struct ccm_scanner *sc)
{
	s->lines += sc->stats.lines;
	s->recognized += sc->stats.recognized;
	s->bad_time += sc->stats.bad_time;
	s->overlong += sc->stats.overlong;
	if (sc->clock.have_last &&
	    (!s->have_last_time || sc->clock.last > s->last_time)) {
		s->have_last_time = true;
		s->last_time = sc->clock.last;
	}
}

/* The name the descriptor leads to now, for re-opening it later. */
static void note_where(struct tfile *f)
{
	char proc[64], buf[PATH_MAX];
	ssize_t n;
	char *w;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", f->fd);
	n = readlink(proc, buf, sizeof(buf) - 1);
	if (n <= 0 || buf[0] != '/')
		return;
	buf[n] = '\0';
	if (!(w = strdup(buf)))
		return;
	free(f->where);
	f->where = w;
}

/* Closes the descriptor, keeps the file followed. */
void ccm_tail_shut(struct ccm_tail *t, struct tfile *f)
{
	if (f->fd < 0)
		return;
	close(f->fd);
	f->fd = -1;
	t->nopen--;
}

/* Forgets the file. */
void ccm_tail_close_file(struct ccm_tail *t, size_t i)
{
	struct tfile *f = t->files[i];

	ccm_scanner_finish(&f->sc);
	ccm_tail_add_stats(&t->closed, &f->sc);
	if (f->wd >= 0 && t->ifd >= 0)
		inotify_rm_watch(t->ifd, f->wd); /* EINVAL if gone: fine */
	ccm_tail_shut(t, f);
	ccm_scanner_release(&f->sc);
	ccm_tail_pos_release(&f->pos);
	free(f->where);
	free(f);
	memmove(t->files + i, t->files + i + 1,
		(t->nfiles - i - 1) * sizeof(*t->files));
	t->nfiles--;
}

/* Starts following an open fd.  Lines before replay_until are replay; the
 * file is read from offset on (line lines before it), which is 0 unless the
 * bytes before offset are known to have been read already (a copy). */
struct tfile *ccm_tail_follow(struct ccm_tail *t, int fd, const char *path,
			      const struct stat *st, uint64_t replay_until,
			      uint64_t offset, uint64_t line)
{
	struct tfile *f = calloc(1, sizeof(*f));
	struct ccm_clock clock;

	if (!f || !(f->pos.path = strdup(path)))
		goto fail;
	if (t->nfiles == t->capfiles) {
		size_t ncap = t->capfiles ? t->capfiles * 2 : 8;
		struct tfile **nf = realloc(t->files, ncap * sizeof(*nf));
		if (!nf)
			goto fail;
		t->files = nf;
		t->capfiles = ncap;
	}
	f->fd = fd;
	t->nopen++;
	note_where(f);
	f->last_grew = ccm_now_mono_usec();
	f->wd = -1;
	f->pos.dev = st->st_dev;
	f->pos.ino = st->st_ino;
	f->pos.offset = offset;
	f->pos.line = line;
	f->read_off = offset;
	f->upto = NO_LIMIT;
	f->replay_until = replay_until;
	/* Time-only logs are dated by the file's mtime, as in analysis. */
	ccm_clock_init(&clock, CCM_BASIS_MTIME, ccm_time_local(&st->st_mtim));
	ccm_scanner_init(&f->sc, t->rec, &clock, t->cfg.max_line, on_message, t);
	f->sc.silence_min = t->cfg.silence_min;
	f->sc.stats.lines = line;
	f->sc.untimed = clock.basis_time;
	if (offset > 0) {
		/* the fingerprint of what is not read again */
		uint32_t n = offset < CCM_FP_MAX ? (uint32_t)offset : CCM_FP_MAX;
		if (pread(fd, f->fp, n, 0) == (ssize_t)n) {
			f->pos.fp_len = n;
			f->pos.fp_crc = crc(f->fp, n);
		}
		if (pread(fd, f->back, n, (off_t)(offset - n)) == (ssize_t)n)
			f->back_len = n;
	}
	t->files[t->nfiles++] = f;
	watch_file(t, f);
	f->seen = t->gen;
	ccm_tail_emit(t, CCM_TAIL_OPENED, path, 0);
	return f;
fail:
	if (f)
		free(f->pos.path);
	free(f);
	close(fd);
	return NULL;
}

static const char *pattern_of(const struct ccm_tail *t, const char *path)
{
	for (size_t i = 0; i < t->cfg.npatterns; i++)
		if (fnmatch(t->cfg.patterns[i], path, FNM_PATHNAME) == 0)
			return t->cfg.patterns[i];
	return t->cfg.npatterns ? t->cfg.patterns[0] : "";
}

/* Files that a pattern names (not rotated away). */
size_t ccm_tail_named(const struct ccm_tail *t)
{
	size_t n = 0;

	for (size_t i = 0; i < t->nfiles; i++)
		n += !t->files[i]->rotated;
	return n;
}

/* Makes room for one more descriptor (self excepted), closing the file
 * grown least lately that can be re-opened.  Deleted files being drained
 * cannot be, and are not counted: they are closed once drained. */
void ccm_tail_room(struct ccm_tail *t, const struct tfile *self)
{
	struct tfile *victim = NULL;
	struct stat st;
	size_t open = 0;

	if (t->nopen < t->cfg.max_open)
		return;
	for (size_t i = 0; i < t->nfiles; i++) {
		struct tfile *g = t->files[i];
		struct stat gs;
		if (g == self || g->fd < 0 || g == t->cur)
			continue;
		if (fstat(g->fd, &gs) == 0 && gs.st_nlink > 0)
			open++;
		else
			continue;
		/* a pending copy is never read: the first to go */
		if (victim && !(g->pending && !victim->pending) &&
		    !(g->pending == victim->pending &&
		      g->last_grew < victim->last_grew))
			continue;
		victim = g;
		st = gs;
	}
	if (open < t->cfg.max_open)
		return;
	/* rotated files waiting for their writer are no fault of the
	 * configuration: only too many named ones are */
	if (!t->limited && ccm_tail_named(t) >= t->cfg.max_open) {
		const char *pat = pattern_of(t, self ? self->pos.path : "");
		t->limited = strdup(pat);
		ccm_tail_emit(t, CCM_TAIL_FILES_LIMIT, pat,
			      (int)t->cfg.max_open);
	}
	if (!victim)
		return;
	victim->dirty = (uint64_t)st.st_size != victim->read_off;
	ccm_tail_shut(t, victim);
}

/* Opens path if it is the file of identity (dev, ino); -1 if not. */
int ccm_tail_open_same(const char *path, dev_t dev, ino_t ino, struct stat *st)
{
	int fd = ccm_tail_open_regular(path, st);

	if (fd >= 0 && (st->st_dev != dev || st->st_ino != ino)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* Looks for inode ino in the directory of path (a rotated file renamed
 * again); its name in *found. */
int ccm_tail_open_in_dir(const char *path, dev_t dev, ino_t ino,
			 struct stat *st, char **found)
{
	char *copy = strdup(path);
	const char *dir;
	DIR *d;
	struct dirent *de;
	int fd = -1;

	if (!copy)
		return -1;
	dir = dirname(copy);
	d = opendir(dir);
	while (d && fd < 0 && (de = readdir(d))) {
		char *p;
		if (de->d_ino != ino || asprintf(&p, "%s/%s", dir, de->d_name) < 0)
			continue;
		fd = ccm_tail_open_same(p, dev, ino, st);
		if (fd >= 0)
			*found = p;
		else
			free(p);
	}
	if (d)
		closedir(d);
	free(copy);
	return fd;
}

/* Re-opens a closed file by its identity: by the name it had, by the
 * followed name, or beside the name it had. */
bool ccm_tail_reopen(struct ccm_tail *t, struct tfile *f)
{
	struct stat st;
	char *found = NULL;
	int fd = -1;

	ccm_tail_room(t, f);
	if (f->where)
		fd = ccm_tail_open_same(f->where, f->pos.dev, f->pos.ino, &st);
	if (fd < 0)
		fd = ccm_tail_open_same(f->pos.path, f->pos.dev, f->pos.ino, &st);
	if (fd < 0 && f->where)
		fd = ccm_tail_open_in_dir(f->where, f->pos.dev, f->pos.ino, &st,
					  &found);
	if (fd >= 0 && f->rotated && !ccm_tail_same_start(f, fd)) {
		close(fd); /* its inode now holds another file */
		fd = -1;
	}
	free(found);
	if (fd < 0)
		return false;
	f->fd = fd;
	t->nopen++;
	f->dirty = false;
	note_where(f);
	if (f->wd < 0)
		watch_file(t, f);
	ccm_tail_emit(t, CCM_TAIL_OPENED, f->pos.path, 0);
	return true;
}

struct tfile *ccm_tail_find(struct ccm_tail *t, dev_t dev, ino_t ino)
{
	for (size_t i = 0; i < t->nfiles; i++)
		if (t->files[i]->pos.dev == dev && t->files[i]->pos.ino == ino)
			return t->files[i];
	return NULL;
}

/* The descriptor, or a negative code (see ccm_open_file): a FIFO put
 * under a followed name is refused, never waited on. */
int ccm_tail_open_regular(const char *path, struct stat *st)
{
	return ccm_open_file(path, O_RDONLY, 0, st);
}

/* ---- reading --------------------------------------------------------------- */

/* The file shrank, or its first bytes or those before the offset changed
 * under the same inode: it was truncated (and maybe written again).  What
 * its copy holds beyond what was read is read now; then f from its
 * start: both in the next round of the pass (t->again), the copy
 * first. */
static void restart_file(struct ccm_tail *t, struct tfile *f)
{
	struct ccm_clock clock = f->sc.clock;
	struct tfile *c = ccm_tail_find_copy(t, f);

	if (!c)
		ccm_tail_remember_truncated(t, f);
	ccm_tail_emit(t, CCM_TAIL_TRUNCATED, f->pos.path, 0);
	t->totals.truncations++;
	ccm_tail_add_stats(&t->closed, &f->sc);
	ccm_scanner_release(&f->sc);
	/* The clock keeps its date: the same log goes on. */
	ccm_scanner_init(&f->sc, t->rec, &clock, t->cfg.max_line, on_message, t);
	f->sc.silence_min = t->cfg.silence_min;
	f->sc.untimed = clock.have_last ? clock.last : clock.basis_time;
	f->read_off = f->pos.offset = f->pos.line = 0;
	f->pos.fp_len = f->pos.fp_crc = 0;
	f->back_len = 0;
	f->replay_until = 0;
	f->upto = NO_LIMIT; /* the size seen was of what was truncated */
	if (c)
		t->again = true;
}

/* Keeps the last bytes before read_off from what buf[0..n) ends with. */
static void keep_back(struct tfile *f, const char *buf, size_t n)
{
	if (n >= CCM_FP_MAX) {
		memcpy(f->back, buf + n - CCM_FP_MAX, CCM_FP_MAX);
		f->back_len = CCM_FP_MAX;
		return;
	}
	if (f->back_len + n > CCM_FP_MAX) {
		size_t drop = f->back_len + n - CCM_FP_MAX;
		memmove(f->back, f->back + drop, f->back_len - drop);
		f->back_len -= (uint32_t)drop;
	}
	memcpy(f->back + f->back_len, buf, n);
	f->back_len += (uint32_t)n;
}

/* Whether f is to be read now: open (re-opened if it grew while shut), no
 * copy still waiting for its original's truncation, none still being made;
 * restarted from its start if it was truncated. */
static bool ready(struct ccm_tail *t, struct tfile *f)
{
	struct stat st;

	if (f->fd < 0 && (!f->dirty || !ccm_tail_reopen(t, f)))
		return false;
	if (f->pending && !ccm_tail_original_named(t, f))
		f->pending = false; /* no truncation can come: a file of its own */
	if (f->pending)
		return false;
	/* A copy shows up before the truncation of its original does, and
	 * empty at first: it is recognised when its first bytes arrive. */
	if (!f->copy && f->read_off == 0 && f->replay_until == 0) {
		switch (ccm_tail_classify(t, f)) {
		case K_UNDECIDED:
			return false;
		case K_PENDING:
			f->pending = true;
			return false;
		case K_RECENT:
			f->copy = true;
			break;
		case K_NEW:
			break;
		}
	}
	if (f->copy && fstat(f->fd, &st) == 0 &&
	    (uint64_t)st.st_size < f->read_off)
		return false; /* still being copied */
	if (fstat(f->fd, &st) == 0 &&
	    ((uint64_t)st.st_size < f->read_off ||
	     !ccm_tail_same_start(f, f->fd)))
		restart_file(t, f);
	return true;
}

/* Reads everything new in f; true if bytes were read. */
bool ccm_tail_read_file(struct ccm_tail *t, struct tfile *f)
{
	bool grew = false;
	unsigned restarts = 0;

	if (!ready(t, f))
		return false;
	for (; !t->again;) {
		size_t want = SLICE_READ, k = f->back_len;
		ssize_t n;
		const char *nl, *data;

		if (grew && ccm_now_mono_usec() >= t->slice_end) {
			t->cut = true;
			break;
		}
		if (f->read_off < f->replay_until &&
		    f->replay_until - f->read_off < want)
			want = (size_t)(f->replay_until - f->read_off);
		if (f->upto != NO_LIMIT) {
			if (f->read_off >= f->upto)
				break; /* the rest in the next pass */
			if (f->upto - f->read_off < want)
				want = (size_t)(f->upto - f->read_off);
		}
		/* with the bytes before the offset: they must not have
		 * changed since they were read */
		n = pread(f->fd, t->buf, k + want, (off_t)(f->read_off - k));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || n == (ssize_t)k)
			break;
		if (n < (ssize_t)k || memcmp(t->buf, f->back, k) ||
		    !ccm_tail_same_start(f, f->fd)) {
			if (++restarts > 3)
				break; /* rewritten as we look: next pass */
			restart_file(t, f);
			continue;
		}
		data = t->buf + k;
		n -= (ssize_t)k;
		if (f->read_off < CCM_FP_MAX) {
			size_t c = CCM_FP_MAX - (size_t)f->read_off;
			if (c > (size_t)n)
				c = (size_t)n;
			memcpy(f->fp + f->read_off, data, c);
			f->pos.fp_len = (uint32_t)(f->read_off + c);
			f->pos.fp_crc = crc(f->fp, f->pos.fp_len);
		}
		t->cur = f;
		t->cur_replay = f->read_off < f->replay_until;
		if (ccm_scanner_feed(&f->sc, data, (size_t)n))
			break; /* out of memory: the bytes are read again later */
		nl = memrchr(data, '\n', (size_t)n);
		if (nl) {
			f->pos.offset = f->read_off + (uint64_t)(nl - data) + 1;
			/* an overlong line is counted when it starts */
			f->pos.line = f->sc.stats.lines - (f->sc.skipping ? 1 : 0);
		}
		keep_back(f, data, (size_t)n);
		f->read_off += (uint64_t)n;
		t->totals.bytes += (uint64_t)n;
		grew = true;
	}
	t->cur = NULL;
	if (grew) {
		f->last_grew = ccm_now_mono_usec();
		if (t->ops->grew)
			t->ops->grew(t->ctx, f->pos.path);
	}
	return grew;
}

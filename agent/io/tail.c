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
 * copytruncate: a copy of the log is made, then the log truncated; lines
 * written between the two are in no file.  A copy holds nothing that was
 * not read from the original until the original is truncated, so a copy
 * found under a followed name is not read until then ("pending"); when
 * the truncation is seen, the rest of the copy (from where the original
 * was read up to) is read first, whether or not its name is followed.
 * A truncation is seen by the size, by the first bytes, and by the bytes
 * just before the offset: each read starts with them and must find them
 * unchanged, so a log truncated and written past the old offset between
 * two looks is not read from the middle.
 *
 * A pass reads for at most SLICE_USEC, then hands the loop back and goes on
 * from a deferred source: a first replay of a large history (or a big burst)
 * must not keep the agent from its signals, status socket and watchdog.  A
 * pass stopped by its slice goes on before any other reading, in the same
 * order (rotated files and copies first), so slicing changes no line's
 * order. */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <glob.h>
#include <libgen.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <limits.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "agent/util/safe_open.h"
#include "agent/io/tail.h"

#define READ_CHUNK ((size_t)1 << 20)
/* Bytes scanned between looks at the slice's clock: a few ms of lines. */
#define SLICE_READ ((size_t)64 << 10)
#define SLICE_USEC UINT64_C(50000)
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

static uint64_t mono_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void event(struct ccm_tail *t, enum ccm_tail_event ev, const char *path,
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
static bool fp_matches(int fd, uint32_t len, uint32_t want)
{
	unsigned char b[CCM_FP_MAX];

	if (len > CCM_FP_MAX)
		return false;
	return pread(fd, b, len, 0) == (ssize_t)len && crc(b, len) == want;
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

static void add_stats(struct ccm_tail_stats *s, const struct ccm_scanner *sc)
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
static void shut(struct ccm_tail *t, struct tfile *f)
{
	if (f->fd < 0)
		return;
	close(f->fd);
	f->fd = -1;
	t->nopen--;
}

/* Forgets the file. */
static void close_file(struct ccm_tail *t, size_t i)
{
	struct tfile *f = t->files[i];

	ccm_scanner_finish(&f->sc);
	add_stats(&t->closed, &f->sc);
	if (f->wd >= 0 && t->ifd >= 0)
		inotify_rm_watch(t->ifd, f->wd); /* EINVAL if gone: fine */
	shut(t, f);
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
static struct tfile *follow(struct ccm_tail *t, int fd, const char *path,
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
	f->last_grew = mono_usec();
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
	event(t, CCM_TAIL_OPENED, path, 0);
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
static size_t named(const struct ccm_tail *t)
{
	size_t n = 0;

	for (size_t i = 0; i < t->nfiles; i++)
		n += !t->files[i]->rotated;
	return n;
}

/* Makes room for one more descriptor (self excepted), closing the file
 * grown least lately that can be re-opened.  Deleted files being drained
 * cannot be, and are not counted: they are closed once drained. */
static void room(struct ccm_tail *t, const struct tfile *self)
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
	if (!t->limited && named(t) >= t->cfg.max_open) {
		const char *pat = pattern_of(t, self ? self->pos.path : "");
		t->limited = strdup(pat);
		event(t, CCM_TAIL_FILES_LIMIT, pat, (int)t->cfg.max_open);
	}
	if (!victim)
		return;
	victim->dirty = (uint64_t)st.st_size != victim->read_off;
	shut(t, victim);
}

static int open_regular(const char *path, struct stat *st);

/* Opens path if it is the file of identity (dev, ino); -1 if not. */
static int open_same(const char *path, dev_t dev, ino_t ino, struct stat *st)
{
	int fd = open_regular(path, st);

	if (fd >= 0 && (st->st_dev != dev || st->st_ino != ino)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* Looks for inode ino in the directory of path (a rotated file renamed
 * again); its name in *found. */
static int open_in_dir(const char *path, dev_t dev, ino_t ino,
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
		fd = open_same(p, dev, ino, st);
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
static bool reopen(struct ccm_tail *t, struct tfile *f)
{
	struct stat st;
	char *found = NULL;
	int fd = -1;

	room(t, f);
	if (f->where)
		fd = open_same(f->where, f->pos.dev, f->pos.ino, &st);
	if (fd < 0)
		fd = open_same(f->pos.path, f->pos.dev, f->pos.ino, &st);
	if (fd < 0 && f->where)
		fd = open_in_dir(f->where, f->pos.dev, f->pos.ino, &st, &found);
	if (fd < 0)
		return false;
	free(found);
	f->fd = fd;
	t->nopen++;
	f->dirty = false;
	note_where(f);
	if (f->wd < 0)
		watch_file(t, f);
	event(t, CCM_TAIL_OPENED, f->pos.path, 0);
	return true;
}

static struct tfile *find(struct ccm_tail *t, dev_t dev, ino_t ino)
{
	for (size_t i = 0; i < t->nfiles; i++)
		if (t->files[i]->pos.dev == dev && t->files[i]->pos.ino == ino)
			return t->files[i];
	return NULL;
}

/* The descriptor, or a negative code (see ccm_open_file): a FIFO put
 * under a followed name is refused, never waited on. */
static int open_regular(const char *path, struct stat *st)
{
	return ccm_open_file(path, O_RDONLY, 0, st);
}

/* ---- reading --------------------------------------------------------------- */

static void remember_truncated(struct ccm_tail *t, const struct tfile *f)
{
	if (!f->pos.fp_len)
		return;
	if (t->nrecent == RECENT_MAX) {
		memmove(t->recent, t->recent + 1,
			(RECENT_MAX - 1) * sizeof(*t->recent));
		t->nrecent--;
	}
	t->recent[t->nrecent++] = (struct recent){
		.fp_len = f->pos.fp_len, .fp_crc = f->pos.fp_crc,
		.offset = f->pos.offset, .line = f->pos.line,
	};
}

/* Whether fd holds everything f had read before its truncation: its first
 * bytes and the bytes just before read_off (a copy made by copytruncate). */
static bool holds_read(const struct tfile *f, int fd)
{
	unsigned char b[CCM_FP_MAX];
	struct stat st;

	if (!f->pos.fp_len || fstat(fd, &st) < 0 ||
	    (uint64_t)st.st_size < f->read_off)
		return false;
	if (pread(fd, b, f->pos.fp_len, 0) != (ssize_t)f->pos.fp_len ||
	    memcmp(b, f->fp, f->pos.fp_len))
		return false;
	return !f->back_len ||
	       (pread(fd, b, f->back_len, (off_t)(f->read_off - f->back_len)) ==
		(ssize_t)f->back_len && !memcmp(b, f->back, f->back_len));
}

/* The copy of f a copytruncate left beside it, followed from where f was
 * read up to: a pending copy already followed, else a file of f's
 * directory.  NULL if there is none. */
static struct tfile *find_copy(struct ccm_tail *t, struct tfile *f)
{
	const char *base = f->where ? f->where : f->pos.path;
	char *copy;
	DIR *d;
	struct dirent *de;
	struct tfile *c = NULL;
	unsigned tried = 0;

	for (size_t i = 0; i < t->nfiles; i++) {
		struct tfile *g = t->files[i];
		if (!g->pending || g->orig_dev != f->pos.dev ||
		    g->orig_ino != f->pos.ino)
			continue;
		if ((g->fd >= 0 || reopen(t, g)) && holds_read(f, g->fd)) {
			g->pending = false;
			g->copy = true;
			memcpy(g->fp, f->fp, f->pos.fp_len);
			g->pos.fp_len = f->pos.fp_len;
			g->pos.fp_crc = f->pos.fp_crc;
			memcpy(g->back, f->back, f->back_len);
			g->back_len = f->back_len;
			g->read_off = g->pos.offset = f->pos.offset;
			g->pos.line = g->sc.stats.lines = f->pos.line;
			/* the bytes before offset: the partial line, if any,
			 * is read again whole */
			if (f->read_off != f->pos.offset) {
				uint32_t n = f->pos.offset < CCM_FP_MAX ?
					     (uint32_t)f->pos.offset : CCM_FP_MAX;
				g->back_len = pread(g->fd, g->back, n,
					(off_t)(f->pos.offset - n)) ==
					(ssize_t)n ? n : 0;
			}
			return g;
		}
		/* shorter than what was read: it holds nothing new, ever */
		g->pending = false;
		g->copy = true;
		g->read_off = g->pos.offset = f->read_off;
		g->pos.line = g->sc.stats.lines = f->pos.line;
		g->back_len = 0;
	}
	if (!f->pos.fp_len || !(copy = strdup(base)))
		return NULL;
	d = opendir(dirname(copy));
	while (d && !c && tried < 64 && (de = readdir(d))) {
		struct stat st;
		char *path;
		int fd;

		if (de->d_ino == f->pos.ino || de->d_name[0] == '.' ||
		    asprintf(&path, "%s/%s", copy, de->d_name) < 0)
			continue;
		if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) ||
		    (uint64_t)st.st_size < f->read_off ||
		    find(t, st.st_dev, st.st_ino)) {
			free(path);
			continue;
		}
		room(t, f);
		tried++;
		fd = open_regular(path, &st);
		if (fd >= 0 && holds_read(f, fd)) {
			c = follow(t, fd, path, &st, 0, f->pos.offset,
				   f->pos.line);
			if (c) {
				c->copy = true;
				c->rotated = true; /* until a pattern names it */
			}
		} else if (fd >= 0) {
			close(fd);
		}
		free(path);
	}
	if (d)
		closedir(d);
	free(copy);
	return c;
}

/* The file shrank, or its first bytes or those before the offset changed
 * under the same inode: it was truncated (and maybe written again).  What
 * its copy holds beyond what was read is read now; then f from its
 * start: both in the next round of the pass (t->again), the copy
 * first. */
static void restart_file(struct ccm_tail *t, struct tfile *f)
{
	struct ccm_clock clock = f->sc.clock;
	struct tfile *c = find_copy(t, f);

	if (!c)
		remember_truncated(t, f);
	event(t, CCM_TAIL_TRUNCATED, f->pos.path, 0);
	t->totals.truncations++;
	add_stats(&t->closed, &f->sc);
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

enum kind { K_NEW, K_UNDECIDED, K_PENDING, K_RECENT };

/* What a file first seen empty or new is: new, a copy of a followed file
 * (pending), a copy of content truncated lately (read from where that
 * was read up to), or still too short to tell. */
static enum kind classify(struct ccm_tail *t, struct tfile *f)
{
	unsigned char b[CCM_FP_MAX];
	ssize_t have = pread(f->fd, b, sizeof(b), 0);

	if (have <= 0)
		return K_UNDECIDED;
	for (size_t i = 0; i < t->nfiles; i++) {
		const struct tfile *g = t->files[i];
		uint32_t n = g->pos.fp_len;
		/* the original of a copytruncate copy stays under its name:
		 * a file renamed away (rename and create) has none, and a new
		 * log may well begin as the last one did */
		if (g == f || g->pending || g->rotated || !n || !g->read_off)
			continue;
		if ((size_t)have < n)
			n = (uint32_t)have;
		if (memcmp(b, g->fp, n))
			continue;
		if (n < g->pos.fp_len)
			return K_UNDECIDED; /* a copy being made, perhaps */
		f->orig_dev = g->pos.dev;
		f->orig_ino = g->pos.ino;
		return K_PENDING;
	}
	for (size_t i = t->nrecent; i-- > 0;) {
		const struct recent *r = &t->recent[i];
		if (fp_matches(f->fd, r->fp_len, r->fp_crc)) {
			f->read_off = f->pos.offset = r->offset;
			f->pos.line = f->sc.stats.lines = r->line;
			f->upto = NO_LIMIT; /* measured as a name, read as a copy */
			return K_RECENT;
		}
	}
	return K_NEW;
}

/* Whether the original a pending copy waits for is still followed under
 * its name, where a copytruncate leaves it. */
static bool original_named(const struct ccm_tail *t, const struct tfile *f)
{
	for (size_t i = 0; i < t->nfiles; i++) {
		const struct tfile *g = t->files[i];
		if (g != f && !g->rotated && g->pos.dev == f->orig_dev &&
		    g->pos.ino == f->orig_ino)
			return true;
	}
	return false;
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

/* Reads everything new in f; true if bytes were read. */
static bool read_file(struct ccm_tail *t, struct tfile *f)
{
	struct stat st;
	bool grew = false;
	unsigned restarts = 0;

	if (f->fd < 0 && (!f->dirty || !reopen(t, f)))
		return false;
	if (f->pending && !original_named(t, f))
		f->pending = false; /* no truncation can come: a file of its own */
	if (f->pending)
		return false;
	/* A copy shows up before the truncation of its original does, and
	 * empty at first: it is recognised when its first bytes arrive. */
	if (!f->copy && f->read_off == 0 && f->replay_until == 0) {
		switch (classify(t, f)) {
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
	     (f->pos.fp_len && !fp_matches(f->fd, f->pos.fp_len, f->pos.fp_crc))))
		restart_file(t, f);
	for (; !t->again;) {
		size_t want = SLICE_READ, k = f->back_len;
		ssize_t n;
		const char *nl, *data;

		if (grew && mono_usec() >= t->slice_end) {
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
		    (f->pos.fp_len &&
		     !fp_matches(f->fd, f->pos.fp_len, f->pos.fp_crc))) {
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
		f->last_grew = mono_usec();
		if (t->ops->grew)
			t->ops->grew(t->ctx, f->pos.path);
	}
	return grew;
}

/* ---- finding files --------------------------------------------------------- */

/* A new file under a followed name is read from its start, unless it
 * turns out to be a copy (see read_file). */
static void adopt(struct ccm_tail *t, int fd, const char *path,
		  const struct stat *st, bool replay_all)
{
	follow(t, fd, path, st, replay_all ? (uint64_t)st->st_size : 0, 0, 0);
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
		f = find(t, st.st_dev, st.st_ino);
		if (f) {
			f->seen = t->gen;
			f->rotated = false;
			if (f->fd < 0 && (uint64_t)st.st_size != f->read_off)
				f->dirty = true;
			continue;
		}
		room(t, NULL);
		fd = open_regular(g.gl_pathv[k], &st);
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
		event(t, CCM_TAIL_UNREADABLE, t->cfg.patterns[i], bad);
	} else if (!bad && t->unreadable[i]) {
		t->unreadable[i] = false;
		event(t, CCM_TAIL_READABLE, t->cfg.patterns[i], 0);
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
		if (f->rotated || f->copy || f->fd < 0 || fstat(f->fd, &st))
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
			g = read_file(t, f);
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
			event(t, CCM_TAIL_CLOSED, f->pos.path, 0);
			/* drained; one with a name is re-opened if it grows */
			if (fstat(f->fd, &st) == 0 && st.st_nlink > 0) {
				shut(t, f);
				i++;
				continue;
			}
			close_file(t, i);
		}
	}
}

static void read_all(struct ccm_tail *t, bool *grew)
{
	uint64_t now = mono_usec();

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
 * it (renamed again); false if it is gone. */
static bool locate(struct tfile *f)
{
	struct stat st;
	char *found = NULL;
	int fd;

	if (f->where && stat(f->where, &st) == 0 && st.st_dev == f->pos.dev &&
	    st.st_ino == f->pos.ino) {
		if ((uint64_t)st.st_size != f->read_off)
			f->dirty = true;
		return true;
	}
	fd = open_in_dir(f->where ? f->where : f->pos.path, f->pos.dev,
			 f->pos.ino, &st, &found);
	if (fd < 0)
		return false;
	close(fd);
	free(f->where);
	f->where = found;
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
			close_file(t, i);
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
		close_file(t, old);
		n--;
	}
}

/* names: look for new, renamed and deleted files too, not only for
 * growth (inotify says when that is needed; the poll always does). */
static void pass(struct ccm_tail *t, bool names, bool replay_all)
{
	bool grew = false;

	t->slice_end = mono_usec() + SLICE_USEC;
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
			event(t, CCM_TAIL_ROTATED, f->pos.path, 0);
		}
	}
	forget_rotated(t);
read:
	read_all(t, &grew);
	if (t->cut && t->resume)
		sd_event_source_set_enabled(t->resume, SD_EVENT_ONESHOT);
	else if (!t->cut)
		t->caught_up = true;
	if (t->limited && named(t) <= t->cfg.max_open) {
		event(t, CCM_TAIL_FILES_OK, t->limited, (int)t->cfg.max_open);
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
		event(t, CCM_TAIL_OVERFLOW, NULL, 0);
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
		fd = open_regular(path, st);
		if (fd >= 0 && st->st_dev == p->dev && st->st_ino == p->ino &&
		    fp_matches(fd, p->fp_len, p->fp_crc)) {
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

	room(t, NULL);
	fd = open_regular(p->path, &st);
	char *found = NULL;

	if (fd >= 0 && st.st_dev == p->dev && st.st_ino == p->ino &&
	    ((uint64_t)st.st_size < p->offset ||
	     !fp_matches(fd, p->fp_len, p->fp_crc))) {
		/* truncated while we were stopped: the pass reads it anew */
		close(fd);
		event(t, CCM_TAIL_TRUNCATED, p->path, 0);
		return;
	}
	if (fd >= 0 && (st.st_dev != p->dev || st.st_ino != p->ino)) {
		close(fd);
		fd = -1;
	}
	if (fd >= 0) {
		follow(t, fd, p->path, &st, p->offset, 0, 0);
		return;
	}
	fd = open_sibling(p, &st, &found);
	if (fd < 0) {
		event(t, CCM_TAIL_LOST, p->path, 0);
		return;
	}
	/* Its rest is read first: the rotated file's lines are the older. */
	if (follow(t, fd, found, &st, p->offset, 0, 0))
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
		close_file(t, t->nfiles - 1);
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

		add_stats(out, &f->sc);
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

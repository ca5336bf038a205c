/* SPDX-License-Identifier: ISC */
/* copytruncate (agent/io/tail_file.h): a copy of the log is made, then
 * the log truncated; lines written between the two are in no file.  A
 * copy holds nothing that was not read from the original until the
 * original is truncated, so a copy found under a followed name is not
 * read until then ("pending"); when the truncation is seen, the rest of
 * the copy (from where the original was read up to) is read first,
 * whether or not its name is followed.  A truncation is seen by the size,
 * by the first bytes, and by the bytes just before the offset: each read
 * starts with them and must find them unchanged, so a log truncated and
 * written past the old offset between two looks is not read from the
 * middle. */
#include <dirent.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/io/tail_file.h"

void ccm_tail_remember_truncated(struct ccm_tail *t, const struct tfile *f)
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
struct tfile *ccm_tail_find_copy(struct ccm_tail *t, struct tfile *f)
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
		if ((g->fd >= 0 || ccm_tail_reopen(t, g)) &&
		    holds_read(f, g->fd)) {
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
		    ccm_tail_find(t, st.st_dev, st.st_ino)) {
			free(path);
			continue;
		}
		ccm_tail_room(t, f);
		tried++;
		fd = ccm_tail_open_regular(path, &st);
		if (fd >= 0 && holds_read(f, fd)) {
			c = ccm_tail_follow(t, fd, path, &st, 0, f->pos.offset,
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

/* What a file first seen empty or new is: new, a copy of a followed file
 * (pending), a copy of content truncated lately (read from where that
 * was read up to), or still too short to tell. */
enum tfile_kind ccm_tail_classify(struct ccm_tail *t, struct tfile *f)
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
		if (ccm_tail_fp_matches(f->fd, r->fp_len, r->fp_crc)) {
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
bool ccm_tail_original_named(const struct ccm_tail *t, const struct tfile *f)
{
	for (size_t i = 0; i < t->nfiles; i++) {
		const struct tfile *g = t->files[i];
		if (g != f && !g->rotated && g->pos.dev == f->orig_dev &&
		    g->pos.ino == f->orig_ino)
			return true;
	}
	return false;
}

/* SPDX-License-Identifier: ISC */
/* Reading log files, compressed or not, for the scanner.
 *
 * zlib's gzread reads plain files transparently, so one path serves both;
 * large reads of a plain file go straight into our buffer.
 *
 * Where a second core is there, a thread reads ahead: it reads (or
 * inflates) the blocks and runs the component prefilter over them
 * (ccm_scan_hints), while the caller's thread runs the scanner, which is
 * the same scanner in the same order, so the answers are the same. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "agent/io/input.h"

#define READ_CHUNK ((size_t)1 << 20)
/* Blocks between the reading thread and the scan: enough that neither
 * waits on the other's jitter. */
#define RING 4
/* The reading thread's blocks: small enough that the ring stays in the
 * caches the two cores share while the scan reads what was just read
 * (-DCCM_SCAN_BLOCK_KIB=... to measure another size) */
#ifndef CCM_SCAN_BLOCK_KIB
#define CCM_SCAN_BLOCK_KIB 256
#endif
#define BLOCK ((size_t)CCM_SCAN_BLOCK_KIB << 10)
#define GZ_BUFFER (256u << 10)
/* How far the probe looks for a first dated line. */
#define PROBE_BYTES ((size_t)4 << 20)

static gzFile open_gz(const char *path, struct stat *st, char *err,
		      size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	gzFile gz;

	if (fd < 0 || fstat(fd, st) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (S_ISDIR(st->st_mode)) {
		snprintf(err, errlen, "%s: is a directory", path);
		close(fd);
		return NULL;
	}
	/* a larger read-ahead window; advice only, so its failure is not */
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	gz = gzdopen(fd, "rb");
	if (!gz) {
		snprintf(err, errlen, "%s: cannot open: out of memory", path);
		close(fd);
		return NULL;
	}
	gzbuffer(gz, GZ_BUFFER);
	return gz;
}

static int gz_error(gzFile gz, const char *path, char *err, size_t errlen)
{
	int code;
	const char *msg = gzerror(gz, &code);

	if (code == Z_ERRNO)
		msg = strerror(errno);
	else if (strncmp(msg, "<fd:", 4) == 0 && strstr(msg, ": "))
		msg = strstr(msg, ": ") + 2; /* zlib names the fd, we the path */
	snprintf(err, errlen, "%s: read error: %s", path, msg);
	return -1;
}

/* Finds the first dated line of buf[0..len) with clock and keeps a copy of
 * it in in; 1 if found. */
static int first_dated(struct ccm_input *in, struct ccm_clock *clock,
		       const char *buf, size_t len, ccm_ms *out)
{
	const char *p = buf, *end = buf + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);

		if (n && p[n - 1] == '\r')
			n--;
		if (ccm_clock_read(clock, p, n, out) == CCM_TS_OK) {
			in->first_line = malloc(n ? n : 1);
			if (!in->first_line)
				return 0;
			memcpy(in->first_line, p, n);
			in->first_len = n;
			return 1;
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	return 0;
}

int ccm_input_probe(struct ccm_input *in, const char *path, char *err,
		    size_t errlen)
{
	struct stat st;
	struct ccm_clock clock;
	gzFile gz;
	char *buf;
	int n;

	memset(in, 0, sizeof(*in));
	in->path = strdup(path);
	if (!in->path) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	gz = open_gz(path, &st, err, errlen);
	if (!gz)
		return -1;
	in->mtime = ccm_time_local(&st.st_mtim);
	in->size = (uint64_t)st.st_size;
	in->have_name_date = ccm_name_date(path, &in->name_date);
	buf = malloc(PROBE_BYTES);
	if (!buf) {
		gzclose(gz);
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	n = gzread(gz, buf, (unsigned)PROBE_BYTES);
	if (n < 0) {
		gz_error(gz, path, err, errlen);
		free(buf);
		gzclose(gz);
		return -1;
	}
	/* dated as the scan will without --date, to order the inputs */
	ccm_input_clock(in, NULL, false, 0, &clock);
	in->have_first = first_dated(in, &clock, buf, (size_t)n, &in->first);
	in->shape = clock.shape;
	free(buf);
	gzclose(gz);
	return 0;
}

/* One read: its length, 0 at the end, or -1 with the reason in err. */
static int read_block(gzFile gz, const char *path, char *buf, size_t size,
		      char *err, size_t errlen)
{
	int n = gzread(gz, buf, (unsigned)size);

	if (n < 0)
		return gz_error(gz, path, err, errlen);
	if (n == 0) {
		/* gzread also ends this way on a truncated stream */
		int code;
		(void)gzerror(gz, &code);
		if (code != Z_OK)
			return gz_error(gz, path, err, errlen);
	}
	return n;
}

static int scan_serial(struct ccm_input *in, gzFile gz,
		       struct ccm_scanner *sc, char *err, size_t errlen)
{
	/* zeroed: the regular expressions' JIT may read a little past the
	 * last line of a chunk (vector loads), never past the buffer */
	char *buf = calloc(1, READ_CHUNK);
	int rc = 0;

	if (!buf) {
		snprintf(err, errlen, "%s: out of memory", in->path);
		return -1;
	}
	while (!sc->stopped) {
		int n = read_block(gz, in->path, buf, READ_CHUNK, err,
				    errlen);

		if (n <= 0) {
			rc = n;
			break;
		}
		if (ccm_scanner_feed(sc, buf, (size_t)n)) {
			snprintf(err, errlen, "%s: out of memory", in->path);
			rc = -1;
			break;
		}
		if (in->progress)
			in->progress(in->progress_ctx, (uint64_t)gzoffset(gz),
				     sc->stats.lines);
	}
	free(buf);
	return rc;
}

struct block {
	char *buf;
	size_t len;
	uint64_t offset; /* gzoffset() after the read */
	struct ccm_scan_hints hints;
};

/* The ring between the reading thread (filled) and the scan (used). */
struct reader {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct block blk[RING];
	uint64_t filled, used;
	bool quit;  /* the scan wants no more (--until, an error) */
	bool done;  /* the reading thread has stopped: rc, err */
	int rc;
	char err[512];
	gzFile gz;
	const char *path;
};

static void *read_ahead(void *arg)
{
	struct reader *r = arg;
	int rc = 0;

	for (;;) {
		struct block *b;
		int n;

		pthread_mutex_lock(&r->mu);
		while (!r->quit && r->filled - r->used == RING)
			pthread_cond_wait(&r->cv, &r->mu);
		b = &r->blk[r->filled % RING];
		if (r->quit) {
			pthread_mutex_unlock(&r->mu);
			break;
		}
		pthread_mutex_unlock(&r->mu);
		n = read_block(r->gz, r->path, b->buf, BLOCK, r->err,
			       sizeof(r->err));
		if (n <= 0) {
			rc = n;
			break;
		}
		b->len = (size_t)n;
		b->offset = (uint64_t)gzoffset(r->gz);
		if (ccm_scan_hints_find(&b->hints, b->buf, b->len)) {
			snprintf(r->err, sizeof(r->err), "%s: out of memory",
				 r->path);
			rc = -1;
			break;
		}
		pthread_mutex_lock(&r->mu);
		r->filled++;
		pthread_cond_broadcast(&r->cv);
		pthread_mutex_unlock(&r->mu);
	}
	pthread_mutex_lock(&r->mu);
	r->rc = rc;
	r->done = true;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

static void reader_free(struct reader *r)
{
	for (size_t i = 0; i < RING; i++) {
		free(r->blk[i].buf);
		ccm_scan_hints_release(&r->blk[i].hints);
	}
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->mu);
}

/* The scan with the reading thread: returns 0, -1 with err set, or 1 when
 * the thread could not start (nothing read yet: the caller goes on
 * alone). */
static int scan_threaded(struct ccm_input *in, gzFile gz,
			 struct ccm_scanner *sc, char *err, size_t errlen)
{
	struct reader r;
	pthread_t thread;
	int rc = 0;
	bool ended = false; /* every block read has been scanned */

	memset(&r, 0, sizeof(r));
	r.gz = gz;
	r.path = in->path;
	pthread_mutex_init(&r.mu, NULL);
	pthread_cond_init(&r.cv, NULL);
	for (size_t i = 0; i < RING; i++) {
		/* zeroed, as in scan_serial() */
		r.blk[i].buf = calloc(1, BLOCK);
		if (!r.blk[i].buf) {
			reader_free(&r);
			snprintf(err, errlen, "%s: out of memory", in->path);
			return -1;
		}
	}
	if (pthread_create(&thread, NULL, read_ahead, &r)) {
		reader_free(&r);
		return 1;
	}
	while (!sc->stopped) {
		const struct block *b;

		pthread_mutex_lock(&r.mu);
		while (r.filled == r.used && !r.done)
			pthread_cond_wait(&r.cv, &r.mu);
		ended = r.filled == r.used;
		b = &r.blk[r.used % RING];
		pthread_mutex_unlock(&r.mu);
		if (ended)
			break;
		if (ccm_scanner_feed_hinted(sc, b->buf, b->len, &b->hints)) {
			snprintf(err, errlen, "%s: out of memory", in->path);
			rc = -1;
			break;
		}
		if (in->progress)
			in->progress(in->progress_ctx, b->offset,
				     sc->stats.lines);
		pthread_mutex_lock(&r.mu);
		r.used++;
		pthread_cond_broadcast(&r.cv);
		pthread_mutex_unlock(&r.mu);
	}
	pthread_mutex_lock(&r.mu);
	r.quit = true;
	pthread_cond_broadcast(&r.cv);
	pthread_mutex_unlock(&r.mu);
	pthread_join(thread, NULL);
	/* a read error counts where a lone scan would have met it: after
	 * every block before it, unless --until stopped the scan first */
	if (ended && r.rc) {
		snprintf(err, errlen, "%s", r.err);
		rc = -1;
	}
	reader_free(&r);
	return rc;
}

/* CCMON_SCAN_THREADS=1 scans without the reading thread (the tests
 * compare the two), any other value with it; unset, with it where more
 * than one processor is online. */
static bool read_ahead_wanted(void)
{
	const char *v = getenv("CCMON_SCAN_THREADS");

	if (v && *v)
		return strcmp(v, "1") != 0;
	return sysconf(_SC_NPROCESSORS_ONLN) > 1;
}

int ccm_input_scan(struct ccm_input *in, struct ccm_scanner *sc, char *err,
		   size_t errlen)
{
	struct stat st;
	gzFile gz = open_gz(in->path, &st, err, errlen);
	int rc = 1;

	if (!gz) {
		in->failed = true;
		return -1;
	}
	if (read_ahead_wanted())
		rc = scan_threaded(in, gz, sc, err, errlen);
	if (rc > 0)
		rc = scan_serial(in, gz, sc, err, errlen);
	ccm_scanner_finish(sc);
	gzclose(gz);
	in->stats = sc->stats;
	/* the range runs from the earliest to the latest time, whatever the
	 * order the router's threads wrote them in */
	in->have_last = sc->clock.have_last;
	in->last = sc->clock.latest;
	if (sc->clock.have_last &&
	    (!in->have_first || sc->clock.earliest < in->first)) {
		in->first = sc->clock.earliest;
		in->have_first = true;
	}
	if (in->shape == CCM_TS_NONE)
		in->shape = sc->clock.shape;
	ccm_input_date_settle(in);
	in->failed = rc != 0;
	return rc;
}

bool ccm_input_first_time(const struct ccm_input *in,
			  const struct ccm_clock *clock, ccm_ms *out)
{
	struct ccm_clock copy = *clock;

	return in->first_line && ccm_clock_read(&copy, in->first_line,
						in->first_len, out) == CCM_TS_OK;
}

void ccm_input_release(struct ccm_input *in)
{
	free(in->path);
	free(in->first_line);
	in->path = NULL;
	in->first_line = NULL;
}

void ccm_input_clock(struct ccm_input *in, const struct ccm_input *prev,
		     bool have_date, ccm_ms date, struct ccm_clock *clock)
{
	const struct ccm_date_basis b = {
		.have_date = have_date,
		.date = date,
		.have_prev_last = prev && prev->have_last,
		.prev_last = prev ? prev->last : 0,
		.have_name_date = in->have_name_date,
		.name_date = in->name_date,
		.mtime = in->mtime,
	};

	in->date_source = ccm_date_clock(&b, clock);
}

void ccm_input_date_settle(struct ccm_input *in)
{
	in->date_source = ccm_date_settle(in->date_source, in->shape);
}

bool ccm_input_mtime_suspect(const struct ccm_input *in)
{
	return ccm_date_mtime_suspect(in->date_source, in->mtime,
				      in->have_last, in->last);
}

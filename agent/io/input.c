/* SPDX-License-Identifier: ISC */
/* Reading log files, compressed or not, for the scanner.
 *
 * zlib's gzread reads plain files transparently, so one path serves both;
 * large reads of a plain file go straight into our buffer. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "agent/io/input.h"

#define READ_CHUNK ((size_t)1 << 20)
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

int ccm_input_scan(struct ccm_input *in, struct ccm_scanner *sc, char *err,
		   size_t errlen)
{
	struct stat st;
	gzFile gz = open_gz(in->path, &st, err, errlen);
	char *buf;
	int rc = 0;

	if (!gz) {
		in->failed = true;
		return -1;
	}
	/* zeroed: the regular expressions' JIT may read a little past the
	 * last line of a chunk (vector loads), never past the buffer */
	buf = calloc(1, READ_CHUNK);
	if (!buf) {
		gzclose(gz);
		snprintf(err, errlen, "%s: out of memory", in->path);
		in->failed = true;
		return -1;
	}
	while (!sc->stopped) {
		int n = gzread(gz, buf, (unsigned)READ_CHUNK);
		if (n < 0) {
			rc = gz_error(gz, in->path, err, errlen);
			break;
		}
		if (n == 0) {
			/* gzread also ends this way on a truncated stream */
			int code;
			(void)gzerror(gz, &code);
			if (code != Z_OK)
				rc = gz_error(gz, in->path, err, errlen);
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
	ccm_scanner_finish(sc);
	free(buf);
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

/* SPDX-License-Identifier: ISC */
/* Fuzz target: the log reader (agent/io/input.c): plain or gzip files read
 * through zlib, probed for their first dated line, then scanned.
 *
 * Input: a 7-byte header, then the file's content.
 *   [0] bit 0: the harness gzips the content with zlib (else the content
 *              is the file as is: plain text or the fuzzer's own gzip);
 *       bits 1-4: compression level (mod 10); bit 5: two gzip members,
 *       split at [1..2]; bit 6: the compressed file cut at [3..4];
 *       bit 7: a gzip header with name, comment, extra field and CRC
 *   [1..2] where the members split (mod length + 1)
 *   [3..4] where the file is cut (mod its length + 1)
 *   [5]    max_line / 4 (0: the default)
 *   [6]    0xBn: the content repeated to (n + 1) * 80 KiB (n < 15) or
 *          4 MiB + 80 KiB (n = 15), so that reads cross zlib's 256 KiB
 *          buffer, the 1 MiB read chunk and the probe's 4 MiB (sizes kept
 *          small: each such run costs milliseconds per MiB);
 *          0xCn: with bit 6 of [0], a byte flipped at the cut
 *          point instead of the file cut there (a corrupt stream)
 * Oracles: whenever the plain content is known (the harness compressed it
 * whole, or the file is not gzip), the probe finds the first dated line a
 * clock finds in it, and the scan counts what a scanner fed the content
 * directly counts; a failed read says why. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "agent/io/input.h"
#include "tests/fuzz/fuzz_common.h"

#define HDR 7
#define REPEAT_UNIT ((size_t)80 << 10)
#define PROBE_BYTES ((size_t)4 << 20)      /* as agent/io/input.c */
#define MAX_INFLATED ((size_t)16 << 20)    /* bigger bombs are skipped */

static struct ccm_recognizer *rec;

/* Files of megabytes come and go at every run: a smaller quarantine keeps
 * the process well under -rss_limit_mb. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "quarantine_size_mb=32";
}
static int fd = -1;
static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[256];

	(void)argc;
	(void)argv;
	rec = ccm_recognizer_new(err, sizeof(err));
	if (!rec) {
		fprintf(stderr, "fuzz_input: %s\n", err);
		abort();
	}
	fd = fuzz_memfd("ccmon-fuzz-log", path);
	return 0;
}

static void on_msg(void *ctx, const struct ccm_logmsg *m, ccm_ms t,
		   uint64_t line_no)
{
	uint64_t *h = ctx;

	*h = fuzz_hash(m->component.p, m->component.n, *h);
	*h = fuzz_hash(m->host.p, m->host.n, *h);
	*h = fuzz_hash(&t, sizeof(t), *h);
	*h = fuzz_hash(&line_no, sizeof(line_no), *h);
	*h ^= (uint64_t)m->kind << 8 | m->state;
}

/* One gzip member of d[0..n) appended at out + *olen. */
static void gz_member(uint8_t *out, size_t *olen, size_t cap,
		      const uint8_t *d, size_t n, int level, bool header)
{
	static char name[] = "rtr-jsm-1_000431.log", comment[] = "fuzz";
	static unsigned char extra[] = { 'A', 'P', 2, 0, 'x', 'y' };
	gz_header gh;
	z_stream z;
	int rc;

	memset(&z, 0, sizeof(z));
	FUZZ_CHECK(deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8,
				Z_DEFAULT_STRATEGY) == Z_OK, "deflateInit2");
	if (header) {
		memset(&gh, 0, sizeof(gh));
		gh.name = (Bytef *)name;
		gh.comment = (Bytef *)comment;
		gh.extra = extra;
		gh.extra_len = sizeof(extra);
		gh.hcrc = 1;
		gh.os = 3;
		FUZZ_CHECK(deflateSetHeader(&z, &gh) == Z_OK, "header");
	}
	z.next_in = (Bytef *)d;
	z.avail_in = (uInt)n;
	z.next_out = out + *olen;
	z.avail_out = (uInt)(cap - *olen);
	rc = deflate(&z, Z_FINISH);
	FUZZ_CHECK(rc == Z_STREAM_END, "deflate %d", rc);
	*olen = cap - z.avail_out;
	deflateEnd(&z);
}

/* What gzread makes of a gzip file, as far as its size: members one after
 * the other, trailing garbage ignored.  SIZE_MAX beyond MAX_INFLATED. */
static size_t inflated_size(const uint8_t *d, size_t n)
{
	static uint8_t sink[65536];
	size_t total = 0;
	z_stream z;

	memset(&z, 0, sizeof(z));
	FUZZ_CHECK(inflateInit2(&z, 15 + 16) == Z_OK, "inflateInit2");
	z.next_in = (Bytef *)d;
	z.avail_in = (uInt)n;
	for (;;) {
		int rc;

		z.next_out = sink;
		z.avail_out = sizeof(sink);
		rc = inflate(&z, Z_NO_FLUSH);
		total += sizeof(sink) - z.avail_out;
		if (total > MAX_INFLATED) {
			total = SIZE_MAX;
			break;
		}
		if (rc == Z_STREAM_END) {
			if (z.avail_in < 2 || z.next_in[0] != 0x1f ||
			    z.next_in[1] != 0x8b)
				break;
			inflateReset(&z);
			continue;
		}
		if (rc != Z_OK)
			break;
	}
	inflateEnd(&z);
	return total;
}

/* The first dated line of plain[0..n), as the probe must find it. */
static bool first_dated(const uint8_t *plain, size_t n, ccm_ms mtime,
			ccm_ms *t, const uint8_t **line, size_t *len,
			enum ccm_ts_shape *shape)
{
	struct ccm_clock clock;
	size_t pos = 0;
	bool found = false;

	ccm_clock_init(&clock, CCM_BASIS_MTIME, mtime);
	if (n > PROBE_BYTES)
		n = PROBE_BYTES;
	while (pos < n) {
		const uint8_t *nl = memchr(plain + pos, '\n', n - pos);
		size_t m = nl ? (size_t)(nl - (plain + pos)) : n - pos;
		size_t k = m;
		char *copy;

		if (k && plain[pos + k - 1] == '\r')
			k--;
		copy = fuzz_dup(plain + pos, k);
		found = ccm_clock_read(&clock, copy, k, t) == CCM_TS_OK;
		free(copy);
		if (found) {
			*line = plain + pos;
			*len = k;
			break;
		}
		pos += m + 1;
	}
	*shape = clock.shape;
	return found;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const ccm_ms basis = ccm_days_from_civil(2026, 11, 3) * CCM_MS_PER_DAY;
	const uint8_t *d = data + HDR, *file, *plain = NULL;
	uint8_t *gz = NULL, *big = NULL;
	size_t len, flen, max_line;
	struct ccm_input in;
	struct ccm_clock clock;
	struct ccm_scanner sc, ref;
	uint64_t h_in = 0, h_ref = 0;
	char err[512];
	int rc;

	if (size < HDR)
		return 0;
	len = size - HDR;
	max_line = (size_t)data[5] * 4;
	if (data[6] >> 4 == 0xB && len &&
	    !(!(data[0] & 1) && len >= 2 && d[0] == 0x1f && d[1] == 0x8b)) {
		size_t want = (data[6] & 15) == 15 ? PROBE_BYTES + REPEAT_UNIT :
			      ((data[6] & 15) + 1) * REPEAT_UNIT;

		big = malloc(want);
		FUZZ_CHECK(big != NULL, "out of memory");
		for (size_t o = 0; o < want; o += len)
			memcpy(big + o, d, want - o < len ? want - o : len);
		d = big;
		len = want;
	}
	if (data[0] & 1) {
		size_t cap = 2 * (compressBound((uLong)len) + 256), split;
		int level = (data[0] >> 1 & 15) % 10;
		bool hdr = data[0] & 128;

		gz = malloc(cap);
		FUZZ_CHECK(gz != NULL, "out of memory");
		flen = 0;
		split = data[0] & 32 ? fuzz_le(data + 1, 2) % (len + 1) : len;
		gz_member(gz, &flen, cap, d, split, level, hdr);
		if (split < len)
			gz_member(gz, &flen, cap, d + split, len - split,
				  level, hdr);
		plain = d;
		if (data[0] & 64) {
			size_t cut = fuzz_le(data + 3, 2) % (flen + 1);

			if (cut < flen)
				plain = NULL; /* what is read is unknown */
			if (data[6] >> 4 == 0xC && cut < flen)
				gz[cut] ^= 0x55;
			else
				flen = cut;
		}
		file = gz;
	} else {
		file = d;
		flen = len;
		if (len >= 2 && d[0] == 0x1f && d[1] == 0x8b) {
			if (inflated_size(d, len) == SIZE_MAX)
				return 0;
		} else {
			plain = d; /* read transparently */
		}
	}
	fuzz_memfd_set(fd, file, flen);

	err[0] = '\0';
	rc = ccm_input_probe(&in, path, err, sizeof(err));
	if (rc) {
		FUZZ_CHECK(plain == NULL, "probe of readable content: %s", err);
		FUZZ_CHECK(err[0] && memchr(err, '\0', sizeof(err)),
			   "probe failed without a reason");
	}
	FUZZ_CHECK(!rc || !in.have_first, "first line of a failed probe");
	FUZZ_CHECK(!in.have_first || in.first_line, "first line missing");
	if (in.have_first) {
		ccm_ms t;

		ccm_clock_init(&clock, CCM_BASIS_MTIME, in.mtime);
		FUZZ_CHECK(ccm_input_first_time(&in, &clock, &t) &&
			   t == in.first, "first line dates differently");
	}
	if (plain && !rc) {
		const uint8_t *line = NULL;
		size_t n = 0;
		ccm_ms t = 0;
		enum ccm_ts_shape shape;
		bool found = first_dated(plain, len, in.mtime, &t, &line, &n,
					 &shape);

		FUZZ_CHECK(found == in.have_first, "first dated line %s",
			   found ? "missed" : "invented");
		FUZZ_CHECK(shape == in.shape, "probe shape %d, expected %d",
			   in.shape, shape);
		if (found)
			FUZZ_CHECK(t == in.first && n == in.first_len &&
				   !memcmp(line, in.first_line, n),
				   "a different first dated line");
	}

	ccm_clock_init(&clock, CCM_BASIS_DATE, basis);
	ccm_scanner_init(&sc, rec, &clock, max_line, on_msg, &h_in);
	err[0] = '\0';
	rc = ccm_input_scan(&in, &sc, err, sizeof(err));
	FUZZ_CHECK(in.failed == (rc != 0), "failed flag");
	if (rc)
		FUZZ_CHECK(err[0] != '\0', "scan failed without a reason");
	if (plain) {
		char *copy = fuzz_dup(plain, len);

		FUZZ_CHECK(rc == 0, "scan of readable content failed: %s",
			   err);
		ccm_clock_init(&clock, CCM_BASIS_DATE, basis);
		ccm_scanner_init(&ref, rec, &clock, max_line, on_msg, &h_ref);
		FUZZ_CHECK(ccm_scanner_feed(&ref, copy, len) == 0, "feed");
		ccm_scanner_finish(&ref);
		free(copy);
		FUZZ_CHECK(in.stats.lines == ref.stats.lines &&
			   in.stats.recognized == ref.stats.recognized &&
			   in.stats.bad_time == ref.stats.bad_time &&
			   in.stats.overlong == ref.stats.overlong &&
			   h_in == h_ref, "scan differs from the content's");
		FUZZ_CHECK(in.have_last == ref.clock.have_last &&
			   (!in.have_last || in.last == ref.clock.latest),
			   "last time: the latest, not the last line's");
		ccm_scanner_release(&ref);
	}
	ccm_scanner_release(&sc);
	ccm_input_release(&in);
	free(gz);
	free(big);
	return 0;
}

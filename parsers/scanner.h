/* SPDX-License-Identifier: ISC */
/* Splits a byte stream into lines, dates them and recognises component
 * messages.  I/O-free: the caller hands it bytes as they arrive (a whole
 * file in chunks, or a tailed file as it grows). */
#ifndef CCM_SCANNER_H
#define CCM_SCANNER_H

#include <stdint.h>

#include "logline.h"
#include "timestamp.h"

struct ccm_scan_stats {
	uint64_t lines;      /* lines read, overlong ones included       */
	uint64_t recognized; /* component messages and queue lines       */
	uint64_t bad_time;   /* lines whose timestamp is malformed        */
	uint64_t overlong;   /* lines longer than the limit, skipped whole */
};

/* One recognised message with its time and place.  line_no counts from 1. */
typedef void ccm_scan_fn(void *ctx, const struct ccm_logmsg *msg, ccm_ms time,
			 uint64_t line_no);

struct ccm_scanner {
	struct ccm_recognizer *rec;
	struct ccm_clock clock;
	ccm_ms untimed; /* the time of lines before the first dated one: the
			 * input's first timestamp, found ahead of the scan */
	size_t max_line;
	bool have_until;
	ccm_ms until;   /* with have_until: stop at the first line after it */
	bool stopped;   /* a line past until was read; feed ignores the rest */
	ccm_scan_fn *fn;
	void *ctx;
	/* every line within the window, recognised or not, before fn (NULL
	 * unless set after init): the log grew then */
	void (*each_line)(void *ctx, ccm_ms time);
	struct ccm_scan_stats stats;
	/* bytes of a line still waiting for its newline */
	char *partial;
	size_t partial_len, partial_cap;
	int skipping; /* inside an overlong line, discarding up to its newline */
	bool have_prev;
	ccm_ms prev_time; /* of the last dated line read */
	ccm_ms silence_min; /* gaps between lines this long are silences
			     * (a router restart's, agent/core/engine.h)     */
	bool have_gap;      /* since the last recognised message: the   */
	ccm_ms gap_from, gap_to; /* latest silence, else the longest gap */
};

#define CCM_DEFAULT_MAX_LINE ((size_t)1 << 20)

void ccm_scanner_init(struct ccm_scanner *sc, struct ccm_recognizer *rec,
		      const struct ccm_clock *clock, size_t max_line,
		      ccm_scan_fn *fn, void *ctx);
void ccm_scanner_release(struct ccm_scanner *sc);

/* Scans len more bytes of the stream.  Complete lines are handled at once;
 * a trailing partial line waits for the next call or for finish.
 * Returns 0, or -1 when out of memory. */
int ccm_scanner_feed(struct ccm_scanner *sc, const char *buf, size_t len);

/* The component prefilter's answers for one buffer, found apart from the
 * scan (by the thread that reads ahead, agent/io/input.c): the offset of
 * the first plausible literal in each line that holds one, in order.  Fed
 * with its buffer, it gives the same lines as the scanner's own search.
 * The queue lines' literals are still searched by the scan: that halves
 * the work between the two threads. */
struct ccm_scan_hints {
	uint32_t *comp;
	size_t ncomp, comp_cap;
};

/* Fills h for buf[0..len), len < 4 GiB.  Returns 0, or -1 when out of
 * memory. */
int ccm_scan_hints_find(struct ccm_scan_hints *h, const char *buf,
			size_t len);
void ccm_scan_hints_release(struct ccm_scan_hints *h);

/* ccm_scanner_feed with the hints of buf instead of a search. */
int ccm_scanner_feed_hinted(struct ccm_scanner *sc, const char *buf,
			    size_t len, const struct ccm_scan_hints *h);

/* End of the stream: a last line without newline is handled as a line. */
void ccm_scanner_finish(struct ccm_scanner *sc);

#endif

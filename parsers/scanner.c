/* SPDX-License-Identifier: ISC */
/* Line splitting, dating and recognition over a byte stream.
 *
 * The hot path is the ordinary line: one memchr for its end and one
 * timestamp read.  The literal prefilter runs over whole regions, not
 * line by line, so the regular expression sees only candidate lines. */
#include <stdlib.h>
#include <string.h>

#include "parsers/queue_lines.h"
#include "parsers/scanner.h"

void ccm_scanner_init(struct ccm_scanner *sc, struct ccm_recognizer *rec,
		      const struct ccm_clock *clock, size_t max_line,
		      ccm_scan_fn *fn, void *ctx)
{
	memset(sc, 0, sizeof(*sc));
	sc->rec = rec;
	sc->clock = *clock;
	sc->max_line = max_line ? max_line : CCM_DEFAULT_MAX_LINE;
	sc->fn = fn;
	sc->ctx = ctx;
}

void ccm_scanner_release(struct ccm_scanner *sc)
{
	free(sc->partial);
	sc->partial = NULL;
	sc->partial_len = sc->partial_cap = 0;
}

/* One complete line, newline excluded.  candidate, qcandidate: the
 * prefilters of the component messages and the queue lines found a literal
 * inside it. */
static void line(struct ccm_scanner *sc, const char *p, size_t n,
		 bool candidate, bool qcandidate)
{
	struct ccm_logmsg msg;
	ccm_ms t = sc->untimed;

	sc->stats.lines++;
	if (n > sc->max_line) {
		sc->stats.overlong++;
		return;
	}
	if (n && p[n - 1] == '\r')
		n--;
	switch (ccm_clock_read(&sc->clock, p, n, &t)) {
	case CCM_TS_INVALID:
		sc->stats.bad_time++;
		break;
	case CCM_TS_ABSENT:
	case CCM_TS_OK:
		break;
	}
	if (!sc->clock.have_last)
		t = sc->untimed;
	if (sc->have_until && t > sc->until) {
		sc->stopped = true;
		sc->stats.lines--; /* not part of the window */
		return;
	}
	if (sc->clock.have_last) {
		ccm_ms gap = t - sc->prev_time;

		/* the latest silence counts (a burst follows it), else the
		 * longest gap says how quiet the log was */
		if (sc->have_prev &&
		    (!sc->have_gap || gap > sc->gap_to - sc->gap_from ||
		     (sc->silence_min > 0 && gap >= sc->silence_min))) {
			sc->have_gap = true;
			sc->gap_from = sc->prev_time;
			sc->gap_to = t;
		}
		sc->have_prev = true;
		sc->prev_time = t;
	}
	if (sc->each_line)
		sc->each_line(sc->ctx, t);
	if (!candidate && !qcandidate)
		return;
	if ((!candidate ||
	     ccm_recognize(sc->rec, p, n, &msg) == CCM_MSG_NONE) &&
	    (!qcandidate ||
	     ccm_recognize_queue(sc->rec, p, n, &msg) == CCM_MSG_NONE))
		return;
	sc->stats.recognized++;
	msg.have_silence = sc->have_gap;
	msg.silence = sc->gap_to - sc->gap_from;
	msg.silence_ago = t - sc->gap_to;
	sc->have_gap = false;
	sc->fn(sc->ctx, &msg, t, sc->stats.lines);
}

static int keep_partial(struct ccm_scanner *sc, const char *p, size_t n)
{
	size_t need = sc->partial_len + n;

	if (need > sc->max_line) {
		/* Counted now, once; the rest is discarded up to its newline. */
		sc->stats.lines++;
		sc->stats.overlong++;
		sc->partial_len = 0;
		sc->skipping = 1;
		return 0;
	}
	if (need > sc->partial_cap) {
		size_t cap = sc->partial_cap ? sc->partial_cap : 4096;
		char *np;
		while (cap < need)
			cap *= 2;
		np = realloc(sc->partial, cap);
		if (!np)
			return -1;
		/* PCRE2's JIT loads vectors that may reach past a line's end:
		 * the bytes there must be initialised (valgrind) */
		memset(np + sc->partial_cap, 0, cap - sc->partial_cap);
		sc->partial = np;
		sc->partial_cap = cap;
	}
	memcpy(sc->partial + sc->partial_len, p, n);
	sc->partial_len = need;
	return 0;
}

static void partial_line(struct ccm_scanner *sc)
{
	struct ccm_prefilter pf;
	struct ccm_queue_filter qf;

	ccm_prefilter_start(&pf, sc->partial, sc->partial_len);
	ccm_queue_filter_start(&qf, ccm_recognizer_queue(sc->rec), sc->partial,
			       sc->partial_len);
	line(sc, sc->partial, sc->partial_len,
	     ccm_prefilter_line(&pf, sc->partial) != NULL,
	     ccm_queue_filter_from(&qf, sc->partial) != NULL);
	sc->partial_len = 0;
}

/* The next hint at or after p, as a pointer; NULL when none is left. */
static const char *next_hint(const char *buf, const uint32_t *off, size_t n,
			     size_t *i, const char *p)
{
	while (*i < n && buf + off[*i] < p)
		(*i)++;
	return *i < n ? buf + off[*i] : NULL;
}

/* The lines of buf up to its last newline, after what an earlier call
 * left, from p on; with hints h, or searching. */
static int feed(struct ccm_scanner *sc, const char *buf, size_t len,
		const struct ccm_scan_hints *h)
{
	const char *p = buf, *end = buf + len, *last_nl, *hit, *qhit;
	struct ccm_prefilter pf;
	struct ccm_queue_filter qf;
	size_t ci = 0;

	if (sc->stopped)
		return 0;
	/* Finish what the previous call left: an overlong line being skipped
	 * or a partial line waiting for its newline. */
	if (sc->skipping || sc->partial_len) {
		const char *nl = memchr(p, '\n', len);
		if (!nl)
			return sc->skipping ? 0 : keep_partial(sc, p, len);
		if (sc->skipping) {
			sc->skipping = 0;
		} else {
			if (keep_partial(sc, p, (size_t)(nl - p)))
				return -1;
			if (!sc->skipping)
				partial_line(sc);
			sc->skipping = 0;
			if (sc->stopped)
				return 0; /* that line was past until */
		}
		p = nl + 1;
	}
	last_nl = p < end ? memrchr(p, '\n', (size_t)(end - p)) : NULL;
	if (last_nl) {
		ccm_queue_filter_start(&qf, ccm_recognizer_queue(sc->rec), p,
				       (size_t)(last_nl - p));
		qhit = ccm_queue_filter_from(&qf, p);
		if (h) {
			hit = next_hint(buf, h->comp, h->ncomp, &ci, p);
		} else {
			ccm_prefilter_start(&pf, p, (size_t)(last_nl - p));
			hit = ccm_prefilter_line(&pf, p);
		}
		while (p <= last_nl) {
			const char *nl = memchr(p, '\n',
						(size_t)(last_nl + 1 - p));
			bool cand = hit && hit < nl;
			bool qcand = qhit && qhit < nl;

			line(sc, p, (size_t)(nl - p), cand, qcand);
			if (sc->stopped)
				return 0;
			p = nl + 1;
			if (cand)
				hit = p >= last_nl ? NULL :
				      h ? next_hint(buf, h->comp, h->ncomp,
						    &ci, p) :
					  ccm_prefilter_line(&pf, p);
			if (qcand)
				qhit = p < last_nl ?
					ccm_queue_filter_from(&qf, p) : NULL;
		}
	}
	return p < end ? keep_partial(sc, p, (size_t)(end - p)) : 0;
}

int ccm_scanner_feed(struct ccm_scanner *sc, const char *buf, size_t len)
{
	return feed(sc, buf, len, NULL);
}

int ccm_scanner_feed_hinted(struct ccm_scanner *sc, const char *buf,
			    size_t len, const struct ccm_scan_hints *h)
{
	return feed(sc, buf, len, h);
}

static int hint_add(uint32_t **off, size_t *n, size_t *cap, size_t v)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 1024;
		uint32_t *np = realloc(*off, ncap * sizeof(**off));

		if (!np)
			return -1;
		*off = np;
		*cap = ncap;
	}
	(*off)[(*n)++] = (uint32_t)v;
	return 0;
}

/* As feed() asks: the first literal from each line start on, then on from
 * the line after it; the lines without one are never looked at again. */
int ccm_scan_hints_find(struct ccm_scan_hints *h, const char *buf,
			size_t len)
{
	const char *end = buf + len, *p, *hit, *nl;
	struct ccm_prefilter pf;

	h->ncomp = 0;
	ccm_prefilter_start(&pf, buf, len);
	for (p = buf; p < end && (hit = ccm_prefilter_line(&pf, p)); p = nl + 1) {
		if (hint_add(&h->comp, &h->ncomp, &h->comp_cap,
			     (size_t)(hit - buf)))
			return -1;
		if (!(nl = memchr(hit, '\n', (size_t)(end - hit))))
			break;
	}
	return 0;
}

void ccm_scan_hints_release(struct ccm_scan_hints *h)
{
	free(h->comp);
	memset(h, 0, sizeof(*h));
}

void ccm_scanner_finish(struct ccm_scanner *sc)
{
	if (sc->partial_len)
		partial_line(sc);
	sc->skipping = 0;
}

/* SPDX-License-Identifier: ISC */
/* Fuzz target: the line scanner, the recogniser and the log clock.
 *
 * Input: a 16-byte header of parameters, then the log bytes.
 *   [0]     bits 0-1 clock basis (mod 3), bit 2 stop at an "until" time,
 *           bit 3 the default max_line instead of a small one,
 *           bit 4 untimed lines get the basis time (else 0)
 *   [1]     small max_line - 1 (1..256), so that overlong paths are hit
 *   [2..3]  split point (mod length + 1)
 *   [4..11] basis time (folded into years -1 .. 10001)
 *   [12]    the line whose time is "until", [13] signed seconds added
 *   [14..15] seed of the random chunking
 *
 * Oracles: a line-by-line model built from ccm_clock_read and
 * ccm_recognize on exact-size copies of each line (ASan sees any read past
 * a line) must agree with the scanner fed whole, split at the chosen point
 * and fed in random chunks; recognised spans lie inside their line; a line
 * the clock does not read OK leaves the clock as it was; a fresh clock
 * reads a line OK only in the shape ccm_ts_detect gives; ccm_time_format
 * and ccm_time_parse round-trip. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/queue_lines.h"
#include "parsers/scanner.h"
#include "tests/fuzz/fuzz_common.h"

#define HDR 16

static struct ccm_recognizer *rec;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const struct ccm_queue_rule rules[] = {
		{ .name = (char *)"pair",
		  .start = (char *)"send (?<key>\\d+) to (?<component>\\S+)",
		  .end = (char *)"answer (?<key>\\d+) from (?<component>\\S+)" },
		{ .name = (char *)"bounce",
		  .match = (char *)"Bouncing packet intended for "
				   "(?<component>[^\\s\"'<>]+)" },
	};
	struct ccm_queue_lines *q;
	char err[256];

	(void)argc;
	(void)argv;
	rec = ccm_recognizer_new(err, sizeof(err));
	q = rec ? ccm_queue_lines_new(rules, 2, 30000, err, sizeof(err)) : NULL;
	if (!q) {
		fprintf(stderr, "fuzz_scanner: %s\n", err);
		abort();
	}
	ccm_recognizer_set_queue(rec, q);
	return 0;
}

struct ev {
	enum ccm_msg_kind kind;
	enum ccm_state state;
	unsigned port;
	int fd, err;
	uint64_t line;
	ccm_ms t;
	uint64_t h; /* of the spans' bytes */
};

struct evs {
	struct ev *v;
	size_t n, cap;
};

static void push(struct evs *e, const struct ccm_logmsg *m, ccm_ms t,
		 uint64_t line)
{
	struct ev *x;

	if (e->n == e->cap) {
		e->cap = e->cap ? 2 * e->cap : 16;
		e->v = realloc(e->v, e->cap * sizeof(*e->v));
		FUZZ_CHECK(e->v != NULL, "out of memory");
	}
	x = &e->v[e->n++];
	memset(x, 0, sizeof(*x));
	x->kind = m->kind;
	x->state = m->state;
	x->port = m->port;
	x->fd = m->fd;
	x->err = m->err;
	x->line = line;
	x->t = t;
	x->h = fuzz_hash(m->component.p, m->component.n, 1);
	x->h = fuzz_hash(m->host.p, m->host.n, x->h);
	x->h = fuzz_hash(m->reason.p, m->reason.n, x->h);
	x->h = fuzz_hash(m->key.p, m->key.n, x->h);
	x->h = fuzz_hash((const char *)&m->wait, sizeof(m->wait), x->h);
}

static void on_msg(void *ctx, const struct ccm_logmsg *m, ccm_ms t,
		   uint64_t line_no)
{
	push(ctx, m, t, line_no);
}

static bool within(struct ccm_span s, const char *line, size_t n)
{
	return s.n == 0 || (s.p >= line && s.p + s.n <= line + n);
}

static bool has_blank_or_quote(struct ccm_span s)
{
	for (size_t i = 0; i < s.n; i++)
		if (strchr(" \t\n\v\f\r\"'", s.p[i]) && s.p[i] != '\0')
			return true;
	return false;
}

/* ccm_recognize on line (an exact-size copy) and what must hold of it. */
static enum ccm_msg_kind recognize(const char *line, size_t n,
				   struct ccm_logmsg *m)
{
	enum ccm_msg_kind k = ccm_recognize(rec, line, n, m);

	FUZZ_CHECK(m->kind == k, "kind %d returned, %d in msg", k, m->kind);
	if (k == CCM_MSG_NONE) {
		/* not a component message: the scanner tries the queue lines */
		k = ccm_recognize_queue(rec, line, n, m);
		FUZZ_CHECK(m->kind == k, "queue kind %d, %d in msg", k,
			   m->kind);
		if (k == CCM_MSG_NONE)
			return k;
		FUZZ_CHECK(k == CCM_MSG_QUEUE_WAITED ||
			   k == CCM_MSG_QUEUE_START || k == CCM_MSG_QUEUE_END,
			   "queue kind %d", k);
		FUZZ_CHECK(m->component.n >= 1 &&
			   within(m->component, line, n) &&
			   within(m->key, line, n), "queue spans");
		FUZZ_CHECK(m->rule < 2, "rule %u", m->rule);
		FUZZ_CHECK(k != CCM_MSG_QUEUE_WAITED || m->wait == 30000,
			   "wait %lld", (long long)m->wait);
		return k;
	}
	switch (k) {
	case CCM_MSG_COMPONENT_STATE:
		FUZZ_CHECK(m->state >= CCM_STATE_CONNECTED &&
			   m->state <= CCM_STATE_GONE &&
			   strcmp(ccm_state_name(m->state), "invalid"),
			   "state %d", m->state);
		/* fall through */
	case CCM_MSG_COMPONENT_FAILED:
		FUZZ_CHECK(m->component.n >= 1 &&
			   within(m->component, line, n), "component span");
		FUZZ_CHECK(!has_blank_or_quote(m->component),
			   "blank or quote in component '%.*s'",
			   (int)m->component.n, m->component.p);
		break;
	case CCM_MSG_CONNECTING:
		FUZZ_CHECK(m->fd >= 0, "fd %d", m->fd);
		FUZZ_CHECK(m->port <= 65535, "port %u", m->port);
		FUZZ_CHECK(within(m->host, line, n), "host span");
		break;
	case CCM_MSG_CONNECT_FAILED:
		FUZZ_CHECK(m->err >= 0, "errno %d", m->err);
		FUZZ_CHECK(m->port <= 65535, "port %u", m->port);
		FUZZ_CHECK(within(m->host, line, n) &&
			   within(m->reason, line, n), "host/reason span");
		break;
	default:
		FUZZ_CHECK(0, "unknown kind %d", k);
	}
	FUZZ_CHECK(memmem(line, n, "omponent ", 9) ||
		   memmem(line, n, " to host '", 10),
		   "recognised a line without a prefilter literal");
	return k;
}

static void check_time(ccm_ms t)
{
	char buf[CCM_TIME_STRLEN], again[CCM_TIME_STRLEN];
	int64_t days = t / CCM_MS_PER_DAY - (t % CCM_MS_PER_DAY < 0);
	int y;
	unsigned mo, d;
	ccm_ms back;

	ccm_time_format(t, buf);
	FUZZ_CHECK(strlen(buf) < CCM_TIME_STRLEN, "formatted too long");
	ccm_civil_from_days(days, &y, &mo, &d);
	FUZZ_CHECK(mo >= 1 && mo <= 12 && d >= 1 && d <= 31,
		   "civil %d-%u-%u", y, mo, d);
	FUZZ_CHECK(ccm_days_from_civil(y, mo, d) == days,
		   "days round trip for %s", buf);
	if (y < 0 || y > 9999)
		return;
	FUZZ_CHECK(strlen(buf) == 23, "'%s' is not 23 characters", buf);
	FUZZ_CHECK(ccm_time_parse(buf, &back) == 0 && back == t,
		   "'%s' does not parse back", buf);
	FUZZ_CHECK(!strcmp(ccm_time_format(back, again), buf), "reformat");
}

struct params {
	size_t max_line;
	enum ccm_basis_kind basis;
	ccm_ms basis_time, untimed;
	bool have_until;
	ccm_ms until;
};

struct result {
	struct evs ev;
	struct ccm_scan_stats st;
	bool stopped;
	struct ccm_clock clock;
};

static bool clock_same(const struct ccm_clock *a, const struct ccm_clock *b)
{
	return a->shape == b->shape && a->basis == b->basis &&
	       a->basis_time == b->basis_time && a->day == b->day &&
	       a->year == b->year && a->date_key == b->date_key &&
	       a->have_last == b->have_last && a->last == b->last;
}

/* ccm_clock_read with its invariants. */
static enum ccm_ts_result clock_read(struct ccm_clock *c, const char *line,
				     size_t n, ccm_ms *t)
{
	struct ccm_clock before = *c;
	enum ccm_ts_result res = ccm_clock_read(c, line, n, t);

	switch (res) {
	case CCM_TS_OK:
		FUZZ_CHECK(c->have_last && c->last == *t &&
			   c->shape != CCM_TS_NONE, "clock after OK");
		FUZZ_CHECK(before.shape == CCM_TS_NONE ||
			   before.shape == c->shape, "shape changed");
		check_time(*t);
		break;
	case CCM_TS_ABSENT:
	case CCM_TS_INVALID:
		FUZZ_CHECK(clock_same(&before, c),
			   "clock changed by a line not read OK (%d)", res);
		break;
	default:
		FUZZ_CHECK(0, "result %d", res);
	}
	return res;
}

/* The model: what the scanner must do, line by line.  times, when given,
 * gets the time of each line (by 0-based line index). */
static void model(const uint8_t *d, size_t len, const struct params *pp,
		  struct result *r, ccm_ms *times)
{
	size_t pos = 0;

	ccm_clock_init(&r->clock, pp->basis, pp->basis_time);
	while (pos < len) {
		const uint8_t *nl = memchr(d + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (d + pos)) : len - pos;
		size_t m = n;
		struct ccm_logmsg msg;
		ccm_ms t = pp->untimed;
		char *line;

		r->st.lines++;
		if (times)
			times[r->st.lines - 1] = pp->untimed;
		if (n > pp->max_line) {
			r->st.overlong++;
			pos += n + 1;
			continue;
		}
		if (m && d[pos + m - 1] == '\r')
			m--;
		line = fuzz_dup(d + pos, m);
		if (clock_read(&r->clock, line, m, &t) == CCM_TS_INVALID)
			r->st.bad_time++;
		if (!r->clock.have_last)
			t = pp->untimed;
		if (times)
			times[r->st.lines - 1] = t;
		if (pp->have_until && t > pp->until) {
			r->stopped = true;
			r->st.lines--;
			free(line);
			break;
		}
		if (recognize(line, m, &msg) != CCM_MSG_NONE) {
			r->st.recognized++;
			push(&r->ev, &msg, t, r->st.lines);
		}
		free(line);
		pos += n + 1;
	}
}

/* The scanner, fed d[0..len) in pieces ending at cuts[] (ascending). */
static void scan(const uint8_t *d, size_t len, const struct params *pp,
		 const size_t *cuts, size_t ncuts, struct result *r)
{
	struct ccm_clock clock;
	struct ccm_scanner sc;
	size_t prev = 0;

	ccm_clock_init(&clock, pp->basis, pp->basis_time);
	ccm_scanner_init(&sc, rec, &clock, pp->max_line, on_msg, &r->ev);
	sc.untimed = pp->untimed;
	sc.have_until = pp->have_until;
	sc.until = pp->until;
	for (size_t i = 0; i <= ncuts; i++) {
		size_t c = i < ncuts ? cuts[i] : len;
		char *chunk;

		if (c < prev)
			c = prev;
		chunk = fuzz_dup(d + prev, c - prev);
		FUZZ_CHECK(ccm_scanner_feed(&sc, chunk, c - prev) == 0,
			   "feed failed");
		free(chunk);
		prev = c;
	}
	ccm_scanner_finish(&sc);
	r->st = sc.stats;
	r->stopped = sc.stopped;
	r->clock = sc.clock;
	ccm_scanner_release(&sc);
}

static void compare(const struct result *a, const struct result *b,
		    const char *what)
{
	FUZZ_CHECK(a->st.lines == b->st.lines &&
		   a->st.recognized == b->st.recognized &&
		   a->st.bad_time == b->st.bad_time &&
		   a->st.overlong == b->st.overlong,
		   "%s: stats lines %llu/%llu recognized %llu/%llu bad_time "
		   "%llu/%llu overlong %llu/%llu", what,
		   (unsigned long long)a->st.lines,
		   (unsigned long long)b->st.lines,
		   (unsigned long long)a->st.recognized,
		   (unsigned long long)b->st.recognized,
		   (unsigned long long)a->st.bad_time,
		   (unsigned long long)b->st.bad_time,
		   (unsigned long long)a->st.overlong,
		   (unsigned long long)b->st.overlong);
	FUZZ_CHECK(a->stopped == b->stopped, "%s: stopped", what);
	FUZZ_CHECK(a->ev.n == b->ev.n, "%s: %zu messages, model %zu", what,
		   b->ev.n, a->ev.n);
	for (size_t i = 0; i < a->ev.n; i++) {
		const struct ev *x = &a->ev.v[i], *y = &b->ev.v[i];

		FUZZ_CHECK(x->kind == y->kind && x->state == y->state &&
			   x->port == y->port && x->fd == y->fd &&
			   x->err == y->err && x->line == y->line &&
			   x->t == y->t && x->h == y->h,
			   "%s: message %zu differs (line %llu/%llu)", what, i,
			   (unsigned long long)x->line,
			   (unsigned long long)y->line);
	}
	FUZZ_CHECK(a->clock.shape == b->clock.shape &&
		   a->clock.have_last == b->clock.have_last &&
		   (!a->clock.have_last || a->clock.last == b->clock.last),
		   "%s: final clock", what);
}

static void result_free(struct result *r)
{
	free(r->ev.v);
	memset(r, 0, sizeof(*r));
}

/* Every line through a clock of each basis and through a fresh clock. */
static void clocks(const uint8_t *d, size_t len, ccm_ms basis_time)
{
	struct ccm_clock c[3];
	size_t pos = 0;

	for (int b = 0; b < 3; b++)
		ccm_clock_init(&c[b], (enum ccm_basis_kind)b, basis_time);
	while (pos < len) {
		const uint8_t *nl = memchr(d + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (d + pos)) : len - pos;
		char *line = fuzz_dup(d + pos, n);
		struct ccm_clock fresh;
		enum ccm_ts_shape shape = ccm_ts_detect(line, n);
		ccm_ms t = 0;
		char *z;

		FUZZ_CHECK((unsigned)shape <= CCM_TS_SYSLOG, "shape %d", shape);
		FUZZ_CHECK(strcmp(ccm_ts_shape_name(shape), "none") ||
			   shape == CCM_TS_NONE, "shape name");
		for (int b = 0; b < 3; b++)
			clock_read(&c[b], line, n, &t);
		ccm_clock_init(&fresh, CCM_BASIS_DATE, basis_time);
		if (clock_read(&fresh, line, n, &t) == CCM_TS_OK)
			FUZZ_CHECK(fresh.shape == shape,
				   "read OK as %d, detected %d", fresh.shape,
				   shape);
		/* as an operator's --date/--until */
		z = malloc(n + 1);
		FUZZ_CHECK(z != NULL, "out of memory");
		memcpy(z, line, n);
		z[n] = '\0';
		if (ccm_time_parse(z, &t) == 0)
			check_time(t);
		free(z);
		free(line);
		pos += n + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Years -1 to 10001: what --date, a file time or a log's own
	 * timestamps (four-digit years) can give a clock as its basis. */
	const ccm_ms lo = ccm_days_from_civil(-1, 1, 1) * CCM_MS_PER_DAY;
	const ccm_ms hi = ccm_days_from_civil(10002, 1, 1) * CCM_MS_PER_DAY;
	struct params pp;
	struct result ref = { 0 }, got = { 0 };
	const uint8_t *d = data + HDR;
	size_t len, split, cuts[64], ncuts = 0;
	uint64_t seed;
	ccm_ms *times;
	struct ccm_logmsg msg;
	char *whole;

	if (size < HDR)
		return 0;
	len = size - HDR;
	memset(&pp, 0, sizeof(pp));
	pp.basis = (enum ccm_basis_kind)((data[0] & 3) % 3);
	pp.max_line = data[0] & 8 ? CCM_DEFAULT_MAX_LINE : (size_t)data[1] + 1;
	pp.basis_time = lo + (ccm_ms)(fuzz_le(data + 4, 8) %
				      (uint64_t)(hi - lo));
	pp.untimed = data[0] & 16 ? pp.basis_time : 0;
	split = (size_t)fuzz_le(data + 2, 2) % (len + 1);
	seed = fuzz_le(data + 14, 2);

	/* The times of the lines, to put "until" among them. */
	times = calloc(len + 1, sizeof(*times));
	FUZZ_CHECK(times != NULL, "out of memory");
	model(d, len, &pp, &ref, times);
	if (data[0] & 4) {
		pp.have_until = true;
		pp.until = (ref.st.lines ? times[data[12] % ref.st.lines] :
					   pp.basis_time) +
			   (int8_t)data[13] * INT64_C(1000);
		result_free(&ref);
		model(d, len, &pp, &ref, NULL);
	}
	free(times);

	scan(d, len, &pp, NULL, 0, &got);
	compare(&ref, &got, "whole");
	result_free(&got);

	scan(d, len, &pp, &split, 1, &got);
	compare(&ref, &got, "split");
	result_free(&got);

	if (len <= 16384) {
		size_t at = 0;

		while (ncuts < sizeof(cuts) / sizeof(cuts[0]) && at < len) {
			at += fuzz_rand(&seed) % 64;
			cuts[ncuts++] = at < len ? at : len;
		}
		scan(d, len, &pp, cuts, ncuts, &got);
		compare(&ref, &got, "chunks");
		result_free(&got);
	}
	result_free(&ref);

	/* The recogniser on the whole input, newlines and all. */
	whole = fuzz_dup(d, len);
	recognize(whole, len, &msg);
	free(whole);

	clocks(d, len, pp.basis_time);
	return 0;
}

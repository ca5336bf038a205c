/* SPDX-License-Identifier: ISC */
/* Fuzz target: the stream/handshake probe's response parser.
 *
 * Input: 2 bytes of seed, then the server's bytes.  The bytes are fed
 * whole, one at a time, split at the point the seed chooses and in random
 * chunks; everything a caller can read must be the same each way (as
 * tests/test_xmpp_stream.c's assert_same), and the results must be
 * consistent: strings terminated within their arrays, a reason for BAD,
 * final statuses final. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/xmpp_stream.h"
#include "tests/fuzz/fuzz_common.h"

#define HDR 2

static bool is_final(enum ccm_xs_status st)
{
	return st != CCM_XS_MORE && st != CCM_XS_HEADER;
}

static void check(const struct ccm_xs *xs, size_t fed)
{
	FUZZ_CHECK((unsigned)xs->status <= CCM_XS_BAD, "status %d",
		   xs->status);
	FUZZ_CHECK(strcmp(ccm_xs_status_name(xs->status), "invalid"),
		   "status name");
	FUZZ_CHECK(memchr(xs->id, '\0', sizeof(xs->id)) &&
		   memchr(xs->from, '\0', sizeof(xs->from)) &&
		   memchr(xs->ns, '\0', sizeof(xs->ns)) &&
		   memchr(xs->condition, '\0', sizeof(xs->condition)) &&
		   memchr(xs->prefix, '\0', sizeof(xs->prefix)),
		   "unterminated string");
	/* a header refused half-way (BAD) may leave its id behind; the
	 * probe reads nothing else of a BAD stream than its reason */
	FUZZ_CHECK(xs->status == CCM_XS_BAD ||
		   xs->have_id == (xs->header && xs->id[0] != '\0'),
		   "have_id %d header %d id '%s'", xs->have_id, xs->header,
		   xs->id);
	FUZZ_CHECK(xs->status == CCM_XS_BAD || xs->status == CCM_XS_MORE ||
		   xs->header, "status %s without a header",
		   ccm_xs_status_name(xs->status));
	FUZZ_CHECK(xs->status != CCM_XS_MORE || !xs->header,
		   "header seen but status more");
	FUZZ_CHECK(xs->status != CCM_XS_BAD || xs->reason != NULL,
		   "bad without a reason");
	FUZZ_CHECK(xs->total <= fed && xs->total <= CCM_XS_MAX_INPUT + 1,
		   "total %zu of %zu fed", xs->total, fed);
	FUZZ_CHECK(xs->taglen <= CCM_XS_TAG_MAX, "taglen %zu", xs->taglen);
}

static void same(const struct ccm_xs *a, const struct ccm_xs *b,
		 const char *what)
{
	FUZZ_CHECK(a->status == b->status, "%s: status %s vs %s", what,
		   ccm_xs_status_name(a->status),
		   ccm_xs_status_name(b->status));
	FUZZ_CHECK(a->header == b->header && a->have_id == b->have_id,
		   "%s: header/have_id", what);
	FUZZ_CHECK(!strcmp(a->id, b->id) && !strcmp(a->from, b->from) &&
		   !strcmp(a->ns, b->ns) && !strcmp(a->condition, b->condition),
		   "%s: strings", what);
	FUZZ_CHECK(a->total == b->total, "%s: total %zu vs %zu", what,
		   a->total, b->total);
	FUZZ_CHECK(a->status != CCM_XS_BAD || !strcmp(a->reason, b->reason),
		   "%s: reason '%s' vs '%s'", what, a->reason, b->reason);
}

/* Feeds d[0..len) in pieces ending at cuts[] (ascending), each an
 * exact-size copy, checking the state after each. */
static void feed(struct ccm_xs *xs, const uint8_t *d, size_t len,
		 const size_t *cuts, size_t ncuts)
{
	size_t prev = 0;

	ccm_xs_init(xs);
	check(xs, 0);
	for (size_t i = 0; i <= ncuts; i++) {
		size_t c = i < ncuts ? cuts[i] : len;
		enum ccm_xs_status before = xs->status, st;
		size_t total = xs->total;
		char *chunk;

		if (c < prev)
			c = prev;
		chunk = fuzz_dup(d + prev, c - prev);
		st = ccm_xs_feed(xs, chunk, c - prev);
		free(chunk);
		FUZZ_CHECK(st == xs->status, "returned %d, status %d", st,
			   xs->status);
		if (is_final(before))
			FUZZ_CHECK(st == before && xs->total == total,
				   "input after a final status changed it");
		check(xs, c);
		prev = c;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ccm_xs whole, other;
	const uint8_t *d = data + HDR;
	size_t len, cut, cuts[256], n = 0, at = 0;
	uint64_t seed;

	if (size < HDR)
		return 0;
	len = size - HDR;
	seed = fuzz_le(data, HDR);

	feed(&whole, d, len, NULL, 0);

	/* split at the chosen point */
	cut = (size_t)seed % (len + 1);
	feed(&other, d, len, &cut, 1);
	same(&whole, &other, "split");

	/* random chunks */
	while (n < sizeof(cuts) / sizeof(cuts[0]) && at < len) {
		at += 1 + fuzz_rand(&seed) % 48;
		cuts[n++] = at < len ? at : len;
	}
	feed(&other, d, len, cuts, n);
	same(&whole, &other, "chunks");

	/* one byte at a time: a split at every position */
	if (len <= CCM_XS_MAX_INPUT + 16) {
		size_t *every = malloc((len + 1) * sizeof(*every));

		FUZZ_CHECK(every != NULL, "out of memory");
		for (size_t i = 0; i < len; i++)
			every[i] = i + 1;
		feed(&other, d, len, every, len);
		same(&whole, &other, "bytewise");
		free(every);
	}
	return 0;
}

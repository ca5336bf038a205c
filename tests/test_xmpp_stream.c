/* SPDX-License-Identifier: ISC */
/* The server's side of a component stream: headers, answers, garbage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "parsers/xmpp_stream.h"

#define HDR_SQ "<?xml version='1.0'?><stream:stream " \
	"xmlns:stream='http://etherx.jabber.org/streams' " \
	"xmlns='jabber:component:accept' from='op-cs1.imp1-example-com' " \
	"id='3BF96D32'>"
#define HDR_DQ "<?xml version=\"1.0\"?>\n<stream:stream " \
	"xmlns:stream=\"http://etherx.jabber.org/streams\" " \
	"xmlns=\"jabber:component:accept\" id=\"c2s_234\" from=\"cs1\">"
#define NOT_AUTH "<stream:error><not-authorized " \
	"xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>" \
	"</stream:stream>"

static enum ccm_xs_status feed_str(struct ccm_xs *xs, const char *s)
{
	return ccm_xs_feed(xs, s, strlen(s));
}

static enum ccm_xs_status parse(struct ccm_xs *xs, const char *s)
{
	ccm_xs_init(xs);
	return feed_str(xs, s);
}

static enum ccm_xs_status parse_n(struct ccm_xs *xs, const char *s, size_t n)
{
	ccm_xs_init(xs);
	return ccm_xs_feed(xs, s, n);
}

/* Everything a caller can read must be the same however input was split. */
static void assert_same(const struct ccm_xs *a, const struct ccm_xs *b)
{
	assert_int_equal(a->status, b->status);
	assert_int_equal(a->header, b->header);
	assert_int_equal(a->have_id, b->have_id);
	assert_string_equal(a->id, b->id);
	assert_string_equal(a->from, b->from);
	assert_string_equal(a->ns, b->ns);
	assert_string_equal(a->condition, b->condition);
	assert_int_equal(a->total, b->total);
	if (a->status == CCM_XS_BAD)
		assert_string_equal(a->reason, b->reason);
}

static void header_single_quotes(void **state)
{
	struct ccm_xs xs;

	(void)state;
	assert_int_equal(parse(&xs, HDR_SQ), CCM_XS_HEADER);
	assert_true(xs.header);
	assert_true(xs.have_id);
	assert_string_equal(xs.id, "3BF96D32");
	assert_string_equal(xs.from, "op-cs1.imp1-example-com");
	assert_string_equal(xs.ns, CCM_XS_NS_COMPONENT);
	assert_int_equal(xs.total, strlen(HDR_SQ));
}

static void header_double_quotes(void **state)
{
	struct ccm_xs xs;

	(void)state;
	assert_int_equal(parse(&xs, HDR_DQ), CCM_XS_HEADER);
	assert_true(xs.have_id);
	assert_string_equal(xs.id, "c2s_234");
	assert_string_equal(xs.from, "cs1");
}

static void header_variants(void **state)
{
	struct ccm_xs xs;

	(void)state;
	/* no XML declaration, leading whitespace, mixed quotes */
	assert_int_equal(parse(&xs, " \r\n<stream:stream xmlns:stream="
			       "\"http://etherx.jabber.org/streams\" id='x'>"),
			 CCM_XS_HEADER);
	assert_string_equal(xs.id, "x");
	/* the undeclared "stream:" prefix of sloppy servers */
	assert_int_equal(parse(&xs, "<stream:stream id='y'>"), CCM_XS_HEADER);
	assert_string_equal(xs.id, "y");
	/* another prefix, properly bound; its error and end follow it */
	assert_int_equal(parse(&xs, "<s:stream xmlns:s='http://etherx.jabber"
			       ".org/streams' id='z'>"), CCM_XS_HEADER);
	assert_int_equal(feed_str(&xs, "<stream:error/>"), CCM_XS_HEADER);
	assert_int_equal(feed_str(&xs, "</stream:error><s:error><conflict/>"),
			 CCM_XS_BAD);
	assert_int_equal(parse(&xs, "<s:stream xmlns:s='http://etherx.jabber"
			       ".org/streams' id='z'><s:error><conflict/>"),
			 CCM_XS_ERROR);
	assert_string_equal(xs.condition, "conflict");
	assert_int_equal(parse(&xs, "<s:stream xmlns:s='http://etherx.jabber"
			       ".org/streams' id='z'></s:stream>"), CCM_XS_END);
	/* unprefixed, with the streams namespace as default */
	assert_int_equal(parse(&xs, "<stream xmlns='http://etherx.jabber.org/"
			       "streams' id='u'></stream>"), CCM_XS_END);
	assert_string_equal(xs.id, "u");
	/* a '>' inside an attribute value does not end the tag */
	assert_int_equal(parse(&xs, "<stream:stream id='a>b' from=\"'\">"),
			 CCM_XS_HEADER);
	assert_string_equal(xs.id, "a>b");
	assert_string_equal(xs.from, "'");
	/* entities in the id are decoded: the handshake hashes the real id */
	assert_int_equal(parse(&xs, "<stream:stream id='a&amp;b&#x41;&#66;"
			       "&lt;&gt;&quot;&apos;&#xe9;&#x1F600;'>"),
			 CCM_XS_HEADER);
	assert_string_equal(xs.id, "a&bAB<>\"'\xc3\xa9\xf0\x9f\x98\x80");
	/* self-closing header: opened and ended at once */
	assert_int_equal(parse(&xs, "<stream:stream id='s'/>"), CCM_XS_END);
	assert_true(xs.header);
	assert_string_equal(xs.id, "s");
}

static void header_without_id(void **state)
{
	struct ccm_xs xs;

	(void)state;
	assert_int_equal(parse(&xs, "<stream:stream xmlns='jabber:component:"
			       "accept' from='cs1'>"), CCM_XS_HEADER);
	assert_true(xs.header);
	assert_false(xs.have_id);
	assert_string_equal(xs.id, "");
	assert_int_equal(parse(&xs, "<stream:stream id=''>"), CCM_XS_HEADER);
	assert_false(xs.have_id);
	/* "sid" or "xid" is not "id" */
	assert_int_equal(parse(&xs, "<stream:stream sid='1' xid='2'>"),
			 CCM_XS_HEADER);
	assert_false(xs.have_id);
}

static const char *const conversations[] = {
	HDR_SQ,
	HDR_DQ,
	HDR_SQ "<handshake/>",
	HDR_DQ "<handshake></handshake>",
	HDR_SQ NOT_AUTH,
	HDR_DQ "</stream:stream>",
	"HTTP/1.1 400 Bad Request\r\n\r\n",
	HDR_SQ "<stream:error><text xml:lang='en'>x</text><host-unknown/>",
};

static void split_at_every_offset(void **state)
{
	(void)state;
	for (size_t c = 0; c < sizeof(conversations) / sizeof(*conversations);
	     c++) {
		const char *s = conversations[c];
		size_t n = strlen(s);
		struct ccm_xs whole, part;

		parse(&whole, s);
		for (size_t cut = 0; cut <= n; cut++) {
			ccm_xs_init(&part);
			ccm_xs_feed(&part, s, cut);
			ccm_xs_feed(&part, s + cut, n - cut);
			assert_same(&whole, &part);
		}
		/* and byte by byte */
		ccm_xs_init(&part);
		for (size_t i = 0; i < n; i++)
			ccm_xs_feed(&part, s + i, 1);
		assert_same(&whole, &part);
	}
}

static void handshake_ack_forms(void **state)
{
	static const char *const acks[] = {
		"<handshake/>",
		"<handshake />",
		"<handshake></handshake>",
		"<handshake>\n</handshake >",
		"<handshake xmlns='jabber:component:accept'/>",
		"\n <handshake/>",
		"<stream:features><x/></stream:features> <handshake/>",
	};
	struct ccm_xs xs;

	(void)state;
	for (size_t i = 0; i < sizeof(acks) / sizeof(*acks); i++) {
		assert_int_equal(parse(&xs, HDR_SQ), CCM_XS_HEADER);
		assert_int_equal(feed_str(&xs, acks[i]), CCM_XS_HANDSHAKE_OK);
	}
	/* an open <handshake> is not yet an answer */
	assert_int_equal(parse(&xs, HDR_SQ "<handshake>"), CCM_XS_HEADER);
	/* a handshake nested in something else is not one */
	assert_int_equal(parse(&xs, HDR_SQ "<foo><handshake/></foo>"),
			 CCM_XS_HEADER);
	/* before the header it is not a stream at all */
	assert_int_equal(parse(&xs, "<handshake/>"), CCM_XS_BAD);
}

static void error_conditions(void **state)
{
	struct ccm_xs xs;

	(void)state;
	assert_int_equal(parse(&xs, HDR_SQ NOT_AUTH), CCM_XS_ERROR);
	assert_string_equal(xs.condition, "not-authorized");
	assert_true(xs.have_id);
	/* reported as soon as the condition starts: the server may close */
	assert_int_equal(parse(&xs, HDR_SQ "<stream:error><conflict"),
			 CCM_XS_HEADER);
	assert_int_equal(feed_str(&xs, "/>"), CCM_XS_ERROR);
	assert_string_equal(xs.condition, "conflict");
	/* <text> first, then the condition */
	assert_int_equal(parse(&xs, HDR_SQ "<stream:error><text xmlns='urn:"
			       "ietf:params:xml:ns:xmpp-streams'>go away</text>"
			       "<host-unknown xmlns='urn:ietf:params:xml:ns:"
			       "xmpp-streams'/></stream:error>"),
			 CCM_XS_ERROR);
	assert_string_equal(xs.condition, "host-unknown");
	/* a prefixed condition loses its prefix */
	assert_int_equal(parse(&xs, HDR_SQ "<stream:error><e:invalid-"
			       "namespace xmlns:e='urn:x'/>"), CCM_XS_ERROR);
	assert_string_equal(xs.condition, "invalid-namespace");
	/* an error without condition */
	assert_int_equal(parse(&xs, HDR_SQ "<stream:error/>"), CCM_XS_ERROR);
	assert_string_equal(xs.condition, "");
	assert_int_equal(parse(&xs, HDR_SQ "<stream:error></stream:error>"),
			 CCM_XS_ERROR);
	assert_string_equal(xs.condition, "");
	assert_int_equal(parse(&xs, HDR_SQ "<stream:error><text>a</text>"
			       "</stream:error>"), CCM_XS_ERROR);
	assert_string_equal(xs.condition, "");
	/* a long condition name is truncated, never overflows */
	assert_int_equal(parse(&xs, HDR_SQ "<stream:error><aaaaaaaaaaaaaaaaaaa"
			       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			       "aaaaaaaaaaaaaaaaaaaaaaaaa/>"), CCM_XS_ERROR);
	assert_int_equal(strlen(xs.condition), CCM_XS_NAME_MAX - 1);
	/* "error" in another prefix is just an element */
	assert_int_equal(parse(&xs, HDR_SQ "<foo:error><x/></foo:error>"),
			 CCM_XS_HEADER);
}

static void stream_end(void **state)
{
	struct ccm_xs xs;

	(void)state;
	assert_int_equal(parse(&xs, HDR_SQ "</stream:stream>"), CCM_XS_END);
	assert_int_equal(parse(&xs, HDR_SQ "  </stream:stream >"), CCM_XS_END);
	assert_int_equal(parse(&xs, HDR_SQ "</other>"), CCM_XS_BAD);
	assert_int_equal(parse(&xs, HDR_SQ "<a><b></b></a></stream:stream>"),
			 CCM_XS_END);
}

static void final_is_final(void **state)
{
	struct ccm_xs xs;
	size_t total;

	(void)state;
	assert_int_equal(parse(&xs, HDR_SQ "<handshake/>"),
			 CCM_XS_HANDSHAKE_OK);
	total = xs.total;
	assert_int_equal(feed_str(&xs, "garbage\0<stream:error>"),
			 CCM_XS_HANDSHAKE_OK);
	assert_int_equal(ccm_xs_feed(&xs, "\0\0", 2), CCM_XS_HANDSHAKE_OK);
	assert_int_equal(xs.total, total);
	assert_string_equal(ccm_xs_status_name(xs.status), "handshake-ok");
}

static void garbage(void **state)
{
	static const char *const bad[] = {
		"HTTP/1.1 400 Bad Request\r\n",
		"SSH-2.0-OpenSSH_9.2\r\n",
		"\x16\x03\x01\x02\x00\x01",
		"<html><body>",
		"<!-- hello --><stream:stream id='1'>",
		"<!DOCTYPE stream>",
		"<![CDATA[x]]>",
		"<?xml version='1.0'?><?xml version='1.0'?>",
		"<?xml-stylesheet href='a'?>",
		"<?\?>", /* "<??>", written so as not to be a trigraph */
		"</stream:stream>",
		"<>",
		"< stream:stream>",
		"<stream:stream id='1' <x>",
		"<stream:stream id=1>",
		"<stream:stream id='1'id='2'>",
		"<stream:stream id>",
		"<stream:stream id='1' / >",
		"<foo:stream xmlns:foo='urn:not-streams' id='1'>",
		"<stream xmlns='jabber:component:accept' id='1'>",
		"<stream:stream id='&foo;'>",
		"<stream:stream id='&#0;'>",
		"<stream:stream id='&#xD800;'>",
		"<stream:stream id='&#x110000;'>",
		"<stream:stream id='&#;'>",
		"<stream:stream id='&#x;'>",
		"<stream:stream id='a&amp'>",
		"<stream:stream id='1'></ stream:stream>",
		"<stream:stream id='1'><h\xc3\xa9/>",
		"text<stream:stream id='1'>",
	};
	struct ccm_xs xs;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		if (parse(&xs, bad[i]) != CCM_XS_BAD)
			fail_msg("not rejected: %s", bad[i]);
		assert_non_null(xs.reason);
		assert_true(strlen(xs.reason) > 0);
	}
	/* the reason says what went wrong */
	parse(&xs, "HTTP/1.1 200 OK");
	assert_string_equal(xs.reason, "not XML: text outside the stream");
}

static void oversize(void **state)
{
	char *big = malloc(CCM_XS_MAX_INPUT + 64);
	struct ccm_xs xs;

	(void)state;
	assert_non_null(big);
	/* whitespace forever: not a stream once the cap is passed */
	memset(big, ' ', CCM_XS_MAX_INPUT + 64);
	assert_int_equal(parse_n(&xs, big, CCM_XS_MAX_INPUT), CCM_XS_MORE);
	assert_int_equal(ccm_xs_feed(&xs, " ", 1), CCM_XS_BAD);
	assert_int_equal(xs.total, CCM_XS_MAX_INPUT + 1);
	/* ... also when the stream is open but nothing final comes */
	ccm_xs_init(&xs);
	feed_str(&xs, HDR_SQ);
	assert_int_equal(ccm_xs_feed(&xs, big, CCM_XS_MAX_INPUT), CCM_XS_BAD);
	assert_true(xs.header);
	/* one tag longer than the tag buffer */
	memset(big, 'a', CCM_XS_MAX_INPUT + 64);
	memcpy(big, "<stream:stream id='", 19);
	assert_int_equal(parse_n(&xs, big, CCM_XS_TAG_MAX + 1), CCM_XS_MORE);
	assert_int_equal(parse_n(&xs, big, CCM_XS_TAG_MAX + 2), CCM_XS_BAD);
	assert_string_equal(xs.reason, "tag longer than 1024 bytes");
	/* an id that does not fit */
	memcpy(big + 19 + CCM_XS_ID_MAX, "'>", 2);
	assert_int_equal(parse_n(&xs, big, 19 + CCM_XS_ID_MAX + 2),
			 CCM_XS_BAD);
	assert_string_equal(xs.reason, "stream id of 256 bytes or more");
	/* one byte less does */
	memcpy(big + 19 + CCM_XS_ID_MAX - 1, "'>", 2);
	assert_int_equal(parse_n(&xs, big, 19 + CCM_XS_ID_MAX + 1),
			 CCM_XS_HEADER);
	assert_int_equal(strlen(xs.id), CCM_XS_ID_MAX - 1);
	/* a long from is truncated, not refused */
	memset(big, 'a', CCM_XS_MAX_INPUT + 64);
	memcpy(big, "<stream:stream from='", 21);
	memcpy(big + 21 + 400, "'>", 2);
	assert_int_equal(parse_n(&xs, big, 21 + 400 + 2), CCM_XS_HEADER);
	assert_int_equal(strlen(xs.from), CCM_XS_ID_MAX - 1);
	free(big);
}

static void nul_bytes(void **state)
{
	static const char with_nul[] = "<stream:stream id='ab\0cd'>";
	struct ccm_xs xs;

	(void)state;
	assert_int_equal(parse_n(&xs, "\0", 1), CCM_XS_BAD);
	assert_string_equal(xs.reason, "NUL byte");
	assert_int_equal(parse_n(&xs, with_nul, sizeof(with_nul) - 1),
			 CCM_XS_BAD);
	ccm_xs_init(&xs);
	feed_str(&xs, HDR_SQ);
	assert_int_equal(ccm_xs_feed(&xs, "<handshake/\0>", 13), CCM_XS_BAD);
}

/* xorshift: reproducible without global state */
static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Random bytes and mutated conversations, fed whole and in random pieces:
 * never out of bounds (ASan), always the same verdict. */
static void random_inputs(void **state)
{
	static const char alphabet[] = "<>/?!='\" \n:&;#xa0-stream:errorid";
	uint32_t seed = 0x5eed1234;
	char buf[2048];

	(void)state;
	for (int iter = 0; iter < 20000; iter++) {
		size_t n = rnd(&seed) % sizeof(buf);
		int kind = (int)(rnd(&seed) % 3);
		struct ccm_xs whole, part;
		size_t off = 0;

		if (kind == 0) {
			for (size_t i = 0; i < n; i++)
				buf[i] = (char)rnd(&seed);
		} else {
			size_t nc = sizeof(conversations) /
				    sizeof(*conversations);
			const char *base = conversations[rnd(&seed) % nc];
			size_t bn = strlen(base);

			n = bn < sizeof(buf) ? bn : sizeof(buf);
			memcpy(buf, base, n);
			/* cppcheck-suppress knownConditionTrueFalse ; n guards
			 * the % n, should a conversation ever be empty */
			for (int m = (int)(rnd(&seed) % 4); m >= 0 && n; m--) {
				size_t at = rnd(&seed) % n;

				buf[at] = kind == 1 ? (char)rnd(&seed) :
					alphabet[rnd(&seed) %
						 (sizeof(alphabet) - 1)];
			}
		}
		parse_n(&whole, buf, n);
		ccm_xs_init(&part);
		while (off < n) {
			size_t k = 1 + rnd(&seed) % 64;

			if (k > n - off)
				k = n - off;
			ccm_xs_feed(&part, buf + off, k);
			off += k;
		}
		assert_same(&whole, &part);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(header_single_quotes),
		cmocka_unit_test(header_double_quotes),
		cmocka_unit_test(header_variants),
		cmocka_unit_test(header_without_id),
		cmocka_unit_test(split_at_every_offset),
		cmocka_unit_test(handshake_ack_forms),
		cmocka_unit_test(error_conditions),
		cmocka_unit_test(stream_end),
		cmocka_unit_test(final_is_final),
		cmocka_unit_test(garbage),
		cmocka_unit_test(oversize),
		cmocka_unit_test(nul_bytes),
		cmocka_unit_test(random_inputs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: ISC */
/* Text that leaves ccmon: valid UTF-8 for parsers, nothing that moves a
 * terminal for people, bounded and distinct alarm resources. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "agent/util/text_clean.h"

#define R "\xef\xbf\xbd" /* U+FFFD */

static char *clean(const char *s, size_t n, enum ccm_text_mode mode)
{
	size_t len = 99;
	char *t = ccm_text_clean(s, n, mode, &len);

	assert_non_null(t);
	assert_int_equal(len, strlen(t));
	return t;
}

static void expect(const char *in, size_t n, enum ccm_text_mode mode,
		   const char *want)
{
	char *got = clean(in, n, mode);

	assert_string_equal(got, want);
	assert_true(ccm_text_is_clean(got, strlen(got), mode));
	assert_int_equal(ccm_text_is_clean(in, n, mode),
			 n == strlen(want) && !memcmp(in, want, n));
	free(got);
}
#define EXPECT(lit, mode, want) expect(lit, sizeof(lit) - 1, mode, want)

/* Unicode 15, §3.9, Table 3-8, and the cases around it: one U+FFFD per
 * maximal subpart, as Python's errors="replace" and browsers do. */
static void maximal_subparts(void **state)
{
	(void)state;
	EXPECT("\x61\xf1\x80\x80\xe1\x80\xc2\x62\x80\x63\x80\xbf\x64",
	       CCM_TEXT_UTF8, "a" R R R "b" R "c" R R "d");
	EXPECT("\xed\xa0\x80", CCM_TEXT_UTF8, R R R);      /* surrogate */
	EXPECT("\xc0\xaf", CCM_TEXT_UTF8, R R);            /* overlong / */
	EXPECT("\xe0\x80\xaf", CCM_TEXT_UTF8, R R R);      /* overlong   */
	EXPECT("\xf0\x80\x80\xaf", CCM_TEXT_UTF8, R R R R);
	EXPECT("\xf4\x90\x80\x80", CCM_TEXT_UTF8, R R R R); /* > U+10FFFF */
	EXPECT("\xf5\x80", CCM_TEXT_UTF8, R R);
	EXPECT("\xff\xfe", CCM_TEXT_UTF8, R R);
	EXPECT("\xf0\x9f\x98x", CCM_TEXT_UTF8, R "x"); /* cut short: one */
	EXPECT("\xe2\x82", CCM_TEXT_UTF8, R);          /* ... at the end */
	EXPECT("\xc3", CCM_TEXT_UTF8, R);
	/* well-formed, at every edge of the ranges */
	EXPECT("\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80"
	       "\xf0\x90\x80\x80\xf4\x8f\xbf\xbf", CCM_TEXT_UTF8,
	       "\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80"
	       "\xf0\x90\x80\x80\xf4\x8f\xbf\xbf");
	/* controls are JSON's to escape */
	EXPECT("a\x1b[2J\x7f\tb", CCM_TEXT_UTF8, "a\x1b[2J\x7f\tb");
}

/* cp in n bytes, whether or not n is its shortest form */
static void encode_n(uint32_t cp, size_t n, unsigned char *b)
{
	if (n == 1) {
		b[0] = (unsigned char)cp;
		return;
	}
	b[0] = (unsigned char)((0xff00u >> n) & 0xffu);
	b[0] |= (unsigned char)(cp >> (6 * (n - 1)));
	for (size_t i = 1; i < n; i++)
		b[i] = (unsigned char)(0x80 | (cp >> (6 * (n - 1 - i)) & 0x3f));
}

static size_t shortest(uint32_t cp)
{
	return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/* Every code point: the shortest form decodes to it (a surrogate's
 * does not), and no longer form of it decodes at all. */
static void every_code_point(void **state)
{
	unsigned char b[4];
	uint32_t cp;
	size_t bad;

	(void)state;
	for (uint32_t c = 0; c <= 0x10ffff; c++) {
		size_t n = shortest(c);
		bool surrogate = c >= 0xd800 && c <= 0xdfff;

		encode_n(c, n, b);
		if (surrogate) {
			assert_int_equal(ccm_utf8_decode(b, n, &cp, &bad), 0);
			continue;
		}
		assert_int_equal(ccm_utf8_decode(b, n, &cp, &bad), n);
		assert_int_equal(cp, c);
		for (size_t m = n + 1; m <= 4; m++) {
			encode_n(c, m, b);
			assert_int_equal(ccm_utf8_decode(b, m, &cp, &bad), 0);
		}
	}
	/* one past U+10FFFF */
	encode_n(0x110000, 4, b);
	assert_int_equal(ccm_utf8_decode(b, 4, &cp, &bad), 0);
	assert_int_equal(bad, 1);
}

/* ESC/OSC, C1 (as bytes: ill-formed; as characters: hidden), DEL, the
 * bidi overrides and isolates: one U+FFFD each, nothing else touched.
 * Each override here is closed by U+202C, itself hidden: clang-tidy
 * (misc-misleading-bidirectional) rejects a literal left open. */
static void display_hides_what_moves_a_terminal(void **state)
{
	(void)state;
	EXPECT("op-\x1b]0;owned\x07x", CCM_TEXT_DISPLAY,
	       "op-" R "]0;owned" R "x");
	EXPECT("a\x9b" "31mb", CCM_TEXT_DISPLAY, "a" R "31mb");
	EXPECT("a\xc2\x9b" "31mb\xc2\x85", CCM_TEXT_DISPLAY, "a" R "31mb" R);
	EXPECT("x\x7fy\x01z\rw", CCM_TEXT_DISPLAY, "x" R "y" R "z" R "w");
	EXPECT("evil\xe2\x80\xaegnp\xe2\x80\xac.exe", CCM_TEXT_DISPLAY,
	       "evil" R "gnp" R ".exe");
	EXPECT("\xd8\x9c\xe2\x80\x8e\xe2\x80\x8f\xe2\x80\xaa\xe2\x81\xa6"
	       "\xe2\x81\xa9\xef\xbf\xbe\xe2\x80\xac", CCM_TEXT_DISPLAY,
	       R R R R R R R R);
	/* tab and newline: hidden on one line, kept where there are lines */
	EXPECT("a\tb\nc", CCM_TEXT_DISPLAY, "a" R "b" R "c");
	EXPECT("a\tb\nc\rd", CCM_TEXT_DISPLAY_NL, "a\tb\nc" R "d");
	/* what is not a control stays: letters, marks, emoji, U+200D */
	EXPECT("caf\xc3\xa9 \xe2\x80\x8d \xf0\x9f\x98\x80 \xe2\x80\xab\xe2\x80\xac",
	       CCM_TEXT_DISPLAY, "caf\xc3\xa9 \xe2\x80\x8d \xf0\x9f\x98\x80 " R R);
	assert_false(ccm_text_hidden(0x1b, CCM_TEXT_UTF8));
	assert_true(ccm_text_hidden(0x202e, CCM_TEXT_DISPLAY_NL));
	assert_false(ccm_text_hidden(0x2070, CCM_TEXT_DISPLAY));
	assert_false(ccm_text_hidden(0xa0, CCM_TEXT_DISPLAY));
}

/* A buffer too small cuts before a character, never inside one. */
static void clean_into_cuts_whole_characters(void **state)
{
	char buf[8];
	bool cut;

	(void)state;
	assert_int_equal(ccm_text_clean_into(buf, sizeof(buf), "ab\xe2\x82\xac"
					     "cd", 7, CCM_TEXT_UTF8, &cut), 7);
	assert_false(cut);
	assert_int_equal(ccm_text_clean_into(buf, 6, "ab\xe2\x82\xac" "cd", 7,
					     CCM_TEXT_UTF8, &cut), 5);
	assert_true(cut);
	assert_string_equal(buf, "ab\xe2\x82\xac");
	assert_int_equal(ccm_text_clean_into(buf, 5, "ab\xe2\x82\xac" "cd", 7,
					     CCM_TEXT_UTF8, &cut), 2);
	assert_true(cut);
	assert_string_equal(buf, "ab");
	/* a replacement is three bytes: it fits whole or not at all */
	assert_int_equal(ccm_text_clean_into(buf, 4, "a\x01", 2,
					     CCM_TEXT_DISPLAY, &cut), 1);
	assert_true(cut);
	assert_int_equal(ccm_text_clean_into(buf, 1, "a", 1, CCM_TEXT_UTF8,
					     NULL), 0);
	assert_string_equal(buf, "");
	assert_null(ccm_text_clean_str(NULL, CCM_TEXT_UTF8));
}

/* A writer cleaning chunk by chunk keeps what the next chunk completes,
 * and only that. */
static void incomplete_tails(void **state)
{
	(void)state;
	assert_int_equal(ccm_utf8_incomplete_tail("ab", 2), 0);
	assert_int_equal(ccm_utf8_incomplete_tail("", 0), 0);
	assert_int_equal(ccm_utf8_incomplete_tail("a\xc3", 2), 1);
	assert_int_equal(ccm_utf8_incomplete_tail("a\xc3\xa9", 3), 0);
	assert_int_equal(ccm_utf8_incomplete_tail("a\xe2\x82", 3), 2);
	assert_int_equal(ccm_utf8_incomplete_tail("\xf0\x9f\x98", 3), 3);
	assert_int_equal(ccm_utf8_incomplete_tail("\xf0\x9f\x98\x80", 4), 0);
	/* nothing can complete these */
	assert_int_equal(ccm_utf8_incomplete_tail("a\xff", 2), 0);
	assert_int_equal(ccm_utf8_incomplete_tail("a\xc0", 2), 0);
	assert_int_equal(ccm_utf8_incomplete_tail("a\xed\xa0", 3), 0);
	assert_int_equal(ccm_utf8_incomplete_tail("a\x80\x80\x80", 4), 0);
}

/* Resources: clean names as they are; others cleaned, bounded, marked,
 * and still one per name. */
static void resources(void **state)
{
	char a[CCM_TEXT_RESOURCE_MAX + 1], b[CCM_TEXT_RESOURCE_MAX + 1];
	char *longname = malloc(5001), *other;

	(void)state;
	assert_non_null(longname);
	assert_false(ccm_text_resource("op-cs1.imp1-ex-com", a));
	assert_string_equal(a, "op-cs1.imp1-ex-com");
	assert_false(ccm_text_resource("op-caf\xc3\xa9", a));

	assert_true(ccm_text_resource("op-\x1b[2Jx", a));
	assert_true(ccm_text_resource("op-\x1b[3Jx", b));
	assert_non_null(strstr(a, "op-" R "[2Jx [cleaned #"));
	assert_string_not_equal(a, b);
	assert_true(ccm_text_is_clean(a, strlen(a), CCM_TEXT_DISPLAY));
	assert_true(ccm_text_resource("op-\xff", a));
	assert_true(ccm_text_resource("op-\xfe", b));
	assert_string_not_equal(a, b);
	assert_true(ccm_text_resource("", a));
	assert_string_equal(a, "(no name)");

	/* exactly the bound: kept; one more: cut and marked */
	memset(longname, 'a', 5000);
	longname[CCM_TEXT_RESOURCE_MAX] = '\0';
	assert_false(ccm_text_resource(longname, a));
	longname[CCM_TEXT_RESOURCE_MAX] = 'a';
	longname[5000] = '\0';
	assert_true(ccm_text_resource(longname, a));
	assert_int_equal(strlen(a), CCM_TEXT_RESOURCE_MAX);
	assert_non_null(strstr(a, "... [cut from 5000 bytes #"));
	other = strdup(longname);
	assert_non_null(other);
	other[4999] = 'b'; /* differs past the cut */
	assert_true(ccm_text_resource(other, b));
	assert_string_not_equal(a, b);
	/* a cut never splits a character */
	for (size_t i = 0; i + 1 < 5000; i += 2)
		memcpy(longname + i, "\xc3\xa9", 2);
	for (size_t shift = 0; shift < 3; shift++) {
		assert_true(ccm_text_resource(longname + shift, a));
		assert_true(strlen(a) <= CCM_TEXT_RESOURCE_MAX);
		assert_true(ccm_text_is_clean(a, strlen(a), CCM_TEXT_DISPLAY));
	}
	free(other);
	free(longname);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(maximal_subparts),
		cmocka_unit_test(every_code_point),
		cmocka_unit_test(display_hides_what_moves_a_terminal),
		cmocka_unit_test(clean_into_cuts_whole_characters),
		cmocka_unit_test(incomplete_tails),
		cmocka_unit_test(resources),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: ISC */
/* What leaves ccmon as text.  Names and lines come from logs anyone with
 * a foothold on the router can shape: any byte, any length.
 *
 * Two rules, one replacement, U+FFFD (shown as a question mark in a box):
 * - for parsers (JSON documents): valid UTF-8 (RFC 3629).  Each ill-formed
 *   sequence becomes one U+FFFD, cut as Unicode recommends (Unicode 15,
 *   §3.9 "U+FFFD Substitution of Maximal Subparts", the WHATWG decoder,
 *   Python's errors="replace"): overlong forms, surrogates and values over
 *   U+10FFFF are ill-formed.  Control characters stay: JSON escapes them.
 * - for people (terminal text, ccmond's own messages, journal and syslog
 *   fields, SNMP strings, HTML): the same, and every character that moves
 *   a terminal or reorders a line becomes U+FFFD too: C0 controls (tab
 *   and newline kept only where the format has lines), DEL, C1 controls
 *   U+0080..U+009F, the bidirectional controls U+061C, U+200E, U+200F,
 *   U+202A..U+202E, U+2066..U+2069, and the non-characters U+FFFE and
 *   U+FFFF.
 * A replacement takes one column, as the control or stray byte it stands
 * for took one byte: padding computed in bytes still lines up.
 *
 * No I/O: callers write what these return. */
#ifndef CCM_TEXT_CLEAN_H
#define CCM_TEXT_CLEAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CCM_TEXT_REPLACEMENT "\xef\xbf\xbd" /* U+FFFD */

enum ccm_text_mode {
	CCM_TEXT_UTF8 = 0,   /* for parsers: well-formed UTF-8          */
	CCM_TEXT_DISPLAY,    /* for people, one line: no control at all  */
	CCM_TEXT_DISPLAY_NL, /* for people, lines: tab and newline kept  */
};

/* Decodes the character at s (n >= 1 bytes available): returns its length
 * (1..4) with *cp set, or 0 when s starts an ill-formed sequence, with
 * *bad set to the length of its maximal subpart (1..3), the bytes one
 * U+FFFD stands for. */
size_t ccm_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp,
		       size_t *bad);

/* How many bytes at the end of s[0..n) begin a character that more bytes
 * could complete (0..3): what a writer cleaning chunk by chunk keeps for
 * the next chunk. */
size_t ccm_utf8_incomplete_tail(const char *s, size_t n);

/* Whether a character is replaced in mode (CCM_TEXT_UTF8: never). */
bool ccm_text_hidden(uint32_t cp, enum ccm_text_mode mode);

/* Whether cleaning would leave s[0..n) as it is. */
bool ccm_text_is_clean(const char *s, size_t n, enum ccm_text_mode mode);

/* Writes s[0..n) cleaned to dst, NUL-terminated, at most size - 1 bytes
 * (size >= 1), never cutting a character.  Returns the length written;
 * *cut (may be NULL) tells whether something did not fit. */
size_t ccm_text_clean_into(char *dst, size_t size, const char *s, size_t n,
			   enum ccm_text_mode mode, bool *cut);

/* s[0..n) cleaned, malloc'd and NUL-terminated, *len (may be NULL) set to
 * its length; NULL when out of memory.  At most 3 * n + 1 bytes. */
char *ccm_text_clean(const char *s, size_t n, enum ccm_text_mode mode,
		     size_t *len);

/* The same for a C string; NULL for NULL. */
char *ccm_text_clean_str(const char *s, enum ccm_text_mode mode);

/* An alarm resource made of a name from a log: resources are keys, shown
 * in journal fields, SNMP strings and terminals, at most
 * CCM_TEXT_RESOURCE_MAX bytes.  A name that is clean for display and fits
 * is its own resource (returns false).  Any other is cleaned for display,
 * cut at a character boundary when too long, and marked with a digest of
 * its bytes so that two names never share a resource (returns true):
 *   "op-\uFFFD[2Jx [cleaned #1b2c3d4e]"
 *   "op-aaaa...aaa... [cut from 5000 bytes #9f8e7d6c]"
 * out gets CCM_TEXT_RESOURCE_MAX + 1 bytes at most.  name NULL or empty
 * gives "(no name)". */
#define CCM_TEXT_RESOURCE_MAX 1024
bool ccm_text_resource(const char *name,
		       char out[static CCM_TEXT_RESOURCE_MAX + 1]);

#endif

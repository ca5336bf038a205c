/* SPDX-License-Identifier: ISC */
/* A JSON document written as it is produced, byte for byte as json-c's
 * json_object_to_json_string_ext(PRETTY | SPACED | NOSLASHESCAPE) would
 * write the same tree, without holding the tree: a report of millions of
 * transitions costs json-c a few hundred bytes each. */
#ifndef CCM_REPORT_JSON_OUT_H
#define CCM_REPORT_JSON_OUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define CCM_JW_DEPTH 16

struct ccm_jw {
	FILE *out;
	int level;
	bool had[CCM_JW_DEPTH]; /* the container at each level has members */
	bool keyed;             /* a key was written: its value comes next */
	bool err;               /* out of memory or too deep */
};

void ccm_jw_init(struct ccm_jw *w, FILE *out);
void ccm_jw_object(struct ccm_jw *w);
void ccm_jw_array(struct ccm_jw *w);
void ccm_jw_end_object(struct ccm_jw *w);
void ccm_jw_end_array(struct ccm_jw *w);
/* key must be plain ASCII needing no escape (the schema's names) */
void ccm_jw_key(struct ccm_jw *w, const char *key);
/* NULL: null.  Repaired to valid UTF-8 first (agent/util/text_clean.h). */
void ccm_jw_string(struct ccm_jw *w, const char *s);
void ccm_jw_string_len(struct ccm_jw *w, const char *s, size_t n);
void ccm_jw_u64(struct ccm_jw *w, uint64_t v);
void ccm_jw_int(struct ccm_jw *w, int v);
void ccm_jw_bool(struct ccm_jw *w, bool v);
void ccm_jw_null(struct ccm_jw *w);
/* a number already formatted */
void ccm_jw_raw(struct ccm_jw *w, const char *s);
/* Returns 0, or -1 after a write error, out of memory or too deep. */
int ccm_jw_status(const struct ccm_jw *w);

#endif

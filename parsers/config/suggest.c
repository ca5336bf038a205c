/* SPDX-License-Identifier: ISC */
/* "Did you mean": the known word an unknown one is most likely a typo of. */
#include <limits.h>
#include <string.h>
#include <strings.h>

#include "parsers/config/config_internal.h"

/* Edit distance up to which an unknown name earns a "did you mean". */
#define SUGGEST_DISTANCE 2

/* Levenshtein distance, or UINT_MAX for words too long to be a typo of
 * any name we know. */
static unsigned distance(const char *a, const char *b)
{
	enum { MAXLEN = 63 };
	unsigned row[MAXLEN + 1];
	size_t la = strlen(a), lb = strlen(b);

	if (la > MAXLEN || lb > MAXLEN)
		return UINT_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned diag = row[0];

		row[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned up = row[j];
			unsigned best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* The first of the nearest wins.  A candidate shorter than the distance
 * would match anything of its length. */
const char *ccm_cfg_suggest(const char *word, const char *const *cands,
			    size_t n)
{
	const char *best = NULL;
	unsigned best_d = SUGGEST_DISTANCE + 1;

	for (size_t i = 0; i < n; i++) {
		unsigned d = strcasecmp(word, cands[i]) ?
			     distance(word, cands[i]) : 0;

		if (d < best_d && d < strlen(cands[i])) {
			best = cands[i];
			best_d = d;
		}
	}
	return best;
}

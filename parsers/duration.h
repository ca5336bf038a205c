/* SPDX-License-Identifier: ISC */
/* Durations as operators write them: "250ms", "10s", "5m", "2h", "1m30s". */
#ifndef CCM_DURATION_H
#define CCM_DURATION_H

#include "parsers/timestamp.h"

/* Parses s into milliseconds.  A bare number is seconds.  Returns 0, or -1
 * when malformed, negative, or beyond a year. */
int ccm_duration_parse(const char *s, ccm_ms *out);

/* "4m42.000s", "1h02m03.500s", "0.250s"; buf needs CCM_DURATION_STRLEN. */
#define CCM_DURATION_STRLEN 40
const char *ccm_duration_format(ccm_ms d, char buf[static CCM_DURATION_STRLEN]);

/* As an operator writes it in the configuration: "3s", "1500ms", "5m",
 * "2h" (the largest unit that divides it).  buf needs CCM_DURATION_STRLEN. */
const char *ccm_duration_format_short(ccm_ms d,
				      char buf[static CCM_DURATION_STRLEN]);

#endif

/* SPDX-License-Identifier: ISC */
/* The findings of loads: collected, ordered by line, printed. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/config/config_internal.h"

const char *ccm_level_name(enum ccm_level level)
{
	return level == CCM_LEVEL_ERROR ? "error" : "warning";
}

void ccm_findings_init(struct ccm_findings *f)
{
	memset(f, 0, sizeof(*f));
}

void ccm_findings_release(struct ccm_findings *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->v[i].file);
		free(f->v[i].message);
	}
	free(f->v);
	ccm_findings_init(f);
}

__attribute__((format(printf, 6, 0)))
static void findings_vadd(struct ccm_findings *f, enum ccm_level level,
			  const char *file, unsigned line, const char *rule,
			  const char *fmt, va_list ap)
{
	struct ccm_finding *x;

	if (f->n == f->cap) {
		size_t cap = f->cap ? 2 * f->cap : 16;
		struct ccm_finding *v = realloc(f->v, cap * sizeof(*v));
		if (!v) {
			f->oom = true;
			return;
		}
		f->v = v;
		f->cap = cap;
	}
	x = &f->v[f->n];
	x->level = level;
	x->line = line;
	x->rule = rule;
	x->file = strdup(file);
	if (!x->file || vasprintf(&x->message, fmt, ap) < 0) {
		free(x->file);
		f->oom = true;
		return;
	}
	f->n++;
	if (level == CCM_LEVEL_ERROR)
		f->errors++;
	else
		f->warnings++;
}

void ccm_findings_add(struct ccm_findings *f, enum ccm_level level,
		      const char *file, unsigned line, const char *rule,
		      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	findings_vadd(f, level, file, line, rule, fmt, ap);
	va_end(ap);
}

int ccm_finding_print(const struct ccm_finding *f, FILE *out)
{
	int rc;

	if (f->line)
		rc = fprintf(out, "%s:%u: %s: %s [%s]\n", f->file, f->line,
			     ccm_level_name(f->level), f->message, f->rule);
	else
		rc = fprintf(out, "%s: %s: %s [%s]\n", f->file,
			     ccm_level_name(f->level), f->message, f->rule);
	return rc < 0 ? -1 : 0;
}

int ccm_findings_print(const struct ccm_findings *f, FILE *out)
{
	for (size_t i = 0; i < f->n; i++)
		if (ccm_finding_print(&f->v[i], out))
			return -1;
	return 0;
}

/* Stable, so that findings of one line keep the order they were found in;
 * whole-file findings (line 0) come first.  Few enough for insertion. */
void ccm_findings_sort(struct ccm_findings *f, size_t from)
{
	for (size_t i = from + 1; i < f->n; i++) {
		struct ccm_finding x = f->v[i];
		size_t j = i;

		while (j > from && f->v[j - 1].line > x.line) {
			f->v[j] = f->v[j - 1];
			j--;
		}
		f->v[j] = x;
	}
}

/* SPDX-License-Identifier: ISC */
#include <stddef.h>

#include "agent/core/trace.h"

void ccm_trace(const struct ccm_trace *t, const char *fmt, ...)
{
	va_list ap;

	/* off: nothing formatted, nothing said */
	if (!t || !t->fn)
		return;
	va_start(ap, fmt);
	t->fn(t->ctx, fmt, ap);
	va_end(ap);
}

/* SPDX-License-Identifier: ISC */
#ifndef CCM_CORE_TRACE_H
#define CCM_CORE_TRACE_H
#include <stdarg.h>
/* Why the core decided what it did, for ccmond's debug level: the core
 * does no I/O, so whoever drives it says where the words go. */
struct ccm_trace {
	void (*fn)(void *ctx, const char *fmt, va_list ap);
	void *ctx;
};
void ccm_trace(const struct ccm_trace *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#endif

/* SPDX-License-Identifier: ISC */
/* The monotonic clock, read the same way by every part that measures an
 * interval or keeps a deadline: probe latencies, the tail's time slices,
 * the SNMP agent's uptime, `ccmon status`'s wait, analyze's progress. */
#ifndef CCM_UTIL_CLOCK_H
#define CCM_UTIL_CLOCK_H

#include <stdint.h>

/* Microseconds of CLOCK_MONOTONIC.  Not a date: it starts near boot and
 * stands still while the machine sleeps, but no one can step it, which a
 * wall clock's interval must fear. */
uint64_t ccm_now_mono_usec(void);

#endif

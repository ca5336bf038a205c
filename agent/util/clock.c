/* SPDX-License-Identifier: ISC */
/* The monotonic clock (agent/util/clock.h). */
#include <time.h>

#include "agent/util/clock.h"

uint64_t ccm_now_mono_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* SPDX-License-Identifier: ISC */
/* Room for one more element in an array that grows by doubling: the one
 * way every list of the agent grows.  Inline, so the I/O-free core uses it
 * without linking anything beside itself. */
#ifndef CCM_UTIL_GROW_H
#define CCM_UTIL_GROW_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* *arrp points to an array of *cap elements of size bytes, n of them in
 * use.  When n reaches *cap, the array is reallocated to twice as many
 * (first when it had none).  Returns 0, or -1 when out of memory or when
 * the new size would not fit a size_t: the array and *cap are then as
 * they were. */
static inline int ccm_grow(void *arrp, size_t *cap, size_t n, size_t size,
			   size_t first)
{
	void *arr, *na;
	size_t ncap;

	if (n < *cap)
		return 0;
	if (*cap > SIZE_MAX / 2)
		return -1;
	ncap = *cap ? *cap * 2 : first;
	memcpy(&arr, arrp, sizeof(arr)); /* any T **, without aliasing it */
	na = reallocarray(arr, ncap, size);
	if (!na)
		return -1;
	memcpy(arrp, &na, sizeof(na));
	*cap = ncap;
	return 0;
}

/* ccm_grow() for an array variable and its count and capacity. */
#define CCM_GROW(arr, cap, n, first) \
	ccm_grow(&(arr), &(cap), (n), sizeof(*(arr)), (first))

#endif

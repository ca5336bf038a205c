/* SPDX-License-Identifier: ISC */
/* Room for one more element in an array that grows by doubling: the one
 * way every list of the agent grows.  Inline, so the I/O-free core uses it
 * without linking anything beside itself. */
#ifndef CCM_UTIL_GROW_H
#define CCM_UTIL_GROW_H

#include <stdint.h>
#include <stdlib.h>

/* arr is an array of *cap elements of size bytes, n of them in use.
 * Returns it when it has room for one more, else it reallocated to twice
 * as many (first when it had none) with *cap updated, or NULL when out of
 * memory or when the new size would not fit a size_t: arr and *cap are
 * then as they were. */
static inline void *ccm_grow_array(void *arr, size_t *cap, size_t n,
				   size_t size, size_t first)
{
	size_t ncap;
	void *na;

	if (n < *cap)
		return arr;
	if (*cap > SIZE_MAX / 2)
		return NULL;
	ncap = *cap ? *cap * 2 : first;
	na = reallocarray(arr, ncap, size);
	if (na)
		*cap = ncap;
	return na;
}

/* ccm_grow_array() on an array variable and its capacity: 0, or -1 with
 * both as they were. */
#define CCM_GROW(arr, cap, n, first) __extension__ ({			\
	void *ccm_grown_ = ccm_grow_array((arr), &(cap), (n),		\
					  sizeof(*(arr)), (first));	\
	if (ccm_grown_)							\
		(arr) = ccm_grown_;					\
	ccm_grown_ ? 0 : -1;						\
})

#endif

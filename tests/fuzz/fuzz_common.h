/* SPDX-License-Identifier: ISC */
/* Helpers shared by the libFuzzer targets (tests/fuzz/fuzz_*.c). */
#ifndef CCM_FUZZ_COMMON_H
#define CCM_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* An oracle failure: print where and why, then abort so that libFuzzer
 * keeps the input as a crash. */
#define FUZZ_CHECK(cond, ...)                                                 \
	do {                                                                  \
		if (!(cond)) {                                                \
			fprintf(stderr, "fuzz check failed: %s:%d: %s: ",     \
				__FILE__, __LINE__, #cond);                   \
			fprintf(stderr, __VA_ARGS__);                         \
			fputc('\n', stderr);                                  \
			abort();                                              \
		}                                                             \
	} while (0)

static inline uint64_t fuzz_le(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* xorshift64*: chunk sizes and the like, from a fuzzer-chosen seed. */
static inline uint64_t fuzz_rand(uint64_t *s)
{
	uint64_t x = *s ? *s : 0x9e3779b97f4a7c15u;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1du;
}

static inline uint64_t fuzz_hash(const void *p, size_t n, uint64_t h)
{
	const unsigned char *c = p;

	h ^= n;
	for (size_t i = 0; i < n; i++)
		h = (h ^ c[i]) * 0x100000001b3u;
	return h;
}

/* A malloc'd copy of exactly n bytes (at least 1 allocated), so that ASan
 * sees any read past the end. */
static inline char *fuzz_dup(const void *p, size_t n)
{
	char *d = malloc(n ? n : 1);

	FUZZ_CHECK(d != NULL, "out of memory");
	if (n)
		memcpy(d, p, n);
	return d;
}

/* An anonymous in-memory file reused across runs; path gets
 * "/proc/self/fd/N", which open() and fopen() accept. */
static inline int fuzz_memfd(const char *name, char path[static 64])
{
	int fd = memfd_create(name, MFD_CLOEXEC);

	FUZZ_CHECK(fd >= 0, "memfd_create failed");
	snprintf(path, 64, "/proc/self/fd/%d", fd);
	return fd;
}

static inline void fuzz_memfd_set(int fd, const void *p, size_t n)
{
	const char *c = p;
	off_t off = 0;

	FUZZ_CHECK(ftruncate(fd, 0) == 0, "ftruncate failed");
	while ((size_t)off < n) {
		ssize_t w = pwrite(fd, c + off, n - (size_t)off, off);

		FUZZ_CHECK(w > 0, "pwrite failed");
		off += w;
	}
}

#endif

/* SPDX-License-Identifier: ISC */
/* LD_PRELOAD library for tests/test_lifecycle.py: each pread(2) of at least
 * 4 KiB from a file whose path contains $SLOW_READ_MATCH first sleeps
 * $SLOW_READ_MS milliseconds, so that ccmond's replay of a log lasts while
 * a test acts on it.  It changes no byte read; everything else passes.
 * Built with -D_GNU_SOURCE (RTLD_NEXT), as config.h gives the others. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef ssize_t pread_fn(int, void *, size_t, off_t);

static void maybe_sleep(int fd, size_t n)
{
	const char *match = getenv("SLOW_READ_MATCH");
	const char *ms = getenv("SLOW_READ_MS");
	char proc[64], target[4096];
	ssize_t k;
	long v;

	/* the fingerprint's small reads stay quick */
	if (!match || !*match || !ms || n < 4096)
		return;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	k = readlink(proc, target, sizeof(target) - 1);
	if (k <= 0)
		return;
	target[k] = '\0';
	v = strtol(ms, NULL, 10);
	if (!strstr(target, match) || v <= 0 || v > 10000)
		return;
	nanosleep(&(struct timespec){ .tv_sec = v / 1000,
				      .tv_nsec = (v % 1000) * 1000000L },
		  NULL);
}

ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
	pread_fn *real = (pread_fn *)dlsym(RTLD_NEXT, "pread");

	maybe_sleep(fd, n);
	return real(fd, buf, n, off);
}

ssize_t pread64(int fd, void *buf, size_t n, off_t off)
{
	pread_fn *real = (pread_fn *)dlsym(RTLD_NEXT, "pread64");

	maybe_sleep(fd, n);
	return real(fd, buf, n, off);
}

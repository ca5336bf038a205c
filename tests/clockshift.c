/* SPDX-License-Identifier: ISC */
/* clockshift.so: an LD_PRELOAD shim that moves the wall clock of one
 * process, and only the wall clock, as a step of the system time would:
 * clock_gettime(CLOCK_REALTIME, CLOCK_REALTIME_COARSE), gettimeofday() and
 * time() are moved by an offset in milliseconds read from the file that
 * CCM_CLOCKSHIFT_FILE names; the monotonic and boot clocks, and timers, are
 * not.  The file is read at every call, so that a test steps the clock of a
 * running process by rewriting it (atomically: write a new file, rename).
 * A missing or unreadable file means no offset.
 *
 * Debian's faketime moves CLOCK_MONOTONIC too unless told not to, and not
 * the timerfds that sd-event waits on: this is the step the agent meets.
 * Built with config.h (_GNU_SOURCE, for RTLD_NEXT), as the rest of ccmon. */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

typedef int clock_gettime_fn(clockid_t, struct timespec *);

static int64_t offset_ms(void)
{
	const char *path = getenv("CCM_CLOCKSHIFT_FILE");
	char buf[64];
	ssize_t n;
	int fd;

	if (!path)
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strtoll(buf, NULL, 10);
}

static void shift(struct timespec *ts, int64_t ms)
{
	int64_t ns = (int64_t)ts->tv_nsec + (ms % 1000) * 1000000;

	ts->tv_sec += (time_t)(ms / 1000);
	if (ns < 0) {
		ns += 1000000000;
		ts->tv_sec--;
	} else if (ns >= 1000000000) {
		ns -= 1000000000;
		ts->tv_sec++;
	}
	ts->tv_nsec = (long)ns;
}

static int real_clock_gettime(clockid_t id, struct timespec *ts)
{
	static clock_gettime_fn *real;

	if (!real)
		real = (clock_gettime_fn *)dlsym(RTLD_NEXT, "clock_gettime");
	return real ? real(id, ts) : -1;
}

int clock_gettime(clockid_t id, struct timespec *ts)
{
	int r = real_clock_gettime(id, ts);

	if (r == 0 && (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE))
		shift(ts, offset_ms());
	return r;
}

int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
	struct timespec ts;

	(void)tz;
	if (clock_gettime(CLOCK_REALTIME, &ts))
		return -1;
	/* glibc declares tv nonnull */
	tv->tv_sec = ts.tv_sec;
	tv->tv_usec = ts.tv_nsec / 1000;
	return 0;
}

time_t time(time_t *out)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts))
		return (time_t)-1;
	if (out)
		*out = ts.tv_sec;
	return ts.tv_sec;
}

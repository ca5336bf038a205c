/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/util/atomic_file.h"

static int fsync_dir(const char *path)
{
	char *copy = strdup(path);
	int fd, rc;

	if (!copy)
		return -1;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(copy);
	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* Closes fd or f, keeping the errno of what failed before. */
static void close_keep_errno(int fd, FILE *f)
{
	int err = errno;

	if (f)
		fclose(f);
	else
		close(fd);
	errno = err;
}

enum ccm_atomic_step ccm_atomic_replace(int fd, FILE *f, const char *tmp,
					const char *path)
{
	if ((f && fflush(f)) || fsync(f ? fileno(f) : fd) < 0) {
		close_keep_errno(fd, f);
		return CCM_ATOMIC_SYNC;
	}
	if (f ? fclose(f) != 0 : close(fd) < 0)
		return CCM_ATOMIC_CLOSE;
	if (rename(tmp, path) < 0)
		return CCM_ATOMIC_RENAME;
	fsync_dir(path);
	return CCM_ATOMIC_DONE;
}

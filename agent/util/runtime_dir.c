/* SPDX-License-Identifier: ISC */
/* The runtime directory's claim (agent/util/runtime_dir.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/util/runtime_dir.h"
#include "agent/util/safe_open.h"

/* The pid the holder wrote, or 0. */
static pid_t read_holder(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	char *end;
	long v;

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno || end == buf || v <= 0 || (*end && *end != '\n'))
		return 0;
	return (pid_t)v;
}

enum ccm_claim ccm_runtime_dir_claim(const char *dir, int *fd, pid_t *holder,
				     char *err, size_t errlen)
{
	struct stat st;
	char *path;
	char pid[32];
	int n, lfd;

	*fd = -1;
	*holder = 0;
	if (mkdir(dir, CCM_RUNTIME_DIR_MODE) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "runtime_dir %s: cannot create it: %s",
			 dir, strerror(errno));
		return CCM_CLAIM_FAILED;
	}
	if (stat(dir, &st) < 0) {
		snprintf(err, errlen, "runtime_dir %s: %s", dir,
			 strerror(errno));
		return CCM_CLAIM_FAILED;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "runtime_dir %s: not a directory", dir);
		return CCM_CLAIM_FAILED;
	}
	/* at start and on a reload alike: a socket in a folder others may
	 * write can be replaced under the clients' feet */
	if (ccm_check_private_dir(dir, err, errlen) < 0)
		return CCM_CLAIM_FAILED;
	if (asprintf(&path, "%s/%s", dir, CCM_RUNTIME_LOCK) < 0) {
		snprintf(err, errlen, "runtime_dir.c: out of memory");
		return CCM_CLAIM_FAILED;
	}
	lfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY,
		   0644);
	if (lfd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(path);
		return CCM_CLAIM_FAILED;
	}
	if (flock(lfd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;

		if (e == EWOULDBLOCK) {
			*holder = read_holder(lfd);
			if (*holder)
				snprintf(err, errlen, "runtime_dir %s is "
					 "held by another ccmond (pid %ld, "
					 "%s)", dir, (long)*holder, path);
			else
				snprintf(err, errlen, "runtime_dir %s is "
					 "held by another ccmond (%s is "
					 "locked)", dir, path);
		} else {
			snprintf(err, errlen, "%s: %s", path, strerror(e));
		}
		close(lfd);
		free(path);
		return e == EWOULDBLOCK ? CCM_CLAIM_HELD : CCM_CLAIM_FAILED;
	}
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(lfd, 0) < 0 || pwrite(lfd, pid, (size_t)n, 0) != n) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(lfd);
		free(path);
		return CCM_CLAIM_FAILED;
	}
	free(path);
	*fd = lfd;
	return CCM_CLAIM_OK;
}

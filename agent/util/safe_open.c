/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/util/safe_open.h"

/* A negative code for errno, negative whatever errno holds. */
static int failed(int err)
{
	return err > 0 ? -err : -EIO;
}

int ccm_open_file(const char *path, int oflags, mode_t mode, struct stat *st)
{
	/* O_NONBLOCK: open(2) of a FIFO waits for a writer, forever, and
	 * before the type can be looked at */
	int fd = open(path, oflags | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, mode);
	int fl, err;
	struct stat lst;

	memset(st, 0, sizeof(*st)); /* filled whatever happens */
	if (fd < 0) {
		err = errno;
		/* O_NOFOLLOW says ELOOP; a planted link is named as one */
		if (err == ELOOP && (oflags & O_NOFOLLOW) &&
		    lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode))
			return -(CCM_ENOTREG | S_IFLNK);
		return failed(err);
	}
	if (fstat(fd, st) < 0) {
		err = errno;
		close(fd);
		return failed(err);
	}
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		return -(CCM_ENOTREG | (int)(st->st_mode & S_IFMT));
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		err = errno;
		close(fd);
		return failed(err);
	}
	return fd;
}

int ccm_read_file(const char *path, int oflags, size_t max, char **text,
		  size_t *len)
{
	struct stat st;
	int fd = ccm_open_file(path, oflags, 0, &st);
	size_t cap, got = 0;
	char *buf;

	*text = NULL;
	*len = 0;
	if (fd < 0)
		return fd;
	if ((uintmax_t)st.st_size > max) {
		close(fd);
		return -EFBIG;
	}
	/* one byte more than allowed: a file that grows while it is read is
	 * caught too */
	cap = (size_t)st.st_size + 1;
	buf = malloc(cap + 1);
	while (buf) {
		ssize_t n = read(fd, buf + got, cap - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = errno;
			free(buf);
			close(fd);
			return failed(err);
		}
		if (n == 0)
			break;
		got += (size_t)n;
		if (got > max) {
			free(buf);
			close(fd);
			return -EFBIG;
		}
		if (got == cap) {
			char *nb;
			cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			nb = realloc(buf, cap + 1);
			if (!nb)
				free(buf);
			buf = nb;
		}
	}
	close(fd);
	if (!buf)
		return -ENOMEM;
	buf[got] = '\0';
	*text = buf;
	*len = got;
	return 0;
}

const char *ccm_open_strerror(int code)
{
	if (!(code & CCM_ENOTREG))
		return strerror(code);
	switch (code & ~CCM_ENOTREG) {
	case S_IFDIR:
		return "not a regular file but a directory";
	case S_IFIFO:
		return "not a regular file but a FIFO";
	case S_IFSOCK:
		return "not a regular file but a socket";
	case S_IFCHR:
		return "not a regular file but a character device";
	case S_IFBLK:
		return "not a regular file but a block device";
	case S_IFLNK:
		return "a symbolic link, refused (name the file itself)";
	default:
		return "not a regular file";
	}
}

int ccm_check_private_dir(const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: not a directory", path);
		return -1;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(err, errlen, "%s: writable by group or others (mode "
			 "%04o): refusing it, since they could plant links or "
			 "replace ccmond's files there; make it writable by its "
			 "owner only (chmod go-w %s)", path,
			 (unsigned)(st.st_mode & 07777), path);
		return -1;
	}
	return 0;
}

int ccm_open_secret(const char *path, char *err, size_t errlen)
{
	struct stat st;
	int fd = ccm_open_file(path, O_RDONLY | O_NOFOLLOW, 0, &st);

	if (fd < 0) {
		snprintf(err, errlen, "the secret file %s: %s", path,
			 ccm_open_strerror(-fd));
		return -1;
	}
	if (st.st_mode & (S_IRGRP | S_IWGRP | S_IROTH | S_IWOTH)) {
		close(fd);
		snprintf(err, errlen, "the secret file %s is readable or "
			 "writable by group or others (mode %04o): refusing "
			 "it; make it readable by its owner only (chmod 600 %s)",
			 path, (unsigned)(st.st_mode & 07777), path);
		return -1;
	}
	return fd;
}

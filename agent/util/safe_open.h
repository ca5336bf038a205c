/* SPDX-License-Identifier: ISC */
/* Opening the files ccmon reads and writes (configuration, followed logs,
 * state, lock, secret) so that a FIFO or a device put in their place cannot
 * hang or flood it, and a planted symbolic link cannot lead it elsewhere:
 * every open is non-blocking and checked to be a regular file. */
#ifndef CCM_SAFE_OPEN_H
#define CCM_SAFE_OPEN_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

/* A code beside the errno values (all below it): something that is not a
 * regular file, ORed with its S_IFMT bits so that the reason names it. */
#define CCM_ENOTREG 0x100000

/* Opens path with oflags (O_RDONLY, O_RDWR | O_CREAT, ... ; O_NOFOLLOW to
 * refuse a symbolic link), never blocking on a FIFO, and keeps it only when
 * it is a regular file.  Returns the descriptor (close-on-exec, blocking
 * again) with *st filled, or a negative code: -errno, or -(CCM_ENOTREG |
 * type).  mode is used when O_CREAT creates it. */
int ccm_open_file(const char *path, int oflags, mode_t mode, struct stat *st);

/* Reads the whole of a regular file opened as above, when it holds at most
 * max bytes.  Returns 0 with *text (NUL-terminated, the caller frees) and
 * *len, or a negative code as above (-EFBIG: larger than max). */
int ccm_read_file(const char *path, int oflags, size_t max, char **text,
		  size_t *len);

/* The reason for a positive code as above ("No such file or directory",
 * "not a regular file but a FIFO", ...). */
const char *ccm_open_strerror(int code);

/* A directory ccmond keeps its files in: refused (-1, "path: reason" in
 * err) when it is not a directory or when group or others may write into
 * it (they could plant links or replace the files).  A missing one is
 * refused too: the caller creates it first. */
int ccm_check_private_dir(const char *path, char *err, size_t errlen);

/* Opens a file holding a password (secret_file): refused (-1, "reason" in
 * err) when missing, a symbolic link, not a regular file, or readable or
 * writable by group or others.  Returns the descriptor, or -1. */
int ccm_open_secret(const char *path, char *err, size_t errlen);

#endif

/* SPDX-License-Identifier: ISC */
/* The runtime directory (runtime_dir): the status socket's home, one agent
 * per directory.
 *
 * ccmond creates it when it is missing (mode 0750: the socket inside says
 * who may ask) and holds a lock on runtime_dir/ccmond.pid, which names its
 * pid, for as long as it serves there: a second agent on the same
 * directory would find the socket taken and run unseen. */
#ifndef CCM_RUNTIME_DIR_H
#define CCM_RUNTIME_DIR_H

#include <stddef.h>
#include <sys/types.h>

#define CCM_RUNTIME_LOCK "ccmond.pid"
#define CCM_RUNTIME_DIR_MODE 0750

enum ccm_claim {
	CCM_CLAIM_OK,      /* *fd holds the lock, the file names our pid */
	CCM_CLAIM_HELD,    /* another process holds it: *holder (0: unknown) */
	CCM_CLAIM_FAILED,  /* the directory or the file cannot be had */
};

/* Creates dir if missing, then locks its lock file without waiting.  The
 * reason of anything but CCM_CLAIM_OK is in err, naming the path. */
enum ccm_claim ccm_runtime_dir_claim(const char *dir, int *fd, pid_t *holder,
				     char *err, size_t errlen);

#endif

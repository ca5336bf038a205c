/* SPDX-License-Identifier: ISC */
/* Where reading of one followed file stands: what the tail reports and
 * the state file keeps.  Apart from the tail (agent/io/tail.h), so that
 * the state file's reader and writer need no file following. */
#ifndef CCM_TAIL_POS_H
#define CCM_TAIL_POS_H

#include <stdint.h>
#include <sys/types.h>

#define CCM_FP_MAX 256 /* bytes the fingerprint covers, at most */

/* A followed file is known by device + inode + a checksum of its first
 * bytes (the fingerprint), never by its name (agent/io/tail.h says why). */
struct ccm_tail_pos {
	char *path;
	dev_t dev;
	ino_t ino;
	uint32_t fp_len;   /* first bytes covered by the fingerprint */
	uint32_t fp_crc;   /* their CRC-32 */
	uint64_t offset;   /* just after the last complete line read */
	uint64_t line;     /* complete lines before offset */
};

/* Frees what pos owns (its path); pos itself is the caller's. */
void ccm_tail_pos_release(struct ccm_tail_pos *pos);

#endif

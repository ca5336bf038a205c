/* SPDX-License-Identifier: ISC */
#include <stdlib.h>

#include "agent/io/tail_pos.h"

void ccm_tail_pos_release(struct ccm_tail_pos *pos)
{
	free(pos->path);
	pos->path = NULL;
}

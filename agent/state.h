/* The state file: where reading stands in each followed file, the alarms
 * raised and the SNMP notifications not yet acknowledged, written together
 * so that none runs ahead of the others after a crash. */
#ifndef CCM_STATE_H
#define CCM_STATE_H

#include "agent/tail.h"

struct json_object;

struct ccm_saved {
	struct ccm_tail_pos *files;
	size_t nfiles;
	struct json_object *alarms; /* the alarm module's snapshot, or NULL */
	struct json_object *notifications; /* the SNMP queue's, or NULL */
};

/* Reads path.  Returns 1 when read, 0 when there is none (first start),
 * -1 with "path: reason" in err when it exists but cannot be used. */
int ccm_state_load(const char *path, struct ccm_saved *st, char *err,
		   size_t errlen);

/* Writes atomically: a temporary file beside it, fsync, rename, fsync of
 * the directory.  alarms and notifications may be NULL.  Returns 0, or -1
 * with the reason. */
int ccm_state_save(const char *path, const struct ccm_tail_pos *files,
		   size_t nfiles, struct json_object *alarms,
		   struct json_object *notifications, char *err,
		   size_t errlen);

void ccm_state_release(struct ccm_saved *st);

#endif

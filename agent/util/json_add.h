/* SPDX-License-Identifier: ISC */
/* Setting a member of a json-c object, the one way every writer of our
 * JSON (the analysis document, the status reply, the saved alarm state,
 * the SNMP queue) does it. */
#ifndef CCM_UTIL_JSON_ADD_H
#define CCM_UTIL_JSON_ADD_H

struct json_object;

/* Sets key of o to v, which o then owns; a NULL v is the JSON null, as
 * json-c has it.  Returns 0, or -1 when json-c could not (out of memory):
 * v is released then, so no caller leaks it. */
int ccm_json_add(struct json_object *o, const char *key,
		 struct json_object *v);

/* The same for a value just made by a json_object_new_*(): NULL there
 * means it could not be made, and is -1 here, not a null member. */
int ccm_json_add_new(struct json_object *o, const char *key,
		     struct json_object *v);

#endif

/* SPDX-License-Identifier: ISC */
/* Setting and getting a member of a json-c object, the one way every
 * writer and reader of our JSON (the analysis document, the status reply,
 * the saved alarm state, the SNMP queue) does it. */
#ifndef CCM_UTIL_JSON_ADD_H
#define CCM_UTIL_JSON_ADD_H

#include <json-c/json.h>

/* Sets key of o to v, which o then owns; a NULL v is the JSON null, as
 * json-c has it.  Returns 0, or -1 when json-c could not (out of memory):
 * v is released then, so no caller leaks it. */
int ccm_json_add(struct json_object *o, const char *key,
		 struct json_object *v);

/* The same for a value just made by a json_object_new_*(): NULL there
 * means it could not be made, and is -1 here, not a null member. */
int ccm_json_add_new(struct json_object *o, const char *key,
		     struct json_object *v);

/* Member key of o when it has that type, else NULL (a missing member, a
 * member of another type, or an o that is no object).  json-c hands out
 * members as non-const even from a const object. */
struct json_object *ccm_json_member(const struct json_object *o,
				    const char *key, enum json_type type);

#endif

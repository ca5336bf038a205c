/* SPDX-License-Identifier: ISC */
#include <json-c/json.h>

#include "agent/util/json_add.h"

int ccm_json_add(struct json_object *o, const char *key,
		 struct json_object *v)
{
	if (json_object_object_add(o, key, v)) {
		json_object_put(v);
		return -1;
	}
	return 0;
}

int ccm_json_add_new(struct json_object *o, const char *key,
		     struct json_object *v)
{
	return v ? ccm_json_add(o, key, v) : -1;
}

struct json_object *ccm_json_member(const struct json_object *o,
				    const char *key, enum json_type type)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, type))
		return NULL;
	return v;
}

/* SPDX-License-Identifier: ISC */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "agent/core/reachable.h"
#include "agent/util/json_add.h"

#define PORT_MAX 65535

void ccm_reachable_release(struct ccm_reachable_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].host);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

int ccm_reachable_load(struct ccm_reachable_set *s,
		       const struct json_object *snapshot)
{
	struct json_object *arr = ccm_json_member(snapshot, "reachable",
						  json_type_array);
	size_t len = arr ? json_object_array_length(arr) : 0;

	memset(s, 0, sizeof(*s));
	if (!len)
		return 0;
	s->v = calloc(len, sizeof(*s->v));
	if (!s->v)
		return -1;
	for (size_t i = 0; i < len; i++) {
		const struct json_object *e = json_object_array_get_idx(arr, i);
		struct json_object *host =
			ccm_json_member(e, "host", json_type_string);
		struct json_object *port =
			ccm_json_member(e, "port", json_type_int);
		struct json_object *fail =
			ccm_json_member(e, "failures", json_type_int);
		int64_t p = port ? json_object_get_int64(port) : 0;
		int64_t f = fail ? json_object_get_int64(fail) : -1;

		if (!host || p <= 0 || p > PORT_MAX || f < 0)
			continue;
		s->v[s->n].host = strdup(json_object_get_string(host));
		if (!s->v[s->n].host)
			return -1;
		s->v[s->n].port = (unsigned)p;
		s->v[s->n].failures = (uint64_t)f;
		s->n++;
	}
	return 0;
}

bool ccm_reachable_find(const struct ccm_reachable_set *s, const char *host,
			unsigned port, uint64_t *failures)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].port == port && !strcmp(s->v[i].host, host)) {
			*failures = s->v[i].failures;
			return true;
		}
	return false;
}

int ccm_reachable_add(struct json_object *arr, const char *host,
		      unsigned port, uint64_t failures)
{
	struct json_object *e = json_object_new_object();

	if (!e || json_object_object_add(e, "host",
					 json_object_new_string(host)) ||
	    json_object_object_add(e, "port",
				   json_object_new_int64((int64_t)port)) ||
	    json_object_object_add(e, "failures",
				   json_object_new_uint64(failures)) ||
	    json_object_array_add(arr, e)) {
		json_object_put(e);
		return -1;
	}
	return 0;
}

/* SPDX-License-Identifier: ISC */
/* The raised alarms to and from JSON (agent/core/alarm_persist.h). */
#include <errno.h>
#include <stdlib.h>

#include <json-c/json.h>

#include "agent/core/alarm_persist.h"
#include "agent/util/json_add.h"

#define SNAPSHOT_VERSION 1

/* ---- writing ------------------------------------------------------------ */

static struct json_object *entry(const struct ccm_alarm_saved *r)
{
	const char *sev = ccm_alarm_severity_name(r->severity);
	struct json_object *o = json_object_new_object();
	int err = 0;

	if (!o)
		return NULL;
	err |= ccm_json_add_new(o, "type",
			       json_object_new_string(ccm_alarm_type_info(r->type)->id));
	err |= ccm_json_add_new(o, "resource",
			       json_object_new_string(r->resource));
	err |= ccm_json_add_new(o, "id", json_object_new_int64((int64_t)r->id));
	err |= ccm_json_add_new(o, "severity", json_object_new_string(sev));
	err |= ccm_json_add_new(o, "since", json_object_new_int64(r->since));
	err |= ccm_json_add_new(o, "raised_at",
			       json_object_new_int64(r->raised_at));
	if (r->text)
		err |= ccm_json_add_new(o, "text",
				       json_object_new_string(r->text));
	err |= ccm_json_add_new(o, "flapping",
			       json_object_new_boolean(r->flapping));
	err |= ccm_json_add_new(o, "changes",
			       json_object_new_int64((int64_t)r->changes));
	err |= ccm_json_add_new(o, "phase",
			       json_object_new_int64((int64_t)r->phase));
	if (err) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static int append(void *ctx, const struct ccm_alarm_saved *r)
{
	struct json_object *o = entry(r);

	if (!o || json_object_array_add(ctx, o)) {
		json_object_put(o);
		return -1;
	}
	return 0;
}

struct json_object *ccm_alarms_snapshot(const struct ccm_alarms *as)
{
	struct json_object *o = json_object_new_object();
	struct json_object *arr = json_object_new_array();
	int err = 0;

	if (!o || !arr || ccm_alarms_each_saved(as, append, arr))
		goto fail;
	err |= ccm_json_add_new(o, "version",
			       json_object_new_int(SNAPSHOT_VERSION));
	err |= ccm_json_add_new(o, "last_id",
		   json_object_new_int64((int64_t)ccm_alarms_last_id(as)));
	err |= ccm_json_add_new(o, "alarms", arr);
	arr = NULL;
	if (err)
		goto fail;
	return o;
fail:
	json_object_put(arr);
	json_object_put(o);
	return NULL;
}

/* ---- reading ------------------------------------------------------------ */

static const char *string_of(const struct json_object *o, const char *key)
{
	struct json_object *v = ccm_json_member(o, key, json_type_string);

	return v ? json_object_get_string(v) : NULL;
}

/* An integer member: 0, or -1 (*out untouched) when it is absent or not
 * an integer. */
static int int_of(const struct json_object *o, const char *key, int64_t *out)
{
	const struct json_object *v = ccm_json_member(o, key, json_type_int);

	if (!v)
		return -1;
	*out = json_object_get_int64(v);
	return 0;
}

/* The members that may be absent. */
static int read_optional(const struct json_object *o,
			 struct ccm_alarm_saved *r)
{
	const char *sev = string_of(o, "severity");
	const struct json_object *v;
	int64_t changes = 0, phase = CCM_ALARM_PHASE_UNKNOWN;

	if (!int_of(o, "phase", &phase) &&
	    (phase < 0 || phase > CCM_ALARM_PHASE_UNKNOWN))
		return -1;
	(void)int_of(o, "changes", &changes);
	r->phase = (unsigned)phase;
	/* negative: over INT64_MAX, which ccm_alarm_saved_valid() refuses */
	r->changes = (uint64_t)changes;
	r->severity = ccm_alarm_type_info(r->type)->severity;
	if (sev)
		ccm_alarm_severity_from_name(sev, &r->severity);
	r->text = string_of(o, "text");
	v = ccm_json_member(o, "flapping", json_type_boolean);
	r->flapping = v && json_object_get_boolean(v);
	return 0;
}

/* One entry: 0, 1 for a type this version does not know (not ours to
 * judge: skipped), -1 when malformed. */
static int read_entry(const struct json_object *o, struct ccm_alarm_saved *r)
{
	const char *type;
	int64_t id;

	*r = (struct ccm_alarm_saved){ 0 };
	if (!json_object_is_type(o, json_type_object) ||
	    !(type = string_of(o, "type")))
		return -1;
	if (ccm_alarm_type_from_id(type, &r->type))
		return 1;
	if (int_of(o, "id", &id) || int_of(o, "since", &r->since) ||
	    int_of(o, "raised_at", &r->raised_at) || read_optional(o, r))
		return -1;
	/* negative: over INT64_MAX, which ccm_alarm_saved_valid() refuses */
	r->id = (uint64_t)id;
	r->resource = string_of(o, "resource");
	return ccm_alarm_saved_valid(r) ? 0 : -1;
}

void ccm_alarm_snapshot_release(struct ccm_alarm_snapshot *snap)
{
	free(snap->v);
	*snap = (struct ccm_alarm_snapshot){ 0 };
}

int ccm_alarm_snapshot_read(const struct json_object *snap,
			    struct ccm_alarm_snapshot *out)
{
	const struct json_object *arr;
	int64_t version, last_id;
	size_t len;

	*out = (struct ccm_alarm_snapshot){ 0 };
	if (!snap || !json_object_is_type(snap, json_type_object) ||
	    int_of(snap, "version", &version) ||
	    version != SNAPSHOT_VERSION ||
	    int_of(snap, "last_id", &last_id) || last_id < 0 ||
	    !(arr = ccm_json_member(snap, "alarms", json_type_array))) {
		errno = EINVAL;
		return -1;
	}
	out->last_id = (uint64_t)last_id;
	len = json_object_array_length(arr);
	if (len && !(out->v = calloc(len, sizeof(*out->v)))) {
		errno = ENOMEM;
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		int rc = read_entry(json_object_array_get_idx(arr, i),
				    &out->v[out->n]);

		if (rc < 0) {
			ccm_alarm_snapshot_release(out);
			errno = EINVAL;
			return -1;
		}
		if (rc == 0)
			out->n++;
	}
	return 0;
}

int ccm_alarms_restore(struct ccm_alarms *as,
		       const struct json_object *snapshot)
{
	struct ccm_alarm_snapshot snap;
	int rc, err;

	if (ccm_alarm_snapshot_read(snapshot, &snap))
		return -1;
	rc = ccm_alarms_load(as, snap.v, snap.n, snap.last_id);
	err = errno;
	ccm_alarm_snapshot_release(&snap);
	errno = err;
	return rc;
}

/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent/util/atomic_file.h"
#include "agent/util/safe_open.h"
#include "agent/io/state.h"

#define STATE_VERSION 1

void ccm_state_release(struct ccm_saved *st)
{
	for (size_t i = 0; i < st->nfiles; i++)
		ccm_tail_pos_release(&st->files[i]);
	free(st->files);
	json_object_put(st->alarms);
	json_object_put(st->notifications);
	memset(st, 0, sizeof(*st));
}

static bool get_u64(struct json_object *o, const char *key, uint64_t *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return false;
	*out = json_object_get_uint64(v);
	return true;
}

int ccm_state_load(const char *path, struct ccm_saved *st, char *err,
		   size_t errlen)
{
	char *text;
	size_t len;
	int code, rc;

	memset(st, 0, sizeof(*st));
	/* never through a link, never a FIFO or a device, never unbounded */
	code = ccm_read_file(path, O_RDONLY | O_NOFOLLOW, CCM_STATE_MAX_BYTES,
			     &text, &len);
	if (code == -ENOENT)
		return 0;
	if (code == -EFBIG) {
		snprintf(err, errlen, "%s: larger than %zu MiB: not a ccmon "
			 "state file", path, CCM_STATE_MAX_BYTES >> 20);
		return -1;
	}
	if (code < 0) {
		snprintf(err, errlen, "%s: %s", path, ccm_open_strerror(-code));
		return (-code & CCM_ENOTREG) ? -1 : -2;
	}
	rc = ccm_state_parse(text, len, path, st, err, errlen);
	free(text);
	return rc;
}

int ccm_state_parse(const char *text, size_t len, const char *path,
		    struct ccm_saved *st, char *err, size_t errlen)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *doc = NULL, *files, *v;
	uint64_t version;

	memset(st, 0, sizeof(*st));
	if (!tok) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -2;
	}
	if (len <= INT_MAX)
		doc = json_tokener_parse_ex(tok, text, (int)len);
	if (!doc || json_tokener_get_error(tok) != json_tokener_success) {
		enum json_tokener_error e = json_tokener_get_error(tok);

		snprintf(err, errlen, "%s: not JSON: %s", path,
			 len > INT_MAX ? "too large" :
			 e == json_tokener_continue ? "empty or cut short" :
			 json_tokener_error_desc(e));
		json_object_put(doc);
		json_tokener_free(tok);
		return -1;
	}
	json_tokener_free(tok);
	if (!get_u64(doc, "version", &version) || version != STATE_VERSION ||
	    !json_object_object_get_ex(doc, "files", &files) ||
	    !json_object_is_type(files, json_type_array)) {
		snprintf(err, errlen, "%s: not a ccmon state file (version %d)",
			 path, STATE_VERSION);
		json_object_put(doc);
		return -1;
	}
	st->files = calloc(json_object_array_length(files) + 1,
			   sizeof(*st->files));
	if (!st->files) {
		snprintf(err, errlen, "%s: out of memory", path);
		json_object_put(doc);
		return -2;
	}
	for (size_t i = 0; i < json_object_array_length(files); i++) {
		struct json_object *f = json_object_array_get_idx(files, i);
		struct ccm_tail_pos *p = &st->files[st->nfiles];
		uint64_t dev, ino, fp_len, fp_crc;

		/* a followed file's path: absolute, as the tailer wrote it
		 * ("path": null reads as present with no object) */
		if (!json_object_object_get_ex(f, "path", &v) ||
		    !json_object_is_type(v, json_type_string) ||
		    json_object_get_string(v)[0] != '/' ||
		    !get_u64(f, "dev", &dev) || !get_u64(f, "ino", &ino) ||
		    !get_u64(f, "fp_len", &fp_len) ||
		    !get_u64(f, "fp_crc", &fp_crc) ||
		    !get_u64(f, "offset", &p->offset) ||
		    !get_u64(f, "line", &p->line) || fp_len > CCM_FP_MAX) {
			snprintf(err, errlen, "%s: files[%zu] is incomplete "
				 "or malformed", path, i);
			json_object_put(doc);
			ccm_state_release(st);
			return -1;
		}
		p->path = strdup(json_object_get_string(v));
		p->dev = (dev_t)dev;
		p->ino = (ino_t)ino;
		p->fp_len = (uint32_t)fp_len;
		p->fp_crc = (uint32_t)fp_crc;
		if (p->path)
			st->nfiles++;
	}
	if (json_object_object_get_ex(doc, "alarms", &v))
		st->alarms = json_object_get(v);
	if (json_object_object_get_ex(doc, "notifications", &v))
		st->notifications = json_object_get(v);
	json_object_put(doc);
	return 1;
}

int ccm_state_save(const char *path, const struct ccm_tail_pos *files,
		   size_t nfiles, struct json_object *alarms,
		   struct json_object *notifications, char *err,
		   size_t errlen)
{
	struct json_object *doc = json_object_new_object();
	struct json_object *arr = json_object_new_array();
	char *tmp = NULL;
	const char *text;
	struct stat st;
	enum ccm_atomic_step step;
	size_t len;
	int fd = -1, rc = -1;

	json_object_object_add(doc, "version", json_object_new_int(STATE_VERSION));
	for (size_t i = 0; i < nfiles; i++) {
		struct json_object *f = json_object_new_object();
		json_object_object_add(f, "path",
				       json_object_new_string(files[i].path));
		json_object_object_add(f, "dev",
				       json_object_new_uint64(files[i].dev));
		json_object_object_add(f, "ino",
				       json_object_new_uint64(files[i].ino));
		json_object_object_add(f, "fp_len",
				       json_object_new_uint64(files[i].fp_len));
		json_object_object_add(f, "fp_crc",
				       json_object_new_uint64(files[i].fp_crc));
		json_object_object_add(f, "offset",
				       json_object_new_uint64(files[i].offset));
		json_object_object_add(f, "line",
				       json_object_new_uint64(files[i].line));
		json_object_array_add(arr, f);
	}
	json_object_object_add(doc, "files", arr);
	if (alarms)
		json_object_object_add(doc, "alarms", json_object_get(alarms));
	if (notifications)
		json_object_object_add(doc, "notifications",
				       json_object_get(notifications));
	text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN);
	len = strlen(text);

	if (asprintf(&tmp, "%s.tmp", path) < 0) {
		tmp = NULL;
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	/* A stale one (a crash) goes, and what is written is a file of our
	 * own making: whatever was planted under that name, a link included,
	 * is removed, never followed. */
	if (unlink(tmp) < 0 && errno != ENOENT) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		free(tmp);
		tmp = NULL; /* not ours: left alone */
		goto out;
	}
	/* group-readable: operators in the agent's group may read the
	 * saved alarms with 'ccmon status' while the agent is down */
	fd = ccm_open_file(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW,
			   0640, &st);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", tmp, ccm_open_strerror(-fd));
		free(tmp);
		tmp = NULL; /* not ours: left alone */
		fd = -1;
		goto out;
	}
	for (size_t off = 0; off < len;) {
		ssize_t n = write(fd, text + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "%s: %s", tmp,
				 n < 0 ? strerror(errno) : "short write");
			goto out;
		}
		off += (size_t)n;
	}
	step = ccm_atomic_replace(fd, NULL, tmp, path);
	fd = -1; /* closed there */
	if (step != CCM_ATOMIC_DONE) {
		snprintf(err, errlen, "%s: %s",
			 step == CCM_ATOMIC_RENAME ? path : tmp,
			 strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (rc && tmp)
		unlink(tmp);
	free(tmp);
	json_object_put(doc);
	return rc;
}

int ccm_state_set_aside(const char *path, time_t when, char *aside,
			size_t asidelen, char *err, size_t errlen)
{
	struct tm tm;
	char stamp[32];

	if (!gmtime_r(&when, &tm) ||
	    !strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm)) {
		snprintf(err, errlen, "%s: no time to name it by", path);
		return -1;
	}
	/* a second one in the same second is numbered, never replaces */
	for (unsigned n = 1; n <= 100; n++) {
		if (n == 1)
			snprintf(aside, asidelen, "%s.bad-%s", path, stamp);
		else
			snprintf(aside, asidelen, "%s.bad-%s-%u", path, stamp,
				 n);
		if (renameat2(AT_FDCWD, path, AT_FDCWD, aside,
			      RENAME_NOREPLACE) == 0)
			return 0;
		if (errno != EEXIST)
			break;
	}
	snprintf(err, errlen, "%s: cannot rename it to %s: %s", path, aside,
		 strerror(errno));
	return -1;
}

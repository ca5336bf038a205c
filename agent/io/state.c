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
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

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

/* ---- the journal ---------------------------------------------------------- */

/* A record: this header, the snapshot's JSON text, a newline.  The
 * sequence number orders it against the state file's "seq"; the length
 * and CRC-32 tell a whole record from one a crash cut short. */
#define REC_MAGIC "CCMSTATE1 "
#define REC_HEAD_LEN (sizeof(REC_MAGIC) - 1 + 16 + 1 + 8 + 1 + 8 + 1)

static bool hex_field(const char *p, size_t n, char end, uint64_t *out)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)p[i], d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else
			return false;
		v = v << 4 | (uint64_t)d;
	}
	*out = v;
	return p[n] == end;
}

/* The last whole record of text[0..len): its sequence number, and where
 * its snapshot is; false when there is none.  Records follow each other,
 * so the first that is not whole ends the scan (a crash's torn tail). */
static bool last_record(const char *text, size_t len, uint64_t *seq,
			size_t *off, size_t *n)
{
	const size_t m = sizeof(REC_MAGIC) - 1;
	bool found = false;
	size_t pos = 0;

	while (len - pos >= REC_HEAD_LEN) {
		const char *h = text + pos;
		uint64_t s, tlen, crc;

		if (memcmp(h, REC_MAGIC, m) ||
		    !hex_field(h + m, 16, ' ', &s) ||
		    !hex_field(h + m + 17, 8, ' ', &tlen) ||
		    !hex_field(h + m + 26, 8, '\n', &crc) ||
		    tlen >= len - pos - REC_HEAD_LEN ||
		    h[REC_HEAD_LEN + tlen] != '\n' ||
		    crc32_z(0, (const unsigned char *)h + REC_HEAD_LEN,
			    tlen) != crc)
			break;
		*seq = s;
		*off = pos + REC_HEAD_LEN;
		*n = tlen;
		found = true;
		pos += REC_HEAD_LEN + tlen + 1;
	}
	return found;
}

/* st, read from path, replaced by the journal's last snapshot when that
 * is newer.  A journal that cannot be read or holds no whole record is
 * as none: the state file is then the last state. */
static int newer_in_log(const char *path, struct ccm_saved *st, char *err,
			size_t errlen)
{
	struct ccm_saved from_log;
	char *lpath = NULL, *text = NULL;
	size_t len = 0, off = 0, n = 0;
	uint64_t seq = 0;

	if (asprintf(&lpath, "%s%s", path, CCM_STATE_LOG_SUFFIX) < 0)
		return 1;
	if (ccm_read_file(lpath, O_RDONLY | O_NOFOLLOW, CCM_STATE_LOG_MAX,
			  &text, &len) == 0 &&
	    last_record(text, len, &seq, &off, &n) &&
	    seq > st->seq &&
	    ccm_state_parse(text + off, n, lpath, &from_log, err,
			    errlen) > 0) {
		ccm_state_release(st);
		*st = from_log;
		st->seq = seq;
	}
	free(text);
	free(lpath);
	return 1;
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
	/* a journal without its file is an orphan (the file is written
	 * whole before anything is appended to it): deleting the state
	 * file starts afresh, as it did */
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
	return rc < 0 ? rc : newer_in_log(path, st, err, errlen);
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
	if (!get_u64(doc, "seq", &st->seq))
		st->seq = 0; /* written by ccm_state_save() */
	if (json_object_object_get_ex(doc, "alarms", &v))
		st->alarms = json_object_get(v);
	if (json_object_object_get_ex(doc, "notifications", &v))
		st->notifications = json_object_get(v);
	json_object_put(doc);
	return 1;
}

/* The snapshot as a document; seq 0: none (ccm_state_save()). */
static struct json_object *state_doc(const struct ccm_tail_pos *files,
				     size_t nfiles, struct json_object *alarms,
				     struct json_object *notifications,
				     uint64_t seq)
{
	struct json_object *doc = json_object_new_object();
	struct json_object *arr = json_object_new_array();

	json_object_object_add(doc, "version", json_object_new_int(STATE_VERSION));
	if (seq)
		json_object_object_add(doc, "seq", json_object_new_uint64(seq));
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
	return doc;
}

/* text[0..len) in place of path, whole or not at all. */
static int write_whole(const char *path, const char *text, size_t len,
		       char *err, size_t errlen)
{
	char *tmp = NULL;
	struct stat st;
	enum ccm_atomic_step step;
	int fd = -1, rc = -1;

	if (asprintf(&tmp, "%s.tmp", path) < 0) {
		tmp = NULL;
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	/* What is written is a file of our own making: O_EXCL never opens
	 * what was planted under that name, a link included.  A stale one
	 * (a crash) or a planted one is removed, never followed, and the
	 * open tried again; the usual case costs no unlink(2), the save
	 * being on the way of every alarm. */
	/* group-readable: operators in the agent's group may read the
	 * saved alarms with 'ccmon status' while the agent is down */
	fd = ccm_open_file(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW,
			   0640, &st);
	if (fd == -EEXIST) {
		if (unlink(tmp) < 0 && errno != ENOENT) {
			snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
			free(tmp);
			tmp = NULL; /* not ours: left alone */
			fd = -1;
			goto out;
		}
		fd = ccm_open_file(tmp, O_WRONLY | O_CREAT | O_EXCL |
				   O_NOFOLLOW, 0640, &st);
	}
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
	return rc;
}


int ccm_state_save(const char *path, const struct ccm_tail_pos *files,
		   size_t nfiles, struct json_object *alarms,
		   struct json_object *notifications, char *err,
		   size_t errlen)
{
	struct json_object *doc = state_doc(files, nfiles, alarms,
					    notifications, 0);
	const char *text = json_object_to_json_string_ext(
		doc, JSON_C_TO_STRING_PLAIN);
	int rc = write_whole(path, text, strlen(text), err, errlen);

	json_object_put(doc);
	return rc;
}

void ccm_state_log_init(struct ccm_state_log *l, uint64_t seq)
{
	l->path = NULL;
	l->fd = -1;
	l->seq = seq;
	l->bytes = 0;
}

void ccm_state_log_close(struct ccm_state_log *l)
{
	if (l->fd >= 0)
		close(l->fd);
	free(l->path);
	ccm_state_log_init(l, l->seq);
}

/* After a whole save of path: its journal emptied (what it held is older
 * than the file now), opened first when it is another path's or none.
 * One that cannot be had leaves l without: every save is then whole. */
static void log_restart(struct ccm_state_log *l, const char *path)
{
	char *lpath = NULL;
	struct stat st;

	if (l->fd >= 0 && l->path && !strcmp(l->path, path)) {
		if (ftruncate(l->fd, 0) == 0) {
			l->bytes = 0;
			return;
		}
	}
	ccm_state_log_close(l);
	if (asprintf(&lpath, "%s%s", path, CCM_STATE_LOG_SUFFIX) < 0)
		return;
	/* never through a link, as the state file */
	l->fd = ccm_open_file(lpath, O_WRONLY | O_CREAT | O_APPEND |
			      O_NOFOLLOW, 0640, &st);
	free(lpath);
	if (l->fd < 0 || ftruncate(l->fd, 0) < 0 ||
	    !(l->path = strdup(path))) {
		if (l->fd >= 0)
			close(l->fd);
		l->fd = -1;
		return;
	}
	l->bytes = 0;
}

int ccm_state_save_whole(struct ccm_state_log *l, const char *path,
			 const struct ccm_tail_pos *files, size_t nfiles,
			 struct json_object *alarms,
			 struct json_object *notifications, char *err,
			 size_t errlen)
{
	struct json_object *doc = state_doc(files, nfiles, alarms,
					    notifications, l->seq + 1);
	const char *text = json_object_to_json_string_ext(
		doc, JSON_C_TO_STRING_PLAIN);
	int rc = write_whole(path, text, strlen(text), err, errlen);

	json_object_put(doc);
	if (rc == 0) {
		l->seq++;
		log_restart(l, path);
	} else {
		/* no quick saves either while the file cannot be replaced:
		 * a failing state_dir is said, and tried, as it was */
		ccm_state_log_close(l);
	}
	return rc;
}

/* The record appended whole and made durable; -1 (nothing of it left in
 * the journal) when it could not be. */
static int append_record(struct ccm_state_log *l, const char *text,
			 size_t len, uint64_t seq)
{
	char head[REC_HEAD_LEN + 1];
	struct iovec iov[3];
	size_t total = REC_HEAD_LEN + len + 1, done = 0;

	/* len < CCM_STATE_LOG_MAX: 8 hex digits (the caller checks) */
	snprintf(head, sizeof(head), "%s%016llx %08x %08x\n", REC_MAGIC,
		 (unsigned long long)seq, (unsigned)len,
		 (unsigned)crc32_z(0, (const unsigned char *)text, len));
	iov[0] = (struct iovec){ head, REC_HEAD_LEN };
	iov[1] = (struct iovec){ (char *)text, len };
	iov[2] = (struct iovec){ "\n", 1 };
	while (done < total) {
		struct iovec rest[3];
		int n = 0;
		size_t skip = done;
		ssize_t w;

		for (int i = 0; i < 3; i++) {
			if (skip >= iov[i].iov_len) {
				skip -= iov[i].iov_len;
				continue;
			}
			rest[n].iov_base = (char *)iov[i].iov_base + skip;
			rest[n].iov_len = iov[i].iov_len - skip;
			skip = 0;
			n++;
		}
		w = writev(l->fd, rest, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		done += (size_t)w;
	}
	if (done == total && fdatasync(l->fd) == 0) {
		l->bytes += total;
		return 0;
	}
	/* a part left there would end the reading of the journal before
	 * the records that follow it */
	if (ftruncate(l->fd, (off_t)l->bytes) < 0) {
		close(l->fd);
		l->fd = -1;
	}
	return -1;
}

int ccm_state_save_quick(struct ccm_state_log *l, const char *path,
			 const struct ccm_tail_pos *files, size_t nfiles,
			 struct json_object *alarms,
			 struct json_object *notifications, char *err,
			 size_t errlen)
{
	struct json_object *doc;
	const char *text;
	size_t len;
	int rc = -1;

	if (l->fd < 0 || !l->path || strcmp(l->path, path))
		return ccm_state_save_whole(l, path, files, nfiles, alarms,
					    notifications, err, errlen);
	doc = state_doc(files, nfiles, alarms, notifications, l->seq + 1);
	text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN);
	len = strlen(text);
	if (l->bytes + REC_HEAD_LEN + len + 1 <= CCM_STATE_LOG_MAX &&
	    append_record(l, text, len, l->seq + 1) == 0) {
		l->seq++;
		rc = 0;
	}
	json_object_put(doc);
	return rc == 0 ? 0 : ccm_state_save_whole(l, path, files, nfiles,
						  alarms, notifications, err,
						  errlen);
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

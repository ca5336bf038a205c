/* SPDX-License-Identifier: ISC */
/* The state file's journal (agent/io/state.h): what was saved last is
 * what is read back, whether it went to the journal or to the file; a
 * torn record is skipped for the one before it; a journal older than
 * the file, without the file, or not a regular file, is left unread;
 * the first save of a run is whole and empties a journal a crash left. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <json-c/json.h>

#include "agent/io/state.h"

struct dir {
	char path[64];
	char state[96];
	char journal[96];
};

static int setup(void **ctx)
{
	struct dir *d = calloc(1, sizeof(*d));

	assert_non_null(d);
	strcpy(d->path, "/tmp/ccm-test-state-XXXXXX");
	assert_non_null(mkdtemp(d->path));
	snprintf(d->state, sizeof(d->state), "%s/state.json", d->path);
	snprintf(d->journal, sizeof(d->journal), "%s/state.json%s", d->path,
		 CCM_STATE_LOG_SUFFIX);
	*ctx = d;
	return 0;
}

static int teardown(void **ctx)
{
	struct dir *d = *ctx;
	char tmp[128];

	unlink(d->state);
	unlink(d->journal);
	snprintf(tmp, sizeof(tmp), "%s.tmp", d->state);
	unlink(tmp);
	rmdir(d->path);
	free(d);
	return 0;
}

/* One followed file at offset off: what tells one save from another. */
static struct ccm_tail_pos at(uint64_t off)
{
	static char path[] = "/var/log/rtr.log";

	return (struct ccm_tail_pos){ .path = path, .dev = 1, .ino = 2,
				      .offset = off, .line = off / 10 };
}

static void save(struct ccm_state_log *l, const char *state, uint64_t off,
		 bool whole)
{
	struct ccm_tail_pos p = at(off);
	char err[256];

	assert_int_equal((whole ? ccm_state_save_whole : ccm_state_save_quick)(
				 l, state, &p, 1, NULL, NULL, err,
				 sizeof(err)), 0);
}

/* The offset read back, or UINT64_MAX for no state at all. */
static uint64_t loaded(const char *state, uint64_t *seq)
{
	struct ccm_saved st;
	char err[256];
	int rc = ccm_state_load(state, &st, err, sizeof(err));
	uint64_t off;

	assert_true(rc >= 0);
	if (rc == 0)
		return UINT64_MAX;
	assert_int_equal(st.nfiles, 1);
	off = st.files[0].offset;
	if (seq)
		*seq = st.seq;
	ccm_state_release(&st);
	return off;
}

static off_t size_of(const char *path)
{
	struct stat st;

	return stat(path, &st) < 0 ? -1 : st.st_size;
}

static void quick_saves_read_back(void **ctx)
{
	struct dir *d = *ctx;
	struct ccm_state_log l;
	uint64_t seq = 0;

	ccm_state_log_init(&l, 0);
	assert_int_equal(loaded(d->state, NULL), UINT64_MAX);
	/* the first is whole, though asked quick */
	save(&l, d->state, 100, false);
	assert_int_equal(size_of(d->journal), 0);
	assert_int_equal(loaded(d->state, &seq), 100);
	assert_int_equal(seq, 1);
	save(&l, d->state, 200, false);
	save(&l, d->state, 300, false);
	assert_true(size_of(d->journal) > 0);
	assert_int_equal(loaded(d->state, &seq), 300);
	assert_int_equal(seq, 3);
	/* a whole save folds the journal into the file */
	save(&l, d->state, 400, true);
	assert_int_equal(size_of(d->journal), 0);
	assert_int_equal(loaded(d->state, &seq), 400);
	assert_int_equal(seq, 4);
	ccm_state_log_close(&l);
}

static void torn_record_is_skipped(void **ctx)
{
	struct dir *d = *ctx;
	struct ccm_state_log l;
	off_t whole_one;

	ccm_state_log_init(&l, 0);
	save(&l, d->state, 100, true);
	save(&l, d->state, 200, false);
	whole_one = size_of(d->journal);
	save(&l, d->state, 300, false);
	ccm_state_log_close(&l);
	/* a crash in the middle of the last record */
	assert_int_equal(truncate(d->journal, whole_one +
				  (size_of(d->journal) - whole_one) / 2), 0);
	assert_int_equal(loaded(d->state, NULL), 200);
	/* one byte changed in it: its CRC no longer matches */
	{
		int fd = open(d->journal, O_RDWR);
		char c;

		assert_true(fd >= 0);
		assert_int_equal(pread(fd, &c, 1, whole_one - 5), 1);
		c ^= 1;
		assert_int_equal(pwrite(fd, &c, 1, whole_one - 5), 1);
		close(fd);
	}
	assert_int_equal(loaded(d->state, NULL), 100);
}

static void next_run_starts_whole(void **ctx)
{
	struct dir *d = *ctx;
	struct ccm_state_log l;
	uint64_t seq = 0;

	ccm_state_log_init(&l, 0);
	save(&l, d->state, 100, true);
	save(&l, d->state, 200, false);
	ccm_state_log_close(&l); /* a crash: the journal holds the last */
	assert_int_equal(loaded(d->state, &seq), 200);
	assert_int_equal(seq, 2);
	ccm_state_log_init(&l, seq);
	save(&l, d->state, 250, false);
	assert_int_equal(size_of(d->journal), 0);
	assert_int_equal(loaded(d->state, &seq), 250);
	assert_int_equal(seq, 3);
	ccm_state_log_close(&l);
}

static void copy_file(const char *from, const char *to)
{
	char buf[4096];
	int in = open(from, O_RDONLY), out;
	ssize_t n;

	assert_true(in >= 0);
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(out >= 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		assert_int_equal(write(out, buf, (size_t)n), n);
	assert_int_equal(n, 0);
	close(in);
	close(out);
}

static void older_journal_is_not_read(void **ctx)
{
	struct dir *d = *ctx;
	struct ccm_state_log l;
	char keep[128];

	snprintf(keep, sizeof(keep), "%s.keep", d->journal);
	ccm_state_log_init(&l, 0);
	save(&l, d->state, 100, true);
	save(&l, d->state, 200, false);
	/* a crash between a whole save's rename and its emptying of the
	 * journal: the journal still holds the older record */
	copy_file(d->journal, keep);
	save(&l, d->state, 300, true);
	ccm_state_log_close(&l);
	assert_int_equal(rename(keep, d->journal), 0);
	assert_true(size_of(d->journal) > 0);
	assert_int_equal(loaded(d->state, NULL), 300);
}

static void journal_alone(void **ctx)
{
	struct dir *d = *ctx;
	struct ccm_state_log l;

	ccm_state_log_init(&l, 0);
	save(&l, d->state, 100, true);
	save(&l, d->state, 200, false);
	ccm_state_log_close(&l);
	assert_int_equal(loaded(d->state, NULL), 200);
	/* the state file deleted: a fresh start, whatever the journal holds */
	assert_int_equal(unlink(d->state), 0);
	assert_int_equal(loaded(d->state, NULL), UINT64_MAX);
}

static void link_as_journal_is_not_followed(void **ctx)
{
	struct dir *d = *ctx;
	struct ccm_state_log l;
	char victim[128];
	int fd;

	snprintf(victim, sizeof(victim), "%s/victim", d->path);
	fd = open(victim, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "keep", 4), 4);
	close(fd);
	assert_int_equal(symlink(victim, d->journal), 0);
	ccm_state_log_init(&l, 0);
	/* no journal to be had: every save whole, and still read back */
	save(&l, d->state, 100, false);
	save(&l, d->state, 200, false);
	assert_int_equal(l.fd, -1);
	ccm_state_log_close(&l);
	assert_int_equal(size_of(victim), 4);
	assert_int_equal(loaded(d->state, NULL), 200);
	unlink(victim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(quick_saves_read_back, setup,
						teardown),
		cmocka_unit_test_setup_teardown(torn_record_is_skipped, setup,
						teardown),
		cmocka_unit_test_setup_teardown(next_run_starts_whole, setup,
						teardown),
		cmocka_unit_test_setup_teardown(older_journal_is_not_read,
						setup, teardown),
		cmocka_unit_test_setup_teardown(journal_alone, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			link_as_journal_is_not_followed, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

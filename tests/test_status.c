/* SPDX-License-Identifier: ISC */
/* Unit tests for the status document (agent/io/status_json.c), the status
 * socket (agent/io/status_server.c) and `ccmon status` (agent/cli/status.c).
 *
 * The document is built from a real engine fed router messages, real
 * alarms and real probe figures, and compared whole: every field is part
 * of the interface.  The socket is driven by one sd-event loop with the
 * clients in the same process, except where the client under test blocks
 * (ccm_status_fetch, ccm_status_main): there a forked child serves. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <json-c/json.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "agent/core/alarm_persist.h"
#include "agent/io/status_server.h"
#include "tests/unit_helpers.h"

#define R "\xef\xbf\xbd" /* U+FFFD */

#define T0 INT64_C(1793693400000) /* 2026-11-03T08:10:00.000 */
#define COMP1 "op-cs1.imp1-example-com"
#define COMP2 "op-cs2.imp1-example-com"
#define OTHER "op-legacy.imp1-example-com"
#define HOST1 "10.53.52.205"

/* ---- a scratch directory ------------------------------------------------- */

static char *scratch(void)
{
	char tmpl[] = "/tmp/test_status.XXXXXX";
	char *d = mkdtemp(tmpl);

	assert_non_null(d);
	d = strdup(d);
	assert_non_null(d);
	return d;
}

static char *join(const char *dir, const char *name)
{
	char *p;

	assert_true(asprintf(&p, "%s/%s", dir, name) > 0);
	return p;
}

static void rm_rf(const char *dir)
{
	char *cmd;

	assert_true(asprintf(&cmd, "rm -rf '%s'", dir) > 0);
	/* NOLINTNEXTLINE(cert-env33-c): our own mkdtemp() directory, quoted */
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

/* ---- the parts of an agent ----------------------------------------------- */

struct agent {
	struct ccm_engine *engine;
	struct ccm_alarms *alarms;
	unsigned raised;
	struct ccm_server servers[2];
	struct ccm_config config;
	struct ccm_probe_stats cs1;
	struct ccm_tail_stats tail;
};

static void count_raised(void *ctx, const struct ccm_alarm_decision *d)
{
	struct agent *a = ctx;

	if (d->state == CCM_ALARM_RAISED)
		a->raised++;
}

static const struct ccm_probe_stats *probe_of(void *ctx, const char *server)
{
	struct agent *a = ctx;

	return !strcmp(server, "cs1") ? &a->cs1 : NULL;
}

/* cs1 went ACTIVE then GONE with its connects refused since, and raised
 * component-down; events waited on it three times, once long before the
 * latency window (5m) that ends at the document's time, T0 + 6 s; cs2 is
 * configured but not in the log yet; a third component is in the log but
 * not configured. */
static void agent_init(struct agent *a)
{
	struct ccm_alarm_policy pol;

	memset(a, 0, sizeof(*a));
	a->engine = ccm_engine_new(NULL, NULL, NULL);
	assert_non_null(a->engine);
	ccm_alarm_policy_default(&pol);
	pol.raise_hold = 0;
	a->alarms = ccm_alarms_new(&pol, count_raised, a);
	assert_non_null(a->alarms);

	feed_wait(a->engine, T0 - 400000, COMP1, 2000);
	feed_connect(a->engine, T0, HOST1, 7999, 0);
	feed_state(a->engine, T0 + 10, COMP1, CCM_STATE_CONNECTED);
	feed_state(a->engine, T0 + 20, COMP1, CCM_STATE_ACTIVE);
	feed_state(a->engine, T0 + 30, OTHER, CCM_STATE_ACTIVE);
	feed_state(a->engine, T0 + 5000, COMP1, CCM_STATE_GONE);
	feed_connect(a->engine, T0 + 5100, HOST1, 7999, 0);
	feed_connect(a->engine, T0 + 5101, HOST1, 7999, 111);
	feed_wait(a->engine, T0 + 5200, COMP1, 30000);
	feed_wait(a->engine, T0 + 5300, COMP1, 1000);
	assert_int_equal(ccm_alarms_set(a->alarms, CCM_ALARM_COMPONENT_DOWN,
					COMP1, true, T0 + 5000,
					"Component " COMP1 " is GONE"),
			 0);
	ccm_alarms_advance(a->alarms, T0 + 6000);
	assert_int_equal(a->raised, 1);

	two_servers(&a->config, a->servers, "/etc/ccmon/ccmon.conf", HOST1,
		    COMP1, COMP2);
	ccm_probe_stats_init(&a->cs1);
	probe_report(&a->cs1, CCM_PROBE_OK, 412, 1500);
	probe_report(&a->cs1, CCM_PROBE_OK, 380, -1);
	probe_report(&a->cs1, CCM_PROBE_REFUSED, -1, -1);
	a->tail = (struct ccm_tail_stats){
		.lines = 120, .recognized = 7, .bad_time = 1, .overlong = 0,
		.bytes = 9000, .files_open = 1, .rotations = 2,
	};
}

static void agent_release(struct agent *a)
{
	ccm_alarms_free(a->alarms);
	ccm_engine_free(a->engine);
}

static char *agent_doc(struct agent *a)
{
	char *doc = ccm_status_json_build(a->engine, a->alarms, probe_of, a,
					  &a->config, &a->tail, T0 + 6000);

	assert_non_null(doc);
	return doc;
}

/* ---- the document -------------------------------------------------------- */

/* The connect latencies 0.380 and 0.412 ms: both in every cumulative
 * bucket from <= 1 ms on. */
#define HIST_TWO_UNDER_1MS                                                  \
	"{\"le_ms\":1,\"count\":2},"                                        \
	"{\"le_ms\":2,\"count\":2},{\"le_ms\":4,\"count\":2},"              \
	"{\"le_ms\":8,\"count\":2},{\"le_ms\":16,\"count\":2},"             \
	"{\"le_ms\":32,\"count\":2},{\"le_ms\":64,\"count\":2},"            \
	"{\"le_ms\":128,\"count\":2},{\"le_ms\":256,\"count\":2},"          \
	"{\"le_ms\":512,\"count\":2},{\"le_ms\":1024,\"count\":2},"         \
	"{\"le_ms\":2048,\"count\":2},{\"le_ms\":4096,\"count\":2},"        \
	"{\"le_ms\":null,\"count\":2}"

#define QUEUE_NONE                                                          \
	"\"queue\":{\"waits\":0,\"mean_ms\":null,\"p50_ms\":null,"          \
	"\"p95_ms\":null,\"p99_ms\":null,\"max_ms\":null,\"total\":0}"

static const char expected_doc[] =
	"{\"schema\":\"ccmon.status/2\","
	"\"agent\":{\"version\":\"" PACKAGE_STRING "\","
	"\"now\":\"2026-11-03T08:10:06.000\","
	"\"config\":\"/etc/ccmon/ccmon.conf\",\"lines\":120,\"recognized\":7,"
	"\"bad_time\":1,\"overlong\":0,\"files_open\":1,\"rotations\":2,"
	"\"replaying\":null,"
	"\"latency_window_s\":300,\"names_cleaned\":0,\"untracked\":0},"
	"\"components\":["
	"{\"name\":\"" COMP1 "\",\"server\":\"cs1\",\"state\":\"gone\","
	"\"transitions\":3,\"last_change\":\"2026-11-03T08:10:05.000\","
	"\"incident\":{\"id\":1,\"start\":\"2026-11-03T08:10:05.000\","
	"\"cause\":\"refused\"},"
	"\"endpoint\":\"10.53.52.205:7999\","
	"\"probe\":{\"result\":\"refused\",\"probes\":3,"
	"\"results\":{\"ok\":2,\"refused\":1,\"timeout\":0,\"unreachable\":0,"
	"\"error\":0},"
	"\"last_ms\":0.380,\"min_ms\":0.380,\"mean_ms\":0.396,"
	"\"max_ms\":0.412,\"first_byte_ms\":1.500,"
	"\"histogram\":[" HIST_TWO_UNDER_1MS "]},"
	"\"queue\":{\"waits\":2,\"mean_ms\":15500,\"p50_ms\":1000,"
	"\"p95_ms\":30000,\"p99_ms\":30000,\"max_ms\":30000,\"total\":3}},"
	"{\"name\":\"" COMP2 "\",\"server\":\"cs2\",\"state\":\"unknown\","
	"\"transitions\":0,\"last_change\":null,\"incident\":null,"
	"\"endpoint\":\"cs2.example.com:7400\",\"probe\":null," QUEUE_NONE "},"
	"{\"name\":\"" OTHER "\",\"server\":null,\"state\":\"active\","
	"\"transitions\":1,\"last_change\":\"2026-11-03T08:10:00.030\","
	"\"incident\":null,\"endpoint\":null,\"probe\":null," QUEUE_NONE "}],"
	"\"alarms\":[{\"id\":1,\"type\":\"component-down\","
	"\"resource\":\"" COMP1 "\",\"severity\":\"critical\","
	"\"since\":\"2026-11-03T08:10:05.000\","
	"\"raised_at\":\"2026-11-03T08:10:05.000\",\"flapping\":false,"
	"\"changes\":1,\"condition\":true,"
	"\"text\":\"Component " COMP1 " is GONE\"}]}\n";

static void test_document(void **state)
{
	struct agent a;
	char *doc;

	(void)state;
	agent_init(&a);
	doc = agent_doc(&a);
	assert_string_equal(doc, expected_doc);
	free(doc);
	agent_release(&a);
}

/* The earliest moment: no engine, alarms, configuration nor logs yet. */
static void test_document_empty(void **state)
{
	char *doc = ccm_status_json_build(NULL, NULL, NULL, NULL, NULL, NULL,
					  T0);

	(void)state;
	assert_non_null(doc);
	assert_string_equal(doc,
		"{\"schema\":\"ccmon.status/2\",\"agent\":{\"version\":\""
		PACKAGE_STRING "\",\"now\":\"2026-11-03T08:10:00.000\","
		"\"config\":null,\"lines\":null,\"recognized\":null,"
		"\"bad_time\":null,\"overlong\":null,\"files_open\":null,"
		"\"rotations\":null,\"replaying\":null,\"latency_window_s\":null,"
		"\"names_cleaned\":null,\"untracked\":null},"
		"\"components\":[],\"alarms\":[]}\n");
	free(doc);
}

/* A component the log spells in another case is the configured one (the
 * router's names ignore case), and a probe never run shows as such. */
static void test_document_case_and_no_probe(void **state)
{
	struct ccm_engine *e = ccm_engine_new(NULL, NULL, NULL);
	struct ccm_server srv = { .name = "cs1", .host = "fe80::1",
				  .port = 7999, .component = COMP1 };
	struct ccm_config cfg = { .path = "/c", .servers = &srv,
				  .nservers = 1 };
	struct json_object *doc, *comps, *c, *v;
	char *text;

	(void)state;
	assert_non_null(e);
	feed_state(e, T0, "OP-CS1.imp1-example-com", CCM_STATE_CONNECTED);
	text = ccm_status_json_build(e, NULL, NULL, NULL, &cfg, NULL, T0);
	assert_non_null(text);
	doc = json_tokener_parse(text);
	assert_non_null(doc);
	assert_true(json_object_object_get_ex(doc, "components", &comps));
	assert_int_equal(json_object_array_length(comps), 1);
	c = json_object_array_get_idx(comps, 0);
	assert_true(json_object_object_get_ex(c, "server", &v));
	assert_string_equal(json_object_get_string(v), "cs1");
	assert_true(json_object_object_get_ex(c, "state", &v));
	assert_string_equal(json_object_get_string(v), "connected");
	json_object_put(doc);
	free(text);
	ccm_engine_free(e);

	/* unseen, IPv6 endpoint, probe figures without a probe yet */
	e = ccm_engine_new(NULL, NULL, NULL);
	text = ccm_status_json_build(e, NULL, NULL, NULL, &cfg, NULL, T0);
	assert_non_null(strstr(text, "\"endpoint\":\"[fe80::1]:7999\""));
	free(text);
	ccm_engine_free(e);
}

static const struct ccm_probe_stats *no_probes_yet(void *ctx,
						   const char *server)
{
	(void)server;
	return ctx;
}

static void test_document_probe_not_run(void **state)
{
	struct ccm_server srv = { .name = "cs1", .host = HOST1,
				  .port = 7999, .component = COMP1 };
	struct ccm_config cfg = { .path = "/c", .servers = &srv,
				  .nservers = 1 };
	struct ccm_probe_stats st;
	char *text;

	(void)state;
	ccm_probe_stats_init(&st);
	text = ccm_status_json_build(NULL, NULL, no_probes_yet, &st, &cfg,
				     NULL, T0);
	assert_non_null(text);
	assert_non_null(strstr(text,
		"\"probe\":{\"result\":null,\"probes\":0,\"results\":{"
		"\"ok\":0,\"refused\":0,\"timeout\":0,\"unreachable\":0,"
		"\"error\":0},\"last_ms\":null,\"min_ms\":null,"
		"\"mean_ms\":null,\"max_ms\":null,\"first_byte_ms\":null,"
		"\"histogram\":[{\"le_ms\":1,\"count\":0},"));
	free(text);
}

/* ---- the human form ------------------------------------------------------ */

static const char expected_text[] =
	"ccmond (" PACKAGE_STRING ") at 2026-11-03T08:10:06.000, "
	"configuration /etc/ccmon/ccmon.conf: files open: 1, lines read: 120, "
	"recognized: 7, rotations: 2\n"
	"\n"
	"COMPONENT                   SERVER  STATE    TRANSITIONS  "
	"LAST-CHANGE              PROBE last/mean ms\n"
	"op-cs1.imp1-example-com     cs1     gone               3  "
	"2026-11-03T08:10:05.000  refused 0.380/0.396\n"
	"op-cs2.imp1-example-com     cs2     unknown            0  "
	"-                        -\n"
	"op-legacy.imp1-example-com  -       active             1  "
	"2026-11-03T08:10:00.030  -\n"
	"\n"
	"Queue waits (ms) in the last 5m, and in all:\n"
	"COMPONENT                WAITS   MEAN   P50    P95    P99    MAX  "
	"TOTAL\n"
	"op-cs1.imp1-example-com      2  15500  1000  30000  30000  30000  "
	"    3\n"
	"\n"
	"SEVERITY  TYPE            RESOURCE                 SINCE        "
	"            TEXT\n"
	"CRITICAL  component-down  op-cs1.imp1-example-com  "
	"2026-11-03T08:10:05.000  Component op-cs1.imp1-example-com is "
	"GONE\n";

static char *print_to_string(const struct json_object *doc, int *rc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	*rc = ccm_status_print_text(doc, f);
	assert_int_equal(fclose(f), 0);
	return buf;
}

/* The histogram is cumulative (doc/status-json.md): connects of 0.5 ms,
 * 3 ms, 3.5 ms and 9 s are 1 up to 1 ms and 2 ms, 3 from 4 ms to 4096 ms,
 * and all 4 in the last bucket, which has no bound. */
static void test_document_histogram_cumulative(void **state)
{
	struct ccm_server srv = { .name = "cs1", .host = HOST1,
				  .port = 7999, .component = COMP1 };
	struct ccm_config cfg = { .path = "/c", .servers = &srv,
				  .nservers = 1 };
	struct ccm_probe_stats st;
	char *text;

	(void)state;
	ccm_probe_stats_init(&st);
	probe_report(&st, CCM_PROBE_OK, 500, -1);
	probe_report(&st, CCM_PROBE_OK, 3000, -1);
	probe_report(&st, CCM_PROBE_OK, 3500, -1);
	probe_report(&st, CCM_PROBE_OK, 9000000, -1);
	text = ccm_status_json_build(NULL, NULL, no_probes_yet, &st, &cfg,
				     NULL, T0);
	assert_non_null(text);
	assert_non_null(strstr(text,
		"\"histogram\":[{\"le_ms\":1,\"count\":1},"
		"{\"le_ms\":2,\"count\":1},{\"le_ms\":4,\"count\":3},"
		"{\"le_ms\":8,\"count\":3},{\"le_ms\":16,\"count\":3},"
		"{\"le_ms\":32,\"count\":3},{\"le_ms\":64,\"count\":3},"
		"{\"le_ms\":128,\"count\":3},{\"le_ms\":256,\"count\":3},"
		"{\"le_ms\":512,\"count\":3},{\"le_ms\":1024,\"count\":3},"
		"{\"le_ms\":2048,\"count\":3},{\"le_ms\":4096,\"count\":3},"
		"{\"le_ms\":null,\"count\":4}]"));
	free(text);
}

static void test_text(void **state)
{
	struct json_object *doc = json_tokener_parse(expected_doc);
	char *text;
	int rc;

	(void)state;
	assert_non_null(doc);
	text = print_to_string(doc, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(text, expected_text);
	free(text);
	json_object_put(doc);

	/* control characters from a log never reach the terminal: each
	 * shows as U+FFFD, one column wide */
	doc = json_tokener_parse(
		"{\"schema\":\"ccmon.status/2\",\"agent\":{\"version\":\"v\","
		"\"now\":\"n\",\"config\":\"c\",\"lines\":null},"
		"\"components\":[{\"name\":\"op-\\u001b[2Jx\",\"server\":null,"
		"\"state\":\"active\",\"transitions\":1,\"last_change\":null,"
		"\"probe\":{\"result\":null,\"probes\":0}},"
		"{\"name\":\"op-\\u202e\\u009b\xff\",\"server\":null,"
		"\"state\":\"gone\",\"transitions\":1,\"last_change\":null,"
		"\"probe\":null}],"
		"\"alarms\":[]}");
	assert_non_null(doc);
	text = print_to_string(doc, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(text,
		"ccmond (v) at n, configuration c: logs not open yet\n\n"
		"COMPONENT  SERVER  STATE   TRANSITIONS  LAST-CHANGE  "
		"PROBE last/mean ms\n"
		"op-" R "[2Jx   -       active            1  -            "
		"no probe yet\n"
		"op-" R R R "     -       gone              1  -            "
		"-\n\n"
		"No active alarms.\n");
	free(text);
	json_object_put(doc);

	doc = json_tokener_parse("{\"schema\":\"other/1\"}");
	text = print_to_string(doc, &rc);
	assert_int_equal(rc, -1);
	free(text);
	json_object_put(doc);
}

/* ---- the server, clients in the same loop -------------------------------- */

struct builder {
	char *text;
	unsigned calls;
};

static char *build(void *ctx)
{
	struct builder *b = ctx;

	b->calls++;
	return strdup(b->text);
}

static char *big_text(size_t n)
{
	char *t = malloc(n + 1);

	assert_non_null(t);
	for (size_t i = 0; i < n; i++)
		t[i] = (char)('a' + i % 26);
	t[n - 1] = '\n';
	t[n] = '\0';
	return t;
}

struct reader {
	int fd;
	char *buf;
	size_t len, cap;
	bool eof;
	int err;
};

static void reader_connect(struct reader *r, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	memset(r, 0, sizeof(*r));
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	r->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		       0);
	assert_true(r->fd >= 0);
	assert_int_equal(connect(r->fd, (struct sockaddr *)&sa, sizeof(sa)),
			 0);
}

/* Reads what there is; true at end of file (or error). */
static bool reader_poll(struct reader *r)
{
	while (!r->eof) {
		ssize_t n;

		if (r->cap - r->len < 65536) {
			r->cap = r->cap ? r->cap * 2 : 131072;
			r->buf = realloc(r->buf, r->cap);
			assert_non_null(r->buf);
		}
		n = read(r->fd, r->buf + r->len, r->cap - r->len - 1);
		if (n > 0) {
			r->len += (size_t)n;
		} else if (n == 0) {
			r->eof = true;
		} else if (errno == EAGAIN) {
			break;
		} else if (errno != EINTR) {
			r->err = errno;
			r->eof = true;
		}
	}
	if (r->buf)
		r->buf[r->len] = '\0';
	return r->eof;
}

static void reader_release(struct reader *r)
{
	close(r->fd);
	free(r->buf);
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Runs the loop, letting the readers in rs read, until every one of them
 * is at end of file; returns false if that takes over limit_ms. */
static bool serve_readers(sd_event *loop, struct reader *rs, size_t n,
			  int64_t limit_ms)
{
	int64_t end = mono_ms() + limit_ms;

	while (mono_ms() < end) {
		bool all = true;

		assert_true(sd_event_run(loop, 5000) >= 0);
		for (size_t i = 0; i < n; i++)
			all = reader_poll(&rs[i]) && all;
		if (all)
			return true;
	}
	return false;
}

struct fixture {
	char *dir, *path;
	sd_event *loop;
	struct builder b;
	struct ccm_status_server *srv;
};

static void fixture_init(struct fixture *f, char *text)
{
	char err[256] = "";

	memset(f, 0, sizeof(*f));
	f->dir = scratch();
	f->path = join(f->dir, CCM_STATUS_SOCKET);
	assert_int_equal(sd_event_new(&f->loop), 0);
	f->b.text = text;
	f->srv = ccm_status_server_new(f->loop, f->path, build, &f->b, err,
				       sizeof(err));
	if (!f->srv)
		fail_msg("ccm_status_server_new: %s", err);
}

static void fixture_release(struct fixture *f)
{
	ccm_status_server_free(f->srv);
	sd_event_unref(f->loop);
	free(f->b.text);
	rm_rf(f->dir);
	free(f->path);
	free(f->dir);
}

static void test_server_one(void **state)
{
	struct fixture f;
	struct reader r;
	struct ccm_status_server_stats st;
	struct agent a;
	struct stat sb;

	(void)state;
	agent_init(&a);
	fixture_init(&f, agent_doc(&a));
	assert_int_equal(lstat(f.path, &sb), 0);
	assert_true(S_ISSOCK(sb.st_mode));
	assert_int_equal(sb.st_mode & 07777, CCM_STATUS_MODE);

	reader_connect(&r, f.path);
	assert_true(serve_readers(f.loop, &r, 1, 2000));
	assert_int_equal(r.err, 0);
	assert_int_equal(r.len, strlen(expected_doc));
	assert_string_equal(r.buf, expected_doc);
	assert_int_equal(f.b.calls, 1);
	ccm_status_server_stats(f.srv, &st);
	assert_int_equal(st.clients, 0);
	assert_int_equal(st.served, 1);
	assert_int_equal(st.dropped, 0);
	reader_release(&r);

	/* a client that says something first still gets its answer whole */
	reader_connect(&r, f.path);
	assert_int_equal(write(r.fd, "status\n", 7), 7);
	assert_true(serve_readers(f.loop, &r, 1, 2000));
	assert_int_equal(r.err, 0);
	assert_string_equal(r.buf, expected_doc);
	reader_release(&r);

	/* gone with the server */
	ccm_status_server_free(f.srv);
	f.srv = NULL;
	assert_int_equal(lstat(f.path, &sb), -1);
	assert_int_equal(errno, ENOENT);
	fixture_release(&f);
	agent_release(&a);
}

static void test_server_many(void **state)
{
	enum { N = 40 };
	struct fixture f;
	struct reader rs[N];
	struct ccm_status_server_stats st;

	(void)state;
	fixture_init(&f, big_text(20000));
	for (size_t i = 0; i < N; i++)
		reader_connect(&rs[i], f.path);
	assert_true(serve_readers(f.loop, rs, N, 5000));
	for (size_t i = 0; i < N; i++) {
		assert_int_equal(rs[i].err, 0);
		assert_int_equal(rs[i].len, 20000);
		assert_memory_equal(rs[i].buf, f.b.text, 20000);
		reader_release(&rs[i]);
	}
	assert_int_equal(f.b.calls, N);
	ccm_status_server_stats(f.srv, &st);
	assert_int_equal(st.served, N);
	assert_int_equal(st.dropped, 0);
	assert_int_equal(st.clients, 0);
	fixture_release(&f);
}

/* More clients than the limit, all at once, with answers too big for the
 * socket buffer: the limit's worth are served, the rest are turned away at
 * once with an empty answer (ask again) rather than left waiting in the
 * backlog behind clients that may never read. */
static void test_server_limit(void **state)
{
	enum { N = 12, LIMIT = 3, SIZE = 1 << 20 };
	struct fixture f;
	struct reader rs[N];
	struct ccm_status_server_stats st;
	unsigned most = 0, whole = 0, empty = 0;
	int64_t end;

	(void)state;
	fixture_init(&f, big_text(SIZE));
	ccm_status_server_set_limits(f.srv, LIMIT, 0);
	for (size_t i = 0; i < N; i++)
		reader_connect(&rs[i], f.path);
	end = mono_ms() + 10000;
	for (;;) {
		bool all = true;

		assert_true(mono_ms() < end);
		assert_true(sd_event_run(f.loop, 5000) >= 0);
		ccm_status_server_stats(f.srv, &st);
		if (st.clients > most)
			most = st.clients;
		for (size_t i = 0; i < N; i++)
			all = reader_poll(&rs[i]) && all;
		if (all)
			break;
	}
	assert_int_equal(most, LIMIT);
	for (size_t i = 0; i < N; i++) {
		whole += rs[i].len == SIZE;
		empty += rs[i].len == 0;
		reader_release(&rs[i]);
	}
	assert_int_equal(whole, LIMIT);
	assert_int_equal(empty, N - LIMIT);
	assert_int_equal(f.b.calls, LIMIT); /* no document for the others */
	ccm_status_server_stats(f.srv, &st);
	assert_int_equal(st.served, LIMIT);
	assert_int_equal(st.turned_away, N - LIMIT);
	fixture_release(&f);
}

/* A client that never reads holds no one up, and is dropped after the
 * timeout (1 s here: time enough for the quick one on a loaded machine). */
static void test_server_slow_client(void **state)
{
	enum { SIZE = 4 << 20 };
	struct fixture f;
	struct reader slow, quick;
	struct ccm_status_server_stats st;
	int64_t start, quick_done = -1;
	uint64_t dropped_then = 0;

	(void)state;
	fixture_init(&f, big_text(SIZE));
	/* the slow one's deadline far beyond what the quick one needs, even
	 * on a loaded machine: which comes first is not left to the clock */
	ccm_status_server_set_limits(f.srv, 0, 5000000);
	start = mono_ms();
	reader_connect(&slow, f.path);
	assert_true(sd_event_run(f.loop, 100000) >= 0);
	ccm_status_server_stats(f.srv, &st);
	assert_int_equal(st.clients, 1); /* stuck on a full socket buffer */

	reader_connect(&quick, f.path);
	for (;;) {
		assert_true(mono_ms() - start < 120000);
		assert_true(sd_event_run(f.loop, 5000) >= 0);
		ccm_status_server_stats(f.srv, &st);
		if (quick_done < 0 && reader_poll(&quick)) {
			quick_done = mono_ms() - start;
			dropped_then = st.dropped;
		}
		if (st.dropped == 1 && quick_done >= 0)
			break;
	}
	/* the quick one finished while the slow one was still there */
	assert_int_equal(dropped_then, 0);
	assert_int_equal(quick.len, SIZE);
	assert_int_equal(quick.err, 0);
	assert_true(mono_ms() - start >= 4990);
	assert_int_equal(st.clients, 0);
	assert_int_equal(st.served, 1);

	/* the slow one gets a cut answer, then the end */
	while (!reader_poll(&slow))
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	assert_true(slow.len < SIZE);
	reader_release(&slow);
	reader_release(&quick);
	fixture_release(&f);
}

static void test_server_path(void **state)
{
	char *dir = scratch();
	char *path = join(dir, "s.sock");
	char *file = join(dir, "file");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ccm_status_server *s1, *s2;
	struct builder b = { .text = "x\n" };
	char err[512] = "", longp[200];
	sd_event *loop;
	int fd;

	(void)state;
	assert_int_equal(sd_event_new(&loop), 0);

	/* a socket a dead agent left is replaced */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	s1 = ccm_status_server_new(loop, path, build, &b, err, sizeof(err));
	assert_non_null(s1);

	/* one where an agent answers is not */
	s2 = ccm_status_server_new(loop, path, build, &b, err, sizeof(err));
	assert_null(s2);
	assert_non_null(strstr(err, "another ccmond is running"));
	ccm_status_server_free(s1);

	/* nor is what is not a socket */
	fd = open(file, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	s2 = ccm_status_server_new(loop, file, build, &b, err, sizeof(err));
	assert_null(s2);
	assert_non_null(strstr(err, "is not a socket"));
	assert_int_equal(access(file, F_OK), 0);

	memset(longp, 'x', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	s2 = ccm_status_server_new(loop, longp, build, &b, err, sizeof(err));
	assert_null(s2);
	assert_non_null(strstr(err, "path too long"));

	s2 = ccm_status_server_new(loop, "/nonexistent/dir/s.sock", build, &b,
				   err, sizeof(err));
	assert_null(s2);
	assert_non_null(strstr(err, "No such file or directory"));

	sd_event_unref(loop);
	rm_rf(dir);
	free(path);
	free(file);
	free(dir);
}

/* An answer that cannot be built: the client gets nothing. */
static char *build_nothing(void *ctx)
{
	(void)ctx;
	return NULL;
}

static void test_server_build_fails(void **state)
{
	char *dir = scratch(), *path = join(dir, "s.sock");
	char err[256];
	struct ccm_status_server *s;
	struct ccm_status_server_stats st;
	struct reader r;
	sd_event *loop;

	(void)state;
	assert_int_equal(sd_event_new(&loop), 0);
	s = ccm_status_server_new(loop, path, build_nothing, NULL, err,
				  sizeof(err));
	assert_non_null(s);
	reader_connect(&r, path);
	assert_true(serve_readers(loop, &r, 1, 2000));
	assert_int_equal(r.len, 0);
	ccm_status_server_stats(s, &st);
	assert_int_equal(st.dropped, 1);
	reader_release(&r);
	ccm_status_server_free(s);
	sd_event_unref(loop);
	rm_rf(dir);
	free(path);
	free(dir);
}

/* ---- the blocking client against a forked server ------------------------- */

/* Serves text for `answers` clients in a child, then the child exits.
 * Returns once the socket listens. */
static pid_t spawn_server(const char *path, const char *text,
			  unsigned answers)
{
	int p[2];
	pid_t pid;
	char c;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct builder b = { .text = (char *)text };
		struct ccm_status_server_stats st = { 0 };
		struct ccm_status_server *s;
		sd_event *loop;
		char err[256];
		int64_t end = mono_ms() + 10000;

		close(p[0]);
		if (sd_event_new(&loop) < 0)
			_exit(10);
		s = ccm_status_server_new(loop, path, build, &b, err,
					  sizeof(err));
		if (!s)
			_exit(11);
		if (write(p[1], "r", 1) != 1)
			_exit(12);
		close(p[1]);
		while (st.served + st.dropped < answers && mono_ms() < end) {
			sd_event_run(loop, 50000);
			ccm_status_server_stats(s, &st);
		}
		ccm_status_server_free(s);
		sd_event_unref(loop);
		_exit(st.served == answers ? 0 : 13);
	}
	close(p[1]);
	assert_int_equal(read(p[0], &c, 1), 1);
	close(p[0]);
	return pid;
}

static void reap(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_fetch(void **state)
{
	char *dir = scratch(), *path = join(dir, CCM_STATUS_SOCKET);
	char *big = big_text(3 << 20);
	char *out;
	size_t len;
	pid_t pid;

	(void)state;
	pid = spawn_server(path, expected_doc, 1);
	assert_int_equal(ccm_status_fetch(path, 5000, &out, &len), 0);
	assert_int_equal(len, strlen(expected_doc));
	assert_string_equal(out, expected_doc);
	free(out);
	reap(pid);

	/* bigger than any socket buffer */
	pid = spawn_server(path, big, 1);
	assert_int_equal(ccm_status_fetch(path, 5000, &out, &len), 0);
	assert_int_equal(len, 3 << 20);
	assert_memory_equal(out, big, len);
	free(out);
	reap(pid);
	free(big);
	rm_rf(dir);
	free(path);
	free(dir);
}

static void test_fetch_errors(void **state)
{
	char *dir = scratch(), *path = join(dir, CCM_STATUS_SOCKET);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *out = (char *)1;
	size_t len = 1;
	int fd;
	int64_t t;

	(void)state;
	assert_int_equal(ccm_status_fetch(path, 1000, &out, &len), -ENOENT);
	assert_null(out);
	assert_int_equal(len, 0);

	/* the file of a dead agent's socket */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	assert_int_equal(ccm_status_fetch(path, 1000, &out, &len),
			 -ECONNREFUSED);
	unlink(path);

	/* an agent that accepts (the backlog does) but never answers */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0);
	t = mono_ms();
	assert_int_equal(ccm_status_fetch(path, 200, &out, &len), -ETIMEDOUT);
	t = mono_ms() - t;
	assert_true(t >= 190 && t < 2000);
	close(fd);
	rm_rf(dir);
	free(path);
	free(dir);
}

/* ---- ccmon status -------------------------------------------------------- */

static char *write_config(const char *dir)
{
	char *conf = join(dir, "ccmon.conf");
	FILE *f = fopen(conf, "w");

	assert_non_null(f);
	fprintf(f, "[agent]\nlog = /nonexistent/rtr-jsm-1_*.log\n"
		"node = imp1.example.com\nstate_dir = %s/state\n"
		"runtime_dir = %s/run\n\n[server cs1]\nhost = " HOST1 "\n"
		"port = 7999\n", dir, dir);
	assert_int_equal(fclose(f), 0);
	return conf;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Runs ccm_status_main with stdout and stderr into files. */
static int run_status(const char *dir, char **out, char **err,
		      const char *a1, const char *a2, const char *a3)
{
	char *argv[5] = { "status", (char *)a1, (char *)a2, (char *)a3, NULL };
	char *of = join(dir, "stdout"), *ef = join(dir, "stderr");
	int argc = 1, so, se, fo, fe, rc;

	while (argc < 4 && argv[argc])
		argc++;
	fflush(stdout);
	fflush(stderr);
	so = dup(1);
	se = dup(2);
	fo = open(of, O_CREAT | O_TRUNC | O_WRONLY, 0600);
	fe = open(ef, O_CREAT | O_TRUNC | O_WRONLY, 0600);
	assert_true(so >= 0 && se >= 0 && fo >= 0 && fe >= 0);
	dup2(fo, 1);
	dup2(fe, 2);
	rc = ccm_status_main(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(so, 1);
	dup2(se, 2);
	close(so);
	close(se);
	close(fo);
	close(fe);
	*out = slurp(of);
	*err = slurp(ef);
	free(of);
	free(ef);
	return rc;
}

static void test_main_running(void **state)
{
	char *dir = scratch(), *conf = write_config(dir);
	char *run = join(dir, "run"), *sock = join(run, CCM_STATUS_SOCKET);
	char *out, *err;
	pid_t pid;

	(void)state;
	assert_int_equal(mkdir(run, 0750), 0);
	pid = spawn_server(sock, expected_doc, 2);
	assert_int_equal(run_status(dir, &out, &err, "-c", conf, "--json"), 0);
	assert_string_equal(out, expected_doc);
	assert_string_equal(err, "");
	free(out);
	free(err);
	assert_int_equal(run_status(dir, &out, &err, "--config", conf, NULL),
			 0);
	assert_string_equal(out, expected_text);
	assert_string_equal(err, "");
	free(out);
	free(err);
	reap(pid);

	/* an answer that is not a status document */
	pid = spawn_server(sock, "{\"schema\":\"x\"}\n", 1);
	assert_int_equal(run_status(dir, &out, &err, "-c", conf, "--json"), 1);
	assert_string_equal(out, "");
	assert_non_null(strstr(err, "not a status document (unknown schema)"));
	free(out);
	free(err);
	reap(pid);

	rm_rf(dir);
	free(sock);
	free(run);
	free(conf);
	free(dir);
}

static void test_main_not_running(void **state)
{
	char *dir = scratch(), *conf = write_config(dir);
	char *sdir = join(dir, "state"), *spath = join(sdir, "state.json");
	char *out, *err, msg[512];
	struct ccm_alarm_policy pol;
	struct ccm_alarms *as;
	struct json_object *snap;

	(void)state;
	/* no state either */
	assert_int_equal(run_status(dir, &out, &err, "-c", conf, NULL), 3);
	snprintf(msg, sizeof(msg), "ccmon status: ccmond is not running (no "
		 "status socket at %s/run/ccmond.sock)\n", dir);
	assert_true(strncmp(err, msg, strlen(msg)) == 0);
	assert_non_null(strstr(err, "no saved state either"));
	assert_string_equal(out, "");
	free(out);
	free(err);

	/* the alarms the last run saved */
	assert_int_equal(mkdir(sdir, 0750), 0);
	ccm_alarm_policy_default(&pol);
	pol.raise_hold = 0;
	as = ccm_alarms_new(&pol, NULL, NULL);
	assert_non_null(as);
	assert_int_equal(ccm_alarms_set(as, CCM_ALARM_PROBE_FAILING, "cs1",
					true, T0, "connection refused"), 0);
	ccm_alarms_advance(as, T0 + 1);
	/* as agent/io/state.c writes it */
	snap = json_object_new_object();
	json_object_object_add(snap, "version", json_object_new_int(1));
	json_object_object_add(snap, "files", json_object_new_array());
	json_object_object_add(snap, "alarms", ccm_alarms_snapshot(as));
	assert_int_equal(json_object_to_file(spath, snap), 0);
	json_object_put(snap);
	ccm_alarms_free(as);

	assert_int_equal(run_status(dir, &out, &err, "-c", conf, NULL), 3);
	assert_true(strncmp(err, msg, strlen(msg)) == 0);
	snprintf(msg, sizeof(msg), "Not a live view: ccmond does not answer."
		 " The alarms raised when it last saved its state (%s, ",
		 spath);
	assert_true(strncmp(out, msg, strlen(msg)) == 0);
	assert_non_null(strstr(out,
		"SEVERITY  TYPE           RESOURCE  SINCE                    "
		"TEXT\n"
		"MAJOR     probe-failing  cs1       2026-11-03T08:10:00.000  "
		"connection refused\n"));
	free(out);
	free(err);

	assert_int_equal(run_status(dir, &out, &err, "-c", conf, "--json"), 3);
	assert_non_null(strstr(out, "{\"schema\":\"ccmon.status/2\","
				    "\"agent\":null,\"saved\":{\"file\":\""));
	assert_non_null(strstr(out,
		"\"components\":[],\"alarms\":[{\"id\":1,"
		"\"type\":\"probe-failing\",\"resource\":\"cs1\","
		"\"severity\":\"major\",\"since\":\"2026-11-03T08:10:00.000\","
		"\"raised_at\":\"2026-11-03T08:10:00.000\",\"flapping\":false,"
		"\"changes\":1,\"condition\":null,"
		"\"text\":\"connection refused\"}]}\n"));
	free(out);
	free(err);

	rm_rf(dir);
	free(spath);
	free(sdir);
	free(conf);
	free(dir);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) < 0, 0);
	assert_int_equal(fclose(f), 0);
}

/* The saved alarms are read as ccmond restores them: a type this version
 * does not know is left out, a malformed list is said and shows none. */
static void test_main_saved_alarms_as_restored(void **state)
{
	char *dir = scratch(), *conf = write_config(dir);
	char *sdir = join(dir, "state"), *spath = join(sdir, "state.json");
	char *out, *err, msg[512];

	(void)state;
	assert_int_equal(mkdir(sdir, 0750), 0);
	write_file(spath, "{\"version\":1,\"files\":[],\"alarms\":{"
		   "\"version\":1,\"last_id\":2,\"alarms\":["
		   "{\"type\":\"from-a-newer-ccmond\",\"resource\":\"x\","
		   "\"id\":1,\"since\":0,\"raised_at\":0},"
		   "{\"type\":\"log-silent\",\"resource\":\"/l\",\"id\":2,"
		   "\"since\":1793693400000,\"raised_at\":1793693400000}]}}");
	assert_int_equal(run_status(dir, &out, &err, "-c", conf, "--json"), 3);
	assert_non_null(strstr(out,
		"\"components\":[],\"alarms\":[{\"id\":2,"
		"\"type\":\"log-silent\",\"resource\":\"/l\","
		"\"severity\":\"minor\",\"since\":\"2026-11-03T08:10:00.000\","
		"\"raised_at\":\"2026-11-03T08:10:00.000\",\"flapping\":false,"
		"\"changes\":0,\"condition\":null,\"text\":null}]}\n"));
	free(out);
	free(err);

	write_file(spath, "{\"version\":1,\"files\":[],\"alarms\":{"
		   "\"version\":1,\"last_id\":0,\"alarms\":["
		   "{\"type\":\"log-silent\"}]}}");
	assert_int_equal(run_status(dir, &out, &err, "-c", conf, NULL), 3);
	snprintf(msg, sizeof(msg), "ccmon status: %s: the saved alarms "
		 "cannot be read (%s)\n", spath, strerror(EINVAL));
	assert_non_null(strstr(err, msg));
	assert_non_null(strstr(out, "Not a live view"));
	assert_non_null(strstr(out, "\nNo active alarms.\n"));
	free(out);
	free(err);

	rm_rf(dir);
	free(spath);
	free(sdir);
	free(conf);
	free(dir);
}

static void test_main_usage(void **state)
{
	char *dir = scratch(), *conf = join(dir, "missing.conf");
	char *out, *err;

	(void)state;
	assert_int_equal(run_status(dir, &out, &err, "--bogus", NULL, NULL),
			 2);
	assert_non_null(strstr(err, "unknown or incomplete option"));
	free(out);
	free(err);
	assert_int_equal(run_status(dir, &out, &err, "extra", NULL, NULL), 2);
	free(out);
	free(err);
	assert_int_equal(run_status(dir, &out, &err, "--help", NULL, NULL), 0);
	assert_non_null(strstr(out, "usage: ccmon status"));
	free(out);
	free(err);
	assert_int_equal(run_status(dir, &out, &err, "-c", conf, NULL), 1);
	assert_non_null(strstr(err, "unusable configuration"));
	free(out);
	free(err);
	rm_rf(dir);
	free(conf);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_document),
		cmocka_unit_test(test_document_empty),
		cmocka_unit_test(test_document_case_and_no_probe),
		cmocka_unit_test(test_document_probe_not_run),
		cmocka_unit_test(test_document_histogram_cumulative),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_server_one),
		cmocka_unit_test(test_server_many),
		cmocka_unit_test(test_server_limit),
		cmocka_unit_test(test_server_slow_client),
		cmocka_unit_test(test_server_path),
		cmocka_unit_test(test_server_build_fails),
		cmocka_unit_test(test_fetch),
		cmocka_unit_test(test_fetch_errors),
		cmocka_unit_test(test_main_running),
		cmocka_unit_test(test_main_not_running),
		cmocka_unit_test(test_main_saved_alarms_as_restored),
		cmocka_unit_test(test_main_usage),
	};

	/* a reader gone early must not kill the test */
	signal(SIGPIPE, SIG_IGN);
	/* times are civil times: no zone may shift what the tests expect */
	setenv("TZ", "UTC", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: ISC */
/* Fuzz target: the SNMP view's GET and GETNEXT over arbitrary OIDs
 * (agent/snmp/view.c, CCMON-MIB as values, no net-snmp).
 *
 * Built once per process: the parts of a running agent, as
 * tests/test_snmp_view.c builds them: an engine fed component, connect and
 * queue messages (names in two cases, one of exactly the largest key, one too
 * long, one with UTF-8, incidents open), alarms with two raised (ids 1 and
 * 3: id 2 was cleared; one text past 255 bytes, one of 1024 cut inside
 * UTF-8; id 2's clear kept in the cleared-alarms ring the history table
 * serves), a configuration loaded from a file (three servers, a profile),
 * probe figures and tail counters.  Five sources are made of these parts:
 * all of them; engine and alarms only; configuration and figures only;
 * none (an agent still starting); all, with alarms restored from a
 * snapshot instead (id 7 twice, 2^32 - 1 and 2^32, times at the bounds).
 * For each, every instance and its value is listed once by walking the
 * view with GETNEXT from the empty OID.
 *
 * Input: byte 0: flags: bit 0 puts the CCMON root
 * (1.3.6.1.4.1.8072.9999.9999.42) in front of the OID, bits 1-3 pick the
 * source (modulo 5).  Then each 4 bytes, little-endian, are one sub-id (a
 * shorter tail is ignored), the whole at most 128 (CCM_SNMP_OID_MAX).
 *
 * Per input a view is built, GET and GETNEXT are asked about the OID and
 * the view is freed.  Oracles, each failing with __builtin_trap():
 * - GET finds exactly the listed instances, with the listed value; what it
 *   does not find is noSuchInstance only under a column or scalar of the
 *   root, else noSuchObject;
 * - GETNEXT answers the first listed instance greater than the OID, with
 *   its value: strictly greater (lexicographic), at most 128 sub-ids, and
 *   a GET of it finds the same value (type, num, len, octets);
 * - every value is well formed (its type's range, octets within bounds).
 * And at start: the walk of each source is strictly increasing and has
 * the instances the source makes (14 scalars, 22 columns per component
 * row, 11 per raised alarm, 10 per impact scope, 10 per cleared alarm). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "agent/core/alarm.h"
#include "agent/core/alarm_persist.h"
#include "agent/core/cleared_alarms.h"
#include "agent/core/engine.h"
#include "agent/core/probe_stats.h"
#include "agent/snmp/mib.h"
#include "agent/snmp/view.h"
#include "parsers/config.h"
#include "tests/fuzz/fuzz_common.h"

#define TRAP_IF(cond)                                                         \
	do {                                                                  \
		if (cond) {                                                   \
			fprintf(stderr, "fuzz check failed: %s:%d: %s\n",     \
				__FILE__, __LINE__, #cond);                   \
			__builtin_trap();                                     \
		}                                                             \
	} while (0)

#define NSOURCES 5
#define MAX_INSTANCES 256

static const uint32_t root[] = { CCM_MIB_ROOT };

struct instance {
	uint32_t oid[CCM_SNMP_OID_MAX];
	size_t len;
	struct ccm_snmp_value value;
};

struct listing {
	struct ccm_snmp_source src;
	struct instance *v;
	size_t n;
};

static struct listing lists[NSOURCES];

/* The agent's parts, alive for the whole process. */
static struct ccm_engine *engine;
static struct ccm_alarms *alarms, *big_alarms;
static struct ccm_cleared_alarms cleared;
static struct ccm_config *config;
static struct ccm_probe_stats cs1_probe, cs3_probe;
static struct ccm_tail_stats tail;
/* two scopes: the cluster's, a node's with IM blocked */
static struct ccm_impact impacts[2];

/* 2026-11-25T13:05:07.890 */
static const ccm_ms T0 = INT64_C(1795611907890);

static const struct ccm_probe_stats *probe_of(void *ctx, const char *server)
{
	(void)ctx;
	if (!strcmp(server, "cs1"))
		return &cs1_probe;
	if (!strcmp(server, "cs3"))
		return &cs3_probe;
	return NULL;
}

static int oid_cmp(const uint32_t *a, size_t an, const uint32_t *b, size_t bn)
{
	for (size_t i = 0; i < an && i < bn; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return an < bn ? -1 : an > bn;
}

static bool value_equal(const struct ccm_snmp_value *a,
			const struct ccm_snmp_value *b)
{
	return a->type == b->type && a->num == b->num && a->len == b->len &&
	       a->len <= CCM_SNMP_OCTETS_MAX &&
	       !memcmp(a->octets, b->octets, a->len);
}

static void check_value(const struct ccm_snmp_value *v)
{
	switch (v->type) {
	case CCM_SNMP_OCTETS:
		TRAP_IF(v->num != 0);
		TRAP_IF(v->len > CCM_SNMP_OCTETS_MAX);
		return;
	case CCM_SNMP_INTEGER:
		TRAP_IF(v->num > INT32_MAX);
		break;
	case CCM_SNMP_COUNTER32:
	case CCM_SNMP_GAUGE32:
	case CCM_SNMP_TIMETICKS:
		TRAP_IF(v->num > UINT32_MAX);
		break;
	case CCM_SNMP_COUNTER64:
		break;
	default:
		TRAP_IF(1); /* not a type */
	}
	TRAP_IF(v->len != 0);
}

/* ---- the agent, once ----------------------------------------------------- */

static void feed_state(ccm_ms t, const char *name, enum ccm_state state)
{
	struct ccm_logmsg m = {
		.kind = CCM_MSG_COMPONENT_STATE,
		.component = { name, strlen(name) },
		.state = state,
	};

	FUZZ_CHECK(ccm_engine_feed(engine, t, &m, NULL) == 0, "feed");
}

/* A wait of the router's queue on name that ended at t. */
static void feed_wait(ccm_ms t, const char *name, ccm_ms wait)
{
	struct ccm_logmsg m = {
		.kind = CCM_MSG_QUEUE_WAITED,
		.component = { name, strlen(name) },
		.wait = wait,
	};

	FUZZ_CHECK(ccm_engine_feed(engine, t, &m, NULL) == 0, "feed");
}

static void feed_connect(ccm_ms t, const char *host, unsigned port, int err)
{
	static const char reason[] = "Connection refused";
	struct ccm_logmsg m = {
		.kind = err ? CCM_MSG_CONNECT_FAILED : CCM_MSG_CONNECTING,
		.host = { host, strlen(host) },
		.port = port,
		.fd = 22,
		.err = err,
		.reason = { reason, strlen(reason) },
	};

	FUZZ_CHECK(ccm_engine_feed(engine, t, &m, NULL) == 0, "feed");
}

static void probe_report(struct ccm_probe_stats *st,
			 enum ccm_probe_result result, int64_t connect_us)
{
	struct ccm_probe_report r = {
		.result = result,
		.connected = connect_us >= 0,
		.connect_us = connect_us,
	};

	ccm_probe_stats_add(st, &r);
}

static const char conf_text[] =
	"[agent]\n"
	"log = /var/log/active/epas/trace/xcp/log/rtr-jsm-1_*.log\n"
	"node = imp1.example.com\n"
	"\n"
	"[server cs1]\n"
	"host = 10.53.52.205\n"
	"port = 7999\n"
	"component = op-CS1.imp1\n"
	"probe = tcp\n"
	"\n"
	"[server cs2]\n"
	"host = cs2.example.com\n"
	"port = 7400\n"
	"probe = none\n"
	"\n"
	"[server cs3]\n"
	"host = 10.53.52.207\n"
	"port = 7999\n"
	"profile = Async\n"
	"probe = stream\n"
	"\n"
	"[profile Async]\n"
	"jsm = es_IN:message:pass:fire-and-forget, "
	"es_OUT:message:pass:fire-and-forget\n";

static void load_config(void)
{
	struct ccm_findings f;
	char path[64];
	int fd = fuzz_memfd("ccmon-fuzz-snmp-conf", path);

	fuzz_memfd_set(fd, conf_text, sizeof(conf_text) - 1);
	ccm_findings_init(&f);
	if (ccm_config_load(path, &config, &f) != 0)
		ccm_findings_print(&f, stderr);
	FUZZ_CHECK(config != NULL && f.errors == 0, "the configuration");
	ccm_findings_release(&f);
	close(fd);
}

static void keep_cleared(void *ctx, const struct ccm_alarm_decision *d)
{
	FUZZ_CHECK(ccm_cleared_alarms_add(ctx, d) == 0, "cleared_alarms_add");
}

static void build_agent(void)
{
	const ccm_ms t = T0;
	struct ccm_alarm_policy pol;
	char key_max[CCM_MIB_COMP_KEY_MAX + 1], too_long[CCM_MIB_COMP_KEY_MAX + 2];
	char resource[301], text[1101];

	load_config();
	engine = ccm_engine_new(NULL, NULL, NULL);
	FUZZ_CHECK(engine != NULL, "engine");
	for (size_t i = 0; i < config->nservers; i++)
		FUZZ_CHECK(ccm_engine_bind(engine, config->servers[i].component,
					   config->servers[i].host,
					   config->servers[i].port) == 0,
			   "bind");

	memset(key_max, 'k', sizeof(key_max) - 1);
	key_max[sizeof(key_max) - 1] = '\0';
	memset(too_long, 'l', sizeof(too_long) - 1);
	too_long[sizeof(too_long) - 1] = '\0';

	feed_connect(t, "10.53.52.205", 7999, 0);
	feed_state(t + 10, "op-cs1.imp1", CCM_STATE_CONNECTED);
	feed_state(t + 20, "op-cs1.imp1", CCM_STATE_ACTIVE);
	feed_state(t + 30, "zz.x", CCM_STATE_ACTIVE);
	feed_state(t + 40, key_max, CCM_STATE_ACTIVE);
	feed_state(t + 50, too_long, CCM_STATE_ACTIVE);
	feed_state(t + 60, "OP-\xc3\x9cnic\xc3\xb6" "de.IMP1", CCM_STATE_ACTIVE);
	feed_state(t + 70, "op-cs2.IMP1-example-com", CCM_STATE_ACTIVE);
	feed_connect(t + 80, "10.53.52.207", 7999, 111);
	feed_connect(t + 90, "10.53.52.207", 7999, 111);
	feed_state(t + 100, "op-cs3.imp1-example-com", CCM_STATE_CONNECTED);
	feed_state(t + 5000, "op-cs1.imp1", CCM_STATE_GONE);
	/* queue waits, one past Unsigned32's milliseconds */
	feed_wait(t + 5100, "op-cs1.imp1", 30000);
	feed_wait(t + 5200, "op-cs1.imp1", INT64_C(0x100000000));
	feed_wait(t + 5300, "zz.x", 0);
	/* past the auth timeout of cs3's component */
	ccm_engine_advance(engine, t + 20000);

	ccm_alarm_policy_default(&pol);
	pol.raise_hold = 0;
	pol.clear_hold = 0;
	ccm_cleared_alarms_init(&cleared, 4);
	alarms = ccm_alarms_new(&pol, keep_cleared, &cleared);
	FUZZ_CHECK(alarms != NULL, "alarms");
	/* a resource past 255 bytes with UTF-8 across the cut */
	memset(resource, 'r', sizeof(resource) - 1);
	resource[0] = '/';
	memcpy(resource + 253, "\xc3\xa9\xc3\xa9", 4);
	resource[sizeof(resource) - 1] = '\0';
	/* a text past 1024 bytes: stored cut before 1024, not inside UTF-8 */
	for (size_t i = 0; i + 1 < sizeof(text); i += 2)
		memcpy(text + i, i % 6 ? "\xc3\xa9" : "t ", 2);
	text[sizeof(text) - 1] = '\0';
	FUZZ_CHECK(!ccm_alarms_set(alarms, CCM_ALARM_COMPONENT_DOWN,
				   "op-cs1.imp1", true, t + 5000,
				   "Component op-cs1.imp1 is GONE") &&
		   !ccm_alarms_set(alarms, CCM_ALARM_LOG_SILENT, resource, true,
				   t + 5500, NULL) &&
		   !ccm_alarms_set(alarms, CCM_ALARM_PROBE_FAILING, resource,
				   true, t + 6000, text) &&
		   !ccm_alarms_set(alarms, CCM_ALARM_LOG_SILENT, resource,
				   false, t + 6500, "lines again"),
		   "alarms_set");
	ccm_alarms_advance(alarms, t + 7000);
	FUZZ_CHECK(ccm_alarms_count_active(alarms) == 2, "two raised");
	FUZZ_CHECK(ccm_cleared_alarms_get(&cleared, 0) != NULL &&
		   ccm_cleared_alarms_get(&cleared, 1) == NULL, "one cleared");

	ccm_probe_stats_init(&cs1_probe);
	probe_report(&cs1_probe, CCM_PROBE_OK, 412);
	probe_report(&cs1_probe, CCM_PROBE_OK, 380);
	probe_report(&cs1_probe, CCM_PROBE_REFUSED, -1);
	ccm_probe_stats_init(&cs3_probe);
	probe_report(&cs3_probe, CCM_PROBE_TIMEOUT, -1);

	tail = (struct ccm_tail_stats){
		.lines = 120, .recognized = 7, .bad_time = 2, .overlong = 3,
		.bytes = 9000, .files_open = 1,
		.have_last_time = true, .last_time = t + 6000,
	};

	impacts[0].scope = "cluster";
	impacts[1].scope = "IMP1.example.com";
	impacts[1].classes[CCM_CLASS_MESSAGE] = (struct ccm_class_impact){
		.reach = CCM_REACH_ALL, .since = t, .queueing = true,
		.queue_until = t + 300000, .worst_delay = 30000,
	};
	impacts[1].logging_lost = true;
	impacts[1].logging_lost_since = t;
	snprintf(impacts[1].servers, sizeof(impacts[1].servers), "cs1");

	lists[0].src = (struct ccm_snmp_source){
		.engine = engine, .alarms = alarms, .config = config,
		.probe = probe_of, .tail = &tail,
		.impacts = impacts, .nimpacts = 2, .cleared = &cleared,
		/* past 2^32: TimeTicks and Counter32 wrap */
		.uptime_cs = UINT64_C(0x100001234),
		.queued = 4, .dropped = UINT64_C(0x100000005), .sent = 6,
	};
	lists[1].src = (struct ccm_snmp_source){
		.engine = engine, .alarms = alarms,
	};
	lists[2].src = (struct ccm_snmp_source){
		.config = config, .probe = probe_of, .tail = &tail,
		.queued = UINT64_C(0x100000000),
	};
	/* lists[3]: nothing yet */

	/* restored from a snapshot: ids at and past 2^32 - 1 (the last
	 * the index can carry), and one id twice */
	big_alarms = ccm_alarms_new(NULL, NULL, NULL);
	FUZZ_CHECK(big_alarms != NULL, "alarms");
	{
		struct json_object *snap = json_tokener_parse(
			"{\"version\":1,\"last_id\":4294967296,\"alarms\":["
			"{\"type\":\"component-down\",\"resource\":\"zz.x\","
			"\"id\":7,\"since\":0,\"raised_at\":0},"
			"{\"type\":\"auth-failure\",\"resource\":\"zz.x\","
			"\"id\":7,\"since\":-1,\"raised_at\":-1,"
			"\"severity\":\"warning\",\"flapping\":true},"
			"{\"type\":\"log-unreadable\",\"resource\":\"/l\","
			"\"id\":4294967295,\"since\":9007199254740992,"
			"\"raised_at\":-9007199254740992,\"text\":\"\"},"
			"{\"type\":\"probe-failing\",\"resource\":\"cs3\","
			"\"id\":4294967296,\"since\":1,\"raised_at\":1}]}");

		FUZZ_CHECK(snap != NULL, "snapshot");
		FUZZ_CHECK(ccm_alarms_restore(big_alarms, snap) == 4,
			   "restore");
		json_object_put(snap);
	}
	lists[4].src = lists[0].src;
	lists[4].src.alarms = big_alarms;
}

/* Every instance of a source, by GETNEXT from the empty OID. */
static void list_instances(struct listing *l)
{
	struct ccm_snmp_view *view = ccm_snmp_view_new(&l->src);
	uint32_t cur[CCM_SNMP_OID_MAX];
	size_t curlen = 0;

	FUZZ_CHECK(view != NULL, "view");
	l->v = calloc(MAX_INSTANCES, sizeof(*l->v));
	FUZZ_CHECK(l->v != NULL, "out of memory");
	for (;;) {
		struct instance *in = &l->v[l->n];
		struct ccm_snmp_value g;

		FUZZ_CHECK(l->n < MAX_INSTANCES, "too many instances");
		memset(&in->value, 0xA5, sizeof(in->value));
		if (!ccm_snmp_view_next(view, cur, curlen, in->oid, &in->len,
					&in->value))
			break;
		FUZZ_CHECK(in->len >= 1 && in->len <= CCM_SNMP_OID_MAX,
			   "length %zu", in->len);
		FUZZ_CHECK(oid_cmp(in->oid, in->len, cur, curlen) > 0,
			   "walk not increasing at %zu", l->n);
		check_value(&in->value);
		memset(&g, 0x5A, sizeof(g));
		FUZZ_CHECK(ccm_snmp_view_get(view, in->oid, in->len, &g) ==
			   CCM_SNMP_FOUND && value_equal(&g, &in->value),
			   "GET of instance %zu", l->n);
		memcpy(cur, in->oid, in->len * sizeof(*cur));
		curlen = in->len;
		l->n++;
	}
	ccm_snmp_view_free(view);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* instances per source: 14 scalars, 22 columns per row, 11 per
	 * alarm, 10 per scope of the impact table (sources 0 and 4: two),
	 * 10 per cleared alarm (sources 0 and 4: one).
	 * Rows of all parts: zz.x, op-cs1.imp1 (configured op-CS1.imp1),
	 * op-cs2 (configured, logged in upper case), op-cs3 (configured),
	 * the Unicode one, the 96-byte one; the 97-byte one has none.
	 * Engine only: the same six.  Configuration only: the three
	 * servers. */
	static const size_t want[NSOURCES] = {
		14 + 22 * 6 + 11 * 2 + 10 * 2 + 10,
		14 + 22 * 6 + 11 * 2,
		14 + 22 * 3,
		14,
		/* ids 7 (once) and 2^32 - 1; 2^32 has no row */
		14 + 22 * 6 + 11 * 2 + 10 * 2 + 10,
	};

	(void)argc;
	(void)argv;
	build_agent();
	for (size_t i = 0; i < NSOURCES; i++) {
		list_instances(&lists[i]);
		FUZZ_CHECK(lists[i].n == want[i],
			   "source %zu: %zu instances, want %zu", i,
			   lists[i].n, want[i]);
	}
	return 0;
}

/* ---- one OID ------------------------------------------------------------- */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t oid[CCM_SNMP_OID_MAX], next[CCM_SNMP_OID_MAX];
	struct ccm_snmp_value v, nv, g;
	const struct listing *l;
	struct ccm_snmp_view *view;
	enum ccm_snmp_found found;
	size_t len = 0, k, next_len = 0;
	bool exact, have;

	if (size < 1)
		return 0;
	l = &lists[((data[0] >> 1) & 7) % NSOURCES];
	if (data[0] & 1) {
		memcpy(oid, root, sizeof(root));
		len = CCM_MIB_ROOT_LEN;
	}
	for (size_t i = 1; i + 4 <= size && len < CCM_SNMP_OID_MAX; i += 4)
		oid[len++] = (uint32_t)fuzz_le(data + i, 4);

	/* the first listed instance >= oid */
	for (k = 0; k < l->n; k++)
		if (oid_cmp(l->v[k].oid, l->v[k].len, oid, len) >= 0)
			break;
	exact = k < l->n && !oid_cmp(l->v[k].oid, l->v[k].len, oid, len);

	view = ccm_snmp_view_new(&l->src);
	TRAP_IF(view == NULL);

	memset(&v, 0xA5, sizeof(v));
	found = ccm_snmp_view_get(view, oid, len, &v);
	if (exact) {
		TRAP_IF(found != CCM_SNMP_FOUND);
		check_value(&v);
		TRAP_IF(!value_equal(&v, &l->v[k].value));
	} else {
		TRAP_IF(found != CCM_SNMP_NO_SUCH_OBJECT &&
			found != CCM_SNMP_NO_SUCH_INSTANCE);
		/* noSuchInstance: under ROOT.1.{1,2,3,5,6}.x */
		TRAP_IF(found == CCM_SNMP_NO_SUCH_INSTANCE &&
			(len < CCM_MIB_ROOT_LEN + 3 ||
			 oid_cmp(oid, CCM_MIB_ROOT_LEN, root,
				 CCM_MIB_ROOT_LEN) ||
			 oid[CCM_MIB_ROOT_LEN] != CCM_MIB_OBJECTS ||
			 oid[CCM_MIB_ROOT_LEN + 1] < CCM_MIB_AGENT ||
			 oid[CCM_MIB_ROOT_LEN + 1] > CCM_MIB_HISTORY_TABLE ||
			 oid[CCM_MIB_ROOT_LEN + 1] == CCM_MIB_NOTIFY_OBJECTS));
		/* every scalar has its instance: ROOT.1.1.s.x is one only
		 * for x = 0, and then it was found */
		TRAP_IF(found == CCM_SNMP_NO_SUCH_OBJECT &&
			len >= CCM_MIB_ROOT_LEN + 3 &&
			!oid_cmp(oid, CCM_MIB_ROOT_LEN, root,
				 CCM_MIB_ROOT_LEN) &&
			oid[CCM_MIB_ROOT_LEN] == CCM_MIB_OBJECTS &&
			oid[CCM_MIB_ROOT_LEN + 1] == CCM_MIB_AGENT &&
			oid[CCM_MIB_ROOT_LEN + 2] >= 1 &&
			oid[CCM_MIB_ROOT_LEN + 2] <= CCM_MIB_AGENT_LAST);
		/* nor is any column under its table entry ROOT.1.t.1.c */
		TRAP_IF(found == CCM_SNMP_NO_SUCH_OBJECT &&
			len >= CCM_MIB_ROOT_LEN + 4 &&
			!oid_cmp(oid, CCM_MIB_ROOT_LEN, root,
				 CCM_MIB_ROOT_LEN) &&
			oid[CCM_MIB_ROOT_LEN] == CCM_MIB_OBJECTS &&
			oid[CCM_MIB_ROOT_LEN + 2] == 1 &&
			((oid[CCM_MIB_ROOT_LEN + 1] == CCM_MIB_COMPONENT_TABLE &&
			  oid[CCM_MIB_ROOT_LEN + 3] > CCM_MIB_COMP_KEY &&
			  oid[CCM_MIB_ROOT_LEN + 3] <= CCM_MIB_COMP_LAST) ||
			 (oid[CCM_MIB_ROOT_LEN + 1] == CCM_MIB_ALARM_TABLE &&
			  oid[CCM_MIB_ROOT_LEN + 3] > CCM_MIB_ALARM_ID &&
			  oid[CCM_MIB_ROOT_LEN + 3] <= CCM_MIB_ALARM_LAST) ||
			 (oid[CCM_MIB_ROOT_LEN + 1] == CCM_MIB_IMPACT_TABLE &&
			  oid[CCM_MIB_ROOT_LEN + 3] > CCM_MIB_IMPACT_SCOPE &&
			  oid[CCM_MIB_ROOT_LEN + 3] <= CCM_MIB_IMPACT_LAST) ||
			 (oid[CCM_MIB_ROOT_LEN + 1] == CCM_MIB_HISTORY_TABLE &&
			  oid[CCM_MIB_ROOT_LEN + 3] > CCM_MIB_HISTORY_ID &&
			  oid[CCM_MIB_ROOT_LEN + 3] <= CCM_MIB_HISTORY_LAST)));
	}

	if (exact)
		k++;
	memset(&nv, 0x5A, sizeof(nv));
	have = ccm_snmp_view_next(view, oid, len, next, &next_len, &nv);
	TRAP_IF(have != (k < l->n));
	if (have) {
		TRAP_IF(next_len < 1 || next_len > CCM_SNMP_OID_MAX);
		TRAP_IF(oid_cmp(next, next_len, oid, len) <= 0);
		TRAP_IF(oid_cmp(next, next_len, l->v[k].oid, l->v[k].len));
		check_value(&nv);
		TRAP_IF(!value_equal(&nv, &l->v[k].value));
		memset(&g, 0xC3, sizeof(g));
		TRAP_IF(ccm_snmp_view_get(view, next, next_len, &g) !=
			CCM_SNMP_FOUND);
		TRAP_IF(!value_equal(&g, &nv));
	}
	ccm_snmp_view_free(view);
	return 0;
}

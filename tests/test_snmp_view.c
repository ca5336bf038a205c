/* SPDX-License-Identifier: ISC */
/* Unit tests for agent/snmp/view.c: CCMON-MIB (mibs/CCMON-MIB.txt) as
 * values, without net-snmp.
 *
 * The view is built from the same parts as in ccmond: a real engine fed
 * router messages, real alarms, a configuration, probe figures and tail
 * counters.  The tests walk it as a manager would (GETNEXT from the root
 * to the end), read single instances with GET, and check each object's
 * value exactly: type, number or octets.
 *
 * Times are local civil times: ccm_ms counts milliseconds since
 * 1970-01-01T00:00 of the local calendar, so no time zone is involved. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "agent/core/impact.h"
#include "agent/core/probe_stats.h"
#include "agent/snmp/mib.h"
#include "agent/snmp/view.h"
#include "parsers/config.h"
#include "tests/unit_helpers.h"

/* 2026-11-25T13:05:07.890 */
static ccm_ms t0(void)
{
	return ccm_days_from_civil(2026, 11, 25) * CCM_MS_PER_DAY +
	       13 * INT64_C(3600000) + 5 * INT64_C(60000) + 7 * INT64_C(1000) +
	       890;
}

/* The DateAndTime of t0() plus 0, 5 s, 6 s: 2026 = 0x07EA. */
/* main() runs the tests in Central European time, whose rules TZ gives in
 * full (no zone files needed): CET (+01:00) in winter, CEST (+02:00) from
 * the last Sunday of March to the last of October. */
#define TEST_TZ "CET-1CEST,M3.5.0,M10.5.0/3"
/* The zone octets of a DateAndTime in November: +01:00 */
static const uint8_t DT_CET[3] = { '+', 1, 0 };
static const uint8_t DT_T0[8] = { 0x07, 0xEA, 11, 25, 13, 5, 7, 8 };
static const uint8_t DT_T0_5S[8] = { 0x07, 0xEA, 11, 25, 13, 5, 12, 8 };
static const uint8_t DT_T0_6S[8] = { 0x07, 0xEA, 11, 25, 13, 5, 13, 8 };

#define COMP1_LOG "op-cs1.imp1"      /* as the log spells it */
#define COMP1_CONF "op-CS1.imp1"     /* as ccmon.conf spells it */
#define COMP2 "op-cs2.imp1"          /* configured, never seen */
#define SHORT "zz.x"                 /* seen, not configured */
#define HOST1 "10.53.52.205"

#define U64(x) UINT64_C(x)

/* ---- OIDs ---------------------------------------------------------------- */

struct oid {
	uint32_t v[CCM_SNMP_OID_MAX];
	size_t n;
};

static const uint32_t root[] = { CCM_MIB_ROOT };

static struct oid oid_of(const uint32_t *sub, size_t n)
{
	struct oid o = { .n = n };

	assert_true(n <= CCM_SNMP_OID_MAX);
	memcpy(o.v, sub, n * sizeof(*sub));
	return o;
}

static void oid_add(struct oid *o, uint32_t sub)
{
	assert_true(o->n < CCM_SNMP_OID_MAX);
	o->v[o->n++] = sub;
}

/* The root followed by the given sub-ids. */
static struct oid under_root(const uint32_t *sub, size_t n)
{
	struct oid o = oid_of(root, CCM_MIB_ROOT_LEN);

	for (size_t i = 0; i < n; i++)
		oid_add(&o, sub[i]);
	return o;
}
#define ROOT_OID(...)                                                       \
	under_root((const uint32_t[]){ __VA_ARGS__ },                       \
		   sizeof((const uint32_t[]){ __VA_ARGS__ }) / sizeof(uint32_t))
#define OID(...)                                                            \
	oid_of((const uint32_t[]){ __VA_ARGS__ },                           \
	       sizeof((const uint32_t[]){ __VA_ARGS__ }) / sizeof(uint32_t))

/* ROOT.1.1.which.0 */
static struct oid scalar_oid(unsigned which)
{
	return ROOT_OID(CCM_MIB_OBJECTS, CCM_MIB_AGENT, which, 0);
}

/* ROOT.1.2.1.col.LEN.key...: the key as a length-prefixed string */
static struct oid comp_oid(unsigned col, const char *key)
{
	struct oid o = ROOT_OID(CCM_MIB_OBJECTS, CCM_MIB_COMPONENT_TABLE, 1,
				col, (uint32_t)strlen(key));

	for (const char *p = key; *p; p++)
		oid_add(&o, (unsigned char)*p);
	return o;
}

/* ROOT.1.3.1.col.id */
static struct oid alarm_oid(unsigned col, uint32_t id)
{
	return ROOT_OID(CCM_MIB_OBJECTS, CCM_MIB_ALARM_TABLE, 1, col, id);
}

static int oid_cmp(const struct oid *a, const struct oid *b)
{
	for (size_t i = 0; i < a->n && i < b->n; i++)
		if (a->v[i] != b->v[i])
			return a->v[i] < b->v[i] ? -1 : 1;
	return a->n < b->n ? -1 : a->n > b->n;
}

static void assert_oid_equal(const struct oid *got, const struct oid *want)
{
	if (oid_cmp(got, want)) {
		print_error("OID differs at length %zu / %zu\n", got->n,
			    want->n);
		for (size_t i = 0; i < got->n || i < want->n; i++)
			print_error("  [%zu] got %ld want %ld\n", i,
				    i < got->n ? (long)got->v[i] : -1L,
				    i < want->n ? (long)want->v[i] : -1L);
		fail();
	}
}

/* ---- values -------------------------------------------------------------- */

static struct ccm_snmp_value get_found(const struct ccm_snmp_view *view,
				       struct oid o)
{
	struct ccm_snmp_value v;

	memset(&v, 0xA5, sizeof(v));
	assert_int_equal(ccm_snmp_view_get(view, o.v, o.n, &v),
			 CCM_SNMP_FOUND);
	return v;
}

static enum ccm_snmp_found get_status(const struct ccm_snmp_view *view,
				      struct oid o)
{
	struct ccm_snmp_value v;

	return ccm_snmp_view_get(view, o.v, o.n, &v);
}

static void assert_num(const struct ccm_snmp_value *v,
		       enum ccm_snmp_type type, uint64_t num)
{
	assert_int_equal(v->type, type);
	assert_int_equal(v->num, num);
}

static void assert_str(const struct ccm_snmp_value *v, const char *s)
{
	assert_int_equal(v->type, CCM_SNMP_OCTETS);
	assert_int_equal(v->len, strlen(s));
	if (v->len)
		assert_memory_equal(v->octets, s, v->len);
}

/* dt: the local time's 8 octets, of a day in November (CET) */
static void assert_date(const struct ccm_snmp_value *v, const uint8_t dt[8])
{
	assert_int_equal(v->type, CCM_SNMP_OCTETS);
	assert_int_equal(v->len, CCM_MIB_DATEANDTIME_LEN);
	assert_memory_equal(v->octets, dt, 8);
	assert_memory_equal(v->octets + 8, DT_CET, 3);
}

static void assert_no_date(const struct ccm_snmp_value *v)
{
	assert_int_equal(v->type, CCM_SNMP_OCTETS);
	assert_int_equal(v->len, 0);
}

static void assert_value_equal(const struct ccm_snmp_value *a,
			       const struct ccm_snmp_value *b)
{
	assert_int_equal(a->type, b->type);
	if (a->type == CCM_SNMP_OCTETS) {
		assert_int_equal(a->len, b->len);
		if (a->len)
			assert_memory_equal(a->octets, b->octets, a->len);
	} else {
		assert_int_equal(a->num, b->num);
	}
}

/* The value of a scalar / a column of a row. */
static struct ccm_snmp_value scalar(const struct ccm_snmp_view *view,
				    unsigned which)
{
	return get_found(view, scalar_oid(which));
}

static struct ccm_snmp_value comp(const struct ccm_snmp_view *view,
				  unsigned col, const char *key)
{
	return get_found(view, comp_oid(col, key));
}

static struct ccm_snmp_value alarm_val(const struct ccm_snmp_view *view,
				       unsigned col, uint32_t id)
{
	return get_found(view, alarm_oid(col, id));
}

/* ---- the walk ------------------------------------------------------------ */

/* Every instance from start on, by GETNEXT.  Each OID must be greater than
 * the one before and GET must give the value GETNEXT gave. */
static size_t walk(const struct ccm_snmp_view *view, struct oid start,
		   struct oid *out, size_t max)
{
	struct oid cur = start;
	size_t n = 0;

	for (;;) {
		struct ccm_snmp_value v, g;
		struct oid next;

		memset(&v, 0xA5, sizeof(v));
		if (!ccm_snmp_view_next(view, cur.v, cur.n, next.v, &next.n,
					&v))
			break;
		assert_true(next.n > 0 && next.n <= CCM_SNMP_OID_MAX);
		assert_true(oid_cmp(&next, &cur) > 0);
		g = get_found(view, next);
		assert_value_equal(&g, &v);
		assert_true(n < max);
		out[n++] = next;
		cur = next;
	}
	return n;
}

/* ---- the parts of an agent ----------------------------------------------- */

struct agent {
	struct ccm_engine *engine;
	struct ccm_alarms *alarms;
	struct ccm_server servers[2];
	struct ccm_config config;
	struct ccm_probe_stats cs1;
	struct ccm_tail_stats tail;
	struct ccm_snmp_source src;
	char long_name[CCM_MIB_COMP_KEY_MAX + 2];
};

static const struct ccm_probe_stats *probe_of(void *ctx, const char *server)
{
	struct agent *a = ctx;

	return !strcmp(server, "cs1") ? &a->cs1 : NULL;
}

/* cs1 (configured as op-CS1.imp1) connected, went ACTIVE, then GONE five
 * seconds after t0; cs2 is configured but never seen; zz.x is seen ACTIVE
 * but not configured; a component with a name of 97 bytes is seen too.
 * Two alarms are raised: component-down of cs1's component (id 1) and
 * probe-failing of cs1 (id 2). */
static void agent_init(struct agent *a)
{
	const ccm_ms t = t0();

	memset(a, 0, sizeof(*a));
	a->engine = ccm_engine_new(NULL, NULL, NULL);
	assert_non_null(a->engine);
	a->alarms = alarms_new_zero_holds();

	memset(a->long_name, 'l', CCM_MIB_COMP_KEY_MAX + 1);
	feed_connect(a->engine, t, HOST1, 7999, 0);
	feed_state(a->engine, t + 10, COMP1_LOG, CCM_STATE_CONNECTED);
	feed_state(a->engine, t + 20, COMP1_LOG, CCM_STATE_ACTIVE);
	feed_state(a->engine, t + 30, SHORT, CCM_STATE_ACTIVE);
	feed_state(a->engine, t + 40, a->long_name, CCM_STATE_ACTIVE);
	feed_state(a->engine, t + 5000, COMP1_LOG, CCM_STATE_GONE);

	assert_int_equal(ccm_alarms_set(a->alarms, CCM_ALARM_COMPONENT_DOWN,
					COMP1_LOG, true, t + 5000,
					"Component " COMP1_LOG " is GONE"),
			 0);
	assert_int_equal(ccm_alarms_set(a->alarms, CCM_ALARM_PROBE_FAILING,
					"cs1", true, t + 6000,
					"connection refused"),
			 0);
	ccm_alarms_advance(a->alarms, t + 7000);
	assert_int_equal(ccm_alarms_count_active(a->alarms), 2);

	two_servers(&a->config, a->servers, "/etc/ccmon/ccmon.conf", HOST1,
		    COMP1_CONF, COMP2);

	ccm_probe_stats_init(&a->cs1);
	probe_report(&a->cs1, CCM_PROBE_OK, 412, -1);
	probe_report(&a->cs1, CCM_PROBE_OK, 380, -1);
	probe_report(&a->cs1, CCM_PROBE_REFUSED, -1, -1);

	a->tail = (struct ccm_tail_stats){
		.lines = 120, .recognized = 7, .bad_time = 2, .overlong = 3,
		.bytes = 9000, .files_open = 1,
		.have_last_time = true, .last_time = t + 6000,
	};
	a->src = (struct ccm_snmp_source){
		.engine = a->engine,
		.alarms = a->alarms,
		.config = &a->config,
		.probe = probe_of,
		.probe_ctx = a,
		.tail = &a->tail,
		.uptime_cs = 123456,
		.queued = 4, .dropped = 5, .sent = 6,
	};
}

static void agent_release(struct agent *a)
{
	ccm_alarms_free(a->alarms);
	ccm_engine_free(a->engine);
}

static struct ccm_snmp_view *view_of(const struct ccm_snmp_source *src)
{
	struct ccm_snmp_view *view = ccm_snmp_view_new(src);

	assert_non_null(view);
	return view;
}

/* A configuration loaded from text, as ccmond loads its file: servers get
 * their real profiles (the built-in one when none is named). */
static struct ccm_config *load_config(const char *servers)
{
	char path[] = "/tmp/test_snmp_view.XXXXXX";
	struct ccm_findings findings;
	struct ccm_config *cfg = NULL;
	int fd = mkstemp(path);
	FILE *f;

	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fprintf(f, "[agent]\nlog = /nonexistent/rtr-jsm-1_*.log\n"
		"node = imp1.example.com\n\n%s", servers);
	assert_int_equal(fclose(f), 0);
	ccm_findings_init(&findings);
	if (ccm_config_load(path, &cfg, &findings) != 0)
		ccm_findings_print(&findings, stderr);
	assert_non_null(cfg);
	assert_int_equal(findings.errors, 0);
	ccm_findings_release(&findings);
	unlink(path);
	return cfg;
}

/* ---- instance order ------------------------------------------------------ */

#define NROWS 3
#define NALARMS 2
#define NINSTANCES                                                          \
	(CCM_MIB_AGENT_LAST + (CCM_MIB_COMP_LAST - 1) * NROWS +             \
	 (CCM_MIB_ALARM_LAST - 1) * NALARMS)

/* Keys in index order: by length, then octets.  "zz.x" comes first though
 * it sorts last alphabetically; op-CS1.imp1 and op-cs1.imp1 are one row. */
static const char *const keys[NROWS] = { SHORT, "op-cs1.imp1", COMP2 };

/* The instances a manager must see, in order, built independently. */
static size_t expected_instances(struct oid *out)
{
	size_t n = 0;

	for (unsigned s = 1; s <= CCM_MIB_AGENT_LAST; s++)
		out[n++] = scalar_oid(s);
	for (unsigned col = 2; col <= CCM_MIB_COMP_LAST; col++)
		for (size_t r = 0; r < NROWS; r++)
			out[n++] = comp_oid(col, keys[r]);
	for (unsigned col = 2; col <= CCM_MIB_ALARM_LAST; col++)
		for (uint32_t id = 1; id <= NALARMS; id++)
			out[n++] = alarm_oid(col, id);
	return n;
}

static void test_walk_order(void **state)
{
	static struct oid want[NINSTANCES], got[NINSTANCES + 1];
	struct agent a;
	struct ccm_snmp_view *view;
	size_t n;

	(void)state;
	agent_init(&a);
	view = view_of(&a.src);
	assert_int_equal(NINSTANCES, 14 + 22 * 3 + 11 * 2);
	assert_int_equal(expected_instances(want), NINSTANCES);

	/* from the root */
	n = walk(view, oid_of(root, CCM_MIB_ROOT_LEN), got, NINSTANCES + 1);
	assert_int_equal(n, NINSTANCES);
	for (size_t i = 0; i < n; i++)
		assert_oid_equal(&got[i], &want[i]);

	/* from before the root, and from nothing at all */
	n = walk(view, OID(1, 3, 6, 1), got, NINSTANCES + 1);
	assert_int_equal(n, NINSTANCES);
	assert_oid_equal(&got[0], &want[0]);
	assert_oid_equal(&got[n - 1], &want[NINSTANCES - 1]);
	n = walk(view, OID(0), got, NINSTANCES + 1);
	assert_int_equal(n, NINSTANCES);
	n = walk(view, (struct oid){ .n = 0 }, got, NINSTANCES + 1);
	assert_int_equal(n, NINSTANCES);
	assert_oid_equal(&got[0], &want[0]);

	ccm_snmp_view_free(view);
	agent_release(&a);
}

static void expect_next(const struct ccm_snmp_view *view, struct oid from,
			struct oid want)
{
	struct ccm_snmp_value v;
	struct oid next;

	assert_true(ccm_snmp_view_next(view, from.v, from.n, next.v, &next.n,
				       &v));
	assert_oid_equal(&next, &want);
}

static void expect_no_next(const struct ccm_snmp_view *view, struct oid from)
{
	struct ccm_snmp_value v;
	struct oid next;

	assert_false(ccm_snmp_view_next(view, from.v, from.n, next.v, &next.n,
					&v));
}

/* GETNEXT from OIDs that are not instances: between objects, inside a
 * column, past the end. */
static void test_next_from_anywhere(void **state)
{
	struct agent a;
	struct ccm_snmp_view *view;

	(void)state;
	agent_init(&a);
	view = view_of(&a.src);

	expect_next(view, ROOT_OID(CCM_MIB_NOTIFICATIONS, 2),
		    scalar_oid(1));
	expect_next(view, ROOT_OID(1, 1, 3), scalar_oid(3));
	expect_next(view, scalar_oid(3), scalar_oid(4));
	expect_next(view, ROOT_OID(1, 1, 3, 0, 7), scalar_oid(4));
	expect_next(view, scalar_oid(14), comp_oid(2, SHORT));
	expect_next(view, ROOT_OID(1, 2), comp_oid(2, SHORT));
	/* the index column is skipped */
	expect_next(view, ROOT_OID(1, 2, 1, 1, 4, 'z', 'z', '.', 'x'),
		    comp_oid(2, SHORT));
	/* within a column: the next row, then the next column */
	expect_next(view, comp_oid(4, SHORT), comp_oid(4, "op-cs1.imp1"));
	expect_next(view, comp_oid(4, "op-cs1.imp1"), comp_oid(4, COMP2));
	expect_next(view, comp_oid(4, "op-cs1.imp1x"), comp_oid(5, SHORT));
	expect_next(view, ROOT_OID(1, 2, 1, 4, 5), comp_oid(4, "op-cs1.imp1"));
	expect_next(view, comp_oid(CCM_MIB_COMP_LAST, COMP2),
		    alarm_oid(2, 1));
	expect_next(view, alarm_oid(2, 1), alarm_oid(2, 2));
	expect_next(view, alarm_oid(2, 2), alarm_oid(3, 1));
	expect_next(view, ROOT_OID(1, 3, 1, 1, 99), alarm_oid(2, 1));

	/* past the last instance: the master goes on elsewhere */
	expect_no_next(view, alarm_oid(CCM_MIB_ALARM_LAST, 2));
	expect_no_next(view, ROOT_OID(1, 4));
	expect_no_next(view, ROOT_OID(2));
	expect_no_next(view, OID(1, 3, 6, 1, 4, 1, 8072, 9999, 9999, 43));
	expect_no_next(view, OID(2));

	ccm_snmp_view_free(view);
	agent_release(&a);
}

/* ---- GET: what is not there ---------------------------------------------- */

static void test_get_no_such(void **state)
{
	struct agent a;
	struct ccm_snmp_view *view;

	(void)state;
	agent_init(&a);
	view = view_of(&a.src);

	/* objects of ours, instances that are not */
	assert_int_equal(get_status(view, ROOT_OID(1, 1, 3, 1)),
			 CCM_SNMP_NO_SUCH_INSTANCE);
	assert_int_equal(get_status(view, ROOT_OID(1, 1, 3, 0, 0)),
			 CCM_SNMP_NO_SUCH_INSTANCE);
	assert_int_equal(get_status(view, comp_oid(4, "op-cs9.imp1")),
			 CCM_SNMP_NO_SUCH_INSTANCE);
	assert_int_equal(get_status(view, comp_oid(4, "OP-CS1.IMP1")),
			 CCM_SNMP_NO_SUCH_INSTANCE);
	assert_int_equal(get_status(view, comp_oid(4, a.long_name)),
			 CCM_SNMP_NO_SUCH_INSTANCE);
	assert_int_equal(get_status(view, ROOT_OID(1, 2, 1, 4, 4, 'z', 'z')),
			 CCM_SNMP_NO_SUCH_INSTANCE);
	assert_int_equal(get_status(view, alarm_oid(2, 3)),
			 CCM_SNMP_NO_SUCH_INSTANCE);
	assert_int_equal(get_status(view, alarm_oid(2, 0)),
			 CCM_SNMP_NO_SUCH_INSTANCE);

	/* not objects of ours */
	assert_int_equal(get_status(view, ROOT_OID(1, 9, 0)),
			 CCM_SNMP_NO_SUCH_OBJECT);
	assert_int_equal(get_status(view, OID(1, 3, 6, 1, 2, 1, 1, 1, 0)),
			 CCM_SNMP_NO_SUCH_OBJECT);
	assert_int_equal(get_status(view, oid_of(root, CCM_MIB_ROOT_LEN)),
			 CCM_SNMP_NO_SUCH_OBJECT);
	assert_int_equal(get_status(view, ROOT_OID(1, 1, 0, 0)),
			 CCM_SNMP_NO_SUCH_OBJECT);
	assert_int_equal(get_status(view, ROOT_OID(1, 1, 15, 0)),
			 CCM_SNMP_NO_SUCH_OBJECT);
	assert_int_equal(get_status(view, ROOT_OID(1, 2, 1, 24, 4, 'z', 'z',
						   '.', 'x')),
			 CCM_SNMP_NO_SUCH_OBJECT);
	assert_int_equal(get_status(view, ROOT_OID(1, 2, 2, 4, 4, 'z', 'z',
						   '.', 'x')),
			 CCM_SNMP_NO_SUCH_OBJECT);
	assert_int_equal(get_status(view, alarm_oid(13, 1)),
			 CCM_SNMP_NO_SUCH_OBJECT);
	/* notify objects are accessible-for-notify only */
	assert_int_equal(get_status(view, ROOT_OID(1, 4, 1, 0)),
			 CCM_SNMP_NO_SUCH_OBJECT);
	assert_int_equal(get_status(view, ROOT_OID(0, 1)),
			 CCM_SNMP_NO_SUCH_OBJECT);
	/* the index columns are not-accessible: not served */
	assert_int_equal(get_status(view, comp_oid(1, SHORT)),
			 CCM_SNMP_NO_SUCH_OBJECT);
	assert_int_equal(get_status(view, alarm_oid(1, 1)),
			 CCM_SNMP_NO_SUCH_OBJECT);

	ccm_snmp_view_free(view);
	agent_release(&a);
}

/* The OID of an object type without an instance part: RFC 3416 4.2.1 says
 * noSuchInstance (the name has the object's OID as its prefix), as net-snmp
 * answers for sysDescr without .0. */
static void test_get_object_without_instance(void **state)
{
	struct agent a;
	struct ccm_snmp_view *view;

	(void)state;
	agent_init(&a);
	view = view_of(&a.src);
	assert_int_equal(get_status(view, ROOT_OID(1, 1, 3)),
			 CCM_SNMP_NO_SUCH_INSTANCE);
	assert_int_equal(get_status(view, ROOT_OID(1, 1, 11)),
			 CCM_SNMP_NO_SUCH_INSTANCE);
	assert_int_equal(get_status(view, ROOT_OID(1, 2, 1, 4)),
			 CCM_SNMP_NO_SUCH_INSTANCE);
	assert_int_equal(get_status(view, ROOT_OID(1, 3, 1, 2)),
			 CCM_SNMP_NO_SUCH_INSTANCE);
	ccm_snmp_view_free(view);
	agent_release(&a);
}

/* ---- scalars ------------------------------------------------------------- */

static void test_scalars(void **state)
{
	struct agent a;
	struct ccm_snmp_view *view;
	struct ccm_snmp_value v;

	(void)state;
	agent_init(&a);
	view = view_of(&a.src);

	v = scalar(view, CCM_MIB_AGENT_VERSION);
	assert_str(&v, PACKAGE_VERSION);
	v = scalar(view, CCM_MIB_AGENT_UPTIME);
	assert_num(&v, CCM_SNMP_TIMETICKS, 123456);
	/* cs1's component is GONE; cs2 shares its (built-in) profile and
	 * the log never named it: not claimed down, so only cs1's share of
	 * users waits -- IM is not blocked for every user */
	v = scalar(view, CCM_MIB_MESSAGING_BLOCKED);
	assert_num(&v, CCM_SNMP_INTEGER, CCM_MIB_FALSE);
	v = scalar(view, CCM_MIB_LINES_READ);
	assert_num(&v, CCM_SNMP_COUNTER64, 120);
	v = scalar(view, CCM_MIB_LINES_RECOGNIZED);
	assert_num(&v, CCM_SNMP_COUNTER64, 7);
	v = scalar(view, CCM_MIB_PARSE_ERRORS); /* bad_time + overlong */
	assert_num(&v, CCM_SNMP_COUNTER64, 5);
	v = scalar(view, CCM_MIB_LAST_LINE_TIME);
	assert_date(&v, DT_T0_6S);
	v = scalar(view, CCM_MIB_ALARMS_ACTIVE);
	assert_num(&v, CCM_SNMP_GAUGE32, 2);
	v = scalar(view, CCM_MIB_NOTIFICATIONS_QUEUED);
	assert_num(&v, CCM_SNMP_GAUGE32, 4);
	v = scalar(view, CCM_MIB_NOTIFICATIONS_DROPPED);
	assert_num(&v, CCM_SNMP_COUNTER32, 5);
	v = scalar(view, CCM_MIB_NOTIFICATIONS_SENT);
	assert_num(&v, CCM_SNMP_COUNTER32, 6);
	v = scalar(view, CCM_MIB_QUEUE_LATENCY_WINDOW); /* the default 5m */
	assert_num(&v, CCM_SNMP_GAUGE32, 300);
	ccm_snmp_view_free(view);

	/* no line with a time stamp yet: zero-length; Counter64 is 64 bits */
	a.tail.have_last_time = false;
	a.tail.lines = U64(0x100000005);
	view = view_of(&a.src);
	v = scalar(view, CCM_MIB_LAST_LINE_TIME);
	assert_no_date(&v);
	v = scalar(view, CCM_MIB_LINES_READ);
	assert_num(&v, CCM_SNMP_COUNTER64, U64(0x100000005));
	ccm_snmp_view_free(view);
	agent_release(&a);
}

/* Counter32 wraps modulo 2^32; Gauge32 latches at its maximum. */
static void test_counter32_wraps_gauge32_latches(void **state)
{
	struct ccm_snmp_source src = {
		.queued = U64(0x100000005),
		.dropped = U64(0x100000005),
		.sent = U64(0xFFFFFFFF),
	};
	struct ccm_snmp_view *view = view_of(&src);
	struct ccm_snmp_value v;

	(void)state;
	v = scalar(view, CCM_MIB_NOTIFICATIONS_QUEUED);
	assert_num(&v, CCM_SNMP_GAUGE32, U64(4294967295));
	v = scalar(view, CCM_MIB_NOTIFICATIONS_DROPPED);
	assert_num(&v, CCM_SNMP_COUNTER32, 5);
	v = scalar(view, CCM_MIB_NOTIFICATIONS_SENT);
	assert_num(&v, CCM_SNMP_COUNTER32, U64(4294967295));
	ccm_snmp_view_free(view);
}

/* TimeTicks is "modulo 2^32" (RFC 2578 7.1.8), and ccmonAgentUptime's
 * DESCRIPTION speaks of "the wrap after about 497 days". */
static void test_uptime_wraps(void **state)
{
	struct ccm_snmp_source src = { .uptime_cs = U64(0x100000064) };
	struct ccm_snmp_view *view = view_of(&src);
	struct ccm_snmp_value v;

	(void)state;
	v = scalar(view, CCM_MIB_AGENT_UPTIME);
	assert_num(&v, CCM_SNMP_TIMETICKS, 100);
	ccm_snmp_view_free(view);
}

/* An agent still starting: no engine, alarms, configuration nor logs. */
static void test_null_source(void **state)
{
	static struct oid got[CCM_MIB_AGENT_LAST + 1];
	struct ccm_snmp_source src = { 0 };
	struct ccm_snmp_view *view = view_of(&src);
	struct ccm_snmp_value v;
	size_t n;

	(void)state;
	n = walk(view, oid_of(root, CCM_MIB_ROOT_LEN), got,
		 CCM_MIB_AGENT_LAST + 1);
	assert_int_equal(n, 14);
	for (unsigned s = 1; s <= CCM_MIB_AGENT_LAST; s++) {
		struct oid want = scalar_oid(s);

		assert_oid_equal(&got[s - 1], &want);
	}
	expect_no_next(view, scalar_oid(CCM_MIB_AGENT_LAST));

	v = scalar(view, CCM_MIB_AGENT_VERSION);
	assert_str(&v, PACKAGE_VERSION);
	v = scalar(view, CCM_MIB_AGENT_UPTIME);
	assert_num(&v, CCM_SNMP_TIMETICKS, 0);
	v = scalar(view, CCM_MIB_MESSAGING_BLOCKED);
	assert_num(&v, CCM_SNMP_INTEGER, CCM_MIB_FALSE);
	for (unsigned s = CCM_MIB_LINES_READ; s <= CCM_MIB_PARSE_ERRORS;
	     s++) {
		v = scalar(view, s);
		assert_num(&v, CCM_SNMP_COUNTER64, 0);
	}
	v = scalar(view, CCM_MIB_LAST_LINE_TIME);
	assert_no_date(&v);
	v = scalar(view, CCM_MIB_ALARMS_ACTIVE);
	assert_num(&v, CCM_SNMP_GAUGE32, 0);
	v = scalar(view, CCM_MIB_NOTIFICATIONS_QUEUED);
	assert_num(&v, CCM_SNMP_GAUGE32, 0);
	v = scalar(view, CCM_MIB_NOTIFICATIONS_DROPPED);
	assert_num(&v, CCM_SNMP_COUNTER32, 0);
	v = scalar(view, CCM_MIB_NOTIFICATIONS_SENT);
	assert_num(&v, CCM_SNMP_COUNTER32, 0);
	v = scalar(view, CCM_MIB_QUEUE_LATENCY_WINDOW);
	assert_num(&v, CCM_SNMP_GAUGE32, 0);
	assert_int_equal(get_status(view, comp_oid(2, SHORT)),
			 CCM_SNMP_NO_SUCH_INSTANCE);
	assert_int_equal(get_status(view, alarm_oid(2, 1)),
			 CCM_SNMP_NO_SUCH_INSTANCE);
	ccm_snmp_view_free(view);
}

/* ---- component rows ------------------------------------------------------ */

/* cs1's component: configured as op-CS1.imp1, seen as op-cs1.imp1; GONE
 * with an open incident; probed (ok, ok, refused). */
static void test_component_seen_and_configured(void **state)
{
	struct agent a;
	struct ccm_snmp_view *view;
	struct ccm_snmp_value v;
	const char *key = "op-cs1.imp1";

	(void)state;
	agent_init(&a);
	view = view_of(&a.src);

	v = comp(view, CCM_MIB_COMP_SERVER, key);
	assert_str(&v, "cs1");
	v = comp(view, CCM_MIB_COMP_STATE, key);
	assert_num(&v, CCM_SNMP_INTEGER, 4); /* gone(4) */
	v = comp(view, CCM_MIB_COMP_LAST_CHANGE, key);
	assert_date(&v, DT_T0_5S);
	/* UNKNOWN -> CONNECTED -> ACTIVE -> GONE */
	v = comp(view, CCM_MIB_COMP_TRANSITIONS, key);
	assert_num(&v, CCM_SNMP_COUNTER32, 3);
	v = comp(view, CCM_MIB_COMP_CONNECT_REFUSED, key);
	assert_num(&v, CCM_SNMP_COUNTER32, 0);
	v = comp(view, CCM_MIB_COMP_INCIDENT_CAUSE, key);
	assert_num(&v, CCM_SNMP_INTEGER, 2); /* lost(2) */
	v = comp(view, CCM_MIB_COMP_INCIDENT_START, key);
	assert_date(&v, DT_T0_5S);

	/* the last probe was refused */
	v = comp(view, CCM_MIB_COMP_PROBE_RESULT, key);
	assert_num(&v, CCM_SNMP_INTEGER, 3); /* refused(3) */
	v = comp(view, CCM_MIB_COMP_PROBE_LATENCY, key);
	assert_num(&v, CCM_SNMP_GAUGE32, 380);
	v = comp(view, CCM_MIB_COMP_PROBE_LATENCY_MIN, key);
	assert_num(&v, CCM_SNMP_GAUGE32, 380);
	v = comp(view, CCM_MIB_COMP_PROBE_LATENCY_MAX, key);
	assert_num(&v, CCM_SNMP_GAUGE32, 412);
	v = comp(view, CCM_MIB_COMP_PROBE_LATENCY_MEAN, key);
	assert_num(&v, CCM_SNMP_GAUGE32, 396);
	v = comp(view, CCM_MIB_COMP_PROBES, key);
	assert_num(&v, CCM_SNMP_COUNTER32, 3);
	v = comp(view, CCM_MIB_COMP_PROBE_FAILURES, key);
	assert_num(&v, CCM_SNMP_COUNTER32, 1);

	ccm_snmp_view_free(view);
	agent_release(&a);
}

/* ccmonComponentName: "as spelled in ccmon.conf or, for a component that
 * is not configured, as first seen in the log". */
static void test_component_name_as_configured(void **state)
{
	struct agent a;
	struct ccm_snmp_view *view;
	struct ccm_snmp_value v;

	(void)state;
	agent_init(&a);
	view = view_of(&a.src);
	v = comp(view, CCM_MIB_COMP_NAME, "op-cs1.imp1");
	assert_str(&v, COMP1_CONF);
	ccm_snmp_view_free(view);
	agent_release(&a);
}

static void test_component_configured_not_seen(void **state)
{
	struct agent a;
	struct ccm_snmp_view *view;
	struct ccm_snmp_value v;

	(void)state;
	agent_init(&a);
	view = view_of(&a.src);

	v = comp(view, CCM_MIB_COMP_NAME, COMP2);
	assert_str(&v, COMP2);
	v = comp(view, CCM_MIB_COMP_SERVER, COMP2);
	assert_str(&v, "cs2");
	v = comp(view, CCM_MIB_COMP_STATE, COMP2);
	assert_num(&v, CCM_SNMP_INTEGER, 1); /* unknown(1) */
	v = comp(view, CCM_MIB_COMP_LAST_CHANGE, COMP2);
	assert_no_date(&v);
	v = comp(view, CCM_MIB_COMP_TRANSITIONS, COMP2);
	assert_num(&v, CCM_SNMP_COUNTER32, 0);
	v = comp(view, CCM_MIB_COMP_CONNECT_REFUSED, COMP2);
	assert_num(&v, CCM_SNMP_COUNTER32, 0);
	v = comp(view, CCM_MIB_COMP_INCIDENT_CAUSE, COMP2);
	assert_num(&v, CCM_SNMP_INTEGER, 1); /* none(1) */
	v = comp(view, CCM_MIB_COMP_INCIDENT_START, COMP2);
	assert_no_date(&v);
	/* probe_of() has no figures for cs2 */
	v = comp(view, CCM_MIB_COMP_PROBE_RESULT, COMP2);
	assert_num(&v, CCM_SNMP_INTEGER, 1); /* none(1) */
	for (unsigned col = CCM_MIB_COMP_PROBE_LATENCY;
	     col <= CCM_MIB_COMP_PROBE_LATENCY_MEAN; col++) {
		v = comp(view, col, COMP2);
		assert_num(&v, CCM_SNMP_GAUGE32, 0);
	}
	v = comp(view, CCM_MIB_COMP_PROBES, COMP2);
	assert_num(&v, CCM_SNMP_COUNTER32, 0);
	v = comp(view, CCM_MIB_COMP_PROBE_FAILURES, COMP2);
	assert_num(&v, CCM_SNMP_COUNTER32, 0);

	ccm_snmp_view_free(view);
	agent_release(&a);
}

static void test_component_seen_not_configured(void **state)
{
	struct agent a;
	struct ccm_snmp_view *view;
	struct ccm_snmp_value v;

	(void)state;
	agent_init(&a);
	view = view_of(&a.src);

	v = comp(view, CCM_MIB_COMP_NAME, SHORT);
	assert_str(&v, SHORT);
	v = comp(view, CCM_MIB_COMP_SERVER, SHORT);
	assert_str(&v, "");
	v = comp(view, CCM_MIB_COMP_STATE, SHORT);
	assert_num(&v, CCM_SNMP_INTEGER, 3); /* active(3) */
	v = comp(view, CCM_MIB_COMP_LAST_CHANGE, SHORT);
	assert_date(&v, (const uint8_t[8]){ 0x07, 0xEA, 11, 25, 13, 5, 7, 9 });
	v = comp(view, CCM_MIB_COMP_TRANSITIONS, SHORT);
	assert_num(&v, CCM_SNMP_COUNTER32, 1);
	/* active: no incident */
	v = comp(view, CCM_MIB_COMP_INCIDENT_CAUSE, SHORT);
	assert_num(&v, CCM_SNMP_INTEGER, 1);
	v = comp(view, CCM_MIB_COMP_INCIDENT_START, SHORT);
	assert_no_date(&v);
	v = comp(view, CCM_MIB_COMP_PROBE_RESULT, SHORT);
	assert_num(&v, CCM_SNMP_INTEGER, 1);
	v = comp(view, CCM_MIB_COMP_PROBES, SHORT);
	assert_num(&v, CCM_SNMP_COUNTER32, 0);

	ccm_snmp_view_free(view);
	agent_release(&a);
}

/* Every state of CcmonOpenPortState, and the incident causes. */
static void test_component_states_and_causes(void **state)
{
	struct ccm_engine *e = ccm_engine_new(NULL, NULL, NULL);
	struct ccm_snmp_source src = { .engine = e };
	struct ccm_snmp_view *view;
	struct ccm_snmp_value v;
	const ccm_ms t = t0();

	(void)state;
	assert_non_null(e);
	/* c: CONNECTED and waiting for auth; a: ACTIVE; g: GONE, then its
	 * reconnects are refused */
	feed_state(e, t, "c", CCM_STATE_CONNECTED);
	feed_state(e, t, "a", CCM_STATE_ACTIVE);
	feed_connect(e, t, HOST1, 7999, 0);
	feed_state(e, t, "g", CCM_STATE_CONNECTED);
	feed_state(e, t + 100, "g", CCM_STATE_ACTIVE);
	feed_state(e, t + 5000, "g", CCM_STATE_GONE);
	feed_connect(e, t + 5100, HOST1, 7999, 111);
	feed_connect(e, t + 5200, HOST1, 7999, 111);

	view = view_of(&src);
	v = comp(view, CCM_MIB_COMP_STATE, "c");
	assert_num(&v, CCM_SNMP_INTEGER, 2); /* connected(2) */
	/* not down while ACTIVE may still come in time */
	v = comp(view, CCM_MIB_COMP_INCIDENT_CAUSE, "c");
	assert_num(&v, CCM_SNMP_INTEGER, 1); /* none(1) */
	v = comp(view, CCM_MIB_COMP_STATE, "a");
	assert_num(&v, CCM_SNMP_INTEGER, 3); /* active(3) */
	v = comp(view, CCM_MIB_COMP_STATE, "g");
	assert_num(&v, CCM_SNMP_INTEGER, 4); /* gone(4) */
	v = comp(view, CCM_MIB_COMP_INCIDENT_CAUSE, "g");
	assert_num(&v, CCM_SNMP_INTEGER, 4); /* refused(4) */
	v = comp(view, CCM_MIB_COMP_INCIDENT_START, "g");
	assert_date(&v, DT_T0_5S);
	v = comp(view, CCM_MIB_COMP_CONNECT_REFUSED, "g");
	assert_num(&v, CCM_SNMP_COUNTER32, 2);
	ccm_snmp_view_free(view);

	/* past the auth timeout "c" is an auth(3) incident */
	ccm_engine_advance(e, t + CCM_DEFAULT_AUTH_TIMEOUT + 1);
	view = view_of(&src);
	v = comp(view, CCM_MIB_COMP_INCIDENT_CAUSE, "c");
	assert_num(&v, CCM_SNMP_INTEGER, 3); /* auth(3) */
	v = comp(view, CCM_MIB_COMP_INCIDENT_START, "c");
	assert_date(&v, DT_T0); /* from the CONNECTED on */
	ccm_snmp_view_free(view);

	/* a timeout and an unreachable host: timeout(5), unreachable(6) */
	feed_state(e, t + 20000, "g", CCM_STATE_ACTIVE);
	feed_state(e, t + 21000, "g", CCM_STATE_GONE);
	feed_connect(e, t + 22000, HOST1, 7999, 110);
	view = view_of(&src);
	v = comp(view, CCM_MIB_COMP_INCIDENT_CAUSE, "g");
	assert_num(&v, CCM_SNMP_INTEGER, 5);
	ccm_snmp_view_free(view);
	feed_connect(e, t + 23000, HOST1, 7999, 113);
	view = view_of(&src);
	v = comp(view, CCM_MIB_COMP_INCIDENT_CAUSE, "g");
	assert_num(&v, CCM_SNMP_INTEGER, 6);
	ccm_snmp_view_free(view);
	ccm_engine_free(e);
}

/* Index: length first, then octets; a name of 96 bytes has a row, one of
 * 97 has none. */
static void test_component_index(void **state)
{
	char n96[CCM_MIB_COMP_KEY_MAX + 1], n97[CCM_MIB_COMP_KEY_MAX + 2];
	struct ccm_engine *e = ccm_engine_new(NULL, NULL, NULL);
	struct ccm_snmp_source src = { .engine = e };
	struct ccm_snmp_view *view;
	struct ccm_snmp_value v;
	struct oid got[CCM_MIB_AGENT_LAST + 22 * 4 + 1];
	const char *order[4] = { "b", "ab", "b-x", n96 };
	size_t n;

	(void)state;
	assert_non_null(e);
	memset(n96, 'm', sizeof(n96) - 1);
	n96[sizeof(n96) - 1] = '\0';
	memset(n97, 'a', sizeof(n97) - 1);
	n97[sizeof(n97) - 1] = '\0';
	feed_state(e, t0(), n97, CCM_STATE_ACTIVE);
	feed_state(e, t0(), n96, CCM_STATE_ACTIVE);
	feed_state(e, t0(), "B-X", CCM_STATE_ACTIVE);
	feed_state(e, t0(), "ab", CCM_STATE_ACTIVE);
	feed_state(e, t0(), "b", CCM_STATE_ACTIVE);

	view = view_of(&src);
	n = walk(view, oid_of(root, CCM_MIB_ROOT_LEN), got,
		 sizeof(got) / sizeof(got[0]));
	assert_int_equal(n, CCM_MIB_AGENT_LAST + 22 * 4);
	for (size_t r = 0; r < 4; r++) {
		struct oid want = comp_oid(2, order[r]);

		assert_oid_equal(&got[CCM_MIB_AGENT_LAST + r], &want);
	}
	/* the key is lower case, the name as spelled */
	v = comp(view, CCM_MIB_COMP_NAME, "b-x");
	assert_str(&v, "B-X");
	v = comp(view, CCM_MIB_COMP_NAME, n96);
	assert_str(&v, n96);
	ccm_snmp_view_free(view);
	ccm_engine_free(e);
}

/* Probe columns from figures filled by hand: the last probe ok, and values
 * over 32 bits (Gauge32 latches, Counter32 wraps). */
static const struct ccm_probe_stats *the_stats(void *ctx, const char *server)
{
	(void)server;
	return ctx;
}

static void test_component_probe_columns(void **state)
{
	struct ccm_server srv = { .name = "cs1", .host = HOST1, .port = 7999,
				  .component = COMP2 };
	struct ccm_config cfg = { .servers = &srv, .nservers = 1 };
	struct ccm_probe_stats st;
	struct ccm_snmp_source src = { .config = &cfg, .probe = the_stats,
				       .probe_ctx = &st };
	struct ccm_snmp_view *view;
	struct ccm_snmp_value v;

	(void)state;
	ccm_probe_stats_init(&st);
	probe_report(&st, CCM_PROBE_TIMEOUT, -1, -1);
	probe_report(&st, CCM_PROBE_OK, 1500, -1);
	probe_report(&st, CCM_PROBE_OK, 700, -1);
	probe_report(&st, CCM_PROBE_OK, 2000, -1);
	view = view_of(&src);
	v = comp(view, CCM_MIB_COMP_PROBE_RESULT, COMP2);
	assert_num(&v, CCM_SNMP_INTEGER, 2); /* ok(2) */
	v = comp(view, CCM_MIB_COMP_PROBE_LATENCY, COMP2);
	assert_num(&v, CCM_SNMP_GAUGE32, 2000);
	v = comp(view, CCM_MIB_COMP_PROBE_LATENCY_MIN, COMP2);
	assert_num(&v, CCM_SNMP_GAUGE32, 700);
	v = comp(view, CCM_MIB_COMP_PROBE_LATENCY_MAX, COMP2);
	assert_num(&v, CCM_SNMP_GAUGE32, 2000);
	v = comp(view, CCM_MIB_COMP_PROBE_LATENCY_MEAN, COMP2);
	assert_num(&v, CCM_SNMP_GAUGE32, 1400);
	v = comp(view, CCM_MIB_COMP_PROBES, COMP2);
	assert_num(&v, CCM_SNMP_COUNTER32, 4);
	v = comp(view, CCM_MIB_COMP_PROBE_FAILURES, COMP2);
	assert_num(&v, CCM_SNMP_COUNTER32, 1);
	ccm_snmp_view_free(view);

	/* figures without a probe yet: none(1) and zeros */
	ccm_probe_stats_init(&st);
	view = view_of(&src);
	v = comp(view, CCM_MIB_COMP_PROBE_RESULT, COMP2);
	assert_num(&v, CCM_SNMP_INTEGER, 1);
	v = comp(view, CCM_MIB_COMP_PROBE_LATENCY_MEAN, COMP2);
	assert_num(&v, CCM_SNMP_GAUGE32, 0);
	v = comp(view, CCM_MIB_COMP_PROBES, COMP2);
	assert_num(&v, CCM_SNMP_COUNTER32, 0);
	ccm_snmp_view_free(view);

	/* every result value, and 32-bit limits */
	st.have_last = true;
	st.last_result = CCM_PROBE_ERROR;
	st.probes = U64(0x100000003);
	st.results[CCM_PROBE_OK] = 1;
	/* cppcheck-suppress unreadVariable ; read through src.probe_ctx */
	st.connect = (struct ccm_latency){
		.count = 2, .last_us = INT64_C(5000000000),
		.min_us = -7, .max_us = INT64_C(5000000000),
		.sum_us = INT64_C(10000000000),
	};
	view = view_of(&src);
	v = comp(view, CCM_MIB_COMP_PROBE_RESULT, COMP2);
	assert_num(&v, CCM_SNMP_INTEGER, 6); /* error(6) */
	v = comp(view, CCM_MIB_COMP_PROBE_LATENCY, COMP2);
	assert_num(&v, CCM_SNMP_GAUGE32, U64(4294967295));
	v = comp(view, CCM_MIB_COMP_PROBE_LATENCY_MIN, COMP2);
	assert_num(&v, CCM_SNMP_GAUGE32, 0);
	v = comp(view, CCM_MIB_COMP_PROBE_LATENCY_MEAN, COMP2);
	assert_num(&v, CCM_SNMP_GAUGE32, U64(4294967295));
	v = comp(view, CCM_MIB_COMP_PROBES, COMP2);
	assert_num(&v, CCM_SNMP_COUNTER32, 3);
	v = comp(view, CCM_MIB_COMP_PROBE_FAILURES, COMP2);
	assert_num(&v, CCM_SNMP_COUNTER32, 2);
	ccm_snmp_view_free(view);

	for (int r = CCM_PROBE_OK; r <= CCM_PROBE_ERROR; r++) {
		/* cppcheck-suppress unreadVariable ; via src.probe_ctx */
		st.last_result = (enum ccm_probe_result)r;
		view = view_of(&src);
		v = comp(view, CCM_MIB_COMP_PROBE_RESULT, COMP2);
		assert_num(&v, CCM_SNMP_INTEGER, (uint64_t)r + 2);
		ccm_snmp_view_free(view);
	}
}

/* ---- queue latency ------------------------------------------------------- */

static void assert_queue(const struct ccm_snmp_view *view, const char *key,
			 uint64_t waits, uint64_t mean, uint64_t p50,
			 uint64_t p95, uint64_t p99, uint64_t max,
			 uint64_t total)
{
	struct ccm_snmp_value v;

	v = comp(view, CCM_MIB_COMP_QUEUE_WAITS, key);
	assert_num(&v, CCM_SNMP_GAUGE32, waits);
	v = comp(view, CCM_MIB_COMP_QUEUE_WAIT_MEAN, key);
	assert_num(&v, CCM_SNMP_GAUGE32, mean);
	v = comp(view, CCM_MIB_COMP_QUEUE_WAIT_P50, key);
	assert_num(&v, CCM_SNMP_GAUGE32, p50);
	v = comp(view, CCM_MIB_COMP_QUEUE_WAIT_P95, key);
	assert_num(&v, CCM_SNMP_GAUGE32, p95);
	v = comp(view, CCM_MIB_COMP_QUEUE_WAIT_P99, key);
	assert_num(&v, CCM_SNMP_GAUGE32, p99);
	v = comp(view, CCM_MIB_COMP_QUEUE_WAIT_MAX, key);
	assert_num(&v, CCM_SNMP_GAUGE32, max);
	v = comp(view, CCM_MIB_COMP_QUEUE_WAITS_TOTAL, key);
	assert_num(&v, CCM_SNMP_COUNTER64, total);
}

/* cs1's component waited 20 times: 1 s to 20 s, one a second, the last
 * ending at t0 + 30 s; the other components never waited.  Nearest rank
 * over 20 waits: p50 is the 10th, p95 the 19th, p99 the 20th. */
static void test_component_queue_columns(void **state)
{
	struct agent a;
	struct ccm_snmp_view *view;
	const ccm_ms t = t0();

	(void)state;
	agent_init(&a);
	for (ccm_ms i = 1; i <= 20; i++)
		feed_wait(a.engine, t + 10000 + i * 1000, COMP1_LOG, i * 1000);
	a.src.now = t + 30000;
	view = view_of(&a.src);
	assert_queue(view, "op-cs1.imp1", 20, 10500, 10000, 19000, 20000,
		     20000, 20);
	assert_queue(view, SHORT, 0, 0, 0, 0, 0, 0, 0);
	assert_queue(view, COMP2, 0, 0, 0, 0, 0, 0, 0); /* never seen */
	ccm_snmp_view_free(view);

	/* 5 minutes on, nothing fed in between: the first 12 waits left
	 * the window (it covers ends after now - 5m), the total keeps
	 * them */
	a.src.now = t + 30000 + 300000 - 8000;
	view = view_of(&a.src);
	assert_queue(view, "op-cs1.imp1", 8, 16500, 16000, 20000, 20000,
		     20000, 20);
	ccm_snmp_view_free(view);

	/* without a time of its own, the view's window ends at the
	 * engine's clock */
	a.src.now = 0;
	ccm_engine_advance(a.engine, t + 30000 + 300000 - 1000);
	view = view_of(&a.src);
	assert_queue(view, "op-cs1.imp1", 1, 20000, 20000, 20000, 20000,
		     20000, 20);
	ccm_snmp_view_free(view);

	/* a wait longer than Unsigned32's milliseconds latches */
	feed_wait(a.engine, t + 400000, SHORT, INT64_C(0x100000000));
	view = view_of(&a.src);
	assert_queue(view, SHORT, 1, U64(0xFFFFFFFF), U64(0xFFFFFFFF),
		     U64(0xFFFFFFFF), U64(0xFFFFFFFF), U64(0xFFFFFFFF), 1);
	ccm_snmp_view_free(view);
	agent_release(&a);
}

/* As ccmond runs: the monitor binds each configured server's component
 * under its configured spelling (ccm_engine_bind), the log names it in
 * another case.  The router ignores case: still one component, and its
 * row shows what the log says. */
static void test_component_bound_and_seen_in_other_case(void **state)
{
	struct ccm_engine *e = ccm_engine_new(NULL, NULL, NULL);
	struct ccm_server srv = { .name = "cs1", .host = HOST1, .port = 7999,
				  .component = COMP1_CONF };
	struct ccm_config cfg = { .servers = &srv, .nservers = 1 };
	struct ccm_snmp_source src = { .engine = e, .config = &cfg };
	struct ccm_snmp_view *view;
	struct ccm_snmp_value v;
	struct oid got[CCM_MIB_AGENT_LAST + 22 * 2 + 1];

	(void)state;
	assert_non_null(e);
	assert_int_equal(ccm_engine_bind(e, COMP1_CONF, HOST1, 7999), 0);
	feed_state(e, t0(), COMP1_LOG, CCM_STATE_ACTIVE);
	feed_state(e, t0() + 5000, COMP1_LOG, CCM_STATE_GONE);
	view = view_of(&src);
	assert_int_equal(walk(view, oid_of(root, CCM_MIB_ROOT_LEN), got,
			      sizeof(got) / sizeof(got[0])),
			 CCM_MIB_AGENT_LAST + 22);
	v = comp(view, CCM_MIB_COMP_SERVER, "op-cs1.imp1");
	assert_str(&v, "cs1");
	v = comp(view, CCM_MIB_COMP_STATE, "op-cs1.imp1");
	assert_num(&v, CCM_SNMP_INTEGER, 4); /* gone(4) */
	v = comp(view, CCM_MIB_COMP_TRANSITIONS, "op-cs1.imp1");
	assert_num(&v, CCM_SNMP_COUNTER32, 2);
	ccm_snmp_view_free(view);
	ccm_engine_free(e);
}

/* ---- alarm rows ---------------------------------------------------------- */

static void test_alarm_rows(void **state)
{
	struct agent a;
	struct ccm_snmp_view *view;
	struct ccm_snmp_value v;

	(void)state;
	agent_init(&a);
	view = view_of(&a.src);

	v = alarm_val(view, CCM_MIB_ALARM_TYPE, 1);
	assert_num(&v, CCM_SNMP_INTEGER, 1); /* componentDown(1) */
	v = alarm_val(view, CCM_MIB_ALARM_RESOURCE_TYPE, 1);
	assert_num(&v, CCM_SNMP_INTEGER, 1); /* component(1) */
	v = alarm_val(view, CCM_MIB_ALARM_RESOURCE, 1);
	assert_str(&v, COMP1_LOG);
	v = alarm_val(view, CCM_MIB_ALARM_SEVERITY, 1);
	assert_num(&v, CCM_SNMP_INTEGER, 3); /* critical(3) */
	v = alarm_val(view, CCM_MIB_ALARM_RAISED_TIME, 1);
	assert_date(&v, DT_T0_5S);
	v = alarm_val(view, CCM_MIB_ALARM_SINCE, 1);
	assert_date(&v, DT_T0_5S);
	v = alarm_val(view, CCM_MIB_ALARM_TEXT, 1);
	assert_str(&v, "Component " COMP1_LOG " is GONE");
	v = alarm_val(view, CCM_MIB_ALARM_FLAPPING, 1);
	assert_num(&v, CCM_SNMP_INTEGER, CCM_MIB_FALSE);
	v = alarm_val(view, CCM_MIB_ALARM_CONDITION, 1);
	assert_num(&v, CCM_SNMP_INTEGER, CCM_MIB_TRUE);
	/* IANA's communicationsSubsystemFailure(505), communicationsAlarm(2) */
	v = alarm_val(view, CCM_MIB_ALARM_PROBABLE_CAUSE, 1);
	assert_num(&v, CCM_SNMP_INTEGER, 505);
	v = alarm_val(view, CCM_MIB_ALARM_EVENT_TYPE, 1);
	assert_num(&v, CCM_SNMP_INTEGER, 2);

	v = alarm_val(view, CCM_MIB_ALARM_TYPE, 2);
	assert_num(&v, CCM_SNMP_INTEGER, 4); /* probeFailing(4) */
	v = alarm_val(view, CCM_MIB_ALARM_RESOURCE_TYPE, 2);
	assert_num(&v, CCM_SNMP_INTEGER, 2); /* server(2) */
	v = alarm_val(view, CCM_MIB_ALARM_RESOURCE, 2);
	assert_str(&v, "cs1");
	v = alarm_val(view, CCM_MIB_ALARM_SEVERITY, 2);
	assert_num(&v, CCM_SNMP_INTEGER, 4); /* major(4) */
	v = alarm_val(view, CCM_MIB_ALARM_RAISED_TIME, 2);
	assert_date(&v, DT_T0_6S);
	v = alarm_val(view, CCM_MIB_ALARM_TEXT, 2);
	assert_str(&v, "connection refused");
	/* connectionEstablishmentError(22), communicationsAlarm(2) */
	v = alarm_val(view, CCM_MIB_ALARM_PROBABLE_CAUSE, 2);
	assert_num(&v, CCM_SNMP_INTEGER, 22);
	v = alarm_val(view, CCM_MIB_ALARM_EVENT_TYPE, 2);
	assert_num(&v, CCM_SNMP_INTEGER, 2);
	ccm_snmp_view_free(view);

	/* cleared: the row goes, the other stays */
	assert_int_equal(ccm_alarms_set(a.alarms, CCM_ALARM_COMPONENT_DOWN,
					COMP1_LOG, false, t0() + 8000,
					"Component " COMP1_LOG " is ACTIVE"),
			 0);
	ccm_alarms_advance(a.alarms, t0() + 9000);
	view = view_of(&a.src);
	assert_int_equal(get_status(view, alarm_oid(CCM_MIB_ALARM_TYPE, 1)),
			 CCM_SNMP_NO_SUCH_INSTANCE);
	v = alarm_val(view, CCM_MIB_ALARM_TYPE, 2);
	assert_num(&v, CCM_SNMP_INTEGER, 4);
	v = scalar(view, CCM_MIB_ALARMS_ACTIVE);
	assert_num(&v, CCM_SNMP_GAUGE32, 1);
	expect_next(view, comp_oid(CCM_MIB_COMP_LAST, COMP2),
		    alarm_oid(2, 2));
	expect_no_next(view, alarm_oid(CCM_MIB_ALARM_LAST, 2));
	ccm_snmp_view_free(view);
	agent_release(&a);
}

/* The other types and severities, a condition gone while the clear waits
 * for its hold, and a resource cut to SnmpAdminString's 255 octets at a
 * character boundary. */
static void test_alarm_kinds(void **state)
{
	struct ccm_alarms *as = alarms_new_zero_holds();
	struct ccm_snmp_source src = { .alarms = as };
	struct ccm_alarm_policy hold;
	struct ccm_snmp_view *view;
	struct ccm_snmp_value v;
	char res[300];
	const ccm_ms t = t0();

	(void)state;
	ccm_alarm_policy_default(&hold);
	hold.raise_hold = 0;
	hold.clear_hold = 60000;
	ccm_alarms_set_policy(as, CCM_ALARM_LOG_SILENT, &hold);
	/* 254 ASCII octets, then "é" across the 255-octet limit */
	memset(res, 'r', 254);
	memcpy(res + 254, "\xC3\xA9tail", sizeof("\xC3\xA9tail"));

	assert_int_equal(ccm_alarms_set(as, CCM_ALARM_AUTH_FAILURE, "op-x",
					true, t, NULL), 0);
	assert_int_equal(ccm_alarms_set(as, CCM_ALARM_ENDPOINT_REFUSED, res,
					true, t, NULL), 0);
	assert_int_equal(ccm_alarms_set(as, CCM_ALARM_LOG_SILENT, "/l/*.log",
					true, t, NULL), 0);
	assert_int_equal(ccm_alarms_set(as, CCM_ALARM_LOG_UNREADABLE,
					"/l/*.gz", true, t, NULL), 0);
	ccm_alarms_advance(as, t + 1000);
	assert_int_equal(ccm_alarms_set(as, CCM_ALARM_LOG_SILENT, "/l/*.log",
					false, t + 2000, NULL), 0);
	ccm_alarms_advance(as, t + 3000);

	view = view_of(&src);
	v = scalar(view, CCM_MIB_ALARMS_ACTIVE);
	assert_num(&v, CCM_SNMP_GAUGE32, 4);
	v = alarm_val(view, CCM_MIB_ALARM_TYPE, 1);
	assert_num(&v, CCM_SNMP_INTEGER, 2); /* authFailure(2) */
	v = alarm_val(view, CCM_MIB_ALARM_SEVERITY, 1);
	assert_num(&v, CCM_SNMP_INTEGER, 3); /* critical(3) */
	v = alarm_val(view, CCM_MIB_ALARM_RESOURCE_TYPE, 1);
	assert_num(&v, CCM_SNMP_INTEGER, 1); /* component(1) */

	v = alarm_val(view, CCM_MIB_ALARM_TYPE, 2);
	assert_num(&v, CCM_SNMP_INTEGER, 3); /* endpointRefused(3) */
	v = alarm_val(view, CCM_MIB_ALARM_SEVERITY, 2);
	assert_num(&v, CCM_SNMP_INTEGER, 4); /* major(4) */
	v = alarm_val(view, CCM_MIB_ALARM_RESOURCE_TYPE, 2);
	assert_num(&v, CCM_SNMP_INTEGER, 2); /* server(2) */
	v = alarm_val(view, CCM_MIB_ALARM_RESOURCE, 2);
	assert_int_equal(v.len, 254);
	assert_memory_equal(v.octets, res, 254);

	v = alarm_val(view, CCM_MIB_ALARM_TYPE, 3);
	assert_num(&v, CCM_SNMP_INTEGER, 5); /* logSilent(5) */
	v = alarm_val(view, CCM_MIB_ALARM_SEVERITY, 3);
	assert_num(&v, CCM_SNMP_INTEGER, 5); /* minor(5) */
	v = alarm_val(view, CCM_MIB_ALARM_RESOURCE_TYPE, 3);
	assert_num(&v, CCM_SNMP_INTEGER, 3); /* logFile(3) */
	v = alarm_val(view, CCM_MIB_ALARM_CONDITION, 3);
	assert_num(&v, CCM_SNMP_INTEGER, CCM_MIB_FALSE);

	v = alarm_val(view, CCM_MIB_ALARM_TYPE, 4);
	assert_num(&v, CCM_SNMP_INTEGER, 6); /* logUnreadable(6) */
	v = alarm_val(view, CCM_MIB_ALARM_SEVERITY, 4);
	assert_num(&v, CCM_SNMP_INTEGER, 4); /* major(4) */
	v = alarm_val(view, CCM_MIB_ALARM_RESOURCE_TYPE, 4);
	assert_num(&v, CCM_SNMP_INTEGER, 3); /* logFile(3) */
	v = alarm_val(view, CCM_MIB_ALARM_CONDITION, 4);
	assert_num(&v, CCM_SNMP_INTEGER, CCM_MIB_TRUE);
	ccm_snmp_view_free(view);
	ccm_alarms_free(as);
}

/* The textual conventions' mappings, one by one. */
static void test_enum_mappings(void **state)
{
	(void)state;
	assert_int_equal(ccm_snmp_alarm_type(CCM_ALARM_COMPONENT_DOWN), 1);
	assert_int_equal(ccm_snmp_alarm_type(CCM_ALARM_AUTH_FAILURE), 2);
	assert_int_equal(ccm_snmp_alarm_type(CCM_ALARM_ENDPOINT_REFUSED), 3);
	assert_int_equal(ccm_snmp_alarm_type(CCM_ALARM_ENDPOINT_UNREACHABLE),
			 15);
	assert_int_equal(ccm_snmp_alarm_type(CCM_ALARM_XCP_ROUTER_RESTART),
			 16);
	assert_int_equal(ccm_snmp_alarm_type(CCM_ALARM_PROBE_FAILING), 4);
	assert_int_equal(ccm_snmp_alarm_type(CCM_ALARM_LOG_SILENT), 5);
	assert_int_equal(ccm_snmp_alarm_type(CCM_ALARM_LOG_UNREADABLE), 6);
	assert_int_equal(ccm_snmp_alarm_type(CCM_ALARM_MESSAGING_BLOCKED), 7);
	assert_int_equal(ccm_snmp_alarm_type(CCM_ALARM_LOGGING_LOST), 10);
	assert_int_equal(ccm_snmp_alarm_type(CCM_ALARM_QUEUE_LATENCY_HIGH),
			 11);
	assert_int_equal(ccm_snmp_severity(CCM_SEV_CRITICAL), 3);
	assert_int_equal(ccm_snmp_severity(CCM_SEV_MAJOR), 4);
	assert_int_equal(ccm_snmp_severity(CCM_SEV_MINOR), 5);
	assert_int_equal(ccm_snmp_severity(CCM_SEV_WARNING), 6);
	assert_int_equal(ccm_snmp_resource_type(CCM_RES_COMPONENT), 1);
	assert_int_equal(ccm_snmp_resource_type(CCM_RES_SERVER), 2);
	assert_int_equal(ccm_snmp_resource_type(CCM_RES_LOG), 3);
}

/* ---- ccmonMessagingBlocked ----------------------------------------------- */

static long blocked(const struct ccm_engine *e, const struct ccm_config *cfg)
{
	struct ccm_snmp_source src = { .engine = e, .config = cfg };
	struct ccm_snmp_view *view = view_of(&src);
	struct ccm_snmp_value v = scalar(view, CCM_MIB_MESSAGING_BLOCKED);

	ccm_snmp_view_free(view);
	assert_int_equal(v.type, CCM_SNMP_INTEGER);
	return (long)v.num;
}

#define CS1_COMP "op-cs1.imp1-example-com" /* derived: server cs1, node */
#define CS2_COMP "op-cs2.imp1-example-com"

/* A judgement of the impacts decides, as the messaging-blocked alarm:
 * a server that does not answer blocks IM though every component is
 * ACTIVE (no engine here at all). */
static void set_message_reach(struct ccm_impact *im, enum ccm_reach reach)
{
	im->classes[CCM_CLASS_MESSAGE].reach = reach;
}

static void test_blocked_by_the_judged_impact(void **state)
{
	struct ccm_impact im[1];
	struct ccm_snmp_source src = { .impacts = im, .nimpacts = 1 };
	struct ccm_snmp_view *view;
	struct ccm_snmp_value v;

	(void)state;
	memset(im, 0, sizeof(im));
	im[0].scope = "cluster";
	im[0].classes[CCM_CLASS_MESSAGE] = (struct ccm_class_impact){
		.reach = CCM_REACH_ALL, .queueing = true, .hung = true,
	};
	view = view_of(&src);
	v = scalar(view, CCM_MIB_MESSAGING_BLOCKED);
	ccm_snmp_view_free(view);
	assert_int_equal(v.num, CCM_MIB_TRUE);
	/* through a function: the view reads im[0] by src (cppcheck sees
	 * a store never read) */
	set_message_reach(&im[0], CCM_REACH_SOME);
	view = view_of(&src);
	v = scalar(view, CCM_MIB_MESSAGING_BLOCKED);
	ccm_snmp_view_free(view);
	assert_int_equal(v.num, CCM_MIB_FALSE);
}

/* ccmonMessagingBlockedScopes counts the scopes whose messages reach
 * all(3): some(2) is degraded, not blocked (MIB: 0 = OK for check_snmp) */
static void test_blocked_scopes_counted(void **state)
{
	struct ccm_impact im[3];
	struct ccm_snmp_source src = { .impacts = im, .nimpacts = 3,
				       .alarms_changed_cs = 4242 };
	struct ccm_snmp_view *view;
	struct ccm_snmp_value v;

	(void)state;
	memset(im, 0, sizeof(im));
	im[0].scope = "cluster";
	im[1].scope = "imp1.example.com";
	im[2].scope = "imp2.example.com";
	view = view_of(&src);
	v = scalar(view, CCM_MIB_MESSAGING_BLOCKED_SCOPES);
	assert_int_equal(v.type, CCM_SNMP_GAUGE32);
	assert_int_equal(v.num, 0);
	v = scalar(view, CCM_MIB_ALARM_LAST_CHANGED);
	assert_int_equal(v.type, CCM_SNMP_TIMETICKS);
	assert_int_equal(v.num, 4242);
	ccm_snmp_view_free(view);
	set_message_reach(&im[0], CCM_REACH_ALL);
	set_message_reach(&im[1], CCM_REACH_SOME);
	set_message_reach(&im[2], CCM_REACH_ALL);
	view = view_of(&src);
	v = scalar(view, CCM_MIB_MESSAGING_BLOCKED_SCOPES);
	assert_int_equal(v.num, 2);
	v = scalar(view, CCM_MIB_MESSAGING_BLOCKED);
	assert_int_equal(v.num, CCM_MIB_TRUE);
	ccm_snmp_view_free(view);
}

static void test_blocked_default_profile(void **state)
{
	struct ccm_config *cfg = load_config(
		"[server cs1]\nhost = " HOST1 "\nport = 7999\n");
	struct ccm_engine *e = ccm_engine_new(NULL, NULL, NULL);

	(void)state;
	assert_non_null(e);
	assert_true(cfg->servers[0].profile->builtin);
	assert_string_equal(cfg->servers[0].component, CS1_COMP);
	/* never named in the log: unknown, not down */
	assert_int_equal(blocked(e, cfg), CCM_MIB_FALSE);
	feed_state(e, t0(), "op-other", CCM_STATE_ACTIVE);
	assert_int_equal(blocked(e, cfg), CCM_MIB_FALSE);
	feed_state(e, t0(), CS1_COMP, CCM_STATE_ACTIVE);
	assert_int_equal(blocked(e, cfg), CCM_MIB_FALSE);
	feed_state(e, t0() + 1000, CS1_COMP, CCM_STATE_GONE);
	assert_int_equal(blocked(e, cfg), CCM_MIB_TRUE);
	feed_state(e, t0() + 2000, CS1_COMP, CCM_STATE_CONNECTED);
	assert_int_equal(blocked(e, cfg), CCM_MIB_TRUE);
	feed_state(e, t0() + 3000, CS1_COMP, CCM_STATE_ACTIVE);
	assert_int_equal(blocked(e, cfg), CCM_MIB_FALSE);
	ccm_engine_free(e);
	ccm_config_free(cfg);
}

static void test_blocked_balanced_pair(void **state)
{
	struct ccm_config *cfg = load_config(
		"[server cs1]\nhost = " HOST1 "\nport = 7999\n\n"
		"[server cs2]\nhost = 10.53.52.206\nport = 7999\n");
	struct ccm_engine *e = ccm_engine_new(NULL, NULL, NULL);

	(void)state;
	assert_non_null(e);
	assert_ptr_equal(cfg->servers[0].profile, cfg->servers[1].profile);
	feed_state(e, t0(), CS1_COMP, CCM_STATE_GONE);
	feed_state(e, t0(), CS2_COMP, CCM_STATE_ACTIVE);
	assert_int_equal(blocked(e, cfg), CCM_MIB_FALSE);
	feed_state(e, t0() + 1000, CS2_COMP, CCM_STATE_GONE);
	assert_int_equal(blocked(e, cfg), CCM_MIB_TRUE);
	ccm_engine_free(e);
	ccm_config_free(cfg);
}

static void test_blocked_fire_and_forget(void **state)
{
	struct ccm_config *cfg = load_config(
		"[server cs1]\nhost = " HOST1 "\nport = 7999\n"
		"profile = Async\n\n"
		"[profile Async]\n"
		"jsm = es_IN:message:pass:fire-and-forget, "
		"es_OUT:message:pass:fire-and-forget\n");
	struct ccm_engine *e = ccm_engine_new(NULL, NULL, NULL);

	(void)state;
	assert_non_null(e);
	assert_false(ccm_profile_waits_for_messages(cfg->servers[0].profile));
	feed_state(e, t0(), CS1_COMP, CCM_STATE_GONE);
	assert_int_equal(blocked(e, cfg), CCM_MIB_FALSE);
	/* a component nobody configured: its profile is unknown, its own
	 * component-down alarm says it is down */
	feed_state(e, t0(), "op-legacy", CCM_STATE_GONE);
	assert_int_equal(blocked(e, cfg), CCM_MIB_FALSE);
	ccm_engine_free(e);
	ccm_config_free(cfg);
}

/* As ccmond runs (components bound under the configured spelling, named
 * in another case by the log): cs1 GONE, its balanced peer cs2 ACTIVE. */
static void test_blocked_peer_seen_in_other_case(void **state)
{
	struct ccm_config *cfg = load_config(
		"[server cs1]\nhost = " HOST1 "\nport = 7999\n"
		"component = op-CS1.imp1\n\n"
		"[server cs2]\nhost = 10.53.52.206\nport = 7999\n"
		"component = op-CS2.imp1\n");
	struct ccm_engine *e = ccm_engine_new(NULL, NULL, NULL);

	(void)state;
	assert_non_null(e);
	for (size_t i = 0; i < cfg->nservers; i++)
		assert_int_equal(ccm_engine_bind(e, cfg->servers[i].component,
						 cfg->servers[i].host,
						 cfg->servers[i].port), 0);
	feed_state(e, t0(), "op-cs1.imp1", CCM_STATE_GONE);
	feed_state(e, t0(), "op-cs2.imp1", CCM_STATE_ACTIVE);
	assert_int_equal(blocked(e, cfg), CCM_MIB_FALSE);
	ccm_engine_free(e);
	ccm_config_free(cfg);
}

/* ---- ccmonImpactTable ----------------------------------------------------- */

static struct oid impact_oid(unsigned col, const char *key)
{
	struct oid o = ROOT_OID(CCM_MIB_OBJECTS, CCM_MIB_IMPACT_TABLE, 1, col,
				(uint32_t)strlen(key));

	for (const char *p = key; *p; p++)
		oid_add(&o, (unsigned char)*p);
	return o;
}

/* One row per scope after the alarm table, by lower-case scope (shorter
 * first); the values of struct ccm_impact, enumerations none(1) some(2)
 * all(3). */
static void test_impact_rows(void **state)
{
	struct ccm_impact im[2];
	struct ccm_snmp_source src = { .impacts = im, .nimpacts = 2 };
	struct ccm_snmp_view *view;
	struct ccm_snmp_value v;
	uint8_t dt[CCM_MIB_DATEANDTIME_LEN];
	ccm_ms t = t0();

	(void)state;
	memset(im, 0, sizeof(im));
	im[0].scope = "IMP1.example.com";
	im[0].classes[CCM_CLASS_MESSAGE] = (struct ccm_class_impact){
		.reach = CCM_REACH_ALL, .since = t, .queueing = true,
		.queue_until = t + 300000, .worst_delay = 30000,
	};
	im[0].classes[CCM_CLASS_LOGIN] = (struct ccm_class_impact){
		.reach = CCM_REACH_SOME, .since = t - 1000,
	};
	im[0].logging_lost = true;
	im[0].logging_lost_since = t - 1000;
	strcpy(im[0].servers, "cs1");
	/* cppcheck-suppress unreadVariable ; read through src.impacts */
	im[1].scope = "b";
	view = view_of(&src);

	/* after the alarm table (none here): the first impact instance */
	expect_next(view, ROOT_OID(CCM_MIB_OBJECTS, CCM_MIB_ALARM_TABLE),
		    impact_oid(CCM_MIB_IMPACT_MESSAGES, "b"));
	expect_next(view, impact_oid(CCM_MIB_IMPACT_MESSAGES, "b"),
		    impact_oid(CCM_MIB_IMPACT_MESSAGES, "imp1.example.com"));
	v = get_found(view, impact_oid(CCM_MIB_IMPACT_MESSAGES,
				       "imp1.example.com"));
	assert_num(&v, CCM_SNMP_INTEGER, 3);
	v = get_found(view, impact_oid(CCM_MIB_IMPACT_LOGINS,
				       "imp1.example.com"));
	assert_num(&v, CCM_SNMP_INTEGER, 2);
	v = get_found(view, impact_oid(CCM_MIB_IMPACT_GROUP_CHAT, "b"));
	assert_num(&v, CCM_SNMP_INTEGER, 1);
	v = get_found(view, impact_oid(CCM_MIB_IMPACT_QUEUEING,
				       "imp1.example.com"));
	assert_num(&v, CCM_SNMP_INTEGER, CCM_MIB_TRUE);
	v = get_found(view, impact_oid(CCM_MIB_IMPACT_QUEUE_UNTIL,
				       "imp1.example.com"));
	ccm_snmp_local_date_and_time(t + 300000, dt);
	assert_int_equal(v.len, CCM_MIB_DATEANDTIME_LEN);
	assert_memory_equal(v.octets, dt, CCM_MIB_DATEANDTIME_LEN);
	v = get_found(view, impact_oid(CCM_MIB_IMPACT_REROUTE_AT,
				       "imp1.example.com"));
	assert_int_equal(v.len, 0);
	v = get_found(view, impact_oid(CCM_MIB_IMPACT_LOGGING_LOST,
				       "imp1.example.com"));
	assert_num(&v, CCM_SNMP_INTEGER, CCM_MIB_TRUE);
	v = get_found(view, impact_oid(CCM_MIB_IMPACT_SINCE,
				       "imp1.example.com"));
	ccm_snmp_local_date_and_time(t - 1000, dt);
	assert_memory_equal(v.octets, dt, CCM_MIB_DATEANDTIME_LEN);
	v = get_found(view, impact_oid(CCM_MIB_IMPACT_SINCE, "b"));
	assert_int_equal(v.len, 0);
	v = get_found(view, impact_oid(CCM_MIB_IMPACT_SERVERS,
				       "imp1.example.com"));
	assert_str(&v, "cs1");
	/* the scope again as a column, spelled as configured */
	v = get_found(view, impact_oid(CCM_MIB_IMPACT_SCOPE_NAME,
				       "imp1.example.com"));
	assert_str(&v, "IMP1.example.com");
	v = get_found(view, impact_oid(CCM_MIB_IMPACT_SCOPE_NAME, "b"));
	assert_str(&v, "b");
	expect_next(view, impact_oid(CCM_MIB_IMPACT_SERVERS,
				     "imp1.example.com"),
		    impact_oid(CCM_MIB_IMPACT_SCOPE_NAME, "b"));
	expect_no_next(view, impact_oid(CCM_MIB_IMPACT_SCOPE_NAME,
					"imp1.example.com"));
	/* the index column is not-accessible, as in the other tables */
	assert_int_equal(get_status(view, impact_oid(CCM_MIB_IMPACT_SCOPE, "b")),
			 CCM_SNMP_NO_SUCH_OBJECT);
	assert_int_equal(get_status(view, impact_oid(CCM_MIB_IMPACT_MESSAGES,
						     "c")),
			 CCM_SNMP_NO_SUCH_INSTANCE);
	ccm_snmp_view_free(view);
}

/* ---- the alarm history --------------------------------------------------- */

static struct oid history_oid(unsigned col, uint32_t id)
{
	return ROOT_OID(CCM_MIB_OBJECTS, CCM_MIB_HISTORY_TABLE, 1, col, id);
}

static void keep_cleared(void *ctx, const struct ccm_alarm_decision *d)
{
	assert_int_equal(ccm_cleared_alarms_add(ctx, d), 0);
}

/* Three alarms raised and cleared in another order than raised: the rows
 * are by id, after the impact table, each as its CLEARED said; the
 * oldest cleared goes past alarm_history. */
static void test_history_rows(void **state)
{
	struct ccm_cleared_alarms kept;
	struct ccm_alarm_policy p = { 0 };
	struct ccm_alarms *as;
	struct ccm_impact im[1];
	struct ccm_snmp_source src = { .cleared = &kept, .impacts = im,
				       .nimpacts = 1 };
	struct ccm_snmp_view *view;
	struct ccm_snmp_value v;
	const ccm_ms t = t0();

	(void)state;
	memset(im, 0, sizeof(im));
	im[0].scope = "cluster";
	ccm_cleared_alarms_init(&kept, 2);
	as = ccm_alarms_new(&p, keep_cleared, &kept);
	assert_non_null(as);
	/* ids 1, 2, 3 */
	assert_int_equal(ccm_alarms_set(as, CCM_ALARM_COMPONENT_DOWN, COMP1_LOG,
					true, t, "GONE"), 0);
	assert_int_equal(ccm_alarms_set(as, CCM_ALARM_LOG_UNREADABLE,
					"/var/log/rtr.log", true, t + 1000,
					"EACCES"), 0);
	assert_int_equal(ccm_alarms_set(as, CCM_ALARM_QUEUE_LATENCY_HIGH,
					COMP1_LOG, true, t + 2000, "p95 12s"),
			 0);
	/* cleared 2, 3, then 1: 2 is the oldest cleared, dropped */
	assert_int_equal(ccm_alarms_set(as, CCM_ALARM_LOG_UNREADABLE,
					"/var/log/rtr.log", false, t + 3000,
					"readable"), 0);
	assert_int_equal(ccm_alarms_set(as, CCM_ALARM_QUEUE_LATENCY_HIGH,
					COMP1_LOG, false, t + 4000, "p95 1s"),
			 0);
	assert_int_equal(ccm_alarms_set(as, CCM_ALARM_COMPONENT_DOWN, COMP1_LOG,
					false, t + 5000, "ACTIVE"), 0);
	view = view_of(&src);
	assert_int_equal(get_status(view, history_oid(CCM_MIB_HISTORY_TYPE, 2)),
			 CCM_SNMP_NO_SUCH_INSTANCE);
	/* the impact table's last instance, then the history's first */
	expect_next(view, impact_oid(CCM_MIB_IMPACT_LAST, "cluster"),
		    history_oid(CCM_MIB_HISTORY_TYPE, 1));
	expect_next(view, history_oid(CCM_MIB_HISTORY_TYPE, 1),
		    history_oid(CCM_MIB_HISTORY_TYPE, 3));
	expect_next(view, history_oid(CCM_MIB_HISTORY_TYPE, 3),
		    history_oid(CCM_MIB_HISTORY_RESOURCE_TYPE, 1));
	expect_no_next(view, history_oid(CCM_MIB_HISTORY_LAST, 3));

	v = get_found(view, history_oid(CCM_MIB_HISTORY_TYPE, 3));
	assert_num(&v, CCM_SNMP_INTEGER, 11); /* queueLatencyHigh(11) */
	v = get_found(view, history_oid(CCM_MIB_HISTORY_RESOURCE_TYPE, 3));
	assert_num(&v, CCM_SNMP_INTEGER, 1); /* component(1) */
	v = get_found(view, history_oid(CCM_MIB_HISTORY_RESOURCE, 3));
	assert_str(&v, COMP1_LOG);
	v = get_found(view, history_oid(CCM_MIB_HISTORY_SEVERITY, 3));
	assert_num(&v, CCM_SNMP_INTEGER, 4); /* major(4) */
	/* responseTimeExecessive(542), qualityOfServiceAlarm(3) */
	v = get_found(view, history_oid(CCM_MIB_HISTORY_PROBABLE_CAUSE, 3));
	assert_num(&v, CCM_SNMP_INTEGER, 542);
	v = get_found(view, history_oid(CCM_MIB_HISTORY_EVENT_TYPE, 3));
	assert_num(&v, CCM_SNMP_INTEGER, 3);
	v = get_found(view, history_oid(CCM_MIB_HISTORY_RAISED_TIME, 3));
	assert_date(&v, (const uint8_t[8]){ 0x07, 0xEA, 11, 25, 13, 5, 9, 8 });
	v = get_found(view, history_oid(CCM_MIB_HISTORY_SINCE, 3));
	assert_date(&v, (const uint8_t[8]){ 0x07, 0xEA, 11, 25, 13, 5, 9, 8 });
	v = get_found(view, history_oid(CCM_MIB_HISTORY_CLEARED_TIME, 3));
	assert_date(&v, (const uint8_t[8]){ 0x07, 0xEA, 11, 25, 13, 5, 11, 8 });
	v = get_found(view, history_oid(CCM_MIB_HISTORY_TEXT, 3));
	assert_str(&v, "p95 1s; the condition lasted 2.000s");

	v = get_found(view, history_oid(CCM_MIB_HISTORY_SEVERITY, 1));
	assert_num(&v, CCM_SNMP_INTEGER, 3); /* critical(3) */
	v = get_found(view, history_oid(CCM_MIB_HISTORY_CLEARED_TIME, 1));
	assert_date(&v, DT_T0_5S);
	/* the index is not-accessible */
	assert_int_equal(get_status(view, history_oid(CCM_MIB_HISTORY_ID, 1)),
			 CCM_SNMP_NO_SUCH_OBJECT);
	ccm_snmp_view_free(view);
	ccm_alarms_free(as);
	ccm_cleared_alarms_release(&kept);
}

/* ---- DateAndTime and UTF-8 ----------------------------------------------- */

#define DT_LEN CCM_MIB_DATEANDTIME_LEN

static ccm_ms local_time(int y, unsigned mo, unsigned d, int h, int mi)
{
	return ccm_days_from_civil(y, mo, d) * CCM_MS_PER_DAY +
	       ((ccm_ms)h * 60 + mi) * 60000;
}

static void test_date_and_time(void **state)
{
	uint8_t dt[DT_LEN];

	(void)state;
	ccm_snmp_date_and_time(t0(), 60, dt);
	assert_memory_equal(dt, DT_T0, 8);
	assert_memory_equal(dt + 8, DT_CET, 3);
	/* deci-seconds are cut, not rounded */
	ccm_snmp_date_and_time(t0() + 109, 0, dt);
	assert_memory_equal(dt, ((const uint8_t[DT_LEN]){
		0x07, 0xEA, 11, 25, 13, 5, 7, 9, '+', 0, 0 }), DT_LEN);
	ccm_snmp_date_and_time(0, -300, dt);
	assert_memory_equal(dt, ((const uint8_t[DT_LEN]){
		0x07, 0xB2, 1, 1, 0, 0, 0, 0, '-', 5, 0 }), DT_LEN);
	ccm_snmp_date_and_time(ccm_days_from_civil(1999, 12, 31) *
				       CCM_MS_PER_DAY +
			       CCM_MS_PER_DAY - 1, 330, dt);
	assert_memory_equal(dt, ((const uint8_t[DT_LEN]){
		0x07, 0xCF, 12, 31, 23, 59, 59, 9, '+', 5, 30 }), DT_LEN);
	/* before 1970; Newfoundland's -03:30 */
	ccm_snmp_date_and_time(-1, -210, dt);
	assert_memory_equal(dt, ((const uint8_t[DT_LEN]){
		0x07, 0xB1, 12, 31, 23, 59, 59, 9, '-', 3, 30 }), DT_LEN);
}

/* The offset is the one the local time has in the process's zone (main()
 * sets TEST_TZ): summer time included, each side of its changes. */
static void test_date_and_time_zone(void **state)
{
	uint8_t dt[DT_LEN];

	(void)state;
	assert_int_equal(ccm_time_local_offset(local_time(2026, 1, 15, 12, 0)),
			 60);
	assert_int_equal(ccm_time_local_offset(local_time(2026, 7, 1, 12, 0)),
			 120);
	/* 2026-03-29: 02:00 CET becomes 03:00 CEST */
	assert_int_equal(ccm_time_local_offset(local_time(2026, 3, 29, 1, 59)),
			 60);
	assert_int_equal(ccm_time_local_offset(local_time(2026, 3, 29, 3, 0)),
			 120);
	/* 2026-10-25: 03:00 CEST becomes 02:00 CET */
	assert_int_equal(ccm_time_local_offset(local_time(2026, 10, 25, 1, 30)),
			 120);
	assert_int_equal(ccm_time_local_offset(local_time(2026, 10, 25, 3, 30)),
			 60);
	ccm_snmp_local_date_and_time(local_time(2026, 7, 1, 12, 0), dt);
	assert_memory_equal(dt, ((const uint8_t[DT_LEN]){
		0x07, 0xEA, 7, 1, 12, 0, 0, 0, '+', 2, 0 }), DT_LEN);
	ccm_snmp_local_date_and_time(t0(), dt);
	assert_memory_equal(dt, DT_T0, 8);
	assert_memory_equal(dt + 8, DT_CET, 3);
}

static void test_utf8_cut(void **state)
{
	(void)state;
	assert_int_equal(ccm_snmp_utf8_cut("hello", 10), 5);
	assert_int_equal(ccm_snmp_utf8_cut("hello", 5), 5);
	assert_int_equal(ccm_snmp_utf8_cut("hello", 3), 3);
	assert_int_equal(ccm_snmp_utf8_cut("hello", 0), 0);
	assert_int_equal(ccm_snmp_utf8_cut("", 4), 0);
	assert_int_equal(ccm_snmp_utf8_cut(NULL, 4), 0);
	/* h é (C3 A9) l: cut inside é backs off to before it */
	assert_int_equal(ccm_snmp_utf8_cut("h\xC3\xA9l", 2), 1);
	assert_int_equal(ccm_snmp_utf8_cut("h\xC3\xA9l", 3), 3);
	/* a € (E2 82 AC) b: inside € at either continuation byte */
	assert_int_equal(ccm_snmp_utf8_cut("a\xE2\x82\xAC" "b", 2), 1);
	assert_int_equal(ccm_snmp_utf8_cut("a\xE2\x82\xAC" "b", 3), 1);
	assert_int_equal(ccm_snmp_utf8_cut("a\xE2\x82\xAC" "b", 4), 4);
	/* 4 bytes: U+1F600 (F0 9F 98 80) */
	assert_int_equal(ccm_snmp_utf8_cut("\xF0\x9F\x98\x80", 3), 0);
}

/* SnmpAdminString and CcmonText are UTF-8 text for operators: a name from
 * a log with escapes, C1, U+202E or stray bytes comes out valid and
 * inert, U+FFFD for each, cut between characters. */
static void test_snmp_text_cleaned(void **state)
{
	uint8_t b[CCM_SNMP_OCTETS_MAX];
	size_t n;

	(void)state;
	n = ccm_snmp_text(b, 255, "op-\x1b[2J\xc2\x9b\xe2\x80\xae\xe2\x80\xac\xff-x");
	assert_int_equal(n, 3 + 3 + 3 + 3 + 3 + 3 + 3 + 2); /* 5 replaced */
	assert_memory_equal(b, "op-\xef\xbf\xbd[2J\xef\xbf\xbd\xef\xbf\xbd"
			    "\xef\xbf\xbd\xef\xbf\xbd-x", n);
	/* a replacement does not fit in 5 bytes after "op-" */
	assert_int_equal(ccm_snmp_text(b, 5, "op-\x01x"), 3);
	assert_int_equal(ccm_snmp_text(b, 255, NULL), 0);
	assert_int_equal(ccm_snmp_text(b, 99999, "ok"), 2);
}

static void test_root(void **state)
{
	size_t len = 0;
	const uint32_t *r = ccm_snmp_root(&len);

	(void)state;
	assert_int_equal(len, 10);
	assert_memory_equal(r, ((const uint32_t[]){ 1, 3, 6, 1, 4, 1, 8072,
						   9999, 9999, 42 }),
			    10 * sizeof(uint32_t));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_walk_order),
		cmocka_unit_test(test_next_from_anywhere),
		cmocka_unit_test(test_get_no_such),
		cmocka_unit_test(test_get_object_without_instance),
		cmocka_unit_test(test_scalars),
		cmocka_unit_test(test_counter32_wraps_gauge32_latches),
		cmocka_unit_test(test_uptime_wraps),
		cmocka_unit_test(test_null_source),
		cmocka_unit_test(test_component_seen_and_configured),
		cmocka_unit_test(test_component_name_as_configured),
		cmocka_unit_test(test_component_configured_not_seen),
		cmocka_unit_test(test_component_seen_not_configured),
		cmocka_unit_test(test_component_states_and_causes),
		cmocka_unit_test(test_component_index),
		cmocka_unit_test(test_component_probe_columns),
		cmocka_unit_test(test_component_bound_and_seen_in_other_case),
		cmocka_unit_test(test_component_queue_columns),
		cmocka_unit_test(test_alarm_rows),
		cmocka_unit_test(test_alarm_kinds),
		cmocka_unit_test(test_enum_mappings),
		cmocka_unit_test(test_impact_rows),
		cmocka_unit_test(test_blocked_by_the_judged_impact),
		cmocka_unit_test(test_blocked_scopes_counted),
		cmocka_unit_test(test_blocked_default_profile),
		cmocka_unit_test(test_blocked_balanced_pair),
		cmocka_unit_test(test_blocked_fire_and_forget),
		cmocka_unit_test(test_blocked_peer_seen_in_other_case),
		cmocka_unit_test(test_history_rows),
		cmocka_unit_test(test_date_and_time),
		cmocka_unit_test(test_date_and_time_zone),
		cmocka_unit_test(test_utf8_cut),
		cmocka_unit_test(test_snmp_text_cleaned),
		cmocka_unit_test(test_root),
	};

	/* times carry the zone's offset: one zone, whatever the host's */
	if (setenv("TZ", TEST_TZ, 1))
		return 1;
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: ISC */
/* Unit tests for parsers/config.c: one test per rule, each asserting the
 * complete list of findings (rule, line, level), so that a rule cannot
 * fire where it should not either. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "agent/util/listen_addr.h"
#include "parsers/config.h"

#define SEC INT64_C(1000)
#define MIN (60 * SEC)

/* A valid start that each test extends: lines 1-6. */
#define AGENT                                   \
	"[agent]\n"                             \
	"log = /var/log/rtr-jsm-1_*.log\n"      \
	"node = imp1.example.com\n"
#define SERVER                                  \
	"[server cs1]\n"                        \
	"host = 10.53.52.205\n"                 \
	"port = 7999\n"
#define BASE AGENT SERVER

struct want {
	const char *rule;
	unsigned line;
	enum ccm_level level;
};
#define E(rule, line) { rule, line, CCM_LEVEL_ERROR }
#define W(rule, line) { rule, line, CCM_LEVEL_WARNING }

/* Writes text to a new temporary file; returns its malloc'd path. */
static char *temp_file(const char *text)
{
	const char *dir = getenv("TMPDIR");
	char *path;
	int fd;
	size_t len = strlen(text);

	assert_true(asprintf(&path, "%s/ccm-config-XXXXXX",
			     dir && *dir ? dir : "/tmp") > 0);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
	return path;
}

struct loaded {
	char *path;
	struct ccm_config *config;
	struct ccm_findings findings;
	int rc;
};

static void load_text(struct loaded *l, const char *text)
{
	l->path = temp_file(text);
	ccm_findings_init(&l->findings);
	l->rc = ccm_config_load(l->path, &l->config, &l->findings);
	assert_true(l->rc >= 0);
	assert_int_equal((size_t)l->rc, l->findings.errors);
	assert_true(l->rc ? !l->config : l->config != NULL);
}

static void unload(struct loaded *l)
{
	ccm_config_free(l->config);
	ccm_findings_release(&l->findings);
	unlink(l->path);
	free(l->path);
}

static void dump(const struct ccm_findings *f)
{
	ccm_findings_print(f, stderr);
}

/* Asserts that the findings are exactly want, in order. */
static void assert_findings(const struct ccm_findings *f,
			    const struct want *want, size_t n)
{
	if (f->n != n)
		dump(f);
	assert_int_equal(f->n, n);
	for (size_t i = 0; i < n; i++) {
		const struct ccm_finding *x = &f->v[i];

		if (strcmp(x->rule, want[i].rule) || x->line != want[i].line ||
		    x->level != want[i].level)
			dump(f);
		assert_string_equal(x->rule, want[i].rule);
		assert_int_equal(x->line, want[i].line);
		assert_int_equal(x->level, want[i].level);
	}
}

#define EXPECT(text, ...)                                                  \
	do {                                                               \
		static const struct want w_[] = { __VA_ARGS__ };           \
		struct loaded l_;                                          \
		load_text(&l_, text);                                      \
		assert_findings(&l_.findings, w_, sizeof(w_) / sizeof(w_[0])); \
		unload(&l_);                                               \
	} while (0)

/* Loads text that must be clean: no findings at all. */
static struct loaded load_clean(const char *text)
{
	struct loaded l;

	load_text(&l, text);
	if (l.findings.n)
		dump(&l.findings);
	assert_int_equal(l.findings.n, 0);
	return l;
}

/* The message of the only finding matching rule contains needle. */
static void assert_message(const char *text, const char *rule,
			   const char *needle)
{
	struct loaded l;
	bool found = false;

	load_text(&l, text);
	for (size_t i = 0; i < l.findings.n; i++) {
		if (strcmp(l.findings.v[i].rule, rule))
			continue;
		if (!strstr(l.findings.v[i].message, needle))
			dump(&l.findings);
		assert_non_null(strstr(l.findings.v[i].message, needle));
		found = true;
	}
	assert_true(found);
	unload(&l);
}

/* ---- reading ----------------------------------------------------------- */

static void test_base_is_clean(void **state)
{
	struct loaded l = load_clean(BASE);

	(void)state;
	unload(&l);
}

static void test_open(void **state)
{
	struct ccm_findings f;
	struct ccm_config *c = (struct ccm_config *)&f; /* must be reset */
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	(void)state;
	ccm_findings_init(&f);
	assert_int_equal(ccm_config_load("/nonexistent/ccmon.conf", &c, &f),
			 1);
	assert_null(c);
	assert_int_equal(f.n, 1);
	assert_string_equal(f.v[0].rule, "open");
	assert_int_equal(f.v[0].line, 0);
	assert_int_equal(f.v[0].level, CCM_LEVEL_ERROR);
	out = open_memstream(&text, &len);
	assert_non_null(out);
	assert_int_equal(ccm_finding_print(&f.v[0], out), 0);
	fclose(out);
	assert_string_equal(text, "/nonexistent/ccmon.conf: error: cannot"
			    " open: No such file or directory [open]\n");
	free(text);
	ccm_findings_release(&f);
}

static void test_read_error(void **state)
{
	struct ccm_findings f;
	struct ccm_config *c;

	(void)state;
	ccm_findings_init(&f);
	assert_int_equal(ccm_config_load("/", &c, &f), 1);
	assert_null(c);
	assert_string_equal(f.v[0].rule, "open");
	assert_string_equal(f.v[0].message, "cannot open: not a regular file"
			    " but a directory");
	assert_int_equal(f.v[0].line, 0);
	ccm_findings_release(&f);
}

/* A FIFO in the file's place: refused at once, never waited on (no writer
 * ever comes: a load that waits is ended by the alarm, a failure). */
static void test_fifo_refused(void **state)
{
	const char *dir = getenv("TMPDIR");
	struct ccm_findings f;
	struct ccm_config *c;
	char *path;

	(void)state;
	assert_true(asprintf(&path, "%s/ccm-config-fifo-%ld",
			     dir && *dir ? dir : "/tmp", (long)getpid()) > 0);
	unlink(path);
	assert_int_equal(mkfifo(path, 0600), 0);
	ccm_findings_init(&f);
	alarm(60);
	assert_int_equal(ccm_config_load(path, &c, &f), 1);
	alarm(0);
	assert_null(c);
	assert_int_equal(f.n, 1);
	assert_string_equal(f.v[0].rule, "open");
	assert_string_equal(f.v[0].message, "cannot open: not a regular file"
			    " but a FIFO");
	ccm_findings_release(&f);
	unlink(path);
	free(path);
}

/* /dev/zero, endless: refused for what it is, not read into memory. */
static void test_device_refused(void **state)
{
	struct ccm_findings f;
	struct ccm_config *c;

	(void)state;
	ccm_findings_init(&f);
	alarm(60);
	assert_int_equal(ccm_config_load("/dev/zero", &c, &f), 1);
	alarm(0);
	assert_null(c);
	assert_int_equal(f.n, 1);
	assert_string_equal(f.v[0].rule, "open");
	assert_string_equal(f.v[0].message, "cannot open: not a regular file"
			    " but a character device");
	ccm_findings_release(&f);
}

/* The size bound, to the byte: a valid file of exactly the bound loads
 * (comment padding), one byte more is refused unread. */
static void test_size_bound(void **state)
{
	const char *head = BASE "; ";
	size_t hlen = strlen(head);
	char *text = malloc(CCM_CONFIG_MAX_BYTES + 2);
	struct loaded l;

	(void)state;
	assert_non_null(text);
	memcpy(text, head, hlen);
	memset(text + hlen, 'x', CCM_CONFIG_MAX_BYTES - hlen - 1);
	text[CCM_CONFIG_MAX_BYTES - 1] = '\n';
	text[CCM_CONFIG_MAX_BYTES] = '\0';
	load_text(&l, text);
	assert_int_equal(l.rc, 0);
	unload(&l);

	text[CCM_CONFIG_MAX_BYTES - 1] = 'x';
	text[CCM_CONFIG_MAX_BYTES] = '\n';
	text[CCM_CONFIG_MAX_BYTES + 1] = '\0';
	load_text(&l, text);
	assert_int_equal(l.rc, 1);
	assert_int_equal(l.findings.n, 1);
	assert_string_equal(l.findings.v[0].rule, "too-large");
	assert_int_equal(l.findings.v[0].line, 0);
	unload(&l);
	free(text);
}

static void test_syntax(void **state)
{
	(void)state;
	EXPECT(BASE "just words\n", E("syntax", 7));
	EXPECT(BASE "[agent\nnode = x\n", E("syntax", 7));
	EXPECT(BASE "[profile P] extra\njsm = es_IN:all:pass\n",
	       E("syntax", 7));
	EXPECT(BASE "= 1\n", E("syntax", 7));
	/* a comment is not a value */
	EXPECT(BASE "port ; 7999\n", E("syntax", 7));
}

static void test_comments_and_indentation(void **state)
{
	struct loaded l;

	(void)state;
	/* indented lines are keys, not libinih continuation lines;
	 * ' ;' starts a comment, ';' alone does not */
	l = load_clean("; leading comment\n"
		       "# hash comment\n"
		       "[agent] ; comment after a header\n"
		       "    log = /var/log/a.log ; trailing comment\n"
		       "\tnode = imp1.example.com\n"
		       "[server cs1]\n"
		       "  host = h1\n"
		       "  port = 7999\n"
		       "  description = a;b\n");
	assert_int_equal(l.config->agent.nlogs, 1);
	assert_string_equal(l.config->agent.logs[0], "/var/log/a.log");
	assert_string_equal(l.config->agent.node, "imp1.example.com");
	assert_string_equal(l.config->servers[0].host, "h1");
	assert_string_equal(l.config->servers[0].description, "a;b");
	unload(&l);
}

static void test_line_too_long(void **state)
{
	char text[1024];
	char path[300];

	(void)state;
	memset(path, 'a', sizeof(path));
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	snprintf(text, sizeof(text), AGENT "log = %s\n" SERVER, path);
	EXPECT(text, E("line-too-long", 4));
	/* 198 characters still fit */
	path[198 - strlen("log = ")] = '\0';
	snprintf(text, sizeof(text), AGENT "log = %s\n" SERVER, path);
	EXPECT(text);
}

static void test_no_section(void **state)
{
	(void)state;
	EXPECT("log = /var/log/a.log\n" BASE, E("no-section", 1));
}

static void test_unknown_section(void **state)
{
	(void)state;
	EXPECT(BASE "[sever cs2]\nhost = x\n", E("unknown-section", 7));
	assert_message(BASE "[sever cs2]\n", "unknown-section",
		       "did you mean [server cs2]?");
	EXPECT(BASE "[logging]\n", E("unknown-section", 7));
}

static void test_section_name(void **state)
{
	(void)state;
	EXPECT(BASE "[server]\nhost = x\n", E("section-name", 7));
	EXPECT(BASE "[profile]\n", E("section-name", 7));
	/* whole-file findings come first */
	EXPECT("[agent main]\n" "log = /a\n" "node = n\n" SERVER,
	       E("missing-key", 0), E("missing-key", 0),
	       E("section-name", 1));
}

static void test_server_name(void **state)
{
	(void)state;
	EXPECT(BASE "[server cs.2]\nhost = h2\nport = 7999\n",
	       E("server-name", 7));
	EXPECT(BASE "[server cs_2-b]\nhost = h2\nport = 7999\n");
}

static void test_duplicate_section(void **state)
{
	(void)state;
	EXPECT(BASE "[server cs1]\nhost = h2\nport = 1\n",
	       E("duplicate-section", 7));
	EXPECT(BASE "[agent]\nstate_dir = /x\n", E("duplicate-section", 7));
	EXPECT(BASE "[profile P]\njsm = es_IN:all:pass\n"
	       "[profile P]\njsm = es_IN:all:pass\n",
	       W("unused-profile", 7), E("duplicate-section", 9));
}

static void test_unknown_key(void **state)
{
	(void)state;
	EXPECT(BASE "prot = 1\n", E("unknown-key", 7));
	assert_message(BASE "prot = 1\n", "unknown-key",
		       "did you mean 'port'?");
	assert_message(BASE "Host = h\n", "unknown-key",
		       "did you mean 'host'?");
	assert_message(AGENT "host = h\n" SERVER, "unknown-key",
		       "belongs in [server NAME]");
	assert_message(BASE "[profile P]\nnode = n\n", "unknown-key",
		       "belongs in [agent] or [server NAME]");
	EXPECT(BASE "colour = blue\n", E("unknown-key", 7));
}

static void test_duplicate_key(void **state)
{
	struct loaded l;

	(void)state;
	EXPECT(BASE "port = 8000\n", E("duplicate-key", 7));
	EXPECT(AGENT "node = imp2\n" SERVER, E("duplicate-key", 4));
	/* log, jsm and tc repeat */
	l = load_clean(AGENT "log = /var/log/b.log\n" SERVER);
	assert_int_equal(l.config->agent.nlogs, 2);
	assert_string_equal(l.config->agent.logs[1], "/var/log/b.log");
	unload(&l);
}

static void test_missing_key(void **state)
{
	(void)state;
	EXPECT(SERVER, E("missing-key", 0), E("missing-key", 0));
	assert_message(SERVER, "missing-key", "no [agent] section");
	EXPECT("[agent]\nnode = n\n" SERVER, E("missing-key", 1));
	EXPECT("[agent]\nlog = /l\n" SERVER, E("missing-key", 1));
	EXPECT(AGENT "[server cs1]\n", E("missing-key", 4),
	       E("missing-key", 4));
	/* no server at all is fine: the agent can still watch the log */
	EXPECT(AGENT);
}

/* ---- the vendor's rules --------------------------------------------- */

static void test_host_characters(void **state)
{
	struct loaded l;

	(void)state;
	EXPECT(AGENT "[server cs1]\nhost = cs 1.example.com\nport = 1\n",
	       E("host-characters", 5));
	EXPECT(AGENT "[server cs1]\nhost = 10.0.0.1:7999\nport = 1\n",
	       E("host-characters", 5));
	EXPECT(AGENT "[server cs1]\nhost =\nport = 1\n",
	       E("host-characters", 5));
	EXPECT(AGENT "[server cs1]\nhost = héte\nport = 1\n",
	       E("host-characters", 5));
	/* the vendor allows a backslash */
	l = load_clean(AGENT "[server cs1]\nhost = CORP\\cs_1-a.b\n"
		       "port = 1\n");
	assert_string_equal(l.config->servers[0].host, "CORP\\cs_1-a.b");
	unload(&l);
}

static void test_port(void **state)
{
	struct loaded l;

	(void)state;
	EXPECT(AGENT "[server cs1]\nhost = h\nport = 0\n", E("port", 6));
	EXPECT(AGENT "[server cs1]\nhost = h\nport = 65536\n", E("port", 6));
	EXPECT(AGENT "[server cs1]\nhost = h\nport = -1\n", E("port", 6));
	EXPECT(AGENT "[server cs1]\nhost = h\nport = 79a\n", E("port", 6));
	EXPECT(AGENT "[server cs1]\nhost = h\nport = +80\n", E("port", 6));
	l = load_clean(AGENT "[server cs1]\nhost = h\nport = 65535\n");
	assert_int_equal(l.config->servers[0].port, 65535);
	unload(&l);
}

static void test_profile_name(void **state)
{
	struct loaded l;
	char *text = NULL, *want;
	size_t len = 0;
	FILE *out;

	(void)state;
	load_text(&l, BASE "profile = EthicalWall\n"
		  "[profile Ethical Wall]\njsm = es_IN:all:pass\n");
	assert_int_equal(l.findings.n, 3);
	assert_string_equal(l.findings.v[0].rule, "unknown-profile");
	assert_int_equal(l.findings.v[0].line, 7);
	assert_string_equal(l.findings.v[1].rule, "profile-name");
	assert_int_equal(l.findings.v[1].line, 8);
	assert_int_equal(l.findings.v[1].level, CCM_LEVEL_ERROR);
	assert_string_equal(l.findings.v[2].rule, "unused-profile");
	out = open_memstream(&text, &len);
	ccm_finding_print(&l.findings.v[1], out);
	fclose(out);
	assert_true(asprintf(&want, "%s:8: error: [profile Ethical Wall]"
			     " profile names must be alphanumeric (vendor"
			     " rule; no spaces) [profile-name]\n",
			     l.path) > 0);
	assert_string_equal(text, want);
	free(want);
	free(text);
	unload(&l);
	EXPECT(BASE "[profile Ethical-Wall]\njsm = es_IN:all:pass\n",
	       E("profile-name", 7), W("unused-profile", 7));
}

static void test_builtin_readonly(void **state)
{
	(void)state;
	EXPECT(BASE "[profile SystemDefaultComplianceProfile]\n"
	       "jsm = es_IN:all:pass\n", E("builtin-readonly", 7));
	EXPECT(BASE "[profile systemdefaultcomplianceprofile]\n",
	       E("builtin-readonly", 7));
}

static void test_unknown_profile(void **state)
{
	(void)state;
	EXPECT(BASE "profile = EthicalWal\n"
	       "[profile EthicalWall]\njsm = es_IN:all:pass\n",
	       E("unknown-profile", 7), W("unused-profile", 8));
	assert_message(BASE "profile = EthicalWal\n"
		       "[profile EthicalWall]\njsm = es_IN:all:pass\n",
		       "unknown-profile", "did you mean 'EthicalWall'?");
	/* the built-in one needs no section */
	EXPECT(BASE "profile = SystemDefaultComplianceProfile\n");
	EXPECT(BASE "profile = Nowhere\n", E("unknown-profile", 7));
	/* a rejected section defines nothing */
	EXPECT(BASE "profile = P\n[profile P Q]\njsm = es_IN:all:pass\n",
	       E("unknown-profile", 7), E("profile-name", 8),
	       W("unused-profile", 8));
}

#define PROFILE(lines) BASE "profile = P\n[profile P]\n" lines /* 7-8 */

static void test_unknown_event(void **state)
{
	(void)state;
	EXPECT(PROFILE("jsm = e_SESION:all:pass\n"), E("unknown-event", 9));
	assert_message(PROFILE("jsm = e_SESION:all:pass\n"), "unknown-event",
		       "did you mean 'e_SESSION'?");
	assert_message(PROFILE("jsm = es_in:all:pass\n"), "unknown-event",
		       "did you mean 'es_IN'?");
	EXPECT(PROFILE("jsm = onBeforeSend:all:pass\n"),
	       E("unknown-event", 9));
	assert_message(PROFILE("jsm = onBeforeSend:all:pass\n"),
		       "unknown-event", "list it under 'tc'");
	EXPECT(PROFILE("tc = es_IN:pass\n"), E("unknown-event", 9));
	EXPECT(PROFILE("tc = onNothing:pass\n"), E("unknown-event", 9));
}

static void test_all_events_known(void **state)
{
	struct loaded l;

	(void)state;
	l = load_clean(PROFILE(
		"jsm = e_SESSION:all:pass, e_OFFLINE:all:pass\n"
		"jsm = e_SERVER:all:pass, e_DELIVER:all:pass, e_AUTH:all:pass\n"
		"jsm = e_REGISTER:all:pass, e_STATS:all:pass\n"
		"jsm = e_DISCOFEAT:all:pass, e_PRISESSION:all:pass\n"
		"jsm = es_IN:all:pass, es_OUT:all:pass, es_END:all:pass\n"
		"tc = onServicePacket:pass, onBeforeRoomCreate:pass\n"
		"tc = onAfterRoomCreate:pass, onServiceDiscoInfo:pass\n"
		"tc = onServiceReconfig:pass, onDestroy:pass, onClose:pass\n"
		"tc = onPacket:pass, onMetaInfoGet:pass\n"
		"tc = onBeforeMetaInfoSet:pass, onAfterMetaInfoSet:pass\n"
		"tc = onExamineRoom:pass, onBeforeChangeUser:pass\n"
		"tc = onAfterChangeUser:pass, onBeforeChangeAffiliation:pass\n"
		"tc = onAfterChangeAffiliation:pass\n"
		"tc = onBeforeRemoveAffiliation:pass\n"
		"tc = onAfterRemoveAffiliation:pass, onBeforeJoin:pass\n"
		"tc = onAfterJoin:pass, onLeave:pass, onBeforeSubject:pass\n"
		"tc = onAfterSubject:pass, onBeforeInvite:pass\n"
		"tc = onAfterInvite:pass, onHistory:pass, onBeforeSend:pass\n"
		"tc = onBeforeBroadcast:pass\n"));
	assert_int_equal(ccm_config_profile(l.config, "P")->nevents, 12 + 28);
	unload(&l);
}

static void test_event_syntax(void **state)
{
	(void)state;
	EXPECT(PROFILE("jsm = es_IN:pass\n"), E("event-syntax", 9));
	EXPECT(PROFILE("jsm = es_IN:all:pass:fire-and-forget:x\n"),
	       E("event-syntax", 9));
	EXPECT(PROFILE("jsm = es_IN:all:pass:forget\n"), E("event-syntax", 9));
	EXPECT(PROFILE("tc = onBeforeSend:all:pass\n"), E("event-syntax", 9));
	assert_message(PROFILE("tc = onBeforeSend:all:pass\n"),
		       "event-syntax", "TC events have no packet type");
	EXPECT(PROFILE("jsm = es_IN:pass:fire-and-forget\n"),
	       E("event-syntax", 9));
	assert_message(PROFILE("jsm = es_IN:pass:fire-and-forget\n"),
		       "event-syntax", "the packet type is missing");
	EXPECT(PROFILE("jsm = es_IN:all:pass,\n"), E("event-syntax", 9));
	EXPECT(PROFILE("jsm =\n"), E("event-syntax", 9));
}

static void test_packet_type(void **state)
{
	struct loaded l;

	(void)state;
	EXPECT(PROFILE("jsm = es_IN:messages:pass\n"), E("packet-type", 9));
	l = load_clean(PROFILE("jsm = es_IN:IQ:pass\n"));
	assert_int_equal(ccm_config_profile(l.config, "P")->events[0].packet,
			 CCM_PACKET_IQ);
	unload(&l);
}

static void test_handling(void **state)
{
	struct loaded l;
	const struct ccm_profile *pr;

	(void)state;
	EXPECT(PROFILE("jsm = es_IN:all:drop\n"), E("handling", 9));
	EXPECT(PROFILE("tc = onBeforeSend:handle\n"), E("handling", 9));
	/* the vendor writes BOUNCE and PASS */
	l = load_clean(PROFILE("jsm = es_IN:all:BOUNCE\n"
			       "tc = onBeforeSend:PASS:Fire-And-Forget\n"));
	pr = ccm_config_profile(l.config, "P");
	assert_int_equal(pr->events[0].handling, CCM_HANDLING_BOUNCE);
	assert_int_equal(pr->events[1].handling, CCM_HANDLING_PASS);
	assert_true(pr->events[1].fire_and_forget);
	unload(&l);
}

static void test_duplicate_event(void **state)
{
	(void)state;
	EXPECT(PROFILE("jsm = es_IN:message:pass, es_IN:message:bounce\n"),
	       E("duplicate-event", 9));
	EXPECT(PROFILE("jsm = es_IN:message:pass\n"
		       "jsm = es_IN:message:pass\n"), E("duplicate-event", 10));
	EXPECT(PROFILE("tc = onBeforeSend:pass\ntc = onBeforeSend:bounce\n"),
	       E("duplicate-event", 10));
	/* another packet type is another entry */
	EXPECT(PROFILE("jsm = es_IN:message:pass, es_IN:iq:pass\n"));
}

static void test_all_exclusive(void **state)
{
	(void)state;
	EXPECT(PROFILE("jsm = es_IN:all:pass\njsm = es_IN:message:pass\n"),
	       E("all-exclusive", 10));
	EXPECT(PROFILE("jsm = es_IN:iq:pass\njsm = es_IN:all:pass\n"),
	       E("all-exclusive", 10));
	/* all of one event says nothing about another */
	EXPECT(PROFILE("jsm = es_IN:all:pass, es_OUT:message:pass\n"));
}

static void test_all_equivalent(void **state)
{
	struct loaded l;
	const struct ccm_profile *pr;

	(void)state;
	load_text(&l, PROFILE("jsm = es_IN:iq:pass, es_IN:message:pass\n"
			      "jsm = es_OUT:message:bounce\n"
			      "jsm = es_IN:presence:pass\n"
			      "jsm = es_IN:subscription:pass\n"));
	{
		static const struct want w[] = { W("all-equivalent", 12) };
		assert_findings(&l.findings, w, 1);
	}
	pr = ccm_config_profile(l.config, "P");
	assert_int_equal(pr->nevents, 2);
	assert_string_equal(pr->events[0].name, "es_IN");
	assert_int_equal(pr->events[0].packet, CCM_PACKET_ALL);
	assert_int_equal(pr->events[0].handling, CCM_HANDLING_PASS);
	assert_string_equal(pr->events[1].name, "es_OUT");
	unload(&l);
	/* different handlings are not one 'all' */
	l = load_clean(PROFILE("jsm = es_IN:iq:pass, es_IN:message:bounce\n"
			       "jsm = es_IN:presence:pass\n"
			       "jsm = es_IN:subscription:pass\n"));
	assert_int_equal(ccm_config_profile(l.config, "P")->nevents, 4);
	unload(&l);
}

static void test_priority(void **state)
{
	(void)state;
	EXPECT(PROFILE("jsm = es_IN:all:pass\npriority = 0\n"),
	       E("priority", 10));
	EXPECT(PROFILE("jsm = es_IN:all:pass\npriority = first\n"),
	       E("priority", 10));
	EXPECT(PROFILE("jsm = es_IN:all:pass\npriority = -2\n"),
	       E("priority", 10));
}

static void test_duplicate_priority(void **state)
{
	(void)state;
	EXPECT(PROFILE("jsm = es_IN:all:pass\npriority = 2\n"
		       "[profile Q]\njsm = es_IN:all:pass\npriority = 2\n"),
	       W("unused-profile", 11), E("duplicate-priority", 13));
}

static void test_priority_defaults(void **state)
{
	struct loaded l;
	const struct ccm_config *c;

	(void)state;
	/* explicit 5 and 1; A and B follow in section order; then the
	 * built-in profile */
	l = load_clean(AGENT
		       "[server s1]\nhost = h1\nport = 1\nprofile = A\n"
		       "[server s2]\nhost = h2\nport = 1\nprofile = B\n"
		       "[server s3]\nhost = h3\nport = 1\nprofile = C\n"
		       "[server s4]\nhost = h4\nport = 1\nprofile = D\n"
		       "[profile A]\njsm = es_IN:all:pass\n"
		       "[profile C]\njsm = es_IN:all:pass\npriority = 5\n"
		       "[profile B]\njsm = es_IN:all:pass\n"
		       "[profile D]\njsm = es_IN:all:pass\npriority = 1\n");
	c = l.config;
	assert_int_equal(c->nprofiles, 5);
	assert_string_equal(c->profiles[0].name, "D");
	assert_int_equal(c->profiles[0].priority, 1);
	assert_false(c->profiles[0].priority_derived);
	assert_string_equal(c->profiles[1].name, "C");
	assert_int_equal(c->profiles[1].priority, 5);
	assert_string_equal(c->profiles[2].name, "A");
	assert_int_equal(c->profiles[2].priority, 6);
	assert_true(c->profiles[2].priority_derived);
	assert_string_equal(c->profiles[3].name, "B");
	assert_int_equal(c->profiles[3].priority, 7);
	assert_string_equal(c->profiles[4].name, CCM_BUILTIN_PROFILE);
	assert_int_equal(c->profiles[4].priority, 8);
	/* servers point at the sorted array */
	assert_ptr_equal(ccm_config_server(c, "s1")->profile,
			 &c->profiles[2]);
	assert_ptr_equal(ccm_config_server(c, "s4")->profile,
			 &c->profiles[0]);
	unload(&l);
}

static void test_duplicate_server(void **state)
{
	(void)state;
	EXPECT(BASE "[server cs2]\nhost = 10.53.52.205\nport = 7999\n",
	       E("duplicate-server", 7));
	/* host names compare ignoring case */
	EXPECT(AGENT "[server a]\nhost = CS.example.com\nport = 1\n"
	       "[server b]\nhost = cs.EXAMPLE.com\nport = 1\n",
	       E("duplicate-server", 7));
	/* another port, or another node, is another server */
	EXPECT(BASE "[server cs2]\nhost = 10.53.52.205\nport = 7998\n");
	EXPECT(BASE "[server cs2]\nhost = 10.53.52.205\nport = 7999\n"
	       "node = imp2.example.com\n");
}

static void test_duplicate_component(void **state)
{
	(void)state;
	EXPECT(BASE "[server cs2]\nhost = h2\nport = 1\n"
	       "component = OP-cs1.imp1-example-com\n",
	       E("duplicate-component", 10));
	EXPECT(BASE "[server cs2]\nhost = h2\nport = 1\ncomponent = x\n"
	       "[server cs3]\nhost = h3\nport = 1\ncomponent = x\n",
	       E("duplicate-component", 14));
}

static char *print_config(const struct ccm_config *c);

/* ---- [node NAME] ----------------------------------------------------------- */

#define NODES                                        \
	"[node imp1.example.com]\n"                  \
	"log = /srv/imp1/rtr-jsm-1_*.log\n"          \
	"log = /srv/imp1/old/rtr-jsm-1_*.log.gz\n"   \
	"[node IMP2.example.com]\n"                  \
	"log = /srv/imp2/rtr-jsm-1_*.log\n"

/* [node] sections: no [agent] log or node needed; every pattern ccmond
 * follows listed with its node; servers on declared nodes, in any case. */
static void test_nodes(void **state)
{
	struct loaded l;
	const struct ccm_config *c;

	(void)state;
	l = load_clean(NODES
		       "[server cs1]\nhost = h1\nport = 1\n"
		       "node = imp1.example.com\n"
		       "[server cs2]\nhost = h2\nport = 1\n"
		       "node = imp2.EXAMPLE.com\n");
	c = l.config;
	assert_int_equal(c->nnodes, 2);
	assert_string_equal(c->nodes[1].name, "IMP2.example.com");
	assert_int_equal(c->nodes[1].line, 4);
	assert_int_equal(c->nodes[0].nlogs, 2);
	assert_int_equal(c->agent.nlogs, 0);
	assert_int_equal(c->nlogs, 3);
	assert_string_equal(c->logs[1], "/srv/imp1/old/rtr-jsm-1_*.log.gz");
	assert_string_equal(c->log_node[1], "imp1.example.com");
	assert_string_equal(c->logs[2], "/srv/imp2/rtr-jsm-1_*.log");
	assert_string_equal(c->log_node[2], "IMP2.example.com");
	assert_string_equal(c->servers[1].component,
			    "op-cs2.imp2-EXAMPLE-com");
	assert_true(ccm_config_node_watched(c, "imp2.example.com"));
	assert_false(ccm_config_node_watched(c, "imp3.example.com"));
	unload(&l);

	/* [agent] log and node beside them: the agent's node first */
	l = load_clean(AGENT "[node imp2.example.com]\n"
		       "log = /srv/imp2/*.log\n" SERVER);
	c = l.config;
	assert_int_equal(c->nlogs, 2);
	assert_string_equal(c->logs[0], "/var/log/rtr-jsm-1_*.log");
	assert_string_equal(c->log_node[0], "imp1.example.com");
	assert_string_equal(c->log_node[1], "imp2.example.com");
	unload(&l);

	/* printed, the [node] sections load back the same */
	l = load_clean(NODES "[server cs1]\nhost = h1\nport = 1\n"
		       "node = imp1.example.com\n");
	{
		char *t = print_config(l.config);
		struct loaded two = load_clean(t);

		assert_non_null(strstr(t, "\n[node IMP2.example.com]\n"
				       "log = /srv/imp2/rtr-jsm-1_*.log\n"));
		assert_int_equal(two.config->nlogs, 3);
		for (size_t i = 0; i < 3; i++) {
			assert_string_equal(two.config->logs[i],
					    l.config->logs[i]);
			assert_string_equal(two.config->log_node[i],
					    l.config->log_node[i]);
		}
		free(t);
		unload(&two);
	}
	unload(&l);

	/* the one-node shorthand: its patterns are its node's */
	l = load_clean(BASE);
	assert_int_equal(l.config->nlogs, 1);
	assert_true(ccm_config_node_watched(l.config, "IMP1.example.com"));
	assert_false(ccm_config_node_watched(l.config, "imp2.example.com"));
	unload(&l);
}

static void test_node_findings(void **state)
{
	(void)state;
	/* a name, once, of node characters, with a log; a [node] without
	 * one is no node, so [agent] is needed */
	EXPECT("[node]\nlog = /a\n", E("missing-key", 0),
	       E("missing-key", 0), E("section-name", 1));
	EXPECT("[node imp1/x]\nlog = /a\n", E("node-name", 1));
	EXPECT(NODES "[node imp1.EXAMPLE.com]\nlog = /b\n",
	       E("duplicate-section", 6));
	EXPECT("[node imp1.example.com]\n", E("missing-key", 1));
	EXPECT("[node imp1.example.com]\nlog = rel.log\n", E("path", 2));
	/* a server on an undeclared node, or on none */
	EXPECT(NODES "[server cs1]\nhost = h\nport = 1\n"
	       "node = imp3.example.com\n", E("unknown-node", 9));
	EXPECT(NODES "[server cs1]\nhost = h\nport = 1\n",
	       E("missing-key", 6));
	/* without [node] sections a server may be on any node */
	EXPECT(BASE "[server cs2]\nhost = h2\nport = 1\n"
	       "node = imp9.example.com\n");
	/* one pattern, two nodes */
	EXPECT(AGENT "[node imp2.example.com]\n"
	       "log = /var/log/rtr-jsm-1_*.log\n",
	       E("log-two-nodes", 4));
	EXPECT(NODES "[node imp3.example.com]\n"
	       "log = /srv/imp2/rtr-jsm-1_*.log\n",
	       E("log-two-nodes", 6));
	/* the same node may name a pattern twice, through [agent] too */
	EXPECT(AGENT "[node IMP1.example.com]\n"
	       "log = /var/log/rtr-jsm-1_*.log\n");
	/* [agent] log beside [node] sections is still some node's */
	EXPECT("[agent]\nlog = /var/log/a.log\n" NODES,
	       E("missing-key", 1));
	/* a key of [node] elsewhere */
	EXPECT(AGENT "[server cs1]\nhost = h\nport = 1\nlog = /x\n",
	       E("unknown-key", 7));
}

/* A file on this host that two nodes' different patterns both match. */
static void test_node_file_overlap(void **state)
{
	char dir[] = "/tmp/ccm-nodes-XXXXXX";
	char *file, *text;
	struct loaded l;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_true(asprintf(&file, "%s/rtr-jsm-1_000001.log", dir) > 0);
	f = fopen(file, "w");
	assert_non_null(f);
	assert_int_equal(fclose(f), 0);
	assert_true(asprintf(&text,
			     "[node imp1.example.com]\nlog = %s/rtr-*.log\n"
			     "[node imp2.example.com]\nlog = %s/*_000001.log\n",
			     dir, dir) > 0);
	load_text(&l, text);
	assert_int_equal(l.findings.n, 1);
	assert_string_equal(l.findings.v[0].rule, "log-two-nodes");
	assert_int_equal(l.findings.v[0].line, 3);
	assert_non_null(strstr(l.findings.v[0].message, file));
	unload(&l);
	/* the files gone, the patterns no longer meet */
	assert_int_equal(unlink(file), 0);
	l = load_clean(text);
	unload(&l);
	assert_int_equal(rmdir(dir), 0);
	free(text);
	free(file);
}

/* ---- values -------------------------------------------------------------- */

static void test_duration(void **state)
{
	struct loaded l;
	const struct ccm_agent_config *a;

	(void)state;
	EXPECT(AGENT "auth_timeout = 10 s\n" SERVER, E("duration", 4));
	EXPECT(AGENT "auth_timeout = 0\n" SERVER, E("duration", 4));
	EXPECT(AGENT "auth_timeout = -5s\n" SERVER, E("duration", 4));
	EXPECT(AGENT "flap_window = 2y\n" SERVER, E("duration", 4));
	EXPECT(AGENT "alarm_clear_hold = 400d\n" SERVER, E("duration", 4));
	EXPECT(BASE "probe_interval = soon\n", E("duration", 7));
	EXPECT(BASE "probe_timeout = 0s\n", E("duration", 7));
	l = load_clean(AGENT "auth_timeout = 1m30s\n"
		       "log_silent_after = 0\n"
		       "alarm_raise_hold = 250ms\n"
		       "alarm_clear_hold = 45\n"
		       "flap_window = 1h\n" SERVER);
	a = &l.config->agent;
	assert_int_equal(a->auth_timeout, 90 * SEC);
	assert_int_equal(a->log_silent_after, 0);
	assert_int_equal(a->alarm_raise_hold, 250);
	assert_int_equal(a->alarm_clear_hold, 45 * SEC);
	assert_int_equal(a->flap_window, 60 * MIN);
	unload(&l);
}

static void test_size(void **state)
{
	static const struct {
		const char *s;
		int rc;
		size_t v;
	} cases[] = {
		{ "1", 0, 1 }, { "4096", 0, 4096 }, { "512KiB", 0, 524288 },
		{ "1MiB", 0, 1048576 }, { "1GiB", 0, 1073741824 },
		{ "1073741824", 0, 1073741824 },
		{ "0", -1, 0 }, { "2GiB", -1, 0 }, { "1073741825", -1, 0 },
		{ "1 MiB", -1, 0 }, { "1MB", -1, 0 }, { "1mib", -1, 0 },
		{ "", -1, 0 }, { "MiB", -1, 0 }, { "-1", -1, 0 },
		{ "1.5MiB", -1, 0 }, { "99999999999999999999", -1, 0 },
	};
	struct loaded l;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t v = 7;

		assert_int_equal(ccm_size_parse(cases[i].s, &v), cases[i].rc);
		assert_int_equal(v, cases[i].rc ? 7 : cases[i].v);
	}
	EXPECT(AGENT "max_line = 1MB\n" SERVER, E("size", 4));
	l = load_clean(AGENT "max_line = 64KiB\n" SERVER);
	assert_int_equal(l.config->agent.max_line, 65536);
	unload(&l);
}

static void test_rate(void **state)
{
	static const struct {
		const char *s;
		int rc;
		unsigned count;
		ccm_ms period;
	} cases[] = {
		{ "10/m", 0, 10, MIN }, { "1/s", 0, 1, SEC },
		{ "1000000/h", 0, 1000000, 60 * MIN },
		{ "0/m", -1, 0, 0 }, { "10", -1, 0, 0 }, { "10/d", -1, 0, 0 },
		{ "10/min", -1, 0, 0 }, { "/m", -1, 0, 0 }, { "x/m", -1, 0, 0 },
		{ "10 /m", -1, 0, 0 }, { "1000001/h", -1, 0, 0 },
		{ "12345678901234567890/s", -1, 0, 0 },
	};
	struct loaded l;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ccm_rate r = { 7, 7 };

		assert_int_equal(ccm_rate_parse(cases[i].s, &r), cases[i].rc);
		assert_int_equal(r.count, cases[i].rc ? 7 : cases[i].count);
		assert_int_equal(r.period, cases[i].rc ? 7 : cases[i].period);
	}
	EXPECT(AGENT "alarm_rate_limit = 10 per minute\n" SERVER,
	       E("rate", 4));
	l = load_clean(AGENT "alarm_rate_limit = 3/h\n" SERVER);
	assert_int_equal(l.config->agent.alarm_rate_limit.count, 3);
	assert_int_equal(l.config->agent.alarm_rate_limit.period, 60 * MIN);
	unload(&l);
}

static void test_integer(void **state)
{
	(void)state;
	EXPECT(AGENT "flap_threshold = 1\n" SERVER, E("integer", 4));
	EXPECT(AGENT "flap_threshold = five\n" SERVER, E("integer", 4));
	EXPECT(AGENT "flap_threshold = 1001\n" SERVER, E("integer", 4));
	EXPECT(AGENT "flap_threshold = 2\n" SERVER);
}

static void test_probe(void **state)
{
	struct loaded l;

	(void)state;
	EXPECT(BASE "probe = icmp\n", E("probe", 7));
	l = load_clean(BASE "probe = STREAM\n");
	assert_int_equal(l.config->servers[0].probe, CCM_PROBE_STREAM);
	unload(&l);
}

static void test_probe_none(void **state)
{
	struct loaded l;

	(void)state;
	EXPECT(BASE "probe = none\n", W("probe-none", 7));
	load_text(&l, BASE "probe = none\n");
	assert_int_equal(l.rc, 0); /* a warning does not stop the agent */
	assert_int_equal(l.config->servers[0].probe, CCM_PROBE_NONE);
	unload(&l);
}

static void test_probe_timeout(void **state)
{
	(void)state;
	EXPECT(BASE "probe_timeout = 10s\n", E("probe-timeout", 7));
	EXPECT(BASE "probe_interval = 3s\n", E("probe-timeout", 7));
	EXPECT(BASE "probe_interval = 1s\nprobe_timeout = 2s\n",
	       E("probe-timeout", 8));
	EXPECT(BASE "probe_interval = 2s\nprobe_timeout = 1999ms\n");
	/* a rejected value is not compared */
	EXPECT(BASE "probe_interval = 2s\nprobe_timeout = x\n",
	       E("duration", 8));
}

static void test_path(void **state)
{
	(void)state;
	EXPECT(AGENT "log = rtr.log\n" SERVER, E("path", 4));
	EXPECT(AGENT "state_dir = var/lib/ccmon\n" SERVER, E("path", 4));
	EXPECT(AGENT "runtime_dir =\n" SERVER, E("path", 4));
	EXPECT(BASE "secret_file = cs1.secret\n", E("path", 7));
	/* a log given only with bad patterns is still "given" */
	EXPECT("[agent]\nlog = x\nnode = n\n", E("path", 2));
}

static void test_node_name(void **state)
{
	(void)state;
	EXPECT("[agent]\nlog = /l\nnode = imp 1\n", E("node-name", 3));
	EXPECT("[agent]\nlog = /l\nnode =\n", E("node-name", 3));
	EXPECT(BASE "node = imp/2\n", E("node-name", 7));
}

static void test_component_name(void **state)
{
	(void)state;
	EXPECT(BASE "component = op cs1\n", E("component-name", 7));
	EXPECT(BASE "component =\n", E("component-name", 7));
}

static void test_syslog_facility(void **state)
{
	struct loaded l;

	(void)state;
	EXPECT(AGENT "syslog_facility = kernel\n" SERVER,
	       E("syslog-facility", 4));
	l = load_clean(AGENT "syslog_facility = LOCAL3\n" SERVER);
	assert_int_equal(l.config->agent.syslog_facility, LOG_LOCAL3);
	assert_string_equal(ccm_syslog_facility_name(LOG_LOCAL3), "local3");
	unload(&l);
}

static void test_snmp_keys(void **state)
{
	struct loaded l;

	(void)state;
	l = load_clean(BASE);
	assert_true(l.config->agent.snmp);
	assert_null(l.config->agent.agentx_socket);
	assert_int_equal(l.config->agent.agentx_ping_interval, 15000);
	assert_int_equal(l.config->agent.notification_queue, 1000);
	unload(&l);
	l = load_clean(AGENT "snmp = No\nagentx_socket = tcp:localhost:705\n"
		       "agentx_ping_interval = 2s\nnotification_queue = 5\n"
		       SERVER);
	assert_false(l.config->agent.snmp);
	assert_string_equal(l.config->agent.agentx_socket,
			    "tcp:localhost:705");
	assert_int_equal(l.config->agent.agentx_ping_interval, 2000);
	assert_int_equal(l.config->agent.notification_queue, 5);
	unload(&l);
	EXPECT(AGENT "snmp = on\n" SERVER, E("boolean", 4));
	EXPECT(AGENT "agentx_socket = /var/agentx/my master\n" SERVER,
	       E("agentx-socket", 4));
	EXPECT(AGENT "agentx_ping_interval = 999ms\n" SERVER,
	       E("duration", 4));
	assert_message(AGENT "agentx_ping_interval = 999ms\n" SERVER,
		       "duration", "at least 1000 ms");
	EXPECT(AGENT "notification_queue = 0\n" SERVER, E("integer", 4));
	EXPECT(AGENT "notification_queue = 1000001\n" SERVER,
	       E("integer", 4));
}

/* metrics_listen: off unless set; a numeric address and a port
 * (ccmon.conf(5)). */
static void test_metrics_listen(void **state)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
	unsigned len = 0;
	struct loaded l;

	(void)state;
	l = load_clean(BASE);
	assert_null(l.config->agent.metrics_listen);
	unload(&l);
	l = load_clean(AGENT "metrics_listen = 127.0.0.1:9917\n" SERVER);
	assert_string_equal(l.config->agent.metrics_listen, "127.0.0.1:9917");
	unload(&l);
	EXPECT(AGENT "metrics_listen = localhost:9917\n" SERVER,
	       E("listen-address", 4));
	EXPECT(AGENT "metrics_listen = 127.0.0.1\n" SERVER,
	       E("listen-address", 4));
	EXPECT(AGENT "metrics_listen = ::1:9917\n" SERVER,
	       E("listen-address", 4));

	assert_int_equal(ccm_listen_parse("127.0.0.1:9917", &ss, &len), 0);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(len, sizeof(struct sockaddr_in));
	assert_int_equal(ntohs(v4->sin_port), 9917);
	assert_int_equal(ntohl(v4->sin_addr.s_addr), 0x7f000001);
	assert_int_equal(ccm_listen_parse("[::1]:1", &ss, &len), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(len, sizeof(struct sockaddr_in6));
	assert_int_equal(ntohs(v6->sin6_port), 1);
	assert_true(IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr));
	assert_int_equal(ccm_listen_parse("0.0.0.0:65535", NULL, NULL), 0);
	assert_int_equal(ccm_listen_parse("127.0.0.1:0", NULL, NULL), -1);
	assert_int_equal(ccm_listen_parse("127.0.0.1:65536", NULL, NULL), -1);
	assert_int_equal(ccm_listen_parse("127.0.0.1:99x", NULL, NULL), -1);
	assert_int_equal(ccm_listen_parse("127.0.0.1:-1", NULL, NULL), -1);
	assert_int_equal(ccm_listen_parse("[127.0.0.1]:80", NULL, NULL), -1);
	assert_int_equal(ccm_listen_parse("[::1]80", NULL, NULL), -1);
	assert_int_equal(ccm_listen_parse(":80", NULL, NULL), -1);
	assert_int_equal(ccm_listen_parse(NULL, NULL, NULL), -1);
}

static void test_max_open_files(void **state)
{
	struct loaded l;

	(void)state;
	l = load_clean(BASE);
	assert_int_equal(l.config->agent.max_open_files, 128);
	unload(&l);
	l = load_clean(AGENT "max_open_files = 7\n" SERVER);
	assert_int_equal(l.config->agent.max_open_files, 7);
	unload(&l);
	EXPECT(AGENT "max_open_files = 0\n" SERVER, E("integer", 4));
	EXPECT(AGENT "max_open_files = 65537\n" SERVER, E("integer", 4));
	assert_message(AGENT "max_open_files = lots\n" SERVER, "integer",
		       "from 1 to 65536");
}


/* A router restart: silent for the per-event queue wait (30 s), then
 * its components CONNECTED within 5 s of each other (ccmon.conf(5)). */
static void test_restart_keys(void **state)
{
	struct loaded l;
	char *text;

	(void)state;
	l = load_clean(BASE);
	assert_int_equal(l.config->agent.restart_silence, 30000);
	assert_int_equal(l.config->agent.restart_burst, 5000);
	text = print_config(l.config);
	assert_non_null(strstr(text, "\nrestart_silence = 30s\n"));
	assert_non_null(strstr(text, "\nrestart_burst = 5s\n"));
	free(text);
	unload(&l);
	l = load_clean(AGENT "restart_silence = 2m\nrestart_burst = 250ms\n"
		       SERVER);
	assert_int_equal(l.config->agent.restart_silence, 120000);
	assert_int_equal(l.config->agent.restart_burst, 250);
	unload(&l);
	EXPECT(AGENT "restart_silence = 0\n" SERVER, E("duration", 4));
	EXPECT(AGENT "restart_burst = soon\n" SERVER, E("duration", 4));
}

static void test_impact_keys(void **state)
{
	struct loaded l;

	(void)state;
	l = load_clean(BASE);
	assert_int_equal(l.config->agent.compliance, CCM_COMPLIANCE_CLUSTER);
	assert_int_equal(l.config->agent.queue_wait, 30000);
	assert_int_equal(l.config->agent.queue_window, 300000);
	assert_int_equal(l.config->agent.reroute_after, 120000);
	unload(&l);
	l = load_clean(AGENT "compliance = Node\nqueue_wait = 2s\n"
		       "queue_window = 10s\nreroute_after = 4s\n" SERVER);
	assert_int_equal(l.config->agent.compliance, CCM_COMPLIANCE_NODE);
	assert_int_equal(l.config->agent.queue_wait, 2000);
	assert_int_equal(l.config->agent.queue_window, 10000);
	assert_int_equal(l.config->agent.reroute_after, 4000);
	unload(&l);
	EXPECT(AGENT "compliance = both\n" SERVER, E("compliance", 4));
	EXPECT(AGENT "queue_window = 0s\n" SERVER, E("duration", 4));
}

static void test_latency_defaults(void **state)
{
	struct loaded l;

	(void)state;
	l = load_clean(BASE);
	assert_int_equal(l.config->agent.latency_window, 5 * MIN);
	assert_int_equal(l.config->agent.queue_latency_high, 5 * SEC);
	/* the built-in bounce, and only it */
	assert_int_equal(l.config->nqueue_rules, 1);
	assert_string_equal(l.config->queue_rules[0].name, "bounce");
	assert_string_equal(l.config->queue_rules[0].match,
			    ccm_queue_rule_builtin()->match);
	assert_int_equal(l.config->queue_rules[0].line, 0);
	unload(&l);
	l = load_clean(AGENT "latency_window = 1m\nqueue_latency_high = 0\n"
		       SERVER);
	assert_int_equal(l.config->agent.latency_window, MIN);
	assert_int_equal(l.config->agent.queue_latency_high, 0);
	unload(&l);
	EXPECT(AGENT "latency_window = 10ms\n" SERVER, E("duration", 4));
}

static void test_latency_rules(void **state)
{
	struct loaded l;

	(void)state;
	/* a pair and a wait rule added before the built-in one */
	l = load_clean(BASE "[latency rtt]\n"
		       "start = send (?<key>\\d+) to (?<component>\\S+)\n"
		       "end = answer (?<key>\\d+) from (?<component>\\S+)\n"
		       "[latency slow]\nmatch = slow (?<component>\\S+)\n"
		       "wait = 2s\n");
	assert_int_equal(l.config->nqueue_rules, 3);
	assert_string_equal(l.config->queue_rules[0].name, "rtt");
	assert_non_null(l.config->queue_rules[0].start);
	assert_int_equal(l.config->queue_rules[0].line, 7);
	assert_int_equal(l.config->queue_rules[1].wait, 2000);
	assert_string_equal(l.config->queue_rules[2].name, "bounce");
	unload(&l);
	/* the built-in one replaced, then disabled */
	l = load_clean(BASE "[latency bounce]\nmatch = (?<component>x)\n");
	assert_int_equal(l.config->nqueue_rules, 1);
	assert_string_equal(l.config->queue_rules[0].match, "(?<component>x)");
	unload(&l);
	l = load_clean(BASE "[latency bounce]\nenabled = no\n");
	assert_int_equal(l.config->nqueue_rules, 0);
	unload(&l);
	/* a disabled rule is not checked for its form */
	l = load_clean(BASE "[latency x]\nenabled = no\n");
	assert_int_equal(l.config->nqueue_rules, 1);
	unload(&l);

	EXPECT(BASE "[latency]\n", E("section-name", 7));
	EXPECT(BASE "[latency a.b]\nmatch = (?<component>x)\n",
	       E("latency-name", 7));
	EXPECT(BASE "[latency x]\n", E("latency-form", 7));
	EXPECT(BASE "[latency x]\nmatch = (?<component>x)\n"
	       "start = (?<component>x)\n", E("latency-form", 9));
	EXPECT(BASE "[latency x]\nstart = (?<component>x)\n",
	       E("latency-form", 7));
	EXPECT(BASE "[latency x]\nstart = (?<component>x)\n"
	       "end = (?<component>y)\nwait = 1s\n", E("latency-form", 10));
	EXPECT(BASE "[latency x]\nstart = (?<component>x)(?<key>k)\n"
	       "end = (?<component>y)\n", E("latency-key", 9));
	EXPECT(BASE "[latency x]\nmatch = (?<comp>x)\n", E("pattern", 8));
	EXPECT(BASE "[latency x]\nmatch = (?<component>x\n",
	       E("pattern", 8));
	EXPECT(BASE "[latency x]\nmatch = (?<component>x)\nwait = 0s\n",
	       E("duration", 9));
	EXPECT(BASE "[latency x]\nmatch = (?<component>x)\nenabled = maybe\n",
	       E("boolean", 9));
	EXPECT(BASE "[latency x]\nmatch = (?<component>x)\n"
	       "[latency x]\nmatch = (?<component>y)\n",
	       E("duplicate-section", 9));
	EXPECT(BASE "[latency x]\nhost = a\n", E("latency-form", 7),
	       E("unknown-key", 8));
	assert_message(BASE "[latency x]\nmatch = (?<component>x\n",
		       "pattern", "missing closing parenthesis");
	assert_message(BASE "[latency x]\nmatch = a\n", "pattern",
		       "has no group (?<component>...)");
}

/* ---- warnings ------------------------------------------------------------ */

static void test_bounce_fire_and_forget(void **state)
{
	(void)state;
	EXPECT(PROFILE("jsm = es_OUT:message:bounce:fire-and-forget\n"),
	       W("bounce-fire-and-forget", 9));
	EXPECT(PROFILE("tc = onBeforeSend:BOUNCE:fire-and-forget\n"),
	       W("bounce-fire-and-forget", 9));
	EXPECT(PROFILE("jsm = es_OUT:message:pass:fire-and-forget\n"));
}

static void test_unused_profile(void **state)
{
	(void)state;
	EXPECT(BASE "[profile P]\njsm = es_IN:all:pass\n",
	       W("unused-profile", 7));
}

static void test_empty_profile(void **state)
{
	(void)state;
	EXPECT(PROFILE("priority = 1\n"), W("empty-profile", 8));
}

/* ---- whole files --------------------------------------------------------- */

static void test_all_findings_at_once(void **state)
{
	(void)state;
	EXPECT("log = /early.log\n"                             /*  1 */
	       "[agent]\n"                                      /*  2 */
	       "log = relative.log\n"                           /*  3 */
	       "nod = imp1\n"                                   /*  4 */
	       "auth_timeout = ten\n"                           /*  5 */
	       "[agent]\n"                                      /*  6 */
	       "[sever cs0]\n"                                  /*  7 */
	       "[server cs1]\n"                                 /*  8 */
	       "host = 10.0.0.1:7999\n"                         /*  9 */
	       "port = 79999\n"                                 /* 10 */
	       "port = 7999\n"                                  /* 11 */
	       "profile = Wall\n"                               /* 12 */
	       "probe_timeout = 30s\n"                          /* 13 */
	       "[server cs2]\n"                                 /* 14 */
	       "probe = none\n"                                 /* 15 */
	       "junk\n"                                         /* 16 */
	       "[profile Ethical Wall]\n"                       /* 17 */
	       "jsm = es_OUT:message:bounce:fire-and-forget, es_IN:all:pass\n"
	       "jsm = es_IN:iq:pass, e_SESION:all:pass, es_END:x:pass\n"
	       "tc = onBeforeSend:drop, onBeforeSend:pass, onBeforeSend:pass\n"
	       "priority = 0\n"                                 /* 21 */
	       "[profile SystemDefaultComplianceProfile]\n",    /* 22 */
	       E("no-section", 1),
	       E("missing-key", 2),          /* node */
	       E("path", 3),
	       E("unknown-key", 4),
	       E("duration", 5),
	       E("duplicate-section", 6),
	       E("unknown-section", 7),
	       E("host-characters", 9),
	       E("port", 10),
	       E("duplicate-key", 11),
	       E("unknown-profile", 12),
	       E("probe-timeout", 13),
	       E("missing-key", 14),         /* host */
	       E("missing-key", 14),         /* port */
	       W("probe-none", 15),
	       E("syntax", 16),
	       E("profile-name", 17),
	       W("unused-profile", 17),
	       W("bounce-fire-and-forget", 18),
	       E("all-exclusive", 19),
	       E("unknown-event", 19),
	       E("packet-type", 19),
	       E("handling", 20),
	       E("duplicate-event", 20),
	       E("priority", 21),
	       E("builtin-readonly", 22));
}

static void test_defaults_and_derived(void **state)
{
	struct loaded l = load_clean(BASE);
	const struct ccm_config *c = l.config;
	const struct ccm_agent_config *a = &c->agent;
	const struct ccm_server *s = &c->servers[0];

	(void)state;
	assert_string_equal(a->state_dir, "/var/lib/ccmon");
	assert_string_equal(a->runtime_dir, "/run/ccmon");
	assert_int_equal(a->auth_timeout, 10 * SEC);
	assert_int_equal(a->log_silent_after, 10 * MIN);
	assert_int_equal(a->alarm_raise_hold, 0);
	assert_int_equal(a->alarm_clear_hold, 5 * SEC);
	assert_int_equal(a->flap_window, 60 * SEC);
	assert_int_equal(a->flap_threshold, 5);
	assert_int_equal(a->alarm_rate_limit.count, 10);
	assert_int_equal(a->alarm_rate_limit.period, MIN);
	assert_int_equal(a->max_line, 1 << 20);
	assert_int_equal(a->syslog_facility, LOG_DAEMON);
	assert_int_equal(a->line, 1);

	assert_int_equal(c->nservers, 1);
	assert_string_equal(s->name, "cs1");
	assert_int_equal(s->line, 4);
	assert_string_equal(s->node, "imp1.example.com");
	assert_true(s->node_derived);
	assert_string_equal(s->component, "op-cs1.imp1-example-com");
	assert_true(s->component_derived);
	assert_string_equal(s->profile->name, CCM_BUILTIN_PROFILE);
	assert_int_equal(s->probe, CCM_PROBE_TCP);
	assert_int_equal(s->probe_interval, 10 * SEC);
	assert_int_equal(s->probe_timeout, 3 * SEC);
	assert_null(s->secret_file);
	assert_null(s->description);
	unload(&l);

	/* the server's own node goes into its component name */
	l = load_clean(BASE "node = imp2.example.com\n");
	s = &l.config->servers[0];
	assert_false(s->node_derived);
	assert_string_equal(s->component, "op-cs1.imp2-example-com");
	unload(&l);
	l = load_clean(BASE "component = op-legacy\n");
	assert_false(l.config->servers[0].component_derived);
	assert_string_equal(l.config->servers[0].component, "op-legacy");
	unload(&l);
}

static void test_component_name_function(void **state)
{
	char *n;

	(void)state;
	n = ccm_component_name("gwydlvm131", "gwydlvm1153.cisco.com");
	assert_string_equal(n, "op-gwydlvm131.gwydlvm1153-cisco-com");
	free(n);
	/* dots of the server name are not the node's: kept (a valid server
	 * name has none anyway) */
	n = ccm_component_name("a.b", "n.x");
	assert_string_equal(n, "op-a.b.n-x");
	free(n);
}

static void test_builtin_profile(void **state)
{
	static const struct {
		enum ccm_event_type type;
		const char *name;
		enum ccm_packet packet;
		enum ccm_handling handling;
	} want[] = {
		{ CCM_EVENT_JSM, "e_SESSION", CCM_PACKET_ALL,
		  CCM_HANDLING_PASS },
		{ CCM_EVENT_JSM, "es_END", CCM_PACKET_ALL,
		  CCM_HANDLING_PASS },
		{ CCM_EVENT_JSM, "es_IN", CCM_PACKET_MESSAGE,
		  CCM_HANDLING_BOUNCE },
		{ CCM_EVENT_JSM, "es_OUT", CCM_PACKET_MESSAGE,
		  CCM_HANDLING_BOUNCE },
		{ CCM_EVENT_TC, "onBeforeInvite", CCM_PACKET_NONE,
		  CCM_HANDLING_BOUNCE },
		{ CCM_EVENT_TC, "onBeforeJoin", CCM_PACKET_NONE,
		  CCM_HANDLING_BOUNCE },
		{ CCM_EVENT_TC, "onBeforeRoomCreate", CCM_PACKET_NONE,
		  CCM_HANDLING_BOUNCE },
		{ CCM_EVENT_TC, "onBeforeSend", CCM_PACKET_NONE,
		  CCM_HANDLING_BOUNCE },
		{ CCM_EVENT_TC, "onLeave", CCM_PACKET_NONE,
		  CCM_HANDLING_BOUNCE },
	};
	struct loaded l = load_clean(AGENT);
	const struct ccm_profile *pr;

	(void)state;
	assert_int_equal(l.config->nprofiles, 1);
	pr = ccm_config_profile(l.config, CCM_BUILTIN_PROFILE);
	assert_ptr_equal(pr, &l.config->profiles[0]);
	assert_true(pr->builtin);
	assert_int_equal(pr->priority, 1);
	assert_int_equal(pr->line, 0);
	assert_int_equal(pr->nevents, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < pr->nevents; i++) {
		assert_int_equal(pr->events[i].type, want[i].type);
		assert_string_equal(pr->events[i].name, want[i].name);
		assert_int_equal(pr->events[i].packet, want[i].packet);
		assert_int_equal(pr->events[i].handling, want[i].handling);
		assert_false(pr->events[i].fire_and_forget);
	}
	unload(&l);
}

static void test_lookups(void **state)
{
	struct loaded l = load_clean(
		BASE "profile = P\n"
		"[server cs2]\nhost = h2\nport = 1\ncomponent = op-Two\n"
		"[profile P]\njsm = es_IN:all:pass\n");
	const struct ccm_config *c = l.config;

	(void)state;
	assert_ptr_equal(ccm_config_server(c, "cs2"), &c->servers[1]);
	assert_null(ccm_config_server(c, "CS2"));
	assert_ptr_equal(ccm_config_server_by_component(c,
				"op-cs1.imp1-example-com"), &c->servers[0]);
	assert_ptr_equal(ccm_config_server_by_component(c, "OP-TWO"),
			 &c->servers[1]);
	assert_null(ccm_config_server_by_component(c, "op-three"));
	assert_ptr_equal(ccm_config_profile(c, "P"), c->servers[0].profile);
	assert_null(ccm_config_profile(c, "p"));
	assert_non_null(ccm_config_profile(c, CCM_BUILTIN_PROFILE));
	unload(&l);
}

static void test_events_order(void **state)
{
	struct loaded l = load_clean(PROFILE("tc = onBeforeSend:pass\n"
					     "jsm = es_OUT:all:pass\n"
					     "tc = onLeave:pass\n"
					     "jsm = es_IN:all:pass\n"));
	const struct ccm_profile *pr = ccm_config_profile(l.config, "P");

	(void)state;
	assert_int_equal(pr->nevents, 4);
	assert_string_equal(pr->events[0].name, "es_OUT");
	assert_int_equal(pr->events[0].line, 10);
	assert_string_equal(pr->events[1].name, "es_IN");
	assert_string_equal(pr->events[2].name, "onBeforeSend");
	assert_int_equal(pr->events[2].packet, CCM_PACKET_NONE);
	assert_string_equal(pr->events[3].name, "onLeave");
	unload(&l);
}

/* ---- the effective configuration --------------------------------------- */

static char *print_config(const struct ccm_config *c)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	assert_int_equal(ccm_config_print(c, out), 0);
	assert_int_equal(fclose(out), 0);
	return text;
}

static void assert_same_str(const char *a, const char *b)
{
	if (!a || !b)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

/* Equal in every effective value; lines, paths and "derived" flags may
 * differ (a printed value is written out). */
static void assert_same_config(const struct ccm_config *x,
			       const struct ccm_config *y)
{
	const struct ccm_agent_config *a = &x->agent, *b = &y->agent;

	assert_int_equal(a->nlogs, b->nlogs);
	for (size_t i = 0; i < a->nlogs; i++)
		assert_string_equal(a->logs[i], b->logs[i]);
	assert_same_str(a->node, b->node);
	assert_same_str(a->state_dir, b->state_dir);
	assert_same_str(a->runtime_dir, b->runtime_dir);
	assert_int_equal(a->auth_timeout, b->auth_timeout);
	assert_int_equal(a->log_silent_after, b->log_silent_after);
	assert_int_equal(a->alarm_raise_hold, b->alarm_raise_hold);
	assert_int_equal(a->alarm_clear_hold, b->alarm_clear_hold);
	assert_int_equal(a->flap_window, b->flap_window);
	assert_int_equal(a->flap_threshold, b->flap_threshold);
	assert_int_equal(a->alarm_rate_limit.count, b->alarm_rate_limit.count);
	assert_int_equal(a->alarm_rate_limit.period,
			 b->alarm_rate_limit.period);
	assert_int_equal(a->max_line, b->max_line);
	assert_int_equal(a->syslog_facility, b->syslog_facility);

	assert_int_equal(x->nservers, y->nservers);
	for (size_t i = 0; i < x->nservers; i++) {
		const struct ccm_server *s = &x->servers[i];
		const struct ccm_server *t = &y->servers[i];

		assert_string_equal(s->name, t->name);
		assert_same_str(s->description, t->description);
		assert_string_equal(s->host, t->host);
		assert_int_equal(s->port, t->port);
		assert_string_equal(s->node, t->node);
		assert_string_equal(s->component, t->component);
		assert_string_equal(s->profile->name, t->profile->name);
		assert_int_equal(s->probe, t->probe);
		assert_int_equal(s->probe_interval, t->probe_interval);
		assert_int_equal(s->probe_timeout, t->probe_timeout);
		assert_same_str(s->secret_file, t->secret_file);
	}
	assert_int_equal(x->nprofiles, y->nprofiles);
	for (size_t i = 0; i < x->nprofiles; i++) {
		const struct ccm_profile *p = &x->profiles[i];
		const struct ccm_profile *q = &y->profiles[i];

		assert_string_equal(p->name, q->name);
		assert_same_str(p->description, q->description);
		assert_int_equal(p->priority, q->priority);
		assert_int_equal(p->builtin, q->builtin);
		assert_int_equal(p->nevents, q->nevents);
		for (size_t j = 0; j < p->nevents; j++) {
			assert_int_equal(p->events[j].type, q->events[j].type);
			assert_string_equal(p->events[j].name,
					    q->events[j].name);
			assert_int_equal(p->events[j].packet,
					 q->events[j].packet);
			assert_int_equal(p->events[j].handling,
					 q->events[j].handling);
			assert_int_equal(p->events[j].fire_and_forget,
					 q->events[j].fire_and_forget);
		}
	}
	assert_int_equal(a->latency_window, b->latency_window);
	assert_int_equal(a->queue_latency_high, b->queue_latency_high);
	assert_int_equal(x->nqueue_rules, y->nqueue_rules);
	assert_int_equal(x->builtin_rule_off, y->builtin_rule_off);
	for (size_t i = 0; i < x->nqueue_rules; i++) {
		const struct ccm_queue_rule *r = &x->queue_rules[i];
		const struct ccm_queue_rule *u = &y->queue_rules[i];

		assert_string_equal(r->name, u->name);
		assert_same_str(r->match, u->match);
		assert_same_str(r->start, u->start);
		assert_same_str(r->end, u->end);
		assert_int_equal(r->wait, u->wait);
	}
}

#define RICH                                                            \
	"[agent]\n"                                                     \
	"log = /var/log/active/epas/trace/xcp/log/rtr-jsm-1_*.log\n"    \
	"log = /var/log/inactive/rtr-jsm-1_*.log.gz\n"                  \
	"node = imp1.example.com\n"                                     \
	"auth_timeout = 1m30s\n"                                        \
	"log_silent_after = 0\n"                                        \
	"alarm_raise_hold = 1s500ms\n"                                  \
	"flap_window = 0\n"                                             \
	"flap_threshold = 3\n"                                          \
	"alarm_rate_limit = 2/h\n"                                      \
	"max_line = 4097\n"                                             \
	"syslog_facility = local5\n"                                    \
	"[server cs1]\n"                                                \
	"description = logging; rack 4\n"                               \
	"host = 10.53.52.205\n"                                         \
	"port = 7999\n"                                                 \
	"profile = Wall\n"                                              \
	"probe = stream\n"                                              \
	"probe_interval = 1h\n"                                         \
	"probe_timeout = 59m59s999ms\n"                                 \
	"secret_file = /etc/ccmon/cs1.secret\n"                         \
	"[server cs2]\n"                                                \
	"host = CORP\\cs2\n"                                            \
	"port = 7400\n"                                                 \
	"node = imp2.example.com\n"                                     \
	"component = op-cs2.legacy\n"                                   \
	"profile = Logging\n"                                           \
	"[profile Logging]\n"                                           \
	"jsm = e_SESSION:all:pass, e_OFFLINE:all:pass, e_SERVER:all:pass\n" \
	"jsm = e_DELIVER:all:pass, e_AUTH:all:pass, e_REGISTER:all:pass\n" \
	"jsm = es_IN:message:bounce, es_OUT:message:bounce:fire-and-forget\n" \
	"tc = onServicePacket:pass, onBeforeRoomCreate:pass, onClose:pass\n" \
	"tc = onBeforeJoin:pass:fire-and-forget, onBeforeSend:bounce\n" \
	"[profile Wall]\n"                                              \
	"description = decides first\n"                                 \
	"priority = 1\n"                                                \
	"jsm = es_IN:iq:pass, es_IN:presence:pass\n"                    \
	"tc = onBeforeInvite:bounce\n"                                  \
	"[latency rtt]\n"                                               \
	"start = sent (?<key>\\d+) to (?<component>\\S+)\n"             \
	"end = answer (?<key>\\d+) from (?<component>\\S+)\n"           \
	"[latency slow]\n"                                              \
	"match = slow (?<component>\\S+)\n"                              \
	"[latency bounce]\n"                                            \
	"enabled = no\n"

static void test_print_round_trip(void **state)
{
	struct loaded one, two, three;
	char *t1, *t2, *t3;

	(void)state;
	load_text(&one, RICH);
	assert_int_equal(one.rc, 0);
	assert_int_equal(one.findings.warnings, 1); /* bounce + f-a-f */
	t1 = print_config(one.config);
	load_text(&two, t1);
	if (two.findings.n != 1)
		fputs(t1, stderr);
	assert_int_equal(two.findings.n, 1);
	assert_same_config(one.config, two.config);
	/* what is printed once is a fixed point */
	t2 = print_config(two.config);
	load_text(&three, t2);
	assert_same_config(two.config, three.config);
	t3 = print_config(three.config);
	/* the header names the file; the rest is the same */
	assert_string_equal(strchr(t2, '\n'), strchr(t3, '\n'));
	/* derived values are printed, with the built-in profile commented */
	assert_non_null(strstr(t1, "component = op-cs1.imp1-example-com"));
	assert_non_null(strstr(t1, "\n; [profile " CCM_BUILTIN_PROFILE "]\n"));
	assert_non_null(strstr(t1, "\nalarm_raise_hold = 1s500ms\n"));
	assert_non_null(strstr(t1, "\nprobe_timeout = 59m59s999ms\n"));
	assert_non_null(strstr(t1, "\nmax_line = 4097\n"));
	assert_non_null(strstr(t1, "\nalarm_rate_limit = 2/h\n"));
	assert_non_null(strstr(t1, "\n[latency bounce]\nenabled = no\n"));
	assert_non_null(strstr(t1, "\n; wait: queue_wait (30s)\n"));
	assert_int_equal(one.config->nqueue_rules, 2);
	free(t1);
	free(t2);
	free(t3);
	unload(&one);
	unload(&two);
	unload(&three);
}

static void test_print_long_lists(void **state)
{
	struct loaded one, two;
	char *t, *line;

	(void)state;
	one = load_clean(PROFILE(
		"tc = onServicePacket:pass, onBeforeRoomCreate:pass\n"
		"tc = onAfterRoomCreate:pass, onServiceDiscoInfo:pass\n"
		"tc = onServiceReconfig:pass, onDestroy:pass, onClose:pass\n"
		"tc = onPacket:pass, onMetaInfoGet:pass\n"
		"tc = onBeforeMetaInfoSet:pass, onAfterMetaInfoSet:pass\n"
		"tc = onExamineRoom:pass, onBeforeChangeUser:pass\n"
		"tc = onAfterChangeUser:pass, onBeforeChangeAffiliation:pass\n"
		"tc = onAfterChangeAffiliation:pass\n"));
	t = print_config(one.config);
	/* no line longer than libinih's limit, nor than 80 columns */
	for (line = t; *line; ) {
		size_t len = strcspn(line, "\n");

		assert_true(len <= 80);
		line += len + (line[len] == '\n');
	}
	two = load_clean(t);
	assert_same_config(one.config, two.config);
	free(t);
	unload(&one);
	unload(&two);
}

static void test_secret_masking(void **state)
{
	char *secret = temp_file("hunter2-the-shared-secret\n");
	char *text, *conf, *t;
	struct loaded l;

	(void)state;
	assert_true(asprintf(&text, BASE "secret_file = %s\n", secret) > 0);
	l = load_clean(text);
	assert_string_equal(l.config->servers[0].secret_file, secret);
	t = print_config(l.config);
	assert_true(asprintf(&conf, "\nsecret_file = %s\n", secret) > 0);
	assert_non_null(strstr(t, conf));
	assert_null(strstr(t, "hunter2"));
	free(conf);
	free(t);
	unload(&l);
	free(text);
	/* nor does a finding about the server show it */
	assert_true(asprintf(&text, BASE "secret_file = %s\nport = 1\n",
			     secret) > 0);
	load_text(&l, text);
	for (size_t i = 0; i < l.findings.n; i++)
		assert_null(strstr(l.findings.v[i].message, "hunter2"));
	unload(&l);
	free(text);
	unlink(secret);
	free(secret);
}

/* ---- the files shipped in the tree ------------------------------------- */

static char *src_path(const char *rel)
{
	const char *top = getenv("top_srcdir");
	char *path;

	assert_true(asprintf(&path, "%s/%s", top && *top ? top : ".", rel) > 0);
	return path;
}

static void test_shipped_files(void **state)
{
	static const struct {
		const char *file;
		size_t errors, warnings;
	} files[] = {
		{ "doc/examples/ccmon.conf", 0, 0 },
		{ "tests/config/valid-minimal.conf", 0, 0 },
		{ "tests/config/valid-nodes.conf", 0, 1 },
		{ "tests/config/bad-many.conf", 25, 3 },
		{ "tests/config/bad-events.conf", 8, 4 },
		{ "tests/config/bad-servers.conf", 5, 1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *path = src_path(files[i].file);
		struct ccm_findings f;
		struct ccm_config *c;
		int rc;

		ccm_findings_init(&f);
		rc = ccm_config_load(path, &c, &f);
		if (f.errors != files[i].errors ||
		    f.warnings != files[i].warnings) {
			fprintf(stderr, "%s:\n", files[i].file);
			dump(&f);
		}
		assert_int_equal(rc, files[i].errors);
		assert_int_equal(f.errors, files[i].errors);
		assert_int_equal(f.warnings, files[i].warnings);
		ccm_config_free(c);
		ccm_findings_release(&f);
		free(path);
	}
}

static void test_findings_accumulate(void **state)
{
	struct ccm_findings f;
	struct ccm_config *c;
	char *a = temp_file(BASE "port = 1\n");
	char *b = temp_file(BASE "probe = none\n");

	(void)state;
	ccm_findings_init(&f);
	assert_int_equal(ccm_config_load(a, &c, &f), 1);
	assert_null(c);
	assert_int_equal(ccm_config_load(b, &c, &f), 0);
	assert_non_null(c);
	assert_int_equal(f.n, 2);
	assert_int_equal(f.errors, 1);
	assert_int_equal(f.warnings, 1);
	assert_string_equal(f.v[0].file, a);
	assert_string_equal(f.v[1].file, b);
	ccm_config_free(c);
	ccm_findings_release(&f);
	unlink(a);
	unlink(b);
	free(a);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base_is_clean),
		cmocka_unit_test(test_snmp_keys),
		cmocka_unit_test(test_metrics_listen),
		cmocka_unit_test(test_max_open_files),
		cmocka_unit_test(test_restart_keys),
		cmocka_unit_test(test_impact_keys),
		cmocka_unit_test(test_latency_defaults),
		cmocka_unit_test(test_latency_rules),
		cmocka_unit_test(test_open),
		cmocka_unit_test(test_read_error),
		cmocka_unit_test(test_fifo_refused),
		cmocka_unit_test(test_device_refused),
		cmocka_unit_test(test_size_bound),
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_comments_and_indentation),
		cmocka_unit_test(test_line_too_long),
		cmocka_unit_test(test_no_section),
		cmocka_unit_test(test_unknown_section),
		cmocka_unit_test(test_section_name),
		cmocka_unit_test(test_server_name),
		cmocka_unit_test(test_duplicate_section),
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_duplicate_key),
		cmocka_unit_test(test_missing_key),
		cmocka_unit_test(test_host_characters),
		cmocka_unit_test(test_port),
		cmocka_unit_test(test_profile_name),
		cmocka_unit_test(test_builtin_readonly),
		cmocka_unit_test(test_unknown_profile),
		cmocka_unit_test(test_unknown_event),
		cmocka_unit_test(test_all_events_known),
		cmocka_unit_test(test_event_syntax),
		cmocka_unit_test(test_packet_type),
		cmocka_unit_test(test_handling),
		cmocka_unit_test(test_duplicate_event),
		cmocka_unit_test(test_all_exclusive),
		cmocka_unit_test(test_all_equivalent),
		cmocka_unit_test(test_priority),
		cmocka_unit_test(test_duplicate_priority),
		cmocka_unit_test(test_priority_defaults),
		cmocka_unit_test(test_duplicate_server),
		cmocka_unit_test(test_duplicate_component),
		cmocka_unit_test(test_nodes),
		cmocka_unit_test(test_node_findings),
		cmocka_unit_test(test_node_file_overlap),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_size),
		cmocka_unit_test(test_rate),
		cmocka_unit_test(test_integer),
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_probe_none),
		cmocka_unit_test(test_probe_timeout),
		cmocka_unit_test(test_path),
		cmocka_unit_test(test_node_name),
		cmocka_unit_test(test_component_name),
		cmocka_unit_test(test_syslog_facility),
		cmocka_unit_test(test_bounce_fire_and_forget),
		cmocka_unit_test(test_unused_profile),
		cmocka_unit_test(test_empty_profile),
		cmocka_unit_test(test_all_findings_at_once),
		cmocka_unit_test(test_defaults_and_derived),
		cmocka_unit_test(test_component_name_function),
		cmocka_unit_test(test_builtin_profile),
		cmocka_unit_test(test_lookups),
		cmocka_unit_test(test_events_order),
		cmocka_unit_test(test_print_round_trip),
		cmocka_unit_test(test_print_long_lists),
		cmocka_unit_test(test_secret_masking),
		cmocka_unit_test(test_shipped_files),
		cmocka_unit_test(test_findings_accumulate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

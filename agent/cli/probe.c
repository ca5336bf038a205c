/* SPDX-License-Identifier: ISC */
/* `ccmon probe`: the commissioning check of one compliance server.
 *
 * It answers, before the router is configured, the questions of the
 * vendor's checklist (doc/domain.md "Troubleshooting checklist"): is the
 * port open (the router's CONNECTED), does it speak the component stream,
 * and are the password and component name accepted (ACTIVE) — the
 * "CONNECTED but not ACTIVE" case.  The secret
 * is read from a file that only its owner may read, so that it never shows
 * in a process list or shell history, and it is never printed. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "agent/io/probe.h"
#include "agent/util/safe_open.h"
#include "parsers/config.h"
#include "parsers/duration.h"

#define EXIT_FAILED 1
#define EXIT_USAGE 2

#define HOST_MAX 256

struct options {
	const char *config;
	bool tcp_only, handshake;
	const char *secret_file;
	const char *component;
	bool have_timeout;
	ccm_ms timeout;
	const char *target;
};

/* What to probe, from HOST:PORT or the configuration. */
struct target {
	char host[HOST_MAX];
	unsigned port;
	char component[CCM_PROBE_COMPONENT_MAX + 1];
	char secret_file[4096];
	char server[128];     /* the configured server's name, or "" */
	ccm_ms timeout;
};

static void usage(FILE *out)
{
	fputs("usage: ccmon probe [-c FILE] [--tcp-only | --handshake"
	      " [--secret-file FILE]]\n"
	      "                   [--component NAME] [--timeout DURATION]"
	      " SERVER|HOST:PORT\n"
	      "Checks a compliance server as the XCP Router would reach it: is"
	      " the port open,\ndoes it speak the component stream, and (with"
	      " --handshake) are the password\nand the component name"
	      " accepted.  SERVER is a [server] of the configuration\nfile"
	      " (default " CCM_CONFIG_DEFAULT_PATH "); an IPv6 address is"
	      " written [ADDR]:PORT.\nThe secret file must be a regular file,"
	      " not a symbolic link, neither readable\nnor writable by group or"
	      " others.  Exit status: 0 all checks passed, 1 a check\nfailed,"
	      " 2 usage or configuration error.\n", out);
}

__attribute__((format(printf, 1, 2)))
static void usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("ccmon probe: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'ccmon probe --help'.\n", stderr);
}

/* Says what is wrong; is EXIT_USAGE.  A macro so that the value shows where
 * it is returned: the static analyzer does not enter variadic functions,
 * and took a failed parse_options() for a success without a target. */
#define bad_usage(...) (usage_error(__VA_ARGS__), EXIT_USAGE)

__attribute__((format(printf, 1, 2)))
static int refuse(const char *fmt, ...)
{
	va_list ap;

	fputs("ccmon probe: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_USAGE;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "tcp-only", no_argument, NULL, 'T' },
		{ "handshake", no_argument, NULL, 'H' },
		{ "secret-file", required_argument, NULL, 's' },
		{ "component", required_argument, NULL, 'C' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->config = CCM_CONFIG_DEFAULT_PATH;
	opterr = 0;
	optind = 1;
	/* No '+': the operator may write the options after the target. */
	while ((c = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 'T':
			o->tcp_only = true;
			break;
		case 'H':
			o->handshake = true;
			break;
		case 's':
			o->secret_file = optarg;
			break;
		case 'C':
			o->component = optarg;
			if (!optarg[0] ||
			    strlen(optarg) > CCM_PROBE_COMPONENT_MAX)
				return bad_usage("--component: not a component"
						 " name: '%s'", optarg);
			break;
		case 't':
			if (ccm_duration_parse(optarg, &o->timeout) ||
			    o->timeout <= 0)
				return bad_usage("--timeout: not a duration: "
						 "'%s'", optarg);
			o->have_timeout = true;
			break;
		case 'h':
			usage(stdout);
			return -1;
		default:
			return bad_usage("unknown or incomplete option '%s'",
					 argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return bad_usage("%s", "no SERVER or HOST:PORT given");
	if (optind + 1 < argc)
		return bad_usage("one SERVER or HOST:PORT only, not also '%s'",
				 argv[optind + 1]);
	o->target = argv[optind];
	if (o->tcp_only && o->handshake)
		return bad_usage("%s", "--tcp-only and --handshake exclude "
				 "each other");
	if (o->secret_file && !o->handshake)
		return bad_usage("%s", "--secret-file is for --handshake");
	return 0;
}

static bool host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
}

static int parse_port(const char *s, unsigned *port)
{
	unsigned v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned)(*s - '0');
		if (v > 65535)
			return -1;
	}
	if (!v)
		return -1;
	*port = v;
	return 0;
}

static bool numeric_ipv6(const char *host)
{
	struct addrinfo hints = {
		.ai_family = AF_INET6,
		.ai_flags = AI_NUMERICHOST,
	};
	struct addrinfo *ai = NULL;
	bool ok = getaddrinfo(host, NULL, &hints, &ai) == 0;

	if (ai)
		freeaddrinfo(ai);
	return ok;
}

/* HOST:PORT or [IPV6]:PORT.  Returns 0, 1 when arg is no address at all (a
 * server name), or EXIT_USAGE after saying why. */
static int parse_target(const char *arg, struct target *t)
{
	const char *colon, *port;
	size_t n;

	if (arg[0] == '[') {
		const char *close = strchr(arg, ']');

		if (!close || close[1] != ':')
			return bad_usage("'%s': write an IPv6 address as "
					 "[ADDR]:PORT", arg);
		n = (size_t)(close - arg - 1);
		port = close + 2;
		if (!n || n >= sizeof(t->host))
			return bad_usage("'%s': no IPv6 address", arg);
		memcpy(t->host, arg + 1, n);
		t->host[n] = '\0';
		if (!numeric_ipv6(t->host))
			return bad_usage("'%s': not an IPv6 address", t->host);
	} else {
		colon = strrchr(arg, ':');
		if (!colon)
			return 1;
		if (strchr(arg, ':') != colon)
			return bad_usage("'%s': write an IPv6 address as "
					 "[ADDR]:PORT", arg);
		n = (size_t)(colon - arg);
		port = colon + 1;
		if (!n || n >= sizeof(t->host))
			return bad_usage("'%s': no host before the port", arg);
		for (size_t i = 0; i < n; i++)
			if (!host_char(arg[i]))
				return bad_usage("'%s': not a host name or "
						 "address", arg);
		memcpy(t->host, arg, n);
		t->host[n] = '\0';
	}
	if (parse_port(port, &t->port))
		return bad_usage("'%s': not a port (1-65535)", port);
	return 0;
}

static int from_config(const struct options *o, struct target *t)
{
	struct ccm_findings findings;
	struct ccm_config *config = NULL;
	const struct ccm_server *s;
	int errors, rc = 0;

	ccm_findings_init(&findings);
	errors = ccm_config_load(o->config, &config, &findings);
	if (errors < 0) {
		rc = refuse("%s", "out of memory");
	} else if (errors) {
		ccm_findings_print(&findings, stderr);
		rc = refuse("'%s' is not HOST:PORT, and a SERVER name needs "
			    "a valid configuration: %s has errors (above; see "
			    "'ccmon check-config')", o->target, o->config);
	} else if (!(s = ccm_config_server(config, o->target))) {
		rc = refuse("no [server %s] in %s; give HOST:PORT to probe an "
			    "address", o->target, o->config);
	} else if (strlen(s->host) >= sizeof(t->host) ||
		   strlen(s->component) > CCM_PROBE_COMPONENT_MAX ||
		   (s->secret_file &&
		    strlen(s->secret_file) >= sizeof(t->secret_file)) ||
		   strlen(s->name) >= sizeof(t->server)) {
		rc = refuse("[server %s] in %s: a value is too long",
			    o->target, o->config);
	} else {
		snprintf(t->host, sizeof(t->host), "%s", s->host);
		t->port = s->port;
		snprintf(t->component, sizeof(t->component), "%s",
			 s->component);
		if (s->secret_file)
			snprintf(t->secret_file, sizeof(t->secret_file), "%s",
				 s->secret_file);
		snprintf(t->server, sizeof(t->server), "%s", s->name);
		t->timeout = s->probe_timeout;
	}
	ccm_config_free(config);
	ccm_findings_release(&findings);
	return rc;
}

/* Reads the secret; refuses a file that others could read or replace,
 * since the password it holds lets anyone displace the router's link
 * (check-config applies the same checks). */
static int read_secret(const char *path, char *buf, size_t size, size_t *len)
{
	char why[512];
	ssize_t n;
	size_t got = 0;
	int fd = ccm_open_secret(path, why, sizeof(why));

	if (fd < 0)
		return refuse("%s", why);
	while ((n = read(fd, buf + got, size - got)) > 0) {
		got += (size_t)n;
		if (got == size)
			break;
	}
	close(fd);
	if (n < 0) {
		explicit_bzero(buf, size);
		return refuse("cannot read the secret file %s: %s", path,
			      strerror(errno));
	}
	if (got == size) {
		explicit_bzero(buf, size);
		return refuse("the secret file %s is too large (a password of "
			      "at most %d bytes)", path, CCM_PROBE_SECRET_MAX);
	}
	/* Editors end a file with a newline; the password does not. */
	if (got && buf[got - 1] == '\n')
		got--;
	if (got && buf[got - 1] == '\r')
		got--;
	buf[got] = '\0';
	if (got > CCM_PROBE_SECRET_MAX) {
		explicit_bzero(buf, size);
		return refuse("the secret file %s is too large (a password of "
			      "at most %d bytes)", path, CCM_PROBE_SECRET_MAX);
	}
	if (memchr(buf, '\0', got)) {
		explicit_bzero(buf, size);
		return refuse("the secret file %s holds a NUL byte", path);
	}
	if (!got)
		return refuse("the secret file %s is empty", path);
	*len = got;
	return 0;
}

static void print_escaped(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\'' || c == '\\')
			printf("\\%c", c);
		else if (c >= 0x20 && c < 0x7f)
			putchar(c);
		else
			printf("\\x%02x", c);
	}
}

static void print_us(int64_t us)
{
	printf("%lld.%03lld ms", (long long)(us / 1000),
	       (long long)(us % 1000));
}

#define OK "[ok]   "
#define FAIL "[FAIL] "
#define SKIP "[skip] "
#define NOTE "[note] "

static void print_steps(const struct ccm_probe_request *req,
			const struct ccm_probe_report *r)
{
	enum ccm_probe_stage st = r->stage;

	if (st == CCM_PROBE_STAGE_RESOLVE) {
		printf(FAIL "%s\n", r->detail); /* "cannot resolve HOST: ..." */
	} else if (strcmp(req->host, r->address) != 0) {
		printf(OK "resolve %s: %s", req->host, r->address);
		if (r->addresses_tried > 1)
			printf(" (%u addresses tried)", r->addresses_tried);
		putchar('\n');
	}

	if (st == CCM_PROBE_STAGE_RESOLVE) {
		printf(SKIP "tcp connect to port %u\n", req->port);
	} else if (st == CCM_PROBE_STAGE_CONNECT) {
		printf(FAIL "tcp connect: %s\n", r->detail);
	} else {
		printf(OK "tcp connect to %s port %u in ", r->address,
		       req->port);
		print_us(r->connect_us);
		putchar('\n');
	}
	if (req->depth < CCM_PROBE_DEPTH_STREAM)
		return;

	if (st < CCM_PROBE_STAGE_STREAM) {
		printf(SKIP "component stream\n");
	} else if (st == CCM_PROBE_STAGE_STREAM) {
		printf(FAIL "component stream: %s\n", r->detail);
	} else {
		printf(OK "component stream: the server's header after ");
		print_us(r->first_byte_us);
		printf(", id '");
		print_escaped(r->stream_id);
		putchar('\'');
		if (r->stream_from[0]) {
			printf(", from '");
			print_escaped(r->stream_from);
			putchar('\'');
		}
		putchar('\n');
		if (req->depth == CCM_PROBE_DEPTH_STREAM && r->condition[0])
			printf(NOTE "then the server closed the stream with "
			       "<%s/>\n", r->condition);
	}
	if (req->depth < CCM_PROBE_DEPTH_HANDSHAKE)
		return;

	if (st < CCM_PROBE_STAGE_HANDSHAKE)
		printf(SKIP "handshake as %s\n", req->component);
	else if (st == CCM_PROBE_STAGE_HANDSHAKE)
		printf(FAIL "handshake as %s: %s\n", req->component, r->detail);
	else
		printf(OK "handshake as %s: accepted\n", req->component);
}

static void print_verdict(const struct ccm_probe_request *req,
			  const struct ccm_probe_report *r)
{
	char t[CCM_DURATION_STRLEN];

	ccm_duration_format_short(req->timeout, t);
	fputs("verdict: ", stdout);
	switch (r->stage) {
	case CCM_PROBE_STAGE_RESOLVE:
		printf("cannot resolve %s: check the host name configured for"
		       " the compliance server, and DNS\n", req->host);
		return;
	case CCM_PROBE_STAGE_CONNECT:
		switch (r->result) {
		case CCM_PROBE_REFUSED:
			printf("port closed: connection refused by %s port %u "
			       "(the router would log \"Unable to connect ... "
			       "(111) Connection refused\"): check that the "
			       "compliance server is running and listening on "
			       "that port, and that host and port match on "
			       "both sides\n", req->host, req->port);
			return;
		case CCM_PROBE_TIMEOUT:
			printf("no answer from %s port %u within %s: the host "
			       "is down, or a firewall drops the connection\n",
			       req->host, req->port, t);
			return;
		case CCM_PROBE_UNREACHABLE:
			printf("%s is unreachable from here (%s): check the "
			       "address and the network path\n", req->host,
			       r->detail);
			return;
		default:
			printf("cannot connect to %s port %u: %s\n", req->host,
			       req->port, r->detail);
			return;
		}
	case CCM_PROBE_STAGE_STREAM:
		if (r->result == CCM_PROBE_TIMEOUT)
			printf("port open; no stream header within %s: the "
			       "server accepts connections but does not answer"
			       " the component stream, so the router would be "
			       "CONNECTED but never ACTIVE\n", t);
		else
			printf("port open, but it does not speak the component"
			       " stream: check that this is the compliance "
			       "server's port for IM and Presence\n");
		return;
	case CCM_PROBE_STAGE_HANDSHAKE:
		if (r->handshake_rejected)
			printf("port open; speaks the component stream; "
			       "handshake REJECTED: check the password on both"
			       " sides and that the compliance server expects "
			       "component %s\n", req->component);
		else if (r->result == CCM_PROBE_TIMEOUT)
			printf("port open; speaks the component stream; no "
			       "answer to the handshake within %s: the router "
			       "would be CONNECTED but never ACTIVE; check the "
			       "compliance server's log\n", t);
		else
			printf("port open; speaks the component stream; the "
			       "handshake failed: %s\n", r->detail);
		return;
	case CCM_PROBE_STAGE_DONE:
		break;
	}
	switch (req->depth) {
	case CCM_PROBE_DEPTH_TCP:
		puts("port open (the stream was not checked: --tcp-only)");
		break;
	case CCM_PROBE_DEPTH_STREAM:
		puts("port open; speaks the component stream (password and "
		     "component name not checked: add --handshake)");
		break;
	case CCM_PROBE_DEPTH_HANDSHAKE:
		printf("port open; speaks the component stream; handshake "
		       "accepted: the router should reach ACTIVE with this "
		       "password as component %s\n", req->component);
		break;
	}
}

static int probe(const struct options *o, const struct target *t)
{
	struct ccm_probe_request req = {
		.host = t->host,
		.port = t->port,
		.timeout = o->have_timeout ? o->timeout :
			   t->timeout > 0 ? t->timeout :
			   CCM_PROBE_DEFAULT_TIMEOUT,
		.component = t->component[0] ? t->component : NULL,
		.depth = o->tcp_only ? CCM_PROBE_DEPTH_TCP :
			 o->handshake ? CCM_PROBE_DEPTH_HANDSHAKE :
			 CCM_PROBE_DEPTH_STREAM,
	};
	struct ccm_probe_report report;
	char secret[CCM_PROBE_SECRET_MAX + 3]; /* and "\r\n" */
	const char *secret_file = o->secret_file ? o->secret_file :
				  t->secret_file[0] ? t->secret_file : NULL;
	char tb[CCM_DURATION_STRLEN];
	size_t secret_len = 0;
	int r;

	if (o->handshake && !req.component)
		return bad_usage("%s", "--handshake needs --component NAME "
				 "(the router's open-port component name)");
	if (o->handshake && !secret_file)
		return bad_usage("%s", "--handshake needs --secret-file FILE");
	if (o->handshake) {
		r = read_secret(secret_file, secret, sizeof(secret),
				&secret_len);
		if (r)
			return r;
		req.secret = secret;
	}

	printf("probe of %s port %u", t->host, t->port);
	if (t->server[0])
		printf(" ([server %s] of %s)", t->server, o->config);
	printf(": %s, timeout %s", ccm_probe_depth_name(req.depth),
	       ccm_duration_format_short(req.timeout, tb));
	if (req.component)
		printf(", component %s", req.component);
	putchar('\n');
	if (o->handshake)
		printf(NOTE "the handshake logs in as %s: a compliance server "
		       "that allows one link per component may drop the "
		       "router's live link\n", req.component);
	fflush(stdout);

	r = ccm_probe_run(&req, &report);
	explicit_bzero(secret, sizeof(secret));
	if (r < 0) {
		fprintf(stderr, "ccmon probe: cannot run the probe: %s\n",
			strerror(-r));
		return EXIT_FAILED;
	}
	print_steps(&req, &report);
	print_verdict(&req, &report);
	if (fflush(stdout)) {
		perror("ccmon probe: writing the report");
		return EXIT_FAILED;
	}
	return report.result == CCM_PROBE_OK ? 0 : EXIT_FAILED;
}

int ccm_probe_main(int argc, char **argv)
{
	struct options o;
	struct target t;
	int r;

	r = parse_options(argc, argv, &o);
	if (r)
		return r < 0 ? 0 : r;
	memset(&t, 0, sizeof(t));
	r = parse_target(o.target, &t);
	if (r == 1)
		r = from_config(&o, &t);
	if (r)
		return r;
	if (o.component)
		snprintf(t.component, sizeof(t.component), "%s", o.component);
	return probe(&o, &t);
}

/* SPDX-License-Identifier: ISC */
/* See agent/snmp/agentx.h.  The glue follows the pattern of net-snmp's
 * own event loop: snmp_select_info2() says which sockets and which
 * timeout it wants, snmp_read2() and snmp_timeout() + run_alarms() serve
 * them; we re-ask after everything that may have changed the answer. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

/* net-snmp's config header defines PACKAGE_* as well */
#undef PACKAGE_BUGREPORT
#undef PACKAGE_NAME
#undef PACKAGE_STRING
#undef PACKAGE_TARNAME
#undef PACKAGE_URL
#undef PACKAGE_VERSION
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>
#include <net-snmp/agent/agent_callbacks.h>
#include <net-snmp/library/large_fd_set.h>
#include <systemd/sd-event.h>

#include "agent/io/log.h"
#include "agent/snmp/agentx.h"
#include "agent/snmp/mib.h"
#include "agent/util/clock.h"

#define APP_NAME "ccmond"
/* RFC 2741 §6.1: the Notify-PDU; net-snmp does not install the header
 * (agentx/protocol.h) that names it. */
#define AGENTX_NOTIFY_PDU 12
/* Notifications sent and not yet answered, at most: a master that stalls
 * is not flooded. */
#define IN_FLIGHT_MAX 64
/* Distinct library messages repeated while the master is away: each is
 * said once per absence. */
#define LIB_SAID_MAX 16
/* AgentX requests (registration, ping, notify) are synchronous in part:
 * how long a master that does not answer may hold the loop. */
#define AGENTX_TIMEOUT_S 1
#define AGENTX_RETRIES 1

struct io {
	struct ccm_snmp_agent *a;
	int fd;
	sd_event_source *src;
};

struct ccm_snmp_agent {
	sd_event *loop;
	struct ccm_snmp_agent_ops ops;
	const struct ccm_log *log;
	void *ctx;
	char *socket;                 /* as shown in messages */
	unsigned ping_s;
	struct ccm_snmp_queue *queue;
	netsnmp_session *master;      /* the AgentX session while connected */
	bool said_absent;             /* "master away" said, "back" owed */
	struct io *ios;
	size_t nios;
	bool ios_stale;               /* the connection changed: re-add */
	sd_event_source *timer;
	sd_event_source *flusher;     /* defer: send what is queued */
	uint64_t started;             /* CLOCK_MONOTONIC, usec */
	uint64_t alarms_changed;      /* the same, of the last decision; 0:
				       * none since the start */
	char *lib_said[LIB_SAID_MAX];
	size_t nlib_said;
	bool initialised;             /* net-snmp is ours to shut down */
};

/* ---- the event loop ------------------------------------------------------ */

static void sync_loop(struct ccm_snmp_agent *a);

static void drop_ios(struct ccm_snmp_agent *a)
{
	for (size_t i = 0; i < a->nios; i++)
		sd_event_source_disable_unref(a->ios[i].src);
	free(a->ios);
	a->ios = NULL;
	a->nios = 0;
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *ud)
{
	struct io *io = ud;
	struct ccm_snmp_agent *a = io->a;
	netsnmp_large_fd_set fds;

	(void)s;
	(void)revents;
	/* The readiness may be stale: a synchronous exchange of net-snmp's
	 * (the AgentX ping, run from the timer in the same loop iteration)
	 * can have read the data since.  snmp_read2() on an empty socket
	 * takes EAGAIN for a closed connection and drops the session. */
	if (poll(&(struct pollfd){ .fd = fd, .events = POLLIN }, 1, 0) <= 0) {
		sync_loop(a);
		return 0;
	}
	netsnmp_large_fd_set_init(&fds, FD_SETSIZE);
	NETSNMP_LARGE_FD_SET(fd, &fds);
	snmp_read2(&fds); /* may free io: use a only from here */
	netsnmp_large_fd_set_cleanup(&fds);
	netsnmp_check_outstanding_agent_requests();
	sync_loop(a);
	return 0;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *ud)
{
	struct ccm_snmp_agent *a = ud;

	(void)s;
	(void)usec;
	snmp_timeout();
	run_alarms();
	netsnmp_check_outstanding_agent_requests();
	sync_loop(a);
	return 0;
}

static bool same_fds(const struct ccm_snmp_agent *a,
		     netsnmp_large_fd_set *fds, int maxfd)
{
	size_t n = 0;

	for (int fd = 0; fd < maxfd; fd++) {
		if (!NETSNMP_LARGE_FD_ISSET(fd, fds))
			continue;
		if (n >= a->nios || a->ios[n].fd != fd)
			return false;
		n++;
	}
	return n == a->nios;
}

static void watch_fds(struct ccm_snmp_agent *a, netsnmp_large_fd_set *fds,
		      int maxfd)
{
	size_t n = 0;

	drop_ios(a);
	for (int fd = 0; fd < maxfd; fd++)
		n += NETSNMP_LARGE_FD_ISSET(fd, fds) ? 1 : 0;
	if (!n)
		return;
	a->ios = calloc(n, sizeof(*a->ios));
	if (!a->ios) {
		ccm_say(a->log, LOG_ERR,
			"SNMP: out of memory watching sockets");
		return;
	}
	for (int fd = 0; fd < maxfd; fd++) {
		struct io *io;

		if (!NETSNMP_LARGE_FD_ISSET(fd, fds))
			continue;
		io = &a->ios[a->nios];
		io->a = a;
		io->fd = fd;
		if (sd_event_add_io(a->loop, &io->src, fd, EPOLLIN, on_io,
				    io) < 0) {
			ccm_say(a->log, LOG_ERR,
				"SNMP: cannot watch socket %d", fd);
			continue;
		}
		a->nios++;
	}
}

/* Asks net-snmp what it waits for and makes the loop wait for that. */
static void sync_loop(struct ccm_snmp_agent *a)
{
	netsnmp_large_fd_set fds;
	struct timeval tv = { 0, 0 };
	int maxfd = 0, block = 1;

	netsnmp_large_fd_set_init(&fds, FD_SETSIZE);
	snmp_select_info2(&maxfd, &fds, &tv, &block);
	/* A socket closed and another opened under the same number would
	 * keep a dead epoll registration: after a connection change every
	 * source is made anew. */
	if (a->ios_stale || !same_fds(a, &fds, maxfd)) {
		watch_fds(a, &fds, maxfd);
		a->ios_stale = false;
	}
	netsnmp_large_fd_set_cleanup(&fds);
	if (block) {
		sd_event_source_set_enabled(a->timer, SD_EVENT_OFF);
	} else {
		uint64_t now, usec = (uint64_t)tv.tv_sec * 1000000u +
				     (uint64_t)tv.tv_usec;

		sd_event_now(a->loop, CLOCK_MONOTONIC, &now);
		sd_event_source_set_time(a->timer, now + usec);
		sd_event_source_set_enabled(a->timer, SD_EVENT_ONESHOT);
	}
}

/* ---- notifications ------------------------------------------------------- */

static const oid snmp_trap_oid[] = { 1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0 };

static void add_notify_var(netsnmp_pdu *pdu, unsigned which, u_char type,
			   const void *value, size_t len)
{
	oid name[] = { CCM_MIB_ROOT, CCM_MIB_OBJECTS, CCM_MIB_NOTIFY_OBJECTS,
		       which, 0 };

	snmp_pdu_add_variable(pdu, name, OID_LENGTH(name), type, value, len);
}

static netsnmp_pdu *notify_pdu(const struct ccm_snmp_notice *n)
{
	oid trap[] = { CCM_MIB_ROOT, CCM_MIB_NOTIFICATIONS,
		       n->state == CCM_ALARM_RAISED ? CCM_MIB_ALARM_RAISED :
		       n->state == CCM_ALARM_CHANGED ? CCM_MIB_ALARM_CHANGED :
						       CCM_MIB_ALARM_CLEARED };
	netsnmp_pdu *pdu = snmp_pdu_create(AGENTX_NOTIFY_PDU);
	u_long id = n->alarm_id > UINT32_MAX ? UINT32_MAX :
					       (u_long)n->alarm_id;
	long type = ccm_snmp_alarm_type(n->type);
	long restype = ccm_snmp_resource_type(n->resource_type);
	long raised_sev = ccm_snmp_severity(n->severity);
	long sev = n->state == CCM_ALARM_CLEARED ? CCM_MIB_SEVERITY_CLEARED :
						   raised_sev;
	long cause = ccm_snmp_probable_cause(n->type);
	long event = ccm_snmp_event_type(n->type);
	u_char text[CCM_SNMP_OCTETS_MAX], res[CCM_SNMP_OCTETS_MAX];
	size_t tlen = ccm_snmp_text(text, CCM_ALARM_TEXT_MAX, n->text);
	size_t rlen = ccm_snmp_text(res, CCM_MIB_ADMIN_STRING_MAX,
				    n->resource);
	u_char when[CCM_MIB_DATEANDTIME_LEN], since[CCM_MIB_DATEANDTIME_LEN];

	if (!pdu)
		return NULL;
	ccm_snmp_local_date_and_time(n->time, when);
	ccm_snmp_local_date_and_time(n->since, since);
	snmp_pdu_add_variable(pdu, snmp_trap_oid, OID_LENGTH(snmp_trap_oid),
			      ASN_OBJECT_ID, trap, sizeof(trap));
	add_notify_var(pdu, CCM_MIB_NOTIFY_ALARM_ID, ASN_UNSIGNED, &id,
		       sizeof(id));
	add_notify_var(pdu, CCM_MIB_NOTIFY_ALARM_TYPE, ASN_INTEGER, &type,
		       sizeof(type));
	add_notify_var(pdu, CCM_MIB_NOTIFY_RESOURCE_TYPE, ASN_INTEGER,
		       &restype, sizeof(restype));
	add_notify_var(pdu, CCM_MIB_NOTIFY_RESOURCE, ASN_OCTET_STR, res,
		       rlen);
	add_notify_var(pdu, CCM_MIB_NOTIFY_SEVERITY, ASN_INTEGER, &sev,
		       sizeof(sev));
	add_notify_var(pdu, CCM_MIB_NOTIFY_TEXT, ASN_OCTET_STR, text, tlen);
	add_notify_var(pdu, CCM_MIB_NOTIFY_TIME, ASN_OCTET_STR, when,
		       sizeof(when));
	add_notify_var(pdu, CCM_MIB_NOTIFY_SINCE, ASN_OCTET_STR, since,
		       sizeof(since));
	add_notify_var(pdu, CCM_MIB_NOTIFY_PROBABLE_CAUSE, ASN_INTEGER, &cause,
		       sizeof(cause));
	add_notify_var(pdu, CCM_MIB_NOTIFY_EVENT_TYPE, ASN_INTEGER, &event,
		       sizeof(event));
	add_notify_var(pdu, CCM_MIB_NOTIFY_RAISED_SEVERITY, ASN_INTEGER,
		       &raised_sev, sizeof(raised_sev));
	return pdu;
}

static void schedule_flush(struct ccm_snmp_agent *a)
{
	sd_event_source_set_enabled(a->flusher, SD_EVENT_ONESHOT);
}

static int on_answer(int op, netsnmp_session *s, int reqid, netsnmp_pdu *pdu,
		     void *magic)
{
	struct ccm_snmp_agent *a = magic;

	(void)s;
	if (op == NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE) {
		bool ok = pdu && pdu->errstat == 0;
		uint64_t id = ccm_snmp_queue_answered(a->queue, reqid, ok);

		if (!ok && id)
			ccm_say(a->log, LOG_ERR, "SNMP: the AgentX master "
				"refused the notification of alarm %llu "
				"(AgentX error %ld); dropped",
				(unsigned long long)id,
				pdu ? pdu->errstat : -1L);
		if (id && a->ops.delivered)
			a->ops.delivered(a->ctx);
		/* room in flight again: what waits behind it goes */
		if (a->master && ccm_snmp_queue_next(a->queue))
			schedule_flush(a);
	} else if (ccm_snmp_queue_requeue_one(a->queue, reqid)) {
		/* not answered: again, when the master is there */
		schedule_flush(a);
	}
	return 1;
}

static void send_queued(struct ccm_snmp_agent *a)
{
	struct ccm_snmp_queue_stats st;
	struct ccm_snmp_notice *n;

	ccm_snmp_queue_stats(a->queue, &st);
	while (a->master && st.in_flight < IN_FLIGHT_MAX &&
	       (n = ccm_snmp_queue_next(a->queue))) {
		netsnmp_pdu *pdu = notify_pdu(n);
		long reqid;

		if (!pdu)
			break;
		pdu->sessid = a->master->sessid;
		pdu->reqid = snmp_get_next_reqid();
		reqid = snmp_async_send(a->master, pdu, on_answer, a);
		if (!reqid) {
			snmp_free_pdu(pdu);
			/* the session is failing: its end will requeue */
			break;
		}
		ccm_snmp_queue_sending(a->queue, n, reqid);
		st.in_flight++;
	}
	sync_loop(a);
}

static int on_flush(sd_event_source *s, void *ud)
{
	(void)s;
	send_queued(ud);
	return 0;
}

void ccm_snmp_agent_queue(struct ccm_snmp_agent *a,
			  const struct ccm_alarm_decision *d)
{
	/* every decision adds, removes or changes a row of ccmonAlarmTable
	 * (ccmonAlarmLastChanged) */
	a->alarms_changed = ccm_now_mono_usec();
	if (ccm_snmp_queue_push(a->queue, d))
		ccm_say(a->log, LOG_ERR, "SNMP: out of memory: the "
			"notification of alarm %llu is lost",
			(unsigned long long)d->id);
}

void ccm_snmp_agent_send(struct ccm_snmp_agent *a)
{
	if (a->master)
		send_queued(a);
}

struct json_object *ccm_snmp_agent_snapshot(const struct ccm_snmp_agent *a)
{
	return ccm_snmp_queue_snapshot(a->queue);
}

size_t ccm_snmp_agent_restore(struct ccm_snmp_agent *a,
			      const struct json_object *snapshot)
{
	size_t n = ccm_snmp_queue_restore(a->queue, snapshot);

	if (n)
		schedule_flush(a);
	return n;
}

/* ---- the MIB ------------------------------------------------------------- */

static size_t to_u32(const oid *name, size_t len, uint32_t *out)
{
	if (len > CCM_SNMP_OID_MAX)
		len = CCM_SNMP_OID_MAX;
	for (size_t i = 0; i < len; i++)
		out[i] = name[i] > UINT32_MAX ? UINT32_MAX : (uint32_t)name[i];
	return len;
}

static void set_value(netsnmp_variable_list *vb,
		      const struct ccm_snmp_value *v)
{
	struct counter64 c64;

	switch (v->type) {
	case CCM_SNMP_INTEGER:
		snmp_set_var_typed_integer(vb, ASN_INTEGER, (long)v->num);
		break;
	case CCM_SNMP_OCTETS:
		snmp_set_var_typed_value(vb, ASN_OCTET_STR, v->octets, v->len);
		break;
	case CCM_SNMP_COUNTER32:
		snmp_set_var_typed_integer(vb, ASN_COUNTER, (long)v->num);
		break;
	case CCM_SNMP_GAUGE32:
		snmp_set_var_typed_integer(vb, ASN_GAUGE, (long)v->num);
		break;
	case CCM_SNMP_TIMETICKS:
		snmp_set_var_typed_integer(vb, ASN_TIMETICKS, (long)v->num);
		break;
	case CCM_SNMP_COUNTER64:
		c64.high = (u_long)(v->num >> 32);
		c64.low = (u_long)(v->num & UINT32_MAX);
		snmp_set_var_typed_value(vb, ASN_COUNTER64, &c64, sizeof(c64));
		break;
	}
}

static int handle(netsnmp_mib_handler *h, netsnmp_handler_registration *reg,
		  netsnmp_agent_request_info *info,
		  netsnmp_request_info *requests)
{
	struct ccm_snmp_agent *a = h->myvoid;
	struct ccm_snmp_source src = { 0 };
	struct ccm_snmp_queue_stats qs;
	struct ccm_snmp_view *view;
	struct ccm_snmp_value val;
	uint32_t in[CCM_SNMP_OID_MAX], next[CCM_SNMP_OID_MAX];

	(void)reg;
	if (a->ops.source)
		a->ops.source(a->ctx, &src);
	ccm_snmp_queue_stats(a->queue, &qs);
	src.queued = qs.queued;
	src.dropped = qs.dropped;
	src.sent = qs.sent;
	src.uptime_cs = (ccm_now_mono_usec() - a->started) / 10000u;
	/* rounded up, since 0 says "never" */
	if (a->alarms_changed) {
		uint64_t cs = (a->alarms_changed - a->started + 9999u) / 10000u;
		src.alarms_changed_cs = cs ? cs : 1;
	}
	view = ccm_snmp_view_new(&src);
	if (!view) {
		netsnmp_request_set_error_all(requests, SNMP_ERR_GENERR);
		return SNMP_ERR_NOERROR;
	}
	for (netsnmp_request_info *r = requests; r; r = r->next) {
		netsnmp_variable_list *vb = r->requestvb;
		size_t len, nlen;

		if (r->processed)
			continue;
		len = to_u32(vb->name, vb->name_length, in);
		if (info->mode == MODE_GET) {
			switch (ccm_snmp_view_get(view, in, len, &val)) {
			case CCM_SNMP_FOUND:
				set_value(vb, &val);
				break;
			case CCM_SNMP_NO_SUCH_INSTANCE:
				netsnmp_set_request_error(info, r,
							  SNMP_NOSUCHINSTANCE);
				break;
			case CCM_SNMP_NO_SUCH_OBJECT:
				netsnmp_set_request_error(info, r,
							  SNMP_NOSUCHOBJECT);
				break;
			}
		} else if (info->mode == MODE_GETNEXT) {
			oid name[CCM_SNMP_OID_MAX];

			/* past our last instance: untouched, the master
			 * goes on to the next subtree */
			if (!ccm_snmp_view_next(view, in, len, next, &nlen,
						&val))
				continue;
			for (size_t i = 0; i < nlen; i++)
				name[i] = next[i];
			snmp_set_var_objid(vb, name, nlen);
			set_value(vb, &val);
		} else {
			netsnmp_set_request_error(info, r,
						  SNMP_ERR_NOTWRITABLE);
		}
	}
	ccm_snmp_view_free(view);
	return SNMP_ERR_NOERROR;
}

/* ---- the master comes and goes ------------------------------------------- */

static void forget_lib_said(struct ccm_snmp_agent *a)
{
	for (size_t i = 0; i < a->nlib_said; i++)
		free(a->lib_said[i]);
	a->nlib_said = 0;
}

static int on_connect(int major, int minor, void *serverarg, void *clientarg)
{
	struct ccm_snmp_agent *a = clientarg;
	struct ccm_snmp_queue_stats st;

	(void)major;
	(void)minor;
	a->master = serverarg;
	a->ios_stale = true;
	forget_lib_said(a);
	ccm_snmp_queue_stats(a->queue, &st);
	ccm_say(a->log, LOG_NOTICE, "SNMP: %s the AgentX master at %s: "
		"serving CCMON-MIB; %llu notification(s) queued to send",
		a->said_absent ? "back with" : "connected to", a->socket,
		(unsigned long long)st.queued);
	a->said_absent = false;
	/* not from inside net-snmp's connect: from the loop, next */
	schedule_flush(a);
	return 0;
}

static void say_absent(struct ccm_snmp_agent *a, const char *how)
{
	if (a->said_absent)
		return;
	ccm_say(a->log, LOG_WARNING, "SNMP: %s the AgentX master at %s; "
		"trying again every %u s, notifications are queued (up to "
		"the configured notification_queue) until it answers", how,
		a->socket, a->ping_s);
	a->said_absent = true;
}

static int on_disconnect(int major, int minor, void *serverarg,
			 void *clientarg)
{
	struct ccm_snmp_agent *a = clientarg;

	(void)major;
	(void)minor;
	(void)serverarg;
	a->master = NULL;
	/* Its socket is still open now, closed right after: the sources go
	 * while their numbers are still theirs. */
	drop_ios(a);
	a->ios_stale = true;
	ccm_snmp_queue_requeue(a->queue);
	say_absent(a, "lost");
	return 0;
}

/* net-snmp's own messages: its reconnect attempts repeat the same few
 * lines every ping interval; each is said once per absence. */
static int on_lib_log(int major, int minor, void *serverarg, void *clientarg)
{
	struct ccm_snmp_agent *a = clientarg;
	const struct snmp_log_message *m = serverarg;
	char text[512];
	size_t len;

	(void)major;
	(void)minor;
	if (!m || !m->msg || m->priority > LOG_NOTICE)
		return 0; /* informational: ours say more */
	snprintf(text, sizeof(text), "%s", m->msg);
	len = strlen(text);
	while (len && (text[len - 1] == '\n' || text[len - 1] == ' '))
		text[--len] = '\0';
	if (!len)
		return 0;
	for (size_t i = 0; i < a->nlib_said; i++)
		if (!strcmp(a->lib_said[i], text))
			return 0;
	if (a->nlib_said < LIB_SAID_MAX) {
		char *copy = strdup(text);

		if (copy)
			a->lib_said[a->nlib_said++] = copy;
	}
	ccm_say(a->log, m->priority, "SNMP: net-snmp: %s", text);
	return 0;
}

static int on_session_init(int major, int minor, void *serverarg,
			   void *clientarg)
{
	netsnmp_session *s = serverarg;

	(void)major;
	(void)minor;
	(void)clientarg;
	if (s) {
		s->timeout = AGENTX_TIMEOUT_S * 1000000L;
		s->retries = AGENTX_RETRIES;
	}
	return 0;
}

/* ---- life ---------------------------------------------------------------- */

static int start_netsnmp(struct ccm_snmp_agent *a,
			 const struct ccm_snmp_agent_config *cfg,
			 char *err, size_t errlen)
{
	static const oid objects[] = { CCM_MIB_ROOT, CCM_MIB_OBJECTS };
	netsnmp_handler_registration *reg;
	netsnmp_mib_handler *h;
	int rc;

	/* No MIB files: the agent serves numbers, managers have the MIB. */
	setenv("MIBS", "", 1);
	setenv("MIBDIRS", "", 1);
	netsnmp_enable_subagent();
	snmp_disable_log();
	snmp_enable_calllog();
	snmp_register_callback(SNMP_CALLBACK_LIBRARY, SNMP_CALLBACK_LOGGING,
			       on_lib_log, a);
	snmp_register_callback(SNMP_CALLBACK_LIBRARY,
			       SNMP_CALLBACK_SESSION_INIT, on_session_init,
			       a);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID,
			       NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID,
			       NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID,
			       NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID,
			       NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
	/* its alarms (ping, reconnect) run from our timer, not SIGALRM */
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID,
			       NETSNMP_DS_LIB_ALARM_DONT_USE_SIG, 1);
	/* our own message says it once; net-snmp's would every ping */
	netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID,
			       NETSNMP_DS_AGENT_NO_CONNECTION_WARNINGS, 1);
	if (cfg->socket)
		netsnmp_ds_set_string(NETSNMP_DS_APPLICATION_ID,
				      NETSNMP_DS_AGENT_X_SOCKET, cfg->socket);
	netsnmp_ds_set_int(NETSNMP_DS_APPLICATION_ID,
			   NETSNMP_DS_AGENT_AGENTX_TIMEOUT, AGENTX_TIMEOUT_S);
	netsnmp_ds_set_int(NETSNMP_DS_APPLICATION_ID,
			   NETSNMP_DS_AGENT_AGENTX_RETRIES, AGENTX_RETRIES);
	if (init_agent(APP_NAME)) {
		snprintf(err, errlen, "SNMP: net-snmp's agent library did not"
			 " start");
		return -1;
	}
	a->initialised = true;
	/* init_agent() resets it */
	netsnmp_ds_set_int(NETSNMP_DS_APPLICATION_ID,
			   NETSNMP_DS_AGENT_AGENTX_PING_INTERVAL,
			   (int)a->ping_s);
	snmp_register_callback(SNMP_CALLBACK_APPLICATION,
			       SNMPD_CALLBACK_INDEX_START, on_connect, a);
	snmp_register_callback(SNMP_CALLBACK_APPLICATION,
			       SNMPD_CALLBACK_INDEX_STOP, on_disconnect, a);
	h = netsnmp_create_handler("ccmon", handle);
	reg = h ? netsnmp_handler_registration_create(
			  "ccmon", h, objects, OID_LENGTH(objects),
			  HANDLER_CAN_RONLY) : NULL;
	if (!reg) {
		if (h)
			netsnmp_handler_free(h);
		snprintf(err, errlen, "SNMP: out of memory");
		return -1;
	}
	h->myvoid = a;
	rc = netsnmp_register_handler(reg);
	if (rc != MIB_REGISTERED_OK) {
		snprintf(err, errlen, "SNMP: cannot register CCMON-MIB"
			 " (net-snmp error %d)", rc);
		return -1;
	}
	init_snmp(APP_NAME);
	return 0;
}

struct ccm_snmp_agent *ccm_snmp_agent_new(sd_event *loop,
					  const struct ccm_snmp_agent_config *cfg,
					  const struct ccm_snmp_agent_ops *ops,
					  void *ctx, char *err, size_t errlen)
{
	struct ccm_snmp_agent *a = calloc(1, sizeof(*a));
	ccm_ms ping = cfg->ping_interval < 1000 ? 1000 : cfg->ping_interval;

	if (!a) {
		snprintf(err, errlen, "SNMP: out of memory");
		return NULL;
	}
	a->loop = sd_event_ref(loop);
	a->ops = *ops;
	a->log = cfg->log;
	a->ctx = ctx;
	a->ping_s = (unsigned)((ping + 999) / 1000);
	a->started = ccm_now_mono_usec();
	a->socket = strdup(cfg->socket ? cfg->socket : "/var/agentx/master");
	a->queue = ccm_snmp_queue_new(cfg->queue_max ? cfg->queue_max : 1);
	if (!a->socket || !a->queue ||
	    sd_event_add_time(loop, &a->timer, CLOCK_MONOTONIC, UINT64_MAX,
			      0, on_timer, a) < 0 ||
	    sd_event_add_defer(loop, &a->flusher, on_flush, a) < 0) {
		snprintf(err, errlen, "SNMP: out of memory");
		ccm_snmp_agent_free(a);
		return NULL;
	}
	sd_event_source_set_enabled(a->timer, SD_EVENT_OFF);
	sd_event_source_set_enabled(a->flusher, SD_EVENT_OFF);
	if (start_netsnmp(a, cfg, err, errlen)) {
		ccm_snmp_agent_free(a);
		return NULL;
	}
	if (!a->master)
		say_absent(a, "cannot reach");
	sync_loop(a);
	return a;
}

void ccm_snmp_agent_free(struct ccm_snmp_agent *a)
{
	if (!a)
		return;
	drop_ios(a);
	/* snmp_shutdown() frees the client argument of every callback
	 * still registered: ours is not its to free. */
	snmp_unregister_callback(SNMP_CALLBACK_LIBRARY, SNMP_CALLBACK_LOGGING,
				 on_lib_log, a, 1);
	snmp_unregister_callback(SNMP_CALLBACK_LIBRARY,
				 SNMP_CALLBACK_SESSION_INIT, on_session_init,
				 a, 1);
	snmp_unregister_callback(SNMP_CALLBACK_APPLICATION,
				 SNMPD_CALLBACK_INDEX_START, on_connect, a, 1);
	snmp_unregister_callback(SNMP_CALLBACK_APPLICATION,
				 SNMPD_CALLBACK_INDEX_STOP, on_disconnect, a,
				 1);
	if (a->initialised)
		snmp_shutdown(APP_NAME);
	sd_event_source_disable_unref(a->timer);
	sd_event_source_disable_unref(a->flusher);
	forget_lib_said(a);
	ccm_snmp_queue_free(a->queue);
	free(a->socket);
	sd_event_unref(a->loop);
	free(a);
}

bool ccm_snmp_agent_connected(const struct ccm_snmp_agent *a)
{
	return a->master != NULL;
}

void ccm_snmp_agent_queue_stats(const struct ccm_snmp_agent *a,
				struct ccm_snmp_queue_stats *out)
{
	ccm_snmp_queue_stats(a->queue, out);
}

const char *ccm_snmp_agent_socket(const struct ccm_snmp_agent *a)
{
	return a->socket;
}

# SPDX-License-Identifier: ISC
"""ccmond as an AgentX subagent of a real snmpd, its notifications received
by a real snmptrapd, both on loopback (tests/snmp_harness.py).

First the harness alone (`-k harness`): snmpd answers, snmptrapd receives
and is parsed exactly, snmpd restarts on the same port and socket.  Then
ccmond (CCMOND, CCMON as for tests/test_ccmond.py; skipped unless
`ccmond -V` names snmp): its tables, its notifications, a master that
stops, is killed and comes back, a master that is not there yet, a bounded
queue, and snmp = no.

ccmond runs in the private mount namespace of tests/ccmond_harness.py (its
own journald, whose alarm messages are the reference the notifications are
checked against); snmpd and snmptrapd run outside it, their directories in
the harness's work directory, which is the same path inside and out.

The contract (CCMON-MIB, mibs/CCMON-MIB.txt), numerically under ROOT =
1.3.6.1.4.1.8072.9999.9999.42:
  ROOT.0.1 ccmonAlarmRaised, ROOT.0.2 ccmonAlarmCleared, with the varbinds
  ROOT.1.4.{1..8}.0 in that order after sysUpTime.0 and snmpTrapOID.0;
  ROOT.1.1.{1..12}.0 the agent's scalars;
  ROOT.1.2.1.<col>.<len>.<name octets> the component table (lowercase
  names);
  ROOT.1.3.1.<col>.<alarm id> the table of active alarms.
"""
import os
import re
import shutil
import subprocess
import tempfile
import time

import pytest

from ccmond_harness import Harness, binaries, component_of
from snmp_harness import (ROOT, SNMP_TRAP_OID, STEP, SYS_DESCR, SYS_UPTIME,
                          SnmpPair, as_int, date_and_time, have_mib,
                          mib_args, need_snmp, run_tool,
                          octets, parse_vars, socket_inode, str_index,
                          wait_for)

# ---- the MIB, numerically ---------------------------------------------------

RAISED = ROOT + ".0.1"
CLEARED = ROOT + ".0.2"
CHANGED = ROOT + ".0.3"
KIND = {RAISED: "raised", CLEARED: "cleared", CHANGED: "changed"}


def scalar(n):
    return "%s.1.1.%d.0" % (ROOT, n)


def notify(n):
    return "%s.1.4.%d.0" % (ROOT, n)


VERSION, UPTIME, BLOCKED, LINES_READ, LINES_RECOGNIZED, PARSE_ERRORS, \
    LAST_LINE_TIME, ALARMS_ACTIVE, QUEUED, DROPPED, SENT, \
    QUEUE_WINDOW, ALARM_LAST_CHANGED, BLOCKED_SCOPES = range(1, 15)
N_ID, N_TYPE, N_RESTYPE, N_RESOURCE, N_SEVERITY, N_TEXT, N_TIME, \
    N_SINCE, N_CAUSE, N_EVENT, N_RAISED_SEVERITY = \
    (notify(i) for i in range(1, 12))
NOTIFY_VARS = [notify(i) for i in range(1, 12)]

COMPONENT_ENTRY = ROOT + ".1.2.1"
(C_NAME, C_SERVER, C_STATE, C_LAST_CHANGE, C_TRANSITIONS, C_REFUSED,
 C_CAUSE, C_INCIDENT_START, C_PROBE_RESULT) = range(2, 11)
# the queue latency columns, in order: waits in the window, mean, p50,
# p95, p99, max (ms), waits since the start
C_QUEUE = tuple(range(17, 24))
ALARM_ENTRY = ROOT + ".1.3.1"
(A_TYPE, A_RESTYPE, A_RESOURCE, A_SEVERITY, A_RAISED_TIME, A_SINCE, A_TEXT,
 A_FLAPPING, A_CONDITION, A_CAUSE, A_EVENT) = range(2, 13)
HISTORY_ENTRY = ROOT + ".1.6.1"
(H_TYPE, H_RESTYPE, H_RESOURCE, H_SEVERITY, H_CAUSE, H_EVENT, H_RAISED_TIME,
 H_SINCE, H_CLEARED_TIME, H_TEXT) = range(2, 12)
# IANA's IANAItuProbableCause and IANAItuEventType (ccmond(8), "Alarm types
# for an NMS")
COMMUNICATIONS_SUBSYSTEM_FAILURE, UNDERLYING_RESOURCE_UNAVAILABLE, \
    RESPONSE_TIME_EXCESSIVE = 505, 554, 542
COMMUNICATIONS_ALARM, QUALITY_OF_SERVICE_ALARM = 2, 3
SEVERITY_CLEARED = 1                        # CcmonSeverity cleared(1)

TRUE, FALSE = 1, 2                          # TruthValue
UNKNOWN, CONNECTED, ACTIVE, GONE = 1, 2, 3, 4   # component state
CAUSE_NONE, CAUSE_LOST = 1, 2
PROBE_NONE = 1
COMPONENT_DOWN = 1                          # CcmonAlarmKind
RES_COMPONENT = 1                           # CcmonResourceType
RES_SCOPE = 4
MESSAGING_BLOCKED = 7
QUEUE_LATENCY_HIGH = 11
CRITICAL, MAJOR = 3, 4                      # CcmonSeverity

# ---- the servers (as tests/test_ccmond.py) ----------------------------------

NAMES = ("cs1", "cs2", "cs3", "cs4")
C1, C2, C3, C4 = (component_of(n) for n in NAMES)
HOSTS = ("10.53.52.205", "10.53.52.206", "10.53.52.207", "10.53.52.208")
PORT = 7999


def srv(i, **kw):
    return dict(name=NAMES[i], host=HOSTS[i], port=PORT, **kw)


# cs2 alone in a profile that makes IM&P wait for messages: while it is
# down, messages are blocked (agent/core/impact.h).
LOGGING_PROFILE = """
[profile Logging]
jsm = es_IN:message:bounce, es_OUT:message:bounce
"""

AGENTX_LINE = re.compile(r"agentx|master", re.I)
# log_silent_after where log-silent marks that a ping interval (1 s here)
# is past on ccmond's clock
SILENT_MARK_S = 3


# ---- 1. the harness alone ---------------------------------------------------

@pytest.fixture
def workdir():
    d = tempfile.mkdtemp(prefix="ccmon-snmp-")
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def pair(workdir):
    need_snmp()
    p = SnmpPair(workdir)
    try:
        yield p
    finally:
        p.close()


def test_harness_parse_vars():
    text = ('.1.3.6.1.2.1.1.1.0 = STRING: "a \\"b\\" \\\\ c\n'
            '.1.3 = d"\n'
            '.1.3.6.1.2.1.1.3.0 = Timeticks: (1234) 0:00:12.34\n'
            '.1.3.6.1.4.1.9.1 = Hex-STRING: 00 01 02 03 04 05 06 07 08 09 '
            '0A 0B 0C 0D 0E 0F \n10 11 \n'
            '.1.3.6.1.4.1.9.2 = ""\n'
            '.1.3.6.1.4.1.9.3 = INTEGER: -3\n'
            '.1.3.6.1.4.1.9.4 = No Such Instance currently exists at this '
            'OID\n'
            'CCMON-MIB::ccmonComponentState."op-cs1.imp1-example-com" = '
            'INTEGER: active(3)\n'
            'CCMON-MIB::ccmonComponentName."op-cs1.imp1-example-com" = '
            'STRING: op-cs1.imp1-example-com\n'
            'CCMON-MIB::ccmonLastLineTime.0 = STRING: 2026-11-25,5:48:0.3\n'
            'CCMON-MIB::ccmonLinesRead.0 = Counter64: 12 lines\n'
            'CCMON-MIB::ccmonAgentUptime.0 = Timeticks: (973) 0:00:09.73 '
            'hundredths of a second\n')
    vs = parse_vars(text)
    assert [v.oid for v in vs] == [
        "1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.1.3.0", "1.3.6.1.4.1.9.1",
        "1.3.6.1.4.1.9.2", "1.3.6.1.4.1.9.3", "1.3.6.1.4.1.9.4",
        'CCMON-MIB::ccmonComponentState."op-cs1.imp1-example-com"',
        'CCMON-MIB::ccmonComponentName."op-cs1.imp1-example-com"',
        "CCMON-MIB::ccmonLastLineTime.0", "CCMON-MIB::ccmonLinesRead.0",
        "CCMON-MIB::ccmonAgentUptime.0"], vs
    assert vs[0].value == 'a "b" \\ c\n.1.3 = d'
    assert as_int(vs[1]) == 1234
    assert octets(vs[2]) == bytes(range(18))
    assert vs[3] == ("1.3.6.1.4.1.9.2", "STRING", "")
    assert as_int(vs[4]) == -3
    assert vs[5].type == "noSuchInstance"
    assert as_int(vs[6]) == 3
    assert vs[7].value == "op-cs1.imp1-example-com"
    assert date_and_time(vs[8]) == \
        time.mktime((2026, 11, 25, 5, 48, 0, 0, 0, -1)) + 0.3
    assert (as_int(vs[9]), as_int(vs[10])) == (12, 973)


def test_harness_snmpd_answers(pair):
    snmpd = pair.snmpd
    got = snmpd.snmpget([SYS_DESCR, SYS_UPTIME])
    assert got[SYS_DESCR].type == "STRING" and got[SYS_DESCR].value, got
    assert got[SYS_UPTIME].type == "Timeticks", got
    system = snmpd.snmpwalk("1.3.6.1.2.1.1")
    assert system[0].oid == SYS_DESCR, system
    if have_mib():
        named = snmpd.snmpwalk("1.3.6.1.2.1.1", mib=True)
        assert named[0].oid == "SNMPv2-MIB::sysDescr.0", named
    # The AgentX socket, as agentXPerms says; nobody connected; nothing
    # under CCMON-MIB's root.
    st = os.stat(snmpd.socket)
    assert st.st_mode & 0o777 == 0o660, oct(st.st_mode)
    assert snmpd.subagents() == 0
    assert snmpd.snmpwalk(ROOT) == []
    # Its own coldStart reached snmptrapd: trap2sink works.
    pair.trapd.wait_traps(lambda t: t["oid"] == "1.3.6.1.6.3.1.1.5.1")


def test_harness_snmptrapd_receives(pair):
    trapd = pair.trapd
    text = 'he said "hi" \\ back\ttab\nnewline'
    trapd.send(RAISED, (N_ID, "u", 42), (N_TEXT, "s", text),
               (N_TIME, "x", "07EA0B19050A0300"), (N_RESOURCE, "s", ""),
               (N_TYPE, "i", 4))
    t = trapd.wait_traps(lambda t: t["oid"] == RAISED)
    assert len(t) == 1, trapd.describe_traps()
    t = t[0]
    assert [v.oid for v in t["varlist"]] == [
        SYS_UPTIME, SNMP_TRAP_OID, N_ID, N_TEXT, N_TIME, N_RESOURCE,
        N_TYPE], t["raw"]
    v = t["vars"]
    assert v[N_ID] == "42" and t["types"][N_ID] == "Gauge32"
    assert v[N_TEXT] == text
    assert t["types"][N_TIME] == "Hex-STRING"
    assert date_and_time(t["varlist"][4]) == \
        time.mktime((2026, 11, 25, 5, 10, 3, 0, 0, -1))
    assert v[N_RESOURCE] == ""
    assert v[N_TYPE] == "4" and t["types"][N_TYPE] == "INTEGER"
    # A second one: two records, in order.
    trapd.send(CLEARED, (N_ID, "u", 42))
    got = trapd.wait_traps(lambda t: t["oid"] in (RAISED, CLEARED), count=2)
    assert [x["oid"] for x in got] == [RAISED, CLEARED]


def test_harness_snmpd_restart_keeps_port(pair):
    snmpd = pair.snmpd
    port, sock = snmpd.port, snmpd.socket
    first = socket_inode(sock)
    assert snmpd.stop() is not None
    assert not snmpd.answers(0.5)
    snmpd.start()
    assert (snmpd.port, snmpd.socket) == (port, sock)
    assert socket_inode(sock) not in (None, first)
    assert snmpd.answers()
    # kill -9 leaves its socket behind; the next one replaces it.
    snmpd.kill9()
    assert socket_inode(sock) is not None
    assert not snmpd.answers(0.5)
    snmpd.start()
    assert snmpd.answers()
    assert snmpd.snmpget(SYS_UPTIME)[SYS_UPTIME].type == "Timeticks"
    # Three starts, three coldStarts.
    pair.trapd.wait_traps(lambda t: t["oid"] == "1.3.6.1.6.3.1.1.5.1",
                          count=3)
    snmpd.close()
    assert not snmpd.running()


# ---- ccmond: the environment ------------------------------------------------

_SNMP_BUILT = {}


def need_ccmond_snmp():
    """(ccmond, ccmon); skips unless ccmond was built with SNMP."""
    ccmond, ccmon = binaries()
    if ccmond not in _SNMP_BUILT:
        r = subprocess.run([ccmond, "-V"], capture_output=True, text=True,
                           timeout=10)
        _SNMP_BUILT[ccmond] = (r.stdout + r.stderr)
    said = _SNMP_BUILT[ccmond]
    if not re.search(r"\bsnmp\b", said, re.I):
        pytest.skip("%s -V does not name snmp: built without SNMP "
                    "(%s)" % (ccmond, said.strip().replace("\n", "; ")))
    return ccmond, ccmon


def local_time(s):
    """ccmond's local YYYY-MM-DDTHH:MM:SS.mmm as seconds since the epoch."""
    m = re.fullmatch(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.(\d{3})",
                     s)
    assert m, s
    y, mo, d, h, mi, sec, ms = map(int, m.groups())
    return time.mktime((y, mo, d, h, mi, sec, 0, 0, -1)) + ms / 1000


def same_time(dat, ms_time):
    """A DateAndTime (deciseconds) is the ms time cut to deciseconds."""
    return -0.002 < ms_time - dat < 0.102


class Env:
    """A Harness (ccmond, its namespace and journald), a snmptrapd and a
    snmpd (not started) sending it its notifications."""

    def __init__(self, h, pair):
        self.h = h
        self.snmpd = pair.snmpd
        self.trapd = pair.trapd
        self.pair = pair

    def config(self, servers, extra="", **agent):
        a = dict(snmp="yes", agentx_socket=self.snmpd.socket,
                 agentx_ping_interval="1s")
        a.update(agent)
        path = self.h.config(servers, **a)
        if extra:
            with open(path, "a") as f:
                f.write(extra)
        return path

    def describe(self):
        return "ccmond stderr:\n%s\nalarms:\n%s\n%s\ntraps:\n%s" % (
            self.h.daemon_stderr(), self.h.describe(), self.pair.describe(),
            self.trapd.describe_traps())

    def fail(self, what):
        pytest.fail("%s\n%s" % (what, self.describe()))

    # ---- SNMP reads ----

    def served(self, timeout=STEP):
        """Waits until the master serves ccmond's scalars."""
        def up():
            got = self.snmpd.snmpget(scalar(VERSION), check=False)
            return got and got[scalar(VERSION)].type == "STRING"
        if not wait_for(up, timeout=timeout, interval=0.2):
            self.fail("CCMON-MIB not served within %.0f s" % timeout)

    def scalars(self):
        got = self.snmpd.snmpget([scalar(n) for n in range(1, BLOCKED_SCOPES + 1)])
        return {n: got[scalar(n)] for n in range(1, BLOCKED_SCOPES + 1)}

    def scalar_int(self, n, check=True):
        got = self.snmpd.snmpget(scalar(n), check=check)
        if not got or got[scalar(n)].type in ("noSuchObject",
                                              "noSuchInstance"):
            return None
        return as_int(got[scalar(n)])

    def wait_scalar(self, n, want, timeout=STEP):
        got = wait_for(lambda: self.scalar_int(n, check=False) == want,
                       timeout=timeout, interval=0.2)
        if not got:
            self.fail("scalar %d is %s, not %s, after %.0f s"
                      % (n, self.scalar_int(n, check=False), want, timeout))

    def table(self, entry):
        """{index: {column: Var}} of a table walked numerically."""
        rows = {}
        for v in self.snmpd.snmpwalk(entry):
            assert v.oid.startswith(entry + "."), v
            col, _, index = v.oid[len(entry) + 1:].partition(".")
            rows.setdefault(index, {})[int(col)] = v
        return rows

    # ---- notifications ----

    def ccmon_traps(self, impact=False):
        """CCMON-MIB notifications; those about what users suffer (resource
        type scope) only with impact=True, as Harness.alarms()."""
        return [t for t in self.trapd.traps() if t["oid"] in KIND and
                (impact or t["vars"].get(N_RESTYPE) != str(RES_SCOPE))]

    def wait_ccmon(self, count, timeout=STEP):
        got = wait_for(lambda: (lambda t: t if len(t) >= count else None)(
            self.ccmon_traps()), timeout=timeout, interval=0.1)
        if not got:
            self.fail("fewer than %d CCMON-MIB notifications within %.0f s "
                      "(%d)" % (count, timeout, len(self.ccmon_traps())))
        return got

    def mark(self, log, comp):
        """A marker: comp goes GONE; waits for its raise in the journal and
        then for its notification; returns that notification's key.
        Notifications leave in order through the one master to the one
        snmptrapd: once the marker's is in, any decided before it is in
        too, so exact counts may be asserted on what came before it."""
        n = len(self.h.select("component-down", "raised", comp))
        log.component(comp, "GONE")
        entry = self.h.wait_alarm("component-down", "raised", comp,
                                  count=n + 1)[-1]
        key = key_of_entry(entry)
        if not wait_for(lambda: key in [key_of(t) for t in
                                        self.ccmon_traps()],
                        timeout=STEP, interval=0.1):
            self.fail("no notification of the marker %s within %.0f s"
                      % (key, STEP))
        return key

    def before_mark(self, key):
        """The CCMON-MIB notifications before the marker's, which is
        checked to be the last."""
        got = self.ccmon_traps()
        assert got and key_of(got[-1]) == key, \
            "the marker %s is not the last notification:\n%s" % (
                key, self.trapd.describe_traps(got))
        return got[:-1]

    def silent(self):
        """ccmon status shows log-silent active: decided on ccmond's own
        clock log_silent_after after the last line it read."""
        rc, doc, _ = self.h.status()
        return rc == 0 and doc and any(a["type"] == "log-silent"
                                       for a in doc["alarms"])

    def agentx_lines(self, d):
        return [line for line in list(d.stderr_lines)
                if AGENTX_LINE.search(line)]


@pytest.fixture
def e():
    need_snmp()
    need_ccmond_snmp()
    h = Harness("journal")
    pair = None
    try:
        pair = SnmpPair(h.workdir, start_snmpd=False)
        yield Env(h, pair)
    finally:
        h.close_daemons()
        if pair is not None:
            pair.close()
        h.close()


def key_of(t):
    """(alarm id, "raised" | "cleared") of a CCMON-MIB notification."""
    return int(t["vars"][N_ID]), KIND[t["oid"]]


def key_of_entry(entry):
    return int(entry["CCMON_ALARM_ID"]), entry["CCMON_STATE"]


def check_notification(t, entry):
    """A notification says what its journal message (the same decision)
    says."""
    v = t["vars"]
    assert KIND[t["oid"]] == entry["CCMON_STATE"], (t["raw"], entry)
    assert [x.oid for x in t["varlist"]] == \
        [SYS_UPTIME, SNMP_TRAP_OID] + NOTIFY_VARS, t["raw"]
    assert t["types"][N_ID] == "Gauge32", t["raw"]
    assert int(v[N_ID]) == int(entry["CCMON_ALARM_ID"])
    assert entry["CCMON_ALARM"] == "component-down", entry
    assert int(v[N_TYPE]) == COMPONENT_DOWN, t["raw"]
    assert int(v[N_RESTYPE]) == RES_COMPONENT, t["raw"]
    assert v[N_RESOURCE].lower() == entry["CCMON_RESOURCE"].lower()
    # the same decision: its severity (a warning for the servers of the
    # neutral profile, on which no user waits); a clear says cleared(1)
    # and the severity it had apart
    severity = {"critical": 3, "major": 4, "minor": 5,
                "warning": 6}[entry["CCMON_SEVERITY"]]
    assert int(v[N_RAISED_SEVERITY]) == severity, t["raw"]
    assert int(v[N_SEVERITY]) == (SEVERITY_CLEARED
                                  if entry["CCMON_STATE"] == "cleared"
                                  else severity), t["raw"]
    assert int(v[N_CAUSE]) == COMMUNICATIONS_SUBSYSTEM_FAILURE, t["raw"]
    assert int(v[N_EVENT]) == COMMUNICATIONS_ALARM, t["raw"]
    assert t["types"][N_TIME] == "Hex-STRING" and \
        len(octets(t["varlist"][2 + 6])) == 11, t["raw"]
    assert v[N_TEXT] and (": %s" % v[N_TEXT]) in entry["MESSAGE"], \
        (v[N_TEXT], entry["MESSAGE"])
    when = date_and_time(t["varlist"][2 + 6])
    since = date_and_time(t["varlist"][2 + 7])
    assert same_time(since, local_time(entry["CCMON_SINCE"])), \
        (t["raw"], entry)
    if entry["CCMON_STATE"] == "raised":
        assert same_time(when, local_time(entry["CCMON_RAISED_AT"])), \
            (t["raw"], entry)
    else:
        # decided when the condition ended, or just after
        ended = local_time(entry["CCMON_ENDED"])
        assert ended - 0.102 < when < ended + 2, (t["raw"], entry)
    return when


def history(log, events, step=1.0):
    """Past lines, one per step seconds, ending a few seconds ago."""
    t = time.time() - 3 - step * len(events)
    for comp, state in events:
        log.component(comp, state, t=t)
        t += step


# ---- 2. ccmond's tables -----------------------------------------------------

def test_tables(e):
    ccmond, _ = need_ccmond_snmp()
    version = subprocess.run([ccmond, "-V"], capture_output=True, text=True,
                             timeout=10).stdout.split("\n")[0].split()[-1]
    e.snmpd.start()
    log = e.h.log()
    history(log, [(C1, "ACTIVE"), (C2, "ACTIVE")])
    log.noise(3)
    e.config([srv(0), srv(1, profile="Logging")], extra=LOGGING_PROFILE)
    d = e.h.start()
    e.served()
    assert e.snmpd.subagents() == 1
    t_gone = time.time()
    log.component(C2, "GONE")
    entry = e.h.wait_alarm("component-down", "raised", C2)[0]
    alarm_id = entry["CCMON_ALARM_ID"]
    # and what users suffer: cs2 is alone in its profile
    blocked = e.h.wait_alarm("messaging-blocked", "raised", "cluster")[0]
    blocked_id = blocked["CCMON_ALARM_ID"]
    e.wait_scalar(SENT, 2)

    # The scalars.
    s = e.scalars()
    assert s[VERSION].type == "STRING" and s[VERSION].value == version, s
    assert s[UPTIME].type == "Timeticks", s
    assert as_int(s[BLOCKED]) == TRUE, \
        "messaging is blocked: cs2, alone in its profile, is down: %s" % s
    assert s[LINES_READ].type == "Counter64", s
    assert (as_int(s[LINES_READ]), as_int(s[LINES_RECOGNIZED]),
            as_int(s[PARSE_ERRORS])) == (6, 3, 0), \
        "6 lines written, 3 of them component lines: %s\nccmon status: %s" \
        % (s, e.h.status()[1])
    assert abs(date_and_time(s[LAST_LINE_TIME]) - t_gone) < 1.0, s
    assert (as_int(s[ALARMS_ACTIVE]), as_int(s[QUEUED]),
            as_int(s[DROPPED]), as_int(s[SENT])) == (2, 0, 0, 2), s
    assert as_int(s[BLOCKED_SCOPES]) == 1, s
    # the table changed with the raises, after the start, not since
    assert s[ALARM_LAST_CHANGED].type == "Timeticks", s
    raised_changed = as_int(s[ALARM_LAST_CHANGED])
    assert 0 < raised_changed <= as_int(s[UPTIME]), s

    # What users suffer: the cluster's row.
    impact = e.table(ROOT + ".1.5.1")
    assert list(impact) == [str_index("cluster")], impact
    row = impact[str_index("cluster")]
    assert as_int(row[2]) == 3, row               # messages: all(3)
    assert as_int(row[5]) == TRUE, row            # queueing
    assert date_and_time(row[6]) > t_gone, row    # ... until
    assert row[10].value == "cs2", row
    assert row[11].value == "cluster", row        # the scope, readable

    # The components: both configured ones, indexed by their names.
    rows = e.table(COMPONENT_ENTRY)
    assert sorted(rows) == sorted([str_index(C1), str_index(C2)]), rows
    for comp, server, state in ((C1, "cs1", ACTIVE), (C2, "cs2", GONE)):
        r = rows[str_index(comp)]
        assert r[C_NAME].value.lower() == comp, r
        assert r[C_SERVER].value == server, r
        assert as_int(r[C_STATE]) == state, r
        assert as_int(r[C_PROBE_RESULT]) == PROBE_NONE, r
        assert date_and_time(r[C_LAST_CHANGE]) is not None, r
    assert as_int(rows[str_index(C1)][C_CAUSE]) == CAUSE_NONE
    assert date_and_time(rows[str_index(C1)][C_INCIDENT_START]) is None
    assert as_int(rows[str_index(C2)][C_CAUSE]) == CAUSE_LOST
    assert abs(date_and_time(rows[str_index(C2)][C_INCIDENT_START])
               - t_gone) < 1.0

    # The alarms: one row each, under its id.
    alarms = e.table(ALARM_ENTRY)
    assert sorted(alarms) == sorted([alarm_id, blocked_id]), alarms
    b = alarms[blocked_id]
    assert as_int(b[A_TYPE]) == MESSAGING_BLOCKED, b
    assert as_int(b[A_RESTYPE]) == RES_SCOPE, b
    assert b[A_RESOURCE].value == "cluster", b
    assert as_int(b[A_SEVERITY]) == CRITICAL, b
    assert "profile Logging waits on server cs2" in b[A_TEXT].value, b
    a = alarms[alarm_id]
    assert as_int(a[A_TYPE]) == COMPONENT_DOWN, a
    assert as_int(a[A_RESTYPE]) == RES_COMPONENT, a
    assert a[A_RESOURCE].value.lower() == C2, a
    assert as_int(a[A_SEVERITY]) == CRITICAL, a
    assert same_time(date_and_time(a[A_RAISED_TIME]),
                     local_time(entry["CCMON_RAISED_AT"])), (a, entry)
    assert same_time(date_and_time(a[A_SINCE]),
                     local_time(entry["CCMON_SINCE"])), (a, entry)
    assert a[A_TEXT].value, a
    assert as_int(a[A_FLAPPING]) == FALSE, a
    assert as_int(a[A_CONDITION]) == TRUE, a
    assert (as_int(a[A_CAUSE]), as_int(a[A_EVENT])) == \
        (COMMUNICATIONS_SUBSYSTEM_FAILURE, COMMUNICATIONS_ALARM), a
    assert (as_int(b[A_CAUSE]), as_int(b[A_EVENT])) == \
        (UNDERLYING_RESOURCE_UNAVAILABLE, QUALITY_OF_SERVICE_ALARM), b
    # every time carries the zone: 11 octets, the instant right
    assert len(octets(a[A_SINCE])) == 11, a

    # With the MIB, names and labels.
    if have_mib():
        named = {v.oid: v for v in e.snmpd.snmpwalk(ROOT, mib=True)}
        assert all(o.startswith("CCMON-MIB::") for o in named), named
        assert named['CCMON-MIB::ccmonComponentState."%s"' % C2].value \
            == "gone(4)", named
        assert named['CCMON-MIB::ccmonComponentState."%s"' % C1].value \
            == "active(3)", named
        assert named["CCMON-MIB::ccmonAlarmSeverity.%s" % alarm_id].value \
            == "critical(3)", named
        assert named["CCMON-MIB::ccmonMessagingBlocked.0"].value \
            == "true(1)", named
        assert named["CCMON-MIB::ccmonAlarmProbableCause.%s" % alarm_id] \
            .value == "communicationsSubsystemFailure(505)", named
        assert named["CCMON-MIB::ccmonAlarmEventType.%s" % blocked_id] \
            .value == "qualityOfServiceAlarm(3)", named
        # the MIB's display hint, zone included, is the same instant
        assert same_time(date_and_time(
            named["CCMON-MIB::ccmonAlarmSince.%s" % alarm_id]),
            local_time(entry["CCMON_SINCE"])), named
        # snmptable shows the columns only, not the not-accessible index:
        # the readable scope column says which scope the row is about
        out, _ = run_tool(["snmptable", "-v2c", "-c", "public", "-t", "1",
                           "-r", "1", "-Cf", "|"] + mib_args(True) +
                          [e.snmpd.target, "CCMON-MIB::ccmonImpactTable"],
                          e.snmpd.tool_env)
        lines = [ln for ln in out.splitlines() if "|" in ln]
        head = lines[0].split("|")
        col = next(i for i, h in enumerate(head) if h.endswith("ScopeName"))
        assert [ln.split("|")[col].strip('"') for ln in lines[1:]] == \
            ["cluster"], out

    # cs2 back: nothing blocked, no alarm row.
    log.component(C2, "CONNECTED")
    log.component(C2, "ACTIVE")
    cleared = e.h.wait_alarm("component-down", "cleared", C2)[0]
    e.h.wait_alarm("messaging-blocked", "cleared", "cluster")
    e.wait_scalar(BLOCKED, FALSE)
    assert e.table(ALARM_ENTRY) == {}
    s = e.scalars()
    assert as_int(s[ALARMS_ACTIVE]) == 0, s
    assert as_int(s[BLOCKED_SCOPES]) == 0, s
    assert raised_changed < as_int(s[ALARM_LAST_CHANGED]) <= \
        as_int(s[UPTIME]), s
    assert as_int(e.table(COMPONENT_ENTRY)[str_index(C2)][C_STATE]) == ACTIVE

    # ... and both are in the history of cleared alarms, under their ids
    hist = e.table(HISTORY_ENTRY)
    assert sorted(hist) == sorted([alarm_id, blocked_id]), hist
    h = hist[alarm_id]
    assert as_int(h[H_TYPE]) == COMPONENT_DOWN, h
    assert as_int(h[H_RESTYPE]) == RES_COMPONENT, h
    assert h[H_RESOURCE].value.lower() == C2, h
    assert as_int(h[H_SEVERITY]) == CRITICAL, h
    assert (as_int(h[H_CAUSE]), as_int(h[H_EVENT])) == \
        (COMMUNICATIONS_SUBSYSTEM_FAILURE, COMMUNICATIONS_ALARM), h
    assert same_time(date_and_time(h[H_RAISED_TIME]),
                     local_time(entry["CCMON_RAISED_AT"])), (h, entry)
    assert same_time(date_and_time(h[H_SINCE]),
                     local_time(entry["CCMON_SINCE"])), (h, entry)
    assert date_and_time(h[H_RAISED_TIME]) <= \
        date_and_time(h[H_CLEARED_TIME]), h
    assert h[H_TEXT].value and h[H_TEXT].value in cleared["MESSAGE"], \
        (h, cleared)
    assert as_int(hist[blocked_id][H_TYPE]) == MESSAGING_BLOCKED, hist
    assert d.stop() == 0, d.stderr()


# ---- 3. notifications -------------------------------------------------------

def test_notifications_raise_then_clear(e):
    e.snmpd.start()
    log = e.h.log()
    history(log, [(C1, "ACTIVE"), (C2, "ACTIVE")])
    e.config([srv(0), srv(1)])
    d = e.h.start()
    e.served()
    log.component(C1, "GONE")
    e.wait_ccmon(1)
    log.component(C1, "CONNECTED")
    log.component(C1, "ACTIVE")
    e.wait_ccmon(2)
    e.wait_scalar(SENT, 2)
    mark = e.mark(log, C2)
    got = e.before_mark(mark)
    assert [KIND[t["oid"]] for t in got] == ["raised", "cleared"], \
        e.trapd.describe_traps(got)
    entries = e.h.alarms()[:-1]
    assert [key_of_entry(x) for x in entries] == [key_of(t) for t in got], \
        e.describe()
    raised, cleared = got
    assert raised["vars"][N_ID] == cleared["vars"][N_ID]
    t_raised = check_notification(raised, entries[0])
    t_cleared = check_notification(cleared, entries[1])
    assert t_raised <= t_cleared
    assert raised["vars"][N_SINCE] == cleared["vars"][N_SINCE]
    assert raised["vars"][N_RESOURCE].lower() == C1
    s = e.scalars()
    assert (as_int(s[QUEUED]), as_int(s[DROPPED]), as_int(s[SENT]),
            as_int(s[ALARMS_ACTIVE])) == (0, 0, 3, 1), s
    assert d.stop() == 0, d.stderr()


def test_notification_changed(e):
    """A raised alarm judged anew (the loss, too recent to tell at the
    raise, is ungraceful once no refusal came): ccmonAlarmChanged with the
    alarm's id, its new severity and text, and no second
    ccmonAlarmRaised."""
    e.snmpd.start()
    log = e.h.log()
    history(log, [(C1, "ACTIVE"), (C2, "ACTIVE")])
    e.config([srv(0, profile="Logging"), srv(1)], extra=LOGGING_PROFILE)
    d = e.h.start()
    e.served()
    log.component(C1, "GONE")
    e.h.wait_alarm("component-down", "changed", C1, timeout=STEP + 5)
    mark = e.mark(log, C2)
    got = e.before_mark(mark)
    # the journal has the same change of component-down
    entry = e.h.select("component-down", "changed", C1)[0]
    down = [t for t in got if t["vars"][N_RESOURCE].lower() == C1]
    assert [KIND[t["oid"]] for t in down] == ["raised", "changed"], \
        e.trapd.describe_traps(got)
    raised, changed = down
    assert changed["vars"][N_ID] == raised["vars"][N_ID]
    assert int(changed["vars"][N_ID]) == int(entry["CCMON_ALARM_ID"])
    assert int(changed["vars"][N_SEVERITY]) == CRITICAL, changed["raw"]
    assert "not known yet" in raised["vars"][N_TEXT], raised["raw"]
    assert "each waits up to" in changed["vars"][N_TEXT], changed["raw"]
    assert d.stop() == 0, d.stderr()


# ---- 3b. queue latency ------------------------------------------------------

def bounce(log, comp):
    """The router gave up on an event for comp after queue_wait."""
    log.line("Bouncing packet intended for %s: External Server Error" % comp,
             level="warn")


def queue_columns(e):
    """{component: (waits, mean, p50, p95, p99, max, total)}, walked."""
    rows = e.table(COMPONENT_ENTRY)
    out = {}
    for index, r in rows.items():
        assert r[C_QUEUE[0]].type == "Gauge32", r
        assert r[C_QUEUE[-1]].type == "Counter64", r
        out[r[C_NAME].value.lower()] = tuple(as_int(r[c]) for c in C_QUEUE)
    return out


def check_queue_trap(t, kind):
    v = t["vars"]
    assert KIND[t["oid"]] == kind, t["raw"]
    assert [x.oid for x in t["varlist"]] == \
        [SYS_UPTIME, SNMP_TRAP_OID] + NOTIFY_VARS, t["raw"]
    assert int(v[N_TYPE]) == QUEUE_LATENCY_HIGH, t["raw"]
    assert int(v[N_RESTYPE]) == RES_COMPONENT, t["raw"]
    assert v[N_RESOURCE].lower() == C1, t["raw"]
    assert int(v[N_SEVERITY]) == (SEVERITY_CLEARED if kind == "cleared"
                                  else MAJOR), t["raw"]
    assert int(v[N_RAISED_SEVERITY]) == MAJOR, t["raw"]
    assert int(v[N_CAUSE]) == RESPONSE_TIME_EXCESSIVE, t["raw"]
    assert int(v[N_EVENT]) == QUALITY_OF_SERVICE_ALARM, t["raw"]


def test_queue_latency(e):
    """Three bounces on cs1's component (each a wait of queue_wait, 30 s by
    default, over queue_latency_high, 5 s): the columns, ccmon status and a
    queueLatencyHigh raised; once the waits leave the window, cleared, the
    window's figures 0 and the total kept."""
    e.snmpd.start()
    log = e.h.log()
    history(log, [(C1, "ACTIVE"), (C2, "ACTIVE")])
    e.config([srv(0), srv(1)], latency_window="10s")
    d = e.h.start()
    e.served()
    t_bounce = time.time()
    for _ in range(3):
        bounce(log, C1)
    e.h.wait_alarm("queue-latency-high", "raised", C1)
    raised = e.wait_ccmon(1)
    assert len(raised) == 1, e.trapd.describe_traps(raised)
    check_queue_trap(raised[0], "raised")
    assert "p95 30" in raised[0]["vars"][N_TEXT], raised[0]["raw"]

    assert e.scalar_int(QUEUE_WINDOW) == 10
    q = queue_columns(e)
    assert time.time() - t_bounce < 10, "too slow to see the window: %s" % q
    assert q == {C1: (3, 30000, 30000, 30000, 30000, 30000, 3),
                 C2: (0, 0, 0, 0, 0, 0, 0)}, q
    alarms = e.table(ALARM_ENTRY)
    assert [as_int(r[A_TYPE]) for r in alarms.values()] == \
        [QUEUE_LATENCY_HIGH], alarms
    if have_mib():
        named = {v.oid: v for v in e.snmpd.snmpwalk(ROOT, mib=True)}
        assert named['CCMON-MIB::ccmonComponentQueueWaitP95."%s"' % C1] \
            .value == "30000 milliseconds", named
        assert [v.value for o, v in named.items()
                if o.startswith("CCMON-MIB::ccmonAlarmType.")] == \
            ["queueLatencyHigh(11)"], named

    # ccmon status says the same
    rc, doc, err = e.h.status()
    assert rc == 0 and doc, err
    assert doc["agent"]["latency_window_s"] == 10, doc
    comps = {c["name"].lower(): c for c in doc["components"]}
    assert comps[C1]["queue"] == {
        "waits": 3, "mean_ms": 30000, "p50_ms": 30000, "p95_ms": 30000,
        "p99_ms": 30000, "max_ms": 30000, "total": 3}, comps[C1]
    assert comps[C2]["queue"]["waits"] == 0, comps[C2]
    assert comps[C2]["queue"]["p95_ms"] is None, comps[C2]

    # the waits leave the window: cleared without a line
    e.h.wait_alarm("queue-latency-high", "cleared", C1, timeout=10 + STEP)
    got = e.wait_ccmon(2)
    assert len(got) == 2, e.trapd.describe_traps(got)
    check_queue_trap(got[1], "cleared")
    assert got[1]["vars"][N_ID] == got[0]["vars"][N_ID]
    q = queue_columns(e)
    assert q[C1] == (0, 0, 0, 0, 0, 0, 3), q
    assert e.table(ALARM_ENTRY) == {}
    assert d.stop() == 0, d.stderr()


# ---- 4. the master goes and comes back --------------------------------------

def test_master_restart_mid_scenario(e):
    e.snmpd.start()
    log = e.h.log()
    comps = [C1, C2, C3, C4]
    history(log, [(c, "ACTIVE") for c in comps])
    e.config([srv(i) for i in range(4)])
    d = e.h.start()
    e.served()
    decided = []    # (alarm id, state), in order

    def step(comp, state):
        """One decision: GONE raises, ACTIVE clears; waits for its
        journal message."""
        kind = "raised" if state == "GONE" else "cleared"
        n = len(e.h.select("component-down", kind, comp))
        log.component(comp, state)
        entry = e.h.wait_alarm("component-down", kind, comp, count=n + 1)[-1]
        decided.append(key_of_entry(entry))

    def pair_of(comp):
        step(comp, "GONE")
        step(comp, "ACTIVE")

    def all_arrived(n):
        e.wait_ccmon(n)
        e.wait_scalar(SENT, n)      # answered: nothing in flight
        assert e.scalar_int(QUEUED) == 0

    # Up: two pairs.
    pair_of(C1)
    pair_of(C2)
    all_arrived(4)

    # Stopped: three pairs and a raise, decided while it is away.
    assert e.snmpd.stop() is not None
    mark = len(decided)
    pair_of(C3)
    pair_of(C4)
    pair_of(C1)
    step(C2, "GONE")
    while_down = set(decided[mark:])
    t_restart = time.time()
    e.snmpd.start()
    e.served()
    all_arrived(11)
    assert sorted(e.table(COMPONENT_ENTRY)) == \
        sorted(str_index(c) for c in comps)
    assert list(e.table(ALARM_ENTRY)) == [str(decided[-1][0])]

    # Up again: the clear of that raise, a pair.
    step(C2, "ACTIVE")
    pair_of(C3)
    all_arrived(14)

    # Killed: three pairs while it is away.
    e.snmpd.kill9()
    mark2 = len(decided)
    pair_of(C4)
    pair_of(C1)
    pair_of(C2)
    while_killed = set(decided[mark2:])
    t_restart2 = time.time()
    e.snmpd.start()
    e.served()
    all_arrived(20)
    assert sorted(e.table(COMPONENT_ENTRY)) == \
        sorted(str_index(c) for c in comps)
    assert e.table(ALARM_ENTRY) == {}
    mark = e.mark(log, C1)

    got = e.before_mark(mark)
    keys = [key_of(t) for t in got]
    assert len(decided) == 20 and len(set(decided)) == 20, decided
    assert sorted(keys) == sorted(decided), \
        "want each of the 20 notifications exactly once:\n%s" % \
        e.trapd.describe_traps(got)
    entries = {key_of_entry(x): x for x in e.h.alarms()}
    for t in got:
        k = key_of(t)
        when = check_notification(t, entries[k])
        if k in while_down:
            assert when <= t_restart, \
                "%s decided while snmpd was stopped: time %s after the " \
                "restart %s" % (k, when, t_restart)
        if k in while_killed:
            assert when <= t_restart2, \
                "%s decided while snmpd was killed: time %s after the " \
                "restart %s" % (k, when, t_restart2)
    # Each id: one raise, then one clear.
    by_id = {}
    for i, kind in keys:
        by_id.setdefault(i, []).append(kind)
    assert all(v == ["raised", "cleared"] for v in by_id.values()), by_id
    s = e.scalars()
    assert (as_int(s[QUEUED]), as_int(s[DROPPED]), as_int(s[SENT])) == \
        (0, 0, 21), s
    assert d.alive(), d.stderr()
    assert d.stop() == 0, d.stderr()


# ---- 5. no master yet -------------------------------------------------------

def test_started_before_the_master(e):
    log = e.h.log()
    history(log, [(C1, "ACTIVE"), (C2, "ACTIVE")])
    e.config([srv(0), srv(1)])
    d = e.h.start()
    said = wait_for(lambda: e.agentx_lines(d), timeout=5)
    assert said, "nothing said about the missing AgentX master:\n" + \
        d.stderr()
    log.component(C1, "GONE")
    raised = e.h.wait_alarm("component-down", "raised", C1)[0]
    time.sleep(3.5)  # three ping intervals: tried again, said no more
    assert d.alive(), d.stderr()
    absent = e.agentx_lines(d)
    assert 1 <= len(absent) <= 2, \
        "the missing master said %d times:\n%s" % (len(absent),
                                                   "\n".join(absent))
    t_start = time.time()
    e.snmpd.start()
    e.served()
    rows = e.table(COMPONENT_ENTRY)
    assert sorted(rows) == sorted([str_index(C1), str_index(C2)]), rows
    got = e.wait_ccmon(1)
    assert [key_of(t) for t in got] == [key_of_entry(raised)], \
        e.trapd.describe_traps(got)
    when = check_notification(got[0], raised)
    assert when < t_start, "the queued raise carries its own time"
    log.component(C1, "ACTIVE")
    cleared = e.h.wait_alarm("component-down", "cleared", C1)[0]
    got = e.wait_ccmon(2)
    check_notification(got[1], cleared)
    e.wait_scalar(SENT, 2)
    mark = e.mark(log, C2)
    assert len(e.before_mark(mark)) == 2, e.trapd.describe_traps()
    # Its coming was said (once), the absence no more.
    later = e.agentx_lines(d)
    assert len(later) <= len(absent) + 1, "\n".join(later)
    assert d.stop() == 0, d.stderr()


def test_agent_restart_keeps_what_is_owed(e):
    """Notifications owed to an absent master survive a restart of ccmond,
    clean (SIGTERM) or not (kill -9 right after the decision): the state
    file keeps them, and each arrives once, with its own time, when the
    master appears."""
    log = e.h.log()
    history(log, [(C1, "ACTIVE"), (C2, "ACTIVE")])
    e.config([srv(0), srv(1)])
    d = e.h.start()
    log.component(C1, "GONE")
    owed = [e.h.wait_alarm("component-down", "raised", C1)[0]]
    assert d.stop() == 0, d.stderr()

    d = e.h.start()
    assert wait_for(lambda: any("1 notification(s) of the last run" in x
                                for x in list(d.stderr_lines)), timeout=5), \
        d.stderr()
    log.component(C1, "ACTIVE")
    owed.append(e.h.wait_alarm("component-down", "cleared", C1)[0])
    log.component(C2, "GONE")
    owed.append(e.h.wait_alarm("component-down", "raised", C2)[0])
    d.kill9()

    d = e.h.start()
    t_start = time.time()
    e.snmpd.start()
    e.served()
    got = e.wait_ccmon(3)
    e.wait_scalar(SENT, 3)
    mark = e.mark(log, C1)
    got = e.before_mark(mark)
    assert [key_of(t) for t in got] == [key_of_entry(x) for x in owed], \
        "want the three owed notifications, once each, in order:\n" + \
        e.trapd.describe_traps(got)
    for t, entry in zip(got, owed):
        assert check_notification(t, entry) < t_start
    assert d.stop() == 0, d.stderr()


# ---- 6. the queue is bounded ------------------------------------------------

def test_queue_keeps_the_newest(e):
    log = e.h.log()
    history(log, [(C1, "ACTIVE"), (C2, "ACTIVE")])
    e.config([srv(0), srv(1)], notification_queue="3")
    d = e.h.start()
    keys = []
    for comp in (C1, C2):
        log.component(comp, "GONE")
        keys.append(key_of_entry(e.h.wait_alarm("component-down", "raised",
                                                comp)[0]))
    log.component(C1, "ACTIVE")
    keys.append(key_of_entry(e.h.wait_alarm("component-down", "cleared",
                                            C1)[0]))
    log.component(C2, "ACTIVE")
    keys.append(key_of_entry(e.h.wait_alarm("component-down", "cleared",
                                            C2)[0]))
    e.snmpd.start()
    e.served()
    got = e.wait_ccmon(3)
    e.wait_scalar(SENT, 3)
    mark = e.mark(log, C1)
    got = e.before_mark(mark)
    assert [key_of(t) for t in got] == keys[1:], \
        "want the newest three, in order:\n" + e.trapd.describe_traps(got)
    assert e.scalar_int(DROPPED) == 1
    assert e.scalar_int(QUEUED) == 0
    assert d.stop() == 0, d.stderr()


# ---- 7. snmp = no -----------------------------------------------------------

def test_snmp_no_never_touches_the_master(e):
    e.snmpd.start()
    log = e.h.log()
    history(log, [(C1, "ACTIVE")])
    # log-silent, SILENT_MARK_S on ccmond's clock after the last line,
    # marks that the ping interval it would have used (1 s) is past.
    e.config([srv(0)], snmp="no", log_silent_after="%ds" % SILENT_MARK_S)
    d = e.h.start()
    log.component(C1, "GONE")
    e.h.wait_alarm("component-down", "raised", C1)
    # the line's growth cleared any log-silent before: this one is later
    if not wait_for(e.silent, timeout=SILENT_MARK_S + STEP):
        e.fail("no log-silent after the last line")
    assert e.snmpd.subagents() == 0
    assert e.snmpd.snmpwalk(ROOT) == []
    log.component(C1, "ACTIVE")
    e.h.wait_alarm("component-down", "cleared", C1)
    if not wait_for(e.silent, timeout=SILENT_MARK_S + STEP):
        e.fail("no log-silent after the last line")
    assert e.snmpd.subagents() == 0
    assert e.ccmon_traps() == []
    assert not e.agentx_lines(d), d.stderr()
    assert d.stop() == 0, d.stderr()

# SPDX-License-Identifier: ISC
"""doc/nms/nagios/ccmon.cfg run as Nagios would run it: the command_line
of each service's command, its macros filled in ($USER1$ the plugin
directory, $HOSTADDRESS$ and the $ARGn$ of the service's check_command,
the community and port being those of the test's snmpd), by /bin/sh, with
Debian's check_snmp (monitoring-plugins-standard), against a real snmpd
that ccmond is the AgentX subagent of (tests/snmp_harness.py's Snmpd,
tests/ccmond_harness.py's Harness).

One server, cs1, in the built-in profile: while its component is GONE,
instant messages are blocked for the whole cluster
(ccmonMessagingBlockedScopes.0 = 1) and alarms are raised.  The messaging
check must be OK (0) while the component is ACTIVE, CRITICAL (2) while it
is GONE and OK again once it is back; the alarms check OK, then WARNING
(1), then OK.  Before ccmond is there, both are UNKNOWN (3).  Each check
runs once the SNMP value it reads is the one wanted (bounded waits), so
nothing depends on how fast ccmond is.
"""
import os
import re
import subprocess
import time

import pytest

from ccmond_harness import Harness, binaries, component_of, wait_for
from snmp_harness import STEP, Snmpd, as_int, need_snmp

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.environ.get("top_srcdir") or os.path.dirname(HERE)
CFG = os.path.join(SRCDIR, "doc", "nms", "nagios", "ccmon.cfg")
OIDS = os.path.join(SRCDIR, "mibs", "CCMON-MIB.oids")
CHECK_SNMP = "/usr/lib/nagios/plugins/check_snmp"
# Debian's /etc/nagios4/resource.cfg: $USER1$ is the plugin directory
USER1 = os.path.dirname(CHECK_SNMP)
COMMUNITY = "public"  # tests/snmp_harness.py's snmpd.conf: rocommunity
# check_snmp's own bound is its -t (10 s) times its -e (5) plus 5 s
CHECK_TIMEOUT = 10 * 5 + 5 + STEP

ROOT = ".1.3.6.1.4.1.8072.9999.9999.42"
BLOCKED_SCOPES = ROOT + ".1.1.14.0"   # ccmonMessagingBlockedScopes.0
ALARMS_ACTIVE = ROOT + ".1.1.8.0"     # ccmonAlarmsActive.0
BLOCKED_SERVICE = "ccmon messaging blocked"
ALARMS_SERVICE = "ccmon alarms active"
OK, WARNING, CRITICAL, UNKNOWN = 0, 1, 2, 3

C1 = component_of("cs1")
# no profile: the built-in one, which waits on cs1 for every message
SERVERS = [{"name": "cs1", "host": "10.53.52.205", "port": 7999}]


# ---- the file ---------------------------------------------------------------

def objects(kind):
    """The directives of each `define KIND { ... }` of ccmon.cfg."""
    with open(CFG, encoding="utf-8") as f:
        text = f.read()
    out = []
    for body in re.findall(r"^define %s \{\n(.*?)^\}" % kind, text,
                           re.M | re.S):
        d = {}
        for line in body.splitlines():
            line = line.strip()
            if line and not line.startswith(("#", ";")):
                key, value = line.split(None, 1)
                d[key] = value
        out.append(d)
    assert len(out) == len(re.findall(r"^define %s\b" % kind, text, re.M))
    return out


def command_of(service):
    """(command name, command_line, [$ARGn$ values]) of a service."""
    (svc,) = [s for s in objects("service")
              if s["service_description"] == service]
    name, *args = svc["check_command"].split("!")
    (cmd,) = [c for c in objects("command") if c["command_name"] == name]
    return name, cmd["command_line"], args


def option_arg(line, option):
    """n of the $ARGn$ that option's value is in the command line."""
    m = re.search(r"\s%s\s+'?\$ARG(\d+)\$'?(?:\s|$)" % option, line)
    assert m, "%s is not given by an $ARGn$ in %s" % (option, line)
    return int(m.group(1))


def command_line(service, snmpd):
    """The service's command line with its macros resolved as Nagios
    would, its community and port those of snmpd."""
    _, line, args = command_of(service)
    args = list(args)
    args[option_arg(line, "-C") - 1] = COMMUNITY
    args[option_arg(line, "-p") - 1] = str(snmpd.port)
    line = line.replace("$USER1$", USER1)
    line = line.replace("$HOSTADDRESS$", "127.0.0.1")
    line = re.sub(r"\$ARG(\d+)\$", lambda m: args[int(m.group(1)) - 1],
                  line)
    assert "$" not in line, line
    return line


def check(service, snmpd):
    """Runs the service's check as Nagios does (by /bin/sh, the line
    having quotes): (exit status, output)."""
    line = command_line(service, snmpd)
    try:
        r = subprocess.run(["/bin/sh", "-c", line], capture_output=True,
                           text=True, env=snmpd.tool_env,
                           stdin=subprocess.DEVNULL, timeout=CHECK_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail("%s did not return within %.0f s" % (line,
                                                         CHECK_TIMEOUT))
    return r.returncode, r.stdout + r.stderr


def test_commands_read_the_mibs_scalars():
    """Each command reads by number the scalar of CCMON-MIB
    (mibs/CCMON-MIB.oids) it is labelled with, by SNMP v2c; each service
    runs a defined command with as many arguments as it takes."""
    with open(OIDS, encoding="utf-8") as f:
        kinds = {l.split()[0]: (l.split()[1], l.split()[2]) for l in f
                 if l.startswith(".")}
    for cmd in objects("command"):
        line = cmd["command_line"]
        assert line.startswith("$USER1$/check_snmp "), line
        assert re.search(r"\s-P 2c\s", line), line
        oid = re.search(r"\s-o (\S+)", line).group(1)
        label = re.search(r"\s-l (\S+)", line).group(1)
        assert oid.endswith(".0"), line
        assert kinds.get(oid[:-2]) == (label, "scalar"), (oid, label)
    services = {s["service_description"]: s for s in objects("service")}
    assert set(services) == {BLOCKED_SERVICE, ALARMS_SERVICE}
    for name in services:
        _, line, args = command_of(name)
        used = {int(n) for n in re.findall(r"\$ARG(\d+)\$", line)}
        assert used == set(range(1, len(args) + 1)), (name, line, args)
    _, line, _ = command_of(BLOCKED_SERVICE)
    assert BLOCKED_SCOPES in line.split() and line.endswith(" -c 0"), line
    _, line, _ = command_of(ALARMS_SERVICE)
    assert ALARMS_ACTIVE in line.split() and line.endswith(" -w 0"), line


# ---- against ccmond ---------------------------------------------------------

def need_check_snmp():
    if not os.access(CHECK_SNMP, os.X_OK):
        pytest.skip("%s not found: install the Debian package "
                    "monitoring-plugins-standard" % CHECK_SNMP)


def need_ccmond_snmp():
    ccmond, _ = binaries()
    r = subprocess.run([ccmond, "-V"], capture_output=True, text=True,
                       timeout=10)
    if not re.search(r"\bsnmp\b", r.stdout + r.stderr, re.I):
        pytest.skip("ccmond was built without SNMP")


@pytest.fixture
def env():
    need_check_snmp()
    need_snmp()
    need_ccmond_snmp()
    h = Harness("journal")
    snmpd = None
    try:
        snmpd = Snmpd(h.workdir)
        snmpd.start()
        yield h, snmpd
    finally:
        h.close_daemons()
        if snmpd is not None:
            snmpd.close()
        h.close()


def value(snmpd, oid):
    """The number at oid, or None (not served, or no answer)."""
    got = snmpd.snmpget(oid, check=False)
    if not got or got[oid].type in ("noSuchObject", "noSuchInstance"):
        return None
    return as_int(got[oid])


def wait_value(h, snmpd, oid, pred, what):
    """Waits until pred(the value at oid) holds; returns that value."""
    got = wait_for(lambda: (lambda v: (v,) if v is not None and pred(v)
                            else None)(value(snmpd, oid)), timeout=STEP,
                   interval=0.2)
    if not got:
        pytest.fail("%s: %s is %s after %.0f s\nalarms:\n%s\nccmond "
                    "stderr:\n%s\n%s" % (
                        what, oid, value(snmpd, oid), STEP,
                        h.describe(h.alarms(impact=True)),
                        h.daemon_stderr(), snmpd.describe()))
    return got[0]


def state_of(h, comp):
    c = h.status_component(comp)
    return c and c.get("state")


def test_nagios_checks_follow_ccmond(env):
    h, snmpd = env
    # snmpd alone: CCMON-MIB is not served, and the checks say so
    for service in (BLOCKED_SERVICE, ALARMS_SERVICE):
        rc, out = check(service, snmpd)
        assert rc == UNKNOWN and "No Such Object" in out, (service, rc, out)

    log = h.log()
    log.component(C1, "ACTIVE", t=time.time() - 3)
    h.config(SERVERS, impact_neutral=False, snmp="yes",
             agentx_socket=snmpd.socket, agentx_ping_interval="1s")
    d = h.start()
    assert wait_for(lambda: state_of(h, C1) == "active"), h.status()
    wait_value(h, snmpd, BLOCKED_SCOPES, lambda v: v == 0, "served, 0")
    wait_value(h, snmpd, ALARMS_ACTIVE, lambda v: v == 0, "no alarm")
    rc, out = check(BLOCKED_SERVICE, snmpd)
    assert rc == OK and out.startswith(
        "SNMP OK - ccmonMessagingBlockedScopes 0 "), (rc, out)
    rc, out = check(ALARMS_SERVICE, snmpd)
    assert rc == OK and out.startswith(
        "SNMP OK - ccmonAlarmsActive 0 "), (rc, out)

    # cs1 gone: messages blocked for the whole cluster
    log.component(C1, "GONE")
    h.wait_alarm("messaging-blocked", "raised", "cluster")
    wait_value(h, snmpd, BLOCKED_SCOPES, lambda v: v == 1, "blocked")
    rc, out = check(BLOCKED_SERVICE, snmpd)
    assert rc == CRITICAL and out.startswith(
        "SNMP CRITICAL - ccmonMessagingBlockedScopes *1* "), (rc, out)
    # the alarms stay raised while cs1 is gone: their number may still
    # grow, never to 0
    wait_value(h, snmpd, ALARMS_ACTIVE, lambda v: v >= 1, "alarms")
    rc, out = check(ALARMS_SERVICE, snmpd)
    m = re.match(r"SNMP WARNING - ccmonAlarmsActive \*(\d+)\* ", out)
    assert rc == WARNING and m and int(m.group(1)) >= 1, (rc, out)

    # cs1 back: delivered again, every alarm cleared
    log.component(C1, "CONNECTED")
    log.component(C1, "ACTIVE")
    h.wait_alarm("messaging-blocked", "cleared", "cluster")
    wait_value(h, snmpd, BLOCKED_SCOPES, lambda v: v == 0, "unblocked")
    rc, out = check(BLOCKED_SERVICE, snmpd)
    assert rc == OK and out.startswith(
        "SNMP OK - ccmonMessagingBlockedScopes 0 "), (rc, out)
    wait_value(h, snmpd, ALARMS_ACTIVE, lambda v: v == 0, "all cleared")
    rc, out = check(ALARMS_SERVICE, snmpd)
    assert rc == OK and out.startswith(
        "SNMP OK - ccmonAlarmsActive 0 "), (rc, out)
    assert d.stop() == 0, d.stderr()

# SPDX-License-Identifier: ISC
"""doc/nms/snmptt/ccmon.conf with Debian's snmptt behind a real snmptrapd
that receives ccmond's own notifications (tests/snmp_harness.py's snmpd as
AgentX master, its trap2sink the snmptrapd, whose traphandle is snmptt in
standalone mode with an snmptt.ini of the test's own).

A component goes GONE (component-down raised, critical: ccmond(8)) and
comes back ACTIVE (cleared); snmptt must log each with the EVENT's
severity (Critical, then Normal) and the FORMAT of doc/nms/snmptt/ccmon.conf
filled from the notification's varbinds, which are checked against the
same notifications as snmptrapd logged them.
"""
import os
import re
import shutil
import subprocess

import pytest

from ccmond_harness import Harness, binaries, component_of, wait_for
from ccmond_harness import read
from snmp_harness import STEP, Snmpd, Snmptrapd, need_snmp

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.environ.get("top_srcdir") or os.path.dirname(HERE)
CONF = os.path.join(SRCDIR, "doc", "nms", "snmptt", "ccmon.conf")
SNMPTT = "/usr/sbin/snmptt"
SYSTEM_INI = "/etc/snmp/snmptt.ini"
ROOT = ".1.3.6.1.4.1.8072.9999.9999.42"
RAISED, CLEARED = ROOT + ".0.1", ROOT + ".0.2"
N_ID, N_RESOURCE, N_SEVERITY, N_TEXT, N_RAISED_SEVERITY = (
    "%s.1.4.%d.0" % (ROOT[1:], n) for n in (1, 4, 5, 6, 11))
C1 = component_of("cs1")
SERVERS = [{"name": "cs1", "host": "10.53.52.205", "port": 7999}]


def need_snmptt():
    need_snmp()
    if not os.access(SNMPTT, os.X_OK) or not os.path.isfile(SYSTEM_INI):
        pytest.skip("snmptt not installed: install the Debian package "
                    "snmptt")
    ccmond, _ = binaries()
    r = subprocess.run([ccmond, "-V"], capture_output=True, text=True,
                       timeout=10)
    if not re.search(r"\bsnmp\b", r.stdout + r.stderr, re.I):
        pytest.skip("ccmond was built without SNMP")


def snmptt_ini(workdir):
    """Debian's snmptt.ini with its files in workdir, no syslog, no DNS,
    no MIB (the OIDs of ccmon.conf are numeric), our ccmon.conf only."""
    with open(SYSTEM_INI, encoding="utf-8") as f:
        text = f.read()
    d = os.path.join(workdir, "snmptt")
    os.mkdir(d)
    keys = {
        "mode": "standalone",
        "dns_enable": "0",
        # Net::IP (libnet-ip-perl) is not a dependency of snmptt
        "ipv6_enable": "0",
        "net_snmp_perl_enable": "0",
        "syslog_enable": "0",
        "syslog_system_enable": "0",
        "exec_enable": "0",
        "log_enable": "1",
        "log_file": os.path.join(d, "snmptt.log"),
        "log_system_enable": "0",
        "log_system_file": os.path.join(d, "system.log"),
        "unknown_trap_log_enable": "1",
        "unknown_trap_log_file": os.path.join(d, "unknown.log"),
        "pid_file": os.path.join(d, "snmptt.pid"),
        "spool_directory": d + "/",
    }
    for k, v in keys.items():
        text, n = re.subn(r"^%s\s*=.*$" % k, "%s = %s" % (k, v), text,
                          flags=re.M)
        assert n == 1, "no %s in %s" % (k, SYSTEM_INI)
    text, n = re.subn(r"^snmptt_conf_files = <<END\n.*?^END$",
                      "snmptt_conf_files = <<END\n%s\nEND" % CONF, text,
                      flags=re.M | re.S)
    assert n == 1
    ini = os.path.join(d, "snmptt.ini")
    with open(ini, "w", encoding="utf-8") as f:
        f.write(text)
    return ini, keys["log_file"], keys["unknown_trap_log_file"]


@pytest.fixture
def env():
    need_snmptt()
    h = Harness("journal")
    procs = []
    try:
        ini, log, unknown = snmptt_ini(h.workdir)
        trapd = Snmptrapd(h.workdir)
        with open(trapd.conf, "a") as f:
            f.write("traphandle default %s --ini=%s\n" % (SNMPTT, ini))
        procs.append(trapd.start())
        snmpd = Snmpd(h.workdir, trap_port=trapd.port)
        procs.append(snmpd)
        snmpd.start()
        yield h, snmpd, trapd, log, unknown
    finally:
        h.close_daemons()
        for p in procs:
            p.close()
        h.close()


# snmptt's log line: date, trap OID, severity, "category", host, "-",
# the FORMAT
LINE = re.compile(r'^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4} (\S+) (\w+) '
                  r'"Status Events" (\S+) - (.*)$')


def as_snmptt(value):
    """A varbind value as snmptt puts it in a FORMAT: in standalone mode it
    turns back ticks into quotes and drops every character but letters,
    digits, space and !"#%'()+,-_.:/=@{}~\\ (snmptt's own safety rule,
    doc/nms/README.md)."""
    return re.sub(r"[^a-zA-Z0-9 !\"#%'()+,\-_.:/=@{}~\\]", "",
                  value.replace("`", "'"))


def formatted(log):
    return [LINE.match(l).groups() for l in read(log).splitlines()
            if LINE.match(l)]


def test_snmptt_formats_ccmonds_notifications(env):
    h, snmpd, trapd, log, unknown = env
    rlog = h.log()
    h.config(SERVERS, snmp="yes", agentx_socket=snmpd.socket,
             agentx_ping_interval="1s")
    d = h.start()
    rlog.component(C1, "ACTIVE")
    rlog.component(C1, "GONE")
    h.wait_alarm("component-down", "raised", C1)
    rlog.component(C1, "CONNECTED")
    rlog.component(C1, "ACTIVE")
    h.wait_alarm("component-down", "cleared", C1)
    traps = trapd.wait_traps(lambda t: "." + t["oid"] in (RAISED, CLEARED),
                             count=2)
    assert wait_for(lambda: len(formatted(log)) >= 2), \
        "snmptt logged:\n%s\nunknown:\n%s\n%s" % (
            read(log), read(unknown), trapd.describe())
    raised, cleared = traps[:2]
    assert "." + raised["oid"] == RAISED and "." + cleared["oid"] == CLEARED
    alarm_id = raised["vars"][N_ID]
    assert cleared["vars"][N_ID] == alarm_id
    # the harness's server is in a profile nobody waits on: its loss is
    # absorbed, a warning (ccmond(8), "What each alarm means for users")
    assert raised["vars"][N_SEVERITY] == "6"  # warning(6)
    # cleared(1), and the severity it had apart (X.733, RFC 3877)
    assert cleared["vars"][N_SEVERITY] == "1", cleared["raw"]
    assert cleared["vars"][N_RAISED_SEVERITY] == "6", cleared["raw"]
    got = formatted(log)
    assert got[0] == (RAISED, "Warning", "127.0.0.1",
                      "ccmon alarm %s raised, warning: %s: %s" % (
                          alarm_id, as_snmptt(raised["vars"][N_RESOURCE]),
                          as_snmptt(raised["vars"][N_TEXT]))), read(log)
    assert got[1] == (CLEARED, "Normal", "127.0.0.1",
                      "ccmon alarm %s cleared (severity was 6): %s: %s" % (
                          alarm_id, as_snmptt(cleared["vars"][N_RESOURCE]),
                          as_snmptt(cleared["vars"][N_TEXT]))), read(log)
    assert raised["vars"][N_RESOURCE].lower() == C1
    assert ";" in cleared["vars"][N_TEXT]  # the rule above was exercised
    # snmpd's own coldStart is unknown to this file; none of ours is
    assert ROOT + ".0." not in read(unknown), read(unknown)
    assert d.stop() == 0, d.stderr()


def test_every_notification_has_an_event():
    """Each NOTIFICATION-TYPE of CCMON-MIB (mibs/CCMON-MIB.oids) has an
    EVENT with a FORMAT, and a raise has one per severity the MIB
    defines for raised alarms."""
    with open(os.path.join(SRCDIR, "mibs", "CCMON-MIB.oids"),
              encoding="utf-8") as f:
        notifications = {l.split()[0]: l.split()[1] for l in f
                         if l.startswith(".") and
                         l.split()[2] == "notification"}
    with open(CONF, encoding="utf-8") as f:
        text = f.read()
    events = re.findall(r"^EVENT (\w+) (\S+) \"[^\"]+\" (\w+)\n"
                        r"FORMAT (.+)\n(?:MATCH \$5: (\d+)\n)?", text, re.M)
    assert len(events) == text.count("\nEVENT "), events
    by_oid = {}
    for name, oid, severity, fmt, match in events:
        assert notifications.get(oid) == name, (name, oid)
        by_oid.setdefault(oid, []).append((severity, match))
    assert set(by_oid) == set(notifications), (by_oid, notifications)
    assert sorted(by_oid[RAISED]) == [("Critical", "3"), ("Major", "4"),
                                      ("Minor", "5"), ("Warning", "6")]
    assert by_oid[CLEARED] == [("Normal", "")]

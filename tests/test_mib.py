# SPDX-License-Identifier: ISC
"""Checks of mibs/CCMON-MIB.txt.

- smilint at its most pedantic level finds nothing;
- net-snmp resolves the names to the OIDs the agent serves;
- the module's own arc is assigned in one place only;
- every alarm type's X.733 probable cause and event type are the same in
  agent/core/alarm_types.c, in ccmond(8) ("Alarm types for an NMS") and
  in the MIB's CcmonProbableCause and CcmonEventType, with IANA's numbers.

The standard modules the MIB imports (SNMPv2-SMI, SNMP-FRAMEWORK-MIB, ...)
are taken from ../shared/mibs beside the source tree, or from
$CCMON_SHARED_MIBS; the tests that need them are skipped without them.
"""
import os
import re
import shutil
import subprocess
import sys

import pytest

SRCDIR = os.path.abspath(
    os.environ.get("top_srcdir")
    or os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MIBDIR = os.path.join(SRCDIR, "mibs")
MIB = os.path.join(MIBDIR, "CCMON-MIB.txt")
SHARED = os.path.abspath(
    os.environ.get("CCMON_SHARED_MIBS")
    or os.path.join(SRCDIR, os.pardir, "shared", "mibs"))
BASE_MODULES = ("SNMPv2-SMI", "SNMPv2-TC", "SNMPv2-CONF",
                "SNMP-FRAMEWORK-MIB")
TIMEOUT = 60

ROOT = ".1.3.6.1.4.1.8072.9999.9999.42"
EXPECTED_OIDS = {
    "ccmonMIB": ROOT,
    "ccmonAlarmRaised": ROOT + ".0.1",
    "ccmonAlarmCleared": ROOT + ".0.2",
    "ccmonMessagingBlocked": ROOT + ".1.1.3",
    "ccmonNotificationsSent": ROOT + ".1.1.11",
    "ccmonComponentState": ROOT + ".1.2.1.4",
    "ccmonComponentProbeFailures": ROOT + ".1.2.1.16",
    "ccmonComponentQueueWaits": ROOT + ".1.2.1.17",
    "ccmonComponentQueueWaitP95": ROOT + ".1.2.1.20",
    "ccmonComponentQueueWaitsTotal": ROOT + ".1.2.1.23",
    "ccmonQueueLatencyWindow": ROOT + ".1.1.12",
    "ccmonQueueLatencyGroup": ROOT + ".2.2.7",
    "ccmonAlarmText": ROOT + ".1.3.1.8",
    "ccmonAlarmConditionPresent": ROOT + ".1.3.1.10",
    "ccmonNotifyTime": ROOT + ".1.4.7",
    "ccmonNotificationGroup": ROOT + ".2.2.5",
    "ccmonAlarmLastChanged": ROOT + ".1.1.13",
    "ccmonMessagingBlockedScopes": ROOT + ".1.1.14",
    "ccmonAlarmProbableCause": ROOT + ".1.3.1.11",
    "ccmonAlarmEventType": ROOT + ".1.3.1.12",
    "ccmonNotifyRaisedSeverity": ROOT + ".1.4.11",
    "ccmonAlarmHistoryTable": ROOT + ".1.6",
    "ccmonAlarmHistoryText": ROOT + ".1.6.1.11",
}


def need_tool(name):
    path = shutil.which(name)
    if path is None:
        pytest.skip("%s is not installed" % name)
    return path


def need_shared_mibs():
    missing = [m for m in BASE_MODULES
               if not os.path.isfile(os.path.join(SHARED, m + ".txt"))]
    if missing:
        pytest.skip("standard MIB modules %s not found in %s (set "
                    "CCMON_SHARED_MIBS)" % (", ".join(missing), SHARED))


def run(argv, **kw):
    return subprocess.run(argv, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True,
                          timeout=TIMEOUT, check=False, **kw)


def test_smilint_finds_nothing():
    smilint = need_tool("smilint")
    need_shared_mibs()
    env = dict(os.environ, SMIPATH=SHARED)
    r = run([smilint, "-l", "6", "-s", MIB], env=env)
    out = r.stdout + r.stderr
    assert r.returncode == 0 and out == "", \
        "smilint exit %d:\n%s" % (r.returncode, out)


def test_names_resolve_to_the_agents_oids(tmp_path):
    snmptranslate = need_tool("snmptranslate")
    need_shared_mibs()
    # A private persistent directory: snmptranslate may create one.
    env = dict(os.environ, SNMP_PERSISTENT_DIR=str(tmp_path))
    names = sorted(EXPECTED_OIDS)
    r = run([snmptranslate, "-M", "+%s:%s" % (SHARED, MIBDIR),
             "-m", "+CCMON-MIB", "-On"]
            + ["CCMON-MIB::" + n for n in names], env=env)
    # Other noise (modules of the system's default list that are not
    # installed) is not ours; anything naming this module is.
    ours = [l for l in r.stderr.splitlines() if "CCMON" in l.upper()]
    assert r.returncode == 0 and not ours, \
        "snmptranslate exit %d:\n%s" % (r.returncode, r.stderr)
    assert dict(zip(names, r.stdout.split())) == EXPECTED_OIDS


def test_module_arc_assigned_once():
    with open(MIB, encoding="utf-8") as f:
        text = f.read()
    under_playpen = re.findall(r"::=\s*\{\s*ccmonPlaypen\s+(\d+)\s*\}", text)
    assert under_playpen == ["42"]
    ident = re.search(r"\bccmonMIB\s+MODULE-IDENTITY\b.*?::=\s*\{\s*(\w+)"
                      r"\s+(\d+)\s*\}", text, re.S)
    assert ident and ident.groups() == ("ccmonPlaypen", "42")
    # Nor spelled out as a number anywhere else.
    assert not re.search(r"9999[.\s]+42\b", text)


def test_oids_file_matches_the_mib():
    """mibs/CCMON-MIB.oids, for managers without the base modules, is what
    mibs/gen-oids.py makes from the MIB now: a node added to the MIB
    without regenerating it fails here."""
    need_tool("snmptranslate")
    need_shared_mibs()
    r = run([sys.executable, os.path.join(MIBDIR, "gen-oids.py"), SHARED, MIB])
    assert r.returncode == 0, r.stderr
    with open(os.path.join(MIBDIR, "CCMON-MIB.oids"), encoding="utf-8") as f:
        assert f.read() == r.stdout, \
            "mibs/CCMON-MIB.oids is stale: run mibs/gen-oids.py %s" % SHARED
    rows = dict(l.split("\t")[1::-1] for l in r.stdout.splitlines()
                if not l.startswith("#"))
    for name, oid in EXPECTED_OIDS.items():
        assert rows[name] == oid


# ---- X.733 probable causes and event types -----------------------------------

# IANA's IANAItuProbableCause and IANAItuEventType numbers of the names ccmon
# uses (IANA-ITU-ALARM-TC-MIB, RFC 3877): the reference the three others are
# held to.
IANA_CAUSES = {
    "connectionEstablishmentError": 22, "reducedLoggingCapability": 206,
    "communicationsSubsystemFailure": 505, "fileErrorX733": 516,
    "performanceDegraded": 532, "resourceAtOrNearingCapacity": 541,
    "responseTimeExecessive": 542, "underlyingResourceUnavailable": 554,
    "authenticationFailure": 600,
}
IANA_EVENTS = {"communicationsAlarm": 2, "qualityOfServiceAlarm": 3,
               "processingErrorAlarm": 4}


def read(*path):
    with open(os.path.join(SRCDIR, *path), encoding="utf-8") as f:
        return f.read()


def code_pairs():
    """{type id: (cause number, event number)} of alarm_types.c."""
    header = read("agent", "core", "alarm.h")
    consts = {m.group(1): int(m.group(2)) for m in re.finditer(
        r"\b(CCM_(?:CAUSE|EVENT)_[A-Z_]+) = (\d+)", header)}
    table = read("agent", "core", "alarm_types.c")
    out = {}
    for m in re.finditer(r'\.id = "([a-z-]+)",(.*?)\n\t\}', table, re.S):
        cause = re.search(r"\.probable_cause = (CCM_CAUSE_\w+)", m.group(2))
        event = re.search(r"\.event_type = (CCM_EVENT_\w+)", m.group(2))
        assert cause and event, "type %s has no cause or event" % m.group(1)
        out[m.group(1)] = (consts[cause.group(1)], consts[event.group(1)])
    return out


def man_pairs():
    """{type id: (cause number, event number)} of ccmond(8)."""
    man = read("doc", "ccmond.8")
    sect = man.split(".SS Alarm types for an NMS", 1)[1].split(".SS ", 1)[0]
    out = {}
    for m in re.finditer(r"\.TP\n\.B ([a-z\\-]+)\n(\w+)\((\d+)\), "
                         r"(\w+)\((\d+)\);", sect):
        kind = m.group(1).replace("\\-", "-")
        cause, cnum, event, enum = m.group(2), int(m.group(3)), \
            m.group(4), int(m.group(5))
        assert IANA_CAUSES.get(cause) == cnum, (kind, cause, cnum)
        assert IANA_EVENTS.get(event) == enum, (kind, event, enum)
        out[kind] = (cnum, enum)
    return out


def mib_enum(tc):
    text = read("mibs", "CCMON-MIB.txt")
    body = text.split("%s ::= TEXTUAL-CONVENTION" % tc, 1)[1]
    syntax = body.split("SYNTAX", 1)[1].split("}", 1)[0]
    return {m.group(1): int(m.group(2))
            for m in re.finditer(r"(\w+)\((\d+)\)", syntax)}


def test_probable_causes_agree():
    code = code_pairs()
    assert len(code) == 16, code
    assert man_pairs() == code
    causes = mib_enum("CcmonProbableCause")
    events = mib_enum("CcmonEventType")
    # the MIB names each number as IANA does, and has every one used
    assert causes == IANA_CAUSES, causes
    for name, number in IANA_EVENTS.items():
        assert events[name] == number, events
    assert {c for c, _ in code.values()} == set(causes.values())

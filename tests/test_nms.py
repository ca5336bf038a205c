# SPDX-License-Identifier: ISC
"""The files for a NOC's tools (doc/nms/, doc/nms/README.md):

- doc/nms/prometheus/ccmon.rules.yml passes `promtool check rules`, and its
  alerts fire when and only when doc/nms/prometheus/ccmon.rules.test.yml
  says (`promtool test rules`);
- doc/nms/zabbix/ccmon_snmp.yaml is a Zabbix 6.0 template whose every OID
  is an object of CCMON-MIB of the right kind (net-snmp's snmptranslate on
  the repository's MIB, as tests/test_mib.py does), whose descriptions
  name the object the OID is, whose value maps are the MIB's
  enumerations, and whose triggers are on their own items.
"""
import os
import re
import shutil
import subprocess

import pytest

from test_mib import MIB, MIBDIR, SHARED, need_shared_mibs, need_tool, run

SRCDIR = os.path.dirname(MIBDIR)
NMS = os.path.join(SRCDIR, "doc", "nms")
RULES = os.path.join(NMS, "prometheus", "ccmon.rules.yml")
RULES_TEST = os.path.join(NMS, "prometheus", "ccmon.rules.test.yml")
ZABBIX = os.path.join(NMS, "zabbix", "ccmon_snmp.yaml")
OIDS = os.path.join(MIBDIR, "CCMON-MIB.oids")
TEMPLATE = "ccmon by SNMP"


def promtool():
    path = shutil.which("promtool")
    if not path:
        pytest.skip("promtool not found: install the Debian package "
                    "prometheus")
    return path


# ---- Prometheus ---------------------------------------------------------------

def test_prometheus_rules_check():
    r = run([promtool(), "check", "rules", RULES])
    assert r.returncode == 0, r.stdout + r.stderr
    assert "SUCCESS: 5 rules found" in r.stdout, r.stdout


def test_prometheus_rules_unit_tests(tmp_path):
    # promtool reads rule_files relative to the test file: both copied,
    # so that a read-only source tree (make distcheck) is fine
    for f in (RULES, RULES_TEST):
        shutil.copy(f, tmp_path)
    r = run([promtool(), "test", "rules",
             str(tmp_path / os.path.basename(RULES_TEST))])
    assert r.returncode == 0 and "SUCCESS" in r.stdout, \
        r.stdout + r.stderr


def test_prometheus_rules_alert_names():
    yaml = pytest.importorskip("yaml")
    with open(RULES, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    names = {r["alert"] for g in doc["groups"] for r in g["rules"]}
    assert names == {"CcmonMessagingBlocked", "CcmonMessagingDegraded",
                     "CcmonLoggingLost", "CcmonQueueLatencyHigh",
                     "CcmonAgentDown"}


# ---- Zabbix -------------------------------------------------------------------

def zabbix():
    yaml = pytest.importorskip("yaml")
    with open(ZABBIX, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    export = doc["zabbix_export"]
    assert export["version"] == "6.0"
    (tpl,) = export["templates"]
    assert tpl["template"] == TEMPLATE
    return export, tpl


def all_items(tpl):
    """(item, kind) for every item and item prototype."""
    for it in tpl.get("items", []):
        yield it, "item"
    for rule in tpl.get("discovery_rules", []):
        for it in rule.get("item_prototypes", []):
            yield it, "prototype"


def oid_kinds():
    """numeric OID -> (name, kind) from mibs/CCMON-MIB.oids."""
    out = {}
    with open(OIDS, encoding="utf-8") as f:
        for line in f:
            if line.startswith("."):
                oid, name, kind = line.split()
                out[oid] = (name, kind)
    return out


def translate(oids, tmp_path):
    """snmptranslate of numeric OIDs to CCMON-MIB::name (instance
    suffix included)."""
    snmptranslate = need_tool("snmptranslate")
    need_shared_mibs()
    env = dict(os.environ, SNMP_PERSISTENT_DIR=str(tmp_path))
    r = run([snmptranslate, "-M", "+%s:%s" % (SHARED, MIBDIR),
             "-m", "+CCMON-MIB"] + list(oids), env=env)
    ours = [l for l in r.stderr.splitlines() if "CCMON" in l.upper()]
    assert r.returncode == 0 and not ours, r.stderr
    names = r.stdout.split()
    assert len(names) == len(oids), r.stdout
    return dict(zip(oids, names))


def described_object(item):
    m = re.match(r"CCMON-MIB::(\w+)", item.get("description", ""))
    assert m, "item %r: description does not name its object" % item["key"]
    return m.group(1)


def test_zabbix_polled_oids_are_ccmon_mib_objects(tmp_path):
    _, tpl = zabbix()
    want = {}  # numeric OID -> (the object named, instance, key)
    for it, kind in all_items(tpl):
        if it["type"] != "SNMP_AGENT":
            continue
        oid = "." + it["snmp_oid"]
        if kind == "prototype":
            assert oid.endswith(".{#SNMPINDEX}"), it["snmp_oid"]
            want[oid[:-len(".{#SNMPINDEX}")]] = (described_object(it),
                                                 "column", it["key"])
        else:
            assert oid.endswith(".0"), it["snmp_oid"]
            want[oid[:-2]] = (described_object(it), "scalar", it["key"])
    for rule in tpl["discovery_rules"]:
        m = re.fullmatch(r"discovery\[\{#[A-Z.]+\},([0-9.]+)\]",
                         rule["snmp_oid"])
        assert m, rule["snmp_oid"]
        # the column walked for names: its table is what is described
        want["." + m.group(1)] = (None, "column", rule["key"])
    assert len(want) >= 15
    names = translate(sorted(want), tmp_path)
    kinds = oid_kinds()
    for oid, (obj, kind, key) in want.items():
        assert names[oid].startswith("CCMON-MIB::"), (key, names[oid])
        name = names[oid].split("::", 1)[1]
        assert kinds.get(oid) == (name, kind), (key, oid, kinds.get(oid))
        if obj is not None:
            assert name == obj, "%s polls %s, its description says %s" % (
                key, name, obj)


def test_zabbix_discovery_on_the_component_and_impact_tables(tmp_path):
    _, tpl = zabbix()
    oids = ["." + re.search(r",([0-9.]+)\]", r["snmp_oid"]).group(1)
            for r in tpl["discovery_rules"]]
    names = translate(oids, tmp_path)
    assert sorted(names.values()) == ["CCMON-MIB::ccmonComponentName",
                                      "CCMON-MIB::ccmonImpactScope"]


TRAP_KEY = re.compile(r'snmptrap\["\((ccmon\w+)\|((?:\\\.[0-9]+)+)\)'
                      r'\(\[\^\.0-9\]\|\$\)"\]')


def test_zabbix_trap_items_match_the_notifications(tmp_path):
    _, tpl = zabbix()
    found = {}
    for it, _ in all_items(tpl):
        if it["type"] != "SNMP_TRAP":
            continue
        m = TRAP_KEY.fullmatch(it["key"])
        assert m, it["key"]
        assert it["value_type"] == "LOG"
        numeric = m.group(2).replace("\\", "")
        found[numeric] = m.group(1)
        assert described_object(it) == m.group(1)
    names = translate(sorted(found), tmp_path)
    kinds = oid_kinds()
    for numeric, name in found.items():
        assert names[numeric] == "CCMON-MIB::" + name
        assert kinds[numeric] == (name, "notification")
    # ccmonAlarmChanged joins at the merge (doc/nms/README.md)
    assert {"ccmonAlarmRaised", "ccmonAlarmCleared"} <= set(found.values())


def mib_enum(tc):
    """The name(number) pairs of a textual convention of CCMON-MIB (or of
    TruthValue, from SNMPv2-TC)."""
    if tc == "TruthValue":
        return {1: "true", 2: "false"}
    with open(MIB, encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"^%s ::= TEXTUAL-CONVENTION.*?SYNTAX\s+INTEGER\s*\{(.*?)\}"
                  % tc, text, re.S | re.M)
    assert m, tc
    return {int(n): name for name, n in re.findall(r"(\w+)\((\d+)\)",
                                                   m.group(1))}


def test_zabbix_value_maps_are_the_mibs_enumerations():
    _, tpl = zabbix()
    maps = {m["name"]: {int(x["value"]): x["newvalue"]
                        for x in m["mappings"]}
            for m in tpl["valuemaps"]}
    assert set(maps) == {"CCMON-MIB::TruthValue",
                         "CCMON-MIB::CcmonOpenPortState",
                         "CCMON-MIB::CcmonReach"}
    for name, mapping in maps.items():
        assert mapping == mib_enum(name.split("::")[1]), name
    for it, _ in all_items(tpl):
        if "valuemap" in it:
            assert it["valuemap"]["name"] in maps, it["key"]


def test_zabbix_triggers_on_their_items_and_uuids_unique():
    export, tpl = zabbix()
    uuids = []

    def collect(node):
        if isinstance(node, dict):
            if "uuid" in node:
                uuids.append(node["uuid"])
            for v in node.values():
                collect(v)
        elif isinstance(node, list):
            for v in node:
                collect(v)
    collect(export)
    assert all(re.fullmatch(r"[0-9a-f]{32}", u) for u in uuids), uuids
    assert len(uuids) == len(set(uuids))

    ntriggers = 0
    for it, _ in all_items(tpl):
        for t in it.get("triggers", []) + it.get("trigger_prototypes", []):
            ntriggers += 1
            ref = "/%s/%s" % (TEMPLATE, it["key"])
            assert ref in t["expression"], (t["name"], t["expression"])
            assert t["priority"] in ("INFO", "WARNING", "AVERAGE", "HIGH",
                                     "DISASTER")
    # ccmonMessagingBlocked, the impact table's reaches and logging
    blocked = [t for it, _ in all_items(tpl)
               if it["key"] == "ccmon.messaging.blocked"
               for t in it["triggers"]]
    assert [t["priority"] for t in blocked] == ["DISASTER"]
    impact = [t for it, kind in all_items(tpl)
              if it["key"].startswith("ccmon.impact.")
              for t in it.get("trigger_prototypes", [])]
    assert len(impact) >= 3
    assert ntriggers >= 8

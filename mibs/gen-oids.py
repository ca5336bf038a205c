#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Writes mibs/CCMON-MIB.oids: every node CCMON-MIB defines, its numeric
OID, name and kind, for a manager that cannot load the module.

The OIDs come from net-snmp itself (snmptranslate -Tz), which needs the
IETF base modules the MIB imports; Debian main lacks them, so the file is
generated here with them at hand and kept in the tree, and
tests/test_mib.py checks that it matches the MIB.

usage: gen-oids.py MIB_BASE_DIR [CCMON-MIB.txt] > CCMON-MIB.oids
"""
import os
import re
import subprocess
import sys
import tempfile

HEADER = """\
# CCMON-MIB: the numeric OID of every node the module defines, for a
# manager or an snmptrapd that cannot load the module.  CCMON-MIB imports
# SNMPv2-SMI, SNMPv2-TC, SNMPv2-CONF and SNMP-FRAMEWORK-MIB, which Debian
# ships only in non-free snmp-mibs-downloader.  Generated from
# CCMON-MIB.txt by mibs/gen-oids.py: do not edit.
#
# Kinds: notification; scalar (instance OID.0); table, row, column
# (instance OID.INDEX); and the module's identity, groups and arcs.
#
# OID\tNAME\tKIND
"""

# The macro after a name defining a node, and how we call it.
DEF = re.compile(r"^([a-z][A-Za-z0-9-]*)\s+(OBJECT-TYPE|NOTIFICATION-TYPE|"
                 r"MODULE-IDENTITY|OBJECT-IDENTITY|OBJECT-GROUP|"
                 r"NOTIFICATION-GROUP|MODULE-COMPLIANCE|"
                 r"OBJECT\s+IDENTIFIER)\b", re.M)
KINDS = {"NOTIFICATION-TYPE": "notification",
         "MODULE-IDENTITY": "module", "OBJECT-IDENTITY": "arc",
         "OBJECT IDENTIFIER": "arc", "OBJECT-GROUP": "group",
         "NOTIFICATION-GROUP": "group", "MODULE-COMPLIANCE": "compliance"}


def kinds(text):
    """name -> kind, in the order the module defines them."""
    out = {}
    defs = list(DEF.finditer(text))
    for i, m in enumerate(defs):
        macro = re.sub(r"\s+", " ", m.group(2))
        if macro != "OBJECT-TYPE":
            out[m.group(1)] = KINDS[macro]
            continue
        end = defs[i + 1].start() if i + 1 < len(defs) else len(text)
        body = text[m.end():end]
        if re.search(r"\bSYNTAX\s+SEQUENCE\s+OF\b", body):
            out[m.group(1)] = "table"
        elif re.search(r"\b(INDEX|AUGMENTS)\s*\{", body):
            out[m.group(1)] = "row"
        else:
            out[m.group(1)] = None  # scalar or column: told by the parent
    return out


def main(argv):
    if len(argv) not in (2, 3):
        sys.stderr.write(__doc__.split("\n\n")[-1])
        return 2
    base = argv[1]
    mib = argv[2] if len(argv) == 3 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "CCMON-MIB.txt")
    with open(mib, encoding="utf-8") as f:
        text = f.read()
    kind = kinds(text)
    with tempfile.TemporaryDirectory() as tmp:
        r = subprocess.run(
            ["snmptranslate", "-M", "%s:%s" % (base, os.path.dirname(
                os.path.abspath(mib))), "-m", "CCMON-MIB", "-Tz"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            universal_newlines=True, timeout=120, check=False,
            env=dict(os.environ, SNMP_PERSISTENT_DIR=tmp, SNMPCONFPATH=tmp))
    # Its persistent directory, made in passing, is news we do not need.
    noise = [l for l in r.stderr.splitlines()
             if l.strip() and not l.startswith("Created directory:")]
    if r.returncode != 0 or noise:
        sys.stderr.write("gen-oids.py: snmptranslate exit %d:\n%s"
                         % (r.returncode, r.stderr))
        return 1
    oid = {}
    for line in r.stdout.splitlines():
        m = re.match(r'^"([^"]+)"\s+"([0-9.]+)"$', line)
        if m and m.group(1) in kind:
            oid[m.group(1)] = "." + m.group(2)
    missing = sorted(set(kind) - set(oid))
    if missing:
        sys.stderr.write("gen-oids.py: no OID for %s\n" % ", ".join(missing))
        return 1
    by_oid = {v: k for k, v in oid.items()}
    rows = []
    for name, o in oid.items():
        k = kind[name]
        if k is None:
            parent = by_oid.get(o.rsplit(".", 1)[0])
            k = "column" if kind.get(parent) == "row" else "scalar"
        rows.append((tuple(int(x) for x in o[1:].split(".")), o, name, k))
    sys.stdout.write(HEADER)
    for _, o, name, k in sorted(rows):
        sys.stdout.write("%s\t%s\t%s\n" % (o, name, k))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

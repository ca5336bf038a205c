# SPDX-License-Identifier: ISC
"""The command line's rough edges (issue 15 item 5).

- `ccmon -h`, `ccmon --help`: the usage, exit 0; `ccmond --version` names
  ccmond;
- every journal MESSAGE_ID of units/ccmon.catalog is in ccmond(8), and
  nothing else is;
- the unit made from units/ccmond.service.in keeps its comments as written.

Expected values come from ccmon(1), ccmond(8) and the catalog, not from
what the programs print.  Every run has a timeout.
"""
import os
import re
import subprocess

import pytest

TIMEOUT = 60
SRCDIR = os.path.abspath(
    os.environ.get("top_srcdir")
    or os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run(argv, cwd=None, stderr=subprocess.PIPE):
    return subprocess.run(argv, cwd=cwd, stdout=subprocess.PIPE,
                          stderr=stderr, timeout=TIMEOUT)


# --------------------------------------------------------------------------
# help, version


@pytest.mark.parametrize("opt", ["-h", "--help"])
def test_ccmon_help(ccmon, opt):
    p = run([ccmon, opt])
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith(b"usage: ccmon COMMAND"), p.stdout
    for cmd in (b"analyze", b"check-config", b"probe", b"status"):
        assert cmd in p.stdout


def test_ccmond_version(ccmon):
    ccmond = os.environ.get("CCMOND") or \
        os.path.join(os.path.dirname(ccmon), "ccmond")
    p = run([ccmond, "--version"])
    assert p.returncode == 0, p.stderr
    assert p.stdout.split()[0] == b"ccmond", p.stdout


# --------------------------------------------------------------------------
# the journal catalog and ccmond(8)


def catalog_entries():
    """{MESSAGE_ID: alarm name or None} from units/ccmon.catalog."""
    out = {}
    with open(os.path.join(SRCDIR, "units", "ccmon.catalog")) as f:
        text = f.read()
    for m in re.finditer(r"^-- ([0-9a-f]{32})\n(?:Subject: (.*))?", text,
                         re.M):
        name = re.match(r"Alarm ([a-z][a-z-]*) ", m.group(2) or "")
        out[m.group(1)] = name.group(1) if name else None
    return out


def man_message_ids():
    """{MESSAGE_ID: the name above it} from ccmond(8)'s MESSAGE_ID list."""
    with open(os.path.join(SRCDIR, "doc", "ccmond.8")) as f:
        lines = [ln.rstrip("\n") for ln in f]
    start = lines.index(".B MESSAGE_ID")
    end = next(i for i in range(start, len(lines)) if lines[i] == ".RE")
    out = {}
    for i in range(start, end):
        if re.fullmatch(r"[0-9a-f]{32}", lines[i]):
            out[lines[i]] = lines[i - 1].replace("\\-", "-")
    return out


def test_catalog_has_entries():
    assert len(catalog_entries()) >= 14  # the 14 alarm types of this round


def test_man_page_lists_every_catalog_message_id():
    cat, man = catalog_entries(), man_message_ids()
    assert sorted(set(cat) - set(man)) == [], "missing from ccmond(8)"
    assert sorted(set(man) - set(cat)) == [], "not in the catalog"
    for mid, name in cat.items():
        if name:
            assert man[mid] == name, (mid, man[mid], name)


# --------------------------------------------------------------------------
# the installed unit


def test_unit_comments_survive_the_substitution(ccmon):
    built = os.path.join(os.path.dirname(ccmon), "units", "ccmond.service")
    with open(os.path.join(SRCDIR, "units", "ccmond.service.in")) as f:
        src = f.read().splitlines()
    with open(built) as f:
        out = f.read().splitlines()
    assert len(src) == len(out)
    for a, b in zip(src, out):
        if a.startswith("#"):
            assert a == b
        else:
            assert not re.search(r"@[a-z]+@", b), b
    execs = [ln for ln in out if ln.startswith("ExecStart=")]
    assert execs and all(e.split("=", 1)[1].startswith("/") for e in execs)

# SPDX-License-Identifier: ISC
"""Names from logs that no output may pass on raw (ccmond(8), "Text from
logs"): terminal escapes (ESC/OSC, BEL), C1 controls, U+202E, bytes that
are not UTF-8, names over 1,024 bytes.

Each output is checked the way its reader reads it: JSON with Python's
strict parser on the raw bytes (the names must equal Python's own
errors="replace" decoding: one U+FFFD per maximal subpart), journald with
journalctl -o json (a field journald holds as a blob comes out as a list
of numbers, not a string), terminal text and ccmond's stderr byte by byte.
An alarm is raised for every hostile name, under a cleaned, bounded,
distinct resource (queue-latency-high, from a bounce: a name no [server]
configures has no component-down of its own, its loss goes into the
node's one unknown-components alarm, whose text names it cleaned too),
and the status document counts such names.

The ccmond test runs a real ccmond with its own journald
(tests/ccmond_harness.py: needs root, unshare, nsenter).
"""
import json
import os
import re
import subprocess
import time

import pytest

from ccmond_harness import Harness, STEP, component_of, stamp

TIMEOUT = 120  # seconds, per ccmon run

NAMES = [
    b"op-\x1b]0;owned\x07\x1b[2J-x",         # OSC title, BEL, clear screen
    b"op-\xc2\x9b" b"31m\xe2\x80\xae-gnp",    # C1 CSI (as UTF-8), U+202E
    b"op-\x9b" b"31m-raw-c1",                 # C1 CSI as a bare byte
    b"op-\xff\xfe\xc3-\xed\xa0\x80-bad",      # stray bytes, a surrogate
    b"op-" + b"a" * 1100,                     # over 1,024 bytes
]
FORBIDDEN = [b"\x1b", b"\x07", b"\x9b", b"\xc2\x9b", b"\xe2\x80\xae"]
CLEAN = component_of("cs1")


def shown(raw):
    """What a name must become in JSON: Python's own repair."""
    return raw.decode("utf-8", "replace")


def assert_fit_to_show(data, what):
    """data (bytes) is valid UTF-8 holding no control (but newline), no
    C1 and no bidi control."""
    text = data.decode("utf-8")  # strict: raises on a stray byte
    bad = [c for c in text if (ord(c) < 0x20 and c != "\n") or
           0x7f <= ord(c) <= 0x9f or c in "\u061c\u200e\u200f" or
           0x202a <= ord(c) <= 0x202e or 0x2066 <= ord(c) <= 0x2069]
    assert not bad, "%s holds %r" % (what, bad[:5])
    for f in FORBIDDEN:
        assert f not in data, "%s holds %r" % (what, f)


def write_lines(path, names, state="GONE", t=None):
    with open(path, "ab") as f:
        for n in names:
            f.write(b"%s |info router Component %s is %s\n" % (
                stamp(t).encode(), n, state.encode()))


def write_bounces(path, names, t=None):
    """A bounce each: a wait of the full queue wait on that name."""
    with open(path, "ab") as f:
        for n in names:
            f.write(b"%s |error router Bouncing packet intended for %s: "
                    b"External Server Error\n" % (stamp(t).encode(), n))


# ---- ccmon analyze --------------------------------------------------------

def test_analyze_outputs(ccmon, tmp_path):
    log = tmp_path / "rtr-jsm-1_000001.log"
    t = time.mktime((2026, 11, 3, 10, 0, 0, 0, 0, -1))
    write_lines(log, [CLEAN.encode()], "ACTIVE", t)
    write_lines(log, NAMES, "ACTIVE", t + 1)
    write_lines(log, NAMES + [CLEAN.encode()], "GONE", t + 2)
    base = ["analyze", "--date", "2026-11-03"]

    p = subprocess.run([ccmon] + base + ["--json", str(log)],
                       capture_output=True,
                       timeout=TIMEOUT)
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)  # bytes: strict UTF-8
    names = {c["name"] for c in doc["components"]}
    assert names == {shown(n) for n in NAMES} | {CLEAN}, names

    p = subprocess.run([ccmon] + base + [str(log)], capture_output=True,
                       timeout=TIMEOUT)
    assert p.returncode == 0, p.stderr
    assert_fit_to_show(p.stdout, "ccmon analyze text")
    assert "op-\ufffd]0;owned\ufffd\ufffd[2J-x" in p.stdout.decode()
    assert "op-\ufffd31m\ufffd-gnp" in p.stdout.decode()

    out = tmp_path / "r.html"
    p = subprocess.run([ccmon] + base + ["--html", str(out), str(log)],
                       capture_output=True, timeout=TIMEOUT)
    assert p.returncode == 0, p.stderr
    assert_fit_to_show(out.read_bytes(), "ccmon analyze --html")


# ---- ccmond: journal, status, stderr --------------------------------------

def journal_strings(h, entries):
    """Every field of the entries is a string (not a blob), fit to show."""
    for e in entries:
        for k, v in e.items():
            if k.startswith("CCMON_") or k == "MESSAGE":
                assert isinstance(v, str), \
                    "journald holds %s as a blob: %r" % (k, v)
                assert_fit_to_show(v.encode(), k)


def test_ccmond_outputs(h):
    log = h.log()
    h.config([dict(name="cs1", host="10.53.52.205", port=7999)])
    d = h.start()
    log.component(CLEAN, "ACTIVE")
    write_lines(log.path, NAMES)
    write_bounces(log.path, NAMES)
    got = h.wait_alarm("queue-latency-high", "raised", count=len(NAMES),
                       timeout=4 * STEP)
    unknown = h.wait_alarm("unknown-components", "raised", timeout=STEP)
    assert len(unknown) == 1, unknown
    assert "op-\ufffd]0;owned\ufffd\ufffd[2J-x" in unknown[0]["MESSAGE"], \
        unknown[0]["MESSAGE"]
    entries = h.alarms()
    journal_strings(h, entries)
    resources = [e["CCMON_RESOURCE"] for e in got]
    assert len(set(resources)) == len(NAMES), resources
    for r in resources:
        assert len(r.encode()) <= 1024, r
        assert re.search(r" \[(cleaned|cut from \d+ bytes) #[0-9a-f]{8}\]$",
                         r), r
    assert "op-\ufffd]0;owned\ufffd\ufffd[2J-x [cleaned #" in \
        " ".join(resources)
    assert any(r.startswith("op-aaaa") and "... [cut from 1103 bytes #" in r
               for r in resources), resources

    # the status document: strict JSON, names as Python repairs them,
    # the alarms' resources as in the journal, the names counted
    p = subprocess.run([h.ccmon, "status", "-c", h.config_path, "--json"],
                       capture_output=True, timeout=30)
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    names = {c["name"] for c in doc["components"]}
    assert {shown(n) for n in NAMES} <= names, names
    assert {a["resource"] for a in doc["alarms"]} >= set(resources)
    assert doc["agent"]["names_cleaned"] == len(NAMES), doc["agent"]

    p = subprocess.run([h.ccmon, "status", "-c", h.config_path],
                       capture_output=True, timeout=30)
    assert p.returncode == 0, p.stderr
    assert_fit_to_show(p.stdout, "ccmon status")

    # ccmond's own messages (transitions, the alarms echoed in the
    # foreground) name the components: cleaned too.  The harness decodes
    # stderr with errors="replace": controls still show there.
    assert d.stop() == 0, d.stderr()
    err = d.stderr()
    assert "unknown -> gone" in err, err
    assert_fit_to_show(err.encode(), "ccmond's stderr")

# SPDX-License-Identifier: ISC
"""Behaviour did not change (issue 12): `ccmon analyze` (text, --json,
--html) on every fixture log and every spec situation, and ccmond's alarm
stream on a scripted log, byte for byte against tests/golden/.

The golden files were written by this same code (tests/golden/update.sh
runs it with CCMON_GOLDEN_UPDATE=1), so generation and check cannot drift
apart.  They are a record of what the agent said, not a statement of what
is right: that is the job of test_analyze.py, test_spec_situations.py and
the rest.  Regenerate only for an intended change of behaviour, and review
the diff of tests/golden/ as part of it (tests/golden/README.md).

Every run is made deterministic at its source: TZ=UTC, LC_ALL=C, the
inputs copied into a temporary working directory and named by relative
paths (the HTML report shows its command line), --date for a log whose
lines carry no date (never the file's mtime, which a checkout sets).
What no invocation can fix is normalised, and only that: the version
ccmon reports (see VERSION), and in the live alarm stream the wall-clock
times and durations and the syslog header's time and pid (see
without_wall_time).
"""
import difflib
import json
import os
import re
import shutil
import subprocess
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "golden")
FIXTURES = os.path.join(HERE, "fixtures")
SITUATIONS = os.path.join(HERE, "spec_situations")
UPDATE = os.environ.get("CCMON_GOLDEN_UPDATE") == "1"
TIMEOUT = 120  # seconds, per ccmon run

# Logs whose lines carry a time of day only: the day they start, as
# tests/test_analyze.py gives it.  A fixture dated by its mtime fails
# test_fixture (its output would change with every checkout).
FIXTURE_DATES = {"imp-rtr-jsm-1_000431.log": "2026-03-14"}
# The spec situations' router.log are time-of-day traces too.
SITUATION_DATE = "2026-03-14"
# The placeholder for `ccmon --version`'s number in stored outputs.
VERSION = "@VERSION@"


def env():
    e = dict(os.environ)
    e.update(TZ="UTC", LC_ALL="C")
    e.pop("LANG", None)
    e.pop("LANGUAGE", None)
    return e


def version(ccmon):
    r = subprocess.run([ccmon, "--version"], capture_output=True, text=True,
                       env=env(), timeout=TIMEOUT)
    assert r.returncode == 0 and r.stdout.startswith("ccmon "), r
    return r.stdout.split()[1]


def normalise(data, ver):
    return data.replace(("ccmon " + ver).encode(),
                        ("ccmon " + VERSION).encode())


def compare(name, actual):
    """actual (bytes) against tests/golden/NAME, or written there when
    updating."""
    failure = difference(name, actual)
    if failure:
        pytest.fail(failure)


def difference(name, actual):
    """Why actual (bytes) is not tests/golden/NAME, as a unified diff; None
    when it is (or when updating: then it is written there)."""
    path = os.path.join(GOLDEN, name)
    if UPDATE:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(actual)
        return None
    if not os.path.isfile(path):
        return ("%s is missing: run tests/golden/update.sh BUILD_DIR "
                "(see tests/golden/README.md)" % path)
    with open(path, "rb") as f:
        expected = f.read()
    if expected == actual:
        return None
    lines = list(difflib.unified_diff(
        expected.decode("utf-8", "replace").splitlines(keepends=True),
        actual.decode("utf-8", "replace").splitlines(keepends=True),
        "golden/" + name, "now/" + name))
    shown = "".join(lines[:200])
    if len(lines) > 200:
        shown += "... (%d more diff lines)\n" % (len(lines) - 200)
    return ("%s differs from the golden output (behaviour changed; if that "
            "is intended, see tests/golden/README.md):\n%s"
            % (name, shown or "(differs in bytes only)\n"))


def analyze(ccmon, src, files, args, tmp_path):
    """(text, json, html) of `ccmon analyze ARGS` run in tmp_path, where
    the files of folder src are copied: every path is relative, and the
    HTML report, whose provenance shows the command, is written there by
    a name that does not change."""
    for f in files:
        shutil.copyfile(os.path.join(src, f), os.path.join(str(tmp_path), f))
    out = []
    for extra in ([], ["--json"], ["--html", "report.html"]):
        r = subprocess.run([ccmon, "analyze"] + extra + list(args),
                           cwd=str(tmp_path), capture_output=True, env=env(),
                           timeout=TIMEOUT)
        assert r.returncode == 0, (extra, args, r.stderr)
        if extra and extra[0] == "--html":
            with open(os.path.join(str(tmp_path), "report.html"), "rb") as f:
                out.append(f.read())
        else:
            out.append(r.stdout)
    doc = json.loads(out[1])
    dated_by_mtime = [i["path"] for i in doc["inputs"]
                      if i.get("date_source") == "mtime"]
    assert not dated_by_mtime, \
        "dated by the file's mtime (a checkout's time): give %s a date " \
        "in FIXTURE_DATES" % dated_by_mtime
    return out


def check_all(ccmon, folder, src, files, args, tmp_path):
    ver = version(ccmon)
    outputs = zip(("txt", "json", "html"),
                  analyze(ccmon, src, files, args, tmp_path))
    failures = [difference("%s.%s" % (folder, ext), normalise(data, ver))
                for ext, data in outputs]
    failures = [f for f in failures if f]
    if failures:
        pytest.fail("\n".join(failures))


def fixture_logs():
    return sorted(f for f in os.listdir(FIXTURES) if f.endswith(".log"))


def situation_names():
    return sorted(d for d in os.listdir(SITUATIONS)
                  if os.path.isfile(os.path.join(SITUATIONS, d, "router.log")))


@pytest.mark.parametrize("name", fixture_logs())
def test_fixture(ccmon, tmp_path, name):
    args = ["--date", FIXTURE_DATES[name]] if name in FIXTURE_DATES else []
    check_all(ccmon, "fixtures/" + name[:-len(".log")], FIXTURES, [name],
              args + [name], tmp_path)


@pytest.mark.parametrize("name", situation_names())
def test_situation(ccmon, tmp_path, name):
    check_all(ccmon, "spec_situations/" + name,
              os.path.join(SITUATIONS, name), ["ccmon.conf", "router.log"],
              ["--config", "ccmon.conf", "--date", SITUATION_DATE,
               "router.log"], tmp_path)


def test_every_golden_file_is_used():
    """A golden file nothing compares any more (a fixture renamed or
    removed) is stale: it would only mislead."""
    want = {"alarms/stream.txt"}
    for name in fixture_logs():
        want |= {"fixtures/%s.%s" % (name[:-len(".log")], ext)
                 for ext in ("txt", "json", "html")}
    for name in situation_names():
        want |= {"spec_situations/%s.%s" % (name, ext)
                 for ext in ("txt", "json", "html")}
    have = set()
    for sub in ("alarms", "fixtures", "spec_situations"):
        d = os.path.join(GOLDEN, sub)
        if os.path.isdir(d):
            have |= {sub + "/" + f for f in os.listdir(d)}
    if UPDATE:
        for name in have - want:
            os.unlink(os.path.join(GOLDEN, name))
        return
    assert not have - want, "stale golden files: %s" % sorted(have - want)
    assert not want - have, "missing golden files: %s" % sorted(want - have)


# ---- ccmond's alarm stream ---------------------------------------------------
#
# ccmond follows a router log written here, line by line, waiting for each
# step's alarm before the next: the stream is the syslog lines it sent
# (syslog rather than the journal: the same fields, and no journald to run;
# tests/ccmond_harness.py reads them from a socket in a private mount
# namespace).  The live agent shows agent time, which is the wall clock
# (ccmond(8), Times), so these parts of a line are replaced, and only these:
# the syslog header's time and pid, every YYYY-MM-DDTHH:MM:SS.mmm time and
# every N.NNNs duration in the text.

SYSLOG_HEAD = re.compile(r"<(\d+)>\w{3} [ \d]\d \d\d:\d\d:\d\d (\S+?)"
                         r"(?:\[\d+\])?: ")
WALL_TIME = re.compile(r"\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\b")
WALL_DURATION = re.compile(r"\b\d+\.\d{3}s\b")
HOST1, HOST2, PORT = "10.53.52.205", "10.53.52.206", 7999


def without_wall_time(raw):
    line = SYSLOG_HEAD.sub(r"<\1>\2: ", raw.rstrip("\n"), count=1)
    line = WALL_TIME.sub("<time>", line)
    return WALL_DURATION.sub("<duration>", line)


def test_alarm_stream():
    from ccmond_harness import Harness
    try:
        h = Harness("syslog")
    except pytest.skip.Exception as e:
        # An update that leaves the stream as it was would pass unseen.
        if UPDATE:
            pytest.fail("cannot write alarms/stream.txt: %s" % e)
        raise
    try:
        lines = alarm_stream(h)
    finally:
        h.close()
    compare("alarms/stream.txt",
            "".join(without_wall_time(l) + "\n" for l in lines).encode())


def alarm_stream(h):
    """Component cs2's component is lost, the router is refused by its
    server, then gets through: component-down and endpoint-refused raised
    and cleared.  No timer of the agent decides anything (no holds, no
    silence watch, an auth_timeout far longer than any step)."""
    from ccmond_harness import component_of
    c1, c2 = component_of("cs1"), component_of("cs2")
    log = h.log()
    past = time.time() - 10
    log.component(c1, "ACTIVE", t=past)
    log.component(c2, "ACTIVE", t=past + 1)
    h.config([dict(name="cs1", host=HOST1, port=PORT),
              dict(name="cs2", host=HOST2, port=PORT)], auth_timeout="10m")
    d = h.start()
    log.component(c2, "GONE")
    h.wait_alarm("component-down", "raised", c2)
    log.connecting(HOST2, PORT)
    log.refused(HOST2, PORT)
    h.wait_alarm("endpoint-refused", "raised", "cs2")
    log.connecting(HOST2, PORT)
    log.component(c2, "CONNECTED")
    log.component(c2, "ACTIVE")
    h.wait_alarm("endpoint-refused", "cleared", "cs2")
    h.wait_alarm("component-down", "cleared", c2)
    # Whatever it decided is sent before it exits.
    assert d.stop() == 0, d.stderr()
    return [e["_RAW"] for e in h.alarms(impact=True)]

# SPDX-License-Identifier: ISC
"""Fault injection: ccmond (and ccmon analyze) under the faults an IM&P node
can throw at them -- a log directory that cannot be read, a log deleted
and never recreated, a state_dir that is full or read-only, a 50 MB line,
a file of random bytes, timestamps running backwards, 100 components
flapping at once, probe targets that accept and never answer, snmpd
killed with -9 again and again, and a configuration with every kind of
error at once.

ccmond runs as in tests/test_ccmond.py: in a private mount namespace with
a systemd-journald of its own (tests/ccmond_harness.py), so these tests
need root, unshare, nsenter and /lib/systemd/systemd-journald, and skip
with the reason otherwise.  CCMOND and CCMON name the binaries.  The
unreadable and read-only cases run ccmond as nobody (root reads and writes
everything).  Figures (memory) are printed to the terminal even under -q.
The servers have the harness's neutral profile (no user waits on it):
component-down is a warning (ccmond(8), "What each alarm means for users").
"""
import json
import os
import random
import re
import subprocess
import sys
import time

import pytest

from ccmond_harness import (STEP, Harness, binaries, component_of,
                            message_ids, read, stamp, wait_for)
from test_snmp import (SENT, C1, e, key_of,  # noqa: F401 (fixture e)
                       key_of_entry, history as snmp_history,
                       srv as snmp_srv)
from test_ccmond import (check_entry, check_ids, history, one_pair,
                         received, srv)

C1 = component_of("cs1")
C2 = component_of("cs2")
C3 = component_of("cs3")
HOST1, HOST2, HOST3 = "10.53.52.205", "10.53.52.206", "10.53.52.207"
SERVERS = [srv("cs1", HOST1), srv("cs2", HOST2), srv("cs3", HOST3)]
NOBODY = (65534, 65534)
MIB = 1 << 20
TIME = "/usr/bin/time"
# ccmond(8): a rotated (or deleted) file is drained until idle this long
# (tail.c: drain_usec default 5 s), and the periodic check runs every 1 s.
CCMOND_DRAIN_S = 5.0
CCMOND_POLL_S = 1.0
# log_silent_after where log-silent marks that the drain time has passed
# on ccmond's clock: longer than it by a few periodic checks.
LOG_SILENT_S = CCMOND_DRAIN_S + 3 * CCMOND_POLL_S
# ... and where it marks that a lazy save (agent/daemon/sources.c: a second after
# ordinary lines) is past.
LAZY_MARK_S = 3


@pytest.fixture(scope="module")
def ids():
    return message_ids()


# ---- small helpers ---------------------------------------------------------

def proc_status(pid):
    """VmRSS, VmHWM ... of /proc/PID/status, in KiB."""
    out = {}
    for line in read("/proc/%d/status" % pid).splitlines():
        m = re.match(r"(Vm\w+):\s+(\d+) kB", line)
        if m:
            out[m.group(1)] = int(m.group(2))
    return out


def fd_targets(pid):
    d = "/proc/%d/fd" % pid
    out = []
    try:
        names = os.listdir(d)
    except OSError:
        return out
    for n in names:
        try:
            out.append(os.readlink(os.path.join(d, n)))
        except OSError:
            pass
    return out


def figure(capsys, text):
    """A figure for the report, shown even under pytest -q."""
    with capsys.disabled():
        sys.stdout.write("\n[figure] %s\n" % text)
        sys.stdout.flush()


def agent_stats(h):
    rc, doc, _ = h.status()
    return doc.get("agent") if rc == 0 and doc else None


def silent_now(h):
    """The active log-silent alarms, as ccmon status says."""
    rc, doc, _ = h.status()
    return [a for a in (doc or {}).get("alarms", [])
            if a["type"] == "log-silent"] if rc == 0 else []


def stderr_count(d, text):
    return sum(1 for l in list(d.stderr_lines) if text in l)


def last_per_alarm(h, alarm, entries=None):
    """resource -> the states of its messages, in order."""
    out = {}
    for e in h.select(alarm, entries=entries):
        out.setdefault(e["CCMON_RESOURCE"].lower(), []).append(
            e["CCMON_STATE"])
    return out


def run_timed(argv, timeout=120):
    """argv under /usr/bin/time -f %M: (CompletedProcess, peak RSS KiB)."""
    if not os.access(TIME, os.X_OK):
        pytest.skip("%s is missing (Debian package 'time')" % TIME)
    r = subprocess.run([TIME, "-f", "ccmon-peak-rss %M"] + list(argv),
                       capture_output=True, text=True, timeout=timeout)
    m = re.search(r"^ccmon-peak-rss (\d+)$", r.stderr, re.M)
    assert m, "no peak RSS from %s:\n%s" % (TIME, r.stderr[-2000:])
    return r, int(m.group(1))


# ---- 1. the log directory cannot be read ------------------------------------

def test_log_directory_unreadable_then_readable(h, ids):
    """chmod 000 on the log directory under a non-root ccmond: log-unreadable
    raised; chmod back: cleared, and the lines are processed exactly once
    (the ones written meanwhile included, the ones read before not again)."""
    log = h.log()
    history(log, [(C1, "ACTIVE"), (C2, "ACTIVE"), (C3, "ACTIVE")])
    h.config(SERVERS, log_silent_after="%ds" % LOG_SILENT_S)
    d = h.start(user=NOBODY)
    log.component(C1, "GONE")
    h.wait_alarm("component-down", "raised", C1)
    log.component(C1, "ACTIVE")
    h.wait_alarm("component-down", "cleared", C1)

    problems = []
    os.chmod(h.logdir, 0)
    try:
        # Longer than the drain time of a file no name leads to any more.
        raised = wait_for(lambda: h.select("log-unreadable", "raised"),
                          timeout=CCMOND_DRAIN_S + 2 * CCMOND_POLL_S)
        if not raised:
            problems.append("no log-unreadable raised within %.0f s of "
                            "chmod 000 %s" % (CCMOND_DRAIN_S +
                                               2 * CCMOND_POLL_S, h.logdir))
        # The router writes on through its open descriptor: read through
        # it, the directory being no rotation.
        log.component(C2, "GONE")
        h.wait_alarm("component-down", "raised", C2)
        # Then silence, longer than the drain time of a file no name leads
        # to: log-silent, decided on ccmond's own clock after
        # LOG_SILENT_S of it, is the marker that the drain time ran out
        # with no line (a file wrongly drained is closed by then).
        silent = wait_for(lambda: silent_now(h), timeout=LOG_SILENT_S + STEP)
        assert silent, "no log-silent within %.0f s of the last line; " \
            "alarms:\n%s" % (LOG_SILENT_S + STEP, h.describe())
        assert d.alive(), d.stderr()
        st = agent_stats(h)
        assert st is not None and st["files_open"] == 1, \
            "the log's file is no longer followed while its directory " \
            "cannot be read: %s" % st
    finally:
        os.chmod(h.logdir, 0o755)
    if raised:
        e = raised[0]
        resource = e["CCMON_RESOURCE"]
        if resource not in (h.logdir, os.path.join(h.logdir,
                                                   "rtr-jsm-1_*.log"),
                            log.path):
            problems.append("log-unreadable about %r, not the log "
                            "directory or pattern" % resource)
        check_entry(e, ids, "log-unreadable", "raised", resource, "major")
        if not wait_for(lambda: h.select("log-unreadable", "cleared",
                                         resource), timeout=10):
            problems.append("log-unreadable not cleared within 10 s of "
                            "chmod 755")
    h.wait_alarm("component-down", "raised", C2, timeout=10)
    log.component(C2, "ACTIVE")
    h.wait_alarm("component-down", "cleared", C2)
    # C3's raise is the marker: lines read again would be read before
    # its line, which is later in the same file.
    log.component(C3, "GONE")
    h.wait_alarm("component-down", "raised", C3)
    assert d.stop() == 0, d.stderr()
    entries = h.alarms()
    per = last_per_alarm(h, "component-down", entries)
    if per.get(C1) != ["raised", "cleared"]:
        problems.append(
            "%s: lines read before the directory became unreadable were "
            "read again as news once it was readable: component-down "
            "messages %s, want one raise and one clear" % (C1, per.get(C1)))
    if per.get(C2) != ["raised", "cleared"]:
        problems.append("%s: component-down messages %s, want one raise "
                        "and one clear" % (C2, per.get(C2)))
    if per.get(C3) != ["raised"]:
        problems.append("%s: component-down messages %s, want one raise"
                        % (C3, per.get(C3)))
    assert not problems, "\n".join(problems) + \
        "\nalarms:\n%s\nccmond stderr:\n%s" % (h.describe(entries),
                                                d.stderr())


# ---- 2. the log is deleted and never recreated -----------------------------

def test_log_deleted_and_not_recreated(h, ids):
    """The file is deleted while the router still writes to it, then the
    router stops: the lines written to the deleted file count, the file is
    closed once drained (no descriptor held on a deleted file), log-silent
    is raised, ccmond keeps running; a new file later is followed."""
    logpath = os.path.join(h.logdir, "router.log")
    log = h.log("router.log")
    history(log, [(C1, "ACTIVE"), (C2, "ACTIVE")])
    h.config(SERVERS, log=logpath, log_silent_after="3s")
    d = h.start()
    log.noise(3)
    os.unlink(logpath)
    log.component(C1, "GONE")          # into the deleted file
    h.wait_alarm("component-down", "raised", C1)
    log.close()                        # the router stops; nothing new
    t_stop = time.time()
    silent = h.wait_alarm("log-silent", "raised", logpath)[0]
    check_entry(silent, ids, "log-silent", "raised", logpath, "minor")
    waited = received(silent) - t_stop
    assert waited >= 3 - 0.5, \
        "log-silent %.1f s after the last line, log_silent_after 3s" % waited

    def holds_deleted():
        return [t for t in fd_targets(d.pid)
                if t.startswith(logpath) or t.endswith("(deleted)")]
    gone = wait_for(lambda: not holds_deleted(),
                    timeout=CCMOND_DRAIN_S + 3 * CCMOND_POLL_S)
    assert gone, "ccmond still holds the deleted log %.0f s later: %s" % (
        CCMOND_DRAIN_S + 3 * CCMOND_POLL_S, holds_deleted())
    assert d.alive(), d.stderr()
    st = agent_stats(h)
    assert st is not None, "ccmon status does not answer"
    assert st["files_open"] == 0, st
    # Nothing wrong is reported beyond the silence.
    assert not h.select("log-unreadable"), h.describe()

    # The router starts again, in a new file under the same name.
    log2 = h.log("router.log")
    log2.component(C1, "ACTIVE")
    h.wait_alarm("component-down", "cleared", C1, timeout=10)
    h.wait_alarm("log-silent", "cleared", logpath, timeout=10)
    time.sleep(0.5)
    assert d.stop() == 0, d.stderr()
    entries = h.alarms()
    one_pair(h, ids, "component-down", C1, "warning", entries)
    one_pair(h, ids, "log-silent", logpath, "minor", entries)
    assert len(entries) == 4, h.describe(entries)


# ---- 3. state_dir full or read-only ----------------------------------------

class StateFault:
    """A state_dir that can be made to refuse writes and then repaired.
    full: a 64 KiB tmpfs mounted on it in the namespace, filled up;
    readonly: mode 0555 under a ccmond run as nobody."""

    def __init__(self, h, kind):
        self.h = h
        self.kind = kind
        self.fill = os.path.join(h.state_dir, "fill")
        self.broken = False
        if kind == "full":
            r = h.ns.run(["mount", "-n", "-t", "tmpfs", "-o",
                          "size=64k,mode=0755", "ccmon-state", h.state_dir])
            if r.returncode != 0:
                pytest.skip("cannot mount a tmpfs on state_dir in the "
                            "namespace: " + r.stderr.strip())

    def user(self):
        return NOBODY if self.kind == "readonly" else None

    def break_(self):
        if self.kind == "full":
            self.h.ns.run(["sh", "-c", 'dd if=/dev/zero of="$1" bs=4096 '
                           '2>/dev/null; exit 0', "sh", self.fill])
            r = self.h.ns.run(["df", "-k", "--output=avail",
                               self.h.state_dir])
            avail = r.stdout.split()[-1] if r.returncode == 0 else "?"
            assert avail == "0", "state_dir not full: %s KiB free" % avail
        else:
            os.chmod(self.h.state_dir, 0o555)
        self.broken = True

    def repair(self):
        if self.kind == "full":
            self.h.ns.run(["rm", "-f", self.fill])
        else:
            os.chmod(self.h.state_dir, 0o755)
        self.broken = False

    def state(self):
        r = self.h.ns.run(["cat", os.path.join(self.h.state_dir,
                                               "state.json")])
        assert r.returncode == 0, r.stderr
        return json.loads(r.stdout)


@pytest.mark.parametrize("kind", ["full", "readonly"])
def test_state_write_fails_alarms_go_on(h, ids, kind):
    """A state file that cannot be written: ccmond says so once, keeps
    running and loses no alarm; once space (or write permission) is back
    it says so and the state is current again."""
    log = h.log()
    history(log, [(C1, "ACTIVE"), (C2, "ACTIVE")])
    h.config(SERVERS, log_silent_after="%ds" % LAZY_MARK_S)
    fault = StateFault(h, kind)
    d = h.start(user=fault.user())
    assert fault.state()["version"] == 1
    fault.break_()
    try:
        log.component(C1, "GONE")
        h.wait_alarm("component-down", "raised", C1)
        said = wait_for(lambda: stderr_count(d, "cannot save the state"),
                        timeout=5)
        assert said, "no 'cannot save the state' on stderr:\n" + d.stderr()
        log.component(C1, "ACTIVE")
        h.wait_alarm("component-down", "cleared", C1)
        log.component(C2, "GONE")
        h.wait_alarm("component-down", "raised", C2)
        # A lazy save of the ordinary lines fails too.  Its marker:
        # log-silent, decided on ccmond's clock LAZY_MARK_S after they
        # were read, later than the save due a second after.
        lines = agent_stats(h)["lines"] + 20
        log.noise(20)
        marked = wait_for(lambda: agent_stats(h)["lines"] >= lines and
                          silent_now(h), timeout=LAZY_MARK_S + STEP)
        assert marked, "no log-silent after the ordinary lines:\n%s\n%s" \
            % (agent_stats(h), h.describe())
        assert d.alive(), d.stderr()
        rc, doc, err = h.status()
        assert rc == 0, err
        assert [a["resource"].lower() for a in doc["alarms"]
                if a["type"] == "component-down"] == [C2], doc
        assert stderr_count(d, "cannot save the state") == 1, \
            "the failure is to be said once:\n" + d.stderr()
        line = [l for l in d.stderr_lines if "cannot save the state" in l][0]
        want = "No space left on device" if kind == "full" else \
            "Permission denied"
        assert want in line and "state.json" in line, line
    finally:
        fault.repair()
    log.component(C2, "ACTIVE")
    h.wait_alarm("component-down", "cleared", C2)
    assert wait_for(lambda: stderr_count(d, "state saved again"),
                    timeout=5), \
        "no 'state saved again' after the repair:\n" + d.stderr()
    size = os.path.getsize(log.path)
    st = wait_for(lambda: (lambda s: s if [f["offset"] for f in s["files"]]
                           == [size] else None)(fault.state()))
    assert st, fault.state()
    assert st.get("alarms", {}).get("alarms", []) == [], st
    assert d.stop() == 0, d.stderr()

    # The saved state is the truth: a restart repeats nothing.  C1's
    # raise is the marker: a line read again is read before its line.
    d2 = h.start(user=fault.user())
    log.component(C1, "GONE")
    h.wait_alarm("component-down", "raised", C1, count=2)
    assert d2.stop() == 0, d2.stderr()
    entries = h.select("component-down")
    assert key_of_entry(entries[-1])[1] == "raised" and \
        entries[-1]["CCMON_RESOURCE"].lower() == C1, h.describe(entries)
    entries = entries[:-1]
    one_pair(h, ids, "component-down", C1, "warning", entries)
    one_pair(h, ids, "component-down", C2, "warning", entries)
    assert len(entries) == 4, h.describe(entries)


def test_state_dir_full_from_the_start(h, ids):
    """Started on a state_dir already full (its lock file there from an
    earlier run): ccmond starts all the same, says once that it cannot
    save, raises and clears; once space is back the state is saved."""
    log = h.log()
    history(log, [(C1, "ACTIVE")])
    h.config(SERVERS)
    fault = StateFault(h, "full")
    d = h.start()
    assert d.stop() == 0, d.stderr()
    fault.break_()
    try:
        d = h.start()
        assert wait_for(lambda: stderr_count(d, "cannot save the state"),
                        timeout=5), d.stderr()
        log.component(C1, "GONE")
        h.wait_alarm("component-down", "raised", C1)
        log.component(C1, "ACTIVE")
        h.wait_alarm("component-down", "cleared", C1)
        assert stderr_count(d, "cannot save the state") == 1, d.stderr()
    finally:
        fault.repair()
    log.noise()
    assert wait_for(lambda: stderr_count(d, "state saved again"),
                    timeout=5), d.stderr()
    assert d.stop() == 0, d.stderr()
    assert fault.state()["files"][0]["offset"] == os.path.getsize(log.path)
    one_pair(h, ids, "component-down", C1, "warning")


def test_state_dir_read_only_at_start_refused(h):
    """A state_dir the (non-root) agent cannot write at all when it
    starts: it cannot take its lock, and refuses with the reason
    (ccmond(8), EXIT STATUS: 1, an unusable state file)."""
    log = h.log()
    history(log, [(C1, "ACTIVE")])
    h.config(SERVERS)
    os.chmod(h.workdir, 0o755)
    for dd in (h.state_dir, h.runtime_dir):
        os.chown(dd, *NOBODY)
    os.chmod(h.state_dir, 0o555)
    try:
        d = h.start(user=NOBODY, ready=False)
        try:
            rc = d.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            rc = None
        d.close()
    finally:
        os.chmod(h.state_dir, 0o755)
    err = d.stderr()
    assert rc == 1, "exit %s; stderr:\n%s" % (rc, err)
    assert h.state_dir in err and "Permission denied" in err, err
    assert "start failed" in err, err


# ---- 4. a 50 MB line --------------------------------------------------------

def big_line(size, name):
    """One line of size bytes (newline included) holding the message of a
    GONE component at its start, in its middle and at its end."""
    msg = "Component %s is GONE" % name
    head = ("%s |info router %s " % (stamp(), msg)).encode()
    tail = (" %s\n" % msg).encode()
    mid = (" %s " % msg).encode()
    fill = size - len(head) - len(tail) - len(mid)
    pad = b"x" * (fill // 2)
    return head + pad + mid + b"y" * (fill - len(pad)) + tail


def test_50mb_line_live(h, ids, capsys):
    log = h.log()
    history(log, [(C1, "ACTIVE"), (C2, "ACTIVE")])
    h.config(SERVERS)
    d = h.start()
    st0 = agent_stats(h)
    assert st0 and st0["overlong"] == 0, st0
    m0 = proc_status(d.pid)
    data = big_line(50 * 1000 * 1000, C1)
    # Written as a logger does, 1 MiB at a time, as fast as it can.
    for off in range(0, len(data), MIB):
        os.write(log.fd, data[off:off + MIB])
    log.component(C2, "GONE")
    h.wait_alarm("component-down", "raised", C2, timeout=30)
    st = wait_for(lambda: (lambda s: s if s and s["lines"] >= st0["lines"]
                           + 2 else None)(agent_stats(h)), timeout=10)
    m1 = proc_status(d.pid)
    figure(capsys, "ccmond 50 MB line: VmRSS %d -> %d KiB, VmHWM %d -> "
           "%d KiB (max_line 1 MiB)" % (m0["VmRSS"], m1["VmRSS"],
                                        m0["VmHWM"], m1["VmHWM"]))
    assert st, agent_stats(h)
    assert st["overlong"] == 1, st
    assert st["lines"] == st0["lines"] + 2, (st0, st)
    assert d.alive(), d.stderr()
    assert not h.select(resource=C1), \
        "a message inside the overlong line was recognised:\n" + \
        h.describe()
    # Bounded by max_line and the read buffer, not by the line.
    assert m1["VmHWM"] - m0["VmRSS"] < 16 * 1024, (m0, m1)
    # The positions moved past it: a restart does not read it again.
    assert d.stop() == 0, d.stderr()
    st_file = json.loads(read(os.path.join(h.state_dir, "state.json")))
    assert [f["offset"] for f in st_file["files"]] == \
        [os.path.getsize(log.path)], st_file


def test_50mb_line_analyze(tmp_path, capsys):
    _, ccmon = binaries()
    path = tmp_path / "rtr-jsm-1_000001.log"
    with open(path, "wb") as f:
        f.write(("%s |info router Component %s is ACTIVE\n"
                 % (stamp(time.time() - 60), C1)).encode())
        f.write(big_line(50 * 1000 * 1000, C1))
        f.write(("%s |info router Component %s is GONE\n"
                 % (stamp(), C2)).encode())
    try:
        r, peak = run_timed([ccmon, "analyze", "--json", str(path)])
    finally:
        os.unlink(path)   # pytest keeps tmp_path of the last runs
    # the same run over the short lines alone: what the process needs
    # anyway (more under the sanitizers' runtime)
    with open(path, "wb") as f:
        f.write(("%s |info router Component %s is ACTIVE\n"
                 % (stamp(time.time() - 60), C1)).encode())
    try:
        _, base = run_timed([ccmon, "analyze", "--json", str(path)])
    finally:
        os.unlink(path)
    figure(capsys, "ccmon analyze, a 50 MB line: VmHWM %d KiB (%d KiB "
           "without it)" % (peak, base))
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    inp = doc["inputs"][0]
    assert (inp["lines"], inp["recognized"], inp["overlong"]) == (3, 2, 1), \
        inp
    assert [c["name"] for c in doc["components"]] == sorted([C1, C2])
    assert [i["component"] for i in doc["incidents"]] == [C2], doc
    # never the line whole: at most max_line (1 MiB) and buffers more
    assert peak - base < 16 * 1024, \
        "peak RSS %d KiB for a 50 MB line, %d KiB without" % (peak, base)


# ---- 5. a file of random bytes ---------------------------------------------

def random_bytes(rng, n, newlines=True):
    data = rng.randbytes(n)
    return data if newlines else data.replace(b"\n", b"\xff")


def test_random_bytes_file(h, ids, capsys):
    rng = random.Random(20261103)
    log = h.log()
    history(log, [(C1, "ACTIVE")])
    # One there before the start (replayed), one appearing while running.
    before = os.path.join(h.logdir, "rtr-jsm-1_000000.log")
    with open(before, "wb") as f:
        f.write(random_bytes(rng, 2 * MIB))
    h.config(SERVERS)
    d = h.start()
    m0 = proc_status(d.pid)
    after = os.path.join(h.logdir, "rtr-jsm-1_000002.log")
    fd = os.open(after, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        for _ in range(4):
            os.write(fd, random_bytes(rng, MIB))
        # 3 MiB without a newline: an overlong "line" of noise
        os.write(fd, random_bytes(rng, 3 * MIB, newlines=False) + b"\n")
        os.write(fd, random_bytes(rng, MIB))
    finally:
        os.close(fd)
    log.component(C1, "GONE")
    h.wait_alarm("component-down", "raised", C1, timeout=20)
    rc, doc, err = h.status()
    assert rc == 0, err
    assert doc["agent"]["recognized"] >= 2, doc["agent"]
    assert doc["agent"]["overlong"] >= 1, doc["agent"]
    assert [c["name"].lower() for c in doc["components"]] == \
        sorted([C1, C2, C3]), doc["components"]
    m1 = proc_status(d.pid)
    figure(capsys, "ccmond random bytes (9 MiB): VmRSS %d -> %d KiB, "
           "VmHWM %d KiB" % (m0["VmRSS"], m1["VmRSS"], m1["VmHWM"]))
    assert d.alive(), d.stderr()
    time.sleep(0.5)
    assert d.stop() == 0, d.stderr()
    entries = h.alarms()
    assert [(e["CCMON_ALARM"], e["CCMON_RESOURCE"].lower())
            for e in entries] == [("component-down", C1)], \
        h.describe(entries)

    # The analyzer on the same bytes: no crash, nothing recognised.
    _, ccmon = binaries()
    r = subprocess.run([ccmon, "analyze", "--json", before, after],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert sum(i["recognized"] for i in doc["inputs"]) == 0, doc["inputs"]
    assert doc["components"] == [] and doc["incidents"] == [], doc


# ---- 6. timestamps running backwards ---------------------------------------

BACKWARDS = [  # (time of day, component, state): hours back and forth
    ("10:00:00.000", "ACTIVE"), ("10:00:10.000", "GONE"),
    ("10:00:20.000", "ACTIVE"), ("07:00:00.000", "GONE"),      # -3 h
    ("07:00:30.000", "CONNECTED"), ("07:00:31.000", "ACTIVE"),
    ("09:30:00.000", "GONE"), ("04:00:00.000", "CONNECTED"),   # -5.5 h
    ("04:00:05.000", "ACTIVE"), ("11:00:00.000", "GONE"),
    ("08:00:00.000", "ACTIVE"), ("06:00:00.000", "GONE"),      # -2 h twice
    ("06:00:02.000", "ACTIVE"),
]


def ms_of(t):
    return time.mktime(time.strptime(t[:19], "%Y-%m-%dT%H:%M:%S")) + \
        int(t[20:23]) / 1000.0


@pytest.mark.parametrize("dated", [True, False], ids=["date", "mtime"])
def test_backwards_timestamps_analyze(tmp_path, dated):
    _, ccmon = binaries()
    path = tmp_path / "rtr-jsm-1_000001.log"
    with open(path, "w") as f:
        for tod, state in BACKWARDS:
            f.write("%s |info router Component %s is %s\n" % (tod, C1, state))
    argv = [ccmon, "analyze", "--json"] + \
        (["--date", "2026-11-03"] if dated else []) + [str(path)]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    comp = doc["components"][0]
    # Every transition, in the order of the log.
    states = [s.lower() for _, s in BACKWARDS]
    want = [s for i, s in enumerate(states) if i == 0 or s != states[i - 1]]
    assert [t["state"] for t in comp["transitions"]] == want, comp
    assert [t["line"] for t in comp["transitions"]] == \
        list(range(1, len(BACKWARDS) + 1)), comp
    times = [ms_of(t["time"]) for t in comp["transitions"]]
    assert times == sorted(times), \
        "transition times run backwards: %s" % [t["time"] for t in
                                                comp["transitions"]]
    assert comp["downtime_s"] >= 0, comp
    for inc in doc["incidents"]:
        assert inc["duration_s"] >= 0, inc
        if inc["end"] is not None:
            assert ms_of(inc["end"]) >= ms_of(inc["start"]), inc
    assert len(doc["incidents"]) == comp["incidents"] == 5, doc["incidents"]
    assert sum(i["duration_s"] for i in doc["incidents"]
               if not i["open"]) == pytest.approx(comp["downtime_s"],
                                                  abs=0.002)
    # The text report copes as well.
    r = subprocess.run(argv[:2] + argv[3:], capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 0, r.stderr
    assert not re.search(r"(?<![\w:.-])-\d+\.\d{3}s", r.stdout), r.stdout


def test_backwards_timestamps_live(h, ids):
    """Lines stamped hours back, and going back further: the transitions
    are applied in the order they come, alarms raised and cleared, no
    negative durations, the clock warning said once."""
    log = h.log()
    history(log, [(C1, "ACTIVE"), (C2, "ACTIVE")])
    h.config(SERVERS)
    d = h.start()
    now = time.time()
    log.component(C1, "GONE", t=now - 3 * 3600)
    log.component(C1, "CONNECTED", t=now - 5 * 3600)
    h.wait_alarm("component-down", "raised", C1)
    log.component(C1, "ACTIVE", t=now - 4 * 3600)
    h.wait_alarm("component-down", "cleared", C1)
    log.component(C2, "GONE", t=now - 9 * 3600)
    h.wait_alarm("component-down", "raised", C2)
    log.component(C2, "ACTIVE", t=now - 10 * 3600)
    h.wait_alarm("component-down", "cleared", C2)
    c1 = h.status_component(C1)
    assert c1 and c1["state"].lower() == "active", c1
    assert c1["transitions"] == 4, c1     # unknown>ACTIVE>GONE>CONN>ACTIVE
    assert d.alive(), d.stderr()
    time.sleep(0.5)
    assert d.stop() == 0, d.stderr()
    entries = h.alarms()
    for comp in (C1, C2):
        raised, cleared = one_pair(h, ids, "component-down", comp,
                                   "warning", entries)
        assert cleared["CCMON_ENDED"] >= raised["CCMON_SINCE"], \
            (raised, cleared)
    assert not h.select("auth-failure", entries=entries)
    assert len(entries) == 4, h.describe(entries)
    warned = [l for l in d.stderr_lines if "check the clocks" in l]
    assert len(warned) == 1, d.stderr()


# ---- 7. 100 components flapping at once ------------------------------------

FLAP_N = 100
FLAP_ROUNDS = 10
FLAP_THRESHOLD = 4
FLAP_WINDOW_S = 5


def test_100_components_flapping(h, ids, capsys):
    """Every component goes GONE/ACTIVE 10 times in 2 s.  ccmond(8): a
    condition that changes flap_threshold times within flap_window is
    raised once and stays raised until quiet; alarm.h bounds it to
    flap_threshold + 1 messages; and no alarm sends more than
    alarm_rate_limit.  Each alarm ends cleared."""
    names = ["f%03d" % i for i in range(FLAP_N)]
    comps = [component_of(n) for n in names]
    log = h.log()
    history(log, [(c, "ACTIVE") for c in comps], step=0.01)
    h.config([srv(n, "10.77.%d.%d" % (i // 200, i % 200 + 1))
              for i, n in enumerate(names)],
             flap_window="%ds" % FLAP_WINDOW_S,
             flap_threshold=str(FLAP_THRESHOLD),
             alarm_rate_limit="30/m")
    d = h.start()
    t0 = time.monotonic()
    slow = []
    for r in range(FLAP_ROUNDS):
        for c in comps:
            log.component(c, "GONE")
        time.sleep(0.1)
        for c in comps:
            log.component(c, "ACTIVE")
        time.sleep(0.1)
        if r % 3 == 1:
            t = time.monotonic()
            rc, _, err = h.status()
            if rc != 0 or time.monotonic() - t > 2:
                slow.append((rc, round(time.monotonic() - t, 2), err))
    storm = time.monotonic() - t0

    def all_cleared():
        per = last_per_alarm(h, "component-down")
        return per if len(per) == FLAP_N and all(
            s[-1] == "cleared" for s in per.values()) else None
    per = wait_for(all_cleared, timeout=FLAP_WINDOW_S + 20, interval=0.5)
    entries = h.alarms()
    per = last_per_alarm(h, "component-down", entries)
    counts = sorted(len(v) for v in per.values())
    figure(capsys, "100 components x %d changes in %.1f s: %d alarm "
           "messages, per component min %d max %d" % (
               2 * FLAP_ROUNDS, storm, len(entries), counts[0] if counts
               else 0, counts[-1] if counts else 0))
    assert not slow, "ccmon status slow or failing during the storm: %s" \
        % slow
    assert d.alive(), d.stderr()
    assert set(per) == set(comps), sorted(set(comps) - set(per))[:5]
    over = {c: s for c, s in per.items() if len(s) > FLAP_THRESHOLD + 1}
    assert not over, "more than flap_threshold + 1 = %d messages: %s" % (
        FLAP_THRESHOLD + 1, list(over.items())[:3])
    assert all(len(s) <= 30 for s in per.values())   # alarm_rate_limit
    unfinished = {c: s for c, s in per.items() if s[-1] != "cleared"}
    assert not unfinished, "not cleared %d s after the storm: %s" % (
        FLAP_WINDOW_S + 20, list(unfinished.items())[:3])
    check_ids(h, entries)
    flagged = [e for e in entries if e.get("CCMON_FLAPPING") == "yes"]
    assert {e["CCMON_RESOURCE"].lower() for e in flagged} == set(comps), \
        "components whose messages never say flapping: %s" % sorted(
            set(comps) - {e["CCMON_RESOURCE"].lower() for e in flagged})[:5]
    assert not [e for e in entries if e["CCMON_ALARM"] != "component-down"]
    assert d.stop() == 0, d.stderr()


# ---- 8. snmpd killed with -9 ------------------------------------------------

KILLS = 10


def test_snmpd_killed_9(e, capsys):
    """snmpd killed with -9 again and again while alarms come and go:
    ccmond goes on, loses no notification, repeats none, says each absence
    once, and keeps no descriptor of the dead masters."""
    e.snmpd.start()
    log = e.h.log()
    snmp_history(log, [(C1, "ACTIVE")])
    e.config([snmp_srv(0)])
    d = e.h.start()
    e.served()
    sent = 0
    for i in range(KILLS + 1):
        if i == 1:
            # after one round: the journal's socket opens at the first
            # alarm
            before = sorted(fd_targets(d.pid))
        e.snmpd.kill9()
        for state, kind in (("GONE", "raised"), ("ACTIVE", "cleared")):
            log.component(C1, state)
            e.h.wait_alarm("component-down", kind, C1, count=i + 1)
        sent += 2
        e.snmpd.start()
        e.served()
        e.wait_ccmon(sent)
        e.wait_scalar(SENT, sent)
    after = sorted(fd_targets(d.pid))
    keys = [key_of(t) for t in e.ccmon_traps()]
    assert len(keys) == sent and len(set(keys)) == sent, \
        e.trapd.describe_traps()
    assert sorted(keys) == sorted(key_of_entry(x) for x in e.h.alarms())
    lost = [x for x in e.agentx_lines(d) if "lost the AgentX master" in x]
    back = [x for x in e.agentx_lines(d) if "back with the AgentX" in x]
    assert len(lost) == KILLS + 1 and len(back) == KILLS + 1, d.stderr()
    # the same number, only the master's socket renewed
    assert len(after) == len(before), "fds before:\n%s\nafter:\n%s" % (
        "\n".join(before), "\n".join(after))
    assert d.alive(), d.stderr()
    figure(capsys, "snmpd killed -9 %d times: %d notifications, each once; "
           "ccmond fds %d after the first kill, %d after the last"
           % (KILLS + 1, len(keys), len(before), len(after)))
    assert d.stop() == 0, d.stderr()


# ---- 9. probe targets that accept and never answer ---------------------------

PROBE_TIMEOUT_S = 1.0


def test_probe_targets_accept_and_never_answer(h, ids, capsys):
    ports = [h.cs_server("hang")[1] for _ in range(3)]
    names = ["cs1", "cs2", "cs3"]
    log = h.log()
    history(log, [(component_of(n), "ACTIVE") for n in names])
    h.config([srv(n, "127.0.0.1", p, probe="stream", probe_interval="2s",
                  probe_timeout="%dms" % (PROBE_TIMEOUT_S * 1000))
              for n, p in zip(names, ports)])
    t0 = time.time()
    d = h.start()
    for n in names:
        e = h.wait_alarm("probe-failing", "raised", n)[0]
        check_entry(e, ids, "probe-failing", "raised", n, "major")
        took = received(e) - t0
        assert took >= PROBE_TIMEOUT_S - 0.1, \
            "probe-failing for %s %.2f s after the start, probe_timeout " \
            "%.1f s" % (n, took, PROBE_TIMEOUT_S)
        assert "timeout" in e["MESSAGE"], e["MESSAGE"]
    # Responsive while the probes hang (they do, every 2 s, 1 s each).
    worst = 0.0
    socks = []
    for _ in range(12):
        t = time.monotonic()
        rc, doc, err = h.status()
        worst = max(worst, time.monotonic() - t)
        assert rc == 0, err
        socks.append(sum(1 for x in fd_targets(d.pid)
                         if x.startswith("socket:")))
        time.sleep(0.25)
    for n in names:
        c = [c for c in doc["components"]
             if c["name"].lower() == component_of(n)][0]
        assert c["probe"]["result"] == "timeout", c["probe"]
        assert c["probe"]["probes"] >= 2, c["probe"]
    figure(capsys, "hanging probe targets: ccmon status worst %.3f s; "
           "ccmond sockets min %d max %d" % (worst, min(socks), max(socks)))
    assert worst < 1.0, "ccmon status took %.2f s while probes hung" % worst
    # Each hung probe is closed at its timeout: sockets do not pile up
    # (status socket, journal, notify, and at most one probe per server).
    assert max(socks) <= 4 + len(names), socks
    assert d.alive(), d.stderr()
    assert d.stop() == 0, d.stderr()
    entries = h.alarms()
    assert all(len(h.select("probe-failing", "raised", n, entries)) == 1
               for n in names), h.describe(entries)


# ---- 10. a configuration with every kind of error ---------------------------

def documented_rules():
    """(errors, warnings): the rule ids of ccmon.conf(5)'s RULES."""
    src = read(os.path.join(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))), "doc", "ccmon.conf.5"))
    m = re.search(r"^\.SH RULES\n(.*?)^\.SH ", src, re.S | re.M)
    assert m, "no RULES section in ccmon.conf.5"
    errors, warnings, cur = [], [], None
    prev = ""
    for line in m.group(1).splitlines():
        if line.startswith("Errors:"):
            cur = errors
        elif line.startswith("Warnings:"):
            cur = warnings
        else:
            r = re.fullmatch(r"\.B ([a-z][a-z\\-]*)", line)
            if r and cur is not None and re.match(r"\.T[PQ]", prev):
                cur.append(r.group(1).replace("\\-", "-"))
        prev = line
    return errors, warnings


def every_error_config(tmp):
    """(lines of text, expected findings as (line, level, rule))."""
    log = "%s/log/rtr-jsm-1_*.log" % tmp
    L = [  # (text, rule or None, level)
        ("stray = 1", "no-section", "error"),
        ("[agent]", None, None),
        ("log = relative/rtr.log", "path", "error"),
        ("log = " + log, None, None),
        ("node = bad node!", "node-name", "error"),
        ("state_dir = var/lib/ccmon", "path", "error"),
        ("runtime_dir = %s/run" % tmp, None, None),
        ("auth_timeout = 10 parsecs", "duration", "error"),
        ("max_line = 12bananas", "size", "error"),
        ("alarm_rate_limit = 10/fortnight", "rate", "error"),
        ("flap_threshold = 1", "integer", "error"),
        ("syslog_facility = local9", "syslog-facility", "error"),
        ("snmp = maybe", "boolean", "error"),
        ("agentx_socket = tcp:localhost: 705", "agentx-socket", "error"),
        ("agentx_ping_interval = 500ms", "duration", "error"),
        ("notification_queue = 0", "integer", "error"),
        ("compliance = sometimes", "compliance", "error"),
        ("alarm_raise_hod = 0s", "unknown-key", "error"),
        ("log_silent_after = 1m", None, None),
        ("log_silent_after = 2m", "duplicate-key", "error"),
        ("this line is neither", "syntax", "error"),
        ("", None, None),
        ("[server]", "section-name", "error"),
        ("[bogus]", "unknown-section", "error"),
        ("[server bad.name]", "server-name", "error"),
        ("host = 10.0.0.20", None, None),
        ("port = 7999", None, None),
        ("[server cs1]", None, None),
        ("host = 10.0.0.1", None, None),
        ("port = 7999", None, None),
        ("node = imp1.example.com", None, None),
        ("probe = ping", "probe", "error"),
        ("description = " + "x" * 200, "line-too-long", "error"),
        ("[server cs1]", "duplicate-section", "error"),
        ("host = 10.0.0.9", None, None),
        ("port = 7999", None, None),
        ("[server cs2]", None, None),
        ("host = bad host", "host-characters", "error"),
        ("port = 70000", "port", "error"),
        ("node = imp1.example.com", None, None),
        ("[server cs3]", "missing-key", "error"),   # host
        ("node = imp1.example.com", None, None),
        ("[server cs4]", "duplicate-server", "error"),
        ("host = 10.0.0.1", None, None),
        ("port = 7999", None, None),
        ("node = imp1.example.com", None, None),
        ("component = bad component!", "component-name", "error"),
        ("[server cs5]", None, None),
        ("host = 10.0.0.5", None, None),
        ("port = 7999", None, None),
        ("node = imp1.example.com", None, None),
        ("component = op-cs1.imp1-example-com", "duplicate-component",
         "error"),
        ("probe_interval = 1s", None, None),
        ("probe_timeout = 2s", "probe-timeout", "error"),
        ("profile = NoSuchProfile", "unknown-profile", "error"),
        ("[server cs6]", None, None),
        ("host = 10.0.0.6", None, None),
        ("port = 7999", None, None),
        ("node = imp1.example.com", None, None),
        ("probe = none", "probe-none", "warning"),
        ("profile = P2", None, None),
        ("[profile Bad Name]", "profile-name", "error"),
        ("[profile SystemDefaultComplianceProfile]", "builtin-readonly",
         "error"),
        ("[profile P1]", "unused-profile", "warning"),
        ("priority = 0", "priority", "error"),
        ("jsm = e_SESSION", "event-syntax", "error"),
        ("jsm = e_NOPE:all:pass", "unknown-event", "error"),
        ("jsm = e_AUTH:carrier:pass", "packet-type", "error"),
        ("jsm = e_STATS:all:maybe", "handling", "error"),
        ("jsm = es_IN:message:bounce, es_IN:message:bounce",
         "duplicate-event", "error"),
        ("jsm = e_DELIVER:all:pass, e_DELIVER:iq:pass", "all-exclusive",
         "error"),
        ("jsm = e_OFFLINE:iq:pass, e_OFFLINE:message:pass", None, None),
        ("jsm = e_OFFLINE:presence:pass, e_OFFLINE:subscription:pass",
         "all-equivalent", "warning"),
        ("tc = onBeforeJoin:bounce:fire-and-forget",
         "bounce-fire-and-forget", "warning"),
        ("[profile P2]", None, None),
        ("priority = 5", None, None),
        ("jsm = e_SESSION:all:pass", None, None),
        ("[profile P3]", "empty-profile", "warning"),
        ("priority = 5", "duplicate-priority", "error"),
        ("[latency bad.name]", "latency-name", "error"),
        ("match = (?<component>x)", None, None),
        ("[latency pair]", None, None),
        ("start = sent (?<key>\\d+) to (?<component>\\S+)", None, None),
        ("end = answered by (?<component>\\S+)", "latency-key", "error"),
        ("[latency half]", "latency-form", "error"),
        ("start = sent to (?<component>\\S+)", None, None),
        ("[latency badre]", None, None),
        ("match = (?<component>x", "pattern", "error"),
        ("[node imp1.example.com]", None, None),
        ("log = %s/log/imp1/*.log" % tmp, None, None),
        ("[node imp2.example.com]", "log-two-nodes", "error"),  # [agent]'s
        ("log = " + log, None, None),
        ("[server cs7]", None, None),
        ("host = 10.0.0.7", None, None),
        ("port = 7999", None, None),
        ("node = imp3.example.com", "unknown-node", "error"),
    ]
    text = [t for t, _, _ in L]
    want = [(i, lvl, rule) for i, (_, rule, lvl) in enumerate(L, 1) if rule]
    # Consequences the rules themselves imply, at the section header:
    at = {t: i for i, t in enumerate(text, 1)}
    want += [
        (at["[server cs3]"], "error", "missing-key"),   # no port either
        (at["[profile Bad Name]"], "warning", "unused-profile"),
        (at["[profile Bad Name]"], "warning", "empty-profile"),
        (at["[profile P3]"], "warning", "unused-profile"),
    ]
    return text, sorted(want)


FINDING = re.compile(r"^(?:ccmond: )?(.+?):(\d+): (error|warning): "
                     r"(.*) \[([a-z-]+)\]$")


def parse_findings(text, path):
    out = []
    for line in text.splitlines():
        m = FINDING.match(line)
        if m and m.group(1) == path:
            out.append((int(m.group(2)), m.group(3), m.group(5)))
    return sorted(out)


def test_config_with_every_error_at_once(tmp_path):
    ccmond, ccmon = binaries()
    (tmp_path / "log").mkdir()
    (tmp_path / "run").mkdir()
    text, want = every_error_config(str(tmp_path))
    cfg = tmp_path / "every-error.conf"
    cfg.write_text("\n".join(text) + "\n")
    errors, warnings = documented_rules()
    # about the file (cannot share one), or check-config's own
    # (secret-file: tests/test_filesafe.py)
    whole_file = {"open", "read", "too-large", "secret-file"}
    covered = {r for _, _, r in want}
    assert set(errors) - whole_file <= covered, \
        "error rules of ccmon.conf(5) this file does not exercise: %s" % (
            sorted(set(errors) - whole_file - covered))
    assert set(warnings) <= covered, sorted(set(warnings) - covered)
    assert covered <= set(errors) | set(warnings), \
        "rules not in ccmon.conf(5): %s" % sorted(
            covered - set(errors) - set(warnings))

    p = subprocess.Popen([ccmond, "-c", str(cfg), "-f"],
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    try:
        _, err = p.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        _, err = p.communicate(timeout=10)
        pytest.fail("ccmond started on a configuration full of errors; "
                    "stderr:\n" + err)
    assert p.returncode == 1, err
    got = parse_findings(err, str(cfg))
    missing = [f for f in want if f not in got]
    extra = list(got)
    for f in want:
        if f in extra:
            extra.remove(f)
    assert not missing and not extra, \
        "findings wanted but not reported: %s\nreported but not wanted: " \
        "%s\nstderr:\n%s" % (missing, extra, err)
    nerr = sum(1 for f in want if f[1] == "error")
    assert re.search(r"not starting: %d errors in %s$" % (
        nerr, re.escape(str(cfg))), err, re.M), err
    assert not os.path.exists(tmp_path / "run" / "ccmond.sock")

    r = subprocess.run([ccmon, "check-config", "-c", str(cfg)],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 1, r.stderr
    assert parse_findings(r.stderr, str(cfg)) == got, r.stderr
    nwarn = len(want) - nerr
    assert r.stderr.rstrip().splitlines()[-1] == \
        "%d errors, %d warnings" % (nerr, nwarn), r.stderr

    # The whole-file rules: a directory and a missing file (open; read is
    # an I/O error).
    for path, rule in ((tmp_path, "open"), (tmp_path / "none.conf", "open")):
        r = subprocess.run([ccmond, "-c", str(path), "-f"],
                           stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, timeout=10)
        assert r.returncode == 1, r.stderr
        assert re.search(r"^ccmond: %s: error: .*\[%s\]$" % (
            re.escape(str(path)), rule), r.stderr, re.M), r.stderr

# SPDX-License-Identifier: ISC
"""Resource bounds: memory stays flat over a 1-hour-equivalent replay at a
high rate, and descriptors do not grow across 1,000 rotations.

An hour of a busy router trace is taken as 3.6 million lines (1,000 lines
a second), about 340 MB of tests/genlog.py --bench, and a tenth of it for
comparison:

- ccmon analyze --json over both: peak RSS (VmHWM, by /usr/bin/time %M)
  must not grow with the size of the log;
- ccmond following the log while the hour is written to it as fast as the
  disk takes it: VmRSS at the start and at the end (and the peak);
- tests/tail_follow (drain 0.5 s) through 1,000 rename+create rotations
  with a line each, and through 1,000 numbered files of which the last 5
  are kept; ccmond (drain 5 s) through 1,000 rename+create rotations:
  /proc/PID/fd entries and inotify watches at the start and, once the
  rotated files are drained, at the end.

Figures are printed to the terminal even under pytest -q.  ccmond runs in
the namespace of tests/ccmond_harness.py (root, unshare, journald; skips
otherwise); CCMON, CCMOND and TAIL_FOLLOW name the binaries.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import pytest

from ccmond_harness import STEP, Harness, binaries, read, stamp, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
GENLOG = os.path.join(HERE, "genlog.py")
TIME = "/usr/bin/time"
TAIL_FOLLOW = os.environ.get("TAIL_FOLLOW")

HOUR_LINES = 3600 * 1000          # an hour at 1,000 lines a second
BIG_MB = 340                      # genlog --bench lines average ~94 bytes
SMALL_MB = BIG_MB / 10
ROTATIONS = 1000
KEEP = 5                          # numbered files the "router" keeps
TAIL_DRAIN_S = 0.5                # tests/tail_follow.c
TAIL_POLL_S = 0.2
CCMOND_DRAIN_S = 5.0              # agent/io/tail.c default drain_usec
CCMOND_POLL_S = 1.0


# ---- helpers ------------------------------------------------------------------

def figure(capsys, text):
    """A figure for the report, shown even under pytest -q."""
    with capsys.disabled():
        sys.stdout.write("\n[figure] %s\n" % text)
        sys.stdout.flush()


def proc_status(pid):
    out = {}
    for line in read("/proc/%d/status" % pid).splitlines():
        m = re.match(r"(Vm\w+):\s+(\d+) kB", line)
        if m:
            out[m.group(1)] = int(m.group(2))
    return out


def fds(pid):
    """{fd number: target} of a process."""
    d = "/proc/%d/fd" % pid
    out = {}
    try:
        names = os.listdir(d)
    except OSError:
        return out
    for n in names:
        try:
            out[int(n)] = os.readlink(os.path.join(d, n))
        except OSError:
            pass
    return out


def inotify_watches(pid):
    """Watches held on all of a process's inotify descriptors."""
    total = 0
    for n, target in fds(pid).items():
        if "inotify" in target:
            total += sum(1 for l in read("/proc/%d/fdinfo/%d" % (pid, n))
                         .splitlines() if l.startswith("inotify wd:"))
    return total


def genlog_bench(path, size_mb):
    r = subprocess.run([sys.executable, GENLOG, "--bench", str(size_mb),
                        "--out", path], capture_output=True, text=True,
                       timeout=180)
    assert r.returncode == 0, r.stderr
    return int(r.stdout.strip())


@pytest.fixture(scope="module")
def bench():
    """Two trace logs: an hour at 1,000 lines/s, and a tenth of it."""
    d = tempfile.mkdtemp(prefix="ccmon-bounds-")
    try:
        free = shutil.disk_usage(d).free
        if free < 3 * BIG_MB * 1000 * 1000:
            pytest.skip("%s: %d MB free, %d MB needed" % (
                d, free // 1000000, 3 * BIG_MB))
        big = os.path.join(d, "rtr-jsm-1_000001.log")
        small = os.path.join(d, "rtr-jsm-1_000002.log")
        yield {"big": big, "big_recognized": genlog_bench(big, BIG_MB),
               "small": small,
               "small_recognized": genlog_bench(small, SMALL_MB)}
    finally:
        shutil.rmtree(d, ignore_errors=True)


# ---- memory: ccmon analyze ---------------------------------------------------

def analyze_peak(ccmon, path):
    if not os.access(TIME, os.X_OK):
        pytest.skip("%s is missing (Debian package 'time')" % TIME)
    r = subprocess.run([TIME, "-f", "ccmon-peak-rss %M", ccmon, "analyze",
                        "--json", path], capture_output=True, text=True,
                       timeout=300)
    m = re.search(r"^ccmon-peak-rss (\d+)$", r.stderr, re.M)
    assert r.returncode == 0 and m, r.stderr[-2000:]
    return json.loads(r.stdout), int(m.group(1))


def test_analyze_memory_flat_over_an_hour(bench, capsys):
    _, ccmon = binaries()
    doc_s, peak_s = analyze_peak(ccmon, bench["small"])
    doc_b, peak_b = analyze_peak(ccmon, bench["big"])
    in_s, in_b = doc_s["inputs"][0], doc_b["inputs"][0]
    figure(capsys, "ccmon analyze --json VmHWM: %d KiB over %.0f MB (%d "
           "lines), %d KiB over %.0f MB (%d lines)" % (
               peak_s, os.path.getsize(bench["small"]) / 1e6,
               in_s["lines"], peak_b, os.path.getsize(bench["big"]) / 1e6,
               in_b["lines"]))
    assert in_b["lines"] >= HOUR_LINES, in_b
    assert in_b["recognized"] == bench["big_recognized"], in_b
    assert in_s["recognized"] == bench["small_recognized"], in_s
    assert in_b["complete"] and in_b["overlong"] == 0, in_b
    # Flat: ten times the log, at most 2 MiB (and 25 %) more memory.
    assert peak_b <= peak_s * 1.25 and peak_b - peak_s <= 2048, \
        (peak_s, peak_b)


# ---- memory: ccmond ------------------------------------------------------------

def agent_stats(h):
    rc, doc, _ = h.status()
    return doc.get("agent") if rc == 0 and doc else None


def test_ccmond_memory_flat_over_an_hour_at_high_rate(h, bench, capsys):
    """The hour written to the followed log as fast as it goes, 8 MiB a
    write; ccmond reads it all live."""
    log = h.log()
    log.component("op-warmup.imp1-example-com", "ACTIVE")
    h.config([], log_silent_after="0", alarm_rate_limit="1000000/h")
    d = h.start()
    st0 = agent_stats(h)
    assert st0, "ccmon status does not answer"
    m0 = proc_status(d.pid)
    lines = 0
    with open(bench["big"], "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            lines += chunk.count(b"\n")
    stop = threading.Event()
    fed = {}

    def feed():
        t = time.monotonic()
        with open(bench["big"], "rb") as f:
            while not stop.is_set():
                chunk = f.read(8 << 20)
                if not chunk:
                    break
                os.write(log.fd, chunk)
        fed["s"] = time.monotonic() - t

    t0 = time.monotonic()
    th = threading.Thread(target=feed, daemon=True)
    th.start()
    rss = []
    deadline = time.monotonic() + 150
    done = None
    try:
        while time.monotonic() < deadline:
            rss.append(proc_status(d.pid).get("VmRSS", 0))
            st = agent_stats(h)
            if st and st["lines"] >= st0["lines"] + lines:
                done = st
                break
            if not d.alive():
                break
            time.sleep(0.5)
    finally:
        stop.set()
        th.join(30)
    took = time.monotonic() - t0
    assert d.alive(), d.stderr()
    assert done, "ccmond read %s of %d lines in 150 s" % (
        agent_stats(h), st0["lines"] + lines)
    # The marker: one more line, read in a later pass -- the pass over
    # the hour is over, and what it left to do is done, before its end
    # is measured.
    log.noise(1)
    want = st0["lines"] + lines + 1
    marked = wait_for(lambda: (lambda st: st and st["lines"] >= want)(
        agent_stats(h)), timeout=STEP)
    assert marked, "the marker line not read within %.0f s: %s" % (
        STEP, agent_stats(h))
    m1 = proc_status(d.pid)
    figure(capsys, "ccmond, %d lines (%.0f MB) written in %.1f s, read in "
           "%.1f s (%.0f lines/s): VmRSS start %d KiB, end %d KiB, max "
           "sampled %d KiB; VmHWM %d KiB" % (
               lines, os.path.getsize(bench["big"]) / 1e6, fed.get("s", -1),
               took, lines / took, m0["VmRSS"], m1["VmRSS"], max(rss),
               m1["VmHWM"]))
    assert done["recognized"] - st0["recognized"] == \
        bench["big_recognized"], done
    assert m1["VmRSS"] - m0["VmRSS"] <= 8 * 1024, (m0, m1)
    assert m1["VmHWM"] - m0["VmRSS"] <= 16 * 1024, (m0, m1)
    assert d.stop() == 0, d.stderr()


# ---- descriptors: tail_follow ----------------------------------------------------

need_tail = pytest.mark.skipif(
    not TAIL_FOLLOW or not os.access(TAIL_FOLLOW or "", os.X_OK),
    reason="TAIL_FOLLOW is not set to the tail_follow driver "
           "(build/tests/tail_follow)")


class Follower:
    """tail_follow as a child: its report lines and events collected."""

    def __init__(self, state, patterns):
        self.proc = subprocess.Popen(
            [TAIL_FOLLOW, str(state)] + [str(p) for p in patterns],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)
        self.lines = []
        self.events = []
        self.ready = threading.Event()
        self.threads = [threading.Thread(target=self._out, daemon=True),
                        threading.Thread(target=self._err, daemon=True)]
        for t in self.threads:
            t.start()
        if not self.ready.wait(15):
            self.stop()
            pytest.fail("tail_follow did not start: %s" % self.events)

    def _out(self):
        for line in self.proc.stdout:
            self.lines.append(line.split())

    def _err(self):
        for line in self.proc.stderr:
            if line.strip() == "ready":
                self.ready.set()
            self.events.append(line.strip())

    def live(self):
        return [l[2] for l in list(self.lines) if l[0] == "live"]

    def wait_lines(self, n, timeout=STEP):
        deadline = time.monotonic() + timeout
        while len(self.lines) < n and time.monotonic() < deadline:
            time.sleep(0.0005)
        return len(self.lines) >= n

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)
        for t in self.threads:
            t.join(15)
        return self.proc.returncode


def line_for(i):
    return ("%s |info jsm Component op-%06d.imp1 is GONE\n"
            % (stamp(), i)).encode()


def settle_fds(pid, want, timeout):
    """Waits until pid has at most want descriptors; returns the count."""
    got = wait_for(lambda: len(fds(pid)) <= want and len(fds(pid)),
                   timeout=timeout, interval=0.1)
    return got or len(fds(pid))


@need_tail
@pytest.mark.parametrize("mode", ["rename", "numbered"])
def test_tail_fds_flat_over_1000_rotations(tmp_path, capsys, mode):
    logdir = tmp_path / "log"
    logdir.mkdir()
    if mode == "rename":
        name = lambda i: logdir / "app.log"              # noqa: E731
        pattern = logdir / "app.log"
    else:
        name = lambda i: logdir / ("rtr-jsm-1_%06d.log" % i)  # noqa: E731
        pattern = logdir / "rtr-jsm-1_*.log"
    fd = os.open(name(0), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    f = Follower(tmp_path / "state.json", [pattern])
    try:
        pid = f.proc.pid
        fd0, w0 = len(fds(pid)), inotify_watches(pid)
        peak = fd0
        t0 = time.monotonic()
        for i in range(1, ROTATIONS + 1):
            os.write(fd, line_for(i))
            assert f.wait_lines(i), \
                "line %d not reported within 15 s (%d reported)" % (
                    i, len(f.lines))
            os.close(fd)
            if mode == "rename":
                os.rename(name(i), logdir / "app.log.1")
            else:
                old = name(i - KEEP)
                if i >= KEEP and os.path.exists(old):
                    os.unlink(old)
            fd = os.open(name(i), os.O_WRONLY | os.O_CREAT | os.O_APPEND,
                         0o644)
            if i % 20 == 0:
                peak = max(peak, len(fds(pid)))
        took = time.monotonic() - t0
        # The last rotated files are closed once idle for the drain time
        # (TAIL_DRAIN_S): waited for, as long as a busy machine needs
        want = fd0 if mode == "rename" else fd0 + KEEP - 1
        fd1 = settle_fds(pid, want, STEP)
        w1 = inotify_watches(pid)
        left = {k: v for k, v in fds(pid).items() if "(deleted)" in v}
        figure(capsys, "tail_follow, %d %s rotations in %.1f s: fds start "
               "%d, peak %d, end %d; inotify watches start %d, end %d" % (
                   ROTATIONS, mode, took, fd0, peak, fd1, w0, w1))
        assert f.proc.poll() is None, f.events[-20:]
        live = f.live()
        assert live == ["op-%06d.imp1" % i for i in range(1, ROTATIONS + 1)],\
            "lines lost or repeated: %d reported" % len(live)
        assert fd1 <= want, "descriptors grew: %d at the start, %d at the " \
            "end: %s" % (fd0, fd1, fds(pid))
        assert not left, "descriptors on deleted files: %s" % left
        # a rotated file that still has a name (app.log.1; the KEEP - 1
        # numbered ones) keeps its inotify watch, not its descriptor: it
        # is opened again if its writer adds to it
        assert w1 <= w0 + (1 if mode == "rename" else KEEP - 1), (w0, w1)
    finally:
        os.close(fd)
        f.stop()


# ---- descriptors: ccmond -----------------------------------------------------------

def test_ccmond_fds_flat_over_1000_rotations(h, capsys):
    logpath = os.path.join(h.logdir, "router.log")
    log = h.log("router.log")
    log.noise(3)
    h.config([], log=logpath, log_silent_after="0")
    d = h.start()
    st0 = agent_stats(h)
    fd0, w0 = len(fds(d.pid)), inotify_watches(d.pid)
    peak = fd0
    t0 = time.monotonic()
    for i in range(1, ROTATIONS + 1):
        # The agent follows the new file before the router writes to it
        # (a file created, written and renamed away before the agent
        # looks is not under any followed name: not this test's point).
        assert wait_for(lambda: logpath in fds(d.pid).values(), timeout=STEP,
                        interval=0.001), \
            "rotation %d: ccmond does not open the new %s within %.0f s" % (
                i, logpath, STEP)
        log.noise()
        os.rename(logpath, logpath + ".1")
        log.reopen()
        if i % 20 == 0:
            peak = max(peak, len(fds(d.pid)))
            assert d.alive(), d.stderr()
    took = time.monotonic() - t0
    # every line read (a line must never be lost: on a slow machine it may
    # only come late), then the descriptors of the drained files closed
    want = st0["lines"] + ROTATIONS
    wait_for(lambda: (agent_stats(h) or {}).get("lines") == want,
             timeout=STEP)
    fd1 = settle_fds(d.pid, fd0, STEP)  # drained after CCMOND_DRAIN_S
    w1 = inotify_watches(d.pid)
    st1 = agent_stats(h)
    left = {k: v for k, v in fds(d.pid).items() if "(deleted)" in v}
    figure(capsys, "ccmond, %d rename+create rotations in %.1f s: fds start "
           "%d, peak %d, end %d; inotify watches start %d, end %d; status "
           "rotations %s, lines %s -> %s, files_open %s" % (
               ROTATIONS, took, fd0, peak, fd1, w0, w1,
               st1 and st1["rotations"], st0["lines"],
               st1 and st1["lines"], st1 and st1["files_open"]))
    assert d.alive(), d.stderr()
    assert st1, "ccmon status does not answer"
    assert fd1 <= fd0, "descriptors grew: %d at the start, %d at the end: " \
        "%s" % (fd0, fd1, fds(d.pid))
    assert not left, "descriptors on deleted files: %s" % left
    # router.log.1 keeps its watch (no descriptor): re-opened if it grows
    assert w1 <= w0 + 1, (w0, w1)
    assert st1["files_open"] == 1, st1
    assert st1["lines"] == st0["lines"] + ROTATIONS, (st0, st1)
    assert d.stop() == 0, d.stderr()

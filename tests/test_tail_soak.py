# SPDX-License-Identifier: ISC
"""Debian's own logrotate against the tailer, under load.

For each mode (create, copytruncate, compress + delaycompress, dateext) a
writer appends numbered component lines (about 900 a second) to app.log
for 8 s while `logrotate -f` rotates it every 0.5 s and `stress-ng --cpu 2`
runs beside it.  tests/tail_follow follows app.log.  At the end:

- every line that some file holds (the .gz ones decompressed) has been
  reported exactly once, in the order written;
- nothing is reported twice, nor anything never written;
- with create and dateext (nothing deleted), every line written is in a
  file and reported.  copytruncate loses by its nature the lines written
  between its copy and its truncate (they are in no file), and compress
  those written to app.log.1 by a writer that has not reopened app.log
  when it is compressed; the tailer may have read some of them first,
  which is why they can be reported without being in a file.

Nothing here passes or fails by timing: the end is waited for as a
condition (every line some file holds reported), with a bounded deadline.
"""
import glob
import gzip
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest

TAIL_FOLLOW = os.environ.get("TAIL_FOLLOW")
pytestmark = pytest.mark.skipif(
    not TAIL_FOLLOW or not os.access(TAIL_FOLLOW or "", os.X_OK),
    reason="TAIL_FOLLOW is not set to the tail_follow driver: run through 'make check'")

WAIT = 120.0      # any single wait, at most
WRITE_S = 8.0     # writing time per mode
RATE = 900        # lines a second, roughly
ROTATE_S = 0.5

MODES = {
    "create": "create\n",
    "copytruncate": "copytruncate\n",
    "compress": "create\ncompress\ndelaycompress\n",
    "dateext": "create\ndateext\ndateformat -%Y%m%d-%H%M%S\n",
}


def figure(capsys, text):
    """A figure for the report, shown even under pytest -q."""
    with capsys.disabled():
        sys.stdout.write("\n[figure] %s\n" % text)
        sys.stdout.flush()


def tool(name):
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")
    assert path, "%s is not installed (Debian package %s)" % (name, name)
    return path


class Writer:
    """Appends numbered lines; after a rename rotation it reopens the name,
    as a logger told by a postrotate script would (a little late)."""

    def __init__(self, path, follow_rename):
        self.path = path
        self.follow_rename = follow_rename
        self.seq = 0
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _reopen_if_rotated(self):
        # the new file is logrotate's to create: until it is there, the
        # lines go on into the renamed one
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
        except FileNotFoundError:
            return
        if os.fstat(fd).st_ino == os.fstat(self.fd).st_ino:
            os.close(fd)
            return
        os.close(self.fd)
        self.fd = fd

    def _run(self):
        start = time.monotonic()
        end = start + WRITE_S
        while not self.stop.is_set():
            now = time.monotonic()
            if now >= end:
                break
            # catch up to the rate: a busy machine writes in bursts
            due = int((now - start) * RATE) + 1
            while self.seq < due:
                self.seq += 1
                t = time.time()
                stamp = time.strftime("%H:%M:%S", time.localtime(t)) + \
                    ".%03d" % (int(t * 1000) % 1000)
                os.write(self.fd, ("%s |info jsm Component op-%07d.imp%d is %s\n"
                                   % (stamp, self.seq, self.seq % 10,
                                      "GONE" if self.seq % 2 else "ACTIVE"))
                         .encode())
                if self.follow_rename:
                    self._reopen_if_rotated()
            time.sleep(0.005)
        if self.follow_rename:
            self._reopen_if_rotated()

    def start(self):
        self.thread.start()

    def join(self):
        self.thread.join(WRITE_S + WAIT)
        assert not self.thread.is_alive(), "the writer did not finish"
        os.close(self.fd)


def names_in_files(logdir):
    """Every op-NNNNNNN name some file holds, with how many times."""
    seen = {}
    for path in glob.glob(os.path.join(logdir, "app.log*")):
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rt", errors="replace") as f:
            for line in f:
                i = line.find("Component op-")
                if i >= 0 and line.endswith("\n"):
                    name = line[i + 10:].split()[0]
                    seen[name] = seen.get(name, 0) + 1
    return seen


def seq_of(name):
    return int(name[3:10])


@pytest.mark.parametrize("mode", list(MODES))
def test_logrotate_under_load(tmp_path, capsys, mode):
    logrotate = tool("logrotate")
    stress = tool("stress-ng")
    logdir = tmp_path / "log"
    logdir.mkdir()
    log = logdir / "app.log"
    log.touch()
    conf = tmp_path / "logrotate.conf"
    conf.write_text("%s {\n    rotate 60\n    missingok\n    %s}\n"
                    % (log, MODES[mode].replace("\n", "\n    ")))
    state = tmp_path / "logrotate.state"

    load = subprocess.Popen([stress, "--cpu", "2", "--timeout",
                             str(int(WRITE_S + WAIT))],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    reported = []
    events = []
    follower = subprocess.Popen([TAIL_FOLLOW, str(tmp_path / "state.json"),
                                 str(log)], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
    ready = threading.Event()

    def read_out():
        for line in follower.stdout:
            reported.append(line.split())

    def read_err():
        for line in follower.stderr:
            if line.strip() == "ready":
                ready.set()
            events.append(line.strip())

    readers = [threading.Thread(target=read_out, daemon=True),
               threading.Thread(target=read_err, daemon=True)]
    for r in readers:
        r.start()
    writer = Writer(str(log), follow_rename=mode != "copytruncate")
    rotations = 0
    try:
        assert ready.wait(WAIT), "tail_follow did not start: %s" % events
        writer.start()
        end = time.monotonic() + WRITE_S
        while time.monotonic() < end:
            time.sleep(ROTATE_S)
            # dateext refuses a second rotation within its second: fine
            subprocess.run([logrotate, "-f", "-s", str(state), str(conf)],
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=WAIT)
            rotations += 1
        writer.join()
        in_files = names_in_files(str(logdir))
        # the end: every line some file holds has been reported
        deadline = time.monotonic() + WAIT
        while True:
            got = {l[2] for l in list(reported) if l[0] == "live"}
            missing = set(in_files) - got
            if not missing:
                break
            if time.monotonic() >= deadline:
                where = [(p, k) for p in glob.glob(str(logdir / "app.log*"))
                         for k in sorted(missing)[:1]
                         if k in open(p, errors="replace").read()]
                assert False, \
                    "%s: %d lines in the files never reported, e.g. %s in %s;" \
                    " tailer: %s" % (mode, len(missing), sorted(missing)[:5],
                                     where, events[-40:])
            time.sleep(0.05)
    finally:
        if follower.poll() is None:
            follower.send_signal(signal.SIGTERM)
        try:
            follower.wait(timeout=WAIT)
        finally:
            if follower.poll() is None:
                follower.kill()
                follower.wait(timeout=WAIT)
            load.terminate()
            load.wait(timeout=WAIT)
    for r in readers:
        r.join(WAIT)

    written = writer.seq
    names = [l[2] for l in reported if l[0] == "live"]
    figure(capsys, "logrotate %s under load, %d rotations: written %d, in the"
           " files %d, reported %d (once each: %s)" % (
               mode, rotations, written, len(in_files), len(names),
               len(names) == len(set(names))))
    assert not [l for l in reported if l[0] != "live"], "replayed lines"
    if mode != "copytruncate":
        # nothing is truncated: a new log that took a deleted one's inode
        # number is a new file (compress deletes rotated logs)
        cut = [e for e in events if e.startswith("event truncated")]
        assert not cut, "%s: %d truncations reported" % (mode, len(cut))
    twice = [n for n, k in in_files.items() if k > 1]
    assert not twice, "logrotate itself duplicated %s" % twice[:5]
    dup = len(names) - len(set(names))
    assert dup == 0, "%s: %d lines reported twice" % (mode, dup)
    seqs = [seq_of(n) for n in names]
    assert all(1 <= s <= written for s in seqs), "a line never written"
    back = [i for i in range(1, len(seqs)) if seqs[i] < seqs[i - 1]]
    assert not back, "%s: %d lines reported out of order, the first: %s after" \
        " %s; tailer: %s" % (mode, len(back), reported[back[0]][1:3],
                             reported[back[0] - 1][1:3], events[-40:])
    assert set(in_files) <= set(names)
    if mode in ("create", "dateext"):
        assert len(in_files) == written, "%s lost lines itself" % mode
        assert len(names) == written

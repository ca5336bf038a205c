# SPDX-License-Identifier: ISC
"""The tailer under every rotation mode: each line written is reported
exactly once, also across a restart, a kill -9, and a rotation that
happens while it is stopped.

Drives tests/tail_follow (env TAIL_FOLLOW), which prints one line per
recognised message after persisting its positions.  Writers write at a
steady rate from a thread, as the router does, while the test rotates.
"""
import os
import signal
import subprocess
import threading
import time

import pytest

TAIL_FOLLOW = os.environ.get("TAIL_FOLLOW")
pytestmark = pytest.mark.skipif(
    not TAIL_FOLLOW or not os.access(TAIL_FOLLOW or "", os.X_OK),
    reason="TAIL_FOLLOW is not set to the tail_follow driver: run through 'make check'")

WAIT = 120.0  # seconds any single wait may take, at most: a slow machine
# waits longer, it never fails or passes by it


class Follower:
    """tail_follow as a child process; its report lines collected."""

    def __init__(self, state, patterns, poll_only=False, max_open=None,
                 interleave=None):
        self.proc = subprocess.Popen(
            [TAIL_FOLLOW] + (["--poll-only"] if poll_only else []) +
            (["--max-open", str(max_open)] if max_open else []) +
            (["--interleave"] + [str(a) for a in interleave]
             if interleave else []) +
            [str(state)] + [str(p) for p in patterns],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines = []
        self.events = []
        self._ready = threading.Event()
        self._out = threading.Thread(target=self._read_out, daemon=True)
        self._err = threading.Thread(target=self._read_err, daemon=True)
        self._out.start()
        self._err.start()
        assert self._ready.wait(WAIT), "tail_follow did not start: %s" % self.events

    def _read_out(self):
        for line in self.proc.stdout:
            self.lines.append(line.split())

    def _read_err(self):
        for line in self.proc.stderr:
            if line.strip() == "ready":
                self._ready.set()
            self.events.append(line.strip())

    def live(self):
        return [l[2] for l in list(self.lines) if l[0] == "live"]

    def replayed(self):
        return [l[2] for l in list(self.lines) if l[0] == "replay"]

    def wait_live(self, n):
        deadline = time.monotonic() + WAIT
        while len(self.live()) < n and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.live()

    def wait_event(self, prefix):
        deadline = time.monotonic() + WAIT
        while not any(e.startswith(prefix) for e in list(self.events)):
            assert time.monotonic() < deadline, \
                "no '%s' in %s" % (prefix, self.events)
            time.sleep(0.02)

    def stop(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout=WAIT)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(timeout=WAIT)
        self._out.join(WAIT)
        self._err.join(WAIT)
        return rc


class Writer:
    """Appends numbered component lines to a file at a steady rate, holding
    its descriptor as a logger does; reopen() makes it follow a rename."""

    def __init__(self, path, rate=400):
        self.path = str(path)
        self.seq = 0
        self.names = []
        self.lock = threading.Lock()
        self.running = threading.Event()
        self.running.set()
        self.stopping = False
        self.period = 1.0 / rate
        self.fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def write_one(self):
        with self.lock:
            self.seq += 1
            name = "op-%06d.imp1" % self.seq
            t = time.time()
            stamp = time.strftime("%H:%M:%S", time.localtime(t)) + ".%03d" % (int(t * 1000) % 1000)
            os.write(self.fd, ("%s |info jsm Component %s is GONE\n" % (stamp, name)).encode())
            os.write(self.fd, ("%s |debug router ordinary line %d\n" % (stamp, self.seq)).encode())
            self.names.append(name)

    def _run(self):
        deadline = time.monotonic() + 120
        while not self.stopping and time.monotonic() < deadline:
            if self.running.wait(0.05):
                self.write_one()
                time.sleep(self.period)

    def pause(self):
        self.running.clear()
        with self.lock:  # a write under way is finished
            pass

    def resume(self):
        self.running.set()

    def reopen(self, path=None):
        with self.lock:
            os.close(self.fd)
            if path:
                self.path = str(path)
            self.fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def close(self):
        self.stopping = True
        self.running.set()
        self.thread.join(WAIT)
        os.close(self.fd)


def run_for(seconds):
    time.sleep(seconds)


def check_exactly_once(follower, writer):
    got = follower.wait_live(len(writer.names))
    assert len(got) == len(set(got)), "a line was reported twice"
    missing = set(writer.names) - set(got)
    assert not missing, "%d lines lost, e.g. %s" % (len(missing), sorted(missing)[:3])
    assert got == writer.names, "lines reported out of order"


def put_component(path, name):
    """Appends one component line naming name, as tail_follow's
    --interleave writes do."""
    with open(path, "a") as o:
        o.write("12:00:00.000 |info jsm Component %s is GONE\n" % name)


@pytest.fixture
def logdir(tmp_path):
    d = tmp_path / "log"
    d.mkdir()
    return d


def start(tmp_path, logdir, pattern="app.log", poll_only=False):
    return Follower(tmp_path / "state.json", [logdir / pattern], poll_only)


def test_rename_and_create(tmp_path, logdir):
    f = start(tmp_path, logdir)
    w = Writer(logdir / "app.log")
    try:
        for i in range(3):
            run_for(0.3)
            os.rename(logdir / "app.log", logdir / ("app.log.%d" % i))
            run_for(0.05)  # still writing to the renamed file
            w.reopen()
        run_for(0.3)
        w.close()
        check_exactly_once(f, w)
    finally:
        f.stop()
    assert any(e.startswith("event rotated") for e in f.events)


def test_rename_and_create_identical_first_lines(tmp_path, logdir):
    """Each new log begins with the very bytes the last one began with
    (the same line in the same millisecond, or a fixed header): it is no
    copytruncate copy of the renamed file, whose original would stay
    under its name, and is read at once, not held back for a truncation
    that never comes (3 of 1,000 such files were lost before)."""
    line = b"08:00:00.000 |info jsm Component op-same.imp1 is GONE\n"
    path = logdir / "app.log"
    path.write_bytes(line)
    f = start(tmp_path, logdir)
    try:
        deadline = time.monotonic() + WAIT
        while not f.replayed() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert f.replayed(), "the first file not replayed: %s" % f.events
        base = len(f.live())
        for i in range(1, 6):
            os.rename(path, logdir / "app.log.1")
            with open(path, "ab") as out:
                out.write(line)
            got = f.wait_live(base + i)
            assert len(got) >= base + i, \
                "rotation %d: the new file's line not read within %d s; " \
                "events %s" % (i, WAIT, f.events[-5:])
    finally:
        f.stop()


def test_copytruncate(tmp_path, logdir):
    f = start(tmp_path, logdir)
    w = Writer(logdir / "app.log")
    try:
        for i in range(3):
            run_for(0.3)
            # copytruncate loses what is written between copy and
            # truncate by its nature: logrotate's window, not ours
            w.pause()
            f.wait_live(len(w.names))
            with open(logdir / "app.log", "rb") as src, \
                    open(logdir / ("app.log.%d" % i), "wb") as dst:
                dst.write(src.read())
            os.truncate(logdir / "app.log", 0)
            w.resume()
        run_for(0.3)
        w.close()
        check_exactly_once(f, w)
    finally:
        f.stop()
    assert any(e.startswith("event truncated") for e in f.events)


def test_copytruncate_copy_matching_the_pattern(tmp_path, logdir):
    """The copy carries lines already read: they are not read again."""
    f = start(tmp_path, logdir, "app.log*")
    w = Writer(logdir / "app.log")
    try:
        run_for(0.3)
        w.pause()
        f.wait_live(len(w.names))
        with open(logdir / "app.log", "rb") as src, \
                open(logdir / "app.log.1", "wb") as dst:
            dst.write(src.read())
        os.truncate(logdir / "app.log", 0)
        w.resume()
        run_for(0.3)
        w.close()
        check_exactly_once(f, w)
    finally:
        f.stop()


def test_truncate_in_place(tmp_path, logdir):
    f = start(tmp_path, logdir)
    w = Writer(logdir / "app.log")
    try:
        for _ in range(3):
            run_for(0.3)
            w.pause()
            f.wait_live(len(w.names))
            os.truncate(logdir / "app.log", 0)
            w.resume()
        run_for(0.3)
        w.close()
        check_exactly_once(f, w)
    finally:
        f.stop()


def test_truncated_and_regrown_past_old_size(tmp_path, logdir):
    """Truncated and written again beyond the old size between two looks:
    the changed first bytes tell, not the size."""
    f = start(tmp_path, logdir)
    w = Writer(logdir / "app.log")
    try:
        run_for(0.2)
        w.pause()
        f.wait_live(len(w.names))
        f.stop()
        size = os.path.getsize(logdir / "app.log")
        os.truncate(logdir / "app.log", 0)
        while os.path.getsize(logdir / "app.log") <= size:
            w.write_one()
        f2 = Follower(tmp_path / "state.json", [logdir / "app.log"])
        w.close()
        got = f2.wait_live(len(w.names) - len(f.live()))
        assert got == w.names[len(f.live()):]
        f2.stop()
    finally:
        if f.proc.poll() is None:
            f.stop()


def test_delete_and_recreate(tmp_path, logdir):
    f = start(tmp_path, logdir)
    w = Writer(logdir / "app.log")
    try:
        for _ in range(3):
            run_for(0.3)
            os.unlink(logdir / "app.log")
            run_for(0.05)  # the logger still writes to the deleted file
            w.reopen()
        run_for(0.3)
        w.close()
        check_exactly_once(f, w)
    finally:
        f.stop()


def test_symlink_swap(tmp_path, logdir):
    (logdir / "t0.log").touch()
    os.symlink("t0.log", logdir / "current.log")
    f = start(tmp_path, logdir, "current.log")
    w = Writer(logdir / "t0.log")
    try:
        for i in range(1, 4):
            run_for(0.3)
            target = logdir / ("t%d.log" % i)
            target.touch()
            os.symlink(target.name, logdir / "next.lnk")
            os.rename(logdir / "next.lnk", logdir / "current.log")
            run_for(0.05)
            w.reopen(target)
        run_for(0.3)
        w.close()
        check_exactly_once(f, w)
    finally:
        f.stop()


def test_symlink_swap_writer_reopens_late(tmp_path, logdir):
    """The writer goes on writing to the old target after the tailer has
    drained and closed it (a writer held up by a busy machine, the cause of
    the 89 lines lost under load): the old file is opened again when it
    grows, its lines come before the new target's, none lost."""
    (logdir / "t0.log").touch()
    os.symlink("t0.log", logdir / "current.log")
    f = start(tmp_path, logdir, "current.log")
    w = Writer(logdir / "t0.log")
    try:
        for i in range(1, 3):
            run_for(0.2)
            w.pause()
            target = logdir / ("t%d.log" % i)
            target.touch()
            os.symlink(target.name, logdir / "next.lnk")
            os.rename(logdir / "next.lnk", logdir / "current.log")
            closed = len([e for e in f.events if e.startswith("event closed")])
            deadline = time.monotonic() + WAIT
            while len([e for e in list(f.events)
                       if e.startswith("event closed")]) <= closed:
                assert time.monotonic() < deadline, f.events
                time.sleep(0.02)
            for _ in range(20):  # late, into the closed file
                w.write_one()
            w.reopen(target)
            w.resume()
        run_for(0.2)
        w.close()
        check_exactly_once(f, w)
    finally:
        f.stop()


def test_writer_switches_between_rotated_and_new_file_reads(tmp_path, logdir):
    """The writer puts a line in the rotated file and then one in the new
    file just after the tailer has read the rotated file and before it reads
    the new one (tail_follow --interleave does those writes at that very
    point): the rotated file's line is older and must come out first.
    Seen as "lines reported out of order" in the logrotate soak, rarely."""
    log = logdir / "app.log"
    old = logdir / "app.log.1"

    log.touch()
    f = Follower(tmp_path / "state.json", [log],
                 interleave=("op-trigger.imp1", old, log))
    try:
        put_component(log, "op-first.imp1")
        assert f.wait_live(1) == ["op-first.imp1"]
        os.rename(log, old)
        put_component(log, "op-new.imp1")  # the new file, followed before what follows
        assert f.wait_live(2) == ["op-first.imp1", "op-new.imp1"]
        put_component(old, "op-trigger.imp1")
        want = ["op-first.imp1", "op-new.imp1", "op-trigger.imp1",
                "op-late.imp1", "op-after.imp1"]
        assert f.wait_live(len(want)) == want
    finally:
        f.stop()


def test_deleted_rotated_file_whose_inode_a_new_log_gets(tmp_path, logdir):
    """logrotate's compress deletes a rotated log that the tailer has
    drained and closed, and the log created next gets its inode number.
    That new log is a new file, not a truncation of the old one: it is read
    after the rotated file that the writer was still finishing (the
    --interleave writes), and no truncation is reported.  Seen as "lines
    reported out of order" with "truncated" events in the logrotate soak's
    compress mode.  The tailer is stopped (SIGSTOP) while the files are
    arranged, so that it sees them all at once."""
    log = logdir / "app.log"
    old = logdir / "app.log.1"

    log.touch()
    f = Follower(tmp_path / "state.json", [log],
                 interleave=("op-trigger.imp1", old, log))
    try:
        put_component(log, "op-first.imp1")
        assert f.wait_live(1) == ["op-first.imp1"]
        first_ino = os.stat(log).st_ino
        os.rename(log, old)
        put_component(log, "op-second.imp1")
        assert f.wait_live(2) == ["op-first.imp1", "op-second.imp1"]
        f.wait_event("event closed")  # the rotated one, drained
        f.proc.send_signal(signal.SIGSTOP)
        try:
            os.unlink(old)
            os.rename(log, old)
            # the next file created takes the freed inode on ext4; a few
            # tries for file systems that hand numbers out otherwise
            scratch = []
            for i in range(64):
                p = logdir / ("new%d" % i)
                p.touch()
                if os.stat(p).st_ino == first_ino:
                    os.rename(p, log)
                    break
                scratch.append(p)
            for p in scratch:
                os.unlink(p)
            if not log.exists():
                pytest.skip("the file system did not reuse the inode number")
            put_component(old, "op-trigger.imp1")
        finally:
            f.proc.send_signal(signal.SIGCONT)
        want = ["op-first.imp1", "op-second.imp1", "op-trigger.imp1",
                "op-late.imp1", "op-after.imp1"]
        assert f.wait_live(len(want)) == want
        assert not [e for e in f.events if e.startswith("event truncated")], \
            f.events
    finally:
        f.stop()


def test_more_files_than_max_open(tmp_path, logdir):
    """40 files, 8 descriptors: every line of every file read once, the
    limit reported, and a file closed for room read again when it grows."""
    names = []
    for i in range(40):
        with open(logdir / ("rtr-%03d.log" % i), "w") as out:
            n = "op-%03d-a.imp1" % i
            out.write("08:00:00.000 |info jsm Component %s is GONE\n" % n)
            names.append(n)
    f = Follower(tmp_path / "state.json", [logdir / "rtr-*.log"], max_open=8)
    try:
        deadline = time.monotonic() + WAIT
        while len(f.replayed()) < 40 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert sorted(f.replayed()) == names
        f.wait_event("event files-limit")
        fds = len(os.listdir("/proc/%d/fd" % f.proc.pid))
        assert fds <= 8 + 10, "%d descriptors open" % fds
        more = []
        for i in (0, 17, 39):
            with open(logdir / ("rtr-%03d.log" % i), "a") as out:
                n = "op-%03d-b.imp1" % i
                out.write("08:00:01.000 |info jsm Component %s is GONE\n" % n)
                more.append(n)
        assert sorted(f.wait_live(3)) == more
        for i in range(8, 40):
            os.unlink(logdir / ("rtr-%03d.log" % i))
        f.wait_event("event files-ok")
    finally:
        f.stop()
    assert len(f.live()) == 3


def test_new_files_matching_the_glob(tmp_path, logdir):
    f = start(tmp_path, logdir, "rtr-jsm-1_*.log")
    w = Writer(logdir / "rtr-jsm-1_000001.log")
    try:
        for i in range(2, 5):
            run_for(0.3)
            w.reopen(logdir / ("rtr-jsm-1_%06d.log" % i))
        run_for(0.3)
        w.close()
        check_exactly_once(f, w)
    finally:
        f.stop()


def test_first_start_replays_history(tmp_path, logdir):
    w = Writer(logdir / "app.log")
    run_for(0.2)
    w.pause()
    history = list(w.names)
    f = start(tmp_path, logdir)
    try:
        deadline = time.monotonic() + WAIT
        while len(f.replayed()) < len(history) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert f.replayed() == history
        w.resume()
        run_for(0.2)
        w.close()
        got = f.wait_live(len(w.names) - len(history))
        assert got == w.names[len(history):]
    finally:
        f.stop()


def restart_case(tmp_path, logdir, sig):
    f = start(tmp_path, logdir)
    w = Writer(logdir / "app.log")
    run_for(0.3)
    w.pause()
    f.wait_live(len(w.names))
    seen = f.live()
    assert f.stop(sig) is not None
    w.resume()
    run_for(0.3)  # written while it is down
    f2 = start(tmp_path, logdir)
    try:
        run_for(0.3)
        w.close()
        got = f2.wait_live(len(w.names) - len(seen))
        assert got == w.names[len(seen):], "lines lost or repeated across the restart"
        # what was read before is replayed, never reported as news
        assert f2.replayed() == seen
    finally:
        f2.stop()


def test_restart(tmp_path, logdir):
    restart_case(tmp_path, logdir, signal.SIGTERM)


def test_kill_9_and_restart(tmp_path, logdir):
    restart_case(tmp_path, logdir, signal.SIGKILL)


def test_rotated_while_stopped(tmp_path, logdir):
    """Rotated while stopped: the rotated sibling carrying the saved inode
    is drained from the saved offset first, then the new file is read."""
    f = start(tmp_path, logdir)
    w = Writer(logdir / "app.log")
    run_for(0.3)
    w.pause()
    f.wait_live(len(w.names))
    seen = f.live()
    f.stop()
    w.resume()
    run_for(0.2)  # more lines into the file before it is rotated
    os.rename(logdir / "app.log", logdir / "app.log.1")
    run_for(0.1)  # and after, into the rotated file
    w.reopen()
    run_for(0.2)
    w.pause()
    f2 = start(tmp_path, logdir)
    try:
        w.close()
        got = f2.wait_live(len(w.names) - len(seen))
        assert got == w.names[len(seen):]
    finally:
        f2.stop()


def test_partial_line_waits_for_its_newline(tmp_path, logdir):
    path = logdir / "app.log"
    path.write_text("")
    f = start(tmp_path, logdir)
    try:
        with open(path, "a") as out:
            out.write("08:00:00.000 Component op-partial.x is GO")
            out.flush()
            time.sleep(0.5)
            assert f.live() == []
            out.write("NE\n")
        assert f.wait_live(1) == ["op-partial.x"]
    finally:
        f.stop()


def test_unreadable_directory_is_reported(tmp_path, logdir):
    if os.geteuid() == 0:
        pytest.skip("root reads every directory: cannot make one unreadable")
    os.chmod(logdir, 0)
    try:
        f = start(tmp_path, logdir)
        f.stop()
        assert any(e.startswith("event unreadable") for e in f.events)
    finally:
        os.chmod(logdir, 0o755)


@pytest.mark.parametrize("mode", ["rename", "delete", "truncate"])
def test_poll_only_without_inotify(tmp_path, logdir, mode):
    """Where inotify says nothing (NFS), the periodic stat finds it all."""
    f = start(tmp_path, logdir, poll_only=True)
    w = Writer(logdir / "app.log", rate=200)
    try:
        for i in range(2):
            run_for(0.5)
            if mode == "rename":
                os.rename(logdir / "app.log", logdir / ("app.log.%d" % i))
                run_for(0.05)
                w.reopen()
            elif mode == "delete":
                os.unlink(logdir / "app.log")
                run_for(0.05)
                w.reopen()
            else:
                w.pause()
                f.wait_live(len(w.names))
                os.truncate(logdir / "app.log", 0)
                w.resume()
        run_for(0.5)
        w.close()
        check_exactly_once(f, w)
    finally:
        f.stop()


def test_inotify_queue_overflow_rescans(tmp_path, logdir):
    """More directory events than the inotify queue holds (16384 by
    default) while the follower is stopped: it sees the overflow, rescans,
    and loses nothing."""
    try:
        with open("/proc/sys/fs/inotify/max_queued_events") as q:
            limit = int(q.read())
    except OSError:
        pytest.skip("cannot read fs.inotify.max_queued_events")
    if limit > 65536:
        pytest.skip("inotify queue too large to overflow quickly (%d)" % limit)
    f = start(tmp_path, logdir)
    w = Writer(logdir / "app.log")
    try:
        run_for(0.2)
        w.pause()
        f.wait_live(len(w.names))
        f.proc.send_signal(signal.SIGSTOP)
        try:
            noise = logdir / "noise"
            for i in range(limit // 2 + 100):  # a create and a delete each
                fd = os.open(noise, os.O_CREAT | os.O_WRONLY, 0o644)
                os.close(fd)
                os.unlink(noise)
            os.rename(logdir / "app.log", logdir / "app.log.1")
            w.reopen()
            for _ in range(20):
                w.write_one()
        finally:
            f.proc.send_signal(signal.SIGCONT)
        w.close()
        check_exactly_once(f, w)
        deadline = time.monotonic() + WAIT
        while not any(e.startswith("event overflow") for e in f.events) \
                and time.monotonic() < deadline:
            time.sleep(0.05)
        assert any(e.startswith("event overflow") for e in f.events)
    finally:
        f.stop()

# SPDX-License-Identifier: ISC
"""ccmond speaks systemd's notify protocol: READY=1 only after its first
scan (the history is read and what holds is alarmed), STATUS= lines,
watchdog pings at half WatchdogSec, RELOADING=1/READY=1 around a SIGHUP,
STOPPING=1 at the end.  The test plays systemd: it owns NOTIFY_SOCKET.
"""
import os
import signal
import socket
import subprocess
import time

import pytest

CCMOND = os.environ.get("CCMOND")
pytestmark = pytest.mark.skipif(
    not CCMOND or not os.access(CCMOND or "", os.X_OK),
    reason="CCMOND is not set to the ccmond binary: run through 'make check'")

WAIT = 60.0  # a deadline for what must happen, however busy the machine
COMP = "op-cs1.imp1-example-com"


def stamp():
    t = time.time()
    return time.strftime("%H:%M:%S", time.localtime(t)) + ".%03d" % (int(t * 1000) % 1000)


@pytest.fixture
def agent(tmp_path):
    for d in ("log", "state", "run"):
        (tmp_path / d).mkdir()
    log = tmp_path / "log" / "rtr-jsm-1_000001.log"
    with open(log, "w") as f:
        f.write("%s |info router Component %s is ACTIVE\n" % (stamp(), COMP))
        f.write("%s |info router Component %s is GONE\n" % (stamp(), COMP))
    conf = tmp_path / "ccmon.conf"
    conf.write_text(
        "[agent]\nlog = %s/log/rtr-jsm-1_*.log\nnode = imp1.example.com\n"
        "state_dir = %s/state\nruntime_dir = %s/run\n"
        "alarm_raise_hold = 0s\nalarm_clear_hold = 0s\nsnmp = no\n"
        "[server cs1]\nhost = 127.0.0.1\nport = 7999\nprobe = none\n"
        # no alarms about what users suffer (see ccmond_harness.config)
        "profile = DiscoOnly\n[profile DiscoOnly]\n"
        "jsm = e_DISCOFEAT:iq:pass\n"
        % (tmp_path, tmp_path, tmp_path))
    sock_path = str(tmp_path / "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(sock_path)
    sock.settimeout(0.2)
    env = dict(os.environ, NOTIFY_SOCKET=sock_path, WATCHDOG_USEC="400000")
    env.pop("WATCHDOG_PID", None)
    proc = subprocess.Popen([CCMOND, "-c", str(conf), "-f"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    messages = []

    def collect(until, timeout=WAIT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                data = sock.recv(4096).decode()
            except socket.timeout:
                data = None
            if data:
                messages.extend(data.split("\n"))
            if until(messages):
                return True
        return False

    yield proc, collect, messages, conf
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=WAIT)
    proc.stderr.close()
    sock.close()


def test_ready_after_first_scan_then_watchdog_reload_stop(agent):
    proc, collect, messages, conf = agent
    assert collect(lambda m: "READY=1" in m), messages
    ready = messages.index("READY=1")
    # the component found GONE in the history is alarmed before READY
    status = [m for m in messages[:ready] if m.startswith("STATUS=")]
    assert status and "1 alarms raised" in status[-1], messages

    # pings at half of WATCHDOG_USEC: about 5 in the next second
    n = len(messages)
    collect(lambda m: False, timeout=1.0)
    pings = messages[n:].count("WATCHDOG=1")
    assert 2 <= pings <= 8, messages[n:]

    proc.send_signal(signal.SIGHUP)
    assert collect(lambda m: "RELOADING=1" in m and
                   m.index("RELOADING=1") < len(m) - 1 and
                   "READY=1" in m[m.index("RELOADING=1"):]), messages

    proc.send_signal(signal.SIGTERM)
    assert collect(lambda m: "STOPPING=1" in m), messages
    assert proc.wait(timeout=WAIT) == 0


def test_reload_switches_log_patterns(tmp_path):
    """SIGHUP with another log pattern: the new file is followed, the old
    one no more, and the agent does not stop watching in between."""
    for d in ("log", "state", "run"):
        (tmp_path / d).mkdir()
    old, new = tmp_path / "log" / "old.log", tmp_path / "log" / "new.log"
    old.write_text("")
    new.write_text("")

    def conf(pattern):
        (tmp_path / "ccmon.conf").write_text(
            "[agent]\nlog = %s\nnode = imp1.example.com\n"
            "state_dir = %s/state\nruntime_dir = %s/run\n"
            "alarm_raise_hold = 0s\nalarm_clear_hold = 0s\nsnmp = no\n"
            "[server cs1]\nhost = 127.0.0.1\nport = 7999\nprobe = none\n"
            "profile = DiscoOnly\n[profile DiscoOnly]\n"
            "jsm = e_DISCOFEAT:iq:pass\n"
            % (pattern, tmp_path, tmp_path))

    def append(path, name):
        with open(path, "a") as f:
            f.write("%s |info router Component %s is GONE\n" % (stamp(), name))

    conf(old)
    errfile = open(tmp_path / "stderr.txt", "w+")
    proc = subprocess.Popen([CCMOND, "-c", str(tmp_path / "ccmon.conf"), "-f"],
                            stdout=subprocess.DEVNULL, stderr=errfile)

    def wait_text(text):
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            errfile.seek(0)
            if text in errfile.read():
                return True
            time.sleep(0.05)
        return False

    try:
        assert wait_text("watching 1 log pattern")
        append(old, "op-before.x")
        assert wait_text("op-before.x: unknown -> gone")
        conf(new)
        proc.send_signal(signal.SIGHUP)
        assert wait_text("configuration reloaded")
        append(new, "op-after.x")
        append(old, "op-ignored.x")
        assert wait_text("op-after.x: unknown -> gone")
        # The marker: new.log rotated, its line in a fresh file under the
        # name.  Only a look at the names (which scans every pattern
        # followed) finds that file, and the pass that reads it reads
        # every file followed: once its line is in, an old file still
        # followed, or found again, would have been read too.
        os.rename(new, str(new) + ".1")
        append(new, "op-mark.x")
        assert wait_text("op-mark.x: unknown -> gone")
        errfile.seek(0)
        assert "op-ignored.x" not in errfile.read()
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=WAIT) == 0
        errfile.close()

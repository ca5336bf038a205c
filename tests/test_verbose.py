# SPDX-License-Identifier: ISC
"""ccmond -v (ccmond(8), OPTIONS): the debug level says why the agent did
what it did (the modules as they start, each log file opened, each probe
scheduled and its result, a reload's steps, each state save); without it
none of that is said, and the messages of the default level are the same.

ccmond runs in the foreground (-f: its messages on stderr, "ccmond: TEXT")
on a short scripted log, as in tests/test_notify.py.
"""
import os
import re
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
    return time.strftime("%H:%M:%S", time.localtime(t)) + \
        ".%03d" % (int(t * 1000) % 1000)


def closed_port():
    """A local TCP port nothing listens on (bound, then released)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def run(tmp_path, args, agent_keys=""):
    """ccmond on a two-line log with one probed server: waits for the end
    of the first replay, the alarm of the probe's first result and a reload,
    stops it; returns its stderr lines, "ccmond: " removed."""
    for d in ("log", "state", "run"):
        (tmp_path / d).mkdir(parents=True)
    log = tmp_path / "log" / "rtr-jsm-1_000001.log"
    with open(log, "w") as f:
        f.write("%s |info router Component %s is ACTIVE\n" % (stamp(), COMP))
        f.write("%s |info router Component %s is GONE\n" % (stamp(), COMP))
    conf = tmp_path / "ccmon.conf"
    conf.write_text(
        "[agent]\nlog = %s/log/rtr-jsm-1_*.log\nnode = imp1.example.com\n"
        "state_dir = %s/state\nruntime_dir = %s/run\n"
        "alarm_raise_hold = 0s\nalarm_clear_hold = 0s\nsnmp = no\n%s"
        "[server cs1]\nhost = 127.0.0.1\nport = %d\nprobe = tcp\n"
        "probe_interval = 60s\n"
        # no alarms about what users suffer (see ccmond_harness.config)
        "profile = DiscoOnly\n[profile DiscoOnly]\n"
        "jsm = e_DISCOFEAT:iq:pass\n"
        % (tmp_path, tmp_path, tmp_path, agent_keys, closed_port()))
    err = open(tmp_path / "stderr.txt", "w+")
    proc = subprocess.Popen([CCMOND, "-c", str(conf), "-f"] + args,
                            stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=err)

    def text():
        err.seek(0)
        return err.read()

    def wait_text(want):
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            if want in text():
                return True
            if proc.poll() is not None:
                return want in text()
            time.sleep(0.05)
        return False

    try:
        assert wait_text("watching 1 log pattern"), text()
        # the probe's first result: the port is closed
        assert wait_text("raised probe-failing cs1"), text()
        proc.send_signal(signal.SIGHUP)
        assert wait_text("configuration reloaded from"), text()
    finally:
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=WAIT)
        out = text()
        err.close()
    assert rc == 0, out
    lines = out.splitlines()
    assert all(line.startswith("ccmond: ") for line in lines), out
    return [line[len("ccmond: "):] for line in lines], str(log)


# How the core's trace lines (why it decided: agent/core/trace.h) begin.
CORE_TRACE = ["component ", "node of ", "impact ", "alarm "]


# What the debug level says (ccmond(8), -v), each a line's beginning.
def debug_lines(path):
    return ["starting the event loop",
            "starting the log tail",
            "log %s: opened" % path,
            "probe of cs1 (127.0.0.1 port ",
            "probe of cs1: ",
            "log patterns unchanged: the tail goes on",
            "state saved in ",
            "signal 15: stopping"]


def core_transitions(lines):
    """The core's trace of a transition taken, as ACTIVE -> GONE."""
    return [line for line in lines
            if line.startswith("component %s: " % COMP) and " -> " in line]


def test_verbose_says_why(tmp_path):
    lines, path = run(tmp_path, ["-v"])
    for want in debug_lines(path):
        assert any(line.startswith(want) for line in lines), \
            "no line %r:\n%s" % (want, "\n".join(lines))
    # the core's own reasons reach the log too (agent/core/trace.h)
    assert core_transitions(lines), "\n".join(lines)


def test_debug_key_as_verbose(tmp_path):
    """debug = yes (ccmon.conf(5)) is -v from the file."""
    lines, path = run(tmp_path, [], agent_keys="debug = yes\n")
    for want in debug_lines(path):
        assert any(line.startswith(want) for line in lines), \
            "no line %r:\n%s" % (want, "\n".join(lines))
    assert core_transitions(lines), "\n".join(lines)


def test_without_verbose_no_debug_line(tmp_path):
    lines, path = run(tmp_path, [])
    for want in debug_lines(path):
        assert not any(line.startswith(want) for line in lines), \
            "debug line %r without -v:\n%s" % (want, "\n".join(lines))
    assert not core_transitions(lines), "\n".join(lines)
    # the default level's messages are there as ever
    for want in ("watching 1 log pattern and 1 server",
                 "configuration reloaded from"):
        assert any(line.startswith(want) for line in lines), lines


def test_same_messages_but_the_debug_ones(tmp_path):
    """The default level's messages of a -v run are those of a run
    without it: -v only adds."""
    quiet, _ = run(tmp_path / "quiet", [])
    loud, path = run(tmp_path / "loud", ["-v"])
    debug = debug_lines(path) + [
        "starting the ", "log %s: " % path, "probe of cs1",
        "configuration read from", "status socket served at ",
        "%s: none: the logs are read from the start"
        % (tmp_path / "loud" / "state" / "state.json")] + CORE_TRACE
    loud = [line for line in loud
            if not any(line.startswith(d) for d in debug)]

    def same(lines, d):
        """Without what differs between runs: the paths, the ports and
        the times."""
        return [re.sub(r"\d+", "N", line.replace(str(d), "T"))
                for line in lines]

    assert same(loud, tmp_path / "loud") == same(quiet, tmp_path / "quiet")

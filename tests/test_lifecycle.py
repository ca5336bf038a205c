# SPDX-License-Identifier: ISC
"""ccmond's life cycle (issue 10, items 4, 11, 12 and 13): the first replay
runs in slices on the event loop (SIGTERM, the status socket and the
watchdog are served during it), SIGHUP applies state_dir, runtime_dir and
syslog_facility, the runtime directory is created and held by one agent
only, and clients that never read do not keep `ccmon status` waiting.
Restarts send what one run would have sent, nothing more (issue 11, item
8).

Every wait is for a condition, with a generous deadline; nothing passes or
fails by how long something took.  The replay test slows the reading of
its log with a preload library of ours (tests/slow_read.c, $SLOW_READ)
rather than hoping that a big log takes long enough.
"""
import json
import os
import signal
import socket
import stat
import subprocess
import time

import pytest

from ccmond_harness import Harness, binaries, component_of, read, stamp, \
    wait_for

C1 = component_of("cs1")
WAIT = 60.0   # any one condition, at most


def srv(name, host="10.53.52.205", port=7999, **kw):
    return dict(name=name, host=host, port=port, **kw)


def fill(log_path, n, prefix="op-x"):
    """n distinct components, one line each, logged a minute ago."""
    t = stamp(time.time() - 60)
    with open(log_path, "w") as f:
        for i in range(n):
            f.write("%s |info router Component %s%06d.imp1-example-com "
                    "is ACTIVE\n" % (t, prefix, i))


def saved_files(state_dir):
    with open(os.path.join(state_dir, "state.json")) as f:
        return {e["path"]: e for e in json.load(f)["files"]}


def stderr_has(d, text, timeout=WAIT):
    return wait_for(lambda: any(text in l for l in d.stderr_lines),
                    timeout=timeout)


# ---- item 4: the first replay in slices -------------------------------------

def slow_read_lib():
    path = os.environ.get("SLOW_READ")
    if not path:
        ccmond = binaries()[0]
        path = os.path.join(os.path.dirname(ccmond), "tests", "slow_read.so")
    if not os.path.isfile(path):
        pytest.fail("%s not found: build it with `make tests/slow_read.so` "
                    "(make check does)" % path)
    return path


def test_sigterm_during_the_first_replay(h, monkeypatch):
    # 40,000 names, read 64 KiB at a time, each read slowed to 150 ms: the
    # replay lasts about 7 s whatever the machine, the test acts at once.
    log = os.path.join(h.logdir, "rtr-jsm-1_000001.log")
    fill(log, 40000)
    size = os.path.getsize(log)
    h.config([srv("cs1")])
    monkeypatch.setenv("LD_PRELOAD", slow_read_lib())
    monkeypatch.setenv("SLOW_READ_MATCH", "rtr-jsm-1_000001.log")
    monkeypatch.setenv("SLOW_READ_MS", "150")
    monkeypatch.setenv("ASAN_OPTIONS", os.environ.get("ASAN_OPTIONS", "")
                       + ":verify_asan_link_order=0")
    d = h.start(ready=False)

    # The status socket answers during the replay, and says how far it is.
    def replaying():
        rc, doc, _ = h.status()
        if rc == 0 and isinstance(doc["agent"].get("replaying"), int):
            return doc
        return None
    doc = wait_for(replaying, timeout=WAIT)
    assert doc, "no status answer saying 'replaying' within %.0f s: %s\n%s" \
        % (WAIT, h.status(), d.stderr())
    assert 0 <= doc["agent"]["replaying"] < 100, doc["agent"]
    r = subprocess.run([h.ccmon, "status", "-c", h.config_path],
                       capture_output=True, text=True, timeout=WAIT)
    assert r.returncode == 0, r.stderr
    assert "replaying the logs: " in r.stdout, r.stdout[:2000]
    assert not d.notified("READY=1"), "READY=1 before the replay was over"

    t0 = time.monotonic()
    rc = d.stop(signal.SIGTERM, timeout=WAIT)
    took = time.monotonic() - t0
    print("ccmond stopped %.3f s after SIGTERM, mid-replay" % took)
    assert rc == 0, d.stderr()
    # It stopped because of the signal, not because the replay was over:
    # never ready, never watching, and the state saved part of the log.
    assert not d.notified("READY=1"), d.notify
    assert "watching" not in d.stderr(), d.stderr()
    pos = saved_files(h.state_dir)[log]
    assert 0 < pos["offset"] < size, (pos, size)
    # what was saved is a consistent position: just after a whole line
    with open(log, "rb") as f:
        f.seek(pos["offset"] - 1)
        assert f.read(1) == b"\n", pos


# ---- item 11: SIGHUP applies what it says it does ---------------------------

def reload_and_wait(h, d, text):
    seen = len(d.stderr_lines)
    d.send(signal.SIGHUP)
    ok = wait_for(lambda: [l for l in d.stderr_lines[seen:] if text in l],
                  timeout=WAIT)
    assert ok, "no %r after SIGHUP:\n%s" % (text,
                                           "\n".join(d.stderr_lines[seen:]))
    return d.stderr_lines[seen:]


def test_sighup_moves_state_dir(h):
    log = h.log()
    log.component(C1, "ACTIVE")
    h.config([srv("cs1")])
    d = h.start()
    old = os.path.join(h.state_dir, "state.json")
    assert wait_for(lambda: os.path.exists(old), timeout=WAIT)

    new_dir = os.path.join(h.workdir, "state2")
    h.config([srv("cs1")], state_dir=new_dir)
    said = reload_and_wait(h, d, "configuration reloaded")
    assert any("state_dir is now %s" % new_dir in l for l in said), said
    assert not any("but for what stays" in l for l in said), said
    assert os.path.exists(os.path.join(new_dir, "state.json"))
    assert os.path.exists(os.path.join(new_dir, "ccmond.lock"))
    assert not os.path.exists(old), "the old state file was left behind"
    # the new place is the one kept up to date
    log.component(C1, "GONE")
    h.wait_alarm("component-down", "raised", C1, timeout=WAIT)
    assert wait_for(lambda: '"component-down"' in read(
        os.path.join(new_dir, "state.json")), timeout=WAIT)

    # A state_dir that cannot be used: said, and the old one stays.
    bad = os.path.join(h.workdir, "a-file")
    open(bad, "w").close()
    h.config([srv("cs1")], state_dir=bad)
    said = reload_and_wait(h, d, "configuration reloaded")
    assert any("state_dir stays %s" % new_dir in l for l in said), said
    assert any("but for what stays" in l for l in said), said
    log.component(C1, "ACTIVE")
    h.wait_alarm("component-down", "cleared", C1, timeout=WAIT)
    assert wait_for(lambda: '"component-down"' not in read(
        os.path.join(new_dir, "state.json")), timeout=WAIT)
    assert d.stop() == 0, d.stderr()


def test_sighup_moves_runtime_dir(h):
    log = h.log()
    log.component(C1, "ACTIVE")
    h.config([srv("cs1")])
    d = h.start()
    old_sock = os.path.join(h.runtime_dir, "ccmond.sock")
    assert os.path.exists(old_sock)

    new_dir = os.path.join(h.workdir, "run2")   # missing: created
    h.config([srv("cs1")], runtime_dir=new_dir)
    said = reload_and_wait(h, d, "configuration reloaded")
    assert any("runtime_dir is now %s" % new_dir in l for l in said), said
    rc, doc, err = h.status()   # reads the new configuration
    assert rc == 0, err
    assert any(c["name"].lower() == C1 for c in doc["components"]), doc
    assert not os.path.exists(old_sock), "the old socket is still there"
    assert d.stop() == 0, d.stderr()


def test_sighup_changes_syslog_facility(h):
    log = h.log()
    log.component(C1, "ACTIVE")
    h.config([srv("cs1")], syslog_facility="local0")
    d = h.start()
    log.component(C1, "GONE")
    raised = h.wait_alarm("component-down", "raised", C1, timeout=WAIT)[0]
    assert raised["SYSLOG_FACILITY"] == "16", raised   # local0

    h.config([srv("cs1")], syslog_facility="local3")
    said = reload_and_wait(h, d, "configuration reloaded")
    assert not any("but for what stays" in l for l in said), said
    log.component(C1, "ACTIVE")
    cleared = h.wait_alarm("component-down", "cleared", C1,
                           timeout=WAIT)[0]
    assert cleared["SYSLOG_FACILITY"] == "19", cleared  # local3
    assert d.stop() == 0, d.stderr()


# ---- item 12: the runtime directory -----------------------------------------

def test_missing_runtime_dir_is_created(h):
    os.rmdir(h.runtime_dir)
    h.log().component(C1, "ACTIVE")
    h.config([srv("cs1")])
    d = h.start()
    st = os.stat(h.runtime_dir)
    assert stat.S_ISDIR(st.st_mode)
    assert stat.S_IMODE(st.st_mode) == 0o750, oct(st.st_mode)
    rc, doc, err = wait_for(lambda: (lambda r: r if r[0] == 0 else None)(
        h.status()), timeout=WAIT) or h.status()
    assert rc == 0, err
    with open(os.path.join(h.runtime_dir, "ccmond.pid")) as f:
        assert f.read().strip() == str(d.pid)
    assert d.stop() == 0, d.stderr()


def test_second_agent_on_the_runtime_dir_refuses(h):
    h.log().component(C1, "ACTIVE")
    h.config([srv("cs1")])
    d1 = h.start()
    other_state = os.path.join(h.workdir, "state-b")
    cfg2 = h.config([srv("cs1")], path=os.path.join(h.workdir, "b.conf"),
                    state_dir=other_state)
    d2 = h.start(config=cfg2, ready=False)
    try:
        rc = d2.proc.wait(timeout=WAIT)
    except subprocess.TimeoutExpired:
        pytest.fail("a second ccmond on the same runtime_dir kept running;"
                    " stderr:\n" + d2.stderr())
    d2.close()
    assert rc == 1, d2.stderr()
    why = d2.stderr()
    assert h.runtime_dir in why and "pid %d" % d1.pid in why, why
    assert d1.alive() and h.status()[0] == 0
    assert d1.stop() == 0, d1.stderr()


@pytest.mark.parametrize("end", ["stop", "crash"])
def test_status_says_when_it_shows_saved_state(h, end):
    """Stopped, or killed right after an alarm went out: the state saved
    before it (state.json, or its journal state.json.log until the whole
    save that follows within a second) is what ccmon status shows."""
    log = h.log()
    log.component(C1, "ACTIVE")
    h.config([srv("cs1")])
    d = h.start()
    log.component(C1, "GONE")
    h.wait_alarm("component-down", "raised", C1, timeout=WAIT)
    if end == "stop":
        assert d.stop() == 0, d.stderr()
    else:
        os.kill(d.pid, signal.SIGKILL)
        assert wait_for(lambda: not d.alive(), timeout=WAIT)
    r = subprocess.run([h.ccmon, "status", "-c", h.config_path],
                       capture_output=True, text=True, timeout=WAIT)
    assert r.returncode == 3, (r.returncode, r.stderr)
    assert r.stdout.startswith("Not a live view"), r.stdout
    assert "component-down" in r.stdout, r.stdout


# ---- item 13: clients that never read ----------------------------------------

def test_idle_clients_do_not_hold_up_status(h):
    # 3,000 components: an answer of about 800 KB, more than a socket
    # buffer holds, so that a client that never reads keeps its slot.
    log = os.path.join(h.logdir, "rtr-jsm-1_000001.log")
    fill(log, 3000)
    h.config([srv("cs1")])
    d = h.start()
    rc, doc, err = h.status()
    assert rc == 0 and len(doc["components"]) >= 3000, err

    sock = os.path.join(h.runtime_dir, "ccmond.sock")
    idle = []
    try:
        for _ in range(300):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.setblocking(False)
            for _try in range(5):
                try:
                    s.connect(sock)
                    idle.append(s)
                    break
                except (BlockingIOError, InterruptedError):
                    time.sleep(0.01)   # the backlog is full
            else:
                s.close()
        # at least the listen backlog (64) is taken
        assert len(idle) >= 65, len(idle)
        rc, doc, err = h.status()
        assert rc == 0, "ccmon status with %d idle clients: %s" % (
            len(idle), err)
        assert len(doc["components"]) >= 3000

        # The idle ones are closed: each reads to its end (some bytes of
        # the answer, or none).
        deadline = time.monotonic() + WAIT
        open_ = list(idle)
        while open_ and time.monotonic() < deadline:
            still = []
            for s in open_:
                try:
                    while True:
                        b = s.recv(1 << 20)
                        if not b:
                            break
                except (BlockingIOError, InterruptedError):
                    still.append(s)
                    continue
                except OSError:
                    pass
            open_ = still
            if open_:
                time.sleep(0.1)
        assert not open_, "%d idle clients still open after %.0f s" % (
            len(open_), WAIT)
    finally:
        for s in idle:
            s.close()
    assert d.alive()
    assert d.stop() == 0, d.stderr()


# ---- issue 11 item 8: a restart never resurrects a cleared alarm -------------

HOST = "10.53.52.205"
PORT = 7999
MARK_HOST = "10.53.52.250"  # no server's: its alarms are markers


def alarm_history(entries):
    """(type, state, resource, id) of each alarm message, in order."""
    return [(e["CCMON_ALARM"], e["CCMON_STATE"], e["CCMON_RESOURCE"],
             e.get("CCMON_ALARM_ID")) for e in entries]


def marker(h, log, port, seen):
    """A refusal of MARK_HOST:port, an endpoint no server has: its alarm
    comes after everything the agent decided before it read the line, so
    waiting for it waits for those too."""
    log.connecting(MARK_HOST, port)
    log.refused(MARK_HOST, port)
    mark = "%s:%d" % (MARK_HOST, port)
    got = wait_for(lambda: [e for e in h.alarms()[seen:]
                            if e.get("CCMON_RESOURCE") == mark],
                   timeout=WAIT)
    assert got, "no alarm for marker %s:\n%s\n%s" % (
        mark, h.describe(), h.daemon_stderr())


def lifecycle(h, log, restart):
    """The vendor's cycle (doc/domain.md "Causes of an outage") twice:
    GONE, refused reconnects, CONNECTED, ACTIVE.  The first is over before
    any restart (its alarms raised and cleared); the second, when restart()
    is given, with a stop and start of ccmond after each step; then three
    stops and starts more.  Every step ends with a marker, so that what the
    agent decided on its lines (or, just started, on its replay) has been
    sent before the next."""
    seen = len(h.alarms())
    port = [PORT + 100]

    def step(*lines):
        for f in lines:
            f()
        port[0] += 1
        marker(h, log, port[0], seen)

    gone = lambda: log.component(C1, "GONE")
    refused = lambda: (log.connecting(HOST, PORT), log.refused(HOST, PORT))
    back = lambda: (log.connecting(HOST, PORT),
                    log.component(C1, "CONNECTED"),
                    log.component(C1, "ACTIVE"))
    for s in (gone, refused, back):
        step(s)
    for s in (gone, refused, back):
        step(s)
        restart()
    for _ in range(3):
        restart()
    step()
    return h.alarms()[seen:]


# The component configured (its alarms: component-down, endpoint-refused
# on the server's name), or a name no [server] configures (its loss counts
# in unknown-components of the node, its endpoint is learned from the
# log's connect line and named host:port).
CYCLES = {
    "configured": ([srv("cs1", host=HOST, port=PORT)],
                   [("component-down", "raised", C1),
                    ("endpoint-refused", "raised", "cs1"),
                    ("endpoint-refused", "cleared", "cs1"),
                    ("component-down", "cleared", C1)]),
    "unknown": ([srv("cs9", host="10.53.52.209", port=PORT)],
                [("unknown-components", "raised", "imp1.example.com"),
                 ("endpoint-refused", "raised", "%s:%d" % (HOST, PORT)),
                 ("endpoint-refused", "cleared", "%s:%d" % (HOST, PORT)),
                 ("unknown-components", "cleared", "imp1.example.com")]),
}


@pytest.mark.parametrize("which", sorted(CYCLES))
def test_restarts_do_not_resurrect_cleared_alarms(h, which):
    """The alarm history across stops and starts is that of one run: a
    restart replays the log to rebuild the state, and what was cleared
    before it stays cleared, what was raised stays raised (no second
    raise), each raise is cleared once with its id (ccmond(8), STATE)."""
    servers, cycle = CYCLES[which]

    # the baseline: one uninterrupted run, on a log and state of its own
    log = h.log("one-rtr-jsm-1_000001.log")
    log.component(C1, "ACTIVE", t=time.time() - 30)
    h.config(servers, log=os.path.join(h.logdir, "one-rtr-jsm-1_*.log"),
             state_dir=os.path.join(h.workdir, "state-one"))
    d = h.start(ready=False).wait_ready(settle=0)
    one = lifecycle(h, log, lambda: None)
    assert d.stop() == 0, d.stderr()

    # the same lines with restarts
    log = h.log()
    log.component(C1, "ACTIVE", t=time.time() - 30)
    h.config(servers)
    daemons = [h.start(ready=False).wait_ready(settle=0)]

    def restart():
        assert daemons[-1].stop() == 0, daemons[-1].stderr()
        daemons.append(h.start(ready=False).wait_ready(settle=0))

    many = lifecycle(h, log, restart)
    assert daemons[-1].stop() == 0, daemons[-1].stderr()
    assert len(daemons) == 7

    # each state_dir counts its ids from 1: the ids compare too
    got = alarm_history(many)
    assert got == alarm_history(one), \
        "with restarts:\n%s\none run:\n%s" % (h.describe(many),
                                               h.describe(one))
    # and that history is the cycle's, twice: raised on the loss and the
    # refusal, cleared on the connect and ACTIVE, once per cycle
    ours = [(t, s, r) for t, s, r, _ in got if not r.startswith(MARK_HOST)]
    assert ours == cycle + cycle, h.describe(many)


def probe_cycle(h, log, port, restart):
    """The router refused, then our probe gets through (the server is
    back, the router not yet): endpoint-refused clears on the probe's word
    alone, which no log line holds.  Three restarts (when restart() is
    given), then the router connects."""
    seen = len(h.alarms())
    marks = [PORT + 200]

    def mark():
        marks[0] += 1
        marker(h, log, marks[0], seen)

    log.component(C1, "GONE")
    log.connecting("127.0.0.1", port)
    log.refused("127.0.0.1", port)
    cleared = wait_for(lambda: [e for e in h.alarms()[seen:]
                                if e["CCMON_ALARM"] == "endpoint-refused"
                                and e["CCMON_STATE"] == "cleared"],
                       timeout=WAIT)
    assert cleared, "the probe did not clear endpoint-refused:\n%s\n%s" % (
        h.describe(), h.daemon_stderr())
    mark()
    for _ in range(3):
        restart()
        mark()
    log.connecting("127.0.0.1", port)
    log.component(C1, "CONNECTED")
    log.component(C1, "ACTIVE")
    mark()
    return h.alarms()[seen:]


def test_restarts_keep_what_the_probe_proved(h):
    """What only ccmond saw (its probe got through after the router's
    refusals) is kept across restarts: the replayed refusals do not raise
    endpoint-refused again (ccmond(8), STATE)."""
    _, port = h.cs_server("accept")
    servers = [srv("cs1", host="127.0.0.1", port=port, probe="tcp",
                   probe_interval="1s", probe_timeout="500ms")]

    log = h.log("one-rtr-jsm-1_000001.log")
    log.component(C1, "ACTIVE", t=time.time() - 30)
    h.config(servers, log=os.path.join(h.logdir, "one-rtr-jsm-1_*.log"),
             state_dir=os.path.join(h.workdir, "state-one"))
    d = h.start(ready=False).wait_ready(settle=0)
    one = probe_cycle(h, log, port, lambda: None)
    assert d.stop() == 0, d.stderr()

    log = h.log()
    log.component(C1, "ACTIVE", t=time.time() - 30)
    h.config(servers)
    daemons = [h.start(ready=False).wait_ready(settle=0)]

    def restart():
        assert daemons[-1].stop() == 0, daemons[-1].stderr()
        daemons.append(h.start(ready=False).wait_ready(settle=0))

    many = probe_cycle(h, log, port, restart)
    assert daemons[-1].stop() == 0, daemons[-1].stderr()
    assert len(daemons) == 4

    got = alarm_history(many)
    assert got == alarm_history(one), \
        "with restarts:\n%s\none run:\n%s" % (h.describe(many),
                                               h.describe(one))
    ours = [(t, s, r) for t, s, r, _ in got if not r.startswith(MARK_HOST)]
    assert ours == [("component-down", "raised", C1),
                    ("endpoint-refused", "raised", "cs1"),
                    ("endpoint-refused", "cleared", "cs1"),
                    ("component-down", "cleared", C1)], h.describe(many)

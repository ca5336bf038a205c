# SPDX-License-Identifier: ISC
"""ccmond end to end: a real ccmond following router logs that the test
writes, probing compliance servers of our own (tests/cs_server.py), and
sending its alarms to a real systemd-journald (or syslog without one), read
back and checked field by field.

CCMOND and CCMON name the binaries (`make check` sets them; the tests skip
when they are unset).  ccmond runs in a private mount namespace with its own
journald (see tests/ccmond_harness.py): needs root, unshare, nsenter and
/lib/systemd/systemd-journald, and skips with the reason otherwise.

The configurations make the agent fast: holds of 0 s, short probe
intervals, flap detection off, except in the tests of the holds, flap
damping and the rate limit.  The log-unreadable test runs ccmond as nobody
(root reads every file).  Log lines carry the current local time of day,
as the router's trace does ("HH:MM:SS.mmm |info router Component ... is GONE").
Their servers have the harness's neutral profile, whose only event no user
waits for: each loss is absorbed, and component-down is a warning
(ccmond(8), "What each alarm means for users").
"""
import json
import os
import re
import signal
import subprocess
import threading
import time

import pytest

from ccmond_harness import (NODE, STEP, Harness, binaries, component_of,
                            free_port, message_ids, read, stamp,
                            wait_for)

C1 = component_of("cs1")   # op-cs1.imp1-example-com
C2 = component_of("cs2")
C3 = component_of("cs3")
HOST1, HOST2, HOST3 = "10.53.52.205", "10.53.52.206", "10.53.52.207"
MARK_HOST = "10.53.52.250"  # no server's: its alarms are markers
PORT = 7999

SEVERITY_PRIORITY = {"critical": "2", "major": "3", "minor": "4",
                     "warning": "4"}


def srv(name, host, port=PORT, **kw):
    """A [server] section (probe = none unless given)."""
    return dict(name=name, host=host, port=port, **kw)


SERVERS = [srv("cs1", HOST1), srv("cs2", HOST2)]


@pytest.fixture
def hs():
    harness = Harness("syslog")
    try:
        yield harness
    finally:
        harness.close()


@pytest.fixture(scope="module")
def ids():
    return message_ids()


def received(e):
    """When journald received an entry (seconds since the epoch)."""
    return int(e["__REALTIME_TIMESTAMP"]) / 1e6


def check_entry(e, ids, alarm, state, resource, severity):
    """The fields every alarm message carries."""
    assert e["SYSLOG_IDENTIFIER"] == "ccmond", e
    assert e["CCMON_ALARM"] == alarm, e
    assert e["MESSAGE_ID"] == ids[alarm], e
    assert e["CCMON_STATE"] == state, e
    assert e["CCMON_SEVERITY"] == severity, e
    assert e["CCMON_RESOURCE"].lower() == resource.lower(), e
    assert re.fullmatch(r"[1-9]\d*", e["CCMON_ALARM_ID"]), e
    if state == "raised":
        assert e["PRIORITY"] == SEVERITY_PRIORITY[severity], e
        assert e["MESSAGE"].startswith(
            "ccmon: %s raised %s %s" % (severity.upper(), alarm, resource)), e
        assert "CCMON_ENDED" not in e
    else:
        assert e["PRIORITY"] == "5", e
        assert e["MESSAGE"].startswith(
            "ccmon: cleared %s %s" % (alarm, resource)), e
        assert "CCMON_ENDED" in e, e


def check_ids(h, entries):
    """Over all messages: each CCMON_ALARM_ID has one raise, then at most
    one clear, of one alarm."""
    by_id = {}
    for e in entries:
        by_id.setdefault(e["CCMON_ALARM_ID"], []).append(e)
    for i, es in by_id.items():
        assert [e["CCMON_STATE"] for e in es] in (["raised"],
                                                  ["raised", "cleared"]), \
            "alarm id %s:\n%s" % (i, h.describe(es))
        assert len({(e["CCMON_ALARM"], e["CCMON_RESOURCE"])
                    for e in es}) == 1, h.describe(es)


def one_pair(h, ids, alarm, resource, severity, entries=None):
    """Exactly one raised and one cleared message for the alarm, raised
    first, sharing one CCMON_ALARM_ID; returns (raised, cleared)."""
    entries = h.alarms() if entries is None else entries
    check_ids(h, entries)
    mine = h.select(alarm, None, resource, entries)
    states = [e["CCMON_STATE"] for e in mine]
    assert states == ["raised", "cleared"], \
        "%s %s: want one raise then one clear, got %s\n%s" % (
            alarm, resource, states, h.describe(entries))
    raised, cleared = mine
    check_entry(raised, ids, alarm, "raised", resource, severity)
    check_entry(cleared, ids, alarm, "cleared", resource, severity)
    assert raised["CCMON_ALARM_ID"] == cleared["CCMON_ALARM_ID"]
    return raised, cleared


def local_ms(t):
    """t as ccmond writes times: local YYYY-MM-DDTHH:MM:SS.mmm."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(t)) + \
        ".%03d" % (int(t * 1000) % 1000)


def history(log, events, start=None, step=2.0):
    """Writes past lines (component, state) at increasing times of day
    ending a few seconds ago."""
    t = start if start is not None else time.time() - 5 - step * len(events)
    times = []
    for ev in events:
        if ev[0] == "refused":
            log.connecting(ev[1], ev[2], t=t)
            log.refused(ev[1], ev[2], t=t)
        else:
            log.component(ev[0], ev[1], t=t)
        times.append(t)
        t += step
    return times


# ---- 1. configuration errors ------------------------------------------------

FINDING = re.compile(
    r"^(?:ccmond: )?(\S.*?:\d+: (?:error|warning): .*\[[a-z-]+\])$")


def findings(text):
    return {m.group(1) for m in map(FINDING.match, text.splitlines()) if m}


def test_bad_config_refuses_to_start(tmp_path):
    ccmond, ccmon = binaries()
    state, run = tmp_path / "state", tmp_path / "run"
    state.mkdir()
    run.mkdir()
    cfg = tmp_path / "bad.conf"
    cfg.write_text(
        "[agent]\n"                                          # 1
        "log = %s/rtr-jsm-1_*.log\n" % tmp_path +            # 2
        "node = imp1.example.com\n"                          # 3
        "state_dir = %s\n" % state +                         # 4
        "runtime_dir = %s\n" % run +                         # 5
        "alarm_raise_hod = 0s\n"                             # 6 unknown-key
        "\n"                                                 # 7
        "[server cs1]\n"                                     # 8
        "host = 10.53.52.205\n"                              # 9
        "port = 99999\n"                                     # 10 port
        "probe = ping\n")                                    # 11 probe
    p = subprocess.Popen([ccmond, "-c", str(cfg), "-f"],
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    try:
        out, err = p.communicate(timeout=STEP)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate(timeout=STEP)
        pytest.fail("ccmond started on a bad configuration; stderr:\n" + err)
    assert p.returncode == 1, err
    for line, rule in ((6, "unknown-key"), (10, "port"), (11, "probe")):
        want = re.compile(r"^(?:ccmond: )?%s:%d: error: .*\[%s\]$"
                          % (re.escape(str(cfg)), line, rule), re.M)
        assert want.search(err), \
            "no finding %s:%d [%s] on stderr:\n%s" % (cfg, line, rule, err)
    assert not os.path.exists(run / "ccmond.sock")
    assert not os.path.exists(state / "state.json")

    # check-config reports the very same findings.
    r = subprocess.run([ccmon, "check-config", "-c", str(cfg)],
                       capture_output=True, text=True, timeout=STEP)
    assert r.returncode == 1, r.stderr
    assert findings(r.stderr) == findings(err), \
        "check-config:\n%s\nccmond:\n%s" % (r.stderr, err)

    # A file that cannot be read: the same refusal.
    missing = tmp_path / "missing.conf"
    r = subprocess.run([ccmond, "-c", str(missing), "-f"],
                       stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, timeout=STEP)
    assert r.returncode == 1, r.stderr
    assert str(missing) in r.stderr and "[open]" in r.stderr, r.stderr


def test_cluster_config_checked_before_start(tmp_path):
    """[node] sections: check-config prints them in the effective
    configuration; a file two nodes' patterns match refuses the start,
    with the file, line and rule (ccmon.conf(5), log-two-nodes)."""
    ccmond, ccmon = binaries()
    state, run, logs = tmp_path / "state", tmp_path / "run", tmp_path / "l"
    for d in (state, run, logs):
        d.mkdir(mode=0o700)
    (logs / "rtr-jsm-1_000001.log").write_text("")
    head = ("[agent]\n"                                       # 1
            "state_dir = %s\n" % state +                       # 2
            "runtime_dir = %s\n" % run +                       # 3
            "[node imp1.example.com]\n"                        # 4
            "log = %s/rtr-jsm-1_*.log\n" % logs)               # 5
    server = ("[server cs1]\nhost = 10.53.52.205\nport = 7999\n"
              "node = imp1.example.com\nprobe = none\n")
    good = tmp_path / "good.conf"
    good.write_text(head + "[node imp2.example.com]\n"
                    "log = /srv/imp2/rtr-jsm-1_*.log\n" + server)
    r = subprocess.run([ccmon, "check-config", "-c", str(good)],
                       capture_output=True, text=True, timeout=STEP)
    assert r.returncode == 0, r.stderr
    assert "\n[node imp2.example.com]\nlog = /srv/imp2/rtr-jsm-1_*.log\n" \
        in r.stdout, r.stdout

    bad = tmp_path / "bad.conf"
    bad.write_text(head + "[node imp2.example.com]\n"            # 6
                   "log = %s/*_000001.log\n" % logs + server)  # 7
    want = re.compile(r"^(?:ccmond: )?%s:6: error: \[node imp2\.example\.com\]"
                      r" log .* matches %s, .*\[log-two-nodes\]$"
                      % (re.escape(str(bad)),
                         re.escape(str(logs / "rtr-jsm-1_000001.log"))),
                      re.M)
    r = subprocess.run([ccmond, "-c", str(bad), "-f"],
                       stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, timeout=STEP)
    assert r.returncode == 1, r.stderr
    assert want.search(r.stderr), r.stderr
    assert not os.path.exists(run / "ccmond.sock")
    r = subprocess.run([ccmon, "check-config", "-c", str(bad)],
                       capture_output=True, text=True, timeout=STEP)
    assert r.returncode == 1 and want.search(r.stderr), r.stderr


# ---- 2. component-down ------------------------------------------------------

def test_component_down_raised_then_cleared(h, ids):
    log = h.log()
    history(log, [(C1, "ACTIVE"), (C2, "ACTIVE")])
    h.config(SERVERS)
    d = h.start()
    t0 = time.time()
    log.component(C1, "GONE")
    raised = h.wait_alarm("component-down", "raised", C1)[0]
    log.component(C1, "CONNECTED")
    log.component(C1, "ACTIVE")
    h.wait_alarm("component-down", "cleared", C1)
    time.sleep(1.0)
    assert d.stop() == 0, d.stderr()

    entries = h.alarms()
    raised, cleared = one_pair(h, ids, "component-down", C1, "warning",
                               entries)
    assert len(entries) == 2, "other alarms:\n" + h.describe(entries)
    for e in (raised, cleared):
        assert e["CCMON_COMPONENT"].lower() == C1
        assert e["CCMON_SERVER"] == "cs1", e  # the configured server
        assert e["CCMON_RESOURCE_KIND"] == "component"
        assert e["_TRANSPORT"] == "journal"
    assert raised["MESSAGE"].startswith(
        "ccmon: WARNING raised component-down %s: " % C1)
    assert "no event of its profile waits on it in the cluster: nobody " \
        "affected" in raised["MESSAGE"], raised["MESSAGE"]
    # Times are local civil time, no zone suffix (ccmond(8), Times).
    for field in ("CCMON_SINCE", "CCMON_RAISED_AT"):
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}",
                            raised[field]), raised[field]
    since = time.mktime(time.strptime(raised["CCMON_SINCE"][:19],
                                      "%Y-%m-%dT%H:%M:%S"))
    # read after t0, and within the wait's bound: local time, not UTC
    # shifted by a zone (the test's bound is STEP, not the machine's speed)
    assert t0 - 1 <= since <= t0 + STEP + 1, \
        "CCMON_SINCE %s is not the local time of the GONE line (%s)" % (
            raised["CCMON_SINCE"], stamp(t0))
    assert cleared["CCMON_ENDED"] >= raised["CCMON_SINCE"]


def test_queue_latency_high_raised_then_cleared_by_the_window(h, ids):
    """A bounce is an event that waited queue_wait (30 s): over
    queue_latency_high, raised at once; cleared when it leaves the
    latency window, with no further line (the agent's timer)."""
    log = h.log()
    history(log, [(C1, "ACTIVE"), (C2, "ACTIVE")])
    h.config(SERVERS, latency_window="3s", queue_latency_high="1s")
    d = h.start()
    t0 = time.time()
    log.line("Bouncing packet intended for %s: External Server Error" % C1,
             level="warning")
    raised = h.wait_alarm("queue-latency-high", "raised", C1)[0]
    assert "p95 30.000s, max 30.000s over 1 waits in the last 3s " \
        "(threshold 1s)" in raised["MESSAGE"], raised["MESSAGE"]
    cleared = h.wait_alarm("queue-latency-high", "cleared", C1)[0]
    # the window is 3 s: no sooner (how much later is the machine's
    # load, not the agent's rule: no upper bound)
    assert 2.5 <= received(cleared) - received(raised), \
        (received(raised), received(cleared))
    assert d.stop() == 0, d.stderr()
    entries = h.alarms()
    one_pair(h, ids, "queue-latency-high", C1, "major", entries)
    assert len(entries) == 2, "other alarms:\n" + h.describe(entries)


# ---- 3. auth-failure --------------------------------------------------------

def test_auth_failure_after_auth_timeout(h, ids):
    log = h.log()
    history(log, [(C1, "ACTIVE"), (C2, "ACTIVE")])
    h.config(SERVERS, auth_timeout="1s")
    d = h.start()
    log.component(C1, "GONE")
    log.connecting(HOST1, PORT)
    t0 = time.time()
    log.component(C1, "CONNECTED")
    raised = h.wait_alarm("auth-failure", "raised", C1)[0]
    waited = received(raised) - t0
    assert 0.9 <= waited, \
        "auth-failure %.2f s after CONNECTED, auth_timeout 1s" % waited
    # Still down, and for a reason of its own.
    h.wait_alarm("component-down", "raised", C1)
    log.component(C1, "ACTIVE")
    h.wait_alarm("auth-failure", "cleared", C1)
    h.wait_alarm("component-down", "cleared", C1)
    time.sleep(1.0)
    assert d.stop() == 0, d.stderr()

    entries = h.alarms()
    raised, _ = one_pair(h, ids, "auth-failure", C1, "critical", entries)
    assert raised["CCMON_COMPONENT"].lower() == C1
    one_pair(h, ids, "component-down", C1, "warning", entries)
    assert not h.select(resource=C2, entries=entries)


def test_auth_within_timeout_is_no_failure(h, ids):
    log = h.log()
    history(log, [(C1, "ACTIVE")])
    h.config(SERVERS, auth_timeout="1s")
    d = h.start()
    log.component(C1, "GONE")
    log.component(C1, "CONNECTED")
    time.sleep(0.4)
    log.component(C1, "ACTIVE")
    h.wait_alarm("component-down", "cleared", C1)
    time.sleep(1.5)
    assert d.stop() == 0, d.stderr()
    entries = h.alarms()
    assert not h.select("auth-failure", entries=entries), \
        h.describe(entries)


# ---- router restart (issue 11 item 2) -----------------------------------------

def test_router_restart_is_one_event(h, ids):
    """The router's log silent for restart_silence (log time: the lines
    are stamped so), then both components CONNECTED and ACTIVE at once:
    one xcp-router-restart for the node (major), raised when the burst
    comes and cleared restart_silence later; no component-down."""
    log = h.log()
    history(log, [(C1, "ACTIVE"), (C2, "ACTIVE")])
    h.config(SERVERS, restart_silence="3s", restart_burst="1s")
    d = h.start()
    t = time.time()
    log.noise(t=t)
    log.line("XCP Router starting", t=t + 4)
    log.connecting(HOST1, PORT, t=t + 4.1)
    log.component(C1, "CONNECTED", t=t + 4.11)
    log.connecting(HOST2, PORT, t=t + 4.12)
    log.component(C2, "CONNECTED", t=t + 4.13)
    log.component(C1, "ACTIVE", t=t + 4.14)
    log.component(C2, "ACTIVE", t=t + 4.15)
    raised = h.wait_alarm("xcp-router-restart", "raised", NODE)[0]
    assert "silent for 4.000s" in raised["MESSAGE"], raised
    h.wait_alarm("xcp-router-restart", "cleared", NODE)
    assert d.stop() == 0, d.stderr()
    entries = h.alarms()
    one_pair(h, ids, "xcp-router-restart", NODE, "major", entries)
    assert not h.select("component-down", entries=entries), \
        h.describe(entries)


# ---- 4. endpoint-refused ----------------------------------------------------

def test_endpoint_refused_names_the_server(h, ids):
    log = h.log()
    history(log, [(C1, "ACTIVE"), (C2, "ACTIVE")])
    h.config(SERVERS)
    d = h.start()
    log.component(C2, "GONE")
    log.connecting(HOST2, PORT)
    log.refused(HOST2, PORT)
    raised = h.wait_alarm("endpoint-refused", "raised", "cs2")[0]
    # The router retries: the same alarm, no new message.
    for _ in range(3):
        time.sleep(0.3)
        log.connecting(HOST2, PORT)
        log.refused(HOST2, PORT)
    time.sleep(0.5)
    assert len(h.select("endpoint-refused", "raised")) == 1, h.describe()
    log.connecting(HOST2, PORT)
    log.component(C2, "CONNECTED")
    log.component(C2, "ACTIVE")
    h.wait_alarm("endpoint-refused", "cleared", "cs2")
    h.wait_alarm("component-down", "cleared", C2)
    time.sleep(1.0)
    assert d.stop() == 0, d.stderr()

    entries = h.alarms()
    raised, cleared = one_pair(h, ids, "endpoint-refused", "cs2", "major",
                               entries)
    assert raised["CCMON_SERVER"] == "cs2", raised
    assert raised["CCMON_RESOURCE_KIND"] == "server"
    assert raised["CCMON_COMPONENT"].lower() == C2, raised
    # Nothing about the other server on the same port.
    assert not h.select(resource="cs1", entries=entries)
    assert not h.select(resource=C1, entries=entries)
    one_pair(h, ids, "component-down", C2, "warning", entries)


def test_endpoint_refused_cleared_by_a_good_probe(h, ids):
    _, port = h.cs_server("accept")
    log = h.log()
    history(log, [(C1, "ACTIVE")])
    h.config([srv("cs1", "127.0.0.1", port, probe="tcp",
                  probe_interval="1s", probe_timeout="500ms")])
    d = h.start()
    # The router was refused; our own probe then gets through.
    log.component(C1, "GONE")
    log.connecting("127.0.0.1", port)
    log.refused("127.0.0.1", port)
    h.wait_alarm("endpoint-refused", "raised", "cs1")
    h.wait_alarm("endpoint-refused", "cleared", "cs1")
    time.sleep(0.5)
    assert d.stop() == 0, d.stderr()
    entries = h.alarms()
    one_pair(h, ids, "endpoint-refused", "cs1", "major", entries)
    assert not h.select("probe-failing", entries=entries), \
        h.describe(entries)


# ---- 5. probes --------------------------------------------------------------

FAST_PROBE = dict(probe_interval="500ms", probe_timeout="300ms")


def test_probe_tcp_closed_port_then_listening(h, ids):
    port = free_port()
    log = h.log()
    history(log, [(C1, "ACTIVE")])
    h.config([srv("cs1", "127.0.0.1", port, probe="tcp", **FAST_PROBE)])
    d = h.start()
    raised = h.wait_alarm("probe-failing", "raised", "cs1")[0]
    assert raised["CCMON_SERVER"] == "cs1", raised
    h.cs_server("accept", port)
    h.wait_alarm("probe-failing", "cleared", "cs1")
    time.sleep(1.5)  # three more probes, all good
    assert d.stop() == 0, d.stderr()
    entries = h.alarms()
    one_pair(h, ids, "probe-failing", "cs1", "major", entries)
    assert len(entries) == 2, h.describe(entries)


def test_probe_stream_answered_or_garbage(h, ids):
    _, good = h.cs_server("stream")
    _, bad = h.cs_server("garbage")
    log = h.log()
    history(log, [(C1, "ACTIVE"), (C2, "ACTIVE")])
    h.config([srv("cs1", "127.0.0.1", good, probe="stream", **FAST_PROBE),
              srv("cs2", "127.0.0.1", bad, probe="stream", **FAST_PROBE)])
    d = h.start()
    h.wait_alarm("probe-failing", "raised", "cs2")
    time.sleep(2.0)  # four probes of each
    assert d.alive(), d.stderr()
    entries = h.alarms()
    assert not h.select(resource="cs1", entries=entries), \
        "a server answering its stream header is alarmed:\n" + \
        h.describe(entries)
    assert len(h.select("probe-failing", "raised", "cs2", entries)) == 1
    assert not h.select("probe-failing", "cleared", "cs2", entries)
    assert d.stop(signal.SIGINT) == 0, d.stderr()


# ---- 6. log-silent ----------------------------------------------------------

def test_log_silent_and_back(h, ids):
    log = h.log()
    history(log, [(C1, "ACTIVE")])
    h.config(SERVERS, log_silent_after="2s")
    d = h.start()
    t0 = time.time()
    log.noise()
    raised = h.wait_alarm("log-silent", "raised")[0]
    silent = received(raised) - t0
    assert 1.8 <= silent, \
        "log-silent after %.2f s of silence, log_silent_after 2s" % silent
    pattern = os.path.join(h.logdir, "rtr-jsm-1_*.log")
    assert raised["CCMON_RESOURCE"] in (pattern, log.path), raised
    assert raised["CCMON_LOG"] == raised["CCMON_RESOURCE"]
    resource = raised["CCMON_RESOURCE"]
    log.noise()
    h.wait_alarm("log-silent", "cleared", resource)
    for _ in range(3):  # alive: no new silence
        time.sleep(0.3)
        log.noise()
    assert d.stop() == 0, d.stderr()
    entries = h.alarms()
    one_pair(h, ids, "log-silent", resource, "minor", entries)
    assert len(entries) == 2, h.describe(entries)


# ---- 7. holds and flap damping ----------------------------------------------

def test_raise_and_clear_holds(h, ids):
    log = h.log()
    history(log, [(C1, "ACTIVE")])
    h.config(SERVERS, alarm_raise_hold="1s", alarm_clear_hold="1s")
    d = h.start()
    # Down for less than the raise hold: nothing.
    log.component(C1, "GONE")
    time.sleep(0.3)
    log.component(C1, "ACTIVE")
    time.sleep(1.7)
    assert not h.select("component-down"), h.describe()
    # Down for longer: raised once the hold has passed.
    t1 = time.time()
    log.component(C1, "GONE")
    raised = h.wait_alarm("component-down", "raised", C1)[0]
    assert received(raised) - t1 >= 0.9, "raised before alarm_raise_hold"
    # Back for less than the clear hold: the clear is cancelled.
    log.component(C1, "ACTIVE")
    time.sleep(0.3)
    log.component(C1, "GONE")
    time.sleep(1.7)
    assert not h.select("component-down", "cleared"), h.describe()
    t2 = time.time()
    log.component(C1, "ACTIVE")
    cleared = h.wait_alarm("component-down", "cleared", C1)[0]
    assert received(cleared) - t2 >= 0.9, "cleared before alarm_clear_hold"
    time.sleep(0.5)
    assert d.stop() == 0, d.stderr()
    one_pair(h, ids, "component-down", C1, "warning")


def test_flapping_component_is_damped(h, ids):
    log = h.log()
    history(log, [(C1, "ACTIVE")])
    h.config(SERVERS, alarm_raise_hold="1s", alarm_clear_hold="1s",
             flap_window="2s", flap_threshold="4",
             alarm_rate_limit="30/m")
    d = h.start()
    end = time.monotonic() + 4.0
    pairs = 0
    while time.monotonic() < end:  # 10 GONE/ACTIVE pairs a second
        log.component(C1, "GONE")
        time.sleep(0.05)
        log.component(C1, "ACTIVE")
        time.sleep(0.05)
        pairs += 1
    assert pairs >= 30
    h.wait_alarm("component-down", "cleared", C1)
    time.sleep(1.0)
    assert d.stop() == 0, d.stderr()
    entries = h.alarms()
    mine = h.select("component-down", None, C1, entries)
    assert len(mine) <= 2, \
        "%d messages for a flapping component:\n%s" % (len(mine),
                                                       h.describe(entries))
    raised, _ = one_pair(h, ids, "component-down", C1, "warning", entries)
    assert raised.get("CCMON_FLAPPING") == "yes", raised


def test_rate_limit_withholds_pairs(h, ids):
    log = h.log()
    history(log, [(C1, "ACTIVE")])
    h.config(SERVERS, alarm_rate_limit="2/s")
    d = h.start()
    # Three outages at once: the first two messages go out, the other
    # raise/clear pairs cancel out within the limit.
    for _ in range(3):
        log.component(C1, "GONE")
        log.component(C1, "ACTIVE")
    h.wait_alarm("component-down", "cleared", C1)
    time.sleep(1.5)
    assert len(h.select("component-down")) == 2, h.describe()
    # The next message says how many pairs were withheld.
    log.component(C1, "GONE")
    third = h.wait_alarm("component-down", "raised", C1, count=2)[1]
    assert third.get("CCMON_WITHHELD") == "2", third
    log.component(C1, "ACTIVE")
    h.wait_alarm("component-down", "cleared", C1, count=2)
    time.sleep(0.5)
    assert d.stop() == 0, d.stderr()
    entries = h.alarms()
    check_ids(h, entries)
    assert [e["CCMON_STATE"] for e in entries] == \
        ["raised", "cleared", "raised", "cleared"], h.describe(entries)


# ---- 8. restart and kill -9 -------------------------------------------------

def test_kill_9_and_restart_raise_once_clear_once(h, ids):
    log = h.log()
    history(log, [(C1, "ACTIVE"), (C2, "ACTIVE")])
    h.config(SERVERS)
    d1 = h.start()
    log.component(C1, "GONE")
    first = h.wait_alarm("component-down", "raised", C1)[0]
    d1.kill9()
    # Written while nobody watches: read once, by the next run.
    log.noise(3)
    log.component(C2, "GONE")
    log.noise(3)
    d2 = h.start()
    h.wait_alarm("component-down", "raised", C2)
    time.sleep(1.0)
    entries = h.alarms()
    assert len(h.select("component-down", "raised", C1, entries)) == 1, \
        "raised again after the restart:\n" + h.describe(entries)
    assert not h.select(state="cleared", entries=entries), \
        h.describe(entries)
    log.component(C1, "ACTIVE")
    log.component(C2, "ACTIVE")
    h.wait_alarm("component-down", "cleared", C1)
    h.wait_alarm("component-down", "cleared", C2)
    time.sleep(0.5)
    assert d2.stop() == 0, d2.stderr()

    # A clean restart re-alarms nothing either.
    before = h.alarms()
    d3 = h.start()
    time.sleep(1.5)
    assert d3.stop() == 0, d3.stderr()
    entries = h.alarms()
    assert len(entries) == len(before), \
        "the third run sent:\n" + h.describe(entries[len(before):])

    r1, c1 = one_pair(h, ids, "component-down", C1, "warning", entries)
    assert r1["CCMON_ALARM_ID"] == first["CCMON_ALARM_ID"]
    r2, _ = one_pair(h, ids, "component-down", C2, "warning", entries)
    assert r2["CCMON_ALARM_ID"] != r1["CCMON_ALARM_ID"], \
        "alarm ids reused across the restart"
    assert len(entries) == 4, h.describe(entries)
    st = os.stat(os.path.join(h.state_dir, "state.json"))
    assert st.st_mode & 0o007 == 0, \
        "state.json readable by all: %o" % (st.st_mode & 0o777)


def test_restart_resumes_at_the_last_complete_line(h, ids):
    log = h.log()
    history(log, [(C1, "ACTIVE")])
    h.config(SERVERS)
    d1 = h.start()
    # Half a line when it stops: not a message yet, not skipped either.
    os.write(log.fd, ("%s |info router Component %s is GO"
                      % (stamp(), C1)).encode())
    # A marker in another file of the pattern, an endpoint no server has
    # refused: the pass that reads that new file reads every file
    # followed, so once its alarm is in, one the half line caused would
    # be in before it.
    mark1 = refused_marker(h, h.log("rtr-jsm-1_000002.log"), PORT)
    assert [(e["CCMON_ALARM"], e["CCMON_RESOURCE"]) for e in h.alarms()] \
        == [("endpoint-refused", mark1)], h.describe()
    assert d1.stop() == 0, d1.stderr()
    os.write(log.fd, b"NE\n")
    d2 = h.start()
    h.wait_alarm("component-down", "raised", C1)
    log.component(C1, "ACTIVE")
    h.wait_alarm("component-down", "cleared", C1)
    # Another marker, after which nothing more may come.
    mark2 = refused_marker(h, log, PORT + 1)
    assert d2.stop() == 0, d2.stderr()
    entries = h.alarms()
    assert [(e["CCMON_ALARM"], e["CCMON_RESOURCE"]) for e in entries
            if e["CCMON_ALARM"] == "endpoint-refused"] == \
        [("endpoint-refused", mark1), ("endpoint-refused", mark2)], \
        h.describe(entries)
    entries = h.select("component-down", entries=entries)
    one_pair(h, ids, "component-down", C1, "warning", entries)
    assert len(entries) == 2, h.describe(entries)


def refused_marker(h, log, port):
    """MARK_HOST:port refused in log; waits for its endpoint-refused
    alarm and returns its resource."""
    log.connecting(MARK_HOST, port)
    log.refused(MARK_HOST, port)
    mark = "%s:%d" % (MARK_HOST, port)
    h.wait_alarm("endpoint-refused", "raised", mark)
    return mark


# ---- 9. first start ---------------------------------------------------------

def test_first_start_replays_history_silently(h, ids):
    log = h.log()
    times = history(log, [
        (C1, "ACTIVE"), (C2, "ACTIVE"), (C3, "ACTIVE"),
        (C1, "GONE"), ("refused", HOST1, PORT), ("refused", HOST1, PORT),
        (C1, "CONNECTED"),                  # no ACTIVE for 4 s: auth, past
        (C2, "GONE"), (C1, "ACTIVE"), (C2, "CONNECTED"), (C2, "ACTIVE"),
        (C2, "GONE"), (C2, "CONNECTED"),    # not ACTIVE for 5 s: auth, now
        (C3, "GONE"),                       # still GONE now
        ("refused", HOST3, PORT),           # and still refused
    ], step=2.0)
    h.config([srv("cs1", HOST1), srv("cs2", HOST2), srv("cs3", HOST3)],
             auth_timeout="1s")
    d = h.start()
    raised = h.wait_alarm("component-down", "raised", C3)[0]
    refused = h.wait_alarm("endpoint-refused", "raised", "cs3")[0]
    # A marker: an endpoint no server has, refused now.  Once its alarm
    # is in, what the first look decided is in before it.
    log.connecting(MARK_HOST, PORT)
    log.refused(MARK_HOST, PORT)
    mark = "%s:%d" % (MARK_HOST, PORT)
    h.wait_alarm("endpoint-refused", "raised", mark)
    entries = h.alarms()
    got = sorted((e["CCMON_ALARM"], e["CCMON_STATE"],
                  e["CCMON_RESOURCE"].lower()) for e in entries)
    assert got == sorted([("component-down", "raised", C3),
                          ("endpoint-refused", "raised", "cs3"),
                          ("component-down", "raised", C2),
                          ("auth-failure", "raised", C2),
                          ("endpoint-refused", "raised", mark)]), \
        "want the four conditions that hold now, nothing of the " \
        "past:\n" + h.describe(entries)
    check_entry(raised, ids, "component-down", "raised", C3, "warning")
    check_entry(refused, ids, "endpoint-refused", "raised", "cs3", "major")
    # Since when they hold: the times of their lines in the log.
    assert raised["CCMON_SINCE"] == local_ms(times[-2]), raised
    assert refused["CCMON_SINCE"] == local_ms(times[-1]), refused
    rc, doc, err = h.status()
    assert rc == 0, err
    assert sorted((a["type"], a["resource"].lower())
                  for a in doc["alarms"]) == \
        sorted([("component-down", C3), ("endpoint-refused", "cs3"),
                ("component-down", C2), ("auth-failure", C2),
                ("endpoint-refused", mark)]), doc
    assert d.stop() == 0, d.stderr()


# ---- 10. rotation -----------------------------------------------------------

def test_rotation_while_running(h, ids):
    logpath = os.path.join(h.logdir, "router.log")
    log = h.log("router.log")
    history(log, [(C1, "ACTIVE"), (C2, "ACTIVE")])
    h.config(SERVERS, log=logpath)
    d = h.start()
    stop = threading.Event()

    def chatter():  # the router's steady noise
        deadline = time.monotonic() + 60
        while not stop.is_set() and time.monotonic() < deadline:
            log.noise()
            time.sleep(0.01)

    t = threading.Thread(target=chatter, daemon=True)
    t.start()
    try:
        time.sleep(0.5)
        os.rename(logpath, logpath + ".1")
        log.component(C2, "GONE")  # still into the renamed file
        time.sleep(0.1)
        log.reopen()               # the router creates a new file
        log.component(C1, "GONE")
        h.wait_alarm("component-down", "raised", C1)
        h.wait_alarm("component-down", "raised", C2)
        log.component(C1, "ACTIVE")
        log.component(C2, "ACTIVE")
        h.wait_alarm("component-down", "cleared", C1)
        h.wait_alarm("component-down", "cleared", C2)
        # Once more: what was read is not read again.
        os.rename(logpath, logpath + ".2")
        time.sleep(0.1)
        log.reopen()
        time.sleep(1.5)
    finally:
        stop.set()
        t.join(5)
    assert d.stop() == 0, d.stderr()
    entries = h.alarms()
    one_pair(h, ids, "component-down", C1, "warning", entries)
    one_pair(h, ids, "component-down", C2, "warning", entries)
    assert len(entries) == 4, h.describe(entries)


def test_new_numbered_file_while_running(h, ids):
    """IM&P's own rotation: the router goes on in the next numbered file."""
    log = h.log("rtr-jsm-1_000001.log")
    history(log, [(C1, "ACTIVE"), (C2, "ACTIVE")])
    h.config(SERVERS)
    d = h.start()
    log.noise(5)
    log.reopen(os.path.join(h.logdir, "rtr-jsm-1_000002.log"))
    log.component(C1, "GONE")
    h.wait_alarm("component-down", "raised", C1)
    log.reopen(os.path.join(h.logdir, "rtr-jsm-1_000003.log"))
    log.component(C1, "ACTIVE")
    h.wait_alarm("component-down", "cleared", C1)
    time.sleep(1.0)
    assert d.stop() == 0, d.stderr()
    entries = h.alarms()
    one_pair(h, ids, "component-down", C1, "warning", entries)
    assert len(entries) == 2, h.describe(entries)


def test_rotated_while_stopped(h, ids):
    logpath = os.path.join(h.logdir, "router.log")
    log = h.log("router.log")
    history(log, [(C1, "ACTIVE"), (C2, "ACTIVE")])
    h.config(SERVERS, log=logpath)
    d1 = h.start()
    log.noise(3)
    time.sleep(0.3)
    assert d1.stop() == 0, d1.stderr()
    log.component(C1, "GONE")        # after the saved position
    os.rename(logpath, logpath + ".1")
    log.component(C1, "CONNECTED")   # still into the rotated file
    log.reopen()
    log.component(C2, "GONE")        # into the new one
    d2 = h.start()
    h.wait_alarm("component-down", "raised", C1)
    h.wait_alarm("component-down", "raised", C2)
    time.sleep(1.0)
    log.component(C1, "ACTIVE")
    log.component(C2, "ACTIVE")
    h.wait_alarm("component-down", "cleared", C1)
    h.wait_alarm("component-down", "cleared", C2)
    time.sleep(0.5)
    assert d2.stop() == 0, d2.stderr()
    entries = h.alarms()
    one_pair(h, ids, "component-down", C1, "warning", entries)
    one_pair(h, ids, "component-down", C2, "warning", entries)
    assert len(entries) == 4, h.describe(entries)


# ---- 11. SIGHUP -------------------------------------------------------------

def test_sighup_reload(h, ids):
    log = h.log()
    history(log, [(C1, "ACTIVE")])  # cs2 neither configured nor logged yet
    cfg = h.config([srv("cs1", HOST1)])
    d = h.start()
    assert wait_for(lambda: h.status_component(C1), timeout=STEP), h.status()
    assert h.status_component(C2) is None

    # A broken file: refused, the running configuration kept.  (ccmon
    # status reads the file for runtime_dir: it is given a good copy.)
    good = h.config([srv("cs1", HOST1)],
                    path=os.path.join(h.workdir, "good.conf"))
    h.config([srv("cs1", HOST1, port=0)])
    lineno = read(cfg).splitlines().index("port = 0") + 1
    seen = len(d.stderr_lines)
    d.send(signal.SIGHUP)
    why = wait_for(lambda: [l for l in d.stderr_lines[seen:]
                            if "[port]" in l or "%s:%d" % (cfg, lineno) in l],
                   timeout=STEP)
    assert why, "no reason for the refused reload on stderr:\n" + \
        "\n".join(d.stderr_lines[seen:])
    time.sleep(0.5)
    assert d.alive(), d.stderr()
    assert h.status_component(C1, good) is not None
    log.component(C1, "GONE")
    e = h.wait_alarm("component-down", "raised", C1)[0]
    assert e["CCMON_SERVER"] == "cs1", e

    # A valid change: a new server, and its component shows.
    h.config([srv("cs1", HOST1), srv("cs2", HOST2)])
    d.send(signal.SIGHUP)
    assert wait_for(lambda: h.status_component(C2), timeout=STEP), \
        "no %s in ccmon status after the reload: %s\n%s" % (
            C2, h.status(), d.stderr())
    assert d.alive()
    log.component(C2, "GONE")
    h.wait_alarm("component-down", "raised", C2)
    log.component(C1, "ACTIVE")
    log.component(C2, "ACTIVE")
    h.wait_alarm("component-down", "cleared", C1)
    h.wait_alarm("component-down", "cleared", C2)
    assert d.stop() == 0, d.stderr()
    entries = h.alarms()
    one_pair(h, ids, "component-down", C1, "warning", entries)
    one_pair(h, ids, "component-down", C2, "warning", entries)


# ---- 12. ccmon status -------------------------------------------------------

def test_status_json(h, ids):
    _, port = h.cs_server("accept")
    log = h.log()
    history(log, [(C1, "ACTIVE"), (C1, "GONE"), (C1, "CONNECTED"),
                  (C1, "ACTIVE"), (C2, "ACTIVE")])
    h.config([srv("cs1", "127.0.0.1", port, probe="tcp", **FAST_PROBE),
              srv("cs2", HOST2)])
    rc, _, err = h.status()
    assert rc == 3, "ccmon status without ccmond: exit %s, %s" % (rc, err)
    d = h.start()
    time.sleep(1.0)  # a probe or two
    rc, doc, err = h.status()
    assert rc == 0, err
    assert set(doc) >= {"components", "alarms"}, doc
    comps = {c["name"].lower(): c for c in doc["components"]}
    assert set(comps) >= {C1, C2}, doc
    c1, c2 = comps[C1], comps[C2]
    for c in (c1, c2):
        assert set(c) >= {"name", "state", "transitions", "last_change"}, c
    assert c1["state"].lower() == "active", c1
    assert c2["state"].lower() == "active", c2
    assert c1["transitions"] == 4, c1  # unknown>ACTIVE>GONE>CONNECTED>ACTIVE
    assert c2["transitions"] == 1, c2
    assert isinstance(c1.get("probe"), dict) and c1["probe"], c1
    assert doc["alarms"] == [], doc

    log.component(C2, "GONE")
    h.wait_alarm("component-down", "raised", C2)
    rc, doc, err = h.status()
    assert rc == 0, err
    comps = {c["name"].lower(): c for c in doc["components"]}
    assert comps[C2]["state"].lower() == "gone", comps[C2]
    assert comps[C2]["transitions"] == 2, comps[C2]
    assert comps[C2]["last_change"] != c2["last_change"]
    assert comps[C1]["transitions"] == 4
    assert len(doc["alarms"]) == 1, doc
    a = doc["alarms"][0]
    assert set(a) >= {"type", "resource", "severity", "since", "text"}, a
    assert a["type"] == "component-down"
    assert a["resource"].lower() == C2
    assert a["severity"] == "warning"    # no user waits on it
    assert a["since"] and a["text"], a

    assert d.stop() == 0, d.stderr()
    assert not os.path.exists(os.path.join(h.runtime_dir, "ccmond.sock")), \
        "status socket left after a clean stop"
    rc, _, err = h.status()
    assert rc == 3, "ccmon status after ccmond stopped: exit %s, %s" % (rc,
                                                                         err)


# ---- 13. syslog without journald --------------------------------------------

def test_syslog_without_journald(hs, ids):
    h = hs
    log = h.log()
    history(log, [(C1, "ACTIVE")])
    h.config(SERVERS)
    d = h.start()
    log.component(C1, "GONE")
    raised = h.wait_alarm("component-down", "raised", C1)[0]
    log.component(C1, "ACTIVE")
    cleared = h.wait_alarm("component-down", "cleared", C1)[0]
    time.sleep(0.5)
    assert d.stop() == 0, d.stderr()
    one_pair(h, ids, "component-down", C1, "warning")
    # daemon facility, warning (4): no user waits on the neutral profile
    assert raised["_RAW"].startswith("<%d>" % (3 * 8 + 4)), raised["_RAW"]
    assert cleared["_RAW"].startswith("<%d>" % (3 * 8 + 5)), cleared["_RAW"]
    assert raised["_PID"] == str(d.pid), raised["_RAW"]
    assert raised["CCMON_COMPONENT"].lower() == C1


# ---- 14. under systemd: no -f -----------------------------------------------

def test_without_foreground_logs_to_journald(h, ids):
    log = h.log()
    history(log, [(C1, "ACTIVE")])
    h.config(SERVERS)
    d = h.start(args=())
    log.component(C1, "GONE")
    h.wait_alarm("component-down", "raised", C1)
    assert d.stop() == 0, d.stderr()
    assert not d.stderr().strip(), \
        "ccmond without -f wrote to stderr:\n" + d.stderr()
    r = subprocess.run(["journalctl", "-D", h.ns.journal_dir(), "-o",
                        "json", "--no-pager", "SYSLOG_IDENTIFIER=ccmond"],
                       capture_output=True, text=True, timeout=30)
    own = [json.loads(l) for l in r.stdout.splitlines() if l]
    own = [e for e in own if "CCMON_ALARM" not in e]
    assert own, "no diagnostics of ccmond's own in the journal"
    # The probe = none warnings of the configuration, for one.
    assert any("[probe-none]" in e.get("MESSAGE", "") for e in own), \
        [e.get("MESSAGE") for e in own]


def test_second_agent_refuses_to_start(h, ids):
    log = h.log()
    history(log, [(C1, "ACTIVE")])
    h.config(SERVERS)
    d1 = h.start()
    d2 = h.start(ready=False)
    try:
        rc = d2.proc.wait(timeout=STEP)
    except subprocess.TimeoutExpired:
        pytest.fail("a second ccmond on the same status socket kept "
                    "running; stderr:\n" + d2.stderr())
    d2.close()
    assert rc == 1, d2.stderr()
    assert d2.stderr().strip(), "refused without saying why"
    # The first one goes on, still answering and still watching.
    assert d1.alive(), d1.stderr()
    assert h.status()[0] == 0
    log.component(C1, "GONE")
    h.wait_alarm("component-down", "raised", C1)
    assert d1.stop() == 0, d1.stderr()


# ---- log-unreadable: ccmond as an unprivileged user -------------------------

NOBODY = (65534, 65534)


def test_log_unreadable_and_readable_again(h, ids):
    log = h.log()
    history(log, [(C1, "ACTIVE")])
    h.config(SERVERS)
    d = h.start(user=NOBODY)
    bad = os.path.join(h.logdir, "rtr-jsm-1_000002.log")
    fd = os.open(bad, os.O_WRONLY | os.O_CREAT, 0o000)
    os.write(fd, b"%s |info router Component %s is GONE\n" % (
        stamp().encode(), C1.encode()))
    os.close(fd)
    raised = h.wait_alarm("log-unreadable", "raised")[0]
    resource = raised["CCMON_RESOURCE"]
    assert resource in (bad, os.path.join(h.logdir, "rtr-jsm-1_*.log")), \
        raised
    check_entry(raised, ids, "log-unreadable", "raised", resource, "major")
    assert raised["CCMON_LOG"] == resource
    os.chmod(bad, 0o644)
    h.wait_alarm("log-unreadable", "cleared", resource)
    # Once readable, its lines count.
    h.wait_alarm("component-down", "raised", C1)
    time.sleep(0.5)
    assert d.stop() == 0, d.stderr()
    entries = h.alarms()
    one_pair(h, ids, "log-unreadable", resource, "major", entries)

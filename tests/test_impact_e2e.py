# SPDX-License-Identifier: ISC
"""End to end: what users suffer, as ccmond judges it live (agent/core/impact.c,
doc/domain.md "Situations and their impact"), one test per situation of
the vendor's table, driven by a scripted router log and, where the loss
must read as graceful by probe, a port of our own that refuses.

ccmond runs as in tests/test_ccmond.py (a private mount namespace with its
own journald, tests/ccmond_harness.py).  The vendor's windows are
shortened through the configuration (queue_wait 1s, queue_window 6s,
reroute_after 5s) so that the phase changes happen within the test; the
alarms are read from the journal, their current text from `ccmon status`.
A loss counts as graceful or not only 3 s after it (the time the router's
refused reconnects or a refused probe have to show up): until then no
share is said to wait.
"""
import json
import os
import socket
import subprocess
import time
from datetime import datetime

import pytest

from ccmond_harness import Harness, component_of, wait_for

NODE1, NODE2 = "imp1.example.com", "imp2.example.com"
WINDOWS = dict(queue_wait="1s", queue_window="6s", reroute_after="5s")
EVIDENCE_WAIT = 3.0   # agent/core/monitor.c LOSS_EVIDENCE_WAIT
# A server whose only event no user waits for: its component's alarms mark
# a point in ccmond's work (settled()), and change nothing users suffer.
MARK = "mark"
MARKER = """
[profile Marker]
jsm = e_DISCOFEAT:iq:pass
"""

LOGGING = """
[profile Logging]
jsm = es_IN:message:bounce, es_OUT:message:bounce, e_SESSION:all:pass
tc = onBeforeSend:bounce
"""
CHAIN = """
[profile EthicalWall]
priority = 1
jsm = es_OUT:message:bounce
[profile ImLogging]
priority = 2
jsm = es_IN:message:pass, es_OUT:message:pass
"""
ARCHIVE = """
[profile Archive]
jsm = es_IN:message:pass:fire-and-forget, es_OUT:message:pass:fire-and-forget
"""


def srv(name, node=NODE1, **kw):
    s = dict(name=name, host="%s.example.com" % name, port=7999, node=node)
    s.update(kw)
    return s


def comp(name, node=NODE1):
    return component_of(name, node)


def configure(h, servers, profiles=""):
    """The servers, and the marker's (ACTIVE through up())."""
    path = h.config(servers + [srv(MARK, profile="Marker")],
                    impact_neutral=False, **WINDOWS)
    with open(path, "a") as f:
        f.write(profiles + MARKER)
    return path


def up(h, log, names):
    """The components (and the marker's) ACTIVE in the past, then ccmond
    started."""
    t = time.time() - 5
    for name, node in names + [(MARK, NODE1)]:
        log.component(comp(name, node), "ACTIVE", t=t)
    return h.start()


def settled(h, log):
    """Returns once ccmond has read what was logged so far and its
    decisions are in the journal: the marker's component goes down and
    comes back, and its clear is awaited -- what was decided up to the
    marker's loss was sent before it.  For absence checks: an alarm that
    is not there after this was not decided."""
    n = len(h.select("component-down", "cleared", comp(MARK)))
    log.component(comp(MARK), "GONE")
    h.wait_alarm("component-down", "raised", comp(MARK), count=n + 1)
    log.component(comp(MARK), "ACTIVE")
    h.wait_alarm("component-down", "cleared", comp(MARK), count=n + 1)


def after_loss_judged(h, name):
    """Waits until the loss of name (its component-down raised) is older
    than EVIDENCE_WAIT by ccmond's clock (the wall clock, ccmond having
    read the loss before raising), then settled()."""
    raised = h.wait_alarm("component-down", "raised", comp(name))[0]
    seen = time.time()
    assert wait_for(lambda: time.time() >= seen + EVIDENCE_WAIT + 0.5,
                    timeout=EVIDENCE_WAIT + 5), raised


def impact(h, alarm, state, count=1, **kw):
    return h.wait_alarm(alarm, state, "cluster", count=count, **kw)


def current_text(h, alarm):
    rc, doc, err = h.status()
    assert rc == 0, err
    for a in doc["alarms"]:
        if a["type"] == alarm and a["resource"] == "cluster":
            return a["text"]
    return None


def local_time(s):
    """A time of ccmon's (local, no zone) as seconds since the epoch."""
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%f").timestamp()


def refused_port():
    """A loopback port nothing listens on (connects are refused)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# ---- single server ---------------------------------------------------------

def test_single_server_graceful(h):
    """Graceful shutdown (the router's reconnects are refused): IM and
    group chat blocked with an immediate error, for everyone: critical,
    and so is the component's loss."""
    log = h.log()
    configure(h, [srv("cs1", profile="Logging")], LOGGING)
    d = up(h, log, [("cs1", NODE1)])
    log.component(comp("cs1"), "GONE")
    log.connecting("cs1.example.com", 7999)
    log.refused("cs1.example.com", 7999)
    raised = impact(h, "messaging-blocked", "raised")[0]
    assert raised["PRIORITY"] == "2", raised           # critical
    impact(h, "group-chat-blocked", "raised")
    assert wait_for(lambda: "bounced at once" in
                    (current_text(h, "messaging-blocked") or "")), \
        current_text(h, "messaging-blocked")
    assert "waits up to" not in current_text(h, "messaging-blocked")
    assert "profile Logging waits on server cs1 (imp1.example.com)" in \
        raised["MESSAGE"]
    down = h.wait_alarm("component-down", "raised", comp("cs1"))[0]
    assert down["PRIORITY"] == "2", down               # critical
    assert "IM and group chat blocked for every user of the cluster" in \
        down["MESSAGE"], down["MESSAGE"]
    assert "delivers no IM" not in down["MESSAGE"]
    log.component(comp("cs1"), "CONNECTED")
    log.component(comp("cs1"), "ACTIVE")
    impact(h, "messaging-blocked", "cleared")
    impact(h, "group-chat-blocked", "cleared")
    settled(h, log)
    assert not h.select("messaging-degraded")
    assert d.stop() == 0, d.stderr()


def test_single_server_ungraceful_then_after_the_window(h):
    """Ungraceful (silence): each message waits up to queue_wait and is
    bounced, until queue_window has passed; then bounced at once.  The
    raise cannot tell graceful from ungraceful yet and says so; the silence
    that follows, then the window's end, change the same alarm (two
    CHANGED messages with its id), never a second raise."""
    log = h.log()
    configure(h, [srv("cs1", profile="Logging")], LOGGING)
    d = up(h, log, [("cs1", NODE1)])
    t0 = time.time()
    log.component(comp("cs1"), "GONE")
    raised = impact(h, "messaging-blocked", "raised")[0]
    assert raised["PRIORITY"] == "2", raised           # critical
    assert "not known yet" in raised["MESSAGE"], raised["MESSAGE"]
    changed = impact(h, "messaging-blocked", "changed")[0]
    assert changed["CCMON_ALARM_ID"] == raised["CCMON_ALARM_ID"]
    assert changed["MESSAGE_ID"] == "d42044963e6b4a4aa8b492ed0a137d5b"
    assert "each waits up to 1s, then is bounced, until" in \
        changed["MESSAGE"], changed["MESSAGE"]
    # after the window, by the agent's own timer
    later = impact(h, "messaging-blocked", "changed", count=2, timeout=12)
    assert "; each is bounced at once" in later[1]["MESSAGE"], later
    assert wait_for(lambda: "; each is bounced at once" in
                    (current_text(h, "messaging-blocked") or ""),
                    timeout=12), current_text(h, "messaging-blocked")
    assert time.time() - t0 >= 5.5
    settled(h, log)
    assert len(h.select("messaging-blocked", "raised")) == 1
    assert not h.select("messaging-blocked", "cleared")
    log.component(comp("cs1"), "ACTIVE")
    cleared = impact(h, "messaging-blocked", "cleared")[0]
    assert d.stop() == 0, d.stderr()
    same_story(h, log, raised, cleared)


def same_story(h, log, raised, cleared):
    """`ccmon analyze --config` on the same log afterwards tells what the
    live agent told: the same interval, to the reading delay, and the
    phase change at the end of the queueing window."""
    r = subprocess.run([h.ccmon, "analyze", "--json", "--config",
                        h.config_path, log.path], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    got = [i for i in json.loads(r.stdout)["impact"]
           if i["kind"] == "messaging-blocked"]
    assert len(got) == 1, got
    iv = got[0]
    start, end = local_time(iv["start"]), local_time(iv["end"])
    assert abs(start - local_time(raised["CCMON_SINCE"])) < 0.5, \
        (iv, raised)
    assert abs(end - local_time(cleared["CCMON_ENDED"])) < 0.5, \
        (iv, cleared)
    assert [p["phase"] for p in iv["phase_changes"]] == \
        ["queueing", "immediate-bounce"], iv
    assert abs(local_time(iv["phase_changes"][1]["time"]) - start - 6.0) \
        < 0.01, iv        # queue_window


def test_single_server_graceful_by_probe(h):
    """No refusal in the log, but our probe is refused: the host answers,
    the loss is graceful."""
    port = refused_port()
    log = h.log()
    configure(h, [srv("cs1", host="127.0.0.1", port=port, probe="tcp",
                      probe_interval="1s", probe_timeout="500ms",
                      profile="Logging")], LOGGING)
    d = up(h, log, [("cs1", NODE1)])
    h.wait_alarm("probe-failing", "raised", "cs1")
    log.component(comp("cs1"), "GONE")
    impact(h, "messaging-blocked", "raised")
    assert wait_for(lambda: "bounced at once" in
                    (current_text(h, "messaging-blocked") or ""))
    assert "waits up to" not in current_text(h, "messaging-blocked")
    assert d.stop() == 0, d.stderr()


# ---- balanced sets ---------------------------------------------------------

def test_balanced_graceful_rerouted_at_once(h):
    log = h.log()
    configure(h, [srv("cs1", profile="Logging"),
                  srv("cs2", profile="Logging")], LOGGING)
    d = up(h, log, [("cs1", NODE1), ("cs2", NODE1)])
    log.component(comp("cs1"), "GONE")
    log.connecting("cs1.example.com", 7999)
    log.refused("cs1.example.com", 7999)
    after_loss_judged(h, "cs1")
    settled(h, log)
    for a in ("messaging-blocked", "group-chat-blocked",
              "messaging-degraded"):
        assert not h.select(a), h.describe(h.alarms(impact=True))
    assert d.stop() == 0, d.stderr()


def test_balanced_ungraceful_some_users_until_rerouted(h):
    """Several servers, same profile, one lost ungracefully: some users
    blocked (and their logins delayed) until queue_window, then their
    share moves to the live server."""
    log = h.log()
    configure(h, [srv("cs1", profile="Logging"),
                  srv("cs2", profile="Logging")], LOGGING)
    d = up(h, log, [("cs1", NODE1), ("cs2", NODE1)])
    t0 = time.time()
    log.component(comp("cs1"), "GONE")
    raised = impact(h, "messaging-degraded", "raised")[0]
    assert time.time() - t0 >= EVIDENCE_WAIT - 0.5
    assert raised["PRIORITY"] == "3", raised           # major
    assert "moves to the live servers at" in raised["MESSAGE"]
    settled(h, log)
    assert not h.select("messaging-blocked")
    cleared = impact(h, "messaging-degraded", "cleared")[0]
    assert time.time() - t0 >= 5.5, cleared
    assert d.stop() == 0, d.stderr()


def test_other_node_takes_over_after_reroute_after(h):
    """Manual failover, a network failure between nodes, an XCP Router
    failure: one node's server unreachable, the other node's fine: some
    users blocked until reroute_after, then handled by the other node."""
    log = h.log()
    configure(h, [srv("cs1", profile="Logging"),
                  srv("cs3", node=NODE2, profile="Logging")], LOGGING)
    d = up(h, log, [("cs1", NODE1), ("cs3", NODE2)])
    t0 = time.time()
    log.component(comp("cs1"), "GONE")
    raised = impact(h, "messaging-degraded", "raised")[0]
    assert "(imp1.example.com)" in raised["MESSAGE"], raised["MESSAGE"]
    cleared = impact(h, "messaging-degraded", "cleared")[0]
    assert time.time() - t0 >= 4.5
    # by ccmond's own times, not by when the test saw it (however busy
    # the machine): ~5 s, reroute_after, not queue_window (6 s)
    lasted = local_time(cleared["CCMON_ENDED"]) - \
        local_time(raised["CCMON_SINCE"])
    assert 4.9 <= lasted < 5.9, "re-routed after %.3f s, want ~5 s " \
        "(reroute_after, not queue_window)" % lasted
    assert d.stop() == 0, d.stderr()


# ---- a cluster: one ccmond, two nodes' logs ----------------------------------

def test_two_nodes_logs_one_agent(h):
    """One ccmond follows both nodes' router logs ([node] sections, no
    [agent] log): imp2's server, seen ACTIVE in imp2's own log, takes
    over the share of imp1's lost one after reroute_after, as when both
    were logged in one file."""
    logs = {}
    for node in (NODE1, NODE2):
        os.mkdir(os.path.join(h.logdir, node))
        logs[node] = h.log(os.path.join(node, "rtr-jsm-1_000001.log"))
    path = h.config([srv("cs1", profile="Logging"),
                     srv("cs3", node=NODE2, profile="Logging"),
                     srv(MARK, profile="Marker")],
                    impact_neutral=False, log=None, node=None, **WINDOWS)
    with open(path, "a") as f:
        f.write(LOGGING + MARKER)
        for node in (NODE1, NODE2):
            f.write("\n[node %s]\nlog = %s/%s/rtr-jsm-1_*.log\n"
                    % (node, h.logdir, node))
    t = time.time() - 5
    logs[NODE1].component(comp("cs1"), "ACTIVE", t=t)
    logs[NODE1].component(comp(MARK), "ACTIVE", t=t)
    logs[NODE2].component(comp("cs3", NODE2), "ACTIVE", t=t)
    d = h.start()
    logs[NODE1].component(comp("cs1"), "GONE")
    raised = impact(h, "messaging-degraded", "raised")[0]
    assert "(imp1.example.com)" in raised["MESSAGE"], raised["MESSAGE"]
    assert "unknown" not in raised["MESSAGE"], raised["MESSAGE"]
    cleared = impact(h, "messaging-degraded", "cleared")[0]
    lasted = local_time(cleared["CCMON_ENDED"]) - \
        local_time(raised["CCMON_SINCE"])
    assert lasted >= 4.9, "re-routed after %.3f s, want reroute_after " \
        "(5 s)" % lasted
    settled(h, logs[NODE1])
    assert not h.select("messaging-blocked"), h.describe()
    rc, doc, err = h.status()
    assert rc == 0, err
    assert doc["agent"]["files_open"] == 2, doc["agent"]
    assert d.stop() == 0, d.stderr()


def test_server_of_an_unseen_node_is_unknown(h):
    """imp2's log is not followed and no line names cs3: nothing says it
    is live, so the loss of cs1 blocks IM for everyone as far as ccmon
    can tell, and the text says cs3 is unknown (doc/domain.md, "A
    cluster")."""
    log = h.log()
    configure(h, [srv("cs1", profile="Logging"),
                  srv("cs3", node=NODE2, profile="Logging")], LOGGING)
    d = up(h, log, [("cs1", NODE1)])
    log.component(comp("cs1"), "GONE")
    raised = impact(h, "messaging-blocked", "raised")[0]
    assert "unknown: server cs3, on a node whose log ccmon does not " \
        "follow" in raised["MESSAGE"], raised["MESSAGE"]
    settled(h, log)
    assert not h.select("messaging-degraded"), h.describe()
    assert d.stop() == 0, d.stderr()


# ---- priority and fire-and-forget -------------------------------------------

def test_higher_priority_server_down_blocks_despite_the_next(h):
    """Several profiles sharing an event, the higher-priority server
    ungraceful: the event never reaches server 2 -- IM blocked."""
    log = h.log()
    configure(h, [srv("cs1", profile="EthicalWall"),
                  srv("cs2", profile="ImLogging")], CHAIN)
    d = up(h, log, [("cs1", NODE1), ("cs2", NODE1)])
    log.component(comp("cs1"), "GONE")
    raised = impact(h, "messaging-blocked", "raised")[0]
    assert "profile EthicalWall waits on server cs1" in raised["MESSAGE"]
    settled(h, log)
    assert not h.select("group-chat-blocked")  # no TC event in either
    log.component(comp("cs1"), "ACTIVE")
    impact(h, "messaging-blocked", "cleared")
    assert d.stop() == 0, d.stderr()


def test_fire_and_forget_logging_lost(h):
    log = h.log()
    configure(h, [srv("cs1", profile="Archive")], ARCHIVE)
    d = up(h, log, [("cs1", NODE1)])
    log.component(comp("cs1"), "GONE")
    raised = impact(h, "logging-lost", "raised")[0]
    assert raised["PRIORITY"] == "3", raised
    assert "profile Archive" in raised["MESSAGE"]
    settled(h, log)
    assert not h.select("messaging-blocked")
    log.component(comp("cs1"), "ACTIVE")
    impact(h, "logging-lost", "cleared")
    assert d.stop() == 0, d.stderr()


# ---- evidence that comes after the raise -------------------------------------

def test_refusals_after_the_raise_change_it(h):
    """The loss raised before any evidence (not known yet); the router's
    refused reconnects come later: the same alarms change to "bounced at
    once" (journald: the change's MESSAGE_ID, the alarm's id), and
    `ccmon analyze` books no queueing at all: the loss was graceful from
    the GONE on."""
    log = h.log()
    configure(h, [srv("cs1", profile="Logging")], LOGGING)
    d = up(h, log, [("cs1", NODE1)])
    log.component(comp("cs1"), "GONE")
    raised = impact(h, "messaging-blocked", "raised")[0]
    down = h.wait_alarm("component-down", "raised", comp("cs1"))[0]
    assert "not known yet" in raised["MESSAGE"], raised["MESSAGE"]
    log.connecting("cs1.example.com", 7999)
    log.refused("cs1.example.com", 7999)
    changed = impact(h, "messaging-blocked", "changed")[0]
    assert changed["CCMON_ALARM_ID"] == raised["CCMON_ALARM_ID"]
    assert changed["MESSAGE_ID"] == "d42044963e6b4a4aa8b492ed0a137d5b"
    assert changed["CCMON_SEVERITY"] == "critical", changed
    assert "each is bounced at once" in changed["MESSAGE"]
    assert "waits up to" not in changed["MESSAGE"]
    dchanged = h.wait_alarm("component-down", "changed", comp("cs1"))[0]
    assert dchanged["CCMON_ALARM_ID"] == down["CCMON_ALARM_ID"]
    settled(h, log)
    assert len(h.select("messaging-blocked", "raised")) == 1
    log.component(comp("cs1"), "ACTIVE")
    impact(h, "messaging-blocked", "cleared")
    assert d.stop() == 0, d.stderr()
    r = subprocess.run([h.ccmon, "analyze", "--json", "--config",
                        h.config_path, log.path], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    got = [i for i in json.loads(r.stdout)["impact"]
           if i["kind"] == "messaging-blocked"]
    assert len(got) == 1, got
    iv = got[0]
    assert [p["phase"] for p in iv["phase_changes"]] == \
        ["immediate-bounce"], iv
    assert iv["phase_changes"][0]["time"] == iv["start"], iv
    assert iv["delayed_s"] == 0, iv
    # the vendor's row 1: blocked, logins work unlogged; nothing delayed
    assert iv["effects"] == ["im-blocked", "group-chat-blocked",
                             "logins-unlogged"], iv


def test_balanced_component_down_severity(h):
    """Several servers, same profile: one lost gracefully is absorbed (a
    warning: re-routed at once, redundancy lost).  One lost in silence:
    while it is too recent to judge, no share is said to wait (a warning);
    then some users wait until queue_window (changed to major); then its
    share is re-routed (changed to a warning) -- one raise throughout."""
    log = h.log()
    configure(h, [srv("cs1", profile="Logging"),
                  srv("cs2", profile="Logging")], LOGGING)
    d = up(h, log, [("cs1", NODE1), ("cs2", NODE1)])
    log.component(comp("cs2"), "GONE")
    log.connecting("cs2.example.com", 7999)
    log.refused("cs2.example.com", 7999)
    assert wait_for(lambda: any(
        e.get("CCMON_SEVERITY") == "warning" and
        "re-routed to cs1 at once; redundancy lost" in e["MESSAGE"]
        for e in h.select("component-down", None, comp("cs2")))), \
        h.select("component-down", None, comp("cs2"))
    log.component(comp("cs2"), "ACTIVE")
    h.wait_alarm("component-down", "cleared", comp("cs2"))
    log.component(comp("cs1"), "GONE")
    major = wait_for(lambda: [
        e for e in h.select("component-down", None, comp("cs1"))
        if e.get("CCMON_SEVERITY") == "major"], timeout=12)
    assert major, h.select("component-down", None, comp("cs1"))
    assert "blocked until it moves to cs2" in major[0]["MESSAGE"], major
    assert wait_for(lambda: [
        e for e in h.select("component-down", "changed", comp("cs1"))
        if e.get("CCMON_SEVERITY") == "warning"], timeout=15), \
        h.select("component-down", None, comp("cs1"))
    assert len(h.select("component-down", "raised", comp("cs1"))) == 1
    assert d.stop() == 0, d.stderr()


def test_active_but_not_answering(h):
    """doc/domain.md "Not answering while ACTIVE": CONNECTED and ACTIVE,
    yet every event waits the full queue_wait and bounces: queue_bounces
    (3) such bounces within queue_window are messaging-blocked, with the
    vendor's advice."""
    log = h.log()
    configure(h, [srv("cs1", profile="Logging")], LOGGING)
    d = up(h, log, [("cs1", NODE1)])
    for _ in range(3):
        log.line("Bouncing packet intended for %s" % comp("cs1"))
    raised = impact(h, "messaging-blocked", "raised")[0]
    assert "accepts the connection but does not answer events; check " \
        "its own logs" in raised["MESSAGE"], raised["MESSAGE"]
    settled(h, log)
    assert not h.select("component-down", None, comp("cs1"))
    # no more bounces: the window passes, the alarm clears
    impact(h, "messaging-blocked", "cleared", timeout=15)
    assert d.stop() == 0, d.stderr()

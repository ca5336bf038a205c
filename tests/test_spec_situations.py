# SPDX-License-Identifier: ISC
"""One end-to-end test per situation of the vendor's table of what users
see when compliance connectivity fails (ccmond(8), ALARMS) that a single
node's router log can show (issue 11, "Done when"), in `ccmon analyze` and
in a live `ccmond -f`.

Each folder of tests/spec_situations holds a router.log (IM&P rtr-jsm-1
trace shape), the ccmon.conf of the situation (vendor timings, no alarm
holds), expected.json and a README.md saying which row of the table it is
and why each expectation holds.  The expected answers were written from
the vendor's text and issue 11, not from what ccmon printed.

expected.json:
  alarms     the exact set the NOC would have received: type, resource,
             start, end; severity and text (regexes that must match) as
             judged, i.e. in force at the end of the start range (an
             agent may first say what it does not know yet, never
             something more severe); text_not (regexes no text of it may
             match); changes (the CHANGED updates after the judgement, in
             order and no other; absent: not asserted);
  impact     the exact list of impact intervals: kind, start, end, phases
             (absent: not asserted), effects_include / effects_exclude
             (what the vendor says users suffer, and what not;
             how the effects are split between two intervals of one outage
             is left open); null: not asserted beyond
             impact_kinds_absent;
  incidents  the exact list: cause, start, end (component where given);
  live       restart_keys: the live configuration also sets
             restart_silence and restart_burst, scaled (only the
             situations whose point is a silence need them; the others
             keep their defaults, far above any pause they play).
A time is "HH:MM:SS.mmm" (log time of day, +-TOL), [from, to] where the
vendor leaves the point open (an alarm may wait for the router's first
reconnect to tell a graceful loss from an ungraceful one), "any" (not
asserted) or null (still open at the end of the log).

Live: the same log is written line by line into a router log that ccmond
follows, each line at its offset from the first divided by SCALE and
stamped with the time it is written; every duration of the agent's
timing model is divided by SCALE too (queue_wait 30s -> 1s, queue_window
5m -> 10s, ...), so the situation unfolds as in the log, 30 times faster.
The journal must then hold the same alarms: type, resource, the judged
severity and then each expected change's (none raised more severe), and
the clear.  Whether
ccmond has decided everything it will is known by a barrier: a
component no [server] configures goes down and comes back, and its
unknown-components alarm is awaited raised and cleared; what ccmond
decided before it is in the journal by then.
"""
import json
import os
import re
import subprocess
import time
from datetime import datetime

import pytest

from ccmond_harness import STEP, stamp, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
SITUATIONS = os.path.join(HERE, "spec_situations")
NAMES = sorted(d for d in os.listdir(SITUATIONS)
               if os.path.isdir(os.path.join(SITUATIONS, d)))
SCHEMA = "ccmon.analysis/2"
RANK = {"critical": 0, "major": 1, "minor": 2, "warning": 3}
EFFECTS = {"im-blocked", "group-chat-blocked", "logins-delayed",
           "logins-unlogged", "presence-delayed", "im-unlogged"}
TOL = 0.05   # seconds either side of an exact time: the logs' milliseconds

SCALE = 30
# The agent's timing model, with the vendor's values as defaults (the
# situations' ccmon.conf may set them; the scaled copy always does).
SCALED = {"auth_timeout": "10s", "queue_wait": "30s", "queue_window": "5m",
          "reroute_after": "2m", "latency_window": "5m",
          "queue_latency_high": "5s"}
RESTART_KEYS = {"restart_silence": "30s", "restart_burst": "5s"}
LIVE_OWN = ("log", "state_dir", "runtime_dir", "snmp")
# log seconds a live time may precede its line's: the milliseconds of the
# stamps, times SCALE
LIVE_SLACK = 1.5
BARRIER = "op-zz-barrier.imp1-example-com"
def situation(name):
    d = os.path.join(SITUATIONS, name)
    with open(os.path.join(d, "expected.json"), encoding="utf-8") as f:
        exp = json.load(f)
    return d, exp


# ---- times -----------------------------------------------------------------

def tod(s):
    """Seconds of the day of "HH:MM:SS.mmm" or "YYYY-MM-DDTHH:MM:SS.mmm"
    (the logs carry no date: the file's date is not compared)."""
    h, m, sec = s.split("T")[-1].split(":")
    return int(h) * 3600 + int(m) * 60 + float(sec)


def time_ok(spec, got):
    if spec == "any":
        return True
    if spec is None or got is None:
        return spec is None and got is None
    if isinstance(spec, list):
        return tod(spec[0]) - TOL <= tod(got) <= tod(spec[1]) + TOL
    return abs(tod(got) - tod(spec)) <= TOL


def check_time(what, spec, got, errs):
    if not time_ok(spec, got):
        errs.append("%s: %s, want %s" % (what, got, spec))


def check_text(what, spec, text, errs):
    for r in spec.get("text", []):
        if not re.search(r, text or "", re.I):
            errs.append("%s: text %r does not say /%s/" % (what, text, r))
    for r in spec.get("text_not", []):
        if re.search(r, text or "", re.I):
            errs.append("%s: text %r must not say /%s/" % (what, text, r))


def pair_off(expected, got, key, start_of):
    """Pairs each expected item with the unused got item of the same key
    whose start is nearest its own, one not earlier than the earliest
    start allowed first (so that a blip before the real thing is reported
    as extra, not mistaken for it).  Returns (pairs, unmatched expected,
    extra got)."""
    left = list(got)
    pairs, missing = [], []
    for e in expected:
        same = [g for g in left if key(g) == key(e)]
        if not same:
            missing.append(e)
            continue
        want = e.get("start")
        want = tod(want[0] if isinstance(want, list) else want) \
            if want not in (None, "any") else 0.0
        g = min(same, key=lambda g: (
            tod(start_of(g) or "00:00:00.000") < want - LIVE_SLACK,
            abs(tod(start_of(g) or "00:00:00.000") - want)))
        pairs.append((e, g))
        left.remove(g)
    return pairs, missing, left


# ---- analyze ----------------------------------------------------------------

def alarm_key(a):
    return (a.get("type"), (a.get("resource") or "").lower())


def check_alarms(exp, doc, errs):
    got = doc.get("alarms")
    if not isinstance(got, list):
        errs.append("no alarms[] in the analysis (schema %s)"
                    % doc.get("schema"))
        return
    pairs, missing, extra = pair_off(exp["alarms"], got, alarm_key,
                                     lambda a: a.get("start"))
    for e in missing:
        errs.append("missing alarm %s %s %s" % (e["severity"], e["type"],
                                                e["resource"]))
    for g in extra:
        errs.append("extra alarm %s %s %s %s..%s: %r" % (
            g.get("severity"), g.get("type"), g.get("resource"),
            g.get("start"), g.get("end"), g.get("text")))
    for e, g in pairs:
        what = "alarm %s %s" % (e["type"], e["resource"])
        if g.get("suppressed"):
            errs.append("%s: suppressed, the NOC would not have received it"
                        % what)
        check_time(what + " start", e["start"], g.get("start"), errs)
        check_time(what + " end", e["end"], g.get("end"), errs)
        check_judged(what, e, g, errs)
        check_changes(what, e, g.get("changes") or [], errs)


def judged_by(spec):
    """The time by which a loss is judged: the end of the alarm's start
    range (until then an agent may say what it does not know yet, and
    change it: those changes are provisional)."""
    if spec in (None, "any"):
        return None
    return tod(spec[1] if isinstance(spec, list) else spec)


def in_force(g, t):
    """(severity, text) of alarm g at log time t."""
    sev, text = g.get("severity"), g.get("text")
    for c in g.get("changes") or []:
        if t is None or tod(c.get("time") or "00:00:00.000") <= t + TOL:
            sev, text = c.get("severity"), c.get("text")
    return sev, text


def check_judged(what, e, g, errs):
    """Once judged, the alarm has the expected severity and says what it
    must; it never was more severe than that (crying wolf), and none of
    its texts ever said what it must not."""
    sev, text = in_force(g, judged_by(e["start"]))
    if sev != e["severity"]:
        errs.append("%s: severity %s once judged, want %s" % (
            what, sev, e["severity"]))
    if RANK.get(g.get("severity"), 9) < RANK[e["severity"]]:
        errs.append("%s: raised %s, more severe than %s" % (
            what, g.get("severity"), e["severity"]))
    check_text(what, {"text": e.get("text", [])}, text, errs)
    for t in [g.get("text")] + [c.get("text")
                                for c in g.get("changes") or []]:
        check_text(what, {"text_not": e.get("text_not", [])}, t, errs)


def check_changes(what, e, got, errs):
    """The changes expected after the judgement, in order, and (where the
    expected list is given) no other after it."""
    exp = e.get("changes")
    if exp is None:
        return
    judged = judged_by(e["start"])
    left = [c for c in got if judged is None or
            tod(c.get("time") or "00:00:00.000") > judged + TOL]
    for i, c in enumerate(exp):
        w = "%s change %d (%s at %s)" % (what, i + 1, c["severity"],
                                         c["time"])
        at = [k for k, g in enumerate(left)
              if time_ok(c["time"], g.get("time"))]
        if not at:
            errs.append("%s: missing; changes %s" % (w, json.dumps(got)))
            continue
        g = left[at[0]]
        extra, left = left[:at[0]], left[at[0] + 1:]
        for x in extra:
            errs.append("%s: unexpected change %s" % (what, json.dumps(x)))
        if g.get("severity") != c["severity"]:
            errs.append("%s: severity %s" % (w, g.get("severity")))
        check_text(w, c, g.get("text"), errs)
    for x in left:
        errs.append("%s: unexpected change %s" % (what, json.dumps(x)))


def check_impact(exp, doc, errs):
    got = doc.get("impact") or []
    for i in got:
        if i.get("kind") in exp.get("impact_kinds_absent", []):
            errs.append("impact %s %s..%s: the vendor names none here"
                        % (i["kind"], i.get("start"), i.get("end")))
    if exp["impact"] is None:
        return
    pairs, missing, extra = pair_off(exp["impact"], got,
                                     lambda i: i.get("kind"),
                                     lambda i: i.get("start"))
    for e in missing:
        errs.append("missing impact %s %s..%s" % (e["kind"], e["start"],
                                                  e["end"]))
    for g in extra:
        errs.append("extra impact %s %s..%s phases %s" % (
            g.get("kind"), g.get("start"), g.get("end"),
            [(p["phase"], p["time"]) for p in g.get("phase_changes", [])]))
    for e, g in pairs:
        what = "impact %s" % e["kind"]
        check_time(what + " start", e["start"], g.get("start"), errs)
        check_time(what + " end", e["end"], g.get("end"), errs)
        check_phases(what, e.get("phases"), g.get("phase_changes"), errs)
        check_effects(what, e, g.get("effects"), errs)


def check_phases(what, exp, got, errs):
    if exp is None:
        return
    got = got or []
    names = [p.get("phase") for p in got]
    if names != [p["phase"] for p in exp]:
        errs.append("%s: phases %s, want %s" % (
            what, [(p.get("phase"), p.get("time")) for p in got],
            [(p["phase"], p["time"]) for p in exp]))
        return
    for e, g in zip(exp, got):
        check_time("%s phase %s" % (what, e["phase"]), e["time"],
                   g.get("time"), errs)


def check_effects(what, exp, got, errs):
    if not isinstance(got, list):
        errs.append("%s: no effects[]" % what)
        return
    unknown = set(got) - EFFECTS
    if unknown:
        errs.append("%s: effects %s are none of the six" % (what,
                                                            sorted(unknown)))
    lacking = set(exp["effects_include"]) - set(got)
    if lacking:
        errs.append("%s: effects %s lack %s" % (what, got, sorted(lacking)))
    wrong = set(exp["effects_exclude"]) & set(got)
    if wrong:
        errs.append("%s: effects %s must not name %s" % (what, got,
                                                         sorted(wrong)))


def check_incidents(exp, doc, errs):
    got = doc.get("incidents") or []
    pairs, missing, extra = pair_off(
        exp["incidents"], got, lambda i: i.get("cause"),
        lambda i: i.get("start"))
    for e in missing:
        errs.append("missing incident %s %s..%s" % (e["cause"], e["start"],
                                                    e["end"]))
    for g in extra:
        errs.append("extra incident %s %s %s..%s" % (
            g.get("cause"), g.get("component"), g.get("start"),
            g.get("end")))
    for e, g in pairs:
        what = "incident %s" % e["cause"]
        if "component" in e and \
                (g.get("component") or "").lower() != e["component"].lower():
            errs.append("%s: component %s, want %s" % (
                what, g.get("component"), e["component"]))
        check_time(what + " start", e["start"], g.get("start"), errs)
        check_time(what + " end", e["end"], g.get("end"), errs)


# The names issue 11 and ccmond(8) fix; an expected answer in other words
# could never be met.
ALARM_TYPES = {"component-down", "auth-failure", "endpoint-refused",
               "endpoint-unreachable", "probe-failing", "messaging-blocked",
               "group-chat-blocked", "messaging-degraded", "logging-lost",
               "queue-latency-high", "xcp-router-restart"}
SEVERITIES = {"critical", "major", "minor", "warning"}
CAUSES = {"refused", "timeout", "unreachable", "auth", "lost",
          "router-restart"}
PHASES = {"queueing", "immediate-bounce", "some-users", "logins-delayed",
          "unlogged"}
KINDS = {"messaging-blocked", "group-chat-blocked", "messaging-degraded",
         "logging-lost"}


def vocabulary(exp):
    """What in exp is none of the shared names."""
    bad = []
    for a in exp["alarms"]:
        bad += [a["type"]] if a["type"] not in ALARM_TYPES else []
        sev = [a["severity"]] + [c["severity"]
                                 for c in a.get("changes") or []]
        bad += [x for x in sev if x not in SEVERITIES]
    for i in exp["impact"] or []:
        bad += [i["kind"]] if i["kind"] not in KINDS else []
        bad += [p["phase"] for p in i.get("phases") or []
                if p["phase"] not in PHASES]
        bad += [e for e in i["effects_include"] + i["effects_exclude"]
                if e not in EFFECTS]
    bad += [i["cause"] for i in exp["incidents"] if i["cause"] not in CAUSES]
    return bad


def test_situation_is_complete(ccmon):
    """Every folder has its four files, speaks the shared names only, and
    its configuration is one that `ccmon check-config` accepts (what the
    test plays is what an administrator could write)."""
    assert len(NAMES) >= 12, NAMES
    for name in NAMES:
        d, exp = situation(name)
        for f in ("router.log", "ccmon.conf", "expected.json", "README.md"):
            assert os.path.isfile(os.path.join(d, f)), (name, f)
        assert exp["situation"] == name
        assert not vocabulary(exp), (name, vocabulary(exp))
        r = subprocess.run([ccmon, "check-config", "-c",
                            os.path.join(d, "ccmon.conf")],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, (name, r.stderr)


@pytest.mark.parametrize("name", NAMES)
def test_analyze(ccmon, name):
    """`ccmon analyze --config ccmon.conf --json router.log` says what the
    vendor says users suffered and what the NOC would have received."""
    d, exp = situation(name)
    r = subprocess.run([ccmon, "analyze", "--config",
                        os.path.join(d, "ccmon.conf"), "--json",
                        os.path.join(d, "router.log")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    errs = []
    if doc.get("schema") != SCHEMA:
        errs.append("schema %s, want %s" % (doc.get("schema"), SCHEMA))
    check_alarms(exp, doc, errs)
    check_impact(exp, doc, errs)
    check_incidents(exp, doc, errs)
    assert not errs, "%s (%s):\n  %s" % (name, readme_title(d),
                                         "\n  ".join(errs))


def readme_title(d):
    with open(os.path.join(d, "README.md"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("# "):
                return line[2:].strip()
    return "?"


# ---- live -------------------------------------------------------------------

def duration_ms(text):
    """A ccmon.conf(5) duration in milliseconds."""
    text = text.strip()
    if re.fullmatch(r"\d+", text):
        return int(text) * 1000
    unit = {"ms": 1, "s": 1000, "m": 60000, "h": 3600000}
    parts = re.findall(r"(\d+)(ms|s|m|h)", text)
    assert "".join(n + u for n, u in parts) == text, text
    return sum(int(n) * unit[u] for n, u in parts)


def live_config(h, d, exp):
    """The situation's ccmon.conf with this harness's paths and every
    duration of the timing model divided by SCALE."""
    scaled = dict(SCALED)
    if exp.get("live", {}).get("restart_keys"):
        scaled.update(RESTART_KEYS)
    out, section = [], None
    with open(os.path.join(d, "ccmon.conf"), encoding="utf-8") as f:
        for line in f:
            m = re.match(r"\s*\[(.*)\]", line)
            if m:
                section = m.group(1)
            key = line.split("=", 1)[0].strip()
            if section == "agent" and "=" in line and not \
                    line.lstrip().startswith(("#", ";")):
                if key in scaled:
                    scaled[key] = line.split("=", 1)[1].strip()
                    continue
                if key in LIVE_OWN:
                    continue
            out.append(line)
            if section == "agent" and m:
                out.append("log = %s\n" % os.path.join(h.logdir,
                                                       "rtr-jsm-1_*.log"))
                out.append("state_dir = %s\nruntime_dir = %s\nsnmp = no\n"
                           % (h.state_dir, h.runtime_dir))
                out.append("@SCALED@")
    lines = ["%s = %dms\n" % (k, max(1, duration_ms(v) // SCALE))
             for k, v in sorted(scaled.items())]
    text = "".join(out).replace("@SCALED@", "".join(lines), 1)
    with open(h.config_path, "w", encoding="utf-8") as f:
        f.write(text)
    return h.config_path


LINE = re.compile(r"(\d\d:\d\d:\d\d\.\d{3}) (\|.*)")


def log_lines(d):
    """(seconds from the first line, the line without its time)."""
    out = []
    with open(os.path.join(d, "router.log"), encoding="utf-8") as f:
        for line in f:
            m = LINE.fullmatch(line.rstrip("\n"))
            assert m, line
            out.append((tod(m.group(1)), m.group(2)))
    first = out[0][0]
    return [(t - first, rest) for t, rest in out]


def first_time(d):
    with open(os.path.join(d, "router.log"), encoding="utf-8") as f:
        return tod(f.readline().split(" ", 1)[0])


def write_line(log, t, rest):
    with log.lock:
        os.write(log.fd, ("%s %s\n" % (stamp(t), rest)).encode())


def play(log, lines):
    """Each line at its offset / SCALE from now, stamped with that time.
    Returns that now."""
    t0 = time.time()
    for off, rest in lines:
        at = t0 + off / SCALE
        while True:
            left = at - time.time()
            if left <= 0:
                break
            time.sleep(min(0.05, left))
        write_line(log, at, rest)
    return t0


def barrier(h, log):
    """Returns once ccmond has decided on every line written before."""
    n = len(h.select("unknown-components", "raised"))
    write_line(log, time.time(), "|info rtr-jsm-1.imp1 router Component %s "
               "is GONE" % BARRIER)
    h.wait_alarm("unknown-components", "raised", count=n + 1)
    write_line(log, time.time(), "|info rtr-jsm-1.imp1 router Component %s "
               "is ACTIVE" % BARRIER)
    h.wait_alarm("unknown-components", "cleared", count=n + 1)


def as_log_time(since, t0, first):
    """A live time of ccmond's (local, no zone) as the time of day in the
    situation's log it stands for, first being the log's first line."""
    try:
        t = datetime.strptime(since, "%Y-%m-%dT%H:%M:%S.%f").timestamp()
    except (TypeError, ValueError):
        return None
    x = max(0.0, first + (t - t0) * SCALE)
    return "%02d:%02d:%06.3f" % (x // 3600 % 24, x // 60 % 60, x % 60)


def stories(entries, t0=0.0, first=0.0):
    """The journal's alarm messages as one story per alarm id:
    {type, resource, start (in log time, to tell a blip from the outage
    it resembles), events: [(state, severity)]}."""
    out = {}
    for e in entries:
        if e.get("CCMON_ALARM") == "unknown-components":
            continue
        s = out.setdefault(e.get("CCMON_ALARM_ID"), {
            "type": e.get("CCMON_ALARM"),
            "resource": e.get("CCMON_RESOURCE", ""),
            "start": as_log_time(e.get("CCMON_SINCE"), t0, first),
            "events": []})
        s["events"].append((e.get("CCMON_STATE"), e.get("CCMON_SEVERITY")))
    return list(out.values())


def live_due(exp):
    """Per expected alarm, the journal messages it must have: raised,
    each change, cleared (None: either way)."""
    out = []
    for a in exp["alarms"]:
        changes = a.get("changes")
        cleared = None if a["end"] == "any" else a["end"] is not None
        out.append((a, changes, cleared))
    return out


def story_complete(s, changes, cleared):
    states = [st for st, _ in s["events"]]
    want = 1 + (len(changes) if changes else 0) + (1 if cleared else 0)
    return len(states) >= want


def too_early(what, spec, since, errs):
    """Live, an alarm cannot rightly start before the line that shows its
    condition was written (however slow the machine, lines are never
    written early), so a start before the earliest expected one is a
    blip, not the outage; a late one proves nothing and is not judged."""
    if spec in (None, "any") or since is None:
        return
    lo = spec[0] if isinstance(spec, list) else spec
    if tod(since) < tod(lo) - LIVE_SLACK:
        errs.append("%s: since ~%s (log time), before %s" % (what, since,
                                                            lo))


def subsequence(want, seq):
    it = iter(seq)
    return all(any(x == w for x in it) for w in want)


def check_live(exp, got, errs):
    due = live_due(exp)
    pairs, missing, extra = pair_off(
        [a for a, _, _ in due], got,
        lambda a: (a["type"], a["resource"].lower()),
        lambda s: s.get("start"))
    for e in missing:
        errs.append("missing alarm %s %s %s" % (e["severity"], e["type"],
                                                e["resource"]))
    for g in extra:
        errs.append("extra alarm %s %s since ~%s (log time): %s" % (
            g["type"], g["resource"], g["start"], g["events"]))
    for e, g in pairs:
        what = "alarm %s %s" % (e["type"], e["resource"])
        ev = g["events"]
        if not ev or ev[0][0] != "raised":
            errs.append("%s: %s, want raised first" % (what, ev))
            continue
        if RANK.get(ev[0][1], 9) < RANK[e["severity"]]:
            errs.append("%s: raised %s, more severe than %s" % (
                what, ev[0][1], e["severity"]))
        too_early(what, e["start"], g["start"], errs)
        body = [x for x in ev[1:] if x[0] != "cleared"]
        if any(st != "changed" for st, _ in body):
            errs.append("%s: %s" % (what, ev))
        # Live times are the machine's: which change was provisional
        # cannot be told, only that the judged severity and each expected
        # change came, in order.
        want = [e["severity"]] + [c["severity"]
                                  for c in e.get("changes") or []]
        if not subsequence(want, [ev[0][1]] + [sv for _, sv in body]):
            errs.append("%s: severities %s, want %s in that order, the "
                        "last %d by a change" % (
                            what, ev, want, len(want) - 1))
        ends = [x for x in ev[1:] if x[0] == "cleared"]
        if e["end"] is None and ends:
            errs.append("%s: cleared, want still raised" % what)
        if e["end"] not in (None, "any") and \
                (len(ends) != 1 or ev[-1][0] != "cleared"):
            errs.append("%s: %s, want one clear at the end" % (what, ev))


@pytest.mark.parametrize("name", NAMES)
def test_live(h, name):
    """The same situation played into a live ccmond, 30 times faster: the
    same alarms, severities and resources in the journal."""
    d, exp = situation(name)
    log = h.log()
    h.start(config=live_config(h, d, exp))
    lines = log_lines(d)
    t0 = play(log, lines)
    first = first_time(d)
    due = live_due(exp)

    def all_due():
        got = stories(h.alarms(impact=True))
        return all(any(s["type"] == a["type"] and
                       s["resource"].lower() == a["resource"].lower() and
                       story_complete(s, ch, cl) for s in got)
                   for a, ch, cl in due)
    # what the played log has made due: a bound on a failure, not a pace
    wait_for(all_due, timeout=STEP)
    barrier(h, log)
    errs = []
    check_live(exp, stories(h.alarms(impact=True), t0, first), errs)
    assert not errs, "%s (%s), live at 1/%d:\n  %s\nccmond stderr:\n%s" % (
        name, readme_title(d), SCALE, "\n  ".join(errs), h.daemon_stderr())
    assert h.daemons[0].stop() == 0, h.daemon_stderr()

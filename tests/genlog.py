#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Cisco IM&P "XCP Router" log generator with known ground truth, for ccmon.

It builds a seeded random scenario (deterministic per seed) of open-port
components going through outages of the three causes -- refused, auth,
lost -- some left open at the end of the log, buried in ordinary router
noise (including near misses such as "Component manager started" that must
not be recognised).  It renders the scenario in one of the five timestamp
shapes ccmon knows, optionally as a rotated set of files (some gzipped,
names deliberately not in time order), crossing midnight (New Year for the
yearless syslog shape), with CRLF endings and with nasty lines (NUL bytes,
invalid UTF-8, a 2 MiB line holding component messages, a 600 KB line that
is still a legitimate component message, a last line without newline).

The expected result is not taken from ccmon: a small reference evaluator in
this file applies the rules of the analysis contract to the scenario's
events, and the scenario builder's own intent (the cause it meant each
outage to have) is checked against it, so the two must agree before a
scenario is written at all.

Library:
    res = generate(out_dir, seed=1, shape="trace", files=3, gz=True)
    res.expected   the document `ccmon analyze --json` must print
    res.argv       FILE arguments (paths relative to out_dir, in the order
                   to pass them), res.options the extra options (--date)
    res.evaluate(since=ms, until=ms)  the reference result for a window

CLI:
    genlog.py --seed S --shape trace --files 3 --out DIR [--gz] [--midnight]
              [--crlf] [--nasty] [--date]
        writes the logs, DIR/expected.json and DIR/args.json
    genlog.py --bench SIZE_MB --out FILE
        writes one big trace-shape log and prints its number of component
        lines (lines holding one of the four recognised messages)
"""

import argparse
import collections
import datetime
import gzip
import json
import os
import random
import sys
import time

SHAPES = ("trace", "log4j", "expressway", "iso8601", "syslog")
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
EPOCH = datetime.datetime(1970, 1, 1)
AUTH_TIMEOUT_MS = 10000
QUEUE_WAIT_S = 30.0  # the wait a bounce stands for (ccmon.conf queue_wait)
SCHEMA = "ccmon.analysis/2"
MAX_LINE = 1 << 20  # ccmon's default line limit

# --------------------------------------------------------------------------
# Civil time as milliseconds since 1970-01-01T00:00:00, no zone ("log time").


def civil_ms(y, mo, d, h=0, mi=0, s=0, ms=0):
    delta = datetime.datetime(y, mo, d, h, mi, s) - EPOCH
    return (delta.days * 86400 + delta.seconds) * 1000 + ms


def civil(ms):
    return EPOCH + datetime.timedelta(milliseconds=ms)


def iso_time(ms):
    d = civil(ms)
    return "%04d-%02d-%02dT%02d:%02d:%02d.%03d" % (
        d.year, d.month, d.day, d.hour, d.minute, d.second, ms % 1000)


def iso_date(ms):
    d = civil(ms)
    return "%04d-%02d-%02d" % (d.year, d.month, d.day)


def local_epoch_ns(ms):
    """The POSIX time (ns) of civil time ms read as LOCAL time (mktime)."""
    d = civil(ms)
    secs = time.mktime((d.year, d.month, d.day, d.hour, d.minute, d.second,
                        0, 0, -1))
    return int(secs) * 1000000000 + (ms % 1000) * 1000000


def seconds(ms):
    """duration_s as ccmon writes it: seconds with millisecond precision."""
    return round(ms / 1000.0, 3)


# --------------------------------------------------------------------------
# Rendering of one line in each shape.


def stamp(shape, ms):
    d = civil(ms)
    f = ms % 1000
    if shape == "trace":
        return "%02d:%02d:%02d.%03d" % (d.hour, d.minute, d.second, f)
    if shape in ("log4j", "expressway"):
        return "%04d-%02d-%02d %02d:%02d:%02d,%03d" % (
            d.year, d.month, d.day, d.hour, d.minute, d.second, f)
    if shape == "iso8601":
        return "%04d-%02d-%02dT%02d:%02d:%02d.%03d" % (
            d.year, d.month, d.day, d.hour, d.minute, d.second, f)
    if shape == "syslog":
        return "%s %2d %02d:%02d:%02d" % (MONTHS[d.month - 1], d.day,
                                          d.hour, d.minute, d.second)
    raise ValueError(shape)


def quantize(shape, ms):
    """The time a rendered line carries (syslog has whole seconds only)."""
    return ms - ms % 1000 if shape == "syslog" else ms


CODELOC = {"info": "mio.c:1109", "error": "mio.c:1121", "debug": "jsm.c:733",
           "warn": "router.c:388"}


def render(shape, ms, level, src, text):
    ts = stamp(shape, ms)
    if shape == "trace":
        return "%s |%s %s %s" % (ts, level, src, text)
    if shape == "log4j":
        return "%s %-5s [%s] %s - %s" % (ts, level.upper(), src.split()[0],
                                        src.split()[-1], text)
    if shape == "expressway":
        return ('xwayc XCP_JABBERD[23843]: UTCTime="%s" Module="Jabber" '
                'Level="%-5s" CodeLocation="%s" Detail="%s"' % (
                    ts, level.upper(), CODELOC.get(level, "mio.c:1109"),
                    text.replace('"', "'")))
    if shape == "iso8601":
        return "%s imp1 xcp-router[2345]: %s %s: %s" % (
            ts, level.upper(), src.split()[-1], text)
    if shape == "syslog":
        return "%s imp1 xcp-router[2345]: %s %s: %s" % (
            ts, level.upper(), src.split()[-1], text)
    raise ValueError(shape)


# --------------------------------------------------------------------------
# Ordinary router noise.  Several lines are deliberate near misses of the
# four recognised messages and must not match.

USERS = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi",
         "ivan", "judy", "mallory", "oscar", "peggy", "trent", "victor"]

NOISE = [
    ("debug", "sdns_plugin-1.imp1 sdns_plugin",
     "handling:<presence from='{u}@example.com/jabber_{n}' "
     "to='{v}@example.com' type='unavailable'/>"),
    ("debug", "jsm-1.imp1 jsm",
     "deliver: packet to {u}@example.com/jabber_{n} (type=message)"),
    ("info", "rtr-jsm-1.imp1 mio",
     "accepted connection on fd {fd} from 10.{a}.{b}.{c} port {p}"),
    ("info", "rtr-jsm-1.imp1 router", "Component manager started"),
    ("info", "rtr-jsm-1.imp1 router", "connection pool size 8"),
    ("info", "rtr-jsm-1.imp1 router",
     "Connecting to database cluster-db{k} (attempt {k})"),
    ("debug", "rtr-jsm-1.imp1 mio",
     "Connecting on fd {fd} to unix socket /var/run/xcp/router.sock"),
    ("warn", "rtr-jsm-1.imp1 mio",
     "Unable to connect to host '10.{a}.{b}.{c}', port {p}: timed out "
     "after 5000 ms"),
    ("info", "rtr-jsm-1.imp1 router",
     "component op-cs{k}.imp1-example-com route registered for "
     "compliance.example.com"),
    ("debug", "rtr-jsm-1.imp1 router",
     "Component op-cs{k}.imp1-example-com is CONNECTING"),
    ("info", "rtr-jsm-1.imp1 router", "Components registered: {n}"),
    ("debug", "rtr-jsm-1.imp1 router", "component status check: ACTIVE"),
    ("warn", "rtr-jsm-1.imp1 router",
     "failed to connect to component cache; retrying in {k}s"),
    ("info", "jsm-1.imp1 jsm",
     "session started for {u}@example.com/jabber_{n}"),
    ("debug", "txt-conf-1.imp1 tc",
     "onBeforeSend room=room{k}@conference-2-standalonecluster.example.com"),
    ("info", "rtr-jsm-1.imp1 router", "route update: jsm-1.imp1 -> sm-1.imp1"),
    ("debug", "rtr-jsm-1.imp1 eventbroker", "Event Broker queue depth {k}"),
    ("info", "auth-svc-1.imp1 auth", "SASL PLAIN success for {u}@example.com"),
    ("debug", "rtr-jsm-1.imp1 router",
     "stanza routed to op-cs{k}.imp1-example-com (es_IN)"),
    ("debug", "client-cm-1.imp1 ccm",
     "keepalive from {u}@example.com/jabber_{n} on connection {fd}"),
    ("info", "rtr-jsm-1.imp1 router",
     "host connection to 10.{a}.{b}.{c} closed by peer (component gone?)"),
    ("debug", "jsm-1.imp1 jsm",
     "e_SESSION for {u}@example.com passed compliance check in {k} ms"),
    ("info", "rtr-jsm-1.imp1 router", "is ACTIVE: yes; Component count 4"),
]

CONTINUATIONS = [
    "  <body>see you at the {k} o'clock call</body>",
    "</message>",
    "\tat com.cisco.xcp.router.Mio.run(Mio.java:{p})",
    "  <x xmlns='jabber:x:event'><composing/></x>",
]


def noise_text(rng):
    level, src, tmpl = rng.choice(NOISE)
    text = tmpl.format(u=rng.choice(USERS), v=rng.choice(USERS),
                       n=rng.randint(1000, 99999), fd=rng.randint(20, 400),
                       a=rng.randint(1, 254), b=rng.randint(1, 254),
                       c=rng.randint(1, 254), p=rng.randint(1024, 65000),
                       k=rng.randint(1, 9))
    return level, src, text


# --------------------------------------------------------------------------
# Recognised messages.

STATES = {"connected": "CONNECTED", "active": "ACTIVE", "gone": "GONE"}
ERRNOS = [(111, "Connection refused")] * 6 + [
    (113, "No route to host"), (110, "Connection timed out")]


class Ev:
    """One recognised message."""

    def __init__(self, kind, comp=None, state=None, host=None, port=None,
                 fd=None, errno=None, reason=None):
        self.kind = kind  # state | connecting | unable | failed | bounce
        self.comp, self.state = comp, state
        self.host, self.port, self.fd = host, port, fd
        self.errno, self.reason = errno, reason

    def text(self, shape, rng):
        if self.kind == "state":
            return "Component %s is %s" % (self.comp, STATES[self.state])
        if self.kind == "connecting":
            return "Connecting on fd %d to host '%s', port %d" % (
                self.fd, self.host, self.port)
        if self.kind == "unable":
            lead = " " if shape == "expressway" else ""
            sp = " " if (shape == "expressway" or rng.random() < 0.3) else ""
            return "%sUnable to connect to host '%s', port %d%s:(%d) %s" % (
                lead, self.host, self.port, sp, self.errno, self.reason)
        if self.kind == "failed":
            lead = " " if shape == "expressway" else ""
            return "%sFailed to connect to component %s" % (lead, self.comp)
        if self.kind == "bounce":
            return "Bouncing packet intended for %s: External Server " \
                "Error" % self.comp
        raise ValueError(self.kind)

    def level(self):
        return "error" if self.kind in ("unable", "failed") else "info"


class Item:
    """One line of the log, before rendering.  t is the time the line
    carries (or inherits, if it is untimed)."""

    __slots__ = ("t", "timed", "ev", "level", "src", "text", "raw",
                 "overlong", "pad", "no_newline")

    def __init__(self, t, timed=True, ev=None, level="info", src="",
                 text="", raw=None):
        self.t, self.timed, self.ev = t, timed, ev
        self.level, self.src, self.text, self.raw = level, src, text, raw
        self.overlong = False
        self.pad = 0
        self.no_newline = False

    def to_bytes(self, shape, rng):
        if self.raw is not None:
            if callable(self.raw):
                return self.raw(shape, self.t)
            return self.raw
        text = self.text
        if self.ev is not None:
            text = self.ev.text(shape, rng)
            if self.pad:
                text = ("handling:<iq type='result' id='big'><query>" +
                        "A" * self.pad + "</query></iq> " + text.lstrip())
        if not self.timed:
            return text.encode()
        return render(shape, self.t, self.level, self.src, text).encode()


# --------------------------------------------------------------------------
# Scenario building.

Step = collections.namedtuple("Step", "events gap_after")
# events: list of (offset_ms from the step's start, Ev, untimed flag)


class Comp:
    def __init__(self, name, host, port):
        self.name, self.host, self.port = name, host, port
        self.steps = collections.deque()
        self.ready = 0
        self.intents = []  # intended (cause, open) of each incident


def make_components(rng, n):
    comps = []
    shared = "10.53.52.205"
    for k in range(1, n + 1):
        name = "op-cs%d.imp1-example-com" % k
        if k == 1:
            host, port = shared, 7999
        elif k == 2:
            host, port = shared, 10001  # numeric vs string port order
        elif k % 3 == 0:
            host, port = "cs%d.compliance.example.com" % k, 7400 + k
        else:
            host, port = "10.53.52.%d" % (205 + k), 7999
        comps.append(Comp(name, host, port))
    return comps


class Scenario:
    """The whole log as one time-ordered list of Items (absolute times)."""

    def __init__(self, seed, shape, ncomp=None, midnight=False, nasty=False):
        if shape not in SHAPES:
            raise ValueError("unknown shape %r" % shape)
        self.rng = rng = random.Random(seed)
        self.shape = shape
        self.comps = make_components(rng, ncomp or rng.randint(3, 6))
        for c in self.comps:
            self._plan(c)
        self.items = []
        self._build()
        # Place the relative times in the calendar.
        span = self.items[-1].t
        if midnight:
            day = civil_ms(2026, 12, 31) if shape == "syslog" else \
                civil_ms(2026, 11, 3)
            base = day + 86400000 - int(span * rng.uniform(0.3, 0.7))
        else:
            base = civil_ms(2026, 11, 3, 8, 0, 0) + rng.randint(0, 3600000)
        for it in self.items:
            it.t = quantize(shape, base + it.t)
        if nasty:
            self._nasty()

    # ---- per-component stories -------------------------------------------

    def _ev_state(self, c, state):
        return Ev("state", comp=c.name, state=state)

    def _ev_connecting(self, c):
        return Ev("connecting", host=c.host, port=c.port,
                  fd=self.rng.randint(20, 60))

    def _st_connect_ok(self, c):
        r = self.rng
        t1 = r.randint(2, 60)
        t2 = t1 + r.randint(150, 2800)
        untimed = r.random() < 0.12
        return Step([(0, self._ev_connecting(c), False),
                     (t1, self._ev_state(c, "connected"), False),
                     (t2, self._ev_state(c, "active"), untimed)],
                    r.randint(5000, 60000))

    def _st_refuse(self, c):
        r = self.rng
        if r.random() < 0.25:
            return Step([(0, Ev("failed", comp=c.name), False)],
                        r.randint(2000, 15000))
        errno, reason = r.choice(ERRNOS)
        return Step([(0, self._ev_connecting(c), False),
                     (r.randint(1, 8), Ev("unable", host=c.host, port=c.port,
                                          errno=errno, reason=reason), False)],
                    r.randint(2000, 15000))

    def _st_auth_try(self, c):
        r = self.rng
        # Nothing from this component for well over the auth timeout,
        # even after syslog's truncation to whole seconds.
        return Step([(0, self._ev_connecting(c), False),
                     (r.randint(2, 60), self._ev_state(c, "connected"), False)],
                    r.randint(15500, 40000))

    def _st_one(self, ev):
        return Step([(0, ev, False)], self.rng.randint(3000, 30000))

    def _plan(self, c):
        r = self.rng
        st = c.steps
        start = r.choices(["startup", "active", "gone", "failed"],
                          [4, 3, 2, 1])[0]
        bound = False
        if start == "startup":
            # unknown -> CONNECTED -> ACTIVE in time: a start, no incident
            st.append(self._st_connect_ok(c))
            bound = True
        elif start == "active":
            st.append(self._st_one(self._ev_state(c, "active")))
        elif start == "gone":
            st.append(self._st_one(self._ev_state(c, "gone")))
            open_ = r.random() < 0.15
            cause = r.choice(["lost", "auth"] if open_ else
                             ["refused", "auth", "lost"])
            bound = self._body(c, cause, open_, bound)
            c.intents.append((cause, open_))
            if open_:
                return
        else:  # failed: never seen, already failing
            st.append(self._st_one(Ev("failed", comp=c.name)))
            open_ = r.random() < 0.15
            c.intents.append(("refused", open_))
            if open_:
                return
            for _ in range(r.randint(0, 2)):
                st.append(self._st_refuse(c))
            st.append(self._st_connect_ok(c))
            bound = True
        for i in range(r.randint(1, 3)):
            last = i == 2 or r.random() < 0.3
            open_ = last and r.random() < 0.4
            cause = r.choice(["refused", "auth", "lost"])
            if open_ and cause == "refused" and not bound:
                cause = r.choice(["auth", "lost"])
            st.append(self._st_one(self._ev_state(c, "gone")))
            bound = self._body(c, cause, open_, bound)
            c.intents.append((cause, open_))
            if last:
                break

    def _body(self, c, cause, open_, bound):
        """The steps after the incident began (component gone, or first
        seen gone).  Returns whether ccmon can know the endpoint after."""
        r, st = self.rng, c.steps
        if cause == "refused":
            for _ in range(r.randint(1, 4)):
                st.append(self._st_refuse(c))
            if open_:
                return bound
            if r.random() < 0.25:  # refused outranks auth
                st.append(self._st_auth_try(c))
                st.append(self._st_one(self._ev_state(c, "gone")))
            st.append(self._st_connect_ok(c))
            return True
        if cause == "auth":
            for i in range(r.randint(1, 2)):
                if i:
                    st.append(self._st_one(self._ev_state(c, "gone")))
                st.append(self._st_auth_try(c))
            if open_:
                if r.random() < 0.4:
                    st.append(self._st_one(self._ev_state(c, "gone")))
                return True
            if r.random() < 0.5:  # password fixed: late ACTIVE
                st.append(self._st_one(self._ev_state(c, "active")))
            else:
                st.append(self._st_one(self._ev_state(c, "gone")))
                st.append(self._st_connect_ok(c))
            return True
        # lost
        if open_:
            return bound
        st.append(self._st_connect_ok(c))
        return True

    # ---- interleaving -------------------------------------------------------

    def _noise_line(self, t):
        if self.rng.random() < 0.03:
            # the router's bounce: a wait of queue_wait on a component
            comp = "op-cs%d.imp1-example-com" % self.rng.randint(1, 9)
            self.items.append(Item(t, ev=Ev("bounce", comp=comp),
                                   level="warn",
                                   src="rtr-jsm-1.imp1 router"))
            return
        level, src, text = noise_text(self.rng)
        self.items.append(Item(t, level=level, src=src, text=text))
        if self.rng.random() < 0.06:
            k = self.rng.randint(1, 9)
            for tmpl in self.rng.sample(CONTINUATIONS, 2):
                self.items.append(Item(t, timed=False, text=tmpl.format(
                    k=k, p=self.rng.randint(100, 900))))

    def _noise(self, a, b):
        """Ordinary lines at times strictly between a and b."""
        r = self.rng
        if b - a < 3:
            return
        n = min(40, (b - a) // r.randint(300, 2500))
        for t in sorted(r.randint(a + 1, b - 1) for _ in range(n)):
            self._noise_line(t)

    def _build(self):
        r = self.rng
        self.items.append(Item(0, level="info", src="rtr-jsm-1.imp1 router",
                               text="Cisco XCP Router 10.5.1.10000-15 "
                                    "starting (pid 2345)"))
        now = 0
        while any(c.steps for c in self.comps):
            c = r.choice([c for c in self.comps if c.steps])
            step = c.steps.popleft()
            t0 = max(now + r.randint(1500, 25000), c.ready)
            self._noise(now, t0)
            prev = None
            for off, ev, untimed in step.events:
                t = t0 + off
                if untimed:
                    self.items.append(Item(prev, timed=False, ev=ev))
                    continue
                if prev is not None and r.random() < 0.5:
                    self._noise(prev, t)
                self.items.append(Item(t, ev=ev, level=ev.level(),
                                       src="rtr-jsm-1.imp1 router"))
                prev = t
            now = prev
            c.ready = now + step.gap_after
        end = max(now + r.randint(20000, 60000),
                  max(c.ready for c in self.comps) + 1000)
        self._noise(now, end)
        self.items.append(Item(end, level="info", src="rtr-jsm-1.imp1 router",
                               text="statistics: %d stanzas routed" %
                               r.randint(10000, 99999)))

    # ---- nasty lines --------------------------------------------------------

    def _nasty(self):
        r = self.rng
        items = self.items
        active_name = self.comps[0].name

        def prefixed(payload):
            def mk(shape, t):
                line = render(shape, t, "debug", "rtr-jsm-1.imp1 mio",
                              "@@PAYLOAD@@").encode()
                return line.replace(b"@@PAYLOAD@@", payload)
            return mk

        nul = prefixed(b"stanza dump: \x00\x01\x02<iq\x00 type='get'/>\x00"
                       b" connection pool size 8")
        bad_utf8 = prefixed(b"handling:<message to='bob@example.com'><body>"
                            b"\xff\xfe\xc3\x28 caf\xe9 \xe2\x82</body>"
                            b"</message>")
        big = (b"Component " + active_name.encode() + b" is GONE " +
               b"x" * (2 * MAX_LINE) +
               b" Connecting on fd 9 to host '10.9.9.9', port 1234"
               b" Component " + active_name.encode() + b" is GONE")
        overlong = prefixed(big)

        def insert(raw, timed=True, overlong_=False):
            # Somewhere in the middle, never first or last.
            i = r.randint(len(items) // 5, len(items) * 4 // 5)
            prev = items[i - 1]
            it = Item(prev.t, timed=timed, raw=raw)
            it.overlong = overlong_
            items.insert(i, it)

        insert(nul)
        insert(bad_utf8)
        insert(b"\x00\x00\x00\x00", timed=False)
        insert(b"\xc0\xaf\xed\xa0\x80 binary trailer", timed=False)
        insert(overlong, overlong_=True)
        # A legitimate component message after a 600 KB prefix.
        cands = [it for it in items if it.ev is not None and it.timed and
                 it.ev.kind == "state"]
        r.choice(cands).pad = 600000
        self.no_newline_last = True


# --------------------------------------------------------------------------
# Reference evaluator: the analysis rules applied to the rendered events.


class Ambiguous(Exception):
    pass


def evaluate(files, shape, auth_timeout=AUTH_TIMEOUT_MS, since=None,
             until=None, strict=True):
    """files: [(path, [Item])] in processing order.  Returns the expected
    analysis document.  With strict, raises Ambiguous for a scenario that
    does not keep to the unambiguous subset (e.g. a CONNECTED followed by
    something other than ACTIVE within the auth timeout)."""
    comps = {}
    eps = {}
    incidents = []
    inputs = []
    pending_connect = None
    failed_connect = None
    survived = False  # pending_connect outlived its own Unable
    prev_t = None
    silence_end = None  # of the last silence long enough for a restart
    last_time = None
    stopped = False

    def comp(name):
        if name not in comps:
            comps[name] = dict(name=name, state="unknown", transitions=[],
                               incidents=0, downtime=0, endpoint=None,
                               connected_at=None, connected_pos=None,
                               active_at=None, inc=None, waits=[])
        return comps[name]

    def ep(host, port):
        key = (host, port)
        if key not in eps:
            eps[key] = dict(host=host, port=port, attempts=0, failures=0,
                            refused=0, last_error=None, last_failure=None,
                            last_errno=None)
        return eps[key]

    def set_cause(c, cause):
        """The strongest evidence names the cause; among failed connects
        the latest."""
        inc = c["inc"]
        if inc is not None and inc["cause"] != cause and \
                CAUSE_RANK[cause] >= CAUSE_RANK[inc["cause"]]:
            inc["cause"] = cause

    def explains(c):
        """A failure on c's endpoint since c was last ACTIVE."""
        if c["endpoint"] is None:
            return False
        e = eps[c["endpoint"]]
        return e["last_failure"] is not None and (
            c["active_at"] is None or e["last_failure"] >= c["active_at"])

    def check_endpoint(c):
        if c["inc"] is not None and explains(c):
            set_cause(c, errno_cause(eps[c["endpoint"]]["last_errno"]))

    def auth_check_all(t):
        """Fire the auth timeouts due by time t, in deadline then name
        order; a CONNECTED outside an incident becomes one from the
        CONNECTED on."""
        due = sorted((c["connected_at"] + auth_timeout, c["name"].lower(), c)
                     for c in comps.values()
                     if c["connected_at"] is not None and
                     t >= c["connected_at"] + auth_timeout)
        for _, _, c in due:
            if c["inc"] is None:
                f, ln = c["connected_pos"]
                open_incident(c, c["connected_at"], f, ln, incidents)
                c["inc"]["cause"] = "auth"
                check_endpoint(c)
            set_cause(c, "auth")
            c["connected_at"] = None

    for path, items in files:
        stats = dict(path=path, lines=0, recognized=0, bad_time=0,
                     overlong=0, shape=shape, first=None, last=None)
        inputs.append(stats)
        if stopped:
            continue
        for lineno, it in enumerate(items, 1):
            if it.overlong:
                stats["lines"] += 1
                stats["overlong"] += 1
                continue
            t = it.t
            if until is not None and t > until:
                stopped = True
                break
            stats["lines"] += 1
            if prev_t is not None and t - prev_t >= RESTART_SILENCE_MS:
                silence_end = t
            prev_t = t
            if it.timed:
                if stats["first"] is None:
                    stats["first"] = t
                stats["last"] = t
            last_time = t
            ev = it.ev
            if ev is None:
                continue
            stats["recognized"] += 1
            listed = since is None or t >= since
            if ev.kind == "bounce":
                # a queue line: no bearing on a connect in progress
                auth_check_all(t)
                c = comp(ev.comp)
                if listed:
                    c["waits"].append(dict(time=iso_time(t),
                                           wait_s=QUEUE_WAIT_S, file=path,
                                           line=lineno))
                continue
            pend, pending_connect = pending_connect, None
            fail, failed_connect = failed_connect, None
            was_survived, survived = survived, False
            if strict and ev.kind == "state" and ev.comp in comps:
                ca = comps[ev.comp]["connected_at"]
                if ca is not None and ev.state not in ("active",
                                                       "connected") and \
                        t < ca + auth_timeout + 2000:
                    raise Ambiguous("%s leaves CONNECTED for %s after %d ms"
                                    % (ev.comp, ev.state, t - ca))
                if ca is not None and ev.state == "active" and \
                        abs(t - ca - auth_timeout) < 2000:
                    raise Ambiguous("%s: ACTIVE near the auth timeout" %
                                    ev.comp)
            auth_check_all(t)
            if ev.kind == "connecting":
                e = ep(ev.host, ev.port)
                e["attempts"] += 1
                pending_connect = (ev.host, ev.port)
            elif ev.kind == "unable":
                e = ep(ev.host, ev.port)
                e["failures"] += 1
                if ev.errno == 111:
                    e["refused"] += 1
                e["last_error"] = "(%d) %s" % (ev.errno, ev.reason)
                e["last_failure"] = t
                e["last_errno"] = ev.errno
                failed_connect = (ev.host, ev.port)
                # Connecting, Unable, then the component's GONE
                if pend == failed_connect:
                    pending_connect = pend
                    survived = True
                for c in comps.values():
                    if c["endpoint"] == (ev.host, ev.port):
                        check_endpoint(c)
            elif ev.kind == "failed":
                c = comp(ev.comp)
                if c["state"] == "unknown" and c["incidents"] == 0:
                    open_incident(c, t, path, lineno, incidents)
                # Expressway: the failure just logged is this one's
                if fail is not None and \
                        t - eps[fail]["last_failure"] <= FAILED_PAIR_MS:
                    # the builder never writes this pair: a coincidence
                    if strict:
                        raise Ambiguous("%s: Failed just after another "
                                        "Unable" % ev.comp)
                    c["endpoint"] = fail
                if explains(c):
                    check_endpoint(c)
                else:
                    set_cause(c, "unreachable")
            else:
                c = comp(ev.comp)
                to = ev.state
                if pend is not None and to in ("connected", "gone"):
                    # nor a state right after Connecting, Unable
                    if strict and was_survived:
                        raise Ambiguous("%s: state just after a failed "
                                        "Connecting" % ev.comp)
                    c["endpoint"] = pend
                    check_endpoint(c)
                # the model knows no router restart: the builder never
                # means one, a silence then a CONNECTED is a coincidence
                if strict and to == "connected" and silence_end is not \
                        None and t - silence_end <= RESTART_BURST_MS:
                    raise Ambiguous("%s: CONNECTED just after a silence"
                                    % ev.comp)
                if to == c["state"]:
                    continue
                if listed:
                    c["transitions"].append(dict(
                        time=iso_time(t), state=to, **{"from": c["state"]},
                        file=path, line=lineno))
                c["state"] = to
                c["connected_at"] = t if to == "connected" else None
                c["connected_pos"] = (path, lineno)
                if to == "active":
                    c["active_at"] = t
                # CONNECTED outside an incident is down only once its
                # auth timeout passes (auth_check_all)
                if to == "gone" and c["inc"] is None:
                    open_incident(c, t, path, lineno, incidents)
                    check_endpoint(c)
                elif to == "active" and c["inc"] is not None:
                    inc = c["inc"]
                    inc["end"] = t
                    c["downtime"] += t - inc["start"]
                    c["inc"] = None
    # End of input: timeouts that fell due by the last timestamp.
    if last_time is not None:
        auth_check_all(last_time)

    def cause(inc):
        return inc["cause"]

    out_inc = []
    for inc in incidents:
        open_ = inc["end"] is None
        if since is not None and not open_ and inc["end"] < since:
            continue
        end = last_time if open_ else inc["end"]
        out_inc.append(dict(
            id=inc["id"], component=inc["component"],
            start=iso_time(inc["start"]),
            end=None if open_ else iso_time(inc["end"]),
            duration_s=seconds(end - inc["start"]), cause=cause(inc),
            open=open_, file=inc["file"], line=inc["line"]))
    doc = {
        "schema": SCHEMA,
        "inputs": [dict(s, first=None if s["first"] is None else
                        iso_time(s["first"]),
                        last=None if s["last"] is None else
                        iso_time(s["last"])) for s in inputs],
        "components": [dict(
            name=c["name"], state=c["state"], transitions=c["transitions"],
            incidents=c["incidents"], downtime_s=seconds(c["downtime"]),
            endpoint=None if c["endpoint"] is None else
            "%s:%d" % c["endpoint"],
            queue_latency=queue_latency(c["waits"]))
            for _, c in sorted(comps.items())],
        "endpoints": [dict(host=e["host"], port=e["port"],
                           attempts=e["attempts"], failures=e["failures"],
                           refused=e["refused"], last_error=e["last_error"])
                      for _, e in sorted(eps.items())],
        "incidents": out_inc,
    }
    return doc


def queue_latency(waits):
    """Every bounce is a wait of queue_wait: the figures follow."""
    w = QUEUE_WAIT_S if waits else 0.0
    return dict(count=len(waits), mean_s=w, max_s=w, p50_s=w, p95_s=w,
                p99_s=w, waits=waits)


# ccmon's ranking of causes (agent/core/engine.c): a failed connect names the
# fault, a missing ACTIVE narrows it, a loss alone says nothing.
CAUSE_RANK = dict(lost=0, auth=1, refused=2, timeout=2, unreachable=2)
# A router restart (ccmon.conf(5) defaults): silent this long, then
# CONNECTED within the burst.
RESTART_SILENCE_MS = 30000
RESTART_BURST_MS = 5000
# Expressway's "Failed to connect to component" this close after an
# "Unable to connect" is that connect's component.
FAILED_PAIR_MS = 100


def errno_cause(errno):
    """111 refused, 110 timeout, anything else unreachable."""
    return {111: "refused", 110: "timeout"}.get(errno, "unreachable")


def open_incident(c, t, path, lineno, incidents):
    inc = dict(id=len(incidents) + 1, component=c["name"], start=t, end=None,
               cause="lost", file=path, line=lineno)
    incidents.append(inc)
    c["inc"] = inc
    c["incidents"] += 1
    return inc


# --------------------------------------------------------------------------
# Writing a scenario out.


class Result:
    def __init__(self, out_dir, shape, files, argv, options, expected,
                 scenario):
        self.out_dir = out_dir
        self.shape = shape
        self.files = files  # [(path, [Item])] in time order
        self.argv = argv
        self.options = options
        self.expected = expected
        self.scenario = scenario

    def evaluate(self, since=None, until=None, auth_timeout=AUTH_TIMEOUT_MS):
        return evaluate(self.files, self.shape, auth_timeout=auth_timeout,
                        since=since,
                        until=until, strict=False)

    def all_items(self):
        for path, items in self.files:
            for lineno, it in enumerate(items, 1):
                yield path, lineno, it


def check_intents(scenario, expected):
    """The builder's intended causes must be what the rules give."""
    got = collections.defaultdict(list)
    # "refused" in an intent is any failed connect: its errno names it
    failed = ("refused", "timeout", "unreachable")
    for inc in expected["incidents"]:
        got[inc["component"]].append(
            ("refused" if inc["cause"] in failed else inc["cause"],
             inc["open"]))
    for c in scenario.comps:
        if got[c.name] != c.intents:
            raise AssertionError("scenario %s: intended %r, rules give %r" %
                                 (c.name, c.intents, got[c.name]))


def split(rng, items, nfiles):
    """Cuts the item list into nfiles runs, each starting with a timed,
    ordinary-size line."""
    if nfiles <= 1:
        return [items]
    n = len(items)
    cands = [i for i in range(n // (nfiles * 3), n - 5)
             if items[i].timed and not items[i].overlong and
             items[i].raw is None]
    for _ in range(1000):
        cuts = sorted(rng.sample(cands, nfiles - 1))
        bounds = [0] + cuts + [n]
        if all(bounds[k + 1] - bounds[k] >= 10 for k in range(nfiles)):
            return [items[bounds[k]:bounds[k + 1]] for k in range(nfiles)]
    raise RuntimeError("cannot split")


def generate(out_dir, seed=1, shape="trace", files=1, gz=False,
             midnight=False, crlf=False, nasty=False, date=False,
             ncomp=None):
    """Writes one scenario into out_dir and returns its Result."""
    os.makedirs(out_dir, exist_ok=True)
    sc = None
    # Rejection of the (rare) scenario the strict evaluator calls ambiguous.
    for attempt in range(50):
        sc = Scenario(seed * 1000 + attempt, shape, ncomp=ncomp,
                      midnight=midnight, nasty=nasty)
        rng = random.Random(seed * 7919 + attempt)
        runs = split(rng, sc.items, files)
        if files > 1:
            nums = list(range(1, files + 1))
            while nums == sorted(nums):
                rng.shuffle(nums)
            base = rng.randint(1, 400)
            if gz:
                zipped = set(rng.sample(range(files),
                                        rng.randint(1, files - 1)))
            else:
                zipped = set()
            names = ["rtr-jsm-1_%06d.log%s" % (base + nums[k],
                                                ".gz" if k in zipped else "")
                     for k in range(files)]
        else:
            names = ["rtr-jsm-1_%06d.log%s" % (rng.randint(1, 400),
                                                ".gz" if gz else "")]
        paired = list(zip(names, runs))
        try:
            expected = evaluate(paired, shape)
            check_intents(sc, expected)
        except Ambiguous:
            continue
        break
    else:
        raise RuntimeError("no unambiguous scenario for seed %d" % seed)

    eol = b"\r\n" if crlf else b"\n"
    for k, (name, run) in enumerate(paired):
        lines = [it.to_bytes(shape, rng) for it in run]
        data = eol.join(lines)
        # nasty: the chronologically last file's last line has no newline
        if not (nasty and k == len(paired) - 1):
            data += eol
        path = os.path.join(out_dir, name)
        if name.endswith(".gz"):
            with gzip.open(path, "wb", compresslevel=3) as f:
                f.write(data)
        else:
            with open(path, "wb") as f:
                f.write(data)
        last_t = max(it.t for it in run if it.timed)
        if date and not midnight:
            # Misleading: --date must win.  The same late time of day for
            # every file keeps the mtime-rule ordering equal to time order.
            ns = local_epoch_ns(civil_ms(2030, 6, 15, 23, 59, 59))
        else:
            ns = local_epoch_ns(last_t)
        os.utime(path, ns=(ns, ns))

    argv = sorted(names)
    if argv == names and len(names) > 1:
        argv = list(reversed(argv))
    options = []
    if date:
        options = ["--date", iso_date(paired[0][1][0].t)]
        if midnight:
            argv = list(names)  # chronological: see the test's docstring
    res = Result(out_dir, shape, paired, argv, options, expected, sc)
    with open(os.path.join(out_dir, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    with open(os.path.join(out_dir, "args.json"), "w") as f:
        json.dump({"options": options, "files": argv}, f, indent=1)
        f.write("\n")
    return res


# --------------------------------------------------------------------------
# Benchmark log: big, fast, trace shape.


def bench(out_path, size_mb, seed=42):
    rng = random.Random(seed)
    target = int(size_mb * 1000000)
    # A few thousand distinct ordinary lines (after the timestamp).
    bodies = []
    for _ in range(4000):
        level, src, text = noise_text(rng)
        bodies.append(" |%s %s %s\n" % (level, src, text))
    avg = sum(len(b) for b in bodies) / len(bodies) + 12
    nlines = int(target / avg) + 1
    day = civil_ms(2026, 11, 3)
    t0 = 30 * 60 * 1000           # 00:30:00.000
    span = 22 * 3600 * 1000       # stays within the day
    step = span / nlines
    # Component blocks spread through the file.
    comps = make_components(rng, 4)
    ngroups = 60
    every = max(1, nlines // (ngroups + 1))
    seq_no = 0
    count = 0
    ms_str = ["%03d" % i for i in range(1000)]
    sec_cache = {}

    def tod(ms):
        s, f = divmod(int(ms), 1000)
        hms = sec_cache.get(s)
        if hms is None:
            hms = "%02d:%02d:%02d." % (s // 3600, s // 60 % 60, s % 60)
            sec_cache.clear()
            sec_cache[s] = hms
        return hms + ms_str[f]

    def group(t):
        nonlocal seq_no
        c = comps[seq_no % len(comps)]
        seq_no += 1
        src = " |info rtr-jsm-1.imp1 router "
        msgs = ["Component %s is GONE" % c.name,
                "Connecting on fd 22 to host '%s', port %d" % (c.host, c.port),
                "Unable to connect to host '%s', port %d:(111) Connection "
                "refused" % (c.host, c.port),
                "Connecting on fd 22 to host '%s', port %d" % (c.host, c.port),
                "Component %s is CONNECTED" % c.name,
                "Component %s is ACTIVE" % c.name]
        if seq_no % 5 == 0:
            msgs.insert(1, "Failed to connect to component %s" % c.name)
        return "".join(tod(t) + src + m + "\n" for m in msgs), len(msgs)

    written = 0
    i = 0
    block = 8192
    nb = len(bodies)
    with open(out_path, "w", buffering=1 << 22) as f:
        while written < target:
            n = min(block, nlines - i) if i < nlines else block
            base = t0 + i * step
            parts = [tod(base + j * step) + bodies[(i + j) * 7919 % nb]
                     for j in range(n)]
            g0 = (i // every + 1) * every
            if g0 < i + n and count < 6 * ngroups * 2:
                text, k = group(t0 + g0 * step)
                parts.insert(g0 - i, text)
                count += k
            chunk = "".join(parts)
            f.write(chunk)
            written += len(chunk)
            i += n
    last = min(t0 + i * step, 86399999)
    ns = local_epoch_ns(day + int(last))
    os.utime(out_path, ns=(ns, ns))
    return count


# --------------------------------------------------------------------------


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--shape", choices=SHAPES, default="trace")
    ap.add_argument("--files", type=int, default=1)
    ap.add_argument("--components", type=int, default=None)
    ap.add_argument("--gz", action="store_true")
    ap.add_argument("--midnight", action="store_true")
    ap.add_argument("--crlf", action="store_true")
    ap.add_argument("--nasty", action="store_true")
    ap.add_argument("--date", action="store_true",
                    help="expect ccmon to be run with --date (args.json)")
    ap.add_argument("--bench", type=float, metavar="SIZE_MB")
    ap.add_argument("--out", required=True)
    a = ap.parse_args(argv)
    if a.bench is not None:
        print(bench(a.out, a.bench))
        return 0
    res = generate(a.out, seed=a.seed, shape=a.shape, files=a.files,
                   gz=a.gz, midnight=a.midnight, crlf=a.crlf, nasty=a.nasty,
                   date=a.date, ncomp=a.components)
    print(" ".join(["ccmon", "analyze", "--json"] + res.options + res.argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())

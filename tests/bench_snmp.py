#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Benchmark of ccmond's SNMP notifications against a classic log-to-trap
script, run by tests/bench.sh (`make bench`): log line appended -> trap
received at snmptrapd.

Both run at once and follow the same router log; both send to the same
snmptrapd (tests/snmp_harness.py: a real net-snmp snmpd master and
snmptrapd on loopback, nothing read from /etc/snmp, no MIB loaded):

  ccmond -f            in the private mount namespace of
                       tests/ccmond_harness.py (its own journald);
                       alarm_raise_hold = alarm_clear_hold = 0s, no flap
                       damping, alarm_rate_limit 1000000/s, one [server]
                       per component (probe = none), snmp = yes, agentx_ping_interval = 1s (as
                       tests/test_snmp.py): an AgentX subagent of our
                       snmpd, whose trap2sink is the snmptrapd
                       (ccmonAlarmRaised / ccmonAlarmCleared)
  reference            tail -n 0 -F LOG
                         | grep --line-buffered -E 'Component [^ ]+ is (GONE|ACTIVE)'
                         | while read -r line; do
                             snmptrap -v 2c -c public 127.0.0.1:TRAPPORT '' \\
                               REF REF.1 s "$line"; done
                       (sh; one snmptrap process per line, straight to the
                       snmptrapd; REF = 1.3.6.1.4.1.8072.9999.9999.4242.0.1,
                       so that the two streams can be told apart)

Latency: BENCH_TRAPS (default 1000) lines, each a notification for both:
rounds of up to 50 components each going GONE (ccmond raises
component-down) and then ACTIVE (ccmond clears it), one line every
BENCH_TRAP_PACE_MS (default 10) milliseconds on a fixed schedule, whatever
the tools do: latency under a steady load, not one line at a time.  Every
component is ACTIVE in the log's history before ccmond starts, so that its
first GONE raises.  A warm-up raise and clear goes through both before the
run and is left out of the figures.

The append time is CLOCK_REALTIME (time.time_ns()) just before write(2).
The arrival time is when snmptrapd printed the notification: it logs to a
pipe (-Lf /dev/stdout: net-snmp's file log handler fflush()es after every
message, one write(2) per notification; the run prints how many reads
brought its notifications, and the most one read brought) read by a
separate small process that stamps every read(2) with time.time_ns() as it
returns, so the stamping never waits for this process's pacing loop or its
interpreter lock.  A record is given the stamp of the read that completed
it.  The error of the method (snmptrapd's formatting, the pipe, a wakeup)
is common to both streams.  ccmond's notifications (those of type
componentDown, ccmonNotifyAlarmType 1: any other alarm it may raise is left
out) are paired with their lines by (component, from ccmonNotifyResource;
raised <-> GONE, cleared <-> ACTIVE; occurrence, the order of their
ccmonNotifyAlarmId), the first arrival of each: one received again (ccmond
delivers at least once, and sends again what was in flight when its AgentX
connection ended) is counted apart, as are the connections it says it lost.
The reference's are paired by the line text they carry (and occurrence).
The floor of the method is measured too, before the run with both tools
idle: 100 traps sent by this script straight to snmptrapd (one sendto(2) of
a hand-encoded SNMPv2-Trap-PDU each, 5 ms apart), send to stamp; it is what
snmptrapd and the stamping add to every figure.

Then the same again under load (BENCH_TRAP_LOAD_RATE, default 10000
lines/s; 0: not run): filler lines neither tool looks for (those of
tests/bench_agent.py) written between the paced ones about every
millisecond, and BENCH_TRAP_LOAD_COMPONENTS (default 1000) [server]s
configured, the paced components among them; its figures are printed
after those of the run without load.

Figures: lines sent and notifications received, min, median (the mean of
the middle two for an even count, as tests/bench_agent.py), p90 and p99
(nearest rank) and max in ms, for ccmond's raises, its clears, all of
ccmond's, all of the reference's, and the floor.  A reference that cannot
keep up is a figure, not a failure: after the last append the run waits at
most BENCH_TRAP_WAIT_S (60) seconds for stragglers and says how many
arrived.  Everything shares the machine's CPUs (their number is printed):
the reference's process per line costs CPU that ccmond, snmpd and snmptrapd
then wait for, as they would on a real node.

CPU: utime+stime (/proc/PID/stat, clock ticks) from the first append until
that side's last notification is in (or the end of the wait) of ccmond and
of snmpd (the master forwards every notification), beside the reference's
tail, grep and loop shell and the snmptrap processes that shell has reaped
(its cutime + cstime, read once it has no child left).  snmptrapd's,
which serves both, is shown apart.  ccmond also writes every alarm to its
journal (journald's CPU is not counted); the reference sends the trap
only.  ccmonNotificationsSent / Dropped / Queued are read with snmpget at
the end.

Figures only, no thresholds (machines are shared and noisy).  Prints "snmp
bench skipped: REASON" and exits 0 when it cannot run here (not root, no
mount namespace, no journald, no net-snmp snmpd / snmptrapd / snmptrap, a
ccmond built without SNMP); exits 1 when something that should work does
not (ccmond loses or delays a notification past the wait or drops one, a
daemon or the reference pipeline fails).

Environment: CCMON, CCMOND (default: the ccmond next to CCMON),
BENCH_TRAPS, BENCH_TRAP_PACE_MS, BENCH_TRAP_WAIT_S, BENCH_TRAP_LOAD_RATE,
BENCH_TRAP_LOAD_COMPONENTS.
"""
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import types

from bench_agent import _pytest_stand_in, env_number, filler, fmt, pct

HERE = os.path.dirname(os.path.abspath(__file__))
NODE_DASHED = "imp1-example-com"
COMPONENTS = 50

# CCMON-MIB, numerically (tests/test_snmp.py)
ROOT = "1.3.6.1.4.1.8072.9999.9999.42"
RAISED = ROOT + ".0.1"
CLEARED = ROOT + ".0.2"
KIND = {RAISED: "raised", CLEARED: "cleared"}
N_ID = ROOT + ".1.4.1.0"
N_TYPE = ROOT + ".1.4.2.0"
N_RESOURCE = ROOT + ".1.4.4.0"
COMPONENT_DOWN = "1"   # CcmonAlarmKind componentDown(1)
VERSION, QUEUED, DROPPED, SENT = (ROOT + ".1.1.%d.0" % n
                                  for n in (1, 9, 10, 11))

# the reference's notification and its one varbind, the line
REF_TRAP = "1.3.6.1.4.1.8072.9999.9999.4242.0.1"
REF_VAR = REF_TRAP + ".1"
REF_RE = r"Component [^ ]+ is (GONE|ACTIVE)"
REF_LOOP = ('while read -r line; do snmptrap -v 2c -c public "$1" "" "$2" '
            '"$2.1" s "$line"; done')
# the floor of the method: traps sent by this script itself
PROBE_TRAP = "1.3.6.1.4.1.8072.9999.9999.4242.0.2"
PROBE_VAR = PROBE_TRAP + ".1"
PROBES = 100
PROBE_PACE_MS = 5.0

# Stamps every read(2) of its stdin (snmptrapd's output): a header
# "<time.time_ns()> <length>\n" and the bytes read, to the file argv[1].
STAMPER = r"""
import os, sys, time
out = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
while True:
    data = os.read(0, 1 << 16)
    t = time.time_ns()
    if not data:
        break
    os.write(out, b"%d %d\n" % (t, len(data)) + data)
"""


class Skip(Exception):
    pass


class Fail(Exception):
    pass


# The harnesses' pytest.skip and pytest.fail exceptions (pytest's own when it
# is there: BaseException subclasses).
SKIP_EXC, FAIL_EXC = Skip, Fail






# ---- /proc ------------------------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK")


def cpu(pid):
    """(own utime+stime, reaped children's cutime+cstime) in seconds, or
    None when the process is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # fields 14-17 (1-based): utime stime cutime cstime; 12-15 after ") "
    rest = stat[stat.rindex(")") + 2:].split()
    return ((int(rest[11]) + int(rest[12])) / TICK,
            (int(rest[13]) + int(rest[14])) / TICK)


def children(pid):
    """Pids whose parent is pid."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        if stat[stat.rindex(")") + 2:].split()[1] == str(pid):
            out.append(int(d))
    return out


# ---- a trap by hand ---------------------------------------------------------

def _tlv(tag, body):
    n = len(body)
    if n < 0x80:
        head = bytes([n])
    else:
        b = n.to_bytes((n.bit_length() + 7) // 8, "big")
        head = bytes([0x80 | len(b)]) + b
    return bytes([tag]) + head + body


def _int(tag, v):
    return _tlv(tag, v.to_bytes(max(1, (v.bit_length() + 8) // 8), "big",
                                signed=True))


def _oid(oid):
    parts = [int(x) for x in oid.split(".")]
    out = bytearray()
    for v in [40 * parts[0] + parts[1]] + parts[2:]:
        enc = [v & 0x7F]
        v >>= 7
        while v:
            enc.append(0x80 | (v & 0x7F))
            v >>= 7
        out += bytes(reversed(enc))
    return _tlv(0x06, bytes(out))


def v2c_trap(reqid, trap_oid, var_oid, text, uptime_oid, trap_oid_var):
    """An SNMPv2c SNMPv2-Trap-PDU (community public): sysUpTime.0 = 0,
    snmpTrapOID.0 = trap_oid, var_oid = text (OCTET STRING)."""
    vbs = (_tlv(0x30, _oid(uptime_oid) + _int(0x43, 0)) +
           _tlv(0x30, _oid(trap_oid_var) + _oid(trap_oid)) +
           _tlv(0x30, _oid(var_oid) + _tlv(0x04, text.encode())))
    pdu = _tlv(0xA7, _int(0x02, reqid) + _int(0x02, 0) + _int(0x02, 0) +
               _tlv(0x30, vbs))
    return _tlv(0x30, _int(0x02, 1) + _tlv(0x04, b"public") + pdu)


# ---- what snmptrapd printed -------------------------------------------------

class StampedTraps:
    """snmptrapd's output as the stamper wrote it, read incrementally:
    records (arrival ns, text of the varbinds) in order."""

    def __init__(self, path, var_sep, rec_end):
        self.path = path
        self.var_sep = var_sep
        self.end = (rec_end + "\n").encode()
        self.pos = 0
        self.buf = b""       # unread frames
        self.pending = b""   # output not yet ended by a record end
        self.head = b""      # the first output, for "NET-SNMP version"
        self.records = []
        self.reads = 0       # reads that completed at least one record
        self.max_per_read = 0

    def poll(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.pos)
                data = f.read()
        except FileNotFoundError:
            return
        self.pos += len(data)
        self.buf += data
        while True:
            nl = self.buf.find(b"\n")
            if nl < 0:
                return
            t_ns, n = (int(x) for x in self.buf[:nl].split())
            if len(self.buf) < nl + 1 + n:
                return
            chunk = self.buf[nl + 1:nl + 1 + n]
            self.buf = self.buf[nl + 1 + n:]
            if len(self.head) < 4096:
                self.head += chunk[:4096]
            self.pending += chunk
            done = 0
            while True:
                k = self.pending.find(self.end)
                if k < 0:
                    break
                seg = self.pending[:k]
                self.pending = self.pending[k + len(self.end):]
                m = re.search(rb"(?:\A|\n)TRAP ", seg)
                if m:
                    self.records.append(
                        (t_ns, seg[m.end():].decode("utf-8", "replace")))
                    done += 1
            if done:
                self.reads += 1
                self.max_per_read = max(self.max_per_read, done)


def classify(records, parse_vars, trap_oid_var, cache=None):
    """Arrivals: ({(component, raised|cleared): [ns...]}, {line: [ns...]},
    {probe text: [ns...]}, repeats, number of records not understood).

    ccmond's lists hold the first arrival of each alarm id, in the order
    of the ids (ids grow: the n-th raise of a component is its n-th GONE,
    whatever came twice or out of order); a notification received again
    (at least once: one in flight when the AgentX connection ended is sent
    again) counts as a repeat.  The others' lists are in arrival order."""
    by_id, ref, probe = {}, {}, {}
    bad = repeats = 0
    if cache is None:
        cache = []
    for i, (t_ns, text) in enumerate(records):
        if i == len(cache):   # parsed once: the wait polls this
            try:
                cache.append({v.oid: v.value for v in parse_vars(text)})
            except ValueError:
                cache.append(None)
        vs = cache[i]
        if vs is None:
            bad += 1
            continue
        oid = vs.get(trap_oid_var, "").lstrip(".")
        if oid in KIND:
            if vs.get(N_TYPE) != COMPONENT_DOWN:
                continue   # another alarm type: not one of ours
            comp = vs.get(N_RESOURCE)
            try:
                alarm_id = int(vs.get(N_ID, ""))
            except ValueError:
                alarm_id = None
            if comp is None or alarm_id is None:
                bad += 1
                continue
            ids = by_id.setdefault((comp.lower(), KIND[oid]), {})
            if alarm_id in ids:
                repeats += 1
            else:
                ids[alarm_id] = t_ns
        elif oid == REF_TRAP:
            line = vs.get(REF_VAR)
            if line is None:
                bad += 1
                continue
            ref.setdefault(line, []).append(t_ns)
        elif oid == PROBE_TRAP:
            probe.setdefault(vs.get(PROBE_VAR), []).append(t_ns)
    ours = {k: [ids[i] for i in sorted(ids)] for k, ids in by_id.items()}
    return ours, ref, probe, repeats, bad


def pair(sent, arrived, keys=None):
    """Latencies in ms of the keys' sends paired, in order, with their
    arrivals; (latencies, lines sent)."""
    lat = []
    n = 0
    for k, times in sent.items():
        if keys is not None and not keys(k):
            continue
        n += len(times)
        for a, b in zip(times, arrived.get(k, ())):
            lat.append((b - a) / 1e6)
    lat.sort()
    return lat, n


def arrived_all(sent, arrived):
    return all(len(arrived.get(k, ())) >= len(v) for k, v in sent.items())


# ---- figures ----------------------------------------------------------------



def median(v):
    if not v:
        return None
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2




ROW = "  %-24s %6s %8s %9s %9s %9s %9s %9s"


def latency_row(label, lat, sent):
    print(ROW % (label, sent, len(lat), fmt(lat[0] if lat else None),
                 fmt(median(lat)), fmt(pct(lat, 90)), fmt(pct(lat, 99)),
                 fmt(lat[-1] if lat else None)))


# ---- the bench --------------------------------------------------------------

def run(load_rate=0.0, load_comps=0):
    """One bench: with load_rate > 0, filler lines are appended between the
    paced ones (load_rate lines/s in all) and load_comps servers are
    configured (the paced components among them)."""
    _pytest_stand_in()
    sys.path.insert(0, HERE)
    try:
        import ccmond_harness as H
        import snmp_harness as S
    except Exception as e:  # noqa: BLE001 - any reason is worth saying
        raise Fail(f"cannot import the test harnesses: {e}")
    global SKIP_EXC, FAIL_EXC
    SKIP_EXC = skip_exc = sys.modules["pytest"].skip.Exception
    FAIL_EXC = fail_exc = sys.modules["pytest"].fail.Exception

    ccmon = os.environ.get("CCMON")
    if not ccmon:
        raise Skip("CCMON is not set")
    ccmond = os.environ.get("CCMOND") or os.path.join(
        os.path.dirname(os.path.abspath(ccmon)), "ccmond")
    if not (os.path.isfile(ccmond) and os.access(ccmond, os.X_OK)):
        raise Skip(f"no ccmond at {ccmond} (build it, or set CCMOND)")
    os.environ["CCMOND"] = ccmond
    try:
        said = subprocess.run([ccmond, "-V"], capture_output=True, text=True,
                              timeout=10)
    except subprocess.TimeoutExpired:
        raise Fail(f"{ccmond} -V did not return within 10 s")
    if not re.search(r"\bsnmp\b", said.stdout + said.stderr, re.I):
        raise Skip(f"{ccmond} -V does not name snmp: built without SNMP")
    missing = [p for p in (S.SNMPD, S.SNMPTRAPD) if not os.access(p, os.X_OK)]
    missing += [t for t in ("snmptrap", "snmpget", "tail", "grep")
                if shutil.which(t) is None]
    if missing:
        raise Skip("%s not found (net-snmp: Debian packages snmpd "
                   "snmptrapd snmp)" % ", ".join(missing))

    n_traps = env_number("BENCH_TRAPS", 1000, int, 1)
    pace_ms = env_number("BENCH_TRAP_PACE_MS", 10.0, float, 0.1)
    wait_s = env_number("BENCH_TRAP_WAIT_S", 60.0, float, 1)

    h = None
    trapd = snmpd = None
    trapd_proc = stamper = None
    procs = []   # the reference pipeline, in order: tail, grep, the loop
    daemon = None
    try:
        try:
            h = H.Harness("journal")
            # snmptrapd, logging to a pipe read by the stamper
            trapd = S.Snmptrapd(h.workdir)
            argv = trapd.argv()
            argv[argv.index("-Lf") + 1] = "/dev/stdout"
            stamped = os.path.join(trapd.dir, "stamped")
            trapd_proc = subprocess.Popen(
                argv, env=trapd.env, stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                start_new_session=True)
            stamper = subprocess.Popen(
                [sys.executable, "-c", STAMPER, stamped],
                stdin=trapd_proc.stdout, stdout=subprocess.DEVNULL,
                start_new_session=True)
            trapd_proc.stdout.close()
            out = StampedTraps(stamped, S.VAR_SEP, S.REC_END)

            def trapd_ready():
                out.poll()
                if trapd_proc.poll() is not None:
                    return "exited"
                return b"NET-SNMP version" in out.head and \
                    S.udp_bound(trapd.port)
            if H.wait_for(trapd_ready, timeout=H.STEP,
                          interval=0.05) is not True:
                raise Fail("snmptrapd not ready within %.0f s (exit %s); it "
                           "printed:\n%s" % (H.STEP, trapd_proc.poll(),
                                             out.head.decode("utf-8",
                                                             "replace")))
            snmpd = S.Snmpd(h.workdir, trap_port=trapd.port)
            snmpd.start()
        except skip_exc as e:
            raise Skip(str(e))
        except fail_exc as e:
            raise Fail(str(e))

        ncomp = max(1, min(COMPONENTS, (n_traps + 1) // 2))
        names = ["s%03d" % i for i in range(ncomp)]
        idle_names = ["x%04d" % i for i in
                      range(max(0, load_comps - ncomp - 1))]
        # each a configured server: a component no [server] names would
        # count towards one unknown-components alarm, not a component-down
        h.config(H.bench_servers(names + ["warmup"] + idle_names),
                 snmp="yes",
                 agentx_socket=snmpd.socket,
                 agentx_ping_interval="1s", alarm_rate_limit="1000000/s",
                 flap_window="0s", alarm_raise_hold="0s",
                 alarm_clear_hold="0s", log_silent_after="0")
        log = h.log()
        comps = [H.component_of(n) for n in names]
        warm = H.component_of("warmup")
        # History: every component ACTIVE, a few seconds ago.
        t = time.time() - 3 - 0.001 * (ncomp + 1)
        for c in comps + [warm]:
            log.component(c, "ACTIVE", t=t)
            t += 0.001
        log.noise(1)

        try:
            daemon = h.start()
        except fail_exc as e:
            raise Fail(str(e))

        def served():
            got = snmpd.snmpget(VERSION, check=False)
            return bool(got) and got[VERSION].type == "STRING"
        if not H.wait_for(served, timeout=H.STEP, interval=0.2):
            raise Fail("ccmond's CCMON-MIB not served by snmpd within %.0f "
                       "s; ccmond stderr:\n%s\n%s"
                       % (H.STEP, daemon.stderr()[-2000:],
                          snmpd.describe()))

        # The reference pipeline; the loop's snmptrap reads no
        # configuration but an empty directory of its own, no MIB.
        tooldir = os.path.join(h.workdir, "reftools")
        os.mkdir(tooldir)
        common = dict(start_new_session=True, stderr=subprocess.DEVNULL)
        tail = subprocess.Popen(["tail", "-n", "0", "-F", log.path],
                                stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, **common)
        procs.append(tail)
        grep = subprocess.Popen(["grep", "--line-buffered", "-E", REF_RE],
                                stdin=tail.stdout, stdout=subprocess.PIPE,
                                **common)
        procs.append(grep)
        tail.stdout.close()
        loop = subprocess.Popen(
            ["/bin/sh", "-c", REF_LOOP, "sh", "127.0.0.1:%d" % trapd.port,
             REF_TRAP], stdin=grep.stdout, stdout=subprocess.DEVNULL,
            env=S.tool_env(tooldir), **common)
        procs.append(loop)
        grep.stdout.close()
        time.sleep(0.5)   # tail -F has opened the file by now, surely
        for p, name in ((tail, "tail -F"), (grep, "grep"), (loop, "loop")):
            if p.poll() is not None:
                raise Fail(f"{name} of the reference pipeline exited with "
                           f"{p.returncode}")

        parsed = []

        def arrivals():
            out.poll()
            return classify(out.records,
                            lambda text: S.parse_vars(text, sep=S.VAR_SEP),
                            S.SNMP_TRAP_OID, parsed)

        # Warm-up: one raise and clear, both tools, left out of the figures.
        warm_lines = []
        for state in ("GONE", "ACTIVE"):
            text = "%s |info router Component %s is %s" % (H.stamp(), warm,
                                                           state)
            os.write(log.fd, (text + "\n").encode())
            warm_lines.append(text)

        def warmed():
            ours, ref, _, _, _ = arrivals()
            return ((warm, "raised") in ours and (warm, "cleared") in ours
                    and all(x in ref for x in warm_lines))
        if not H.wait_for(warmed, timeout=H.STEP, interval=0.1):
            ours, ref, _, _, bad = arrivals()
            raise Fail("warm-up notifications not all at snmptrapd within "
                       "%.0f s (ccmond: %s, reference: %d of 2, %d records "
                       "not understood); ccmond stderr:\n%s\n%s"
                       % (H.STEP, sorted(ours), len(ref), bad,
                          daemon.stderr()[-2000:], snmpd.describe()))

        # The floor of the method: traps sent straight to snmptrapd by this
        # script (one sendto(2) each, no process started), paced, with
        # both tools idle.
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sent_probe = {}
        try:
            sock.connect(("127.0.0.1", trapd.port))
            t0 = time.monotonic_ns() + 20_000_000
            for i in range(PROBES):
                due = t0 + int(i * PROBE_PACE_MS * 1e6)
                while True:
                    left = due - time.monotonic_ns()
                    if left <= 0:
                        break
                    time.sleep(left / 1e9 if left > 200_000 else 0)
                text = "probe %d" % i
                pkt = v2c_trap(i + 1, PROBE_TRAP, PROBE_VAR, text,
                               S.SYS_UPTIME, S.SNMP_TRAP_OID)
                sent_probe[text] = [time.time_ns()]
                sock.send(pkt)
        finally:
            sock.close()
        H.wait_for(lambda: arrived_all(sent_probe, arrivals()[2]),
                   timeout=H.STEP, interval=0.1)

        # The paced run: rounds of GONE for each component, then ACTIVE for
        # each, one line every pace_ms on a fixed schedule.
        plan = []
        while len(plan) < n_traps:
            left = n_traps - len(plan)
            k = min(ncomp, (left + 1) // 2)
            plan += [(c, "GONE") for c in comps[:k]]
            plan += [(c, "ACTIVE") for c in comps[:min(k, left - k)]]
        sent_ours, sent_ref = {}, {}
        pids = {"ccmond": daemon.pid, "snmpd": snmpd.proc.pid,
                "snmptrapd": trapd_proc.pid, "tail -F": tail.pid,
                "grep": grep.pid, "sh loop": loop.pid}
        cpu0 = {n: cpu(p) for n, p in pids.items()}
        pace_ns = int(pace_ms * 1e6)
        start = time.monotonic_ns() + 20_000_000
        late = 0
        # under load: filler lines between the paced ones, written about
        # every millisecond (tests/bench_agent.py's)
        fill_rate = max(0.0, load_rate - 1e9 / pace_ns) if load_rate else 0
        filled = 0
        fill_at = start
        for step, (comp, state) in enumerate(plan):
            due = start + step * pace_ns
            while True:
                now = time.monotonic_ns()
                if fill_rate and now >= fill_at:
                    want = int((now - start) * fill_rate / 1e9)
                    if want > filled:
                        os.write(log.fd, filler(
                            H.stamp(), filled, want - filled))
                        filled = want
                    fill_at = now + 1_000_000
                left = due - time.monotonic_ns()
                if left <= 0:
                    break
                nap = min(left, fill_at - time.monotonic_ns()) \
                    if fill_rate else left
                time.sleep(nap / 1e9 if nap > 200_000
                           else 0)   # the last 0.2 ms: yield, recheck
            if -left > pace_ns:
                late += 1
            text = "%s |info router Component %s is %s" % (H.stamp(), comp,
                                                           state)
            data = (text + "\n").encode()
            t_ns = time.time_ns()
            os.write(log.fd, data)
            kind = "raised" if state == "GONE" else "cleared"
            sent_ours.setdefault((comp, kind), []).append(t_ns)
            sent_ref.setdefault(text, []).append(t_ns)
        t_end = time.monotonic()
        run_s = (time.monotonic_ns() - start) / 1e9

        # Stragglers, at most wait_s; the CPU of each side when its last
        # notification is in (the reference's: once its loop has reaped the
        # last snmptrap), or at the end of the wait.
        cpu1 = {}
        done_at = {}
        ref_alive = True
        while True:
            ours, ref, _, _, bad = arrivals()
            now = time.monotonic()
            if "ccmond" not in done_at and arrived_all(sent_ours, ours):
                done_at["ccmond"] = now - t_end
                for n in ("ccmond", "snmpd"):
                    cpu1[n] = cpu(pids[n])
            if "reference" not in done_at and arrived_all(sent_ref, ref):
                H.wait_for(lambda: not children(loop.pid), timeout=5,
                           interval=0.02)
                done_at["reference"] = now - t_end
                for n in ("tail -F", "grep", "sh loop"):
                    cpu1[n] = cpu(pids[n])
            if len(done_at) == 2 or now - t_end > wait_s:
                break
            if not daemon.alive():
                raise Fail("ccmond exited during the run with %s; stderr:\n"
                           "%s" % (daemon.proc.returncode,
                                   daemon.stderr()[-2000:]))
            if ref_alive and any(p.poll() is not None for p in procs):
                ref_alive = False   # said below, with the figures
            time.sleep(0.1)
        for n in pids:
            if n not in cpu1:
                cpu1[n] = cpu(pids[n])
        ours, ref, probe, repeats, bad = arrivals()

        counters = {}
        try:
            got = snmpd.snmpget([SENT, DROPPED, QUEUED])
            counters = {k: S.as_int(v) for k, v in got.items()}
        except (S.SnmpError, ValueError) as e:
            counters = {"error": str(e)}

        # ---- figures ----
        lat_raised, n_raised = pair(sent_ours, ours, lambda k: k[1] ==
                                    "raised")
        lat_cleared, n_cleared = pair(sent_ours, ours, lambda k: k[1] ==
                                      "cleared")
        lat_ours, n_ours = pair(sent_ours, ours)
        lat_ref, n_ref = pair(sent_ref, ref)
        lat_probe, n_probe = pair(sent_probe, probe)
        extra_ours = sum(max(0, len(ours.get(k, ())) - len(v))
                         for k, v in sent_ours.items())
        extra_ref = sum(max(0, len(ref.get(k, ())) - len(v))
                        for k, v in sent_ref.items())

        print()
        print("snmp bench: ccmond (AgentX subagent of snmpd) vs tail -F | "
              "grep | snmptrap per line, one snmptrapd")
        print("  %d notifications: %d lines (%d components, GONE then "
              "ACTIVE in rounds) appended one every %.1f ms over %.2f s%s"
              % (n_traps, len(plan), ncomp, pace_ms, run_s,
                 "" if not late else
                 " (%d appends over one period late)" % late))
        if load_rate:
            print("  with load: %d filler lines (neither tool looks for "
                  "them) between those, %.0f lines/s in all; %d [server]s "
                  "configured" % (filled, (filled + len(plan)) / run_s,
                                  len(names) + 1 + len(idle_names)))
        else:
            print("  without load: those lines alone; %d [server]s "
                  "configured" % (len(names) + 1))
        print("  ccmond -f: alarm_raise_hold = alarm_clear_hold = 0s, "
              "flap_window = 0s, alarm_rate_limit = 1000000/s, one [server] per "
              "component (probe = none), snmp = yes, agentx_ping_interval = 1s: "
              "ccmond -> snmpd (AgentX) -> trap2sink")
        print("  reference: tail -n 0 -F LOG | grep --line-buffered -E '%s' "
              "| while read -r line; do snmptrap -v 2c -c public "
              "127.0.0.1:%d '' %s %s s \"$line\"; done"
              % (REF_RE, trapd.port, REF_TRAP, REF_VAR))
        print("  arrival: snmptrapd -Lf /dev/stdout through a pipe, each "
              "read stamped; %d notifications in %d reads (at most %d in "
              "one)" % (len(out.records), out.reads, out.max_per_read))
        try:
            ncpu = len(os.sched_getaffinity(0))
        except OSError:
            ncpu = os.cpu_count()
        print("  %s CPU(s) for everything: the tools, snmpd, snmptrapd and "
              "this script" % ncpu)
        for side in ("ccmond", "reference"):
            if side in done_at:
                print("  %s: last notification in %.2f s after the last "
                      "append" % (side, done_at[side]))
            else:
                print("  %s: NOT all in %.0f s after the last append (see "
                      "received)" % (side, wait_s))
        if not ref_alive:
            print("  ERROR: the reference pipeline ended early: %s"
                  % ", ".join("%s %s" % (n, p.returncode) for n, p in
                              zip(("tail", "grep", "loop"), procs)
                              if p.returncode is not None))
        lost = sum(1 for line in list(daemon.stderr_lines)
                   if "lost the AgentX master" in line)
        print("  ccmond: %d notification(s) received twice (at least once: "
              "re-sent when the AgentX connection ended with it in flight);"
              " %d AgentX connection(s) lost and made again (its stderr)"
              % (repeats, lost))
        if bad or extra_ours or extra_ref:
            print("  WARNING: %d notification(s) not understood, %d "
                  "unexpected from ccmond, %d from the reference"
                  % (bad, extra_ours, extra_ref))
        print()
        print(ROW % ("append->trap, ms", "sent", "received", "min", "median",
                     "p90", "p99", "max"))
        latency_row("ccmond raised (GONE)", lat_raised, n_raised)
        latency_row("ccmond cleared (ACTIVE)", lat_cleared, n_cleared)
        latency_row("ccmond all", lat_ours, n_ours)
        latency_row("reference all", lat_ref, n_ref)
        latency_row("floor: UDP trap, idle", lat_probe, n_probe)
        print("  (floor: %d traps sent by this script straight to "
              "snmptrapd, one sendto(2) each, %.0f ms apart, before the "
              "run: snmptrapd and the stamping alone)"
              % (PROBES, PROBE_PACE_MS))

        print()
        if "error" in counters:
            print("  ccmond counters: snmpget failed: %s" % counters["error"])
        else:
            print("  ccmond counters (snmpget at the end, the warm-up's 2 "
                  "included): ccmonNotificationsSent %d, "
                  "ccmonNotificationsDropped %d, ccmonNotificationsQueued %d"
                  % (counters[SENT], counters[DROPPED], counters[QUEUED]))

        def used(n, reaped=False):
            a, b = cpu0.get(n), cpu1.get(n)
            if a is None or b is None:
                return None
            return b[1] - a[1] if reaped else b[0] - a[0]
        rows = [("ccmond", used("ccmond")), ("snmpd", used("snmpd"))]
        rows.append(("ccmond + snmpd", None if None in (rows[0][1],
                                                        rows[1][1])
                     else rows[0][1] + rows[1][1]))
        ref_rows = [("tail -F", used("tail -F")), ("grep", used("grep")),
                    ("sh loop", used("sh loop")),
                    ("snmptrap (reaped)", used("sh loop", reaped=True))]
        ref_total = None if any(v is None for _, v in ref_rows) \
            else sum(v for _, v in ref_rows)
        print()
        print("  CPU (utime+stime, s) from the first append until each "
              "side's last notification was in (or the end of the wait):")
        for name, v in rows + ref_rows + [("reference total", ref_total),
                                          ("snmptrapd (both)",
                                           used("snmptrapd"))]:
            print("  %-24s %8s" % (name, fmt(v, "%.2f")))

        ok = (n_ours == len(lat_ours) and not bad and not extra_ours and
              counters.get(DROPPED, 0) == 0 and "error" not in counters)
        if not ok:
            print("snmp bench: error: ccmond's notifications missing, "
                  "dropped or not understood; ccmond stderr (tail):\n%s"
                  % daemon.stderr()[-2000:], file=sys.stderr)
        if not ref_alive:
            print("snmp bench: error: the reference pipeline ended early",
                  file=sys.stderr)
        return 0 if ok and ref_alive else 1
    finally:
        for p in reversed(procs):
            H.kill_group(p)
            for s in (p.stdout,):
                try:
                    if s:
                        s.close()
                except OSError:
                    pass
        if daemon is not None and daemon.alive():
            try:
                daemon.stop()
            except BaseException:   # noqa: B036 - stopping whatever happens
                pass
        if snmpd is not None:
            snmpd.close()
        for p in (trapd_proc, stamper):
            if p is not None:
                H.kill_group(p)
        if h is not None:
            h.close()


def _stop(signum, frame):
    raise KeyboardInterrupt   # so that run()'s finally stops everything


def main():
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _stop)
    try:
        load_rate = env_number("BENCH_TRAP_LOAD_RATE", 10000.0, float, 0)
        load_comps = env_number("BENCH_TRAP_LOAD_COMPONENTS", 1000, int, 1)
        rc = run()
        if load_rate > 0:
            rc |= run(load_rate, load_comps)
        return rc
    except (Skip, SKIP_EXC) as e:
        print(f"snmp bench skipped: {e}")
        return 0
    except (Fail, FAIL_EXC) as e:
        print(f"snmp bench: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("snmp bench: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

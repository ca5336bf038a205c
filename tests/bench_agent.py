#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Benchmark of the live agent, ccmond, against a classic log-to-journal
pipeline, run by tests/bench.sh (`make bench`).

Both run at once, in one private mount namespace holding a systemd-journald
of our own (tests/ccmond_harness.py, the technique of tests/test_journal.py),
and follow the same router log:

  ccmond -f            alarm_raise_hold = alarm_clear_hold = 0s, no flap
                       damping, alarm_rate_limit 1000000/s, one [server] per
                       component (probe = none)
  reference            tail -n 0 -F LOG
                         | grep --line-buffered -E 'Component [^ ]+ is (GONE|ACTIVE)'
                         | systemd-cat -t ccmon-bench-ref

Latency: BENCH_ALARMS (default 1000) components each get a GONE line (ccmond
raises component-down) and then an ACTIVE line (ccmond clears it), one line
every BENCH_PACE_MS (default 3) milliseconds on a fixed schedule, whatever
the tools do: latency under a steady load, not one line at a time.  The
append time is CLOCK_REALTIME (time.time_ns()) just before write(2) (after
it, a preemption of this process could put it after the arrival); the
arrival time is the entry's __REALTIME_TIMESTAMP, journald's own
CLOCK_REALTIME when it received it.  Both tools see the same appends, so
any error in the append time is common to both.  Median, p90, p99 (nearest rank) and max,
for ccmond's raises and clears and the pipeline's GONE and ACTIVE lines.

CPU: utime+stime (/proc/PID/stat, clock ticks) and run time (/proc/PID/
schedstat, ns, when the kernel has it) of every process, summed over its
threads, over the paced run and over BENCH_IDLE_S (default 60) seconds of
idleness after it; voluntary context switches (wakeups) per second in that
idle time.  Memory: VmRSS and VmHWM at start, after the alarms and after the
idle time.

Under load, after the idle time: BENCH_LOAD_RATE (default 10000) lines/s
for BENCH_LOAD_S (default 20) seconds, BENCH_LOAD_CHANGES (default 100) of
them a second state changes (GONE then ACTIVE for each component again,
each in a write of its own, timed as above), the rest filler lines neither
tool looks for, as a busy router trace is mostly made of, written about
every millisecond; the same latency figures, and each process's CPU over
the appends as a share of one core (the goal: ccmond at most 5%, p99 at
most 10 ms).  BENCH_LOAD_RATE=0: not run.

Figures only, no thresholds (machines are shared and noisy).  Prints "agent
bench skipped: REASON" and exits 0 when it cannot run here (not root, no
mount namespace, no journald, no ccmond, no systemd-cat); exits 1 when
something that should work does not.

Environment: CCMON (ccmon, for `ccmon status`), CCMOND (default: the ccmond
next to CCMON), BENCH_ALARMS, BENCH_PACE_MS, BENCH_IDLE_S, BENCH_LOAD_RATE,
BENCH_LOAD_CHANGES, BENCH_LOAD_S.
"""
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import time
import types

HERE = os.path.dirname(os.path.abspath(__file__))
REF_TAG = "ccmon-bench-ref"
REF_RE = r"Component [^ ]+ is (GONE|ACTIVE)"
NODE_DASHED = "imp1-example-com"


class Skip(Exception):
    pass


class Fail(Exception):
    pass


# The harness's pytest.skip and pytest.fail exceptions (pytest's own when it
# is there: BaseException subclasses).
SKIP_EXC, FAIL_EXC = Skip, Fail


def _pytest_stand_in():
    """tests/ccmond_harness.py imports pytest for pytest.skip and
    pytest.fail only; the bench may run under a python3 without pytest."""
    try:
        import pytest  # noqa: F401
        return
    except ImportError:
        pass
    mod = types.ModuleType("pytest")

    def skip(msg="", **_):
        raise Skip(msg)

    def fail(msg="", **_):
        raise Fail(msg)

    skip.Exception = Skip
    fail.Exception = Fail
    mod.skip, mod.fail = skip, fail
    sys.modules["pytest"] = mod


def env_number(name, default, cast=float, low=None):
    raw = os.environ.get(name, "")
    if not raw:
        return default
    try:
        v = cast(raw)
    except ValueError:
        raise Fail(f"{name}={raw!r} is not a number")
    if low is not None and v < low:
        raise Fail(f"{name}={raw!r} is below {low}")
    return v


# ---- /proc -------------------------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK")


def proc_sample(pid):
    """CPU and wakeups of a process, its threads summed: dict, or None when
    it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
        # Fields after the parenthesised command name; utime, stime are
        # fields 14 and 15 (1-based), i.e. 12 and 13 after ") ".
        rest = stat[stat.rindex(")") + 2:].split()
        ticks = int(rest[11]) + int(rest[12])
        run_ns = 0
        have_sched = True
        vol = nonvol = 0
        for tid in os.listdir(f"/proc/{pid}/task"):
            base = f"/proc/{pid}/task/{tid}"
            try:
                with open(base + "/schedstat") as f:
                    run_ns += int(f.read().split()[0])
            except (FileNotFoundError, IndexError, ValueError):
                have_sched = False
            try:
                with open(base + "/status") as f:
                    for line in f:
                        if line.startswith("voluntary_ctxt_switches:"):
                            vol += int(line.split()[1])
                        elif line.startswith("nonvoluntary_ctxt_switches:"):
                            nonvol += int(line.split()[1])
            except FileNotFoundError:
                pass
    except (FileNotFoundError, ProcessLookupError, ValueError):
        return None
    return {"cpu_s": ticks / TICK, "run_ns": run_ns if have_sched else None,
            "vol": vol, "nonvol": nonvol, "t": time.monotonic()}


def proc_mem(pid):
    """(VmRSS, VmHWM) in KiB, or None."""
    rss = hwm = None
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
                elif line.startswith("VmHWM:"):
                    hwm = int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        return None
    return (rss, hwm)


def delta(a, b):
    if a is None or b is None:
        return None
    return {"cpu_s": b["cpu_s"] - a["cpu_s"],
            "run_ns": (None if a["run_ns"] is None or b["run_ns"] is None
                       else b["run_ns"] - a["run_ns"]),
            "vol": b["vol"] - a["vol"], "nonvol": b["nonvol"] - a["nonvol"],
            "wall": b["t"] - a["t"]}


def add(ds):
    ds = [d for d in ds if d is not None]
    if not ds:
        return None
    return {"cpu_s": sum(d["cpu_s"] for d in ds),
            "run_ns": (None if any(d["run_ns"] is None for d in ds)
                       else sum(d["run_ns"] for d in ds)),
            "vol": sum(d["vol"] for d in ds),
            "nonvol": sum(d["nonvol"] for d in ds),
            "wall": max(d["wall"] for d in ds)}


# ---- the journal -------------------------------------------------------------

def journal_entries(jdir):
    """(ccmond alarm entries, reference entries) from the journal files."""
    r = subprocess.run(
        ["journalctl", "-D", jdir, "-o", "json", "--no-pager",
         "--output-fields=SYSLOG_IDENTIFIER,MESSAGE,CCMON_ALARM,CCMON_STATE,"
         "CCMON_COMPONENT"],
        capture_output=True, text=True, timeout=60)
    ours, ref = [], []
    for line in r.stdout.splitlines():
        try:
            e = json.loads(line)
        except ValueError:
            continue
        if e.get("CCMON_ALARM") == "component-down":
            ours.append(e)
        elif e.get("SYSLOG_IDENTIFIER") == REF_TAG:
            ref.append(e)
    return ours, ref


def ref_key(e):
    """(component, GONE|ACTIVE) of a reference entry."""
    msg = e.get("MESSAGE")
    if not isinstance(msg, str):
        return None
    words = msg.split()
    for i in range(len(words) - 3):
        if words[i] == "Component" and words[i + 2] == "is":
            return (words[i + 1], words[i + 3])
    return None


def ours_key(e):
    state = {"raised": "GONE", "cleared": "ACTIVE"}.get(e.get("CCMON_STATE"))
    comp = e.get("CCMON_COMPONENT")
    if not state or not comp:
        return None
    return (comp, state)


def arrivals(entries, keyfn, since_us=0):
    """key -> first __REALTIME_TIMESTAMP (µs) of the entries with it, of
    those that arrived at or after since_us (the loaded phase alarms the
    components of the unloaded one again)."""
    out = {}
    for e in entries:
        k = keyfn(e)
        if k is None or k in out:
            continue
        try:
            t = int(e["__REALTIME_TIMESTAMP"])
        except (KeyError, ValueError):
            continue
        if t >= since_us:
            out[k] = t
    return out


# ---- figures -------------------------------------------------------------------

def pct(sorted_values, p):
    """Nearest-rank percentile."""
    if not sorted_values:
        return None
    k = max(1, math.ceil(p / 100.0 * len(sorted_values)))
    return sorted_values[k - 1]


def fmt(v, spec="%.3f"):
    return "n/a" if v is None else spec % v


def latency_row(label, appended, arrived, state):
    lat = []
    missing = 0
    for k, t_ns in appended.items():
        if k[1] != state:
            continue
        got = arrived.get(k)
        if got is None:
            missing += 1
            continue
        lat.append((got * 1000 - t_ns) / 1e6)
    lat.sort()
    med = None
    if lat:
        n = len(lat)
        med = lat[n // 2] if n % 2 else (lat[n // 2 - 1] + lat[n // 2]) / 2
    print("  %-24s %6d %8s %8s %8s %8s %8s %8d" % (
        label, len(lat), fmt(lat[0] if lat else None), fmt(med),
        fmt(pct(lat, 90)), fmt(pct(lat, 99)), fmt(lat[-1] if lat else None),
        missing))



# ---- the load -------------------------------------------------------------------

# What a busy router trace is mostly made of: lines no tool here looks for.
FILLER = (
    "debug jsm jsm-1 session manager heartbeat %d",
    "info router Routing packet from 'user%d@example.com/pc' to "
    "'room1@conference.example.com' (len 412)",
    "debug sm presence update for user%d@example.com: available",
    "info s2s outgoing queue for example.org: %d stanza(s)",
    "debug router Packet id=%d delivered to jsm-1.imp1-example-com",
)


def filler(stamp, first, n):
    return "".join("%s |%s\n" % (stamp, FILLER[i % len(FILLER)] % i)
                   for i in range(first, first + n)).encode()


def paced(H, log, changes, change_ms, rate):
    """Appends the (component, GONE|ACTIVE) changes one every change_ms on a
    fixed schedule, whatever the tools do, each in a write of its own and
    timed just before it; with rate > 0, filler lines between them, written
    about every millisecond, so that rate lines/s are appended in all.
    (appended: key -> CLOCK_REALTIME ns, run seconds, changes over one
    period late, lines appended)."""
    appended = {}
    change_ns = int(change_ms * 1e6)
    fill_rate = max(0.0, rate - 1000.0 / change_ms) if rate > 0 else 0.0
    start = time.monotonic_ns() + 20_000_000
    late = filled = 0
    nxt = 0
    fill_at = start
    while nxt < len(changes):
        due = start + nxt * change_ns
        wake = min(due, fill_at) if fill_rate else due
        while True:
            left = wake - time.monotonic_ns()
            if left <= 0:
                break
            time.sleep(left / 1e9 if left > 200_000
                       else 0)   # the last 0.2 ms: yield, recheck
        now = time.monotonic_ns()
        if now >= due:
            if now - due > change_ns:
                late += 1
            comp, state = changes[nxt]
            data = ("%s |info router Component %s is %s\n"
                    % (H.stamp(), comp, state)).encode()
            t_ns = time.time_ns()
            os.write(log.fd, data)
            appended[(comp, state)] = t_ns
            nxt += 1
        if fill_rate and now >= fill_at:
            want = int((now - start) * fill_rate / 1e9)
            if want > filled:
                os.write(log.fd, filler(H.stamp(), filled, want - filled))
                filled = want
            fill_at = now + 1_000_000
    run_s = (time.monotonic_ns() - start) / 1e9
    return appended, run_s, late, len(changes) + filled


def print_loaded(load, names, load_changes):
    print()
    print("  under load: %d lines appended over %.2f s (%.0f lines/s), of "
          "which %d state changes (%.0f/s), the rest filler neither tool "
          "looks for%s" % (load.lines, load.run_s, load.lines / load.run_s,
                           len(load.appended), load_changes,
                           "" if not load.late else
                           " (%d change(s) over one period late)" % load.late))
    if not load.all_in:
        print("  WARNING: not every entry reached the journal within "
              "%.0f s (see missing)" % load.wait_s)
    print("  %-24s %6s %8s %8s %8s %8s %8s %8s" % (
        "append->journal, ms", "n", "min", "median", "p90", "p99", "max",
        "missing"))
    latency_row("ccmond raise (GONE)", load.appended, load.got_ours, "GONE")
    latency_row("reference GONE", load.appended, load.got_ref, "GONE")
    latency_row("ccmond clear (ACTIVE)", load.appended, load.got_ours,
                "ACTIVE")
    latency_row("reference ACTIVE", load.appended, load.got_ref, "ACTIVE")
    cpu = dict(load.cpu)
    cpu["reference total"] = add(cpu[n] for n in names[1:])
    print("  CPU over the appends (%.2f s):" % load.run_s)
    print("  %-18s %10s %12s %14s %10s" % (
        "process", "cpu_s", "run_ms", "%_of_one_core", "rss_KiB"))
    for n in names + ["reference total"]:
        c = cpu[n]
        secs = None if not c else (c["run_ns"] / 1e9
                                   if c["run_ns"] is not None
                                   else c["cpu_s"])
        m = load.mem.get(n)
        print("  %-18s %10s %12s %14s %10s" % (
            n, fmt(c and c["cpu_s"], "%.2f"),
            fmt(None if not c or c["run_ns"] is None
                else c["run_ns"] / 1e6, "%.1f"),
            fmt(None if secs is None else 100.0 * secs / load.run_s,
                "%.2f"),
            "n/a" if not m or m[0] is None else "%d" % m[0]))

# ---- the bench -------------------------------------------------------------------

def run():
    _pytest_stand_in()
    sys.path.insert(0, HERE)
    try:
        import ccmond_harness as H
    except Exception as e:  # noqa: BLE001 - any reason is worth saying
        raise Fail(f"cannot import tests/ccmond_harness.py: {e}")
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
    for tool in ("tail", "grep", "systemd-cat", "journalctl"):
        if not shutil.which(tool):
            raise Skip(f"{tool} not found (systemd-cat, journalctl: Debian "
                       "package systemd)")

    n_alarms = env_number("BENCH_ALARMS", 1000, int, 1)
    pace_ms = env_number("BENCH_PACE_MS", 3.0, float, 0.1)
    idle_s = env_number("BENCH_IDLE_S", 60.0, float, 0)
    load_rate = env_number("BENCH_LOAD_RATE", 10000.0, float, 0)
    load_changes = env_number("BENCH_LOAD_CHANGES", 100.0, float, 0.1)
    load_s = env_number("BENCH_LOAD_S", 20.0, float, 0.1)

    h = None
    procs = []   # the reference pipeline, in order: tail, grep, systemd-cat
    daemon = None
    try:
        try:
            h = H.Harness("journal")
        except skip_exc as e:
            raise Skip(str(e))
        except fail_exc as e:
            raise Fail(str(e))
        jdir = h.ns.journal_dir()
        servers = ["b%05d" % i for i in range(n_alarms)]
        # each a configured server: a component no [server] names would
        # count towards one unknown-components alarm, not a component-down
        h.config(H.bench_servers(servers + ["warmup"]),
                 alarm_rate_limit="1000000/s", flap_window="0s",
                 alarm_raise_hold="0s", alarm_clear_hold="0s",
                 log_silent_after="0")
        log = h.log()
        log.noise(1)   # the file exists, and is not empty, from the start

        # The reference pipeline, each program exec'd by nsenter in the
        # namespace (systemd-cat needs its journald): the pids are theirs.
        common = dict(start_new_session=True, stderr=subprocess.DEVNULL)
        tail = h.ns.popen(["tail", "-n", "0", "-F", log.path],
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          **common)
        procs.append(tail)
        grep = h.ns.popen(["grep", "--line-buffered", "-E", REF_RE],
                          stdin=tail.stdout, stdout=subprocess.PIPE, **common)
        procs.append(grep)
        tail.stdout.close()
        cat = h.ns.popen(["systemd-cat", "-t", REF_TAG], stdin=grep.stdout,
                         stdout=subprocess.DEVNULL, **common)
        procs.append(cat)
        grep.stdout.close()

        try:
            daemon = h.start()
        except fail_exc as e:
            raise Fail(str(e))
        time.sleep(0.5)   # tail -F has opened the file by now, surely
        for p, name in ((tail, "tail -F"), (grep, "grep"),
                        (cat, "systemd-cat")):
            if p.poll() is not None:
                raise Fail(f"{name} of the reference pipeline exited with "
                           f"{p.returncode}")

        names = ["ccmond", "tail -F", "grep", "systemd-cat"]
        pids = {"ccmond": daemon.pid, "tail -F": tail.pid, "grep": grep.pid,
                "systemd-cat": cat.pid}
        mem = {"start": {n: proc_mem(pids[n]) for n in names}}

        # Warm-up: one alarm each way, both tools, excluded from the figures.
        warm = H.component_of("warmup")
        log.component(warm, "GONE")
        log.component(warm, "ACTIVE")
        want = {(warm, "GONE"), (warm, "ACTIVE")}

        def warmed():
            ours, ref = journal_entries(jdir)
            return (want <= set(arrivals(ours, ours_key)) and
                    want <= set(arrivals(ref, ref_key)))
        if not H.wait_for(warmed, timeout=H.STEP, interval=0.1):
            ours, ref = journal_entries(jdir)
            raise Fail("warm-up alarm not in the journal within %.0f s "
                       "(ccmond: %d entries, reference: %d); ccmond "
                       "stderr:\n%s" % (H.STEP, len(ours), len(ref),
                                        daemon.stderr()[-2000:]))

        # The paced run: GONE then ACTIVE for each component, on a fixed
        # schedule of one line every pace_ms.
        comps = [H.component_of(n) for n in servers]
        changes = [(c, st) for c in comps for st in ("GONE", "ACTIVE")]
        cpu0 = {n: proc_sample(pids[n]) for n in names}
        appended, run_s, late, _ = paced(H, log, changes, pace_ms, 0)
        expected = set(appended)

        def complete(since_us=0):
            ours, ref = journal_entries(jdir)
            a = arrivals(ours, ours_key, since_us)
            b = arrivals(ref, ref_key, since_us)
            return expected <= set(a) and expected <= set(b)
        wait_s = max(30.0, 5 * run_s)
        all_in = H.wait_for(complete, timeout=wait_s, interval=0.5)
        cpu1 = {n: proc_sample(pids[n]) for n in names}
        mem["alarms"] = {n: proc_mem(pids[n]) for n in names}
        ours, ref = journal_entries(jdir)
        got_ours, got_ref = arrivals(ours, ours_key), arrivals(ref, ref_key)

        # Idle: nothing appended, nothing read from the journal.
        deadline = time.monotonic() + idle_s
        while time.monotonic() < deadline:
            time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))
            if not daemon.alive():
                raise Fail("ccmond exited during the idle time with %s; "
                           "stderr:\n%s" % (daemon.proc.returncode,
                                            daemon.stderr()[-2000:]))
        cpu2 = {n: proc_sample(pids[n]) for n in names}
        mem["idle"] = {n: proc_mem(pids[n]) for n in names}

        # Under load: load_rate lines/s, mostly filler no tool looks for,
        # with load_changes state changes/s among them (GONE then ACTIVE
        # for each component again), the unloaded run's counterpart.
        load = None
        if load_rate > 0:
            n_changes = min(len(changes), int(load_changes * load_s))
            since_us = time.time_ns() // 1000
            l_cpu0 = {n: proc_sample(pids[n]) for n in names}
            l_app, l_run_s, l_late, l_lines = paced(
                H, log, changes[:n_changes], 1000.0 / load_changes,
                load_rate)
            l_cpu1 = {n: proc_sample(pids[n]) for n in names}
            expected = set(l_app)
            l_wait_s = max(30.0, 5 * l_run_s)
            l_all_in = H.wait_for(lambda: complete(since_us),
                                  timeout=l_wait_s, interval=0.5)
            l_ours, l_ref = journal_entries(jdir)
            load = types.SimpleNamespace(
                appended=l_app, run_s=l_run_s, late=l_late, lines=l_lines,
                all_in=l_all_in, wait_s=l_wait_s,
                got_ours=arrivals(l_ours, ours_key, since_us),
                got_ref=arrivals(l_ref, ref_key, since_us),
                cpu={n: delta(l_cpu0[n], l_cpu1[n]) for n in names},
                mem={n: proc_mem(pids[n]) for n in names})
            all_in = all_in and l_all_in

        # ---- figures ----
        print()
        print("agent bench: ccmond vs tail -F | grep | systemd-cat, one "
              "private journald")
        print("  %d alarms: %d lines (GONE, then ACTIVE, per component) "
              "appended one every %.1f ms over %.2f s%s"
              % (n_alarms, len(appended), pace_ms, run_s,
                 "" if not late else
                 " (%d appends over one period late)" % late))
        print("  ccmond -f: alarm_raise_hold = alarm_clear_hold = 0s, "
              "flap_window = 0s, alarm_rate_limit = 1000000/s, one [server] per "
              "component (probe = none)")
        print("  reference: tail -n 0 -F LOG | grep --line-buffered -E '%s' "
              "| systemd-cat -t %s" % (REF_RE, REF_TAG))
        if not all_in:
            print("  WARNING: not every entry reached the journal within "
                  "%.0f s (see missing)" % wait_s)
        print()
        print("  %-24s %6s %8s %8s %8s %8s %8s %8s" % (
            "append->journal, ms", "n", "min", "median", "p90", "p99", "max",
            "missing"))
        latency_row("ccmond raise (GONE)", appended, got_ours, "GONE")
        latency_row("reference GONE", appended, got_ref, "GONE")
        latency_row("ccmond clear (ACTIVE)", appended, got_ours, "ACTIVE")
        latency_row("reference ACTIVE", appended, got_ref, "ACTIVE")

        busy = {n: delta(cpu0[n], cpu1[n]) for n in names}
        idle = {n: delta(cpu1[n], cpu2[n]) for n in names}
        ref_names = names[1:]
        busy["reference total"] = add(busy[n] for n in ref_names)
        idle["reference total"] = add(idle[n] for n in ref_names)
        print()
        print("  CPU: busy = the %.2f s paced run and the wait for its "
              "entries; idle = %.0f s with nothing appended"
              % (busy["ccmond"]["wall"] if busy["ccmond"] else run_s, idle_s))
        print("  %-18s %10s %12s %10s %12s %8s %13s" % (
            "process", "busy_cpu_s", "busy_run_ms", "idle_cpu_s",
            "idle_run_ms", "idle_%", "idle_wakeup/s"))
        for n in names + ["reference total"]:
            b, i = busy[n], idle[n]
            run_ms_b = None if not b or b["run_ns"] is None \
                else b["run_ns"] / 1e6
            run_ms_i = None if not i or i["run_ns"] is None \
                else i["run_ns"] / 1e6
            share = None
            wake = None
            if i and i["wall"] > 0:
                secs = (i["run_ns"] / 1e9 if i["run_ns"] is not None
                        else i["cpu_s"])
                share = 100.0 * secs / i["wall"]
                wake = i["vol"] / i["wall"]
            print("  %-18s %10s %12s %10s %12s %8s %13s" % (
                n, fmt(b and b["cpu_s"], "%.2f"), fmt(run_ms_b, "%.1f"),
                fmt(i and i["cpu_s"], "%.2f"), fmt(run_ms_i, "%.3f"),
                fmt(share, "%.4f"), fmt(wake, "%.2f")))

        print()
        print("  %-18s %16s %16s %16s" % (
            "memory, KiB", "start rss/hwm", "alarms rss/hwm", "idle rss/hwm"))
        tot = {}
        for n in names:
            cells = []
            for when in ("start", "alarms", "idle"):
                m = mem[when][n]
                cells.append("n/a" if m is None or None in m
                             else "%d/%d" % m)
                if n in ref_names and m is not None and None not in m:
                    t = tot.setdefault(when, [0, 0])
                    t[0] += m[0]
                    t[1] += m[1]
            print("  %-18s %16s %16s %16s" % (n, *cells))
        print("  %-18s %16s %16s %16s" % (
            "reference total", *("%d/%d" % tuple(tot[w]) if w in tot
                                 else "n/a"
                                 for w in ("start", "alarms", "idle"))))
        print("  (ccmond: %d alarm entries in the journal, reference: %d)"
              % (len(ours), len(ref)))
        if load is not None:
            print_loaded(load, names, load_changes)
        return 0 if all_in else 1
    finally:
        for p in reversed(procs):
            H.kill_group(p)
        if daemon is not None and daemon.alive():
            try:
                daemon.stop()
            except BaseException:   # noqa: B036 - stopping whatever happens
                pass
        if h is not None:
            h.close()


def _stop(signum, frame):
    raise KeyboardInterrupt   # so that run()'s finally stops everything


def main():
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _stop)
    try:
        return run()
    except (Skip, SKIP_EXC) as e:
        print(f"agent bench skipped: {e}")
        return 0
    except (Fail, FAIL_EXC) as e:
        print(f"agent bench: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("agent bench: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

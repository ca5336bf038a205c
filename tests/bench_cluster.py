#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Benchmark of one ccmond watching a whole cluster (issue 13, item 8),
run by `make bench`.

BENCH_NODES (default 20) IM&P nodes, each a [node NAME] section with its
own router log, BENCH_SERVERS (default 10) configured servers per node,
BENCH_RATE (default 1000) lines per second per node for BENCH_CLUSTER_S
(default 30) seconds, written in 10 ms steps on a fixed schedule: trace
filler lines, and one component transition per node per second (a server
GONE, then ACTIVE again a second later).  Beside ccmond, the same files
are followed by a reference a user could build in a minute:

  tail -q -n +1 -F LOG... | grep -cE 'Component [^ ]+ is (GONE|ACTIVE)'

Printed: CPU seconds (utime + stime from /proc/PID/stat, summed over the
processes of each side) from the paced run's start until ccmond has read
every line, the share of one core that makes over the paced run, and peak RSS (VmHWM) of ccmond; the writer's own CPU too, since it
shares the machine.  ccmond's `ccmon status` must have read every line
written, and the reference counted every transition, else the bench
fails.  The goal set in issue 13 is under 10% of one core and 32 MB RSS
for 20 x 10 at 1,000 lines/s per node; figures only here, no thresholds
(machines are shared and noisy).  ccmond runs without journald (its
alarms go to its standard error, discarded) and without SNMP.

Beyond one host: one ccmond per cluster, with the NMS (SNMP) or
Prometheus aggregating (README, "Benchmark").
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

NODES = int(os.environ.get("BENCH_NODES", "20"))
SERVERS = int(os.environ.get("BENCH_SERVERS", "10"))
RATE = int(os.environ.get("BENCH_RATE", "1000"))
SECONDS = float(os.environ.get("BENCH_CLUSTER_S", "30"))
STEP_S = 0.01
# bounded waits for what must happen (not figures)
READY_S = 120
CATCH_UP_S = 300
TICK = os.sysconf("SC_CLK_TCK")
REF_RE = r"Component [^ ]+ is (GONE|ACTIVE)"


def node_name(k):
    return "imp%d.example.com" % (k + 1)


def component(server, node):
    return "op-%s.%s" % (server, node.replace(".", "-"))


def cpu_s(pid):
    """utime + stime of a process, in seconds; None once it is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICK


def vm(pid, key):
    """A /proc/PID/status figure in MB."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def pipeline(sid):
    """{"tail": pid, "grep": pid} of the reference's session, once both
    run; else None."""
    found = {}
    r = subprocess.run(["pgrep", "-s", str(sid)], capture_output=True,
                       text=True)
    for pid in r.stdout.split():
        try:
            with open("/proc/%s/comm" % pid) as f:
                comm = f.read().strip()
        except OSError:
            continue
        if comm in ("tail", "grep"):
            found[comm] = int(pid)
    return found if len(found) == 2 else None


def status(ccmon, conf):
    try:
        r = subprocess.run([ccmon, "status", "-c", conf, "--json"],
                           capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        return None
    if r.returncode != 0:
        return None
    try:
        return json.loads(r.stdout)
    except ValueError:
        return None


def wait_for(pred, timeout):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() >= deadline:
            return v
        time.sleep(0.1)


def write_config(tmp, names):
    lines = ["[agent]",
             "state_dir = %s/state" % tmp,
             "runtime_dir = %s/run" % tmp,
             "snmp = no",
             "log_silent_after = 0",
             "alarm_raise_hold = 0s",
             "alarm_clear_hold = 0s",
             "flap_window = 0s",
             "alarm_rate_limit = 1000000/s",
             ""]
    for node in names:
        lines += ["[node %s]" % node,
                  "log = %s/%s/rtr-jsm-1_*.log" % (tmp, node), ""]
    for k, node in enumerate(names):
        for j in range(SERVERS):
            lines += ["[server cs%d-%d]" % (k + 1, j + 1),
                      "host = 10.%d.%d.%d" % (1 + k // 256, k % 256, j + 1),
                      "port = 7999", "node = %s" % node, "probe = none",
                      "profile = DiscoOnly", ""]
    lines += ["[profile DiscoOnly]", "jsm = e_DISCOFEAT:iq:pass", ""]
    path = os.path.join(tmp, "ccmon.conf")
    with open(path, "w") as f:
        f.write("\n".join(lines))
    return path


def stamp(t):
    return time.strftime("%H:%M:%S", time.localtime(t)) + \
        ".%03d" % (int(t * 1000) % 1000)


def main():
    ccmon = os.environ.get("CCMON")
    if not ccmon:
        print("cluster bench: CCMON must name the ccmon binary",
              file=sys.stderr)
        return 1
    ccmond = os.environ.get("CCMOND") or \
        os.path.join(os.path.dirname(ccmon), "ccmond")
    for tool in ("tail", "grep"):
        if not shutil.which(tool):
            print("cluster bench skipped: %s not found" % tool)
            return 0
    names = [node_name(k) for k in range(NODES)]
    tmp = tempfile.mkdtemp(prefix="ccmon-bench-cluster.")
    d = ref = None
    try:
        for sub in ["state", "run"] + names:
            os.mkdir(os.path.join(tmp, sub), 0o700)
        paths = [os.path.join(tmp, n, "rtr-jsm-1_000001.log") for n in names]
        fds = [os.open(p, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
               for p in paths]
        # from each file's start: it misses nothing however late it starts
        ref = subprocess.Popen(
            "tail -q -n +1 -F %s | grep -cE '%s'"
            % (" ".join(paths), REF_RE), shell=True,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
            start_new_session=True)
        pipe_pids = wait_for(lambda: pipeline(ref.pid), READY_S)
        if not pipe_pids:
            print("cluster bench: tail | grep did not start", file=sys.stderr)
            return 1
        t0 = time.time()
        for k, node in enumerate(names):
            os.write(fds[k], "".join(
                "%s |info router Component %s is ACTIVE\n"
                % (stamp(t0), component("cs%d-%d" % (k + 1, j + 1), node))
                for j in range(SERVERS)).encode())
        conf = write_config(tmp, names)
        d = subprocess.Popen([ccmond, "-c", conf, "-f"],
                             stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        first = NODES * SERVERS
        if not wait_for(lambda: (status(ccmon, conf) or {}).get(
                "agent", {}).get("lines") == first, READY_S):
            print("cluster bench: ccmond did not read the first %d lines "
                  "within %d s" % (first, READY_S), file=sys.stderr)
            return 1

        def side_cpu(pids):
            return sum(cpu_s(p) or 0.0 for p in pids.values())

        me = os.getpid()
        c0 = (cpu_s(d.pid), side_cpu(pipe_pids), cpu_s(me))
        w0 = time.monotonic()
        steps = int(SECONDS / STEP_S)
        per_step = RATE * STEP_S
        owed = [0.0] * NODES
        written = first
        transitions = 0
        state = {}
        for n in range(steps):
            due = w0 + n * STEP_S
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            now = time.time()
            st = stamp(now)
            for k in range(NODES):
                owed[k] += per_step
                count = int(owed[k])
                owed[k] -= count
                chunk = []
                # one transition per node per second, spread over steps
                if n % 100 == (k * 100 // NODES) % 100 and count:
                    j = (n // 100) % SERVERS
                    name = component("cs%d-%d" % (k + 1, j + 1), names[k])
                    new = "ACTIVE" if state.get(name) == "GONE" else "GONE"
                    state[name] = new
                    chunk.append("%s |info router Component %s is %s\n"
                                 % (st, name, new))
                    transitions += 1
                    count -= 1
                chunk += ["%s |debug jsm-1 session manager: packet %d "
                          "routed to sm-%d\n" % (st, n, i)
                          for i in range(count)]
                written += len(chunk)
                os.write(fds[k], "".join(chunk).encode())
        wall = time.monotonic() - w0
        w_cpu = cpu_s(me) - c0[2]
        for fd in fds:
            os.close(fd)
        # the CPU each side spent on these lines: taken once ccmond has
        # read them all (a backlog is work too)
        got = wait_for(lambda: (status(ccmon, conf) or {}).get(
            "agent", {}).get("lines") == written, CATCH_UP_S)
        doc = status(ccmon, conf) or {}
        c1 = (cpu_s(d.pid), side_cpu(pipe_pids))
        hwm, rss = vm(d.pid, "VmHWM"), vm(d.pid, "VmRSS")
        # tail -F never ends: stop it and let grep print its count
        os.kill(pipe_pids["tail"], signal.SIGTERM)
        out, _ = ref.communicate(timeout=60)
        counted = int(out.strip() or "0")
        ok = True
        if not got:
            print("cluster bench: ccmond read %s of %d lines within %d s"
                  % (doc.get("agent", {}).get("lines"), written, CATCH_UP_S),
                  file=sys.stderr)
            ok = False
        if counted != first + transitions:
            print("cluster bench: the reference counted %d of %d "
                  "transitions" % (counted, first + transitions),
                  file=sys.stderr)
            ok = False
        d_cpu = c1[0] - c0[0]
        r_cpu = c1[1] - c0[1]
        print()
        print("one ccmond, %d nodes x %d servers, %d lines/s per node "
              "(%d lines/s in all) for %.1f s: %d lines, %d transitions"
              % (NODES, SERVERS, RATE, NODES * RATE, wall, written - first,
                 transitions))
        print("%-22s %8s %10s %12s" % ("", "CPU s", "% of core", "peak RSS"))
        print("%-22s %8.2f %9.1f%% %9.1f MB" % (
            "ccmond", d_cpu, 100 * d_cpu / wall, hwm or 0))
        print("%-22s %8.2f %9.1f%% %12s" % (
            "tail -F | grep -c", r_cpu, 100 * r_cpu / wall, "-"))
        print("%-22s %8.2f %9.1f%% %12s" % (
            "(the writer, python)", w_cpu, 100 * w_cpu / wall, "-"))
        print("ccmond RSS now %.1f MB; goal: under 10%% of one core and "
              "32 MB" % (rss or 0))
        return 0 if ok else 1
    finally:
        if ref is not None and ref.poll() is None:
            os.killpg(ref.pid, signal.SIGTERM)
            ref.wait(30)
        if d is not None and d.poll() is None:
            d.terminate()
            try:
                d.wait(60)
            except subprocess.TimeoutExpired:
                d.kill()
                d.wait(30)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

# SPDX-License-Identifier: ISC
"""Helpers for the end-to-end tests of ccmond (tests/test_ccmond.py).

ccmond runs in a private mount namespace, the technique of
tests/test_journal.py: a tmpfs hides the machine's /run so that a
systemd-journald of our own owns /run/systemd/journal, its journal directory
being a temporary directory bind-mounted on /run/log/journal and read from
outside with journalctl -D.  /var/log/journal, /etc/systemd/journald.conf
and /dev/kmsg are hidden as there, so nothing reaches the machine's journal.
A shell holds the namespace; every ccmond is started in it with nsenter
(which execs: the Popen pid is ccmond's own, for kill -9).  The syslog
variant has no journald and a /dev whose log is a socket the test reads.

Only the mount namespace is private: the work directory (configuration,
logs, state_dir, runtime_dir) is the same path inside and out, so the test
writes logs and runs `ccmon status` from outside.

Everything started here is stopped by Harness.close(), which the fixtures
call whatever happened.
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.environ.get("top_srcdir") or os.path.dirname(HERE)
ALARM_C = os.path.join(SRCDIR, "agent", "core", "alarm_types.c")
CS_SERVER = os.path.join(HERE, "cs_server.py")
JOURNALD = "/lib/systemd/systemd-journald"

# Seconds any single wait for what must happen may take, at most: a
# deadline, not a pace (a passing wait ends when its condition holds), so
# generous for a machine running beside other work (make
# check-under-load, CI); CCMON_TEST_STEP overrides it.
STEP = float(os.environ.get("CCMON_TEST_STEP") or 60.0)
UNSHARE_TIMEOUT = 120  # seconds for unshare to mount, however busy
JOURNALD_TIMEOUT = 120  # seconds for our journald's socket, however busy
NEUTRAL_PROFILE = "DiscoOnly"
IMPACT_ALARMS = frozenset(("messaging-blocked", "group-chat-blocked",
                           "messaging-degraded", "logging-lost"))
NODE = "imp1.example.com"

JOURNALD_CONF = """[Journal]
Storage=volatile
ReadKMsg=no
ForwardToSyslog=no
ForwardToKMsg=no
ForwardToConsole=no
ForwardToWall=no
RateLimitBurst=0
"""

# Holds a namespace with our journald: $1 work dir.  Writes "ready" (or why
# not) to $W/ns.status, then waits to be killed.
JOURNAL_HOLDER = r"""
set -eu
W=$1
mount -n -t tmpfs -o mode=0755 ccmon-test /run
mkdir -p /run/systemd/journal /run/log/journal
mount -n --bind "$W/journal" /run/log/journal
if [ -d /var/log/journal ]; then
    mount -n -t tmpfs ccmon-test /var/log/journal
fi
if [ -e /etc/systemd/journald.conf ]; then
    mount -n --bind "$W/journald.conf" /etc/systemd/journald.conf
fi
if [ -e /dev/kmsg ]; then
    mount -n --bind /dev/null /dev/kmsg
fi
%(journald)s >"$W/journald.out" 2>&1 &
jpid=$!
i=0
while [ ! -S /run/systemd/journal/socket ]; do
    i=$((i + 1))
    if ! kill -0 "$jpid" 2>/dev/null; then
        echo "journald did not start" >"$W/ns.status"
        exit 0
    fi
    # 20 naps a second for JOURNALD_TIMEOUT at least: slowness fails, it
    # does not skip
    if [ "$i" -gt %(naps)d ]; then
        kill -9 "$jpid" 2>/dev/null || true
        echo "journald not ready in time" >"$W/ns.status"
        exit 0
    fi
    sleep 0.05
done
echo ready >"$W/ns.status"
while kill -0 "$jpid" 2>/dev/null; do
    sleep 0.2
done
echo "journald exited" >"$W/ns.status"
"""

# Holds a namespace without journald whose /dev/log is $W/log.sock.
SYSLOG_HOLDER = r"""
set -eu
W=$1
mount -n -t tmpfs -o mode=0755 ccmon-test /run
mkdir -p /run/systemd/journal
mount -n -t tmpfs -o mode=0755 ccmon-dev "$W/dev"
for d in null zero full random urandom tty; do
    if [ -c "/dev/$d" ]; then
        touch "$W/dev/$d"
        mount -n --bind "/dev/$d" "$W/dev/$d"
    fi
done
ln -s "$W/log.sock" "$W/dev/log"
mount -n --move "$W/dev" /dev
echo ready >"$W/ns.status"
while :; do
    sleep 1
done
"""


# ---- small things ----------------------------------------------------------

def binaries():
    """(ccmond, ccmon) from CCMOND and CCMON; skips when unset."""
    out = []
    for var in ("CCMOND", "CCMON"):
        path = os.environ.get(var)
        if not path:
            pytest.skip(f"{var} is not set: run with CCMOND=/path/to/ccmond "
                        "CCMON=/path/to/ccmon (make check sets them)")
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            pytest.fail(f"{var}={path} is not an executable file")
        out.append(os.path.abspath(path))
    return tuple(out)


def message_ids():
    """Alarm type -> MESSAGE_ID, from the C table."""
    with open(ALARM_C, encoding="utf-8") as f:
        ids = dict(re.findall(
            r'\.id = "([a-z-]+)",\s*\.message_id = "([0-9a-f]{32})"',
            f.read()))
    assert len(ids) >= 6, f"no type table found in {ALARM_C}"
    return ids


def component_of(server, node=NODE):
    return "op-%s.%s" % (server, node.replace(".", "-"))


def bench_servers(names):
    """[server] entries for Harness.config(), one per name, each on an
    address of its own in 10.0.0.0/8 (never probed: probe = none)."""
    return [{"name": n, "port": 7999,
             "host": "10.%d.%d.%d" % (1 + i // 65536, i // 256 % 256,
                                      i % 256)}
            for i, n in enumerate(names)]


def read(path, default=""):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return default


def wait_for(pred, timeout=STEP, interval=0.1):
    """pred()'s first true value within timeout, else its last value."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() >= deadline:
            return v
        time.sleep(interval)


def free_port():
    """A local TCP port where nothing listens (now)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def stamp(t=None):
    """IM&P router trace time of day: local HH:MM:SS.mmm."""
    if t is None:
        t = time.time()
    return time.strftime("%H:%M:%S", time.localtime(t)) + \
        ".%03d" % (int(t * 1000) % 1000)


PAIR = r' ([A-Z_]+)=("(?:[^"\\]|\\.)*"|\S+)'


def pairs_of(text):
    """The KEY=value pairs of a syslog line, quotes undone."""
    out = {}
    for k, v in re.findall(PAIR, text):
        if v.startswith('"'):
            v = re.sub(r'\\(.)', r'\1', v[1:-1])
        out[k] = v
    return out


SYSLOG_RE = re.compile(r"<(\d+)>\w{3} [ \d]\d \d\d:\d\d:\d\d (\S+?)"
                       r"(?:\[(\d+)\])?: (.*)", re.S)


def need_namespace(workdir):
    """Skips unless we can mount in a private mount namespace."""
    if os.geteuid() != 0:
        pytest.skip("needs root: mounts a private /run in a mount namespace "
                    "to run its own systemd-journald")
    for tool in ("unshare", "nsenter", "mount", "journalctl"):
        if not shutil.which(tool):
            pytest.skip(f"{tool} not found")
    probe = os.path.join(workdir, "probe")
    os.mkdir(probe)
    try:
        r = subprocess.run(["unshare", "--mount", "--propagation", "private",
                            "--", "mount", "-n", "-t", "tmpfs", "ccmon-probe",
                            probe], capture_output=True, text=True,
                           timeout=UNSHARE_TIMEOUT)
    except subprocess.TimeoutExpired:
        # A slow machine is no reason to skip: wait long, then fail.
        pytest.fail("unshare --mount did not return within %d s"
                    % UNSHARE_TIMEOUT)
    if r.returncode != 0:
        pytest.skip("cannot mount in a private mount namespace: "
                    + (r.stderr.strip() or f"exit {r.returncode}"))
    os.rmdir(probe)


def kill_group(proc, timeout=5):
    """Ends a process started with start_new_session, and its group."""
    if proc.poll() is None:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                proc.wait(timeout=timeout)
                break
            except subprocess.TimeoutExpired:
                continue
    # Whether the leader went by itself or by a signal, its group may
    # not have.
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


# ---- the namespace ---------------------------------------------------------

class Namespace:
    """A private mount namespace held by a shell; kind "journal" (our own
    journald) or "syslog" (no journald, /dev/log is workdir/log.sock)."""

    def __init__(self, workdir, kind):
        self.workdir = workdir
        self.kind = kind
        self.holder = None
        if kind == "journal":
            if not os.access(JOURNALD, os.X_OK):
                pytest.skip(f"{JOURNALD} not found")
            os.mkdir(os.path.join(workdir, "journal"))
            with open(os.path.join(workdir, "journald.conf"), "w") as f:
                f.write(JOURNALD_CONF)
            script = JOURNAL_HOLDER % {"journald": JOURNALD,
                                       "naps": JOURNALD_TIMEOUT * 20}
        else:
            os.mkdir(os.path.join(workdir, "dev"))
            script = SYSLOG_HOLDER
        self.holder = subprocess.Popen(
            ["unshare", "--mount", "--propagation", "private", "--",
             "/bin/sh", "-c", script, "sh", workdir],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, start_new_session=True)
        status = os.path.join(workdir, "ns.status")
        got = wait_for(lambda: read(status).strip() or
                       (self.holder.poll() is not None and "exited"),
                       timeout=JOURNALD_TIMEOUT + UNSHARE_TIMEOUT,
                       interval=0.05)
        if got == "journald did not start":
            said = read(os.path.join(workdir, "journald.out")).strip()
            self.close()
            pytest.skip("systemd-journald did not start in the namespace: "
                        + (said[-500:] or "it printed nothing"))
        if got != "ready":
            out = b""
            if self.holder.poll() is not None:
                out = self.holder.stdout.read()
            self.close()
            pytest.fail(f"namespace holder not ready ({got!r}): "
                        + out.decode("utf-8", "replace")[-1000:])

    def popen(self, argv, user=None, **kw):
        """argv run in the namespace (as uid:gid user, a pair, if given);
        its pid is the program's own."""
        ids = ["-S", str(user[0]), "-G", str(user[1])] if user else []
        return subprocess.Popen(["nsenter", "-t", str(self.holder.pid), "-m"]
                                + ids + ["--"] + list(argv), **kw)

    def run(self, argv, timeout=STEP):
        return subprocess.run(["nsenter", "-t", str(self.holder.pid), "-m",
                               "--"] + list(argv), capture_output=True,
                              text=True, timeout=timeout)

    def journal_dir(self):
        return os.path.join(self.workdir, "journal")

    def close(self):
        if self.holder is not None:
            kill_group(self.holder)
            if self.holder.stdout:
                self.holder.stdout.close()
            self.holder = None


# ---- ccmond ----------------------------------------------------------------

class Daemon:
    """One ccmond -f in the namespace: stderr lines and sd_notify messages
    collected by threads."""

    def __init__(self, harness, config, args=("-f",), user=None):
        self.h = harness
        self.config = config
        self.stderr_lines = []
        self.stdout_lines = []
        self.notify = []
        harness.serial += 1
        self.notify_path = os.path.join(harness.workdir,
                                        "notify%d.sock" % harness.serial)
        self.nsock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.nsock.bind(self.notify_path)
        os.chmod(self.notify_path, 0o666)
        self.nsock.settimeout(0.2)
        env = dict(os.environ, NOTIFY_SOCKET=self.notify_path)
        binary = harness.ccmond
        if user:
            # the build tree may lie below a folder only root may enter
            # (a clone in a mktemp -d folder): another user runs a copy
            binary = os.path.join(harness.workdir, "ccmond")
            if not os.path.exists(binary):
                shutil.copy2(harness.ccmond, binary)
                os.chmod(binary, 0o755)
        self.proc = harness.ns.popen(
            [binary, "-c", config] + list(args), user=user,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, env=env)
        self.pid = self.proc.pid
        self._stop = False
        self._threads = [
            threading.Thread(target=self._read, args=(self.proc.stderr,
                                                      self.stderr_lines),
                             daemon=True),
            threading.Thread(target=self._read, args=(self.proc.stdout,
                                                      self.stdout_lines),
                             daemon=True),
            threading.Thread(target=self._read_notify, daemon=True),
        ]
        for t in self._threads:
            t.start()

    @staticmethod
    def _read(stream, into):
        for line in iter(stream.readline, b""):
            into.append(line.decode("utf-8", "replace").rstrip("\n"))

    def _read_notify(self):
        while not self._stop:
            try:
                data = self.nsock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            self.notify.append(data.decode("utf-8", "replace"))

    def stderr(self):
        return "\n".join(self.stderr_lines)

    def alive(self):
        return self.proc.poll() is None

    def notified(self, what):
        return sum(1 for m in list(self.notify)
                   if what in m.split("\n"))

    def wait_ready(self, timeout=STEP, settle=0.5):
        """Waits for READY=1 (sd_notify), or for `ccmon status` to answer;
        then lets it settle so that its first look at the logs is done."""
        sock = os.path.join(self.h.runtime_dir, "ccmond.sock")
        deadline = time.monotonic() + timeout
        while True:
            if not self.alive():
                self._join()
                pytest.fail("ccmond exited with %s before it was ready; "
                            "stderr:\n%s" % (self.proc.returncode,
                                             self.stderr()))
            if self.notified("READY=1"):
                break
            if os.path.exists(sock) and self.h.status()[0] == 0:
                break
            if time.monotonic() > deadline:
                pytest.fail("ccmond not ready within %.0f s (no READY=1, "
                            "no status answer); stderr:\n%s"
                            % (timeout, self.stderr()))
            time.sleep(0.1)
        time.sleep(settle)
        return self

    def send(self, sig):
        self.proc.send_signal(sig)

    def stop(self, sig=signal.SIGTERM, timeout=STEP):
        """Sends sig and waits; returns the exit status (kills it and fails
        when it does not end in time)."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=STEP)
                self._join()
                pytest.fail("ccmond did not end within %.0f s of signal %d; "
                            "stderr:\n%s" % (timeout, sig, self.stderr()))
        self._join()
        return self.proc.returncode

    def kill9(self):
        return self.stop(signal.SIGKILL)

    def _join(self):
        self._stop = True
        for t in self._threads:
            t.join(5)
        try:
            self.nsock.close()
        except OSError:
            pass

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            try:
                self.proc.wait(timeout=STEP)
            except subprocess.TimeoutExpired:
                pass
        self._join()
        for s in (self.proc.stdout, self.proc.stderr):
            try:
                s.close()
            except OSError:
                pass


# ---- the router's log -------------------------------------------------------

class RouterLog:
    """A router trace file written as the router does: descriptor held,
    appended to, one line per write, current local time of day."""

    def __init__(self, path):
        self.path = path
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self.lock = threading.Lock()

    def line(self, text, level="info", source="router", t=None):
        data = ("%s |%s %s %s\n" % (stamp(t), level, source, text)).encode()
        with self.lock:
            os.write(self.fd, data)

    def component(self, name, state, t=None):
        self.line("Component %s is %s" % (name, state), t=t)

    def connecting(self, host, port, fd=22, t=None):
        self.line("Connecting on fd %d to host '%s', port %d"
                  % (fd, host, port), t=t)

    def refused(self, host, port, t=None):
        self.line("Unable to connect to host '%s', port %d:(111) "
                  "Connection refused" % (host, port), level="error", t=t)

    def noise(self, n=1, t=None):
        for i in range(n):
            self.line("jsm-1 session manager heartbeat %d" % i,
                      level="debug", t=t)

    def reopen(self, path=None):
        with self.lock:
            os.close(self.fd)
            if path:
                self.path = path
            self.fd = os.open(self.path,
                              os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def close(self):
        with self.lock:
            if self.fd is not None:
                os.close(self.fd)
                self.fd = None


# ---- the harness ------------------------------------------------------------

class Harness:
    """A work directory, a namespace, the daemons, servers and logs of one
    test; close() ends them all."""

    def __init__(self, kind="journal"):
        self.ccmond, self.ccmon = binaries()
        self.workdir = tempfile.mkdtemp(prefix="ccmond-")
        self.ns = None
        self.daemons = []
        self.servers = []
        self.logs = []
        self.serial = 0
        self.syslog_sock = None
        self.syslog_lines = []
        self._syslog_thread = None
        self._closing = False
        self.kind = kind
        self.logdir = os.path.join(self.workdir, "log")
        self.state_dir = os.path.join(self.workdir, "state")
        self.runtime_dir = os.path.join(self.workdir, "run")
        for d in (self.logdir, self.state_dir, self.runtime_dir):
            os.mkdir(d)
        self.config_path = os.path.join(self.workdir, "ccmon.conf")
        try:
            need_namespace(self.workdir)
            if kind == "syslog":
                self._listen_syslog()
            self.ns = Namespace(self.workdir, kind)
        except BaseException:
            self.close()
            raise

    # ---- syslog ----

    def _listen_syslog(self):
        path = os.path.join(self.workdir, "log.sock")
        self.syslog_sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.syslog_sock.bind(path)
        os.chmod(path, 0o666)
        self.syslog_sock.settimeout(0.2)
        self._syslog_thread = threading.Thread(target=self._read_syslog,
                                               daemon=True)
        self._syslog_thread.start()

    def _read_syslog(self):
        while not self._closing:
            try:
                data = self.syslog_sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            self.syslog_lines.append(data.decode("utf-8", "replace"))

    # ---- configuration ----

    def config(self, servers, path=None, impact_neutral=True, **agent):
        """Writes a ccmon.conf: servers is a list of dicts (name, host,
        port and any other [server] key); agent keys override the fast
        test defaults.  Returns the path.

        impact_neutral: servers without a profile get NEUTRAL_PROFILE,
        whose only event (disco#info queries) is none that users wait
        for, so that the tests of component, server and log alarms see
        no alarms about what users suffer; the impact tests pass
        impact_neutral=False or profiles of their own."""
        a = {
            "log": os.path.join(self.logdir, "rtr-jsm-1_*.log"),
            "node": NODE,
            "state_dir": self.state_dir,
            "runtime_dir": self.runtime_dir,
            "auth_timeout": "10s",
            "log_silent_after": "0",
            "alarm_raise_hold": "0s",
            "alarm_clear_hold": "0s",
            "flap_window": "0s",
            "flap_threshold": "5",
            "alarm_rate_limit": "30/m",
            # hermetic: no machine's AgentX master (the SNMP tests set
            # snmp = yes with a master of their own)
            "snmp": "no",
        }
        a.update(agent)
        lines = ["[agent]"]
        lines += ["%s = %s" % (k, v) for k, v in a.items() if v is not None]
        neutral = False
        for s in servers:
            s = dict(s)
            lines += ["", "[server %s]" % s.pop("name")]
            s.setdefault("probe", "none")
            if "profile" not in s and impact_neutral:
                s["profile"] = NEUTRAL_PROFILE
                neutral = True
            lines += ["%s = %s" % (k, v) for k, v in s.items()]
        if neutral:
            lines += ["", "[profile %s]" % NEUTRAL_PROFILE,
                      "jsm = e_DISCOFEAT:iq:pass"]
        text = "\n".join(lines) + "\n"
        path = path or self.config_path
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.rename(tmp, path)
        return path

    def log(self, name="rtr-jsm-1_000001.log"):
        log = RouterLog(os.path.join(self.logdir, name))
        self.logs.append(log)
        return log

    # ---- processes ----

    def start(self, config=None, ready=True, args=("-f",), user=None):
        """A ccmond on config; user: (uid, gid) to run it as, which
        then owns state_dir and runtime_dir."""
        if user:
            os.chmod(self.workdir, 0o755)
            for d in (self.state_dir, self.runtime_dir):
                os.chown(d, *user)
        d = Daemon(self, config or self.config_path, args=args, user=user)
        self.daemons.append(d)
        if ready:
            d.wait_ready()
        return d

    def cs_server(self, mode, port=0, lifetime=120, *extra):
        p = subprocess.Popen([sys.executable, CS_SERVER, "--mode", mode,
                              "--port", str(port), "--lifetime",
                              str(lifetime)] + list(extra),
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True,
                             start_new_session=True)
        self.servers.append(p)
        got = {}
        t = threading.Thread(target=lambda: got.setdefault(
            "line", p.stdout.readline()), daemon=True)
        t.start()
        t.join(STEP)
        line = got.get("line", "").strip()
        if not line.isdigit():
            kill_group(p)
            pytest.fail(f"cs_server.py --mode {mode} printed no port "
                        f"({line!r})")
        return p, int(line)

    def status(self, config=None):
        """`ccmon status -c CONFIG --json`: (exit status, document or None,
        stderr)."""
        try:
            r = subprocess.run([self.ccmon, "status", "-c",
                                config or self.config_path, "--json"],
                               capture_output=True, text=True, timeout=10)
        except subprocess.TimeoutExpired:
            return None, None, "ccmon status did not return within 10 s"
        doc = None
        if r.returncode == 0:
            try:
                doc = json.loads(r.stdout)
            except ValueError:
                doc = None
        return r.returncode, doc, r.stderr

    def status_component(self, name, config=None):
        rc, doc, _ = self.status(config)
        if rc != 0 or not doc:
            return None
        for c in doc.get("components", []):
            if c.get("name", "").lower() == name.lower():
                return c
        return None

    # ---- alarms ----

    def alarms(self, impact=False):
        """Every alarm message so far, in order: journal entries (dicts of
        their fields), or syslog lines made into the same shape.  Those
        about what users suffer (IMPACT_ALARMS, resource a scope) only
        with impact=True: the tests of components, servers and logs leave
        them to tests/test_impact_e2e.py."""
        return [e for e in self._all_alarms()
                if impact or e.get("CCMON_ALARM") not in IMPACT_ALARMS]

    def _all_alarms(self):
        if self.kind == "syslog":
            return self._syslog_alarms()
        r = subprocess.run(["journalctl", "-D", self.ns.journal_dir(),
                            "-o", "json", "--no-pager"],
                           capture_output=True, text=True, timeout=30)
        out = []
        for line in r.stdout.splitlines():
            try:
                e = json.loads(line)
            except ValueError:
                continue
            if "CCMON_ALARM" in e:
                out.append(e)
        return out

    def _syslog_alarms(self):
        out = []
        for raw in list(self.syslog_lines):
            m = SYSLOG_RE.fullmatch(raw.rstrip("\n"))
            if not m:
                continue
            text = m.group(4)
            e = pairs_of(text)
            if "CCMON_ALARM" not in e:
                continue
            e["PRIORITY"] = str(int(m.group(1)) & 7)
            e["SYSLOG_FACILITY"] = str(int(m.group(1)) >> 3)
            e["SYSLOG_IDENTIFIER"] = m.group(2)
            e["_PID"] = m.group(3)
            e["MESSAGE"] = text
            e["_RAW"] = raw
            out.append(e)
        return out

    def select(self, alarm=None, state=None, resource=None, entries=None):
        if entries is None:
            entries = self.alarms(impact=alarm in IMPACT_ALARMS)
        return [e for e in entries
                if (alarm is None or e.get("CCMON_ALARM") == alarm)
                and (state is None or e.get("CCMON_STATE") == state)
                and (resource is None or
                     e.get("CCMON_RESOURCE", "").lower() == resource.lower())]

    def wait_alarm(self, alarm, state, resource=None, count=1,
                   timeout=STEP):
        """Waits until at least count messages match; returns them all."""
        got = wait_for(lambda: (lambda m: m if len(m) >= count else None)(
            self.select(alarm, state, resource)), timeout=timeout,
            interval=0.1)
        if not got:
            pytest.fail("no %s %s%s within %.0f s; alarms so far:\n%s\n"
                        "ccmond stderr:\n%s" % (
                            alarm, state,
                            " for " + resource if resource else "", timeout,
                            self.describe(), self.daemon_stderr()))
        return got

    def describe(self, entries=None):
        if entries is None:
            entries = self.alarms()
        return "\n".join(
            "  %s %s %s id=%s" % (e.get("CCMON_ALARM"), e.get("CCMON_STATE"),
                                  e.get("CCMON_RESOURCE"),
                                  e.get("CCMON_ALARM_ID"))
            for e in entries) or "  (none)"

    def daemon_stderr(self):
        return "\n--\n".join(d.stderr() for d in self.daemons)

    # ---- the end ----

    def close_daemons(self):
        """Ends the ccmonds, first of all: a test that runs a master
        agent (snmpd) ends it between this and close()."""
        for d in self.daemons:
            try:
                d.close()
            except Exception:
                pass

    def close(self):
        self._closing = True
        self.close_daemons()
        for p in self.servers:
            kill_group(p)
            try:
                p.stdout.close()
            except OSError:
                pass
        for log in self.logs:
            try:
                log.close()
            except OSError:
                pass
        if self.ns is not None:
            self.ns.close()
        if self.syslog_sock is not None:
            try:
                self.syslog_sock.close()
            except OSError:
                pass
            if self._syslog_thread:
                self._syslog_thread.join(5)
        shutil.rmtree(self.workdir, ignore_errors=True)

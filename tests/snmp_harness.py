# SPDX-License-Identifier: ISC
"""A real net-snmp on loopback for the SNMP tests (tests/test_snmp.py).

Snmpd is an AgentX master of our own: its configuration, AgentX socket,
persistent directory and log live in a work directory, it listens on
127.0.0.1 at a free UDP port, reads neither /etc/snmp nor ~/.snmp
(SNMPCONFPATH points at its own directory, -C), loads no MIB files (MIBS
empty) and sends its notifications as SNMPv2c traps (trap2sink) to a
Snmptrapd of ours.  It can be stopped, killed and started again on the same
socket path and port, as the tests restart the master mid-scenario.

Snmptrapd writes one notification per record to its log with a format of
our own: "TRAP " + the varbinds separated by \\x1f + "\\x1e\\n", OIDs
numeric (-On), no MIB loaded, so every value is printed in its plain form
(STRING quoted with \\" and \\\\ escaped, Hex-STRING, INTEGER, OID, ...).
-X: it does not connect to any AgentX master itself.

snmpwalk / snmpget are run against the master with -v2c -c public, bounded
by -t 1 -r 1 and a subprocess timeout; numerically (-On) by default, or
with CCMON-MIB (mibs/ of the source tree) and the standard modules (the
shared MIB directory) when mib=True.

Everything started here is stopped by close(), which the fixtures call
whatever happened.
"""
import collections
import calendar
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import time

import pytest

from ccmond_harness import kill_group, read, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.path.abspath(os.environ.get("top_srcdir") or os.path.dirname(HERE))
MIBDIR = os.path.join(SRCDIR, "mibs")
CCMON_MIB = os.path.join(MIBDIR, "CCMON-MIB.txt")
SHARED_MIBS = os.path.abspath(
    os.environ.get("CCMON_SHARED_MIBS")
    or os.path.join(SRCDIR, os.pardir, "shared", "mibs"))

SNMPD = "/usr/sbin/snmpd"
SNMPTRAPD = "/usr/sbin/snmptrapd"
TOOLS = ("snmpwalk", "snmpget", "snmptrap")

# Seconds any single wait for what must happen may take, at most: a
# deadline, as tests/ccmond_harness.py's (CCMON_TEST_STEP overrides both).
STEP = float(os.environ.get("CCMON_TEST_STEP") or 60.0)
TOOL_TIMEOUT = 15.0  # seconds one snmpwalk/snmpget may take, at most

# CCMON-MIB (mibs/CCMON-MIB.txt), numerically, without a leading dot
ROOT = "1.3.6.1.4.1.8072.9999.9999.42"
SYS_DESCR = "1.3.6.1.2.1.1.1.0"
SYS_UPTIME = "1.3.6.1.2.1.1.3.0"
SNMP_TRAP_OID = "1.3.6.1.6.3.1.1.4.1.0"

# snmptrapd's record: "TRAP " varbinds... "\x1e\n", varbinds split by \x1f
VAR_SEP = "\x1f"
REC_END = "\x1e"
TRAP_FORMAT = "TRAP %V" + VAR_SEP + "%v" + REC_END + "\\n"

SNMPD_CONF = """\
# written by tests/snmp_harness.py
master agentx
agentXSocket %(socket)s
agentXPerms 0660 0770
agentXTimeout 1
agentXRetries 1
rocommunity public 127.0.0.1
trap2sink 127.0.0.1:%(trap_port)d public
dontLogTCPWrappersConnects yes
"""

SNMPTRAPD_CONF = """\
# written by tests/snmp_harness.py
disableAuthorization yes
dontLogTCPWrappersConnects yes
"""


# ---- small things ----------------------------------------------------------

def need_snmp():
    """Skips unless net-snmp's daemons and tools are installed."""
    missing = [p for p in (SNMPD, SNMPTRAPD) if not os.access(p, os.X_OK)]
    missing += [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        pytest.skip("net-snmp not installed (missing %s; Debian: apt-get "
                    "install snmpd snmptrapd snmp)" % ", ".join(missing))


def have_mib():
    """Are CCMON-MIB and the standard modules it imports there?"""
    return os.path.isfile(CCMON_MIB) and all(
        os.path.isfile(os.path.join(SHARED_MIBS, m + ".txt"))
        for m in ("SNMPv2-SMI", "SNMPv2-TC", "SNMPv2-CONF",
                  "SNMP-FRAMEWORK-MIB", "SNMPv2-MIB"))


def need_mib():
    """Skips unless CCMON-MIB and the standard modules it imports are
    there (for mib=True)."""
    if not os.path.isfile(CCMON_MIB):
        pytest.skip("%s not found" % CCMON_MIB)
    for m in ("SNMPv2-SMI", "SNMPv2-TC", "SNMPv2-CONF",
              "SNMP-FRAMEWORK-MIB", "SNMPv2-MIB"):
        if not os.path.isfile(os.path.join(SHARED_MIBS, m + ".txt")):
            pytest.skip("standard MIB module %s not found in %s (set "
                        "CCMON_SHARED_MIBS)" % (m, SHARED_MIBS))




def free_udp_port():
    """A local UDP port nothing is bound to (now)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def udp_bound(port):
    """Is something bound to 127.0.0.1:port (UDP)?"""
    want = ":%04X" % port
    try:
        with open("/proc/net/udp") as f:
            next(f)
            return any(line.split()[1].endswith(want) for line in f)
    except OSError:
        return False


def unix_socket_users(path):
    """How many sockets /proc/net/unix shows bound to path: 1 for a
    listener alone, one more per connection it accepted."""
    try:
        with open("/proc/net/unix") as f:
            return sum(1 for line in f
                       if line.rstrip("\n").split(" ")[-1] == path)
    except OSError:
        return 0


def socket_inode(path):
    """The identity of the Unix socket at path (inode and change time: a
    new socket may get the inode number of the one it replaces), or
    None."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    if not stat.S_ISSOCK(st.st_mode):
        return None
    return (st.st_dev, st.st_ino, st.st_ctime_ns)




def tail(text, n=3000):
    return text[-n:] if len(text) > n else text


def str_index(s):
    """A length-prefixed string index ("ab" -> "2.97.98")."""
    b = s.encode("utf-8")
    return ".".join(str(x) for x in [len(b)] + list(b))


def strip_dot(oid):
    return oid[1:] if oid.startswith(".") else oid




# ---- values as net-snmp prints them -----------------------------------------

Var = collections.namedtuple("Var", "oid type value")

SPECIALS = (
    ("No Such Object available on this agent at this OID", "noSuchObject"),
    ("No Such Instance currently exists at this OID", "noSuchInstance"),
    ("No more variables left in this MIB View", "endOfMibView"),
)
# "OID = ": numeric, or MODULE::name[.index], or a bare name
VAR_HEAD = re.compile(r"(\.?\d+(?:\.\d+)+|[A-Za-z][\w-]*::\S+|[A-Za-z]\w*"
                      r"(?:\.\S+)?) = ")
TYPE_HEAD = re.compile(r"([A-Za-z][\w-]*(?: [A-Za-z]+)?): ")


def _quoted(text, i):
    """The string quoted at text[i] ('"'), \\-escapes undone, and the index
    after its closing quote; None if it is not closed."""
    out = []
    j = i + 1
    n = len(text)
    while j < n:
        c = text[j]
        if c == "\\" and j + 1 < n:
            out.append(text[j + 1])
            j += 2
        elif c == '"':
            return "".join(out), j + 1
        else:
            out.append(c)
            j += 1
    return None


def _value_end(text, i, sep):
    """Where the value starting at i ends: at a sep followed by the next
    "OID = ", or at the end (a value may hold sep itself: a string with a
    newline, a Hex-STRING over several lines)."""
    j = i
    while True:
        k = text.find(sep, j)
        if k < 0:
            return len(text)
        if VAR_HEAD.match(text, k + len(sep)) or \
                not text[k + len(sep):].strip():
            return k
        j = k + len(sep)


def parse_vars(text, sep="\n"):
    """net-snmp's "OID = TYPE: value" varbinds, separated by sep, as Vars:
    numeric OIDs without their leading dot; STRING values unquoted; the
    value of the others as printed (Hex-STRING "07 EA ...", INTEGER "3" or
    "active(3)", Timeticks "(12) 0:00:00.12"); the exceptions noSuchObject,
    noSuchInstance and endOfMibView as types with value ""."""
    out = []
    i = 0
    n = len(text)
    while i < n:
        while i < n and (text[i] in sep or text[i].isspace()):
            i += 1
        if i >= n:
            break
        m = VAR_HEAD.match(text, i)
        if not m:
            raise ValueError("no 'OID = ' at %r" % text[i:i + 80])
        oid = m.group(1)
        if oid[0] == "." or oid[0].isdigit():
            oid = strip_dot(oid)
        i = m.end()
        for words, kind in SPECIALS:
            if text.startswith(words, i):
                end = _value_end(text, i, sep)
                out.append(Var(oid, kind, ""))
                i = end
                break
        else:
            if text.startswith('""', i):
                out.append(Var(oid, "STRING", ""))
                i = _value_end(text, i + 2, sep)
                continue
            t = TYPE_HEAD.match(text, i)
            if t:
                vtype = t.group(1)
                i = t.end()
            else:
                vtype = ""
            if text.startswith('"', i):
                q = _quoted(text, i)
                if q is not None:
                    # the whole value: the next varbind or the end follows
                    after = q[1]
                    if text.startswith(sep, after) or \
                            not text[after:after + 2].strip():
                        out.append(Var(oid, vtype, q[0]))
                        i = after
                        continue
            end = _value_end(text, i, sep)
            out.append(Var(oid, vtype, text[i:end].rstrip(" \n")))
            i = end
    return out


def octets(var):
    """The octets of an OCTET STRING Var (Hex-STRING or STRING)."""
    if var.type == "Hex-STRING":
        return bytes.fromhex(re.sub(r"\s+", "", var.value))
    return var.value.encode("utf-8")


def as_int(var):
    """The number of an INTEGER / Counter / Gauge / Timeticks Var (also
    as printed with the MIB: "active(3)", "12 lines", "(973) 0:00:09.73
    hundredths of a second")."""
    v = var.value.strip()
    m = re.fullmatch(r"[A-Za-z][\w-]*\((-?\d+)\)", v) or \
        re.match(r"\((\d+)\)", v) or re.fullmatch(r"(-?\d+)(?: \S.*)?", v)
    if not m:
        raise ValueError("not a number: %r" % (var,))
    return int(m.group(1))


DAT_TEXT = re.compile(r"(\d+)-(\d+)-(\d+),(\d+):(\d+):(\d+)\.(\d+)")


DAT_ZONE = re.compile(r",([+-])(\d+):(\d+)$")


def date_and_time(var):
    """A DateAndTime Var as seconds since the epoch; None for a zero-length
    value.  11 octets (CCMON-MIB's CcmonDateAndTime, and the display form
    2026-11-25,5:48:0.0,+1:0) are read with their offset from UTC; 8
    octets (a test's own trap) as local time."""
    if var.type != "Hex-STRING":
        text = var.value.strip()
        zone = DAT_ZONE.search(text)
        m = DAT_TEXT.fullmatch(text[:zone.start()] if zone else text)
        if m:
            y, mo, d, h, mi, s, ds = map(int, m.groups())
            if not zone:
                return time.mktime((y, mo, d, h, mi, s, 0, 0, -1)) + ds / 10
            off = (int(zone.group(2)) * 60 + int(zone.group(3))) * 60
            off = -off if zone.group(1) == "-" else off
            return calendar.timegm((y, mo, d, h, mi, s, 0, 0, 0)) - off + \
                ds / 10
    b = octets(var)
    if not b:
        return None
    if len(b) not in (8, 11):
        raise ValueError("DateAndTime of %d octets: %r" % (len(b), var))
    y = b[0] << 8 | b[1]
    if len(b) == 8:
        return time.mktime((y, b[2], b[3], b[4], b[5], b[6], 0, 0, -1)) + \
            b[7] / 10
    if b[8] not in b"+-" or b[9] > 13 or b[10] > 59:
        raise ValueError("DateAndTime with a bad zone: %r" % (var,))
    off = (b[9] * 60 + b[10]) * 60
    off = -off if b[8] == ord("-") else off
    return calendar.timegm((y, b[2], b[3], b[4], b[5], b[6], 0, 0, 0)) - \
        off + b[7] / 10


# ---- the tools --------------------------------------------------------------

class SnmpError(Exception):
    pass


def tool_env(confdir):
    """An environment where the tools read no configuration but ours (an
    empty directory) and no MIB unless asked to."""
    return dict(os.environ, SNMPCONFPATH=confdir, SNMP_PERSISTENT_DIR=confdir,
                MIBS="", MIBDIRS=SHARED_MIBS)


def mib_args(mib):
    if not mib:
        return ["-On"]
    need_mib()
    return ["-M", "%s:%s" % (SHARED_MIBS, MIBDIR),
            "-m", "CCMON-MIB:SNMPv2-MIB"]


def run_tool(argv, env, timeout=TOOL_TIMEOUT):
    try:
        r = subprocess.run(argv, capture_output=True, text=True,
                           errors="replace", env=env, timeout=timeout,
                           stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise SnmpError("%s did not return within %.0f s"
                        % (" ".join(argv), timeout))
    if r.returncode != 0:
        raise SnmpError("%s: exit %d: %s" % (" ".join(argv), r.returncode,
                                             r.stderr.strip()
                                             or r.stdout.strip()))
    return r.stdout, r.stderr


def snmpwalk(target, root, env, mib=False, timeout=TOOL_TIMEOUT):
    """The instances under root (exceptions left out), in order."""
    out, _ = run_tool(["snmpwalk", "-v2c", "-c", "public", "-t", "1",
                       "-r", "1"] + mib_args(mib) + [target, root],
                      env, timeout)
    return [v for v in parse_vars(out)
            if v.type not in ("noSuchObject", "noSuchInstance",
                              "endOfMibView")]


def snmpget(target, oids, env, mib=False, timeout=TOOL_TIMEOUT):
    """{oid as asked: Var} (exceptions as their types)."""
    oids = list(oids)
    out, _ = run_tool(["snmpget", "-v2c", "-c", "public", "-t", "1",
                       "-r", "1"] + mib_args(mib) + [target] + oids,
                      env, timeout)
    got = parse_vars(out)
    if len(got) != len(oids):
        raise SnmpError("snmpget %s: %d answers:\n%s"
                        % (" ".join(oids), len(got), out))
    return dict(zip(oids, got))


# ---- snmpd -----------------------------------------------------------------

class Snmpd:
    """An AgentX master on 127.0.0.1:port and a Unix socket in workdir,
    trap2sink to 127.0.0.1:trap_port; start() again after stop() or
    kill9() reuses both."""

    def __init__(self, workdir, shared_mibs=SHARED_MIBS, trap_port=None,
                 port=None, name="snmpd"):
        need_snmp()
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir)
        self.persist = os.path.join(self.dir, "persist")
        self.tooldir = os.path.join(self.dir, "tools")
        os.mkdir(self.persist)
        os.mkdir(self.tooldir)
        self.shared_mibs = shared_mibs
        self.port = port or free_udp_port()
        self.trap_port = trap_port or free_udp_port()
        self.socket = os.path.join(self.dir, "agentx.sock")
        self.conf = os.path.join(self.dir, "snmpd.conf")
        self.log = os.path.join(self.dir, "snmpd.log")
        self.out = os.path.join(self.dir, "snmpd.out")
        self.pidfile = os.path.join(self.dir, "snmpd.pid")
        self.target = "udp:127.0.0.1:%d" % self.port
        self.proc = None
        self.starts = 0
        self.env = dict(os.environ, SNMP_PERSISTENT_DIR=self.persist,
                        SNMPCONFPATH=self.dir, MIBS="",
                        MIBDIRS=shared_mibs)
        self.tool_env = tool_env(self.tooldir)
        with open(self.conf, "w") as f:
            f.write(SNMPD_CONF % {"socket": self.socket,
                                  "trap_port": self.trap_port})

    def argv(self):
        # -A (append) before -Lf, which opens the file
        return [SNMPD, "-f", "-C", "-c", self.conf, "-A", "-Lf", self.log,
                "-p", self.pidfile, self.target]

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout=STEP):
        """Starts it and waits until it answers sysUpTime.0 and its AgentX
        socket is a new one."""
        assert not self.running(), "snmpd is already running"
        stale = socket_inode(self.socket)
        self.starts += 1
        with open(self.out, "ab") as out:
            out.write(b"---- start %d\n" % self.starts)
            out.flush()
            self.proc = subprocess.Popen(
                self.argv(), env=self.env, stdin=subprocess.DEVNULL,
                stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True)
        deadline = time.monotonic() + timeout
        while True:
            if not self.running():
                rc = self.proc.returncode
                self.proc = None
                pytest.fail("snmpd exited with %s at start:\n%s"
                            % (rc, self.describe()))
            ino = socket_inode(self.socket)
            if ino is not None and ino != stale and self.answers(0.3):
                return self
            if time.monotonic() > deadline:
                self.stop()
                pytest.fail("snmpd not ready within %.0f s (socket %s, "
                            "port %d):\n%s" % (timeout, self.socket,
                                               self.port, self.describe()))
            time.sleep(0.1)

    def answers(self, t=1.0):
        """Does it answer a get of sysUpTime.0 within about t seconds?"""
        try:
            r = subprocess.run(
                ["snmpget", "-v2c", "-c", "public", "-t", str(t), "-r", "0",
                 "-On", self.target, SYS_UPTIME], capture_output=True,
                text=True, env=self.tool_env, timeout=t + 5,
                stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return False
        return r.returncode == 0 and "Timeticks" in r.stdout

    def stop(self, sig=signal.SIGTERM, timeout=STEP):
        """Sends sig and waits for the end (SIGKILL after timeout)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                kill_group(self.proc, timeout=10)
        kill_group(self.proc, timeout=10)  # anything left in its group
        rc = self.proc.returncode
        self.proc = None
        return rc

    def kill9(self):
        return self.stop(signal.SIGKILL)

    def restart(self):
        self.stop()
        return self.start()

    def subagents(self):
        """Connections accepted on the AgentX socket now."""
        return max(0, unix_socket_users(self.socket) - 1)

    def snmpwalk(self, root, mib=False, check=True):
        """The instances under root; None on failure when not check."""
        try:
            return snmpwalk(self.target, root, self.tool_env, mib=mib)
        except SnmpError:
            if check:
                raise
            return None

    def snmpget(self, oids, mib=False, check=True):
        if isinstance(oids, str):
            oids = [oids]
        try:
            return snmpget(self.target, oids, self.tool_env, mib=mib)
        except SnmpError:
            if check:
                raise
            return None

    def describe(self):
        return "snmpd.log:\n%s\nsnmpd.out:\n%s" % (tail(read(self.log)),
                                                   tail(read(self.out)))

    def close(self):
        try:
            self.stop(timeout=5)
        except Exception:
            if self.proc is not None:
                kill_group(self.proc, timeout=10)
                self.proc = None


# ---- snmptrapd -------------------------------------------------------------

class Snmptrapd:
    """A notification receiver on 127.0.0.1:port (SNMPv2c, community
    public), logging each notification as one record of traps()."""

    def __init__(self, workdir, port=None, name="snmptrapd"):
        need_snmp()
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir)
        self.persist = os.path.join(self.dir, "persist")
        os.mkdir(self.persist)
        self.port = port or free_udp_port()
        self.conf = os.path.join(self.dir, "snmptrapd.conf")
        self.log = os.path.join(self.dir, "traps.log")
        self.out = os.path.join(self.dir, "snmptrapd.out")
        self.pidfile = os.path.join(self.dir, "snmptrapd.pid")
        self.target = "udp:127.0.0.1:%d" % self.port
        self.tooldir = os.path.join(self.dir, "tools")
        os.mkdir(self.tooldir)
        self.proc = None
        self.env = dict(os.environ, SNMP_PERSISTENT_DIR=self.persist,
                        SNMPCONFPATH=self.dir, MIBS="", MIBDIRS="")
        with open(self.conf, "w") as f:
            f.write(SNMPTRAPD_CONF)

    def argv(self):
        return [SNMPTRAPD, "-f", "-C", "-c", self.conf, "-X", "-n", "-On",
                "-A", "-Lf", self.log, "-F", TRAP_FORMAT, "-p", self.pidfile,
                self.target]

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout=STEP):
        """Starts it and waits until it has said its version (after
        opening its port) and the port is bound."""
        assert not self.running(), "snmptrapd is already running"
        before = read(self.log).count("NET-SNMP version")
        with open(self.out, "ab") as out:
            self.proc = subprocess.Popen(
                self.argv(), env=self.env, stdin=subprocess.DEVNULL,
                stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True)
        deadline = time.monotonic() + timeout
        while True:
            if not self.running():
                rc = self.proc.returncode
                self.proc = None
                pytest.fail("snmptrapd exited with %s at start:\n%s"
                            % (rc, self.describe()))
            if read(self.log).count("NET-SNMP version") > before and \
                    udp_bound(self.port):
                return self
            if time.monotonic() > deadline:
                self.stop()
                pytest.fail("snmptrapd not ready within %.0f s:\n%s"
                            % (timeout, self.describe()))
            time.sleep(0.05)

    def stop(self, timeout=STEP):
        if self.proc is None:
            return None
        kill_group(self.proc, timeout=timeout)
        rc = self.proc.returncode
        self.proc = None
        return rc

    def traps(self):
        """Every notification received so far, in order: dicts with "oid"
        (snmpTrapOID.0, numeric), "vars" {numeric oid: value} (every
        varbind, sysUpTime.0 and snmpTrapOID.0 included; STRING values
        unquoted, Hex-STRING as printed), "types" {oid: type} and
        "varlist" [Var] in the order sent."""
        out = []
        for rec in re.findall(r"TRAP (.*?)" + REC_END + r"\n",
                              read(self.log), re.S):
            try:
                vs = parse_vars(rec, sep=VAR_SEP)
            except ValueError:
                vs = []
            vars_ = {v.oid: v.value for v in vs}
            out.append({"oid": strip_dot(vars_.get(SNMP_TRAP_OID, "")),
                        "vars": vars_,
                        "types": {v.oid: v.type for v in vs},
                        "varlist": vs,
                        "raw": rec})
        return out

    def wait_traps(self, pred=None, count=1, timeout=STEP):
        """The notifications matching pred (all if None) once there are at
        least count of them; fails after timeout."""
        def match():
            got = [t for t in self.traps() if pred is None or pred(t)]
            return got if len(got) >= count else None
        got = wait_for(match, timeout=timeout, interval=0.1)
        if not got:
            pytest.fail("fewer than %d notification(s) within %.0f s; "
                        "received:\n%s" % (count, timeout,
                                           self.describe_traps()))
        return got

    def send(self, trap_oid, *varbinds, timeout=10):
        """Sends an SNMPv2c notification with snmptrap: varbinds are
        (oid, type letter, value) triples."""
        argv = ["snmptrap", "-v", "2c", "-c", "public", "-On", self.target,
                "", trap_oid]
        for oid, kind, value in varbinds:
            argv += [oid, kind, str(value)]
        return run_tool(argv, tool_env(self.tooldir), timeout)

    def describe_traps(self, traps=None):
        traps = self.traps() if traps is None else traps
        return "\n".join("  %s %s" % (t["oid"], {
            k: v for k, v in t["vars"].items()
            if k not in (SYS_UPTIME, SNMP_TRAP_OID)}) for t in traps) \
            or "  (none)"

    def describe(self):
        return "traps.log:\n%s\nsnmptrapd.out:\n%s" % (tail(read(self.log)),
                                                       tail(read(self.out)))

    def close(self):
        try:
            self.stop(timeout=5)
        except Exception:
            if self.proc is not None:
                kill_group(self.proc, timeout=10)
                self.proc = None


class SnmpPair:
    """A Snmptrapd and a Snmpd sending it its notifications, both
    started; close() ends both."""

    def __init__(self, workdir, start_snmpd=True):
        self.trapd = None
        self.snmpd = None
        try:
            self.trapd = Snmptrapd(workdir).start()
            self.snmpd = Snmpd(workdir, trap_port=self.trapd.port)
            if start_snmpd:
                self.snmpd.start()
        except BaseException:
            self.close()
            raise

    def describe(self):
        return "%s\n%s" % (self.snmpd.describe() if self.snmpd else "",
                           self.trapd.describe() if self.trapd else "")

    def close(self):
        for p in (self.snmpd, self.trapd):
            if p is not None:
                p.close()

# SPDX-License-Identifier: ISC
"""The remote-syslog path, for real: an appliance's XCP_JABBERD lines sent
over UDP to a real rsyslogd, which writes them to a file that a real
ccmond follows (README, "Getting the logs off the appliance").

Expressway sends its XCP Router's lines to a remote syslog server as
`XCP_JABBERD[pid]: UTCTime="..." ... Detail="..."` messages (doc/domain.md,
"Timestamps and dates"); the test sends such messages, shaped as RFC 3164
datagrams, to an rsyslogd listening on a loopback UDP port of its own.
rsyslogd runs in the harness's private mount namespace with a
configuration of its own (imudp only: nothing reads /dev/log or the
kernel log, nothing is written outside the test's folder), keeps the
XCP_JABBERD messages as the README's configuration does, and writes the
file in the two layouts a receiving host commonly uses: RSYSLOG_FileFormat
(RFC 3339 stamps) and RSYSLOG_TraditionalFileFormat ("Dec  6 10:00:00").
Either way the time ccmond reads on a line is Expressway's UTCTime, to
the millisecond, not the receiving host's coarser prefix: the lines read
in the first pass keep it (ccmond(8), "log time"), and the live ones
agree with the wall clock (no warning of a clock or zone mismatch).

Expressway writes UTCTime in UTC: ccmond runs here with TZ=UTC, as the
README tells an operator whose host is in another zone to run it.

Needs rsyslogd (Debian package rsyslog) and what tests/ccmond_harness.py
needs (root, unshare, systemd-journald); skips with the reason otherwise.
"""
import os
import shutil
import socket
import subprocess
import time

import pytest

from ccmond_harness import Harness, component_of, read, wait_for

RSYSLOGD = shutil.which("rsyslogd") or "/usr/sbin/rsyslogd"
C1 = component_of("cs1")
C2 = component_of("cs2")
SERVERS = [dict(name="cs1", host="10.53.52.205", port=7999, probe="none"),
           dict(name="cs2", host="10.53.52.206", port=7999, probe="none")]
READY_TIMEOUT = 120  # s for rsyslogd to bind its port, however busy
ARRIVE_TIMEOUT = 120  # s for a line sent to reach the file

RSYSLOG_CONF = """\
global(workDirectory="%(work)s" net.enableDNS="off")
module(load="imudp")
ruleset(name="appliance") {
    if $programname == "XCP_JABBERD" then
        action(type="omfile" file="%(file)s" template="%(template)s")
}
input(type="imudp" address="127.0.0.1" port="%(port)d" ruleset="appliance")
"""


def udp_inodes(port):
    """Socket inodes bound to 127.0.0.1:port (UDP), from /proc/net/udp."""
    want = "0100007F:%04X" % port
    inodes = set()
    with open("/proc/net/udp") as f:
        next(f)
        for line in f:
            fields = line.split()
            if fields[1] == want:
                inodes.add(fields[9])
    return inodes


def holds_socket(pid, inodes):
    try:
        fds = os.listdir("/proc/%d/fd" % pid)
    except OSError:
        return False
    for fd in fds:
        try:
            link = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        if link.startswith("socket:[") and link[8:-1] in inodes:
            return True
    return False


class Rsyslogd:
    """rsyslogd -n in the harness's namespace, receiving on a loopback UDP
    port and writing every message to one file."""

    def __init__(self, h, path, template):
        self.path = path
        work = os.path.join(h.workdir, "rsyslog")
        os.mkdir(work)
        conf = os.path.join(work, "rsyslog.conf")
        self.out = os.path.join(work, "rsyslogd.out")
        self.proc = None
        # The port: free when asked; rsyslogd's bind is then checked.
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        with open(conf, "w") as f:
            f.write(RSYSLOG_CONF % {"work": work, "file": path,
                                    "template": template, "port": self.port})
        with open(self.out, "w") as out:
            self.proc = h.ns.popen(
                [RSYSLOGD, "-n", "-f", conf, "-i",
                 os.path.join(work, "rsyslogd.pid")],
                stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True)
        bound = wait_for(lambda: self.proc.poll() is not None or
                         holds_socket(self.proc.pid, udp_inodes(self.port)),
                         timeout=READY_TIMEOUT, interval=0.05)
        if self.proc.poll() is not None or not bound:
            self.close()
            pytest.fail("rsyslogd did not bind 127.0.0.1:%d within %d s:\n%s"
                        % (self.port, READY_TIMEOUT, read(self.out)))

    def close(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(30)


class Expressway:
    """The appliance's side: XCP_JABBERD lines as RFC 3164 datagrams."""

    def __init__(self, port):
        self.addr = ("127.0.0.1", port)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sent = 0

    def other(self, text):
        """A message of another of the appliance's programs."""
        self.sock.sendto(("<38>%s xwayc sshd[812]: %s" % (
            time.strftime("%b %d %H:%M:%S", time.gmtime()), text)).encode(),
            self.addr)

    def send(self, detail, location="component.c:533", t=None):
        """Sends one line; returns its UTCTime as ccmond shows times."""
        t = time.time() if t is None else t
        ms = int(t * 1000) % 1000
        utc = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(t))
        header = time.strftime("%b %d %H:%M:%S", time.gmtime(t))
        if header[4] == "0":  # RFC 3164: the day space-padded
            header = header[:4] + " " + header[5:]
        msg = ('<134>%s xwayc XCP_JABBERD[23843]: UTCTime="%s,%03d" '
               'Module="Jabber" Level="INFO " CodeLocation="%s" '
               'Detail="%s"' % (header, utc, ms, location, detail))
        self.sock.sendto(msg.encode(), self.addr)
        self.sent += 1
        return "%sT%s.%03d" % (utc[:10], utc[11:], ms)

    def component(self, name, state, t=None):
        return self.send("Component %s is %s" % (name, state), t=t)

    def close(self):
        self.sock.close()


def lines_in(path):
    return read(path).count("\n")


@pytest.fixture
def h(monkeypatch):
    if not os.access(RSYSLOGD, os.X_OK):
        pytest.skip("rsyslogd not found (Debian package rsyslog)")
    monkeypatch.setenv("TZ", "UTC")
    harness = Harness("journal")
    try:
        yield harness
    finally:
        harness.close_daemons()
        for c in getattr(harness, "rsyslog", []):
            c.close()
        harness.close()


@pytest.mark.parametrize("template", ["RSYSLOG_FileFormat",
                                      "RSYSLOG_TraditionalFileFormat"])
def test_expressway_lines_through_rsyslogd(h, template):
    path = os.path.join(h.logdir, "expressway.log")
    rs = Rsyslogd(h, path, template)
    h.rsyslog = [rs]
    xway = Expressway(rs.port)
    try:
        # What the appliance said before ccmond started: read from the
        # file's start, as a collected history is.
        t = time.time() - 10
        xway.other("Accepted publickey for admin")
        xway.send("XCP Jabberd starting", "jabberd.c:412", t=t)
        xway.component(C1, "CONNECTED", t=t + 1)
        xway.component(C1, "ACTIVE", t=t + 2)
        c2_active = xway.component(C2, "ACTIVE", t=t + 3)
        assert wait_for(lambda: lines_in(path) == xway.sent,
                        timeout=ARRIVE_TIMEOUT), \
            "rsyslogd wrote %d of %d lines:\n%s\n%s" % (
                lines_in(path), xway.sent, read(path), read(rs.out))
        h.config(SERVERS, log=path)
        d = h.start()

        sent = time.time()
        gone_at = xway.component(C1, "GONE", t=sent)
        raised = h.wait_alarm("component-down", "raised", C1)[0]
        # a figure for the README's table, not a test (shown with -s)
        print("syslog path, %s: GONE sent -> alarm in the journal: %.1f ms"
              % (template, (int(raised["__REALTIME_TIMESTAMP"]) / 1e6 -
                            sent) * 1000))
        xway.component(C1, "CONNECTED")
        xway.component(C1, "ACTIVE")
        cleared = h.wait_alarm("component-down", "cleared", C1)[0]
        rc, doc, err = h.status()
        assert rc == 0 and doc, err
        assert d.stop() == 0, d.stderr()
        stderr = d.stderr()
    finally:
        xway.close()

    entries = h.alarms()
    assert [(e["CCMON_ALARM"], e["CCMON_STATE"]) for e in entries] == \
        [("component-down", "raised"), ("component-down", "cleared")], \
        h.describe(entries)
    assert raised["CCMON_ALARM_ID"] == cleared["CCMON_ALARM_ID"]
    assert raised["CCMON_SERVER"] == "cs1", raised
    # Live lines are applied when read (agent time), which is no earlier
    # than the line's UTCTime, and the two agree (no drift warning).
    assert raised["CCMON_SINCE"] >= gone_at, (raised["CCMON_SINCE"], gone_at)
    assert cleared["CCMON_ENDED"] >= raised["CCMON_SINCE"]
    assert "check the clocks and time zones" not in stderr, stderr
    # A line of the first pass keeps its own time, to the millisecond:
    # Expressway's UTCTime, not the receiving host's prefix (whole
    # seconds, or none at all).
    c2 = [c for c in doc["components"] if c["name"].lower() == C2]
    assert len(c2) == 1 and c2[0]["state"] == "active", doc["components"]
    assert c2[0]["last_change"] == c2_active, (c2[0], c2_active)
    # Every line the file holds was read, none with a bad timestamp.
    text = read(path)
    assert text.count("XCP_JABBERD[23843]: UTCTime=") == xway.sent == 7, text
    assert "sshd" not in text, text
    agent = doc["agent"]
    assert (agent["lines"], agent["recognized"], agent["bad_time"]) == \
        (7, 6, 0), agent
    if template == "RSYSLOG_FileFormat":
        assert text.startswith(time.strftime("%Y-")), text[:80]
    else:
        assert text[:3] in ("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov "
                            "Dec").split(), text[:80]

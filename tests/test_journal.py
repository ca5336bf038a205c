# SPDX-License-Identifier: ISC
"""Alarms reach a real systemd-journald, or syslog without it.

ALARM_EMIT names the tests/alarm_emit binary (the test skips without it).
Each test runs in a private mount namespace (unshare --mount, propagation
private) where a tmpfs hides the machine's /run, so a journald of our own
can own /run/systemd/journal; its journal directory is a bind-mounted
temporary directory read afterwards with journalctl -D.  /var/log/journal is
hidden by a tmpfs and /etc/systemd/journald.conf by our own (volatile
storage, no kmsg, no forwarding), and /dev/kmsg by /dev/null, so that nothing
of ours reaches the machine's journal or kernel log.  Needs root, unshare
and /lib/systemd/systemd-journald; skips with the reason otherwise.

The catalog test needs only journalctl."""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.environ.get("top_srcdir") or os.path.dirname(HERE)
CATALOG = os.path.join(SRCDIR, "units", "ccmon.catalog")
ALARM_C = os.path.join(SRCDIR, "agent", "core", "alarm_types.c")
JOURNALD = "/lib/systemd/systemd-journald"
STEP_TIMEOUT = 240  # seconds, for any one namespace run
UNSHARE_TIMEOUT = 120  # seconds for unshare to mount, however busy

COMPONENT = "op-cs1.imp1-example-com"
SERVER = "10.53.52.205:7999"
LOGFILE = "/var/log/active/epas/trace/xcp/log/rtr-jsm-1_000123.log"
ODD_LOG = '/srv/router logs/rtr "jsm" \\1.log'



# The MESSAGE_ID of a CHANGED message, whatever the type (agent/core/alarm.h).
CHANGED_ID = "d42044963e6b4a4aa8b492ed0a137d5b"


def message_ids():
    """Type -> MESSAGE_ID, from the C table: the catalog and the journal
    must agree with it."""
    with open(ALARM_C, encoding="utf-8") as f:
        ids = dict(re.findall(
            r'\.id = "([a-z-]+)",\s*\.message_id = "([0-9a-f]{32})"',
            f.read()))
    assert len(ids) >= 6, f"no type table found in {ALARM_C}"
    return ids


JOURNALD_CONF = """[Journal]
Storage=volatile
ReadKMsg=no
ForwardToSyslog=no
ForwardToKMsg=no
ForwardToConsole=no
ForwardToWall=no
RateLimitBurst=0
"""

# Runs inside the namespace: $1 work dir, $2 alarm_emit, $3 catalog db or "".
JOURNAL_SCRIPT = r"""
set -eu
W=$1 EMIT=$2 CATDB=$3
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
if [ -n "$CATDB" ] && [ -e /var/lib/systemd/catalog/database ]; then
    mount -n --bind "$CATDB" /var/lib/systemd/catalog/database
fi

%(journald)s >"$W/journald.out" 2>&1 &
jpid=$!
i=0
while [ ! -S /run/systemd/journal/socket ]; do
    i=$((i + 1))
    if ! kill -0 "$jpid" 2>/dev/null; then
        echo "journald did not start" >"$W/status"
        exit 0
    fi
    # 2400 naps: at least 120 s; slowness fails, it does not skip
    if [ "$i" -gt 2400 ]; then
        kill -9 "$jpid" 2>/dev/null || true
        echo "journald not ready within 120 s" >"$W/status"
        exit 0
    fi
    sleep 0.05
done

rc=0
"$EMIT" --mode journal --text "Component is GONE (cause: refused: %(server)s refuses connections)" \
    component-down "%(component)s" "%(server)s" >"$W/emit1.out" 2>&1 || rc=$?
echo "$rc" >"$W/emit1.rc"
rc=0
"$EMIT" endpoint-refused "%(server)s" "%(component)s" >"$W/emit2.out" 2>&1 || rc=$?
echo "$rc" >"$W/emit2.rc"
rc=0
"$EMIT" log-silent "%(logfile)s" >"$W/emit3.out" 2>&1 || rc=$?
echo "$rc" >"$W/emit3.rc"

# Everything sent is in the files once --sync returns.
timeout 60 journalctl --sync >"$W/sync.out" 2>&1 || true
if [ -n "$CATDB" ]; then
    timeout 60 journalctl -D /run/log/journal --no-pager -x \
        SYSLOG_IDENTIFIER=ccmond >"$W/explained" 2>&1 || true
fi
kill -TERM "$jpid" 2>/dev/null || true
i=0
while kill -0 "$jpid" 2>/dev/null; do
    i=$((i + 1))
    if [ "$i" -gt 200 ]; then
        kill -9 "$jpid" 2>/dev/null || true
        break
    fi
    sleep 0.05
done
echo ok >"$W/status"
"""

# Runs inside the namespace: $1 work dir, $2 alarm_emit, $3 a log path.  No
# journald: an empty /run; /dev is replaced by a tmpfs holding the usual
# character devices and /dev/log pointing to the test's socket.
SYSLOG_SCRIPT = r"""
set -eu
W=$1 EMIT=$2 LOGPATH=$3
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
rc=0
"$EMIT" component-down "%(component)s" "%(server)s" >"$W/emit.out" 2>&1 || rc=$?
echo "$rc" >"$W/emit.rc"
rc=0
"$EMIT" log-unreadable "$LOGPATH" >"$W/emit2.out" 2>&1 || rc=$?
echo "$rc" >"$W/emit2.rc"
rc=0
"$EMIT" --mode journal component-down "%(component)s" >"$W/emit3.out" 2>&1 || rc=$?
echo "$rc" >"$W/emit3.rc"
echo ok >"$W/status"
"""


def emit_binary():
    path = os.environ.get("ALARM_EMIT")
    if not path:
        pytest.skip("ALARM_EMIT is not set: build tests/alarm_emit and "
                    "export ALARM_EMIT=/path/to/alarm_emit")
    assert os.access(path, os.X_OK), f"ALARM_EMIT={path} is not executable"
    return os.path.abspath(path)


def need_namespace(workdir):
    if os.geteuid() != 0:
        pytest.skip("needs root: mounts a private /run in a mount namespace "
                    "to run its own systemd-journald")
    for tool in ("unshare", "mount", "timeout", "journalctl"):
        if not shutil.which(tool):
            pytest.skip(f"{tool} not found")
    # A namespace may be allowed where mounting in it is not (containers).
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


def in_namespace(script, *args):
    """Runs script under sh in a private mount namespace, bounded in time;
    on timeout the whole process group (journald with it) is killed."""
    p = subprocess.Popen(["unshare", "--mount", "--propagation", "private",
                          "--", "/bin/sh", "-c", script, "sh", *args],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, start_new_session=True)
    try:
        out, _ = p.communicate(timeout=STEP_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate(timeout=10)
        pytest.fail(f"namespace run took longer than {STEP_TIMEOUT} s")
    assert p.returncode == 0, f"namespace script failed:\n{out}"
    return out


def read(path, default=""):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return default


def update_catalog(root):
    """Installs units/ccmon.catalog under root and builds its database."""
    d = os.path.join(root, "usr", "lib", "systemd", "catalog")
    os.makedirs(d)
    shutil.copy(CATALOG, d)
    r = subprocess.run(["journalctl", f"--root={root}", "--update-catalog"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    db = os.path.join(root, "var", "lib", "systemd", "catalog", "database")
    assert os.path.exists(db), r.stderr
    return db


@pytest.fixture
def workdir():
    d = tempfile.mkdtemp(prefix="ccmon-journal-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


def test_catalog_parses_and_matches_the_types(workdir):
    if not shutil.which("journalctl"):
        pytest.skip("journalctl not found")
    ids = message_ids()
    update_catalog(workdir)
    r = subprocess.run(["journalctl", f"--root={workdir}", "--list-catalog"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    listed = dict(line.split(" ", 1) for line in r.stdout.splitlines())
    # one entry per type, and one for every change of a raised alarm
    assert set(listed) == set(ids.values()) | {CHANGED_ID}
    assert listed[CHANGED_ID].startswith("ccmon: ccmon alarm @CCMON_ALARM@")
    for type_id, mid in ids.items():
        assert listed[mid].startswith(f"ccmon: Alarm {type_id} @CCMON_STATE@:")
    r = subprocess.run(["journalctl", f"--root={workdir}", "--dump-catalog",
                        ids["auth-failure"]],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    assert "Documentation: man:ccmond(8)" in r.stdout
    # CONNECTED without ACTIVE = password or component name
    # (doc/domain.md "Troubleshooting checklist").
    text = re.sub(r"\s+", " ", r.stdout)
    assert "The password: it must be the same on IM and Presence" in text
    assert "this exact open-port component name" in text


def journal_entries(jdir):
    r = subprocess.run(["journalctl", "-D", jdir, "-o", "json", "--no-pager",
                        "SYSLOG_IDENTIFIER=ccmond"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return [json.loads(line) for line in r.stdout.splitlines() if line]


def test_alarms_in_journald(workdir):
    emit = emit_binary()
    need_namespace(workdir)
    if not os.access(JOURNALD, os.X_OK):
        pytest.skip(f"{JOURNALD} not found")
    jdir = os.path.join(workdir, "journal")
    os.mkdir(jdir)
    with open(os.path.join(workdir, "journald.conf"), "w") as f:
        f.write(JOURNALD_CONF)
    catdb = update_catalog(os.path.join(workdir, "catroot"))
    script = JOURNAL_SCRIPT % {"journald": JOURNALD, "server": SERVER,
                               "component": COMPONENT, "logfile": LOGFILE}
    out = in_namespace(script, workdir, emit, catdb)
    status = read(os.path.join(workdir, "status")).strip()
    if status == "journald did not start":
        said = read(os.path.join(workdir, "journald.out")).strip()
        pytest.skip("systemd-journald did not start in the namespace: "
                    + (said[-500:] or "it printed nothing"))
    assert status == "ok", out
    for n in (1, 2, 3):
        emitted = read(os.path.join(workdir, f"emit{n}.out"))
        assert read(os.path.join(workdir, f"emit{n}.rc")).strip() == "0", \
            emitted
        assert emitted.strip() == \
            "journal=2 syslog=0 journal_errors=0 errors=0"

    ids = message_ids()
    entries = journal_entries(jdir)
    assert len(entries) == 6, entries
    by = {(e["CCMON_ALARM"], e["CCMON_STATE"]): e for e in entries}
    assert set(by) == {(t, s) for t in ("component-down", "endpoint-refused",
                                        "log-silent")
                       for s in ("raised", "cleared")}

    alarm_ids = set()
    for (alarm, state), e in by.items():
        assert e["SYSLOG_IDENTIFIER"] == "ccmond"
        assert e["MESSAGE_ID"] == ids[alarm]
        assert e["_TRANSPORT"] == "journal"
        assert e["SYSLOG_FACILITY"] == "3"
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z",
                            e["CCMON_SINCE"]), e["CCMON_SINCE"]
        assert e["CCMON_RAISED_AT"] == e["CCMON_SINCE"]
        if state == "cleared":
            assert e["PRIORITY"] == "5"
            assert ("CCMON_ENDED" in e) and e["CCMON_ENDED"] > e["CCMON_SINCE"]
            assert e["MESSAGE"].startswith(f"ccmon: cleared {alarm} ")
            assert e["MESSAGE"].endswith("; the condition lasted 1.500s.")
        else:
            assert "CCMON_ENDED" not in e
        alarm_ids.add((alarm, e["CCMON_ALARM_ID"]))
    # One id per alarm, carried by its raise and its clear.
    assert len(alarm_ids) == 3

    e = by[("component-down", "raised")]
    assert e["PRIORITY"] == "2"
    assert e["CCMON_SEVERITY"] == "critical"
    assert e["CCMON_COMPONENT"] == COMPONENT
    assert e["CCMON_SERVER"] == SERVER
    assert e["CCMON_RESOURCE"] == COMPONENT
    assert e["CCMON_RESOURCE_KIND"] == "component"
    assert e["MESSAGE"] == (
        f"ccmon: CRITICAL raised component-down {COMPONENT}: Component is "
        f"GONE (cause: refused: {SERVER} refuses connections), since "
        f"{e['CCMON_SINCE']}. Check that the compliance server is running "
        "and listening on the host and port configured on IM and Presence; "
        "the text says what its loss does to users.")
    e = by[("component-down", "cleared")]
    assert e["CCMON_SEVERITY"] == "critical"
    assert e["CCMON_COMPONENT"] == COMPONENT
    assert e["CCMON_SERVER"] == SERVER

    e = by[("endpoint-refused", "raised")]
    assert e["PRIORITY"] == "3"
    assert e["CCMON_SEVERITY"] == "major"
    assert e["CCMON_SERVER"] == SERVER
    assert e["CCMON_COMPONENT"] == COMPONENT
    assert e["CCMON_RESOURCE_KIND"] == "server"
    assert by[("endpoint-refused", "cleared")]["CCMON_SERVER"] == SERVER

    e = by[("log-silent", "raised")]
    assert e["PRIORITY"] == "4"
    assert e["CCMON_SEVERITY"] == "minor"
    assert e["CCMON_LOG"] == LOGFILE
    assert "CCMON_COMPONENT" not in e and "CCMON_SERVER" not in e

    # journalctl -x explains the entries from our catalog, fields filled in.
    explained = read(os.path.join(workdir, "explained"))
    if "░░" not in explained:
        pytest.skip("journalctl -x printed no catalog text (catalog "
                    "database not replaceable here): " + explained[-300:])
    assert (f"Subject: Alarm component-down raised: open-port component "
            f"{COMPONENT} is not ACTIVE") in explained
    assert (f"Subject: Alarm endpoint-refused cleared: compliance server "
            f"{SERVER} refuses the router's connections") in explained


PAIR = r' ([A-Z_]+)=("(?:[^"\\]|\\.)*"|\S+)'


def pairs_of(text):
    """The KEY=value pairs after the message, quotes undone."""
    out = {}
    for k, v in re.findall(PAIR, text):
        if v.startswith('"'):
            v = re.sub(r'\\(.)', r'\1', v[1:-1])
        out[k] = v
    return out


def test_syslog_fallback(workdir):
    emit = emit_binary()
    need_namespace(workdir)
    os.mkdir(os.path.join(workdir, "dev"))
    sock_path = os.path.join(workdir, "log.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        sock.bind(sock_path)
        os.chmod(sock_path, 0o666)
        script = SYSLOG_SCRIPT % {"server": SERVER, "component": COMPONENT}
        out = in_namespace(script, workdir, emit, ODD_LOG)
        assert read(os.path.join(workdir, "status")).strip() == "ok", out
        for name in ("emit", "emit2"):
            emitted = read(os.path.join(workdir, name + ".out"))
            assert read(os.path.join(workdir, name + ".rc")).strip() == \
                "0", emitted
            assert emitted.strip() == \
                "journal=0 syslog=2 journal_errors=0 errors=0"
        # journald required but absent: counted, not sent, not fatal.
        assert read(os.path.join(workdir, "emit3.rc")).strip() == "1"
        assert read(os.path.join(workdir, "emit3.out")).strip() == \
            "journal=0 syslog=0 journal_errors=2 errors=2"
        lines = []
        sock.settimeout(0.2)
        deadline = time.monotonic() + 5
        while len(lines) < 5 and time.monotonic() < deadline:
            try:
                lines.append(sock.recv(65536).decode("utf-8", "replace"))
            except socket.timeout:
                if len(lines) >= 4:
                    break
    finally:
        sock.close()
    assert len(lines) == 4, lines
    ids = message_ids()

    pat = r"<(\d+)>\w{3} [ \d]\d \d\d:\d\d:\d\d ccmond\[(\d+)\]: (.*)"
    raised, cleared, odd_raised, odd_cleared = (
        re.fullmatch(pat, line.rstrip("\n"), re.S) for line in lines)
    assert raised and cleared, lines
    assert raised.group(1) == str(3 * 8 + 2)   # LOG_DAEMON | LOG_CRIT
    assert cleared.group(1) == str(3 * 8 + 5)  # LOG_DAEMON | LOG_NOTICE
    text = raised.group(3)
    assert text.startswith(f"ccmon: CRITICAL raised component-down "
                           f"{COMPONENT}: Component is not ACTIVE, since ")
    pairs = pairs_of(text)
    assert pairs["MESSAGE_ID"] == ids["component-down"]
    assert pairs["CCMON_ALARM"] == "component-down"
    assert pairs["CCMON_STATE"] == "raised"
    assert pairs["CCMON_SEVERITY"] == "critical"
    assert pairs["CCMON_COMPONENT"] == COMPONENT
    assert pairs["CCMON_SERVER"] == SERVER
    assert pairs["CCMON_ALARM_ID"] == "1"
    pairs = pairs_of(cleared.group(3))
    assert cleared.group(3).startswith(
        f"ccmon: cleared component-down {COMPONENT} (was CRITICAL): "
        "Component is ACTIVE again; the condition lasted 1.500s.")
    assert pairs["CCMON_STATE"] == "cleared"
    assert pairs["CCMON_ALARM_ID"] == "1"
    assert pairs["MESSAGE_ID"] == ids["component-down"]

    # Values with spaces or quotes are quoted and escaped.
    assert odd_raised and odd_cleared, lines
    assert odd_raised.group(1) == str(3 * 8 + 3)   # LOG_DAEMON | LOG_ERR
    assert odd_cleared.group(1) == str(3 * 8 + 5)
    for m, state in ((odd_raised, "raised"), (odd_cleared, "cleared")):
        pairs = pairs_of(m.group(3))
        assert pairs["CCMON_ALARM"] == "log-unreadable"
        assert pairs["CCMON_STATE"] == state
        assert pairs["CCMON_RESOURCE"] == ODD_LOG
        assert pairs["CCMON_LOG"] == ODD_LOG
        assert "CCMON_COMPONENT" not in pairs

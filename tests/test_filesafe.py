# SPDX-License-Identifier: ISC
"""What ccmond and ccmon open, and what an attacker who can write in the log
or state folder, or a careless operator, can put there instead: a FIFO, a
device, a symbolic link, a huge or corrupt file, a folder others may write.

Every case must end quickly with a clear error, or go on working, never
hang (every wait here has a deadline and a hang fails it), and nothing
outside is written through a planted link.  ccmond runs in the namespace
of tests/ccmond_harness.py (its own journald), as in tests/test_faults.py.
"""
import glob
import json
import os
import signal
import stat
import subprocess
import time

import pytest

from ccmond_harness import (STEP, Harness, binaries, component_of, read,
                            wait_for)
from test_ccmond import history, srv

C1 = component_of("cs1")
SERVERS = [srv("cs1", "10.53.52.205")]
# A refusal is immediate; this only bounds a hang.
DEADLINE = 60.0
MIB = 1 << 20


def message(e):
    return e.get("MESSAGE", "")


def vm_hwm_kib(pid):
    for line in read("/proc/%d/status" % pid).splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return None


def exits(d, timeout=DEADLINE):
    """The exit status of a ccmond expected to end by itself."""
    try:
        d.proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        d.close()
        pytest.fail("ccmond still running %.0f s after start; stderr:\n%s"
                    % (timeout, d.stderr()))
    # ended: its stderr and stdout readers reach the end of the pipes
    for t in d._threads[:2]:
        t.join(DEADLINE)
    return d.stop()


def stops_quickly(d):
    t0 = time.monotonic()
    assert d.stop(timeout=DEADLINE) == 0, d.stderr()
    return time.monotonic() - t0


# ---- item 3: FIFOs ----------------------------------------------------------

@pytest.mark.parametrize("when", ["fresh", "resumed"])
def test_fifo_at_followed_path(h, when):
    """A FIFO under a followed name: ccmond reaches READY, answers status,
    raises log-unreadable saying it is a FIFO, and stops on SIGTERM.
    resumed: the saved position names the path (open() used to wait
    there for a writer, before READY, with SIGTERM blocked)."""
    log = h.log()
    history(log, [(C1, "ACTIVE")])
    h.config(SERVERS)
    if when == "resumed":
        stops_quickly(h.start())
    os.unlink(log.path)
    os.mkfifo(log.path, 0o644)
    d = h.start(ready=False)
    d.wait_ready(timeout=DEADLINE)
    raised = h.wait_alarm("log-unreadable", "raised", timeout=DEADLINE)
    assert "FIFO" in message(raised[0]), raised[0]
    assert h.status()[0] == 0
    stops_quickly(d)


def test_fifo_config_refused_at_once(h, tmp_path):
    """ccmon check-config and ccmond on a FIFO: exit 1 at once, naming the
    file and the reason (both used to wait forever in open())."""
    _, ccmon = binaries()
    fifo = str(tmp_path / "ccmon.conf")
    os.mkfifo(fifo, 0o600)
    r = subprocess.run([ccmon, "check-config", "-c", fifo],
                       capture_output=True, text=True, timeout=DEADLINE)
    assert r.returncode == 1, r
    assert "%s: error: cannot open: not a regular file but a FIFO [open]" \
        % fifo in r.stderr, r.stderr
    d = h.start(config=fifo, ready=False)
    assert exits(d) == 1, d.stderr()
    assert "not a regular file but a FIFO" in d.stderr(), d.stderr()


def test_sighup_to_fifo_config_keeps_running(h):
    """SIGHUP with the configuration replaced by a FIFO: the reload is
    refused with the reason, the old configuration goes on (status, alarms)
    and SIGTERM still stops it."""
    log = h.log()
    history(log, [(C1, "ACTIVE")])
    h.config(SERVERS)
    # for ccmon status, which reads the configuration too
    copy = h.config(SERVERS, path=os.path.join(h.workdir, "copy.conf"))
    d = h.start()
    os.unlink(h.config_path)
    os.mkfifo(h.config_path, 0o600)
    d.send(signal.SIGHUP)
    assert wait_for(lambda: "reload refused" in d.stderr(),
                    timeout=DEADLINE), d.stderr()
    assert "not a regular file but a FIFO" in d.stderr(), d.stderr()
    assert h.status(config=copy)[0] == 0
    log.component(C1, "GONE")
    h.wait_alarm("component-down", "raised", C1, timeout=DEADLINE)
    stops_quickly(d)


# ---- item 7: the state folder -----------------------------------------------

def state_path(h, name="state.json"):
    return os.path.join(h.state_dir, name)


def kept_aside(h):
    return glob.glob(state_path(h, "state.json.bad-*"))


def started_despite(h, what):
    """ccmond on a state_dir holding something bad as state.json: it
    starts as if for the first time within the deadline, says so, keeps
    the bad one aside and saves a good state of its own."""
    log = h.log()
    history(log, [(C1, "ACTIVE")])
    h.config(SERVERS)
    d = h.start(ready=False)
    d.wait_ready(timeout=DEADLINE)
    assert wait_for(lambda: "starting as if for the first time"
                    in d.stderr(), timeout=DEADLINE), d.stderr()
    assert what in d.stderr(), d.stderr()
    aside = kept_aside(h)
    assert len(aside) == 1, (os.listdir(h.state_dir), d.stderr())
    assert "kept as %s" % aside[0] in d.stderr(), d.stderr()
    # the name carries the UTC time it was set aside
    assert aside[0][-16:-8].isdigit() and aside[0].endswith("Z"), aside
    log.component(C1, "GONE")
    h.wait_alarm("component-down", "raised", C1, timeout=DEADLINE)
    stops_quickly(d)
    st = os.lstat(state_path(h))
    assert stat.S_ISREG(st.st_mode), oct(st.st_mode)
    with open(state_path(h)) as f:
        assert json.load(f)["version"] == 1
    return d, aside[0]


def test_fifo_state_file(h):
    os.mkfifo(state_path(h), 0o600)
    _, aside = started_despite(h, "not a regular file but a FIFO")
    assert stat.S_ISFIFO(os.lstat(aside).st_mode)


def test_state_file_link_to_dev_zero(h):
    """A link to /dev/zero: refused unread (it used to grow to ~2 GB)."""
    os.symlink("/dev/zero", state_path(h))
    log = h.log()
    history(log, [(C1, "ACTIVE")])
    h.config(SERVERS)
    d = h.start(ready=False)
    d.wait_ready(timeout=DEADLINE)
    hwm = vm_hwm_kib(d.pid)
    print("\nccmond peak RSS with state.json -> /dev/zero: %s KiB" % hwm)
    assert hwm is not None and hwm < 256 * 1024, hwm
    assert "a symbolic link, refused" in d.stderr(), d.stderr()
    aside = kept_aside(h)
    assert len(aside) == 1 and os.readlink(aside[0]) == "/dev/zero", aside
    stops_quickly(d)


def test_oversized_state_file(h):
    """Over the bound (64 MiB; sparse here): refused unread, kept aside."""
    with open(state_path(h), "wb") as f:
        f.truncate(64 * MIB + 1)
    d, aside = started_despite(h, "larger than 64 MiB")
    assert os.path.getsize(aside) == 64 * MIB + 1
    hwm = vm_hwm_kib(d.pid)
    assert hwm is None or hwm < 256 * 1024, hwm


def test_corrupt_state_file_kept_aside(h):
    """A corrupt state file is renamed aside, byte for byte, not
    overwritten by the next save."""
    bad = b'{"version": 1, "files": [ {"path": "/x", "dev": 1,'
    with open(state_path(h), "wb") as f:
        f.write(bad)
    _, aside = started_despite(h, "not JSON")
    with open(aside, "rb") as f:
        assert f.read() == bad


def test_planted_tmp_link_not_followed(h):
    """state.json.tmp planted as a link to a file outside: the save
    removes the link and writes a file of its own; the target keeps its
    bytes (ccmond, as root, used to overwrite it)."""
    victim = os.path.join(h.workdir, "victim")
    with open(victim, "w") as f:
        f.write("precious\n")
    os.symlink(victim, state_path(h, "state.json.tmp"))
    log = h.log()
    history(log, [(C1, "ACTIVE")])
    h.config(SERVERS)
    d = h.start()
    log.component(C1, "GONE")
    h.wait_alarm("component-down", "raised", C1, timeout=DEADLINE)
    stops_quickly(d)
    with open(victim) as f:
        assert f.read() == "precious\n"
    st = os.lstat(state_path(h))
    assert stat.S_ISREG(st.st_mode), oct(st.st_mode)
    assert not os.path.lexists(state_path(h, "state.json.tmp"))


def test_planted_lock_link_refused(h):
    """ccmond.lock planted as a link: refused, exit 1, named; the target
    untouched."""
    victim = os.path.join(h.workdir, "victim")
    with open(victim, "w") as f:
        f.write("precious\n")
    os.symlink(victim, state_path(h, "ccmond.lock"))
    h.config(SERVERS)
    d = h.start(ready=False)
    assert exits(d) == 1, d.stderr()
    assert "ccmond.lock: a symbolic link, refused" in d.stderr(), d.stderr()
    with open(victim) as f:
        assert f.read() == "precious\n"


@pytest.mark.parametrize("which,mode", [("state_dir", 0o777),
                                        ("state_dir", 0o770),
                                        ("runtime_dir", 0o777)])
def test_writable_folder_refused(h, which, mode):
    path = h.state_dir if which == "state_dir" else h.runtime_dir
    os.chmod(path, mode)
    h.config(SERVERS)
    d = h.start(ready=False)
    assert exits(d) == 1, d.stderr()
    assert "%s %s: writable by group or others (mode %04o)" % (
        which, path, mode) in d.stderr(), d.stderr()
    assert not os.path.exists(state_path(h))


# ---- item 14: config size, secret_file --------------------------------------

def test_config_device_and_oversize_refused(h, tmp_path):
    """-c /dev/zero and a config over 1 MiB: refused at once (the first
    used to grow a 527 MB buffer), by ccmond and check-config alike."""
    _, ccmon = binaries()
    big = str(tmp_path / "big.conf")
    with open(big, "w") as f:
        f.write("[agent]\n; " + "x" * MIB + "\n")
    for path, why in (("/dev/zero", "not a regular file but a character "
                       "device [open]"),
                      (big, "larger than 1024 KiB: not a configuration "
                       "file [too-large]")):
        r = subprocess.run([ccmon, "check-config", "-c", path],
                           capture_output=True, text=True, timeout=DEADLINE)
        assert r.returncode == 1, r
        assert "%s: error: " % path in r.stderr and why in r.stderr, r.stderr
        d = h.start(config=path, ready=False)
        assert exits(d) == 1, d.stderr()
        assert why in d.stderr(), d.stderr()
        assert d.proc.returncode == 1


SECRET = "s3cr3t-Passw0rd"


def secret_config(tmp_path, secret_path):
    path = str(tmp_path / "ccmon.conf")
    with open(path, "w") as f:
        f.write("[agent]\nlog = /var/log/ccmon-test/*.log\n"
                "node = imp1.example.com\n\n"
                "[server cs1]\nhost = 127.0.0.1\nport = 7999\n"
                "probe = none\nsecret_file = %s\n" % secret_path)
    return path


def secret_case(tmp_path, case):
    real = str(tmp_path / "cs1.secret")
    fd = os.open(real, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(SECRET + "\n")
    os.chmod(real, 0o600)
    if case == "ok":
        return real, None
    if case == "missing":
        return str(tmp_path / "absent.secret"), "No such file or directory"
    if case == "symlink":
        link = str(tmp_path / "link.secret")
        os.symlink(real, link)
        return link, "a symbolic link, refused"
    mode = int(case, 8)
    os.chmod(real, mode)
    return real, "mode %04o" % mode


@pytest.mark.parametrize("case", ["ok", "missing", "symlink", "0666",
                                  "0620", "0602", "0640"])
def test_secret_file_same_checks(tmp_path, case):
    """check-config refuses exactly the secret files that ccmon probe
    --handshake refuses (it used to accept a missing, 0666 or linked one),
    with the same reason."""
    _, ccmon = binaries()
    path, why = secret_case(tmp_path, case)
    conf = secret_config(tmp_path, path)
    c = subprocess.run([ccmon, "check-config", "-c", conf],
                       capture_output=True, text=True, timeout=DEADLINE)
    p = subprocess.run([ccmon, "probe", "-c", conf, "--handshake",
                        "--timeout", "1s", "cs1"],
                       capture_output=True, text=True, timeout=DEADLINE)
    assert SECRET not in c.stdout + c.stderr + p.stdout + p.stderr
    if why is None:
        assert c.returncode == 0, c
        assert "secret" not in p.stderr, p
        return
    assert c.returncode == 1, c
    assert p.returncode == 2, p
    assert "[server cs1] secret_file: the secret file %s" % path \
        in c.stderr and why in c.stderr and "[secret-file]" in c.stderr, \
        c.stderr
    assert "the secret file %s" % path in p.stderr and why in p.stderr, \
        p.stderr


def test_status_with_fifo_state_file(tmp_path):
    """ccmon status with no agent running reads the saved state: a FIFO
    there is refused at once (it used to wait for a writer forever)."""
    _, ccmon = binaries()
    for d in ("state", "run"):
        (tmp_path / d).mkdir()
    os.mkfifo(str(tmp_path / "state" / "state.json"), 0o600)
    conf = tmp_path / "ccmon.conf"
    conf.write_text("[agent]\nlog = %s/log/*.log\nnode = imp1.example.com\n"
                    "state_dir = %s/state\nruntime_dir = %s/run\nsnmp = no\n"
                    % (tmp_path, tmp_path, tmp_path))
    r = subprocess.run([ccmon, "status", "-c", str(conf)],
                       capture_output=True, text=True, timeout=DEADLINE)
    assert r.returncode != 0, r
    assert "state.json: not a state file" in r.stderr, r.stderr

# SPDX-License-Identifier: ISC
"""ccmond across steps of the wall clock (issue 10, item 6).

Holds, damping, silence and timeouts run on agent time (CLOCK_BOOTTIME
from the start's wall clock); the wall clock only says what times are
shown.  ccmond runs as in tests/test_ccmond.py (own journald in a mount
namespace, tests/ccmond_harness.py) under tests/clockshift.so, an LD_PRELOAD
shim of ours that moves CLOCK_REALTIME, gettimeofday() and time() of that
one process by the milliseconds written in a file, and nothing else (not
the monotonic or boot clocks, not timers).  The test steps the clock by
rewriting the file while ccmond runs.

Nothing is decided by how long something took: each check is an order of
events (a clear that must come before a later marker alarm, no false alarm
before a later marker) or bounds the test itself observed.
"""
import os
import re
import subprocess
import time

import pytest

from ccmond_harness import Harness, component_of, free_port, wait_for

C1 = component_of("cs1")
C2 = component_of("cs2")
PORT = 7999
LONG = 120.0   # no wait below needs more than a few seconds, unless broken


def srv(name, host, port=PORT, **kw):
    return dict(name=name, host=host, port=port, **kw)


def shim():
    """The shim: CLOCKSHIFT (make check sets it), else next to ccmond."""
    path = os.environ.get("CLOCKSHIFT")
    if not path and os.environ.get("CCMOND"):
        path = os.path.join(os.path.dirname(os.environ["CCMOND"]), "tests",
                            "clockshift.so")
    if not path or not os.path.isfile(path):
        pytest.fail("tests/clockshift.so not found (CLOCKSHIFT=%r): build "
                    "it with `make tests/clockshift.so` in the build "
                    "directory" % path)
    return os.path.abspath(path)


def asan_runtime(binary):
    """The ASan runtime ccmond links, if any: it must come first in
    LD_PRELOAD, before the (uninstrumented) shim."""
    r = subprocess.run(["ldd", binary], capture_output=True, text=True,
                       timeout=30)
    for line in r.stdout.splitlines():
        if "libasan.so" in line and "=>" in line:
            return line.split("=>")[1].split()[0]
    return None


class Clock:
    """The shifted wall clock of the ccmond that h starts from now on."""

    def __init__(self, h):
        self.path = os.path.join(h.workdir, "clockshift")
        self.offset = 0.0
        self.set(0)
        preload = [shim()]
        asan = asan_runtime(h.ccmond)
        if asan:
            preload.insert(0, asan)
        wrapper = os.path.join(h.workdir, "ccmond-shifted")
        with open(wrapper, "w") as f:
            # exec: the pid the harness holds is ccmond's own
            f.write("#!/bin/sh\nLD_PRELOAD='%s' CCM_CLOCKSHIFT_FILE='%s' "
                    "exec '%s' \"$@\"\n" % (":".join(preload), self.path,
                                            h.ccmond))
        os.chmod(wrapper, 0o755)
        h.ccmond = wrapper

    def set(self, seconds):
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % int(seconds * 1000))
        os.rename(tmp, self.path)
        self.offset = seconds

    def now(self):
        """ccmond's wall clock (seconds since the epoch)."""
        return time.time() + self.offset


def shown_time(text):
    """A time as ccmond shows it (local YYYY-MM-DDTHH:MM:SS.mmm) in
    seconds since the epoch."""
    base, ms = text.rstrip("Z").split(".")
    return time.mktime(time.strptime(base, "%Y-%m-%dT%H:%M:%S")) + \
        int(ms) / 1000.0


def index_of(entries, alarm, state, resource):
    for i, e in enumerate(entries):
        if (e.get("CCMON_ALARM"), e.get("CCMON_STATE"),
                e.get("CCMON_RESOURCE", "").lower()) == \
                (alarm, state, resource.lower()):
            return i
    return None


def test_step_back_does_not_stretch_the_clear_hold(h):
    """40 s back, then a 5 s clear hold: the clear comes 5 s (of any
    clock that does not step) after the component is back, so before a
    marker alarm raised 15 s after ccmond was seen to apply the line; on
    the wall clock it would wait 45 s, after the marker."""
    clock = Clock(h)
    log = h.log()
    t = time.time() - 10
    log.component(C1, "ACTIVE", t=t)
    log.component(C2, "ACTIVE", t=t + 1)
    h.config([srv("cs1", "10.53.52.205"), srv("cs2", "10.53.52.206")],
             alarm_clear_hold="5s")
    d = h.start()
    log.component(C1, "GONE")
    h.wait_alarm("component-down", "raised", C1, timeout=LONG)

    clock.set(-40)
    written = time.time()
    log.component(C1, "ACTIVE", t=clock.now())
    applied = wait_for(lambda: (h.status_component(C1) or {}).get(
        "state", "").lower() == "active", timeout=LONG)
    seen = time.time()
    assert applied, "ccmond did not apply the line within %.0f s:\n%s" % (
        LONG, d.stderr())
    before = time.time()
    rc, doc, err = h.status()
    after = time.time()
    assert rc == 0 and doc, err
    now = shown_time(doc["agent"]["now"])
    assert before - 40 - 1 <= now <= after - 40 + 1, \
        "ccmon status shows %s, not the stepped wall clock" % (
            doc["agent"]["now"])
    # The clear is due 5 s of agent time after the line was applied,
    # which was before `seen`: 15 s later it is due whatever the load.
    time.sleep(15)
    log.component(C2, "GONE", t=clock.now())
    h.wait_alarm("component-down", "raised", C2, timeout=LONG)
    cleared = h.wait_alarm("component-down", "cleared", C1,
                           timeout=LONG)[0]
    # the figure, for the record (-s shows it); the checks are the order
    print("5 s clear hold across a 40 s step back: cleared %.1f s after "
          "the line" % (int(cleared["__REALTIME_TIMESTAMP"]) / 1e6 - written))
    entries = h.alarms()
    i_clear = index_of(entries, "component-down", "cleared", C1)
    i_marker = index_of(entries, "component-down", "raised", C2)
    assert i_clear < i_marker, \
        "the clear hold was stretched past the marker:\n" + h.describe()
    # Shown on the wall clock as it was then: 40 s back.
    ended = shown_time(cleared["CCMON_ENDED"])
    assert written - 40 - 1 <= ended <= seen - 40 + 1, \
        "CCMON_ENDED %s is not the stepped wall clock's time (%.3f..%.3f)" \
        % (cleared["CCMON_ENDED"], written - 40, seen - 40)
    said = re.findall(r"the wall clock stepped back by ([0-9.]+)s",
                      d.stderr())
    assert len(said) == 1 and 39 <= float(said[0]) <= 41, d.stderr()
    assert d.stop() == 0, d.stderr()


def test_step_forward_raises_no_log_silent(h):
    """An hour forward with log_silent_after 600 s: no log-silent (the log
    was written seconds ago), however often the timer fires; a 1 s clear
    hold makes it fire after the step, a later alarm is the marker."""
    clock = Clock(h)
    port = free_port()
    log = h.log()
    log.component(C1, "ACTIVE", t=time.time() - 5)
    h.config([srv("cs1", "127.0.0.1", port, probe="tcp",
                  probe_interval="500ms", probe_timeout="300ms")],
             log_silent_after="600s", alarm_clear_hold="1s")
    d = h.start()
    h.wait_alarm("probe-failing", "raised", "cs1", timeout=LONG)

    clock.set(3600)
    h.cs_server("accept", port)
    h.wait_alarm("probe-failing", "cleared", "cs1", timeout=LONG)
    log.component(C1, "GONE", t=clock.now())
    h.wait_alarm("component-down", "raised", C1, timeout=LONG)
    assert not h.select("log-silent"), \
        "a wall-clock step raised log-silent:\n" + h.describe()
    assert d.stop() == 0, d.stderr()


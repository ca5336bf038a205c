# SPDX-License-Identifier: ISC
"""ccmond with more matching log files than descriptors (issue 10, item 5).

1,500 files match the log pattern and ccmond runs under `ulimit -n 1024`:
it used to keep one descriptor per file forever, ran out (EMFILE), never
saved its state, had no status socket and could not read new files.  Now
at most max_open_files (128) are open; the rest are closed once read and
opened again when they grow; log-files-limit says so.
"""
import os
import resource

from ccmond_harness import Harness, component_of, stamp, wait_for

import pytest

C1 = component_of("cs1")
WAIT = 120.0
FILES = 1500


def test_more_files_than_descriptors(h):
    for i in range(FILES):
        with open(os.path.join(h.logdir, "rtr-jsm-1_%06d.log" % i), "w") as f:
            f.write("%s |debug router heartbeat %d\n" % (stamp(), i))
    config = h.config([dict(name="cs1", host="10.53.52.205", port=7999)])
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    # inherited by ccmond through nsenter
    resource.setrlimit(resource.RLIMIT_NOFILE, (1024, hard))
    try:
        d = h.start(config, ready=False)
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    d.wait_ready(timeout=WAIT)
    with open("/proc/%d/limits" % d.pid) as f:
        assert any(l.startswith("Max open files") and l.split()[3] == "1024"
                   for l in f), "the limit did not reach ccmond"

    h.wait_alarm("log-files-limit", "raised", timeout=WAIT)
    # the state is saved
    state = os.path.join(h.state_dir, "state.json")
    assert wait_for(lambda: os.path.exists(state), timeout=WAIT), \
        "no state saved: " + d.stderr()
    # a new file's lines are read, and the status socket answers
    with open(os.path.join(h.logdir, "rtr-jsm-1_999999.log"), "w") as f:
        f.write("%s |info router Component %s is GONE\n" % (stamp(), C1))
    got = wait_for(lambda: (lambda c: c if c and c.get("state", "").upper() == "GONE"
                            else None)(h.status_component(C1)), timeout=WAIT)
    assert got, "the new file's line was not read: %s" % (h.status(),)
    fds = len(os.listdir("/proc/%d/fd" % d.pid))
    assert fds < 128 + 64, "%d descriptors open" % fds
    assert d.alive()
    assert "Too many open files" not in d.stderr()

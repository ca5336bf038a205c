# SPDX-License-Identifier: ISC
"""ccmond on a log of 20,000 distinct component names that no [server]
configures (issue 10, item 2): `ccmon status --json` answers with a valid
document, the names down make one unknown-components alarm for the node
and no component-down, and with max_components below the count one
too-many-components alarm and the counter of lines not applied.

ccmond runs in the namespace of tests/ccmond_harness.py (root, unshare,
journald).  Absence is checked after a later marker: a configured
server's component going down, whose own component-down comes after
everything the first look decided.
"""
import json
import subprocess
import time

import pytest

from ccmond_harness import NODE, Harness, component_of, stamp, wait_for

NAMES = 20000
# The first look replays 40,000 lines: generous, so that a slow machine
# waits longer rather than fails.
START_S = 300.0


def write_flood(h, n):
    """n names ACTIVE, then each GONE, in the last hour."""
    t0 = time.time() - 3600
    path = h.log().path
    with open(path, "a") as f:
        for i in range(n):
            f.write("%s |info router Component op-u%06d.imp1-example-com "
                    "is ACTIVE\n" % (stamp(t0 + i * 0.001), i))
        for i in range(n):
            f.write("%s |info router Component op-u%06d.imp1-example-com "
                    "is GONE\n" % (stamp(t0 + 60 + i * 0.001), i))
    return h.logs[-1]


def status_run(h, *args):
    """`ccmon status ARGS` until it answers whole (see status_doc)."""
    last = []

    def ask():
        r = subprocess.run([h.ccmon, "status", "-c", h.config_path] +
                           list(args), capture_output=True, timeout=120)
        last[:] = [r]
        return r if r.returncode == 0 else None

    r = wait_for(ask, timeout=START_S, interval=1.0)
    assert r, "no whole status answer within %.0f s: %s" % (
        START_S, last[0].stderr.decode("utf-8", "replace") if last else "")
    return r


def status_doc(h):
    """`ccmon status --json` parsed strictly, or a failure saying why.

    A document of 20,000 components is several MB: on a loaded machine
    the agent may drop a client before it has read it all (its per-client
    deadline), and ccmon then fails; asking again, within a generous
    deadline, is waiting for an answer, not for luck."""
    r = status_run(h, "--json")
    # strict: no NaN, no duplicate keys, valid UTF-8
    text = r.stdout.decode("utf-8")

    def no_dupes(pairs):
        keys = [k for k, _ in pairs]
        assert len(keys) == len(set(keys)), keys
        return dict(pairs)

    return json.loads(text, object_pairs_hook=no_dupes,
                      parse_constant=lambda c: pytest.fail(c))


def start_and_mark(h, max_components=None):
    cs = component_of("cs1")
    extra = {"max_components": max_components} if max_components else {}
    h.config([{"name": "cs1", "host": "127.0.0.1", "port": 7999}], **extra)
    log = write_flood(h, NAMES)
    h.start(ready=False).wait_ready(timeout=START_S)
    h.wait_alarm("unknown-components", "raised", NODE, timeout=START_S)
    # the marker: a configured component's own alarm comes after all the
    # first look decided
    log.component(cs, "ACTIVE")
    log.component(cs, "GONE")
    h.wait_alarm("component-down", "raised", cs, timeout=START_S)
    return cs


def test_flood_of_names(h):
    cs = start_and_mark(h, max_components=NAMES + 10000)
    downs = h.select("component-down", "raised")
    assert [e["CCMON_RESOURCE"] for e in downs] == [cs], h.describe()
    unknown = h.select("unknown-components")
    assert len(unknown) == 1, h.describe()
    assert not h.select("too-many-components"), h.describe()

    doc = status_doc(h)
    names = {c["name"] for c in doc["components"]}
    assert len(names) == NAMES + 1      # cs1 too
    assert doc["agent"]["untracked"] == 0
    alarms = [a for a in doc["alarms"] if a["type"] == "unknown-components"]
    assert len(alarms) == 1
    assert alarms[0]["resource"] == NODE
    assert alarms[0]["text"].startswith(
        "20000 components that no [server] configures are down: "
        "op-u000000.imp1-example-com, op-u000001.imp1-example-com,")


def test_too_many_components(h):
    start_and_mark(h, max_components=5000)
    too_many = h.select("too-many-components", "raised", NODE)
    assert len(too_many) == 1, h.describe()
    assert not h.select("component-down", "raised",
                        "op-u000000.imp1-example-com"), h.describe()

    doc = status_doc(h)
    assert len(doc["components"]) == 5001
    assert doc["agent"]["untracked"] == 2 * NAMES - 2 * 5000
    assert any(a["type"] == "too-many-components" and a["resource"] == NODE
               for a in doc["alarms"])
    out = status_run(h).stdout.decode("utf-8")
    assert ("lines about component names past max_components, not "
            "applied: %d" % (2 * NAMES - 2 * 5000)) in out

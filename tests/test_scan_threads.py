# SPDX-License-Identifier: ISC
"""The reading thread of `ccmon analyze` (agent/io/input.c) changes
nothing: the JSON is byte for byte the one of a scan on one thread
(CCMON_SCAN_THREADS=1), on generated logs with incidents that span several
read blocks and files, gzipped or not, with a configuration (queue rules,
the monitor that sees every line) and with --until cutting a file short."""
import gzip
import json
import os
import shutil
import subprocess

import pytest

import genlog
# the [latency] pair test_analyze.py checks: queue rules through both scans
from test_analyze import LATENCY_CONF as CONF

TIMEOUT = 120  # seconds, per ccmon run


def analyze(ccmon, args, cwd, threads):
    env = dict(os.environ, TZ="UTC", LC_ALL="C", CCMON_SCAN_THREADS=threads)
    r = subprocess.run([ccmon, "analyze", "--json"] + args, cwd=cwd,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=env, timeout=TIMEOUT)
    assert r.returncode == 0, r.stderr.decode(errors="replace")
    return r.stdout


def same(ccmon, args, cwd):
    one = analyze(ccmon, args, cwd, "1")
    two = analyze(ccmon, args, cwd, "2")
    assert one == two
    return json.loads(one)


@pytest.mark.parametrize("seed,gz", [(5, False), (6, True)])
def test_threaded_scan_gives_the_same_json(ccmon, tmp_path, seed, gz):
    res = genlog.generate(str(tmp_path), seed=seed, files=3, gz=gz,
                          midnight=True, nasty=True)
    doc = same(ccmon, list(res.options) + list(res.argv), res.out_dir)
    assert doc["incidents"]


def test_threaded_scan_with_config_and_until(ccmon, tmp_path):
    res = genlog.generate(str(tmp_path), seed=7, files=2)
    # queue lines spread over the blocks, and bounces: both prefilters
    lines = []
    for i in range(40000):
        t = "%02d:%02d:%02d.%03d" % (8 + i // 36000, i // 600 % 60,
                                     i // 10 % 60, i % 10 * 100)
        if i % 997 == 0:
            lines.append("%s |error router Bouncing packet intended for "
                         "op-cs1.imp1-example-com\n" % t)
        elif i % 211 == 0:
            lines.append("%s |info jsm Sending event %d to "
                         "op-cs1.imp1-example-com\n" % (t, i))
        elif i % 211 == 3:
            lines.append("%s |info jsm Answer to event %d from "
                         "op-cs1.imp1-example-com\n" % (t, i - 3))
        else:
            lines.append("%s |debug jsm the component count is %d\n" %
                         (t, i))
    q = os.path.join(res.out_dir, "queue.log")
    with open(q, "w") as f:
        f.writelines(lines)
    with open(q, "rb") as f, gzip.open(q + ".gz", "wb") as g:
        shutil.copyfileobj(f, g)
    conf = os.path.join(res.out_dir, "ccmon.conf")
    with open(conf, "w") as f:
        f.write(CONF)
    base = ["--date", "2026-11-03", "--config", conf]
    doc = same(ccmon, base + ["queue.log"], res.out_dir)
    q = {c["name"]: c for c in doc["components"]}
    q = q["op-cs1.imp1-example-com"]["queue_latency"]
    assert q["count"] == 41 + 189, q["count"]  # bounces, answered events
    same(ccmon, base + ["queue.log.gz"], res.out_dir)
    cut = same(ccmon, base + ["--until", "2026-11-03T08:40:00",
                              "queue.log"], res.out_dir)
    assert 0 < cut["inputs"][0]["lines"] < len(lines)
    same(ccmon, list(res.options) + ["--config", conf] + list(res.argv),
         res.out_dir)

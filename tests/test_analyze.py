# SPDX-License-Identifier: ISC
"""End-to-end tests of `ccmon analyze`.

The logs come from genlog.py, whose expected results are derived from the
analysis rules by a reference evaluator (not from ccmon's output), and from
hand-written samples in tests/fixtures/ whose expected JSON was worked out
by hand.  Every ccmon run has a timeout.
"""
import gzip
import json
import os
import random
import re
import shutil
import subprocess
import time

import pytest

import genlog

TIMEOUT = 120  # seconds, per ccmon run


# --------------------------------------------------------------------------
# helpers


def run(ccmon, args, cwd=None, timeout=TIMEOUT):
    return subprocess.run([ccmon, "analyze"] + list(args), cwd=cwd,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=timeout)


def analyze(ccmon, res, extra=(), files=None, options=None):
    args = ["--json"] + list(res.options if options is None else options) + \
        list(extra) + \
        list(files if files is not None else res.argv)
    p = run(ccmon, args, cwd=res.out_dir)
    assert p.returncode == 0, "ccmon %s -> exit %d\nstderr: %s" % (
        " ".join(args), p.returncode, p.stderr.decode(errors="replace"))
    try:
        return json.loads(p.stdout)
    except ValueError as e:
        pytest.fail("ccmon --json printed invalid JSON (%s): %r" %
                    (e, p.stdout[:400]))


def diff(exp, act, path="$", out=None):
    """Differences between the expected and actual documents.  Keys the
    expectation lacks are allowed in the actual document; numbers ending
    in _s are compared to the millisecond."""
    if out is None:
        out = []
    if isinstance(exp, dict):
        if not isinstance(act, dict):
            out.append("%s: expected an object, got %r" % (path, act))
            return out
        for k, v in exp.items():
            if k not in act:
                out.append("%s.%s: missing (expected %r)" % (path, k, v))
            else:
                diff(v, act[k], "%s.%s" % (path, k), out)
    elif isinstance(exp, list):
        if not isinstance(act, list):
            out.append("%s: expected a list, got %r" % (path, act))
            return out
        if len(exp) != len(act):
            out.append("%s: %d entries expected, got %d" %
                       (path, len(exp), len(act)))
        for i, (e, a) in enumerate(zip(exp, act)):
            diff(e, a, "%s[%d]" % (path, i), out)
    elif isinstance(exp, bool) or exp is None or isinstance(exp, str):
        if exp != act or type(exp) is not type(act):
            out.append("%s: expected %r, got %r" % (path, exp, act))
    elif isinstance(exp, (int, float)):
        if isinstance(act, bool) or not isinstance(act, (int, float)):
            out.append("%s: expected %r, got %r" % (path, exp, act))
        elif path.endswith("_s"):
            if abs(exp - act) > 0.0005:
                out.append("%s: expected %r, got %r" % (path, exp, act))
        elif exp != act:
            out.append("%s: expected %r, got %r" % (path, exp, act))
    else:
        raise TypeError(type(exp))
    return out


def brief(doc):
    """A compact view of a document's incidents, for failure messages."""
    return "\n".join("  #%s %s %s..%s %s%s %s:%s" % (
        i.get("id"), i.get("component"), i.get("start"), i.get("end"),
        i.get("cause"), " OPEN" if i.get("open") else "", i.get("file"),
        i.get("line")) for i in doc.get("incidents", []))


def assert_same(expected, actual, what=""):
    d = diff(expected, actual)
    if d:
        msg = "%s: %d difference(s)\n%s" % (what, len(d), "\n".join(d[:40]))
        msg += "\nexpected incidents:\n%s\nactual incidents:\n%s" % (
            brief(expected), brief(actual))
        pytest.fail(msg)


def gen(tmp_path_factory, **kw):
    d = tmp_path_factory.mktemp("log")
    return genlog.generate(str(d), **kw)


def check(ccmon, res, what):
    assert_same(res.expected, analyze(ccmon, res), what)


# --------------------------------------------------------------------------
# generated logs, compared with the reference expectation in full

SHAPES = list(genlog.SHAPES)


@pytest.mark.parametrize("shape", SHAPES)
def test_single_file(ccmon, tmp_path_factory, shape):
    res = gen(tmp_path_factory, seed=11, shape=shape)
    check(ccmon, res, "single %s file" % shape)


@pytest.mark.parametrize("shape", SHAPES)
def test_rotated_set_with_gz(ccmon, tmp_path_factory, shape):
    """Four files, some gzipped, named out of time order and passed in
    name order: ccmon must order them by their first timestamp."""
    res = gen(tmp_path_factory, seed=12, shape=shape, files=4, gz=True)
    assert res.argv != [p for p, _ in res.files]
    assert any(p.endswith(".gz") for p in res.argv)
    check(ccmon, res, "rotated %s set" % shape)


@pytest.mark.parametrize("shape", SHAPES)
def test_single_gz_file(ccmon, tmp_path_factory, shape):
    res = gen(tmp_path_factory, seed=13, shape=shape, gz=True)
    check(ccmon, res, "single gzipped %s file" % shape)


@pytest.mark.parametrize("shape,files", [
    ("trace", 1), ("trace", 3), ("trace", 5), ("syslog", 1), ("syslog", 3),
    ("log4j", 2), ("iso8601", 3), ("expressway", 2)])
def test_midnight(ccmon, tmp_path_factory, shape, files):
    """The log crosses midnight (syslog: New Year's Eve).  Time-only and
    yearless shapes take the date/year from each file's mtime."""
    res = gen(tmp_path_factory, seed=14 + files, shape=shape, files=files,
              gz=files > 2, midnight=True)
    days = {it.t // 86400000 for _, _, it in res.all_items()}
    assert len(days) == 2, "scenario does not cross midnight"
    check(ccmon, res, "%s crossing midnight, %d file(s)" % (shape, files))


@pytest.mark.parametrize("shape", SHAPES)
def test_crlf(ccmon, tmp_path_factory, shape):
    res = gen(tmp_path_factory, seed=15, shape=shape, files=2, gz=True,
              crlf=True)
    check(ccmon, res, "%s with CRLF endings" % shape)


@pytest.mark.parametrize("shape", SHAPES)
def test_nasty_lines(ccmon, tmp_path_factory, shape):
    """NUL bytes, invalid UTF-8, a 2 MiB line holding component messages
    (skipped whole: counted overlong, nothing recognised), a 600 KB line
    that is a real component message, a last line without newline."""
    res = gen(tmp_path_factory, seed=16, shape=shape, files=2, nasty=True)
    assert sum(i["overlong"] for i in res.expected["inputs"]) == 1
    check(ccmon, res, "%s with nasty lines" % shape)


@pytest.mark.parametrize("shape", SHAPES)
def test_nasty_crlf_gz(ccmon, tmp_path_factory, shape):
    res = gen(tmp_path_factory, seed=17, shape=shape, files=3, gz=True,
              crlf=True, nasty=True)
    check(ccmon, res, "%s nasty+CRLF+gz" % shape)


def test_date_option(ccmon, tmp_path_factory):
    """--date dates time-only files; the mtimes are deliberately wrong
    (2030) and must not matter."""
    res = gen(tmp_path_factory, seed=18, shape="trace", files=3, gz=True,
              date=True)
    assert res.options[0] == "--date"
    check(ccmon, res, "trace with --date")
    # Without --date the (wrong) mtimes date the files: proves that the
    # option is what made the dates right.
    plain = analyze(ccmon, res, options=[])
    assert [i["first"][:10] for i in plain["inputs"]] == \
        ["2030-06-15"] * 3, plain["inputs"]


def test_date_option_crossing_midnight(ccmon, tmp_path_factory):
    """--date names the first line's day; the clock then runs on across the
    files (given in time order), rolling over at midnight between files or
    inside one."""
    res = gen(tmp_path_factory, seed=19, shape="trace", files=4, gz=True,
              date=True, midnight=True)
    check(ccmon, res, "trace with --date across midnight")


def test_date_single_file_midnight(ccmon, tmp_path_factory):
    res = gen(tmp_path_factory, seed=20, shape="trace", date=True,
              midnight=True)
    check(ccmon, res, "single trace file with --date across midnight")


def test_paths_as_given(ccmon, tmp_path_factory):
    """file/path fields are the paths exactly as given: absolute here."""
    res = gen(tmp_path_factory, seed=21, shape="log4j", files=3, gz=True)
    absolute = {p: os.path.join(res.out_dir, p) for p in res.argv}
    text = json.dumps(res.expected)
    for rel, ab in absolute.items():
        text = text.replace('"%s"' % rel, json.dumps(ab))
    expected = json.loads(text)
    actual = analyze(ccmon, res, files=[absolute[p] for p in res.argv])
    assert_same(expected, actual, "absolute paths")


@pytest.mark.parametrize("seed", range(100, 116))
def test_random_variants(ccmon, tmp_path_factory, seed):
    """A spread of random shapes and options, one scenario per seed."""
    r = random.Random(seed)
    kw = dict(shape=r.choice(SHAPES), files=r.choice([1, 1, 2, 3, 5]),
              crlf=r.random() < 0.3, midnight=r.random() < 0.3,
              ncomp=r.randint(2, 8))
    kw["gz"] = r.random() < 0.5
    if kw["shape"] == "trace" and r.random() < 0.4:
        kw["date"] = True
    res = gen(tmp_path_factory, seed=seed, **kw)
    check(ccmon, res, "variant %r" % kw)


# --------------------------------------------------------------------------
# --since / --until


def pick_window(res):
    """since/until between lines (1 ms after one, with no line at that ms),
    or None when the scenario has none.
    The cut must not fall just before an auth deadline: ccmon's clock may end
    at the last line read or at --until, so no CONNECTED may have its
    deadline between the two."""
    items = [it for _, _, it in res.all_items() if not it.overlong]
    times = sorted({it.t for it in items})
    tset = set(times)
    deadlines = {it.t + genlog.AUTH_TIMEOUT_MS for it in items
                 if it.ev is not None and it.ev.kind == "state" and
                 it.ev.state == "connected"}

    def free(t):
        return t + 1 not in tset

    n = len(times)
    since = None
    for i in range(n * 25 // 100, n * 45 // 100):
        if free(times[i]):
            since = times[i] + 1
            break
    if since is None:
        return None
    for i in range(n * 90 // 100, n * 50 // 100, -1):
        last, until = times[i], times[i] + 1
        if not free(last) or until <= since:
            continue
        if any(last < d <= until + 1000 for d in deadlines):
            continue
        return since, until
    return None


WINDOW_SEEDS = range(22, 42)


def scenario_with_window(tmp_path_factory, **kw):
    """The first of the seeded scenarios WINDOW_SEEDS that has a clean
    window (deterministic: the same one every run), with its window."""
    for seed in WINDOW_SEEDS:
        res = gen(tmp_path_factory, seed=seed, **kw)
        window = pick_window(res)
        if window:
            return res, window
    pytest.fail("none of the scenarios of seeds %d..%d has a clean "
                "--since/--until window (%r)"
                % (WINDOW_SEEDS[0], WINDOW_SEEDS[-1], kw))


@pytest.mark.parametrize("shape,files,date", [
    ("log4j", 1, False), ("iso8601", 3, False), ("trace", 3, True),
    ("expressway", 2, False)])
def test_since_until(ccmon, tmp_path_factory, shape, files, date):
    res, (since, until) = scenario_with_window(
        tmp_path_factory, shape=shape, files=files, gz=True, date=date)
    exp = res.evaluate(since=since, until=until)
    act = analyze(ccmon, res, extra=["--since", genlog.iso_time(since),
                                     "--until", genlog.iso_time(until)])
    what = "window %s..%s" % (genlog.iso_time(since), genlog.iso_time(until))
    # Components (state at the cut, listed transitions only from --since),
    # endpoints (everything read up to --until) compare in full.
    assert_same({"components": exp["components"],
                 "endpoints": exp["endpoints"]}, act, what)
    for tr in (t for c in act["components"] for t in c["transitions"]):
        assert genlog.iso_time(since) <= tr["time"] <= \
            genlog.iso_time(until), tr
    # Incidents overlapping the window.  Ids are engine-wide, so only their
    # order is checked; an incident still open at the cut is open, and its
    # duration runs to the last line read or to --until.
    ids = [i.get("id") for i in act["incidents"]]
    assert ids == sorted(ids), ids
    strip = [{k: v for k, v in i.items() if k not in ("id", "duration_s")}
             for i in exp["incidents"]]
    assert_same({"incidents": strip}, act, what + " incidents")
    last = max(it.t for _, _, it in res.all_items()
               if it.t <= until and not it.overlong)
    for e, a in zip(exp["incidents"], act["incidents"]):
        if not e["open"]:
            assert abs(a["duration_s"] - e["duration_s"]) < 0.0005, (e, a)
        else:
            lo = e["duration_s"] - 0.0005
            hi = e["duration_s"] + (until - last) / 1000.0 + 0.0005
            assert lo <= a["duration_s"] <= hi, (e, a)


def test_since_only_lists_later_transitions(ccmon, tmp_path_factory):
    res = gen(tmp_path_factory, seed=23, shape="log4j", files=2)
    items = sorted({it.t for _, _, it in res.all_items()})
    since = items[len(items) // 2] + 1
    while since in items:
        since += 1
    exp = res.evaluate(since=since)
    act = analyze(ccmon, res, extra=["--since", genlog.iso_time(since)])
    assert_same({"components": exp["components"],
                 "endpoints": exp["endpoints"]}, act, "--since")
    strip = [{k: v for k, v in i.items() if k != "id"}
             for i in exp["incidents"]]
    assert_same({"incidents": strip}, act, "--since incidents")


# --------------------------------------------------------------------------
# hand-written inline logs: auth timeout rules


AUTH_LOG = """\
2026-11-03 08:00:00,000 INFO  [router] mio - Connecting on fd 22 to host '10.0.0.1', port 7999
2026-11-03 08:00:00,010 INFO  [router] router - Component op-a.example-com is CONNECTED
2026-11-03 08:00:10,009 INFO  [router] router - Component op-a.example-com is ACTIVE
2026-11-03 08:01:00,000 INFO  [router] mio - Connecting on fd 23 to host '10.0.0.2', port 7999
2026-11-03 08:01:00,000 INFO  [router] router - Component op-b.example-com is CONNECTED
2026-11-03 08:01:10,000 INFO  [router] router - Component op-b.example-com is ACTIVE
2026-11-03 08:02:00,000 INFO  [router] mio - Connecting on fd 24 to host '10.0.0.3', port 7999
2026-11-03 08:02:00,500 INFO  [router] router - Component op-c.example-com is CONNECTED
2026-11-03 08:02:20,500 INFO  [router] router - Component op-c.example-com is ACTIVE
2026-11-03 08:03:00,000 INFO  [router] router - statistics
"""


def causes(doc):
    return {i["component"]: (i["cause"], i["duration_s"])
            for i in doc["incidents"]}


@pytest.mark.parametrize("opt,c_cause", [
    ([], "auth"), (["--auth-timeout", "30s"], None),
    (["--auth-timeout", "19s"], "auth"), (["--auth-timeout", "1m"], None),
    (["--auth-timeout", "20500ms"], None)],
    ids=lambda v: (" ".join(v) or "default") if isinstance(v, list) else
    str(v))
def test_auth_timeout(ccmon, tmp_path, opt, c_cause):
    """op-a: ACTIVE 9.999 s after CONNECTED (in time), op-b: exactly 10.000 s
    (the timeout fires first: too late), op-c: 20 s.  First seen
    CONNECTED, a component is down only once auth_timeout passes without
    ACTIVE (issue 11 item 2), and then from the CONNECTED on."""
    (tmp_path / "auth.log").write_text(AUTH_LOG)
    p = run(ccmon, ["--json"] + opt + ["auth.log"], cwd=str(tmp_path))
    assert p.returncode == 0, p.stderr
    got = causes(json.loads(p.stdout))
    if c_cause is None:
        assert "op-c.example-com" not in got
    else:
        assert got["op-c.example-com"] == (c_cause, 20.0)
    if not opt:
        assert "op-a.example-com" not in got
        assert got["op-b.example-com"] == ("auth", 10.0)


@pytest.mark.parametrize("conf,opt,c_cause", [
    ("30s", [], None), ("19s", [], "auth"), ("30s", ["--auth-timeout", "19s"],
                                            "auth")],
    ids=["config-30s", "config-19s", "option-wins"])
def test_auth_timeout_from_config(ccmon, tmp_path, conf, opt, c_cause):
    """With --config, the incidents use the configuration's auth_timeout,
    as the live agent (and the alarms listed beside them) do; an explicit
    --auth-timeout wins."""
    (tmp_path / "auth.log").write_text(AUTH_LOG)
    (tmp_path / "ccmon.conf").write_text(
        "[agent]\nlog = /dev/null\nnode = example.com\n"
        "auth_timeout = %s\n" % conf)
    p = run(ccmon, ["--json", "--config", "ccmon.conf"] + opt + ["auth.log"],
            cwd=str(tmp_path))
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    got = causes(doc)
    if c_cause is None:
        assert "op-c.example-com" not in got
    else:
        assert got["op-c.example-com"] == (c_cause, 20.0)
    if not opt:
        # the alarms come from the same judgement (op-c is configured
        # nowhere: its failure is told as unknown-components)
        assert bool(doc["alarms"]) == (c_cause is not None), doc["alarms"]


# --------------------------------------------------------------------------
# exit status


def test_missing_file(ccmon, tmp_path):
    p = run(ccmon, ["--json", "no-such-rtr-jsm-1.log"], cwd=str(tmp_path))
    assert p.returncode == 1, (p.returncode, p.stderr)
    assert b"no-such-rtr-jsm-1.log" in p.stderr


def test_missing_among_good_files(ccmon, tmp_path_factory):
    res = gen(tmp_path_factory, seed=24, shape="log4j", files=2)
    p = run(ccmon, ["--json"] + res.argv + ["gone-away.log.gz"],
            cwd=res.out_dir)
    assert p.returncode == 1, (p.returncode, p.stderr)
    assert b"gone-away.log.gz" in p.stderr


def test_directory_is_unreadable(ccmon, tmp_path):
    (tmp_path / "logdir").mkdir()
    p = run(ccmon, ["--json", "logdir"], cwd=str(tmp_path))
    assert p.returncode == 1, (p.returncode, p.stderr)
    assert b"logdir" in p.stderr


def test_corrupt_gzip(ccmon, tmp_path):
    good = gzip.compress(b"2026-11-03 08:00:00,000 INFO  [r] r - hello\n" *
                         2000)
    (tmp_path / "rtr-jsm-1_000007.log.gz").write_bytes(good[:len(good) // 2])
    p = run(ccmon, ["--json", "rtr-jsm-1_000007.log.gz"], cwd=str(tmp_path))
    assert p.returncode == 1, (p.returncode, p.stderr)
    assert b"rtr-jsm-1_000007.log.gz" in p.stderr


@pytest.mark.parametrize("args", [
    [], ["--json"], ["--bogus-option", "x.log"], ["--date", "2026-13-01",
                                                   "x.log"],
    ["--date", "03/11/2026", "x.log"], ["--date", "2026-02-30", "x.log"],
    ["--date", "", "x.log"], ["--since", "yesterday", "x.log"],
    ["--until", "2026-11-03T25:00", "x.log"], ["--auth-timeout", "soon",
                                               "x.log"]],
    ids=lambda a: " ".join(a) or "no-args")
def test_usage_errors(ccmon, tmp_path, args):
    (tmp_path / "x.log").write_text(
        "2026-11-03 08:00:00,000 INFO  [r] r - hello\n")
    p = run(ccmon, args, cwd=str(tmp_path))
    assert p.returncode == 2, (p.returncode, p.stdout[:200], p.stderr)
    assert p.stderr, "a usage error should say something on stderr"


# --------------------------------------------------------------------------
# text output


@pytest.mark.parametrize("shape", ["trace", "expressway"])
def test_text_output(ccmon, tmp_path_factory, shape):
    res = gen(tmp_path_factory, seed=26, shape=shape, files=3, gz=True)
    p = run(ccmon, res.options + res.argv, cwd=res.out_dir)
    assert p.returncode == 0, p.stderr
    out = p.stdout.decode("utf-8", errors="replace")
    for c in res.expected["components"]:
        assert c["name"] in out, c["name"]
    for cause in {i["cause"] for i in res.expected["incidents"]}:
        assert re.search(r"\b%s\b" % cause, out), cause
    assert not out.lstrip().startswith("{"), "text mode printed JSON"


# --------------------------------------------------------------------------
# hand-written samples ("logs it has never seen")

FIXTURES = [
    # (log file, options, mtime to set or None)
    ("imp-rtr-jsm-1_000431.log", ["--date", "2026-03-14"], None),
    ("imp-rtr-jsm-1_000431.log", [], (2026, 3, 15, 0, 3, 5)),
    ("expressway-xcp-router.log", [], None),
    ("imp-log4j-ethwall.log", [], None),
]


@pytest.mark.parametrize("name,opts,mtime", FIXTURES,
                         ids=lambda v: v if isinstance(v, str) else
                         ("mtime" if isinstance(v, tuple) else
                          (" ".join(v) if v else "-")))
def test_fixture(ccmon, fixtures_dir, tmp_path, name, opts, mtime):
    src = os.path.join(fixtures_dir, name)
    shutil.copyfile(src, str(tmp_path / name))
    if mtime:
        secs = time.mktime(tuple(mtime) + (0, 0, -1))
        os.utime(str(tmp_path / name), (secs, secs))
    base = name.rsplit(".", 1)[0]
    with open(os.path.join(fixtures_dir, base + ".expected.json")) as f:
        expected = json.load(f)
    p = run(ccmon, ["--json"] + opts + [name], cwd=str(tmp_path))
    assert p.returncode == 0, p.stderr
    assert_same(expected, json.loads(p.stdout), name)


# --------------------------------------------------------------------------
# The generator checked on its own (no ccmon needed): its files must say
# what its expectation claims, read back by an independent parser.

RECOGNIZE = re.compile(
    rb"Component [^\s\"']+ is (?:CONNECTED|ACTIVE|GONE)\b"
    rb"|Connecting on fd \d{1,9} to host '[^']*', port \d{1,5}\b"
    rb"|Unable to connect to host '[^']*', port \d{1,5} ?:\(\d{1,9}\)"
    rb"|Failed to connect to component [^\s\"']+"
    rb"|Bouncing packet intended for [^\s\"'<>]+")

TS = {
    "trace": re.compile(rb"^(\d\d):(\d\d):(\d\d)\.(\d\d\d) \|"),
    "log4j": re.compile(rb"^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d),(\d{3}) "),
    "expressway": re.compile(
        rb'UTCTime="(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d),(\d{3})"'),
    "iso8601": re.compile(rb"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.(\d{3})"),
    "syslog": re.compile(rb"^([A-Z][a-z]{2}) ([ \d]\d) (\d\d):(\d\d):(\d\d) "),
}


def read_back(path, shape, date=None, prev_last=None):
    """Lines, recognised count, overlong count, first and last time (ms) of
    one file, dated by the rules (mtime, or --date / the previous file)."""
    with open(path, "rb") as f:
        data = f.read()
    if path.endswith(".gz"):
        data = gzip.decompress(data)
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    mt = time.localtime(os.stat(path).st_mtime)
    mt_ms = genlog.civil_ms(mt.tm_year, mt.tm_mon, mt.tm_mday, mt.tm_hour,
                            mt.tm_min, mt.tm_sec)
    rec = over = 0
    first = last = None
    day = year = None
    for ln in lines:
        if len(ln) > genlog.MAX_LINE:
            over += 1
            continue
        if ln.endswith(b"\r"):
            ln = ln[:-1]
        if RECOGNIZE.search(ln):
            rec += 1
        m = TS[shape].search(ln)
        if not m:
            continue
        g = m.groups()
        if shape == "trace":
            tod = ((int(g[0]) * 60 + int(g[1])) * 60 + int(g[2])) * 1000 + \
                int(g[3])
            if day is None:
                if prev_last is not None:
                    day = prev_last // 86400000
                    if tod < prev_last % 86400000 - 12 * 3600000:
                        day += 1
                elif date is not None:
                    day = date // 86400000
                else:
                    day = mt_ms // 86400000
                    if tod > mt_ms % 86400000 + 999:
                        day -= 1
            elif tod < last % 86400000 - 12 * 3600000:
                day += 1
            t = day * 86400000 + tod
        elif shape == "syslog":
            mon = genlog.MONTHS.index(g[0].decode()) + 1
            dd = int(g[1])
            if year is None:
                year = mt.tm_year
                if (mon, dd) > (mt.tm_mon, mt.tm_mday):
                    year -= 1
            t = genlog.civil_ms(year, mon, dd, int(g[2]), int(g[3]),
                                int(g[4]))
            if last is not None and t < last - 180 * 86400000:
                year += 1
                t = genlog.civil_ms(year, mon, dd, int(g[2]), int(g[3]),
                                    int(g[4]))
        else:
            t = genlog.civil_ms(*[int(x) for x in g])
        if first is None:
            first = t
        last = t
    return len(lines), rec, over, first, last


@pytest.mark.parametrize("kw", [
    dict(shape=s, files=f, gz=g, midnight=m, crlf=c, nasty=n, date=d)
    for s in SHAPES
    for (f, g, m, c, n, d) in [(1, False, False, False, False, False),
                               (3, True, True, False, False, False),
                               (2, True, False, True, True, False)] +
    ([(3, True, False, False, False, True), (4, True, True, False, False,
                                             True)] if s == "trace" else [])],
    ids=lambda kw: "-".join(k if v is True else str(v) for k, v in kw.items()
                            if v))
def test_generator_reads_back(tmp_path_factory, kw):
    res = gen(tmp_path_factory, seed=31, **kw)
    date = None
    if res.options:
        y, mo, d = (int(x) for x in res.options[1].split("-"))
        date = genlog.civil_ms(y, mo, d)
    prev_last = None
    firsts = []
    for inp in res.expected["inputs"]:
        path = os.path.join(res.out_dir, inp["path"])
        n, rec, over, first, last = read_back(
            path, kw["shape"], date=date,
            prev_last=prev_last if date is not None else None)
        prev_last = last
        assert (n, rec, over) == (inp["lines"], inp["recognized"],
                                  inp["overlong"]), inp["path"]
        assert genlog.iso_time(first) == inp["first"], inp["path"]
        assert genlog.iso_time(last) == inp["last"], inp["path"]
        firsts.append(first)
    assert firsts == sorted(firsts)
    # The expectation's own invariants.
    exp = res.expected
    names = [c["name"] for c in exp["components"]]
    assert names == sorted(names)
    assert [i["id"] for i in exp["incidents"]] == \
        list(range(1, len(exp["incidents"]) + 1))
    starts = [i["start"] for i in exp["incidents"]]
    assert starts == sorted(starts)
    for c in exp["components"]:
        n_inc = sum(1 for i in exp["incidents"] if i["component"] == c["name"])
        assert c["incidents"] == n_inc
        down = sum(i["duration_s"] for i in exp["incidents"]
                   if i["component"] == c["name"] and not i["open"])
        assert abs(down - c["downtime_s"]) < 0.0005
        prev = "unknown"
        for tr in c["transitions"]:
            assert tr["from"] == prev and tr["state"] != prev
            prev = tr["state"]
        assert prev == c["state"]
    for i in exp["incidents"]:
        assert (i["end"] is None) == i["open"]
    eps = [(e["host"], e["port"]) for e in exp["endpoints"]]
    assert eps == sorted(eps)
    # Every cause and an open incident occur across the parametrisation;
    # here at least one incident each.
    assert exp["incidents"]


def test_generator_covers_all_causes(tmp_path_factory):
    seen = set()
    for seed in range(1, 15):
        res = gen(tmp_path_factory, seed=seed, shape="log4j")
        seen |= {(i["cause"], i["open"]) for i in res.expected["incidents"]}
    assert seen == {(c, o) for c in ("refused", "timeout", "unreachable",
                                     "auth", "lost")
                    for o in (False, True)}, seen


def test_generator_is_deterministic(tmp_path_factory):
    a = gen(tmp_path_factory, seed=5, shape="syslog", files=3, gz=True)
    b = gen(tmp_path_factory, seed=5, shape="syslog", files=3, gz=True)
    assert a.expected == b.expected and a.argv == b.argv
    for (pa, _), (pb, _) in zip(a.files, b.files):
        with open(os.path.join(a.out_dir, pa), "rb") as fa, \
                open(os.path.join(b.out_dir, pb), "rb") as fb:
            da, db = fa.read(), fb.read()
        if pa.endswith(".gz"):
            da, db = gzip.decompress(da), gzip.decompress(db)
        assert da == db


# --------------------------------------------------------------------------
# --config: what users suffered (the live agent's impact model at log time)

IMPACT_CONF = """[agent]
log = /var/log/x/rtr-jsm-1_*.log
node = imp1.example.com
[server cs1]
host = 10.53.52.205
port = 7999
probe = none
[server cs2]
host = 10.53.52.206
port = 7999
probe = none
profile = Logging
[server cs3]
host = 10.53.52.207
port = 7999
probe = none
profile = Logging
[profile Logging]
jsm = es_IN:message:bounce, es_OUT:message:bounce
"""

IMPACT_LOG = """\
08:00:00.000 |info  router Component op-cs1.imp1-example-com is ACTIVE
08:00:00.000 |info  router Component op-cs2.imp1-example-com is ACTIVE
08:00:00.000 |info  router Component op-cs3.imp1-example-com is ACTIVE
08:10:00.120 |info  router Component op-cs1.imp1-example-com is GONE
08:20:31.004 |info  router Component op-cs1.imp1-example-com is ACTIVE
08:30:00.000 |info  router Component op-cs2.imp1-example-com is GONE
08:30:00.500 |info  mio Connecting on fd 22 to host '10.53.52.206', port 7999
08:30:00.600 |error mio Unable to connect to host '10.53.52.206', port 7999:(111) Connection refused
08:40:00.000 |info  router Component op-cs3.imp1-example-com is GONE
08:41:00.000 |debug jsm heartbeat
"""


def impact_doc(ccmon, tmp_path, extra=()):
    (tmp_path / "ccmon.conf").write_text(IMPACT_CONF)
    (tmp_path / "rtr.log").write_text(IMPACT_LOG)
    r = run(ccmon, ["--json", "--date", "2026-11-03", "--config",
                    str(tmp_path / "ccmon.conf")] + list(extra) +
            [str(tmp_path / "rtr.log")])
    assert r.returncode == 0, r.stderr.decode()
    return json.loads(r.stdout)


def brief_impact(doc):
    return [(i["kind"], i["node"], i["start"][11:], i["end"] and
             i["end"][11:], i["servers"],
             [(p["time"][11:], p["phase"]) for p in i["phase_changes"]])
            for i in doc["impact"]]


def test_config_impact(ccmon, tmp_path):
    """cs1 (default profile, alone) lost silently: IM and group chat
    blocked, queueing for 5 min, then bounced at once; cs2 of a balanced
    pair refuses (graceful): its share is re-routed at once, no impact;
    cs3, the pair's last server, lost silently: IM blocked for everyone,
    queueing (cs3's window) until the log ends."""
    doc = impact_doc(ccmon, tmp_path)
    assert doc["config"].endswith("ccmon.conf")
    got = brief_impact(doc)
    assert got == [
        ("messaging-blocked", "cluster", "08:10:00.120", "08:20:31.004",
         ["cs1"], [("08:10:00.120", "queueing"),
                   ("08:15:00.120", "immediate-bounce")]),
        ("group-chat-blocked", "cluster", "08:10:00.120", "08:20:31.004",
         ["cs1"], [("08:10:00.120", "queueing"),
                   ("08:15:00.120", "immediate-bounce")]),
        ("messaging-blocked", "cluster", "08:40:00.000", None,
         ["cs2", "cs3"], [("08:40:00.000", "queueing")]),
    ], json.dumps(doc["impact"], indent=1)
    assert doc["impact"][2]["open"] is True
    assert doc["impact"][2]["profiles"] == ["Logging"]
    assert doc["impact"][2]["duration_s"] == 60.0
    # the model's delay: queueing for the 5 min window, then bounced at
    # once; the last still queueing when the log ends
    assert [i["delayed_s"] for i in doc["impact"]] == [300.0, 300.0, 60.0]
    # the vendor's columns (doc/domain.md "Situations and their impact"):
    # the default profile waits for logins too (cs1, ungraceful: delayed,
    # unlogged); Logging only for messages
    everything = ["im-blocked", "group-chat-blocked", "logins-delayed",
                  "logins-unlogged"]
    assert [i["effects"] for i in doc["impact"]] == \
        [everything, everything, ["im-blocked"]], doc["impact"]


def test_config_impact_refused_late_is_graceful_from_the_gone(ccmon,
                                                              tmp_path):
    """The router's first reconnect is refused 29.6 s after the GONE: the
    loss was graceful from the GONE on (bounced at once), not 29.6 s of
    queueing; logins were never delayed."""
    (tmp_path / "ccmon.conf").write_text(IMPACT_CONF)
    (tmp_path / "rtr.log").write_text("""\
08:00:00.000 |info  router Component op-cs1.imp1-example-com is ACTIVE
08:10:00.000 |info  router Component op-cs1.imp1-example-com is GONE
08:10:29.600 |info  mio Connecting on fd 22 to host '10.53.52.205', port 7999
08:10:29.601 |error mio Unable to connect to host '10.53.52.205', port 7999:(111) Connection refused
08:11:00.000 |info  router Component op-cs1.imp1-example-com is ACTIVE
""")
    r = run(ccmon, ["--json", "--date", "2026-11-03", "--config",
                    str(tmp_path / "ccmon.conf"), str(tmp_path / "rtr.log")])
    assert r.returncode == 0, r.stderr.decode()
    doc = json.loads(r.stdout)
    assert brief_impact(doc) == [
        ("messaging-blocked", "cluster", "08:10:00.000", "08:11:00.000",
         ["cs1"], [("08:10:00.000", "immediate-bounce")]),
        ("group-chat-blocked", "cluster", "08:10:00.000", "08:11:00.000",
         ["cs1"], [("08:10:00.000", "immediate-bounce")]),
    ], json.dumps(doc["impact"], indent=1)
    assert [i["delayed_s"] for i in doc["impact"]] == [0.0, 0.0]
    assert doc["impact"][0]["effects"] == \
        ["im-blocked", "group-chat-blocked", "logins-unlogged"]


def test_config_impact_window_and_text(ccmon, tmp_path):
    doc = impact_doc(ccmon, tmp_path, ["--since", "2026-11-03 08:25"])
    assert [i["start"][11:] for i in doc["impact"]] == ["08:40:00.000"]
    r = run(ccmon, ["--date", "2026-11-03", "--config",
                    str(tmp_path / "ccmon.conf"), str(tmp_path / "rtr.log")])
    out = r.stdout.decode()
    assert r.returncode == 0, r.stderr.decode()
    assert "\nImpact (by the profiles of " in out
    assert "2026-11-03T08:10:00.120 queueing, 2026-11-03T08:15:00.120 " \
        "immediate-bounce" in out, out
    assert "(still at the end)" in out
    assert "    effects: im-blocked, group-chat-blocked, logins-delayed, " \
        "logins-unlogged\n" in out, out


def test_config_invalid_is_a_usage_error(ccmon, tmp_path):
    (tmp_path / "bad.conf").write_text("[agent]\nnode = bad node!\n")
    (tmp_path / "rtr.log").write_text(IMPACT_LOG)
    r = run(ccmon, ["--config", str(tmp_path / "bad.conf"),
                    str(tmp_path / "rtr.log")])
    assert r.returncode == 2
    err = r.stderr.decode()
    assert "bad.conf:2: error:" in err and "[node-name]" in err, err


# ---- --config: what the NOC would have received ---------------------------

# Holds and a rate limit that a few minutes of log exercise: raise after
# 2 s, clear after 10 s, no flap damping, 2 messages a minute per alarm
# (ccmon.conf(5)); a profile nobody waits for, so that only the component
# alarm is in play; no log-silent (0).
NOC_CONF = """[agent]
log = /var/log/x/rtr-jsm-1_*.log
node = imp1.example.com
alarm_raise_hold = 2s
alarm_clear_hold = 10s
flap_window = 0s
alarm_rate_limit = 2/m
log_silent_after = 0
[server cs1]
host = 10.53.52.205
port = 7999
probe = none
profile = DiscoOnly
[profile DiscoOnly]
jsm = e_DISCOFEAT:iq:pass
"""

NOC_LOG = """\
08:00:00.000 |info  router Component op-cs1.imp1-example-com is ACTIVE
08:00:10.000 |info  router Component op-cs1.imp1-example-com is GONE
08:00:11.000 |info  router Component op-cs1.imp1-example-com is ACTIVE
08:01:00.000 |info  router Component op-cs1.imp1-example-com is GONE
08:01:30.000 |info  router Component op-cs1.imp1-example-com is ACTIVE
08:01:41.000 |info  router Component op-cs1.imp1-example-com is GONE
08:01:45.000 |info  router Component op-cs1.imp1-example-com is ACTIVE
08:03:30.000 |info  router Component op-cs1.imp1-example-com is GONE
08:04:00.000 |debug jsm heartbeat
"""

NOC_COMP = "op-cs1.imp1-example-com"


def noc_run(ccmon, tmp_path, opts):
    (tmp_path / "ccmon.conf").write_text(NOC_CONF)
    (tmp_path / "rtr.log").write_text(NOC_LOG)
    r = run(ccmon, opts + ["--date", "2026-11-03", "--config",
                           str(tmp_path / "ccmon.conf"),
                           str(tmp_path / "rtr.log")])
    assert r.returncode == 0, r.stderr.decode()
    return r.stdout.decode()


def test_config_alarms_replay_the_live_policy(ccmon, tmp_path):
    """The 1 s blip stays under the 2 s raise hold: nothing sent.  The
    08:01:00 loss is raised at 08:01:02 and cleared 10 s after its end
    (08:01:40).  The 08:01:41 loss is due at 08:01:43, but the two
    messages of the last minute (08:01:02, 08:01:40) hold it until
    08:02:02; its clear (08:01:55) catches up first: neither is sent, the
    raise is listed as suppressed.  The 08:03:30 loss is raised at
    08:03:32, still raised at the end, and its text counts the withheld
    pair."""
    doc = json.loads(noc_run(ccmon, tmp_path, ["--json"]))
    assert doc["schema"] == "ccmon.analysis/2"
    got = [(a["id"], a["type"], a["resource"], a["start"][11:],
            a["end"] and a["end"][11:], a["suppressed"], a["changes"])
           for a in doc["alarms"]]
    assert got == [
        (1, "component-down", NOC_COMP, "08:01:02.000", "08:01:40.000",
         False, []),
        (None, "component-down", NOC_COMP, "08:01:43.000", "08:01:55.000",
         True, []),
        (2, "component-down", NOC_COMP, "08:03:32.000", None, False, []),
    ], json.dumps(doc["alarms"], indent=1)
    assert all(a["start"].startswith("2026-11-03T") for a in doc["alarms"])
    assert NOC_COMP in doc["alarms"][0]["text"]
    assert "1 raise/clear pair withheld by the rate limit" in \
        doc["alarms"][2]["text"], doc["alarms"][2]["text"]
    assert "withheld" not in doc["alarms"][0]["text"]
    # one severity per alarm, a name of the four
    assert {a["severity"] for a in doc["alarms"]} <= \
        {"critical", "major", "minor", "warning"}


def test_config_alarms_window(ccmon, tmp_path):
    """--since keeps the alarms raised in the window or still raised in
    it; --until those raised before it ends."""
    doc = json.loads(noc_run(ccmon, tmp_path,
                             ["--json", "--since", "2026-11-03 08:01:50"]))
    assert [(a["id"], a["start"][11:]) for a in doc["alarms"]] == \
        [(None, "08:01:43.000"), (2, "08:03:32.000")]
    doc = json.loads(noc_run(ccmon, tmp_path,
                             ["--json", "--until", "2026-11-03 08:01:42"]))
    assert [(a["id"], a["start"][11:]) for a in doc["alarms"]] == \
        [(1, "08:01:02.000")]


def test_config_alarms_text_and_html(ccmon, tmp_path):
    out = noc_run(ccmon, tmp_path, ["--html", str(tmp_path / "r.html")])
    section = out.split("\nWhat the NOC received", 1)
    assert len(section) == 2, out
    lines = section[1].splitlines()[1:]
    assert lines[0].startswith(
        "  2026-11-03T08:01:02.000 .. 2026-11-03T08:01:40.000  #1 ")
    assert "component-down %s: " % NOC_COMP in lines[0]
    assert lines[1].startswith(
        "  2026-11-03T08:01:43.000 .. 2026-11-03T08:01:55.000  "
        "(not sent: rate limit) ")
    assert lines[2].startswith(
        "  2026-11-03T08:03:32.000 .. (still raised)  #2 ")
    assert len(lines) == 3, section[1]
    html = (tmp_path / "r.html").read_text()
    table = html.split('<section id="alarms">', 1)[1].split("</section>")[0]
    assert "<h2>What the NOC received</h2>" in table
    assert table.count('<tr data-alarm="component-down"') == 3
    assert table.count('class="suppressed"') == 1
    assert "2026-11-03 08:03:32.000</td><td>(still raised)" in table


# ---- queue latency ---------------------------------------------------------

BOUNCE_LOG = """\
08:00:00.000 |info  router Component op-cs1.imp1-example-com is ACTIVE
08:10:00.000 |info  router Component op-cs1.imp1-example-com is GONE
08:10:30.000 |error router Bouncing packet intended for op-cs1.imp1-example-com. External Server Error
08:10:31.500 |error router Bouncing packet intended for OP-CS1.imp1-example-com
08:10:45.000 |info  jsm Sending event 7 to op-cs2.imp1-example-com
08:10:45.250 |info  jsm Answer to event 7 from op-cs2.imp1-example-com
08:10:46.000 |info  jsm Sending event 8 to op-cs2.imp1-example-com
08:10:49.000 |info  jsm Answer to event 8 from op-cs2.imp1-example-com
08:10:50.000 |info  jsm Answer to event 99 from op-cs2.imp1-example-com
08:11:00.000 |info  router Component op-cs1.imp1-example-com is ACTIVE
"""

LATENCY_CONF = """\
[agent]
log = /var/log/rtr-jsm-1_*.log
node = imp1.example.com
queue_wait = 20s
[server cs1]
host = 10.53.52.205
port = 7999
probe = none
[latency rtt]
start = Sending event (?<key>\\d+) to (?<component>\\S+)
end = Answer to event (?<key>\\d+) from (?<component>\\S+)
"""


def test_queue_latency_from_bounces(ccmon, tmp_path):
    """The built-in rule: each bounce is an event that waited 30 s; the
    name's case and trailing full stop do not make another component."""
    (tmp_path / "rtr.log").write_text(BOUNCE_LOG)
    r = run(ccmon, ["--json", "--date", "2026-11-03",
                    str(tmp_path / "rtr.log")])
    assert r.returncode == 0, r.stderr.decode()
    doc = json.loads(r.stdout)
    comps = {c["name"]: c for c in doc["components"]}
    assert list(comps) == ["op-cs1.imp1-example-com"], list(comps)
    q = comps["op-cs1.imp1-example-com"]["queue_latency"]
    assert (q["count"], q["mean_s"], q["p95_s"], q["max_s"]) == \
        (2, 30.0, 30.0, 30.0), q
    assert [(w["time"][11:], w["line"]) for w in q["waits"]] == \
        [("08:10:30.000", 3), ("08:10:31.500", 4)]
    assert doc["inputs"][0]["recognized"] == 5
    # the text report: a table, not a line per bounce in the timeline
    r = run(ccmon, ["--date", "2026-11-03", str(tmp_path / "rtr.log")])
    out = r.stdout.decode()
    assert "\nQueue latency (each wait: --json)\n" in out, out
    assert "Bouncing" not in out and "waited" not in out
    row = [ln for ln in out.splitlines()
           if ln.startswith("op-cs1.imp1-example-com") and "30.000s" in ln]
    assert len(row) == 1 and " 2 " in row[0], out


def test_queue_latency_configured_pairs(ccmon, tmp_path):
    """--config: its [latency] pair rule besides the built-in bounce, whose
    wait is then the configuration's queue_wait; an answer without its
    request is no wait."""
    (tmp_path / "ccmon.conf").write_text(LATENCY_CONF)
    (tmp_path / "rtr.log").write_text(BOUNCE_LOG)
    r = run(ccmon, ["--json", "--date", "2026-11-03", "--config",
                    str(tmp_path / "ccmon.conf"), str(tmp_path / "rtr.log")])
    assert r.returncode == 0, r.stderr.decode()
    doc = json.loads(r.stdout)
    comps = {c["name"]: c["queue_latency"] for c in doc["components"]}
    assert [w["wait_s"] for w in comps["op-cs2.imp1-example-com"]["waits"]] \
        == [0.25, 3.0]
    assert comps["op-cs2.imp1-example-com"]["p50_s"] == 0.25
    assert comps["op-cs2.imp1-example-com"]["p99_s"] == 3.0
    assert comps["op-cs1.imp1-example-com"]["max_s"] == 20.0
    # --since lists only the later waits
    r = run(ccmon, ["--json", "--date", "2026-11-03", "--since",
                    "2026-11-03 08:10:46", "--config",
                    str(tmp_path / "ccmon.conf"), str(tmp_path / "rtr.log")])
    doc = json.loads(r.stdout)
    comps = {c["name"]: c["queue_latency"] for c in doc["components"]}
    assert comps["op-cs2.imp1-example-com"]["count"] == 1
    assert comps["op-cs1.imp1-example-com"]["count"] == 0


def test_queue_latency_storm_listed_in_part(ccmon, tmp_path):
    """A storm of bounces: the figures cover all, the JSON lists the first
    10,000 and counts the rest."""
    n = 10005
    lines = ["08:00:00.000 |info router Component op-cs1.imp1-example-com "
             "is GONE"]
    for i in range(n):
        ms = 1000 + i * 10
        lines.append("08:%02d:%02d.%03d |warning router Bouncing packet "
                     "intended for op-cs1.imp1-example-com" % (
                         ms // 60000, ms // 1000 % 60, ms % 1000))
    (tmp_path / "rtr.log").write_text("\n".join(lines) + "\n")
    r = run(ccmon, ["--json", "--date", "2026-11-03",
                    str(tmp_path / "rtr.log")])
    assert r.returncode == 0, r.stderr.decode()
    q = json.loads(r.stdout)["components"][0]["queue_latency"]
    assert (q["count"], len(q["waits"]), q["waits_omitted"]) == \
        (n, 10000, 5)
    assert q["waits"][0]["line"] == 2 and q["waits"][-1]["line"] == 10001


def test_config_timeline_has_no_epoch_lines(ccmon, tmp_path):
    """The configured servers' endpoints are configuration, not log
    events: the text timeline shows no 1970 'connects to' line for them
    (issue 11 item 10)."""
    (tmp_path / "ccmon.conf").write_text(IMPACT_CONF)
    (tmp_path / "rtr.log").write_text(IMPACT_LOG)
    r = run(ccmon, ["--date", "2026-11-03", "--config",
                    str(tmp_path / "ccmon.conf"), str(tmp_path / "rtr.log")])
    out = r.stdout.decode()
    assert r.returncode == 0, r.stderr.decode()
    assert "1970-" not in out, out
    # what the log itself says is still listed
    assert "2026-11-03T08:10:00.120" in out, out


# --------------------------------------------------------------------------
# real lines, real disorder (issue 11 item 9)

# A multi-threaded router: the last line is 0.34 s earlier than the GONE.
DISORDER_LOG = """\
08:00:00.000 |info  router Component op-cs1.imp1-example-com is ACTIVE
08:10:00.500 |info  router Component op-cs1.imp1-example-com is GONE
08:10:00.161 |debug jsm heartbeat
"""


def test_disorder_no_negative_duration(ccmon, tmp_path):
    """The open incident lasts to the latest time seen, never less than
    zero; the input's range runs from the earliest to the latest time."""
    (tmp_path / "rtr.log").write_text(DISORDER_LOG)
    r = run(ccmon, ["--json", "--date", "2026-11-03",
                    str(tmp_path / "rtr.log")])
    assert r.returncode == 0, r.stderr.decode()
    doc = json.loads(r.stdout)
    inc, = doc["incidents"]
    assert inc["open"] and inc["duration_s"] == 0.0, inc
    inp, = doc["inputs"]
    assert inp["first"] == "2026-11-03T08:00:00.000", inp
    assert inp["last"] == "2026-11-03T08:10:00.500", inp
    r = run(ccmon, ["--date", "2026-11-03", str(tmp_path / "rtr.log")])
    out = r.stdout.decode()
    assert "-0." not in out, out


def test_disorder_range_earliest_first(ccmon, tmp_path):
    """A first line later than the next: the range starts at the
    earliest."""
    (tmp_path / "rtr.log").write_text(
        "08:00:00.400 |debug jsm heartbeat\n"
        "08:00:00.100 |info  router Component op-cs1.imp1-example-com is "
        "ACTIVE\n"
        "08:00:05.000 |debug jsm heartbeat\n")
    r = run(ccmon, ["--json", "--date", "2026-11-03",
                    str(tmp_path / "rtr.log")])
    assert r.returncode == 0, r.stderr.decode()
    inp, = json.loads(r.stdout)["inputs"]
    assert inp["first"] == "2026-11-03T08:00:00.100", inp
    assert inp["last"] == "2026-11-03T08:00:05.000", inp


# Expressway: another thread writes "Failed to connect to component" in the
# same millisecond as (or just after) the failure of the connect.
EXPRESSWAY_FAIL_LOG = """\
xwayc XCP_JABBERD[23843]: UTCTime="2014-03-25 17:19:45,843" Module="Jabber" Level="INFO " CodeLocation="mio.c:1109" Detail="Connecting on fd 28 to host '10.48.36.171', port 7400"
xwayc XCP_JABBERD[23843]: UTCTime="2014-03-25 17:19:45,844" Module="Jabber" Level="ERROR" CodeLocation="mio.c:1121" Detail=" Unable to connect to host '10.48.36.171', port 7400 :(113) No route to host"
xwayc XCP_JABBERD[23843]: UTCTime="2014-03-25 17:19:45,844" Module="Jabber" Level="ERROR" CodeLocation= "base_connection.cpp:104" Detail=" Failed to connect to component jabberd-port-1.expresswayc-vngtp-lab"
xwayc XCP_JABBERD[23843]: UTCTime="2014-03-25 17:20:00,000" Module="Jabber" Level="INFO " CodeLocation="router.c:401" Detail="statistics"
"""


def test_expressway_failed_binds_endpoint(ccmon, tmp_path):
    (tmp_path / "x.log").write_text(EXPRESSWAY_FAIL_LOG)
    r = run(ccmon, ["--json", str(tmp_path / "x.log")])
    assert r.returncode == 0, r.stderr.decode()
    doc = json.loads(r.stdout)
    comp, = doc["components"]
    assert comp["endpoint"] == "10.48.36.171:7400", comp
    inc, = doc["incidents"]
    assert inc["cause"] == "unreachable", inc


# The vendor's own sequence (doc/domain.md "Causes of an outage"): the
# refusal comes before the GONE.
VENDOR_SEQUENCE_LOG = """\
08:00:00.000 |info  router Component op-cs1.imp1-example-com is ACTIVE
08:10:00.000 |info  mio Connecting on fd 22 to host '10.53.52.205', port 7999
08:10:00.001 |error mio Unable to connect to host '10.53.52.205', port 7999:(111) Connection refused
08:10:00.002 |info  router Component op-cs1.imp1-example-com is GONE
08:12:00.000 |debug jsm heartbeat
"""


@pytest.mark.parametrize("errno,reason,cause", [
    (111, "Connection refused", "refused"),
    (110, "Connection timed out", "timeout"),
    (113, "No route to host", "unreachable"),
    (101, "Network is unreachable", "unreachable")])
def test_vendor_sequence_cause(ccmon, tmp_path, errno, reason, cause):
    log = VENDOR_SEQUENCE_LOG.replace("(111) Connection refused",
                                      "(%d) %s" % (errno, reason))
    (tmp_path / "rtr.log").write_text(log)
    r = run(ccmon, ["--json", "--date", "2026-11-03",
                    str(tmp_path / "rtr.log")])
    assert r.returncode == 0, r.stderr.decode()
    inc, = json.loads(r.stdout)["incidents"]
    assert inc["cause"] == cause, inc
    assert inc["start"] == "2026-11-03T08:10:00.002", inc


def test_vendor_sequence_is_graceful(ccmon, tmp_path):
    """Refused before the GONE is graceful, as refused after it: cs2's
    share of the balanced pair moves at once, nobody waits."""
    (tmp_path / "ccmon.conf").write_text(IMPACT_CONF)
    (tmp_path / "rtr.log").write_text("""\
08:00:00.000 |info  router Component op-cs1.imp1-example-com is ACTIVE
08:00:00.000 |info  router Component op-cs2.imp1-example-com is ACTIVE
08:00:00.000 |info  router Component op-cs3.imp1-example-com is ACTIVE
08:30:00.000 |info  mio Connecting on fd 22 to host '10.53.52.206', port 7999
08:30:00.001 |error mio Unable to connect to host '10.53.52.206', port 7999:(111) Connection refused
08:30:00.002 |info  router Component op-cs2.imp1-example-com is GONE
08:31:00.000 |debug jsm heartbeat
""")
    r = run(ccmon, ["--json", "--date", "2026-11-03", "--config",
                    str(tmp_path / "ccmon.conf"), str(tmp_path / "rtr.log")])
    assert r.returncode == 0, r.stderr.decode()
    doc = json.loads(r.stdout)
    assert [i["cause"] for i in doc["incidents"]] == ["refused"]
    assert doc["impact"] == [], json.dumps(doc["impact"], indent=1)


# --------------------------------------------------------------------------
# router restarts (issue 11 item 2)

RESTART_LOG = """\
08:00:00.000 |info  router Component op-cs1.imp1-example-com is ACTIVE
08:00:00.010 |info  router Component op-cs2.imp1-example-com is ACTIVE
08:05:00.000 |debug jsm heartbeat
08:05:47.000 |info  router XCP Router starting
08:05:47.100 |info  mio Connecting on fd 22 to host '10.53.52.205', port 7999
08:05:47.110 |info  router Component op-cs1.imp1-example-com is CONNECTED
08:05:47.120 |info  mio Connecting on fd 23 to host '10.53.52.206', port 7999
08:05:47.125 |info  router Component op-cs2.imp1-example-com is CONNECTED
08:05:47.130 |info  router Component op-cs1.imp1-example-com is ACTIVE
08:05:47.135 |info  router Component op-cs2.imp1-example-com is ACTIVE
08:07:00.000 |debug jsm heartbeat
"""


def test_router_restart_one_incident_per_node(ccmon, tmp_path):
    """The log silent 47 s (every line counts: the heartbeat at 08:05:00
    ends the earlier quiet), then both components CONNECTED within
    restart_burst: one router-restart incident for the node spanning the
    silence, no incident per component."""
    (tmp_path / "rtr.log").write_text(RESTART_LOG)
    r = run(ccmon, ["--json", "--date", "2026-11-03",
                    str(tmp_path / "rtr.log")])
    assert r.returncode == 0, r.stderr.decode()
    doc = json.loads(r.stdout)
    assert [(i["component"], i["cause"], i["start"][11:], i["end"][11:],
             i["duration_s"], i["line"]) for i in doc["incidents"]] == [
        ("imp1-example-com", "router-restart", "08:05:00.000",
         "08:05:47.000", 47.0, 6)], doc["incidents"]
    assert [c["incidents"] for c in doc["components"]] == [0, 0]


def test_router_restart_configured(ccmon, tmp_path):
    """restart_silence 1m: a 47 s silence is no restart; nothing is down
    either (both ACTIVE within auth_timeout)."""
    (tmp_path / "ccmon.conf").write_text(
        IMPACT_CONF.replace("node = imp1.example.com\n",
                            "node = imp1.example.com\n"
                            "restart_silence = 1m\n"))
    (tmp_path / "rtr.log").write_text(RESTART_LOG)
    r = run(ccmon, ["--json", "--date", "2026-11-03", "--config",
                    str(tmp_path / "ccmon.conf"), str(tmp_path / "rtr.log")])
    assert r.returncode == 0, r.stderr.decode()
    doc = json.loads(r.stdout)
    assert doc["incidents"] == []
    assert doc["impact"] == []


def test_router_restart_with_config_no_impact(ccmon, tmp_path):
    """With the default restart_silence and --config: the restart is the
    node's incident; no impact interval for the CONNECTED -> ACTIVE of the
    burst (ACTIVE within auth_timeout)."""
    (tmp_path / "ccmon.conf").write_text(IMPACT_CONF)
    (tmp_path / "rtr.log").write_text(
        RESTART_LOG.replace("op-cs2", "op-cs3").replace(
            "08:00:00.010 |info  router Component op-cs3",
            "08:00:00.010 |info  router Component op-cs2.imp1-example-com "
            "is ACTIVE\n08:00:00.010 |info  router Component op-cs3"))
    r = run(ccmon, ["--json", "--date", "2026-11-03", "--config",
                    str(tmp_path / "ccmon.conf"), str(tmp_path / "rtr.log")])
    assert r.returncode == 0, r.stderr.decode()
    doc = json.loads(r.stdout)
    assert [i["cause"] for i in doc["incidents"]] == ["router-restart"]
    assert doc["impact"] == [], json.dumps(doc["impact"], indent=1)


def test_router_restart_across_files(ccmon, tmp_path):
    """The router starts a new file at its restart: the silence spans the
    two files, the restart is found all the same."""
    lines = RESTART_LOG.splitlines(True)
    (tmp_path / "rtr-jsm-1_000001.log").write_text("".join(lines[:3]))
    (tmp_path / "rtr-jsm-1_000002.log").write_text("".join(lines[3:]))
    r = run(ccmon, ["--json", "--date", "2026-11-03",
                    str(tmp_path / "rtr-jsm-1_000001.log"),
                    str(tmp_path / "rtr-jsm-1_000002.log")])
    assert r.returncode == 0, r.stderr.decode()
    doc = json.loads(r.stdout)
    assert [(i["component"], i["cause"], i["start"][11:], i["end"][11:])
            for i in doc["incidents"]] == [
        ("imp1-example-com", "router-restart", "08:05:00.000",
         "08:05:47.000")], doc["incidents"]

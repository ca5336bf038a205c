# SPDX-License-Identifier: ISC
"""End-to-end tests of `ccmon analyze --html`.

The reports come from the fixture logs, from a 24-hour log with hundreds
of transitions written here, from a log with hostile names and from the
impact scenario of test_analyze.py.  Each is parsed as XML (the report is
well-formed XHTML-compatible markup), checked to refer to nothing outside
itself, and compared with `--json` of the same run: the lanes, bands and
table rows must match the analysis.  Then headless Chromium renders it:
the DOM it dumps must hold the same lanes and bands, and the screenshot
must be a real picture.  Without Chromium those tests are skipped, saying
so; every subprocess has a timeout.

The report carries no namespace declaration: inline SVG in HTML needs
none, so the document contains no "http" at all and the test can demand
exactly that.
"""
import html.parser
import json
import os
import pathlib
import random
import re
import shutil
import signal
import subprocess
import xml.etree.ElementTree as ET

import pytest

from test_analyze import IMPACT_CONF, IMPACT_LOG

TIMEOUT = 120      # seconds, per ccmon run
RENDER_TIMEOUT = 90  # seconds, per Chromium run
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

FIXTURES = [
    ("imp-rtr-jsm-1_000431.log", ["--date", "2026-03-14"]),
    ("expressway-xcp-router.log", []),
    ("imp-log4j-ethwall.log", []),
]


# --------------------------------------------------------------------------
# helpers


def run(ccmon, args, cwd=None):
    return subprocess.run([ccmon, "analyze"] + list(args), cwd=cwd,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=TIMEOUT)


def report(ccmon, cwd, args):
    """Runs with --json and --html; returns (json doc, html text, path)."""
    out = os.path.join(str(cwd), "report.html")
    p = run(ccmon, ["--json", "--html", out] + list(args), cwd=str(cwd))
    assert p.returncode == 0, p.stderr.decode(errors="replace")
    with open(out, encoding="utf-8") as f:
        text = f.read()
    return json.loads(p.stdout), text, out


def parse(text):
    """The document as an XML tree: fails the test if ill-formed."""
    try:
        return ET.fromstring(text.split("\n", 1)[1])  # after <!DOCTYPE>
    except ET.ParseError as e:
        line = text.split("\n")[e.position[0] - 1]
        pytest.fail("report is not well-formed: %s\n%r" % (e, line))


def lanes(root):
    return [g for g in root.iter("g") if g.get("class") == "lane"]


def bands(root):
    return [r for r in root.iter("rect") if r.get("class") == "band"]


def check_document(doc, text):
    """What every report must be, against the JSON of the same run."""
    assert text.startswith("<!DOCTYPE html>\n")
    assert not re.search(r"https?:", text, re.I), \
        "the report refers outside itself"
    root = parse(text)
    for el in root.iter():
        for attr in ("href", "src", "xlink:href"):
            assert attr not in el.attrib, (el.tag, el.attrib)
        assert el.tag not in ("script", "link", "img", "iframe", "object")
    comps = [c["name"] for c in doc["components"]]
    got = [g.get("data-lane") for g in lanes(root)
           if g.get("data-kind") == "component"]
    assert got == comps
    assert sum(int(b.get("data-count")) for b in bands(root)) == \
        len(doc["incidents"])
    rows = [tr.get("data-incident") for tr in root.iter("tr")
            if tr.get("data-incident")]
    assert rows == [str(i["id"]) for i in doc["incidents"]]
    lines = [int(tr.get("data-lines")) for tr in root.iter("tr")
             if tr.get("data-lines")]
    assert lines == [i["lines"] for i in doc["inputs"]]
    # a queue-latency row for each component that had waits, as in JSON
    waited = [(c["name"], c["queue_latency"]["count"])
              for c in doc["components"] if c["queue_latency"]["count"]]
    got = [tuple("".join(td.itertext()) for td in tr.findall("td")[:2])
           for tr in root.iter("tr") if tr.get("data-queue-row")]
    assert got == [(n, str(k)) for n, k in waited], (got, waited)
    notice = root.find(".//p[@id='merge-notice']")
    assert notice is not None
    assert int(notice.get("data-lanes")) == len(lanes(root))
    return root


class DomCounter(html.parser.HTMLParser):
    """Lanes, bands and merged marks in the DOM Chromium dumped."""

    def __init__(self):
        super().__init__()
        self.lanes, self.bands, self.band_count = [], 0, 0
        self.scripts = 0
        self.svg = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script":
            self.scripts += 1
        if tag == "svg":
            self.svg += 1
        if tag == "g" and a.get("class") == "lane":
            self.lanes.append(a.get("data-lane"))
        if tag == "rect" and a.get("class") == "band":
            self.bands += 1
            self.band_count += int(a.get("data-count"))

    handle_startendtag = handle_starttag


def chromium(tmp_path, args, url):
    """Runs headless Chromium on url; returns its stdout.  Skips the test
    when Chromium is absent; kills its whole process group on timeout."""
    if not CHROMIUM:
        pytest.skip("chromium is not installed (Debian: apt-get install "
                    "chromium): the report is not rendered")
    profile = tmp_path / "chromium-profile"
    profile.mkdir(exist_ok=True)
    env = dict(os.environ, HOME=str(profile))
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
           "--disable-background-networking", "--no-first-run",
           "--user-data-dir=%s" % profile] + list(args) + [url]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=env, start_new_session=True)
    try:
        out, err = p.communicate(timeout=RENDER_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        pytest.fail("chromium did not finish within %ds" % RENDER_TIMEOUT)
    finally:
        try:
            os.killpg(p.pid, signal.SIGKILL)  # helpers it left behind
        except ProcessLookupError:
            pass
    assert p.returncode == 0, err.decode(errors="replace")[-2000:]
    return out


def render(tmp_path, path, doc):
    """The report through Chromium: DOM counts against the analysis, and
    a screenshot that is a real PNG of some size."""
    url = pathlib.Path(os.path.abspath(path)).as_uri()
    dom = chromium(tmp_path, ["--dump-dom"], url).decode("utf-8")
    c = DomCounter()
    c.feed(dom)
    assert c.svg == 1, "no timeline picture in the rendered page"
    assert c.scripts == 0, "a script element came out of the data"
    assert [n for n in c.lanes][:len(doc["components"])] == \
        [x["name"] for x in doc["components"]]
    assert c.band_count == len(doc["incidents"])
    png = tmp_path / "report.png"
    chromium(tmp_path, ["--screenshot=%s" % png, "--window-size=1400,900",
                        "--hide-scrollbars"], url)
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 20000, "the screenshot is nearly empty"
    return c


# --------------------------------------------------------------------------
# a 24-hour log with hundreds of transitions


def day_log(path, seed=6):
    """Six components over 24 h of 2026-11-03: each goes away many times
    (refused with retries every 10 s, lost, or stuck CONNECTED), and one
    flaps sixty times within two minutes.  Returns the number of
    transitions written."""
    rng = random.Random(seed)
    lines = []
    transitions = 0
    day = 24 * 3600 * 1000

    def line(t, text):
        h, rest = divmod(t, 3600000)
        m, rest = divmod(rest, 60000)
        s, ms = divmod(rest, 1000)
        lines.append((t, "%02d:%02d:%02d.%03d |info rtr-jsm-1.imp1 router %s"
                      % (h, m, s, ms, text)))

    for k in range(1, 7):
        name = "op-cs%d.imp1-example-com" % k
        host, port = "10.53.52.%d" % (200 + k), 7999
        line(1000 * k, "Connecting on fd 2%d to host '%s', port %d" %
             (k, host, port))
        line(1000 * k + 5, "Component %s is CONNECTED" % name)
        line(1000 * k + 300, "Component %s is ACTIVE" % name)
        transitions += 2
        t = 60000
        while True:
            t += rng.randint(15, 50) * 60000
            down = rng.randint(20, 900) * 1000
            if t + down + 60000 > day:
                break
            line(t, "Component %s is GONE" % name)
            transitions += 1
            cause = rng.choice(["refused", "lost", "auth"])
            if cause == "refused":
                for r in range(t + 2000, t + down, 10000):
                    line(r, "Connecting on fd 22 to host '%s', port %d" %
                         (host, port))
                    line(r + 3, "Unable to connect to host '%s', port %d:"
                         "(111) Connection refused" % (host, port))
            elif cause == "auth":
                line(t + 1000, "Connecting on fd 22 to host '%s', port %d" %
                     (host, port))
                line(t + 1005, "Component %s is CONNECTED" % name)
                transitions += 1
            line(t + down, "Connecting on fd 22 to host '%s', port %d" %
                 (host, port))
            line(t + down + 2, "Component %s is CONNECTED" % name)
            line(t + down + 400, "Component %s is ACTIVE" % name)
            transitions += 2 - (cause == "auth")
            t += down
    flap = "op-cs1.imp1-example-com"
    t = 13 * 3600000 + 7
    for i in range(60):
        line(t + i * 2000, "Component %s is GONE" % flap)
        line(t + i * 2000 + 900, "Component %s is ACTIVE" % flap)
    lines.sort(key=lambda x: x[0])
    with open(path, "w") as f:
        f.write("00:00:00.000 |info rtr-jsm-1.imp1 router started\n")
        for _, text in lines:
            f.write(text + "\n")
        f.write("23:59:59.999 |debug rtr-jsm-1.imp1 jsm heartbeat\n")
    return transitions


# --------------------------------------------------------------------------
# tests


@pytest.mark.parametrize("name,opts", FIXTURES, ids=[f[0] for f in FIXTURES])
def test_fixture_report(ccmon, fixtures_dir, tmp_path, name, opts):
    shutil.copyfile(os.path.join(fixtures_dir, name), str(tmp_path / name))
    doc, text, _ = report(ccmon, tmp_path, opts + [name])
    root = check_document(doc, text)
    assert doc["incidents"], "the fixtures all hold incidents"
    verdict = root.find(".//p[@id='verdict']")
    assert verdict is not None
    assert "%d incident" % len(doc["incidents"]) in "".join(verdict.itertext())
    cmd = "".join(root.find(".//pre[@id='command']").itertext())
    assert cmd.startswith("ccmon analyze --json --html ")
    assert cmd.endswith(" " + name)


def test_fixture_rendered(ccmon, fixtures_dir, tmp_path):
    name = "imp-rtr-jsm-1_000431.log"
    shutil.copyfile(os.path.join(fixtures_dir, name), str(tmp_path / name))
    doc, _, path = report(ccmon, tmp_path, ["--date", "2026-03-14", name])
    render(tmp_path, path, doc)


def test_day_log_merged_and_said(ccmon, tmp_path):
    n = day_log(str(tmp_path / "rtr-jsm-1_000100.log"))
    assert n >= 300, "the generated day has too few transitions: %d" % n
    doc, text, path = report(ccmon, tmp_path,
                             ["--date", "2026-11-03", "rtr-jsm-1_000100.log"])
    root = check_document(doc, text)
    assert sum(len(c["transitions"]) for c in doc["components"]) >= 300
    notice = root.find(".//p[@id='merge-notice']")
    merged = int(notice.get("data-merged-changes"))
    marks = int(notice.get("data-merged-marks"))
    assert marks > 0 and merged > marks
    said = "".join(notice.itertext())
    assert ("%d changes and connect lines" % merged) in said
    assert ("merged into %d hatched marks" % marks) in said
    drawn = [r for r in root.iter("rect") if r.get("class") == "merged"]
    assert len(drawn) == marks
    assert sum(int(r.get("data-merged")) for r in drawn) == merged
    # the sixty flaps of op-cs1 around 13:00 are not drawn one by one
    assert len([r for r in root.iter("rect")
                if r.get("class") == "seg"]) < 2 * n
    # the axis spans the day in whole hours
    ticks = ["".join(t.itertext()) for t in root.iter("text")
             if t.get("class") == "tick"]
    assert "00:00" in ticks and "12:00" in ticks, ticks
    render(tmp_path, path, doc)
    if os.environ.get("CCMON_KEEP_REPORT"):
        shutil.copy(str(tmp_path / "report.png"),
                    os.environ["CCMON_KEEP_REPORT"])


HOSTILE_LOG = """\
10:00:00.000 |info  router Component op-<script>alert(1)</script>&amp;x is ACTIVE
10:00:05.000 |info  router Component op-<script>alert(1)</script>&amp;x is GONE
10:00:06.000 |info  mio Connecting on fd 22 to host '"><img src=x onerror=alert(2)>', port 7999
10:00:06.010 |error mio Unable to connect to host '"><img src=x onerror=alert(2)>', port 7999:(111) Connection refused
10:00:30.000 |info  router Component op-plain.imp1-example-com is ACTIVE
10:01:00.000 |debug jsm heartbeat
"""


def test_hostile_names(ccmon, tmp_path):
    """Names from logs and paths from the command line carry markup and
    quotes: they come out as text, never as elements or attributes."""
    name = "it's \"<b>bold&amp;\".log"
    (tmp_path / name).write_text(HOSTILE_LOG)
    doc, text, path = report(ccmon, tmp_path, ["--date", "2026-11-03", name])
    root = check_document(doc, text)
    evil = "op-<script>alert(1)</script>&amp;x"
    assert evil in [c["name"] for c in doc["components"]]
    assert evil in [g.get("data-lane") for g in lanes(root)]
    assert not [e for e in root.iter() if e.tag in ("script", "img")]
    assert "bold&amp;" not in ["".join(b.itertext()) for b in root.iter("b")]
    assert "<script>" not in text and "<img" not in text
    inputs = root.find(".//table[@id='inputs']")
    assert name in ["".join(td.itertext()) for td in inputs.iter("td")]
    cmd = "".join(root.find(".//pre[@id='command']").itertext())
    assert cmd.endswith(" 'it'\\''s \"<b>bold&amp;\".log'"), cmd
    c = render(tmp_path, path, doc)
    assert evil in c.lanes


def test_config_impact_lanes(ccmon, tmp_path):
    """With --config: one lane per kind of impact and scope, its phases
    drawn and named; the summary says who was affected."""
    (tmp_path / "ccmon.conf").write_text(IMPACT_CONF)
    (tmp_path / "rtr.log").write_text(IMPACT_LOG)
    doc, text, path = report(ccmon, tmp_path,
                             ["--date", "2026-11-03", "--config", "ccmon.conf",
                              "rtr.log"])
    root = check_document(doc, text)
    got = [(g.get("data-impact"), g.get("data-scope")) for g in root.iter("g")
           if g.get("class") == "impact-lane"]
    assert got == [("messaging-blocked", "cluster"),
                   ("group-chat-blocked", "cluster")]
    phases = [r.get("data-phase") for r in root.iter("rect")
              if r.get("class") == "phase"]
    assert phases == ["queueing", "immediate-bounce", "queueing",
                      "queueing", "immediate-bounce"]
    rows = [tr.get("data-impact") for tr in root.iter("tr")
            if tr.get("data-impact")]
    assert rows == [i["kind"] for i in doc["impact"]]
    who = "".join(root.find(".//ul[@id='who-list']").itertext())
    assert "IM blocked for cluster" in who
    assert "messages bounced at once" in who
    # what users saw, by the vendor's columns (doc/domain.md "Situations
    # and their impact"), in the summary and the table
    assert "effects: im-blocked" in who, who
    cells = [td.text or "" for td in root.iter("td")
             if td.get("class") == "effects"]
    assert cells == [", ".join(i["effects"]) for i in doc["impact"]], cells
    assert all(cells), cells
    render(tmp_path, path, doc)


def test_stdout_text_kept_and_replace_whole(ccmon, fixtures_dir, tmp_path):
    """--html leaves the text report on stdout; the file is replaced whole
    and no temporary file is left beside it."""
    name = "expressway-xcp-router.log"
    shutil.copyfile(os.path.join(fixtures_dir, name), str(tmp_path / name))
    (tmp_path / "out.html").write_text("old")
    p = run(ccmon, ["--html", "out.html", name], cwd=str(tmp_path))
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith(b"Inputs\n")
    assert (tmp_path / "out.html").read_text().startswith("<!DOCTYPE html>")
    assert sorted(os.listdir(str(tmp_path))) == [name, "out.html"]
    mode = os.stat(str(tmp_path / "out.html")).st_mode & 0o777
    assert mode & 0o044, "the report is readable by the owner only"


def test_unwritable_target_named(ccmon, fixtures_dir, tmp_path):
    name = "expressway-xcp-router.log"
    shutil.copyfile(os.path.join(fixtures_dir, name), str(tmp_path / name))
    p = run(ccmon, ["--html", "no/such/dir/out.html", name],
            cwd=str(tmp_path))
    assert p.returncode == 1
    err = p.stderr.decode()
    assert "no/such/dir/out.html" in err and "No such file" in err, err
    p = run(ccmon, ["--html", "", name], cwd=str(tmp_path))
    assert p.returncode == 2

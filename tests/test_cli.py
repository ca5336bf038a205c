# SPDX-License-Identifier: ISC
"""The command line's rough edges (issue 15 item 5).

- `ccmon -h`, `ccmon --help`: the usage, exit 0; `ccmond --version` names
  ccmond;
- `ccmon analyze MISSING.log`: an error naming the file, no report;
- the progress line: forced by --progress (its final line always says how
  many files, bytes and lines were read), silenced by --quiet, absent by
  default when stderr is no terminal, present when it is one;
- where each input's date came from (--date, the file name, its own dated
  lines, the modification time) and the warning when a modification time
  cannot be the file's last write (doc/ccmon.1, analyze);
- every journal MESSAGE_ID of units/ccmon.catalog is in ccmond(8), and
  nothing else is;
- the unit made from units/ccmond.service.in keeps its comments as written.

Expected values come from ccmon(1), ccmond(8) and the catalog, not from
what the programs print.  Every run has a timeout; nothing waits on time.
"""
import json
import os
import pty
import re
import select
import subprocess
import time

import pytest

TIMEOUT = 60
SRCDIR = os.path.abspath(
    os.environ.get("top_srcdir")
    or os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run(argv, cwd=None, stderr=subprocess.PIPE):
    return subprocess.run(argv, cwd=cwd, stdout=subprocess.PIPE,
                          stderr=stderr, timeout=TIMEOUT)


def analyze(ccmon, args, cwd):
    return run([ccmon, "analyze"] + list(args), cwd=cwd)


def set_mtime(path, y, mo, d, h, mi, s=0):
    """The file's modification time, as local civil time (doc/ccmon.1)."""
    secs = time.mktime((y, mo, d, h, mi, s, 0, 0, -1))
    os.utime(str(path), (secs, secs))


def trace(path, times, mtime=None):
    """A router trace (time of day only), one line per "HH:MM:SS"."""
    path.write_text("".join("%s.000 |info rtr-jsm-1.host router line %d\n"
                            % (t, i) for i, t in enumerate(times)))
    if mtime:
        set_mtime(path, *mtime)
    return path


def doc(p):
    assert p.returncode == 0, p.stderr.decode(errors="replace")
    return json.loads(p.stdout)


# --------------------------------------------------------------------------
# help, version, a missing file


@pytest.mark.parametrize("opt", ["-h", "--help"])
def test_ccmon_help(ccmon, opt):
    p = run([ccmon, opt])
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith(b"usage: ccmon COMMAND"), p.stdout
    for cmd in (b"analyze", b"check-config", b"probe", b"status"):
        assert cmd in p.stdout


def test_ccmond_version(ccmon):
    ccmond = os.environ.get("CCMOND") or \
        os.path.join(os.path.dirname(ccmon), "ccmond")
    p = run([ccmond, "--version"])
    assert p.returncode == 0, p.stderr
    assert p.stdout.split()[0] == b"ccmond", p.stdout


@pytest.mark.parametrize("json_opt", [[], ["--json"]])
def test_missing_file_prints_no_report(ccmon, tmp_path, json_opt):
    p = analyze(ccmon, json_opt + ["MISSING.log"], cwd=str(tmp_path))
    assert p.returncode != 0
    assert p.stdout == b"", p.stdout
    assert b"MISSING.log" in p.stderr


# --------------------------------------------------------------------------
# the progress line


def two_inputs(tmp_path):
    """A plain and a gzip file; returns names, total bytes, total lines."""
    import gzip
    a = trace(tmp_path / "rtr-jsm-1_000001.log",
              ["10:00:%02d" % s for s in range(40)])
    b = tmp_path / "rtr-jsm-1_000002.log.gz"
    with gzip.open(str(b), "wb") as f:
        f.write(b"".join(b"10:01:%02d.000 |info x router y\n" % s
                         for s in range(25)))
    names = [a.name, b.name]
    size = sum(os.path.getsize(str(tmp_path / n)) for n in names)
    return names, size, 65


FINAL = re.compile(r"ccmon analyze: read (\d+) files?, (\d+) bytes, "
                   r"(\d+) lines? in \d+\.\d s \(.+/s\)$")


def test_progress_forced_ends_with_the_totals(ccmon, tmp_path):
    names, size, lines = two_inputs(tmp_path)
    p = analyze(ccmon, ["--progress", "--date", "2026-03-14"] + names,
                cwd=str(tmp_path))
    assert p.returncode == 0, p.stderr
    err = p.stderr.decode()
    assert err.endswith("\n")
    m = FINAL.match(err.splitlines()[-1])
    assert m, err
    assert (int(m.group(1)), int(m.group(2)), int(m.group(3))) == \
        (2, size, lines)
    assert p.stdout.startswith(b"Inputs\n")  # the report is untouched


def test_no_progress_when_stderr_is_not_a_terminal(ccmon, tmp_path):
    names, _, _ = two_inputs(tmp_path)
    p = analyze(ccmon, ["--date", "2026-03-14"] + names, cwd=str(tmp_path))
    assert p.returncode == 0
    assert p.stderr == b""


def test_quiet_wins_over_progress(ccmon, tmp_path):
    names, _, _ = two_inputs(tmp_path)
    p = analyze(ccmon, ["--progress", "--quiet", "--date", "2026-03-14"] +
                names, cwd=str(tmp_path))
    assert p.returncode == 0
    assert p.stderr == b""


def read_pty(master, proc):
    """All the child wrote to the terminal, up to its end (bounded)."""
    out = b""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        r, _, _ = select.select([master], [], [], 1.0)
        if not r:
            if proc.poll() is not None:
                break
            continue
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed its end
            break
        if not chunk:
            break
        out += chunk
    return out


def test_progress_by_default_on_a_terminal(ccmon, tmp_path):
    names, size, lines = two_inputs(tmp_path)
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen(
            [ccmon, "analyze", "--date", "2026-03-14"] + names,
            cwd=str(tmp_path), stdout=subprocess.DEVNULL, stderr=slave)
        os.close(slave)
        slave = None
        out = read_pty(master, proc)
        assert proc.wait(timeout=TIMEOUT) == 0
    finally:
        if slave is not None:
            os.close(slave)
        os.close(master)
    text = out.decode().replace("\r\n", "\n")
    final = text.rstrip("\n").split("\n")[-1].split("\r")[-1]
    final = final.replace("\x1b[K", "")
    m = FINAL.match(final)
    assert m, repr(text)
    assert (int(m.group(2)), int(m.group(3))) == (size, lines)


# --------------------------------------------------------------------------
# where the dates come from


def test_date_source_mtime(ccmon, tmp_path):
    trace(tmp_path / "rtr-jsm-1_000001.log", ["09:00:00", "09:30:00"],
          mtime=(2026, 3, 14, 9, 31))
    d = doc(analyze(ccmon, ["--json", "rtr-jsm-1_000001.log"],
                    cwd=str(tmp_path)))
    (i,) = d["inputs"]
    assert i["date_source"] == "mtime"
    assert i["date_suspect"] is False
    assert i["first"] == "2026-03-14T09:00:00.000"


def test_date_source_option_for_every_file(ccmon, tmp_path):
    trace(tmp_path / "rtr-jsm-1_000001.log", ["23:00:00", "23:59:00"],
          mtime=(2026, 1, 1, 0, 0))
    trace(tmp_path / "rtr-jsm-1_000002.log", ["00:01:00", "01:00:00"],
          mtime=(2026, 1, 1, 0, 0))
    d = doc(analyze(ccmon, ["--json", "--date", "2026-03-14",
                            "rtr-jsm-1_000001.log", "rtr-jsm-1_000002.log"],
                    cwd=str(tmp_path)))
    assert [i["date_source"] for i in d["inputs"]] == ["date-option"] * 2
    assert d["inputs"][1]["first"] == "2026-03-15T00:01:00.000"


@pytest.mark.parametrize("name", ["rtr-jsm-1_2026-03-14.log",
                                  "rtr-jsm-1_20260314_000001.log"])
def test_date_source_file_name(ccmon, tmp_path, name):
    # an mtime days later must not matter: the name says the date
    trace(tmp_path / name, ["23:50:00", "00:10:00"],
          mtime=(2026, 3, 20, 12, 0))
    p = analyze(ccmon, ["--json", name], cwd=str(tmp_path))
    (i,) = doc(p)["inputs"]
    assert i["date_source"] == "file-name"
    assert (i["first"], i["last"]) == ("2026-03-14T23:50:00.000",
                                       "2026-03-15T00:10:00.000")
    assert i["date_suspect"] is False
    assert p.stderr == b""


def test_sequence_number_is_no_date(ccmon, tmp_path):
    trace(tmp_path / "rtr-jsm-1_00012345.log", ["09:00:00"],
          mtime=(2026, 3, 14, 9, 1))
    (i,) = doc(analyze(ccmon, ["--json", "rtr-jsm-1_00012345.log"],
                       cwd=str(tmp_path)))["inputs"]
    assert i["date_source"] == "mtime"


@pytest.mark.parametrize("opts", [[], ["--date", "2020-01-01"]])
def test_date_source_dated_line(ccmon, tmp_path, opts):
    p = tmp_path / "router.log"
    p.write_text("2026-03-14 10:00:00,000 INFO a\n"
                 "2026-03-14 10:05:00,000 INFO b\n")
    set_mtime(p, 2026, 4, 1, 0, 0)  # copied long after: no matter
    r = analyze(ccmon, ["--json"] + opts + ["router.log"], cwd=str(tmp_path))
    (i,) = doc(r)["inputs"]
    assert i["date_source"] == "dated-line"
    assert i["date_suspect"] is False
    assert r.stderr == b""


def test_text_report_names_the_source(ccmon, tmp_path):
    trace(tmp_path / "rtr-jsm-1_000001.log", ["09:00:00"],
          mtime=(2026, 3, 14, 9, 1))
    p = analyze(ccmon, ["rtr-jsm-1_000001.log"], cwd=str(tmp_path))
    assert p.returncode == 0
    line = [ln for ln in p.stdout.decode().splitlines()
            if "rtr-jsm-1_000001.log" in ln][0]
    assert "date from mtime" in line
    assert "looks wrong" not in line


def syslog_copy(tmp_path):
    # the last line on March 14, the copy's mtime three days later
    p = tmp_path / "xcp-syslog.log"
    p.write_text("Mar 14 10:00:00 imp1 xcp: a\nMar 14 11:00:00 imp1 xcp: b\n")
    set_mtime(p, 2026, 3, 17, 12, 0)
    return p.name


def test_mtime_a_day_after_the_last_line_is_suspect(ccmon, tmp_path):
    name = syslog_copy(tmp_path)
    p = analyze(ccmon, ["--json", name], cwd=str(tmp_path))
    (i,) = doc(p)["inputs"]
    assert (i["date_source"], i["date_suspect"]) == ("mtime", True)
    assert i["last"] == "2026-03-14T11:00:00.000"
    err = p.stderr.decode()
    assert "warning" in err and name in err and "--date" in err
    t = analyze(ccmon, [name], cwd=str(tmp_path))
    assert t.returncode == 0
    assert "looks wrong" in t.stdout.decode()


def test_last_line_after_the_mtime_is_suspect(ccmon, tmp_path):
    # The first line (23:50) is before the mtime's 23:55, so it is dated on
    # March 14; the last (00:10) is then on March 15, after the mtime by
    # more than the clock's 10-minute slack: the file cannot have been last
    # written at its mtime.
    trace(tmp_path / "rtr-jsm-1_000001.log", ["23:50:00", "00:10:00"],
          mtime=(2026, 3, 14, 23, 55))
    p = analyze(ccmon, ["--json", "rtr-jsm-1_000001.log"], cwd=str(tmp_path))
    (i,) = doc(p)["inputs"]
    assert i["date_suspect"] is True
    assert b"warning" in p.stderr


def test_warning_does_not_need_progress(ccmon, tmp_path):
    name = syslog_copy(tmp_path)
    p = analyze(ccmon, ["--quiet", name], cwd=str(tmp_path))
    assert b"warning" in p.stderr  # --quiet silences progress, not warnings


# --------------------------------------------------------------------------
# the journal catalog and ccmond(8)


def catalog_entries():
    """{MESSAGE_ID: alarm name or None} from units/ccmon.catalog."""
    out = {}
    with open(os.path.join(SRCDIR, "units", "ccmon.catalog")) as f:
        text = f.read()
    for m in re.finditer(r"^-- ([0-9a-f]{32})\n(?:Subject: (.*))?", text,
                         re.M):
        name = re.match(r"Alarm ([a-z][a-z-]*) ", m.group(2) or "")
        out[m.group(1)] = name.group(1) if name else None
    return out


def man_message_ids():
    """{MESSAGE_ID: the name above it} from ccmond(8)'s MESSAGE_ID list."""
    with open(os.path.join(SRCDIR, "doc", "ccmond.8")) as f:
        lines = [ln.rstrip("\n") for ln in f]
    start = lines.index(".B MESSAGE_ID")
    end = next(i for i in range(start, len(lines)) if lines[i] == ".RE")
    out = {}
    for i in range(start, end):
        if re.fullmatch(r"[0-9a-f]{32}", lines[i]):
            out[lines[i]] = lines[i - 1].replace("\\-", "-")
    return out


def test_catalog_has_entries():
    assert len(catalog_entries()) >= 14  # the 14 alarm types of this round


def test_man_page_lists_every_catalog_message_id():
    cat, man = catalog_entries(), man_message_ids()
    assert sorted(set(cat) - set(man)) == [], "missing from ccmond(8)"
    assert sorted(set(man) - set(cat)) == [], "not in the catalog"
    for mid, name in cat.items():
        if name:
            assert man[mid] == name, (mid, man[mid], name)


# --------------------------------------------------------------------------
# the installed unit


def test_unit_comments_survive_the_substitution(ccmon):
    built = os.path.join(os.path.dirname(ccmon), "units", "ccmond.service")
    with open(os.path.join(SRCDIR, "units", "ccmond.service.in")) as f:
        src = f.read().splitlines()
    with open(built) as f:
        out = f.read().splitlines()
    assert len(src) == len(out)
    for a, b in zip(src, out):
        if a.startswith("#"):
            assert a == b
        else:
            assert not re.search(r"@[a-z]+@", b), b
    execs = [ln for ln in out if ln.startswith("ExecStart=")]
    assert execs and all(e.split("=", 1)[1].startswith("/") for e in execs)

#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Writes the seed corpora tests/fuzz/corpus/<target>/ from the fixtures,
and the inputs too slow to fuzz from that run.sh runs once
(tests/fuzz/regress/input/big-*).

    python3 tests/fuzz/gen_corpus.py [--check]

The seeds are committed; run this again after changing the fixtures or a
target's input layout (see the comment at the top of each fuzz_*.c).  The
output is deterministic (gzip without time stamps), so --check can tell
whether the committed seeds are current.  Total size is kept small: long
logs contribute their head only.
"""
import gzip
import hashlib
import json
import os
import struct
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.normpath(os.path.join(HERE, "..", ".."))
MAX_LOG = 6144  # bytes of a long log that make a seed


def read(rel, limit=None):
    with open(os.path.join(TOP, rel), "rb") as f:
        data = f.read()
    if limit is not None and len(data) > limit:
        data = data[: data.rfind(b"\n", 0, limit) + 1]
    return data


def logs():
    """(name, bytes) of the log fixtures and the example log's head."""
    out = []
    for name in sorted(os.listdir(os.path.join(TOP, "tests", "fixtures"))):
        if name.endswith(".log"):
            out.append((name[:-4], read(os.path.join("tests", "fixtures",
                                                      name))))
    out.append(("demo", read("doc/examples/rtr-jsm-1_demo.log", MAX_LOG)))
    return out


# One line of each timestamp shape and message kind, and the awkward ones.
SHAPES = b"".join([
    b"23:58:02.871 |info rtr-jsm-1 mio Connecting on fd 22 to host "
    b"'10.53.52.205', port 7999\n",
    b"2024-12-11 14:20:55,000 INFO  [XCPRouter] router.ComponentMgr - "
    b"Component op-imlog.imp2-example-com is ACTIVE\r\n",
    b"xwayc XCP_JABBERD[1]: UTCTime=\"2014-03-25 17:19:45,844\" "
    b"Detail=\" Unable to connect to host '10.48.36.171', port 7400 "
    b":(111) Connection refused\"\n",
    b"2026-11-03T00:00:01.123456+01:00 Failed to connect to component "
    b"op-cs1.imp1-example-com.\n",
    b"Nov  3 00:00:02 imp1 router: Component cs1 is GONE\n",
    b"Feb 29 12:00:00 leap day: Component x is CONNECTED\n",
    b"24:00:00.000 |info invalid time of day\n",
    b"no timestamp: Component y is ACTIVE\n",
    b"x" * 300 + b" Component long is GONE\n",
    b"00:00:01.000 |warn Bouncing packet intended for op-cs1.x-y.\n",
    b"00:00:01.500 |info send 7 to op-cs1.x-y\n",
    b"00:00:01.900 |info answer 7 from op-cs1.x-y: ok\n",
    b"00:00:00.001 |info after midnight: Component z is GONE",
])


def scanner_seeds():
    seeds = []
    # flags, small max_line - 1, split, basis, until line, until delta,
    # chunk seed
    heads = [
        (0x00, 255, 0, 0, 0, 0, 1),
        (0x08, 0, 100, 1795000000000, 3, 0, 2),
        (0x11, 63, 7, 1795000000000, 0, 0, 3),
        (0x16, 200, 333, 1795000000000, 2, 1, 4),
        (0x0d, 127, 50, 1395700000000, 5, -1, 5),
    ]
    # a line longer than the scanner's first partial-line buffer (4 KiB),
    # cut in the middle, under the default max_line
    seeds.append(("longline", struct.pack("<BBHqBbH", 0x08, 0, 2500, 0, 0,
                                          0, 6)
                  + SHAPES[:200] + b"Component long is GONE " * 220
                  + b"\n" + SHAPES[200:400]))
    contents = logs() + [("shapes", SHAPES)]
    i = 0
    for name, data in contents:
        for _ in range(2 if name != "shapes" else len(heads)):
            flags, ml, split, basis, ul, ud, cs = heads[i % len(heads)]
            i += 1
            hdr = struct.pack("<BBHqBbH", flags, ml, split, basis, ul, ud,
                              cs)
            seeds.append(("%s-%d" % (name, i), hdr + data))
    return seeds


def config_seeds():
    seeds = []
    cdir = os.path.join(TOP, "tests", "config")
    for name in sorted(os.listdir(cdir)):
        if name.endswith(".conf"):
            seeds.append((name[:-5], read(os.path.join("tests", "config",
                                                       name))))
    seeds.append(("example", read("doc/examples/ccmon.conf")))
    # a server name long enough that its derived component does not fit
    # a line libinih reads
    seeds.append(("long-name", b"[agent]\nlog = /var/log/x.log\n"
                  b"node = imp1.example.com\nmax_line = 1GiB\n"
                  b"[server " + b"n" * 190 + b"]\nhost = h\nport = 1\n"))
    seeds.append(("edge", b"\xef\xbb\xbf; BOM, indentation, comments\n"
                  b"[agent]\n  log = /var/log/a.log ; inline\n"
                  b"log: /var/log/b*.log.gz\nnode = imp1\n"
                  b"max_line = 1MiB\nalarm_rate_limit = 5/s\n"
                  b"auth_timeout = 1h30m250ms\n"
                  b"[server  cs1 ]\nhost = h\nport = 1\n"
                  b"profile = P1\nprobe = STREAM\nprobe_timeout = 500ms\n"
                  b"probe_interval = 1s\nsecret_file = /etc/ccmon/s\n"
                  b"[profile P1]\npriority = 2\n"
                  b"jsm = e_SESSION:iq:pass, e_SESSION:message:pass\n"
                  b"jsm = e_SESSION:presence:pass, "
                  b"e_SESSION:subscription:pass\n"
                  b"tc = onLeave:bounce:fire-and-forget\n"))
    return seeds


HDR_SQ = (b"<?xml version='1.0'?><stream:stream "
          b"xmlns:stream='http://etherx.jabber.org/streams' "
          b"xmlns='jabber:component:accept' from='op-cs1.imp1-example-com' "
          b"id='3BF96D32'>")
HDR_DQ = (b"<?xml version=\"1.0\"?>\n<stream:stream "
          b"xmlns:stream=\"http://etherx.jabber.org/streams\" "
          b"xmlns=\"jabber:component:accept\" id=\"c2s_234\" from=\"cs1\">")
NOT_AUTH = (b"<stream:error><not-authorized "
            b"xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>"
            b"</stream:stream>")


def xmpp_seeds():
    bodies = [
        HDR_SQ,
        HDR_SQ + b"<handshake/>",
        HDR_DQ + b"<handshake></handshake>",
        HDR_SQ + NOT_AUTH,
        HDR_DQ + b"</stream:stream>",
        HDR_SQ + b"<stream:error><text xml:lang='en'>x</text>"
        b"<host-unknown/>",
        HDR_SQ + b"<stream:features><x/></stream:features> <handshake/>",
        b"<s:stream xmlns:s='http://etherx.jabber.org/streams' id='z'>"
        b"<s:error><conflict/>",
        b"<stream xmlns='http://etherx.jabber.org/streams' id='u'></stream>",
        b"<stream:stream id='a&amp;b&#x41;&#66;&lt;&gt;&quot;&apos;"
        b"&#xe9;&#x1F600;' from=\"'\">",
        b"<stream:stream id='s'/>",
        b"<!-- hello --><stream:stream id='1'>",
        # past CCM_XS_MAX_INPUT without a final answer
        HDR_SQ + b"<message><body>x</body></message>" * 250,
    ]
    return [("s%02d" % i, struct.pack("<H", 7 * i + 3) + b)
            for i, b in enumerate(bodies)]


def gz(data, level=6, name=None):
    """gzip without a time stamp, so that the seeds are reproducible."""
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    body = c.compress(data) + c.flush()
    flg = 0x08 if name else 0
    head = struct.pack("<BBBBIBB", 0x1F, 0x8B, 8, flg, 0, 0, 3)
    if name:
        head += name + b"\0"
    return head + body + struct.pack("<II", zlib.crc32(data) & 0xFFFFFFFF,
                                     len(data) & 0xFFFFFFFF)


def input_seeds():
    seeds = []
    for name, data in logs()[:3] + [("shapes", SHAPES)]:
        # the file as is: plain, and gzip made here
        seeds.append((name + "-plain", bytes(7) + data))
        seeds.append((name + "-gz", bytes(7) + gz(data, 9, b"x.log")))
    # the harness compresses: level, two members, header fields, a cut
    # a byte flipped in the compressed stream
    for flags, a, b, ml, x in [(0x01 | 6 << 1, 0, 0, 0, 0),
                               (0x01 | 1 << 1 | 0x20 | 0x80, 200, 0, 16, 0),
                               (0x01 | 9 << 1 | 0x40, 0, 300, 0, 0),
                               (0x01 | 6 << 1 | 0x40, 0, 2000, 0, 0xC0)]:
        seeds.append(("harness-%02x-%02x" % (flags, x),
                      struct.pack("<BHHBB", flags, a, b, ml, x) + SHAPES))
    # two members and trailing garbage, made here
    seeds.append(("members", bytes(7) + gz(SHAPES[:200]) + gz(SHAPES[200:])
                  + b"trailing garbage\n"))
    return seeds


def jsonc(obj):
    """As json-c writes it with JSON_C_TO_STRING_PLAIN: no spaces, '/'
    escaped."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).replace(
        "/", "\\/").encode()


def state_doc():
    """What ccm_state_save wrote after a run of the real code (two files,
    alarms raised, one flapping, one cleared, notifications owed)."""
    log = "/var/log/cisco/rtr-jsm-1_*.log"
    cs1 = "op-cs1.imp1-example-com"
    cs2 = "op-cs2.imp1-example-com"

    def notice(state, nid, typ, restype, res, sev, text, time, since):
        return {"state": state, "id": nid, "type": typ,
                "resource_type": restype, "resource": res, "severity": sev,
                "text": text, "time": "2026-11-25T13:05:" + time,
                "since": "2026-11-25T13:05:" + since}

    return {
        "version": 1,
        "files": [
            {"path": "/var/log/cisco/rtr-jsm-1_00123.log", "dev": 2049,
             "ino": 1835021, "fp_len": 256, "fp_crc": 2621067746,
             "offset": 1048576, "line": 9123},
            {"path": "/var/log/cisco/rtr-jsm-1_00122.log.gz", "dev": 2049,
             "ino": 1835007, "fp_len": 31, "fp_crc": 12345, "offset": 0,
             "line": 0},
        ],
        "alarms": {"version": 1, "last_id": 4, "alarms": [
            {"type": "component-down", "resource": cs1, "id": 1,
             "severity": "critical", "since": 1795611907890,
             "raised_at": 1795611912890,
             "text": "Component " + cs1 + " is GONE", "flapping": False,
             "changes": 1},
            {"type": "auth-failure", "resource": cs2, "id": 4,
             "severity": "critical", "since": 1795611918890,
             "raised_at": 1795611921390,
             "text": "CONNECTED, not ACTIVE after 10s", "flapping": True,
             "changes": 8},
            {"type": "probe-failing", "resource": "10.53.52.205:7999",
             "id": 2, "severity": "major", "since": 1795611908890,
             "raised_at": 1795611913890, "text": "connection refused",
             "flapping": False, "changes": 1},
        ]},
        "notifications": [
            notice("raised", 1, "component-down", "component", cs1,
                   "critical", "Component " + cs1 + " is GONE", "12.890",
                   "07.890"),
            notice("raised", 2, "probe-failing", "server",
                   "10.53.52.205:7999", "major", "connection refused",
                   "13.890", "08.890"),
            notice("raised", 3, "log-silent", "log", log, "minor",
                   "The router log has stopped growing", "14.890", "09.890"),
            notice("raised", 4, "auth-failure", "component", cs2, "critical",
                   "CONNECTED, not ACTIVE after 10s; flapping: 6 changes in "
                   "2.500s", "21.390", "18.890"),
            notice("cleared", 3, "log-silent", "log", log, "minor",
                   "lines again; the condition lasted 19.000s", "58.890",
                   "09.890"),
        ],
    }


def state_seeds():
    full = state_doc()
    one = dict(full, files=full["files"][:1])
    no_alarms = {k: v for k, v in full.items() if k != "alarms"}
    no_notes = {k: v for k, v in full.items() if k != "notifications"}
    # what a newer version may write, and what an older one never would
    edge_alarms = full["alarms"]["alarms"] + [
        {"type": "future-type", "resource": "x", "id": 9},
        {"type": "logging-lost", "resource": "imp1.example.com", "id": 3,
         "severity": "major", "since": 1795611907890,
         "raised_at": 1795611907890, "flapping": False},
        {"type": "component-down", "resource": full["alarms"]["alarms"][0]
         ["resource"], "id": 5, "since": 0, "raised_at": 0},
        {"type": "log-unreadable", "resource": "/var/log/\u00e9t\u00e9.log",
         "id": 2 ** 53, "severity": "bogus", "since": 2 ** 53,
         "raised_at": -(2 ** 53), "text": "tab\there\u0000cut \u00e9" * 3,
         "changes": 0},
    ]
    # past the queue's bound (16)
    edge_notes = full["notifications"][3:] + [
        {"state": "raised", "id": i, "type": "log-silent",
         "resource_type": "log", "resource": "/l", "severity": "minor",
         "time": "2026-11-25T13:05", "since": "2026-11-25"}
        for i in range(10, 22)] + [
        {"state": "raised", "id": 7, "type": "endpoint-refused",
         "resource_type": "server", "resource": "cs1", "severity": "major",
         "time": "0000-01-01T00:00:00.000", "since": "9999-12-31 23:59"},
        {"state": "raised", "id": 11, "type": "messaging-blocked",
         "resource_type": "scope", "resource": "cluster",
         "severity": "critical", "time": "2026-11-25T13:06",
         "since": "2026-11-25T13:05:59.5"},
        {"state": "raised", "id": 8, "type": "endpoint-refused",
         "resource_type": "server", "resource": "cs1", "severity": "major",
         "time": "2026-02-29T00:00", "since": "2026-11-25"},
    ]
    edge = {"version": 1, "files": [], "notifications": edge_notes,
            "alarms": {"version": 1, "last_id": 3, "alarms": edge_alarms}}
    return [("full", jsonc(full)), ("one-file", jsonc(one)),
            ("no-alarms", jsonc(no_alarms)),
            ("no-notifications", jsonc(no_notes)),
            ("first-run", jsonc({"version": 1, "files": []})),
            ("edge", jsonc(edge))]


SNMP_ROOT = [1, 3, 6, 1, 4, 1, 8072, 9999, 9999, 42]


def snmp_oid_seeds():
    """Flags (bit 0: the root in front, bits 1-3: the source), then the
    sub-ids, 4 bytes each (fuzz_snmp_oid.c)."""
    def oid(flags, subs):
        return struct.pack("<B%dI" % len(subs), flags, *subs)

    def key(s):
        return [len(s)] + list(s)

    under = [
        ("root", 1, []),
        ("version", 1, [1, 1, 1, 0]),
        ("last-line-time", 1, [1, 1, 7, 0]),
        ("sent", 1, [1, 1, 11, 0]),
        ("past-scalars", 1, [1, 1, 12, 0]),
        ("scalar-object", 1, [1, 1, 1]),
        ("comp-name-zz", 1, [1, 2, 1, 2] + key(b"zz.x")),
        ("comp-state-cs1", 1, [1, 2, 1, 4] + key(b"op-cs1.imp1")),
        ("comp-unicode", 1, [1, 2, 1, 3] + key(b"op-\xc3\x9cnic\xc3\xb6de.imp1")),
        ("comp-key-max", 1, [1, 2, 1, 16] + key(b"k" * 96)),
        ("comp-key-col", 1, [1, 2, 1, 1] + key(b"zz.x")),
        ("comp-entry", 1, [1, 2, 1]),
        ("alarm-type-1", 1, [1, 3, 1, 2, 1]),
        ("alarm-text-3", 1, [1, 3, 1, 8, 3]),
        ("alarm-gap", 1, [1, 3, 1, 5, 2]),
        ("alarm-last", 1, [1, 3, 1, 10, 3, 0]),
        ("notify", 1, [1, 4, 1, 0]),
        ("notifications", 1, [0, 1]),
        ("engine-only", 3, [1, 2, 1, 2] + key(b"op-cs2.imp1-example-com")),
        ("config-only", 5, [1, 3, 1, 2, 1]),
        ("big-ids", 9, [1, 3, 1, 8, 0xFFFFFFFF]),
        ("big-ids-dup", 9, [1, 3, 1, 3, 7]),
        ("nothing", 7, [1, 1, 8, 0]),
        ("long", 1, [1, 2, 1, 2] + [200] * 114),
    ]
    seeds = [(n, oid(f, s)) for n, f, s in under]
    seeds += [("empty", oid(0, [])), ("zero", oid(0, [0])),
              ("internet", oid(0, [1, 3, 6, 1])),
              ("playpen-43", oid(0, SNMP_ROOT[:-1] + [43])),
              ("past-all", oid(0, [2])),
              ("max-sub", oid(0, [0xFFFFFFFF] * 3))]
    return seeds


def once_inputs():
    """Inputs run once by run.sh (tests/fuzz/regress/input), not fuzzed
    from: files of megabytes would slow the fuzzer tenfold.  Repeated to
    1.1 MiB and gzipped at level 1 (zlib's buffer and the 1 MiB read
    chunk); repeated past 4 MiB, plain (the probe's limit)."""
    return [("big-1.1MiB-gzip", struct.pack("<BHHBB", 0x01 | 1 << 1, 0, 0, 0,
                                            0xBD) + SHAPES),
            ("big-past-probe-limit", struct.pack("<BHHBB", 0, 0, 0, 64, 0xBF)
             + SHAPES)]


def main():
    check = "--check" in sys.argv[1:]
    want = {
        "scanner": scanner_seeds(),
        "config": config_seeds(),
        "xmpp_stream": xmpp_seeds(),
        "input": input_seeds(),
        "state": state_seeds(),
        "snmp_oid": snmp_oid_seeds(),
    }
    stale = False
    total = 0
    for target, seeds in want.items():
        d = os.path.join(HERE, "corpus", target)
        os.makedirs(d, exist_ok=True)
        names = set()
        for name, data in seeds:
            fn = "%s-%s" % (name, hashlib.sha1(data).hexdigest()[:8])
            names.add(fn)
            total += len(data)
            p = os.path.join(d, fn)
            if os.path.exists(p):
                with open(p, "rb") as f:
                    if f.read() == data:
                        continue
            stale = True
            if not check:
                with open(p, "wb") as f:
                    f.write(data)
        for fn in os.listdir(d):
            if fn not in names:
                stale = True
                if not check:
                    os.unlink(os.path.join(d, fn))
    d = os.path.join(HERE, "regress", "input")
    os.makedirs(d, exist_ok=True)
    for name, data in once_inputs():
        total += len(data)
        p = os.path.join(d, name)
        if os.path.exists(p):
            with open(p, "rb") as f:
                if f.read() == data:
                    continue
        stale = True
        if not check:
            with open(p, "wb") as f:
                f.write(data)
    print("%d bytes of seeds%s" % (total, " (stale)" if check and stale
                                   else ""))
    return 1 if check and stale else 0


if __name__ == "__main__":
    sys.exit(main())

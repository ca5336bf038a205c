# SPDX-License-Identifier: ISC
"""ccmond's /metrics (metrics_listen): scraped from a live agent, checked
by Prometheus' own linter (promtool check metrics), and its limits.

ccmond runs in the mount namespace of tests/ccmond_harness.py; the network
is the machine's, so the test scrapes 127.0.0.1 from outside.  The
expected values come from what the log says (a component GONE is in state
gone, a component-down alarm is critical: ccmond(8)), not from a previous
scrape.
"""
import re
import shutil
import signal
import socket
import subprocess
import urllib.error
import urllib.request

import pytest

from ccmond_harness import STEP, component_of, free_port, wait_for

C1 = component_of("cs1")
HOST1 = "10.53.52.205"
SERVERS = [{"name": "cs1", "host": HOST1, "port": 7999}]


def scrape(port, path="/metrics", method="GET"):
    """(status, content type, body) of one request; (None, None, why)
    when there is no answer."""
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path),
                                 method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers.get("Content-Type"), \
                r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), \
            e.read().decode("utf-8")
    except OSError as e:
        return None, None, str(e)


def sample(body, line):
    return re.search(r"^%s$" % re.escape(line), body or "", re.M)


def start(h, port, **agent):
    log = h.log()
    h.config(SERVERS, metrics_listen="127.0.0.1:%d" % port, **agent)
    d = h.start()
    return log, d


def promtool():
    path = shutil.which("promtool")
    if not path:
        pytest.skip("promtool not found: install the Debian package "
                    "prometheus")
    return path


def test_scrape_follows_the_log_and_passes_promtool(h):
    port = free_port()
    log, d = start(h, port)
    log.component(C1, "ACTIVE")
    want = 'ccmon_component_state{component="%s",state="active"} 1' % C1
    got = wait_for(lambda: sample(scrape(port)[2], want))
    assert got, "no '%s' in:\n%s" % (want, scrape(port)[2])
    log.component(C1, "GONE")
    want = 'ccmon_component_state{component="%s",state="gone"} 1' % C1
    # the harness's server is in a profile nobody waits on: its loss is
    # absorbed, a warning (ccmond(8), "What each alarm means for users")
    alarm = 'ccmon_alarms_active{type="component-down",severity="warning"} 1'
    assert wait_for(lambda: sample(scrape(port)[2], want) and
                    sample(scrape(port)[2], alarm)), scrape(port)[2]
    status, ctype, body = scrape(port)
    assert status == 200
    assert ctype == "text/plain; version=0.0.4; charset=utf-8"
    # unknown -> active -> gone
    assert sample(body, 'ccmon_component_transitions_total{component="%s"}'
                  ' 2' % C1), body
    assert sample(body, 'ccmon_component_state{component="%s",'
                  'state="active"} 0' % C1), body
    # the two lines were read and recognised
    lines = re.search(r"^ccmon_log_lines_total (\d+)$", body, re.M)
    assert lines and int(lines.group(1)) >= 2, body
    assert sample(body, "ccmon_messaging_blocked 0"), body

    r = subprocess.run([promtool(), "check", "metrics"], input=body,
                       capture_output=True, text=True, timeout=STEP)
    assert r.returncode == 0 and not r.stdout.strip() and \
        not r.stderr.strip(), "promtool:\n%s%s\nscraped:\n%s" % (
            r.stdout, r.stderr, body)
    assert d.stop() == 0, d.stderr()


def test_only_get_of_metrics(h):
    port = free_port()
    start(h, port)
    assert wait_for(lambda: scrape(port)[0] == 200), scrape(port)
    status, _, body = scrape(port, "/")
    assert status == 404, body
    status, _, body = scrape(port, "/metrics/../etc")
    assert status == 404, body
    status, _, body = scrape(port, method="POST")
    assert status == 405, body
    status, _, body = scrape(port, method="HEAD")
    assert status == 200 and body == ""


def closed_now(sock):
    """Whether the agent has closed the connection (EOF or reset), without
    waiting."""
    sock.setblocking(False)
    try:
        return sock.recv(1) == b""
    except BlockingIOError:
        return False
    except ConnectionResetError:
        return True


def test_clients_bounded_and_idle_ones_dropped(h):
    """status_clients = 2: while two idle clients hold both slots a third
    waits unanswered; status_timeout = 1s: the idle ones are dropped by the
    loop's timer (nothing else happens in the agent), and only then is the
    third served."""
    port = free_port()
    start(h, port, status_clients="2", status_timeout="1s")
    assert wait_for(lambda: scrape(port)[0] == 200), scrape(port)
    # accepted in the order of connection: the idle ones first
    idle = [socket.create_connection(("127.0.0.1", port), timeout=10)
            for _ in range(2)]
    try:
        third = socket.create_connection(("127.0.0.1", port), timeout=10)
        try:
            third.sendall(b"GET /metrics HTTP/1.0\r\n\r\n")
            third.settimeout(STEP)
            got = third.recv(4096)
            # served, and by then both idle clients were gone
            assert got.startswith(b"HTTP/1.0 200") or \
                got.startswith(b"HTTP/1.1 200"), got[:80]
            for s in idle:
                assert closed_now(s), \
                    "the third client was served while both slots were held"
        finally:
            third.close()
    finally:
        for s in idle:
            s.close()


def test_off_by_default(h):
    """Without metrics_listen nothing is served: the effective
    configuration says off."""
    log = h.log()
    h.config(SERVERS)
    d = h.start()
    log.component(C1, "ACTIVE")
    assert wait_for(lambda: (h.status_component(C1) or {}).get("state")
                    == "active")
    r = subprocess.run([h.ccmon, "check-config", "-c",
                        h.config_path], capture_output=True, text=True,
                       timeout=STEP)
    assert "; metrics_listen: off" in r.stdout.splitlines(), r.stdout
    assert d.stop() == 0, d.stderr()


def test_port_taken_agent_runs_and_reload_serves(h):
    """An address that cannot be bound does not stop the agent (the logs
    matter more); a reload tries again, and serves once the port is
    free."""
    port = free_port()
    taken = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    taken.bind(("127.0.0.1", port))
    taken.listen(1)
    try:
        log, d = start(h, port)
        log.component(C1, "ACTIVE")
        assert wait_for(lambda: (h.status_component(C1) or {}).get(
            "state") == "active"), d.stderr()
        assert d.alive()
    finally:
        taken.close()
    d.send(signal.SIGHUP)
    assert wait_for(lambda: scrape(port)[0] == 200), (scrape(port),
                                                     d.stderr())
    assert d.stop() == 0, d.stderr()


def test_reload_turns_metrics_on(h):
    port = free_port()
    log = h.log()
    h.config(SERVERS)
    d = h.start()
    log.component(C1, "ACTIVE")
    assert wait_for(lambda: (h.status_component(C1) or {}).get("state")
                    == "active")
    h.config(SERVERS, metrics_listen="127.0.0.1:%d" % port)
    d.send(signal.SIGHUP)
    want = 'ccmon_component_state{component="%s",state="active"} 1' % C1
    assert wait_for(lambda: sample(scrape(port)[2], want)), (
        scrape(port), d.stderr())
    assert d.stop() == 0, d.stderr()

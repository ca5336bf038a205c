#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""A compliance server of our own, for the probe tests.

Listens on 127.0.0.1 only and speaks just enough of the open-port link
(doc/domain.md "The link protocol": XEP-0114 with the router as initiator)
to put `ccmon probe` through every case.  Python 3 standard library only.

    cs_server.py --mode MODE [--port 0] [--secret S] [--component NAME]
                 [--id ID | --no-id] [--quote "'" | '"'] [--ns NS]
                 [--delay SECONDS] [--lifetime SECONDS]

The chosen port is the first line on stdout (port 0: a free one).  Modes:

  accept        accept, read and discard, never write
  refuse        print a port where nothing listens, and exit
  refuse-after  accept, then close at once
  hang          accept, never read nor write
  full          listen with a backlog of 0 and fill it first, so that a
                connect() to the port itself gets no answer
  stream        answer the stream header with one carrying an id; with
                --component, a header to another name gets <host-unknown/>
  slow          like stream, answering after --delay seconds
  handshake     like stream, then check <handshake> = SHA-1(id + secret)
                and the header's 'to' against --component: answer
                <handshake/>, or <not-authorized/> and close
  garbage       answer bytes that are no XML

After a stream is answered, </stream:stream> from the client is answered
with </stream:stream> and the connection closed.  The server exits after
--lifetime seconds (default 30) or on SIGTERM.  Events go to stderr; the
secret never does.
"""
import argparse
import hashlib
import os
import re
import select
import signal
import socket
import struct
import sys
import threading
import time

NS_STREAMS = "http://etherx.jabber.org/streams"
HEADER_RE = re.compile(rb"<stream:stream\b[^>]*>")
TO_RE = re.compile(rb"""\bto\s*=\s*(?:'([^']*)'|"([^"]*)")""")
END = b"</stream:stream>"
HANDSHAKE_OR_END_RE = re.compile(rb"<handshake>([^<]*)</handshake>|" +
                                 re.escape(END))
NOT_AUTHORIZED = (b"<stream:error><not-authorized "
                  b"xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
                  b"</stream:error></stream:stream>")
HOST_UNKNOWN = (b"<stream:error><host-unknown "
                b"xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
                b"</stream:error></stream:stream>")
MAX_BUFFER = 65536


def log(fmt, *args):
    sys.stderr.write("cs_server: " + (fmt % args) + "\n")
    sys.stderr.flush()


class Conn:
    """One accepted connection and its reading buffer."""

    def __init__(self, sock, deadline):
        self.sock = sock
        self.deadline = deadline
        self.buf = b""
        self.eof = False

    def read_until(self, pattern):
        """Reads until pattern matches the buffer; the match, or None at
        EOF, on overflow or when the server's time is up."""
        while True:
            m = pattern.search(self.buf)
            if m:
                return m
            if self.eof or len(self.buf) > MAX_BUFFER:
                return None
            left = self.deadline - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([self.sock], [], [], min(left, 0.5))
            if not r:
                continue
            try:
                data = self.sock.recv(4096)
            except OSError:
                data = b""
            if not data:
                self.eof = True
            self.buf += data

    def send(self, data):
        try:
            self.sock.sendall(data)
            return True
        except OSError as e:
            log("send failed: %s", e)
            return False

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def header_for(args, to):
    q = args.quote
    sid = args.id if args.id is not None else os.urandom(8).hex()
    frm = to if to else "cs.example"
    hdr = ("<?xml version='1.0'?><stream:stream xmlns:stream=%s%s%s "
           "xmlns=%s%s%s from=%s%s%s" %
           (q, NS_STREAMS, q, q, args.ns, q, q, frm, q))
    if not args.no_id:
        hdr += " id=%s%s%s" % (q, sid, q)
    return sid, (hdr + ">").encode()


def finish_stream(conn):
    """Waits for the client's end of stream and answers it."""
    if conn.read_until(re.compile(re.escape(END))):
        conn.send(END)
        log("stream closed by the client")
    conn.close()


def answer_stream(args, conn):
    """Reads the client's header and answers it; (id, to) or None."""
    m = conn.read_until(HEADER_RE)
    if not m:
        log("no stream header from the client")
        conn.close()
        return None
    t = TO_RE.search(m.group(0))
    to = (t.group(1) if t.group(1) is not None else t.group(2)).decode(
        "utf-8", "replace") if t else None
    conn.buf = conn.buf[m.end():]
    if args.mode == "slow":
        time.sleep(args.delay)
    sid, hdr = header_for(args, to)
    if args.mode == "stream" and args.component and to != args.component:
        log("header to %r, not %r: host-unknown", to, args.component)
        conn.send(hdr + HOST_UNKNOWN)
        conn.close()
        return None
    if not conn.send(hdr):
        conn.close()
        return None
    log("stream header to %r answered, id %s", to, sid)
    return sid, to


def handle(args, sock, deadline):
    conn = Conn(sock, deadline)
    mode = args.mode
    if mode == "refuse-after":
        # Read what already came so that the close is a FIN, not a reset
        # (a reset is still possible if more arrives in between).
        sock.setblocking(False)
        try:
            sock.recv(65536)
        except OSError:
            pass
        conn.close()
        return
    if mode == "hang":
        while time.monotonic() < deadline:
            time.sleep(0.2)
        conn.close()
        return
    if mode == "accept":
        while conn.read_until(re.compile(rb"(?!)")) is None and \
                not conn.eof and time.monotonic() < deadline:
            conn.buf = b""
        conn.close()
        return
    if mode == "garbage":
        conn.read_until(re.compile(rb">"))
        conn.send(b"\x15\x03\x03\x00\x02\x02\x46" + os.urandom(200))
        conn.read_until(re.compile(rb"(?!)"))
        conn.close()
        return

    answered = answer_stream(args, conn)
    if not answered:
        return
    if mode in ("stream", "slow"):
        finish_stream(conn)
        return

    sid, to = answered
    m = conn.read_until(HANDSHAKE_OR_END_RE)
    if not m or m.group(0) == END:
        log("no handshake from the client")
        if m:
            conn.send(END)
        conn.close()
        return
    conn.buf = conn.buf[m.end():]
    want = hashlib.sha1((sid + args.secret).encode()).hexdigest()
    got = m.group(1).decode("ascii", "replace")
    if got == want and (args.component is None or to == args.component):
        log("handshake accepted for %r", to)
        conn.send(b"<handshake/>")
        finish_stream(conn)
    else:
        log("handshake rejected for %r (%s)", to,
            "wrong digest" if got != want else "wrong component")
        conn.send(NOT_AUTHORIZED)
        conn.close()


TCP_ESTABLISHED = 1
FILL_TIMEOUT = 60.0  # seconds for our own loopback handshakes, however busy


def tcp_info(sock):
    """(state, tcpi_unacked, tcpi_sacked) from the kernel's TCP_INFO: for
    a listener the last two are its accept queue's length and limit."""
    raw = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
    return (raw[0],) + struct.unpack_from("II", raw, 24)


def queue_full(srv):
    """The kernel's own verdict (sk_acceptq_is_full): more queued than the
    backlog, so that it drops every SYN to the port."""
    _, queued, backlog = tcp_info(srv)
    return queued > backlog


def fill_backlog(srv, port):
    """Connections nobody accepts until the kernel says the accept queue
    of srv is full: from then on it drops every SYN to the port.  Each
    connection is waited for until its handshake is done or the queue is
    full, not for a while."""
    fillers = []
    deadline = time.monotonic() + FILL_TIMEOUT
    for _ in range(64):
        if queue_full(srv):
            return fillers
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.setblocking(False)
        c.connect_ex(("127.0.0.1", port))
        fillers.append(c)
        while tcp_info(c)[0] != TCP_ESTABLISHED and not queue_full(srv):
            if time.monotonic() > deadline:
                raise SystemExit("cs_server: a loopback connection neither "
                                 "established nor the accept queue full "
                                 "within %.0f s" % FILL_TIMEOUT)
            time.sleep(0.01)
    raise SystemExit("cs_server: cannot fill the accept queue")


class Stop(Exception):
    pass


def on_sigterm(signum, frame):
    raise Stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mode", required=True,
                    choices=["accept", "refuse", "refuse-after", "hang",
                             "full", "stream", "slow", "handshake",
                             "garbage"])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--secret", default="")
    ap.add_argument("--component")
    ap.add_argument("--id", help="the stream id (default: random hex)")
    ap.add_argument("--quote", default="'", choices=["'", '"'])
    ap.add_argument("--ns", default="jabber:component:accept",
                    help="the default namespace of our stream header")
    ap.add_argument("--no-id", action="store_true",
                    help="a stream header without id")
    ap.add_argument("--delay", type=float, default=1.0)
    ap.add_argument("--lifetime", type=float, default=30.0)
    args = ap.parse_args()

    signal.signal(signal.SIGTERM, on_sigterm)
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", args.port))
    port = srv.getsockname()[1]
    if args.mode == "refuse":
        srv.close()
        print(port, flush=True)
        return 0
    srv.listen(0 if args.mode == "full" else 16)
    fillers = fill_backlog(srv, port) if args.mode == "full" else []
    print(port, flush=True)
    log("%s on 127.0.0.1 port %d", args.mode, port)

    deadline = time.monotonic() + args.lifetime
    try:
        while time.monotonic() < deadline:
            if args.mode == "full":
                time.sleep(0.2)
                continue
            r, _, _ = select.select([srv], [], [], 0.2)
            if not r:
                continue
            sock, peer = srv.accept()
            log("accepted %s:%d", *peer[:2])
            threading.Thread(target=handle, args=(args, sock, deadline),
                             daemon=True).start()
    except (Stop, KeyboardInterrupt):
        log("stopped")
    for c in fillers:
        c.close()
    srv.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Hold connections to a gateway on 127.0.0.1 the way slow or idle clients do, for tests/reliability/run.sh.

usage: hold.py MODE PORT SOURCE N SECONDS STATUS [CERT KEY CAFILE]

MODE idle:    N TCP connections from SOURCE that never send a byte.
MODE trickle: N connections that send a TLS record header and then one byte of its body every 0.5 s
              (never a whole ClientHello).
MODE slow:    N connections that finish the TLS handshake with CERT/KEY (an authenticated client), send a
              request line and then one header byte every 0.5 s (never the end of the headers).
A connection the server closes is opened again (at most one a 0.5 s after the first N: slow clients, not a
connection flood), so the pressure stays on for SECONDS. STATUS is
rewritten every round: "opened=O closed=C open=N", and "done" is appended at the end. Loopback only.
"""
import os
import select
import socket
import ssl
import sys
import time

mode, port, src, n, secs, status = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), \
    float(sys.argv[5]), sys.argv[6]
if mode not in ("idle", "trickle", "slow"):
    sys.exit("hold.py: unknown mode " + mode)
ctx = None
if mode == "slow":
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.load_verify_locations(sys.argv[9])
    ctx.load_cert_chain(sys.argv[7], sys.argv[8])
if mode == "trickle":
    payload = bytes.fromhex("1603010200") + b"\x01" * 512
else:
    payload = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X-Slow: " + b"a" * 4000
opened = closed = 0


def connect():
    global opened
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((src, 0))
    s.settimeout(5)
    s.connect(("127.0.0.1", port))
    if ctx is not None:
        s = ctx.wrap_socket(s, server_hostname="127.0.0.1")
        s.sendall(payload[:40])  # the request line and Host, then one byte a round
        sent = 40
    else:
        sent = 0
    s.setblocking(False)
    opened += 1
    return {"s": s, "sent": sent}


def report(final):
    with open(status + ".tmp", "w") as f:
        f.write("opened=%d closed=%d open=%d\n%s" % (opened, closed, len(conns), "done\n" if final else ""))
    os.rename(status + ".tmp", status)


conns = []
start = time.monotonic()
next_open = start
while time.monotonic() - start < secs:
    # all N at once, then at most one replacement per 0.5 s: slow clients, not a connection flood
    while len(conns) < n and time.monotonic() - start < secs and (opened < n or time.monotonic() >= next_open):
        next_open = time.monotonic() + 0.5
        try:
            conns.append(connect())
        except OSError:  # refused or reset during the handshake: counts as closed by the server
            opened += 1
            closed += 1
    for c in list(conns):
        if mode == "idle":
            continue
        try:
            if c["sent"] < len(payload):
                c["s"].send(payload[c["sent"]:c["sent"] + 1])
                c["sent"] += 1
        except (OSError, ssl.SSLError):
            conns.remove(c)
            closed += 1
            c["s"].close()
    report(False)
    if conns:
        readable, _, _ = select.select([c["s"] for c in conns], [], [], 0.5)
        for c in conns[:]:
            if c["s"] in readable:
                try:
                    data = c["s"].recv(4096)
                except ssl.SSLWantReadError:
                    continue
                except (OSError, ssl.SSLError):
                    data = b""
                if data == b"":
                    conns.remove(c)
                    closed += 1
                    c["s"].close()
    else:
        time.sleep(0.5)
for c in conns:
    c["s"].close()
conns = []
report(True)

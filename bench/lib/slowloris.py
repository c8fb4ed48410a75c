#!/usr/bin/env python3
"""Holds COUNT slowloris connections open against HOST:PORT for bench/run.

Each connection sends the start of a request (request line and one header,
never the blank line that ends the headers), then one more header line
every INTERVAL seconds. A connection the server closes (the responder's
header timeout, or eviction when it is full) is counted and replaced at
once, so COUNT stay held for as long as this runs.

    slowloris.py HOST PORT COUNT [INTERVAL]

Prints "HELD=COUNT" once all are open, and on SIGTERM/SIGINT one line
"opened=N closed_by_server=N held=N" before exiting 0.
"""
import selectors
import signal
import socket
import sys
import time

host, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
interval = float(sys.argv[4]) if len(sys.argv) > 4 else 2.0
sel = selectors.DefaultSelector()  # epoll: no FD_SETSIZE limit
opened = closed = 0
stopping = False


def on_stop(*_):
    global stopping
    stopping = True


signal.signal(signal.SIGTERM, on_stop)
signal.signal(signal.SIGINT, on_stop)


def open_one():
    global opened
    s = socket.create_connection((host, port))
    s.setblocking(False)
    s.send(b"GET /.well-known/acme-challenge/slow HTTP/1.1\r\nHost: bench\r\n")
    sel.register(s, selectors.EVENT_READ)
    opened += 1


def drop(s):
    global closed
    sel.unregister(s)
    s.close()
    closed += 1


for _ in range(count):
    open_one()
print(f"HELD={count}", flush=True)

next_trickle = time.monotonic() + interval
n = 0
while not stopping:
    # Readable means the server answered (408/431) or closed: either way the
    # connection is no longer held.
    for key, _ in sel.select(timeout=max(0.0, next_trickle - time.monotonic())):
        drop(key.fileobj)
    if time.monotonic() >= next_trickle:
        n += 1
        for key in list(sel.get_map().values()):
            try:
                key.fileobj.send(b"X-Slow-%d: 1\r\n" % n)
            except OSError:
                drop(key.fileobj)
        next_trickle += interval
    while len(sel.get_map()) < count and not stopping:
        try:
            open_one()
        except OSError:
            break  # refused or out of descriptors: try again next round

print(f"opened={opened} closed_by_server={closed} held={len(sel.get_map())}", flush=True)

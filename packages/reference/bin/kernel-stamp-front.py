#!/usr/bin/env python3
"""Kernel receive timestamps for the programmable NTP reference (standard library only).

Node cannot read a datagram's kernel receive time, and on a virtual machine its
'message' callback runs 200-500 us after the datagram arrived. A reference that
stamps T2 there is late by that much, and every client that timestamps in the
kernel (chronyd) measures an offset off by half of it, while a client as late as
the reference (Node) cancels most of it: a comparison of the two would measure
the reference's event loop, not the clients.

This front owns the server's public UDP port. For each request it reads the
kernel's receive time (SO_TIMESTAMPNS) and hands the request to the Node
reference on a loopback backend port as

    id (u32) | receive time, Unix ns (i64) | request

The reference answers

    id (u32) | T3 shift, s (f64, NaN: keep the packet's own T3) | reply

and the front writes T3 = host time read just before sendto() + shift into the
reply (the served offset minus any emulated reply-path delay), so the server's
own timestamps are as close to the wire as user space allows on both sides.

Prints one JSON line {"port": N} when listening; exits when stdin closes.
"""
import json
import math
import select
import socket
import struct
import sys
import time

SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)
NTP_EPOCH_OFFSET_S = 2208988800
REQUEST_HEADER = struct.Struct(">Iq")
REPLY_HEADER = struct.Struct(">Id")
TIMESPEC = struct.Struct("@qq")


def ntp_timestamp(unix_ns):
    seconds, rest_ns = divmod(unix_ns, 1_000_000_000)
    fraction = (rest_ns << 32) // 1_000_000_000
    return struct.pack(">II", (seconds + NTP_EPOCH_OFFSET_S) & 0xFFFFFFFF, fraction)


def main():
    host = sys.argv[sys.argv.index("--host") + 1]
    backend_port = int(sys.argv[sys.argv.index("--backend-port") + 1])
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    public = socket.socket(family, socket.SOCK_DGRAM)
    public.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    public.bind((host, 0))
    backend = socket.socket(family, socket.SOCK_DGRAM)
    backend.bind((host, 0))
    backend.connect((host, backend_port))
    print(json.dumps({"port": public.getsockname()[1]}), flush=True)

    clients = {}
    next_id = 0
    while True:
        ready, _, _ = select.select([public, backend, sys.stdin], [], [])
        if sys.stdin in ready and not sys.stdin.readline():
            return 0
        if public in ready:
            data, ancillary, _, address = public.recvmsg(2048, 256)
            rx_ns = None
            for level, kind, payload in ancillary:
                if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
                    seconds, nanoseconds = TIMESPEC.unpack(payload[: TIMESPEC.size])
                    rx_ns = seconds * 1_000_000_000 + nanoseconds
            if rx_ns is None:
                rx_ns = time.time_ns()
            next_id = (next_id + 1) & 0xFFFFFFFF
            clients[next_id] = address
            if len(clients) > 4096:
                clients.pop(next(iter(clients)))
            backend.send(REQUEST_HEADER.pack(next_id, rx_ns) + data)
        if backend in ready:
            frame = backend.recv(4096)
            request_id, shift_s = REPLY_HEADER.unpack(frame[: REPLY_HEADER.size])
            reply = bytearray(frame[REPLY_HEADER.size :])
            address = clients.pop(request_id, None)
            if address is None:
                continue
            if not math.isnan(shift_s) and len(reply) >= 48:
                reply[40:48] = ntp_timestamp(time.time_ns() + round(shift_s * 1e9))
            public.sendto(reply, address)


if __name__ == "__main__":
    sys.exit(main())

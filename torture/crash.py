"""The trace ring in a shared file: what a crashed kernel did last.

The layout mirrors struct trace_ring in shims/core.c.
"""

from __future__ import annotations

import ctypes
from pathlib import Path

TRACE_SIZE = 1024


class TraceEv(ctypes.Structure):
    _fields_ = [
        ("seq", ctypes.c_uint64),
        ("cpu", ctypes.c_int),
        ("pid", ctypes.c_int),
        ("a", ctypes.c_long),
        ("b", ctypes.c_long),
        ("what", ctypes.c_char * 24),
    ]


HISTORY = 128
NR_HISTORIES = 256 + 64  # MAX_TORTURE_TASKS + NR_CPUS
OPS = {1: "alloc", 2: "free ", 3: "hand "}


class HistoryEv(ctypes.Structure):
    _fields_ = [
        ("tsc", ctypes.c_uint64),
        ("op", ctypes.c_int),
        ("cpu", ctypes.c_int),
        ("who", ctypes.c_int),
        ("tag", ctypes.c_uint),
    ]


class History(ctypes.Structure):
    _fields_ = [("pos", ctypes.c_uint64), ("ev", HistoryEv * HISTORY)]


def last_ops(path: Path, count: int = 24) -> list[str]:
    """The last @count torture operations, from every task and handler, in time order."""
    try:
        data = path.read_bytes()
    except OSError:
        return []
    size = ctypes.sizeof(History)
    events = []
    for i in range(min(NR_HISTORIES, len(data) // size)):
        hist = History.from_buffer_copy(data[i * size:(i + 1) * size])
        events += [ev for ev in hist.ev if ev.op]
    events.sort(key=lambda ev: ev.tsc)
    out = []
    for ev in events[-count:]:
        who = (f"irq handler of cpu {ev.who - 100000}" if ev.who >= 100000
               else f"task {ev.who - 1}")
        out.append(f"    {OPS.get(ev.op, '?')} tag {ev.tag} by {who} on cpu {ev.cpu}")
    return out


class TraceRing(ctypes.Structure):
    _fields_ = [
        ("seq", ctypes.c_uint64),
        ("size", ctypes.c_uint64),
        ("ev", TraceEv * TRACE_SIZE),
    ]


def last_events(path: Path, count: int = 32) -> list[str]:
    """The last @count events a (possibly dead) kernel wrote to @path."""
    try:
        data = path.read_bytes()
    except OSError:
        return []
    if len(data) < ctypes.sizeof(TraceRing):
        return []
    ring = TraceRing.from_buffer_copy(data[: ctypes.sizeof(TraceRing)])
    lines = []
    for seq in range(max(0, ring.seq - count), ring.seq):
        ev = ring.ev[seq % TRACE_SIZE]
        if ev.seq == seq + 1:
            lines.append(f"  [{seq:6d}] cpu{ev.cpu} pid {ev.pid}: "
                         f"{ev.what.decode(errors='replace')} {ev.a} {ev.b}")
    return lines




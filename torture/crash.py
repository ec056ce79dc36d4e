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




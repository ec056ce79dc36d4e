"""The threaded torture run's checks, each with a stable id: the id names a
FAILURE (`!!! [liveness] stall: ...`, `"check"` in the JSON), and
`pytests/test_checks.py` proves each one fires on a bug of its own.

A reason is matched against the patterns in order: the first that matches
its start names the check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    id: str
    about: str
    pattern: str  # a regex for the start of the reasons it gives


CHECKS = (
    Check("ownership", "one owner per tag, set by compare-and-swap as it leaves the "
          "allocator: a second is a double allocation", r"double allocation:"),
    Check("ledger", "the harness's own bookkeeping: a free or a hand-off by a task the "
          "owner word does not name", r"(free|hand-off) of a tag not owned:"),
    Check("range", "every tag in [0, nr_tags)", r"tag out of range:"),
    Check("alloc-error", "an allocation returns a tag, -ENOSPC without sleeping, "
          "-ERESTARTSYS with a signal pending, or an injected errno", r"alloc in state "),
    Check("counters", "the per-CPU and global free counts agree with the iterator",
          r"conservation: free counters say"),
    Check("drain", "without an iterator: nr_tags sleeping allocations return every tag",
          r"conservation: (only \d+ of|draining gave)"),
    Check("conservation", "free (the iterator) plus owned is every tag, each once",
          r"conservation:"),
    Check("redzone", "nothing written past the end of a kmalloc or per-cpu object",
          r"redzone:|kernel reported:\n[^\n]*Redzone overwritten"),
    Check("cache-bound", "no CPU caches more than percpu_max_size free tags",
          r"cache-bound:"),
    Check("availability", "with tags free, a non-blocking allocation succeeds on every "
          "online vCPU", r"availability:"),
    Check("liveness", "no task asleep while tags are free", r"stall:"),
    Check("progress", "every task begins operations, stops for a stutter, and the "
          "monitor's calls return", r"no progress:|stutter:"),
    Check("kernel-report", "the kernel's own checks: BUG, WARNING, lockdep, sleeping in "
          "atomic context", r"kernel reported:|kernel BUG"),
    Check("leak", "memory back to zero after destroy", r"memory leak after destroy"),
    Check("crash", "the kernel process does not die", r"crash:"),
    Check("sanitizer", "no sanitizer report (SAN=thread|address|undefined)", r"sanitizer:"),
)
IDS = tuple(check.id for check in CHECKS)


def check_of(reason: str) -> str:
    """The id of the check that gave @reason ("unknown" if none did)."""
    for check in CHECKS:
        if re.match(check.pattern, reason):
            return check.id
    return "unknown"

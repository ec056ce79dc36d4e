"""The checks, each with a stable id: the id names a FAILURE of the threaded
run (`!!! [liveness] stall: ...`, `"check"` in the JSON) and of the
deterministic engine (its verdict and message), and `pytests/test_checks.py`
proves each one fires on a bug of its own.

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
          "allocator: a second is a double allocation",
          r"double allocation:|ownership: tag \d+ allocated"),
    Check("ledger", "the harness's own bookkeeping: a free or a hand-off by a task the "
          "owner word does not name",
          r"(free|hand-off) of a tag not owned:|ownership: .* frees tag"),
    Check("init", "a pool of valid sizes sets up while memory is there",
          r"init: |pool init failed"),
    Check("range", "every tag in [0, nr_tags)",
          r"tag out of range:|range:|[^:]*: for_each_free reported tag"),
    Check("alloc-error", "an allocation returns a tag, -ENOSPC without sleeping, "
          "-ERESTARTSYS with a signal pending, or an injected errno",
          r"(\S+: )?alloc in state |\S+: -ERESTARTSYS with no signal"),
    Check("counters", "the per-CPU and global free counts agree with the iterator",
          r"conservation: (free|the) counters say"),
    Check("drain", "without an iterator: nr_tags sleeping allocations return every tag",
          r"conservation: (only \d+ of|draining gave)"),
    Check("conservation", "free (the iterator) plus owned is every tag, each once",
          r"conservation:"),
    Check("redzone", "nothing written past the end of a kmalloc or per-cpu object",
          r"redzone:|(kernel reported:\n|BUG in [^:]*: )[^\n]*Redzone overwritten"),
    Check("cache-bound", "no CPU caches more than percpu_max_size free tags",
          r"cache-bound:"),
    Check("availability", "with tags free, a non-blocking allocation succeeds on every "
          "online vCPU", r"availability:"),
    Check("liveness", "no task asleep while tags are free", r"stall:"),
    Check("progress", "every task begins operations, stops for a stutter, and the "
          "monitor's calls return; the deterministic engine's hang (a fiber that never reaches "
          "a scheduling point)", r"no progress:|stutter:|hang: "),
    Check("kernel-report", "the kernel's own checks: BUG, WARNING, lockdep, sleeping in "
          "atomic context", r"kernel reported:|kernel BUG"),
    Check("leak", "memory back to zero after destroy",
          r"memory leak after destroy|memory: .* left after destroy"),
    Check("driver", "the tagblk driver: every request ends once, every tag back",
          r"driver: "),
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


# the deterministic engine's verdicts that are not a harness check's message
DET_VERDICTS = {"bug": "kernel-report", "report": "kernel-report", "crash": "crash",
                "deadlock": "liveness", "livelock": "liveness", "setup": "setup",
                "script": "setup"}


def det_check_of(verdict: str, message: str) -> str:
    """The id of the check behind a deterministic engine's failed @verdict:
    its message's, else the verdict's own (a BUG, a deadlock, ...)."""
    found = check_of(message)
    return found if found != "unknown" else DET_VERDICTS.get(verdict, found)

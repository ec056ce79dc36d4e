"""`make bench-instructions`: instructions per alloc+free pair on each
allocator's fast path, counted by callgrind, so the number does not move with
the machine's noise.  Each count is the difference between a run of 2N pairs
and a run of N, over N: set-up and the clock reads cancel.  The reference is
the per-thread stack under an uncontended spinlock of `make bench-fastpath`."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from torture import images, sanitizers

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "instructions.json"
PAIRS = 2000

# run in the child under valgrind: one loop, N pairs
CHILD = """
import sys
from torture.kernel import Kernel
allocator, loop, iters = sys.argv[1], sys.argv[2], int(sys.argv[3])
with Kernel(allocator, 1) as k:
    if loop.startswith("fastpath_loop"):
        k.lib.hk_bench_fastpath(k.pool(1024)._ptr, iters)
    else:
        k.lib.hk_bench_reference(iters)
"""


def instructions(allocator: str, loop: str, iters: int) -> int:
    """Instructions executed inside @loop (inclusive; a pattern, as GCC may
    rename a static function it specialises) for @iters pairs."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
             "--collect-atstart=no", f"--toggle-collect={loop}",
             sys.executable, "-c", CHILD, allocator, loop, str(iters)],
            check=True, capture_output=True, cwd=ROOT,
            env=sanitizers.child_environment(None))
        match = re.search(r"^summary:\s+(\d+)", out.read_text(), re.M)
        if not match:
            raise RuntimeError(f"no callgrind summary for {allocator}/{loop}")
        return int(match.group(1))


def per_pair(allocator: str, loop: str) -> float:
    return (instructions(allocator, loop, 2 * PAIRS) -
            instructions(allocator, loop, PAIRS)) / PAIRS


def main() -> int:
    allocators = [n for n in images.allocators() if n not in images.BROKEN]
    first = allocators[0]
    reference = per_pair(first, "reference_loop*")
    rows = {}
    print(f"{'allocator':18s} {'instr/pair':>10s} {'reference':>10s} {'ratio':>6s}")
    for name in allocators:
        n = per_pair(name, "fastpath_loop*")
        rows[name] = n
        print(f"{name:18s} {n:10.1f} {reference:10.1f} {n / reference:6.1f}x")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"pairs": PAIRS, "reference": reference,
                                   "instructions_per_pair": rows}, indent=1) + "\n")
    print(f"(callgrind, {PAIRS} vs {2 * PAIRS} pairs; written to {RESULTS.relative_to(ROOT)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

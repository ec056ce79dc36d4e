"""The bounded exhaustive search with and without partial-order reduction,
on every suite scenario at bounds 1, 2 and 2 with memory points: runs (a
`+` where the cap stopped the search) and seconds, measured in one process.

Run: .venv/bin/python bench/exploration_reduction.py [cap] [allocator]
"""

from __future__ import annotations

import platform
import sys
import time

from torture import det_suite
from torture.explore import Exhaustive, explore


def search(allocator: str, name: str, bound: int, memory: bool, cap: int,
           reduce: bool) -> tuple[str, float]:
    start = time.perf_counter()
    o = explore(allocator, det_suite.SCENARIOS[name](),
                Exhaustive(bound, runs=cap, reduce=reduce), trace=False, memory=memory)
    if o.failed:
        raise SystemExit(f"{name}: {o.headline()}")
    return f"{o.runs}{'' if o.exhausted else '+'}", time.perf_counter() - start


def main() -> None:
    cap = int(sys.argv[1]) if len(sys.argv) > 1 else 300_000
    allocator = sys.argv[2] if len(sys.argv) > 2 else "percpu_ida"
    print(f"# {allocator}: Exhaustive(reduce=False) vs Exhaustive() (partial-order "
          f"reduction), cap {cap} runs per search, + = cap hit")
    print(f"# machine: {platform.node()}, {platform.machine()}, python "
          f"{platform.python_version()}; command: .venv/bin/python "
          f"bench/exploration_reduction.py {cap} {allocator}")
    print(f"{'scenario':16s} {'bound':6s} {'full runs':>10s} {'s':>6s} "
          f"{'reduced runs':>13s} {'s':>6s}")
    for name in det_suite.SCENARIOS:
        for bound, memory in ((1, False), (2, False), (2, True)):
            full, full_s = search(allocator, name, bound, memory, cap, False)
            reduced, reduced_s = search(allocator, name, bound, memory, cap, True)
            print(f"{name:16s} {bound}{'+mem' if memory else '':5s} {full:>10s} "
                  f"{full_s:6.1f} {reduced:>13s} {reduced_s:6.1f}", flush=True)


if __name__ == "__main__":
    main()

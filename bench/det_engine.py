"""Deterministic engine speed on the standard scenario (2 vCPUs, 2 tasks x 8
ops, 16 tags, batch 4, max 6): decisions/s, runs/s, 10,000 PCT runs.

Run: .venv/bin/python bench/det_engine.py [allocator]
"""

from __future__ import annotations

import sys

from torture.explore import PCT, Exhaustive, Random, explore
from torture.scenario import standard


def main() -> None:
    allocator = sys.argv[1] if len(sys.argv) > 1 else "percpu_ida"
    print(f"standard scenario on {allocator}; goals: >= 5 M decisions/s, >= 2,000 runs/s, "
          "10,000 PCT runs < 10 s")
    for strategy in (Random(seed=1, runs=10_000), PCT(seed=1, runs=10_000, depth=3),
                     Exhaustive(preemptions=2)):
        o = explore(allocator, standard(), strategy, trace=True)
        print(f"{type(strategy).__name__:10s} {o.verdict:5s} {o.runs:6d} runs "
              f"{o.total_steps:8d} decisions {o.seconds:6.3f} s  "
              f"{o.total_steps / o.seconds / 1e6:5.1f} M decisions/s  "
              f"{o.runs / o.seconds:8.0f} runs/s")


if __name__ == "__main__":
    main()

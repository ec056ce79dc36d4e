"""How a torture result is printed and saved."""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

from torture import checks
from torture.runner import TortureResult


def end_lines(result: TortureResult) -> list[str]:
    """The closing lines: verdict, reason, and the command that reruns it."""
    name = f"{result.params.torture_type}-torture"
    stats = " ".join(f"{k}: {v}" for k, v in result.stats.items())
    rate = result.stats.get("ops", 0) / result.elapsed if result.elapsed else 0.0
    lines = [f"{name}: {stats} ({rate / 1e6:.2f} M checked ops/s)"]
    if result.success:
        lines.append(f"{name}: --- End of test: SUCCESS: {result.params.command()}")
        if result.idle:
            lines.append(f"{name}: ??? the run never saw: {', '.join(result.idle)}"
                         + ("" if result.params.allow_idle else
                            " (it tested less than it claims; --allow_idle accepts it)"))
    else:
        lines.append(f"{name}: !!! [{checks.check_of(result.reason)}] {result.reason}")
        lines.append(f"{name}: --- End of test: FAILURE: {result.params.command()}")
    return lines


def save_json(result: TortureResult, path: Path) -> None:
    path.write_text(json.dumps(result.to_json(), indent=2) + "\n")


class Progress:
    """A one-line progress bar on a terminal, redrawn under the log lines."""

    def __init__(self, duration: float, width: int = 30):
        self.duration = duration
        self.width = width
        self.start = time.monotonic()
        self.ops = "0"

    def update(self, line: str) -> None:
        found = re.search(r"ops: (\d+)", line)
        if found:
            self.ops = found.group(1)
        done = min(1.0, (time.monotonic() - self.start) / self.duration) if self.duration else 1
        bar = "#" * int(done * self.width)
        sys.stdout.write(f"\r[{bar:<{self.width}}] {done * 100:3.0f}% ops {self.ops}")
        sys.stdout.flush()

    def clear(self) -> None:
        sys.stdout.write("\r" + " " * (self.width + 40) + "\r")
        sys.stdout.flush()

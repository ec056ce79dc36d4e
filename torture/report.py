"""How a torture result is printed and saved."""

from __future__ import annotations

import json
from pathlib import Path

from torture.runner import TortureResult


def end_lines(result: TortureResult) -> list[str]:
    """The closing lines: verdict, reason, and the command that reruns it."""
    name = f"{result.params.torture_type}-torture"
    stats = " ".join(f"{k}: {v}" for k, v in result.stats.items())
    rate = result.stats.get("ops", 0) / result.elapsed if result.elapsed else 0.0
    lines = [f"{name}: {stats} ({rate / 1e6:.2f} M checked ops/s)"]
    if result.success:
        lines.append(f"{name}: --- End of test: SUCCESS: {result.params.command()}")
    else:
        lines.append(f"{name}: !!! {result.reason}")
        lines.append(f"{name}: --- End of test: FAILURE: {result.params.command()}")
    return lines


def save_json(result: TortureResult, path: Path) -> None:
    path.write_text(json.dumps(result.to_json(), indent=2) + "\n")

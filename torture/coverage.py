"""`make coverage`'s report: gcovr over the gcov data the suite left in
build/coverage, as HTML and Cobertura XML, then a summary of each port that
names every line and branch the suite missed and why it cannot be reached
(the baselines' sources too)
(docs/coverage_exceptions.toml, matched by the line's code, not its number).

Exit status 1 when a port is below 100% of lines or 95% of the branches that
can be taken (the explained misses are not), or a miss has no explanation."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "coverage"
REPORT = BUILD / "report"
PORTS = ("kernel_port/lib/percpu_ida.c", "kernel_port/lib/percpu_ida_v1.c",
         # the baselines percpu_ida is measured against: held to the same goals
         "kernel_port/lib/ida.c", "kernel_port/lib/ida_tags.c",
         "kernel_port/lib/ida_magazine.c", "kernel_port/lib/sbitmap.c",
         "kernel_port/lib/sbitmap_tags.c", "kernel_port/lib/tag_freelist.c")
EXCEPTIONS = ROOT / "docs" / "coverage_exceptions.toml"
LINE_GOAL, BRANCH_GOAL = 100.0, 95.0


@dataclass
class Miss:
    file: str
    line: int
    code: str
    what: str  # "line" or "branch N"
    why: str | None


def gcovr(*args: str) -> None:
    # drop-ins' images (an upstream file, or our adapter for another era) are
    # not the ports' coverage, and a stale one from before they were built
    # without gcov would not merge
    cmd = [sys.executable, "-m", "gcovr", "--root", str(ROOT), str(BUILD),
           "--exclude-directory", r".*/img/(dropin|sbitmap)-[0-9a-f]+",
           *[a for p in PORTS for a in ("--filter", str(ROOT / p))], *args]
    subprocess.run(cmd, check=True, cwd=ROOT)


def explanations() -> dict[str, list[dict[str, str]]]:
    """docs/coverage_exceptions.toml, by file."""
    table: dict[str, list[dict[str, str]]] = {}
    for entry in tomllib.loads(EXCEPTIONS.read_text()).get("miss", []):
        table.setdefault(entry["file"], []).append(entry)
    return table


def why(table: dict[str, list[dict[str, str]]], file: str, code: str) -> str | None:
    for e in table.get(file, []):
        if e["code"].strip() in code:
            return e["why"]
    return None


def misses(data: dict[str, object]
           ) -> tuple[list[Miss], dict[str, tuple[float, float, float]]]:
    """Every miss, and per file the rates of lines, of branches, and of the
    branches that can be taken (all but the explained misses)."""
    table = explanations()
    out: list[Miss] = []
    rates: dict[str, tuple[float, float, float]] = {}
    for f in data["files"]:  # type: ignore[index]
        name = f["file"]
        source = (ROOT / name).read_text().splitlines()
        lines = [ln for ln in f["lines"] if not ln.get("gcovr/noncode")]
        covered = sum(1 for ln in lines if ln["count"] > 0)
        branches = [(ln, i, b) for ln in lines for i, b in enumerate(ln.get("branches", []))]
        taken = sum(1 for _, _, b in branches if b["count"] > 0)
        for ln in lines:
            code = source[ln["line_number"] - 1].strip()
            if ln["count"] == 0:
                out.append(Miss(name, ln["line_number"], code, "line", why(table, name, code)))
        unreachable = 0
        for ln, i, b in branches:
            if b["count"] == 0:
                code = source[ln["line_number"] - 1].strip()
                out.append(Miss(name, ln["line_number"], code, f"branch {i}",
                                why(table, name, code)))
                unreachable += out[-1].why is not None
        rates[name] = (100.0 * covered / max(1, len(lines)),
                       100.0 * taken / max(1, len(branches)),
                       100.0 * taken / max(1, len(branches) - unreachable))
    return out, rates


def main() -> int:
    REPORT.mkdir(parents=True, exist_ok=True)
    gcovr("--html-details", str(REPORT / "index.html"),
          "--cobertura", str(REPORT / "coverage.xml"),
          "--json", str(REPORT / "coverage.json"))
    data = json.loads((REPORT / "coverage.json").read_text())
    found, rates = misses(data)
    ok = True
    for port in PORTS:
        lines, branches, reachable = rates.get(port, (0.0, 0.0, 0.0))
        good = lines >= LINE_GOAL and reachable >= BRANCH_GOAL
        ok &= good
        print(f"{port}: lines {lines:.1f}% (goal {LINE_GOAL:.0f}%), "
              f"branches {branches:.1f}%, {reachable:.1f}% of those that can be taken "
              f"(goal {BRANCH_GOAL:.0f}%){'' if good else '  !!! below the goal'}")
        for m in (m for m in found if m.file == port):
            ok &= m.why is not None
            print(f"  {m.line:4d} {m.what:9s} {m.code[:60]:60s} "
                  f"{m.why or '!!! UNEXPLAINED'}")
    print(f"HTML: {REPORT / 'index.html'}\nCobertura: {REPORT / 'coverage.xml'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

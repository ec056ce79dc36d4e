"""The scaling benchmark's output: the terminal table, the goals as ratios
from the same run, and the JSON record."""

from __future__ import annotations

import json
import os
import platform
import time
from dataclasses import dataclass
from pathlib import Path

from torture.bench import STEAL_TAGS, WORKLOADS, Point, percentile, points_by


@dataclass(frozen=True)
class Goal:
    what: str
    value: float
    bound: float
    at_most: bool = False

    @property
    def met(self) -> bool:
        return self.value <= self.bound if self.at_most else self.value >= self.bound

    def line(self) -> str:
        sign = "<=" if self.at_most else ">="
        return (f"  {self.what:62s} {self.value:8.2f}x  (goal {sign} {self.bound:g}x)  "
                f"{'met' if self.met else 'MISSED'}")


def _find(points: list[Point], allocator: str, workload: str = "local", space: str = "large",
          threads: int = 1) -> Point | None:
    for p in points:
        if (p.allocator, p.threads, p.workload) == (allocator, threads, workload) and (
                p.reference or p.space == space):
            return p
    return None


def _ratio(num: Point | None, den: Point | None, per_op: bool = False) -> float | None:
    if not num or not den or not num.pairs or not den.pairs:
        return None
    return num.ns_per_op / den.ns_per_op if per_op else num.ops_per_s / den.ops_per_s


def goals(points: list[Point], fastpath: tuple[float, float] | None) -> list[Goal]:
    """issue 6's goals, each a ratio of two numbers from this run; @fastpath is
    (percpu_ida ns/pair, locked-stack ns/pair) from the alternating fast-path
    rounds, the cleaner measure of the first goal."""
    out: list[Goal] = []
    if fastpath:
        out.append(Goal("fast-path pair / per-cpu spinlock pair (alternating rounds)",
                        fastpath[0] / fastpath[1], 2.0, at_most=True))
    ratio = _ratio(_find(points, "percpu_ida"), _find(points, "locked_stack"), per_op=True)
    if ratio:
        out.append(Goal("local pair, 1 thread / per-cpu spinlock pair (scaling run)",
                        ratio, 2.0, at_most=True))
    threads = sorted({p.threads for p in points})
    checks = [(2, "tag_freelist", 10), (2, "ida_tags", 10)]
    scaling = [(2, 1.8)]
    if threads[-1] >= 16:
        checks.append((16, "tag_freelist", 100))
        scaling.append((16, 12))
    for t, other, bound in checks:
        r = _ratio(_find(points, "percpu_ida", threads=t), _find(points, other, threads=t))
        if r:
            out.append(Goal(f"local pairs, {t} threads: percpu_ida / {other}", r, bound))
    for t, bound in scaling:
        r = _ratio(_find(points, "percpu_ida", threads=t), _find(points, "percpu_ida"))
        if r:
            out.append(Goal(f"local pairs: percpu_ida {t} threads / 1 thread", r, bound))
    return out


def table(points: list[Point], ticks_per_ns: float) -> str:
    """One block per workload and tag space; a row per allocator and thread count."""
    lines = ["limit references (alloc+free pair on this thread's own stack; under cross,"
             " the hand-off to the next thread alone):",
             f"  {'reference':14s} {'workload':8s} {'thr':>3s} {'Mops/s':>9s} {'ns/op':>8s}"]
    for p in points:
        if p.reference:
            lines.append(f"  {p.allocator:14s} {p.workload:8s} {p.threads:3d} "
                         f"{p.ops_per_s / 1e6:9.2f} {p.ns_per_op:8.2f}")
    head = (f"  {'allocator':14s} {'thr':>3s} {'Mops/s':>9s} {'ns/op':>8s} {'p50':>7s} "
            f"{'p99':>7s} {'p99.9':>8s} {'enospc':>8s} {'remote':>8s} {'global':>8s} "
            f"{'sleeps':>7s}")
    for workload, space, group in points_by(points):
        sizes = ", ".join(sorted({f"{p.nr_tags} at {p.threads}t" for p in group}))
        lines += ["", f"{workload} / {space} tag space ({sizes}): {WORKLOADS[workload]}",
                  head + "   (latency: alloc ns; events: per 1000 ops)"]
        for p in group:
            ev = p.events
            lines.append(
                f"  {p.allocator:14s} {p.threads:3d} {p.ops_per_s / 1e6:9.2f} "
                f"{p.ns_per_op:8.1f} {percentile(p.hist, 0.5, ticks_per_ns):7.0f} "
                f"{percentile(p.hist, 0.99, ticks_per_ns):7.0f} "
                f"{percentile(p.hist, 0.999, ticks_per_ns):8.0f} {p.enospc:8d} "
                f"{ev.get('remote_pcpu', 0):8.1f} {ev.get('global_locks', 0):8.1f} "
                f"{ev.get('sleeps', 0):7.2f}")
    return "\n".join(lines)


def steal_table(steals: dict[str, tuple[float, float]]) -> str:
    """bench.steal_path() for each allocator."""
    lines = [f"steal path: vCPU 1 parks all {STEAL_TAGS} tags, vCPU 0 allocates (ns, one thread):",
             f"  {'allocator':14s} {'steal':>8s} {'next':>8s} {'ratio':>6s}"]
    for name, (steal, local) in steals.items():
        lines.append(f"  {name:14s} {steal:8.1f} {local:8.1f} {steal / local:5.1f}x")
    return "\n".join(lines)


def machine() -> dict[str, object]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cores": len(os.sched_getaffinity(0)), "cpu": model,
            "kernel": platform.release(), "python": platform.python_version()}


def record(points: list[Point], ticks_per_ns: float, found: list[Goal],
           settings: dict[str, object]) -> dict[str, object]:
    def row(p: Point) -> dict[str, object]:
        def pct(q: float) -> float:
            return round(percentile(p.hist, q, ticks_per_ns), 1)
        return {"allocator": p.allocator, "workload": p.workload, "space": p.space,
                "nr_tags": p.nr_tags, "threads": p.threads, "pairs": p.pairs,
                "seconds": round(p.seconds, 4), "ops_per_s": round(p.ops_per_s),
                "ns_per_op": round(p.ns_per_op, 2), "enospc": p.enospc,
                "alloc_ns": {"p50": pct(0.5), "p99": pct(0.99), "p99.9": pct(0.999)},
                "events_per_1000_ops": {k: round(v, 3) for k, v in p.events.items()},
                "latency_hist_ticks": p.hist}
    return {"date": time.strftime("%Y-%m-%d %H:%M:%S"), "machine": machine(),
            "settings": settings, "ticks_per_ns": ticks_per_ns,
            "goals": [{"what": g.what, "ratio": round(g.value, 3), "bound": g.bound,
                       "at_most": g.at_most, "met": g.met} for g in found],
            "points": [row(p) for p in points]}


def write_json(data: dict[str, object], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1) + "\n")

"""The scaling benchmark: every allocator through every workload of
spec/baselines.md on 1..N pinned threads, with the two limit references
measured in the same run.

The loops are C (shims/harness/bench_run.c); this module picks the points,
runs them in interleaved rounds (so a noisy minute hits every allocator
alike), and keeps the median round of each point.
"""

from __future__ import annotations

import ctypes
import os
import statistics
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from torture import cabi
from torture.errors import HarnessError, InvalidArgument
from torture.kernel import Kernel

ALLOCATORS = ("percpu_ida", "percpu_ida_v1", "ida_mag", "sbitmap_tags", "ida_tags",
              "tag_freelist")
REFERENCES = {"local_stack": 1, "locked_stack": 2}  # hk_bench_params.reference
WORKLOADS = {
    "local": "alloc+free pairs on one vCPU",
    "burst": "bursts of 2 batches of sleeping allocs, then their frees",
    "cross": "alloc on one vCPU, free on the next (a completion elsewhere)",
}
WORKLOAD_CODE = {"local": 0, "burst": 1, "cross": 2}
BATCH = 32  # percpu_ida's default batch (IDA_DEFAULT_PCPU_BATCH_MOVE)
BURST = 2 * BATCH
LARGE_SPACE = 16384
SPACES = ("small", "large")
SAMPLE_SHIFT = 3  # time one alloc in 8
EVENTS = ("sleeps", "wakeups", "remote_pcpu", "global_locks")


def nr_tags(space: str, threads: int) -> int:
    """small: 2 x CPUs x batch, every tag in some burst; large: 16384."""
    return 2 * threads * BATCH if space == "small" else LARGE_SPACE


@dataclass(frozen=True)
class Config:
    allocators: tuple[str, ...] = ALLOCATORS
    workloads: tuple[str, ...] = tuple(WORKLOADS)
    spaces: tuple[str, ...] = SPACES
    threads: tuple[int, ...] = (1, 2)
    duration: float = 0.2  # seconds per point per round
    rounds: int = 3
    hang_timeout: float = 10.0  # a thread still inside this long after the end: a hang

    def __post_init__(self) -> None:
        for label, got, known in (("workload", self.workloads, WORKLOADS),
                                  ("space", self.spaces, SPACES)):
            bad = [w for w in got if w not in known]
            if bad:
                raise InvalidArgument(f"unknown {label} {bad[0]!r}; known: {', '.join(known)}")
        if not self.threads or any(t < 1 or t > 64 for t in self.threads):
            raise InvalidArgument(f"threads must be 1..64, not {self.threads}")
        if not 0.01 <= self.duration <= 60:
            raise InvalidArgument(f"duration={self.duration} s: use 0.01..60")
        if self.rounds < 1:
            raise InvalidArgument(f"rounds={self.rounds}: at least 1")


@dataclass
class Point:
    """One allocator (or reference), workload, tag space and thread count."""

    allocator: str
    workload: str
    space: str
    nr_tags: int
    threads: int
    pairs: int = 0
    seconds: float = 0.0
    enospc: int = 0
    hist: list[int] = field(default_factory=list)  # sampled alloc latency, ticks
    events: dict[str, float] = field(default_factory=dict)  # per 1000 pairs

    @property
    def reference(self) -> bool:
        return self.allocator in REFERENCES

    @property
    def ops_per_s(self) -> float:
        """alloc+free pairs per second, all threads together"""
        return self.pairs / self.seconds if self.seconds else 0.0

    @property
    def ns_per_op(self) -> float:
        """a thread's time per alloc+free pair"""
        return self.threads * self.seconds * 1e9 / self.pairs if self.pairs else float("inf")

    def key(self) -> tuple[str, str, str, int]:
        return self.allocator, self.workload, self.space, self.threads


def bucket_low(index: int) -> int:
    """The smallest tick count of histogram bucket @index (bench_run.c)."""
    if index < 16:
        return index
    msb, sub = 4 + (index - 16) // 8, (index - 16) % 8
    return (8 + sub) << (msb - 3)


def percentile(hist: list[int], q: float, ticks_per_ns: float) -> float:
    """The @q quantile (0..1) of a latency histogram, in ns (bucket lower bound)."""
    total = sum(hist)
    if not total:
        return float("nan")
    want, seen = q * total, 0
    for i, n in enumerate(hist):
        seen += n
        if seen >= want:
            return bucket_low(i) / ticks_per_ns
    return bucket_low(len(hist) - 1) / ticks_per_ns


def plan(cfg: Config) -> list[Point]:
    """Every point of one round: references first, at each thread count."""
    points = [Point(ref, "local", "-", 64, t) for t in cfg.threads for ref in REFERENCES]
    if "cross" in cfg.workloads:  # the hand-off alone, no allocator: the floor of "cross"
        points += [Point("local_stack", "cross", "-", 64, t) for t in cfg.threads]
    for alloc in cfg.allocators:
        for workload in cfg.workloads:
            for space in cfg.spaces:
                for t in cfg.threads:
                    points.append(Point(alloc, workload, space, nr_tags(space, t), t))
    return points


def _run(kernel: Kernel, point: Point, pool_ptr: int | None, seconds: float,
         hang_timeout: float) -> Point:
    params = cabi.HkBenchParams(
        pool=pool_ptr, reference=REFERENCES.get(point.allocator, 0),
        workload=WORKLOAD_CODE[point.workload], nr_threads=point.threads, burst=BURST,
        sample_shift=SAMPLE_SHIFT, duration_us=int(seconds * 1e6),
        join_timeout_ms=int((seconds + hang_timeout) * 1000))
    res = cabi.HkBenchResult()
    rc = kernel.lib.hk_bench_run(ctypes.byref(params), ctypes.byref(res))
    if rc:
        raise HarnessError(f"bench point {point.key()} rejected: {rc}")
    if res.failed:
        raise HarnessError(f"bench {point.key()}: {res.failed} thread(s) still inside the "
                           f"allocator {hang_timeout:g} s after the end (a hang)\n"
                           f"{kernel.task_dump()}")
    return Point(*point.key()[:3], point.nr_tags, point.threads, res.pairs, res.ns / 1e9,
                 res.enospc, list(res.hist))


def _counts(kernel: Kernel) -> list[int]:
    return kernel.sched_counts()[:4]


def measure(point: Point, seconds: float, events: bool, hang_timeout: float = 10.0) -> Point:
    """Run @point for @seconds on a fresh kernel with one vCPU per thread;
    with @events, a quarter as long again with the event counters on."""
    with Kernel(point.allocator if not point.reference else "percpu_ida", point.threads) as k:
        if point.reference:
            return _run(k, point, None, seconds, hang_timeout)
        pool = k.pool(point.nr_tags)
        try:
            got = _run(k, point, pool._ptr, seconds, hang_timeout)
            if events:
                k.lib.hk_set_counting(1)
                before = _counts(k)
                extra = _run(k, point, pool._ptr, seconds / 4, hang_timeout)
                after = _counts(k)
                k.lib.hk_set_counting(0)
                got.events = {name: 1000 * (a - b) / max(extra.pairs, 1)
                              for name, a, b in zip(EVENTS, after, before, strict=True)}
        finally:
            k.lib.hk_set_counting(0)
        return got


def run(cfg: Config, progress: Callable[[int, int, Point], None] | None = None
        ) -> tuple[list[Point], float]:
    """Every point, cfg.rounds times interleaved; the median round of each.
    Returns the points and the cycle counter's ticks per ns."""
    points = plan(cfg)
    total = len(points) * cfg.rounds
    rounds: dict[tuple[str, str, str, int], list[Point]] = {}
    done = 0
    for r in range(cfg.rounds):
        for p in points:
            got = measure(p, cfg.duration, r == 0, cfg.hang_timeout)
            rounds.setdefault(p.key(), []).append(got)
            done += 1
            if progress:
                progress(done, total, p)
    with Kernel("percpu_ida", 1) as k:
        ticks_per_ns = k.lib.hk_bench_ticks_per_us() / 1000
    return [_median(rounds[p.key()]) for p in points], ticks_per_ns


def _median(runs: list[Point]) -> Point:
    """The round with the median throughput, carrying round 0's events."""
    by_speed = sorted(runs, key=lambda p: p.ops_per_s)
    mid = by_speed[len(by_speed) // 2]
    mid.events = runs[0].events
    return mid


def progress_bar(stream=sys.stderr) -> Callable[[int, int, Point], None]:
    """A one-line bar on a terminal; a line per tenth elsewhere (CI logs)."""
    tty = stream.isatty()

    def show(done: int, total: int, p: Point) -> None:
        what = f"{p.allocator} {p.workload}/{p.space} {p.threads}t"
        if tty:
            filled = 30 * done // total
            stream.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total} {what:40s}")
            if done == total:
                stream.write("\n")
        elif done == total or done % max(total // 10, 1) == 0:
            stream.write(f"[{100 * done // total:3d}%] {done}/{total} {what}\n")
        stream.flush()
    return show


def default_threads() -> tuple[int, ...]:
    """1, 2, 4, ... up to the cores this process may use, and that count."""
    cores = len(os.sched_getaffinity(0))
    counts = [1]
    while counts[-1] * 2 <= cores:
        counts.append(counts[-1] * 2)
    if counts[-1] != cores:
        counts.append(cores)
    return tuple(counts)


def points_by(points: list[Point]) -> Iterator[tuple[str, str, list[Point]]]:
    """The allocator points grouped by workload and space, in plan order."""
    seen: dict[tuple[str, str], list[Point]] = {}
    for p in points:
        if not p.reference:
            seen.setdefault((p.workload, p.space), []).append(p)
    for (workload, space), group in seen.items():
        yield workload, space, group


def fastpath(allocator: str, rounds: int, iters: int) -> tuple[float, float]:
    """The best ns per alloc+free pair of @allocator's fast path and of the
    per-thread spinlocked stack, in rounds that alternate between the two on
    one pinned thread, so both see the same machine."""
    saved = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(saved)})
    try:
        with Kernel(allocator, 1) as k:
            pool = k.pool(1024)
            best, ref = float("inf"), float("inf")
            for _ in range(rounds):
                best = min(best, k.lib.hk_bench_fastpath(pool._ptr, iters))
                ref = min(ref, k.lib.hk_bench_reference(iters))
    finally:
        os.sched_setaffinity(0, saved)
    if best < 0:
        raise HarnessError(f"{allocator}: the fast-path loop failed")
    return best, ref


STEAL_TAGS = 16  # parked on vCPU 1: under every allocator's per-CPU capacity


def steal_path(allocator: str, rounds: int = 5, iters: int = 2000) -> tuple[float, float]:
    """ns of the alloc on vCPU 0 that must take the tags vCPU 1 parked (the
    only free ones), and of the alloc after it, served locally: medians of
    @rounds, on a pool of exactly STEAL_TAGS tags."""
    out = (ctypes.c_double * 2)()
    steals, locals_ = [], []
    with Kernel(allocator, 2) as k:
        ticks_per_ns = k.lib.hk_bench_ticks_per_us() / 1000
        pool = k.pool(STEAL_TAGS)
        for _ in range(rounds):
            rc = k.lib.hk_bench_steal(pool._ptr, STEAL_TAGS, iters, out)
            if rc:
                raise HarnessError(f"{allocator}: the steal loop failed ({rc})")
            steals.append(out[0] / ticks_per_ns)
            locals_.append(out[1] / ticks_per_ns)
    return statistics.median(steals), statistics.median(locals_)

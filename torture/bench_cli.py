"""`python -m torture bench` and `bench-fastpath`: the benchmarks that answer
the review (docs/why-not-ida.md)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from torture import bench, bench_plot, bench_report, images
from torture.errors import InvalidArgument

RESULTS = Path(__file__).resolve().parent.parent / "bench" / "results"


def _allocators(text: str | None) -> tuple[str, ...]:
    """The named images (any image lookup() knows), or the six, and the
    drop-ins' too when PERCPU_IDA_SRC or SBITMAP_SRC names one."""
    if text:
        names = tuple(n for n in text.split(",") if n)
        for n in names:
            images.lookup(n)
        return names
    return bench.ALLOCATORS + tuple(spec.name for spec in images.dropins())


def _names(text: str, known: tuple[str, ...] | dict[str, str], label: str) -> tuple[str, ...]:
    names = tuple(n for n in text.split(",") if n)
    for n in names:
        if n not in known:
            raise InvalidArgument(f"unknown {label} {n!r}; known: {', '.join(known)}")
    return names


def _threads(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(t) for t in text.split(",") if t)
    except ValueError:
        raise InvalidArgument(f"--threads takes numbers like 1,2,4, not {text!r}") from None


def add_parsers(sub: argparse._SubParsersAction) -> None:
    b = sub.add_parser(
        "bench", help="every allocator, every workload, 1..N pinned threads",
        description="The scaling benchmark of spec/baselines.md: ops/s, ns per op, alloc "
                    "latency percentiles and allocator events for every allocator and "
                    "workload, with the two limit references measured in the same run.  A "
                    "table on the terminal, JSON and PNG plots in --out.")
    b.add_argument("--allocators",
                   help="comma-separated allocator images (default: the six, and a drop-in)")
    b.add_argument("--workloads", default=",".join(bench.WORKLOADS),
                   help="comma-separated: local, burst, cross (default: all)")
    b.add_argument("--spaces", default=",".join(bench.SPACES),
                   help="comma-separated: small (2 x CPUs x batch tags), large (16384)")
    b.add_argument("--threads", default=",".join(map(str, bench.default_threads())),
                   help="comma-separated thread counts (default: 1, 2, 4, ... the cores)")
    b.add_argument("--duration", type=float, default=0.2, help="seconds per point per round")
    b.add_argument("--rounds", type=int, default=3,
                   help="interleaved rounds; each point keeps its median (default 3)")
    b.add_argument("--fastpath-rounds", type=int, default=11,
                   help="alternating fast-path rounds for the first goal (0: skip)")
    b.add_argument("--steal-rounds", type=int, default=5,
                   help="rounds of the steal-path timing (0: skip)")
    b.add_argument("--out", type=Path, default=RESULTS, help="where JSON and PNGs go")
    b.add_argument("--tag", help="file name stem (default: bench-<cores>core)")
    b.add_argument("--no-plots", action="store_true", help="skip the PNGs")
    b.add_argument("--json", action="store_true", help="print the JSON record, not the table")
    f = sub.add_parser("bench-fastpath",
                       help="one alloc+free pair on the fast path against a per-cpu "
                            "spinlock stack, measured in the same run")
    f.add_argument("--iters", type=int, default=500_000, help="pairs per round")
    f.add_argument("--rounds", type=int, default=21, help="rounds of each, alternating")


def cmd_bench(args: argparse.Namespace) -> int:
    cfg = bench.Config(
        allocators=_allocators(args.allocators),
        workloads=_names(args.workloads, bench.WORKLOADS, "workload"),
        spaces=_names(args.spaces, bench.SPACES, "space"),
        threads=_threads(args.threads), duration=args.duration, rounds=args.rounds)
    points, ticks_per_ns = bench.run(cfg, bench.progress_bar())
    fast = (bench.fastpath("percpu_ida", args.fastpath_rounds, 500_000)
            if args.fastpath_rounds and "percpu_ida" in cfg.allocators else None)
    steals = ({name: bench.steal_path(name, args.steal_rounds) for name in cfg.allocators}
              if args.steal_rounds else {})
    found = bench_report.goals(points, fast)
    settings = {"allocators": cfg.allocators, "workloads": cfg.workloads,
                "spaces": cfg.spaces, "threads": cfg.threads, "duration": cfg.duration,
                "rounds": cfg.rounds, "burst": bench.BURST, "batch": bench.BATCH,
                "fastpath_ns": fast}
    data = bench_report.record(points, ticks_per_ns, found, settings)
    data["steal_path_ns"] = {name: {"steal": round(s, 1), "local": round(loc, 1)}
                             for name, (s, loc) in steals.items()}
    stem = args.tag or f"bench-{data['machine']['cores']}core"  # type: ignore[index]
    bench_report.write_json(data, args.out / f"{stem}.json")
    if not args.no_plots:
        title = f"{stem} ({data['machine']['cpu']})"  # type: ignore[index]
        bench_plot.throughput(points, args.out / f"{stem}-throughput.png", title)
        bench_plot.latency(points, ticks_per_ns, args.out / f"{stem}-latency.png", stem)
    if args.json:
        print(json.dumps(data, indent=1))
        return 0
    print(bench_report.table(points, ticks_per_ns))
    if steals:
        print("\n" + bench_report.steal_table(steals))
    print("\ngoals (ratios of numbers from this run; not tests):")
    for g in found:
        print(g.line())
    print(f"\nwrote {args.out / stem}.json" + ("" if args.no_plots else ", -throughput.png, "
                                                 "-latency.png"))
    return 0


def cmd_fastpath(args: argparse.Namespace) -> int:
    print(f"{'allocator':16s} {'ns/pair':>8s} {'reference':>10s} {'ratio':>6s}  (goal <= 2.0x)")
    for spec in images.allocators().values():
        best, ref = bench.fastpath(spec.name, args.rounds, args.iters)
        print(f"{spec.name:16s} {best:8.2f} {ref:10.2f} {best / ref:6.2f}x")
    return 0

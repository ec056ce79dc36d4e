"""The scaling benchmark's plots: throughput against threads, one panel per
workload and tag space; the alloc latency distribution of each allocator."""

from __future__ import annotations

import math
from pathlib import Path

from torture.bench import Point, bucket_low, points_by


def _pyplot():  # type: ignore[no-untyped-def]
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def throughput(points: list[Point], path: Path, title: str) -> None:
    plt = _pyplot()
    from matplotlib.ticker import ScalarFormatter

    groups = list(points_by(points))
    refs = [p for p in points if p.reference]
    cols = 2
    rows = math.ceil(len(groups) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(6 * cols, 3.6 * rows), squeeze=False)
    for ax, (workload, space, group) in zip(axes.flat, groups, strict=False):
        for name in dict.fromkeys(p.allocator for p in group):
            mine = sorted((p for p in group if p.allocator == name), key=lambda p: p.threads)
            ax.plot([p.threads for p in mine], [p.ops_per_s / 1e6 for p in mine],
                    marker="o", label=name)
        locked = sorted((p for p in refs if p.allocator == "locked_stack"),
                        key=lambda p: p.threads)
        ax.plot([p.threads for p in locked], [p.ops_per_s / 1e6 for p in locked],
                linestyle="--", color="grey", label="per-cpu spinlock (limit)")
        handoff = sorted((p for p in refs if p.workload == workload == "cross"),
                         key=lambda p: p.threads)
        if handoff:
            ax.plot([p.threads for p in handoff], [p.ops_per_s / 1e6 for p in handoff],
                    linestyle=":", color="black", label="hand-off alone (limit)")
        ax.set_title(f"{workload} / {space} tag space")
        ax.set_xlabel("threads (pinned)")
        ax.set_ylabel("M alloc+free pairs/s")
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(ScalarFormatter())
        ax.set_xticks(sorted({p.threads for p in group}))
        ax.grid(True, which="both", alpha=0.3)
    for ax in list(axes.flat)[len(groups):]:
        ax.axis("off")
    for ax in axes.flat[:len(groups)]:
        ax.legend(fontsize=6)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def latency(points: list[Point], ticks_per_ns: float, path: Path, title: str,
            workload: str = "local", space: str = "large") -> None:
    """The complementary CDF of sampled alloc latency, at the most threads."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.2))
    chosen = [p for p in points if not p.reference and (p.workload, p.space) ==
              (workload, space)]
    most = max((p.threads for p in chosen), default=1)
    for p in chosen:
        if p.threads != most or not sum(p.hist):
            continue
        total, left = sum(p.hist), sum(p.hist)
        xs, ys = [], []
        for i, n in enumerate(p.hist):
            if n:
                xs.append(bucket_low(i) / ticks_per_ns)
                ys.append(left / total)
                left -= n
        ax.step(xs, ys, where="post", label=p.allocator)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("alloc latency, ns (sampled 1 in 8)")
    ax.set_ylabel("fraction of allocs slower")
    ax.set_title(f"{title}: {workload} / {space}, {most} thread(s)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)

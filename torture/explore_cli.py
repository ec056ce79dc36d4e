"""`python -m torture explore`: the deterministic engine on a named scenario."""

from __future__ import annotations

import argparse
import itertools
import json
import os
from dataclasses import asdict
from pathlib import Path

from torture import det_suite, explore, explore_child, images, shrink
from torture.errors import InvalidArgument

STRATEGIES = ("random", "pct", "exhaustive", "suite")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "explore", help="the deterministic engine: force interleavings, replay failures",
        description="Tasks, irq handlers and hotplug events run as fibers on one thread; "
                    "at every scheduling point a strategy picks what runs next.  A failure "
                    "prints the decision list that replays it, bit for bit.")
    p.add_argument("allocator", help="allocator image (`python -m torture list`)")
    p.add_argument("--scenario", default="standard",
                   help=f"one of {', '.join(det_suite.SCENARIOS)} (default: standard)")
    p.add_argument("--strategy", choices=STRATEGIES, default="suite",
                   help="suite: every scenario under the default budget (default)")
    p.add_argument("--runs", type=int, default=1000, help="runs for random and pct")
    p.add_argument("--seed", type=int, default=0, help="seed for random and pct")
    p.add_argument("--depth", type=int, default=3, help="PCT depth")
    p.add_argument("--preemptions", type=int, default=1, help="exhaustive: preemption bound")
    p.add_argument("--replay", help="comma-separated decisions, V*N for N of V: run once "
                                    "with them")
    p.add_argument("--memory", action="store_true",
                   help="the allocator's plain loads and stores are scheduling points too")
    p.add_argument("--shrink", action="store_true",
                   help="shrink a failure to the fewest preemptions before printing it")
    p.add_argument("--trace", action="store_true", help="print the last run's trace")
    p.add_argument("--json", type=Path, help="also write the outcome as JSON here")
    p.add_argument("--hang_timeout", type=float, default=600.0,
                   help="seconds without a result line before the run counts as hung "
                        "(default: 600)")


def encode(decisions: list[int]) -> str:
    """Decisions as --replay takes them, runs of a value written V*N."""
    out: list[str] = []
    for value, run in itertools.groupby(decisions):
        n = len(list(run))
        out += [str(value)] * n if n < 3 else [f"{value}*{n}"]
    return ",".join(out) or "0"


def decode(text: str) -> list[int]:
    decisions: list[int] = []
    try:
        for item in filter(None, (x.strip() for x in text.split(","))):
            value, _, count = item.partition("*")
            decisions += [int(value)] * (int(count) if count else 1)
    except ValueError as e:
        raise InvalidArgument(f"--replay takes comma-separated integers (V*N for a run): "
                              f"{e}") from e
    return decisions


def _strategy(args: argparse.Namespace) -> explore.Strategy:
    if args.replay is not None:
        return explore.Replay(decode(args.replay))
    if args.strategy == "random":
        return explore.Random(seed=args.seed, runs=args.runs)
    if args.strategy == "pct":
        return explore.PCT(seed=args.seed, runs=args.runs, depth=args.depth)
    return explore.Exhaustive(preemptions=args.preemptions, runs=max(args.runs, 100_000))


def cmd(args: argparse.Namespace) -> int:
    if args.scenario not in det_suite.SCENARIOS:
        raise InvalidArgument(f"unknown scenario {args.scenario!r}: one of "
                              f"{', '.join(det_suite.SCENARIOS)}")
    if args.hang_timeout <= 0:
        raise InvalidArgument(f"--hang_timeout={args.hang_timeout}: must be positive seconds")
    if os.environ.get(explore.CHILD) != "1":
        images.lookup(args.allocator)  # bad input is a one-line error here, not the child's
        if args.replay is not None:
            decode(args.replay)
        return explore_child.run(args.argv, args.allocator, args.hang_timeout)
    if args.strategy == "suite" and args.replay is None:
        plan = list(det_suite.suite(args.seed, args.allocator))
    else:
        plan = [(args.scenario, det_suite.SCENARIOS[args.scenario](),
                 det_suite.Budget(_strategy(args), args.memory))]
    spec = images.lookup(args.allocator)
    if spec.dropin:  # what was recognised in the user's file
        print(spec.about)
    outcome = None
    for name, scenario, budget in plan:
        print(f"--- scenario {name} memory {int(budget.memory)}", flush=True)
        outcome = explore.explore(args.allocator, scenario, budget.strategy,
                                  trace=args.trace, memory=budget.memory)
        label = type(budget.strategy).__name__.lower() + ("+mem" if budget.memory else "")
        print(f"{name:12s} {label:14s} {outcome.verdict:9s} {outcome.runs:6d} runs "
              f"{outcome.total_steps:9d} steps {outcome.seconds:7.3f} s")
        if outcome.failed:
            break
    assert outcome is not None
    if outcome.failed and args.shrink:
        outcome = shrink.shrink(args.allocator, scenario, outcome, memory=budget.memory)
        print(f"shrunk to {outcome.preemptions} preemptions, "
              f"{len(outcome.decisions)} decisions")
    if args.trace:
        print("\n".join(str(s) for s in outcome.trace))
    if outcome.failed:
        print(f"FAILURE: {outcome.message}")
        decisions = encode(shrink.trimmed(outcome.decisions))
        prefix = images.rerun_prefix(args.allocator)
        print(f"replay: {prefix}python -m torture explore {args.allocator} --scenario {name} "
              f"{'--memory ' if budget.memory else ''}--replay {decisions}")
    else:
        print("SUCCESS")
    if args.json:
        data = asdict(outcome)
        data["trace"] = [str(s) for s in outcome.trace]
        args.json.write_text(json.dumps(data, indent=1))
    return 1 if outcome.failed else 0

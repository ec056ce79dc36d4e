"""`python -m torture explore`: the deterministic engine on a named scenario."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path

from torture import det_suite, explore
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
    p.add_argument("--replay", help="comma-separated decisions: run once with them")
    p.add_argument("--trace", action="store_true", help="print the last run's trace")
    p.add_argument("--json", type=Path, help="also write the outcome as JSON here")


def _strategy(args: argparse.Namespace) -> explore.Strategy:
    if args.replay is not None:
        try:
            return explore.Replay([int(x) for x in args.replay.split(",") if x.strip()])
        except ValueError as e:
            raise InvalidArgument(f"--replay takes comma-separated integers: {e}") from e
    if args.strategy == "random":
        return explore.Random(seed=args.seed, runs=args.runs)
    if args.strategy == "pct":
        return explore.PCT(seed=args.seed, runs=args.runs, depth=args.depth)
    return explore.Exhaustive(preemptions=args.preemptions, runs=max(args.runs, 100_000))


def cmd(args: argparse.Namespace) -> int:
    if args.scenario not in det_suite.SCENARIOS:
        raise InvalidArgument(f"unknown scenario {args.scenario!r}: one of "
                              f"{', '.join(det_suite.SCENARIOS)}")
    if args.strategy == "suite" and args.replay is None:
        plan = [(n, s, st) for n, s, st in det_suite.suite(args.seed)]
    else:
        plan = [(args.scenario, det_suite.SCENARIOS[args.scenario](), _strategy(args))]
    outcome = None
    for name, scenario, strategy in plan:
        outcome = explore.explore(args.allocator, scenario, strategy, trace=args.trace)
        label = type(strategy).__name__.lower()
        print(f"{name:12s} {label:10s} {outcome.verdict:9s} {outcome.runs:6d} runs "
              f"{outcome.total_steps:9d} steps {outcome.seconds:7.3f} s")
        if outcome.failed:
            break
    assert outcome is not None
    if args.trace:
        print("\n".join(str(s) for s in outcome.trace))
    if outcome.failed:
        print(f"FAILURE: {outcome.message}")
        print(f"replay: python -m torture explore {args.allocator} --scenario {name} "
              f"--replay {','.join(map(str, outcome.decisions)) or '0'}")
    else:
        print("SUCCESS")
    if args.json:
        data = asdict(outcome)
        data["trace"] = [str(s) for s in outcome.trace]
        args.json.write_text(json.dumps(data, indent=1))
    return 1 if outcome.failed else 0

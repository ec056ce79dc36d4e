"""`python -m torture explore`: the deterministic engine on a named scenario."""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import asdict
from pathlib import Path

from torture import det_suite, explore, explore_child, images, replay, shrink, symbols
from torture.errors import InvalidArgument

STRATEGIES = ("random", "pct", "exhaustive", "suite")
# no failure, but a search did not cover its bound (1 is a failure, 2 bad input)
INCOMPLETE_EXIT = 3


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "explore", help="the deterministic engine: force interleavings, replay failures",
        description="Tasks, irq handlers and hotplug events run as fibers on one thread; "
                    "at every scheduling point a strategy picks what runs next.  A failure "
                    "prints the decision list that replays it, bit for bit.")
    p.add_argument("allocator", help="allocator image (`python -m torture list`)")
    p.add_argument("--scenario",
                   help=f"one of {', '.join(det_suite.SCENARIOS)} (default: standard), for "
                        "random, pct, exhaustive and --replay")
    p.add_argument("--strategy", choices=STRATEGIES, default="suite",
                   help="suite: every scenario under the default budget (default)")
    p.add_argument("--runs", type=int,
                   help="runs for random and pct (default 1000); exhaustive: the cap "
                        "(default 100000), past which the search is INCOMPLETE")
    p.add_argument("--seed", type=int, default=0, help="seed for random and pct")
    p.add_argument("--depth", type=int, default=3, help="PCT depth")
    p.add_argument("--preemptions", type=int, default=1, help="exhaustive: preemption bound")
    p.add_argument("--no_reduction", action="store_true",
                   help="exhaustive: run every schedule within the bound, without "
                        "partial-order reduction (the reference the reduction is checked "
                        "against)")
    p.add_argument("--replay", help="run once with a recorded replay, as a failure prints "
                                    "it (SCENARIO/memM/imgID/nCHOICES/crcCRC:DECISIONS)")
    p.add_argument("--memory", action="store_true",
                   help="the allocator's plain loads and stores are scheduling points too "
                        "(the suite sets it per budget)")
    p.add_argument("--migrations", type=int, default=1,
                   help="how many times a run may move a task to another vCPU (default 1)")
    p.add_argument("--shrink", action="store_true",
                   help="shrink a failure to the fewest preemptions before printing it")
    p.add_argument("--trace", action="store_true", help="print the last run's trace")
    p.add_argument("--json", type=Path, help="also write the outcome as JSON here")
    p.add_argument("--hang_timeout", type=float, default=600.0,
                   help="seconds without a result line before the run counts as hung "
                        "(default: 600)")


def _strategy(args: argparse.Namespace) -> explore.Strategy:
    if args.replay is not None:
        return explore.Replay(replay.decode(args.replay).decisions)
    if args.strategy == "random":
        return explore.Random(seed=args.seed, runs=args.runs or 1000)
    if args.strategy == "pct":
        return explore.PCT(seed=args.seed, runs=args.runs or 1000, depth=args.depth)
    return explore.Exhaustive(preemptions=args.preemptions, runs=args.runs or 100_000,
                              reduce=not args.no_reduction)


def cmd(args: argparse.Namespace) -> int:
    suite = args.strategy == "suite" and args.replay is None
    if suite and (args.scenario is not None or args.memory):
        raise InvalidArgument("--scenario and --memory choose one search (--strategy random, "
                              "pct or exhaustive, or --replay); the suite runs every scenario "
                              "with and without memory points")
    if args.no_reduction and (args.strategy != "exhaustive" or args.replay is not None):
        raise InvalidArgument("--no_reduction is for --strategy exhaustive: the suite and "
                              "the other strategies have nothing to reduce")
    args.scenario = args.scenario or "standard"
    if args.scenario not in det_suite.SCENARIOS:
        raise InvalidArgument(f"unknown scenario {args.scenario!r}: one of "
                              f"{', '.join(det_suite.SCENARIOS)}")
    for name, value, least in [("--runs", args.runs, 1), ("--preemptions", args.preemptions, 0),
                               ("--depth", args.depth, 1), ("--migrations", args.migrations, 0)]:
        if value is not None and value < least:
            raise InvalidArgument(f"{name}={value}: must be at least {least}")
    if args.hang_timeout <= 0:
        raise InvalidArgument(f"--hang_timeout={args.hang_timeout}: must be positive seconds")
    if os.environ.get(explore.CHILD) != "1":
        images.lookup(args.allocator)  # bad input is a one-line error here, not the child's
        if args.replay is not None:
            replay.decode(args.replay)
        return explore_child.run(args.argv, args.allocator, args.hang_timeout,
                                 args.migrations)
    if suite:
        plan = list(det_suite.suite(args.seed, args.allocator))
    else:
        plan = [(args.scenario, det_suite.SCENARIOS[args.scenario](),
                 det_suite.Budget(_strategy(args), args.memory))]
    spec = images.lookup(args.allocator)
    if spec.dropin:  # what was recognised in the user's file
        print(spec.about)
    image = symbols.build_id(images.build(spec))
    recording = None
    if args.replay is not None:
        recording = replay.decode(args.replay)
        recording.check(args.scenario, args.memory, args.migrations, image)
    outcome = None
    incomplete: list[str] = []
    for name, scenario, budget in plan:
        print(f"--- scenario {name} memory {int(budget.memory)}", flush=True)
        outcome = explore.explore(args.allocator, scenario, budget.strategy,
                                  trace=args.trace, memory=budget.memory,
                                  migrations=args.migrations)
        if recording is not None:
            recording.check_run(outcome.choices, outcome.options)
        label = _label(budget)
        print(f"{name:15s} {label:17s} {outcome.verdict:10s} {outcome.runs:6d} runs "
              f"{outcome.total_steps:9d} steps {outcome.seconds:7.3f} s  "
              f"{outcome.coverage()}")
        if outcome.failed:
            break
        if outcome.verdict == explore.INCOMPLETE:
            incomplete.append(f"{name} {label}")
    assert outcome is not None
    if outcome.failed and args.shrink:
        outcome, proven = shrink.shrink(args.allocator, scenario, outcome,
                                        memory=budget.memory)
        fewest = ("the fewest: every smaller bound searched to the end" if proven
                  else "a smaller bound was not searched to the end")
        print(f"shrunk to {outcome.preemptions} preemptions ({fewest}), "
              f"{len(outcome.decisions)} decisions")
    if args.trace:
        print("\n".join(str(s) for s in outcome.trace))
    if outcome.failed:
        print(f"FAILURE: {outcome.message}")
        recorded = replay.Recording(name, budget.memory, args.migrations, image,
                                    outcome.choices, shrink.trimmed(outcome.decisions))
        print(f"replay: {recorded.command(args.allocator)}")
    else:
        if len(plan) == 1:
            print(outcome.headline())
        if incomplete:
            print(f"INCOMPLETE: no failure, but {len(incomplete)} of {len(plan)} searches "
                  f"did not do what they claim: {', '.join(incomplete)}")
        else:
            print("SUCCESS")
    if args.json:
        data = asdict(outcome)
        data["trace"] = [str(s) for s in outcome.trace]
        args.json.write_text(json.dumps(data, indent=1))
    return 1 if outcome.failed else INCOMPLETE_EXIT if incomplete else 0


def _label(budget: det_suite.Budget) -> str:
    strategy = budget.strategy
    label = type(strategy).__name__.lower()
    if isinstance(strategy, explore.Exhaustive):
        label += f"({strategy.preemptions})"
    return label + ("+mem" if budget.memory else "")

"""Command line: `python -m torture {run,build,list,bench,bench-fastpath,fault,explore}`."""

from __future__ import annotations

import argparse
import sys
from dataclasses import fields
from pathlib import Path

from torture import bench_cli, explore_cli, fault_scripts, images, report, runner
from torture.errors import HarnessError, InvalidArgument


def _add_run(sub: argparse._SubParsersAction) -> None:
    run = sub.add_parser(
        "run", help="a threaded torture run, ending in SUCCESS or FAILURE",
        description="Pinned host threads run random alloc/hold/free loops in C against one "
                    "pool.  Every tag's owner is tracked, so a double allocation is caught "
                    "at once; at the end every tag must be free exactly once and the kernel's "
                    "memory back to zero.  0 means 'pick for me' where it is allowed.",
    )
    for f in fields(runner.TortureParams):
        if isinstance(f.default, bool):
            run.add_argument(f"--{f.name}", action="store_true", help=f.metadata["help"])
        else:
            run.add_argument(f"--{f.name}", type=type(f.default), default=f.default,
                             help=f"{f.metadata['help']} (default: {f.default})")
    run.add_argument("--json", type=Path, help="also write the result as JSON to this file")


def _cmd_run(args: argparse.Namespace) -> int:
    params = runner.TortureParams(**{f.name: getattr(args, f.name)
                                     for f in fields(runner.TortureParams)})
    progress = report.Progress(params.duration) if sys.stdout.isatty() else None

    def emit(line: str) -> None:
        if progress:
            progress.clear()
        print(line, flush=True)
        if progress:
            progress.update(line)

    result = runner.run_isolated(params, emit=emit)
    if progress:
        progress.clear()
    for line in report.end_lines(result):
        print(line, flush=True)
    if args.json:
        report.save_json(result, args.json)
    return result.exit_status


def _cmd_build(args: argparse.Namespace) -> int:
    specs = [*images.CORRECT.values(), *images.BASELINES.values(), *images.BROKEN.values(),
             *images.dropins()]
    for spec in specs:
        path = images.build(spec, args.san)
        print(f"  IMAGE   {spec.name:28s} {path.relative_to(images.ROOT)}")
    return 0


def _cmd_list(args: argparse.Namespace) -> int:
    for spec in images.allocators().values():
        print(f"{spec.name:28s} {spec.about}")
    for spec in images.BROKEN.values():
        print(f"{spec.name:28s} BROKEN: {spec.about} (expect: {spec.expect})")
    for spec in images.INTERLEAVING_ONLY.values():
        print(f"{spec.name:28s} BROKEN, for the deterministic engine: {spec.about}")
    for spec in images.BARRIER_ONLY.values():
        print(f"{spec.name:28s} BROKEN, for SAN=thread: {spec.about}")
    for spec in images.DRIVER_ERROR_PATHS.values():
        print(f"{spec.name:28s} BROKEN, for the fault scripts: {spec.about}")
    return 0


def _cmd_fault(args: argparse.Namespace) -> int:
    if args.name == "list":
        for script in fault_scripts.SCRIPTS.values():
            print(f"{script.name:24s} {script.about}")
        return 0
    script = fault_scripts.SCRIPTS.get(args.name)
    if script is None:
        raise InvalidArgument(f"unknown fault script {args.name!r}; known: "
                              f"{', '.join(fault_scripts.SCRIPTS)}")
    if not images.lookup(args.torture_type).has_driver:
        raise InvalidArgument(f"--torture_type {args.torture_type}: the fault scripts drive "
                              f"the tagblk driver, which only percpu_ida images have")
    print(f"--- {script.name} on {args.torture_type}: {script.about}")
    ok = script.run(args.torture_type, lambda line: print(line, flush=True), args.quick)
    print(f"--- {script.name}: {'SUCCESS' if ok else 'FAILURE'}")
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m torture",
        description="Kernel lib/ code in a process: percpu_ida tortured, forced and measured.",
    )
    sub = parser.add_subparsers(dest="cmd", required=True)
    _add_run(sub)
    build = sub.add_parser("build", help="build every kernel image (make does the work)")
    build.add_argument("--san", choices=images.SANITIZERS, help="sanitized build")
    sub.add_parser("list", help="the allocator images there are")
    bench_cli.add_parsers(sub)
    fault = sub.add_parser("fault", help="a ready fault-injection scenario (`fault list`)")
    fault.add_argument("name", help="the scenario, or `list`")
    fault.add_argument("--torture_type", default="percpu_ida", help="allocator image")
    fault.add_argument("--quick", action="store_true", help="a shorter version")
    explore_cli.add_parser(sub)
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    handlers = {"run": _cmd_run, "build": _cmd_build, "list": _cmd_list,
                "bench": bench_cli.cmd_bench, "bench-fastpath": bench_cli.cmd_fastpath,
                "fault": _cmd_fault, "explore": explore_cli.cmd}
    try:
        return handlers[args.cmd](args)
    except HarnessError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2

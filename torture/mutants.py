"""`make mutants`: the harness measured on mutants of the code it checks.

Every mutant `torture.mutate` makes of an allocator's sources is built as a
patched image (MUTANT_BASE, MUTANT_PATCH) and run through the default
campaign, stopping at the first stage that fails it:
  1. the deterministic suite (`python -m torture explore mutant --strategy suite`);
  2. the allocator suites of `make test` (API_SUITES), the mutant their only
     allocator: the contract at its edges (limits, sizes, failed inits);
  3. short threaded torture runs, one per topology (torture/topologies.py).
A mutant that fails to build is stillborn and not counted; one listed in
kernel_port/mutants-equivalent.txt (with the reason it behaves as the
original) is not counted either.  The kill rate is killed / (built - equivalent).

Results: a JSON file and a table (bench/results/mutants-<allocator>-<N>core.*):
for each mutant its stage, the check id that killed it, the seconds it took,
and for each survivor its diff.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

from torture import checks, images, mutate, topologies
from torture.errors import BuildError, HarnessError, InvalidArgument
from torture.explore_cli import INCOMPLETE_EXIT

EQUIVALENT = images.PORT / "mutants-equivalent.txt"
RESULTS = images.ROOT / "bench" / "results"

# the allocator suites of `make test` that take any allocator image
API_SUITES = ("test_percpu_ida.py", "test_api_behaviour.py")


@dataclass
class Verdict:
    id: str
    operator: str
    line: int
    change: str
    status: str  # killed, survived, equivalent, stillborn
    stage: str = ""  # det:<scenario>, torture:<topology>, build
    check: str = ""  # the check id that killed it
    reason: str = ""  # the failure's first line
    seconds: float = 0.0  # from the first run to the kill (the build not counted)
    rerun: str = ""  # the command that shows the kill again
    diff: str = ""  # what it changed (the table shows survivors')


@dataclass
class Campaign:
    allocator: str
    sources: list[Path]
    jobs: int
    torture_seconds: float
    seed: int
    equivalent: dict[str, str] = field(default_factory=dict)
    verdicts: list[Verdict] = field(default_factory=list)


def equivalent_mutants(allocator: str, path: Path = EQUIVALENT) -> dict[str, str]:
    """The mutants of @allocator listed as equivalent: id -> the reason."""
    found = {}
    for line in path.read_text().splitlines() if path.exists() else []:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(None, 2)
        if len(parts) < 3:
            raise InvalidArgument(f"{path}: {line!r}: want 'allocator mutant-id reason'")
        if parts[0] == allocator:
            found[parts[1]] = parts[2]
    return found


def sources_of(allocator: str) -> list[Path]:
    """The files a mutant may change: the allocator's own, and the libraries
    beneath a baseline (not test_ida.c, the ida's own self-test)."""
    spec = {**images.PORTS, **images.BASELINES}.get(allocator)
    if spec is None:
        raise InvalidArgument(f"--allocator {allocator!r}: use one of "
                              f"{', '.join(sorted({**images.PORTS, **images.BASELINES}))}")
    return [spec.source, *(lib for lib in spec.libs if not lib.name.startswith("test_"))]


def _env(allocator: str, patch: Path) -> dict[str, str]:
    env = {**os.environ, "MUTANT_BASE": allocator, "MUTANT_PATCH": str(patch)}
    for name in ("PERCPU_IDA_SRC", "PERCPU_IDA_H", "SBITMAP_SRC", "SBITMAP_H", "MAKEFLAGS",
                 "SAN", "COVERAGE"):
        env.pop(name, None)
    return env


def _python(args: list[str], env: dict[str, str], timeout: float,
            module: str = "torture") -> tuple[int, str]:
    """Run `python -m MODULE ARGS` in its own process group, killed whole on
    timeout; its exit status (124 on timeout) and output."""
    proc = subprocess.Popen([sys.executable, "-m", module, *args], env=env,
                            cwd=images.ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
        return proc.returncode, out
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        return 124, out
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _det(c: Campaign, v: Verdict, env: dict[str, str], work: Path) -> bool:
    """The deterministic suite: True if it killed the mutant."""
    out_json = work / "det.json"
    rc, out = _python(["explore", "mutant", "--strategy", "suite", "--seed", str(c.seed),
                       "--hang_timeout", "120", "--json", str(out_json)], env, 1800)
    if rc in (0, INCOMPLETE_EXIT):
        return False
    replay = re.search(r"^replay: (.*--scenario (\S+).*)$", out, re.M)
    v.stage = f"det:{replay.group(2) if replay else '?'}"
    failure = re.search(r"^FAILURE: (.*)$", out, re.M)
    if rc == 1 and out_json.exists() and replay:
        data = json.loads(out_json.read_text())
        v.check = checks.det_check_of(data["verdict"], data["message"])
        v.reason, v.rerun = data["message"].split("\n")[0], replay.group(1)
    elif rc == 1 and failure:  # a hung child: the parent's verdict, without JSON
        v.check, v.reason = checks.check_of(failure.group(1)), failure.group(1)
        v.rerun = replay.group(1) if replay else ""
    else:
        v.check, v.reason = "harness", _last_line(out, rc)
    return True


def _api(c: Campaign, v: Verdict, env: dict[str, str], work: Path) -> bool:
    """The allocator suites of `make test` (the contract at its edges: sizes,
    limits, failed inits), with the mutant as their only allocator."""
    rc, out = _python(["-x", "-q", "-p", "no:cacheprovider",
                       *(str(images.ROOT / "pytests" / name) for name in API_SUITES)],
                      env, 900, module="pytest")
    if rc == 0:
        return False
    failed = re.search(r"^FAILED \S+::([^\s\[]+)", out, re.M)
    errors = re.findall(r"^E +(\S.*)$", out, re.M)
    v.stage = "api"
    if failed:
        v.check, v.reason = f"api:{failed.group(1)}", (errors or ["?"])[-1][:200]
    else:
        v.check, v.reason = "harness", _last_line(out, rc)
    v.rerun = f"MUTANT_BASE={c.allocator} MUTANT_PATCH=<patch> python -m pytest " + \
        " ".join(f"pytests/{name}" for name in API_SUITES)
    return True


def _torture(c: Campaign, v: Verdict, env: dict[str, str], work: Path) -> bool:
    """The threaded runs, one per topology: True at the first that kills."""
    for name in topologies.TOPOLOGIES:
        out_json = work / f"{name}.json"
        rc, out = _python(["run", "--torture_type", "mutant", "--duration",
                           str(c.torture_seconds), "--seed", str(c.seed), "--stat_interval", "0",
                           "--stall_timeout", "5", "--allow_idle", *topologies.flags(name),
                           "--json", str(out_json)],
                          env, c.torture_seconds + 120)
        if rc == 0:
            continue
        v.stage = f"torture:{name}"
        if rc == 1 and out_json.exists():
            data = json.loads(out_json.read_text())
            v.check, v.reason, v.rerun = data["check"], data["reason"].split("\n")[0], \
                data["rerun"]
        else:
            v.check, v.reason = "harness", _last_line(out, rc)
        return True
    return False


def _last_line(out: str, rc: int) -> str:
    lines = [line for line in out.splitlines() if line.strip()]
    return f"exit {rc}: {lines[-1] if lines else '(no output)'}"


def _clean_build(spec: images.ImageSpec) -> None:
    """A mutant's objects and image: hundreds of them would fill build/."""
    out = images.build_dir(None, spec)
    shutil.rmtree(out / "img" / spec.name, ignore_errors=True)
    (out / "images" / f"{spec.name}.so").unlink(missing_ok=True)


def run_one(c: Campaign, source: Path, m: mutate.Mutant, work: Path) -> Verdict:
    v = Verdict(m.id, m.operator, m.line, m.describe(), "survived")
    text = source.read_bytes()
    rel = source.relative_to(images.PORT).as_posix()
    v.diff = diff = m.patch(text, rel)
    if m.id in c.equivalent:
        v.status, v.reason = "equivalent", c.equivalent[m.id]
        return v
    work.mkdir(parents=True)
    patch = work / "mutant.patch"
    patch.write_text(diff)
    env = _env(c.allocator, patch)
    spec = images.mutant(c.allocator, patch)
    try:
        images.build(spec, san=None)
    except BuildError as e:
        v.status, v.stage, v.reason = "stillborn", "build", str(e).split("\n")[-1][:200]
        return v
    try:
        start = time.monotonic()
        if _det(c, v, env, work) or _api(c, v, env, work) or _torture(c, v, env, work):
            v.status, v.seconds = "killed", round(time.monotonic() - start, 2)
        # the patch is gone with the campaign: name the mutant instead
        v.rerun = v.rerun.replace(str(patch), "<patch>")
        v.reason = v.reason.replace(str(patch), "<patch>")
    finally:
        _clean_build(spec)
    return v


def _control(c: Campaign, work: Path, emit) -> None:
    """The allocator with only a comment added, through every stage: a kill
    here is the campaign's false alarm, and every kill would be suspect."""
    source = c.sources[0]
    end = len(source.read_bytes())
    control = mutate.Mutant("control", "none", source.read_bytes().count(b"\n") + 1, "",
                            "/* make mutants: the control, unchanged */\n", end, end)
    start = time.monotonic()
    v = run_one(c, source, control, work)
    if v.status != "survived":
        raise HarnessError(f"the unmutated {c.allocator} did not pass the campaign: "
                           f"{v.status} at {v.stage or 'build'}: {v.check} {v.reason}")
    emit(f"[control] {c.allocator} unmutated: passed every stage in "
         f"{time.monotonic() - start:.1f} s")


def run(c: Campaign, emit=print, only: re.Pattern[str] | None = None) -> None:
    """Every mutant of c.sources (those whose id @only matches), c.jobs at a time."""
    work_items = []
    for src in c.sources:
        for m in mutate.mutants_of(src):
            if len(c.sources) > 1:  # ids name their file where there are several
                m = dataclasses.replace(m, id=f"{src.stem}.{m.id}")
            if only is None or only.search(m.id):
                work_items.append((src, m))
    with tempfile.TemporaryDirectory(prefix="torture-mutants-") as tmp, \
            ThreadPoolExecutor(c.jobs) as pool:
        _control(c, Path(tmp) / "control", emit)
        futures = [pool.submit(run_one, c, src, m, Path(tmp) / f"m{i}")
                   for i, (src, m) in enumerate(work_items)]
        for done, future in enumerate(as_completed(futures), 1):
            v = future.result()
            c.verdicts.append(v)
            emit(f"[{done:3d}/{len(futures)}] {v.status:10s} {v.id:44s} "
                 f"{v.stage:22s} {v.check:14s} {v.seconds:6.1f} s")
    c.verdicts.sort(key=lambda v: (v.line, v.id))


def summary(c: Campaign) -> dict[str, object]:
    counts = Counter(v.status for v in c.verdicts)
    counted = counts["killed"] + counts["survived"]
    return {
        "allocator": c.allocator, "mutants": len(c.verdicts), **{k: counts[k] for k in (
            "killed", "survived", "equivalent", "stillborn")},
        "kill_rate": round(counts["killed"] / counted, 4) if counted else None,
        "by_check": dict(Counter(v.check for v in c.verdicts if v.status == "killed")),
        "by_stage": dict(Counter(v.stage.split(":")[0] for v in c.verdicts
                                 if v.status == "killed")),
        "median_seconds_to_kill": _median([v.seconds for v in c.verdicts
                                           if v.status == "killed"]),
    }


def _median(values: list[float]) -> float | None:
    values = sorted(values)
    return values[len(values) // 2] if values else None


def table(c: Campaign, command: str) -> str:
    s = summary(c)
    rate = f"{100 * s['kill_rate']:.1f}%" if s["kill_rate"] is not None else "n/a"
    lines = [
        f"# make mutants: {c.allocator}", f"# command: {command}",
        f"# machine: {os.cpu_count()} CPUs; torture {c.torture_seconds} s per topology, "
        f"seed {c.seed}",
        f"mutants {s['mutants']}: killed {s['killed']}, survived {s['survived']}, "
        f"equivalent {s['equivalent']}, stillborn {s['stillborn']}; "
        f"kill rate {rate} of non-equivalent; median time to kill "
        f"{s['median_seconds_to_kill']} s",
        "killed by check: " + ", ".join(f"{k} {n}" for k, n in
                                        sorted(s["by_check"].items(), key=lambda kv: -kv[1])),
        "killed by stage: " + ", ".join(f"{k} {n}" for k, n in sorted(s["by_stage"].items())),
        "",
        f"{'mutant':44s} {'status':10s} {'stage':22s} {'check':14s} {'s':>6s}  change",
    ]
    for v in c.verdicts:
        lines.append(f"{v.id:44s} {v.status:10s} {v.stage:22s} {v.check:14s} "
                     f"{v.seconds:6.1f}  {v.change}")
    survivors = [v for v in c.verdicts if v.status == "survived"]
    if survivors:
        lines += ["", "survivors:"]
        for v in survivors:
            lines += ["", v.diff.rstrip()]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m torture.mutants",
        description="Mutants of an allocator's sources through the default campaign: "
                    "the kill rate, the check that killed each, every survivor's diff.")
    parser.add_argument("--allocator", default="percpu_ida",
                        help="a port or baseline (default percpu_ida)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="mutants at once (default: the CPUs)")
    parser.add_argument("--torture_seconds", type=float, default=3.0,
                        help="seconds of each threaded run (default 3)")
    parser.add_argument("--seed", type=int, default=1, help="the runs' seed (default 1)")
    parser.add_argument("--only", default="", help="a regex: only the mutants whose id matches")
    parser.add_argument("--out", type=Path, default=None,
                        help="results prefix (default bench/results/mutants-ALLOCATOR-NcoreS)")
    args = parser.parse_args(argv)
    try:
        if args.jobs < 1:
            raise InvalidArgument(f"--jobs={args.jobs}: must be at least 1")
        if args.torture_seconds <= 0:
            raise InvalidArgument(f"--torture_seconds={args.torture_seconds}: must be positive")
        c = Campaign(args.allocator, sources_of(args.allocator), args.jobs,
                     args.torture_seconds, args.seed, equivalent_mutants(args.allocator))
        images.build(images.lookup(args.allocator))  # the unmutated image must build
        run(c, only=re.compile(args.only) if args.only else None)
    except HarnessError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    out = args.out or RESULTS / f"mutants-{args.allocator}-{os.cpu_count()}core"
    command = "python -m torture.mutants " + " ".join(argv if argv is not None else sys.argv[1:])
    out.with_suffix(".json").write_text(json.dumps(
        {"summary": summary(c), "command": command, "cpus": os.cpu_count(),
         "mutants": [asdict(v) for v in c.verdicts]}, indent=1))
    out.with_suffix(".txt").write_text(table(c, command))
    print(table(c, command).split("\n\n")[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())

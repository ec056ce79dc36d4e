"""The deterministic engine from Python: hand C a scenario and a strategy,
get back a verdict, the decision list that replays the run, and its trace.
Python never sits in the per-step loop: one call runs every run."""

from __future__ import annotations

import ctypes
import dataclasses
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from torture import cabi, symbols
from torture.errors import InvalidArgument
from torture.kernel import Kernel
from torture.scenario import OP_NAMES, Scenario

POINTS = ("atomic", "cmpxchg", "xchg", "bitop", "barrier", "lock", "unlock", "irq_off",
          "irq_on", "preempt_on", "relax", "wait", "wake", "schedule", "read", "write")
EVENTS = ("preempt", "run_on", "irq", "hotplug", "done", "op", "woken")
VERDICTS = ("pass", "bug", "deadlock", "livelock", "script", "check", "report", "setup",
            "exhausted", "crash")
# not a failure, not a pass: a bounded search that stopped before covering its bound
INCOMPLETE = "incomplete"

DX_REPLAY, DX_RANDOM, DX_PCT, DX_SCRIPT, DX_EXHAUSTIVE = range(5)
DS_RUN, DS_IRQ, DS_HOTPLUG = range(3)
DU_POINT, DU_BLOCKED, DU_DONE, DU_STEPS = range(4)
TARGET_HOTPLUG = -1
# set in the child process that `python -m torture explore` runs its plan in
CHILD = "TORTURE_EXPLORE_CHILD"


# ---- strategies ----

@dataclass(frozen=True)
class Replay:
    """Run once with these decisions (indices into each choice's options), then 0s."""

    decisions: Sequence[int] = ()


@dataclass(frozen=True)
class Random:
    """Uniform over the tasks that can run; interrupts, hotplug events and
    migrations each at a step drawn over the run length (measured by the
    first run, without preemptions, unless @steps is given)."""

    seed: int = 0
    runs: int = 1000
    steps: int = 0


@dataclass(frozen=True)
class PCT:
    """Probabilistic concurrency testing: depth @depth; interrupts, hotplug
    events and migrations placed as Random places them; run length measured
    by the first run (of the @runs) unless @steps is given."""

    seed: int = 0
    runs: int = 1000
    depth: int = 3
    steps: int = 0


@dataclass(frozen=True)
class Exhaustive:
    """Every run with at most @preemptions preemptions (up to @runs runs).
    With @reduce (bounded partial-order reduction, shims/det_por.c), only
    the choices where two unordered steps of different fibers conflict are
    varied: one run of each order of the conflicting steps, not every
    interleaving of the rest."""

    preemptions: int = 1
    runs: int = 100_000
    reduce: bool = True


@dataclass(frozen=True)
class At:
    """A named point: the @nth @primitive executed inside @function."""

    function: str | None = None
    primitive: str | None = None
    nth: int = 1


@dataclass(frozen=True)
class Step:
    kind: int
    target: int = 0
    until: int = DU_POINT
    at: At | None = None
    steps: int = 0
    cpu: int = -1


def run(task: int | str, until: At | str = "blocked", cpu: int | None = None,
        steps: int = 0) -> Step:
    """Run task @task (an index, "hotplug", or "irqN" for irq event N's
    handler) until a named point is reached, until it "blocked" or is
    "done", or for @steps scheduling points."""
    if isinstance(task, str):
        if task == "hotplug":
            target = TARGET_HOTPLUG
        elif task.startswith("irq") and task[3:].isdigit():
            target = -2 - int(task[3:])
        else:
            raise InvalidArgument(f"unknown script target {task!r}")
    else:
        target = task
    if steps:
        return Step(DS_RUN, target, DU_STEPS, steps=steps, cpu=-1 if cpu is None else cpu)
    if isinstance(until, At):
        return Step(DS_RUN, target, DU_POINT, at=until, cpu=-1 if cpu is None else cpu)
    kinds = {"blocked": DU_BLOCKED, "done": DU_DONE}
    if until not in kinds:
        raise InvalidArgument(f"unknown script condition {until!r}: an At(...), "
                              "'blocked' or 'done'")
    return Step(DS_RUN, target, kinds[until], cpu=-1 if cpu is None else cpu)


def irq(event: int = 0) -> Step:
    """Raise irq event @event's interrupt now."""
    return Step(DS_IRQ, event)


def hotplug(refused: bool = False) -> Step:
    """Start the next hotplug event now; @refused: a callback says no (the
    event must be Hotplug(may_fail=True))."""
    return Step(DS_HOTPLUG, int(refused))


@dataclass(frozen=True)
class Script:
    steps: Sequence[Step] = ()


Strategy = Replay | Random | PCT | Exhaustive | Script


# ---- results ----

@dataclass(frozen=True)
class TraceStep:
    step: int
    cpu: int
    fiber: int
    who: str  # task0, irq1 (irq event 1's handler), hotplug, rescue
    what: str
    obj: int
    value: int
    function: str

    def __str__(self) -> str:
        return (f"{self.step:6d} cpu{self.cpu:<2d} {self.who:<8s} {self.what:<14s} "
                f"{self.obj:#14x} {self.value:>11d}  {self.function}")


def _who(code: int) -> str:
    if code < 0:
        return "-"
    kind, index = code >> 12, code & 0xFFF
    return ("task", "irq", "hotplug", "rescue")[kind] + (str(index) if kind < 2 else "")


@dataclass
class Outcome:
    allocator: str
    verdict: str
    message: str
    decisions: list[int]
    options: list[int]
    runs: int
    steps: int
    total_steps: int
    preemptions: int
    migrations: int
    irqs: int
    exhausted: bool
    script_done: int
    seconds: float
    trace: list[TraceStep] = field(default_factory=list)
    bound: int | None = None  # an exhaustive search's preemption bound
    distinct: int = 0  # distinct decision lists run
    distinct_capped: bool = False  # ... at least that many: the engine stopped counting
    varied_from: int = -1  # the first choice any run varied (-1: none)
    deepest: int = 0  # the most choices in one run
    horizon: bool = False  # a run had more choices than the engine records
    stuck_runs: int = 0  # runs that ended with every tag held by waiting tasks
    choices: int = 0  # the last run's choices (its decisions may be trimmed)
    resume: list[int] = field(default_factory=list)  # exhaustive: the next prefix, if any

    @property
    def failed(self) -> bool:
        return self.verdict not in ("pass", "exhausted", INCOMPLETE)

    def coverage(self) -> str:
        """What the runs covered, CHESS-style."""
        varied = (f"choices varied from #{self.varied_from} of {self.deepest}"
                  if self.varied_from >= 0 else f"no choice varied (of {self.deepest})")
        stuck = (f", {self.stuck_runs} ended with every tag held by waiters"
                 if self.stuck_runs else "")
        distinct = f"{self.distinct}{'+' if self.distinct_capped else ''}"
        plural = "" if self.distinct == 1 and not self.distinct_capped else "s"
        return f"{distinct} distinct schedule{plural}, {varied}{stuck}"

    def headline(self) -> str:
        """The verdict, and for a bounded search whether it covered its bound."""
        if self.failed:
            return f"{self.verdict.upper()}: {self.message}"
        if self.verdict == INCOMPLETE:
            why = "a run had more choices than are recorded" if self.horizon else "cap hit"
            bound = f", bound {self.bound} not covered" if self.bound is not None else ""
            return f"INCOMPLETE ({self.runs} runs, {why}{bound}; {self.coverage()})"
        if self.bound is not None:
            return f"PASS (exhausted: {self.runs} runs, bound {self.bound})"
        return f"PASS ({self.runs} runs, {self.coverage()})"

    def replay_hint(self) -> str:
        return (f"torture.explore.explore({self.allocator!r}, scenario, "
                f"Replay({self.decisions!r}))")

    def summary(self) -> str:
        return (f"{self.headline()}\n  {self.runs} runs, {self.total_steps} steps in "
                f"{self.seconds:.3f} s; last run {self.steps} steps, "
                f"{len(self.decisions)} choices, {self.preemptions} preemptions"
                + (f"\n  replay: {self.replay_hint()}" if self.failed else ""))

    def functions(self) -> set[str]:
        return {s.function for s in self.trace}

    def hit(self, function: str, what: str | None = None) -> bool:
        """Did the traced run pass through a point of @what in @function?"""
        return any(s.function == function and (what is None or s.what == what)
                   for s in self.trace)


# ---- running ----

_kernels: dict[tuple[str, int], Kernel] = {}


def kernel_for(allocator: str, nr_cpus: int) -> Kernel:
    """A booted kernel for deterministic runs, kept while it is alive."""
    key = (allocator, nr_cpus)
    k = _kernels.get(key)
    if k is None or k.dead:
        k = _kernels[key] = Kernel(allocator, nr_cpus=nr_cpus)
        helpers = symbols.helper_ranges(k.image)
        flat = (ctypes.c_ulong * max(1, 2 * len(helpers)))(*[x for r in helpers for x in r])
        k.lib.hk_det_helpers(flat, len(helpers))
    return k


def _script(k: Kernel, script: Script) -> tuple[ctypes.Array, list[ctypes.Array]]:
    steps = (cabi.DetScriptStep * max(1, len(script.steps)))()
    keep: list[ctypes.Array] = []
    for i, st in enumerate(script.steps):
        c = steps[i]
        c.kind, c.target, c.until, c.cpu = st.kind, st.target, st.until, st.cpu
        c.point, c.nth = -1, st.steps or 1
        if st.at is not None:
            if st.at.primitive is not None:
                if st.at.primitive not in POINTS:
                    raise InvalidArgument(f"unknown primitive {st.at.primitive!r}: "
                                          f"one of {', '.join(POINTS)}")
                c.point = POINTS.index(st.at.primitive)
            if st.at.nth < 1:
                raise InvalidArgument(f"occurrence {st.at.nth} must be at least 1")
            c.nth = st.at.nth
            if st.at.function is not None:
                ranges = symbols.function_ranges(k.image, st.at.function)
                arr = (ctypes.c_ulong * (2 * len(ranges)))(*[x for r in ranges for x in r])
                keep.append(arr)
                c.nr_ranges = len(ranges)
                c.ranges = arr
    return steps, keep


def _config(k: Kernel, strategy: Strategy, trace: bool, max_steps: int,
            migrations: int, memory: bool,
            resume: Sequence[int] = ()) -> tuple[cabi.HkDetConfig, list[object]]:
    cfg = cabi.HkDetConfig(trace=int(trace), max_steps=max_steps, migrations=migrations,
                           runs=1, memory=int(memory))
    keep: list[object] = []
    if isinstance(strategy, Replay):
        cfg.kind = DX_REPLAY
        if any(not 0 <= d < 65536 for d in strategy.decisions):
            raise InvalidArgument("a decision is an option index, 0..65535")
        arr = (ctypes.c_uint16 * max(1, len(strategy.decisions)))(*strategy.decisions)
        keep.append(arr)
        cfg.decisions, cfg.nr_decisions = arr, len(strategy.decisions)
    elif isinstance(strategy, Random):
        cfg.kind, cfg.seed, cfg.runs = DX_RANDOM, strategy.seed, strategy.runs
        cfg.run_length = strategy.steps
    elif isinstance(strategy, PCT):
        cfg.kind, cfg.seed, cfg.runs = DX_PCT, strategy.seed, strategy.runs
        cfg.pct_depth, cfg.run_length = strategy.depth, strategy.steps
    elif isinstance(strategy, Exhaustive):
        cfg.kind, cfg.runs = DX_EXHAUSTIVE, strategy.runs
        cfg.preemption_bound, cfg.reduce = strategy.preemptions, int(strategy.reduce)
        if resume:  # where an earlier search stopped
            arr = (ctypes.c_uint16 * len(resume))(*resume)
            keep.append(arr)
            cfg.decisions, cfg.nr_decisions = arr, len(resume)
    elif isinstance(strategy, Script):
        steps, ranges = _script(k, strategy)
        keep += [steps, *ranges]
        cfg.kind, cfg.script, cfg.nr_script = DX_SCRIPT, steps, len(strategy.steps)
    else:
        raise InvalidArgument(f"not a strategy: {strategy!r}")
    return cfg, keep


def _trace(k: Kernel) -> list[TraceStep]:
    buf = (cabi.DetTraceEnt * cabi.DET_MAX_TRACE)()
    n = k.lib.hk_det_trace(buf, cabi.DET_MAX_TRACE)
    names = POINTS + EVENTS
    out = []
    for e in buf[:n]:
        what = names[e.point] if 0 <= e.point < len(names) else str(e.point)
        if what == "op":
            what = f"op:{OP_NAMES[e.obj] if e.obj < len(OP_NAMES) else e.obj}"
        func = symbols.function_at(k.image, e.pc) if e.pc else ""
        value = e.value - (1 << 32) if e.value >= 1 << 31 else e.value
        out.append(TraceStep(e.step, e.cpu, e.fiber, _who(e.who), what, e.obj, value, func))
    return out


def _incomplete(strategy: Strategy, out: Outcome) -> bool:
    """A search that found no failure but did not do what it was asked: an
    exhaustive one that did not cover its bound, or fewer runs than asked."""
    if out.failed or isinstance(strategy, (Replay, Script)):
        return False
    if isinstance(strategy, Exhaustive):
        return not out.exhausted
    return out.runs < strategy.runs


def explore(allocator: str, scenario: Scenario, strategy: Strategy = Replay(),
            trace: bool = True, max_steps: int = 100_000, migrations: int = 1,
            memory: bool = False, resume: Sequence[int] = ()) -> Outcome:
    """Run @scenario on @allocator under @strategy until a run fails or the
    budget is spent.  The outcome's decisions replay the last run (with the
    same @memory: whether the allocator's plain loads and stores are
    scheduling points too).  A run that ends with every tag held by waiting
    tasks is no failure (the liveness check found no tag free), but it leaves
    its kernel stuck: the search goes on in a fresh one.  An exhaustive
    search starts from @resume, an earlier outcome's `resume` (the prefix
    after its last run), when given."""
    out = _explore_once(allocator, scenario, strategy, trace, max_steps, migrations, memory,
                        resume)
    stuck = 0
    while out.verdict == "exhausted" and isinstance(strategy, (Random, PCT, Exhaustive)):
        done = out.runs
        if isinstance(strategy, Exhaustive):
            if out.exhausted or out.runs >= strategy.runs:
                break
            resume, rest = out.resume, dataclasses.replace(strategy,
                                                           runs=strategy.runs - done)
        else:
            if out.runs >= strategy.runs:
                break
            # the same run numbering (seeds), the length already measured
            resume, rest = (), dataclasses.replace(
                strategy, seed=strategy.seed + done, runs=strategy.runs - done,
                steps=strategy.steps or max(1, out.total_steps // max(1, out.runs)))
        stuck += 1
        more = _explore_once(allocator, scenario, rest, trace, max_steps, migrations,
                             memory, resume)
        out = _merged(out, more)
    out.stuck_runs += stuck + (out.verdict == "exhausted")
    if isinstance(strategy, Exhaustive):
        out.bound = strategy.preemptions
    if out.verdict == "exhausted" and not isinstance(strategy, (Replay, Script)):
        out.verdict, out.message = "pass", ""  # a search goes on past such runs
    if _incomplete(strategy, out):
        out.verdict = INCOMPLETE
    return out


def _merged(first: Outcome, more: Outcome) -> Outcome:
    """@more (the same search, continued) with @first's counts added."""
    more.runs += first.runs
    more.total_steps += first.total_steps
    more.seconds += first.seconds
    # each call counts its own: the union is at least the larger count
    more.distinct = max(more.distinct, first.distinct)
    more.distinct_capped = True
    more.deepest = max(more.deepest, first.deepest)
    if first.varied_from >= 0:
        more.varied_from = (first.varied_from if more.varied_from < 0
                            else min(first.varied_from, more.varied_from))
    more.horizon |= first.horizon
    more.stuck_runs += first.stuck_runs
    return more


def _explore_once(allocator: str, scenario: Scenario, strategy: Strategy, trace: bool,
                  max_steps: int, migrations: int, memory: bool,
                  resume: Sequence[int] = ()) -> Outcome:
    """One call into the engine: until a run fails, ends with every tag
    held, or the budget is spent."""
    sc = scenario.encode()
    k = kernel_for(allocator, scenario.nr_cpus)
    if os.environ.get(CHILD) == "1":
        k.lib.hk_det_fatal_reports(2)  # this image's engine reports a fatal fault
    cfg, keep = _config(k, strategy, trace, max_steps, migrations, memory, resume)
    res = cabi.HkDetResult()
    for spec in scenario.faults:
        k.inject(spec)
    start = time.perf_counter()
    try:
        rc = k.lib.hk_det_explore(ctypes.byref(sc), ctypes.byref(cfg), ctypes.byref(res))
    finally:
        if scenario.faults:
            k.lib.hk_fault_reset()
    seconds = time.perf_counter() - start
    del keep
    if rc:
        raise InvalidArgument(res.o.msg.decode())
    n = min(res.o.nr_choices, cabi.DET_MAX_CHOICES)
    decisions = (ctypes.c_uint16 * max(1, n))()
    options = (ctypes.c_uint16 * max(1, n))()
    k.lib.hk_det_decisions(decisions, options, n)
    verdict = VERDICTS[res.o.verdict] if res.o.verdict < len(VERDICTS) else str(res.o.verdict)
    # a fault's ip, named: where it was is part of which failure it is
    message = symbols.name_offsets(k.image, res.o.msg.decode(errors="replace"),
                                   r"ip \+(0x[0-9a-f]+)")
    out = Outcome(
        allocator=allocator, verdict=verdict, message=message,
        decisions=list(decisions[:n]), options=list(options[:n]), runs=res.runs,
        steps=res.o.steps, total_steps=res.total_steps, preemptions=res.o.preemptions,
        migrations=res.o.migrations, irqs=res.o.irqs, exhausted=bool(res.exhausted),
        script_done=res.o.script_done, seconds=seconds,
        trace=_trace(k) if trace else [],
        distinct=res.distinct, distinct_capped=bool(res.distinct_capped),
        varied_from=res.varied_from, deepest=res.deepest,
        horizon=bool(res.horizon), choices=res.o.nr_choices,
    )
    if isinstance(strategy, Exhaustive) and res.resume > 0:
        prefix = (ctypes.c_uint16 * max(1, res.resume))()
        k.lib.hk_det_prefix(prefix, res.resume)
        out.resume = list(prefix[:res.resume])
    if k.dead:
        _kernels.pop((allocator, scenario.nr_cpus), None)
        k.close()
    return out

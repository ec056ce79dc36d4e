"""The threaded torture run: C tasks hammer one pool, Python watches and checks."""

from __future__ import annotations

import ctypes
import random
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields

from torture import cabi
from torture.errors import HarnessError, KernelBug
from torture.kernel import TASK_UNINTERRUPTIBLE, Kernel, Pool


@dataclass
class TortureParams:
    """Every knob of a run.  Flat names, as rcutorture's module parameters."""

    torture_type: str = field(default="percpu_ida", metadata={
        "help": "allocator image to torture (see `python -m torture list`)"})
    nr_cpus: int = field(default=2, metadata={"help": "vCPUs of the kernel"})
    nr_tasks: int = field(default=0, metadata={
        "help": "torture tasks, one pinned host thread each (0: one per vCPU)"})
    duration: float = field(default=10.0, metadata={"help": "seconds to run"})
    nr_tags: int = field(default=0, metadata={
        "help": "tags in the pool (0: 2 x nr_tasks x hold, few enough that CPUs steal)"})
    max_size: int = field(default=0, metadata={
        "help": "per-CPU cache size (0: the allocator's default)"})
    batch_size: int = field(default=0, metadata={
        "help": "tags moved per refill or spill (0: the allocator's default)"})
    hold: int = field(default=8, metadata={"help": "most tags a task holds at once"})
    cross_cpu_free: int = field(default=20, metadata={
        "help": "percent of frees handed to a task on another vCPU, which frees it there"})
    sleepers: int = field(default=10, metadata={
        "help": "percent of allocations, made holding nothing, that may sleep"})
    slice: int = field(default=64, metadata={
        "help": "operations per kernel entry before a task lets its vCPU go"})
    stat_interval: float = field(default=2.0, metadata={
        "help": "seconds between stats lines (0: none)"})
    seed: int = field(default=0, metadata={"help": "random seed (0: pick one and print it)"})

    def resolved(self) -> TortureParams:
        """Fill in the zeros that mean "pick for me"."""
        p = TortureParams(**asdict(self))
        p.nr_tasks = p.nr_tasks or p.nr_cpus
        p.seed = p.seed or random.SystemRandom().randrange(1, 2**31)
        return p

    def command(self) -> str:
        """The command line that reruns exactly this run."""
        args = " ".join(f"--{f.name} {getattr(self, f.name)}" for f in fields(self))
        return f"python -m torture run {args}"


@dataclass
class TortureResult:
    params: TortureParams
    success: bool
    reason: str
    stats: dict[str, int]
    elapsed: float
    reports: list[str]

    def to_json(self) -> dict[str, object]:
        return {
            "params": asdict(self.params), "success": self.success, "reason": self.reason,
            "stats": self.stats, "elapsed": self.elapsed, "reports": self.reports,
            "rerun": self.params.command(),
        }


def _stats(kernel: Kernel) -> dict[str, int]:
    st = cabi.HkTortureStats()
    kernel.lib.hk_torture_stats(ctypes.byref(st))
    return {name: getattr(st, name) for name, _ in cabi.HkTortureStats._fields_}


def _failure_text(kernel: Kernel) -> str | None:
    buf = ctypes.create_string_buffer(8192)
    if kernel.lib.hk_torture_failed(buf, len(buf)):
        return buf.value.decode(errors="replace")
    return None


def _check_quiescent(kernel: Kernel, pool: Pool) -> str | None:
    """After the tasks are gone: every tag free exactly once, counters agree."""
    if not kernel.features & cabi.FEAT_FOR_EACH_FREE:
        return _check_by_draining(pool)
    free = pool.for_each_free(kernel.online_cpus()[0])
    if sorted(free) != list(range(pool.nr_tags)):
        missing = sorted(set(range(pool.nr_tags)) - set(free))
        twice = sorted({t for t in free if free.count(t) > 1})
        return f"conservation: lost tags {missing[:16]}, tags free twice {twice[:16]}"
    counted = sum(pool.free_tags(cpu) for cpu in range(kernel.nr_cpus + 1))
    if counted != pool.nr_tags:
        return f"conservation: free counters add up to {counted}, not {pool.nr_tags}"
    return None


def _check_by_draining(pool: Pool, timeout: float = 10.0) -> str | None:
    """Without an iterator: a sleeping alloc never fails (it steals), so
    allocating nr_tags of them must give every tag once, or hang on a lost one."""
    got: list[int] = []

    def drain() -> None:
        for _ in range(pool.nr_tags):
            got.append(pool.alloc(cpu=pool.kernel.online_cpus()[0], state=TASK_UNINTERRUPTIBLE))

    worker = threading.Thread(target=drain, daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        pool.kernel.lib.hk_kill()
        worker.join(timeout)
        return f"conservation: only {len(got)} of {pool.nr_tags} tags could be drained"
    if sorted(got) != list(range(pool.nr_tags)):
        return f"conservation: draining gave {sorted(got)[:16]}..."
    for tag in got:
        pool.free(tag)
    return None


def run(params: TortureParams, emit: Callable[[str], None] = print) -> TortureResult:
    """One torture run; returns its verdict.  Kernel errors become a FAILURE."""
    p = params.resolved()
    name = f"{p.torture_type}-torture"
    kernel = Kernel(p.torture_type, p.nr_cpus)
    p.nr_tags = p.nr_tags or 2 * p.nr_tasks * p.hold
    pool = kernel.pool(p.nr_tags, p.max_size or None, p.batch_size or None)
    emit(f"--- Start of test: {' '.join(f'{k}={v}' for k, v in asdict(p).items())}")

    cparams = cabi.HkTortureParams(
        pool=pool._ptr, nr_tasks=p.nr_tasks, hold=p.hold, sleepers=p.sleepers,
        slice=p.slice, cross_cpu_free=p.cross_cpu_free, seed=p.seed,
    )
    rc = kernel.lib.hk_torture_start(ctypes.byref(cparams))
    if rc:
        kernel.close()
        raise HarnessError(f"torture parameters rejected ({rc}): {p}")

    start = time.monotonic()
    next_stat = start + (p.stat_interval or p.duration + 1)
    while time.monotonic() - start < p.duration:
        time.sleep(min(0.05, max(0.0, p.duration - (time.monotonic() - start))))
        if _failure_text(kernel) or kernel.dead:
            break
        if time.monotonic() >= next_stat:
            s = _stats(kernel)
            mark = "!!! " if s["errors"] else ""
            emit(f"{name}: {mark}t={time.monotonic() - start:.1f}s " +
                 " ".join(f"{k}: {v}" for k, v in s.items()))
            next_stat += p.stat_interval
    stopped = kernel.lib.hk_torture_stop(10_000)
    elapsed = time.monotonic() - start
    stats = _stats(kernel)
    reason = _failure_text(kernel)
    if stopped and not reason:
        reason = "stall: tasks did not leave the kernel within 10 s\n" + kernel.task_dump()
    reports = [str(r) for r in kernel.reports()]
    if not reason and reports:
        reason = "kernel reported:\n" + reports[0]
    if not reason:
        try:
            reason = _check_quiescent(kernel, pool)
            if not reason:
                pool.destroy()
                leaked = kernel.mem().outstanding
                if leaked:
                    reason = f"memory leak after destroy:\n{kernel.leaks()}"
        except KernelBug as e:
            reason = f"kernel BUG during the final checks:\n{e}"
    kernel.close()
    return TortureResult(p, reason is None, reason or "", stats, elapsed, reports)

"""Ready fault-injection scenarios: `python -m torture fault NAME`.

Each prints what it did and ends with a verdict line; it returns True on
success.  They are what a driver author runs to see an allocator's error
paths behave: every failure unwinds, nothing leaks, nothing hangs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from torture import runner
from torture.errors import OutOfMemory
from torture.kernel import Kernel

Emit = Callable[[str], None]


@dataclass(frozen=True)
class Script:
    name: str
    about: str
    run: Callable[[str, Emit, bool], bool]


def fail_nth_sweep(allocator: str, emit: Emit, quick: bool) -> bool:
    """Fail the 1st, 2nd, ... injectable call of init until init succeeds."""
    ok = True
    with Kernel(allocator, 2) as k:
        task = k.task("init")
        for nth in range(1, 64):
            task.fail_nth(nth)
            try:
                pool = k.pool(1024, 16, 8, task=task)
            except OutOfMemory:
                leaked = k.mem().outstanding
                emit(f"fail-nth {nth:2d}: -ENOMEM, {leaked} objects left"
                     + ("  !!! leak" if leaked else ""))
                ok &= leaked == 0
                continue
            emit(f"fail-nth {nth:2d}: init succeeded: it makes {nth - 1} injectable calls")
            pool.destroy()
            ok &= k.mem().outstanding == 0 and nth > 1
            break
    return ok


def init_under_pressure(allocator: str, emit: Emit, quick: bool) -> bool:
    """Many inits while each memory attach point fails at a given rate."""
    ok = True
    tries = 20 if quick else 200
    for point in ("failslab", "fail_page_alloc", "fail_percpu"):
        for probability in (10, 50, 90):
            with Kernel(allocator, 4) as k:
                k.inject(f"{point}:probability={probability},times=-1,seed={probability}")
                done = failed = 0
                for _ in range(tries):
                    try:
                        k.pool(4096, 32, 16).destroy()
                        done += 1
                    except OutOfMemory:
                        failed += 1
                    if k.mem().outstanding:
                        ok = False
                injected = k.fault_read(point)["injected"]
                clean = k.mem().outstanding == 0 and not k.reports()
                emit(f"{point:16s} p={probability:2d}%: {done:3d} inits, {failed:3d} -ENOMEM, "
                     f"{injected:>3s} injected, {'no leak' if clean else '!!! LEAK'}")
                ok &= clean
    return ok


def _torture(allocator: str, emit: Emit, quick: bool, fault: str, **extra: object) -> bool:
    params = runner.TortureParams(torture_type=allocator, duration=3.0 if quick else 20.0,
                                  stat_interval=0, fault=fault, **extra)  # type: ignore[arg-type]
    result = runner.run_isolated(params, emit=lambda _: None)
    s = result.stats
    emit(f"{params.duration:.0f} s: {s.get('ops', 0)} ops, {s.get('injected', 0)} allocations "
         f"failed on purpose, {s.get('irqs', 0)} irqs, {s.get('onoff_ops', 0)} hotplug ops")
    emit(f"verdict: {'SUCCESS' if result.success else 'FAILURE: ' + result.reason}")
    return result.success


def irq_failure_storm(allocator: str, emit: Emit, quick: bool) -> bool:
    """Interrupts every 20 us whose allocations fail half the time."""
    return _torture(allocator, emit, quick, irq_interval=20.0,
                    fault="fail_function:inject=percpu_ida_alloc,retval=-12,probability=50,"
                          "times=-1")


def hotplug_while_failing(allocator: str, emit: Emit, quick: bool) -> bool:
    """CPUs going up and down every 100 ms while allocations and slab fail."""
    return _torture(allocator, emit, quick, nr_cpus=4, nr_tasks=4, onoff_interval=0.1,
                    onoff_holdoff=0.1,
                    fault="fail_function:inject=percpu_ida_alloc,retval=-12,probability=10,"
                          "times=-1;failslab:probability=50,times=-1")


SCRIPTS = {s.name: s for s in [
    Script("fail-nth-sweep", fail_nth_sweep.__doc__ or "", fail_nth_sweep),
    Script("init-under-pressure", init_under_pressure.__doc__ or "", init_under_pressure),
    Script("irq-failure-storm", irq_failure_storm.__doc__ or "", irq_failure_storm),
    Script("hotplug-while-failing", hotplug_while_failing.__doc__ or "", hotplug_while_failing),
]}

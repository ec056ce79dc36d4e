"""Ready fault-injection scenarios: `python -m torture fault NAME`.

Each drives the tagblk driver (init, submits from process and interrupt
context, completions, teardown) under its faults and checks the driver's
invariants (`tagblk.problems()`: no request lost or ended twice, the right
error to each submitter, every tag back, nothing leaked); the two that
storm also run the threaded torture.  Each prints what it did and ends with
a verdict line; it returns True on success.  They are what a driver author
runs to see an error path behave: every failure unwinds, nothing leaks,
nothing hangs.
"""

from __future__ import annotations

import errno
from collections.abc import Callable
from dataclasses import dataclass

from torture import runner
from torture.errors import OutOfMemory
from torture.kernel import Kernel
from torture.tagblk import Tagblk, problems

Emit = Callable[[str], None]
DEPTH = 8          # tags of the driver's device: few, so requests wait
RETRIES = 4        # timer retries before an interrupt-time request gets -EBUSY
TIMEOUT = 10.0     # s without a request ending: a lost one never does


@dataclass(frozen=True)
class Script:
    name: str
    about: str
    run: Callable[[str, Emit, bool], bool]


def _use(k: Kernel, dev: Tagblk, emit: Emit, label: str, seed: int,
         task_errors: set[int], hotplug: float = 0.0) -> bool:
    """Run a device's requests and tear it down, under the faults armed on
    @k; @task_errors are those a process-context submitter may be told.
    False, with a `!!!` line, on anything the driver got wrong."""
    found = problems(dev.run(seed=seed, timeout=TIMEOUT, hotplug_interval=hotplug),
                     DEPTH, task_errors)
    for problem in found:
        emit(f"{label}: !!! {problem}")
    if found:
        return False
    dev.exit()
    leaked = k.mem().outstanding
    if leaked:
        emit(f"{label}: !!! leak: {leaked} objects left after teardown\n{k.leaks()}")
    for report in k.reports():
        emit(f"{label}: !!! kernel reported: {report}")
    return not leaked and not k.reports()


def _round(k: Kernel, emit: Emit, label: str, requests: int, seed: int,
           task_errors: set[int], hotplug: float = 0.0) -> tuple[bool, bool]:
    """One device's life: init, @requests requests, teardown.  Returns
    (clean, whether init made a device)."""
    try:
        dev = Tagblk(k, DEPTH, RETRIES, requests)
    except OutOfMemory:
        leaked = k.mem().outstanding
        if leaked:
            emit(f"{label}: !!! leak: init failed and left {leaked} objects\n{k.leaks()}")
        return not leaked, False
    return _use(k, dev, emit, label, seed, task_errors, hotplug), True


def _summary(result: runner.TortureResult) -> str:
    s = result.stats
    rate = s.get("irqs_raised", 0) / result.elapsed if result.elapsed else 0
    return (f"{s.get('ops', 0)} ops, {s.get('injected', 0)} task and "
            f"{s.get('irq_injected', 0)} irq allocations failed on purpose, "
            f"{rate / 1000:.1f}k irqs/s raised, {s.get('onoff_ops', 0)} hotplug ops")


def _torture(allocator: str, emit: Emit, quick: bool, **params: object) -> runner.TortureResult:
    p = runner.TortureParams(torture_type=allocator, duration=3.0 if quick else 20.0,
                             stat_interval=0, **params)  # type: ignore[arg-type]
    result = runner.run_isolated(p, emit=lambda _: None)
    emit(f"torture {p.duration:.0f} s: {_summary(result)}")
    if not result.success:
        emit(f"torture: !!! {result.reason}")
    return result


def fail_nth_sweep(allocator: str, emit: Emit, quick: bool) -> bool:
    """Fail the 1st, 2nd, ... allocation of the driver's init until init
    succeeds; each must unwind with nothing left, then the device must work."""
    ok = True
    for nth in range(1, 64):
        with Kernel(allocator, 2) as k:
            task = k.task("init")
            task.fail_nth(nth)
            label = f"fail-nth {nth:2d}"
            try:
                dev = Tagblk(k, DEPTH, RETRIES, 200, task=task)
            except OutOfMemory as e:
                leaked = k.mem().outstanding
                emit(f"{label}: init {str(e).rsplit(' ', 1)[-1]}, {leaked} objects left"
                     + (f"  !!! leak\n{k.leaks()}" if leaked else ""))
                ok &= leaked == 0
                continue
            emit(f"{label}: init succeeded: it makes {nth - 1} failable allocations")
            return _use(k, dev, emit, label, nth, set()) and ok and nth > 1
    emit("!!! init never succeeded in 63 tries")
    return False


def init_under_pressure(allocator: str, emit: Emit, quick: bool) -> bool:
    """Devices set up, used and torn down while an allocator of memory fails
    at 10/50/90%: failslab hits init and every request's command buffer."""
    ok = True
    tries = 10 if quick else 100
    for point in ("failslab", "fail_page_alloc", "fail_percpu"):
        for probability in (10, 50, 90):
            with Kernel(allocator, 4) as k:
                k.inject(f"{point}:probability={probability},times=-1,seed={probability}")
                made = refused = 0
                label = f"{point:16s} p={probability:2d}%"
                for i in range(tries):
                    clean, device = _round(k, emit, label, 40, i, {-errno.ENOMEM})
                    made += device
                    refused += not device
                    if not clean:
                        ok = False
                        break
                emit(f"{label}: {made:3d} devices, {refused:3d} inits -ENOMEM, "
                     f"{k.fault_read(point)['injected']:>4s} injected")
    return ok


def irq_failure_storm(allocator: str, emit: Emit, quick: bool) -> bool:
    """Interrupt-time allocations fail half the time, task ones never: the
    driver's timer path must requeue and end with -EBUSY, its submitters
    never see an error; then the torture with interrupts every 20 us."""
    ok = True
    rounds = 3 if quick else 20
    with Kernel(allocator, 3) as k:
        # the kernel's stack filter: every call but the process-context submit
        k.inject("fail_function:inject=percpu_ida_alloc,retval=-12,probability=50,times=-1,"
                 "reject-start=tagblk_submit,reject-end=tagblk_submit,seed=3")
        for i in range(rounds):
            ok &= _round(k, emit, f"driver round {i}", 500, i, set())[0]
            if not ok:
                break
        emit(f"driver: {rounds} rounds of 500 requests, "
             f"{k.fault_read('fail_function')['injected']} interrupt-time allocations failed")
    result = _torture(allocator, emit, quick, irq_interval=20.0,
                      fault="fail_function:inject=percpu_ida_alloc,retval=-12,probability=50,"
                            "times=-1,require-start=torture_irq,require-end=torture_irq")
    if result.success and (result.stats["injected"] or not result.stats["irq_injected"]):
        emit("torture: !!! the filter let task allocations fail, or no interrupt's")
        return False
    return ok and result.success


def hotplug_while_failing(allocator: str, emit: Emit, quick: bool) -> bool:
    """CPUs go down and up every 50 ms while tags and command buffers fail:
    the driver's requests move between CPUs and must still all end; then the
    torture on 4 vCPUs with hotplug every 100 ms and failing allocations."""
    ok = True
    rounds = 3 if quick else 20
    with Kernel(allocator, 4) as k:
        k.inject("fail_function:inject=percpu_ida_alloc,retval=-12,probability=10,times=-1,"
                 "seed=4")
        k.inject("failslab:probability=20,times=-1,seed=4")
        for i in range(rounds):
            ok &= _round(k, emit, f"driver round {i}", 500, i, {-errno.ENOMEM},
                         hotplug=0.05)[0]
            if not ok:
                break
        emit(f"driver: {rounds} rounds of 500 requests under hotplug, "
             f"{k.fault_read('fail_function')['injected']} tag and "
             f"{k.fault_read('failslab')['injected']} buffer allocations failed")
    result = _torture(allocator, emit, quick, nr_cpus=4, nr_tasks=4, onoff_interval=0.1,
                      onoff_holdoff=0.1,
                      fault="fail_function:inject=percpu_ida_alloc,retval=-12,probability=10,"
                            "times=-1")
    return ok and result.success


SCRIPTS = {s.name: s for s in [
    Script("fail-nth-sweep", fail_nth_sweep.__doc__ or "", fail_nth_sweep),
    Script("init-under-pressure", init_under_pressure.__doc__ or "", init_under_pressure),
    Script("irq-failure-storm", irq_failure_storm.__doc__ or "", irq_failure_storm),
    Script("hotplug-while-failing", hotplug_while_failing.__doc__ or "", hotplug_while_failing),
]}

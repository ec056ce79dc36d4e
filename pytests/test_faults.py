"""Fault injection: the kernel's fault_attr knobs, each attach point, replay."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from torture import InvalidArgument, Kernel, NoTags, OutOfMemory, faults, images, runner
from torture.tagblk import Tagblk, problems


def kmalloc_twice(k: Kernel, task=None) -> tuple[bool, bool]:  # type: ignore[no-untyped-def]
    """Two kmallocs in a row (selftest fail_nth): did each succeed?"""
    mask = k.selftest("fail_nth", task=task)
    return bool(mask & 1), bool(mask & 2)


def test_defaults_inject_nothing(make_kernel):
    k = make_kernel()
    assert k.fault_read("failslab") == {
        "probability": "0", "interval": "1", "times": "1", "space": "0", "verbose": "0",
        "task-filter": "0", "injected": "0", "ignore-gfp-wait": "0",
        "stacktrace-depth": "32", "require-start": "0", "require-end": "0xffffffffffffffff",
        "reject-start": "0", "reject-end": "0"}
    assert kmalloc_twice(k) == (True, True)


def test_times_limits_the_failures(make_kernel):
    k = make_kernel()
    k.inject("failslab:probability=100,times=3")
    assert kmalloc_twice(k) == (False, False)
    assert kmalloc_twice(k) == (False, True)
    assert kmalloc_twice(k) == (True, True)
    assert k.fault_read("failslab")["injected"] == "3"
    assert k.fault_read("failslab")["times"] == "0"


def test_interval_fails_every_nth(make_kernel):
    k = make_kernel()
    k.inject("failslab:probability=100,interval=3,times=-1")
    outcomes = [ok for _ in range(3) for ok in kmalloc_twice(k)]
    assert outcomes == [True, True, False, True, True, False]


def test_space_is_spent_before_failing(make_kernel):
    k = make_kernel()
    k.inject("failslab:probability=100,times=-1,space=12")
    assert kmalloc_twice(k) == (True, False)  # 8 bytes fit in the space, 8 more do not


def test_task_filter_fails_only_marked_tasks(make_kernel):
    k = make_kernel()
    k.inject("failslab:probability=100,times=-1,task-filter=1")
    plain, marked = k.task("plain"), k.task("marked")
    marked.make_it_fail()
    assert kmalloc_twice(k, plain) == (True, True)
    assert kmalloc_twice(k, marked) == (False, False)


def test_ignore_gfp_wait_spares_sleeping_allocations(make_kernel):
    k = make_kernel()
    k.inject("failslab:probability=100,times=-1,ignore-gfp-wait=1")
    assert kmalloc_twice(k) == (True, True)  # GFP_KERNEL


def test_fail_nth_comes_first(make_kernel):
    k = make_kernel()
    k.inject("failslab:probability=0,times=-1")
    task = k.task("nth")
    task.fail_nth(1)
    assert kmalloc_twice(k, task) == (False, True)


def test_probability_zero_touches_nothing(make_kernel):
    """The kernel returns before the task filter, times, space and interval
    when the probability is 0: armed later, the interval counts from 0."""
    k = make_kernel()
    k.inject("failslab:probability=0,interval=3,times=-1,space=100")
    kmalloc_twice(k)
    assert k.fault_read("failslab")["space"] == "100"
    k.inject("failslab:probability=100,space=0")
    assert kmalloc_twice(k) == (True, True)  # calls 1 and 2 of the interval
    assert kmalloc_twice(k) == (False, True)  # call 3 fails


def test_fail_nth_spends_times(make_kernel):
    k = make_kernel()
    k.inject("failslab:probability=0,times=2")
    task = k.task("nth")
    task.fail_nth(2)
    assert kmalloc_twice(k, task) == (True, False)
    assert k.fault_read("failslab")["times"] == "1"
    assert k.fault_read("failslab")["injected"] == "1"


def test_decisions_replay_from_the_seed(make_kernel):
    def pattern() -> list[bool]:
        k = make_kernel()
        k.inject("failslab:probability=50,times=-1,seed=7")
        return [ok for _ in range(20) for ok in kmalloc_twice(k)]

    first = pattern()
    assert first == pattern()
    assert True in first and False in first


@pytest.mark.parametrize("point", ["fail_page_alloc", "fail_percpu"])
def test_page_and_percpu_points_fail_init_cleanly(make_kernel, point):
    k = make_kernel()
    k.inject(f"{point}:probability=100,times=1")
    with pytest.raises(OutOfMemory):
        k.pool(256, 16, 8)
    assert k.mem().outstanding == 0, k.leaks()
    k.pool(256, 16, 8).destroy()  # times=1: the next init works
    assert k.fault_read(point)["injected"] == "1"


def test_fail_function_makes_an_entry_point_return_an_errno(make_kernel):
    k = make_kernel()
    pool = k.pool(64, 8, 4)
    k.inject("fail_function:inject=percpu_ida_alloc,retval=-28,probability=100,times=2")
    for _ in range(2):
        with pytest.raises(NoTags):
            pool.alloc()
    assert pool.alloc() in range(64)
    before = k.mem().outstanding
    k.inject("fail_function:inject=__percpu_ida_init,retval=-12,probability=100,times=1")
    with pytest.raises(OutOfMemory):
        k.pool(16)
    assert k.mem().outstanding == before  # the failed init took nothing
    assert k.fault_read("fail_function")["injected"] == "3"


def test_verbose_logs_each_injection(make_kernel):
    k = make_kernel()
    k.inject("failslab:probability=100,times=1,verbose=1")
    kmalloc_twice(k)
    assert "FAULT_INJECTION: forcing a failure" in k.dmesg()
    assert "name failslab" in k.dmesg()
    assert "Call Trace" not in k.dmesg()


def test_verbose_2_adds_the_stack(make_kernel):
    """As the kernel's dump_stack(): a header, then (here) the harness's
    last trace events, the injection itself the last of them."""
    k = make_kernel()
    k.inject("failslab:probability=100,times=1,verbose=2")
    kmalloc_twice(k)
    log = k.dmesg()
    assert "FAULT_INJECTION: forcing a failure" in log
    stack = log.split("Call Trace (the last trace events):\n", 1)[1]
    assert re.search(r"^CPU: \d+ PID: \d+ Comm: ", log, re.M)
    assert re.search(r"cpu\d+ pid \d+: failslab 8 0$", stack.splitlines()[-1]), stack


@pytest.mark.parametrize("spec,message", [
    ("failslab:probability=101", "out of range"),
    ("failslab:times=-2", "out of range"),
    ("failslab:interval=0", "out of range"),
    ("failslab:space=-1", "out of range"),
    ("failslab:colour=3", "unknown knob 'colour'"),
    ("failslab:probability", "malformed fault knob"),
    ("failslab:probability=ten", "not an integer"),
    ("failtrain:probability=1", "unknown fault point 'failtrain'"),
    ("fail_function:inject=kfree", "fail_function can inject"),
    ("fail_function:retval=5", "out of range"),
])
def test_malformed_specs(spec, message):
    with pytest.raises(InvalidArgument, match=message):
        faults.parse(spec)


def test_the_text_interface_rejects_bad_writes(make_kernel):
    k = make_kernel()
    with pytest.raises(InvalidArgument, match="no fault knob"):
        k.fault_write("failslab/colour", 1)
    with pytest.raises(InvalidArgument, match="no fault knob"):
        k.fault_write("failtrain/probability", 1)
    with pytest.raises(InvalidArgument, match="bad value"):
        k.fault_write("failslab/probability", 101)
    with pytest.raises(InvalidArgument, match="unknown fault point"):
        k.fault_read("failtrain")


def test_torture_under_injected_failures(make_kernel):
    result = runner.run(runner.TortureParams(
        duration=2.0, stat_interval=0, stutter=0.7,
        fault="fail_function:inject=percpu_ida_alloc,retval=-12,probability=5,times=-1;"
              "failslab:probability=50,times=-1"), emit=lambda _: None)
    assert result.success, result.reason
    assert result.stats["injected"] > 0
    assert "--fault 'fail_function:" in result.params.command()


def test_torture_cli_rejects_a_bad_fault():
    proc = subprocess.run([sys.executable, "-m", "torture", "run", "--fault",
                           "failslab:probability=101"], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 2 and "probability=101 out of range" in proc.stderr


def test_task_filter_fails_the_torture_tasks_and_never_an_interrupt():
    """The torture tasks are the processes under test (make-it-fail); the
    kernel's task filter never fails interrupt context."""
    result = runner.run(runner.TortureParams(
        duration=1.0, stat_interval=0, irq_interval=50, seed=2,
        fault="fail_function:inject=percpu_ida_alloc,retval=-12,probability=20,times=-1,"
              "task-filter=1"), emit=lambda _: None)
    assert result.success, result.reason
    assert result.stats["injected"] > 0 and result.stats["irq_injected"] == 0
    assert result.stats["irq_allocs"] > 0


@pytest.mark.parametrize("depth, fails", [(0, False), (1, False), (32, True)])
def test_stacktrace_depth_bounds_the_frames_the_filter_looks_at(make_kernel, depth, fails):
    """require-* names the driver's interrupt-time submit, a few frames up
    from the allocator: depth 0 turns the walk off (a require range then
    matches nothing, as in the kernel), depth 1 sees only the wrapper."""
    k = make_kernel(nr_cpus=2)
    k.inject(f"fail_function:inject=percpu_ida_alloc,retval=-12,probability=100,times=-1,"
             f"stacktrace-depth={depth},require-start=tagblk_submit_atomic,"
             f"require-end=tagblk_submit_atomic")
    dev = Tagblk(k, 8, 2, 100)
    result = dev.run(seed=1, atomic_share=1.0)
    injected = int(k.fault_read("fail_function")["injected"])
    assert (injected > 0) == fails, injected
    assert not problems(result, 8, set())
    k.fault_write("fail_function/probability", 0)
    dev.exit()


@pytest.mark.parametrize("allocator", sorted(images.BASELINES))
def test_fail_function_reaches_every_baselines_own_entry_point(make_kernel, allocator):
    """What the model's checks relax for an injected failure is one that
    really happens, on the baselines as on percpu_ida."""
    k = make_kernel(allocator)
    pool = k.pool(16)
    k.inject(f"fail_function:inject={k.spec.alloc_function},retval=-12,probability=100,"
             "times=1")
    with pytest.raises(OutOfMemory):
        pool.alloc()
    assert k.fault_read("fail_function")["injected"] == "1"
    pool.free(pool.alloc())

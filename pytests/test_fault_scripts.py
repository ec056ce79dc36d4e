"""The ready fault-injection scenarios, short, on every allocator they fit."""

from __future__ import annotations

import errno
import re
import subprocess
import sys

import pytest

from torture import InvalidArgument, OutOfMemory, fault_scripts, images
from torture.kernel import TASK_UNINTERRUPTIBLE
from torture.tagblk import Tagblk, problems


@pytest.mark.parametrize("name", sorted(fault_scripts.SCRIPTS))
@pytest.mark.parametrize("allocator", ["percpu_ida", "percpu_ida_v1"])
def test_script_succeeds(name, allocator):
    lines: list[str] = []
    assert fault_scripts.SCRIPTS[name].run(allocator, lines.append, True), "\n".join(lines)
    assert lines


def test_fail_nth_sweep_counts_the_failable_allocations_of_init():
    lines: list[str] = []
    assert fault_scripts.fail_nth_sweep("percpu_ida_v1", lines.append, True)
    # the driver's request table (slab), then design B's init: the cpu
    # bitmap (slab), the global stack (pages), the caches (percpu)
    assert lines[-1] == "fail-nth  5: init succeeded: it makes 4 failable allocations"
    assert all(line.endswith("init -12, 0 objects left") for line in lines[:-1])


# Which planted driver error-path bug each script must catch, and how.
CATCHES = [
    ("fail-nth-sweep", "broken_tagblk_init_leak",
     r"fail-nth  2: init -12, 1 objects left  !!! leak"),
    ("init-under-pressure", "broken_tagblk_init_leak", r"!!! leak: init failed and left 1 obj"),
    ("init-under-pressure", "broken_tagblk_lost_on_enomem", r"failslab .*!!! requests never ended"),
    ("irq-failure-storm", "broken_tagblk_give_up", r"driver round \d+: !!! requests never ended"),
    ("hotplug-while-failing", "broken_tagblk_lost_on_enomem",
     r"driver round \d+: !!! requests never ended"),
]


@pytest.mark.parametrize("name, mutant, reason", CATCHES)
def test_script_fails_on_a_planted_driver_bug(name, mutant, reason):
    lines: list[str] = []
    assert not fault_scripts.SCRIPTS[name].run(mutant, lines.append, True), "\n".join(lines)
    assert re.search(reason, "\n".join(lines)), "\n".join(lines)


def test_every_script_and_every_driver_mutant_is_in_the_catch_table():
    assert {name for name, _, _ in CATCHES} == set(fault_scripts.SCRIPTS)
    caught = {mutant for _, mutant, _ in CATCHES}
    assert set(images.DRIVER_ERROR_PATHS) <= caught
    for mutant in images.DRIVER_ERROR_PATHS.values():  # each one's own expectation
        assert any(re.search(mutant.expect, reason) for _, m, reason in CATCHES
                   if m == mutant.name)


def test_fail_function_skips_the_function_as_the_kernels_does(make_kernel):
    """The kernel's error injection overrides the return on entry: the
    allocator never runs, so a sleeping alloc on an empty pool comes back
    at once with the error instead of sleeping."""
    k = make_kernel()
    pool = k.pool(4, 4, 2)
    held = [pool.alloc(cpu=0) for _ in range(4)]
    k.inject("fail_function:inject=percpu_ida_alloc,retval=-12,probability=100,times=1")
    with pytest.raises(OutOfMemory):
        pool.alloc(cpu=0, state=TASK_UNINTERRUPTIBLE)
    assert k.fault_read("fail_function")["injected"] == "1"
    for tag in held:
        pool.free(tag, cpu=0)


def test_the_stack_filter_fails_only_calls_from_its_range(make_kernel):
    """reject-* spares the process-context submit; require-* fails only
    calls that pass through the named function."""
    k = make_kernel(nr_cpus=3)
    k.inject("fail_function:inject=percpu_ida_alloc,retval=-12,probability=100,times=-1,"
             "reject-start=tagblk_submit,reject-end=tagblk_submit")
    dev = Tagblk(k, 8, 2, 300)
    result = dev.run(seed=1)
    assert not problems(result, 8, set())  # no submitter saw -ENOMEM
    assert all(s == -errno.EBUSY for s, a in zip(result.status, result.atomic, strict=True)
               if a)
    assert int(k.fault_read("fail_function")["injected"]) > 0
    k.fault_write("fail_function/probability", 0)
    dev.exit()
    assert k.function_address("tagblk_submit") < k.function_address("tagblk_submit", end=True)
    with pytest.raises(InvalidArgument, match="no out-of-line function 'nope'"):
        k.inject("fail_function:require-start=nope")


def test_unknown_script():
    proc = subprocess.run([sys.executable, "-m", "torture", "fault", "nope"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "unknown fault script 'nope'" in proc.stderr


def test_a_baseline_has_no_driver_to_script():
    proc = subprocess.run([sys.executable, "-m", "torture", "fault", "fail-nth-sweep",
                           "--torture_type", "ida_tags"], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip().endswith("--torture_type ida_tags: the fault scripts drive the "
                                        "tagblk driver, which only percpu_ida images have")

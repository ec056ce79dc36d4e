"""Each shim primitive on its own, through small kernel functions in selftest.c."""

from __future__ import annotations

import errno
import os
import re
import subprocess
import sys
import textwrap
import time

import pytest
from conftest import wait_for_state

from torture import KernelBug
from torture.kernel import TASK_INTERRUPTIBLE, TASK_RUNNING, TASK_UNINTERRUPTIBLE


def test_wake_between_prepare_to_wait_and_schedule_returns(make_kernel):
    k = make_kernel()
    assert k.selftest("wake_before_schedule") == 0


def test_sleeper_woken_from_another_vcpu(make_kernel, background):
    k = make_kernel()
    sleeper = k.task("sleeper")
    bg = background(lambda: k.selftest("wait_cond", cpu=0, task=sleeper))
    wait_for_state(sleeper, TASK_UNINTERRUPTIBLE)
    assert k.wakeups() == 0 and not bg.done(0), "the waiter returned before the condition"
    assert k.selftest("set_cond", cpu=1, arg=1) == 1  # one task woken
    assert bg.outcome() in (0, 1)


def test_exclusive_waiters_woken_one_per_wakeup(make_kernel, background):
    k = make_kernel()
    waiters = [k.task(f"w{i}") for i in range(3)]
    calls = [background(lambda t=t: k.selftest("wait_exclusive", cpu=0, task=t))
             for t in waiters]
    deadline = time.monotonic() + 5
    while any(t.state != TASK_UNINTERRUPTIBLE for t in waiters):
        assert time.monotonic() < deadline
        time.sleep(0.001)
    assert k.selftest("wake_nr", cpu=1, arg=1) == 1  # wake_up(): one exclusive waiter
    time.sleep(0.05)
    assert sum(t.state == TASK_UNINTERRUPTIBLE for t in waiters) == 2
    assert k.selftest("wake_nr", cpu=1, arg=2) == 2  # wake_up_nr(2): the other two
    for c in calls:
        assert c.outcome() == 0


def test_interruptible_sleeper_gets_erestartsys_on_signal(make_kernel, background):
    k = make_kernel()
    sleeper = k.task("sleeper")
    bg = background(lambda: k.selftest("wait_cond", cpu=0, arg=1, task=sleeper))
    wait_for_state(sleeper, TASK_INTERRUPTIBLE)
    sleeper.signal()
    assert bg.outcome() == -512
    assert sleeper.state == TASK_RUNNING


def test_uninterruptible_sleeper_ignores_signals(make_kernel, background):
    k = make_kernel()
    sleeper = k.task("sleeper")
    bg = background(lambda: k.selftest("wait_cond", cpu=0, task=sleeper))
    wait_for_state(sleeper, TASK_UNINTERRUPTIBLE)
    sleeper.signal()  # its wakeup, had there been one, is counted as signal() returns
    assert k.wakeups() == 0 and sleeper.state == TASK_UNINTERRUPTIBLE
    k.selftest("set_cond", cpu=1, arg=1)
    assert bg.outcome() >= 0


def test_vcpu_is_exclusive(make_kernel, background):
    k = make_kernel(nr_cpus=1)
    def hammer(task):  # type: ignore[no-untyped-def]
        return lambda: [k.selftest("exclusive", cpu=0, arg=20000, task=task)
                        for _ in range(200)]

    calls = [background(hammer(k.task(name))) for name in "abc"]
    for c in calls:
        assert set(c.outcome(30)) == {0}


def test_spinlock_and_atomic_exclude_across_vcpus(make_kernel, background):
    k = make_kernel(nr_cpus=2)
    n = 200_000
    runs = [background(lambda cpu=cpu: k.selftest("count", cpu=cpu, arg=n, task=k.task("c")))
            for cpu in (0, 1)]
    for r in runs:
        r.outcome(60)
    assert k.selftest("count_read") == 2 * n * 1_000_000_000 + 2 * n


def test_contexts(make_kernel):
    k = make_kernel()
    assert k.selftest("context") == 4  # task: preemptible, irqs on
    assert k.selftest("context", irq=True) == 1 | 2  # hardirq, irqs off


def test_percpu_areas_distinct_aligned_and_this_cpu(make_kernel):
    k = make_kernel(nr_cpus=4)
    for cpu in range(4):
        assert k.selftest("percpu", cpu=cpu) == 0
    assert k.mem().percpu_objs == 0


def test_percpu_pointer_dereferenced_raw_faults():
    """A __percpu pointer used without per_cpu_ptr() crashes, as in a kernel."""
    code = textwrap.dedent("""
        from torture import Kernel
        Kernel("percpu_ida", 2).selftest("percpu_raw_deref")
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    if os.environ.get("SAN") in ("address", "thread"):  # the sanitizer reports the fault
        assert b"SEGV" in proc.stderr, proc.stderr.decode()
    else:
        assert proc.returncode == -11, proc.stderr.decode()


def test_bitops_and_find_bit(make_kernel):
    assert make_kernel().selftest("bitops") == 3 + 64 + 199


def test_cmpxchg_xchg_atomics(make_kernel):
    assert make_kernel().selftest("cmpxchg") == 0


def test_tasks_on_an_offlined_cpu_migrate(make_kernel, background):
    k = make_kernel(nr_cpus=2)
    sleeper = k.task("sleeper")
    bg = background(lambda: k.selftest("wait_cond", cpu=1, task=sleeper))
    wait_for_state(sleeper, TASK_UNINTERRUPTIBLE)
    k.cpu_down(1)
    k.selftest("set_cond", cpu=0, arg=1)
    assert bg.outcome() == 0  # it woke on CPU 0


def test_accounting_finds_a_leak(make_kernel):
    k = make_kernel()
    k.selftest("leak", arg=100)
    mem = k.mem()
    assert (mem.slab_objs, mem.slab_bytes) == (1, 100)
    assert "st_leak" in k.leaks()


def test_kmalloc_has_the_kernels_size_limit_and_vmalloc_does_not(make_kernel):
    """Above KMALLOC_MAX_SIZE (4 MiB: half of MAX_ORDER's block) kmalloc
    fails with a warning; vmalloc (and kvmalloc's fallback) does not."""
    k = make_kernel()
    limit = 4096 << 10
    k.selftest("leak", arg=limit)
    assert k.selftest("leak", arg=limit + 1) == -errno.ENOMEM
    assert [r.message for r in k.reports()] == \
        [f"kmalloc of {limit + 1} bytes: KMALLOC_MAX_SIZE is {limit}"]
    k.selftest("vmalloc_leak", arg=2 * limit)
    assert (k.mem().slab_objs, k.mem().slab_bytes) == (2, 3 * limit)


def test_redzones_catch_a_write_past_the_end(make_kernel):
    """CONFIG_SLUB_DEBUG's red zoning: one byte past a kmalloc object or a
    CPU's copy of a per-cpu one is seen at quiescence, and a free of the
    damaged object is the kernel's BUG."""
    k = make_kernel()
    assert k.redzone_damage() is None
    k.selftest("overflow", arg=0)
    found = k.redzone_damage()
    assert found and re.match(r"Redzone overwritten: kmalloc object 0x[0-9a-f]+ of 24 bytes "
                              r"\(allocated at st_overflow \(selftest\.c:\d+\)\): byte 24 is 0, "
                              r"not 0xcc", found), found
    k2 = make_kernel()
    k2.selftest("overflow", arg=2)
    assert "percpu object" in k2.redzone_damage() and "CPU 1's copy: byte 24" in \
        k2.redzone_damage()
    k3 = make_kernel()
    with pytest.raises(KernelBug, match="Redzone overwritten: kmalloc object"):
        k3.selftest("overflow", arg=1)
    k4 = make_kernel()
    k4.selftest("overflow", arg=3)
    assert re.match(r"Redzone overwritten: pages object 0x[0-9a-f]+ of 4096 bytes",
                    k4.redzone_damage() or "")


def test_fail_nth_fails_the_nth_allocation_once(make_kernel):
    k = make_kernel()
    t = k.task("victim")
    t.fail_nth(2)
    assert k.selftest("fail_nth", task=t) == 1  # first succeeded, second failed
    assert t.fail_nth_left == 0
    assert k.selftest("fail_nth", task=t) == 3
    assert k.mem().injected == 1


@pytest.mark.skipif(os.environ.get("SAN") in ("address", "thread"),
                    reason="the sanitizer reports the freed header we read, and stops the process")
def test_double_kfree_is_a_bug(make_kernel):
    k = make_kernel()
    with pytest.raises(KernelBug, match="double free"):
        k.selftest("double_kfree")


def test_bug_on_ends_the_instance_not_the_process(make_kernel):
    k = make_kernel()
    assert k.selftest("bug_on", arg=1) == 0
    with pytest.raises(KernelBug) as info:
        k.selftest("bug_on", arg=42)
    report = info.value.report
    assert report is not None
    assert "BUG_ON(arg == 42)" in report.message
    assert report.function == "st_bug_on" and report.cpu == 0
    assert "selftest.c" in report.site
    assert k.dead
    other = make_kernel()  # a second instance is untouched
    assert other.selftest("bitops") > 0



@pytest.mark.parametrize("bits", [0, 1, 5, 63, 64, 65, 4095, 4096, 4097, 262145])
def test_bitmap_tree_hands_out_every_bit_once(make_kernel, bits):
    """<linux/bitmap-tree.h>, both call forms: every bit once, none past the
    end, freed bits and only those come back, nothing leaked."""
    k = make_kernel()
    assert k.selftest("bitmap_tree", arg=bits) == 0
    assert k.mem().outstanding == 0
    assert not k.reports()


def test_seq_file_and_bounded_random(make_kernel):
    """seq_printf/seq_puts/seq_putc append, a full buffer overflows;
    get_random_u32_below() stays below its bound."""
    assert make_kernel().selftest("seq_file") == 0

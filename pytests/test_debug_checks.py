"""The kernel's debug checks: lockdep, sleeping in atomic, preemptible CPU ids."""

from __future__ import annotations

import pytest

from torture import KernelBug


def test_lockdep_aa_is_a_bug_not_a_hang(make_kernel):
    k = make_kernel()
    with pytest.raises(KernelBug, match="recursion.*st_lock_a"):
        k.selftest("lock_aa")


def test_lockdep_irq_unsafe_usage(make_kernel):
    k = make_kernel()
    k.selftest("lock_irq_ctx", irq=True)  # taken in hardirq context
    assert not k.reports()
    k.selftest("lock_irq_ctx")  # and with irqs enabled in a task
    reports = [r for r in k.reports() if r.kind == "LOCKDEP"]
    assert len(reports) == 1
    assert "IN-HARDIRQ-W" in reports[0].message and "st_lock_irq" in reports[0].message


def test_lockdep_irqsave_usage_is_clean(make_kernel):
    k = make_kernel()
    k.selftest("lock_irq_ctx", irq=True)
    k.selftest("lock_irqsave")
    assert not k.reports()


def test_lockdep_abba(make_kernel):
    k = make_kernel()
    k.selftest("lock_order", arg=0)
    assert not k.reports()
    k.selftest("lock_order", arg=1, cpu=1)
    msgs = [r.message for r in k.reports() if r.kind == "LOCKDEP"]
    assert len(msgs) == 1 and "circular locking dependency" in msgs[0]


def test_sleeping_while_atomic(make_kernel):
    k = make_kernel()
    with pytest.raises(KernelBug, match="scheduling while atomic"):
        k.selftest("sleep_in_atomic")


def test_sleeping_with_irqs_off(make_kernel):
    k = make_kernel()
    with pytest.raises(KernelBug, match="irqs disabled"):
        k.selftest("sleep_irqs_off")


def test_might_sleep_in_atomic(make_kernel):
    k = make_kernel()
    k.selftest("kmalloc_atomic")
    msgs = [r.message for r in k.reports()]
    assert any("sleeping function called from invalid context" in m for m in msgs)
    assert not k.dead  # the kernel prints and carries on


def test_smp_processor_id_in_preemptible_code(make_kernel):
    k = make_kernel()
    assert k.selftest("smp_id_preemptible", cpu=1) == 1
    msgs = [r.message for r in k.reports()]
    assert any("smp_processor_id() in preemptible" in m for m in msgs)
    k2 = make_kernel()
    assert k2.selftest("smp_id_preemptible", irq=True) == 0
    assert not k2.reports()


def test_uninitialised_spinlock(make_kernel):
    with pytest.raises(KernelBug, match="bad magic"):
        make_kernel().selftest("bad_magic")


def test_returning_to_user_with_a_lock_held(make_kernel):
    with pytest.raises(KernelBug, match="lock held when returning to user space"):
        make_kernel().selftest("return_locked")

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


@pytest.mark.parametrize("how,reported", [(0, True), (1, False), (2, False)])
def test_lockdep_classes_come_from_the_init_site_and_lockdep_set_class(make_kernel, how,
                                                                       reported):
    """Two locks from one init site, nested: one class (reported), unless the
    inner one gets its own class (lockdep_set_class) or is a subclass."""
    k = make_kernel()
    k.selftest("lock_class", arg=how)
    msgs = [r.message for r in k.reports() if r.kind == "LOCKDEP"]
    assert bool(msgs) == reported, msgs
    if reported:
        assert "recursive locking" in msgs[0]


def test_lockdep_assert_held_checks_the_current_task(make_kernel, background):
    k = make_kernel()
    k.selftest("assert_held", arg=1)  # the holder asserts: fine
    assert not k.reports()
    k.selftest("set_cond", cpu=1, arg=0)
    holder = background(lambda: k.selftest("hold_lock_a", cpu=0, task=k.task("holder")))
    while k.selftest("cond_read", cpu=1) != 4:
        pass
    k.selftest("assert_held", cpu=1, arg=0)  # held, but by another task
    k.selftest("set_cond", cpu=1, arg=5)
    holder.outcome()
    warns = [r for r in k.reports() if r.kind == "WARNING"]
    assert len(warns) == 1 and warns[0].function == "st_assert_held", k.reports()
    assert "lockdep_is_held(&st_lock_a)" in warns[0].message


def test_lockdep_reports_a_hardirq_safe_to_unsafe_order(make_kernel):
    """st_lock_irq is taken in an interrupt (hardirq-safe), st_lock_b with irqs
    on (hardirq-unsafe); then b is taken under irq: an interrupt on the CPU
    holding b can wait for ever for irq, held by a CPU that waits for b."""
    k = make_kernel()
    k.selftest("lock_irq_ctx", irq=True)
    k.selftest("lock_order", arg=0)  # st_lock_b taken with irqs on (under a)
    assert not k.reports()
    k.selftest("lock_irq_then_b")
    msgs = [r.message for r in k.reports() if r.kind == "LOCKDEP"]
    assert len(msgs) == 1 and "HARDIRQ-safe -> HARDIRQ-unsafe" in msgs[0], msgs
    assert "st_lock_irq" in msgs[0] and "st_lock_b" in msgs[0]


def test_lockdep_reports_the_inversion_when_the_irq_use_comes_last(make_kernel):
    k = make_kernel()
    k.selftest("lock_order", arg=0)
    k.selftest("lock_irq_then_b")  # irq -> b recorded, nothing irq-safe yet
    assert not k.reports()
    k.selftest("lock_irq_ctx", irq=True)  # now st_lock_irq is hardirq-safe
    msgs = [r.message for r in k.reports() if r.kind == "LOCKDEP"]
    assert len(msgs) == 1 and "irq lock inversion" in msgs[0], msgs


@pytest.mark.parametrize("cpu", [0, 1])
def test_migrate_disable_lets_the_task_sleep_and_keeps_its_cpu(make_kernel, cpu):
    """Its post-5.11 meaning: not preempt_disable() (sleeping would be a bug),
    and smp_processor_id() is legal because the task cannot move."""
    k = make_kernel()
    assert k.selftest("migrate_disabled", cpu=cpu) == cpu
    assert not k.reports()

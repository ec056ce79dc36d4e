"""The kernel API beyond the allocator's own needs (the idiom corpus in
data/idioms/), each with the kernel's semantics: shims/harness/selftest_api.c
uses each facility and checks what it does."""

from __future__ import annotations

import time

import pytest
from conftest import wait_for_state

from torture import KernelBug
from torture.kernel import TASK_UNINTERRUPTIBLE


@pytest.mark.parametrize("name", ["percpu_static", "this_cpu_ops", "rwlock_rules",
                                  "local_lock", "lists", "masks_and_bits"])
@pytest.mark.parametrize("cpu", [0, 1])
def test_facility_behaves_as_the_kernels(make_kernel, name, cpu):
    k = make_kernel()
    assert k.selftest(name, cpu=cpu) == 0, f"check {-k.selftest(name, cpu=cpu)} failed"
    assert not k.reports(), k.reports()


def until(k, value: int) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 10
    while k.selftest("api_flag", cpu=1, arg=-1) != value:
        assert time.monotonic() < deadline, f"st_api_flag never reached {value}"


def test_a_mutex_excludes_and_its_waiter_sleeps_until_unlock(make_kernel, background):
    k = make_kernel()
    k.selftest("api_flag", arg=0)
    holder = background(lambda: k.selftest("mutex_hold", cpu=0, task=k.task("holder")))
    until(k, 1)
    assert k.selftest("mutex_take", cpu=1, arg=0) == 0  # trylock fails: held
    waiter = k.task("waiter")
    taker = background(lambda: k.selftest("mutex_take", cpu=1, arg=1, task=waiter))
    wait_for_state(waiter, TASK_UNINTERRUPTIBLE)  # asleep, not spinning
    k.selftest("api_flag", cpu=1, arg=2)
    assert holder.outcome() == 0 and taker.outcome() == 1
    assert not k.reports()


def test_a_mutex_in_atomic_context_is_reported(make_kernel):
    k = make_kernel()
    k.selftest("mutex_in_atomic")
    assert any("sleeping function called from invalid context" in r.message
               for r in k.reports())


def test_a_mutex_unlocked_by_a_task_that_does_not_own_it_is_a_bug(make_kernel):
    k = make_kernel()
    with pytest.raises(KernelBug, match="owner"):
        k.selftest("mutex_unlock_unowned")


def test_completions_wake_their_waiters_and_time_out(make_kernel, background):
    k = make_kernel()
    assert k.selftest("completion", arg=3) == 0  # nobody completes: 0 after 2 jiffies
    waiter = k.task("waiter")
    bg = background(lambda: k.selftest("completion", cpu=0, arg=0, task=waiter))
    wait_for_state(waiter, TASK_UNINTERRUPTIBLE)
    k.selftest("completion", cpu=1, arg=1)
    assert bg.outcome() == 0
    k.selftest("completion", cpu=1, arg=2)  # complete_all: every later wait returns
    assert k.selftest("completion", arg=0) == 0


def test_synchronize_rcu_waits_for_a_reader(make_kernel, background):
    k = make_kernel()
    k.selftest("api_flag", arg=0)
    reader = background(lambda: k.selftest("rcu_reader", cpu=0, task=k.task("reader")))
    until(k, 1)
    updater = background(lambda: k.selftest("rcu_update", cpu=1, arg=0,
                                            task=k.task("updater")))
    deadline = time.monotonic() + 10
    while "rcu_gp_wait" not in k.trace(256):
        assert time.monotonic() < deadline, "synchronize_rcu() never began"
    assert not updater.done(0) and k.selftest("api_flag", cpu=1, arg=-1) == 1
    k.selftest("api_flag", cpu=1, arg=3)
    assert reader.outcome() == 0, "the reader saw the grace period end"
    assert updater.outcome() == 0 and k.selftest("api_flag", arg=-1) == 4


def test_call_rcu_and_kfree_rcu_run_after_a_grace_period(make_kernel):
    k = make_kernel()
    assert k.selftest("rcu_update", arg=1) == 0
    assert k.mem().slab_objs == 0, k.leaks()


def test_kmem_cache_objects_are_accounted_and_a_busy_destroy_is_reported(make_kernel):
    k = make_kernel()
    assert k.selftest("kmem_cache", arg=0) == 0
    assert k.mem().slab_objs == 2  # the cache and its object
    k.selftest("kmem_cache", arg=2)
    assert any("still has objects (1)" in r.message for r in k.reports())


def test_kmem_cache_allocations_fail_on_demand(make_kernel):
    k = make_kernel()
    task = k.task("t")
    task.fail_nth(2)  # the cache is the first allocation, its object the second
    assert k.selftest("kmem_cache", arg=0, task=task) == -12


def test_smp_cond_load_acquire_waits_and_sees_what_was_published(make_kernel, background):
    k = make_kernel()
    k.selftest("api_flag", arg=0)
    waiter = background(lambda: k.selftest("cond_load", cpu=0, task=k.task("w")))
    until(k, 5)
    k.selftest("cond_load", cpu=1, arg=1)
    assert waiter.outcome() == 99


def test_config_options_follow_the_build(make_kernel):
    """#ifdef CONFIG_HOTPLUG_CPU code is compiled in, IS_ENABLED() tells the
    truth: SMP, lockdep and the atomic-sleep checks on, PREEMPT_RT off."""
    assert make_kernel().selftest("config") == 0b101111

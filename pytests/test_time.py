"""Time as the kernel has it: jiffies, timeouts that expire and return what
is left, and spurious wakeups on purpose, in both engines."""

from __future__ import annotations

import pytest
from conftest import wait_for_state

from torture import det_suite, runner
from torture.explore import Exhaustive, Script, explore, run
from torture.kernel import TASK_INTERRUPTIBLE, TASK_UNINTERRUPTIBLE
from torture.scenario import Scenario, Task, nap, signal

HZ = 250


def test_jiffies_starts_before_the_wrap_and_moves(make_kernel):
    k = make_kernel()
    first = k.selftest("jiffies")
    assert first >= 0, "jiffies is before INITIAL_JIFFIES"
    k.selftest("msleep", arg=20)
    assert k.selftest("jiffies") >= first + 20 * HZ // 1000


def test_schedule_timeout_times_out_and_returns_zero(make_kernel):
    k = make_kernel()
    assert k.selftest("nap", arg=2) == 0


def test_schedule_timeout_woken_early_returns_the_jiffies_left(make_kernel, background):
    k = make_kernel()
    sleeper = k.task("sleeper")
    bg = background(lambda: k.selftest("nap", arg=100 * HZ, task=sleeper))
    wait_for_state(sleeper, TASK_INTERRUPTIBLE)
    sleeper.signal()
    left = bg.outcome()
    assert 0 < left <= 100 * HZ
    assert left > 90 * HZ, "a signal right away leaves nearly all of it"


def test_msleep_sleeps_at_least_as_long_as_asked(make_kernel):
    k = make_kernel()
    assert k.selftest("msleep", arg=12) >= 12 * HZ // 1000


def test_wait_event_timeout_returns_zero_on_timeout_and_the_rest_on_wakeup(
        make_kernel, background):
    k = make_kernel()
    k.selftest("set_cond", cpu=1, arg=0)
    assert k.selftest("wait_timeout", arg=2) <= -1000 - 2  # timed out after >= 2 jiffies
    waiter = k.task("waiter")
    bg = background(lambda: k.selftest("wait_timeout", arg=100 * HZ, task=waiter))
    wait_for_state(waiter, TASK_UNINTERRUPTIBLE)
    k.selftest("set_cond", cpu=1, arg=3)
    assert 0 < bg.outcome() <= 100 * HZ


def naps(o, fiber: int) -> list[int]:  # type: ignore[no-untyped-def]
    return [s.value for s in o.trace if s.fiber == fiber and s.what == "op:nap"]


def test_in_the_deterministic_engine_a_timeout_firing_is_a_decision():
    sc = Scenario(2, 1, 1, 2, [Task(0, [nap(10, interruptible=True)]), Task(1, [signal(0)])])
    # the timer fires: the virtual clock jumps to the expiry, nothing is left
    fired = explore("percpu_ida", sc, Script([run(0, "blocked"), run(0, "done"),
                                              run(1, "done")]))
    assert fired.verdict == "pass" and naps(fired, 0) == [0]
    assert any(s.what == "woken" and s.value == 0 for s in fired.trace)
    # the signal comes first: all 10 jiffies are left (virtual time stood still)
    early = explore("percpu_ida", sc, Script([run(0, "blocked"), run(1, "done"),
                                              run(0, "done")]))
    assert early.verdict == "pass" and naps(early, 0) == [10]
    # and exhaustive search covers both
    assert explore("percpu_ida", sc, Exhaustive(preemptions=1)).exhausted


@pytest.mark.parametrize("allocator", ["percpu_ida", "percpu_ida_v1"])
def test_correct_waits_survive_spurious_wakeups(allocator: str) -> None:
    sc = det_suite.wake_race()
    sc.spurious_wakeups = 2
    o = explore(allocator, sc, Exhaustive(preemptions=1, runs=5000), trace=False)
    assert o.verdict == "pass" and o.exhausted


def test_a_wait_that_does_not_loop_is_caught_by_a_spurious_wakeup():
    sc = det_suite.wake_race()
    quiet = explore("broken_wait_no_loop", sc, Exhaustive(preemptions=1), trace=False)
    assert quiet.verdict == "pass" and quiet.exhausted, "only a spurious wakeup shows it"
    sc.spurious_wakeups = 1
    o = explore("broken_wait_no_loop", sc, Exhaustive(preemptions=1), trace=False)
    assert o.verdict == "check" and "alloc in state 2 returned -28" in o.message


def test_the_torture_knob_wakes_sleepers_without_cause():
    p = runner.TortureParams(torture_type="percpu_ida", duration=3.0, stat_interval=0,
                             spurious_wakeup=50, seed=5)
    result = runner.run_isolated(p, emit=lambda _: None)
    assert result.success, result.reason
    assert result.stats["spurious_wakeups"] > 0


def test_delay_injection_preempts_and_migrates_at_marked_accesses_too():
    """sbitmap reads its words with READ_ONCE() and preemption on: there the
    threaded engine may now preempt (percpu_ida's are all under irqs off)."""
    p = runner.TortureParams(torture_type="sbitmap_tags", duration=3.0, stat_interval=0,
                             delay=200, seed=9)
    result = runner.run_isolated(p, emit=lambda _: None)
    assert result.success, result.reason
    assert result.stats["preemptions"] >= result.stats["access_preemptions"] > 0

"""The deterministic engine: strategies, replay, hang reports, the suite
against every allocator and mutant, and the rare paths forced by script."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from collections.abc import Callable

import pytest

from torture import checks, det_suite, images, sanitizers
from torture.errors import InvalidArgument
from torture.explore import (
    PCT,
    At,
    Exhaustive,
    Outcome,
    Random,
    Replay,
    Script,
    Step,
    explore,
    hotplug,
    irq,
    run,
)
from torture.scenario import (
    Hotplug,
    Irq,
    Scenario,
    Task,
    alloc,
    for_each_free,
    free,
    free_all,
    free_tags,
    hand,
    signal,
    standard,
)

# mutants that scribble outside their arrays: a crash verdict here, the
# sanitizer's own report (which ends the process) under ASan and TSan
CORRUPTS_MEMORY = {"broken_refill_batch", "broken_spill_no_recheck", "broken_v1_pop",
                   "broken_v1_push", "broken_ida_mag_steal_nolock"}
corrupting = pytest.mark.skipif(
    sanitizers.current() in ("address", "thread"),
    reason="a memory-corrupting mutant: the sanitizer reports it (test_sanitizers.py)")

CORRECT = sorted(images.CORRECT)
EVERY = sorted({**images.CORRECT, **images.BASELINES})  # with the baselines
DESIGNS = ["percpu_ida", "percpu_ida_v1"]
MUTANTS = sorted(set(images.BROKEN) | set(images.INTERLEAVING_ONLY))
# the one check that catches each mutant in the suite (torture/checks.py)
DET_CHECK = {
    "broken_free_irqs_on": "kernel-report", "broken_freelist_no_wake": "liveness",
    "broken_ida_mag_steal_nolock": "crash", "broken_ida_tags_free_nolock": "ownership",
    "broken_no_cpumask_bit": "liveness", "broken_no_wake": "liveness",
    "broken_queue_late": "liveness", "broken_refill_batch": "crash",
    "broken_sbitmap_no_fold": "liveness", "broken_sbitmap_wake_early": "liveness",
    "broken_spill_no_recheck": "crash", "broken_stale_cache": "availability",
    "broken_steal_count_early": "liveness", "broken_steal_nolock": "conservation",
    "broken_tagblk_give_up": "driver", "broken_tagblk_leak": "liveness",
    "broken_v1_pop": "crash", "broken_v1_push": "crash", "broken_v1_steal_early": "ownership",
    "broken_wait_no_loop": "alloc-error", "broken_wake_before_bit": "liveness",
}
A, R = alloc(), alloc("running")
ERESTARTSYS = -512


def allocs(o: Outcome, fiber: int) -> list[int]:
    return [s.value for s in o.trace if s.fiber == fiber and s.what == "op:alloc"]


# ---- the engine ----

@pytest.mark.parametrize("allocator", EVERY)
def test_suite_passes(allocator: str) -> None:
    assert det_suite.run_suite(allocator) is None


@pytest.mark.parametrize("mutant", [
    pytest.param(m, marks=corrupting) if m in CORRUPTS_MEMORY else m for m in MUTANTS])
def test_suite_catches_mutant_and_replays(mutant: str) -> None:
    """Caught by the one check named in DET_CHECK, and the replay agrees."""
    found = det_suite.run_suite(mutant)
    assert found is not None, f"{mutant} passed the deterministic suite"
    name, scenario, budget, outcome = found
    assert checks.det_check_of(outcome.verdict, outcome.message) == DET_CHECK[mutant], \
        outcome.message
    again = explore(mutant, scenario, Replay(outcome.decisions), memory=budget.memory)
    assert again.verdict == outcome.verdict
    assert again.message.split("\n")[0].split(" at ")[0] == \
        outcome.message.split("\n")[0].split(" at ")[0]


@pytest.mark.parametrize("allocator", DESIGNS)
def test_replay_gives_the_same_trace(allocator: str) -> None:
    first = explore(allocator, det_suite.three_tasks(), Random(seed=7, runs=2))
    again = explore(allocator, det_suite.three_tasks(), Replay(first.decisions))

    def key(o: Outcome) -> list[tuple[object, ...]]:
        return [(s.step, s.cpu, s.fiber, s.what, s.function) for s in o.trace]
    assert first.preemptions > 0
    assert key(first) == key(again) and first.decisions == again.decisions


def test_zero_decisions_run_without_preemption() -> None:
    o = explore("percpu_ida", standard(), Replay())
    assert o.verdict == "pass" and o.preemptions == 0 and not any(o.decisions)


def test_exhaustive_explores_more_with_a_larger_bound() -> None:
    runs = [explore("percpu_ida", standard(), Exhaustive(preemptions=b), trace=False)
            for b in (0, 1, 2)]
    assert all(o.verdict == "pass" and o.exhausted for o in runs)
    assert runs[0].runs < runs[1].runs < runs[2].runs


def test_pct_finds_a_lost_wakeup() -> None:
    o = explore("broken_no_wake", det_suite.cpumask(), PCT(seed=0, runs=2000, depth=3))
    assert o.verdict == "deadlock"


def test_deadlock_report_names_every_task() -> None:
    found = det_suite.run_suite("broken_no_wake")
    assert found is not None
    msg = found[3].message
    assert found[3].verdict == "deadlock"
    assert "asleep on wait queue" in msg and "det0" in msg and "tags are free" in msg


def test_livelock_is_a_verdict() -> None:
    o = explore("percpu_ida", standard(), Replay(), max_steps=20)
    assert o.verdict == "livelock" and "20 steps" in o.message


def test_an_exhausted_pool_is_not_a_failure() -> None:
    o = explore("percpu_ida", Scenario(1, 1, 1, 2, [Task(0, [A, A])]), Replay())
    assert o.verdict == "exhausted" and not o.failed


@corrupting
def test_a_crash_is_a_verdict_not_a_dead_process() -> None:
    found = det_suite.run_suite("broken_refill_batch")
    assert found is not None and found[3].verdict == "crash"
    assert "Segmentation fault" in found[3].message


def test_a_bug_in_an_irq_handler_is_reported() -> None:
    # a sleeping allocation in hardirq context
    sc = Scenario(1, 1, 1, 2, [Task(0, [A, A])], [Irq(1, [A])])
    o = explore("percpu_ida", sc, Script([run(0, "blocked"), irq(0), run("irq0", "done")]))
    assert o.verdict == "bug" and "scheduling while atomic" in o.message


@pytest.mark.parametrize("bad, message", [
    (Scenario(4, 2, 1, 2, [Task(5, [A])]), "cpu 5"),
    (Scenario(0, 2, 1, 2, [Task(0, [A])]), "nr_tags"),
    (Scenario(4, 2, 1, 2, [Task(0, [A] * 300)]), "ops"),
])
def test_bad_scenarios(bad: Scenario, message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        explore("percpu_ida", bad)


@pytest.mark.parametrize("make, message", [
    (lambda: run(0, At("no_such_function")), "no function"),
    (lambda: run(0, At("pida_steal", "teleport")), "unknown primitive"),
    (lambda: run("nobody"), "unknown script target"),
    (lambda: run(0, "sometime"), "unknown script condition"),
])
def test_bad_scripts(make: Callable[[], Step], message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        explore("percpu_ida", standard(), Script([make()]))


def test_a_script_step_that_cannot_run_is_reported() -> None:
    one = Scenario(1, 1, 1, 2, [Task(0, [A, free()]), Task(1, [A])])
    o = explore("percpu_ida", one, Script([
        run(0, At("percpu_ida_alloc", "irq_on")), run(1, "blocked"), run(1, "done")]))
    assert o.verdict == "script" and "cannot run" in o.message


def test_the_irq_event_budget_is_spent() -> None:
    sc = Scenario(4, 2, 1, 2, [Task(0, [A, free()])], [Irq(0, [R, free()], 3)])
    o = explore("percpu_ida", sc, Random(seed=1, runs=20))
    assert o.verdict == "pass" and o.irqs == 3


# ---- forced paths: each script asserts its path was taken ----

@pytest.mark.parametrize("allocator", DESIGNS)
def test_refill_from_the_global_stack(allocator: str) -> None:
    o = explore(allocator, Scenario(8, 4, 2, 2, [Task(0, [A])]), Script([run(0, "done")]))
    assert o.verdict == "pass" and o.hit("pida_alloc_global")


@pytest.mark.parametrize("allocator", DESIGNS)
def test_steal_from_a_remote_vcpu(allocator: str) -> None:
    # task 1 empties the global stack and parks every tag in its cache
    sc = Scenario(4, 8, 2, 2, [Task(0, [A]), Task(1, [A, A, A, free(), free(), free()])])
    o = explore(allocator, sc, Script([run(1, "done"), run(0, "done")]))
    assert o.verdict == "pass" and allocs(o, 0)[0] >= 0
    assert o.hit("pida_steal", "lock" if allocator == "percpu_ida" else "xchg")


def test_spill_at_max_size() -> None:
    sc = Scenario(8, 4, 2, 2, [Task(0, [A] * 4 + [free()] * 4)])
    o = explore("percpu_ida", sc, Script([run(0, "done")]))
    assert o.verdict == "pass" and o.hit("pida_spill", "lock")


SPILL_RACE = Scenario(4, 4, 2, 2, [Task(0, [A]), Task(1, [A] * 4 + [free()] * 4)])
SPILL_SCRIPT = Script([run(1, At("pida_spill", "lock")), run(0, "done"), run(1, "done")])


def test_spill_recheck_finds_the_cache_emptied_by_a_thief() -> None:
    o = explore("percpu_ida", SPILL_RACE, SPILL_SCRIPT)
    assert o.verdict == "pass" and o.script_done == 3
    assert o.hit("pida_steal") and o.hit("pida_spill", "lock")


@corrupting
def test_the_same_script_catches_a_spill_without_recheck() -> None:
    assert explore("broken_spill_no_recheck", SPILL_RACE, SPILL_SCRIPT).failed


def test_v1_pop_meets_a_thief() -> None:
    sc = Scenario(4, 8, 4, 2, [Task(0, [A]), Task(1, [A, free(), A])])
    o = explore("percpu_ida_v1", sc, Script([
        run(1, At("percpu_ida_free", "irq_on")),
        run(1, At("pida_pop_local", "cmpxchg")),
        run(0, At("pida_steal", "xchg")),
        run(0, steps=1),
        run(1, "blocked"),
        run(0, "done"), run(1, "done"),
    ]))
    assert o.verdict == "pass" and o.script_done == 7
    # its cmpxchg failed on TAG_CPU_STEALING: the slow path, on the thief's lock
    assert any(s.fiber == 1 and s.what == "relax" for s in o.trace)
    assert allocs(o, 1)[-1] >= 0


def test_v1_push_waits_for_a_thief() -> None:
    sc = Scenario(4, 8, 4, 2, [Task(0, [A]), Task(1, [A, A, free()])])
    o = explore("percpu_ida_v1", sc, Script([
        run(1, At("pida_push_local")),
        run(0, At("pida_steal", "xchg")),
        run(0, steps=1),
        run(1, "blocked"),
        run(0, "done"), run(1, "done"),
    ]))
    assert o.verdict == "pass" and o.script_done == 6
    assert any(s.fiber == 1 and s.what == "relax" and s.function == "pida_push_local"
               for s in o.trace)


WAKE_RACE = det_suite.wake_race()
WAKE_SCRIPT = Script([
    run(1, At("percpu_ida_alloc", "irq_on")),   # task 1 has the only tag
    run(0, At("percpu_ida_alloc", "irq_on")),   # task 0 queued, not yet asleep
    run(1, "done"),                             # the free lands in between
    run(0, "done"),
])


@pytest.mark.parametrize("allocator", DESIGNS)
def test_a_free_between_prepare_to_wait_and_schedule(allocator: str) -> None:
    o = explore(allocator, WAKE_RACE, WAKE_SCRIPT)
    assert o.verdict == "pass" and o.script_done == 4 and allocs(o, 0) == [0]
    assert o.hit("prepare_to_wait") and o.hit("__wake_up")


def test_the_same_script_catches_queueing_after_the_search() -> None:
    assert explore("broken_queue_late", WAKE_RACE, WAKE_SCRIPT).verdict == "deadlock"


@pytest.mark.parametrize("allocator", DESIGNS)
def test_an_interruptible_sleeper_is_signalled(allocator: str) -> None:
    sc = Scenario(1, 1, 1, 2, [Task(0, [alloc("interruptible")]), Task(1, [A, signal(0)])])
    o = explore(allocator, sc, Script([
        run(1, At("percpu_ida_alloc", "irq_on")), run(0, "blocked"),
        run(1, "done"), run(0, "done"),
    ]))
    assert o.verdict == "pass" and allocs(o, 0) == [ERESTARTSYS]


@pytest.mark.parametrize("allocator", DESIGNS)
def test_a_sleeper_resumes_on_another_vcpu(allocator: str) -> None:
    o = explore(allocator, WAKE_RACE, Script([
        run(1, At("percpu_ida_alloc", "irq_on")), run(0, "blocked"),
        run(1, "done"), run(0, "done", cpu=1),
    ]))
    assert o.verdict == "pass" and allocs(o, 0) == [0]
    assert any(s.fiber == 0 and s.what == "run_on" and s.value == 1 for s in o.trace)


@pytest.mark.parametrize("allocator", DESIGNS)
def test_an_irq_free_on_the_vcpu_of_a_task_inside_alloc(allocator: str) -> None:
    sc = Scenario(2, 1, 1, 2, [Task(0, [A, A])], [Irq(0, [R, free()])])
    o = explore(allocator, sc, Script([
        run(0, At("percpu_ida_alloc", "irq_on")), irq(0), run("irq0", "done"),
        run(0, "done"),
    ]))
    assert o.verdict == "pass" and o.irqs == 1
    irq_ops = [s for s in o.trace if s.what == "op:free" and s.cpu == 0 and s.fiber != 0]
    assert irq_ops and all(t >= 0 for t in allocs(o, 0))


@pytest.mark.parametrize("allocator", CORRECT)
def test_a_vcpu_goes_down_with_tags_parked_and_they_come_back(allocator: str) -> None:
    sc = Scenario(4, 4, 2, 2, [Task(0, [A] * 4), Task(1, [A, A, free(), free()])],
                  [], [Hotplug(1)])
    o = explore(allocator, sc, Script([
        run(1, "done"), hotplug(), run("hotplug", "done"), run(0, "done"),
    ]))
    assert o.verdict == "pass" and sorted(allocs(o, 0)) == [0, 1, 2, 3]
    # design A and B steal them back from the dead CPU; the notifier spilled them
    assert o.hit("pida_steal") == (allocator != "percpu_ida_cpuhp")


@pytest.mark.parametrize("refused", [False, True])
def test_a_refused_cpu_down_leaves_the_cache_where_it_was(refused: bool) -> None:
    """The notifier variant spills a dead CPU's cache; a cpu_down that a
    callback refuses (a decision of the engine) never reaches CPU_DEAD."""
    sc = Scenario(4, 4, 2, 2, [Task(0, [A] * 4), Task(1, [A, A, free(), free()])],
                  [], [Hotplug(1, may_fail=True)])
    o = explore("percpu_ida_cpuhp", sc, Script([
        run(1, "done"), hotplug(refused), run("hotplug", "done"), run(0, "done"),
    ]))
    assert o.verdict == "pass" and sorted(allocs(o, 0)) == [0, 1, 2, 3]
    assert o.hit("pida_cpu_notify", "lock") == (not refused)
    # task 0 steals the parked tags from the live CPU instead
    assert o.hit("pida_steal") == refused


STEAL_PUSH = Script([
    run(1, At("pida_push_local")),          # the owner is about to push
    run(0, At("pida_steal", "xchg")),       # the thief claims the cache...
    run(0, steps=2),                        # ...and is two accesses further on
    run(1, "blocked"), run(0, "done"), run(1, "done"),
])


def test_memory_points_interleave_plain_accesses() -> None:
    o = explore("percpu_ida_v1", det_suite.steal_push(), STEAL_PUSH, memory=True)
    assert o.verdict == "pass" and o.script_done == 6
    assert any(s.what == "read" and s.function == "pida_steal" for s in o.trace)
    # the owner waited for the thief to give its cache back
    assert any(s.fiber == 1 and s.what == "relax" for s in o.trace)


def test_memory_points_catch_a_thief_that_lets_go_early() -> None:
    o = explore("broken_v1_steal_early", det_suite.steal_push(), STEAL_PUSH, memory=True)
    assert o.verdict == "check" and "free twice" in o.message


def test_without_memory_points_plain_accesses_are_not_points() -> None:
    o = explore("percpu_ida_v1", det_suite.steal_push(), Replay())
    assert not any(s.what in ("read", "write") for s in o.trace)


def test_an_exhausting_scenario_is_rescued_by_finished_holders() -> None:
    # task 0 ends holding a tag while task 1 sleeps for it: its exit frees it
    sc = Scenario(1, 1, 1, 2, [Task(0, [A]), Task(1, [A, free()])])
    o = explore("percpu_ida", sc, Replay())
    assert o.verdict == "pass" and allocs(o, 1) == [0]
    assert any(s.fiber == 2 and s.what == "op:free" for s in o.trace)


def walked(o: Outcome) -> tuple[int, int]:
    """What the iterator reported: (count, tags it reported twice)."""
    twice = next(s.value for s in o.trace if s.what == "op:for_each_free_twice")
    count = next(s.value for s in o.trace if s.what == "op:for_each_free")
    return count, twice


# task 0 parks both tags in vCPU 0's cache; task 1 on vCPU 1 has to steal
# them; task 2 on vCPU 0 walks the free tags meanwhile
WALK = Scenario(2, 4, 2, 2, [Task(0, [A, free()]), Task(1, [A]), Task(0, [for_each_free()])])


def test_for_each_free_during_a_steal_can_see_a_tag_twice_in_design_a() -> None:
    o = explore("percpu_ida", WALK, Script([
        run(0, "done"),
        run(2, At("percpu_ida_for_each_free", "lock", 2)),  # vCPU 0's cache walked
        run(1, "done"),                                      # the steal moves it
        run(2, "done"),
    ]))
    assert o.verdict == "pass" and o.script_done == 4 and o.hit("pida_steal")
    # documented: a walk that races a steal is not a snapshot
    assert walked(o) == (3, 1)


def test_for_each_free_during_a_steal_is_exact_in_design_b() -> None:
    o = explore("percpu_ida_v1", WALK, Script([
        run(0, "done"),
        run(2, At("percpu_ida_for_each_free", "lock")), run(2, steps=1),  # pool lock held
        run(1, "blocked"),                                # the thief waits for it
        run(2, "done"), run(1, "done"),
    ]))
    assert o.verdict == "pass" and o.script_done == 6 and o.hit("pida_steal")
    assert walked(o) == (2, 0)


def test_cross_cpu_frees_by_hand_off() -> None:
    sc = Scenario(4, 2, 1, 2, [Task(0, [A, A, hand(1), hand(1)]), Task(1, [A, free_all()])])
    o = explore("percpu_ida", sc, Random(seed=3, runs=200))
    assert o.verdict == "pass"


# ---- the command line ----

def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "torture", "explore", *args],
                          capture_output=True, text=True, timeout=300)


def test_cli_prints_a_replay_that_reproduces_the_failure() -> None:
    first = cli("broken_steal_nolock", "--shrink")
    # with memory points in the random and PCT budgets the double allocation
    # itself is seen first; without them, its aftermath (conservation)
    assert first.returncode == 1
    assert re.search(r"FAILURE: (ownership|conservation)", first.stdout), first.stdout
    replay = next(line for line in first.stdout.splitlines() if line.startswith("replay: "))
    argv = shlex.split(replay.removeprefix("replay: "))[4:]
    again = cli(*argv)
    assert again.returncode == 1
    assert again.stdout.splitlines()[-2] == first.stdout.splitlines()[-2]


def test_cli_passes_a_correct_allocator() -> None:
    out = cli("percpu_ida", "--scenario", "wake_race", "--strategy", "exhaustive",
              "--preemptions", "2")
    assert out.returncode == 0 and out.stdout.rstrip().endswith("SUCCESS")


@pytest.mark.parametrize("args, message", [
    (["percpu_ida", "--replay", "1,x"], "a recorded replay"),
    (["percpu_ida", "--replay", "standard/mem0/mig1/img0a/n5/crc00000000:1,x"],
     "comma-separated integers"),
    (["percpu_ida", "--scenario", "wake_race"], "the suite runs every scenario"),
    (["percpu_ida", "--strategy", "random", "--migrations", "-1"],
     "--migrations=-1: must be at least 0"),
    (["percpu_ida", "--scenario", "nosuch", "--strategy", "pct"], "unknown scenario"),
    (["percpu_ida", "--strategy", "random", "--runs", "0"], "--runs=0: must be at least 1"),
    (["percpu_ida", "--preemptions", "-1"], "--preemptions=-1: must be at least 0"),
    (["nosuch"], "unknown allocator"),
])
def test_cli_bad_input(args: list[str], message: str) -> None:
    out = cli(*args)
    assert out.returncode == 2 and message in out.stderr


def test_v1_free_tags_of_a_cache_being_stolen_is_zero() -> None:
    sc = Scenario(4, 8, 4, 2, [Task(0, [A]), Task(1, [A, A]), Task(1, [free_tags(1)])])
    o = explore("percpu_ida_v1", sc, Script([
        run(1, "done"),
        run(0, At("pida_steal", "xchg")), run(0, steps=1),   # cache 1 is TAG_CPU_STEALING
        run(2, "done"), run(0, "done"),
    ]))
    assert o.verdict == "pass" and o.script_done == 5
    assert [s.value for s in o.trace if s.what == "op:free_tags"] == [0]
    after = explore("percpu_ida_v1", sc, Script([run(1, "done"), run(2, "done")]))
    assert [s.value for s in after.trace if s.what == "op:free_tags"] == [2]


@pytest.mark.parametrize("allocator, free_fn, woken_by", [
    ("sbitmap_tags", "sbitmap_queue_clear", 2),  # wake_batch is 16 / 8 = 2
    ("tag_freelist", "tag_freelist_free", 1),
    ("ida_tags", "ida_tags_free", 1),
    ("ida_mag", "ida_mag_free", 1),
    ("percpu_ida", "percpu_ida_free", 1),
    ("percpu_ida_v1", "percpu_ida_free", 1),
])
def test_which_free_wakes_the_sleeper(allocator: str, free_fn: str, woken_by: int) -> None:
    """Task 1 holds all 16 tags, task 0 sleeps for one, task 1 frees two:
    sbitmap's wakeup comes with the second free (a batch), the others' with
    the first."""
    sc = Scenario(16, 16, 1, 2, [Task(0, [A]), Task(1, [R] * 16 + [free(), free()])])
    o = explore(allocator, sc, Script([run(1, At(free_fn)), run(0, "blocked"),
                                       run(1, "done"), run(0, "done")]))
    assert o.verdict == "pass" and o.script_done == 4
    frees = [i for i, s in enumerate(o.trace) if s.what == "op:free"]  # logged as they end
    [wake] = [i for i, s in enumerate(o.trace) if s.what == "wake"]
    assert sum(f < wake for f in frees) == woken_by - 1


def test_sbitmap_batched_wakeups_survive_every_strategy() -> None:
    """The suite's scenarios have at most 8 tags, so sbitmap wakes one waiter
    per free there.  With 16 (wake_batch 2), two sleepers and a task that
    holds 15 and frees them, the batches must still wake everyone."""
    sc = Scenario(16, 16, 4, 2, [Task(0, [R] * 15 + [free()] * 15),
                                 Task(1, [A, free(), A, free()]), Task(0, [A, free()]),
                                 Task(1, [A, A, free(), free()])])
    for budget in det_suite.default_budget():
        o = explore("sbitmap_tags", sc, budget.strategy, trace=False, memory=budget.memory)
        assert not o.failed, (budget, o.message)  # a capped search is incomplete
    # all 16 held, two sleepers on two of the 8 queues: one batch wakes both
    full = Scenario(16, 16, 4, 2, [Task(0, [R] * 16 + [free()] * 16),
                                   Task(1, [A, free()]), Task(1, [A, free()])])
    hit = explore("sbitmap_tags", full, Script([run(0, At("sbitmap_queue_clear")),
                                                run(1, "blocked"), run(2, "blocked"),
                                                run(0, "done"), run(1, "done"),
                                                run(2, "done")]))
    assert hit.verdict == "pass" and hit.script_done == 6
    wakes = [i for i, s in enumerate(hit.trace) if s.what == "wake"]
    frees = [i for i, s in enumerate(hit.trace) if s.what == "op:free"]  # logged as they end
    assert len(wakes) == 2 and frees[0] < wakes[0] < wakes[1] < frees[1]  # the second free

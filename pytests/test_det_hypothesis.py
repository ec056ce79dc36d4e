"""Hypothesis and the deterministic engine: drawn scenarios and decision
lists against every allocator; failures found, shrunk to few preemptions,
kept in the example database and replayed; PCT failures shrunk."""

from __future__ import annotations

import pytest
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.database import InMemoryExampleDatabase

from torture import det_suite, images
from torture.det_strategies import decision_lists, scenarios
from torture.explore import PCT, Exhaustive, Replay, explore
from torture.scenario import Scenario
from torture.shrink import hypothesis_shrink, shrink, signature

EVERY = sorted({**images.CORRECT, **images.BASELINES})  # with the baselines
EXAMPLES = settings.default.max_examples * 6


@pytest.mark.parametrize("allocator", EVERY)
def test_any_scenario_under_any_interleaving(allocator: str) -> None:
    @settings(max_examples=EXAMPLES)
    @given(scenarios(), decision_lists())
    def check(scenario: Scenario, decisions: list[int]) -> None:
        o = explore(allocator, scenario, Replay(decisions), trace=False)
        assert not o.failed, f"{o.message}\n{scenario.describe()}\n{o.replay_hint()}"
    check()


def nonzero(ds: list[int]) -> int:
    return sum(1 for d in ds if d)


def test_hypothesis_finds_a_lost_wakeup_and_shrinks_it() -> None:
    def deadlocks(ds: list[int]) -> bool:
        return explore("broken_queue_late", det_suite.wake_race(), Replay(ds),
                       trace=False).verdict == "deadlock"
    # derandomized: a shrink can stop in a local minimum, so the seed is fixed
    found = find(decision_lists(max_size=40), deadlocks,
                 settings=settings(max_examples=3000, database=None, derandomize=True))
    # Hypothesis shrinks shortlex: a short list of small decisions...
    assert deadlocks(found) and len(found) <= 6, found
    # ...and shrink() takes it to the fewest preemptions: two (task 1 stopped
    # holding the tag, task 0 stopped between its search and joining the queue)
    outcome = explore("broken_queue_late", det_suite.wake_race(), Replay(found))
    small, proven = shrink("broken_queue_late", det_suite.wake_race(), outcome)
    assert small.verdict == "deadlock" and small.preemptions == 2, small.decisions
    assert proven
    one = explore("broken_queue_late", det_suite.wake_race(), Exhaustive(preemptions=1))
    assert one.verdict == "pass" and one.exhausted


def test_hypothesis_draws_a_scenario_that_catches_a_mutant() -> None:
    def fails(case: tuple[Scenario, list[int]]) -> bool:
        return explore("broken_no_cpumask_bit", case[0], Replay(case[1]), trace=False).failed
    scenario, decisions = find(
        st.tuples(scenarios(max_tasks=3, irqs=False, hotplug=False), decision_lists()),
        fails, settings=settings(max_examples=5000, database=None))
    assert fails((scenario, decisions))
    assert len(scenario.tasks) <= 3 and sum(len(t.ops) for t in scenario.tasks) <= 8


def test_a_found_failure_lives_in_the_example_database_and_replays() -> None:
    db = InMemoryExampleDatabase()
    runs: list[list[int]] = []

    def no_lost_wakeup(decisions: list[int]) -> None:
        runs.append(decisions)
        o = explore("broken_queue_late", det_suite.wake_race(), Replay(decisions), trace=False)
        assert o.verdict != "deadlock"

    search = settings(database=db, max_examples=3000)(given(decision_lists(40))(no_lost_wakeup))
    with pytest.raises(AssertionError):
        search()
    assert db.data, "the failure was not saved"
    # no generation this time: only what the database holds
    runs.clear()
    replay = settings(database=db, phases=[Phase.reuse])(given(decision_lists(40))(no_lost_wakeup))
    with pytest.raises(AssertionError):
        replay()
    assert 1 <= len(runs) <= 3


def test_a_pct_failure_is_shrunk_to_few_preemptions() -> None:
    scenario = det_suite.steal_push()
    found = explore("broken_v1_steal_early", scenario, PCT(seed=1, runs=20_000, depth=4),
                    trace=False, memory=True)
    assert found.failed, "PCT did not find it: the test needs a different seed"
    small, _ = shrink("broken_v1_steal_early", scenario, found, memory=True)
    assert signature(small) == signature(found)
    assert small.preemptions <= min(found.preemptions, 3)
    assert nonzero(small.decisions) <= nonzero(found.decisions)
    again = explore("broken_v1_steal_early", scenario, Replay(small.decisions), memory=True)
    assert again.verdict == found.verdict


def test_a_pct_failure_handed_to_hypothesis() -> None:
    scenario = det_suite.cpumask()
    found = explore("broken_no_wake", scenario, PCT(seed=1, runs=20_000), trace=False)
    assert found.verdict == "deadlock"
    small = hypothesis_shrink("broken_no_wake", scenario, found)
    assert small.verdict == "deadlock"
    assert small.preemptions <= found.preemptions
    assert all(d <= b for d, b in zip(small.decisions, found.decisions, strict=False))

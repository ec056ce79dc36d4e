"""What a search's verdict claims: `pass` only when the bound was covered
(exhausted) or every asked-for run ran; INCOMPLETE when a cap or the
engine's horizon stopped it; a run that ends with every tag held by waiters
does not stop the search; a fault in the end-of-run checks is a verdict."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from torture import det_suite, sanitizers
from torture.explore import INCOMPLETE, Exhaustive, Random, explore
from torture.scenario import Scenario, Task, alloc, free

A = alloc()


def test_a_capped_exhaustive_search_is_incomplete_not_a_pass() -> None:
    o = explore("percpu_ida", det_suite.three_tasks(), Exhaustive(2, runs=200), trace=False,
                memory=True)
    assert o.verdict == INCOMPLETE and not o.failed and not o.exhausted
    assert o.headline().startswith("INCOMPLETE (200 runs, cap hit, bound 2 not covered; "
                                   "200 distinct schedules, choices varied from #")
    # depth-first from the deepest choice: a capped search varies only the tail
    assert o.varied_from > o.deepest // 2


def test_a_covered_bound_says_so() -> None:
    o = explore("percpu_ida", det_suite.wake_race(), Exhaustive(1), trace=False)
    assert o.verdict == "pass" and o.exhausted
    assert o.headline() == f"PASS (exhausted: {o.runs} runs, bound 1)"
    assert o.distinct == o.runs and o.varied_from == 0


def test_the_cli_ends_incomplete_with_exit_3_and_says_why(tmp_path) -> None:
    out = tmp_path / "o.json"
    proc = subprocess.run([sys.executable, "-m", "torture", "explore", "percpu_ida",
                           "--scenario", "three_tasks", "--strategy", "exhaustive",
                           "--preemptions", "2", "--runs", "100", "--json", str(out)],
                          capture_output=True, text=True, timeout=300)
    lines = proc.stdout.splitlines()
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert lines[-2].startswith("INCOMPLETE (100 runs, cap hit, bound 2 not covered")
    assert lines[-1] == ("INCOMPLETE: no failure, but 1 of 1 searches did not do what they "
                         "claim: three_tasks exhaustive(2)")
    data = json.loads(out.read_text())
    assert data["verdict"] == "incomplete" and data["exhausted"] is False


def test_choices_past_4096_are_varied() -> None:
    """The search once never backtracked past choice 4096 and called that
    exhausted: runs this long are varied at their deepest choice too."""
    sc = Scenario(4, 2, 2, 2, [Task(0, [A, free()] * 64), Task(1, [A, free()] * 64)])
    o = explore("percpu_ida", sc, Exhaustive(1, runs=3), trace=False, memory=True)
    assert o.deepest > 8192 and o.varied_from > 4096 and o.verdict == INCOMPLETE


def test_runs_that_end_with_every_tag_held_do_not_stop_the_search() -> None:
    # one tag, a task that wants two: every run ends with the tag held by a waiter
    stuck = Scenario(1, 1, 1, 2, [Task(0, [A, A])])
    o = explore("percpu_ida", stuck, Random(seed=0, runs=20), trace=False)
    assert (o.verdict, o.runs, o.stuck_runs) == ("pass", 20, 20)
    assert "20 ended with every tag held by waiters" in o.headline()
    # two tags, two tasks that want two: stuck only when each gets one first
    some = Scenario(2, 1, 1, 2, [Task(0, [A, A]), Task(1, [A, A])])
    o = explore("percpu_ida", some, Exhaustive(2), trace=False)
    assert o.verdict == "pass" and o.exhausted and 0 < o.stuck_runs < o.runs


@pytest.mark.skipif(sanitizers.current() in ("address", "thread"),
                    reason="the sanitizer reports the corruption itself")
def test_a_fault_in_the_end_of_run_checks_is_a_crash_verdict() -> None:
    """broken_refill_batch leaves a cache pointing past its stack; the
    availability check then faults, outside any fiber: the run's verdict,
    in this process, which goes on."""
    seen = set()
    for seed in range(6):
        o = explore("broken_refill_batch", det_suite.steal_push(), Random(seed=seed, runs=1000),
                    trace=False)
        assert o.verdict == "crash", o.message
        seen.add(o.message.split(":")[0])
    assert "crash in the end-of-run checks" in seen

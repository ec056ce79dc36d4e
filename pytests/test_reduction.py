"""Bounded partial-order reduction (shims/det_por.c): the reduced exhaustive
search finds every failure the full one finds, on the whole catalogue,
with fewer runs; a search it stopped resumes where it was."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from torture import det_suite, images, sanitizers
from torture.errors import InvalidArgument
from torture.explore import Exhaustive, explore

MUTANTS = sorted(set(images.BROKEN) | set(images.INTERLEAVING_ONLY))

# the full search (every schedule within the bound, found by prefix replay)
# against the reduced one, per scenario and bound; a failure of the full
# search must be found by the reduced one with the same signature (going on
# past failures of other kinds, as the shrinker does)
COMPARE = """
import json, sys
from torture import det_suite
from torture.explore import Exhaustive, explore
from torture.shrink import signature
mutant = sys.argv[1]
out = []
for name in ("wake_race", "steal_push", "signals", "spurious", "migration"):
    for bound, memory in ((1, False), (2, False), (1, True)):
        sc = det_suite.SCENARIOS[name]()
        full = explore(mutant, sc, Exhaustive(bound, runs=300_000, reduce=False),
                       trace=False, memory=memory)
        case = {"case": f"{name} {bound}{'+memory' if memory else ''}",
                "full": signature(full) if full.failed else None,
                "full_exhausted": full.exhausted}
        resume, seen, cap = [], [], 300_000
        while cap > 0:
            red = explore(mutant, sc, Exhaustive(bound, runs=cap), trace=False,
                          memory=memory, resume=resume)
            cap -= red.runs
            if not red.failed:
                case["reduced_exhausted"] = red.exhausted
                break
            seen.append(signature(red))
            if seen[-1] == case["full"] or not red.resume:
                break
            resume = red.resume
        case["reduced"] = seen
        out.append(case)
print(json.dumps(out))
"""


@pytest.mark.skipif(sanitizers.current() in ("address", "thread"),
                    reason="several mutants corrupt memory: the sanitizer reports them")
@pytest.mark.parametrize("mutant", MUTANTS)
def test_the_reduced_search_finds_every_failure_the_full_one_finds(mutant: str) -> None:
    """Each mutant in a child process: several corrupt the heap they share
    with it."""
    proc = subprocess.run([sys.executable, "-c", COMPARE, mutant], capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    for case in json.loads(proc.stdout.splitlines()[-1]):
        if case["full"] is not None:
            assert case["full"] in case["reduced"], case
        else:
            # nothing to find: the reduced search finds nothing either, and
            # covers the bound where the full one did
            assert not case["reduced"], case
            assert case["reduced_exhausted"] or not case["full_exhausted"], case


@pytest.mark.parametrize("scenario, bound, memory", [
    ("standard", 2, False), ("standard", 2, True), ("migration", 2, False),
    ("wake_race", 2, True), ("three_tasks", 1, False),
])
def test_the_reduction_covers_the_bound_with_fewer_runs(scenario: str, bound: int,
                                                        memory: bool) -> None:
    sc = det_suite.SCENARIOS[scenario]
    full = explore("percpu_ida", sc(), Exhaustive(bound, reduce=False), trace=False,
                   memory=memory)
    reduced = explore("percpu_ida", sc(), Exhaustive(bound), trace=False, memory=memory)
    assert full.verdict == reduced.verdict == "pass"
    assert full.exhausted and reduced.exhausted
    assert reduced.runs < full.runs


def test_a_stopped_reduced_search_resumes_where_it_was() -> None:
    """Capped at 500 runs at a time, the search ends with the same runs as in
    one go: the list it resumes from carries what each choice tried."""
    sc = det_suite.SCENARIOS["standard"]
    whole = explore("percpu_ida", sc(), Exhaustive(2), trace=False)
    runs, resume, parts = 0, [], 0
    while True:
        part = explore("percpu_ida", sc(), Exhaustive(2, runs=500), trace=False,
                       resume=resume)
        runs, parts = runs + part.runs, parts + 1
        if part.exhausted:
            break
        assert part.verdict == "incomplete" and part.resume
        resume = part.resume
    assert parts > 1 and runs == whole.runs


@pytest.mark.parametrize("resume", [[5], [0, 1, 9], [0, 2, 0, 0, 0, 0, 7]])
def test_a_resume_list_the_search_did_not_write_is_an_error(resume: list[int]) -> None:
    with pytest.raises(InvalidArgument, match="not a list a reducing search wrote"):
        explore("percpu_ida", det_suite.SCENARIOS["standard"](), Exhaustive(1),
                resume=resume)

"""Make a failing decision list small and keep its bug: first the fewest
preemptions that reproduce the *same* failure (same check, same site),
proven by complete searches at every smaller bound; then fewer non-zero
decisions and an earlier last one.  For failures found by PCT or random
search; Hypothesis shrinks its own finds."""

from __future__ import annotations

import re

from torture.explore import Exhaustive, Outcome, Replay, explore
from torture.scenario import Scenario


def trimmed(decisions: list[int]) -> list[int]:
    """Past the list every decision is 0: the trailing zeros say nothing."""
    end = len(decisions)
    while end and not decisions[end - 1]:
        end -= 1
    return list(decisions[:end])


def signature(o: Outcome) -> str:
    """A failure's identity: its verdict and its first line with the numbers
    (tags, pids, addresses, offsets) taken out; the check's name, the
    function and the file stay.  Two runs with one signature hit one bug."""
    first = o.message.splitlines()[0] if o.message else ""
    return f"{o.verdict}: " + re.sub(r"0x[0-9a-f]+|\d+", "#", first)


def find_at_bound(allocator: str, scenario: Scenario, want: str, bound: int,
                  memory: bool = False, cap: int = 200_000) -> tuple[Outcome | None, bool]:
    """An exhaustive search with @bound preemptions for a failure whose
    signature is @want, going on past failures of other kinds.  (That
    failure or None, and whether the search covered the bound.)"""
    resume: list[int] = []
    while cap > 0:
        o = explore(allocator, scenario, Exhaustive(bound, runs=cap), trace=False,
                    memory=memory, resume=resume)
        cap -= o.runs
        if not o.failed:
            return None, o.exhausted
        if signature(o) == want:
            return o, True
        if not o.resume:
            return None, True  # it was the last run within the bound
        resume = o.resume
    return None, False


def fewest_preemptions(allocator: str, scenario: Scenario, failure: Outcome,
                       memory: bool = False, cap: int = 200_000) -> tuple[Outcome, bool]:
    """The run with the fewest preemptions that fails as @failure does, and
    whether that is proven (every smaller bound searched to the end without
    it): bounds 0, 1, 2, ... searched in turn, each up to @cap runs.  Once a
    bound is not covered the larger ones (bigger still) are not tried."""
    want = signature(failure)
    for bound in range(failure.preemptions):
        found, covered = find_at_bound(allocator, scenario, want, bound, memory, cap)
        if found is not None:
            return found, True
        if not covered:
            return failure, False
    return failure, True


def shrink(allocator: str, scenario: Scenario, failure: Outcome, memory: bool = False,
           budget: int = 2000, cap: int = 200_000) -> tuple[Outcome, bool]:
    """The smallest run with @failure's signature: the fewest preemptions
    (fewest_preemptions()), then ddmin-style zeroing of chunks of the
    decisions and lowering of single ones, at most @budget replays, never
    more preemptions.  The result's decisions are trimmed and replay it; with
    it, whether its preemptions are proven the fewest."""
    want = signature(failure)
    best, proven = fewest_preemptions(allocator, scenario, failure, memory, cap)
    tries = 0

    def better(ds: list[int]) -> bool:
        nonlocal best, tries
        tries += 1
        o = explore(allocator, scenario, Replay(ds), trace=False, memory=memory)
        if signature(o) == want and _size(o) < _size(best):
            best = o
            return True
        return False

    progress = True
    while progress and tries < budget:
        progress = False
        ds = trimmed(best.decisions)
        chunk = max(1, len(ds) // 2)
        while chunk and tries < budget:
            for i in range(0, len(ds), chunk):
                if any(ds[i:i + chunk]):
                    trial = ds[:i] + [0] * len(ds[i:i + chunk]) + ds[i + chunk:]
                    if better(trial):
                        ds, progress = trial, True
            chunk //= 2
        for i in range(len(ds) - 1, -1, -1):
            if ds[i] > 1 and tries < budget and better(ds[:i] + [ds[i] - 1] + ds[i + 1:]):
                ds, progress = ds[:i] + [ds[i] - 1] + ds[i + 1:], True
    final = explore(allocator, scenario, Replay(trimmed(best.decisions)), memory=memory)
    final.decisions = trimmed(final.decisions)
    return final, proven


def _size(o: Outcome) -> tuple[int, int, int]:
    return o.preemptions, sum(1 for d in o.decisions if d), len(trimmed(o.decisions))


def hypothesis_shrink(allocator: str, scenario: Scenario, failure: Outcome,
                      memory: bool = False, max_examples: int = 2000) -> Outcome:
    """Hand a PCT or random failure to Hypothesis: it searches the runs whose
    every decision is at most the failure's (so 0s, no preemption, are the
    simple end) and shrinks what it finds.  The failure itself if it finds
    nothing."""
    from hypothesis import find, settings
    from hypothesis import strategies as st
    from hypothesis.errors import NoSuchExample

    bounds = trimmed(failure.decisions)
    want = signature(failure)

    def fails(ds: tuple[int, ...]) -> bool:
        o = explore(allocator, scenario, Replay(list(ds)), trace=False, memory=memory)
        return signature(o) == want

    try:
        found = find(st.tuples(*[st.integers(0, b) for b in bounds]), fails,
                     settings=settings(max_examples=max_examples, database=None))
    except NoSuchExample:
        return failure
    final = explore(allocator, scenario, Replay(list(found)), memory=memory)
    final.decisions = trimmed(final.decisions)
    return final

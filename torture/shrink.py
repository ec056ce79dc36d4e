"""Make a failing decision list small: fewer preemptions first, then fewer
non-zero decisions, then an earlier last one, keeping the same verdict.  For
failures found by PCT or random search; Hypothesis shrinks its own finds."""

from __future__ import annotations

from torture.explore import Exhaustive, Outcome, Replay, explore
from torture.scenario import Scenario


def trimmed(decisions: list[int]) -> list[int]:
    """Past the list every decision is 0: the trailing zeros say nothing."""
    end = len(decisions)
    while end and not decisions[end - 1]:
        end -= 1
    return list(decisions[:end])


def _size(o: Outcome) -> tuple[int, int, int]:
    return o.preemptions, sum(1 for d in o.decisions if d), len(trimmed(o.decisions))


def shrink(allocator: str, scenario: Scenario, failure: Outcome, memory: bool = False,
           budget: int = 2000) -> Outcome:
    """The smallest run with @failure's verdict.  First iterative context
    bounding: an exhaustive search with 0, 1, 2, 3 preemptions finds the
    fewest preemptions that fail this way, if that is few.  Then zeroing
    chunks of the decisions (ddmin-style) and lowering single ones; at most
    @budget replays.  The result's decisions are trimmed and replay it."""
    tries = 0
    best = failure
    for bound in range(min(failure.preemptions, 4)):
        o = explore(allocator, scenario, Exhaustive(preemptions=bound, runs=budget * 10),
                    trace=False, memory=memory)
        if o.verdict == failure.verdict:
            best = o
            break

    def better(ds: list[int]) -> bool:
        nonlocal best, tries
        tries += 1
        o = explore(allocator, scenario, Replay(ds), trace=False, memory=memory)
        if o.verdict == failure.verdict and _size(o) < _size(best):
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
    return final


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

    def fails(ds: tuple[int, ...]) -> bool:
        o = explore(allocator, scenario, Replay(list(ds)), trace=False, memory=memory)
        return o.verdict == failure.verdict

    try:
        found = find(st.tuples(*[st.integers(0, b) for b in bounds]), fails,
                     settings=settings(max_examples=max_examples, database=None))
    except NoSuchExample:
        return failure
    final = explore(allocator, scenario, Replay(list(found)), memory=memory)
    final.decisions = trimmed(final.decisions)
    return final

"""Hypothesis strategies for the deterministic engine: scenarios and decision
lists.  A decision is an index into one choice's options (taken modulo their
number), so any list is a valid run and Hypothesis shrinks toward 0s, the
run without preemptions, and toward shorter lists."""

from __future__ import annotations

from hypothesis import strategies as st

from torture.scenario import (
    Hotplug,
    Irq,
    Op,
    Scenario,
    Task,
    alloc,
    for_each_free,
    free,
    free_all,
    hand,
    signal,
)


def ops(nr_tasks: int) -> st.SearchStrategy[Op]:
    return st.one_of(
        st.sampled_from([alloc(), alloc("running"), alloc("interruptible"), free(),
                         free_all(), for_each_free()]),
        st.builds(hand, st.integers(0, nr_tasks - 1)),
        st.builds(signal, st.integers(0, nr_tasks - 1)),
    )


@st.composite
def scenarios(draw: st.DrawFn, max_tasks: int = 3, max_ops: int = 8,
              irqs: bool = True, hotplug: bool = True) -> Scenario:
    nr_cpus = draw(st.integers(2, 3))
    nr_tags = draw(st.integers(1, 8))
    max_size = draw(st.integers(1, nr_tags + 1))
    batch = draw(st.integers(1, max_size))
    nr_tasks = draw(st.integers(1, max_tasks))
    tasks = [Task(draw(st.integers(0, nr_cpus - 1)),
                  draw(st.lists(ops(nr_tasks), min_size=1, max_size=max_ops)))
             for _ in range(nr_tasks)]
    handlers = []
    if irqs and draw(st.booleans()):
        handlers.append(Irq(draw(st.integers(0, nr_cpus - 1)),
                            draw(st.lists(st.sampled_from([alloc("running"), free()]),
                                          min_size=1, max_size=3)),
                            draw(st.integers(1, 2))))
    events = []
    if hotplug and draw(st.booleans()):
        cpu = draw(st.integers(1, nr_cpus - 1))
        events = [Hotplug(cpu), Hotplug(cpu, up=True)]
    return Scenario(nr_tags, max_size, batch, nr_cpus, tasks, handlers, events)


def decision_lists(max_size: int = 64, max_value: int = 3) -> st.SearchStrategy[list[int]]:
    return st.lists(st.integers(0, max_value), max_size=max_size)

"""The deterministic suite: named scenarios and the default budget every
allocator must pass and every broken one must fail."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from torture import images
from torture.explore import PCT, Exhaustive, Outcome, Random, Strategy, explore
from torture.scenario import (
    Hotplug,
    Irq,
    Scenario,
    Task,
    alloc,
    complete,
    free,
    free_all,
    hand,
    signal,
    standard,
    submit,
    submit_atomic,
    timer,
)

A, R = alloc(), alloc("running")


def three_tasks() -> Scenario:
    """Two tasks share vCPU 0, one is on vCPU 1: refills, steals, sleeps and
    frees on the other side, with caches of one tag."""
    t0 = [R, R, A, R, free(), free(), free_all()]
    t1 = [A, free(), R, hand(0), R, A, R, hand(2), free(), free_all()]
    t2 = [A, free(), A, R, free(), free(), A, A, free(), free_all()]
    return Scenario(6, 1, 1, 2, [Task(0, t0), Task(1, t1), Task(0, t2)])


def wakeups() -> Scenario:
    """Four tags, caches of two, holdings that add up to the pool: a task
    sleeps only while tags are in flight, and a lost wakeup is a hang."""
    t0 = [R, free(), R, A, free(), free(), R, free_all()]
    t1 = [A, free(), A, free(), A, free_all()]
    t2 = [A, free(), A, free(), A, free_all()]
    return Scenario(4, 2, 2, 2, [Task(1, t0), Task(1, t1), Task(0, t2)])


def cpumask() -> Scenario:
    """Tags freed into an empty cache must be visible to thieves."""
    t0 = [A, free(), R, A, R, A, R, R, free_all()]
    t1 = [A, free(), R, free_all()]
    t2 = [R, free(), A, free_all()]
    return Scenario(4, 2, 2, 2, [Task(0, t0), Task(1, t1), Task(0, t2)])


def irqs() -> Scenario:
    """Handlers allocate and free on the vCPUs where tasks are inside the allocator."""
    t0 = [A, A, free(), free(), A, free()]
    t1 = [A, A, free(), free()]
    return Scenario(4, 2, 1, 2, [Task(0, t0), Task(1, t1)],
                    [Irq(0, [R, free()], 2), Irq(1, [R, free()], 1)])


def hotplug() -> Scenario:
    """vCPU 1 goes down with tags parked in its cache and comes back."""
    t0 = [A, A, A, free(), free(), free(), A, A, A, free_all()]
    t1 = [A, A, free(), free()]
    return Scenario(6, 4, 2, 2, [Task(0, t0), Task(1, t1)], [],
                    [Hotplug(1), Hotplug(1, up=True)])


def hotplug_refused() -> Scenario:
    """As hotplug, but a callback may refuse either operation: the refusal, and
    the unwinding that leaves the CPU as it was, are decisions of their own."""
    sc = hotplug()
    sc.hotplug = [Hotplug(1, may_fail=True), Hotplug(1, up=True, may_fail=True)]
    return sc


def signals() -> Scenario:
    """An interruptible sleeper is signalled while the other task holds a tag."""
    t0 = [A, alloc("interruptible"), free_all()]
    t1 = [A, signal(0), free_all()]
    return Scenario(2, 1, 1, 2, [Task(0, t0), Task(1, t1)])


def migration() -> Scenario:
    """Task 1 holds every tag while task 0 goes to sleep; its frees wake task 0,
    which may resume on vCPU 1 and must use vCPU 1's cache from then on."""
    return Scenario(4, 8, 2, 2, [Task(0, [A]), Task(1, [A] * 4 + [free()] * 4)])


def steal_push() -> Scenario:
    """Task 0 steals task 1's cache while task 1 frees into it."""
    return Scenario(4, 8, 4, 2, [Task(0, [A]), Task(1, [A, A, free()])])


def steal_far() -> Scenario:
    """Four vCPUs, one tag cached on each of 1..3 as their tasks free: the
    task on vCPU 0 wants three at once, so its steals must pass over the
    CPUs left empty (its own, and those already robbed) to the ones still
    holding tags, and stop where the tags are."""
    return Scenario(4, 2, 1, 4, [Task(0, [A, A, A, free_all()]), Task(1, [A, free()]),
                                 Task(2, [A, free()]), Task(3, [A, free()])])


def asymmetric() -> Scenario:
    """vCPU 0 only allocates and hands every tag to the tasks on vCPUs 1 and
    2, which only free: the tags come back to vCPU 0 by refills from what
    the others spill, and by steals from their caches."""
    t0 = [A, hand(1), A, hand(2), A, hand(1), A, hand(2), A, free_all()]
    return Scenario(3, 2, 1, 3, [Task(0, t0), Task(1, [free(), free(), free()]),
                                 Task(2, [free(), free(), free()])])


def wake_race() -> Scenario:
    """One tag: task 0 waits for it while task 1 frees it."""
    return Scenario(1, 1, 1, 2, [Task(0, [A]), Task(1, [A, free()])])


def spurious() -> Scenario:
    """wake_race, where the waiter may also wake once for no reason: a wait
    must loop on its condition, as the kernel's may always be woken."""
    sc = wake_race()
    sc.spurious_wakeups = 1
    return sc


def driver() -> Scenario:
    """tagblk with 2 tags: sleeping submits, timer-path submits that requeue
    and give up with -EBUSY, completion interrupts on the other vCPU, and 30%
    of the driver's allocations failing with -ENOMEM."""
    return Scenario(
        2, 2, 1, 2,
        [Task(0, [submit(), submit(), submit()]), Task(1, [submit(), submit()])],
        [Irq(0, [submit_atomic(), timer()], 3), Irq(1, [complete(), complete()], 4),
         Irq(0, [timer(), complete()], 3)],
        faults=["fail_function:inject=percpu_ida_alloc,retval=-12,probability=30,times=-1"],
        driver=True, max_retries=1)


SCENARIOS: dict[str, Callable[[], Scenario]] = {
    "standard": standard, "three_tasks": three_tasks, "wakeups": wakeups,
    "cpumask": cpumask, "irqs": irqs, "hotplug": hotplug,
    "hotplug_refused": hotplug_refused, "signals": signals,
    "migration": migration, "steal_push": steal_push, "steal_far": steal_far,
    "asymmetric": asymmetric, "wake_race": wake_race,
    "spurious": spurious,
    "driver": driver,
}


@dataclass(frozen=True)
class Budget:
    strategy: Strategy
    memory: bool = False  # the allocator's plain loads and stores are points too


def default_budget(seed: int = 0) -> list[Budget]:
    """Memory points (the allocator's plain accesses as scheduling points)
    wherever the budget allows: random and PCT with and without them."""
    return [Budget(Random(seed=seed, runs=300)), Budget(PCT(seed=seed, runs=300, depth=3)),
            Budget(Random(seed=seed, runs=300), memory=True),
            Budget(PCT(seed=seed, runs=300, depth=3), memory=True),
            Budget(Exhaustive(preemptions=1, runs=3000)),
            Budget(Exhaustive(preemptions=2, runs=5000), memory=True)]


def suite(seed: int = 0, allocator: str | None = None) -> Iterator[tuple[str, Scenario, Budget]]:
    """Every scenario under the default budget; the driver's only where
    @allocator has the driver built in."""
    driver = allocator is None or images.lookup(allocator).has_driver
    for name, make in SCENARIOS.items():
        if name == "driver" and not driver:
            continue
        for budget in default_budget(seed):
            yield name, make(), budget


def run_suite(allocator: str, seed: int = 0) -> tuple[str, Scenario, Budget, Outcome] | None:
    """The first failure of @allocator in the suite, or None."""
    for name, scenario, budget in suite(seed, allocator):
        outcome = explore(allocator, scenario, budget.strategy, trace=False,
                          memory=budget.memory)
        if outcome.failed:
            return name, scenario, budget, outcome
    return None

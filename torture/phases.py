"""What a torture run does not exercise: the phases its parameters turn off
(said in the Start line, as rcutorture says "onoff disabled"), and the
pressure that never materialised (a `???` line at the end, and a non-zero
exit unless --allow_idle).  A setting that silently does nothing would
otherwise end in SUCCESS having tested less than it claims.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from torture import cabi

if TYPE_CHECKING:
    from torture.images import ImageSpec
    from torture.runner import TortureParams

IRQ_SLOTS = 4  # tags an interrupt handler may hold per vCPU (torture.c)


def disabled(p: TortureParams, features: int) -> list[str]:
    """The phases @p leaves out, each with the setting that does it."""
    off: list[str] = []

    def note(cond: bool, what: str) -> None:
        if cond:
            off.append(what)

    one_cpu = p.nr_cpus == 1
    note(one_cpu, "onoff, steals, shuffle (nr_cpus=1)")
    note(not one_cpu and not p.onoff_interval, "onoff (onoff_interval=0)")
    note(not one_cpu and bool(p.onoff_interval) and p.onoff_holdoff >= p.duration,
         "onoff (onoff_holdoff >= duration)")
    note(not one_cpu and not p.shuffle_interval, "shuffle (shuffle_interval=0)")
    note(not p.irq_interval, "irqs (irq_interval=0)")
    note(not p.cross_cpu_free or p.nr_tasks == 1,
         "cross-CPU frees (" + ("nr_tasks=1)" if p.nr_tasks == 1 else "cross_cpu_free=0)"))
    note(not p.sleepers, "sleeping allocations (sleepers=0)")
    interruptible = (p.sleepers and p.interruptible and features & cabi.FEAT_INTERRUPTIBLE)
    note(bool(p.sleepers) and not interruptible,
         "interruptible sleeps (" + ("interruptible=0)" if not p.interruptible
                                     else "the allocator has none)"))
    note(not p.signal_interval, "signals (signal_interval=0)")
    note(not p.stutter, "stutter: checks at the end only (stutter=0)")
    note(bool(p.stutter) and p.stutter >= p.duration,
         "stutter: checks at the end only (stutter >= duration)")
    most_held = p.nr_tasks * p.hold + (IRQ_SLOTS * p.nr_cpus if p.irq_interval else 0)
    note(p.nr_tags >= most_held,
         f"-ENOSPC and sleeps (nr_tags={p.nr_tags} >= the {most_held} tags tasks and "
         f"handlers can hold)")
    return off


def idle(spec: ImageSpec, stats: dict[str, int]) -> list[str]:
    """The pressure the run never saw: no -ENOSPC, no sleep, no steal (for
    an allocator with per-CPU caches), no stutter."""
    missing = [("enospc", "no -ENOSPC"), ("sleeps", "no sleep"), ("stutters", "no stutter")]
    if spec.per_cpu_caches:
        missing.insert(2, ("steals", "no steal"))
    return [what for key, what in missing if not stats.get(key)]

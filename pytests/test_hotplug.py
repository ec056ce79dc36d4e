"""CPU hotplug: tags parked on a CPU that goes away come back, two ways."""

from __future__ import annotations

import time

import pytest
from conftest import wait_for_state

from torture import images, runner


@pytest.mark.parametrize("allocator,stranded", [
    ("percpu_ida", 5),        # no hook: the dead CPU keeps them until a thief comes
    ("percpu_ida_v1", 5),
    ("percpu_ida_cpuhp", 0),  # CPU_DEAD notifier: back on the global stack at once
    ("ida_mag", 5),           # the magazines stay until another CPU empties them
    ("ida_tags", 0),          # the baselines without per-cpu caches strand nothing
    ("sbitmap_tags", 0),
    ("tag_freelist", 0),
])
def test_tags_parked_on_an_offline_cpu_are_recovered(make_kernel, allocator, stranded):
    k = make_kernel(allocator, nr_cpus=3)
    pool = k.pool(8, 16, 4)
    tags = [pool.alloc(cpu=1) for _ in range(8)]
    for tag in tags[:5]:
        pool.free(tag, cpu=1)
    k.cpu_down(1)
    assert pool.free_tags(1) == stranded
    assert pool.free_tags(k.nr_cpus) == 5 - stranded
    got = sorted(pool.alloc(cpu=cpu) for cpu in (0, 2, 0, 2, 0))
    assert got == sorted(tags[:5])
    assert pool.free_tags(1) == 0
    pool.check_conservation()
    k.cpu_up(1)
    assert not k.reports()


def test_a_cpu_can_go_down_while_a_task_sleeps_on_it(make_kernel, background):
    from torture.kernel import TASK_UNINTERRUPTIBLE

    k = make_kernel("percpu_ida", nr_cpus=2)
    pool = k.pool(2, 8, 2)
    held = [pool.alloc(cpu=0), pool.alloc(cpu=0)]
    sleeper = k.task("sleeper")
    bg = background(lambda: pool.alloc(cpu=1, state=TASK_UNINTERRUPTIBLE, task=sleeper))
    wait_for_state(sleeper, TASK_UNINTERRUPTIBLE)
    k.cpu_down(1)
    pool.free(held[0], cpu=0)
    assert bg.outcome() == held[0]  # it woke, and ran on CPU 0


@pytest.mark.parametrize("allocator", ["percpu_ida", "percpu_ida_cpuhp"])
def test_onoff_torture_measures_stranding(allocator):
    result = runner.run(
        runner.TortureParams(torture_type=allocator, nr_cpus=3, nr_tasks=3, duration=4.0,
                             onoff_interval=0.3, onoff_holdoff=0.2, nr_tags=96,
                             max_size=32, batch_size=16, stat_interval=0),
        emit=lambda _: None,
    )
    assert result.success, result.reason
    assert result.stats["onoff_ops"] > 0
    # counted as each CPU dies, aimed at CPUs with cached tags: some there
    assert result.stats["stranded_max"] > 0


@pytest.mark.parametrize("allocator", ["percpu_ida", "percpu_ida_cpuhp"])
def test_a_dead_cpus_cache_stays_stranded_unless_a_notifier_returns_it(allocator):
    """With every task paused (no thief), cpu_down strands what the CPU's
    cache held as it died; the CPU_DEAD notifier of the variant hands it
    back to the global stack before cpu_down returns."""
    p = runner.TortureParams(torture_type=allocator, nr_cpus=3, nr_tasks=3, nr_tags=96,
                             max_size=32, batch_size=16, seed=5).resolved()
    c = runner.Campaign(p, emit=lambda _: None)
    try:
        c.start()
        downs: list[tuple[int, int, int]] = []
        while len(downs) < 4:
            while c.stats()["ops"] < 20_000 * (len(downs) + 1):
                time.sleep(0.01)
            assert c.quiesce() is not None
            cpu = max(range(1, 3), key=c.pool.free_tags)
            c.kernel.cpu_down(cpu)
            downs.append((c.kernel.lib.hk_torture_last_stranded(), c.pool.free_tags(cpu),
                          c.pool.free_tags(p.nr_cpus)))
            c.kernel.cpu_up(cpu)
            c.kernel.lib.hk_torture_resume()
        assert c.kernel.lib.hk_torture_stop(30_000) == 0
        assert any(at_death for at_death, _, _ in downs), downs
        if images.lookup(allocator).patch:
            assert all(left == 0 for _, left, _ in downs), downs
        else:
            assert all(left == at_death for at_death, left, _ in downs), downs
    finally:
        c.kernel.close()

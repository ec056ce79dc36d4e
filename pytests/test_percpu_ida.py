"""The tag allocator contract, on every allocator image: both percpu_ida
designs and the baselines.  What is percpu_ida's own (steals, spills, its
sizes) runs on percpu_ida's images only."""

from __future__ import annotations

import contextlib
import random

import pytest
from conftest import wait_for_state

from torture import (
    Interrupted,
    InvalidArgument,
    KernelBug,
    NoTags,
    OutOfMemory,
    cabi,
    generation,
    images,
)
from torture.kernel import TASK_INTERRUPTIBLE, TASK_RUNNING, TASK_UNINTERRUPTIBLE


def test_every_tag_allocatable_once(make_kernel, allocator):
    k = make_kernel(allocator, nr_cpus=3)
    pool = k.pool(200, 16, 8)
    tags = [pool.alloc(cpu=i % 3) for i in range(200)]
    assert sorted(tags) == list(range(200))


def test_enospc_when_exhausted_without_sleeping(make_kernel, allocator):
    k = make_kernel(allocator)
    pool = k.pool(40, 16, 8)
    for i in range(40):
        pool.alloc(cpu=i % 2)
    for cpu in (0, 1):
        with pytest.raises(NoTags):
            pool.alloc(cpu=cpu, state=TASK_RUNNING)
    assert not k.reports()


def test_tags_freed_on_one_cpu_are_stolen_by_another(make_kernel, percpu_allocator):
    k = make_kernel(percpu_allocator)
    pool = k.pool(8, 16, 4)
    tags = [pool.alloc(cpu=1) for _ in range(8)]
    assert pool.free_tags(k.nr_cpus) == 0  # global stack empty
    for tag in tags[:3]:
        pool.free(tag, cpu=1)
    assert pool.free_tags(1) == 3 and pool.free_tags(0) == 0
    stolen = pool.alloc(cpu=0)
    assert stolen in tags[:3]
    assert pool.free_tags(1) == 0, "a thief takes the whole stack"
    assert pool.free_tags(0) == 2
    pool.check_conservation()


def test_spill_at_max_size_moves_a_batch_to_the_global_stack(make_kernel, percpu_allocator):
    k = make_kernel(percpu_allocator)
    pool = k.pool(64, 8, 4)
    tags = [pool.alloc(cpu=0) for _ in range(8)]
    assert pool.free_tags(k.nr_cpus) == 56 and pool.free_tags(0) == 0
    for tag in tags[:7]:
        pool.free(tag, cpu=0)
    assert pool.free_tags(0) == 7 and pool.free_tags(k.nr_cpus) == 56
    pool.free(tags[7], cpu=0)  # the cache reaches max_size: spill a batch
    assert pool.free_tags(0) == 4 and pool.free_tags(k.nr_cpus) == 60
    pool.check_conservation()


@pytest.mark.parametrize("stop_after", [1, 5])
def test_for_each_free_stops_when_the_callback_says_so(make_kernel, allocator, stop_after):
    k = make_kernel(allocator, nr_cpus=2)
    pool = k.pool(16, 4, 2)
    tags = [pool.alloc(cpu=c % 2) for c in range(6)]
    for c, tag in enumerate(tags):
        pool.free(tag, cpu=c % 2)  # some in each cache, some on the global stack
    every = pool.for_each_free()
    assert pool.for_each_free(stop_after=stop_after) == every[:stop_after]


def test_for_each_free_is_the_free_set_at_quiescence(make_kernel, allocator):
    k = make_kernel(allocator, nr_cpus=4)
    pool = k.pool(100, 8, 4)
    rng = random.Random(7)
    for _ in range(600):
        if pool.owned and (rng.random() < 0.45 or len(pool.owned) > 90):
            pool.free(rng.choice(sorted(pool.owned)), cpu=rng.randrange(4))
        else:
            with contextlib.suppress(NoTags):
                pool.alloc(cpu=rng.randrange(4))
    free = pool.for_each_free()
    assert len(free) == len(set(free))
    assert set(free) == set(range(100)) - set(pool.owned)
    counted = sum(pool.free_tags(cpu) for cpu in range(k.nr_cpus + 1))
    assert counted == len(free)


def test_sleeping_alloc_woken_by_free_on_another_cpu(make_kernel, allocator, background):
    k = make_kernel(allocator)
    pool = k.pool(4, 8, 2)
    tags = [pool.alloc(cpu=1) for _ in range(4)]
    sleeper = k.task("sleeper")
    bg = background(lambda: pool.alloc(cpu=0, state=TASK_UNINTERRUPTIBLE, task=sleeper))
    wait_for_state(sleeper, TASK_UNINTERRUPTIBLE)
    assert k.wakeups() == 0 and not bg.done(0)  # asleep, nobody woke it
    pool.free(tags[2], cpu=1)
    assert bg.outcome() == tags[2]
    assert not k.reports()


def test_interruptible_sleeper_returns_erestartsys(make_kernel, allocator, background):
    k = make_kernel(allocator)
    pool = k.pool(2, 8, 2)
    if not k.features & cabi.FEAT_INTERRUPTIBLE:
        pytest.skip(f"API generation lacks it: {k.generation_label} has no interruptible "
                    "allocation")
    pool.alloc(cpu=0)
    pool.alloc(cpu=1)
    sleeper = k.task("sleeper")
    bg = background(lambda: pool.alloc(cpu=0, state=TASK_INTERRUPTIBLE, task=sleeper))
    wait_for_state(sleeper, TASK_INTERRUPTIBLE)
    sleeper.signal()
    with pytest.raises(Interrupted):
        bg.outcome()
    pool.check_conservation()


def test_alloc_and_free_in_irq_context(make_kernel, allocator):
    k = make_kernel(allocator)
    pool = k.pool(16, 8, 4)
    tag = pool.alloc(cpu=1, irq=True)
    pool.free(tag, cpu=0, irq=True)
    assert not k.reports()
    pool.check_conservation()


def test_sleeping_alloc_in_irq_is_a_bug(make_kernel, allocator):
    k = make_kernel(allocator)
    pool = k.pool(1, 8, 2)
    pool.alloc(cpu=0)
    # an allocator that allocates memory for a sleeping caller trips might_sleep()
    with pytest.raises(KernelBug, match="scheduling while atomic|invalid context"):
        pool.alloc(cpu=1, state=TASK_UNINTERRUPTIBLE, irq=True)


def test_free_of_nr_tags_is_a_bug(make_kernel, allocator):
    k = make_kernel(allocator)
    pool = k.pool(32, 8, 4)
    with pytest.raises(KernelBug) as info:
        pool.free(32, cpu=0)
    assert "BUG_ON(tag >= pool->nr_tags)" in info.value.report.message
    assert info.value.report.function == images.lookup(allocator).free_function


def test_too_many_tags_is_einval(make_kernel, allocator):
    k = make_kernel(allocator)
    # a tag is an int (the posting's: an unsigned, with TAG_FAIL kept back)
    too_many = 2**32 - 1 if k.spec.gen.number == generation.POSTING else 2**31 + 1
    with pytest.raises(InvalidArgument, match="EINVAL"):
        k.pool(too_many)
    assert k.mem().outstanding == 0
    assert "too" in k.dmesg() or "more than" in k.dmesg()


def test_the_largest_tag_count_is_not_einval(make_kernel, percpu_allocator):
    """The limit's boundary: INT_MAX + 1 tags (the posting: 2**32 - 2) are
    allowed.  Init then sets the pool up (the posting's tree fills lazily)
    or fails at its 8 GiB freelist, which no kernel allocator hands out:
    -ENOMEM, with the allocator's warning, nothing left allocated."""
    k = make_kernel(percpu_allocator)
    largest = 2**32 - 2 if k.spec.gen.number == generation.POSTING else 2**31
    try:
        k.pool(largest).destroy()
    except OutOfMemory:
        assert k.reports(), "an allocation that large warns"
    assert k.mem().outstanding == 0


@pytest.mark.parametrize("nr_tags", [1023, 1024, 1025])
def test_tag_counts_around_a_page_of_freelist(make_kernel, allocator, nr_tags):
    """A tag stack that fills its page exactly, or one entry short or over:
    every tag allocatable once, and nothing written past what init
    allocated (the redzones, checked at every free)."""
    k = make_kernel(allocator)
    pool = k.pool(nr_tags)
    tags = [pool.alloc(cpu=0) for _ in range(nr_tags)]
    assert sorted(tags) == list(range(nr_tags))
    with pytest.raises(NoTags):
        pool.alloc(cpu=0)
    for tag in tags:
        pool.free(tag, cpu=0)
    pool.destroy()
    assert k.redzone_damage() is None and not k.reports()
    assert k.mem().outstanding == 0


def test_failed_init_is_enomem_with_nothing_leaked(make_kernel, allocator):
    k = make_kernel(allocator)
    task = k.task("init")
    failures = 0
    for nth in range(1, 20):
        task.fail_nth(nth)
        try:
            pool = k.pool(256, 16, 8, task=task)
        except OutOfMemory:
            failures += 1
            assert k.mem().outstanding == 0, f"fail-nth {nth} leaked:\n{k.leaks()}"
            continue
        assert task.fail_nth_left > 0, "init succeeded although its allocation failed"
        pool.destroy()
        break
    # percpu_ida: the freelist pages and the per-cpu caches at least
    assert failures >= (2 if images.lookup(allocator).percpu_ida else 1)
    assert k.mem().outstanding == 0


def test_destroy_leaves_accounting_at_zero(make_kernel, allocator):
    k = make_kernel(allocator, nr_cpus=4)
    pool = k.pool(1000)
    assert k.mem().outstanding > 0
    for _ in range(100):
        pool.free(pool.alloc(cpu=2), cpu=3)
    pool.destroy()
    assert k.mem().outstanding == 0, k.leaks()
    assert not k.reports()


def test_default_sizes(make_kernel, percpu_allocator):
    k = make_kernel(percpu_allocator)
    pool = k.pool(5000)
    tag = pool.alloc(cpu=0)
    # a first refill moves one batch to the CPU
    assert pool.free_tags(0) == pool.batch_size - 1
    pool.free(tag, cpu=0)


@pytest.mark.parametrize("allocator", sorted({**images.CORRECT, **images.BASELINES}))
def test_a_built_in_allocator_has_every_feature(make_kernel, allocator):
    """Only a drop-in of an older generation may lack one: conftest skips an
    Unsupported from a drop-in and fails one from a built-in image."""
    every = (cabi.FEAT_INIT_SIZES | cabi.FEAT_FOR_EACH_FREE | cabi.FEAT_FREE_TAGS
             | cabi.FEAT_INTERRUPTIBLE)
    k = make_kernel(allocator)
    # the cache bound is percpu_ida's own contract, not a baseline's
    bound = cabi.FEAT_CACHE_BOUND if k.spec.percpu_ida else 0
    assert k.features == every | bound and not k.spec.dropin
